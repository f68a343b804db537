/* lvmrescue core: the PV label (label_header + pv_header + extension).
 * Reference: LVM2 lib/label/label.c, lib/format_text/text_label.c, layout.h. */
#ifndef LR_LABEL_H
#define LR_LABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

#define LR_SECTOR_SIZE 512
#define LR_LABEL_SCAN_SECTORS 4 /* a label may sit in sectors 0..3 of a PV */
#define LR_LABEL_ID "LABELONE"
#define LR_LABEL_TYPE "LVM2 001"
#define LR_PV_UUID_LEN 32                    /* raw, without dashes */
#define LR_UUID_STR_LEN 38                   /* 6-4-4-4-4-4-6 with dashes, without NUL */
#define LR_LABEL_MAX_LOCN 8                  /* entries kept per list; more is LR_ELIMIT */
#define LR_PV_EXT_USED 0x00000001U           /* pv_header_extension flag: the PV is in a VG */
#define LR_PV_EXT_KNOWN_FLAGS LR_PV_EXT_USED /* every extension flag LVM2 defines */

typedef struct lr_disk_locn {
    uint64_t offset; /* bytes from the PV start */
    uint64_t size;   /* bytes; 0 for a data area means "to the end" */
} lr_disk_locn_t;

typedef struct lr_label {
    /* label_header */
    uint64_t sector;   /* the header's sector field */
    uint32_t crc;      /* stored */
    uint32_t crc_calc; /* computed over bytes 20..511 */
    bool crc_ok;
    uint32_t offset; /* where pv_header starts in the sector (32) */
    char type[9];    /* "LVM2 001", NUL-terminated */
    /* pv_header */
    char pv_uuid[LR_PV_UUID_LEN + 1]; /* raw 32 chars, NUL-terminated */
    uint64_t device_size;
    size_t n_data;
    lr_disk_locn_t data[LR_LABEL_MAX_LOCN];
    size_t n_mda;
    lr_disk_locn_t mda[LR_LABEL_MAX_LOCN];
    /* pv_header_extension (present when has_ext) */
    bool has_ext;
    uint32_t ext_version;
    uint32_t ext_flags;
    size_t n_ba;
    lr_disk_locn_t ba[LR_LABEL_MAX_LOCN];
} lr_label_t;

/* Decodes a 512-byte label sector read from sector `sector_no` of a PV.
 * Returns LR_ENOTFOUND when the sector holds no "LABELONE"; LR_EFORMAT when
 * the type, offset or lists are malformed (unterminated list, list running
 * past the sector, sector field != sector_no); 0 otherwise. A crc mismatch is
 * not an error here: it is reported in crc_ok so a scanner can still use the
 * label. err offsets are relative to the sector start. */
int lr_label_parse(const uint8_t *sector, size_t len, uint64_t sector_no, lr_label_t *out,
                   lr_error_t *err);

/* How far from the PV start the metadata areas a label lists may reach on
 * a device LVM2 resized: its device_size plus the start of its data area
 * plus the sizes of its metadata areas (LVM2's pvresize records a
 * device_size that leaves out pe_start and the second area it moves to the
 * new end). UINT64_MAX (no bound) for a device_size of 0 or NULL;
 * saturating. */
uint64_t lr_label_area_reach(const lr_label_t *label);

/* Checks a parsed label against a PV of dev_size bytes: crc, device_size,
 * every area inside the device, areas not overlapping the label, at most two
 * metadata areas. Returns 0 or LR_ECHECKSUM / LR_ERANGE / LR_EFORMAT. */
int lr_label_validate(const lr_label_t *label, uint64_t dev_size, lr_error_t *err);

/* Encodes the label into a 512-byte sector exactly as LVM2 writes it (zero
 * padding, crc computed, sector field = label->sector). */
int lr_label_build(const lr_label_t *label, uint8_t *sector, size_t len, lr_error_t *err);

/* Reads sectors 0..3 of the PV starting at pv_start and parses the first
 * label found. LR_ENOTFOUND if none. *sector_no receives its sector (may be
 * NULL). err names the io. */
int lr_label_read(lr_io_t *io, uint64_t pv_start, lr_label_t *out, uint64_t *sector_no,
                  lr_error_t *err);

/* Writes the label into its sector (label->sector) of the PV at pv_start and
 * zeroes no other byte. */
int lr_label_write(lr_io_t *io, uint64_t pv_start, const lr_label_t *label, lr_error_t *err);

/* Whether c belongs to LVM2's UUID alphabet: [0-9a-zA-Z] plus the two
 * LVM1-compatibility characters '!' and '#' (lib/uuid/uuid.c _c, which
 * id_valid accepts whole). The one copy of this rule: labels, metadata
 * text and the scanner all ask here. */
bool lr_uuid_char_ok(char c);

/* Formats a raw 32-char UUID as LVM2 prints it (6-4-4-4-4-4-6 with dashes)
 * into out (at least LR_UUID_STR_LEN + 1 bytes). Returns LR_EFORMAT if raw
 * is not 32 characters of the alphabet (lr_uuid_char_ok). */
int lr_uuid_format(const char *raw, char *out, size_t outlen);

/* Strips dashes (anywhere, as id_read_format does) from a printed UUID into
 * raw (at least 33 bytes). Returns LR_EFORMAT unless exactly 32 characters
 * remain, all of the alphabet (lr_uuid_char_ok). */
int lr_uuid_parse(const char *printed, char *raw, size_t rawlen);

/* Generates a new random LVM2-style UUID (raw 32 chars of [0-9a-zA-Z], as
 * id_create: never '!' or '#') using libuuid for randomness. raw must hold
 * 33 bytes. */
void lr_uuid_generate(char *raw);

/* LVM2's name of one pv_header_extension flag bit ("PV_EXT_USED"), static;
 * NULL for a bit LVM2 does not define (LR_PV_EXT_KNOWN_FLAGS). */
const char *lr_pv_ext_flag_name(uint32_t bit);

/* Whether a PV of a VG with this label lacks the "in use" flag LVM2 wants:
 * a version 2 (or later) pv_header_extension without PV_EXT_USED, as
 * vgremove, vgreduce and pvremove leave it. LVM2 warns about such a PV of a
 * VG ("missing the used flag in PV header"); an older or no extension is
 * not checked by LVM2. */
bool lr_label_lacks_used_flag(const lr_label_t *label);

#endif
