/* Fuzz target: the LV data structures core decodes for extraction: the
 * dm-raid superblock (lr/raid.h), the dm-snapshot COW store (lr/snapshot.h)
 * and dm-cache metadata (lr/cache.h).
 *
 * Input: the bytes of a metadata LV. The first 512 bytes go to the raid
 * superblock decoder; the snapshot header and its first metadata area are
 * read from the input as a COW LV; the input, cut into 4 KiB blocks (at
 * most 64), is walked as dm-cache metadata after every block's checksum is
 * recomputed (as a superblock, btree node or array block by its look), so
 * the walk gets past the checksums to the trees.
 *
 * Properties checked: every decoder returns 0 or a documented code; a walk
 * never reports a cache block at or past cache_blocks and ends (cycles,
 * depth and out-of-range blocks are errors, not hangs or crashes). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "lr/cache.h"
#include "lr/crc.h"
#include "lr/raid.h"
#include "lr/snapshot.h"

#define MAX_BLOCKS 64

static bool rc_ok(int rc)
{
    return rc == 0 || rc == LR_ENOTFOUND || rc == LR_EFORMAT || rc == LR_ERANGE ||
           rc == LR_ECHECKSUM || rc == LR_ELIMIT;
}

typedef struct meta {
    uint8_t *blocks;
    uint64_t n;
    uint32_t cache_blocks;
} meta_t;

static int rd(void *arg, uint64_t block, uint8_t *buf, lr_error_t *err)
{
    const meta_t *m = arg;
    FUZZ_CHECK(block < m->n, "read of block %llu of %llu", (unsigned long long)block,
               (unsigned long long)m->n);
    (void)err;
    memcpy(buf, m->blocks + block * LR_PDATA_BLOCK, LR_PDATA_BLOCK);
    return 0;
}

static int on_mapping(void *arg, uint64_t cblock, uint64_t oblock, bool dirty)
{
    const meta_t *m = arg;
    (void)oblock;
    (void)dirty;
    FUZZ_CHECK(cblock < m->cache_blocks, "cache block %llu of %u", (unsigned long long)cblock,
               m->cache_blocks);
    return 0;
}

static void seal(uint8_t *b, uint32_t salt)
{
    uint32_t c = lr_crc32c_block(b, LR_PDATA_BLOCK, salt);
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(c >> (8 * i));
}

static void cache(const uint8_t *data, size_t size)
{
    meta_t m = {NULL, size / LR_PDATA_BLOCK, 0};
    if (m.n == 0)
        return;
    if (m.n > MAX_BLOCKS)
        m.n = MAX_BLOCKS;
    m.blocks = malloc(m.n * LR_PDATA_BLOCK);
    if (!m.blocks)
        return;
    memcpy(m.blocks, data, m.n * LR_PDATA_BLOCK);
    for (uint64_t b = 0; b < m.n; b++) {
        uint8_t *blk = m.blocks + b * LR_PDATA_BLOCK;
        uint32_t flags = lr_fuzz_le32(blk + 4);
        seal(blk, b == 0 ? 9031977u : (flags == 1 || flags == 2) ? 121107u : 595846735u);
    }
    lr_cache_sb_t sb;
    int rc = lr_cache_sb_decode(m.blocks, LR_PDATA_BLOCK, &sb, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_cache_sb_decode returned %d", rc);
    if (!rc && sb.cache_blocks <= (1u << 20)) {
        m.cache_blocks = sb.cache_blocks;
        rc = lr_cache_mappings(&sb, m.n, rd, &m, on_mapping, &m, NULL);
        FUZZ_CHECK(rc_ok(rc), "lr_cache_mappings returned %d", rc);
    }
    free(m.blocks);
}

static void snapshot(const uint8_t *data, size_t size)
{
    lr_snap_header_t h;
    int rc = lr_snap_header_decode(data, size, &h, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_snap_header_decode returned %d", rc);
    if (rc)
        return;
    uint64_t cb = (uint64_t)h.chunk_size * 512u;
    uint64_t at = lr_snap_area_chunk(h.chunk_size, 0) * cb;
    if (at > size || cb > size - at)
        return;
    size_t per = (size_t)lr_snap_per_area(h.chunk_size), n = 0;
    lr_snap_exception_t *ex = calloc(per ? per : 1, sizeof(*ex));
    bool more = false;
    if (!ex)
        return;
    rc = lr_snap_area_decode(data + at, (size_t)cb, h.chunk_size, ex, per, &n, &more, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_snap_area_decode returned %d", rc);
    FUZZ_CHECK(n <= per, "%zu exceptions in an area of %zu", n, per);
    for (size_t i = 0; !rc && i < n; i++)
        FUZZ_CHECK(!lr_snap_is_meta_chunk(h.chunk_size, ex[i].new_chunk), "meta chunk copy");
    free(ex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_raid_sb_t sb;
    int rc = lr_raid_sb_decode(data, size, &sb, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_raid_sb_decode returned %d", rc);
    if (!rc)
        for (unsigned d = 0; d < 300; d++)
            (void)lr_raid_sb_failed(&sb, d);
    snapshot(data, size);
    cache(data, size);
    return 0;
}
