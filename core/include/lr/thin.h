/* lvmrescue core: a reader of dm-thin pool metadata (the kernel's
 * drivers/md/dm-thin-metadata.c on persistent-data's btrees,
 * drivers/md/persistent-data/dm-btree*.c; thin-provisioning-tools reads the
 * same format). Read-only.
 *
 * The metadata device (a pool's _tmeta LV) is an array of 4 KiB blocks:
 * block 0 is the superblock; the device-details btree maps a thin device id
 * to its details; the mapping btree has two levels: device id -> root of
 * that device's btree, virtual block -> (data block << 24 | time). Every
 * btree node carries a CRC-32C (salted) and its own block number, both
 * checked here.
 *
 * Damage is data, not a failure: a node that does not read back (bad
 * checksum, wrong block number, a header that does not fit, keys out of
 * order or outside the range its parent gives, a block past the device, a
 * node seen twice in one walk, a tree deeper than LR_THIN_MAX_DEPTH) is
 * recorded as an lr_thin_damage_t naming the block and the reason, with
 * the key range that could not be read; the walk goes on with the rest.
 * Only what cannot be started at all (no superblock magic, I/O errors) is
 * returned as an error. */
#ifndef LR_THIN_H
#define LR_THIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

#define LR_THIN_MAGIC 27022010u
#define LR_THIN_BLOCK 4096u       /* metadata block size in bytes */
#define LR_THIN_MAX_DEPTH 16      /* btree levels followed (the kernel needs < 8) */
#define LR_THIN_MAX_DEVS 1000000u /* thin devices listed per pool */
#define LR_THIN_MAX_DAMAGE 1000u  /* damage records kept (later ones are counted) */

/* The superblock, field by field (struct thin_disk_superblock). */
typedef struct lr_thin_super {
    uint32_t csum;      /* stored */
    uint32_t csum_calc; /* computed over bytes 4..4095 */
    bool csum_ok;
    uint32_t flags;
    uint64_t blocknr;
    uint8_t uuid[16];
    uint64_t magic;
    uint32_t version;
    uint32_t time;
    uint64_t transaction_id;
    uint64_t metadata_snap;
    /* the data space map root (struct disk_sm_root) */
    uint64_t data_nr_blocks, data_nr_allocated, data_bitmap_root, data_ref_count_root;
    /* the metadata space map root */
    uint64_t meta_nr_blocks, meta_nr_allocated, meta_bitmap_root, meta_ref_count_root;
    uint64_t data_mapping_root;
    uint64_t device_details_root;
    uint32_t data_block_size;     /* sectors */
    uint32_t metadata_block_size; /* sectors (8) */
    uint64_t metadata_nr_blocks;
    uint32_t compat_flags, compat_ro_flags, incompat_flags;
} lr_thin_super_t;

typedef enum lr_thin_tree {
    LR_THIN_TREE_DETAILS, /* device-details btree */
    LR_THIN_TREE_DEVICES, /* mapping btree, top level (device ids) */
    LR_THIN_TREE_MAPPING, /* one device's mapping btree */
    LR_THIN_TREE_DATA_SM, /* the data space map: index btree, bitmaps, ref count btree */
    LR_THIN_TREE_META_SM, /* the metadata space map: index block, bitmaps, ref count btree */
} lr_thin_tree_t;

/* One damaged node (or superblock, block 0). */
typedef struct lr_thin_damage {
    uint64_t block;      /* metadata block number of the node */
    lr_thin_tree_t tree; /* which btree it belongs to */
    uint64_t dev_id;     /* LR_THIN_TREE_MAPPING: the device */
    uint64_t lo, hi;     /* keys that could not be read, inclusive (device
                            ids or virtual blocks; for a space map, the data
                            or metadata blocks whose ref counts were lost) */
    char why[128];       /* "checksum 0x.. != computed 0x..", ... */
} lr_thin_damage_t;

/* One thin device, from either tree (a device may be in one only). */
typedef struct lr_thin_dev {
    uint64_t dev_id;
    bool has_details;
    uint64_t mapped_blocks; /* as the details record says */
    uint64_t transaction_id;
    uint32_t creation_time, snapshotted_time;
    bool has_mapping;
    uint64_t mapping_root; /* root of its mapping btree */
} lr_thin_dev_t;

typedef struct lr_thin lr_thin_t;

/* Reads the superblock from meta (borrowed: it must outlive *out) and lists
 * the thin devices of both btrees. A superblock whose checksum fails is
 * recorded as damage at block 0 and reading goes on; LR_EFORMAT (naming
 * block 0 and the field) when the magic is wrong, the block size is not
 * 8 sectors, the device is shorter than one block or a root is 0. I/O
 * errors are returned. *out is the caller's (lr_thin_free). */
int lr_thin_open(lr_io_t *meta, lr_thin_t **out, lr_error_t *err);

/* Frees t (not the io). NULL is accepted. */
void lr_thin_free(lr_thin_t *t);

/* The superblock as read; owned by t. */
const lr_thin_super_t *lr_thin_super(const lr_thin_t *t);

/* The devices, in device id order; *n receives their count. Owned by t. */
const lr_thin_dev_t *lr_thin_devs(const lr_thin_t *t, size_t *n);

/* The device with this id, or NULL. Owned by t. */
const lr_thin_dev_t *lr_thin_dev(const lr_thin_t *t, uint64_t dev_id);

/* Damage recorded so far (by open and by every walk, each node once);
 * *n receives the count kept, *dropped (may be NULL) those over
 * LR_THIN_MAX_DAMAGE. Owned by t; valid until the next walk or lr_thin_free. */
const lr_thin_damage_t *lr_thin_damage(const lr_thin_t *t, size_t *n, uint64_t *dropped);

/* Called for each mapping in virtual block order. Non-zero stops the walk
 * and is returned. */
typedef int (*lr_thin_map_fn)(void *arg, uint64_t vblock, uint64_t dblock, uint32_t time);
/* Called, in order among the mappings, for each range of virtual blocks
 * [lo, hi] the walk could not read (d says why). Non-zero stops the walk. */
typedef int (*lr_thin_lost_fn)(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d);

/* Walks the mappings of device dev_id in virtual block order. A mapping to
 * a data block at or past the data space map's nr_blocks is not passed to
 * map: it is a lost range (and damage). lost may be NULL. LR_ENOTFOUND when
 * the device has no mapping tree; I/O errors; the callbacks' status. */
int lr_thin_walk(lr_thin_t *t, uint64_t dev_id, lr_thin_map_fn map, lr_thin_lost_fn lost, void *arg,
                 lr_error_t *err);

/* The same, for virtual blocks first..last only (inclusive): subtrees
 * outside the range are not read; lost ranges are clipped to it.
 * -EINVAL when first > last. */
int lr_thin_walk_range(lr_thin_t *t, uint64_t dev_id, uint64_t first, uint64_t last,
                       lr_thin_map_fn map, lr_thin_lost_fn lost, void *arg, lr_error_t *err);

/* What a walk of one device found. */
typedef struct lr_thin_usage {
    uint64_t dev_id;
    uint64_t mapped;  /* mappings read */
    uint64_t highest; /* highest mapped virtual block (valid when mapped > 0) */
    uint64_t shared;  /* of its mapped data blocks, those another device maps too
                         (UINT64_MAX: not counted, the pool is too large) */
    uint64_t lost;    /* lost ranges (damage in its tree) */
    bool has_details; /* the device's details record was found */
    uint64_t created; /* its transaction_id: the pool's transaction when the
                         device was created (dm-thin sets it then, never later) */
} lr_thin_usage_t;

/* Whether a thin pool whose LVM2 segment says transaction_id vg_tx, with
 * n_messages message sections queued in it (an lvcreate or lvremove of a
 * thin LV while the pool was not active), agrees with pool metadata at
 * transaction pool_tx once LVM2 activates it: LVM2 sends the queued
 * messages when the metadata is exactly one transaction behind
 * (libdm-deptree's _thin_pool_node_send_messages), and refuses any other
 * difference. So: equal, or one behind with messages queued. Pure. */
static inline bool lr_thin_tx_agree(uint64_t vg_tx, uint64_t pool_tx, size_t n_messages)
{
    return vg_tx == pool_tx || (n_messages > 0 && pool_tx < UINT64_MAX && vg_tx == pool_tx + 1);
}

/* Whether the pool's device, created at pool transaction `created`, was
 * made for a later thin LV than the one whose LVM2 segment says
 * transaction_id `lv_tx` (the pool's transaction LVM2 created it in): dm-thin
 * records a device's creation transaction once, and LVM2 gives a new thin
 * LV the highest device id + 1, so a removed LV's id is given again. The
 * original device was created one transaction before the LV's (LVM2 sends
 * create_thin, then set_transaction_id); a later LV's, after the removed
 * one's delete message at least, so a creation after lv_tx is another
 * LV's. Pure. */
static inline bool lr_thin_dev_reused(uint64_t created, uint64_t lv_tx)
{
    return created > lv_tx;
}

/* Walks every device with a mapping tree and fills *out (in lr_thin_devs
 * order, *n entries; the caller frees *out with free()). Shared blocks are
 * counted with two bits per data block, up to 2^32 data blocks. -ENOMEM,
 * I/O errors. */
int lr_thin_usage(lr_thin_t *t, lr_thin_usage_t **out, size_t *n, lr_error_t *err);

/* ---- space maps ----------------------------------------------------------
 * persistent-data's space maps (dm-space-map-common.c, -disk.c,
 * -metadata.c) give each data block and each metadata block a reference
 * count: 2 bits per block in bitmap blocks (salted CRC-32C and their own
 * block number, both checked), 3 meaning "see the ref count btree" (block
 * -> le32 count). The data space map finds its bitmaps through an index
 * btree (bitmap number -> {blocknr, nr_free, none_free_before}), the
 * metadata space map through one index block of up to 255 entries.
 *
 * A data block's count is the number of distinct btree leaf entries that
 * map it: a leaf shared by a thin device and its snapshot counts once, so
 * a block both map through one shared leaf has count 1 (and is still
 * shared; lr_thin_usage counts that sharing from the mappings). */

#define LR_THIN_SM_ENTRIES 16320u   /* 2-bit counts per bitmap block */
#define LR_THIN_SM_EXAMPLES 8u      /* disagreements kept per space map */
#define LR_THIN_MAX_REFS (1u << 24) /* data references compared (128 MiB) */
#define LR_THIN_MAX_OVER (1u << 22) /* ref counts over 2 kept per space map */

typedef enum lr_thin_sm_kind {
    LR_THIN_SM_IN_USE_FREE,   /* referenced (data: mapped; metadata: a node
                                 reached) but its ref count is 0 */
    LR_THIN_SM_COUNT_DIFFERS, /* data: count is not the number of leaf entries */
    LR_THIN_SM_UNREFERENCED,  /* allocated, but nothing read refers to it */
} lr_thin_sm_kind_t;

/* One block where the space map and the btrees disagree. */
typedef struct lr_thin_sm_issue {
    lr_thin_sm_kind_t kind;
    uint64_t block;
    uint32_t count;    /* the space map's ref count */
    uint64_t expected; /* references found (distinct leaf entries; metadata: 0 or 1) */
} lr_thin_sm_issue_t;

/* What one space map says, and how it agrees with the btrees. */
typedef struct lr_thin_sm {
    bool read;              /* some counts read (data: a sound bitmap; metadata:
                               its index block sound) */
    uint64_t nr_blocks;     /* as its root in the superblock says */
    uint64_t nr_allocated;  /* likewise (what dm-thin reports as used) */
    uint64_t counted;       /* blocks whose ref count was read */
    uint64_t allocated;     /* of those, ref count > 0 */
    uint64_t shared;        /* of those, ref count > 1 */
    uint64_t unknown;       /* blocks (below nr_blocks) whose count could not
                               be read: damage names the bitmap or node */
    uint64_t bitmaps;       /* bitmap blocks read and sound */
    uint64_t index_differs; /* index entries whose nr_free is not the bitmap's */
    /* compared with the btrees (compared true) */
    bool compared;
    uint64_t in_use_free;   /* LR_THIN_SM_IN_USE_FREE blocks */
    uint64_t count_differs; /* LR_THIN_SM_COUNT_DIFFERS blocks (when not
                               `complete`, only counts below the references
                               read: a higher one may be a lost leaf's) */
    uint64_t unreferenced;  /* LR_THIN_SM_UNREFERENCED blocks (meaningful when
                               `complete`: every reference could be read) */
    bool complete;
    size_t n_examples; /* the first disagreements */
    lr_thin_sm_issue_t examples[LR_THIN_SM_EXAMPLES];
} lr_thin_sm_t;

typedef struct lr_thin_space {
    lr_thin_sm_t data; /* data blocks of the pool */
    lr_thin_sm_t meta; /* metadata blocks */
} lr_thin_space_t;

/* Walks both space maps and compares them with the btrees: the data space
 * map with every device's mappings (leaves reached twice, shared between
 * a device and its snapshot, count once), the metadata space map with
 * every block the walks reached (btree nodes, the space maps' own index,
 * bitmap and ref count blocks, the superblock). Damaged index entries,
 * bitmaps or nodes are recorded as damage (LR_THIN_TREE_DATA_SM /
 * LR_THIN_TREE_META_SM, lo..hi the blocks whose counts are lost) and the
 * rest is read. The data comparison is skipped (data.compared false) when
 * the mappings hold more than LR_THIN_MAX_REFS references; the
 * metadata one's unreferenced count includes a metadata snapshot's blocks
 * (the superblock's metadata_snap), which are not walked. -ENOMEM, I/O
 * errors. */
int lr_thin_space_maps(lr_thin_t *t, lr_thin_space_t *out, lr_error_t *err);

/* The name of a tree for messages: "device details", "device list",
 * "mapping", "data space map", "metadata space map". */
const char *lr_thin_tree_name(lr_thin_tree_t tree);

#endif
