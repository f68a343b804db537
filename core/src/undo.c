/* The undo I/O layer: journals old bytes to the undo file before any write
 * reaches an image.
 *
 * Invariant that makes every state recoverable: for each write, the SAVE
 * records of the ranges it touches for the first time and a STATE record
 * per touched range (the checksum that range will have after the write) are
 * appended and fsynced before the write is passed down. So after a crash at
 * any point, every range of the image holds either its original bytes or
 * one of the announced states, and the file holds the original bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lr/crc.h"
#include "lr/undo.h"
#include "lr/sort.h"
#include "le.h"
#include "write_int.h"

typedef struct undo_range {
    uint32_t image;
    uint64_t offset, length;
    uint8_t *cur; /* what the range holds now as far as the layer knows */
} undo_range_t;

typedef struct undo_image {
    lr_io_t *lower; /* borrowed from the layer; NULL once the layer is closed */
    char *path;
} undo_image_t;

struct lr_undo {
    int fd;
    char *path;
    bool broken; /* a journal write failed: no write may pass any more */
    bool finished;
    size_t n_images;
    undo_image_t *images;
    size_t n_ranges, cap_ranges;
    undo_range_t *ranges;
    size_t n_planned; /* 0: writes are not known in advance */
    lr_undo_planned_t *planned;
};

typedef struct undo_layer {
    lr_undo_t *u;
    uint32_t image;
    lr_io_t *lower; /* owned */
} undo_layer_t;

/* ---- journal records ---------------------------------------------------- */

static int journal_write(lr_undo_t *u, const void *buf, size_t len, lr_error_t *err)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(u->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            u->broken = true;
            return lr_error_at(err, u->path, -e, LR_NO_OFFSET, "cannot write the undo file: %s",
                               strerror(e));
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int journal_sync(lr_undo_t *u, lr_error_t *err)
{
    if (fsync(u->fd) != 0) {
        int e = errno;
        u->broken = true;
        return lr_error_at(err, u->path, -e, LR_NO_OFFSET, "cannot sync the undo file: %s",
                           strerror(e));
    }
    return 0;
}

/* Appends one record: type, payload length, payload pieces, crc of all. */
static int journal_record(lr_undo_t *u, uint32_t type, const void *a, size_t alen, const void *b,
                          size_t blen, lr_error_t *err)
{
    if (alen + blen > UINT32_MAX)
        return lr_error_at(err, u->path, LR_ELIMIT, LR_NO_OFFSET, "undo record too large");
    uint8_t head[8];
    lr_put_le32(head, type);
    lr_put_le32(head + 4, (uint32_t)(alen + blen));
    uint32_t crc = lr_crc(LR_CRC_INITIAL, head, sizeof(head));
    crc = lr_crc(crc, a, alen);
    if (blen)
        crc = lr_crc(crc, b, blen);
    uint8_t tail[4];
    lr_put_le32(tail, crc);
    int rc = journal_write(u, head, sizeof(head), err);
    if (!rc && alen)
        rc = journal_write(u, a, alen, err);
    if (!rc && blen)
        rc = journal_write(u, b, blen, err);
    if (!rc)
        rc = journal_write(u, tail, sizeof(tail), err);
    return rc;
}

static void state_of(const uint8_t *bytes, size_t len, uint32_t *crc, uint8_t sha[LR_SHA256_LEN])
{
    *crc = lr_crc(LR_CRC_INITIAL, bytes, len);
    lr_sha256(bytes, len, sha);
}

/* ---- create / free ------------------------------------------------------- */

/* PLAN record: count, then per range image, offset, length, crc and sha
 * before, crc and sha after. */
#define PLAN_ENTRY (4 + 8 + 8 + 4 + LR_SHA256_LEN + 4 + LR_SHA256_LEN)

static int journal_plan(lr_undo_t *u, lr_error_t *err)
{
    size_t len = 4 + u->n_planned * PLAN_ENTRY;
    uint8_t *rec = calloc(1, len);
    if (!rec)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    lr_put_le32(rec, (uint32_t)u->n_planned);
    for (size_t i = 0; i < u->n_planned; i++) {
        const lr_undo_planned_t *pl = &u->planned[i];
        uint8_t *q = rec + 4 + i * PLAN_ENTRY;
        lr_put_le32(q, pl->image);
        lr_put_le64(q + 4, pl->offset);
        lr_put_le64(q + 12, pl->length);
        lr_put_le32(q + 20, pl->before.crc);
        memcpy(q + 24, pl->before.sha, LR_SHA256_LEN);
        lr_put_le32(q + 24 + LR_SHA256_LEN, pl->after.crc);
        memcpy(q + 28 + LR_SHA256_LEN, pl->after.sha, LR_SHA256_LEN);
    }
    int rc = journal_record(u, LR_UNDO_REC_PLAN, rec, len, NULL, 0, err);
    free(rec);
    return rc;
}

/* An upper bound of what the run appends after the PLAN record: per
 * planned write a SAVE record with its bytes, STATE records for the ranges
 * it touches (its own and, rarely, a few more), an IMAGE record per image
 * (path up to 4096 bytes), and the DONE record. */
static uint64_t journal_bound(const lr_undo_planned_t *planned, size_t n)
{
    const uint64_t rec = 12, save = rec + 28 + LR_SHA256_LEN, state = rec + 8 + LR_SHA256_LEN;
    const uint64_t image = rec + 44 + 4096, done = rec + 16;
    uint64_t b = done + n * (image + 4 * state + 8 + LR_SHA256_LEN);
    for (size_t i = 0; i < n; i++)
        b += save + planned[i].length;
    return b;
}

/* Reserves the space the rest of the journal needs (beyond the end of the
 * file: FALLOC_FL_KEEP_SIZE), so a full file system refuses the run here,
 * before any image is written, instead of stopping it half-way with some
 * images written. A file system without fallocate goes on as before. */
static int journal_reserve(lr_undo_t *u, uint64_t bound, lr_error_t *err)
{
    struct stat st;
    if (fstat(u->fd, &st) != 0)
        return 0;
    if (fallocate(u->fd, FALLOC_FL_KEEP_SIZE, st.st_size, (off_t)bound) == 0)
        return 0;
    int e = errno;
    if (e != ENOSPC && e != EDQUOT && e != EFBIG)
        return 0;
    return lr_error_at(err, u->path, -e, LR_NO_OFFSET,
                       "cannot reserve %llu bytes for the undo file before writing: %s",
                       (unsigned long long)bound, strerror(e));
}

static int create(lr_undo_t **out, const char *path, const lr_undo_planned_t *planned, size_t n,
                  lr_error_t *err)
{
    if (!out || !path || !path[0] || (n && !planned))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo create: invalid arguments");
    *out = NULL;
    if (n > LR_UNDO_MAX_RANGES)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "more than %d planned ranges",
                            LR_UNDO_MAX_RANGES);
    for (size_t i = 0; i < n; i++)
        if (planned[i].length == 0 || planned[i].length > LR_UNDO_MAX_RANGE ||
            planned[i].offset > UINT64_MAX - planned[i].length)
            return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                                "planned range %zu: %llu bytes (1..%u allowed)", i,
                                (unsigned long long)planned[i].length, LR_UNDO_MAX_RANGE);
    lr_undo_t *u = calloc(1, sizeof(*u));
    if (!u || !(u->path = strdup(path)) || (n && !(u->planned = malloc(n * sizeof(*planned))))) {
        if (u)
            free(u->path);
        free(u);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    if (n)
        memcpy(u->planned, planned, n * sizeof(*planned));
    u->n_planned = n;
    /* O_EXCL: an undo file is evidence of an earlier run; never clobber it. */
    u->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (u->fd < 0) {
        int e = errno;
        free(u->planned);
        free(u->path);
        free(u);
        return lr_error_at(err, path, -e, LR_NO_OFFSET, "cannot create the undo file: %s%s",
                           strerror(e),
                           e == EEXIST ? " (choose another name; it is never overwritten)" : "");
    }
    uint8_t h[LR_UNDO_HEADER_SIZE] = {0};
    memcpy(h, LR_UNDO_MAGIC, LR_UNDO_MAGIC_LEN);
    lr_put_le32(h + 8, LR_UNDO_VERSION);
    lr_put_le32(h + 12, LR_UNDO_HEADER_SIZE);
    lr_put_le64(h + 16, (uint64_t)time(NULL));
    lr_put_le32(h + 24, (uint32_t)n);
    lr_put_le32(h + 60, lr_crc(LR_CRC_INITIAL, h, 60));
    int rc = journal_write(u, h, sizeof(h), err);
    /* The plan reaches the disk before any write can pass. */
    if (!rc && n)
        rc = journal_plan(u, err);
    if (!rc && n)
        rc = journal_reserve(u, journal_bound(planned, n), err);
    if (!rc)
        rc = journal_sync(u, err);
    if (!rc)
        rc = lr_sync_dir_of(path, err);
    if (rc) {
        lr_undo_free(u);
        unlink(path);
        return rc;
    }
    *out = u;
    return 0;
}

int lr_undo_create(lr_undo_t **out, const char *path, lr_error_t *err)
{
    return create(out, path, NULL, 0, err);
}

int lr_undo_create_planned(lr_undo_t **out, const char *path, const lr_undo_planned_t *planned,
                           size_t n, lr_error_t *err)
{
    if (n == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo create: no planned range");
    return create(out, path, planned, n, err);
}

/* Gives back what journal_reserve kept beyond the end of the file
 * (truncating to the same size drops blocks past it). */
static void release_reserve(lr_undo_t *u)
{
    struct stat st;
    if (u->fd < 0 || fstat(u->fd, &st) != 0)
        return;
    /* A failure leaves the file whole; only the spare space stays. */
    int rc = ftruncate(u->fd, st.st_size);
    (void)rc;
}

void lr_undo_free(lr_undo_t *u)
{
    if (!u)
        return;
    if (u->fd >= 0) {
        release_reserve(u); /* also when the run stopped before finishing */
        close(u->fd);
    }
    for (size_t i = 0; i < u->n_ranges; i++)
        free(u->ranges[i].cur);
    for (size_t i = 0; i < u->n_images; i++)
        free(u->images[i].path);
    free(u->ranges);
    free(u->images);
    free(u->planned);
    free(u->path);
    free(u);
}

const char *lr_undo_path(const lr_undo_t *u)
{
    return u ? u->path : "";
}

size_t lr_undo_n_ranges(const lr_undo_t *u)
{
    return u ? u->n_ranges : 0;
}

/* ---- ranges --------------------------------------------------------------- */

/* Saves [off, off+len) of image as a new range: old bytes from lower. */
static int range_save(lr_undo_t *u, uint32_t image, lr_io_t *lower, uint64_t off, uint64_t len,
                      lr_error_t *err)
{
    if (u->n_ranges >= LR_UNDO_MAX_RANGES)
        return lr_error_at(err, u->path, LR_ELIMIT, off, "more than %d undo ranges",
                           LR_UNDO_MAX_RANGES);
    if (u->n_ranges == u->cap_ranges) {
        size_t cap = u->cap_ranges ? 2 * u->cap_ranges : 16;
        undo_range_t *r = realloc(u->ranges, cap * sizeof(*r));
        if (!r)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        u->ranges = r;
        u->cap_ranges = cap;
    }
    uint8_t *old = malloc(len ? (size_t)len : 1);
    if (!old)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = lr_io_pread(lower, old, (size_t)len, off, err);
    if (rc) {
        free(old);
        return rc;
    }
    uint8_t rec[4 + 4 + 8 + 8 + 4 + LR_SHA256_LEN];
    uint32_t crc;
    uint8_t sha[LR_SHA256_LEN];
    state_of(old, (size_t)len, &crc, sha);
    lr_put_le32(rec, image);
    lr_put_le32(rec + 4, (uint32_t)u->n_ranges);
    lr_put_le64(rec + 8, off);
    lr_put_le64(rec + 16, len);
    lr_put_le32(rec + 24, crc);
    memcpy(rec + 28, sha, LR_SHA256_LEN);
    rc = journal_record(u, LR_UNDO_REC_SAVE, rec, sizeof(rec), old, (size_t)len, err);
    if (rc) {
        free(old);
        return rc;
    }
    u->ranges[u->n_ranges++] =
        (undo_range_t){.image = image, .offset = off, .length = len, .cur = old};
    return 0;
}

/* Saves every part of [off, off+len) of image not covered by a range yet. */
static int save_gaps(lr_undo_t *u, uint32_t image, lr_io_t *lower, uint64_t off, uint64_t len,
                     lr_error_t *err)
{
    /* Covered intervals clipped to the write, as (start, end) pairs. */
    size_t n = 0;
    uint64_t *iv = malloc((u->n_ranges ? u->n_ranges : 1) * 2 * sizeof(*iv));
    if (!iv)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    uint64_t end = off + len;
    for (size_t i = 0; i < u->n_ranges; i++) {
        const undo_range_t *r = &u->ranges[i];
        uint64_t rs = r->offset, re = r->offset + r->length;
        if (r->image != image || re <= off || rs >= end)
            continue;
        iv[2 * n] = rs < off ? off : rs;
        iv[2 * n + 1] = re > end ? end : re;
        n++;
    }
    qsort(iv, n, 2 * sizeof(*iv), lr_u64_cmp); /* ranges never overlap: sort by start */
    uint64_t pos = off;
    int rc = 0;
    for (size_t i = 0; i <= n && !rc; i++) {
        uint64_t next = i < n ? iv[2 * i] : end;
        if (next > pos)
            rc = range_save(u, image, lower, pos, next - pos, err);
        if (i < n && iv[2 * i + 1] > pos)
            pos = iv[2 * i + 1];
    }
    free(iv);
    return rc;
}

/* Copies the part of a write that falls into range r into dst (r's bytes). */
static void overlay(const undo_range_t *r, uint8_t *dst, const uint8_t *buf, uint64_t off,
                    uint64_t len)
{
    uint64_t s = r->offset > off ? r->offset : off;
    uint64_t e = r->offset + r->length < off + len ? r->offset + r->length : off + len;
    if (s < e)
        memcpy(dst + (s - r->offset), buf + (s - off), (size_t)(e - s));
}

static bool overlaps(const undo_range_t *r, uint32_t image, uint64_t off, uint64_t len)
{
    return r->image == image && r->offset < off + len && off < r->offset + r->length;
}

/* Announces the content every range touched by the write will have. */
static int announce(lr_undo_t *u, uint32_t image, const uint8_t *buf, uint64_t off, uint64_t len,
                    lr_error_t *err)
{
    for (size_t i = 0; i < u->n_ranges; i++) {
        undo_range_t *r = &u->ranges[i];
        if (!overlaps(r, image, off, len))
            continue;
        uint8_t *next = malloc(r->length ? (size_t)r->length : 1);
        if (!next)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        memcpy(next, r->cur, (size_t)r->length);
        overlay(r, next, buf, off, len);
        uint8_t rec[4 + 4 + LR_SHA256_LEN];
        uint32_t crc;
        lr_put_le32(rec, (uint32_t)i);
        state_of(next, (size_t)r->length, &crc, rec + 8);
        lr_put_le32(rec + 4, crc);
        free(next);
        int rc = journal_record(u, LR_UNDO_REC_STATE, rec, sizeof(rec), NULL, 0, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the layer -------------------------------------------------------------- */

/* With a plan, every write lies inside one planned range of its image: the
 * reader checks planned ranges only. */
static bool in_plan(const lr_undo_t *u, uint32_t image, uint64_t off, uint64_t len)
{
    for (size_t i = 0; i < u->n_planned; i++) {
        const lr_undo_planned_t *p = &u->planned[i];
        if (p->image == image && off >= p->offset && len <= p->length &&
            off - p->offset <= p->length - len)
            return true;
    }
    return false;
}

static int layer_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    undo_layer_t *l = ctx;
    return lr_io_pread(l->lower, buf, len, off, err);
}

static int layer_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    undo_layer_t *l = ctx;
    lr_undo_t *u = l->u;
    if (u->broken || u->finished)
        return lr_error_at(err, u->path, LR_EREFUSED, off,
                           u->broken ? "write refused: the undo file could not be written"
                                     : "write refused: the undo run is finished");
    if (u->n_planned && !in_plan(u, l->image, off, len))
        return lr_error_at(err, u->path, LR_EREFUSED, off,
                           "write refused: bytes %llu..%llu of image %u are not a planned range",
                           (unsigned long long)off, (unsigned long long)(off + len - 1), l->image);
    int rc = save_gaps(u, l->image, l->lower, off, len, err);
    if (!rc)
        rc = announce(u, l->image, buf, off, len, err);
    if (!rc)
        rc = journal_sync(u, err);
    if (rc) {
        u->broken = true; /* the journal may hold half a step: stop here */
        return rc;
    }
    rc = lr_io_pwrite(l->lower, buf, len, off, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < u->n_ranges; i++)
        if (overlaps(&u->ranges[i], l->image, off, len))
            overlay(&u->ranges[i], u->ranges[i].cur, buf, off, len);
    return 0;
}

static int layer_sync(void *ctx, lr_error_t *err)
{
    undo_layer_t *l = ctx;
    return lr_io_sync(l->lower, err);
}

static int layer_close(void *ctx, lr_error_t *err)
{
    undo_layer_t *l = ctx;
    if (l->image < l->u->n_images)
        l->u->images[l->image].lower = NULL;
    int rc = lr_io_close(l->lower, err);
    free(l);
    return rc;
}

static const lr_io_ops_t undo_ops = {
    .name = "undo",
    .pread = layer_pread,
    .pwrite = layer_pwrite,
    .sync = layer_sync,
    .close = layer_close,
};

/* IMAGE record: id, size, dev, ino, rdev, kind, path length, path. */
static int record_image(lr_undo_t *u, uint32_t id, const char *path, uint64_t size, lr_error_t *err)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    if (stat(path, &st) != 0) {
        int e = errno;
        return lr_error_at(err, path, -e, LR_NO_OFFSET, "cannot stat the image: %s", strerror(e));
    }
    size_t plen = strlen(path);
    if (plen > 4096)
        return lr_error_at(err, path, LR_ELIMIT, LR_NO_OFFSET, "image path too long");
    uint8_t rec[4 + 8 + 8 + 8 + 8 + 4 + 4];
    lr_put_le32(rec, id);
    lr_put_le64(rec + 4, size);
    lr_put_le64(rec + 12, (uint64_t)st.st_dev);
    lr_put_le64(rec + 20, (uint64_t)st.st_ino);
    lr_put_le64(rec + 28, (uint64_t)st.st_rdev);
    lr_put_le32(rec + 36, S_ISBLK(st.st_mode) ? 1 : 0);
    lr_put_le32(rec + 40, (uint32_t)plen);
    int rc = journal_record(u, LR_UNDO_REC_IMAGE, rec, sizeof(rec), path, plen, err);
    if (!rc)
        rc = journal_sync(u, err);
    return rc;
}

int lr_undo_wrap(lr_undo_t *u, lr_io_t *lower, const char *image_path, lr_io_t **out,
                 lr_error_t *err)
{
    if (!u || !lower || !image_path || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo wrap: invalid arguments");
    *out = NULL;
    if (u->broken || u->finished)
        return lr_error_at(err, u->path, LR_EREFUSED, LR_NO_OFFSET, "the undo run is over");
    if (!lr_io_writable(lower))
        return lr_error_at(err, image_path, LR_EREADONLY, LR_NO_OFFSET,
                           "the undo layer needs a writable handle");
    if (u->n_images >= LR_UNDO_MAX_IMAGES)
        return lr_error_at(err, u->path, LR_ELIMIT, LR_NO_OFFSET, "more than %d images",
                           LR_UNDO_MAX_IMAGES);
    undo_image_t *imgs = realloc(u->images, (u->n_images + 1) * sizeof(*imgs));
    if (!imgs)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    u->images = imgs;
    undo_layer_t *l = calloc(1, sizeof(*l));
    char *p = strdup(image_path);
    if (!l || !p) {
        free(l);
        free(p);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    uint32_t id = (uint32_t)u->n_images;
    /* recorded absolute: the undo file may be applied from another
     * directory (a path realpath cannot resolve is recorded as given) */
    char *abs = realpath(image_path, NULL);
    int rc = record_image(u, id, abs ? abs : image_path, lr_io_size(lower), err);
    free(abs);
    if (rc) {
        free(l);
        free(p);
        return rc;
    }
    *l = (undo_layer_t){.u = u, .image = id, .lower = lower};
    rc = lr_io_new(out, &undo_ops, l, lr_io_size(lower), lr_io_name(lower), err);
    if (rc) {
        free(l);
        free(p);
        return rc;
    }
    u->images[u->n_images++] = (undo_image_t){.lower = lower, .path = p};
    return 0;
}

/* DONE record: time, status, range count, then per range id, crc, sha of
 * the bytes the image holds now. */
int lr_undo_finish(lr_undo_t *u, int status, lr_error_t *err)
{
    if (!u)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo finish: invalid arguments");
    if (u->finished)
        return 0;
    if (u->broken)
        return lr_error_at(err, u->path, LR_EREFUSED, LR_NO_OFFSET,
                           "the undo file could not be written; it ends before the failure");
    size_t per = 4 + 4 + LR_SHA256_LEN;
    size_t len = 8 + 4 + 4 + u->n_ranges * per;
    uint8_t *rec = calloc(1, len);
    if (!rec)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    lr_put_le64(rec, (uint64_t)time(NULL));
    lr_put_le32(rec + 8, (uint32_t)status);
    lr_put_le32(rec + 12, (uint32_t)u->n_ranges);
    int rc = 0;
    for (size_t i = 0; i < u->n_ranges && !rc; i++) {
        undo_range_t *r = &u->ranges[i];
        lr_io_t *io = r->image < u->n_images ? u->images[r->image].lower : NULL;
        if (!io) {
            rc = lr_error_at(err, u->path, -EINVAL, LR_NO_OFFSET,
                             "undo finish: the image handle was closed first");
            break;
        }
        /* Read back: after a failed write the layer cannot know the bytes. */
        rc = lr_io_pread(io, r->cur, (size_t)r->length, r->offset, err);
        if (rc)
            break;
        uint8_t *p = rec + 16 + i * per;
        uint32_t crc;
        lr_put_le32(p, (uint32_t)i);
        state_of(r->cur, (size_t)r->length, &crc, p + 8);
        lr_put_le32(p + 4, crc);
    }
    if (!rc)
        rc = journal_record(u, LR_UNDO_REC_DONE, rec, len, NULL, 0, err);
    free(rec);
    if (!rc)
        rc = journal_sync(u, err);
    if (!rc)
        u->finished = true;
    return rc;
}
