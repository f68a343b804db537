/* Metadata area: mda_header + raw_locn slots, the circular text buffer and
 * LVM2 2.03's placement and commit rules (lib/format_text/format-text.c:
 * raw_read_mda_header, _next_rlocn_offset, _vg_write_raw,
 * _vg_commit_raw_rlocn).
 *
 *   0  checksum u32 (bytes 4..511)   4  magic[16]   20 version u32
 *   24 start u64                     32 size u64
 *   40 raw_locn[]: offset u64, size u64, checksum u32, flags u32 (24 bytes)
 */
#include "lr/mda.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "lr/crc.h"

#define MH_CHECKSUM 0
#define MH_MAGIC 4
#define MH_VERSION 20
#define MH_START 24
#define MH_SIZE 32
#define MH_LOCNS 40
#define LOCN_SIZE 24
#define MDA_ALIGN 512                                 /* MDA_ORIGINAL_ALIGNMENT */
#define MDA_MIN_SIZE (LR_MDA_HEADER_SIZE + MDA_ALIGN) /* header + one ring sector */

static bool locn_is_zero(const lr_raw_locn_t *l)
{
    return l->offset == 0 && l->size == 0 && l->checksum == 0 && l->flags == 0;
}

/* An entry that points at no text: LVM2 treats offset 0 and size 0 as
 * "no metadata" even when flags (e.g. IGNORED) are set. */
static bool locn_is_empty(const lr_raw_locn_t *l)
{
    return l->offset == 0 && l->size == 0;
}

const lr_raw_locn_t *lr_mda_committed(const lr_mda_header_t *h)
{
    if (!h || h->n_locn == 0 || locn_is_empty(&h->locn[0]))
        return NULL;
    return &h->locn[0];
}

/* One raw_locn entry at pos (pos + LOCN_SIZE <= LR_MDA_HEADER_SIZE). */
static lr_raw_locn_t locn_at(const uint8_t *buf, size_t pos)
{
    return (lr_raw_locn_t){
        .offset = lr_get_le64(buf + pos),
        .size = lr_get_le64(buf + pos + 8),
        .checksum = lr_get_le32(buf + pos + 16),
        .flags = lr_get_le32(buf + pos + 20),
    };
}

int lr_mda_header_parse(const uint8_t *buf, size_t len, lr_mda_header_t *out, lr_error_t *err)
{
    if (!buf || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda header parse: invalid arguments");
    if (len < LR_MDA_HEADER_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "mda header needs %d bytes, got %zu",
                            LR_MDA_HEADER_SIZE, len);
    memset(out, 0, sizeof(*out));
    if (memcmp(buf + MH_MAGIC, LR_MDA_MAGIC, LR_MDA_MAGIC_LEN) != 0)
        return lr_error_set(err, LR_ENOTFOUND, MH_MAGIC, "no metadata area header magic");
    out->checksum = lr_get_le32(buf + MH_CHECKSUM);
    out->checksum_calc = lr_crc(LR_CRC_INITIAL, buf + MH_MAGIC, LR_MDA_HEADER_SIZE - MH_MAGIC);
    out->checksum_ok = out->checksum == out->checksum_calc;
    out->version = lr_get_le32(buf + MH_VERSION);
    out->start = lr_get_le64(buf + MH_START);
    out->size = lr_get_le64(buf + MH_SIZE);
    if (out->version != LR_MDA_VERSION)
        return lr_error_set(err, LR_EFORMAT, MH_VERSION,
                            "metadata area header version %u is not %d", out->version,
                            LR_MDA_VERSION);
    for (size_t i = 0; i < LR_MDA_LVM2_SLOTS; i++)
        out->stored[i] = locn_at(buf, MH_LOCNS + i * LOCN_SIZE);
    /* The list ends at an all-zero entry. (LVM2 stops at offset 0; an
     * ignored, never-written area has slot 0 = {0, 0, 0, IGNORED}, kept
     * here as an empty entry so the header rebuilds bit for bit.) */
    for (size_t i = 0;; i++) {
        size_t pos = MH_LOCNS + i * LOCN_SIZE;
        if (pos + LOCN_SIZE > LR_MDA_HEADER_SIZE || i > LR_MDA_MAX_LOCN)
            return lr_error_set(err, LR_EFORMAT, pos,
                                "raw_locn list is not terminated within %d entries",
                                LR_MDA_MAX_LOCN);
        lr_raw_locn_t l = locn_at(buf, pos);
        if (locn_is_zero(&l))
            return 0;
        if (i == LR_MDA_MAX_LOCN)
            return lr_error_set(err, LR_EFORMAT, pos,
                                "raw_locn list is not terminated within %d entries",
                                LR_MDA_MAX_LOCN);
        out->locn[i] = l;
        out->n_locn = i + 1;
    }
}

/* Checks that a raw_locn describes text that fits the ring of an area of
 * area_size bytes: it starts in the ring and, wrapped back to offset 512
 * if needed, does not run into itself. */
static int locn_check(uint64_t area_size, const lr_raw_locn_t *l, size_t idx, lr_error_t *err)
{
    uint64_t end;
    if (lr_add_overflows(l->offset, l->size, &end))
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "raw_locn %zu: offset %llu + size %llu overflows", idx,
                            (unsigned long long)l->offset, (unsigned long long)l->size);
    if (l->offset < LR_MDA_HEADER_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "raw_locn %zu: offset %llu is inside the area header", idx,
                            (unsigned long long)l->offset);
    if (l->offset >= area_size)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "raw_locn %zu: offset %llu is beyond the area (%llu bytes)", idx,
                            (unsigned long long)l->offset, (unsigned long long)area_size);
    if (l->size == 0)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "raw_locn %zu: size is 0", idx);
    /* Wrapped text continues at 512 and must end before it starts:
     * 512 + (offset + size - area_size) <= offset. */
    if (l->size > area_size - LR_MDA_HEADER_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "raw_locn %zu: size %llu is larger than the ring (%llu bytes)", idx,
                            (unsigned long long)l->size,
                            (unsigned long long)(area_size - LR_MDA_HEADER_SIZE));
    return 0;
}

/* Areas are bounded by the device; refusing absurd sizes up front keeps
 * every sum of two in-area values (offset + size, start + size) far from
 * 2^64. */
#define MDA_MAX_SIZE (UINT64_C(1) << 62)

static int area_size_check(uint64_t area_size, lr_error_t *err)
{
    if (area_size > MDA_MAX_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "metadata area size %llu is implausibly large",
                            (unsigned long long)area_size);
    if (area_size < MDA_MIN_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "metadata area size %llu is less than %d bytes",
                            (unsigned long long)area_size, MDA_MIN_SIZE);
    return 0;
}

int lr_mda_header_validate(const lr_mda_header_t *h, uint64_t area_start, uint64_t dev_size,
                           lr_error_t *err)
{
    if (!h)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda header validate: no header");
    if (!h->checksum_ok)
        return lr_error_set(err, LR_ECHECKSUM, MH_CHECKSUM,
                            "metadata area header checksum 0x%08x does not match the computed "
                            "0x%08x",
                            h->checksum, h->checksum_calc);
    if (h->version != LR_MDA_VERSION)
        return lr_error_set(err, LR_EFORMAT, MH_VERSION, "metadata area header version %u",
                            h->version);
    if (h->start != area_start)
        return lr_error_set(err, LR_EFORMAT, MH_START,
                            "metadata area header says the area starts at %llu, expected %llu",
                            (unsigned long long)h->start, (unsigned long long)area_start);
    int rc = area_size_check(h->size, err);
    if (rc) {
        if (err)
            err->offset = MH_SIZE;
        return rc;
    }
    uint64_t end;
    if (lr_add_overflows(h->start, h->size, &end) || end > dev_size)
        return lr_error_set(err, LR_ERANGE, MH_SIZE,
                            "metadata area (start %llu, size %llu) runs past the device "
                            "(%llu bytes)",
                            (unsigned long long)h->start, (unsigned long long)h->size,
                            (unsigned long long)dev_size);
    if (h->n_locn > LR_MDA_MAX_LOCN)
        return lr_error_set(err, LR_ELIMIT, MH_LOCNS, "%zu raw_locn entries", h->n_locn);
    for (size_t i = 0; i < h->n_locn; i++) {
        if (locn_is_empty(&h->locn[i]))
            continue;
        rc = locn_check(h->size, &h->locn[i], i, err);
        if (rc) {
            if (err)
                err->offset = MH_LOCNS + i * LOCN_SIZE;
            return rc;
        }
    }
    return 0;
}

int lr_mda_header_build(const lr_mda_header_t *h, uint8_t *buf, size_t len, lr_error_t *err)
{
    if (!h || !buf)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda header build: invalid arguments");
    if (len < LR_MDA_HEADER_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "mda header needs %d bytes, got %zu",
                            LR_MDA_HEADER_SIZE, len);
    if (h->n_locn > LR_MDA_MAX_LOCN)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "%zu raw_locn entries, at most %d",
                            h->n_locn, LR_MDA_MAX_LOCN);
    for (size_t i = 0; i < h->n_locn; i++)
        if (locn_is_zero(&h->locn[i]))
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "raw_locn %zu is all zero, which would end the list", i);
    memset(buf, 0, LR_MDA_HEADER_SIZE);
    memcpy(buf + MH_MAGIC, LR_MDA_MAGIC, LR_MDA_MAGIC_LEN);
    /* _raw_write_mda_header always writes FMTT_VERSION. */
    lr_put_le32(buf + MH_VERSION, LR_MDA_VERSION);
    lr_put_le64(buf + MH_START, h->start);
    lr_put_le64(buf + MH_SIZE, h->size);
    for (size_t i = 0; i < h->n_locn; i++) {
        uint8_t *p = buf + MH_LOCNS + i * LOCN_SIZE;
        lr_put_le64(p, h->locn[i].offset);
        lr_put_le64(p + 8, h->locn[i].size);
        lr_put_le32(p + 16, h->locn[i].checksum);
        lr_put_le32(p + 20, h->locn[i].flags);
    }
    lr_put_le32(buf + MH_CHECKSUM,
                lr_crc(LR_CRC_INITIAL, buf + MH_MAGIC, LR_MDA_HEADER_SIZE - MH_MAGIC));
    return 0;
}

/* Absolute offset of the area in the io, checked to fit the io. */
static int area_abs(lr_io_t *io, uint64_t pv_start, uint64_t area_start, uint64_t area_size,
                    uint64_t *abs, lr_error_t *err)
{
    uint64_t end;
    if (lr_add_overflows(pv_start, area_start, abs) || lr_add_overflows(*abs, area_size, &end) ||
        end > lr_io_size(io)) {
        return lr_error_at(err, lr_io_name(io), LR_ERANGE, LR_NO_OFFSET,
                           "metadata area at %llu+%llu (size %llu) runs past the end of the image "
                           "(%llu bytes)",
                           (unsigned long long)pv_start, (unsigned long long)area_start,
                           (unsigned long long)area_size, (unsigned long long)lr_io_size(io));
    }
    return 0;
}

int lr_mda_header_read(lr_io_t *io, uint64_t pv_start, uint64_t area_start, lr_mda_header_t *out,
                       lr_error_t *err)
{
    if (!io || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda header read: invalid arguments");
    uint64_t abs;
    int rc = area_abs(io, pv_start, area_start, LR_MDA_HEADER_SIZE, &abs, err);
    if (rc)
        return rc;
    uint8_t buf[LR_MDA_HEADER_SIZE];
    rc = lr_io_pread(io, buf, sizeof(buf), abs, err);
    if (rc)
        return rc;
    rc = lr_mda_header_parse(buf, sizeof(buf), out, err);
    if (rc) {
        if (err && err->offset != LR_NO_OFFSET)
            err->offset += abs;
        return lr_error_wrap(err, lr_io_name(io), rc);
    }
    return 0;
}

uint32_t lr_mda_text_crc(const char *text, uint64_t size)
{
    /* calc_crc has no finalisation, so chaining the two wrapped pieces (as
     * _vg_write_raw does) equals one pass over the joined text. */
    return lr_crc(LR_CRC_INITIAL, text, (size_t)size);
}

int lr_mda_read_text(lr_io_t *io, uint64_t pv_start, const lr_mda_header_t *h,
                     const lr_raw_locn_t *locn, char **text, lr_error_t *err)
{
    if (!io || !h || !locn || !text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda read text: invalid arguments");
    *text = NULL;
    int rc = area_size_check(h->size, err);
    if (!rc)
        rc = locn_check(h->size, locn, 0, err);
    if (rc)
        return lr_error_wrap(err, lr_io_name(io), rc);
    uint64_t abs;
    rc = area_abs(io, pv_start, h->start, h->size, &abs, err);
    if (rc)
        return rc;
    if (locn->size >= SIZE_MAX)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "metadata text too large");
    uint64_t first = h->size - locn->offset;
    if (first > locn->size)
        first = locn->size;
    uint64_t wrap = locn->size - first;
    char *buf = malloc((size_t)locn->size + 1);
    if (!buf)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory for %llu bytes of text",
                            (unsigned long long)locn->size);
    rc = lr_io_pread(io, buf, (size_t)first, abs + locn->offset, err);
    if (!rc && wrap)
        rc = lr_io_pread(io, buf + first, (size_t)wrap, abs + LR_MDA_HEADER_SIZE, err);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[locn->size] = '\0';
    *text = buf;
    uint32_t crc = lr_mda_text_crc(buf, locn->size);
    if (crc != locn->checksum) {
        return lr_error_at(err, lr_io_name(io), LR_ECHECKSUM, abs + locn->offset,
                           "metadata text checksum 0x%08x does not match the stored 0x%08x", crc,
                           locn->checksum);
    }
    return 0;
}

uint64_t lr_mda_max_text(uint64_t area_size)
{
    /* _vg_write_raw: max_size = ((mdah->size - MDA_HEADER_SIZE) / 2) - 512 */
    if (area_size < LR_MDA_HEADER_SIZE)
        return 0;
    uint64_t half = (area_size - LR_MDA_HEADER_SIZE) / 2;
    return half < MDA_ALIGN ? 0 : half - MDA_ALIGN;
}

/* First and last byte (area-relative, inclusive) of a copy, and whether it
 * wraps; the "last" of a wrapped copy is in the piece at offset 512. */
static void locn_span(uint64_t area_size, uint64_t start, uint64_t size, uint64_t *last,
                      uint64_t *wrap)
{
    if (start + size > area_size) {
        *wrap = start + size - area_size;
        *last = *wrap + LR_MDA_HEADER_SIZE - 1;
    } else {
        *wrap = 0;
        *last = start + size - 1;
    }
}

/* _vg_write_raw's overlap test between the old and the new copy. */
static bool copies_overlap(uint64_t old_start, uint64_t old_last, uint64_t old_wrap,
                           uint64_t new_start, uint64_t new_last, uint64_t new_wrap)
{
    if (new_wrap && old_wrap)
        return true;
    if (!new_wrap && !old_wrap && new_start > old_last && new_last > new_start)
        return false;
    if (!new_wrap && !old_wrap && new_start < old_start && new_last < old_start)
        return false;
    if (old_wrap && !new_wrap && old_last < new_start && new_start < new_last &&
        new_last < old_start)
        return false;
    if (new_wrap && !old_wrap && new_last < old_start && old_start < old_last &&
        old_last < new_start)
        return false;
    return true;
}

int lr_mda_next_offset(uint64_t area_size, const lr_raw_locn_t *prev, uint64_t size,
                       uint64_t *offset, lr_error_t *err)
{
    if (!offset)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "next offset: invalid arguments");
    int rc = area_size_check(area_size, err);
    if (rc)
        return rc;
    if (size == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "metadata text of 0 bytes");
    uint64_t max = lr_mda_max_text(area_size);
    if (size > max)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                            "metadata of %llu bytes exceeds the maximum of %llu bytes for an "
                            "area of %llu bytes",
                            (unsigned long long)size, (unsigned long long)max,
                            (unsigned long long)area_size);

    /* No (or an ignored, or an empty) committed copy: start right after
     * the header, as _vg_write_raw does when rlocn_old is NULL. */
    if (!prev || (prev->flags & LR_RAW_LOCN_IGNORED) || locn_is_empty(prev)) {
        *offset = LR_MDA_HEADER_SIZE;
        return 0;
    }
    rc = locn_check(area_size, prev, 0, err);
    if (rc)
        return rc;
    uint64_t old_last, old_wrap;
    locn_span(area_size, prev->offset, prev->size, &old_last, &old_wrap);

    /* _next_rlocn_offset: restart at 512 when less than 512 bytes remain
     * after the old copy; else round the next byte up to 512 and restart
     * if that is within 512 bytes of the end. */
    uint64_t new_start;
    if (area_size - old_last < MDA_ALIGN) {
        new_start = LR_MDA_HEADER_SIZE;
    } else {
        uint64_t next = old_last + 1;
        new_start = next + (next % MDA_ALIGN ? MDA_ALIGN - next % MDA_ALIGN : 0);
        if (new_start > area_size - MDA_ALIGN)
            new_start = LR_MDA_HEADER_SIZE;
    }

    uint64_t new_last, new_wrap;
    locn_span(area_size, new_start, size, &new_last, &new_wrap);
    if (copies_overlap(prev->offset, old_last, old_wrap, new_start, new_last, new_wrap))
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                            "metadata of %llu bytes at %llu would overlap the committed copy "
                            "(%llu bytes at %llu)",
                            (unsigned long long)size, (unsigned long long)new_start,
                            (unsigned long long)prev->size, (unsigned long long)prev->offset);
    *offset = new_start;
    return 0;
}

/* Bytes to write from `rel` (area-relative) so that the write of `len`
 * text bytes ends on a 512-byte boundary of the PV (write1_over /
 * write2_over in _vg_write_raw), never past the area end. */
static uint64_t padded_len(uint64_t area_start, uint64_t area_size, uint64_t rel, uint64_t len)
{
    uint64_t end = area_start + rel + len;
    uint64_t over = end % MDA_ALIGN;
    uint64_t padded = len + (over ? MDA_ALIGN - over : 0);
    if (rel + padded > area_size)
        padded = area_size - rel;
    return padded;
}

/* Writes the header h (already holding the new slots) and syncs. */
static int mda_write_header(lr_io_t *io, uint64_t abs, lr_mda_header_t *h, lr_error_t *err)
{
    uint8_t buf[LR_MDA_HEADER_SIZE];
    int rc = lr_mda_header_build(h, buf, sizeof(buf), err);
    if (rc)
        return lr_error_wrap(err, lr_io_name(io), rc);
    rc = lr_io_pwrite(io, buf, sizeof(buf), abs, err);
    if (!rc)
        rc = lr_io_sync(io, err);
    if (rc)
        return rc;
    /* Refresh the checksum fields from what was written. */
    return lr_mda_header_parse(buf, sizeof(buf), h, err);
}

int lr_mda_commit(lr_io_t *io, uint64_t pv_start, lr_mda_header_t *h, const char *text,
                  uint64_t size, lr_error_t *err)
{
    if (!io || !h || !text || size == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda commit: invalid arguments");
    if (text[size - 1] != '\0')
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "metadata text must end with its NUL (size includes it)");
    int rc = area_size_check(h->size, err);
    if (rc)
        return lr_error_wrap(err, lr_io_name(io), rc);
    uint64_t abs;
    rc = area_abs(io, pv_start, h->start, h->size, &abs, err);
    if (rc)
        return rc;
    uint64_t off;
    rc = lr_mda_next_offset(h->size, lr_mda_committed(h), size, &off, err);
    if (rc)
        return lr_error_wrap(err, lr_io_name(io), rc);

    uint64_t wrap = off + size > h->size ? off + size - h->size : 0;
    uint64_t len1, len2 = 0;
    if (wrap) {
        len1 = size - wrap; /* to the end of the area, no padding */
        len2 = padded_len(h->start, h->size, LR_MDA_HEADER_SIZE, wrap);
    } else {
        len1 = padded_len(h->start, h->size, off, size);
    }
    /* Text followed by up to one sector of zeros for the padding
     * (size <= max_text, so this cannot overflow). */
    char *buf = calloc(1, (size_t)size + MDA_ALIGN);
    if (!buf)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    memcpy(buf, text, (size_t)size);

    rc = lr_io_pwrite(io, buf, (size_t)len1, abs + off, err);
    if (!rc && wrap)
        rc = lr_io_pwrite(io, buf + (size - wrap), (size_t)len2, abs + LR_MDA_HEADER_SIZE, err);
    free(buf);
    if (!rc)
        rc = lr_io_sync(io, err);
    if (rc)
        return rc;

    /* _vg_commit_raw_rlocn keeps the area's "ignored" setting on slot 0
     * (rlocn_set_ignored); committing must not silently un-ignore it. */
    uint32_t ignored = h->n_locn ? h->locn[0].flags & LR_RAW_LOCN_IGNORED : 0;
    lr_mda_header_t nh = *h;
    memset(nh.locn, 0, sizeof(nh.locn));
    nh.version = LR_MDA_VERSION;
    nh.locn[0].offset = off;
    nh.locn[0].size = size;
    nh.locn[0].checksum = lr_mda_text_crc(text, size);
    nh.locn[0].flags = ignored;
    nh.n_locn = 1; /* slot 1 (precommitted) cleared */
    rc = mda_write_header(io, abs, &nh, err);
    if (rc)
        return rc;
    *h = nh;
    return 0;
}

int lr_mda_init(lr_io_t *io, uint64_t pv_start, uint64_t area_start, uint64_t area_size,
                lr_mda_header_t *h, lr_error_t *err)
{
    if (!io || !h)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "mda init: invalid arguments");
    int rc = area_size_check(area_size, err);
    if (rc)
        return lr_error_wrap(err, lr_io_name(io), rc);
    uint64_t abs;
    rc = area_abs(io, pv_start, area_start, area_size, &abs, err);
    if (rc)
        return rc;
    lr_mda_header_t nh;
    memset(&nh, 0, sizeof(nh));
    nh.version = LR_MDA_VERSION;
    nh.start = area_start;
    nh.size = area_size;
    rc = mda_write_header(io, abs, &nh, err);
    if (rc)
        return rc;
    *h = nh;
    return 0;
}

const char *lr_raw_locn_flag_name(uint32_t bit)
{
    return bit == LR_RAW_LOCN_IGNORED ? "RAW_LOCN_IGNORED" : NULL; /* lib/format_text/layout.h */
}
