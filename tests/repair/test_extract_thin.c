/* lr_extract_read and lr_extract_thin_info on thin LVs of fixtures/thin
 * (vgcfgrestore + thin_restore): reads across block boundaries, mapped and
 * unmapped, equal the pattern make-thin.sh wrote, built here independently
 * from the mapping it gave thin_restore (truth/pool.xml); the info matches
 * thin_dump's counts; damage is reported by block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lr/extract.h"
#include "lr/scan.h"
#include "support.h"

#define BS 65536u

/* thin1's mapping in truth/pool.xml */
static const struct {
    uint64_t v, d;
} thin1[] = {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {10, 4}, {100, 5}, {255, 6}};

static void expect_block(uint8_t *out, uint64_t v)
{
    memset(out, 0, BS);
    for (size_t i = 0; i < sizeof(thin1) / sizeof(thin1[0]); i++) {
        if (thin1[i].v != v)
            continue;
        char rec[33];
        snprintf(rec, sizeof(rec), "thin data block %06u pattern!\n", (unsigned)thin1[i].d);
        for (size_t k = 0; k < BS; k += 32)
            memcpy(out + k, rec, 32);
    }
}

static lr_scan_session_t *scan_one(const char *img)
{
    char path[1024];
    const char *pp[1] = {lr_test_path(path, sizeof(path), "thin", img)};
    lr_scan_session_t *s = NULL;
    assert_int_equal(lr_scan_paths(pp, 1, NULL, &s, NULL), 0);
    return s;
}

static void latest(lr_scan_session_t *s, int *vg, int *ver, uint64_t seqno)
{
    lr_scan_pick_t p = {.vg = "thinvg", .has_seqno = true, .seqno = seqno};
    assert_int_equal(lr_scan_select_one(lr_scan_result(s), &p, vg, ver, NULL), 0);
}

static void test_read_ranges(void **state)
{
    (void)state;
    lr_scan_session_t *s = scan_one("disk.img.gz");
    int vg, ver;
    latest(s, &vg, &ver, 3);
    lr_extract_plan_t *plan = NULL;
    assert_int_equal(lr_extract_plan(s, (size_t)vg, (size_t)ver, "thin1", &plan, NULL), 0);
    assert_non_null(plan->thin);
    assert_string_equal(plan->thin->pool, "pool");
    assert_string_equal(plan->thin->meta_lv, "pool_tmeta");
    assert_int_equal(plan->thin->dev_id, 1);
    assert_int_equal(plan->size, 256u * BS);
    /* [2.5 blocks, 11.5 blocks): mapped 2, 3, 10 and unmapped 4..9; and
     * the last block, mapped */
    static const uint64_t starts[] = {2 * BS + BS / 2, 254 * BS + 7, 0};
    static const uint64_t lens[] = {9 * BS, 2 * BS - 7, 1};
    uint8_t *want = malloc(260 * BS), *got = malloc(10 * BS);
    assert_non_null(want);
    assert_non_null(got);
    for (uint64_t v = 0; v < 256; v++)
        expect_block(want + v * BS, v);
    for (size_t i = 0; i < 3; i++) {
        memset(got, 0xaa, 10 * BS);
        assert_int_equal(
            lr_extract_read(lr_scan_result(s), plan, got, lens[i], starts[i], NULL, NULL), 0);
        assert_memory_equal(got, want + starts[i], lens[i]);
    }
    assert_int_equal(lr_extract_read(lr_scan_result(s), plan, got, 2, 256 * BS - 1, NULL, NULL),
                     LR_ERANGE);

    lr_extract_thin_info_t *info = NULL;
    assert_int_equal(lr_extract_thin_info(lr_scan_result(s), plan, NULL, &info, NULL), 0);
    assert_int_equal(info->super.transaction_id, 3);
    assert_int_equal(info->block_size, BS);
    assert_int_equal(info->usage.mapped, 7);
    assert_int_equal(info->usage.highest, 255);
    assert_int_equal(info->usage.shared, 5);
    assert_int_equal(info->n_damage, 0);
    assert_int_equal(info->lost_bytes, 0);
    lr_extract_thin_info_free(info);
    free(want);
    free(got);
    lr_extract_plan_free(plan);
    lr_scan_session_free(s);
}

static void test_damaged_info(void **state)
{
    (void)state;
    char *e = lr_test_truth_req("thin", "expected", NULL);
    uint64_t block = strtoull(strstr(e, "damaged_block=") + 14, NULL, 10);
    uint64_t first = strtoull(strstr(e, "first_key=") + 10, NULL, 10);
    free(e);
    lr_scan_session_t *s = scan_one("damaged.img.gz");
    int vg, ver;
    latest(s, &vg, &ver, 3);
    lr_extract_plan_t *plan = NULL;
    assert_int_equal(lr_extract_plan(s, (size_t)vg, (size_t)ver, "thin3", &plan, NULL), 0);
    lr_extract_thin_info_t *info = NULL;
    assert_int_equal(lr_extract_thin_info(lr_scan_result(s), plan, NULL, &info, NULL), 0);
    assert_int_equal(info->n_damage, 1);
    assert_int_equal(info->damage[0].block, block);
    assert_int_equal(info->usage.mapped, first);
    assert_int_equal(info->lost_bytes, (512 - first) * BS);
    /* a read inside the lost range gives zeros, one before it the data */
    uint8_t buf[64];
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(
        lr_extract_read(lr_scan_result(s), plan, buf, sizeof(buf), first * BS, NULL, NULL), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(
        lr_extract_read(lr_scan_result(s), plan, buf, 32, (first - 1) * BS, NULL, NULL), 0);
    char rec[33];
    snprintf(rec, sizeof(rec), "thin data block %06u pattern!\n", (unsigned)(20 + first - 1));
    assert_memory_equal(buf, rec, 32);
    lr_extract_thin_info_free(info);
    lr_extract_plan_free(plan);
    lr_scan_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_ranges),
        cmocka_unit_test(test_damaged_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
