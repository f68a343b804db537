/* Scan engine (scan/, lr/scan.h) against the real-LVM2 fixtures: every copy
 * LVM2's `pvck --dump metadata_search` lists is found with the same offset,
 * length, seqno and checksum; VG assembly, stale PVs, partitions, second
 * areas, damaged labels/headers; hostile and truncated input; images that
 * cannot be opened or read whole (LR_SCAN_KEEP_GOING); malformed VG ids;
 * an uncommitted newest copy; and that scanning never changes a byte. */
#include "support.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/crc.h"
#include "lr/io.h"
#include "lr/scan.h"

#define MAX_DEVS 8
#define MAX_COPIES 256

/* ---- helpers ------------------------------------------------------------ */

typedef struct fx {
    lr_test_dev_t devs[MAX_DEVS];
    int n_devs;
    char imgs[MAX_DEVS][128];
    int n_imgs;
    lr_scan_session_t *session;
    const lr_scan_t *scan; /* its result */
} fx_t;

static int img_index(const fx_t *f, const char *img)
{
    for (int i = 0; i < f->n_imgs; i++)
        if (strcmp(f->imgs[i], img) == 0)
            return i;
    return -1;
}

/* Scans every image of a fixture (the .gz files, decompressed by core). */
static void fx_scan(fx_t *f, const char *name)
{
    memset(f, 0, sizeof(*f));
    f->n_devs = lr_test_devices(name, f->devs, MAX_DEVS);
    assert_true(f->n_devs > 0);
    char paths[MAX_DEVS][1024];
    const char *pp[MAX_DEVS];
    for (int i = 0; i < f->n_devs; i++) {
        if (img_index(f, f->devs[i].img) >= 0)
            continue;
        snprintf(f->imgs[f->n_imgs], sizeof(f->imgs[0]), "%s", f->devs[i].img);
        char gz[200];
        snprintf(gz, sizeof(gz), "%s.gz", f->devs[i].img);
        lr_test_path(paths[f->n_imgs], sizeof(paths[0]), name, gz);
        pp[f->n_imgs] = paths[f->n_imgs];
        f->n_imgs++;
    }
    lr_error_t err;
    int rc = lr_scan_paths(pp, (size_t)f->n_imgs, NULL, &f->session, &err);
    f->scan = lr_scan_result(f->session);
    if (rc) {
        char msg[1024];
        fail_msg("scan of %s failed: %s", name, lr_error_format(&err, msg, sizeof(msg)));
    }
}

static void fx_free(fx_t *f)
{
    lr_scan_session_free(f->session);
    f->session = NULL;
    f->scan = NULL;
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static const lr_scan_copy_t *copy_at(const lr_scan_t *s, int image, uint64_t off)
{
    for (size_t i = 0; i < s->n_copies; i++)
        if (s->copies[i].image == image && s->copies[i].offset == off)
            return &s->copies[i];
    return NULL;
}

/* Every copy of one pvck search file is in the scan, shifted by pv_start.
 * Returns how many were checked. */
static int check_pvck_file(const lr_scan_t *s, const char *path, int image, uint64_t pv_start)
{
    lr_test_copy_t want[MAX_COPIES];
    int n = lr_test_pvck_search(path, want, MAX_COPIES);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        uint64_t off = pv_start + want[i].offset;
        const lr_scan_copy_t *c = copy_at(s, image, off);
        if (!c)
            fail_msg("%s: copy at %" PRIu64 " (seqno %" PRIu64 ") not found", path, off,
                     want[i].seqno);
        if (c->length != want[i].length || c->crc != want[i].crc || c->seqno != want[i].seqno)
            fail_msg("%s: copy at %" PRIu64 ": length %" PRIu64 " crc %08x seqno %" PRIu64
                     ", pvck says %" PRIu64 " %08x %" PRIu64,
                     path, off, c->length, c->crc, c->seqno, want[i].length, want[i].crc,
                     want[i].seqno);
        assert_string_equal(c->vg_name, want[i].vg);
        assert_string_equal(c->vg_id, want[i].id);
    }
    return n;
}

/* The damage of these fixtures leaves the ring intact, so LVM2's listing
 * from before the damage still holds as well as the one after it. */
static bool ring_intact(const char *name)
{
    return strcmp(name, "label-zeroed") == 0 || strcmp(name, "header-zeroed") == 0 ||
           strcmp(name, "label-header-zeroed") == 0;
}

static int check_fixture_pvck(const char *name)
{
    fx_t f;
    fx_scan(&f, name);
    int checked = 0;
    for (int d = 0; d < f.n_devs; d++) {
        const lr_test_dev_t *dev = &f.devs[d];
        int image = img_index(&f, dev->img);
        for (int m = 1; m <= 2; m++) {
            char file[128], path[1024];
            snprintf(file, sizeof(file), "truth/%s.after-pvck-search-mda%d", dev->dev, m);
            lr_test_path(path, sizeof(path), name, file);
            bool after = file_exists(path);
            if (after)
                checked += check_pvck_file(f.scan, path, image, dev->pv_start);
            if (after && !ring_intact(name))
                continue;
            snprintf(file, sizeof(file), "truth/%s.pvck-search-mda%d", dev->dev, m);
            lr_test_path(path, sizeof(path), name, file);
            if (file_exists(path))
                checked += check_pvck_file(f.scan, path, image, dev->pv_start);
        }
    }
    fx_free(&f);
    return checked;
}

static const lr_scan_vg_t *vg_named(const lr_scan_t *s, const char *name)
{
    int idx[4];
    size_t n = lr_scan_find_vgs(s, name, idx, 4);
    assert_int_equal(n, 1);
    return &s->vgs[idx[0]];
}

/* ---- pvck parity -------------------------------------------------------- */

static void test_pvck_parity_all(void **state)
{
    (void)state;
    int total = 0;
    for (size_t i = 0; i < lr_test_n_fixtures; i++) {
        int n = check_fixture_pvck(lr_test_fixtures[i]);
        assert_true(n > 0);
        total += n;
    }
    assert_true(total > 150);
}

/* reinit: oldvg's copies from before `pvcreate -ff` are all reported except
 * those newvg's copies overwrote. */
static void test_reinit_old_copies(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "reinit");
    char path[1024];
    lr_test_path(path, sizeof(path), "reinit", "truth/disk.old-pvck-search-mda1");
    lr_test_copy_t want[MAX_COPIES];
    int n = lr_test_pvck_search(path, want, MAX_COPIES);
    assert_true(n >= 10);
    const lr_scan_vg_t *newvg = vg_named(f.scan, "newvg");
    const lr_scan_vg_t *oldvg = vg_named(f.scan, "oldvg");
    uint64_t new_end = 0;
    for (size_t v = 0; v < newvg->n_versions; v++)
        for (size_t k = 0; k < newvg->versions[v].n_copies; k++) {
            const lr_scan_copy_t *c = &f.scan->copies[newvg->versions[v].copies[k]];
            if (c->offset + c->length > new_end)
                new_end = c->offset + c->length;
        }
    int found = 0;
    for (int i = 0; i < n; i++) {
        const lr_scan_copy_t *c = copy_at(f.scan, 0, want[i].offset);
        if (want[i].offset < new_end) {
            /* overwritten by newvg: whatever is there now is not oldvg's */
            assert_true(!c || strcmp(c->vg_name, "oldvg") != 0);
            continue;
        }
        assert_non_null(c);
        assert_int_equal(c->crc, want[i].crc);
        assert_int_equal(c->seqno, want[i].seqno);
        assert_string_equal(c->vg_name, "oldvg");
        found++;
    }
    assert_true(found >= 8);
    assert_int_equal(oldvg->versions[oldvg->latest].seqno, 11);
    assert_int_equal(oldvg->n_pvs, 1);
    /* the PV now carries newvg's UUID: found by where oldvg's copies are */
    assert_int_equal(oldvg->pvs[0].found, LR_SCAN_PV_LOCATION);
    assert_int_equal(oldvg->pvs[0].pv_start, 0);
    assert_int_equal(newvg->versions[newvg->latest].seqno, 3);
    assert_int_equal(newvg->pvs[0].found, LR_SCAN_PV_LABEL);
    assert_true(strcmp(newvg->id_raw, oldvg->id_raw) != 0);
    fx_free(&f);
}

/* ---- VG assembly --------------------------------------------------------- */

static void test_stale_pv(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "stale-pv");
    assert_int_equal(f.scan->n_vgs, 1);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    assert_string_equal(vg->name, "vgstale");
    assert_int_equal(vg->versions[vg->latest].seqno, 9);
    assert_int_equal(vg->n_pvs, 3);
    assert_true(vg->status & LR_SCAN_VG_STALE_PVS);
    assert_false(vg->status & LR_SCAN_VG_MISSING_PVS);
    assert_false(vg->status & LR_SCAN_VG_CONSISTENT);
    int pv3 = img_index(&f, "pv3.img");
    int stale = 0;
    for (size_t i = 0; i < vg->n_pvs; i++) {
        const lr_scan_vg_pv_t *pv = &vg->pvs[i];
        assert_int_equal(pv->found, LR_SCAN_PV_LABEL);
        assert_true(pv->has_seqno);
        if (pv->image == pv3) {
            assert_int_equal(pv->latest_seqno, 4);
            stale++;
        } else {
            assert_int_equal(pv->latest_seqno, 9);
        }
    }
    assert_int_equal(stale, 1);
    fx_free(&f);
}

static void test_three_pv(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "three-pv");
    assert_int_equal(f.scan->n_vgs, 1);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    assert_int_equal(vg->status, LR_SCAN_VG_CONSISTENT);
    assert_int_equal(vg->n_pvs, 3);
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(vg->pvs[i].found, LR_SCAN_PV_LABEL);
        assert_in_range(vg->pvs[i].image, 0, 2);
        seen[vg->pvs[i].image] = true;
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    fx_free(&f);
}

static void test_gpt_partitions(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "gpt");
    assert_int_equal(f.scan->n_labels, 2);
    for (int d = 0; d < f.n_devs; d++) {
        bool found = false;
        for (size_t i = 0; i < f.scan->n_labels; i++)
            found |=
                f.scan->labels[i].pv_start == f.devs[d].pv_start && f.scan->labels[i].label.crc_ok;
        assert_true(found);
    }
    const lr_scan_vg_t *vg = vg_named(f.scan, "vgp");
    assert_int_equal(vg->status, LR_SCAN_VG_CONSISTENT);
    assert_int_equal(vg->n_pvs, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(vg->pvs[i].found, LR_SCAN_PV_LABEL);
        assert_true(vg->pvs[i].pv_start == f.devs[0].pv_start ||
                    vg->pvs[i].pv_start == f.devs[1].pv_start);
    }
    /* the odd, unaligned partition's area is at its PV start + 4096 */
    int a = lr_scan_find_area(f.scan, 0, 22020608 + 4096);
    assert_true(a >= 0);
    assert_true(f.scan->areas[a].header_ok);
    assert_int_equal(f.scan->areas[a].source, LR_SCAN_SRC_LABEL | LR_SCAN_SRC_MAGIC);
    fx_free(&f);
}

static void test_two_mda(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "two-mda");
    assert_int_equal(f.scan->n_areas, 2);
    for (size_t i = 0; i < 2; i++) {
        const lr_scan_area_t *a = &f.scan->areas[i];
        assert_true(a->header_ok);
        assert_int_equal(a->mda_index, (int)i);
        assert_int_equal(a->label, 0);
        assert_true(a->committed >= 0);
        assert_int_equal(f.scan->copies[a->committed].seqno, 10);
        assert_true(f.scan->copies[a->committed].crc_ok);
    }
    assert_int_equal(f.scan->areas[1].offset, 32505856);
    assert_int_equal(f.scan->areas[1].size, 1048576);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    /* each version has a copy in each area */
    for (size_t v = 0; v < vg->n_versions; v++)
        assert_int_equal(vg->versions[v].n_copies, 2);
    assert_int_equal(vg->status, LR_SCAN_VG_CONSISTENT);
    fx_free(&f);
}

static void test_wrapped(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "wrapped");
    const lr_scan_copy_t *c = copy_at(f.scan, 0, 62464);
    assert_non_null(c);
    assert_true(c->wrapped);
    assert_true(c->committed);
    assert_true(c->crc_ok);
    assert_false(c->partial);
    assert_true(c->parse_ok);
    assert_int_equal(c->seqno, 57);
    assert_int_equal(c->first_len, 3072);
    assert_int_equal(c->wrap_offset, 4608);
    assert_int_equal(c->length, 3072 + 957);
    /* the text re-read for a caller joins both pieces */
    char *text = NULL;
    uint64_t len = 0;
    lr_error_t err;
    size_t idx = (size_t)(c - f.scan->copies);
    assert_int_equal(lr_scan_copy_text(f.session, idx, &text, &len, &err), 0);
    assert_int_equal(len, c->length);
    assert_int_equal(text[len - 1], '\0');
    assert_int_equal(lr_crc(LR_CRC_INITIAL, text, (size_t)len), c->crc);
    free(text);
    lr_vg_t *vg = NULL;
    assert_int_equal(lr_scan_copy_vg(f.session, idx, &vg, &err), 0);
    assert_int_equal(vg->seqno, 57);
    lr_vg_free(vg);
    assert_int_equal(f.scan->vgs[0].versions[0].seqno, 57);
    /* behind 57's second piece: the tail of an older copy whose start it
     * overwrote, reported as a fragment with what its tail tells */
    const lr_scan_copy_t *fr = copy_at(f.scan, 0, 5632);
    assert_non_null(fr);
    assert_true(fr->source & LR_SCAN_COPY_FRAGMENT);
    assert_true(fr->partial);
    assert_false(fr->parse_ok);
    assert_int_equal(fr->vg, -1);
    assert_non_null(fr->description);
    assert_true(fr->creation_time > 0);
    fx_free(&f);
}

static void test_history_timeline(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "history");
    const lr_scan_vg_t *vg = vg_named(f.scan, "vg0");
    assert_int_equal(vg->n_versions, 16);
    assert_int_equal(vg->latest, 0);
    for (size_t v = 0; v < vg->n_versions; v++) {
        const lr_scan_version_t *ver = &vg->versions[v];
        assert_int_equal(ver->seqno, 16 - v);
        assert_true(ver->complete);
        assert_false(ver->conflict);
        assert_non_null(ver->description);
        assert_true(ver->creation_time > 0);
        assert_non_null(ver->creation_host);
        assert_int_equal(lr_scan_version_copy(f.scan, 0, v), ver->copies[0]);
    }
    assert_non_null(strstr(vg->versions[0].description, "lvremove"));
    assert_non_null(strstr(vg->versions[15].description, "vgcreate"));
    assert_true(vg->versions[0].committed);
    int idx[4];
    assert_int_equal(lr_scan_find_versions(f.scan, 0, 15, idx, 4), 1);
    assert_int_equal(idx[0], 1);
    /* by UUID, printed and raw */
    assert_int_equal(lr_scan_find_vgs(f.scan, vg->id, NULL, 0), 1);
    assert_int_equal(lr_scan_find_vgs(f.scan, vg->id_raw, NULL, 0), 1);
    assert_int_equal(lr_scan_find_vgs(f.scan, "nosuchvg", NULL, 0), 0);
    fx_free(&f);
}

/* ---- damaged fixtures --------------------------------------------------- */

static void test_label_zeroed(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "label-zeroed");
    assert_int_equal(f.scan->n_labels, 0);
    assert_int_equal(f.scan->n_areas, 1);
    const lr_scan_area_t *a = &f.scan->areas[0];
    assert_int_equal(a->source, LR_SCAN_SRC_MAGIC);
    assert_int_equal(a->offset, 4096);
    assert_int_equal(a->pv_start, 0);
    assert_true(a->header_ok);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    assert_int_equal(vg->versions[vg->latest].seqno, 11);
    assert_int_equal(vg->pvs[0].found, LR_SCAN_PV_LOCATION);
    assert_int_equal(vg->pvs[0].pv_start, 0);
    fx_free(&f);
}

static void test_header_zeroed(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "header-zeroed");
    assert_int_equal(f.scan->n_labels, 1);
    assert_int_equal(f.scan->n_areas, 1);
    const lr_scan_area_t *a = &f.scan->areas[0];
    assert_int_equal(a->source, LR_SCAN_SRC_LABEL);
    assert_null(a->header);
    assert_int_equal(a->committed, -1);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    assert_int_equal(vg->versions[vg->latest].seqno, 11);
    assert_int_equal(vg->pvs[0].found, LR_SCAN_PV_LABEL);
    for (size_t i = 0; i < f.scan->n_copies; i++) {
        assert_false(f.scan->copies[i].committed);
        assert_false(f.scan->copies[i].orphan);
    }
    fx_free(&f);
}

static void test_label_header_zeroed(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "label-header-zeroed");
    assert_int_equal(f.scan->n_labels, 0);
    assert_int_equal(f.scan->n_areas, 1);
    const lr_scan_area_t *a = &f.scan->areas[0];
    assert_int_equal(a->source, LR_SCAN_SRC_INFERRED);
    assert_int_equal(a->offset, 4096);
    assert_int_equal(a->pv_start, 0);
    assert_int_equal(a->size, 1048576 - 4096);
    assert_null(a->header);
    assert_true(a->pv_id[0]);
    assert_true(f.scan->n_copies >= 11);
    for (size_t i = 0; i < f.scan->n_copies; i++) {
        assert_true(f.scan->copies[i].orphan);
        assert_int_equal(f.scan->copies[i].area, 0);
    }
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    assert_true(vg->status & LR_SCAN_VG_ORPHANS);
    assert_int_equal(vg->pvs[0].found, LR_SCAN_PV_INFERRED);
    assert_string_equal(vg->pvs[0].id_raw, a->pv_id);
    assert_int_equal(vg->pvs[0].latest_seqno, 11);
    fx_free(&f);
}

static void test_second_mda_only(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "second-mda-only");
    assert_int_equal(f.scan->n_areas, 2);
    assert_null(f.scan->areas[0].header);
    assert_true(f.scan->areas[1].header_ok);
    assert_int_equal(f.scan->areas[1].mda_index, 1);
    for (size_t i = 0; i < f.scan->n_copies; i++)
        assert_int_equal(f.scan->copies[i].area, 1);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    assert_int_equal(vg->versions[vg->latest].seqno, 10);
    /* the first area the label lists holds neither a header nor a copy:
     * never "consistent" (issue 14) */
    assert_int_equal(vg->status, LR_SCAN_VG_AREA_LOST);
    fx_free(&f);
}

static void test_broken_text(void **state)
{
    (void)state;
    fx_t f;
    fx_scan(&f, "broken-text");
    const lr_scan_copy_t *c11 = copy_at(f.scan, 0, 20480);
    assert_non_null(c11);
    assert_true(c11->committed);
    assert_false(c11->crc_ok);
    const lr_scan_vg_t *vg = &f.scan->vgs[0];
    /* the newest GOOD version is 10; 11 exists only damaged */
    assert_int_equal(vg->versions[vg->latest].seqno, 10);
    assert_int_equal(vg->max_seqno, 11);
    assert_true(vg->status & LR_SCAN_VG_DAMAGED);
    assert_false(vg->versions[0].complete);
    assert_int_equal(vg->versions[0].seqno, 11);
    assert_int_equal(lr_scan_version_copy(f.scan, 0, 0), -1);
    fx_free(&f);
}

/* ---- explicit handles, progress, no writes ------------------------------ */

static char *tmp_path(const char *tag)
{
    char *p = malloc(256);
    assert_non_null(p);
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(p, 256, "%s/test_scan_%s_XXXXXX", dir, tag);
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* The history fixture decompressed into memory. */
static uint8_t *history_bytes(size_t *len)
{
    char path[1024];
    lr_io_t *io = NULL;
    lr_error_t err;
    assert_int_equal(
        lr_io_open(&io, lr_test_path(path, sizeof(path), "history", "disk.img.gz"), &err), 0);
    *len = (size_t)lr_io_size(io);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(lr_io_pread(io, buf, *len, 0, &err), 0);
    lr_io_close(io, NULL);
    return buf;
}

static void test_scan_ios_and_no_write(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = history_bytes(&len);
    char *path = tmp_path("nowrite");
    write_file(path, img, len);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    uint32_t crc_before = lr_crc(LR_CRC_INITIAL, img, len);

    lr_io_t *io = NULL;
    lr_error_t err;
    assert_int_equal(lr_io_open(&io, path, &err), 0);
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_vgs, 1);
    char *text = NULL;
    assert_int_equal(lr_scan_copy_text(s_ss, 0, &text, NULL, &err), 0);
    free(text);
    /* the result is plain data: a copy by value holds no handle, and
     * freeing the session leaves the caller's handle open */
    lr_scan_t copy = *s;
    assert_int_equal(copy.n_vgs, 1);
    lr_scan_session_free(s_ss);
    uint8_t byte;
    assert_int_equal(lr_io_pread(io, &byte, 1, 0, &err), 0);
    assert_int_equal(lr_io_close(io, &err), 0);
    assert_int_equal(lr_scan_paths((const char *const[]){path}, 1, NULL, &s_ss, &err), 0);
    assert_non_null(lr_scan_result(s_ss));
    lr_scan_session_free(s_ss);
    assert_null(lr_scan_result(NULL));
    lr_scan_session_free(NULL);

    size_t len2 = 0;
    char *again = lr_test_slurp(path, &len2);
    assert_non_null(again);
    assert_int_equal(len2, len);
    assert_int_equal(lr_crc(LR_CRC_INITIAL, again, len2), crc_before);
    assert_memory_equal(again, img, len);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    free(again);
    unlink(path);
    free(path);
    free(img);
}

typedef struct prog {
    int calls;
    int stop_after;
    uint64_t last_done;
} prog_t;

static int on_progress(void *arg, const lr_scan_progress_t *p)
{
    prog_t *pr = arg;
    pr->calls++;
    assert_true(p->bytes_done >= pr->last_done);
    assert_true(p->bytes_done <= p->bytes_total);
    pr->last_done = p->bytes_done;
    return pr->stop_after && pr->calls >= pr->stop_after;
}

static void test_progress_and_stop(void **state)
{
    (void)state;
    char path[1024];
    lr_test_path(path, sizeof(path), "history", "disk.img.gz");
    const char *pp[] = {path};
    prog_t pr = {0};
    lr_scan_opts_t o = {.progress = on_progress,
                        .progress_arg = &pr,
                        .progress_interval = 1 << 20,
                        .buffer_size = 1 << 20};
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_paths(pp, 1, &o, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_true(pr.calls >= 30);
    assert_int_equal(pr.last_done, 32u << 20);
    assert_false(s->interrupted);
    lr_scan_session_free(s_ss);

    /* stop after the first call: a clean, partial result */
    prog_t stop = {.stop_after = 1};
    o.progress_arg = &stop;
    assert_int_equal(lr_scan_paths(pp, 1, &o, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_true(s->interrupted);
    assert_int_equal(stop.calls, 1);
    assert_true(s->images[0].scanned < s->images[0].size);
    lr_scan_session_free(s_ss);
}

static void test_open_errors(void **state)
{
    (void)state;
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    const char *pp[] = {"/nonexistent/lvmscan-test.img"};
    int rc = lr_scan_paths(pp, 1, NULL, &s_ss, &err);
    s = lr_scan_result(s_ss);
    assert_true(rc < 0);
    assert_null(s);
    assert_non_null(strstr(err.where, "lvmscan-test.img"));
    assert_true(lr_scan_ios(NULL, 1, NULL, &s_ss, &err) < 0);
    s = lr_scan_result(s_ss);
}

/* ---- hostile input ------------------------------------------------------ */

/* A label sector as LVM2 lays it out, with the caller's numbers. */
static void make_label(uint8_t *sec, uint64_t sector, uint64_t dev_size, const uint64_t *mda,
                       size_t n_mda)
{
    memset(sec, 0, 512);
    memcpy(sec, "LABELONE", 8);
    lr_test_put_le64(sec + 8, sector);
    lr_test_put_le32(sec + 20, 32);
    memcpy(sec + 24, "LVM2 001", 8);
    memcpy(sec + 32, "abcdefghijklmnopqrstuvwxyz012345", 32);
    lr_test_put_le64(sec + 64, dev_size);
    size_t p = 72;
    lr_test_put_le64(sec + p, 1048576); /* data area, size 0 */
    p += 32;                            /* + terminator */
    for (size_t i = 0; i < n_mda; i++, p += 16) {
        lr_test_put_le64(sec + p, mda[2 * i]);
        lr_test_put_le64(sec + p + 8, mda[2 * i + 1]);
    }
    p += 16;
    lr_test_put_le32(sec + p, 2);
    lr_test_put_le32(sec + p + 4, 1);
    lr_test_put_le32(sec + 16, lr_crc(LR_CRC_INITIAL, sec + 20, 512 - 20));
}

static void make_mda_header(uint8_t *sec, uint64_t start, uint64_t size, uint64_t off,
                            uint64_t tsize, uint32_t checksum)
{
    memset(sec, 0, 512);
    memcpy(sec + 4, " LVM2 x[5A%r0N*>", 16);
    lr_test_put_le32(sec + 20, 1);
    lr_test_put_le64(sec + 24, start);
    lr_test_put_le64(sec + 32, size);
    lr_test_put_le64(sec + 40, off);
    lr_test_put_le64(sec + 48, tsize);
    lr_test_put_le32(sec + 56, checksum);
    lr_test_put_le32(sec, lr_crc(LR_CRC_INITIAL, sec + 4, 512 - 4));
}

static lr_scan_session_t *scan_bytes(const uint8_t *buf, size_t len, const char *tag)
{
    char *path = tmp_path(tag);
    write_file(path, buf, len);
    lr_scan_session_t *s_ss = NULL;
    lr_error_t err;
    int rc = lr_scan_paths((const char *const[]){path}, 1, NULL, &s_ss, &err);
    unlink(path);
    free(path);
    if (rc) {
        char msg[1024];
        fail_msg("scan of %s image failed: %s", tag, lr_error_format(&err, msg, sizeof(msg)));
    }
    return s_ss;
}

/* ---- one bad image does not stop the scan (LR_SCAN_KEEP_GOING) ---------- */

static const lr_scan_opts_t keep_going = {.flags = LR_SCAN_KEEP_GOING};

/* A good image and one that does not exist: the good one is scanned, the
 * other recorded with its error. */
static void test_keep_going_missing(void **state)
{
    (void)state;
    char good[1024];
    lr_test_path(good, sizeof(good), "history", "disk.img.gz");
    const char *pp[] = {good, "/nonexistent/lvmscan-missing.img"};
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_paths(pp, 2, &keep_going, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_images, 2);
    assert_int_equal(s->n_failed, 1);
    assert_true(s->images[0].opened);
    assert_int_equal(s->images[0].error, 0);
    assert_null(s->images[0].error_msg);
    assert_int_equal(s->images[0].scanned, 32u << 20);
    assert_false(s->images[1].opened);
    assert_int_equal(s->images[1].error, -ENOENT);
    assert_string_equal(s->images[1].path, pp[1]);
    assert_non_null(strstr(s->images[1].error_msg, "lvmscan-missing.img"));
    assert_int_equal(s->images[1].size, 0);
    assert_int_equal(s->images[1].scanned, 0);
    const lr_scan_vg_t *vg = vg_named(s, "vg0");
    assert_int_equal(vg->versions[vg->latest].seqno, 16);
    for (size_t i = 0; i < s->n_copies; i++)
        assert_int_equal(s->copies[i].image, 0);
    lr_scan_session_free(s_ss);
    /* the missing one first: same result */
    const char *rev[] = {pp[1], pp[0]};
    assert_int_equal(lr_scan_paths(rev, 2, &keep_going, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_failed, 1);
    assert_int_equal(s->images[0].error, -ENOENT);
    assert_int_equal(s->n_vgs, 1);
    lr_scan_session_free(s_ss);
}

/* A gzip image cut in half is scanned as far as it decompresses: the
 * label and every copy before the cut are found. */
static void test_keep_going_gz_truncated(void **state)
{
    (void)state;
    char path[1024];
    lr_test_path(path, sizeof(path), "damaged", "gz-truncated.img.gz");
    const char *pp[] = {path};
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    /* refused by default, as before */
    assert_int_equal(lr_scan_paths(pp, 1, NULL, &s_ss, &err), LR_EFORMAT);
    s = lr_scan_result(s_ss);
    assert_null(s);
    assert_int_equal(lr_scan_paths(pp, 1, &keep_going, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    const lr_scan_image_t *im = &s->images[0];
    assert_true(im->opened);
    assert_true(im->gzip);
    assert_true(im->truncated);
    assert_int_equal(im->error, LR_EFORMAT);
    assert_non_null(strstr(im->error_msg, "truncated gzip image"));
    assert_non_null(strstr(im->error_msg, "gz-truncated.img.gz"));
    assert_true(im->size > 32768);
    assert_int_equal(im->scanned, im->size);
    assert_int_equal(s->n_failed, 1);
    assert_int_equal(s->n_labels, 1);
    assert_int_equal(s->labels[0].offset, 512);
    const lr_scan_vg_t *vg = vg_named(s, "vg0");
    assert_int_equal(vg->versions[vg->latest].seqno, 16);
    lr_scan_session_free(s_ss);

    /* a handle the caller opened with LR_IO_PARTIAL reports its damage too */
    lr_io_t *io = NULL;
    lr_io_open_opts_t o = {.flags = LR_IO_PARTIAL};
    assert_int_equal(lr_io_open_opts(&io, path, &o, &err), 0);
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_true(s->images[0].truncated);
    assert_int_equal(s->images[0].error, LR_EFORMAT);
    assert_int_equal(s->n_failed, 1);
    assert_int_equal(s->n_vgs, 1);
    lr_scan_session_free(s_ss);
    lr_io_close(io, NULL);
}

/* An in-memory image whose reads fail from `bad` on (a failing disk). */
typedef struct bad_mem {
    const uint8_t *buf;
    uint64_t bad;
} bad_mem_t;

static int bad_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    bad_mem_t *m = ctx;
    if (off + len > m->bad)
        return lr_error_set(err, -EIO, off, "read failed: Input/output error");
    memcpy(buf, m->buf + off, len);
    return 0;
}

static int bad_close(void *ctx, lr_error_t *err)
{
    (void)ctx;
    (void)err;
    return 0;
}

static const lr_io_ops_t bad_ops = {"bad", bad_pread, NULL, NULL, bad_close};

static void test_keep_going_read_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = history_bytes(&len);
    bad_mem_t bad = {img, 8u << 20}, good = {img, UINT64_MAX};
    lr_io_t *ios[2];
    lr_error_t err;
    assert_int_equal(lr_io_new(&ios[0], &bad_ops, &bad, len, "failing.img", &err), 0);
    assert_int_equal(lr_io_new(&ios[1], &bad_ops, &good, len, "good.img", &err), 0);
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    /* by default a read error fails the scan, naming the image */
    assert_int_equal(lr_scan_ios(ios, 2, NULL, &s_ss, &err), -EIO);
    s = lr_scan_result(s_ss);
    assert_string_equal(err.where, "failing.img");
    assert_int_equal(lr_scan_ios(ios, 2, &keep_going, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_failed, 1);
    assert_int_equal(s->images[0].error, -EIO);
    assert_true(s->images[0].truncated);
    assert_true(s->images[0].scanned > 0 && s->images[0].scanned < 8u << 20);
    assert_non_null(strstr(s->images[0].error_msg, "failing.img"));
    assert_int_equal(s->images[1].error, 0);
    assert_int_equal(s->images[1].scanned, len);
    /* the label and copies at the start of the failing image were found */
    assert_int_equal(s->n_labels, 2);
    assert_int_equal(s->n_vgs, 1);
    lr_scan_session_free(s_ss);
    lr_io_close(ios[0], NULL);
    lr_io_close(ios[1], NULL);
    free(img);
}

/* An in-memory image whose small reads of [lo, hi) fail: the stream's
 * large reads pass, the reads of a copy's text after it do not (a device
 * that fails a sector it read a moment ago). */
typedef struct flaky_mem {
    const uint8_t *buf;
    uint64_t lo, hi;
} flaky_mem_t;

static int flaky_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    flaky_mem_t *m = ctx;
    if (len < (1u << 20) && off < m->hi && off + len > m->lo)
        return lr_error_set(err, -EIO, off, "read failed: Input/output error");
    memcpy(buf, m->buf + off, len);
    return 0;
}

static const lr_io_ops_t flaky_ops = {"flaky", flaky_pread, NULL, NULL, bad_close};

/* A read error in a copy's text after the stream: with keep-going the copy
 * is listed unreadable, naming the error, the image's error records it and
 * the rest of the report stands; without, the scan fails with it. */
static void test_keep_going_text_read_error(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = history_bytes(&len);
    lr_io_t *io;
    lr_error_t err;
    lr_scan_session_t *s_ss = NULL;
    assert_int_equal(lr_io_new(&io, &flaky_ops, &(flaky_mem_t){img, 0, 0}, len, "f.img", &err), 0);
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &s_ss, &err), 0);
    const lr_scan_t *s = lr_scan_result(s_ss);
    int v = s->vgs[0].latest;
    assert_true(v >= 0);
    int ci = lr_scan_version_copy(s, 0, (size_t)v);
    assert_true(ci >= 0);
    const lr_scan_copy_t *cp = &s->copies[ci];
    uint64_t at = cp->offset, cp_len = cp->length, n_copies = s->n_copies;
    assert_true(cp->parse_ok);
    lr_scan_session_free(s_ss);
    lr_io_close(io, NULL);

    flaky_mem_t m = {img, at + 100, at + 101};
    assert_int_equal(lr_io_new(&io, &flaky_ops, &m, len, "f.img", &err), 0);
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &s_ss, &err), -EIO);
    assert_string_equal(err.where, "f.img");
    assert_int_equal(lr_scan_ios(&io, 1, &keep_going, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->images[0].error, -EIO);
    assert_false(s->images[0].truncated);
    /* the copies before the bad sector read whole (a read of a chunk that
     * holds it fails: their text is read again up to it); the copy in it
     * is unreadable, the rest of its text a fragment saying so */
    size_t unreadable = 0, fragments = 0, whole = 0;
    for (size_t i = 0; i < s->n_copies; i++) {
        const lr_scan_copy_t *c = &s->copies[i];
        if (c->source & LR_SCAN_COPY_FRAGMENT) {
            fragments++;
            assert_true(c->offset > at && c->offset < at + cp_len);
            assert_string_equal(c->parse_error,
                                "fragment: the start of this copy could not be read");
        } else if (c->unreadable) {
            unreadable++;
            assert_int_equal(c->offset, at);
            assert_true(c->partial && !c->parse_ok && !c->crc_ok);
            assert_non_null(strstr(c->parse_error, "Input/output error"));
        } else {
            whole += c->parse_ok && !c->partial;
        }
    }
    assert_int_equal(unreadable, 1);
    assert_int_equal(fragments, 1);
    assert_int_equal(whole, n_copies - 1);
    assert_int_equal(s->n_vgs, 1);
    lr_scan_session_free(s_ss);
    lr_io_close(io, NULL);
    free(img);
}

/* ---- the damaged-image corpus --------------------------------------------- */

typedef void (*damaged_case_fn)(const char *name, const char *const *paths, size_t n,
                                const char *expect);

/* Calls fn for every case of fixtures/damaged/MANIFEST (lines "NAME\tFILES\t
 * EXPECT", FILES comma-separated); fails when the committed manifest is missing
 * or lists too few cases. */
static void for_each_damaged_case(damaged_case_fn fn)
{
    char path[1024];
    FILE *mf = fopen(lr_test_path(path, sizeof(path), "damaged", "MANIFEST"), "r");
    if (!mf)
        fail_msg("cannot read %s", path);
    char line[2048];
    int cases = 0;
    while (fgets(line, sizeof(line), mf)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *name = strtok(line, "\t");
        char *files = strtok(NULL, "\t");
        char *expect = strtok(NULL, "\t");
        if (!name || !files || !expect)
            continue;
        char paths[8][1024];
        const char *pp[8];
        size_t n = 0;
        for (char *f = strtok(files, ","); f && n < 8; f = strtok(NULL, ","), n++) {
            lr_test_path(paths[n], sizeof(paths[n]), "damaged", f);
            pp[n] = paths[n];
        }
        fn(name, pp, n, expect);
        cases++;
    }
    fclose(mf);
    assert_true(cases > 50);
}

static void keep_going_case(const char *name, const char *const *pp, size_t n, const char *expect)
{
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    int rc = lr_scan_paths(pp, n, &keep_going, &s_ss, &err);
    s = lr_scan_result(s_ss);
    if (rc)
        fail_msg("damaged/%s: not scanned: %s", name, err.msg);
    if (strcmp(expect, "2") == 0 && s->n_failed == 0)
        fail_msg("damaged/%s: no image reported as damaged", name);
    for (size_t i = 0; i < s->n_images; i++)
        assert_true(s->images[i].opened && s->images[i].scanned == s->images[i].size);
    if (strcmp(name, "gz-truncated") == 0 || strcmp(name, "gz-garbage-after") == 0)
        assert_true(s->n_labels >= 1 && s->n_vgs == 1);
    lr_scan_session_free(s_ss);
}

/* Every case of the damaged corpus scans when asked to keep going; the
 * corrupt gzip images are scanned as far as they decompress and reported. */
static void test_damaged_corpus_keep_going(void **state)
{
    (void)state;
    for_each_damaged_case(keep_going_case);
}

/* ---- VG ids --------------------------------------------------------------- */

static void put_text(uint8_t *buf, size_t off, const char *name, const char *id, int seqno)
{
    char t[1024];
    int n = snprintf(t, sizeof(t),
                     "%s {\nid = \"%s\"\nseqno = %d\nformat = \"lvm2\"\nstatus = [\"READ\"]\n"
                     "extent_size = 8192\nmax_lv = 0\nmax_pv = 0\nphysical_volumes {\n}\n}\n"
                     "# Generated by LVM2 version 2.03.16(2) (2022-05-18): test\n\n"
                     "contents = \"Text Format Volume Group\"\nversion = 1\n\n"
                     "description = \"Write from test.\"\n\ncreation_host = \"t\"\n"
                     "creation_time = 1700000000\n\n",
                     name, id, seqno);
    memcpy(buf + off, t, (size_t)n + 1);
}

/* A copy whose id is not a UUID (30 characters; or bad characters) is not
 * a VG of its own: it stays ungrouped, its printed id kept, vg_id_raw "".
 * Every VG's raw id is a whole UUID and finds it. */
static void test_malformed_vg_id(void **state)
{
    (void)state;
    size_t len = 1u << 20;
    uint8_t *buf = calloc(1, len);
    assert_non_null(buf);
    put_text(buf, 8 * 512, "vgshort", "abcdef-ghij-klmn-opqr-stuv-wxyz-0123", 3);
    put_text(buf, 16 * 512, "vgbad", "abcdef-ghij-klmn-opqr-stuv-wxyz-01234$", 4);
    put_text(buf, 24 * 512, "vgok", "abcdef-ghij-klmn-opqr-stuv-wxyz-012345", 5);
    lr_scan_session_t *s_ss = scan_bytes(buf, len, "vgid");
    const lr_scan_t *s = lr_scan_result(s_ss);
    assert_int_equal(s->n_copies, 3);
    assert_int_equal(s->n_vgs, 1);
    assert_string_equal(s->vgs[0].name, "vgok");
    for (size_t i = 0; i < s->n_copies; i++) {
        const lr_scan_copy_t *c = &s->copies[i];
        if (strcmp(c->vg_name, "vgok") == 0) {
            assert_int_equal(c->vg, 0);
            assert_string_equal(c->vg_id_raw, "abcdefghijklmnopqrstuvwxyz012345");
        } else {
            assert_int_equal(c->vg, -1);
            assert_string_equal(c->vg_id_raw, "");
            assert_true(strncmp(c->vg_id, "abcdef-ghij", 11) == 0);
        }
    }
    lr_scan_session_free(s_ss);
    free(buf);

    /* the fuzzer's input: every VG found has a whole UUID that finds it */
    char path[1024];
    snprintf(path, sizeof(path), "%s/scan/vg-id-30-chars-25f83435", LR_FUZZ_REGRESSIONS);
    size_t flen = 0;
    char *in = lr_test_slurp(path, &flen);
    assert_non_null(in);
    s_ss = scan_bytes((const uint8_t *)in, flen, "fuzzvgid");
    s = lr_scan_result(s_ss);
    size_t ungrouped = 0;
    for (size_t i = 0; i < s->n_copies; i++)
        ungrouped += s->copies[i].vg < 0 && s->copies[i].vg_id[0];
    assert_true(ungrouped >= 1);
    for (size_t v = 0; v < s->n_vgs; v++) {
        assert_int_equal(strlen(s->vgs[v].id_raw), LR_PV_UUID_LEN);
        assert_true(lr_scan_find_vgs(s, s->vgs[v].id_raw, NULL, 0) >= 1);
    }
    lr_scan_session_free(s_ss);
    free(in);
}

/* ---- a copy written but never committed ------------------------------------ */

/* The history image with seqno 17 written after the committed copy (16)
 * but the mda header not updated: a crash between LVM2's text and header
 * writes. With a cut marker, the text ends (NUL, then the ring's zeros)
 * `cut_delta` bytes after the last occurrence of `cut_at` (LV sections
 * have creation_time lines too): the write was torn there. */
static uint8_t *torn_bytes(size_t *len, const char *cut_at, long cut_delta)
{
    uint8_t *img = history_bytes(len);
    const uint64_t at = 32256, size = 1785; /* the committed copy: seqno 16 */
    char *t = malloc(size + 16);
    assert_non_null(t);
    memcpy(t, img + at, size);
    t[size] = '\0';
    char *sq = strstr(t, "seqno = 16\n");
    assert_non_null(sq);
    sq[9] = '7';
    char *d = strstr(t, "lvremove -f vg0/lv3");
    assert_non_null(d);
    memcpy(d, "lvcreate -n zz vg", 17);
    size_t n = size;
    if (cut_at) {
        char *m = NULL;
        for (char *p = strstr(t, cut_at); p; p = strstr(p + 1, cut_at))
            m = p;
        assert_non_null(m);
        n = (size_t)(m - t + cut_delta);
        assert_true(n < size);
    }
    size_t next = (size_t)((at + size + 511) / 512 * 512);
    memcpy(img + next, t, n);
    memset(img + next + n, 0, size - n);
    free(t);
    return img;
}

static uint8_t *uncommitted_bytes(size_t *len)
{
    return torn_bytes(len, NULL, 0);
}

/* UUIDs with LVM2's LVM1-compatibility characters '!' and '#' (which its
 * id_valid accepts): real LVM2 wrote the PV with such a uuid and two
 * versions of a VG whose id has both (tests/data/README). The scanner groups
 * those copies into their VG, beside the seqno-1 VG that had a plain id, and
 * matches the PV's label to it. */
static void test_uuid_lvm1_chars_grouped(void **state)
{
    (void)state;
    const char *path = LR_TEST_DATA "/uuid-lvm1-chars.img.gz";
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_paths(&path, 1, NULL, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_labels, 1);
    assert_string_equal(s->labels[0].label.pv_uuid, "ab!#efghijklmnopqrstuvwxyz012345");
    assert_int_equal(s->n_copies, 3);
    assert_int_equal(s->n_vgs, 2);
    const lr_scan_vg_t *bang = NULL;
    for (size_t i = 0; i < s->n_vgs; i++)
        if (strcmp(s->vgs[i].id_raw, "Bps2WpftwfOeTCf75Z19OybSIpHe#7i!") == 0)
            bang = &s->vgs[i];
    assert_non_null(bang);
    assert_string_equal(bang->name, "vgbang");
    assert_string_equal(bang->id, "Bps2Wp-ftwf-OeTC-f75Z-19Oy-bSIp-He#7i!");
    assert_int_equal(bang->n_copies, 2);
    assert_int_equal(bang->n_versions, 2);
    assert_int_equal(bang->latest, 0);
    assert_int_equal(bang->versions[0].seqno, 3);
    assert_int_equal(bang->status, LR_SCAN_VG_CONSISTENT);
    assert_int_equal(bang->n_pvs, 1);
    assert_string_equal(bang->pvs[0].id_raw, "ab!#efghijklmnopqrstuvwxyz012345");
    assert_int_equal(bang->pvs[0].label, 0);
    for (size_t i = 0; i < s->n_copies; i++)
        assert_true(s->copies[i].vg >= 0); /* no copy is left out of a VG */
    lr_scan_session_free(s_ss);
}

static void test_uncommitted_latest(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = uncommitted_bytes(&len);
    lr_scan_session_t *s_ss = scan_bytes(img, len, "uncommitted");
    const lr_scan_t *s = lr_scan_result(s_ss);
    const lr_scan_vg_t *vg = vg_named(s, "vg0");
    /* still a version of its own, and the newest complete one */
    assert_int_equal(vg->n_versions, 17);
    assert_int_equal(vg->latest, 0);
    const lr_scan_version_t *v17 = &vg->versions[0];
    assert_int_equal(v17->seqno, 17);
    assert_true(v17->complete);
    assert_false(v17->committed);
    assert_non_null(strstr(v17->description, "lvcreate"));
    /* the newest committed one is 16 */
    assert_int_equal(vg->committed_latest, 1);
    assert_int_equal(vg->versions[1].seqno, 16);
    assert_true(vg->versions[1].committed);
    const lr_scan_copy_t *c = &s->copies[v17->copies[0]];
    assert_false(c->committed);
    assert_false(c->orphan);
    assert_true(c->parse_ok);
    assert_true(c->ends_whole);
    assert_false(c->partial);
    lr_scan_session_free(s_ss);

    /* and on the untouched image the latest is the committed one */
    free(img);
    img = history_bytes(&len);
    s_ss = scan_bytes(img, len, "committed");
    s = lr_scan_result(s_ss);
    assert_int_equal(s->vgs[0].committed_latest, s->vgs[0].latest);
    lr_scan_session_free(s_ss);
    free(img);
}

/* A text write torn before its end: every cut still leaves the VG section
 * whole (so the text parses where it can), yet none may become a complete
 * version newer than the committed one. */
static void test_torn_uncommitted(void **state)
{
    (void)state;
    static const struct {
        const char *at;
        long delta;
    } cuts[] = {
        {"\n# Generated by", 1},    /* right after the VG section */
        {"\ncontents = ", 1},       /* before the header lines */
        {"\ncreation_time = ", 1},  /* before creation_time */
        {"\ncreation_time = ", 18}, /* inside its number */
        {"\ncreation_time = ", 22}, /* later inside its number */
        {"\ncreation_time = ", 31}, /* after the number, inside its comment */
    };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        size_t len;
        uint8_t *img = torn_bytes(&len, cuts[i].at, cuts[i].delta);
        lr_scan_session_t *s_ss = scan_bytes(img, len, "torn");
        const lr_scan_t *s = lr_scan_result(s_ss);
        const lr_scan_vg_t *vg = vg_named(s, "vg0");
        assert_true(vg->latest >= 0);
        const lr_scan_version_t *latest = &vg->versions[vg->latest];
        if (latest->seqno != 16)
            fail_msg("cut %zu: latest complete seqno %" PRIu64 ", expected the committed 16", i,
                     latest->seqno);
        assert_int_equal(vg->committed_latest, vg->latest);
        /* the torn copy is still listed, as a partial copy of seqno 17 */
        assert_int_equal(vg->max_seqno, 17);
        const lr_scan_copy_t *c = copy_at(s, 0, (32256 + 1785 + 511) / 512 * 512);
        assert_non_null(c);
        assert_int_equal(c->seqno, 17);
        assert_false(c->ends_whole);
        assert_true(c->partial);
        lr_scan_session_free(s_ss);
        free(img);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = history_bytes(&len);
    const size_t cuts[] = {0,    1,    100,  511,  512,   513,   600,     1024,   4096,
                           4100, 4608, 5000, 9000, 20000, 32300, 1048575, 1048577};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        lr_scan_session_t *s_ss = scan_bytes(img, cuts[i], "trunc");
        const lr_scan_t *s = lr_scan_result(s_ss);
        assert_int_equal(s->images[0].size, cuts[i]);
        if (cuts[i] >= 1048576)
            assert_int_equal(s->vgs[0].versions[s->vgs[0].latest].seqno, 16);
        lr_scan_session_free(s_ss);
    }
    free(img);
}

static void test_garbage(void **state)
{
    (void)state;
    size_t len = 8u << 20;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    lr_scan_session_t *s_ss = scan_bytes(buf, len, "garbage");
    const lr_scan_t *s = lr_scan_result(s_ss);
    assert_int_equal(s->n_labels, 0);
    lr_scan_session_free(s_ss);
    free(buf);
}

static void test_hostile_numbers(void **state)
{
    (void)state;
    size_t len = 2u << 20;
    uint8_t *buf = calloc(1, len);
    assert_non_null(buf);
    /* a label whose areas lie far outside, overflow, or cover everything */
    const uint64_t mda[] = {UINT64_MAX - 100, UINT64_MAX, 4096, UINT64_MAX};
    make_label(buf + 512, 1, UINT64_MAX, mda, 2);
    /* its header claims a huge area and a text slot past everything */
    make_mda_header(buf + 4096, 4096, UINT64_MAX, UINT64_MAX - 5, UINT64_MAX, 0);
    /* a second label at sector 3 of a PV at 1 MiB with a sector field that
     * does not match, and one at an odd sector with an out-of-range field */
    const uint64_t mda2[] = {4096, 1044480};
    make_label(buf + (1 << 20) + 3 * 512, 2, 1 << 20, mda2, 1);
    make_label(buf + 777 * 512, 1000000, 1 << 20, mda2, 1);
    /* headers with start beyond their own offset, and slots wrapping at 0 */
    make_mda_header(buf + 9 * 512, UINT64_MAX, 1 << 20, 512, 2000, 1);
    make_mda_header(buf + 11 * 512, 0, 0, 0, 0, 0);
    make_mda_header(buf + 13 * 512, 13 * 512, 1024, 512, 1 << 30, 7);
    /* text with an overflowing seqno, one with a huge seqno, and no NUL to the end */
    const char *t1 = "vgx {\nid = \"aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg\"\nseqno = "
                     "99999999999999999999999999\n";
    const char *t2 = "vgy {\nid = \"aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggh\"\nseqno = "
                     "18446744073709551615\nstatus = [\"READ\"\n";
    memcpy(buf + 40 * 512, t1, strlen(t1));
    memcpy(buf + 50 * 512, t2, strlen(t2));
    memset(buf + 50 * 512 + strlen(t2), 'x', len - 50 * 512 - strlen(t2));
    lr_scan_session_t *s_ss = scan_bytes(buf, len, "hostile");
    const lr_scan_t *s = lr_scan_result(s_ss);
    assert_true(s->n_labels >= 1);
    for (size_t i = 0; i < s->n_areas; i++)
        assert_true(s->areas[i].offset + s->areas[i].size <= len);
    for (size_t i = 0; i < s->n_copies; i++) {
        const lr_scan_copy_t *c = &s->copies[i];
        assert_true(c->offset + c->first_len <= len);
        if (c->seqno == UINT64_MAX)
            assert_false(c->parse_ok);
    }
    lr_scan_session_free(s_ss);
    free(buf);
}

/* Thousands of copy signatures with no NUL anywhere and deep nesting: the
 * scan must stay linear-ish and finish. */
static void test_hostile_text_flood(void **state)
{
    (void)state;
    size_t len = 16u << 20;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    const char *sig = "a {\nid = \"aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg\"\nseqno = 1\n";
    for (size_t off = 0; off < len; off += 512) {
        memset(buf + off, '{', 512);
        memcpy(buf + off, sig, strlen(sig));
    }
    /* a label + header making much of it one ring, so wraps are followed */
    const uint64_t mda[] = {4096, 8u << 20};
    make_label(buf + 512, 1, len, mda, 1);
    make_mda_header(buf + 4096, 4096, 8u << 20, 512, 4096, 0);
    lr_scan_session_t *s_ss = scan_bytes(buf, len, "flood");
    const lr_scan_t *s = lr_scan_result(s_ss);
    assert_true(s->n_copies > 1000);
    assert_int_equal(s->n_vgs, 1);
    assert_int_equal(s->vgs[0].latest, -1);
    assert_true(s->vgs[0].status & LR_SCAN_VG_NO_COMPLETE);
    lr_scan_session_free(s_ss);
    free(buf);
}

static void damaged_case(const char *name, const char *const *pp, size_t n, const char *expect)
{
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    int rc = lr_scan_paths(pp, n, NULL, &s_ss, &err);
    s = lr_scan_result(s_ss);
    if (strcmp(expect, "2") == 0 && rc == 0)
        fail_msg("damaged/%s: scanned, must be refused", name);
    if (rc == 0) {
        /* the result is usable: every version's best copy can be re-read */
        for (size_t g = 0; g < s->n_vgs; g++)
            for (size_t v = 0; v < s->vgs[g].n_versions; v++) {
                int ci = lr_scan_version_copy(s, g, v);
                char *text = NULL;
                if (ci >= 0)
                    assert_int_equal(lr_scan_copy_text(s_ss, (size_t)ci, &text, NULL, &err), 0);
                free(text);
            }
        lr_scan_session_free(s_ss);
    } else {
        assert_null(s);
        assert_true(err.where[0] != '\0');
    }
}

/* The damaged-image corpus (fixtures/damaged/MANIFEST, made from the
 * real-LVM2 fixtures): every case scans or is refused with its file named,
 * never crashes (run this under the sanitizer build too). */
static void test_damaged_corpus(void **state)
{
    (void)state;
    for_each_damaged_case(damaged_case);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pvck_parity_all),
        cmocka_unit_test(test_reinit_old_copies),
        cmocka_unit_test(test_stale_pv),
        cmocka_unit_test(test_three_pv),
        cmocka_unit_test(test_gpt_partitions),
        cmocka_unit_test(test_two_mda),
        cmocka_unit_test(test_wrapped),
        cmocka_unit_test(test_history_timeline),
        cmocka_unit_test(test_label_zeroed),
        cmocka_unit_test(test_header_zeroed),
        cmocka_unit_test(test_label_header_zeroed),
        cmocka_unit_test(test_second_mda_only),
        cmocka_unit_test(test_broken_text),
        cmocka_unit_test(test_scan_ios_and_no_write),
        cmocka_unit_test(test_progress_and_stop),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_torn_uncommitted),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_hostile_numbers),
        cmocka_unit_test(test_hostile_text_flood),
        cmocka_unit_test(test_damaged_corpus),
        cmocka_unit_test(test_keep_going_missing),
        cmocka_unit_test(test_keep_going_gz_truncated),
        cmocka_unit_test(test_keep_going_read_error),
        cmocka_unit_test(test_keep_going_text_read_error),
        cmocka_unit_test(test_damaged_corpus_keep_going),
        cmocka_unit_test(test_malformed_vg_id),
        cmocka_unit_test(test_uuid_lvm1_chars_grouped),
        cmocka_unit_test(test_uncommitted_latest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
