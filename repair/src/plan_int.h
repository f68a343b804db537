/* lvmrescue repair engine: the parts of planning split over plan.c,
 * pvs.c and writes.c. Not installed. */
#ifndef LR_PLAN_INT_H
#define LR_PLAN_INT_H

#include "lr/meta.h"
#include "lr/repair.h"

/* What changes for the user: LVs of the restored version (orig) compared
 * with the VG's newest complete version (summary.c). */
int rp_plan_changes(lr_repair_plan_t *p, const lr_scan_t *scan, const lr_vg_t *orig,
                    lr_error_t *err);

/* Finds every PV of the new version (vg) among the images, decides what to
 * rebuild and which areas get the copy (pvs.c). */
int rp_plan_pvs(lr_repair_plan_t *p, const lr_scan_t *scan, lr_io_t *const *rio, const lr_vg_t *vg,
                const lr_repair_opts_t *o, lr_error_t *err);

/* Builds the steps, runs them on recording layers over rio and turns what
 * they wrote into plan->writes (writes.c). */
int rp_plan_writes(lr_repair_plan_t *p, const lr_scan_t *scan, lr_io_t *const *rio,
                   lr_error_t *err);

/* The scan copy whose text starts at (image, absolute offset), or -1. */
int rp_copy_at(const lr_scan_t *scan, int image, uint64_t offset);

#endif
