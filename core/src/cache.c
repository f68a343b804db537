/* dm-cache metadata on persistent-data structures (see lr/cache.h). */
#include "lr/cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "lr/crc.h"

#define SB_CSUM_XOR 9031977u      /* dm-cache-metadata.c SUPERBLOCK_CSUM_XOR */
#define BTREE_CSUM_XOR 121107u    /* dm-btree-internal.h */
#define ARRAY_CSUM_XOR 595846735u /* dm-array.c */
#define NODE_INTERNAL 1u
#define NODE_LEAF 2u
#define NODE_HEADER 32u
#define ARRAY_HEADER 24u
#define MAX_DEPTH 16
#define M_VALID 1u
#define M_DIRTY 2u

/* dm_bm_checksum: crc32c(~0) over the block after the csum field, XORed. */
static bool csum_ok(const uint8_t *blk, uint32_t xor_salt)
{
    uint32_t want = lr_get_le32(blk);
    return (lr_crc32c_block(blk, LR_PDATA_BLOCK, xor_salt)) == want;
}

int lr_cache_sb_decode(const void *buf, size_t len, lr_cache_sb_t *out, lr_error_t *err)
{
    if (!buf || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    if (len < LR_PDATA_BLOCK)
        return lr_error_set(err, LR_ERANGE, 0, "cache superblock: %zu bytes, need %u", len,
                            LR_PDATA_BLOCK);
    const uint8_t *p = buf;
    memset(out, 0, sizeof(*out));
    if (lr_get_le64(p + 32) != LR_CACHE_MAGIC)
        return lr_error_set(err, LR_ENOTFOUND, 32, "no dm-cache superblock (magic %" PRIu64 ")",
                            lr_get_le64(p + 32));
    if (!csum_ok(p, SB_CSUM_XOR))
        return lr_error_set(err, LR_ECHECKSUM, 0, "dm-cache superblock: checksum mismatch");
    if (lr_get_le64(p + 8) != 0)
        return lr_error_set(err, LR_EFORMAT, 8, "dm-cache superblock says it is block %" PRIu64,
                            lr_get_le64(p + 8));
    out->flags = lr_get_le32(p + 4);
    out->clean_shutdown = out->flags & 1u;
    out->version = lr_get_le32(p + 40);
    memcpy(out->policy, p + 44, 16);
    out->policy[16] = 0;
    out->mapping_root = lr_get_le64(p + 192);
    out->hint_root = lr_get_le64(p + 200);
    out->data_block_size = lr_get_le32(p + 232);
    out->metadata_block_size = lr_get_le32(p + 236);
    out->cache_blocks = lr_get_le32(p + 240);
    if (out->version != 1 && out->version != 2)
        return lr_error_set(err, LR_EFORMAT, 40, "dm-cache metadata version %u (1 and 2 known)",
                            (unsigned)out->version);
    if (out->version == 2)
        out->dirty_root = lr_get_le64(p + 284);
    if (out->data_block_size == 0)
        return lr_error_set(err, LR_EFORMAT, 232, "dm-cache data block size 0");
    return 0;
}

/* ---- the array walk ------------------------------------------------------ */

typedef struct walk {
    uint64_t nr_blocks;
    lr_pdata_read_fn rd;
    void *rd_arg;
    uint8_t *seen;               /* a bit per metadata block: a tree must not revisit one */
    uint8_t *buf[MAX_DEPTH + 2]; /* a node per depth, then an array block */
    lr_error_t *err;
    /* what each array value does */
    int (*value)(struct walk *w, uint64_t index, const uint8_t *v);
    uint64_t limit; /* entries allowed (cache blocks, or bitset words) */
    const lr_cache_sb_t *sb;
    uint8_t *dirty; /* v2: bit per cache block */
    lr_cache_mapping_fn fn;
    void *fn_arg;
} walk_t;

static int read_block(walk_t *w, uint64_t b, uint8_t *buf, const char *what)
{
    if (b >= w->nr_blocks)
        return lr_error_set(w->err, LR_EFORMAT, LR_NO_OFFSET,
                            "dm-cache %s: block %" PRIu64 " is past the metadata LV (%" PRIu64
                            " blocks)",
                            what, b, w->nr_blocks);
    if (w->seen[b / 8] & (1u << (b % 8)))
        return lr_error_set(w->err, LR_EFORMAT, b * LR_PDATA_BLOCK,
                            "dm-cache %s: block %" PRIu64 " is reached twice (a cycle)", what, b);
    w->seen[b / 8] |= (uint8_t)(1u << (b % 8));
    return w->rd(w->rd_arg, b, buf, w->err);
}

/* One array block: its le64 values in order. */
static int array_block(walk_t *w, uint64_t index, uint64_t b, uint8_t *buf)
{
    int rc = read_block(w, b, buf, "array block");
    if (rc)
        return rc;
    uint64_t off = b * LR_PDATA_BLOCK;
    if (!csum_ok(buf, ARRAY_CSUM_XOR))
        return lr_error_set(w->err, LR_ECHECKSUM, off,
                            "dm-cache array block %" PRIu64 ": checksum mismatch", b);
    uint32_t max = lr_get_le32(buf + 4), nr = lr_get_le32(buf + 8), vs = lr_get_le32(buf + 12);
    if (lr_get_le64(buf + 16) != b || vs != 8 || nr > max ||
        max > (LR_PDATA_BLOCK - ARRAY_HEADER) / 8)
        return lr_error_set(w->err, LR_EFORMAT, off,
                            "dm-cache array block %" PRIu64 ": not an array block of le64", b);
    for (uint32_t i = 0; i < nr; i++) {
        uint64_t at = index * max + i;
        if (at >= w->limit)
            return 0; /* the tail of the last block past the array's size */
        rc = w->value(w, at, buf + ARRAY_HEADER + 8u * i);
        if (rc)
            return rc;
    }
    return 0;
}

static int btree(walk_t *w, uint64_t b, int depth)
{
    if (depth > MAX_DEPTH)
        return lr_error_set(w->err, LR_EFORMAT, b * LR_PDATA_BLOCK,
                            "dm-cache btree deeper than %d at block %" PRIu64, MAX_DEPTH, b);
    uint8_t *buf = w->buf[depth];
    int rc = read_block(w, b, buf, "btree node");
    if (rc)
        return rc;
    uint64_t off = b * LR_PDATA_BLOCK;
    if (!csum_ok(buf, BTREE_CSUM_XOR))
        return lr_error_set(w->err, LR_ECHECKSUM, off,
                            "dm-cache btree node %" PRIu64 ": checksum mismatch", b);
    uint32_t flags = lr_get_le32(buf + 4), nr = lr_get_le32(buf + 16);
    uint32_t max = lr_get_le32(buf + 20), vs = lr_get_le32(buf + 24);
    if (lr_get_le64(buf + 8) != b || vs != 8 || nr > max ||
        (uint64_t)max * 16 > LR_PDATA_BLOCK - NODE_HEADER || !(flags & (NODE_INTERNAL | NODE_LEAF)))
        return lr_error_set(w->err, LR_EFORMAT, off,
                            "dm-cache btree node %" PRIu64 ": not a node of le64 values", b);
    for (uint32_t i = 0; i < nr; i++) {
        uint64_t key = lr_get_le64(buf + NODE_HEADER + 8u * i);
        uint64_t val = lr_get_le64(buf + NODE_HEADER + 8u * max + 8u * i);
        if (flags & NODE_INTERNAL)
            rc = btree(w, val, depth + 1);
        else
            rc = array_block(w, key, val, w->buf[MAX_DEPTH + 1]);
        if (rc)
            return rc;
    }
    return 0;
}

static int dirty_word(walk_t *w, uint64_t index, const uint8_t *v)
{
    uint64_t word = lr_get_le64(v);
    for (unsigned j = 0; j < 64; j++) {
        uint64_t c = index * 64 + j;
        if ((word >> j) & 1u && c < w->sb->cache_blocks)
            w->dirty[c / 8] |= (uint8_t)(1u << (c % 8));
    }
    return 0;
}

static int mapping(walk_t *w, uint64_t cblock, const uint8_t *v)
{
    uint64_t m = lr_get_le64(v);
    if (!(m & M_VALID))
        return 0;
    bool dirty = !w->sb->clean_shutdown;
    if (w->sb->version == 1)
        dirty |= (m & M_DIRTY) != 0;
    else
        dirty |= (w->dirty[cblock / 8] >> (cblock % 8)) & 1u;
    return w->fn(w->fn_arg, cblock, m >> 16, dirty) ? -ECANCELED : 0;
}

static int walk_array(walk_t *w, uint64_t root, uint64_t limit,
                      int (*value)(walk_t *, uint64_t, const uint8_t *))
{
    memset(w->seen, 0, (size_t)(w->nr_blocks / 8 + 1));
    w->value = value;
    w->limit = limit;
    return btree(w, root, 0);
}

int lr_cache_mappings(const lr_cache_sb_t *sb, uint64_t nr_blocks, lr_pdata_read_fn rd,
                      void *rd_arg, lr_cache_mapping_fn fn, void *fn_arg, lr_error_t *err)
{
    if (!sb || !rd || !fn || nr_blocks == 0 || nr_blocks > (UINT64_C(1) << 32))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    walk_t w = {.nr_blocks = nr_blocks,
                .rd = rd,
                .rd_arg = rd_arg,
                .err = err,
                .sb = sb,
                .fn = fn,
                .fn_arg = fn_arg};
    w.seen = calloc((size_t)(nr_blocks / 8 + 1), 1);
    w.dirty = calloc(sb->cache_blocks / 8 + 1, 1);
    int rc = w.seen && w.dirty ? 0 : lr_error_oom(err);
    for (int i = 0; i < MAX_DEPTH + 2 && !rc; i++)
        if (!(w.buf[i] = malloc(LR_PDATA_BLOCK)))
            rc = lr_error_oom(err);
    if (!rc && sb->version == 2 && sb->clean_shutdown)
        rc = walk_array(&w, sb->dirty_root, ((uint64_t)sb->cache_blocks + 63) / 64, dirty_word);
    if (!rc)
        rc = walk_array(&w, sb->mapping_root, sb->cache_blocks, mapping);
    for (int i = 0; i < MAX_DEPTH + 2; i++)
        free(w.buf[i]);
    free(w.seen);
    free(w.dirty);
    return rc;
}

/* ---- dm-writecache --------------------------------------------------------- */

int lr_writecache_sb_decode(const void *buf, size_t len, uint64_t dev_size, lr_writecache_sb_t *out,
                            lr_error_t *err)
{
    if (!buf || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    if (len < LR_WRITECACHE_SB_SIZE)
        return lr_error_set(err, LR_ERANGE, 0, "dm-writecache superblock: %zu bytes, need %u", len,
                            LR_WRITECACHE_SB_SIZE);
    const uint8_t *p = buf;
    uint32_t magic = lr_get_le32(p);
    memset(out, 0, sizeof(*out));
    out->version = lr_get_le32(p + 4);
    out->block_size = lr_get_le32(p + 8);
    out->n_blocks = lr_get_le64(p + 16);
    out->seq_count = lr_get_le64(p + 24);
    if (magic == 0 && out->version == 0)
        return lr_error_set(err, LR_ENOTFOUND, 0,
                            "no dm-writecache superblock (zeroed: never initialised, or wiped)");
    if (magic != LR_WRITECACHE_MAGIC)
        return lr_error_set(err, LR_EFORMAT, 0, "no dm-writecache superblock (magic 0x%08x)",
                            (unsigned)magic);
    if (out->version != 1)
        return lr_error_set(err, LR_EFORMAT, 4, "dm-writecache superblock version %u (1 known)",
                            (unsigned)out->version);
    uint32_t bs = out->block_size;
    if (bs < 512 || bs > 4096 || (bs & (bs - 1)))
        return lr_error_set(err, LR_EFORMAT, 8, "dm-writecache block size %u", (unsigned)bs);
    /* the kernel's offset: entries after the 64-byte superblock, rounded
     * up to a block; the data blocks after them */
    uint64_t off, data, end;
    if (__builtin_mul_overflow(out->n_blocks, (uint64_t)LR_WRITECACHE_ENTRY, &off) ||
        __builtin_add_overflow(off, (uint64_t)LR_WRITECACHE_SB_SIZE + bs - 1, &off) ||
        __builtin_mul_overflow(out->n_blocks, (uint64_t)bs, &data) ||
        __builtin_add_overflow(off & ~(uint64_t)(bs - 1), data, &end) || end > dev_size)
        return lr_error_set(err, LR_EFORMAT, 16,
                            "dm-writecache: %" PRIu64 " blocks of %u bytes do not fit the %" PRIu64
                            "-byte cache device",
                            out->n_blocks, (unsigned)bs, dev_size);
    out->data_offset = off & ~(uint64_t)(bs - 1);
    return 0;
}

bool lr_writecache_entry(const lr_writecache_sb_t *sb, const void *e, uint64_t *sector,
                         uint64_t *seq)
{
    const uint8_t *p = e;
    *sector = lr_get_le64(p);
    *seq = lr_get_le64(p + 8);
    return sb && *seq < sb->seq_count;
}
