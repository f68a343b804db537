/* Private: error helpers for core/src. lr_error_where returns err->code,
 * which is 0 when err is NULL (callers may pass NULL), so functions here
 * return the real status in every case. */
#ifndef LR_FAIL_H
#define LR_FAIL_H

#include <stdint.h>

#include "lr/error.h"

/* lr_error_set + lr_error_where(where); returns code even if err is NULL. */
int lr_fail_at(lr_error_t *err, const char *where, int code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6), visibility("hidden")));

/* Names `where` on an error a callee already recorded; returns code. */
static inline int lr_fail_where(lr_error_t *err, const char *where, int code)
{
    lr_error_where(err, where);
    return code;
}

#endif
