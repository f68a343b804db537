/* LVM2's CRC-32 (lib/misc/crc.c calc_crc) on top of zlib.
 *
 * calc_crc is the plain reflected CRC-32 register update (polynomial
 * 0xedb88320) started from `initial`, with no inversion on entry or exit.
 * zlib's crc32(c, ...) inverts the register on entry and on exit, so
 * calc_crc(initial, buf) == ~crc32(~initial, buf). For LVM2's INITIAL_CRC
 * 0xf597a6cf that is ~crc32(0x0a685930, buf). */
#include "lr/crc.h"

#include <zlib.h>
#ifdef LR_HAVE_EXT2FS
#include <ext2fs/ext2fs.h>
#endif

uint32_t lr_crc(uint32_t initial, const void *buf, size_t len)
{
    /* crc32_z(x, NULL, 0) returns 0 whatever x is; an empty piece must
     * leave the register alone so chained pieces stay correct. */
    if (len == 0 || !buf)
        return initial;
    uLong c = crc32_z((uLong)(~initial & 0xffffffffU), (const Bytef *)buf, (z_size_t)len);
    return (uint32_t)(~c & 0xffffffffU);
}

#ifdef LR_HAVE_EXT2FS
uint32_t lr_crc32c(uint32_t seed, const void *buf, size_t len)
{
    /* e2fsprogs' CRC-32C (slice-by-8; the same register, no inversion on
     * entry or exit): a btrfs's tree blocks and data sectors, XFS's log
     * records, ext4's journal are checked by it */
    return buf ? ext2fs_crc32c_le(seed, buf, len) : seed;
}
#else
uint32_t lr_crc32c(uint32_t seed, const void *buf, size_t len)
{
    /* a build without libext2fs: a nibble table, built on the stack (no
     * shared state), a few times slower */
    uint32_t tab[16];
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t c = i;
        for (int k = 0; k < 4; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78U : c >> 1;
        tab[i] = c;
    }
    const unsigned char *p = buf;
    uint32_t c = seed;
    for (size_t i = 0; p && i < len; i++) {
        c ^= p[i];
        c = (c >> 4) ^ tab[c & 15];
        c = (c >> 4) ^ tab[c & 15];
    }
    return c;
}
#endif

uint32_t lr_crc32_be(uint32_t seed, const void *buf, size_t len)
{
    /* MSB first, a nibble table as lr_crc32c's (zlib has only the
     * reflected CRC-32) */
    uint32_t tab[16];
    for (uint32_t i = 0; i < 16; i++) {
        uint32_t c = i << 28;
        for (int k = 0; k < 4; k++)
            c = c & 0x80000000U ? (c << 1) ^ 0x04c11db7U : c << 1;
        tab[i] = c;
    }
    const unsigned char *p = buf;
    uint32_t c = seed;
    for (size_t i = 0; p && i < len; i++) {
        c ^= (uint32_t)p[i] << 24;
        c = (c << 4) ^ tab[c >> 28];
        c = (c << 4) ^ tab[c >> 28];
    }
    return c;
}

uint32_t lr_crc32c_block(const void *block, size_t len, uint32_t salt)
{
    return lr_crc32c(0xffffffffU, (const unsigned char *)block + 4, len - 4) ^ salt;
}
