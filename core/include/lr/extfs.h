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
 * (borrowed: it must outlive the handle). Checksum errors in its
 * metadata do not stop the open; they make the records they guard
 * unknown (see below). Returns 0 with *out (free with lr_extfs_free),
 * -ENOTSUP in a build without libext2fs, LR_EFORMAT when libext2fs does
 * not open it (the message says why), LR_ELIMIT when its group
 * descriptors take more than max_gdt bytes (LR_EXTFS_MAX_GDT at most:
 * checked before they are read), an I/O error when its
 * superblock does not read, -ENOMEM. */
int lr_extfs_open(lr_io_t *io, uint64_t offset, uint64_t max_gdt, lr_extfs_t **out,
                  lr_error_t *err);

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

#endif
