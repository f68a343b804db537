/* The one LV-address mapper of scan (lr/lvmap.h): LV bytes to image runs
 * for linear, striped and raid1/mirror segments, the reads through the
 * scan's handles, an lr_io_t over an LV, and which legs of a raid or
 * mirror segment can be read (lr_lvmap_legs). Segment kinds are core's
 * (lr_seg_is_striped, lr_seg_is_mirror); extents per area are
 * lr_seg_area_len. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/lvmap.h"
#include "scan_int.h"

#define SC_MAP_MAX_DEPTH 8 /* sub-LVs followed below an LV */

static int sc_why(lr_lvmap_why_t *w, lr_lvmap_state_t state, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records why and returns code. */
static int sc_why(lr_lvmap_why_t *w, lr_lvmap_state_t state, int code, const char *fmt, ...)
{
    if (!w)
        return code;
    va_list ap;
    va_start(ap, fmt);
    w->state = state;
    vsnprintf(w->text, sizeof(w->text), fmt, ap);
    va_end(ap);
    return code;
}

const lr_seg_t *lr_lvmap_seg_at(const lr_lv_t *lv, uint64_t le)
{
    for (size_t i = 0; lv && i < lv->n_segs; i++) {
        const lr_seg_t *s = &lv->segs[i];
        if (le >= s->start_extent && le - s->start_extent < s->extent_count)
            return s;
    }
    return NULL;
}

uint64_t lr_lvmap_stripe_at(uint64_t off, uint64_t chunk, size_t n, size_t *stripe)
{
    /* chunk k lies on stripe k mod n, as that stripe's chunk k / n; the
     * byte offset it returns is at most off: no overflow */
    uint64_t k = off / chunk;
    *stripe = (size_t)(k % n);
    return (k / n) * chunk + off % chunk;
}

/* Bytes per extent, or 0 (with why) when the VG's extent size is unusable. */
static uint64_t sc_extent_bytes(const lr_vg_t *vg, const lr_lv_t *lv, int depth, lr_lvmap_why_t *w)
{
    if (depth > SC_MAP_MAX_DEPTH || vg->extent_size == 0 ||
        vg->extent_size > UINT64_MAX / SC_SECTOR) {
        sc_why(w, LR_LVMAP_UNSUPPORTED, LR_ELIMIT, "LV %s nests too deep", lv->name);
        return 0;
    }
    return vg->extent_size * SC_SECTOR;
}

/* The PV of a PV area and where its extent `first` starts on its image. */
static int sc_pv_at(const lr_scan_t *scan, const lr_vg_t *vg, const lr_seg_area_t *a,
                    uint64_t within, int *image, uint64_t *abs, const lr_pv_t **pvp,
                    lr_lvmap_why_t *w)
{
    uint64_t ext = vg->extent_size * SC_SECTOR, pv_start, pe_bytes;
    if ((size_t)a->pv_index >= vg->n_pvs) /* lr_vg_check's to report */
        return sc_why(w, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "area names no PV of the version");
    const lr_pv_t *pv = &vg->pvs[a->pv_index];
    *pvp = pv;
    if (!lr_scan_locate_pv(scan, vg->raw_id, pv->raw_id, image, &pv_start))
        return sc_why(w, LR_LVMAP_MISSING_PV, -ENOENT, "PV %s (%s) is not among the images",
                      pv->key, pv->id);
    if (__builtin_mul_overflow(a->start, ext, abs) ||
        __builtin_mul_overflow(pv->pe_start, (uint64_t)SC_SECTOR, &pe_bytes) ||
        __builtin_add_overflow(*abs, pe_bytes, abs) ||
        __builtin_add_overflow(*abs, pv_start, abs) || __builtin_add_overflow(*abs, within, abs))
        return sc_why(w, LR_LVMAP_UNREADABLE, LR_ERANGE, "extents of %s lie past any image",
                      pv->key);
    return 0;
}

static int sc_map_lv(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t off,
                     int depth, lr_lvmap_run_t *out, lr_lvmap_why_t *w);

/* Resolves byte `within` of one area (a PV area or a sub-LV). */
static int sc_map_area(const lr_scan_t *scan, const lr_vg_t *vg, const lr_seg_area_t *a,
                       uint64_t within, int depth, lr_lvmap_run_t *out, lr_lvmap_why_t *w)
{
    if (a->pv_index < 0) {
        const lr_lv_t *sub = lr_vg_find_lv(vg, a->name);
        uint64_t at;
        if (!sub)
            return sc_why(w, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "area names %s, no such PV or LV",
                          a->name);
        if (__builtin_mul_overflow(a->start, vg->extent_size * SC_SECTOR, &at) ||
            __builtin_add_overflow(at, within, &at))
            return sc_why(w, LR_LVMAP_UNREADABLE, LR_ERANGE, "extents of %s lie past any image",
                          sub->name);
        return sc_map_lv(scan, vg, sub, at, depth + 1, out, w);
    }
    const lr_pv_t *pv;
    return sc_pv_at(scan, vg, a, within, &out->image, &out->off, &pv, w);
}

/* raid1/mirror: the first leg that maps at `within`; the legs whose PV is
 * not given are flagged in w->missing_legs. */
static int sc_map_legs(const lr_scan_t *scan, const lr_vg_t *vg, const lr_seg_t *s, uint64_t within,
                       int depth, lr_lvmap_run_t *out, lr_lvmap_why_t *w)
{
    lr_lvmap_why_t first = {0}, t = {0};
    int first_rc = 0, leg = 0;
    bool found = false;
    if (w)
        w->missing_legs = 0;
    for (size_t i = 0; i < s->n_areas; i++) {
        if (s->areas[i].meta)
            continue;
        if (leg > 0 && lr_seg_is_pvmove(s))
            break; /* a pvmove's destinations hold only part: its source alone */
        lr_lvmap_run_t r = {0};
        int rc = sc_map_area(scan, vg, &s->areas[i], within, depth, &r, &t);
        if (rc == -ENOENT && leg < 64 && w)
            w->missing_legs |= 1ull << leg;
        leg++;
        if (!rc && !found) {
            *out = r;
            found = true;
        } else if (rc && !first_rc) {
            first_rc = rc;
            first = t;
        }
    }
    if (found)
        return 0;
    if (!first_rc)
        return sc_why(w, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "segment type %s is not mapped", s->type);
    if (w) {
        uint64_t legs = w->missing_legs;
        *w = first;
        w->missing_legs = legs;
    }
    return first_rc;
}

/* Maps byte off of lv to one image run (out->len: bytes contiguous from
 * there, at most to the end of the segment or stripe chunk). */
static int sc_map_lv(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t off,
                     int depth, lr_lvmap_run_t *out, lr_lvmap_why_t *w)
{
    uint64_t ext = sc_extent_bytes(vg, lv, depth, w);
    if (!ext)
        return LR_ELIMIT;
    const lr_seg_t *s = lr_lvmap_seg_at(lv, off / ext);
    if (!s || !s->known || s->n_areas == 0)
        return sc_why(w, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "LV %s: segment type %s is not mapped",
                      lv->name, s ? s->type : "(none)");
    uint64_t seg_off = off - s->start_extent * ext; /* <= off: no overflow */
    uint64_t seg_len;
    if (__builtin_mul_overflow(s->extent_count, ext, &seg_len))
        seg_len = UINT64_MAX; /* a crafted count: the LV's size bounds the reads */
    uint64_t left = seg_len - seg_off;
    int rc;
    if (lr_seg_is_striped(s) && s->n_areas > 1) {
        uint64_t chunk = s->stripe_size * SC_SECTOR;
        if (chunk == 0 || s->stripe_size > UINT64_MAX / SC_SECTOR)
            return sc_why(w, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "LV %s: striped without stripe_size",
                          lv->name);
        size_t stripe;
        uint64_t at = lr_lvmap_stripe_at(seg_off, chunk, s->n_areas, &stripe);
        rc = sc_map_area(scan, vg, &s->areas[stripe], at, depth, out, w);
        left = chunk - seg_off % chunk;
    } else if (lr_seg_is_striped(s)) {
        rc = sc_map_area(scan, vg, &s->areas[0], seg_off, depth, out, w);
    } else if (lr_seg_is_mirror(s)) {
        rc = sc_map_legs(scan, vg, s, seg_off, depth, out, w);
        if (rc && w && w->state == LR_LVMAP_UNSUPPORTED && !strncmp(w->text, "segment", 7))
            sc_why(w, LR_LVMAP_UNSUPPORTED, rc, "LV %s: segment type %s is not mapped", lv->name,
                   s->type);
    } else {
        return sc_why(w, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "LV %s: segment type %s is not mapped",
                      lv->name, s->type);
    }
    if (rc)
        return rc;
    if (out->len == 0 || out->len > left) /* a sub-LV's run may end sooner */
        out->len = left;
    return 0;
}

/* Maps from off on until len bytes or max runs are mapped; *n runs. */
static int sc_map_some(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t off,
                       uint64_t len, lr_lvmap_run_t *runs, size_t max, size_t *n,
                       lr_lvmap_why_t *why)
{
    size_t k = 0;
    *n = 0;
    while (len > 0 && k < max) {
        runs[k].len = 0;
        int rc = sc_map_lv(scan, vg, lv, off, 0, &runs[k], why);
        if (rc)
            return rc;
        if (runs[k].len > len)
            runs[k].len = len;
        off += runs[k].len;
        len -= runs[k].len;
        k++;
    }
    *n = k;
    return 0;
}

int lr_lvmap_range(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t off,
                   uint64_t len, lr_lvmap_run_t *runs, size_t max, size_t *n, lr_lvmap_why_t *why)
{
    if (n)
        *n = 0;
    if (why)
        *why = (lr_lvmap_why_t){0};
    if (!scan || !vg || !lv || !n || (!runs && len))
        return -EINVAL;
    size_t k = 0;
    int rc = sc_map_some(scan, vg, lv, off, len, runs, max, &k, why);
    if (rc)
        return rc;
    uint64_t done = 0;
    for (size_t i = 0; i < k; i++)
        done += runs[i].len;
    if (done < len)
        return sc_why(why, LR_LVMAP_UNSUPPORTED, LR_ELIMIT, "LV %s is split in too many pieces",
                      lv->name);
    *n = k;
    if (why)
        why->state = LR_LVMAP_MAPPED;
    return 0;
}

int lr_lvmap_read(lr_io_t *const *ios, size_t n_ios, const lr_lvmap_run_t *runs, size_t n,
                  void *buf, lr_error_t *err)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        const lr_lvmap_run_t *r = &runs[i];
        lr_io_t *io = ios && r->image >= 0 && (size_t)r->image < n_ios ? ios[r->image] : NULL;
        if (!io)
            return lr_error_set(err, -EBADF, LR_NO_OFFSET, "image %d could not be read", r->image);
        uint64_t size = lr_io_size(io);
        if (r->off > size || r->len > size - r->off)
            return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                                "extents past the end of %s (byte %" PRIu64
                                ", the image has %" PRIu64 ")",
                                lr_io_name(io), r->off + r->len, size);
        int rc = lr_io_pread(io, p, r->len, r->off, err);
        if (rc)
            return rc;
        p += r->len;
    }
    return 0;
}

int lr_lvmap_pv_extents(const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios, const lr_vg_t *vg,
                        int pv_index, uint64_t first, uint64_t count, lr_lvmap_run_t *run,
                        lr_lvmap_why_t *why)
{
    if (!scan || !vg || !run || pv_index < 0 || vg->extent_size > UINT64_MAX / SC_SECTOR)
        return sc_why(why, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "area names no PV of the version");
    if ((size_t)pv_index >= vg->n_pvs) /* lr_vg_check's to report */
        return sc_why(why, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "area names no PV of the version");
    /* the metadata's own bound, checked before the images are looked at:
     * an area past pe_count is damage whether or not its PV is found */
    const lr_pv_t *pv = &vg->pvs[pv_index];
    if (first > pv->pe_count || count > pv->pe_count - first)
        return sc_why(why, LR_LVMAP_UNSUPPORTED, LR_EFORMAT,
                      "extents %" PRIu64 "+%" PRIu64 " of PV %s lie past its pe_count %" PRIu64,
                      first, count, pv->key, pv->pe_count);
    lr_seg_area_t area = {.pv_index = pv_index, .start = first};
    uint64_t bytes, end;
    int rc = sc_pv_at(scan, vg, &area, 0, &run->image, &run->off, &pv, why);
    if (rc)
        return rc;
    /* no handles (planning before any is open): the size the scan saw */
    lr_io_t *io = ios && (size_t)run->image < n_ios ? ios[run->image] : NULL;
    if ((ios && !io) || (size_t)run->image >= scan->n_images)
        return sc_why(why, LR_LVMAP_UNREADABLE, -EBADF, "image %d could not be read", run->image);
    uint64_t size = io ? lr_io_size(io) : scan->images[run->image].size;
    const char *name = io ? lr_io_name(io) : scan->images[run->image].path;
    if (__builtin_mul_overflow(count, vg->extent_size * SC_SECTOR, &bytes) ||
        __builtin_add_overflow(run->off, bytes, &end) || end > size)
        return sc_why(why, LR_LVMAP_UNREADABLE, LR_ERANGE, "extents of %s run past the end of %s",
                      pv->key, name);
    run->len = bytes;
    return 0;
}

/* ---- the whole LV: checked once, and a key for its layout ---------------- */

typedef struct sc_walk {
    const lr_scan_t *scan;
    lr_io_t *const *ios;
    size_t n_ios;
    const lr_vg_t *vg;
    lr_strbuf_t *key; /* NULL: check only */
    lr_lvmap_why_t *why;
} sc_walk_t;

static int sc_walk_lv(const sc_walk_t *k, const lr_lv_t *lv, int depth);

/* One area of a segment whose areas each hold len extents. */
static int sc_walk_area(const sc_walk_t *k, const lr_seg_area_t *a, uint64_t len, int depth)
{
    if (a->pv_index < 0) {
        const lr_lv_t *sub = lr_vg_find_lv(k->vg, a->name);
        if (!sub)
            return sc_why(k->why, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "area names %s, no such PV or LV",
                          a->name);
        if (k->key)
            lr_strbuf_printf(k->key, "L%" PRIu64 "(", a->start);
        int rc = sc_walk_lv(k, sub, depth + 1);
        if (k->key)
            lr_strbuf_puts(k->key, ")");
        return rc;
    }
    lr_lvmap_run_t run;
    int rc = lr_lvmap_pv_extents(k->scan, k->ios, k->n_ios, k->vg, a->pv_index, a->start, len, &run,
                                 k->why);
    if (rc)
        return rc;
    if (k->key)
        lr_strbuf_printf(k->key, "%d@%" PRIu64 "+%" PRIu64 ";", run.image, run.off, run.len);
    return 0;
}

/* raid1/mirror: the first leg that maps whole is the one read. */
static int sc_walk_legs(const sc_walk_t *k, const lr_seg_t *s, int depth)
{
    sc_walk_t probe = *k;
    lr_lvmap_why_t t = {0}, first = {0};
    uint64_t missing = 0;
    int first_rc = 0, leg = 0;
    probe.key = NULL;
    probe.why = &t;
    for (size_t i = 0; i < s->n_areas; i++) {
        if (s->areas[i].meta)
            continue;
        int rc = sc_walk_area(&probe, &s->areas[i], lr_seg_area_len(s), depth);
        if (rc == -ENOENT && leg < 64)
            missing |= 1ull << leg;
        if (!rc) {
            if (k->key)
                lr_strbuf_printf(k->key, "leg%d:", leg);
            rc = sc_walk_area(k, &s->areas[i], lr_seg_area_len(s), depth);
            if (k->why)
                k->why->missing_legs |= missing;
            return rc;
        }
        if (!first_rc) {
            first_rc = rc;
            first = t;
        }
        leg++;
    }
    if (!first_rc)
        return sc_why(k->why, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "segment type %s is not mapped",
                      s->type);
    if (k->why) {
        *k->why = first;
        k->why->missing_legs = missing;
    }
    return first_rc;
}

static int sc_walk_lv(const sc_walk_t *k, const lr_lv_t *lv, int depth)
{
    if (!sc_extent_bytes(k->vg, lv, depth, k->why))
        return LR_ELIMIT;
    if (lv->n_segs == 0)
        return sc_why(k->why, LR_LVMAP_UNSUPPORTED, -ENOTSUP, "LV %s has no segments", lv->name);
    for (size_t i = 0; i < lv->n_segs; i++) {
        const lr_seg_t *s = &lv->segs[i];
        bool striped = lr_seg_is_striped(s);
        if (!s->known || s->n_areas == 0 || (!striped && !lr_seg_is_mirror(s)))
            return sc_why(k->why, LR_LVMAP_UNSUPPORTED, -ENOTSUP,
                          "LV %s: segment type %s is not mapped", lv->name, s->type);
        if (striped && s->n_areas > 1 && s->stripe_size == 0)
            return sc_why(k->why, LR_LVMAP_UNSUPPORTED, -ENOTSUP,
                          "LV %s: striped without stripe_size", lv->name);
        if (k->key)
            lr_strbuf_printf(k->key, "[%" PRIu64 "+%" PRIu64 " %s/%" PRIu64 " ", s->start_extent,
                             s->extent_count, striped ? "striped" : "legs", s->stripe_size);
        int rc = 0;
        if (striped)
            for (size_t a = 0; a < s->n_areas && !rc; a++)
                rc = sc_walk_area(k, &s->areas[a], lr_seg_area_len(s), depth);
        else
            rc = sc_walk_legs(k, s, depth);
        if (rc)
            return rc;
        if (k->key)
            lr_strbuf_puts(k->key, "]");
    }
    return 0;
}

int lr_lvmap_layout(const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios, const lr_vg_t *vg,
                    const lr_lv_t *lv, lr_strbuf_t *key, lr_lvmap_why_t *why)
{
    if (!scan || !vg || !lv)
        return -EINVAL;
    if (why)
        *why = (lr_lvmap_why_t){0};
    sc_walk_t k = {scan, ios, n_ios, vg, key, why};
    int rc = sc_walk_lv(&k, lv, 0);
    if (!rc && key && key->failed)
        return -ENOMEM;
    return rc;
}

/* ---- which legs of a raid or mirror segment can be read ------------------ */

typedef struct sc_legs {
    const lr_scan_t *scan;
    lr_io_t *const *ios;
    size_t n_ios;
    const lr_vg_t *vg;
} sc_legs_t;

static bool sc_leg_says(lr_lvmap_leg_t *g, lr_lvmap_leg_state_t state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the leg's first reason; false, to return. */
static bool sc_leg_says(lr_lvmap_leg_t *g, lr_lvmap_leg_state_t state, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g->state = state;
    vsnprintf(g->why, sizeof(g->why), fmt, ap);
    va_end(ap);
    return false;
}

/* Whether extents [first, first + count) of PV pv_index lie on the images
 * (lr_lvmap_pv_extents). */
static bool sc_leg_pv(const sc_legs_t *c, int pv_index, uint64_t first, uint64_t count,
                      lr_lvmap_leg_t *g)
{
    lr_lvmap_run_t run = {.image = -1};
    lr_lvmap_why_t w = {0};
    int rc =
        lr_lvmap_pv_extents(c->scan, c->ios, c->n_ios, c->vg, pv_index, first, count, &run, &w);
    if (!rc)
        return true;
    if (pv_index < 0 || (size_t)pv_index >= c->vg->n_pvs) /* lr_vg_check's to report */
        return sc_leg_says(g, LR_LVMAP_LEG_UNREADABLE, "its area names no PV of the version");
    const lr_pv_t *pv = &c->vg->pvs[pv_index];
    if (rc == LR_ERANGE && run.image >= 0 && (size_t)run.image < c->scan->n_images)
        return sc_leg_says(g, LR_LVMAP_LEG_UNREADABLE,
                           "its extents on PV %s run past the end of %s", pv->key,
                           c->scan->images[run.image].path);
    if (rc == LR_EFORMAT) /* damaged metadata: an area past its PV's pe_count */
        return sc_leg_says(g, LR_LVMAP_LEG_UNREADABLE, "its %s", w.text);
    return sc_leg_says(g, rc == -ENOENT ? LR_LVMAP_LEG_MISSING_PV : LR_LVMAP_LEG_UNREADABLE,
                       "its PV %s (%s) is not among the images", pv->key, pv->id);
}

static bool sc_leg_lv(const sc_legs_t *c, const lr_lv_t *lv, uint64_t lo, uint64_t hi, int depth,
                      lr_lvmap_leg_t *g);

/* One area of segment s, of which LV extents [from, to) are read: a PV area
 * whole, a sub-LV over the extents the area gives (a linear or mirror
 * segment maps them one to one; any other reads its areas whole). */
static bool sc_leg_area(const sc_legs_t *c, const lr_seg_t *s, const lr_seg_area_t *a,
                        uint64_t from, uint64_t to, int depth, lr_lvmap_leg_t *g)
{
    uint64_t len = lr_seg_area_len(s);
    if (a->pv_index >= 0)
        return sc_leg_pv(c, a->pv_index, a->start, len, g);
    const lr_lv_t *sub = lr_vg_find_lv(c->vg, a->name);
    if (!sub)
        return sc_leg_says(g, LR_LVMAP_LEG_MISSING_LV, "LV %s is not in this version", a->name);
    bool one_to_one = (lr_seg_is_striped(s) && s->n_areas == 1) || lr_seg_is_mirror(s);
    uint64_t lo = a->start + (one_to_one ? from - s->start_extent : 0);
    uint64_t n = one_to_one ? to - from : len;
    return sc_leg_lv(c, sub, lo, n > UINT64_MAX - lo ? UINT64_MAX : lo + n, depth + 1, g);
}

/* Whether extents [lo, hi) of LV lv can be read: every segment overlapping
 * them, and below. */
static bool sc_leg_lv(const sc_legs_t *c, const lr_lv_t *lv, uint64_t lo, uint64_t hi, int depth,
                      lr_lvmap_leg_t *g)
{
    if (depth > SC_MAP_MAX_DEPTH)
        return sc_leg_says(g, LR_LVMAP_LEG_NOT_FOLLOWED, "LV %s stacks deeper than %d LVs",
                           lv->name, SC_MAP_MAX_DEPTH);
    for (size_t i = 0; i < lv->n_segs; i++) {
        const lr_seg_t *s = &lv->segs[i];
        uint64_t end = s->start_extent + s->extent_count;
        if (end <= lo || s->start_extent >= hi)
            continue;
        if (strcmp(s->type, "error") == 0)
            return sc_leg_says(g, LR_LVMAP_LEG_LOST, "%s is an \"error\" segment (its PV lost)",
                               lv->name);
        if (!s->known)
            return sc_leg_says(g, LR_LVMAP_LEG_NOT_FOLLOWED,
                               "%s has a %s segment (not followed here)", lv->name, s->type);
        g->stacked |= !lr_seg_is_striped(s); /* mirror or raid*: legs of its own */
        uint64_t from = s->start_extent < lo ? lo : s->start_extent, to = end > hi ? hi : end;
        for (size_t a = 0; a < s->n_areas; a++)
            if (!s->areas[a].meta && !sc_leg_area(c, s, &s->areas[a], from, to, depth, g))
                return false;
    }
    return true;
}

/* Judges one leg: a PV area (old mirrors, pvmove) or an image LV. */
static void sc_leg_judge(const sc_legs_t *c, const lr_seg_t *seg, const lr_seg_area_t *a,
                         uint64_t first, uint64_t count, lr_lvmap_leg_t *g)
{
    if (a->pv_index >= 0) {
        sc_leg_pv(c, a->pv_index, a->start, lr_seg_area_len(seg), g);
        return;
    }
    const lr_lv_t *sub = lr_vg_find_lv(c->vg, a->name);
    if (!sub) {
        sc_leg_says(g, LR_LVMAP_LEG_MISSING_LV, "not in this version");
        return;
    }
    uint64_t lo = first > UINT64_MAX - a->start ? UINT64_MAX : a->start + first;
    sc_leg_lv(c, sub, lo, count > UINT64_MAX - lo ? UINT64_MAX : lo + count, 1, g);
}

int lr_lvmap_legs(const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios, const lr_vg_t *vg,
                  const lr_seg_t *seg, uint64_t first, uint64_t count, lr_lvmap_leg_t **legs,
                  size_t *n)
{
    if (legs)
        *legs = NULL;
    if (n)
        *n = 0;
    if (!scan || !vg || !seg || !legs || !n || (seg->n_areas && !seg->areas))
        return -EINVAL;
    lr_lvmap_leg_t *out = calloc(seg->n_areas ? seg->n_areas : 1, sizeof(*out));
    if (!out)
        return -ENOMEM;
    sc_legs_t c = {scan, ios, n_ios, vg};
    size_t k = 0;
    int meta = -1;
    for (size_t i = 0; i < seg->n_areas; i++) {
        if (seg->areas[i].meta) {
            meta = (int)i;
            continue;
        }
        lr_lvmap_leg_t *g = &out[k++];
        g->area = i;
        g->meta_area = meta;
        meta = -1;
        if (k > 1 && lr_seg_is_pvmove(seg))
            sc_leg_says(g, LR_LVMAP_LEG_PVMOVE_DEST,
                        "the destination of an unfinished pvmove: it holds only what was "
                        "copied before the move stopped");
        else
            sc_leg_judge(&c, seg, &seg->areas[i], first, count, g);
    }
    *legs = out;
    *n = k;
    return 0;
}

/* ---- an lr_io_t over an LV -------------------------------------------------- */

#define SC_MAP_RUNS 16 /* runs mapped per step of a read */

typedef struct sc_lvio {
    const lr_scan_t *scan;
    lr_io_t *const *ios;
    size_t n_ios;
    const lr_vg_t *vg;
    const lr_lv_t *lv;
} sc_lvio_t;

static int sc_lvio_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    const sc_lvio_t *c = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        lr_lvmap_run_t runs[SC_MAP_RUNS];
        lr_lvmap_why_t why = {0};
        size_t n = 0, got = 0;
        int rc = sc_map_some(c->scan, c->vg, c->lv, off, len, runs, SC_MAP_RUNS, &n, &why);
        if (rc)
            return lr_error_set(err, rc, off, "%s", why.text);
        rc = lr_lvmap_read(c->ios, c->n_ios, runs, n, p, err);
        if (rc)
            return rc;
        for (size_t i = 0; i < n; i++)
            got += runs[i].len;
        p += got;
        off += got;
        len -= got;
    }
    return 0;
}

static int sc_lvio_close(void *ctx, lr_error_t *err)
{
    (void)err;
    free(ctx);
    return 0;
}

static const lr_io_ops_t sc_lvio_ops = {
    .name = "lv",
    .pread = sc_lvio_pread,
    .close = sc_lvio_close,
};

int lr_lvmap_open(lr_io_t **out, const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios,
                  const lr_vg_t *vg, const lr_lv_t *lv, const char *name, lr_error_t *err)
{
    uint64_t size;
    if (!out || !scan || !vg || !lv || lv->extent_count == 0 ||
        vg->extent_size > UINT64_MAX / SC_SECTOR ||
        __builtin_mul_overflow(lv->extent_count, vg->extent_size * SC_SECTOR, &size) || size == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "%s: no extents to read",
                            name ? name : "LV");
    sc_lvio_t *c = malloc(sizeof(*c));
    if (!c)
        return lr_error_oom(err);
    *c = (sc_lvio_t){scan, ios, n_ios, vg, lv};
    int rc = lr_io_new(out, &sc_lvio_ops, c, size, name ? name : lv->name, err);
    if (rc)
        free(c); /* lr_io_new did not take it */
    return rc;
}
