/* Evidence (lr/evidence.h): the LVs of every complete version, their
 * content probed with libblkid once per distinct extent layout, the
 * extents later LVs took, the change summaries and the recommendation.
 * This file builds the tree; evidence_probe.c probes content and
 * evidence_rec.c decides what to recommend. */
#include "lr/evidence.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "lr/diff.h"
#include "lr/fmt.h"
#include "lr/strbuf.h"
#include "lr/sort.h"
#include "scan_int.h"

/* ---- small helpers ------------------------------------------------------- */

char *ev_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *ev_intern(lr_strpool_t *p, const char *s)
{
    return (char *)lr_strpool_intern(p, s);
}

/* Appends one range to a growable array (cap doubles). */
int ev_push_range(lr_ev_range_t **v, size_t *n, size_t *cap, uint64_t first, uint64_t last)
{
    if (*n > 0 && (*v)[*n - 1].last + 1 == first) { /* contiguous: extend */
        (*v)[*n - 1].last = last;
        return 0;
    }
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 4;
        lr_ev_range_t *nv = realloc(*v, c * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = (lr_ev_range_t){first, last};
    return 0;
}

int ev_reuse_ranges(const lr_ev_lv_t *o, const char *pv, lr_ev_range_t **v, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < o->n_reuse; i++) {
        const lr_ev_reuse_t *r = &o->reuse[i];
        if (strcmp(r->pv, pv) != 0)
            continue;
        for (size_t k = 0; k < r->n_ranges; k++)
            if (ev_push_range(v, n, cap, r->ranges[k].first, r->ranges[k].last))
                return -ENOMEM;
    }
    return 0;
}

static int cmp_range(const void *pa, const void *pb)
{
    const lr_ev_range_t *a = pa, *b = pb;
    return a->first < b->first ? -1 : a->first > b->first;
}

uint64_t ev_covered(uint64_t first, uint64_t last, lr_ev_range_t *r, size_t n)
{
    if (n > 1)
        qsort(r, n, sizeof(*r), cmp_range);
    uint64_t covered = 0, next = first; /* extents below `next` are counted */
    for (size_t i = 0; i < n; i++) {
        uint64_t lo = r[i].first > next ? r[i].first : next;
        uint64_t hi = r[i].last < last ? r[i].last : last;
        if (lo > hi || lo > last)
            continue;
        covered += hi - lo + 1;
        if (hi == UINT64_MAX)
            break;
        next = hi + 1;
    }
    return covered;
}

void ev_free_content(lr_ev_content_t *c)
{
    free(c->type);
    free(c->usage);
    free(c->label);
    free(c->uuid);
    free(c->version);
    free(c->detail);
}

/* The LV's arrays; its strings are the pool's (ev_priv_t). */
static void free_lv(lr_ev_lv_t *l)
{
    for (size_t i = 0; i < l->n_reuse; i++)
        free(l->reuse[i].ranges);
    free(l->reuse);
    free(l->remap);
    free(l->moved);
}

void lr_evidence_free(lr_evidence_t *ev)
{
    if (!ev)
        return;
    for (size_t g = 0; g < ev->n_vgs; g++) {
        lr_ev_vg_t *vg = &ev->vgs[g];
        for (size_t v = 0; v < vg->n_versions; v++) {
            lr_ev_version_t *ver = &vg->versions[v];
            for (size_t l = 0; l < ver->n_lvs; l++)
                free_lv(&ver->lvs[l]);
            free(ver->lvs);
            free(ver->error);
            free(ver->command);
            free(ver->change);
            free(ver->event_text);
        }
        free(vg->versions);
        free(vg->recommended.reason);
        free(vg->recommended.removes);
        free(vg->no_recommendation);
        for (size_t a = 0; a < vg->n_alternatives; a++) {
            free(vg->alternatives[a].reason);
            free(vg->alternatives[a].removes);
        }
        free(vg->alternatives);
    }
    free(ev->vgs);
    ev_priv_t *priv = (ev_priv_t *)ev; /* lr_evidence_build made it */
    lr_strpool_free(priv->pool);
    free(priv);
}

const char *lr_ev_state_name(lr_ev_state_t s)
{
    switch (s) {
    case LR_EV_EMPTY:
        return "empty";
    case LR_EV_FOUND:
        return "found";
    case LR_EV_AMBIVALENT:
        return "ambivalent";
    case LR_EV_UNREADABLE:
        return "unreadable";
    case LR_EV_MISSING_PV:
        return "missing_pv";
    case LR_EV_UNSUPPORTED:
        return "unsupported";
    case LR_EV_NO_PROBER:
        return "no_prober";
    case LR_EV_PROBE_ERROR:
        return "probe_error";
    }
    return "unknown";
}

/* ---- the command of a description ---------------------------------------- */

/* Length of the --config argument at p (after "--config" and blanks): a
 * quoted string or one word. */
static size_t config_arg_len(const char *p)
{
    if (*p == '\'' || *p == '"') {
        const char *end = strchr(p + 1, *p);
        return end ? (size_t)(end - p) + 1 : strlen(p);
    }
    return strcspn(p, " ");
}

/* Whether LVM2's own option (two dashes, then "config") starts at s: the
 * dashes are matched apart from the word, as this names no option of ours. */
static bool lvm_config_option(const char *s, size_t left)
{
    return left >= 8 && s[0] == '-' && s[1] == '-' && strncmp(s + 2, "config", 6) == 0;
}

static void strip_config(lr_strbuf_t *b, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        bool at_word = i == 0 || s[i - 1] == ' ';
        if (at_word && lvm_config_option(s + i, len - i) &&
            (i + 8 == len || s[i + 8] == ' ' || s[i + 8] == '=')) {
            size_t j = i + 8;
            while (j < len && (s[j] == ' ' || s[j] == '='))
                j++;
            j += config_arg_len(s + j);
            while (j < len && s[j] == ' ')
                j++;
            i = j > len ? len : j;
            continue;
        }
        lr_strbuf_putn(b, s + i, 1);
        i++;
    }
    while (b->len > 0 && b->s[b->len - 1] == ' ') /* the option was last */
        b->s[--b->len] = '\0';
}

size_t lr_evidence_write_prefix(const char *d)
{
    if (!d || strncmp(d, "Write", 5) != 0)
        return 0;
    size_t i = 5;
    if (d[i] == '[') {
        size_t digits = 0;
        while (d[i + 1 + digits] >= '0' && d[i + 1 + digits] <= '9')
            digits++;
        if (!digits || d[i + 1 + digits] != ']')
            return 0;
        i += digits + 2;
    }
    return strncmp(d + i, " from ", 6) == 0 ? i + 6 : 0;
}

char *lr_evidence_command(const char *d)
{
    if (!d)
        return NULL;
    const char *start = d;
    size_t len = strlen(d);
    /* LVM2 >= 2.03.x: "Write from CMD." ("Write[N] from CMD." for its Nth
     * write); older: "Created *after* executing 'CMD'" */
    size_t w = lr_evidence_write_prefix(d);
    const char *x = strstr(d, "executing '");
    char close = 0; /* what ends the command when LVM2 wrote it whole */
    if (w) {
        start = d + w;
        close = '.';
    } else if (x) {
        start = x + strlen("executing '");
        close = '\'';
    }
    len = strlen(start);
    /* LVM2 cuts a long description (2.03.16: at 256 characters) and its
     * closing character with it: say the command is incomplete */
    bool cut = close && !(len > 0 && start[len - 1] == close);
    /* a description with no closing character (vgcfgbackup -f writes the
     * bare command line) that fills the scan's limit was clipped there */
    if (!close && strlen(d) >= LR_SCAN_MAX_DESCRIPTION)
        cut = true;
    if (close && !cut)
        len--;
    lr_strbuf_t b = LR_STRBUF_INIT;
    strip_config(&b, start, len);
    if (cut)
        lr_strbuf_puts(&b, "...");
    return lr_strbuf_take(&b, NULL);
}

bool lr_evidence_command_not_writer(const char *d)
{
    if (!d)
        return false;
    const char *b = "Created *before* executing '", *cb = "vgcfgbackup";
    return strncmp(d, b, strlen(b)) == 0 ||
           (strncmp(d, cb, strlen(cb)) == 0 && (d[strlen(cb)] == ' ' || !d[strlen(cb)]));
}

/* ---- LVs of a version ---------------------------------------------------- */

static const char *first_segtype(const lr_lv_t *lv)
{
    if (lv->n_segs == 0)
        return "none";
    const lr_seg_t *s = &lv->segs[0];
    if (strcmp(s->type, "striped") == 0 && s->stripe_count == 1)
        return "linear";
    return s->type;
}

uint64_t ev_lv_size(const lr_vg_t *vg, const lr_lv_t *lv)
{
    uint64_t size;
    if (vg->extent_size > UINT64_MAX / SC_SECTOR ||
        __builtin_mul_overflow(lv->extent_count, vg->extent_size * SC_SECTOR, &size))
        return UINT64_MAX;
    return size;
}

static int fill_lvs(lr_strpool_t *pool, lr_ev_version_t *ver, const lr_vg_t *vg)
{
    if (vg->n_lvs == 0)
        return 0;
    ver->lvs = calloc(vg->n_lvs, sizeof(*ver->lvs));
    if (!ver->lvs)
        return -ENOMEM;
    ver->n_lvs = vg->n_lvs;
    for (size_t i = 0; i < vg->n_lvs; i++) {
        const lr_lv_t *lv = &vg->lvs[i];
        lr_ev_lv_t *o = &ver->lvs[i];
        o->name = ev_intern(pool, lv->name);
        o->id = ev_intern(pool, lv->id);
        o->segtype = ev_intern(pool, first_segtype(lv));
        o->extents = lv->extent_count;
        o->visible = lv->visible;
        o->size = ev_lv_size(vg, lv);
        if (!o->name || !o->segtype || (lv->id && !o->id))
            return -ENOMEM;
    }
    return 0;
}

static long visible_lvs(const lr_vg_t *vg)
{
    long n = 0;
    for (size_t i = 0; i < vg->n_lvs; i++)
        n += vg->lvs[i].visible;
    return n;
}

/* ---- change summary -------------------------------------------------------- */

/* "16→4 MiB" when both sizes print in one unit, else "16 MiB→1 GiB". */
static void put_resize(lr_strbuf_t *b, uint64_t from, uint64_t to)
{
    char x[32], y[32];
    lr_fmt_size(from, LR_FMT_SIZE_WHOLE, x, sizeof(x));
    lr_fmt_size(to, LR_FMT_SIZE_WHOLE, y, sizeof(y));
    const char *ux = strrchr(x, ' '), *uy = strrchr(y, ' ');
    if (ux && uy && strcmp(ux, uy) == 0)
        lr_strbuf_printf(b, "%.*s→%s", (int)(ux - x), x, y);
    else
        lr_strbuf_printf(b, "%s→%s", x, y);
}

/* Whether the ", "-separated list holds item. */
static bool list_has(const char *list, const char *item, size_t n)
{
    const char *p = list;
    while (p && *p) {
        size_t l = strcspn(p, ",");
        if (l == n && strncmp(p, item, n) == 0)
            return true;
        p += l;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return false;
}

/* "+tag a" for each tag only in to, "-tag b" for each only in from. */
static void put_tags(lr_strbuf_t *b, const char *who, const char *from, const char *to, bool *first)
{
    for (int pass = 0; pass < 2; pass++) {
        const char *src = pass == 0 ? to : from, *other = pass == 0 ? from : to;
        const char *p = src ? src : "";
        while (*p) {
            size_t l = strcspn(p, ",");
            if (!list_has(other ? other : "", p, l)) {
                lr_strbuf_printf(b, "%s%s%stag %.*s", *first ? "" : ", ", who,
                                 pass == 0 ? "+" : "-", (int)l, p);
                *first = false;
            }
            p += l;
            while (*p == ',' || *p == ' ')
                p++;
        }
    }
}

static void put_change(lr_strbuf_t *b, const lr_diff_change_t *c, bool *first)
{
    char sz[32];
    if (c->field && strcmp(c->field, "tags") == 0) {
        char who[160] = "";
        if (c->obj == LR_DIFF_LV)
            snprintf(who, sizeof(who), "%s ", c->name);
        put_tags(b, who, c->old_value, c->new_value, first);
        return;
    }
    const char *sep = *first ? "" : ", ";
    *first = false;
    const char *what = c->obj == LR_DIFF_PV ? "pv " : c->obj == LR_DIFF_VG ? "vg " : "";
    switch (c->kind) {
    case LR_DIFF_ADDED:
        lr_strbuf_printf(b, "%s+%s%s", sep, what, c->name);
        if (c->obj == LR_DIFF_LV)
            lr_strbuf_printf(b, " %s",
                             lr_fmt_size(c->new_bytes, LR_FMT_SIZE_WHOLE, sz, sizeof(sz)));
        return;
    case LR_DIFF_REMOVED:
        lr_strbuf_printf(b, "%s-%s%s", sep, what, c->name);
        return;
    case LR_DIFF_RENAMED:
        lr_strbuf_printf(b, "%s%s%s→%s", sep, what, c->old_name ? c->old_name : "?", c->name);
        return;
    case LR_DIFF_RESIZED:
        lr_strbuf_printf(b, "%s%s ", sep, c->name);
        put_resize(b, c->old_bytes, c->new_bytes);
        return;
    case LR_DIFF_MOVED:
        lr_strbuf_printf(b, "%s%s moved", sep, c->name);
        return;
    case LR_DIFF_RETYPED:
        lr_strbuf_printf(b, "%s%s retyped", sep, c->name);
        return;
    case LR_DIFF_CHANGED:
        lr_strbuf_printf(b, "%s%s%s %s", sep, what, c->name, c->field ? c->field : "changed");
        return;
    }
}

/* Whether the change is one of the visible LVs (hidden sub-LVs come and go
 * with their parent, which is reported). */
static bool visible_change(const lr_vg_t *a, const lr_vg_t *b, const lr_diff_change_t *c)
{
    if (c->obj != LR_DIFF_LV)
        return true;
    const lr_lv_t *lv = lr_vg_find_lv(c->kind == LR_DIFF_REMOVED ? a : b, c->name);
    return !lv || lv->visible;
}

/* The summary, the destructive events and their text. */
static int summarise(lr_ev_version_t *ver, const lr_vg_t *prev, const lr_vg_t *cur, lr_error_t *err)
{
    lr_diff_t *d = NULL;
    int rc = lr_diff_vgs(prev, cur, &d, err);
    if (rc)
        return rc;
    lr_strbuf_t b = LR_STRBUF_INIT, e = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "");
    bool first = true, efirst = true;
    for (size_t i = 0; i < d->n_changes; i++) {
        const lr_diff_change_t *c = &d->changes[i];
        if (!visible_change(prev, cur, c))
            continue;
        put_change(&b, c, &first);
        bool shrink =
            c->kind == LR_DIFF_RESIZED && c->obj == LR_DIFF_LV && c->new_bytes < c->old_bytes;
        bool removed = c->kind == LR_DIFF_REMOVED && c->obj == LR_DIFF_LV;
        if (shrink)
            ver->events |= LR_EV_EVENT_SHRINK;
        if (removed)
            ver->events |= LR_EV_EVENT_REMOVE;
        if (shrink || removed)
            put_change(&e, c, &efirst);
    }
    if (visible_lvs(cur) == 0 && visible_lvs(prev) > 0)
        ver->events |= LR_EV_EVENT_EMPTY;
    lr_diff_free(d);
    ver->change = lr_strbuf_take(&b, NULL);
    ver->event_text = efirst ? (lr_strbuf_free(&e), NULL) : lr_strbuf_take(&e, NULL);
    if (!ver->change || (!efirst && !ver->event_text))
        return lr_error_oom(err);
    return 0;
}

/* ---- building ---------------------------------------------------------- */

bool ev_same_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Whether two complete versions of the VG share a seqno (*out). Then the
 * version written before another is found by ring position among all the
 * loaded ones (ev_prev_version), known only once all are loaded. */
static int seqnos_may_repeat(const lr_scan_vg_t *svg, bool *out)
{
    *out = false;
    uint64_t *v = malloc((svg->n_versions ? svg->n_versions : 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    size_t n = 0;
    for (size_t k = 0; k < svg->n_versions; k++)
        if (svg->versions[k].complete)
            v[n++] = svg->versions[k].seqno;
    qsort(v, n, sizeof(*v), lr_u64_cmp);
    for (size_t i = 1; i < n && !*out; i++)
        *out = v[i] == v[i - 1];
    free(v);
    return 0;
}

static int summarise_one(ev_ctx_t *c, size_t g, size_t k, lr_error_t *err)
{
    int prev = ev_prev_version(c, g, k);
    if (prev < 0)
        return 0;
    return summarise(&c->ev->vgs[g].versions[k], c->views[g][prev], c->views[g][k], err);
}

/* A loaded version's tree is needed only to summarise its change (the
 * diff reads it); dropped after that, a long history costs a tenth of
 * the memory (3000 versions of a 60-LV VG: 830 MiB with the trees). */
static int drop_tree(ev_ctx_t *c, size_t g, int v)
{
    if (v < 0 || !c->views[g][v])
        return 0;
    return lr_vg_drop_tree(c->views[g][v], c->view_pool);
}

/* Loads version v of VG g (its view and LVs; an error that keeps it from
 * loading is recorded in it). 0 or -ENOMEM. */
static int load_version(ev_ctx_t *c, size_t g, size_t v)
{
    const lr_scan_version_t *sv = &c->scan->vgs[g].versions[v];
    lr_ev_version_t *ver = &c->ev->vgs[g].versions[v];
    ver->version = (int)v;
    ver->seqno = sv->seqno;
    ver->time = sv->creation_time;
    /* a command that did not write the version names no event of it */
    if (sv->description && !lr_evidence_command_not_writer(sv->description) &&
        !(ver->command = lr_evidence_command(sv->description)))
        return -ENOMEM;
    if (!sv->complete)
        return 0;
    lr_error_t e = {0};
    int rc = lr_scan_version_vg(c->session, g, v, &c->views[g][v], &e);
    if (rc == -ENOMEM)
        return rc;
    if (rc) {
        char msg[512];
        ver->error = strdup(lr_error_format(&e, msg, sizeof(msg)));
        return ver->error ? 0 : -ENOMEM;
    }
    ver->loaded = true;
    return fill_lvs(c->pool, ver, c->views[g][v]) ? -ENOMEM : 0;
}

/* Loads every version of VG g, oldest first, and summarises each one's
 * change. Without repeated seqnos the version written before each is the
 * one loaded before it, so each is summarised as it is loaded and the
 * older tree dropped: two trees at a time. */
static int load_vg(ev_ctx_t *c, size_t g, lr_error_t *err)
{
    const lr_scan_vg_t *svg = &c->scan->vgs[g];
    lr_ev_vg_t *vg = &c->ev->vgs[g];
    vg->versions = calloc(svg->n_versions ? svg->n_versions : 1, sizeof(*vg->versions));
    c->views[g] = calloc(svg->n_versions ? svg->n_versions : 1, sizeof(lr_vg_t *));
    c->prevs[g] = malloc((svg->n_versions ? svg->n_versions : 1) * sizeof(int));
    if (!vg->versions || !c->views[g] || !c->prevs[g])
        return -ENOMEM;
    for (size_t v = 0; v < svg->n_versions; v++)
        c->prevs[g][v] = EV_PREV_UNKNOWN;
    vg->n_versions = svg->n_versions;
    /* the version the disks hold now (docs/evidence.md, "Later LVs a whole
     * restore removes") */
    int cur = lr_scan_vg_current(svg);
    vg->current = cur >= 0 ? cur : 0;
    bool repeat;
    int rc = seqnos_may_repeat(svg, &repeat);
    int last = -1; /* the newest version loaded yet, its tree kept */
    for (size_t v = svg->n_versions; !rc && v-- > 0;) {
        rc = load_version(c, g, v);
        if (rc || !vg->versions[v].loaded || repeat)
            continue;
        rc = summarise_one(c, g, v, err);
        if (!rc)
            rc = drop_tree(c, g, last);
        last = (int)v;
    }
    if (!rc && !repeat)
        return drop_tree(c, g, last);
    for (size_t k = svg->n_versions; !rc && k-- > 0;)
        if (vg->versions[k].loaded)
            rc = summarise_one(c, g, k, err);
    for (size_t k = 0; !rc && k < svg->n_versions; k++)
        rc = drop_tree(c, g, (int)k);
    return rc;
}

bool ev_seqnos_repeat(const ev_ctx_t *c, size_t g)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    int last = -1;
    for (size_t k = 0; k < vg->n_versions; k++) {
        if (!vg->versions[k].loaded)
            continue;
        if (last >= 0 && vg->versions[last].seqno == vg->versions[k].seqno)
            return true;
        last = (int)k;
    }
    return false;
}

/* Where the next write into area ar goes, as a ring offset (the ring is
 * the area past its header sector, `ring` bytes): the end of its committed
 * copy, on the sector boundary LVM2 puts the next copy at. False when no
 * copy is committed there (the header lost): the write order in the ring
 * is then not known. */
static bool ring_head(const lr_scan_t *s, const lr_scan_area_t *ar, uint64_t ring, uint64_t *head)
{
    if (ar->committed < 0 || (size_t)ar->committed >= s->n_copies)
        return false;
    const lr_scan_copy_t *c = &s->copies[ar->committed];
    if (c->offset < ar->offset + 512)
        return false;
    uint64_t end = c->offset - (ar->offset + 512) + c->length;
    *head = (end + 511) / 512 * 512 % ring;
    return true;
}

/* How far before copy b's start copy a starts in their ring, in write
 * order: from the area's write head on (the oldest copy lies just past
 * it, the committed one just before it), so that the newest copy is not
 * taken for the one written before the oldest. 0 when a was not written
 * before b, they share no area, or a ring is unknown; without a committed
 * copy the ring is walked from b back, wrapping. */
static uint64_t ring_gap(const lr_scan_t *s, const lr_scan_copy_t *a, const lr_scan_copy_t *b)
{
    if (a->area < 0 || a->area != b->area || (size_t)a->area >= s->n_areas || a->partial ||
        b->partial)
        return 0;
    const lr_scan_area_t *ar = &s->areas[a->area];
    if (ar->size <= 512 || a->offset < ar->offset + 512 || b->offset < ar->offset + 512)
        return 0;
    uint64_t ring = ar->size - 512, head = 0;
    uint64_t pa = a->offset - (ar->offset + 512), pb = b->offset - (ar->offset + 512);
    if (pa >= ring || pb >= ring)
        return 0;
    if (ring_head(s, ar, ring, &head)) {
        uint64_t ra = (pa + ring - head) % ring, rb = (pb + ring - head) % ring;
        return ra < rb ? rb - ra : 0;
    }
    if (a->offset < b->offset)
        return b->offset - a->offset;
    return a->offset - b->offset < ring ? ring - (a->offset - b->offset) : 0;
}

/* The smallest ring_gap from any copy of version p to any copy of k. */
static uint64_t version_gap(const ev_ctx_t *c, size_t g, size_t p, size_t k)
{
    const lr_scan_t *s = c->scan;
    const lr_scan_version_t *vp = &s->vgs[g].versions[p], *vk = &s->vgs[g].versions[k];
    uint64_t best = 0;
    for (size_t i = 0; i < vp->n_copies; i++)
        for (size_t j = 0; j < vk->n_copies; j++) {
            uint64_t d = ring_gap(s, &s->copies[vp->copies[i]], &s->copies[vk->copies[j]]);
            if (d && (!best || d < best))
                best = d;
        }
    return best;
}

/* With no ring to tell (versions only backup or archive files hold): of
 * the texts of prev's seqno, the one written last no later than k. LVM2
 * archives the text a command changes when the command starts, so the
 * text k was made from has the latest time not after k's; a text of that
 * seqno a vgcfgrestore wrote over was archived by an earlier command, one
 * written after k by a later one. Equal times leave prev. */
static int prev_by_time(const ev_ctx_t *c, size_t g, size_t k, int prev)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    const lr_scan_version_t *sv = c->scan->vgs[g].versions;
    int64_t tk = sv[k].creation_time, best = sv[prev].creation_time;
    int at = prev;
    if (best > tk)
        best = INT64_MIN;
    for (size_t j = (size_t)prev + 1; j < vg->n_versions && sv[j].seqno == sv[prev].seqno; j++) {
        if (vg->versions[j].loaded && sv[j].creation_time <= tk && sv[j].creation_time > best) {
            best = sv[j].creation_time;
            at = (int)j;
        }
    }
    return at;
}

static int prev_version(const ev_ctx_t *c, size_t g, size_t k)
{
    const lr_ev_vg_t *vg = &c->ev->vgs[g];
    int prev = -1;
    for (size_t j = k + 1; j < vg->n_versions && prev < 0; j++)
        if (vg->versions[j].loaded && vg->versions[j].seqno != vg->versions[k].seqno)
            prev = (int)j;
    if (prev < 0 || !ev_seqnos_repeat(c, g))
        return prev;
    /* seqnos written twice: the version written just before k in a ring it
     * shares with it (LVM2 appends each write after the last) */
    uint64_t best = 0;
    int at = -1;
    for (size_t j = 0; j < vg->n_versions; j++) {
        if (j == k || !vg->versions[j].loaded)
            continue;
        uint64_t d = version_gap(c, g, j, k);
        if (d && (!best || d < best)) {
            best = d;
            at = (int)j;
        }
    }
    return at >= 0 ? at : prev_by_time(c, g, k, prev);
}

int ev_prev_version(const ev_ctx_t *c, size_t g, size_t k)
{
    int *cache = c->prevs ? c->prevs[g] : NULL;
    if (!cache)
        return prev_version(c, g, k);
    if (cache[k] == EV_PREV_UNKNOWN)
        cache[k] = prev_version(c, g, k);
    return cache[k];
}

static void free_ctx(ev_ctx_t *c)
{
    if (c->views) {
        for (size_t g = 0; g < c->scan->n_vgs; g++) {
            if (!c->views[g])
                continue;
            for (size_t v = 0; v < c->scan->vgs[g].n_versions; v++)
                lr_vg_free(c->views[g][v]);
            free(c->views[g]);
        }
        free(c->views);
    }
    lr_strpool_free(c->view_pool); /* after the views pointing into it */
    for (size_t g = 0; c->prevs && g < c->scan->n_vgs; g++)
        free(c->prevs[g]);
    free(c->prevs);
    ev_probe_cache_free(c);
    free(c->ivs);
}

int lr_evidence_build(const lr_scan_session_t *session, const lr_evidence_opts_t *opts,
                      lr_evidence_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!session || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    ev_ctx_t c = {0};
    c.session = session;
    c.scan = lr_scan_result(session);
    if (opts)
        c.opts = *opts;
    ev_priv_t *priv = calloc(1, sizeof(*priv));
    c.ev = priv ? &priv->pub : NULL;
    c.pool = priv ? (priv->pool = lr_strpool_new()) : NULL;
    c.view_pool = lr_strpool_new();
    c.views = calloc(c.scan->n_vgs ? c.scan->n_vgs : 1, sizeof(*c.views));
    c.prevs = calloc(c.scan->n_vgs ? c.scan->n_vgs : 1, sizeof(*c.prevs));
    if (c.ev)
        c.ev->vgs = calloc(c.scan->n_vgs ? c.scan->n_vgs : 1, sizeof(*c.ev->vgs));
    int rc = !c.ev || !c.pool || !c.view_pool || !c.views || !c.prevs || !c.ev->vgs ? -ENOMEM : 0;
    if (!rc)
        c.ev->n_vgs = c.scan->n_vgs;
    for (size_t g = 0; !rc && g < c.scan->n_vgs; g++)
        rc = load_vg(&c, g, err);
    if (!rc)
        rc = ev_probe_all(&c);
    if (!rc)
        rc = ev_reuse_all(&c);
    if (!rc)
        rc = ev_remap_all(&c);
    for (size_t g = 0; !rc && g < c.scan->n_vgs; g++)
        rc = ev_recommend(&c, g);
    free_ctx(&c);
    if (rc) {
        lr_evidence_free(c.ev);
        if (rc == -ENOMEM)
            return lr_error_oom(err);
        return rc;
    }
    *out = c.ev;
    return 0;
}
