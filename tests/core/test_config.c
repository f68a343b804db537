/* Tests of the config-tree parser/writer (core/src/config.c) against text
 * written by the real LVM2 tools: every copy in every fixture parses and
 * writes back byte-identical, edits touch only their own lines, added nodes
 * look like LVM2's, and hostile input fails cleanly with an offset. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/config.h"
#include "support.h"
#include "text_support.h"

#define MAX_COPIES 512

/* ------------------------------------------------------------------ */
/* helpers                                                              */

/* Parses exactly len bytes from a malloc'd copy of that size, so reading
 * past the end shows up under AddressSanitizer. */
static int parse_exact(const char *text, size_t len, lr_cfg_t **out, lr_error_t *err)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, text, len);
    int rc = lr_cfg_parse(copy, len, out, err);
    free(copy);
    return rc;
}

static void assert_roundtrip(const char *text, size_t len, const char *what)
{
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    char ebuf[700];
    int rc = parse_exact(text, len, &cfg, &err);
    if (rc)
        fail_msg("%s: parse failed: %s", what, lr_error_format(&err, ebuf, sizeof(ebuf)));
    char *out = NULL;
    size_t olen = 0;
    assert_int_equal(lr_cfg_write(cfg, &out, &olen, &err), 0);
    if (olen != len || memcmp(out, text, len) != 0)
        fail_msg("%s: round trip differs (%zu -> %zu bytes)", what, len, olen);
    assert_int_equal(out[olen], '\0');
    free(out);
    lr_cfg_free(cfg);
}

/* Round trip of the copy as pvck printed it, and as it sits on disk: with
 * its NUL and the zero padding up to the next 512-byte boundary. */
static void roundtrip_copy(const char *text, size_t len, const char *what)
{
    assert_roundtrip(text, len, what);
    size_t padded = (len + 1 + 511) / 512 * 512;
    char *disk = calloc(1, padded);
    assert_non_null(disk);
    memcpy(disk, text, len);
    assert_roundtrip(disk, padded, what);
    free(disk);
}

static lr_cfg_t *parse_ok(const char *text)
{
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    char ebuf[700];
    if (parse_exact(text, strlen(text), &cfg, &err))
        fail_msg("parse failed: %s", lr_error_format(&err, ebuf, sizeof(ebuf)));
    return cfg;
}

static char *write_ok(const lr_cfg_t *cfg, size_t *len)
{
    char *out = NULL;
    lr_error_t err;
    assert_int_equal(lr_cfg_write(cfg, &out, len, &err), 0);
    return out;
}

/* ------------------------------------------------------------------ */
/* fidelity on real LVM2 text                                           */

/* Every copy pvck found in every fixture (metadata_all dumps and committed
 * copies, the overwritten VG of `reinit` included) parses and writes back
 * byte-identical. */
static void test_fixture_roundtrip(void **state)
{
    (void)state;
    static lr_test_text_t copies[MAX_COPIES];
    size_t total = 0, files = 0;
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        const char *fx = lr_test_fixtures[f];
        static char names[64][128];
        int nn = lr_test_truth_files(fx, ".pvck-", names, 64);
        if (nn <= 0)
            fail_msg("fixture %s has no truth files", fx);
        for (int i = 0; i < nn; i++) {
            bool all = strstr(names[i], "pvck-all-mda") != NULL;
            bool committed = strstr(names[i], "pvck-metadata") != NULL;
            if (!all && !committed)
                continue;
            size_t len;
            char *buf = lr_test_truth(fx, names[i], &len);
            assert_non_null(buf);
            int n = all ? lr_test_split_pvck_all(buf, len, copies, MAX_COPIES) : 1;
            if (!all)
                copies[0] = (lr_test_text_t){buf, len};
            assert_true(n > 0);
            if (all) {
                /* the splitter finds as many copies as pvck listed */
                char path[1024], file[300];
                const char *p = strstr(names[i], "pvck-all-");
                snprintf(file, sizeof(file), "truth/%.*spvck-search-%.100s", (int)(p - names[i]),
                         names[i], p + 9);
                static lr_test_copy_t listed[MAX_COPIES];
                int nl = lr_test_pvck_search(lr_test_path(path, sizeof(path), fx, file), listed,
                                             MAX_COPIES);
                if (nl >= 0 && nl != n)
                    fail_msg("%s/%s: %d copies split, pvck listed %d", fx, names[i], n, nl);
            }
            for (int c = 0; c < n; c++) {
                char what[300];
                snprintf(what, sizeof(what), "%.60s/%.127s copy %d", fx, names[i], c);
                roundtrip_copy(copies[c].p, copies[c].len, what);
            }
            total += (size_t)n;
            files++;
            free(buf);
        }
    }
    print_message("round-tripped %zu copies from %zu files\n", total, files);
    assert_true(files >= lr_test_n_fixtures);
}

/* Text LVM2 wrote with raid1/mirror/thin segments: raw copies and the
 * indented, commented vgcfgbackup form. */
static void test_data_roundtrip(void **state)
{
    (void)state;
    static lr_test_text_t copies[64];
    size_t len;
    char *buf = lr_test_data("segtypes.all", &len);
    int n = lr_test_split_pvck_all(buf, len, copies, 64);
    assert_true(n >= 2);
    for (int c = 0; c < n; c++)
        roundtrip_copy(copies[c].p, copies[c].len, "segtypes.all");
    free(buf);
    buf = lr_test_data("segtypes.raw", &len);
    roundtrip_copy(buf, len, "segtypes.raw");
    free(buf);
    buf = lr_test_data("segtypes.backup", &len);
    roundtrip_copy(buf, len, "segtypes.backup");
    free(buf);
}

/* ------------------------------------------------------------------ */
/* syntax                                                               */

static void test_values(void **state)
{
    (void)state;
    static const char text[] = "# header comment\n"
                               "top = 1\n"
                               "neg = -42\n"
                               "plus = +7\n"
                               "hex = 0x1f\n"
                               "oct = 010\n"
                               "big = 9223372036854775807\n"
                               "small = -9223372036854775808\n"
                               "f = 1.5\n"
                               "f2 = .25\n"
                               "s = \"a \\\"quoted\\\" \\\\ back\\nslash # not a comment\"\n"
                               "sq = 'single \\ quoted'\n"
                               "bare = word\n"
                               "empty = []\n"
                               "arr = [\"a\", 1, 2.5, \"b\",]\n"
                               "strs = [\"x\" \"y\"]\n"
                               "multi = [\n\t\"pv0\", 0, # inline comment\n\t\"pv1\", 7\n]\n"
                               "\"quoted key\" = 3\n"
                               "odd.key-name_1+x = 4\n"
                               "123 = 5\n"
                               "sec {\n  inner { deep = \"d\" }\n  dup = 1\n  dup = 2\n}\n"
                               "nospace=\"n\"\n";
    lr_cfg_t *cfg = parse_ok(text);
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    lr_error_t err;
    int64_t i;
    const char *s;
    assert_int_equal(lr_cfg_get_int(root, "top", &i, &err), 0);
    assert_int_equal(i, 1);
    assert_int_equal(lr_cfg_get_int(root, "neg", &i, &err), 0);
    assert_int_equal(i, -42);
    assert_int_equal(lr_cfg_get_int(root, "plus", &i, &err), 0);
    assert_int_equal(i, 7);
    assert_int_equal(lr_cfg_get_int(root, "hex", &i, &err), 0);
    assert_int_equal(i, 31);
    assert_int_equal(lr_cfg_get_int(root, "oct", &i, &err), 0);
    assert_int_equal(i, 8);
    assert_int_equal(lr_cfg_get_int(root, "big", &i, &err), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(lr_cfg_get_int(root, "small", &i, &err), 0);
    assert_true(i == INT64_MIN);
    uint64_t u;
    assert_int_equal(lr_cfg_get_uint(root, "neg", &u, &err), LR_ERANGE);
    assert_int_equal(err.offset, strstr(text, "neg") - text);
    const lr_cfg_value_t *v = lr_cfg_value(lr_cfg_find(root, "f"));
    assert_int_equal(v->type, LR_CFG_FLOAT);
    assert_true(v->f == 1.5);
    assert_true(lr_cfg_value(lr_cfg_find(root, "f2"))->f == 0.25);
    assert_int_equal(lr_cfg_get_str(root, "s", &s, &err), 0);
    assert_string_equal(s, "a \"quoted\" \\ back\\nslash # not a comment");
    assert_int_equal(lr_cfg_get_str(root, "sq", &s, &err), 0);
    assert_string_equal(s, "single \\ quoted");
    assert_int_equal(lr_cfg_get_str(root, "bare", &s, &err), 0);
    assert_string_equal(s, "word");
    const lr_cfg_value_t *arr;
    assert_int_equal(lr_cfg_get_strings(root, "empty", &arr, &err), 0);
    assert_int_equal(arr->n_items, 0);
    v = lr_cfg_value(lr_cfg_find(root, "arr"));
    assert_int_equal(v->type, LR_CFG_ARRAY);
    assert_int_equal(v->n_items, 4);
    assert_int_equal(v->items[1].type, LR_CFG_INT);
    assert_int_equal(v->items[2].type, LR_CFG_FLOAT);
    assert_string_equal(v->items[3].s, "b");
    assert_int_equal(lr_cfg_get_strings(root, "arr", &arr, &err), LR_EFORMAT);
    assert_int_equal(lr_cfg_get_strings(root, "strs", &arr, &err), 0);
    assert_int_equal(arr->n_items, 2);
    v = lr_cfg_value(lr_cfg_find(root, "multi"));
    assert_int_equal(v->n_items, 4);
    assert_int_equal(v->items[3].i, 7);
    assert_int_equal(lr_cfg_get_int(root, "quoted key", &i, &err), 0);
    assert_int_equal(i, 3);
    assert_int_equal(lr_cfg_get_int(root, "odd.key-name_1+x", &i, &err), 0);
    assert_int_equal(lr_cfg_get_int(root, "123", &i, &err), 0);
    assert_int_equal(lr_cfg_get_str(root, "sec/inner/deep", &s, &err), 0);
    assert_string_equal(s, "d");
    assert_int_equal(lr_cfg_get_str(root, "//sec//inner/deep", &s, &err), 0);
    /* duplicates stay separate nodes; lookups find the first, like LVM2 */
    assert_int_equal(lr_cfg_get_int(root, "sec/dup", &i, &err), 0);
    assert_int_equal(i, 1);
    assert_int_equal(lr_cfg_get_str(root, "nospace", &s, &err), 0);
    /* wrong type and absent */
    assert_int_equal(lr_cfg_get_str(root, "top", &s, &err), LR_EFORMAT);
    assert_int_equal(err.offset, strstr(text, "top") - text);
    assert_int_equal(lr_cfg_get_int(root, "sec", &i, &err), LR_EFORMAT);
    assert_int_equal(lr_cfg_get_int(root, "nothere", &i, &err), LR_ENOTFOUND);
    assert_null(lr_cfg_find(root, "top/x"));
    assert_null(lr_cfg_find(root, ""));
    /* navigation */
    lr_cfg_node_t *sec = lr_cfg_find(root, "sec");
    assert_int_equal(lr_cfg_node_type(sec), LR_CFG_SECTION);
    assert_null(lr_cfg_value(sec));
    assert_string_equal(lr_cfg_key(lr_cfg_child(sec)), "inner");
    assert_ptr_equal(lr_cfg_parent(lr_cfg_child(sec)), sec);
    assert_string_equal(lr_cfg_key(lr_cfg_next(lr_cfg_child(sec))), "dup");
    assert_int_equal(lr_cfg_offset(sec), strstr(text, "sec {") - text);
    lr_cfg_free(cfg);
    assert_roundtrip(text, sizeof(text) - 1, "values");
}

/* The document ends at the first NUL; the bytes after it are kept. */
static void test_nul_and_tail(void **state)
{
    (void)state;
    static const char text[] = "a = 1\n\0garbage { = [\0\0\xff";
    size_t len = sizeof(text) - 1;
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    assert_int_equal(parse_exact(text, len, &cfg, &err), 0);
    int64_t i;
    assert_int_equal(lr_cfg_get_int(lr_cfg_root(cfg), "a", &i, &err), 0);
    assert_null(lr_cfg_next(lr_cfg_child(lr_cfg_root(cfg))));
    lr_cfg_set_int(lr_cfg_root(cfg), "a", 2, &err);
    size_t olen;
    char *out = write_ok(cfg, &olen);
    assert_int_equal(olen, len);
    assert_memory_equal(out, "a = 2\n\0garbage { = [\0\0\xff", len);
    free(out);
    lr_cfg_free(cfg);
    assert_roundtrip(text, len, "nul tail");
    assert_roundtrip("", 0, "empty");
    assert_roundtrip("# only a comment", 16, "comment");
    assert_roundtrip("\0\0\0", 3, "zeros");
}

/* ------------------------------------------------------------------ */
/* editing                                                              */

/* Lines of a text, for comparing edits line by line. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (n < max && *p) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

static char *committed_copy(size_t *len)
{
    return lr_test_truth_req("history", "disk.pvck-metadata", len);
}

static void test_edit_real(void **state)
{
    (void)state;
    size_t len;
    char *text = committed_copy(&len);
    lr_cfg_t *cfg = parse_ok(text);
    lr_cfg_node_t *root = lr_cfg_root(cfg), *vg = lr_cfg_child(root);
    lr_error_t err;
    assert_int_equal(lr_cfg_node_type(vg), LR_CFG_SECTION);
    assert_int_equal(lr_cfg_set_int(vg, "seqno", 4242, &err), 0);
    assert_int_equal(lr_cfg_set_str(root, "description", "Restored by \"lvmrescue\" \\o/", &err),
                     0);
    assert_int_equal(lr_cfg_set_int(root, "creation_time", 1700000000, &err), 0);
    size_t olen;
    char *out = write_ok(cfg, &olen);
    lr_cfg_free(cfg);

    /* re-parses to the new values */
    cfg = parse_ok(out);
    root = lr_cfg_root(cfg);
    int64_t i;
    const char *s;
    assert_int_equal(lr_cfg_get_int(lr_cfg_child(root), "seqno", &i, &err), 0);
    assert_int_equal(i, 4242);
    assert_int_equal(lr_cfg_get_str(root, "description", &s, &err), 0);
    assert_string_equal(s, "Restored by \"lvmrescue\" \\o/");
    assert_int_equal(lr_cfg_get_int(root, "creation_time", &i, &err), 0);
    assert_int_equal(i, 1700000000);
    lr_cfg_free(cfg);

    /* and differs from the input on exactly those three lines */
    static char *a[4096], *b[4096];
    char *in = strdup(text);
    size_t na = split_lines(in, a, 4096), nb = split_lines(out, b, 4096);
    assert_int_equal(na, nb);
    int changed = 0;
    for (size_t l = 0; l < na; l++) {
        if (strcmp(a[l], b[l]) == 0)
            continue;
        changed++;
        if (strncmp(b[l], "seqno = ", 8) == 0)
            assert_string_equal(b[l], "seqno = 4242");
        else if (strncmp(b[l], "description = ", 14) == 0)
            assert_string_equal(b[l], "description = \"Restored by \\\"lvmrescue\\\" \\\\o/\"");
        else if (strncmp(b[l], "creation_time = ", 16) == 0)
            assert_string_equal(b[l], "creation_time = 1700000000"); /* old date comment gone */
        else
            fail_msg("unexpected change on line %zu: '%s' -> '%s'", l + 1, a[l], b[l]);
    }
    assert_int_equal(changed, 3);
    free(in);
    free(out);
    free(text);
}

/* A section added with keys comes out as LVM2's export.c writes raw
 * metadata: no indentation, `key = value`, `name {` ... `}`. */
static void test_edit_add_raw(void **state)
{
    (void)state;
    static const char text[] = "vg {\n"
                               "id = \"x\"\n"
                               "seqno = 1\n"
                               "\n"
                               "logical_volumes {\n"
                               "\n"
                               "lv1 {\n"
                               "id = \"y\"\n"
                               "}\n"
                               "}\n"
                               "\n"
                               "}\n"
                               "# Generated by LVM2\n"
                               "version = 1\n";
    lr_cfg_t *cfg = parse_ok(text);
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    lr_cfg_node_t *lvs = lr_cfg_find(root, "vg/logical_volumes"), *lv, *seg;
    lr_error_t err;
    assert_int_equal(lr_cfg_add_section(lvs, "lv2", &lv, &err), 0);
    assert_int_equal(lr_cfg_set_str(lv, "id", "z", &err), 0);
    const char *status[] = {"READ", "WRITE", "VISIBLE"};
    assert_int_equal(lr_cfg_set_strings(lv, "status", status, 3, &err), 0);
    assert_int_equal(lr_cfg_set_strings(lv, "flags", NULL, 0, &err), 0);
    assert_int_equal(lr_cfg_set_int(lv, "segment_count", 1, &err), 0);
    assert_int_equal(lr_cfg_add_section(lv, "segment1", &seg, &err), 0);
    assert_int_equal(lr_cfg_set_int(seg, "start_extent", 0, &err), 0);
    assert_int_equal(lr_cfg_set_str(seg, "type", "striped", &err), 0);
    lr_cfg_value_t items[2] = {{.type = LR_CFG_STRING, .s = "pv0"}, {.type = LR_CFG_INT, .i = 3}};
    lr_cfg_value_t stripes = {.type = LR_CFG_ARRAY, .n_items = 2, .items = items};
    assert_int_equal(lr_cfg_set_value(seg, "stripes", &stripes, &err), 0);
    assert_int_equal(lr_cfg_set_str(root, "vg/logical_volumes/lv1/creation_host", "h", &err), 0);
    assert_int_equal(lr_cfg_set_int(root, "nosuch/x", 1, &err), LR_ENOTFOUND);
    size_t olen;
    char *out = write_ok(cfg, &olen);
    assert_string_equal(out, "vg {\n"
                             "id = \"x\"\n"
                             "seqno = 1\n"
                             "\n"
                             "logical_volumes {\n"
                             "\n"
                             "lv1 {\n"
                             "id = \"y\"\n"
                             "creation_host = \"h\"\n"
                             "}\n"
                             "\n"
                             "lv2 {\n"
                             "id = \"z\"\n"
                             "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\n"
                             "flags = []\n"
                             "segment_count = 1\n"
                             "segment1 {\n"
                             "start_extent = 0\n"
                             "type = \"striped\"\n"
                             "stripes = [\"pv0\", 3]\n"
                             "}\n"
                             "}\n"
                             "}\n"
                             "\n"
                             "}\n"
                             "# Generated by LVM2\n"
                             "version = 1\n");
    free(out);
    lr_cfg_free(cfg);
}

/* In a backup-style (indented) text, added nodes get LVM2's tabs. */
static void test_edit_add_indented(void **state)
{
    (void)state;
    static const char text[] = "contents = \"Text Format Volume Group\"\n"
                               "\n"
                               "vg {\n"
                               "\tid = \"x\"\t# comment\n"
                               "\tphysical_volumes {\n"
                               "\n"
                               "\t\tpv0 {\n"
                               "\t\t\tid = \"p\"\n"
                               "\t\t}\n"
                               "\t}\n"
                               "}\n";
    lr_cfg_t *cfg = parse_ok(text);
    lr_cfg_node_t *pvs = lr_cfg_find(lr_cfg_root(cfg), "vg/physical_volumes"), *pv;
    lr_error_t err;
    assert_int_equal(lr_cfg_add_section(pvs, "pv1", &pv, &err), 0);
    assert_int_equal(lr_cfg_set_str(pv, "id", "q", &err), 0);
    assert_int_equal(lr_cfg_set_int(pv, "pe_count", 15, &err), 0);
    assert_int_equal(lr_cfg_set_str(lr_cfg_find(lr_cfg_root(cfg), "vg"), "id", "new", &err), 0);
    size_t olen;
    char *out = write_ok(cfg, &olen);
    assert_string_equal(out, "contents = \"Text Format Volume Group\"\n"
                             "\n"
                             "vg {\n"
                             "\tid = \"new\"\n"
                             "\tphysical_volumes {\n"
                             "\n"
                             "\t\tpv0 {\n"
                             "\t\t\tid = \"p\"\n"
                             "\t\t}\n"
                             "\n"
                             "\t\tpv1 {\n"
                             "\t\t\tid = \"q\"\n"
                             "\t\t\tpe_count = 15\n"
                             "\t\t}\n"
                             "\t}\n"
                             "}\n");
    free(out);
    lr_cfg_free(cfg);
}

/* A document built from nothing reads like LVM2 raw metadata. */
static void test_edit_from_empty(void **state)
{
    (void)state;
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    assert_int_equal(lr_cfg_parse(NULL, 0, &cfg, &err), 0);
    lr_cfg_node_t *root = lr_cfg_root(cfg), *vg, *pvs;
    assert_int_equal(lr_cfg_add_section(root, "vg0", &vg, &err), 0);
    assert_int_equal(lr_cfg_set_int(vg, "seqno", 1, &err), 0);
    assert_int_equal(lr_cfg_add_section(vg, "physical_volumes", &pvs, &err), 0);
    assert_int_equal(lr_cfg_set_str(root, "contents", "Text Format Volume Group", &err), 0);
    assert_int_equal(lr_cfg_set_str(root, "weird key#1", "v", &err), 0);
    assert_int_equal(lr_cfg_set_int(root, "", 1, &err), -EINVAL);
    assert_int_equal(lr_cfg_set_int(root, "a/", 1, &err), LR_ENOTFOUND);
    assert_int_equal(lr_cfg_add_section(root, "x/y", &pvs, &err), -EINVAL);
    assert_int_equal(lr_cfg_set_int(root, "vg0", 1, &err), LR_EFORMAT); /* a section */
    size_t olen;
    char *out = write_ok(cfg, &olen);
    assert_string_equal(out, "vg0 {\n"
                             "seqno = 1\n"
                             "physical_volumes {\n"
                             "}\n"
                             "}\n"
                             "contents = \"Text Format Volume Group\"\n"
                             "\"weird key#1\" = \"v\"");
    lr_cfg_free(cfg);
    cfg = parse_ok(out);
    const char *s;
    assert_int_equal(lr_cfg_get_str(lr_cfg_root(cfg), "weird key#1", &s, &err), 0);
    assert_string_equal(s, "v");
    lr_cfg_free(cfg);
    free(out);
}

/* lr_cfg_copy: a section from one document into another, every key (a
 * duplicate, an unknown key, a nested section, arrays, floats, escapes) in
 * order, rendered as LVM2 writes raw metadata; the destination's own bytes
 * stay; the copy reads back with the same values. */
static void test_copy(void **state)
{
    (void)state;
    static const char src_text[] = "lvs {\n"
                                   "root {\n"
                                   "id = \"a\\\"b\"   # comment\n"
                                   "odd_key = 1.5\n"
                                   "tags = [\"t1\", \"t2\"]\n"
                                   "dup = 1\n"
                                   "dup = 2\n"
                                   "segment1 {\n"
                                   "stripes = [\"pv0\", 0]\n"
                                   "}\n"
                                   "}\n"
                                   "}\n";
    static const char dst_text[] = "vg {\n"
                                   "lvs {\n"
                                   "\n"
                                   "home {\n"
                                   "x = 0x10 # kept\n"
                                   "}\n"
                                   "}\n"
                                   "}\n";
    lr_cfg_t *src = parse_ok(src_text);
    lr_cfg_t *dst = parse_ok(dst_text);
    lr_error_t err;
    lr_cfg_node_t *lvs = lr_cfg_find(lr_cfg_root(dst), "vg/lvs");
    lr_cfg_node_t *copy = NULL;
    assert_int_equal(lr_cfg_copy(lvs, lr_cfg_find(lr_cfg_root(src), "lvs/root"), &copy, &err), 0);
    assert_string_equal(lr_cfg_key(copy), "root");
    assert_int_equal(lr_cfg_copy(lvs, NULL, NULL, &err), -EINVAL);
    assert_int_equal(lr_cfg_copy(lvs, lr_cfg_root(src), NULL, &err), -EINVAL);
    lr_cfg_free(src); /* the copy owns its own strings */
    size_t olen;
    char *out = write_ok(dst, &olen);
    assert_string_equal(out, "vg {\n"
                             "lvs {\n"
                             "\n"
                             "home {\n"
                             "x = 0x10 # kept\n"
                             "}\n"
                             "\n"
                             "root {\n"
                             "id = \"a\\\"b\"\n"
                             "odd_key = 1.500000\n" /* as libdm writes floats */
                             "tags = [\"t1\", \"t2\"]\n"
                             "dup = 1\n"
                             "dup = 2\n"
                             "segment1 {\n"
                             "stripes = [\"pv0\", 0]\n"
                             "}\n"
                             "}\n"
                             "}\n"
                             "}\n");
    lr_cfg_t *back = parse_ok(out);
    const char *id = NULL;
    assert_int_equal(lr_cfg_get_str(lr_cfg_root(back), "vg/lvs/root/id", &id, &err), 0);
    assert_string_equal(id, "a\"b");
    lr_cfg_free(back);
    free(out);
    lr_cfg_free(dst);
}

static void test_remove_rename(void **state)
{
    (void)state;
    static const char text[] = "vg {\n"
                               "id = \"x\"\n"
                               "# about lv1\n"
                               "lv1 {\n"
                               "a = 1\t# trailing\n"
                               "}\n"
                               "lv2 {\n"
                               "b = [1,\n 2]\n"
                               "}\n"
                               "}\n";
    lr_cfg_t *cfg = parse_ok(text);
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    lr_error_t err;
    lr_cfg_remove(lr_cfg_find(root, "vg/lv1"));
    lr_cfg_remove(lr_cfg_find(root, "vg/lv2/b"));
    assert_int_equal(lr_cfg_rename(lr_cfg_find(root, "vg/lv2"), "lv9", &err), 0);
    assert_int_equal(lr_cfg_rename(lr_cfg_find(root, "vg/id"), "uuid", &err), 0);
    assert_int_equal(lr_cfg_rename(root, "x", &err), -EINVAL);
    lr_cfg_remove(root); /* ignored */
    size_t olen;
    char *out = write_ok(cfg, &olen);
    assert_string_equal(out, "vg {\n"
                             "uuid = \"x\"\n"
                             "lv9 {\n"
                             "}\n"
                             "}\n");
    free(out);
    assert_null(lr_cfg_find(root, "vg/lv1"));
    assert_non_null(lr_cfg_find(root, "vg/lv9"));
    lr_cfg_free(cfg);

    /* removing a whole LV from a real copy removes exactly its lines */
    size_t len;
    char *real = committed_copy(&len);
    cfg = parse_ok(real);
    lr_cfg_node_t *lvs = lr_cfg_find(lr_cfg_child(lr_cfg_root(cfg)), "logical_volumes");
    assert_non_null(lvs);
    lr_cfg_node_t *victim = lr_cfg_child(lvs);
    char head[300];
    snprintf(head, sizeof(head), "\n\n%s {\n", lr_cfg_key(victim));
    char *b = strstr(real, head);
    assert_non_null(b);
    /* the LV section ends at the first "\n}" at column 0 after its segments */
    char *close = b + 2;
    int depth = 0;
    for (char *p = close; *p; p++) {
        if (*p == '{')
            depth++;
        if (*p == '}' && --depth == 0) {
            close = p + 1;
            break;
        }
    }
    lr_cfg_remove(victim);
    out = write_ok(cfg, &olen);
    size_t cut = (size_t)(close - b);
    assert_int_equal(olen, len - cut);
    assert_memory_equal(out, real, (size_t)(b - real));
    assert_memory_equal(out + (b - real), close, len - (size_t)(close - real));
    free(out);
    free(real);
    lr_cfg_free(cfg);
}

/* Edits of values that share a line with the next key keep them apart. */
static void test_edit_same_line(void **state)
{
    (void)state;
    lr_cfg_t *cfg = parse_ok("a=1 b=\"x\" c{d=2}e=3 # c\nf=4");
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    lr_error_t err;
    assert_int_equal(lr_cfg_set_int(root, "a", 10, &err), 0);
    assert_int_equal(lr_cfg_set_str(root, "b", "y", &err), 0);
    assert_int_equal(lr_cfg_set_int(root, "c/d", 20, &err), 0);
    assert_int_equal(lr_cfg_set_int(root, "e", 30, &err), 0);
    size_t olen;
    char *out = write_ok(cfg, &olen);
    assert_string_equal(out, "a = 10 b = \"y\" c{d = 20}e = 30\nf=4");
    lr_cfg_free(cfg);
    cfg = parse_ok(out);
    int64_t i;
    assert_int_equal(lr_cfg_get_int(lr_cfg_root(cfg), "c/d", &i, &err), 0);
    assert_int_equal(i, 20);
    lr_cfg_free(cfg);
    free(out);
}

static void test_escape(void **state)
{
    (void)state;
    char *e = lr_cfg_escape("a\"b\\c\nd");
    assert_string_equal(e, "a\\\"b\\\\c\nd");
    free(e);
    assert_null(lr_cfg_escape(NULL));
}

/* ------------------------------------------------------------------ */
/* hostile input                                                        */

typedef struct bad_case {
    const char *name;
    char *text;
    size_t len;
    int code;
    int64_t offset;  /* -1: any offset within the text */
    const char *msg; /* substring of the message, or NULL */
} bad_case_t;

static char *repeat(const char *unit, size_t times, const char *prefix, const char *suffix,
                    size_t *len)
{
    size_t ul = strlen(unit), pl = strlen(prefix), sl = strlen(suffix);
    *len = pl + ul * times + sl;
    char *b = malloc(*len + 1);
    assert_non_null(b);
    memcpy(b, prefix, pl);
    for (size_t i = 0; i < times; i++)
        memcpy(b + pl + i * ul, unit, ul);
    memcpy(b + pl + ul * times, suffix, sl);
    b[*len] = '\0';
    return b;
}

static bad_case_t lit(const char *name, const char *text, int code, int64_t off, const char *msg)
{
    bad_case_t c = {name, strdup(text), strlen(text), code, off, msg};
    return c;
}

static void run_case(const bad_case_t *c)
{
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    int rc = parse_exact(c->text, c->len, &cfg, &err);
    char ebuf[700];
    if (rc != c->code)
        fail_msg("%s: got %d (%s), want %d", c->name, rc, lr_error_format(&err, ebuf, sizeof(ebuf)),
                 c->code);
    if (rc == 0) {
        assert_non_null(cfg);
        char *out;
        size_t olen;
        assert_int_equal(lr_cfg_write(cfg, &out, &olen, &err), 0);
        if (olen != c->len || memcmp(out, c->text, c->len))
            fail_msg("%s: round trip differs", c->name);
        free(out);
        lr_cfg_free(cfg);
        return;
    }
    assert_null(cfg);
    assert_int_equal(err.code, rc);
    assert_true(err.msg[0] != '\0');
    if (c->offset >= 0 && err.offset != (uint64_t)c->offset)
        fail_msg("%s: offset %" PRIu64 ", want %" PRId64 " (%s)", c->name, err.offset, c->offset,
                 err.msg);
    if (c->offset < 0 && err.offset > c->len)
        fail_msg("%s: offset %" PRIu64 " beyond %zu", c->name, err.offset, c->len);
    if (c->msg && !strstr(err.msg, c->msg))
        fail_msg("%s: message '%s' lacks '%s'", c->name, err.msg, c->msg);
}

static void test_hostile(void **state)
{
    (void)state;
    bad_case_t cases[80];
    size_t n = 0, len;
    char *t;
    cases[n++] = lit("empty", "", 0, 0, NULL);
    cases[n++] = lit("lone brace", "{", LR_EPARSE, 0, "expected a key");
    cases[n++] = lit("lone close", "}", LR_EPARSE, 0, "unexpected '}'");
    cases[n++] = lit("close after value", "a = 1 }", LR_EPARSE, 6, NULL);
    cases[n++] = lit("lone equals", "= 1", LR_EPARSE, 0, NULL);
    cases[n++] = lit("key only", "a", LR_EPARSE, 1, "expected '=' or '{' after key 'a'");
    cases[n++] = lit("key then value", "a 1", LR_EPARSE, 2, "expected '='");
    cases[n++] = lit("no value", "a =", LR_EPARSE, 3, "expected a value");
    cases[n++] = lit("brace value", "a = {", LR_EPARSE, 4, "expected a value");
    cases[n++] = lit("unterminated string", "a = \"abc", LR_EPARSE, 4, "unterminated string");
    cases[n++] = lit("backslash at end", "a = \"abc\\", LR_EPARSE, 4, "unterminated string");
    cases[n++] = lit("unterminated single", "a = 'abc", LR_EPARSE, 4, "unterminated string");
    cases[n++] = lit("unterminated key", "\"abc = 1", LR_EPARSE, 0, "unterminated string");
    cases[n++] = lit("empty key", "\"\" = 1", LR_EPARSE, 0, "empty key");
    cases[n++] = lit("unterminated section", "vg {\nlogical_volumes {\nlv {\n}\n", LR_EPARSE, 30,
                     "unexpected end of text inside section 'logical_volumes'");
    cases[n++] = lit("unterminated array", "a = [1, 2", LR_EPARSE, 4, "unterminated array");
    cases[n++] = lit("array without commas", "a = [1 2]", LR_EPARSE, 7, "expected ',' or ']'");
    cases[n++] = lit("array leading comma", "a = [,]", LR_EPARSE, 5, "expected a value");
    cases[n++] = lit("array double comma", "a = [1,,2]", LR_EPARSE, 7, NULL);
    cases[n++] = lit("nested array", "a = [[1]]", LR_EPARSE, 5, NULL);
    cases[n++] = lit("section in array", "a = [{]", LR_EPARSE, 5, NULL);
    cases[n++] = lit("minus", "a = -", LR_EPARSE, 4, "invalid number '-'");
    cases[n++] = lit("plus", "a = +", LR_EPARSE, 4, "invalid number");
    cases[n++] = lit("dot", "a = .", LR_EPARSE, 4, "invalid number");
    cases[n++] = lit("0x", "a = 0x", LR_EPARSE, 4, "invalid number '0x'");
    cases[n++] = lit("0x junk", "a = 0xg1", LR_EPARSE, 4, "invalid number");
    cases[n++] = lit("exponent", "a = 1e5", LR_EPARSE, 4, "invalid number '1e5'");
    cases[n++] = lit("glued", "a = 12abc", LR_EPARSE, 4, "invalid number '12abc'");
    cases[n++] = lit("two dots", "a = 1.2.3", LR_EPARSE, 4, NULL);
    cases[n++] = lit("bad octal", "a = 09", LR_EPARSE, 4, "invalid number '09'");
    cases[n++] = lit("overflow", "a = 99999999999999999999", LR_ERANGE, 4, "out of range");
    cases[n++] = lit("overflow by one", "a = 9223372036854775808", LR_ERANGE, 4, NULL);
    cases[n++] = lit("underflow", "x {\n a = [1, -9223372036854775809]\n}", LR_ERANGE, 13, NULL);
    cases[n++] = lit("hex overflow", "a = 0x10000000000000000", LR_ERANGE, 4, NULL);
    cases[n++] = lit("min int", "a = -9223372036854775808", 0, 0, NULL);
    cases[n++] = lit("nul in string", "a = \"ab\0cd\"", LR_EPARSE, 4, "unterminated string");
    cases[n++] = lit("nul in section", "a {\0}", LR_EPARSE, 3, "unexpected end of text");
    cases[n++] = lit("comment only", "# x", 0, 0, NULL);
    cases[n++] = lit("comment to end", "a = 1 # no newline", 0, 0, NULL);
    cases[n++] = lit("comment hides brace", "a { # }\n}", 0, 0, NULL);
    cases[n++] = lit("high bytes key", "\xff\xfe = 1\n", 0, 0, NULL);
    cases[n++] = lit("crlf", "a = 1\r\nb {\r\n}\r\n", 0, 0, NULL);
    cases[n++] = lit("form feed", "a\f=\v1", 0, 0, NULL);
    cases[n++] = lit("bare string", "a = bare", 0, 0, NULL);
    cases[n++] = lit("bare in array", "a = [x, y]", LR_EPARSE, 8, "expected ',' or ']'");

    /* deep nesting: 64 levels are fine, the 65th is refused at its key */
    t = repeat("a{", 64, "", "", &len);
    char *t2 = repeat("}", 64, t, "", &len);
    free(t);
    cases[n++] = (bad_case_t){"depth 64", t2, len, 0, 0, NULL};
    cases[n++] = (bad_case_t){"depth 65",      repeat("a{", 65, "", "", &len), len, LR_ELIMIT, 128,
                              "deeper than 64"};
    cases[n++] = (bad_case_t){
        "100000 sections", repeat("a{", 100000, "", "", &len), len, LR_ELIMIT, 128, NULL};
    cases[n++] =
        (bad_case_t){"100000 braces", repeat("{", 100000, "", "", &len), len, LR_EPARSE, 0, NULL};
    cases[n++] =
        (bad_case_t){"100000 closes", repeat("}", 100000, "a{", "", &len), len, LR_EPARSE, 3, NULL};
    cases[n++] = (bad_case_t){
        "100000 brackets", repeat("[", 100000, "a = ", "", &len), len, LR_EPARSE, 5, NULL};
    /* big strings */
    cases[n++] =
        (bad_case_t){"100 KB string", repeat("x", 100000, "a = \"", "\"\n", &len), len, 0, 0, NULL};
    cases[n++] = (bad_case_t){
        "100 KB unterminated", repeat("x", 100000, "a = \"", "", &len), len, LR_EPARSE, 4,
        "unterminated"};
    cases[n++] = (bad_case_t){"string over 1 MiB",
                              repeat("x", (1u << 20) + 1, "a = \"", "\"", &len),
                              len,
                              LR_ELIMIT,
                              4,
                              NULL};
    cases[n++] = (bad_case_t){
        "string of 1 MiB", repeat("x", 1u << 20, "a = \"", "\"", &len), len, 0, 0, NULL};
    cases[n++] = (bad_case_t){
        "key over 1 MiB", repeat("k", (1u << 20) + 1, "", " = 1", &len), len, LR_ELIMIT, 0, NULL};
    cases[n++] =
        (bad_case_t){"huge number", repeat("9", 5000, "a = ", "", &len), len, LR_ELIMIT, 4, NULL};
    cases[n++] =
        (bad_case_t){"long float", repeat("0", 400, "a = 1", ".5", &len), len, LR_ERANGE, 4, NULL};
    /* arrays: 65536 items fine, one more refused */
    t = repeat("1,", 65535, "a = [", "1]", &len);
    cases[n++] = (bad_case_t){"array of 65536", t, len, 0, 0, NULL};
    t = repeat("1,", 65536, "a = [", "1]", &len);
    cases[n++] = (bad_case_t){"array of 65537", t, len, LR_ELIMIT, 5 + 2 * 65536, NULL};
    cases[n++] =
        (bad_case_t){"many keys", repeat("k = \"v\"\n", 50000, "", "", &len), len, 0, 0, NULL};

    for (size_t i = 0; i < n; i++) {
        run_case(&cases[i]);
        free(cases[i].text);
    }
}

/* More than LR_CFG_MAX_TEXT bytes are refused before anything is copied. */
static void test_text_limit(void **state)
{
    (void)state;
    size_t len = (size_t)LR_CFG_MAX_TEXT + 1;
    char *big = calloc(1, len);
    assert_non_null(big);
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    assert_int_equal(lr_cfg_parse(big, len, &cfg, &err), LR_ELIMIT);
    assert_int_equal(err.offset, LR_CFG_MAX_TEXT);
    assert_null(cfg);
    free(big);
    assert_int_equal(lr_cfg_parse(NULL, 1, &cfg, &err), -EINVAL);
}

/* 1000000 nodes parse, one more is refused, also when added by the API. */
static void test_node_limit(void **state)
{
    (void)state;
    size_t len;
    char *t = repeat("a=1\n", LR_CFG_MAX_NODES + 1, "", "", &len);
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    assert_int_equal(lr_cfg_parse(t, len, &cfg, &err), LR_ELIMIT);
    assert_int_equal(err.offset, 4 * (uint64_t)LR_CFG_MAX_NODES);
    assert_int_equal(lr_cfg_parse(t, len - 4, &cfg, &err), 0);
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    assert_int_equal(lr_cfg_set_int(root, "b", 1, &err), LR_ELIMIT);
    lr_cfg_remove(lr_cfg_child(root));
    assert_int_equal(lr_cfg_set_int(root, "b", 1, &err), 0);
    lr_cfg_free(cfg);
    free(t);
}

/* Random bytes and randomly damaged real metadata never crash the parser;
 * whatever parses writes back identically. */
static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void fuzz_one(const char *buf, size_t len)
{
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    int rc = parse_exact(buf, len, &cfg, &err);
    if (rc) {
        assert_true(err.offset <= len || err.offset == LR_NO_OFFSET);
        return;
    }
    char *out;
    size_t olen;
    assert_int_equal(lr_cfg_write(cfg, &out, &olen, &err), 0);
    assert_int_equal(olen, len);
    assert_memory_equal(out, buf, len);
    free(out);
    lr_cfg_free(cfg);
}

static void test_fuzz(void **state)
{
    (void)state;
    static const char alphabet[] = "ab01-+.x{}[],=\"'#\\ \n\t\0\xff";
    char buf[2048];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = rnd() % sizeof(buf);
        bool text = iter % 2;
        for (size_t i = 0; i < len; i++)
            buf[i] = text ? alphabet[rnd() % (sizeof(alphabet) - 1)] : (char)rnd();
        fuzz_one(buf, len);
    }
    size_t len;
    char *real = lr_test_data("segtypes.raw", &len);
    char *work = malloc(len);
    assert_non_null(work);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(work, real, len);
        int flips = 1 + (int)(rnd() % 4);
        for (int f = 0; f < flips; f++)
            work[rnd() % len] = alphabet[rnd() % (sizeof(alphabet) - 1)];
        size_t cut = iter % 3 == 0 ? rnd() % len : len;
        fuzz_one(work, cut);
    }
    free(work);
    free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_roundtrip),
        cmocka_unit_test(test_data_roundtrip),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_nul_and_tail),
        cmocka_unit_test(test_edit_real),
        cmocka_unit_test(test_edit_add_raw),
        cmocka_unit_test(test_edit_add_indented),
        cmocka_unit_test(test_edit_from_empty),
        cmocka_unit_test(test_remove_rename),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_edit_same_line),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_text_limit),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
