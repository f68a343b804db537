/* The error contract (core/include/lr/error.h, libgit2's): the return value
 * is always the status, whether or not an lr_error_t * was passed. Every
 * public function of core that can fail is called here with a NULL record
 * on an input that makes it fail and must return a negative status (a NULL
 * record once turned failures into success). The error helpers themselves
 * are checked with and without a record: what they return, what they keep
 * and what they replace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "lr/config.h"
#include "lr/error.h"
#include "lr/io.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "lr/meta.h"
#include "lr/thin.h"
#include "mem_io.h"

/* ---- the helpers ---------------------------------------------------------------- */

static void test_helpers_null_record(void **state)
{
    (void)state;
    assert_int_equal(lr_error_set(NULL, LR_EFORMAT, 7, "x %d", 1), LR_EFORMAT);
    assert_int_equal(lr_error_at(NULL, "img", LR_ECHECKSUM, 7, "x"), LR_ECHECKSUM);
    assert_int_equal(lr_error_wrap(NULL, "img", -EIO), -EIO);
    assert_int_equal(lr_error_prefix(NULL, "reading", LR_ERANGE), LR_ERANGE);
    assert_int_equal(lr_error_refuse(NULL, LR_HINT_FORCE, "no"), LR_EREFUSED);
    assert_int_equal(lr_error_oom(NULL), -ENOMEM);
    lr_error_clear(NULL);
}

static void test_error_at(void **state)
{
    (void)state;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_error_at(&err, "a.img", LR_EFORMAT, 512, "bad %s", "magic"), LR_EFORMAT);
    assert_int_equal(err.code, LR_EFORMAT);
    assert_int_equal(err.offset, 512);
    assert_string_equal(err.where, "a.img");
    assert_string_equal(err.msg, "bad magic");
    /* a second error replaces code, offset, message and name */
    assert_int_equal(lr_error_at(&err, "b.img", -EIO, LR_NO_OFFSET, "read"), -EIO);
    assert_int_equal(err.code, -EIO);
    assert_true(err.offset == LR_NO_OFFSET);
    assert_string_equal(err.where, "b.img");
    assert_string_equal(err.msg, "read");
    /* a NULL name clears the earlier one */
    assert_int_equal(lr_error_at(&err, NULL, LR_ERANGE, 1, "r"), LR_ERANGE);
    assert_string_equal(err.where, "");
}

static void test_error_wrap(void **state)
{
    (void)state;
    lr_error_t err;
    lr_error_clear(&err);
    lr_error_set(&err, LR_ECHECKSUM, 9, "crc");
    /* names an unnamed error, keeps the callee's code and message */
    assert_int_equal(lr_error_wrap(&err, "outer.img", -EIO), -EIO);
    assert_string_equal(err.where, "outer.img");
    assert_int_equal(err.code, LR_ECHECKSUM);
    assert_string_equal(err.msg, "crc");
    assert_int_equal(err.offset, 9);
    /* the innermost name wins */
    assert_int_equal(lr_error_wrap(&err, "outermost", LR_EFORMAT), LR_EFORMAT);
    assert_string_equal(err.where, "outer.img");
    /* a record the callee left empty gets the code */
    lr_error_clear(&err);
    assert_int_equal(lr_error_wrap(&err, "x", LR_ENOTFOUND), LR_ENOTFOUND);
    assert_int_equal(err.code, LR_ENOTFOUND);
    assert_string_equal(err.where, "x");
}

static void test_error_prefix(void **state)
{
    (void)state;
    lr_error_t err;
    lr_error_clear(&err);
    lr_error_at(&err, "a.img", LR_ECHECKSUM, 1024, "crc 1 != 2");
    assert_int_equal(lr_error_prefix(&err, "copy 3", LR_ECHECKSUM), LR_ECHECKSUM);
    assert_string_equal(err.msg, "copy 3: crc 1 != 2");
    assert_int_equal(err.offset, 1024);
    assert_string_equal(err.where, "a.img");
    /* the code is the one given */
    assert_int_equal(lr_error_prefix(&err, "restore", -EIO), -EIO);
    assert_int_equal(err.code, -EIO);
    assert_string_equal(err.msg, "restore: copy 3: crc 1 != 2");
    /* a callee that left no message: its code's name */
    lr_error_clear(&err);
    assert_int_equal(lr_error_prefix(&err, "reading", LR_ERANGE), LR_ERANGE);
    assert_string_equal(err.msg, "reading: value out of range");
}

static void test_error_refuse_hints(void **state)
{
    (void)state;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_error_refuse(&err, LR_HINT_FORCE | LR_HINT_USE_COPY, "busy %d", 2),
                     LR_EREFUSED);
    assert_int_equal(err.code, LR_EREFUSED);
    assert_int_equal(err.hints, LR_HINT_FORCE | LR_HINT_USE_COPY);
    assert_string_equal(err.msg, "busy 2");
    assert_true(err.offset == LR_NO_OFFSET);
    /* a prefix keeps the refusal's hints */
    assert_int_equal(lr_error_prefix(&err, "restore", LR_EREFUSED), LR_EREFUSED);
    assert_int_equal(err.hints, LR_HINT_FORCE | LR_HINT_USE_COPY);
    assert_string_equal(err.msg, "restore: busy 2");
    /* a new error clears them: they no longer apply */
    assert_int_equal(lr_error_set(&err, -EIO, 0, "io"), -EIO);
    assert_int_equal(err.hints, 0);
    lr_error_refuse(&err, LR_HINT_CHOOSE_VG, "which");
    assert_int_equal(lr_error_at(&err, "x", LR_EFORMAT, 0, "f"), LR_EFORMAT);
    assert_int_equal(err.hints, 0);
    lr_error_refuse(&err, LR_HINT_CHOOSE_VG, "which");
    assert_int_equal(lr_error_oom(&err), -ENOMEM);
    assert_int_equal(err.hints, 0);
    assert_string_equal(err.msg, "out of memory");
    lr_error_refuse(&err, LR_HINT_CHOOSE_VG, "which");
    lr_error_clear(&err);
    assert_int_equal(err.hints, 0);
    assert_int_equal(err.code, 0);
}

/* ---- config ------------------------------------------------------------------- */

static void test_config_null_record(void **state)
{
    (void)state;
    lr_cfg_t *cfg = NULL;
    lr_test_expect_fail(lr_cfg_parse("a = ", 4, &cfg, NULL), LR_EPARSE, "lr_cfg_parse");
    assert_null(cfg);
    static const char text[] = "n = -1\ns = \"x\"\nsec {\nk = 1\n}\n";
    assert_int_equal(lr_cfg_parse(text, strlen(text), &cfg, NULL), 0);
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    int64_t i;
    uint64_t u;
    const char *s;
    const lr_cfg_value_t *arr;
    lr_test_expect_fail(lr_cfg_get_int(root, "missing", &i, NULL), LR_ENOTFOUND, "lr_cfg_get_int");
    lr_test_expect_fail(lr_cfg_get_int(root, "s", &i, NULL), LR_EFORMAT,
                        "lr_cfg_get_int (a string)");
    lr_test_expect_fail(lr_cfg_get_uint(root, "n", &u, NULL), LR_ERANGE,
                        "lr_cfg_get_uint (negative)");
    lr_test_expect_fail(lr_cfg_get_str(root, "n", &s, NULL), LR_EFORMAT, "lr_cfg_get_str");
    lr_test_expect_fail(lr_cfg_get_strings(root, "missing", &arr, NULL), LR_ENOTFOUND,
                        "lr_cfg_get_strings");
    lr_test_expect_fail(lr_cfg_set_int(root, "", 1, NULL), -EINVAL, "lr_cfg_set_int (empty key)");
    lr_test_expect_fail(lr_cfg_set_str(root, "s", NULL, NULL), -EINVAL,
                        "lr_cfg_set_str (NULL string)");
    const char *items[] = {"a"};
    lr_test_expect_fail(lr_cfg_set_strings(root, "sec", items, 1, NULL), LR_EFORMAT,
                        "lr_cfg_set_strings (names a section)");
    lr_cfg_value_t v = {0};
    v.type = LR_CFG_INT;
    lr_test_expect_fail(lr_cfg_set_value(root, "nosuch/k", &v, NULL), LR_ENOTFOUND,
                        "lr_cfg_set_value (no such section)");
    lr_cfg_node_t *out = NULL;
    lr_test_expect_fail(lr_cfg_add_section(root, "", &out, NULL), -EINVAL, "lr_cfg_add_section");
    lr_test_expect_fail(lr_cfg_rename(lr_cfg_find(root, "s"), "a/b", NULL), -EINVAL,
                        "lr_cfg_rename");
    lr_test_expect_fail(lr_cfg_copy(root, NULL, &out, NULL), -EINVAL, "lr_cfg_copy (no source)");
    lr_test_expect_fail(lr_cfg_copy(lr_cfg_find(root, "s"), lr_cfg_find(root, "n"), &out, NULL),
                        -EINVAL, "lr_cfg_copy (into a key)");
    lr_cfg_free(cfg);
}

/* ---- io ------------------------------------------------------------------------ */

static int failing_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return lr_error_set(err, -EIO, off, "injected read error");
}

static int failing_close(void *ctx, lr_error_t *err)
{
    (void)ctx;
    return lr_error_set(err, -EIO, LR_NO_OFFSET, "injected close error");
}

static const lr_io_ops_t failing_ops = {"failing", failing_pread, NULL, NULL, failing_close};

static void test_io_null_record(void **state)
{
    (void)state;
    lr_io_t *io = NULL;
    lr_test_expect_fail(lr_io_open(&io, "/nonexistent/lr-contract.img", NULL), -ENOENT,
                        "lr_io_open");
    lr_io_open_opts_t opts = {.flags = LR_IO_RDWR};
    char path[1024];
    lr_test_path(path, sizeof(path), "history", "disk.img.gz");
    lr_test_expect_fail(lr_io_open_opts(&io, path, &opts, NULL), -EINVAL,
                        "lr_io_open_opts (bad flags)");
    lr_test_expect_fail(lr_io_open_rw(&io, "/nonexistent/lr-contract.img", LR_IO_RDWR, NULL),
                        -ENOENT, "lr_io_open_rw");
    lr_test_expect_fail(lr_io_open_rw(&io, path, LR_IO_RDWR, NULL), LR_EREADONLY,
                        "lr_io_open_rw (a gzip image)");
    lr_test_expect_fail(lr_io_new(&io, NULL, NULL, 0, "x", NULL), 0, "lr_io_new (no ops)");

    /* a layer that cannot read or close */
    assert_int_equal(lr_io_new(&io, &failing_ops, NULL, 4096, "failing", NULL), 0);
    uint8_t buf[512];
    lr_test_expect_fail(lr_io_pread(io, buf, sizeof(buf), 0, NULL), -EIO,
                        "lr_io_pread (layer error)");
    lr_test_expect_fail(lr_io_pread(io, buf, sizeof(buf), 4000, NULL), LR_ERANGE,
                        "lr_io_pread (past the end)");
    lr_test_expect_fail(lr_io_pwrite(io, buf, sizeof(buf), 0, NULL), LR_EREADONLY,
                        "lr_io_pwrite (read-only)");
    lr_test_expect_fail(lr_io_close(io, NULL), -EIO, "lr_io_close (layer error)");

    lr_test_expect_fail(lr_io_concat(&io, NULL, 0, "c", NULL), -EINVAL, "lr_io_concat (none)");
}

/* ---- thin pool metadata ------------------------------------------------------------ */

static void test_thin_null_record(void **state)
{
    (void)state;
    lr_thin_t *t = NULL;
    lr_test_expect_fail(lr_thin_open(NULL, &t, NULL), -EINVAL, "lr_thin_open (no io)");
    /* a layer of zeros: no magic */
    uint8_t zeros[8192] = {0};
    lr_io_t *io = NULL;
    assert_int_equal(lr_test_mem_borrow(&io, zeros, sizeof(zeros), false, "zeros", NULL), 0);
    lr_test_expect_fail(lr_thin_open(io, &t, NULL), LR_EFORMAT, "lr_thin_open (no magic)");
    assert_null(t);
    lr_io_close(io, NULL);
    lr_test_expect_fail(lr_thin_walk(NULL, 1, NULL, NULL, NULL, NULL), -EINVAL, "lr_thin_walk");
    lr_test_expect_fail(lr_thin_walk_range(NULL, 1, 2, 1, NULL, NULL, NULL, NULL), -EINVAL,
                        "lr_thin_walk_range");
    size_t n;
    lr_thin_usage_t *u;
    lr_test_expect_fail(lr_thin_usage(NULL, &u, &n, NULL), -EINVAL, "lr_thin_usage");
}

/* ---- label, mda, meta -------------------------------------------------------------- */

static void test_label_null_record(void **state)
{
    (void)state;
    uint8_t sector[LR_SECTOR_SIZE] = {0};
    lr_label_t label;
    lr_test_expect_fail(lr_label_parse(sector, sizeof(sector), 1, &label, NULL), LR_ENOTFOUND,
                        "lr_label_parse (no label)");
    memset(&label, 0, sizeof(label));
    label.device_size = 1 << 20;
    label.crc_ok = false;
    lr_test_expect_fail(lr_label_validate(&label, 1 << 20, NULL), 0, "lr_label_validate (bad crc)");
    lr_test_expect_fail(lr_label_build(&label, sector, 100, NULL), 0,
                        "lr_label_build (short buffer)");

    uint8_t img[8192] = {0};
    lr_io_t *io = NULL;
    assert_int_equal(lr_test_mem_borrow(&io, img, sizeof(img), false, "zeros", NULL), 0);
    lr_test_expect_fail(lr_label_read(io, 0, &label, NULL, NULL), LR_ENOTFOUND,
                        "lr_label_read (zeros)");
    label.sector = 1;
    memcpy(label.type, LR_LABEL_TYPE, sizeof(label.type));
    lr_test_expect_fail(lr_label_write(io, 0, &label, NULL), 0, "lr_label_write (read-only)");

    lr_mda_header_t h;
    lr_test_expect_fail(lr_mda_header_parse(img, LR_SECTOR_SIZE, &h, NULL), LR_ENOTFOUND,
                        "lr_mda_header_parse (no magic)");
    lr_test_expect_fail(lr_mda_header_read(io, 0, 4096, &h, NULL), LR_ENOTFOUND,
                        "lr_mda_header_read (zeros)");
    memset(&h, 0, sizeof(h));
    h.start = 4096;
    h.size = 1 << 20; /* larger than the device */
    lr_test_expect_fail(lr_mda_header_validate(&h, 4096, sizeof(img), NULL), 0,
                        "lr_mda_header_validate (bad checksum, too large)");
    lr_test_expect_fail(lr_mda_header_build(&h, img, 100, NULL), 0,
                        "lr_mda_header_build (short buffer)");
    lr_raw_locn_t locn = {.offset = 512, .size = 1 << 20};
    h.size = 2048;
    char *text = NULL;
    lr_test_expect_fail(lr_mda_read_text(io, 0, &h, &locn, &text, NULL), 0,
                        "lr_mda_read_text (locn past the area)");
    free(text);
    uint64_t off;
    lr_test_expect_fail(lr_mda_next_offset(4096, NULL, 1 << 20, &off, NULL), LR_ELIMIT,
                        "lr_mda_next_offset (too large)");
    lr_test_expect_fail(lr_mda_init(io, 0, 4096, 2048, &h, NULL), 0, "lr_mda_init (read-only)");
    lr_test_expect_fail(lr_mda_commit(io, 0, &h, "x", 2, NULL), 0, "lr_mda_commit (read-only)");
    lr_io_close(io, NULL);
}

static const char bad_vg[] = "vg0 {\n"
                             "id = \"aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg\"\n"
                             "seqno = 3\n"
                             "format = \"lvm2\"\n"
                             "status = [\"RESIZEABLE\", \"READ\", \"WRITE\"]\n"
                             "extent_size = 8192\n"
                             "physical_volumes {\n"
                             "pv0 {\n"
                             "id = \"pppppp-pppp-pppp-pppp-pppp-pppp-ppppp0\"\n"
                             "status = [\"ALLOCATABLE\"]\n"
                             "dev_size = 131072\n"
                             "pe_start = 2048\n"
                             "pe_count = 15\n"
                             "}\n"
                             "}\n"
                             "logical_volumes {\n"
                             "lv1 {\n"
                             "id = \"llllll-llll-llll-llll-llll-llll-llllll\"\n"
                             "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\n"
                             "segment_count = 1\n"
                             "segment1 {\n"
                             "start_extent = 0\n"
                             "extent_count = 2\n"
                             "type = \"striped\"\n"
                             "stripe_count = 1\n"
                             "stripes = [\"pv0\", 14]\n" /* beyond pe_count */
                             "}\n"
                             "}\n"
                             "}\n"
                             "}\n";

static void test_meta_null_record(void **state)
{
    (void)state;
    lr_vg_t *vg = NULL;
    lr_test_expect_fail(lr_vg_parse("vg0 {\n}\n", 8, &vg, NULL), 0,
                        "lr_vg_parse (no id, no seqno)");
    assert_null(vg);
    lr_cfg_t *cfg = NULL;
    assert_int_equal(lr_cfg_parse("a = 1\n", 6, &cfg, NULL), 0);
    lr_test_expect_fail(lr_vg_from_cfg(cfg, &vg, NULL), 0, "lr_vg_from_cfg (no VG section)");
    lr_cfg_free(cfg);
    assert_int_equal(lr_vg_parse(bad_vg, strlen(bad_vg), &vg, NULL), 0);
    lr_test_expect_fail(lr_vg_check(vg, NULL), LR_EFORMAT, "lr_vg_check (beyond pe_count)");
    lr_vg_free(vg);
    char out[64];
    lr_test_expect_fail(lr_uuid_format("short", out, sizeof(out)), LR_EFORMAT, "lr_uuid_format");
    lr_test_expect_fail(lr_uuid_parse("short", out, sizeof(out)), LR_EFORMAT, "lr_uuid_parse");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers_null_record), cmocka_unit_test(test_error_at),
        cmocka_unit_test(test_error_wrap),          cmocka_unit_test(test_error_prefix),
        cmocka_unit_test(test_error_refuse_hints),  cmocka_unit_test(test_config_null_record),
        cmocka_unit_test(test_io_null_record),      cmocka_unit_test(test_label_null_record),
        cmocka_unit_test(test_meta_null_record),    cmocka_unit_test(test_thin_null_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
