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

/* Tunes the allocator for the pattern above: buffers below 32 MiB come
 * from the heap and freed memory stays there for reuse (up to 64 MiB), all
 * threads share one arena (the reader thread's buffers are reused by the
 * scanning thread after the stream), and the heap's first 24 MiB are
 * advised for transparent huge pages (where the kernel's policy is
 * "madvise"). Call once at program start, before any thread is created.
 * Advice the allocator or the kernel does not take is ignored: nothing
 * depends on it but speed. Allocates nothing that outlives the call. */
void lr_mem_tune(void);

#endif
