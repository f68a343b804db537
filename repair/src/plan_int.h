/* lvmrescue repair engine: the parts of planning split over plan.c,
 * pvs.c and writes.c. Not installed. */
#ifndef LR_PLAN_INT_H
#define LR_PLAN_INT_H

#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/txn.h"

/* What changes for the user: LVs of the restored version (orig) compared
 * with the VG's current version, lr_scan_vg_current (the one LVM2 uses). */
int rp_plan_changes(lr_repair_plan_t *p, const lr_scan_session_t *session, const lr_vg_t *orig,
                    lr_error_t *err);

/* Finds every PV of the new version (vg) among the images, decides what to
 * rebuild and which areas get the copy (pvs.c). */
int rp_plan_pvs(lr_repair_plan_t *p, const lr_scan_session_t *session, lr_io_t *const *rio,
                const lr_vg_t *vg, const lr_repair_opts_t *o, lr_error_t *err);

/* Builds the steps, plans the restore's transaction by running them on
 * recording layers over rio (the engine's rp_plan_t txn) and turns what they wrote
 * into plan->writes (writes.c). */
int rp_plan_writes(lr_repair_plan_t *p, const lr_scan_t *scan, lr_io_t *const *rio,
                   lr_error_t *err);

/* The scan copy whose text starts at (image, absolute offset), or -1. */
int rp_copy_at(const lr_scan_t *scan, int image, uint64_t offset);

/* Bytes of a present PV every reader allows its areas: for the areas a
 * kept label lists, what its image holds from pv_start up to
 * lr_label_area_reach (LVM2's pvresize records a smaller dev_size and
 * label device_size); else the smallest of its size (pv->dev_size),
 * what its image holds and the device_size of the label it carries (the
 * scanner's bound) (pvs.c). */
uint64_t rp_pv_bound(const lr_repair_plan_t *p, const lr_repair_pv_t *pv);

/* Reads the plan's result back the way LVM2 and the scanner read it: each
 * area's header validates (within rp_pv_bound, with the area's size) and
 * its slot 0 is the new copy, whose text and checksum match; each PV's
 * label (rebuilt or kept) carries its UUID, lists every area written and,
 * when rebuilt, validates. The transaction's verify (lr/txn.h): run at
 * planning on the recording layers (a mismatch is LR_EFORMAT) and after
 * writing on the images, once the transaction has compared every planned
 * range (a mismatch is -EIO), so a plan that would fail this after writing
 * is refused before any write (execute.c). */
int rp_verify(const lr_repair_plan_t *p, lr_io_t *const *ios, bool planning, lr_error_t *err);

/* The restore's write routine and verify for its transaction, arg p
 * (writes.c): the plan's steps per PV, then rp_verify. */
lr_txn_ops_t rp_txn_ops(lr_repair_plan_t *p);

/* ---- steps shared by the whole-VG restore and the restore of single
 * LVs (plan.c) ---- */

/* The plan's images, the version opts names (p->vg, p->version, chosen by
 * lr_scan_select_one) and the new seqno above every seqno of the VG seen
 * anywhere (a seqno LVM2 cannot hold is refused). */
int rp_plan_start(lr_repair_plan_t *p, const lr_scan_t *scan, const lr_repair_opts_t *opts,
                  lr_error_t *err);
/* Where the new text goes and what is written: the PVs of vg (the new
 * version) found among the images (ios, or the images opened read-only by
 * path), their areas, and the planned transaction. */
int rp_plan_finish(lr_repair_plan_t *p, const lr_scan_session_t *session, lr_io_t *const *ios,
                   const lr_vg_t *vg, const lr_repair_opts_t *opts, lr_error_t *err);
/* Host, time and description of the new copy (o->command or a default
 * naming the whole-VG restore). */
int rp_set_identity(lr_repair_plan_t *p, const lr_repair_opts_t *o, lr_error_t *err);
/* The VG section of a metadata tree, or NULL. */
lr_cfg_node_t *rp_vg_section(lr_cfg_t *cfg);
/* Sets seqno (p->new_seqno), description, creation_host and creation_time
 * in cfg and writes it as p->text / text_size / text_crc. */
int rp_finish_text(lr_repair_plan_t *p, lr_cfg_t *cfg, lr_error_t *err);
/* Parses the new text back and checks it with lr_vg_check (a failure is a
 * refusal o->force overrides, kept as a note); *out owned by the caller. */
int rp_check_text(lr_repair_plan_t *p, const lr_repair_opts_t *o, lr_vg_t **out, lr_error_t *err);

#endif
