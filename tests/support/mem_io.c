/* The in-memory lr_io layer of the tests and the fuzz targets. */
#include "mem_io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lr_test_abortv(const char *fmt, va_list ap)
{
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

/* Prints "test memory layer: message" and aborts: the caller broke a
 * promise of lr/io.h or wrote outside its region. */
static void mem_abort(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void mem_abort(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "test memory layer: ");
    va_start(ap, fmt);
    lr_test_abortv(fmt, ap);
}

static uint64_t mem_total(const lr_test_mem_t *m)
{
    return m->total;
}

/* The layer's own bounds check: lr_io_pread/pwrite must have refused
 * anything outside [0, total) before calling us. */
static void mem_bounds(const lr_test_mem_t *m, size_t len, uint64_t off, const char *op)
{
    if (!(off <= mem_total(m) && len <= mem_total(m) - off))
        mem_abort("%s of %zu bytes at %llu reached the layer outside its %llu bytes", op, len,
                  (unsigned long long)off, (unsigned long long)mem_total(m));
}

static int mem_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)err;
    lr_test_mem_t *m = ctx;
    mem_bounds(m, len, off, "read");
    uint8_t *dst = buf;
    if (off < m->prefix) {
        uint64_t z = m->prefix - off;
        size_t nz = z < len ? (size_t)z : len;
        memset(dst, 0, nz);
        dst += nz;
        len -= nz;
        off += nz;
    }
    if (len && off - m->prefix < m->size) {
        uint64_t avail = m->size - (off - m->prefix);
        size_t n = avail < len ? (size_t)avail : len;
        memcpy(dst, m->buf + (off - m->prefix), n);
        dst += n;
        len -= n;
    }
    if (len)
        memset(dst, 0, len); /* the virtual zero suffix */
    return 0;
}

static int mem_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)err;
    lr_test_mem_t *m = ctx;
    mem_bounds(m, len, off, "write");
    if (!(off >= m->wlo && off <= m->whi && len <= m->whi - off))
        mem_abort("write of %zu bytes at %llu outside the allowed range [%llu, %llu)", len,
                  (unsigned long long)off, (unsigned long long)m->wlo, (unsigned long long)m->whi);
    if (!(off >= m->prefix && off - m->prefix <= m->size && len <= m->size - (off - m->prefix)))
        mem_abort("write of %zu bytes at %llu into the virtual prefix or suffix", len,
                  (unsigned long long)off);
    if (len)
        memcpy(m->buf + (off - m->prefix), buf, len);
    m->n_writes++;
    return 0;
}

static int mem_sync(void *ctx, lr_error_t *err)
{
    (void)err;
    lr_test_mem_t *m = ctx;
    m->n_syncs++;
    return 0;
}

static int mem_close(void *ctx, lr_error_t *err)
{
    (void)err;
    lr_test_mem_t *m = ctx;
    if (!m->borrowed)
        free(m->buf);
    free(m);
    return 0;
}

static const lr_io_ops_t mem_ro_ops = {
    .name = "test-mem",
    .pread = mem_pread,
    .close = mem_close,
};

static const lr_io_ops_t mem_rw_ops = {
    .name = "test-mem-rw",
    .pread = mem_pread,
    .pwrite = mem_pwrite,
    .sync = mem_sync,
    .close = mem_close,
};

int lr_test_mem_io(lr_io_t **out, lr_test_mem_t **mem, const uint8_t *data, size_t size,
                   uint64_t prefix, bool writable, const char *name, lr_error_t *err)
{
    return lr_test_mem_io_sized(out, mem, data, size, prefix, prefix + size, writable, name, err);
}

int lr_test_mem_io_sized(lr_io_t **out, lr_test_mem_t **mem, const uint8_t *data, size_t size,
                         uint64_t prefix, uint64_t total, bool writable, const char *name,
                         lr_error_t *err)
{
    if (total < prefix + size)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "layer smaller than its data");
    lr_test_mem_t *m = calloc(1, sizeof(*m));
    if (!m)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    /* malloc(0) may return NULL; keep one byte so the pointer is valid. */
    m->buf = malloc(size ? size : 1);
    if (!m->buf) {
        free(m);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    if (size)
        memcpy(m->buf, data, size);
    m->size = size;
    m->prefix = prefix;
    m->total = total;
    m->wlo = m->whi = 0;
    int rc = lr_io_new(out, writable ? &mem_rw_ops : &mem_ro_ops, m, total, name, err);
    if (rc) {
        mem_close(m, NULL);
        return rc;
    }
    if (mem)
        *mem = m;
    return 0;
}

int lr_test_mem_borrow(lr_io_t **out, uint8_t *buf, size_t size, bool writable, const char *name,
                       lr_error_t *err)
{
    lr_test_mem_t *m = calloc(1, sizeof(*m));
    if (!m)
        return lr_error_oom(err);
    m->buf = buf;
    m->size = size;
    m->total = size;
    m->whi = size;
    m->borrowed = true;
    int rc = lr_io_new(out, writable ? &mem_rw_ops : &mem_ro_ops, m, size, name, err);
    if (rc)
        free(m);
    return rc;
}
