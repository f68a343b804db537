/* lvmrescue repair engine: state shared by the restore and undo source
 * files. Not installed; the public API is lr/repair.h and lr/undo.h. The
 * helpers every engine of repair/ uses are in util.h. */
#ifndef LR_REPAIR_INT_H
#define LR_REPAIR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "util.h"

/* Little-endian encoding of the undo file. */
static inline void rp_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void rp_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t rp_get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t rp_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- I/O layers (layers.c) ---------------------------------------------- */

#include "lr/io.h"

struct lr_repair_plan;

/* A write seen by the recording layer. */
typedef struct rp_rec_write {
    int image;
    uint64_t offset;
    size_t length;
    uint8_t *bytes;
    bool sync_after;
    int op; /* the recorder's cur_op when the write came */
} rp_rec_write_t;

typedef struct rp_recorder {
    rp_rec_write_t *w;
    size_t n, cap;
    int cur_op;
} rp_recorder_t;

void rp_recorder_free(rp_recorder_t *r);

/* Planning layer: writes are recorded (never passed down) and reads see
 * them over the bytes of lower (borrowed, read-only is fine). */
int rp_record_io(lr_io_t *lower, rp_recorder_t *rec, int image, lr_io_t **out, lr_error_t *err);

/* Execution guard: lets a write through to lower (owned) only when it is
 * exactly the next write of the plan (image, offset, bytes); marks it done. */
typedef struct rp_guard {
    struct lr_repair_plan *plan;
    size_t next;
} rp_guard_t;

int rp_guard_io(lr_io_t *lower, rp_guard_t *g, int image, lr_io_t **out, lr_error_t *err);

/* ---- the write steps of a plan (plan.c, execute.c) ---------------------- */

#include "lr/label.h"
#include "lr/mda.h"

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

typedef struct rp_priv {
    rp_op_t *ops;
    size_t n_ops;
} rp_priv_t;

/* Runs the steps of the plan on ios (indexed by image). With rec, each
 * step's index is put in rec->cur_op first. after (may be NULL, one per
 * area) receives the headers the commits leave. */
int rp_run_ops(const struct lr_repair_plan *plan, lr_io_t *const *ios, rp_recorder_t *rec,
               lr_mda_header_t *after, lr_error_t *err);

/* Adds a note to the plan (printf style); -ENOMEM on failure. */
int rp_note(struct lr_repair_plan *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
