/* lvmtui view model: strings, display widths and small formatters. Text from
 * images (VG names, descriptions, host names) is untrusted, so every frame
 * line passes through tui_fit, which never lets a control byte or invalid
 * UTF-8 reach the terminal. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_int.h"

void tb_init(tbuf_t *b)
{
    memset(b, 0, sizeof(*b));
}

static bool tb_reserve(tbuf_t *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void tb_putn(tbuf_t *b, const char *s, size_t n)
{
    if (!tb_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void tb_put(tbuf_t *b, const char *s)
{
    tb_putn(b, s, strlen(s));
}

void tb_vprintf(tbuf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !tb_reserve(b, (size_t)n))
        return;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void tb_printf(tbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tb_vprintf(b, fmt, ap);
    va_end(ap);
}

void tb_pad(tbuf_t *b, size_t col)
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
        tb_putn(b, " ", 1);
}

char *tb_take(tbuf_t *b)
{
    if (b->oom) {
        tb_free(b);
        return NULL;
    }
    if (!b->s && !tb_reserve(b, 0))
        return NULL;
    if (!b->len)
        b->s[0] = '\0';
    char *s = b->s;
    tb_init(b);
    return s;
}

void tb_free(tbuf_t *b)
{
    free(b->s);
    tb_init(b);
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Decodes one valid UTF-8 sequence at p (at most n bytes). Returns its
 * length and the code point, or 0 when invalid (overlong, surrogate, out of
 * range, truncated). */
static size_t utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned v = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Columns of a code point. Our own table rather than wcwidth(3), whose
 * answer depends on the locale: dumps must be the same everywhere. Control
 * characters never get here (they are replaced first). */
static int cp_width(unsigned cp)
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
    const unsigned char *p = (const unsigned char *)s;
    unsigned cp = 0;
    size_t n = utf8_decode(p, strnlen(s, 4), &cp);
    bool ok =
        n > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) && (utf8 || cp < 0x80);
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

void tui_fit(tbuf_t *b, const char *s, size_t cols, bool utf8)
{
    size_t w = 0;
    while (s && *s) {
        const char *u;
        size_t ul;
        int cw;
        size_t used = next_unit(s, utf8, &u, &ul, &cw);
        if (w + (size_t)cw > cols)
            break;
        tb_putn(b, u, ul);
        w += (size_t)cw;
        s += used;
    }
    while (w++ < cols)
        tb_putn(b, " ", 1);
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
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    uint64_t whole = bytes;
    while (whole >= 1024 && whole % 1024 == 0 && u < 6) {
        whole /= 1024;
        u++;
    }
    /* Exact sizes (the common case: extents are powers of two) print as
     * integers; anything else with one decimal in the largest unit. */
    if (whole < 1024 || u == 6) {
        snprintf(buf, len, "%" PRIu64 " %s", whole, unit[u]);
        return buf;
    }
    double v = (double)bytes;
    u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

const char *tui_time(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, len, "-");
    return buf;
}

const char *tui_command(const char *desc, char *buf, size_t len)
{
    if (!desc || !*desc) {
        snprintf(buf, len, "-");
        return buf;
    }
    const char *p = strncmp(desc, "Write from ", 11) == 0 ? desc + 11 : desc;
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
