/* Fuzz target: dm-thin pool metadata (lr/thin.h).
 *
 * Input: one flag byte, then the metadata device (4 KiB blocks; a partial
 * last block is padded with zeros). Flag bit 0: before reading, every block
 * whose checksum would otherwise fail gets the checksum a btree node (or,
 * block 0, the superblock) would have, so the fuzzer reaches the btree
 * logic behind the checksums: block 0 the superblock's, the metadata space
 * map's index block its own, a block whose flags field says internal or
 * leaf a btree node's, any other a space map bitmap's.
 *
 * Properties checked:
 * - lr_thin_open returns 0 or a documented code, and never crashes on
 *   cycles, deep trees or block numbers past the device;
 * - a walk reports mappings and lost ranges in strictly increasing,
 *   non-overlapping key order, every data block below the pool's size;
 * - a range walk reports exactly the full walk's mappings inside the range;
 * - usage counts equal the walk's, damage records stay within the limit;
 * - the space maps: counts within nr_blocks, allocated <= counted, shared
 *   <= allocated, disagreements within what was counted, examples within
 *   LR_THIN_SM_EXAMPLES. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/thin.h"

typedef struct order {
    bool any;
    uint64_t next;   /* lowest key allowed next */
    bool done;       /* a range ended at UINT64_MAX */
    uint64_t pool;   /* data blocks */
    uint64_t n_map;  /* mappings seen */
    uint64_t lo, hi; /* a range walk: keys asked for */
    uint64_t in_range;
} order_t;

static void advance(order_t *o, uint64_t lo, uint64_t hi)
{
    FUZZ_CHECK(!o->done, "key %llu after the end", (unsigned long long)lo);
    FUZZ_CHECK(lo <= hi, "range %llu > %llu", (unsigned long long)lo, (unsigned long long)hi);
    FUZZ_CHECK(!o->any || lo >= o->next, "key %llu before %llu", (unsigned long long)lo,
               (unsigned long long)o->next);
    o->any = true;
    if (hi == UINT64_MAX)
        o->done = true;
    else
        o->next = hi + 1;
}

static int on_map(void *arg, uint64_t v, uint64_t d, uint32_t t)
{
    order_t *o = arg;
    FUZZ_CHECK(t <= 0xffffffu, "time %u", t);
    FUZZ_CHECK(d < o->pool, "data block %llu of %llu", (unsigned long long)d,
               (unsigned long long)o->pool);
    advance(o, v, v);
    o->n_map++;
    if (v >= o->lo && v <= o->hi)
        o->in_range++;
    return 0;
}

static int on_lost(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d)
{
    FUZZ_CHECK(memchr(d->why, 0, sizeof(d->why)) != NULL, "why not terminated");
    advance(arg, lo, hi);
    return 0;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--)
        v = v << 8 | p[k];
    return v;
}

/* The salt a block's checksum would have (see the header comment). */
static uint32_t salt(const uint8_t *b, size_t i)
{
    if (i == 0)
        return 160774u; /* superblock */
    if (i == le64(b + 64 + 128 + 16))
        return 160478u; /* the metadata space map's index block */
    uint32_t flags = b[i * LR_THIN_BLOCK + 4];
    return flags == 1 || flags == 2 ? 121107u : 240779u; /* btree node : bitmap */
}

static void reseal(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n / LR_THIN_BLOCK; i++) {
        uint8_t *blk = b + i * LR_THIN_BLOCK;
        uint32_t c = lr_crc32c_block(blk, LR_THIN_BLOCK, salt(b, i));
        for (int k = 0; k < 4; k++)
            blk[k] = (uint8_t)(c >> (8 * k));
    }
}

static void check_sm(const lr_thin_sm_t *m)
{
    FUZZ_CHECK(m->counted + m->unknown == m->nr_blocks, "counted %llu of %llu",
               (unsigned long long)m->counted, (unsigned long long)m->nr_blocks);
    FUZZ_CHECK(m->allocated <= m->counted && m->shared <= m->allocated, "allocated/shared");
    FUZZ_CHECK(m->in_use_free + m->count_differs + m->unreferenced <= m->counted,
               "more disagreements than counts");
    FUZZ_CHECK(m->n_examples <= LR_THIN_SM_EXAMPLES, "%zu examples", m->n_examples);
}

static void check_space(lr_thin_t *t)
{
    lr_thin_space_t s;
    FUZZ_CHECK(lr_thin_space_maps(t, &s, NULL) == 0, "space maps failed");
    check_sm(&s.data);
    check_sm(&s.meta);
    FUZZ_CHECK(s.data.nr_blocks == lr_thin_super(t)->data_nr_blocks, "data nr_blocks");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (4u << 20))
        return 0;
    size_t n = (size - 1 + LR_THIN_BLOCK - 1) / LR_THIN_BLOCK * LR_THIN_BLOCK;
    uint8_t *b = calloc(n ? n : 1, 1);
    if (!b)
        return 0;
    memcpy(b, data + 1, size - 1);
    if (data[0] & 1)
        reseal(b, n);
    lr_io_t *io = NULL;
    if (lr_test_mem_io(&io, NULL, b, n, 0, false, "meta", NULL) != 0) {
        free(b);
        return 0;
    }
    lr_thin_t *t = NULL;
    int rc = lr_thin_open(io, &t, NULL);
    FUZZ_CHECK(rc == 0 || rc == LR_EFORMAT, "open rc %d", rc);
    if (!rc) {
        size_t nd = 0;
        const lr_thin_dev_t *devs = lr_thin_devs(t, &nd);
        FUZZ_CHECK(nd <= LR_THIN_MAX_DEVS * 2u, "%zu devices", nd);
        uint64_t pool = lr_thin_super(t)->data_nr_blocks;
        lr_thin_usage_t *u = NULL;
        size_t nu = 0;
        FUZZ_CHECK(lr_thin_usage(t, &u, &nu, NULL) == 0, "usage failed");
        size_t k = 0;
        for (size_t i = 0; i < nd && i < 64; i++) {
            FUZZ_CHECK(i == 0 || devs[i - 1].dev_id < devs[i].dev_id, "devices out of order");
            if (!devs[i].has_mapping)
                continue;
            uint64_t id = devs[i].dev_id;
            order_t o = {.pool = pool, .lo = data[0] >> 1, .hi = (data[0] >> 1) + 300};
            FUZZ_CHECK(lr_thin_walk(t, id, on_map, on_lost, &o, NULL) == 0, "walk failed");
            FUZZ_CHECK(k < nu && u[k].dev_id == id && u[k].mapped == o.n_map,
                       "usage of device %llu differs", (unsigned long long)id);
            k++;
            order_t r = {.pool = pool, .lo = o.lo, .hi = o.hi};
            FUZZ_CHECK(lr_thin_walk_range(t, id, o.lo, o.hi, on_map, on_lost, &r, NULL) == 0,
                       "range walk failed");
            FUZZ_CHECK(r.n_map == o.in_range, "range walk: %llu mappings, full walk %llu",
                       (unsigned long long)r.n_map, (unsigned long long)o.in_range);
        }
        free(u);
        check_space(t);
        size_t ndmg = 0;
        lr_thin_damage(t, &ndmg, NULL);
        FUZZ_CHECK(ndmg <= LR_THIN_MAX_DAMAGE, "%zu damage records", ndmg);
        lr_thin_free(t);
    }
    lr_io_close(io, NULL);
    free(b);
    return 0;
}
