/* Growable string buffer, JSON string escaping and UTF-8 decoding
 * (lr/strbuf.h). */
#include "lr/strbuf.h"

#include <stdlib.h>
#include <string.h>

/* ---- growable string buffer -------------------------------------------- */

/* Makes room for `more` bytes and the NUL; false (and failed set) when it
 * cannot. */
static bool reserve(lr_strbuf_t *b, size_t more)
{
    if (b->failed)
        return false;
    if (more > SIZE_MAX - 1 - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void lr_strbuf_init(lr_strbuf_t *b)
{
    *b = (lr_strbuf_t)LR_STRBUF_INIT;
}

void lr_strbuf_putn(lr_strbuf_t *b, const void *data, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void lr_strbuf_puts(lr_strbuf_t *b, const char *s)
{
    lr_strbuf_putn(b, s, strlen(s));
}

void lr_strbuf_vprintf(lr_strbuf_t *b, const char *fmt, va_list ap)
{
    if (b->failed)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void lr_strbuf_printf(lr_strbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lr_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *lr_strbuf_take(lr_strbuf_t *b, size_t *len)
{
    if (!b->s && reserve(b, 0))
        b->s[0] = '\0'; /* an empty text is still a string the caller owns */
    if (b->failed) {
        lr_strbuf_free(b);
        return NULL;
    }
    char *s = b->s;
    if (len)
        *len = b->len;
    lr_strbuf_init(b);
    return s;
}

void lr_strbuf_free(lr_strbuf_t *b)
{
    free(b->s);
    lr_strbuf_init(b);
}

/* ---- JSON -------------------------------------------------------------- */

/* Where escaped text goes: a buffer or a FILE. */
typedef void (*sink_fn)(void *to, const char *p, size_t n);

static void sink_strbuf(void *to, const char *p, size_t n)
{
    lr_strbuf_putn(to, p, n);
}

static void sink_file(void *to, const char *p, size_t n)
{
    fwrite(p, 1, n, to);
}

/* Bytes at p that go out as they are: printable ASCII other than '"' and
 * '\', and whole valid UTF-8 sequences. */
static size_t plain_run(const unsigned char *p)
{
    size_t n = 0;
    for (;;) {
        unsigned c = p[n];
        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f)
            return n;
        if (c < 0x80) {
            n++;
            continue;
        }
        uint32_t cp;
        size_t k = lr_utf8_decode((const char *)p + n, strnlen((const char *)p + n, 4), &cp);
        if (!k)
            return n;
        n += k;
    }
}

static void json_escape(const char *s, sink_fn put, void *to)
{
    if (!s) {
        put(to, "null", 4);
        return;
    }
    put(to, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = plain_run(p);
        if (n) {
            put(to, (const char *)p, n);
            p += n;
            continue;
        }
        char esc[8];
        if (*p == '"' || *p == '\\')
            snprintf(esc, sizeof(esc), "\\%c", *p);
        else /* a control byte, or a byte of invalid UTF-8 as its Latin-1 code */
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
        put(to, esc, strlen(esc));
        p++;
    }
    put(to, "\"", 1);
}

void lr_strbuf_json_str(lr_strbuf_t *b, const char *s)
{
    json_escape(s, sink_strbuf, b);
}

void lr_json_fputs(const char *s, FILE *f)
{
    json_escape(s, sink_file, f);
}

/* ---- UTF-8 ------------------------------------------------------------- */

size_t lr_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t min;
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
    uint32_t v = c & (0x7fu >> len);
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

bool lr_utf8_printable(uint32_t cp)
{
    return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
}

/* ---- terminal-safe text ------------------------------------------------ */

/* The length of the printable UTF-8 character at p (or of '\n' / '\t'
 * when keep_lines), 0 when it must be shown as '?'. */
static size_t tty_char(const char *p, bool keep_lines)
{
    uint32_t cp = 0;
    size_t k = lr_utf8_decode(p, strnlen(p, 4), &cp);
    if (k && (lr_utf8_printable(cp) || (keep_lines && (cp == '\n' || cp == '\t'))))
        return k;
    return 0;
}

/* Skips what tty_char refused: the invalid sequence's lead byte, or the
 * whole (valid) control character. */
static size_t tty_skip(const char *p)
{
    uint32_t cp = 0;
    size_t k = lr_utf8_decode(p, strnlen(p, 4), &cp);
    return k ? k : 1;
}

const char *lr_tty_safe(const char *s, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    size_t n = 0;
    const char *p = s ? s : "";
    while (*p && n + 1 < len) {
        size_t k = tty_char(p, false);
        if (k == 0 || n + k >= len) {
            buf[n++] = '?';
            p += tty_skip(p);
            continue;
        }
        memcpy(buf + n, p, k);
        n += k;
        p += k;
    }
    buf[n] = '\0';
    return buf;
}

void lr_tty_fputs(const char *s, FILE *f)
{
    const char *p = s ? s : "";
    while (*p) {
        size_t run = 0, k;
        while (p[run] && (k = tty_char(p + run, true)) != 0)
            run += k;
        fwrite(p, 1, run, f);
        p += run;
        if (*p) {
            fputc('?', f);
            p += tty_skip(p);
        }
    }
}
