/* lvmrescue scan: evidence — what each LV of each version holds now, which
 * of its extents later LVs (or another VG on the same PV) took, what
 * changed from version to version, and which version to restore.
 *
 * lr_evidence_build looks under every complete version's layout:
 *   - content: the bytes at each LV's start (and end) are handed to
 *     libblkid (a memfd of the LV's size holding its first and last MiB,
 *     read through the scan's handles, so .gz images and striped or
 *     multi-segment LVs work); type, label, UUID, version, and the
 *     filesystem's own size from its superblock (lr/fssize.h). Each distinct
 *     extent layout is probed once and shared by every version;
 *   - reuse: PV extents of an LV that another LV holds in a later version of
 *     the same VG, or that an LV of another (later) VG on the same PV holds;
 *   - remap: logical extents of an LV that were reduced away and extended
 *     again onto other PV extents in an earlier version (lr_ev_remap_t);
 *   - change: a one-line summary of the diff from the previous version
 *     (lr/diff.h);
 *   - a recommendation per VG with its reason, and alternatives, ranked
 *     by content evidence (lr_ev_grade_t), then by the events' age.
 * It only reads. Without libblkid (a build without it) the content of every
 * LV has state LR_EV_NO_PROBER; everything else still works.
 *
 * Every string is owned by the lr_evidence_t (one tree, lr_evidence_free).
 * The strings of the LVs (lr_ev_lv_t and its reuses, remaps and moves) are
 * held once each and shared by every version that has them (a long
 * history repeats them thousands of times): two LVs' fields may point at
 * one string. Never free or change one.
 * The engine never prints; the reasons and summaries are data for the
 * programs to show (like lr_diff_change_t.text). */
#ifndef LR_EVIDENCE_H
#define LR_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/scan.h"

/* Bytes read at the start and at the end of an LV for probing (at most
 * their sum per distinct layout). The end holds md 0.90/1.0 superblocks, a
 * GPT backup header and ZFS' two last labels (the last 512 KiB). */
#define LR_EVIDENCE_PROBE_BYTES (1u << 20)
#define LR_EVIDENCE_TAIL_BYTES (512u << 10)

/* What the content probe found. */
typedef enum lr_ev_state {
    LR_EV_EMPTY = 0,       /* probed: no known signature */
    LR_EV_FOUND = 1,       /* one signature: type/label/uuid/version set */
    LR_EV_AMBIVALENT = 2,  /* several signatures: `type` lists them ("ext4,swap"),
                              none is taken as fact */
    LR_EV_UNREADABLE = 3,  /* extents past the end of the image, a read error */
    LR_EV_MISSING_PV = 4,  /* a PV holding the LV's start or end was not given */
    LR_EV_UNSUPPORTED = 5, /* a segment type whose bytes are not mapped (thin,
                              snapshot, ...), or an LV of size 0 */
    LR_EV_NO_PROBER = 6,   /* built without libblkid */
    LR_EV_PROBE_ERROR = 7, /* libblkid failed */
} lr_ev_state_t;

typedef struct lr_ev_content {
    lr_ev_state_t state;
    char *type;       /* libblkid TYPE ("ext4", "swap", "crypto_LUKS", "gpt" ...);
                         AMBIVALENT: the candidates joined by ','; else NULL */
    char *usage;      /* libblkid USAGE ("filesystem", "raid", "crypto", "other",
                         "partition_table"), NULL when none */
    char *label;      /* NULL when none */
    char *uuid;       /* NULL when none */
    char *version;    /* NULL when none */
    char *detail;     /* why, for UNREADABLE / MISSING_PV / UNSUPPORTED /
                         PROBE_ERROR / a damaged superblock; else NULL */
    uint64_t fs_size; /* bytes the filesystem says it spans, 0 unknown */
    bool fs_size_bad; /* a superblock was expected but its size fields are
                         damaged (detail says so) */
} lr_ev_content_t;

/* One range of PV extents [first, last] (inclusive, LVM2's way). */
typedef struct lr_ev_range {
    uint64_t first, last;
} lr_ev_range_t;

/* Extents of an LV (of one version) that another LV took. */
typedef struct lr_ev_reuse {
    uint64_t seqno;    /* first version of the taker's VG that holds them */
    char *vg;          /* the taker's VG name */
    char *lv;          /* the taker's LV name in that version */
    char *lv_id;       /* the taker's LV UUID as printed (its name when it has none) */
    int taker_vg;      /* the taker: index into lr_scan_t.vgs, */
    int taker_version; /* its first version taking them (index), */
    size_t taker_lv;   /* and the LV's index in that version */
    bool other_vg;     /* a VG other than the LV's own (the PV was re-initialised) */
    char *pv;          /* the old LV's PV key in its own version ("pv0") */
    char *pv_id;       /* that PV's UUID as printed */
    size_t n_ranges;   /* PV extents taken, on the old LV's PV */
    lr_ev_range_t *ranges;
    uint64_t extents; /* sum of the ranges */
    /* The taker starts inside the old LV's extents and a signature was
     * found at the taker's start: its content now sits where the old LV's
     * data was. NULL when not (reuse without a signature there). */
    char *taker_content;      /* the taker's content type, e.g. "ext4" */
    uint64_t taker_lv_extent; /* the old LV's logical extent where the taker
                                 starts (valid when taker_content is set) */
} lr_ev_reuse_t;

/* Logical extents of an LV that map to other PV extents than they did in
 * an earlier version, having been out of the LV in between: reduced at
 * reduced_seqno, extended again at extended_seqno onto other extents.
 * Data written there before extended_seqno is not there now. Only a
 * reduce followed by an extend is one: a finished pvmove (or lvconvert)
 * changes the mapping too, but LVM2 copied the data before committing it,
 * and ranges that were only added never held data before. Linear
 * segments only (a one-stripe "striped" area on a PV); other segment
 * types are never compared. */
typedef struct lr_ev_remap {
    uint64_t first, last;    /* the LV's logical extents [first, last] */
    uint64_t offset, bytes;  /* the same as bytes of the LV (saturated) */
    uint64_t reduced_seqno;  /* the first version without them */
    uint64_t extended_seqno; /* the version that added them again */
    char *pv;                /* where that version put them: PV key, */
    uint64_t pe;             /* first PV extent (last: pe + last - first) */
    char *was_pv;            /* where they were before the reduce */
    uint64_t was_pe;
    bool fs_reaches; /* the filesystem at the LV's start (content.fs_size)
                        extends into them: it is not whole any more */
} lr_ev_remap_t;

/* Logical extents of an LV of an older version that the VG's current
 * version (lr_ev_vg_t.current, the same LV by UUID) maps to other PV
 * extents: restoring the older version as a whole points them back at
 * where they were. moved (gap false): the mapping changed while the LV held
 * them (a finished pvmove, an lvconvert): LVM2 copied the data and does not
 * erase the source, so the old extents hold a stale copy (an old signature
 * found there looks intact but is not the LV's data now). gap: they were out
 * of the LV in between (reduced, extended again elsewhere, as
 * lr_ev_remap_t): no copy was made, the old extents hold what was written
 * before the reduce. Linear areas only. */
typedef struct lr_ev_move {
    uint64_t first, last; /* the LV's logical extents [first, last] */
    uint64_t seqno;       /* the first later version mapping them elsewhere */
    char *pv;             /* where the current version maps them: PV key */
    char *pv_id;          /* that PV's UUID as printed */
    uint64_t pe;          /* first PV extent (last: pe + last - first) */
    char *was_pv;         /* where this version maps them: PV key, */
    uint64_t was_pe;      /* first PV extent */
    bool gap;             /* out of the LV in between (no copy made) */
} lr_ev_move_t;

typedef struct lr_ev_lv {
    char *name;
    char *id;         /* LV UUID as printed, may be NULL */
    uint64_t size;    /* bytes */
    uint64_t extents; /* LV extents */
    bool visible;
    char *segtype; /* first segment's type ("linear" for one-stripe striped) */
    lr_ev_content_t content;
    size_t n_reuse; /* by seqno, then taker */
    lr_ev_reuse_t *reuse;
    uint64_t pv_extents;        /* PV extents the LV covers (all legs) */
    uint64_t pv_extents_reused; /* of them, taken later (counted once) */
    size_t n_remap;             /* by logical extent */
    lr_ev_remap_t *remap;
    size_t n_moved;      /* by logical extent; only in versions older than the */
    lr_ev_move_t *moved; /* VG's current one (lr_ev_move_t) */
} lr_ev_lv_t;

/* Destructive events, as bits of lr_ev_version_t.events. */
enum {
    LR_EV_EVENT_REMOVE = 1u << 0, /* an LV that existed before is gone */
    LR_EV_EVENT_SHRINK = 1u << 1, /* an LV has fewer extents */
    LR_EV_EVENT_EMPTY = 1u << 2,  /* the version has no LVs, the previous had */
    LR_EV_EVENT_REINIT = 1u << 3, /* (on the newest version) another VG took
                                     extents of this VG's PVs later */
};

typedef struct lr_ev_version {
    int version; /* index into the scan VG's versions */
    uint64_t seqno;
    bool loaded; /* complete and parsed; when false only `error` is set */
    char *error; /* why it could not be loaded, or NULL */
    int64_t time;
    char *command;    /* the description's command without LVM2's --config
                         '...' options, NULL when none */
    char *change;     /* "-root, +scratch 4 MiB, home 16→4 MiB, +tag site_a";
                         "" when the diff is empty; NULL for the oldest
                         loaded version (nothing to compare with) */
    unsigned events;  /* LR_EV_EVENT_* this version made (vs the previous) */
    char *event_text; /* the destructive part of change, e.g. "-root", NULL */
    bool recoverable; /* an event whose loss still has extents no later LV
                         took (always false without events) */
    size_t n_lvs;     /* every LV of the version, text order */
    lr_ev_lv_t *lvs;
} lr_ev_version_t;

/* What the content under a candidate's lost LVs says (docs/evidence.md,
 * "Recommendation"): candidates are ranked by it, highest first, and by
 * the event's age within a grade. */
typedef enum lr_ev_grade {
    LR_EV_GRADE_NONE = 0,         /* not a candidate of an event (the newest
                                     version recommended for want of one) */
    LR_EV_GRADE_AGAINST = 1,      /* a lost LV's start now holds a later LV's
                                     signature, the version to restore holds a
                                     filesystem larger than its LV (truncated),
                                     restoring it removes a later LV that
                                     holds a signature (removes), or points an
                                     LV moved since (pvmove) back at the stale
                                     copy it was moved from (lr_ev_move_t) */
    LR_EV_GRADE_NO_SIGNATURE = 2, /* no signature at any lost LV's start */
    LR_EV_GRADE_OWN = 3,          /* a lost LV's start still holds a signature
                                     no later LV has: its own data */
} lr_ev_grade_t;

typedef struct lr_ev_rec {
    int version; /* index into the scan VG's versions */
    uint64_t seqno;
    char *reason;
    lr_ev_grade_t grade;
    size_t n_removes;
    const char **removes; /* names (owned by the current version's LVs) of the LVs
                             of the VG's current version (lr_ev_vg_t.current)
                             holding a signature that this version lacks:
                             restoring it as a whole removes them (made after
                             it); the grade is then against */
} lr_ev_rec_t;

typedef struct lr_ev_vg {
    size_t n_versions;
    lr_ev_version_t *versions; /* parallel to lr_scan_vg_t.versions (newest first) */
    /* The version the disks hold now: the newest one a metadata area commits
     * (lr_scan_vg_t.committed_latest; the latest complete one when none is
     * committed). What restoring an older version as a whole removes
     * (lr_ev_rec_t.removes) and moves back (lr_ev_lv_t.moved) is judged
     * against it, never against a newer version only backup or archive
     * files hold. Index into versions; when that version is not loaded, the
     * newest loaded one is used. */
    int current;
    bool has_recommended;
    lr_ev_rec_t recommended; /* the candidate ranked first */
    char *no_recommendation; /* why there is none (has_recommended false), or NULL */
    size_t n_alternatives;
    lr_ev_rec_t *alternatives; /* the other candidates in rank order: grade,
                                  then the earliest event first */
} lr_ev_vg_t;

typedef struct lr_evidence {
    size_t n_vgs;
    lr_ev_vg_t *vgs; /* parallel to lr_scan_t.vgs */
    /* Cost, for benchmarks and docs. */
    size_t layouts_probed; /* distinct extent layouts handed to libblkid */
    uint64_t bytes_read;   /* image bytes read for probing (or taken from the stream) */
    /* of layouts_probed, those probed from the scan's stream as it went by
     * (a single-piece .xz or .zst): none of their bytes were read again */
    size_t layouts_streamed;
} lr_evidence_t;

typedef struct lr_evidence_opts {
    bool no_content; /* skip probing (reuse, change and recommendation only;
                        content state LR_EV_EMPTY with detail "not probed") */
} lr_evidence_opts_t;

/* Builds the evidence for every VG of the session's scan. opts may be NULL.
 * On success *out is the caller's (lr_evidence_free). A version that cannot
 * be loaded, an LV that cannot be read and a superblock that does not
 * decode are recorded in the tree, not failures. Fails only with -ENOMEM
 * (and -EINVAL for a NULL session/out). */
int lr_evidence_build(const lr_scan_session_t *session, const lr_evidence_opts_t *opts,
                      lr_evidence_t **out, lr_error_t *err);

/* Frees the tree. NULL is accepted. */
void lr_evidence_free(lr_evidence_t *ev);

/* ---- warnings before restoring a version --------------------------------- */

typedef enum lr_ev_warning_kind {
    LR_EV_WARN_REUSED = 0,    /* (a) extents of the LV were taken since and
                                 the taker's content now sits there */
    LR_EV_WARN_EMPTY = 1,     /* (b) a version with no LVs when an earlier
                                 one had LVs */
    LR_EV_WARN_FS_LARGER = 2, /* (c) the LV holds a filesystem larger than
                                 itself in that version */
    LR_EV_WARN_REMAPPED = 3,  /* (d) the filesystem at the LV's start reaches
                                 into a range remapped since it may have been
                                 written (lr_ev_remap_t.fs_reaches) */
    LR_EV_WARN_MOVED = 4,     /* (e) extents of the LV were moved since
                                 (a finished pvmove, no gap): restoring the
                                 version points them back at the stale copy
                                 the move left (lr_ev_lv_t.moved) */
} lr_ev_warning_kind_t;

typedef struct lr_ev_warning {
    lr_ev_warning_kind_t kind;
    const char *lv;             /* REUSED, FS_LARGER, REMAPPED, MOVED: the LV;
                                   EMPTY: NULL */
    const lr_ev_reuse_t *reuse; /* REUSED: the reuse (points into the tree) */
    uint64_t seqno;             /* EMPTY: the newest earlier version with LVs */
    uint64_t lv_size, fs_size;  /* FS_LARGER; REMAPPED: fs_size */
    const char *fs_type;        /* FS_LARGER, REMAPPED */
    const lr_ev_remap_t *remap; /* REMAPPED: the range (points into the tree);
                                   fs_size is the filesystem's */
    const lr_ev_move_t *move;   /* MOVED: the range (points into the tree;
                                   never a gap: those are remaps) */
} lr_ev_warning_t;

/* The warnings restoring version `version` of VG `vg` deserves, as data
 * for the program to word. *out is malloc'd (caller frees; the pointers in
 * it point into ev), *n their count (0 and *out NULL when none). LR_ERANGE
 * for bad indexes, -ENOMEM. */
int lr_evidence_warnings(const lr_evidence_t *ev, size_t vg, size_t version, lr_ev_warning_t **out,
                         size_t *n, lr_error_t *err);

/* Static names for JSON: "against", "no_signature", "own_signature";
 * NULL for LR_EV_GRADE_NONE (JSON null) and unknown values. */
const char *lr_ev_grade_name(lr_ev_grade_t g);

/* Static names for JSON: "empty", "found", "ambivalent", "unreadable",
 * "missing_pv", "unsupported", "no_prober", "probe_error". */
const char *lr_ev_state_name(lr_ev_state_t s);

/* An LVM2 description's command without its --config options
 * ("Created *after* executing 'lvremove --config '...' vg0/root'" gives
 * "lvremove vg0/root"); a command LVM2 cut short (no closing '.' or
 * quote: it cuts long descriptions) ends in "...", and so does one with no
 * such character (vgcfgbackup -f's bare command line) that fills
 * LR_SCAN_MAX_DESCRIPTION (the scan clipped it); a description that
 * names no command is returned as is. malloc'd (caller frees); NULL for NULL or out of memory. */
char *lr_evidence_command(const char *description);

/* Length of LVM2's writer prefix that a description starts with: "Write
 * from " (a command's first metadata write) or "Write[N] from " (its Nth,
 * e.g. vgreduce --removemissing writes several versions); 0 when none. */
size_t lr_evidence_write_prefix(const char *description);

/* Whether the command a description names did not write its version: an
 * archive file's "Created *before* executing 'CMD'" is the state before CMD
 * ran, and vgcfgbackup's own description ("vgcfgbackup -f FILE VG") names
 * the command that copied it out. false for NULL. */
bool lr_evidence_command_not_writer(const char *description);

#endif
