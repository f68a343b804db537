/* lvmrescue scan: the state of the raid and mirror LVs of one version, as
 * the scanned images hold them now, for lvmscan's report:
 *   - which images (legs) are missing: the PV of one of their segments not
 *     among the images, their extents past the end of the image holding
 *     the PV, or the image replaced by an "error" segment (as LVM2 leaves a
 *     lost image);
 *   - what each leg's dm-raid superblock (its _rmeta LV, lr/raid.h) says:
 *     images marked failed, an image being recovered, an array not fully
 *     synced;
 *   - whether the data can be read: whole, degraded (rebuilt from parity,
 *     read from another copy or another leg) or not at all (more images
 *     missing than the parity or the copies cover);
 *   - optionally (LR_RAIDSCAN_COMPARE: it reads every byte of every leg) for
 *     raid1 and mirror segments, where the legs differ from the first
 *     readable one (a split-brain hint).
 * Reading only, through the session's handles. Which image is missing and
 * why is lr_lvmap_legs (lr/lvmap.h), the rule extraction (lr/extract.h)
 * follows too, so what this says is readable degraded is what extraction
 * rebuilds. */
#ifndef LR_RAIDSCAN_H
#define LR_RAIDSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/raid.h"
#include "lr/scan.h"

#define LR_RAIDSCAN_MAX_RANGES 8 /* differing ranges kept per segment */

enum {
    LR_RAIDSCAN_COMPARE = 1u << 0, /* compare the legs of raid1/mirror segments (reads them all) */
};

/* How the data of a segment can be read. */
enum {
    LR_RAIDSCAN_WHOLE = 0,      /* every image readable */
    LR_RAIDSCAN_DEGRADED = 1,   /* images missing, the others cover them */
    LR_RAIDSCAN_UNREADABLE = 2, /* more images missing than the redundancy covers */
};

/* Where a degraded segment's missing images are read from (core's rules:
 * lr_seg_is_mirror, lr_raid_layout). */
enum {
    LR_RAIDSCAN_FROM_NONE = 0,   /* nowhere: a type that rebuilds nothing (raid0, unknown) */
    LR_RAIDSCAN_FROM_LEG = 1,    /* another leg: mirror, raid1 (and pvmove's source) */
    LR_RAIDSCAN_FROM_COPY = 2,   /* another copy of the same chunk: raid10 */
    LR_RAIDSCAN_FROM_PARITY = 3, /* rebuilt from parity: raid4, raid5, raid6 */
};

/* Leg comparison of a raid1/mirror segment. */
enum {
    LR_RAIDSCAN_CMP_NOT_ASKED = 0, /* LR_RAIDSCAN_COMPARE not given, or not raid1/mirror */
    LR_RAIDSCAN_CMP_DONE = 1,      /* the readable legs were compared */
    LR_RAIDSCAN_CMP_FAILED = 2,    /* could not compare: compare_error says why */
};

typedef struct lr_raidscan_leg {
    char *lv;                 /* the image LV ("r1_rimage_0", "m_mimage_1") */
    char *meta_lv;            /* its _rmeta LV; NULL when the segment has none */
    bool missing;             /* unreadable (why says how) */
    bool pvmove_dest;         /* a destination of an unfinished pvmove (lr_seg_is_pvmove):
                                 not read and not counted as a copy (why says so) */
    char *why;                /* NULL when readable */
    bool has_sb;              /* a dm-raid superblock was read from meta_lv */
    lr_raid_sb_t sb;          /* it (when has_sb) */
    bool failed;              /* some leg's superblock marks this image failed */
    char *failed_by;          /* the _rmeta LV of the first superblock saying so */
    bool recovering;          /* its own superblock: recovered up to recovery_offset only */
    uint64_t recovery_offset; /* sectors */
} lr_raidscan_leg_t;

typedef struct lr_raidscan_range {
    uint64_t offset, length; /* bytes of the LV */
} lr_raidscan_range_t;

typedef struct lr_raidscan_seg {
    char *lv;            /* the raid / mirror LV */
    size_t segment;      /* index of the segment in the LV (0 for most) */
    uint64_t lv_offset;  /* bytes of the LV where the segment starts */
    uint64_t length;     /* bytes the segment covers */
    char *segtype;       /* as the metadata writes it ("raid5", "mirror") */
    unsigned redundancy; /* images that may be missing in the best case: parity,
                            legs - 1 for raid1/mirror, copies - 1 for raid10 */
    size_t n_legs;
    lr_raidscan_leg_t *legs; /* in the segment's image order */
    size_t n_missing;
    int state;              /* LR_RAIDSCAN_WHOLE / DEGRADED / UNREADABLE */
    int read_from;          /* LR_RAIDSCAN_FROM_*: how missing images are covered */
    bool resync;            /* a superblock says the array was not fully synced */
    uint64_t resync_offset; /* sectors in sync (the lowest said) */
    char *resync_by;        /* the _rmeta LV saying it */
    int compare;            /* LR_RAIDSCAN_CMP_* */
    char *compare_error;    /* when LR_RAIDSCAN_CMP_FAILED */
    size_t n_compared;      /* legs compared (the readable ones) */
    uint64_t compared;      /* bytes compared per leg */
    uint64_t differ;        /* bytes where some leg differs from the first readable one */
    size_t n_ranges;        /* at most LR_RAIDSCAN_MAX_RANGES, merged, in order */
    lr_raidscan_range_t ranges[LR_RAIDSCAN_MAX_RANGES];
    bool more_ranges; /* differences past the last range kept */
} lr_raidscan_seg_t;

typedef struct lr_raidscan {
    size_t n_segs;
    lr_raidscan_seg_t *segs; /* LV text order, then segment order */
} lr_raidscan_t;

/* Checks every raid* and mirror segment of version `version` of VG `vg` of
 * the session (flags: LR_RAIDSCAN_*). *out is the caller's
 * (lr_raidscan_free); a version without such segments gives n_segs 0.
 * Fails with lr_scan_version_vg's errors (LR_ERANGE for bad indexes,
 * LR_EREFUSED for a version with only partial copies ...) and -ENOMEM; a
 * leg that cannot be read is data (missing, why), never an error. */
int lr_raidscan_version(const lr_scan_session_t *session, size_t vg, size_t version, unsigned flags,
                        lr_raidscan_t **out, lr_error_t *err);

/* Frees a result. NULL is accepted. */
void lr_raidscan_free(lr_raidscan_t *r);

#endif
