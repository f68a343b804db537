/* lvmrescue core: XFS filesystems in an image, read through their own
 * records (superblock, each allocation group's inode and free-space
 * B+trees, inodes and their block maps), never written.
 *
 * The scanner finds LVM2 backup and archive files by their first line at a
 * block start and reads on from there; only the filesystem knows where a
 * file's later blocks are and how long it is. An XFS inode's data fork
 * says it (a list of extents in the inode, or a B+tree of them), and each
 * allocation group's inode B+tree says which inodes are in use. No
 * packaged library gives a block's owner (libfsxfs reads files by path or
 * inode number, not their extents), so the records are decoded here,
 * field by field with bounds checks, from the kernel's
 * fs/xfs/libxfs/xfs_format.h. Version 4 and 5 filesystems (v5: every
 * record's CRC-32C checked; a record whose checksum fails is not used).
 *
 * The filesystem is read where its superblock was found, contiguous from
 * there (as lr/extfs.h). Block numbers here are linear: the filesystem's
 * byte offset divided by its block size (XFS's own block numbers put the
 * allocation group in their high bits; they are converted here). */
#ifndef LR_XFS_H
#define LR_XFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

/* The superblock's magic, at the filesystem's first byte. */
#define LR_XFS_MAGIC "XFSB"

typedef struct lr_xfs lr_xfs_t;

/* Whether p (avail bytes from a superblock's first byte) is an XFS
 * superblock whose geometry holds together: version 4 or 5, block size 512
 * to 64 KiB, sector and inode sizes XFS allows, the allocation groups'
 * size and count matching the filesystem's blocks and agblklog. Its
 * checksum is not checked here (lr_xfs_open does). *block_size and *size
 * (each may be NULL): the block size, the filesystem's bytes. A secondary
 * superblock (at each allocation group's start) reads the same. Pure
 * decoding; never reads past p + avail. */
bool lr_xfs_superblock(const uint8_t *p, size_t avail, uint32_t *block_size, uint64_t *size);

/* The allocation group whose superblock p is (every group starts with a
 * copy of the primary's), by the AGF header in the sector after it (its
 * magic and agf_seqno): true with *group when avail bytes from p hold that
 * header and it reads as one; false when that is not known. Pure
 * decoding; p must be a superblock (lr_xfs_superblock). */
bool lr_xfs_superblock_group(const uint8_t *p, size_t avail, uint32_t *group);

/* Opens the XFS whose superblock lies at byte offset of io (borrowed: it
 * must outlive the handle). Returns 0 with *out (free with lr_xfs_free),
 * LR_EFORMAT when the superblock is not one (lr_xfs_superblock) or the
 * filesystem uses what this reader does not know (an incompatible feature
 * bit it does not know, a realtime device's files are never asked for),
 * LR_ECHECKSUM when a v5 superblock's checksum fails, an I/O error when
 * it does not read, -ENOMEM. */
int lr_xfs_open(lr_io_t *io, uint64_t offset, lr_xfs_t **out, lr_error_t *err);

/* Frees fs (NULL: nothing). */
void lr_xfs_free(lr_xfs_t *fs);

/* The block size in bytes, and the filesystem's size in bytes. */
uint32_t lr_xfs_block_size(const lr_xfs_t *fs);
uint64_t lr_xfs_size(const lr_xfs_t *fs);

/* A regular file in use whose data starts at a block asked for. */
typedef struct lr_xfs_file {
    uint64_t ino;  /* 0: no file in use starts at that block */
    uint64_t size; /* its size in bytes */
} lr_xfs_file_t;

/* For each of the n linear blocks (ascending), the regular file in use
 * (its inode in an inode B+tree record that says so, a link count not 0,
 * its checksum good) whose file offset 0 is mapped to it, of at most
 * max_size bytes, into files[i]; files[i].ino 0 when none. Every
 * allocation group's inode B+tree is walked and each chunk with inodes
 * in use read once; a file whose inode or block map is not what XFS
 * writes or fails its checksum is passed over (not known: as lr/extfs.h).
 * *budget: the bytes the walk may read (B+tree blocks, inodes, block-map
 * blocks), less what it read. Returns 0 when every inode in use was seen;
 * LR_ELIMIT when the budget ran out, LR_EFORMAT or LR_ECHECKSUM when an
 * allocation group's header or an inode B+tree block is not what XFS
 * writes or fails its checksum, an I/O error when one does not read
 * (files[] then holds what was seen: a file in use may be missing);
 * LR_ERANGE when blocks is not ascending, -ENOMEM. */
int lr_xfs_files_at(lr_xfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                    lr_xfs_file_t *files, uint64_t *budget, lr_error_t *err);

/* Reads the first len bytes (at most its size) of the regular file of
 * inode ino into buf through its block map (holes and unwritten extents
 * read as zeros); *got: the bytes read (the file's size when len is
 * enough). Returns 0, LR_EFORMAT when its inode or block map is not what
 * XFS writes (not a regular file, extents out of order or past the
 * filesystem, a map deeper than XFS makes), LR_ECHECKSUM when one fails
 * its checksum, LR_ELIMIT for a map of more than 1M extents, an I/O
 * error, -ENOMEM. */
int lr_xfs_read(lr_xfs_t *fs, uint64_t ino, void *buf, size_t len, size_t *got, lr_error_t *err);

/* Whether linear block `block` is in use (1) or free (0), by its
 * allocation group's free-space B+tree (by block number). LR_ERANGE for a
 * block past the filesystem, LR_EFORMAT or LR_ECHECKSUM when the header
 * or a B+tree block is not what XFS writes or fails its checksum (not
 * known), an I/O error. */
int lr_xfs_block_used(lr_xfs_t *fs, uint64_t block, lr_error_t *err);

/* What the filesystem's internal log says of its last unmount. XFS
 * writes every metadata change to its log first and to its place later;
 * a clean unmount writes everything back and ends the log with an
 * unmount record. A filesystem not cleanly unmounted (an image of a
 * running system, a crash, a shutdown) has records after the last unmount
 * record that the kernel replays at mount: the inodes and B+trees read
 * here (lr_xfs_files_at, lr_xfs_read, lr_xfs_block_used) may lag them
 * until lr_xfs_replay replays them in memory. */
enum {
    LR_XFS_LOG_CLEAN = 0,   /* its last record is an unmount record: nothing to replay */
    LR_XFS_LOG_DIRTY = 1,   /* its last record is not one: the kernel would replay the log */
    LR_XFS_LOG_UNKNOWN = 2, /* an external log, or one not read as XFS writes it */
    /* its last record is not one, but every transaction from its tail to
     * its head logs only the superblock: a covered log (an XFS frozen, as
     * an LVM snapshot of a mounted XFS is, or idle while mounted): the
     * kernel would replay it, and nothing but the superblock would change */
    LR_XFS_LOG_COVERED = 3,
    /* it was dirty, and its committed transactions were replayed in memory
     * (lr_xfs_replay): the files read as the kernel would mount them */
    LR_XFS_LOG_REPLAYED = 4,
};

typedef struct lr_xfs_log {
    int state; /* LR_XFS_LOG_* */
    /* basic blocks (512 bytes) from the log's start, as xfs_logprint's
     * "log tail: T head: H": the head (where the next record would be
     * written) and the tail (the oldest record still needed: the head for
     * a clean log, else the last record's h_tail_lsn); UINT64_MAX when
     * not found */
    uint64_t head, tail;
    uint64_t record; /* the last record's header before the head (UINT64_MAX: none) */
    uint32_t cycle;  /* that record's cycle (0: none) */
    const char *why; /* static text: why DIRTY or UNKNOWN; NULL when CLEAN or COVERED */
    /* what lr_xfs_replay did (0 otherwise) */
    uint64_t transactions; /* committed transactions replayed */
    uint64_t items;        /* buffers, inodes and inode chunks written in memory */
    uint64_t skipped;      /* items passed over as the kernel does: a buffer cancelled
                              later in the log, a block or inode newer than the item,
                              quota records */
    uint64_t sectors;      /* 512-byte sectors the replay holds changed */
    /* intents logged and not finished (no done item): work the kernel does
     * after the replay; maps_unfinished: one of them changes a file's block
     * map (a block-map update, a mapping exchange), so a file's blocks
     * may be read as they were before it */
    uint32_t unfinished;
    bool maps_unfinished;
    bool torn; /* a torn record near the head: replayed up to it, as the kernel does */
} lr_xfs_log_t;

/* Finds the internal log's head and its last record as the kernel does
 * at mount (fs/xfs/xfs_log_recover.c: xlog_find_head, xlog_find_tail,
 * xlog_check_unmount_rec): the head where the basic blocks' cycle
 * numbers drop (a binary search, then the last 2 MiB before it checked
 * for an older cycle, and the head moved back over a record not written
 * whole), the last record header before it, and whether that record
 * ends at the head and holds one operation, an unmount. *log: what was
 * found. CLEAN only when all of it reads as XFS writes it (the record's
 * version, length, filesystem uuid, its own cycle and block in h_lsn,
 * every block of it stamped with its cycle, the operation the log's own);
 * anything else is UNKNOWN: an external log, a log outside the filesystem or
 * larger than 4 GiB, a log all zeros (never written by Linux: mkfs writes
 * an unmount record; the kernel would find nothing to replay), a head
 * with no record header before it within a record's length. DIRTY when
 * the last record is whole and not an unmount record ending at the head
 * (a last record whose blocks all carry its cycle but whose bytes were
 * torn reads as DIRTY: the kernel's v5 CRC check, which would cut it off
 * and look at the record before, is not done). A DIRTY log whose records
 * from the last record's tail (at most 8 records before the head) read
 * whole as the kernel's recovery reads them (all of the tail record's
 * geometry, h_size; each record's header as above with this filesystem's
 * uuid, its blocks of its cycle, its CRC-32C as xlog_cksum computes it on
 * 64-bit hosts, 0 only without the CRC feature) and whose every transaction
 * (fs/xfs/xfs_log_recover.c's grouping of operations by transaction id;
 * empty ones and those of transactions begun before the tail skipped, as
 * the kernel does) commits whole items, one at least, each the superblock's
 * buffer (XFS_LI_BUF at disk address 0, one sector, its data map's runs the
 * regions) whose bytes are the superblock in place but for the free counts,
 * sb_lsn and sb_crc, is COVERED; a region spanning two records, or anything
 * else, leaves it DIRTY, why saying what. Reads at most about 5 MiB of the
 * log (v1 logs: 700 KiB) and the superblock's sector. Returns 0 (whatever
 * the state), or an I/O error (state UNKNOWN), -ENOMEM. */
int lr_xfs_log(lr_xfs_t *fs, lr_xfs_log_t *log, lr_error_t *err);

/* As lr_xfs_log, and when the log is DIRTY, replays its committed
 * transactions in memory as the kernel's recovery does at mount
 * (fs/xfs/xfs_log_recover.c: two passes from the tail to the head, the
 * first gathering cancelled buffers; each committed transaction's items
 * in xlog_recover_reorder_trans's order): buffers (their data maps'
 * chunks; an inode buffer's unlinked pointers; passed over when
 * cancelled later in the log or, v5, when the block on disk records an
 * LSN at or past the transaction's, the blocks stamped with it and their
 * CRC-32C made anew as the kernel writes them), inodes (the logged core,
 * host-ordered, to the disk's form; the data and attribute forks; a
 * B+tree root converted; passed over when the inode on disk is newer),
 * new inode chunks (initialised), intents matched with their done items.
 * Every later read through fs (lr_xfs_files_at, lr_xfs_read,
 * lr_xfs_block_used) sees the replayed sectors; the image is never
 * written. log->state REPLAYED then, with the counts above; DIRTY (why
 * says what, nothing replayed: reads see the image as it lies) when the
 * log holds what this replay does not do as the kernel does: an item of
 * a type it does not know, a region or item not whole, an inode or
 * cluster the kernel's checks refuse (a replayed inode or v5 block
 * failing xfs_dinode_verify or its write verifier: core/src/xfs_verify.c;
 * an intent of another size than its kind's), a block-map owner change
 * (xfs_fsr), a superblock whose geometry the log changes (growfs), a
 * record failing its CRC other than a torn one among the last 8 before
 * the head whose predecessor names the same tail (the kernel then
 * replays up to it: torn), more than XF_OVERLAY_MAX sectors (16 MiB)
 * changed or 12 MiB of transactions open at once. Called again, it
 * returns what the first call found. Returns 0 (whatever the state), an
 * I/O error (the log or a block it names does not read: DIRTY, or UNKNOWN
 * as lr_xfs_log says, nothing replayed), -ENOMEM. */
int lr_xfs_replay(lr_xfs_t *fs, lr_xfs_log_t *log, lr_error_t *err);

/* Whether the filesystem's internal log is clean (its last record is an
 * unmount record: nothing to replay): *state LR_XFS_LOG_CLEAN, _DIRTY,
 * _UNKNOWN or _COVERED, as lr_xfs_log. Returns 0, an I/O error, -ENOMEM. */
int lr_xfs_log_state(lr_xfs_t *fs, int *state, lr_error_t *err);

#endif
