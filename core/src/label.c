/* The PV label: label_header (lib/label/label.c) followed by pv_header and
 * pv_header_extension (lib/format_text/layout.h, text_label.c), all in
 * one 512-byte sector, little-endian.
 *
 *   0  id[8] "LABELONE"      8  sector u64     16 crc u32 (bytes 20..511)
 *   20 offset u32 (= 32)     24 type[8] "LVM2 001"
 *   offset: pv_uuid[32], device_size u64, data areas {u64,u64}... {0,0},
 *           metadata areas ... {0,0}, ext version u32, ext flags u32,
 *           bootloader areas ... {0,0}
 */
#include "lr/label.h"

#include <errno.h>
#include <string.h>

#include "le.h"
#include "lr/crc.h"

#define LH_ID 0
#define LH_SECTOR 8
#define LH_CRC 16
#define LH_OFFSET 20
#define LH_TYPE 24
#define LH_SIZE 32   /* sizeof(struct label_header), LVM2's offset */
#define PVH_FIXED 40 /* pv_uuid[32] + device_size */
#define LOCN_SIZE 16 /* struct disk_locn */
#define EXT_FIXED 8  /* version + flags */

/* Decodes one zero-terminated disk_locn list starting at *pos. LVM2 ends a
 * list at the first entry whose offset is 0 (text_label.c _text_read). */
static int label_parse_list(const uint8_t *s, size_t *pos, const char *what, lr_disk_locn_t *list,
                            size_t *n, lr_error_t *err)
{
    *n = 0;
    for (;;) {
        if (*pos + LOCN_SIZE > LR_SECTOR_SIZE)
            return lr_error_set(err, LR_EFORMAT, *pos,
                                "%s list is not terminated before the end of the label sector",
                                what);
        uint64_t off = lr_get_le64(s + *pos);
        uint64_t size = lr_get_le64(s + *pos + 8);
        if (off == 0) {
            *pos += LOCN_SIZE;
            return 0;
        }
        if (*n >= LR_LABEL_MAX_LOCN)
            return lr_error_set(err, LR_ELIMIT, *pos, "more than %d %s entries in the label",
                                LR_LABEL_MAX_LOCN, what);
        list[*n].offset = off;
        list[*n].size = size;
        (*n)++;
        *pos += LOCN_SIZE;
    }
}

/* Copies the 8-byte type, making unprintable bytes '?' for messages. */
static void label_copy_type(const uint8_t *s, char type[9])
{
    for (int i = 0; i < 8; i++)
        type[i] = (s[LH_TYPE + i] >= 0x20 && s[LH_TYPE + i] < 0x7f) ? (char)s[LH_TYPE + i] : '?';
    type[8] = '\0';
}

int lr_label_parse(const uint8_t *sector, size_t len, uint64_t sector_no, lr_label_t *out,
                   lr_error_t *err)
{
    if (!sector || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "label parse: invalid arguments");
    if (len < LR_SECTOR_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "label sector needs %d bytes, got %zu",
                            LR_SECTOR_SIZE, len);
    memset(out, 0, sizeof(*out));
    if (memcmp(sector + LH_ID, LR_LABEL_ID, 8) != 0)
        return lr_error_set(err, LR_ENOTFOUND, LH_ID, "no LABELONE signature");

    out->sector = lr_get_le64(sector + LH_SECTOR);
    out->crc = lr_get_le32(sector + LH_CRC);
    out->crc_calc = lr_crc(LR_CRC_INITIAL, sector + LH_OFFSET, LR_SECTOR_SIZE - LH_OFFSET);
    out->crc_ok = out->crc == out->crc_calc;
    out->offset = lr_get_le32(sector + LH_OFFSET);
    label_copy_type(sector, out->type);

    /* LVM2 ignores a label whose sector field is not where it sits. */
    if (out->sector != sector_no)
        return lr_error_set(err, LR_EFORMAT, LH_SECTOR,
                            "label sector field says %llu but the label is in sector %llu",
                            (unsigned long long)out->sector, (unsigned long long)sector_no);
    if (memcmp(sector + LH_TYPE, LR_LABEL_TYPE, 8) != 0)
        return lr_error_set(err, LR_EFORMAT, LH_TYPE, "unknown label type \"%s\" (want \"%s\")",
                            out->type, LR_LABEL_TYPE);
    if (out->offset < LH_SIZE || out->offset > LR_SECTOR_SIZE - PVH_FIXED)
        return lr_error_set(err, LR_EFORMAT, LH_OFFSET,
                            "pv_header offset %u is outside the label sector (32..%d)", out->offset,
                            LR_SECTOR_SIZE - PVH_FIXED);

    size_t pos = out->offset;
    for (size_t i = 0; i < LR_PV_UUID_LEN; i++) {
        if (!lr_uuid_char_ok((char)sector[pos + i]))
            return lr_error_set(err, LR_EFORMAT, pos + i,
                                "PV UUID has an invalid character (0x%02x) at position %zu",
                                sector[pos + i], i);
        out->pv_uuid[i] = (char)sector[pos + i];
    }
    out->pv_uuid[LR_PV_UUID_LEN] = '\0';
    out->device_size = lr_get_le64(sector + pos + LR_PV_UUID_LEN);
    pos += PVH_FIXED;

    int rc = label_parse_list(sector, &pos, "data area", out->data, &out->n_data, err);
    if (rc)
        return rc;
    rc = label_parse_list(sector, &pos, "metadata area", out->mda, &out->n_mda, err);
    if (rc)
        return rc;

    if (pos + EXT_FIXED > LR_SECTOR_SIZE)
        return lr_error_set(err, LR_EFORMAT, pos,
                            "no room for the pv_header_extension in the label sector");
    out->ext_version = lr_get_le32(sector + pos);
    out->ext_flags = lr_get_le32(sector + pos + 4);
    pos += EXT_FIXED;
    /* Version 0 means a pre-extension label: LVM2 reads nothing further. */
    if (out->ext_version == 0) {
        out->ext_flags = 0;
        return 0;
    }
    out->has_ext = true;
    return label_parse_list(sector, &pos, "bootloader area", out->ba, &out->n_ba, err);
}

/* Checks that [off, off+size) (size 0 = to the end) lies in the device and
 * does not cover the label sector. */
static int label_check_area(const char *what, size_t i, lr_disk_locn_t a, uint64_t dev_size,
                            uint64_t label_start, lr_error_t *err)
{
    uint64_t end;
    if (a.size == 0) {
        if (a.offset > dev_size)
            return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                                "%s %zu starts at %llu, beyond the device (%llu bytes)", what, i,
                                (unsigned long long)a.offset, (unsigned long long)dev_size);
        end = dev_size;
    } else if (lr_add_overflows(a.offset, a.size, &end) || end > dev_size) {
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "%s %zu (offset %llu, size %llu) runs past the device (%llu bytes)",
                            what, i, (unsigned long long)a.offset, (unsigned long long)a.size,
                            (unsigned long long)dev_size);
    }
    if (a.offset < label_start + LR_SECTOR_SIZE && end > label_start)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "%s %zu (offset %llu) overlaps the label in sector %llu", what, i,
                            (unsigned long long)a.offset,
                            (unsigned long long)(label_start / LR_SECTOR_SIZE));
    return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t lr_label_area_reach(const lr_label_t *l)
{
    if (!l || !l->device_size)
        return UINT64_MAX;
    uint64_t r = l->device_size;
    if (l->n_data)
        r = sat_add(r, l->data[0].offset);
    for (size_t i = 0; i < l->n_mda && i < LR_LABEL_MAX_LOCN; i++)
        r = sat_add(r, l->mda[i].size);
    return r;
}

int lr_label_validate(const lr_label_t *label, uint64_t dev_size, lr_error_t *err)
{
    if (!label)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "label validate: no label");
    if (!label->crc_ok)
        return lr_error_set(err, LR_ECHECKSUM, LH_CRC,
                            "label crc 0x%08x does not match the computed 0x%08x", label->crc,
                            label->crc_calc);
    if (label->sector >= LR_LABEL_SCAN_SECTORS)
        return lr_error_set(err, LR_EFORMAT, LH_SECTOR, "label sector %llu is not one of 0..3",
                            (unsigned long long)label->sector);
    if (label->device_size > dev_size)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "PV header says the device has %llu bytes but it has only %llu",
                            (unsigned long long)label->device_size, (unsigned long long)dev_size);
    if (label->n_mda > 2)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "%zu metadata areas; LVM2 allows at most 2", label->n_mda);
    uint64_t label_start = label->sector * LR_SECTOR_SIZE;
    for (size_t i = 0; i < label->n_data && i < LR_LABEL_MAX_LOCN; i++) {
        int rc = label_check_area("data area", i, label->data[i], dev_size, label_start, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < label->n_mda && i < LR_LABEL_MAX_LOCN; i++) {
        /* A metadata area needs its header sector and at least one sector
         * of ring; size 0 has no "to the end" meaning here. */
        if (label->mda[i].size < 2 * LR_SECTOR_SIZE)
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "metadata area %zu has size %llu, less than 1024 bytes", i,
                                (unsigned long long)label->mda[i].size);
        int rc = label_check_area("metadata area", i, label->mda[i], dev_size, label_start, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < label->n_ba && i < LR_LABEL_MAX_LOCN; i++) {
        int rc = label_check_area("bootloader area", i, label->ba[i], dev_size, label_start, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Writes one list and its zero terminator at *pos. Entries with offset 0
 * would end the list early on reading, so they are refused. */
static int label_put_list(uint8_t *s, size_t *pos, const char *what, const lr_disk_locn_t *list,
                          size_t n, lr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].offset == 0)
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "%s %zu has offset 0, which would end the list", what, i);
        lr_put_le64(s + *pos, list[i].offset);
        lr_put_le64(s + *pos + 8, list[i].size);
        *pos += LOCN_SIZE;
    }
    *pos += LOCN_SIZE; /* the terminator is already zero */
    return 0;
}

int lr_label_build(const lr_label_t *label, uint8_t *sector, size_t len, lr_error_t *err)
{
    if (!label || !sector)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "label build: invalid arguments");
    if (len < LR_SECTOR_SIZE)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "label sector needs %d bytes, got %zu",
                            LR_SECTOR_SIZE, len);
    /* label.c label_write: the label must sit in the first 4 sectors. */
    if (label->sector >= LR_LABEL_SCAN_SECTORS)
        return lr_error_set(err, LR_ERANGE, LH_SECTOR, "label sector %llu is not one of 0..3",
                            (unsigned long long)label->sector);
    uint32_t offset = label->offset ? label->offset : LH_SIZE;
    if (offset < LH_SIZE || offset > LR_SECTOR_SIZE - PVH_FIXED)
        return lr_error_set(err, LR_EFORMAT, LH_OFFSET, "pv_header offset %u is invalid", offset);
    if (strnlen(label->pv_uuid, sizeof(label->pv_uuid)) != LR_PV_UUID_LEN)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "PV UUID must be 32 characters");
    for (size_t i = 0; i < LR_PV_UUID_LEN; i++)
        if (!lr_uuid_char_ok(label->pv_uuid[i]))
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "PV UUID has an invalid character at position %zu", i);
    if (label->n_data > LR_LABEL_MAX_LOCN || label->n_mda > LR_LABEL_MAX_LOCN ||
        label->n_ba > LR_LABEL_MAX_LOCN)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "more than %d entries in a list",
                            LR_LABEL_MAX_LOCN);
    if (label->has_ext && label->ext_version == 0)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "extension version 0 would hide the extension");
    if (!label->has_ext && label->n_ba)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "bootloader areas need the pv_header_extension");
    size_t need = offset + PVH_FIXED + (label->n_data + 1 + label->n_mda + 1) * LOCN_SIZE;
    if (label->has_ext)
        need += EXT_FIXED + (label->n_ba + 1) * LOCN_SIZE;
    if (need > LR_SECTOR_SIZE)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                            "label needs %zu bytes, more than one sector", need);

    memset(sector, 0, LR_SECTOR_SIZE);
    memcpy(sector + LH_ID, LR_LABEL_ID, 8);
    lr_put_le64(sector + LH_SECTOR, label->sector);
    lr_put_le32(sector + LH_OFFSET, offset);
    memcpy(sector + LH_TYPE, LR_LABEL_TYPE, 8);
    size_t pos = offset;
    memcpy(sector + pos, label->pv_uuid, LR_PV_UUID_LEN);
    lr_put_le64(sector + pos + LR_PV_UUID_LEN, label->device_size);
    pos += PVH_FIXED;
    int rc = label_put_list(sector, &pos, "data area", label->data, label->n_data, err);
    if (!rc)
        rc = label_put_list(sector, &pos, "metadata area", label->mda, label->n_mda, err);
    if (!rc && label->has_ext) {
        lr_put_le32(sector + pos, label->ext_version);
        lr_put_le32(sector + pos + 4, label->ext_flags);
        pos += EXT_FIXED;
        rc = label_put_list(sector, &pos, "bootloader area", label->ba, label->n_ba, err);
    }
    if (rc) {
        memset(sector, 0, LR_SECTOR_SIZE);
        return rc;
    }
    lr_put_le32(sector + LH_CRC,
                lr_crc(LR_CRC_INITIAL, sector + LH_OFFSET, LR_SECTOR_SIZE - LH_OFFSET));
    return 0;
}

/* Moves a sector-relative error offset to an offset in the io. */
static void label_rebase_error(lr_error_t *e, uint64_t base)
{
    if (e->offset != LR_NO_OFFSET)
        e->offset += base;
}

int lr_label_read(lr_io_t *io, uint64_t pv_start, lr_label_t *out, uint64_t *sector_no,
                  lr_error_t *err)
{
    if (!io || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "label read: invalid arguments");
    lr_error_t first_bad;
    lr_error_clear(&first_bad);
    lr_label_t cand;
    bool have_bad_crc = false;
    uint64_t bad_crc_sector = 0;
    lr_label_t bad_crc_label;

    if (pv_start >= lr_io_size(io) || lr_io_size(io) - pv_start < LR_SECTOR_SIZE)
        return lr_error_at(err, lr_io_name(io), LR_ERANGE, pv_start,
                           "PV start %llu leaves no sector in the image (%llu bytes)",
                           (unsigned long long)pv_start, (unsigned long long)lr_io_size(io));
    /* Like label.c _find_lvm_header: look at sectors 0..3; a label with a
     * good crc wins; one with a bad crc is kept only as a fallback. */
    for (uint64_t s = 0; s < LR_LABEL_SCAN_SECTORS; s++) {
        uint64_t abs;
        if (lr_add_overflows(pv_start, s * LR_SECTOR_SIZE, &abs) || abs > lr_io_size(io) ||
            lr_io_size(io) - abs < LR_SECTOR_SIZE)
            break; /* the device ends before this sector */
        uint8_t buf[LR_SECTOR_SIZE];
        int rc = lr_io_pread(io, buf, sizeof(buf), abs, err);
        if (rc)
            return rc;
        lr_error_t e;
        lr_error_clear(&e);
        rc = lr_label_parse(buf, sizeof(buf), s, &cand, &e);
        if (rc == LR_ENOTFOUND)
            continue;
        if (rc) {
            if (first_bad.code == 0) {
                first_bad = e;
                label_rebase_error(&first_bad, abs);
            }
            continue;
        }
        if (cand.crc_ok) {
            *out = cand;
            if (sector_no)
                *sector_no = s;
            return 0;
        }
        if (!have_bad_crc) {
            have_bad_crc = true;
            bad_crc_sector = s;
            bad_crc_label = cand;
        }
    }
    if (have_bad_crc) {
        *out = bad_crc_label;
        if (sector_no)
            *sector_no = bad_crc_sector;
        return 0;
    }
    if (first_bad.code != 0) {
        if (err) {
            *err = first_bad;
            err->where[0] = '\0';
        }
        return lr_error_wrap(err, lr_io_name(io), first_bad.code);
    }
    return lr_error_at(err, lr_io_name(io), LR_ENOTFOUND, pv_start,
                       "no LVM2 label in the first %d sectors of the PV", LR_LABEL_SCAN_SECTORS);
}

int lr_label_write(lr_io_t *io, uint64_t pv_start, const lr_label_t *label, lr_error_t *err)
{
    if (!io || !label)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "label write: invalid arguments");
    uint8_t buf[LR_SECTOR_SIZE];
    int rc = lr_label_build(label, buf, sizeof(buf), err);
    if (rc)
        return lr_error_wrap(err, lr_io_name(io), rc);
    uint64_t abs;
    if (lr_add_overflows(pv_start, label->sector * LR_SECTOR_SIZE, &abs)) {
        return lr_error_at(err, lr_io_name(io), LR_ERANGE, LR_NO_OFFSET, "PV start %llu overflows",
                           (unsigned long long)pv_start);
    }
    rc = lr_io_pwrite(io, buf, sizeof(buf), abs, err);
    if (rc)
        return rc;
    return lr_io_sync(io, err);
}

const char *lr_pv_ext_flag_name(uint32_t bit)
{
    return bit == LR_PV_EXT_USED ? "PV_EXT_USED" : NULL; /* lib/format_text/layout.h */
}

bool lr_label_lacks_used_flag(const lr_label_t *label)
{
    /* lib/metadata/metadata.c checks the flag from extension version 2
     * (PV_HEADER_EXTENSION_VSN) on. */
    return label && label->has_ext && label->ext_version >= 2 &&
           !(label->ext_flags & LR_PV_EXT_USED);
}
