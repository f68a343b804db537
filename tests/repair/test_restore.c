/* The restore engine (lr/repair.h) on the real-LVM2 fixtures, always on
 * temporary copies (the fixtures themselves are only read, as .gz):
 *   - the plan for history seqno 15 (undo 'lvremove vg0/lv3'): new seqno
 *     17, writes only inside the metadata area, lv3 comes back;
 *   - execution: a scan then sees seqno 17 committed with lv3 and a good
 *     crc; no byte outside labels / mda headers / metadata areas changes
 *     (hash of those regions); the undo file puts every byte back (hash);
 *   - --apply-undo refuses after a further change (unless forced);
 *   - planning (dry run) writes nothing; gzip images, changed images and
 *     locked images are refused before any write;
 *   - ambiguity and missing PVs are refused (with candidates / UUIDs);
 *   - every fixture scenario restores and scans back consistent;
 *   - writing a copy that wraps round the end of the ring;
 *   - fault injection: the k-th write fails, for every k: a scan then sees
 *     the old or the new version as latest, and the undo file restores the
 *     original bytes exactly. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/undo.h"
#include "lr/sha256.h"
#include "fault.h"
#include "support.h"
#include "text_support.h"

#define MAX_IMGS 3

/* ---- helpers ------------------------------------------------------------------- */

static char g_dir[64];

static void print_err(const char *what, const lr_error_t *err)
{
    char msg[1024];
    fprintf(stderr, "%s: %s\n", what, lr_error_format(err, msg, sizeof(msg)));
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-restore-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    lr_test_clear_dir(g_dir, true);
    return 0;
}

static int test_teardown(void **state)
{
    (void)state;
    lr_test_clear_dir(g_dir, false);
    return 0;
}

static const char *tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", g_dir, name);
    return buf;
}

/* Decompresses fixtures/FIX/IMG.gz into the temp dir as IMG. */
static void decompress(const char *fix, const char *img, char *dst, size_t dlen)
{
    char src[512], gz[160];
    snprintf(gz, sizeof(gz), "%s.gz", img);
    lr_test_path(src, sizeof(src), fix, gz);
    tmp_path(dst, dlen, img);
    assert_int_equal(lr_test_unpack(src, dst, 0), 0);
}

static void file_hash(const char *path, char out[65])
{
    assert_int_equal(lr_test_sha256_file(path, out), 0);
}

/* A byte range of one image that a restore may write. */
typedef struct region {
    char img[128];
    uint64_t start, end;
} region_t;

/* Labels (sectors 0..3), area 1 (4096..pe_start) and, for two areas, the
 * last MiB of every PV of a fixture, from its truth files (LVM2's view,
 * not ours). */
static size_t allowed_regions(const char *fix, const char *pvs_json, region_t *r, size_t max)
{
    lr_test_dev_t devs[8];
    int nd = lr_test_devices(fix, devs, 8);
    assert_true(nd > 0);
    char path[512];
    char *json = lr_test_slurp(lr_test_path(path, sizeof(path), fix, pvs_json), NULL);
    assert_non_null(json);
    size_t n = 0;
    int np = lr_test_json_count(json, "pv");
    for (int d = 0; d < nd; d++) {
        uint64_t pe = 0, size = 0;
        bool found = false;
        for (int i = 0; i < np && !found; i++) {
            char name[64];
            if (lr_test_json_field(json, "pv", i, "pv_name", name, sizeof(name)) == 0 &&
                strcmp(name, devs[d].dev) == 0) {
                assert_int_equal(lr_test_json_u64(json, "pv", i, "pe_start", &pe), 0);
                assert_int_equal(lr_test_json_u64(json, "pv", i, "dev_size", &size), 0);
                found = true;
            }
        }
        assert_true(found);
        uint64_t s = devs[d].pv_start;
        assert_true(n + 3 <= max);
        r[n++] = (region_t){.start = s, .end = s + 2048};
        r[n++] = (region_t){.start = s + 4096, .end = s + pe};
        if (devs[d].mda_count == 2)
            r[n++] = (region_t){.start = s + size - (1u << 20), .end = s + size};
        for (size_t k = n - (devs[d].mda_count == 2 ? 3 : 2); k < n; k++)
            snprintf(r[k].img, sizeof(r[k].img), "%s", devs[d].img);
    }
    free(json);
    return n;
}

/* sha256 of every byte of the file outside the allowed regions of img,
 * fed in runs between the regions (chunk by chunk). */
static void outside_hash(const char *path, const char *img, const region_t *r, size_t nr,
                         char out[65])
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    lr_sha256_t s;
    lr_sha256_init(&s);
    static uint8_t buf[1 << 20];
    uint64_t off = 0;
    ssize_t got;
    while ((got = pread(fd, buf, sizeof(buf), (off_t)off)) > 0) {
        uint64_t end = off + (uint64_t)got, pos = off;
        while (pos < end) {
            /* The next allowed byte at or after pos, and where it ends. */
            uint64_t next = end, skip_to = end;
            for (size_t k = 0; k < nr; k++) {
                if (strcmp(r[k].img, img) || r[k].end <= pos || r[k].start >= next)
                    continue;
                next = r[k].start > pos ? r[k].start : pos;
                skip_to = r[k].end;
            }
            if (next > pos)
                lr_sha256_update(&s, buf + (pos - off), (size_t)(next - pos));
            pos = next < end ? (skip_to < end ? skip_to : end) : end;
        }
        off = end;
    }
    close(fd);
    uint8_t d[LR_SHA256_LEN];
    lr_sha256_final(&s, d);
    lr_sha256_hex(d, out, LR_SHA256_HEX_LEN);
}

static lr_scan_session_t *scan_files(char paths[][512], size_t n)
{
    const char *pp[MAX_IMGS];
    for (size_t i = 0; i < n; i++)
        pp[i] = paths[i];
    lr_scan_session_t *scan = NULL;
    lr_error_t err;
    int rc = lr_scan_paths(pp, n, NULL, &scan, &err);
    if (rc)
        print_err("scan", &err);
    assert_int_equal(rc, 0);
    return scan;
}

static int plan_for(const lr_scan_session_t *scan, const char *vg, uint64_t seqno, bool force,
                    lr_repair_plan_t **p, lr_error_t *err)
{
    lr_repair_opts_t o = {
        .vg = vg, .seqno = seqno, .force = force, .host = "testhost", .now = 1700000000};
    return lr_repair_plan_new(scan, NULL, &o, p, err);
}

static int vg_index(const lr_scan_session_t *scan, const char *name)
{
    int idx[4];
    size_t n = lr_scan_find_vgs(lr_scan_result(scan), name, idx, 4);
    assert_int_equal(n, 1);
    return idx[0];
}

/* Puts back what the undo file saved. */
static int apply_undo(const char *undo, bool force, lr_error_t *err)
{
    lr_undo_file_t *f = NULL;
    int rc = lr_undo_read(undo, &f, err);
    if (rc)
        return rc;
    lr_io_t *ios[MAX_IMGS] = {0};
    assert_true(f->n_images <= MAX_IMGS);
    for (size_t i = 0; i < f->n_images && !rc; i++)
        rc = lr_io_open_rw(&ios[i], f->images[i].path, LR_IO_RDWR | LR_IO_EXCL, err);
    if (!rc)
        rc = lr_undo_apply(f, ios, force, NULL, err);
    for (size_t i = 0; i < f->n_images; i++)
        lr_io_close(ios[i], NULL);
    lr_undo_file_free(f);
    return rc;
}

/* After a restore: the VG's newest version is `seqno`, committed, its copy
 * checksummed, no PV stale or missing, lv (if given) present. */
static void check_scan(char paths[][512], size_t n, const char *vg, uint64_t seqno, const char *lv)
{
    lr_scan_session_t *scan = scan_files(paths, n);
    const lr_scan_vg_t *v = &lr_scan_result(scan)->vgs[vg_index(scan, vg)];
    assert_int_equal(v->max_seqno, seqno);
    assert_true(v->latest >= 0);
    const lr_scan_version_t *ver = &v->versions[v->latest];
    assert_int_equal(ver->seqno, seqno);
    assert_true(ver->committed);
    int copy =
        lr_scan_version_copy(lr_scan_result(scan), (size_t)vg_index(scan, vg), (size_t)v->latest);
    assert_true(copy >= 0);
    assert_true(lr_scan_result(scan)->copies[copy].crc_ok);
    assert_true(lr_scan_result(scan)->copies[copy].committed);
    assert_false(v->status & (LR_SCAN_VG_STALE_PVS | LR_SCAN_VG_MISSING_PVS));
    for (size_t i = 0; i < v->n_pvs; i++)
        assert_int_equal(v->pvs[i].found, LR_SCAN_PV_LABEL);
    if (lv) {
        lr_vg_t *view = NULL;
        lr_error_t err;
        assert_int_equal(lr_scan_copy_vg(scan, (size_t)copy, &view, &err), 0);
        assert_non_null(lr_vg_find_lv(view, lv));
        lr_vg_free(view);
    }
    lr_scan_session_free(scan);
}

/* ---- the history plan -------------------------------------------------------- */

static void test_plan_history(void **state)
{
    (void)state;
    char gz[512];
    lr_test_path(gz, sizeof(gz), "history", "disk.img.gz");
    char hash0[65], hash1[65];
    file_hash(gz, hash0);
    char paths[1][512];
    snprintf(paths[0], sizeof(paths[0]), "%s", gz);
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    int rc = plan_for(scan, NULL, 15, false, &p, &err);
    if (rc)
        print_err("plan", &err);
    assert_int_equal(rc, 0);
    assert_string_equal(p->vg_name, "vg0");
    assert_int_equal(p->seqno, 15);
    assert_int_equal(p->max_seqno, 16);
    assert_int_equal(p->new_seqno, 17);
    assert_int_equal(p->newest_seqno, 16);
    assert_non_null(strstr(p->text, "\nseqno = 17\n"));
    assert_non_null(strstr(p->text, "description = \"Write from lvmrescue restore of VG vg0 "
                                    "seqno 15.\""));
    assert_non_null(strstr(p->text, "creation_host = \"testhost\""));
    assert_non_null(strstr(p->text, "creation_time = 1700000000"));
    assert_int_equal(p->text_size, strlen(p->text) + 1);
    /* lv3 comes back, nothing else changes. */
    assert_int_equal(p->n_changes, 1);
    assert_int_equal(p->changes[0].kind, LR_REPAIR_LV_BACK);
    assert_string_equal(p->changes[0].name, "lv3");
    /* One PV, one area, label kept, header kept: text then header. */
    assert_int_equal(p->n_pvs, 1);
    assert_false(p->pvs[0].rebuild_label);
    assert_int_equal(p->n_areas, 1);
    assert_false(p->areas[0].rebuild_header);
    assert_int_equal(p->n_writes, 2);
    assert_int_equal(p->writes[0].what, LR_REPAIR_TEXT);
    assert_int_equal(p->writes[1].what, LR_REPAIR_MDA_HEADER);
    assert_int_equal(p->writes[1].offset, 4096);
    assert_true(p->writes[0].sync_after && p->writes[1].sync_after);
    /* Every byte written lies inside the metadata area 4096..1048575. */
    for (size_t i = 0; i < p->n_writes; i++) {
        assert_true(p->writes[i].offset >= 4096);
        assert_true(p->writes[i].offset + p->writes[i].length <= 4096 + 1044480);
        assert_int_equal(p->writes[i].offset % 512, 0);
        assert_int_equal(p->writes[i].length % 512, 0);
    }
    char *text = NULL;
    assert_int_equal(lr_repair_plan_render(p, &text, &err), 0);
    assert_non_null(strstr(text, "LV lv3 comes back"));
    assert_non_null(strstr(text, "new copy: seqno 17"));
    free(text);
    lr_repair_plan_free(p);
    lr_scan_session_free(scan);
    /* Planning is reading only. */
    file_hash(gz, hash1);
    assert_string_equal(hash0, hash1);
}

/* ---- execute + undo on a copy -------------------------------------------------- */

static void test_execute_history(void **state)
{
    (void)state;
    char paths[1][512], undo[512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    region_t reg[8];
    size_t nr = allowed_regions("history", "truth/pvs.json", reg, 8);
    char h0[65], o0[65], h1[65], o1[65];
    file_hash(paths[0], h0);
    outside_hash(paths[0], "disk.img", reg, nr, o0);

    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    lr_scan_session_free(scan);
    lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo, sizeof(undo), "undo")};
    int rc = lr_repair_execute(p, &eo, &err);
    if (rc)
        print_err("execute", &err);
    assert_int_equal(rc, 0);
    assert_true(p->executed && p->verified);
    for (size_t i = 0; i < p->n_writes; i++)
        assert_true(p->writes[i].done);
    char *log = NULL;
    assert_int_equal(lr_repair_plan_log(p, &log, &err), 0);
    assert_non_null(strstr(log, "written and verified"));
    free(log);
    /* Executing twice is refused. */
    assert_int_equal(lr_repair_execute(p, &eo, &err), LR_EREFUSED);
    lr_repair_plan_free(p);

    check_scan(paths, 1, "vg0", 17, "lv3");
    file_hash(paths[0], h1);
    assert_string_not_equal(h0, h1);
    outside_hash(paths[0], "disk.img", reg, nr, o1);
    assert_string_equal(o0, o1);

    /* The undo file puts back every byte. */
    rc = apply_undo(undo, false, &err);
    if (rc)
        print_err("apply undo", &err);
    assert_int_equal(rc, 0);
    file_hash(paths[0], h1);
    assert_string_equal(h0, h1);
    /* Applying again finds the original bytes and is harmless. */
    assert_int_equal(apply_undo(undo, false, &err), 0);
    file_hash(paths[0], h1);
    assert_string_equal(h0, h1);
}

static void write_byte(const char *path, uint64_t off, uint8_t v)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &v, 1, (off_t)off), 1);
    close(fd);
}

static void test_undo_refuses_after_change(void **state)
{
    (void)state;
    char paths[1][512], undo[512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    char h0[65], h1[65], h2[65];
    file_hash(paths[0], h0);
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    lr_scan_session_free(scan);
    lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo, sizeof(undo), "undo")};
    assert_int_equal(lr_repair_execute(p, &eo, &err), 0);
    lr_repair_plan_free(p);

    /* Someone changes the header after the restore. */
    write_byte(paths[0], 4096 + 300, 0x5a);
    file_hash(paths[0], h1);
    assert_int_equal(apply_undo(undo, false, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "changed since the repair run"));
    file_hash(paths[0], h2);
    assert_string_equal(h1, h2); /* refused: nothing written */
    /* Forced, it puts back the original anyway. */
    assert_int_equal(apply_undo(undo, true, &err), 0);
    file_hash(paths[0], h2);
    assert_string_equal(h0, h2);
}

static void test_dry_run_writes_nothing(void **state)
{
    (void)state;
    char paths[1][512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    char h0[65], h1[65];
    file_hash(paths[0], h0);
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    char *text = NULL;
    assert_int_equal(lr_repair_plan_render(p, &text, &err), 0);
    free(text);
    lr_repair_plan_free(p);
    lr_scan_session_free(scan);
    file_hash(paths[0], h1);
    assert_string_equal(h0, h1);

    /* The outside-metadata hash itself: blind to a label byte, not to data. */
    region_t reg[8];
    size_t nr = allowed_regions("history", "truth/pvs.json", reg, 8);
    char o0[65], o1[65];
    outside_hash(paths[0], "disk.img", reg, nr, o0);
    write_byte(paths[0], 600, 0x77);
    outside_hash(paths[0], "disk.img", reg, nr, o1);
    assert_string_equal(o0, o1);
    write_byte(paths[0], 20u << 20, 0x77);
    outside_hash(paths[0], "disk.img", reg, nr, o1);
    assert_string_not_equal(o0, o1);
}

/* ---- refusals ------------------------------------------------------------------- */

static void test_ambiguous_refused(void **state)
{
    (void)state;
    char paths[2][512];
    lr_test_path(paths[0], sizeof(paths[0]), "history", "disk.img.gz");
    lr_test_path(paths[1], sizeof(paths[1]), "label-zeroed", "disk.img.gz");
    lr_scan_session_t *scan = scan_files(paths, 2);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    /* vg0 and vgl both have a seqno 5. */
    assert_int_equal(plan_for(scan, NULL, 5, false, &p, &err), LR_EREFUSED);
    assert_null(p);
    /* Naming the VG settles it; the candidates (as data) are vg0's and vgl's. */
    assert_int_equal(err.hints, LR_HINT_CHOOSE_VG);
    lr_scan_pick_t o = {.has_seqno = true, .seqno = 5};
    lr_scan_selection_t sel;
    assert_int_equal(lr_scan_select(lr_scan_result(scan), &o, &sel, &err), LR_EREFUSED);
    assert_int_equal(sel.n, 2);
    assert_string_equal(lr_scan_result(scan)->vgs[sel.c[0].vg].name, "vg0");
    assert_string_equal(lr_scan_result(scan)->vgs[sel.c[1].vg].name, "vgl");
    lr_scan_selection_free(&sel);
    /* --force does not choose for the user. */
    assert_int_equal(plan_for(scan, NULL, 5, true, &p, &err), LR_EREFUSED);
    /* Naming the VG (or its UUID) does. */
    assert_int_equal(plan_for(scan, "vgl", 5, false, &p, &err), 0);
    assert_string_equal(p->vg_name, "vgl");
    char id[64];
    snprintf(id, sizeof(id), "%s", p->vg_id);
    lr_repair_plan_free(p);
    assert_int_equal(plan_for(scan, id, 5, false, &p, &err), 0);
    assert_string_equal(p->vg_name, "vgl");
    lr_repair_plan_free(p);
    /* No such version / VG. */
    assert_int_equal(plan_for(scan, "vg0", 99, false, &p, &err), LR_ENOTFOUND);
    assert_non_null(strstr(err.msg, "1..16"));
    assert_int_equal(plan_for(scan, "nosuchvg", 5, false, &p, &err), LR_ENOTFOUND);
    /* A wrong crc matches nothing. */
    lr_repair_opts_t oc = {.vg = "vg0", .seqno = 5, .has_crc = true, .crc = 0x12345678};
    assert_int_equal(lr_repair_plan_new(scan, NULL, &oc, &p, &err), LR_ENOTFOUND);
    lr_scan_session_free(scan);
}

/* Two different texts with seqno 15 (a second, edited copy written into
 * free ring space): refused until --crc picks one. */
static void test_conflict_needs_crc(void **state)
{
    (void)state;
    char paths[1][512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    lr_scan_session_t *scan = scan_files(paths, 1);
    int vg = vg_index(scan, "vg0");
    int ver[4];
    assert_int_equal(lr_scan_find_versions(lr_scan_result(scan), (size_t)vg, 15, ver, 4), 1);
    uint32_t crc_a = lr_scan_result(scan)->vgs[vg].versions[ver[0]].crc;
    int copy = lr_scan_version_copy(lr_scan_result(scan), (size_t)vg, (size_t)ver[0]);
    char *text = NULL;
    uint64_t len = 0;
    lr_error_t err;
    assert_int_equal(lr_scan_copy_text(scan, (size_t)copy, &text, &len, &err), 0);
    lr_scan_session_free(scan);
    char *host = strstr(text, "creation_host = \"");
    assert_non_null(host);
    host[17] = host[17] == 'x' ? 'y' : 'x';
    int fd = open(paths[0], O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, text, (size_t)len, 4096 + 40960), (ssize_t)len);
    close(fd);
    free(text);

    scan = scan_files(paths, 1);
    vg = vg_index(scan, "vg0");
    assert_int_equal(lr_scan_find_versions(lr_scan_result(scan), (size_t)vg, 15, ver, 4), 2);
    uint32_t crc_b = lr_scan_result(scan)->vgs[vg].versions[ver[0]].crc == crc_a
                         ? lr_scan_result(scan)->vgs[vg].versions[ver[1]].crc
                         : lr_scan_result(scan)->vgs[vg].versions[ver[0]].crc;
    lr_repair_plan_t *p = NULL;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), LR_EREFUSED);
    assert_int_equal(err.hints, LR_HINT_CHOOSE_CRC);
    uint32_t crcs[2] = {crc_a, crc_b};
    for (int i = 0; i < 2; i++) {
        lr_repair_opts_t o = {.vg = "vg0", .seqno = 15, .has_crc = true, .crc = crcs[i]};
        assert_int_equal(lr_repair_plan_new(scan, NULL, &o, &p, &err), 0);
        assert_int_equal(p->crc, crcs[i]);
        assert_int_equal(p->new_seqno, 17);
        assert_non_null(strstr(p->description, " crc 0x"));
        lr_repair_plan_free(p);
    }
    lr_scan_session_free(scan);
}

static void test_missing_pv_refused(void **state)
{
    (void)state;
    char paths[2][512];
    lr_test_path(paths[0], sizeof(paths[0]), "three-pv", "pv1.img.gz");
    lr_test_path(paths[1], sizeof(paths[1]), "three-pv", "pv2.img.gz");
    char path[512], uuid[64];
    char *json =
        lr_test_slurp(lr_test_path(path, sizeof(path), "three-pv", "truth/pvs.json"), NULL);
    assert_non_null(json);
    assert_int_equal(lr_test_json_field(json, "pv", 2, "pv_uuid", uuid, sizeof(uuid)), 0);
    free(json);
    lr_scan_session_t *scan = scan_files(paths, 2);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg3", 9, false, &p, &err), LR_EREFUSED);
    assert_null(p);
    assert_non_null(strstr(err.msg, uuid)); /* pv3's UUID */
    assert_non_null(strstr(err.msg, "not among the images"));
    assert_non_null(strstr(err.msg, "/dev/loop")); /* where it was last seen */
    /* Forced: only the PVs present are written, and the plan says so. */
    assert_int_equal(plan_for(scan, "vg3", 9, true, &p, &err), 0);
    assert_true(p->forced);
    size_t missing = 0;
    for (size_t i = 0; i < p->n_pvs; i++)
        missing += p->pvs[i].missing;
    assert_int_equal(missing, 1);
    for (size_t i = 0; i < p->n_writes; i++)
        assert_true(p->writes[i].image == 0 || p->writes[i].image == 1);
    lr_repair_plan_free(p);
    lr_scan_session_free(scan);
}

static void test_gzip_refused(void **state)
{
    (void)state;
    char paths[1][512], undo[512];
    lr_test_path(paths[0], sizeof(paths[0]), "history", "disk.img.gz");
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    lr_scan_session_free(scan);
    assert_true(p->images[0].gzip);
    lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo, sizeof(undo), "undo")};
    assert_int_equal(lr_repair_execute(p, &eo, &err), LR_EREFUSED);
    assert_int_equal(err.hints, LR_HINT_USE_COPY); /* lvmrepair: use --output DIR */
    assert_false(p->executed);
    assert_int_equal(access(undo, F_OK), -1); /* not even an undo file */
    lr_repair_plan_free(p);
}

static void test_changed_since_plan_refused(void **state)
{
    (void)state;
    char paths[1][512], undo[512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    lr_scan_session_free(scan);
    /* Someone else writes where the new copy would go. */
    write_byte(paths[0], p->writes[0].offset + 7, 0x42);
    char h0[65], h1[65];
    file_hash(paths[0], h0);
    lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo, sizeof(undo), "undo")};
    assert_int_equal(lr_repair_execute(p, &eo, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "changed since the plan"));
    file_hash(paths[0], h1);
    assert_string_equal(h0, h1);
    assert_int_equal(access(undo, F_OK), -1);
    lr_repair_plan_free(p);
}

static void test_locked_image_refused(void **state)
{
    (void)state;
    char paths[1][512], undo[512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    lr_scan_session_free(scan);
    /* Another holder of the image (flock, as lr_io_open_rw(LR_IO_EXCL) takes it). */
    int fd = open(paths[0], O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo, sizeof(undo), "undo")};
    assert_int_equal(lr_repair_execute(p, &eo, &err), LR_EREFUSED);
    assert_int_equal(err.hints, LR_HINT_FORCE); /* lvmrepair: --force */
    assert_false(p->executed);
    /* --force goes ahead. */
    eo.force = true;
    assert_int_equal(lr_repair_execute(p, &eo, &err), 0);
    close(fd);
    lr_repair_plan_free(p);
    check_scan(paths, 1, "vg0", 17, "lv3");
}

static void test_existing_undo_not_overwritten(void **state)
{
    (void)state;
    char paths[1][512], undo[512];
    decompress("history", "disk.img", paths[0], sizeof(paths[0]));
    tmp_path(undo, sizeof(undo), "undo");
    FILE *f = fopen(undo, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    char h0[65], h1[65];
    file_hash(paths[0], h0);
    lr_scan_session_t *scan = scan_files(paths, 1);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(plan_for(scan, "vg0", 15, false, &p, &err), 0);
    lr_scan_session_free(scan);
    lr_repair_exec_opts_t eo = {.undo_path = undo};
    assert_int_equal(lr_repair_execute(p, &eo, &err), -EEXIST);
    lr_repair_plan_free(p);
    file_hash(paths[0], h1);
    assert_string_equal(h0, h1);
    size_t len = 0;
    char *s = lr_test_slurp(undo, &len);
    assert_string_equal(s, "precious");
    free(s);
}

/* ---- every scenario ------------------------------------------------------------- */

typedef struct scenario {
    const char *fix;
    const char *imgs[MAX_IMGS];
    const char *vg;
    uint64_t seqno, new_seqno;
    const char *lv;       /* an LV that must be in the restored version */
    const char *pvs_json; /* truth file with pe_start/dev_size */
    bool rebuild_label, rebuild_header;
} scenario_t;

static const scenario_t scenarios[] = {
    {"history", {"disk.img"}, "vg0", 15, 17, "lv3", "truth/pvs.json", false, false},
    {"reinit", {"disk.img"}, "oldvg", 11, 12, "data", "truth/old-pvs.json", true, false},
    {"stale-pv",
     {"pv1.img", "pv2.img", "pv3.img"},
     "vgstale",
     9,
     10,
     "late2",
     "truth/pvs.json",
     false,
     false},
    {"label-header-zeroed", {"disk.img"}, "vglh", 11, 12, "data", "truth/pvs.json", true, true},
    {"label-zeroed", {"disk.img"}, "vgl", 10, 12, "lv3", "truth/pvs.json", true, false},
    {"header-zeroed", {"disk.img"}, "vgh", 9, 12, "lv3", "truth/pvs.json", false, true},
    {"second-mda-only", {"disk.img"}, "vgm2", 10, 11, "gamma", "truth/pvs.json", false, true},
    {"two-mda", {"disk.img"}, "vg2", 9, 11, "delta", "truth/pvs.json", false, false},
    {"gpt", {"disk.img"}, "vgp", 5, 7, "boot", "truth/pvs.json", false, false},
    {"wrapped", {"disk.img"}, "vgw", 57, 58, "volume_14", "truth/pvs.json", false, false},
    {"three-pv",
     {"pv1.img", "pv2.img", "pv3.img"},
     "vg3",
     8,
     10,
     "span",
     "truth/pvs.json",
     false,
     false},
    {"broken-text", {"disk.img"}, "vgbt", 10, 12, "lv3", "truth/pvs.json", false, false},
};

static void run_scenario(const scenario_t *sc)
{
    char paths[MAX_IMGS][512], undo[512];
    char h0[MAX_IMGS][65], o0[MAX_IMGS][65], h1[65];
    region_t reg[16];
    size_t nr = allowed_regions(sc->fix, sc->pvs_json, reg, 16);
    size_t n = 0;
    for (; n < MAX_IMGS && sc->imgs[n]; n++) {
        decompress(sc->fix, sc->imgs[n], paths[n], sizeof(paths[n]));
        file_hash(paths[n], h0[n]);
        outside_hash(paths[n], sc->imgs[n], reg, nr, o0[n]);
    }
    lr_scan_session_t *scan = scan_files(paths, n);
    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    int rc = plan_for(scan, sc->vg, sc->seqno, false, &p, &err);
    if (rc)
        print_err(sc->fix, &err);
    assert_int_equal(rc, 0);
    lr_scan_session_free(scan);
    assert_int_equal(p->new_seqno, sc->new_seqno);
    bool label = false, header = false;
    for (size_t i = 0; i < p->n_pvs; i++)
        label |= p->pvs[i].rebuild_label;
    for (size_t i = 0; i < p->n_areas; i++)
        header |= p->areas[i].rebuild_header;
    assert_int_equal(label, sc->rebuild_label);
    assert_int_equal(header, sc->rebuild_header);
    lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo, sizeof(undo), "undo")};
    rc = lr_repair_execute(p, &eo, &err);
    if (rc)
        print_err(sc->fix, &err);
    assert_int_equal(rc, 0);
    lr_repair_plan_free(p);

    check_scan(paths, n, sc->vg, sc->new_seqno, sc->lv);
    for (size_t i = 0; i < n; i++) {
        outside_hash(paths[i], sc->imgs[i], reg, nr, h1);
        assert_string_equal(o0[i], h1);
    }
    assert_int_equal(apply_undo(undo, false, &err), 0);
    for (size_t i = 0; i < n; i++) {
        file_hash(paths[i], h1);
        assert_string_equal(h0[i], h1);
    }
    lr_test_clear_dir(g_dir, false);
}

static void test_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        fprintf(stderr, "scenario %s: restore %s seqno %llu\n", scenarios[i].fix, scenarios[i].vg,
                (unsigned long long)scenarios[i].seqno);
        run_scenario(&scenarios[i]);
    }
}

/* Restores the newest version of the wrapped fixture again and again until
 * the new copy itself wraps round the end of the 61440-byte ring; that copy
 * must scan back intact. */
static void test_write_wrapped_copy(void **state)
{
    (void)state;
    char paths[1][512], undo[32][512];
    decompress("wrapped", "disk.img", paths[0], sizeof(paths[0]));
    char h0[65], h1[65];
    file_hash(paths[0], h0);
    bool wrapped = false;
    int runs = 0;
    uint64_t seqno = 58;
    lr_error_t err;
    while (!wrapped && runs < 32) {
        lr_scan_session_t *scan = scan_files(paths, 1);
        lr_repair_plan_t *p = NULL;
        /* The newest version each time: older ones get overwritten. */
        assert_int_equal(plan_for(scan, "vgw", seqno - 1, false, &p, &err), 0);
        lr_scan_session_free(scan);
        assert_int_equal(p->new_seqno, seqno);
        wrapped = p->areas[0].wraps;
        if (wrapped) {
            assert_int_equal(p->n_writes, 3); /* two text pieces, then the header */
            assert_int_equal(p->writes[1].offset, p->areas[0].offset + 512);
        }
        char name[32];
        snprintf(name, sizeof(name), "undo%d", runs);
        lr_repair_exec_opts_t eo = {.undo_path = tmp_path(undo[runs], sizeof(undo[runs]), name)};
        assert_int_equal(lr_repair_execute(p, &eo, &err), 0);
        lr_repair_plan_free(p);
        check_scan(paths, 1, "vgw", seqno, "volume_14");
        runs++;
        seqno++;
    }
    assert_true(wrapped);
    lr_scan_session_t *scan = scan_files(paths, 1);
    const lr_scan_vg_t *v = &lr_scan_result(scan)->vgs[vg_index(scan, "vgw")];
    int copy = lr_scan_version_copy(lr_scan_result(scan), (size_t)vg_index(scan, "vgw"),
                                    (size_t)v->latest);
    assert_true(lr_scan_result(scan)->copies[copy].wrapped);
    assert_true(lr_scan_result(scan)->copies[copy].crc_ok);
    lr_scan_session_free(scan);
    /* Undo files applied newest first bring back the fixture. */
    for (int i = runs - 1; i >= 0; i--)
        assert_int_equal(apply_undo(undo[i], false, &err), 0);
    file_hash(paths[0], h1);
    assert_string_equal(h0, h1);
}

/* ---- fault injection --------------------------------------------------------- */

static void fault_run(const scenario_t *sc, uint64_t old_seqno)
{
    char paths[MAX_IMGS][512], undo[512], h0[MAX_IMGS][65], h1[65];
    size_t n = 0;
    for (; n < MAX_IMGS && sc->imgs[n]; n++) {
        decompress(sc->fix, sc->imgs[n], paths[n], sizeof(paths[n]));
        file_hash(paths[n], h0[n]);
    }
    size_t total = 0;
    lr_error_t err;
    for (unsigned k = 1;; k++) {
        lr_scan_session_t *scan = scan_files(paths, n);
        lr_repair_plan_t *p = NULL;
        assert_int_equal(plan_for(scan, sc->vg, sc->seqno, false, &p, &err), 0);
        lr_scan_session_free(scan);
        total = p->n_writes;
        lr_test_fault_t f = {.fail_at = k};
        unlink(tmp_path(undo, sizeof(undo), "undo"));
        lr_repair_exec_opts_t eo = {
            .undo_path = undo, .open_rw = lr_test_fault_open, .open_arg = &f};
        int rc = lr_repair_execute(p, &eo, &err);
        size_t done = 0;
        for (size_t i = 0; i < p->n_writes; i++)
            done += p->writes[i].done;
        lr_repair_plan_free(p);
        if (k <= total) {
            assert_int_equal(rc, -EIO);
            assert_int_equal(done, k - 1);
        } else {
            assert_int_equal(rc, 0);
        }
        /* Our scan sees the old or the new version as the latest, complete. */
        scan = scan_files(paths, n);
        const lr_scan_vg_t *v = &lr_scan_result(scan)->vgs[vg_index(scan, sc->vg)];
        assert_true(v->latest >= 0);
        uint64_t latest = v->versions[v->latest].seqno;
        fprintf(stderr, "%s: write %u of %zu fails: latest seqno %llu\n", sc->fix, k, total,
                (unsigned long long)latest);
        assert_true(latest == old_seqno || latest == sc->new_seqno);
        if (k > total)
            assert_int_equal(latest, sc->new_seqno);
        lr_scan_session_free(scan);
        /* The undo file restores the original bytes exactly. */
        rc = apply_undo(undo, false, &err);
        if (rc)
            print_err("apply undo", &err);
        assert_int_equal(rc, 0);
        for (size_t i = 0; i < n; i++) {
            file_hash(paths[i], h1);
            assert_string_equal(h0[i], h1);
        }
        if (k > total)
            break;
    }
    assert_true(total >= 2);
    lr_test_clear_dir(g_dir, false);
}

static void test_fault_injection(void **state)
{
    (void)state;
    fault_run(&scenarios[0], 16); /* history: text, header */
    fault_run(&scenarios[2], 9);  /* stale-pv: three PVs */
    fault_run(&scenarios[6], 10); /* second-mda-only: two areas, one rebuilt */
    fault_run(&scenarios[3], 11); /* label-header-zeroed: text, header, label */
}

/* ---- --output copies -------------------------------------------------------------- */

static void test_copy_image(void **state)
{
    (void)state;
    char gz[512], plain[512], ref[65], got[65];
    lr_test_path(gz, sizeof(gz), "history", "disk.img.gz");
    char sub[512];
    tmp_path(sub, sizeof(sub), "out");
    mkdir(sub, 0755);
    char *dst = NULL;
    uint64_t data = 0;
    lr_error_t err;
    assert_int_equal(lr_repair_copy_image(gz, sub, false, NULL, &dst, &data, &err), 0);
    assert_non_null(strstr(dst, "/out/disk.img"));
    decompress("history", "disk.img", plain, sizeof(plain));
    file_hash(plain, ref);
    file_hash(dst, got);
    assert_string_equal(ref, got);
    struct stat st;
    assert_int_equal(stat(dst, &st), 0);
    assert_int_equal(st.st_size, 32 << 20);
    assert_true(data < (1u << 20));                         /* only the used bytes */
    assert_true((uint64_t)st.st_blocks * 512 < (4u << 20)); /* sparse */
    /* An existing copy is not overwritten without overwrite... */
    char *dst2 = NULL;
    assert_int_equal(lr_repair_copy_image(gz, sub, false, NULL, &dst2, NULL, &err), -EEXIST);
    /* ...and a raw source copies sparse too. */
    char sub2[512];
    tmp_path(sub2, sizeof(sub2), "out2");
    mkdir(sub2, 0755);
    assert_int_equal(lr_repair_copy_image(plain, sub2, false, NULL, &dst2, &data, &err), 0);
    file_hash(dst2, got);
    assert_string_equal(ref, got);
    /* The copy can never be the image itself. */
    char *dst3 = NULL;
    assert_int_equal(lr_repair_copy_image(plain, g_dir, true, NULL, &dst3, NULL, &err),
                     LR_EREFUSED);
    file_hash(plain, got);
    assert_string_equal(ref, got);
    free(dst);
    free(dst2);
    char p1[600];
    snprintf(p1, sizeof(p1), "%s/disk.img", sub);
    unlink(p1);
    snprintf(p1, sizeof(p1), "%s/disk.img", sub2);
    unlink(p1);
    rmdir(sub);
    rmdir(sub2);
}

static void test_default_undo_path(void **state)
{
    (void)state;
    char *p = NULL;
    lr_error_t err;
    assert_int_equal(lr_repair_default_undo_path("/some/dir/disk.img", 1700000000, &p, &err), 0);
    assert_true(strncmp(p, "/some/dir/disk.img.lvmrepair-undo-", 34) == 0);
    free(p);
    assert_int_equal(lr_repair_default_undo_path("disk.img", 1700000000, &p, &err), 0);
    assert_true(strncmp(p, "./disk.img.lvmrepair-undo-", 26) == 0);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_plan_history, test_teardown),
        cmocka_unit_test_teardown(test_execute_history, test_teardown),
        cmocka_unit_test_teardown(test_undo_refuses_after_change, test_teardown),
        cmocka_unit_test_teardown(test_dry_run_writes_nothing, test_teardown),
        cmocka_unit_test_teardown(test_ambiguous_refused, test_teardown),
        cmocka_unit_test_teardown(test_conflict_needs_crc, test_teardown),
        cmocka_unit_test_teardown(test_missing_pv_refused, test_teardown),
        cmocka_unit_test_teardown(test_gzip_refused, test_teardown),
        cmocka_unit_test_teardown(test_changed_since_plan_refused, test_teardown),
        cmocka_unit_test_teardown(test_locked_image_refused, test_teardown),
        cmocka_unit_test_teardown(test_existing_undo_not_overwritten, test_teardown),
        cmocka_unit_test_teardown(test_scenarios, test_teardown),
        cmocka_unit_test_teardown(test_write_wrapped_copy, test_teardown),
        cmocka_unit_test_teardown(test_fault_injection, test_teardown),
        cmocka_unit_test_teardown(test_copy_image, test_teardown),
        cmocka_unit_test_teardown(test_default_undo_path, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
