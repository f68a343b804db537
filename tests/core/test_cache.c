/* core's dm-cache metadata rules (lr/cache.h): crc32c, the superblock's
 * checks, and a walk over hand-made trees that must fail by name (cycle,
 * block out of range). The whole metadata against cache_restore's and
 * cache_dump's view is the ctest extract_cache. */
#include <string.h>

#include "lr/cache.h"
#include "lr/crc.h"
#include "bin_support.h"

static uint8_t blocks[4][LR_PDATA_BLOCK];

static void seal(uint8_t *b, uint32_t salt)
{
    lr_test_put_le32(b, lr_crc32c_block(b, LR_PDATA_BLOCK, salt));
}

static int rd(void *arg, uint64_t block, uint8_t *buf, lr_error_t *err)
{
    (void)arg;
    (void)err;
    memcpy(buf, blocks[block], LR_PDATA_BLOCK);
    return 0;
}

static int count(void *arg, uint64_t cblock, uint64_t oblock, bool dirty)
{
    (void)cblock;
    (void)oblock;
    (void)dirty;
    (*(int *)arg)++;
    return 0;
}

static void test_superblock_and_walk(void **state)
{
    (void)state;
    lr_cache_sb_t sb;
    memset(blocks, 0, sizeof(blocks));
    assert_int_equal(lr_cache_sb_decode(blocks[0], LR_PDATA_BLOCK, &sb, NULL), LR_ENOTFOUND);
    lr_test_put_le64(blocks[0] + 32, LR_CACHE_MAGIC);
    lr_test_put_le32(blocks[0] + 40, 1);
    lr_test_put_le64(blocks[0] + 192, 1); /* mapping root: block 1 */
    lr_test_put_le32(blocks[0] + 232, 64);
    lr_test_put_le32(blocks[0] + 240, 8);
    lr_test_put_le32(blocks[0] + 4, 1); /* clean shutdown */
    assert_int_equal(lr_cache_sb_decode(blocks[0], LR_PDATA_BLOCK, &sb, NULL), LR_ECHECKSUM);
    seal(blocks[0], 9031977u);
    assert_int_equal(lr_cache_sb_decode(blocks[0], LR_PDATA_BLOCK, &sb, NULL), 0);
    assert_int_equal(sb.cache_blocks, 8);
    /* block 1: an internal node whose only child is itself (a cycle) */
    lr_test_put_le32(blocks[1] + 4, 1);
    lr_test_put_le64(blocks[1] + 8, 1);
    lr_test_put_le32(blocks[1] + 16, 1);
    lr_test_put_le32(blocks[1] + 20, 2);
    lr_test_put_le32(blocks[1] + 24, 8);
    lr_test_put_le64(blocks[1] + 32 + 16, 1);
    seal(blocks[1], 121107u);
    lr_error_t err;
    int n = 0;
    assert_int_equal(lr_cache_mappings(&sb, 4, rd, NULL, count, &n, &err), LR_EFORMAT);
    assert_non_null(strstr(err.msg, "block 1 is reached twice"));
    /* a child out of range */
    lr_test_put_le64(blocks[1] + 32 + 16, 99);
    seal(blocks[1], 121107u);
    assert_int_equal(lr_cache_mappings(&sb, 4, rd, NULL, count, &n, &err), LR_EFORMAT);
    assert_non_null(strstr(err.msg, "block 99 is past the metadata LV"));
    assert_int_equal(n, 0);
}

/* dm-writecache superblock: the data offset as the kernel computes it,
 * and every check failing by name. */
static void test_writecache(void **state)
{
    (void)state;
    uint8_t sb[LR_WRITECACHE_SB_SIZE] = {0}, e[LR_WRITECACHE_ENTRY];
    lr_writecache_sb_t wc;
    lr_error_t err;
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), 1 << 20, &wc, &err), LR_ENOTFOUND);
    lr_test_put_le32(sb, LR_WRITECACHE_MAGIC);
    lr_test_put_le32(sb + 4, 1);
    lr_test_put_le32(sb + 8, 4096);
    lr_test_put_le64(sb + 16, 31);
    lr_test_put_le64(sb + 24, 10);
    /* 64 + 31 * 16 = 560 bytes of metadata: data at 4096, ends at 131072 */
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), 131072, &wc, &err), 0);
    assert_int_equal(wc.data_offset, 4096);
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), 131071, &wc, &err), LR_EFORMAT);
    assert_non_null(strstr(err.msg, "do not fit"));
    lr_test_put_le64(sb + 16, UINT64_MAX / 8); /* overflows */
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), UINT64_MAX, &wc, &err), LR_EFORMAT);
    lr_test_put_le64(sb + 16, 31);
    lr_test_put_le32(sb + 8, 3000);
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), 131072, &wc, &err), LR_EFORMAT);
    assert_non_null(strstr(err.msg, "block size 3000"));
    lr_test_put_le32(sb + 8, 4096);
    lr_test_put_le32(sb + 4, 2);
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), 131072, &wc, &err), LR_EFORMAT);
    assert_non_null(strstr(err.msg, "version 2"));
    lr_test_put_le32(sb + 4, 1);
    lr_test_put_le32(sb, 0x57434143u);
    assert_int_equal(lr_writecache_sb_decode(sb, sizeof(sb), 131072, &wc, &err), LR_EFORMAT);
    assert_int_equal(lr_writecache_sb_decode(sb, 63, 131072, &wc, &err), LR_ERANGE);
    /* committed: seq_count below the superblock's; all ones is free */
    uint64_t sector, seq;
    wc.seq_count = 10;
    lr_test_put_le64(e, 8);
    lr_test_put_le64(e + 8, 9);
    assert_true(lr_writecache_entry(&wc, e, &sector, &seq));
    assert_int_equal(sector, 8);
    lr_test_put_le64(e + 8, 10);
    assert_false(lr_writecache_entry(&wc, e, &sector, &seq));
    lr_test_put_le64(e + 8, UINT64_MAX);
    assert_false(lr_writecache_entry(&wc, e, &sector, &seq));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_superblock_and_walk),
        cmocka_unit_test(test_writecache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
