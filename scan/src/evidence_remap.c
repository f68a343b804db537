/* Evidence: logical ranges of an LV that map elsewhere than they did.
 *
 * `lvreduce` below a filesystem, another LV on the freed extents, then
 * `lvextend` onto other extents: the LV has its old size again, the
 * filesystem at its start claims all of it, but the logical extents that
 * were out of the LV in between now map to other PV extents — what was
 * written there before is not there. For every LV of every loaded version
 * the history is walked back (older versions, by LV UUID); a logical
 * extent is remapped when, across a gap where the LV did not hold it, the
 * PV extent it mapped to before the gap differs from where the version
 * ending the gap (the extend) put it.
 *
 * A change of mapping without a gap is no remap: a finished pvmove (or an
 * lvconvert) commits the new mapping only after LVM2 copied the data, so
 * the data moved with it. Ranges that were only added (lvextend of new
 * space) have no earlier mapping. Only linear areas are compared (a
 * one-stripe "striped" segment on a PV); anything else is left alone.
 *
 * Range arithmetic: the LV's logical extents are cut at every segment
 * boundary and size of every version of it, and each piece is decided once
 * (within a piece every version maps it by one offset, or not at all), so
 * crafted extent counts cost nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/sort.h"
#include "evidence_int.h"
#include "scan_int.h"

/* Where logical extent le of lv maps: the PV and the offset pe - le. */
typedef struct map {
    bool present; /* le is inside the LV */
    bool known;   /* a linear area on a PV */
    int pv;       /* index into the version's pvs */
    int64_t delta;
} map_t;

static map_t map_le(const lr_vg_t *vg, const lr_lv_t *lv, uint64_t le)
{
    map_t m = {0};
    if (!lv || le >= lv->extent_count)
        return m;
    m.present = true;
    size_t lo = 0, hi = lv->n_segs; /* segments are sorted and contiguous */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lr_seg_t *s = &lv->segs[mid];
        if (le < s->start_extent)
            hi = mid;
        else if (le - s->start_extent >= s->extent_count)
            lo = mid + 1;
        else {
            const lr_seg_area_t *a = s->n_areas == 1 ? &s->areas[0] : NULL;
            if (strcmp(s->type, "striped") != 0 || s->stripe_count != 1 || !a || a->pv_index < 0 ||
                (size_t)a->pv_index >= vg->n_pvs)
                return m;
            m.known = true;
            m.pv = a->pv_index;
            m.delta = (int64_t)(a->start - s->start_extent);
            return m;
        }
    }
    return m;
}

static bool same_place(const lr_vg_t *a, map_t x, const lr_vg_t *b, map_t y)
{
    /* a PV given a new UUID in place (pvchange -u) is still the same disk */
    return x.delta == y.delta && lr_pv_same_in_place(a, &a->pvs[x.pv], b, &b->pvs[y.pv]);
}

/* The segment of lv holding logical extent le, or NULL. */
static const lr_seg_t *seg_at(const lr_lv_t *lv, uint64_t le)
{
    for (size_t i = 0; lv && i < lv->n_segs; i++)
        if (le >= lv->segs[i].start_extent &&
            le - lv->segs[i].start_extent < lv->segs[i].extent_count)
            return &lv->segs[i];
    return NULL;
}

/* Two segments laid out alike: same extents, type, stripes and areas
 * (PVs by UUID or renamed in place, sub-LVs by name) -- for layouts map_le does not compare. */
static bool same_seg(const lr_vg_t *a, const lr_seg_t *x, const lr_vg_t *b, const lr_seg_t *y)
{
    if (x->start_extent != y->start_extent || x->extent_count != y->extent_count ||
        strcmp(x->type, y->type) != 0 || x->stripe_count != y->stripe_count ||
        x->stripe_size != y->stripe_size || x->n_areas != y->n_areas)
        return false;
    for (size_t i = 0; i < x->n_areas; i++) {
        const lr_seg_area_t *p = &x->areas[i], *q = &y->areas[i];
        bool pv = p->pv_index >= 0 && (size_t)p->pv_index < a->n_pvs;
        if (p->start != q->start || pv != (q->pv_index >= 0 && (size_t)q->pv_index < b->n_pvs))
            return false;
        if (pv ? !lr_pv_same_in_place(a, &a->pvs[p->pv_index], b, &b->pvs[q->pv_index])
               : !p->name || !q->name || strcmp(p->name, q->name) != 0)
            return false;
    }
    return true;
}

bool ev_same_place(const lr_vg_t *a, const lr_lv_t *la, const lr_vg_t *b, const lr_lv_t *lb,
                   uint64_t extents)
{
    uint64_t le = 0;
    while (le < extents) {
        const lr_seg_t *x = seg_at(la, le), *y = seg_at(lb, le);
        if (!x || !y)
            return false;
        map_t m = map_le(a, la, le), n = map_le(b, lb, le);
        if (m.known && n.known ? !same_place(a, m, b, n) : !same_seg(a, x, b, y))
            return false;
        uint64_t ex = x->start_extent + x->extent_count, ey = y->start_extent + y->extent_count;
        le = ex < ey ? ex : ey;
    }
    return true;
}

/* One LV of one version and its older versions (NULL where absent). */
typedef struct chain {
    const lr_vg_t **vg;
    const lr_lv_t **lv;
    uint64_t *seqno;
    size_t n;
    lr_strpool_t *pool; /* where the remaps' and moves' strings go */
} chain_t;

/* What the walk found for one piece. */
typedef struct hit {
    size_t red, ext, was; /* chain indexes: the reduce, the extend, before */
    map_t at, before;
} hit_t;

/* Walks back from the newest (chain index 0) for logical extent le. */
static bool walk(const chain_t *ch, uint64_t le, hit_t *h)
{
    size_t ext = 0, red = 0;
    bool gap = false;
    for (size_t j = 1; j < ch->n; j++) {
        map_t m = map_le(ch->vg[j], ch->lv[j], le);
        if (!m.present) {
            gap = true;
            red = j; /* the oldest version of the gap is the reduce */
            continue;
        }
        if (!gap) {
            ext = j; /* still the same run: a move here copied the data */
            continue;
        }
        map_t at = map_le(ch->vg[ext], ch->lv[ext], le);
        if (!at.known || !m.known)
            return false; /* not linear: not compared */
        if (!same_place(ch->vg[ext], at, ch->vg[j], m)) {
            *h = (hit_t){red, ext, j, at, m};
            return true;
        }
        gap = false; /* extended back onto the same extents */
        ext = j;
    }
    return false;
}

/* The pieces: 0, the size and every segment start of every version,
 * below the newest's size; sorted, unique. */
static int cuts(const chain_t *ch, uint64_t **out, size_t *n_out)
{
    uint64_t top = ch->lv[0]->extent_count;
    size_t cap = 2;
    for (size_t j = 0; j < ch->n; j++)
        cap += ch->lv[j] ? ch->lv[j]->n_segs + 1 : 0;
    uint64_t *v = malloc(cap * sizeof(*v));
    if (!v)
        return -ENOMEM;
    size_t n = 0;
    v[n++] = 0;
    for (size_t j = 0; j < ch->n; j++) {
        const lr_lv_t *lv = ch->lv[j];
        for (size_t s = 0; lv && s <= lv->n_segs; s++) {
            uint64_t x = s < lv->n_segs ? lv->segs[s].start_extent : lv->extent_count;
            if (x < top)
                v[n++] = x;
        }
    }
    qsort(v, n, sizeof(*v), lr_u64_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    *out = v;
    *n_out = u;
    return 0;
}

/* Appends the piece [a, b] to o's remaps, joined with the last one when
 * it continues it (same versions, same places). */
static int push(lr_ev_lv_t *o, const chain_t *ch, const hit_t *h, uint64_t a, uint64_t b)
{
    const lr_vg_t *at = ch->vg[h->ext], *was = ch->vg[h->was];
    uint64_t pe = (uint64_t)((int64_t)a + h->at.delta);
    uint64_t was_pe = (uint64_t)((int64_t)a + h->before.delta);
    if (o->n_remap) {
        lr_ev_remap_t *l = &o->remap[o->n_remap - 1];
        if (l->last + 1 == a && l->reduced_seqno == ch->seqno[h->red] &&
            l->extended_seqno == ch->seqno[h->ext] && l->pe + (a - l->first) == pe &&
            l->was_pe + (a - l->first) == was_pe && strcmp(l->pv, at->pvs[h->at.pv].key) == 0 &&
            strcmp(l->was_pv, was->pvs[h->before.pv].key) == 0) {
            l->last = b;
            return 0;
        }
    }
    lr_ev_remap_t *nv = realloc(o->remap, (o->n_remap + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    o->remap = nv;
    lr_ev_remap_t *r = &nv[o->n_remap];
    *r = (lr_ev_remap_t){.first = a,
                         .last = b,
                         .reduced_seqno = ch->seqno[h->red],
                         .extended_seqno = ch->seqno[h->ext],
                         .pv = ev_intern(ch->pool, at->pvs[h->at.pv].key),
                         .pe = pe,
                         .was_pv = ev_intern(ch->pool, was->pvs[h->before.pv].key),
                         .was_pe = was_pe};
    o->n_remap++;
    return r->pv && r->was_pv ? 0 : -ENOMEM;
}

/* Bytes of the remaps and whether the filesystem reaches into them. */
static void finish(lr_ev_lv_t *o, uint64_t ext)
{
    for (size_t i = 0; i < o->n_remap; i++) {
        lr_ev_remap_t *r = &o->remap[i];
        if (__builtin_mul_overflow(r->first, ext, &r->offset))
            r->offset = UINT64_MAX;
        if (__builtin_mul_overflow(r->last - r->first + 1, ext, &r->bytes))
            r->bytes = UINT64_MAX;
        r->fs_reaches = o->content.state == LR_EV_FOUND && o->content.fs_size > r->offset;
    }
}

static int remap_lv(lr_ev_lv_t *o, const chain_t *ch, uint64_t ext)
{
    uint64_t *cut = NULL;
    size_t n = 0;
    int rc = cuts(ch, &cut, &n);
    uint64_t top = ch->lv[0]->extent_count;
    for (size_t i = 0; !rc && i < n; i++) {
        hit_t h;
        uint64_t end = i + 1 < n ? cut[i + 1] - 1 : top - 1;
        if (walk(ch, cut[i], &h))
            rc = push(o, ch, &h, cut[i], end);
    }
    free(cut);
    if (!rc)
        finish(o, ext);
    return rc;
}

/* LV `like` in another version: at the same index first (LVs keep their
 * text order), else looked up, so a long history stays linear. */
static const lr_lv_t *same_lv(const lr_vg_t *vg, const lr_lv_t *like, size_t l)
{
    const lr_lv_t *x = l < vg->n_lvs ? &vg->lvs[l] : NULL;
    if (x && (like->id ? x->id && strcmp(x->id, like->id) == 0 : strcmp(x->name, like->name) == 0))
        return x;
    return like->id ? lr_vg_find_lv_by_id(vg, like->id) : lr_vg_find_lv(vg, like->name);
}

/* ---- which LVs can have a remap at all ------------------------------------ */

/* A remap needs a gap: a version older than the LV's where one of its
 * extents below its size was out of it (the LV shorter there, or absent)
 * after an even older version held it. Walking every LV of every version
 * back through every older version is quadratic in a long history (3000
 * versions of a 60-LV VG, LVM2 archive files of years: 50 s). So the
 * versions are first walked once, oldest first, and each LV key keeps the
 * lowest extent any gap left out; an LV whose extents all lie below it is
 * not walked. Kept over every loaded version, a superset of any chain
 * (one per seqno), so an LV is skipped only when no chain can hold a gap. */
typedef struct gap_ent {
    uint64_t max;        /* the most extents the LV had in the versions added */
    uint64_t low;        /* the lowest extent a gap left out; UINT64_MAX: none */
    size_t seen;         /* the last version added holding it (1-based) */
    size_t vgen;         /* the version vmin and vmax are of */
    uint64_t vmin, vmax; /* its extents in that version (duplicates: both ends) */
} gap_ent_t;

typedef struct gaps {
    ev_cache_ent_t *tab;
    size_t cap, n;
    gap_ent_t *ents;
    size_t added; /* versions added */
} gaps_t;

/* The key same_lv finds lv by in other versions: "i" and its raw UUID, or
 * "n" and its name when it has no id. NULL when it has an id that is no
 * UUID (same_lv then matches it by position only: never skipped), or
 * without memory (*oom). */
static char *gap_key(const lr_lv_t *lv, bool by_id, bool *oom)
{
    const char *s = by_id ? lv->raw_id : lv->name;
    if (by_id && (!lv->id || !lv->raw_id[0]))
        return NULL;
    size_t n = strlen(s) + 2;
    char *k = malloc(n);
    if (!k) {
        *oom = true;
        return NULL;
    }
    k[0] = by_id ? 'i' : 'n';
    memcpy(k + 1, s, n - 1);
    return k;
}

static gap_ent_t *gap_find(const gaps_t *gp, const char *key)
{
    if (!gp->cap)
        return NULL;
    ev_cache_ent_t *e = ev_key_slot(gp->tab, gp->cap, key);
    return e->key ? &gp->ents[e->layout] : NULL;
}

/* The entry of key, made when new; takes key (freed when found). */
static gap_ent_t *gap_get(gaps_t *gp, char *key)
{
    if (ev_key_grow(&gp->tab, &gp->cap, gp->n)) {
        free(key);
        return NULL;
    }
    ev_cache_ent_t *e = ev_key_slot(gp->tab, gp->cap, key);
    if (e->key) {
        free(key);
        return &gp->ents[e->layout];
    }
    gap_ent_t *nv = realloc(gp->ents, (gp->n + 1) * sizeof(*nv));
    if (!nv) {
        free(key);
        return NULL;
    }
    gp->ents = nv;
    nv[gp->n] = (gap_ent_t){.low = UINT64_MAX};
    e->key = key;
    e->layout = gp->n++;
    return &nv[e->layout];
}

/* Whether lv (of a version newer than all added) may have a remap. */
static bool gap_possible(const gaps_t *gp, const lr_lv_t *lv, bool *oom)
{
    char *key = gap_key(lv, lv->id != NULL, oom);
    if (!key)
        return true;
    const gap_ent_t *e = gap_find(gp, key);
    free(key);
    if (!e || e->max == 0)
        return false; /* no older version held any of it */
    if (e->seen < gp->added)
        return true; /* absent from the newest added: a gap from extent 0 */
    return e->low < lv->extent_count;
}

/* Closes lv's entry for the version being added (once per entry). */
static void gap_close(gap_ent_t *e, size_t gen)
{
    if (e->seen == gen)
        return;
    if (e->max > 0 && e->seen + 1 < gen)
        e->low = 0; /* absent from a version in between */
    if (e->vmin < e->max && e->vmin < e->low)
        e->low = e->vmin;
    if (e->vmax > e->max)
        e->max = e->vmax;
    e->seen = gen;
}

/* Adds a version (older than every one added after it), under both keys
 * of each LV. */
static int gap_add(gaps_t *gp, const lr_vg_t *view)
{
    size_t gen = gp->added + 1;
    bool oom = false;
    for (int pass = 0; pass < 2; pass++)
        for (size_t l = 0; l < view->n_lvs; l++)
            for (int by_id = 0; by_id < 2; by_id++) {
                char *key = gap_key(&view->lvs[l], by_id, &oom);
                if (oom)
                    return -ENOMEM;
                if (!key)
                    continue;
                gap_ent_t *e = gap_get(gp, key);
                if (!e)
                    return -ENOMEM;
                uint64_t x = view->lvs[l].extent_count;
                if (pass == 1)
                    gap_close(e, gen);
                else if (e->vgen != gen)
                    *e = (gap_ent_t){e->max, e->low, e->seen, gen, x, x};
                else {
                    e->vmin = x < e->vmin ? x : e->vmin;
                    e->vmax = x > e->vmax ? x : e->vmax;
                }
            }
    gp->added = gen;
    return 0;
}

static void gap_free(gaps_t *gp)
{
    for (size_t i = 0; i < gp->cap; i++)
        free(gp->tab[i].key);
    free(gp->tab);
    free(gp->ents);
}

/* The older loaded versions of VG g below version v, one per seqno
 * (versions are newest first), into ch's arrays (sized by the caller). */
static void older(const ev_ctx_t *c, size_t g, size_t v, chain_t *ch)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    ch->n = 1;
    ch->vg[0] = c->views[g][v];
    ch->seqno[0] = vg->versions[v].seqno;
    for (size_t k = v + 1; k < vg->n_versions; k++) {
        if (!vg->versions[k].loaded || vg->versions[k].seqno >= ch->seqno[ch->n - 1])
            continue;
        ch->vg[ch->n] = c->views[g][k];
        ch->seqno[ch->n++] = vg->versions[k].seqno;
    }
}

static int remap_vg(ev_ctx_t *c, size_t g)
{
    lr_ev_vg_t *vg = &c->ev->vgs[g];
    size_t nv = vg->n_versions;
    chain_t ch = {calloc(nv, sizeof(*ch.vg)), calloc(nv, sizeof(*ch.lv)),
                  calloc(nv, sizeof(*ch.seqno)), 0, c->pool};
    gaps_t gp = {0};
    int rc = ch.vg && ch.lv && ch.seqno ? 0 : -ENOMEM;
    /* oldest first: each version's LVs are looked at against the older
     * versions added before it */
    for (size_t v = nv; !rc && v-- > 0;) {
        if (!vg->versions[v].loaded)
            continue;
        const lr_vg_t *view = c->views[g][v];
        older(c, g, v, &ch);
        uint64_t ext;
        if (__builtin_mul_overflow(view->extent_size, (uint64_t)SC_SECTOR, &ext))
            ext = UINT64_MAX;
        /* a gap needs a version before it and one in it */
        for (size_t l = 0; !rc && ch.n >= 3 && l < view->n_lvs && l < vg->versions[v].n_lvs; l++) {
            bool oom = false;
            ch.lv[0] = &view->lvs[l];
            if (ch.lv[0]->extent_count == 0 || !gap_possible(&gp, ch.lv[0], &oom)) {
                rc = oom ? -ENOMEM : 0;
                continue;
            }
            for (size_t j = 1; j < ch.n; j++)
                ch.lv[j] = same_lv(ch.vg[j], ch.lv[0], l);
            rc = remap_lv(&vg->versions[v].lvs[l], &ch, ext);
        }
        if (!rc)
            rc = gap_add(&gp, view);
    }
    gap_free(&gp);
    free(ch.vg);
    free(ch.lv);
    free(ch.seqno);
    return rc;
}

/* ---- moved since: older versions against the current one ------------------ */

/* Version p and the newer loaded versions up to the current one `cur`
 * (inclusive), oldest first, one per seqno. The version after p in it:
 * its index, or SIZE_MAX. */
static size_t newer(const ev_ctx_t *c, size_t g, size_t p, size_t cur, chain_t *ch)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    size_t next = SIZE_MAX;
    ch->n = 1;
    ch->vg[0] = c->views[g][p];
    ch->seqno[0] = vg->versions[p].seqno;
    for (size_t k = p; k-- > cur;) {
        if (!vg->versions[k].loaded || vg->versions[k].seqno <= ch->seqno[ch->n - 1] ||
            vg->versions[k].seqno > vg->versions[cur].seqno)
            continue;
        if (ch->n == 1)
            next = k;
        ch->vg[ch->n] = c->views[g][k];
        ch->seqno[ch->n++] = vg->versions[k].seqno;
    }
    return next;
}

/* Two versions with the same PVs, in the same order: UUIDs, keys, sizes
 * and places alike, so every PV comparison gives the same answer for one
 * as for the other. */
static bool same_pvs(const lr_vg_t *a, const lr_vg_t *b)
{
    if (a->n_pvs != b->n_pvs)
        return false;
    for (size_t i = 0; i < a->n_pvs; i++) {
        const lr_pv_t *x = &a->pvs[i], *y = &b->pvs[i];
        if (strcmp(x->raw_id, y->raw_id) != 0 || strcmp(x->key, y->key) != 0 ||
            x->dev_size != y->dev_size || x->pe_start != y->pe_start || x->pe_count != y->pe_count)
            return false;
    }
    return true;
}

/* Two LVs alike: name, printed id, and every segment and area (a PV by
 * its key: of versions with same_pvs, the same PV). */
static bool same_layout(const lr_lv_t *a, const lr_lv_t *b)
{
    if (!ev_same_str(a->name, b->name) || !ev_same_str(a->id, b->id) ||
        a->extent_count != b->extent_count || a->n_segs != b->n_segs)
        return false;
    for (size_t s = 0; s < a->n_segs; s++) {
        const lr_seg_t *x = &a->segs[s], *y = &b->segs[s];
        if (x->start_extent != y->start_extent || x->extent_count != y->extent_count ||
            !ev_same_str(x->type, y->type) || x->stripe_count != y->stripe_count ||
            x->stripe_size != y->stripe_size || x->n_areas != y->n_areas)
            return false;
        for (size_t i = 0; i < x->n_areas; i++)
            if (x->areas[i].start != y->areas[i].start ||
                !ev_same_str(x->areas[i].name, y->areas[i].name))
                return false;
    }
    return true;
}

/* Gives o a copy of q's moves (their strings are the pool's, shared). */
static int copy_moves(lr_ev_lv_t *o, const lr_ev_lv_t *q)
{
    if (!q->n_moved)
        return 0;
    o->moved = malloc(q->n_moved * sizeof(*o->moved));
    if (!o->moved)
        return -ENOMEM;
    memcpy(o->moved, q->moved, q->n_moved * sizeof(*o->moved));
    o->n_moved = q->n_moved;
    return 0;
}

/* Appends [a, b] to o's moves, joined with the last one when it continues
 * it. m: the piece as p maps it, at: as the current version maps it. */
static int push_move(lr_ev_lv_t *o, const chain_t *ch, map_t m, map_t at, uint64_t seqno, bool gap,
                     uint64_t a, uint64_t b)
{
    const lr_vg_t *p = ch->vg[0], *cur = ch->vg[ch->n - 1];
    uint64_t pe = (uint64_t)((int64_t)a + at.delta), was_pe = (uint64_t)((int64_t)a + m.delta);
    const char *key = cur->pvs[at.pv].key, *was = p->pvs[m.pv].key;
    if (o->n_moved) {
        lr_ev_move_t *l = &o->moved[o->n_moved - 1];
        if (l->last + 1 == a && l->seqno == seqno && l->gap == gap &&
            l->pe + (a - l->first) == pe && l->was_pe + (a - l->first) == was_pe &&
            strcmp(l->pv, key) == 0 && strcmp(l->was_pv, was) == 0) {
            l->last = b;
            return 0;
        }
    }
    lr_ev_move_t *nv = realloc(o->moved, (o->n_moved + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    o->moved = nv;
    lr_ev_move_t *r = &nv[o->n_moved++];
    *r = (lr_ev_move_t){.first = a,
                        .last = b,
                        .seqno = seqno,
                        .pv = ev_intern(ch->pool, key),
                        .pv_id = ev_intern(ch->pool, cur->pvs[at.pv].id),
                        .pe = pe,
                        .was_pv = ev_intern(ch->pool, was),
                        .was_pe = was_pe,
                        .gap = gap};
    return r->pv && r->pv_id && r->was_pv ? 0 : -ENOMEM;
}

/* Logical extent le of the chain's oldest LV, mapped elsewhere by the
 * newest (the current version): the first version that did, and whether
 * le was out of the LV in between. false when not moved (or not linear). */
static bool moved_le(const chain_t *ch, uint64_t le, map_t *m, map_t *at, uint64_t *seqno,
                     bool *gap)
{
    size_t last = ch->n - 1;
    *m = map_le(ch->vg[0], ch->lv[0], le);
    *at = map_le(ch->vg[last], ch->lv[last], le);
    if (!m->known || !at->known || same_place(ch->vg[0], *m, ch->vg[last], *at))
        return false;
    *gap = false;
    for (size_t j = 1; j < ch->n; j++) {
        map_t x = map_le(ch->vg[j], ch->lv[j], le);
        if (!x.present) {
            *gap = true;
            continue;
        }
        if (!x.known)
            continue; /* a move in progress (pvmove0's mirror): not its end */
        if (same_place(ch->vg[0], *m, ch->vg[j], x)) {
            *gap = false; /* back where it was: the data is there */
            continue;
        }
        *seqno = ch->seqno[j];
        return true;
    }
    return false;
}

static int moved_lv(lr_ev_lv_t *o, const chain_t *ch)
{
    uint64_t *cut = NULL;
    size_t n = 0;
    int rc = cuts(ch, &cut, &n);
    uint64_t top = ch->lv[0]->extent_count;
    for (size_t i = 0; !rc && i < n; i++) {
        map_t m, at;
        uint64_t seqno = 0;
        bool gap = false;
        uint64_t end = i + 1 < n ? cut[i + 1] - 1 : top - 1;
        if (moved_le(ch, cut[i], &m, &at, &seqno, &gap))
            rc = push_move(o, ch, m, at, seqno, gap, cut[i], end);
    }
    free(cut);
    return rc;
}

/* Whether the chain's oldest LV and its newest (the current version's) map
 * some logical extent to other places, comparing the two alone: cut at
 * both LVs' segment boundaries, each piece maps by one offset in each. */
static bool differs(const chain_t *ch)
{
    const lr_lv_t *a = ch->lv[0], *b = ch->lv[ch->n - 1];
    const lr_vg_t *va = ch->vg[0], *vb = ch->vg[ch->n - 1];
    size_t i = 0, j = 0;
    uint64_t le = 0;
    while (le < a->extent_count && i < a->n_segs) {
        map_t x = map_le(va, a, le), y = map_le(vb, b, le);
        if (x.known && y.known && !same_place(va, x, vb, y))
            return true;
        /* the next boundary of either LV */
        while (i < a->n_segs && a->segs[i].start_extent + a->segs[i].extent_count <= le)
            i++;
        while (j < b->n_segs && b->segs[j].start_extent + b->segs[j].extent_count <= le)
            j++;
        uint64_t next =
            i < a->n_segs ? a->segs[i].start_extent + a->segs[i].extent_count : a->extent_count;
        if (j < b->n_segs && b->segs[j].start_extent + b->segs[j].extent_count < next)
            next = b->segs[j].start_extent + b->segs[j].extent_count;
        if (next <= le)
            break; /* segments that do not advance: crafted text */
        le = next;
    }
    return false;
}

/* Every LV of every loaded version older than the current one, against
 * the same LV (by UUID) there (lr_ev_move_t). */
static int moved_vg(ev_ctx_t *c, size_t g)
{
    lr_ev_vg_t *vg = &c->ev->vgs[g];
    int cur = ev_current(vg);
    size_t nv = vg->n_versions;
    if (cur < 0)
        return 0;
    chain_t ch = {calloc(nv, sizeof(*ch.vg)), calloc(nv, sizeof(*ch.lv)),
                  calloc(nv, sizeof(*ch.seqno)), 0, c->pool};
    int rc = ch.vg && ch.lv && ch.seqno ? 0 : -ENOMEM;
    /* newest first: a version's moves are known before the older ones' */
    for (size_t p = (size_t)cur + 1; !rc && p < nv; p++) {
        if (!vg->versions[p].loaded || vg->versions[p].seqno >= vg->versions[cur].seqno)
            continue;
        size_t q = newer(c, g, p, (size_t)cur, &ch);
        const lr_vg_t *view = c->views[g][p];
        /* q, the next version of p's chain, has its moves already (it is
         * not the current one); its chain is p's without p. An LV laid out
         * in p as in q, over the same PVs, moves where q's does: copied,
         * not walked again (a pvmove at the end of a long history moved
         * every LV of every older version) */
        bool from_q = ch.n > 2 && same_pvs(view, ch.vg[1]);
        for (size_t l = 0; !rc && l < view->n_lvs && l < vg->versions[p].n_lvs; l++) {
            ch.lv[0] = &view->lvs[l];
            if (ch.lv[0]->extent_count == 0)
                continue;
            if (from_q && l < vg->versions[q].n_lvs && l < ch.vg[1]->n_lvs &&
                same_layout(ch.lv[0], &ch.vg[1]->lvs[l])) {
                rc = copy_moves(&vg->versions[p].lvs[l], &vg->versions[q].lvs[l]);
                continue;
            }
            ch.lv[ch.n - 1] = same_lv(ch.vg[ch.n - 1], ch.lv[0], l);
            if (!ch.lv[ch.n - 1] || !differs(&ch))
                continue; /* most LVs: where they were (no walk through the versions) */
            for (size_t j = 1; j + 1 < ch.n; j++)
                ch.lv[j] = same_lv(ch.vg[j], ch.lv[0], l);
            rc = moved_lv(&vg->versions[p].lvs[l], &ch);
        }
    }
    free(ch.vg);
    free(ch.lv);
    free(ch.seqno);
    return rc;
}

int ev_remap_all(ev_ctx_t *c)
{
    for (size_t g = 0; g < c->scan->n_vgs; g++) {
        int rc = remap_vg(c, g);
        if (!rc)
            rc = moved_vg(c, g);
        if (rc)
            return rc;
    }
    return 0;
}
