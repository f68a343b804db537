/* The one version chooser: what a user names (a VG, a seqno, maybe a
 * checksum) to the one version it means, or a refusal that says what would
 * settle it (LR_HINT_CHOOSE_VG / LR_HINT_CHOOSE_CRC) with every candidate
 * as data. Restore, diff, export, extract and the programs all use it, so
 * "ambiguous" and "not found" are decided and worded once. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lr/scan.h"
#include "lr/strbuf.h"

/* ---- the version key ------------------------------------------------------ */

/* Decimal digits only: strtoull alone would take signs and spaces. */
static bool sc_parse_u64(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 20)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

int lr_scan_crc_parse(const char *s, uint32_t *crc)
{
    if (!s || !crc)
        return -EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = strlen(s);
    if (n == 0 || n > 8)
        return -EINVAL;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d > 15)
            return -EINVAL;
        x = x << 4 | d;
    }
    *crc = x;
    return 0;
}

int lr_scan_seqno_parse(const char *s, uint64_t *seqno)
{
    if (!s || !seqno)
        return -EINVAL;
    if (strncmp(s, "seqno=", 6) == 0)
        s += 6;
    return sc_parse_u64(s, strlen(s), seqno) ? 0 : -EINVAL;
}

int lr_scan_pick_parse(const char *s, lr_scan_pick_t *pick)
{
    if (!s || !pick || strncmp(s, "seqno=", 6) != 0)
        return -EINVAL;
    s += 6;
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    uint64_t seqno;
    uint32_t crc = 0;
    if (!sc_parse_u64(s, n, &seqno))
        return -EINVAL;
    if (colon && (strncmp(colon + 1, "crc=", 4) != 0 || lr_scan_crc_parse(colon + 5, &crc)))
        return -EINVAL;
    pick->has_seqno = true;
    pick->seqno = seqno;
    pick->has_crc = colon != NULL;
    pick->crc = crc;
    return 0;
}

/* ---- choosing ----------------------------------------------------------- */

void lr_scan_selection_free(lr_scan_selection_t *sel)
{
    if (!sel)
        return;
    free(sel->c);
    sel->c = NULL;
    sel->n = 0;
    sel->vg = sel->version = -1;
}

static int push(lr_scan_selection_t *sel, size_t *cap, int vg, int version)
{
    if (sel->n == *cap) {
        size_t n = *cap ? *cap * 2 : 8;
        lr_scan_candidate_t *c = realloc(sel->c, n * sizeof(*c));
        if (!c)
            return -ENOMEM;
        sel->c = c;
        *cap = n;
    }
    sel->c[sel->n++] = (lr_scan_candidate_t){vg, version};
    return 0;
}

static bool version_matches(const lr_scan_version_t *v, const lr_scan_pick_t *p)
{
    if (p->has_seqno && v->seqno != p->seqno)
        return false;
    return !p->has_crc || v->crc == p->crc;
}

int lr_scan_vg_current(const lr_scan_vg_t *g)
{
    if (!g)
        return -1;
    /* LVM2 reads the copy a header commits: versions above it were
     * abandoned (a vgcfgrestore) or never committed (a write interrupted
     * before its header) */
    if (g->committed_latest >= 0 && (size_t)g->committed_latest < g->n_versions &&
        g->versions[g->committed_latest].complete)
        return g->committed_latest;
    return g->latest >= 0 && (size_t)g->latest < g->n_versions ? g->latest : -1;
}

/* The candidates of one VG. Without a seqno only its current version is
 * one (lr_scan_vg_current: what LVM2 uses now). */
static int collect_vg(const lr_scan_t *scan, int vg, const lr_scan_pick_t *p,
                      lr_scan_selection_t *sel, size_t *cap)
{
    const lr_scan_vg_t *g = &scan->vgs[vg];
    if (!p->has_seqno) {
        int cur = lr_scan_vg_current(g);
        if (cur < 0 || !version_matches(&g->versions[cur], p))
            return 0;
        return push(sel, cap, vg, cur);
    }
    for (size_t i = 0; i < g->n_versions; i++)
        if (version_matches(&g->versions[i], p) && push(sel, cap, vg, (int)i))
            return -ENOMEM;
    return 0;
}

static void describe_vg(lr_strbuf_t *b, const lr_scan_vg_t *g)
{
    lr_strbuf_printf(b, "%s (%s)", g->name ? g->name : "?", g->id);
}

/* Seqnos of a VG as ascending ranges ("1..14, 16"); versions are stored
 * newest first. */
static void describe_seqnos(lr_strbuf_t *b, const lr_scan_vg_t *g)
{
    bool first = true;
    size_t i = g->n_versions;
    while (i > 0) {
        uint64_t lo = g->versions[--i].seqno, hi = lo;
        while (i > 0 && g->versions[i - 1].seqno <= hi + 1)
            hi = g->versions[--i].seqno;
        lr_strbuf_printf(b, "%s%" PRIu64, first ? "" : ", ", lo);
        if (hi != lo)
            lr_strbuf_printf(b, "..%" PRIu64, hi);
        first = false;
    }
    if (first)
        lr_strbuf_puts(b, "none");
}

static int set_from(lr_error_t *err, int code, lr_strbuf_t *b, const char *fallback)
{
    char *msg = lr_strbuf_take(b, NULL);
    int rc = lr_error_set(err, code, LR_NO_OFFSET, "%s", msg ? msg : fallback);
    free(msg);
    return rc;
}

/* No VG has the name or UUID: lists the VGs there are. */
static int no_such_vg(const lr_scan_t *scan, const char *key, lr_error_t *err)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "no VG named '%s' (or with that UUID) among the images; found:", key);
    for (size_t i = 0; i < scan->n_vgs && i < 16; i++) {
        lr_strbuf_puts(&b, i ? ", " : " ");
        describe_vg(&b, &scan->vgs[i]);
    }
    lr_strbuf_puts(&b, scan->n_vgs ? (scan->n_vgs > 16 ? ", ..." : "") : " none");
    return set_from(err, LR_ENOTFOUND, &b, "no such VG");
}

/* No version matches: lists the seqnos of the VGs that were looked in. */
static int no_such_version(const lr_scan_t *scan, const lr_scan_pick_t *p, const int *vgs, size_t n,
                           lr_error_t *err)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    if (n == 0) {
        lr_strbuf_puts(&b, "no volume group found in the images");
        return set_from(err, LR_ENOTFOUND, &b, "no volume group");
    }
    if (p->has_seqno)
        lr_strbuf_printf(&b, "no version with seqno %" PRIu64 "%s%s", p->seqno,
                         p->has_crc ? " and that crc" : "", p->vg ? " in that VG" : "");
    else
        lr_strbuf_printf(&b, "no complete version%s", p->has_crc ? " with that crc" : "");
    lr_strbuf_puts(&b, " (versions found:");
    for (size_t i = 0; i < n && i < 8; i++) {
        lr_strbuf_puts(&b, i ? "; " : " ");
        describe_vg(&b, &scan->vgs[vgs[i]]);
        lr_strbuf_puts(&b, " seqno ");
        describe_seqnos(&b, &scan->vgs[vgs[i]]);
    }
    lr_strbuf_puts(&b, n > 8 ? "; ...)" : ")");
    return set_from(err, LR_ENOTFOUND, &b, "no such version");
}

/* Several complete versions match: which choice would settle it. A VG
 * with two of them needs a checksum; candidates in several VGs need the
 * VG named. */
static unsigned choice_hints(const lr_scan_t *scan, const lr_scan_selection_t *sel)
{
    unsigned hints = 0;
    int first_vg = -1;
    for (size_t i = 0; i < sel->n; i++) {
        const lr_scan_candidate_t *c = &sel->c[i];
        if (!scan->vgs[c->vg].versions[c->version].complete)
            continue;
        if (first_vg >= 0 && c->vg != first_vg)
            hints |= LR_HINT_CHOOSE_VG;
        for (size_t j = i + 1; j < sel->n; j++)
            if (sel->c[j].vg == c->vg && scan->vgs[c->vg].versions[sel->c[j].version].complete)
                hints |= LR_HINT_CHOOSE_CRC;
        if (first_vg < 0)
            first_vg = c->vg;
    }
    return hints;
}

static int ambiguous(const lr_scan_t *scan, const lr_scan_pick_t *p, const lr_scan_selection_t *sel,
                     lr_error_t *err)
{
    unsigned hints = choice_hints(scan, sel);
    if (p->has_seqno)
        return lr_error_refuse(err, hints, "%zu versions match seqno %" PRIu64, sel->n, p->seqno);
    return lr_error_refuse(err, hints, "%zu volume groups have a newest version", sel->n);
}

/* Decides among the candidates: exactly one complete version is the
 * answer; none or several is a refusal. */
static int decide(const lr_scan_t *scan, const lr_scan_pick_t *p, lr_scan_selection_t *sel,
                  lr_error_t *err)
{
    size_t complete = 0, pick = 0;
    for (size_t i = 0; i < sel->n; i++)
        if (scan->vgs[sel->c[i].vg].versions[sel->c[i].version].complete) {
            complete++;
            pick = i;
        }
    if (complete > 1)
        return ambiguous(scan, p, sel, err);
    if (complete == 0) {
        const lr_scan_vg_t *g = &scan->vgs[sel->c[0].vg];
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "only damaged or partial copies of VG %s seqno %" PRIu64
                            " survive; none is complete",
                            g->name ? g->name : "?", g->versions[sel->c[0].version].seqno);
    }
    sel->vg = sel->c[pick].vg;
    sel->version = sel->c[pick].version;
    return 0;
}

/* Indexes of the VGs the pick names (every VG without a name). */
static int named_vgs(const lr_scan_t *scan, const char *key, int **out, size_t *n)
{
    int *idx = malloc((scan->n_vgs ? scan->n_vgs : 1) * sizeof(*idx));
    if (!idx)
        return -ENOMEM;
    *n = scan->n_vgs;
    if (key)
        *n = lr_scan_find_vgs(scan, key, idx, scan->n_vgs);
    else
        for (size_t i = 0; i < scan->n_vgs; i++)
            idx[i] = (int)i;
    if (*n > scan->n_vgs)
        *n = scan->n_vgs;
    *out = idx;
    return 0;
}

int lr_scan_select(const lr_scan_t *scan, const lr_scan_pick_t *pick, lr_scan_selection_t *sel,
                   lr_error_t *err)
{
    if (!sel)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "select: invalid arguments");
    *sel = (lr_scan_selection_t){.vg = -1, .version = -1};
    if (!scan || !pick)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "select: invalid arguments");
    int *vgs = NULL;
    size_t n_vgs = 0, cap = 0;
    if (named_vgs(scan, pick->vg, &vgs, &n_vgs))
        return lr_error_oom(err);
    int rc = 0;
    for (size_t i = 0; i < n_vgs && !rc; i++)
        rc = collect_vg(scan, vgs[i], pick, sel, &cap);
    if (rc)
        rc = lr_error_oom(err);
    else if (pick->vg && n_vgs == 0)
        rc = no_such_vg(scan, pick->vg, err);
    else if (sel->n == 0)
        rc = no_such_version(scan, pick, vgs, n_vgs, err);
    else
        rc = decide(scan, pick, sel, err);
    free(vgs);
    if (rc && rc != LR_EREFUSED)
        lr_scan_selection_free(sel);
    return rc;
}

int lr_scan_select_one(const lr_scan_t *scan, const lr_scan_pick_t *pick, int *vg, int *version,
                       lr_error_t *err)
{
    lr_scan_selection_t sel;
    int rc = lr_scan_select(scan, pick, &sel, err);
    if (vg)
        *vg = sel.vg;
    if (version)
        *version = sel.version;
    lr_scan_selection_free(&sel);
    return rc;
}

bool lr_scan_locate_pv(const lr_scan_t *s, const char *vg_raw, const char *pv_raw, int *image,
                       uint64_t *pv_start)
{
    if (!s || !vg_raw || !pv_raw || !image || !pv_start)
        return false;
    for (size_t v = 0; v < s->n_vgs; v++) {
        if (strcmp(s->vgs[v].id_raw, vg_raw) != 0)
            continue;
        for (size_t i = 0; i < s->vgs[v].n_pvs; i++) {
            const lr_scan_vg_pv_t *p = &s->vgs[v].pvs[i];
            if (strcmp(p->id_raw, pv_raw) == 0 && p->found != LR_SCAN_PV_MISSING && p->image >= 0 &&
                (size_t)p->image < s->n_images && p->pv_start != LR_SCAN_UNKNOWN) {
                *image = p->image;
                *pv_start = p->pv_start;
                return true;
            }
        }
    }
    /* labels: a valid one wins over one that only parsed */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->n_labels; i++) {
            const lr_scan_label_t *l = &s->labels[i];
            if ((pass == 0 && !l->valid) || strcmp(l->label.pv_uuid, pv_raw) != 0 || l->image < 0 ||
                (size_t)l->image >= s->n_images)
                continue;
            *image = l->image;
            *pv_start = l->pv_start;
            return true;
        }
    }
    for (size_t v = 0; v < s->n_vgs; v++) {
        if (strcmp(s->vgs[v].id_raw, vg_raw) != 0)
            continue;
        for (size_t i = 0; i < s->vgs[v].n_old_pvs; i++) {
            const lr_scan_vg_pv_t *p = &s->vgs[v].old_pvs[i];
            if (strcmp(p->id_raw, pv_raw) == 0 &&
                (p->found == LR_SCAN_PV_LOCATION || p->found == LR_SCAN_PV_RENAMED) &&
                p->image >= 0 && (size_t)p->image < s->n_images) {
                *image = p->image;
                *pv_start = p->pv_start;
                return true;
            }
        }
    }
    return false;
}
