/* Extraction through raid0/4/5/6/10 segments: each image LV is planned on
 * its own (a leg), the chunks are placed by core's layout rules (lr/raid.h),
 * and an image that cannot be read is rebuilt from parity (raid4/5/6) or
 * read from another copy (raid10). The _rmeta LVs are planned too, but only
 * to report the dm-raid superblock; the data never depends on them. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "util.h"

#define SECTOR 512u

void rp_xfree_legs(lr_extract_leg_t *legs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(legs[i].lv);
        free(legs[i].meta_lv);
        rp_xfree_pieces(legs[i].pieces, legs[i].n_pieces);
        rp_xfree_pieces(legs[i].meta_pieces, legs[i].n_meta_pieces);
    }
    free(legs);
}

static bool has_error_segment(const lr_lv_t *lv)
{
    for (size_t i = 0; i < lv->n_segs; i++)
        if (strcmp(lv->segs[i].type, "error") == 0)
            return true;
    return false;
}

int rp_xplan_sub(rp_xctx_t *x, const lr_lv_t *sub, uint64_t lo, uint64_t len, const char *top,
                 int depth, lr_extract_piece_t **pieces, size_t *n_pieces, bool *missing)
{
    *pieces = NULL;
    *n_pieces = 0;
    *missing = false;
    if (has_error_segment(sub)) {
        *missing = true;
        return 0;
    }
    lr_extract_plan_t tmp = {0};
    lr_extract_plan_t *saved = x->plan;
    size_t saved_cap = x->cap;
    uint64_t misses = x->misses;
    x->plan = &tmp;
    x->cap = 0;
    rp_xrange_t r = {lo, lo + len, 0, top, sub->name, depth};
    int rc = rp_xplan_range(x, sub, &r);
    x->plan = saved;
    x->cap = saved_cap;
    if (rc || x->misses != misses) {
        rp_xfree_pieces(tmp.pieces, tmp.n_pieces);
        *missing = !rc;
        return rc;
    }
    *pieces = tmp.pieces;
    *n_pieces = tmp.n_pieces;
    return 0;
}

static size_t gcd(size_t a, size_t b)
{
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Whether every chunk still has a readable copy: raid10 near places the
 * copies of chunk c on the consecutive images c*copies .. c*copies +
 * copies - 1 (mod the image count, lr_raid_map), so a group of copies
 * starts only at a multiple of gcd(copies, images): with 4 images and 2
 * copies the groups are images 0-1 and 2-3, and losing 0 and 3 loses no
 * chunk. */
static bool raid10_whole(const lr_extract_leg_t *legs, size_t n, unsigned copies)
{
    size_t step = gcd(copies ? copies : 1, n);
    for (size_t start = 0; start < n; start += step) {
        bool any = false;
        for (unsigned k = 0; k < copies && !any; k++)
            any = !legs[(start + k) % n].missing;
        if (!any)
            return false;
    }
    return true;
}

static bool tolerable(const lr_raid_layout_t *l, const lr_extract_leg_t *legs, size_t n,
                      size_t n_missing, unsigned copies)
{
    if (!n_missing)
        return true;
    if (l->level == 10)
        return raid10_whole(legs, n, copies);
    return n_missing <= l->parity;
}

/* The refusal when too many images are missing: the type, the images and
 * the PVs they need. */
static int too_degraded(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s,
                        const lr_raid_layout_t *l, const lr_extract_leg_t *legs, size_t n,
                        size_t n_missing, size_t missing_before)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%zu of %zu images of this %s segment cannot be read (", n_missing, n,
                     s->type);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (legs[i].missing)
            lr_strbuf_printf(&b, "%s%s", k++ ? ", " : "", legs[i].lv);
    if (l->level == 10)
        lr_strbuf_printf(&b, "), and every copy of some chunks is among them");
    else if (l->parity == 0)
        lr_strbuf_printf(&b, "); %s has no redundancy", l->name);
    else
        lr_strbuf_printf(&b, "); %s can rebuild at most %u", l->name, l->parity);
    if (x->n_missing > missing_before)
        lr_strbuf_puts(&b, "; PVs not among the images:");
    for (size_t i = missing_before; i < x->n_missing; i++) {
        const lr_pv_t *pv = x->missing[i];
        lr_strbuf_printf(&b, "%s %s (UUID %s%s%s)", i > missing_before ? "," : "", pv->key, pv->id,
                         pv->device ? ", last seen as " : "", pv->device ? pv->device : "");
    }
    char *msg = lr_strbuf_take(&b, NULL);
    int rc = rp_xseg_error(x, LR_EREFUSED, lv, s, msg ? msg : "too many images missing");
    free(msg);
    x->n_missing = missing_before; /* named here already */
    return rc;
}

/* The checks of a raid segment before its legs are planned. */
static int raid_checks(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s,
                       const lr_raid_layout_t *l, size_t n_data)
{
    char why[200];
    if (n_data != s->stripe_count || n_data < lr_raid_min_images(l) || n_data > LR_RAID_MAX_DEVS) {
        snprintf(why, sizeof(why), "%s with %zu images (needs %u to %u)", s->type, n_data,
                 lr_raid_min_images(l), LR_RAID_MAX_DEVS);
        return rp_xseg_error(x, LR_EFORMAT, lv, s, why);
    }
    if (s->stripe_size == 0)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "a striped raid level without stripe_size");
    if (s->stripe_size > x->ext_bytes / SECTOR || x->ext_bytes % (s->stripe_size * SECTOR))
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "stripe_size does not divide the extent size");
    if (l->level == 10 && (s->data_copies < 2 || s->data_copies > n_data))
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "raid10 data_copies out of range");
    uint64_t off = 0;
    /* an out-of-place reshape moves the data inside each image: not read */
    if (lr_cfg_get_uint(s->node, "data_offset", &off, NULL) == 0 && off > 1)
        return rp_xseg_error(x, LR_EREFUSED, lv, s,
                             "the images carry reshape space (data_offset); not supported");
    if (lr_seg_area_len(s) == 0)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "images of no extents");
    return 0;
}

/* Plans one image (and its _rmeta LV, when the segment names one); v is
 * scan's verdict on it (lr_lvmap_legs). */
static int plan_one_leg(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const rp_xrange_t *r,
                        const lr_lvmap_leg_t *v, lr_extract_leg_t *leg)
{
    const lr_seg_area_t *ar = &s->areas[v->area];
    const lr_seg_area_t *meta = v->meta_area >= 0 ? &s->areas[v->meta_area] : NULL;
    bool oom = false;
    leg->lv = rp_strdup(ar->name, &oom);
    leg->meta_lv = meta ? rp_strdup(meta->name, &oom) : NULL;
    if (oom)
        return lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    const lr_lv_t *img = lr_vg_find_lv(x->vg, ar->name);
    if (!img)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "an image names an LV that does not exist");
    uint64_t len = lr_seg_area_len(s);
    leg->size = len * x->ext_bytes;
    int rc = rp_xplan_sub(x, img, ar->start, len, r->top, r->depth + 1, &leg->pieces,
                          &leg->n_pieces, &leg->missing);
    /* missing is scan's rule; an image planning left without pieces (an
     * "error" segment anywhere in it) stays missing whatever the extents
     * read */
    leg->missing = leg->missing || !rp_xleg_whole(v, !leg->missing);
    if (rc || !meta)
        return rc;
    /* the _rmeta LV: whole, and only for the report, so its missing PVs
     * are forgotten */
    const lr_lv_t *m = lr_vg_find_lv(x->vg, meta->name);
    size_t missing_before = x->n_missing;
    bool gone = false;
    if (m && m->extent_count)
        rc = rp_xplan_sub(x, m, 0, m->extent_count, r->top, r->depth + 1, &leg->meta_pieces,
                          &leg->n_meta_pieces, &gone);
    x->n_missing = missing_before;
    if (rc == LR_EREFUSED || rc == LR_EFORMAT) {
        rc = 0; /* an unreadable _rmeta does not stop extraction */
        lr_error_clear(x->err);
    }
    return rc;
}

int rp_xplan_raid(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const rp_xrange_t *r)
{
    lr_raid_layout_t l;
    if (!lr_raid_layout(s->type, &l) || l.level == 1)
        return rp_xseg_error(x, LR_EREFUSED, lv, s, "not a striped raid level");
    size_t n = 0;
    lr_lvmap_leg_t *v = NULL;
    int rc = lr_lvmap_legs(x->scan, NULL, 0, x->vg, s, 0, lr_seg_area_len(s), &v, &n);
    if (rc)
        return lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    rc = raid_checks(x, lv, s, &l, n);
    lr_extract_leg_t *legs = rc ? NULL : calloc(n, sizeof(*legs));
    if (!rc && !legs)
        rc = lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc) {
        free(v);
        return rc;
    }
    size_t missing_before = x->n_missing, n_missing = 0, k = 0;
    uint64_t misses_before = x->misses;
    for (; k < n && !rc; k++) {
        rc = plan_one_leg(x, lv, s, r, &v[k], &legs[k]);
        n_missing += !rc && legs[k].missing;
    }
    free(v);
    unsigned copies = l.level == 10 ? (unsigned)s->data_copies : 1;
    if (!rc && !tolerable(&l, legs, n, n_missing, copies))
        rc = too_degraded(x, lv, s, &l, legs, n, n_missing, missing_before);
    lr_extract_piece_t *p = rc ? NULL : rp_xnew_piece(x);
    if (!rc && !p)
        rc = lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc) {
        rp_xfree_legs(legs, n);
        return rc;
    }
    /* rebuilt: those PVs are not needed (and a mirror above sees a whole leg) */
    x->n_missing = missing_before;
    x->misses = misses_before;
    bool oom = false;
    p->lv_offset = r->out;
    p->length = (r->hi - r->lo) * x->ext_bytes;
    p->seg_offset = (r->lo - s->start_extent) * x->ext_bytes;
    p->chunk = s->stripe_size * SECTOR;
    p->segtype = rp_strdup(r->top, &oom);
    p->via = rp_strdup(r->via, &oom);
    p->raid = l;
    p->copies = copies;
    p->n_legs = n;
    p->legs = legs;
    p->n_missing_legs = n_missing;
    return oom ? lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory") : 0;
}

/* ---- reading ------------------------------------------------------------ */

static int read_leg(const rp_xhandles_t *h, const lr_extract_leg_t *leg, char *buf, size_t len,
                    uint64_t off, lr_error_t *err)
{
    if (leg->missing)
        return lr_error_set(err, LR_EFORMAT, off, "image %s cannot be read", leg->lv);
    return rp_xread_pieces(h, leg->pieces, leg->n_pieces, leg->size, leg->lv, buf, len, off, err);
}

/* A chunk slice of a missing image, rebuilt from the same slice of every
 * other image of its row. */
static int rebuild(const rp_xhandles_t *h, const lr_extract_piece_t *p, uint64_t row, unsigned disk,
                   char *buf, size_t len, uint64_t off, lr_error_t *err)
{
    unsigned n = (unsigned)p->n_legs;
    int *role = calloc(n, sizeof(*role));
    uint8_t **chunk = calloc(n, sizeof(*chunk));
    unsigned *missing = calloc(n, sizeof(*missing));
    uint8_t *space = malloc((size_t)n * len);
    int rc = role && chunk && missing && space
                 ? 0
                 : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    unsigned n_missing = 0;
    for (unsigned i = 0; i < n && !rc; i++) {
        chunk[i] = space + (size_t)i * len;
        if (p->legs[i].missing)
            missing[n_missing++] = i;
        else
            rc = read_leg(h, &p->legs[i], (char *)chunk[i], len, off, err);
    }
    if (!rc) {
        lr_raid_row_roles(&p->raid, n, row, role);
        if (lr_raid_rebuild(&p->raid, n, role, chunk, len, missing, n_missing))
            rc = lr_error_set(err, LR_ERANGE, off, "%s: row %" PRIu64 " cannot be rebuilt",
                              p->raid.name, row);
    }
    if (!rc)
        memcpy(buf, chunk[disk], len);
    free(role);
    free(chunk);
    free(missing);
    free(space);
    return rc;
}

/* One slice of logical chunk c (within, take bytes). */
static int read_chunk(const rp_xhandles_t *h, const lr_extract_piece_t *p, uint64_t c,
                      uint64_t within, char *buf, size_t take, lr_error_t *err)
{
    unsigned n = (unsigned)p->n_legs;
    lr_raid_loc_t loc = lr_raid_map(&p->raid, n, p->copies, c);
    if (p->raid.level == 10) {
        for (unsigned k = 0; k < p->copies; k++) {
            unsigned d = (loc.disk + k) % n;
            uint64_t row = loc.row + (loc.disk + k) / n;
            if (!p->legs[d].missing)
                return read_leg(h, &p->legs[d], buf, take, row * p->chunk + within, err);
        }
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "no copy of raid10 chunk %" PRIu64, c);
    }
    uint64_t off = loc.row * p->chunk + within;
    if (!p->legs[loc.disk].missing)
        return read_leg(h, &p->legs[loc.disk], buf, take, off, err);
    if (p->raid.level == 0)
        return lr_error_set(err, LR_EFORMAT, off, "image %s cannot be read", p->legs[loc.disk].lv);
    return rebuild(h, p, loc.row, loc.disk, buf, take, off, err);
}

int rp_xread_raid(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                  uint64_t at, lr_error_t *err)
{
    return rp_xwalk_chunks(h, p, buf, len, at, read_chunk, err);
}

int lr_extract_raid_sb(const lr_scan_t *scan, const lr_extract_plan_t *plan, size_t piece,
                       size_t leg, const lr_extract_opts_t *opts, lr_raid_sb_t *out,
                       lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !plan || !out || piece >= plan->n_pieces || leg >= plan->pieces[piece].n_legs)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    const lr_extract_leg_t *g = &plan->pieces[piece].legs[leg];
    if (!g->meta_pieces || !g->n_meta_pieces)
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "image %s has no readable _rmeta LV",
                            g->lv);
    const lr_extract_piece_t *last = &g->meta_pieces[g->n_meta_pieces - 1];
    uint64_t size = last->lv_offset + last->length;
    if (size < LR_RAID_SB_SIZE)
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "%s is too small", g->meta_lv);
    rp_xhandles_t h;
    int rc = rp_xhandles_open(&h, scan, plan, opts, err);
    if (rc)
        return rc;
    char buf[LR_RAID_SB_SIZE];
    rc = rp_xread_pieces(&h, g->meta_pieces, g->n_meta_pieces, size, g->meta_lv, buf, sizeof(buf),
                         0, err);
    rp_xhandles_close(&h);
    if (!rc)
        rc = lr_raid_sb_decode(buf, sizeof(buf), out, err);
    return rc ? lr_error_wrap(err, g->meta_lv, rc) : 0;
}

/* ---- parity check ------------------------------------------------------- */

/* Whether piece p is a raid4/5/6 piece with every image readable. */
static bool parity_checkable(const lr_extract_piece_t *p)
{
    return p->n_legs && !p->n_missing_legs && p->chunk && p->raid.parity &&
           (p->raid.level == 5 || p->raid.level == 6) && p->n_legs > p->raid.parity;
}

/* Checks one row: its chunks read from every image into chunk[], the
 * parity ones copied aside and computed again from the data. *bad when
 * they differ. */
static int check_row(const rp_xhandles_t *h, const lr_extract_piece_t *p, uint64_t row,
                     uint8_t **chunk, uint8_t *saved, int *role, bool *bad, lr_error_t *err)
{
    unsigned n = (unsigned)p->n_legs, missing[2], n_par = 0;
    size_t len = (size_t)p->chunk;
    for (unsigned i = 0; i < n; i++) {
        int rc = read_leg(h, &p->legs[i], (char *)chunk[i], len, row * p->chunk, err);
        if (rc)
            return rc;
    }
    lr_raid_row_roles(&p->raid, n, row, role);
    for (unsigned i = 0; i < n && n_par < 2; i++)
        if (role[i] == LR_RAID_ROLE_P || role[i] == LR_RAID_ROLE_Q) {
            memcpy(saved + (size_t)n_par * len, chunk[i], len);
            missing[n_par++] = i;
        }
    if (n_par != p->raid.parity || lr_raid_rebuild(&p->raid, n, role, chunk, len, missing, n_par))
        return lr_error_set(err, LR_ERANGE, row * p->chunk, "%s: row %" PRIu64 " has no parity",
                            p->raid.name, row);
    *bad = false;
    for (unsigned k = 0; k < n_par && !*bad; k++)
        *bad = memcmp(saved + (size_t)k * len, chunk[missing[k]], len) != 0;
    return 0;
}

/* The rows of piece p, checked into *out. */
static int check_piece(const rp_xhandles_t *h, const lr_extract_piece_t *p,
                       lr_extract_parity_t *out, lr_error_t *err)
{
    unsigned n = (unsigned)p->n_legs;
    size_t len = (size_t)p->chunk;
    uint64_t data = (n - p->raid.parity) * p->chunk; /* LV bytes a row holds */
    uint64_t first = p->seg_offset / data, end = (p->seg_offset + p->length + data - 1) / data;
    for (unsigned i = 0; i < n; i++)
        if (p->legs[i].size / p->chunk < end)
            end = p->legs[i].size / p->chunk; /* whole rows only */
    uint8_t *space = malloc((size_t)(n + 2) * len);
    uint8_t **chunk = calloc(n, sizeof(*chunk));
    int *role = calloc(n, sizeof(*role));
    int rc = space && chunk && role ? 0 : lr_error_oom(err);
    for (unsigned i = 0; !rc && i < n; i++)
        chunk[i] = space + (size_t)i * len;
    for (uint64_t row = first; !rc && row < end; row++) {
        bool bad = false;
        rc = check_row(h, p, row, chunk, space + (size_t)n * len, role, &bad, err);
        if (rc)
            break;
        out->rows++;
        if (!bad)
            continue;
        /* the row's data in LV bytes, clipped to the piece */
        uint64_t a = row * data, b = a + data;
        a = a > p->seg_offset ? a : p->seg_offset;
        b = b < p->seg_offset + p->length ? b : p->seg_offset + p->length;
        a = p->lv_offset + (a - p->seg_offset);
        b = p->lv_offset + (b - p->seg_offset);
        if (!out->bad_rows++)
            out->first_bad = a;
        out->last_bad = b;
    }
    free(space);
    free(chunk);
    free(role);
    return rc;
}

int lr_extract_check_parity(const lr_scan_t *scan, const lr_extract_plan_t *plan,
                            const lr_extract_opts_t *opts, lr_extract_parity_t *out,
                            lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !plan || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = (lr_extract_parity_t){0};
    bool any = false;
    for (size_t i = 0; i < plan->n_pieces; i++)
        any |= parity_checkable(&plan->pieces[i]);
    if (!any)
        return 0;
    rp_xhandles_t h;
    int rc = rp_xhandles_open(&h, scan, plan, opts, err);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < plan->n_pieces; i++)
        if (parity_checkable(&plan->pieces[i]))
            rc = check_piece(&h, &plan->pieces[i], out, err);
    rp_xhandles_close(&h);
    return rc;
}
