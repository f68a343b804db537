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
 * repair's extract planner calls the PV-area, segment and striping rules
 * here (lr_lvmap_pv_extents, lr_lvmap_seg_at, lr_lvmap_stripe_at). */
#ifndef LR_LVMAP_H
#define LR_LVMAP_H
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

/* A read-only handle whose bytes are the LV's (its size: extent_count
 * extents), mapped on each read. scan, ios, vg and lv are borrowed: they
 * must outlive *out, which is the caller's (lr_io_close). name is for
 * messages. -EINVAL (no extents, size overflow), -ENOMEM; a read that
 * cannot be mapped fails with lr_lvmap_range's code and why's text. */
int lr_lvmap_open(lr_io_t **out, const lr_scan_t *scan, lr_io_t *const *ios, size_t n_ios,
                  const lr_vg_t *vg, const lr_lv_t *lv, const char *name, lr_error_t *err);

#endif
