/* lvmtui view model: the rows of one screen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

static void rows_free(tui_row_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].text);
    free(rows);
}

void tui_view_clear(tui_view_t *v)
{
    rows_free(v->rows, v->n_rows);
    rows_free(v->src, v->n_src);
    free(v->title);
    free(v->header);
    memset(v, 0, sizeof(*v));
    v->cursor = -1;
}

static int rows_push(tui_row_t **rows, size_t *n, size_t *cap, tui_row_t row)
{
    if (!row.text)
        return -ENOMEM;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 32;
        tui_row_t *r = realloc(*rows, c * sizeof(*r));
        if (!r) {
            free(row.text);
            return -ENOMEM;
        }
        *rows = r;
        *cap = c;
    }
    (*rows)[(*n)++] = row;
    return 0;
}

static int tui_view_push(tui_view_t *v, lr_tui_attr_t attr, long ref, bool selectable, char *text)
{
    tui_row_t row = {.text = text, .attr = attr, .ref = ref, .selectable = selectable};
    if (v->wrap)
        return rows_push(&v->src, &v->n_src, &v->cap_src, row);
    return rows_push(&v->rows, &v->n_rows, &v->cap, row);
}

void tui_view_set_wrap(tui_view_t *v)
{
    v->wrap = true;
}

/* Continuation lines are indented two columns past the line's own
 * indentation, so wrapped text still reads as one item. */
static int wrap_line(tui_row_t **rows, size_t *n, size_t *cap, const tui_row_t *src, size_t width)
{
    const char *s = src->text;
    size_t indent = strspn(s, " ");
    if (indent + 2 >= width / 2)
        indent = 0;
    bool first = true;
    do {
        size_t lead = first ? 0 : indent + 2;
        size_t room = width > lead ? width - lead : 1;
        size_t fit = tui_prefix_fit(s, room, true);
        size_t cut = fit;
        if (s[fit] && s[fit] != ' ') {
            /* break after the last space that fits, if any beyond the indent */
            size_t sp = fit;
            while (sp > 0 && s[sp - 1] != ' ')
                sp--;
            if (sp > (first ? indent + 1 : 0))
                cut = sp;
            if (cut == 0)
                cut = 1; /* not even one character fits: never loop */
        }
        lr_strbuf_t b = LR_STRBUF_INIT;
        for (size_t i = 0; i < lead; i++)
            lr_strbuf_puts(&b, " ");
        lr_strbuf_putn(&b, s, cut);
        tui_row_t row = {.text = lr_strbuf_take(&b, NULL),
                         .attr = src->attr,
                         .ref = src->ref,
                         .selectable = src->selectable};
        int rc = rows_push(rows, n, cap, row);
        if (rc)
            return rc;
        s += cut;
        while (*s == ' ')
            s++; /* a continuation never starts with the spaces of the break */
        first = false;
    } while (*s);
    return 0;
}

int tui_view_wrap(tui_view_t *v, size_t width)
{
    tui_row_t *rows = NULL;
    size_t n = 0, cap = 0;
    if (width < 8)
        width = 8;
    for (size_t i = 0; i < v->n_src; i++) {
        int rc = v->src[i].text[0] ? wrap_line(&rows, &n, &cap, &v->src[i], width)
                                   : rows_push(&rows, &n, &cap,
                                               (tui_row_t){.text = strdup(""),
                                                           .attr = v->src[i].attr,
                                                           .ref = v->src[i].ref});
        if (rc) {
            rows_free(rows, n);
            return rc;
        }
    }
    rows_free(v->rows, v->n_rows);
    v->rows = rows;
    v->n_rows = n;
    v->cap = cap;
    return 0;
}

/* printf into a new string the caller owns; NULL when out of memory. */
static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

int tui_view_add(tui_view_t *v, lr_tui_attr_t attr, long ref, bool selectable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = vformat(fmt, ap);
    va_end(ap);
    return tui_view_push(v, attr, ref, selectable, t);
}

int tui_view_add_text(tui_view_t *v, lr_tui_attr_t attr, const char *text)
{
    /* Multi-line text (a rendered plan, a diff report) becomes one row per
     * line. */
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        int rc = tui_view_push(v, attr, -1, false, line);
        if (rc)
            return rc;
        p += n;
        if (*p == '\n')
            p++;
    }
    return 0;
}

int tui_view_set_title(tui_view_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = vformat(fmt, ap);
    va_end(ap);
    if (!t)
        return -ENOMEM;
    free(v->title);
    v->title = t;
    return 0;
}

int tui_view_set_header(tui_view_t *v, const char *text)
{
    char *h = text ? strdup(text) : NULL;
    if (text && !h)
        return -ENOMEM;
    free(v->header);
    v->header = h;
    return 0;
}

long tui_view_find_ref(const tui_view_t *v, long ref)
{
    for (size_t i = 0; i < v->n_rows; i++)
        if (v->rows[i].selectable && v->rows[i].ref == ref)
            return (long)i;
    return -1;
}

long tui_view_first_selectable(const tui_view_t *v, long from, int dir)
{
    for (long i = from; i >= 0 && i < (long)v->n_rows; i += dir)
        if (v->rows[i].selectable)
            return i;
    return -1;
}
