/* lvmrescue fuzz targets: the check helper and little-endian reads (the
 * in-memory I/O layer is the test support library's, tests/support/mem_io.c). */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>

void lr_fuzz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz check failed: %s:%d: %s: ", file, line, expr);
    va_start(ap, fmt);
    lr_test_abortv(fmt, ap);
}

uint32_t lr_fuzz_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t lr_fuzz_le64(const uint8_t *p)
{
    return (uint64_t)lr_fuzz_le32(p) | (uint64_t)lr_fuzz_le32(p + 4) << 32;
}
