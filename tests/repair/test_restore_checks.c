/* The restore engine (lr/repair.h) on damaged images (fixtures/damaged/,
 * decompressed into a temporary directory and padded to the 32 MiB of the
 * PV they were cut from): every check execution makes is made at planning,
 * so a plan that would fail after writing is refused before any write, and
 * what is written is what LVM2 and the scanner then read:
 *   - text dev_size 0 / too small / pe_start past it: lr_vg_check refuses
 *     (a dry run used to pass, then the run wrote and failed its read-back);
 *     --force uses the size of the image, and the restore reads back;
 *   - a new seqno above 2^32-1 (LVM2 reads seqno in 32 bits) is refused;
 *   - a checksum-valid area header claiming more than the image holds is
 *     rebuilt (it used to fail as an I/O error);
 *   - a label listing its area at an unaligned offset (4097) is rebuilt to
 *     list the area whose header survives at 4096, and a scan afterwards
 *     sees the restored version as the newest (it used to write a header at
 *     4097 over the valid one, and the scan did not see the restore);
 *   - after a run stopped between the text and the header write, the next
 *     plan says the newest seqno is not committed;
 *   - a label and header with valid checksums listing a 30 MiB metadata area
 *     at 4096, over pe_start (1 MiB) and the LVs' data (issue 17, item 2):
 *     the area is reported damaged and never written; with no other area
 *     the restore is refused, with a second area only that one is
 *     written. The crafted image is made here from the real-LVM2 fixture,
 *     checksums by the test's reference CRC. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bin_support.h"
#include "lr/crc.h"
#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/undo.h"
#include "fault.h"
#include "support.h"

#define PV_SIZE (32u << 20)

static char g_dir[64];

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-rchecks-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static void clear_dir(void)
{
    const char *names[] = {"a.img", "b.img", "c.img", "undo", "undo2"};
    char p[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", g_dir, names[i]);
        unlink(p);
    }
}

static int teardown(void **state)
{
    (void)state;
    clear_dir();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    clear_dir();
    rmdir(g_dir);
    return 0;
}

static void print_err(const char *what, const lr_error_t *err)
{
    char msg[1024];
    fprintf(stderr, "%s: %s\n", what, lr_error_format(err, msg, sizeof(msg)));
}

/* fixtures/FIX/GZ decompressed to DIR/name, padded to pad bytes (0: not). */
static void unpack(const char *fix, const char *gz, const char *name, uint64_t pad, char *dst,
                   size_t dlen)
{
    char src[512];
    lr_test_path(src, sizeof(src), fix, gz);
    snprintf(dst, dlen, "%s/%s", g_dir, name);
    assert_int_equal(lr_test_unpack(src, dst, pad), 0);
}

static lr_scan_session_t *scan1(const char *path)
{
    lr_scan_session_t *scan = NULL;
    lr_error_t err;
    const char *pp[1] = {path};
    int rc = lr_scan_paths(pp, 1, NULL, &scan, &err);
    if (rc)
        print_err("scan", &err);
    assert_int_equal(rc, 0);
    return scan;
}

static int plan1(const char *path, uint64_t seqno, bool force, lr_repair_plan_t **p,
                 lr_error_t *err)
{
    lr_scan_session_t *scan = scan1(path);
    lr_repair_opts_t o = {
        .vg = "vg0", .seqno = seqno, .force = force, .host = "testhost", .now = 1700000000};
    int rc = lr_repair_plan_new(scan, NULL, &o, p, err);
    lr_scan_session_free(scan);
    return rc;
}

static void hash(const char *path, char out[65])
{
    assert_int_equal(lr_test_sha256_file(path, out), 0);
}

/* Executes p with an undo file, then checks that a scan sees seqno
 * `latest` committed (checksummed) as vg0's newest version and that the
 * undo file brings back the image hash h0. */
static void execute_and_check(lr_repair_plan_t *p, const char *img, uint64_t latest, const char *h0)
{
    char undo[256], h[65];
    snprintf(undo, sizeof(undo), "%s/undo", g_dir);
    lr_repair_exec_opts_t eo = {.undo_path = undo};
    lr_error_t err;
    int rc = lr_repair_execute(p, &eo, &err);
    if (rc)
        print_err("execute", &err);
    assert_int_equal(rc, 0);
    assert_true(p->verified);

    lr_scan_session_t *scan = scan1(img);
    int idx[2];
    assert_int_equal(lr_scan_find_vgs(lr_scan_result(scan), "vg0", idx, 2), 1);
    const lr_scan_vg_t *v = &lr_scan_result(scan)->vgs[idx[0]];
    assert_int_equal(v->max_seqno, latest);
    assert_true(v->latest >= 0);
    assert_int_equal(v->versions[v->latest].seqno, latest);
    assert_true(v->versions[v->latest].committed);
    int copy = lr_scan_version_copy(lr_scan_result(scan), (size_t)idx[0], (size_t)v->latest);
    assert_true(copy >= 0);
    assert_true(lr_scan_result(scan)->copies[copy].crc_ok);
    assert_true(lr_scan_result(scan)->copies[copy].committed);
    for (size_t i = 0; i < v->n_pvs; i++)
        assert_int_equal(v->pvs[i].found, LR_SCAN_PV_LABEL);
    lr_scan_session_free(scan);

    lr_undo_file_t *f = NULL;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_int_equal(f->n_planned, p->n_writes);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_rw(&io, img, LR_IO_RDWR, &err), 0);
    assert_int_equal(lr_undo_apply(f, &io, false, NULL, &err), 0);
    lr_io_close(io, NULL);
    lr_undo_file_free(f);
    hash(img, h);
    assert_string_equal(h, h0);
}

/* ---- lr_vg_check: the PV's extents inside its dev_size ---------------------- */

static const char *vg_text(char *buf, size_t len, const char *dev_size, const char *pe_start,
                           const char *pe_count)
{
    snprintf(buf, len,
             "vg {\nid = \"eCVxNA-uhuJ-2tol-A0SX-VtIl-dCiV-dro6th\"\nseqno = 3\n"
             "format = \"lvm2\"\nstatus = [\"READ\", \"WRITE\"]\nflags = []\n"
             "extent_size = 8192\nmax_lv = 0\nmax_pv = 0\nmetadata_copies = 0\n"
             "physical_volumes {\npv0 {\nid = \"wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8Hx\"\n"
             "status = [\"ALLOCATABLE\"]\nflags = []\n%s%s\n%s\n}\n}\n}\n",
             dev_size, pe_start, pe_count);
    return buf;
}

static int check_text(const char *text, lr_error_t *err)
{
    lr_vg_t *vg = NULL;
    assert_int_equal(lr_vg_parse(text, strlen(text), &vg, err), 0);
    int rc = lr_vg_check(vg, err);
    lr_vg_free(vg);
    return rc;
}

static void test_vg_check_dev_size(void **state)
{
    (void)state;
    char t[2048];
    lr_error_t err;
    /* 2048 + 7 * 8192 = 59392 sectors. */
    assert_int_equal(
        check_text(vg_text(t, sizeof(t), "dev_size = 65536\n", "pe_start = 2048", "pe_count = 7"),
                   &err),
        0);
    assert_int_equal(
        check_text(vg_text(t, sizeof(t), "dev_size = 59392\n", "pe_start = 2048", "pe_count = 7"),
                   &err),
        0);
    /* No dev_size (early LVM2 did not write it; LVM2 takes the device's). */
    assert_int_equal(check_text(vg_text(t, sizeof(t), "", "pe_start = 2048", "pe_count = 7"), &err),
                     0);
    assert_int_equal(
        check_text(vg_text(t, sizeof(t), "dev_size = 0\n", "pe_start = 2048", "pe_count = 7"),
                   &err),
        LR_EFORMAT);
    assert_non_null(strstr(err.msg, "dev_size is 0"));
    assert_true(err.offset != LR_NO_OFFSET);
    /* pvresize of a PV in a VG records the device size less pe_start and
     * pe_count = dev_size / extent_size (LVM2's _text_pv_resize; seen on a
     * 32 MiB loop device: dev_size 63488, pe_start 2048, pe_count 31 of
     * 2048 sectors): 7 * 8192 = 57344. */
    assert_int_equal(
        check_text(vg_text(t, sizeof(t), "dev_size = 57344\n", "pe_start = 2048", "pe_count = 7"),
                   &err),
        0);
    /* One sector short of the extents alone. */
    assert_int_equal(
        check_text(vg_text(t, sizeof(t), "dev_size = 57343\n", "pe_start = 2048", "pe_count = 7"),
                   &err),
        LR_EFORMAT);
    assert_non_null(strstr(err.msg, "run past dev_size 57343"));
    assert_int_equal(
        check_text(vg_text(t, sizeof(t), "dev_size = 65536\n", "pe_start = 99999", "pe_count = 0"),
                   &err),
        LR_EFORMAT);
    assert_non_null(strstr(err.msg, "pe_start 99999 is beyond dev_size"));
    /* Products that would overflow 64 bits. */
    assert_int_equal(check_text(vg_text(t, sizeof(t), "dev_size = 65536\n", "pe_start = 2048",
                                        "pe_count = 9223372036854775807"),
                                &err),
                     LR_EFORMAT);
}

/* ---- dev_size 0: refused at planning; forced, it reads back ----------------- */

static void test_dev_size_zero(void **state)
{
    (void)state;
    char img[256], h0[65], h1[65];
    unpack("damaged", "text-dev-size-zero.img.gz", "a.img", PV_SIZE, img, sizeof(img));
    hash(img, h0);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan1(img, 16, false, &p, &err), LR_EREFUSED);
    assert_null(p);
    assert_non_null(strstr(err.msg, "dev_size is 0"));
    /* Forced: the PV takes the size of its image, as LVM2 does for a missing
     * size; the valid area header is kept (it used to be "rebuilt" against
     * a device of 0 bytes, and the run failed after writing). */
    int rc = plan1(img, 16, true, &p, &err);
    if (rc)
        print_err("plan", &err);
    assert_int_equal(rc, 0);
    assert_true(p->forced);
    assert_int_equal(p->pvs[0].dev_size, PV_SIZE);
    assert_int_equal(p->n_areas, 1);
    assert_false(p->areas[0].rebuild_header);
    bool noted = false;
    for (size_t i = 0; i < p->n_notes; i++)
        noted |= strstr(p->notes[i], "dev_size 0 sectors") != NULL;
    assert_true(noted);
    hash(img, h1);
    assert_string_equal(h0, h1); /* planning only reads */
    execute_and_check(p, img, 17, h0);
    lr_repair_plan_free(p);
}

/* ---- seqno: LVM2 reads 32 bits -------------------------------------------------- */

static void test_seqno_limit(void **state)
{
    (void)state;
    char img[256];
    unpack("damaged", "text-seqno-max.img.gz", "a.img", PV_SIZE, img, sizeof(img));
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    for (int force = 0; force < 2; force++) {
        assert_int_equal(plan1(img, 15, force, &p, &err), LR_EREFUSED);
        assert_null(p);
        assert_non_null(strstr(err.msg, "18446744073709551615"));
        assert_non_null(strstr(err.msg, "32 bits"));
    }
    assert_int_equal(LR_REPAIR_MAX_SEQNO, 4294967295u);
}

/* ---- a header claiming more than the image: rebuilt ------------------------ */

static void test_mda_size_beyond_image(void **state)
{
    (void)state;
    char img[256], h0[65];
    unpack("damaged", "mda-size-beyond-image.img.gz", "a.img", 0, img, sizeof(img));
    hash(img, h0);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    /* The PV is larger than the (cut) image: refused unless forced. */
    assert_int_equal(plan1(img, 16, false, &p, &err), LR_EREFUSED);
    int rc = plan1(img, 16, true, &p, &err);
    if (rc)
        print_err("plan", &err);
    assert_int_equal(rc, 0); /* it used to fail with LR_ERANGE, as an I/O error */
    assert_int_equal(p->n_areas, 1);
    assert_true(p->areas[0].rebuild_header);
    assert_int_equal(p->areas[0].size, 1044480);
    assert_int_equal(p->areas[0].after.size, 1044480);
    execute_and_check(p, img, 17, h0);
    lr_repair_plan_free(p);
}

/* ---- a metadata area listed over the data: never written -------------------- */

/* Rewrites the image's label and the area header at 4096 so that both say
 * the area at 4096 is `size` bytes, with valid checksums. */
static void craft_mda_size(const char *img, uint64_t size)
{
    size_t len = 0;
    uint8_t *b = lr_test_file_bytes(img, &len);
    assert_non_null(b);
    uint8_t *l = NULL;
    for (int s = 0; s < 4 && !l; s++)
        if (memcmp(b + s * 512, "LABELONE", 8) == 0)
            l = b + s * 512;
    assert_non_null(l);
    /* pv_header at 32: uuid (32), device size (8), then the data areas and
     * the metadata areas, each list ended by a zero entry. */
    uint8_t *d = l + 32 + 40;
    while (lr_test_get_le64(d) || lr_test_get_le64(d + 8))
        d += 16;
    d += 16;
    assert_int_equal(lr_test_get_le64(d), 4096);
    lr_test_put_le64(d + 8, size);
    lr_test_put_le32(l + 16, lr_test_ref_crc(LR_CRC_INITIAL, l + 20, 512 - 20));
    uint8_t *h = b + 4096;
    assert_int_equal(lr_test_get_le64(h + 24), 4096); /* start */
    lr_test_put_le64(h + 32, size);
    lr_test_put_le32(h, lr_test_ref_crc(LR_CRC_INITIAL, h + 4, 512 - 4));
    FILE *f = fopen(img, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(b);
}

static bool has_note(const lr_repair_plan_t *p, const char *what)
{
    for (size_t i = 0; i < p->n_notes; i++)
        if (strstr(p->notes[i], what))
            return true;
    return false;
}

static void test_mda_over_data(void **state)
{
    (void)state;
    char img[256], h0[65], h1[65];
    unpack("history", "disk.img.gz", "a.img", 0, img, sizeof(img));
    craft_mda_size(img, 30u << 20);
    hash(img, h0);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    /* The only area runs over lv1's first extents: nothing can be written,
     * not even when forced. */
    assert_int_equal(plan1(img, 15, false, &p, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "no metadata area"));
    assert_int_equal(plan1(img, 15, true, &p, &err), LR_EREFUSED);
    hash(img, h1);
    assert_string_equal(h0, h1);

    /* With a second area (at the end of the PV), only that one is written. */
    unpack("two-mda", "disk.img.gz", "b.img", 0, img, sizeof(img));
    craft_mda_size(img, 30u << 20);
    lr_scan_session_t *scan = scan1(img);
    lr_repair_opts_t o = {.vg = "vg2", .seqno = 5, .host = "testhost", .now = 1700000000};
    int rc = lr_repair_plan_new(scan, NULL, &o, &p, &err);
    lr_scan_session_free(scan);
    if (rc)
        print_err("plan", &err);
    assert_int_equal(rc, 0);
    assert_int_equal(p->n_areas, 1);
    assert_int_equal(p->areas[0].offset, 32505856);
    assert_true(has_note(p, "runs over the PV's data"));
    assert_true(p->n_writes > 0);
    for (size_t i = 0; i < p->n_writes; i++)
        assert_true(p->writes[i].offset >= 32505856 ||
                    p->writes[i].offset + p->writes[i].length <= 4096);
    lr_repair_plan_free(p);
}

/* ---- an unaligned area in the label: the label is rebuilt ------------------- */

static void test_unaligned_label_area(void **state)
{
    (void)state;
    char img[256], h0[65];
    unpack("damaged", "pvheader-mda-unaligned.img.gz", "a.img", PV_SIZE, img, sizeof(img));
    hash(img, h0);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    int rc = plan1(img, 16, false, &p, &err);
    if (rc)
        print_err("plan", &err);
    assert_int_equal(rc, 0);
    assert_true(p->pvs[0].rebuild_label);
    assert_non_null(strstr(p->pvs[0].label_why, "4097"));
    assert_non_null(strstr(p->pvs[0].label_why, "sector"));
    assert_int_equal(p->n_areas, 1);
    assert_int_equal(p->areas[0].offset, 4096);
    assert_false(p->areas[0].rebuild_header); /* the valid header at 4096 is kept */
    assert_int_equal(p->pvs[0].label.n_mda, 1);
    assert_int_equal(p->pvs[0].label.mda[0].offset, 4096);
    for (size_t i = 0; i < p->n_writes; i++) {
        /* Nothing is written over the header at 4096 but the header. */
        const lr_repair_write_t *w = &p->writes[i];
        assert_true(w->offset >= 4608 || w->offset + w->length <= 4096 ||
                    (w->offset == 4096 && w->what == LR_REPAIR_MDA_HEADER));
    }
    /* After the restore the scanner sees it: seqno 17 newest, committed,
     * the PV found by its (rebuilt) label. */
    execute_and_check(p, img, 17, h0);
    lr_repair_plan_free(p);
}

/* ---- a newest copy no header points at: "not committed" -------------------- */

static void test_uncommitted_newest(void **state)
{
    (void)state;
    char img[256], undo[256];
    unpack("history", "disk.img.gz", "a.img", 0, img, sizeof(img));
    snprintf(undo, sizeof(undo), "%s/undo", g_dir);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan1(img, 15, false, &p, &err), 0);
    assert_true(p->max_seqno_committed);
    assert_true(p->newest_committed);
    char *text = NULL;
    assert_int_equal(lr_repair_plan_render(p, &text, &err), 0);
    assert_null(strstr(text, "not committed"));
    free(text);
    /* The text is written, the header write fails: seqno 17 sits in the
     * ring, uncommitted. */
    lr_test_fault_t f = {.fail_at = 2};
    lr_repair_exec_opts_t eo = {.undo_path = undo, .open_rw = lr_test_fault_open, .open_arg = &f};
    assert_int_equal(lr_repair_execute(p, &eo, &err), -EIO);
    lr_repair_plan_free(p);
    assert_int_equal(plan1(img, 15, false, &p, &err), 0);
    assert_int_equal(p->max_seqno, 17);
    assert_int_equal(p->new_seqno, 18);
    assert_false(p->max_seqno_committed);
    assert_true(p->max_seqno_interrupted);
    /* Compared with seqno 16, the one LVM2 uses, not with the text no
     * header commits (a copy of seqno 15's VG: "nothing changes" would
     * hide that lv3 comes back for LVM2). */
    assert_int_equal(p->newest_seqno, 16);
    assert_true(p->newest_committed);
    assert_int_equal(lr_repair_plan_render(p, &text, &err), 0);
    assert_non_null(strstr(text, "seen anywhere: 17, not committed"));
    assert_non_null(strstr(text, "current version (seqno 16, crc"));
    assert_non_null(strstr(text, "the text above it was never committed"));
    assert_non_null(strstr(text, "LV lv3 comes back"));
    free(text);
    lr_repair_plan_free(p);
}

/* ---- undo file named only once it exists -------------------------------------- */

static void note_undo(void *arg, const char *path)
{
    snprintf(arg, 256, "%s", path);
}

static void test_undo_created_callback(void **state)
{
    (void)state;
    char img[256], undo[256], seen[256] = "";
    unpack("history", "disk.img.gz", "a.img", 0, img, sizeof(img));
    snprintf(undo, sizeof(undo), "%s/undo", g_dir);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan1(img, 15, false, &p, &err), 0);
    /* Refused before the undo file exists (the image changed): not named. */
    int fd = open(img, O_WRONLY);
    assert_true(fd >= 0);
    uint8_t junk[512];
    memset(junk, 0x5a, sizeof(junk));
    assert_int_equal(pwrite(fd, junk, sizeof(junk), (off_t)p->writes[0].offset), 512);
    lr_repair_exec_opts_t eo = {
        .undo_path = undo, .undo_created = note_undo, .undo_created_arg = seen};
    assert_int_equal(lr_repair_execute(p, &eo, &err), LR_EREFUSED);
    assert_string_equal(seen, "");
    assert_int_equal(access(undo, F_OK), -1);
    lr_repair_plan_free(p);
    close(fd);
    /* A fresh image, planned again: named once created, before writing. */
    unpack("history", "disk.img.gz", "a.img", 0, img, sizeof(img));
    assert_int_equal(plan1(img, 15, false, &p, &err), 0);
    eo.undo_created_arg = seen;
    assert_int_equal(lr_repair_execute(p, &eo, &err), 0);
    assert_string_equal(seen, undo);
    lr_repair_plan_free(p);
}

/* A copy's name drops the compression's ending and gives a container's
 * raw copy ".img": never a name that says it is still compressed or a
 * segment of a set (a later scan of the directory would take it for one). */
static void copy_name_is(const char *src, const char *want)
{
    char *dst = NULL;
    assert_int_equal(lr_repair_copy_path(src, "/out", &dst, NULL), 0);
    assert_string_equal(dst, want);
    free(dst);
}

static void test_copy_names(void **state)
{
    (void)state;
    copy_name_is("/in/disk.img.gz", "/out/disk.img");
    copy_name_is("disk.img.xz", "/out/disk.img");
    copy_name_is("/in/disk.img.lzma", "/out/disk.img");
    copy_name_is("/in/disk.img.zst", "/out/disk.img");
    copy_name_is("/in/case.E01", "/out/case.img");
    copy_name_is("/in/vm.qcow2", "/out/vm.img");
    copy_name_is("/in/disk.000", "/out/disk.img");
    copy_name_is("/in/disk.001", "/out/disk.img");
    copy_name_is("/in/disk.img.000", "/out/disk.img"); /* not disk.img.img */
    copy_name_is("/in/disk.img.001", "/out/disk.img");
    copy_name_is("/in/vm.img.qcow2", "/out/vm.img");
    copy_name_is("/in/disk.img", "/out/disk.img");
    char *dst = NULL;
    assert_int_equal(lr_repair_copy_path("/in/.gz", "/out", &dst, NULL), 0);
    assert_string_equal(dst, "/out/.gz"); /* nothing before the ending: kept whole */
    free(dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vg_check_dev_size),
        cmocka_unit_test(test_copy_names),
        cmocka_unit_test_teardown(test_dev_size_zero, teardown),
        cmocka_unit_test_teardown(test_seqno_limit, teardown),
        cmocka_unit_test_teardown(test_mda_size_beyond_image, teardown),
        cmocka_unit_test_teardown(test_unaligned_label_area, teardown),
        cmocka_unit_test_teardown(test_mda_over_data, teardown),
        cmocka_unit_test_teardown(test_uncommitted_newest, teardown),
        cmocka_unit_test_teardown(test_undo_created_callback, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
