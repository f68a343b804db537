/* lvmrescue scan: what changed between two versions of a volume group.
 *
 * The diff compares two typed views (lr_vg_t, core/include/lr/meta.h) and
 * produces an ordered list of changes: the VG's own properties first, then
 * PVs (matched by PV UUID, ordered by their key, "pv0", "pv1", ...), then LVs
 * (matched by LV UUID, ordered by name). A TUI can show the list and jump
 * from change to change; the CLI prints lr_diff_format_text or
 * lr_diff_format_json. The engine never prints.
 *
 * Every difference at any depth is reported: keys and nested sections of the
 * VG (historical_logical_volumes, unknown sections), of the text's header
 * (except the per-version fields), of PVs, LVs and segments. Strings in
 * segments that name an LV are compared by that LV's UUID, so renaming a
 * pool, an origin or a raid's images is reported as renames only.
 *
 * Everything in an lr_diff_t is copied: the diff stays valid after both
 * views are freed. One allocation tree, freed with lr_diff_free. */
#ifndef LR_DIFF_H
#define LR_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/meta.h"
#include "lr/scan.h"

/* What kind of object a change is about. */
typedef enum lr_diff_obj {
    LR_DIFF_VG = 0,
    LR_DIFF_PV = 1,
    LR_DIFF_LV = 2,
} lr_diff_obj_t;

/* What happened to it. */
typedef enum lr_diff_kind {
    LR_DIFF_ADDED = 0,   /* PV/LV only in the new version */
    LR_DIFF_REMOVED = 1, /* PV/LV only in the old version */
    LR_DIFF_RENAMED = 2, /* VG or LV (same UUID) under another name; old/new_value are the names */
    LR_DIFF_RESIZED = 3, /* LV extent count changed; old/new_bytes hold the sizes */
    LR_DIFF_MOVED = 4,   /* LV extents present in both versions map to other PV
                            extents (or other stripes/legs; sub-LVs and PVs
                            compared by UUID); settings are CHANGED */
    LR_DIFF_RETYPED = 5, /* LV extents present in both versions have another
                            segment type */
    LR_DIFF_CHANGED = 6, /* a property (`field`) changed value, appeared or vanished */
} lr_diff_kind_t;

typedef struct lr_diff_change {
    lr_diff_obj_t obj;
    lr_diff_kind_t kind;
    /* Object name in the new version (in the old one when REMOVED): the VG
     * name, the PV key ("pv0"), the LV name. Never NULL. */
    char *name;
    /* Name in the old version when it differs (RENAMED), else NULL. */
    char *old_name;
    /* The object's UUID as printed in the text; NULL when it has none. */
    char *id;
    /* The property: a metadata key path, dot-separated at any depth
     * ("tags", "status", "extent_size", "device",
     * "historical_logical_volumes.lvol9.removal_time"; an LV's segment
     * settings "region_size", "policy_settings.migration_threshold", or
     * "segment2.region_size" when either version of the LV has several
     * segments), or "size" (RESIZED), "segments" (MOVED, RETYPED), "name"
     * (RENAMED); NULL for ADDED/REMOVED. */
    char *field;
    /* Old and new values as readable strings: scalars as in the text
     * (strings unquoted), string arrays as "a, b" ("" when empty), sizes as
     * "8 MiB (2 extents)", segment maps as "0-1 linear pv0:0-1; ...".
     * NULL when absent on that side (e.g. a key only in the new version; a
     * list LVM2 left out, like an empty `tags`, counts as empty: ""). A
     * section only one side has is shown whole, "{ key = value; sub { ... } }". For
     * ADDED old_value is NULL and new_value summarises the object, for
     * REMOVED the reverse. */
    char *old_value;
    char *new_value;
    /* LV size in bytes on each side for RESIZED, ADDED (new) and REMOVED
     * (old); PV dev_size in bytes for PV ADDED/REMOVED; else 0. */
    uint64_t old_bytes;
    uint64_t new_bytes;
    /* One readable line for lists, e.g. "LV data: renamed from lv2",
     * "VG vg0: tags: site_a -> site_b (+site_b -site_a)". Never NULL. */
    char *text;
} lr_diff_change_t;

typedef struct lr_diff {
    /* The two versions being compared. */
    char *old_vg, *new_vg; /* VG names */
    char *vg_id;           /* the new version's VG UUID */
    uint64_t old_seqno, new_seqno;
    char *old_description, *new_description; /* `description` lines, NULL when absent */
    int64_t old_time, new_time;              /* `creation_time`, 0 when absent */
    /* The changes, ordered VG, then PVs by key, then LVs by name; for one
     * object: added/removed/renamed, resized, moved, retyped, then property
     * changes in the order of the keys in the text. */
    size_t n_changes;
    lr_diff_change_t *changes;
} lr_diff_t;

/* Compares version `from` (old) with version `to` (new). Two versions of
 * different VGs (other VG UUID) can be compared too; the VG UUID then shows
 * as a changed `id`. Per-version header fields (seqno, description,
 * creation_time/host) are not reported as changes but kept in the lr_diff_t.
 * On success *out is owned by the caller (lr_diff_free). Fails only with
 * -ENOMEM or LR_ELIMIT. */
int lr_diff_vgs(const lr_vg_t *from, const lr_vg_t *to, lr_diff_t **out, lr_error_t *err);

/* Loads versions va (old) and vb (new) of VG vg of a scan (their best copies,
 * lr_scan_version_copy) and diffs them. LR_EREFUSED when a version has only
 * partial copies, LR_ERANGE for bad indexes, LR_ECHECKSUM when the image no
 * longer holds the bytes scanned; err names the version. */
int lr_diff_scan(const lr_scan_session_t *session, size_t vg, size_t va, size_t vb, lr_diff_t **out,
                 lr_error_t *err);

/* Frees the diff. NULL is accepted. */
void lr_diff_free(lr_diff_t *diff);

/* Readable report: a header naming both versions (VG, seqno, description)
 * followed by one line per change, "No changes." when there are none.
 * *out is malloc'd, NUL-terminated, owned by the caller. */
int lr_diff_format_text(const lr_diff_t *diff, char **out, lr_error_t *err);

/* The diff as one JSON object (valid JSON, strings escaped, newline at the
 * end):
 *   {"vg":NEW_VG,"vg_id":ID,"old":{"vg":..,"seqno":N,"description":..,
 *    "creation_time":T},"new":{...},
 *    "changes":[{"object":"lv","kind":"renamed","name":..,"old_name":..,
 *                "id":..,"field":..,"old":..,"new":..,"old_bytes":N,
 *                "new_bytes":N,"text":..}, ...]}
 * absent strings are null. *out is malloc'd, owned by the caller. */
int lr_diff_format_json(const lr_diff_t *diff, char **out, lr_error_t *err);

/* Static names: "vg"/"pv"/"lv" and "added", "removed", "renamed",
 * "resized", "moved", "retyped", "changed". */
const char *lr_diff_obj_name(lr_diff_obj_t obj);
const char *lr_diff_kind_name(lr_diff_kind_t kind);

/* Index of the next change after `from` (or before it when dir < 0) that is
 * about another object than changes[from], for TUI navigation; from == -1
 * starts at the beginning (or the end when dir < 0). -1 when there is none. */
long lr_diff_next_object(const lr_diff_t *diff, long from, int dir);

#endif
