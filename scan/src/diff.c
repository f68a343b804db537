/* Diff of two VG versions: VG properties, PVs matched by PV UUID, LVs
 * matched by LV UUID (so a rename is one change, not a removal plus an
 * addition), sizes, segment maps and every other key of the text. */
#include "lr/diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/fmt.h"
#include "lr/label.h"
#include "lr/strbuf.h"

#define SECTOR 512u
/* Sizes in the diff text: "4 MiB" when whole, else "1.50 GiB". */
#define SIZE_STYLE (LR_FMT_SIZE_WHOLE | LR_FMT_SIZE_2DP)

typedef struct dctx {
    lr_diff_t *d;
    size_t cap;
    const lr_vg_t *a, *b; /* old, new */
    bool oom;
} dctx_t;

/* strdup that accepts NULL and records a failure in *oom, so a run of
 * copies is checked once. */
static char *df_strdup(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

/* ---- values ------------------------------------------------------------ */

static void put_scalar(lr_strbuf_t *b, const lr_cfg_value_t *v)
{
    switch (v->type) {
    case LR_CFG_INT:
        lr_strbuf_printf(b, "%" PRId64, v->i);
        break;
    case LR_CFG_FLOAT:
        lr_strbuf_printf(b, "%g", v->f);
        break;
    case LR_CFG_STRING:
        lr_strbuf_puts(b, v->s ? v->s : "");
        break;
    default:
        break;
    }
}

/* A value as shown to users: strings unquoted, arrays "a, b". */
static char *value_str(const lr_cfg_value_t *v, bool *oom)
{
    if (!v)
        return NULL;
    lr_strbuf_t b = LR_STRBUF_INIT;
    if (v->type == LR_CFG_ARRAY) {
        for (size_t i = 0; i < v->n_items; i++) {
            if (i)
                lr_strbuf_puts(&b, ", ");
            put_scalar(&b, &v->items[i]);
        }
    } else {
        put_scalar(&b, v);
    }
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

static bool scalar_equal(const lr_cfg_value_t *x, const lr_cfg_value_t *y)
{
    if (x->type != y->type)
        return false;
    switch (x->type) {
    case LR_CFG_INT:
        return x->i == y->i;
    case LR_CFG_FLOAT:
        return x->f == y->f;
    case LR_CFG_STRING:
        return strcmp(x->s ? x->s : "", y->s ? y->s : "") == 0;
    default:
        return false;
    }
}

/* Key nodes holding values in sectors: their change lines add bytes. */
static bool is_sector_key(const char *field)
{
    const char *dot = strrchr(field, '.');
    const char *key = dot ? dot + 1 : field;
    static const char *const keys[] = {"extent_size", "dev_size", "pe_start",
                                       "ba_start",    "ba_size",  "stripe_size"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

/* extents * extent_size sectors in bytes, saturating: hostile texts can
 * hold any numbers and a wrapped size would be a wrong answer. */
static uint64_t lv_bytes(const lr_lv_t *lv, const lr_vg_t *vg)
{
    uint64_t sectors, bytes;
    if (__builtin_mul_overflow(lv->extent_count, vg->extent_size, &sectors) ||
        __builtin_mul_overflow(sectors, (uint64_t)SECTOR, &bytes))
        return UINT64_MAX;
    return bytes;
}

static uint64_t sectors_bytes(uint64_t sectors)
{
    return sectors > UINT64_MAX / SECTOR ? UINT64_MAX : sectors * SECTOR;
}

static char *size_str(uint64_t bytes, uint64_t extents, bool *oom)
{
    char sz[48];
    lr_fmt_size(bytes, SIZE_STYLE, sz, sizeof(sz));
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%s (%" PRIu64 " extent%s)", sz, extents, extents == 1 ? "" : "s");
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

/* ---- changes ----------------------------------------------------------- */

static const char *obj_title(lr_diff_obj_t o)
{
    return o == LR_DIFF_VG ? "VG" : o == LR_DIFF_PV ? "PV" : "LV";
}

static const char *shown(const char *v)
{
    return !v ? "(absent)" : !*v ? "(none)" : v;
}

/* The one readable line of a change. */
static char *change_text(const lr_diff_change_t *c, const char *detail, bool *oom)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%s %s: ", obj_title(c->obj), c->name);
    switch (c->kind) {
    case LR_DIFF_ADDED:
        lr_strbuf_printf(&b, "added (%s)", shown(c->new_value));
        break;
    case LR_DIFF_REMOVED:
        lr_strbuf_printf(&b, "removed (%s)", shown(c->old_value));
        break;
    case LR_DIFF_RENAMED:
        lr_strbuf_printf(&b, "renamed from %s", shown(c->old_value));
        break;
    case LR_DIFF_RESIZED:
        lr_strbuf_printf(&b, "resized %s -> %s", shown(c->old_value), shown(c->new_value));
        break;
    case LR_DIFF_MOVED:
        lr_strbuf_printf(&b, "segments moved: %s -> %s", shown(c->old_value), shown(c->new_value));
        break;
    case LR_DIFF_RETYPED:
        lr_strbuf_printf(&b, "segment type changed: %s -> %s", shown(c->old_value),
                         shown(c->new_value));
        break;
    case LR_DIFF_CHANGED:
        lr_strbuf_printf(&b, "%s: %s -> %s", c->field, shown(c->old_value), shown(c->new_value));
        break;
    }
    bool sectors = c->kind == LR_DIFF_CHANGED && c->field && is_sector_key(c->field);
    if (sectors && c->old_bytes && c->new_bytes) {
        char o[48], n[48];
        lr_fmt_size(c->old_bytes, SIZE_STYLE, o, sizeof(o));
        lr_fmt_size(c->new_bytes, SIZE_STYLE, n, sizeof(n));
        lr_strbuf_printf(&b, " sectors (%s -> %s)", o, n);
    }
    if (detail && *detail)
        lr_strbuf_printf(&b, " (%s)", detail);
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

typedef struct change_in {
    lr_diff_obj_t obj;
    lr_diff_kind_t kind;
    const char *name, *old_name, *id, *field;
    char *old_value, *new_value; /* taken over */
    uint64_t old_bytes, new_bytes;
    char *detail; /* taken over: appended to the line in parentheses, may be NULL */
} change_in_t;

/* Appends a change; takes over in->old_value/new_value in every case. */
static void add_change(dctx_t *x, const change_in_t *in)
{
    lr_diff_t *d = x->d;
    if (!x->oom && d->n_changes == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        lr_diff_change_t *v = realloc(d->changes, cap * sizeof(*v));
        if (v) {
            d->changes = v;
            x->cap = cap;
        } else {
            x->oom = true;
        }
    }
    if (x->oom) {
        free(in->old_value);
        free(in->new_value);
        free(in->detail);
        return;
    }
    lr_diff_change_t *c = &d->changes[d->n_changes++];
    memset(c, 0, sizeof(*c));
    c->obj = in->obj;
    c->kind = in->kind;
    c->name = df_strdup(in->name ? in->name : "", &x->oom);
    c->old_name = df_strdup(in->old_name, &x->oom);
    c->id = df_strdup(in->id, &x->oom);
    c->field = df_strdup(in->field, &x->oom);
    c->old_value = in->old_value;
    c->new_value = in->new_value;
    c->old_bytes = in->old_bytes;
    c->new_bytes = in->new_bytes;
    c->text = change_text(c, in->detail, &x->oom);
    free(in->detail);
}

/* Compares UUIDs with or without dashes. */
static bool same_uuid(const char *p, const char *q)
{
    if (!p || !q)
        return false;
    char rp[LR_PV_UUID_LEN + 1], rq[LR_PV_UUID_LEN + 1];
    if (lr_uuid_parse(p, rp, sizeof(rp)) == 0 && lr_uuid_parse(q, rq, sizeof(rq)) == 0)
        return strcmp(rp, rq) == 0;
    return strcmp(p, q) == 0;
}

/* ---- generic keys and sections -------------------------------------------- */

static bool in_list(const char *key, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (strcmp(key, *skip) == 0)
            return true;
    return false;
}

/* The first direct child of a section named key that is a section (or a
 * key = value node when !section). A direct walk avoids any path
 * interpretation; with duplicates the first wins, as in LVM2's lookups. */
static const lr_cfg_node_t *child_named(const lr_cfg_node_t *sec, const char *key, bool section)
{
    for (const lr_cfg_node_t *n = sec ? lr_cfg_child(sec) : NULL; n; n = lr_cfg_next(n))
        if ((lr_cfg_node_type(n) == LR_CFG_SECTION) == section && strcmp(lr_cfg_key(n), key) == 0)
            return n;
    return NULL;
}

static bool is_section(const lr_cfg_node_t *n)
{
    return lr_cfg_node_type(n) == LR_CFG_SECTION;
}

/* What a walk of two sections compares and how. */
typedef struct keyctx {
    lr_diff_obj_t obj;
    const char *name, *old_name, *id;
    const char *const *skip; /* top-level keys and sections compared elsewhere */
    bool no_sections;        /* top-level sections are compared elsewhere (LV segments) */
    const lr_cfg_node_t *skip_a, *skip_b; /* one top-level node of each side left
                                             out (the VG section in the root) */
    bool refs; /* a string naming an LV equals one naming the same LV (same
                  UUID) on the other side: segments follow renames */
} keyctx_t;

static bool skipped(const keyctx_t *k, int depth, const lr_cfg_node_t *n)
{
    if (depth)
        return false;
    if (n == k->skip_a || n == k->skip_b)
        return true;
    if (k->no_sections && is_section(n))
        return true;
    return in_list(lr_cfg_key(n), k->skip);
}

/* LVs are matched by UUID; an LV without one (hand-written text) by name. */
static bool lv_match(const lr_lv_t *o, const lr_lv_t *n)
{
    if (o->id && n->id)
        return same_uuid(o->id, n->id);
    return !o->id && !n->id && strcmp(o->name, n->name) == 0;
}

/* Whether LV name os of the old version and ns of the new one are the same
 * LV (a rename of a pool, an origin or a raid image is no change of the LVs
 * that name it). */
static bool lv_ref_same(const dctx_t *x, const char *os, const char *ns)
{
    const lr_lv_t *o = lr_vg_find_lv(x->a, os), *n = lr_vg_find_lv(x->b, ns);
    return o && n && lv_match(o, n);
}

static bool scalar_same(const dctx_t *x, const keyctx_t *k, const lr_cfg_value_t *p,
                        const lr_cfg_value_t *q)
{
    if (scalar_equal(p, q))
        return true;
    return k->refs && p->type == LR_CFG_STRING && q->type == LR_CFG_STRING && p->s && q->s &&
           lv_ref_same(x, p->s, q->s);
}

static bool value_same(const dctx_t *x, const keyctx_t *k, const lr_cfg_value_t *p,
                       const lr_cfg_value_t *q)
{
    if (!p || !q)
        return p == q;
    if (p->type != q->type)
        return false;
    if (p->type != LR_CFG_ARRAY)
        return scalar_same(x, k, p, q);
    if (p->n_items != q->n_items)
        return false;
    for (size_t i = 0; i < p->n_items; i++)
        if (!scalar_same(x, k, &p->items[i], &q->items[i]))
            return false;
    return true;
}

static bool list_has(const lr_cfg_value_t *v, const lr_cfg_value_t *item)
{
    for (size_t i = 0; v && i < v->n_items; i++)
        if (scalar_equal(&v->items[i], item))
            return true;
    return false;
}

/* "+b -a": what an array (tags, status, flags) gained and lost. */
static char *list_delta(const lr_cfg_value_t *ov, const lr_cfg_value_t *nv, bool *oom)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    for (int side = 0; side < 2; side++) {
        const lr_cfg_value_t *from = side ? ov : nv, *other = side ? nv : ov;
        for (size_t i = 0; from && i < from->n_items; i++) {
            if (list_has(other, &from->items[i]))
                continue;
            lr_strbuf_puts(&b, b.len ? " " : "");
            lr_strbuf_puts(&b, side ? "-" : "+");
            put_scalar(&b, &from->items[i]);
        }
    }
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

/* A property change of the object a walk is about. */
static change_in_t changed_in(const keyctx_t *k, const char *field)
{
    return (change_in_t){.obj = k->obj,
                         .kind = LR_DIFF_CHANGED,
                         .name = k->name,
                         .old_name = k->old_name,
                         .id = k->id,
                         .field = field};
}

static void key_change(dctx_t *x, const keyctx_t *k, const char *field, const lr_cfg_value_t *ov,
                       const lr_cfg_value_t *nv)
{
    change_in_t in = changed_in(k, field);
    /* LVM2 leaves out empty lists (tags = [] is not written): an absent
     * list is an empty one, not a missing property */
    static const lr_cfg_value_t empty = {.type = LR_CFG_ARRAY};
    if (!ov && nv && nv->type == LR_CFG_ARRAY)
        ov = &empty;
    if (!nv && ov && ov->type == LR_CFG_ARRAY)
        nv = &empty;
    if (value_same(x, k, ov, nv))
        return;
    in.old_value = value_str(ov, &x->oom);
    in.new_value = value_str(nv, &x->oom);
    if (ov && nv && ov->type == LR_CFG_ARRAY && nv->type == LR_CFG_ARRAY)
        in.detail = list_delta(ov, nv, &x->oom);
    if (is_sector_key(field)) {
        in.old_bytes =
            ov && ov->type == LR_CFG_INT && ov->i > 0 ? sectors_bytes((uint64_t)ov->i) : 0;
        in.new_bytes =
            nv && nv->type == LR_CFG_INT && nv->i > 0 ? sectors_bytes((uint64_t)nv->i) : 0;
    }
    add_change(x, &in);
}

/* A whole section in one line: "{ name = \"lv1\"; removal_time = 1; sub { ... } }".
 * Depth is bounded by the parser's LR_CFG_MAX_DEPTH. */
static void put_section(lr_strbuf_t *b, const lr_cfg_node_t *sec, bool *oom)
{
    lr_strbuf_puts(b, "{");
    const char *sep = " ";
    for (const lr_cfg_node_t *n = lr_cfg_child(sec); n; n = lr_cfg_next(n)) {
        lr_strbuf_printf(b, "%s%s", sep, lr_cfg_key(n));
        sep = "; ";
        if (is_section(n)) {
            lr_strbuf_puts(b, " ");
            put_section(b, n, oom);
            continue;
        }
        const lr_cfg_value_t *v = lr_cfg_value(n);
        char *s = value_str(v, oom);
        bool arr = v && v->type == LR_CFG_ARRAY;
        lr_strbuf_printf(b, " = %s%s%s", arr ? "[" : "", s ? s : "", arr ? "]" : "");
        free(s);
    }
    lr_strbuf_puts(b, *sep == ';' ? " }" : "}");
}

static char *section_str(const lr_cfg_node_t *sec, bool *oom)
{
    if (!sec)
        return NULL;
    lr_strbuf_t b = LR_STRBUF_INIT;
    put_section(&b, sec, oom);
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

/* A section only one side has: a change of its path from absent to its
 * contents (or back). */
static void section_change(dctx_t *x, const keyctx_t *k, const char *field, const lr_cfg_node_t *os,
                           const lr_cfg_node_t *ns)
{
    change_in_t in = changed_in(k, field);
    in.old_value = section_str(os, &x->oom);
    in.new_value = section_str(ns, &x->oom);
    add_change(x, &in);
}

/* "prefix.key", or key alone at the top. */
static char *path_join(const char *prefix, const char *key, bool *oom)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%s%s%s", prefix ? prefix : "", prefix && *prefix ? "." : "", key);
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

static void diff_section(dctx_t *x, const keyctx_t *k, const char *prefix, int depth,
                         const lr_cfg_node_t *os, const lr_cfg_node_t *ns);

/* One node of the new side against its namesake of the old one. */
static void diff_node(dctx_t *x, const keyctx_t *k, const char *prefix, int depth,
                      const lr_cfg_node_t *os, const lr_cfg_node_t *n)
{
    const char *key = lr_cfg_key(n);
    bool sec = is_section(n);
    const lr_cfg_node_t *o = child_named(os, key, sec);
    char *path = path_join(prefix, key, &x->oom);
    if (!path)
        return;
    if (sec && o)
        diff_section(x, k, path, depth + 1, o, n);
    else if (sec)
        section_change(x, k, path, NULL, n);
    else
        key_change(x, k, path, o ? lr_cfg_value(o) : NULL, lr_cfg_value(n));
    free(path);
}

/* Every key and subsection of the two sections, at any depth, that differs:
 * in the new text's order, then what only the old text has. A node is
 * compared with the first node of the same name and kind on the other
 * side; a later duplicate is LVM2's dead text and is not compared. */
static void diff_section(dctx_t *x, const keyctx_t *k, const char *prefix, int depth,
                         const lr_cfg_node_t *os, const lr_cfg_node_t *ns)
{
    for (const lr_cfg_node_t *n = lr_cfg_child(ns); n; n = lr_cfg_next(n)) {
        if (skipped(k, depth, n) || child_named(ns, lr_cfg_key(n), is_section(n)) != n)
            continue;
        diff_node(x, k, prefix, depth, os, n);
    }
    for (const lr_cfg_node_t *o = lr_cfg_child(os); o; o = lr_cfg_next(o)) {
        const char *key = lr_cfg_key(o);
        bool sec = is_section(o);
        if (skipped(k, depth, o) || child_named(os, key, sec) != o || child_named(ns, key, sec))
            continue;
        char *path = path_join(prefix, key, &x->oom);
        if (!path)
            continue;
        if (sec)
            section_change(x, k, path, o, NULL);
        else
            key_change(x, k, path, lr_cfg_value(o), NULL);
        free(path);
    }
}

/* ---- VG -------------------------------------------------------------- */

static void diff_vg(dctx_t *x)
{
    /* PVs and LVs are paired by UUID below; seqno is the version's own */
    static const char *const skip[] = {"seqno", "physical_volumes", "logical_volumes", NULL};
    /* after the VG section: the per-version header fields */
    static const char *const root_skip[] = {"description", "creation_host", "creation_time", NULL};
    const lr_vg_t *a = x->a, *b = x->b;
    const char *old_name = strcmp(a->name, b->name) ? a->name : NULL;
    if (old_name) {
        change_in_t in = {.obj = LR_DIFF_VG,
                          .kind = LR_DIFF_RENAMED,
                          .name = b->name,
                          .old_name = a->name,
                          .id = b->id,
                          .field = "name"};
        in.old_value = df_strdup(a->name, &x->oom);
        in.new_value = df_strdup(b->name, &x->oom);
        add_change(x, &in);
    }
    keyctx_t k = {.obj = LR_DIFF_VG, .name = b->name, .old_name = old_name, .id = b->id};
    k.skip = skip;
    diff_section(x, &k, NULL, 0, a->node, b->node);
    /* the root, outside the VG section: contents, version, anything else */
    k.skip = root_skip;
    k.skip_a = a->node;
    k.skip_b = b->node;
    diff_section(x, &k, NULL, 0, lr_cfg_parent(a->node), lr_cfg_parent(b->node));
}

/* ---- matching ------------------------------------------------------------ */

/* A pair of objects (old index, new index; -1 when absent on that side) and
 * the name it sorts under. */
typedef struct pair {
    long ia, ib;
    const char *name;
} pair_t;

static int pair_cmp(const void *p, const void *q)
{
    const pair_t *x = p, *y = q;
    int c = strverscmp(x->name, y->name);
    if (c)
        return c;
    /* the same name twice (an LV removed and another created under its
     * name): the removed one first */
    return (y->ib < 0) - (x->ib < 0);
}

/* ---- PVs --------------------------------------------------------------- */

static char *pv_summary(const lr_pv_t *pv, uint64_t extent_size, bool *oom)
{
    char sz[48];
    lr_fmt_size(sectors_bytes(pv->dev_size), SIZE_STYLE, sz, sizeof(sz));
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%s, %s%s%s, %" PRIu64 " extents of %" PRIu64 " sectors", pv->id, sz,
                     pv->device ? ", device " : "", pv->device ? pv->device : "", pv->pe_count,
                     extent_size);
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

/* Whether old PV i and new PV j are one PV (lr_pv_same_in_place: the same
 * UUID, or a new one given in place by pvchange -u or vgimportclone). */
static bool same_pv(const dctx_t *x, size_t i, size_t j)
{
    if (i >= x->a->n_pvs || j >= x->b->n_pvs)
        return false;
    return lr_pv_same_in_place(x->a, &x->a->pvs[i], x->b, &x->b->pvs[j]);
}

static void diff_pv_pair(dctx_t *x, const pair_t *p)
{
    static const char *const skip[] = {"id", NULL};
    const lr_pv_t *o = p->ia >= 0 ? &x->a->pvs[p->ia] : NULL;
    const lr_pv_t *n = p->ib >= 0 ? &x->b->pvs[p->ib] : NULL;
    if (!o || !n) {
        const lr_pv_t *pv = o ? o : n;
        change_in_t in = {.obj = LR_DIFF_PV,
                          .kind = o ? LR_DIFF_REMOVED : LR_DIFF_ADDED,
                          .name = pv->key,
                          .id = pv->id};
        char *sum = pv_summary(pv, (o ? x->a : x->b)->extent_size, &x->oom);
        if (o) {
            in.old_value = sum;
            in.old_bytes = sectors_bytes(pv->dev_size);
        } else {
            in.new_value = sum;
            in.new_bytes = sectors_bytes(pv->dev_size);
        }
        add_change(x, &in);
        return;
    }
    if (strcmp(o->raw_id, n->raw_id) != 0) {
        change_in_t in = {
            .obj = LR_DIFF_PV, .kind = LR_DIFF_CHANGED, .name = n->key, .id = n->id, .field = "id"};
        in.old_value = df_strdup(o->id, &x->oom);
        in.new_value = df_strdup(n->id, &x->oom);
        add_change(x, &in);
    }
    bool rekeyed = strcmp(o->key, n->key) != 0;
    keyctx_t k = {.obj = LR_DIFF_PV,
                  .name = n->key,
                  .old_name = rekeyed ? o->key : NULL,
                  .id = n->id,
                  .skip = skip};
    if (rekeyed) {
        change_in_t in = {.obj = LR_DIFF_PV,
                          .kind = LR_DIFF_CHANGED,
                          .name = n->key,
                          .old_name = o->key,
                          .id = n->id,
                          .field = "key"};
        in.old_value = df_strdup(o->key, &x->oom);
        in.new_value = df_strdup(n->key, &x->oom);
        add_change(x, &in);
    }
    diff_section(x, &k, NULL, 0, o->node, n->node);
}

static int diff_pvs(dctx_t *x)
{
    const lr_vg_t *a = x->a, *b = x->b;
    pair_t *p = calloc(a->n_pvs + b->n_pvs + 1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    size_t n = 0;
    for (size_t j = 0; j < b->n_pvs; j++)
        p[n++] = (pair_t){-1, (long)j, b->pvs[j].key};
    for (size_t i = 0; i < a->n_pvs; i++) {
        size_t j = 0;
        while (j < b->n_pvs && !same_pv(x, i, j))
            j++;
        if (j < b->n_pvs && p[j].ia < 0)
            p[j].ia = (long)i;
        else
            p[n++] = (pair_t){(long)i, -1, a->pvs[i].key};
    }
    qsort(p, n, sizeof(*p), pair_cmp);
    for (size_t i = 0; i < n; i++)
        diff_pv_pair(x, &p[i]);
    free(p);
    return 0;
}

/* ---- segment maps ------------------------------------------------------ */

static void put_seg(lr_strbuf_t *b, const lr_seg_t *s)
{
    uint64_t end = s->start_extent + s->extent_count;
    lr_strbuf_printf(b, "%" PRIu64 "-%" PRIu64 " ", s->start_extent, end ? end - 1 : 0);
    lr_strbuf_puts(b, lr_seg_is_linear(s) ? "linear" : s->type);
    if (!s->known)
        return;
    if (s->stripe_count > 1 && s->stripe_size) {
        char sz[48];
        lr_fmt_size(sectors_bytes(s->stripe_size), SIZE_STYLE, sz, sizeof(sz));
        lr_strbuf_printf(b, "(%" PRIu64 "x%s)", s->stripe_count, sz);
    }
    uint64_t len = lr_seg_area_len(s);
    for (size_t i = 0; i < s->n_areas; i++) {
        const lr_seg_area_t *ar = &s->areas[i];
        if (ar->pv_index >= 0 && len)
            lr_strbuf_printf(b, " %s:%" PRIu64 "-%" PRIu64, ar->name, ar->start,
                             ar->start + len - 1);
        else
            lr_strbuf_printf(b, " %s", ar->name);
    }
}

/* "0-1 linear pv0:0-1; 2-3 linear pv0:5-6" like `lvs --segments`'s
 * seg_pe_ranges. */
static char *seg_map(const lr_lv_t *lv, bool *oom)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    for (size_t i = 0; i < lv->n_segs; i++) {
        if (i)
            lr_strbuf_puts(&b, "; ");
        put_seg(&b, &lv->segs[i]);
    }
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

static char *lv_summary(const lr_lv_t *lv, const lr_vg_t *vg, bool *oom)
{
    char *sz = size_str(lv_bytes(lv, vg), lv->extent_count, oom);
    char *map = seg_map(lv, oom);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%s%s%s", sz ? sz : "", map && *map ? ": " : "", map ? map : "");
    free(sz);
    free(map);
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        *oom = true;
    return s;
}

/* Whether two areas hold the same place: the same PV (by UUID: PV keys can
 * be renumbered between versions) or the same sub-LV (by UUID: LVM2
 * renames a raid's or mirror's images with it), from the same extent. */
static bool same_area(const dctx_t *x, const lr_seg_area_t *p, const lr_seg_area_t *q)
{
    if (p->start != q->start || p->meta != q->meta || (p->pv_index < 0) != (q->pv_index < 0))
        return false;
    if (p->pv_index < 0)
        return strcmp(p->name, q->name) == 0 || lv_ref_same(x, p->name, q->name);
    if ((size_t)p->pv_index >= x->a->n_pvs || (size_t)q->pv_index >= x->b->n_pvs)
        return false;
    return same_pv(x, (size_t)p->pv_index, (size_t)q->pv_index);
}

/* Whether logical extent `at` of both LVs maps to the same place through
 * segments sa (old) and sb (new) of the same type. Only the areas decide:
 * other keys (region_size, chunk_size, a pool's transaction_id) are
 * settings, compared by seg_settings. */
static bool same_mapping(dctx_t *x, const lr_seg_t *sa, const lr_seg_t *sb, uint64_t at)
{
    if (lr_seg_is_linear(sa) && lr_seg_is_linear(sb)) {
        long pa = sa->areas[0].pv_index, pb = sb->areas[0].pv_index;
        if (pa < 0 || pb < 0)
            return false;
        return same_pv(x, (size_t)pa, (size_t)pb) &&
               sa->areas[0].start + (at - sa->start_extent) ==
                   sb->areas[0].start + (at - sb->start_extent);
    }
    /* stripes, legs and segments without decoded areas: the same only when
     * laid out from the same start over the same areas */
    if (sa->start_extent != sb->start_extent || sa->n_areas != sb->n_areas)
        return false;
    for (size_t i = 0; i < sa->n_areas; i++)
        if (!same_area(x, &sa->areas[i], &sb->areas[i]))
            return false;
    return true;
}

/* Every setting of two segments of the same type that differs, at any
 * depth ("region_size", "policy_settings.migration_threshold",
 * "message1.create"); the keys placing the segment are the map's. */
static void seg_settings(dctx_t *x, const lr_lv_t *o, const lr_lv_t *n, const lr_seg_t *p,
                         const lr_seg_t *q, const char *old_name)
{
    static const char *const place[] = {"start_extent", "extent_count", "type", NULL};
    static const char *const areas[] = {"start_extent", "extent_count", "type",      "stripes",
                                        "mirrors",      "raids",        "raid0_lvs", NULL};
    keyctx_t k = {.obj = LR_DIFF_LV,
                  .name = n->name,
                  .old_name = old_name,
                  .id = n->id,
                  .skip = p->known && q->known ? areas : place,
                  .refs = true};
    /* one segment on each side: its settings are the LV's; else the path
     * names the new version's segment */
    const char *prefix = o->n_segs == 1 && n->n_segs == 1 ? NULL : q->key;
    diff_section(x, &k, prefix, 0, p->node, q->node);
}

static int seg_cmp(const void *p, const void *q)
{
    const lr_seg_t *x = *(const lr_seg_t *const *)p, *y = *(const lr_seg_t *const *)q;
    return x->start_extent < y->start_extent ? -1 : x->start_extent > y->start_extent;
}

static const lr_seg_t **sorted_segs(const lr_lv_t *lv)
{
    const lr_seg_t **v = calloc(lv->n_segs + 1, sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < lv->n_segs; i++)
        v[i] = &lv->segs[i];
    qsort(v, lv->n_segs, sizeof(*v), seg_cmp);
    return v;
}

/* Whether sorted segments cover the LV from extent 0 without a gap or an
 * overlap, as LVM2 writes them. */
static bool contiguous(const lr_seg_t *const *v, size_t n)
{
    uint64_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->start_extent != next)
            return false;
        next += v[i]->extent_count;
    }
    return true;
}

/* Whether two sorted segment lists place their segments alike. */
static bool same_layout(const lr_seg_t *const *p, size_t np, const lr_seg_t *const *q, size_t nq)
{
    if (np != nq)
        return false;
    for (size_t i = 0; i < np; i++)
        if (p[i]->start_extent != q[i]->start_extent || p[i]->extent_count != q[i]->extent_count)
            return false;
    return true;
}

/* How an LV's two segment lists compare. */
typedef struct seg_walk {
    bool moved, retyped;  /* filled by the walk */
    bool settings;        /* report setting changes of overlapping segments */
    const char *old_name; /* for those reports */
} seg_walk_t;

/* Walks the logical extents both versions of the LV have: whether any of
 * them changed type or place, and (w->settings) what changed in the
 * settings of each overlapping pair of segments of one type. Extents only
 * one side has are the resize, reported apart. */
static int walk_segs(dctx_t *x, const lr_lv_t *o, const lr_lv_t *n, seg_walk_t *w)
{
    w->moved = w->retyped = false;
    const lr_seg_t **sa = sorted_segs(o), **sb = sorted_segs(n);
    if (!sa || !sb) {
        free(sa);
        free(sb);
        return -ENOMEM;
    }
    /* a hand-made text can place segments anywhere: extents moved within
     * the LV are a move even where no extent of the two versions overlaps */
    if ((!contiguous(sa, o->n_segs) || !contiguous(sb, n->n_segs)) &&
        !same_layout(sa, o->n_segs, sb, n->n_segs))
        w->moved = true;
    size_t i = 0, j = 0;
    while (i < o->n_segs && j < n->n_segs) {
        const lr_seg_t *p = sa[i], *q = sb[j];
        uint64_t pe = p->start_extent + p->extent_count, qe = q->start_extent + q->extent_count;
        uint64_t lo = p->start_extent > q->start_extent ? p->start_extent : q->start_extent;
        uint64_t hi = pe < qe ? pe : qe;
        bool overlap =
            lo < hi || (p->start_extent == q->start_extent && !p->extent_count && !q->extent_count);
        bool same_type = strcmp(p->type, q->type) == 0;
        if (overlap && !same_type)
            w->retyped = true;
        else if (lo < hi && !same_mapping(x, p, q, lo))
            w->moved = true;
        if (overlap && same_type && w->settings)
            seg_settings(x, o, n, p, q, w->old_name);
        if (pe <= qe)
            i++;
        if (qe <= pe)
            j++;
    }
    free(sa);
    free(sb);
    return 0;
}

/* ---- LVs --------------------------------------------------------------- */

static void lv_added_removed(dctx_t *x, const lr_lv_t *o, const lr_lv_t *n)
{
    const lr_lv_t *lv = o ? o : n;
    const lr_vg_t *vg = o ? x->a : x->b;
    change_in_t in = {.obj = LR_DIFF_LV,
                      .kind = o ? LR_DIFF_REMOVED : LR_DIFF_ADDED,
                      .name = lv->name,
                      .id = lv->id};
    char *sum = lv_summary(lv, vg, &x->oom);
    uint64_t bytes = lv_bytes(lv, vg);
    if (o) {
        in.old_value = sum;
        in.old_bytes = bytes;
    } else {
        in.new_value = sum;
        in.new_bytes = bytes;
    }
    add_change(x, &in);
}

static void lv_resized(dctx_t *x, const lr_lv_t *o, const lr_lv_t *n, const char *old_name)
{
    uint64_t ob = lv_bytes(o, x->a), nb = lv_bytes(n, x->b);
    if (ob == nb && o->extent_count == n->extent_count)
        return;
    change_in_t in = {.obj = LR_DIFF_LV,
                      .kind = LR_DIFF_RESIZED,
                      .name = n->name,
                      .old_name = old_name,
                      .id = n->id,
                      .field = "size",
                      .old_bytes = ob,
                      .new_bytes = nb};
    in.old_value = size_str(ob, o->extent_count, &x->oom);
    in.new_value = size_str(nb, n->extent_count, &x->oom);
    add_change(x, &in);
}

static int lv_segments(dctx_t *x, const lr_lv_t *o, const lr_lv_t *n, const char *old_name)
{
    seg_walk_t w = {.old_name = old_name};
    if (walk_segs(x, o, n, &w))
        return -ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        if (!(pass == 0 ? w.moved : w.retyped))
            continue;
        change_in_t in = {.obj = LR_DIFF_LV,
                          .kind = pass == 0 ? LR_DIFF_MOVED : LR_DIFF_RETYPED,
                          .name = n->name,
                          .old_name = old_name,
                          .id = n->id,
                          .field = "segments"};
        in.old_value = seg_map(o, &x->oom);
        in.new_value = seg_map(n, &x->oom);
        add_change(x, &in);
    }
    return 0;
}

static int diff_lv_pair(dctx_t *x, const pair_t *p)
{
    static const char *const skip[] = {"id", "segment_count", NULL};
    const lr_lv_t *o = p->ia >= 0 ? &x->a->lvs[p->ia] : NULL;
    const lr_lv_t *n = p->ib >= 0 ? &x->b->lvs[p->ib] : NULL;
    if (!o || !n) {
        lv_added_removed(x, o, n);
        return 0;
    }
    const char *old_name = strcmp(o->name, n->name) ? o->name : NULL;
    if (old_name) {
        change_in_t in = {.obj = LR_DIFF_LV,
                          .kind = LR_DIFF_RENAMED,
                          .name = n->name,
                          .old_name = old_name,
                          .id = n->id,
                          .field = "name"};
        in.old_value = df_strdup(o->name, &x->oom);
        in.new_value = df_strdup(n->name, &x->oom);
        add_change(x, &in);
    }
    lv_resized(x, o, n, old_name);
    if (lv_segments(x, o, n, old_name))
        return -ENOMEM;
    /* the LV's own keys, then its segments' settings (text order) */
    keyctx_t k = {.obj = LR_DIFF_LV,
                  .name = n->name,
                  .old_name = old_name,
                  .id = n->id,
                  .skip = skip,
                  .no_sections = true};
    diff_section(x, &k, NULL, 0, o->node, n->node);
    seg_walk_t w = {.settings = true, .old_name = old_name};
    return walk_segs(x, o, n, &w);
}

static int diff_lvs(dctx_t *x)
{
    const lr_vg_t *a = x->a, *b = x->b;
    pair_t *p = calloc(a->n_lvs + b->n_lvs + 1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    size_t n = 0;
    for (size_t j = 0; j < b->n_lvs; j++)
        p[n++] = (pair_t){-1, (long)j, b->lvs[j].name};
    for (size_t i = 0; i < a->n_lvs; i++) {
        size_t j = 0;
        while (j < b->n_lvs && !(p[j].ia < 0 && lv_match(&a->lvs[i], &b->lvs[j])))
            j++;
        if (j < b->n_lvs)
            p[j].ia = (long)i;
        else
            p[n++] = (pair_t){(long)i, -1, a->lvs[i].name};
    }
    qsort(p, n, sizeof(*p), pair_cmp);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = diff_lv_pair(x, &p[i]);
    free(p);
    return rc;
}

/* ---- entry points -------------------------------------------------------- */

static int fill_header(lr_diff_t *d, const lr_vg_t *a, const lr_vg_t *b)
{
    bool oom = false;
    d->old_vg = df_strdup(a->name, &oom);
    d->new_vg = df_strdup(b->name, &oom);
    d->vg_id = df_strdup(b->id, &oom);
    d->old_description = df_strdup(a->description, &oom);
    d->new_description = df_strdup(b->description, &oom);
    d->old_seqno = a->seqno;
    d->new_seqno = b->seqno;
    d->old_time = a->creation_time;
    d->new_time = b->creation_time;
    return oom ? -ENOMEM : 0;
}

int lr_diff_vgs(const lr_vg_t *from, const lr_vg_t *to, lr_diff_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!from || !to || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    lr_diff_t *d = calloc(1, sizeof(*d));
    if (!d)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    dctx_t x = {.d = d, .a = from, .b = to};
    int rc = fill_header(d, from, to);
    if (!rc) {
        diff_vg(&x);
        rc = diff_pvs(&x);
    }
    if (!rc)
        rc = diff_lvs(&x);
    if (!rc && x.oom)
        rc = -ENOMEM;
    if (rc) {
        lr_diff_free(d);
        return lr_error_set(err, rc, LR_NO_OFFSET, "out of memory");
    }
    *out = d;
    return 0;
}

int lr_diff_scan(const lr_scan_session_t *session, size_t vg, size_t va, size_t vb, lr_diff_t **out,
                 lr_error_t *err)
{
    lr_error_clear(err);
    if (!out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    lr_vg_t *a = NULL, *b = NULL;
    int rc = lr_scan_version_vg(session, vg, va, &a, err);
    if (!rc)
        rc = lr_scan_version_vg(session, vg, vb, &b, err);
    if (!rc)
        rc = lr_diff_vgs(a, b, out, err);
    lr_vg_free(a);
    lr_vg_free(b);
    return rc;
}

void lr_diff_free(lr_diff_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_changes; i++) {
        lr_diff_change_t *c = &d->changes[i];
        free(c->name);
        free(c->old_name);
        free(c->id);
        free(c->field);
        free(c->old_value);
        free(c->new_value);
        free(c->text);
    }
    free(d->changes);
    free(d->old_vg);
    free(d->new_vg);
    free(d->vg_id);
    free(d->old_description);
    free(d->new_description);
    free(d);
}

/* ---- rendering ------------------------------------------------------------ */

static void put_time(lr_strbuf_t *b, int64_t t)
{
    if (!t) {
        lr_strbuf_puts(b, "time unknown");
        return;
    }
    char s[64], raw[32];
    snprintf(raw, sizeof(raw), "%" PRId64, t); /* when it is no calendar time */
    lr_strbuf_puts(b, lr_fmt_time(t, LR_FMT_TIME_ZONE, raw, s, sizeof(s)));
}

static void put_side(lr_strbuf_t *b, const char *label, const char *vg, uint64_t seqno, int64_t t,
                     const char *desc)
{
    lr_strbuf_printf(b, "%s: VG %s seqno %" PRIu64 ", ", label, vg ? vg : "?", seqno);
    put_time(b, t);
    if (desc)
        lr_strbuf_printf(b, ", \"%s\"", desc);
    lr_strbuf_puts(b, "\n");
}

int lr_diff_format_text(const lr_diff_t *d, char **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!d || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    lr_strbuf_t b = LR_STRBUF_INIT;
    put_side(&b, "old", d->old_vg, d->old_seqno, d->old_time, d->old_description);
    put_side(&b, "new", d->new_vg, d->new_seqno, d->new_time, d->new_description);
    if (!d->n_changes)
        lr_strbuf_puts(&b, "No changes.\n");
    else
        lr_strbuf_printf(&b, "%zu change%s:\n", d->n_changes, d->n_changes == 1 ? "" : "s");
    for (size_t i = 0; i < d->n_changes; i++)
        lr_strbuf_printf(&b, "  %s\n", d->changes[i].text);
    *out = lr_strbuf_take(&b, NULL);
    return *out ? 0 : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
}

static void json_side(lr_strbuf_t *b, const char *vg, uint64_t seqno, int64_t t, const char *desc)
{
    lr_strbuf_puts(b, "{\"vg\":");
    lr_strbuf_json_str(b, vg);
    lr_strbuf_printf(b, ",\"seqno\":%" PRIu64 ",\"description\":", seqno);
    lr_strbuf_json_str(b, desc);
    lr_strbuf_printf(b, ",\"creation_time\":%" PRId64 "}", t);
}

static void json_change(lr_strbuf_t *b, const lr_diff_change_t *c)
{
    lr_strbuf_printf(b, "{\"object\":\"%s\",\"kind\":\"%s\",\"name\":", lr_diff_obj_name(c->obj),
                     lr_diff_kind_name(c->kind));
    lr_strbuf_json_str(b, c->name);
    lr_strbuf_puts(b, ",\"old_name\":");
    lr_strbuf_json_str(b, c->old_name);
    lr_strbuf_puts(b, ",\"id\":");
    lr_strbuf_json_str(b, c->id);
    lr_strbuf_puts(b, ",\"field\":");
    lr_strbuf_json_str(b, c->field);
    lr_strbuf_puts(b, ",\"old\":");
    lr_strbuf_json_str(b, c->old_value);
    lr_strbuf_puts(b, ",\"new\":");
    lr_strbuf_json_str(b, c->new_value);
    lr_strbuf_printf(b,
                     ",\"old_bytes\":%" PRIu64 ",\"new_bytes\":%" PRIu64 ",\"text\":", c->old_bytes,
                     c->new_bytes);
    lr_strbuf_json_str(b, c->text);
    lr_strbuf_puts(b, "}");
}

int lr_diff_format_json(const lr_diff_t *d, char **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!d || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "{\"vg\":");
    lr_strbuf_json_str(&b, d->new_vg);
    lr_strbuf_puts(&b, ",\"vg_id\":");
    lr_strbuf_json_str(&b, d->vg_id);
    lr_strbuf_puts(&b, ",\"old\":");
    json_side(&b, d->old_vg, d->old_seqno, d->old_time, d->old_description);
    lr_strbuf_puts(&b, ",\"new\":");
    json_side(&b, d->new_vg, d->new_seqno, d->new_time, d->new_description);
    lr_strbuf_puts(&b, ",\"changes\":[");
    for (size_t i = 0; i < d->n_changes; i++) {
        lr_strbuf_puts(&b, i ? ",\n" : "\n");
        json_change(&b, &d->changes[i]);
    }
    lr_strbuf_puts(&b, "]}\n");
    *out = lr_strbuf_take(&b, NULL);
    return *out ? 0 : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
}

const char *lr_diff_obj_name(lr_diff_obj_t obj)
{
    switch (obj) {
    case LR_DIFF_VG:
        return "vg";
    case LR_DIFF_PV:
        return "pv";
    case LR_DIFF_LV:
        return "lv";
    }
    return "unknown";
}

const char *lr_diff_kind_name(lr_diff_kind_t kind)
{
    switch (kind) {
    case LR_DIFF_ADDED:
        return "added";
    case LR_DIFF_REMOVED:
        return "removed";
    case LR_DIFF_RENAMED:
        return "renamed";
    case LR_DIFF_RESIZED:
        return "resized";
    case LR_DIFF_MOVED:
        return "moved";
    case LR_DIFF_RETYPED:
        return "retyped";
    case LR_DIFF_CHANGED:
        return "changed";
    }
    return "unknown";
}

static bool same_object(const lr_diff_change_t *x, const lr_diff_change_t *y)
{
    return x->obj == y->obj && strcmp(x->name, y->name) == 0;
}

long lr_diff_next_object(const lr_diff_t *d, long from, int dir)
{
    if (!d || d->n_changes == 0)
        return -1;
    long n = (long)d->n_changes;
    long step = dir < 0 ? -1 : 1;
    if (from < 0 || from >= n) {
        if (step > 0)
            return 0;
        from = n - 1; /* the start of the last object */
        while (from > 0 && same_object(&d->changes[from - 1], &d->changes[from]))
            from--;
        return from;
    }
    for (long i = from + step; i >= 0 && i < n; i += step) {
        if (same_object(&d->changes[i], &d->changes[from]))
            continue;
        /* going back, land on the first change of that object */
        while (step < 0 && i > 0 && same_object(&d->changes[i - 1], &d->changes[i]))
            i--;
        return i;
    }
    return -1;
}
