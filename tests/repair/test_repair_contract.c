/* The error contract for the repair engine (lr/diff.h, lr/export.h,
 * lr/extract.h, lr/repair.h) and core's lr/undo.h, which restore uses:
 * every public function that can fail returns a negative status with a
 * NULL error record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#include "lr/diff.h"
#include "lr/error.h"
#include "lr/export.h"
#include "lr/extract.h"
#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/undo.h"

static char g_dir[64];
static lr_scan_session_t *g_scan;

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-repair-contract-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    char path[1024];
    const char *paths[] = {lr_test_path(path, sizeof(path), "history", "disk.img.gz")};
    return lr_scan_paths(paths, 1, NULL, &g_scan, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    lr_scan_session_free(g_scan);
    lr_test_clear_dir(g_dir, true);
    return 0;
}

static void test_inspect(void **state)
{
    (void)state;
    assert_true(lr_scan_result(g_scan)->n_vgs == 1);
    size_t nv = lr_scan_result(g_scan)->vgs[0].n_versions;
    lr_diff_t *diff = NULL;
    lr_test_expect_fail(lr_diff_scan(g_scan, 0, 0, nv, &diff, NULL), LR_ERANGE,
                        "lr_diff_scan (no such version)");
    assert_null(diff);

    lr_scan_pick_t pick = {.vg = "nosuch"};
    int vg = -1, version = -1;
    lr_test_expect_fail(lr_scan_select_one(lr_scan_result(g_scan), &pick, &vg, &version, NULL),
                        LR_ENOTFOUND, "lr_scan_select_one (no such VG)");
    pick.vg = NULL;
    pick.has_seqno = true;
    pick.seqno = 999999;
    lr_test_expect_fail(lr_scan_select_one(lr_scan_result(g_scan), &pick, &vg, &version, NULL),
                        LR_ENOTFOUND, "lr_scan_select_one (no such seqno)");
    lr_vg_t *v = NULL;
    lr_test_expect_fail(lr_scan_version_vg(g_scan, 0, nv, &v, NULL), 0,
                        "lr_scan_version_vg (no such version)");
    char *text = NULL;
    size_t len = 0;
    lr_test_expect_fail(lr_scan_version_text(g_scan, 0, nv, &text, &len, NULL), 0,
                        "lr_scan_version_text (no such version)");
    free(text);

    /* an existing target without the overwrite flag */
    char target[256];
    snprintf(target, sizeof(target), "%s/exists.vg", g_dir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fclose(f);
    lr_test_expect_fail(lr_export_write(g_scan, 0, 0, target, 0, NULL), LR_EREFUSED,
                        "lr_export_write (target exists)");
    lr_test_expect_fail(lr_export_write_text(lr_scan_result(g_scan), "x", 1, target, 0, NULL),
                        LR_EREFUSED, "lr_export_write_text (target exists)");
    lr_test_expect_fail(lr_export_write_text(NULL, "x", 1, "/nonexistent/dir/x.vg", 0, NULL), 0,
                        "lr_export_write_text (no such directory)");

    lr_extract_plan_t *plan = NULL;
    lr_test_expect_fail(lr_extract_plan(g_scan, 0, 0, "nosuch", &plan, NULL), 0,
                        "lr_extract_plan (no such LV)");
    assert_null(plan);
    lr_test_expect_fail(lr_extract_lv(g_scan, 0, 0, "nosuch", target, NULL, NULL, NULL), 0,
                        "lr_extract_lv (no such LV)");
    lr_extract_thin_info_t *info = NULL;
    lr_test_expect_fail(lr_extract_thin_info(NULL, NULL, NULL, &info, NULL), -EINVAL,
                        "lr_extract_thin_info (no plan)");
    assert_null(info);
    lr_raid_sb_t sb;
    lr_test_expect_fail(lr_extract_raid_sb(NULL, NULL, 0, 0, NULL, &sb, NULL), -EINVAL,
                        "lr_extract_raid_sb (no plan)");
    lr_extract_legdiff_t *legs = NULL;
    lr_test_expect_fail(lr_extract_compare_legs(NULL, 0, 0, "x", NULL, &legs, NULL), -EINVAL,
                        "lr_extract_compare_legs (no session)");
    assert_null(legs);
}

static void test_repair_plan(void **state)
{
    (void)state;
    lr_repair_opts_t opts;
    memset(&opts, 0, sizeof(opts));
    opts.seqno = 999999;
    lr_repair_plan_t *plan = NULL;
    lr_test_expect_fail(lr_repair_plan_new(g_scan, NULL, &opts, &plan, NULL), LR_ENOTFOUND,
                        "lr_repair_plan_new (no such seqno)");
    assert_null(plan);
    opts.seqno = 1;
    opts.vg = "nosuch";
    lr_test_expect_fail(lr_repair_plan_new(g_scan, NULL, &opts, &plan, NULL), LR_ENOTFOUND,
                        "lr_repair_plan_new (no such VG)");
    assert_null(plan);
    const char *names[] = {"nosuch"};
    lr_repair_lv_opts_t lo = {.names = names, .n_names = 1};
    lr_test_expect_fail(lr_repair_plan_restore_lv(g_scan, NULL, &opts, &lo, &plan, NULL),
                        LR_ENOTFOUND, "lr_repair_plan_restore_lv (no such VG)");
    lo.n_names = 0;
    lr_test_expect_fail(lr_repair_plan_restore_lv(g_scan, NULL, &opts, &lo, &plan, NULL), -EINVAL,
                        "lr_repair_plan_restore_lv (no names)");
    assert_null(plan);
}

static void test_repair_files(void **state)
{
    (void)state;
    char *dst = NULL;
    lr_test_expect_fail(
        lr_repair_copy_image("/nonexistent/lr-contract.img", g_dir, false, NULL, &dst, NULL, NULL),
        0, "lr_repair_copy_image (no such source)");
    free(dst);

    lr_undo_t *u = NULL;
    char path[256];
    snprintf(path, sizeof(path), "%s/exists.undo", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    lr_test_expect_fail(lr_undo_create(&u, path, NULL), -EEXIST, "lr_undo_create (exists)");
    lr_undo_file_t *uf = NULL;
    lr_test_expect_fail(lr_undo_read("/nonexistent/lr-contract.undo", &uf, NULL), -ENOENT,
                        "lr_undo_read (no such file)");
    lr_test_expect_fail(lr_undo_read(path, &uf, NULL), 0, "lr_undo_read (empty file)");
    assert_null(uf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_repair_plan),
        cmocka_unit_test(test_repair_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
