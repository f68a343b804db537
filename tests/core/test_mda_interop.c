/* LVM2 accepts what lr_mda_commit writes: a new copy committed onto a
 * scratch copy of a fixture is attached to a loop device and read back with
 * the real vgs and pvck (activation off, a filter accepting only that loop
 * device). Covers a plain commit (history) and a commit that wraps round
 * the end of the ring (wrapped). Needs root, loop devices and lvm2:
 * labelled "interop", exits 77 (SKIPPED) with the reason otherwise. Only
 * the loop device it attached is detached, by name. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/mda.h"
#include "bin_support.h"

static int run(const char *cmd, char *out, size_t len)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = 0;
    if (out) {
        n = fread(out, 1, len - 1, p);
        out[n] = '\0';
    } else {
        char sink[4096];
        while (fread(sink, 1, sizeof(sink), p) > 0)
            ;
    }
    return pclose(p);
}

static bool have(const char *path)
{
    return access(path, X_OK) == 0;
}

/* Replaces the first "seqno = N" of text (size bytes incl. NUL) by
 * "seqno = M" with M of the same number of digits; returns false if not
 * found. */
static bool set_seqno(char *text, uint64_t from, uint64_t to)
{
    char pat[64], rep[64];
    snprintf(pat, sizeof(pat), "seqno = %" PRIu64 "\n", from);
    snprintf(rep, sizeof(rep), "seqno = %" PRIu64 "\n", to);
    assert_int_equal(strlen(pat), strlen(rep));
    char *p = strstr(text, pat);
    if (!p)
        return false;
    memcpy(p, rep, strlen(rep));
    return true;
}

/* Attaches the image, asks LVM2 for VG vg's seqno and pvck's verdict on the
 * headers, detaches. */
static void lvm2_check(const char *image, const char *vg, uint64_t seqno, bool wrapped)
{
    char dev[128], cmd[2048], out[65536];
    snprintf(cmd, sizeof(cmd), "losetup -f --show '%s' 2>/dev/null", image);
    assert_int_equal(run(cmd, dev, sizeof(dev)), 0);
    char *nl = strchr(dev, '\n');
    if (nl)
        *nl = '\0';
    assert_true(strncmp(dev, "/dev/loop", 9) == 0);

    char cfg[1024];
    snprintf(cfg, sizeof(cfg),
             "global{activation=0} backup{backup=0 archive=0} "
             "devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" "
             "filter=[\"a|^%s$|\",\"r|.*|\"] global_filter=[\"a|^%s$|\",\"r|.*|\"]}",
             dev, dev);
    snprintf(cmd, sizeof(cmd),
             "LVM_SUPPRESS_FD_WARNINGS=1 vgs --config '%s' --noheadings -o vg_name,vg_seqno "
             "%s 2>&1",
             cfg, vg);
    int vrc = run(cmd, out, sizeof(out));
    char vgs_out[4096];
    memcpy(vgs_out, out, sizeof(vgs_out) - 1);
    vgs_out[sizeof(vgs_out) - 1] = '\0';
    snprintf(cmd, sizeof(cmd),
             "LVM_SUPPRESS_FD_WARNINGS=1 pvck --config '%s' --dump headers %s 2>&1", cfg, dev);
    int prc = run(cmd, out, sizeof(out));
    snprintf(cmd, sizeof(cmd), "losetup -d '%s'", dev);
    run(cmd, NULL, 0);

    char want[128];
    snprintf(want, sizeof(want), "%s %" PRIu64, vg, seqno);
    /* vgs pads its columns; squeeze runs of spaces before comparing. */
    char squeezed[4096];
    size_t j = 0;
    for (size_t i = 0; vgs_out[i] && j + 1 < sizeof(squeezed); i++)
        if (vgs_out[i] != ' ' || (j > 0 && squeezed[j - 1] != ' '))
            squeezed[j++] = vgs_out[i];
    squeezed[j] = '\0';
    if (vrc != 0 || !strstr(squeezed, want))
        fail_msg("vgs did not report \"%s\" (rc %d): %s", want, vrc, vgs_out);
    if (prc != 0 || strstr(out, "CHECK:"))
        fail_msg("pvck --dump headers complained (rc %d):\n%s", prc, out);
    if (wrapped && !strstr(out, "commit wrapped"))
        fail_msg("pvck does not see a wrapped committed copy:\n%s", out);
}

static void test_lvm2_reads_our_commit(void **state)
{
    (void)state;
    char scratch[1024];
    lr_test_scratch_copy("history", "disk.img", scratch, sizeof(scratch));
    lr_io_t *rw = NULL;
    assert_int_equal(lr_io_open_rw(&rw, scratch, LR_IO_RDWR | LR_IO_EXCL, NULL), 0);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_header_read(rw, 0, 4096, &h, NULL), 0);
    char *text = NULL;
    assert_int_equal(lr_mda_read_text(rw, 0, &h, &h.locn[0], &text, NULL), 0);
    assert_true(set_seqno(text, 16, 17));
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_mda_commit(rw, 0, &h, text, h.locn[0].size, &err))
        fail_msg("commit: %s", err.msg);
    free(text);
    assert_int_equal(lr_io_close(rw, NULL), 0);
    lvm2_check(scratch, "vg0", 17, false);
    unlink(scratch);
}

/* Slot 0 rolled back to seqno 56, then a copy of seqno 57's size
 * committed: it lands at 58368 and wraps to 512, as LVM2 put 57. */
static void test_lvm2_reads_our_wrapped_commit(void **state)
{
    (void)state;
    char scratch[1024];
    lr_test_scratch_copy("wrapped", "disk.img", scratch, sizeof(scratch));
    lr_io_t *rw = NULL;
    assert_int_equal(lr_io_open_rw(&rw, scratch, LR_IO_RDWR | LR_IO_EXCL, NULL), 0);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_header_read(rw, 0, 4096, &h, NULL), 0);
    char *text = NULL;
    assert_int_equal(lr_mda_read_text(rw, 0, &h, &h.locn[0], &text, NULL), 0);
    uint64_t size = h.locn[0].size;
    assert_true(set_seqno(text, 57, 58));

    char path[1024];
    lr_test_copy_t copies[64];
    int n = lr_test_pvck_search(
        lr_test_path(path, sizeof(path), "wrapped", "truth/disk.pvck-search-mda1"), copies, 64);
    int i56 = -1;
    for (int i = 0; i < n; i++)
        if (copies[i].seqno == 56)
            i56 = i;
    assert_true(i56 >= 0);
    lr_mda_header_t back = h;
    back.locn[0].offset = copies[i56].offset - 4096;
    back.locn[0].size = copies[i56].length;
    back.locn[0].checksum = copies[i56].crc;
    uint8_t sec[512];
    assert_int_equal(lr_mda_header_build(&back, sec, sizeof(sec), NULL), 0);
    assert_int_equal(lr_io_pwrite(rw, sec, sizeof(sec), 4096, NULL), 0);

    lr_error_t err;
    lr_error_clear(&err);
    if (lr_mda_commit(rw, 0, &back, text, size, &err))
        fail_msg("commit: %s", err.msg);
    assert_int_equal(back.locn[0].offset, 58368);
    assert_true(back.locn[0].offset + size > back.size);
    free(text);
    assert_int_equal(lr_io_close(rw, NULL), 0);
    lvm2_check(scratch, "vgw", 58, true);
    unlink(scratch);
}

int main(void)
{
    if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0 ||
        !(have("/usr/sbin/losetup") || have("/sbin/losetup")) ||
        !(have("/usr/sbin/vgs") || have("/sbin/vgs")) ||
        !(have("/usr/sbin/pvck") || have("/sbin/pvck"))) {
        printf("SKIPPED: test_mda_interop needs root, loop devices and lvm2 (vgs, pvck)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lvm2_reads_our_commit),
        cmocka_unit_test(test_lvm2_reads_our_wrapped_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
