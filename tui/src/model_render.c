/* lvmtui view model: the frame. Line 0 is the title, line 1 the column
 * headings, then the body, the prompt / message line and the status line
 * (keys on the left, the selection "VG seqno N" on the right). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

static int frame_new(int rows, int cols, lr_tui_frame_t **out)
{
    lr_tui_frame_t *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->rows = rows;
    f->cols = cols;
    f->cursor_row = f->cursor_col = -1;
    f->lines = calloc((size_t)rows, sizeof(char *));
    f->attrs = calloc((size_t)rows, sizeof(lr_tui_attr_t));
    if (!f->lines || !f->attrs) {
        lr_tui_frame_free(f);
        return -ENOMEM;
    }
    *out = f;
    return 0;
}

void lr_tui_frame_free(lr_tui_frame_t *f)
{
    if (!f)
        return;
    for (int i = 0; f->lines && i < f->rows; i++)
        free(f->lines[i]);
    free(f->lines);
    free(f->attrs);
    free(f);
}

/* Sets line `row` to text fitted to the width. */
static int put_line(lr_tui_frame_t *f, const lr_tui_t *m, int row, const char *text,
                    lr_tui_attr_t attr)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    tui_fit(&b, text, (size_t)f->cols, m->utf8);
    char *s = lr_strbuf_take(&b, NULL);
    if (!s)
        return -ENOMEM;
    free(f->lines[row]);
    f->lines[row] = s;
    f->attrs[row] = attr;
    return 0;
}

static int render_small(const lr_tui_t *m, lr_tui_frame_t *f)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "lvmtui needs 80x24 (this terminal is %dx%d)", m->cols, m->rows);
    const char *keys = "Until then keys wait; q quits.";
    int rc = 0;
    for (int r = 0; !rc && r < f->rows; r++)
        rc = put_line(f, m, r,
                      r == f->rows / 2       ? msg
                      : r == f->rows / 2 + 1 ? keys
                                             : "",
                      LR_TUI_A_NORMAL);
    return rc;
}

/* ---- the progress screen ---------------------------------------------------- */

static int progress_body(const lr_tui_t *m, tui_view_t *v)
{
    const lr_scan_progress_t *p = &m->progress;
    size_t n = m->n_paths;
    int rc =
        tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                     "Looking for LVM2 labels, metadata areas and metadata copies in %zu image%s.",
                     n, n == 1 ? "" : "s");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (rc || !m->have_progress)
        return rc ? rc : tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "Starting...");
    int img = p->image >= 0 && (size_t)p->image < n ? p->image : 0;
    rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "Image %d of %zu: %s%s", img + 1, n,
                      tui_base(m->paths[img]),
                      p->image_total_estimated ? " (compressed: indexed while scanned)" : "");
    size_t width = m->cols > 20 ? (size_t)m->cols - 14 : 6;
    double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 1.0;
    size_t fill = (size_t)(frac * (double)width);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "[");
    for (size_t i = 0; i < width; i++)
        lr_strbuf_puts(&b, i < fill ? "#" : ".");
    lr_strbuf_printf(&b, "] %3d%%", (int)(frac * 100.0));
    char *bar = lr_strbuf_take(&b, NULL);
    if (!rc)
        rc = bar ? tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", bar) : -ENOMEM;
    free(bar);
    char done[32], total[32], rate[32];
    double r = m->elapsed > 0 ? (double)p->bytes_done / m->elapsed : 0;
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s of %s%s   %s/s   %.1f s",
                          tui_size(p->bytes_done, done, sizeof(done)),
                          p->image_total_estimated ? "about " : "",
                          tui_size(p->bytes_total, total, sizeof(total)),
                          tui_size((uint64_t)r, rate, sizeof(rate)), m->elapsed);
    if (!rc && p->image_total_estimated)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s",
                          "(about: a compressed image's size is known only at its end)");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "Found so far: %zu PV label%s, %zu metadata area%s, "
                          "%zu metadata cop%s (versions)",
                          p->labels, p->labels == 1 ? "" : "s", p->areas, p->areas == 1 ? "" : "s",
                          p->copies, p->copies == 1 ? "y" : "ies");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc)
        rc =
            tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                         "Any key but q keeps waiting; q stops the scan and shows what was found.");
    return rc;
}

/* ---- body, prompt, status ---------------------------------------------------- */

static bool row_marked(const lr_tui_t *m, lr_tui_screen_t s, const tui_row_t *row)
{
    return s == LR_TUI_SCR_HISTORY && row->selectable && m->mark >= 0 && row->ref == m->mark;
}

/* The plan's notes under the body, above the confirmation prompt: what a
 * "yes" also does stays in sight however the plan is scrolled. */
static int render_pinned(const lr_tui_t *m, lr_tui_frame_t *f, int row)
{
    int k = tui_pinned_rows(m);
    if (!k)
        return 0;
    size_t shown = (size_t)k - 1, n = m->warn.n_rows;
    int rc = put_line(f, m, row,
                      "  Before you type yes, note (also at the end of the plan):", LR_TUI_A_WARN);
    for (size_t i = 0; !rc && i < shown; i++) {
        char more[96];
        const char *t = m->warn.rows[i].text;
        if (i + 1 == shown && n > shown) {
            snprintf(more, sizeof(more), "... and %zu more lines: see Notes at the end of the plan",
                     n - shown + 1);
            t = more;
        }
        lr_strbuf_t b = LR_STRBUF_INIT;
        lr_strbuf_puts(&b, "  ");
        lr_strbuf_puts(&b, t);
        char *line = lr_strbuf_take(&b, NULL);
        if (!line)
            return -ENOMEM;
        rc = put_line(f, m, row + 1 + (int)i, line, LR_TUI_A_WARN);
        free(line);
    }
    return rc;
}

static int render_body(const lr_tui_t *m, lr_tui_screen_t s, const tui_view_t *v, lr_tui_frame_t *f)
{
    int body = tui_body_rows(m);
    if (body > f->rows - 4)
        body = f->rows - 4;
    int rc = 0;
    for (int r = 0; !rc && r < body; r++) {
        long i = v->top + r;
        if (i >= (long)v->n_rows) {
            rc = put_line(f, m, 2 + r, "", LR_TUI_A_NORMAL);
            continue;
        }
        const tui_row_t *row = &v->rows[i];
        bool cur = i == v->cursor;
        bool marked = row_marked(m, s, row);
        char prefix[3] = {cur ? '>' : ' ', marked ? '*' : ' ', '\0'};
        lr_strbuf_t b = LR_STRBUF_INIT;
        lr_strbuf_puts(&b, prefix);
        lr_strbuf_puts(&b, row->text);
        char *t = lr_strbuf_take(&b, NULL);
        if (!t)
            return -ENOMEM;
        bool sel = v->list || (v->mixed && row->selectable);
        lr_tui_attr_t a = cur      ? (sel ? LR_TUI_A_SELECTED : LR_TUI_A_MARK)
                          : marked ? LR_TUI_A_MARK
                                   : row->attr;
        rc = put_line(f, m, 2 + r, t, a);
        free(t);
    }
    return rc ? rc : render_pinned(m, f, 2 + body);
}

static const char *prompt_label(const lr_tui_t *m, char *buf, size_t len)
{
    char name[256];
    switch (m->prompt) {
    case LR_TUI_PROMPT_SEARCH:
        return "/";
    case LR_TUI_PROMPT_EXPORT:
        tui_version_name(m, m->export_version, name, sizeof(name));
        snprintf(buf, len, "Export %s to file: ", name);
        return buf;
    case LR_TUI_PROMPT_CONFIRM:
        tui_version_name(m, m->review_version, name, sizeof(name));
        /* a long LV list is cut like any line of the screen */
        if (m->review_lv[0] && snprintf(buf, len, "Bring back LV %s from %s? Type yes and Enter: ",
                                        m->review_lv, name) >= (int)len)
            buf[len - 1] = '\0';
        else if (!m->review_lv[0])
            snprintf(buf, len, "Restore %s? Type yes and Enter: ", name);
        return buf;
    case LR_TUI_PROMPT_OUTPUT:
        tui_version_name(m, m->output_version, name, sizeof(name));
        snprintf(buf, len, "Restore %s into copies in directory: ", name);
        return buf;
    case LR_TUI_PROMPT_LV:
        tui_version_name(m, m->lv_version, name, sizeof(name));
        snprintf(buf, len, "Bring back from %s the LV (NAME, or NAME as NEWNAME): ", name);
        return buf;
    case LR_TUI_PROMPT_OVERWRITE:
        snprintf(buf, len, "%s exists: overwrite? (type yes) ", m->export_path);
        return buf;
    case LR_TUI_PROMPT_LV_AS:
        tui_version_name(m, m->lv_version, name, sizeof(name));
        /* a long name is cut: the prompt line shows what fits */
        if (snprintf(buf, len, "%s is taken in the current version; bring it back from %s as: ",
                     m->lv_name, name) < 0)
            buf[0] = '\0';
        return buf;
    case LR_TUI_PROMPT_SIDE: {
        char newer[256];
        tui_version_name(m, m->diff_old, name, sizeof(name));
        tui_version_name(m, m->diff_new, newer, sizeof(newer));
        snprintf(buf, len, "Restore which side? o: the older, %s (Enter); n: the newer, %s: ", name,
                 newer);
        return buf;
    }
    default:
        return "";
    }
}

static int render_prompt(const lr_tui_t *m, lr_tui_frame_t *f)
{
    int row = f->rows - 2;
    if (m->prompt == LR_TUI_PROMPT_NONE)
        return put_line(f, m, row, m->msg, m->msg[0] ? m->msg_attr : LR_TUI_A_NORMAL);
    char lab[TUI_INPUT_MAX + 64];
    const char *label = prompt_label(m, lab, sizeof(lab));
    size_t lw = tui_width(label, m->utf8);
    /* a long input shows its end, where the typing happens */
    const char *in = m->input;
    while (*in && lw + tui_width(in, m->utf8) + 1 > (size_t)f->cols)
        in++;
    while ((*in & 0xc0) == 0x80)
        in++;
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, label);
    lr_strbuf_puts(&b, in);
    char *t = lr_strbuf_take(&b, NULL);
    if (!t)
        return -ENOMEM;
    int rc = put_line(f, m, row, t, LR_TUI_A_PROMPT);
    size_t w = tui_width(t, m->utf8);
    free(t);
    f->cursor_row = row;
    f->cursor_col = (int)(w < (size_t)f->cols ? w : (size_t)f->cols - 1);
    return rc;
}

static int render_status(const lr_tui_t *m, lr_tui_frame_t *f)
{
    const char *sel = lr_tui_selection(m);
    const char *keys = tui_keys_hint(m);
    size_t cols = (size_t)f->cols;
    size_t sw = tui_width(sel, m->utf8);
    size_t room = cols > sw + 3 ? cols - sw - 3 : 0;
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, " ");
    tui_fit(&b, keys, room, m->utf8);
    lr_strbuf_puts(&b, " ");
    lr_strbuf_puts(&b, sel);
    char *t = lr_strbuf_take(&b, NULL);
    if (!t)
        return -ENOMEM;
    int rc = put_line(f, m, f->rows - 1, t, LR_TUI_A_STATUS);
    free(t);
    return rc;
}

static int render_screen(const lr_tui_t *m, lr_tui_frame_t *f)
{
    lr_tui_screen_t s = tui_top(m);
    const tui_view_t *v = &m->views[s];
    tui_view_t progress;
    memset(&progress, 0, sizeof(progress));
    progress.cursor = -1;
    if (s == LR_TUI_SCR_PROGRESS) {
        int rc = progress_body(m, &progress);
        if (rc) {
            tui_view_clear(&progress);
            return rc;
        }
        v = &progress;
    }
    char title[600];
    snprintf(title, sizeof(title), " lvmtui  %s", m->views[s].title ? m->views[s].title : "");
    int rc = put_line(f, m, 0, title, LR_TUI_A_TITLE);
    char header[600];
    snprintf(header, sizeof(header), "  %s", v->header ? v->header : "");
    if (!rc)
        rc = put_line(f, m, 1, v->header ? header : "", LR_TUI_A_HEADER);
    if (!rc)
        rc = render_body(m, s, v, f);
    if (!rc)
        rc = render_prompt(m, f);
    if (!rc)
        rc = render_status(m, f);
    tui_view_clear(&progress);
    return rc;
}

int lr_tui_render(const lr_tui_t *m, lr_tui_frame_t **out, lr_error_t *err)
{
    *out = NULL;
    lr_tui_frame_t *f = NULL;
    int rc = frame_new(m->rows, m->cols, &f);
    if (!rc)
        rc = tui_too_small(m) ? render_small(m, f) : render_screen(m, f);
    if (rc) {
        lr_tui_frame_free(f);
        return lr_error_set(err, rc, LR_NO_OFFSET, "cannot render the screen: %s", lr_strerror(rc));
    }
    *out = f;
    return 0;
}

int lr_tui_frame_text(const lr_tui_frame_t *f, char **out, lr_error_t *err)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    for (int r = 0; r < f->rows; r++) {
        const char *l = f->lines[r] ? f->lines[r] : "";
        size_t n = strlen(l);
        while (n && l[n - 1] == ' ')
            n--;
        lr_strbuf_putn(&b, l, n);
        lr_strbuf_puts(&b, "\n");
    }
    *out = lr_strbuf_take(&b, NULL);
    if (!*out)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}
