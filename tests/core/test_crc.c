/* lr_crc against LVM2's calc_crc: the formula, an independent bitwise
 * oracle, and checksums LVM2 itself stored in the fixture images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "bin_support.h"

#include <zlib.h>

/* The textbook CRC-32 check value is crc32("123456789") = 0xcbf43926, which
 * is the register started at 0xffffffff and inverted at the end; calc_crc
 * does not invert, so it returns ~0xcbf43926. */
static void test_check_value(void **state)
{
    (void)state;
    assert_int_equal(lr_crc(0xffffffffU, "123456789", 9), 0x340bc6d9U);
    assert_int_equal(lr_test_ref_crc(0xffffffffU, "123456789", 9), 0x340bc6d9U);
}

static void test_empty_keeps_initial(void **state)
{
    (void)state;
    assert_int_equal(lr_crc(LR_CRC_INITIAL, "", 0), LR_CRC_INITIAL);
    assert_int_equal(lr_crc(0x12345678U, NULL, 0), 0x12345678U);
    assert_int_equal(lr_crc(0, "x", 0), 0);
}

/* FORMAT.md's zlib identity: lvm_crc(buf) == ~crc32(0x0a685930, buf). */
static void test_zlib_identity(void **state)
{
    (void)state;
    assert_int_equal(~LR_CRC_INITIAL, 0x0a685930U);
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    uint32_t z = (uint32_t)~crc32(0x0a685930UL, buf, sizeof(buf));
    assert_int_equal(lr_crc(LR_CRC_INITIAL, buf, sizeof(buf)), z);
}

/* lr_crc == the bitwise oracle on many lengths (also odd ones, which the
 * 4- and 16-byte loops of LVM2's table code treat specially), and chaining
 * two pieces equals one pass (what the wrapped text checksum relies on). */
static void test_matches_oracle_and_chains(void **state)
{
    (void)state;
    enum { N = 5000 };
    uint8_t *buf = malloc(N);
    assert_non_null(buf);
    uint32_t x = 0x9e3779b9U;
    for (size_t i = 0; i < N; i++) {
        x = x * 1664525U + 1013904223U;
        buf[i] = (uint8_t)(x >> 24);
    }
    static const size_t lens[] = {1,  2,  3,  4,   5,   15,   16,   17, 31,
                                  63, 64, 65, 511, 512, 1023, 4999, N};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        size_t len = lens[k];
        uint32_t want = lr_test_ref_crc(LR_CRC_INITIAL, buf, len);
        assert_int_equal(lr_crc(LR_CRC_INITIAL, buf, len), want);
        for (size_t cut = 0; cut <= len; cut += len / 7 + 1) {
            uint32_t a = lr_crc(LR_CRC_INITIAL, buf, cut);
            assert_int_equal(lr_crc(a, buf + cut, len - cut), want);
        }
    }
    free(buf);
}

/* Checksums LVM2 wrote: every label crc, mda header checksum and
 * committed text checksum that pvck --dump headers printed for the
 * undamaged fixtures, recomputed from the image bytes. */
static void check_fixture(const char *fixture)
{
    lr_test_dev_t devs[8];
    int n = lr_test_devices_req(fixture, devs, 8);
    for (int d = 0; d < n; d++) {
        if (lr_test_has_after(fixture, devs[d].dev))
            continue; /* damaged after capture: covered in test_label/test_mda */
        char file[256];
        snprintf(file, sizeof(file), "%.63s.pvck-headers", devs[d].dev);
        char *hdr = lr_test_truth_req(fixture, file, NULL);
        lr_io_t *io = lr_test_open_fixture(fixture, devs[d].img);
        uint64_t pv = devs[d].pv_start;

        uint64_t at, want;
        assert_true(lr_test_pvck_u64(hdr, "label_header.crc", &want));
        /* "label_header at 512": the offset is the token after "at". */
        const char *p = strstr(hdr, "label_header at ");
        assert_non_null(p);
        at = strtoull(p + strlen("label_header at "), NULL, 10);
        uint8_t sec[512];
        assert_int_equal(lr_io_pread(io, sec, 512, pv + at, NULL), 0);
        assert_int_equal(lr_crc(LR_CRC_INITIAL, sec + 20, 492), (uint32_t)want);

        for (int m = 1; m <= (int)devs[d].mda_count; m++) {
            char key[64];
            uint64_t start, size, off, csum;
            snprintf(key, sizeof(key), "mda_header_%d.checksum", m);
            assert_true(lr_test_pvck_u64(hdr, key, &want));
            snprintf(key, sizeof(key), "mda_header_%d.start", m);
            assert_true(lr_test_pvck_u64(hdr, key, &start));
            assert_int_equal(lr_io_pread(io, sec, 512, pv + start, NULL), 0);
            assert_int_equal(lr_crc(LR_CRC_INITIAL, sec + 4, 508), (uint32_t)want);

            /* Text: not wrapped in these fixtures except `wrapped`, whose
             * two pieces are chained exactly as _vg_write_raw does. */
            snprintf(key, sizeof(key), "mda_header_%d.size", m);
            assert_true(lr_test_pvck_u64(hdr, key, &size));
            snprintf(key, sizeof(key), "mda_header_%d.raw_locn[0].offset", m);
            assert_true(lr_test_pvck_u64(hdr, key, &off));
            snprintf(key, sizeof(key), "mda_header_%d.raw_locn[0].size", m);
            uint64_t tsize;
            assert_true(lr_test_pvck_u64(hdr, key, &tsize));
            snprintf(key, sizeof(key), "mda_header_%d.raw_locn[0].checksum", m);
            assert_true(lr_test_pvck_u64(hdr, key, &csum));
            uint64_t first = off + tsize > size ? size - off : tsize;
            uint8_t *t = malloc(tsize);
            assert_non_null(t);
            assert_int_equal(lr_io_pread(io, t, first, pv + start + off, NULL), 0);
            uint32_t c = lr_crc(LR_CRC_INITIAL, t, first);
            if (first < tsize) {
                assert_int_equal(lr_io_pread(io, t, tsize - first, pv + start + 512, NULL), 0);
                c = lr_crc(c, t, tsize - first);
            }
            assert_int_equal(c, (uint32_t)csum);
            free(t);
        }
        lr_io_close(io, NULL);
        free(hdr);
    }
}

static void test_fixture_checksums(void **state)
{
    (void)state;
    static const char *const fx[] = {"history", "wrapped", "three-pv", "two-mda", "gpt", "reinit"};
    for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
        check_fixture(fx[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),       cmocka_unit_test(test_empty_keeps_initial),
        cmocka_unit_test(test_zlib_identity),     cmocka_unit_test(test_matches_oracle_and_chains),
        cmocka_unit_test(test_fixture_checksums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
