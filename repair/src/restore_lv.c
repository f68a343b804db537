/* Bringing back single LVs: the sections of some LVs of an old version
 * are copied, every key of them, into the tree of the VG's current version
 * (the newest committed one), which is then written as a new version
 * through the same steps as a whole-VG restore (pvs.c, writes.c,
 * execute.c). Planning only reads.
 *
 * What comes along with a named LV: every hidden LV its segments name
 * (raid and mirror images, metadata LVs and logs, a cache origin and its
 * pool with their data and metadata, a thin pool's data and metadata, a
 * writecache's origin and cachevol, an integrity LV's origin and metadata,
 * a VDO pool's data), and the hidden snapshot LV whose cow_store it is.
 * A visible LV its segments name (a snapshot's origin, a thin LV's pool or
 * origin, a VDO LV's pool) is not brought: it must be in the current
 * version, the same LV (name and UUID). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/config.h"
#include "lr/label.h"
#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/strbuf.h"
#include "plan_int.h"
#include "repair_int.h"

#define RL_MAX_SNAPSHOT_NAMES 100000 /* snapshotN names tried for a free one */

/* One LV of the old version that comes back. */
typedef struct rl_item {
    size_t old;                   /* index into old->lvs */
    bool named;                   /* named by the caller */
    char *why;                    /* why it comes along (NULL when named) */
    char *name;                   /* the name it comes back as */
    char id[LR_UUID_STR_LEN + 1]; /* the UUID it comes back with */
} rl_item_t;

typedef struct rl_ctx {
    lr_repair_plan_t *p;
    const lr_repair_opts_t *o;
    const lr_repair_lv_opts_t *lo;
    const lr_scan_t *scan;
    lr_vg_t *old;  /* the old version (owns its tree) */
    lr_cfg_t *cfg; /* the current version's tree: the new text is made in it */
    lr_vg_t *cur;  /* a view of cfg as it was read */
    rl_item_t *items;
    size_t n_items;
    const lr_lv_t *probe, *owner; /* find_owner: an LV naming probe */
    const lr_scan_session_t *session;
    lr_evidence_t *ev; /* built at the first conflict (what its extents hold) */
    bool ev_tried;
    size_t *ends; /* check_extents: where each conflict's words end */
    size_t n_ends;
} rl_ctx_t;

static void free_ctx(rl_ctx_t *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        free(c->items[i].why);
        free(c->items[i].name);
    }
    free(c->items);
    lr_evidence_free(c->ev);
    free(c->ends);
    lr_vg_free(c->cur);
    lr_cfg_free(c->cfg);
    lr_vg_free(c->old);
}

static int find_item(const rl_ctx_t *c, size_t old)
{
    for (size_t i = 0; i < c->n_items; i++)
        if (c->items[i].old == old)
            return (int)i;
    return -1;
}

static size_t lv_index(const lr_vg_t *vg, const lr_lv_t *lv)
{
    return (size_t)(lv - vg->lvs);
}

static int add_item(rl_ctx_t *c, size_t old, bool named, char *why, lr_error_t *err)
{
    rl_item_t *n = realloc(c->items, (c->n_items + 1) * sizeof(*n));
    if (!n) {
        free(why);
        return lr_error_oom(err);
    }
    c->items = n;
    c->items[c->n_items++] = (rl_item_t){.old = old, .named = named, .why = why};
    return named || why ? 0 : lr_error_oom(err);
}

/* ---- what a segment names ------------------------------------------------------ */

/* A reference from a segment to an LV: the key naming it and the LV. */
typedef int (*rl_ref_fn)(rl_ctx_t *c, const lr_lv_t *from, const char *key, const lr_lv_t *to,
                         lr_error_t *err);

/* Calls fn for every string in the segment (and any section below it)
 * naming an LV of the old version: scalars like mirror_log, cow_store,
 * thin_pool, cache_pool, and the items of area lists (stripes, mirrors,
 * raids) that are not PV keys, as LVM2 resolves a PV key first. */
static int seg_refs(rl_ctx_t *c, const lr_lv_t *from, const lr_cfg_node_t *sec, rl_ref_fn fn,
                    lr_error_t *err)
{
    for (const lr_cfg_node_t *n = lr_cfg_child(sec); n; n = lr_cfg_next(n)) {
        int rc = 0;
        const char *key = lr_cfg_key(n);
        const lr_cfg_value_t *v = lr_cfg_value(n);
        if (lr_cfg_node_type(n) == LR_CFG_SECTION)
            rc = seg_refs(c, from, n, fn, err);
        else if (strcmp(key, "type") == 0)
            continue;
        else if (v->type == LR_CFG_STRING) {
            const lr_lv_t *to = lr_vg_find_lv(c->old, v->s);
            rc = to && to != from ? fn(c, from, key, to, err) : 0;
        } else if (v->type == LR_CFG_ARRAY) {
            for (size_t i = 0; i < v->n_items && !rc; i++) {
                const lr_cfg_value_t *it = &v->items[i];
                if (it->type != LR_CFG_STRING || lr_vg_find_pv_by_key(c->old, it->s))
                    continue;
                const lr_lv_t *to = lr_vg_find_lv(c->old, it->s);
                rc = to && to != from ? fn(c, from, key, to, err) : 0;
            }
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int lv_refs(rl_ctx_t *c, const lr_lv_t *lv, rl_ref_fn fn, lr_error_t *err)
{
    for (size_t s = 0; s < lv->n_segs; s++) {
        int rc = seg_refs(c, lv, lv->segs[s].node, fn, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* What a hidden LV is to the LV whose segment names it, by the key. */
static const char *role(const char *key)
{
    static const struct {
        const char *key, *role;
    } roles[] = {
        {"raids", "raid image or metadata LV"},
        {"mirrors", "mirror image"},
        {"mirror_log", "mirror log"},
        {"stripes", "LV stacked under"},
        {"cache_pool", "cache pool"},
        {"origin", "origin"},
        {"metadata", "metadata LV"},
        {"pool", "data LV"},
        {"data", "data LV"},
        {"writecache", "writecache LV"},
        {"meta_dev", "integrity metadata LV"},
        {"vdo_pool", "VDO pool"},
    };
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(roles[i].key, key) == 0)
            return roles[i].role;
    return NULL;
}

static char *why_text(const char *key, const char *of)
{
    char *s = NULL;
    const char *r = role(key);
    int n = r ? asprintf(&s, "%s of %s", r, of) : asprintf(&s, "named by %s of %s", key, of);
    return n < 0 ? NULL : s;
}

/* A visible LV a segment names must be in the current version: the same
 * LV, by name and UUID. */
static int need_visible(rl_ctx_t *c, const lr_lv_t *from, const char *key, const lr_lv_t *to,
                        lr_error_t *err)
{
    const lr_lv_t *now = lr_vg_find_lv(c->cur, to->name);
    if (!now)
        return lr_error_refuse(err, 0,
                               "LV %s needs LV %s (its %s), which is not in the current version "
                               "(seqno %llu); bring it back too by naming it",
                               from->name, to->name, key, (unsigned long long)c->p->base_seqno);
    if (!now->id || !to->id || strcmp(now->id, to->id) != 0)
        return lr_error_refuse(err, 0,
                               "LV %s needs LV %s (its %s, UUID %s in seqno %llu), but the LV "
                               "named %s in the current version (seqno %llu) is another one "
                               "(UUID %s)",
                               from->name, to->name, key, to->id ? to->id : "none",
                               (unsigned long long)c->p->seqno, to->name,
                               (unsigned long long)c->p->base_seqno, now->id ? now->id : "none");
    return 0;
}

static int follow(rl_ctx_t *c, const lr_lv_t *from, const char *key, const lr_lv_t *to,
                  lr_error_t *err)
{
    size_t idx = lv_index(c->old, to);
    if (find_item(c, idx) >= 0)
        return 0;
    if (to->visible)
        return need_visible(c, from, key, to, err);
    return add_item(c, idx, false, why_text(key, from->name), err);
}

/* The hidden snapshot LVs (segment type snapshot) whose cow_store comes
 * back: the snapshot comes with its COW. Sets *added. */
static int add_snapshots(rl_ctx_t *c, bool *added, lr_error_t *err)
{
    for (size_t j = 0; j < c->old->n_lvs; j++) {
        const lr_lv_t *lv = &c->old->lvs[j];
        if (lv->visible || find_item(c, j) >= 0)
            continue;
        for (size_t s = 0; s < lv->n_segs; s++) {
            const char *cow = NULL;
            if (strcmp(lv->segs[s].type, "snapshot") != 0 ||
                lr_cfg_get_str(lv->segs[s].node, "cow_store", &cow, NULL) != 0)
                continue;
            const lr_lv_t *cl = lr_vg_find_lv(c->old, cow);
            if (!cl || find_item(c, lv_index(c->old, cl)) < 0)
                continue;
            char *why = NULL;
            if (asprintf(&why, "snapshot segment of %s", cow) < 0)
                why = NULL;
            int rc = add_item(c, j, false, why, err);
            if (rc)
                return rc;
            *added = true;
            break;
        }
    }
    return 0;
}

static int note_owner(rl_ctx_t *c, const lr_lv_t *from, const char *key, const lr_lv_t *to,
                      lr_error_t *err)
{
    (void)err;
    /* A snapshot's COW LV is hidden, yet it is the snapshot users name:
     * the snapshot segment naming it as cow_store is not its owner. */
    if (to == c->probe && !c->owner && strcmp(key, "cow_store") != 0)
        c->owner = from;
    return 0;
}

/* A hidden LV that is part of another one (a segment of it names the LV,
 * not as a snapshot's COW) is refused when named alone, naming its owner.
 * Other hidden LVs (a snapshot's COW, a pool metadata spare) may be
 * named. */
static int refuse_part(rl_ctx_t *c, const lr_lv_t *lv, lr_error_t *err)
{
    c->probe = lv;
    c->owner = NULL;
    for (size_t i = 0; i < c->old->n_lvs && !c->owner; i++)
        lv_refs(c, &c->old->lvs[i], note_owner, err);
    if (!c->owner)
        return 0;
    return lr_error_refuse(err, 0,
                           "LV %s is a hidden part of LV %s in seqno %llu: name %s, and its "
                           "parts come with it",
                           lv->name, c->owner->name, (unsigned long long)c->p->seqno,
                           c->owner->name);
}

/* The named LVs, then everything they need, to a fixed point. */
static int collect(rl_ctx_t *c, lr_error_t *err)
{
    for (size_t i = 0; i < c->lo->n_names; i++) {
        const char *name = c->lo->names[i];
        const lr_lv_t *lv = lr_vg_find_lv(c->old, name);
        if (!lv)
            return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET,
                                "VG %s seqno %llu has no LV named %s", c->p->vg_name,
                                (unsigned long long)c->p->seqno, name);
        int rc = lv->visible ? 0 : refuse_part(c, lv, err);
        if (rc)
            return rc;
        if (find_item(c, lv_index(c->old, lv)) >= 0)
            continue; /* named twice */
        rc = add_item(c, lv_index(c->old, lv), true, NULL, err);
        if (rc)
            return rc;
    }
    size_t done = 0;
    bool added = true;
    while (added) {
        for (; done < c->n_items; done++) {
            int rc = lv_refs(c, &c->old->lvs[c->items[done].old], follow, err);
            if (rc)
                return rc;
        }
        added = false;
        int rc = add_snapshots(c, &added, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- names and UUIDs -------------------------------------------------------------- */

/* LVM2's rules for an LV name (lib/misc/lvm-string.c validate_name,
 * apply_lvname_restrictions). */
static bool name_ok(const char *s)
{
    static const char *const reserved[] = {
        "_cdata", "_cmeta",  "_corig", "_cpool",   "_cvol",   "_iorig",
        "_imeta", "_mimage", "_mlog",  "_pmspare", "_rimage", "_rmeta",
        "_tdata", "_tmeta",  "_vdata", "_vorigin", "_wcorig",
    };
    size_t n = strlen(s);
    if (n == 0 || n > 127 || s[0] == '-' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (const char *x = s; *x; x++)
        if (!((*x >= 'a' && *x <= 'z') || (*x >= 'A' && *x <= 'Z') || (*x >= '0' && *x <= '9') ||
              strchr("+_.-", *x)))
            return false;
    if (strncmp(s, "snapshot", 8) == 0 || strncmp(s, "pvmove", 6) == 0)
        return false;
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strstr(s, reserved[i]))
            return false;
    return true;
}

static bool name_taken(const rl_ctx_t *c, const char *name, size_t upto)
{
    if (lr_vg_find_lv(c->cur, name))
        return true;
    for (size_t i = 0; i < upto; i++)
        if (c->items[i].name && strcmp(c->items[i].name, name) == 0)
            return true;
    return false;
}

static bool is_snapshot_name(const char *s)
{
    if (strncmp(s, "snapshot", 8) != 0 || !s[8])
        return false;
    for (const char *x = s + 8; *x; x++)
        if (*x < '0' || *x > '9')
            return false;
    return true;
}

/* The name item i comes back as: the named LV's own or the new name;
 * a sub-LV OLD_x of it NEW_x; a hidden snapshotN the first free
 * snapshotK (LVM2 numbers them); any other its own. */
static int choose_name(rl_ctx_t *c, size_t i, lr_error_t *err)
{
    rl_item_t *it = &c->items[i];
    const char *old = c->old->lvs[it->old].name;
    const char *as = c->lo->as;
    const char *named = c->old->lvs[c->items[0].old].name;
    size_t nl = strlen(named);
    int n = 0;
    if (as && it->named)
        it->name = strdup(as);
    else if (as && strncmp(old, named, nl) == 0 && old[nl] == '_')
        n = asprintf(&it->name, "%s%s", as, old + nl);
    else
        it->name = strdup(old);
    if (n < 0)
        it->name = NULL;
    if (!it->name)
        return lr_error_oom(err);
    if (!is_snapshot_name(old) || it->named || !name_taken(c, it->name, i))
        return 0;
    for (int k = 0; k < RL_MAX_SNAPSHOT_NAMES; k++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "snapshot%d", k);
        if (name_taken(c, buf, i))
            continue;
        free(it->name);
        it->name = strdup(buf);
        return it->name ? 0 : lr_error_oom(err);
    }
    return lr_error_refuse(err, 0, "no free snapshotN name for the snapshot of %s", named);
}

/* An LV named under its own name that the current version still has, the
 * same LV (UUID), was not removed but changed (lvreduce, lvextend,
 * lvconvert...) or not at all: the refusal says so and what gives its old
 * state back, besides a new name (a copy, when its old extents are free). */
static int refuse_not_removed(const rl_ctx_t *c, const rl_item_t *it, lr_error_t *err)
{
    const lr_lv_t *was = &c->old->lvs[it->old];
    const lr_lv_t *now = lr_vg_find_lv(c->cur, it->name);
    if (!now || !now->id || !was->id || strcmp(now->id, was->id) != 0)
        return 0;
    if (now->extent_count == was->extent_count)
        return lr_error_refuse(err, LR_HINT_NEW_NAME,
                               "VG %s already has an LV named %s in its current version (seqno "
                               "%llu): the same LV (UUID %s), not removed",
                               c->p->vg_name, it->name, (unsigned long long)c->p->base_seqno,
                               now->id);
    return lr_error_refuse(err, LR_HINT_NEW_NAME,
                           "VG %s already has an LV named %s in its current version (seqno "
                           "%llu): the same LV (UUID %s), not removed, resized to %llu extents "
                           "(%llu in seqno %llu); restoring the whole version seqno %llu gives "
                           "back its old size, and also undoes every later change",
                           c->p->vg_name, it->name, (unsigned long long)c->p->base_seqno, now->id,
                           (unsigned long long)now->extent_count,
                           (unsigned long long)was->extent_count, (unsigned long long)c->old->seqno,
                           (unsigned long long)c->old->seqno);
}

static int check_names(rl_ctx_t *c, lr_error_t *err)
{
    if (c->lo->as && !name_ok(c->lo->as))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "'%s' is not a valid LV name (LVM2 allows letters, digits and "
                            "+_.-, not a leading '-', no snapshot/pvmove prefix and no reserved "
                            "suffix like _rimage or _tmeta)",
                            c->lo->as);
    for (size_t i = 0; i < c->n_items; i++) {
        int rc = choose_name(c, i, err);
        if (rc)
            return rc;
        rl_item_t *it = &c->items[i];
        if (!name_taken(c, it->name, i))
            continue;
        if (it->named && (rc = refuse_not_removed(c, it, err)) != 0)
            return rc;
        if (it->named)
            return lr_error_refuse(err, LR_HINT_NEW_NAME,
                                   "VG %s already has an LV named %s in its current version "
                                   "(seqno %llu)",
                                   c->p->vg_name, it->name, (unsigned long long)c->p->base_seqno);
        return lr_error_refuse(err, LR_HINT_NEW_NAME,
                               "LV %s, the %s, would come back, but the current version (seqno "
                               "%llu) already has an LV of that name",
                               it->name, it->why, (unsigned long long)c->p->base_seqno);
    }
    return 0;
}

/* Keeps each LV's UUID (refusing one the current version still uses), or
 * with a new name gives each a new one. */
static int choose_ids(rl_ctx_t *c, lr_error_t *err)
{
    for (size_t i = 0; i < c->n_items; i++) {
        rl_item_t *it = &c->items[i];
        const lr_lv_t *lv = &c->old->lvs[it->old];
        if (c->lo->as) {
            char raw[LR_PV_UUID_LEN + 1];
            do {
                lr_uuid_generate(raw);
                lr_uuid_format(raw, it->id, sizeof(it->id));
            } while (lr_vg_find_lv_by_id(c->cur, raw) || lr_vg_find_lv_by_id(c->old, raw));
            continue;
        }
        snprintf(it->id, sizeof(it->id), "%s", lv->id ? lv->id : "");
        const lr_lv_t *now = lv->id ? lr_vg_find_lv_by_id(c->cur, lv->id) : NULL;
        if (now)
            return lr_error_refuse(err, LR_HINT_NEW_NAME,
                                   "LV %s (UUID %s) is still in the current version (seqno %llu) "
                                   "as LV %s; bringing back a second copy needs a new name, "
                                   "which gives it a new UUID",
                                   lv->name, lv->id, (unsigned long long)c->p->base_seqno,
                                   now->name);
    }
    return 0;
}

/* ---- PVs and extents ---------------------------------------------------------------- */

/* Whether a PV with this raw UUID is among the images. */
static bool pv_present(const rl_ctx_t *c, const char *raw)
{
    for (size_t i = 0; i < c->scan->n_labels; i++)
        if (strcmp(c->scan->labels[i].label.pv_uuid, raw) == 0)
            return true;
    const lr_scan_vg_t *svg = &c->scan->vgs[c->p->vg];
    for (size_t i = 0; i < svg->n_pvs; i++)
        if (strcmp(svg->pvs[i].id_raw, raw) == 0 && svg->pvs[i].found != LR_SCAN_PV_MISSING)
            return true;
    return false;
}

/* ---- what the conflicting extents hold now (the evidence engine) ---------------- */

/* The evidence of LV lv (index into the view of version ver), matched by
 * name in the evidence's own view of that version (the same text). NULL
 * when the evidence could not be built or does not have it. */
static const lr_ev_lv_t *ev_lv(rl_ctx_t *c, int ver, const lr_lv_t *lv, size_t idx)
{
    if (!c->ev_tried) {
        c->ev_tried = true;
        if (lr_evidence_build(c->session, NULL, &c->ev, NULL) != 0)
            c->ev = NULL;
    }
    if (!c->ev || c->p->vg < 0 || (size_t)c->p->vg >= c->ev->n_vgs || ver < 0)
        return NULL;
    const lr_ev_vg_t *g = &c->ev->vgs[c->p->vg];
    if ((size_t)ver >= g->n_versions || !g->versions[ver].loaded)
        return NULL;
    const lr_ev_version_t *v = &g->versions[ver];
    if (idx < v->n_lvs && v->lvs[idx].name && strcmp(v->lvs[idx].name, lv->name) == 0)
        return &v->lvs[idx];
    for (size_t i = 0; i < v->n_lvs; i++)
        if (v->lvs[i].name && strcmp(v->lvs[i].name, lv->name) == 0)
            return &v->lvs[i];
    return NULL;
}

/* Whether the PV area holds the LV's first byte, and on which PV extent. */
static bool area_holds_start(const lr_pv_area_t *a, uint64_t s, uint64_t e)
{
    return a->seg->start_extent == 0 && a->seg->n_areas > 0 && a->area == &a->seg->areas[0] &&
           a->start >= s && a->start < e;
}

/* ext4 "SCRATCH" (UUID cb05...) */
static void put_sig(lr_strbuf_t *b, const lr_ev_content_t *x)
{
    lr_strbuf_puts(b, x->type ? x->type : "a signature");
    if (x->label)
        lr_strbuf_printf(b, " \"%s\"", x->label);
    if (x->uuid)
        lr_strbuf_printf(b, " (UUID %s)", x->uuid);
}

static bool same_sig(const lr_ev_content_t *x, const lr_ev_content_t *y)
{
    return x->state == LR_EV_FOUND && y->state == LR_EV_FOUND && x->type && y->type &&
           strcmp(x->type, y->type) == 0 &&
           (x->uuid ? y->uuid && strcmp(x->uuid, y->uuid) == 0 : !y->uuid) &&
           (x->label ? y->label && strcmp(x->label, y->label) == 0 : !y->label);
}

static const char *why_unknown(const lr_ev_content_t *x)
{
    return x->detail ? x->detail : lr_ev_state_name(x->state);
}

/* What the owner LV of the current version holds, as the probe found it at
 * its start: "scratch starts there with ext4 ...". Compact: an lr_error_t
 * message holds 512 bytes. */
static void put_owner(lr_strbuf_t *b, const char *name, const lr_ev_lv_t *o, bool starts)
{
    const lr_ev_content_t *x = o ? &o->content : NULL;
    if (!x) {
        lr_strbuf_printf(b, "what %s holds is not known", name);
    } else if (x->state == LR_EV_FOUND) {
        lr_strbuf_printf(b, "%s %s ", name, starts ? "starts there with" : "holds");
        put_sig(b, x);
        if (!starts)
            lr_strbuf_puts(b, " at its start, elsewhere");
    } else if (x->state == LR_EV_EMPTY && !x->detail) {
        lr_strbuf_printf(b,
                         starts ? "%s starts there, no signature found"
                                : "no signature at %s's start, elsewhere",
                         name);
    } else {
        lr_strbuf_printf(b, "what %s holds is not known (%s)", name, why_unknown(x));
    }
}

/* Whether the old LV's data is still there, as far as the probe of the old
 * version's layout tells: it reads an LV's start and end only. */
static void put_old(lr_strbuf_t *b, const char *name, const lr_ev_lv_t *old, bool head,
                    const lr_ev_lv_t *owner)
{
    const lr_ev_content_t *x = old ? &old->content : NULL;
    if (!head)
        lr_strbuf_printf(
            b,
            ", and whether %s's old data in them survives is not known (only LV starts "
            "and ends are probed)",
            name);
    else if (!x)
        lr_strbuf_printf(b, ", and what %s's start there holds is not known", name);
    else if (owner && old->id && owner->id && strcmp(old->id, owner->id) == 0)
        lr_strbuf_printf(b, ", the same LV as %s then (same UUID): its start there is its own",
                         name);
    else if (x->state == LR_EV_FOUND && owner && same_sig(x, &owner->content))
        lr_strbuf_printf(b, ", and %s's start there now holds %s's %s, not its own", name,
                         owner->name, x->type);
    else if (x->state == LR_EV_FOUND) {
        lr_strbuf_printf(b, ", and %s's start there still holds ", name);
        put_sig(b, x);
        lr_strbuf_printf(b, ": most likely its own data");
    } else if (x->state == LR_EV_EMPTY && !x->detail)
        lr_strbuf_printf(b,
                         ", and no signature at %s's start there: whether its data survives is "
                         "not known",
                         name);
    else
        lr_strbuf_printf(b, ", and what %s's start there holds is not known (%s)", name,
                         why_unknown(x));
}

/* What the conflicting extents [s, e) of PV area a (old LV) and b (an LV
 * of the current version) hold now, from the evidence: the current owner's
 * content and whether the old LV's own signature is still at its start. */
static void put_clash_evidence(rl_ctx_t *c, lr_strbuf_t *b, const lr_pv_area_t *a,
                               const lr_pv_area_t *cur, uint64_t s, uint64_t e)
{
    const lr_lv_t *olv = &c->old->lvs[a->lv], *nlv = &c->cur->lvs[cur->lv];
    const lr_ev_lv_t *owner = ev_lv(c, c->p->base_version, nlv, cur->lv);
    const lr_ev_lv_t *old = ev_lv(c, c->p->version, olv, a->lv);
    if (!c->ev) {
        lr_strbuf_puts(b, ": what they hold now is not known (no evidence)");
        return;
    }
    lr_strbuf_puts(b, ": ");
    put_owner(b, nlv->name, owner, area_holds_start(cur, s, e));
    put_old(b, olv->name, old, area_holds_start(a, s, e), owner);
}

/* Records where the clash text ends after the conflict just added: the
 * refusal cuts the list only there. */
static int rl_push_end(rl_ctx_t *c, size_t len)
{
    size_t *n = realloc(c->ends, (c->n_ends + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    c->ends = n;
    c->ends[c->n_ends++] = len;
    return 0;
}

static int check_pv_area(rl_ctx_t *c, const lr_pv_area_t *a, lr_strbuf_t *clash, size_t *n_clash,
                         lr_error_t *err)
{
    const lr_lv_t *lv = &c->old->lvs[a->lv];
    const lr_pv_t *opv = &c->old->pvs[a->pv];
    const lr_pv_t *npv = lr_vg_find_pv_by_id(c->cur, opv->raw_id);
    if (!npv)
        return lr_error_refuse(err, 0,
                               "LV %s needs PV %s (%s in seqno %llu), which is not in the current "
                               "version of VG %s (seqno %llu)",
                               lv->name, opv->id, opv->key, (unsigned long long)c->p->seqno,
                               c->p->vg_name, (unsigned long long)c->p->base_seqno);
    if (!pv_present(c, opv->raw_id))
        return lr_error_refuse(err, LR_HINT_MISSING_PVS,
                               "LV %s needs PV %s (%s), which is not among the images", lv->name,
                               opv->id, npv->key);
    if (a->start > npv->pe_count || a->len > npv->pe_count - a->start)
        return lr_error_refuse(err, 0,
                               "LV %s needs extents %llu..%llu of PV %s (%s), which has %llu "
                               "extents now",
                               lv->name, (unsigned long long)a->start,
                               (unsigned long long)(a->start + a->len - 1), opv->id, npv->key,
                               (unsigned long long)npv->pe_count);
    size_t npi = (size_t)(npv - c->cur->pvs);
    lr_pv_area_iter_t it = lr_pv_areas(c->cur);
    lr_pv_area_t b;
    while (lr_pv_area_next(&it, &b)) {
        if (b.pv != npi || !a->len || !b.len || b.start >= a->start + a->len ||
            a->start >= b.start + b.len)
            continue;
        uint64_t s = a->start > b.start ? a->start : b.start;
        uint64_t e = a->start + a->len < b.start + b.len ? a->start + a->len : b.start + b.len;
        lr_strbuf_printf(clash,
                         "%s%s extents %llu..%llu of PV %s (%s) are LV %s's (its extents "
                         "%llu..%llu there)",
                         (*n_clash)++ ? "; " : "", lv->name, (unsigned long long)s,
                         (unsigned long long)(e - 1), npv->key, npv->id, c->cur->lvs[b.lv].name,
                         (unsigned long long)b.start, (unsigned long long)(b.start + b.len - 1));
        put_clash_evidence(c, clash, a, &b, s, e);
        if (rl_push_end(c, clash->len))
            return lr_error_oom(err);
    }
    return 0;
}

/* Every PV extent of the LVs coming back must be free in the current
 * version, on a PV it has and the images hold. */
/* The refusal naming the conflicts. An lr_error_t message holds 512 bytes:
 * conflicts that do not fit whole are counted ("and 3 more") rather than
 * cut in the middle of a word. */
static int refuse_clash(rl_ctx_t *c, const lr_strbuf_t *clash, lr_error_t *err)
{
    char head[128];
    int hl = snprintf(head, sizeof(head),
                      "the extents to bring back are allocated in the current version "
                      "(seqno %llu): ",
                      (unsigned long long)c->p->base_seqno);
    lr_error_t probe;
    size_t room = sizeof(probe.msg) - (size_t)hl - 32, shown = 0, len = 0;
    for (size_t i = 0; i < c->n_ends; i++)
        if (c->ends[i] <= room) {
            shown = i + 1;
            len = c->ends[i];
        }
    if (shown == c->n_ends || !shown)
        return lr_error_refuse(err, 0, "%s%s", head, clash->s);
    return lr_error_refuse(err, 0, "%s%.*s; and %zu more conflict(s)", head, (int)len, clash->s,
                           c->n_ends - shown);
}

static int check_extents(rl_ctx_t *c, lr_error_t *err)
{
    lr_strbuf_t clash = LR_STRBUF_INIT;
    size_t n = 0;
    lr_pv_area_iter_t it = lr_pv_areas(c->old);
    lr_pv_area_t a;
    int rc = 0;
    while (!rc && lr_pv_area_next(&it, &a))
        if (find_item(c, a.lv) >= 0)
            rc = check_pv_area(c, &a, &clash, &n, err);
    if (!rc && clash.failed)
        rc = lr_error_oom(err);
    if (!rc && n)
        rc = refuse_clash(c, &clash, err);
    lr_strbuf_free(&clash);
    return rc;
}

/* LVM2 removes a thin LV of an inactive pool by queueing a message in the
 * pool's segment (message1 { delete = ID }), sent to the pool's metadata
 * at its next activation: the device is then deleted, whatever the
 * metadata text says. Such a pending delete of the LV's device is a
 * refusal (the pool's messages are not edited here). */
static int check_pending_delete(const rl_ctx_t *c, const lr_lv_t *lv, const char *pool, int64_t dev,
                                lr_error_t *err)
{
    const lr_lv_t *pl = lr_vg_find_lv(c->cur, pool);
    for (size_t s = 0; pl && s < pl->n_segs; s++)
        for (const lr_cfg_node_t *m = lr_cfg_child(pl->segs[s].node); m; m = lr_cfg_next(m)) {
            int64_t id = -1;
            if (lr_cfg_node_type(m) != LR_CFG_SECTION ||
                lr_cfg_get_int(m, "delete", &id, NULL) != 0 || id != dev)
                continue;
            return lr_error_refuse(err, 0,
                                   "thin LV %s was device id %lld of pool %s, and the current "
                                   "version of the pool has a pending message (%s) to delete "
                                   "that device at the pool's next activation",
                                   lv->name, (long long)dev, pool, lr_cfg_key(m));
        }
    return 0;
}

/* A thin LV goes into the pool of the current version named by its
 * segment (need_visible checked it is the same pool). Its device id must
 * not be another thin LV's now; whether the pool's metadata still holds
 * it is not read here, so it is refused unless forced. */
static int check_thin(rl_ctx_t *c, const rl_item_t *it, const lr_seg_t *seg, lr_error_t *err)
{
    const lr_lv_t *lv = &c->old->lvs[it->old];
    const char *pool = NULL;
    int64_t dev = -1;
    if (lr_cfg_get_str(seg->node, "thin_pool", &pool, NULL) != 0 ||
        lr_cfg_get_int(seg->node, "device_id", &dev, NULL) != 0)
        return lr_error_refuse(err, 0, "thin LV %s has no thin_pool or device_id", lv->name);
    const lr_lv_t *pl = lr_vg_find_lv(c->old, pool);
    if (pl && find_item(c, lv_index(c->old, pl)) >= 0)
        return 0; /* its pool comes back with it, metadata and all */
    for (size_t i = 0; i < c->cur->n_lvs; i++) {
        const lr_lv_t *o = &c->cur->lvs[i];
        for (size_t s = 0; s < o->n_segs; s++) {
            const char *op = NULL;
            int64_t od = -1;
            if (strcmp(o->segs[s].type, "thin") != 0 ||
                lr_cfg_get_str(o->segs[s].node, "thin_pool", &op, NULL) != 0 ||
                lr_cfg_get_int(o->segs[s].node, "device_id", &od, NULL) != 0)
                continue;
            if (strcmp(op, pool) == 0 && od == dev)
                return lr_error_refuse(err, 0,
                                       "thin LV %s had device id %lld in pool %s, which thin LV "
                                       "%s uses in the current version",
                                       lv->name, (long long)dev, pool, o->name);
        }
    }
    int rc = check_pending_delete(c, lv, pool, dev, err);
    if (rc)
        return rc;
    if (!c->o->force)
        return lr_error_refuse(err, LR_HINT_FORCE,
                               "thin LV %s is device id %lld of pool %s; the pool's thin "
                               "metadata is not read, so whether it still holds that device "
                               "(LVM2 deletes it from the pool when the LV is removed) cannot be "
                               "verified",
                               lv->name, (long long)dev, pool);
    c->p->forced = true;
    return rp_note(c->p,
                   "forced: thin LV %s comes back as device id %lld of pool %s, not verified "
                   "against the pool's metadata: if the pool no longer holds that device, "
                   "activating the LV fails",
                   lv->name, (long long)dev, pool)
               ? lr_error_oom(err)
               : 0;
}

static int check_rest(rl_ctx_t *c, lr_error_t *err)
{
    size_t visible = 0;
    for (size_t i = 0; i < c->cur->n_lvs; i++)
        visible += c->cur->lvs[i].visible;
    for (size_t i = 0; i < c->n_items; i++) {
        const lr_lv_t *lv = &c->old->lvs[c->items[i].old];
        visible += lv->visible;
        for (size_t s = 0; s < lv->n_segs; s++) {
            if (strcmp(lv->segs[s].type, "thin") != 0)
                continue;
            int rc = check_thin(c, &c->items[i], &lv->segs[s], err);
            if (rc)
                return rc;
        }
    }
    if (c->cur->max_lv && visible > c->cur->max_lv)
        return lr_error_refuse(err, 0, "VG %s allows at most %llu LVs (max_lv); it would have %zu",
                               c->p->vg_name, (unsigned long long)c->cur->max_lv, visible);
    return 0;
}

/* ---- the new tree ------------------------------------------------------------------- */

static const char *new_name_of(const rl_ctx_t *c, const char *old)
{
    for (size_t i = 0; i < c->n_items; i++)
        if (strcmp(c->old->lvs[c->items[i].old].name, old) == 0)
            return c->items[i].name;
    return NULL;
}

/* The PV key the current version gives the PV old key `key` names. */
static const char *new_pv_key(const rl_ctx_t *c, const char *key)
{
    const lr_pv_t *o = lr_vg_find_pv_by_key(c->old, key);
    const lr_pv_t *n = o ? lr_vg_find_pv_by_id(c->cur, o->raw_id) : NULL;
    return n ? n->key : NULL;
}

/* A string of a copied segment as the new version names it: a PV key (in
 * an area list) by the current version's key of that PV, an LV by the name
 * it comes back as; NULL when it stays. */
static const char *renamed(const rl_ctx_t *c, const char *s, bool in_array)
{
    if (in_array && lr_vg_find_pv_by_key(c->old, s)) {
        const char *k = new_pv_key(c, s);
        return k && strcmp(k, s) != 0 ? k : NULL;
    }
    const char *n = new_name_of(c, s);
    return n && strcmp(n, s) != 0 ? n : NULL;
}

static int fix_value(const rl_ctx_t *c, lr_cfg_node_t *sec, lr_cfg_node_t *n, lr_error_t *err)
{
    const char *key = lr_cfg_key(n);
    const lr_cfg_value_t *v = lr_cfg_value(n);
    if (v->type == LR_CFG_STRING) {
        const char *r = renamed(c, v->s, false);
        return r ? lr_cfg_set_str(sec, key, r, err) : 0;
    }
    if (v->type != LR_CFG_ARRAY)
        return 0;
    lr_cfg_value_t copy = *v;
    copy.items = calloc(v->n_items ? v->n_items : 1, sizeof(*copy.items));
    if (!copy.items)
        return lr_error_oom(err);
    bool changed = false;
    for (size_t i = 0; i < v->n_items; i++) {
        copy.items[i] = v->items[i]; /* shallow: only read by the setter's deep copy */
        const char *r = v->items[i].type == LR_CFG_STRING ? renamed(c, v->items[i].s, true) : NULL;
        if (r) {
            copy.items[i].s = (char *)r;
            changed = true;
        }
    }
    int rc = changed ? lr_cfg_set_value(sec, key, &copy, err) : 0;
    free(copy.items);
    return rc;
}

/* Renames what the copied LV's segments name (not `type`). Keys are
 * unique in what LVM2 writes; the setters edit the first of a key. */
static int fix_section(const rl_ctx_t *c, lr_cfg_node_t *sec, lr_error_t *err)
{
    for (lr_cfg_node_t *n = lr_cfg_child(sec); n; n = lr_cfg_next(n)) {
        int rc = 0;
        if (lr_cfg_node_type(n) == LR_CFG_SECTION)
            rc = fix_section(c, n, err);
        else if (strcmp(lr_cfg_key(n), "type") != 0)
            rc = fix_value(c, sec, n, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int copy_lv(rl_ctx_t *c, lr_cfg_node_t *lvs, const rl_item_t *it, lr_error_t *err)
{
    const lr_lv_t *lv = &c->old->lvs[it->old];
    lr_cfg_node_t *n = NULL;
    int rc = lr_cfg_copy(lvs, lv->node, &n, err);
    if (!rc && strcmp(it->name, lv->name) != 0)
        rc = lr_cfg_rename(n, it->name, err);
    if (!rc && c->lo->as)
        rc = lr_cfg_set_str(n, "id", it->id, err);
    for (lr_cfg_node_t *s = lr_cfg_child(n); !rc && s; s = lr_cfg_next(s))
        if (lr_cfg_node_type(s) == LR_CFG_SECTION)
            rc = fix_section(c, s, err);
    return rc;
}

static int build_tree(rl_ctx_t *c, lr_error_t *err)
{
    lr_cfg_node_t *vg = rp_vg_section(c->cfg);
    if (!vg)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "the current version has no VG section");
    lr_cfg_node_t *lvs = lr_cfg_find(vg, "logical_volumes");
    int rc = 0;
    if (!lvs)
        rc = lr_cfg_add_section(vg, "logical_volumes", &lvs, err);
    else if (lr_cfg_node_type(lvs) != LR_CFG_SECTION)
        rc = lr_error_set(err, LR_EFORMAT, lr_cfg_offset(lvs),
                          "logical_volumes is not a section in the current version");
    for (size_t i = 0; i < c->n_items && !rc; i++)
        rc = copy_lv(c, lvs, &c->items[i], err);
    return rc;
}

/* ---- what the plan says ----------------------------------------------------------- */

static int describe_item(rl_ctx_t *c, const rl_item_t *it, lr_repair_lv_t *out, lr_error_t *err)
{
    const lr_lv_t *lv = &c->old->lvs[it->old];
    bool oom = false;
    out->name = rp_strdup(it->name, &oom);
    out->old_name = rp_strdup(lv->name, &oom);
    out->why = rp_strdup(it->why, &oom);
    snprintf(out->id, sizeof(out->id), "%s", it->id);
    snprintf(out->old_id, sizeof(out->old_id), "%s", lv->id ? lv->id : "");
    out->named = it->named;
    out->visible = lv->visible;
    out->size = lv->extent_count * c->old->extent_size * LR_SECTOR_SIZE;
    out->n_segs = lv->n_segs;
    lr_strbuf_t t = LR_STRBUF_INIT;
    for (size_t s = 0; s < lv->n_segs; s++) {
        bool seen = false;
        for (size_t k = 0; k < s && !seen; k++)
            seen = strcmp(lv->segs[k].type, lv->segs[s].type) == 0;
        if (!seen)
            lr_strbuf_printf(&t, "%s%s", t.len ? "," : "", lv->segs[s].type);
    }
    out->types = rp_strdup(t.s ? t.s : "", &oom);
    oom = oom || t.failed;
    lr_strbuf_free(&t);
    lr_pv_area_iter_t iter = lr_pv_areas(c->old);
    lr_pv_area_t a;
    while (!oom && lr_pv_area_next(&iter, &a)) {
        if (a.lv != it->old)
            continue;
        lr_repair_lv_range_t *r = realloc(out->ranges, (out->n_ranges + 1) * sizeof(*r));
        if (!r) {
            oom = true;
            break;
        }
        out->ranges = r;
        r = &r[out->n_ranges++];
        const lr_pv_t *npv = lr_vg_find_pv_by_id(c->cur, c->old->pvs[a.pv].raw_id);
        r->pv_key = rp_strdup(npv ? npv->key : c->old->pvs[a.pv].key, &oom);
        snprintf(r->pv_id, sizeof(r->pv_id), "%s", c->old->pvs[a.pv].id);
        r->start = a.start;
        r->count = a.len;
    }
    return oom ? lr_error_oom(err) : 0;
}

static int add_back(lr_repair_plan_t *p, const lr_repair_lv_t *lv)
{
    lr_repair_change_t *ch = realloc(p->changes, (p->n_changes + 1) * sizeof(*ch));
    if (!ch)
        return -ENOMEM;
    p->changes = ch;
    ch = &ch[p->n_changes++];
    memset(ch, 0, sizeof(*ch));
    ch->kind = LR_REPAIR_LV_BACK;
    ch->name = strdup(lv->name);
    ch->new_size = lv->size;
    return ch->name ? 0 : -ENOMEM;
}

static int describe(rl_ctx_t *c, lr_error_t *err)
{
    lr_repair_plan_t *p = c->p;
    p->lvs = calloc(c->n_items ? c->n_items : 1, sizeof(*p->lvs));
    if (!p->lvs)
        return lr_error_oom(err);
    for (size_t i = 0; i < c->n_items; i++) {
        p->n_lvs++;
        int rc = describe_item(c, &c->items[i], &p->lvs[i], err);
        if (!rc && (p->lvs[i].visible || p->lvs[i].named) && add_back(p, &p->lvs[i]))
            rc = lr_error_oom(err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the versions ------------------------------------------------------------------- */

/* The current version: the newest one some metadata area commits (what
 * LVM2 reads), complete. */
static int read_base(rl_ctx_t *c, const lr_scan_session_t *session, lr_error_t *err)
{
    lr_repair_plan_t *p = c->p;
    const lr_scan_vg_t *svg = &c->scan->vgs[p->vg];
    int base = svg->committed_latest;
    if (base < 0 || lr_scan_version_copy(c->scan, (size_t)p->vg, (size_t)base) < 0)
        return lr_error_refuse(err, 0,
                               "VG %s has no complete committed version to bring LVs back into "
                               "(restore a whole version instead)",
                               p->vg_name);
    const lr_scan_version_t *v = &svg->versions[base];
    p->base_version = base;
    p->base_seqno = v->seqno;
    p->base_crc = v->crc;
    p->newest_seqno = v->seqno;
    p->newest_committed = true;
    if (svg->latest >= 0 && svg->latest != base &&
        rp_note(p,
                "a newer copy (seqno %llu) was written but never committed; LVM2 reads seqno "
                "%llu, which the LVs are added to",
                (unsigned long long)svg->versions[svg->latest].seqno, (unsigned long long)v->seqno))
        return lr_error_oom(err);
    char *text = NULL;
    size_t len = 0;
    int rc = lr_scan_version_text(session, (size_t)p->vg, (size_t)base, &text, &len, err);
    if (!rc)
        rc = lr_cfg_parse(text, len, &c->cfg, err);
    if (!rc)
        rc = lr_vg_from_cfg(c->cfg, &c->cur, err);
    free(text);
    if (!rc)
        rc = lr_scan_version_vg(session, (size_t)p->vg, (size_t)p->version, &c->old, err);
    return rc;
}

static int set_text(rl_ctx_t *c, lr_error_t *err)
{
    lr_repair_plan_t *p = c->p;
    lr_repair_opts_t o = *c->o;
    char cmd[512];
    if (!o.command) {
        snprintf(cmd, sizeof(cmd), "lvmrescue restore of LV %s%s of VG %s seqno %llu",
                 c->lo->names[0], c->lo->n_names > 1 ? " and others" : "", p->vg_name,
                 (unsigned long long)p->seqno);
        o.command = cmd;
    }
    int rc = rp_set_identity(p, &o, err);
    if (!rc)
        rc = build_tree(c, err);
    if (!rc)
        rc = rp_finish_text(p, c->cfg, err);
    return rc;
}

static int plan_lvs(rl_ctx_t *c, const lr_scan_session_t *session, lr_error_t *err)
{
    int rc = read_base(c, session, err);
    if (!rc)
        rc = collect(c, err);
    if (!rc)
        rc = check_names(c, err);
    if (!rc)
        rc = choose_ids(c, err);
    if (!rc)
        rc = check_extents(c, err);
    if (!rc)
        rc = check_rest(c, err);
    if (!rc)
        rc = set_text(c, err);
    if (!rc)
        rc = describe(c, err);
    return rc;
}

static int check_args(const lr_scan_t *scan, const lr_repair_opts_t *o,
                      const lr_repair_lv_opts_t *lo, lr_repair_plan_t **out, lr_error_t *err)
{
    if (!scan || !o || !lo || !out || !lo->n_names || !lo->names)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "plan: invalid arguments");
    for (size_t i = 0; i < lo->n_names; i++)
        if (!lo->names[i] || !lo->names[i][0])
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "plan: an empty LV name");
    if (lo->as && lo->n_names != 1)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "a new name goes with exactly one LV (%zu named)", lo->n_names);
    return 0;
}

int lr_repair_plan_restore_lv(const lr_scan_session_t *session, lr_io_t *const *ios,
                              const lr_repair_opts_t *opts, const lr_repair_lv_opts_t *lv_opts,
                              lr_repair_plan_t **out, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    lr_error_clear(err);
    int rc = check_args(scan, opts, lv_opts, out, err);
    if (rc)
        return rc;
    *out = NULL;
    rp_plan_t *rp = calloc(1, sizeof(*rp));
    if (!rp)
        return lr_error_oom(err);
    lr_repair_plan_t *p = &rp->pub;
    rl_ctx_t c = {.p = p, .o = opts, .lo = lv_opts, .scan = scan, .session = session};
    lr_vg_t *vg = NULL;
    rc = rp_plan_start(p, scan, opts, err);
    if (!rc)
        rc = plan_lvs(&c, session, err);
    free_ctx(&c);
    if (!rc)
        rc = rp_check_text(p, opts, &vg, err);
    if (!rc)
        rc = rp_plan_finish(p, session, ios, vg, opts, err);
    lr_vg_free(vg);
    if (rc) {
        lr_repair_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

bool lr_repair_plan_brings_lv(const lr_repair_plan_t *p, const char *old_name)
{
    if (!p || !old_name)
        return false;
    if (!p->n_lvs)
        return true;
    for (size_t i = 0; i < p->n_lvs; i++)
        if (p->lvs[i].old_name && strcmp(p->lvs[i].old_name, old_name) == 0)
            return true;
    return false;
}

bool lr_repair_plan_warning_applies(const lr_repair_plan_t *p, const lr_ev_warning_t *w)
{
    if (!p || !w)
        return false;
    if (!p->n_lvs)
        return true;
    /* bringing back LVs leaves the VG's other LVs as they are now */
    return w->kind != LR_EV_WARN_EMPTY && lr_repair_plan_brings_lv(p, w->lv);
}
