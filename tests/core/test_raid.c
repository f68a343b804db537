/* core's raid rules (lr/raid.h): names and aliases, the placement of a few
 * rows written out by hand from raid5.c's comments, the GF(2^8) constants
 * of the kernel's raid6 tables, rebuilding every one- and two-image loss of
 * random rows, and the dm-raid superblock. The placement of every layout
 * is judged against independently written images by the ctest
 * extract_raid (fixtures/make-raid.py). */
#include <stdlib.h>
#include <string.h>

#include "lr/raid.h"
#include "bin_support.h"

static void test_names(void **state)
{
    (void)state;
    lr_raid_layout_t l;
    assert_true(lr_raid_layout("raid5", &l));
    assert_string_equal(l.name, "raid5_ls");
    assert_int_equal(l.algorithm, LR_RAID_ALG_LEFT_SYMMETRIC);
    assert_true(lr_raid_layout("raid6", &l));
    assert_string_equal(l.name, "raid6_zr");
    assert_int_equal(l.parity, 2);
    assert_true(lr_raid_layout("raid4", &l));
    assert_int_equal(l.level, 5);
    assert_int_equal(l.algorithm, LR_RAID_ALG_PARITY_0);
    assert_true(lr_raid_layout("raid10", &l));
    assert_int_equal(l.level, 10);
    assert_false(lr_raid_layout("raid10_far", &l));
    assert_false(lr_raid_layout("raid7", &l));
    assert_false(lr_raid_layout(NULL, &l));
}

/* raid5 left symmetric, 4 images (raid5.c): row 0 D0 D1 D2 P, row 1
 * D4 D5 P D3 ... parity walks left, data restarts after it. */
static void test_left_symmetric(void **state)
{
    (void)state;
    lr_raid_layout_t l;
    assert_true(lr_raid_layout("raid5_ls", &l));
    int role[4];
    lr_raid_row_roles(&l, 4, 0, role);
    assert_int_equal(role[3], LR_RAID_ROLE_P);
    assert_int_equal(role[0], 0);
    lr_raid_row_roles(&l, 4, 1, role);
    assert_int_equal(role[2], LR_RAID_ROLE_P);
    assert_int_equal(role[3], 0);
    assert_int_equal(role[0], 1);
    lr_raid_loc_t loc = lr_raid_map(&l, 4, 1, 3);
    assert_int_equal(loc.row, 1);
    assert_int_equal(loc.disk, 3);
    /* raid4: parity always on image 0 */
    assert_true(lr_raid_layout("raid4", &l));
    for (uint64_t r = 0; r < 5; r++) {
        lr_raid_row_roles(&l, 3, r, role);
        assert_int_equal(role[0], LR_RAID_ROLE_P);
    }
    /* raid10 near, 4 images, 2 copies: chunk 1 on images 2 and 3 of row 0,
     * chunk 2 on images 0 and 1 of row 1 */
    assert_true(lr_raid_layout("raid10", &l));
    loc = lr_raid_map(&l, 4, 2, 1);
    assert_int_equal(loc.disk, 2);
    assert_int_equal(loc.row, 0);
    loc = lr_raid_map(&l, 4, 2, 2);
    assert_int_equal(loc.disk, 0);
    assert_int_equal(loc.row, 1);
}

static void test_gf(void **state)
{
    (void)state;
    /* lib/raid6/mktables.c: gfexp[8] = 0x1d, gfexp[255] wraps to 1 */
    assert_int_equal(lr_raid_gf_exp2(8), 0x1d);
    assert_int_equal(lr_raid_gf_exp2(255), 1);
    assert_int_equal(lr_raid_gf_mul(0x80, 2), 0x1d);
    assert_int_equal(lr_raid_gf_mul(0, 0x53), 0);
    for (unsigned a = 1; a < 256; a++)
        assert_int_equal(lr_raid_gf_mul((uint8_t)a, 1), a);
}

/* Builds P and Q for a random row, then loses every pair of images. */
static void check_layout(const char *name, unsigned disks)
{
    lr_raid_layout_t l;
    assert_true(lr_raid_layout(name, &l));
    enum { LEN = 64 };
    for (uint64_t row = 0; row < disks + 1; row++) {
        int role[16];
        lr_raid_row_roles(&l, disks, row, role);
        uint8_t good[16][LEN], work[16][LEN];
        uint8_t *chunk[16];
        for (unsigned d = 0; d < disks; d++)
            for (unsigned b = 0; b < LEN; b++)
                good[d][b] = (uint8_t)rand();
        /* parity by the rule itself: lose P (and Q) and rebuild them */
        unsigned pq[2], n_pq = 0;
        for (unsigned d = 0; d < disks; d++)
            if (role[d] < 0)
                pq[n_pq++] = d;
        assert_int_equal(n_pq, l.parity);
        for (unsigned d = 0; d < disks; d++)
            chunk[d] = good[d];
        assert_int_equal(lr_raid_rebuild(&l, disks, role, chunk, LEN, pq, n_pq), 0);
        for (unsigned a = 0; a < disks; a++) {
            for (unsigned b = a; b < disks; b++) {
                unsigned lost[2] = {a, b}, n = a == b ? 1 : 2;
                if (n > l.parity)
                    continue;
                memcpy(work, good, sizeof(work));
                for (unsigned d = 0; d < disks; d++)
                    chunk[d] = work[d];
                memset(work[a], 0xee, LEN);
                memset(work[b], 0xee, LEN);
                assert_int_equal(lr_raid_rebuild(&l, disks, role, chunk, LEN, lost, n), 0);
                assert_memory_equal(work, good, (size_t)disks * LEN);
            }
        }
        unsigned three[3] = {0, 1, 2};
        assert_int_equal(lr_raid_rebuild(&l, disks, role, chunk, LEN, three, 3), LR_ERANGE);
    }
}

static void test_rebuild(void **state)
{
    (void)state;
    srand(13);
    const char *names[] = {"raid4",      "raid5_ls",   "raid5_la",   "raid5_rs",  "raid5_ra",
                           "raid5_n",    "raid6_zr",   "raid6_nr",   "raid6_nc",  "raid6_n_6",
                           "raid6_ls_6", "raid6_la_6", "raid6_ra_6", "raid6_rs_6"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        for (unsigned disks = 4; disks <= 7; disks++)
            check_layout(names[i], disks);
}

static void test_superblock(void **state)
{
    (void)state;
    uint8_t sb[512] = {0};
    lr_raid_sb_t out;
    assert_int_equal(lr_raid_sb_decode(sb, sizeof(sb), &out, NULL), LR_ENOTFOUND);
    assert_int_equal(lr_raid_sb_decode(sb, 100, &out, NULL), LR_ERANGE);
    memcpy(sb, "DmRd", 4); /* the magic as it lies on disk */
    sb[8] = 5;             /* num_devices */
    sb[12] = 2;            /* array_position */
    sb[24] = 0x04;         /* failed_devices: image 2 */
    memset(sb + 32, 0xff, 16);
    sb[48] = 6;
    assert_int_equal(lr_raid_sb_decode(sb, sizeof(sb), &out, NULL), 0);
    assert_int_equal(out.num_devices, 5);
    assert_int_equal(out.array_position, 2);
    assert_int_equal(out.level, 6);
    assert_true(lr_raid_sb_failed(&out, 2));
    assert_false(lr_raid_sb_failed(&out, 1));
    assert_false(lr_raid_sb_failed(&out, 70)); /* no V190 extension */
    assert_true(out.disk_recovery_offset == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),      cmocka_unit_test(test_left_symmetric),
        cmocka_unit_test(test_gf),         cmocka_unit_test(test_rebuild),
        cmocka_unit_test(test_superblock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
