/* lvmrescue mlvm engine: formats a single-PV volume group the way LVM2's
 * pvcreate + vgcreate lay it out, loads it back, edits linear LVs and
 * commits each change as a new metadata version into every metadata area
 * through core's lr_mda_commit.
 *
 * Everything here returns 0 or a status (negative errno or LR_E*) with the
 * error record filled; nothing prints or exits. Every operation validates
 * all it can before its first write, so a refused or invalid request leaves
 * the image byte-identical. */
#ifndef LR_VGEDIT_H
#define LR_VGEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "lr/meta.h"

/* ---- defaults and limits (LVM2's where LVM2 has one) ---- */
#define LR_VGEDIT_DEFAULT_VG "volumegroup"
#define LR_VGEDIT_DEFAULT_PV "physicalvolume"
#define LR_VGEDIT_DEFAULT_EXTENT (4ull << 20)       /* bytes */
#define LR_VGEDIT_DEFAULT_ALIGN (1ull << 20)        /* data alignment, bytes */
#define LR_VGEDIT_MDA1_START 4096ull                /* LVM2's LABEL_SCAN_SIZE */
#define LR_VGEDIT_MIN_MDA_SIZE (32ull << 10)        /* LVM2's MDA_SIZE_MIN, 4 KiB pages */
#define LR_VGEDIT_NAME_MAX 127                      /* LVM2's NAME_LEN - 1 */
#define LR_VGEDIT_MIN_NONPOW2_EXTENT (128ull << 10) /* MIN_NON_POWER2_EXTENT_SIZE */
#define LR_VGEDIT_MAX_COUNT UINT32_MAX              /* LVM2 keeps extent counts in 32 bits */

/* ---- sizes and names ---- */

/* Parses a size as LVM2's tools take it: a decimal number (a fraction is
 * allowed) with an optional unit suffix b/B (bytes), s/S (512-byte sectors),
 * k/K, m/M, g/G, t/T, p/P, e/E (powers of 1024). Without a suffix the number
 * is in default_unit (one of those letters, 'm' as in LVM2). The result is in
 * bytes, rounded up to a whole sector. -EINVAL for malformed text or a zero
 * size, LR_ERANGE when it does not fit 64 bits. */
int lr_vgedit_parse_size(const char *text, char default_unit, uint64_t *bytes, lr_error_t *err);

/* Formats bytes as LVM2 displays sizes ("4.00 MiB", "<1.50 GiB" when the value
 * was rounded down), into buf (always NUL-terminated). Returns buf. The
 * engine's name for lr_fmt_size(bytes, LR_FMT_SIZE_LVM, ...) (lr/fmt.h). */
const char *lr_vgedit_format_size(uint64_t bytes, char *buf, size_t len);

/* Checks a VG or LV name against LVM2's rules (characters [A-Za-z0-9+_.-],
 * not starting with '-', not "." or "..", at most 127 bytes; for LVs also
 * none of LVM2's reserved prefixes and suffixes). is_lv picks the rules and
 * the word in the message. -EINVAL when invalid. */
int lr_vgedit_check_name(const char *name, bool is_lv, lr_error_t *err);

/* ---- allocation over free PV extents ---- */

typedef struct lr_vgedit_range {
    uint64_t start; /* first physical extent */
    uint64_t count;
} lr_vgedit_range_t;

/* The free extent ranges of PV index pv of vg, sorted by start: the PV's
 * pe_count minus every PV area of every segment (any segment type). *out is
 * malloc'd (free()), NULL when *n is 0. LR_EFORMAT when a segment area runs
 * past pe_count. */
int lr_vgedit_free_ranges(const lr_vg_t *vg, size_t pv, lr_vgedit_range_t **out, size_t *n,
                          lr_error_t *err);

/* Sum of the counts of ranges. */
uint64_t lr_vgedit_range_total(const lr_vgedit_range_t *ranges, size_t n);

/* Picks count extents from free (sorted, disjoint): when a range starts at
 * prefer (UINT64_MAX for none; a grown LV's next extent) it is used first;
 * then the first range that holds what is still needed in one piece; only
 * when none does, the ranges in order, split across as many as it takes. The
 * chosen pieces come back in LV order in *out (malloc'd, free()). LR_EREFUSED
 * when the free ranges hold fewer than count extents (nothing allocated). */
int lr_vgedit_alloc(const lr_vgedit_range_t *free_ranges, size_t n_free, uint64_t count,
                    uint64_t prefer, lr_vgedit_range_t **out, size_t *n_out, lr_error_t *err);

/* ---- how writes reach the image ---- */

/* Every write command (format, commit) opens its image for writing and
 * locks it (LR_IO_RDWR | LR_IO_EXCL) when it starts, and writes through
 * core's one transaction (lr/txn.h): its writes are planned by recording,
 * the planned undo file (when asked for) lists them and is synced before
 * the first write, a guard lets only the planned writes through, and what
 * was written is read back and verified. */

/* Opens an image for writing (lr_io_open_rw's signature with a context).
 * The handle returned may be a stack of layers (tests add a fault layer
 * here). */
typedef int (*lr_vgedit_open_fn)(void *arg, const char *path, int flags, lr_io_t **out,
                                 lr_error_t *err);

/* How a write command opens its image and whether it keeps an undo file.
 * A NULL lr_vgedit_io_opts_t * means all defaults. */
typedef struct lr_vgedit_io_opts {
    /* An undo file (lr/undo.h): NULL for none. It is created (never
     * overwritten: -EEXIST) once every check has passed and the writes are
     * planned, right before the first write, listing every planned range;
     * the undo layer saves every byte the command overwrites (and syncs the
     * file) before it is overwritten. It is finished (lr_undo_finish) after
     * the last write, also when a write failed, so applying it
     * (lr_undo_apply) puts the original bytes back. A refused request
     * writes nothing and creates no file. The image is recorded by the path
     * given. */
    const char *undo_path;
    lr_vgedit_open_fn open_rw; /* NULL: lr_io_open_rw */
    void *open_arg;
} lr_vgedit_io_opts_t;

/* ---- formatting a new PV + VG ---- */

typedef struct lr_vgedit_format_opts {
    const char *vg_name;      /* NULL: LR_VGEDIT_DEFAULT_VG */
    const char *pv_key;       /* PV section name; NULL: LR_VGEDIT_DEFAULT_PV */
    uint64_t extent_size;     /* bytes; 0: 4 MiB */
    uint64_t metadata_size;   /* requested area size, bytes; 0: LVM2's default */
    unsigned metadata_copies; /* areas on the PV, 1 or 2; 0: 1 */
    uint64_t data_alignment;  /* bytes; 0: 1 MiB */
    bool force;               /* format over a PV label / known signature */
    const char *device_hint;  /* the PV's "device" hint; NULL: the path */
    const char *description;  /* the version's description; NULL: "" */
} lr_vgedit_format_opts_t;

/* Where everything goes on a PV of dev_size bytes, as pvcreate computes it
 * (lib/format_text/format-text.c _text_pv_add_metadata_area). Bytes unless
 * named otherwise. */
typedef struct lr_vgedit_layout {
    uint64_t dev_size; /* bytes, rounded down to a sector */
    uint64_t mda_start[2];
    uint64_t mda_size[2];
    unsigned n_mda;
    uint64_t pe_start;    /* bytes */
    uint64_t extent_size; /* bytes */
    uint64_t pe_count;
} lr_vgedit_layout_t;

/* Fills o with the defaults above. */
void lr_vgedit_format_defaults(lr_vgedit_format_opts_t *o);

/* Computes the layout for a device of dev_size bytes. -EINVAL for a bad
 * extent size, metadata size or copy count; LR_ERANGE when the device is too
 * small for the areas and one extent (message gives the minimum). */
int lr_vgedit_layout(uint64_t dev_size, const lr_vgedit_format_opts_t *opts,
                     lr_vgedit_layout_t *out, lr_error_t *err);

/* Looks for an LVM2 label or a well-known signature (ext2/3/4, XFS, btrfs,
 * LUKS, swap, GPT, MBR/boot sector) on io. *what is a static description
 * (NULL when none) and *offset its byte offset. */
int lr_vgedit_detect_signature(lr_io_t *io, const char **what, uint64_t *offset, lr_error_t *err);

/* Renders the first VG version exactly as LVM2 2.03's export.c writes it to
 * disk (no indentation, header fields after the VG section, creation_host
 * from uname, creation_time now). *text is malloc'd (free()),
 * NUL-terminated; *len excludes the NUL. pv_uuid and vg_uuid are raw. */
int lr_vgedit_render_first(const lr_vgedit_format_opts_t *opts, const lr_vgedit_layout_t *lay,
                           const char *pv_uuid, const char *vg_uuid, char **text, size_t *len,
                           lr_error_t *err);

/* Formats the image or device at path: a PV label in sector 1, pv_header
 * and extension, the metadata area(s) and a first VG version with seqno 1.
 * Refuses (LR_EREFUSED with LR_HINT_FORCE) an existing PV label or known
 * signature unless opts->force. Validates the layout and the rendered
 * version before the first write, and writes as one transaction (lr/txn.h)
 * with every byte written once: the areas' text before their headers, the
 * label last. On success *out_layout (may be NULL) gets the layout. */
int lr_vgedit_format(const char *path, const lr_vgedit_format_opts_t *opts,
                     lr_vgedit_layout_t *out_layout, lr_error_t *err);

/* lr_vgedit_format with io options (an undo file, how the image is opened
 * for writing); io NULL is lr_vgedit_format. */
int lr_vgedit_format_ex(const char *path, const lr_vgedit_format_opts_t *opts,
                        const lr_vgedit_io_opts_t *io, lr_vgedit_layout_t *out_layout,
                        lr_error_t *err);

/* ---- editing an existing VG ---- */

typedef struct lr_vgedit lr_vgedit_t;

enum {
    /* Read-only: a damaged area is skipped while another one is readable,
     * and the version is shown even if lr_vg_check finds fault with it. */
    LR_VGEDIT_READ = 0,
    /* Writable (LR_IO_RDWR | LR_IO_EXCL): every area must be sound and the
     * version must pass lr_vg_check before anything is edited. */
    LR_VGEDIT_WRITE = 1,
};

/* Loads the VG on the PV at path: label, mda headers, each area's committed
 * text, the highest seqno parsed with lr_vg_parse. LR_ENOTFOUND when there
 * is no PV label (not a PV) or no committed metadata. On success *out is the
 * caller's (lr_vgedit_free). */
int lr_vgedit_open(lr_vgedit_t **out, const char *path, int mode, lr_error_t *err);

/* lr_vgedit_open with io options; io NULL is lr_vgedit_open. For
 * LR_VGEDIT_WRITE the image is opened with io->open_rw (LR_IO_RDWR |
 * LR_IO_EXCL) and stays locked until lr_vgedit_free, and with
 * io->undo_path the handle takes one commit: the undo file is created by
 * lr_vgedit_commit right before its first write and finished by it; a
 * second commit is refused (LR_EREFUSED) before writing.
 * For LR_VGEDIT_READ io is ignored. */
int lr_vgedit_open_ex(lr_vgedit_t **out, const char *path, int mode, const lr_vgedit_io_opts_t *io,
                      lr_error_t *err);

/* Closes the image (and the undo file) and frees everything. NULL is
 * accepted. */
void lr_vgedit_free(lr_vgedit_t *ed);

/* The current version (pending edits included) and what it was read from.
 * All owned by the handle and valid until the next edit, commit or free;
 * none of these can fail on a handle lr_vgedit_open returned. */

/* The typed view of the current version. */
const lr_vg_t *lr_vgedit_vg(const lr_vgedit_t *ed);
/* Its metadata text, NUL-terminated (what the next commit starts from). */
const char *lr_vgedit_text(const lr_vgedit_t *ed);
/* The PV label the image was opened with (PV-relative offsets). */
const lr_label_t *lr_vgedit_label(const lr_vgedit_t *ed);
/* The path the handle was opened with (a copy owned by the handle). */
const char *lr_vgedit_path(const lr_vgedit_t *ed);
/* Metadata areas the label lists that the handle reads and writes (at most
 * 2, as LVM2 keeps per PV). */
size_t lr_vgedit_mda_count(const lr_vgedit_t *ed);
/* The header of area i (label order); NULL past the end. *usable (may be
 * NULL) tells whether the area was read successfully. */
const lr_mda_header_t *lr_vgedit_mda(const lr_vgedit_t *ed, size_t i, bool *usable);
/* Index in lr_vgedit_vg()->pvs of the PV on this image, -1 when the VG does
 * not list it. */
int lr_vgedit_pv_index(const lr_vgedit_t *ed);
/* Extent size in bytes. */
uint64_t lr_vgedit_extent_bytes(const lr_vgedit_t *ed);
/* Free extents on this image's PV (0 when the VG does not list it or its
 * segments are inconsistent). */
uint64_t lr_vgedit_free_extents(const lr_vgedit_t *ed);
/* Free extents of the whole VG, every PV of the version, as vgs's
 * vg_free_count counts them (a PV whose segments run past its pe_count
 * counts 0). */
uint64_t lr_vgedit_vg_free_extents(const lr_vgedit_t *ed);
/* 1 when edits are waiting for lr_vgedit_commit. */
bool lr_vgedit_dirty(const lr_vgedit_t *ed);

/* ---- sizes in extents, as lvcreate / lvresize round them ---- */

/* Extents an LV of `bytes` takes: rounded up to whole extents as lvcreate
 * rounds; bytes 0 (no size asked for) gives 1, the smallest LV LVM2
 * accepts (it refuses LVs without segments). */
uint64_t lr_vgedit_size_extents(const lr_vgedit_t *ed, uint64_t bytes);

/* The size, in extents, lvresize gives LV `name` for `bytes`: sign 0 sets
 * the size to bytes, '+' grows it by bytes, '-' shrinks it by bytes;
 * rounded up to whole extents. *from (may be NULL) receives the LV's
 * current size in extents. LR_ENOTFOUND: no such LV; -EINVAL: a shrink
 * that leaves no extent or an unknown sign; LR_ERANGE: the size does not
 * fit 64 bits. Only computes; lr_vgedit_lv_resize makes the change. */
int lr_vgedit_resize_extents(const lr_vgedit_t *ed, const char *name, char sign, uint64_t bytes,
                             uint64_t *from, uint64_t *to, lr_error_t *err);

/* Edits of the pending version. Each one is checked completely (names,
 * space, LV kind, lr_vg_check of the result) and either applied whole or not
 * at all; the image is not touched until lr_vgedit_commit. Only linear LVs
 * (striped segments with one stripe) on a single-PV VG are edited; others are
 * refused (LR_EREFUSED). Missing LV: LR_ENOTFOUND. Duplicate name, no space
 * left: LR_EREFUSED. Bad names or a zero size: -EINVAL. */

/* Adds a linear LV `name` of `extents` extents, allocated first fit (see
 * lr_vgedit_alloc), with a new UUID and the keys in lvcreate's order. */
int lr_vgedit_lv_create(lr_vgedit_t *ed, const char *name, uint64_t extents, lr_error_t *err);
/* Removes the LV `name` (its extents become free); the logical_volumes
 * section goes with the last LV, as LVM2 writes it. LR_ENOTFOUND when
 * absent; LR_EREFUSED for a hidden, non-linear or referenced LV. */
int lr_vgedit_lv_remove(lr_vgedit_t *ed, const char *name, lr_error_t *err);
/* Grows (allocating after the LV's end when free, else first fit) or shrinks
 * (from the end) to extents. */
int lr_vgedit_lv_resize(lr_vgedit_t *ed, const char *name, uint64_t extents, lr_error_t *err);
/* Renames the LV old_name to new_name (its section key; UUID, segments and
 * every other key keep their bytes). LR_ENOTFOUND: no old_name;
 * LR_EREFUSED: new_name is taken (an LV, a historical LV or a PV section)
 * or equals old_name, or the LV is not an editable linear LV; -EINVAL: an
 * invalid new name. */
int lr_vgedit_lv_rename(lr_vgedit_t *ed, const char *old_name, const char *new_name,
                        lr_error_t *err);

/* Writes the pending version as seqno + 1 with description, creation_host
 * and creation_time of now, into every metadata area in label order through
 * lr_mda_commit (text, sync, header, sync), after checking that it fits each
 * area, as one transaction (lr/txn.h): planned and checked (each copy read
 * back as the loader reads it) before the first write, read back and
 * checked again after the last. A read-only handle gives LR_EREADONLY. With
 * an undo file (lr_vgedit_open_ex) it is created before the first write and
 * finished after the last, also on failure; a second commit on that handle
 * is LR_EREFUSED. */
int lr_vgedit_commit(lr_vgedit_t *ed, const char *description, lr_error_t *err);

#endif
