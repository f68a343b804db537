/* lvmrescue core: a growable string buffer, a pool of strings (and plain
 * arrays) held once,
 * JSON string escaping and the UTF-8 checks they rest on.
 *
 * Text from images (VG and LV names, descriptions, host names) is untrusted
 * bytes, not necessarily UTF-8: everything here accepts any bytes, and the
 * JSON escaping always yields valid JSON. Nothing here prints or exits. */
#ifndef LR_STRBUF_H
#define LR_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- growable string buffer -------------------------------------------- */

/* A malloc'd string being built, always NUL-terminated once anything was
 * appended. An allocation failure sets `failed` and turns every later
 * append into a no-op, so callers build the whole text and check once, at
 * lr_strbuf_take. The buffer owns s until lr_strbuf_take hands it over;
 * lr_strbuf_free releases it. A zeroed struct (LR_STRBUF_INIT) is empty. */
typedef struct lr_strbuf {
    char *s;     /* the text, NULL until the first append */
    size_t len;  /* bytes of text, without the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation (or formatting) failed */
} lr_strbuf_t;

/* clang-format off */
#define LR_STRBUF_INIT {NULL, 0, 0, false}
/* clang-format on */

/* Makes b an empty buffer (drops, without freeing, what it held). */
void lr_strbuf_init(lr_strbuf_t *b);
/* Appends n bytes of data (NUL bytes included as they are). */
void lr_strbuf_putn(lr_strbuf_t *b, const void *data, size_t n);
/* Appends the NUL-terminated string s. */
void lr_strbuf_puts(lr_strbuf_t *b, const char *s);
/* Appends printf-formatted text. A formatting error counts as a failure. */
void lr_strbuf_printf(lr_strbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lr_strbuf_vprintf(lr_strbuf_t *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hands the text over: the caller owns (frees) the result, and b is empty
 * again. An empty buffer gives "". After a failure, frees the text and
 * returns NULL. *len (may be NULL) receives the length. */
char *lr_strbuf_take(lr_strbuf_t *b, size_t *len);
/* Frees the text and makes b empty (and no longer failed). */
void lr_strbuf_free(lr_strbuf_t *b);

/* ---- JSON -------------------------------------------------------------- */

/* Appends s as a JSON string literal, quotes included, or null when s is
 * NULL. Escaped: '"' and '\' with a backslash, control characters (C0 and
 * DEL) as \u00XX, and each byte that is not part of valid UTF-8 as \u00XX
 * (its Latin-1 code), so the result is valid JSON for any bytes; valid
 * UTF-8 is kept as it is. This is the escaping docs/lvmscan-json.md
 * documents. */
void lr_strbuf_json_str(lr_strbuf_t *b, const char *s);
/* The same literal written to f. Write errors are left in f's error
 * indicator for the caller's ferror/fclose check. */
void lr_json_fputs(const char *s, FILE *f);

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decodes the UTF-8 sequence at s, reading at most n bytes. Returns its
 * length (1 to 4) with the code point in *cp, or 0 when the bytes are not
 * valid UTF-8 (a stray or truncated sequence, overlong form, surrogate,
 * above U+10FFFF) or n is 0. */
size_t lr_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* True unless cp is a control character (C0, DEL or C1): what may be shown
 * on a terminal as it is. */
bool lr_utf8_printable(uint32_t cp);

/* ---- terminal-safe text ------------------------------------------------ */

/* What the programs print from a file name or an image (VG and LV names,
 * descriptions, hosts, paths) is untrusted: an escape sequence in it would
 * drive the terminal. These show each control character (C0, DEL, C1: ESC,
 * CSI, ...) and each byte that is not part of valid UTF-8 as '?'. */

/* A terminal-safe copy of s (NULL: "") in buf of len bytes, cut to fit
 * (never inside a character). Returns buf ("" when len is 0). */
const char *lr_tty_safe(const char *s, char *buf, size_t len);

/* Writes s (NULL: nothing) to f terminal-safe, keeping '\n' and '\t': for
 * whole texts (a plan, a diff). Write errors are left in f's error
 * indicator. */
void lr_tty_fputs(const char *s, FILE *f);

/* ---- a pool of strings, each held once ---------------------------------- */

/* Strings asked for many times (the names, UUIDs and types that every
 * version of a long VG history repeats), and arrays of plain values (its
 * LVs' segments), are copied once into the pool and shared by all who ask:
 * what the pool gives lives until the pool is freed and must never be
 * changed or freed on its own. */
typedef struct lr_strpool lr_strpool_t;

/* An empty pool; NULL without memory. Free with lr_strpool_free. */
lr_strpool_t *lr_strpool_new(void);
/* The pool's copy of s, made the first time s is asked for (the same
 * pointer for every equal string after). Owned by the pool. NULL for a NULL
 * pool or s, and without memory. */
const char *lr_strpool_intern(lr_strpool_t *p, const char *s);
/* The pool's copy of len bytes (an array of plain values: compared byte
 * for byte, padding included, so zero it), aligned for any type; the same
 * pointer for every equal run of bytes after. Owned by the pool. NULL for
 * a NULL pool or data, len 0, and without memory. */
const void *lr_strpool_intern_bytes(lr_strpool_t *p, const void *data, size_t len);
/* Distinct strings and byte runs the pool holds (0 for NULL). */
size_t lr_strpool_count(const lr_strpool_t *p);
/* Frees the pool and every string in it. NULL is accepted. */
void lr_strpool_free(lr_strpool_t *p);

#endif
