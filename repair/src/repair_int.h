/* lvmrescue repair engine: state shared by the restore source files. Not
 * installed; the public API is lr/repair.h. The helpers every engine of
 * repair/ uses are in util.h. */
#ifndef LR_REPAIR_INT_H
#define LR_REPAIR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/repair.h"
#include "util.h"

/* ---- the write steps of a plan (plan.c, execute.c) ---------------------- */

#include "lr/label.h"
#include "lr/mda.h"
#include "lr/txn.h"

enum { RP_OP_COMMIT = 1, RP_OP_LABEL = 2 };

/* One step: commit the new text into an area, or write a PV label. */
typedef struct rp_op {
    int kind;
    int image;
    uint64_t pv_start;
    int pv;
    int area;          /* COMMIT: index into plan->areas */
    lr_mda_header_t h; /* COMMIT: the header the commit starts from */
    lr_label_t label;  /* LABEL */
} rp_op_t;

/* A plan as the engine allocates it: the public struct first (the caller's
 * pointer is this allocation), then the steps only the engine runs, so no
 * engine state hides in the public struct. */
typedef struct rp_plan {
    struct lr_repair_plan pub;
    rp_op_t *ops;
    size_t n_ops;
    lr_txn_t *txn; /* the planned transaction (lr/txn.h); its writes are plan->writes */
} rp_plan_t;

/* The engine's side of a plan lr_repair_plan_new made. */
rp_plan_t *rp_plan(struct lr_repair_plan *plan);
const rp_plan_t *rp_plan_const(const struct lr_repair_plan *plan);

/* Adds a note to the plan (printf style); -ENOMEM on failure. */
/* plan_thin.c: the restored version's thin pools whose transaction_id
 * differs from their metadata's: plan->thin_mismatch and a note each.
 * Only -ENOMEM fails. rp_plan_thin_free frees them. */
int rp_plan_thin(struct lr_repair_plan *plan, const lr_scan_t *scan, lr_error_t *err);
void rp_plan_thin_free(struct lr_repair_plan *plan);

int rp_note(struct lr_repair_plan *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
