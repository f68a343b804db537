/* lvmrescue core: a filesystem's own size, from its superblock.
 *
 * libblkid names a filesystem but (in util-linux 2.38) reports no size, so
 * the few size fields lvmrescue compares with an LV's size are decoded here,
 * field by field with bounds checks, from the first bytes of the volume:
 *   ext2/3/4  superblock at 1024: s_blocks_count_lo (+ s_blocks_count_hi
 *             with INCOMPAT_64BIT) x (1024 << s_log_block_size)
 *   xfs       superblock at 0 (big-endian): sb_dblocks x sb_blocksize
 *   btrfs     superblock at 64 KiB: total_bytes
 *   swap      header page: (last_page + 1) x page size, the bytes the swap
 *             area spans (mkswap reports last_page x page size: the usable
 *             pages without the header page)
 * Nothing is trusted: a field out of range, a wrong magic or a product that
 * overflows gives LR_EFORMAT. */
#ifndef LR_FSSIZE_H
#define LR_FSSIZE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of a volume's start lr_fs_size may need (btrfs' superblock ends
 * below this; swap's header page is at most 64 KiB). */
#define LR_FS_SIZE_NEED (68u * 1024)

/* The size in bytes the filesystem `type` (libblkid's TYPE: "ext2", "ext3",
 * "ext4", "xfs", "btrfs", "swap") says it has, decoded from buf (the first
 * len bytes of the volume) into *out. Returns 0, -ENOTSUP for another
 * type (no size known), LR_EFORMAT when the superblock is not there, is cut
 * short or holds impossible values. Never reads past buf + len. */
int lr_fs_size(const char *type, const uint8_t *buf, size_t len, uint64_t *out);

#endif
