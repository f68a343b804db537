/* lvmrescue core: orderings shared by qsort and bsearch callers. */
#ifndef LR_SORT_H
#define LR_SORT_H

/* qsort/bsearch comparator of two uint64_t (a and b point at them):
 * negative, 0 or positive as *a is below, equal to or above *b. Never
 * fails; owns nothing. */
int lr_u64_cmp(const void *a, const void *b);

#endif
