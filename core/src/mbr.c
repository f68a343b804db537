/* Where an MBR's extended boot records lie (lr/mbr.h). */
#include "lr/mbr.h"

#include <stdbool.h>

#include "le.h"

#define MBR_ENTRIES 446u /* the first entry's byte */
#define MBR_ENTRY 16u

/* Whether sector s (LR_MBR_SECTOR bytes) ends in the boot signature. */
static bool mbr_signed(const uint8_t *s)
{
    return s[510] == 0x55 && s[511] == 0xaa;
}

/* Whether entry e is an extended partition (DOS, LBA or Linux extended). */
static bool mbr_extended(const uint8_t *e)
{
    return e[4] == 0x05 || e[4] == 0x0f || e[4] == 0x85;
}

/* Reads sector `at` of io into s when it lies within size bytes. */
static bool mbr_read(lr_io_t *io, uint64_t size, uint64_t at, uint8_t *s)
{
    return at < size / LR_MBR_SECTOR &&
           lr_io_pread(io, s, LR_MBR_SECTOR, at * LR_MBR_SECTOR, NULL) == 0;
}

/* Appends the chain of the extended partition starting at sector `first`
 * to out (n of max used); the new count. */
static size_t mbr_chain(lr_io_t *io, uint64_t size, uint64_t first, uint64_t *out, size_t n,
                        size_t max)
{
    uint8_t s[LR_MBR_SECTOR];
    uint64_t at = first;
    for (unsigned k = 0; k < LR_MBR_MAX_EBRS && n < max; k++) {
        if (!mbr_read(io, size, at, s) || !mbr_signed(s))
            return n;
        out[n++] = at;
        const uint8_t *link = s + MBR_ENTRIES + MBR_ENTRY;
        uint32_t next = lr_get_le32(link + 8);
        if (!mbr_extended(link) || next == 0)
            return n;
        at = first + next;
    }
    return n;
}

size_t lr_mbr_ebr_sectors(lr_io_t *io, uint64_t size, uint64_t *out, size_t max)
{
    uint8_t s[LR_MBR_SECTOR];
    if (!mbr_read(io, size, 0, s) || !mbr_signed(s))
        return 0;
    size_t n = 0;
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = s + MBR_ENTRIES + MBR_ENTRY * i;
        uint32_t first = lr_get_le32(e + 8);
        if (mbr_extended(e) && first != 0)
            n = mbr_chain(io, size, first, out, n, max);
    }
    return n;
}
