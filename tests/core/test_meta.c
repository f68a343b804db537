/* Tests of the typed VG view (core/src/meta.c): the committed copy of every
 * fixture read as import_vsn1.c reads it must agree with what vgs/lvs/pvs
 * reported for it, every copy LVM2 wrote must pass lr_vg_check, and broken
 * or inconsistent VGs are refused with a reason. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/meta.h"
#include "support.h"
#include "view_diff.h"
#include "text_support.h"

#define MAX_COPIES 512

static lr_vg_t *vg_ok(const char *text, size_t len, const char *what)
{
    lr_vg_t *vg = NULL;
    lr_error_t err;
    char ebuf[700];
    if (lr_vg_parse(text, len, &vg, &err))
        fail_msg("%s: %s", what, lr_error_format(&err, ebuf, sizeof(ebuf)));
    if (lr_vg_check(vg, &err))
        fail_msg("%s: check: %s", what, lr_error_format(&err, ebuf, sizeof(ebuf)));
    return vg;
}

/* ------------------------------------------------------------------ */
/* comparing a view with LVM2's JSON reports                            */

typedef struct truth {
    const char *vgs, *lvs, *pvs, *segs;
} truth_t;

static void json_str(const char *json, const char *sec, int n, const char *key, char *out,
                     size_t len)
{
    if (lr_test_json_field(json, sec, n, key, out, len))
        fail_msg("no %s[%d].%s in report", sec, n, key);
}

static uint64_t json_u64(const char *json, const char *sec, int n, const char *key)
{
    uint64_t v;
    if (lr_test_json_u64(json, sec, n, key, &v))
        fail_msg("no numeric %s[%d].%s in report", sec, n, key);
    return v;
}

/* LVM2 prints tags sorted and comma-separated. */
static void assert_tags(const lr_strlist_t *tags, const char *printed, const char *what)
{
    size_t n = 0;
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", printed);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!lr_strlist_has(tags, t))
            fail_msg("%s: tag '%s' missing", what, t);
        n++;
    }
    if (n != tags->n)
        fail_msg("%s: %zu tags, report has %zu", what, tags->n, n);
}

static uint64_t vg_pe_total(const lr_vg_t *vg)
{
    uint64_t total = 0;
    for (size_t i = 0; i < vg->n_pvs; i++)
        total += vg->pvs[i].pe_count;
    return total;
}

static uint64_t vg_pe_used(const lr_vg_t *vg)
{
    uint64_t used = 0;
    for (size_t i = 0; i < vg->n_pvs; i++)
        used += lr_vg_pv_used(vg, i);
    return used;
}

static void compare_vg(const lr_vg_t *vg, const char *json, const char *what)
{
    char s[256];
    json_str(json, "vg", 0, "vg_name", s, sizeof(s));
    assert_string_equal(vg->name, s);
    json_str(json, "vg", 0, "vg_uuid", s, sizeof(s));
    assert_string_equal(vg->id, s);
    assert_int_equal(vg->seqno, json_u64(json, "vg", 0, "vg_seqno"));
    assert_int_equal(vg->extent_size * 512, json_u64(json, "vg", 0, "vg_extent_size"));
    assert_int_equal(vg_pe_total(vg), json_u64(json, "vg", 0, "vg_extent_count"));
    assert_int_equal(vg_pe_total(vg) - vg_pe_used(vg), json_u64(json, "vg", 0, "vg_free_count"));
    assert_int_equal(vg->n_pvs, json_u64(json, "vg", 0, "pv_count"));
    size_t visible = 0;
    for (size_t i = 0; i < vg->n_lvs; i++)
        visible += vg->lvs[i].visible;
    assert_int_equal(visible, json_u64(json, "vg", 0, "lv_count"));
    if (lr_test_json_field(json, "vg", 0, "vg_tags", s, sizeof(s)) == 0)
        assert_tags(&vg->tags, s, what);
}

/* "[name]" for hidden LVs in `lvs -a` reports. */
static const char *bare_name(char *name)
{
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
        name[n - 1] = '\0';
        return name + 1;
    }
    return name;
}

static void compare_lvs(const lr_vg_t *vg, const char *json, const char *what)
{
    int n = lr_test_json_count(json, "lv");
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        char name[256], s[256];
        json_str(json, "lv", i, "lv_name", name, sizeof(name));
        const lr_lv_t *lv = lr_vg_find_lv(vg, bare_name(name));
        if (!lv)
            fail_msg("%s: LV %s missing", what, name);
        json_str(json, "lv", i, "lv_uuid", s, sizeof(s));
        assert_string_equal(lv->id, s);
        assert_ptr_equal(lr_vg_find_lv_by_id(vg, s), lv);
        assert_int_equal(lv->extent_count * vg->extent_size * 512,
                         json_u64(json, "lv", i, "lv_size"));
        assert_int_equal(lv->n_segs, json_u64(json, "lv", i, "seg_count"));
        json_str(json, "lv", i, "lv_tags", s, sizeof(s));
        assert_tags(&lv->tags, s, lv->name);
        json_str(json, "lv", i, "lv_attr", s, sizeof(s));
        /* attr[1]: w writable, r read-only; hidden LVs are bracketed */
        assert_int_equal(s[1] == 'w', lr_strlist_has(&lv->status, "WRITE"));
        assert_int_equal(name[0] != '[', lv->visible);
    }
    if (!strstr(json, "\"lv_name\":\"["))
        for (size_t i = 0, vis = 0; i < vg->n_lvs; i++)
            if (vg->lvs[i].visible && ++vis > (size_t)n)
                fail_msg("%s: more visible LVs than the report", what);
}

/* The DEV name of a PV, from the report's pv_uuid -> pv_name. */
static void pv_dev_name(const lr_vg_t *vg, const char *pvs_json, size_t pv, char *out, size_t len)
{
    int n = lr_test_json_count(pvs_json, "pv");
    for (int i = 0; i < n; i++) {
        char uuid[64];
        json_str(pvs_json, "pv", i, "pv_uuid", uuid, sizeof(uuid));
        if (strcmp(uuid, vg->pvs[pv].id) == 0) {
            json_str(pvs_json, "pv", i, "pv_name", out, len);
            return;
        }
    }
    fail_msg("PV %s not in report", vg->pvs[pv].key);
}

static void compare_pvs(const lr_vg_t *vg, const char *json)
{
    int n = lr_test_json_count(json, "pv");
    assert_int_equal(n, vg->n_pvs);
    for (int i = 0; i < n; i++) {
        char uuid[64];
        json_str(json, "pv", i, "pv_uuid", uuid, sizeof(uuid));
        const lr_pv_t *pv = lr_vg_find_pv_by_id(vg, uuid);
        assert_non_null(pv);
        assert_ptr_equal(lr_vg_find_pv_by_id(vg, pv->raw_id), pv);
        assert_ptr_equal(lr_vg_find_pv_by_key(vg, pv->key), pv);
        assert_int_equal(pv->dev_size * 512, json_u64(json, "pv", i, "dev_size"));
        assert_int_equal(pv->pe_start * 512, json_u64(json, "pv", i, "pe_start"));
        assert_int_equal(pv->pe_count, json_u64(json, "pv", i, "pv_pe_count"));
        assert_int_equal(lr_vg_pv_used(vg, (size_t)(pv - vg->pvs)),
                         json_u64(json, "pv", i, "pv_pe_alloc_count"));
        assert_true(lr_strlist_has(&pv->status, "ALLOCATABLE"));
    }
}

/* devices as lvs prints them: "pv1(0),pv2(0)" / "lv_mimage_0(0),..."; raid
 * segments list only the images. */
static void seg_devices(const lr_vg_t *vg, const lr_seg_t *seg, const char *pvs_json, char *out,
                        size_t len)
{
    out[0] = '\0';
    for (size_t a = 0; a < seg->n_areas; a++) {
        const lr_seg_area_t *ar = &seg->areas[a];
        if (ar->pv_index < 0 && strstr(ar->name, "_rmeta_"))
            continue;
        char name[128];
        if (ar->pv_index >= 0)
            pv_dev_name(vg, pvs_json, (size_t)ar->pv_index, name, sizeof(name));
        else
            snprintf(name, sizeof(name), "%s", ar->name);
        size_t o = strlen(out);
        snprintf(out + o, len - o, "%s%s(%" PRIu64 ")", o ? "," : "", name, ar->start);
    }
}

static void compare_segs(const lr_vg_t *vg, const char *json, const char *pvs_json,
                         const char *what)
{
    int n = lr_test_json_count(json, "seg");
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        char name[256], s[512], dev[512];
        json_str(json, "seg", i, "lv_name", name, sizeof(name));
        const lr_lv_t *lv = lr_vg_find_lv(vg, bare_name(name));
        assert_non_null(lv);
        uint64_t start = json_u64(json, "seg", i, "seg_start_pe");
        const lr_seg_t *seg = NULL;
        for (size_t k = 0; k < lv->n_segs; k++)
            if (lv->segs[k].start_extent == start)
                seg = &lv->segs[k];
        if (!seg)
            fail_msg("%s: LV %s has no segment at %" PRIu64, what, lv->name, start);
        assert_int_equal(seg->extent_count, json_u64(json, "seg", i, "seg_size_pe"));
        json_str(json, "seg", i, "segtype", s, sizeof(s));
        bool linear = strcmp(seg->type, "striped") == 0 && seg->stripe_count == 1;
        assert_string_equal(linear ? "linear" : seg->type, s);
        if (!seg->known)
            continue; /* opaque types: thin, thin-pool, ... */
        assert_int_equal(seg->stripe_count, json_u64(json, "seg", i, "stripes"));
        assert_int_equal(seg->stripe_size * 512, json_u64(json, "seg", i, "stripe_size"));
        json_str(json, "seg", i, "devices", s, sizeof(s));
        seg_devices(vg, seg, pvs_json, dev, sizeof(dev));
        assert_string_equal(dev, s);
    }
}

static void compare_all(const lr_vg_t *vg, const truth_t *t, const char *what)
{
    compare_vg(vg, t->vgs, what);
    compare_lvs(vg, t->lvs, what);
    compare_pvs(vg, t->pvs);
    compare_segs(vg, t->segs, t->pvs, what);
}

/* ------------------------------------------------------------------ */
/* fixtures                                                             */

static bool load_truth(const char *fx, const char *prefix, truth_t *t)
{
    char name[64];
    snprintf(name, sizeof(name), "%svgs.json", prefix);
    t->vgs = lr_test_truth(fx, name, NULL);
    snprintf(name, sizeof(name), "%slvs.json", prefix);
    t->lvs = lr_test_truth(fx, name, NULL);
    snprintf(name, sizeof(name), "%spvs.json", prefix);
    t->pvs = lr_test_truth(fx, name, NULL);
    snprintf(name, sizeof(name), "%ssegs.json", prefix);
    t->segs = lr_test_truth(fx, name, NULL);
    return t->vgs && t->lvs && t->pvs && t->segs;
}

static void free_truth(truth_t *t)
{
    free((char *)t->vgs);
    free((char *)t->lvs);
    free((char *)t->pvs);
    free((char *)t->segs);
}

/* The committed copy of every PV of every fixture (and oldvg of `reinit`)
 * agrees with vgs/lvs/pvs/segs. */
static void test_fixture_views(void **state)
{
    (void)state;
    int compared = 0;
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        const char *fx = lr_test_fixtures[f];
        static char names[16][128];
        int nn = lr_test_truth_files(fx, "pvck-metadata", names, 16);
        assert_true(nn > 0);
        for (int i = 0; i < nn; i++) {
            bool old = strstr(names[i], ".old-") != NULL;
            truth_t t = {0};
            if (!load_truth(fx, old ? "old-" : "", &t))
                fail_msg("%s: missing %sjson truth", fx, old ? "old-" : "");
            size_t len;
            char *text = lr_test_truth(fx, names[i], &len);
            char what[300];
            snprintf(what, sizeof(what), "%.60s/%.127s", fx, names[i]);
            lr_vg_t *vg = vg_ok(text, len, what);
            compare_all(vg, &t, what);
            compared++;
            lr_vg_free(vg);
            free(text);
            free_truth(&t);
        }
    }
    print_message("compared %d committed copies with the LVM2 reports\n", compared);
    assert_true(compared >= (int)lr_test_n_fixtures);
}

/* Every copy LVM2 ever wrote into a ring is a consistent VG, and the copy
 * pvck lists with a seqno has that seqno. */
static void test_fixture_history(void **state)
{
    (void)state;
    static lr_test_text_t copies[MAX_COPIES];
    static lr_test_copy_t listed[MAX_COPIES];
    int total = 0;
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        const char *fx = lr_test_fixtures[f];
        static char names[16][128];
        int nn = lr_test_truth_files(fx, "pvck-all-mda", names, 16);
        for (int i = 0; i < nn; i++) {
            size_t len;
            char *buf = lr_test_truth(fx, names[i], &len);
            int n = lr_test_split_pvck_all(buf, len, copies, MAX_COPIES);
            char path[1024], file[300];
            const char *p = strstr(names[i], "pvck-all-");
            snprintf(file, sizeof(file), "truth/%.*spvck-search-%.100s", (int)(p - names[i]),
                     names[i], p + 9);
            int nl =
                lr_test_pvck_search(lr_test_path(path, sizeof(path), fx, file), listed, MAX_COPIES);
            assert_int_equal(nl, n);
            for (int c = 0; c < n; c++) {
                char what[300];
                snprintf(what, sizeof(what), "%.60s/%.127s copy %d", fx, names[i], c);
                lr_vg_t *vg = vg_ok(copies[c].p, copies[c].len, what);
                assert_int_equal(vg->seqno, listed[c].seqno);
                assert_string_equal(vg->name, listed[c].vg);
                assert_string_equal(vg->id, listed[c].id);
                assert_non_null(vg->description);
                assert_string_equal(vg->contents, "Text Format Volume Group");
                assert_int_equal(vg->version, 1);
                assert_true(vg->creation_time > 0);
                assert_string_equal(vg->format, "lvm2");
                lr_vg_free(vg);
                total++;
            }
            free(buf);
        }
    }
    print_message("checked %d copies\n", total);
    assert_true(total > 100);
}

/* ------------------------------------------------------------------ */
/* LVM2-written raid1 / mirror / thin (tests/data)                      */

/* LVM2's own reports of the segtypes VG (tests/data/segtypes.*.json). */
static truth_t segtypes_truth(void)
{
    return (truth_t){
        lr_test_data("segtypes.vgs.json", NULL),
        lr_test_data("segtypes.lvs.json", NULL),
        lr_test_data("segtypes.pvs.json", NULL),
        lr_test_data("segtypes.segs.json", NULL),
    };
}

static void test_data_views(void **state)
{
    (void)state;
    truth_t t = segtypes_truth();
    const char *files[] = {"segtypes.raw", "segtypes.backup"};
    for (size_t f = 0; f < 2; f++) {
        size_t len;
        char *text = lr_test_data(files[f], &len);
        lr_vg_t *vg = vg_ok(text, len, files[f]);
        compare_all(vg, &t, files[f]);
        assert_int_equal(vg->n_lvs, 15);
        lr_vg_free(vg);
        free(text);
    }
    free_truth(&t);
}

/* lr_vg_drop_tree (alone in its pool): the view still matches LVM2's own reports of the VG
 * (every segment type), its header strings are unchanged, no node is left;
 * a view over a tree it does not own is refused. */
static void test_drop_tree(void **state)
{
    (void)state;
    truth_t t = segtypes_truth();
    size_t len;
    char *text = lr_test_data("segtypes.backup", &len);
    lr_vg_t *vg = vg_ok(text, len, "segtypes.backup");
    char *desc = strdup(vg->description), *host = strdup(vg->creation_host);
    lr_strpool_t *pool = lr_strpool_new();
    assert_non_null(pool);
    assert_int_equal(lr_vg_drop_tree(vg, pool), 0);
    memset(text, 'x', len); /* nothing points into the text either */
    assert_null(vg->cfg);
    assert_null(vg->node);
    for (size_t i = 0; i < vg->n_lvs; i++) {
        assert_null(vg->lvs[i].node);
        for (size_t s = 0; s < vg->lvs[i].n_segs; s++)
            assert_null(vg->lvs[i].segs[s].node);
    }
    assert_null(vg->pvs[0].node);
    compare_all(vg, &t, "segtypes.backup, tree dropped");
    assert_string_equal(vg->description, desc);
    assert_string_equal(vg->creation_host, host);
    assert_string_equal(vg->contents, "Text Format Volume Group");
    assert_int_equal(lr_vg_drop_tree(vg, pool), -EINVAL); /* no tree left */
    lr_vg_free(vg);
    free(desc);
    free(host);
    free(text);
    free_truth(&t);

    text = lr_test_data("segtypes.raw", &len);
    lr_cfg_t *cfg = NULL;
    assert_int_equal(lr_cfg_parse(text, len, &cfg, NULL), 0);
    assert_int_equal(lr_vg_from_cfg(cfg, &vg, NULL), 0);
    assert_int_equal(lr_vg_drop_tree(vg, pool), -EINVAL); /* the caller's tree */
    assert_non_null(vg->node);
    lr_vg_free(vg);
    lr_cfg_free(cfg);
    free(text);
    assert_int_equal(lr_vg_drop_tree(NULL, pool), -EINVAL);
    lr_strpool_free(pool);
}

/* The strings and arrays into one pool: two views of the same text (two
 * versions alike) share every string, segment array, area array and list,
 * each still equal to LVM2's own report; the raw ring copy of the VG and a
 * VG of 60 LVs dropped into the same pool keep their values (the second
 * against a view that keeps its tree), and all outlive their texts. */
static void test_drop_tree_pooled(void **state)
{
    (void)state;
    truth_t t = segtypes_truth();
    size_t len, rlen, mlen;
    char *text = lr_test_data("segtypes.backup", &len);
    char *raw = lr_test_data("segtypes.raw", &rlen);
    char *many = lr_test_data("many-lvs.backup", &mlen);
    lr_vg_t *a = vg_ok(text, len, "segtypes.backup");
    lr_vg_t *b = vg_ok(text, len, "segtypes.backup");
    lr_vg_t *c = vg_ok(raw, rlen, "segtypes.raw");
    lr_vg_t *d = vg_ok(many, mlen, "many-lvs.backup");
    lr_vg_t *d0 = vg_ok(many, mlen, "many-lvs.backup");
    lr_strpool_t *pool = lr_strpool_new();
    assert_non_null(pool);
    assert_int_equal(lr_vg_drop_tree(a, NULL), -EINVAL);
    assert_int_equal(lr_vg_drop_tree(NULL, pool), -EINVAL);
    assert_int_equal(lr_vg_drop_tree(a, pool), 0);
    size_t held = lr_strpool_count(pool);
    assert_true(held > 0);
    assert_int_equal(lr_vg_drop_tree(b, pool), 0);
    assert_int_equal(lr_strpool_count(pool), held); /* b brought nothing new */
    assert_int_equal(lr_vg_drop_tree(c, pool), 0);
    assert_int_equal(lr_vg_drop_tree(d, pool), 0);
    memset(text, 'x', len);
    memset(raw, 'x', rlen);
    assert_null(a->cfg);
    assert_null(b->node);
    compare_all(a, &t, "segtypes.backup, tree dropped into a pool");
    compare_all(b, &t, "segtypes.backup, second view, tree dropped into a pool");
    compare_all(c, &t, "segtypes.raw, tree dropped into the same pool");
    char why[256];
    const char *diff = lr_test_view_diff(d, d0, why, sizeof(why));
    if (diff)
        fail_msg("many-lvs.backup dropped into the pool differs at %s", diff);
    assert_ptr_equal(a->name, b->name);
    assert_ptr_equal(a->description, b->description);
    assert_ptr_equal(a->status.v, b->status.v);
    for (size_t i = 0; i < a->n_lvs; i++) {
        assert_ptr_equal(a->lvs[i].name, b->lvs[i].name);
        assert_ptr_equal(a->lvs[i].id, b->lvs[i].id);
        assert_ptr_equal(a->lvs[i].segs, b->lvs[i].segs);
        assert_ptr_equal(a->lvs[i].status.v, b->lvs[i].status.v);
        for (size_t s = 0; s < a->lvs[i].n_segs; s++) {
            assert_null(a->lvs[i].segs[s].node);
            if (a->lvs[i].segs[s].n_areas)
                assert_ptr_equal(a->lvs[i].segs[s].areas, c->lvs[i].segs[s].areas);
        }
    }
    assert_ptr_equal(a->pvs[0].id, b->pvs[0].id);
    assert_int_equal(lr_vg_drop_tree(a, pool), -EINVAL); /* no tree left */
    lr_vg_free(a);
    lr_vg_free(b);
    lr_vg_free(c);
    lr_vg_free(d);
    lr_vg_free(d0);
    lr_strpool_free(pool);
    free(text);
    free(raw);
    free(many);
    free_truth(&t);
}

static void test_view_details(void **state)
{
    (void)state;
    size_t len;
    char *text = lr_test_data("segtypes.raw", &len);
    lr_vg_t *vg = vg_ok(text, len, "segtypes.raw");
    assert_string_equal(vg->name, "vgt");
    assert_int_equal(strlen(vg->raw_id), 32);
    assert_null(strchr(vg->raw_id, '-'));
    assert_true(lr_strlist_has(&vg->status, "RESIZEABLE"));
    assert_false(lr_strlist_has(&vg->status, "nope"));
    assert_int_equal(vg->extent_size, 8192);
    assert_int_equal(vg->max_lv, 0);
    assert_non_null(vg->creation_host);
    assert_true(strstr(vg->description, "vgchange") != NULL);
    assert_ptr_equal(vg->pvs[0].node, lr_cfg_find(vg->node, "physical_volumes/pv0"));
    assert_string_equal(vg->pvs[0].device, "/dev/loop0");
    assert_int_equal(vg->pvs[0].ba_start, 0);

    const lr_lv_t *lin = lr_vg_find_lv(vg, "lin");
    assert_non_null(lin);
    assert_true(lin->visible);
    assert_int_equal(lin->n_segs, 2);
    assert_int_equal(lin->extent_count, 3);
    assert_string_equal(lin->segs[1].key, "segment2");
    assert_int_equal(lin->segs[1].areas[0].start, 4);
    assert_int_equal(lin->segs[1].areas[0].pv_index, 0);
    assert_true(lin->creation_time > 0);
    assert_string_equal(lin->creation_host, "vm");
    assert_true(lr_strlist_has(&lin->tags, "a#b=c"));

    const lr_lv_t *str = lr_vg_find_lv(vg, "str");
    assert_int_equal(str->segs[0].stripe_count, 2);
    assert_int_equal(str->segs[0].stripe_size, 128);
    assert_int_equal(str->segs[0].n_areas, 2);
    assert_int_equal(str->segs[0].areas[1].pv_index, 1);

    const lr_lv_t *r1 = lr_vg_find_lv(vg, "r1");
    assert_true(r1->segs[0].known);
    assert_string_equal(r1->segs[0].type, "raid1");
    assert_int_equal(r1->segs[0].stripe_count, 2);
    assert_int_equal(r1->segs[0].n_areas, 4);
    assert_string_equal(r1->segs[0].areas[0].name, "r1_rmeta_0");
    assert_string_equal(r1->segs[0].areas[3].name, "r1_rimage_1");
    assert_int_equal(r1->segs[0].areas[3].pv_index, -1);
    assert_false(lr_vg_find_lv(vg, "r1_rimage_0")->visible);

    const lr_lv_t *m = lr_vg_find_lv(vg, "m");
    assert_true(m->segs[0].known);
    assert_int_equal(m->segs[0].stripe_count, 2);
    assert_string_equal(m->segs[0].areas[1].name, "m_mimage_1");

    const lr_lv_t *thin = lr_vg_find_lv(vg, "thin1");
    assert_false(thin->segs[0].known);
    assert_string_equal(thin->segs[0].type, "thin");
    assert_int_equal(thin->segs[0].n_areas, 0);
    const char *pool;
    lr_error_t err;
    assert_int_equal(lr_cfg_get_str(thin->segs[0].node, "thin_pool", &pool, &err), 0);
    assert_string_equal(pool, "pool");

    assert_null(lr_vg_find_lv(vg, "nope"));
    assert_null(lr_vg_find_pv_by_key(vg, "pv9"));
    assert_null(lr_vg_find_pv_by_id(vg, "short"));
    assert_null(lr_vg_find_lv_by_id(vg, NULL));
    lr_vg_free(vg);
    free(text);

    /* a view over a caller's tree leaves the tree alone */
    lr_cfg_t *cfg = NULL;
    text = lr_test_data("segtypes.backup", &len);
    assert_int_equal(lr_cfg_parse(text, len, &cfg, &err), 0);
    assert_int_equal(lr_vg_from_cfg(cfg, &vg, &err), 0);
    assert_ptr_equal(vg->cfg, cfg);
    assert_ptr_equal(vg->node, lr_cfg_find(lr_cfg_root(cfg), "vgt"));
    lr_vg_free(vg);
    assert_non_null(lr_cfg_find(lr_cfg_root(cfg), "vgt/seqno"));
    lr_cfg_free(cfg);
    free(text);
    lr_vg_free(NULL);
}

/* ------------------------------------------------------------------ */
/* segment-area extents and the PV-area walk (one rule in core)          */

static lr_seg_t seg_of(const char *type, uint64_t extents, uint64_t count, uint64_t copies)
{
    return (lr_seg_t){.type = type,
                      .known = true,
                      .extent_count = extents,
                      .stripe_count = count,
                      .data_copies = copies};
}

/* Linear is a striped-family segment with one stripe on one PV area. */
static void test_seg_linear_rule(void **state)
{
    (void)state;
    lr_seg_area_t on_pv = {.pv_index = 0}, on_lv = {.pv_index = -1};
    lr_seg_t s = seg_of("striped", 7, 1, 1);
    s.n_areas = 1;
    s.areas = &on_pv;
    assert_true(lr_seg_is_striped(&s) && lr_seg_is_linear(&s));
    s.type = "linear";
    assert_true(lr_seg_is_striped(&s) && lr_seg_is_linear(&s));
    s.areas = &on_lv; /* over a sub-LV: not straight onto a PV */
    assert_false(lr_seg_is_linear(&s));
    s = seg_of("striped", 8, 2, 1);
    s.n_areas = 2;
    lr_seg_area_t two[2] = {{.pv_index = 0}, {.pv_index = 1}};
    s.areas = two;
    assert_true(lr_seg_is_striped(&s));
    assert_false(lr_seg_is_linear(&s));
    s = seg_of("mirror", 6, 1, 1);
    s.n_areas = 1;
    s.areas = &on_pv;
    assert_false(lr_seg_is_striped(&s) || lr_seg_is_linear(&s));
    s = seg_of("striped", 7, 1, 1);
    s.known = false; /* areas not decoded */
    assert_false(lr_seg_is_linear(&s));
    assert_false(lr_seg_is_striped(NULL) || lr_seg_is_linear(NULL));
}

/* Mirror: LVM2's "mirror" and "raid1", exactly as written; no other raid. */
static void test_seg_mirror_rule(void **state)
{
    (void)state;
    lr_seg_t s = seg_of("mirror", 6, 2, 2);
    assert_true(lr_seg_is_mirror(&s));
    s.type = "raid1";
    assert_true(lr_seg_is_mirror(&s));
    const char *others[] = {"raid10", "raid1_x", "raid5", "striped", "linear", "mirrored", "Raid1"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        s.type = others[i];
        assert_false(lr_seg_is_mirror(&s));
    }
    s.type = NULL;
    assert_false(lr_seg_is_mirror(&s));
    assert_false(lr_seg_is_mirror(NULL));
}

/* pvmove's mirror: a "mirror" whose data areas are all PV areas. */
static void test_seg_pvmove_rule(void **state)
{
    (void)state;
    lr_seg_area_t pvs[2] = {{.pv_index = 0}, {.pv_index = 1}};
    lr_seg_area_t lvs[2] = {{.pv_index = -1}, {.pv_index = -1}};
    lr_seg_area_t mixed[2] = {{.pv_index = 0}, {.pv_index = -1}};
    lr_seg_t s = seg_of("mirror", 2, 2, 2);
    s.n_areas = 2;
    s.areas = pvs;
    assert_true(lr_seg_is_pvmove(&s));
    s.areas = lvs; /* lvcreate --type mirror: legs are _mimage LVs */
    assert_false(lr_seg_is_pvmove(&s));
    s.areas = mixed;
    assert_false(lr_seg_is_pvmove(&s));
    s.areas = pvs;
    s.type = "raid1"; /* raid1 legs over PVs are not a pvmove */
    assert_false(lr_seg_is_pvmove(&s));
    s.type = "mirror";
    s.n_areas = 0;
    assert_false(lr_seg_is_pvmove(&s));
    assert_false(lr_seg_is_pvmove(NULL));
}

/* lr_seg_area_len per segment type, each value from LVM2's own arithmetic. */
static void test_seg_area_len_rule(void **state)
{
    (void)state;
    lr_seg_t s;
    /* striped.c _striped_text_import: area_len = extent_count / area_count */
    s = seg_of("striped", 7, 1, 1); /* linear: one stripe holds all */
    assert_int_equal(lr_seg_area_len(&s), 7);
    s = seg_of("linear", 7, 1, 1); /* striped.c init_linear_segtype: same ops */
    assert_int_equal(lr_seg_area_len(&s), 7);
    s = seg_of("striped", 12, 3, 1);
    assert_int_equal(lr_seg_area_len(&s), 4);
    s = seg_of("striped", 8, 2, 1);
    assert_int_equal(lr_seg_area_len(&s), 4);
    /* import_vsn1.c _read_segment: area_len = extent_count for types without
     * parity devices; mirrored.c and raid.c leave it for mirror and raid1 */
    s = seg_of("mirror", 6, 2, 2);
    assert_int_equal(lr_seg_area_len(&s), 6);
    s = seg_of("mirror", 6, 3, 3);
    assert_int_equal(lr_seg_area_len(&s), 6);
    s = seg_of("raid1", 6, 2, 2);
    assert_int_equal(lr_seg_area_len(&s), 6);
    /* raid.c _raid_text_import: raid0 divides like striped */
    s = seg_of("raid0", 9, 3, 1);
    assert_int_equal(lr_seg_area_len(&s), 3);
    s = seg_of("raid0_meta", 8, 2, 1);
    assert_int_equal(lr_seg_area_len(&s), 4);
    /* _read_segment -> raid_manip.c raid_rimage_extents(extents, stripes =
     * area_count - parity_devs): dm_div_up(extents, stripes) */
    s = seg_of("raid5", 8, 3, 2); /* 2 data + 1 parity: 4 each */
    assert_int_equal(lr_seg_area_len(&s), 4);
    s = seg_of("raid5_ls", 9, 4, 2); /* 3 data: 3 each */
    assert_int_equal(lr_seg_area_len(&s), 3);
    s = seg_of("raid5_n", 7, 3, 2); /* 7 over 2 data, rounded up: 4 */
    assert_int_equal(lr_seg_area_len(&s), 4);
    s = seg_of("raid4", 6, 4, 2); /* 3 data */
    assert_int_equal(lr_seg_area_len(&s), 2);
    s = seg_of("raid6", 12, 5, 3); /* 5 - 2 parity = 3 data: 4 each */
    assert_int_equal(lr_seg_area_len(&s), 4);
    s = seg_of("raid6_nc", 10, 4, 3); /* 2 data: 5 each */
    assert_int_equal(lr_seg_area_len(&s), 5);
    s = seg_of("raid6_zr", 12, 2, 3); /* no data device left: no rule */
    assert_int_equal(lr_seg_area_len(&s), 0);
    /* raid_rimage_extents for raid10: extents * data_copies / area_count,
     * rounded up - the size of each image LV LVM2 allocates */
    s = seg_of("raid10", 8, 4, 2); /* 2 stripes x 2 copies: 4 each */
    assert_int_equal(lr_seg_area_len(&s), 4);
    s = seg_of("raid10", 9, 6, 3); /* 27 over 6: 5 */
    assert_int_equal(lr_seg_area_len(&s), 5);
    s = seg_of("raid10_near", 6, 4, 2);
    assert_int_equal(lr_seg_area_len(&s), 3);
    /* thin, snapshot, cache, unknown raid levels: no decoded areas, no rule */
    s = seg_of("thin", 10, 0, 0);
    s.known = false;
    assert_int_equal(lr_seg_area_len(&s), 0);
    s = seg_of("snapshot", 10, 0, 0);
    s.known = false;
    assert_int_equal(lr_seg_area_len(&s), 0);
    s = seg_of("raid7", 10, 4, 2);
    assert_int_equal(lr_seg_area_len(&s), 0);
    s = seg_of("striped", 10, 0, 1); /* no stripes: nothing to divide by */
    assert_int_equal(lr_seg_area_len(&s), 0);
    assert_int_equal(lr_seg_area_len(NULL), 0);
}

/* On metadata LVM2 wrote (tests/data/segtypes.raw): every data area's
 * length equals what LVM2 allocated for it - the image or leg LV's extent
 * count, or the stripe's share of the segment - and thin LVs have none. */
static void test_seg_area_len_lvm2_data(void **state)
{
    (void)state;
    size_t len;
    char *text = lr_test_data("segtypes.raw", &len);
    lr_vg_t *vg = vg_ok(text, len, "segtypes.raw");
    const lr_seg_t *r1 = &lr_vg_find_lv(vg, "r1")->segs[0];
    assert_int_equal(r1->data_copies, 2); /* lv_raid_data_copies: raid1 = images */
    assert_int_equal(lr_seg_area_len(r1), lr_vg_find_lv(vg, "r1_rimage_0")->extent_count);
    assert_int_equal(lr_seg_area_len(r1), lr_vg_find_lv(vg, "r1_rimage_1")->extent_count);
    assert_true(r1->areas[0].meta && !r1->areas[1].meta && r1->areas[2].meta && !r1->areas[3].meta);
    const lr_seg_t *m = &lr_vg_find_lv(vg, "m")->segs[0];
    assert_int_equal(m->data_copies, 2);
    assert_int_equal(lr_seg_area_len(m), lr_vg_find_lv(vg, "m_mimage_0")->extent_count);
    const lr_seg_t *str = &lr_vg_find_lv(vg, "str")->segs[0];
    assert_int_equal(lr_seg_area_len(str) * str->stripe_count, str->extent_count);
    const lr_lv_t *lin = lr_vg_find_lv(vg, "lin");
    assert_int_equal(lr_seg_area_len(&lin->segs[0]), 2);
    assert_int_equal(lr_seg_area_len(&lin->segs[1]), 1);
    assert_int_equal(lr_seg_area_len(&lr_vg_find_lv(vg, "thin1")->segs[0]), 0);
    assert_int_equal(lr_seg_area_len(&lr_vg_find_lv(vg, "pool")->segs[0]), 0);
    lr_vg_free(vg);
    free(text);
}

/* The walk yields exactly the areas naming PVs, in text order, with the
 * rule's length; its sums are what pvs reports as pv_pe_alloc_count
 * (compare_pvs), and a NULL VG is an empty walk. */
static void test_pv_area_walk(void **state)
{
    (void)state;
    size_t len;
    char *text = lr_test_data("segtypes.raw", &len);
    lr_vg_t *vg = vg_ok(text, len, "segtypes.raw");
    size_t n = 0, expect = 0;
    uint64_t per_pv[2] = {0, 0};
    for (size_t l = 0; l < vg->n_lvs; l++)
        for (size_t s = 0; s < vg->lvs[l].n_segs; s++)
            for (size_t a = 0; a < vg->lvs[l].segs[s].n_areas; a++)
                expect += vg->lvs[l].segs[s].areas[a].pv_index >= 0;
    lr_pv_area_t pa;
    size_t last_lv = 0;
    for (lr_pv_area_iter_t it = lr_pv_areas(vg); lr_pv_area_next(&it, &pa); n++) {
        assert_true(pa.lv >= last_lv);
        last_lv = pa.lv;
        assert_true(pa.pv < vg->n_pvs);
        assert_int_equal(pa.area->pv_index, (int)pa.pv);
        assert_int_equal(pa.start, pa.area->start);
        assert_int_equal(pa.len, lr_seg_area_len(pa.seg));
        assert_true(pa.len > 0);
        per_pv[pa.pv] += pa.len;
        if (n == 0) { /* lin segment1: pv0 extents 0-1 */
            assert_string_equal(vg->lvs[pa.lv].name, "lin");
            assert_int_equal(pa.pv, 0);
            assert_int_equal(pa.start, 0);
            assert_int_equal(pa.len, 2);
        }
    }
    assert_int_equal(n, expect);
    assert_true(n >= 10);
    assert_int_equal(per_pv[0], lr_vg_pv_used(vg, 0));
    assert_int_equal(per_pv[1], lr_vg_pv_used(vg, 1));
    lr_pv_area_iter_t none = lr_pv_areas(NULL);
    assert_false(lr_pv_area_next(&none, &pa));
    lr_vg_free(vg);
    free(text);
}

/* ------------------------------------------------------------------ */
/* refused VGs                                                          */

/* A small VG in LVM2's raw style with a hole to fill: %s goes inside the
 * VG section after the PVs (LVs), %s after it (header). */
static const char vg_head[] = "vg0 {\n"
                              "id = \"aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg\"\n"
                              "seqno = 3\n"
                              "format = \"lvm2\"\n"
                              "status = [\"RESIZEABLE\", \"READ\", \"WRITE\"]\n"
                              "flags = []\n"
                              "extent_size = 8192\n"
                              "max_lv = 0\n"
                              "max_pv = 0\n"
                              "metadata_copies = 0\n"
                              "\n"
                              "physical_volumes {\n"
                              "\n"
                              "pv0 {\n"
                              "id = \"pppppp-pppp-pppp-pppp-pppp-pppp-ppppp0\"\n"
                              "status = [\"ALLOCATABLE\"]\n"
                              "dev_size = 131072\n"
                              "pe_start = 2048\n"
                              "pe_count = 15\n"
                              "}\n"
                              "\n"
                              "pv1 {\n"
                              "id = \"pppppp-pppp-pppp-pppp-pppp-pppp-ppppp1\"\n"
                              "status = [\"ALLOCATABLE\"]\n"
                              "dev_size = 131072\n"
                              "pe_start = 2048\n"
                              "pe_count = 15\n"
                              "}\n"
                              "}\n"
                              "\n";

static char *make_vg(const char *lvs)
{
    size_t n = strlen(vg_head) + strlen(lvs) + 100;
    char *t = malloc(n);
    assert_non_null(t);
    snprintf(t, n, "%s%s}\ncontents = \"Text Format Volume Group\"\nversion = 1\n", vg_head, lvs);
    return t;
}

/* An LV section; its id begins with the name's letters and digits, so
 * that LVs of one case have ids of their own (lr_vg_check refuses two LVs
 * with one id). */
static const char *lv(const char *name, const char *segs, int count)
{
    static char buf[8][2048];
    static int k;
    char *b = buf[k++ % 8];
    char id[] = "llllll-llll-llll-llll-llll-llll-llllll";
    for (size_t i = 0, j = 0; name[i] && id[j]; i++) {
        if (!isalnum((unsigned char)name[i]))
            continue;
        if (id[j] == '-')
            j++;
        id[j++] = name[i];
    }
    snprintf(b, 2048,
             "%s {\nid = \"%s\"\n"
             "status = [\"READ\", \"WRITE\", \"VISIBLE\"]\nflags = []\nsegment_count = %d\n%s}\n",
             name, id, count, segs);
    return b;
}

static const char *seg(int n, int start, int count, const char *pv, int pe)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 512,
             "segment%d {\nstart_extent = %d\nextent_count = %d\ntype = \"striped\"\n"
             "stripe_count = 1\nstripes = [\"%s\", %d]\n}\n",
             n, start, count, pv, pe);
    return b;
}

typedef struct vg_case {
    const char *name;
    char *text;
    int parse_code;  /* expected from lr_vg_parse */
    int check_code;  /* expected from lr_vg_check when parse succeeds */
    const char *msg; /* substring of the failing message */
} vg_case_t;

static vg_case_t vcase(const char *name, char *text, int parse_code, int check_code,
                       const char *msg)
{
    return (vg_case_t){name, text, parse_code, check_code, msg};
}

static char *lvs_section(const char *a, const char *b)
{
    char *t = malloc(8192);
    assert_non_null(t);
    snprintf(t, 8192, "logical_volumes {\n\n%s\n%s}\n", a, b ? b : "");
    return t;
}

static char *vg_with(const char *a, const char *b)
{
    char *l = lvs_section(a, b);
    char *t = make_vg(l);
    free(l);
    return t;
}

static char *replace(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    assert_non_null(p);
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *t = malloc(n + 1);
    assert_non_null(t);
    memcpy(t, text, (size_t)(p - text));
    strcpy(t + (p - text), to);
    strcat(t, p + strlen(from));
    return t;
}

static void test_vg_refused(void **state)
{
    (void)state;
    char one_seg[512];
    snprintf(one_seg, sizeof(one_seg), "%s", seg(1, 0, 2, "pv0", 0));
    char *good = vg_with(lv("lv1", one_seg, 1), NULL);
    vg_case_t c[64];
    size_t n = 0;
    c[n++] = vcase("good", strdup(good), 0, 0, NULL);
    c[n++] = vcase("no VG", strdup("contents = \"x\"\nvg { a = 1 }\n"), LR_EFORMAT, 0,
                   "no volume group");
    c[n++] = vcase("syntax", replace(good, "seqno = 3", "seqno = = 3"), LR_EPARSE, 0, NULL);
    c[n++] = vcase("bad vg uuid", replace(good, "aaaaaa-bbbb", "aaaaa?-bbbb"), LR_EFORMAT, 0,
                   "invalid uuid");
    c[n++] = vcase("short uuid", replace(good, "aaaaaa-bbbb", "aaaa-bbbb"), LR_EFORMAT, 0,
                   "invalid uuid");
    c[n++] = vcase("seqno string", replace(good, "seqno = 3", "seqno = \"3\""), LR_EFORMAT, 0,
                   "'seqno' has the wrong type");
    c[n++] = vcase("negative seqno", replace(good, "seqno = 3", "seqno = -3"), LR_EFORMAT, 0,
                   "negative");
    c[n++] = vcase("no extent_size", replace(good, "extent_size = 8192\n", ""), LR_EFORMAT, 0,
                   "missing 'extent_size'");
    c[n++] =
        vcase("status as one string",
              replace(good, "status = [\"RESIZEABLE\", \"READ\", \"WRITE\"]", "status = \"READ\""),
              0, 0, NULL);
    c[n++] = vcase("status as number",
                   replace(good, "status = [\"RESIZEABLE\", \"READ\", \"WRITE\"]", "status = 5"),
                   LR_EFORMAT, 0, "VG 'vg0': 'status' has the wrong type");
    c[n++] = vcase("status with int", replace(good, "\"RESIZEABLE\", ", "1, "), LR_EFORMAT, 0,
                   "'status'");
    c[n++] = vcase("no PVs", replace(good, "physical_volumes {", "physical_volumez {"), LR_EFORMAT,
                   0, "missing physical_volumes");
    c[n++] = vcase("PV without id",
                   replace(good, "id = \"pppppp-pppp-pppp-pppp-pppp-pppp-ppppp0\"\n", ""),
                   LR_EFORMAT, 0, "PV 'pv0': missing 'id'");
    c[n++] = vcase("PV without pe_start", replace(good, "pe_start = 2048\n", ""), LR_EFORMAT, 0,
                   "PV 'pv0': missing 'pe_start'");
    c[n++] =
        vcase("value in PVs", replace(good, "physical_volumes {\n", "physical_volumes {\nx = 1\n"),
              LR_EFORMAT, 0, "not a section");
    c[n++] = vcase("duplicate PV key", replace(good, "pv1 {", "pv0 {"), LR_EFORMAT, 0,
                   "duplicate PV section 'pv0'");
    c[n++] = vcase("duplicate PV uuid", replace(good, "ppppp1\"", "ppppp0\""), 0, LR_EFORMAT,
                   "same uuid");
    c[n++] = vcase("no type", replace(good, "type = \"striped\"\n", ""), LR_EFORMAT, 0,
                   "LV 'lv1' segment1: missing 'type'");
    c[n++] = vcase("no start_extent", replace(good, "start_extent = 0\n", ""), LR_EFORMAT, 0,
                   "missing 'start_extent'");
    c[n++] = vcase("no extent_count", replace(good, "extent_count = 2\n", ""), LR_EFORMAT, 0,
                   "missing 'extent_count'");
    c[n++] = vcase("segment_count", replace(good, "segment_count = 1", "segment_count = 2"),
                   LR_EFORMAT, 0, "segment_count is 2 but 1 segments follow");
    c[n++] = vcase("unknown PV", replace(good, "[\"pv0\", 0]", "[\"pv7\", 0]"), LR_EFORMAT, 0,
                   "unknown volume 'pv7'");
    c[n++] = vcase("odd stripes", replace(good, "[\"pv0\", 0]", "[\"pv0\"]"), LR_EFORMAT, 0,
                   "name/extent pairs");
    c[n++] = vcase("stripe extent string", replace(good, "[\"pv0\", 0]", "[\"pv0\", \"0\"]"),
                   LR_EFORMAT, 0, "not a name and an extent");
    c[n++] = vcase("zero stripes", replace(good, "stripe_count = 1", "stripe_count = 0"),
                   LR_EFORMAT, 0, "stripe_count is 0");
    c[n++] = vcase("no stripe_size",
                   replace(good, "stripe_count = 1\nstripes = [\"pv0\", 0]",
                           "stripe_count = 2\nstripes = [\"pv0\", 0, \"pv1\", 0]"),
                   LR_EFORMAT, 0, "missing 'stripe_size'");
    c[n++] = vcase("duplicate LV", vg_with(lv("lv1", one_seg, 1), lv("lv1", one_seg, 1)),
                   LR_EFORMAT, 0, "duplicate LV 'lv1'");
    c[n++] = vcase("raid unknown LV",
                   vg_with(lv("r",
                              "segment1 {\nstart_extent = 0\nextent_count = 1\n"
                              "type = \"raid1\"\ndevice_count = 2\n"
                              "raids = [\"r_rmeta_0\", \"r_rimage_0\", \"r_rmeta_1\", "
                              "\"r_rimage_1\"]\n}\n",
                              1),
                           NULL),
                   LR_EFORMAT, 0, "unknown LV 'r_rmeta_0'");
    c[n++] = vcase("raid count",
                   vg_with(lv("r",
                              "segment1 {\nstart_extent = 0\nextent_count = 1\n"
                              "type = \"raid1\"\ndevice_count = 3\nraids = [\"lv1\"]\n}\n",
                              1),
                           lv("lv1", one_seg, 1)),
                   LR_EFORMAT, 0, "does not match");
    c[n++] = vcase("raid both counts",
                   vg_with(lv("r",
                              "segment1 {\nstart_extent = 0\nextent_count = 1\n"
                              "type = \"raid1\"\ndevice_count = 1\nstripe_count = 1\n"
                              "raids = [\"lv1\"]\n}\n",
                              1),
                           lv("lv1", one_seg, 1)),
                   LR_EFORMAT, 0, "exactly one of");
    c[n++] = vcase("raid0 single images",
                   vg_with(lv("r",
                              "segment1 {\nstart_extent = 0\nextent_count = 2\n"
                              "type = \"raid0\"\nstripe_count = 1\nstripe_size = 128\n"
                              "raid0_lvs = [\"lv1\"]\n}\n",
                              1),
                           lv("lv1", one_seg, 1)),
                   0, 0, NULL);
    c[n++] = vcase("opaque type",
                   vg_with(lv("t",
                              "segment1 {\nstart_extent = 0\nextent_count = 9\n"
                              "type = \"vdo\"\nwhatever = [1, \"x\"]\n}\n",
                              1),
                           NULL),
                   0, 0, NULL);
    /* lr_vg_check */
    char two[1024];
    snprintf(two, sizeof(two), "%s%s", seg(1, 0, 2, "pv0", 0), seg(2, 3, 1, "pv0", 5));
    c[n++] = vcase("gap", vg_with(lv("lv1", two, 2), NULL), 0, LR_EFORMAT,
                   "segment2 starts at extent 3, expected 2");
    snprintf(two, sizeof(two), "%s", seg(1, 1, 2, "pv0", 0));
    c[n++] = vcase("not from 0", vg_with(lv("lv1", two, 1), NULL), 0, LR_EFORMAT,
                   "starts at extent 1, expected 0");
    snprintf(two, sizeof(two), "%s", seg(1, 0, 2, "pv0", 14));
    c[n++] = vcase("beyond pe_count", vg_with(lv("lv1", two, 1), NULL), 0, LR_EFORMAT,
                   "beyond its pe_count 15");
    snprintf(two, sizeof(two), "%s", seg(1, 0, 0, "pv0", 0));
    c[n++] =
        vcase("empty segment", vg_with(lv("lv1", two, 1), NULL), 0, LR_EFORMAT, "has no extents");
    snprintf(two, sizeof(two), "%s", seg(1, 0, 2, "pv0", 1));
    c[n++] = vcase("overlap", vg_with(lv("lv1", one_seg, 1), lv("lv2", two, 1)), 0, LR_EFORMAT,
                   "overlap on PV 'pv0' at extent 1");
    snprintf(two, sizeof(two), "%s", seg(1, 0, 2, "pv1", 0));
    c[n++] = vcase("no overlap", vg_with(lv("lv1", one_seg, 1), lv("lv2", two, 1)), 0, 0, NULL);
    /* "lv1" and "lv1_" get one id: vg_validate's "Duplicate LV id" */
    c[n++] = vcase("one LV id twice", vg_with(lv("lv1", one_seg, 1), lv("lv1_", two, 1)), 0,
                   LR_EFORMAT, "LVs 'lv1' and 'lv1_' have the same uuid");
    c[n++] = vcase("stripes do not divide",
                   vg_with(lv("s",
                              "segment1 {\nstart_extent = 0\nextent_count = 3\n"
                              "type = \"striped\"\nstripe_count = 2\nstripe_size = 128\n"
                              "stripes = [\"pv0\", 0, \"pv1\", 0]\n}\n",
                              1),
                           NULL),
                   0, LR_EFORMAT, "3 extents do not divide into 2 stripes");
    snprintf(two, sizeof(two), "%s", seg(1, 0, 3, "lv1", 0));
    c[n++] = vcase("beyond sub-LV", vg_with(lv("lv1", one_seg, 1), lv("top", two, 1)), 0,
                   LR_EFORMAT, "beyond its extent count 2");
    c[n++] = vcase("zero extent size", replace(good, "extent_size = 8192", "extent_size = 0"), 0,
                   LR_EFORMAT, "extent_size is 0");

    for (size_t i = 0; i < n; i++) {
        lr_vg_t *vg = NULL;
        lr_error_t err;
        char ebuf[700];
        int rc = lr_vg_parse(c[i].text, strlen(c[i].text), &vg, &err);
        if (rc != c[i].parse_code)
            fail_msg("%s: parse %d (%s), want %d", c[i].name, rc,
                     lr_error_format(&err, ebuf, sizeof(ebuf)), c[i].parse_code);
        if (rc) {
            assert_null(vg);
            assert_true(err.offset == LR_NO_OFFSET || err.offset <= strlen(c[i].text));
        } else {
            rc = lr_vg_check(vg, &err);
            if (rc != c[i].check_code)
                fail_msg("%s: check %d (%s), want %d", c[i].name, rc,
                         lr_error_format(&err, ebuf, sizeof(ebuf)), c[i].check_code);
            lr_vg_free(vg);
        }
        if (rc && c[i].msg && !strstr(err.msg, c[i].msg))
            fail_msg("%s: message '%s' lacks '%s'", c[i].name, err.msg, c[i].msg);
        if (rc && strcmp(c[i].name, "no VG") != 0)
            assert_true(err.offset != LR_NO_OFFSET);
        free(c[i].text);
    }
    free(good);
}

/* Counts over LR_META_MAX_PVS are refused at the first PV too many. */
/* lr_vg_check holds every raid image to the rule's length (and leaves the
 * rmeta LVs, used whole, alone): a raid5 of 3 devices over 4 extents needs
 * images of 2 (raid_rimage_extents), a raid10 of 4 devices with LVM2's
 * default 2 data copies too. One extent short is refused. */
static char *raid_vg(int r5_last_image, int r10_copies)
{
    char lvs[8192], segs[1024], copies[64] = "";
    size_t o = 0;
    if (r10_copies)
        snprintf(copies, sizeof(copies), "data_copies = %d\n", r10_copies);
    o += (size_t)snprintf(lvs + o, sizeof(lvs) - o, "logical_volumes {\n");
    snprintf(segs, sizeof(segs),
             "segment1 {\nstart_extent = 0\nextent_count = 4\ntype = \"raid5\"\n"
             "device_count = 3\nstripe_size = 128\nregion_size = 1024\n"
             "raids = [\"r5_rimage_0\", \"r5_rimage_1\", \"r5_rimage_2\"]\n}\n");
    o += (size_t)snprintf(lvs + o, sizeof(lvs) - o, "%s", lv("r5", segs, 1));
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof(name), "r5_rimage_%d", i);
        int count = i == 2 ? r5_last_image : 2;
        o += (size_t)snprintf(lvs + o, sizeof(lvs) - o, "%s",
                              lv(name, seg(1, 0, count, "pv0", 2 * i), 1));
    }
    snprintf(segs, sizeof(segs),
             "segment1 {\nstart_extent = 0\nextent_count = 4\ntype = \"raid10\"\n"
             "device_count = 4\nstripe_size = 128\nregion_size = 1024\n%s"
             "raids = [\"r10_rmeta_0\", \"r10_rimage_0\", \"r10_rimage_1\", \"r10_rimage_2\", "
             "\"r10_rimage_3\"]\n}\n",
             copies);
    o += (size_t)snprintf(lvs + o, sizeof(lvs) - o, "%s", lv("r10", segs, 1));
    o += (size_t)snprintf(lvs + o, sizeof(lvs) - o, "%s",
                          lv("r10_rmeta_0", seg(1, 0, 1, "pv1", 8), 1));
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof(name), "r10_rimage_%d", i);
        o += (size_t)snprintf(lvs + o, sizeof(lvs) - o, "%s",
                              lv(name, seg(1, 0, 2, "pv1", 2 * i), 1));
    }
    snprintf(lvs + o, sizeof(lvs) - o, "}\n");
    return make_vg(lvs);
}

static void test_raid_images_checked(void **state)
{
    (void)state;
    struct {
        int r5_last, r10_copies, code;
        const char *msg;
    } c[] = {
        {2, 0, 0, NULL},
        {2, 2, 0, NULL},
        {1, 0, LR_EFORMAT, "area 2 (r5_rimage_2 extents 0+2) beyond its extent count 1"},
        {2, 3, LR_EFORMAT, "(r10_rimage_0 extents 0+3) beyond its extent count 2"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        char *text = raid_vg(c[i].r5_last, c[i].r10_copies);
        lr_vg_t *vg = NULL;
        assert_int_equal(lr_vg_parse(text, strlen(text), &vg, NULL), 0);
        const lr_seg_t *r10 = &lr_vg_find_lv(vg, "r10")->segs[0];
        assert_int_equal(r10->data_copies, c[i].r10_copies ? (uint64_t)c[i].r10_copies : 2);
        assert_true(r10->areas[0].meta);
        assert_int_equal(lr_seg_area_len(&lr_vg_find_lv(vg, "r5")->segs[0]), 2);
        lr_error_t err;
        int rc = lr_vg_check(vg, &err);
        if (rc != c[i].code)
            fail_msg("case %zu: lr_vg_check %d, want %d (%s)", i, rc, c[i].code, err.msg);
        if (c[i].msg && !strstr(err.msg, c[i].msg))
            fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, c[i].msg);
        lr_vg_free(vg);
        free(text);
    }
}

static void test_vg_limits(void **state)
{
    (void)state;
    size_t cap = 600000, o = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    o += (size_t)snprintf(t + o, cap - o,
                          "vg {\nid = \"aaaaaa-bbbb-cccc-dddd-eeee-ffff-gggggg\"\nseqno = 1\n"
                          "extent_size = 8192\nphysical_volumes {\n");
    size_t at = 0;
    for (int i = 0; i <= LR_META_MAX_PVS; i++) {
        if (i == LR_META_MAX_PVS)
            at = o;
        o += (size_t)snprintf(t + o, cap - o,
                              "pv%d {\nid = \"pppppp-pppp-pppp-pppp-pppp-pppp-pppppp\"\n"
                              "pe_start = 2048\npe_count = 1\n}\n",
                              i);
    }
    o += (size_t)snprintf(t + o, cap - o, "}\n}\n");
    lr_vg_t *vg = NULL;
    lr_error_t err;
    assert_int_equal(lr_vg_parse(t, o, &vg, &err), LR_ELIMIT);
    assert_int_equal(err.offset, at);
    free(t);
}

/* Damaged copies of real metadata never crash the view or the check. */
static void test_vg_fuzz(void **state)
{
    (void)state;
    size_t len;
    char *real = lr_test_data("segtypes.raw", &len);
    char *work = malloc(len);
    assert_non_null(work);
    uint32_t x = 99;
    static const char pool[] = "0123456789\"[]{}=,-#pvlr_ \n";
    int parsed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(work, real, len);
        for (int f = 0; f < 3; f++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t at = x % len;
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            work[at] = pool[x % (sizeof(pool) - 1)];
        }
        lr_vg_t *vg = NULL;
        lr_error_t err;
        if (lr_vg_parse(work, len, &vg, &err) == 0) {
            parsed++;
            (void)lr_vg_check(vg, &err);
            for (size_t p = 0; p < vg->n_pvs; p++)
                (void)lr_vg_pv_used(vg, p);
            lr_vg_free(vg);
        }
    }
    print_message("%d of 3000 damaged copies still parsed\n", parsed);
    free(work);
    free(real);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_views),     cmocka_unit_test(test_fixture_history),
        cmocka_unit_test(test_data_views),        cmocka_unit_test(test_view_details),
        cmocka_unit_test(test_vg_refused),        cmocka_unit_test(test_vg_limits),
        cmocka_unit_test(test_vg_fuzz),           cmocka_unit_test(test_seg_linear_rule),
        cmocka_unit_test(test_seg_mirror_rule),   cmocka_unit_test(test_seg_pvmove_rule),
        cmocka_unit_test(test_seg_area_len_rule), cmocka_unit_test(test_seg_area_len_lvm2_data),
        cmocka_unit_test(test_pv_area_walk),      cmocka_unit_test(test_raid_images_checked),
        cmocka_unit_test(test_drop_tree),         cmocka_unit_test(test_drop_tree_pooled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
