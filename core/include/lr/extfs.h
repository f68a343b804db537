/* lvmrescue core: the ext2, ext3 and ext4 filesystems in an image, read
 * through their own records with libext2fs (e2fsprogs), never written.
 *
 * The scanner finds LVM2 backup and archive files by their first line at a
 * block start and reads on from there; only the filesystem knows where a
 * file's later blocks are and how long it is. With libext2fs an ext
 * filesystem's inodes say which file starts at a block (read then by its
 * extents, its exact size), and its block bitmaps say which blocks are in
 * use now: a deleted file's text read on from its first block stops being
 * its own where a block in use by another file begins. A file stored in
 * its inode (inline_data) starts at no block: an inode scan finds it.
 *
 * The filesystem is read where its superblock was found, contiguous from
 * there: one in a linear LV on one PV, or in a partition or a whole image
 * (a filesystem whose LV has several segments reads foreign bytes past
 * the first; checksums, where the filesystem has them, catch that). */
#ifndef LR_EXTFS_H
#define LR_EXTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

/* Where the primary superblock lies from the filesystem's first byte. */
#define LR_EXTFS_SUPERBLOCK 1024u
/* Where its magic (le16 0xEF53) lies within the superblock. */
#define LR_EXTFS_MAGIC_AT 0x38u

typedef struct lr_extfs lr_extfs_t;

/* Whether p (avail bytes from a superblock's first byte) is a primary
 * superblock (a backup one names its group): magic, a block size of 1 to
 * 64 KiB, a size in blocks not 0 whose bytes do not overflow. *block_size
 * and *size (each may be NULL): the block size, the filesystem's bytes.
 * Pure decoding (lr_fs_size's rule for ext); never reads past p + avail. */
bool lr_extfs_superblock(const uint8_t *p, size_t avail, uint32_t *block_size, uint64_t *size);

/* Whether this build reads ext filesystems (with libext2fs). */
bool lr_extfs_available(void);

/* The most group descriptors' bytes an open holds in memory (libext2fs
 * reads the whole table): 16 MiB, a filesystem of 32 TiB in 4 KiB blocks. */
#define LR_EXTFS_MAX_GDT (16u << 20)

/* Opens, read only, the filesystem whose first byte is at `offset` of io
 * (borrowed: it must outlive the handle), its journal's committed
 * transactions replayed in memory when it needs recovery
 * (lr_extfs_replay below; a journal that cannot be replayed leaves the
 * filesystem as it lies, and says why). Checksum errors in its
 * metadata do not stop the open; they make the records they guard
 * unknown (see below). Returns 0 with *out (free with lr_extfs_free),
 * -ENOTSUP in a build without libext2fs, LR_EFORMAT when libext2fs does
 * not open it (the message says why), LR_ELIMIT when its group
 * descriptors take more than max_gdt bytes (LR_EXTFS_MAX_GDT at most:
 * checked before they are read), an I/O error when its
 * superblock does not read, -ENOMEM. */
int lr_extfs_open(lr_io_t *io, uint64_t offset, uint64_t max_gdt, lr_extfs_t **out,
                  lr_error_t *err);

/* What lr_extfs_open did with the filesystem's journal. A filesystem
 * mounted when it was imaged (or never unmounted: a crash) says so
 * (needs_recovery): transactions its jbd2 journal committed may not have
 * reached their blocks yet, and its inodes, bitmaps and directories as
 * they lie are older than the filesystem the kernel would mount. The open
 * then reads the journal's live log as the kernel's recovery does (its
 * committed transactions in order; a block revoked, or a copy whose
 * checksum fails, not taken) and every later read of fs takes those
 * blocks from the journal. Nothing is written. */
typedef enum lr_extfs_log {
    LR_EXTFS_LOG_CLEAN,    /* nothing to replay: unmounted cleanly, or no journal */
    LR_EXTFS_LOG_REPLAYED, /* committed transactions read in place of their blocks */
    LR_EXTFS_LOG_PENDING   /* it needs recovery that was not done (why): its
                              records as they lie may be older than its log */
} lr_extfs_log_t;

typedef enum lr_extfs_log_why {
    LR_EXTFS_WHY_NONE,
    LR_EXTFS_WHY_EXTERNAL,    /* the journal is on another device */
    LR_EXTFS_WHY_UNREADABLE,  /* the journal does not read as jbd2 */
    LR_EXTFS_WHY_LIMIT,       /* its live log holds more blocks than a replay keeps */
    LR_EXTFS_WHY_REOPEN,      /* the filesystem does not open with its log replayed */
    LR_EXTFS_WHY_FAST_COMMIT, /* replayed to its last full commit; ext4's fast
                                 commits after it (fast_commit) are not */
    LR_EXTFS_WHY_CORRUPT      /* a transaction's block fails its checksum: the
                                 ones before it replayed (the kernel refuses) */
} lr_extfs_log_why_t;

typedef struct lr_extfs_replay {
    lr_extfs_log_t state;
    lr_extfs_log_why_t why; /* PENDING: why */
    uint32_t first_seq;     /* REPLAYED: the first transaction replayed, */
    uint32_t n_trans;       /* how many (committed, in a row), */
    uint64_t blocks;        /* the filesystem's blocks read from the journal */
    uint64_t bad;           /* logged copies passed over: their checksum fails
                               (an older copy, or the block as it lies, is read) */
    bool fast_commits;      /* ext4's fast commits follow the last full one
                               (then PENDING, why LR_EXTFS_WHY_FAST_COMMIT) */
    bool corrupt;           /* the log stops at a block of the next transaction
                               whose checksum fails (then PENDING, why
                               LR_EXTFS_WHY_CORRUPT: the kernel refuses it; the
                               transactions before it are replayed) */
} lr_extfs_replay_t;

/* The most logged blocks a replay keeps (LR_EXTFS_WHY_LIMIT past it). */
#define LR_EXTFS_REPLAY_MAX (1u << 18)

/* What the open did with fs's journal (above); pure. */
lr_extfs_replay_t lr_extfs_replay(const lr_extfs_t *fs);

/* Frees fs (NULL is fine); io is not closed. */
void lr_extfs_free(lr_extfs_t *fs);

/* The filesystem's block size in bytes, and its size in bytes. */
uint32_t lr_extfs_block_size(const lr_extfs_t *fs);
uint64_t lr_extfs_size(const lr_extfs_t *fs);

/* A regular file in use whose data starts at a block asked for. */
typedef struct lr_extfs_file {
    uint32_t ino;  /* 0: no file in use starts at that block */
    uint64_t size; /* its size in bytes */
} lr_extfs_file_t;

/* The bytes of group descriptors fs holds in memory. */
uint64_t lr_extfs_held(const lr_extfs_t *fs);

/* For each of blocks[0..n) (ascending, block numbers of fs), the regular
 * file in use (linked, its inode's checksum good) whose first block
 * (logical block 0) it is, of at most max_size bytes, into files[i]; an
 * inode scan of the groups that have inodes in use (an inode whose
 * checksum fails is passed over). *budget: the inode bytes the scan may
 * read, less what it read. Returns 0 when every inode in use was seen;
 * LR_ELIMIT when the budget ran out, LR_EFORMAT when an inode table or
 * group descriptor does not read (files[] then holds what was seen: a
 * file in use may be missing); LR_ERANGE when blocks is not ascending,
 * -ENOMEM, -ENOTSUP without libext2fs. */
int lr_extfs_files_at(lr_extfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                      lr_extfs_file_t *files, uint64_t *budget, lr_error_t *err);

/* Whether p (a primary superblock, lr_extfs_superblock) says the
 * filesystem may store files inline in their inodes (inline_data). */
bool lr_extfs_superblock_inline(const uint8_t *p, size_t avail);

/* A regular file in use stored inline in its inode (inline_data). */
typedef struct lr_extfs_inline {
    uint32_t ino;
    uint64_t size;
    uint64_t at; /* the byte of the filesystem where its inode's first data
                    bytes (i_block) lie */
} lr_extfs_inline_t;

/* The regular files in use stored inline in their inodes whose first bytes
 * are prefix[0..plen) (plen at most 60: what the inode's block map holds),
 * of at most max_size bytes, in inode order: *out (malloc'd, the caller
 * frees it; NULL when none), *n. An inode scan, as lr_extfs_files_at (its
 * budget and its failures: LR_ELIMIT and LR_EFORMAT still give the files
 * seen); a filesystem without inline_data has none (no scan). Returns 0,
 * LR_ERANGE for plen over 60, -ENOMEM, -ENOTSUP without libext2fs. */
int lr_extfs_inline_files(lr_extfs_t *fs, const char *prefix, size_t plen, uint64_t max_size,
                          uint64_t *budget, lr_extfs_inline_t **out, size_t *n, lr_error_t *err);

/* Reads up to len bytes of file ino from its start into buf, following its
 * extents (holes read as zeros); *got: the bytes read (the file's size
 * when len is enough). Returns 0, LR_EFORMAT when its records do not read
 * (the message says why), -ENOTSUP without libext2fs. */
int lr_extfs_read(lr_extfs_t *fs, uint32_t ino, void *buf, size_t len, size_t *got,
                  lr_error_t *err);

/* Whether block is in use now, by its group's block bitmap: 1 in use, 0
 * free (a group whose bitmap was never written holds only free blocks),
 * LR_ECHECKSUM when the bitmap's checksum fails (not known), LR_ERANGE
 * for a block past the filesystem, LR_EFORMAT when the bitmap does not
 * read. The last group's bitmap read is kept. */
int lr_extfs_block_used(lr_extfs_t *fs, uint64_t block, lr_error_t *err);

/* What the filesystem's jbd2 journal remembers of a file that once
 * started at a block: ext3 and ext4 log every inode table block they
 * change, and the old transactions stay in the journal's blocks until new
 * ones wrap over them, so a deleted file's inode (whose block map the
 * kernel clears) may still be read as it was while the file lived. */
/* len blocks of a file from its block `logical`, at block phys of the
 * filesystem (0: a hole, or not written: zeros, not the file's bytes). */
typedef struct lr_extfs_run {
    uint64_t logical, len, phys;
} lr_extfs_run_t;

/* The most pieces of a block map a record keeps (pieces in a row joined):
 * a file in more is known up to its 12th piece (in_row and reused then
 * count within those). */
#define LR_EXTFS_PAST_RUNS 12

typedef struct lr_extfs_past {
    uint32_t ino;    /* 0: no copy in the journal names a file starting there */
    uint32_t seq;    /* the transaction of the latest copy that does */
    uint64_t size;   /* the file's size in that copy */
    uint64_t blocks; /* the blocks its size takes */
    lr_extfs_run_t run[LR_EXTFS_PAST_RUNS]; /* its map, by logical block */
    uint32_t n_runs;
    uint64_t in_row; /* of its blocks, how many lie in a row from the first */
    uint64_t next;   /* in_row < blocks: the block (of the filesystem) its
                        next one lay at; 0 when a hole or not known */
    uint64_t reused; /* the first of its blocks (0 is the first) a later
                        copy of another file's inode in the journal claims;
                        `blocks` when none does */
    uint32_t by;     /* reused < blocks: that file's inode */
    uint32_t by_seq; /* and the transaction of its copy */
    bool unsure;     /* a later copy of an inode whose blocks it does not
                        hold (an extent tree of its own): a later claim
                        on this file's blocks may not be seen */
} lr_extfs_past_t;

/* For each of blocks[0..n) (ascending, block numbers of fs), what the
 * journal's copies of inode table blocks say of the regular file whose
 * first block it was: past[i] (ino 0 when none says). Every journal block
 * is read once for its header; a descriptor's copies count only when the
 * blocks it names hold no journal header (not written over since) and a
 * commit block of its transaction is in the journal. The file's block
 * map is read from extents in the inode, a depth-1 tree's leaves or
 * ext3's 12 direct blocks and single indirect block (those blocks from
 * the journal's latest copy of them at or before that transaction): a
 * file whose map needs more (a deeper tree, a double indirect block, a
 * map block the journal holds no copy of) is not known, and its older
 * copies are not used either.
 * The latest copy (by transaction) naming a block first wins; a later
 * copy of any other file's inode claiming one of its blocks makes
 * `reused` (a copy whose map its inode does not hold: `unsure`).
 * max_size: larger files are passed over. *budget: the bytes
 * of journal the reading may take, less what it took. Returns 0 (also
 * for a filesystem with no journal, or an external one: all unknown),
 * LR_ELIMIT when the budget runs out, LR_EFORMAT when the journal's
 * superblock or blocks do not read (past[] then all unknown),
 * LR_ERANGE when blocks is not ascending, -ENOMEM, -ENOTSUP without
 * libext2fs. Reads only. */
int lr_extfs_journal_files(lr_extfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                           lr_extfs_past_t *past, uint64_t *budget, lr_error_t *err);

#endif
