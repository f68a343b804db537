/* lvmrescue scan: where the bytes of an LV lie on the scanned images.
 *
 * The one LV-address mapper of scan (and of what links it): byte ranges of
 * an LV of a version become image runs for linear and striped segments and
 * for raid1/mirror (the first leg whose PVs are all among the images; the
 * legs that are not are named). Nothing is invented: a segment type not
 * mapped here, a PV not given or extents past an image end is a reason,
 * never bytes. lr_lvmap_pv_extents (so lr_lvmap_layout) also refuses
 * extents past their PV's pe_count, damaged metadata; lr_lvmap_range maps
 * byte by byte and checks only what lr_lvmap_read checks.
 * Parity raid and thin are read elsewhere (core's lr/raid.h, lr/thin.h).
 * repair's extract planner calls the PV-area, segment, striping and leg
 * rules here (lr_lvmap_pv_extents, lr_lvmap_seg_at, lr_lvmap_stripe_at,
 * lr_lvmap_legs); scan's raid report calls the leg rule too. */
#ifndef LR_LVMAP_H
#define LR_LVMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/io.h"
#include "lr/meta.h"
#include "lr/scan.h"
#include "lr/strbuf.h"

/* One run: len bytes at byte off of image `image` (an index into the
 * scan's images and the handles given with them). */
typedef struct lr_lvmap_run {
    int image;
    uint64_t off, len;
} lr_lvmap_run_t;

typedef enum lr_lvmap_state {
    LR_LVMAP_MAPPED = 0,
    LR_LVMAP_UNSUPPORTED, /* a segment type or layout not mapped here, a bad area */
    LR_LVMAP_MISSING_PV,  /* a PV the bytes are on is not among the images */
    LR_LVMAP_UNREADABLE,  /* past an image end, overflow, or a read failed */
} lr_lvmap_state_t;

/* Why a range could not be mapped, in words for people (no flags). */
typedef struct lr_lvmap_why {
    lr_lvmap_state_t state;
    /* legs of the last raid1/mirror segment mapped whose PVs are not all
     * among the images: bit i is leg i (legs past 63 are not flagged) */
    uint64_t missing_legs;
    char text[256];
} lr_lvmap_why_t;

/* Maps bytes [off, off + len) of LV lv of version vg to at most max runs
 * (runs[0..*n)), in LV order; a run ends at most at the end of its segment
 * or stripe chunk. scan locates the PVs (lr_scan_locate_pv). why may be
 * NULL (it is reset first). Returns 0, -ENOTSUP (unsupported: why->state
 * says so), -ENOENT (a PV not given), LR_ERANGE (overflow) or LR_ELIMIT
 * (more than max runs or nesting deeper than 8 sub-LVs); *n is then 0.
 * Image ends are checked by lr_lvmap_read. */
int lr_lvmap_range(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t off,
                   uint64_t len, lr_lvmap_run_t *runs, size_t max, size_t *n, lr_lvmap_why_t *why);

/* The segment of lv holding logical extent le, or NULL when none does
 * (lv NULL too). Borrowed from lv. */
const lr_seg_t *lr_lvmap_seg_at(const lr_lv_t *lv, uint64_t le);

/* Striping (LVM2's and dm-stripe's): byte off of a segment striped over
 * n areas in chunks of chunk bytes is on area *stripe, at the returned
 * byte of that area. chunk and n must not be 0 (the caller checks the
 * segment). Cannot fail. */
uint64_t lr_lvmap_stripe_at(uint64_t off, uint64_t chunk, size_t n, size_t *stripe);

/* Where extents [first, first + count) of PV pv_index of version vg lie:
 * *run gets its image and byte offset and length, checked to lie within
 * the PV's pe_count and within the image's handle (ios[image], n_ios of
 * them; ios NULL: the image's size as scanned, for planning before any
 * handle is open). The rule under every run the mapper gives. why may be
 * NULL. Returns 0, -ENOTSUP (no such PV in vg), LR_EFORMAT (the extents
 * run past the PV's pe_count: damaged metadata, checked before the PV is
 * looked for; why->state is LR_LVMAP_UNSUPPORTED), -ENOENT (the PV is not
 * among the images), -EBADF (its image has no handle), LR_ERANGE
 * (overflow, or past the image's end: why->state is LR_LVMAP_UNREADABLE). */
int lr_lvmap_pv_extents(const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios, const lr_vg_t *vg,
                        int pv_index, uint64_t first, uint64_t count, lr_lvmap_run_t *run,
                        lr_lvmap_why_t *why);

/* Reads the n runs one after the other into buf through the handles ios
 * (ios[run.image], n_ios of them; NULL for an image that did not open).
 * Returns 0, -EBADF (no handle for the image), LR_ERANGE (a run past its
 * image's end: err says which byte and the image's size) or the read's
 * error; err (may be NULL) says why. */
int lr_lvmap_read(lr_io_t *const *ios, size_t n_ios, const lr_lvmap_run_t *runs, size_t n,
                  void *buf, lr_error_t *err);

/* Checks that the whole LV maps (every segment, the leg chosen for each
 * raid1/mirror segment, every PV area within its image) and appends to key
 * (may be NULL) a text that is equal for two LVs exactly when they read the
 * same image bytes, to share one reading. Same returns as lr_lvmap_range;
 * an area past its PV's pe_count is LR_EFORMAT (why->state
 * LR_LVMAP_UNSUPPORTED), one past its image end LR_ERANGE with why->state
 * LR_LVMAP_UNREADABLE. -ENOMEM when the key cannot grow. */
int lr_lvmap_layout(const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios, const lr_vg_t *vg,
                    const lr_lv_t *lv, lr_strbuf_t *key, lr_lvmap_why_t *why);

/* ---- which legs of a raid or mirror segment can be read ------------------
 *
 * The one rule, for lvmscan's raid report (lr/raidscan.h: which images are
 * missing and why, so whether the data is whole, degraded or unreadable)
 * and for extraction (lr/extract.h: which raid1/mirror leg it reads, which
 * raid4/5/6/10 image it rebuilds). It lives here, with the mapper, rather
 * than in lr/raidscan.h: it is a rule about where a leg's bytes lie (each
 * PV area through lr_lvmap_pv_extents), repair already plans through this
 * header, and raidscan's result types are a report that extraction has no
 * use for. What the dm-raid superblocks say (an image marked failed) is
 * not part of it: extraction plans before any image is open, so only
 * raidscan reads them, and an image marked failed is reported, never
 * skipped, by both. */

typedef enum lr_lvmap_leg_state {
    LR_LVMAP_LEG_USABLE = 0,   /* every extent of it lies on the images given */
    LR_LVMAP_LEG_MISSING_PV,   /* a PV under it is not among the images */
    LR_LVMAP_LEG_MISSING_LV,   /* it, or an LV it stacks on, is not in the version */
    LR_LVMAP_LEG_LOST,         /* an "error" segment: LVM2's stand-in for a lost image */
    LR_LVMAP_LEG_UNREADABLE,   /* extents past an image end or past their PV's
                                  pe_count (damaged metadata), an image without
                                  a handle */
    LR_LVMAP_LEG_NOT_FOLLOWED, /* a segment type whose areas core does not decode
                                  (thin, integrity, cache ...), or stacked deeper
                                  than 8 LVs: not judged */
    LR_LVMAP_LEG_PVMOVE_DEST,  /* a destination of an unfinished pvmove
                                  (lr_seg_is_pvmove): holds only what was
                                  copied, never read */
} lr_lvmap_leg_state_t;

typedef struct lr_lvmap_leg {
    size_t area;                /* index in seg->areas of the leg (a data area) */
    int meta_area;              /* index of the _rmeta area in front of it, or -1 */
    lr_lvmap_leg_state_t state; /* the first reason found, in the leg's segment order */
    /* its bytes pass through another raid or mirror segment: the verdict
     * asks every image below to be usable, though that segment may read
     * around a missing one (extraction then judges by its own planning) */
    bool stacked;
    char why[512]; /* empty when usable: "its PV pv2 (UUID) is not among the images",
                      "not in this version", "r_rimage_1 is an \"error\" segment (its
                      PV lost)" ... (raidscan's report words) */
} lr_lvmap_leg_t;

/* Judges every data leg of segment seg of version vg (its areas that are
 * not raid metadata, in order; a segment of any type: a linear segment over
 * an LV has one leg): *legs[0..*n) is the caller's (free()). Each leg is
 * checked over extents [area start + first, area start + first + count) of
 * the LV it names (count UINT64_MAX: to its end): every segment of that LV
 * overlapping them, each of those segments' areas whole and every LV below
 * them (what reading those extents touches); a leg that is a PV area over
 * its whole area (lr_seg_area_len). PV areas are placed by
 * lr_lvmap_pv_extents through ios (n_ios of them; NULL: the sizes the scan
 * saw). Returns 0, -EINVAL (NULL arguments), -ENOMEM; a leg that cannot
 * be read is a state, never an error. */
int lr_lvmap_legs(const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios, const lr_vg_t *vg,
                  const lr_seg_t *seg, uint64_t first, uint64_t count, lr_lvmap_leg_t **legs,
                  size_t *n);

/* A read-only handle whose bytes are the LV's (its size: extent_count
 * extents), mapped on each read. scan, ios, vg and lv are borrowed: they
 * must outlive *out, which is the caller's (lr_io_close). name is for
 * messages. -EINVAL (no extents, size overflow), -ENOMEM; a read that
 * cannot be mapped fails with lr_lvmap_range's code and why's text. */
int lr_lvmap_open(lr_io_t **out, const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios,
                  const lr_vg_t *vg, const lr_lv_t *lv, const char *name, lr_error_t *err);

#endif
