#include "lr/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lr_error_clear(lr_error_t *err)
{
    if (!err)
        return;
    err->code = 0;
    err->offset = LR_NO_OFFSET;
    err->where[0] = '\0';
    err->msg[0] = '\0';
    err->hints = 0;
}

int lr_error_vset(lr_error_t *err, int code, uint64_t offset, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->offset = offset;
    err->hints = 0; /* a new error: an earlier refusal's hints no longer apply */
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

int lr_error_set(lr_error_t *err, int code, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lr_error_vset(err, code, offset, fmt, ap);
    va_end(ap);
    return code;
}

int lr_error_at(lr_error_t *err, const char *where, int code, uint64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    lr_error_vset(err, code, offset, fmt, ap);
    va_end(ap);
    snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
    return code;
}

int lr_error_wrap(lr_error_t *err, const char *where, int code)
{
    if (!err)
        return code;
    if (err->where[0] == '\0' && where)
        snprintf(err->where, sizeof(err->where), "%s", where);
    if (err->code == 0)
        err->code = code;
    return code;
}

int lr_error_prefix(lr_error_t *err, const char *prefix, int code)
{
    if (!err)
        return code;
    char msg[sizeof(err->msg)];
    snprintf(msg, sizeof(msg), "%s", err->msg[0] ? err->msg : lr_strerror(code));
    unsigned hints = err->hints; /* the callee's refusal keeps its hints */
    lr_error_set(err, code, err->offset, "%s: %s", prefix, msg);
    err->hints = hints;
    return code;
}

int lr_error_refuse(lr_error_t *err, unsigned hints, const char *fmt, ...)
{
    if (!err)
        return LR_EREFUSED;
    va_list ap;
    va_start(ap, fmt);
    lr_error_vset(err, LR_EREFUSED, LR_NO_OFFSET, fmt, ap);
    va_end(ap);
    err->hints = hints;
    return LR_EREFUSED;
}

int lr_error_hint(lr_error_t *err, unsigned hints, int code)
{
    if (err)
        err->hints |= hints;
    return code;
}

int lr_error_oom(lr_error_t *err)
{
    return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
}

const char *lr_error_format(const lr_error_t *err, char *buf, unsigned long len)
{
    if (!buf || len == 0)
        return buf;
    char pos[48] = "";
    if (err->offset != LR_NO_OFFSET)
        snprintf(pos, sizeof(pos), "at byte %" PRIu64 ": ", err->offset);
    const char *msg = err->msg[0] ? err->msg : lr_strerror(err->code);
    if (err->where[0])
        snprintf(buf, len, "%s: %s%s", err->where, pos, msg);
    else
        snprintf(buf, len, "%s%s", pos, msg);
    return buf;
}

const char *lr_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case LR_ENOTFOUND:
        return "not found";
    case LR_EFORMAT:
        return "invalid on-disk format";
    case LR_ECHECKSUM:
        return "checksum mismatch";
    case LR_ERANGE:
        return "value out of range";
    case LR_ELIMIT:
        return "limit exceeded";
    case LR_EPARSE:
        return "metadata syntax error";
    case LR_EREADONLY:
        return "handle is read-only";
    case LR_EREFUSED:
        return "refused";
    default:
        return code < 0 && code > -4096 ? strerror(-code) : "unknown error";
    }
}
