/* lvmtui view model: the key scripts of the hidden test mode
 * (lvmtui --script KEYS --screen-dump FILE), as tig's --script. Text is
 * typed as it is; <Name> is a key or a command; a literal '<' is <lt>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

static const struct {
    const char *name;
    int key;
} key_names[] = {
    {"Enter", LR_TUI_KEY_ENTER},
    {"Esc", LR_TUI_KEY_ESC},
    {"Space", ' '},
    {"Tab", '\t'},
    {"Up", LR_TUI_KEY_UP},
    {"Down", LR_TUI_KEY_DOWN},
    {"Left", LR_TUI_KEY_LEFT},
    {"Right", LR_TUI_KEY_RIGHT},
    {"PgUp", LR_TUI_KEY_PGUP},
    {"PgDn", LR_TUI_KEY_PGDN},
    {"Home", LR_TUI_KEY_HOME},
    {"End", LR_TUI_KEY_END},
    {"BS", LR_TUI_KEY_BACKSPACE},
    {"F1", LR_TUI_KEY_F1},
    {"C-L", LR_TUI_KEY_CTRL_L},
    {"lt", '<'},
    {"Dump", LR_TUI_SCRIPT_DUMP},
};

static int push(lr_tui_script_step_t **v, size_t *n, size_t *cap, lr_tui_script_step_t s)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        lr_tui_script_step_t *nv = realloc(*v, c * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = s;
    return 0;
}

/* "<Size=100x30>" at p (len bytes up to '>'): rows/cols, or LR_EPARSE. */
static int parse_size(const char *p, size_t len, lr_tui_script_step_t *s, lr_error_t *err,
                      size_t off)
{
    char buf[32];
    if (len - 5 >= sizeof(buf))
        return lr_error_set(err, LR_EPARSE, off, "bad <Size=COLSxROWS>");
    memcpy(buf, p + 5, len - 5);
    buf[len - 5] = '\0';
    char *x = NULL;
    long cols = strtol(buf, &x, 10);
    long rows = x && *x == 'x' ? strtol(x + 1, &x, 10) : 0;
    if (!x || *x || cols < 1 || rows < 1 || cols > 1000 || rows > 1000)
        return lr_error_set(err, LR_EPARSE, off, "bad <Size=COLSxROWS>: %s", buf);
    s->key = LR_TUI_SCRIPT_SIZE;
    s->cols = (int)cols;
    s->rows = (int)rows;
    return 0;
}

/* The step the <...> token at p stands for; *used = its length. Every '<'
 * must start a known token: an unknown <Name> or a '<' without '>' is
 * LR_EPARSE naming it, so that a misspelt key never becomes typed text. */
static int parse_token(const char *p, lr_tui_script_step_t *s, size_t *used, lr_error_t *err,
                       size_t off)
{
    *used = 0;
    const char *end = strchr(p, '>');
    const char *next = strchr(p + 1, '<');
    if (!end || (next && next < end)) {
        size_t n = next ? (size_t)(next - p) : strlen(p);
        return lr_error_set(err, LR_EPARSE, off,
                            "'<' starts no key name in \"%.*s\" (a literal '<' is written <lt>)",
                            (int)(n > 40 ? 40 : n), p);
    }
    size_t len = (size_t)(end - p - 1);
    if (len > 5 && strncmp(p + 1, "Size=", 5) == 0) {
        int rc = parse_size(p + 1, len, s, err, off);
        if (!rc)
            *used = len + 2;
        return rc;
    }
    for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
        if (strlen(key_names[i].name) == len && strncmp(p + 1, key_names[i].name, len) == 0) {
            s->key = key_names[i].key;
            *used = len + 2;
            return 0;
        }
    }
    return lr_error_set(err, LR_EPARSE, off,
                        "unknown key <%.*s> (keys: <Enter> <Esc> <Space> <Tab> <Up> <Down> "
                        "<Left> <Right> <PgUp> <PgDn> <Home> <End> <BS> <F1> <C-L> <Dump> "
                        "<Size=COLSxROWS>; a literal '<' is written <lt>)",
                        (int)(len > 40 ? 40 : len), p + 1);
}

/* One UTF-8 character of typed text as a code point (invalid bytes as
 * themselves, the model shows them as '?'). */
static size_t typed_char(const char *p, int *key)
{
    unsigned char c = (unsigned char)p[0];
    size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    unsigned v = n == 1 ? c : c & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *key = c;
            return 1;
        }
        v = (v << 6) | ((unsigned char)p[i] & 0x3fu);
    }
    *key = (int)v;
    return n;
}

int lr_tui_script_parse(const char *keys, lr_tui_script_step_t **steps, size_t *n, lr_error_t *err)
{
    *steps = NULL;
    *n = 0;
    size_t cap = 0;
    for (const char *p = keys; *p;) {
        lr_tui_script_step_t s = {0};
        size_t used = 0;
        if (*p == '<') {
            int rc = parse_token(p, &s, &used, err, (size_t)(p - keys));
            if (rc) {
                free(*steps);
                *steps = NULL;
                *n = 0;
                return rc;
            }
        } else {
            used = typed_char(p, &s.key);
        }
        if (push(steps, n, &cap, s)) {
            free(*steps);
            *steps = NULL;
            *n = 0;
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        }
        p += used;
    }
    return 0;
}
