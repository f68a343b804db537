/* lvmrescue core: LVM2's config-tree syntax (libdm/libdm-config.c) as an
 * order-preserving tree that writes back byte-identical.
 *
 * Layout model. The parsed text is kept in the document; every node refers to
 * spans of it instead of owning copies of its layout:
 *
 *   value node:    [lead][key][mid][val][trail]
 *   section node:  [lead][key][mid ... '{'][trail] children [close ... '}'][ctrail]
 *   root:          children [close = trailing gap] then the tail (NUL + rest)
 *
 * `lead` is the gap (whitespace, comments) before the key starting with the
 * newline that ends the previous line; `trail` is the rest of the line after
 * the value or brace (blanks and a `#` comment, never the newline). Together
 * the spans partition the text, so writing every span in tree order gives the
 * input back. A renamed node re-renders its key, an edited value node
 * re-renders `key = value` (dropping its same-line comment, which described
 * the old value), and a node added by the API is rendered from scratch the way
 * LVM2's export.c writes it: "\n" + indentation + `key = value`.
 *
 * The tokenizer follows libdm's: `{ } [ ] , =`, "escaped" and 'plain' strings,
 * numbers only where a value is allowed (after '=', '[' or ','), everything
 * else an identifier running to blank, '#', '=', '{' or '}'. A NUL ends the
 * document as it ends libdm's parse. Where libdm silently accepts nonsense
 * (unterminated strings, "-" as 0, "12abc" as 12 followed by a key "abc",
 * integer overflow clamped in old versions) this parser reports an error.
 * Integers are converted with strtoll base 0 over the whole token, so "0x1f"
 * is 31 and "010" is 8, as libdm's strtoll call reads them.
 *
 * The NUL. On disk a copy is raw_locn.size bytes: the text, its NUL, and in a
 * ring slot zero padding up to the next 512 bytes. lr_cfg_parse takes any such
 * buffer: the document is the bytes before the first NUL, and the NUL and
 * everything after it are kept as an opaque tail. lr_cfg_write returns the
 * document followed by that tail, so the len bytes given come back exactly,
 * NUL included when it was given (pvck's dumps have none; a raw_locn.size
 * buffer has one). Callers that build a copy to write append the NUL. */
#include "lr/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets into the text; 32 bits suffice under LR_CFG_MAX_TEXT and halve the
 * size of the seven spans every node carries. */
typedef struct span {
    uint32_t b, e;
} span_t;

_Static_assert(LR_CFG_MAX_TEXT <= UINT32_MAX, "spans are 32-bit offsets");

static span_t mkspan(size_t b, size_t e)
{
    return (span_t){(uint32_t)b, (uint32_t)e};
}

struct lr_cfg_node {
    lr_cfg_t *doc;
    lr_cfg_node_t *parent, *child, *last, *next, *prev;
    char *key;
    bool section;
    lr_cfg_value_t value;
    uint64_t offset;
    unsigned depth;         /* root 0, its children 1 */
    bool has_text;          /* parsed: the spans below are valid */
    bool key_dirty;         /* renamed: render the key */
    bool value_dirty;       /* value replaced: render `key = value` */
    unsigned char newlines; /* added node: line breaks before it (1, or 2 for a blank line) */
    span_t lead, keyspan, mid, val, trail, close, ctrail;
};

struct lr_cfg {
    char *text;     /* copy of the parsed bytes, plus a NUL */
    size_t len;     /* bytes given to lr_cfg_parse */
    size_t doc_len; /* bytes of the document: up to the first NUL */
    lr_cfg_node_t *root;
    size_t n_nodes;
    bool indented; /* backup-file style: new nodes are indented with tabs */
    bool indent_known;
};

/* ------------------------------------------------------------------ */
/* small helpers                                                        */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Characters that end a libdm identifier / bare string. */
static bool ends_ident(unsigned char c)
{
    return is_space(c) || c == '#' || c == '=' || c == '{' || c == '}';
}

/* Copies at most buflen - 4 bytes of s into buf for a message, with
 * non-printable bytes replaced so hostile keys cannot garble the message. */
static const char *printable(char *buf, size_t buflen, const char *s, size_t n)
{
    size_t max = buflen - 4, o = 0;
    for (size_t i = 0; i < n && o < max; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n > max)
        memcpy(buf + o, "...", 3), o += 3;
    buf[o] = '\0';
    return buf;
}

/* Removes LVM2's escapes in place: a backslash before '"' or '\\' is dropped,
 * any other backslash is kept (dm_unescape_double_quotes). */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && (p[1] == '"' || p[1] == '\\'))
            p++;
        *o++ = *p;
    }
    *o = '\0';
}

char *lr_cfg_escape(const char *s)
{
    if (!s)
        return NULL;
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += (*p == '"' || *p == '\\') ? 2 : 1;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* values and nodes                                                     */

static void value_clear(lr_cfg_value_t *v)
{
    free(v->s);
    for (size_t i = 0; i < v->n_items; i++)
        free(v->items[i].s);
    free(v->items);
    memset(v, 0, sizeof(*v));
}

static lr_cfg_node_t *node_new(lr_cfg_t *doc, lr_cfg_node_t *parent)
{
    lr_cfg_node_t *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->doc = doc;
    n->parent = parent;
    n->depth = parent ? parent->depth + 1 : 0;
    n->offset = LR_NO_OFFSET;
    return n;
}

static void node_append(lr_cfg_node_t *parent, lr_cfg_node_t *n)
{
    n->parent = parent;
    n->prev = parent->last;
    if (parent->last)
        parent->last->next = n;
    else
        parent->child = n;
    parent->last = n;
}

static void node_unlink(lr_cfg_node_t *n)
{
    lr_cfg_node_t *p = n->parent;
    if (n->prev)
        n->prev->next = n->next;
    else if (p)
        p->child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else if (p)
        p->last = n->prev;
    n->parent = n->next = n->prev = NULL;
}

/* Frees n and its subtree without recursion; returns the number freed. */
static size_t subtree_free(lr_cfg_node_t *n)
{
    size_t count = 0;
    lr_cfg_node_t *cur = n;
    for (;;) {
        while (cur->child)
            cur = cur->child;
        /* cur is childless: detach it from its parent, free it, go on with
         * its next sibling or, when none is left, the emptied parent. */
        bool last = cur == n;
        lr_cfg_node_t *parent = cur->parent;
        if (!last) {
            parent->child = cur->next;
            if (!cur->next)
                parent->last = NULL;
        }
        value_clear(&cur->value);
        free(cur->key);
        free(cur);
        count++;
        if (last)
            return count;
        cur = parent->child ? parent->child : parent;
    }
}

void lr_cfg_free(lr_cfg_t *cfg)
{
    if (!cfg)
        return;
    if (cfg->root)
        subtree_free(cfg->root);
    free(cfg->text);
    free(cfg);
}

/* ------------------------------------------------------------------ */
/* tokenizer                                                            */

enum tok {
    T_EOF,
    T_LBRACE,
    T_RBRACE,
    T_LBRACK,
    T_RBRACK,
    T_COMMA,
    T_EQ,
    T_DSTR,  /* "escaped" */
    T_SSTR,  /* 'plain' */
    T_NUM,   /* int or float, value context only */
    T_BARE,  /* bare string, value context only */
    T_IDENT, /* key context */
};

typedef struct parser {
    lr_cfg_t *doc;
    const char *t; /* doc->text */
    size_t end;    /* doc->doc_len */
    size_t pos;
    lr_error_t *err;
    /* current token */
    enum tok tok;
    size_t tb, te;
    bool is_float;
} parser_t;

static int perr(parser_t *p, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int perr(parser_t *p, int code, size_t off, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return lr_error_set(p->err, code, off, "%s", msg);
}

/* Skips blanks and comments from p->pos (libdm's _eat_space). */
static void skip_gap(parser_t *p)
{
    while (p->pos < p->end) {
        unsigned char c = (unsigned char)p->t[p->pos];
        if (c == '#') {
            while (p->pos < p->end && p->t[p->pos] != '\n')
                p->pos++;
        } else if (is_space(c)) {
            p->pos++;
        } else {
            break;
        }
    }
}

/* The rest of the current line after a value or brace: blanks other than the
 * newline and an optional comment. Returns its span. */
static span_t take_trail(parser_t *p)
{
    span_t s = mkspan(p->pos, p->pos);
    while (p->pos < p->end) {
        unsigned char c = (unsigned char)p->t[p->pos];
        if (c == '\n' || !is_space(c))
            break;
        p->pos++;
    }
    if (p->pos < p->end && p->t[p->pos] == '#') {
        while (p->pos < p->end && p->t[p->pos] != '\n')
            p->pos++;
    }
    s.e = (uint32_t)p->pos;
    return s;
}

static int scan_quoted(parser_t *p, char quote)
{
    size_t te = p->pos + 1;
    while (te < p->end && p->t[te] != quote) {
        if (quote == '"' && p->t[te] == '\\' && te + 1 < p->end)
            te++;
        te++;
    }
    if (te >= p->end)
        return perr(p, LR_EPARSE, p->pos, "unterminated string");
    if (te - p->pos - 1 > LR_CFG_MAX_STRING)
        return perr(p, LR_ELIMIT, p->pos, "string longer than %u bytes", LR_CFG_MAX_STRING);
    p->te = te + 1;
    p->tok = quote == '"' ? T_DSTR : T_SSTR;
    return 0;
}

static size_t scan_ident_end(const parser_t *p, size_t te)
{
    while (te < p->end && !ends_ident((unsigned char)p->t[te]))
        te++;
    return te;
}

/* A number where libdm expects one: digits with at most one '.', an optional
 * leading sign, and (our extension of libdm's scan, which strtoll base 0
 * implies) a "0x" prefix with hex digits. Anything glued to it that libdm
 * would have read as a separate identifier makes it an invalid number. */
static int scan_number(parser_t *p)
{
    size_t te = p->pos;
    bool is_float = p->t[te] == '.';
    while (++te < p->end) {
        unsigned char c = (unsigned char)p->t[te];
        if (is_digit(c))
            continue;
        if (c == '.' && !is_float) {
            is_float = true;
            continue;
        }
        break;
    }
    size_t digits = p->pos + ((p->t[p->pos] == '+' || p->t[p->pos] == '-') ? 1 : 0);
    if (!is_float && te == digits + 1 && p->t[digits] == '0' && te < p->end &&
        (p->t[te] == 'x' || p->t[te] == 'X')) {
        te++;
        while (te < p->end && is_hex((unsigned char)p->t[te]))
            te++;
    }
    if (te < p->end) {
        unsigned char c = (unsigned char)p->t[te];
        if (!ends_ident(c) && c != ',' && c != ']' && c != '[' && c != '"' && c != '\'') {
            char buf[64];
            size_t ie = scan_ident_end(p, te);
            return perr(p, LR_EPARSE, p->pos, "invalid number '%s'",
                        printable(buf, sizeof(buf), p->t + p->pos, ie - p->pos));
        }
    }
    if (te - p->pos > 4096)
        return perr(p, LR_ELIMIT, p->pos, "number longer than 4096 characters");
    p->te = te;
    p->is_float = is_float;
    p->tok = T_NUM;
    return 0;
}

/* Reads the token at p->pos (after skip_gap) into p->tok/tb/te. */
static int next_token(parser_t *p, bool values_allowed)
{
    p->tb = p->pos;
    p->te = p->pos + 1;
    if (p->pos >= p->end) {
        p->tok = T_EOF;
        p->te = p->pos;
        return 0;
    }
    unsigned char c = (unsigned char)p->t[p->pos];
    switch (c) {
    case '{':
        p->tok = T_LBRACE;
        return 0;
    case '}':
        p->tok = T_RBRACE;
        return 0;
    case '[':
        p->tok = T_LBRACK;
        return 0;
    case ']':
        p->tok = T_RBRACK;
        return 0;
    case ',':
        p->tok = T_COMMA;
        return 0;
    case '=':
        p->tok = T_EQ;
        return 0;
    case '"':
    case '\'':
        return scan_quoted(p, (char)c);
    default:
        break;
    }
    if (values_allowed && (is_digit(c) || c == '.' || c == '+' || c == '-'))
        return scan_number(p);
    p->te = scan_ident_end(p, p->pos);
    p->tok = values_allowed ? T_BARE : T_IDENT;
    if (p->te - p->tb > LR_CFG_MAX_STRING)
        return perr(p, LR_ELIMIT, p->tb, "identifier longer than %u bytes", LR_CFG_MAX_STRING);
    return 0;
}

static const char *tok_name(enum tok t)
{
    switch (t) {
    case T_EOF:
        return "end of text";
    case T_LBRACE:
        return "'{'";
    case T_RBRACE:
        return "'}'";
    case T_LBRACK:
        return "'['";
    case T_RBRACK:
        return "']'";
    case T_COMMA:
        return "','";
    case T_EQ:
        return "'='";
    case T_DSTR:
    case T_SSTR:
        return "a string";
    case T_NUM:
        return "a number";
    case T_BARE:
        return "a bare word";
    case T_IDENT:
        return "an identifier";
    }
    return "a token";
}

/* The string a string-like token stands for (quotes removed, unescaped). */
static char *token_string(const parser_t *p)
{
    if (p->tok == T_DSTR || p->tok == T_SSTR) {
        char *s = strndup(p->t + p->tb + 1, p->te - p->tb - 2);
        if (s && p->tok == T_DSTR)
            unescape(s);
        return s;
    }
    return strndup(p->t + p->tb, p->te - p->tb);
}

/* Converts the current T_NUM token into v. */
static int number_value(parser_t *p, lr_cfg_value_t *v)
{
    char buf[4100];
    size_t n = p->te - p->tb;
    memcpy(buf, p->t + p->tb, n);
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    if (p->is_float) {
        v->type = LR_CFG_FLOAT;
        v->f = strtod(buf, &end);
    } else {
        v->type = LR_CFG_INT;
        long long x = strtoll(buf, &end, 0);
        v->i = (int64_t)x;
    }
    char shown[64];
    if (end != buf + n || n == 0)
        return perr(p, LR_EPARSE, p->tb, "invalid number '%s'",
                    printable(shown, sizeof(shown), buf, n));
    if (errno == ERANGE)
        return perr(p, LR_ERANGE, p->tb, "number '%s' out of range for 64 bits",
                    printable(shown, sizeof(shown), buf, n));
    return 0;
}

/* Fills v from a scalar value token (T_NUM, strings, T_BARE). */
static int scalar_value(parser_t *p, lr_cfg_value_t *v)
{
    if (p->tok == T_NUM)
        return number_value(p, v);
    v->type = LR_CFG_STRING;
    v->s = token_string(p);
    if (!v->s)
        return perr(p, -ENOMEM, p->tb, "out of memory");
    return 0;
}

static bool is_scalar(enum tok t)
{
    return t == T_NUM || t == T_DSTR || t == T_SSTR || t == T_BARE;
}

static int array_push(parser_t *p, lr_cfg_value_t *arr, size_t *cap)
{
    if (arr->n_items >= LR_CFG_MAX_ARRAY)
        return perr(p, LR_ELIMIT, p->tb, "array with more than %d items", LR_CFG_MAX_ARRAY);
    if (arr->n_items == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        lr_cfg_value_t *ni = realloc(arr->items, ncap * sizeof(*ni));
        if (!ni)
            return perr(p, -ENOMEM, p->tb, "out of memory");
        arr->items = ni;
        *cap = ncap;
    }
    lr_cfg_value_t *item = &arr->items[arr->n_items];
    memset(item, 0, sizeof(*item));
    int rc = scalar_value(p, item);
    if (rc == 0)
        arr->n_items++;
    else
        free(item->s);
    return rc;
}

/* '[' (value [','])* ']' as libdm reads it: a value may follow '[' or ','
 * (numbers and bare words only there); a quoted string may also follow a
 * value directly. p->tok is the '['. */
static int parse_array(parser_t *p, lr_cfg_node_t *n)
{
    size_t open = p->tb, cap = 0;
    n->value.type = LR_CFG_ARRAY;
    bool values_allowed = true, after_value = false;
    p->pos = p->te;
    for (;;) {
        skip_gap(p);
        int rc = next_token(p, values_allowed);
        if (rc)
            return rc;
        if (p->tok == T_RBRACK) {
            p->pos = p->te;
            return 0;
        }
        char shown[64];
        if (p->tok == T_EOF)
            return perr(p, LR_EPARSE, open, "unterminated array for key '%s' (missing ']')",
                        printable(shown, sizeof(shown), n->key, strlen(n->key)));
        if (p->tok == T_COMMA && after_value) {
            values_allowed = true;
            after_value = false;
            p->pos = p->te;
            continue;
        }
        if (!is_scalar(p->tok))
            return perr(p, LR_EPARSE, p->tb, "expected %s in array for key '%s', found %s",
                        after_value ? "',' or ']'" : "a value",
                        printable(shown, sizeof(shown), n->key, strlen(n->key)), tok_name(p->tok));
        rc = array_push(p, &n->value, &cap);
        if (rc)
            return rc;
        values_allowed = false;
        after_value = true;
        p->pos = p->te;
    }
}

/* Parses the value after '=' into n; p->pos is after the '='. */
static int parse_value(parser_t *p, lr_cfg_node_t *n)
{
    skip_gap(p);
    int rc = next_token(p, true);
    if (rc)
        return rc;
    n->mid.e = (uint32_t)p->tb;
    n->val.b = (uint32_t)p->tb;
    if (p->tok == T_LBRACK)
        rc = parse_array(p, n);
    else if (is_scalar(p->tok)) {
        rc = scalar_value(p, &n->value);
        p->pos = p->te;
    } else {
        char shown[64];
        return perr(p, LR_EPARSE, p->tb, "expected a value after '%s =', found %s",
                    printable(shown, sizeof(shown), n->key, strlen(n->key)), tok_name(p->tok));
    }
    if (rc)
        return rc;
    n->val.e = (uint32_t)p->pos;
    n->trail = take_trail(p);
    return 0;
}

/* The first nested node decides whether new nodes get indented: LVM2 writes
 * raw metadata flush left and backup files with tabs. */
static void note_indent(lr_cfg_t *doc, const lr_cfg_node_t *n)
{
    if (doc->indent_known || n->depth < 2)
        return;
    doc->indent_known = true;
    size_t b = n->lead.b, e = n->lead.e;
    size_t nl = e;
    while (nl > b && doc->text[nl - 1] != '\n')
        nl--;
    doc->indented = nl < e && (doc->text[nl] == '\t' || doc->text[nl] == ' ');
}

/* Parses one `key = value` or `key {` at the current token into a new child
 * of *cur; descends into sections by moving *cur. */
static int parse_item(parser_t *p, lr_cfg_node_t **cur, size_t gap_b)
{
    lr_cfg_t *doc = p->doc;
    char shown[64];
    if (doc->n_nodes >= LR_CFG_MAX_NODES)
        return perr(p, LR_ELIMIT, p->tb, "more than %d nodes", LR_CFG_MAX_NODES);
    lr_cfg_node_t *n = node_new(doc, *cur);
    if (!n)
        return perr(p, -ENOMEM, p->tb, "out of memory");
    node_append(*cur, n);
    doc->n_nodes++;
    n->has_text = true;
    n->offset = p->tb;
    n->lead = mkspan(gap_b, p->tb);
    n->keyspan = mkspan(p->tb, p->te);
    n->key = token_string(p);
    if (!n->key)
        return perr(p, -ENOMEM, p->tb, "out of memory");
    if (!n->key[0])
        return perr(p, LR_EPARSE, p->tb, "empty key");
    note_indent(doc, n);
    p->pos = p->te;
    n->mid.b = (uint32_t)p->pos;
    skip_gap(p);
    int rc = next_token(p, false);
    if (rc)
        return rc;
    if (p->tok == T_LBRACE) {
        if (n->depth > LR_CFG_MAX_DEPTH)
            return perr(p, LR_ELIMIT, n->offset, "sections nested deeper than %d",
                        LR_CFG_MAX_DEPTH);
        n->section = true;
        p->pos = p->te;
        n->mid.e = (uint32_t)p->pos;
        n->trail = take_trail(p);
        *cur = n;
        return 0;
    }
    if (p->tok != T_EQ)
        return perr(p, LR_EPARSE, p->tb, "expected '=' or '{' after key '%s', found %s",
                    printable(shown, sizeof(shown), n->key, strlen(n->key)), tok_name(p->tok));
    p->pos = p->te;
    return parse_value(p, n);
}

static int parse_doc(parser_t *p)
{
    lr_cfg_node_t *root = p->doc->root, *cur = root;
    char shown[64];
    for (;;) {
        size_t gap_b = p->pos;
        skip_gap(p);
        int rc = next_token(p, false);
        if (rc)
            return rc;
        switch (p->tok) {
        case T_EOF:
            if (cur != root)
                return perr(p, LR_EPARSE, p->end, "unexpected end of text inside section '%s'",
                            printable(shown, sizeof(shown), cur->key, strlen(cur->key)));
            root->close = mkspan(gap_b, p->end);
            return 0;
        case T_RBRACE:
            if (cur == root)
                return perr(p, LR_EPARSE, p->tb, "unexpected '}' at top level");
            p->pos = p->te;
            cur->close = mkspan(gap_b, p->pos);
            cur->ctrail = take_trail(p);
            cur = cur->parent;
            break;
        case T_IDENT:
        case T_DSTR:
        case T_SSTR:
            rc = parse_item(p, &cur, gap_b);
            if (rc)
                return rc;
            break;
        default:
            return perr(p, LR_EPARSE, p->tb, "expected a key%s, found %s",
                        cur == root ? "" : " or '}'", tok_name(p->tok));
        }
    }
}

int lr_cfg_parse(const char *text, size_t len, lr_cfg_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!out || (!text && len))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    *out = NULL;
    if (len > LR_CFG_MAX_TEXT)
        return lr_error_set(err, LR_ELIMIT, LR_CFG_MAX_TEXT, "text larger than %u bytes",
                            LR_CFG_MAX_TEXT);
    lr_cfg_t *doc = calloc(1, sizeof(*doc));
    if (!doc)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    doc->text = malloc(len + 1);
    doc->root = node_new(doc, NULL);
    if (!doc->text || !doc->root) {
        lr_cfg_free(doc);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    if (len)
        memcpy(doc->text, text, len);
    doc->text[len] = '\0';
    doc->len = len;
    const char *nul = memchr(doc->text, '\0', len);
    doc->doc_len = nul ? (size_t)(nul - doc->text) : len;
    doc->root->section = true;
    doc->root->has_text = true;
    doc->root->offset = 0;
    doc->root->key = strdup("");
    if (!doc->root->key) {
        lr_cfg_free(doc);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    parser_t p = {.doc = doc, .t = doc->text, .end = doc->doc_len, .err = err};
    int rc = parse_doc(&p);
    if (rc) {
        lr_cfg_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ------------------------------------------------------------------ */
/* writer                                                               */

typedef struct outbuf {
    char *b;
    size_t n, cap;
    bool oom;
} outbuf_t;

static void put(outbuf_t *o, const char *s, size_t n)
{
    if (o->oom || n == 0)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t ncap = o->cap ? o->cap : 4096;
        while (o->n + n + 1 > ncap)
            ncap *= 2;
        char *nb = realloc(o->b, ncap);
        if (!nb) {
            o->oom = true;
            return;
        }
        o->b = nb;
        o->cap = ncap;
    }
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

static void puts_(outbuf_t *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_span(outbuf_t *o, const lr_cfg_t *doc, span_t s)
{
    put(o, doc->text + s.b, s.e - s.b);
}

static void put_indent(outbuf_t *o, const lr_cfg_node_t *n)
{
    if (!n->doc->indented)
        return;
    for (unsigned i = 1; i < n->depth; i++)
        put(o, "\t", 1);
}

/* A key the tokenizer reads back as the same identifier is written bare;
 * anything else quoted, as libdm's writer does for '#', '"' and '!'. */
static bool key_is_bare(const char *k)
{
    if (!k[0] || strchr("[]{},=\"'", k[0]))
        return false;
    for (const char *c = k; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (ends_ident(u) || u == '"' || u == '!' || u < 0x20 || u == 0x7f)
            return false;
    }
    return true;
}

static void put_string(outbuf_t *o, const char *s)
{
    char *e = lr_cfg_escape(s ? s : "");
    if (!e) {
        o->oom = true;
        return;
    }
    put(o, "\"", 1);
    puts_(o, e);
    put(o, "\"", 1);
    free(e);
}

static void put_key(outbuf_t *o, const lr_cfg_node_t *n)
{
    if (n->has_text && !n->key_dirty) {
        put_span(o, n->doc, n->keyspan);
        return;
    }
    if (key_is_bare(n->key))
        puts_(o, n->key);
    else
        put_string(o, n->key);
}

static void put_scalar(outbuf_t *o, const lr_cfg_value_t *v)
{
    char buf[64];
    switch (v->type) {
    case LR_CFG_INT:
        snprintf(buf, sizeof(buf), "%" PRId64, v->i);
        puts_(o, buf);
        break;
    case LR_CFG_FLOAT:
        /* libdm writes floats with %f */
        snprintf(buf, sizeof(buf), "%f", v->f);
        puts_(o, buf);
        break;
    default:
        put_string(o, v->s);
        break;
    }
}

static void put_value(outbuf_t *o, const lr_cfg_value_t *v)
{
    if (v->type != LR_CFG_ARRAY) {
        put_scalar(o, v);
        return;
    }
    put(o, "[", 1);
    for (size_t i = 0; i < v->n_items; i++) {
        if (i)
            put(o, ", ", 2);
        put_scalar(o, &v->items[i]);
    }
    put(o, "]", 1);
}

static void emit_open(outbuf_t *o, const lr_cfg_node_t *n)
{
    const lr_cfg_t *doc = n->doc;
    if (n->has_text) {
        put_span(o, doc, n->lead);
    } else {
        if (o->n)
            put(o, "\n\n", n->newlines);
        put_indent(o, n);
    }
    put_key(o, n);
    if (n->section) {
        if (n->has_text) {
            put_span(o, doc, n->mid);
            put_span(o, doc, n->trail);
        } else {
            puts_(o, " {");
        }
        return;
    }
    if (n->has_text && !n->value_dirty) {
        put_span(o, doc, n->mid);
        put_span(o, doc, n->val);
        put_span(o, doc, n->trail);
        return;
    }
    puts_(o, " = ");
    put_value(o, &n->value);
    /* The same-line comment described the old value (a date, a size): it
     * goes. Bare blanks stay, as they may be all that separates the next
     * token on this line. */
    if (n->has_text && !memchr(doc->text + n->trail.b, '#', n->trail.e - n->trail.b))
        put_span(o, doc, n->trail);
}

static void emit_close(outbuf_t *o, const lr_cfg_node_t *n)
{
    if (n->has_text) {
        put_span(o, n->doc, n->close);
        put_span(o, n->doc, n->ctrail);
        return;
    }
    put(o, "\n", 1);
    put_indent(o, n);
    put(o, "}", 1);
}

int lr_cfg_write(const lr_cfg_t *cfg, char **out, size_t *len, lr_error_t *err)
{
    lr_error_clear(err);
    if (!cfg || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    outbuf_t o = {0};
    const lr_cfg_node_t *root = cfg->root, *n = root->child;
    while (n) {
        emit_open(&o, n);
        if (n->section && n->child) {
            n = n->child;
            continue;
        }
        if (n->section)
            emit_close(&o, n);
        while (n && !n->next) {
            n = n->parent;
            if (n == root) {
                n = NULL;
                break;
            }
            emit_close(&o, n);
        }
        if (n)
            n = n->next;
    }
    put_span(&o, cfg, root->close);
    put(&o, cfg->text + cfg->doc_len, cfg->len - cfg->doc_len);
    put(&o, "", 0);
    if (!o.oom && !o.b) {
        o.b = malloc(1);
        o.oom = !o.b;
    }
    if (o.oom) {
        free(o.b);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    o.b[o.n] = '\0';
    *out = o.b;
    if (len)
        *len = o.n;
    return 0;
}

/* ------------------------------------------------------------------ */
/* navigation                                                           */

lr_cfg_node_t *lr_cfg_root(const lr_cfg_t *cfg)
{
    return cfg ? cfg->root : NULL;
}

lr_cfg_node_t *lr_cfg_child(const lr_cfg_node_t *section)
{
    return section && section->section ? section->child : NULL;
}

lr_cfg_node_t *lr_cfg_next(const lr_cfg_node_t *node)
{
    return node ? node->next : NULL;
}

lr_cfg_node_t *lr_cfg_parent(const lr_cfg_node_t *node)
{
    return node ? node->parent : NULL;
}

const char *lr_cfg_key(const lr_cfg_node_t *node)
{
    return node ? node->key : NULL;
}

lr_cfg_type_t lr_cfg_node_type(const lr_cfg_node_t *node)
{
    if (!node)
        return (lr_cfg_type_t)0; /* no node is neither a section nor a value */
    if (node->section)
        return LR_CFG_SECTION;
    return node->value.type;
}

const lr_cfg_value_t *lr_cfg_value(const lr_cfg_node_t *node)
{
    return node && !node->section ? &node->value : NULL;
}

uint64_t lr_cfg_offset(const lr_cfg_node_t *node)
{
    return node ? node->offset : LR_NO_OFFSET;
}

/* The first child of section whose key is [b, e); duplicates are kept as
 * separate nodes and the first one wins, as in LVM2's lookups of metadata
 * parsed without its duplicate-node merging. */
static lr_cfg_node_t *child_named(const lr_cfg_node_t *section, const char *b, size_t n)
{
    for (lr_cfg_node_t *c = section->child; c; c = c->next)
        if (strncmp(c->key, b, n) == 0 && c->key[n] == '\0')
            return c;
    return NULL;
}

lr_cfg_node_t *lr_cfg_find(const lr_cfg_node_t *section, const char *path)
{
    if (!section || !path)
        return NULL;
    const lr_cfg_node_t *cur = section;
    const char *p = path;
    while (*p == '/')
        p++;
    if (!*p)
        return NULL;
    while (*p) {
        if (!cur->section)
            return NULL;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        cur = child_named(cur, p, n);
        if (!cur)
            return NULL;
        p += n;
        while (*p == '/')
            p++;
    }
    return (lr_cfg_node_t *)cur;
}

static int find_value(const lr_cfg_node_t *section, const char *path, lr_cfg_type_t type,
                      const lr_cfg_node_t **node, lr_error_t *err)
{
    const lr_cfg_node_t *n = lr_cfg_find(section, path);
    if (!n)
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "'%s' not found", path ? path : "");
    if (n->section || n->value.type != type) {
        static const char *const names[] = {"",         "a section", "an integer",
                                            "a number", "a string",  "an array"};
        return lr_error_set(err, LR_EFORMAT, n->offset, "'%s' is not %s", path, names[type]);
    }
    *node = n;
    return 0;
}

int lr_cfg_get_int(const lr_cfg_node_t *section, const char *path, int64_t *v, lr_error_t *err)
{
    const lr_cfg_node_t *n = NULL;
    int rc = find_value(section, path, LR_CFG_INT, &n, err);
    if (rc)
        return rc;
    if (v)
        *v = n->value.i;
    return 0;
}

int lr_cfg_get_uint(const lr_cfg_node_t *section, const char *path, uint64_t *v, lr_error_t *err)
{
    const lr_cfg_node_t *n = NULL;
    int rc = find_value(section, path, LR_CFG_INT, &n, err);
    if (rc)
        return rc;
    if (n->value.i < 0)
        return lr_error_set(err, LR_ERANGE, n->offset, "'%s' is negative (%" PRId64 ")", path,
                            n->value.i);
    if (v)
        *v = (uint64_t)n->value.i;
    return 0;
}

int lr_cfg_get_str(const lr_cfg_node_t *section, const char *path, const char **s, lr_error_t *err)
{
    const lr_cfg_node_t *n = NULL;
    int rc = find_value(section, path, LR_CFG_STRING, &n, err);
    if (rc)
        return rc;
    if (s)
        *s = n->value.s;
    return 0;
}

int lr_cfg_get_strings(const lr_cfg_node_t *section, const char *path, const lr_cfg_value_t **arr,
                       lr_error_t *err)
{
    const lr_cfg_node_t *n = NULL;
    int rc = find_value(section, path, LR_CFG_ARRAY, &n, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n->value.n_items; i++)
        if (n->value.items[i].type != LR_CFG_STRING)
            return lr_error_set(err, LR_EFORMAT, n->offset, "'%s' item %zu is not a string", path,
                                i);
    if (arr)
        *arr = &n->value;
    return 0;
}

/* ------------------------------------------------------------------ */
/* editing                                                              */

static int check_key(const char *key, lr_error_t *err)
{
    if (!key || !key[0] || strchr(key, '/'))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid key '%s'", key ? key : "");
    if (strlen(key) > LR_CFG_MAX_STRING)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "key longer than %u bytes",
                            LR_CFG_MAX_STRING);
    return 0;
}

/* Line breaks before a node added after `prev`: export.c puts a blank line
 * before every PV and LV section and none between keys, so a new node copies
 * the spacing of a preceding sibling of its kind when that spacing is plain
 * blank lines; anything else gets a single line break. */
static unsigned char spacing_like(const lr_cfg_node_t *prev, bool is_section)
{
    if (!prev || prev->section != is_section)
        return 1;
    if (!prev->has_text)
        return prev->newlines;
    const char *t = prev->doc->text;
    unsigned char nl = 0;
    for (uint32_t i = prev->lead.b; i < prev->lead.e; i++) {
        if (!is_space((unsigned char)t[i]))
            return 1; /* a comment: not plain spacing */
        if (t[i] == '\n' && nl < 2)
            nl++;
    }
    return nl ? nl : 1;
}

/* A new node appended at the end of section, rendered in LVM2's style. */
static int add_node(lr_cfg_node_t *section, const char *key, bool is_section, lr_cfg_node_t **out,
                    lr_error_t *err)
{
    int rc = check_key(key, err);
    if (rc)
        return rc;
    if (!section || !section->section)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "not a section");
    lr_cfg_t *doc = section->doc;
    if (is_section && section->depth + 1 > LR_CFG_MAX_DEPTH)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "sections nested deeper than %d",
                            LR_CFG_MAX_DEPTH);
    if (doc->n_nodes >= LR_CFG_MAX_NODES)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "more than %d nodes", LR_CFG_MAX_NODES);
    lr_cfg_node_t *n = node_new(doc, section);
    char *k = strdup(key);
    if (!n || !k) {
        free(n);
        free(k);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    n->key = k;
    n->section = is_section;
    n->newlines = spacing_like(section->last, is_section);
    node_append(section, n);
    doc->n_nodes++;
    *out = n;
    return 0;
}

/* The value node at path below section, created (with its parent path
 * required to exist) when absent. */
static int value_node_for_set(lr_cfg_node_t *section, const char *path, lr_cfg_node_t **out,
                              lr_error_t *err)
{
    lr_error_clear(err);
    if (!section || !path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    lr_cfg_node_t *n = lr_cfg_find(section, path);
    if (n) {
        if (n->section)
            return lr_error_set(err, LR_EFORMAT, n->offset, "'%s' is a section", path);
        *out = n;
        return 0;
    }
    const char *slash = strrchr(path, '/');
    lr_cfg_node_t *parent = section;
    const char *key = path;
    if (slash) {
        char *dir = strndup(path, (size_t)(slash - path));
        if (!dir)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        parent = slash == path ? section : lr_cfg_find(section, dir);
        free(dir);
        key = slash + 1;
        if (!parent || !parent->section)
            return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "no section for '%s'", path);
    }
    return add_node(parent, key, false, out, err);
}

int lr_cfg_set_int(lr_cfg_node_t *section, const char *key, int64_t v, lr_error_t *err)
{
    lr_cfg_value_t val = {.type = LR_CFG_INT, .i = v};
    return lr_cfg_set_value(section, key, &val, err);
}

int lr_cfg_set_str(lr_cfg_node_t *section, const char *key, const char *s, lr_error_t *err)
{
    if (s && strlen(s) > LR_CFG_MAX_STRING)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET, "string longer than %u bytes",
                            LR_CFG_MAX_STRING);
    lr_cfg_value_t val = {.type = LR_CFG_STRING, .s = (char *)s};
    return lr_cfg_set_value(section, key, &val, err);
}

/* Deep copy of a scalar (INT, FLOAT, STRING with a string). */
static int scalar_copy(lr_cfg_value_t *dst, const lr_cfg_value_t *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->type = src->type;
    if (src->type == LR_CFG_INT) {
        dst->i = src->i;
        return 0;
    }
    if (src->type == LR_CFG_FLOAT) {
        dst->f = src->f;
        return 0;
    }
    if (src->type != LR_CFG_STRING || !src->s || strlen(src->s) > LR_CFG_MAX_STRING)
        return -EINVAL;
    dst->s = strdup(src->s);
    return dst->s ? 0 : -ENOMEM;
}

static int value_copy(lr_cfg_value_t *dst, const lr_cfg_value_t *src)
{
    if (src->type != LR_CFG_ARRAY)
        return scalar_copy(dst, src);
    memset(dst, 0, sizeof(*dst));
    dst->type = LR_CFG_ARRAY;
    if (src->n_items > LR_CFG_MAX_ARRAY || (src->n_items && !src->items))
        return -EINVAL;
    if (!src->n_items)
        return 0;
    dst->items = calloc(src->n_items, sizeof(*dst->items));
    if (!dst->items)
        return -ENOMEM;
    for (size_t i = 0; i < src->n_items; i++) {
        int rc = scalar_copy(&dst->items[i], &src->items[i]);
        dst->n_items = i + 1;
        if (rc) {
            value_clear(dst);
            return rc;
        }
    }
    return 0;
}

int lr_cfg_set_value(lr_cfg_node_t *section, const char *key, const lr_cfg_value_t *v,
                     lr_error_t *err)
{
    if (!v)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    lr_cfg_value_t copy;
    int rc = value_copy(&copy, v);
    if (rc)
        return lr_error_set(err, rc, LR_NO_OFFSET,
                            rc == -ENOMEM ? "out of memory" : "invalid value for '%s'",
                            key ? key : "");
    lr_cfg_node_t *n = NULL;
    rc = value_node_for_set(section, key, &n, err);
    if (rc) {
        value_clear(&copy);
        return rc;
    }
    value_clear(&n->value);
    n->value = copy;
    n->value_dirty = true;
    return 0;
}

int lr_cfg_set_strings(lr_cfg_node_t *section, const char *key, const char *const *items, size_t n,
                       lr_error_t *err)
{
    if ((!items && n) || n > LR_CFG_MAX_ARRAY)
        return lr_error_set(err, n > LR_CFG_MAX_ARRAY ? LR_ELIMIT : -EINVAL, LR_NO_OFFSET,
                            "invalid array");
    lr_cfg_value_t arr = {.type = LR_CFG_ARRAY, .n_items = n};
    arr.items = n ? calloc(n, sizeof(*arr.items)) : NULL;
    if (n && !arr.items)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++) {
        arr.items[i].type = LR_CFG_STRING;
        arr.items[i].s = (char *)items[i]; /* only read by the deep copy */
    }
    int rc = lr_cfg_set_value(section, key, &arr, err);
    free(arr.items);
    return rc;
}

int lr_cfg_add_section(lr_cfg_node_t *section, const char *key, lr_cfg_node_t **out,
                       lr_error_t *err)
{
    lr_error_clear(err);
    lr_cfg_node_t *n = NULL;
    int rc = add_node(section, key, true, &n, err);
    if (rc)
        return rc;
    if (out)
        *out = n;
    return 0;
}

/* Copies src's children into the (new) section dst, depth first; the
 * depth is bounded by LR_CFG_MAX_DEPTH through add_node. */
static int copy_children(lr_cfg_node_t *dst, const lr_cfg_node_t *src, lr_error_t *err)
{
    for (const lr_cfg_node_t *c = src->child; c; c = c->next) {
        lr_cfg_node_t *n = NULL;
        int rc = add_node(dst, c->key, c->section, &n, err);
        if (!rc && c->section)
            rc = copy_children(n, c, err);
        else if (!rc && value_copy(&n->value, &c->value) != 0)
            rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        if (rc)
            return rc;
        n->value_dirty = !c->section;
    }
    return 0;
}

int lr_cfg_copy(lr_cfg_node_t *section, const lr_cfg_node_t *src, lr_cfg_node_t **out,
                lr_error_t *err)
{
    lr_error_clear(err);
    if (!section || !src || !src->parent)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid argument");
    lr_cfg_node_t *n = NULL;
    int rc = add_node(section, src->key, src->section, &n, err);
    if (rc)
        return rc;
    if (src->section)
        rc = copy_children(n, src, err);
    else if (value_copy(&n->value, &src->value) != 0)
        rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc) {
        lr_cfg_remove(n);
        return rc;
    }
    n->value_dirty = !src->section;
    if (out)
        *out = n;
    return 0;
}

void lr_cfg_remove(lr_cfg_node_t *node)
{
    if (!node || !node->parent)
        return; /* the root stays */
    lr_cfg_t *doc = node->doc;
    node_unlink(node);
    doc->n_nodes -= subtree_free(node);
}

int lr_cfg_rename(lr_cfg_node_t *node, const char *key, lr_error_t *err)
{
    lr_error_clear(err);
    int rc = check_key(key, err);
    if (rc)
        return rc;
    if (!node || !node->parent)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "cannot rename the root");
    char *k = strdup(key);
    if (!k)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    free(node->key);
    node->key = k;
    node->key_dirty = true;
    return 0;
}
