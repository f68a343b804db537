/* lvmrescue repair engine: restore any version of a volume group found by
 * the scan engine, LVM2's way, with a plan shown first and an undo file for
 * every write.
 *
 * Use:
 *   lr_repair_plan_new     picks the version and works out every byte that
 *                          would be written (reading only; refusals come
 *                          back as LR_EREFUSED with the reason)
 *   lr_repair_plan_render  readable text of the plan (the programs print it)
 *   lr_repair_execute      runs the plan's transaction (core's lr/txn.h):
 *                          reopens the images writable (exclusive), creates
 *                          the planned undo file (lr/undo.h), writes exactly
 *                          the planned bytes through core's lr_mda_commit /
 *                          lr_label_write, then reads back and verifies
 *   lr_repair_plan_log     what was written, with checksums, for a log
 *
 * Decisions (which version, which PVs and areas, what to rebuild, what to
 * refuse) are all taken here; programs only print and ask. Nothing here
 * prints or exits. */
#ifndef LR_REPAIR_H
#define LR_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/diff.h"
#include "lr/error.h"
#include "lr/evidence.h"
#include "lr/io.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "lr/scan.h"
#include "lr/txn.h"

/* ---- choosing the version ------------------------------------------------- */

typedef struct lr_repair_opts {
    const char *vg; /* VG name or UUID (printed or raw); NULL: any VG */
    uint64_t seqno; /* the version to restore */
    bool has_crc;   /* crc chooses among conflicting copies of one seqno */
    uint32_t crc;
    /* The command named in the new copy's description ("Write from
     * COMMAND."), as LVM2 names the command line. NULL: "lvmrescue restore
     * of VG NAME seqno N" (with " crc 0xCRC" when one was given). */
    const char *command;
    const char *host; /* creation_host; NULL: uname nodename */
    int64_t now;      /* creation_time; 0: time(NULL) */
    /* Go on past the refusals marked LR_HINT_FORCE (missing PVs, a failing
     * lr_vg_check, a PV larger than its image); each is kept as a note. A
     * PV whose dev_size is 0 or too small for its extents then takes the
     * size of its image from the PV start (as LVM2 does for a missing
     * dev_size). Never overridden: ambiguity, a seqno above
     * LR_REPAIR_MAX_SEQNO, a plan that would not read back. */
    bool force;
} lr_repair_opts_t;

/* ---- the plan -------------------------------------------------------------- */

typedef enum lr_repair_what {
    LR_REPAIR_TEXT = 1,   /* metadata text in a ring (or the wrapped part of it) */
    LR_REPAIR_MDA_HEADER, /* a metadata area header */
    LR_REPAIR_LABEL,      /* a label sector (label_header + pv_header) */
} lr_repair_what_t;

/* A thin pool of the restored version whose metadata disagrees. */
typedef struct lr_repair_thin_mismatch {
    char *lv;                     /* the thin-pool LV */
    uint64_t transaction_id;      /* the version's */
    uint64_t pool_transaction_id; /* the pool metadata's */
    size_t n_matching;
    uint64_t *matching; /* seqnos of the VG's complete versions whose
                           transaction_id for this pool equals the metadata's */
} lr_repair_thin_mismatch_t;

/* One write, in execution order. */
typedef struct lr_repair_write {
    int image;       /* index into images (== the scan's image index) */
    uint64_t offset; /* absolute byte offset in the image */
    uint64_t length;
    lr_repair_what_t what;
    int pv;             /* index into pvs */
    int area;           /* index into areas, -1 for a label */
    uint8_t *old_bytes; /* what the image holds there at planning time */
    uint8_t *new_bytes;
    uint32_t crc_before; /* lr_crc(LR_CRC_INITIAL) of old / new bytes */
    uint32_t crc_after;
    char *now;       /* what the old bytes are ("zeros", "parts of old copies ...") */
    char *after;     /* what the new bytes are */
    bool sync_after; /* the engine syncs (fsync) right after this write */
    bool done;       /* set by lr_repair_execute once written */
} lr_repair_write_t;

/* One metadata area that receives the new copy. */
typedef struct lr_repair_area {
    int pv; /* index into pvs */
    int image;
    uint64_t offset;        /* absolute offset of the area (its header sector) */
    uint64_t size;          /* bytes, header included */
    int mda_index;          /* position in the label's mda list: 0 first */
    int scan_area;          /* the scan's area at that offset, or -1 */
    bool rebuild_header;    /* missing or damaged: rebuilt, written by the commit */
    char *why;              /* why it is rebuilt (NULL when not) */
    char *holds;            /* what the committed slot holds now ("vg0 seqno 16", "nothing") */
    lr_mda_header_t before; /* the header the commit starts from */
    lr_mda_header_t after;  /* the header after the commit */
    bool wraps;             /* the new copy wraps round the end of the ring */
} lr_repair_area_t;

/* One PV of the restored version. */
typedef struct lr_repair_pv {
    char *key;                    /* "pv0" */
    char id[LR_UUID_STR_LEN + 1]; /* printed */
    char id_raw[LR_PV_UUID_LEN + 1];
    char *device;      /* device hint from the text, may be NULL */
    uint64_t dev_size; /* bytes, from the text */
    uint64_t pe_start; /* bytes, from the text */
    bool missing;      /* not among the images */
    char *last_seen;   /* for a missing PV: where it was last seen */
    int image;         /* -1 when missing */
    uint64_t pv_start; /* absolute offset of the PV in its image */
    int scan_label;    /* the scan's label at pv_start (any UUID), -1 if none */
    bool rebuild_label;
    char *label_why;            /* why the label is rebuilt (NULL when kept) */
    lr_label_t label;           /* the label the PV carries after the restore */
    size_t first_area, n_areas; /* its areas in areas[] */
    uint64_t newest_seqno;      /* newest seqno of this VG committed on it now (0: none) */
} lr_repair_pv_t;

typedef enum lr_repair_change_kind {
    LR_REPAIR_LV_BACK = 1, /* in the restored version, not in the newest */
    LR_REPAIR_LV_GONE,     /* in the newest version, not in the restored one */
    LR_REPAIR_LV_RESIZED,
    LR_REPAIR_LV_RENAMED, /* same LV UUID, other name */
} lr_repair_change_kind_t;

typedef struct lr_repair_change {
    lr_repair_change_kind_t kind;
    char *name;        /* in the restored version (GONE: in the newest) */
    char *old_name;    /* RENAMED: the name in the newest version */
    uint64_t old_size; /* bytes in the newest version (0 for BACK) */
    uint64_t new_size; /* bytes in the restored version (0 for GONE) */
} lr_repair_change_t;

typedef struct lr_repair_image {
    char *path;
    uint64_t size;
    bool gzip;          /* a gzip image */
    const char *format; /* lr_io_format() of the image ("raw" for a copy); static */
    bool container;     /* a container or compressed image (gzip too): cannot be written in place */
    size_t n_writes;
} lr_repair_image_t;

/* One extent range an LV brought back occupies (lr_repair_plan_restore_lv). */
typedef struct lr_repair_lv_range {
    char *pv_key;                    /* the PV's key in the new version ("pv1") */
    char pv_id[LR_UUID_STR_LEN + 1]; /* printed */
    uint64_t start, count;           /* physical extents on that PV */
} lr_repair_lv_range_t;

/* One LV brought back from an old version into the current one. */
typedef struct lr_repair_lv {
    char *name;                       /* the name it comes back as */
    char *old_name;                   /* its name in the old version */
    char id[LR_UUID_STR_LEN + 1];     /* its UUID as it comes back */
    char old_id[LR_UUID_STR_LEN + 1]; /* its UUID in the old version */
    bool named;                       /* named by the caller */
    char *why;                        /* for one that comes along with a named LV:
                                         why ("raid image of root"); NULL when named */
    bool visible;                     /* VISIBLE in its status */
    char *types;                      /* its segment types, comma separated */
    uint64_t size;                    /* bytes */
    size_t n_segs;
    size_t n_ranges;
    lr_repair_lv_range_t *ranges; /* its PV extents */
} lr_repair_lv_t;

typedef struct lr_repair_plan {
    /* The version restored. */
    int vg, version; /* indexes into the scan it was planned from */
    char *vg_name;
    char vg_id[LR_UUID_STR_LEN + 1];
    uint64_t seqno;
    uint32_t crc;
    int64_t version_time;
    char *version_description; /* may be NULL */
    /* The new copy. */
    uint64_t max_seqno; /* highest seqno of the VG seen anywhere */
    uint64_t new_seqno; /* max_seqno + 1; never above LR_REPAIR_MAX_SEQNO */
    char *description;
    char *host;
    int64_t time;
    char *text;         /* NUL-terminated */
    uint64_t text_size; /* bytes written, NUL included (raw_locn.size) */
    uint32_t text_crc;
    /* Compared with the current version, the one LVM2 uses
     * (lr_scan_vg_current): the newest complete version a header commits
     * (below the abandoned higher seqnos after a vgcfgrestore,
     * max_seqno_abandoned, or a text whose header write never happened,
     * max_seqno_interrupted), else the newest complete version. */
    uint64_t newest_seqno; /* 0 when none */
    uint32_t newest_crc;
    size_t n_changes;
    lr_repair_change_t *changes;
    /* Every difference at any depth, from the current version (old
     * side) to the restored one (new side), as lr_diff_vgs reports it; NULL
     * when there is no newest version to compare with (or it is the one
     * restored). Owned by the plan. */
    lr_diff_t *diff;
    /* Where it goes. */
    size_t n_images;
    lr_repair_image_t *images;
    size_t n_pvs;
    lr_repair_pv_t *pvs;
    size_t n_areas;
    lr_repair_area_t *areas;
    size_t n_writes;
    lr_repair_write_t *writes;
    /* Things the user should know (overridden refusals, other VGs losing
     * a PV, stale PVs brought up to date, ...). */
    size_t n_notes;
    char **notes;
    /* Thin pools whose transaction_id in the restored version differs from
     * the one their pool metadata holds now (lvmscan's thin_pools): LVM2
     * refuses to activate such a pool and its thin LVs until the two agree.
     * Each also has a note. A caller that does not ask the user should not
     * go past this without insisting (LR_HINT_FORCE). */
    size_t n_thin_mismatch;
    lr_repair_thin_mismatch_t *thin_mismatch;
    bool forced;   /* some refusal was overridden by opts.force */
    bool executed; /* lr_repair_execute ran (successfully or not) */
    bool verified; /* the read-back after writing matched */
    /* Whether some metadata area header points at a copy of: the restored
     * version (older versions never are: the ring keeps them behind the
     * committed one), the highest seqno seen, the newest complete version.
     * A newest copy no header points at was written but never committed
     * (e.g. a run that stopped between the text and the header write). */
    bool version_committed;
    bool max_seqno_committed;
    bool newest_committed;
    /* Bringing back single LVs (lr_repair_plan_restore_lv): the LVs of
     * the old version above (vg, version, seqno, crc) added to the VG's
     * current version, the one below. n_lvs is 0 for a whole-VG restore. */
    int base_version; /* index into the scan's versions of the VG */
    uint64_t base_seqno;
    uint32_t base_crc;
    size_t n_lvs;
    lr_repair_lv_t *lvs; /* named LVs first, then those that come along */
    /* Why the highest seqno is not committed, as the scan's VG status says
     * (LR_SCAN_VG_ABANDONED / LR_SCAN_VG_INTERRUPTED): a vgcfgrestore
     * committed a lower seqno over it, or its header write never happened;
     * both false when the scan cannot tell (damaged copies, lost headers). */
    bool max_seqno_abandoned;
    bool max_seqno_interrupted;
} lr_repair_plan_t;

/* LVM2 keeps a VG's seqno in 32 bits (import_vsn1.c reads it with
 * dm_config_get_uint32, which drops the upper bits): a new copy never gets a
 * seqno above this. */
#define LR_REPAIR_MAX_SEQNO UINT32_MAX

/* Plans the restore of opts->seqno (of opts->vg) from a scan session (its
 * copy of the version is read again through the session). ios are the
 * scan's read-only handles in image order (NULL: the images are opened
 * read-only by path); they are only read and not kept. On success *out is
 * owned by the caller (lr_repair_plan_free).
 * Refusals (LR_EREFUSED, message says why): several versions match (the
 * hints and candidates are lr_scan_select's), only partial copies of the
 * version survive, PVs of the version missing from the images (the message
 * lists their UUIDs and where they were last seen) or the version failing
 * lr_vg_check (both unless opts->force), a PV found twice, no metadata area
 * to write, a new seqno above LR_REPAIR_MAX_SEQNO, a plan whose writes
 * would not read back the way LVM2 and the scanner read them (every check
 * execution makes after writing is first made on the planned bytes, so a
 * plan that would fail after writing is refused here, before any write).
 * LR_ENOTFOUND: no such VG or version. LR_ELIMIT: the text does not fit an
 * area. */
int lr_repair_plan_new(const lr_scan_session_t *session, lr_io_t *const *ios,
                       const lr_repair_opts_t *opts, lr_repair_plan_t **out, lr_error_t *err);

void lr_repair_plan_free(lr_repair_plan_t *plan);

/* ---- bringing back single LVs ------------------------------------------------ */

typedef struct lr_repair_lv_opts {
    const char *const *names; /* LVs of the old version (opts->seqno) to bring back */
    size_t n_names;
    /* A new name for the one LV named (n_names == 1): it comes back with a
     * new LV UUID, and so do the sub-LVs that come with it (renamed
     * NEW_rimage_0 ... when named OLD_rimage_0 ...). NULL: name and UUID
     * are kept. */
    const char *as;
} lr_repair_lv_opts_t;

/* Plans bringing back LVs of an old version (opts->seqno, crc and vg as for
 * lr_repair_plan_new) into the VG's current version, the newest version
 * committed in some metadata area: every key of each LV's section (unknown
 * ones too) is copied from the old version's tree into the current one's,
 * with the LVs it needs: its hidden sub-LVs (raid/mirror images, metadata
 * and logs, a cache origin and pool, a thin pool's data and metadata), the
 * snapshot segment of a snapshot. The result is written as a new version,
 * seqno above every seqno of the VG on disk, through the same steps as a
 * restore (lr_repair_execute runs it). Reading only. On success *out is
 * owned by the caller (lr_repair_plan_free); plan->lvs lists what comes
 * back.
 * Refusals (LR_EREFUSED, nothing planned): a hidden LV named that is part
 * of another (the message names it; a snapshot's COW may be named); an extent of an LV coming back
 * is allocated to an LV of the current version (each conflict named, with
 * its extents); a name already used in the current version
 * (LR_HINT_NEW_NAME) or a UUID still used by an LV there (LR_HINT_NEW_NAME:
 * a new name brings a new UUID); a PV it needs is not in the current
 * version, or not among the images (LR_HINT_MISSING_PVS), or has fewer
 * extents now; a visible LV it needs (snapshot origin, thin pool, thin
 * origin) is not in the current version with the same name and UUID; a
 * thin LV whose device id another thin LV of the pool uses now, or whose
 * pool has a pending message deleting it (LVM2's lvremove of a thin LV of
 * an inactive pool); a thin LV
 * at all, unless opts->force (LR_HINT_FORCE): the pool's metadata is not
 * read here, so whether its device id still exists there is not verified
 * (forced, a note says so); more LVs than the VG's max_lv; and every
 * refusal of lr_repair_plan_new about the PVs and the writes.
 * LR_ENOTFOUND: no such VG, version or LV in that version; -EINVAL: no
 * names, or `as` with several names or not a valid LVM2 LV name (LVM2's
 * rules: [a-zA-Z0-9+_.-], not starting with '-', no reserved prefix or
 * suffix). */
int lr_repair_plan_restore_lv(const lr_scan_session_t *session, lr_io_t *const *ios,
                              const lr_repair_opts_t *opts, const lr_repair_lv_opts_t *lv_opts,
                              lr_repair_plan_t **out, lr_error_t *err);

/* Whether the plan writes LV `old_name` of its version: true for every LV
 * of a whole-VG restore; for LVs brought back (plan->n_lvs), whether it is
 * one of them (by its name in the old version). False for NULL. */
bool lr_repair_plan_brings_lv(const lr_repair_plan_t *plan, const char *old_name);

/* Whether an evidence warning (lr_evidence_warnings on the plan's version)
 * is about what the plan writes: every warning for a whole-VG restore;
 * for LVs brought back (plan->n_lvs), only one about an LV that comes back
 * (matched by its name in the old version): the other LVs of the old
 * version stay as the current version has them. False for NULL. */
bool lr_repair_plan_warning_applies(const lr_repair_plan_t *plan, const lr_ev_warning_t *w);

/* Readable text of the plan: the version, what changes for the user, PVs
 * and areas, every write with what the bytes hold now and after, notes.
 * *text is malloc'd (caller frees). */
int lr_repair_plan_render(const lr_repair_plan_t *plan, char **text, lr_error_t *err);

/* Text for a log file: the version, the new seqno, every write with its
 * image, offset, length, checksums before/after and whether it was done.
 * *text is malloc'd (caller frees). */
int lr_repair_plan_log(const lr_repair_plan_t *plan, char **text, lr_error_t *err);

/* Points image `image` of the plan at another file with the same bytes (a
 * repaired copy, lr_repair_copy_image). Execution checks the bytes anyway. */
int lr_repair_plan_set_image_path(lr_repair_plan_t *plan, size_t image, const char *path,
                                  lr_error_t *err);

/* ---- execution ------------------------------------------------------------- */

/* Opens an image for writing: the transaction's open hook (lr/txn.h).
 * The returned handle may be a stack (tests add fault injection here). */
typedef lr_txn_open_fn lr_repair_open_fn;

typedef struct lr_repair_exec_opts {
    const char *undo_path;     /* required; created, never overwritten */
    bool force;                /* open without LR_IO_EXCL (mounted/held/locked images) */
    lr_repair_open_fn open_rw; /* NULL: lr_io_open_rw */
    void *open_arg;
    /* Called once the undo file exists, before the first write (the
     * program prints its name then). NULL: not called. */
    void (*undo_created)(void *arg, const char *undo_path);
    void *undo_created_arg;
} lr_repair_exec_opts_t;

/* Executes the plan: opens every image with writes (LR_IO_RDWR |
 * LR_IO_EXCL unless force), refuses (LR_EREFUSED) when an image no longer
 * holds the bytes the plan was made from, creates the undo file (-EEXIST
 * when undo_path exists; it records every planned range first, see
 * lr_undo_create_planned), then per
 * PV commits the text into each of its areas (text, sync, header, sync) and
 * writes a rebuilt label last, each write checked against the plan before
 * it passes. Then reads everything back and verifies it (plan->verified).
 * The undo file is finished (lr_undo_finish) also when a write failed, so
 * `lvmrepair --apply-undo` can put the original bytes back; once it exists
 * plan->executed is set. Returns the first failure. */
int lr_repair_execute(lr_repair_plan_t *plan, const lr_repair_exec_opts_t *opts, lr_error_t *err);

/* The default undo file name: next to `image` (in the current directory
 * for a block device): "DIR/BASENAME.lvmrepair-undo-YYYYmmdd-HHMMSS", with
 * "-N" added while the name exists. *out is malloc'd (caller frees). */
int lr_repair_default_undo_path(const char *image, int64_t now, char **out, lr_error_t *err);

/* The default undo file of a plan: lr_repair_default_undo_path next to the
 * first image the plan writes to (image 0 when it writes none). *out is
 * malloc'd (caller frees). */
int lr_repair_plan_undo_path(const lr_repair_plan_t *plan, int64_t now, char **out,
                             lr_error_t *err);

/* Whether the plan can be executed in place: LR_EREFUSED with
 * LR_HINT_USE_COPY (naming the first one) when it writes to a gzip image,
 * which cannot be written in place; 0 otherwise. lr_repair_execute makes
 * the same check; programs make it first, to say so before asking. */
int lr_repair_plan_writable(const lr_repair_plan_t *plan, lr_error_t *err);

/* ---- repaired copies of the images ------------------------------------------ */

/* The name of the copy of image src in directory dir: DIR/BASENAME, ".gz",
 * ".xz", ".lzma", ".zst" dropped, and a container's ending (".E01",
 * ".qcow2", ".vmdk", ".vhd", ".vhdx", ".ova", a split set's ".000" or
 * ".001") replaced by ".img". *dst is malloc'd (caller frees). -EINVAL
 * when src has no base name. */
int lr_repair_copy_path(const char *src, const char *dir, char **dst, lr_error_t *err);

/* The checks before copying n images into dir, made before anything is
 * scanned or written: dir is a directory (-ENOTDIR), no two images would be
 * copied onto one file (-EINVAL), and unless overwrite no copy exists yet
 * (LR_EREFUSED with LR_HINT_OVERWRITE, naming it). */
int lr_repair_check_copies(const char *const *images, size_t n, const char *dir, bool overwrite,
                           lr_error_t *err);

/* Copies image src (raw, block device, .gz decompressed, or any container
 * or compressed format lr_io_open reads, converted to raw) to
 * lr_repair_copy_path(src, dir), sparse: holes of the source (SEEK_DATA /
 * SEEK_HOLE) and all-zero 4 KiB blocks are not written. snapshot (may be
 * NULL) copies that internal snapshot of a qcow2 image instead of its
 * current state (lr_io_open_opts_t.snapshot; another image is refused,
 * LR_EREFUSED). Refuses an existing destination (-EEXIST) unless
 * overwrite. *dst is malloc'd (caller frees); *data_bytes (may be NULL)
 * receives the bytes actually written. */
int lr_repair_copy_image(const char *src, const char *dir, bool overwrite, const char *snapshot,
                         char **dst, uint64_t *data_bytes, lr_error_t *err);

/* Removes the copies of images 0..n-1 that the plan names (made by
 * lr_repair_copy_image and set with lr_repair_plan_set_image_path) when
 * the plan was not executed: nothing was written to them, and a partial
 * set left behind would make the next run refuse them as existing. A plan
 * that executed keeps them (its undo file names them): 0 removed.
 * *removed (may be NULL) receives how many were removed. Returns the first
 * failure (-errno, naming the copy); the others are still tried. */
int lr_repair_remove_copies(const lr_repair_plan_t *plan, size_t n, size_t *removed,
                            lr_error_t *err);

#endif
