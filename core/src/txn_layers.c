/* The transaction's two I/O layers: the record layer, over which the write
 * routine runs at planning (writes are kept, never passed down), and the
 * guard, through which it runs again at execution (only exactly the planned
 * writes pass). Together they make what a plan shows byte for byte what is
 * written. Also the small file helpers of the write side. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "write_int.h"

/* ---- record layer ------------------------------------------------------------ */

typedef struct record_ctx {
    lr_io_t *lower; /* borrowed */
    lr_txn_t *t;
    size_t image;
} record_ctx_t;

static int record_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    record_ctx_t *c = ctx;
    int rc = lr_io_pread(c->lower, buf, len, off, err);
    if (rc)
        return rc;
    /* Later writes win, as on a disk. */
    for (size_t i = 0; i < c->t->n_writes; i++) {
        const lr_txn_write_t *w = &c->t->w[i];
        if (w->image != c->image || w->offset >= off + len || off >= w->offset + w->length)
            continue;
        uint64_t s = w->offset > off ? w->offset : off;
        uint64_t e = w->offset + w->length < off + len ? w->offset + w->length : off + len;
        memcpy((uint8_t *)buf + (s - off), w->after + (s - w->offset), (size_t)(e - s));
    }
    return 0;
}

static int record_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    record_ctx_t *c = ctx;
    lr_txn_t *t = c->t;
    if (len == 0)
        return 0; /* nothing to plan, nothing to guard */
    if (t->n_writes == t->cap_writes) {
        size_t cap = t->cap_writes ? 2 * t->cap_writes : 16;
        lr_txn_write_t *w = realloc(t->w, cap * sizeof(*w));
        if (!w)
            return lr_error_oom(err);
        t->w = w;
        t->cap_writes = cap;
    }
    uint8_t *copy = malloc(len);
    if (!copy)
        return lr_error_oom(err);
    memcpy(copy, buf, len);
    t->w[t->n_writes++] = (lr_txn_write_t){
        .image = c->image, .offset = off, .length = len, .after = copy, .tag = t->tag};
    t->image_writes[c->image]++;
    return 0;
}

static int record_sync(void *ctx, lr_error_t *err)
{
    (void)err;
    record_ctx_t *c = ctx;
    for (size_t i = c->t->n_writes; i-- > 0;) {
        if (c->t->w[i].image == c->image) {
            c->t->w[i].sync_after = true;
            break;
        }
    }
    return 0;
}

static int record_close(void *ctx, lr_error_t *err)
{
    (void)err;
    free(ctx);
    return 0;
}

static const lr_io_ops_t record_ops = {
    .name = "plan",
    .pread = record_pread,
    .pwrite = record_pwrite,
    .sync = record_sync,
    .close = record_close,
};

int lr_txn_record_io(lr_txn_t *t, size_t i, lr_io_t *lower, lr_io_t **out, lr_error_t *err)
{
    if (!t || i >= t->n_images || !lower || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "record layer: invalid arguments");
    record_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return lr_error_oom(err);
    *c = (record_ctx_t){.lower = lower, .t = t, .image = i};
    int rc = lr_io_new(out, &record_ops, c, lr_io_size(lower), lr_io_name(lower), err);
    if (rc)
        free(c);
    return rc;
}

/* ---- guard layer -------------------------------------------------------------- */

typedef struct guard_ctx {
    lr_io_t *lower; /* owned */
    lr_txn_t *t;
    size_t image;
} guard_ctx_t;

static int guard_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    guard_ctx_t *c = ctx;
    return lr_io_pread(c->lower, buf, len, off, err);
}

static int guard_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    guard_ctx_t *c = ctx;
    lr_txn_t *t = c->t;
    if (len == 0)
        return 0; /* never recorded either */
    if (t->next >= t->n_writes)
        return lr_error_at(err, lr_io_name(c->lower), LR_EREFUSED, off,
                           "write of %zu bytes at %llu is not in the plan", len,
                           (unsigned long long)off);
    lr_txn_write_t *w = &t->w[t->next];
    if (w->image != c->image || w->offset != off || w->length != len ||
        memcmp(w->after, buf, len) != 0)
        return lr_error_at(err, lr_io_name(c->lower), LR_EREFUSED, off,
                           "write of %zu bytes at %llu differs from planned write %zu (%llu bytes "
                           "at %llu); stopped",
                           len, (unsigned long long)off, t->next + 1, (unsigned long long)w->length,
                           (unsigned long long)w->offset);
    int rc = lr_io_pwrite(c->lower, buf, len, off, err);
    if (rc)
        return rc;
    w->done = true;
    t->next++;
    return 0;
}

static int guard_sync(void *ctx, lr_error_t *err)
{
    guard_ctx_t *c = ctx;
    return lr_io_sync(c->lower, err);
}

static int guard_close(void *ctx, lr_error_t *err)
{
    guard_ctx_t *c = ctx;
    int rc = lr_io_close(c->lower, err);
    free(c);
    return rc;
}

static const lr_io_ops_t guard_ops = {
    .name = "guard",
    .pread = guard_pread,
    .pwrite = guard_pwrite,
    .sync = guard_sync,
    .close = guard_close,
};

int lr_txn_guard_io(lr_txn_t *t, size_t i, lr_io_t *lower, lr_io_t **out, lr_error_t *err)
{
    if (!t || i >= t->n_images || !lower || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "guard layer: invalid arguments");
    guard_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return lr_error_oom(err);
    *c = (guard_ctx_t){.lower = lower, .t = t, .image = i};
    int rc = lr_io_new(out, &guard_ops, c, lr_io_size(lower), lr_io_name(lower), err);
    if (rc)
        free(c);
    return rc;
}

/* ---- file helpers -------------------------------------------------------------- */

int lr_sync_dir_of(const char *path, lr_error_t *err)
{
    char *dir = strdup(path);
    if (!dir)
        return lr_error_oom(err);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0 || fsync(fd) != 0)
        rc = lr_error_at(err, dir, -errno, LR_NO_OFFSET, "cannot sync the directory: %s",
                         strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

int lr_read_compare(lr_io_t *io, uint64_t off, const void *want, size_t len, bool *same,
                    lr_error_t *err)
{
    uint8_t *cur = malloc(len ? len : 1);
    if (!cur)
        return lr_error_oom(err);
    int rc = lr_io_pread(io, cur, len, off, err);
    *same = !rc && memcmp(cur, want, len) == 0;
    free(cur);
    return rc;
}
