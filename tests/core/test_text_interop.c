/* Interop: text edited by lvmrescue is accepted by LVM2 itself. On a loop
 * device of its own the test lets LVM2 create a VG, reads the committed copy
 * (raw style, via pvck) and a vgcfgbackup file (indented style), adds an LV,
 * bumps seqno and description with the tree API, and has `vgcfgrestore -f`
 * load the result; `lvs` and the next committed copy must show the LV.
 * Needs root, lvm2 and losetup; exits 77 (skipped) without them. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lr/meta.h"
#include "support.h"
#include "text_support.h"

static char dir[64];
static char loopdev[64];
static char vgname[32];
static char cfg[512];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command (stderr to dir/err); returns its exit status. */
static int sh(const char *fmt, ...)
{
    char cmd[4096], full[4300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    snprintf(full, sizeof(full), "LVM_SUPPRESS_FD_WARNINGS=1; (%s) 2>>%s/err", cmd, dir);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp_dir(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return lr_test_slurp(path, len);
}

static void write_dir(const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* Adds LV `name` on the first free extent of pv0, seqno + 1, and a new
 * description; returns the new text. */
static char *edit(const char *text, size_t len, const char *name, const char *uuid, size_t *olen)
{
    lr_vg_t *vg = NULL;
    lr_error_t err;
    char ebuf[700];
    if (lr_vg_parse(text, len, &vg, &err))
        fail_msg("parse: %s", lr_error_format(&err, ebuf, sizeof(ebuf)));
    lr_cfg_node_t *vgn = vg->node, *lvs = lr_cfg_find(vgn, "logical_volumes"), *lv, *seg;
    uint64_t first_free = lr_vg_pv_used(vg, 0); /* LVs were allocated from extent 0 */
    assert_int_equal(lr_cfg_set_int(vgn, "seqno", (int64_t)vg->seqno + 1, &err), 0);
    assert_int_equal(lr_cfg_set_str(lr_cfg_root(vg->cfg), "description",
                                    "Edited by lvmrescue \"interop\" test", &err),
                     0);
    assert_non_null(lvs);
    assert_int_equal(lr_cfg_add_section(lvs, name, &lv, &err), 0);
    assert_int_equal(lr_cfg_set_str(lv, "id", uuid, &err), 0);
    const char *status[] = {"READ", "WRITE", "VISIBLE"};
    assert_int_equal(lr_cfg_set_strings(lv, "status", status, 3, &err), 0);
    assert_int_equal(lr_cfg_set_strings(lv, "flags", NULL, 0, &err), 0);
    assert_int_equal(lr_cfg_set_str(lv, "creation_host", "lvmrescue", &err), 0);
    assert_int_equal(lr_cfg_set_int(lv, "creation_time", 1700000000, &err), 0);
    assert_int_equal(lr_cfg_set_int(lv, "segment_count", 1, &err), 0);
    assert_int_equal(lr_cfg_add_section(lv, "segment1", &seg, &err), 0);
    assert_int_equal(lr_cfg_set_int(seg, "start_extent", 0, &err), 0);
    assert_int_equal(lr_cfg_set_int(seg, "extent_count", 1, &err), 0);
    assert_int_equal(lr_cfg_set_str(seg, "type", "striped", &err), 0);
    assert_int_equal(lr_cfg_set_int(seg, "stripe_count", 1, &err), 0);
    lr_cfg_value_t items[2] = {{.type = LR_CFG_STRING, .s = (char *)vg->pvs[0].key},
                               {.type = LR_CFG_INT, .i = (int64_t)first_free}};
    lr_cfg_value_t stripes = {.type = LR_CFG_ARRAY, .n_items = 2, .items = items};
    assert_int_equal(lr_cfg_set_value(seg, "stripes", &stripes, &err), 0);
    char *out = NULL;
    assert_int_equal(lr_cfg_write(vg->cfg, &out, olen, &err), 0);
    lr_vg_free(vg);
    /* our own view of the edit is consistent before LVM2 sees it */
    lr_vg_t *check = NULL;
    if (lr_vg_parse(out, *olen, &check, &err) || lr_vg_check(check, &err))
        fail_msg("edited text: %s", lr_error_format(&err, ebuf, sizeof(ebuf)));
    assert_non_null(lr_vg_find_lv(check, name));
    lr_vg_free(check);
    return out;
}

/* Restores `file` with vgcfgrestore and checks LVM2 now has LV `name` at
 * the expected seqno, in lvs and in its next committed copy. */
static void restore_and_verify(const char *file, const char *name, uint64_t seqno)
{
    if (sh("vgcfgrestore --config '%s' -f %s/%s %s >/dev/null", cfg, dir, file, vgname))
        fail_msg("vgcfgrestore refused %s (see %s/err)", file, dir);
    assert_int_equal(sh("lvs --config '%s' --reportformat json --units b --nosuffix "
                        "-o lv_name,lv_size %s > %s/lvs.json",
                        cfg, vgname, dir),
                     0);
    char *json = slurp_dir("lvs.json", NULL);
    assert_non_null(json);
    char pat[128];
    snprintf(pat, sizeof(pat), "\"lv_name\":\"%s\"", name);
    if (!strstr(json, pat))
        fail_msg("lvs does not show %s: %s", name, json);
    free(json);
    assert_int_equal(sh("rm -f %s/after && pvck --config '%s' --dump metadata -f %s/after %s "
                        ">/dev/null",
                        dir, cfg, dir, loopdev),
                     0);
    size_t len;
    char *text = slurp_dir("after", &len);
    assert_non_null(text);
    lr_vg_t *vg = NULL;
    lr_error_t err;
    char ebuf[700];
    if (lr_vg_parse(text, len, &vg, &err) || lr_vg_check(vg, &err))
        fail_msg("LVM2's copy after restore: %s", lr_error_format(&err, ebuf, sizeof(ebuf)));
    const lr_lv_t *lv = lr_vg_find_lv(vg, name);
    assert_non_null(lv);
    assert_int_equal(lv->extent_count, 1);
    assert_string_equal(lv->creation_host, "lvmrescue");
    /* vgcfgrestore writes the restored text with the file's seqno + 1 */
    assert_int_equal(vg->seqno, seqno + 1);
    lr_vg_free(vg);
    free(text);
}

static void test_raw_edit_accepted(void **state)
{
    (void)state;
    assert_int_equal(
        sh("pvck --config '%s' --dump metadata -f %s/raw %s >/dev/null", cfg, dir, loopdev), 0);
    size_t len, olen;
    char *text = slurp_dir("raw", &len);
    assert_non_null(text);
    lr_vg_t *vg = NULL;
    lr_error_t err;
    assert_int_equal(lr_vg_parse(text, len, &vg, &err), 0);
    uint64_t seqno = vg->seqno;
    lr_vg_free(vg);
    char *out = edit(text, len, "added_raw", "LrTest-Raw0-0000-0000-0000-0000-000001", &olen);
    write_dir("raw.edited", out, olen);
    restore_and_verify("raw.edited", "added_raw", seqno + 1);
    free(out);
    free(text);
}

static void test_backup_edit_accepted(void **state)
{
    (void)state;
    assert_int_equal(sh("vgcfgbackup --config '%s' -f %s/backup %s >/dev/null", cfg, dir, vgname),
                     0);
    size_t len, olen;
    char *text = slurp_dir("backup", &len);
    assert_non_null(text);
    lr_vg_t *vg = NULL;
    lr_error_t err;
    assert_int_equal(lr_vg_parse(text, len, &vg, &err), 0);
    uint64_t seqno = vg->seqno;
    lr_vg_free(vg);
    char *out = edit(text, len, "added_backup", "LrTest-Bkp0-0000-0000-0000-0000-000002", &olen);
    assert_non_null(strstr(out, "\n\t\tadded_backup {\n\t\t\tid = ")); /* LVM2's tabs */
    write_dir("backup.edited", out, olen);
    restore_and_verify("backup.edited", "added_backup", seqno + 1);
    free(out);
    free(text);
}

static bool have_tools(void)
{
    return geteuid() == 0 && system("command -v lvm >/dev/null 2>&1 && "
                                    "command -v losetup >/dev/null 2>&1") == 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(vgname, sizeof(vgname), "lrtext%ld", (long)getpid());
    if (sh("truncate -s 64M %s/d.img && losetup -f --show %s/d.img > %s/loop", dir, dir, dir))
        return -1;
    char *l = slurp_dir("loop", NULL);
    if (!l)
        return -1;
    snprintf(loopdev, sizeof(loopdev), "%s", strtok(l, "\n"));
    free(l);
    snprintf(cfg, sizeof(cfg),
             "global{activation=0} backup{backup=0 archive=0} "
             "devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" "
             "filter=[\"a|^%s$|\",\"r|.*|\"]}",
             loopdev);
    return sh("pvcreate --config '%s' -y %s >/dev/null && vgcreate --config '%s' %s %s "
              ">/dev/null && lvcreate --config '%s' -an -Zn -y -L 8M -n lv1 %s >/dev/null",
              cfg, loopdev, cfg, vgname, loopdev, cfg, vgname)
               ? -1
               : 0;
}

/* Detaches only the loop device this test attached (also when setup failed
 * half way) and removes the work directory. */
static void cleanup(void)
{
    if (loopdev[0])
        sh("losetup -d %s", loopdev);
    sh("rm -rf %s", dir);
}

int main(void)
{
    if (!have_tools()) {
        printf("SKIPPED test_text_interop: needs root, lvm2 and losetup\n");
        return 77;
    }
    snprintf(dir, sizeof(dir), "/tmp/lr-text-interop.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_edit_accepted),
        cmocka_unit_test(test_backup_edit_accepted),
    };
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    cleanup();
    return failed;
}
