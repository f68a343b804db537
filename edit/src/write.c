/* How the editor writes: the image is opened for writing and locked when
 * the command starts, and every write goes through core's one transaction
 * (lr/txn.h), lent that handle. */
#include "vgedit_int.h"

int ed_open_rw(const lr_vgedit_io_opts_t *io, const char *path, lr_io_t **out, lr_error_t *err)
{
    int flags = LR_IO_RDWR | LR_IO_EXCL;
    if (io && io->open_rw)
        return io->open_rw(io->open_arg, path, flags, out, err);
    return lr_io_open_rw(out, path, flags, err);
}

/* The transaction's open hook: the image is open and locked already (since
 * it was loaded), so the run writes through that handle, not a second one. */
static int lend_open(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err)
{
    (void)path;
    (void)flags;
    return lr_io_borrow(arg, out, err);
}

int ed_write(lr_io_t *io, const char *path, const char *undo_path, const lr_txn_ops_t *ops,
             bool *started, lr_error_t *err)
{
    if (started)
        *started = false;
    lr_txn_t *t = NULL;
    int rc = lr_txn_new(&t, 1, &path, err);
    if (!rc)
        rc = lr_txn_plan(t, &io, ops, err);
    lr_txn_run_opts_t o = {.undo_path = undo_path, .open = lend_open, .open_arg = io};
    if (!rc)
        rc = lr_txn_run(t, ops, &o, err);
    if (started)
        *started = lr_txn_started(t);
    lr_txn_free(t);
    return rc;
}
