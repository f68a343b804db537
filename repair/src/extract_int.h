/* Private to extraction: the planning context and the reading helpers that
 * extract.c (striped, mirror), extract_raid.c (raid levels), extract_snap.c,
 * extract_cache.c, extract_legs.c and extract_thin.c share. A thin LV's plan
 * has no pieces of its own: it holds the plans of its pool's metadata and
 * data LVs, and extract.c hands thin plans to rp_thin_* for reading. */
#ifndef RP_EXTRACT_INT_H
#define RP_EXTRACT_INT_H

#include <stdbool.h>

#include "lr/extract.h"
#include "lr/lvmap.h"
#include "util.h"

typedef struct rp_xctx {
    const lr_scan_t *scan;
    const lr_vg_t *vg;
    lr_extract_plan_t *plan;
    size_t cap;
    uint64_t ext_bytes;      /* extent size in bytes */
    const lr_pv_t **missing; /* PVs needed and not found (deduplicated) */
    size_t n_missing, cap_missing;
    uint64_t misses; /* lookups that failed, duplicates included: a
                        leg is whole when it adds none */
    lr_error_t *err;
} rp_xctx_t;

/* One logical range [lo, hi) of an LV, placed at `out` bytes of the
 * extracted LV. `top` is the type of the extracted LV's own segment, `via`
 * the leg LV being read through (NULL when direct). */
typedef struct rp_xrange {
    uint64_t lo, hi, out;
    const char *top, *via;
    int depth;
} rp_xrange_t;

/* Plans LV extents [r->lo, r->hi) into x->plan. */
int rp_xplan_range(rp_xctx_t *x, const lr_lv_t *lv, const rp_xrange_t *r);
/* A refusal or format error naming the LV, the segment and its extents. */
int rp_xseg_error(rp_xctx_t *x, int code, const lr_lv_t *lv, const lr_seg_t *s, const char *why);
lr_extract_piece_t *rp_xnew_piece(rp_xctx_t *x);
void rp_xfree_pieces(lr_extract_piece_t *pieces, size_t n);

/* Plans extents [lo, lo + len) of LV `sub` into its own piece list; sets
 * *missing (leaving the PVs it lacks in x->missing) when they are not all
 * among the images, or when sub has an error segment. */
int rp_xplan_sub(rp_xctx_t *x, const lr_lv_t *sub, uint64_t lo, uint64_t len, const char *top,
                 int depth, lr_extract_piece_t **pieces, size_t *n_pieces, bool *missing);

/* Whether a raid or mirror leg just planned is whole: scan's rule
 * (lr_lvmap_legs' verdict v), the one that lvmscan's raid report follows;
 * where the rule does not judge (a leg stacked on another raid or mirror
 * segment, which may read around a missing image of its own, or a segment
 * type it does not follow), what planning found (planned_whole: no PV
 * missing). */
bool rp_xleg_whole(const lr_lvmap_leg_t *v, bool planned_whole);

/* The images a run of pieces reads, for a plan's image list. */
int rp_xcollect_images(lr_extract_plan_t *plan);

/* The "snapshot" segment that makes `lv` a snapshot: lv's own, or that of
 * the snapshot LV whose cow_store is lv. NULL when lv is no snapshot. */
const lr_seg_t *rp_xfind_snapshot(const lr_vg_t *vg, const lr_lv_t *lv, const lr_lv_t **snap_lv);
/* Plans a snapshot as one piece (extract_snap.c); reads the COW store. */
int rp_xplan_snapshot(rp_xctx_t *x, const lr_lv_t *snap_lv, const lr_seg_t *s);
void rp_xfree_snap(lr_extract_snap_t *snap);
/* Adds the one piece reading sn (size bytes; chunks of sn->chunk_size), or
 * frees sn when rc (returned) is an error. */
int rp_xsnap_piece(rp_xctx_t *x, lr_extract_snap_t *sn, const lr_seg_t *s, uint64_t size, int rc);
/* Reads len bytes at off of a sub-LV planned as pieces (opened by path). */
int rp_xread_sub(const lr_scan_t *scan, const char *name, const lr_extract_piece_t *pieces,
                 size_t n, uint64_t size, void *buf, size_t len, uint64_t off, lr_error_t *err);
/* Sorts exceptions by origin chunk (for the snapshot read). */
void rp_xsort_exceptions(lr_snap_exception_t *e, size_t n);
/* Whether a segment type is `base`, with or without LVM2's "+FLAGS"
 * suffix ("cache-pool+METADATA_FORMAT"). */
bool rp_xtype_is(const char *type, const char *base);
/* A cache LV (extract_cache.c); its own segment of type "cache". */
int rp_xplan_cache(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s);
/* A writecache LV (extract_cache.c); its own segment of type "writecache". */
int rp_xplan_writecache(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s);

/* A raid0/4/5/6/10 segment over image LVs (extract_raid.c). */
int rp_xplan_raid(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, const rp_xrange_t *r);
void rp_xfree_legs(lr_extract_leg_t *legs, size_t n);

/* The image handles a run reads through: the caller's, or ones opened here
 * by path for the images the plan uses. */
typedef struct rp_xhandles {
    lr_io_t **io;
    size_t n;
    bool owned;
    lr_extract_doubt_t *doubt; /* NULL, or what reads met of unsure bytes */
} rp_xhandles_t;

int rp_xhandles_open(rp_xhandles_t *h, const lr_scan_t *scan, const lr_extract_plan_t *plan,
                     const lr_extract_opts_t *opts, lr_error_t *err);
void rp_xhandles_close(rp_xhandles_t *h);

/* len bytes at `off` of a run of pieces covering [0, size) of `name`. */
int rp_xread_pieces(const rp_xhandles_t *h, const lr_extract_piece_t *pieces, size_t n,
                    uint64_t size, const char *name, char *buf, size_t len, uint64_t off,
                    lr_error_t *err);
/* Reads one slice [within, within + take) of logical chunk c of a piece. */
typedef int (*rp_xchunk_fn)(const rp_xhandles_t *h, const lr_extract_piece_t *p, uint64_t c,
                            uint64_t within, char *buf, size_t take, lr_error_t *err);
/* len bytes at offset `at` of a chunked piece's range, chunk by chunk. */
int rp_xwalk_chunks(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                    uint64_t at, rp_xchunk_fn fn, lr_error_t *err);
/* len bytes at offset `at` of a snapshot piece. */
int rp_xread_snap(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                  uint64_t at, lr_error_t *err);
/* len bytes at offset `at` of a raid piece's own range. */
int rp_xread_raid(const rp_xhandles_t *h, const lr_extract_piece_t *p, char *buf, size_t len,
                  uint64_t at, lr_error_t *err);

/* Reads len bytes at off of a planned LV (any plan, thin too) through h. */
int rp_xread_plan(const rp_xhandles_t *h, const lr_extract_plan_t *plan, char *buf, size_t len,
                  uint64_t off, lr_error_t *err);

/* ---- thin LVs (extract_thin.c) ---- */

/* True when lv is a thin LV (a "thin" segment). */
bool rp_thin_is_thin(const lr_lv_t *lv);

/* Fills plan->thin (and plan->images, the images of both pool LVs) for
 * thin LV lv of vg. LR_EFORMAT for a malformed thin or pool segment,
 * LR_EREFUSED for an external origin, the pool LVs' planning errors
 * prefixed with the pool's name. */
int rp_thin_plan(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv,
                 lr_extract_plan_t *plan, lr_error_t *err);

/* Frees a plan's thin part. NULL is accepted. */
void rp_thin_free(lr_extract_thin_t *thin);

/* Writes the whole thin LV to o: mapped blocks from the data LV, zeros
 * (holes) elsewhere, lost ranges as zeros; buf (bufsize bytes) is the
 * scratch buffer; opts->progress is called as blocks are written. */
int rp_thin_stream(const rp_xhandles_t *h, const lr_extract_plan_t *plan, rp_out_t *o,
                   const lr_extract_opts_t *opts, char *buf, size_t bufsize, lr_error_t *err);

/* len bytes at off of a planned thin LV (zeros where unmapped or lost). */
int rp_thin_read(const rp_xhandles_t *h, const lr_extract_plan_t *plan, char *buf, size_t len,
                 uint64_t off, lr_error_t *err);

#endif
