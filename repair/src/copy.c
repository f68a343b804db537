/* --output: copies of the images to repair instead of the originals.
 * Copies are sparse: holes of the source are skipped (SEEK_DATA /
 * SEEK_HOLE), and so are all-zero blocks inside data, so a mostly empty
 * disk image costs only its used bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lr/repair.h"
#include "lr/safety.h"
#include "repair_int.h"

#define BLOCK 4096u
#define CHUNK (1u << 20)

typedef struct copy_job {
    const char *src, *dst;
    const char *snapshot; /* the qcow2 internal snapshot copied (NULL: current state) */
    int in, out;
    lr_io_t *io;   /* a container or compressed image's reader (NULL: raw or gzip) */
    uint64_t data; /* bytes written */
    uint8_t *buf;
} copy_job_t;

static int sys_fail(lr_error_t *err, const char *path, const char *what)
{
    int e = errno;
    return lr_error_at(err, path, -e, LR_NO_OFFSET, "%s: %s", what, strerror(e));
}

/* Writes the non-zero 4 KiB blocks of buf (len bytes, at off). */
static int put_sparse(copy_job_t *j, const uint8_t *buf, size_t len, uint64_t off, lr_error_t *err)
{
    for (size_t pos = 0; pos < len; pos += BLOCK) {
        size_t n = len - pos < BLOCK ? len - pos : BLOCK;
        if (rp_all_zero(buf + pos, n))
            continue;
        size_t done = 0;
        while (done < n) {
            ssize_t w = pwrite(j->out, buf + pos + done, n - done, (off_t)(off + pos + done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return sys_fail(err, j->dst, "write failed");
            done += (size_t)w;
        }
        j->data += n;
    }
    return 0;
}

/* Copies [from, to) of a raw source. */
static int copy_span(copy_job_t *j, uint64_t from, uint64_t to, lr_error_t *err)
{
    while (from < to) {
        size_t want = to - from < CHUNK ? (size_t)(to - from) : CHUNK;
        ssize_t r = pread(j->in, j->buf, want, (off_t)from);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sys_fail(err, j->src, "read failed");
        if (r == 0)
            return lr_error_at(err, j->src, -EIO, from, "unexpected end of file");
        int rc = put_sparse(j, j->buf, (size_t)r, from, err);
        if (rc)
            return rc;
        from += (uint64_t)r;
    }
    return 0;
}

/* Walks the data segments; a source without SEEK_DATA support (a block
 * device, an old file system) is copied as one segment. */
static int copy_raw(copy_job_t *j, uint64_t size, lr_error_t *err)
{
    uint64_t pos = 0;
    while (pos < size) {
        off_t d = lseek(j->in, (off_t)pos, SEEK_DATA);
        if (d < 0 && errno == ENXIO)
            return 0; /* only a hole remains */
        if (d < 0)
            return copy_span(j, pos, size, err);
        off_t h = lseek(j->in, d, SEEK_HOLE);
        uint64_t end = h < 0 || (uint64_t)h > size ? size : (uint64_t)h;
        int rc = copy_span(j, (uint64_t)d, end, err);
        if (rc)
            return rc;
        pos = end;
    }
    return 0;
}

static int copy_gzip(copy_job_t *j, uint64_t *size, lr_error_t *err)
{
    int fd = dup(j->in);
    gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (!gz) {
        if (fd >= 0)
            close(fd);
        return lr_error_at(err, j->src, -ENOMEM, LR_NO_OFFSET, "cannot read the gzip image");
    }
    uint64_t off = 0;
    int rc = 0;
    for (;;) {
        int r = gzread(gz, j->buf, CHUNK);
        if (r < 0) {
            int zerr = 0;
            rc = lr_error_at(err, j->src, LR_EFORMAT, off, "corrupt gzip image: %s",
                             gzerror(gz, &zerr));
            break;
        }
        if (r == 0)
            break;
        rc = put_sparse(j, j->buf, (size_t)r, off, err);
        if (rc)
            break;
        off += (uint64_t)r;
    }
    gzclose(gz);
    *size = off;
    return rc;
}

static bool is_gzip(int fd)
{
    uint8_t m[2];
    return pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/* After a read of *n bytes at off failed: when the reader knows the
 * bytes it met as unreadable (a corrupt xz block or zstd frame, chunks no
 * EWF segment holds: lr_io_bad_range), copies what precedes them and
 * leaves them a hole of zeros (the restore's plan says so), *n then what
 * was passed over; else returns failed, the read's status (err as it set). */
static int copy_around(copy_job_t *j, lr_io_t *io, uint64_t off, size_t *n, int failed,
                       lr_error_t *err)
{
    uint64_t start = 0, end = 0;
    if (lr_io_bad_range(io, off, &start, &end) != 1 || start >= off + *n || end <= off)
        return failed;
    lr_error_clear(err);
    size_t good = start > off ? (size_t)(start - off) : 0;
    int rc = good ? lr_io_pread(io, j->buf, good, off, err) : 0;
    if (!rc && good)
        rc = put_sparse(j, j->buf, good, off, err);
    *n = (size_t)(end - off);
    return rc;
}

/* Makes every range the reader knows as unreadable zeros in the copy:
 * a corrupt xz block's first bytes may have decoded, and been copied,
 * before its damage showed (the plan says the copy holds zeros there). */
static int zero_bad(copy_job_t *j, lr_io_t *io, uint64_t size, lr_error_t *err)
{
    uint64_t start = 0, end = 0;
    memset(j->buf, 0, CHUNK);
    for (uint64_t off = 0; off < size && lr_io_bad_range(io, off, &start, &end) == 1; off = end) {
        if (end <= off)
            break;
        end = end < size ? end : size;
        /* a hole where the filesystem makes one, else zeros written */
        if (fallocate(j->out, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)start,
                      (off_t)(end - start)) == 0)
            continue;
        for (uint64_t at = start; at < end;) {
            size_t n = end - at < CHUNK ? (size_t)(end - at) : CHUNK;
            ssize_t w = pwrite(j->out, j->buf, n, (off_t)at);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return sys_fail(err, j->dst, "write failed");
            at += (uint64_t)w;
        }
    }
    return 0;
}

/* Opens the source through its container or compressed format's reader
 * into j->io when it is one (EWF, qcow2, VMDK, VHD/VHDX, split raw, xz,
 * zstd); a raw file is left to copy_raw, which skips its holes without
 * reading them. Done before the copy is made: a chain's reader then holds
 * its backing files and parents open, which the copy must not replace. */
static int open_container(copy_job_t *j, lr_error_t *err)
{
    lr_io_open_opts_t oo = {.snapshot = j->snapshot};
    int rc = lr_io_open_opts(&j->io, j->src, &oo, err);
    if (rc) {
        j->io = NULL;
        return rc;
    }
    if (!lr_io_is_container(j->io)) {
        lr_io_close(j->io, NULL);
        j->io = NULL;
    }
    return 0;
}

/* Copies the container or compressed image j->io as raw: the format's
 * reader gives the raw bytes, all-zero blocks stay holes. */
static int copy_io(copy_job_t *j, uint64_t *size, lr_error_t *err)
{
    lr_io_t *io = j->io;
    int rc = 0;
    *size = lr_io_size(io);
    for (uint64_t off = 0; !rc && off < *size;) {
        size_t n = *size - off < CHUNK ? (size_t)(*size - off) : CHUNK;
        rc = lr_io_pread(io, j->buf, n, off, err);
        if (rc && rc != -ENOMEM)
            rc = copy_around(j, io, off, &n, rc, err);
        else if (!rc)
            rc = put_sparse(j, j->buf, n, off, err);
        off += n;
    }
    if (!rc)
        rc = zero_bad(j, io, *size, err);
    return rc;
}

/* Name endings a copy drops: compressed files lose the compression's,
 * containers get ".img" for theirs (the copy is raw). */
static const char *const dropped[] = {".gz", ".xz", ".lzma", ".zst", ".zstd"};
static const char *const replaced[] = {".E01",  ".e01",  ".Ex01", ".s01",  ".L01", ".qcow2",
                                       ".qcow", ".vmdk", ".vhd",  ".vhdx", ".VHD", ".VHDX",
                                       ".000",  ".001",  ".ova",  ".OVA"};

static bool ends_with(const char *s, size_t len, const char *end)
{
    size_t n = strlen(end);
    return len > n && strncmp(s + len - n, end, n) == 0;
}

/* The base name a copy gets, as a length into src and a suffix to add: a
 * container's ending replaced by ".img", unless what is left of the name
 * ends so already (a split set's first segment, disk.img.000). */
static const char *copy_base(const char *src, size_t *len, const char **suffix)
{
    const char *slash = strrchr(src, '/');
    const char *base = slash ? slash + 1 : src;
    *len = strlen(base);
    *suffix = "";
    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
        if (ends_with(base, *len, dropped[i]))
            *len -= strlen(dropped[i]);
    for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++)
        if (ends_with(base, *len, replaced[i])) {
            *len -= strlen(replaced[i]);
            *suffix = ends_with(base, *len, ".img") ? "" : ".img";
        }
    return base;
}

int lr_repair_copy_path(const char *src, const char *dir, char **dst, lr_error_t *err)
{
    if (!src || !dir || !dst)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "copy path: invalid arguments");
    *dst = NULL;
    size_t blen;
    const char *suffix;
    const char *base = copy_base(src, &blen, &suffix);
    if (blen == 0)
        return lr_error_at(err, src, -EINVAL, LR_NO_OFFSET, "no file name to copy to");
    if (asprintf(dst, "%s/%.*s%s", dir, (int)blen, base, suffix) < 0)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}

static int open_pair(copy_job_t *j, bool overwrite, uint64_t *size, bool *blk, lr_error_t *err)
{
    struct stat st;
    int rc = lr_open_image_fd(j->src, O_RDONLY, &j->in, &st, err);
    if (rc)
        return lr_error_prefix(err, "cannot open for reading", rc);
    *blk = S_ISBLK(st.st_mode);
    *size = (uint64_t)st.st_size;
    if (*blk) {
        off_t end = lseek(j->in, 0, SEEK_END);
        if (end < 0)
            return sys_fail(err, j->src, "cannot get the device size");
        *size = (uint64_t)end;
    }
    if (!*blk && !is_gzip(j->in) && (rc = open_container(j, err)) != 0)
        return rc;
    struct stat dst_st;
    bool exists = stat(j->dst, &dst_st) == 0;
    if (exists && dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino)
        return lr_error_at(err, j->dst, LR_EREFUSED, LR_NO_OFFSET,
                           "the copy would be the image itself; choose another directory");
    /* a file the image is read from (a qcow2's backing file or a VMDK's
     * parent named as the copy of its overlay is): never replaced,
     * whatever overwrite says; its reader holds it open now */
    if (exists && lr_file_held_here(&dst_st))
        return lr_error_at(err, j->dst, LR_EREFUSED, LR_NO_OFFSET,
                           "the copy would replace a file %s is read from (a backing file or "
                           "a parent); choose another directory",
                           j->src);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    j->out = open(j->dst, flags, 0644);
    if (j->out < 0 && errno == EEXIST)
        return lr_error_hint(err, LR_HINT_OVERWRITE,
                             sys_fail(err, j->dst, "the copy exists already"));
    if (j->out < 0)
        return sys_fail(err, j->dst, "cannot create the copy");
    return 0;
}

int lr_repair_copy_image(const char *src, const char *dir, bool overwrite, const char *snapshot,
                         char **dst, uint64_t *data_bytes, lr_error_t *err)
{
    if (!src || !dir || !dst)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "copy: invalid arguments");
    *dst = NULL;
    copy_job_t j = {.src = src, .snapshot = snapshot, .in = -1, .out = -1};
    char *name = NULL;
    int rc = lr_repair_copy_path(src, dir, &name, err);
    if (rc)
        return rc;
    j.dst = name;
    j.buf = malloc(CHUNK);
    uint64_t size = 0;
    bool blk = false;
    rc = j.buf ? open_pair(&j, overwrite, &size, &blk, err)
               : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (!rc && j.io)
        rc = copy_io(&j, &size, err);
    else if (!rc && !blk && is_gzip(j.in))
        rc = copy_gzip(&j, &size, err);
    else if (!rc)
        rc = copy_raw(&j, size, err);
    /* The size makes the trailing holes; fsync makes the copy durable before
     * anything is written into it. */
    if (!rc && ftruncate(j.out, (off_t)size) != 0)
        rc = sys_fail(err, name, "cannot set the size");
    if (!rc && fsync(j.out) != 0)
        rc = sys_fail(err, name, "fsync failed");
    lr_io_close(j.io, NULL);
    if (j.in >= 0)
        close(j.in);
    if (j.out >= 0)
        close(j.out);
    free(j.buf);
    if (rc) {
        if (j.out >= 0)
            unlink(name); /* only a copy we created */
        free(name);
        return rc;
    }
    if (data_bytes)
        *data_bytes = j.data;
    *dst = name;
    return 0;
}

static int check_copy_dir(const char *dir, lr_error_t *err)
{
    struct stat st;
    if (stat(dir, &st) != 0 && errno == ENOENT)
        return lr_error_at(err, dir, -ENOENT, LR_NO_OFFSET, "no such directory");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return lr_error_at(err, dir, -ENOTDIR, LR_NO_OFFSET, "not a directory");
    return 0;
}

int lr_repair_check_copies(const char *const *images, size_t n, const char *dir, bool overwrite,
                           lr_error_t *err)
{
    if (!images || !dir)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "check copies: invalid arguments");
    int rc = check_copy_dir(dir, err);
    for (size_t i = 0; !rc && i < n; i++) {
        size_t li, lj;
        const char *si, *sj;
        const char *bi = copy_base(images[i], &li, &si);
        for (size_t j = i + 1; !rc && j < n; j++) {
            const char *bj = copy_base(images[j], &lj, &sj);
            if (li == lj && strncmp(bi, bj, li) == 0 && strcmp(si, sj) == 0)
                rc = lr_error_at(err, images[j], -EINVAL, LR_NO_OFFSET,
                                 "two images named %.*s%s would be copied onto one file", (int)li,
                                 bi, si);
        }
        char *dst = NULL;
        struct stat st;
        if (!rc)
            rc = lr_repair_copy_path(images[i], dir, &dst, err);
        if (!rc && !overwrite && lstat(dst, &st) == 0)
            rc = lr_error_hint(err, LR_HINT_OVERWRITE,
                               lr_error_at(err, dst, LR_EREFUSED, LR_NO_OFFSET,
                                           "the copy of %s exists already", images[i]));
        free(dst);
    }
    return rc;
}

int lr_repair_remove_copies(const lr_repair_plan_t *plan, size_t n, size_t *removed,
                            lr_error_t *err)
{
    if (removed)
        *removed = 0;
    if (!plan || n > plan->n_images)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "remove copies: invalid arguments");
    if (plan->executed)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (unlink(plan->images[i].path) != 0) {
            if (!rc)
                rc = sys_fail(err, plan->images[i].path, "cannot remove the copy");
            continue;
        }
        if (removed)
            (*removed)++;
    }
    return rc;
}
