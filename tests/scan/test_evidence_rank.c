/* The recommendation's content ranking (scan/src/evidence_rec.c,
 * docs/evidence.md "Recommendation") on evidence trees built by hand:
 * what a lost LV's start holds now grades the candidate that would bring
 * it back (its own signature, none, a later LV's), a filesystem larger
 * than its LV in the version to restore counts against it, and the
 * ranking puts the grades before the events' age. Each case would fail if
 * the content were ignored: the grades differ only by content. The whole
 * recommendation on real LVM2 images is tests/scan/test-evidence.sh. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "evidence_int.h" /* ev_grade, ev_head_taker, ev_cand_before */
#include "lr/evidence.h"
#include "lr/strbuf.h"

/* One VG, versions newest first:
 *   [0] seqno 3: C (took A's first extents), B shrunk to 4 MiB
 *   [1] seqno 2: A removed, B 16 MiB
 *   [2] seqno 1: A 8 MiB, B 16 MiB */
typedef struct tree {
    lr_evidence_t ev;
    lr_ev_vg_t vg;
    lr_ev_version_t v[3];
    lr_ev_lv_t l0[2], l1[1], l2[2];
    lr_ev_reuse_t a_reuse;
} tree_t;

static lr_ev_content_t found(const char *type, const char *uuid)
{
    return (lr_ev_content_t){.state = LR_EV_FOUND, .type = (char *)type, .uuid = (char *)uuid};
}

static lr_ev_lv_t lv(const char *name, const char *id, uint64_t mib, lr_ev_content_t c)
{
    return (lr_ev_lv_t){.name = (char *)name,
                        .id = (char *)id,
                        .size = mib << 20,
                        .extents = mib,
                        .visible = true,
                        .content = c};
}

/* a: A's content now; c: C's content (the later LV on A's first extents);
 * b: B's content; b_fs: the size B's filesystem claims (0 none). */
static void build(tree_t *t, lr_ev_content_t a, lr_ev_content_t c, lr_ev_content_t b)
{
    memset(t, 0, sizeof(*t));
    t->l0[0] = lv("C", "id-C", 4, c);
    t->l0[1] = lv("B", "id-B", 4, b);
    t->l1[0] = lv("B", "id-B", 16, b);
    t->l2[0] = lv("A", "id-A", 8, a);
    t->l2[1] = lv("B", "id-B", 16, b);
    t->a_reuse = (lr_ev_reuse_t){.seqno = 3,
                                 .vg = "vg",
                                 .lv = "C",
                                 .taker_vg = 0,
                                 .taker_version = 0,
                                 .taker_lv = 0,
                                 .pv = "pv0"};
    t->l2[0].reuse = &t->a_reuse;
    t->l2[0].n_reuse = 1;
    t->v[0] = (lr_ev_version_t){.version = 0, .seqno = 3, .loaded = true, .n_lvs = 2, .lvs = t->l0};
    t->v[1] = (lr_ev_version_t){.version = 1, .seqno = 2, .loaded = true, .n_lvs = 1, .lvs = t->l1};
    t->v[2] = (lr_ev_version_t){.version = 2, .seqno = 1, .loaded = true, .n_lvs = 2, .lvs = t->l2};
    t->vg.n_versions = 3;
    t->vg.versions = t->v;
    t->ev.n_vgs = 1;
    t->ev.vgs = &t->vg;
}

/* The grade of restoring seqno 1 to undo the removal of A (seqno 2), and
 * its words. */
static lr_ev_grade_t grade_remove(const tree_t *t, char *why, size_t len)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_ev_grade_t g = ev_grade(&t->ev, 0, 2, 1, &b);
    snprintf(why, len, "%s", b.s ? b.s : "");
    lr_strbuf_free(&b);
    return g;
}

/* A's start holds C's signature (same type and UUID): overwritten. */
static void test_overwritten(void **state)
{
    (void)state;
    tree_t t;
    build(&t, found("ext4", "u-C"), found("ext4", "u-C"), (lr_ev_content_t){0});
    char why[256];
    assert_ptr_equal(ev_head_taker(&t.ev, &t.l2[0]), &t.a_reuse);
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_AGAINST);
    assert_string_equal(why,
                        "; ranked lower: A's start now holds C's ext4; restoring it as a whole "
                        "removes C's ext4, made after it (bringing back only the lost LV "
                        "keeps it)");
}

/* A's start holds an ext4 no later LV has: A's own, not overwritten. C
 * holds no signature: restoring seqno 1 removes nothing known. */
static void test_own(void **state)
{
    (void)state;
    tree_t t;
    build(&t, found("ext4", "u-A"), (lr_ev_content_t){0}, (lr_ev_content_t){0});
    char why[256];
    assert_null(ev_head_taker(&t.ev, &t.l2[0]));
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_OWN);
    assert_string_equal(why, "; A's own ext4 is still at its start");
}

/* Nothing at A's start: no content evidence either way. */
static void test_no_signature(void **state)
{
    (void)state;
    tree_t t;
    build(&t, (lr_ev_content_t){0}, (lr_ev_content_t){0}, (lr_ev_content_t){0});
    char why[256];
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_NO_SIGNATURE);
    assert_string_equal(why, "; no signature found at the start of A");
    /* two signatures (ambivalent) are not taken as A's own either */
    t.l2[0].content = (lr_ev_content_t){.state = LR_EV_AMBIVALENT, .type = "ext4,xfs"};
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_NO_SIGNATURE);
}

/* The version to restore holds a filesystem larger than its LV: restoring
 * it truncates that filesystem, whatever A's start holds. */
static void test_truncates(void **state)
{
    (void)state;
    tree_t t;
    build(&t, found("ext4", "u-A"), (lr_ev_content_t){0}, found("xfs", "u-B"));
    t.l2[1].content.fs_size = 32u << 20; /* B is 16 MiB in seqno 1 */
    char why[256];
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_AGAINST);
    assert_non_null(strstr(why, "ranked lower: restoring it truncates B's xfs (a 32 MiB "
                                "filesystem in a 16 MiB LV)"));
    /* a filesystem that fits is no evidence against */
    t.l2[1].content.fs_size = 16u << 20;
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_OWN);
}

/* The shrink of B (seqno 3): restoring seqno 2 brings B's 16 MiB back; B's
 * own filesystem is at its start (B itself is no "later LV"). A, not lost
 * by that event, does not count; C holds nothing (test_removes_later). */
static void test_shrink(void **state)
{
    (void)state;
    tree_t t;
    build(&t, found("ext4", "u-C"), (lr_ev_content_t){0}, found("ext4", "u-B"));
    lr_strbuf_t b = LR_STRBUF_INIT;
    assert_int_equal(ev_grade(&t.ev, 0, 1, 0, &b), LR_EV_GRADE_OWN);
    assert_string_equal(b.s, "; B's own ext4 is still at its start");
    lr_strbuf_free(&b);
}

/* A PV re-initialised after the newest version (e < 0): the LVs another
 * VG took extents of are the lost ones. */
static void test_reinit(void **state)
{
    (void)state;
    tree_t t;
    build(&t, found("swap", "u-N"), found("swap", "u-N"), (lr_ev_content_t){0});
    /* seqno 1 as the newest, A taken by another VG's C */
    t.v[0].loaded = t.v[1].loaded = false;
    t.a_reuse.other_vg = true;
    t.a_reuse.vg = "newvg";
    lr_strbuf_t b = LR_STRBUF_INIT;
    assert_int_equal(ev_grade(&t.ev, 0, 2, -1, &b), LR_EV_GRADE_AGAINST);
    assert_string_equal(b.s, "; ranked lower: A's start now holds newvg/C's swap");
    lr_strbuf_free(&b);
    /* without the other-VG reuse nothing is lost there, B's missing
     * signature is all that is said */
    t.a_reuse.other_vg = false;
    assert_int_equal(ev_grade(&t.ev, 0, 2, -1, NULL), LR_EV_GRADE_NO_SIGNATURE);
}

/* C, made after seqno 1 and holding an ext4 somewhere else than A's start
 * (A's start holds nothing): restoring seqno 1 as a whole removes C, so
 * the candidate is against, and the reason names C. Before the fix it was
 * no_signature, recommended as if nothing would be lost. */
static void test_removes_later(void **state)
{
    (void)state;
    tree_t t;
    build(&t, (lr_ev_content_t){0}, found("ext4", "u-C"), (lr_ev_content_t){0});
    char why[256];
    assert_null(ev_head_taker(&t.ev, &t.l2[0]));
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_AGAINST);
    assert_string_equal(why, "; ranked lower: restoring it as a whole removes C's ext4, made "
                             "after it (bringing back only the lost LV keeps it)");
    /* two later LVs with content: both named */
    t.l0[1].content = found("swap", "u-B2");
    t.l0[1].id = "id-B2"; /* a new LV, not the B of seqno 1 */
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_AGAINST);
    assert_non_null(strstr(why, "removes C's ext4 and B's swap, made after it (bringing back "
                                "only the lost LV keeps them)"));
    /* B of the newest version is the B of seqno 1 (same UUID): kept by the
     * restore, never "removed" */
    t.l0[1].id = "id-B";
    assert_null(strstr((grade_remove(&t, why, sizeof(why)), why), "B's swap"));
    /* a later LV with no signature: nothing known is lost */
    t.l0[0].content = (lr_ev_content_t){.state = LR_EV_EMPTY};
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_NO_SIGNATURE);
}

/* What restoring removes is judged against the version the disks commit
 * (lr_ev_vg_t.current), not a newer one only a backup file holds: with
 * seqno 2 current, C (only in seqno 3) is named as not counted. */
static void test_removes_current(void **state)
{
    (void)state;
    tree_t t;
    build(&t, (lr_ev_content_t){0}, found("ext4", "u-C"), (lr_ev_content_t){0});
    t.vg.current = 1;
    char why[256];
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_NO_SIGNATURE);
    assert_string_equal(why, "; no signature found at the start of A; C's ext4 is only in seqno "
                             "3, newer than seqno 2 the disks commit: not counted");
    /* the current version not loaded: the newest loaded one is used */
    t.v[1].loaded = false;
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_AGAINST);
    assert_non_null(strstr(why, "removes C's ext4, made after it"));
}

/* B of seqno 1 was moved since (a finished pvmove): restoring seqno 1
 * points it back at the stale copy, against it; across a gap (reduced,
 * extended elsewhere) it is said, not graded. */
static void test_moved(void **state)
{
    (void)state;
    tree_t t;
    build(&t, (lr_ev_content_t){0}, (lr_ev_content_t){0}, (lr_ev_content_t){0});
    lr_ev_move_t m = {
        .first = 0, .last = 3, .seqno = 2, .pv = "pv0", .pe = 20, .was_pv = "pv0", .was_pe = 2};
    t.l2[1].moved = &m;
    t.l2[1].n_moved = 1;
    char why[512];
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_AGAINST);
    assert_string_equal(why, "; ranked lower: B's extents 0-3 were moved at seqno 2 (now "
                             "pv0:20-23): restoring it points them back at pv0:2-5, the stale "
                             "copy the move left");
    m.gap = true;
    assert_int_equal(grade_remove(&t, why, sizeof(why)), LR_EV_GRADE_NO_SIGNATURE);
    assert_string_equal(why, "; no signature found at the start of A; B's extents 0-3 map "
                             "elsewhere since seqno 2 (now pv0:20-23): restoring it points them "
                             "back at pv0:2-5, which hold what was written before they left the "
                             "LV");
}

/* The order: recoverable first, then own signature, none, against; equal
 * candidates keep the events' order (never "before" each other). */
static void test_order(void **state)
{
    (void)state;
    assert_true(ev_cand_before(true, LR_EV_GRADE_OWN, true, LR_EV_GRADE_NO_SIGNATURE));
    assert_true(ev_cand_before(true, LR_EV_GRADE_NO_SIGNATURE, true, LR_EV_GRADE_AGAINST));
    assert_true(ev_cand_before(true, LR_EV_GRADE_OWN, true, LR_EV_GRADE_AGAINST));
    assert_false(ev_cand_before(true, LR_EV_GRADE_AGAINST, true, LR_EV_GRADE_OWN));
    assert_false(ev_cand_before(true, LR_EV_GRADE_OWN, true, LR_EV_GRADE_OWN));
    assert_false(ev_cand_before(true, LR_EV_GRADE_AGAINST, true, LR_EV_GRADE_AGAINST));
    /* a loss all reused since never outranks a recoverable one */
    assert_true(ev_cand_before(true, LR_EV_GRADE_AGAINST, false, LR_EV_GRADE_OWN));
    assert_false(ev_cand_before(false, LR_EV_GRADE_OWN, true, LR_EV_GRADE_AGAINST));
    assert_string_equal(lr_ev_grade_name(LR_EV_GRADE_OWN), "own_signature");
    assert_string_equal(lr_ev_grade_name(LR_EV_GRADE_NO_SIGNATURE), "no_signature");
    assert_string_equal(lr_ev_grade_name(LR_EV_GRADE_AGAINST), "against");
    assert_null(lr_ev_grade_name(LR_EV_GRADE_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overwritten),     cmocka_unit_test(test_own),
        cmocka_unit_test(test_no_signature),    cmocka_unit_test(test_truncates),
        cmocka_unit_test(test_shrink),          cmocka_unit_test(test_reinit),
        cmocka_unit_test(test_order),           cmocka_unit_test(test_removes_later),
        cmocka_unit_test(test_removes_current), cmocka_unit_test(test_moved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
