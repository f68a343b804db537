/* Bringing back single LVs (lr_repair_plan_restore_lv) on the history
 * fixture (lv3 removed at seqno 16; seqno 15 has it), on a temporary copy:
 *   - the plan: lv3 from seqno 15 into seqno 16 as seqno 17; its new text
 *     is seqno 16's text as LVM2 wrote it (pvck's dump, truth/
 *     disk.pvck-all-mda1), byte for byte but the edited header fields, plus
 *     lv3's section of seqno 15 as pvck shows it (compared without
 *     whitespace: the copy is rendered in LVM2's flush-left style);
 *   - refusals: an LV not removed (data; gamma of second-mda-only, reduced
 *     by real LVM2: the whole version named), a taken name (LR_HINT_NEW_NAME),
 *     extents taken (seqno 8's
 *     lv3 had lv4's extent: named), no such LV, a bad new name, --as with
 *     several names;
 *   - --as: new name, new UUID;
 *   - execution: a scan then sees seqno 17 committed with lv1 data lv3 lv4. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/repair.h"
#include "lr/scan.h"
#include "support.h"
#include "text_support.h"

static char g_dir[64];
static char g_img[128];

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-restore-lv-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    char src[512];
    snprintf(g_img, sizeof(g_img), "%s/disk.img", g_dir);
    lr_test_path(src, sizeof(src), "history", "disk.img.gz");
    return lr_test_unpack(src, g_img, 0);
}

static int group_teardown(void **state)
{
    (void)state;
    lr_test_clear_dir(g_dir, true);
    return 0;
}

static lr_scan_session_t *scan_img(void)
{
    const char *paths[] = {g_img};
    lr_scan_session_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_paths(paths, 1, NULL, &s, &err), 0);
    return s;
}

static int plan(lr_scan_session_t *s, uint64_t seqno, const char *names, const char *as,
                lr_repair_plan_t **p, lr_error_t *err)
{
    char buf[256];
    const char *v[8];
    size_t n = 0;
    snprintf(buf, sizeof(buf), "%s", names);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < 8;
         t = strtok_r(NULL, ",", &save))
        v[n++] = t;
    lr_repair_opts_t o = {.seqno = seqno, .host = "testhost", .now = 1800000000};
    lr_repair_lv_opts_t lo = {.names = v, .n_names = n, .as = as};
    lr_error_clear(err);
    return lr_repair_plan_restore_lv(s, NULL, &o, &lo, p, err);
}

/* Copy seqno N of pvck's dump (from "vg0 {" with that seqno up to the next
 * copy), malloc'd. */
static char *pvck_copy(const char *dump, uint64_t seqno)
{
    char want[64];
    snprintf(want, sizeof(want), "vg0 {\nid = ");
    const char *at = dump;
    while ((at = strstr(at, want)) != NULL) {
        const char *sq = strstr(at, "\nseqno = ");
        if (sq && strtoull(sq + 9, NULL, 10) == seqno) {
            const char *end = strstr(at + 1, "\n--\nvg0 {");
            size_t len = end ? (size_t)(end - at) + 1 : strlen(at);
            return strndup(at, len);
        }
        at++;
    }
    return NULL;
}

/* [*b, *e) of the section "\nNAME {" ... its "}" in text (flush left). */
static bool section(const char *text, const char *name, size_t *b, size_t *e)
{
    char key[64];
    snprintf(key, sizeof(key), "\n%s {\n", name);
    const char *s = strstr(text, key);
    if (!s)
        return false;
    int depth = 0;
    for (const char *c = s + 1; *c; c++) {
        depth += *c == '{';
        depth -= *c == '}';
        if (*c == '}' && depth == 0) {
            *b = (size_t)(s - text);
            *e = (size_t)(c + 1 - text);
            return true;
        }
    }
    return false;
}

static char *squeeze(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
            o[k++] = s[i];
    o[k] = '\0';
    return o;
}

static bool edited_line(const char *l)
{
    return !strncmp(l, "seqno = ", 8) || !strncmp(l, "description = ", 14) ||
           !strncmp(l, "creation_host = ", 16) || !strncmp(l, "creation_time = ", 16);
}

/* Lines of a and b, the edited header lines left out, are equal. */
static void same_lines(const char *a, const char *b)
{
    char *x = strdup(a), *y = strdup(b), *sa = NULL, *sb = NULL;
    char *la = strtok_r(x, "\n", &sa), *lb = strtok_r(y, "\n", &sb);
    for (;;) {
        while (la && edited_line(la))
            la = strtok_r(NULL, "\n", &sa);
        while (lb && edited_line(lb))
            lb = strtok_r(NULL, "\n", &sb);
        if (!la || !lb)
            break;
        assert_string_equal(la, lb);
        la = strtok_r(NULL, "\n", &sa);
        lb = strtok_r(NULL, "\n", &sb);
    }
    assert_null(la);
    assert_null(lb);
    free(x);
    free(y);
}

static void test_plan_lv3(void **state)
{
    (void)state;
    lr_scan_session_t *s = scan_img();
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan(s, 15, "lv3", NULL, &p, &err), 0);
    assert_int_equal(p->seqno, 15);
    assert_int_equal(p->base_seqno, 16);
    assert_int_equal(p->new_seqno, 17);
    assert_int_equal(p->n_lvs, 1);
    assert_string_equal(p->lvs[0].name, "lv3");
    assert_true(p->lvs[0].named);
    assert_string_equal(p->lvs[0].id, "HpgyF6-KiOy-ZeEX-C4aE-rOaf-fYwS-MlULD7");
    assert_int_equal(p->lvs[0].n_ranges, 1);
    assert_string_equal(p->lvs[0].ranges[0].pv_key, "pv0");
    assert_int_equal(p->lvs[0].ranges[0].start, 3);
    assert_int_equal(p->lvs[0].ranges[0].count, 1);
    assert_int_equal(p->lvs[0].size, 4u << 20);
    assert_int_equal(p->n_changes, 1);
    assert_int_equal(p->changes[0].kind, LR_REPAIR_LV_BACK);
    assert_true(strstr(p->description, "lvmrescue restore of LV lv3 of VG vg0 seqno 15") != NULL);

    /* the text against LVM2's own copies, as pvck dumped them */
    char *dump = lr_test_truth_req("history", "disk.pvck-all-mda1", NULL);
    char *c15 = pvck_copy(dump, 15), *c16 = pvck_copy(dump, 16);
    assert_non_null(c15);
    assert_non_null(c16);
    size_t b15 = 0, e15 = 0, b = 0, e = 0;
    assert_true(section(c15, "lv3", &b15, &e15));
    assert_true(section(p->text, "lv3", &b, &e));
    char *old = squeeze(c15 + b15, e15 - b15), *now = squeeze(p->text + b, e - b);
    assert_string_equal(now, old);
    free(old);
    free(now);
    /* without it (and the blank line before it) the text is seqno 16's */
    char *rest = strdup(p->text);
    size_t cut = b > 0 && rest[b - 1] == '\n' ? b - 1 : b;
    memmove(rest + cut, rest + e, strlen(rest + e) + 1);
    same_lines(rest, c16);
    assert_true(strstr(p->text, "\nseqno = 17\n") != NULL);
    free(rest);
    free(c15);
    free(c16);
    free(dump);
    lr_repair_plan_free(p);
    lr_scan_session_free(s);
}

static void test_refusals(void **state)
{
    (void)state;
    lr_scan_session_t *s = scan_img();
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    /* data is still there, the same LV, the same size: the refusal says so */
    assert_int_equal(plan(s, 15, "data", NULL, &p, &err), LR_EREFUSED);
    assert_true(err.hints & LR_HINT_NEW_NAME);
    assert_non_null(strstr(err.msg, "the same LV (UUID "));
    assert_non_null(strstr(err.msg, "not removed"));
    assert_null(strstr(err.msg, "resized"));
    assert_null(p);
    /* seqno 8: lv3 had two extents, the second is lv4's now */
    assert_int_equal(plan(s, 8, "lv3", NULL, &p, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "are LV lv4's"));
    assert_int_equal(plan(s, 15, "nosuch", NULL, &p, &err), LR_ENOTFOUND);
    assert_int_equal(plan(s, 15, "lv3", "bad/name", &p, &err), -EINVAL);
    assert_int_equal(plan(s, 15, "lv3", "lv3_rimage_0", &p, &err), -EINVAL);
    assert_int_equal(plan(s, 15, "lv3,lv4", "x", &p, &err), -EINVAL);
    assert_int_equal(plan(s, 15, "lv3", "data", &p, &err), LR_EREFUSED);
    assert_true(err.hints & LR_HINT_NEW_NAME);
    /* lv4 exists in seqno 16 under the same UUID */
    assert_int_equal(plan(s, 15, "lv4", "lv4copy", &p, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "are LV lv4's"));
    lr_scan_session_free(s);
}

/* second-mda-only: real LVM2's lvreduce -L 4M of gamma (6 MiB, 2 MiB
 * extents) at seqno 9. Bringing gamma back from seqno 8 is refused as the
 * same LV, not removed, naming both sizes and what gives the old size
 * back (the whole version), not only another name. */
static void test_reduced(void **state)
{
    (void)state;
    char src[512], img[160];
    snprintf(img, sizeof(img), "%s/reduced.img", g_dir);
    lr_test_path(src, sizeof(src), "second-mda-only", "disk.img.gz");
    assert_int_equal(lr_test_unpack(src, img, 0), 0);
    const char *paths[] = {img};
    lr_scan_session_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_paths(paths, 1, NULL, &s, &err), 0);
    lr_repair_plan_t *p = NULL;
    assert_int_equal(plan(s, 8, "gamma", NULL, &p, &err), LR_EREFUSED);
    assert_null(p);
    assert_non_null(strstr(err.msg, "already has an LV named gamma in its current version "
                                    "(seqno 10): the same LV (UUID "));
    assert_non_null(strstr(err.msg, "not removed, resized to 2 extents (3 in seqno 8); restoring "
                                    "the whole version seqno 8 gives back its old size"));
    lr_scan_session_free(s);
    unlink(img);
}

static void test_as(void **state)
{
    (void)state;
    lr_scan_session_t *s = scan_img();
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan(s, 15, "lv3", "lv3b", &p, &err), 0);
    assert_string_equal(p->lvs[0].name, "lv3b");
    assert_string_equal(p->lvs[0].old_name, "lv3");
    assert_string_not_equal(p->lvs[0].id, p->lvs[0].old_id);
    assert_non_null(strstr(p->text, "\nlv3b {\n"));
    assert_null(strstr(p->text, "\nlv3 {\n"));
    assert_non_null(strstr(p->text, p->lvs[0].id));
    assert_null(strstr(p->text, p->lvs[0].old_id));
    lr_repair_plan_free(p);
    lr_scan_session_free(s);
}

static void test_execute(void **state)
{
    (void)state;
    lr_scan_session_t *s = scan_img();
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan(s, 15, "lv3", NULL, &p, &err), 0);
    lr_scan_session_free(s);
    char undo[160];
    snprintf(undo, sizeof(undo), "%s/undo", g_dir);
    lr_repair_exec_opts_t xo = {.undo_path = undo};
    assert_int_equal(lr_repair_execute(p, &xo, &err), 0);
    assert_true(p->verified);
    lr_repair_plan_free(p);
    s = scan_img();
    const lr_scan_t *r = lr_scan_result(s);
    assert_int_equal(r->n_vgs, 1);
    const lr_scan_vg_t *g = &r->vgs[0];
    assert_int_equal(g->versions[g->committed_latest].seqno, 17);
    lr_vg_t *vg = NULL;
    assert_int_equal(lr_scan_version_vg(s, 0, (size_t)g->committed_latest, &vg, &err), 0);
    assert_int_equal(vg->n_lvs, 4);
    assert_non_null(lr_vg_find_lv(vg, "lv3"));
    assert_int_equal(lr_vg_check(vg, &err), 0);
    lr_vg_free(vg);
    lr_scan_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_lv3), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_reduced),  cmocka_unit_test(test_as),
        cmocka_unit_test(test_execute),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
