/* Image access: the lr_io_t handle and the file/block-device layer (gzip
 * images: io_gzip.c). Reading never writes: lr_io_open opens O_RDONLY and
 * only lr_io_open_rw gives a handle with a pwrite op. */
#include "lr/io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"
#include "lr/safety.h"

/* ------------------------------------------------------------------ */
/* Handle                                                              */

int lr_io_new(lr_io_t **out, const lr_io_ops_t *ops, void *ctx, uint64_t size, const char *name,
              lr_error_t *err)
{
    if (!out || !ops || !ops->pread || !ops->close)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "I/O layer without pread/close");
    *out = NULL;
    lr_io_t *io = calloc(1, sizeof(*io));
    char *copy = strdup(name ? name : "");
    if (!io || !copy) {
        free(io);
        free(copy);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    io->ops = ops;
    io->ctx = ctx;
    io->size = size;
    io->size_known = true;
    io->size_hint = size;
    io->name = copy;
    *out = io;
    return 0;
}

/* ---- a borrowed handle: every call passed down, close leaves it open ---- */

static int borrow_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    return lr_io_pread(ctx, buf, len, off, err);
}

static int borrow_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    return lr_io_pwrite(ctx, buf, len, off, err);
}

static int borrow_sync(void *ctx, lr_error_t *err)
{
    return lr_io_sync(ctx, err);
}

static int borrow_close(void *ctx, lr_error_t *err)
{
    (void)ctx; /* the lender's */
    (void)err;
    return 0;
}

static const lr_io_ops_t borrow_ops = {
    .name = "borrowed",
    .pread = borrow_pread,
    .pwrite = borrow_pwrite,
    .sync = borrow_sync,
    .close = borrow_close,
};

int lr_io_borrow(lr_io_t *io, lr_io_t **out, lr_error_t *err)
{
    if (!io || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "borrow: invalid arguments");
    return lr_io_new(out, &borrow_ops, io, lr_io_size(io), lr_io_name(io), err);
}

/* A lazily opened layer publishes its size while one thread streams it
 * and another (the scan's prober thread, keeping ranges) reads behind it:
 * the size fields are read and written atomically, the size before
 * size_known (io_int.h). */
static uint64_t io_size(const lr_io_t *io)
{
    return __atomic_load_n(&io->size, __ATOMIC_RELAXED);
}

static bool io_size_known(const lr_io_t *io)
{
    return __atomic_load_n(&io->size_known, __ATOMIC_ACQUIRE);
}

uint64_t lr_io_size(const lr_io_t *io)
{
    return io ? io_size(io) : 0;
}

const char *lr_io_name(const lr_io_t *io)
{
    return io && io->name ? io->name : "";
}

int lr_io_writable(const lr_io_t *io)
{
    return io && io->ops->pwrite != NULL;
}

int lr_io_is_gzip(const lr_io_t *io)
{
    return io && io->is_gzip;
}

const char *lr_io_format(const lr_io_t *io)
{
    return lr_io_fmt_name(io ? io->fmt : LR_IO_FMT_RAW);
}

const char *lr_io_probe_format(const char *path)
{
    struct stat st;
    /* stat first: a FIFO would block the open; a device is served raw */
    if (!path || stat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
        return NULL;
    if (S_ISBLK(st.st_mode))
        return lr_io_fmt_name(LR_IO_FMT_RAW);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    int fmt = LR_IO_FMT_RAW, rc = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ? -EINVAL : 0;
    char *note = NULL;
    lr_io_member_t member = {0};
    if (!rc)
        rc = lr_io_detect(fd, path, (uint64_t)st.st_size, &fmt, &note, &member, NULL);
    free(note);
    close(fd);
    if (rc)
        return NULL;
    return lr_io_fmt_name(member.fmt != LR_IO_FMT_RAW ? member.fmt : fmt);
}

int lr_io_is_container(const lr_io_t *io)
{
    return io && io->fmt != LR_IO_FMT_RAW;
}

bool lr_io_size_known(const lr_io_t *io)
{
    return !io || io_size_known(io);
}

uint64_t lr_io_size_hint(const lr_io_t *io)
{
    if (!io)
        return 0;
    uint64_t hint = __atomic_load_n(&io->size_hint, __ATOMIC_RELAXED);
    bool known = io_size_known(io);
    uint64_t size = io_size(io);
    return known || hint < size ? size : hint;
}

void lr_io_set_size(lr_io_t *io, uint64_t size, bool known, uint64_t hint)
{
    __atomic_store_n(&io->size, size, __ATOMIC_RELAXED);
    __atomic_store_n(&io->size_hint, hint, __ATOMIC_RELAXED);
    __atomic_store_n(&io->size_known, known, __ATOMIC_RELEASE);
}

/* Rejects [off, off+len) unless it lies inside [0, size); overflow-safe. */
static int io_check_range(const lr_io_t *io, size_t len, uint64_t off, const char *what,
                          lr_error_t *err)
{
    if (!io_size_known(io)) { /* the layer finds its end: only overflow here */
        if (off > UINT64_MAX - len)
            return lr_error_at(err, io->name, LR_ERANGE, off, "%s of %zu bytes at %llu overflows",
                               what, len, (unsigned long long)off);
        return 0;
    }
    uint64_t size = io_size(io);
    if (off > size || (uint64_t)len > size - off) {
        return lr_error_at(err, io->name, LR_ERANGE, off,
                           "%s of %zu bytes at %llu runs past the end (%llu bytes)", what, len,
                           (unsigned long long)off, (unsigned long long)size);
    }
    return 0;
}

int lr_io_pread(lr_io_t *io, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    if (!io || (!buf && len))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "pread: invalid arguments");
    int rc = io_check_range(io, len, off, "read", err);
    if (rc || len == 0)
        return rc;
    rc = io->ops->pread(io->ctx, buf, len, off, err);
    if (rc)
        lr_error_wrap(err, io->name, rc);
    return rc;
}

int lr_io_pread_upto(lr_io_t *io, void *buf, size_t len, uint64_t off, size_t *got, lr_error_t *err)
{
    if (got)
        *got = 0;
    if (!io || !got || (!buf && len))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "pread: invalid arguments");
    if (!io_size_known(io)) {
        lr_error_t e;
        lr_error_clear(&e);
        int rc = lr_io_pread(io, buf, len, off, &e);
        if (!rc) {
            *got = len;
            return 0;
        }
        /* LR_ERANGE with the size now known: the end lies inside the read */
        if (rc != LR_ERANGE || !io_size_known(io)) {
            if (err)
                *err = e;
            return rc;
        }
    }
    uint64_t size = io_size(io);
    if (off >= size)
        return 0;
    size_t n = (uint64_t)len < size - off ? len : (size_t)(size - off);
    int rc = lr_io_pread(io, buf, n, off, err);
    if (!rc)
        *got = n;
    return rc;
}

int lr_io_pwrite(lr_io_t *io, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    if (!io || (!buf && len))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "pwrite: invalid arguments");
    if (!io->ops->pwrite) {
        return lr_error_at(err, io->name, LR_EREADONLY, off,
                           "write refused: the handle is read-only");
    }
    int rc = io_check_range(io, len, off, "write", err);
    if (rc || len == 0)
        return rc;
    rc = io->ops->pwrite(io->ctx, buf, len, off, err);
    if (rc)
        lr_error_wrap(err, io->name, rc);
    return rc;
}

int lr_io_sync(lr_io_t *io, lr_error_t *err)
{
    if (!io)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "sync: no handle");
    if (!io->ops->pwrite || !io->ops->sync)
        return 0; /* nothing can have been written */
    int rc = io->ops->sync(io->ctx, err);
    if (rc)
        lr_error_wrap(err, io->name, rc);
    return rc;
}

int lr_io_add_note(lr_io_t *io, const char *text)
{
    if (io->n_notes == LR_IO_MAX_NOTES)
        return 0;
    char **grown = realloc(io->notes, (io->n_notes + 1) * sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    io->notes = grown;
    if (!(grown[io->n_notes] = strdup(text)))
        return -ENOMEM;
    io->n_notes++;
    return 0;
}

const char *lr_io_note(const lr_io_t *io, size_t i)
{
    if (io && io->ops == &borrow_ops)
        return lr_io_note(io->ctx, i);
    return io && i < io->n_notes ? io->notes[i] : NULL;
}

int lr_io_close(lr_io_t *io, lr_error_t *err)
{
    if (!io)
        return 0;
    int rc = io->ops->close(io->ctx, err);
    if (rc)
        lr_error_wrap(err, io->name, rc);
    for (size_t i = 0; i < io->n_notes; i++)
        free(io->notes[i]);
    free(io->notes);
    free(io->snapshot);
    free(io->name);
    free(io);
    return rc;
}

/* ------------------------------------------------------------------ */
/* File / block device layer                                           */

typedef struct fd_ctx {
    int fd;
    int dfd;             /* LR_IO_DIRECT: the device opened with O_DIRECT, else -1 */
    uint64_t prefetched; /* bytes lr_io_keep asked the page cache to read ahead */
} fd_ctx_t;

int lr_io_fd_pread(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
    uint8_t *p = buf;
    *got = 0;
    while (*got < len) {
        if (off + *got > (uint64_t)INT64_MAX)
            return -EOVERFLOW;
        ssize_t n = pread(fd, p + *got, len - *got, (off_t)(off + *got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        *got += (size_t)n;
    }
    return 0;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    size_t got;
    int rc = lr_io_fd_pread(fd, buf, len, off, &got);
    if (rc == -EOVERFLOW && off + got > (uint64_t)INT64_MAX)
        return lr_error_set(err, LR_ERANGE, off + got, "offset beyond what pread can address");
    if (rc)
        return lr_error_set(err, rc, off + got, "read failed: %s", strerror(-rc));
    if (got < len) /* the file shrank under us */
        return lr_error_set(err, -EIO, off + got, "unexpected end of file");
    return 0;
}

/* A read O_DIRECT can serve (LR_IO_DIRECT): large, and aligned in memory,
 * length and place for any logical block size up to 4 KiB. */
static bool direct_fits(const void *buf, size_t len, uint64_t off)
{
    return len >= LR_IO_DIRECT_MIN &&
           (((uintptr_t)buf | (uintptr_t)len | (uintptr_t)off) & (LR_IO_DIRECT_ALIGN - 1)) == 0;
}

static int fd_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    fd_ctx_t *c = ctx;
    if (c->dfd >= 0 && direct_fits(buf, len, off)) {
        lr_error_t e;
        lr_error_clear(&e);
        int rc = pread_all(c->dfd, buf, len, off, &e);
        /* a device refusing this O_DIRECT read is read through the cache */
        if (rc != -EINVAL) {
            if (rc && err)
                *err = e;
            return rc;
        }
    }
    return pread_all(c->fd, buf, len, off, err);
}

static int fd_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    fd_ctx_t *c = ctx;
    const uint8_t *p = buf;
    while (len > 0) {
        if (off > (uint64_t)INT64_MAX)
            return lr_error_set(err, LR_ERANGE, off, "offset beyond what pwrite can address");
        ssize_t n = pwrite(c->fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            return lr_error_set(err, -e, off, "write failed: %s", strerror(e));
        }
        if (n == 0)
            return lr_error_set(err, -EIO, off, "write made no progress");
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int fd_sync(void *ctx, lr_error_t *err)
{
    fd_ctx_t *c = ctx;
    if (fsync(c->fd) != 0) {
        int e = errno;
        return lr_error_set(err, -e, LR_NO_OFFSET, "fsync failed: %s", strerror(e));
    }
    return 0;
}

static int fd_close(void *ctx, lr_error_t *err)
{
    fd_ctx_t *c = ctx;
    int rc = 0;
    if (c->fd >= 0 && close(c->fd) != 0) {
        int e = errno;
        rc = lr_error_set(err, -e, LR_NO_OFFSET, "close failed: %s", strerror(e));
    }
    if (c->dfd >= 0)
        close(c->dfd); /* read-only: nothing to lose */
    free(c);
    return rc;
}

static const lr_io_ops_t fd_ro_ops = {
    .name = "file",
    .pread = fd_pread,
    .pwrite = NULL,
    .sync = NULL,
    .close = fd_close,
};

static const lr_io_ops_t fd_rw_ops = {
    .name = "file-rw",
    .pread = fd_pread,
    .pwrite = fd_pwrite,
    .sync = fd_sync,
    .close = fd_close,
};

/* lr_io_keep for a device read with O_DIRECT: the stream's large reads
 * bypass the page cache, so the passes after it (metadata areas, the
 * evidence's LV heads) would each wait on the device; asking the kernel to
 * read those ranges into the cache now (POSIX_FADV_WILLNEED, asynchronous)
 * overlaps them with the stream. Bounded by LR_IO_PREFETCH_MAX per handle;
 * the counter is atomic, as lr_io_keep may be called from another thread. */
static int fd_keep(fd_ctx_t *c, uint64_t off, uint64_t len)
{
    uint64_t done = __atomic_load_n(&c->prefetched, __ATOMIC_RELAXED);
    if (len == 0)
        return done < LR_IO_PREFETCH_MAX;
    if (len > LR_IO_PREFETCH_MAX - (done < LR_IO_PREFETCH_MAX ? done : LR_IO_PREFETCH_MAX) ||
        off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX)
        return 0;
    __atomic_fetch_add(&c->prefetched, len, __ATOMIC_RELAXED);
    return posix_fadvise(c->fd, (off_t)off, (off_t)len, POSIX_FADV_WILLNEED) == 0;
}

int lr_io_keep(lr_io_t *io, uint64_t off, uint64_t len)
{
    if (!io || off > UINT64_MAX - len)
        return 0;
    if (lr_io_direct(io))
        return fd_keep(io->ctx, off, len);
    return lr_io_stream_keep(io, off, len);
}

void lr_io_settle(lr_io_t *io)
{
    lr_io_stream_settle(io);
}

bool lr_io_direct(const lr_io_t *io)
{
    if (!io || (io->ops != &fd_ro_ops && io->ops != &fd_rw_ops))
        return false;
    const fd_ctx_t *c = io->ctx;
    return c->dfd >= 0;
}

/* Records an errno-style failure of a system call on path. */
static int io_sys_error(lr_error_t *err, const char *path, const char *what, int e)
{
    return lr_error_at(err, path, -e, LR_NO_OFFSET, "%s: %s", what, strerror(e));
}

/* Size of an open regular file or block device; anything else is refused
 * (a directory or a character device is not an image). */
static int io_fd_size(int fd, const char *path, bool *is_blk, uint64_t *size, lr_error_t *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return io_sys_error(err, path, "stat failed", errno);
    *is_blk = S_ISBLK(st.st_mode);
    if (*is_blk) {
        uint64_t bytes = 0;
        if (ioctl(fd, BLKGETSIZE64, &bytes) != 0)
            return io_sys_error(err, path, "BLKGETSIZE64 failed", errno);
        *size = bytes;
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        return lr_error_at(err, path, -EINVAL, LR_NO_OFFSET, "not a regular file or block device");
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Opens path with flags, adding O_NOATIME when the kernel lets us (it only
 * does for the file's owner), so that reading leaves even atime alone; a
 * FIFO or character device is refused without blocking (lr_open_image_fd). */
static int io_open_fd(const char *path, int flags, int *fd, lr_error_t *err)
{
    return lr_open_image_fd(path, flags | O_NOATIME, fd, NULL, err);
}

static int io_wrap_fd(lr_io_t **out, const lr_io_ops_t *ops, int fd, uint64_t size,
                      const char *path, lr_error_t *err)
{
    fd_ctx_t *c = calloc(1, sizeof(*c)); /* prefetched starts at 0 */
    if (!c) {
        close(fd);
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    c->fd = fd;
    c->dfd = -1;
    int rc = lr_io_new(out, ops, c, size, path, err);
    if (rc) {
        fd_close(c, NULL);
        return lr_error_wrap(err, path, rc);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Public openers                                                      */

size_t lr_io_snapshots(const lr_io_t *io)
{
    return io ? io->n_snapshots : 0;
}

const char *lr_io_snapshot(const lr_io_t *io)
{
    return io ? io->snapshot : NULL;
}

int lr_io_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    return lr_io_open_opts(out, path, NULL, err);
}

int lr_io_open_opts(lr_io_t **out, const char *path, const lr_io_open_opts_t *opts, lr_error_t *err)
{
    if (!out || !path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "open: invalid arguments");
    *out = NULL;
    if (opts && (opts->flags & ~(unsigned)(LR_IO_PARTIAL | LR_IO_LAZY | LR_IO_DIRECT))) {
        return lr_error_at(err, path, -EINVAL, LR_NO_OFFSET,
                           "read-only open with flags 0x%x (only LR_IO_PARTIAL, LR_IO_LAZY and "
                           "LR_IO_DIRECT are accepted)",
                           opts->flags);
    }
    int fd = -1;
    int rc = io_open_fd(path, O_RDONLY, &fd, err);
    if (rc)
        return lr_error_prefix(err, "cannot open for reading", rc);
    bool is_blk = false;
    uint64_t size = 0;
    rc = io_fd_size(fd, path, &is_blk, &size, err);
    if (rc) {
        close(fd);
        return rc;
    }
    /* Scans and copies read front to back: let the kernel read ahead in
     * larger steps (only a hint; random reads stay correct). */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    /* Only a regular file can be a container or compressed image; a device
     * is always served raw, whatever its first bytes are. */
    int fmt = LR_IO_FMT_RAW;
    char *note = NULL; /* a plain tar archive's, a device's (lr_io_device_note) */
    lr_io_member_t member = {0};
    if (is_blk)
        note = lr_io_device_note(fd, path);
    else
        rc = lr_io_detect(fd, path, size, &fmt, &note, &member, err);
    if (rc) {
        close(fd);
        return rc;
    }
    if (opts && opts->snapshot && fmt != LR_IO_FMT_QCOW) {
        close(fd);
        free(note);
        char what[64] = "a block device";
        if (!is_blk)
            snprintf(what, sizeof(what), "%s %s image", lr_io_fmt_a(fmt), lr_io_fmt_label(fmt));
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                           "%s, not a qcow2 image: it holds no internal snapshots, so the "
                           "snapshot \"%s\" cannot be read from it",
                           what, opts->snapshot);
    }
    if (member.fmt != LR_IO_FMT_RAW) {
        rc = lr_io_member_open(out, fd, path, &member, note, err);
        free(note);
        return rc;
    }
    if (fmt != LR_IO_FMT_RAW) {
        free(note); /* only a raw file and a tar archive have one */
        rc = lr_io_format_open(out, fmt, fd, path, opts, err);
        if (!rc && opts && opts->snapshot && !((*out)->snapshot = strdup(opts->snapshot))) {
            lr_io_close(*out, NULL);
            *out = NULL;
            return lr_error_oom(err);
        }
        return rc;
    }
    rc = io_wrap_fd(out, &fd_ro_ops, fd, size, path, err);
    if (!rc && note && lr_io_add_note(*out, note) != 0) {
        lr_io_close(*out, NULL);
        *out = NULL;
        rc = lr_error_oom(err);
    }
    free(note);
    if (!rc && is_blk && opts && (opts->flags & LR_IO_DIRECT)) {
        fd_ctx_t *c = (*out)->ctx;
        c->dfd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT); /* -1: reads stay buffered */
    }
    return rc;
}

/* Takes the exclusive lock LR_IO_EXCL asks for on an open fd (a regular
 * file: flock; a block device: reopen with O_EXCL, which the kernel
 * refuses while the device is mounted or held). Returns the fd to use. */
static int io_lock_excl(int fd, bool is_blk, const char *path, int *out_fd, lr_error_t *err)
{
    if (is_blk) {
        int xfd = open(path, O_RDWR | O_CLOEXEC | O_EXCL);
        if (xfd < 0) {
            int e = errno;
            if (e == EBUSY) {
                return lr_error_at(err, path, -EBUSY, LR_NO_OFFSET,
                                   "device is busy (mounted, or held by another user): refusing "
                                   "exclusive open");
            }
            return io_sys_error(err, path, "exclusive open failed", e);
        }
        close(fd);
        *out_fd = xfd;
        return 0;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            return lr_error_at(err, path, -EBUSY, LR_NO_OFFSET,
                               "file is locked by another process: refusing exclusive open");
        }
        return io_sys_error(err, path, "flock failed", e);
    }
    *out_fd = fd;
    return 0;
}

/* A read-only block device (losetup -r, a write-protected disk) opens for
 * writing but fails every write: refused at the open, before anything
 * (an undo file) is made for it. */
static int io_check_read_only(int fd, const char *path, lr_error_t *err)
{
    int ro = 0;
    if (ioctl(fd, BLKROGET, &ro) != 0)
        return io_sys_error(err, path, "BLKROGET failed", errno);
    if (ro)
        return lr_error_at(err, path, LR_EREADONLY, LR_NO_OFFSET,
                           "the device is read-only: nothing can be written to it");
    return 0;
}

int lr_io_open_rw(lr_io_t **out, const char *path, int flags, lr_error_t *err)
{
    if (!out || !path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "open: invalid arguments");
    *out = NULL;
    if (!(flags & LR_IO_RDWR) || (flags & ~(LR_IO_RDWR | LR_IO_EXCL))) {
        return lr_error_at(err, path, -EINVAL, LR_NO_OFFSET,
                           "open_rw needs LR_IO_RDWR (flags 0x%x)", flags);
    }
    int fd = -1;
    int rc = lr_open_image_fd(path, O_RDWR, &fd, NULL, err);
    if (rc)
        return lr_error_prefix(err, "cannot open for writing", rc);
    bool is_blk = false;
    uint64_t size = 0;
    rc = io_fd_size(fd, path, &is_blk, &size, err);
    int fmt = LR_IO_FMT_RAW;
    if (!rc && is_blk)
        rc = io_check_read_only(fd, path, err);
    if (!rc && !is_blk)
        rc = lr_io_detect(fd, path, size, &fmt, NULL, NULL, err);
    if (!rc && fmt != LR_IO_FMT_RAW) {
        rc = lr_error_at(err, path, LR_EREADONLY, LR_NO_OFFSET,
                         "%s image cannot be opened for writing; convert it to raw first",
                         lr_io_fmt_label(fmt));
    }
    if (!rc && (flags & LR_IO_EXCL))
        rc = io_lock_excl(fd, is_blk, path, &fd, err);
    if (!rc && (flags & LR_IO_EXCL))
        rc = lr_dev_check_unused(path, err);
    if (rc) {
        close(fd);
        return rc;
    }
    return io_wrap_fd(out, &fd_rw_ops, fd, size, path, err);
}
