/* Split raw images: disk.001, disk.002, ... (split -d, dd | split, FTK's
 * and dcfldd's "raw" sets), given as the first segment, read as one image:
 * the segments follow on in name order while the next number exists. No
 * magic tells a split set from a raw file: a file whose name ends in
 * .001 (any width of zeros) with a .002 beside it is one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"

#define SPLIT_MAX 100000 /* segments at most (five digits) */

typedef struct split_seg {
    int fd;
    uint64_t start, size;
} split_seg_t;

typedef struct split_ctx {
    split_seg_t *segs;
    size_t n;
} split_ctx_t;

static void split_free(split_ctx_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        close(c->segs[i].fd);
    free(c->segs);
    free(c);
}

static int split_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    split_ctx_t *c = ctx;
    uint8_t *p = buf;
    size_t i = 0;
    while (i + 1 < c->n && c->segs[i].start + c->segs[i].size <= off)
        i++;
    while (len > 0 && i < c->n) {
        split_seg_t *s = &c->segs[i];
        uint64_t in = off - s->start;
        size_t want = s->size - in < len ? (size_t)(s->size - in) : len;
        ssize_t n = want ? pread(s->fd, p, want, (off_t)in) : 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return lr_error_set(err, -errno, off, "read of segment %zu failed: %s", i + 1,
                                strerror(errno));
        if (n == 0 && want)
            return lr_error_set(err, -EIO, off, "segment %zu shrank", i + 1);
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
        if ((uint64_t)n == s->size - in)
            i++;
    }
    return len ? lr_error_set(err, -EIO, off, "past the last segment") : 0;
}

static int split_close(void *ctx, lr_error_t *err)
{
    (void)err;
    split_free(ctx);
    return 0;
}

static const lr_io_ops_t split_ops = {
    .name = "split",
    .pread = split_pread,
    .close = split_close,
};

/* Where the segment number of path starts (the digits after the last dot),
 * or 0 when the name does not end in .0...01 (at least three digits). */
static size_t split_digits(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return 0;
    size_t n = strlen(dot + 1);
    if (n < 3 || n > 5 || dot[n] != '1')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (dot[i] != '0')
            return 0;
    return (size_t)(dot + 1 - path);
}

/* The name of segment k (1-based) of the set path belongs to. */
static char *split_name(const char *path, size_t at, size_t k)
{
    size_t width = strlen(path) - at;
    char *name = NULL;
    if (asprintf(&name, "%.*s%0*zu", (int)at, path, (int)width, k) < 0)
        return NULL;
    return name;
}

int lr_io_split_is_set(const char *path)
{
    size_t at = split_digits(path);
    if (!at)
        return 0;
    char *second = split_name(path, at, 2);
    struct stat st;
    int yes = second && stat(second, &st) == 0 && S_ISREG(st.st_mode);
    free(second);
    return yes;
}

int lr_io_split_open(lr_io_t **out, int fd, const char *path, lr_error_t *err)
{
    size_t at = split_digits(path);
    split_ctx_t *c = calloc(1, sizeof(*c));
    size_t cap = 0;
    uint64_t total = 0;
    int rc = c ? 0 : lr_error_oom(err);
    for (size_t k = 1; !rc && k < SPLIT_MAX; k++) {
        char *name = split_name(path, at, k);
        int sfd = k == 1 ? fd : name ? open(name, O_RDONLY | O_CLOEXEC) : -1;
        struct stat st;
        if (sfd < 0 && name && errno == ENOENT) {
            free(name);
            break; /* the set ends */
        }
        if (sfd < 0 || fstat(sfd, &st) != 0 || !S_ISREG(st.st_mode)) {
            rc = lr_error_at(err, path, -EIO, LR_NO_OFFSET, "cannot read segment %s",
                             name ? name : "?");
        } else if (c->n == cap) {
            cap = cap ? 2 * cap : 16;
            split_seg_t *s = realloc(c->segs, cap * sizeof(*s));
            if (s)
                c->segs = s;
            else
                rc = lr_error_oom(err);
        }
        if (!rc) {
            c->segs[c->n++] =
                (split_seg_t){.fd = sfd, .start = total, .size = (uint64_t)st.st_size};
            total += (uint64_t)st.st_size;
        } else if (sfd >= 0) {
            close(sfd);
        }
        if (k == 1)
            fd = -1; /* owned by the set now (or closed) */
        free(name);
    }
    if (fd >= 0)
        close(fd);
    if (!rc)
        rc = lr_io_new(out, &split_ops, c, total, path, err);
    if (rc && c)
        split_free(c);
    return rc;
}
