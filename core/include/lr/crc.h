/* lvmrescue core: LVM2's CRC-32 (lib/misc/crc.c) and the CRC-32C the
 * kernel's persistent-data (dm-thin metadata) uses. */
#ifndef LR_CRC_H
#define LR_CRC_H

#include <stddef.h>
#include <stdint.h>

#define LR_CRC_INITIAL 0xf597a6cfU

/* LVM2's calc_crc(initial, buf, len): reflected 0xedb88320, no final xor.
 * Chain pieces by passing the previous result as `initial`. */
uint32_t lr_crc(uint32_t initial, const void *buf, size_t len);

/* The kernel's crc32c(seed, buf, len) (Castagnoli, reflected 0x82f63b78),
 * with no inversion on entry or exit: the standard CRC-32C of buf is
 * ~lr_crc32c(0xffffffff, buf, len). persistent-data's dm_bm_checksum is
 * lr_crc32c(0xffffffff, ...) ^ salt. Chain pieces through `seed`. */
uint32_t lr_crc32c(uint32_t seed, const void *buf, size_t len);

/* The kernel's crc32_be(seed, buf, len): CRC-32 (0x04c11db7) MSB first,
 * not reflected, no inversion on entry or exit; jbd2's journal checksum v1
 * (JBD2_FEATURE_COMPAT_CHECKSUM) is lr_crc32_be(0xffffffff, ...) chained
 * over a transaction's blocks. */
uint32_t lr_crc32_be(uint32_t seed, const void *buf, size_t len);

/* persistent-data's dm_bm_checksum of a metadata block (dm-thin and
 * dm-cache metadata): lr_crc32c(0xffffffff) over the len - 4 bytes after the
 * block's le32 checksum field, XORed with the structure's salt. len >= 4. */
uint32_t lr_crc32c_block(const void *block, size_t len, uint32_t salt);

#endif
