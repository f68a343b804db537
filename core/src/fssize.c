/* A filesystem's own size from its superblock (see lr/fssize.h). Offsets
 * and fields from the on-disk formats: ext4 (fs/ext4/ext4.h struct
 * ext4_super_block), XFS (xfs_format.h struct xfs_dsb), btrfs
 * (struct btrfs_super_block) and Linux swap (union swap_header). */
#include "lr/fssize.h"

#include <errno.h>
#include <string.h>

#include "lr/error.h"
#include "lr/extfs.h"
#include "le.h"

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static int product(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a == 0 || b == 0 || __builtin_mul_overflow(a, b, out))
        return LR_EFORMAT;
    return 0;
}

/* The superblock's rule is lr/extfs.h's (the scanner's prober shares it). */
static int ext_size(const uint8_t *b, size_t len, uint64_t *out)
{
    if (len < LR_EXTFS_SUPERBLOCK ||
        !lr_extfs_superblock(b + LR_EXTFS_SUPERBLOCK, len - LR_EXTFS_SUPERBLOCK, NULL, out))
        return LR_EFORMAT;
    return 0;
}

static int xfs_size(const uint8_t *b, size_t len, uint64_t *out)
{
    if (len < 16 || memcmp(b, "XFSB", 4) != 0)
        return LR_EFORMAT;
    uint32_t bs = get_be32(b + 4); /* sb_blocksize: 512 .. 64 KiB, a power of 2 */
    if (bs < 512 || bs > 65536 || (bs & (bs - 1)) != 0)
        return LR_EFORMAT;
    return product(get_be64(b + 8), bs, out); /* sb_dblocks */
}

#define BTRFS_SB 65536u

static int btrfs_size(const uint8_t *b, size_t len, uint64_t *out)
{
    if (len < BTRFS_SB + 0x78 || memcmp(b + BTRFS_SB + 0x40, "_BHRfS_M", 8) != 0)
        return LR_EFORMAT;
    uint64_t total = lr_get_le64(b + BTRFS_SB + 0x70); /* total_bytes */
    if (total == 0)
        return LR_EFORMAT;
    *out = total;
    return 0;
}

/* The signature ends the header page, so its place gives the page size. */
static int swap_size(const uint8_t *b, size_t len, uint64_t *out)
{
    for (size_t page = 4096; page <= 65536; page *= 2) {
        if (len < page || (memcmp(b + page - 10, "SWAPSPACE2", 10) != 0 &&
                           memcmp(b + page - 10, "SWAP-SPACE", 10) != 0))
            continue;
        if (len < 1024 + 8)
            return LR_EFORMAT;
        uint32_t version = lr_get_le32(b + 1024);
        uint32_t last = lr_get_le32(b + 1028);
        if (version != 1) { /* written by a big-endian machine */
            version = get_be32(b + 1024);
            last = get_be32(b + 1028);
        }
        if (version != 1 || last == 0)
            return LR_EFORMAT;
        return product((uint64_t)last + 1, page, out);
    }
    return LR_EFORMAT;
}

int lr_fs_size(const char *type, const uint8_t *buf, size_t len, uint64_t *out)
{
    if (!type || !buf || !out)
        return -EINVAL;
    if (strcmp(type, "ext2") == 0 || strcmp(type, "ext3") == 0 || strcmp(type, "ext4") == 0 ||
        strcmp(type, "ext4dev") == 0)
        return ext_size(buf, len, out);
    if (strcmp(type, "xfs") == 0)
        return xfs_size(buf, len, out);
    if (strcmp(type, "btrfs") == 0)
        return btrfs_size(buf, len, out);
    if (strcmp(type, "swap") == 0)
        return swap_size(buf, len, out);
    return -ENOTSUP;
}
