/* lvmtui view model: the VG list (one line per VG found, then the PV labels
 * no VG names). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/btrfs.h"
#include "model_int.h"
#include "words.h"

/* Row refs of orphan labels are negative so they never read as VG indexes. */
#define ORPHAN_REF(i) (-2 - (long)(i))

static const struct {
    unsigned bit;
    const char *text;
} status_text[] = {
    {LR_SCAN_VG_CONSISTENT, "consistent"},
    {LR_SCAN_VG_MISSING_PVS, "missing PVs"},
    {LR_SCAN_VG_STALE_PVS, "stale PVs"},
    {LR_SCAN_VG_CONFLICTS, "conflicts"},
    {LR_SCAN_VG_ORPHANS, "orphan copies"},
    {LR_SCAN_VG_NO_COMPLETE, "no complete copy"},
    {LR_SCAN_VG_DAMAGED, "damaged newer copies"},
    {LR_SCAN_VG_ABANDONED, "abandoned newer versions"},
    {LR_SCAN_VG_INTERRUPTED, "interrupted write"},
    {LR_SCAN_VG_SUPERSEDED, "superseded by another VG"}, /* unless superseded_words */
    {LR_SCAN_VG_HEADER_DAMAGED, "damaged mda header"},
    {LR_SCAN_VG_AREA_LOST, "metadata area lost"},
    {LR_SCAN_VG_IMG_TRUNCATED, "image truncated"},
};

/* "superseded by VG vgb (PV moved, since seqno 3)" or "superseded by VG
 * newvg (disk re-initialised)": by which VG and how, as lvmscan's note
 * says. False (nothing added) when the scan does not name the VG. */
static bool superseded_words(const lr_scan_t *scan, const lr_scan_vg_t *g, lr_strbuf_t *b)
{
    if (g->superseded_by < 0 || (size_t)g->superseded_by >= scan->n_vgs)
        return false;
    const lr_scan_vg_t *o = &scan->vgs[g->superseded_by];
    lr_strbuf_printf(b, "superseded by VG %s", o->name && o->name[0] ? o->name : o->id);
    if (g->superseded_new_id) {
        lr_strbuf_puts(b, " (the same VG under new UUIDs)");
        return true;
    }
    if (g->superseded_how != LR_SCAN_SUPERSEDED_MOVED) {
        lr_strbuf_puts(b, " (disk re-initialised)");
        return true;
    }
    lr_strbuf_puts(b, " (PV moved");
    if (g->superseded_since >= 0 && (size_t)g->superseded_since < o->n_versions)
        lr_strbuf_printf(b, ", since seqno %" PRIu64, o->versions[g->superseded_since].seqno);
    lr_strbuf_puts(b, ")");
    return true;
}

static void status_words(const lr_scan_t *scan, const lr_scan_vg_t *g, lr_strbuf_t *b)
{
    bool first = true;
    for (size_t i = 0; i < sizeof(status_text) / sizeof(status_text[0]); i++) {
        if (!(g->status & status_text[i].bit))
            continue;
        lr_strbuf_puts(b, first ? "" : ", ");
        if (status_text[i].bit != LR_SCAN_VG_SUPERSEDED || !superseded_words(scan, g, b))
            lr_strbuf_puts(b, status_text[i].text);
        first = false;
    }
    if (first)
        lr_strbuf_puts(b, "-");
}

static lr_tui_attr_t status_attr(unsigned status)
{
    if (status & (LR_SCAN_VG_MISSING_PVS | LR_SCAN_VG_NO_COMPLETE))
        return LR_TUI_A_BAD;
    if (status == LR_SCAN_VG_CONSISTENT)
        return LR_TUI_A_GOOD;
    return LR_TUI_A_WARN;
}

static size_t name_width(const lr_scan_t *scan)
{
    size_t w = 2;
    for (size_t i = 0; i < scan->n_vgs; i++) {
        size_t n = scan->vgs[i].name ? tui_width(scan->vgs[i].name, true) : 1;
        if (n > w)
            w = n;
    }
    return w > 16 ? 16 : w;
}

/* Columns after the name (VG list heading and lines alike). */
#define VG_COLS " %-38s %4s %5s %4s  "

static int add_vg_row(tui_view_t *v, const lr_scan_t *scan, size_t i, size_t nw, int cols)
{
    const lr_scan_vg_t *g = &scan->vgs[i];
    size_t found = 0;
    for (size_t p = 0; p < g->n_pvs; p++)
        found += g->pvs[p].found != LR_SCAN_PV_MISSING;
    uint64_t seqno = g->latest >= 0 ? g->versions[g->latest].seqno : g->max_seqno;
    char pvs[48];
    if (g->latest >= 0)
        snprintf(pvs, sizeof(pvs), "%zu/%zu", found, g->n_pvs);
    else
        snprintf(pvs, sizeof(pvs), "?");
    lr_strbuf_t b = LR_STRBUF_INIT;
    /* names longer than the column are cut with an ellipsis, so the columns
     * after them stay aligned (the history's title has the whole name) */
    tui_fit(&b, g->name ? g->name : "?", nw, true);
    char seq[24], vers[24];
    snprintf(seq, sizeof(seq), "%" PRIu64, seqno);
    snprintf(vers, sizeof(vers), "%zu", g->n_versions);
    lr_strbuf_printf(&b, VG_COLS, g->id[0] ? g->id : "-", pvs, seq, vers);
    lr_strbuf_t st = LR_STRBUF_INIT;
    status_words(scan, g, &st);
    /* a status too long for the line goes on a line of its own */
    bool own_line = st.s && tui_width(b.s ? b.s : "", true) + st.len + 2 > (size_t)cols;
    lr_strbuf_puts(&b, own_line ? "(see below)" : st.s ? st.s : "");
    char *text = lr_strbuf_take(&b, NULL);
    int rc = text ? tui_view_add(v, status_attr(g->status), (long)i, true, "%s", text) : -ENOMEM;
    free(text);
    if (!rc && own_line)
        rc = tui_view_add(v, status_attr(g->status), -1, false, "    status: %s", st.s);
    lr_strbuf_free(&st);
    return rc;
}

/* A label whose PV UUID no VG's newest version lists. */
static bool label_is_orphan(const lr_scan_t *scan, const lr_scan_label_t *l)
{
    for (size_t i = 0; i < scan->n_vgs; i++)
        for (size_t p = 0; p < scan->vgs[i].n_pvs; p++)
            if (strcmp(scan->vgs[i].pvs[p].id_raw, l->label.pv_uuid) == 0)
                return false;
    return true;
}

static int add_orphans(tui_view_t *v, const lr_scan_t *scan)
{
    bool heading = false;
    for (size_t i = 0; i < scan->n_labels; i++) {
        const lr_scan_label_t *l = &scan->labels[i];
        if (!label_is_orphan(scan, l))
            continue;
        int rc = 0;
        if (!heading) {
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
            if (!rc)
                rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "PV labels no VG names:");
            heading = true;
        }
        char id[LR_UUID_STR_LEN + 1];
        if (lr_uuid_format(l->label.pv_uuid, id, sizeof(id)))
            snprintf(id, sizeof(id), "%s", l->label.pv_uuid);
        const char *img = tui_base(scan->images[l->image].path);
        if (!rc)
            rc = tui_view_add(v, l->valid ? LR_TUI_A_NORMAL : LR_TUI_A_WARN, ORPHAN_REF(i), true,
                              "PV %s  %s PV at %" PRIu64 "%s", id, img, l->pv_start,
                              l->valid ? "" : "  (label damaged)");
        if (rc)
            return rc;
    }
    return 0;
}

static int set_vgs_title(lr_tui_t *m, tui_view_t *v)
{
    const lr_scan_t *s = m->scan;
    lr_strbuf_t b = LR_STRBUF_INIT;
    size_t n_img = s ? s->n_images : m->n_paths;
    lr_strbuf_printf(&b, "Volume groups found in %zu image%s", n_img, n_img == 1 ? "" : "s");
    if (n_img == 1)
        lr_strbuf_printf(&b, " (%s)", tui_base(s ? s->images[0].path : m->paths[0]));
    char *t = lr_strbuf_take(&b, NULL);
    if (!t)
        return -ENOMEM;
    int rc = tui_view_set_title(v, "%s", t);
    free(t);
    return rc;
}

/* Whether an image was read past damage (lr_scan_image_t.warnings), or
 * holds btrfs data the scan did not look into (btrfs_unread,
 * btrfs_zstd_large). */
static bool image_notes(const lr_scan_t *s)
{
    for (size_t i = 0; i < s->n_images; i++) {
        const lr_scan_image_t *im = &s->images[i];
        if (im->n_warnings || im->btrfs_unread[LR_BTRFS_LZO] || im->btrfs_unread[LR_BTRFS_ZSTD] ||
            im->btrfs_zstd_large)
            return true;
    }
    return false;
}

/* Lines that say the list is not the whole story (stopped or capped scan). */
static int add_scan_notes(lr_tui_t *m, tui_view_t *v)
{
    const lr_scan_t *s = m->scan;
    int rc = 0;
    if (m->scan_status)
        rc = tui_view_add(v, LR_TUI_A_BAD, -1, false, "Scan failed: %s", m->scan_error);
    if (!rc && s && s->interrupted) {
        uint64_t done = 0, total = 0;
        for (size_t i = 0; i < s->n_images; i++) {
            done += s->images[i].scanned;
            total += s->images[i].size;
        }
        char a[32], b2[32];
        rc = tui_view_add(v, LR_TUI_A_WARN, -1, false,
                          "Scan stopped with q after %s of %s: this is what was found so far.",
                          tui_size(done, a, sizeof(a)), tui_size(total, b2, sizeof(b2)));
    }
    if (!rc && s && s->truncated)
        rc = tui_view_add(v, LR_TUI_A_WARN, -1, false,
                          "Too many metadata copies: later ones were not recorded.");
    /* read past damage: what was read may be off */
    return rc ? rc : tui_words_image_notes(v, NULL, s);
}

int tui_build_vgs(lr_tui_t *m)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_VGS);
    long old_cursor = v->cursor;
    tui_view_clear(v);
    v->list = true;
    int rc = set_vgs_title(m, v);
    const lr_scan_t *s = m->scan;
    size_t nw = s ? name_width(s) : 2;
    lr_strbuf_t h = LR_STRBUF_INIT;
    lr_strbuf_puts(&h, "VG");
    tui_pad(&h, nw);
    lr_strbuf_printf(&h, VG_COLS "%s", "UUID", "PVs", "SEQNO", "VERS", "STATUS");
    char *hdr = lr_strbuf_take(&h, NULL);
    if (!rc)
        rc = hdr ? tui_view_set_header(v, hdr) : -ENOMEM;
    free(hdr);
    for (size_t i = 0; !rc && s && i < s->n_vgs; i++)
        rc = add_vg_row(v, s, i, nw, m->cols);
    if (!rc && (!s || !s->n_vgs))
        rc = tui_view_add(v, LR_TUI_A_WARN, -1, false, "No volume groups found.");
    if (!rc && s)
        rc = add_orphans(v, s);
    if (!rc && (m->scan_status || (s && (s->interrupted || s->truncated || image_notes(s))))) {
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
        if (!rc)
            rc = add_scan_notes(m, v);
    }
    v->cursor = tui_view_first_selectable(v, old_cursor > 0 ? old_cursor : 0, 1);
    if (v->cursor < 0)
        v->cursor = tui_view_first_selectable(v, 0, 1);
    tui_scroll_into_view(m, v);
    return rc;
}

int tui_open_vg(lr_tui_t *m, int vg)
{
    if (!m->scan || vg < 0 || (size_t)vg >= m->scan->n_vgs)
        return LR_ERANGE;
    if (vg != m->vg)
        m->mark = -1; /* a mark belongs to one VG's history */
    m->vg = vg;
    m->version = -1;
    int rc = tui_build_history(m);
    if (rc) {
        tui_message(m, LR_TUI_A_BAD, "Cannot show the history: %s", lr_strerror(rc));
        return rc;
    }
    return tui_push(m, LR_TUI_SCR_HISTORY);
}
