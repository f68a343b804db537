/* Creating, removing, resizing and renaming linear LVs in the pending
 * version. Decisions are made on the current view; the change is then
 * applied to a scratch copy of the tree through core's setters so every
 * untouched byte of the metadata stays as it was. */
#include "vgedit_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* ---- checks on the current version ---- */

static int check_editable(const lr_vgedit_t *ed, lr_error_t *err)
{
    const lr_vg_t *vg = ed->vg;
    if (!ed->writable)
        return lr_error_set(err, LR_EREADONLY, LR_NO_OFFSET, "opened read-only");
    if (ed->pv_index < 0)
        return lr_error_refuse(err, 0, "VG %s does not list the PV on this image", vg->name);
    if (vg->n_pvs != 1)
        return lr_error_refuse(err, 0, "VG %s spans %zu PVs; only single-PV VGs are edited",
                               vg->name, vg->n_pvs);
    if (!lr_strlist_has(&vg->status, "WRITE"))
        return lr_error_refuse(err, 0, "VG %s is read-only (no WRITE in its status)", vg->name);
    if (lr_strlist_has(&vg->status, "EXPORTED"))
        return lr_error_refuse(err, 0, "VG %s is exported", vg->name);
    if (lr_cfg_find(vg->node, "lock_type"))
        return lr_error_refuse(err, 0, "VG %s is a shared VG (lock_type is set)", vg->name);
    return 0;
}

static int find_lv(const lr_vgedit_t *ed, const char *name, const lr_lv_t **lv, lr_error_t *err)
{
    *lv = lr_vg_find_lv(ed->vg, name);
    if (!*lv)
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "no logical volume '%s' in VG %s",
                            name, ed->vg->name);
    return 0;
}

static bool is_linear(const lr_lv_t *lv)
{
    if (lv->n_segs == 0)
        return false;
    for (size_t s = 0; s < lv->n_segs; s++)
        if (!lr_seg_is_linear(&lv->segs[s]))
            return false;
    return true;
}

static bool value_names(const lr_cfg_value_t *v, const char *name)
{
    if (!v)
        return false;
    if (v->type == LR_CFG_STRING)
        return v->s && strcmp(v->s, name) == 0;
    for (size_t i = 0; v->type == LR_CFG_ARRAY && i < v->n_items; i++)
        if (value_names(&v->items[i], name))
            return true;
    return false;
}

/* True when any string below sec equals name: stacked LVs refer to their
 * sub-LVs by name in many keys (stripes, pool, origin, metadata ...). */
static bool subtree_names(const lr_cfg_node_t *sec, const char *name)
{
    for (const lr_cfg_node_t *n = lr_cfg_child(sec); n; n = lr_cfg_next(n)) {
        if (lr_cfg_node_type(n) == LR_CFG_SECTION ? subtree_names(n, name)
                                                  : value_names(lr_cfg_value(n), name))
            return true;
    }
    return false;
}

/* Only plain, visible, unreferenced linear LVs are changed: anything else
 * belongs to a structure (pool, mirror, snapshot) mlvm does not model. */
static int check_lv_editable(const lr_vgedit_t *ed, const lr_lv_t *lv, lr_error_t *err)
{
    if (!lv->visible)
        return lr_error_refuse(
            err, 0, "LV %s is a hidden sub-LV; only visible linear LVs are edited", lv->name);
    if (!is_linear(lv))
        return lr_error_refuse(err, 0, "LV %s is not a linear LV; only linear LVs are edited",
                               lv->name);
    for (size_t i = 0; i < ed->vg->n_lvs; i++) {
        const lr_lv_t *o = &ed->vg->lvs[i];
        if (o != lv && subtree_names(o->node, lv->name))
            return lr_error_refuse(err, 0, "LV %s is used by LV %s", lv->name, o->name);
    }
    return 0;
}

static int check_new_name(const lr_vgedit_t *ed, const char *name, lr_error_t *err)
{
    int rc = lr_vgedit_check_name(name, true, err);
    if (rc)
        return rc;
    if (lr_vg_find_lv(ed->vg, name))
        return lr_error_refuse(err, LR_HINT_NEW_NAME,
                               "a logical volume named '%s' already exists in VG %s", name,
                               ed->vg->name);
    char path[256];
    snprintf(path, sizeof(path), "historical_logical_volumes/%s", name);
    if (lr_cfg_find(ed->vg->node, path))
        return lr_error_refuse(err, LR_HINT_NEW_NAME,
                               "'%s' is the name of a historical LV in VG %s", name, ed->vg->name);
    if (lr_vg_find_pv_by_key(ed->vg, name))
        return lr_error_refuse(err, LR_HINT_NEW_NAME,
                               "'%s' is the name of a PV section in VG %s; LV areas could not "
                               "tell them apart",
                               name, ed->vg->name);
    return 0;
}

static int check_count(uint64_t extents, lr_error_t *err)
{
    if (extents == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "an LV needs at least one extent");
    if (extents > LR_VGEDIT_MAX_COUNT)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "%" PRIu64 " extents are more than LVM2's limit of %u", extents,
                            LR_VGEDIT_MAX_COUNT);
    return 0;
}

/* Allocates count extents on this image's PV (prefer: see lr_vgedit_alloc). */
static int allocate(const lr_vgedit_t *ed, uint64_t count, uint64_t prefer,
                    lr_vgedit_range_t **pieces, size_t *n, lr_error_t *err)
{
    const lr_pv_t *pv = &ed->vg->pvs[ed->pv_index];
    if (!lr_strlist_has(&pv->status, "ALLOCATABLE"))
        return lr_error_refuse(err, 0, "PV %s is not allocatable", pv->key);
    lr_vgedit_range_t *fr = NULL;
    size_t n_fr = 0;
    int rc = lr_vgedit_free_ranges(ed->vg, (size_t)ed->pv_index, &fr, &n_fr, err);
    if (!rc)
        rc = lr_vgedit_alloc(fr, n_fr, count, prefer, pieces, n, err);
    free(fr);
    return rc;
}

/* ---- tree changes (on the scratch copy) ---- */

static lr_cfg_node_t *find_section(lr_cfg_node_t *sec, const char *fmt, const char *a,
                                   const char *b)
{
    char path[512];
    snprintf(path, sizeof(path), fmt, a, b);
    lr_cfg_node_t *n = lr_cfg_find(sec, path);
    return n && lr_cfg_node_type(n) == LR_CFG_SECTION ? n : NULL;
}

static int missing(lr_error_t *err, const char *what)
{
    return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "section %s not found in the metadata",
                        what);
}

/* Appends segment<idx> mapping LV extents le.. onto piece of pv_key. */
static int add_segment(lr_cfg_node_t *lv, size_t idx, uint64_t le, const lr_vgedit_range_t *piece,
                       const char *pv_key, lr_error_t *err)
{
    char key[32];
    snprintf(key, sizeof(key), "segment%zu", idx);
    lr_cfg_value_t items[2] = {{.type = LR_CFG_STRING, .s = (char *)pv_key},
                               {.type = LR_CFG_INT, .i = (int64_t)piece->start}};
    lr_cfg_value_t stripes = {.type = LR_CFG_ARRAY, .n_items = 2, .items = items};
    lr_cfg_node_t *seg = NULL;
    int rc = lr_cfg_add_section(lv, key, &seg, err);
    if (!rc)
        rc = lr_cfg_set_int(seg, "start_extent", (int64_t)le, err);
    if (!rc)
        rc = lr_cfg_set_int(seg, "extent_count", (int64_t)piece->count, err);
    if (!rc)
        rc = lr_cfg_set_str(seg, "type", "striped", err);
    if (!rc)
        rc = lr_cfg_set_int(seg, "stripe_count", 1, err);
    if (!rc)
        rc = lr_cfg_set_value(seg, "stripes", &stripes, err);
    return rc;
}

static int add_segments(const lr_vgedit_t *ed, lr_cfg_node_t *lv, size_t first_idx, uint64_t le,
                        const lr_vgedit_range_t *pieces, size_t n, lr_error_t *err)
{
    const char *pv_key = ed->vg->pvs[ed->pv_index].key;
    for (size_t i = 0; i < n; i++) {
        int rc = add_segment(lv, first_idx + i, le, &pieces[i], pv_key, err);
        if (rc)
            return rc;
        le += pieces[i].count;
    }
    return 0;
}

typedef struct create_arg {
    const char *name;
    const lr_vgedit_range_t *pieces;
    size_t n;
} create_arg_t;

/* The keys and their order are those of LVM2 2.03's lvcreate. */
static int mutate_create(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec, void *arg,
                         lr_error_t *err)
{
    (void)scratch;
    const create_arg_t *a = arg;
    static const char *const status[] = {"READ", "WRITE", "VISIBLE"};
    static const char *const none[1] = {NULL};
    struct utsname u;
    if (uname(&u))
        memset(&u, 0, sizeof(u));
    char raw[33], id[LR_UUID_STR_LEN + 1];
    lr_uuid_generate(raw);
    if (lr_uuid_format(raw, id, sizeof(id)))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "generated an invalid UUID");
    lr_cfg_node_t *lvs = find_section(vgsec, "logical_volumes%s%s", "", ""), *lv = NULL;
    int rc = lvs ? 0 : lr_cfg_add_section(vgsec, "logical_volumes", &lvs, err);
    if (!rc)
        rc = lr_cfg_add_section(lvs, a->name, &lv, err);
    if (!rc)
        rc = lr_cfg_set_str(lv, "id", id, err);
    if (!rc)
        rc = lr_cfg_set_strings(lv, "status", status, 3, err);
    if (!rc)
        rc = lr_cfg_set_strings(lv, "flags", none, 0, err);
    if (!rc)
        rc = lr_cfg_set_int(lv, "creation_time", (int64_t)time(NULL), err);
    if (!rc)
        rc = lr_cfg_set_str(lv, "creation_host", u.nodename, err);
    if (!rc)
        rc = lr_cfg_set_int(lv, "segment_count", (int64_t)a->n, err);
    if (!rc)
        rc = add_segments(ed, lv, 1, 0, a->pieces, a->n, err);
    return rc;
}

static int mutate_remove(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec, void *arg,
                         lr_error_t *err)
{
    (void)ed, (void)scratch;
    const char *name = arg;
    lr_cfg_node_t *lv = find_section(vgsec, "logical_volumes/%s%s", name, "");
    if (!lv)
        return missing(err, name);
    lr_cfg_remove(lv);
    /* LVM2 writes no logical_volumes section for a VG without LVs. */
    lr_cfg_node_t *lvs = find_section(vgsec, "logical_volumes%s%s", "", "");
    if (lvs && !lr_cfg_child(lvs))
        lr_cfg_remove(lvs);
    return 0;
}

typedef struct rename_arg {
    const char *from, *to;
} rename_arg_t;

static int mutate_rename(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec, void *arg,
                         lr_error_t *err)
{
    (void)ed, (void)scratch;
    const rename_arg_t *a = arg;
    lr_cfg_node_t *lv = find_section(vgsec, "logical_volumes/%s%s", a->from, "");
    if (!lv)
        return missing(err, a->from);
    return lr_cfg_rename(lv, a->to, err);
}

typedef struct resize_arg {
    const lr_lv_t *lv;               /* in the current view */
    size_t keep;                     /* segments kept (shrink) or existing (grow) */
    uint64_t last_count;             /* new extent_count of segment `keep` */
    const lr_vgedit_range_t *pieces; /* new segments (grow) */
    size_t n;
    uint64_t le; /* first LV extent of the new segments */
} resize_arg_t;

static int mutate_resize(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec, void *arg,
                         lr_error_t *err)
{
    (void)scratch;
    const resize_arg_t *a = arg;
    const lr_lv_t *lv = a->lv;
    lr_cfg_node_t *lvsec = find_section(vgsec, "logical_volumes/%s%s", lv->name, "");
    if (!lvsec)
        return missing(err, lv->name);
    for (size_t s = a->keep; s < lv->n_segs; s++) {
        lr_cfg_node_t *seg = find_section(lvsec, "%s%s", lv->segs[s].key, "");
        if (!seg)
            return missing(err, lv->segs[s].key);
        lr_cfg_remove(seg);
    }
    lr_cfg_node_t *last = find_section(lvsec, "%s%s", lv->segs[a->keep - 1].key, "");
    if (!last)
        return missing(err, lv->segs[a->keep - 1].key);
    int rc = 0;
    if (a->last_count != lv->segs[a->keep - 1].extent_count)
        rc = lr_cfg_set_int(last, "extent_count", (int64_t)a->last_count, err);
    if (!rc)
        rc = add_segments(ed, lvsec, a->keep + 1, a->le, a->pieces, a->n, err);
    if (!rc)
        rc = lr_cfg_set_int(lvsec, "segment_count", (int64_t)(a->keep + a->n), err);
    return rc;
}

/* ---- the operations ---- */

static int apply(lr_vgedit_t *ed, ed_mutate_fn fn, void *arg, lr_error_t *err)
{
    ed_state_t st;
    int rc = ed_build(ed, fn, arg, &st, err);
    if (rc)
        return rc;
    ed_state_adopt(ed, &st);
    ed->dirty = true;
    return 0;
}

int lr_vgedit_lv_create(lr_vgedit_t *ed, const char *name, uint64_t extents, lr_error_t *err)
{
    lr_vgedit_range_t *pieces = NULL;
    size_t n = 0;
    int rc = check_editable(ed, err);
    if (!rc)
        rc = check_new_name(ed, name, err);
    if (!rc)
        rc = check_count(extents, err);
    if (!rc && ed->vg->max_lv && ed->vg->n_lvs >= ed->vg->max_lv)
        rc = lr_error_refuse(err, 0, "VG %s already has its maximum of %" PRIu64 " LVs",
                             ed->vg->name, ed->vg->max_lv);
    if (!rc)
        rc = allocate(ed, extents, UINT64_MAX, &pieces, &n, err);
    if (!rc) {
        create_arg_t a = {name, pieces, n};
        rc = apply(ed, mutate_create, &a, err);
    }
    free(pieces);
    return rc ? lr_error_wrap(err, ed->path, rc) : 0;
}

int lr_vgedit_lv_remove(lr_vgedit_t *ed, const char *name, lr_error_t *err)
{
    const lr_lv_t *lv = NULL;
    int rc = check_editable(ed, err);
    if (!rc)
        rc = find_lv(ed, name, &lv, err);
    if (!rc)
        rc = check_lv_editable(ed, lv, err);
    if (!rc)
        rc = apply(ed, mutate_remove, (void *)name, err);
    return rc ? lr_error_wrap(err, ed->path, rc) : 0;
}

int lr_vgedit_lv_rename(lr_vgedit_t *ed, const char *old_name, const char *new_name,
                        lr_error_t *err)
{
    const lr_lv_t *lv = NULL;
    int rc = check_editable(ed, err);
    if (!rc)
        rc = find_lv(ed, old_name, &lv, err);
    if (!rc)
        rc = check_lv_editable(ed, lv, err);
    if (!rc && strcmp(old_name, new_name) == 0)
        rc = lr_error_refuse(err, LR_HINT_NEW_NAME, "LV %s is already named '%s'", old_name,
                             new_name);
    if (!rc)
        rc = check_new_name(ed, new_name, err);
    if (!rc) {
        rename_arg_t a = {old_name, new_name};
        rc = apply(ed, mutate_rename, &a, err);
    }
    return rc ? lr_error_wrap(err, ed->path, rc) : 0;
}

/* Plans a shrink to extents: whole segments dropped from the end, the one
 * the new end falls in cut short. */
static void plan_shrink(const lr_lv_t *lv, uint64_t extents, resize_arg_t *a)
{
    uint64_t le = 0;
    size_t s = 0;
    while (le + lv->segs[s].extent_count < extents)
        le += lv->segs[s++].extent_count;
    a->keep = s + 1;
    a->last_count = extents - le;
}

/* Plans a grow: extents right after the LV's end on its PV continue its
 * last segment; anything else becomes new segments. */
static int plan_grow(const lr_vgedit_t *ed, const lr_lv_t *lv, uint64_t extents, resize_arg_t *a,
                     lr_vgedit_range_t **pieces, lr_error_t *err)
{
    const lr_seg_t *last = &lv->segs[lv->n_segs - 1];
    uint64_t prefer = last->areas[0].start + last->extent_count;
    size_t n = 0;
    int rc = allocate(ed, extents - lv->extent_count, prefer, pieces, &n, err);
    if (rc)
        return rc;
    a->keep = lv->n_segs;
    a->last_count = last->extent_count;
    a->pieces = *pieces;
    a->n = n;
    if (n && (*pieces)[0].start == prefer) {
        a->last_count += (*pieces)[0].count;
        a->pieces++;
        a->n--;
    }
    a->le = last->start_extent + a->last_count;
    return 0;
}

int lr_vgedit_lv_resize(lr_vgedit_t *ed, const char *name, uint64_t extents, lr_error_t *err)
{
    const lr_lv_t *lv = NULL;
    lr_vgedit_range_t *pieces = NULL;
    int rc = check_editable(ed, err);
    if (!rc)
        rc = find_lv(ed, name, &lv, err);
    if (!rc)
        rc = check_lv_editable(ed, lv, err);
    if (!rc)
        rc = check_count(extents, err);
    if (!rc && extents == lv->extent_count)
        rc = lr_error_refuse(err, 0, "LV %s already has %" PRIu64 " extents; nothing to change",
                             name, extents);
    resize_arg_t a = {.lv = lv};
    if (!rc && extents < lv->extent_count)
        plan_shrink(lv, extents, &a);
    else if (!rc)
        rc = plan_grow(ed, lv, extents, &a, &pieces, err);
    if (!rc)
        rc = apply(ed, mutate_resize, &a, err);
    free(pieces);
    return rc ? lr_error_wrap(err, ed->path, rc) : 0;
}
