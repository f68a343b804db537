/* lvmrescue core: the one write transaction, and the record and guard I/O
 * layers it is made of.
 *
 * Every engine that writes images (restore, the VG editor) writes through
 * a transaction:
 *
 *   1. plan    lr_txn_plan runs the caller's write routine over RECORD
 *              layers stacked on read-only handles: reads see the image
 *              with the writes made so far, writes are only recorded. What
 *              the plan holds is so byte for byte what the run will write
 *              (plan by recording). The caller's check (verify) then runs on
 *              the same layers, so a plan that would fail it after writing
 *              is refused before any write. Planned writes never overlap.
 *   2. run     lr_txn_run reopens every image with a planned write for
 *              writing (exclusive unless opts.shared; through opts.open, the
 *              hook where tests stack a fault layer), checks each image still
 *              has its planned size and holds the planned "before" bytes,
 *              creates the PLANNED undo file (lr_undo_create_planned: every
 *              planned range listed and synced before any write), stacks the
 *              undo layer and a GUARD layer on every image, and runs the same
 *              routine again: the guard lets a write through only when it is
 *              exactly the next planned write (image, offset, bytes) and
 *              refuses any other. The undo file is finished (lr_undo_finish)
 *              also when the run failed, so lr_undo_apply can put every byte
 *              back.
 *   3. verify  every planned range is read back and compared with what was
 *              planned, then the caller's verify runs on the written images.
 *
 * Use:
 *
 *   lr_txn_t *t;
 *   lr_txn_ops_t ops = {.write = my_write, .verify = my_verify, .arg = &my};
 *   rc = lr_txn_new(&t, n, paths, err);
 *   rc = lr_txn_plan(t, ro_ios, &ops, err);   // ro_ios: read handles, borrowed
 *   ... show lr_txn_writes(t) ...
 *   lr_txn_run_opts_t o = {.undo_path = "x.undo"};
 *   rc = lr_txn_run(t, &ops, &o, err);
 *   lr_txn_free(t);
 *
 * The write routine must be repeatable: given the same bytes to read it
 * makes the same writes in the same order (keep any state it updates, e.g.
 * an mda header lr_mda_commit advances, in a copy it makes each time).
 * Syncs it makes are recorded (lr_txn_write_t.sync_after) and passed down
 * at the run; a write of 0 bytes is neither planned nor guarded. The run
 * opens the images itself: close any writable handle of them first (an
 * exclusive open of a file this process already holds exclusively is
 * busy), or lend it to the run through opts.open (lr_io_borrow), as the VG
 * editor does to keep its image locked from loading to the last write.
 * Nothing here prints or exits. */
#ifndef LR_TXN_H
#define LR_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

typedef struct lr_txn lr_txn_t;

/* One planned write, in the order the routine made it. */
typedef struct lr_txn_write {
    size_t image;          /* index into the transaction's images */
    uint64_t offset;       /* absolute byte offset in the image */
    uint64_t length;       /* > 0 */
    const uint8_t *before; /* what the image held there at planning (owned by the txn) */
    const uint8_t *after;  /* the bytes written (owned by the txn) */
    bool sync_after;       /* the routine synced the image right after this write */
    int tag;               /* the lr_txn_tag value current when it was recorded */
    bool done;             /* set by lr_txn_run once the write reached the image */
} lr_txn_write_t;

/* What the caller brings to a transaction; arg is passed to both.
 *
 * write: makes every write of the transaction through ios (one handle per
 *   image, indexed as the paths of lr_txn_new), reading through them as it
 *   likes. lr_txn_planning(t) tells the planning run from the real one. Its
 *   status is returned by lr_txn_plan / lr_txn_run unchanged.
 * verify (may be NULL): checks the result the way its readers will read it,
 *   on ios: at planning on the record layers (planning true: a failure means
 *   the plan is wrong), after the run on the written images (planning false,
 *   after the transaction's own byte-for-byte read-back: a failure means the
 *   writes did not take). Its status is returned unchanged. */
typedef struct lr_txn_ops {
    int (*write)(void *arg, lr_txn_t *t, lr_io_t *const *ios, lr_error_t *err);
    int (*verify)(void *arg, lr_io_t *const *ios, bool planning, lr_error_t *err);
    void *arg;
} lr_txn_ops_t;

/* Opens an image for writing (lr_io_open_rw's signature with a context).
 * The handle returned may be a stack of layers: tests stack a fault layer
 * here (tests/support). */
typedef int (*lr_txn_open_fn)(void *arg, const char *path, int flags, lr_io_t **out,
                              lr_error_t *err);

typedef struct lr_txn_run_opts {
    /* The undo file to create (never overwritten: -EEXIST when it exists).
     * NULL: no undo file (a caller that offers none; restore always has one). */
    const char *undo_path;
    /* Open without LR_IO_EXCL (mounted, held or locked images). */
    bool shared;
    lr_txn_open_fn open; /* NULL: lr_io_open_rw */
    void *open_arg;
    /* Called once the undo file exists, before the first write (a program
     * prints its name then). NULL: not called. */
    void (*undo_created)(void *arg, const char *undo_path);
    void *undo_created_arg;
} lr_txn_run_opts_t;

/* A new transaction over n images (n > 0); paths[i] is where lr_txn_run
 * opens image i (copied; lr_txn_set_path changes it). *out is owned by the
 * caller (lr_txn_free). -EINVAL, -ENOMEM. */
int lr_txn_new(lr_txn_t **out, size_t n, const char *const *paths, lr_error_t *err);

/* Points image i at another file with the same bytes (e.g. a copy): the run
 * checks the bytes anyway, and the new file's identity from when the run
 * opens it. The path image i has already changes nothing: it must still
 * name the file planned. -EINVAL (i out of range), -ENOMEM. */
int lr_txn_set_path(lr_txn_t *t, size_t i, const char *path, lr_error_t *err);

/* Plans by recording (step 1 above): ios[i] is a handle of image i to read
 * (read-only is enough; borrowed, not kept after the call; NULL for an
 * image the routine never touches: its handle in the routine is NULL). Runs ops->write
 * then ops->verify over record layers, then reads every planned range's
 * "before" bytes and each image's size from ios. Once only: a second call
 * is -EINVAL. Fails with what write or verify returned, LR_EREFUSED when two
 * planned writes overlap, the read error of an image, -ENOMEM. On failure
 * the transaction holds no write (lr_txn_n_writes is 0). */
int lr_txn_plan(lr_txn_t *t, lr_io_t *const *ios, const lr_txn_ops_t *ops, lr_error_t *err);

/* Called by the write routine: writes recorded from now on carry tag (so the
 * caller can tell which of its steps made each write). 0 at the start. Does
 * nothing outside planning. */
void lr_txn_tag(lr_txn_t *t, int tag);

/* True while lr_txn_plan runs the routine and verify. */
bool lr_txn_planning(const lr_txn_t *t);

/* The planned writes, in order (owned by t; done flags change during a
 * run), and how many. */
const lr_txn_write_t *lr_txn_writes(const lr_txn_t *t);
size_t lr_txn_n_writes(const lr_txn_t *t);
/* Planned writes to image i (0 for an image the routine does not write,
 * which the run does not open). */
size_t lr_txn_image_writes(const lr_txn_t *t, size_t i);

/* Runs the plan (steps 2 and 3 above) with the same ops that planned it;
 * opts may be NULL (all defaults: no undo file, exclusive, lr_io_open_rw).
 * -EINVAL before lr_txn_plan succeeded. Refuses (LR_EREFUSED) before any
 * write: a plan that writes nothing, a transaction that ran already (got as
 * far as writing: lr_txn_started), an image of another size than at
 * planning or whose planned ranges no longer hold the "before" bytes ("plan
 * again"), an image that is busy (-EBUSY from the open becomes LR_EREFUSED
 * with LR_HINT_FORCE and the open's message: opts->shared would open it),
 * a regular file whose planned ranges that are holes cannot be allocated
 * (-ENOSPC / -EDQUOT: fallocate inside the file, no byte changes).
 * A run refused before writing may be tried again. Then fails with
 * -EEXIST when the undo file exists, with the first failing write (the
 * guard's refusal of an unplanned write is LR_EREFUSED; an I/O error or an
 * injected fault is what the layer said), -EIO when the routine made fewer
 * writes than planned or a range reads back different, or what verify
 * returned. Each write's `done` tells what reached the images. */
int lr_txn_run(lr_txn_t *t, const lr_txn_ops_t *ops, const lr_txn_run_opts_t *opts,
               lr_error_t *err);

/* True once lr_txn_run began writing: its checks passed, the undo file
 * (if any) exists and the layers are stacked. From then on the images may
 * differ from the "before" bytes, and the undo file can put them back. */
bool lr_txn_started(const lr_txn_t *t);

/* Frees t and its plan. NULL is accepted. */
void lr_txn_free(lr_txn_t *t);

/* ---- the layers, for callers that stack their own ------------------------ */

/* lr_txn_plan and lr_txn_run stack these themselves; they are public so
 * that a layer can be tested alone or stacked by a caller with its own
 * flow.
 *
 * RECORD layer over lower (borrowed; read-only is fine) for image i of t:
 * writes are appended to t's planned writes (never passed down), reads see
 * them over lower's bytes, a sync marks the image's last recorded write
 * sync_after. *out is owned by the caller (closing it leaves lower open).
 * Writes recorded outside lr_txn_plan get no "before" bytes (NULL). */
int lr_txn_record_io(lr_txn_t *t, size_t i, lr_io_t *lower, lr_io_t **out, lr_error_t *err);

/* GUARD layer over lower (OWNED: closing *out closes it) for image i of t:
 * a write passes only when it is exactly the next planned write of the
 * whole transaction (image, offset, length, bytes), which is then marked
 * done; any other write is refused (LR_EREFUSED) without reaching lower.
 * Reads and syncs pass. On failure lower stays the caller's. */
int lr_txn_guard_io(lr_txn_t *t, size_t i, lr_io_t *lower, lr_io_t **out, lr_error_t *err);

#endif
