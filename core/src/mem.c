/* The process's memory policy for a scan (lr/mem.h). */
#include "lr/mem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define MEM_MMAP_MIN (32u << 20)  /* smaller buffers come from the heap */
#define MEM_TRIM (64u << 20)      /* free heap kept for reuse */
#define MEM_HUGE_HEAP (24u << 20) /* heap advised for huge pages (below MEM_MMAP_MIN) */

void lr_mem_advise_huge(void *p, size_t len)
{
    uintptr_t a = ((uintptr_t)p + LR_MEM_HUGE - 1) & ~(uintptr_t)(LR_MEM_HUGE - 1);
    uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(LR_MEM_HUGE - 1);
#ifdef MADV_HUGEPAGE
    if (p && e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE); /* advice only */
#endif
}

/* Grows the heap by MEM_HUGE_HEAP and advises that range for huge pages:
 * the allocations that later take it fault in 2 MiB at a time. The chunk is
 * freed at once; it stays in the heap (below MEM_TRIM) with the advice. */
static void mem_advise_heap(void)
{
    void *p = malloc(MEM_HUGE_HEAP);
    lr_mem_advise_huge(p, MEM_HUGE_HEAP);
    free(p);
}

void lr_mem_tune(void)
{
#ifdef M_MMAP_THRESHOLD
    (void)mallopt(M_MMAP_THRESHOLD, MEM_MMAP_MIN);
    (void)mallopt(M_TRIM_THRESHOLD, MEM_TRIM);
#endif
#ifdef M_ARENA_MAX
    (void)mallopt(M_ARENA_MAX, 1);
#endif
    mem_advise_heap();
}
