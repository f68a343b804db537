/* A read-only handle over extents of other handles, in order: an LV's
 * segments seen as one device (a thin pool's metadata LV). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/io.h"

typedef struct concat {
    size_t n;
    lr_io_extent_t *ext;
    uint64_t *start; /* byte of the concatenation where ext[i] begins */
} concat_t;

/* The extent holding byte off (off < size). */
static size_t find_extent(const concat_t *c, uint64_t off)
{
    size_t lo = 0, hi = c->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int concat_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    const concat_t *c = ctx;
    unsigned char *p = buf;
    size_t i = find_extent(c, off);
    while (len) {
        uint64_t at = off - c->start[i];
        uint64_t left = c->ext[i].len - at;
        size_t take = left < len ? (size_t)left : len;
        int rc = lr_io_pread(c->ext[i].io, p, take, c->ext[i].off + at, err);
        if (rc)
            return rc;
        p += take;
        len -= take;
        off += take;
        i++;
    }
    return 0;
}

static int concat_close(void *ctx, lr_error_t *err)
{
    (void)err;
    concat_t *c = ctx;
    free(c->ext);
    free(c->start);
    free(c);
    return 0;
}

static const lr_io_ops_t concat_ops = {
    .name = "concat",
    .pread = concat_pread,
    .close = concat_close,
};

int lr_io_concat(lr_io_t **out, const lr_io_extent_t *ext, size_t n, const char *name,
                 lr_error_t *err)
{
    if (!out || !ext || n == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "concat: no extents");
    *out = NULL;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t end;
        if (!ext[i].io || ext[i].len == 0 || __builtin_add_overflow(ext[i].off, ext[i].len, &end) ||
            end > lr_io_size(ext[i].io))
            return lr_error_at(err, name, -EINVAL, ext[i].off,
                               "extent %zu is empty or runs past %s", i,
                               ext[i].io ? lr_io_name(ext[i].io) : "its image");
        if (__builtin_add_overflow(total, ext[i].len, &total))
            return lr_error_at(err, name, LR_ERANGE, LR_NO_OFFSET, "extents too large");
    }
    concat_t *c = calloc(1, sizeof(*c));
    if (c) {
        c->ext = malloc(n * sizeof(*c->ext));
        c->start = malloc(n * sizeof(*c->start));
    }
    if (!c || !c->ext || !c->start) {
        if (c)
            concat_close(c, NULL);
        return lr_error_oom(err);
    }
    c->n = n;
    memcpy(c->ext, ext, n * sizeof(*ext));
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        c->start[i] = at;
        at += ext[i].len;
    }
    int rc = lr_io_new(out, &concat_ops, c, total, name, err);
    if (rc)
        concat_close(c, NULL);
    return rc;
}
