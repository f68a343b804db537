/* Tests of lvmtui's view model (lr/tui.h) without a terminal: key sequences
 * on the real-LVM2 fixtures (history: 16 versions, seqno 16 was
 * `lvremove -f vg0/lv3`), checked through the model's state and its text.
 * Restores run on a decompressed copy in a private temp directory. */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lr/diff.h"
#include "lr/export.h"
#include "lr/extfs.h"
#include "lr/scan.h"
#include "lr/tui.h"
#include "model_int.h" /* text helpers: fitting untrusted text to the screen */

/* ---- helpers ------------------------------------------------------------ */

typedef struct tmpdir {
    char dir[256];
    char img[300];
} tmpdir_t;

static void tmp_make(tmpdir_t *t)
{
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof(t->dir), "%s/lr-tui-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    t->img[0] = '\0';
}

static void tmp_remove(tmpdir_t *t)
{
    DIR *d = opendir(t->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(t->dir);
}

/* fixtures/NAME/FILE.gz decompressed to DIR/FILE */
static void tmp_image_file(tmpdir_t *t, const char *fixture, const char *file)
{
    char src[512], gz[256];
    snprintf(gz, sizeof(gz), "%s.gz", file);
    lr_test_path(src, sizeof(src), fixture, gz);
    snprintf(t->img, sizeof(t->img), "%s/%s", t->dir, file);
    gzFile in = gzopen(src, "rb");
    assert_non_null(in);
    FILE *out = fopen(t->img, "wb");
    assert_non_null(out);
    char buf[65536];
    int n;
    while ((n = gzread(in, buf, sizeof(buf))) > 0)
        assert_int_equal(fwrite(buf, 1, (size_t)n, out), (size_t)n);
    assert_int_equal(n, 0);
    gzclose(in);
    assert_int_equal(fclose(out), 0);
}

/* fixtures/NAME/disk.img.gz decompressed to DIR/disk.img */
static void tmp_image(tmpdir_t *t, const char *fixture)
{
    tmp_image_file(t, fixture, "disk.img");
}

/* A second copy of t->img, DIR/pristine.img, to compare against. */
static void tmp_pristine(const tmpdir_t *t, char *pristine, size_t len)
{
    snprintf(pristine, len, "%s/pristine.img", t->dir);
    size_t n;
    char *bytes = lr_test_slurp(t->img, &n);
    assert_non_null(bytes);
    FILE *f = fopen(pristine, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(bytes);
}

static lr_tui_t *model_on(const char *path, int64_t now)
{
    const char *paths[] = {path};
    lr_tui_opts_t o = {.paths = paths, .n_paths = 1, .utf8 = true, .now = now, .host = "testhost"};
    lr_tui_t *m = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_new(&o, &m, &err), 0);
    lr_tui_resize(m, 24, 80);
    assert_int_equal(lr_tui_scan(m, NULL, NULL, &err), 0);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_VGS);
    return m;
}

static lr_tui_t *history_model(void)
{
    char p[512];
    return model_on(lr_test_path(p, sizeof(p), "history", "disk.img.gz"), 0);
}

/* Types a script (lvmtui --script syntax); carries out announced work.
 * Returns the OR of the actions. */
static unsigned keys(lr_tui_t *m, const char *script)
{
    lr_tui_script_step_t *steps = NULL;
    size_t n = 0;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_script_parse(script, &steps, &n, &err), 0);
    unsigned all = 0;
    for (size_t i = 0; i < n; i++) {
        if (steps[i].key == LR_TUI_SCRIPT_SIZE) {
            lr_tui_resize(m, steps[i].rows, steps[i].cols);
            continue;
        }
        unsigned act = lr_tui_key(m, steps[i].key);
        if (act & LR_TUI_ACT_WORK)
            lr_tui_work(m, NULL, NULL, &err);
        all |= act;
    }
    free(steps);
    return all;
}

/* The whole frame as text. */
static char *screen(const lr_tui_t *m)
{
    lr_tui_frame_t *f = NULL;
    char *text = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_render(m, &f, &err), 0);
    assert_int_equal(lr_tui_frame_text(f, &text, &err), 0);
    lr_tui_frame_free(f);
    return text;
}

static bool screen_has(const lr_tui_t *m, const char *s)
{
    char *t = screen(m);
    bool has = strstr(t, s) != NULL;
    free(t);
    return has;
}

/* The seqno of the version a history line shows. */
static uint64_t line_seqno(const lr_tui_t *m, size_t i)
{
    const char *l = lr_tui_line(m, i);
    assert_non_null(l);
    return strtoull(l, NULL, 10);
}

static const lr_scan_version_t *selected(const lr_tui_t *m)
{
    const lr_scan_t *s = lr_tui_scan_result(m);
    int vg = lr_tui_selected_vg(m), v = lr_tui_selected_version(m);
    assert_true(vg >= 0 && v >= 0);
    return &s->vgs[vg].versions[v];
}

static bool files_equal(const char *a, const char *b)
{
    size_t la, lb;
    char *x = lr_test_slurp(a, &la), *y = lr_test_slurp(b, &lb);
    bool eq = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return eq;
}

/* ---- VG list and history ------------------------------------------------------ */

static void test_vg_list(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    assert_int_equal(lr_tui_cursor(m), 0);
    assert_non_null(strstr(lr_tui_line(m, 0), "vg0"));
    assert_non_null(strstr(lr_tui_line(m, 0), "consistent"));
    assert_non_null(strstr(lr_tui_line(m, 0), "1/1"));
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    /* the bottom line always shows the selection */
    char *t = screen(m);
    char *last = strrchr(t, '\n');
    *last = '\0';
    last = strrchr(t, '\n');
    assert_non_null(strstr(last, "vg0 seqno 16"));
    free(t);
    lr_tui_free(m);
}

static void test_history_newest_first(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    assert_int_equal(keys(m, "<Enter>"), LR_TUI_ACT_NONE);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    const lr_scan_t *s = lr_tui_scan_result(m);
    assert_int_equal(s->vgs[0].n_versions, 16);
    /* one line per version, newest first, then the FLAGS legend */
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(line_seqno(m, i), 16 - i);
    assert_int_equal(lr_tui_cursor(m), 0);
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    const char *l16 = lr_tui_line(m, 0);
    assert_non_null(strstr(l16, "lvremove -f vg0/lv3"));
    assert_non_null(strstr(l16, " C "));    /* committed */
    assert_non_null(strstr(l16, "20 MiB")); /* lv1 8 + data 8 + lv4 4 */
    const char *l15 = lr_tui_line(m, 1);
    assert_non_null(strstr(l15, "lvchange --deltag impor"));
    assert_non_null(strstr(l15, "   4 ")); /* 4 LVs */
    assert_non_null(strstr(l15, "24 MiB"));
    assert_non_null(strstr(lr_tui_line(m, 15), "0 B"));
    assert_true(screen_has(m, "History of VG vg0: 16 versions, newest first"));
    /* at 80 columns the change summary comes first and the command is
     * cut at the edge (the detail screen shows it whole); the time is
     * month-day and minutes, its year and seconds show from 120 columns on */
    assert_true(screen_has(m, "lv1 -tag important | lvchange --delta\xe2\x80\xa6\n"));
    assert_true(screen_has(m, "-lv3 | lvremove -f vg0/lv3\n"));
    assert_true(screen_has(m, "11-25 08:03 "));
    keys(m, "<Size=120x30>");
    assert_true(screen_has(m, "2026-11-25 08:03:25"));
    lr_tui_free(m);
}

/* Display columns of the first occurrence of needle in a frame line. */
static long column_of(const char *line, const char *needle)
{
    const char *at = strstr(line, needle);
    if (!at)
        return -1;
    char *head = strndup(line, (size_t)(at - line));
    long w = (long)tui_width(head, true);
    free(head);
    return w;
}

/* The history at 80 columns: the change | command column starts by column
 * 44 (36 columns), every column is aligned under its heading, the change
 * summary comes before the command, a line cut at the edge ends in an
 * ellipsis, and each line is exactly 80 columns wide. Wider terminals show
 * the full time. */
static void test_history_columns(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter>");
    lr_tui_frame_t *f = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_render(m, &f, &err), 0);
    const char *hdr = f->lines[1];
    long cmd_col = column_of(hdr, "CHANGE | COMMAND");
    long size_end = column_of(hdr, "LV SIZE") + 7;
    long lvs_end = column_of(hdr, "LVs") + 3;
    assert_true(cmd_col > 0 && cmd_col <= 44);
    const lr_scan_t *s = lr_tui_scan_result(m);
    const lr_evidence_t *ev = tui_evidence(m);
    assert_non_null(ev);
    for (int r = 0; r < f->rows; r++)
        assert_int_equal(tui_width(f->lines[r], true), 80);
    for (size_t i = 0; i < 16; i++) {
        const char *l = f->lines[2 + i];
        char c[512], cmd[600];
        tui_command(s->vgs[0].versions[i].description, c, sizeof(c));
        const char *change = ev->vgs[0].versions[i].change;
        /* every version but the first has a change summary */
        assert_true(i == 15 || (change && *change));
        if (change && *change)
            snprintf(cmd, sizeof(cmd), "%s | %s", change, c);
        else
            snprintf(cmd, sizeof(cmd), "%s", c);
        /* change | command starts under its heading: whole, or cut with '…'
         * (the change summaries here are ASCII but for '→': count columns) */
        char shown[700];
        size_t arrows = strstr(cmd, "\xe2\x86\x92") ? 2 : 0; /* bytes over columns */
        if (tui_width(cmd, true) <= (size_t)(80 - cmd_col))
            snprintf(shown, sizeof(shown), "%s\n", cmd);
        else
            snprintf(shown, sizeof(shown), "%.*s\xe2\x80\xa6",
                     (int)(80 - cmd_col - 1 + (long)arrows), cmd);
        char line[600];
        snprintf(line, sizeof(line), "%s", l);
        size_t ll = strlen(line);
        while (ll && line[ll - 1] == ' ')
            ll--;
        snprintf(line + ll, sizeof(line) - ll, "\n"); /* a frame line is padded */
        assert_int_equal(column_of(line, shown), cmd_col);
        /* sizes and LV counts end under the end of their headings */
        if (i == 15)
            assert_int_equal(column_of(l, " 0 B ") + 4, size_end);
        else
            assert_int_equal(column_of(l, " MiB ") + 4, size_end);
        assert_true(l[lvs_end - 1] >= '0' && l[lvs_end - 1] <= '9' && l[lvs_end] == ' ');
    }
    /* change | command longer than the column, and one that fits */
    assert_non_null(strstr(f->lines[4], "+tag site_b, -tag site_a | vgchange -\xe2\x80\xa6"));
    assert_non_null(strstr(f->lines[5], "data 4\xe2\x86\x92"
                                        "8 MiB | lvextend -L +4M vg0/da\xe2\x80\xa6"));
    assert_non_null(strstr(f->lines[7], "lv4 status | lvchange -p r vg0/lv4 "));
    lr_tui_frame_free(f);
    /* 120 columns: full times and 8 columns of host; back at 80 the compact
     * layout returns, the selection kept */
    keys(m, "<Down><Size=120x40>");
    /* wide: the change from the previous version before the command, and
     * R on the recommended version (the last before `lvremove -f vg0/lv3`) */
    assert_true(screen_has(
        m, "  SEQNO  WRITTEN (UTC)       HOST     LVs  LV SIZE FLAGS CHANGE | COMMAND\n"));
    assert_true(screen_has(m, ">    15  2026-11-25 08:03:24 vm         4   24 MiB R     "
                              "lv1 -tag important | lvchange --deltag important vg0/lv1\n"));
    assert_true(screen_has(m, "  24 MiB -     data 4\xe2\x86\x92"
                              "8 MiB | lvextend -L +4M vg0/data\n"));
    keys(m, "<Size=80x24>");
    assert_true(screen_has(m, "  SEQNO WRITTEN UTC HOST LVs LV SIZE FLAG CHANGE | COMMAND\n"));
    assert_true(screen_has(m, ">    15 11-25 08:03 vm     4  24 MiB R    "
                              "lv1 -tag important | lvchange --delta\xe2\x80\xa6\n"));
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 15");
    lr_tui_free(m);
}

/* Names too long for their column are cut with an ellipsis and the columns
 * after them stay under their headings: a VG name in the VG list, a host
 * name in the history (6 columns at 80, 8 from 100 on). */
static void test_long_names(void **state)
{
    (void)state;
    char p[512];
    const char *paths[] = {lr_test_path(p, sizeof(p), "history", "disk.img.gz")};
    lr_scan_session_t *scan_ss = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_scan_paths(paths, 1, NULL, &scan_ss, &err), 0);
    /* the result is const for its readers; this test alone edits it in
     * place for a long name and host (the engine never changes it) */
    lr_scan_t *scan = (lr_scan_t *)lr_scan_result(scan_ss);
    free(scan->vgs[0].name);
    scan->vgs[0].name = strdup("averyveryverylongvgname0");
    static char host[] = "build-server-01.example.com";
    scan->vgs[0].versions[0].creation_host = host;
    lr_tui_opts_t o = {.paths = paths, .n_paths = 1, .utf8 = true};
    lr_tui_t *m = NULL;
    assert_int_equal(lr_tui_new(&o, &m, &err), 0);
    assert_int_equal(lr_tui_set_scan(m, scan_ss, &err), 0);
    lr_tui_frame_t *f = NULL;
    assert_int_equal(lr_tui_render(m, &f, &err), 0);
    assert_non_null(strstr(f->lines[2], "> averyveryverylo\xe2\x80\xa6 eCVxNA-"));
    assert_int_equal(column_of(f->lines[2], "eCVxNA-"), column_of(f->lines[1], "UUID"));
    assert_int_equal(column_of(f->lines[2], "1/1"), column_of(f->lines[1], "PVs"));
    lr_tui_frame_free(f);
    keys(m, "<Enter>");
    assert_true(screen_has(m, "History of VG averyveryverylongvgname0: 16 versions"));
    assert_int_equal(lr_tui_render(m, &f, &err), 0);
    assert_non_null(strstr(f->lines[2], " build\xe2\x80\xa6 "));
    assert_int_equal(column_of(f->lines[2], "  3 "), column_of(f->lines[1], "LVs"));
    assert_int_equal(column_of(f->lines[3], " vm "), column_of(f->lines[2], " build"));
    lr_tui_frame_free(f);
    keys(m, "<Size=100x30>");
    assert_int_equal(lr_tui_render(m, &f, &err), 0);
    assert_non_null(strstr(f->lines[2], " build-s\xe2\x80\xa6 "));
    assert_int_equal(column_of(f->lines[2], "-lv3 | lvremove"),
                     column_of(f->lines[1], "CHANGE | COMMAND"));
    lr_tui_frame_free(f);
    lr_tui_free(m);
}

static void test_navigation_keys(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter>");
    keys(m, "<Down>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 15");
    keys(m, "jj");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 13");
    keys(m, "k<Up>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 15");
    keys(m, "<End>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 1");
    /* the legend below the versions is not selectable */
    assert_int_equal(keys(m, "<Down>"), LR_TUI_ACT_BEEP);
    keys(m, "<Home>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    assert_int_equal(keys(m, "<Up>"), LR_TUI_ACT_BEEP);
    keys(m, "<PgDn>"); /* 20 body lines: past the 16 versions to the last */
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 1");
    keys(m, "<PgUp>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    assert_int_equal(keys(m, "<C-L>"), LR_TUI_ACT_REDRAW);
    lr_tui_free(m);
}

static void test_back_navigation(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    /* every back key leaves the screen; q quits only on the VG list */
    const char *backs[] = {"<Esc>", "<BS>", "h", "<Left>", "q"};
    for (size_t i = 0; i < sizeof(backs) / sizeof(backs[0]); i++) {
        keys(m, "<Enter><Down><Enter>");
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
        assert_string_equal(lr_tui_selection(m), "vg0 seqno 15");
        assert_int_equal(keys(m, backs[i]), LR_TUI_ACT_NONE);
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
        assert_string_equal(lr_tui_selection(m), "vg0 seqno 15"); /* kept */
        assert_int_equal(keys(m, backs[i]), LR_TUI_ACT_NONE);
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_VGS);
    }
    assert_int_equal(keys(m, "<Esc>"), LR_TUI_ACT_BEEP);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_VGS);
    assert_int_equal(keys(m, "q"), LR_TUI_ACT_QUIT);
    lr_tui_free(m);
}

static void test_version_detail(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter><Down><Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    /* a text screen whose LV rows are selectable: the cursor is on lv3 */
    assert_int_equal(lr_tui_cursor(m), 16);
    assert_non_null(strstr(lr_tui_line(m, 16), "lv3 "));
    bool vg = false, pv = false, lv3 = false, map = false, cmd = false;
    for (size_t i = 0; i < lr_tui_n_lines(m); i++) {
        const char *l = lr_tui_line(m, i);
        vg |= strstr(l, "VG vg0  seqno 15") != NULL;
        cmd |= strstr(l, "lvchange --deltag important vg0/lv1") != NULL;
        pv |= strstr(l, "disk.img.gz PV at 0 (label)") != NULL;
        lv3 |=
            strstr(l, "lv3") && strstr(l, "4 MiB") && strstr(l, "linear") && strstr(l, "pv0:3-3");
        map |= strstr(l, "|ABACDB.|") != NULL; /* lv1 data lv1 lv3 lv4 data free */
    }
    assert_true(vg && cmd && pv && lv3 && map);
    /* the detail of seqno 16 has no lv3 */
    keys(m, "<Esc><Up><Enter>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    for (size_t i = 0; i < lr_tui_n_lines(m); i++)
        assert_null(strstr(lr_tui_line(m, i), "lv3 "));
    lr_tui_free(m);
}

static void test_missing_pv(void **state)
{
    (void)state;
    /* two of three-pv's three images: pv2 (pv3.img) is missing */
    char p1[512], p2[512];
    const char *paths[] = {lr_test_path(p1, sizeof(p1), "three-pv", "pv1.img.gz"),
                           lr_test_path(p2, sizeof(p2), "three-pv", "pv2.img.gz")};
    lr_tui_opts_t o = {.paths = paths, .n_paths = 2, .utf8 = true};
    lr_tui_t *m = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_new(&o, &m, &err), 0);
    assert_int_equal(lr_tui_scan(m, NULL, NULL, &err), 0);
    const char *l = lr_tui_line(m, 0);
    assert_non_null(strstr(l, "vg3"));
    assert_non_null(strstr(l, "2/3"));
    assert_true(screen_has(m, "missing PVs"));
    keys(m, "<Enter><Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_true(screen_has(m, "found: pv1.img.gz PV at 0 (label)"));
    assert_true(screen_has(m, "MISSING: no image holds this PV"));
    /* restoring is refused (LR_HINT_MISSING_PVS | LR_HINT_FORCE); lvmtui
     * words the hints itself and offers no option it does not have */
    keys(m, "<Esc>R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_REFUSED);
    bool all_images = false, no_override = false;
    for (size_t i = 0; i < lr_tui_n_lines(m); i++) {
        const char *row = lr_tui_line(m, i);
        all_images |= strstr(row, "Start lvmtui with every image of the VG.") != NULL;
        no_override |= strstr(row, "lvmtui does not override this; lvmrepair --force does") != NULL;
        assert_null(strstr(row, "or --force"));
    }
    assert_true(all_images);
    assert_true(no_override);
    lr_tui_free(m);
}

/* A PV label whose metadata is gone belongs to no VG: it is listed on its
 * own after the VGs. */
static void test_orphan_label(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image(&t, "history");
    FILE *f = fopen(t.img, "r+b");
    assert_non_null(f);
    static char zeros[1044480 + 512];
    assert_int_equal(fseek(f, 4096, SEEK_SET), 0);
    assert_int_equal(fwrite(zeros, 1, sizeof(zeros), f), sizeof(zeros));
    assert_int_equal(fclose(f), 0);
    lr_tui_t *m = model_on(t.img, 0);
    assert_true(screen_has(m, "No volume groups found."));
    assert_true(screen_has(m, "PV labels no VG names:"));
    assert_true(screen_has(m, "> PV wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8Hx  disk.img PV at 0"));
    assert_int_equal(lr_tui_selected_vg(m), -1);
    assert_string_equal(lr_tui_selection(m), "");
    assert_int_equal(keys(m, "<Enter>"), LR_TUI_ACT_BEEP);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_VGS);
    assert_non_null(strstr(lr_tui_message(m), "no history"));
    lr_tui_free(m);
    tmp_remove(&t);
}

/* ---- diff and marks ---------------------------------------------------------- */

static const lr_diff_change_t *only_lv_change(const lr_tui_t *m)
{
    const lr_diff_t *d = lr_tui_diff(m);
    assert_non_null(d);
    assert_int_equal(d->n_changes, 1);
    assert_int_equal(d->changes[0].obj, LR_DIFF_LV);
    assert_string_equal(d->changes[0].name, "lv3");
    return &d->changes[0];
}

static void test_diff_against_newest(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter><Down>d");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DIFF);
    const lr_diff_t *d = lr_tui_diff(m);
    assert_int_equal(d->old_seqno, 15);
    assert_int_equal(d->new_seqno, 16);
    assert_int_equal(only_lv_change(m)->kind, LR_DIFF_REMOVED);
    assert_int_equal(lr_tui_diff_change(m), 0); /* the cursor is on it */
    assert_true(screen_has(m, "LV lv3: removed"));
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 15");
    /* from the newest itself: what the last command did */
    keys(m, "<Esc><Up>d");
    d = lr_tui_diff(m);
    assert_int_equal(d->old_seqno, 15);
    assert_int_equal(d->new_seqno, 16);
    lr_tui_free(m);
}

/* R in a "seqno 15 -> seqno 16" diff asks which side; Enter takes the
 * older (15, before the lvremove), n the newer; never the opened side by
 * default (issue 14). */
static void test_diff_restore_side(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter><Up>d"); /* opened from the newest, seqno 16 */
    assert_int_equal(lr_tui_diff(m)->new_seqno, 16);
    keys(m, "R");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_SIDE);
    assert_true(screen_has(m, "Restore which side?"));
    keys(m, "<Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
    assert_true(screen_has(m, "seqno 15"));
    while (lr_tui_screen(m) == LR_TUI_SCR_REVIEW) /* cancel, then back */
        keys(m, "<Esc>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DIFF);
    keys(m, "Rn<Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
    assert_true(screen_has(m, "Restore vg0 seqno 16"));
    while (lr_tui_screen(m) == LR_TUI_SCR_REVIEW)
        keys(m, "<Esc>");
    keys(m, "Rx<Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DIFF);
    assert_non_null(strstr(lr_tui_message(m), "Restore cancelled"));
    lr_tui_free(m);
}

static void test_diff_against_mark(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    /* mark seqno 7 (before lv3 existed), select 8 (lvcreate lv3) */
    keys(m, "<Enter>jjjjjjjjj");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 7");
    keys(m, "<Space>");
    assert_int_equal(lr_tui_marked_version(m), lr_tui_selected_version(m));
    assert_true(screen_has(m, ">*    7"));
    assert_non_null(strstr(lr_tui_message(m), "Marked vg0 seqno 7"));
    keys(m, "k");
    assert_true(screen_has(m, " *    7"));
    keys(m, "d");
    const lr_diff_t *d = lr_tui_diff(m);
    assert_int_equal(d->old_seqno, 7);
    assert_int_equal(d->new_seqno, 8);
    const lr_diff_change_t *c = only_lv_change(m);
    assert_int_equal(c->kind, LR_DIFF_ADDED);
    assert_int_equal(c->new_bytes, 8u << 20);
    assert_true(screen_has(m, "LV lv3: added"));
    /* Space again on the marked version removes the mark */
    keys(m, "<Esc>j<Space>");
    assert_int_equal(lr_tui_marked_version(m), -1);
    /* a mark goes with its VG's history */
    keys(m, "<Space><Esc><Enter>");
    assert_int_equal(lr_tui_marked_version(m), 9);
    lr_tui_free(m);
}

static void test_diff_jumps(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    /* seqno 1 against the newest: many objects changed */
    keys(m, "<Enter><End>d");
    const lr_diff_t *d = lr_tui_diff(m);
    assert_int_equal(d->old_seqno, 1);
    assert_true(d->n_changes > 3);
    long first = lr_tui_diff_change(m);
    assert_int_equal(first, 0);
    keys(m, "n");
    long second = lr_tui_diff_change(m);
    assert_int_equal(second, lr_diff_next_object(d, first, 1));
    keys(m, "n");
    assert_int_equal(lr_tui_diff_change(m), lr_diff_next_object(d, second, 1));
    keys(m, "pp");
    assert_int_equal(lr_tui_diff_change(m), 0);
    keys(m, "p");
    assert_int_equal(lr_tui_diff_change(m), 0);
    assert_non_null(strstr(lr_tui_message(m), "No earlier change"));
    lr_tui_free(m);
}

/* ---- search ---------------------------------------------------------------------- */

static void test_search(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter>/");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_SEARCH);
    assert_true(screen_has(m, "\n/\n"));
    keys(m, "LVRENAME<Enter>"); /* case does not matter */
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 5");
    /* n / N: next / previous match, wrapping */
    keys(m, "/lvcreate<Enter>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 3");
    keys(m, "n");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 2");
    keys(m, "n");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 10");
    assert_non_null(strstr(lr_tui_message(m), "wrapped"));
    keys(m, "N");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 2");
    /* an empty pattern repeats the last one */
    keys(m, "/<Enter>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 10");
    /* Esc cancels the prompt and keeps the selection */
    keys(m, "/lvremove<Esc>");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 10");
    /* Backspace edits the pattern */
    keys(m, "/lvremovX<BS>e<Enter>");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    assert_int_equal(keys(m, "/no such thing<Enter>"), LR_TUI_ACT_BEEP);
    assert_non_null(strstr(lr_tui_message(m), "Pattern not found"));
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    /* search in a text screen: the hit is shown */
    keys(m, "<Down><Enter>/pv0:3-3<Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_true(screen_has(m, ">   lv3"));
    /* n without a search on this screen */
    keys(m, "<Esc><Esc>");
    assert_int_equal(keys(m, "n"), LR_TUI_ACT_BEEP);
    lr_tui_free(m);
}

/* ---- restore ------------------------------------------------------------------- */

/* Restores seqno 15 of history's copy only when exactly "yes" is typed. */
static void test_restore_needs_yes(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image(&t, "history");
    char pristine[400]; /* a second copy to compare against */
    tmp_pristine(&t, pristine, sizeof(pristine));
    lr_tui_t *m = model_on(t.img, 1800000000);
    const char *no[] = {"", "ye", "yes ", "YES", "y", "yess", "no", " yes"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        char script[64];
        keys(m, "<Enter><Down>R");
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
        assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
        assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_CONFIRM);
        snprintf(script, sizeof(script), "%s<Enter>", no[i]);
        assert_int_equal(keys(m, script) & LR_TUI_ACT_WORK, 0);
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
        assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_NONE);
        assert_non_null(strstr(lr_tui_message(m), "cancelled"));
        assert_true(files_equal(t.img, pristine));
        keys(m, "<Esc>");
    }
    /* Esc cancels too; the letters of q/j/k are typed, not keys */
    keys(m, "<Enter><Down>Rqjk<Esc>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    assert_true(files_equal(t.img, pristine));

    /* the plan is lvmrepair's, with the undo file named by it */
    keys(m, "R");
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 15");
    char *undo = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_repair_default_undo_path(t.img, 1800000000, &undo, &err), 0);
    assert_string_equal(lr_tui_undo_path(m), undo);
    bool seq17 = false, back = false, undo_shown = false;
    for (size_t i = 0; i < lr_tui_n_lines(m); i++) {
        const char *l = lr_tui_line(m, i);
        seq17 |= strstr(l, "seqno 17") != NULL;
        back |= strstr(l, "lv3") && strstr(l, "comes back");
        undo_shown |= strstr(l, "Undo file:") != NULL;
    }
    assert_true(seq17 && back && undo_shown);
    assert_true(screen_has(m, "Type yes and Enter"));

    unsigned act = keys(m, "yes<Enter>");
    assert_true(act & LR_TUI_ACT_WORK);
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_DONE);
    /* the result stays on screen until the user leaves */
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
    assert_true(screen_has(m, "RESTORED: vg0 seqno 15 is now seqno 17"));
    assert_true(screen_has(m, "verified"));
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 17");
    struct stat st;
    assert_int_equal(stat(undo, &st), 0);
    assert_false(files_equal(t.img, pristine));

    /* back in the history, rebuilt from a new scan of the image */
    keys(m, "<Esc>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    assert_int_equal(line_seqno(m, 0), 17);
    assert_int_equal(selected(m)->seqno, 17);
    assert_int_equal(selected(m)->n_lvs, 4);
    assert_true(selected(m)->committed);
    /* and 17 against 16 brings lv3 back */
    keys(m, "d");
    assert_int_equal(only_lv_change(m)->kind, LR_DIFF_ADDED);
    lr_tui_free(m);
    free(undo);
    tmp_remove(&t);
}

/* The plan's notes stay in sight above the confirmation prompt, however
 * the plan is scrolled: on fixtures/reinit, restoring oldvg's seqno 11
 * takes the area where newvg now lives ("that VG will no longer be found"). */
static void test_restore_notes_pinned(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image(&t, "reinit");
    lr_tui_t *m = model_on(t.img, 1800000000);
    keys(m, "<Down><Enter>R");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_CONFIRM);
    const char *pages[] = {"", "<PgDn>", "<PgDn><PgDn><PgDn><PgDn><End>", "<Size=100x30>",
                           "<Size=80x24><Home>"};
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        keys(m, pages[i]);
        char *text = screen(m);
        /* the lines just above the prompt (the last two lines are the
         * prompt and the status line) */
        char *prompt = strstr(text, "Type yes and Enter:");
        assert_non_null(prompt);
        char *heading = strstr(text, "Before you type yes, note");
        assert_non_null(heading);
        char *note = strstr(heading, "will no longer be");
        assert_non_null(note);
        assert_true(heading < prompt && note < prompt);
        assert_non_null(strstr(heading, "holds VG newvg"));
        free(text);
    }
    /* cancelled: the pinned notes go with the prompt */
    keys(m, "<Enter>");
    assert_false(screen_has(m, "Before you type yes"));
    lr_tui_free(m);
    tmp_remove(&t);
}

/* A model on a writable copy of fixtures/FIXTURE in t, in the restore
 * review that script opens, waiting for the typed confirmation. */
static lr_tui_t *review_on(tmpdir_t *t, const char *fixture, const char *script)
{
    tmp_make(t);
    tmp_image(t, fixture);
    lr_tui_t *m = model_on(t->img, 1800000000);
    keys(m, script);
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    return m;
}

/* The first line of the current screen's text holding s, -1 when none. */
static long line_with(const lr_tui_t *m, const char *s)
{
    for (size_t i = 0; i < lr_tui_n_lines(m); i++)
        if (strstr(lr_tui_line(m, i), s))
            return (long)i;
    return -1;
}

/* Zeroes the magic of every primary ext superblock (s_block_group_nr 0)
 * at a 512-byte boundary of path: the filesystem's records are then not
 * known, and its files are read on from their first blocks. */
static void zero_ext_magic(const char *path)
{
    size_t n;
    unsigned char *d = (unsigned char *)lr_test_slurp(path, &n);
    assert_non_null(d);
    size_t hits = 0;
    for (size_t o = 1024; o + 1024 <= n; o += 512)
        if (d[o + 56] == 0x53 && d[o + 57] == 0xef && !d[o + 0x5a] && !d[o + 0x5b]) {
            d[o + 56] = d[o + 57] = 0;
            hits++;
        }
    assert_true(hits > 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(d);
}

/* test_files_only_note's ext cases (libext2fs in the build): a deleted
 * file read to the size its journal inode gives, the journal not sure no
 * later file took its blocks (fixtures/backup-journal-unsure); an ext4
 * whose journal needed recovery, replayed in memory
 * (fixtures/backup-recover): the newest version's copy says so. */
static void files_only_ext(const char *note)
{
    tmpdir_t t;
    tmp_make(&t);
    tmp_image_file(&t, "backup-journal-unsure", "fs.img");
    lr_tui_t *m = model_on(t.img, 1800000000);
    keys(m, "<Size=160x40><Enter><Enter>"); /* wide enough for the copy's line */
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_true(line_with(m, "  backup file (deleted; journal's inode ") >= 0);
    assert_true(line_with(m, ", later claims not all known)") >= 0);
    assert_true(line_with(m, note) >= 0);
    lr_tui_free(m);
    tmp_remove(&t);
    tmp_make(&t);
    tmp_image_file(&t, "backup-recover", "fs.img");
    m = model_on(t.img, 1800000000);
    keys(m, "<Size=160x40><Enter><Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_true(line_with(m, "  backup file (by its inode) [fs log replayed]") >= 0);
    assert_true(line_with(m, "whose log was not replayed") < 0);
    lr_tui_free(m);
    tmp_remove(&t);
}

/* A version only LVM2 archive files hold, read on from their first blocks
 * (fixtures/backup with its ext4's superblock magic zeroed), is said so in
 * its detail and pinned above the restore's prompt, as lvmrepair and
 * lvmscan say it; read by its inode (the image as it is) it is not, and
 * its copies say how each was read; so is a deleted file's copy the
 * journal cannot vouch for (fixtures/backup-journal-unsure). */
static void test_files_only_note(void **state)
{
    (void)state;
    const char *note = "NOTE: this version is known only from LVM2 backup/archive files";
    /* a build without libext2fs reads no ext4's records: the files are read
     * on from their first blocks whether the superblock is damaged or not */
    bool ext = lr_extfs_available();
    for (int damaged = 0; damaged < 2; damaged++) {
        bool read_on = damaged || !ext;
        tmpdir_t t;
        tmp_make(&t);
        tmp_image(&t, "backup");
        if (damaged)
            zero_ext_magic(t.img);
        lr_tui_t *m = model_on(t.img, 1800000000);
        keys(m, "<Enter><End>");
        assert_int_equal(selected(m)->seqno, 1);
        keys(m, "<Enter>");
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
        assert_true(line_with(m, "  backup file") >= 0);
        assert_int_equal(line_with(m, "  backup file (by its inode)") >= 0, !read_on);
        assert_int_equal(line_with(m, note) >= 0, read_on);
        keys(m, "<Esc>R");
        assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
        char *text = screen(m);
        char *heading = strstr(text, "Before you type yes, note");
        char *pinned = heading ? strstr(heading, "- NOTE: this version is known only") : NULL;
        if (read_on) {
            assert_non_null(pinned);
            assert_true(pinned < strstr(text, "Type yes and Enter:"));
        } else {
            assert_null(pinned);
        }
        free(text);
        lr_tui_free(m);
        tmp_remove(&t);
    }
    tmpdir_t t;
    lr_tui_t *m;
    if (ext)
        files_only_ext(note);
    /* files in use in an XFS, read by their inodes (fixtures/backup-xfs):
     * the newest version's copy so labelled, no note */
    tmp_make(&t);
    tmp_image_file(&t, "backup-xfs", "fs.img");
    m = model_on(t.img, 1800000000);
    keys(m, "<Size=160x40><Enter><Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_true(line_with(m, "  backup file (by its XFS inode)") >= 0);
    assert_true(line_with(m, note) < 0);
    lr_tui_free(m);
    tmp_remove(&t);
}

/* The evidence's warnings before a restore, as lvmrepair gives them: on
 * fixtures/evidence, seqno 6's root starts where scratch (seqno 8) now
 * holds its ext4 (truth/evidence.json: warning "reused"). The review says
 * what each LV holds, and the warning stays pinned just above the prompt
 * however the plan is scrolled; seqno 8 deserves no warning and pins none;
 * seqno 9's home holds a filesystem larger than itself. */
static void test_restore_evidence_warning(void **state)
{
    (void)state;
    tmpdir_t t;
    lr_tui_t *m = review_on(&t, "evidence", "<Enter><Down><Down><Down><Down>R");
    assert_true(line_with(m, "What the LVs of seqno 6 hold now") >= 0);
    long root = line_with(m, "  root     ext4");
    assert_true(root >= 0);
    assert_non_null(strstr(lr_tui_line(m, (size_t)root + 1), "reused by evid0/scratch (seqno 8)"));
    assert_true(line_with(m, "WARNING: LV root: extents pv0:0-") >= 0);
    const char *pages[] = {"", "<PgDn>", "<End>", "<Size=100x30>", "<Size=80x24><Home>"};
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        keys(m, pages[i]);
        char *text = screen(m);
        char *prompt = strstr(text, "Type yes and Enter:");
        char *heading = strstr(text, "Before you type yes, note");
        assert_non_null(prompt);
        assert_non_null(heading);
        char *warn = strstr(heading, "- WARNING: LV root: extents pv0:0-");
        assert_non_null(warn);
        assert_true(warn < prompt);
        assert_non_null(strstr(warn, "evid0/scratch's ext4"));
        free(text);
    }
    /* cancelled, then seqno 8: no warning, nothing pinned */
    keys(m, "<Enter>");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_NONE);
    keys(m, "<Up><Up>R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    assert_true(line_with(m, "What the LVs of seqno 8 hold now") >= 0);
    assert_true(line_with(m, "  scratch  ext4") >= 0);
    assert_int_equal(line_with(m, "WARNING"), -1);
    assert_false(screen_has(m, "Before you type yes"));
    assert_true(screen_has(m, "Type yes and Enter:"));
    /* seqno 9 shrank home to 4 MiB under its 16 MiB ext4: warning (c) */
    keys(m, "<Esc><Up>R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    char *text = screen(m);
    char *heading = strstr(text, "Before you type yes, note");
    assert_non_null(heading);
    char *warn = strstr(heading, "- WARNING: LV home is 4.0 MiB in this version");
    assert_non_null(warn);
    assert_non_null(strstr(warn, "16.0 MiB")); /* wrapped at 80 columns */
    assert_true(warn < strstr(text, "Type yes and Enter:"));
    free(text);
    lr_tui_free(m);
    tmp_remove(&t);
}

/* A finished pvmove (fixtures/moverank/moved.img.gz: data moved from
 * pv0:2-5 to pv0:20-23 at seqno 6, truth/moved.blkid): restoring seqno 4
 * points data back at the stale copy, a warning pinned above the prompt;
 * seqno 6 (data at its new place) has none. */
static void test_restore_moved_warning(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image_file(&t, "moverank", "moved.img");
    lr_tui_t *m = model_on(t.img, 1800000000);
    keys(m, "<Enter><Down><Down><Down>R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    assert_true(line_with(m, "What the LVs of seqno 4 hold now") >= 0);
    char *text = screen(m);
    char *heading = strstr(text, "Before you type yes, note");
    assert_non_null(heading);
    char *warn = strstr(heading, "- WARNING: LV data: extents 0-3 were moved at seqno 6");
    assert_non_null(warn);
    assert_true(warn < strstr(text, "Type yes and Enter:"));
    free(text);
    /* the whole warning on the plan page, on one line when wide enough */
    lr_tui_resize(m, 40, 200);
    assert_true(line_with(m, "WARNING: LV data: extents 0-3 were moved at seqno 6 (now "
                             "pv0:20-23): restored, they point at pv0:2-5, the stale copy the "
                             "move left") >= 0);
    keys(m, "<Esc><Up><Up>R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    assert_true(line_with(m, "What the LVs of seqno 6 hold now") >= 0);
    assert_int_equal(line_with(m, "moved at seqno"), -1);
    lr_tui_free(m);
    tmp_remove(&t);
}

/* A model of t->img at 200 columns, scanned; scan's status returned. */
static int wide_model(const tmpdir_t *t, lr_tui_t **m)
{
    const char *paths[] = {t->img};
    lr_tui_opts_t o = {.paths = paths, .n_paths = 1, .utf8 = true, .now = 1, .host = "testhost"};
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_new(&o, m, &err), 0);
    lr_tui_resize(*m, 24, 200);
    return lr_tui_scan(*m, NULL, NULL, &err);
}

/* A VHD whose dynamic header checksum is wrong (one reserved byte flipped,
 * as tests/scan/vhd-checksum.sh does; fixtures/formats/disk.vhd.gz holds
 * the history VG): read anyway, and the image's warning
 * (lr_scan_image_t.warnings) is shown under the VG list and in the restore
 * review; the clean file shows none. Skipped without libvhdi. */
static void test_image_warnings(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image_file(&t, "formats", "disk.vhd");
    lr_tui_t *m = NULL;
    if (wide_model(&t, &m) != 0 || !screen_has(m, "vg0 ")) {
        lr_tui_free(m);
        tmp_remove(&t);
        skip(); /* no libvhdi in this build */
    }
    assert_false(screen_has(m, "WARNING"));
    lr_tui_free(m);
    /* the dynamic disk header (at byte 512, 1024 bytes): a reserved byte */
    FILE *f = fopen(t.img, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 512 + 800, SEEK_SET), 0);
    int c = fgetc(f);
    assert_true(c != EOF);
    assert_int_equal(fseek(f, 512 + 800, SEEK_SET), 0);
    assert_int_equal(fputc(c ^ 1, f), c ^ 1);
    assert_int_equal(fclose(f), 0);
    /* the note names the file as opened (the whole path) */
    char want[700];
    snprintf(want, sizeof(want),
             "WARNING: disk.vhd: the VHD file %s: the dynamic disk header at byte 512 has "
             "checksum 0x",
             t.img);
    assert_int_equal(wide_model(&t, &m), 0);
    long at = line_with(m, want);
    assert_true(at >= 0);
    assert_non_null(strstr(lr_tui_line(m, (size_t)at), "(damaged; its data was read anyway)"));
    /* the review of a restore (a VHD is not written in place: refused,
     * the output command shown) names it too */
    keys(m, "<Enter><Down>R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_REFUSED);
    assert_true(line_with(m, want) >= 0);
    lr_tui_free(m);
    tmp_remove(&t);
}

/* Bringing back one LV shows what that LV holds, not the others: lv3 of
 * fixtures/history seqno 15. */
static void test_restore_lv_evidence(void **state)
{
    (void)state;
    tmpdir_t t;
    lr_tui_t *m = review_on(&t, "history", "<Enter><Down><Enter>b");
    assert_true(line_with(m, "What the LVs of seqno 15 hold now") >= 0);
    assert_true(line_with(m, "  lv3      ") >= 0);
    assert_int_equal(line_with(m, "  lv4      "), -1);
    assert_int_equal(line_with(m, "  data     "), -1);
    lr_tui_free(m);
    tmp_remove(&t);
}

/* The newest version of the first VG in image path: its seqno and LVs. */
static void newest_of(const char *path, uint64_t *seqno, long *lvs)
{
    const char *paths[] = {path};
    lr_scan_session_t *ss = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_scan_paths(paths, 1, NULL, &ss, &err), 0);
    const lr_scan_t *s = lr_scan_result(ss);
    assert_true(s->n_vgs == 1 && s->vgs[0].latest >= 0);
    *seqno = s->vgs[0].versions[s->vgs[0].latest].seqno;
    *lvs = s->vgs[0].versions[s->vgs[0].latest].n_lvs;
    lr_scan_session_free(ss);
}

/* Restore into copies (lvmrepair --output DIR) from the TUI: c on a gzip
 * image's refused review, C on a version; the plan names the copy, the
 * copy gets seqno 17 with lv3 back, the image is unchanged. */
static void test_restore_into_copy(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    char gz[600], src[512], out[700], copy[800], cmd[2000];
    lr_test_path(src, sizeof(src), "history", "disk.img.gz");
    snprintf(gz, sizeof(gz), "%s/disk.img.gz", t.dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, gz);
    assert_int_equal(system(cmd), 0);
    const char *how[] = {"<Enter><Down>Rc", "<Enter><Down>C"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(out, sizeof(out), "%s/out%zu", t.dir, i);
        assert_int_equal(mkdir(out, 0700), 0);
        lr_tui_t *m = model_on(gz, 1800000000);
        keys(m, how[i]);
        assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_OUTPUT);
        assert_true(screen_has(m, "into copies in directory:"));
        for (const char *c = out; *c; c++)
            lr_tui_key(m, (unsigned char)*c);
        keys(m, "<Enter>");
        assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
        snprintf(copy, sizeof(copy), "%s/disk.img", out);
        keys(m, "<Size=200x50>");
        assert_true(screen_has(m, "into copies in"));
        assert_true(screen_has(m, "/disk.img at byte 0") && !screen_has(m, "disk.img.gz at byte"));
        keys(m, "yes<Enter>");
        assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_DONE);
        assert_true(screen_has(m, "RESTORED INTO COPIES"));
        assert_true(screen_has(m, "the images are unchanged"));
        lr_tui_free(m);
        uint64_t seq;
        long lvs;
        newest_of(copy, &seq, &lvs);
        assert_int_equal(seq, 17);
        assert_int_equal(lvs, 4);
        newest_of(gz, &seq, &lvs);
        assert_int_equal(seq, 16);
        assert_int_equal(lvs, 3);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
        assert_int_equal(system(cmd), 0);
    }
    assert_true(files_equal(gz, src));
    tmp_remove(&t);
}

static void test_restore_refused(void **state)
{
    (void)state;
    /* a gzip image cannot be written in place (the plan says so): no "yes"
     * is asked for */
    lr_tui_t *m = history_model();
    keys(m, "<Enter><Down>R");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_REFUSED);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_true(screen_has(m, "is a gzip image"));
    /* nothing is offered that would fail: no undo file, no "yes"; what it
     * offers instead is lvmrepair's command for repaired copies, with this
     * VG's UUID and this version's checksum (tui-cli runs it) */
    assert_null(lr_tui_undo_path(m));
    const lr_scan_version_t *v15 = selected(m);
    char want_cmd[128], want_vg[128];
    snprintf(want_cmd, sizeof(want_cmd),
             "  lvmrepair --restore seqno=15 --crc 0x%08x --output DIR \\", v15->crc);
    snprintf(want_vg, sizeof(want_vg), "    --vg %s \\",
             lr_tui_scan_result(m)->vgs[lr_tui_selected_vg(m)].id);
    size_t at_cmd = 0;
    for (size_t i = 0; i < lr_tui_n_lines(m); i++) {
        const char *l = lr_tui_line(m, i);
        if (strcmp(l, want_cmd) == 0)
            at_cmd = i;
        assert_null(strstr(l, "Undo file"));
        assert_null(strstr(l, "Type yes"));
    }
    assert_true(at_cmd > 0);
    assert_string_equal(lr_tui_line(m, at_cmd + 1), want_vg);
    char img_line[600], gz[512];
    snprintf(img_line, sizeof(img_line), "    %s",
             lr_test_path(gz, sizeof(gz), "history", "disk.img.gz"));
    if (!strpbrk(gz, " '\"$\\"))
        assert_string_equal(lr_tui_line(m, at_cmd + 2), img_line);
    assert_true(screen_has(m, " Esc/q:back "));
    assert_int_equal(keys(m, "yes<Enter>") & LR_TUI_ACT_WORK, 0);
    keys(m, "<Esc>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    lr_tui_free(m);

    /* a version with only partial copies (broken-text seqno 7) */
    char p[512];
    m = model_on(lr_test_path(p, sizeof(p), "broken-text", "disk.img.gz"), 0);
    keys(m, "<Enter>/ 7 <Enter>");
    assert_string_equal(lr_tui_selection(m), "vgbt seqno 7");
    assert_false(selected(m)->complete);
    assert_non_null(strstr(lr_tui_line(m, (size_t)lr_tui_cursor(m)), " P "));
    keys(m, "R");
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_REFUSED);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_true(screen_has(m, "Nothing was written"));
    keys(m, "q");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    /* nor can it be compared */
    keys(m, "d");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    assert_non_null(strstr(lr_tui_message(m), "Cannot compare"));
    lr_tui_free(m);
}

/* ---- bringing back the LV under the cursor ---------------------------------------- */

/* The UUID of LV name in the newest version of the image's only VG ("" when
 * it has none) and that version's seqno and LV count, read by a new scan. */
static void newest_lv(const char *img, const char *name, char *uuid, size_t len, uint64_t *seqno,
                      size_t *n_lvs)
{
    const char *paths[] = {img};
    lr_scan_session_t *s = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_scan_paths(paths, 1, NULL, &s, &err), 0);
    const lr_scan_t *r = lr_scan_result(s);
    assert_int_equal(r->n_vgs, 1);
    lr_vg_t *vg = NULL;
    assert_int_equal(lr_scan_version_vg(s, 0, (size_t)r->vgs[0].latest, &vg, &err), 0);
    const lr_lv_t *lv = lr_vg_find_lv(vg, name);
    snprintf(uuid, len, "%s", lv ? lv->id : "");
    *seqno = vg->seqno;
    *n_lvs = vg->n_lvs;
    lr_vg_free(vg);
    lr_scan_session_free(s);
}

static void test_bring_back_cursor(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image(&t, "history");
    char pristine[400];
    tmp_pristine(&t, pristine, sizeof(pristine));
    lr_tui_t *m = model_on(t.img, 1800000000);

    /* seqno 15: lv1 data lv3 lv4; seqno 16 (current) lacks lv3, where the
     * cursor starts; j/k move over the LV rows only */
    keys(m, "<Enter><Down><Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_string_equal(lr_tui_selected_lv(m), "lv3");
    assert_non_null(strstr(lr_tui_line(m, (size_t)lr_tui_cursor(m)), "lv3 "));
    assert_true(screen_has(m, ">   lv3      4 MiB"));
    keys(m, "k");
    assert_string_equal(lr_tui_selected_lv(m), "data");
    keys(m, "k");
    assert_string_equal(lr_tui_selected_lv(m), "lv1");
    keys(m, "k"); /* past the first LV the text scrolls; lv1 stays selected */
    assert_string_equal(lr_tui_selected_lv(m), "lv1");
    keys(m, "jjj");
    assert_string_equal(lr_tui_selected_lv(m), "lv4");
    keys(m, "j");
    assert_string_equal(lr_tui_selected_lv(m), "lv4");
    /* a new width keeps the LV selected */
    keys(m, "kk<Size=100x30>");
    assert_string_equal(lr_tui_selected_lv(m), "data");
    keys(m, "<Size=80x24>");
    assert_string_equal(lr_tui_selected_lv(m), "data");

    /* data exists in seqno 16: b asks only for a new name; Esc cancels */
    assert_int_equal(keys(m, "b"), LR_TUI_ACT_NONE);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_LV_AS);
    assert_true(screen_has(m, "data is taken in the current version"));
    keys(m, "<Esc>");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_string_equal(lr_tui_selected_lv(m), "data");
    /* a new name goes through the same review: data's extents are taken */
    keys(m, "bdata2<Enter>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_REFUSED);
    assert_true(screen_has(m, "Bring back LV data as data2 from vg0 seqno 15"));
    assert_true(screen_has(m, "are LV"));
    keys(m, "<Esc>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_true(files_equal(t.img, pristine));

    /* a search hit is no LV: b says so and does nothing */
    keys(m, "/extent size<Enter>");
    assert_string_equal(lr_tui_selected_lv(m), "");
    assert_int_equal(keys(m, "b"), LR_TUI_ACT_BEEP);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_non_null(strstr(lr_tui_message(m), "cursor to an LV"));

    /* j from there goes to the next LV row; down to lv4, then up to lv3 */
    keys(m, "jjjjk");
    assert_string_equal(lr_tui_selected_lv(m), "lv3");
    keys(m, "b");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_REVIEW);
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    assert_true(screen_has(m, "Bring back LV lv3 from vg0 seqno 15"));
    bool lv3 = false, other = false;
    for (size_t i = 0; i < lr_tui_n_lines(m); i++) {
        const char *l = lr_tui_line(m, i);
        lv3 |= strstr(l, "LV lv3 comes back") != NULL;
        other |= strstr(l, "LV lv4 comes back") || strstr(l, "LV data comes back");
    }
    assert_true(lv3 && !other);
    /* the typed confirmation as for R */
    keys(m, "ye<Enter>");
    assert_true(files_equal(t.img, pristine));
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_DETAIL);
    assert_string_equal(lr_tui_selected_lv(m), "lv3");
    keys(m, "b");
    assert_string_equal(lr_tui_selected_lv(m), ""); /* the review is shown */
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_CONFIRM);
    assert_true(keys(m, "yes<Enter>") & LR_TUI_ACT_WORK);
    assert_int_equal(lr_tui_review_state(m), LR_TUI_REVIEW_DONE);
    assert_true(screen_has(m, "BROUGHT BACK: LV lv3 of vg0 seqno 15 into seqno 16, now seqno 17"));
    lr_tui_free(m);

    /* what was written: lv3 with its old UUID, every LV of 16 kept */
    char was[LR_UUID_STR_LEN + 1], now[LR_UUID_STR_LEN + 1];
    uint64_t seqno;
    size_t n_lvs;
    const char *paths[] = {pristine};
    lr_scan_session_t *s = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_scan_paths(paths, 1, NULL, &s, &err), 0);
    lr_vg_t *v15 = NULL;
    assert_int_equal(lr_scan_version_vg(s, 0, 1, &v15, &err), 0);
    assert_int_equal(v15->seqno, 15);
    snprintf(was, sizeof(was), "%s", lr_vg_find_lv(v15, "lv3")->id);
    lr_vg_free(v15);
    lr_scan_session_free(s);
    newest_lv(t.img, "lv3", now, sizeof(now), &seqno, &n_lvs);
    assert_int_equal(seqno, 17);
    assert_int_equal(n_lvs, 4);
    assert_string_equal(now, was);
    tmp_remove(&t);
}

/* ---- export ---------------------------------------------------------------------- */

/* Types PATH over the export prompt's suggested name and Enter. */
static void export_to(lr_tui_t *m, const char *path)
{
    char script[700];
    char *p = script;
    for (int i = 0; i < 30; i++)
        p += sprintf(p, "<BS>");
    snprintf(p, sizeof(script) - (size_t)(p - script), "%s<Enter>", path);
    keys(m, script);
}

/* Loading an exported version is a restore: on fixtures/evidence seqno 6
 * (root's first extents hold scratch's ext4 now, the warning R shows) the
 * export says so; seqno 10, the version LVM2 uses, exports without one. */
static void test_export_evidence_warning(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    tmp_image(&t, "evidence");
    lr_tui_t *m = model_on(t.img, 1800000000);
    char path[400];
    snprintf(path, sizeof(path), "%s/v6.vg", t.dir);
    keys(m, "<Enter><Down><Down><Down><Down>e");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_EXPORT);
    assert_true(screen_has(m, "seqno 6 to file"));
    export_to(m, path);
    assert_non_null(strstr(lr_tui_message(m), "vgcfgrestore -f"));
    assert_non_null(strstr(lr_tui_message(m), "WARNING: loading it is a restore with 1 warning"));
    snprintf(path, sizeof(path), "%s/v10.vg", t.dir);
    keys(m, "<Home>e");
    assert_true(screen_has(m, "seqno 10 to file"));
    export_to(m, path);
    assert_non_null(strstr(lr_tui_message(m), "vgcfgrestore -f"));
    assert_null(strstr(lr_tui_message(m), "WARNING"));
    lr_tui_free(m);
    tmp_remove(&t);
}

static void test_export(void **state)
{
    (void)state;
    tmpdir_t t;
    tmp_make(&t);
    lr_tui_t *m = history_model();
    keys(m, "<Enter><Down>e");
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_EXPORT);
    assert_true(screen_has(m, "Export vg0 seqno 15 to file: vg0-seqno15.vg"));
    /* replace the suggested name with a path in the temp dir */
    char script[600], path[400];
    snprintf(path, sizeof(path), "%s/v15.vg", t.dir);
    export_to(m, path);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_non_null(strstr(lr_tui_message(m), "vgcfgrestore -f"));
    /* the file is the version's text as lrrepair exports it (from a scan
     * of the same image: the TUI lends only its result) */
    char hp[512];
    const char *hpaths[] = {lr_test_path(hp, sizeof(hp), "history", "disk.img.gz")};
    lr_scan_session_t *ss = NULL;
    char *want = NULL;
    size_t wlen = 0;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_scan_paths(hpaths, 1, NULL, &ss, &err), 0);
    assert_int_equal(lr_scan_version_text(ss, 0, 1, &want, &wlen, &err), 0);
    lr_scan_session_free(ss);
    size_t glen;
    char *got = lr_test_slurp(path, &glen);
    assert_non_null(got);
    assert_int_equal(glen, wlen);
    assert_memory_equal(got, want, wlen);
    assert_non_null(strstr(got, "seqno = 15"));
    free(got);
    /* an existing file is never overwritten without a "yes" for it: anything
     * else (nothing, "y", "YES", "yes ", Esc) leaves it as it was */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("keep me\n", f);
    assert_int_equal(fclose(f), 0);
    char exists[500];
    snprintf(exists, sizeof(exists), "%s exists: overwrite? (type yes)", path);
    const char *no[] = {"<Enter>", "y<Enter>", "YES<Enter>", "yes <Enter>", "yes<Esc>", "<Esc>"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        snprintf(script, sizeof(script),
                 "e<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>%s<Enter>", path);
        keys(m, script);
        assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_OVERWRITE);
        assert_true(screen_has(m, exists));
        assert_true(screen_has(m, "yes+Enter:overwrite Esc:cancel"));
        keys(m, "q"); /* typed into the answer, not a key */
        assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
        keys(m, "<BS>");
        keys(m, no[i]);
        assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
        assert_non_null(strstr(lr_tui_message(m), "was not overwritten"));
        got = lr_test_slurp(path, &glen);
        assert_non_null(got);
        assert_int_equal(glen, 8);
        assert_memory_equal(got, "keep me\n", 8);
        free(got);
    }
    /* yes replaces it with the version's text */
    snprintf(script, sizeof(script),
             "e<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>%s<Enter>yes<Enter>", path);
    keys(m, script);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_non_null(strstr(lr_tui_message(m), "vgcfgrestore -f"));
    got = lr_test_slurp(path, &glen);
    assert_non_null(got);
    assert_int_equal(glen, wlen);
    assert_memory_equal(got, want, wlen);
    free(got);
    /* what cannot be replaced is not offered: a directory, or the image */
    snprintf(script, sizeof(script),
             "e<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>%s<Enter>", t.dir);
    keys(m, script);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_non_null(strstr(lr_tui_message(m), "not a regular file"));
    char img[512];
    lr_test_path(img, sizeof(img), "history", "disk.img.gz");
    size_t ilen_before, ilen_after;
    char *ibefore = lr_test_slurp(img, &ilen_before);
    assert_non_null(ibefore);
    snprintf(script, sizeof(script),
             "e<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS>%s<Enter>", img);
    keys(m, script);
    assert_int_equal(lr_tui_prompt_kind(m), LR_TUI_PROMPT_NONE);
    assert_non_null(strstr(lr_tui_message(m), "Export failed"));
    assert_non_null(strstr(lr_tui_message(m), "scanned images"));
    char *iafter = lr_test_slurp(img, &ilen_after);
    assert_non_null(iafter);
    assert_int_equal(ilen_before, ilen_after);
    assert_memory_equal(ibefore, iafter, ilen_after);
    free(ibefore);
    free(iafter);
    free(want);
    /* an empty name cancels */
    keys(m, "e<BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><BS><Enter>");
    assert_non_null(strstr(lr_tui_message(m), "cancelled"));
    lr_tui_free(m);
    tmp_remove(&t);
}

/* ---- help, sizes, progress --------------------------------------------------------- */

static void test_help(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Enter>?");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HELP);
    assert_true(screen_has(m, "Help"));
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16"); /* from below */
    keys(m, "q");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    lr_tui_key(m, LR_TUI_KEY_F1);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HELP);
    keys(m, "<End>");
    assert_true(screen_has(m, "what the text says"));
    keys(m, "<Esc>");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HISTORY);
    /* opened from the VG list, the bottom line still names the selection */
    keys(m, "<Esc>?");
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_HELP);
    assert_string_equal(lr_tui_selection(m), "vg0 seqno 16");
    assert_int_equal(lr_tui_selected_vg(m), 0);
    char *t = screen(m);
    char *last = strrchr(t, '\n');
    *last = '\0';
    last = strrchr(t, '\n');
    assert_non_null(strstr(last, "Up/Down:scroll q:back"));
    assert_non_null(strstr(last, "vg0 seqno 16"));
    free(t);
    lr_tui_free(m);
}

static void test_small_terminal(void **state)
{
    (void)state;
    lr_tui_t *m = history_model();
    keys(m, "<Size=79x24>");
    assert_true(screen_has(m, "needs 80x24 (this terminal is 79x24)"));
    keys(m, "<Size=80x23>");
    assert_true(screen_has(m, "needs 80x24"));
    keys(m, "<Size=80x24>");
    assert_false(screen_has(m, "needs 80x24"));
    /* larger: more lines and columns, all of them exactly as wide */
    keys(m, "<Enter><Size=132x40>");
    lr_tui_frame_t *f = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_render(m, &f, &err), 0);
    assert_int_equal(f->rows, 40);
    for (int r = 0; r < f->rows; r++)
        assert_int_equal(tui_width(f->lines[r], true), 132);
    assert_non_null(strstr(f->lines[2], "lvremove -f vg0/lv3"));
    lr_tui_frame_free(f);
    lr_tui_free(m);
}

static void test_progress_screen(void **state)
{
    (void)state;
    const char *paths[] = {"/nonexistent/disk.img"};
    lr_tui_opts_t o = {.paths = paths, .n_paths = 1, .utf8 = true};
    lr_tui_t *m = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_new(&o, &m, &err), 0);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_PROGRESS);
    lr_scan_progress_t p = {.image = 0,
                            .image_done = 16u << 20,
                            .image_total = 32u << 20,
                            .bytes_done = 16u << 20,
                            .bytes_total = 32u << 20,
                            .labels = 1,
                            .areas = 1,
                            .copies = 9};
    assert_int_equal(lr_tui_progress(m, &p, 2.0), 0);
    char *t = screen(m);
    assert_non_null(strstr(t, "Image 1 of 1: disk.img"));
    assert_non_null(strstr(t, "]  50%"));
    assert_non_null(strstr(t, "16 MiB of 32 MiB   8 MiB/s"));
    assert_non_null(strstr(t, "9 metadata copies"));
    free(t);
    /* any key but q keeps waiting; q asks the scan to stop */
    keys(m, "x<Enter>");
    assert_int_equal(lr_tui_progress(m, &p, 2.5), 0);
    keys(m, "q");
    assert_int_equal(lr_tui_progress(m, &p, 3.0), 1);
    /* a scan that fails says why on the VG list */
    assert_int_not_equal(lr_tui_scan(m, NULL, NULL, &err), 0);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_VGS);
    assert_true(screen_has(m, "Scan failed"));
    assert_true(screen_has(m, "No volume groups found."));
    lr_tui_free(m);
}

/* The pump presses q at the first progress step: the VG list shows what
 * was found so far and says the scan was stopped. */
static void press_q(void *arg, lr_tui_t *m)
{
    int *calls = arg;
    if ((*calls)++ == 0)
        lr_tui_key(m, 'q');
}

static void test_scan_stopped(void **state)
{
    (void)state;
    char p[512];
    const char *paths[] = {lr_test_path(p, sizeof(p), "history", "disk.img.gz")};
    lr_tui_opts_t o = {.paths = paths, .n_paths = 1, .utf8 = true, .progress_interval = 1u << 20};
    lr_tui_t *m = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_new(&o, &m, &err), 0);
    int calls = 0;
    assert_int_equal(lr_tui_scan(m, press_q, &calls, &err), 0);
    assert_int_equal(calls, 1);
    assert_true(lr_tui_scan_result(m)->interrupted);
    assert_int_equal(lr_tui_screen(m), LR_TUI_SCR_VGS);
    assert_true(screen_has(m, "Scan stopped with q"));
    lr_tui_free(m);
}

/* A gzip image is decompressed and indexed while it is scanned: the
 * progress screen says so, and that the total is an estimate, until the
 * image's end is reached (the scan's image_total_estimated). */
static void see_gzip(void *arg, lr_tui_t *m)
{
    int *seen = arg;
    if (screen_has(m, "big.img.gz (compressed: indexed while scanned)") &&
        screen_has(m, " of about ") && screen_has(m, "size is known only at its end"))
        seen[0]++;
    seen[1]++;
}

static void test_gzip_progress(void **state)
{
    (void)state;
    /* an image whose compressed data is not read in one buffer: 8 MiB of
     * random bytes after the fixture's (the estimate is then still open) */
    char dir[] = "/tmp/lr-tui-gz.XXXXXX", img[600], cmd[2000], src[512];
    assert_non_null(mkdtemp(dir));
    snprintf(img, sizeof(img), "%s/big.img.gz", dir);
    lr_test_path(src, sizeof(src), "history", "disk.img.gz");
    snprintf(cmd, sizeof(cmd), "(gzip -dc '%s'; head -c 8388608 /dev/urandom) | gzip -1 >'%s'", src,
             img);
    assert_int_equal(system(cmd), 0);
    const char *paths[] = {img};
    lr_tui_opts_t o = {.paths = paths, .n_paths = 1, .utf8 = true, .progress_interval = 1u << 20};
    lr_tui_t *m = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_tui_new(&o, &m, &err), 0);
    int seen[2] = {0, 0};
    assert_int_equal(lr_tui_scan(m, see_gzip, seen, &err), 0);
    assert_true(seen[1] > 1);
    assert_true(seen[0] > 0);
    lr_tui_free(m);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- scripts and text ------------------------------------------------------------- */

static void test_script_parse(void **state)
{
    (void)state;
    lr_tui_script_step_t *s = NULL;
    size_t n = 0;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(
        lr_tui_script_parse("a<Enter><lt>b<Size=100x30><Dump><Space>\xc3\xa9<lt>>", &s, &n, &err),
        0);
    int want[] = {
        'a', LR_TUI_KEY_ENTER, '<', 'b', LR_TUI_SCRIPT_SIZE, LR_TUI_SCRIPT_DUMP, ' ', 0xe9, '<',
        '>'};
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s[i].key, want[i]);
    assert_int_equal(s[4].cols, 100);
    assert_int_equal(s[4].rows, 30);
    free(s);
    assert_int_equal(lr_tui_script_parse("<Size=100>", &s, &n, &err), LR_EPARSE);
    assert_null(s);
    /* a '<' that is not a known <Name> is an error naming it, never text */
    const struct {
        const char *script, *named;
        uint64_t at;
    } bad[] = {
        {"a<Bogus>b", "<Bogus>", 1},
        {"<R>", "<R>", 0},
        {"<Foo><Enter>", "<Foo>", 0},
        {"<enter>", "<enter>", 0}, /* names are case-sensitive */
        {"<>", "<>", 0},
        {"ab<", "'<'", 2},
        {"x<b<Enter>", "<b", 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = (lr_tui_script_step_t *)&n; /* must be reset */
        n = 99;
        lr_error_clear(&err);
        assert_int_equal(lr_tui_script_parse(bad[i].script, &s, &n, &err), LR_EPARSE);
        assert_null(s);
        assert_int_equal(n, 0);
        assert_int_equal(err.offset, bad[i].at);
        assert_non_null(strstr(err.msg, bad[i].named));
        assert_non_null(strstr(err.msg, "<lt>")); /* and says how to type '<' */
    }
}

static void test_text_fit(void **state)
{
    (void)state;
    lr_strbuf_t b;
    /* control bytes and invalid UTF-8 from an image never reach the terminal */
    lr_strbuf_init(&b);
    tui_fit(&b, "a\x1b[2Jb\xff\xc3(c\n", 12, true);
    assert_string_equal(b.s, "a?[2Jb??"
                             "(c? "); /* split: "??(" is a trigraph */
    lr_strbuf_free(&b);
    /* without UTF-8 any non-ASCII is one '?' */
    lr_strbuf_init(&b);
    tui_fit(&b, "\xc3\xa9t\xc3\xa9", 4, false);
    assert_string_equal(b.s, "?t? ");
    lr_strbuf_free(&b);
    /* wide characters count two columns and are never cut in half; text
     * cut ends in an ellipsis (U+2026, or '~' without UTF-8) */
    lr_strbuf_init(&b);
    tui_fit(&b, "\xe6\xbc\xa2\xe5\xad\x97x", 3, true);
    assert_string_equal(b.s, "\xe6\xbc\xa2\xe2\x80\xa6");
    lr_strbuf_free(&b);
    lr_strbuf_init(&b);
    tui_fit(&b, "x\xe6\xbc\xa2\xe5\xad\x97", 3, true);
    assert_string_equal(b.s, "x\xe2\x80\xa6 ");
    lr_strbuf_free(&b);
    lr_strbuf_init(&b);
    tui_fit(&b, "lvchange --deltag", 10, true);
    assert_string_equal(b.s, "lvchange \xe2\x80\xa6");
    lr_strbuf_free(&b);
    lr_strbuf_init(&b);
    tui_fit(&b, "lvchange --deltag", 10, false);
    assert_string_equal(b.s, "lvchange ~");
    lr_strbuf_free(&b);
    /* exactly as wide, or wider only by trailing spaces: nothing was cut */
    lr_strbuf_init(&b);
    tui_fit(&b, "abcdefghij", 10, true);
    assert_string_equal(b.s, "abcdefghij");
    lr_strbuf_free(&b);
    lr_strbuf_init(&b);
    tui_fit(&b, "abc       ", 5, true);
    assert_string_equal(b.s, "abc  ");
    lr_strbuf_free(&b);
    char when[32];
    assert_string_equal(tui_time_short(1795593805, when, sizeof(when)), "11-25 08:03");
    assert_string_equal(tui_time_short(0, when, sizeof(when)), "-");
    assert_int_equal(tui_width("\xe6\xbc\xa2\xe5\xad\x97x", true), 5);
    char sz[32];
    assert_string_equal(tui_size(4u << 20, sz, sizeof(sz)), "4 MiB");
    assert_string_equal(tui_size(1536u << 20, sz, sizeof(sz)), "1.5 GiB");
    assert_string_equal(tui_size(0, sz, sizeof(sz)), "0 B");
    char cmd[64];
    assert_string_equal(tui_command("Write from lvremove -f vg0/lv3.", cmd, sizeof(cmd)),
                        "lvremove -f vg0/lv3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vg_list),
        cmocka_unit_test(test_history_newest_first),
        cmocka_unit_test(test_history_columns),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_navigation_keys),
        cmocka_unit_test(test_back_navigation),
        cmocka_unit_test(test_version_detail),
        cmocka_unit_test(test_missing_pv),
        cmocka_unit_test(test_orphan_label),
        cmocka_unit_test(test_diff_against_newest),
        cmocka_unit_test(test_diff_restore_side),
        cmocka_unit_test(test_diff_against_mark),
        cmocka_unit_test(test_diff_jumps),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_restore_needs_yes),
        cmocka_unit_test(test_restore_notes_pinned),
        cmocka_unit_test(test_files_only_note),
        cmocka_unit_test(test_restore_evidence_warning),
        cmocka_unit_test(test_restore_lv_evidence),
        cmocka_unit_test(test_restore_moved_warning),
        cmocka_unit_test(test_image_warnings),
        cmocka_unit_test(test_restore_into_copy),
        cmocka_unit_test(test_restore_refused),
        cmocka_unit_test(test_bring_back_cursor),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_export_evidence_warning),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_small_terminal),
        cmocka_unit_test(test_progress_screen),
        cmocka_unit_test(test_gzip_progress),
        cmocka_unit_test(test_scan_stopped),
        cmocka_unit_test(test_script_parse),
        cmocka_unit_test(test_text_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
