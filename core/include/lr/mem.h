/* lvmrescue core: the process's memory policy for a scan.
 *
 * A scan streams an image with a few large buffers (the read ring, a
 * compressed image's history and the decoder's window), frees them, and
 * then builds many small objects: the parsed versions of every VG, held
 * together for the evidence. With glibc's defaults each large buffer is its
 * own mapping, returned to the system when freed, so the small objects
 * fault in fresh pages one 4 KiB page at a time: on a VG of 101 LVs with
 * 37 versions in its ring, about 6,800 page faults and a sixth of the
 * scan's time (docs/image-formats.md). Programs call lr_mem_tune first. */
#ifndef LR_MEM_H
#define LR_MEM_H

#include <stddef.h>

#define LR_MEM_HUGE (2u << 20) /* a transparent huge page (x86-64, arm64 with 4 KiB pages) */

/* Tunes the allocator for the pattern above: buffers below 32 MiB come
 * from the heap and freed memory stays there for reuse (up to 64 MiB), all
 * threads share one arena (the reader thread's buffers are reused by the
 * scanning thread after the stream), and the heap's first 24 MiB are
 * advised for transparent huge pages (where the kernel's policy is
 * "madvise"). Call once at program start, before any thread is created.
 * Advice the allocator or the kernel does not take is ignored: nothing
 * depends on it but speed. Allocates nothing that outlives the call. */
void lr_mem_tune(void);

/* Advises the whole huge pages (LR_MEM_HUGE, aligned) inside [p, p + len)
 * for transparent huge pages, so that each is faulted in at once instead
 * of a page fault per 4 KiB: for memory every byte of which is written
 * soon (a history ring, the heap the parsed versions fill). Advice only:
 * allocates nothing, never fails; small pages where the kernel declines. */
void lr_mem_advise_huge(void *p, size_t len);

#endif
