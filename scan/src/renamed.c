/* PVs given a new UUID in place (pvchange -u, vgimportclone): older
 * versions list the PV under its old UUID, which no label carries any
 * more. The version right after the last one listing the old UUID lists
 * the new one at the same key, device hint, size, data start and extent
 * count (lr_pv_same_in_place, the rule the diff pairs PVs by); where that
 * new UUID's label is, the old one is. The later version may be the same
 * VG's or, after vgchange -u, the VG that superseded it as the same VG
 * under a new id (superseded_new_id). */
#include "scan_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rn_ver {
    int vg; /* index into the scan's vgs */
    uint64_t seqno;
    const lr_scan_copy_t *copy; /* the version's best copy */
    lr_vg_t *meta;              /* parsed on first use; NULL when it does not parse */
    bool parsed;
} rn_ver_t;

/* The complete versions of a VG and of the VGs that took it over under new
 * ids, oldest first. */
typedef struct rn_chain {
    sc_ctx_t *c;
    rn_ver_t *v;
    size_t n;
    int vgs[8]; /* the chain's VGs, the first the one being resolved */
    size_t n_vgs;
} rn_chain_t;

typedef struct rn_place {
    int image;
    uint64_t pv_start;
    int label;
} rn_place_t;

static int cmp_ver(const void *x, const void *y)
{
    const rn_ver_t *a = x, *b = y;
    return (a->seqno > b->seqno) - (a->seqno < b->seqno);
}

static const lr_vg_t *ver_meta(rn_chain_t *ch, size_t i)
{
    if (!ch->v[i].parsed) {
        ch->v[i].meta = sc_parse_copy(ch->c, ch->v[i].copy);
        ch->v[i].parsed = true;
    }
    return ch->v[i].meta;
}

/* The PVs version i lists. The copy keeps the ids of a text that parsed,
 * so no version is parsed only to be looked through; a copy without them
 * (no memory when it was read) is parsed. */
static size_t ver_n_pvs(rn_chain_t *ch, size_t i)
{
    const lr_scan_copy_t *cp = ch->v[i].copy;
    if (cp->pv_ids)
        return cp->n_pvs > 0 ? (size_t)cp->n_pvs : 0;
    const lr_vg_t *m = ver_meta(ch, i);
    return m ? m->n_pvs : 0;
}

/* The raw id of the p-th PV version i lists into raw (LR_PV_UUID_LEN + 1
 * bytes); false past its last PV or for an id that is not a UUID (which
 * nothing places). */
static bool ver_pv(rn_chain_t *ch, size_t i, size_t p, char *raw)
{
    const lr_scan_copy_t *cp = ch->v[i].copy;
    if (p >= ver_n_pvs(ch, i))
        return false;
    if (cp->pv_ids)
        memcpy(raw, cp->pv_ids + p * LR_PV_UUID_LEN, LR_PV_UUID_LEN);
    else
        memcpy(raw, ver_meta(ch, i)->pvs[p].raw_id, LR_PV_UUID_LEN);
    raw[LR_PV_UUID_LEN] = '\0';
    return strlen(raw) == LR_PV_UUID_LEN;
}

/* Whether version i lists the PV with raw id raw. */
static bool ver_lists(rn_chain_t *ch, size_t i, const char *raw)
{
    char id[LR_PV_UUID_LEN + 1];
    for (size_t p = 0; p < ver_n_pvs(ch, i); p++)
        if (ver_pv(ch, i, p, id) && strcmp(id, raw) == 0)
            return true;
    return false;
}

static void chain_free(rn_chain_t *ch)
{
    for (size_t i = 0; i < ch->n; i++)
        lr_vg_free(ch->v[i].meta);
    free(ch->v);
}

/* VG g, then each VG that superseded the last as the same VG under new
 * ids; 0 or -ENOMEM. */
static int chain_build(sc_ctx_t *c, size_t g, rn_chain_t *ch)
{
    const lr_scan_t *s = c->scan;
    *ch = (rn_chain_t){.c = c};
    size_t total = 0;
    for (int cur = (int)g; cur >= 0 && ch->n_vgs < sizeof(ch->vgs) / sizeof(ch->vgs[0]);) {
        for (size_t k = 0; k < ch->n_vgs; k++)
            if (ch->vgs[k] == cur)
                cur = -1; /* a loop: never in real metadata */
        if (cur < 0)
            break;
        ch->vgs[ch->n_vgs++] = cur;
        total += s->vgs[cur].n_versions;
        const lr_scan_vg_t *vg = &s->vgs[cur];
        cur =
            vg->superseded_new_id && vg->superseded_by >= 0 && (size_t)vg->superseded_by < s->n_vgs
                ? vg->superseded_by
                : -1;
    }
    ch->v = calloc(total ? total : 1, sizeof(*ch->v));
    if (!ch->v)
        return -ENOMEM;
    for (size_t k = 0; k < ch->n_vgs; k++) {
        const lr_scan_vg_t *vg = &s->vgs[ch->vgs[k]];
        for (size_t i = 0; i < vg->n_versions; i++) {
            const lr_scan_copy_t *cp = sc_version_copy(s, &vg->versions[i]);
            if (vg->versions[i].complete && cp)
                ch->v[ch->n++] =
                    (rn_ver_t){.vg = ch->vgs[k], .seqno = vg->versions[i].seqno, .copy = cp};
        }
    }
    qsort(ch->v, ch->n, sizeof(*ch->v), cmp_ver);
    return 0;
}

/* Whether any VG of the chain already places the PV. */
static bool located(const rn_chain_t *ch, const char *raw)
{
    int image;
    uint64_t start;
    for (size_t k = 0; k < ch->n_vgs; k++)
        if (lr_scan_locate_pv(ch->c->scan, ch->c->scan->vgs[ch->vgs[k]].id_raw, raw, &image,
                              &start))
            return true;
    return false;
}

/* The valid label carrying raw UUID `raw`, when exactly one does; -1 if
 * none or several. */
static int label_of(const lr_scan_t *s, const char *raw)
{
    int found = -1;
    for (size_t l = 0; l < s->n_labels; l++) {
        if (!s->labels[l].valid || strcmp(s->labels[l].label.pv_uuid, raw) != 0)
            continue;
        if (found >= 0)
            return -1;
        found = (int)l;
    }
    return found;
}

/* Adds label l's place to *at: 1 while it is the only place seen, 0 when it
 * is a second one (two candidates: neither). */
static int one_place(const lr_scan_t *s, int l, rn_place_t *at)
{
    const lr_scan_label_t *lb = &s->labels[l];
    if (at->label >= 0 && (lb->image != at->image || lb->pv_start != at->pv_start))
        return 0;
    *at = (rn_place_t){.image = lb->image, .pv_start = lb->pv_start, .label = l};
    return 1;
}

/* Where the PV with raw UUID `raw` is, by the PV that replaced it in place
 * in the versions right after the last one listing it; 1 and *at when
 * exactly one place is, else 0. */
static int renamed_place(rn_chain_t *ch, const char *raw, rn_place_t *at)
{
    const lr_scan_t *s = ch->c->scan;
    size_t last = ch->n;
    for (size_t i = 0; i < ch->n; i++)
        if (ver_lists(ch, i, raw))
            last = i;
    if (last == ch->n)
        return 0;
    const lr_vg_t *a = ver_meta(ch, last);
    const lr_pv_t *o = lr_vg_find_pv_by_id(a, raw);
    if (!o)
        return 0; /* the text did not parse again (no memory) */
    *at = (rn_place_t){.label = -1};
    for (size_t i = last + 1; i < ch->n && ch->v[i].seqno <= ch->v[last].seqno + 1; i++) {
        const lr_vg_t *b = ch->v[i].seqno == ch->v[last].seqno + 1 ? ver_meta(ch, i) : NULL;
        for (size_t j = 0; b && j < b->n_pvs; j++) {
            if (strcmp(b->pvs[j].raw_id, raw) == 0 || !lr_pv_same_in_place(a, o, b, &b->pvs[j]))
                continue;
            int l = label_of(s, b->pvs[j].raw_id);
            if (l >= 0 && !one_place(s, l, at))
                return 0;
        }
    }
    return at->label >= 0;
}

static void set_place(lr_scan_vg_pv_t *pv, const rn_place_t *at)
{
    pv->found = LR_SCAN_PV_RENAMED;
    pv->image = at->image;
    pv->pv_start = at->pv_start;
    pv->label = at->label;
}

/* Records PV p (of one of VG vg's versions) as found at *at: its entry in
 * the latest PVs when it is there (*latest set), else a new old_pvs entry. */
static int record(lr_scan_vg_t *vg, const lr_pv_t *p, const rn_place_t *at, bool *latest)
{
    for (size_t i = 0; i < vg->n_pvs; i++) {
        if (strcmp(vg->pvs[i].id_raw, p->raw_id) == 0) {
            set_place(&vg->pvs[i], at);
            *latest = true;
            return 0;
        }
    }
    lr_scan_vg_pv_t pv = {
        .key = sc_strdup(p->key ? p->key : ""), .dev_size = p->dev_size, .pe_start = p->pe_start};
    lr_scan_vg_pv_t *n = realloc(vg->old_pvs, (vg->n_old_pvs + 1) * sizeof(*n));
    if (!pv.key || !n) {
        free(pv.key);
        if (n)
            vg->old_pvs = n;
        return -ENOMEM;
    }
    snprintf(pv.id, sizeof(pv.id), "%s", p->id ? p->id : "");
    snprintf(pv.id_raw, sizeof(pv.id_raw), "%s", p->raw_id);
    set_place(&pv, at);
    vg->old_pvs = n;
    n[vg->n_old_pvs++] = pv;
    return 0;
}

/* A latest PV placed now no longer counts as missing. */
static void restatus(lr_scan_vg_t *vg)
{
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (vg->pvs[i].found == LR_SCAN_PV_MISSING)
            return;
    unsigned st = vg->status & ~(unsigned)(LR_SCAN_VG_MISSING_PVS | LR_SCAN_VG_CONSISTENT);
    vg->status = st ? st : LR_SCAN_VG_CONSISTENT;
}

/* Whether raw is among the first n tried; else adds it (tried has room for
 * every PV of every version). */
static bool tried_before(char (*tried)[LR_PV_UUID_LEN + 1], size_t *n, const char *raw)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(tried[i], raw) == 0)
            return true;
    snprintf(tried[(*n)++], LR_PV_UUID_LEN + 1, "%s", raw);
    return false;
}

/* Every PV VG g's own versions list that nothing places, placed where the
 * PV that replaced it in place is. Each UUID is tried once: a PV missing
 * from every version costs one pass over the chain, not one per version. */
static int resolve_vg(sc_ctx_t *c, size_t g)
{
    rn_chain_t ch;
    if (chain_build(c, g, &ch))
        return -ENOMEM;
    size_t cap = 0, n_tried = 0;
    for (size_t i = 0; i < ch.n; i++)
        if (ch.v[i].vg == (int)g && ch.v[i].copy->n_pvs > 0)
            cap += (size_t)ch.v[i].copy->n_pvs;
    char(*tried)[LR_PV_UUID_LEN + 1] = calloc(cap ? cap : 1, sizeof(*tried));
    int rc = tried ? 0 : -ENOMEM;
    bool latest = false;
    for (size_t i = 0; i < ch.n && !rc; i++) {
        if (ch.v[i].vg != (int)g)
            continue;
        char raw[LR_PV_UUID_LEN + 1];
        for (size_t p = 0; p < ver_n_pvs(&ch, i) && n_tried < cap && !rc; p++) {
            rn_place_t at;
            if (!ver_pv(&ch, i, p, raw) || tried_before(tried, &n_tried, raw) ||
                located(&ch, raw) || !renamed_place(&ch, raw, &at))
                continue;
            const lr_pv_t *pv = lr_vg_find_pv_by_id(ver_meta(&ch, i), raw);
            if (pv)
                rc = record(&c->scan->vgs[g], pv, &at, &latest);
        }
    }
    free(tried);
    chain_free(&ch);
    /* only a VG whose latest PV this placed: another's status is not ours */
    if (latest)
        restatus(&c->scan->vgs[g]);
    return rc;
}

int sc_mark_renamed(sc_ctx_t *c)
{
    for (size_t g = 0; g < c->scan->n_vgs; g++)
        if (resolve_vg(c, g))
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}
