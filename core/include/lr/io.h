/* lvmrescue core: image access through a stackable I/O manager.
 *
 * Every image, device or copy is reached through an lr_io_t. Opening for
 * reading is the default and never writes; a writable handle is a separate,
 * explicit call that only repair code makes. Layers (undo, fault injection)
 * stack on another handle through lr_io_new with their own ops, so every write
 * path gets them without knowing it (the e2fsprogs io_manager model). */
#ifndef LR_IO_H
#define LR_IO_H

#include <stdbool.h>
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
    /* lr_io_open_opts only: a damaged gzip image (truncated, corrupt deflate
     * data, bad trailer, garbage after it) opens anyway, serving the bytes
     * that decompressed before the damage; lr_io_damage() tells what happened. */
    LR_IO_PARTIAL = 4,
    /* lr_io_open_opts only: open without a pass over the data (the single-pass
     * rule for compressed images). A layer that would check or index its
     * input at open (gzip; later xz, zstd, ...) does it while the handle is
     * read instead: access points are recorded as the reads first pass them,
     * and the size is only known once a read has reached the end
     * (lr_io_size_known). Until then lr_io_size() is the bytes known to exist
     * so far, a read past them goes on decompressing, and a read past the end
     * fails with LR_ERANGE after the size became known: lr_io_pread_upto
     * streams such a handle to its end. Damage is found by the read that
     * reaches it: without LR_IO_PARTIAL that read fails; with it the image
     * ends there (lr_io_size() = what decompressed) and lr_io_damage() says
     * why. The open itself reads the first LR_IO_HEAD bytes (to refuse a
     * compressed file that holds an image format or an archive, not a
     * disk), so damage within them is found at open. Raw files and devices
     * ignore the flag (their size is known). */
    LR_IO_LAZY = 8,
    /* lr_io_open_opts only: on a block device, reads of at least
     * LR_IO_DIRECT_MIN bytes whose buffer, length and offset are multiples of
     * LR_IO_DIRECT_ALIGN bypass the page cache (a second descriptor opened
     * with O_DIRECT), so a scan streams a cold disk at the device's rate
     * instead of its read-ahead's; other reads stay buffered. Only for a
     * handle that no one writes to meanwhile (a scan). Ignored for files and
     * where O_DIRECT cannot be opened. */
    LR_IO_DIRECT = 16,
};
#define LR_IO_DIRECT_ALIGN 4096u
#define LR_IO_DIRECT_MIN (64u << 10)

/* Opens a raw image file, a block device, or a container or compressed
 * image read-only. On success *out is owned by the caller (lr_io_close).
 * Fails with a negative errno or LR_EFORMAT (corrupt gzip); err names the
 * path. Same as lr_io_open_opts with no options.
 *
 * The format of a regular file is told by its content (a block device is
 * always raw): gzip, EWF/E01 (libewf: the .E02... segments are found
 * beside it), qcow2 (libqcow: backing files followed when they are found
 * as named or beside the image, encrypted images refused with
 * LR_EREFUSED; see docs/image-formats.md), VMDK (libvmdk: monolithic, or a descriptor with
 * its extent files beside it; delta disks read through their parents, found
 * like qcow2 backing files, a parent whose content id changed refused with
 * LR_EREFUSED), VHD and VHDX (libvhdi; differencing disks read through their
 * parents); a chain of more than 16 parents is LR_ELIMIT, a loop LR_EFORMAT; xz (liblzma) and
 * zstd (libzstd); a file named NAME.001 with NAME.002 beside it is the
 * first segment of a split raw set; a plain tar archive whose one image is a
 * VMDK holding its descriptor (an OVA) is that VMDK, read where it lies
 * (libvmdk and libbfio's header), and one holding other images is refused
 * with LR_EREFUSED. Each library is optional: without it
 * such an image fails with -ENOTSUP and a message naming the library.
 * A refused chain (missing backing file or parent) is -ENOENT or LR_EREFUSED.
 * Formats no library here reads (VirtualBox VDI, QED, Parallels, LUKS) and
 * compressors we do not read fail with -ENOTSUP naming them.
 *
 * A gzip image is read in one decompression pass at open (unless
 * LR_IO_LAZY: then while it is read), which checks it whole and records an access point every
 * LR_IO_GZIP_SPAN bytes of output (the compressed offset and the 32 KiB of output before it, as
 * zlib's examples/zran.c); reads inflate forward from the nearest access point, or continue the
 * stream of the previous read, so reading the image in order decompresses it once. Memory: 32 KiB
 * per access point (at most LR_IO_GZIP_MAX_POINTS: the span doubles past that) plus a 2 MiB history
 * of recent output, whatever the image size. A gzip handle keeps that stream: use it from one
 * thread at a time. */
int lr_io_open(lr_io_t **out, const char *path, lr_error_t *err);

#define LR_IO_GZIP_SPAN (16u << 20) /* default output bytes between gzip access points */
/* Bytes of a compressed image's content read at open to tell what it
 * holds (a tar header and its POSIX extended records) */
#define LR_IO_HEAD 4608u
#define LR_IO_GZIP_MAX_POINTS 256 /* access points kept per gzip image */

/* Progress of the decompression pass that opens a gzip image: `done` of
 * `total` compressed bytes. Returning non-zero stops it: the open fails with
 * -ECANCELED. */
typedef int (*lr_io_progress_fn)(void *arg, uint64_t done, uint64_t total);

typedef struct lr_io_open_opts {
    unsigned flags;             /* 0, LR_IO_PARTIAL, LR_IO_LAZY, LR_IO_DIRECT */
    uint64_t gzip_span;         /* output bytes between access points; 0: LR_IO_GZIP_SPAN */
    lr_io_progress_fn progress; /* may be NULL; called about every 16 MiB of compressed input
                                   of the pass at open (never with LR_IO_LAZY: there is none) */
    void *progress_arg;
    /* An internal snapshot of a qcow2 image to read in place of its current
     * state, by id, else by name (qemu-img snapshot -l lists them); NULL:
     * the current state. An image of another format, or a qcow2 image with
     * no snapshot so named, is refused (LR_EREFUSED). */
    const char *snapshot;
} lr_io_open_opts_t;

/* lr_io_open with options (opts may be NULL). Read-only like lr_io_open;
 * flags other than LR_IO_PARTIAL, LR_IO_LAZY and LR_IO_DIRECT are refused
 * (-EINVAL). Every
 * read-only open advises the kernel that the file is read sequentially
 * (posix_fadvise), which doubles its read-ahead for a scan of a cold disk. */
int lr_io_open_opts(lr_io_t **out, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err);

/* How many internal snapshots (older states of the disk: a qcow2 image's)
 * the image holds, whether one of them is read or not; 0 for other
 * formats. */
size_t lr_io_snapshots(const lr_io_t *io);
/* The internal snapshot io reads in place of the image's current state,
 * as lr_io_open_opts_t.snapshot named it (io's text); NULL: the current
 * state. A program reopening the image opens this one again. */
const char *lr_io_snapshot(const lr_io_t *io);

/* For a gzip image opened with LR_IO_PARTIAL (an xz or zstd image likewise,
 * for the damage its reads met: the image ending at a piece that broke off,
 * or a piece decoded whole but failing its check): 0 when it decompressed whole;
 * otherwise the status lr_io_open would have failed with, *why (may be NULL)
 * its error record (naming the image; the offset is in the compressed file)
 * and *truncated (may be NULL) true when decompression stopped inside the
 * compressed data, so that lr_io_size() bytes are all that could be
 * recovered, false when all of it decompressed and only what follows it is
 * bad, or a member's bytes do not give its checksum (lr_io_unsure_range).
 * 0 for every other handle. */
int lr_io_damage(const lr_io_t *io, bool *truncated, lr_error_t *why);

/* Bytes an image decodes but cannot vouch for, found so far (at open, or
 * by reads): 1 with *start and *end (may be NULL) the first such range
 * [start, end) ending after off, 0 when there is none (raw files, devices,
 * containers). Such bytes read as they decode, but some of them may be
 * wrong and no check can say which: a copy of them is not known to be what
 * was written. They are:
 *   - a gzip member (LR_IO_PARTIAL only) that decompressed whole but whose
 *     bytes do not give the CRC-32 its trailer records; reading goes on
 *     with the next member (without LR_IO_PARTIAL the open or read fails
 *     as for other damage); each such member is a note (lr_io_note) and,
 *     when it is the image's first damage, lr_io_damage's record;
 *   - the part of a corrupt xz block or zstd frame its decoder made before
 *     the damage showed (the piece's check, at its end, could not be
 *     made); the rest of the piece is lr_io_bad_range's.
 * Never fails. */
int lr_io_unsure_range(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end);

/* The notes a layer recorded about the image when it was opened: verdicts
 * that did not stop it from being read, e.g. a VHD footer or dynamic
 * header whose stored checksum is not the one its bytes give (every file
 * of a VHD chain is checked; each note names its file). A .zst opened with
 * LR_IO_LAZY adds one while it is first read in order, when a frame needs
 * a larger window than the frames before it: read them again once that
 * read is done (not while another thread reads the handle). Returns the i-th
 * note (from 0) as one line of text, NULL past the last one, for a NULL
 * handle and for handles without notes (most). A borrowed handle
 * (lr_io_borrow) gives its lender's. The text is the handle's: valid until
 * lr_io_close. Never fails. */
const char *lr_io_note(const lr_io_t *io, size_t i);

/* For an xz or zstd image: 1 when a piece (an xz block, a zstd frame) at or
 * after decompressed offset off was found corrupt by an earlier read, with
 * *start and *end (may be NULL) the decompressed range [start, end) of it
 * that does not read (from where its decoder was when the damage showed:
 * what it made before is lr_io_unsure_range's), the first such range; 0 when none is known (every
 * other handle). For an EWF set that is incomplete (a segment missing or cut), the same for the
 * gaps of chunks no segment found holds, *start no lower than off; for a qcow2 chain, the clusters
 * an earlier read failed on (compressed data that does not decode, a read of the file that failed).
 * Those bytes are unreadable: every read touching them fails with the
 * error the first one met (naming the image, the compressed offset and the
 * range), while the rest of the image reads as before. A reader streaming
 * the image goes on at *end. */
int lr_io_bad_range(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end);

/* Tells the handle that the caller will read [off, off + len) again later.
 * A layer that cannot seek cheaply (a single-piece xz or zstd image, where
 * a read behind its history decodes from the file's start; a zstd image
 * opened with LR_IO_LAZY counts as one piece until a second frame is met)
 * copies those
 * bytes aside as it decodes past them, or at once if its history still
 * holds them, and serves later reads of them from the copy; a read partly
 * inside is served from it for that part. The copy is compressed (4 KiB
 * pages of zeros held as holes, the rest deflated at level 1 in 64 KiB
 * chunks, or raw where that does not pay), so that the heads and tails of
 * hundreds of LVs fit. Correctness never depends on it: a range whose
 * bytes went by before it was registered, or the part of one that does not
 * fit in LR_IO_KEEP_MAX bytes held (compressed, with the ranges' tables)
 * per handle, is simply decoded again when read. At most 8192 ranges.
 * Memory: the bytes held and 0.6 MiB of zlib state and buffers, freed at
 * lr_io_close. Returns 1 when the range is (or already was) kept, 0 when
 * it is not: the handle does not keep ranges (raw files, devices read
 * through the page cache, gzip, xz and zstd images of several pieces, and
 * the container formats: they seek cheaply enough), the budget is spent
 * (a chunk did not fit), or there is no memory. A range is accepted
 * before its bytes come: when the budget runs out while they are decoded,
 * it holds what it had. len 0 asks whether the handle keeps ranges and has
 * room left (1), so that a caller can spare the work of planning more.
 * Safe to call from another thread while the handle is being read. */
int lr_io_keep(lr_io_t *io, uint64_t off, uint64_t len);
/* A device opened with LR_IO_DIRECT (whose stream bypasses the page cache)
 * keeps differently: lr_io_keep asks the kernel to read the range into
 * the page cache now (POSIX_FADV_WILLNEED), so that the reads after the
 * stream do not wait on the device; at most LR_IO_PREFETCH_MAX bytes per
 * handle, no memory of the process. */
#define LR_IO_PREFETCH_MAX (64u << 20)

#define LR_IO_KEEP_MAX (8u << 20) /* bytes lr_io_keep holds per handle (compressed) */

/* Tells the handle that the reads just behind its stream are over (the
 * scan's passes are done; what comes now reads the kept ranges). An xz or
 * zstd image lets its 4 MiB history of recent output and its decoder's
 * window go, after the kept ranges took what they need of the history:
 * later reads are served as before, from the kept ranges and the image's
 * edges, or by decoding again (the history and the decoder are made again
 * then). Any other handle: nothing. NULL is accepted; safe while another
 * thread reads the handle. */
void lr_io_settle(lr_io_t *io);

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

/* A handle that passes every read, write and sync to io and leaves io open
 * when it is closed: lends a handle the caller keeps to a stack of layers
 * that owns its lower handle (a transaction writing through an image the
 * caller holds open and locked). io must outlive *out, which is the
 * caller's (lr_io_close). -EINVAL, -ENOMEM. */
int lr_io_borrow(lr_io_t *io, lr_io_t **out, lr_error_t *err);

/* One piece of a concatenated handle: len bytes at off of io (borrowed). */
typedef struct lr_io_extent {
    lr_io_t *io;
    uint64_t off, len;
} lr_io_extent_t;

/* A read-only handle whose bytes are the n extents one after the other (an
 * LV's segments on their PVs). The extents are copied, their handles
 * borrowed: each must outlive *out, which is the caller's (lr_io_close).
 * name is for messages. -EINVAL (no extents, an extent past its handle),
 * LR_ERANGE (total size overflows), -ENOMEM. */
int lr_io_concat(lr_io_t **out, const lr_io_extent_t *ext, size_t n, const char *name,
                 lr_error_t *err);

/* Size in bytes. For a handle opened with LR_IO_LAZY whose size is not yet
 * known: the bytes known to exist so far (a lower bound). */
uint64_t lr_io_size(const lr_io_t *io);
/* true unless the handle was opened with LR_IO_LAZY and no read has reached
 * its end yet. */
bool lr_io_size_known(const lr_io_t *io);
/* The size when known, else an estimate for progress reports only (a gzip
 * image: the bytes decompressed so far scaled by the share of the
 * compressed file read); never less than lr_io_size(). */
uint64_t lr_io_size_hint(const lr_io_t *io);
/* true when reads of the handle that fit LR_IO_DIRECT (at least
 * LR_IO_DIRECT_MIN bytes, LR_IO_DIRECT_ALIGN-aligned) bypass the page cache:
 * a block device opened with LR_IO_DIRECT whose O_DIRECT descriptor opened.
 * A streaming reader uses larger reads then (each is a device request). */
bool lr_io_direct(const lr_io_t *io);
/* Name (path) for messages; owned by the handle. */
const char *lr_io_name(const lr_io_t *io);
/* 1 if the handle accepts writes. */
int lr_io_writable(const lr_io_t *io);
/* 1 if the handle is a gzip image (decompressed on the fly). */
int lr_io_is_gzip(const lr_io_t *io);
/* The handle's image format: "raw" (a file, a block device, or any layer
 * stacked by lr_io_new), "gzip", "ewf", "qcow2", "vmdk", "vhd", "vhdx",
 * "xz", "zstd", "split" or "lzma" (legacy .lzma). A static string. */
const char *lr_io_format(const lr_io_t *io);
/* The format path's content says it holds, told as lr_io_open tells it
 * but without opening the format (an lr_io_format answer, static; "raw"
 * for a block device): for an image that did not open (an encrypted
 * qcow2, a backing file missing) to say what it is. NULL when the file
 * does not read or lr_io_open refuses it before its format is known (a
 * split set's later segment). Never fails otherwise; reads at most the
 * file's first bytes, its last 512 and a tar archive's headers. */
const char *lr_io_probe_format(const char *path);
/* The name of a format (an lr_io_format answer) for people: "EWF (E01)",
 * "qcow2", "VMDK", "split raw"... A static string (format itself when it
 * is not known). */
const char *lr_io_format_label(const char *format);
/* The optional libraries the core reads with, one per call, i from 0:
 * the image formats' (libewf, libqcow, libvmdk, libvhdi, liblzma,
 * libzstd: the format table's), libbfio (a VHDX's log replayed), liblzo2
 * (btrfs's lzo files), libext2fs (ext2/3/4's records). A static string, its name as its
 * project gives it; NULL past the last. *built (may be NULL): whether
 * this build has it (a library it lacks is said by name where it would
 * have served). */
const char *lr_io_library(size_t i, bool *built);
/* 1 if the handle is a container or compressed image (every format but
 * raw): read-only, it cannot be written in place. */
int lr_io_is_container(const lr_io_t *io);

/* Positioned read of exactly len bytes; bounds-checked against the size
 * (LR_ERANGE, with offset) and short reads retried. */
int lr_io_pread(lr_io_t *io, void *buf, size_t len, uint64_t off, lr_error_t *err);
/* Positioned read of up to len bytes: fewer only at the end of the image
 * (*got = bytes read, 0 at or past the end). The way to stream a handle
 * whose size is not known yet (LR_IO_LAZY) to its end; on any handle the
 * same as lr_io_pread of min(len, size - off) bytes. A layer recording
 * access points as it goes sees the reads in order, so streaming a
 * compressed image with it decompresses it once. Fails like lr_io_pread. */
int lr_io_pread_upto(lr_io_t *io, void *buf, size_t len, uint64_t off, size_t *got,
                     lr_error_t *err);
/* Positioned write of exactly len bytes (LR_EREADONLY on read-only handles). */
int lr_io_pwrite(lr_io_t *io, const void *buf, size_t len, uint64_t off, lr_error_t *err);
/* fsync (a no-op success for read-only handles). */
int lr_io_sync(lr_io_t *io, lr_error_t *err);
/* Closes and frees; returns the layer's close status. NULL is accepted. */
int lr_io_close(lr_io_t *io, lr_error_t *err);

#endif
