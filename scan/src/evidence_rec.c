/* Evidence: which version to restore, and the warnings a restore deserves.
 *
 * A destructive event is a version that removed or shrank an LV or left
 * none (and, after the newest version, another VG taking extents of this
 * VG's PVs: a re-initialised PV); LVs moved to another VG (vgsplit) are
 * not lost. Its loss is recoverable while some lost
 * extent was taken by no later LV. The recommendation is the version just
 * before the recoverable event ranked first, and each other recoverable
 * event gives an alternative. Ranked by content evidence first (what the
 * lost LVs' starts hold now: their own signature, none, or a later LV's;
 * a filesystem the restore would truncate counts against), then by age,
 * the earliest event first; a version that is a step inside the command
 * of its event (one command writing several versions) comes after one
 * before the whole command. A version with no LVs is never recommended
 * when an earlier one had LVs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "lr/fmt.h"
#include "lr/strbuf.h"

static size_t visible(const lr_ev_version_t *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_lvs; i++)
        n += v->lvs[i].visible;
    return n;
}

static const lr_ev_lv_t *find_lv(const lr_ev_version_t *v, const lr_ev_lv_t *like)
{
    for (size_t i = 0; i < v->n_lvs; i++) {
        const lr_ev_lv_t *l = &v->lvs[i];
        if (like->id && l->id ? strcmp(l->id, like->id) == 0 : strcmp(l->name, like->name) == 0)
            return l;
    }
    return NULL;
}

/* The PV extents LV `lv` of view vg holds on the PV with raw UUID pv_raw
 * (none for a NULL lv), appended to v. */
static int lv_ranges(const lr_vg_t *vg, const lr_lv_t *lv, const char *pv_raw, lr_ev_range_t **v,
                     size_t *n, size_t *cap)
{
    if (!vg || !lv)
        return 0;
    lr_pv_area_iter_t it = lr_pv_areas(vg);
    lr_pv_area_t a;
    while (lr_pv_area_next(&it, &a))
        if (&vg->lvs[a.lv] == lv && a.len && strcmp(vg->pvs[a.pv].raw_id, pv_raw) == 0 &&
            ev_push_range(v, n, cap, a.start, a.start + a.len - 1))
            return -ENOMEM;
    return 0;
}

/* Lost extents of LV l of version p (gone or cut in version e), how many
 * of them no later LV took, by range arithmetic, and how many lie on a PV
 * no image holds (*unknown: whether something took them is not known, so
 * they are not counted untouched). */
static int lost_extents(const ev_ctx_t *c, size_t g, size_t p, size_t e, size_t l, uint64_t *lost,
                        uint64_t *untouched, uint64_t *unknown)
{
    const lr_vg_t *pv = c->views[g][p], *ev = c->views[g][e];
    const lr_ev_lv_t *o = &c->ev->vgs[g].versions[p].lvs[l];
    const lr_lv_t *after = o->id ? lr_vg_find_lv_by_id(ev, o->id) : lr_vg_find_lv(ev, o->name);
    *lost = *untouched = *unknown = 0;
    lr_ev_range_t *r = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    lr_pv_area_iter_t it = lr_pv_areas(pv);
    lr_pv_area_t a;
    while (!rc && lr_pv_area_next(&it, &a)) {
        if (a.lv != l || a.len == 0)
            continue;
        uint64_t first = a.start, last = a.start + a.len - 1;
        n = 0;
        rc = lv_ranges(ev, after, pv->pvs[a.pv].raw_id, &r, &n, &cap);
        if (rc)
            break;
        size_t n_kept = n;
        uint64_t kept = ev_covered(first, last, r, n_kept);
        rc = ev_reuse_ranges(o, pv->pvs[a.pv].key, &r, &n, &cap);
        if (rc)
            break;
        uint64_t kept_or_taken = ev_covered(first, last, r, n);
        int image;
        uint64_t at;
        *lost += a.len - kept;
        if (lr_scan_locate_pv(c->scan, pv->raw_id, pv->pvs[a.pv].raw_id, &image, &at))
            *untouched += a.len - kept_or_taken;
        else
            *unknown += a.len - kept_or_taken;
    }
    free(r);
    return rc;
}

static void put_ranges(lr_strbuf_t *b, const lr_ev_reuse_t *r)
{
    lr_strbuf_printf(b, "%s:", r->pv);
    for (size_t k = 0; k < r->n_ranges; k++) {
        if (r->ranges[k].first == r->ranges[k].last)
            lr_strbuf_printf(b, "%s%" PRIu64, k ? "," : "", r->ranges[k].first);
        else
            lr_strbuf_printf(b, "%s%" PRIu64 "-%" PRIu64, k ? "," : "", r->ranges[k].first,
                             r->ranges[k].last);
    }
}

/* "root's extents pv0:0-3 were reused by scratch (seqno 8) and now hold its
 * ext4" for each reuse (only other-VG ones when other_only). */
static void put_reuse(lr_strbuf_t *b, const lr_ev_lv_t *o, bool other_only)
{
    for (size_t i = 0; i < o->n_reuse; i++) {
        const lr_ev_reuse_t *r = &o->reuse[i];
        if (other_only && !r->other_vg)
            continue;
        lr_strbuf_printf(b, "; %s's extents ", o->name);
        put_ranges(b, r);
        lr_strbuf_printf(b, " were reused by %s%s%s (seqno %" PRIu64 ")", r->other_vg ? r->vg : "",
                         r->other_vg ? "/" : "", r->lv, r->seqno);
        if (r->taker_content)
            lr_strbuf_printf(b, " and now hold its %s", r->taker_content);
        else
            lr_strbuf_puts(b, ", no signature found there");
    }
}

/* Whether VG h was taken into g (its PV now g's: vgmerge into g, or g is
 * h under a new id after vgchange -u) no later than g's version `seqno`:
 * h's versions then predate that event, so an LV of g's missing from g
 * there did not move to h. An unknown "since" counts as before. */
static bool absorbed_before(const ev_ctx_t *c, size_t h, size_t g, uint64_t seqno)
{
    const lr_scan_vg_t *sh = &c->scan->vgs[h], *sg = &c->scan->vgs[g];
    if (!(sh->status & LR_SCAN_VG_SUPERSEDED) || sh->superseded_by != (int)g)
        return false;
    if (sh->superseded_since < 0 || (size_t)sh->superseded_since >= sg->n_versions)
        return true;
    return sg->versions[sh->superseded_since].seqno <= seqno;
}

/* The VG another than g whose newest loaded version holds LV o by its
 * UUID: vgsplit and vgmerge move an LV with its UUID, so it left g at its
 * version `seqno` without being lost. A VG taken into g before then
 * (absorbed_before) is no destination: it holds the LV from before. NULL
 * when none. */
static const char *moved_to(const ev_ctx_t *c, size_t g, uint64_t seqno, const lr_ev_lv_t *o)
{
    if (!o->id)
        return NULL;
    for (size_t h = 0; h < c->ev->n_vgs; h++) {
        const lr_ev_vg_t *vg = &c->ev->vgs[h];
        size_t v = 0;
        while (v < vg->n_versions && !vg->versions[v].loaded)
            v++;
        if (h == g || v == vg->n_versions || !c->views[h][v] || absorbed_before(c, h, g, seqno))
            continue;
        if (lr_vg_find_lv_by_id(c->views[h][v], o->id))
            return c->views[h][v]->name;
    }
    return NULL;
}

/* The version of VG g LVM2 uses: the newest committed one, else the
 * newest loaded one the disks hold (not only a backup file,
 * beyond_disks); -1 when none. */
static int newest_on_disks(const ev_ctx_t *c, size_t g);

/* The versions written after version e, newest first: the chain of
 * ev_prev_version from the newest version on the disks back to e. NULL
 * with *n 0 when e is not on it (or out of memory: nothing is said undone
 * then). Caller frees. */
static size_t *written_after(const ev_ctx_t *c, size_t g, size_t e, size_t *n)
{
    size_t nv = c->ev->vgs[g].n_versions;
    size_t *v = malloc((nv ? nv : 1) * sizeof(*v));
    *n = 0;
    int k = newest_on_disks(c, g);
    while (v && k >= 0 && (size_t)k != e && *n < nv) {
        v[(*n)++] = (size_t)k;
        k = ev_prev_version(c, g, (size_t)k);
    }
    if (!v || k < 0 || (size_t)k != e) {
        free(v);
        *n = 0;
        return NULL;
    }
    return v;
}

/* ---- the newest version holding each LV ------------------------------------ */

/* Without seqnos written twice, every version written after version e is
 * newer (a lower index), so an LV lost at e that no newer version holds is
 * not back: answered here without walking the later versions (a long
 * history of removals asked it of every event, for every later version). */
static int index_newest(ev_ctx_t *c, size_t g)
{
    if (ev_seqnos_repeat(c, g))
        return 0;
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    for (size_t k = vg->n_versions; k-- > 0;) {
        const lr_vg_t *v = vg->versions[k].loaded ? c->views[g][k] : NULL;
        for (size_t l = 0; v && l < v->n_lvs; l++) {
            if (!v->lvs[l].raw_id[0])
                continue;
            if (ev_key_grow(&c->newest, &c->newest_cap, c->newest_n))
                return -ENOMEM;
            ev_cache_ent_t *e = ev_key_slot(c->newest, c->newest_cap, v->lvs[l].raw_id);
            if (!e->key) {
                if (!(e->key = ev_strdup(v->lvs[l].raw_id)))
                    return -ENOMEM;
                c->newest_n++;
            }
            e->layout = k; /* walked oldest first: the newest last */
        }
    }
    return 0;
}

static void free_newest(ev_ctx_t *c)
{
    for (size_t i = 0; i < c->newest_cap; i++)
        free(c->newest[i].key);
    free(c->newest);
    c->newest = NULL;
    c->newest_cap = c->newest_n = 0;
}

/* Whether a version newer than e may hold the LV of UUID raw (true when
 * not indexed). */
static bool newer_holds(const ev_ctx_t *c, const char *raw, size_t e)
{
    if (!c->newest_cap || !raw[0])
        return true;
    const ev_cache_ent_t *x = ev_key_slot(c->newest, c->newest_cap, raw);
    return x->key && x->layout < e;
}

/* Whether LV o of version p, lost at version e, is back whole in a version
 * written after e, at the same places (by UUID and mapping: a vgcfgrestore
 * of an older version brings its LVs back where they were): that loss was
 * undone, not one to restore. An LV extended again after a reduce is not
 * back: its extents map elsewhere (evidence_remap.c). */
static bool undone_later(const ev_ctx_t *c, size_t g, size_t p, size_t e, const lr_ev_lv_t *o)
{
    const lr_vg_t *pv = c->views[g][p];
    const lr_lv_t *was = o->id && pv ? lr_vg_find_lv_by_id(pv, o->id) : NULL;
    if (!was)
        return false;
    if (!newer_holds(c, was->raw_id, e))
        return false;
    size_t n = 0;
    size_t *after = written_after(c, g, e, &n);
    bool back = false;
    for (size_t i = 0; i < n && !back; i++) {
        const lr_vg_t *v = c->views[g][after[i]];
        const lr_lv_t *l = v ? lr_vg_find_lv_by_id(v, o->id) : NULL;
        back = l && l->extent_count >= was->extent_count &&
               ev_same_place(pv, was, v, l, was->extent_count);
    }
    free(after);
    return back;
}

/* Whether every LV the event at version e removed or shrank (from version
 * p) now lives on in another VG (a move: vgsplit) or is back in a later
 * write (undone_later): not a loss. */
static bool only_moves(const ev_ctx_t *c, size_t g, size_t p, size_t e)
{
    const lr_ev_version_t *pv = &c->ev->vgs[g].versions[p], *ev = &c->ev->vgs[g].versions[e];
    bool any = false;
    for (size_t l = 0; l < pv->n_lvs; l++) {
        const lr_ev_lv_t *o = &pv->lvs[l], *now = find_lv(ev, o);
        if (!o->visible || (now && now->extents >= o->extents))
            continue;
        if (!undone_later(c, g, p, e, o) && (now || !moved_to(c, g, ev->seqno, o)))
            return false;
        any = true;
    }
    return any;
}

/* What an event at version e (previous loaded version p) lost; returns
 * whether some of it is untouched. *had: it lost extents of its own (a
 * thin LV has none: its blocks are its pool's). */
static bool put_losses(const ev_ctx_t *c, size_t g, size_t p, size_t e, lr_strbuf_t *b, bool *had)
{
    const lr_ev_version_t *pv = &c->ev->vgs[g].versions[p], *ev = &c->ev->vgs[g].versions[e];
    bool any = false;
    for (size_t l = 0; l < pv->n_lvs; l++) {
        const lr_ev_lv_t *o = &pv->lvs[l];
        if (!o->visible)
            continue;
        const lr_ev_lv_t *now = find_lv(ev, o);
        if ((now && now->extents >= o->extents) || undone_later(c, g, p, e, o))
            continue;
        uint64_t lost, untouched, unknown;
        if (lost_extents(c, g, p, e, l, &lost, &untouched, &unknown))
            lost = untouched = unknown = 0; /* out of memory: say nothing rather than guess */
        if (lost == 0)
            continue;
        *had = true;
        put_reuse(b, o, false);
        lr_strbuf_printf(b, "; %" PRIu64 " of %s's %" PRIu64 " %s extents are untouched", untouched,
                         o->name, lost, now ? "cut" : "lost");
        if (unknown)
            lr_strbuf_printf(b, ", %" PRIu64 " lie on a PV not among the images", unknown);
        /* a PV not among the images may still be found: its extents count */
        any |= untouched > 0 || unknown > 0;
    }
    return any;
}

/* The later writes a restore undoes, listed by their changes: the first
 * ones after the event, then how many more. A long history (LVM2 archive
 * files of years) made one line of thousands of changes per event, and the
 * report and JSON grew with the square of the versions. */
#define EV_UNDOES_LISTED 12

/* With seqnos written twice (ev_seqnos_repeat): the changes of the
 * versions written after e, oldest first, each with its seqno: "undoes
 * the later writes 6 (-b), 4 (+a 2 MiB, -c)". */
static void put_undone_writes(const ev_ctx_t *c, size_t g, size_t e, lr_strbuf_t *b)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    size_t n = 0;
    size_t *after = written_after(c, g, e, &n);
    size_t listed = 0, more = 0;
    for (size_t i = n; i-- > 0;) {
        const lr_ev_version_t *v = &vg->versions[after[i]];
        if (!v->change || !*v->change)
            continue;
        if (listed == EV_UNDOES_LISTED) {
            more++;
            continue;
        }
        lr_strbuf_printf(b, "%s%" PRIu64 " (%s)",
                         listed ? ", " : "; restoring it also undoes the later writes ", v->seqno,
                         v->change);
        listed++;
    }
    if (more)
        lr_strbuf_printf(b, ", and %zu later write%s", more, more == 1 ? "" : "s");
    free(after);
}

/* The changes of versions newer than e, oldest first: "10–11 (+scratch, ...)". */
static void put_undoes(const lr_ev_vg_t *vg, size_t e, lr_strbuf_t *b)
{
    bool first = true;
    uint64_t lo = 0, hi = 0;
    size_t listed = 0, more = 0;
    lr_strbuf_t list = LR_STRBUF_INIT;
    int cur = ev_current(vg);
    for (size_t k = e; k-- > 0;) {
        const lr_ev_version_t *v = &vg->versions[k];
        /* newer than what the disks commit (a backup file): nothing to undo */
        if (!v->loaded || !v->change || !*v->change ||
            (cur >= 0 && v->seqno > vg->versions[cur].seqno))
            continue;
        if (first)
            lo = v->seqno;
        hi = v->seqno;
        first = false;
        if (listed == EV_UNDOES_LISTED) {
            more++;
            continue;
        }
        lr_strbuf_printf(&list, "%s%s", listed ? ", " : "", v->change);
        listed++;
    }
    if (more)
        lr_strbuf_printf(&list, "; and %zu later write%s", more, more == 1 ? "" : "s");
    if (!first) {
        if (lo == hi)
            lr_strbuf_printf(b, "; restoring it also undoes %" PRIu64 " (%s)", lo, list.s);
        else
            lr_strbuf_printf(b, "; restoring it also undoes %" PRIu64 "–%" PRIu64 " (%s)", lo, hi,
                             list.s);
    }
    lr_strbuf_free(&list);
}

/* ---- content evidence --------------------------------------------------------- */

/* The content of the LV that took reuse r; NULL when its indexes name none. */
static const lr_ev_content_t *taker_content(const lr_evidence_t *ev, const lr_ev_reuse_t *r)
{
    if (r->taker_vg < 0 || (size_t)r->taker_vg >= ev->n_vgs)
        return NULL;
    const lr_ev_vg_t *g = &ev->vgs[r->taker_vg];
    if (r->taker_version < 0 || (size_t)r->taker_version >= g->n_versions)
        return NULL;
    const lr_ev_version_t *v = &g->versions[r->taker_version];
    return r->taker_lv < v->n_lvs ? &v->lvs[r->taker_lv].content : NULL;
}

const lr_ev_reuse_t *ev_head_taker(const lr_evidence_t *ev, const lr_ev_lv_t *o)
{
    const lr_ev_content_t *c = &o->content;
    if (c->state != LR_EV_FOUND)
        return NULL;
    for (size_t i = 0; i < o->n_reuse; i++) {
        const lr_ev_content_t *t = taker_content(ev, &o->reuse[i]);
        if (t && t->state == LR_EV_FOUND && ev_same_str(t->type, c->type) &&
            ev_same_str(t->uuid, c->uuid) && ev_same_str(t->label, c->label))
            return &o->reuse[i];
    }
    return NULL;
}

/* Whether LV l of version p is what the event at version e lost: gone or
 * shrunk there; for e < 0 (another VG took extents after the newest
 * version), taken by another VG. */
static bool lost_at(const lr_ev_vg_t *vg, size_t p, int e, size_t l)
{
    const lr_ev_lv_t *o = &vg->versions[p].lvs[l];
    if (!o->visible)
        return false;
    if (e < 0) {
        for (size_t i = 0; i < o->n_reuse; i++)
            if (o->reuse[i].other_vg)
                return true;
        return false;
    }
    const lr_ev_lv_t *now = find_lv(&vg->versions[e], o);
    return !now || now->extents < o->extents;
}

/* "; " between items of one list. */
static void put_sep(lr_strbuf_t *b)
{
    if (b->len)
        lr_strbuf_puts(b, "; ");
}

/* A found signature's type; libblkid always names one, but never trust. */
static const char *type_of(const lr_ev_content_t *c)
{
    return c->type ? c->type : "signature";
}

/* "restoring it truncates home's ext4 (a 16 MiB filesystem in a 4 MiB LV)" */
static void put_truncates(lr_strbuf_t *b, const lr_ev_lv_t *o)
{
    char fs[32], lv[32];
    put_sep(b);
    lr_strbuf_printf(b, "restoring it truncates %s's %s (a %s filesystem in a %s LV)", o->name,
                     type_of(&o->content),
                     lr_fmt_size(o->content.fs_size, LR_FMT_SIZE_WHOLE, fs, sizeof(fs)),
                     lr_fmt_size(o->size, LR_FMT_SIZE_WHOLE, lv, sizeof(lv)));
}

int ev_current(const lr_ev_vg_t *vg)
{
    if (vg->current >= 0 && (size_t)vg->current < vg->n_versions &&
        vg->versions[vg->current].loaded)
        return vg->current;
    for (size_t k = 0; k < vg->n_versions; k++)
        if (vg->versions[k].loaded)
            return (int)k;
    return -1;
}

/* The version the disks hold now (ev_current), or NULL. */
static const lr_ev_version_t *current(const lr_ev_vg_t *vg, size_t *at)
{
    int k = ev_current(vg);
    if (k < 0)
        return NULL;
    *at = (size_t)k;
    return &vg->versions[k];
}

/* Whether restoring version p as a whole removes LV l of version `now`
 * (the current one): visible, holding a signature (later work), absent
 * from p. */
static bool removed_later(const lr_ev_vg_t *vg, size_t p, size_t now, const lr_ev_lv_t *l)
{
    return now < p && l->visible && l->content.state == LR_EV_FOUND &&
           !find_lv(&vg->versions[p], l);
}

/* LVs with a signature that only versions newer than the current one hold
 * (backup or archive files, a write never committed), which p lacks: not
 * on the disks, so restoring p removes nothing of them. Said where it
 * would have counted: "newt's ext4 is only in seqno 5, newer than seqno 3
 * the disks commit: not counted". */
static void put_not_on_disks(lr_strbuf_t *b, const lr_ev_vg_t *vg, size_t p, size_t now)
{
    for (size_t k = 0; k < now; k++) {
        const lr_ev_version_t *v = &vg->versions[k];
        if (!v->loaded || v->seqno <= vg->versions[now].seqno)
            continue;
        for (size_t l = 0; l < v->n_lvs; l++) {
            const lr_ev_lv_t *o = &v->lvs[l];
            bool seen = false; /* said already for a newer version */
            for (size_t j = 0; j < k && !seen; j++)
                seen = vg->versions[j].loaded && find_lv(&vg->versions[j], o);
            if (seen || !removed_later(vg, p, k, o) || find_lv(&vg->versions[now], o))
                continue;
            put_sep(b);
            lr_strbuf_printf(b,
                             "%s's %s is only in seqno %" PRIu64 ", newer than seqno %" PRIu64
                             " the disks commit: not counted",
                             o->name, type_of(&o->content), v->seqno, vg->versions[now].seqno);
        }
    }
}

/* "restoring it as a whole removes newx's ext4 and new2's swap, made after
 * it (bringing back only the lost LV keeps them)" */
static void put_removes(lr_strbuf_t *b, lr_strbuf_t *note, const lr_ev_vg_t *vg, size_t p)
{
    size_t at = 0, k = 0;
    const lr_ev_version_t *now = current(vg, &at);
    for (size_t l = 0; now && l < now->n_lvs; l++) {
        const lr_ev_lv_t *o = &now->lvs[l];
        if (!removed_later(vg, p, at, o))
            continue;
        if (!k++) {
            put_sep(b);
            lr_strbuf_puts(b, "restoring it as a whole removes ");
        } else {
            lr_strbuf_puts(b, " and ");
        }
        lr_strbuf_printf(b, "%s's %s", o->name, type_of(&o->content));
    }
    if (k)
        lr_strbuf_printf(b, ", made after it (bringing back only the lost LV keeps %s)",
                         k > 1 ? "them" : "it");
    if (now)
        put_not_on_disks(note, vg, p, at);
}

/* The names put_removes words, into r. */
static int set_removes(lr_ev_rec_t *r, const lr_ev_vg_t *vg, size_t p)
{
    size_t at = 0;
    const lr_ev_version_t *now = current(vg, &at);
    for (size_t l = 0; now && l < now->n_lvs; l++) {
        if (!removed_later(vg, p, at, &now->lvs[l]))
            continue;
        const char **nv = realloc(r->removes, (r->n_removes + 1) * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        r->removes = nv;
        nv[r->n_removes++] = now->lvs[l].name;
    }
    return 0;
}

/* "pv0:18-21" */
static void put_place(lr_strbuf_t *b, const char *pv, uint64_t pe, uint64_t n)
{
    lr_strbuf_printf(b, "%s:%" PRIu64 "-%" PRIu64, pv, pe, pe + n - 1);
}

/* LVs of the version that the current one maps elsewhere (lr_ev_move_t):
 * moved with their data copied (pvmove) is against it: restoring it points
 * them back at a stale copy, which an old signature there makes look
 * intact. Remapped across a gap (reduced, extended elsewhere) is said in
 * note: the old extents hold what was written before the reduce. */
static void put_moved(lr_strbuf_t *against, lr_strbuf_t *note, const lr_ev_version_t *v)
{
    for (size_t l = 0; l < v->n_lvs; l++) {
        const lr_ev_lv_t *o = &v->lvs[l];
        for (size_t i = 0; i < o->n_moved; i++) {
            const lr_ev_move_t *m = &o->moved[i];
            uint64_t n = m->last - m->first + 1;
            lr_strbuf_t *b = m->gap ? note : against;
            put_sep(b);
            lr_strbuf_printf(b, "%s's extents %" PRIu64 "-%" PRIu64 " %s seqno %" PRIu64 " (now ",
                             o->name, m->first, m->last,
                             m->gap ? "map elsewhere since" : "were moved at", m->seqno);
            put_place(b, m->pv, m->pe, n);
            lr_strbuf_puts(b, "): restoring it points them back at ");
            put_place(b, m->was_pv, m->was_pe, n);
            lr_strbuf_puts(b, m->gap ? ", which hold what was written before they left the LV"
                                     : ", the stale copy the move left");
        }
    }
}

/* Whether restoring version v points an LV back at a stale copy (a move
 * with its data copied since, lr_ev_move_t.gap false). */
static bool has_stale(const lr_ev_version_t *v)
{
    for (size_t l = 0; l < v->n_lvs; l++)
        for (size_t i = 0; i < v->lvs[l].n_moved; i++)
            if (!v->lvs[l].moved[i].gap)
                return true;
    return false;
}

lr_ev_grade_t ev_grade(const lr_evidence_t *ev, size_t g, size_t p, int e, lr_strbuf_t *why)
{
    const lr_ev_vg_t *vg = &ev->vgs[g];
    const lr_ev_version_t *v = &vg->versions[p];
    lr_strbuf_t own = LR_STRBUF_INIT, against = LR_STRBUF_INIT, none = LR_STRBUF_INIT;
    lr_strbuf_t missing = LR_STRBUF_INIT, unknown = LR_STRBUF_INIT;
    for (size_t l = 0; l < v->n_lvs; l++) {
        const lr_ev_lv_t *o = &v->lvs[l];
        const lr_ev_content_t *c = &o->content;
        if (o->visible && c->state == LR_EV_FOUND && c->fs_size > o->size)
            put_truncates(&against, o);
        if (!lost_at(vg, p, e, l))
            continue;
        const lr_ev_reuse_t *r = ev_head_taker(ev, o);
        if (r) {
            put_sep(&against);
            lr_strbuf_printf(&against, "%s's start now holds %s%s%s's %s", o->name,
                             r->other_vg ? r->vg : "", r->other_vg ? "/" : "", r->lv, type_of(c));
        } else if (c->state == LR_EV_FOUND) {
            put_sep(&own);
            lr_strbuf_printf(&own, "%s's own %s is still at its start", o->name, type_of(c));
        } else if (c->state == LR_EV_EMPTY) {
            lr_strbuf_printf(&none, "%s%s", none.len ? ", " : "", o->name);
        } else {
            /* never read, or read without a verdict: not "no signature" */
            lr_strbuf_t *to = c->state == LR_EV_MISSING_PV ? &missing : &unknown;
            lr_strbuf_printf(to, "%s%s", to->len ? ", " : "", o->name);
        }
    }
    lr_strbuf_t note = LR_STRBUF_INIT;
    put_removes(&against, &note, vg, p);
    put_moved(&against, &note, v);
    lr_ev_grade_t grade = against.len ? LR_EV_GRADE_AGAINST
                          : own.len   ? LR_EV_GRADE_OWN
                                      : LR_EV_GRADE_NO_SIGNATURE;
    if (why && grade == LR_EV_GRADE_AGAINST)
        lr_strbuf_printf(why, "; ranked lower: %s", against.s ? against.s : "");
    else if (why && grade == LR_EV_GRADE_OWN)
        lr_strbuf_printf(why, "; %s", own.s ? own.s : "");
    else if (why && none.len)
        lr_strbuf_printf(why, "; no signature found at the start of %s", none.s ? none.s : "");
    if (why && grade == LR_EV_GRADE_NO_SIGNATURE && missing.len)
        lr_strbuf_printf(why, "; the start of %s was not read: its PV is not among the images",
                         missing.s);
    if (why && grade == LR_EV_GRADE_NO_SIGNATURE && unknown.len)
        lr_strbuf_printf(why, "; what the start of %s holds is not known", unknown.s);
    if (why && note.len)
        lr_strbuf_printf(why, "; %s", note.s);
    lr_strbuf_free(&note);
    lr_strbuf_free(&missing);
    lr_strbuf_free(&unknown);
    lr_strbuf_free(&own);
    lr_strbuf_free(&against);
    lr_strbuf_free(&none);
    return grade;
}

typedef struct cand {
    size_t version; /* index to recommend */
    char *reason;
    bool recoverable;
    bool had; /* it lost extents of its own */
    lr_ev_grade_t grade;
    bool stale; /* restoring it points an LV moved since at its old copy */
    bool mid;   /* the version is a step inside the command of its event */
} cand_t;

static int add_cand(cand_t **v, size_t *n, size_t version, lr_strbuf_t *b, bool recoverable,
                    bool had, lr_ev_grade_t grade)
{
    char *reason = lr_strbuf_take(b, NULL);
    cand_t *nv = reason ? realloc(*v, (*n + 1) * sizeof(**v)) : NULL;
    if (!nv) {
        free(reason);
        return -ENOMEM;
    }
    *v = nv;
    nv[(*n)++] = (cand_t){version, reason, recoverable, had, grade, false, false};
    return 0;
}

/* Whether version e is a later write of the command run that wrote
 * version p: LVM2 numbers a command's writes ("Write from CMD." for the
 * first, "Write[2] from CMD." for the second...), and one command may
 * write several versions (vgreduce --removemissing: one per LV it removes,
 * then one without the PV). The description's command line is the same
 * (--config included) within one run. */
static bool same_run(const ev_ctx_t *c, size_t g, size_t p, size_t e)
{
    const lr_scan_vg_t *sv = &c->scan->vgs[g];
    if (p >= sv->n_versions || e >= sv->n_versions)
        return false;
    const char *dp = sv->versions[p].description, *de = sv->versions[e].description;
    size_t wp = lr_evidence_write_prefix(dp), we = lr_evidence_write_prefix(de);
    return wp && we && we > strlen("Write from ") && strcmp(dp + wp, de + we) == 0;
}

/* For a version p inside a command run (same_run with the event e): says
 * so, naming the last version before the whole command. */
static void put_mid(const ev_ctx_t *c, size_t g, size_t p, lr_strbuf_t *b)
{
    size_t q = p;
    int before = ev_prev_version(c, g, q);
    while (before >= 0 && same_run(c, g, (size_t)before, q)) {
        q = (size_t)before;
        before = ev_prev_version(c, g, q);
    }
    lr_strbuf_printf(b, "; seqno %" PRIu64 " is a step inside that same command",
                     c->ev->vgs[g].versions[p].seqno);
    if (before >= 0)
        lr_strbuf_printf(b, " (seqno %" PRIu64 " is the last version before it)",
                         c->ev->vgs[g].versions[before].seqno);
}

/* An event at version e whose previous loaded version is p. */
static int event_cand(ev_ctx_t *c, size_t g, size_t p, size_t e, cand_t **cands, size_t *n)
{
    lr_ev_vg_t *vg = &c->ev->vgs[g];
    lr_ev_version_t *ev = &vg->versions[e];
    if (only_moves(c, g, p, e)) {
        ev->events = 0; /* nothing lost: not a destructive event */
        return 0;
    }
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "the last version before %s%s%s (seqno %" PRIu64 ")",
                     ev->command ? "`" : "", ev->command ? ev->command : ev->event_text,
                     ev->command ? "`" : "", ev->seqno);
    if (ev_seqnos_repeat(c, g))
        put_undone_writes(c, g, e, &b);
    else
        put_undoes(vg, e, &b);
    bool had = false;
    ev->recoverable = put_losses(c, g, p, e, &b, &had);
    bool mid = same_run(c, g, p, e);
    if (mid)
        put_mid(c, g, p, &b);
    lr_ev_grade_t grade = ev_grade(c->ev, g, p, (int)e, &b);
    int rc = add_cand(cands, n, p, &b, ev->recoverable, had, grade);
    if (!rc) {
        (*cands)[*n - 1].stale = has_stale(&vg->versions[p]);
        (*cands)[*n - 1].mid = mid;
    }
    return rc;
}

/* After the newest version another VG took extents: a re-initialised PV. */
static int reinit_cand(ev_ctx_t *c, size_t g, size_t newest, cand_t **cands, size_t *n)
{
    lr_ev_version_t *v = &c->ev->vgs[g].versions[newest];
    const lr_ev_reuse_t *first = NULL;
    uint64_t total = 0, untouched = 0;
    for (size_t l = 0; l < v->n_lvs; l++) {
        const lr_ev_lv_t *o = &v->lvs[l];
        for (size_t i = 0; i < o->n_reuse; i++)
            if (o->reuse[i].other_vg && !first)
                first = &o->reuse[i];
        if (o->visible) {
            total += o->pv_extents;
            untouched += o->pv_extents - o->pv_extents_reused;
        }
    }
    if (!first)
        return 0;
    v->events |= LR_EV_EVENT_REINIT;
    v->recoverable = untouched > 0;
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "the newest version; afterwards VG %s (seqno %" PRIu64 ") re-used its PV",
                     first->vg, first->seqno);
    for (size_t l = 0; l < v->n_lvs; l++)
        if (v->lvs[l].visible)
            put_reuse(&b, &v->lvs[l], true);
    lr_strbuf_printf(&b, "; %" PRIu64 " of its %" PRIu64 " LV extents are untouched", untouched,
                     total);
    lr_ev_grade_t grade = ev_grade(c->ev, g, newest, -1, &b);
    return add_cand(cands, n, newest, &b, v->recoverable, true, grade);
}

static int set_rec(lr_ev_rec_t *r, const lr_ev_vg_t *vg, const cand_t *c)
{
    r->version = (int)c->version;
    r->seqno = vg->versions[c->version].seqno;
    r->reason = strdup(c->reason);
    r->grade = c->grade;
    r->n_removes = 0;
    r->removes = NULL;
    return r->reason ? set_removes(r, vg, c->version) : -ENOMEM;
}

/* No recoverable loss: the newest version with LVs, unless a 0-LV version
 * is newest and older ones had LVs. events: some version removed or shrank
 * an LV; reused: some such loss had extents of its own (all taken since);
 * beyond: newer versions only files hold were left out (beyond_disks);
 * uncommitted: a newer text no header commits was left out
 * (never_committed). */
static int fallback(lr_ev_vg_t *vg, int newest, bool events, bool reused, bool beyond,
                    bool uncommitted)
{
    if (newest < 0) {
        vg->no_recommendation = strdup("no version of this VG could be read");
        return vg->no_recommendation ? 0 : -ENOMEM;
    }
    bool older_lvs = false;
    for (size_t k = (size_t)newest + 1; k < vg->n_versions; k++)
        older_lvs |= vg->versions[k].loaded && visible(&vg->versions[k]) > 0;
    if (visible(&vg->versions[newest]) == 0 && older_lvs) {
        vg->no_recommendation = strdup("the newest version has no LVs and what the older versions "
                                       "held was reused since");
        return vg->no_recommendation ? 0 : -ENOMEM;
    }
    vg->has_recommended = true;
    vg->recommended.version = newest;
    vg->recommended.seqno = vg->versions[newest].seqno;
    lr_strbuf_t b = LR_STRBUF_INIT;
    if (uncommitted)
        lr_strbuf_puts(&b, "the newest committed version, the one LVM2 uses (a newer text was "
                           "written but never committed): ");
    else
        lr_strbuf_puts(&b, beyond ? "the newest version on the disks: " : "the newest version: ");
    if (reused)
        lr_strbuf_puts(&b, "what earlier versions lost was reused by later LVs since");
    else if (events)
        lr_strbuf_puts(&b, "what earlier versions removed had no extents of its own to restore "
                           "(a thin LV's blocks are its pool's)");
    else
        lr_strbuf_puts(&b, "no LV was removed or shrunk in the history found");
    if (beyond)
        lr_strbuf_puts(&b, "; newer versions only backup/archive files hold are not on them");
    vg->recommended.reason = lr_strbuf_take(&b, NULL);
    return vg->recommended.reason ? 0 : -ENOMEM;
}

/* Within a grade, a candidate that points no LV back at a stale copy
 * comes before one that does (a later version with the moved LVs at their
 * new place before an earlier one with them at the old). */
static bool moved_before(const cand_t *a, const cand_t *b)
{
    return a->recoverable == b->recoverable && a->grade == b->grade && !a->stale && b->stale;
}

/* A candidate before the whole of a command comes before one that is a
 * step inside a command (the accident is the command, not its last step),
 * unless the content speaks against it. */
static bool mid_after(const cand_t *a, const cand_t *b)
{
    return a->recoverable == b->recoverable && !a->mid && b->mid && a->grade != LR_EV_GRADE_AGAINST;
}

/* Recoverable candidates first, then one before a whole command before one
 * inside a command (mid_after), then by grade, highest first; within a
 * grade, one pointing no LV at a stale copy first, then the order they
 * came in (the earliest event first). A stable insertion sort: a VG has a
 * handful of events. */
static void ev_rank(cand_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        cand_t x = v[i];
        size_t j = i;
        while (j > 0 && !mid_after(&v[j - 1], &x) &&
               (mid_after(&x, &v[j - 1]) ||
                ev_cand_before(x.recoverable, x.grade, v[j - 1].recoverable, v[j - 1].grade) ||
                moved_before(&x, &v[j - 1]))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

bool ev_cand_before(bool rec_a, lr_ev_grade_t a, bool rec_b, lr_ev_grade_t b)
{
    if (rec_a != rec_b)
        return rec_a;
    return a > b;
}

/* The recommendation cands[first] outranks earlier events' candidates
 * (later in the ranked list, with an older event): say so in its reason. */
static int outranked(const lr_ev_vg_t *vg, cand_t *cands, size_t n, size_t first)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    size_t k = 0;
    for (size_t i = first + 1; i < n; i++) {
        if (!cands[i].recoverable || cands[i].grade >= cands[first].grade || cands[i].stale ||
            vg->versions[cands[i].version].seqno >= vg->versions[cands[first].version].seqno)
            continue;
        lr_strbuf_printf(&b, "%s%" PRIu64, k++ ? ", " : "", vg->versions[cands[i].version].seqno);
    }
    lr_strbuf_t m = LR_STRBUF_INIT;
    size_t km = 0;
    for (size_t i = first + 1; i < n; i++)
        if (cands[i].recoverable && cands[i].stale && !cands[first].stale &&
            cands[i].grade <= cands[first].grade &&
            vg->versions[cands[i].version].seqno < vg->versions[cands[first].version].seqno)
            lr_strbuf_printf(&m, "%s%" PRIu64, km++ ? ", " : "",
                             vg->versions[cands[i].version].seqno);
    lr_strbuf_t mm = LR_STRBUF_INIT;
    size_t kmm = 0;
    for (size_t i = first + 1; i < n; i++)
        if (cands[i].recoverable && cands[i].mid && !cands[first].mid &&
            cands[i].grade > cands[first].grade)
            lr_strbuf_printf(&mm, "%s%" PRIu64, kmm++ ? ", " : "",
                             vg->versions[cands[i].version].seqno);
    if (!k && !km && !kmm) {
        lr_strbuf_free(&mm);
        return 0;
    }
    lr_strbuf_t r = LR_STRBUF_INIT;
    lr_strbuf_puts(&r, cands[first].reason);
    if (k)
        lr_strbuf_printf(&r, "; content evidence ranks it above the earlier seqno %s",
                         b.s ? b.s : "");
    if (km)
        lr_strbuf_printf(&r,
                         "; ranked above the earlier seqno %s: it keeps the LVs moved since at "
                         "their new place",
                         m.s ? m.s : "");
    if (kmm)
        lr_strbuf_printf(&r,
                         "; ranked above seqno %s: a step inside the command that lost the LVs, "
                         "not the state before it",
                         mm.s ? mm.s : "");
    lr_strbuf_free(&b);
    lr_strbuf_free(&m);
    lr_strbuf_free(&mm);
    char *s = lr_strbuf_take(&r, NULL);
    if (!s)
        return -ENOMEM;
    free(cands[first].reason);
    cands[first].reason = s;
    return 0;
}

/* A VG whose PV moved to another VG (vgmerge, vgsplit) has nothing to
 * restore: its version would make two VGs claim that PV. Sets
 * no_recommendation and returns 1 then, 0 when the VG did not move, or
 * -ENOMEM. */
static int moved_away(ev_ctx_t *c, size_t g)
{
    const lr_scan_vg_t *sv = &c->scan->vgs[g];
    if (sv->superseded_how != LR_SCAN_SUPERSEDED_MOVED || sv->superseded_by < 0 ||
        (size_t)sv->superseded_by >= c->scan->n_vgs)
        return 0;
    const char *fmt = sv->superseded_new_id
                          ? "this is VG %s under its old id (vgchange -u gave it a new one): "
                            "restoring a version of the old id would make two VGs claim its PVs"
                          : "its PV now belongs to VG %s (moved by vgmerge or vgsplit): "
                            "restoring a version of this VG would make two VGs claim that PV";
    const char *by = c->scan->vgs[sv->superseded_by].name;
    size_t len = strlen(fmt) + strlen(by) + 1;
    char *m = malloc(len);
    if (!m)
        return -ENOMEM;
    snprintf(m, len, fmt, by);
    c->ev->vgs[g].no_recommendation = m;
    return 1;
}

/* A version only backup or archive files hold, newer than the latest (what
 * the disks hold): the disks never had it, so what it lost was not lost
 * from them and it is no state of theirs to restore. */
static bool beyond_disks(const lr_scan_vg_t *sv, size_t k)
{
    const lr_scan_version_t *v = &sv->versions[k];
    return sv->latest >= 0 && v->seqno > sv->versions[sv->latest].seqno &&
           v->n_backup_copies == v->n_copies;
}

bool ev_beyond_disks(const ev_ctx_t *c, size_t g, size_t k)
{
    return g < c->scan->n_vgs && k < c->scan->vgs[g].n_versions &&
           beyond_disks(&c->scan->vgs[g], k);
}

static int newest_on_disks(const ev_ctx_t *c, size_t g)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    /* LVM2 uses the newest committed version (ev_current): any above it
     * were abandoned (a vgcfgrestore) or never committed */
    int k = ev_current(vg);
    if (k >= 0 && !beyond_disks(&c->scan->vgs[g], (size_t)k))
        return k;
    for (size_t v = 0; v < vg->n_versions; v++)
        if (vg->versions[v].loaded && !beyond_disks(&c->scan->vgs[g], v))
            return (int)v;
    return -1;
}

/* A version newer than the committed one that no header commits, after a
 * write interrupted before its header (LR_SCAN_VG_INTERRUPTED): LVM2
 * never used it, so what it changed never happened on the disks and it is
 * no state to restore. (Versions above a vgcfgrestore's commit were used:
 * the restore is an event of their history.) */
static bool never_committed(const ev_ctx_t *c, size_t g, size_t k)
{
    const lr_scan_vg_t *sv = &c->scan->vgs[g];
    int cur = ev_current(&c->ev->vgs[g]);
    return (sv->status & LR_SCAN_VG_INTERRUPTED) && cur >= 0 && k < (size_t)cur &&
           !sv->versions[k].committed;
}

static bool any_had(const cand_t *cands, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cands[i].had)
            return true;
    return false;
}

int ev_recommend(ev_ctx_t *c, size_t g)
{
    lr_ev_vg_t *vg = &c->ev->vgs[g];
    int mv = moved_away(c, g);
    if (mv)
        return mv < 0 ? mv : 0;
    cand_t *cands = NULL;
    size_t n = 0;
    int rc = index_newest(c, g), prev = -1, newest = -1;
    bool events = false, beyond = false, uncommitted = false;
    for (size_t k = vg->n_versions; !rc && k-- > 0;) {
        lr_ev_version_t *v = &vg->versions[k];
        if (v->loaded && beyond_disks(&c->scan->vgs[g], k))
            beyond = true;
        else if (v->loaded && never_committed(c, g, k))
            uncommitted = true;
        if (!v->loaded || beyond_disks(&c->scan->vgs[g], k) || never_committed(c, g, k))
            continue;
        /* the version written before (ev_prev_version: the next older
         * seqno's, or by ring order when a vgcfgrestore wrote seqnos again) */
        prev = ev_prev_version(c, g, k);
        if (prev >= 0 && v->events && visible(&vg->versions[prev]) > 0) {
            rc = event_cand(c, g, (size_t)prev, k, &cands, &n);
            events |= v->events != 0; /* event_cand clears a mere move */
        }
        newest = (int)k;
    }
    if (!rc && newest >= 0)
        rc = reinit_cand(c, g, (size_t)newest, &cands, &n);
    if (!rc)
        ev_rank(cands, n);
    bool have = false;
    for (size_t i = 0; !rc && i < n; i++) {
        if (!cands[i].recoverable)
            continue;
        if (!have) {
            have = vg->has_recommended = true;
            rc = outranked(vg, cands, n, i);
            if (!rc)
                rc = set_rec(&vg->recommended, vg, &cands[i]);
            continue;
        }
        lr_ev_rec_t *a = realloc(vg->alternatives, (vg->n_alternatives + 1) * sizeof(*a));
        if (!a) {
            rc = -ENOMEM;
            break;
        }
        vg->alternatives = a;
        rc = set_rec(&a[vg->n_alternatives++], vg, &cands[i]);
    }
    if (!rc && !have)
        rc = fallback(vg, newest, events || n > 0, any_had(cands, n), beyond, uncommitted);
    for (size_t i = 0; i < n; i++)
        free(cands[i].reason);
    free(cands);
    free_newest(c);
    return rc;
}

/* ---- warnings ----------------------------------------------------------------- */

static int push_warning(lr_ev_warning_t **v, size_t *n, const lr_ev_warning_t *w)
{
    lr_ev_warning_t *nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    *v = nv;
    nv[(*n)++] = *w;
    return 0;
}

int lr_evidence_warnings(const lr_evidence_t *ev, size_t g, size_t version, lr_ev_warning_t **out,
                         size_t *n, lr_error_t *err)
{
    if (!out || !n)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    *n = 0;
    if (!ev || g >= ev->n_vgs || version >= ev->vgs[g].n_versions)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "no such VG or version");
    const lr_ev_vg_t *vg = &ev->vgs[g];
    const lr_ev_version_t *v = &vg->versions[version];
    int rc = 0;
    for (size_t l = 0; !rc && l < v->n_lvs; l++) {
        const lr_ev_lv_t *o = &v->lvs[l];
        for (size_t i = 0; !rc && i < o->n_reuse; i++) {
            if (!o->reuse[i].taker_content)
                continue;
            lr_ev_warning_t w = {.kind = LR_EV_WARN_REUSED, .lv = o->name, .reuse = &o->reuse[i]};
            rc = push_warning(out, n, &w);
        }
        if (!rc && o->content.state == LR_EV_FOUND && o->content.fs_size > o->size) {
            lr_ev_warning_t w = {.kind = LR_EV_WARN_FS_LARGER,
                                 .lv = o->name,
                                 .lv_size = o->size,
                                 .fs_size = o->content.fs_size,
                                 .fs_type = o->content.type};
            rc = push_warning(out, n, &w);
        }
        for (size_t i = 0; !rc && i < o->n_remap; i++) {
            if (!o->remap[i].fs_reaches)
                continue;
            lr_ev_warning_t w = {.kind = LR_EV_WARN_REMAPPED,
                                 .lv = o->name,
                                 .remap = &o->remap[i],
                                 .fs_size = o->content.fs_size,
                                 .fs_type = o->content.type};
            rc = push_warning(out, n, &w);
        }
        /* only older versions than the current one have moves; a gap is
           no copy left behind (a remap: its own warning, above) */
        for (size_t i = 0; !rc && i < o->n_moved; i++) {
            if (o->moved[i].gap)
                continue;
            lr_ev_warning_t w = {.kind = LR_EV_WARN_MOVED, .lv = o->name, .move = &o->moved[i]};
            rc = push_warning(out, n, &w);
        }
    }
    if (!rc && v->loaded && visible(v) == 0) {
        for (size_t k = version + 1; k < vg->n_versions; k++) {
            if (!vg->versions[k].loaded || visible(&vg->versions[k]) == 0)
                continue;
            lr_ev_warning_t w = {.kind = LR_EV_WARN_EMPTY, .seqno = vg->versions[k].seqno};
            rc = push_warning(out, n, &w);
            break;
        }
    }
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        return lr_error_oom(err);
    }
    return 0;
}

const char *lr_ev_grade_name(lr_ev_grade_t g)
{
    switch (g) {
    case LR_EV_GRADE_AGAINST:
        return "against";
    case LR_EV_GRADE_NO_SIGNATURE:
        return "no_signature";
    case LR_EV_GRADE_OWN:
        return "own_signature";
    case LR_EV_GRADE_NONE:
        break;
    }
    return NULL;
}
