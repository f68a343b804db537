#include "fail.h"

#include <stdarg.h>
#include <stdio.h>

int lr_fail_at(lr_error_t *err, const char *where, int code, uint64_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    lr_error_vset(err, code, offset, fmt, ap);
    va_end(ap);
    lr_error_where(err, where);
    return code;
}
