/* lvmrescue fuzz targets: shared declarations.
 *
 * Every target is one .c file defining LLVMFuzzerTestOneInput. It is built
 * twice: with -fsanitize=fuzzer as a libFuzzer target (LR_FUZZ=ON, clang),
 * and with replay_main.c as a replay executable in the normal build, which
 * ctest runs over the seed corpus and tests/fuzz/regressions/TARGET/.
 *
 * A target aborts (FUZZ_CHECK) when a property the headers promise does
 * not hold, so such a violation is a crash to libFuzzer and a failure to
 * the replay test. */
#ifndef LR_FUZZ_H
#define LR_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"
#include "mem_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz check failed: FILE:LINE: EXPR: message" and aborts. */
void lr_fuzz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            lr_fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                  \
    } while (0)

/* The in-memory I/O layer (lr_test_mem_io, lr_test_mem_io_sized) is the
 * test support library's: tests/support/mem_io.h. */

/* Little-endian helpers for targets that read fields of their input. */
uint32_t lr_fuzz_le32(const uint8_t *p);
uint64_t lr_fuzz_le64(const uint8_t *p);

#endif
