/* The error contract for the VG editor (lr/vgedit.h): every public function
 * that can fail returns a negative status with a NULL error record. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#include "lr/error.h"
#include "lr/io.h"
#include "lr/vgedit.h"

static char g_dir[64];

/* A sparse scratch file of size bytes in g_dir; path receives its name. */
static void scratch(char *path, size_t len, const char *name, uint64_t size)
{
    snprintf(path, len, "%s/%s", g_dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    close(fd);
}

static void test_edit_helpers(void **state)
{
    (void)state;
    uint64_t bytes;
    lr_test_expect_fail(lr_vgedit_parse_size("12x", 'm', &bytes, NULL), -EINVAL,
                        "lr_vgedit_parse_size (bad unit)");
    lr_test_expect_fail(lr_vgedit_check_name("-lv", true, NULL), -EINVAL, "lr_vgedit_check_name");
    lr_vgedit_range_t one = {0, 4}, *out = NULL;
    size_t n_out = 0;
    lr_test_expect_fail(lr_vgedit_alloc(&one, 1, 5, UINT64_MAX, &out, &n_out, NULL), LR_EREFUSED,
                        "lr_vgedit_alloc (not enough space)");
    free(out);

    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    lr_vgedit_layout_t lay;
    lr_test_expect_fail(lr_vgedit_layout(4096, &o, &lay, NULL), LR_ERANGE,
                        "lr_vgedit_layout (device too small)");
    o.metadata_copies = 3;
    lr_test_expect_fail(lr_vgedit_layout(64 << 20, &o, &lay, NULL), -EINVAL,
                        "lr_vgedit_layout (three copies)");
}

static void test_edit_format_open(void **state)
{
    (void)state;
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    lr_test_expect_fail(lr_vgedit_format("/nonexistent/lr-contract.img", &o, NULL, NULL), 0,
                        "lr_vgedit_format (no such file)");
    lr_test_expect_fail(lr_vgedit_format_ex("/nonexistent/lr-contract.img", &o, NULL, NULL, NULL),
                        0, "lr_vgedit_format_ex (no such file)");
    lr_vgedit_t *ed = NULL;
    lr_test_expect_fail(lr_vgedit_open(&ed, "/nonexistent/lr-contract.img", LR_VGEDIT_READ, NULL),
                        0, "lr_vgedit_open (no such file)");
    char zeros[256];
    scratch(zeros, sizeof(zeros), "zeros.img", 8 << 20);
    lr_test_expect_fail(lr_vgedit_open(&ed, zeros, LR_VGEDIT_READ, NULL), LR_ENOTFOUND,
                        "lr_vgedit_open (not a PV)");
    lr_test_expect_fail(lr_vgedit_open_ex(&ed, zeros, LR_VGEDIT_WRITE, NULL, NULL), LR_ENOTFOUND,
                        "lr_vgedit_open_ex (not a PV)");
    assert_null(ed);

    char pv[256];
    scratch(pv, sizeof(pv), "pv.img", 64 << 20);
    assert_int_equal(lr_vgedit_format(pv, &o, NULL, NULL), 0);
    /* a PV label is there now: formatting again is refused */
    lr_test_expect_fail(lr_vgedit_format(pv, &o, NULL, NULL), LR_EREFUSED,
                        "lr_vgedit_format (over a PV)");

    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, pv, NULL), 0);
    const char *what = NULL;
    uint64_t off = 0;
    assert_int_equal(lr_vgedit_detect_signature(io, &what, &off, NULL), 0);
    assert_non_null(what);
    lr_io_close(io, NULL);
    unlink(zeros);
    unlink(pv);
}

static void test_edit_edits(void **state)
{
    (void)state;
    char pv[256];
    scratch(pv, sizeof(pv), "edits.img", 64 << 20);
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    assert_int_equal(lr_vgedit_format(pv, &o, NULL, NULL), 0);

    lr_vgedit_t *ed = NULL;
    assert_int_equal(lr_vgedit_open(&ed, pv, LR_VGEDIT_WRITE, NULL), 0);
    lr_test_expect_fail(lr_vgedit_lv_create(ed, "-bad", 1, NULL), -EINVAL,
                        "lr_vgedit_lv_create (bad name)");
    lr_test_expect_fail(lr_vgedit_lv_create(ed, "big", 1000, NULL), LR_EREFUSED,
                        "lr_vgedit_lv_create (no space)");
    lr_test_expect_fail(lr_vgedit_lv_remove(ed, "nosuch", NULL), LR_ENOTFOUND,
                        "lr_vgedit_lv_remove");
    lr_test_expect_fail(lr_vgedit_lv_resize(ed, "nosuch", 2, NULL), LR_ENOTFOUND,
                        "lr_vgedit_lv_resize");
    lr_test_expect_fail(lr_vgedit_lv_rename(ed, "nosuch", "other", NULL), LR_ENOTFOUND,
                        "lr_vgedit_lv_rename");
    uint64_t from, to;
    lr_test_expect_fail(lr_vgedit_resize_extents(ed, "nosuch", '+', 1 << 20, &from, &to, NULL),
                        LR_ENOTFOUND, "lr_vgedit_resize_extents");
    assert_int_equal(lr_vgedit_lv_create(ed, "lv0", 1, NULL), 0);
    lr_test_expect_fail(lr_vgedit_lv_create(ed, "lv0", 1, NULL), LR_EREFUSED,
                        "lr_vgedit_lv_create (name taken)");
    lr_vgedit_free(ed);

    /* a read-only handle cannot commit */
    assert_int_equal(lr_vgedit_open(&ed, pv, LR_VGEDIT_READ, NULL), 0);
    lr_test_expect_fail(lr_vgedit_commit(ed, "x", NULL), LR_EREADONLY,
                        "lr_vgedit_commit (read-only)");
    lr_vgedit_free(ed);
    unlink(pv);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-edit-contract-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lr_test_clear_dir(g_dir, true);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_helpers),
        cmocka_unit_test(test_edit_format_open),
        cmocka_unit_test(test_edit_edits),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
