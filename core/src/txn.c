/* The write transaction (lr/txn.h): plan by recording, then reopen
 * writable, check nothing moved since planning, journal to the planned
 * undo file, write through the guard, read back and verify. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/crc.h"
#include "lr/sha256.h"
#include "lr/undo.h"
#include "write_int.h"

/* ---- the object ------------------------------------------------------------------ */

void lr_txn_drop_writes(lr_txn_t *t)
{
    for (size_t i = 0; i < t->n_writes; i++) {
        free((void *)t->w[i].before);
        free((void *)t->w[i].after);
    }
    free(t->w);
    t->w = NULL;
    t->n_writes = t->cap_writes = 0;
    memset(t->image_writes, 0, t->n_images * sizeof(*t->image_writes));
}

void lr_txn_free(lr_txn_t *t)
{
    if (!t)
        return;
    lr_txn_drop_writes(t);
    for (size_t i = 0; i < t->n_images; i++)
        free(t->paths[i]);
    free(t->paths);
    free(t->sizes);
    free(t->image_writes);
    free(t->ids);
    free(t->has_id);
    free(t);
}

int lr_txn_new(lr_txn_t **out, size_t n, const char *const *paths, lr_error_t *err)
{
    if (!out || !n || !paths)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "transaction: invalid arguments");
    *out = NULL;
    lr_txn_t *t = calloc(1, sizeof(*t));
    if (!t)
        return lr_error_oom(err);
    t->n_images = n;
    t->paths = calloc(n, sizeof(*t->paths));
    t->sizes = calloc(n, sizeof(*t->sizes));
    t->image_writes = calloc(n, sizeof(*t->image_writes));
    t->ids = calloc(n, sizeof(*t->ids));
    t->has_id = calloc(n, sizeof(*t->has_id));
    bool oom = !t->paths || !t->sizes || !t->image_writes || !t->ids || !t->has_id;
    for (size_t i = 0; i < n && !oom; i++)
        oom = paths[i] && !(t->paths[i] = strdup(paths[i]));
    if (oom) {
        lr_txn_free(t);
        return lr_error_oom(err);
    }
    *out = t;
    return 0;
}

int lr_txn_set_path(lr_txn_t *t, size_t i, const char *path, lr_error_t *err)
{
    if (!t || i >= t->n_images || !path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "transaction: invalid arguments");
    /* The same path must still name the file the plan was made from: a
     * file moved there since is refused by the run, not taken as a copy. */
    if (t->paths[i] && strcmp(t->paths[i], path) == 0)
        return 0;
    char *copy = strdup(path);
    if (!copy)
        return lr_error_oom(err);
    free(t->paths[i]);
    t->paths[i] = copy;
    t->has_id[i] = false; /* a new file (a copy): known once the run opens it */
    return 0;
}

void lr_txn_tag(lr_txn_t *t, int tag)
{
    if (t && t->planning)
        t->tag = tag;
}

bool lr_txn_planning(const lr_txn_t *t)
{
    return t && t->planning;
}

const lr_txn_write_t *lr_txn_writes(const lr_txn_t *t)
{
    return t ? t->w : NULL;
}

size_t lr_txn_n_writes(const lr_txn_t *t)
{
    return t ? t->n_writes : 0;
}

size_t lr_txn_image_writes(const lr_txn_t *t, size_t i)
{
    return t && i < t->n_images ? t->image_writes[i] : 0;
}

bool lr_txn_started(const lr_txn_t *t)
{
    return t && t->started;
}

/* ---- planning -------------------------------------------------------------------- */

static bool overlap(const lr_txn_write_t *a, const lr_txn_write_t *b)
{
    return a->image == b->image && a->offset < b->offset + b->length &&
           b->offset < a->offset + a->length;
}

/* Every planned byte is written once: the "before" bytes shown (and checked
 * before the run) are then exactly the image's. */
static int check_overlaps(const lr_txn_t *t, lr_error_t *err)
{
    for (size_t i = 0; i < t->n_writes; i++)
        for (size_t j = i + 1; j < t->n_writes; j++)
            if (overlap(&t->w[i], &t->w[j]))
                return lr_error_set(err, LR_EREFUSED, t->w[i].offset,
                                    "planned writes %zu and %zu overlap; refusing", i + 1, j + 1);
    return 0;
}

static int read_befores(lr_txn_t *t, lr_io_t *const *ios, lr_error_t *err)
{
    for (size_t i = 0; i < t->n_images; i++) {
        t->sizes[i] = ios[i] ? lr_io_size(ios[i]) : 0;
        t->has_id[i] = t->paths[i] && lr_path_id(t->paths[i], &t->ids[i], NULL) == 0;
    }
    for (size_t k = 0; k < t->n_writes; k++) {
        lr_txn_write_t *w = &t->w[k];
        uint8_t *b = malloc((size_t)w->length);
        if (!b)
            return lr_error_oom(err);
        w->before = b;
        int rc = lr_io_pread(ios[w->image], b, (size_t)w->length, w->offset, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The routine and the check on record layers over ios. */
static int record_run(lr_txn_t *t, lr_io_t *const *ios, const lr_txn_ops_t *ops, lr_error_t *err)
{
    lr_io_t **rec = calloc(t->n_images, sizeof(*rec));
    if (!rec)
        return lr_error_oom(err);
    int rc = 0;
    for (size_t i = 0; i < t->n_images && !rc; i++)
        if (ios[i])
            rc = lr_txn_record_io(t, i, ios[i], &rec[i], err);
    t->planning = true;
    t->tag = 0;
    if (!rc)
        rc = ops->write(ops->arg, t, rec, err);
    if (!rc && ops->verify)
        rc = ops->verify(ops->arg, rec, true, err);
    t->planning = false;
    for (size_t i = 0; i < t->n_images; i++)
        lr_io_close(rec[i], NULL);
    free(rec);
    return rc;
}

int lr_txn_plan(lr_txn_t *t, lr_io_t *const *ios, const lr_txn_ops_t *ops, lr_error_t *err)
{
    if (!t || !ios || !ops || !ops->write)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "transaction plan: invalid arguments");
    if (t->planned || t->n_writes)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "the transaction is planned already");
    int rc = record_run(t, ios, ops, err);
    if (!rc)
        rc = check_overlaps(t, err);
    if (!rc)
        rc = read_befores(t, ios, err);
    if (rc) {
        lr_txn_drop_writes(t);
        return rc;
    }
    t->planned = true;
    return 0;
}

/* ---- running --------------------------------------------------------------------- */

static int default_open(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err)
{
    (void)arg;
    return lr_io_open_rw(out, path, flags, err);
}

/* The image must still hold the bytes the plan was made from. */
static int check_unchanged(const lr_txn_t *t, size_t image, lr_io_t *io, lr_error_t *err)
{
    const char *path = t->paths[image];
    if (lr_io_size(io) != t->sizes[image])
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                           "the image has %llu bytes now, %llu when planned; plan again",
                           (unsigned long long)lr_io_size(io), (unsigned long long)t->sizes[image]);
    for (size_t i = 0; i < t->n_writes; i++) {
        const lr_txn_write_t *w = &t->w[i];
        if (w->image != image)
            continue;
        bool same;
        int rc = lr_read_compare(io, w->offset, w->before, (size_t)w->length, &same, err);
        if (rc)
            return rc;
        if (!same)
            return lr_error_at(err, path, LR_EREFUSED, w->offset,
                               "bytes %llu..%llu changed since the plan was made; plan again",
                               (unsigned long long)w->offset,
                               (unsigned long long)(w->offset + w->length - 1));
    }
    return 0;
}

/* Each image path must still name the file the plan was made from (or,
 * for a path set after planning, the file the run opened): a file moved
 * or replaced since (mv) would otherwise take the writes on an unlinked
 * inode while the path names another file. Checked after opening and
 * again right before the first write. */
static int check_identity(lr_txn_t *t, lr_error_t *err)
{
    for (size_t i = 0; i < t->n_images; i++) {
        if (!t->image_writes[i])
            continue;
        lr_file_id_t now;
        int rc = lr_path_id(t->paths[i], &now, err);
        if (rc)
            return rc;
        if (!t->has_id[i]) {
            t->ids[i] = now;
            t->has_id[i] = true;
        } else if (now.dev != t->ids[i].dev || now.ino != t->ids[i].ino)
            return lr_error_at(err, t->paths[i], LR_EREFUSED, LR_NO_OFFSET,
                               "the path names another file than when the plan was made (moved "
                               "or replaced); plan again");
    }
    return 0;
}

/* A busy image is a refusal the caller may override (opts->shared). */
static int refuse_busy(lr_error_t *err)
{
    char msg[sizeof(err->msg)];
    snprintf(msg, sizeof(msg), "%s", err ? err->msg : "busy");
    return lr_error_refuse(err, LR_HINT_FORCE, "%s", msg);
}

/* Allocates the planned ranges of a regular file that are holes (a sparse
 * copy), before the undo file and the first write: a full file system then
 * refuses the run with nothing written, instead of failing a write after
 * other images were written. fallocate's default mode inside the file's
 * size changes no byte (holes read as zeros before and after). A file
 * system without fallocate goes on as before. */
static int reserve_holes(const lr_txn_t *t, size_t image, lr_error_t *err)
{
    const char *path = t->paths[image];
    struct stat st;
    /* A block device is not opened a second time (closing a writable open
     * makes udev probe it again); it has no holes anyway. */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; i < t->n_writes && !rc; i++) {
        const lr_txn_write_t *w = &t->w[i];
        if (w->image != image || fallocate(fd, 0, (off_t)w->offset, (off_t)w->length) == 0)
            continue;
        int e = errno;
        if (e == ENOSPC || e == EDQUOT)
            rc = lr_error_at(err, path, -e, w->offset,
                             "cannot allocate bytes %llu..%llu before writing: %s",
                             (unsigned long long)w->offset,
                             (unsigned long long)(w->offset + w->length - 1), strerror(e));
    }
    close(fd);
    return rc;
}

static int open_images(const lr_txn_t *t, const lr_txn_run_opts_t *o, lr_io_t **raw,
                       lr_error_t *err)
{
    lr_txn_open_fn open_fn = o->open ? o->open : default_open;
    int flags = LR_IO_RDWR | (o->shared ? 0 : LR_IO_EXCL);
    for (size_t i = 0; i < t->n_images; i++) {
        if (!t->image_writes[i])
            continue;
        if (!t->paths[i])
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "image %zu has no path", i);
        int rc = open_fn(o->open_arg, t->paths[i], flags, &raw[i], err);
        if (rc == -EBUSY)
            return refuse_busy(err);
        if (!rc)
            rc = check_unchanged(t, i, raw[i], err);
        if (!rc)
            rc = reserve_holes(t, i, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The undo file lists every planned write before any write (undo image ids
 * follow the order stack_layers wraps the images in: the images with
 * writes, in index order), so a reader can tell a file cut short from a run
 * that stopped. */
static int create_undo(const lr_txn_t *t, const lr_txn_run_opts_t *o, lr_undo_t **u,
                       lr_error_t *err)
{
    lr_undo_planned_t *pl = calloc(t->n_writes, sizeof(*pl));
    uint32_t *id = calloc(t->n_images, sizeof(*id));
    if (!pl || !id) {
        free(pl);
        free(id);
        return lr_error_oom(err);
    }
    uint32_t next = 0;
    for (size_t i = 0; i < t->n_images; i++)
        id[i] = t->image_writes[i] ? next++ : UINT32_MAX;
    for (size_t k = 0; k < t->n_writes; k++) {
        const lr_txn_write_t *w = &t->w[k];
        pl[k] =
            (lr_undo_planned_t){.image = id[w->image], .offset = w->offset, .length = w->length};
        pl[k].before.crc = lr_crc(LR_CRC_INITIAL, w->before, (size_t)w->length);
        lr_sha256(w->before, (size_t)w->length, pl[k].before.sha);
        pl[k].after.crc = lr_crc(LR_CRC_INITIAL, w->after, (size_t)w->length);
        lr_sha256(w->after, (size_t)w->length, pl[k].after.sha);
    }
    int rc = lr_undo_create_planned(u, o->undo_path, pl, t->n_writes, err);
    free(pl);
    free(id);
    if (!rc && o->undo_created)
        o->undo_created(o->undo_created_arg, o->undo_path);
    return rc;
}

/* Stacks the undo layer (when there is an undo file) and the guard on every
 * opened image; raw[i] moves into the stack (set to NULL) once a layer owns
 * it. */
static int stack_layers(lr_txn_t *t, lr_undo_t *u, lr_io_t **raw, lr_io_t **top, lr_error_t *err)
{
    for (size_t i = 0; i < t->n_images; i++) {
        if (!raw[i])
            continue;
        lr_io_t *lower = raw[i];
        int rc = u ? lr_undo_wrap(u, raw[i], t->paths[i], &lower, err) : 0;
        if (rc)
            return rc;
        raw[i] = NULL;
        rc = lr_txn_guard_io(t, i, lower, &top[i], err);
        if (rc) {
            lr_io_close(lower, NULL);
            return rc;
        }
    }
    return 0;
}

static int verify_writes(const lr_txn_t *t, lr_io_t *const *io, lr_error_t *err)
{
    for (size_t i = 0; i < t->n_writes; i++) {
        const lr_txn_write_t *w = &t->w[i];
        bool same;
        int rc = lr_read_compare(io[w->image], w->offset, w->after, (size_t)w->length, &same, err);
        if (rc)
            return rc;
        if (!same)
            return lr_error_at(err, t->paths[w->image], -EIO, w->offset,
                               "read-back of bytes %llu..%llu differs from what was written",
                               (unsigned long long)w->offset,
                               (unsigned long long)(w->offset + w->length - 1));
    }
    return 0;
}

/* The routine through the guards, then the read-back. */
static int guarded_run(lr_txn_t *t, lr_io_t *const *top, const lr_txn_ops_t *ops, lr_error_t *err)
{
    t->next = 0;
    int rc = ops->write(ops->arg, t, top, err);
    if (!rc && t->next != t->n_writes)
        rc = lr_error_set(err, -EIO, LR_NO_OFFSET, "only %zu of %zu planned writes were made",
                          t->next, t->n_writes);
    if (!rc)
        rc = verify_writes(t, top, err);
    if (!rc && ops->verify)
        rc = ops->verify(ops->arg, top, false, err);
    return rc;
}

static int run_checks(const lr_txn_t *t, const lr_txn_ops_t *ops, lr_error_t *err)
{
    if (!ops || !ops->write)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "transaction run: invalid arguments");
    if (!t->planned)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "the transaction was not planned");
    if (t->started)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "the transaction ran already");
    if (!t->n_writes)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "the plan writes nothing");
    return 0;
}

int lr_txn_run(lr_txn_t *t, const lr_txn_ops_t *ops, const lr_txn_run_opts_t *opts, lr_error_t *err)
{
    if (!t)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "transaction run: invalid arguments");
    int rc = run_checks(t, ops, err);
    if (rc)
        return rc;
    lr_txn_run_opts_t none = {0};
    const lr_txn_run_opts_t *o = opts ? opts : &none;
    lr_io_t **raw = calloc(t->n_images, sizeof(*raw));
    lr_io_t **top = calloc(t->n_images, sizeof(*top));
    if (!raw || !top) {
        free(raw);
        free(top);
        return lr_error_oom(err);
    }
    lr_undo_t *u = NULL;
    rc = open_images(t, o, raw, err);
    if (!rc)
        rc = check_identity(t, err);
    if (!rc && o->undo_path)
        rc = create_undo(t, o, &u, err);
    if (!rc)
        rc = stack_layers(t, u, raw, top, err);
    if (!rc)
        rc = check_identity(t, err);
    if (!rc) {
        t->started = true;
        rc = guarded_run(t, top, ops, err);
    }
    if (u) {
        /* Also after a failure: the DONE record says what the images hold. */
        lr_error_t ferr;
        lr_error_clear(&ferr);
        int frc = lr_undo_finish(u, rc, rc ? &ferr : err);
        if (!rc)
            rc = frc;
    }
    for (size_t i = 0; i < t->n_images; i++) {
        lr_io_close(top[i], NULL);
        lr_io_close(raw[i], NULL);
    }
    lr_undo_free(u);
    free(raw);
    free(top);
    return rc;
}
