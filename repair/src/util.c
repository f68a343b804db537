/* Small helpers of the repair engine: text buffers, error records, fsync of
 * a directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repair_int.h"

static bool buf_reserve(rp_buf_t *b, size_t more)
{
    if (b->failed)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void rp_buf_add(rp_buf_t *b, const void *data, size_t len)
{
    if (!buf_reserve(b, len))
        return;
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

void rp_buf_printf(rp_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int rp_buf_take(rp_buf_t *b, char **out, size_t *len, lr_error_t *err)
{
    if (!b->failed && !b->p)
        buf_reserve(b, 0);
    if (b->failed) {
        rp_buf_free(b);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    b->p[b->len] = '\0';
    *out = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return 0;
}

void rp_buf_free(rp_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

int rp_fail(lr_error_t *err, const char *where, int code, uint64_t off, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->offset = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->where[0] = '\0';
    if (where)
        snprintf(err->where, sizeof(err->where), "%s", where);
    return code;
}

int rp_sync_dir_of(const char *path, lr_error_t *err)
{
    char *dir = strdup(path);
    if (!dir)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
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
        rc = rp_fail(err, dir, -errno, LR_NO_OFFSET, "cannot sync the directory: %s",
                     strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

bool rp_all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return false;
    return true;
}
