/* The error contract for the scan engine (lr/scan.h): every public function
 * that can fail returns a negative status with a NULL error record. Among
 * them the one that once returned 0 with no text: lr_scan_copy_text after a
 * read error or when the bytes no longer match the recorded checksum. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "lr/error.h"
#include "lr/io.h"
#include "lr/raidscan.h"
#include "lr/evidence.h"
#include "lr/scan.h"

/* A layer over a fixture image that can be told to fail its reads or to
 * change the bytes it returns, after the scan. */
typedef struct switch_io {
    lr_io_t *inner;
    bool fail;
    bool corrupt;
} switch_io_t;

static int switch_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    switch_io_t *s = ctx;
    if (s->fail)
        return lr_error_set(err, -EIO, off, "injected read error");
    int rc = lr_io_pread(s->inner, buf, len, off, err);
    if (!rc && s->corrupt && len)
        ((unsigned char *)buf)[len / 2] ^= 0x20;
    return rc;
}

static int switch_close(void *ctx, lr_error_t *err)
{
    switch_io_t *s = ctx;
    int rc = lr_io_close(s->inner, err);
    free(s);
    return rc;
}

static const lr_io_ops_t switch_ops = {"switch", switch_pread, NULL, NULL, switch_close};

static lr_io_t *open_switch(switch_io_t **sw)
{
    char path[1024];
    lr_test_path(path, sizeof(path), "history", "disk.img.gz");
    switch_io_t *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    if (lr_io_open(&s->inner, path, NULL))
        fail_msg("cannot open the committed fixture %s", path);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_new(&io, &switch_ops, s, lr_io_size(s->inner), "history", NULL), 0);
    *sw = s;
    return io;
}

static void test_scan_entry_points(void **state)
{
    (void)state;
    lr_scan_session_t *session = NULL;
    const char *paths[] = {"/nonexistent/lr-contract.img"};
    lr_test_expect_fail(lr_scan_paths(paths, 1, NULL, &session, NULL), -ENOENT, "lr_scan_paths");
    assert_null(session);

    switch_io_t *sw = NULL;
    lr_io_t *io = open_switch(&sw);
    sw->fail = true;
    lr_test_expect_fail(lr_scan_ios(&io, 1, NULL, &session, NULL), -EIO,
                        "lr_scan_ios (read error)");
    assert_null(session);
    lr_io_close(io, NULL);
}

/* lr/evidence.h: bad arguments and indexes, with no error record. */
static void test_evidence_contract(void **state)
{
    (void)state;
    lr_evidence_t *ev = NULL;
    lr_test_expect_fail(lr_evidence_build(NULL, NULL, &ev, NULL), -EINVAL, "lr_evidence_build");
    assert_null(ev);
    lr_raidscan_t *rs = (lr_raidscan_t *)&ev; /* any non-NULL value: must be reset */
    lr_test_expect_fail(lr_raidscan_version(NULL, 0, 0, 0, &rs, NULL), -EINVAL,
                        "lr_raidscan_version");
    assert_null(rs);
    lr_raidscan_free(NULL);
    lr_ev_warning_t *w = NULL;
    size_t n = 7;
    lr_evidence_t empty = {0};
    lr_test_expect_fail(lr_evidence_warnings(&empty, 0, 0, &w, &n, NULL), LR_ERANGE,
                        "lr_evidence_warnings (no such VG)");
    assert_null(w);
    assert_int_equal(n, 0);
    lr_test_expect_fail(lr_evidence_warnings(&empty, 0, 0, NULL, &n, NULL), -EINVAL,
                        "lr_evidence_warnings (no output)");
    assert_null(lr_evidence_command(NULL));
    char *c = lr_evidence_command("Write from lvremove --config 'a{b=1}' -f vg0/lv3.");
    assert_string_equal(c, "lvremove -f vg0/lv3");
    free(c);
    c = lr_evidence_command("Created *after* executing 'vgchange --addtag t vg0 --config=x'");
    assert_string_equal(c, "vgchange --addtag t vg0");
    free(c);
    /* as LVM2 2.03.16 wrote it (cut at 256 characters, no closing '.') */
    c = lr_evidence_command(
        "Write from lvremove --config 'global{activation=0} backup{backup=0 archive=0} "
        "devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" "
        "filter=[\"a|^/dev/(loop0)(p[0-9]+)?$|\",\"r|.*|\"] "
        "global_filter=[\"a|^/dev/(loop0)(p[0-9]+)?$|\",\"r|.*|\"]}' -y hq");
    assert_string_equal(c, "lvremove -y hq...");
    free(c);
    /* LVM2 2.03.16's second write of one command (vgreduce --removemissing
     * --force writes three versions) */
    c = lr_evidence_command(
        "Write[2] from vgreduce --removemissing --force qa1rm --config 'global{activation=0} "
        "backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0 "
        "hints=\"none\" filter=[ \"a|^/dev/loop6$|\", \"r|.*|\" ]}'.");
    assert_string_equal(c, "vgreduce --removemissing --force qa1rm");
    free(c);
    assert_int_equal(lr_evidence_write_prefix("Write[12] from a."), 15);
    assert_int_equal(lr_evidence_write_prefix("Write from a."), 11);
    assert_int_equal(lr_evidence_write_prefix("Write[] from a."), 0);
    assert_int_equal(lr_evidence_write_prefix("Write[2from a."), 0);
    assert_int_equal(lr_evidence_write_prefix(NULL), 0);
    c = lr_evidence_command("Created *after* executing 'lvcreate -n a");
    assert_string_equal(c, "lvcreate -n a...");
    free(c);
    /* vgcfgbackup -f's bare command line, clipped at the scan's limit */
    char longd[LR_SCAN_MAX_DESCRIPTION + 1];
    memset(longd, 'x', sizeof(longd) - 1);
    longd[sizeof(longd) - 1] = '\0';
    memcpy(longd, "vgcfgbackup -f /tmp/a.vg vg0 ", 29);
    c = lr_evidence_command(longd);
    assert_non_null(c);
    assert_true(strlen(c) > 3 && strcmp(c + strlen(c) - 3, "...") == 0);
    free(c);
    c = lr_evidence_command("vgcfgbackup -f /tmp/a.vg vg0");
    assert_string_equal(c, "vgcfgbackup -f /tmp/a.vg vg0");
    free(c);
    /* archive files (LVM2 2.03.16) and vgcfgbackup -f name no writer */
    assert_false(lr_evidence_command_not_writer(NULL));
    assert_false(lr_evidence_command_not_writer("Write from lvremove -f vg0/lv3."));
    assert_false(lr_evidence_command_not_writer("Created *after* executing 'lvcreate -n a vg'"));
    assert_false(lr_evidence_command_not_writer("vgcfgbackupx"));
    assert_true(lr_evidence_command_not_writer("Created *before* executing 'lvremove -f vg/a'"));
    assert_true(lr_evidence_command_not_writer("vgcfgbackup -f /tmp/x.vg vg0"));
}

static void test_scan_copy_text(void **state)
{
    (void)state;
    switch_io_t *sw = NULL;
    lr_io_t *io = open_switch(&sw);
    lr_scan_session_t *session = NULL;
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &session, NULL), 0);
    assert_true(lr_scan_result(session)->n_copies > 0);
    char *text = NULL;
    uint64_t len = 0;
    lr_vg_t *vg = NULL;

    /* the bytes as scanned: a success, for contrast */
    assert_int_equal(lr_scan_copy_text(session, 0, &text, &len, NULL), 0);
    assert_non_null(text);
    free(text);
    text = NULL;

    lr_test_expect_fail(
        lr_scan_copy_text(session, lr_scan_result(session)->n_copies, &text, &len, NULL), -EINVAL,
        "lr_scan_copy_text (no such copy)");
    lr_test_expect_fail(lr_scan_copy_vg(session, lr_scan_result(session)->n_copies, &vg, NULL),
                        -EINVAL, "lr_scan_copy_vg (no such copy)");

    sw->fail = true;
    lr_test_expect_fail(lr_scan_copy_text(session, 0, &text, &len, NULL), -EIO,
                        "lr_scan_copy_text (read error)");
    free(text);
    text = NULL;
    lr_test_expect_fail(lr_scan_copy_vg(session, 0, &vg, NULL), -EIO,
                        "lr_scan_copy_vg (read error)");
    assert_null(vg);

    sw->fail = false;
    sw->corrupt = true;
    lr_test_expect_fail(lr_scan_copy_text(session, 0, &text, &len, NULL), LR_ECHECKSUM,
                        "lr_scan_copy_text (bytes changed)");
    free(text);
    lr_test_expect_fail(lr_scan_copy_vg(session, 0, &vg, NULL), LR_ECHECKSUM,
                        "lr_scan_copy_vg (bytes changed)");
    assert_null(vg);

    lr_scan_session_free(session);
    lr_io_close(io, NULL);
}

/* The version key users write: what is a key and what is not. */
static void test_version_key_parse(void **state)
{
    (void)state;
    lr_scan_pick_t pk = {.vg = "vg0"};
    assert_int_equal(lr_scan_pick_parse("seqno=15", &pk), 0);
    assert_true(pk.has_seqno && pk.seqno == 15 && !pk.has_crc);
    assert_string_equal(pk.vg, "vg0"); /* left alone */
    assert_int_equal(lr_scan_pick_parse("seqno=7:crc=0x1A2b3c4D", &pk), 0);
    assert_true(pk.seqno == 7 && pk.has_crc && pk.crc == 0x1a2b3c4du);
    assert_int_equal(lr_scan_pick_parse("seqno=18446744073709551615:crc=ff", &pk), 0);
    assert_true(pk.seqno == UINT64_MAX && pk.crc == 0xff);
    const char *bad[] = {"15",
                         "seqno=",
                         "seqno=-1",
                         "seqno=+1",
                         "seqno= 1",
                         "seqno=1:",
                         "seqno=1:crc=",
                         "seqno=1:crc=0x",
                         "seqno=1:crc=123456789",
                         "seqno=1:crc=0xg",
                         "seqno=1x",
                         "seqno=18446744073709551616",
                         "seqno=1:seqno=2",
                         NULL};
    for (size_t i = 0; bad[i]; i++) {
        lr_scan_pick_t before = pk;
        assert_int_equal(lr_scan_pick_parse(bad[i], &pk), -EINVAL);
        /* unchanged */
        assert_true(before.seqno == pk.seqno && before.has_crc == pk.has_crc &&
                    before.crc == pk.crc && before.has_seqno == pk.has_seqno);
    }
    assert_int_equal(lr_scan_pick_parse(NULL, &pk), -EINVAL);
    uint64_t n = 0;
    assert_int_equal(lr_scan_seqno_parse("42", &n), 0);
    assert_int_equal(n, 42);
    assert_int_equal(lr_scan_seqno_parse("seqno=43", &n), 0);
    assert_int_equal(n, 43);
    assert_int_equal(lr_scan_seqno_parse("4 2", &n), -EINVAL);
    assert_int_equal(lr_scan_seqno_parse("", &n), -EINVAL);
    uint32_t c = 0;
    assert_int_equal(lr_scan_crc_parse("deadBEEF", &c), 0);
    assert_int_equal(c, 0xdeadbeefu);
    assert_int_equal(lr_scan_crc_parse("0x", &c), -EINVAL);
    assert_int_equal(lr_scan_crc_parse("-1", &c), -EINVAL);
}

/* lr_scan_ring_order: a backup file's layout to a metadata area's, strings
 * (with '#' and leading blanks inside them) kept; refusals with no error
 * record. */
static void test_ring_order(void **state)
{
    (void)state;
    static const char file[] = "# Generated by LVM2 version 2.03.16(2)\n\n"
                               "contents = \"Text Format Volume Group\"\n"
                               "description = \"x {y} # z\"\n\n"
                               "vg {\n\tid = \"a\"\n\tseqno = 3\n"
                               "\textent_size = 8192\t\t# 4 Megabytes\n"
                               "\ttags = [\"#t\", \"  lead\"]\n}\n";
    static const char want[] = "vg {\nid = \"a\"\nseqno = 3\nextent_size = 8192\n"
                               "tags = [\"#t\", \"  lead\"]\n}\n"
                               "# Generated by LVM2 version 2.03.16(2)\n\n"
                               "contents = \"Text Format Volume Group\"\n"
                               "description = \"x {y} # z\"\n\n";
    char *t = strdup(file);
    size_t len = strlen(t);
    assert_non_null(t);
    assert_int_equal(lr_scan_ring_order(&t, &len, NULL), 0);
    assert_string_equal(t, want);
    assert_int_equal(len, strlen(want));
    /* already in ring order: unchanged */
    assert_int_equal(lr_scan_ring_order(&t, &len, NULL), 0);
    assert_string_equal(t, want);
    free(t);
    char *none = strdup("contents = \"Text Format Volume Group\"\nx = \"{\"\n");
    size_t n = strlen(none);
    assert_int_equal(lr_scan_ring_order(&none, &n, NULL), LR_EFORMAT);
    assert_string_equal(none, "contents = \"Text Format Volume Group\"\nx = \"{\"\n");
    free(none);
    assert_int_equal(lr_scan_ring_order(NULL, &n, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_entry_points), cmocka_unit_test(test_scan_copy_text),
        cmocka_unit_test(test_version_key_parse), cmocka_unit_test(test_evidence_contract),
        cmocka_unit_test(test_ring_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
