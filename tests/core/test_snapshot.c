/* core's dm-snapshot exception store rules (lr/snapshot.h) on hand-built
 * chunks; the whole store against independently written COW LVs is the
 * ctest extract_snap (fixtures/make-snap.py). */
#include <string.h>

#include "lr/snapshot.h"
#include "bin_support.h"

static void test_header(void **state)
{
    (void)state;
    uint8_t h[512] = {0};
    lr_snap_header_t out;
    assert_int_equal(lr_snap_header_decode(h, sizeof(h), &out, NULL), LR_ENOTFOUND);
    memcpy(h, "SnAp", 4); /* the magic as it lies on disk */
    lr_test_put_le32(h + 4, 1);
    lr_test_put_le32(h + 8, 1);
    lr_test_put_le32(h + 12, 16);
    assert_int_equal(lr_snap_header_decode(h, sizeof(h), &out, NULL), 0);
    assert_int_equal(out.valid, 1);
    assert_int_equal(out.chunk_size, 16);
    lr_test_put_le32(h + 12, 12); /* not a power of two */
    assert_int_equal(lr_snap_header_decode(h, sizeof(h), &out, NULL), LR_EFORMAT);
    lr_test_put_le32(h + 12, 16);
    lr_test_put_le32(h + 8, 2);
    assert_int_equal(lr_snap_header_decode(h, sizeof(h), &out, NULL), LR_EFORMAT);
    assert_int_equal(lr_snap_header_decode(h, 8, &out, NULL), LR_ERANGE);
}

static void test_areas(void **state)
{
    (void)state;
    /* chunk_size 8: 4096-byte chunks, 256 exceptions an area, area i at
     * chunk 1 + 257 i */
    assert_int_equal(lr_snap_per_area(8), 256);
    assert_int_equal(lr_snap_area_chunk(8, 0), 1);
    assert_int_equal(lr_snap_area_chunk(8, 1), 258);
    assert_true(lr_snap_is_meta_chunk(8, 0));
    assert_true(lr_snap_is_meta_chunk(8, 258));
    assert_false(lr_snap_is_meta_chunk(8, 2));
    static uint8_t area[4096];
    lr_snap_exception_t ex[256];
    size_t n = 9;
    bool more = true;
    memset(area, 0, sizeof(area));
    lr_test_put_le64(area, 7);
    lr_test_put_le64(area + 8, 2);
    lr_test_put_le64(area + 16, 3);
    lr_test_put_le64(area + 24, 3);
    assert_int_equal(lr_snap_area_decode(area, sizeof(area), 8, ex, 256, &n, &more, NULL), 0);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(ex[0].old_chunk, 7);
    assert_int_equal(ex[1].new_chunk, 3);
    for (unsigned i = 0; i < 256; i++) {
        lr_test_put_le64(area + 16 * i, i);
        lr_test_put_le64(area + 16 * i + 8, 2 + i);
    }
    assert_int_equal(lr_snap_area_decode(area, sizeof(area), 8, ex, 256, &n, &more, NULL), 0);
    assert_int_equal(n, 256);
    assert_true(more);
    assert_int_equal(lr_snap_area_decode(area, sizeof(area), 8, ex, 10, &n, &more, NULL),
                     LR_ELIMIT);
    lr_test_put_le64(area + 8, 258); /* a metadata area is never a copy */
    assert_int_equal(lr_snap_area_decode(area, sizeof(area), 8, ex, 256, &n, &more, NULL),
                     LR_EFORMAT);
    assert_int_equal(lr_snap_area_decode(area, 100, 8, ex, 256, &n, &more, NULL), LR_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_areas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
