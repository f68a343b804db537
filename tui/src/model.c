/* lvmtui view model: lifecycle, the screen stack, key dispatch, navigation,
 * search and prompts. Screen contents are built in model_*.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

#define TUI_DEFAULT_PROGRESS (8u << 20)

/* ---- lifecycle ------------------------------------------------------------- */

int lr_tui_new(const lr_tui_opts_t *opts, lr_tui_t **out, lr_error_t *err)
{
    *out = NULL;
    if (!opts || (opts->n_paths && !opts->paths))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no images given");
    lr_tui_t *m = calloc(1, sizeof(*m));
    if (!m)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (int i = 0; i < LR_TUI_N_SCREENS; i++)
        tui_view_clear(&m->views[i]);
    m->paths = calloc(opts->n_paths ? opts->n_paths : 1, sizeof(char *));
    m->host = opts->host ? strdup(opts->host) : NULL;
    m->snapshot = opts->snapshot ? strdup(opts->snapshot) : NULL;
    m->all_zstd = opts->all_zstd;
    bool oom = !m->paths || (opts->host && !m->host) || (opts->snapshot && !m->snapshot);
    for (size_t i = 0; !oom && i < opts->n_paths; i++) {
        m->paths[i] = strdup(opts->paths[i]);
        oom = !m->paths[i];
        m->n_paths = i + 1;
    }
    if (oom) {
        lr_tui_free(m);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    m->utf8 = opts->utf8;
    m->now = opts->now;
    m->progress_interval = opts->progress_interval ? opts->progress_interval : TUI_DEFAULT_PROGRESS;
    m->rows = LR_TUI_MIN_ROWS;
    m->cols = LR_TUI_MIN_COLS;
    m->vg = m->version = m->mark = m->detail_version = -1;
    m->diff_old = m->diff_new = m->diff_version = m->review_version = m->export_version = -1;
    m->lv_version = -1;
    m->stack[0] = LR_TUI_SCR_PROGRESS;
    m->depth = 1;
    tui_view_set_title(&m->views[LR_TUI_SCR_PROGRESS], "Scanning");
    *out = m;
    return 0;
}

void lr_tui_free(lr_tui_t *m)
{
    if (!m)
        return;
    for (int i = 0; i < LR_TUI_N_SCREENS; i++)
        tui_view_clear(&m->views[i]);
    tui_history_free(m);
    tui_detail_free(m);
    tui_review_free(m);
    lr_diff_free(m->diff);
    tui_evidence_free(m);
    lr_scan_session_free(m->session);
    for (size_t i = 0; i < m->n_paths; i++)
        free(m->paths[i]);
    free(m->paths);
    free(m->host);
    free(m->snapshot);
    free(m);
}

/* ---- the stack -------------------------------------------------------------- */

tui_view_t *tui_view_of(lr_tui_t *m, lr_tui_screen_t s)
{
    return &m->views[s];
}

lr_tui_screen_t tui_top(const lr_tui_t *m)
{
    return m->stack[m->depth - 1];
}

bool tui_too_small(const lr_tui_t *m)
{
    return m->rows < LR_TUI_MIN_ROWS || m->cols < LR_TUI_MIN_COLS;
}

bool tui_on_stack(const lr_tui_t *m, lr_tui_screen_t s)
{
    for (int i = 0; i < m->depth; i++)
        if (m->stack[i] == s)
            return true;
    return false;
}

/* A screen is on the stack at most once: opening one that is open already
 * goes back to it, so Esc never returns to a stale copy of it. */
int tui_push(lr_tui_t *m, lr_tui_screen_t s)
{
    for (int i = 0; i < m->depth; i++) {
        if (m->stack[i] == s) {
            m->depth = i + 1;
            return 0;
        }
    }
    if (m->depth == TUI_STACK_MAX)
        return LR_ELIMIT;
    m->stack[m->depth++] = s;
    return 0;
}

void tui_pop(lr_tui_t *m)
{
    if (m->depth > 1)
        m->depth--;
    if (m->diff && !tui_on_stack(m, LR_TUI_SCR_DIFF)) {
        lr_diff_free(m->diff);
        m->diff = NULL;
    }
    if (!tui_on_stack(m, LR_TUI_SCR_DETAIL))
        m->detail_version = -1;
}

void tui_message(lr_tui_t *m, lr_tui_attr_t attr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
    va_end(ap);
    m->msg_attr = attr;
}

int tui_pinned_rows(const lr_tui_t *m)
{
    if (m->prompt != LR_TUI_PROMPT_CONFIRM || !m->warn.n_rows || tui_top(m) != LR_TUI_SCR_REVIEW)
        return 0;
    int all = m->rows - 4;
    long want = (long)m->warn.n_rows + 1;
    return want < all / 2 ? (int)want : all / 2;
}

int tui_body_rows(const lr_tui_t *m)
{
    int n = m->rows - 4 - tui_pinned_rows(m); /* title, header, message, status */
    return n > 1 ? n : 1;
}

void tui_scroll_into_view(lr_tui_t *m, tui_view_t *v)
{
    long body = tui_body_rows(m);
    long n = (long)v->n_rows;
    if (v->list && v->cursor >= 0) {
        if (v->cursor < v->top)
            v->top = v->cursor;
        if (v->cursor >= v->top + body)
            v->top = v->cursor - body + 1;
    } else if (!v->list && v->cursor >= 0 && (v->cursor < v->top || v->cursor >= v->top + body)) {
        v->top = v->cursor; /* a search hit goes to the top of the page */
    }
    if (v->top > n - body)
        v->top = n - body;
    if (v->top < 0)
        v->top = 0;
}

int tui_wrap(lr_tui_t *m, tui_view_t *v)
{
    if (!v->wrap)
        return 0;
    /* a selected row (the detail's LV) stays selected where it now is */
    long ref =
        v->mixed && v->cursor >= 0 && (size_t)v->cursor < v->n_rows && v->rows[v->cursor].selectable
            ? v->rows[v->cursor].ref
            : -1;
    int rc = tui_view_wrap(v, m->cols > 10 ? (size_t)m->cols - 2 : 8);
    v->cursor = ref >= 0 ? tui_view_find_ref(v, ref) : -1; /* a search hit's row moved */
    tui_scroll_into_view(m, v);
    return rc;
}

int tui_current_version(const lr_tui_t *m)
{
    for (int i = m->depth - 1; i >= 0; i--) {
        switch (m->stack[i]) {
        case LR_TUI_SCR_HISTORY:
            return m->version;
        case LR_TUI_SCR_DETAIL:
            return m->detail_version;
        case LR_TUI_SCR_DIFF:
            return m->diff_version;
        case LR_TUI_SCR_REVIEW:
            return m->review_version;
        case LR_TUI_SCR_HELP:
            continue;
        default:
            return -1;
        }
    }
    return -1;
}

/* ---- navigation -------------------------------------------------------------- */

static long clampl(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Moves a list cursor by delta rows, landing on a selectable row. */
static unsigned list_move(lr_tui_t *m, tui_view_t *v, long delta)
{
    if (!v->n_rows)
        return LR_TUI_ACT_BEEP;
    long last = (long)v->n_rows - 1;
    long want = clampl((v->cursor < 0 ? 0 : v->cursor) + delta, 0, last);
    int dir = delta < 0 ? -1 : 1;
    long at = tui_view_first_selectable(v, want, dir);
    if (at < 0)
        at = tui_view_first_selectable(v, want, -dir);
    if (at < 0 || at == v->cursor)
        return LR_TUI_ACT_BEEP;
    v->cursor = at;
    tui_scroll_into_view(m, v);
    return LR_TUI_ACT_NONE;
}

static unsigned text_move(lr_tui_t *m, tui_view_t *v, long delta)
{
    long old = v->top;
    long max = (long)v->n_rows - tui_body_rows(m);
    v->top = clampl(v->top + delta, 0, max < 0 ? 0 : max);
    return v->top == old ? LR_TUI_ACT_BEEP : LR_TUI_ACT_NONE;
}

/* The next selectable row of another item (an LV row wraps into several
 * rows of one ref) in direction dir, at the item's first row; -1 none. */
static long mixed_next(const tui_view_t *v, int dir)
{
    long cur = v->cursor;
    long ref = cur >= 0 && v->rows[cur].selectable ? v->rows[cur].ref : -1;
    long from = cur >= 0 ? cur + dir : (dir > 0 ? v->top : v->top + (long)v->n_rows);
    long at = -1;
    for (long i = from; i >= 0 && i < (long)v->n_rows; i += dir) {
        if (v->rows[i].selectable && (ref < 0 || v->rows[i].ref != ref)) {
            at = i;
            break;
        }
    }
    while (at > 0 && v->rows[at - 1].selectable && v->rows[at - 1].ref == v->rows[at].ref)
        at--;
    return at;
}

/* A mixed view: one step moves to the next selectable item and shows it;
 * past the first and the last, and for pages, the text scrolls. */
static unsigned mixed_move(lr_tui_t *m, tui_view_t *v, long delta)
{
    if (delta != 1 && delta != -1)
        return text_move(m, v, delta);
    long at = mixed_next(v, (int)delta);
    if (at < 0)
        return text_move(m, v, delta);
    v->cursor = at;
    long body = tui_body_rows(m);
    if (at < v->top)
        v->top = at;
    if (at >= v->top + body)
        v->top = at - body + 1;
    return LR_TUI_ACT_NONE;
}

static unsigned navigate(lr_tui_t *m, int key, bool *handled)
{
    tui_view_t *v = tui_view_of(m, tui_top(m));
    long page = tui_body_rows(m);
    long big = (long)v->n_rows + 1;
    long delta;
    *handled = true;
    switch (key) {
    case LR_TUI_KEY_UP:
    case 'k':
        delta = -1;
        break;
    case LR_TUI_KEY_DOWN:
    case 'j':
        delta = 1;
        break;
    case LR_TUI_KEY_PGUP:
        delta = -page;
        break;
    case LR_TUI_KEY_PGDN:
        delta = page;
        break;
    case LR_TUI_KEY_HOME:
    case 'g':
        delta = -big;
        break;
    case LR_TUI_KEY_END:
    case 'G':
        delta = big;
        break;
    default:
        *handled = false;
        return LR_TUI_ACT_NONE;
    }
    if (v->mixed)
        return mixed_move(m, v, delta);
    return v->list ? list_move(m, v, delta) : text_move(m, v, delta);
}

static bool is_back_key(int key)
{
    return key == LR_TUI_KEY_ESC || key == LR_TUI_KEY_BACKSPACE || key == 'h' ||
           key == LR_TUI_KEY_LEFT || key == 'q' || key == 127 || key == 8;
}

/* ---- search -------------------------------------------------------------------- */

/* Finds the next row matching the pattern after (dir > 0) or before the
 * cursor, wrapping round once. */
static unsigned search_step(lr_tui_t *m, int dir)
{
    tui_view_t *v = tui_view_of(m, tui_top(m));
    long n = (long)v->n_rows;
    if (!n)
        return LR_TUI_ACT_BEEP;
    long from = v->cursor >= 0 ? v->cursor : (v->list ? 0 : v->top - dir);
    for (long step = 1; step <= n; step++) {
        long i = ((from + dir * step) % n + n) % n;
        if (v->list && !v->rows[i].selectable)
            continue;
        if (!tui_contains(v->rows[i].text, m->search))
            continue;
        if (dir > 0 ? i <= from : i >= from)
            tui_message(m, LR_TUI_A_PROMPT, "search wrapped: %s", m->search);
        v->cursor = i;
        tui_scroll_into_view(m, v);
        return LR_TUI_ACT_NONE;
    }
    tui_message(m, LR_TUI_A_WARN, "Pattern not found: %s", m->search);
    return LR_TUI_ACT_BEEP;
}

static bool search_applies(const lr_tui_t *m)
{
    return m->search_active && m->search_screen == tui_top(m) && m->search[0];
}

/* ---- prompts ------------------------------------------------------------------- */

static void prompt_open(lr_tui_t *m, lr_tui_prompt_t kind, const char *initial)
{
    m->prompt = kind;
    snprintf(m->input, sizeof(m->input), "%s", initial ? initial : "");
    m->input_len = strlen(m->input);
}

static void prompt_close(lr_tui_t *m)
{
    m->prompt = LR_TUI_PROMPT_NONE;
    m->input[0] = '\0';
    m->input_len = 0;
}

/* Appends a code point as UTF-8. */
static void input_add(lr_tui_t *m, int key)
{
    char u[4];
    size_t n;
    unsigned c = (unsigned)key;
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    if (m->input_len + n >= sizeof(m->input))
        return;
    memcpy(m->input + m->input_len, u, n);
    m->input_len += n;
    m->input[m->input_len] = '\0';
}

static void input_backspace(lr_tui_t *m)
{
    /* drop a whole UTF-8 sequence */
    while (m->input_len > 0) {
        unsigned char c = (unsigned char)m->input[--m->input_len];
        if ((c & 0xc0) != 0x80)
            break;
    }
    m->input[m->input_len] = '\0';
}

/* R in a diff: the older side unless "n" (or "newer") was typed. */
static unsigned side_enter(lr_tui_t *m, const char *input)
{
    bool older = !input[0] || strcmp(input, "o") == 0 || strcmp(input, "older") == 0;
    bool newer = strcmp(input, "n") == 0 || strcmp(input, "newer") == 0;
    if (!older && !newer) {
        tui_message(m, LR_TUI_A_PROMPT, "Restore cancelled: type o (older) or n (newer).");
        return LR_TUI_ACT_NONE;
    }
    tui_open_review(m, older ? m->diff_old : m->diff_new);
    return LR_TUI_ACT_NONE;
}

/* The new-name prompt: "NAME as NEWNAME" through the same review. */
static unsigned lv_as_enter(lr_tui_t *m, const char *input)
{
    if (!input[0]) {
        tui_message(m, LR_TUI_A_PROMPT, "Bring back cancelled.");
        return LR_TUI_ACT_NONE;
    }
    char what[2 * TUI_INPUT_MAX + 8];
    snprintf(what, sizeof(what), "%s as %s", m->lv_name, input);
    tui_open_lv_review(m, m->lv_version, what);
    return LR_TUI_ACT_NONE;
}

/* b on the detail: the LV under the cursor, through the review of R. When
 * its name is taken in the current version, only the new name is asked
 * for (the refusal would say the same). */
static unsigned bring_back_key(lr_tui_t *m)
{
    char name[TUI_INPUT_MAX];
    if (m->detail_version < 0 || !tui_detail_lv(m, name, sizeof(name))) {
        tui_message(m, LR_TUI_A_PROMPT, "Move the cursor to an LV (j/k) first; B types LV names.");
        return LR_TUI_ACT_BEEP;
    }
    int version = m->detail_version;
    m->lv_version = version;
    if (tui_open_lv_review(m, version, name) != 0)
        return LR_TUI_ACT_NONE;
    if (m->review != LR_TUI_REVIEW_REFUSED || !(m->review_hints & LR_HINT_NEW_NAME))
        return LR_TUI_ACT_NONE;
    tui_review_free(m);
    tui_pop(m); /* back to the detail, which stays as it was */
    m->lv_version = version;
    snprintf(m->lv_name, sizeof(m->lv_name), "%s", name);
    prompt_open(m, LR_TUI_PROMPT_LV_AS, NULL);
    return LR_TUI_ACT_NONE;
}

static unsigned prompt_enter(lr_tui_t *m)
{
    char input[TUI_INPUT_MAX];
    snprintf(input, sizeof(input), "%s", m->input);
    lr_tui_prompt_t kind = m->prompt;
    if (kind == LR_TUI_PROMPT_CONFIRM)
        return tui_review_enter(m);
    prompt_close(m);
    if (kind == LR_TUI_PROMPT_EXPORT) {
        if (!input[0]) {
            tui_message(m, LR_TUI_A_PROMPT, "Export cancelled.");
            return LR_TUI_ACT_NONE;
        }
        tui_export_enter(m, m->export_version, input);
        return LR_TUI_ACT_NONE;
    }
    if (kind == LR_TUI_PROMPT_OVERWRITE) {
        tui_export_overwrite_enter(m, input);
        return LR_TUI_ACT_NONE;
    }
    if (kind == LR_TUI_PROMPT_LV) {
        if (!input[0])
            tui_message(m, LR_TUI_A_PROMPT, "Bring back cancelled.");
        else
            tui_open_lv_review(m, m->lv_version, input);
        return LR_TUI_ACT_NONE;
    }
    if (kind == LR_TUI_PROMPT_LV_AS)
        return lv_as_enter(m, input);
    if (kind == LR_TUI_PROMPT_SIDE)
        return side_enter(m, input);
    if (kind == LR_TUI_PROMPT_OUTPUT) {
        if (!input[0])
            tui_message(m, LR_TUI_A_PROMPT, "Restore into copies cancelled.");
        else
            tui_open_copy_review(m, m->output_version, input);
        return LR_TUI_ACT_NONE;
    }
    /* search: an empty pattern repeats the last one, as in less(1) */
    if (input[0])
        snprintf(m->search, sizeof(m->search), "%s", input);
    if (!m->search[0])
        return LR_TUI_ACT_NONE;
    m->search_active = true;
    m->search_screen = tui_top(m);
    return search_step(m, 1);
}

static unsigned prompt_key(lr_tui_t *m, int key)
{
    if (key == LR_TUI_KEY_ENTER || key == '\n' || key == '\r')
        return prompt_enter(m);
    if (key == LR_TUI_KEY_ESC) {
        if (m->prompt == LR_TUI_PROMPT_CONFIRM) {
            m->input[0] = '\0';
            m->input_len = 0;
            return tui_review_enter(m); /* anything but yes cancels */
        }
        lr_tui_prompt_t kind = m->prompt;
        prompt_close(m);
        if (kind == LR_TUI_PROMPT_OVERWRITE)
            tui_export_overwrite_enter(m, ""); /* says it was not overwritten */
        return LR_TUI_ACT_NONE;
    }
    if (key == LR_TUI_KEY_BACKSPACE || key == 127 || key == 8) {
        input_backspace(m);
        return LR_TUI_ACT_NONE;
    }
    /* The plan can be longer than the screen: the keys that do not type
     * scroll it while the confirmation waits. */
    if (m->prompt == LR_TUI_PROMPT_CONFIRM && key >= LR_TUI_KEY_UP && key <= LR_TUI_KEY_END &&
        key != LR_TUI_KEY_LEFT && key != LR_TUI_KEY_RIGHT) {
        bool handled;
        return navigate(m, key, &handled);
    }
    if (key >= 0x20 && key < 0x110000 && key != 0x7f)
        input_add(m, key);
    return LR_TUI_ACT_NONE;
}

/* ---- per-screen keys ----------------------------------------------------------- */

static unsigned open_version_action(lr_tui_t *m, int key, int version)
{
    if (version < 0)
        return LR_TUI_ACT_BEEP;
    switch (key) {
    case 'd':
        tui_open_diff(m, version);
        return LR_TUI_ACT_NONE;
    case 'R':
        tui_open_review(m, version);
        return LR_TUI_ACT_NONE;
    case 'C':
        m->output_version = version;
        prompt_open(m, LR_TUI_PROMPT_OUTPUT, NULL);
        return LR_TUI_ACT_NONE;
    case 'e': {
        char def[300];
        const lr_scan_version_t *v = &m->scan->vgs[m->vg].versions[version];
        const char *vgname = m->scan->vgs[m->vg].name ? m->scan->vgs[m->vg].name : "vg";
        snprintf(def, sizeof(def), "%s-seqno%llu.vg", vgname, (unsigned long long)v->seqno);
        m->export_version = version;
        prompt_open(m, LR_TUI_PROMPT_EXPORT, def);
        return LR_TUI_ACT_NONE;
    }
    case ' ':
        m->version = version;
        tui_toggle_mark(m);
        return LR_TUI_ACT_NONE;
    default:
        return LR_TUI_ACT_BEEP;
    }
}

static bool is_version_key(int key)
{
    return key == 'd' || key == 'R' || key == 'C' || key == 'e';
}

static unsigned screen_key(lr_tui_t *m, int key, bool *handled)
{
    lr_tui_screen_t s = tui_top(m);
    tui_view_t *v = tui_view_of(m, s);
    long ref = v->list && v->cursor >= 0 ? v->rows[v->cursor].ref : -1;
    *handled = true;
    switch (s) {
    case LR_TUI_SCR_VGS:
        if (key == LR_TUI_KEY_ENTER || key == LR_TUI_KEY_RIGHT || key == 'l') {
            if (ref >= 0)
                return tui_open_vg(m, (int)ref) ? LR_TUI_ACT_BEEP : LR_TUI_ACT_NONE;
            if (v->cursor >= 0)
                tui_message(m, LR_TUI_A_PROMPT,
                            "A PV label no VG's metadata names: it has no history to show.");
            return LR_TUI_ACT_BEEP;
        }
        break;
    case LR_TUI_SCR_HISTORY:
        if (key == LR_TUI_KEY_ENTER || key == LR_TUI_KEY_RIGHT || key == 'l')
            return ref >= 0 && !tui_open_detail(m, (int)ref) ? LR_TUI_ACT_NONE : LR_TUI_ACT_BEEP;
        if (is_version_key(key) || key == ' ')
            return open_version_action(m, key, (int)ref);
        break;
    case LR_TUI_SCR_DETAIL:
        if (is_version_key(key))
            return open_version_action(m, key, m->detail_version);
        if (key == ' ') {
            open_version_action(m, key, m->detail_version);
            return LR_TUI_ACT_NONE;
        }
        if (key == 'b')
            return bring_back_key(m);
        if (key == 'B' && m->detail_version >= 0) {
            char def[TUI_INPUT_MAX];
            tui_lv_default(m, m->detail_version, def, sizeof(def));
            m->lv_version = m->detail_version;
            prompt_open(m, LR_TUI_PROMPT_LV, def);
            return LR_TUI_ACT_NONE;
        }
        break;
    case LR_TUI_SCR_DIFF:
        if (key == 'n' && !search_applies(m)) {
            tui_diff_jump(m, 1);
            return LR_TUI_ACT_NONE;
        }
        if (key == 'p') {
            tui_diff_jump(m, -1);
            return LR_TUI_ACT_NONE;
        }
        if (key == 'R') {
            /* never the side the diff was opened from by default: after
             * "seqno 8 -> seqno 9" the older one is usually the good one */
            prompt_open(m, LR_TUI_PROMPT_SIDE, NULL);
            return LR_TUI_ACT_NONE;
        }
        if (key == 'e')
            return open_version_action(m, key, m->diff_version);
        break;
    case LR_TUI_SCR_REVIEW:
        if (is_back_key(key)) {
            /* after a restore the history below was rebuilt: go there */
            tui_review_free(m);
            tui_pop(m);
            return LR_TUI_ACT_NONE;
        }
        /* a plan that cannot be written in place (gzip): into copies */
        if (key == 'c' && m->review == LR_TUI_REVIEW_REFUSED && m->plan && !m->review_lv[0]) {
            int version = m->review_version;
            tui_review_free(m);
            tui_pop(m);
            m->output_version = version;
            prompt_open(m, LR_TUI_PROMPT_OUTPUT, NULL);
            return LR_TUI_ACT_NONE;
        }
        break;
    default:
        break;
    }
    *handled = false;
    return LR_TUI_ACT_NONE;
}

static unsigned progress_key(lr_tui_t *m, int key)
{
    if (key == 'q' || key == 'Q') {
        m->stop = true;
        tui_message(m, LR_TUI_A_WARN, "Stopping the scan...");
    } else if (key != LR_TUI_KEY_CTRL_L) {
        tui_message(m, LR_TUI_A_PROMPT, "Still scanning; q stops and shows what was found.");
    }
    return key == LR_TUI_KEY_CTRL_L ? LR_TUI_ACT_REDRAW : LR_TUI_ACT_NONE;
}

/* While the screen cannot be drawn whole, a key must not act on what the
 * user does not see (a restore's "yes"): only q, which leaves (or stops the
 * scan, as on the progress screen), is taken; resizes reach the model
 * through lr_tui_resize. */
static unsigned small_key(lr_tui_t *m, int key)
{
    if (key != 'q' && key != 'Q')
        return LR_TUI_ACT_NONE;
    if (tui_top(m) == LR_TUI_SCR_PROGRESS)
        return progress_key(m, key);
    if (m->rescanning || m->review == LR_TUI_REVIEW_RUNNING)
        return LR_TUI_ACT_NONE; /* writing or rescanning: leaving waits too */
    return LR_TUI_ACT_QUIT;
}

/* The history's selection follows its cursor, whatever moved it. */
static void sync_selection(lr_tui_t *m)
{
    const tui_view_t *v = &m->views[LR_TUI_SCR_HISTORY];
    if (tui_top(m) == LR_TUI_SCR_HISTORY && v->cursor >= 0 && v->rows[v->cursor].ref >= 0)
        m->version = (int)v->rows[v->cursor].ref;
}

static unsigned key_dispatch(lr_tui_t *m, int key);

unsigned lr_tui_key(lr_tui_t *m, int key)
{
    unsigned act = key_dispatch(m, key);
    sync_selection(m);
    return act;
}

static unsigned key_dispatch(lr_tui_t *m, int key)
{
    if (key == LR_TUI_KEY_CTRL_L)
        return LR_TUI_ACT_REDRAW;
    if (tui_too_small(m))
        return small_key(m, key);
    if (m->rescanning || m->review == LR_TUI_REVIEW_RUNNING)
        return LR_TUI_ACT_NONE; /* writing or rescanning: keys wait */
    if (tui_top(m) == LR_TUI_SCR_PROGRESS)
        return progress_key(m, key);
    if (key == '\n' || key == '\r')
        key = LR_TUI_KEY_ENTER;
    if (m->prompt != LR_TUI_PROMPT_NONE)
        return prompt_key(m, key);
    m->msg[0] = '\0';

    if ((key == '?' || key == LR_TUI_KEY_F1) && tui_top(m) != LR_TUI_SCR_HELP) {
        tui_build_help(m);
        tui_push(m, LR_TUI_SCR_HELP);
        return LR_TUI_ACT_NONE;
    }
    bool handled;
    unsigned act = screen_key(m, key, &handled);
    if (handled)
        return act;
    act = navigate(m, key, &handled);
    if (handled)
        return act;
    if (key == '/') {
        prompt_open(m, LR_TUI_PROMPT_SEARCH, NULL);
        return LR_TUI_ACT_NONE;
    }
    if (key == 'n' || key == 'N') {
        if (!search_applies(m)) {
            tui_message(m, LR_TUI_A_PROMPT, "No search here yet: / starts one.");
            return LR_TUI_ACT_BEEP;
        }
        return search_step(m, key == 'n' ? 1 : -1);
    }
    if (is_back_key(key)) {
        if (m->depth > 1 && tui_top(m) != LR_TUI_SCR_VGS) {
            tui_pop(m);
            return LR_TUI_ACT_NONE;
        }
        return key == 'q' ? LR_TUI_ACT_QUIT : LR_TUI_ACT_BEEP;
    }
    return LR_TUI_ACT_BEEP;
}

int lr_tui_work(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err)
{
    unsigned what = m->pending;
    m->pending = TUI_WORK_NONE;
    if (what == TUI_WORK_RESTORE)
        return tui_restore_work(m, pump, arg, err);
    return 0;
}

void lr_tui_resize(lr_tui_t *m, int rows, int cols)
{
    m->rows = rows > 0 ? rows : 1;
    m->cols = cols > 0 ? cols : 1;
    /* The extent map is laid out for the width: rebuild it. */
    if (m->detail_version >= 0 && m->scan && tui_on_stack(m, LR_TUI_SCR_DETAIL)) {
        long top = m->views[LR_TUI_SCR_DETAIL].top;
        tui_build_detail(m, m->detail_version);
        m->views[LR_TUI_SCR_DETAIL].top = top;
    }
    if (m->scan && tui_on_stack(m, LR_TUI_SCR_VGS))
        tui_build_vgs(m);    /* long statuses move to lines of their own */
    tui_relayout_history(m); /* the command column gets the room */
    for (int i = 0; i < LR_TUI_N_SCREENS; i++) {
        tui_wrap(m, &m->views[i]); /* text screens: lines wrapped anew */
        tui_scroll_into_view(m, &m->views[i]);
    }
    tui_wrap(m, &m->warn);
}

/* ---- the scan ------------------------------------------------------------------ */

int lr_tui_set_scan(lr_tui_t *m, lr_scan_session_t *session, lr_error_t *err)
{
    tui_evidence_free(m);
    lr_scan_session_free(m->session);
    m->session = session;
    m->scan = lr_scan_result(session);
    m->scan_status = 0;
    m->depth = 1;
    m->stack[0] = LR_TUI_SCR_VGS;
    m->vg = m->version = m->mark = -1;
    int rc = tui_build_vgs(m);
    if (rc)
        return lr_error_set(err, rc, LR_NO_OFFSET, "cannot show the VG list: %s", lr_strerror(rc));
    return 0;
}

int lr_tui_scan(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err)
{
    m->stack[0] = LR_TUI_SCR_PROGRESS;
    m->depth = 1;
    m->stop = false;
    int rc = tui_run_scan(m, pump, arg, err);
    m->scan_status = rc;
    if (rc) {
        char buf[TUI_MSG_MAX];
        snprintf(m->scan_error, sizeof(m->scan_error), "%s",
                 lr_error_format(err, buf, sizeof(buf)));
    }
    m->stack[0] = LR_TUI_SCR_VGS;
    m->msg[0] = '\0';
    int brc = tui_build_vgs(m);
    return rc ? rc : brc;
}

int lr_tui_progress(lr_tui_t *m, const lr_scan_progress_t *p, double elapsed)
{
    m->progress = *p;
    m->have_progress = true;
    m->elapsed = elapsed;
    return m->stop ? 1 : 0;
}

/* ---- accessors ----------------------------------------------------------------- */

lr_tui_screen_t lr_tui_screen(const lr_tui_t *m)
{
    return tui_top(m);
}

lr_tui_prompt_t lr_tui_prompt_kind(const lr_tui_t *m)
{
    return m->prompt;
}

lr_tui_review_state_t lr_tui_review_state(const lr_tui_t *m)
{
    return m->review;
}

const lr_scan_t *lr_tui_scan_result(const lr_tui_t *m)
{
    return m->scan;
}

int lr_tui_selected_vg(const lr_tui_t *m)
{
    /* the help screen is about no VG: the screen below it says which */
    int d = m->depth - 1;
    while (d > 0 && m->stack[d] == LR_TUI_SCR_HELP)
        d--;
    if (m->stack[d] == LR_TUI_SCR_VGS) {
        const tui_view_t *v = &m->views[LR_TUI_SCR_VGS];
        return v->cursor >= 0 && v->rows[v->cursor].ref >= 0 ? (int)v->rows[v->cursor].ref : -1;
    }
    return m->vg;
}

int lr_tui_selected_version(const lr_tui_t *m)
{
    return tui_current_version(m);
}

int lr_tui_marked_version(const lr_tui_t *m)
{
    return m->mark;
}

const char *lr_tui_selection(const lr_tui_t *m)
{
    lr_tui_t *mm = (lr_tui_t *)m; /* the text is cached in the model */
    mm->selection[0] = '\0';
    if (!m->scan)
        return m->selection;
    int version = tui_current_version(m);
    if (version >= 0) {
        tui_version_name(m, version, mm->selection, sizeof(mm->selection));
        return m->selection;
    }
    int vg = lr_tui_selected_vg(m);
    if (vg < 0 || (size_t)vg >= m->scan->n_vgs)
        return m->selection;
    const lr_scan_vg_t *g = &m->scan->vgs[vg];
    uint64_t seqno = g->latest >= 0 ? g->versions[g->latest].seqno : g->max_seqno;
    snprintf(mm->selection, sizeof(mm->selection), "%s seqno %llu", g->name ? g->name : "?",
             (unsigned long long)seqno);
    return m->selection;
}

const char *lr_tui_message(const lr_tui_t *m)
{
    return m->msg;
}

size_t lr_tui_n_lines(const lr_tui_t *m)
{
    return m->views[tui_top(m)].n_rows;
}

const char *lr_tui_line(const lr_tui_t *m, size_t i)
{
    const tui_view_t *v = &m->views[tui_top(m)];
    return i < v->n_rows ? v->rows[i].text : NULL;
}

long lr_tui_cursor(const lr_tui_t *m)
{
    const tui_view_t *v = &m->views[tui_top(m)];
    if (v->mixed)
        return v->cursor >= 0 && v->rows[v->cursor].selectable ? v->cursor : -1;
    return v->list ? v->cursor : -1;
}

const char *lr_tui_selected_lv(const lr_tui_t *m)
{
    const tui_view_t *v = &m->views[LR_TUI_SCR_DETAIL];
    if (tui_top(m) != LR_TUI_SCR_DETAIL || v->cursor < 0 || !v->rows[v->cursor].selectable)
        return "";
    long ref = v->rows[v->cursor].ref;
    return ref >= 0 && (size_t)ref < m->n_detail_lvs ? m->detail_lvs[ref] : "";
}

const lr_diff_t *lr_tui_diff(const lr_tui_t *m)
{
    return m->diff;
}

long lr_tui_diff_change(const lr_tui_t *m)
{
    const tui_view_t *v = &m->views[LR_TUI_SCR_DIFF];
    if (!m->diff || v->cursor < 0)
        return -1;
    return v->rows[v->cursor].ref;
}

const char *lr_tui_undo_path(const lr_tui_t *m)
{
    return m->undo_path;
}
