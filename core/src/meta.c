/* lvmrescue core: the typed view of one VG metadata version, read the way
 * LVM2's lib/format_text/import_vsn1.c and the segment types' text_import
 * functions read it. The view only points into the tree: strings belong to
 * the tree, the arrays of PVs, LVs, segments, areas and string lists belong to
 * the view. Editing the tree invalidates the view; build a new one. */
#include "lr/meta.h"

#include "lr/label.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The view as allocated: lr_vg_t first, so the public pointer is the
 * allocation, plus what lr_vg_free needs to know. */
typedef struct vg_priv {
    lr_vg_t vg;
    bool owns_cfg;
    bool pooled; /* after lr_vg_drop_tree: its strings and the arrays of its
                    LVs, PVs and lists (not pvs and lvs) are the pool's */
} vg_priv_t;

/* Sorted name -> index table for PV keys and LV names. */
typedef struct name_ix {
    const char *name;
    size_t idx;
    const lr_cfg_node_t *node;
} name_ix_t;

typedef struct build {
    lr_vg_t *vg;
    lr_error_t *err;
    name_ix_t *pv_ix, *lv_ix;
} build_t;

#define CTX_LEN 200

/* ------------------------------------------------------------------ */
/* field helpers                                                        */

/* Turns a getter's failure into LR_EFORMAT naming the field and where. */
static int bad_field(lr_error_t *err, int rc, const lr_cfg_node_t *sec, const char *ctx,
                     const char *key)
{
    const lr_cfg_node_t *n = lr_cfg_find(sec, key);
    if (rc == -ENOMEM)
        return lr_error_set(err, rc, LR_NO_OFFSET, "out of memory");
    if (!n)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(sec), "%s: missing '%s'", ctx, key);
    if (rc == LR_ERANGE)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(n), "%s: '%s' is negative", ctx, key);
    return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(n), "%s: '%s' has the wrong type", ctx, key);
}

static int req_uint(const lr_cfg_node_t *sec, const char *ctx, const char *key, uint64_t *v,
                    lr_error_t *err)
{
    int rc = lr_cfg_get_uint(sec, key, v, NULL);
    return rc ? bad_field(err, rc, sec, ctx, key) : 0;
}

static int opt_uint(const lr_cfg_node_t *sec, const char *ctx, const char *key, uint64_t *v,
                    lr_error_t *err)
{
    *v = 0;
    int rc = lr_cfg_get_uint(sec, key, v, NULL);
    if (rc == LR_ENOTFOUND)
        return 0;
    return rc ? bad_field(err, rc, sec, ctx, key) : 0;
}

static int opt_int(const lr_cfg_node_t *sec, const char *ctx, const char *key, int64_t *v,
                   lr_error_t *err)
{
    *v = 0;
    int rc = lr_cfg_get_int(sec, key, v, NULL);
    if (rc == LR_ENOTFOUND)
        return 0;
    return rc ? bad_field(err, rc, sec, ctx, key) : 0;
}

static int req_str(const lr_cfg_node_t *sec, const char *ctx, const char *key, const char **s,
                   lr_error_t *err)
{
    int rc = lr_cfg_get_str(sec, key, s, NULL);
    return rc ? bad_field(err, rc, sec, ctx, key) : 0;
}

static int opt_str(const lr_cfg_node_t *sec, const char *ctx, const char *key, const char **s,
                   lr_error_t *err)
{
    *s = NULL;
    int rc = lr_cfg_get_str(sec, key, s, NULL);
    if (rc == LR_ENOTFOUND)
        return 0;
    return rc ? bad_field(err, rc, sec, ctx, key) : 0;
}

/* status/flags/tags: optional lists of strings. A lone string counts as a
 * list of one, as libdm's dm_config_get_list hands LVM2 any value as a list. */
static int read_strlist(const lr_cfg_node_t *sec, const char *ctx, const char *key,
                        lr_strlist_t *out, lr_error_t *err)
{
    const lr_cfg_value_t *arr = NULL;
    const char *one = NULL;
    int rc = lr_cfg_get_strings(sec, key, &arr, NULL);
    if (rc == LR_ENOTFOUND)
        return 0;
    if (rc == LR_EFORMAT && lr_cfg_get_str(sec, key, &one, NULL) == 0)
        rc = 0;
    if (rc)
        return bad_field(err, rc, sec, ctx, key);
    size_t n = one ? 1 : arr->n_items;
    if (!n)
        return 0;
    out->v = calloc(n, sizeof(*out->v));
    if (!out->v)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++)
        out->v[i] = one ? one : arr->items[i].s;
    out->n = n;
    return 0;
}

static void strlist_free(lr_strlist_t *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

bool lr_strlist_has(const lr_strlist_t *list, const char *s)
{
    if (!list || !s)
        return false;
    for (size_t i = 0; i < list->n; i++)
        if (list->v[i] && strcmp(list->v[i], s) == 0)
            return true;
    return false;
}

/* LVM2's id_read_format: dashes anywhere, then 32 characters of the UUID
 * alphabet (lr_uuid_parse holds the rule). */
static bool uuid_raw(const char *id, char raw[33])
{
    return lr_uuid_parse(id, raw, 33) == 0;
}

static int read_uuid(const lr_cfg_node_t *sec, const char *ctx, const char **id, char raw[33],
                     lr_error_t *err)
{
    int rc = req_str(sec, ctx, "id", id, err);
    if (rc)
        return rc;
    if (!uuid_raw(*id, raw))
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(lr_cfg_find(sec, "id")),
                            "%s: invalid uuid '%.64s'", ctx, *id);
    return 0;
}

/* Child sections of sec, checked against limit; value children are an error
 * when `sections_only` (physical_volumes, logical_volumes). */
static int count_sections(const lr_cfg_node_t *sec, const char *ctx, size_t limit,
                          bool sections_only, size_t *out, lr_error_t *err)
{
    size_t n = 0;
    for (const lr_cfg_node_t *c = lr_cfg_child(sec); c; c = lr_cfg_next(c)) {
        if (lr_cfg_node_type(c) != LR_CFG_SECTION) {
            if (sections_only)
                return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(c),
                                    "%s: '%.64s' is not a section", ctx, lr_cfg_key(c));
            continue;
        }
        if (n == limit)
            return lr_error_set(err, LR_ELIMIT, lr_cfg_offset(c), "%s: more than %zu entries", ctx,
                                limit);
        n++;
    }
    *out = n;
    return 0;
}

/* ------------------------------------------------------------------ */
/* name tables                                                          */

static int cmp_ix(const void *a, const void *b)
{
    const name_ix_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorts the table and refuses duplicate names (LVM2 would merge or confuse
 * them; a view with two "pv0" cannot resolve areas). */
static int ix_sort(name_ix_t *ix, size_t n, const char *what, lr_error_t *err)
{
    if (n < 2)
        return 0; /* also keeps a NULL table away from qsort */
    qsort(ix, n, sizeof(*ix), cmp_ix);
    for (size_t i = 1; i < n; i++)
        if (strcmp(ix[i - 1].name, ix[i].name) == 0)
            return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(ix[i].node), "duplicate %s '%.64s'",
                                what, ix[i].name);
    return 0;
}

static const name_ix_t *ix_find(const name_ix_t *ix, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix[mid].name, name);
        if (c == 0)
            return &ix[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* VG, PVs                                                              */

/* LVM2 takes the first top-level section; we take the first one that looks
 * like a VG (has id and seqno), which is the same on anything LVM2 wrote and
 * skips stray sections a damaged or hand-made text may carry before it. */
static lr_cfg_node_t *find_vg_node(const lr_cfg_t *cfg)
{
    for (lr_cfg_node_t *c = lr_cfg_child(lr_cfg_root(cfg)); c; c = lr_cfg_next(c))
        if (lr_cfg_node_type(c) == LR_CFG_SECTION && lr_cfg_find(c, "id") &&
            lr_cfg_find(c, "seqno"))
            return c;
    return NULL;
}

static int read_header(lr_vg_t *vg, lr_error_t *err)
{
    const lr_cfg_node_t *root = lr_cfg_root(vg->cfg);
    const char *ctx = "top level";
    int rc = opt_str(root, ctx, "contents", &vg->contents, err);
    if (!rc)
        rc = opt_int(root, ctx, "version", &vg->version, err);
    if (!rc)
        rc = opt_str(root, ctx, "description", &vg->description, err);
    if (!rc)
        rc = opt_str(root, ctx, "creation_host", &vg->creation_host, err);
    if (!rc)
        rc = opt_int(root, ctx, "creation_time", &vg->creation_time, err);
    return rc;
}

static int read_vg_fields(lr_vg_t *vg, lr_error_t *err)
{
    const lr_cfg_node_t *n = vg->node;
    char ctx[CTX_LEN];
    snprintf(ctx, sizeof(ctx), "VG '%.64s'", vg->name);
    int rc = read_uuid(n, ctx, &vg->id, vg->raw_id, err);
    if (!rc)
        rc = req_uint(n, ctx, "seqno", &vg->seqno, err);
    if (!rc)
        rc = opt_str(n, ctx, "format", &vg->format, err);
    if (!rc)
        rc = read_strlist(n, ctx, "status", &vg->status, err);
    if (!rc)
        rc = read_strlist(n, ctx, "flags", &vg->flags, err);
    if (!rc)
        rc = read_strlist(n, ctx, "tags", &vg->tags, err);
    if (!rc)
        rc = req_uint(n, ctx, "extent_size", &vg->extent_size, err);
    if (!rc)
        rc = opt_uint(n, ctx, "max_lv", &vg->max_lv, err);
    if (!rc)
        rc = opt_uint(n, ctx, "max_pv", &vg->max_pv, err);
    if (!rc)
        rc = opt_uint(n, ctx, "metadata_copies", &vg->metadata_copies, err);
    return rc;
}

static int read_pv(lr_pv_t *pv, lr_cfg_node_t *sec, lr_error_t *err)
{
    char ctx[CTX_LEN];
    pv->key = lr_cfg_key(sec);
    pv->node = sec;
    snprintf(ctx, sizeof(ctx), "PV '%.64s'", pv->key);
    int rc = read_uuid(sec, ctx, &pv->id, pv->raw_id, err);
    if (!rc)
        rc = opt_str(sec, ctx, "device", &pv->device, err);
    if (!rc)
        rc = read_strlist(sec, ctx, "status", &pv->status, err);
    if (!rc)
        rc = read_strlist(sec, ctx, "flags", &pv->flags, err);
    if (!rc)
        rc = read_strlist(sec, ctx, "tags", &pv->tags, err);
    if (!rc)
        rc = opt_uint(sec, ctx, "dev_size", &pv->dev_size, err);
    if (!rc)
        rc = req_uint(sec, ctx, "pe_start", &pv->pe_start, err);
    if (!rc)
        rc = req_uint(sec, ctx, "pe_count", &pv->pe_count, err);
    if (!rc)
        rc = opt_uint(sec, ctx, "ba_start", &pv->ba_start, err);
    if (!rc)
        rc = opt_uint(sec, ctx, "ba_size", &pv->ba_size, err);
    return rc;
}

static int read_pvs(build_t *b)
{
    lr_vg_t *vg = b->vg;
    char ctx[CTX_LEN];
    snprintf(ctx, sizeof(ctx), "VG '%.64s' physical_volumes", vg->name);
    lr_cfg_node_t *sec = lr_cfg_find(vg->node, "physical_volumes");
    if (!sec || lr_cfg_node_type(sec) != LR_CFG_SECTION)
        return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(sec ? sec : vg->node),
                            "VG '%.64s': missing physical_volumes section", vg->name);
    size_t n;
    int rc = count_sections(sec, ctx, LR_META_MAX_PVS, true, &n, b->err);
    if (rc)
        return rc;
    vg->pvs = n ? calloc(n, sizeof(*vg->pvs)) : NULL;
    b->pv_ix = n ? calloc(n, sizeof(*b->pv_ix)) : NULL;
    if (n && (!vg->pvs || !b->pv_ix))
        return lr_error_set(b->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (lr_cfg_node_t *c = lr_cfg_child(sec); c; c = lr_cfg_next(c)) {
        lr_pv_t *pv = &vg->pvs[vg->n_pvs];
        b->pv_ix[vg->n_pvs] = (name_ix_t){lr_cfg_key(c), vg->n_pvs, c};
        vg->n_pvs++;
        rc = read_pv(pv, c, b->err);
        if (rc)
            return rc;
    }
    return ix_sort(b->pv_ix, vg->n_pvs, "PV section", b->err);
}

/* ------------------------------------------------------------------ */
/* LVs and segments                                                     */

static int area_push(lr_seg_t *seg, size_t cap, const char *name, uint64_t start, int pv_index,
                     bool meta)
{
    if (seg->n_areas == cap)
        return -1;
    seg->areas[seg->n_areas++] = (lr_seg_area_t){name, start, pv_index, meta};
    return 0;
}

/* Resolves a volume name the way text_import_areas does: a PV key first,
 * then an LV name. -2 when neither exists. */
static int resolve(const build_t *b, const char *name, bool lv_only)
{
    const name_ix_t *e = lv_only ? NULL : ix_find(b->pv_ix, b->vg->n_pvs, name);
    if (e)
        return (int)e->idx;
    return ix_find(b->lv_ix, b->vg->n_lvs, name) ? -1 : -2;
}

/* `stripes`/`mirrors`: pairs of volume name and start extent, exactly count
 * of them. */
static int read_pair_areas(const build_t *b, lr_seg_t *seg, const lr_cfg_node_t *sn,
                           const char *ctx, const char *list, uint64_t count)
{
    const lr_cfg_node_t *ln = lr_cfg_find(sn, list);
    if (!ln)
        return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(sn), "%s: missing '%s'", ctx, list);
    const lr_cfg_value_t *v = lr_cfg_value(ln);
    if (!v || v->type != LR_CFG_ARRAY || v->n_items != count * 2)
        return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(ln),
                            "%s: '%s' does not hold %" PRIu64 " name/extent pairs", ctx, list,
                            count);
    seg->areas = calloc(count, sizeof(*seg->areas));
    if (!seg->areas)
        return lr_error_set(b->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const lr_cfg_value_t *name = &v->items[2 * i], *pe = &v->items[2 * i + 1];
        if (name->type != LR_CFG_STRING || pe->type != LR_CFG_INT || pe->i < 0)
            return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(ln),
                                "%s: '%s' pair %zu is not a name and an extent", ctx, list, i);
        int idx = resolve(b, name->s, false);
        if (idx == -2)
            return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(ln),
                                "%s: '%s' names unknown volume '%.64s'", ctx, list, name->s);
        area_push(seg, count, name->s, (uint64_t)pe->i, idx, false);
    }
    return 0;
}

/* Parity devices of a raid level (lib/raid/raid.c _raid_types): raid4 and
 * raid5* one, raid6* two, raid0/1/10 none. */
static uint64_t raid_parity(const char *type)
{
    if (strcmp(type, "raid4") == 0 || strncmp(type, "raid5", 5) == 0)
        return 1;
    return strncmp(type, "raid6", 5) == 0 ? 2 : 0;
}

static bool is_raid10(const char *type)
{
    return strcmp(type, "raid10") == 0 || strcmp(type, "raid10_near") == 0;
}

static bool is_raid0(const char *type)
{
    return strcmp(type, "raid0") == 0 || strcmp(type, "raid0_meta") == 0;
}

/* raid.c _raid_text_import: a data_copies below 2 (absent, or not a 32-bit
 * number, which it reads as 0) becomes lv_raid_data_copies: 2 for raid10,
 * every image for raid1, parity + 1 for the striped levels. */
static uint64_t raid_data_copies(const lr_seg_t *seg, const lr_cfg_node_t *sn)
{
    uint64_t v = 0;
    if (lr_cfg_get_uint(sn, "data_copies", &v, NULL) == 0 && v >= 2 && v <= UINT32_MAX)
        return v;
    if (is_raid10(seg->type))
        return 2;
    if (strcmp(seg->type, "raid1") == 0)
        return seg->stripe_count;
    return raid_parity(seg->type) + 1;
}

/* raid*: device_count or stripe_count (raid0), then `raids` (`raid0_lvs` for
 * raid0) naming LVs: each area is an optional *_rmeta_* LV followed by the
 * image LV (raid.c _raid_text_import_areas). Every name becomes an area. */
static int read_raid(const build_t *b, lr_seg_t *seg, const lr_cfg_node_t *sn, const char *ctx)
{
    lr_error_t *err = b->err;
    bool has_dev = lr_cfg_find(sn, "device_count") != NULL;
    bool has_str = lr_cfg_find(sn, "stripe_count") != NULL;
    if (has_dev == has_str)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(sn),
                            "%s: needs exactly one of device_count and stripe_count", ctx);
    const char *ckey = has_dev ? "device_count" : "stripe_count";
    int rc = req_uint(sn, ctx, ckey, &seg->stripe_count, err);
    if (!rc)
        rc = opt_uint(sn, ctx, "stripe_size", &seg->stripe_size, err);
    if (rc)
        return rc;
    const char *list = strcmp(seg->type, "raid0") == 0 ? "raid0_lvs" : "raids";
    const lr_cfg_node_t *ln = lr_cfg_find(sn, list);
    const lr_cfg_value_t *v = lr_cfg_value(ln);
    if (!ln || !v || v->type != LR_CFG_ARRAY)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(ln ? ln : sn), "%s: missing '%s' list",
                            ctx, list);
    if (seg->stripe_count == 0 || seg->stripe_count > v->n_items)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(ln),
                            "%s: %s %" PRIu64 " does not match '%s'", ctx, ckey, seg->stripe_count,
                            list);
    seg->areas = calloc(v->n_items, sizeof(*seg->areas));
    if (!seg->areas)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    size_t i = 0;
    for (uint64_t s = 0; s < seg->stripe_count; s++) {
        for (int part = 0; part < 2; part++) {
            if (i == v->n_items || v->items[i].type != LR_CFG_STRING)
                return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(ln),
                                    "%s: '%s' item %zu is missing or not an LV name", ctx, list, i);
            const char *name = v->items[i++].s;
            if (resolve(b, name, true) != -1)
                return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(ln),
                                    "%s: '%s' names unknown LV '%.64s'", ctx, list, name);
            bool meta = part == 0 && strstr(name, "_rmeta_");
            area_push(seg, v->n_items, name, 0, -1, meta);
            if (part == 0 && !meta)
                break; /* no metadata LV: this was the image */
        }
    }
    if (i != v->n_items)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(ln),
                            "%s: '%s' holds more than %" PRIu64 " areas", ctx, list,
                            seg->stripe_count);
    seg->data_copies = raid_data_copies(seg, sn);
    return 0;
}

static int read_seg_areas(const build_t *b, lr_seg_t *seg, const lr_cfg_node_t *sn, const char *ctx)
{
    lr_error_t *err = b->err;
    int rc;
    if (lr_seg_is_striped(seg)) {
        seg->known = true;
        rc = req_uint(sn, ctx, "stripe_count", &seg->stripe_count, err);
        if (!rc && seg->stripe_count == 0)
            rc = lr_error_set(err, LR_EFORMAT, lr_cfg_offset(lr_cfg_find(sn, "stripe_count")),
                              "%s: stripe_count is 0", ctx);
        /* LVM2 needs stripe_size only for more than one stripe */
        if (!rc)
            rc = (seg->stripe_count > 1 ? req_uint : opt_uint)(sn, ctx, "stripe_size",
                                                               &seg->stripe_size, err);
        seg->data_copies = 1;
        return rc ? rc : read_pair_areas(b, seg, sn, ctx, "stripes", seg->stripe_count);
    }
    if (strcmp(seg->type, "mirror") == 0) {
        seg->known = true;
        rc = req_uint(sn, ctx, "mirror_count", &seg->stripe_count, err);
        if (!rc && seg->stripe_count == 0)
            rc = lr_error_set(err, LR_EFORMAT, lr_cfg_offset(lr_cfg_find(sn, "mirror_count")),
                              "%s: mirror_count is 0", ctx);
        seg->data_copies = seg->stripe_count;
        return rc ? rc : read_pair_areas(b, seg, sn, ctx, "mirrors", seg->stripe_count);
    }
    if (strncmp(seg->type, "raid", 4) == 0) {
        seg->known = true;
        return read_raid(b, seg, sn, ctx);
    }
    return 0; /* any other type: kept opaque in the tree */
}

static int read_segment(const build_t *b, const lr_lv_t *lv, lr_seg_t *seg, lr_cfg_node_t *sn)
{
    char ctx[CTX_LEN];
    seg->key = lr_cfg_key(sn);
    seg->node = sn;
    snprintf(ctx, sizeof(ctx), "LV '%.64s' %.64s", lv->name, seg->key);
    int rc = req_uint(sn, ctx, "start_extent", &seg->start_extent, b->err);
    if (!rc)
        rc = req_uint(sn, ctx, "extent_count", &seg->extent_count, b->err);
    if (!rc)
        rc = req_str(sn, ctx, "type", &seg->type, b->err);
    if (rc)
        return rc;
    if (seg->start_extent > UINT32_MAX || seg->extent_count > UINT32_MAX)
        return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(sn),
                            "%s: extent numbers beyond 32 bits", ctx);
    return read_seg_areas(b, seg, sn, ctx);
}

static int cmp_seg(const void *a, const void *b)
{
    const lr_seg_t *x = a, *y = b;
    return (x->start_extent > y->start_extent) - (x->start_extent < y->start_extent);
}

/* All sub-sections of an LV are segments (import_vsn1.c _read_segments);
 * their number must equal segment_count. Kept sorted by start_extent, as
 * LVM2 inserts them. */
static int read_segments(const build_t *b, lr_lv_t *lv)
{
    char ctx[CTX_LEN];
    snprintf(ctx, sizeof(ctx), "LV '%.64s'", lv->name);
    uint64_t declared;
    int rc = req_uint(lv->node, ctx, "segment_count", &declared, b->err);
    size_t n;
    if (!rc)
        rc = count_sections(lv->node, ctx, LR_META_MAX_SEGS, false, &n, b->err);
    if (rc)
        return rc;
    if (declared != n)
        return lr_error_set(
            b->err, LR_EFORMAT, lr_cfg_offset(lr_cfg_find(lv->node, "segment_count")),
            "%s: segment_count is %" PRIu64 " but %zu segments follow", ctx, declared, n);
    lv->segs = n ? calloc(n, sizeof(*lv->segs)) : NULL;
    if (n && !lv->segs)
        return lr_error_set(b->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (lr_cfg_node_t *c = lr_cfg_child(lv->node); c; c = lr_cfg_next(c)) {
        if (lr_cfg_node_type(c) != LR_CFG_SECTION)
            continue;
        lr_seg_t *seg = &lv->segs[lv->n_segs++];
        rc = read_segment(b, lv, seg, c);
        if (rc)
            return rc;
        lv->extent_count += seg->extent_count; /* both < 2^32, n < 2^16 */
    }
    if (lv->n_segs > 1)
        qsort(lv->segs, lv->n_segs, sizeof(*lv->segs), cmp_seg);
    return 0;
}

static int read_lv(lr_lv_t *lv, lr_cfg_node_t *sec, lr_error_t *err)
{
    char ctx[CTX_LEN];
    lv->name = lr_cfg_key(sec);
    lv->node = sec;
    snprintf(ctx, sizeof(ctx), "LV '%.64s'", lv->name);
    int rc = read_uuid(sec, ctx, &lv->id, lv->raw_id, err);
    if (!rc)
        rc = read_strlist(sec, ctx, "status", &lv->status, err);
    if (!rc)
        rc = read_strlist(sec, ctx, "flags", &lv->flags, err);
    if (!rc)
        rc = read_strlist(sec, ctx, "tags", &lv->tags, err);
    if (!rc)
        rc = opt_str(sec, ctx, "creation_host", &lv->creation_host, err);
    if (!rc)
        rc = opt_int(sec, ctx, "creation_time", &lv->creation_time, err);
    lv->visible = lr_strlist_has(&lv->status, "VISIBLE");
    return rc;
}

/* Two passes like LVM2 (_read_lvnames, then _read_lvsegs): segments may name
 * any LV of the VG. */
static int read_lvs(build_t *b)
{
    lr_vg_t *vg = b->vg;
    char ctx[CTX_LEN];
    snprintf(ctx, sizeof(ctx), "VG '%.64s' logical_volumes", vg->name);
    lr_cfg_node_t *sec = lr_cfg_find(vg->node, "logical_volumes");
    if (!sec)
        return 0; /* optional: LVM2 omits it when there is no LV */
    if (lr_cfg_node_type(sec) != LR_CFG_SECTION)
        return lr_error_set(b->err, LR_EFORMAT, lr_cfg_offset(sec), "%s is not a section", ctx);
    size_t n;
    int rc = count_sections(sec, ctx, LR_META_MAX_LVS, true, &n, b->err);
    if (rc)
        return rc;
    vg->lvs = n ? calloc(n, sizeof(*vg->lvs)) : NULL;
    b->lv_ix = n ? calloc(n, sizeof(*b->lv_ix)) : NULL;
    if (n && (!vg->lvs || !b->lv_ix))
        return lr_error_set(b->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (lr_cfg_node_t *c = lr_cfg_child(sec); c; c = lr_cfg_next(c)) {
        lr_lv_t *lv = &vg->lvs[vg->n_lvs];
        b->lv_ix[vg->n_lvs] = (name_ix_t){lr_cfg_key(c), vg->n_lvs, c};
        vg->n_lvs++;
        rc = read_lv(lv, c, b->err);
        if (rc)
            return rc;
    }
    rc = ix_sort(b->lv_ix, vg->n_lvs, "LV", b->err);
    for (size_t i = 0; !rc && i < vg->n_lvs; i++)
        rc = read_segments(b, &vg->lvs[i]);
    return rc;
}

/* ------------------------------------------------------------------ */
/* construction and lookups                                             */

static void lv_free(lr_lv_t *lv)
{
    for (size_t s = 0; s < lv->n_segs; s++)
        free(lv->segs[s].areas);
    free(lv->segs);
    strlist_free(&lv->status);
    strlist_free(&lv->flags);
    strlist_free(&lv->tags);
}

void lr_vg_free(lr_vg_t *vg)
{
    if (!vg)
        return;
    vg_priv_t *p = (vg_priv_t *)vg;
    if (p->pooled) { /* every array below pvs and lvs is the pool's */
        free(vg->pvs);
        free(vg->lvs);
        free(p);
        return;
    }
    for (size_t i = 0; i < vg->n_pvs; i++) {
        strlist_free(&vg->pvs[i].status);
        strlist_free(&vg->pvs[i].flags);
        strlist_free(&vg->pvs[i].tags);
    }
    free(vg->pvs);
    /* n_lvs counts LVs whose arrays may be partly filled after an error */
    for (size_t i = 0; i < vg->n_lvs; i++)
        lv_free(&vg->lvs[i]);
    free(vg->lvs);
    strlist_free(&vg->status);
    strlist_free(&vg->flags);
    strlist_free(&vg->tags);
    if (p->owns_cfg)
        lr_cfg_free(vg->cfg);
    free(p);
}

int lr_vg_from_cfg(lr_cfg_t *cfg, lr_vg_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!cfg || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    *out = NULL;
    vg_priv_t *p = calloc(1, sizeof(*p));
    if (!p)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    lr_vg_t *vg = &p->vg;
    vg->cfg = cfg;
    vg->node = find_vg_node(cfg);
    build_t b = {.vg = vg, .err = err};
    int rc;
    if (!vg->node) {
        rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                          "no volume group section (a top-level section with id and seqno)");
    } else {
        vg->name = lr_cfg_key(vg->node);
        rc = read_vg_fields(vg, err);
        if (!rc)
            rc = read_header(vg, err);
        if (!rc)
            rc = read_pvs(&b);
        if (!rc)
            rc = read_lvs(&b);
    }
    free(b.pv_ix);
    free(b.lv_ix);
    if (rc) {
        lr_vg_free(vg);
        return rc;
    }
    *out = vg;
    return 0;
}

/* ---- dropping the tree ------------------------------------------------------ */

/* Each string slot of a view: its pool's copy put in place. */
typedef struct keep_str {
    lr_strpool_t *pool;
    bool failed; /* the pool had no memory for one */
} keep_str_t;

static void keep_one(keep_str_t *k, const char **s)
{
    if (!*s)
        return;
    const char *d = lr_strpool_intern(k->pool, *s);
    if (d)
        *s = d;
    else
        k->failed = true;
}

static void keep_list(keep_str_t *k, lr_strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        keep_one(k, &l->v[i]);
}

static void keep_lv(keep_str_t *k, lr_lv_t *lv)
{
    keep_one(k, &lv->name);
    keep_one(k, &lv->id);
    keep_list(k, &lv->status);
    keep_list(k, &lv->flags);
    keep_list(k, &lv->tags);
    keep_one(k, &lv->creation_host);
    for (size_t s = 0; s < lv->n_segs; s++) {
        lr_seg_t *seg = &lv->segs[s];
        keep_one(k, &seg->key);
        keep_one(k, &seg->type);
        for (size_t a = 0; a < seg->n_areas; a++)
            keep_one(k, &seg->areas[a].name);
    }
}

/* Every string slot of the view. */
static void keep_all(keep_str_t *k, lr_vg_t *vg)
{
    keep_one(k, &vg->name);
    keep_one(k, &vg->id);
    keep_one(k, &vg->format);
    keep_list(k, &vg->status);
    keep_list(k, &vg->flags);
    keep_list(k, &vg->tags);
    keep_one(k, &vg->contents);
    keep_one(k, &vg->description);
    keep_one(k, &vg->creation_host);
    for (size_t i = 0; i < vg->n_pvs; i++) {
        lr_pv_t *pv = &vg->pvs[i];
        keep_one(k, &pv->key);
        keep_one(k, &pv->id);
        keep_one(k, &pv->device);
        keep_list(k, &pv->status);
        keep_list(k, &pv->flags);
        keep_list(k, &pv->tags);
    }
    for (size_t i = 0; i < vg->n_lvs; i++)
        keep_lv(k, &vg->lvs[i]);
}

static void null_nodes(lr_vg_t *vg)
{
    vg->node = NULL;
    for (size_t i = 0; i < vg->n_pvs; i++)
        vg->pvs[i].node = NULL;
    for (size_t i = 0; i < vg->n_lvs; i++) {
        vg->lvs[i].node = NULL;
        for (size_t s = 0; s < vg->lvs[i].n_segs; s++)
            vg->lvs[i].segs[s].node = NULL;
    }
}

/* Frees the tree the view's strings no longer point into. */
static void release_tree(vg_priv_t *p)
{
    lr_cfg_free(p->vg.cfg);
    p->vg.cfg = NULL;
    p->owns_cfg = false;
    null_nodes(&p->vg);
}

/* ---- the arrays into a pool ---------------------------------------------------
 *
 * After its strings, each array of a view below its pvs and lvs (an LV's
 * segments and their areas, every status/flags/tags list) goes into the
 * pool too: an LV that several versions hold alike then shares them. The
 * arrays are walked twice in one order: first each one's pooled copy is
 * found (the view untouched), then, all found, each is put in place and
 * the view's own freed. Arrays are compared byte for byte, so each is
 * copied field by field into zeroed scratch memory first (no padding
 * bytes of chance). */
typedef struct pool_arrs {
    lr_strpool_t *pool;
    const void **got; /* the pooled copies, in walk order (NULL: empty) */
    size_t n, cap;
    void *scratch; /* zeroed copies are made here */
    size_t scratch_len;
    bool failed;
} pool_arrs_t;

static void *arr_scratch(pool_arrs_t *a, size_t len)
{
    if (!len)
        return NULL;
    if (len > a->scratch_len) {
        void *s = realloc(a->scratch, len);
        if (!s)
            return NULL;
        a->scratch = s;
        a->scratch_len = len;
    }
    memset(a->scratch, 0, len);
    return a->scratch;
}

/* Records the pooled copy of len bytes at data (NULL for len 0). */
static const void *arr_got(pool_arrs_t *a, const void *data, size_t len)
{
    const void *d = len ? lr_strpool_intern_bytes(a->pool, data, len) : NULL;
    if ((len && !d) || a->n == a->cap)
        a->failed = true;
    else
        a->got[a->n++] = d;
    return d;
}

static void arr_list(pool_arrs_t *a, const lr_strlist_t *l)
{
    arr_got(a, l->v, l->n * sizeof(*l->v)); /* pointers: no padding */
}

static void arr_lv(pool_arrs_t *a, const lr_lv_t *lv)
{
    lr_seg_t *segs = calloc(lv->n_segs ? lv->n_segs : 1, sizeof(*segs));
    if (!segs) {
        a->failed = true;
        return;
    }
    for (size_t i = 0; i < lv->n_segs && !a->failed; i++) {
        const lr_seg_t *g = &lv->segs[i];
        lr_seg_area_t *ar = arr_scratch(a, g->n_areas * sizeof(*ar));
        if (g->n_areas && !ar) {
            a->failed = true;
            break;
        }
        for (size_t k = 0; k < g->n_areas; k++) {
            ar[k].name = g->areas[k].name;
            ar[k].start = g->areas[k].start;
            ar[k].pv_index = g->areas[k].pv_index;
            ar[k].meta = g->areas[k].meta;
        }
        segs[i].key = g->key;
        segs[i].start_extent = g->start_extent;
        segs[i].extent_count = g->extent_count;
        segs[i].type = g->type;
        segs[i].known = g->known;
        segs[i].stripe_count = g->stripe_count;
        segs[i].stripe_size = g->stripe_size;
        segs[i].data_copies = g->data_copies;
        segs[i].n_areas = g->n_areas;
        segs[i].areas = (lr_seg_area_t *)arr_got(a, ar, g->n_areas * sizeof(*ar));
    }
    arr_got(a, segs, lv->n_segs * sizeof(*segs));
    free(segs);
    arr_list(a, &lv->status);
    arr_list(a, &lv->flags);
    arr_list(a, &lv->tags);
}

/* The arrays a view has below pvs and lvs, counted as arr_all walks them. */
static size_t arr_count(const lr_vg_t *vg)
{
    size_t n = 3 + 3 * vg->n_pvs;
    for (size_t i = 0; i < vg->n_lvs; i++)
        n += vg->lvs[i].n_segs + 4;
    return n;
}

static void arr_all(pool_arrs_t *a, const lr_vg_t *vg)
{
    arr_list(a, &vg->status);
    arr_list(a, &vg->flags);
    arr_list(a, &vg->tags);
    for (size_t i = 0; i < vg->n_pvs; i++) {
        arr_list(a, &vg->pvs[i].status);
        arr_list(a, &vg->pvs[i].flags);
        arr_list(a, &vg->pvs[i].tags);
    }
    for (size_t i = 0; i < vg->n_lvs && !a->failed; i++)
        arr_lv(a, &vg->lvs[i]);
}

/* The second walk: each array replaced by its pooled copy (*i: the next). */
static void put_list(lr_strlist_t *l, const void *const *got, size_t *i)
{
    free(l->v);
    l->v = (const char **)got[(*i)++];
}

static void put_all(lr_vg_t *vg, const void *const *got)
{
    size_t i = 0;
    put_list(&vg->status, got, &i);
    put_list(&vg->flags, got, &i);
    put_list(&vg->tags, got, &i);
    for (size_t p = 0; p < vg->n_pvs; p++) {
        put_list(&vg->pvs[p].status, got, &i);
        put_list(&vg->pvs[p].flags, got, &i);
        put_list(&vg->pvs[p].tags, got, &i);
    }
    for (size_t l = 0; l < vg->n_lvs; l++) {
        lr_lv_t *lv = &vg->lvs[l];
        for (size_t s = 0; s < lv->n_segs; s++)
            free(lv->segs[s].areas);
        i += lv->n_segs; /* the pooled segments point at the pooled areas */
        free(lv->segs);
        lv->segs = (lr_seg_t *)got[i++];
        put_list(&lv->status, got, &i);
        put_list(&lv->flags, got, &i);
        put_list(&lv->tags, got, &i);
    }
}

int lr_vg_drop_tree(lr_vg_t *vg, lr_strpool_t *pool)
{
    vg_priv_t *p = (vg_priv_t *)vg;
    if (!vg || !pool || !p->owns_cfg)
        return -EINVAL;
    keep_str_t k = {.pool = pool};
    keep_all(&k, vg);
    if (k.failed)
        return -ENOMEM;
    pool_arrs_t a = {.pool = pool, .cap = arr_count(vg)};
    a.got = malloc(a.cap * sizeof(*a.got));
    a.failed = !a.got;
    if (!a.failed)
        arr_all(&a, vg);
    free(a.scratch);
    if (a.failed || a.n != a.cap) {
        free(a.got);
        return -ENOMEM;
    }
    release_tree(p);
    put_all(vg, a.got);
    free(a.got);
    p->pooled = true;
    return 0;
}

int lr_vg_parse(const char *text, size_t len, lr_vg_t **out, lr_error_t *err)
{
    lr_cfg_t *cfg = NULL;
    if (out)
        *out = NULL;
    int rc = lr_cfg_parse(text, len, &cfg, err);
    if (rc)
        return rc;
    rc = lr_vg_from_cfg(cfg, out, err);
    if (rc) {
        lr_cfg_free(cfg);
        return rc;
    }
    ((vg_priv_t *)*out)->owns_cfg = true;
    return 0;
}

const lr_pv_t *lr_vg_find_pv_by_key(const lr_vg_t *vg, const char *key)
{
    if (!vg || !key)
        return NULL;
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (strcmp(vg->pvs[i].key, key) == 0)
            return &vg->pvs[i];
    return NULL;
}

const lr_pv_t *lr_vg_find_pv_by_id(const lr_vg_t *vg, const char *id_raw_or_printed)
{
    char raw[33];
    if (!vg || !id_raw_or_printed || !uuid_raw(id_raw_or_printed, raw))
        return NULL;
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (strcmp(vg->pvs[i].raw_id, raw) == 0)
            return &vg->pvs[i];
    return NULL;
}

static bool has_pv_raw(const lr_vg_t *vg, const char *raw)
{
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (strcmp(vg->pvs[i].raw_id, raw) == 0)
            return true;
    return false;
}

bool lr_pv_same_in_place(const lr_vg_t *a, const lr_pv_t *o, const lr_vg_t *b, const lr_pv_t *n)
{
    if (!a || !o || !b || !n)
        return false;
    if (strcmp(o->raw_id, n->raw_id) == 0)
        return true;
    return o->key && n->key && strcmp(o->key, n->key) == 0 && o->device && n->device &&
           strcmp(o->device, n->device) == 0 && o->dev_size == n->dev_size &&
           o->pe_start == n->pe_start && o->pe_count == n->pe_count && !has_pv_raw(b, o->raw_id) &&
           !has_pv_raw(a, n->raw_id);
}

const lr_lv_t *lr_vg_find_lv(const lr_vg_t *vg, const char *name)
{
    if (!vg || !name)
        return NULL;
    for (size_t i = 0; i < vg->n_lvs; i++)
        if (strcmp(vg->lvs[i].name, name) == 0)
            return &vg->lvs[i];
    return NULL;
}

const lr_lv_t *lr_vg_find_lv_by_id(const lr_vg_t *vg, const char *id)
{
    char raw[33];
    if (!vg || !id || !uuid_raw(id, raw))
        return NULL;
    /* each LV's raw_id is parsed once, by read_lv (the only maker of an
     * lr_lv_t): parsing every id on every compare was a third of a
     * many-LV scan's time */
    for (size_t i = 0; i < vg->n_lvs; i++)
        if (strcmp(vg->lvs[i].raw_id, raw) == 0)
            return &vg->lvs[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* checks                                                               */

static uint64_t div_up(uint64_t n, uint64_t d)
{
    return n / d + (n % d != 0);
}

bool lr_seg_is_striped(const lr_seg_t *seg)
{
    return seg && seg->type &&
           (strcmp(seg->type, "striped") == 0 || strcmp(seg->type, "linear") == 0);
}

bool lr_seg_is_linear(const lr_seg_t *seg)
{
    return lr_seg_is_striped(seg) && seg->known && seg->stripe_count == 1 && seg->n_areas == 1 &&
           seg->areas[0].pv_index >= 0;
}

bool lr_seg_is_mirror(const lr_seg_t *seg)
{
    return seg && seg->type &&
           (strcmp(seg->type, "mirror") == 0 || strcmp(seg->type, "raid1") == 0);
}

bool lr_seg_is_pvmove(const lr_seg_t *seg)
{
    if (!seg || !seg->type || strcmp(seg->type, "mirror") != 0 || !seg->n_areas || !seg->areas)
        return false;
    for (size_t i = 0; i < seg->n_areas; i++)
        if (!seg->areas[i].meta && seg->areas[i].pv_index < 0)
            return false;
    return true;
}

/* The rule and its LVM2 sources are listed in meta.h. extent_count is at
 * most 32 bits and data_copies too, so the raid10 product cannot wrap. */
uint64_t lr_seg_area_len(const lr_seg_t *seg)
{
    if (!seg || !seg->known || seg->stripe_count == 0)
        return 0;
    const char *t = seg->type;
    uint64_t n = seg->stripe_count, parity = raid_parity(t);
    if (lr_seg_is_mirror(seg))
        return seg->extent_count;
    if (is_raid0(t))
        return seg->extent_count / n;
    if (is_raid10(t))
        return div_up(seg->extent_count * seg->data_copies, n);
    if (parity)
        return n > parity ? div_up(seg->extent_count, n - parity) : 0;
    if (strncmp(t, "raid", 4) == 0)
        return 0;                 /* a raid level LVM2 does not define */
    return seg->extent_count / n; /* striped, linear */
}

lr_pv_area_iter_t lr_pv_areas(const lr_vg_t *vg)
{
    return (lr_pv_area_iter_t){vg, 0, 0, 0};
}

bool lr_pv_area_next(lr_pv_area_iter_t *it, lr_pv_area_t *out)
{
    const lr_vg_t *vg = it ? it->vg : NULL;
    for (; vg && it->lv < vg->n_lvs; it->lv++, it->seg = 0) {
        const lr_lv_t *lv = &vg->lvs[it->lv];
        for (; it->seg < lv->n_segs; it->seg++, it->area = 0) {
            const lr_seg_t *seg = &lv->segs[it->seg];
            while (it->area < seg->n_areas) {
                const lr_seg_area_t *ar = &seg->areas[it->area++];
                if (ar->pv_index < 0 || (size_t)ar->pv_index >= vg->n_pvs)
                    continue;
                *out = (lr_pv_area_t){
                    it->lv, seg, ar, (size_t)ar->pv_index, ar->start, lr_seg_area_len(seg)};
                return true;
            }
        }
    }
    return false;
}

uint64_t lr_vg_pv_used(const lr_vg_t *vg, size_t pv)
{
    uint64_t used = 0;
    lr_pv_area_t pa;
    for (lr_pv_area_iter_t it = lr_pv_areas(vg); lr_pv_area_next(&it, &pa);)
        if (pa.pv == pv)
            used += pa.len;
    return used;
}

typedef struct pv_range {
    size_t pv;
    uint64_t start, len;
    const lr_lv_t *lv;
    const lr_seg_t *seg;
} pv_range_t;

static int cmp_range(const void *a, const void *b)
{
    const pv_range_t *x = a, *y = b;
    if (x->pv != y->pv)
        return x->pv < y->pv ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static int check_lv_segments(const lr_vg_t *vg, const name_ix_t *lv_ix, const lr_lv_t *lv,
                             lr_error_t *err)
{
    uint64_t next = 0;
    for (size_t s = 0; s < lv->n_segs; s++) {
        const lr_seg_t *seg = &lv->segs[s];
        uint64_t off = lr_cfg_offset(seg->node);
        if (seg->start_extent != next)
            return lr_error_set(err, LR_EFORMAT, off,
                                "LV '%.64s' %s starts at extent %" PRIu64 ", expected %" PRIu64,
                                lv->name, seg->key, seg->start_extent, next);
        if (seg->extent_count == 0)
            return lr_error_set(err, LR_EFORMAT, off, "LV '%.64s' %s has no extents", lv->name,
                                seg->key);
        next += seg->extent_count;
        if (seg->known && strcmp(seg->type, "mirror") != 0 && strncmp(seg->type, "raid", 4) != 0 &&
            seg->extent_count % seg->stripe_count)
            return lr_error_set(err, LR_EFORMAT, off,
                                "LV '%.64s' %s: %" PRIu64 " extents do not divide into %" PRIu64
                                " stripes",
                                lv->name, seg->key, seg->extent_count, seg->stripe_count);
        uint64_t len = lr_seg_area_len(seg);
        for (size_t a = 0; a < seg->n_areas; a++) {
            const lr_seg_area_t *ar = &seg->areas[a];
            if (ar->meta)
                continue; /* an rmeta LV is used whole */
            uint64_t limit;
            const char *what;
            if (ar->pv_index >= 0) {
                if ((size_t)ar->pv_index >= vg->n_pvs)
                    return lr_error_set(err, LR_EFORMAT, off, "LV '%.64s' %s: no PV %d", lv->name,
                                        seg->key, ar->pv_index);
                limit = vg->pvs[ar->pv_index].pe_count;
                what = "pe_count";
            } else {
                const name_ix_t *e = ix_find(lv_ix, vg->n_lvs, ar->name);
                const lr_lv_t *sub = e ? &vg->lvs[e->idx] : NULL;
                if (!sub)
                    return lr_error_set(err, LR_EFORMAT, off, "LV '%.64s' %s: no LV '%.64s'",
                                        lv->name, seg->key, ar->name);
                limit = sub->extent_count;
                what = "extent count";
            }
            if (ar->start > limit || len > limit - ar->start)
                return lr_error_set(err, LR_EFORMAT, off,
                                    "LV '%.64s' %s: area %zu (%.64s extents %" PRIu64 "+%" PRIu64
                                    ") beyond its %s %" PRIu64,
                                    lv->name, seg->key, a, ar->name, ar->start, len, what, limit);
        }
    }
    return 0;
}

static int check_overlaps(const lr_vg_t *vg, lr_error_t *err)
{
    size_t n = 0, cap = 0;
    pv_range_t *r = NULL;
    int rc = 0;
    lr_pv_area_t pa;
    for (lr_pv_area_iter_t it = lr_pv_areas(vg); !rc && lr_pv_area_next(&it, &pa);) {
        if (pa.len == 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            pv_range_t *nr = realloc(r, ncap * sizeof(*nr));
            if (!nr) {
                rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
                break;
            }
            r = nr;
            cap = ncap;
        }
        r[n++] = (pv_range_t){pa.pv, pa.start, pa.len, &vg->lvs[pa.lv], pa.seg};
    }
    if (!rc && n)
        qsort(r, n, sizeof(*r), cmp_range);
    for (size_t i = 1; !rc && i < n; i++) {
        const pv_range_t *x = &r[i - 1], *y = &r[i];
        if (x->pv == y->pv && y->start < x->start + x->len)
            rc = lr_error_set(err, LR_EFORMAT, lr_cfg_offset(y->seg->node),
                              "LV '%.64s' %s and LV '%.64s' %s overlap on PV '%.64s' at extent "
                              "%" PRIu64,
                              x->lv->name, x->seg->key, y->lv->name, y->seg->key,
                              vg->pvs[y->pv].key, y->start);
    }
    free(r);
    return rc;
}

bool lr_pv_extents_fit(const lr_vg_t *vg, const lr_pv_t *pv)
{
    if (!vg || !pv || !vg->extent_size || !pv->dev_size || pv->pe_start > pv->dev_size)
        return false;
    return pv->pe_count <= pv->dev_size / vg->extent_size;
}

/* The PV's extents must fit in the dev_size the metadata gives it
 * (lr_pv_extents_fit: LVM2 computes pe_count from the device size), so a
 * PV whose extents need more (dev_size 0 included) describes a device that
 * cannot hold them. A PV without dev_size (written by early LVM2, which
 * fills it in from the device) is not checked here. */
static int check_pv_size(const lr_vg_t *vg, const lr_pv_t *pv, lr_error_t *err)
{
    const lr_cfg_node_t *n = lr_cfg_find(pv->node, "dev_size");
    if (!n || lr_pv_extents_fit(vg, pv))
        return 0;
    uint64_t off = lr_cfg_offset(n);
    if (pv->dev_size == 0)
        return lr_error_set(err, LR_EFORMAT, off,
                            "PV '%.64s': dev_size is 0 (pe_start %" PRIu64 ", %" PRIu64 " extents)",
                            pv->key, pv->pe_start, pv->pe_count);
    if (pv->pe_start > pv->dev_size)
        return lr_error_set(err, LR_EFORMAT, off,
                            "PV '%.64s': pe_start %" PRIu64 " is beyond dev_size %" PRIu64
                            " (sectors)",
                            pv->key, pv->pe_start, pv->dev_size);
    return lr_error_set(err, LR_EFORMAT, off,
                        "PV '%.64s': %" PRIu64 " extents of %" PRIu64
                        " sectors run past dev_size %" PRIu64 " (sectors; room for %" PRIu64 ")",
                        pv->key, pv->pe_count, vg->extent_size, pv->dev_size,
                        pv->dev_size / vg->extent_size);
}

static int cmp_lv_id(const void *a, const void *b)
{
    const lr_lv_t *x = *(const lr_lv_t *const *)a, *y = *(const lr_lv_t *const *)b;
    return strcmp(x->raw_id, y->raw_id);
}

/* No two LVs with one id: LVM2's vg_validate refuses that ("Duplicate LV
 * id"), and a restore would give two LVs one device. LVs with no id are
 * not compared (the parser requires one). */
static int check_lv_ids(const lr_vg_t *vg, lr_error_t *err)
{
    if (vg->n_lvs < 2)
        return 0;
    const lr_lv_t **v = malloc(vg->n_lvs * sizeof(*v));
    if (!v)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < vg->n_lvs; i++)
        if (vg->lvs[i].raw_id[0])
            v[n++] = &vg->lvs[i];
    qsort(v, n, sizeof(*v), cmp_lv_id);
    int rc = 0;
    for (size_t i = 1; !rc && i < n; i++) {
        if (strcmp(v[i - 1]->raw_id, v[i]->raw_id) != 0)
            continue;
        /* named in the order of the text (qsort keeps no order) */
        const lr_lv_t *x = v[i - 1] < v[i] ? v[i - 1] : v[i], *y = x == v[i] ? v[i - 1] : v[i];
        rc = lr_error_set(err, LR_EFORMAT, lr_cfg_offset(y->node),
                          "LVs '%.64s' and '%.64s' have the same uuid", x->name, y->name);
    }
    free(v);
    return rc;
}

int lr_vg_check(const lr_vg_t *vg, lr_error_t *err)
{
    lr_error_clear(err);
    if (!vg)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    if (vg->extent_size == 0)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(lr_cfg_find(vg->node, "extent_size")),
                            "VG '%.64s': extent_size is 0", vg->name);
    for (size_t i = 0; i < vg->n_pvs; i++) {
        int rc = check_pv_size(vg, &vg->pvs[i], err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < vg->n_pvs; i++)
        for (size_t j = i + 1; j < vg->n_pvs; j++)
            if (strcmp(vg->pvs[i].raw_id, vg->pvs[j].raw_id) == 0)
                return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(vg->pvs[j].node),
                                    "PVs '%.64s' and '%.64s' have the same uuid", vg->pvs[i].key,
                                    vg->pvs[j].key);
    /* a sorted name table keeps hostile VGs with many LVs linear-ish */
    name_ix_t *lv_ix = vg->n_lvs ? calloc(vg->n_lvs, sizeof(*lv_ix)) : NULL;
    if (vg->n_lvs && !lv_ix)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t l = 0; l < vg->n_lvs; l++)
        lv_ix[l] = (name_ix_t){vg->lvs[l].name, l, vg->lvs[l].node};
    int rc = ix_sort(lv_ix, vg->n_lvs, "LV", err);
    for (size_t l = 0; !rc && l < vg->n_lvs; l++)
        rc = check_lv_segments(vg, lv_ix, &vg->lvs[l], err);
    free(lv_ix);
    if (!rc)
        rc = check_lv_ids(vg, err);
    return rc ? rc : check_overlaps(vg, err);
}

/* [off, off+len) against [start, start+n) in bytes; sums that overflow hit. */
static bool range_hits(uint64_t off, uint64_t len, uint64_t start, uint64_t n)
{
    if (len == 0 || n == 0)
        return false;
    if (off > UINT64_MAX - len || start > UINT64_MAX - n)
        return true;
    return off < start + n && start < off + len;
}

/* Bytes from extent count and size in sectors; UINT64_MAX on overflow. */
static uint64_t extent_bytes(uint64_t extents, uint64_t extent_sectors)
{
    if (extent_sectors && extents > UINT64_MAX / extent_sectors / 512)
        return UINT64_MAX;
    return extents * extent_sectors * 512;
}

bool lr_pv_range_hits_data(const lr_vg_t *vg, const char *pv_id, uint64_t off, uint64_t len)
{
    const lr_pv_t *pv = vg && pv_id ? lr_vg_find_pv_by_id(vg, pv_id) : NULL;
    if (!pv)
        return false;
    if (pv->pe_start > UINT64_MAX / 512)
        return true;
    uint64_t data = pv->pe_start * 512;
    if (off < data && (len > data - off)) /* runs over pe_start */
        return true;
    if (range_hits(off, len, data, extent_bytes(pv->pe_count, vg->extent_size)))
        return true;
    size_t index = (size_t)(pv - vg->pvs);
    lr_pv_area_iter_t it = lr_pv_areas(vg);
    lr_pv_area_t a;
    while (lr_pv_area_next(&it, &a)) {
        if (a.pv != index)
            continue;
        uint64_t at = extent_bytes(a.start, vg->extent_size);
        uint64_t n = extent_bytes(a.len, vg->extent_size);
        if (at == UINT64_MAX || at > UINT64_MAX - data || range_hits(off, len, data + at, n))
            return true;
    }
    return false;
}

/* ---- visibility (LVM2's lv_is_visible) ------------------------------------ */

/* A snapshot segment and the COW LV it names (cow_store, or merging_store
 * while it merges). */
typedef struct snapref {
    const char *cow;
    const lr_seg_t *seg;
    bool merging;
} snapref_t;

typedef struct snaps {
    size_t n;
    snapref_t *v; /* sorted by cow; NULL when the VG has none */
} snaps_t;

static int snapref_cmp(const void *p, const void *q)
{
    return strcmp(((const snapref_t *)p)->cow, ((const snapref_t *)q)->cow);
}

static bool is_snapshot_lv(const lr_lv_t *lv)
{
    for (size_t j = 0; j < lv->n_segs; j++)
        if (strcmp(lv->segs[j].type, "snapshot") == 0)
            return true;
    return false;
}

/* Every snapshot segment of the VG, sorted by the COW it names, so a VG
 * of many LVs is counted in n log n. -ENOMEM leaves *out empty. */
static int collect_snaps(const lr_vg_t *vg, snaps_t *out)
{
    *out = (snaps_t){0};
    size_t n = 0;
    for (size_t i = 0; i < vg->n_lvs; i++)
        n += is_snapshot_lv(&vg->lvs[i]) ? vg->lvs[i].n_segs : 0;
    if (!n)
        return 0;
    out->v = calloc(n, sizeof(*out->v));
    if (!out->v)
        return -ENOMEM;
    for (size_t i = 0; i < vg->n_lvs; i++) {
        for (size_t j = 0; j < vg->lvs[i].n_segs; j++) {
            const lr_seg_t *s = &vg->lvs[i].segs[j];
            const char *cow = NULL;
            bool merging = false;
            if (strcmp(s->type, "snapshot") != 0)
                continue;
            if (lr_cfg_get_str(s->node, "cow_store", &cow, NULL) != 0)
                merging = lr_cfg_get_str(s->node, "merging_store", &cow, NULL) == 0;
            if (cow)
                out->v[out->n++] = (snapref_t){cow, s, merging};
        }
    }
    qsort(out->v, out->n, sizeof(*out->v), snapref_cmp);
    return 0;
}

/* LVM2 2.03.16, measured (tests/scan/lvcount-interop.sh): the COW of a
 * snapshot counts even when its origin is hidden, although
 * snapshot_manip.c lv_is_visible reads as if it followed the origin; the
 * count this project promises is LVM2's, so the measurement wins. */
static bool lv_visible(const snaps_t *sn, const lr_lv_t *lv)
{
    if (is_snapshot_lv(lv))
        return false;
    snapref_t key = {.cow = lv->name};
    const snapref_t *r = sn->n ? bsearch(&key, sn->v, sn->n, sizeof(key), snapref_cmp) : NULL;
    if (!r)
        return lv->visible;
    return !r->merging;
}

bool lr_vg_lv_visible(const lr_vg_t *vg, const lr_lv_t *lv)
{
    if (!vg || !lv)
        return false;
    snaps_t sn;
    if (collect_snaps(vg, &sn))
        return lv->visible && !is_snapshot_lv(lv); /* no memory: the plain rule */
    bool v = lv_visible(&sn, lv);
    free(sn.v);
    return v;
}

size_t lr_vg_visible_lvs(const lr_vg_t *vg)
{
    if (!vg)
        return 0;
    snaps_t sn;
    bool plain = collect_snaps(vg, &sn) != 0; /* no memory: the plain rule */
    size_t n = 0;
    for (size_t i = 0; i < vg->n_lvs; i++) {
        const lr_lv_t *lv = &vg->lvs[i];
        n += plain ? lv->visible && !is_snapshot_lv(lv) : lv_visible(&sn, lv);
    }
    free(sn.v);
    return n;
}
