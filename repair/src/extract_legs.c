/* Comparing the legs of mirror / raid1 LVs: each leg LV is planned on its
 * own and read in step with the others; sectors where a readable leg
 * differs from the first readable one are collected as merged ranges. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "util.h"

#define SECTOR 512u
#define STEP (1u << 20)

void lr_extract_legdiff_free(lr_extract_legdiff_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_legs; i++) {
        free(d->legs[i]);
        free(d->meta_lv ? d->meta_lv[i] : NULL);
    }
    free(d->meta_lv);
    free(d->legs);
    free(d->readable);
    free(d->has_sb);
    free(d->sb);
    free(d);
}

static void note_range(lr_extract_legdiff_t *d, uint64_t off, uint64_t len)
{
    d->differ += len;
    lr_extract_range_t *last = d->n_ranges ? &d->ranges[d->n_ranges - 1] : NULL;
    if (last && last->offset + last->length == off) {
        last->length += len;
        return;
    }
    if (d->n_ranges == LR_EXTRACT_MAX_RANGES) {
        d->more_ranges = true;
        return;
    }
    d->ranges[d->n_ranges++] = (lr_extract_range_t){off, len};
}

typedef struct leg_map {
    lr_extract_piece_t *pieces;
    size_t n;
    bool missing;
} leg_map_t;

/* Reads every readable leg of one segment in steps and compares them. */
static int compare_segment(const rp_xhandles_t *h, lr_extract_legdiff_t *d, leg_map_t *m, size_t n,
                           uint64_t base, uint64_t size, const char *name, char **buf,
                           lr_error_t *err)
{
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (!m[i].missing)
            first = i;
    if (first == n)
        return 0;
    for (uint64_t at = 0; at < size; at += STEP) {
        size_t len = (size_t)(size - at < STEP ? size - at : STEP);
        for (size_t i = first; i < n; i++) {
            if (m[i].missing)
                continue;
            int rc = rp_xread_pieces(h, m[i].pieces, m[i].n, size, name, buf[i], len, at, err);
            if (rc)
                return rc;
        }
        for (size_t s = 0; s < len; s += SECTOR) {
            size_t k = len - s < SECTOR ? len - s : SECTOR;
            bool same = true;
            for (size_t i = first + 1; i < n && same; i++)
                same = m[i].missing || memcmp(buf[first] + s, buf[i] + s, k) == 0;
            if (!same)
                note_range(d, base + at + s, k);
        }
        d->compared += len;
    }
    return 0;
}

static int add_legs(lr_extract_legdiff_t *d, const lr_seg_t *s)
{
    if (d->legs)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < s->n_areas; i++)
        n += !s->areas[i].meta;
    d->legs = calloc(n ? n : 1, sizeof(*d->legs));
    d->readable = calloc(n ? n : 1, sizeof(*d->readable));
    d->has_sb = calloc(n ? n : 1, sizeof(*d->has_sb));
    d->sb = calloc(n ? n : 1, sizeof(*d->sb));
    d->meta_lv = calloc(n ? n : 1, sizeof(*d->meta_lv));
    if (!d->legs || !d->readable || !d->has_sb || !d->sb || !d->meta_lv)
        return -ENOMEM;
    bool oom = false;
    for (size_t i = 0; i < s->n_areas; i++)
        if (!s->areas[i].meta) {
            d->readable[d->n_legs] = true;
            d->legs[d->n_legs++] = rp_strdup(s->areas[i].name, &oom);
        }
    return oom ? -ENOMEM : 0;
}

/* The dm-raid superblock in the _rmeta LV in front of leg k (raid1), for
 * the report only: anything unreadable leaves has_sb false. */
static void read_sb(rp_xctx_t *x, const rp_xhandles_t *h, lr_extract_legdiff_t *d, size_t k,
                    const lr_seg_area_t *meta)
{
    const lr_lv_t *m = lr_vg_find_lv(x->vg, meta->name);
    lr_extract_piece_t *pieces = NULL;
    size_t n = 0, missing_before = x->n_missing;
    bool gone = true;
    char buf[LR_RAID_SB_SIZE];
    if (m && m->extent_count &&
        !rp_xplan_sub(x, m, 0, m->extent_count, "raid1", 1, &pieces, &n, &gone) && !gone &&
        !rp_xread_pieces(h, pieces, n, m->extent_count * x->ext_bytes, m->name, buf, sizeof(buf), 0,
                         NULL) &&
        !lr_raid_sb_decode(buf, sizeof(buf), &d->sb[k], NULL)) {
        bool oom = false;
        d->meta_lv[k] = rp_strdup(meta->name, &oom);
        d->has_sb[k] = !oom;
    }
    rp_xfree_pieces(pieces, n);
    x->n_missing = missing_before;
    lr_error_clear(x->err);
}

/* One mirror/raid1 segment: plan each leg LV alone, then compare. */
static int one_segment(rp_xctx_t *x, const rp_xhandles_t *h, lr_extract_legdiff_t *d,
                       const lr_lv_t *lv, const lr_seg_t *s, char **buf)
{
    if (add_legs(d, s))
        return lr_error_oom(x->err);
    leg_map_t *m = calloc(d->n_legs, sizeof(*m));
    if (!m)
        return lr_error_oom(x->err);
    uint64_t len = lr_seg_area_len(s);
    size_t k = 0, missing_before = x->n_missing, n_v = 0;
    lr_lvmap_leg_t *v = NULL; /* scan's rule: which legs can be read */
    int rc = lr_lvmap_legs(x->scan, NULL, 0, x->vg, s, 0, len, &v, &n_v) ? lr_error_oom(x->err) : 0;
    for (size_t i = 0; i < s->n_areas && k < d->n_legs && k < n_v && !rc; i++) {
        if (s->areas[i].meta)
            continue;
        const lr_lv_t *leg =
            s->areas[i].pv_index < 0 ? lr_vg_find_lv(x->vg, s->areas[i].name) : NULL;
        m[k].missing = true; /* a PV-area leg (pvmove) is not compared */
        if (leg)
            rc = rp_xplan_sub(x, leg, s->areas[i].start, len, s->type, 1, &m[k].pieces, &m[k].n,
                              &m[k].missing);
        /* as for a raid image: planned without pieces (an "error" segment)
         * stays missing */
        m[k].missing = m[k].missing || !rp_xleg_whole(&v[k], !m[k].missing);
        d->readable[k] &= !m[k].missing;
        if (!rc && d->n_segments == 0 && i > 0 && s->areas[i - 1].meta)
            read_sb(x, h, d, k, &s->areas[i - 1]);
        k++;
    }
    free(v);
    x->n_missing = missing_before; /* an unreadable leg is reported, not an error */
    if (!rc)
        rc = compare_segment(h, d, m, k, s->start_extent * x->ext_bytes, len * x->ext_bytes,
                             lv->name, buf, x->err);
    for (size_t i = 0; i < k; i++)
        rp_xfree_pieces(m[i].pieces, m[i].n);
    free(m);
    d->n_segments++;
    return rc;
}

static int compare_lv(rp_xctx_t *x, const lr_lv_t *lv, const lr_extract_opts_t *opts,
                      lr_extract_legdiff_t *d)
{
    /* every image of the scan may hold a leg: open them all when the
     * caller gave no handles */
    lr_extract_plan_t all = {.lv = (char *)lv->name};
    all.images = calloc(x->scan->n_images ? x->scan->n_images : 1, sizeof(int));
    if (!all.images)
        return lr_error_oom(x->err);
    for (size_t i = 0; i < x->scan->n_images; i++)
        all.images[all.n_images++] = (int)i;
    rp_xhandles_t h;
    int rc = rp_xhandles_open(&h, x->scan, &all, opts, x->err);
    free(all.images);
    if (rc)
        return rc;
    char **buf = NULL;
    for (size_t i = 0; i < lv->n_segs && !rc; i++) {
        const lr_seg_t *s = &lv->segs[i];
        if (!lr_seg_is_mirror(s))
            continue;
        if (!buf) {
            size_t n = 0;
            for (size_t a = 0; a < s->n_areas; a++)
                n += !s->areas[a].meta;
            buf = calloc(n + 1, sizeof(*buf));
            for (size_t a = 0; buf && a < n; a++)
                if (!(buf[a] = malloc(STEP)))
                    rc = lr_error_oom(x->err);
            if (!buf)
                rc = lr_error_oom(x->err);
        }
        if (!rc)
            rc = one_segment(x, &h, d, lv, s, buf);
    }
    for (size_t a = 0; buf && buf[a]; a++)
        free(buf[a]);
    free(buf);
    rp_xhandles_close(&h);
    return rc;
}

int lr_extract_compare_legs(const lr_scan_session_t *session, size_t vg, size_t version,
                            const char *lv_name, const lr_extract_opts_t *opts,
                            lr_extract_legdiff_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!session || !lv_name || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    lr_vg_t *v = NULL;
    int rc = lr_scan_version_vg(session, vg, version, &v, err);
    if (rc)
        return rc;
    const lr_lv_t *lv = lr_vg_find_lv(v, lv_name);
    bool any = false;
    for (size_t i = 0; lv && i < lv->n_segs; i++)
        any |= lr_seg_is_mirror(&lv->segs[i]);
    if (!any || v->extent_size == 0 || v->extent_size > UINT64_MAX / SECTOR) {
        lr_vg_free(v);
        return 0;
    }
    rp_xctx_t x = {
        .scan = lr_scan_result(session), .vg = v, .err = err, .ext_bytes = v->extent_size * SECTOR};
    lr_extract_legdiff_t *d = calloc(1, sizeof(*d));
    rc = d ? compare_lv(&x, lv, opts, d) : lr_error_oom(err);
    free(x.missing);
    lr_vg_free(v);
    if (rc) {
        lr_extract_legdiff_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
