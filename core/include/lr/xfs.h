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

#endif
