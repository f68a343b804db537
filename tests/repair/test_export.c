/* lr_export on the history fixture: the exported file is byte for byte the
 * copy LVM2 wrote (pvck's own dump is the truth), existing files and the
 * images themselves are never written, and version picking explains itself.
 *
 * `test_export --export IMAGE SEQNO OUT` exports one version and exits: the
 * interop script (tests/repair/interop/export-interop.sh) uses it to feed
 * vgcfgrestore. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/export.h"
#include "lr/scan.h"
#include "support.h"
#include "text_support.h"

typedef struct fx {
    char dir[64];
    lr_scan_session_t *scan;
} fx_t;

static lr_scan_session_t *scan_one(const char *path)
{
    lr_scan_session_t *scan = NULL;
    lr_error_t err;
    if (lr_scan_paths(&path, 1, NULL, &scan, &err)) {
        char msg[1024];
        fprintf(stderr, "scan: %s\n", lr_error_format(&err, msg, sizeof(msg)));
        return NULL;
    }
    return scan;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/lr-export-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char path[512];
    f->scan = scan_one(lr_test_path(path, sizeof(path), "history", "disk.img.gz"));
    *state = f;
    return f->scan ? 0 : -1;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_dir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    fx_t *f = *state;
    lr_scan_session_free(f->scan);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static void pick(lr_scan_session_t *scan, uint64_t seqno, int *vg, int *ver)
{
    lr_scan_pick_t p = {.vg = "vg0", .has_seqno = true, .seqno = seqno};
    lr_error_t err;
    int rc = lr_scan_select_one(lr_scan_result(scan), &p, vg, ver, &err);
    if (rc)
        fprintf(stderr, "pick: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* No temporary file may be left behind in the output directory. */
static void assert_no_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".lrtmp-"));
    closedir(d);
}

/* The text of seqno 15 as pvck --dump metadata_all wrote it. */
static char *truth_copy(uint64_t seqno, size_t *len)
{
    char path[512];
    size_t n = 0;
    char *all =
        lr_test_slurp(lr_test_path(path, sizeof(path), "history", "truth/disk.pvck-all-mda1"), &n);
    assert_non_null(all);
    lr_test_text_t t[64];
    int k = lr_test_split_pvck_all(all, n, t, 64);
    char want[32];
    snprintf(want, sizeof(want), "\nseqno = %llu\n", (unsigned long long)seqno);
    char *out = NULL;
    for (int i = 0; i < k && !out; i++) {
        char *s = strndup(t[i].p, t[i].len);
        assert_non_null(s);
        if (strstr(s, want)) {
            out = s;
            *len = t[i].len;
        } else {
            free(s);
        }
    }
    free(all);
    assert_non_null(out);
    return out;
}

static void test_text_is_copy(void **state)
{
    fx_t *f = *state;
    int vg, ver;
    pick(f->scan, 15, &vg, &ver);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(lr_scan_version_text(f->scan, (size_t)vg, (size_t)ver, &text, &len, NULL), 0);
    size_t tlen;
    char *truth = truth_copy(15, &tlen);
    assert_int_equal(len, tlen);
    /* pvck: "metadata at 29696 length 2078 ... seqno 15" counts the NUL */
    assert_int_equal(len, 2077);
    assert_memory_equal(text, truth, len);
    assert_int_equal(text[len], '\0');
    assert_non_null(strstr(text, "contents = \"Text Format Volume Group\""));

    char out[512];
    snprintf(out, sizeof(out), "%s/vg0-15.vg", f->dir);
    lr_error_t err;
    int rc = lr_export_write(f->scan, (size_t)vg, (size_t)ver, out, 0, &err);
    if (rc)
        fprintf(stderr, "export: %s\n", err.msg);
    assert_int_equal(rc, 0);
    size_t flen = 0;
    char *file = lr_test_slurp(out, &flen);
    assert_non_null(file);
    assert_int_equal(flen, tlen);
    assert_memory_equal(file, truth, flen);
    assert_no_tmp(f->dir);
    free(file);
    free(truth);
    free(text);
}

static void test_no_clobber(void **state)
{
    fx_t *f = *state;
    int vg, ver, vg16, ver16;
    pick(f->scan, 15, &vg, &ver);
    pick(f->scan, 16, &vg16, &ver16);
    char out[512];
    snprintf(out, sizeof(out), "%s/exists.vg", f->dir);
    FILE *fp = fopen(out, "w");
    assert_non_null(fp);
    fputs("keep me\n", fp);
    fclose(fp);

    lr_error_t err;
    assert_int_equal(lr_export_write(f->scan, (size_t)vg, (size_t)ver, out, 0, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "exists"));
    char *kept = lr_test_slurp(out, NULL);
    assert_string_equal(kept, "keep me\n");
    free(kept);
    assert_no_tmp(f->dir);

    assert_int_equal(
        lr_export_write(f->scan, (size_t)vg16, (size_t)ver16, out, LR_EXPORT_OVERWRITE, &err), 0);
    char *now = lr_test_slurp(out, NULL);
    assert_non_null(strstr(now, "seqno = 16"));
    free(now);

    /* a directory is never replaced, even with overwrite */
    assert_int_equal(
        lr_export_write(f->scan, (size_t)vg, (size_t)ver, f->dir, LR_EXPORT_OVERWRITE, &err),
        LR_EREFUSED);
    /* no directory to create the file in */
    snprintf(out, sizeof(out), "%s/no/such/dir.vg", f->dir);
    assert_int_equal(lr_export_write(f->scan, (size_t)vg, (size_t)ver, out, 0, &err), -ENOENT);
    assert_int_equal(lr_export_write(f->scan, (size_t)vg, (size_t)ver, "", 0, &err), -EINVAL);
    assert_no_tmp(f->dir);
}

static int copy_file(const char *from, const char *to)
{
    size_t n;
    char *b = lr_test_slurp(from, &n);
    FILE *fp = b ? fopen(to, "wb") : NULL;
    int ok = fp && fwrite(b, 1, n, fp) == n;
    if (fp)
        ok &= fclose(fp) == 0;
    free(b);
    return ok ? 0 : -1;
}

/* Exporting onto one of the scanned images (even under another name) is
 * refused and leaves it untouched. */
static void test_never_into_image(void **state)
{
    fx_t *f = *state;
    char src[512], img[512], alias[512];
    snprintf(img, sizeof(img), "%s/img.gz", f->dir);
    snprintf(alias, sizeof(alias), "%s/alias.gz", f->dir);
    assert_int_equal(copy_file(lr_test_path(src, sizeof(src), "history", "disk.img.gz"), img), 0);
    assert_int_equal(link(img, alias), 0);
    size_t before_len;
    char *before = lr_test_slurp(img, &before_len);
    lr_scan_session_t *scan = scan_one(img);
    assert_non_null(scan);
    int vg, ver;
    pick(scan, 15, &vg, &ver);
    lr_error_t err;
    assert_int_equal(lr_export_write(scan, (size_t)vg, (size_t)ver, img, LR_EXPORT_OVERWRITE, &err),
                     LR_EREFUSED);
    assert_non_null(strstr(err.msg, "image"));
    assert_int_equal(
        lr_export_write(scan, (size_t)vg, (size_t)ver, alias, LR_EXPORT_OVERWRITE, &err),
        LR_EREFUSED);
    size_t after_len;
    char *after = lr_test_slurp(img, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    lr_scan_session_free(scan);
    unlink(alias);
    unlink(img);
    assert_no_tmp(f->dir);
}

static void test_pick(void **state)
{
    fx_t *f = *state;
    int vg, ver;
    lr_error_t err;
    lr_scan_pick_t p = {0};
    assert_int_equal(lr_scan_select_one(lr_scan_result(f->scan), &p, &vg, &ver, &err), 0);
    assert_int_equal(lr_scan_result(f->scan)->vgs[vg].versions[ver].seqno, 16); /* latest */

    p.has_seqno = true;
    p.seqno = 15;
    assert_int_equal(lr_scan_select_one(lr_scan_result(f->scan), &p, &vg, &ver, &err), 0);
    p.has_crc = true;
    p.crc = lr_scan_result(f->scan)->vgs[vg].versions[ver].crc ^ 1;
    assert_int_equal(lr_scan_select_one(lr_scan_result(f->scan), &p, &vg, &ver, &err),
                     LR_ENOTFOUND);

    /* two VGs on one disk: without --vg the current state is ambiguous */
    char path[512];
    lr_scan_session_t *reinit = scan_one(lr_test_path(path, sizeof(path), "reinit", "disk.img.gz"));
    assert_non_null(reinit);
    lr_scan_pick_t any = {0};
    lr_scan_selection_t sel;
    assert_int_equal(lr_scan_select(lr_scan_result(reinit), &any, &sel, &err), LR_EREFUSED);
    fprintf(stderr, "ambiguous: %s\n", err.msg);
    /* the candidates, as data: one per VG; naming the VG settles it */
    assert_int_equal(sel.n, 2);
    assert_string_equal(lr_scan_result(reinit)->vgs[sel.c[0].vg].name, "newvg");
    assert_string_equal(lr_scan_result(reinit)->vgs[sel.c[1].vg].name, "oldvg");
    assert_int_equal(err.hints, LR_HINT_CHOOSE_VG);
    assert_int_equal(sel.vg, -1);
    lr_scan_selection_free(&sel);
    any.vg = "oldvg";
    assert_int_equal(lr_scan_select_one(lr_scan_result(reinit), &any, &vg, &ver, &err), 0);
    assert_int_equal(lr_scan_result(reinit)->vgs[vg].versions[ver].seqno, 11);
    lr_scan_session_free(reinit);
}

/* Versions with only damaged copies are refused, never exported. */
static void test_partial_refused(void **state)
{
    (void)state;
    char path[512];
    lr_scan_session_t *scan =
        scan_one(lr_test_path(path, sizeof(path), "broken-text", "disk.img.gz"));
    assert_non_null(scan);
    int vg, ver;
    lr_error_t err;
    lr_scan_pick_t p = {.vg = "vgbt", .has_seqno = true, .seqno = 11};
    int rc = lr_scan_select_one(lr_scan_result(scan), &p, &vg, &ver, &err);
    fprintf(stderr, "seqno 11: rc %d %s\n", rc, err.msg);
    assert_true(rc == LR_EREFUSED || rc == LR_ENOTFOUND);
    p.seqno = 10;
    assert_int_equal(lr_scan_select_one(lr_scan_result(scan), &p, &vg, &ver, &err), 0);
    char out[512];
    snprintf(out, sizeof(out), "%s/vgbt-10.vg", ((fx_t *)*state)->dir);
    assert_int_equal(lr_export_write(scan, (size_t)vg, (size_t)ver, out, 0, &err), 0);
    /* bad indexes */
    assert_int_equal(lr_export_write(scan, 99, 0, out, 0, &err), LR_ERANGE);
    lr_scan_session_free(scan);
}

/* Helper mode for the interop script. */
static int export_main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    lr_scan_session_t *scan = scan_one(argv[2]);
    if (!scan)
        return 2;
    lr_scan_pick_t p = {.has_seqno = true, .seqno = strtoull(argv[3], NULL, 10)};
    int vg, ver;
    lr_error_t err;
    char msg[1024];
    int rc = lr_scan_select_one(lr_scan_result(scan), &p, &vg, &ver, &err);
    if (!rc)
        rc = lr_export_write(scan, (size_t)vg, (size_t)ver, argv[4], 0, &err);
    if (rc)
        fprintf(stderr, "test_export: %s\n", lr_error_format(&err, msg, sizeof(msg)));
    lr_scan_session_free(scan);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--export") == 0)
        return export_main(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_copy),     cmocka_unit_test(test_no_clobber),
        cmocka_unit_test(test_never_into_image), cmocka_unit_test(test_pick),
        cmocka_unit_test(test_partial_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
