/* Sizes and names as LVM2's command-line tools accept and display them. */
#include "lr/vgedit.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lr/fmt.h"

/* Bytes per unit letter; 0 for an unknown letter. Upper and lower case are
 * the same in LVM2's size arguments (both binary). */
static uint64_t unit_bytes(char unit)
{
    switch (tolower((unsigned char)unit)) {
    case 'b':
        return 1;
    case 's':
        return 512;
    case 'k':
        return 1ull << 10;
    case 'm':
        return 1ull << 20;
    case 'g':
        return 1ull << 30;
    case 't':
        return 1ull << 40;
    case 'p':
        return 1ull << 50;
    case 'e':
        return 1ull << 60;
    default:
        return 0;
    }
}

static int bad_size(lr_error_t *err, const char *text, const char *why)
{
    return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid size '%s': %s", text, why);
}

/* Reads the digits at *p into *v; returns the number of digits or -1 on
 * overflow. */
static int read_digits(const char **p, uint64_t *v)
{
    int n = 0;
    *v = 0;
    for (; isdigit((unsigned char)**p); (*p)++, n++) {
        unsigned d = (unsigned)(**p - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return -1;
        *v = *v * 10 + d;
    }
    return n;
}

/* The fraction digits at *p times unit, in bytes (rounded up so "0.1k" is
 * not 0), without floating point so large units stay exact. */
static uint64_t fraction_bytes(const char **p, uint64_t unit)
{
    uint64_t num = 0, den = 1;
    for (; isdigit((unsigned char)**p); (*p)++) {
        if (den > UINT64_MAX / 100 / unit)
            continue; /* further digits are below a byte */
        num = num * 10 + (uint64_t)(**p - '0');
        den *= 10;
    }
    return (num * unit + den - 1) / den;
}

int lr_vgedit_parse_size(const char *text, char default_unit, uint64_t *bytes, lr_error_t *err)
{
    if (!text || !*text)
        return bad_size(err, text ? text : "", "empty");
    const char *p = text;
    uint64_t whole;
    int nd = read_digits(&p, &whole);
    if (nd < 0)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "size '%s' is too large", text);
    const char *frac = NULL;
    if (*p == '.') {
        frac = ++p;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (nd == 0 && (!frac || p == frac))
        return bad_size(err, text, "expected a number");
    char unit_ch = *p ? *p : default_unit;
    if (*p && p[1])
        return bad_size(err, text, "unexpected text after the unit");
    uint64_t unit = unit_bytes(unit_ch);
    if (!unit)
        return bad_size(err, text, "unknown unit (use b, s, k, m, g, t, p or e)");
    if (whole > UINT64_MAX / unit)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "size '%s' is too large", text);
    uint64_t v = whole * unit;
    if (frac) {
        const char *q = frac;
        uint64_t f = fraction_bytes(&q, unit);
        if (v > UINT64_MAX - f)
            return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "size '%s' is too large", text);
        v += f;
    }
    if (v == 0)
        return bad_size(err, text, "must be greater than zero");
    if (v % 512) {
        if (v > UINT64_MAX - 511)
            return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "size '%s' is too large", text);
        v += 512 - v % 512;
    }
    *bytes = v;
    return 0;
}

const char *lr_vgedit_format_size(uint64_t bytes, char *buf, size_t len)
{
    return lr_fmt_size(bytes, LR_FMT_SIZE_LVM, buf, len);
}

static bool name_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '_' || c == '.' || c == '-';
}

/* LVM2's apply_lvname_restrictions: names its internal sub-LVs use. */
static int check_lv_reserved(const char *name, lr_error_t *err)
{
    static const char *const prefixes[] = {"snapshot", "pvmove"};
    static const char *const parts[] = {
        "_cdata", "_cmeta",  "_corig", "_cpool",   "_cvol",   "_imeta",
        "_iorig", "_mimage", "_mlog",  "_pmspare", "_rimage", "_rmeta",
        "_tdata", "_tmeta",  "_vdata", "_vorigin", "_wcorig",
    };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                                "LV name '%s' is reserved: names starting with '%s' are LVM2's",
                                name, prefixes[i]);
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (strstr(name, parts[i]))
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                                "LV name '%s' is reserved: names containing '%s' are LVM2's", name,
                                parts[i]);
    return 0;
}

int lr_vgedit_check_name(const char *name, bool is_lv, lr_error_t *err)
{
    const char *what = is_lv ? "LV" : "VG";
    if (!name || !*name)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "%s name is empty", what);
    size_t len = strlen(name);
    if (len > LR_VGEDIT_NAME_MAX)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "%s name is longer than %d bytes", what,
                            LR_VGEDIT_NAME_MAX);
    if (name[0] == '-')
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "%s name '%s' must not start with '-'",
                            what, name);
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "%s name '%s' is not allowed", what, name);
    for (size_t i = 0; i < len; i++)
        if (!name_char_ok(name[i]))
            return lr_error_set(
                err, -EINVAL, LR_NO_OFFSET,
                "%s name '%s' has an invalid character (allowed: A-Z a-z 0-9 + _ . -)", what, name);
    return is_lv ? check_lv_reserved(name, err) : 0;
}
