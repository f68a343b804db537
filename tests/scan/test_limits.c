/* The limits documented in docs/limits.md: each one is accepted exactly up to
 * its documented value and refused one past it with LR_ELIMIT, the byte
 * offset of the item that crossed it, and a message naming the limit.
 * With LR_LIMITS_SCAN the scanner's copy limits (max_copies, max_text) are
 * checked too. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "lr/config.h"
#include "lr/error.h"
#include "lr/label.h"
#include "lr/meta.h"

#ifdef LR_LIMITS_SCAN
#include "lr/io.h"
#include "lr/scan.h"
#include "mem_io.h"
#endif

/* ---- a growable text buffer ------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n + 1 > cap)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    sb_put(b, tmp, (size_t)n);
}

static void sb_fill(sbuf_t *b, char c, size_t n)
{
    char chunk[4096];
    memset(chunk, c, sizeof(chunk));
    while (n) {
        size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
        sb_put(b, chunk, k);
        n -= k;
    }
}

/* ---- checks ------------------------------------------------------------ */

/* The error is LR_ELIMIT, at an offset in [lo, hi], and its message names
 * the limit (`value` as printed in docs/limits.md). */
static void assert_limit(int rc, const lr_error_t *err, uint64_t lo, uint64_t hi, const char *value)
{
    if (rc != LR_ELIMIT || err->offset < lo || err->offset > hi || !strstr(err->msg, value))
        fprintf(stderr, "rc %d offset %" PRIu64 " (want %" PRIu64 "..%" PRIu64 ") msg '%s'\n", rc,
                err->offset, lo, hi, err->msg);
    assert_int_equal(rc, LR_ELIMIT);
    assert_int_equal(err->code, LR_ELIMIT);
    assert_true(err->offset >= lo && err->offset <= hi);
    assert_non_null(strstr(err->msg, value));
}

static int cfg_parse(const sbuf_t *b, lr_error_t *err)
{
    lr_cfg_t *cfg = NULL;
    int rc = lr_cfg_parse(b->p, b->n, &cfg, err);
    if (rc == 0)
        assert_non_null(cfg);
    else
        assert_null(cfg);
    lr_cfg_free(cfg);
    return rc;
}

/* ---- config tree ------------------------------------------------------- */

/* `levels` nested sections; *last_key gets the offset of the innermost key. */
static void nested(sbuf_t *b, unsigned levels, size_t *last_key)
{
    for (unsigned i = 0; i < levels; i++) {
        *last_key = b->n;
        sb_printf(b, "s%u {\n", i);
    }
    sb_put(b, "k = 1\n", 6);
    for (unsigned i = 0; i < levels; i++)
        sb_put(b, "}\n", 2);
}

static void test_depth(void **state)
{
    (void)state;
    lr_error_t err;
    size_t key = 0;
    sbuf_t ok = {0};
    nested(&ok, LR_CFG_MAX_DEPTH, &key);
    assert_int_equal(cfg_parse(&ok, &err), 0);

    sbuf_t over = {0};
    nested(&over, LR_CFG_MAX_DEPTH + 1, &key);
    /* the 65th section: its key or its brace */
    assert_limit(cfg_parse(&over, &err), &err, key, key + strlen("s64 {"), "64");
    free(ok.p);
    free(over.p);
}

static void test_text_size(void **state)
{
    (void)state;
    lr_error_t err;
    sbuf_t b = {0};
    sb_put(&b, "a = 1\n", 6);
    sb_fill(&b, ' ', LR_CFG_MAX_TEXT + 1 - b.n);
    b.n = LR_CFG_MAX_TEXT;
    assert_int_equal(cfg_parse(&b, &err), 0);
    b.n = LR_CFG_MAX_TEXT + 1;
    /* the offset is the first byte over the limit */
    assert_limit(cfg_parse(&b, &err), &err, LR_CFG_MAX_TEXT, LR_CFG_MAX_TEXT, "67108864");
    free(b.p);
}

static void string_doc(sbuf_t *b, size_t len, size_t *quote)
{
    sb_put(b, "before = 1\ns = ", 15);
    *quote = b->n;
    sb_put(b, "\"", 1);
    sb_fill(b, 'A', len);
    sb_put(b, "\"\nafter = 2\n", 12);
}

static void test_string(void **state)
{
    (void)state;
    lr_error_t err;
    size_t q;
    sbuf_t ok = {0};
    string_doc(&ok, LR_CFG_MAX_STRING, &q);
    lr_cfg_t *cfg = NULL;
    assert_int_equal(lr_cfg_parse(ok.p, ok.n, &cfg, &err), 0);
    const char *s = NULL;
    assert_int_equal(lr_cfg_get_str(lr_cfg_root(cfg), "s", &s, &err), 0);
    assert_int_equal(strlen(s), LR_CFG_MAX_STRING);
    lr_cfg_free(cfg);

    sbuf_t over = {0};
    string_doc(&over, LR_CFG_MAX_STRING + 1, &q);
    assert_limit(cfg_parse(&over, &err), &err, q, q + LR_CFG_MAX_STRING + 2, "1048576");
    free(ok.p);
    free(over.p);
}

static void test_identifier(void **state)
{
    (void)state;
    lr_error_t err;
    sbuf_t ok = {0};
    sb_put(&ok, "x = 1\n", 6);
    sb_fill(&ok, 'k', LR_CFG_MAX_STRING);
    sb_put(&ok, " = 1\n", 5);
    assert_int_equal(cfg_parse(&ok, &err), 0);

    sbuf_t over = {0};
    sb_put(&over, "x = 1\n", 6);
    sb_fill(&over, 'k', LR_CFG_MAX_STRING + 1);
    sb_put(&over, " = 1\n", 5);
    assert_limit(cfg_parse(&over, &err), &err, 6, 6 + LR_CFG_MAX_STRING + 1, "1048576");
    free(ok.p);
    free(over.p);
}

/* An array of n items; *last gets the offset of the last item. */
static void array_doc(sbuf_t *b, size_t n, size_t *last)
{
    sb_put(b, "arr = [", 7);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_put(b, ", ", 2);
        *last = b->n;
        sb_put(b, "7", 1);
    }
    sb_put(b, "]\n", 2);
}

static void test_array(void **state)
{
    (void)state;
    lr_error_t err;
    size_t last = 0;
    sbuf_t ok = {0};
    array_doc(&ok, LR_CFG_MAX_ARRAY, &last);
    lr_cfg_t *cfg = NULL;
    assert_int_equal(lr_cfg_parse(ok.p, ok.n, &cfg, &err), 0);
    const lr_cfg_value_t *v = lr_cfg_value(lr_cfg_find(lr_cfg_root(cfg), "arr"));
    assert_non_null(v);
    assert_int_equal(v->n_items, LR_CFG_MAX_ARRAY);
    lr_cfg_free(cfg);

    sbuf_t over = {0};
    array_doc(&over, LR_CFG_MAX_ARRAY + 1, &last);
    assert_limit(cfg_parse(&over, &err), &err, last, last + 1, "65536");
    free(ok.p);
    free(over.p);
}

static void test_nodes(void **state)
{
    (void)state;
    lr_error_t err;
    sbuf_t b = {0};
    size_t last = 0;
    for (size_t i = 0; i < (size_t)LR_CFG_MAX_NODES + 1; i++) {
        last = b.n;
        sb_put(&b, "a=1\n", 4);
    }
    size_t full = b.n;
    b.n = last; /* exactly LR_CFG_MAX_NODES key = value nodes */
    assert_int_equal(cfg_parse(&b, &err), 0);
    b.n = full;
    assert_limit(cfg_parse(&b, &err), &err, last, last + 1, "1000000");
    free(b.p);
}

static void test_number_length(void **state)
{
    (void)state;
    lr_error_t err;
    sbuf_t ok = {0};
    sb_put(&ok, "n = ", 4);
    sb_fill(&ok, '0', 4096);
    sb_put(&ok, "\n", 1);
    assert_int_equal(cfg_parse(&ok, &err), 0);

    sbuf_t over = {0};
    sb_put(&over, "n = ", 4);
    sb_fill(&over, '0', 4097);
    sb_put(&over, "\n", 1);
    assert_limit(cfg_parse(&over, &err), &err, 4, 4 + 4097, "4096");
    free(ok.p);
    free(over.p);
}

/* Not a limit but documented beside them: integers beyond 64 bits. */
static void test_integer_range(void **state)
{
    (void)state;
    lr_error_t err;
    lr_cfg_t *cfg = NULL;
    static const char max[] = "a = 1\nn = 9223372036854775807\n";
    assert_int_equal(lr_cfg_parse(max, strlen(max), &cfg, &err), 0);
    lr_cfg_free(cfg);
    static const char over[] = "a = 1\nn = 18446744073709551616\n";
    cfg = NULL;
    assert_int_equal(lr_cfg_parse(over, strlen(over), &cfg, &err), LR_ERANGE);
    assert_int_equal(err.offset, 10);
    assert_null(cfg);
}

/* ---- typed VG view ----------------------------------------------------- */

static void vg_head(sbuf_t *b)
{
    sb_put(b,
           "vg {\nid = \"aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa\"\nseqno = 1\n"
           "format = \"lvm2\"\nstatus = [\"READ\", \"WRITE\"]\nextent_size = 8192\n",
           strlen("vg {\nid = \"aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa\"\nseqno = 1\n"
                  "format = \"lvm2\"\nstatus = [\"READ\", \"WRITE\"]\nextent_size = 8192\n"));
}

/* A VG with n PVs; *last gets the offset of the last PV's key. */
static void pvs_doc(sbuf_t *b, size_t n, size_t *last)
{
    vg_head(b);
    sb_put(b, "physical_volumes {\n", 19);
    for (size_t i = 0; i < n; i++) {
        *last = b->n;
        sb_printf(b, "pv%zu {\nid = \"%032zu\"\npe_start = 2048\npe_count = 10\n}\n", i, i);
    }
    sb_put(b, "}\n}\n", 4);
}

static void test_pvs(void **state)
{
    (void)state;
    lr_error_t err;
    size_t last = 0;
    sbuf_t ok = {0};
    pvs_doc(&ok, LR_META_MAX_PVS, &last);
    lr_vg_t *vg = NULL;
    int rc = lr_vg_parse(ok.p, ok.n, &vg, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(vg->n_pvs, LR_META_MAX_PVS);
    lr_vg_free(vg);

    sbuf_t over = {0};
    pvs_doc(&over, LR_META_MAX_PVS + 1, &last);
    vg = NULL;
    rc = lr_vg_parse(over.p, over.n, &vg, &err);
    assert_null(vg);
    assert_limit(rc, &err, last, last + strlen("pv4096 {"), "4096");
    free(ok.p);
    free(over.p);
}

static void one_pv(sbuf_t *b)
{
    sb_put(b,
           "physical_volumes {\npv0 {\nid = \"bbbbbb-bbbb-bbbb-bbbb-bbbb-bbbb-bbbbbb\"\n"
           "pe_start = 2048\npe_count = 10\n}\n}\n",
           strlen("physical_volumes {\npv0 {\nid = \"bbbbbb-bbbb-bbbb-bbbb-bbbb-bbbb-bbbbbb\"\n"
                  "pe_start = 2048\npe_count = 10\n}\n}\n"));
}

/* A VG with n LVs of one "zero" segment each. */
static void lvs_doc(sbuf_t *b, size_t n, size_t *last)
{
    vg_head(b);
    one_pv(b);
    sb_put(b, "logical_volumes {\n", 18);
    for (size_t i = 0; i < n; i++) {
        *last = b->n;
        sb_printf(b,
                  "lv%zu {\nid = \"%032zu\"\nstatus = [\"READ\", \"VISIBLE\"]\nsegment_count = 1\n"
                  "segment1 {\nstart_extent = 0\nextent_count = 1\ntype = \"zero\"\n}\n}\n",
                  i, i);
    }
    sb_put(b, "}\n}\n", 4);
}

static void test_lvs(void **state)
{
    (void)state;
    lr_error_t err;
    size_t last = 0;
    sbuf_t ok = {0};
    lvs_doc(&ok, LR_META_MAX_LVS, &last);
    lr_vg_t *vg = NULL;
    int rc = lr_vg_parse(ok.p, ok.n, &vg, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(vg->n_lvs, LR_META_MAX_LVS);
    lr_vg_free(vg);

    sbuf_t over = {0};
    lvs_doc(&over, LR_META_MAX_LVS + 1, &last);
    vg = NULL;
    rc = lr_vg_parse(over.p, over.n, &vg, &err);
    assert_null(vg);
    assert_limit(rc, &err, last, last + strlen("lv65536 {"), "65536");
    free(ok.p);
    free(over.p);
}

/* One LV with n segments. */
static void segs_doc(sbuf_t *b, size_t n, size_t *last)
{
    vg_head(b);
    one_pv(b);
    sb_printf(b,
              "logical_volumes {\nlv {\nid = \"cccccc-cccc-cccc-cccc-cccc-cccc-cccccc\"\n"
              "status = [\"READ\", \"VISIBLE\"]\nsegment_count = %zu\n",
              n);
    for (size_t i = 0; i < n; i++) {
        *last = b->n;
        sb_printf(b, "segment%zu {\nstart_extent = %zu\nextent_count = 1\ntype = \"zero\"\n}\n",
                  i + 1, i);
    }
    sb_put(b, "}\n}\n}\n", 6);
}

static void test_segments(void **state)
{
    (void)state;
    lr_error_t err;
    size_t last = 0;
    sbuf_t ok = {0};
    segs_doc(&ok, LR_META_MAX_SEGS, &last);
    lr_vg_t *vg = NULL;
    int rc = lr_vg_parse(ok.p, ok.n, &vg, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(vg->n_lvs, 1);
    assert_int_equal(vg->lvs[0].n_segs, LR_META_MAX_SEGS);
    lr_vg_free(vg);

    sbuf_t over = {0};
    segs_doc(&over, LR_META_MAX_SEGS + 1, &last);
    vg = NULL;
    rc = lr_vg_parse(over.p, over.n, &vg, &err);
    assert_null(vg);
    assert_limit(rc, &err, last, last + strlen("segment65537 {"), "65536");
    free(ok.p);
    free(over.p);
}

/* ---- label lists ------------------------------------------------------- */

/* A label sector (sector 1) with n metadata areas; *entry gets the offset
 * of the last entry. */
static void label_with_mdas(uint8_t *s, size_t n, size_t *entry)
{
    lr_label_t l;
    memset(&l, 0, sizeof(l));
    l.sector = 1;
    l.offset = 32;
    memcpy(l.type, LR_LABEL_TYPE, 8);
    memcpy(l.pv_uuid, "0123456789abcdefghijABCDEFGHIJ01", 32);
    l.device_size = 64u << 20;
    l.n_data = 1;
    l.data[0].offset = 1u << 20;
    l.n_mda = 1;
    l.mda[0] = (lr_disk_locn_t){4096, 4096};
    lr_error_t err;
    assert_int_equal(lr_label_build(&l, s, 512, &err), 0);
    /* rewrite the metadata list by hand: data area, terminator, n areas */
    size_t pos = 32 + 40 + 16 + 16;
    for (size_t i = 0; i < n; i++) {
        *entry = pos;
        lr_test_put_le64(s + pos, 4096 + 4096 * i);
        lr_test_put_le64(s + pos + 8, 4096);
        pos += 16;
    }
    memset(s + pos, 0, 512 - pos);
}

static void test_label_lists(void **state)
{
    (void)state;
    uint8_t s[512];
    size_t entry = 0;
    lr_label_t l;
    lr_error_t err;
    label_with_mdas(s, LR_LABEL_MAX_LOCN, &entry);
    assert_int_equal(lr_label_parse(s, sizeof(s), 1, &l, &err), 0);
    assert_int_equal(l.n_mda, LR_LABEL_MAX_LOCN);

    label_with_mdas(s, LR_LABEL_MAX_LOCN + 1, &entry);
    assert_limit(lr_label_parse(s, sizeof(s), 1, &l, &err), &err, entry, entry, "8");
}

/* ---- docs/limits.md states the headers' values -------------------------- */

typedef struct documented {
    const char *name;
    unsigned long long value;
} documented_t;

static void test_doc_matches_headers(void **state)
{
    (void)state;
    static const documented_t limits[] = {
        {"LR_CFG_MAX_TEXT", LR_CFG_MAX_TEXT},
        {"LR_CFG_MAX_DEPTH", LR_CFG_MAX_DEPTH},
        {"LR_CFG_MAX_STRING", LR_CFG_MAX_STRING},
        {"LR_CFG_MAX_ARRAY", LR_CFG_MAX_ARRAY},
        {"LR_CFG_MAX_NODES", LR_CFG_MAX_NODES},
        {"LR_META_MAX_PVS", LR_META_MAX_PVS},
        {"LR_META_MAX_LVS", LR_META_MAX_LVS},
        {"LR_META_MAX_SEGS", LR_META_MAX_SEGS},
        {"LR_LABEL_MAX_LOCN", LR_LABEL_MAX_LOCN},
        {"LR_MDA_MAX_LOCN", LR_MDA_MAX_LOCN},
#ifdef LR_LIMITS_SCAN
        {"LR_SCAN_DEFAULT_MAX_TEXT", LR_SCAN_DEFAULT_MAX_TEXT},
        {"LR_SCAN_DEFAULT_MAX_COPIES", LR_SCAN_DEFAULT_MAX_COPIES},
        {"LR_SCAN_MAX_ITEMS", LR_SCAN_MAX_ITEMS},
        {"LR_SCAN_DEFAULT_BUFFER", LR_SCAN_DEFAULT_BUFFER},
        {"LR_SCAN_MAX_DESCRIPTION", LR_SCAN_MAX_DESCRIPTION},
        {"LR_SCAN_MAX_HOST", LR_SCAN_MAX_HOST},
        {"LR_SCAN_MAX_PARSE_ERROR", LR_SCAN_MAX_PARSE_ERROR},
        {"LR_SCAN_MAX_PARTIAL_PARSE", LR_SCAN_MAX_PARTIAL_PARSE},
        {"LR_SCAN_MAX_LABELS", LR_SCAN_MAX_LABELS},
        {"LR_SCAN_MAX_HEADERS", LR_SCAN_MAX_HEADERS},
        {"LR_SCAN_MAX_AREAS", LR_SCAN_MAX_AREAS},
        {"LR_SCAN_MAX_INFER", LR_SCAN_MAX_INFER},
#endif
    };
    char *doc = lr_test_slurp(LR_FIXTURES "/../docs/limits.md", NULL);
    assert_non_null(doc);
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        char pat[96];
        snprintf(pat, sizeof(pat), "| `%s` | ", limits[i].name);
        const char *row = strstr(doc, pat);
        if (!row)
            fprintf(stderr, "docs/limits.md has no row for %s\n", limits[i].name);
        assert_non_null(row);
        unsigned long long v = strtoull(row + strlen(pat), NULL, 10);
        if (v != limits[i].value)
            fprintf(stderr, "docs/limits.md says %s = %llu, the header %llu\n", limits[i].name, v,
                    limits[i].value);
        assert_true(v == limits[i].value);
    }
    free(doc);
}

/* ---- scanner ----------------------------------------------------------- */

#ifdef LR_LIMITS_SCAN

/* An image with `n` orphan copies of VG vgl, one every 4 KiB, each `len`
 * bytes of text plus its NUL, ending as LVM2 ends a copy (its creation_time
 * line) so that a whole one is not taken for a torn write. */
static lr_io_t *copies_image(size_t n, size_t len)
{
    size_t stride = (len + 1 + 4095) / 4096 * 4096;
    size_t size = 4096 + n * stride;
    uint8_t *img = calloc(1, size);
    assert_non_null(img);
    for (size_t i = 0; i < n; i++) {
        char *t = (char *)img + 4096 + i * stride;
        int h = snprintf(t, len + 1,
                         "vgl {\nid = \"dddddd-dddd-dddd-dddd-dddd-dddd-dddddd\"\nseqno = %zu\n",
                         i + 1);
        assert_true(h > 0 && (size_t)h < len);
        static const char tail[] = "\n}\ncreation_time = 1700000000\n";
        assert_true((size_t)h + sizeof(tail) < len);
        for (size_t k = (size_t)h; k < len; k++)
            t[k] = (k % 64 == 63) ? '\n' : '#';
        memcpy(t + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
        t[len] = '\0';
    }
    lr_io_t *io = NULL;
    lr_error_t err;
    assert_int_equal(lr_test_mem_io(&io, NULL, img, size, 0, false, "limits.img", &err), 0);
    free(img);
    return io;
}

static void test_scan_max_copies(void **state)
{
    (void)state;
    lr_io_t *io = copies_image(12, 600);
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_copies, 12);
    assert_false(s->truncated);
    lr_scan_session_free(s_ss);

    lr_scan_opts_t opts = {.max_copies = 5};
    assert_int_equal(lr_scan_ios(&io, 1, &opts, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_copies, 5);
    assert_true(s->truncated);
    lr_scan_session_free(s_ss);
    lr_io_close(io, NULL);
}

static void test_scan_max_text(void **state)
{
    (void)state;
    lr_io_t *io = copies_image(1, 20000);
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_copies, 1);
    assert_int_equal(s->copies[0].length, 20001);
    assert_false(s->copies[0].partial);
    lr_scan_session_free(s_ss);

    /* a copy longer than max_text is read up to max_text and is partial */
    lr_scan_opts_t opts = {.max_text = 8192};
    assert_int_equal(lr_scan_ios(&io, 1, &opts, &s_ss, &err), 0);
    s = lr_scan_result(s_ss);
    assert_int_equal(s->n_copies, 1);
    assert_true(s->copies[0].length <= 8192);
    assert_true(s->copies[0].partial);
    assert_false(s->copies[0].parse_ok);
    lr_scan_session_free(s_ss);
    lr_io_close(io, NULL);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_text_size),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_identifier),
        cmocka_unit_test(test_array),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_number_length),
        cmocka_unit_test(test_integer_range),
        cmocka_unit_test(test_pvs),
        cmocka_unit_test(test_lvs),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_label_lists),
        cmocka_unit_test(test_doc_matches_headers),
#ifdef LR_LIMITS_SCAN
        cmocka_unit_test(test_scan_max_copies),
        cmocka_unit_test(test_scan_max_text),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
