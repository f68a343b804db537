/* Fuzz target: text metadata (config tree, typed VG view, writer).
 *
 * Input: metadata text as it sits in a ring or a backup file (seeds are the
 * copies of every fixture's pvck metadata_all dump and the segment-type
 * samples in tests/data).
 *
 * Properties checked:
 * - lr_cfg_parse returns 0 or a documented code; on success
 *   lr_cfg_write reproduces the input byte for byte (including a trailing
 *   NUL and whatever follows it), and every node's offset lies in the input;
 * - every string value survives lr_cfg_escape + re-parse unchanged;
 * - lr_vg_from_cfg on the tree and, when it builds a view: lookups return
 *   the very entries they were asked for, lr_vg_check and lr_vg_pv_used run;
 * - the edit a restore makes (seqno + 1, a new description) is written and
 *   re-parsed as a VG with exactly those values and the same PV/LV counts;
 * - a view whose tree is dropped into a string pool (lr_vg_drop_tree, as
 *   the evidence does for every version), alone or beside a second view of
 *   the same text sharing the pool, keeps every value of the view over the
 *   tree. */
#include "fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/config.h"
#include "lr/meta.h"
#include "lr/strbuf.h"
#include "view_diff.h"

#define MAX_ESCAPE_CHECKS 16

static bool text_rc_ok(int rc)
{
    return rc == 0 || rc == LR_EPARSE || rc == LR_ELIMIT || rc == LR_ERANGE || rc == LR_EFORMAT ||
           rc == LR_ENOTFOUND || rc == -ENOMEM;
}

/* `k = "<escaped s>"` must parse back to s. */
static void check_escape(const char *s)
{
    char *e = lr_cfg_escape(s);
    if (!e)
        return;
    size_t n = strlen(e) + 16;
    char *doc = malloc(n);
    if (!doc) {
        free(e);
        return;
    }
    int len = snprintf(doc, n, "k = \"%s\"\n", e);
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    int rc = lr_cfg_parse(doc, (size_t)len, &cfg, &err);
    FUZZ_CHECK(rc == 0, "escaped string does not parse: %d %s", rc, err.msg);
    const char *back = NULL;
    rc = lr_cfg_get_str(lr_cfg_root(cfg), "k", &back, &err);
    FUZZ_CHECK(rc == 0 && back && strcmp(back, s) == 0, "escape round trip changed the string");
    lr_cfg_free(cfg);
    free(doc);
    free(e);
}

static void check_value(const lr_cfg_value_t *v, int *escapes)
{
    FUZZ_CHECK(v != NULL, "key without value");
    switch (v->type) {
    case LR_CFG_INT:
    case LR_CFG_FLOAT:
        break;
    case LR_CFG_STRING:
        FUZZ_CHECK(v->s != NULL, "string value without text");
        if ((*escapes)++ < MAX_ESCAPE_CHECKS)
            check_escape(v->s);
        break;
    case LR_CFG_ARRAY:
        FUZZ_CHECK(v->n_items <= LR_CFG_MAX_ARRAY, "array of %zu items", v->n_items);
        FUZZ_CHECK(v->n_items == 0 || v->items != NULL, "array without items");
        for (size_t i = 0; i < v->n_items; i++) {
            FUZZ_CHECK(v->items[i].type != LR_CFG_ARRAY && v->items[i].type != LR_CFG_SECTION,
                       "array item of type %d", v->items[i].type);
            check_value(&v->items[i], escapes);
        }
        break;
    default:
        FUZZ_CHECK(0, "value of type %d", v->type);
    }
}

/* Walks the tree (iteratively: depth is bounded by the parser, but the walk
 * must not rely on it). */
static void walk(const lr_cfg_t *cfg, size_t size)
{
    int escapes = 0;
    size_t nodes = 0;
    const lr_cfg_node_t *root = lr_cfg_root(cfg);
    FUZZ_CHECK(root && lr_cfg_node_type(root) == LR_CFG_SECTION, "root is not a section");
    const lr_cfg_node_t *n = lr_cfg_child(root);
    unsigned depth = 1;
    while (n) {
        nodes++;
        FUZZ_CHECK(lr_cfg_key(n) != NULL, "node without key");
        FUZZ_CHECK(lr_cfg_offset(n) < size, "node offset %" PRIu64 " beyond %zu bytes",
                   lr_cfg_offset(n), size);
        if (lr_cfg_node_type(n) == LR_CFG_SECTION) {
            FUZZ_CHECK(lr_cfg_value(n) == NULL, "section with a value");
            FUZZ_CHECK(depth <= LR_CFG_MAX_DEPTH, "section at depth %u", depth);
            const lr_cfg_node_t *c = lr_cfg_child(n);
            if (c) {
                FUZZ_CHECK(lr_cfg_parent(c) == n, "child's parent is wrong");
                n = c;
                depth++;
                continue;
            }
        } else {
            check_value(lr_cfg_value(n), &escapes);
        }
        /* next sibling, else climb */
        while (n && !lr_cfg_next(n)) {
            n = lr_cfg_parent(n);
            depth--;
            if (n == root)
                n = NULL;
        }
        if (n)
            n = lr_cfg_next(n);
    }
    FUZZ_CHECK(nodes <= LR_CFG_MAX_NODES, "%zu nodes", nodes);
}

static void check_view(lr_vg_t *vg)
{
    lr_error_t err;
    FUZZ_CHECK(vg->n_pvs <= LR_META_MAX_PVS, "%zu PVs", vg->n_pvs);
    FUZZ_CHECK(vg->n_lvs <= LR_META_MAX_LVS, "%zu LVs", vg->n_lvs);
    for (size_t i = 0; i < vg->n_pvs; i++) {
        const lr_pv_t *pv = &vg->pvs[i];
        FUZZ_CHECK(pv->key && pv->id, "PV %zu without key or id", i);
        FUZZ_CHECK(lr_vg_find_pv_by_key(vg, pv->key) == pv, "find_pv_by_key(%s) wrong", pv->key);
        const lr_pv_t *by_id = lr_vg_find_pv_by_id(vg, pv->id);
        FUZZ_CHECK(by_id != NULL, "find_pv_by_id(%s) found nothing", pv->id);
        if (pv->raw_id[0])
            FUZZ_CHECK(lr_vg_find_pv_by_id(vg, pv->raw_id) == by_id, "raw id lookup differs");
        (void)lr_vg_pv_used(vg, i);
    }
    for (size_t i = 0; i < vg->n_lvs; i++) {
        const lr_lv_t *lv = &vg->lvs[i];
        FUZZ_CHECK(lv->name != NULL, "LV %zu without name", i);
        FUZZ_CHECK(lr_vg_find_lv(vg, lv->name) == lv, "find_lv(%s) wrong", lv->name);
        if (lv->id)
            FUZZ_CHECK(lr_vg_find_lv_by_id(vg, lv->id) != NULL, "find_lv_by_id(%s)", lv->id);
        FUZZ_CHECK(lv->n_segs <= LR_META_MAX_SEGS, "%zu segments", lv->n_segs);
        for (size_t s = 0; s < lv->n_segs; s++) {
            const lr_seg_t *seg = &lv->segs[s];
            FUZZ_CHECK(seg->type != NULL, "segment without type");
            FUZZ_CHECK(seg->n_areas == 0 || seg->areas != NULL, "areas missing");
            for (size_t a = 0; a < seg->n_areas; a++) {
                int pi = seg->areas[a].pv_index;
                FUZZ_CHECK(pi >= -1 && pi < (int)vg->n_pvs, "area pv_index %d of %zu", pi,
                           vg->n_pvs);
            }
        }
    }
    int rc = lr_vg_check(vg, &err);
    FUZZ_CHECK(text_rc_ok(rc), "lr_vg_check returned %d", rc);
}

/* The edit lvmrepair's restore makes, then a re-parse of the result. */
static void check_restore_edit(lr_cfg_t *cfg, const lr_vg_t *vg)
{
    lr_error_t err;
    if (vg->seqno >= (uint64_t)INT64_MAX)
        return;
    size_t n_pvs = vg->n_pvs, n_lvs = vg->n_lvs;
    uint64_t seqno = vg->seqno + 1;
    static const char desc[] = "Write from lvmrepair --restore \"fuzz\" \\ seqno=1\ttab";
    int rc = lr_cfg_set_int(vg->node, "seqno", (int64_t)seqno, &err);
    FUZZ_CHECK(rc == 0, "set seqno failed: %d %s", rc, err.msg);
    rc = lr_cfg_set_str(lr_cfg_root(cfg), "description", desc, &err);
    FUZZ_CHECK(rc == 0 || rc == LR_EFORMAT, "set description failed: %d %s", rc, err.msg);
    bool desc_set = rc == 0;

    char *out = NULL;
    size_t len = 0;
    rc = lr_cfg_write(cfg, &out, &len, &err);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "write after edit failed: %d %s", rc, err.msg);
    if (rc)
        return;
    FUZZ_CHECK(out[len] == '\0', "written text not NUL-terminated");
    lr_vg_t *again = NULL;
    rc = lr_vg_parse(out, len, &again, &err);
    FUZZ_CHECK(rc == 0, "edited text no longer parses as a VG: %d at %" PRIu64 ": %s", rc,
               err.offset, err.msg);
    FUZZ_CHECK(again->seqno == seqno, "seqno %" PRIu64 " after setting %" PRIu64, again->seqno,
               seqno);
    if (desc_set)
        FUZZ_CHECK(again->description && strcmp(again->description, desc) == 0,
                   "description not kept");
    FUZZ_CHECK(again->n_pvs == n_pvs && again->n_lvs == n_lvs, "PV/LV counts changed by edit");
    lr_vg_free(again);
    free(out);
}

/* A view of the text parsed again (owning its tree), its tree dropped into
 * pool, must still equal vg, the view over the first tree. */
static void check_dropped(const uint8_t *data, size_t size, const lr_vg_t *vg, lr_strpool_t *pool)
{
    lr_vg_t *v = NULL;
    int rc = lr_vg_parse((const char *)data, size, &v, NULL);
    if (rc == -ENOMEM)
        return;
    FUZZ_CHECK(rc == 0, "lr_vg_parse returned %d where lr_vg_from_cfg built a view", rc);
    rc = lr_vg_drop_tree(v, pool);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "dropping the tree returned %d", rc);
    char why[256];
    const char *diff = lr_test_view_diff(vg, v, why, sizeof(why));
    FUZZ_CHECK(!diff, "the view with its tree dropped into a pool differs at %s", diff);
    lr_vg_free(v);
}

/* One view alone in a pool; two in another (the second shares the first's
 * strings and arrays). */
static void check_drops(const uint8_t *data, size_t size, const lr_vg_t *vg)
{
    for (int views = 1; views <= 2; views++) {
        lr_strpool_t *pool = lr_strpool_new();
        if (!pool)
            return;
        for (int i = 0; i < views; i++)
            check_dropped(data, size, vg, pool);
        lr_strpool_free(pool);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    lr_cfg_t *cfg = NULL;
    lr_error_t err;
    int rc = lr_cfg_parse(text, size, &cfg, &err);
    FUZZ_CHECK(text_rc_ok(rc), "lr_cfg_parse returned %d", rc);
    if (rc) {
        FUZZ_CHECK(cfg == NULL, "tree left set after error");
        FUZZ_CHECK(err.code == rc, "error record code %d, returned %d", err.code, rc);
        FUZZ_CHECK(err.offset == LR_NO_OFFSET || err.offset <= size || rc == LR_ELIMIT,
                   "error offset %" PRIu64 " beyond %zu bytes", err.offset, size);
        return 0;
    }

    char *out = NULL;
    size_t len = 0;
    rc = lr_cfg_write(cfg, &out, &len, &err);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "lr_cfg_write returned %d", rc);
    if (rc == 0) {
        FUZZ_CHECK(len == size, "written %zu bytes, parsed %zu", len, size);
        FUZZ_CHECK(memcmp(out, data, size) == 0, "written text differs from the parsed text");
        FUZZ_CHECK(out[len] == '\0', "written text not NUL-terminated");
        free(out);
    }
    walk(cfg, size);

    lr_vg_t *vg = NULL;
    rc = lr_vg_from_cfg(cfg, &vg, &err);
    FUZZ_CHECK(text_rc_ok(rc), "lr_vg_from_cfg returned %d", rc);
    if (rc == 0) {
        FUZZ_CHECK(vg->cfg == cfg && vg->node != NULL, "view not over the tree");
        check_view(vg);
        check_drops(data, size, vg); /* before the edit changes the tree */
        check_restore_edit(cfg, vg);
        lr_vg_free(vg);
    }
    lr_cfg_free(cfg);
    return 0;
}
