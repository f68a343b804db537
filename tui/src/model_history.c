/* lvmtui view model: the history of one VG, newest first, and the mark. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/meta.h"
#include "model_int.h"

const lr_evidence_t *tui_evidence(lr_tui_t *m)
{
    if (!m->evidence && m->session)
        lr_evidence_build(m->session, NULL, &m->evidence, NULL);
    return m->evidence;
}

void tui_evidence_free(lr_tui_t *m)
{
    lr_evidence_free(m->evidence);
    m->evidence = NULL;
}

/* The evidence of version i of the history's VG, NULL when there is none. */
static const lr_ev_vg_t *history_evidence(lr_tui_t *m)
{
    const lr_evidence_t *ev = tui_evidence(m);
    return ev && m->vg >= 0 && (size_t)m->vg < ev->n_vgs ? &ev->vgs[m->vg] : NULL;
}

void tui_history_free(lr_tui_t *m)
{
    free(m->hist);
    m->hist = NULL;
    m->n_hist = 0;
}

void tui_version_name(const lr_tui_t *m, int version, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!m->scan || m->vg < 0 || (size_t)m->vg >= m->scan->n_vgs)
        return;
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    if (version < 0 || (size_t)version >= g->n_versions)
        return;
    const lr_scan_version_t *v = &g->versions[version];
    /* The name this version had: a vgrename changes it between versions. */
    const char *name = g->name;
    if (v->n_copies && m->scan->copies[v->copies[0]].vg_name)
        name = m->scan->copies[v->copies[0]].vg_name;
    /* one seqno with two texts: the checksum tells them apart */
    if (v->conflict)
        snprintf(buf, len, "%s seqno %" PRIu64 " crc 0x%08x", name ? name : "?", v->seqno, v->crc);
    else
        snprintf(buf, len, "%s seqno %" PRIu64, name ? name : "?", v->seqno);
}

/* Total size of the LVs a user sees (visible ones, as `lvs` lists them),
 * read from the version's best copy. */
static void version_info(const lr_scan_session_t *session, size_t vg, size_t version,
                         tui_history_info_t *info)
{
    const lr_scan_t *scan = lr_scan_result(session);
    const lr_scan_version_t *v = &scan->vgs[vg].versions[version];
    for (size_t c = 0; c < v->n_copies; c++) {
        const lr_scan_copy_t *cp = &scan->copies[v->copies[c]];
        if ((cp->committed || cp->precommitted) && !cp->crc_ok && !cp->crc_unknown)
            info->bad_crc = true;
    }
    int best = lr_scan_version_copy(scan, vg, version);
    if (best < 0)
        return;
    lr_vg_t *view = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_scan_copy_vg(session, (size_t)best, &view, &err))
        return;
    uint64_t bytes = 0;
    for (size_t i = 0; i < view->n_lvs; i++)
        if (view->lvs[i].visible)
            bytes += view->lvs[i].extent_count * view->extent_size * 512;
    info->has_size = true;
    info->lv_bytes = bytes;
    lr_vg_free(view);
}

/* R: the recommended version, A: an alternative (lr/evidence.h). */
static char rec_flag(const lr_ev_vg_t *e, size_t i)
{
    if (!e)
        return 0;
    if (e->has_recommended && e->recommended.version == (int)i)
        return 'R';
    for (size_t a = 0; a < e->n_alternatives; a++)
        if (e->alternatives[a].version == (int)i)
            return 'A';
    return 0;
}

static void flags_of(const lr_scan_version_t *v, const tui_history_info_t *info, char rec, char *f)
{
    size_t n = 0;
    if (rec)
        f[n++] = rec;
    if (v->committed)
        f[n++] = 'C';
    if (!v->complete)
        f[n++] = 'P';
    if (v->conflict)
        f[n++] = 'X';
    if (info->bad_crc)
        f[n++] = '!';
    if (!n)
        f[n++] = '-';
    f[n] = '\0';
}

static lr_tui_attr_t version_attr(const lr_scan_version_t *v, const tui_history_info_t *info)
{
    if (info->bad_crc)
        return LR_TUI_A_BAD;
    if (!v->complete || v->conflict)
        return LR_TUI_A_WARN;
    return LR_TUI_A_NORMAL;
}

/* Columns of a history line (after the two selection columns). The change
 * summary and the command tell versions apart, so they get what the others
 * leave: below
 * TUI_HISTORY_WIDE_COLS columns the time is "11-25 08:03" and the host
 * only as wide as the longest one, at most 8 columns (6 below 100 columns);
 * from there on the full time and 8 columns of host. SEQNO, LVs and LV SIZE
 * grow when a value needs more than their heading. */
typedef struct history_layout {
    bool wide;
    int seq_w, host_w, lvs_w, size_w;
} history_layout_t;

static history_layout_t history_layout(const lr_tui_t *m)
{
    history_layout_t l = {.wide = m->cols >= TUI_HISTORY_WIDE_COLS, .seq_w = 5, .lvs_w = 3};
    l.size_w = l.wide ? 8 : 7;
    int host_max = l.wide || m->cols >= 100 ? 8 : 6;
    l.host_w = l.wide ? 8 : 4; /* "HOST" */
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    for (size_t i = 0; i < g->n_versions && i < m->n_hist; i++) {
        const char *host = g->versions[i].creation_host;
        int hw = host ? (int)tui_width(host, true) : 1;
        hw = hw > host_max ? host_max : hw;
        l.host_w = hw > l.host_w ? hw : l.host_w;
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, g->versions[i].seqno);
        l.seq_w = n > l.seq_w ? n : l.seq_w;
        n = snprintf(buf, sizeof(buf), "%ld", g->versions[i].n_lvs);
        l.lvs_w = n > l.lvs_w ? n : l.lvs_w;
        if (m->hist[i].has_size) {
            n = (int)strlen(tui_size(m->hist[i].lv_bytes, buf, sizeof(buf)));
            l.size_w = n > l.size_w ? n : l.size_w;
        }
    }
    return l;
}

/* One line (or the heading, ver NULL) in the layout. */
static char *history_line(const history_layout_t *l, const char *seq, const char *when,
                          const char *host, const char *lvs, const char *size, const char *flags,
                          const char *cmd)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b, "%*s%s%-*s ", l->seq_w, seq, l->wide ? "  " : " ", l->wide ? 19 : 11,
                     when);
    /* host names can be long or non-ASCII: pad by columns, cut with an
     * ellipsis */
    tui_fit(&b, host, (size_t)l->host_w, true);
    lr_strbuf_printf(&b, " %*s %*s %-*s %s", l->lvs_w, lvs, l->size_w, size, l->wide ? 5 : 4, flags,
                     cmd);
    return lr_strbuf_take(&b, NULL);
}

static int add_version_row(lr_tui_t *m, tui_view_t *v, const history_layout_t *l, size_t i)
{
    const lr_scan_version_t *ver = &m->scan->vgs[m->vg].versions[i];
    const tui_history_info_t *info = &m->hist[i];
    char seq[24], when[32], size[32], flags[8], lvs[24], cmd[512];
    snprintf(seq, sizeof(seq), "%" PRIu64, ver->seqno);
    if (l->wide)
        tui_time(ver->creation_time, when, sizeof(when));
    else
        tui_time_short(ver->creation_time, when, sizeof(when));
    if (info->has_size)
        tui_size(info->lv_bytes, size, sizeof(size));
    else
        snprintf(size, sizeof(size), "-");
    if (ver->n_lvs >= 0)
        snprintf(lvs, sizeof(lvs), "%ld", ver->n_lvs);
    else
        snprintf(lvs, sizeof(lvs), "-");
    const lr_ev_vg_t *e = history_evidence(m);
    flags_of(ver, info, rec_flag(e, i), flags);
    tui_command(ver->description, cmd, sizeof(cmd));
    /* the change from the previous version before the command, at every
     * width (issue 11): at 80 columns the command is what gets cut, and
     * the detail screen shows it whole */
    const char *change = e ? e->versions[i].change : NULL;
    if (change && *change) {
        char both[512];
        snprintf(both, sizeof(both), "%.200s | %.300s", change, cmd);
        memcpy(cmd, both, sizeof(cmd));
    }
    char *text = history_line(l, seq, when, ver->creation_host ? ver->creation_host : "-", lvs,
                              size, flags, cmd);
    if (!text)
        return -ENOMEM;
    int rc = tui_view_add(v, version_attr(ver, info), (long)i, true, "%s", text);
    free(text);
    return rc;
}

/* The rows of the history from m->hist, laid out for the width. */
static int history_rows(lr_tui_t *m)
{
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_HISTORY);
    long top = v->top;
    tui_view_clear(v);
    v->list = true;
    v->top = top;
    history_layout_t l = history_layout(m);
    m->hist_cols = m->cols;
    int rc =
        tui_view_set_title(v, "History of VG %s: %zu version%s, newest first",
                           g->name ? g->name : "?", g->n_versions, g->n_versions == 1 ? "" : "s");
    char *hdr = history_line(&l, "SEQNO", l.wide ? "WRITTEN (UTC)" : "WRITTEN UTC", "HOST", "LVs",
                             "LV SIZE", l.wide ? "FLAGS" : "FLAG", "CHANGE | COMMAND");
    if (!rc)
        rc = hdr ? tui_view_set_header(v, hdr) : -ENOMEM;
    free(hdr);
    for (size_t i = 0; !rc && i < g->n_versions; i++)
        rc = add_version_row(m, v, &l, i);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "FLAGS: C committed  P partial (only damaged copies)");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "       X conflict (same seqno, other text)  ! bad checksum");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "       R recommended  A alternative (what the LVs hold now: Enter)");
    const lr_ev_vg_t *e = history_evidence(m);
    if (!rc && e && e->has_recommended)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "Recommended: seqno %" PRIu64 ", %s",
                          e->recommended.seqno, e->recommended.reason);
    if (rc)
        return rc;
    long at = m->version >= 0 ? tui_view_find_ref(v, m->version) : -1;
    v->cursor = at >= 0 ? at : tui_view_first_selectable(v, 0, 1);
    if (v->cursor >= 0)
        m->version = (int)v->rows[v->cursor].ref;
    tui_scroll_into_view(m, v);
    return 0;
}

int tui_build_history(lr_tui_t *m)
{
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    tui_history_free(m);
    m->hist = calloc(g->n_versions ? g->n_versions : 1, sizeof(*m->hist));
    if (!m->hist)
        return -ENOMEM;
    m->n_hist = g->n_versions;
    for (size_t i = 0; i < g->n_versions; i++)
        version_info(m->session, (size_t)m->vg, i, &m->hist[i]);
    m->views[LR_TUI_SCR_HISTORY].top = 0;
    return history_rows(m);
}

int tui_relayout_history(lr_tui_t *m)
{
    if (!m->scan || !m->hist || m->vg < 0 || !tui_on_stack(m, LR_TUI_SCR_HISTORY))
        return 0;
    if (m->hist_cols == m->cols)
        return 0;
    return history_rows(m);
}

void tui_toggle_mark(lr_tui_t *m)
{
    char name[256];
    if (m->version < 0)
        return;
    if (m->mark == m->version) {
        m->mark = -1;
        tui_message(m, LR_TUI_A_PROMPT, "Mark removed.");
        return;
    }
    m->mark = m->version;
    tui_version_name(m, m->mark, name, sizeof(name));
    tui_message(m, LR_TUI_A_MARK, "Marked %s: d compares the selected version with it.", name);
}
