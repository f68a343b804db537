/* Extraction of an LV's contents from the scanned images: a plan (which
 * image bytes make up which LV bytes) built from one version's segments,
 * then a bounded streaming copy into a new file. */
#include "lr/extract.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "util.h"
#include "lr/export.h"
#include "lr/lvmap.h"

#define SECTOR 512u

/* ---- planning ---------------------------------------------------------- */

static int note_missing(rp_xctx_t *x, const lr_pv_t *pv)
{
    x->misses++;
    for (size_t i = 0; i < x->n_missing; i++)
        if (x->missing[i] == pv)
            return 0;
    if (x->n_missing == x->cap_missing) {
        size_t cap = x->cap_missing ? x->cap_missing * 2 : 8;
        const lr_pv_t **v = realloc(x->missing, cap * sizeof(*v));
        if (!v)
            return lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        x->missing = v;
        x->cap_missing = cap;
    }
    x->missing[x->n_missing++] = pv;
    return 0;
}

static void free_piece(lr_extract_piece_t *p)
{
    for (size_t i = 0; i < p->n_stripes; i++) {
        free(p->stripes[i].pv_key);
        free(p->stripes[i].pv_id);
    }
    free(p->stripes);
    rp_xfree_legs(p->legs, p->n_legs);
    rp_xfree_snap(p->snap);
    free(p->segtype);
    free(p->via);
}

void rp_xfree_pieces(lr_extract_piece_t *pieces, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free_piece(&pieces[i]);
    free(pieces);
}

static void truncate_pieces(lr_extract_plan_t *plan, size_t n)
{
    while (plan->n_pieces > n)
        free_piece(&plan->pieces[--plan->n_pieces]);
}

lr_extract_piece_t *rp_xnew_piece(rp_xctx_t *x)
{
    lr_extract_plan_t *plan = x->plan;
    if (plan->n_pieces == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        lr_extract_piece_t *v = realloc(plan->pieces, cap * sizeof(*v));
        if (!v)
            return NULL;
        plan->pieces = v;
        x->cap = cap;
    }
    lr_extract_piece_t *p = &plan->pieces[plan->n_pieces++];
    memset(p, 0, sizeof(*p));
    return p;
}

int rp_xseg_error(rp_xctx_t *x, int code, const lr_lv_t *lv, const lr_seg_t *s, const char *why)
{
    uint64_t end = s->start_extent + s->extent_count;
    return lr_error_set(x->err, code, lr_cfg_offset(s->node),
                        "LV %s %s (extents %" PRIu64 "-%" PRIu64 "): %s", lv->name, s->key,
                        s->start_extent, end ? end - 1 : 0, why);
}

/* Checks one PV area of a segment: inside the PV's extents and inside its
 * image, by scan's LV mapper (lr_lvmap_pv_extents, the one copy of both
 * rules); the refusals stay in extraction's words. Fills the stripe's
 * location. */
static int place_stripe(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const lr_seg_area_t *ar,
                        uint64_t area_len, lr_extract_stripe_t *st)
{
    lr_lvmap_run_t run;
    int rc =
        lr_lvmap_pv_extents(x->scan, NULL, 0, x->vg, ar->pv_index, ar->start, area_len, &run, NULL);
    if (rc == -ENOTSUP)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "an area names no PV of the version");
    if (rc == LR_EFORMAT)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "an area runs past its PV's pe_count");
    const lr_pv_t *pv = &x->vg->pvs[ar->pv_index];
    if (rc == -ENOENT)
        return note_missing(x, pv);
    if (rc)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "an area runs past the end of its image");
    bool oom = false;
    st->pv_key = rp_strdup(pv->key, &oom);
    st->pv_id = rp_strdup(pv->id, &oom);
    st->image = run.image;
    st->offset = run.off;
    return oom ? lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory") : 0;
}

/* A striped (or linear) segment whose areas are PVs: one piece. */
static int plan_striped_pvs(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s,
                            const rp_xrange_t *r)
{
    uint64_t n = s->stripe_count;
    if (n != s->n_areas || s->extent_count % n)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "extent count not divisible by stripe count");
    if (n > 1 && s->stripe_size == 0)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "several stripes but no stripe_size");
    /* checked before multiplying: a hostile stripe_size must not wrap the
     * chunk to 0 */
    if (n > 1 &&
        (s->stripe_size > x->ext_bytes / SECTOR || x->ext_bytes % (s->stripe_size * SECTOR)))
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "stripe_size does not divide the extent size");
    uint64_t chunk = n > 1 ? s->stripe_size * SECTOR : 0;
    uint64_t misses_before = x->misses;
    lr_extract_stripe_t *st = calloc(n, sizeof(*st));
    if (!st)
        return lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = place_stripe(x, lv, s, &s->areas[i], lr_seg_area_len(s), &st[i]);
    lr_extract_piece_t *p = NULL;
    if (!rc && x->misses == misses_before) {
        p = rp_xnew_piece(x);
        if (!p)
            rc = lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    bool oom = false;
    if (p) {
        p->lv_offset = r->out;
        p->length = (r->hi - r->lo) * x->ext_bytes;
        p->seg_offset = (r->lo - s->start_extent) * x->ext_bytes;
        p->chunk = chunk;
        p->segtype = rp_strdup(r->top, &oom);
        p->via = rp_strdup(r->via, &oom);
        p->n_stripes = n;
        p->stripes = st;
        st = NULL;
    }
    if (st) {
        for (size_t i = 0; i < n; i++) {
            free(st[i].pv_key);
            free(st[i].pv_id);
        }
        free(st);
    }
    return rc ? rc : oom ? lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory") : 0;
}

/* Reads one leg: an LV (recursing) or, in old mirrors, a PV area. */
static int plan_leg(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const lr_seg_area_t *ar,
                    const rp_xrange_t *r)
{
    uint64_t rel = r->lo - s->start_extent;
    if (ar->pv_index >= 0) {
        lr_seg_area_t one = *ar;
        lr_seg_t lin = *s; /* the leg as a one-stripe segment at the same place */
        lin.stripe_count = 1;
        lin.n_areas = 1;
        lin.areas = &one;
        return plan_striped_pvs(x, lv, &lin, r);
    }
    const lr_lv_t *leg = lr_vg_find_lv(x->vg, ar->name);
    if (!leg)
        return rp_xseg_error(x, LR_EFORMAT, lv, s, "a leg names an LV that does not exist");
    rp_xrange_t sub = {ar->start + rel, ar->start + rel + (r->hi - r->lo),
                       r->out,          r->top,
                       leg->name,       r->depth + 1};
    return rp_xplan_range(x, leg, &sub);
}

bool rp_xleg_whole(const lr_lvmap_leg_t *v, bool planned_whole)
{
    if (v->stacked || v->state == LR_LVMAP_LEG_NOT_FOLLOWED)
        return planned_whole;
    return v->state == LR_LVMAP_LEG_USABLE;
}

/* The first data leg (lr_lvmap_legs: every area but the raid metadata one
 * in front of its image) that scan's rule finds usable; the legs hold the
 * same data. Each leg before it is planned too, in order: a leg that
 * cannot be planned (past an image end, an "error" segment, a type not
 * extracted ...) stops extraction, and the PVs a leg lacks are kept, so
 * that when no leg is whole the refusal names every PV missing. */
static int plan_mirror(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const rp_xrange_t *r)
{
    size_t pieces_before = x->plan->n_pieces, missing_before = x->n_missing, n = 0;
    lr_lvmap_leg_t *legs = NULL;
    if (lr_lvmap_legs(x->scan, NULL, 0, x->vg, s, r->lo - s->start_extent, r->hi - r->lo, &legs,
                      &n))
        return lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = n ? 0 : rp_xseg_error(x, LR_EFORMAT, lv, s, "no data legs");
    for (size_t k = 0; k < n && !rc; k++) {
        if (legs[k].state == LR_LVMAP_LEG_PVMOVE_DEST)
            break; /* a pvmove's destination holds only part: its source or nothing */
        uint64_t leg_misses = x->misses;
        rc = plan_leg(x, lv, s, &s->areas[legs[k].area], r);
        if (!rc && rp_xleg_whole(&legs[k], x->misses == leg_misses)) {
            x->n_missing = missing_before; /* this leg is whole: forget the others' gaps */
            break;
        }
        if (!rc)
            truncate_pieces(x->plan, pieces_before);
    }
    free(legs);
    return rc;
}

/* Why a known LVM2 segment type is not read (neutral words; the type is
 * named by the caller). */
static const char *unsupported_why(const char *type)
{
    static const struct {
        const char *type, *why;
    } t[] = {
        {"thin", ": a thin LV is read through its pool only as the LV extracted, not below "
                 "another LV (the origin of an old-style snapshot)"},
        {"thin-pool", ": a thin pool is read through its thin LVs"},
        {"snapshot", ": extract the snapshot by the name of its COW LV"},
        {"cache", ": a cache LV of several segments, or below another LV, is not read"},
        {"cache-pool", ": a cache pool holds cached copies, not an LV's data"},
        {"writecache", ": a writecache LV of several segments, or below another LV, is not "
                       "read (its cachevol holds blocks not yet written back)"},
        {"vdo", ": VDO stores deduplicated, compressed blocks that this tool does not decode"},
        {"vdo-pool", ": VDO stores deduplicated, compressed blocks that this tool does not decode"},
        {"integrity", ": dm-integrity interleaves checksum tags with the data; this tool does not "
                      "decode them"},
        {"error", ": an error segment holds no data"},
        {"zero", ": a zero segment holds no data"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(t[i].type, type) == 0)
            return t[i].why;
    return "";
}

static int plan_segment(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const rp_xrange_t *r)
{
    char why[400];
    if (lr_seg_is_striped(s) && s->known) {
        bool on_pvs = true;
        for (size_t i = 0; i < s->n_areas; i++)
            on_pvs &= s->areas[i].pv_index >= 0;
        if (on_pvs)
            return plan_striped_pvs(x, lv, s, r);
        if (s->stripe_count == 1 && s->n_areas == 1)
            return plan_mirror(x, lv, s, r); /* linear over an LV: its one "leg" */
        return rp_xseg_error(x, LR_EREFUSED, lv, s, "striping over LVs cannot be extracted");
    }
    if (s->known && lr_seg_is_mirror(s))
        return plan_mirror(x, lv, s, r);
    lr_raid_layout_t layout;
    if (s->known && lr_raid_layout(s->type, &layout))
        return rp_xplan_raid(x, lv, s, r);
    snprintf(why, sizeof(why),
             "segment type '%s' cannot be extracted (only linear, striped, mirror, raid0, raid1, "
             "raid4, raid5, raid6, raid10, thin LVs, old-style snapshots, cache over a cache pool "
             "and writecache)%s",
             s->type, unsupported_why(s->type));
    return rp_xseg_error(x, LR_EREFUSED, lv, s, why);
}

/* Plans LV extents [r->lo, r->hi); every extent must be covered by a
 * segment. */
int rp_xplan_range(rp_xctx_t *x, const lr_lv_t *lv, const rp_xrange_t *r)
{
    if (r->depth > LR_EXTRACT_MAX_DEPTH)
        return lr_error_set(x->err, LR_EFORMAT, lr_cfg_offset(lv->node),
                            "LV %s: legs nested deeper than %d", lv->name, LR_EXTRACT_MAX_DEPTH);
    uint64_t at = r->lo;
    while (at < r->hi) {
        const lr_seg_t *s = lr_lvmap_seg_at(lv, at);
        if (!s)
            return lr_error_set(x->err, LR_EFORMAT, lr_cfg_offset(lv->node),
                                "LV %s: no segment maps extent %" PRIu64, lv->name, at);
        uint64_t end = s->start_extent + s->extent_count;
        rp_xrange_t sub = *r;
        sub.lo = at;
        sub.hi = end < r->hi ? end : r->hi;
        sub.out = r->out + (at - r->lo) * x->ext_bytes;
        if (r->depth == 0)
            sub.top = s->type;
        int rc = plan_segment(x, lv, s, &sub);
        if (rc)
            return rc;
        at = sub.hi;
    }
    return 0;
}

static int missing_error(rp_xctx_t *x, const lr_lv_t *lv)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "LV %s needs PVs that are not among the images:", lv->name);
    for (size_t i = 0; i < x->n_missing; i++) {
        const lr_pv_t *pv = x->missing[i];
        lr_strbuf_printf(&b, "%s %s (UUID %s%s%s)", i ? "," : "", pv->key, pv->id,
                         pv->device ? ", last seen as " : "", pv->device ? pv->device : "");
    }
    char *msg = lr_strbuf_take(&b, NULL);
    int rc = lr_error_set(x->err, LR_EREFUSED, LR_NO_OFFSET, "%s", msg ? msg : "PVs missing");
    free(msg);
    return rc;
}

static int unknown_lv(rp_xctx_t *x, const char *name)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "VG %s seqno %" PRIu64 " has no LV '%s'; its LVs:", x->vg->name,
                     x->vg->seqno, name);
    for (size_t i = 0; i < x->vg->n_lvs; i++)
        lr_strbuf_printf(&b, "%s %s", i ? "," : "", x->vg->lvs[i].name);
    if (!x->vg->n_lvs)
        lr_strbuf_puts(&b, " none");
    char *msg = lr_strbuf_take(&b, NULL);
    int rc = lr_error_set(x->err, LR_ENOTFOUND, LR_NO_OFFSET, "%s", msg ? msg : "no such LV");
    free(msg);
    return rc;
}

static size_t count_stripes(const lr_extract_piece_t *pieces, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += pieces[i].n_stripes;
        for (size_t j = 0; j < pieces[i].n_legs; j++)
            k += count_stripes(pieces[i].legs[j].pieces, pieces[i].legs[j].n_pieces) +
                 count_stripes(pieces[i].legs[j].meta_pieces, pieces[i].legs[j].n_meta_pieces);
        if (pieces[i].snap)
            k += count_stripes(pieces[i].snap->origin_pieces, pieces[i].snap->n_origin) +
                 count_stripes(pieces[i].snap->cow_pieces, pieces[i].snap->n_cow);
    }
    return k;
}

static void add_images(lr_extract_plan_t *plan, const lr_extract_piece_t *pieces, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const lr_extract_piece_t *p = &pieces[i];
        for (size_t j = 0; j < p->n_stripes; j++) {
            int img = p->stripes[j].image;
            size_t k = 0;
            while (k < plan->n_images && plan->images[k] != img)
                k++;
            if (k == plan->n_images)
                plan->images[plan->n_images++] = img;
        }
        for (size_t j = 0; j < p->n_legs; j++) {
            add_images(plan, p->legs[j].pieces, p->legs[j].n_pieces);
            add_images(plan, p->legs[j].meta_pieces, p->legs[j].n_meta_pieces);
        }
        if (p->snap) {
            add_images(plan, p->snap->origin_pieces, p->snap->n_origin);
            add_images(plan, p->snap->cow_pieces, p->snap->n_cow);
        }
        plan->n_degraded += p->n_missing_legs > 0;
    }
}

int rp_xcollect_images(lr_extract_plan_t *plan)
{
    size_t n = count_stripes(plan->pieces, plan->n_pieces);
    plan->images = calloc(n ? n : 1, sizeof(*plan->images));
    if (!plan->images)
        return -ENOMEM;
    add_images(plan, plan->pieces, plan->n_pieces);
    return 0;
}

static int plan_header(rp_xctx_t *x, const lr_lv_t *lv)
{
    lr_extract_plan_t *plan = x->plan;
    bool oom = false;
    plan->vg = rp_strdup(x->vg->name, &oom);
    plan->lv = rp_strdup(lv->name, &oom);
    plan->lv_id = rp_strdup(lv->id, &oom);
    plan->seqno = x->vg->seqno;
    plan->extent_size = x->ext_bytes;
    if (oom)
        return lr_error_set(x->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (__builtin_mul_overflow(lv->extent_count, x->ext_bytes, &plan->size))
        return lr_error_set(x->err, LR_ERANGE, lr_cfg_offset(lv->node), "LV %s is too large",
                            lv->name);
    return 0;
}

int lr_extract_plan_vg(const lr_scan_t *scan, const lr_vg_t *vgv, const char *lv_name,
                       lr_extract_plan_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !vgv || !lv_name || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    rp_xctx_t x = {.scan = scan, .vg = vgv, .err = err};
    if (vgv->extent_size == 0 || vgv->extent_size > UINT64_MAX / SECTOR)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(vgv->node), "bad extent_size");
    x.ext_bytes = vgv->extent_size * SECTOR;
    const lr_lv_t *lv = lr_vg_find_lv(vgv, lv_name);
    if (!lv)
        return unknown_lv(&x, lv_name);
    x.plan = calloc(1, sizeof(*x.plan));
    if (!x.plan)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = plan_header(&x, lv);
    const lr_lv_t *snap_lv = NULL;
    const lr_seg_t *snap = rp_xfind_snapshot(vgv, lv, &snap_lv);
    if (!rc && rp_thin_is_thin(lv)) {
        rc = rp_thin_plan(scan, vgv, lv, x.plan, err); /* extract_thin.c */
    } else if (!rc && snap) {
        rc = rp_xplan_snapshot(&x, snap_lv, snap);
    } else if (!rc && lv->n_segs == 1 && rp_xtype_is(lv->segs[0].type, "cache")) {
        rc = rp_xplan_cache(&x, lv, &lv->segs[0]);
    } else if (!rc && lv->n_segs == 1 && rp_xtype_is(lv->segs[0].type, "writecache")) {
        rc = rp_xplan_writecache(&x, lv, &lv->segs[0]);
    } else if (!rc) {
        rp_xrange_t r = {0, lv->extent_count, 0, NULL, NULL, 0};
        rc = rp_xplan_range(&x, lv, &r);
    }
    if (!rc && x.n_missing)
        rc = missing_error(&x, lv);
    if (!rc && !x.plan->thin && rp_xcollect_images(x.plan))
        rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    free(x.missing);
    if (rc) {
        lr_extract_plan_free(x.plan);
        lr_error_wrap(err, vgv->name, rc);
        return rc;
    }
    *out = x.plan;
    return 0;
}

/* Whether version i of VG vg has an LV named lv. */
static bool version_has_lv(const lr_scan_session_t *session, size_t vg, size_t i, const char *lv)
{
    lr_vg_t *o = NULL;
    if (lr_scan_version_vg(session, vg, i, &o, NULL) != 0)
        return false;
    bool has = lr_vg_find_lv(o, lv) != NULL;
    lr_vg_free(o);
    return has;
}

/* Adds to err's message that version i has the LV (`which`: "an older
 * version", "a later version"), with its crc when its seqno was written
 * twice (a vgcfgrestore, a conflict): the seqno alone does not name it. */
static int say_has(const lr_scan_t *scan, size_t vg, size_t i, const char *which, int rc,
                   lr_error_t *err)
{
    const lr_scan_vg_t *g = &scan->vgs[vg];
    char msg[sizeof(err->msg)], crc[96] = "";
    snprintf(msg, sizeof(msg), "%s", err->msg);
    size_t same = lr_scan_find_versions(scan, vg, g->versions[i].seqno, NULL, 0);
    if (same > 1)
        snprintf(crc, sizeof(crc), " (crc 0x%08x; %zu versions have that seqno)",
                 g->versions[i].crc, same);
    return lr_error_set(err, rc, err->offset, "%s; seqno %" PRIu64 "%s, %s, has it", msg,
                        g->versions[i].seqno, crc, which);
}

/* An LV missing from the version asked for (removed since, or not yet
 * made): the error says which version nearest before it has one by that
 * name, else (the version asked for is the one LVM2 uses after a
 * vgcfgrestore, below abandoned ones, or below a text no header commits)
 * the nearest after it, so that the caller can ask for that version. */
static int older_version_has(const lr_scan_session_t *session, size_t vg, size_t version,
                             const char *lv, int rc, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    if (rc != LR_ENOTFOUND || !err || !scan || vg >= scan->n_vgs)
        return rc;
    const lr_scan_vg_t *g = &scan->vgs[vg];
    for (size_t i = version + 1; i < g->n_versions; i++)
        if (version_has_lv(session, vg, i, lv))
            return say_has(scan, vg, i, "an older version", rc, err);
    for (size_t i = version; i-- > 0;)
        if (version_has_lv(session, vg, i, lv))
            return say_has(scan, vg, i,
                           !g->versions[i].committed && (g->status & LR_SCAN_VG_INTERRUPTED)
                               ? "a later version, written but never committed"
                               : "a later version",
                           rc, err);
    return rc;
}

int lr_extract_plan(const lr_scan_session_t *session, size_t vg, size_t version, const char *lv,
                    lr_extract_plan_t **out, lr_error_t *err)
{
    lr_vg_t *v = NULL;
    int rc = lr_scan_version_vg(session, vg, version, &v, err);
    if (rc)
        return rc;
    rc = lr_extract_plan_vg(lr_scan_result(session), v, lv, out, err);
    lr_vg_free(v);
    return older_version_has(session, vg, version, lv, rc, err);
}

void lr_extract_plan_free(lr_extract_plan_t *plan)
{
    if (!plan)
        return;
    truncate_pieces(plan, 0);
    free(plan->pieces);
    free(plan->images);
    free(plan->vg);
    free(plan->lv);
    free(plan->lv_id);
    rp_thin_free(plan->thin);
    free(plan);
}

/* ---- reading ------------------------------------------------------------ */

void rp_xhandles_close(rp_xhandles_t *h)
{
    if (h->owned)
        for (size_t i = 0; i < h->n; i++)
            lr_io_close(h->io[i], NULL);
    free(h->io);
    h->io = NULL;
}

int rp_xhandles_open(rp_xhandles_t *h, const lr_scan_t *scan, const lr_extract_plan_t *plan,
                     const lr_extract_opts_t *opts, lr_error_t *err)
{
    memset(h, 0, sizeof(*h));
    h->n = scan->n_images;
    h->io = calloc(h->n ? h->n : 1, sizeof(*h->io));
    if (!h->io)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (opts && opts->ios) {
        if (opts->n_ios != scan->n_images) {
            rp_xhandles_close(h);
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                                "%zu image handles given for %zu scanned images", opts->n_ios,
                                scan->n_images);
        }
        memcpy(h->io, opts->ios, h->n * sizeof(*h->io));
        return 0;
    }
    h->owned = true;
    for (size_t i = 0; i < plan->n_images; i++) {
        int img = plan->images[i];
        if (img < 0 || (size_t)img >= scan->n_images) {
            rp_xhandles_close(h);
            return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "plan names image %d", img);
        }
        /* the state scanned: a qcow2 image's snapshot when one was read */
        lr_io_open_opts_t oo = {.snapshot = scan->images[img].snapshot};
        int rc = lr_io_open_opts(&h->io[img], scan->images[img].path, &oo, err);
        if (rc) {
            rp_xhandles_close(h);
            return rc;
        }
    }
    return 0;
}

/* Counts what a read of [off, off + len) of image took from ranges the
 * image cannot vouch for (lr_io_unsure_range). */
static void note_doubt(const rp_xhandles_t *h, int image, uint64_t off, size_t len)
{
    uint64_t start = 0, end = 0, pos = off, stop = off + len;
    while (pos < stop && lr_io_unsure_range(h->io[image], pos, &start, &end) == 1 && start < stop) {
        uint64_t from = start > pos ? start : pos, to = end < stop ? end : stop;
        if (!h->doubt->bytes) {
            h->doubt->image = image;
            h->doubt->start = start;
            h->doubt->end = end;
        }
        h->doubt->bytes += to - from;
        pos = end;
    }
}

static int read_at(const rp_xhandles_t *h, int image, void *buf, size_t len, uint64_t off,
                   lr_error_t *err)
{
    if (image < 0 || (size_t)image >= h->n || !h->io[image])
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "image %d is not open", image);
    int rc = lr_io_pread(h->io[image], buf, len, off, err);
    if (!rc && h->doubt)
        note_doubt(h, image, off, len);
    return rc;
}

/* Slice [within, within + take) of logical chunk k of a striped piece;
 * which stripe and where on it is scan's striping rule (lr_lvmap_stripe_at).
 * k * chunk + within is the byte rp_xwalk_chunks divided: no overflow. */
static int stripe_chunk(const rp_xhandles_t *h, const lr_extract_piece_t *p, uint64_t k,
                        uint64_t within, char *buf, size_t take, lr_error_t *err)
{
    size_t i;
    uint64_t at = lr_lvmap_stripe_at(k * p->chunk + within, p->chunk, p->n_stripes, &i);
    return read_at(h, p->stripes[i].image, buf, take, p->stripes[i].offset + at, err);
}

int rp_xwalk_chunks(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                    uint64_t at, rp_xchunk_fn fn, lr_error_t *err)
{
    if (!p->chunk)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "a striped piece without chunk size");
    uint64_t x = p->seg_offset + at;
    while (len) {
        uint64_t c = x / p->chunk, within = x % p->chunk;
        size_t take = (size_t)(p->chunk - within < len ? p->chunk - within : len);
        int rc = fn(h, p, c, within, buf, take, err);
        if (rc)
            return rc;
        buf += take;
        len -= take;
        x += take;
    }
    return 0;
}

/* len bytes at offset `at` of a piece's own range. */
static int read_piece(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                      uint64_t at, lr_error_t *err)
{
    if (p->n_legs)
        return rp_xread_raid(h, p, buf, len, at, err);
    if (p->snap)
        return rp_xread_snap(h, p, buf, len, at, err);
    uint64_t x = p->seg_offset + at;
    if (p->n_stripes == 1 || p->chunk == 0)
        return read_at(h, p->stripes[0].image, buf, len, p->stripes[0].offset + x, err);
    return rp_xwalk_chunks(h, p, buf, len, at, stripe_chunk, err);
}

/* The first piece ending after off (pieces are in LV order). */
static size_t find_piece(const lr_extract_piece_t *pieces, size_t n, uint64_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lr_extract_piece_t *p = &pieces[mid];
        if (p->lv_offset + p->length <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rp_xread_pieces(const rp_xhandles_t *h, const lr_extract_piece_t *pieces, size_t n,
                    uint64_t size, const char *name, char *buf, size_t len, uint64_t off,
                    lr_error_t *err)
{
    if (off > size || len > size - off)
        return lr_error_set(err, LR_ERANGE, off, "read past the end of LV %s", name);
    size_t i = find_piece(pieces, n, off);
    while (len) {
        if (i >= n || pieces[i].lv_offset > off)
            return lr_error_set(err, LR_EFORMAT, off, "the plan of LV %s has a gap", name);
        const lr_extract_piece_t *p = &pieces[i];
        uint64_t at = off - p->lv_offset;
        size_t take = (size_t)(p->length - at < len ? p->length - at : len);
        int rc = read_piece(h, p, buf, take, at, err);
        if (rc)
            return rc;
        buf += take;
        len -= take;
        off += take;
        i++;
    }
    return 0;
}

int rp_xread_plan(const rp_xhandles_t *h, const lr_extract_plan_t *plan, char *buf, size_t len,
                  uint64_t off, lr_error_t *err)
{
    if (plan->thin)
        return rp_thin_read(h, plan, buf, len, off, err);
    return rp_xread_pieces(h, plan->pieces, plan->n_pieces, plan->size, plan->lv, buf, len, off,
                           err);
}

int lr_extract_read(const lr_scan_t *scan, const lr_extract_plan_t *plan, void *buf, size_t len,
                    uint64_t lv_offset, const lr_extract_opts_t *opts, lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !plan || (!buf && len))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    rp_xhandles_t h;
    int rc = rp_xhandles_open(&h, scan, plan, opts, err);
    if (rc)
        return rc;
    rc = rp_xread_plan(&h, plan, buf, len, lv_offset, err);
    rp_xhandles_close(&h);
    return rc;
}

/* ---- running ------------------------------------------------------------ */

static int stream(const rp_xhandles_t *h, const lr_extract_plan_t *plan, rp_out_t *o,
                  const lr_extract_opts_t *opts, char *buf, size_t bufsize, lr_error_t *err)
{
    if (plan->thin)
        return rp_thin_stream(h, plan, o, opts, buf, bufsize, err);
    for (uint64_t pos = 0; pos < plan->size;) {
        size_t n = (size_t)(plan->size - pos < bufsize ? plan->size - pos : bufsize);
        int rc = rp_xread_plan(h, plan, buf, n, pos, err);
        if (!rc)
            rc = rp_out_write(o, buf, n, true, err);
        if (rc)
            return rc;
        pos += n;
        if (opts && opts->progress && opts->progress(opts->progress_arg, pos, plan->size))
            return lr_error_set(err, -ECANCELED, LR_NO_OFFSET, "extraction stopped");
    }
    return 0;
}

int lr_extract_run(const lr_scan_t *scan, const lr_extract_plan_t *plan, const char *path,
                   const lr_extract_opts_t *opts, uint64_t *written, lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !plan || !path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    size_t bufsize = opts && opts->buffer_size ? opts->buffer_size : LR_EXTRACT_DEFAULT_BUFFER;
    /* the target is checked first: a refusal should not cost opening
     * (and for gzip, decompressing) the images */
    rp_out_t o;
    bool overwrite = opts && (opts->flags & LR_EXTRACT_OVERWRITE);
    int rc = rp_out_open(&o, scan, path, overwrite, err);
    if (rc)
        return rc;
    rp_xhandles_t h;
    rc = rp_xhandles_open(&h, scan, plan, opts, err);
    if (rc) {
        rp_out_abort(&o);
        return rc;
    }
    if (opts && opts->doubt) {
        memset(opts->doubt, 0, sizeof(*opts->doubt));
        h.doubt = opts->doubt;
    }
    char *buf = malloc(bufsize);
    rc = buf ? stream(&h, plan, &o, opts, buf, bufsize, err)
             : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc)
        rp_out_abort(&o);
    else
        rc = rp_out_commit(&o, err);
    free(buf);
    rp_xhandles_close(&h);
    if (!rc && written)
        *written = plan->size;
    return rc;
}

int lr_extract_lv(const lr_scan_session_t *session, size_t vg, size_t version, const char *lv,
                  const char *path, const lr_extract_opts_t *opts, uint64_t *written,
                  lr_error_t *err)
{
    lr_extract_plan_t *plan = NULL;
    int rc = lr_extract_plan(session, vg, version, lv, &plan, err);
    if (!rc)
        rc = lr_extract_run(lr_scan_result(session), plan, path, opts, written, err);
    lr_extract_plan_free(plan);
    return rc;
}
