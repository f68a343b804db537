/* lvmtui view model: one version in detail: the VG's properties, its PVs
 * (found where, or missing), its LVs with size, type and segments, and a
 * map of every PV's extents. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/btrfs.h"
#include "lr/export.h"
#include "lr/meta.h"
#include "model_int.h"
#include "words.h"

#define MAX_COPIES_SHOWN 8
#define MAX_MAP_EXTENTS (1u << 24) /* a hostile pe_count must not cost gigabytes */
static const char lv_symbols[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void strlist(lr_strbuf_t *b, const lr_strlist_t *l)
{
    if (!l->n) {
        lr_strbuf_puts(b, "-");
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        lr_strbuf_puts(b, i ? ", " : "");
        lr_strbuf_puts(b, l->v[i]);
    }
}

/* Adds the line in b as a text row and empties b. */
static int flush(tui_view_t *v, lr_strbuf_t *b, lr_tui_attr_t attr)
{
    char *t = lr_strbuf_take(b, NULL);
    if (!t)
        return -ENOMEM;
    int rc = tui_view_add(v, attr, -1, false, "%s", t);
    free(t);
    return rc;
}

/* What a btrfs file's read learnt of its data's checksums. */
static const char *btrfs_sums_words(const lr_btrfs_sums_t *s)
{
    switch (lr_btrfs_sums_verdict(s)) {
    case LR_BTRFS_SUMS_UNVERIFIED:
        return "checksums not computed";
    case LR_BTRFS_SUMS_SOME_UNSTORED:
        return "some sectors without checksum";
    case LR_BTRFS_SUMS_UNSTORED:
        return "no checksums stored";
    case LR_BTRFS_SUMS_RIGHT:
        return "checksums right";
    default:
        return "no data sector read";
    }
}

/* What a backup file copy is, for its line ("" for a ring copy): a file
 * given whole (text_file), a btrfs item, read by its ext or XFS inode, by
 * its inode as the journal holds it (gathered from blocks not in a row;
 * or unsure: a later claim on its blocks may not be in the journal), or
 * else read on from its first block. */
static void copy_kind(const lr_scan_copy_t *c, bool text_file, char *buf, size_t len)
{
    const char *comp = lr_btrfs_compression_name(c->btrfs_compression);
    if (!(c->source & LR_SCAN_COPY_BACKUP))
        snprintf(buf, len, "%s", "");
    else if (text_file)
        snprintf(buf, len, "%s", "  backup file (given whole)");
    else if (c->btrfs_file)
        snprintf(buf, len, "  backup file (btrfs%s%s, by its file's extents, %s)", comp ? ", " : "",
                 comp ? comp : "", btrfs_sums_words(&c->btrfs_sums));
    else if (comp)
        snprintf(buf, len, "  backup file (btrfs, %s)", comp);
    else if (c->btrfs_inline)
        snprintf(buf, len, "%s", "  backup file (btrfs inline)");
    else if (c->extfs_file)
        snprintf(buf, len, "%s", "  backup file (by its inode)");
    else if (c->xfs_file)
        snprintf(buf, len, "%s", "  backup file (by its XFS inode)");
    else if (c->extfs_journal_ino)
        snprintf(buf, len, "  backup file (deleted; journal's inode %u%s)", c->extfs_journal_ino,
                 c->n_pieces               ? ", gathered"
                 : c->extfs_journal_unsure ? ", later claims not all known"
                                           : "");
    else
        snprintf(buf, len, "%s", "  backup file");
    /* its filesystem was not unmounted cleanly */
    size_t n = strlen(buf);
    if (n && c->fs_log_pending && c->fs_log_replayed)
        snprintf(buf + n, len - n, "%s", " [fs log partly replayed]");
    else if (n && c->fs_log_pending)
        snprintf(buf + n, len - n, "%s", " [fs log NOT replayed]");
    else if (n && c->fs_log_replayed)
        snprintf(buf + n, len - n, "%s", " [fs log replayed]");
}

static int add_copies(lr_tui_t *m, tui_view_t *v, const lr_scan_version_t *ver)
{
    int rc =
        tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "Copies (%zu), best first:", ver->n_copies);
    for (size_t i = 0; !rc && i < ver->n_copies && i < MAX_COPIES_SHOWN; i++) {
        const lr_scan_copy_t *c = &m->scan->copies[ver->copies[i]];
        /* a checksum not known (unreadable bytes) is not called bad */
        bool bad = (c->committed || c->precommitted) && !c->crc_ok && !c->crc_unknown;
        char kind[128];
        copy_kind(c, m->scan->images[c->image].text_file, kind, sizeof(kind));
        rc =
            tui_view_add(v, bad || c->partial || c->unsure ? LR_TUI_A_WARN : LR_TUI_A_NORMAL, -1,
                         false, "  %s @ %" PRIu64 "  %" PRIu64 " bytes  crc 0x%08x%s%s%s%s%s%s%s",
                         tui_base(m->scan->images[c->image].path), c->offset, c->length, c->crc,
                         c->committed ? "  committed" : "", c->precommitted ? "  precommitted" : "",
                         bad                                ? "  BAD CHECKSUM"
                         : c->crc_unknown && !c->unreadable ? "  checksum not known"
                                                            : "",
                         c->unreadable ? "  UNREADABLE"
                         : c->partial  ? "  partial"
                                       : "",
                         c->wrapped ? "  wrapped" : "", kind,
                         c->unsure ? "  UNSURE (its image's bytes here are not vouched for)" : "");
    }
    if (!rc && ver->n_copies > MAX_COPIES_SHOWN)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "  ... and %zu more",
                          ver->n_copies - MAX_COPIES_SHOWN);
    return rc;
}

static int add_vg_props(lr_tui_t *m, tui_view_t *v, const lr_vg_t *vg, const lr_scan_version_t *ver)
{
    char when[32], cmd[512], sz[32];
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "VG %s  seqno %" PRIu64 "  written %s UTC on %s", vg->name, vg->seqno,
                     tui_time(vg->creation_time, when, sizeof(when)),
                     vg->creation_host ? vg->creation_host : "-");
    int rc = flush(v, &b, LR_TUI_A_HEADER);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "  command:     %s",
                          tui_command(vg->description, cmd, sizeof(cmd)));
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "  UUID:        %s", vg->id);
    lr_strbuf_printf(&b, "  extent size: %s  format: %s  status: ",
                     tui_size(vg->extent_size * 512, sz, sizeof(sz)),
                     vg->format ? vg->format : "-");
    strlist(&b, &vg->status);
    if (vg->flags.n) {
        lr_strbuf_puts(&b, "  flags: ");
        strlist(&b, &vg->flags);
    }
    if (!rc)
        rc = flush(v, &b, LR_TUI_A_NORMAL);
    lr_strbuf_puts(&b, "  tags:        ");
    strlist(&b, &vg->tags);
    lr_strbuf_printf(&b, "   max_lv %" PRIu64 "  max_pv %" PRIu64 "  metadata_copies %" PRIu64,
                     vg->max_lv, vg->max_pv, vg->metadata_copies);
    if (!rc)
        rc = flush(v, &b, LR_TUI_A_NORMAL);
    lr_strbuf_free(&b);
    if (!rc)
        rc = add_copies(m, v, ver);
    if (!rc)
        rc = tui_words_files_only(v, NULL, m->scan, m->vg,
                                  (int)(ver - m->scan->vgs[m->vg].versions));
    return rc;
}

/* Where a PV of this version is now: the scan's answer for the VG's newest
 * version, else any label with its UUID. */
static void pv_where(const lr_scan_t *scan, int vgi, const lr_pv_t *pv, lr_strbuf_t *b,
                     bool *missing)
{
    const lr_scan_vg_t *g = &scan->vgs[vgi];
    *missing = false;
    for (size_t i = 0; i < g->n_pvs; i++) {
        const lr_scan_vg_pv_t *p = &g->pvs[i];
        if (strcmp(p->id_raw, pv->raw_id) != 0 || p->found == LR_SCAN_PV_MISSING)
            continue;
        lr_strbuf_printf(b, "found: %s PV at %" PRIu64 " (%s)",
                         tui_base(scan->images[p->image].path), p->pv_start,
                         lr_scan_pv_found_name(p->found));
        return;
    }
    for (size_t i = 0; i < scan->n_labels; i++) {
        const lr_scan_label_t *l = &scan->labels[i];
        if (strcmp(l->label.pv_uuid, pv->raw_id) != 0)
            continue;
        lr_strbuf_printf(b, "found: %s PV at %" PRIu64 " (label)",
                         tui_base(scan->images[l->image].path), l->pv_start);
        return;
    }
    *missing = true;
    lr_strbuf_puts(b, "MISSING: no image holds this PV");
    if (pv->device)
        lr_strbuf_printf(b, " (was %s)", pv->device);
}

static int add_pvs(lr_tui_t *m, tui_view_t *v, const lr_vg_t *vg)
{
    int rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "Physical volumes (%zu)", vg->n_pvs);
    for (size_t i = 0; !rc && i < vg->n_pvs; i++) {
        const lr_pv_t *pv = &vg->pvs[i];
        char sz[32];
        bool missing;
        lr_strbuf_t b = LR_STRBUF_INIT;
        lr_strbuf_printf(&b, "  %-5s %s  %s, %" PRIu64 " extents (%" PRIu64 " used)", pv->key,
                         pv->id, tui_size(pv->dev_size * 512, sz, sizeof(sz)), pv->pe_count,
                         lr_vg_pv_used(vg, i));
        lr_strbuf_t w = LR_STRBUF_INIT;
        lr_strbuf_puts(&w, "        ");
        pv_where(m->scan, m->vg, pv, &w, &missing);
        lr_tui_attr_t a = missing ? LR_TUI_A_BAD : LR_TUI_A_NORMAL;
        rc = flush(v, &b, a);
        if (!rc)
            rc = flush(v, &w, a);
        lr_strbuf_free(&w);
    }
    return rc;
}

static const char *lv_type(const lr_lv_t *lv, char *buf, size_t len)
{
    if (!lv->n_segs)
        return "-";
    const lr_seg_t *s = &lv->segs[0];
    bool same = true;
    for (size_t i = 1; i < lv->n_segs; i++)
        same &= strcmp(lv->segs[i].type, s->type) == 0;
    if (!same)
        return "mixed";
    if (strcmp(s->type, "striped") == 0 && s->stripe_count <= 1)
        return "linear";
    if (strcmp(s->type, "striped") == 0)
        snprintf(buf, len, "striped(%" PRIu64 ")", s->stripe_count);
    else
        snprintf(buf, len, "%s", s->type);
    return buf;
}

/* "0-1 pv0:0-1; 2-3 pv0:5-6" as the diff engine writes segment maps. */
static void seg_map(lr_strbuf_t *b, const lr_lv_t *lv)
{
    for (size_t i = 0; i < lv->n_segs; i++) {
        const lr_seg_t *s = &lv->segs[i];
        lr_strbuf_puts(b, i ? "; " : "");
        lr_strbuf_printf(b, "%" PRIu64 "-%" PRIu64, s->start_extent,
                         s->start_extent + s->extent_count - (s->extent_count ? 1 : 0));
        if (!s->known)
            lr_strbuf_printf(b, " %s", s->type);
        uint64_t len = lr_seg_area_len(s);
        for (size_t a = 0; a < s->n_areas; a++) {
            const lr_seg_area_t *ar = &s->areas[a];
            if (ar->pv_index >= 0 && len)
                lr_strbuf_printf(b, "%s%s:%" PRIu64 "-%" PRIu64, a ? "," : " ", ar->name, ar->start,
                                 ar->start + len - 1);
            else
                lr_strbuf_printf(b, "%s%s:%" PRIu64, a ? "," : " ", ar->name, ar->start);
        }
    }
}

void tui_detail_free(lr_tui_t *m)
{
    for (size_t i = 0; i < m->n_detail_lvs; i++)
        free(m->detail_lvs[i]);
    free(m->detail_lvs);
    m->detail_lvs = NULL;
    m->n_detail_lvs = 0;
}

/* Keeps the LV names so that b and lr_tui_selected_lv need no new read. */
static int keep_lv_names(lr_tui_t *m, const lr_vg_t *vg)
{
    tui_detail_free(m);
    m->detail_lvs = calloc(vg->n_lvs ? vg->n_lvs : 1, sizeof(char *));
    if (!m->detail_lvs)
        return -ENOMEM;
    for (size_t i = 0; i < vg->n_lvs; i++) {
        m->detail_lvs[i] = strdup(vg->lvs[i].name);
        if (!m->detail_lvs[i])
            return -ENOMEM;
        m->n_detail_lvs = i + 1;
    }
    return 0;
}

bool tui_detail_lv(lr_tui_t *m, char *buf, size_t len)
{
    const tui_view_t *v = &m->views[LR_TUI_SCR_DETAIL];
    buf[0] = '\0';
    if (v->cursor < 0 || (size_t)v->cursor >= v->n_rows || !v->rows[v->cursor].selectable)
        return false;
    long ref = v->rows[v->cursor].ref;
    if (ref < 0 || (size_t)ref >= m->n_detail_lvs)
        return false;
    snprintf(buf, len, "%s", m->detail_lvs[ref]);
    return true;
}

/* The LV row selected when a version's detail opens: the first LV the
 * current version lacks (what b most likely brings back), else the first. */
static long default_lv(lr_tui_t *m, int version)
{
    char def[TUI_INPUT_MAX];
    tui_lv_default(m, version, def, sizeof(def));
    for (size_t i = 0; def[0] && i < m->n_detail_lvs; i++)
        if (strcmp(m->detail_lvs[i], def) == 0)
            return (long)i;
    return m->n_detail_lvs ? 0 : -1;
}

static int add_lvs(tui_view_t *v, const lr_vg_t *vg)
{
    int rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "Logical volumes (%zu)", vg->n_lvs);
    size_t nw = 4;
    for (size_t i = 0; i < vg->n_lvs; i++) {
        size_t w = tui_width(vg->lvs[i].name, true);
        nw = w > nw ? (w > 24 ? 24 : w) : nw;
    }
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "  NAME");
    tui_pad(&b, nw + 2);
    lr_strbuf_printf(&b, " %9s %-12s %-6s SEGMENTS", "SIZE", "TYPE", "ATTR");
    if (!rc)
        rc = flush(v, &b, LR_TUI_A_NORMAL);
    for (size_t i = 0; !rc && i < vg->n_lvs; i++) {
        const lr_lv_t *lv = &vg->lvs[i];
        char sz[32], ty[64];
        bool rw = lr_strlist_has(&lv->status, "WRITE");
        lr_strbuf_printf(&b, "  %s", lv->name);
        tui_pad(&b, nw + 2);
        lr_strbuf_printf(&b, " %9s %-12s %-6s ",
                         tui_size(lv->extent_count * vg->extent_size * 512, sz, sizeof(sz)),
                         lv_type(lv, ty, sizeof(ty)), lv->visible ? (rw ? "rw" : "ro") : "hidden");
        seg_map(&b, lv);
        if (lv->tags.n) {
            lr_strbuf_puts(&b, "  tags: ");
            strlist(&b, &lv->tags);
        }
        char *t = lr_strbuf_take(&b, NULL);
        rc = t ? tui_view_add(v, LR_TUI_A_NORMAL, (long)i, true, "%s", t) : -ENOMEM;
        free(t);
    }
    lr_strbuf_free(&b);
    return rc;
}

/* ---- extent map ------------------------------------------------------------ */

static char lv_symbol(size_t lv)
{
    return lv < sizeof(lv_symbols) - 1 ? lv_symbols[lv] : '#';
}

/* One char per extent of PV pv: the LV's symbol, '.' free, '!' two LVs. */
static char *pv_extents(const lr_vg_t *vg, size_t pv)
{
    uint64_t n = vg->pvs[pv].pe_count;
    char *map = malloc(n + 1);
    if (!map)
        return NULL;
    memset(map, '.', n);
    map[n] = '\0';
    lr_pv_area_t pa;
    for (lr_pv_area_iter_t it = lr_pv_areas(vg); lr_pv_area_next(&it, &pa);) {
        if (pa.pv != pv)
            continue;
        for (uint64_t e = pa.start; e < pa.start + pa.len && e < n; e++)
            map[e] = map[e] == '.' ? lv_symbol(pa.lv) : '!';
    }
    return map;
}

/* Squeezes the map into width cells: a cell shows its symbol when all its
 * extents agree, '+' when shared by several LVs or free space. */
static void squeeze(lr_strbuf_t *b, const char *map, uint64_t n, size_t width)
{
    uint64_t per = (n + width - 1) / width;
    if (per < 1)
        per = 1;
    for (uint64_t i = 0; i < n; i += per) {
        char c = map[i];
        for (uint64_t j = i + 1; j < i + per && j < n; j++)
            if (map[j] != c)
                c = '+';
        lr_strbuf_putn(b, &c, 1);
    }
}

static int add_extent_map(lr_tui_t *m, tui_view_t *v, const lr_vg_t *vg)
{
    int rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "Extent map");
    size_t width = m->cols > 24 ? (size_t)m->cols - 20 : 4;
    for (size_t p = 0; !rc && p < vg->n_pvs; p++) {
        uint64_t n = vg->pvs[p].pe_count;
        if (n > MAX_MAP_EXTENTS) {
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                              "  %-6s %" PRIu64 " extents: too many to draw", vg->pvs[p].key, n);
            continue;
        }
        char *map = pv_extents(vg, p);
        if (!map)
            return -ENOMEM;
        lr_strbuf_t b = LR_STRBUF_INIT;
        lr_strbuf_printf(&b, "  %-6s|", vg->pvs[p].key);
        squeeze(&b, map, n, width);
        lr_strbuf_puts(&b, "|");
        if (n > width)
            lr_strbuf_printf(&b, " %" PRIu64 "/cell", (n + width - 1) / width);
        free(map);
        rc = flush(v, &b, LR_TUI_A_NORMAL);
    }
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "  ");
    for (size_t l = 0; !rc && l < vg->n_lvs; l++) {
        if (b.len > 2 && tui_width(b.s, true) + strlen(vg->lvs[l].name) + 4 > (size_t)m->cols - 2)
            rc = flush(v, &b, LR_TUI_A_NORMAL), lr_strbuf_puts(&b, "  ");
        lr_strbuf_printf(&b, "%c %s  ", lv_symbol(l), vg->lvs[l].name);
    }
    lr_strbuf_puts(&b, ". free  + mixed  ! overlap");
    if (!rc)
        rc = flush(v, &b, LR_TUI_A_NORMAL);
    lr_strbuf_free(&b);
    return rc;
}

/* ---- the screen ---------------------------------------------------------------- */

static int build_unreadable(lr_tui_t *m, tui_view_t *v, const lr_scan_version_t *ver,
                            const lr_error_t *err)
{
    char name[256], buf[1024];
    tui_version_name(m, (int)(ver - m->scan->vgs[m->vg].versions), name, sizeof(name));
    int rc = tui_view_add(v, LR_TUI_A_BAD, -1, false, "%s cannot be read as a whole:", name);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_BAD, -1, false, "  %s",
                          lr_error_format(err, buf, sizeof(buf)));
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "It can be neither compared nor restored; older complete versions can.");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc)
        rc = add_copies(m, v, ver);
    return rc;
}

/* "ext4 \"HOME\", filesystem 16 MiB" and the like: what the LV holds now. */
static void put_content(lr_strbuf_t *b, const lr_ev_content_t *c)
{
    char sz[32];
    switch (c->state) {
    case LR_EV_FOUND:
        lr_strbuf_puts(b, c->type ? c->type : "?");
        if (c->label)
            lr_strbuf_printf(b, " \"%s\"", c->label);
        if (c->fs_size)
            lr_strbuf_printf(b, ", filesystem %s", tui_size(c->fs_size, sz, sizeof(sz)));
        if (c->fs_size_bad)
            lr_strbuf_puts(b, ", superblock size damaged");
        return;
    case LR_EV_AMBIVALENT:
        lr_strbuf_printf(b, "several signatures (%s): not sure", c->type ? c->type : "?");
        return;
    case LR_EV_EMPTY:
        lr_strbuf_puts(b, c->detail ? c->detail : "no known signature");
        return;
    default:
        lr_strbuf_printf(b, "not probed: %s", c->detail ? c->detail : lr_ev_state_name(c->state));
        return;
    }
}

void tui_put_ranges(lr_strbuf_t *b, const lr_ev_reuse_t *u)
{
    lr_strbuf_printf(b, "%s:", u->pv);
    for (size_t k = 0; k < u->n_ranges; k++)
        lr_strbuf_printf(b, "%s%" PRIu64 "-%" PRIu64, k ? "," : "", u->ranges[k].first,
                         u->ranges[k].last);
}

int tui_add_lv_evidence(tui_view_t *v, const lr_ev_lv_t *l)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "  %-8s ", l->name);
    put_content(&b, &l->content);
    int rc = flush(v, &b, l->content.state == LR_EV_AMBIVALENT ? LR_TUI_A_WARN : LR_TUI_A_NORMAL);
    for (size_t r = 0; !rc && r < l->n_reuse; r++) {
        const lr_ev_reuse_t *u = &l->reuse[r];
        lr_strbuf_puts(&b, "           extents ");
        tui_put_ranges(&b, u);
        lr_strbuf_printf(&b, " reused by %s/%s (seqno %" PRIu64 ")%s%s", u->vg, u->lv, u->seqno,
                         u->taker_content ? ", now holding its " : ", no signature there",
                         u->taker_content ? u->taker_content : "");
        rc = flush(v, &b, u->taker_content ? LR_TUI_A_WARN : LR_TUI_A_NORMAL);
    }
    return rc;
}

/* Each LV's content now and the extents later LVs took (lr/evidence.h). */
static int add_evidence(lr_tui_t *m, tui_view_t *v, int version)
{
    const lr_evidence_t *ev = tui_evidence(m);
    if (!ev || m->vg < 0 || (size_t)m->vg >= ev->n_vgs)
        return 0;
    const lr_ev_version_t *x = &ev->vgs[m->vg].versions[version];
    if (!x->loaded)
        return 0;
    int rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "What the LVs hold now");
    if (!rc && x->change)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "  change from the previous version: %s",
                          *x->change ? x->change : "none");
    for (size_t i = 0; !rc && i < x->n_lvs; i++)
        rc = tui_add_lv_evidence(v, &x->lvs[i]);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    return rc;
}

int tui_build_detail(lr_tui_t *m, int version)
{
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    if (version < 0 || (size_t)version >= g->n_versions)
        return LR_ERANGE;
    const lr_scan_version_t *ver = &g->versions[version];
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_DETAIL);
    /* a new layout of the version shown keeps its LV selected */
    long keep = -1;
    if (m->detail_version == version && v->cursor >= 0 && (size_t)v->cursor < v->n_rows &&
        v->rows[v->cursor].selectable)
        keep = v->rows[v->cursor].ref;
    tui_view_clear(v);
    tui_detail_free(m);
    v->list = false;
    v->mixed = true;
    tui_view_set_wrap(v);
    m->detail_version = version;
    char name[256];
    tui_version_name(m, version, name, sizeof(name));
    int rc = tui_view_set_title(v, "Version %s", name);

    lr_vg_t *vg = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int lrc = lr_scan_version_vg(m->session, (size_t)m->vg, (size_t)version, &vg, &err);
    if (!rc && lrc)
        rc = build_unreadable(m, v, ver, &err);
    if (!rc && !lrc) {
        rc = add_vg_props(m, v, vg, ver);
        if (!rc)
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
        if (!rc)
            rc = add_pvs(m, v, vg);
        if (!rc)
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
        if (!rc)
            rc = keep_lv_names(m, vg);
        if (!rc)
            rc = add_lvs(v, vg);
        if (!rc)
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
        if (!rc)
            rc = add_evidence(m, v, version);
        if (!rc)
            rc = add_extent_map(m, v, vg);
    }
    lr_vg_free(vg);
    if (!rc)
        rc = tui_wrap(m, v);
    if (!rc)
        v->cursor = tui_view_find_ref(v, keep >= 0 ? keep : default_lv(m, version));
    if (rc)
        tui_message(m, LR_TUI_A_BAD, "Cannot show %s: %s", name, lr_strerror(rc));
    return rc;
}

int tui_open_detail(lr_tui_t *m, int version)
{
    int rc = tui_build_detail(m, version);
    return rc ? rc : tui_push(m, LR_TUI_SCR_DETAIL);
}
