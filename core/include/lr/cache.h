/* lvmrescue core: dm-cache metadata (the cache pool's _cmeta LV) as Linux
 * drivers/md/dm-cache-metadata.c writes it, on persistent-data structures
 * (drivers/md/persistent-data: dm-btree, dm-array, dm-bitset), 4 KiB
 * blocks, checksums crc32c with a per-structure XOR:
 *   block 0: superblock (csum, flags bit 0 CLEAN_SHUTDOWN, blocknr, uuid,
 *            magic 06142003, version 1 or 2, policy, space map root,
 *            mapping_root, hint_root, discard root/size/count,
 *            data_block_size (sectors), metadata_block_size, cache_blocks,
 *            feature flags, statistics, policy version, and for version 2
 *            dirty_root);
 *   the mapping array: index cache block, le64 value (origin block << 16) |
 *            flags (1 valid, 2 dirty: version 1 only);
 *   version 2: the dirty bitset, an array of le64 words, bit per cache block.
 * Nothing here opens an image: blocks are read through a callback. Hostile
 * trees (depth, cycles, out-of-range block numbers, bad checksums) end in
 * an error naming the block, never a crash. */
#ifndef LR_CACHE_H
#define LR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"

#define LR_CACHE_MAGIC 06142003u
#define LR_PDATA_BLOCK 4096u

typedef struct lr_cache_sb {
    uint32_t flags;
    bool clean_shutdown; /* flags bit 0: without it the dirty bits are not trusted */
    uint32_t version;    /* 1 or 2 */
    char policy[17];
    uint64_t mapping_root, hint_root, dirty_root;
    uint32_t data_block_size; /* sectors */
    uint32_t metadata_block_size;
    uint32_t cache_blocks;
} lr_cache_sb_t;

/* Decodes and checks block 0 of a cache metadata LV (LR_PDATA_BLOCK bytes):
 * LR_ENOTFOUND without the magic, LR_ECHECKSUM for a bad checksum,
 * LR_EFORMAT for an unknown version or a block number other than 0. */
int lr_cache_sb_decode(const void *buf, size_t len, lr_cache_sb_t *out, lr_error_t *err);

/* Reads metadata block `block` into buf (LR_PDATA_BLOCK bytes). */
typedef int (*lr_pdata_read_fn)(void *arg, uint64_t block, uint8_t *buf, lr_error_t *err);

/* Called for every valid mapping, cache block order. Non-zero stops. */
typedef int (*lr_cache_mapping_fn)(void *arg, uint64_t cblock, uint64_t oblock, bool dirty);

/* Walks the mapping array (and for version 2 the dirty bitset) of a
 * metadata LV of nr_blocks blocks. A mapping is dirty when its metadata says
 * so, and every mapping is when the superblock lacks CLEAN_SHUTDOWN (as the
 * kernel treats it). Errors name the block: LR_ECHECKSUM, LR_EFORMAT (a node
 * or array block that is not one, a block number out of range, a tree
 * deeper than 16 or a block visited twice), LR_ELIMIT (more than
 * cache_blocks entries). */
int lr_cache_mappings(const lr_cache_sb_t *sb, uint64_t nr_blocks, lr_pdata_read_fn rd,
                      void *rd_arg, lr_cache_mapping_fn fn, void *fn_arg, lr_error_t *err);

/* ---- dm-writecache (Linux drivers/md/dm-writecache.c, SSD mode) ----------
 * The cache device (LVM2's cachevol) starts with struct
 * wc_memory_superblock, 64 bytes little-endian: magic le32 0x23489321,
 * version le32 (1), block_size le32 (bytes: 512 .. 4096, a power of two),
 * pad, n_blocks le64, seq_count le64; then n_blocks struct wc_memory_entry
 * {original_sector le64, seq_count le64}; the data blocks start at the
 * first block_size boundary after the entries, entry i's block at
 * data_offset + i * block_size. An entry is committed when its seq_count
 * is below the superblock's (writecache_entry_is_committed); the kernel
 * drops the others at resume, frees (seq_count all ones) an entry once its
 * block is written back, and for two entries of one sector keeps the
 * higher seq_count. So every committed entry is a block the origin does
 * not have yet: the newest per original sector is the LV's data. */
#define LR_WRITECACHE_MAGIC 0x23489321u
#define LR_WRITECACHE_SB_SIZE 64u
#define LR_WRITECACHE_ENTRY 16u

typedef struct lr_writecache_sb {
    uint32_t version;
    uint32_t block_size; /* bytes */
    uint64_t n_blocks;
    uint64_t seq_count;
    uint64_t data_offset; /* bytes from the device start to data block 0 */
} lr_writecache_sb_t;

/* Decodes the first LR_WRITECACHE_SB_SIZE bytes of a writecache device of
 * dev_size bytes. LR_ENOTFOUND when magic and version are both 0 (never
 * initialised, or wiped: the kernel would start an empty cache),
 * LR_EFORMAT for another magic, version 2 or later, a bad block size, or
 * entries and data that do not fit dev_size (sizes overflow-checked). */
int lr_writecache_sb_decode(const void *buf, size_t len, uint64_t dev_size, lr_writecache_sb_t *out,
                            lr_error_t *err);

/* Entry `e` (LR_WRITECACHE_ENTRY bytes): its original sector and seq
 * count; true when committed (holds a block not yet written back). */
bool lr_writecache_entry(const lr_writecache_sb_t *sb, const void *e, uint64_t *sector,
                         uint64_t *seq);

#endif
