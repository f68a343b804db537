/* lr_extract on the three-pv fixture: every LV (striped -i3 -I64k, linear
 * spanning two PVs, plain linear) reproduces the sha256 the fixture script
 * recorded when it wrote the pattern; mirror/raid1 legs are chosen by PV
 * availability; missing PVs, unknown LVs and unsupported segment types are
 * refused with clear messages and write nothing. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/export.h"
#include "lr/extract.h"
#include "lr/scan.h"
#include "lr/sha256.h"
#include "support.h"
#include "text_support.h"

typedef struct fx {
    char dir[64];
    lr_scan_session_t *all; /* pv1, pv2, pv3 */
    lr_scan_session_t *two; /* pv1, pv2 only: the PV with key "pv2" (pv3.img) is missing */
} fx_t;

static lr_scan_session_t *scan_imgs(const char *const *imgs, size_t n)
{
    char paths[3][512];
    const char *pp[3];
    for (size_t i = 0; i < n; i++) {
        lr_test_path(paths[i], sizeof(paths[i]), "three-pv", imgs[i]);
        pp[i] = paths[i];
    }
    lr_scan_session_t *scan = NULL;
    lr_error_t err;
    if (lr_scan_paths(pp, n, NULL, &scan, &err)) {
        char msg[1024];
        fprintf(stderr, "scan: %s\n", lr_error_format(&err, msg, sizeof(msg)));
        return NULL;
    }
    return scan;
}

static int setup(void **state)
{
    static const char *const imgs[] = {"pv1.img.gz", "pv2.img.gz", "pv3.img.gz"};
    fx_t *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/lr-extract-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->all = scan_imgs(imgs, 3);
    f->two = scan_imgs(imgs, 2);
    *state = f;
    return f->all && f->two ? 0 : -1;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    lr_scan_session_free(f->all);
    lr_scan_session_free(f->two);
    lr_test_clear_dir(f->dir, true);
    free(f);
    return 0;
}

static size_t n_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void latest(lr_scan_session_t *scan, int *vg, int *ver)
{
    lr_scan_pick_t p = {.vg = "vg3"};
    lr_error_t err;
    int rc = lr_scan_select_one(lr_scan_result(scan), &p, vg, ver, &err);
    if (rc)
        fprintf(stderr, "pick: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* The hash in truth/LV.sha256 ("HASH  LV"). */
static void truth_hash(const char *lv, char out[65])
{
    char file[64], path[512];
    snprintf(file, sizeof(file), "truth/%s.sha256", lv);
    char *s = lr_test_slurp(lr_test_path(path, sizeof(path), "three-pv", file), NULL);
    assert_non_null(s);
    assert_true(strlen(s) >= 64);
    memcpy(out, s, 64);
    out[64] = '\0';
    free(s);
}

static void extract_and_check(fx_t *f, lr_scan_session_t *scan, const char *lv, const char *hash_of,
                              const lr_extract_opts_t *opts, uint64_t size)
{
    int vg, ver;
    latest(scan, &vg, &ver);
    char out[512];
    snprintf(out, sizeof(out), "%s/%s.img", f->dir, lv);
    unlink(out);
    uint64_t written = 0;
    lr_error_t err;
    int rc = lr_extract_lv(scan, (size_t)vg, (size_t)ver, lv, out, opts, &written, &err);
    if (rc) {
        char msg[1024];
        fprintf(stderr, "extract %s: %s\n", lv, lr_error_format(&err, msg, sizeof(msg)));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(written, size);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal((uint64_t)st.st_size, size);
    char got[65], want[65];
    assert_int_equal(lr_test_sha256_file(out, got), 0);
    truth_hash(hash_of, want);
    assert_string_equal(got, want);
    unlink(out);
}

/* The file hash every check here relies on (core's SHA-256 itself is
 * checked by test_undo). */
static void test_sha256_self(void **state)
{
    (void)state;
    char path[] = "/tmp/lr-test-sha256-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    char hex[65];
    assert_int_equal(lr_test_sha256_file(path, hex), 0);
    unlink(path);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_every_lv(void **state)
{
    fx_t *f = *state;
    extract_and_check(f, f->all, "stripe", "stripe", NULL, 6u << 20);
    extract_and_check(f, f->all, "span", "span", NULL, 10u << 20);
    extract_and_check(f, f->all, "meta", "meta", NULL, 2u << 20);
    extract_and_check(f, f->all, "tail", "tail", NULL, 3u << 20);
    assert_int_equal(n_entries(f->dir), 0);
}

static int count_progress(void *arg, uint64_t done, uint64_t total)
{
    unsigned *n = arg;
    assert_true(done <= total);
    (*n)++;
    return 0;
}

/* With the caller's handles and an odd small buffer (reads cross chunk and
 * segment boundaries mid-buffer). */
static void test_handles_small_buffer(void **state)
{
    fx_t *f = *state;
    static const char *const imgs[] = {"pv1.img.gz", "pv2.img.gz", "pv3.img.gz"};
    lr_io_t *ios[3];
    char path[512];
    for (int i = 0; i < 3; i++)
        assert_int_equal(
            lr_io_open(&ios[i], lr_test_path(path, sizeof(path), "three-pv", imgs[i]), NULL), 0);
    lr_scan_session_t *scan = NULL;
    assert_int_equal(lr_scan_ios(ios, 3, NULL, &scan, NULL), 0);
    unsigned calls = 0;
    lr_extract_opts_t o = {.buffer_size = 12345,
                           .ios = ios,
                           .n_ios = 3,
                           .progress = count_progress,
                           .progress_arg = &calls};
    extract_and_check(f, scan, "stripe", "stripe", &o, 6u << 20);
    assert_true(calls >= (6u << 20) / 12345);
    extract_and_check(f, scan, "span", "span", &o, 10u << 20);
    o.n_ios = 2; /* does not match the scan */
    int vg, ver;
    latest(scan, &vg, &ver);
    char out[512];
    snprintf(out, sizeof(out), "%s/x.img", f->dir);
    assert_int_equal(lr_extract_lv(scan, (size_t)vg, (size_t)ver, "span", out, &o, NULL, NULL),
                     -EINVAL);
    assert_int_equal(n_entries(f->dir), 0);
    lr_scan_session_free(scan);
    for (int i = 0; i < 3; i++)
        lr_io_close(ios[i], NULL);
}

static void test_plan(void **state)
{
    fx_t *f = *state;
    int vg, ver;
    latest(f->all, &vg, &ver);
    lr_extract_plan_t *p = NULL;
    assert_int_equal(lr_extract_plan(f->all, (size_t)vg, (size_t)ver, "stripe", &p, NULL), 0);
    assert_int_equal(p->size, 6u << 20);
    assert_int_equal(p->extent_size, 1u << 20);
    assert_int_equal(p->n_pieces, 1);
    assert_int_equal(p->pieces[0].n_stripes, 3);
    assert_int_equal(p->pieces[0].chunk, 65536);
    assert_string_equal(p->pieces[0].segtype, "striped");
    assert_int_equal(p->n_images, 3);
    /* stripe 1 is pv1 (pv2.img) extent 0: pe_start 2048 sectors */
    assert_int_equal(p->pieces[0].stripes[1].image, 1);
    assert_int_equal(p->pieces[0].stripes[1].offset, 2048u * 512);

    /* chunk 4 of the LV is stripe 1's second chunk: block 64 of "stripe" */
    char buf[64];
    assert_int_equal(lr_extract_read(lr_scan_result(f->all), p, buf, 20, 4 * 65536, NULL, NULL), 0);
    assert_memory_equal(buf, "stripe block 00000064", 20);
    assert_int_equal(lr_extract_read(lr_scan_result(f->all), p, buf, 2, p->size - 1, NULL, NULL),
                     LR_ERANGE);
    lr_extract_plan_free(p);

    assert_int_equal(lr_extract_plan(f->all, (size_t)vg, (size_t)ver, "span", &p, NULL), 0);
    assert_int_equal(p->n_pieces, 2);
    assert_int_equal(p->pieces[1].lv_offset, 4u << 20);
    assert_int_equal(p->pieces[1].stripes[0].image, 1);
    assert_int_equal(p->n_images, 2);
    assert_int_equal(
        lr_extract_read(lr_scan_result(f->all), p, buf, 18, (4u << 20) + 4096, NULL, NULL), 0);
    assert_memory_equal(buf, "span block 00001025", 18);
    lr_extract_plan_free(p);
}

static void test_missing_pv(void **state)
{
    fx_t *f = *state;
    int vg, ver;
    latest(f->two, &vg, &ver);
    char out[512];
    snprintf(out, sizeof(out), "%s/stripe.img", f->dir);
    lr_error_t err;
    int rc = lr_extract_lv(f->two, (size_t)vg, (size_t)ver, "stripe", out, NULL, NULL, &err);
    fprintf(stderr, "stripe without pv3.img: %s\n", err.msg);
    assert_int_equal(rc, LR_EREFUSED);
    assert_non_null(strstr(err.msg, "pv2"));
    assert_non_null(strstr(err.msg, "not among the images"));
    rc = lr_extract_lv(f->two, (size_t)vg, (size_t)ver, "tail", out, NULL, NULL, &err);
    assert_int_equal(rc, LR_EREFUSED);
    assert_int_equal(n_entries(f->dir), 0);
    /* span and meta live on the two PVs that are there */
    extract_and_check(f, f->two, "span", "span", NULL, 10u << 20);
    extract_and_check(f, f->two, "meta", "meta", NULL, 2u << 20);
}

static void test_unknown_lv(void **state)
{
    fx_t *f = *state;
    int vg, ver;
    latest(f->all, &vg, &ver);
    lr_extract_plan_t *p = (lr_extract_plan_t *)&p;
    lr_error_t err;
    assert_int_equal(lr_extract_plan(f->all, (size_t)vg, (size_t)ver, "nosuch", &p, &err),
                     LR_ENOTFOUND);
    assert_null(p);
    assert_non_null(strstr(err.msg, "nosuch"));
    assert_non_null(strstr(err.msg, "stripe"));
    /* an LV of an older version only: "small" before the rename */
    lr_scan_pick_t pk = {.vg = "vg3", .has_seqno = true, .seqno = 6};
    assert_int_equal(lr_scan_select_one(lr_scan_result(f->all), &pk, &vg, &ver, &err), 0);
    assert_int_equal(lr_extract_plan(f->all, (size_t)vg, (size_t)ver, "small", &p, &err), 0);
    assert_int_equal(p->size, 2u << 20);
    lr_extract_plan_free(p);
}

static void test_output_rules(void **state)
{
    fx_t *f = *state;
    int vg, ver;
    latest(f->all, &vg, &ver);
    char out[512];
    snprintf(out, sizeof(out), "%s/exists.img", f->dir);
    FILE *fp = fopen(out, "w");
    assert_non_null(fp);
    fputs("keep", fp);
    fclose(fp);
    lr_error_t err;
    assert_int_equal(lr_extract_lv(f->all, (size_t)vg, (size_t)ver, "meta", out, NULL, NULL, &err),
                     LR_EREFUSED);
    char *kept = lr_test_slurp(out, NULL);
    assert_string_equal(kept, "keep");
    free(kept);
    lr_extract_opts_t o = {.flags = LR_EXTRACT_OVERWRITE};
    assert_int_equal(lr_extract_lv(f->all, (size_t)vg, (size_t)ver, "meta", out, &o, NULL, &err),
                     0);
    char got[65], want[65];
    assert_int_equal(lr_test_sha256_file(out, got), 0);
    truth_hash("meta", want);
    assert_string_equal(got, want);
    unlink(out);
    /* never onto a scanned image */
    char img[512];
    lr_test_path(img, sizeof(img), "three-pv", "pv1.img.gz");
    assert_int_equal(lr_extract_lv(f->all, (size_t)vg, (size_t)ver, "meta", img, &o, NULL, &err),
                     LR_EREFUSED);
    assert_non_null(strstr(err.msg, "image"));
    assert_int_equal(n_entries(f->dir), 0);
}

/* ---- hand-made versions over the fixture's data ------------------------ */

static char *latest_text(lr_scan_session_t *scan)
{
    int vg, ver;
    latest(scan, &vg, &ver);
    char *text = NULL;
    assert_int_equal(lr_scan_version_text(scan, (size_t)vg, (size_t)ver, &text, NULL, NULL), 0);
    return text;
}

static char *insert_after(const char *text, const char *anchor, const char *what)
{
    const char *a = strstr(text, anchor);
    assert_non_null(a);
    a += strlen(anchor);
    size_t n = strlen(text) + strlen(what) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(a - text), text, what, a);
    return out;
}

#define LINEAR_LV(name, id, pv, pe)                                                                \
    name " {\nid = \"" id "\"\nstatus = [\"READ\", \"WRITE\"]\nflags = []\n"                       \
         "segment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = 2\n"                     \
         "type = \"striped\"\nstripe_count = 1\nstripes = [\"" pv "\", " #pe "]\n}\n}\n"

/* mir: leg 0 on pv2 (pv3.img, tail's first extents), leg 1 on pv1 extents
 * 2-3 (= meta). raid: the same legs with rmeta LVs on pv0. */
static const char extra_lvs[] =
    "mir {\nid = \"MIRlv0-aaaa-bbbb-cccc-dddd-eeee-ffffff\"\n"
    "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\nflags = []\nsegment_count = 1\n"
    "segment1 {\nstart_extent = 0\nextent_count = 2\ntype = \"mirror\"\nmirror_count = 2\n"
    "mirrors = [\"mir_mimage_0\", 0, \"mir_mimage_1\", 0]\n}\n}\n" LINEAR_LV(
        "mir_mimage_0", "MIRim0-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv2", 2)
        LINEAR_LV(
            "mir_mimage_1", "MIRim1-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv1",
            2) "rd {\nid = \"RAIDlv-aaaa-bbbb-cccc-dddd-eeee-ffffff\"\n"
               "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\nflags = []\nsegment_count = 1\n"
               "segment1 {\nstart_extent = 0\nextent_count = 2\ntype = \"raid1\"\ndevice_count = "
               "2\n"
               "region_size = 1024\n"
               "raids = [\"rd_rmeta_0\", \"rd_rimage_0\", \"rd_rmeta_1\", "
               "\"rd_rimage_1\"]\n}\n}\n" LINEAR_LV(
                   "rd_rmeta_0", "RDmt00-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv0", 12)
                   LINEAR_LV("rd_rmeta_1", "RDmt01-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv0", 14)
                       LINEAR_LV("rd_rimage_0", "RDim00-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv2", 2)
                           LINEAR_LV("rd_rimage_1", "RDim01-aaaa-bbbb-cccc-dddd-eeee-ffffff", "pv1",
                                     2) "weird {\nid = \"WEIRDl-aaaa-bbbb-cccc-dddd-eeee-ffffff\"\n"
                                        "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\nflags = "
                                        "[]\nsegment_count = 1\n"
                                        "segment1 {\nstart_extent = 0\nextent_count = 2\ntype = "
                                        "\"thin\"\nthin_pool = \"pool\"\n"
                                        "transaction_id = 1\ndevice_id = 1\n}\n}\n";

static void plan_to_file(fx_t *f, lr_scan_session_t *scan, const lr_vg_t *v, const char *lv,
                         const char *out, const char *via)
{
    lr_extract_plan_t *p = NULL;
    lr_error_t err;
    int rc = lr_extract_plan_vg(lr_scan_result(scan), v, lv, &p, &err);
    if (rc)
        fprintf(stderr, "plan %s: %s\n", lv, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(p->n_pieces, 1);
    assert_string_equal(p->pieces[0].via, via);
    assert_int_equal(lr_extract_run(lr_scan_result(scan), p, out, NULL, NULL, &err), 0);
    lr_extract_plan_free(p);
    (void)f;
}

static void hash_prefix(lr_scan_session_t *scan, const char *lv, uint64_t len, char out[65])
{
    int vg, ver;
    latest(scan, &vg, &ver);
    lr_extract_plan_t *p = NULL;
    assert_int_equal(lr_extract_plan(scan, (size_t)vg, (size_t)ver, lv, &p, NULL), 0);
    char *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(lr_extract_read(lr_scan_result(scan), p, buf, len, 0, NULL, NULL), 0);
    uint8_t d[LR_SHA256_LEN];
    lr_sha256(buf, len, d);
    lr_sha256_hex(d, out, LR_SHA256_HEX_LEN);
    free(buf);
    lr_extract_plan_free(p);
}

static void test_mirror_raid1_legs(void **state)
{
    fx_t *f = *state;
    char *text = latest_text(f->all);
    char *edited = insert_after(text, "logical_volumes {\n", extra_lvs);
    lr_vg_t *v = lr_test_vg_parse(edited);
    char out[512], got[65], want[65];
    snprintf(out, sizeof(out), "%s/leg.img", f->dir);

    /* all PVs present: the first leg (tail's first 2 MiB) */
    hash_prefix(f->all, "tail", 2u << 20, want);
    plan_to_file(f, f->all, v, "mir", out, "mir_mimage_0");
    assert_int_equal(lr_test_sha256_file(out, got), 0);
    assert_string_equal(got, want);
    unlink(out);
    plan_to_file(f, f->all, v, "rd", out, "rd_rimage_0");
    assert_int_equal(lr_test_sha256_file(out, got), 0);
    assert_string_equal(got, want);
    unlink(out);

    /* pv3.img missing: the second leg (= meta) */
    truth_hash("meta", want);
    plan_to_file(f, f->two, v, "mir", out, "mir_mimage_1");
    assert_int_equal(lr_test_sha256_file(out, got), 0);
    assert_string_equal(got, want);
    unlink(out);
    plan_to_file(f, f->two, v, "rd", out, "rd_rimage_1");
    assert_int_equal(lr_test_sha256_file(out, got), 0);
    assert_string_equal(got, want);
    unlink(out);

    /* unsupported type named in the refusal */
    lr_extract_plan_t *p = NULL;
    lr_error_t err;
    assert_int_equal(lr_extract_plan_vg(lr_scan_result(f->all), v, "weird", &p, &err), LR_EREFUSED);
    fprintf(stderr, "weird: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "'thin'"));
    assert_non_null(strstr(err.msg, "weird"));
    assert_null(p);
    lr_vg_free(v);
    free(edited);

    /* both legs on the missing PV */
    char *both = insert_after(text, "logical_volumes {\n",
                              "m2 {\nid = \"M2lv00-aaaa-bbbb-cccc-dddd-eeee-ffffff\"\n"
                              "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\nflags = []\n"
                              "segment_count = 1\nsegment1 {\nstart_extent = 0\n"
                              "extent_count = 1\ntype = \"mirror\"\nmirror_count = 2\n"
                              "mirrors = [\"pv2\", 10, \"pv2\", 12]\n}\n}\n");
    v = lr_test_vg_parse(both);
    assert_int_equal(lr_extract_plan_vg(lr_scan_result(f->two), v, "m2", &p, &err), LR_EREFUSED);
    fprintf(stderr, "m2: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "pv2"));
    /* with all PVs: old-style legs directly on PVs */
    assert_int_equal(lr_extract_plan_vg(lr_scan_result(f->all), v, "m2", &p, &err), 0);
    assert_int_equal(p->n_pieces, 1);
    assert_null(p->pieces[0].via);
    assert_int_equal(p->pieces[0].stripes[0].offset, 2048u * 512 + 10u * (1u << 20));
    lr_extract_plan_free(p);
    lr_vg_free(v);
    free(both);
    free(text);
    assert_int_equal(n_entries(f->dir), 0);
}

/* Hostile numbers in a version's map are refused, never wrapped. */
static void test_hostile_map(void **state)
{
    fx_t *f = *state;
    char *text = latest_text(f->all);
    static const struct {
        const char *anchor, *from, *to, *want;
    } cases[] = {
        {"\nstripe {", "stripe_size = 128", "stripe_size = 36028797018963968",
         "stripe_size does not divide the extent size"},
        {"\nstripe {", "stripe_size = 128", "stripe_size = 96",
         "stripe_size does not divide the extent size"},
        {"\ntail {", "\"pv2\", 2", "\"pv2\", 9007199254740993",
         "an area runs past its PV's pe_count"},
        {"\ntail {", "\"pv2\", 2", "\"pv2\", 21", "an area runs past its PV's pe_count"},
        {"\npv2 {", "pe_start = 2048", "pe_start = 36028797018963968",
         "an area runs past the end of its image"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *a = strstr(text, cases[i].anchor);
        assert_non_null(a);
        const char *p = strstr(a, cases[i].from);
        assert_non_null(p);
        size_t n = strlen(text) + strlen(cases[i].to) + 1;
        char *t = malloc(n);
        assert_non_null(t);
        snprintf(t, n, "%.*s%s%s", (int)(p - text), text, cases[i].to, p + strlen(cases[i].from));
        lr_vg_t *v = lr_test_vg_parse(t);
        const char *lv = strstr(cases[i].anchor, "stripe") ? "stripe" : "tail";
        lr_extract_plan_t *plan = NULL;
        lr_error_t err;
        int rc = lr_extract_plan_vg(lr_scan_result(f->all), v, lv, &plan, &err);
        fprintf(stderr, "hostile %zu: %d %s\n", i, rc, err.msg);
        assert_int_equal(rc, LR_EFORMAT);
        assert_non_null(strstr(err.msg, cases[i].want));
        assert_null(plan);
        lr_vg_free(v);
        free(t);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_self),          cmocka_unit_test(test_every_lv),
        cmocka_unit_test(test_handles_small_buffer), cmocka_unit_test(test_plan),
        cmocka_unit_test(test_missing_pv),           cmocka_unit_test(test_unknown_lv),
        cmocka_unit_test(test_output_rules),         cmocka_unit_test(test_mirror_raid1_legs),
        cmocka_unit_test(test_hostile_map),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
