/* lvmrescue core: image access through a stackable I/O manager.
 *
 * Every image, device or copy is reached through an lr_io_t. Opening for
 * reading is the default and never writes; a writable handle is a separate,
 * explicit call that only repair code makes. Layers (undo, fault injection)
 * stack on another handle through lr_io_new with their own ops, so every write
 * path gets them without knowing it (the e2fsprogs io_manager model). */
#ifndef LR_IO_H
#define LR_IO_H

#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"

typedef struct lr_io lr_io_t;

/* Operations of one I/O layer. `ctx` is the layer's private state. pwrite,
 * sync may be NULL for read-only layers (writes then fail with LR_EREADONLY). */
typedef struct lr_io_ops {
    const char *name;
    /* Reads exactly len bytes at off; a read past the end is LR_ERANGE. */
    int (*pread)(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err);
    /* Writes exactly len bytes at off; never extends past the size. */
    int (*pwrite)(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err);
    /* Makes earlier writes durable (fsync). */
    int (*sync)(void *ctx, lr_error_t *err);
    /* Releases ctx (and closes what it owns). Returns a close/flush error. */
    int (*close)(void *ctx, lr_error_t *err);
} lr_io_ops_t;

enum {
    LR_IO_RDONLY = 0,
    LR_IO_RDWR = 1, /* writable handle (repair only) */
    LR_IO_EXCL = 2, /* with RDWR: O_EXCL on block devices and flock on files */
};

/* Opens a raw image file, a block device, or a gzip image (by content magic,
 * decompressed transparently into anonymous memory) read-only. On success
 * *out is owned by the caller (lr_io_close). Fails with a negative errno or
 * LR_EFORMAT (corrupt gzip); err names the path. */
int lr_io_open(lr_io_t **out, const char *path, lr_error_t *err);

/* Opens a file or block device for reading and writing; flags is
 * LR_IO_RDWR optionally with LR_IO_EXCL. Gzip images cannot be opened for
 * writing (LR_EREADONLY). Refuses when LR_IO_EXCL is given and the device is
 * busy (mounted / held) or the file is locked by another process (-EBUSY). */
int lr_io_open_rw(lr_io_t **out, const char *path, int flags, lr_error_t *err);

/* Wraps a layer: ops/ctx implement it, size is its size in bytes, name is
 * used in messages (copied). On success the handle owns ctx (ops->close is
 * called on lr_io_close). */
int lr_io_new(lr_io_t **out, const lr_io_ops_t *ops, void *ctx, uint64_t size, const char *name,
              lr_error_t *err);

/* Size in bytes. */
uint64_t lr_io_size(const lr_io_t *io);
/* Name (path) for messages; owned by the handle. */
const char *lr_io_name(const lr_io_t *io);
/* 1 if the handle accepts writes. */
int lr_io_writable(const lr_io_t *io);
/* 1 if the handle is a gzip image decompressed in memory. */
int lr_io_is_gzip(const lr_io_t *io);

/* Positioned read of exactly len bytes; bounds-checked against the size
 * (LR_ERANGE, with offset) and short reads retried. */
int lr_io_pread(lr_io_t *io, void *buf, size_t len, uint64_t off, lr_error_t *err);
/* Positioned write of exactly len bytes (LR_EREADONLY on read-only handles). */
int lr_io_pwrite(lr_io_t *io, const void *buf, size_t len, uint64_t off, lr_error_t *err);
/* fsync (a no-op success for read-only handles). */
int lr_io_sync(lr_io_t *io, lr_error_t *err);
/* Closes and frees; returns the layer's close status. NULL is accepted. */
int lr_io_close(lr_io_t *io, lr_error_t *err);

#endif
