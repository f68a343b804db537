/* Sizes and times for people (lr/fmt.h). */
#include "lr/fmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

/* The largest unit bytes reaches (0 for bytes below 1 KiB). */
static unsigned unit_of(uint64_t bytes)
{
    unsigned u = 0;
    while (u + 1 < N_UNITS && bytes >= (uint64_t)1 << (10 * (u + 1)))
        u++;
    return u;
}

/* LVM2's display: hundredths of the unit rounded to nearest, in integers so
 * that large sizes stay exact, and '<' when the shown value is above the
 * real one (as LVM2 marks it). */
static void size_lvm(uint64_t bytes, char *buf, size_t len)
{
    unsigned u = unit_of(bytes);
    if (u == 0) {
        snprintf(buf, len, "%" PRIu64 " B", bytes);
        return;
    }
    uint64_t unit = (uint64_t)1 << (10 * u);
    uint64_t whole = bytes / unit, rest = bytes % unit;
    uint64_t hundredths;
    bool above;
    if (u < 6) { /* rest < 2^50: rest * 100 fits */
        hundredths = (rest * 100 + unit / 2) / unit;
        above = hundredths * unit > rest * 100;
    } else {
        double h = (double)rest / (double)unit * 100.0;
        hundredths = (uint64_t)(h + 0.5);
        above = (double)hundredths > h;
    }
    if (hundredths >= 100) {
        whole++;
        hundredths -= 100;
    }
    snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64 " %s", above ? "<" : "", whole, hundredths,
             units[u]);
}

/* printf's rounding of the size in its unit. The unit is chosen on the
 * double, as every program did, so a size a hair below 1 EiB shows as
 * "1.0 EiB", not "1024.0 PiB". */
static void size_decimal(uint64_t bytes, int decimals, char *buf, size_t len)
{
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < N_UNITS) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%" PRIu64 " B", bytes);
    else
        snprintf(buf, len, "%.*f %s", decimals, v, units[u]);
}

const char *lr_fmt_size(uint64_t bytes, unsigned flags, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    if (flags & LR_FMT_SIZE_LVM) {
        size_lvm(bytes, buf, len);
        return buf;
    }
    unsigned u = unit_of(bytes);
    uint64_t unit = (uint64_t)1 << (10 * u);
    if ((flags & LR_FMT_SIZE_WHOLE) && bytes % unit == 0) {
        snprintf(buf, len, "%" PRIu64 " %s", bytes / unit, units[u]);
        return buf;
    }
    size_decimal(bytes, (flags & LR_FMT_SIZE_2DP) ? 2 : 1, buf, len);
    return buf;
}

const char *lr_fmt_time(int64_t t, unsigned flags, const char *unknown, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    bool local = flags & LR_FMT_TIME_LOCAL;
    const char *fmt = !(flags & LR_FMT_TIME_ZONE) ? "%Y-%m-%d %H:%M:%S"
                      : local                     ? "%Y-%m-%d %H:%M:%S %z"
                                                  : "%Y-%m-%d %H:%M:%S UTC";
    time_t tt = (time_t)t;
    struct tm tm;
    bool ok = t != 0 && (local ? localtime_r(&tt, &tm) : gmtime_r(&tt, &tm)) != NULL &&
              strftime(buf, len, fmt, &tm) != 0;
    if (!ok)
        snprintf(buf, len, "%s", unknown ? unknown : "");
    return buf;
}
