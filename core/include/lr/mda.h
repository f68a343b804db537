/* lvmrescue core: metadata area header (mda_header + raw_locn), the circular
 * text buffer, and LVM2's commit sequence.
 * Reference: LVM2 lib/format_text/format-text.c, layout.h. */
#ifndef LR_MDA_H
#define LR_MDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

#define LR_MDA_HEADER_SIZE 512
#define LR_MDA_MAGIC " LVM2 x[5A%r0N*>"
#define LR_MDA_MAGIC_LEN 16
#define LR_MDA_VERSION 1
#define LR_MDA_MAX_LOCN 4   /* raw_locn slots kept; LVM2 uses 2 */
#define LR_MDA_LVM2_SLOTS 2 /* the raw_locn slots LVM2 writes */
#define LR_RAW_LOCN_IGNORED 0x00000001U
#define LR_RAW_LOCN_KNOWN_FLAGS LR_RAW_LOCN_IGNORED /* every raw_locn flag LVM2 defines */

typedef struct lr_raw_locn {
    uint64_t offset; /* from the area start */
    uint64_t size;   /* text bytes including the trailing NUL */
    uint32_t checksum;
    uint32_t flags;
} lr_raw_locn_t;

typedef struct lr_mda_header {
    uint32_t checksum;      /* stored (covers bytes 4..511) */
    uint32_t checksum_calc; /* computed */
    bool checksum_ok;
    uint32_t version;
    uint64_t start; /* byte offset of the area from the PV start */
    uint64_t size;  /* area size in bytes, header included */
    size_t n_locn;  /* entries before the zero terminator */
    lr_raw_locn_t locn[LR_MDA_MAX_LOCN];
    /* LVM2's two slots (raw_locn[0] commit, [1] precommit) as stored,
     * whatever the list above says: an all-zero slot ends the list but is
     * still a slot (`pvck --dump headers` prints both). Filled by
     * lr_mda_header_parse only. */
    lr_raw_locn_t stored[LR_MDA_LVM2_SLOTS];
} lr_mda_header_t;

/* Decodes a 512-byte mda header. LR_ENOTFOUND when the magic is absent,
 * LR_EFORMAT for a bad version or unterminated raw_locn list. A checksum
 * mismatch only clears checksum_ok. */
int lr_mda_header_parse(const uint8_t *buf, size_t len, lr_mda_header_t *out, lr_error_t *err);

/* Checks a parsed header for an area expected at area_start (PV-relative)
 * on a PV of dev_size bytes: checksum, start == area_start, size fits,
 * every raw_locn inside the area and no larger than its ring. */
int lr_mda_header_validate(const lr_mda_header_t *h, uint64_t area_start, uint64_t dev_size,
                           lr_error_t *err);

/* Encodes the header as LVM2 writes it: zero padding, checksum computed. */
int lr_mda_header_build(const lr_mda_header_t *h, uint8_t *buf, size_t len, lr_error_t *err);

/* Reads and parses the header of the area at pv_start + area_start. */
int lr_mda_header_read(lr_io_t *io, uint64_t pv_start, uint64_t area_start, lr_mda_header_t *out,
                       lr_error_t *err);

/* Reads the text a raw_locn points at inside the area of h on the PV at
 * pv_start, following a wrap back to area offset 512. *text is a malloc'd
 * buffer of locn->size bytes (owned by the caller, free()), NUL-terminated.
 * Returns LR_ECHECKSUM (text still returned) when the checksum differs,
 * LR_ERANGE when the locn does not fit the area. */
int lr_mda_read_text(lr_io_t *io, uint64_t pv_start, const lr_mda_header_t *h,
                     const lr_raw_locn_t *locn, char **text, lr_error_t *err);

/* LVM2's checksum of a text that may be split in two pieces by the wrap. */
uint32_t lr_mda_text_crc(const char *text, uint64_t size);

/* Where LVM2 would put the next copy of `size` bytes after the committed
 * copy `prev` (NULL for an empty area) in an area of area_size bytes: the
 * offset from the area start, following format-text.c's placement rules
 * (512-byte alignment, restart at 512 when less than 512 bytes remain, else
 * wrap). LR_ELIMIT when size is larger than the ring allows. */
int lr_mda_next_offset(uint64_t area_size, const lr_raw_locn_t *prev, uint64_t size,
                       uint64_t *offset, lr_error_t *err);

/* Largest text (incl. NUL) an area of area_size bytes can hold:
 * (area_size - 512) / 2 - 512 as LVM2 enforces. */
uint64_t lr_mda_max_text(uint64_t area_size);

/* Commits a new copy into the area described by *h on the PV at pv_start, the
 * way LVM2 does: text (size bytes incl. NUL, placed by lr_mda_next_offset
 * after h->locn[0], zero-padded to 512 and wrapped if needed), sync, then the
 * header with slot 0 = new copy and slot 1 cleared, sync. *h is updated on
 * success. On failure nothing after the failing write is written. */
int lr_mda_commit(lr_io_t *io, uint64_t pv_start, lr_mda_header_t *h, const char *text,
                  uint64_t size, lr_error_t *err);

/* Writes an empty area header (no raw_locn) as pvcreate does for an area at
 * area_start of area_size bytes, and fills *h with it. */
int lr_mda_init(lr_io_t *io, uint64_t pv_start, uint64_t area_start, uint64_t area_size,
                lr_mda_header_t *h, lr_error_t *err);

/* The committed copy (slot 0) of a parsed header, or NULL when the area
 * holds none: no slots, or slot 0 with offset 0 and size 0 (LVM2's "no
 * metadata"; such a slot may still carry LR_RAW_LOCN_IGNORED, and is kept
 * as an entry by lr_mda_header_parse, whose list ends at an all-zero
 * entry). The pointer is into *h. */
const lr_raw_locn_t *lr_mda_committed(const lr_mda_header_t *h);

/* LVM2's name of one raw_locn flag bit ("RAW_LOCN_IGNORED"), static; NULL
 * for a bit LVM2 does not define (LR_RAW_LOCN_KNOWN_FLAGS lists those it
 * does). */
const char *lr_raw_locn_flag_name(uint32_t bit);

#endif
