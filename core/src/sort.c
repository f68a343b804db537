/* lvmrescue core: orderings shared by qsort and bsearch callers. */
#include "lr/sort.h"

#include <stdint.h>

int lr_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}
