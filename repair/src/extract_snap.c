/* Extraction of an old-style snapshot: LVM2 keeps it as a hidden LV
 * ("snapshot0") whose one segment of type "snapshot" names the origin LV,
 * the COW LV (cow_store; the name lvs shows for the snapshot) and the chunk
 * size. Its data is the origin, except for the chunks the COW LV's
 * exception store (lr/snapshot.h) holds the old copies of. Planning reads
 * the store and checks every exception; reading then picks, chunk by chunk,
 * the COW copy or the origin. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "util.h"

#define SECTOR 512u
#define MAX_EXCEPTIONS (64u << 20) /* 1 GiB of table: more is not a COW LVM2 makes */

const lr_seg_t *rp_xfind_snapshot(const lr_vg_t *vg, const lr_lv_t *lv, const lr_lv_t **snap_lv)
{
    for (size_t i = 0; i < vg->n_lvs; i++) {
        const lr_lv_t *s = &vg->lvs[i];
        for (size_t j = 0; j < s->n_segs; j++) {
            const lr_seg_t *g = &s->segs[j];
            if (strcmp(g->type, "snapshot") != 0)
                continue;
            const char *cow = NULL;
            if (lr_cfg_get_str(g->node, "cow_store", &cow, NULL))
                lr_cfg_get_str(g->node, "merging_store", &cow, NULL);
            if (s == lv || (cow && strcmp(cow, lv->name) == 0)) {
                *snap_lv = s;
                return g;
            }
        }
    }
    return NULL;
}

void rp_xfree_snap(lr_extract_snap_t *snap)
{
    if (!snap)
        return;
    free(snap->snapshot_lv);
    free(snap->origin);
    free(snap->cow);
    free(snap->exceptions);
    free(snap->cache_mode);
    rp_xfree_pieces(snap->origin_pieces, snap->n_origin);
    rp_xfree_pieces(snap->cow_pieces, snap->n_cow);
    free(snap);
}

int rp_xread_sub(const lr_scan_t *scan, const char *name, const lr_extract_piece_t *pieces,
                 size_t n, uint64_t size, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    lr_extract_plan_t tmp = {
        .lv = (char *)name, .pieces = (lr_extract_piece_t *)pieces, .n_pieces = n};
    int rc = rp_xcollect_images(&tmp);
    if (rc)
        return lr_error_oom(err);
    rp_xhandles_t h;
    rc = rp_xhandles_open(&h, scan, &tmp, NULL, err);
    if (!rc) {
        rc = rp_xread_pieces(&h, pieces, n, size, name, buf, len, off, err);
        rp_xhandles_close(&h);
    }
    free(tmp.images);
    return rc;
}

static int read_cow(const lr_scan_t *scan, const lr_extract_snap_t *sn, void *buf, size_t len,
                    uint64_t off, lr_error_t *err)
{
    return rp_xread_sub(scan, sn->cow, sn->cow_pieces, sn->n_cow, sn->cow_size, buf, len, off, err);
}

static int by_old_chunk(const void *a, const void *b)
{
    const lr_snap_exception_t *x = a, *y = b;
    return x->old_chunk < y->old_chunk ? -1 : x->old_chunk > y->old_chunk;
}

void rp_xsort_exceptions(lr_snap_exception_t *e, size_t n)
{
    if (n) /* qsort's base may not be NULL, even for 0 elements */
        qsort(e, n, sizeof(*e), by_old_chunk);
}

/* Every exception must point inside the COW LV and inside the snapshot;
 * a chunk copied twice (not written by the kernel) is damage. */
static int check_exceptions(rp_xctx_t *x, lr_extract_snap_t *sn, uint64_t size)
{
    uint64_t cb = (uint64_t)sn->chunk_size * SECTOR;
    rp_xsort_exceptions(sn->exceptions, sn->n_exceptions);
    uint64_t used = 1;
    for (size_t i = 0; i < sn->n_exceptions; i++) {
        const lr_snap_exception_t *e = &sn->exceptions[i];
        if (e->new_chunk >= sn->chunks_total || e->old_chunk >= (size + cb - 1) / cb)
            return lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET,
                                "snapshot COW %s: exception of origin chunk %" PRIu64
                                " to COW chunk %" PRIu64 " points outside %s",
                                sn->cow, e->old_chunk, e->new_chunk,
                                e->new_chunk >= sn->chunks_total ? "the COW LV" : "the origin");
        if (i && e->old_chunk == sn->exceptions[i - 1].old_chunk)
            return lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET,
                                "snapshot COW %s: origin chunk %" PRIu64 " has two exceptions",
                                sn->cow, e->old_chunk);
        if (e->new_chunk + 1 > used)
            used = e->new_chunk + 1;
    }
    sn->chunks_used = used;
    return 0;
}

/* The header and the exception table of the COW LV. */
static int read_store(rp_xctx_t *x, lr_extract_snap_t *sn, uint64_t size)
{
    uint8_t hdr[SECTOR];
    if (sn->cow_size < sizeof(hdr))
        return lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET, "snapshot COW %s is empty", sn->cow);
    int rc = read_cow(x->scan, sn, hdr, sizeof(hdr), 0, x->err);
    lr_snap_header_t h;
    if (!rc)
        rc = lr_snap_header_decode(hdr, sizeof(hdr), &h, x->err);
    if (rc == LR_ENOTFOUND)
        rc = LR_EFORMAT; /* a snapshot without its store is damage */
    if (rc)
        return lr_error_wrap(x->err, sn->cow, rc);
    sn->valid = h.valid != 0;
    sn->chunk_size = h.chunk_size;
    uint64_t cb = (uint64_t)h.chunk_size * SECTOR;
    sn->chunks_total = sn->cow_size / cb;
    size_t cap = 0;
    uint8_t *area = malloc(cb);
    if (!area)
        return lr_error_oom(x->err);
    uint64_t per = lr_snap_per_area(h.chunk_size);
    for (uint64_t a = 0; !rc; a++) {
        uint64_t at = lr_snap_area_chunk(h.chunk_size, a);
        if (at >= sn->chunks_total)
            break; /* the table fills the COW LV */
        rc = read_cow(x->scan, sn, area, cb, at * cb, x->err);
        if (!rc && sn->n_exceptions + per > cap) {
            size_t ncap = cap ? cap * 2 : (size_t)per;
            void *v = ncap <= MAX_EXCEPTIONS
                          ? realloc(sn->exceptions, ncap * sizeof(*sn->exceptions))
                          : NULL;
            if (!v)
                rc = lr_error_set(x->err, LR_ELIMIT, LR_NO_OFFSET,
                                  "snapshot COW %s: exception table too large", sn->cow);
            else {
                sn->exceptions = v;
                cap = ncap;
            }
        }
        size_t got = 0;
        bool more = false;
        if (!rc)
            rc = lr_snap_area_decode(area, cb, h.chunk_size, sn->exceptions + sn->n_exceptions,
                                     cap - sn->n_exceptions, &got, &more, x->err);
        if (rc)
            rc = lr_error_prefix(x->err, sn->cow, rc);
        sn->n_exceptions += got;
        if (!more)
            break;
    }
    free(area);
    return rc ? rc : check_exceptions(x, sn, size);
}

static int snap_names(rp_xctx_t *x, const lr_lv_t *snap_lv, const lr_seg_t *s,
                      lr_extract_snap_t *sn, const lr_lv_t **origin, const lr_lv_t **cow)
{
    const char *o = NULL, *c = NULL;
    uint64_t chunk = 0;
    lr_cfg_get_str(s->node, "origin", &o, NULL);
    lr_cfg_get_str(s->node, "cow_store", &c, NULL);
    lr_cfg_get_uint(s->node, "chunk_size", &chunk, NULL);
    if (!c && lr_cfg_get_str(s->node, "merging_store", &c, NULL) == 0)
        return rp_xseg_error(x, LR_EREFUSED, snap_lv, s,
                             "segment type 'snapshot' is being merged into its origin "
                             "(merging_store): part of its chunks may already be in the origin");
    *origin = o ? lr_vg_find_lv(x->vg, o) : NULL;
    *cow = c ? lr_vg_find_lv(x->vg, c) : NULL;
    if (!*origin || !*cow)
        return rp_xseg_error(x, LR_EFORMAT, snap_lv, s,
                             "segment type 'snapshot' without an existing origin and cow_store LV");
    bool oom = false;
    sn->snapshot_lv = rp_strdup(snap_lv->name, &oom);
    sn->origin = rp_strdup(o, &oom);
    sn->cow = rp_strdup(c, &oom);
    sn->seg_chunk_size = chunk <= UINT32_MAX ? (uint32_t)chunk : 0;
    return oom ? lr_error_oom(x->err) : 0;
}

int rp_xsnap_piece(rp_xctx_t *x, lr_extract_snap_t *sn, const lr_seg_t *s, uint64_t size, int rc)
{
    lr_extract_piece_t *p = rc ? NULL : rp_xnew_piece(x);
    if (!rc && !p)
        rc = lr_error_oom(x->err);
    if (rc) {
        rp_xfree_snap(sn);
        return rc;
    }
    bool oom = false;
    p->length = size;
    p->chunk = (uint64_t)sn->chunk_size * SECTOR;
    p->segtype = rp_strdup(s->type, &oom);
    p->snap = sn;
    return oom ? lr_error_oom(x->err) : 0;
}

int rp_xplan_snapshot(rp_xctx_t *x, const lr_lv_t *snap_lv, const lr_seg_t *s)
{
    lr_extract_snap_t *sn = calloc(1, sizeof(*sn));
    if (!sn)
        return lr_error_oom(x->err);
    const lr_lv_t *origin = NULL, *cow = NULL;
    int rc = snap_names(x, snap_lv, s, sn, &origin, &cow);
    bool gone_o = false, gone_c = false;
    if (!rc)
        rc = rp_xplan_sub(x, origin, 0, origin->extent_count, s->type, 1, &sn->origin_pieces,
                          &sn->n_origin, &gone_o);
    if (!rc)
        rc = rp_xplan_sub(x, cow, 0, cow->extent_count, s->type, 1, &sn->cow_pieces, &sn->n_cow,
                          &gone_c);
    sn->origin_size = origin ? origin->extent_count * x->ext_bytes : 0;
    sn->cow_size = cow ? cow->extent_count * x->ext_bytes : 0;
    uint64_t size = snap_lv->extent_count * x->ext_bytes;
    if (!rc && (gone_o || gone_c)) {
        rp_xfree_snap(sn); /* the missing PVs are named by the caller */
        return 0;
    }
    if (!rc)
        rc = read_store(x, sn, size);
    if (!rc && !sn->valid)
        rc = lr_error_set(x->err, LR_EREFUSED, LR_NO_OFFSET,
                          "snapshot %s (COW LV %s) is marked invalid in its COW header: it "
                          "overflowed or was dropped, so its data is incomplete",
                          sn->snapshot_lv, sn->cow);
    if (!rc)
        x->plan->size = size; /* the snapshot's size, not its COW LV's */
    return rp_xsnap_piece(x, sn, s, size, rc);
}

static int snap_chunk(const rp_xhandles_t *h, const lr_extract_piece_t *p, uint64_t c,
                      uint64_t within, char *buf, size_t take, lr_error_t *err)
{
    const lr_extract_snap_t *sn = p->snap;
    lr_snap_exception_t key = {c, 0};
    const lr_snap_exception_t *e =
        sn->n_exceptions
            ? bsearch(&key, sn->exceptions, sn->n_exceptions, sizeof(key), by_old_chunk)
            : NULL; /* bsearch's base may not be NULL */
    if (e)
        return rp_xread_pieces(h, sn->cow_pieces, sn->n_cow, sn->cow_size, sn->cow, buf, take,
                               e->new_chunk * p->chunk + within, err);
    return rp_xread_pieces(h, sn->origin_pieces, sn->n_origin, sn->origin_size, sn->origin, buf,
                           take, c * p->chunk + within, err);
}

int rp_xread_snap(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                  uint64_t at, lr_error_t *err)
{
    return rp_xwalk_chunks(h, p, buf, len, at, snap_chunk, err);
}
