/* lr_diff at every depth, on texts written by real LVM2 (tests/data/segtypes.raw:
 * raid1, mirror, thin-pool, thin; the history and three-pv fixtures):
 * nested VG sections (historical_logical_volumes, unknown sections),
 * segment settings reported as settings (never "segments moved"), renames
 * of LVs other LVs name (raid images, pools) reported as renames only, and
 * a property test: for random edits of the trees (add, remove or change a
 * key or a section at any depth) the diff is empty exactly when the two
 * texts are equal apart from the per-version header fields. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/diff.h"
#include "lr/scan.h"
#include "lr/strbuf.h"
#include "support.h"
#include "text_support.h"

/* ---- helpers -------------------------------------------------------------- */

/* Replaces every occurrence of `from` with `to`. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    const char *p = text, *q;
    size_t n = 0;
    while ((q = strstr(p, from))) {
        lr_strbuf_printf(&b, "%.*s%s", (int)(q - p), p, to);
        p = q + strlen(from);
        n++;
    }
    assert_true(n > 0);
    lr_strbuf_puts(&b, p);
    char *s = lr_strbuf_take(&b, NULL);
    assert_non_null(s);
    return s;
}

/* Replaces the first `from` after `anchor` (which must be there). */
static char *edit_at(char *text, const char *anchor, const char *from, const char *to)
{
    const char *a = strstr(text, anchor);
    assert_non_null(a);
    const char *p = strstr(a, from);
    assert_non_null(p);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    char *s = lr_strbuf_take(&b, NULL);
    assert_non_null(s);
    free(text);
    return s;
}

static char *segtypes(void)
{
    size_t len;
    char *t = lr_test_data("segtypes.raw", &len);
    assert_non_null(t);
    return t;
}

static lr_diff_t *diff_texts(const char *ta, const char *tb)
{
    lr_vg_t *a = lr_test_vg_parse(ta), *b = lr_test_vg_parse(tb);
    lr_diff_t *d = NULL;
    assert_int_equal(lr_diff_vgs(a, b, &d, NULL), 0);
    for (size_t i = 0; i < d->n_changes; i++)
        fprintf(stderr, "  %s\n", d->changes[i].text);
    lr_vg_free(a);
    lr_vg_free(b);
    return d;
}

static const lr_diff_change_t *find_field(const lr_diff_t *d, const char *name, const char *field)
{
    for (size_t i = 0; i < d->n_changes; i++) {
        const lr_diff_change_t *c = &d->changes[i];
        if (strcmp(c->name, name) == 0 && c->field && strcmp(c->field, field) == 0)
            return c;
    }
    return NULL;
}

static size_t count_kind(const lr_diff_t *d, lr_diff_kind_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_changes; i++)
        n += d->changes[i].kind == kind;
    return n;
}

static void expect_change(const lr_diff_t *d, const char *name, const char *field, const char *ov,
                          const char *nv)
{
    const lr_diff_change_t *c = find_field(d, name, field);
    if (!c)
        fail_msg("no change of %s %s", name, field);
    assert_int_equal(c->kind, LR_DIFF_CHANGED);
    if (ov)
        assert_string_equal(c->old_value, ov);
    else
        assert_null(c->old_value);
    if (nv)
        assert_string_equal(c->new_value, nv);
    else
        assert_null(c->new_value);
}

static bool json_has(const lr_diff_t *d, const char *needle)
{
    char *json = NULL;
    assert_int_equal(lr_diff_format_json(d, &json, NULL), 0);
    bool has = strstr(json, needle) != NULL;
    free(json);
    return has;
}

/* ---- nested VG sections ------------------------------------------------------ */

static const char hlv[] = "\nhistorical_logical_volumes {\n\nlvol9 {\n"
                          "id = \"hhhhhh-hhhh-hhhh-hhhh-hhhh-hhhh-hhhhh1\"\n"
                          "creation_time = 1795593000\nremoval_time = 1795593100\n}\n}\n"
                          "\nlogical_volumes {";

static void test_nested_vg_sections(void **state)
{
    (void)state;
    char *a = segtypes();
    /* a historical LV appears (LVM2 keeps one after removing a thin LV) */
    char *t1 = replace_all(a, "\nlogical_volumes {", hlv);
    lr_diff_t *d = diff_texts(a, t1);
    assert_int_equal(d->n_changes, 1);
    expect_change(d, "vgt", "historical_logical_volumes", NULL,
                  "{ lvol9 { id = hhhhhh-hhhh-hhhh-hhhh-hhhh-hhhh-hhhhh1; creation_time = "
                  "1795593000; removal_time = 1795593100 } }");
    assert_true(json_has(d, "\"field\":\"historical_logical_volumes\""));
    lr_diff_free(d);

    /* one key deep inside changes; an unknown VG-level section appears */
    char *t2 = replace_all(t1, "removal_time = 1795593100", "removal_time = 1795593200");
    char *t3 = replace_all(t2, "\nlogical_volumes {",
                           "\nfuture_thing {\nlevel = 2\n}\n"
                           "\nlogical_volumes {");
    d = diff_texts(t1, t3);
    assert_int_equal(d->n_changes, 2);
    expect_change(d, "vgt", "historical_logical_volumes.lvol9.removal_time", "1795593100",
                  "1795593200");
    expect_change(d, "vgt", "future_thing", NULL, "{ level = 2 }");
    assert_true(json_has(d, "\"field\":\"historical_logical_volumes.lvol9.removal_time\""));
    lr_diff_free(d);

    /* and back: removal is reported too */
    d = diff_texts(t3, a);
    assert_int_equal(d->n_changes, 2);
    expect_change(d, "vgt", "future_thing", "{ level = 2 }", NULL);
    lr_diff_free(d);
    free(a);
    free(t1);
    free(t2);
    free(t3);
}

/* ---- segment settings -------------------------------------------------------- */

static void test_segment_settings(void **state)
{
    (void)state;
    char *a = segtypes();
    char *b = strdup(a);
    b = edit_at(b, "\nr1 {", "region_size = 1024", "region_size = 512");
    b = edit_at(b, "\nm {", "region_size = 1024", "region_size = 2048");
    b = edit_at(b, "\npool {", "transaction_id = 1", "transaction_id = 2");
    b = edit_at(b, "\npool {", "discards = \"passdown\"",
                "discards = \"nopassdown\"\n\nmessage1 {\ncreate = \"thin2\"\n}");
    b = edit_at(b, "\nthin1 {", "device_id = 1", "device_id = 1\nfuture_key = \"x\"");
    b = edit_at(b, "\nstr {", "stripe_size = 128", "stripe_size = 256");
    lr_diff_t *d = diff_texts(a, b);
    assert_int_equal(count_kind(d, LR_DIFF_MOVED), 0);
    assert_int_equal(count_kind(d, LR_DIFF_RETYPED), 0);
    expect_change(d, "r1", "region_size", "1024", "512");
    expect_change(d, "m", "region_size", "1024", "2048");
    expect_change(d, "pool", "transaction_id", "1", "2");
    expect_change(d, "pool", "discards", "passdown", "nopassdown");
    expect_change(d, "pool", "message1", NULL, "{ create = thin2 }");
    expect_change(d, "thin1", "future_key", NULL, "x");
    expect_change(d, "str", "stripe_size", "128", "256");
    assert_int_equal(d->n_changes, 7);
    const lr_diff_change_t *c = find_field(d, "r1", "region_size");
    assert_string_equal(c->text, "LV r1: region_size: 1024 -> 512");
    lr_diff_free(d);
    free(a);
    free(b);
}

/* A cache pool's policy_settings (a section inside the segment). */
static void test_policy_settings(void **state)
{
    (void)state;
    char *base = segtypes();
    char *a = edit_at(strdup(base), "\npool {", "discards = \"passdown\"",
                      "discards = \"passdown\"\npolicy = \"smq\"\n"
                      "policy_settings {\nmigration_threshold = 4096\n}");
    char *b = replace_all(a, "migration_threshold = 4096", "migration_threshold = 8192");
    lr_diff_t *d = diff_texts(a, b);
    assert_int_equal(d->n_changes, 1);
    expect_change(d, "pool", "policy_settings.migration_threshold", "4096", "8192");
    assert_string_equal(d->changes[0].text,
                        "LV pool: policy_settings.migration_threshold: 4096 -> 8192");
    lr_diff_free(d);
    free(base);
    free(a);
    free(b);
}

/* ---- renames ------------------------------------------------------------------ */

/* lvrename of a raid1 renames its images and metadata LVs with it; renaming
 * a thin pool renames its _tmeta/_tdata and the thin LVs name the pool: only
 * renames, no "moved" line and no setting change for any relative. */
static void test_rename_relatives(void **state)
{
    (void)state;
    char *a = segtypes();
    char *b = replace_all(a, "\"r1_r", "\"rr_r");
    char *t = b;
    b = replace_all(t, "\nr1_r", "\nrr_r");
    free(t);
    b = edit_at(b, "logical_volumes {", "\nr1 {", "\nrr {");
    t = b;
    b = replace_all(t, "\"pool_t", "\"tp_t");
    free(t);
    t = b;
    b = replace_all(t, "\npool_t", "\ntp_t");
    free(t);
    b = edit_at(b, "logical_volumes {", "\npool {", "\ntp {");
    b = edit_at(b, "\nthin1 {", "thin_pool = \"pool\"", "thin_pool = \"tp\"");
    t = b;
    b = replace_all(t, "\"m_m", "\"mm_m");
    free(t);
    t = b;
    b = replace_all(t, "\nm_m", "\nmm_m");
    free(t);
    lr_diff_t *d = diff_texts(a, b);
    /* r1 + 4 sub-LVs, pool + 2, the mirror's 3 sub-LVs (not m itself) */
    assert_int_equal(count_kind(d, LR_DIFF_RENAMED), 11);
    assert_int_equal(d->n_changes, 11);
    lr_diff_free(d);
    free(a);
    free(b);
}

/* A real move of a raid image is still a move, of that image. */
static void test_rename_and_move(void **state)
{
    (void)state;
    char *a = segtypes();
    char *b = edit_at(strdup(a), "\nr1_rimage_1 {", "\"pv1\", 3", "\"pv1\", 9");
    lr_diff_t *d = diff_texts(a, b);
    assert_int_equal(d->n_changes, 1);
    assert_int_equal(d->changes[0].kind, LR_DIFF_MOVED);
    assert_string_equal(d->changes[0].name, "r1_rimage_1");
    lr_diff_free(d);
    free(a);
    free(b);
}

/* ---- property test ------------------------------------------------------------- */

/* An independent rendering of a tree as text, node by node, leaving out
 * what a version owns alone (the VG's seqno, the header's description and
 * creation fields) and empty lists (LVM2 does not write them): two trees
 * render the same exactly when they say the same. */
static void canon(lr_strbuf_t *b, const lr_cfg_node_t *sec, int depth, const lr_cfg_node_t *vg)
{
    for (const lr_cfg_node_t *n = lr_cfg_child(sec); n; n = lr_cfg_next(n)) {
        const char *key = lr_cfg_key(n);
        if (depth == 0 && (strcmp(key, "description") == 0 || strcmp(key, "creation_host") == 0 ||
                           strcmp(key, "creation_time") == 0))
            continue;
        if (sec == vg && strcmp(key, "seqno") == 0)
            continue;
        if (lr_cfg_node_type(n) == LR_CFG_SECTION) {
            lr_strbuf_printf(b, "%s{", key);
            canon(b, n, depth + 1, vg);
            lr_strbuf_puts(b, "}");
            continue;
        }
        const lr_cfg_value_t *v = lr_cfg_value(n);
        if (v->type == LR_CFG_ARRAY && v->n_items == 0)
            continue;
        lr_strbuf_printf(b, "%s=", key);
        size_t k = v->type == LR_CFG_ARRAY ? v->n_items : 1;
        for (size_t i = 0; i < k; i++) {
            const lr_cfg_value_t *it = v->type == LR_CFG_ARRAY ? &v->items[i] : v;
            if (it->type == LR_CFG_INT)
                lr_strbuf_printf(b, "i%lld,", (long long)it->i);
            else if (it->type == LR_CFG_STRING)
                lr_strbuf_printf(b, "s%zu:%s,", strlen(it->s), it->s);
            else
                lr_strbuf_printf(b, "f%a,", it->f);
        }
        lr_strbuf_printf(b, "%s;", v->type == LR_CFG_ARRAY ? "[]" : "");
    }
}

static char *canon_text(const char *text)
{
    lr_cfg_t *cfg = NULL;
    assert_int_equal(lr_cfg_parse(text, strlen(text), &cfg, NULL), 0);
    const lr_cfg_node_t *root = lr_cfg_root(cfg), *vg = lr_cfg_child(root);
    while (vg && lr_cfg_node_type(vg) != LR_CFG_SECTION)
        vg = lr_cfg_next(vg);
    lr_strbuf_t b = LR_STRBUF_INIT;
    canon(&b, root, 0, vg);
    lr_cfg_free(cfg);
    char *s = lr_strbuf_take(&b, NULL);
    assert_non_null(s);
    return s;
}

static void collect(lr_cfg_node_t *sec, lr_cfg_node_t **v, size_t *n, size_t max)
{
    for (lr_cfg_node_t *c = lr_cfg_child(sec); c && *n < max; c = lr_cfg_next(c)) {
        v[(*n)++] = c;
        if (lr_cfg_node_type(c) == LR_CFG_SECTION)
            collect(c, v, n, max);
    }
}

/* xorshift: a fixed sequence, so a failure repeats. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* One random edit of a random node; returns what it did, for messages. */
static const char *random_edit(lr_cfg_t *cfg, uint64_t *seed, int iter)
{
    enum { MAXN = 4096 };
    static lr_cfg_node_t *nodes[MAXN];
    size_t n = 0;
    collect(lr_cfg_root(cfg), nodes, &n, MAXN);
    lr_cfg_node_t *node = nodes[rnd(seed) % n];
    lr_cfg_node_t *sec = lr_cfg_node_type(node) == LR_CFG_SECTION ? node : lr_cfg_parent(node);
    char key[32];
    snprintf(key, sizeof(key), "zz_%d", iter);
    switch (rnd(seed) % 8) {
    case 0:
        lr_cfg_remove(node);
        return "remove";
    case 1:
        assert_int_equal(lr_cfg_set_int(sec, key, (int64_t)(rnd(seed) % 5), NULL), 0);
        return "add key";
    case 2: {
        lr_cfg_node_t *s = NULL;
        assert_int_equal(lr_cfg_add_section(sec, key, &s, NULL), 0);
        if (rnd(seed) % 2)
            assert_int_equal(lr_cfg_set_str(s, "k", "v", NULL), 0);
        return "add section";
    }
    default:
        break;
    }
    if (lr_cfg_node_type(node) == LR_CFG_SECTION)
        return "none";
    const lr_cfg_value_t *v = lr_cfg_value(node);
    char *k = strdup(lr_cfg_key(node));
    assert_non_null(k);
    const char *what = "change";
    switch (rnd(seed) % 5) {
    case 0: /* the same value again, written anew */
        if (v->type == LR_CFG_INT)
            assert_int_equal(lr_cfg_set_int(sec, k, v->i, NULL), 0);
        what = "same value";
        break;
    case 1:
        assert_int_equal(lr_cfg_set_int(sec, k, (int64_t)(rnd(seed) % 3), NULL), 0);
        break;
    case 2:
        assert_int_equal(lr_cfg_set_str(sec, k, rnd(seed) % 2 ? "x" : "pv0", NULL), 0);
        break;
    case 3: {
        const char *items[] = {"READ", "x"};
        assert_int_equal(lr_cfg_set_strings(sec, k, items, rnd(seed) % 3, NULL), 0);
        break;
    }
    default:
        if (v->type == LR_CFG_INT)
            assert_int_equal(lr_cfg_set_int(sec, k, v->i + 1, NULL), 0);
        break;
    }
    free(k);
    return what;
}

static void property_on(const char *name, const char *text, int rounds, uint64_t seed)
{
    char *ca = canon_text(text);
    lr_vg_t *a = lr_test_vg_parse(text);
    int tried = 0, empty = 0;
    for (int i = 0; i < rounds; i++) {
        lr_cfg_t *cfg = NULL;
        assert_int_equal(lr_cfg_parse(text, strlen(text), &cfg, NULL), 0);
        int edits = 1 + (int)(rnd(&seed) % 2);
        const char *what = "";
        for (int e = 0; e < edits; e++)
            what = random_edit(cfg, &seed, i * 4 + e);
        char *out = NULL;
        size_t len;
        assert_int_equal(lr_cfg_write(cfg, &out, &len, NULL), 0);
        lr_cfg_free(cfg);
        lr_vg_t *b = NULL;
        if (lr_vg_parse(out, len, &b, NULL) != 0) {
            free(out); /* an edit LVM2 would not read either: no version */
            continue;
        }
        tried++;
        char *cb = canon_text(out);
        lr_diff_t *d = NULL;
        assert_int_equal(lr_diff_vgs(a, b, &d, NULL), 0);
        bool same = strcmp(ca, cb) == 0;
        empty += same;
        if (same != (d->n_changes == 0)) {
            fprintf(stderr, "%s round %d (%s): texts %s, %zu changes\n%s\n", name, i, what,
                    same ? "equal" : "differ", d->n_changes, out);
            for (size_t c = 0; c < d->n_changes; c++)
                fprintf(stderr, "  %s\n", d->changes[c].text);
            size_t at = 0;
            while (ca[at] && ca[at] == cb[at])
                at++;
            fprintf(stderr, "first difference: old ...%.60s\nnew ...%.60s\n",
                    ca + (at > 30 ? at - 30 : 0), cb + (at > 30 ? at - 30 : 0));
            fail_msg("diff and text disagree");
        }
        /* and the other way round */
        lr_diff_t *r = NULL;
        assert_int_equal(lr_diff_vgs(b, a, &r, NULL), 0);
        assert_int_equal(r->n_changes == 0, same);
        lr_diff_free(r);
        lr_diff_free(d);
        lr_vg_free(b);
        free(cb);
        free(out);
    }
    fprintf(stderr, "%s: %d edited versions compared, %d equal\n", name, tried, empty);
    /* the edits must reach both outcomes, or the property says nothing */
    assert_true(tried > rounds / 4);
    assert_true(empty > 0 && empty < tried);
    lr_vg_free(a);
    free(ca);
}

static void test_property(void **state)
{
    (void)state;
    char *t = segtypes();
    property_on("segtypes", t, 1500, 0x9e3779b97f4a7c15ull);
    free(t);
    char path[512];
    const char *img = lr_test_path(path, sizeof(path), "history", "disk.img.gz");
    lr_scan_session_t *s = NULL;
    assert_int_equal(lr_scan_paths(&img, 1, NULL, &s, NULL), 0);
    const lr_scan_t *r = lr_scan_result(s);
    for (size_t v = 0; v < r->vgs[0].n_versions; v += 5) {
        char *text = NULL;
        size_t len;
        if (lr_scan_version_text(s, 0, v, &text, &len, NULL) != 0)
            continue;
        property_on("history", text, 300, 0x1234567ull + v);
        free(text);
    }
    lr_scan_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_vg_sections), cmocka_unit_test(test_segment_settings),
        cmocka_unit_test(test_policy_settings),    cmocka_unit_test(test_rename_relatives),
        cmocka_unit_test(test_rename_and_move),    cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
