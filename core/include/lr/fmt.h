/* lvmrescue core: sizes and times as people read them.
 *
 * One implementation for every program; the flags select the exact text
 * each program documents and tests ("32.0 MiB" in lvmscan, "32 MiB" in
 * lvmtui, "<1.50 GiB" in mlvm like LVM2, ...). Both functions write into a
 * buffer the caller owns, never allocate and never fail: text that does
 * not fit is cut (always NUL-terminated). */
#ifndef LR_FMT_H
#define LR_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Styles of lr_fmt_size. 0 is one decimal always: "512 B", "32.0 MiB". */
enum {
    LR_FMT_SIZE_2DP = 1u << 0,   /* two decimals: "32.00 MiB", "1.50 GiB" */
    LR_FMT_SIZE_WHOLE = 1u << 1, /* no decimals when the size is a whole
                                    number of its unit: "32 MiB", "1.5 GiB" */
    LR_FMT_SIZE_LVM = 1u << 2,   /* LVM2's display (other flags ignored):
                                    hundredths rounded to nearest, computed
                                    exactly, with '<' when that shows more
                                    than the size: "4.00 MiB", "<3.00 MiB" */
};

/* Writes bytes in binary units (B, KiB, ... EiB; the largest unit the size
 * reaches; below 1 KiB always "N B") into buf (len bytes). Returns buf. */
const char *lr_fmt_size(uint64_t bytes, unsigned flags, char *buf, size_t len);

/* Styles of lr_fmt_time. 0 is UTC without a zone: "2026-11-25 08:03:25". */
enum {
    LR_FMT_TIME_LOCAL = 1u << 0, /* local time instead of UTC */
    LR_FMT_TIME_ZONE = 1u << 1,  /* append the zone: " UTC", or in local
                                    time its offset: " +0100" */
};

/* Writes the unix time t into buf (len bytes). 0, LVM2's "no time", and a
 * time that cannot be converted (or does not fit) give `unknown` instead
 * ("-", "unknown time", ...; NULL gives ""). Returns buf. */
const char *lr_fmt_time(int64_t t, unsigned flags, const char *unknown, char *buf, size_t len);

#endif
