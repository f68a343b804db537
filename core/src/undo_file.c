/* Undo files: reading, checking an image against them, and putting the
 * original bytes back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/crc.h"
#include "lr/safety.h"
#include "lr/undo.h"
#include "le.h"
#include "write_int.h"

#define REC_HEAD 8
#define REC_TAIL 4
#define MAX_FILE ((uint64_t)LR_UNDO_MAX_RANGES * 64 + (8ull << 30))

void lr_undo_file_free(lr_undo_file_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_images; i++)
        free(f->images[i].path);
    for (size_t i = 0; i < f->n_ranges; i++)
        free(f->ranges[i].before);
    free(f->images);
    free(f->ranges);
    free(f->planned);
    free(f);
}

/* Reads the whole file; undo files are small (old metadata areas). */
static int slurp(const char *path, uint8_t **data, uint64_t *len, lr_error_t *err)
{
    int fd = -1;
    struct stat st;
    int rc = lr_open_image_fd(path, O_RDONLY, &fd, &st, err);
    if (rc)
        return lr_error_prefix(err, "cannot open the undo file", rc);
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE) {
        close(fd);
        return lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                           "not an undo file (not a regular "
                           "file, or too large)");
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = got;
    return 0;
}

static int parse_header(const uint8_t *d, uint64_t len, lr_undo_file_t *f, const char *path,
                        lr_error_t *err)
{
    if (len < LR_UNDO_HEADER_SIZE || memcmp(d, LR_UNDO_MAGIC, LR_UNDO_MAGIC_LEN) != 0)
        return lr_error_at(err, path, LR_EFORMAT, 0, "not an lvmrepair undo file (no %s magic)",
                           LR_UNDO_MAGIC);
    if (lr_get_le32(d + 60) != lr_crc(LR_CRC_INITIAL, d, 60))
        return lr_error_at(err, path, LR_ECHECKSUM, 60, "undo file header checksum mismatch");
    f->version = lr_get_le32(d + 8);
    if ((f->version != 1 && f->version != LR_UNDO_VERSION) ||
        lr_get_le32(d + 12) != LR_UNDO_HEADER_SIZE)
        return lr_error_at(err, path, LR_EFORMAT, 8, "undo file version %u is not supported",
                           f->version);
    f->created = (int64_t)lr_get_le64(d + 16);
    if (f->version >= 2)
        f->n_planned = lr_get_le32(d + 24);
    if (f->n_planned > LR_UNDO_MAX_RANGES)
        return lr_error_at(err, path, LR_ELIMIT, 24, "%zu planned ranges, at most %d", f->n_planned,
                           LR_UNDO_MAX_RANGES);
    return 0;
}

#define PLAN_ENTRY (4 + 8 + 8 + 4 + LR_SHA256_LEN + 4 + LR_SHA256_LEN)

/* The PLAN record comes first, before any other record, when the header
 * announces one. */
static int add_plan(lr_undo_file_t *f, const uint8_t *p, uint32_t plen, const char *path,
                    uint64_t at, lr_error_t *err)
{
    if (!f->n_planned || f->has_plan || f->n_images || f->n_ranges || plen < 4 ||
        lr_get_le32(p) != f->n_planned || plen != 4 + f->n_planned * PLAN_ENTRY)
        return lr_error_at(err, path, LR_EFORMAT, at, "malformed plan record");
    f->planned = calloc(f->n_planned, sizeof(*f->planned));
    if (!f->planned)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < f->n_planned; i++) {
        const uint8_t *q = p + 4 + i * PLAN_ENTRY;
        lr_undo_planned_t *pl = &f->planned[i];
        pl->image = lr_get_le32(q);
        pl->offset = lr_get_le64(q + 4);
        pl->length = lr_get_le64(q + 12);
        pl->before.crc = lr_get_le32(q + 20);
        memcpy(pl->before.sha, q + 24, LR_SHA256_LEN);
        pl->after.crc = lr_get_le32(q + 24 + LR_SHA256_LEN);
        memcpy(pl->after.sha, q + 28 + LR_SHA256_LEN, LR_SHA256_LEN);
        if (pl->length == 0 || pl->length > LR_UNDO_MAX_RANGE ||
            pl->offset > UINT64_MAX - pl->length || pl->image >= LR_UNDO_MAX_IMAGES)
            return lr_error_at(err, path, LR_EFORMAT, at, "malformed plan record (range %zu)", i);
    }
    f->has_plan = true;
    return 0;
}

static int add_image(lr_undo_file_t *f, const uint8_t *p, uint32_t plen, const char *path,
                     uint64_t at, lr_error_t *err)
{
    if (plen < 44 || lr_get_le32(p) != f->n_images || f->n_images >= LR_UNDO_MAX_IMAGES ||
        lr_get_le32(p + 40) != plen - 44)
        return lr_error_at(err, path, LR_EFORMAT, at, "malformed image record");
    lr_undo_image_t *imgs = realloc(f->images, (f->n_images + 1) * sizeof(*imgs));
    if (!imgs)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    f->images = imgs;
    lr_undo_image_t *im = &f->images[f->n_images];
    memset(im, 0, sizeof(*im));
    im->size = lr_get_le64(p + 4);
    im->dev = lr_get_le64(p + 12);
    im->ino = lr_get_le64(p + 20);
    im->rdev = lr_get_le64(p + 28);
    im->blockdev = lr_get_le32(p + 36) == 1;
    im->path = malloc(plen - 44 + 1);
    if (!im->path)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    memcpy(im->path, p + 44, plen - 44);
    im->path[plen - 44] = '\0';
    if (strlen(im->path) != plen - 44)
        return lr_error_at(err, path, LR_EFORMAT, at, "image path with a NUL byte");
    f->n_images++;
    return 0;
}

static int add_range(lr_undo_file_t *f, const uint8_t *p, uint32_t plen, const char *path,
                     uint64_t at, lr_error_t *err)
{
    const size_t fixed = 28 + LR_SHA256_LEN;
    if (plen < fixed)
        return lr_error_at(err, path, LR_EFORMAT, at, "malformed save record");
    uint32_t image = lr_get_le32(p);
    uint64_t off = lr_get_le64(p + 8), length = lr_get_le64(p + 16);
    if (image >= f->n_images || lr_get_le32(p + 4) != f->n_ranges || length != plen - fixed ||
        length > LR_UNDO_MAX_RANGE || off > f->images[image].size ||
        length > f->images[image].size - off)
        return lr_error_at(err, path, LR_EFORMAT, at, "malformed save record (range %zu)",
                           f->n_ranges);
    if (f->n_ranges >= LR_UNDO_MAX_RANGES)
        return lr_error_at(err, path, LR_ELIMIT, at, "more than %d ranges", LR_UNDO_MAX_RANGES);
    lr_undo_range_t *rs = realloc(f->ranges, (f->n_ranges + 1) * sizeof(*rs));
    if (!rs)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    f->ranges = rs;
    lr_undo_range_t *r = &f->ranges[f->n_ranges];
    memset(r, 0, sizeof(*r));
    r->image = image;
    r->offset = off;
    r->length = length;
    r->orig.crc = lr_get_le32(p + 24);
    memcpy(r->orig.sha, p + 28, LR_SHA256_LEN);
    r->before = malloc(length ? (size_t)length : 1);
    if (!r->before)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    memcpy(r->before, p + fixed, (size_t)length);
    f->n_ranges++;
    /* The saved bytes must match their own checksums. */
    uint8_t sha[LR_SHA256_LEN];
    lr_sha256(r->before, (size_t)length, sha);
    if (memcmp(sha, r->orig.sha, LR_SHA256_LEN) != 0 ||
        lr_crc(LR_CRC_INITIAL, r->before, (size_t)length) != r->orig.crc)
        return lr_error_at(err, path, LR_ECHECKSUM, at, "saved bytes of range %zu are damaged",
                           f->n_ranges - 1);
    return 0;
}

static int add_state(lr_undo_file_t *f, const uint8_t *p, uint32_t plen, const char *path,
                     uint64_t at, lr_error_t *err)
{
    if (plen != 8 + LR_SHA256_LEN || lr_get_le32(p) >= f->n_ranges)
        return lr_error_at(err, path, LR_EFORMAT, at, "malformed state record");
    lr_undo_range_t *r = &f->ranges[lr_get_le32(p)];
    if (r->n_states >= LR_UNDO_MAX_STATES)
        return lr_error_at(err, path, LR_ELIMIT, at, "more than %d states for range %u",
                           LR_UNDO_MAX_STATES, lr_get_le32(p));
    lr_undo_state_t *s = &r->states[r->n_states++];
    s->crc = lr_get_le32(p + 4);
    memcpy(s->sha, p + 8, LR_SHA256_LEN);
    return 0;
}

static int add_done(lr_undo_file_t *f, const uint8_t *p, uint32_t plen, const char *path,
                    uint64_t at, lr_error_t *err)
{
    const size_t per = 8 + LR_SHA256_LEN;
    if (plen < 16 || lr_get_le32(p + 12) != f->n_ranges || plen != 16 + f->n_ranges * per)
        return lr_error_at(err, path, LR_EFORMAT, at, "malformed done record");
    f->finished_at = (int64_t)lr_get_le64(p);
    f->status = (int)(int32_t)lr_get_le32(p + 8);
    for (size_t i = 0; i < f->n_ranges; i++) {
        const uint8_t *q = p + 16 + i * per;
        if (lr_get_le32(q) != i)
            return lr_error_at(err, path, LR_EFORMAT, at, "malformed done record");
        f->ranges[i].has_after = true;
        f->ranges[i].after.crc = lr_get_le32(q + 4);
        memcpy(f->ranges[i].after.sha, q + 8, LR_SHA256_LEN);
    }
    f->finished = true;
    return 0;
}

/* Walks the records. The last record not fitting the file or failing its
 * crc is a torn append: the file ends before it. A bad record with more
 * data after it is corruption (an error), since ranges recorded after it
 * would be lost silently; so is a well-formed record with bad contents. */
static int parse_records(const uint8_t *d, uint64_t len, lr_undo_file_t *f, const char *path,
                         lr_error_t *err)
{
    uint64_t pos = LR_UNDO_HEADER_SIZE;
    f->valid_bytes = pos;
    while (pos < len) {
        if (f->finished)
            return lr_error_at(err, path, LR_EFORMAT, pos, "data after the done record");
        if (len - pos < REC_HEAD + REC_TAIL) {
            f->truncated = true;
            return 0;
        }
        uint32_t type = lr_get_le32(d + pos), plen = lr_get_le32(d + pos + 4);
        if ((uint64_t)plen > len - pos - REC_HEAD - REC_TAIL) {
            f->truncated = true;
            return 0;
        }
        uint64_t next = pos + REC_HEAD + plen + REC_TAIL;
        if (lr_get_le32(d + pos + REC_HEAD + plen) !=
            lr_crc(LR_CRC_INITIAL, d + pos, REC_HEAD + (size_t)plen)) {
            if (next < len)
                return lr_error_at(err, path, LR_ECHECKSUM, pos,
                                   "undo record at byte %llu is damaged (checksum) and more "
                                   "records follow; refusing to use a partial undo file",
                                   (unsigned long long)pos);
            f->truncated = true;
            return 0;
        }
        const uint8_t *p = d + pos + REC_HEAD;
        int rc;
        if (f->n_planned && !f->has_plan && type != LR_UNDO_REC_PLAN)
            return lr_error_at(err, path, LR_EFORMAT, pos,
                               "the header announces a plan of %zu ranges but the first record is "
                               "not the plan",
                               f->n_planned);
        switch (type) {
        case LR_UNDO_REC_PLAN:
            rc = add_plan(f, p, plen, path, pos, err);
            break;
        case LR_UNDO_REC_IMAGE:
            rc = add_image(f, p, plen, path, pos, err);
            break;
        case LR_UNDO_REC_SAVE:
            rc = add_range(f, p, plen, path, pos, err);
            break;
        case LR_UNDO_REC_STATE:
            rc = add_state(f, p, plen, path, pos, err);
            break;
        case LR_UNDO_REC_DONE:
            rc = add_done(f, p, plen, path, pos, err);
            break;
        default:
            rc = lr_error_at(err, path, LR_EFORMAT, pos, "unknown record type %u", type);
        }
        if (rc)
            return rc;
        pos = next;
        f->valid_bytes = pos;
    }
    return 0;
}

int lr_undo_read(const char *path, lr_undo_file_t **out, lr_error_t *err)
{
    if (!path || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo read: invalid arguments");
    *out = NULL;
    uint8_t *d = NULL;
    uint64_t len = 0;
    int rc = slurp(path, &d, &len, err);
    if (rc)
        return rc;
    lr_undo_file_t *f = calloc(1, sizeof(*f));
    if (!f) {
        free(d);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    rc = parse_header(d, len, f, path, err);
    if (!rc)
        rc = parse_records(d, len, f, path, err);
    free(d);
    if (rc) {
        lr_undo_file_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* ---- check and apply ------------------------------------------------------ */

static bool same(const lr_undo_state_t *s, uint32_t crc, const uint8_t *sha)
{
    return s->crc == crc && memcmp(s->sha, sha, LR_SHA256_LEN) == 0;
}

/* A finished run recorded exactly what it left. An unfinished one (a
 * crash) may have stopped anywhere: each range then holds its original
 * bytes or one of the states announced before a write. */
static lr_undo_verdict_t verdict_of(const lr_undo_file_t *f, const lr_undo_range_t *r,
                                    const uint8_t *cur)
{
    uint8_t sha[LR_SHA256_LEN];
    lr_sha256(cur, (size_t)r->length, sha);
    uint32_t crc = lr_crc(LR_CRC_INITIAL, cur, (size_t)r->length);
    if (same(&r->orig, crc, sha))
        return LR_UNDO_ORIGINAL;
    if (f->finished)
        return r->has_after && same(&r->after, crc, sha) ? LR_UNDO_AS_LEFT : LR_UNDO_CHANGED;
    for (size_t i = 0; i < r->n_states; i++)
        if (same(&r->states[i], crc, sha))
            return LR_UNDO_AS_LEFT;
    return LR_UNDO_CHANGED;
}

static int check_sizes(const lr_undo_file_t *f, lr_io_t *const *ios, lr_error_t *err)
{
    for (size_t i = 0; i < f->n_images; i++) {
        if (!ios[i])
            return lr_error_at(err, f->images[i].path, -EINVAL, LR_NO_OFFSET, "image not open");
        if (lr_io_size(ios[i]) != f->images[i].size)
            return lr_error_at(err, lr_io_name(ios[i]), LR_ERANGE, LR_NO_OFFSET,
                               "the image has %llu bytes, the undo file was made for %llu bytes",
                               (unsigned long long)lr_io_size(ios[i]),
                               (unsigned long long)f->images[i].size);
    }
    return 0;
}

/* One planned range: the bytes the file saves, put over what the image
 * holds now, must give the original content; else the image shows a write
 * whose original bytes are not in the file. *unsaved: the file saves not
 * all of the range. */
static int check_planned(const lr_undo_file_t *f, lr_io_t *const *ios, size_t k, bool *unsaved,
                         bool *ok, lr_error_t *err)
{
    const lr_undo_planned_t *pl = &f->planned[k];
    uint8_t *buf = malloc((size_t)pl->length);
    if (!buf)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = lr_io_pread(ios[pl->image], buf, (size_t)pl->length, pl->offset, err);
    if (rc) {
        free(buf);
        return rc;
    }
    uint64_t covered = 0, end = pl->offset + pl->length;
    for (size_t i = 0; i < f->n_ranges; i++) {
        const lr_undo_range_t *r = &f->ranges[i];
        if (r->image != pl->image || r->offset >= end || r->offset + r->length <= pl->offset)
            continue;
        uint64_t s = r->offset > pl->offset ? r->offset : pl->offset;
        uint64_t e = r->offset + r->length < end ? r->offset + r->length : end;
        memcpy(buf + (s - pl->offset), r->before + (s - r->offset), (size_t)(e - s));
        covered += e - s; /* ranges never overlap */
    }
    uint8_t sha[LR_SHA256_LEN];
    lr_sha256(buf, (size_t)pl->length, sha);
    *ok = lr_crc(LR_CRC_INITIAL, buf, (size_t)pl->length) == pl->before.crc &&
          memcmp(sha, pl->before.sha, LR_SHA256_LEN) == 0;
    *unsaved = covered < pl->length;
    free(buf);
    return 0;
}

int lr_undo_check_complete(const lr_undo_file_t *f, lr_io_t *const *ios, size_t *n_unsaved,
                           lr_error_t *err)
{
    if (n_unsaved)
        *n_unsaved = 0;
    if (!f || (!ios && f->n_images))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo check: invalid arguments");
    if (!f->n_planned)
        return 0;
    if (!f->has_plan)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "the undo file ends before its list of the %zu planned writes: "
                            "the run stopped before its first write and wrote nothing (unless "
                            "the file was cut short afterwards; it cannot tell which bytes "
                            "changed): nothing put back",
                            f->n_planned);
    /* An image is named in the file before the first write to it. */
    if (f->n_images == 0)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "the undo file names no image: the run stopped before its first "
                            "write and wrote nothing; nothing to put back");
    for (size_t k = 0; k < f->n_planned; k++)
        if (f->planned[k].image >= f->n_images)
            return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                                "the undo file ends before naming image %u of the run (%zu "
                                "of %zu planned ranges saved): the run stopped before writing "
                                "to that image; nothing put back",
                                f->planned[k].image, f->n_ranges, f->n_planned);
    int rc = check_sizes(f, ios, err);
    if (rc)
        return rc;
    size_t unsaved_n = 0;
    for (size_t k = 0; k < f->n_planned; k++) {
        const lr_undo_planned_t *pl = &f->planned[k];
        bool unsaved = false, ok = false;
        rc = check_planned(f, ios, k, &unsaved, &ok, err);
        if (rc)
            return rc;
        if (!ok)
            return lr_error_at(
                err, lr_io_name(ios[pl->image]), LR_EREFUSED, pl->offset,
                "the undo file is incomplete: planned write %zu of %zu (bytes "
                "%llu..%llu) shows on the image but the file does not hold its "
                "original bytes (it saves %zu of the %zu planned ranges and ends %s); "
                "it was cut short or damaged after the run: nothing put back",
                k + 1, f->n_planned, (unsigned long long)pl->offset,
                (unsigned long long)(pl->offset + pl->length - 1), f->n_ranges, f->n_planned,
                f->finished ? "with the run's done record" : "early");
        unsaved_n += unsaved;
    }
    if (n_unsaved)
        *n_unsaved = unsaved_n;
    return 0;
}

int lr_undo_check(const lr_undo_file_t *f, lr_io_t *const *ios, lr_undo_verdict_t *verdicts,
                  lr_error_t *err)
{
    if (!f || (!ios && f->n_images))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo check: invalid arguments");
    int rc = check_sizes(f, ios, err);
    if (!rc)
        rc = lr_undo_check_complete(f, ios, NULL, err);
    if (rc)
        return rc;
    int first_bad = -1;
    for (size_t i = 0; i < f->n_ranges; i++) {
        const lr_undo_range_t *r = &f->ranges[i];
        uint8_t *cur = malloc(r->length ? (size_t)r->length : 1);
        if (!cur)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        rc = lr_io_pread(ios[r->image], cur, (size_t)r->length, r->offset, err);
        lr_undo_verdict_t v = rc ? LR_UNDO_CHANGED : verdict_of(f, r, cur);
        free(cur);
        if (rc)
            return rc;
        if (verdicts)
            verdicts[i] = v;
        if (v == LR_UNDO_CHANGED && first_bad < 0)
            first_bad = (int)i;
    }
    if (first_bad >= 0) {
        const lr_undo_range_t *r = &f->ranges[first_bad];
        if (!f->finished)
            return lr_error_at(err, lr_io_name(ios[r->image]), LR_EREFUSED, r->offset,
                               "bytes %llu..%llu hold neither the original nor a state the "
                               "interrupted run announced: its last write was torn, or they "
                               "changed since",
                               (unsigned long long)r->offset,
                               (unsigned long long)(r->offset + r->length - 1));
        return lr_error_at(err, lr_io_name(ios[r->image]), LR_EREFUSED, r->offset,
                           "bytes %llu..%llu changed since the repair run (neither what it left "
                           "there nor the original)",
                           (unsigned long long)r->offset,
                           (unsigned long long)(r->offset + r->length - 1));
    }
    return 0;
}

static int verify_restored(const lr_undo_file_t *f, lr_io_t *const *ios, lr_error_t *err)
{
    for (size_t i = 0; i < f->n_ranges; i++) {
        const lr_undo_range_t *r = &f->ranges[i];
        bool ok;
        int rc = lr_read_compare(ios[r->image], r->offset, r->before, (size_t)r->length, &ok, err);
        if (rc)
            return rc;
        if (!ok)
            return lr_error_at(err, lr_io_name(ios[r->image]), -EIO, r->offset,
                               "read-back after undo differs at bytes %llu..%llu",
                               (unsigned long long)r->offset,
                               (unsigned long long)(r->offset + r->length - 1));
    }
    return 0;
}

int lr_undo_apply(const lr_undo_file_t *f, lr_io_t *const *ios, bool force, size_t *n_written,
                  lr_error_t *err)
{
    if (n_written)
        *n_written = 0;
    if (!f || (!ios && f->n_images))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo apply: invalid arguments");
    /* An incomplete file is refused even when forced: it cannot put back
     * every byte, and half an undo is neither state. */
    int rc = check_sizes(f, ios, err);
    if (!rc)
        rc = lr_undo_check_complete(f, ios, NULL, err);
    if (rc)
        return rc;
    lr_undo_verdict_t *v = calloc(f->n_ranges ? f->n_ranges : 1, sizeof(*v));
    if (!v)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    rc = lr_undo_check(f, ios, v, err);
    if (rc == LR_EREFUSED && force) {
        lr_error_clear(err);
        rc = 0;
    }
    for (size_t i = f->n_ranges; i-- > 0 && !rc;) {
        const lr_undo_range_t *r = &f->ranges[i];
        if (v[i] == LR_UNDO_ORIGINAL)
            continue;
        /* Synced one by one so the order reaches the disk as written. */
        rc = lr_io_pwrite(ios[r->image], r->before, (size_t)r->length, r->offset, err);
        if (!rc)
            rc = lr_io_sync(ios[r->image], err);
        if (!rc && n_written)
            (*n_written)++;
    }
    free(v);
    if (!rc)
        rc = verify_restored(f, ios, err);
    return rc;
}
