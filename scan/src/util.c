/* Small allocation helpers for the engine. */
#include "scan_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sc_grow(void **arr, size_t *cap, size_t need, size_t elem, lr_error_t *err)
{
    if (need <= *cap)
        return 0;
    /* small first: many arrays (versions of a VG) hold one or two items */
    size_t ncap = *cap ? *cap : 2;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "array too large");
        ncap *= 2;
    }
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *arr = p;
    *cap = ncap;
    return 0;
}

char *sc_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}
