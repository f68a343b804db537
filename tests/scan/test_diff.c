/* lr_diff on versions written by real LVM2: the history fixture (create,
 * extend, reduce, rename, tags, permission, remove) and three-pv (stripes,
 * multi-PV extend, rename). Also synthetic edits of real texts for moves
 * and retypes, and JSON validity. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/diff.h"
#include "lr/scan.h"
#include "support.h"
#include "text_support.h"

typedef struct fx {
    lr_scan_session_t *history;
    lr_scan_session_t *three;
} fx_t;

static lr_scan_session_t *scan_fixture(const char *fixture, const char *const *imgs, size_t n)
{
    char paths[3][512];
    const char *pp[3];
    for (size_t i = 0; i < n; i++) {
        lr_test_path(paths[i], sizeof(paths[i]), fixture, imgs[i]);
        pp[i] = paths[i];
    }
    lr_scan_session_t *scan = NULL;
    lr_error_t err;
    int rc = lr_scan_paths(pp, n, NULL, &scan, &err);
    if (rc) {
        char msg[1024];
        fprintf(stderr, "scan %s: %s\n", fixture, lr_error_format(&err, msg, sizeof(msg)));
        return NULL;
    }
    return scan;
}

static int setup(void **state)
{
    static const char *const hist[] = {"disk.img.gz"};
    static const char *const three[] = {"pv1.img.gz", "pv2.img.gz", "pv3.img.gz"};
    fx_t *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->history = scan_fixture("history", hist, 1);
    f->three = scan_fixture("three-pv", three, 3);
    *state = f;
    return f->history && f->three ? 0 : -1;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    lr_scan_session_free(f->history);
    lr_scan_session_free(f->three);
    free(f);
    return 0;
}

static void pick(lr_scan_session_t *scan, uint64_t seqno, int *vg, int *ver)
{
    lr_scan_pick_t p = {.has_seqno = true, .seqno = seqno};
    lr_error_t err;
    int rc = lr_scan_select_one(lr_scan_result(scan), &p, vg, ver, &err);
    if (rc)
        fprintf(stderr, "pick %llu: %s\n", (unsigned long long)seqno, err.msg);
    assert_int_equal(rc, 0);
}

static lr_diff_t *diff_seqnos(lr_scan_session_t *scan, uint64_t a, uint64_t b)
{
    int vg, va, vg2, vb;
    pick(scan, a, &vg, &va);
    pick(scan, b, &vg2, &vb);
    assert_int_equal(vg, vg2);
    lr_diff_t *d = NULL;
    lr_error_t err;
    int rc = lr_diff_scan(scan, (size_t)vg, (size_t)va, (size_t)vb, &d, &err);
    if (rc)
        fprintf(stderr, "diff: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(d);
    assert_int_equal(d->old_seqno, a);
    assert_int_equal(d->new_seqno, b);
    return d;
}

/* The one change of obj/name/kind (fails if there are several). */
static const lr_diff_change_t *find(const lr_diff_t *d, lr_diff_obj_t obj, lr_diff_kind_t kind,
                                    const char *name, const char *field)
{
    const lr_diff_change_t *hit = NULL;
    for (size_t i = 0; i < d->n_changes; i++) {
        const lr_diff_change_t *c = &d->changes[i];
        if (c->obj != obj || c->kind != kind || strcmp(c->name, name) != 0)
            continue;
        if (field && (!c->field || strcmp(c->field, field) != 0))
            continue;
        assert_null(hit);
        hit = c;
    }
    return hit;
}

static size_t count_kind(const lr_diff_t *d, lr_diff_kind_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_changes; i++)
        n += d->changes[i].kind == kind;
    return n;
}

static void dump(const lr_diff_t *d)
{
    char *t = NULL;
    if (lr_diff_format_text(d, &t, NULL) == 0)
        fprintf(stderr, "%s", t);
    free(t);
}

/* ---- a tiny JSON validator (RFC 8259 grammar, no semantics) ----------- */

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static const char *jvalue(const char *p, int depth);

static const char *jstring(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *jnumber(const char *p)
{
    const char *s = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p > s ? p : NULL;
}

static const char *jlist(const char *p, char close, bool keys, int depth)
{
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keys) {
            p = jstring(ws(p));
            if (!p || *(p = ws(p)) != ':')
                return NULL;
            p++;
        }
        p = jvalue(p, depth + 1);
        if (!p)
            return NULL;
        p = ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *jvalue(const char *p, int depth)
{
    if (depth > 64)
        return NULL;
    p = ws(p);
    switch (*p) {
    case '{':
        return jlist(p, '}', true, depth);
    case '[':
        return jlist(p, ']', false, depth);
    case '"':
        return jstring(p);
    case 't':
        return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f':
        return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n':
        return strncmp(p, "null", 4) ? NULL : p + 4;
    default:
        return jnumber(p);
    }
}

static bool json_valid(const char *s)
{
    const char *end = jvalue(s, 0);
    return end && *ws(end) == '\0';
}

static void check_json(const lr_diff_t *d)
{
    char *j = NULL;
    assert_int_equal(lr_diff_format_json(d, &j, NULL), 0);
    if (!json_valid(j))
        fprintf(stderr, "invalid JSON:\n%s\n", j);
    assert_true(json_valid(j));
    free(j);
}

/* ---- history ------------------------------------------------------------ */

static void test_remove(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = diff_seqnos(f->history, 15, 16);
    dump(d);
    assert_int_equal(d->n_changes, 1);
    const lr_diff_change_t *c = find(d, LR_DIFF_LV, LR_DIFF_REMOVED, "lv3", NULL);
    assert_non_null(c);
    assert_int_equal(c->old_bytes, 4u << 20);
    assert_null(c->new_value);
    assert_non_null(strstr(c->text, "lv3"));
    assert_non_null(strstr(c->text, "removed"));
    assert_non_null(d->new_description);
    assert_non_null(strstr(d->new_description, "lvremove"));
    check_json(d);

    /* the other way round it is an addition */
    lr_diff_t *r = diff_seqnos(f->history, 16, 15);
    assert_int_equal(r->n_changes, 1);
    assert_non_null(find(r, LR_DIFF_LV, LR_DIFF_ADDED, "lv3", NULL));
    lr_diff_free(r);
    lr_diff_free(d);
}

static void test_rename(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = diff_seqnos(f->history, 4, 5);
    dump(d);
    const lr_diff_change_t *c = find(d, LR_DIFF_LV, LR_DIFF_RENAMED, "data", NULL);
    assert_non_null(c);
    assert_string_equal(c->old_name, "lv2");
    assert_string_equal(c->old_value, "lv2");
    assert_string_equal(c->new_value, "data");
    assert_int_equal(count_kind(d, LR_DIFF_ADDED), 0);
    assert_int_equal(count_kind(d, LR_DIFF_REMOVED), 0);
    assert_int_equal(d->n_changes, 1);
    check_json(d);
    lr_diff_free(d);

    /* across many versions the rename is still one change of that LV */
    d = diff_seqnos(f->history, 3, 16);
    dump(d);
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_RENAMED, "data", NULL));
    assert_null(find(d, LR_DIFF_LV, LR_DIFF_REMOVED, "lv2", NULL));
    assert_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "data", NULL));
    lr_diff_free(d);
}

static void test_resize(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = diff_seqnos(f->history, 3, 4); /* lvextend -L +4M vg0/lv1 */
    dump(d);
    const lr_diff_change_t *c = find(d, LR_DIFF_LV, LR_DIFF_RESIZED, "lv1", "size");
    assert_non_null(c);
    assert_int_equal(c->old_bytes, 4u << 20);
    assert_int_equal(c->new_bytes, 8u << 20);
    assert_string_equal(c->old_value, "4 MiB (1 extent)");
    assert_string_equal(c->new_value, "8 MiB (2 extents)");
    assert_int_equal(count_kind(d, LR_DIFF_MOVED), 0);
    lr_diff_free(d);

    d = diff_seqnos(f->history, 8, 9); /* lvreduce -f -L 4M vg0/lv3 */
    dump(d);
    c = find(d, LR_DIFF_LV, LR_DIFF_RESIZED, "lv3", "size");
    assert_non_null(c);
    assert_int_equal(c->old_bytes, 8u << 20);
    assert_int_equal(c->new_bytes, 4u << 20);
    assert_int_equal(count_kind(d, LR_DIFF_MOVED), 0);
    assert_int_equal(d->n_changes, 1);
    lr_diff_free(d);
}

static void test_tags_and_status(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = diff_seqnos(f->history, 5, 6); /* vgchange --addtag site_a */
    dump(d);
    const lr_diff_change_t *c = find(d, LR_DIFF_VG, LR_DIFF_CHANGED, "vg0", "tags");
    assert_non_null(c);
    assert_true(c->old_value == NULL || strcmp(c->old_value, "") == 0);
    assert_string_equal(c->new_value, "site_a");
    assert_int_equal(d->n_changes, 1);
    lr_diff_free(d);

    d = diff_seqnos(f->history, 13, 14); /* --deltag site_a --addtag site_b */
    c = find(d, LR_DIFF_VG, LR_DIFF_CHANGED, "vg0", "tags");
    assert_non_null(c);
    assert_string_equal(c->old_value, "site_a");
    assert_string_equal(c->new_value, "site_b");
    lr_diff_free(d);

    d = diff_seqnos(f->history, 6, 7); /* lvchange --addtag important vg0/lv1 */
    dump(d);
    c = find(d, LR_DIFF_LV, LR_DIFF_CHANGED, "lv1", "tags");
    assert_non_null(c);
    assert_string_equal(c->new_value, "important");
    lr_diff_free(d);

    d = diff_seqnos(f->history, 10, 11); /* lvchange -p r vg0/lv4 */
    dump(d);
    c = find(d, LR_DIFF_LV, LR_DIFF_CHANGED, "lv4", "status");
    assert_non_null(c);
    assert_non_null(strstr(c->old_value, "WRITE"));
    assert_null(strstr(c->new_value, "WRITE"));
    check_json(d);
    lr_diff_free(d);
}

static void test_order(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = diff_seqnos(f->history, 1, 16);
    dump(d);
    /* VG first, then PVs, then LVs sorted by name */
    for (size_t i = 1; i < d->n_changes; i++) {
        const lr_diff_change_t *p = &d->changes[i - 1], *c = &d->changes[i];
        assert_true(p->obj <= c->obj);
        if (p->obj == c->obj && c->obj == LR_DIFF_LV)
            assert_true(strverscmp(p->name, c->name) <= 0);
    }
    assert_non_null(find(d, LR_DIFF_VG, LR_DIFF_CHANGED, "vg0", "tags"));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "lv1", NULL));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "data", NULL));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "lv4", NULL));
    assert_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "lv3", NULL));
    /* navigation between objects */
    long i = lr_diff_next_object(d, -1, 1);
    assert_int_equal(i, 0);
    long seen = 0;
    while ((i = lr_diff_next_object(d, i, 1)) >= 0)
        seen++;
    assert_true(seen >= 3);
    check_json(d);

    lr_diff_t *same = diff_seqnos(f->history, 9, 9);
    assert_int_equal(same->n_changes, 0);
    char *t = NULL;
    assert_int_equal(lr_diff_format_text(same, &t, NULL), 0);
    assert_non_null(strstr(t, "No changes."));
    free(t);
    check_json(same);
    lr_diff_free(same);
    lr_diff_free(d);
}

/* ---- three-pv -------------------------------------------------------------- */

static void test_three_pv(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = diff_seqnos(f->three, 1, 2); /* lvcreate -i3 -I64k stripe */
    dump(d);
    const lr_diff_change_t *c = find(d, LR_DIFF_LV, LR_DIFF_ADDED, "stripe", NULL);
    assert_non_null(c);
    assert_int_equal(c->new_bytes, 6u << 20);
    assert_non_null(strstr(c->new_value, "striped(3x64 KiB)"));
    assert_non_null(strstr(c->new_value, "pv2:0-1"));
    lr_diff_free(d);

    d = diff_seqnos(f->three, 4, 5); /* lvextend -L 10M vg3/span pv2 */
    dump(d);
    c = find(d, LR_DIFF_LV, LR_DIFF_RESIZED, "span", "size");
    assert_non_null(c);
    assert_int_equal(c->old_bytes, 4u << 20);
    assert_int_equal(c->new_bytes, 10u << 20);
    /* the first 4 extents did not move; the new ones are the resize */
    assert_int_equal(count_kind(d, LR_DIFF_MOVED), 0);
    lr_diff_free(d);

    d = diff_seqnos(f->three, 6, 7); /* lvrename small meta */
    c = find(d, LR_DIFF_LV, LR_DIFF_RENAMED, "meta", NULL);
    assert_non_null(c);
    assert_string_equal(c->old_name, "small");
    assert_int_equal(d->n_changes, 1);
    lr_diff_free(d);

    d = diff_seqnos(f->three, 1, 9);
    dump(d);
    assert_non_null(find(d, LR_DIFF_VG, LR_DIFF_CHANGED, "vg3", "tags"));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "meta", NULL));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "span", NULL));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "stripe", NULL));
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_ADDED, "tail", NULL));
    assert_int_equal(count_kind(d, LR_DIFF_REMOVED), 0);
    check_json(d);
    lr_diff_free(d);
}

/* ---- synthetic edits of real texts ------------------------------------ */

static char *version_text(lr_scan_session_t *scan, uint64_t seqno)
{
    int vg, ver;
    pick(scan, seqno, &vg, &ver);
    char *text = NULL;
    size_t len;
    assert_int_equal(lr_scan_version_text(scan, (size_t)vg, (size_t)ver, &text, &len, NULL), 0);
    return text;
}

/* Replaces the first occurrence of `from` after `anchor` in text. */
static char *edit(const char *text, const char *anchor, const char *from, const char *to)
{
    const char *a = strstr(text, anchor);
    assert_non_null(a);
    const char *p = strstr(a, from);
    assert_non_null(p);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    return out;
}

static void test_moved_retyped(void **state)
{
    fx_t *f = *state;
    char *text = version_text(f->three, 9);
    /* meta moved from pv1:2 to pv1:12; tail retyped; a PV property, a
     * quote and a backslash in a tag to exercise escaping */
    char *t1 = edit(text, "\nmeta {", "\"pv1\", 2", "\"pv1\", 12");
    char *t2 = edit(t1, "\ntail {", "type = \"striped\"", "type = \"error\"");
    char *t3 = edit(t2, "\npv2 {", "pe_count = 23", "pe_count = 22");
    char *t4 = edit(t3, "\nspan {", "tags = [\"data\"]", "tags = [\"da\\\"ta\\\\\"]");
    lr_vg_t *a = lr_test_vg_parse(text), *b = lr_test_vg_parse(t4);
    lr_diff_t *d = NULL;
    assert_int_equal(lr_diff_vgs(a, b, &d, NULL), 0);
    dump(d);
    const lr_diff_change_t *c = find(d, LR_DIFF_LV, LR_DIFF_MOVED, "meta", "segments");
    assert_non_null(c);
    assert_string_equal(c->old_value, "0-1 linear pv1:2-3");
    assert_string_equal(c->new_value, "0-1 linear pv1:12-13");
    assert_non_null(find(d, LR_DIFF_LV, LR_DIFF_RETYPED, "tail", "segments"));
    c = find(d, LR_DIFF_PV, LR_DIFF_CHANGED, "pv2", "pe_count");
    assert_non_null(c);
    assert_string_equal(c->old_value, "23");
    assert_string_equal(c->new_value, "22");
    c = find(d, LR_DIFF_LV, LR_DIFF_CHANGED, "span", "tags");
    assert_non_null(c);
    assert_string_equal(c->new_value, "da\"ta\\");
    /* order: PV before LVs, LVs by name */
    assert_true(d->changes[0].obj == LR_DIFF_PV);
    check_json(d);
    lr_diff_free(d);
    lr_vg_free(a);
    lr_vg_free(b);
    free(text);
    free(t1);
    free(t2);
    free(t3);
    free(t4);
}

/* A PV renumbered (keys can change between versions) is matched by UUID:
 * areas naming it under its new key are not "moved". */
static void test_pv_rekey(void **state)
{
    fx_t *f = *state;
    char *text = version_text(f->three, 9);
    char *t1 = edit(text, "physical_volumes {", "pv0 {", "pvX {");
    char *t2 = edit(t1, "\nstripe {", "\"pv0\", 0", "\"pvX\", 0");
    char *t3 = edit(t2, "\nspan {", "\"pv0\", 2", "\"pvX\", 2");
    lr_vg_t *a = lr_test_vg_parse(text), *b = lr_test_vg_parse(t3);
    lr_diff_t *d = NULL;
    assert_int_equal(lr_diff_vgs(a, b, &d, NULL), 0);
    dump(d);
    assert_int_equal(count_kind(d, LR_DIFF_MOVED), 0);
    assert_int_equal(count_kind(d, LR_DIFF_ADDED), 0);
    assert_int_equal(count_kind(d, LR_DIFF_REMOVED), 0);
    const lr_diff_change_t *c = find(d, LR_DIFF_PV, LR_DIFF_CHANGED, "pvX", "key");
    assert_non_null(c);
    assert_string_equal(c->old_value, "pv0");
    lr_diff_free(d);
    lr_vg_free(a);
    lr_vg_free(b);
    free(text);
    free(t1);
    free(t2);
    free(t3);
}

static void test_bad_args(void **state)
{
    fx_t *f = *state;
    lr_diff_t *d = (lr_diff_t *)&d;
    lr_error_t err;
    assert_int_equal(lr_diff_vgs(NULL, NULL, &d, &err), -EINVAL);
    assert_int_equal(lr_diff_scan(f->history, 99, 0, 0, &d, &err), LR_ERANGE);
    assert_null(d);
    assert_int_equal(lr_diff_scan(f->history, 0, 0, 9999, &d, &err), LR_ERANGE);
    lr_scan_pick_t p = {.has_seqno = true, .seqno = 77};
    int vg, ver;
    assert_int_equal(lr_scan_select_one(lr_scan_result(f->history), &p, &vg, &ver, &err),
                     LR_ENOTFOUND);
    assert_non_null(strstr(err.msg, "1..16"));
    p.vg = "nosuchvg";
    assert_int_equal(lr_scan_select_one(lr_scan_result(f->history), &p, &vg, &ver, &err),
                     LR_ENOTFOUND);
    assert_non_null(strstr(err.msg, "vg0"));
    lr_diff_free(NULL);
}

/* `test_diff --json IMAGE A B`: prints the JSON diff of seqno A and B, for
 * a check with a real JSON parser (python3) in repair_inspect.cmake. */
static int json_main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    const char *img = argv[2];
    lr_scan_session_t *scan = NULL;
    if (lr_scan_paths(&img, 1, NULL, &scan, NULL))
        return 2;
    int rc = 1, vg = -1, va = -1, vb = -1;
    lr_scan_pick_t p = {.has_seqno = true, .seqno = strtoull(argv[3], NULL, 10)};
    lr_diff_t *d = NULL;
    char *json = NULL;
    if (lr_scan_select_one(lr_scan_result(scan), &p, &vg, &va, NULL) == 0) {
        p.seqno = strtoull(argv[4], NULL, 10);
        if (lr_scan_select_one(lr_scan_result(scan), &p, &vg, &vb, NULL) == 0 &&
            lr_diff_scan(scan, (size_t)vg, (size_t)va, (size_t)vb, &d, NULL) == 0 &&
            lr_diff_format_json(d, &json, NULL) == 0) {
            fputs(json, stdout);
            rc = 0;
        }
    }
    free(json);
    lr_diff_free(d);
    lr_scan_session_free(scan);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--json") == 0)
        return json_main(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remove),        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_resize),        cmocka_unit_test(test_tags_and_status),
        cmocka_unit_test(test_order),         cmocka_unit_test(test_three_pv),
        cmocka_unit_test(test_moved_retyped), cmocka_unit_test(test_pv_rekey),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
