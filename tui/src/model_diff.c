/* lvmtui view model: two versions compared (lr_diff_scan), one line per
 * change, n/p jumping between the objects changed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

/* What the selected version is compared with: the marked version; else the
 * newest complete one; for the newest itself, the complete version before
 * it (what the last command did). -1 when there is none. */
static int diff_partner(const lr_tui_t *m, int version)
{
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    if (m->mark >= 0 && m->mark != version)
        return m->mark;
    if (g->latest >= 0 && g->latest != version)
        return g->latest;
    for (size_t i = (size_t)version + 1; i < g->n_versions; i++)
        if (g->versions[i].complete)
            return (int)i;
    return -1;
}

static int add_side(lr_tui_t *m, tui_view_t *v, const char *label, int version)
{
    const lr_scan_version_t *ver = &m->scan->vgs[m->vg].versions[version];
    char name[256], when[32], cmd[512];
    tui_version_name(m, version, name, sizeof(name));
    return tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s %s  %s  %s", label, name,
                        tui_time(ver->creation_time, when, sizeof(when)),
                        tui_command(ver->description, cmd, sizeof(cmd)));
}

static lr_tui_attr_t change_attr(const lr_diff_change_t *c)
{
    if (c->kind == LR_DIFF_REMOVED)
        return LR_TUI_A_BAD;
    if (c->kind == LR_DIFF_ADDED)
        return LR_TUI_A_GOOD;
    return LR_TUI_A_NORMAL;
}

/* A change line, and for property changes the values on each side when the
 * engine's one-line text does not already show them. */
static int add_change(tui_view_t *v, const lr_diff_t *d, size_t i)
{
    const lr_diff_change_t *c = &d->changes[i];
    int rc = tui_view_add(v, change_attr(c), (long)i, true, "%s", c->text);
    if (rc || c->kind != LR_DIFF_CHANGED)
        return rc;
    if (c->old_value && !strstr(c->text, c->old_value))
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "      was: %s", c->old_value);
    if (!rc && c->new_value && !strstr(c->text, c->new_value))
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "      now: %s", c->new_value);
    return rc;
}

static int build_diff(lr_tui_t *m, int old, int new)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_DIFF);
    tui_view_clear(v);
    v->list = true;
    const lr_diff_t *d = m->diff;
    int rc = tui_view_set_title(v, "Diff of VG %s: seqno %" PRIu64 " -> seqno %" PRIu64,
                                d->new_vg ? d->new_vg : "?", d->old_seqno, d->new_seqno);
    if (!rc)
        rc = add_side(m, v, "old:", old);
    if (!rc)
        rc = add_side(m, v, "new:", new);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc && !d->n_changes)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "No changes.");
    if (!rc && d->n_changes)
        rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false,
                          "%zu change%s from old to new:", d->n_changes,
                          d->n_changes == 1 ? "" : "s");
    for (size_t i = 0; !rc && i < d->n_changes; i++)
        rc = add_change(v, d, i);
    v->cursor = tui_view_first_selectable(v, 0, 1);
    tui_scroll_into_view(m, v);
    return rc;
}

int tui_open_diff(lr_tui_t *m, int version)
{
    int other = diff_partner(m, version);
    if (other < 0) {
        tui_message(m, LR_TUI_A_WARN, "No other complete version to compare with.");
        return LR_ENOTFOUND;
    }
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    /* Older on the left: the diff reads as what happened in between. */
    bool sel_older = g->versions[version].seqno < g->versions[other].seqno ||
                     (g->versions[version].seqno == g->versions[other].seqno && version > other);
    int old = sel_older ? version : other;
    int new = sel_older ? other : version;
    lr_diff_t *d = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_diff_scan(m->session, (size_t)m->vg, (size_t)old, (size_t) new, &d, &err);
    if (rc) {
        char buf[1024];
        tui_message(m, LR_TUI_A_BAD, "Cannot compare: %s", lr_error_format(&err, buf, sizeof(buf)));
        return rc;
    }
    lr_diff_free(m->diff);
    m->diff = d;
    m->diff_old = old;
    m->diff_new = new;
    m->diff_version = version;
    rc = build_diff(m, old, new);
    if (rc) {
        tui_message(m, LR_TUI_A_BAD, "Cannot show the diff: %s", lr_strerror(rc));
        return rc;
    }
    return tui_push(m, LR_TUI_SCR_DIFF);
}

void tui_diff_jump(lr_tui_t *m, int dir)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_DIFF);
    long from = v->cursor >= 0 ? v->rows[v->cursor].ref : -1;
    long next = lr_diff_next_object(m->diff, from, dir);
    long row = next >= 0 ? tui_view_find_ref(v, next) : -1;
    if (row < 0) {
        tui_message(m, LR_TUI_A_PROMPT, dir > 0 ? "No later change." : "No earlier change.");
        return;
    }
    v->cursor = row;
    tui_scroll_into_view(m, v);
}
