/* lvmrescue scan engine: state shared by the engine's source files. Not
 * installed; the public API is lr/scan.h. */
#ifndef LR_SCAN_INT_H
#define LR_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/btrfs.h"
#include "lr/scan.h"

#define SC_SECTOR 512u
/* Bytes past a sector start a prober may look at inside the stream buffer:
 * the text signature needs three lines of at most 128 bytes. */
#define SC_TAIL 4096u
#define SC_NAME_MAX 128u /* LVM2's NAME_LEN */
#define SC_LINE_MAX 128u /* pvck's MAX_LINE_CHECK */
#define SC_MIN_TEXT 256u /* pvck skips shorter "copies" */
#define SC_READ_CHUNK (64u << 10)

/* An mda header found by its magic while streaming. */
typedef struct sc_hdr {
    int image;
    uint64_t offset;
    lr_mda_header_t h;
} sc_hdr_t;

/* What pvck's three-line check extracts from a sector start. */
typedef struct sc_sig {
    char name[SC_NAME_MAX + 1];
    char id[LR_UUID_STR_LEN + 1];
    uint64_t seqno;
} sc_sig_t;

/* The session: the result, and the handles it re-reads text through. */
struct lr_scan_session {
    lr_scan_t result;
    lr_io_t **ios;
    size_t n_ios;
    bool own;               /* opened by lr_scan_paths: closed by lr_scan_session_free */
    struct ev_early *early; /* the layouts probed while streaming (evidence_early.c) */
};

/* A growing text buffer (copies.c, backup.c). */
typedef struct sc_tbuf {
    char *p;
    size_t n, cap;
} sc_tbuf_t;

/* Where a backup file's text starts (found while streaming). */
typedef struct sc_bk {
    int image;
    uint64_t offset;
    uint32_t len;        /* the file's exact length when its container says it (a
                          * file inline in a btrfs leaf), else 0: it ends at a NUL */
    bool leaf;           /* not a file: a btrfs leaf that ran past the buffer it was
                          * seen in, to read whole and walk for files (backup.c) */
    uint8_t compression; /* a btrfs inline file's (lr_btrfs_inline_t): then
                          * `stored` bytes at offset decode to len bytes */
    uint32_t stored;
    uint64_t fs_bytes; /* not a file: an ext2/3/4 filesystem or an XFS starts at
                        * offset, of this many bytes (its superblock's); 0 for a file */
    bool fs_inline;    /* that filesystem may store files in their inodes */
    bool fs_xfs;       /* that filesystem is an XFS (else ext2/3/4) */
    bool fs_btrfs;     /* a btrfs's device starts at offset (its superblock seen) */
    /* a btrfs inline file's leaf: its item, and how far into the leaf
     * offset lies (the leaf starts at offset - in_leaf) */
    uint32_t leaf_item, in_leaf;
    bool extent; /* with leaf: not a leaf but a compressed btrfs extent
                  * whose first block ran past the buffer it was seen in
                  * (zstd gives no byte before its whole first block), to
                  * decode once the stream is done */
} sc_bk_t;

/* What the scan counts of btrfs data it passes over (backup.c): per enum
 * lr_btrfs_compression, what this build cannot decode
 * (lr_scan_image_t.btrfs_unread); then zstd frames too large to decode
 * (btrfs_zstd_large). */
#define SC_BT_ZSTD_LARGE 4
#define SC_BT_COUNTS 5

/* One read of bytes btrfs stored (backup.c when scanning, copies.c when
 * reading a copy again): `stored` bytes at `offset` decoded as
 * lr_btrfs_decode does (whole: the data must end at the buffer's end). */
typedef struct sc_bt_read {
    uint64_t offset;
    size_t stored;
    uint8_t compression; /* enum lr_btrfs_compression; LR_BTRFS_NONE: as is */
    bool whole;
    lr_btrfs_decoded_t res; /* what decoding made */
    int status;             /* lr_btrfs_decode's return */
} sc_bt_read_t;

/* A metadata copy whose text ran past the buffer it was found in: its LVs
 * are planned for keeping (keep.c) once the stream has read on. */
typedef struct sc_keep_wait {
    int image;
    uint64_t off;
    uint64_t seen; /* the end of the bytes it was found in */
} sc_keep_wait_t;
#define SC_KEEP_WAIT 8

typedef struct sc_ctx {
    lr_scan_t *scan;
    lr_scan_opts_t opts;         /* defaults resolved */
    lr_io_t *const *ios;         /* NULL for an image that could not be opened */
    const char *const *paths;    /* lr_scan_paths: the paths given, else NULL */
    const lr_error_t *open_errs; /* lr_scan_paths: why image i did not open (code 0: it did) */
    sc_hdr_t *hdrs;
    size_t n_hdrs, cap_hdrs;
    size_t cap_labels, cap_areas, cap_copies;
    size_t n_label_areas; /* areas[0..n) came from labels, sorted (areas.c) */
    int *labels_by_uuid;  /* label indexes sorted by PV UUID (vgs.c) */
    uint64_t bytes_total, bytes_done, next_progress;
    uint64_t image_total; /* the image being streamed: its size, or the estimate
                             in bytes_total while a lazy handle's is unknown */
    /* Reading text past later copy starts can cost a full ring per copy on
     * hostile images; past this budget copies end at the next copy start. */
    uint64_t read_budget;
    /* the last ring-start walk of area inference (areas.c) */
    int walk_image;
    uint64_t walk_from, walk_result;
    sc_bk_t *bks; /* backup-file starts (backup.c), in stream order */
    size_t n_bks, cap_bks;
    size_t bt_counts[SC_BT_COUNTS];         /* btrfs data passed over, counted by a worker's
                                             * context (its result holds no images): added
                                             * to the unit's image when merged
                                             * (sc_bt_take_counts) */
    struct lr_btrfs_decoder *btrfs;         /* decodes btrfs inline files (backup.c);
                                             * made at the first, freed with the context */
    sc_keep_wait_t keep_wait[SC_KEEP_WAIT]; /* keep.c */
    size_t n_keep_wait;
    struct ev_early *early; /* the session's; NULL in the workers' contexts */
    lr_error_t *err;
} sc_ctx_t;

/* One on-disk signature: the generic loop compares `magic` at `magic_off` of
 * each sector (or calls `filter` when there is no fixed magic) and calls
 * `probe` on a match with the bytes available from the sector start. */
typedef struct sc_prober {
    const char *name;
    const char *magic;
    size_t magic_len;
    size_t magic_off;
    bool (*filter)(const uint8_t *sector, size_t avail);
    int (*probe)(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
} sc_prober_t;

/* probe.c */
extern const sc_prober_t sc_probers[];
extern const size_t sc_n_probers;
bool sc_text_signature(const uint8_t *p, size_t avail, sc_sig_t *out);
int sc_probe_sector(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
/* Runs the probers on every sector that may start a signature among the
 * first len bytes of p (image offset pos); avail >= len bytes are readable
 * (the overlap that follows). */
int sc_probe_buffer(sc_ctx_t *c, int image, uint64_t pos, const uint8_t *p, size_t len,
                    size_t avail);

/* stream.c: streams every opened image in order (a reader thread reads
 * ahead; the calling thread runs the probers). */
int sc_stream_images(sc_ctx_t *c);
/* Calls the progress callback (sets `interrupted` when it asks to stop). */
int sc_stream_report(sc_ctx_t *c, int image, uint64_t image_done, uint64_t image_total,
                     bool estimated);
/* An image's stream ended: its size, damage and the labels found in it
 * from first_label on (validated against its size) are settled. */
int sc_image_end(sc_ctx_t *c, int image, size_t first_label);
/* A read of image failed with rc/e: the image ends there under
 * LR_SCAN_KEEP_GOING (0), else the scan fails with it (rc). */
int sc_read_failed(sc_ctx_t *c, int image, int rc, const lr_error_t *e);

/* A corrupt piece of a compressed image (an xz block, a zstd frame) a read
 * met, skipped by the stream and by a worker alike. */
typedef struct sc_bad {
    int rc;        /* the failed read's status (0: none met) */
    lr_error_t e;  /* its error, naming the image */
    uint64_t len;  /* the decompressed bytes the piece covers: all unreadable */
    uint64_t next; /* where the image goes on: the first sector after it */
} sc_bad_t;

/* What sc_bad_skip made of a failed read. */
enum {
    SC_BAD_NONE, /* a read failure like any other: *rc and *e say why */
    SC_BAD_TAIL, /* the piece starts in the tail: buf holds the *n bytes
                    before it, a normal buffer (the next read meets it) */
    SC_BAD_SKIP, /* buf holds the *n bytes before the piece (at most bsize),
                    then the image goes on at bad->next */
};
/* The read of bsize + SC_TAIL bytes at pos of io into buf failed with *rc
 * and *e. When it failed on a corrupt piece starting among those bytes
 * (lr_io_bad_range), the bytes before the piece are read again into buf
 * (the failed read kept nothing): *n of them, *rc and *e that read's (a
 * failure of it is SC_BAD_NONE); *bad gets the piece when it starts within
 * the first bsize bytes. Returns one of SC_BAD_*. */
int sc_bad_skip(lr_io_t *io, uint8_t *buf, size_t bsize, uint64_t pos, int *rc, lr_error_t *e,
                size_t *n, sc_bad_t *bad);
/* Records a piece skipped in image under LR_SCAN_KEEP_GOING: its bytes are
 * unreadable and its error is the image's (the first one is reported); the
 * image is not cut there. */
int sc_bad_record(sc_ctx_t *c, int image, const sc_bad_t *bad);

/* workers.c: the number of work units a parallel scan would have (0 when
 * it would run one worker), and the parallel scan itself. */
size_t sc_parallel_units(sc_ctx_t *c);
int sc_stream_parallel(sc_ctx_t *c);

/* scan.c: records what went wrong with an image (the first error kept). */
int sc_image_fail(sc_ctx_t *c, int image, const lr_error_t *e, bool truncated);
/* scan.c: copies the notes of the image's I/O layer not yet copied to its
 * warnings (at open, and again once its stream ended). */
int sc_image_warnings(sc_ctx_t *c, lr_scan_image_t *im, const lr_io_t *io);

/* areas.c */
int sc_build_areas(sc_ctx_t *c);
int sc_infer_areas(sc_ctx_t *c);
int sc_sort_areas(sc_ctx_t *c);
int sc_area_of(const lr_scan_t *s, int image, uint64_t off);
int sc_add_area(sc_ctx_t *c, const lr_scan_area_t *a);

/* Whether the passes after the stream go on past a read of image's bytes
 * [off, off + len) that failed with rc (c->err): a corrupt piece of the
 * (compressed) image made some of them unreadable (lr_io_bad_range;
 * *bad_end, when not NULL: where those bytes end), as the stream went on
 * past it; or, when the scan keeps going (LR_SCAN_KEEP_GOING), any other
 * read error (a device's I/O error after the stream read those bytes):
 * then it is recorded as the image's error (the first one is reported) and
 * *bad_end is off + len. Never for -ENOMEM or -ECANCELED; without keep-going
 * every other failure stays one. The caller clears c->err when true. */
bool sc_unreadable(sc_ctx_t *c, int image, int rc, uint64_t off, uint64_t len, uint64_t *bad_end);

/* copies.c */
int sc_add_copy(sc_ctx_t *c, int image, uint64_t off, const sc_sig_t *sig, unsigned source);
int sc_extract_orphans(sc_ctx_t *c);
int sc_extract_all(sc_ctx_t *c);
int sc_read_pieces(lr_io_t *io, const lr_scan_copy_t *cp, char **text, lr_error_t *err);

/* Reads r->stored bytes at r->offset of io and decodes them into out (up
 * to out_len bytes) with dec (NULL: a context for this call); r->res and
 * r->status say what decoding made. Returns 0 whether or not the bytes
 * decode, the read's error, or -ENOMEM (err set). */
int sc_bt_read(lr_io_t *io, struct lr_btrfs_decoder *dec, sc_bt_read_t *r, uint8_t *out,
               size_t out_len, lr_error_t *err);
int sc_tbuf_reserve(sc_tbuf_t *b, size_t more, lr_error_t *err);
/* Appends bytes [from, to) of io to b, stopping after the first NUL (kept,
 * *nul set) or when b holds max bytes; charged to the read budget. */
int sc_read_to_nul(sc_ctx_t *c, lr_io_t *io, uint64_t from, uint64_t to, uint64_t max, sc_tbuf_t *b,
                   bool *nul);

/* The first line of every file LVM2's backup and archiving write. */
#define SC_BACKUP_MAGIC "# Generated by LVM2 version"
/* backup.c: LVM2 backup/archive files. sc_probe_backup records a start
 * while streaming; sc_add_backups reads each (after the areas are known),
 * adds the real ones as LR_SCAN_COPY_BACKUP copies and sorts the copies. */
int sc_probe_backup(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
/* Walks the btrfs leaf at off for files stored inline in it (btrfs keeps a
 * file of up to 2 KiB in its tree by default, 4 KiB by mkfs.btrfs
 * --rootdir: at any byte, not at a sector start) that start like a backup
 * file, and records each with its exact length. */
int sc_probe_btrfs_leaf(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
/* A sector that starts a zlib stream or zstd frame (a compressed extent
 * btrfs wrote for a file larger than a leaf holds) whose first KiB decodes
 * to a backup file's start: recorded, its length left to the read. */
/* Adds a worker context's counts of btrfs data passed over to the image
 * its unit scanned, and clears them. */
void sc_bt_take_counts(sc_ctx_t *sub, lr_scan_image_t *im);
int sc_probe_btrfs_extent(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
int sc_add_backups(sc_ctx_t *c, sc_tbuf_t *b);
/* backup.c: the prober of an ext2/3/4 primary superblock (a filesystem whose
 * records say where the backup files in it lie). */
int sc_probe_extfs(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
/* backup.c: the prober of an XFS superblock (lr/xfs.h): the same, for XFS
 * (a secondary superblock at an allocation group's start is judged by the
 * filesystem holding it, as a filesystem inside another). */
int sc_probe_xfs(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
/* Records the btrfs whose superblock (a copy of it) p is: a backup file
 * btrfs compressed in more than one extent is read through its trees
 * (backup.c). */
int sc_probe_btrfs_super(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
/* The VG section of text (the first section at depth 0, from its name):
 * *start (SIZE_MAX when no section opens) and *end (one past its closing
 * brace); false unless the section opens and closes. */
bool sc_vg_section(const char *text, size_t len, size_t *start, size_t *end);
/* lr_crc of the section's tokens: comments dropped, whitespace runs kept
 * only as one separator between two words. */
uint32_t sc_section_crc(const char *text, size_t len);
/* The same token stream as bytes: *out (caller frees) and *n; NULL and 0
 * when no section opens; a section not closed runs to the text's end (or
 * its first NUL). -ENOMEM on failure. */
int sc_section_canon(const char *text, size_t len, char **out, size_t *n);
/* Whether a section's canonical stream (sc_section_canon, n bytes) goes on
 * past its seqno's digits: a text cut inside the number gave it another
 * seqno. */
bool sc_past_seqno(const char *canon, size_t n);

/* thin.c: fills each complete version's thin_pools (reading each pool's
 * metadata superblock); only -ENOMEM fails. sc_thin_free frees them. */
int sc_thin_pools(sc_ctx_t *c);
void sc_thin_free(lr_scan_version_t *v);
void sc_copy_clear_text_fields(lr_scan_copy_t *cp);
/* Frees all a copy owns (its text fields, VG name and pieces). */
void sc_copy_free(lr_scan_copy_t *cp);
int sc_copy_find(const lr_scan_t *s, int image, uint64_t off);
void sc_sort_copies(lr_scan_t *s);

/* text.c */
void sc_fill_from_text(lr_scan_copy_t *cp, const char *text, uint64_t len);
/* A fragment's fields from its top-level lines; after_bad: the bytes before
 * it could not be read (its parse error says so, not "overwritten"). */
void sc_fill_from_fragment(lr_scan_copy_t *cp, const char *text, uint64_t len, bool after_bad);
void sc_raw_uuid(const char *printed, char *raw, size_t rawlen);
/* Sets vg_id as printed and vg_id_raw only when it is a valid UUID. */
void sc_set_vg_id(lr_scan_copy_t *cp, const char *printed);

/* vgs.c */
int sc_build_vgs(sc_ctx_t *c);
void sc_free_vgs(lr_scan_t *s);
/* Copy cp's text parsed again (the scan keeps no parse); NULL when it no
 * longer reads or parses, or out of memory. Caller frees (lr_vg_free). */
lr_vg_t *sc_parse_copy(sc_ctx_t *c, const lr_scan_copy_t *cp);
/* Version v's best copy (versions list it first); NULL when it has none. */
const lr_scan_copy_t *sc_version_copy(const lr_scan_t *s, const lr_scan_version_t *v);

/* renamed.c: PVs older versions list under a UUID pvchange -u replaced,
 * placed where the PV with the new UUID is (LR_SCAN_PV_RENAMED); runs after
 * the VGs are built and marked superseded. 0 or -ENOMEM (err set). */
int sc_mark_renamed(sc_ctx_t *c);

/* keep.c: while streaming, tells a compressed image's reader what the
 * passes after the stream will read again (lr_io_keep): a label's sectors
 * and metadata areas, and what the evidence probe reads of each LV of the
 * copy found at off (p: its avail bytes the stream read). A copy whose text
 * runs past them waits for sc_keep_settle, which the thread running the
 * probers calls once the stream has read image up to upto (the copy's
 * text is then read from bytes already decoded: keeping never makes the
 * reader decode ahead of the stream). Hints only: nothing fails. */
void sc_keep_label(sc_ctx_t *c, const lr_scan_label_t *sl);
void sc_keep_copy(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail);
void sc_keep_settle(sc_ctx_t *c, int image, uint64_t upto);

/* parts.c: probes each image's partition table and gives every label and
 * VG PV the partition holding it; only -ENOMEM fails. */
int sc_partitions(sc_ctx_t *c);

/* util */
int sc_grow(void **arr, size_t *cap, size_t need, size_t elem, lr_error_t *err);
/* strdup that accepts NULL (returns NULL). */
char *sc_strdup(const char *s);

#endif
