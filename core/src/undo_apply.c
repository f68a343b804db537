/* Applying an undo file by path: opening the images it names (or the ones
 * the user gives in their place), checking them read-only first, and the
 * identity check that tells the user a path no longer names the file the
 * run wrote. */
#include "lr/undo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char *un_path(const lr_undo_file_t *f, const char *const *paths, size_t i)
{
    return paths ? paths[i] : f->images[i].path;
}

static void un_close_all(lr_io_t **ios, size_t n)
{
    for (size_t i = 0; ios && i < n; i++)
        lr_io_close(ios[i], NULL);
    free(ios);
}

/* Busy or locked by someone else: the open's message, as a refusal. */
static int un_refuse_busy(lr_error_t *err)
{
    char msg[sizeof(err->msg)];
    snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
    return lr_error_hint(err, LR_HINT_FORCE,
                         lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "%s", msg));
}

/* Opens every image; a busy or locked one is a refusal force overrides. */
static int un_open_all(const lr_undo_file_t *f, const char *const *paths, bool rw, bool force,
                       lr_io_t ***out, lr_error_t *err)
{
    lr_io_t **ios = calloc(f->n_images ? f->n_images : 1, sizeof(*ios));
    if (!ios)
        return lr_error_oom(err);
    *out = ios;
    for (size_t i = 0; i < f->n_images; i++) {
        const char *path = un_path(f, paths, i);
        int flags = LR_IO_RDWR | (force ? 0 : LR_IO_EXCL);
        int rc = rw ? lr_io_open_rw(&ios[i], path, flags, err) : lr_io_open(&ios[i], path, err);
        if (rc == -EBUSY)
            rc = un_refuse_busy(err);
        if (rc)
            return rc;
    }
    return 0;
}

static bool un_same_file(const lr_undo_image_t *im, const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && (uint64_t)st.st_dev == im->dev && (uint64_t)st.st_ino == im->ino;
}

void lr_undo_review_free(lr_undo_review_t *r)
{
    if (!r)
        return;
    free(r->same_file);
    free(r->verdicts);
    free(r);
}

int lr_undo_review(const lr_undo_file_t *f, const char *const *paths, lr_undo_review_t **out,
                   lr_error_t *err)
{
    lr_error_clear(err);
    if (!f || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    lr_undo_review_t *r = calloc(1, sizeof(*r));
    if (r) {
        r->same_file = calloc(f->n_images ? f->n_images : 1, sizeof(*r->same_file));
        r->verdicts = calloc(f->n_ranges ? f->n_ranges : 1, sizeof(*r->verdicts));
    }
    if (!r || !r->same_file || !r->verdicts) {
        lr_undo_review_free(r);
        return lr_error_oom(err);
    }
    r->n_images = f->n_images;
    for (size_t i = 0; i < f->n_images; i++)
        r->same_file[i] = un_same_file(&f->images[i], un_path(f, paths, i));
    lr_io_t **ios = NULL;
    int rc = un_open_all(f, paths, false, false, &ios, err);
    if (!rc)
        rc = r->complete = lr_undo_check_complete(f, ios, &r->n_unsaved, err);
    if (!rc)
        rc = lr_undo_check(f, ios, r->verdicts, err);
    un_close_all(ios, f->n_images);
    if (r->complete) {
        free(r->verdicts);
        r->verdicts = NULL;
    }
    /* Changed ranges: applying with force writes the original bytes over
     * them; an incomplete file (r->complete) is refused whatever is asked. */
    if (rc == LR_EREFUSED && !r->complete)
        lr_error_hint(err, LR_HINT_FORCE, rc);
    if (rc && rc != LR_EREFUSED) {
        lr_undo_review_free(r);
        return rc;
    }
    *out = r;
    return rc;
}

int lr_undo_apply_paths(const lr_undo_file_t *f, const char *const *paths, bool force,
                        size_t *n_written, lr_error_t *err)
{
    lr_error_clear(err);
    if (n_written)
        *n_written = 0;
    if (!f)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    lr_io_t **ios = NULL;
    int rc = un_open_all(f, paths, true, force, &ios, err);
    if (!rc)
        rc = lr_undo_apply(f, ios, force, n_written, err);
    un_close_all(ios, f->n_images);
    return rc;
}
