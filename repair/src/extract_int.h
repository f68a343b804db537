/* Private: what extract.c and extract_thin.c share. A thin LV's plan has no
 * pieces of its own: it holds the plans of its pool's metadata and data
 * LVs, and extract.c hands thin plans to rp_thin_* for reading. */
#ifndef LR_REPAIR_EXTRACT_INT_H
#define LR_REPAIR_EXTRACT_INT_H

#include <stdbool.h>

#include "lr/extract.h"
#include "util.h"

/* Reads len bytes at off of a planned LV (any plan, thin too) through the
 * image handles ios[0..n) (indexed like scan->images; NULL where not open). */
int rp_extract_read_ios(lr_io_t *const *ios, size_t n, const lr_extract_plan_t *plan, void *buf,
                        size_t len, uint64_t off, lr_error_t *err);

/* The image handles a run of plan reads through (lr_extract_run's
 * opts->ios rule): *ios has scan->n_images entries, NULL where not open.
 * Give them back with rp_extract_ios_close (same scan and opts). */
int rp_extract_ios_open(const lr_scan_t *scan, const lr_extract_plan_t *plan,
                        const lr_extract_opts_t *opts, lr_io_t ***ios, lr_error_t *err);
void rp_extract_ios_close(lr_io_t **ios, const lr_scan_t *scan, const lr_extract_opts_t *opts);

/* True when lv is a thin LV (a "thin" segment). */
bool rp_thin_is_thin(const lr_lv_t *lv);

/* Fills plan->thin (and plan->images, the images of both pool LVs) for
 * thin LV lv of vg. LR_EFORMAT for a malformed thin or pool segment,
 * LR_EREFUSED for an external origin, the pool LVs' planning errors
 * prefixed with the pool's name. */
int rp_thin_plan(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv,
                 lr_extract_plan_t *plan, lr_error_t *err);

/* Frees a plan's thin part. NULL is accepted. */
void rp_thin_free(lr_extract_thin_t *thin);

/* Writes the whole thin LV to o: mapped blocks from the data LV, zeros
 * (holes) elsewhere, lost ranges as zeros; buf (bufsize bytes) is the
 * scratch buffer; opts->progress is called as blocks are written. */
int rp_thin_stream(lr_io_t *const *ios, size_t n, const lr_extract_plan_t *plan, rp_out_t *o,
                   const lr_extract_opts_t *opts, char *buf, size_t bufsize, lr_error_t *err);

/* len bytes at off of a planned thin LV (zeros where unmapped or lost). */
int rp_thin_read(lr_io_t *const *ios, size_t n, const lr_extract_plan_t *plan, char *buf,
                 size_t len, uint64_t off, lr_error_t *err);

#endif
