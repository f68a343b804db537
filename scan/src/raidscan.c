/* The raid and mirror LVs of a version as the images hold them now (see
 * lr/raidscan.h): missing images, dm-raid superblocks, whether the data is
 * readable degraded, and for raid1/mirror where the legs differ. */
#include "lr/raidscan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/lvmap.h"
#include "scan_int.h"

#define MAX_LEG_SEGS 64       /* segments of one leg read for the comparison */
#define CMP_BLOCK (64u << 10) /* bytes compared at a time */

typedef struct rctx {
    const lr_scan_session_t *ss;
    const lr_vg_t *vg;
    uint64_t eb; /* extent bytes */
    unsigned flags;
    lr_raidscan_t *out;
    size_t cap;
} rctx_t;

/* raid* (any level, as core decodes them) or mirror. */
static bool is_raid(const lr_seg_t *s)
{
    return strncmp(s->type, "raid", 4) == 0 || lr_seg_is_mirror(s);
}

/* Where extents [first, first + count) of PV pv are: its image and absolute
 * offset (scan's LV mapper, lr_lvmap_pv_extents); a reason in this
 * report's words when they cannot be read. */
static const char *pv_bytes(const rctx_t *r, const lr_pv_t *pv, uint64_t first, uint64_t count,
                            lr_io_extent_t *ext, char *why, size_t len)
{
    const lr_scan_t *s = &r->ss->result;
    lr_lvmap_run_t run;
    lr_lvmap_why_t w = {0};
    int rc = lr_lvmap_pv_extents(s, r->ss->ios, r->ss->n_ios, r->vg, (int)(pv - r->vg->pvs), first,
                                 count, &run, &w);
    if (rc == LR_ERANGE && (size_t)run.image < s->n_images) {
        snprintf(why, len, "its extents on PV %s run past the end of %s", pv->key,
                 s->images[run.image].path);
        return why;
    }
    if (rc == LR_EFORMAT) { /* damaged metadata: an area past its PV's pe_count */
        snprintf(why, len, "its %s", w.text);
        return why;
    }
    if (rc) {
        snprintf(why, len, "its PV %s (%s) is not among the images", pv->key, pv->id);
        return why;
    }
    *ext = (lr_io_extent_t){r->ss->ios[run.image], run.off, run.len};
    return NULL;
}

/* The first 512 bytes of LV meta (its first segment's first PV area). */
static bool read_sb(const rctx_t *r, const lr_lv_t *meta, lr_raid_sb_t *sb)
{
    char why[256];
    uint8_t buf[LR_RAID_SB_SIZE];
    lr_io_extent_t ext;
    if (!meta->n_segs || !meta->segs[0].known || !meta->segs[0].n_areas ||
        meta->segs[0].areas[0].pv_index < 0)
        return false;
    const lr_seg_area_t *a = &meta->segs[0].areas[0];
    if (pv_bytes(r, &r->vg->pvs[a->pv_index], a->start, 1, &ext, why, sizeof(why)) ||
        ext.len < LR_RAID_SB_SIZE)
        return false;
    if (lr_io_pread(ext.io, buf, sizeof(buf), ext.off, NULL) != 0)
        return false;
    return lr_raid_sb_decode(buf, sizeof(buf), sb, NULL) == 0;
}

static int set_str(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -ENOMEM : 0;
}

/* The legs of segment s: image LVs in order, each after its _rmeta LV;
 * which can be read and why not is the mapper's rule (lr_lvmap_legs, over
 * the extents each image gives the segment), the one extraction follows.
 * An unfinished pvmove's mirror has PV areas for legs: its source is judged
 * like any leg, its destinations are neither read nor counted. */
static int fill_legs(const rctx_t *r, const lr_seg_t *s, lr_raidscan_seg_t *e)
{
    lr_lvmap_leg_t *v = NULL;
    size_t n = 0;
    /* a raid level core gives no area length for: every image whole */
    uint64_t len = lr_seg_area_len(s) ? lr_seg_area_len(s) : UINT64_MAX;
    int rc = lr_lvmap_legs(&r->ss->result, r->ss->ios, r->ss->n_ios, r->vg, s, 0, len, &v, &n);
    e->legs = rc ? NULL : calloc(n ? n : 1, sizeof(*e->legs));
    if (!e->legs) {
        free(v);
        return -ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        const lr_seg_area_t *ar = &s->areas[v[k].area];
        const char *meta = v[k].meta_area >= 0 ? s->areas[v[k].meta_area].name : NULL;
        const char *w = v[k].state == LR_LVMAP_LEG_USABLE ? NULL : v[k].why;
        lr_raidscan_leg_t *g = &e->legs[e->n_legs++];
        if (set_str(&g->lv, ar->name) || set_str(&g->meta_lv, meta) || set_str(&g->why, w)) {
            free(v);
            return -ENOMEM;
        }
        g->pvmove_dest = v[k].state == LR_LVMAP_LEG_PVMOVE_DEST;
        g->missing = w != NULL && !g->pvmove_dest;
        e->n_missing += g->missing;
        const lr_lv_t *m = meta ? lr_vg_find_lv(r->vg, meta) : NULL;
        g->has_sb = m && read_sb(r, m, &g->sb);
    }
    free(v);
    return 0;
}

/* What the superblocks say of each other's images and of the array. */
static int judge_sbs(lr_raidscan_seg_t *e)
{
    for (size_t k = 0; k < e->n_legs; k++) {
        const lr_raidscan_leg_t *src = &e->legs[k];
        if (!src->has_sb)
            continue;
        for (size_t d = 0; d < e->n_legs && d < 256; d++) {
            lr_raidscan_leg_t *g = &e->legs[d];
            if (!g->failed && lr_raid_sb_failed(&src->sb, (unsigned)d)) {
                g->failed = true;
                if (set_str(&g->failed_by, src->meta_lv))
                    return -ENOMEM;
            }
        }
        lr_raidscan_leg_t *own = &e->legs[k];
        if (src->sb.disk_recovery_offset != UINT64_MAX &&
            !lr_raid_sb_failed(&src->sb, src->sb.array_position)) {
            own->recovering = true;
            own->recovery_offset = src->sb.disk_recovery_offset;
        }
        if (src->sb.array_resync_offset != UINT64_MAX &&
            (!e->resync || src->sb.array_resync_offset < e->resync_offset)) {
            e->resync = true;
            e->resync_offset = src->sb.array_resync_offset;
            free(e->resync_by);
            if (set_str(&e->resync_by, src->meta_lv))
                return -ENOMEM;
        }
    }
    return 0;
}

/* raid10 near: chunk c's copies lie on images (c * copies + k) % n; data
 * is lost when every copy of some chunk is missing. */
static bool raid10_lost(const lr_raidscan_seg_t *e, unsigned copies)
{
    size_t n = e->n_legs;
    for (size_t c = 0; c < n; c++) {
        bool all = true;
        for (unsigned k = 0; k < copies && all; k++)
            all = e->legs[(c * copies + k) % n].missing;
        if (all)
            return true;
    }
    return false;
}

/* Whether the data is whole, degraded or lost (extraction's rules). */
static void judge_state(const lr_seg_t *s, lr_raidscan_seg_t *e)
{
    lr_raid_layout_t l;
    bool lost;
    if (lr_seg_is_pvmove(s)) {
        e->redundancy = 0; /* the source alone holds every extent */
        e->read_from = LR_RAIDSCAN_FROM_LEG;
        lost = !e->n_legs || e->legs[0].missing;
    } else if (lr_seg_is_mirror(s)) {
        e->redundancy = e->n_legs ? (unsigned)e->n_legs - 1 : 0;
        e->read_from = LR_RAIDSCAN_FROM_LEG;
        lost = e->n_missing >= e->n_legs;
    } else if (lr_raid_layout(s->type, &l) && l.level == 10) {
        unsigned copies = s->data_copies ? (unsigned)s->data_copies : 2;
        e->redundancy = copies - 1;
        e->read_from = LR_RAIDSCAN_FROM_COPY;
        lost = copies == 0 || raid10_lost(e, copies);
    } else if (lr_raid_layout(s->type, &l)) {
        e->redundancy = l.parity;
        e->read_from = l.parity ? LR_RAIDSCAN_FROM_PARITY : LR_RAIDSCAN_FROM_NONE;
        lost = e->n_missing > l.parity;
    } else {
        e->redundancy = 0; /* a raid type dm-raid does not define: nothing is rebuilt */
        e->read_from = LR_RAIDSCAN_FROM_NONE;
        lost = e->n_missing > 0;
    }
    e->state = !e->n_missing ? LR_RAIDSCAN_WHOLE
               : lost        ? LR_RAIDSCAN_UNREADABLE
                             : LR_RAIDSCAN_DEGRADED;
}

/* ---- leg comparison (raid1 / mirror) -------------------------------------- */

/* The bytes of extents [lo, lo + count) of leg LV lv, as a handle (linear
 * segments on PVs only). */
static const char *leg_handle(const rctx_t *r, const lr_lv_t *lv, uint64_t lo, uint64_t count,
                              lr_io_t **io, char *why, size_t len)
{
    lr_io_extent_t ext[MAX_LEG_SEGS];
    size_t n = 0;
    uint64_t hi = lo + count;
    for (size_t i = 0; i < lv->n_segs; i++) {
        const lr_seg_t *s = &lv->segs[i];
        uint64_t a = s->start_extent, b = s->start_extent + s->extent_count;
        if (b <= lo || a >= hi)
            continue;
        if (!lr_seg_is_linear(s) || s->n_areas != 1 || s->areas[0].pv_index < 0 ||
            n == MAX_LEG_SEGS) {
            snprintf(why, len, "leg %s has a %s segment (only linear legs are compared)", lv->name,
                     s->type);
            return why;
        }
        uint64_t from = a < lo ? lo : a, to = b > hi ? hi : b;
        if (pv_bytes(r, &r->vg->pvs[s->areas[0].pv_index], s->areas[0].start + (from - a),
                     to - from, &ext[n], why, len))
            return why;
        n++;
    }
    lr_error_t err;
    char msg[256];
    if (lr_io_concat(io, ext, n, lv->name, &err) != 0) {
        snprintf(why, len, "leg %s: %s", lv->name, lr_error_format(&err, msg, sizeof(msg)));
        return why;
    }
    return NULL;
}

static void add_range(lr_raidscan_seg_t *e, uint64_t off, uint64_t n)
{
    e->differ += n;
    if (e->n_ranges) {
        lr_raidscan_range_t *last = &e->ranges[e->n_ranges - 1];
        if (last->offset + last->length == off) {
            last->length += n;
            return;
        }
    }
    if (e->n_ranges == LR_RAIDSCAN_MAX_RANGES) {
        e->more_ranges = true;
        return;
    }
    e->ranges[e->n_ranges++] = (lr_raidscan_range_t){off, n};
}

/* Sector by sector: where any other leg differs from the first. */
static void diff_block(lr_raidscan_seg_t *e, uint8_t *const *buf, size_t n, size_t len, uint64_t at)
{
    for (size_t o = 0; o < len; o += SC_SECTOR) {
        size_t take = len - o < SC_SECTOR ? len - o : SC_SECTOR;
        bool differ = false;
        for (size_t k = 1; k < n && !differ; k++)
            differ = memcmp(buf[0] + o, buf[k] + o, take) != 0;
        if (differ)
            add_range(e, at + o, take);
    }
}

static int compare_fail(lr_raidscan_seg_t *e, const char *why)
{
    e->compare = LR_RAIDSCAN_CMP_FAILED;
    return set_str(&e->compare_error, why);
}

static int compare_legs(const rctx_t *r, const lr_seg_t *s, lr_raidscan_seg_t *e)
{
    char why[512];
    size_t n = 0;
    int rc = 0;
    lr_io_t **io = calloc(e->n_legs + 1, sizeof(*io));
    uint8_t **buf = calloc(e->n_legs + 1, sizeof(*buf));
    uint64_t len = lr_seg_area_len(s);
    if (!io || !buf)
        rc = -ENOMEM;
    /* a pvmove's destination holds only part: there is no second copy */
    const char *fail = lr_seg_is_pvmove(s) ? "an unfinished pvmove: its destination holds only "
                                             "what was copied before the move stopped"
                                           : NULL;
    for (size_t a = 0, g = 0; !rc && !fail && a < s->n_areas; a++) {
        const lr_seg_area_t *ar = &s->areas[a];
        if (ar->meta)
            continue;
        if (!e->legs[g++].missing) {
            const lr_lv_t *sub = lr_vg_find_lv(r->vg, ar->name);
            fail = leg_handle(r, sub, ar->start, len, &io[n], why, sizeof(why));
            if (!fail && !(buf[n++] = malloc(CMP_BLOCK)))
                rc = -ENOMEM;
        }
    }
    if (!rc && !fail && n < 2)
        fail = "fewer than two legs can be read";
    uint64_t total = len * r->eb;
    for (uint64_t at = 0; !rc && !fail && at < total; at += CMP_BLOCK) {
        size_t take = total - at < CMP_BLOCK ? (size_t)(total - at) : CMP_BLOCK;
        for (size_t k = 0; k < n && !fail; k++) {
            lr_error_t err;
            if (lr_io_pread(io[k], buf[k], take, at, &err) != 0)
                fail = lr_error_format(&err, why, sizeof(why));
        }
        if (!fail)
            diff_block(e, buf, n, take, e->lv_offset + at);
    }
    if (!rc && fail)
        rc = compare_fail(e, fail);
    else if (!rc) {
        e->compare = LR_RAIDSCAN_CMP_DONE;
        e->n_compared = n;
        e->compared = total;
    }
    for (size_t k = 0; io && k < n + 1; k++) {
        lr_io_close(io[k], NULL);
        free(buf[k]);
    }
    free(io);
    free(buf);
    return rc;
}

/* ---- the version ----------------------------------------------------------- */

static lr_raidscan_seg_t *new_seg(rctx_t *r)
{
    if (r->out->n_segs == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        lr_raidscan_seg_t *v = realloc(r->out->segs, cap * sizeof(*v));
        if (!v)
            return NULL;
        r->out->segs = v;
        r->cap = cap;
    }
    lr_raidscan_seg_t *e = &r->out->segs[r->out->n_segs++];
    memset(e, 0, sizeof(*e));
    return e;
}

static int check_seg(rctx_t *r, const lr_lv_t *lv, size_t i)
{
    const lr_seg_t *s = &lv->segs[i];
    lr_raidscan_seg_t *e = new_seg(r);
    if (!e)
        return -ENOMEM;
    e->segment = i;
    e->lv_offset = s->start_extent * r->eb;
    e->length = s->extent_count * r->eb;
    int rc = set_str(&e->lv, lv->name);
    if (!rc)
        rc = set_str(&e->segtype, s->type);
    if (!rc)
        rc = fill_legs(r, s, e);
    if (!rc)
        rc = judge_sbs(e);
    if (!rc)
        judge_state(s, e);
    if (!rc && (r->flags & LR_RAIDSCAN_COMPARE) && lr_seg_is_mirror(s))
        rc = compare_legs(r, s, e);
    return rc;
}

int lr_raidscan_version(const lr_scan_session_t *session, size_t vg, size_t version, unsigned flags,
                        lr_raidscan_t **out, lr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!session || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    lr_vg_t *v = NULL;
    int rc = lr_scan_version_vg(session, vg, version, &v, err);
    if (rc)
        return rc;
    rctx_t r = {.ss = session, .vg = v, .eb = v->extent_size * SC_SECTOR, .flags = flags};
    r.out = calloc(1, sizeof(*r.out));
    rc = r.out ? 0 : -ENOMEM;
    for (size_t i = 0; !rc && i < v->n_lvs; i++)
        for (size_t k = 0; !rc && k < v->lvs[i].n_segs; k++)
            if (v->lvs[i].segs[k].known && is_raid(&v->lvs[i].segs[k]))
                rc = check_seg(&r, &v->lvs[i], k);
    lr_vg_free(v);
    if (rc) {
        lr_raidscan_free(r.out);
        return rc == -ENOMEM ? lr_error_oom(err) : rc;
    }
    *out = r.out;
    return 0;
}

void lr_raidscan_free(lr_raidscan_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_segs; i++) {
        lr_raidscan_seg_t *e = &r->segs[i];
        for (size_t k = 0; k < e->n_legs; k++) {
            free(e->legs[k].lv);
            free(e->legs[k].meta_lv);
            free(e->legs[k].why);
            free(e->legs[k].failed_by);
        }
        free(e->legs);
        free(e->lv);
        free(e->segtype);
        free(e->resync_by);
        free(e->compare_error);
    }
    free(r->segs);
    free(r);
}
