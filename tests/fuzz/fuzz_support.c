/* lvmrescue fuzz targets: the in-memory I/O layer and the check helper. */
#include "fuzz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lr_fuzz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz check failed: %s:%d: %s: ", file, line, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

uint32_t lr_fuzz_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t lr_fuzz_le64(const uint8_t *p)
{
    return (uint64_t)lr_fuzz_le32(p) | (uint64_t)lr_fuzz_le32(p + 4) << 32;
}

static uint64_t mem_total(const lr_fuzz_mem_t *m)
{
    return m->total;
}

/* The layer's own bounds check: lr_io_pread/pwrite must have refused
 * anything outside [0, total) before calling us. */
static void mem_bounds(const lr_fuzz_mem_t *m, size_t len, uint64_t off, const char *op)
{
    FUZZ_CHECK(off <= mem_total(m) && len <= mem_total(m) - off,
               "%s of %zu bytes at %llu reached the layer outside its %llu bytes", op, len,
               (unsigned long long)off, (unsigned long long)mem_total(m));
}

static int mem_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)err;
    lr_fuzz_mem_t *m = ctx;
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
    lr_fuzz_mem_t *m = ctx;
    mem_bounds(m, len, off, "write");
    FUZZ_CHECK(off >= m->wlo && off <= m->whi && len <= m->whi - off,
               "write of %zu bytes at %llu outside the allowed range [%llu, %llu)", len,
               (unsigned long long)off, (unsigned long long)m->wlo, (unsigned long long)m->whi);
    FUZZ_CHECK(off >= m->prefix && off - m->prefix <= m->size && len <= m->size - (off - m->prefix),
               "write of %zu bytes at %llu into the virtual prefix or suffix", len,
               (unsigned long long)off);
    if (len)
        memcpy(m->buf + (off - m->prefix), buf, len);
    m->n_writes++;
    return 0;
}

static int mem_sync(void *ctx, lr_error_t *err)
{
    (void)err;
    lr_fuzz_mem_t *m = ctx;
    m->n_syncs++;
    return 0;
}

static int mem_close(void *ctx, lr_error_t *err)
{
    (void)err;
    lr_fuzz_mem_t *m = ctx;
    free(m->buf);
    free(m);
    return 0;
}

static const lr_io_ops_t mem_ro_ops = {
    .name = "fuzz-mem",
    .pread = mem_pread,
    .close = mem_close,
};

static const lr_io_ops_t mem_rw_ops = {
    .name = "fuzz-mem-rw",
    .pread = mem_pread,
    .pwrite = mem_pwrite,
    .sync = mem_sync,
    .close = mem_close,
};

int lr_fuzz_mem_io(lr_io_t **out, lr_fuzz_mem_t **mem, const uint8_t *data, size_t size,
                   uint64_t prefix, bool writable, const char *name, lr_error_t *err)
{
    return lr_fuzz_mem_io_sized(out, mem, data, size, prefix, prefix + size, writable, name, err);
}

int lr_fuzz_mem_io_sized(lr_io_t **out, lr_fuzz_mem_t **mem, const uint8_t *data, size_t size,
                         uint64_t prefix, uint64_t total, bool writable, const char *name,
                         lr_error_t *err)
{
    if (total < prefix + size)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "layer smaller than its data");
    lr_fuzz_mem_t *m = calloc(1, sizeof(*m));
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
