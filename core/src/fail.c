#include "fail.h"

#include <stdarg.h>
#include <stdio.h>

int lr_fail_at(lr_error_t *err, const char *where, int code, uint64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    char msg[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lr_error_set(err, code, offset, "%s", msg);
    lr_error_where(err, where);
    return code;
}
