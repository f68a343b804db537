/* lvmtui view model: strings, display widths and small formatters. Text from
 * images (VG names, descriptions, host names) is untrusted, so every frame
 * line passes through tui_fit, which never lets a control byte or invalid
 * UTF-8 reach the terminal. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lr/fmt.h"
#include "model_int.h"

void tui_pad(lr_strbuf_t *b, size_t col)
{
    /* Our own text is ASCII up to here, but names may not be: count
     * columns, not bytes. */
    size_t line = 0;
    if (b->s) {
        const char *nl = strrchr(b->s, '\n');
        line = nl ? (size_t)(nl + 1 - b->s) : 0;
    }
    size_t w = b->s ? tui_width(b->s + line, true) : 0;
    while (w++ < col)
        lr_strbuf_putn(b, " ", 1);
}

/* ---- UTF-8 display widths -------------------------------------------------- */

/* Columns of a code point. Our own table rather than wcwidth(3), whose
 * answer depends on the locale: dumps must be the same everywhere. Control
 * characters never get here (they are replaced first). */
static int cp_width(uint32_t cp)
{
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
        (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x200b && cp <= 0x200f) ||
        (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
        (cp >= 0xfe20 && cp <= 0xfe2f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* The next displayable unit of s: its bytes (or "?" for anything unsafe)
 * and its width. Returns the bytes consumed from s. */
static size_t next_unit(const char *s, bool utf8, const char **out, size_t *out_len, int *w)
{
    uint32_t cp = 0;
    size_t n = lr_utf8_decode(s, strnlen(s, 4), &cp);
    bool ok = n > 0 && lr_utf8_printable(cp) && (utf8 || cp < 0x80);
    if (!ok) {
        *out = "?";
        *out_len = 1;
        *w = 1;
        return n ? n : 1;
    }
    *out = s;
    *out_len = n;
    *w = cp_width(cp);
    return n;
}

size_t tui_width(const char *s, bool utf8)
{
    size_t w = 0;
    while (*s) {
        const char *u;
        size_t ul;
        int cw;
        s += next_unit(s, utf8, &u, &ul, &cw);
        w += (size_t)cw;
    }
    return w;
}

/* Width of s without its trailing spaces: padding that does not fit is not
 * text that was cut. */
static size_t text_width(const char *s, bool utf8)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    size_t w = 0;
    for (size_t at = 0; at < n;) {
        const char *u;
        size_t ul;
        int cw;
        at += next_unit(s + at, utf8, &u, &ul, &cw);
        w += (size_t)cw;
    }
    return w;
}

void tui_fit(lr_strbuf_t *b, const char *s, size_t cols, bool utf8)
{
    if (!s)
        s = "";
    /* Cut text ends in an ellipsis, so a cut never reads as the whole. */
    bool cut = cols > 0 && text_width(s, utf8) > cols;
    size_t room = cut ? cols - 1 : cols;
    size_t w = 0;
    while (*s) {
        const char *u;
        size_t ul;
        int cw;
        size_t used = next_unit(s, utf8, &u, &ul, &cw);
        if (w + (size_t)cw > room)
            break;
        lr_strbuf_putn(b, u, ul);
        w += (size_t)cw;
        s += used;
    }
    if (cut) {
        lr_strbuf_puts(b, utf8 ? TUI_ELLIPSIS : TUI_ELLIPSIS_ASCII);
        w++;
    }
    while (w++ < cols)
        lr_strbuf_putn(b, " ", 1);
}

size_t tui_prefix_fit(const char *s, size_t cols, bool utf8)
{
    size_t w = 0, at = 0;
    while (s[at]) {
        const char *u;
        size_t ul;
        int cw;
        size_t used = next_unit(s + at, utf8, &u, &ul, &cw);
        if (w + (size_t)cw > cols)
            break;
        w += (size_t)cw;
        at += used;
    }
    return at;
}

bool tui_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!n)
        return true;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* ---- formatters ------------------------------------------------------------- */

const char *tui_size(uint64_t bytes, char *buf, size_t len)
{
    /* Exact sizes (the common case: extents are powers of two) without
     * decimals, anything else with one. */
    return lr_fmt_size(bytes, LR_FMT_SIZE_WHOLE, buf, len);
}

const char *tui_time(int64_t t, char *buf, size_t len)
{
    return lr_fmt_time(t, 0, "-", buf, len);
}

const char *tui_time_short(int64_t t, char *buf, size_t len)
{
    char full[64];
    lr_fmt_time(t, 0, "-", full, sizeof(full));
    /* "2026-11-25 08:03:25" -> "11-25 08:03" */
    if (strlen(full) == 19)
        snprintf(buf, len, "%.11s", full + 5);
    else
        snprintf(buf, len, "%s", full);
    return buf;
}

const char *tui_command(const char *desc, char *buf, size_t len)
{
    if (!desc || !*desc) {
        snprintf(buf, len, "-");
        return buf;
    }
    const char *p = desc + lr_evidence_write_prefix(desc);
    snprintf(buf, len, "%s", p);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '.')
        buf[n - 1] = '\0';
    return buf;
}

const char *tui_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}
