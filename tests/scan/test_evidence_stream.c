/* The probe of the stream (scan/src/evidence_early.c): on a single-frame
 * .zst and a single-block .xz (made by the zstd and xz tools) of the
 * evidence fixtures (real LVM2, filesystems and LUKS2 made by the real
 * tools), every layout of every version is probed as the image streams by
 * and none is read again (layouts_streamed == layouts_probed), and every
 * LV's content is the one the evidence finds in the raw image, which
 * tests/scan/test-evidence.sh holds against blkid's own view. The striped
 * pair (two images, streamed one after the other) gives the same content;
 * its LVs span both images, whose PVs are not both known until the second
 * streams, so the evidence reads them itself. Two images on two workers
 * are each probed by the worker streaming it. A cut image (damage at its end) has nothing probed
 * from its stream: the evidence reads what is left itself. A raw image is never probed so. Layouts
 * whose data held at once passes the cap are dropped (left to the evidence), the others probed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence_int.h"
#include "lr/evidence.h"
#include "lr/scan.h"
#include "support.h"

typedef struct fx {
    char dir[64];
} fx_t;

static int setup(void **state)
{
    if (system("command -v zstd >/dev/null && command -v xz >/dev/null") != 0) {
        print_message("SKIPPED: evidence-stream needs the zstd and xz tools\n");
        exit(77);
    }
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/lr-evs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* Makes DIR/NAME (raw), NAME.zst (one frame) and NAME.xz (one block) from
 * fixtures/evidence/NAME.gz. */
static void make_images(const fx_t *f, const char *name)
{
    char src[512], cmd[2048];
    lr_test_path(src, sizeof(src), "evidence", name);
    snprintf(cmd, sizeof(cmd),
             "set -e; gzip -dc '%s.gz' > '%s/%s'; zstd -q -1 -T1 -c '%s/%s' > '%s/%s.zst';"
             " xz -1 -T1 -c '%s/%s' > '%s/%s.xz'",
             src, f->dir, name, f->dir, name, f->dir, name, f->dir, name, f->dir, name);
    assert_int_equal(system(cmd), 0);
}

static lr_scan_session_t *scan_jobs(const fx_t *f, const char *const *names, size_t n,
                                    const char *ext, unsigned jobs, lr_evidence_t **ev)
{
    char paths[2][256];
    const char *p[2];
    assert_true(n <= 2);
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/%s%s", f->dir, names[i], ext);
        p[i] = paths[i];
    }
    lr_scan_opts_t o = {.flags = LR_SCAN_KEEP_GOING, .jobs = jobs};
    lr_scan_session_t *ss = NULL;
    lr_error_t e = {0};
    assert_int_equal(lr_scan_paths(p, n, &o, &ss, &e), 0);
    assert_int_equal(lr_evidence_build(ss, NULL, ev, &e), 0);
    return ss;
}

/* One stream (jobs 1), as lvmscan streams one image on any machine and
 * several on one CPU. */
static lr_scan_session_t *scan(const fx_t *f, const char *const *names, size_t n, const char *ext,
                               lr_evidence_t **ev)
{
    return scan_jobs(f, names, n, ext, 1, ev);
}

static void same_str(const char *a, const char *b, const char *what, const char *lv)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
        fail_msg("%s of %s: raw %s, streamed %s", what, lv, a ? a : "(none)", b ? b : "(none)");
}

/* Every LV of every version has the same content in a and b. */
static size_t same_content(const lr_evidence_t *a, const lr_evidence_t *b)
{
    size_t n = 0;
    assert_int_equal(a->n_vgs, b->n_vgs);
    for (size_t g = 0; g < a->n_vgs; g++) {
        assert_int_equal(a->vgs[g].n_versions, b->vgs[g].n_versions);
        for (size_t v = 0; v < a->vgs[g].n_versions; v++) {
            const lr_ev_version_t *x = &a->vgs[g].versions[v], *y = &b->vgs[g].versions[v];
            assert_int_equal(x->seqno, y->seqno);
            assert_int_equal(x->n_lvs, y->n_lvs);
            for (size_t l = 0; l < x->n_lvs; l++) {
                const lr_ev_content_t *c = &x->lvs[l].content, *d = &y->lvs[l].content;
                const char *lv = x->lvs[l].name;
                assert_int_equal(c->state, d->state);
                same_str(c->type, d->type, "type", lv);
                same_str(c->usage, d->usage, "usage", lv);
                same_str(c->label, d->label, "label", lv);
                same_str(c->uuid, d->uuid, "uuid", lv);
                same_str(c->version, d->version, "version", lv);
                same_str(c->detail, d->detail, "detail", lv);
                assert_int_equal(c->fs_size, d->fs_size);
                assert_int_equal(c->fs_size_bad, d->fs_size_bad);
                n += c->state == LR_EV_FOUND;
            }
        }
    }
    return n;
}

/* names (one image, or the striped pair) as raw, .zst and .xz: the same
 * content, at least min LVs with a signature found; streamed: every layout
 * of the compressed ones probed from the stream. */
static void check(const fx_t *f, const char *const *names, size_t n, size_t min, bool streamed)
{
    for (size_t i = 0; i < n; i++)
        make_images(f, names[i]);
    lr_evidence_t *raw = NULL;
    lr_scan_session_t *rs = scan(f, names, n, "", &raw);
    assert_true(raw->layouts_probed > 0);
    assert_int_equal(raw->layouts_streamed, 0); /* a raw file is read again cheaply */
    const char *exts[] = {".zst", ".xz"};
    for (size_t k = 0; k < 2; k++) {
        lr_evidence_t *ev = NULL;
        lr_scan_session_t *ss = scan(f, names, n, exts[k], &ev);
        assert_true(same_content(raw, ev) >= min);
        assert_int_equal(ev->layouts_probed, raw->layouts_probed);
        if (streamed && ev->layouts_streamed != ev->layouts_probed)
            fail_msg("%s%s: %zu of %zu layouts probed from the stream", names[0], exts[k],
                     ev->layouts_streamed, ev->layouts_probed);
        lr_evidence_free(ev);
        lr_scan_session_free(ss);
    }
    lr_evidence_free(raw);
    lr_scan_session_free(rs);
}

/* ext4, XFS, swap, reused extents over many versions */
static void test_disk(void **state)
{
    const char *names[] = {"disk.img"};
    check(*state, names, 1, 8, true);
}

/* LUKS2 in an LV: its keyslot area is random bytes */
static void test_luks(void **state)
{
    const char *names[] = {"luks.img"};
    check(*state, names, 1, 3, true);
}

/* striped LVs over two images: their heads' runs alternate between them */
static void test_striped(void **state)
{
    const char *names[] = {"striped-pv0.img", "striped-pv1.img"};
    check(*state, names, 2, 2, false);
}

/* Two images on two workers (jobs 2), each streaming one whole image:
 * every layout is probed by the worker that streams it, and the merge
 * takes them. */
static void test_workers(void **state)
{
    const fx_t *f = *state;
    const char *names[] = {"disk.img", "luks.img"};
    make_images(f, names[0]);
    make_images(f, names[1]);
    lr_evidence_t *raw = NULL, *ev = NULL;
    lr_scan_session_t *rs = scan_jobs(f, names, 2, "", 2, &raw);
    lr_scan_session_t *ss = scan_jobs(f, names, 2, ".zst", 2, &ev);
    assert_true(same_content(raw, ev) >= 11);
    assert_true(ev->layouts_probed > 0);
    assert_int_equal(ev->layouts_streamed, ev->layouts_probed);
    assert_int_equal(raw->layouts_streamed, 0);
    lr_evidence_free(ev);
    lr_scan_session_free(ss);
    lr_evidence_free(raw);
    lr_scan_session_free(rs);
}

/* The .zst cut short: the stream meets the damage at its end, so what it
 * probed is dropped and the evidence reads the image itself. */
static void test_cut(void **state)
{
    const fx_t *f = *state;
    const char *names[] = {"disk.img"};
    make_images(f, names[0]);
    char path[256];
    snprintf(path, sizeof(path), "%s/disk.img.zst", f->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 64), 0);
    lr_evidence_t *ev = NULL;
    lr_scan_session_t *ss = scan(f, names, 1, ".zst", &ev);
    const lr_scan_t *s = lr_scan_result(ss);
    assert_true(s->images[0].error != 0 || s->images[0].truncated);
    assert_true(ev->layouts_probed > 0);
    assert_int_equal(ev->layouts_streamed, 0);
    lr_evidence_free(ev);
    lr_scan_session_free(ss);
}

/* A layout of 1.5 MiB (head and tail adjacent) whose bytes start at off. */
static int add_at(ev_early_t *e, uint64_t off)
{
    ev_runs_t r = {.hlen = 1u << 20, .tlen = 512u << 10, .nh = 1, .nt = 1};
    r.hr[0] = (lr_lvmap_run_t){0, off, r.hlen};
    r.tr[0] = (lr_lvmap_run_t){0, off + r.hlen, r.tlen};
    return ev_early_add(e, r.hlen + r.tlen, &r);
}

static const lr_ev_content_t *find_at(const ev_early_t *e, uint64_t off)
{
    ev_runs_t r = {.hlen = 1u << 20, .tlen = 512u << 10, .nh = 1, .nt = 1};
    r.hr[0] = (lr_lvmap_run_t){0, off, r.hlen};
    r.tr[0] = (lr_lvmap_run_t){0, off + r.hlen, r.tlen};
    char *key = ev_layout_key(r.hlen + r.tlen, &r);
    assert_non_null(key);
    const lr_ev_content_t *t = ev_early_find(e, key);
    free(key);
    return t;
}

/* Eight layouts of random bytes, 4 KiB apart, filled 64 KiB at a time:
 * together they would hold 12 MiB at once, past the 4 MiB cap, so some are
 * dropped (the evidence reads those) while the others are probed; a layout
 * given again is taken once; one starting behind the stream is refused. */
static void test_cap(void **state)
{
    (void)state;
    ev_early_t *e = ev_early_new(NULL, 1);
    if (!e)
        skip(); /* built without libblkid: nothing is probed from the stream */
    assert_int_equal(add_at(e, 0), 0); /* image 0 not allowed yet */
    ev_early_allow(e, 0);
    for (uint64_t i = 0; i < 8; i++)
        assert_int_equal(add_at(e, i * 4096), 1);
    assert_int_equal(add_at(e, 0), 1); /* the same layout again */
    size_t len = 4u << 20, piece = 64u << 10;
    uint8_t *img = malloc(len);
    assert_non_null(img);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(img + i, &x, 8);
    }
    for (size_t at = 0; at < len; at += piece) {
        ev_early_feed(e, 0, at, img + at, piece);
        if (at == 0)
            assert_int_equal(add_at(e, 512), 0); /* its first bytes went by */
    }
    ev_early_image_end(e, 0, false);
    size_t done = 0;
    for (uint64_t i = 0; i < 8; i++)
        done += find_at(e, i * 4096) != NULL;
    assert_true(done >= 1 && done < 8);
    free(img);
    ev_early_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_luks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_striped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut, setup, teardown),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
