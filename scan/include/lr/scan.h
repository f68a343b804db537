/* lvmrescue scan engine: finds every PV label, metadata area and metadata
 * text copy in raw disk images (at any sector, not only where LVM2 would
 * look), and reconstructs the volume groups and their version history.
 *
 * The engine only reads. It never prints and never exits; failures come back
 * as a status code plus an lr_error_t naming the image.
 *
 * Offsets in this API are absolute byte offsets in their image unless a field
 * says otherwise. Indexes into the result's arrays are ints, -1 meaning
 * "none".
 *
 * A scan returns an opaque session (lr_scan_session_t) that owns the image
 * handles it re-reads text through and the result: a const tree of plain
 * data (lr_scan_t, reached with lr_scan_result) in which every pointer is
 * owned by the session. The tree holds no handle, so reading or copying it
 * can never close anything; only lr_scan_session_free does. Functions that
 * read the images again take the session; functions that only look at the
 * result take `const lr_scan_t *`. */
#ifndef LR_SCAN_H
#define LR_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/btrfs.h"
#include "lr/error.h"
#include "lr/io.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "lr/meta.h"
#include "lr/thin.h"

#define LR_SCAN_UNKNOWN UINT64_MAX /* an offset that could not be worked out */

/* Defaults of lr_scan_opts_t fields left at 0. */
#define LR_SCAN_DEFAULT_BUFFER (1u << 20)    /* bytes per sequential read */
#define LR_SCAN_MAX_JOBS 16u                 /* worker threads at most (lr_scan_opts_t.jobs) */
#define LR_SCAN_DEFAULT_MAX_TEXT (4u << 20)  /* largest copy read, bytes */
#define LR_SCAN_DEFAULT_MAX_COPIES 20000     /* copies recorded in all */
#define LR_SCAN_DEFAULT_PROGRESS (64u << 20) /* bytes between progress calls */
#define LR_SCAN_MAX_ITEMS 1000000            /* largest max_copies accepted */
/* Caps that keep memory bounded on hostile images (a real set of images has
 * a few labels and areas per PV); past them `truncated` is set. */
#define LR_SCAN_MAX_LABELS 2048  /* labels recorded */
#define LR_SCAN_MAX_HEADERS 8192 /* mda headers found by magic recorded */
/* Bytes of a copy's description and creation_host kept in the scan result
 * (longer ones are cut; the text in the image is whole). LVM2 writes the
 * host's uname nodename (at most 64 bytes) and a command line. */
#define LR_SCAN_MAX_DESCRIPTION 256
#define LR_SCAN_MAX_HOST 64
#define LR_SCAN_MAX_PARSE_ERROR 256 /* bytes of a copy's parse_error kept */
/* A partial copy (no NUL found) longer than this is not parsed as a VG, only
 * its top-level lines are read (its parse_ok is false). */
#define LR_SCAN_MAX_PARTIAL_PARSE (1u << 20)
#define LR_SCAN_MAX_AREAS 16384  /* areas in all */
#define LR_SCAN_MAX_INFER 1024   /* area inferences tried per scan */
#define LR_SCAN_MAX_BACKUPS 4096 /* backup-file starts recorded; past it `truncated` */
#define LR_SCAN_MAX_EXTFS 64     /* ext and XFS filesystems whose records are read (backup files) */

/* ---- progress and options ---------------------------------------------- */

typedef struct lr_scan_progress {
    int image;           /* image being scanned */
    uint64_t image_done; /* bytes of that image scanned */
    uint64_t image_total;
    uint64_t bytes_done; /* over all images */
    uint64_t bytes_total;
    size_t labels; /* found so far */
    size_t areas;
    size_t copies;              /* metadata text candidates so far */
    bool image_total_estimated; /* image_total (and so bytes_total) is an estimate: a
                                   compressed image decompressed and indexed while it
                                   is scanned, whose size is known only at its end */
} lr_scan_progress_t;

/* Called every opts.progress_interval bytes and once at the end of each
 * image. Returning non-zero stops the scan cleanly: the result covers what
 * was scanned so far and has `interrupted` set. */
typedef int (*lr_scan_progress_fn)(void *arg, const lr_scan_progress_t *p);

enum {
    /* Only labels and mda headers (and the copies their raw_locns point at);
     * no search of text on every sector. */
    LR_SCAN_NO_TEXT_SEARCH = 1u << 0,
    /* Do not infer metadata areas from orphan text. */
    LR_SCAN_NO_INFER = 1u << 1,
    /* An image that cannot be opened or read does not stop the scan: its
     * lr_scan_image_t records the error and the other images are scanned.
     * lr_scan_paths then opens gzip images with LR_IO_PARTIAL, so a damaged
     * one is scanned as far as it decompresses (`truncated`). A read error
     * while streaming an image ends that image's scan at `scanned`. */
    LR_SCAN_KEEP_GOING = 1u << 2,
    /* Decode every zstd frame at a sector start whose header gives up to
     * 128 KiB (a btrfs extent: an LVM2 backup file of any size btrfs
     * compressed with zstd), not only those of up to 16 KiB: slower on a
     * btrfs compressed with zstd, where every extent starts a frame
     * (lr_scan_image_t.btrfs_zstd_large counts what is passed over
     * without it). */
    LR_SCAN_ALL_ZSTD = 1u << 3,
};

/* Progress of opening image `image` in lr_scan_paths: a pass over the data at
 * open (`done` of `total` bytes). lr_scan_paths opens every image with
 * LR_IO_LAZY (a gzip image is checked and indexed while it is scanned, not
 * at open), so no layer of this tree calls it today. Returning
 * non-zero stops like the progress callback does: nothing more is opened
 * or scanned and the result has `interrupted` set. */
typedef int (*lr_scan_open_progress_fn)(void *arg, int image, uint64_t done, uint64_t total);

typedef struct lr_scan_opts {
    unsigned flags;               /* LR_SCAN_* above */
    lr_scan_progress_fn progress; /* may be NULL */
    void *progress_arg;
    uint64_t progress_interval; /* 0: LR_SCAN_DEFAULT_PROGRESS */
    size_t buffer_size;         /* 0: LR_SCAN_DEFAULT_BUFFER (rounded to 512) */
    uint64_t max_text;          /* 0: LR_SCAN_DEFAULT_MAX_TEXT */
    size_t max_copies;          /* 0: LR_SCAN_DEFAULT_MAX_COPIES; then `truncated` */
    /* lr_scan_paths only: progress of opening gzip images (their index
     * pass); may be NULL; gets progress_arg. */
    lr_scan_open_progress_fn open_progress;
    /* Worker threads for the sector scan: 0 = one per online CPU (at most
     * LR_SCAN_MAX_JOBS); 1 = one reader thread ahead of the calling thread.
     * With more than one, each worker scans a whole image, or a 64-buffer
     * stretch of a regular raw file or split raw set opened by lr_scan_paths, at most `jobs`
     * of them in flight; the results are merged in image and offset order,
     * so the result is the same whatever the number. */
    unsigned jobs;
    /* lr_scan_paths only: the internal snapshot (id or name) of every image
     * to read in place of its current state (lr_io_open_opts_t.snapshot):
     * an image that is not a qcow2 image holding it fails to open. NULL:
     * the current states. */
    const char *snapshot;
} lr_scan_opts_t;

/* ---- what was found ---------------------------------------------------- */

/* One entry of an image's partition table (GPT or MBR, as libblkid reads it). */
typedef struct lr_scan_partition {
    int number;     /* as the table numbers it: 1 for "p1" */
    uint64_t start; /* 512-byte sectors from the image start */
    uint64_t size;  /* sectors */
} lr_scan_partition_t;

typedef struct lr_scan_image {
    char *path;    /* lr_io_name() of the handle (the path given, if it could not be opened) */
    uint64_t size; /* bytes (of a damaged gzip image: the bytes that decompressed; of a
                      gzip image opened by lr_scan_paths whose scan was interrupted:
                      the bytes decompressed so far, its end not being known) */
    bool gzip;
    const char *format; /* lr_io_format(): "raw", "gzip", "qcow2"... (static); if not opened
                                   lr_io_probe_format()'s (NULL: not known) */
    bool container;     /* a container or compressed image (gzip too): never written in place */
    uint64_t scanned;   /* bytes scanned (== size unless interrupted or `error`) */
    /* What went wrong with this image (LR_SCAN_KEEP_GOING, or a handle opened
     * with LR_IO_PARTIAL): 0, or the status of the failed open or read, or of
     * the damage of a gzip image (lr_io_damage). */
    int error;
    char *error_msg; /* lr_error_format() of it (names the image); NULL when error == 0 */
    bool opened;     /* a handle exists (false: it could not be opened; nothing scanned) */
    bool text_file;  /* the image is an LVM2 backup/archive file (found by content, not
                        name): a source of versions, holding no PV; never a restore target */
    bool truncated;  /* the image could not be read to its end: a gzip image whose
                        compressed data breaks off (size = what decompressed), or a
                        read error (scanned = where it stopped) */
    /* Bytes of corrupt pieces of a compressed image (xz blocks, zstd frames:
     * lr_io_bad_range) that were skipped, never scanned, while the rest of
     * the image was (LR_SCAN_KEEP_GOING; error names the first such piece) */
    uint64_t unreadable;
    /* What its I/O layer noted at open or while its stream was read, and
     * read anyway (lr_io_note): e.g. a VHD footer or header whose checksum
     * does not match, of any file of its chain, each naming the file; a
     * zstd frame's window. n_warnings strings, or none (0,
     * NULL); they do not make the image `error`. */
    size_t n_warnings;
    char **warnings;
    /* The internal snapshots (older states of the disk) a qcow2 image holds
     * (lr_io_snapshots), and the one read in place of its current state
     * (lr_io_snapshot; NULL: the current state): who reopens the image
     * from this result opens that one. */
    size_t snapshots;
    char *snapshot;
    /* The image's partition table, probed once by libblkid over its first
     * and last MiB: none (0, NULL) when it has no table, the scan was built
     * without libblkid, or the probe failed. Sorted by start. */
    size_t n_partitions;
    lr_scan_partition_t *partitions;
    /* Data btrfs compressed that this build cannot decode, per compression
     * (index: enum lr_btrfs_compression, lr/btrfs.h): lzo without liblzo2,
     * zstd without libzstd. For lzo, the files and extents whose first
     * line lies verbatim in their bytes (lzo codes literals as they are):
     * LVM2 backup files not read. For zstd, every inline file and every
     * frame of 256 B to 16 KiB at a sector start: backup files among them
     * are not found, how many cannot be told. All 0 in a full build. */
    size_t btrfs_unread[4];
    /* zstd frames at a sector start whose header gives 16 KiB to 128 KiB
     * (btrfs extents of files that large): not decoded (zstd decodes a
     * whole block before its first byte; every extent of a compressed
     * btrfs starts a frame), so a backup file of more than 16 KiB (a VG of
     * about 40 LVs or more) btrfs compressed with zstd is not found; 0
     * with LR_SCAN_ALL_ZSTD, which decodes them. */
    size_t btrfs_zstd_large;
} lr_scan_image_t;

/* A "LABELONE" sector whose label parsed (crc may still be wrong). */
typedef struct lr_scan_label {
    int image;
    uint64_t offset;   /* the label sector */
    uint64_t pv_start; /* offset - label.sector * 512 */
    lr_label_t label;  /* as decoded; lists PV-relative as on disk */
    bool valid;        /* lr_label_validate() passed against the image's bytes after pv_start */
    int partition;     /* number of the partition holding pv_start, 0 when none is known */
    uint64_t partition_start; /* its first sector; 0 when partition is 0 */
} lr_scan_label_t;

/* How a metadata area was found (bit set: several may apply). */
enum {
    LR_SCAN_SRC_LABEL = 1u << 0,    /* listed in a label's metadata area list */
    LR_SCAN_SRC_MAGIC = 1u << 1,    /* mda header magic found at its start */
    LR_SCAN_SRC_INFERRED = 1u << 2, /* derived from orphan text and LVM2's layout rules */
};

typedef struct lr_scan_area {
    int image;
    uint64_t pv_start;              /* absolute, a multiple of 512; LR_SCAN_UNKNOWN when a header's
                                       start does not fit or is not on a sector */
    uint64_t offset;                /* absolute offset of the area (its mda header sector) */
    uint64_t size;                  /* bytes, header included; clamped to the image end */
    uint64_t size_recorded;         /* size as the header or label says (may exceed the image) */
    unsigned source;                /* LR_SCAN_SRC_* bits */
    int label;                      /* label listing this area, or -1 */
    int mda_index;                  /* position in the label's mda list (LVM2
                                       writes 0 and 1; a crafted label may list
                                       up to LR_LABEL_MAX_LOCN), -1 unknown */
    lr_mda_header_t *header;        /* parsed header, NULL when no magic at `offset` */
    bool header_ok;                 /* header present, checksum ok and start/size consistent */
    int committed;                  /* copy at raw_locn slot 0, or -1 (none / unreadable) */
    int precommitted;               /* copy at raw_locn slot 1, or -1 */
    char pv_id[LR_PV_UUID_LEN + 1]; /* raw PV UUID: from the label, or the PV an
                                       inferred area was attributed to; "" if unknown */
} lr_scan_area_t;

/* Why a filesystem's log was not replayed, or only in part
 * (lr_scan_copy_t.fs_log_why). */
enum {
    LR_SCAN_LOG_NONE = 0,
    LR_SCAN_LOG_XFS_DIRTY,       /* an XFS whose dirty log could not be replayed
                                    (lr_xfs_replay) */
    LR_SCAN_LOG_XFS_UNKNOWN,     /* an XFS whose log is not known clean (lr_xfs_log) */
    LR_SCAN_LOG_EXT_EXTERNAL,    /* an ext journal on another device */
    LR_SCAN_LOG_EXT_UNREADABLE,  /* an ext journal that does not read as jbd2 */
    LR_SCAN_LOG_EXT_LIMIT,       /* past a limit (LR_EXTFS_REPLAY_MAX, the descriptor cap) */
    LR_SCAN_LOG_EXT_REOPEN,      /* the filesystem did not open with its log replayed */
    LR_SCAN_LOG_EXT_FAST_COMMIT, /* ext4 fast commits after the last full one */
    LR_SCAN_LOG_EXT_BAD_COPIES,  /* logged copies passed over: their checksums fail */
    LR_SCAN_LOG_EXT_CORRUPT,     /* a transaction fails its checksum: those before replayed */
    LR_SCAN_LOG_XFS_INTENTS      /* an XFS's log replayed, but a block-map update it logged
                                    not finished (the kernel finishes it after the replay) */
};

/* How a copy was found (bit set). */
enum {
    LR_SCAN_COPY_SIGNATURE = 1u << 0, /* `name {` / `id = ` / `seqno = ` at a sector start */
    LR_SCAN_COPY_RAW_LOCN = 1u << 1,  /* pointed at by an mda header slot */
    LR_SCAN_COPY_FRAGMENT = 1u << 2,  /* the tail of a copy whose start was overwritten:
                                         text in a ring that no copy covers (always
                                         partial; VG fields unknown, the tail's
                                         description/time/host kept) */
    LR_SCAN_COPY_BACKUP = 1u << 3,    /* an LVM2 backup or archive file (vgcfgbackup,
                                         /etc/lvm/archive files): `# Generated by LVM2
                                         version` at a sector start, its top-level keys,
                                         then the VG section; found in a filesystem
                                         inside an image, or an image that is such a
                                         file (lr_scan_image_t.text_file). Never in a
                                         metadata area; area is -1 and orphan false.
                                         Partial when the text does not parse to its
                                         end (cut short, or the file is fragmented) */
};

/* A piece of a copy's text: len bytes at offset of its image. */
typedef struct lr_scan_piece {
    uint64_t offset, len;
} lr_scan_piece_t;

typedef struct lr_scan_copy {
    int image;
    uint64_t offset; /* first byte of the text */
    uint64_t length; /* raw_locn.size convention: up to and including the NUL
                        (for a copy with no NUL found: the bytes read) */
    uint32_t crc;    /* lr_crc(LR_CRC_INITIAL) over the `length` bytes, both pieces */
    unsigned source; /* LR_SCAN_COPY_* bits */
    int area;        /* area the copy lies in, or -1 (orphan text outside any area) */
    /* A wrapped copy runs from `offset` to the end of its area (first_len
     * bytes) and continues at wrap_offset (= area offset + 512). */
    bool wrapped;
    uint64_t first_len;
    uint64_t wrap_offset; /* LR_SCAN_UNKNOWN unless wrapped */
    /* A backup file btrfs compressed, inline in a tree leaf or in a data
     * extent (lr/btrfs.h): the stored_len bytes at offset decode to the
     * `length` bytes of text. 0 (LR_BTRFS_NONE): the text is at offset as
     * it is. */
    uint8_t btrfs_compression; /* 1 zlib, 2 lzo, 3 zstd (lr_btrfs_compression_name) */
    uint64_t stored_len;
    /* A backup file inline in a btrfs leaf (compressed or not): `length` is
     * its item's size, whatever lies after it. */
    bool btrfs_inline;
    /* A backup file in use in a btrfs, stored plain in data extents or
     * compressed in more than one (more than 128 KiB), read whole through
     * the filesystem's trees (lr/btrfs.h: lr_btrfs_read_file_at): the
     * extent at offset is its first, the rest lie wherever the trees say;
     * `length` is its size and the NUL after it; btrfs_offset the byte of
     * the image the btrfs's device starts at. stored_len: the first
     * extent's when compressed. */
    bool btrfs_file;
    uint64_t btrfs_offset;
    /* a btrfs_file whose first bytes are inline (btrfs_inline: LVM2's
     * first 4 KiB, inlined on a compressed btrfs, the rest in a data
     * extent): the leaf's first byte in the image and the item
     * (lr_btrfs_read_inline_file_at) */
    uint64_t btrfs_leaf;
    uint32_t btrfs_item;
    /* btrfs_file: what the read learnt of its data sectors' checksums
     * (lr/btrfs.h): checked right, none stored, of a type not computed */
    lr_btrfs_sums_t btrfs_sums;
    /* A backup file in use in an ext2/3/4 filesystem, found by its inode
     * (lr/extfs.h): its length and bytes are the file's, wherever its blocks
     * lie (extfs_file). When they do not lie in a row from offset, the text
     * is read through the filesystem: extfs_ino is the file's inode and
     * extfs_offset the byte of the image the filesystem starts at;
     * extfs_ino 0: the text is at offset as it is. */
    bool extfs_file;
    uint32_t extfs_ino;
    uint64_t extfs_offset;
    /* The same for a backup file in use in an XFS (lr/xfs.h), found by its
     * inode in its allocation group's inode B+tree: xfs_file; xfs_ino and
     * xfs_offset when its blocks do not lie in a row from offset. */
    bool xfs_file;
    uint64_t xfs_ino;
    uint64_t xfs_offset;
    /* The filesystem whose records read or judged this backup file (an
     * ext2/3/4 or an XFS) was not unmounted cleanly (mounted when the
     * image was taken, or a crash): fs_log_replayed: an ext3/ext4 whose
     * journal's committed transactions were read in place of their blocks,
     * or an XFS whose log's were replayed in memory, as the kernel mounts
     * it (lr_extfs_replay, lr_xfs_replay); fs_log_pending: its log was not
     * replayed (one that could not be), or only in part (both set: ext4
     * fast commits not replayed, logged copies passed over, their
     * checksums failing, an XFS block-map update logged and not
     * finished), so its records may be older than the log: a file removed
     * or rewritten in the log's last seconds may read as it was
     * (lr_scan_version_log_pending). */
    bool fs_log_replayed;
    bool fs_log_pending;
    uint8_t fs_log_why; /* fs_log_pending: why (LR_SCAN_LOG_*) */
    /* A deleted backup file in an ext3/ext4 filesystem whose inode, as it
     * was while the file lived, the journal still holds (lr_extfs_past_t):
     * its blocks and size are known from that copy: inode extfs_journal_ino
     * of transaction extfs_journal_seq. 0: not known from a journal. */
    uint32_t extfs_journal_ino;
    uint32_t extfs_journal_seq;
    /* The journal may not hold every later claim on its blocks (a later
     * inode whose map it does not hold whole: lr_extfs_past_t.unsure), so
     * its text, read in a row to that size, may hold another file's bytes,
     * as a file's text read on from its first block may
     * (lr_scan_version_from_blocks). */
    bool extfs_journal_unsure;
    /* Such a file whose blocks do not lie in a row, gathered from where
     * its inode's copy says they lie (none given to another file since,
     * none in use now): its text is these pieces in turn (offset: the
     * first's), `length` bytes in all, no NUL. NULL, 0 otherwise. Owned by
     * the scan result. */
    lr_scan_piece_t *pieces;
    uint32_t n_pieces;
    bool committed;            /* at raw_locn slot 0 of its area's header (a header with a bad
                                  checksum counts when the slot's checksum is the copy's and
                                  the copy parses; its flags are not trusted then) */
    bool committed_bad_header; /* committed only per headers whose own checksum fails */
    bool precommitted;         /* at raw_locn slot 1 */
    bool crc_ok;               /* committed/precommitted and the slot's checksum == crc
                                  (false when no slot points at it) */
    bool crc_unknown;          /* a slot points at it, but the bytes the slot covers lie in a
                                  corrupt piece of a compressed image (or the copy is
                                  unreadable): whether the checksum matches is not known
                                  (crc_ok false; shown as neither good nor bad) */
    uint64_t slot_size;        /* size in the slot pointing at it, 0 if none */
    bool partial;              /* start or end overwritten / missing: never offer as complete */
    bool unreadable;           /* its text lies in bytes of a compressed image that a corrupt
                                  piece made unreadable (parse_error names it): partial, and
                                  what a slot says of its checksum is not known */
    bool unsure;               /* its text lies in bytes its image decoded but cannot vouch
                                  for (lr_io_unsure_range: a gzip member or xz/zstd piece
                                  whose check failed) and no slot's checksum matches it: what
                                  it says may not be what was written */
    bool ends_whole;           /* the text ends as every LVM2 write does: a top-level
                                  creation_time line closed by '\n' before the NUL. A copy
                                  no slot points at must, or it is partial (a write cut
                                  short after its VG section) */
    bool orphan;               /* no label or header vouches for it (outside any area, or in
                                  an inferred area) */
    bool parse_ok;             /* the whole text parsed as a VG (lr_vg_parse) */
    char *parse_error;         /* why not, NULL when parse_ok */
    /* Fields from the text (from the parse, else from its first lines). */
    char *vg_name;
    char vg_id[LR_UUID_STR_LEN + 1];    /* as printed in the text (with dashes); may be
                                           malformed */
    char vg_id_raw[LR_PV_UUID_LEN + 1]; /* 32 UUID characters without dashes; "" when the
                                           id is unreadable or not a valid UUID (such a
                                           copy joins no VG) */
    uint64_t seqno;
    int64_t creation_time;      /* 0 when absent */
    char *creation_host;        /* NULL when absent */
    char *description;          /* NULL when absent */
    uint32_t section_crc;       /* lr_crc of the VG section's tokens (comments and layout
                                   whitespace left out), 0 when it did not parse: a backup
                                   file and a ring copy of one version have the same, though
                                   their headers and comments differ */
    uint32_t section_start_crc; /* a backup file's: lr_crc of its VG section's tokens as
                                   far as its text goes (a section not closed runs to the
                                   text's end), section_start_len bytes of them; 0 and 0
                                   when no section opens or the text ends inside its
                                   seqno. A partial one joins the complete version whose
                                   section begins with them */
    size_t section_start_len;
    uint32_t own_len; /* a backup file read on from its first block with no filesystem
                         record of its later blocks (a deleted file's, found by its
                         text): the bytes of that block (the filesystem's block size, 512
                         when no filesystem is known), all its text known to be the
                         file's; 0 for every other copy and a text within one block */
    long n_lvs;       /* visible LVs in the text, like LVM2's lv_count (hidden
                         sub-LVs: RAID/mirror images, thin pool data/metadata,
                         snapshot COWs... are not counted); -1 when it did not parse */
    long n_pvs;       /* PVs in the text, -1 when it did not parse */
    char *pv_ids;     /* their ids as raw UUIDs (LR_PV_UUID_LEN characters each, no dashes),
                         back to back in the text's order and NUL-terminated; NULL when
                         it did not parse. Owned by the scan */
    int vg;           /* index into vgs, -1 when not grouped (no valid id) */
    int version;      /* index into that VG's versions, -1 if none */
} lr_scan_copy_t;

/* A thin pool of a version: LVM2's transaction_id for it next to the one
 * its metadata LV (_tmeta) holds now. LVM2 refuses to activate a pool
 * whose metadata's transaction id differs from the VG's. */
typedef struct lr_scan_thin_lv {
    char *lv;           /* the thin LV */
    uint64_t device_id; /* its device_id in this version's text */
    bool in_metadata;   /* the pool metadata maps that device */
    uint64_t mapped;    /* blocks mapped (when in_metadata) */
    uint64_t highest;   /* highest mapped virtual block (when mapped > 0) */
    uint64_t shared;    /* of its data blocks, those another thin device maps too
                           (UINT64_MAX: not counted, the pool is too large) */
    uint64_t lost;      /* ranges of its mapping lost to damaged nodes */
    /* the pool's device of that id was created after this LV
     * (lr_thin_dev_reused): its id was given to a later thin LV, and what
     * the device maps is not this LV's data */
    bool reused;
    uint64_t created; /* the device's creation transaction (when reused) */
    uint64_t lv_tx;   /* this LV's segment transaction_id (when reused) */
} lr_scan_thin_lv_t;

typedef struct lr_scan_thin_pool {
    char *lv;                     /* the thin-pool LV */
    uint64_t transaction_id;      /* LVM2's, in this version's text */
    bool read;                    /* the pool metadata's superblock was read */
    uint64_t pool_transaction_id; /* the superblock's transaction id (when read) */
    bool mismatch;                /* read, and the two differ but for messages
                                     LVM2 sends at activation (lr_thin_tx_agree) */
    size_t messages;              /* message sections queued in the pool's segment:
                                     with transaction_id one above the metadata's,
                                     sent at the next activation (no mismatch) */
    char *error;                  /* why it was not read; NULL when read */
    uint64_t damaged;             /* damaged metadata nodes found (when read) */
    bool space_read;              /* space maps walked (when read; lr/thin.h) */
    lr_thin_space_t space;        /* the data and metadata space maps: pool usage,
                                     shared blocks, disagreements with the mappings */
    size_t n_thin_lvs;            /* the version's thin LVs in this pool */
    lr_scan_thin_lv_t *thin_lvs;  /* (text order; usage only when read) */
} lr_scan_thin_pool_t;

/* One version of a VG: copies with the same (seqno, crc). Partial copies do
 * not make versions of their own unless nothing else has that seqno. A
 * whole backup file joins the version of a whole ring copy with its seqno
 * and section_crc (else of the first whole backup file with them, else it
 * makes its own); a partial backup file joins the one complete version of
 * its seqno whose VG section begins with its own (section_start_crc), else
 * makes an incomplete version of its own, shared only with identical
 * partial files. */
typedef struct lr_scan_version {
    uint64_t seqno;
    uint32_t crc;
    bool complete;             /* at least one copy is complete and parses */
    bool conflict;             /* another complete version has the same seqno */
    bool committed;            /* some copy is committed in its area */
    bool committed_bad_header; /* committed only per mda headers whose own checksum
                                  fails (lr_scan_copy_t.committed_bad_header) */
    size_t n_backup_copies;    /* of its copies, backup files (LR_SCAN_COPY_BACKUP): merged
                                  with ring copies of the same VG id, seqno and VG section
                                  (section_crc); then `crc` is the ring copy's */
    int64_t creation_time;
    char *creation_host; /* borrowed from a copy (owned by that copy) */
    char *description;   /* borrowed likewise */
    long n_lvs;          /* visible LVs (lr_scan_copy_t.n_lvs of the best copy) */
    size_t n_copies;
    int *copies; /* indexes into copies; the best copy (complete, crc_ok,
                    committed) first */
    /* Thin pools of a complete version (text order), their metadata read
     * through the PVs of the scan (segments on PVs only). */
    size_t n_thin_pools;
    lr_scan_thin_pool_t *thin_pools;
} lr_scan_version_t;

/* How a PV of a VG's latest version was located. */
enum {
    LR_SCAN_PV_MISSING = 0,
    LR_SCAN_PV_LABEL = 1,    /* a label with its UUID */
    LR_SCAN_PV_INFERRED = 2, /* an inferred area attributed to it */
    LR_SCAN_PV_LOCATION = 3, /* no label carries its UUID (label lost, or the disk
                                re-initialised with a new one) but this VG's copies
                                sit in a metadata area of the PV at that place */
    LR_SCAN_PV_RENAMED = 4,  /* no label carries its UUID, given a new one in place
                                (pvchange -u, vgimportclone): the version right after
                                the last one listing it lists, at the same key,
                                device hint, size, data start and extent count
                                (lr_pv_same_in_place), a PV whose label is at that
                                place, and only that one */
};

typedef struct lr_scan_vg_pv {
    char *key;                    /* "pv0" */
    char id[LR_UUID_STR_LEN + 1]; /* printed, as in the text */
    char id_raw[LR_PV_UUID_LEN + 1];
    char *device;             /* device hint from the text, may be NULL */
    uint64_t dev_size;        /* sectors, from the text */
    uint64_t pe_start;        /* sectors */
    int found;                /* LR_SCAN_PV_* */
    int image;                /* -1 when missing */
    uint64_t pv_start;        /* LR_SCAN_UNKNOWN when missing */
    int label;                /* label index, -1 if none */
    int partition;            /* number of the partition holding pv_start, 0 when none is known */
    uint64_t partition_start; /* its first sector; 0 when partition is 0 */
    bool has_seqno;
    uint64_t latest_seqno; /* newest seqno among copies in this PV's areas */
} lr_scan_vg_pv_t;

/* VG status bits; CONSISTENT only when no other bit is set. */
enum {
    LR_SCAN_VG_CONSISTENT = 1u << 0,
    LR_SCAN_VG_STALE_PVS = 1u << 1,       /* a PV's newest copy is older than the VG's */
    LR_SCAN_VG_MISSING_PVS = 1u << 2,     /* named by the latest version, not found */
    LR_SCAN_VG_CONFLICTS = 1u << 3,       /* one seqno with different texts */
    LR_SCAN_VG_ORPHANS = 1u << 4,         /* copies with no label or header */
    LR_SCAN_VG_NO_COMPLETE = 1u << 5,     /* no complete, parseable copy at all */
    LR_SCAN_VG_DAMAGED = 1u << 6,         /* a seqno above the latest complete version was
                                             seen only in damaged or partial copies */
    LR_SCAN_VG_ABANDONED = 1u << 7,       /* "abandoned_versions": a header commits a version
                                             below complete versions no header points at, and
                                             the ring shows a vgcfgrestore (the committed
                                             seqno also has an older, uncommitted text, or
                                             more than one seqno lies above it): LVM2 uses the
                                             committed one; the higher ones were abandoned.
                                             A conflict at the committed seqno is explained by
                                             it and not reported as CONFLICTS */
    LR_SCAN_VG_INTERRUPTED = 1u << 8,     /* "interrupted_write": one complete version, the
                                             committed seqno + 1, that no header points at,
                                             behind a committed one: its text was written and
                                             its header write never happened */
    LR_SCAN_VG_SUPERSEDED = 1u << 9,      /* "superseded": a PV of the latest version now
                                             belongs to another VG, superseded_by names it:
                                             either the PV is found only by location and the
                                             label there belongs to a PV of another VG (the
                                             disk was re-initialised), or the PV is found by
                                             its label and its metadata area commits another
                                             VG's version listing that PV (moved by vgmerge,
                                             vgsplit): superseded_how says which */
    LR_SCAN_VG_HEADER_DAMAGED = 1u << 10, /* "header_damaged": a metadata area on a PV of
                                             the latest version has an mda header with a bad
                                             checksum or inconsistent start/size, or none
                                             at all while its ring still holds copies */
    LR_SCAN_VG_AREA_LOST = 1u << 11,      /* "area_lost": a metadata area a PV's label lists
                                             has no header and no copy left (zeroed,
                                             overwritten, or beyond the image's end) */
    LR_SCAN_VG_IMG_TRUNCATED = 1u << 12,  /* "image_truncated": a PV of the latest version
                                             lies on an image that could not be read to its
                                             end (lr_scan_image_t.truncated) and the PV
                                             (pv_start + dev_size) runs past where reading
                                             stopped: its extents there are missing */
};
#define LR_SCAN_VG_STATUS_LAST LR_SCAN_VG_IMG_TRUNCATED /* the highest status bit */

typedef struct lr_scan_vg {
    char *name; /* from the latest version (names can change) */
    char id[LR_UUID_STR_LEN + 1];
    char id_raw[LR_PV_UUID_LEN + 1];
    uint64_t max_seqno; /* highest seqno of any copy, partial ones included */
    int latest;         /* index into versions of the newest complete version,
                           -1 when none is complete. It may be a version no
                           metadata area committed (a write interrupted between
                           the text and the header): see its `committed` and
                           `committed_latest` below */
    size_t n_versions;
    lr_scan_version_t *versions; /* newest first (seqno descending, then crc) */
    size_t n_pvs;
    lr_scan_vg_pv_t *pvs; /* PVs of the latest version (empty when latest == -1) */
    size_t n_old_pvs;
    lr_scan_vg_pv_t *old_pvs; /* PVs only older versions list, that no label carries
                                 now (the PV left the VG and was re-initialised), each
                                 found by location (LR_SCAN_PV_LOCATION): the metadata
                                 area at that place holds this VG's copies, and every
                                 one of them lists this PV as the one PV no label or
                                 latest PV accounts for (pvcreate leaves the old ring
                                 text in place), or found where the PV that replaced it
                                 in place under a new UUID is (LR_SCAN_PV_RENAMED). Does
                                 not count in `status` */
    unsigned status;          /* LR_SCAN_VG_* bits */
    size_t n_copies;          /* copies of this VG, partial ones included */
    int committed_latest;     /* index into versions of the newest version committed in
                                 some metadata area, -1 when none is; when it differs from
                                 `latest`, the versions before it were written but never
                                 committed (or their headers are lost) */
    int superseded_by;        /* LR_SCAN_VG_SUPERSEDED: index into vgs of the VG whose PV
                                 label now sits where this VG's PV was (re-initialised), or
                                 whose committed version lists this VG's PV (moved); -1
                                 otherwise */
    int superseded_how;       /* LR_SCAN_SUPERSEDED_* when superseded_by >= 0, else 0 */
    int superseded_pv;        /* index into pvs of the PV that now belongs to superseded_by,
                                 -1 when not superseded */
    int superseded_since;     /* index into superseded_by's versions: since when. Re-initialised:
                                 its oldest version found; moved: its oldest version found in
                                 that PV's metadata areas (older ones may have wrapped out of
                                 the ring). -1 when not superseded */
    bool superseded_new_id;   /* superseded_by is this same VG under new UUIDs: its version
                                 at superseded_since is this VG's latest seqno + 1, with as
                                 many PVs and the same LVs by UUID. Moved: vgchange -u;
                                 re-initialised: the PV's UUID changed too (vgimportclone,
                                 or vgchange -u and pvchange -u) */
} lr_scan_vg_t;

/* How a VG was superseded (lr_scan_vg_t.superseded_how). */
enum {
    LR_SCAN_SUPERSEDED_REINIT = 1, /* the disk was re-initialised: a new PV label there */
    LR_SCAN_SUPERSEDED_MOVED = 2,  /* the same PV, its metadata area now commits another VG's
                                      version listing it (vgmerge, vgsplit) */
};

typedef struct lr_scan {
    size_t n_images;
    lr_scan_image_t *images;
    size_t n_labels;
    lr_scan_label_t *labels; /* by image, then offset */
    size_t n_areas;
    lr_scan_area_t *areas; /* by image, then offset */
    size_t n_copies;
    lr_scan_copy_t *copies; /* by image, then offset */
    size_t n_vgs;
    lr_scan_vg_t *vgs; /* by name, then id */
    bool interrupted;  /* the progress callback stopped the scan */
    bool truncated;    /* max_copies was reached; later copies not recorded */
    size_t n_failed;   /* images with `error` set */
} lr_scan_t;

/* The scan session: the result plus the open handles (opaque). */
typedef struct lr_scan_session lr_scan_session_t;

/* ---- entry points ------------------------------------------------------ */

/* Where the readable bytes of an image end: its size, or where reading
 * stopped for an image that could not be read to its end. */
uint64_t lr_scan_image_end(const lr_scan_image_t *im);

/* Whether PV `pv` (of a VG's latest version) runs past the readable end
 * of its truncated image (LR_SCAN_VG_IMG_TRUNCATED). */
bool lr_scan_pv_cut(const lr_scan_t *s, const lr_scan_vg_pv_t *pv);

/* Whether the PV with raw UUID pv_uuid (lr_scan_vg_pv_t.id_raw), which VG
 * vg lists now or listed once, has moved to another VG (vgsplit, vgmerge:
 * LVM2 moves a PV with its UUID and label and reads it as the new VG's).
 * The rule, the one lvmscan's "superseded" (moved) and lvmrepair's refusal
 * to restore such a PV both use: a VG other than vg lists the PV in its
 * latest version, found by its label, and the metadata areas at that
 * label's place commit that VG's version (a committed slot a damaged
 * header vouches for counts, as lr_scan_area_t.committed says), none of
 * them committing a version of vg. A re-initialised disk carries a new PV
 * UUID and is not such a move (LR_SCAN_SUPERSEDED_REINIT).
 * Returns the index into s->vgs of the VG the PV moved to, or -1 when it
 * did not move (also for a NULL s or pv_uuid, or vg out of range). When
 * since is not NULL it gets the index into that VG's versions of its
 * oldest version with a copy in those areas (since when the PV is that
 * VG's; older ones may have wrapped out of the ring), -1 when none or not
 * moved. When partly is not NULL the rule is loosened to "some area
 * commits the other VG's version": an area still committing vg no longer
 * stops the answer but sets *partly (a vgsplit/vgmerge interrupted between
 * the PV's metadata areas). lvmscan asks the strict question (a VG is
 * superseded only by a whole move); lvmrepair asks the loose one, since
 * writing such a PV would take it from a VG that already claims it.
 * Reads s only and allocates nothing; it cannot fail. */
int lr_scan_pv_moved_to(const lr_scan_t *s, size_t vg, const char *pv_uuid, int *since,
                        bool *partly);

/* Scans n images given as open handles (read only through lr_io_pread and
 * lr_io_pread_upto). While the images are streamed, one reader thread the
 * call starts and joins reads them in order, image after image, ahead of
 * the probers (which run in the calling thread, so the result and the
 * progress calls are the same as without it): a handle must not be used by
 * anyone else during the call. Handles opened with LR_IO_LAZY are streamed
 * to their end, which settles their size. The handles stay the caller's and must outlive the
 * session if lr_scan_copy_text / lr_scan_copy_vg are used. opts may be NULL. On success *out is
 * owned by the caller (lr_scan_session_free). A read error fails the whole scan (err names the
 * image), unless LR_SCAN_KEEP_GOING is set: then a read error while streaming an image is recorded
 * in that image and the scan goes on. A gzip handle opened with LR_IO_PARTIAL reports its damage in
 * its image's `error` and `truncated` either way. */
int lr_scan_ios(lr_io_t *const *ios, size_t n, const lr_scan_opts_t *opts, lr_scan_session_t **out,
                lr_error_t *err);

/* Opens each path read-only with lr_io_open_opts and LR_IO_LAZY (raw,
 * block device or .gz; a .gz is checked and indexed by the scan's stream,
 * so it is decompressed once), scans them, and keeps the handles open inside the session until
 * lr_scan_session_free. On success *out is owned by the caller. An unopenable path fails the scan
 * and is named in err; with LR_SCAN_KEEP_GOING it is recorded in its lr_scan_image_t instead
 * (`opened` false, `error`) and the others are scanned, and a damaged gzip
 * image is scanned as far as it decompresses. */
int lr_scan_paths(const char *const *paths, size_t n, const lr_scan_opts_t *opts,
                  lr_scan_session_t **out, lr_error_t *err);

/* The session's result, valid (and unchanged) until lr_scan_session_free;
 * NULL for a NULL session. */
const lr_scan_t *lr_scan_result(const lr_scan_session_t *session);

/* Frees the session and its result, closing the handles lr_scan_paths
 * opened (those given to lr_scan_ios stay open: they are the caller's).
 * NULL is accepted. */
void lr_scan_session_free(lr_scan_session_t *session);

/* Reads the text of copy `copy` again from its image, both pieces of a
 * wrapped copy joined: *text is malloc'd (caller frees), `length` bytes
 * (NUL included) plus a terminating NUL so it is always a C string; *len
 * receives length (may be NULL). LR_ECHECKSUM (text still returned) when the
 * bytes no longer have the recorded crc. */
int lr_scan_copy_text(const lr_scan_session_t *session, size_t copy, char **text, uint64_t *len,
                      lr_error_t *err);

/* Reads and parses the copy (lr_vg_parse); *out owned by the caller (lr_vg_free). */
int lr_scan_copy_vg(const lr_scan_session_t *session, size_t copy, lr_vg_t **out, lr_error_t *err);

/* The best copy of a version (complete, checksum confirmed, committed first),
 * or -1 when it has only partial copies. */
int lr_scan_version_copy(const lr_scan_t *scan, size_t vg, size_t version);

/* Whether every copy of the version is an LVM2 backup/archive file found
 * inside an image (none a file given whole, lr_scan_image_t.text_file, none
 * one whose btrfs item or compressed extent gives its length,
 * btrfs_inline or btrfs_compression, none
 * a file read by its ext filesystem's or XFS's inode, extfs_file or
 * xfs_file, or by its inode
 * as the journal holds it, extfs_journal_ino, unless the journal may miss
 * a later claim on its blocks, extfs_journal_unsure, and none a ring
 * copy): its text was read on from the file's first block as
 * if the file's blocks were contiguous, which a deleted file's may no
 * longer be (docs/limits.md). false for an index out of range. */
bool lr_scan_version_from_blocks(const lr_scan_t *scan, size_t vg, size_t version);

/* Whether every copy of the version is an LVM2 backup/archive file found
 * inside an image, none read whole or by records that vouch for it
 * (lr_scan_version_from_blocks) but through a filesystem whose log was
 * not replayed (fs_log_pending), and one at least so: its records may be
 * older than the log. false for an index out of range. */
bool lr_scan_version_log_pending(const lr_scan_t *scan, size_t vg, size_t version);

/* Whether every copy of the version was read from bytes its image decoded
 * but cannot vouch for (lr_scan_copy_t.unsure): its text may not be what
 * LVM2 wrote. false for an index out of range or a version with no copy. */
bool lr_scan_version_unsure(const lr_scan_t *scan, size_t vg, size_t version);

/* The version's text as LVM2 reads it: the best copy's bytes up to their
 * NUL (a backup file's put in ring order, lr_scan_ring_order). *text is malloc'd (caller frees),
 * NUL-terminated; *len (may be NULL) excludes the NUL. LR_ERANGE for a bad vg/version index,
 * LR_EREFUSED when the version has only partial copies, LR_ECHECKSUM when the image no longer holds
 * the scanned bytes (*text is then NULL). */
int lr_scan_version_text(const lr_scan_session_t *session, size_t vg, size_t version, char **text,
                         size_t *len, lr_error_t *err);

/* Puts an LVM2 backup file's text (top-level keys, then the VG section) in
 * the form a metadata area holds it: the VG section first (LVM2's label
 * scan takes the VG name from a copy's first line and rejects any other
 * text), without the indentation and comments a file has in it (pvck's
 * search needs `id = ` at a line start), then the top-level lines as they
 * were. *text (malloc'd, NUL-terminated, *len bytes before the NUL) is
 * replaced by a new malloc'd text; a text that already starts with its VG
 * section is left as it is. LR_EFORMAT when there is no VG
 * section (*text unchanged), -EINVAL, -ENOMEM. */
int lr_scan_ring_order(char **text, size_t *len, lr_error_t *err);

/* The version's best copy parsed as a typed view; *out owned by the caller
 * (lr_vg_free). Same errors as lr_scan_version_text, plus lr_vg_parse's. */
int lr_scan_version_vg(const lr_scan_session_t *session, size_t vg, size_t version, lr_vg_t **out,
                       lr_error_t *err);

/* VGs whose name or UUID (printed or raw) equals key: fills up to max
 * indexes into idx and returns how many match in all. */
size_t lr_scan_find_vgs(const lr_scan_t *scan, const char *key, int *idx, size_t max);

/* Versions of VG vg with this seqno (several when in conflict): fills up to
 * max version indexes and returns how many match in all. */
size_t lr_scan_find_versions(const lr_scan_t *scan, size_t vg, uint64_t seqno, int *idx,
                             size_t max);

/* ---- choosing one version ------------------------------------------------ */

/* What a user names: a VG and a version of it. */
typedef struct lr_scan_pick {
    const char *vg; /* VG name or UUID (printed or raw); NULL: any VG */
    bool has_seqno; /* false: the current version of each VG (lr_scan_vg_current) */
    uint64_t seqno;
    bool has_crc; /* chooses among versions with one seqno (conflicting texts) */
    uint32_t crc;
} lr_scan_pick_t;

/* The version a command naming no version means, the one LVM2 uses: the
 * newest version a metadata area header commits, when it is complete
 * (complete versions above it were abandoned by a vgcfgrestore,
 * LR_SCAN_VG_ABANDONED, or never committed, LR_SCAN_VG_INTERRUPTED);
 * else `latest`, the newest complete version (no header commits one: lost
 * or damaged headers). The evidence's `current` is this version. An index
 * into g->versions, -1 when there is none. */
int lr_scan_vg_current(const lr_scan_vg_t *g);

/* Parses the version key users write, "seqno=N" or "seqno=N:crc=0xCRC"
 * (the crc in hex, "0x" optional, at most 8 digits), into pick's has_seqno,
 * seqno, has_crc and crc (pick->vg is left alone). -EINVAL when s is not
 * such a key; pick is then unchanged. */
int lr_scan_pick_parse(const char *s, lr_scan_pick_t *pick);

/* A seqno alone: "N" or "seqno=N", decimal. -EINVAL otherwise. */
int lr_scan_seqno_parse(const char *s, uint64_t *seqno);

/* A checksum alone: hex, "0x" optional, at most 8 digits. -EINVAL otherwise. */
int lr_scan_crc_parse(const char *s, uint32_t *crc);

/* A version the pick matches: indexes into scan->vgs and its versions. */
typedef struct lr_scan_candidate {
    int vg;
    int version;
} lr_scan_candidate_t;

typedef struct lr_scan_selection {
    int vg, version;        /* the version chosen; -1 when none was */
    size_t n;               /* versions the pick matches, complete or not */
    lr_scan_candidate_t *c; /* them, by VG then newest first; owned by the
                               selection (lr_scan_selection_free) */
} lr_scan_selection_t;

/* The one version chooser (restore, diff, export, extract and the programs
 * use it): finds the version pick names. It is the one complete version
 * among the matching ones; partial ones never count. On success sel->vg and
 * sel->version name it (a complete copy exists: lr_scan_version_copy).
 * Fails with
 *   LR_ENOTFOUND  no VG has that name or UUID, or no version matches (the
 *                 message lists the VGs or the seqnos there are);
 *   LR_EREFUSED   several complete versions match: err->hints has
 *                 LR_HINT_CHOOSE_VG (they are in several VGs) and/or
 *                 LR_HINT_CHOOSE_CRC (a VG has several with that seqno),
 *                 and sel->c lists every candidate for the program to
 *                 print; or only partial copies of the version survive
 *                 (no hint: nothing would help);
 *   -ENOMEM.
 * sel is filled in every case (empty unless LR_EREFUSED or success) and is
 * the caller's to free (lr_scan_selection_free). */
int lr_scan_select(const lr_scan_t *scan, const lr_scan_pick_t *pick, lr_scan_selection_t *sel,
                   lr_error_t *err);

/* lr_scan_select for callers that need no candidate list: *vg and
 * *version (either may be NULL) receive the version chosen, or -1. */
int lr_scan_select_one(const lr_scan_t *scan, const lr_scan_pick_t *pick, int *vg, int *version,
                       lr_error_t *err);

/* Frees the candidate list and empties sel. NULL is accepted. */
void lr_scan_selection_free(lr_scan_selection_t *sel);

/* Where the PV with raw UUID pv_raw of the VG with raw UUID vg_raw is:
 * the scan's PV list of that VG first (it knows inferred and relocated
 * PVs), then any label carrying the UUID (a valid one before one that only
 * parsed), then the VG's old_pvs (a PV of older versions found by the
 * place of the metadata area holding their copies, or renamed in place). Fills *image and *pv_start
 * and returns true, or returns false when no image holds it. */
bool lr_scan_locate_pv(const lr_scan_t *scan, const char *vg_raw, const char *pv_raw, int *image,
                       uint64_t *pv_start);

/* Index of the area at (image, absolute offset), or -1. */
int lr_scan_find_area(const lr_scan_t *scan, int image, uint64_t offset);

/* The partition of image `image` (from its probed table) whose sectors hold
 * byte `offset`, or NULL (no table, no libblkid, or outside every
 * partition). Points into the scan; valid while it lives. */
const lr_scan_partition_t *lr_scan_partition_of(const lr_scan_t *scan, int image, uint64_t offset);

/* Static names for reports and JSON. */
const char *lr_scan_source_name(unsigned source_bit); /* "label", "magic", "inferred" */
const char *
lr_scan_vg_status_name(unsigned status_bit);  /* "consistent", "stale_pvs", ...,
                                                 "abandoned_versions", "interrupted_write" */
const char *lr_scan_pv_found_name(int found); /* "missing", "label", ... */

/* The optional libraries a scan reads with: the core's (lr_io_library),
 * then libblkid (partition tables, what an LV holds). Their names, those
 * this build has (built true) or lacks, space-separated into buf
 * (NUL-terminated; cut at a name's end to fit n, n > 0); "" when none. */
void lr_scan_libraries(bool built, char *buf, size_t n);

#endif
