/* I/O layers of the repair engine.
 *
 * The plan is made by running the very same write steps (lr_mda_commit,
 * lr_label_write) against a recording layer, so what the plan shows is
 * byte for byte what execution will write; execution then runs them again
 * through a guard that lets only exactly those writes pass. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/repair.h"
#include "repair_int.h"

/* ---- recording layer --------------------------------------------------------- */

typedef struct record_ctx {
    lr_io_t *lower; /* borrowed */
    rp_recorder_t *rec;
    int image;
} record_ctx_t;

void rp_recorder_free(rp_recorder_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->w[i].bytes);
    free(r->w);
    r->w = NULL;
    r->n = r->cap = 0;
}

static int record_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    record_ctx_t *c = ctx;
    int rc = lr_io_pread(c->lower, buf, len, off, err);
    if (rc)
        return rc;
    /* Later writes win, as on a disk. */
    for (size_t i = 0; i < c->rec->n; i++) {
        const rp_rec_write_t *w = &c->rec->w[i];
        if (w->image != c->image || w->offset >= off + len || off >= w->offset + w->length)
            continue;
        uint64_t s = w->offset > off ? w->offset : off;
        uint64_t e = w->offset + w->length < off + len ? w->offset + w->length : off + len;
        memcpy((uint8_t *)buf + (s - off), w->bytes + (s - w->offset), (size_t)(e - s));
    }
    return 0;
}

static int record_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    record_ctx_t *c = ctx;
    rp_recorder_t *r = c->rec;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        rp_rec_write_t *w = realloc(r->w, cap * sizeof(*w));
        if (!w)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        r->w = w;
        r->cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    memcpy(copy, buf, len);
    r->w[r->n++] = (rp_rec_write_t){
        .image = c->image, .offset = off, .length = len, .bytes = copy, .op = r->cur_op};
    return 0;
}

static int record_sync(void *ctx, lr_error_t *err)
{
    (void)err;
    record_ctx_t *c = ctx;
    for (size_t i = c->rec->n; i-- > 0;) {
        if (c->rec->w[i].image == c->image) {
            c->rec->w[i].sync_after = true;
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

int rp_record_io(lr_io_t *lower, rp_recorder_t *rec, int image, lr_io_t **out, lr_error_t *err)
{
    record_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *c = (record_ctx_t){.lower = lower, .rec = rec, .image = image};
    int rc = lr_io_new(out, &record_ops, c, lr_io_size(lower), lr_io_name(lower), err);
    if (rc)
        free(c);
    return rc;
}

/* ---- guard layer -------------------------------------------------------------- */

typedef struct guard_ctx {
    lr_io_t *lower; /* owned */
    rp_guard_t *g;
    int image;
} guard_ctx_t;

static int guard_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    guard_ctx_t *c = ctx;
    return lr_io_pread(c->lower, buf, len, off, err);
}

static int guard_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    guard_ctx_t *c = ctx;
    lr_repair_plan_t *p = c->g->plan;
    if (c->g->next >= p->n_writes)
        return rp_fail(err, lr_io_name(c->lower), LR_EREFUSED, off,
                       "write of %zu bytes at %llu is not in the plan", len,
                       (unsigned long long)off);
    lr_repair_write_t *w = &p->writes[c->g->next];
    if (w->image != c->image || w->offset != off || w->length != len ||
        memcmp(w->new_bytes, buf, len) != 0)
        return rp_fail(err, lr_io_name(c->lower), LR_EREFUSED, off,
                       "write of %zu bytes at %llu differs from planned write %zu (%llu bytes "
                       "at %llu); stopped",
                       len, (unsigned long long)off, c->g->next + 1, (unsigned long long)w->length,
                       (unsigned long long)w->offset);
    int rc = lr_io_pwrite(c->lower, buf, len, off, err);
    if (rc)
        return rc;
    w->done = true;
    c->g->next++;
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

int rp_guard_io(lr_io_t *lower, rp_guard_t *g, int image, lr_io_t **out, lr_error_t *err)
{
    guard_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *c = (guard_ctx_t){.lower = lower, .g = g, .image = image};
    int rc = lr_io_new(out, &guard_ops, c, lr_io_size(lower), lr_io_name(lower), err);
    if (rc)
        free(c);
    return rc;
}

/* ---- fault injection ------------------------------------------------------------ */

typedef struct fault_ctx {
    lr_io_t *lower; /* owned */
    unsigned *counter;
    unsigned fail_at;
} fault_ctx_t;

static int fault_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    fault_ctx_t *c = ctx;
    return lr_io_pread(c->lower, buf, len, off, err);
}

static int fault_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    fault_ctx_t *c = ctx;
    ++*c->counter;
    if (c->fail_at && *c->counter >= c->fail_at)
        return rp_fail(err, lr_io_name(c->lower), -EIO, off,
                       "injected fault: write %u (%zu bytes at %llu) not done", *c->counter, len,
                       (unsigned long long)off);
    return lr_io_pwrite(c->lower, buf, len, off, err);
}

static int fault_sync(void *ctx, lr_error_t *err)
{
    fault_ctx_t *c = ctx;
    return lr_io_sync(c->lower, err);
}

static int fault_close(void *ctx, lr_error_t *err)
{
    fault_ctx_t *c = ctx;
    int rc = lr_io_close(c->lower, err);
    free(c);
    return rc;
}

static const lr_io_ops_t fault_ops = {
    .name = "fault",
    .pread = fault_pread,
    .pwrite = fault_pwrite,
    .sync = fault_sync,
    .close = fault_close,
};

int lr_repair_fault_io(lr_io_t *lower, unsigned *counter, unsigned fail_at, lr_io_t **out,
                       lr_error_t *err)
{
    if (!lower || !counter || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "fault layer: invalid arguments");
    fault_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *c = (fault_ctx_t){.lower = lower, .counter = counter, .fail_at = fail_at};
    int rc = lr_io_new(out, &fault_ops, c, lr_io_size(lower), lr_io_name(lower), err);
    if (rc)
        free(c);
    return rc;
}
