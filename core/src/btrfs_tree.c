/* A btrfs read through its trees (lr/btrfs.h): the superblock, the chunk
 * map, and the one walk the scanner needs, from a data extent to the
 * file whose first extent it is, and that file's bytes in order.
 *
 * On-disk layout (kernel: include/uapi/linux/btrfs_tree.h; each field
 * decoded byte by byte, bounds checked):
 *   superblock (64 KiB into the device, 4 KiB): csum at 0 (crc32c: le32
 *     of the CRC-32C of bytes 32..4095), fsid[16] at 32, bytenr le64 at
 *     48, magic at 64, root at 80, chunk_root at 88, sectorsize le32 at
 *     144, nodesize at 148, sys_chunk_array_size at 160, incompat le64 at
 *     188, csum_type le16 at 196, dev_item at 201 (devid le64, then
 *     total_bytes), metadata_uuid[16] at 571, sys_chunk_array at 811
 *   tree block header (101 bytes): csum, fsid at 32, bytenr at 48, level
 *     at 100, nritems le32 at 96; a node's key pointers (33 bytes: key,
 *     blockptr le64, generation le64) and a leaf's items follow
 *   chunk item: length le64, owner, stripe_len, type le64 at 24,
 *     num_stripes le16 at 44; stripes of 32 bytes from 48 (devid le64,
 *     offset le64, dev_uuid[16])
 *   root item: bytenr le64 at 176
 *   extent item: refs, generation, flags le64; inline refs after it
 *     (type u8, then an extent data ref: root le64, objectid le64,
 *     offset le64, count le32)
 *   inode item: size le64 at 16
 *   file extent item: ram_bytes le64 at 8, compression u8 at 16,
 *     encryption at 17, other_encoding le16 at 18, type u8 at 20 (1
 *     regular, 2 preallocated), disk_bytenr le64 at 21, disk_num_bytes at
 *     29, offset at 37, num_bytes at 45
 *   checksum item (tree 7, key EXTENT_CSUM_OBJECTID -10, type 128,
 *     offset the logical address of its first sector): the checksums of
 *     the data sectors from there on, one after another, each as the
 *     superblock's csum_type makes it (crc32c: 4 bytes, le32 of the
 *     CRC-32C of the sector as stored, compressed or not) */
#include "lr/btrfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "lr/crc.h"
#include "lr/error.h"

#define BT_SUPER_AT 65536u
#define BT_SUPER_SIZE 4096u
#define BT_SYS_ARRAY_AT 811u
#define BT_SYS_ARRAY_MAX 2048u
#define BT_KEY 17u
#define BT_KEY_PTR 33u
#define BT_MAX_LEVEL 8
#define BT_CHUNK_HEAD 48u
#define BT_STRIPE 32u
#define BT_INCOMPAT_METADATA_UUID (1ull << 10)
#define BT_INCOMPAT_NO_HOLES (1ull << 9)

/* key types and tree ids (btrfs_tree.h) */
#define BT_INODE_ITEM 1
#define BT_EXTENT_DATA 108
#define BT_ROOT_ITEM 132
#define BT_EXTENT_ITEM 168
#define BT_EXTENT_DATA_REF 178
#define BT_SHARED_DATA_REF 184
#define BT_FS_TREE 5
#define BT_CHUNK_ITEM 228
#define BT_EXTENT_TREE 2
#define BT_CSUM_TREE 7
#define BT_EXTENT_CSUM 128
#define BT_CSUM_OBJECTID 0xfffffffffffffff6ull /* -10 */
#define BT_FE_REG 1
#define BT_FE_PREALLOC 2
#define BT_FE_SIZE 53u
#define BT_FE_INLINE 21u /* an inline extent's bytes start here */
#define BT_FE_INLINE_TYPE 0
/* chunk types that spread a chunk over their stripes (RAID0, RAID10,
 * RAID5, RAID6); the rest (single, DUP, RAID1, RAID1C3/4) keep the same
 * bytes in each */
#define BT_STRIPED ((1ull << 3) | (1ull << 6) | (1ull << 7) | (1ull << 8))

/* tree blocks kept: 128, 2 MiB at most (128 of 16 KiB nodes, 32 of 64
 * KiB). A file's read walks the root, extent, file and checksum trees,
 * and direct mapping makes their paths collide: 32 slots of 16 KiB nodes
 * read 2000 small files' trees in 0.31 s, 128 in 0.24 s (most of it the
 * blocks' crc32c, on a miss) */
#define BT_CACHE 128u
#define BT_CACHE_BYTES (2u << 20)

#define BT_COPIES 4 /* a chunk's copies on one device: DUP 2, RAID1C4 at most 4 */

typedef struct bt_chunk {
    uint64_t logical, length;
    uint64_t physical[BT_COPIES]; /* each copy's first byte, from the device's start */
    uint8_t copies;
} bt_chunk_t;

struct lr_btrfs {
    lr_io_t *io;
    uint64_t start; /* the device's first byte in io */
    uint8_t fsid[16];
    uint64_t devid, root, chunk_root;
    uint32_t nodesize, sectorsize;
    bool crc32c;        /* tree blocks carry a crc32c (else a checksum not checked) */
    bool no_holes;      /* incompat NO_HOLES: a hole has no item */
    uint32_t csum_size; /* bytes of one sector's checksum (csum_type's) */
    /* the checksum tree's root (0: none, or not looked up yet), and the
     * checksum item found last (every sector of an extent in one, most
     * often): its first sector's logical address and size */
    uint64_t csum_root;
    bool csum_looked;
    uint8_t *sum;
    uint64_t sum_logical;
    size_t sum_len;
    lr_btrfs_sums_t sums; /* the last file read's */
    bt_chunk_t *chunks;
    size_t n_chunks, cap_chunks;
    lr_btrfs_decoder_t *dec;
    uint8_t *item; /* LR_BTRFS_MAX_NODE bytes: the item a lookup found */
    /* tree blocks one call may still read: a tree whose pointers name one
     * block many times would otherwise be walked for ever */
    uint32_t reads_left;
    /* the tree blocks read last, checked, by logical address (direct
     * mapped): every search starts at the same roots, and the files of
     * one directory lie in the same leaves */
    uint8_t *cache;              /* cache_slots blocks */
    uint32_t cache_slots;        /* BT_CACHE at most, BT_CACHE_BYTES in all */
    uint64_t cache_at[BT_CACHE]; /* the block each slot holds ... */
    bool cache_ok[BT_CACHE];     /* ... when it holds one */
};

/* What one call (an open, a file read) may read of tree blocks: a search
 * reads a path and the nodes beside it, a file of 4 MiB in extents of
 * 4 KiB a thousand searches. */
#define BT_READS_PER_CALL 65536u

/* A key, as btrfs orders them. */
typedef struct bt_key {
    uint64_t objectid;
    uint8_t type;
    uint64_t offset;
} bt_key_t;

static bt_key_t bt_key_at(const uint8_t *p)
{
    return (bt_key_t){lr_get_le64(p), p[8], lr_get_le64(p + 9)};
}

static int bt_key_cmp(bt_key_t a, bt_key_t b)
{
    if (a.objectid != b.objectid)
        return a.objectid < b.objectid ? -1 : 1;
    if (a.type != b.type)
        return a.type < b.type ? -1 : 1;
    return (a.offset > b.offset) - (a.offset < b.offset);
}

bool lr_btrfs_superblock(const uint8_t *p, size_t avail, uint64_t *at, uint64_t *bytes)
{
    if (avail < BT_SUPER_SIZE || memcmp(p + LR_BTRFS_MAGIC_AT, LR_BTRFS_MAGIC, 8) != 0)
        return false;
    uint64_t bytenr = lr_get_le64(p + 48);
    uint32_t node = lr_get_le32(p + 148), sector = lr_get_le32(p + 144);
    /* where btrfs writes its copies: 64 KiB, 64 MiB, 256 GiB */
    if (bytenr != BT_SUPER_AT && bytenr != (64ull << 20) && bytenr != (256ull << 30))
        return false;
    /* sectors of 4 KiB to the node size (64 KiB at most: a page), as the
     * kernel mounts them */
    if (node < 4096 || node > LR_BTRFS_MAX_NODE || (node & (node - 1)) || sector < 4096 ||
        sector > node || (sector & (sector - 1)))
        return false;
    if (at)
        *at = bytenr;
    if (bytes)
        *bytes = lr_get_le64(p + 209);
    return true;
}

/* Adds a chunk item's mapping (item: `len` bytes) for the chunk at logical
 * address `logical`: every stripe on this device (a copy: DUP's two,
 * RAID1's one), unless the chunk is spread over stripes (not mapped: its
 * bytes are not read). */
static int bt_add_chunk(lr_btrfs_t *fs, uint64_t logical, const uint8_t *item, size_t len)
{
    if (len < BT_CHUNK_HEAD)
        return LR_EFORMAT;
    uint64_t length = lr_get_le64(item), type = lr_get_le64(item + 24);
    uint16_t stripes = (uint16_t)(item[44] | item[45] << 8);
    if (!stripes || BT_CHUNK_HEAD + (size_t)stripes * BT_STRIPE > len)
        return LR_EFORMAT;
    if (type & BT_STRIPED && stripes > 1)
        return 0;
    bt_chunk_t c = {logical, length, {0}, 0};
    for (uint16_t s = 0; s < stripes && c.copies < BT_COPIES; s++) {
        const uint8_t *st = item + BT_CHUNK_HEAD + (size_t)s * BT_STRIPE;
        if (lr_get_le64(st) == fs->devid)
            c.physical[c.copies++] = lr_get_le64(st + 8);
    }
    if (!c.copies)
        return 0;
    if (fs->n_chunks == fs->cap_chunks) {
        size_t cap = fs->cap_chunks ? fs->cap_chunks * 2 : 16;
        bt_chunk_t *v = realloc(fs->chunks, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        fs->chunks = v;
        fs->cap_chunks = cap;
    }
    fs->chunks[fs->n_chunks++] = c;
    return 0;
}

/* The byte of io where copy `copy` (0 first) of logical address `logical`
 * (and the `len` bytes after it) lies, or false when no chunk of this
 * device maps them or it has no such copy. */
static bool bt_map(const lr_btrfs_t *fs, uint64_t logical, uint64_t len, unsigned copy,
                   uint64_t *at)
{
    for (size_t i = 0; i < fs->n_chunks; i++) {
        const bt_chunk_t *c = &fs->chunks[i];
        if (logical < c->logical || logical - c->logical >= c->length ||
            len > c->length - (logical - c->logical))
            continue;
        if (copy >= c->copies)
            return false;
        *at = fs->start + c->physical[copy] + (logical - c->logical);
        return true;
    }
    return false;
}

/* bt_map's first copy, or LR_EFORMAT naming what lies in no chunk. */
static int bt_map_first(const lr_btrfs_t *fs, const char *what, uint64_t logical, uint64_t len,
                        uint64_t *at, lr_error_t *err)
{
    if (bt_map(fs, logical, len, 0, at))
        return 0;
    return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                        "btrfs %s at logical %" PRIu64 " lies in no chunk of this device", what,
                        logical);
}

static int bt_fetch_node(lr_btrfs_t *fs, uint64_t logical, uint8_t *buf, lr_error_t *err);
static int bt_fetch_copy(lr_btrfs_t *fs, uint64_t logical, uint64_t at, uint8_t *buf,
                         lr_error_t *err);

/* Reads the tree block at logical address `logical` into buf (nodesize
 * bytes) and checks that it is the block asked for, of this filesystem,
 * at `level` (-1: any) and of generation `gen` (what its parent's pointer
 * says; 0: a root, not checked), its checksum right: a block written
 * since its parent was, or misplaced, is not taken for the child (the
 * kernel's parent transid check). */
static int bt_read_node(lr_btrfs_t *fs, uint64_t logical, int level, uint64_t gen, uint8_t *buf,
                        lr_error_t *err)
{
    if (logical == UINT64_MAX || logical % fs->sectorsize)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs tree block address %" PRIu64 " is not a sector's", logical);
    if (!fs->reads_left)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs trees read past %u blocks in one walk (a block named "
                            "again and again)",
                            BT_READS_PER_CALL);
    fs->reads_left--;
    size_t slot = (size_t)(logical / fs->nodesize % fs->cache_slots);
    uint8_t *kept = fs->cache + slot * fs->nodesize;
    int rc = 0;
    if (fs->cache_ok[slot] && fs->cache_at[slot] == logical)
        memcpy(buf, kept, fs->nodesize);
    else if ((rc = bt_fetch_node(fs, logical, buf, err)) == 0) {
        memcpy(kept, buf, fs->nodesize);
        fs->cache_at[slot] = logical;
        fs->cache_ok[slot] = true;
    }
    if (!rc && level >= 0 && buf[100] != level)
        rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                          "btrfs tree block at logical %" PRIu64 " is not at the level its parent "
                          "names",
                          logical);
    if (!rc && gen && lr_get_le64(buf + 80) != gen)
        rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                          "btrfs tree block at logical %" PRIu64 " is of generation %" PRIu64
                          ", its parent names %" PRIu64 " (written since, or misplaced)",
                          logical, lr_get_le64(buf + 80), gen);
    return rc;
}

/* Reads the tree block at `logical` into buf and checks it (checksum,
 * fsid, its own address, item counts and extents within the block). */
static int bt_fetch_node(lr_btrfs_t *fs, uint64_t logical, uint8_t *buf, lr_error_t *err)
{
    uint64_t at;
    int rc = bt_map_first(fs, "tree block", logical, fs->nodesize, &at, err);
    if (!rc)
        rc = bt_fetch_copy(fs, logical, at, buf, err);
    /* a copy that fails its checks: the next (DUP's second), as the
     * kernel reads the other mirror; the first copy's fault is said */
    for (unsigned k = 1; rc && rc != -ENOMEM && bt_map(fs, logical, fs->nodesize, k, &at); k++)
        if (bt_fetch_copy(fs, logical, at, buf, NULL) == 0) {
            if (err)
                lr_error_clear(err);
            return 0;
        }
    return rc;
}

/* Reads one copy of the tree block at `logical`, at byte `at` of io, into
 * buf and checks it. */
static int bt_fetch_copy(lr_btrfs_t *fs, uint64_t logical, uint64_t at, uint8_t *buf,
                         lr_error_t *err)
{
    int rc = lr_io_pread(fs->io, buf, fs->nodesize, at, err);
    if (rc)
        return rc;
    if (fs->crc32c) {
        uint32_t crc = ~lr_crc32c(0xffffffffu, buf + 32, fs->nodesize - 32);
        if (crc != lr_get_le32(buf))
            return lr_error_set(err, LR_ECHECKSUM, at, "btrfs tree block checksum mismatch");
    }
    if (memcmp(buf + 32, fs->fsid, 16) != 0 || lr_get_le64(buf + 48) != logical ||
        buf[100] >= BT_MAX_LEVEL)
        return lr_error_set(err, LR_EFORMAT, at, "not the btrfs tree block its parent names");
    uint32_t n = lr_get_le32(buf + 96);
    size_t per = buf[100] ? BT_KEY_PTR : LR_BTRFS_ITEM;
    if ((size_t)n > (fs->nodesize - LR_BTRFS_HEADER) / per)
        return lr_error_set(err, LR_EFORMAT, at, "btrfs tree block item count out of range");
    if (buf[100])
        return 0;
    for (uint32_t i = 0; i < n; i++) { /* every item's data within the leaf */
        const uint8_t *it = buf + LR_BTRFS_HEADER + (size_t)i * LR_BTRFS_ITEM;
        uint64_t off = lr_get_le32(it + 17), size = lr_get_le32(it + 21);
        if (LR_BTRFS_HEADER + off + size > fs->nodesize)
            return lr_error_set(err, LR_EFORMAT, at, "btrfs leaf item past the block");
    }
    return 0;
}

/* One item found: its key and data (a copy of at most `cap` bytes; len
 * its full size). */
typedef struct bt_found {
    bt_key_t key;
    uint8_t *data;
    size_t cap, len;
} bt_found_t;

/* The tree block at `logical` read and checked as bt_read_node does, into
 * a buffer made here (*buf, the caller's: free, whatever the result). */
static int bt_load(lr_btrfs_t *fs, uint64_t logical, int level, uint64_t gen, uint8_t **buf,
                   lr_error_t *err)
{
    *buf = malloc(fs->nodesize);
    if (!*buf)
        return lr_error_oom(err);
    return bt_read_node(fs, logical, level, gen, *buf, err);
}

/* Copies the item at `it` of the leaf `leaf` into out. */
static void bt_take(const uint8_t *leaf, const uint8_t *it, bt_found_t *out)
{
    size_t size = lr_get_le32(it + 21);
    out->key = bt_key_at(it);
    out->len = size;
    memcpy(out->data, leaf + LR_BTRFS_HEADER + lr_get_le32(it + 17),
           size < out->cap ? size : out->cap);
}

/* The first item with a key at or after `want` in the subtree at
 * `logical` (level `level`): 0 and *out, LR_ENOTFOUND when every key
 * there sorts before it. depth bounds the recursion. */
static int bt_search_ge(lr_btrfs_t *fs, uint64_t logical, int level, uint64_t gen, bt_key_t want,
                        bt_found_t *out, lr_error_t *err)
{
    uint8_t *buf = NULL;
    int rc = bt_load(fs, logical, level, gen, &buf, err);
    uint32_t n = rc ? 0 : lr_get_le32(buf + 96);
    if (!rc && buf[100] == 0) {
        rc = LR_ENOTFOUND;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *it = buf + LR_BTRFS_HEADER + (size_t)i * LR_BTRFS_ITEM;
            if (bt_key_cmp(bt_key_at(it), want) < 0)
                continue;
            bt_take(buf, it, out);
            rc = 0;
            break;
        }
    } else if (!rc) {
        /* the last child whose first key is at or before want, then the
         * ones after it: the first holds the item unless all its keys sort
         * before want */
        uint32_t from = 0;
        for (uint32_t i = 1; i < n; i++)
            if (bt_key_cmp(bt_key_at(buf + LR_BTRFS_HEADER + (size_t)i * BT_KEY_PTR), want) <= 0)
                from = i;
        int child = buf[100] - 1;
        rc = LR_ENOTFOUND;
        for (uint32_t i = from; i < n && rc == LR_ENOTFOUND; i++) {
            const uint8_t *kp = buf + LR_BTRFS_HEADER + (size_t)i * BT_KEY_PTR;
            rc = bt_search_ge(fs, lr_get_le64(kp + BT_KEY), child, lr_get_le64(kp + BT_KEY + 8),
                              want, out, err);
        }
    }
    free(buf);
    return rc;
}

/* The item with exactly key (objectid, type) and the least offset at or
 * after `offset` in the tree rooted at `root`: 0, or LR_ENOTFOUND. */
static int bt_find(lr_btrfs_t *fs, uint64_t root, uint64_t objectid, uint8_t type, uint64_t offset,
                   bt_found_t *out, lr_error_t *err)
{
    int rc = bt_search_ge(fs, root, -1, 0, (bt_key_t){objectid, type, offset}, out, err);
    if (!rc && (out->key.objectid != objectid || out->key.type != type))
        rc = LR_ENOTFOUND;
    return rc;
}

/* The last item with a key at or before `want` in the subtree at
 * `logical`: 0 and *out, LR_ENOTFOUND when every key there sorts after
 * it. A node's child holds the keys from its pointer's key to the next
 * pointer's, so the last child whose key is at or before want holds the
 * item. */
static int bt_search_le(lr_btrfs_t *fs, uint64_t logical, int level, uint64_t gen, bt_key_t want,
                        bt_found_t *out, lr_error_t *err)
{
    uint8_t *buf = NULL;
    int rc = bt_load(fs, logical, level, gen, &buf, err);
    uint32_t n = rc ? 0 : lr_get_le32(buf + 96);
    size_t per = !rc && buf[100] ? BT_KEY_PTR : LR_BTRFS_ITEM;
    uint32_t last = n;
    for (uint32_t i = 0; i < n; i++)
        if (bt_key_cmp(bt_key_at(buf + LR_BTRFS_HEADER + (size_t)i * per), want) <= 0)
            last = i;
    if (!rc && last == n)
        rc = LR_ENOTFOUND;
    const uint8_t *at = rc ? NULL : buf + LR_BTRFS_HEADER + (size_t)last * per;
    if (at && buf[100])
        rc = bt_search_le(fs, lr_get_le64(at + BT_KEY), buf[100] - 1, lr_get_le64(at + BT_KEY + 8),
                          want, out, err);
    else if (at)
        bt_take(buf, at, out);
    free(buf);
    return rc;
}

/* The chunk tree's items, every one: its leaves walked in order. */
static int bt_read_chunk_tree(lr_btrfs_t *fs, uint64_t logical, int level, uint64_t gen,
                              lr_error_t *err)
{
    uint8_t *buf = NULL;
    int rc = bt_load(fs, logical, level, gen, &buf, err);
    uint32_t n = rc ? 0 : lr_get_le32(buf + 96);
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (buf[100]) { /* a child one level down, of its pointer's generation */
            const uint8_t *kp = buf + LR_BTRFS_HEADER + (size_t)i * BT_KEY_PTR;
            rc = bt_read_chunk_tree(fs, lr_get_le64(kp + BT_KEY), buf[100] - 1,
                                    lr_get_le64(kp + BT_KEY + 8), err);
            continue;
        }
        const uint8_t *it = buf + LR_BTRFS_HEADER + (size_t)i * LR_BTRFS_ITEM;
        bt_key_t k = bt_key_at(it);
        if (k.type != BT_CHUNK_ITEM)
            continue;
        /* the leaf's chunks come after the system ones already mapped:
         * a system chunk is in both */
        uint64_t at;
        if (bt_map(fs, k.offset, 1, 0, &at))
            continue;
        rc = bt_add_chunk(fs, k.offset, buf + LR_BTRFS_HEADER + lr_get_le32(it + 17),
                          lr_get_le32(it + 21));
        if (rc == LR_EFORMAT)
            rc = lr_error_set(err, rc, LR_NO_OFFSET, "btrfs chunk item out of range");
        else if (rc == -ENOMEM)
            rc = lr_error_oom(err);
    }
    free(buf);
    return rc;
}

/* The system chunks the superblock lists (sb: its 4 KiB). */
static int bt_read_sys_chunks(lr_btrfs_t *fs, const uint8_t *sb, uint64_t at, lr_error_t *err)
{
    uint32_t size = lr_get_le32(sb + 160);
    if (size > BT_SYS_ARRAY_MAX)
        return lr_error_set(err, LR_EFORMAT, at, "btrfs superblock's system chunk array too large");
    const uint8_t *p = sb + BT_SYS_ARRAY_AT, *end = p + size;
    while (p < end) {
        if ((size_t)(end - p) < BT_KEY + BT_CHUNK_HEAD)
            return lr_error_set(err, LR_EFORMAT, at, "btrfs system chunk array cut short");
        bt_key_t k = bt_key_at(p);
        const uint8_t *item = p + BT_KEY;
        uint16_t stripes = (uint16_t)(item[44] | item[45] << 8);
        size_t len = BT_CHUNK_HEAD + (size_t)stripes * BT_STRIPE;
        if (k.type != BT_CHUNK_ITEM || !stripes || len > (size_t)(end - item))
            return lr_error_set(err, LR_EFORMAT, at, "btrfs system chunk array entry out of range");
        int rc = bt_add_chunk(fs, k.offset, item, len);
        if (rc == -ENOMEM)
            return lr_error_oom(err);
        if (rc)
            return lr_error_set(err, rc, at, "btrfs system chunk out of range");
        p = item + len;
    }
    return 0;
}

/* Reads the superblock copy at byte `copy` of the device into sb: 0 when
 * it is one (its place its own, its crc32c right), else why not. */
static int bt_read_super(lr_io_t *io, uint64_t start, uint64_t copy, uint8_t *sb, lr_error_t *err)
{
    uint64_t at = start + copy, said = 0;
    if (lr_io_size(io) < at || lr_io_size(io) - at < BT_SUPER_SIZE)
        return lr_error_set(err, LR_ENOTFOUND, at,
                            "no btrfs superblock (the image ends before it)");
    int rc = lr_io_pread(io, sb, BT_SUPER_SIZE, at, err);
    if (rc)
        return rc;
    if (!lr_btrfs_superblock(sb, BT_SUPER_SIZE, &said, NULL) || said != copy)
        return lr_error_set(err, LR_ENOTFOUND, at, "no btrfs superblock");
    uint16_t csum_type = (uint16_t)(sb[196] | sb[197] << 8);
    if (csum_type == 0 && ~lr_crc32c(0xffffffffu, sb + 32, BT_SUPER_SIZE - 32) != lr_get_le32(sb))
        return lr_error_set(err, LR_ECHECKSUM, at, "btrfs superblock checksum mismatch");
    return 0;
}

/* The superblock to open the btrfs at `start` by, into sb (*at: the byte
 * of io it lies at): the primary, else the mirror of the latest
 * generation that reads (btrfs writes every copy at each commit; a
 * damaged primary is what `btrfs rescue super-recover` mends from them),
 * its device reaching it. A mirror must be this filesystem's: the damaged
 * primary's fsid when its magic is there, else the first mirror's (an
 * older, larger btrfs's 256 GiB copy may outlive it). */
static int bt_pick_super(lr_io_t *io, uint64_t start, uint8_t *sb, uint64_t *at, lr_error_t *err)
{
    static const uint64_t copies[] = {BT_SUPER_AT, 64ull << 20, 256ull << 30};
    uint8_t mirror[BT_SUPER_SIZE], fsid[16];
    uint64_t best = 0;
    memset(sb, 0, BT_SUPER_SIZE);
    *at = start + BT_SUPER_AT;
    int rc = bt_read_super(io, start, BT_SUPER_AT, sb, err);
    bool named = rc != -ENOMEM && memcmp(sb + LR_BTRFS_MAGIC_AT, LR_BTRFS_MAGIC, 8) == 0;
    memcpy(fsid, sb + 32, sizeof(fsid));
    for (size_t i = 1; rc && rc != -ENOMEM && i < sizeof(copies) / sizeof(copies[0]); i++) {
        if (lr_io_size(io) < start + copies[i] + BT_SUPER_SIZE ||
            bt_read_super(io, start, copies[i], mirror, NULL) != 0 ||
            lr_get_le64(mirror + 209) < copies[i] + BT_SUPER_SIZE ||
            (named && memcmp(mirror + 32, fsid, sizeof(fsid)) != 0))
            continue;
        if (!named)
            memcpy(fsid, mirror + 32, sizeof(fsid));
        named = true;
        if (lr_get_le64(mirror + 72) <= best)
            continue;
        best = lr_get_le64(mirror + 72);
        memcpy(sb, mirror, BT_SUPER_SIZE);
        *at = start + copies[i];
    }
    if (rc && best) {
        rc = 0; /* a mirror read: the primary's fault is passed over */
        if (err)
            lr_error_clear(err);
    }
    return rc;
}

int lr_btrfs_open(lr_io_t *io, uint64_t start, lr_btrfs_t **out, lr_error_t *err)
{
    *out = NULL;
    uint8_t sb[BT_SUPER_SIZE];
    uint64_t at = 0;
    int rc = bt_pick_super(io, start, sb, &at, err);
    if (rc)
        return rc;
    lr_btrfs_t *fs = calloc(1, sizeof(*fs));
    if (!fs)
        return lr_error_oom(err);
    fs->io = io;
    fs->start = start;
    /* tree blocks carry metadata_uuid when the fsid was changed since */
    bool meta_uuid = lr_get_le64(sb + 188) & BT_INCOMPAT_METADATA_UUID;
    fs->no_holes = lr_get_le64(sb + 188) & BT_INCOMPAT_NO_HOLES;
    memcpy(fs->fsid, sb + (meta_uuid ? 571 : 32), 16);
    fs->devid = lr_get_le64(sb + 201);
    fs->root = lr_get_le64(sb + 80);
    fs->chunk_root = lr_get_le64(sb + 88);
    fs->sectorsize = lr_get_le32(sb + 144);
    fs->nodesize = lr_get_le32(sb + 148);
    fs->cache_slots =
        BT_CACHE_BYTES / fs->nodesize < BT_CACHE ? BT_CACHE_BYTES / fs->nodesize : BT_CACHE;
    uint16_t csum_type = (uint16_t)(sb[196] | sb[197] << 8);
    fs->crc32c = csum_type == 0;
    /* crc32c 4 bytes, xxhash64 8, sha256 and blake2b 32 */
    fs->csum_size = csum_type == 0 ? 4 : csum_type == 1 ? 8 : 32;
    if (!(fs->item = malloc(LR_BTRFS_MAX_NODE)) || !(fs->sum = malloc(LR_BTRFS_MAX_NODE)) ||
        !(fs->cache = calloc(fs->cache_slots, fs->nodesize))) {
        free(fs->item);
        free(fs->sum);
        free(fs);
        return lr_error_oom(err);
    }
    fs->reads_left = BT_READS_PER_CALL;
    rc = bt_read_sys_chunks(fs, sb, at, err);
    if (!rc)
        rc = bt_read_chunk_tree(fs, fs->chunk_root, -1, 0, err);
    if (rc) {
        lr_btrfs_free(fs);
        return rc;
    }
    *out = fs;
    return 0;
}

void lr_btrfs_free(lr_btrfs_t *fs)
{
    if (!fs)
        return;
    lr_btrfs_decoder_free(fs->dec);
    free(fs->chunks);
    free(fs->item);
    free(fs->sum);
    free(fs->cache);
    free(fs);
}

/* The logical address of the extent whose first byte lies at byte `at`
 * of io: false when no chunk of this device holds it. */
static bool bt_unmap(const lr_btrfs_t *fs, uint64_t at, uint64_t *logical)
{
    if (at < fs->start)
        return false;
    uint64_t dev = at - fs->start;
    for (size_t i = 0; i < fs->n_chunks; i++) {
        const bt_chunk_t *c = &fs->chunks[i];
        for (unsigned k = 0; k < c->copies; k++)
            if (dev >= c->physical[k] && dev - c->physical[k] < c->length) {
                *logical = c->logical + (dev - c->physical[k]);
                return true;
            }
    }
    return false;
}

/* The bytes after its type byte an inline extent reference takes, 0 for
 * a type not known: tree block (176), shared block (182) and owner (172)
 * refs an le64, a shared data ref an le64 and an le32, an extent data ref
 * root, objectid and offset le64s and a count le32. */
static size_t bt_ref_size(uint8_t type)
{
    switch (type) {
    case BT_EXTENT_DATA_REF:
        return 28;
    case BT_SHARED_DATA_REF:
        return 12;
    case 172:
    case 176:
    case 182:
        return 8;
    default:
        return 0;
    }
}

/* The first extent a file is asked to begin with: the data extent at
 * `logical`, or (item not NULL) an inline extent, the item's bytes
 * (item_len) as the leaf at `logical` holds them. */
typedef struct bt_first {
    uint64_t logical;
    const uint8_t *item;
    size_t item_len;
} bt_first_t;

/* A file that may begin with an extent: its tree's id and its inode. */
typedef struct bt_owner {
    uint64_t root, ino;
} bt_owner_t;
#define BT_MAX_OWNERS 8u /* references followed per extent, of each kind */
#define BT_MAX_TRIES 64u /* files tried per extent, a snapshot's subvolumes with them */
#define BT_FIRST_SUBVOL 256u
#define BT_LAST_SUBVOL 0xffffffffffffff00ull /* BTRFS_LAST_FREE_OBJECTID */
#define BT_MAX_SUBVOLS 1024u                 /* subvolumes looked into for a shared leaf's inode */

/* The files an extent's references name, and the leaves its shared
 * references name (a leaf of a snapshot's tree, and of any tree that
 * shares it) with the inodes those leaves say begin with it. */
typedef struct bt_cands {
    bt_owner_t v[BT_MAX_TRIES];
    size_t n, direct; /* candidates; the first `direct` of them a reference's */
    uint64_t parent[BT_MAX_OWNERS];
    size_t n_parents;
    uint64_t ino[BT_MAX_OWNERS];
    size_t n_inos;
} bt_cands_t;

static void bt_owner_add(bt_cands_t *c, uint64_t root, uint64_t ino)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].root == root && c->v[i].ino == ino)
            return;
    if (c->n < BT_MAX_TRIES)
        c->v[c->n++] = (bt_owner_t){root, ino};
}

static void bt_id_add(uint64_t *v, size_t *n, uint64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i] == id)
            return;
    if (*n < BT_MAX_OWNERS)
        v[(*n)++] = id;
}

/* The data references of the extent at `logical` into c: those whose
 * offset (the file's byte the extent's byte 0 is, less the item's extent
 * offset) is 0 as files, the shared ones as leaves; inline, then keyed
 * items of their own. None when it has no extent item (a deleted
 * file's). */
static int bt_refs(lr_btrfs_t *fs, uint64_t extent_root, uint64_t logical, bt_cands_t *c,
                   lr_error_t *err)
{
    uint8_t *data = fs->item;
    bt_found_t f = {.data = data, .cap = LR_BTRFS_MAX_NODE};
    int rc = bt_find(fs, extent_root, logical, BT_EXTENT_ITEM, 0, &f, err);
    if (rc)
        return rc == LR_ENOTFOUND ? 0 : rc;
    if (f.len < 24 || f.len > f.cap || !(lr_get_le64(data + 16) & 1)) /* EXTENT_FLAG_DATA */
        return 0;
    for (size_t p = 24; p < f.len;) {
        uint8_t type = data[p];
        size_t body = bt_ref_size(type);
        if (!body || p + 1 + body > f.len)
            break; /* a reference this reader does not know: the keyed ones still */
        if (type == BT_EXTENT_DATA_REF && lr_get_le64(data + p + 17) == 0 && c->n < BT_MAX_OWNERS)
            bt_owner_add(c, lr_get_le64(data + p + 1), lr_get_le64(data + p + 9));
        if (type == BT_SHARED_DATA_REF)
            bt_id_add(c->parent, &c->n_parents, lr_get_le64(data + p + 1));
        p += 1 + body;
    }
    /* references too many to hold inline: items of their own (a data
     * reference's offset a hash, a shared one's its leaf) */
    static const uint8_t types[] = {BT_EXTENT_DATA_REF, BT_SHARED_DATA_REF};
    for (size_t t = 0; t < sizeof(types); t++)
        for (uint64_t off = 0;;) {
            rc = bt_find(fs, extent_root, logical, types[t], off, &f, err);
            if (rc == LR_ENOTFOUND || (rc && rc != -ENOMEM && c->n + c->n_parents))
                break; /* those found are still tried */
            if (rc)
                return rc;
            if (types[t] == BT_SHARED_DATA_REF)
                bt_id_add(c->parent, &c->n_parents, f.key.offset);
            else if (f.len >= 28 && f.len <= f.cap && lr_get_le64(data + 16) == 0 &&
                     c->n < BT_MAX_OWNERS)
                bt_owner_add(c, lr_get_le64(data), lr_get_le64(data + 8));
            if (f.key.offset == UINT64_MAX ||
                (types[t] == BT_EXTENT_DATA_REF ? c->n >= BT_MAX_OWNERS
                                                : c->n_parents >= BT_MAX_OWNERS))
                break;
            off = f.key.offset + 1;
        }
    return 0;
}

/* The leaf at `parent` a shared reference names: each file whose first
 * extent item there is the extent at `logical` from its byte 0, as a
 * file of the tree the leaf says owns it and as an inode to look for in
 * the others (a snapshot shares the leaf; the tree that made it may have
 * moved on). A leaf that does not read is passed over. */
static int bt_shared_leaf(lr_btrfs_t *fs, uint64_t parent, uint64_t logical, bt_cands_t *c)
{
    uint8_t *buf = NULL;
    int rc = bt_load(fs, parent, 0, 0, &buf, NULL);
    uint32_t n = rc ? 0 : lr_get_le32(buf + 96);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *it = buf + LR_BTRFS_HEADER + (size_t)i * LR_BTRFS_ITEM;
        bt_key_t k = bt_key_at(it);
        const uint8_t *fe = buf + LR_BTRFS_HEADER + lr_get_le32(it + 17);
        if (k.type != BT_EXTENT_DATA || k.offset || lr_get_le32(it + 21) < BT_FE_SIZE ||
            fe[20] != BT_FE_REG || lr_get_le64(fe + 21) != logical || lr_get_le64(fe + 37))
            continue;
        bt_owner_add(c, lr_get_le64(buf + 88), k.objectid);
        bt_id_add(c->ino, &c->n_inos, k.objectid);
    }
    free(buf);
    return rc == -ENOMEM ? rc : 0;
}

/* Each subvolume (tree 5, then 256 on: snapshots among them; the first
 * BT_MAX_SUBVOLS) as a tree the inodes of c->ino may be in. */
static int bt_subvols(lr_btrfs_t *fs, bt_cands_t *c, lr_error_t *err)
{
    uint8_t *data = fs->item;
    bt_found_t f = {.data = data, .cap = LR_BTRFS_MAX_NODE};
    uint64_t id = BT_FS_TREE;
    for (unsigned k = 0; k < BT_MAX_SUBVOLS && c->n < BT_MAX_TRIES; k++) {
        int rc = bt_search_ge(fs, fs->root, -1, 0, (bt_key_t){id, BT_ROOT_ITEM, 0}, &f, err);
        if (rc == LR_ENOTFOUND)
            break;
        if (rc)
            return rc;
        id = f.key.objectid;
        if (id > BT_LAST_SUBVOL)
            break; /* the trees of negative ids: no subvolume */
        if (f.key.type == BT_ROOT_ITEM && (id == BT_FS_TREE || id >= BT_FIRST_SUBVOL))
            for (size_t i = 0; i < c->n_inos; i++)
                bt_owner_add(c, id, c->ino[i]);
        /* the next tree's items; past the system trees (6 to 255) */
        id = id < BT_FIRST_SUBVOL ? BT_FIRST_SUBVOL : id + 1;
    }
    return 0;
}

/* The files that may begin with the data extent at `logical` (c->n of
 * them): its references' (BT_MAX_OWNERS of each kind at most), then, when
 * a shared reference names a leaf that says an inode begins with it,
 * that inode in every subvolume (BT_MAX_TRIES in all). None: a deleted
 * file's extent. */
static int bt_owners(lr_btrfs_t *fs, uint64_t extent_root, uint64_t logical, bt_cands_t *c,
                     lr_error_t *err)
{
    memset(c, 0, sizeof(*c));
    int rc = bt_refs(fs, extent_root, logical, c, err);
    c->direct = c->n;
    for (size_t i = 0; !rc && i < c->n_parents; i++)
        if (bt_shared_leaf(fs, c->parent[i], logical, c) == -ENOMEM)
            rc = lr_error_oom(err);
    if (!rc && c->n_inos)
        rc = bt_subvols(fs, c, err);
    return rc;
}

/* The root block of tree `id` (its ROOT_ITEM in the root tree). */
static int bt_tree_root(lr_btrfs_t *fs, uint64_t id, uint64_t *root, lr_error_t *err)
{
    uint8_t *data = fs->item;
    bt_found_t f = {.data = data, .cap = LR_BTRFS_MAX_NODE};
    int rc = bt_find(fs, fs->root, id, BT_ROOT_ITEM, 0, &f, err);
    if (rc)
        return rc;
    if (f.len < 184 || f.len > f.cap)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs root item of tree %" PRIu64 " too short", id);
    *root = lr_get_le64(data + 176);
    return 0;
}

/* The checksum the checksum tree holds for the data sector at `logical`
 * into *sum (fs->csum_size bytes; a pointer into fs->sum): 0, or
 * LR_ENOTFOUND when none is stored. The item found last is kept: an
 * extent's sectors follow one another in it. */
static int bt_sum_of(lr_btrfs_t *fs, uint64_t logical, const uint8_t **sum, lr_error_t *err)
{
    if (!fs->csum_looked) { /* once: a fault reading the root tree is said each time */
        int rc = bt_tree_root(fs, BT_CSUM_TREE, &fs->csum_root, err);
        if (rc && rc != LR_ENOTFOUND)
            return rc;
        fs->csum_looked = true;
    }
    uint64_t per = fs->sum_len / fs->csum_size; /* sectors the kept item covers */
    if (!fs->sum_len || logical < fs->sum_logical ||
        (logical - fs->sum_logical) / fs->sectorsize >= per) {
        if (!fs->csum_root)
            return LR_ENOTFOUND;
        bt_found_t f = {.data = fs->sum, .cap = LR_BTRFS_MAX_NODE};
        fs->sum_len = 0;
        int rc = bt_search_le(fs, fs->csum_root, -1, 0,
                              (bt_key_t){BT_CSUM_OBJECTID, BT_EXTENT_CSUM, logical}, &f, err);
        if (rc)
            return rc;
        if (f.key.objectid != BT_CSUM_OBJECTID || f.key.type != BT_EXTENT_CSUM ||
            f.key.offset % fs->sectorsize || f.len > f.cap)
            return LR_ENOTFOUND;
        fs->sum_logical = f.key.offset;
        fs->sum_len = f.len - f.len % fs->csum_size;
        per = fs->sum_len / fs->csum_size;
        if ((logical - fs->sum_logical) / fs->sectorsize >= per)
            return LR_ENOTFOUND;
    }
    *sum = fs->sum + (logical - fs->sum_logical) / fs->sectorsize * fs->csum_size;
    return 0;
}

/* Checks the data sectors at `logical` (buf, len bytes: whole sectors)
 * against their stored checksums, adding to *t what was found; 0 when
 * none failed, 1 with *bad the first that did. */
static int bt_sums_check(lr_btrfs_t *fs, uint64_t logical, const uint8_t *buf, size_t len,
                         lr_btrfs_sums_t *t, uint64_t *bad, lr_error_t *err)
{
    for (size_t off = 0; off < len; off += fs->sectorsize) {
        const uint8_t *sum = NULL;
        int rc = bt_sum_of(fs, logical + off, &sum, err);
        if (rc == LR_ENOTFOUND) {
            t->unstored++;
            continue;
        }
        if (rc)
            return rc;
        if (!fs->crc32c) {
            t->unverified++;
            continue;
        }
        if (~lr_crc32c(0xffffffffu, buf + off, fs->sectorsize) != lr_get_le32(sum)) {
            *bad = logical + off;
            return 1;
        }
        t->checked++;
    }
    return 0;
}

/* Reads the data at `logical` (len bytes, whole sectors from a sector's
 * start) into out from the first copy on this device whose sectors all
 * match their checksums: a copy that does not, the next (DUP's second),
 * as the kernel reads another mirror. None: LR_ECHECKSUM naming the
 * first copy's bad sector. */
static int bt_read_data(lr_btrfs_t *fs, uint64_t logical, uint8_t *out, size_t len, lr_error_t *err)
{
    if (logical % fs->sectorsize || len % fs->sectorsize)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs data at logical %" PRIu64 " is not in whole sectors", logical);
    uint64_t at = 0, bad = 0, bad_at = 0;
    int rc = bt_map_first(fs, "extent", logical, len, &at, err);
    unsigned k = 0;
    for (; !rc && (k == 0 || bt_map(fs, logical, len, k, &at)); k++) {
        lr_btrfs_sums_t t = {0};
        uint64_t b = 0;
        if ((rc = lr_io_pread(fs->io, out, len, at, err)) != 0)
            return rc;
        rc = bt_sums_check(fs, logical, out, len, &t, &b, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            fs->sums.checked += t.checked;
            fs->sums.unstored += t.unstored;
            fs->sums.unverified += t.unverified;
            return 0;
        }
        if (k == 0) {
            bad = b;
            bad_at = at + (b - logical);
        }
        rc = 0;
    }
    if (rc)
        return rc;
    fs->sums.damaged = true;
    return lr_error_set(err, LR_ECHECKSUM, bad_at,
                        "btrfs data sector at logical %" PRIu64 " (byte %" PRIu64
                        ") fails its checksum%s",
                        bad, bad_at, k > 1 ? " in every copy" : "");
}

/* Decodes the stored bytes of a compressed extent (in, in_len) into out
 * (out_len bytes at most; whole: exactly, as lr_btrfs_decode's): at
 * least `need` of them made, or why not (at: the byte of io err names). */
static int bt_decode(lr_btrfs_t *fs, uint8_t comp, const uint8_t *in, size_t in_len, uint8_t *out,
                     size_t out_len, bool whole, uint64_t need, uint64_t at, lr_error_t *err)
{
    if (!fs->dec && lr_btrfs_decoder_new(&fs->dec) != 0)
        return lr_error_oom(err);
    lr_btrfs_decoded_t r;
    int st = lr_btrfs_decode(fs->dec, comp, in, in_len, out, out_len, whole, &r);
    if (st == -ENOMEM)
        return lr_error_oom(err);
    if (st == -ENOTSUP)
        return lr_error_set(err, -ENOTSUP, at, "btrfs compression %u not decoded by this build",
                            comp);
    if (st || r.made < need)
        return lr_error_set(err, LR_EFORMAT, at,
                            "btrfs compressed extent does not decode (%zu of %" PRIu64 " bytes)",
                            r.made, need);
    return 0;
}

/* Reads the bytes a regular extent item (fe, its file's bytes from
 * `pos`) gives into out (want bytes): decoded when compressed. */
static int bt_read_extent(lr_btrfs_t *fs, const uint8_t *fe, uint8_t *out, size_t want,
                          lr_error_t *err)
{
    uint8_t comp = fe[16];
    uint64_t bytenr = lr_get_le64(fe + 21), disk = lr_get_le64(fe + 29);
    uint64_t offset = lr_get_le64(fe + 37), ram = lr_get_le64(fe + 8), at;
    if (!bytenr || fe[20] == BT_FE_PREALLOC) { /* a hole, or space not written: zeros */
        memset(out, 0, want);
        return 0;
    }
    if (comp > LR_BTRFS_ZSTD)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs extent at logical %" PRIu64 " names compression %u, which btrfs "
                            "does not write",
                            bytenr, comp);
    if (comp == LR_BTRFS_NONE) {
        /* within its extent, the extent within the address space */
        if (offset > disk || want > disk - offset || bytenr > UINT64_MAX - disk)
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "btrfs extent at logical %" PRIu64 " out of range", bytenr);
        /* whole sectors, checked; the last one, part of it the file's,
         * through a sector of its own */
        size_t tail = want % fs->sectorsize, whole = want - tail;
        int rc = whole ? bt_read_data(fs, bytenr + offset, out, whole, err) : 0;
        if (rc || !tail)
            return rc;
        if (offset + whole + fs->sectorsize > disk)
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "btrfs extent at logical %" PRIu64 " out of range", bytenr);
        uint8_t *last = malloc(fs->sectorsize);
        if (!last)
            return lr_error_oom(err);
        rc = bt_read_data(fs, bytenr + offset + whole, last, fs->sectorsize, err);
        if (!rc)
            memcpy(out + whole, last, tail);
        free(last);
        return rc;
    }
    if (disk > LR_BTRFS_MAX_STORED || ram > LR_BTRFS_MAX_EXTENT || offset > ram ||
        want > ram - offset)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs compressed extent at logical %" PRIu64 " out of range", bytenr);
    int rc = bt_map_first(fs, "extent", bytenr, disk, &at, err);
    if (rc)
        return rc;
    uint8_t *in = malloc((size_t)disk + (size_t)ram);
    if (!in)
        return lr_error_oom(err);
    uint8_t *dec = in + disk;
    rc = bt_read_data(fs, bytenr, in, (size_t)disk, err);
    if (!rc)
        rc = bt_decode(fs, comp, in, (size_t)disk, dec, (size_t)ram, false, offset + want, at, err);
    if (!rc)
        memcpy(out, dec + offset, want);
    free(in);
    return rc;
}

/* Decodes an inline extent item (fe, len bytes) into out: its bytes up
 * to want (*took of them). */
static int bt_read_inline(lr_btrfs_t *fs, const uint8_t *fe, size_t len, uint8_t *out, size_t want,
                          size_t *took, lr_error_t *err)
{
    uint8_t comp = fe[16];
    uint64_t ram = lr_get_le64(fe + 8);
    size_t stored = len - BT_FE_INLINE;
    if (!ram || ram > LR_BTRFS_MAX_NODE || comp > LR_BTRFS_ZSTD || (!comp && ram != stored))
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "btrfs inline extent out of range");
    *took = ram < want ? (size_t)ram : want;
    if (!comp) {
        memcpy(out, fe + BT_FE_INLINE, *took);
        return 0;
    }
    uint8_t *dec = malloc((size_t)ram);
    if (!dec)
        return lr_error_oom(err);
    int rc = bt_decode(fs, comp, fe + BT_FE_INLINE, stored, dec, (size_t)ram, true, (size_t)ram,
                       LR_NO_OFFSET, err);
    if (!rc)
        memcpy(out, dec, *took);
    free(dec);
    return rc;
}

/* Reads inode ino of tree `tree` from byte 0 into buf (len bytes at most,
 * *got read); *size its size. outp not NULL: into a buffer of its size
 * made here (*outp, the caller's), len then the most it may be (more:
 * LR_ELIMIT). */
static int bt_read_inode(lr_btrfs_t *fs, uint64_t tree, uint64_t ino, const bt_first_t *first,
                         uint8_t *buf, size_t len, uint8_t **outp, size_t *got, uint64_t *size,
                         lr_error_t *err)
{
    uint8_t *data = fs->item;
    bt_found_t f = {.data = data, .cap = LR_BTRFS_MAX_NODE};
    int rc = bt_find(fs, tree, ino, BT_INODE_ITEM, 0, &f, err);
    if (rc == LR_ENOTFOUND && first->item) /* a leaf's inode, not a reference's: deleted since */
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET,
                            "btrfs inode %" PRIu64 " is in no tree now", ino);
    if (rc == LR_ENOTFOUND)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "btrfs inode %" PRIu64 " has extents but no inode item", ino);
    if (rc)
        return rc;
    if (f.len < 24 || f.len > f.cap)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "btrfs inode %" PRIu64 " item too short",
                            ino);
    *size = lr_get_le64(data + 16);
    /* the file must be the one whose first extent was asked for: a data
     * extent's, or an inline one (the same bytes: the leaf found may be
     * an older copy of the tree's) */
    rc = bt_find(fs, tree, ino, BT_EXTENT_DATA, 0, &f, err);
    bool begins =
        !rc && f.key.offset == 0 && f.len <= f.cap &&
        (first->item ? f.len == first->item_len && memcmp(data, first->item, f.len) == 0
                     : f.len >= BT_FE_SIZE && data[20] == BT_FE_REG &&
                           lr_get_le64(data + 21) == first->logical && !lr_get_le64(data + 37));
    if (rc == LR_ENOTFOUND || (!rc && !begins))
        return lr_error_set(
            err, LR_ENOTFOUND, LR_NO_OFFSET,
            "btrfs inode %" PRIu64 " does not begin with the %s at logical %" PRIu64, ino,
            first->item ? "inline extent of the leaf" : "extent", first->logical);
    if (rc)
        return rc;
    if (outp && *size > len)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                            "btrfs inode %" PRIu64 " is %" PRIu64 " bytes, more than %zu", ino,
                            *size, len);
    if (outp && !(buf = *outp = malloc(*size ? (size_t)*size : 1)))
        return lr_error_oom(err);
    size_t want = *size < len ? (size_t)*size : len;
    size_t pos = 0;
    while (pos < want) {
        rc = bt_find(fs, tree, ino, BT_EXTENT_DATA, pos, &f, err);
        if (rc && rc != LR_ENOTFOUND)
            return rc;
        /* no item from pos on, or the next further on: a hole (no-holes,
         * mkfs's default since btrfs-progs 5.15, writes no item for one),
         * zeros, as the kernel reads it; without no-holes every hole has
         * an item, and a missing one is damage, not zeros */
        uint64_t next = rc ? UINT64_MAX : f.key.offset;
        if (next > pos && !fs->no_holes)
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "btrfs inode %" PRIu64 " has no extent at byte %zu", ino, pos);
        if (next > pos) {
            size_t gap = next - pos < want - pos ? (size_t)(next - pos) : want - pos;
            memset(buf + pos, 0, gap);
            pos += gap;
            continue;
        }
        if (pos == 0 && f.len <= f.cap && f.len > BT_FE_INLINE && data[20] == BT_FE_INLINE_TYPE &&
            !data[17] && !data[18] && !data[19]) {
            size_t take = 0; /* the file's first bytes, inline in its leaf */
            rc = bt_read_inline(fs, data, f.len, buf, want, &take, err);
            if (rc)
                return rc;
            pos += take;
            continue;
        }
        if (f.len < BT_FE_SIZE || f.len > f.cap ||
            (data[20] != BT_FE_REG && data[20] != BT_FE_PREALLOC) || data[17] || data[18] ||
            data[19])
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "btrfs inode %" PRIu64 " extent at byte %zu not read", ino, pos);
        uint64_t n = lr_get_le64(data + 45);
        /* a data extent holds 128 MiB at most; a hole item any length */
        if (!n || (lr_get_le64(data + 21) && n > LR_BTRFS_MAX_EXTENT * 1024ull))
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "btrfs inode %" PRIu64 " extent at byte %zu out of range", ino,
                                pos);
        size_t take = n < want - pos ? (size_t)n : want - pos;
        rc = bt_read_extent(fs, data, buf + pos, take, err);
        if (rc)
            return rc;
        pos += take;
    }
    *got = pos;
    return 0;
}

/* Tries each file of c in turn: the first that begins with `first` is
 * read (0); none: the first one's fault (the first not a not-found, when
 * one is), a subvolume looked into for a shared leaf's inode not said
 * over a reference's own fault. at: the byte of io errors name. */
static int bt_try(lr_btrfs_t *fs, const bt_cands_t *c, uint64_t at, const bt_first_t *first,
                  uint8_t *buf, size_t len, uint8_t **outp, size_t *got, uint64_t *size,
                  lr_error_t *err)
{
    int first_rc = 0;
    bool first_damaged = false;
    lr_error_t first_err;
    lr_error_clear(&first_err);
    for (size_t i = 0; i < c->n; i++) {
        lr_error_t e;
        lr_error_clear(&e);
        uint64_t tree = 0;
        int r = bt_tree_root(fs, c->v[i].root, &tree, &e);
        if (r == LR_ENOTFOUND)
            r = lr_error_set(&e, r, at, "the btrfs tree %" PRIu64 " that refers to it is gone",
                             c->v[i].root);
        fs->sums = (lr_btrfs_sums_t){0}; /* this file's sectors only */
        if (!r)
            r = bt_read_inode(fs, tree, c->v[i].ino, first, buf, len, outp, got, size, &e);
        if (!r)
            return 0;
        if (outp) { /* made for this file, not the next */
            free(*outp);
            *outp = NULL;
        }
        *got = 0;
        if (r == -ENOMEM)
            return lr_error_oom(err);
        if (i >= c->direct && r == LR_ENOTFOUND && first_rc)
            continue;
        if (!first_rc || (first_rc == LR_ENOTFOUND && r != LR_ENOTFOUND)) {
            first_rc = r; /* a fault says more than another file's not beginning so */
            first_err = e;
            first_damaged = fs->sums.damaged;
        }
    }
    if (err)
        *err = first_err;
    fs->sums = (lr_btrfs_sums_t){.damaged = first_damaged};
    return first_rc;
}

/* What every read starts with: nothing read, nothing said, the budget
 * of tree blocks full. */
static void bt_read_start(lr_btrfs_t *fs, size_t *got, uint64_t *size)
{
    *got = 0;
    *size = 0;
    fs->reads_left = BT_READS_PER_CALL;
    fs->sums = (lr_btrfs_sums_t){0};
}

/* What every read ends with: a file not found said nothing of, the
 * tallies of one that failed cleared but for damage. */
static int bt_read_end(lr_btrfs_t *fs, int rc, uint64_t *size)
{
    if (rc == LR_ENOTFOUND)
        *size = 0; /* no file: nothing said of one */
    if (rc)
        fs->sums = (lr_btrfs_sums_t){.damaged = rc == LR_ECHECKSUM && fs->sums.damaged};
    return rc;
}

/* lr_btrfs_read_file_at, and lr_btrfs_read_file_alloc when outp is not
 * NULL (len: the most the file may be). */
static int bt_read_file(lr_btrfs_t *fs, uint64_t at, void *buf, size_t len, uint8_t **outp,
                        size_t *got, uint64_t *size, lr_error_t *err)
{
    bt_read_start(fs, got, size);
    uint64_t logical = 0, extent_root = 0;
    if (!bt_unmap(fs, at, &logical))
        return lr_error_set(err, LR_ENOTFOUND, at, "no chunk of this btrfs's device holds it");
    int rc = bt_tree_root(fs, BT_EXTENT_TREE, &extent_root, err);
    if (rc == LR_ENOTFOUND)
        rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "the btrfs has no extent tree");
    bt_cands_t *c = calloc(1, sizeof(*c));
    if (!rc && !c)
        rc = lr_error_oom(err);
    if (!rc)
        rc = bt_owners(fs, extent_root, logical, c, err);
    if (!rc && !c->n)
        rc = lr_error_set(err, LR_ENOTFOUND, at,
                          "no file refers to the extent at logical %" PRIu64 " from its byte 0",
                          logical);
    /* the first of them that begins with it (a reflinked copy may refer
     * to it from its byte 0 at another of the extent's bytes) */
    bt_first_t first = {logical, NULL, 0};
    if (!rc)
        rc = bt_try(fs, c, at, &first, buf, len, outp, got, size, err);
    free(c);
    return bt_read_end(fs, rc, size);
}

/* The inline file of item `item` of the leaf at byte `at` of io: read
 * as bt_read_file reads one (outp: into a buffer of its size). */
static int bt_read_inline_file(lr_btrfs_t *fs, uint64_t at, uint32_t item, void *buf, size_t len,
                               uint8_t **outp, size_t *got, uint64_t *size, lr_error_t *err)
{
    bt_read_start(fs, got, size);
    uint64_t logical = 0;
    if (!bt_unmap(fs, at, &logical))
        return lr_error_set(err, LR_ENOTFOUND, at, "no chunk of this btrfs's device holds it");
    uint8_t *leaf = NULL, *copy = NULL;
    bt_cands_t *c = NULL;
    int rc = bt_load(fs, logical, 0, 0, &leaf, err);
    if (!rc && item >= lr_get_le32(leaf + 96))
        rc = lr_error_set(err, LR_ERANGE, at, "btrfs leaf item %u past its items", item);
    const uint8_t *it = rc ? NULL : leaf + LR_BTRFS_HEADER + (size_t)item * LR_BTRFS_ITEM;
    size_t dlen = it ? lr_get_le32(it + 21) : 0;
    const uint8_t *d = it ? leaf + LR_BTRFS_HEADER + lr_get_le32(it + 17) : NULL;
    if (!rc && (it[8] != BT_EXTENT_DATA || lr_get_le64(it + 9) || dlen <= BT_FE_INLINE ||
                d[20] != BT_FE_INLINE_TYPE))
        rc = lr_error_set(err, LR_ENOTFOUND, at, "btrfs leaf item %u is no file's inline start",
                          item);
    if (!rc && (!(copy = malloc(dlen)) || !(c = calloc(1, sizeof(*c)))))
        rc = lr_error_oom(err);
    if (!rc) {
        memcpy(copy, d, dlen);
        /* its inode in the tree the leaf says owns it, then in each
         * subvolume (a snapshot shares the leaf) */
        c->ino[c->n_inos++] = lr_get_le64(it);
        /* not the log tree's (an fsync's), or another tree not a subvolume */
        uint64_t owner = lr_get_le64(leaf + 88);
        if (owner <= BT_LAST_SUBVOL)
            bt_owner_add(c, owner, lr_get_le64(it));
        c->direct = c->n;
        rc = bt_subvols(fs, c, err);
    }
    bt_first_t first = {logical, copy, dlen};
    if (!rc)
        rc = bt_try(fs, c, at, &first, buf, len, outp, got, size, err);
    free(c);
    free(copy);
    free(leaf);
    return bt_read_end(fs, rc, size);
}

int lr_btrfs_read_file_at(lr_btrfs_t *fs, uint64_t at, void *buf, size_t len, size_t *got,
                          uint64_t *size, lr_error_t *err)
{
    return bt_read_file(fs, at, buf, len, NULL, got, size, err);
}

/* An allocating read's end: on failure, no buffer (rc passed on). */
static int bt_alloc_done(int rc, uint8_t **out)
{
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

enum lr_btrfs_sums_verdict lr_btrfs_sums_verdict(const lr_btrfs_sums_t *s)
{
    if (s->unverified)
        return LR_BTRFS_SUMS_UNVERIFIED;
    if (s->unstored)
        return s->checked ? LR_BTRFS_SUMS_SOME_UNSTORED : LR_BTRFS_SUMS_UNSTORED;
    return s->checked ? LR_BTRFS_SUMS_RIGHT : LR_BTRFS_SUMS_NONE_READ;
}

void lr_btrfs_last_sums(const lr_btrfs_t *fs, lr_btrfs_sums_t *out)
{
    *out = fs->sums;
}

int lr_btrfs_read_inline_file_at(lr_btrfs_t *fs, uint64_t at, uint32_t item, void *buf, size_t len,
                                 size_t *got, uint64_t *size, lr_error_t *err)
{
    return bt_read_inline_file(fs, at, item, buf, len, NULL, got, size, err);
}

int lr_btrfs_read_inline_file_alloc(lr_btrfs_t *fs, uint64_t at, uint32_t item, size_t max,
                                    uint8_t **out, uint64_t *size, lr_error_t *err)
{
    size_t got = 0;
    *out = NULL;
    return bt_alloc_done(bt_read_inline_file(fs, at, item, NULL, max, out, &got, size, err), out);
}

int lr_btrfs_read_file_alloc(lr_btrfs_t *fs, uint64_t at, size_t max, uint8_t **out, uint64_t *size,
                             lr_error_t *err)
{
    size_t got = 0;
    *out = NULL;
    return bt_alloc_done(bt_read_file(fs, at, NULL, max, out, &got, size, err), out);
}
