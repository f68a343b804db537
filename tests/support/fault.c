/* Fault-injecting I/O layers for the tests (fault.h): they stop a write
 * path at a chosen write or sync, the way a crash, a full disk or a failing
 * fsync would (docs/crash-safety.md). Stacked through the open hook of a
 * write transaction (lr/txn.h), so the engines under test run unchanged. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

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
        return lr_error_at(err, lr_io_name(c->lower), -EIO, off,
                           "injected fault: write %u (%zu bytes at %llu) not done", *c->counter,
                           len, (unsigned long long)off);
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

int lr_test_fault_io(lr_io_t *lower, unsigned *counter, unsigned fail_at, lr_io_t **out,
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

/* ---- fault injection with a choice of fault (crash-safety tests) ----------------- */

typedef enum fault_kind {
    FAULT_WRITE = 1, /* the write fails, nothing of it written */
    FAULT_SHORT,     /* the first keep bytes reach lower, then it fails */
    FAULT_SYNC,      /* the sync fails, earlier writes stay */
    FAULT_SYNC_LOST, /* the sync fails, writes since the last good sync are undone */
} fault_kind_t;

/* A write since the last successful sync, for FAULT_SYNC_LOST. */
typedef struct fault_pending {
    uint64_t off;
    size_t len;
    uint8_t *old;
} fault_pending_t;

typedef struct mfault_ctx {
    lr_io_t *lower; /* owned */
    unsigned *counter;
    unsigned fail_at;
    fault_kind_t kind;
    int error; /* -EIO or -ENOSPC */
    uint64_t keep;
    void (*on_fault)(void *arg);
    void *arg;
    fault_pending_t *pending;
    size_t n_pending, cap_pending;
} mfault_ctx_t;

#define FAULT_CRASHED UINT_MAX

static void pending_clear(mfault_ctx_t *c)
{
    for (size_t i = 0; i < c->n_pending; i++)
        free(c->pending[i].old);
    c->n_pending = 0;
}

/* Remembers the bytes a write is about to replace (FAULT_SYNC_LOST only). */
static int pending_add(mfault_ctx_t *c, size_t len, uint64_t off, lr_error_t *err)
{
    if (c->n_pending == c->cap_pending) {
        size_t cap = c->cap_pending ? 2 * c->cap_pending : 8;
        fault_pending_t *p = realloc(c->pending, cap * sizeof(*p));
        if (!p)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        c->pending = p;
        c->cap_pending = cap;
    }
    uint8_t *old = malloc(len ? len : 1);
    if (!old)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = lr_io_pread(c->lower, old, len, off, err);
    if (rc) {
        free(old);
        return rc;
    }
    c->pending[c->n_pending++] = (fault_pending_t){.off = off, .len = len, .old = old};
    return 0;
}

static const char *fault_errname(int error)
{
    return error == -ENOSPC ? "ENOSPC" : "EIO";
}

/* The fault happened: later operations of every layer sharing the counter
 * fail; the callback sees the state a power cut would leave. */
static void fault_fire(mfault_ctx_t *c)
{
    *c->counter = FAULT_CRASHED;
    if (c->on_fault)
        c->on_fault(c->arg);
}

static int crashed(const mfault_ctx_t *c, const char *what, uint64_t off, lr_error_t *err)
{
    return lr_error_at(err, lr_io_name(c->lower), c->error, off,
                       "injected fault: %s after the crash not done", what);
}

static int mfault_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    mfault_ctx_t *c = ctx;
    return lr_io_pread(c->lower, buf, len, off, err);
}

static int mfault_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    mfault_ctx_t *c = ctx;
    if (*c->counter == FAULT_CRASHED)
        return crashed(c, "write", off, err);
    bool counts = c->kind == FAULT_WRITE || c->kind == FAULT_SHORT;
    if (counts && ++*c->counter == c->fail_at && c->fail_at) {
        size_t keep = c->kind == FAULT_SHORT ? (c->keep < len ? (size_t)c->keep : len) : 0;
        int rc = keep ? lr_io_pwrite(c->lower, buf, keep, off, err) : 0;
        if (rc)
            return rc;
        fault_fire(c);
        return lr_error_at(err, lr_io_name(c->lower), c->error, off,
                           "injected fault (%s): write %u (%zu bytes at %llu): %zu bytes written",
                           fault_errname(c->error), c->fail_at, len, (unsigned long long)off, keep);
    }
    if (c->kind == FAULT_SYNC_LOST) {
        int rc = pending_add(c, len, off, err);
        if (rc)
            return rc;
    }
    return lr_io_pwrite(c->lower, buf, len, off, err);
}

static int mfault_sync(void *ctx, lr_error_t *err)
{
    mfault_ctx_t *c = ctx;
    if (*c->counter == FAULT_CRASHED)
        return crashed(c, "sync", LR_NO_OFFSET, err);
    bool counts = c->kind == FAULT_SYNC || c->kind == FAULT_SYNC_LOST;
    if (counts && ++*c->counter == c->fail_at && c->fail_at) {
        size_t lost = 0;
        if (c->kind == FAULT_SYNC_LOST) {
            /* The page cache dropped them: the disk has what it had at
             * the last good sync. Newest first, so overlaps end as before. */
            for (size_t i = c->n_pending; i-- > 0; lost++) {
                const fault_pending_t *p = &c->pending[i];
                int rc = lr_io_pwrite(c->lower, p->old, p->len, p->off, err);
                if (rc)
                    return rc;
            }
            pending_clear(c);
        }
        fault_fire(c);
        return lr_error_at(
            err, lr_io_name(c->lower), c->error, LR_NO_OFFSET,
            "injected fault (%s): sync %u failed%s", fault_errname(c->error), c->fail_at,
            c->kind == FAULT_SYNC_LOST ? (lost ? "; the writes since the last sync were lost"
                                               : "; no write was waiting for it")
                                       : "");
    }
    int rc = lr_io_sync(c->lower, err);
    if (!rc)
        pending_clear(c);
    return rc;
}

static int mfault_close(void *ctx, lr_error_t *err)
{
    mfault_ctx_t *c = ctx;
    int rc = lr_io_close(c->lower, err);
    pending_clear(c);
    free(c->pending);
    free(c);
    return rc;
}

static const lr_io_ops_t mfault_ops = {
    .name = "fault",
    .pread = mfault_pread,
    .pwrite = mfault_pwrite,
    .sync = mfault_sync,
    .close = mfault_close,
};

/* "write", "short=N", "sync" or "sync-lost", then optionally ":eio" or
 * ":enospc". */
static int parse_fault_mode(const char *mode, mfault_ctx_t *c, lr_error_t *err)
{
    const char *colon = mode ? strchr(mode, ':') : NULL;
    size_t n = mode ? (colon ? (size_t)(colon - mode) : strlen(mode)) : 0;
    c->error = -EIO;
    if (colon) {
        if (!strcmp(colon + 1, "enospc"))
            c->error = -ENOSPC;
        else if (strcmp(colon + 1, "eio"))
            goto bad;
    }
    if (n == 5 && !strncmp(mode, "write", 5)) {
        c->kind = FAULT_WRITE;
    } else if (n == 4 && !strncmp(mode, "sync", 4)) {
        c->kind = FAULT_SYNC;
    } else if (n == 9 && !strncmp(mode, "sync-lost", 9)) {
        c->kind = FAULT_SYNC_LOST;
    } else if (n > 6 && !strncmp(mode, "short=", 6)) {
        uint64_t v = 0;
        for (size_t i = 6; i < n; i++) {
            if (mode[i] < '0' || mode[i] > '9' || v > (UINT64_MAX - 9) / 10)
                goto bad;
            v = v * 10 + (uint64_t)(mode[i] - '0');
        }
        c->kind = FAULT_SHORT;
        c->keep = v;
    } else {
        goto bad;
    }
    return 0;
bad:
    return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                        "fault layer: unknown mode '%s' (write, short=N, sync or sync-lost, "
                        "optionally :eio or :enospc)",
                        mode ? mode : "(null)");
}

int lr_test_fault_io_mode(lr_io_t *lower, unsigned *counter, unsigned fail_at, const char *mode,
                          void (*on_fault)(void *arg), void *arg, lr_io_t **out, lr_error_t *err)
{
    if (!lower || !counter || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "fault layer: invalid arguments");
    mfault_ctx_t *c = calloc(1, sizeof(*c));
    if (!c)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = parse_fault_mode(mode, c, err);
    if (rc) {
        free(c);
        return rc;
    }
    c->lower = lower;
    c->counter = counter;
    c->fail_at = fail_at;
    c->on_fault = on_fault;
    c->arg = arg;
    rc = lr_io_new(out, &mfault_ops, c, lr_io_size(lower), lr_io_name(lower), err);
    if (rc)
        free(c);
    return rc;
}

int lr_test_fault_open(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err)
{
    lr_test_fault_t *f = arg;
    lr_io_t *raw = NULL;
    int rc = lr_io_open_rw(&raw, path, flags, err);
    if (rc)
        return rc;
    rc = lr_test_fault_io(raw, &f->counter, f->fail_at, out, err);
    if (rc)
        lr_io_close(raw, NULL);
    return rc;
}
