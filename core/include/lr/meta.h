/* lvmrescue core: a typed view of one VG metadata version on top of the
 * config tree (LVM2 lib/format_text/import_vsn1.c). The view points into the
 * tree it was built from; the tree stays the source of truth, so anything the
 * view does not model (unknown keys, unknown segment types) is kept intact. */
#ifndef LR_META_H
#define LR_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/config.h"
#include "lr/error.h"
#include "lr/strbuf.h"

#define LR_META_MAX_PVS 4096
#define LR_META_MAX_LVS 65536
#define LR_META_MAX_SEGS 65536 /* per LV */

typedef struct lr_strlist {
    size_t n;
    const char **v; /* strings owned by the tree; array owned by the view */
} lr_strlist_t;

typedef struct lr_pv {
    const char *key;    /* section name, e.g. "pv0" */
    const char *id;     /* printed UUID as stored (with dashes) */
    char raw_id[33];    /* without dashes */
    const char *device; /* "device" hint, may be NULL */
    lr_strlist_t status, flags, tags;
    uint64_t dev_size; /* sectors */
    uint64_t pe_start; /* sectors */
    uint64_t pe_count;
    uint64_t ba_start, ba_size; /* sectors; 0 when absent */
    lr_cfg_node_t *node;
} lr_pv_t;

typedef struct lr_seg_area {
    const char *name; /* PV key ("pv0") or LV name for stacked segments */
    uint64_t start;   /* extent on that PV / LV */
    int pv_index;     /* index into vg->pvs, or -1 when it names an LV */
    bool meta;        /* a raid metadata LV (*_rmeta_*), in front of its image:
                         LVM2 keeps it beside the areas and uses it whole */
} lr_seg_area_t;

typedef struct lr_seg {
    const char *key; /* "segment1" */
    uint64_t start_extent;
    uint64_t extent_count;
    const char *type;      /* "striped", "mirror", "thin", ... (kept as-is) */
    bool known;            /* type is striped (incl. linear), mirror or raid*: areas decoded */
    uint64_t stripe_count; /* areas in stripes/mirrors/raids list */
    uint64_t stripe_size;  /* sectors; 0 when absent */
    uint64_t data_copies;  /* copies of each extent: 1 striped, mirror_count for
                              mirror, raid as lv_raid_data_copies (raid10's
                              data_copies, 2 when absent); 0 when not known */
    size_t n_areas;
    lr_seg_area_t *areas; /* owned by the view */
    lr_cfg_node_t *node;
} lr_seg_t;

typedef struct lr_lv {
    const char *name; /* section name */
    const char *id;
    char raw_id[33]; /* id without dashes (lr_uuid_parse), for comparing */
    lr_strlist_t status, flags, tags;
    const char *creation_host; /* NULL when absent */
    int64_t creation_time;     /* seconds since the epoch; 0 when absent */
    bool visible;              /* VISIBLE in status */
    size_t n_segs;
    lr_seg_t *segs;        /* owned by the view */
    uint64_t extent_count; /* sum of segments */
    lr_cfg_node_t *node;
} lr_lv_t;

typedef struct lr_vg {
    lr_cfg_t *cfg;       /* the tree (owned by the view when built by lr_vg_parse) */
    lr_cfg_node_t *node; /* the VG section */
    const char *name;
    const char *id;
    char raw_id[33];
    uint64_t seqno;
    const char *format; /* "lvm2" */
    lr_strlist_t status, flags, tags;
    uint64_t extent_size; /* sectors */
    uint64_t max_lv, max_pv, metadata_copies;
    size_t n_pvs;
    lr_pv_t *pvs;
    size_t n_lvs;
    lr_lv_t *lvs;
    /* header fields after the VG section; NULL / 0 when absent */
    const char *contents;
    int64_t version;
    const char *description;
    const char *creation_host;
    int64_t creation_time;
} lr_vg_t;

/* Parses metadata text (len bytes, a trailing NUL allowed) and builds the
 * view. On success *out owns both the tree and the view (lr_vg_free).
 * Fails with the tree's parse errors, or LR_EFORMAT naming the offset and the
 * missing/invalid field (a VG section without id or seqno, a PV without id,
 * a segment without start_extent/extent_count/type, counts over the limits,
 * a striped area naming no known PV ...). */
int lr_vg_parse(const char *text, size_t len, lr_vg_t **out, lr_error_t *err);

/* Builds the view over an existing tree (not taken over: lr_vg_free will not
 * free cfg). */
int lr_vg_from_cfg(lr_cfg_t *cfg, lr_vg_t **out, lr_error_t *err);

/* Frees the view (and the tree when it owns it). NULL is accepted. */
void lr_vg_free(lr_vg_t *vg);

/* Frees the tree under a view lr_vg_parse built, after putting every string
 * the view points to into pool, and with them every array below the view's
 * pvs and lvs (each LV's segments and their areas, every status/flags/tags
 * list): each field of the view keeps its value, while cfg and every node
 * pointer become NULL. For a caller holding many versions at once (the
 * tree is about nine tenths of a version's memory): the versions of one VG
 * share most of their strings (names, UUIDs, types) and most LVs' segments,
 * so each is held once. What the pool holds is shared with other views and
 * must not be changed; the pool must outlive the view (lr_vg_free frees
 * only the view's own pvs and lvs arrays). What only the tree holds is
 * gone: lr_diff_vgs, and the keys of a segment the view does not model (a
 * snapshot's cow_store, a thin segment's device_id), need a view that
 * still has it. 0; -EINVAL for a NULL argument or a view not owning its
 * tree (lr_vg_from_cfg); -ENOMEM with the tree and every array kept (some
 * of the view's strings may already be the pool's, equal to the tree's). */
int lr_vg_drop_tree(lr_vg_t *vg, lr_strpool_t *pool);

/* Lookups; NULL when absent, and for a NULL vg or key. The result points
 * into vg (owned by the view, valid until lr_vg_free); the first match in
 * text order wins. */

/* The PV whose section name is key ("pv0"), compared exactly. */
const lr_pv_t *lr_vg_find_pv_by_key(const lr_vg_t *vg, const char *key);
/* The PV with this UUID, given raw (32 characters) or printed with dashes;
 * NULL also when the argument is not a well-formed UUID. */
const lr_pv_t *lr_vg_find_pv_by_id(const lr_vg_t *vg, const char *id_raw_or_printed);
/* Whether PV o of version a and PV n of version b are one PV: the same
 * UUID, or a new UUID given in place (pvchange -u, vgimportclone), which
 * keeps the PV's key, device hint, size, data start and extent count,
 * while neither UUID is in the other version. False for any NULL
 * argument. */
bool lr_pv_same_in_place(const lr_vg_t *a, const lr_pv_t *o, const lr_vg_t *b, const lr_pv_t *n);
/* The LV (visible or hidden) whose section name is name, compared exactly. */
const lr_lv_t *lr_vg_find_lv(const lr_vg_t *vg, const char *name);
/* The LV with this UUID, raw or printed; LVs whose own id is not a
 * well-formed UUID never match, and a malformed argument gives NULL. */
const lr_lv_t *lr_vg_find_lv_by_id(const lr_vg_t *vg, const char *id);

/* Whether LVM2 counts the LV as visible (its lv_count, `lvs` without -a):
 * an old-style snapshot's internal LV (snapshotN: a segment of type
 * "snapshot", LVM2's SNAPSHOT flag) never is; a snapshot's COW LV (named by
 * a snapshot segment's cow_store) always is, whatever its own status says
 * and even when its origin is hidden (as LVM2 2.03.16 counts), except while
 * it merges (merging_store); any other LV when VISIBLE is in its status.
 * A NULL vg or lv gives false. */
bool lr_vg_lv_visible(const lr_vg_t *vg, const lr_lv_t *lv);

/* LVM2's lv_count (vg_visible_lvs): the LVs lr_vg_lv_visible counts.
 * 0 for NULL. */
size_t lr_vg_visible_lvs(const lr_vg_t *vg);

/* 1 if list holds s. */
bool lr_strlist_has(const lr_strlist_t *list, const char *s);

/* Whether the PV's pe_count extents fit in the dev_size the metadata gives
 * it, as LVM2 writes it: pvcreate/vgcreate record the device size (the
 * extents follow pe_start), but pvresize of a PV in a VG records the device
 * size less pe_start (LVM2's _text_pv_resize) with pe_count = dev_size /
 * extent_size, so LVM2's own texts only promise pe_count * extent_size <=
 * dev_size, with pe_start <= dev_size. False for NULL, a dev_size of 0 or an
 * extent_size of 0. */
bool lr_pv_extents_fit(const lr_vg_t *vg, const lr_pv_t *pv);

/* Checks the version against LVM2's rules: every segment's areas inside
 * their PV's pe_count, no two segments (of any LVs) on the same PV extents,
 * every referenced PV/LV exists, segments of an LV contiguous from extent 0,
 * extent_count divisible by stripe count for striped, no two PVs and no two
 * LVs with one uuid (vg_validate's "Duplicate LV id"). First failure is
 * returned as LR_EFORMAT with a readable reason. */
int lr_vg_check(const lr_vg_t *vg, lr_error_t *err);

/* Extents of PV index pv used by any segment (sum of its PV areas). */
uint64_t lr_vg_pv_used(const lr_vg_t *vg, size_t pv);

/* Extents that each data area of seg covers on its PV or sub-LV: LVM2's
 * lv_segment.area_len. The one copy of this rule; per segment type:
 *   striped/linear, N stripes:  extent_count / N
 *       (lib/striped/striped.c _striped_text_import: area_len /= area_count)
 *   mirror, raid1:              extent_count, every leg holds all of it
 *       (import_vsn1.c _read_segment: area_len = extent_count)
 *   raid0, raid0_meta, N:       extent_count / N
 *       (lib/raid/raid.c _raid_text_import: area_len /= area_count)
 *   raid4/5 (1 parity), raid6 (2), N devices:  ceil(extent_count / (N - parity))
 *       (_read_segment -> raid_manip.c raid_rimage_extents)
 *   raid10, N devices, C copies: ceil(extent_count * C / N), the size of each
 *       image LV (raid_rimage_extents; LVM2's import leaves extent_count here,
 *       which merge.c check_lv_segments tolerates: "FIXME: raid varies
 *       seg->area_len?")
 *   anything else (thin, snapshot, cache, an unknown raid level): 0, as no
 *       areas are decoded for them.
 * A raid metadata area (lr_seg_area_t.meta) is not a data area. NULL gives 0. */
uint64_t lr_seg_area_len(const lr_seg_t *seg);

/* Whether seg is of the striped family: type "striped", or "linear" (a
 * name LVM2 also reads; it writes linear as "striped" with one stripe).
 * NULL gives false. */
bool lr_seg_is_striped(const lr_seg_t *seg);

/* Whether seg maps its extents straight onto one PV range: a decoded
 * striped-family segment with one stripe whose area is on a PV (not on a
 * sub-LV). What `lvs --segments` calls "linear". NULL gives false. */
bool lr_seg_is_linear(const lr_seg_t *seg);

/* Whether seg keeps a whole copy of its extents on each data area: type
 * "mirror" (LVM2's old mirror, and pvmove's) or "raid1", spelled exactly as
 * LVM2 writes them. Its data areas are legs, any one of which can be read
 * (lr_seg_area_len: extent_count each). NULL gives false. */
bool lr_seg_is_mirror(const lr_seg_t *seg);

/* Whether seg is the temporary mirror an unfinished pvmove leaves: a
 * "mirror" segment whose data areas lie on PVs (LVM2 writes mirror legs
 * as PV areas for pvmove only; other mirrors stack on _mimage LVs). Its
 * first area is the source and holds every extent; the others are
 * destinations holding only what was copied before the move stopped, and
 * how far that was is not recorded (pvmove's mirror log is kept in
 * memory), so only the first may be read. NULL gives false. */
bool lr_seg_is_pvmove(const lr_seg_t *seg);

/* One PV area of a decoded segment: where extents of an LV lie on a PV. */
typedef struct lr_pv_area {
    size_t lv;           /* index into vg->lvs */
    const lr_seg_t *seg; /* the segment (in vg->lvs[lv]) */
    const lr_seg_area_t *area;
    size_t pv;      /* index into vg->pvs */
    uint64_t start; /* first extent on the PV */
    uint64_t len;   /* extents: lr_seg_area_len(seg) */
} lr_pv_area_t;

/* Position of a walk over every PV area of every segment of every LV, in
 * text order. Plain values: copy or drop it freely. */
typedef struct lr_pv_area_iter {
    const lr_vg_t *vg;
    size_t lv, seg, area;
} lr_pv_area_iter_t;

/* Starts a walk over vg's PV areas (areas naming LVs are skipped, and so are
 * areas whose PV index is not in vg->pvs, which lr_vg_check reports). */
lr_pv_area_iter_t lr_pv_areas(const lr_vg_t *vg);

/* Fills *out with the next PV area and returns true, or returns false when
 * the walk is over (also for a NULL vg). *out points into the view. */
bool lr_pv_area_next(lr_pv_area_iter_t *it, lr_pv_area_t *out);

/* True when bytes [off, off+len) of the PV whose raw or printed UUID is
 * pv_id (offsets from the PV's start) reach into user data as version vg
 * describes that PV: its data area (pe_start on, pe_count extents) or any
 * extent an LV uses on it. A metadata area must lie wholly outside this to
 * be written (hostile or damaged labels and headers can list areas running
 * over LV data). False when vg does not list the PV. Overflowing sums
 * count as hits. */
bool lr_pv_range_hits_data(const lr_vg_t *vg, const char *pv_id, uint64_t off, uint64_t len);

#endif
