/* lr_scan_pv_moved_to on hand-built scan results: the story of
 * tests/scan/status-moved.sh (VG A on pv1+pv2, B on pv3; vgsplit A C pv2,
 * vgrename C D, vgmerge B D) as the scan records it. pv2's metadata area
 * commits B's newest version, which lists pv2 by its label: pv2 moved to B
 * for D (which still lists it) and for A (whose older versions listed it),
 * since B's oldest version with a copy on pv2; not for B itself. An area
 * that still commits the asking VG, a committing VG that does not list the
 * PV, a PV no other VG finds by its label and bad arguments all say -1. */
#include <stdio.h>
#include <string.h>

#include "support.h"

#include "lr/scan.h"

enum { VG_A, VG_B, VG_D, N_VGS };
enum { AREA_PV2, AREA_PV3, N_AREAS };

typedef struct story {
    lr_scan_t s;
    lr_scan_vg_t vgs[N_VGS];
    lr_scan_vg_pv_t pvs_b[2], pvs_d[1], pvs_a[1];
    lr_scan_area_t areas[N_AREAS];
    lr_scan_copy_t copies[6];
} story_t;

static void set_pv(lr_scan_vg_pv_t *pv, const char *uuid, int image)
{
    snprintf(pv->id_raw, sizeof(pv->id_raw), "%s", uuid);
    pv->found = LR_SCAN_PV_LABEL;
    pv->image = image;
    pv->pv_start = 0;
    pv->label = image;
}

static void set_copy(lr_scan_copy_t *cp, int vg, int version, int area)
{
    cp->vg = vg;
    cp->version = version;
    cp->area = area;
}

/* Images: 0 pv1 (A's), 1 pv2 (moved), 2 pv3 (B's). B's versions, newest
 * first: 0 and 1 were written to pv2 too (1 the merge), 2 only to pv3. */
static void make_story(story_t *t)
{
    memset(t, 0, sizeof(*t));
    set_pv(&t->pvs_b[0], "pv2uuid", 1);
    set_pv(&t->pvs_b[1], "pv3uuid", 2);
    set_pv(&t->pvs_d[0], "pv2uuid", 1);
    set_pv(&t->pvs_a[0], "pv1uuid", 0);
    t->vgs[VG_A] = (lr_scan_vg_t){.n_versions = 2, .n_pvs = 1, .pvs = t->pvs_a};
    t->vgs[VG_B] = (lr_scan_vg_t){.n_versions = 3, .n_pvs = 2, .pvs = t->pvs_b};
    t->vgs[VG_D] = (lr_scan_vg_t){.n_versions = 1, .n_pvs = 1, .pvs = t->pvs_d};
    t->areas[AREA_PV2] = (lr_scan_area_t){.image = 1, .pv_start = 0, .committed = 2};
    t->areas[AREA_PV3] = (lr_scan_area_t){.image = 2, .pv_start = 0, .committed = 3};
    set_copy(&t->copies[0], VG_D, 0, AREA_PV2); /* D's last version, before the merge */
    set_copy(&t->copies[1], VG_B, 1, AREA_PV2); /* B's first version written to pv2 */
    set_copy(&t->copies[2], VG_B, 0, AREA_PV2); /* B's newest, committed on pv2 */
    set_copy(&t->copies[3], VG_B, 0, AREA_PV3);
    set_copy(&t->copies[4], VG_B, 1, AREA_PV3);
    set_copy(&t->copies[5], VG_B, 2, AREA_PV3); /* B before the merge: pv3 only */
    t->s = (lr_scan_t){.n_areas = N_AREAS,
                       .areas = t->areas,
                       .n_copies = 6,
                       .copies = t->copies,
                       .n_vgs = N_VGS,
                       .vgs = t->vgs};
}

static void test_moved(void **state)
{
    (void)state;
    story_t t;
    make_story(&t);
    int since = 7;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", &since, NULL), VG_B);
    assert_int_equal(since, 1);
    since = 7;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_A, "pv2uuid", &since, NULL), VG_B);
    assert_int_equal(since, 1);
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_A, "pv2uuid", NULL, NULL), VG_B);
    /* B's own PVs: its areas commit B */
    since = 7;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_B, "pv2uuid", &since, NULL), -1);
    assert_int_equal(since, -1);
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_B, "pv3uuid", NULL, NULL), -1);
    /* pv1: no VG but A lists it */
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_A, "pv1uuid", NULL, NULL), -1);
    /* a UUID nobody lists (a re-initialised disk's old PV) */
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "olduuid", NULL, NULL), -1);
}

static void test_not_moved(void **state)
{
    (void)state;
    story_t t;
    make_story(&t);
    /* the merge never committed: pv2's area still commits D's version */
    t.areas[AREA_PV2].committed = 0;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", NULL, NULL), -1);
    /* ... which, for A, is a move to D (vgsplit alone) since D's version 0 */
    int since = 7;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_A, "pv2uuid", &since, NULL), VG_D);
    assert_int_equal(since, 0);

    /* a second area on pv2 still committing D: not moved for D */
    make_story(&t);
    lr_scan_area_t areas[3] = {t.areas[0], t.areas[1], t.areas[0]};
    areas[2].committed = 0;
    t.s.areas = areas;
    t.s.n_areas = 3;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", NULL, NULL), -1);
    /* ... but the loose question (lvmrepair's) sees B claim it in one area */
    bool partly = false;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", NULL, &partly), VG_B);
    assert_true(partly);
    /* and a whole move is not partly */
    make_story(&t);
    partly = true;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", NULL, &partly), VG_B);
    assert_false(partly);

    /* the committing VG (B) does not list the PV, D does */
    make_story(&t);
    snprintf(t.pvs_b[0].id_raw, sizeof(t.pvs_b[0].id_raw), "%s", "pvXuuid");
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_A, "pv2uuid", NULL, NULL), -1);

    /* B lists pv2 but did not find it by its label */
    make_story(&t);
    t.pvs_b[0].found = LR_SCAN_PV_INFERRED;
    t.pvs_d[0].found = LR_SCAN_PV_INFERRED;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_A, "pv2uuid", NULL, NULL), -1);

    /* nothing committed on pv2 (no header, or its slot unreadable) */
    make_story(&t);
    t.areas[AREA_PV2].committed = -1;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", NULL, NULL), -1);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    story_t t;
    make_story(&t);
    int since = 7;
    assert_int_equal(lr_scan_pv_moved_to(NULL, VG_D, "pv2uuid", &since, NULL), -1);
    assert_int_equal(since, -1);
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, NULL, NULL, NULL), -1);
    assert_int_equal(lr_scan_pv_moved_to(&t.s, N_VGS, "pv2uuid", NULL, NULL), -1);
    /* a committed index past the copies is ignored, not read */
    t.areas[AREA_PV2].committed = 99;
    assert_int_equal(lr_scan_pv_moved_to(&t.s, VG_D, "pv2uuid", NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moved),
        cmocka_unit_test(test_not_moved),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
