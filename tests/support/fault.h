/* Test support: fault-injecting I/O layers (fault.c). Test-only: the
 * shipped programs and libraries carry no fault injection; tests stack
 * these through the open hook of a write transaction (lr_txn_run_opts_t.open
 * in lr/txn.h, lr_repair_exec_opts_t.open_rw, lr_vgedit_io_opts_t.open_rw).
 * Needs only core. */
#ifndef LR_TEST_FAULT_H
#define LR_TEST_FAULT_H

#include "lr/error.h"
#include "lr/io.h"

/* A layer that fails a chosen write: every pwrite through any layer sharing
 * *counter increments it, and the one that brings it to fail_at (1-based)
 * fails with -EIO without writing, as do all later ones (the "crash"). *out
 * owns lower. fail_at 0 never fails. */
int lr_test_fault_io(lr_io_t *lower, unsigned *counter, unsigned fail_at, lr_io_t **out,
                     lr_error_t *err);

/* lr_test_fault_io with a choice of fault, for the crash-safety tests
 * (docs/crash-safety.md). mode is one of
 *   "write"      the fail_at-th write fails, nothing of it written
 *   "short=N"    the first N bytes of the fail_at-th write reach lower (all
 *                of it when N >= its length), then it fails
 *   "sync"       the fail_at-th sync fails; the writes before it stay
 *   "sync-lost"  the fail_at-th sync fails and the writes this layer passed
 *                since its last successful sync are lost (their old bytes
 *                are put back, newest first), as after a dropped page cache
 * optionally followed by ":enospc" (the error is -ENOSPC) or ":eio" (the
 * default, -EIO). Writes count in *counter for the write modes, syncs for
 * the sync modes, across every layer sharing counter; fail_at 0 never
 * fails (the counter still counts). Once the fault happened *counter is
 * UINT_MAX and every later write and sync of every layer sharing it fails
 * (the crash); reads pass. on_fault (may be NULL) is called with arg once,
 * when the fault has taken effect and before the error is returned: the
 * image then holds what a power cut at that moment would leave. *out owns
 * lower; on failure (-EINVAL for an unknown mode) lower stays the
 * caller's. */
int lr_test_fault_io_mode(lr_io_t *lower, unsigned *counter, unsigned fail_at, const char *mode,
                          void (*on_fault)(void *arg), void *arg, lr_io_t **out, lr_error_t *err);

/* A counter and the write to fail, for lr_test_fault_open. */
typedef struct lr_test_fault {
    unsigned counter; /* writes so far, across every image opened with it */
    unsigned fail_at; /* 1-based; 0: never */
} lr_test_fault_t;

/* An open hook (lr_txn_open_fn's signature; arg is an lr_test_fault_t *):
 * lr_io_open_rw, then lr_test_fault_io on top with arg's counter. */
int lr_test_fault_open(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err);

#endif
