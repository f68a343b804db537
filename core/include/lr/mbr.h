/* lvmrescue core: where an MBR's extended boot records lie.
 *
 * libblkid reads partition tables; the scan feeds it, from images read
 * through lr_io_t, the sectors it needs (scan/src/parts.c). An MBR's
 * logical partitions are described by a chain of extended boot records
 * (EBRs) inside an extended partition, which may lie anywhere on the disk
 * (past its first MiB as soon as a partition comes before it: a Debian or
 * Ubuntu BIOS install puts /boot on p1 and the PV on p5). Only where the
 * chain's sectors lie is followed here; what they say of the partitions is
 * libblkid's to read.
 *   MBR, EBR   a 512-byte sector ending 55 AA; four 16-byte entries from
 *              byte 446: type at +4, first sector le32 at +8 (an MBR's
 *              from the disk's start; an EBR's second entry, the link to
 *              the next EBR, from the extended partition's start)
 *   extended   entry types 0x05 (DOS), 0x0f (LBA), 0x85 (Linux) */
#ifndef LR_MBR_H
#define LR_MBR_H

#include <stddef.h>
#include <stdint.h>

#include "lr/io.h"

#define LR_MBR_SECTOR 512u
/* EBRs followed in one chain: a link looping back in a damaged table
 * ends there */
#define LR_MBR_MAX_EBRS 256u

/* The sector numbers of the EBRs of every extended partition the MBR in
 * io's first sector names, each chain in its order, into out (at most max;
 * the count is returned). A chain ends at a sector at or past `size`
 * bytes, one that cannot be read or does not end in 55 AA (not stored),
 * or a link that is not an extended entry. 0 when the first sector is no
 * MBR (or cannot be read) or names no extended partition. Reads only io;
 * never fails. */
size_t lr_mbr_ebr_sectors(lr_io_t *io, uint64_t size, uint64_t *out, size_t max);

#endif
