/* An in-memory lr_io layer for tests and fuzz targets (no cmocka: the fuzz
 * targets link it too). It checks every request against its own bounds and
 * aborts with a message on one lr_io_pread/pwrite should have refused, so
 * such a bug is a crash to libFuzzer and a failure to a cmocka test. */
#ifndef LR_TEST_MEM_IO_H
#define LR_TEST_MEM_IO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

/* The layer: `prefix` virtual zero bytes (no storage), then buf[0..size),
 * then virtual zero bytes up to `total`.
 *
 * When writable, writes are accepted only inside [wlo, whi) (absolute
 * offsets in the layer); a write anywhere else aborts: write paths under
 * test must never touch bytes outside the region they own. Writes into the
 * virtual prefix or suffix abort too. */
typedef struct lr_test_mem {
    uint8_t *buf; /* size bytes (malloc'd exactly, so ASan sees overruns) */
    size_t size;
    uint64_t prefix;
    uint64_t total;    /* prefix + size + virtual zero suffix */
    uint64_t wlo, whi; /* allowed write window */
    size_t n_writes;
    size_t n_syncs;
    bool borrowed; /* buf is the caller's: not freed by close */
} lr_test_mem_t;

/* Creates the layer over a copy of data[0..size) and its handle; *mem (may
 * be NULL) receives the layer state, owned by the handle (freed by
 * lr_io_close). The write window starts empty. */
int lr_test_mem_io(lr_io_t **out, lr_test_mem_t **mem, const uint8_t *data, size_t size,
                   uint64_t prefix, bool writable, const char *name, lr_error_t *err);

/* The same with a virtual zero suffix: the layer is `total` bytes
 * (total >= prefix + size). */
int lr_test_mem_io_sized(lr_io_t **out, lr_test_mem_t **mem, const uint8_t *data, size_t size,
                         uint64_t prefix, uint64_t total, bool writable, const char *name,
                         lr_error_t *err);

/* A layer over the caller's buf itself (not copied, not freed): writes land
 * in buf, anywhere inside it. */
int lr_test_mem_borrow(lr_io_t **out, uint8_t *buf, size_t size, bool writable, const char *name,
                       lr_error_t *err);

/* Prints the message and a newline on stderr and aborts (for checks that
 * must crash a fuzz target and fail a test alike). */
void lr_test_abortv(const char *fmt, va_list ap) __attribute__((noreturn));

#endif
