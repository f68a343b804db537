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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz check failed: FILE:LINE: EXPR: message" and aborts. */
void lr_fuzz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            lr_fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                  \
    } while (0)

/* An in-memory I/O layer: `prefix` virtual zero bytes (no storage) followed
 * by a copy of data[0..size). The layer checks every request against its own
 * bounds and aborts on one lr_io_pread/pwrite should have refused.
 *
 * When writable, writes are accepted only inside [wlo, whi) (absolute
 * offsets in the layer); a write anywhere else aborts: fuzzed write paths
 * must never touch bytes outside the region they own. Writes into the
 * virtual prefix abort too. */
typedef struct lr_fuzz_mem {
    uint8_t *buf; /* size bytes (malloc'd exactly, so ASan sees overruns) */
    size_t size;
    uint64_t prefix;
    uint64_t total;    /* prefix + size + virtual zero suffix */
    uint64_t wlo, whi; /* allowed write window */
    size_t n_writes;
    size_t n_syncs;
} lr_fuzz_mem_t;

/* Creates the layer and its handle; *mem (may be NULL) receives the layer
 * state, owned by the handle (freed by lr_io_close). */
int lr_fuzz_mem_io(lr_io_t **out, lr_fuzz_mem_t **mem, const uint8_t *data, size_t size,
                   uint64_t prefix, bool writable, const char *name, lr_error_t *err);

/* The same with a virtual zero suffix: the layer is `total` bytes
 * (total >= prefix + size). Writes into the suffix abort too. */
int lr_fuzz_mem_io_sized(lr_io_t **out, lr_fuzz_mem_t **mem, const uint8_t *data, size_t size,
                         uint64_t prefix, uint64_t total, bool writable, const char *name,
                         lr_error_t *err);

/* Little-endian helpers for targets that read fields of their input. */
uint32_t lr_fuzz_le32(const uint8_t *p);
uint64_t lr_fuzz_le64(const uint8_t *p);

#endif
