/* lvmrescue repair: copying an LV's contents, as one version of the VG maps
 * them, out of the scanned images into a file.
 *
 * Supported: striped segments (linear is striped with one stripe), mirror /
 * raid1 segments through their first leg whose PVs are all present (the legs
 * hold the same data), and raid0, raid0_meta, raid4, raid5 (every layout),
 * raid6 (every layout) and raid10 (near copies) over their image LVs, the
 * chunk placement and parity being core's (lr/raid.h). A raid4/5/6 segment
 * with up to one (raid6: two) image unreadable (its PVs not among the
 * images, or the image replaced by an "error" segment) is read degraded:
 * the missing chunks are rebuilt from parity; a raid10 one reads the other
 * copy. The _rmeta LVs are never needed for the data. An old-style
 * snapshot, named as lvs shows it (its COW LV) or by its "snapshotN" LV, is
 * read as its origin with the chunks its COW exception store holds
 * replaced (a snapshot whose COW header is marked invalid is refused).
 * A cache LV (a cache pool, not a cachevol) is read as its origin with the
 * blocks the dm-cache metadata (lr/cache.h) marks dirty taken from the
 * cache pool's data LV. A writecache LV is read as its origin with the
 * blocks its dm-writecache metadata (lr/cache.h) holds and has not written
 * back taken from the cachevol, the newest per block. A thin LV is read through its pool's dm-thin
 * metadata (lr/thin.h): each mapped block from the pool's data LV, unmapped
 * blocks as zeros (holes in the output). Every other segment type
 * (thin-pool, vdo, integrity ...) is refused with a message
 * naming the type and the segment. The mapping follows LVM2: a PV extent e
 * is at byte pv_start + pe_start*512 + e*extent_size*512 of the image
 * holding the PV; in a striped segment of n stripes, chunk k of stripe_size
 * sectors is on stripe k % n at chunk (k / n) of that stripe's area.
 *
 * It works in two steps: lr_extract_plan resolves the LV into pieces (which
 * image, which bytes) and refuses before anything is written; lr_extract_run
 * streams the pieces through one bounded buffer (1 MiB by default) into a new
 * output file, never holding the LV in memory. Images are only read. The
 * output is written to a temporary file next to the target and put in place
 * when complete (never clobbering an existing file unless
 * LR_EXTRACT_OVERWRITE; all-zero blocks are left as holes; mode 0600); on
 * failure nothing is left behind. The engine never prints. */
#ifndef LR_EXTRACT_H
#define LR_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"
#include "lr/meta.h"
#include "lr/raid.h"
#include "lr/snapshot.h"
#include "lr/scan.h"
#include "lr/thin.h"

#define LR_EXTRACT_DEFAULT_BUFFER (1u << 20)
#define LR_EXTRACT_MAX_DEPTH 8 /* nested legs (mirror of striped LVs ...) */

/* Where one stripe of a piece lives. */
typedef struct lr_extract_stripe {
    char *pv_key;    /* "pv1" in the version's text */
    char *pv_id;     /* PV UUID as printed */
    int image;       /* index into scan->images */
    uint64_t offset; /* absolute byte offset in that image of the stripe
                        area's first byte (its start extent) */
} lr_extract_stripe_t;

typedef struct lr_extract_piece lr_extract_piece_t;

/* One image of a raid0/4/5/6/10 segment: the image LV's own map. */
typedef struct lr_extract_leg {
    char *lv;      /* image LV ("lv_rimage_1") */
    char *meta_lv; /* its _rmeta LV, NULL when the segment has none */
    bool missing;  /* unreadable: PVs not among the images, or an error segment */
    uint64_t size; /* bytes of the image planned (the segment's area) */
    size_t n_pieces;
    lr_extract_piece_t *pieces; /* offsets from the area start; NULL when missing */
    size_t n_meta_pieces;
    lr_extract_piece_t *meta_pieces; /* the _rmeta LV's map; NULL when unreadable */
} lr_extract_leg_t;

/* An old-style snapshot, read as its origin with the chunks the COW LV's
 * exception store (lr/snapshot.h) holds copies of replaced by them. */
typedef struct lr_extract_snap {
    char *snapshot_lv;       /* the hidden LV with the "snapshot" segment ("snapshot0") */
    char *origin, *cow;      /* LV names */
    uint32_t chunk_size;     /* sectors, from the COW header */
    uint32_t seg_chunk_size; /* sectors, as the segment says */
    bool valid;              /* the COW header's valid flag */
    size_t n_exceptions;
    lr_snap_exception_t *exceptions; /* sorted by old_chunk, one per chunk */
    uint64_t chunks_used;            /* COW chunks in use (header, areas, data) */
    uint64_t chunks_total;           /* COW LV size in chunks */
    uint64_t origin_size, cow_size;  /* bytes */
    size_t n_origin, n_cow;
    lr_extract_piece_t *origin_pieces, *cow_pieces;
    /* a dm-cache LV read the same way: origin = the _corig LV, cow = the
     * cache pool's data LV, exceptions = the dirty blocks (origin block ->
     * cache block), chunk_size = the cache block size */
    bool cache;
    char *cache_mode;       /* the pool's cache_mode, NULL when absent */
    uint32_t cache_version; /* dm-cache metadata version */
    bool clean_shutdown;    /* without it every cached block counts as dirty */
    uint64_t cache_mapped;  /* cache blocks holding origin blocks */
    /* a writecache LV (cache also set): origin = the _wcorig LV, cow = the
     * cachevol, exceptions = the blocks not yet written back, the newest
     * per origin block (origin block -> cache device block, both of
     * chunk_size sectors, the block size); see lr/cache.h */
    bool writecache;
    uint64_t wc_blocks;    /* entries in the writecache metadata */
    uint64_t wc_seq_count; /* its superblock's seq_count */
    uint64_t wc_committed; /* committed entries (superseded ones too) */
} lr_extract_snap_t;

/* A run of the LV that maps through one segment (of the LV itself or, for
 * mirror/raid1, of the chosen leg). */
struct lr_extract_piece {
    uint64_t lv_offset;  /* bytes from the LV start */
    uint64_t length;     /* bytes */
    uint64_t seg_offset; /* where lv_offset falls inside the (striped)
                            segment's logical space, bytes */
    uint64_t chunk;      /* stripe_size in bytes; 0 for one stripe (linear) */
    char *segtype;       /* type of the LV's own segment ("striped", "mirror", "raid1") */
    char *via;           /* leg LV read through ("lv_mimage_0"), NULL when direct */
    size_t n_stripes;
    lr_extract_stripe_t *stripes; /* PV stripes; none for a raid piece */
    /* raid0/4/5/6/10 over image LVs (n_legs > 0, n_stripes == 0): logical
     * chunk placement by lr_raid_map with chunk bytes per chunk */
    lr_raid_layout_t raid;
    unsigned copies; /* raid10 data_copies */
    size_t n_legs;
    lr_extract_leg_t *legs;  /* in the segment's image order */
    size_t n_missing_legs;   /* > 0: degraded (rebuilt from parity / another copy) */
    lr_extract_snap_t *snap; /* an old-style snapshot (the only piece); else NULL */
};

typedef struct lr_extract_plan lr_extract_plan_t;

/* A thin LV: where its pool keeps metadata and data. */
typedef struct lr_extract_thin {
    char *pool;              /* the thin-pool LV */
    char *meta_lv, *data_lv; /* its metadata (_tmeta) and data (_tdata) LVs */
    uint64_t dev_id;         /* the thin LV's device_id */
    bool has_lv_tx;          /* the thin LV's segment gives its transaction_id */
    uint64_t lv_tx;          /* it: the pool transaction LVM2 created the LV in */
    uint64_t transaction_id; /* the pool segment's transaction_id (LVM2's) */
    uint64_t chunk;          /* the pool's chunk_size in bytes (LVM2's) */
    lr_extract_plan_t *meta; /* plan of meta_lv */
    lr_extract_plan_t *data; /* plan of data_lv */
} lr_extract_thin_t;

/* The resolved LV. Everything is copied: valid after the scan's views are
 * freed (but image indexes refer to the scan). */
struct lr_extract_plan {
    char *vg;
    uint64_t seqno;
    char *lv;
    char *lv_id;
    uint64_t size;        /* bytes */
    uint64_t extent_size; /* bytes */
    size_t n_pieces;
    lr_extract_piece_t *pieces; /* in LV order, covering [0, size) */
    size_t n_degraded;          /* pieces read degraded (n_missing_legs > 0) */
    size_t n_images;            /* images read (distinct), for messages */
    int *images;                /* their indexes into scan->images */
    lr_extract_thin_t *thin;    /* a thin LV (no pieces): read through the pool;
                                   NULL otherwise */
};

/* Resolves LV `lv` (its name in that version) of version `version` of VG
 * `vg` of the scan. For a snapshot this reads the COW LV's header and
 * exception table from the images (opened read-only by path). Errors, each
 * with a message the CLI can print as is:
 *   LR_ENOTFOUND  no LV of that name (the message lists the version's LVs,
 *                 and the nearest older version that has one by that name);
 *   LR_EREFUSED   a segment type that cannot be extracted (named), PVs not
 *                 among the images (each named by key, UUID and device hint;
 *                 for mirror/raid1 when no leg has all its PVs; for raid
 *                 levels when more images are missing than the parity or
 *                 the copies cover, naming the type and the images), a
 *                 snapshot whose COW header is marked invalid, a thin LV
 *                 whose pool is not in the version or has an external
 *                 origin, or only partial copies of the version;
 *   LR_EFORMAT    a snapshot's COW store is damaged (no header, an
 *                 exception pointing outside the COW or the origin), or
 *                 the map is inconsistent (gaps, areas beyond a PV's
 *                 pe_count, a stripe area running past its image, legs
 *                 nested deeper than LR_EXTRACT_MAX_DEPTH).
 * A thin LV's plan holds the plans of its pool's metadata and data LVs
 * (their errors come prefixed with the pool's name); the pool metadata is
 * read when the plan runs (lr_extract_thin_info reads it beforehand).
 * On success *out is owned by the caller (lr_extract_plan_free). */
int lr_extract_plan(const lr_scan_session_t *session, size_t vg, size_t version, const char *lv,
                    lr_extract_plan_t **out, lr_error_t *err);

/* Same, from an already loaded view (scan gives the PV locations: the VG's
 * PV list, then any label with the PV's UUID). */
int lr_extract_plan_vg(const lr_scan_t *scan, const lr_vg_t *vgv, const char *lv,
                       lr_extract_plan_t **out, lr_error_t *err);

/* Frees a plan. NULL is accepted. */
void lr_extract_plan_free(lr_extract_plan_t *plan);

/* Progress: called after each buffer written; non-zero return stops the
 * run (-ECANCELED, output removed). */
typedef int (*lr_extract_progress_fn)(void *arg, uint64_t done, uint64_t total);

enum {
    LR_EXTRACT_OVERWRITE = 1u << 0, /* replace an existing regular file */
};

/* What an extraction read from bytes its image decompressed but cannot
 * vouch for (lr_io_unsure_range: a gzip member whose checksum fails, the
 * part of a corrupt xz block or zstd frame decoded before the damage):
 * bytes read from such ranges (0: none), and the first such range read,
 * [start, end) of the scan's image `image`. */
typedef struct lr_extract_doubt {
    uint64_t bytes;
    int image;
    uint64_t start, end;
} lr_extract_doubt_t;

typedef struct lr_extract_opts {
    unsigned flags;     /* LR_EXTRACT_* */
    size_t buffer_size; /* 0: LR_EXTRACT_DEFAULT_BUFFER */
    /* Open handles of the scan's images, n_ios == scan->n_images, in that
     * order (e.g. the ones given to lr_scan_ios). NULL: each image the plan
     * reads is opened read-only by its path (lr_io_open) and closed again. */
    lr_io_t *const *ios;
    size_t n_ios;
    lr_extract_progress_fn progress; /* may be NULL */
    void *progress_arg;
    /* May be NULL. Filled by lr_extract_run (zeroed first): what the copy
     * holds of bytes its images cannot vouch for. The copy is written all
     * the same; the caller says it is not known to be the LV's. */
    lr_extract_doubt_t *doubt;
} lr_extract_opts_t;

/* Writes the plan's bytes to path. opts may be NULL. LR_EREFUSED when path
 * exists (without LR_EXTRACT_OVERWRITE), is not a regular file, or is one of
 * the scan's images; negative errno / LR_ERANGE for read or write errors
 * (err names the image or the path); -ECANCELED when progress stopped it.
 * *written (may be NULL) receives the bytes written on success. */
int lr_extract_run(const lr_scan_t *scan, const lr_extract_plan_t *plan, const char *path,
                   const lr_extract_opts_t *opts, uint64_t *written, lr_error_t *err);

/* lr_extract_plan + lr_extract_run. */
int lr_extract_lv(const lr_scan_session_t *session, size_t vg, size_t version, const char *lv,
                  const char *path, const lr_extract_opts_t *opts, uint64_t *written,
                  lr_error_t *err);

/* Reads len bytes at lv_offset of the planned LV into buf (for a TUI hex
 * view, or a caller streaming elsewhere). Same opts->ios rule as
 * lr_extract_run (opts may be NULL). LR_ERANGE past the end. */
int lr_extract_read(const lr_scan_t *scan, const lr_extract_plan_t *plan, void *buf, size_t len,
                    uint64_t lv_offset, const lr_extract_opts_t *opts, lr_error_t *err);

/* What the pool metadata says about a planned thin LV. */
typedef struct lr_extract_thin_info {
    lr_thin_super_t super;    /* the pool metadata's superblock */
    lr_thin_dev_t dev;        /* the thin device's record */
    lr_thin_usage_t usage;    /* mapped, highest, shared, lost ranges */
    uint64_t block_size;      /* data block in bytes (the superblock's) */
    uint64_t past_end;        /* mappings past the LV's size (not extracted) */
    uint64_t lost_bytes;      /* LV bytes inside lost ranges (extracted as zeros) */
    size_t n_damage;          /* damage found in the pool metadata (all trees) */
    lr_thin_damage_t *damage; /* owned by the info */
    uint64_t damage_dropped;  /* damage records over LR_THIN_MAX_DAMAGE */
    lr_thin_space_t space;    /* the pool's space maps against its mappings
                                 (lr_thin_space_maps; their damage is listed too) */
} lr_extract_thin_info_t;

/* Reads the pool metadata of a planned thin LV (plan->thin; LR_EREFUSED
 * otherwise), same opts->ios rule as lr_extract_run. Damage is data in the
 * info (the LV can still be extracted: lost ranges are written as zeros);
 * errors: the metadata cannot be read at all (LR_EFORMAT: bad magic ...),
 * LR_ENOTFOUND when the pool metadata has no device with the LV's
 * device_id (the message lists the ids it has). *out is the caller's
 * (lr_extract_thin_info_free). */
int lr_extract_thin_info(const lr_scan_t *scan, const lr_extract_plan_t *plan,
                         const lr_extract_opts_t *opts, lr_extract_thin_info_t **out,
                         lr_error_t *err);

/* Frees an info. NULL is accepted. */
void lr_extract_thin_info_free(lr_extract_thin_info_t *info);

/* What the parity of a raid4/5/6 LV says of its data chunks. */
typedef struct lr_extract_parity {
    uint64_t rows;      /* rows checked: every row of the LV's raid4/5/6
                           pieces whose images are all readable */
    uint64_t bad_rows;  /* of them, rows whose stored P (or Q) is not what
                           their data chunks give */
    uint64_t first_bad; /* LV byte where the first such row's data starts */
    uint64_t last_bad;  /* and where the last one's ends (exclusive) */
} lr_extract_parity_t;

/* Checks the parity of every whole row of the plan's raid4/5/6 pieces that
 * no image is missing from (a degraded piece is read through its parity,
 * which cannot then be checked), as MD's check does: each row's P (and Q)
 * computed from its data chunks and compared with what the images hold.
 * An image zeroed, replaced or written apart from the others reads as
 * plain data but disagrees here. Same opts->ios rule as lr_extract_run.
 * 0 with *out filled (rows 0 when there is nothing to check); read errors
 * as lr_extract_run; -ENOMEM. */
int lr_extract_check_parity(const lr_scan_t *scan, const lr_extract_plan_t *plan,
                            const lr_extract_opts_t *opts, lr_extract_parity_t *out,
                            lr_error_t *err);

/* The dm-raid superblock of leg `leg` of raid piece `piece` of the plan,
 * read from its _rmeta LV (same opts->ios rule as lr_extract_run). 0 with
 * *out filled; LR_ENOTFOUND when the leg has no readable _rmeta LV or the
 * magic is absent (a zeroed or never written superblock); -EINVAL for a
 * piece or leg out of range. Extraction never depends on it: callers use it
 * to report failed or out-of-sync images. */
int lr_extract_raid_sb(const lr_scan_t *scan, const lr_extract_plan_t *plan, size_t piece,
                       size_t leg, const lr_extract_opts_t *opts, lr_raid_sb_t *out,
                       lr_error_t *err);

/* Where the legs of a mirror / raid1 LV differ (a split-brain hint): every
 * segment of type mirror or raid1 whose legs are LVs is read leg by leg and
 * compared, sector by sector, with its first readable leg. */
typedef struct lr_extract_range {
    uint64_t offset, length; /* bytes of the LV */
} lr_extract_range_t;

#define LR_EXTRACT_MAX_RANGES 32

typedef struct lr_extract_legdiff {
    size_t n_legs;
    char **legs;       /* leg LV names, in the first compared segment's order */
    bool *readable;    /* every segment of this leg could be read */
    size_t n_segments; /* mirror/raid1 segments compared */
    uint64_t compared; /* bytes compared (per leg) */
    uint64_t differ;   /* bytes where some readable leg differs from the first */
    size_t n_ranges;   /* at most LR_EXTRACT_MAX_RANGES, merged */
    lr_extract_range_t ranges[LR_EXTRACT_MAX_RANGES];
    bool more_ranges; /* differences past the last range listed */
    /* raid1: each leg's dm-raid superblock, from its _rmeta LV (first
     * segment), when one could be read (has_sb) */
    bool *has_sb;
    lr_raid_sb_t *sb;
    char **meta_lv; /* the _rmeta LV read, NULL when none */
} lr_extract_legdiff_t;

/* Compares the legs of LV `lv` of that version (same opts->ios rule as
 * lr_extract_run). *out is NULL (and 0 returned) when the LV has no
 * mirror/raid1 segment over leg LVs; else owned by the caller
 * (lr_extract_legdiff_free). Read errors as lr_extract_run. */
int lr_extract_compare_legs(const lr_scan_session_t *session, size_t vg, size_t version,
                            const char *lv, const lr_extract_opts_t *opts,
                            lr_extract_legdiff_t **out, lr_error_t *err);

/* Frees a comparison. NULL is accepted. */
void lr_extract_legdiff_free(lr_extract_legdiff_t *d);

#endif
