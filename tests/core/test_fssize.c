/* lr_fs_size: the superblock size fields, decoded with bounds checks. The
 * real filesystems (mkfs.ext4/xfs/btrfs, mkswap) are checked against
 * dumpe2fs, xfs_db, btrfs inspect-internal and mkswap by lvmscan-evidence;
 * here: the fields one by one, cut buffers, wrong magics, overflow. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lr/error.h"
#include "lr/fssize.h"

static uint8_t buf[LR_FS_SIZE_NEED];

static void put32(uint8_t *p, uint32_t v, int be)
{
    for (int i = 0; i < 4; i++)
        p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void test_ext4(void **state)
{
    (void)state;
    uint64_t n = 0;
    memset(buf, 0, sizeof(buf));
    buf[1024 + 0x38] = 0x53;
    buf[1024 + 0x39] = 0xEF;
    put32(buf + 1024 + 0x04, 4096, 0); /* blocks_lo */
    put32(buf + 1024 + 0x18, 2, 0);    /* 4 KiB blocks */
    assert_int_equal(lr_fs_size("ext4", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, 4096ull * 4096);
    put32(buf + 1024 + 0x150, 1, 0); /* blocks_hi counts only with 64BIT */
    assert_int_equal(lr_fs_size("ext4", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, 4096ull * 4096);
    put32(buf + 1024 + 0x60, 0x80, 0);
    assert_int_equal(lr_fs_size("ext3", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, ((1ull << 32) + 4096) * 4096);
    assert_int_equal(lr_fs_size("ext4", buf, 1024 + 0x153, &n), LR_EFORMAT); /* cut */
    put32(buf + 1024 + 0x18, 200, 0);
    assert_int_equal(lr_fs_size("ext4", buf, sizeof(buf), &n), LR_EFORMAT);
    buf[1024 + 0x38] = 0;
    assert_int_equal(lr_fs_size("ext2", buf, sizeof(buf), &n), LR_EFORMAT);
}

static void test_xfs(void **state)
{
    (void)state;
    uint64_t n = 0;
    memset(buf, 0, sizeof(buf));
    memcpy(buf, "XFSB", 4);
    put32(buf + 4, 4096, 1);
    put32(buf + 12, 5120, 1); /* dblocks low word, big-endian */
    assert_int_equal(lr_fs_size("xfs", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, 5120ull * 4096);
    put32(buf + 8, 0xffffffffu, 1); /* dblocks x blocksize overflows */
    assert_int_equal(lr_fs_size("xfs", buf, sizeof(buf), &n), LR_EFORMAT);
    put32(buf + 8, 0, 1);
    put32(buf + 4, 4097, 1); /* not a power of two */
    assert_int_equal(lr_fs_size("xfs", buf, sizeof(buf), &n), LR_EFORMAT);
    assert_int_equal(lr_fs_size("xfs", buf, 15, &n), LR_EFORMAT);
}

static void test_btrfs_swap(void **state)
{
    (void)state;
    uint64_t n = 0;
    memset(buf, 0, sizeof(buf));
    memcpy(buf + 65536 + 0x40, "_BHRfS_M", 8);
    put32(buf + 65536 + 0x70, 16u << 20, 0);
    assert_int_equal(lr_fs_size("btrfs", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, 16u << 20);
    assert_int_equal(lr_fs_size("btrfs", buf, 65536 + 0x77, &n), LR_EFORMAT);
    memset(buf, 0, sizeof(buf));
    memcpy(buf + 4096 - 10, "SWAPSPACE2", 10);
    put32(buf + 1024, 1, 0);
    put32(buf + 1028, 1023, 0);
    assert_int_equal(lr_fs_size("swap", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, 1024ull * 4096); /* the header page included */
    put32(buf + 1024, 1, 1);             /* a big-endian machine's */
    put32(buf + 1028, 511, 1);
    assert_int_equal(lr_fs_size("swap", buf, sizeof(buf), &n), 0);
    assert_int_equal(n, 512ull * 4096);
    put32(buf + 1024, 7, 0);
    assert_int_equal(lr_fs_size("swap", buf, sizeof(buf), &n), LR_EFORMAT);
    assert_int_equal(lr_fs_size("swap", buf, 4095, &n), LR_EFORMAT);
    assert_int_equal(lr_fs_size("vfat", buf, sizeof(buf), &n), -ENOTSUP);
    assert_int_equal(lr_fs_size(NULL, buf, sizeof(buf), &n), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ext4),
        cmocka_unit_test(test_xfs),
        cmocka_unit_test(test_btrfs_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
