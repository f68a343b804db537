/* lr_thin (dm-thin pool metadata) against thin-provisioning-tools: the
 * fixture fixtures/thin was made by thin_restore, and every mapping we read
 * must equal thin_dump's (truth/thin_dump.xml, which tests/core/thin-dump.sh
 * re-checks against a live thin_dump). Damage: the damaged image
 * (a flipped byte in a leaf that fixtures/make-thin.sh located by parsing
 * node headers itself) and hand-made hostile btrees (cycles, blocks past the
 * device). Also crc32c against its standard check value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lr/crc.h"
#include "lr/io.h"
#include "lr/thin.h"
#include "mem_io.h"
#include "support.h"

#define MIB 1048576ull

typedef struct map {
    uint64_t dev, v, d;
    uint32_t t;
} map_t;

typedef struct maps {
    map_t *m;
    size_t n, cap;
    uint64_t dev;
    uint64_t lost_lo[8], lost_hi[8];
    size_t n_lost;
} maps_t;

static void push(maps_t *s, uint64_t dev, uint64_t v, uint64_t d, uint32_t t)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->m = realloc(s->m, s->cap * sizeof(*s->m));
        assert_non_null(s->m);
    }
    s->m[s->n++] = (map_t){dev, v, d, t};
}

static uint64_t attr(const char *line, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), " %s=\"", name);
    const char *p = strstr(line, key);
    assert_non_null(p);
    return strtoull(p + strlen(key), NULL, 10);
}

/* Every mapping of thin_dump's XML, ranges expanded, in file order. */
static void parse_dump(const char *xml, maps_t *s)
{
    uint64_t dev = UINT64_MAX;
    for (const char *line = xml; line && *line;
         line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line + strspn(line, " "), "<device ", 8) == 0)
            dev = attr(line, "dev_id");
        else if (strstr(line, "<range_mapping ") &&
                 strstr(line, "<range_mapping ") < strchr(line, '\n')) {
            uint64_t o = attr(line, "origin_begin"), d = attr(line, "data_begin");
            uint64_t n = attr(line, "length");
            for (uint64_t i = 0; i < n; i++)
                push(s, dev, o + i, d + i, (uint32_t)attr(line, "time"));
        } else if (strstr(line, "<single_mapping ") &&
                   strstr(line, "<single_mapping ") < strchr(line, '\n'))
            push(s, dev, attr(line, "origin_block"), attr(line, "data_block"),
                 (uint32_t)attr(line, "time"));
    }
}

static int on_map(void *arg, uint64_t v, uint64_t d, uint32_t t)
{
    maps_t *s = arg;
    push(s, s->dev, v, d, t);
    return 0;
}

static int on_lost(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d)
{
    (void)d;
    maps_t *s = arg;
    if (s->n_lost < 8) {
        s->lost_lo[s->n_lost] = lo;
        s->lost_hi[s->n_lost] = hi;
    }
    s->n_lost++;
    return 0;
}

/* The pool metadata LV of the fixture: 2 MiB at extent 0 and 2 MiB at
 * extent 40 (pe_start 1 MiB, 1 MiB extents; truth/expected). */
static void open_meta(const char *image, lr_io_t **img, lr_io_t **meta)
{
    char path[4096];
    assert_int_equal(lr_io_open(img, lr_test_path(path, sizeof(path), "thin", image), NULL), 0);
    lr_io_extent_t ext[2] = {{*img, MIB, 2 * MIB}, {*img, 41 * MIB, 2 * MIB}};
    assert_int_equal(lr_io_concat(meta, ext, 2, "pool_tmeta", NULL), 0);
}

static void test_crc32c(void **state)
{
    (void)state;
    /* the standard CRC-32C check value of "123456789" */
    assert_int_equal(~lr_crc32c(0xffffffffU, "123456789", 9), 0xe3069283U);
    uint32_t a = lr_crc32c(0xffffffffU, "1234", 4);
    assert_int_equal(lr_crc32c(a, "56789", 5), lr_crc32c(0xffffffffU, "123456789", 9));
    /* a metadata block's checksum skips its own le32 field, then XORs the salt */
    const char blk[] = "\xff\xff\xff\xff"
                       "123456789";
    assert_int_equal(lr_crc32c_block(blk, 13, 0x5a5a5a5aU),
                     lr_crc32c(0xffffffffU, "123456789", 9) ^ 0x5a5a5a5aU);
}

static void test_superblock(void **state)
{
    (void)state;
    lr_io_t *img, *meta;
    open_meta("disk.img.gz", &img, &meta);
    lr_thin_t *t = NULL;
    assert_int_equal(lr_thin_open(meta, &t, NULL), 0);
    const lr_thin_super_t *sb = lr_thin_super(t);
    /* truth/pool.xml and thin_check.txt: transaction 3, time 2, 128-sector
     * blocks, 384 data blocks */
    assert_true(sb->csum_ok);
    assert_int_equal(sb->magic, LR_THIN_MAGIC);
    assert_int_equal(sb->transaction_id, 3);
    assert_int_equal(sb->time, 2);
    assert_int_equal(sb->data_block_size, 128);
    assert_int_equal(sb->data_nr_blocks, 384);
    assert_int_equal(sb->metadata_block_size, 8);
    size_t n = 0;
    const lr_thin_dev_t *d = lr_thin_devs(t, &n);
    assert_int_equal(n, 3);
    static const uint64_t mapped[] = {7, 7, 300};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(d[i].dev_id, i + 1);
        assert_true(d[i].has_details && d[i].has_mapping);
        assert_int_equal(d[i].mapped_blocks, mapped[i]);
        assert_int_equal(d[i].transaction_id, i);
    }
    assert_int_equal(d[1].creation_time, 1);
    size_t nd = 9;
    lr_thin_damage(t, &nd, NULL);
    assert_int_equal(nd, 0);
    lr_thin_free(t);
    lr_io_close(meta, NULL);
    lr_io_close(img, NULL);
}

/* thin_dump's mappings, every one, equal ours. */
static void test_mappings_equal_thin_dump(void **state)
{
    (void)state;
    char *xml = lr_test_truth_req("thin", "thin_dump.xml", NULL);
    maps_t want = {0}, got = {0};
    parse_dump(xml, &want);
    assert_int_equal(want.n, 7 + 7 + 300);
    lr_io_t *img, *meta;
    open_meta("disk.img.gz", &img, &meta);
    lr_thin_t *t = NULL;
    assert_int_equal(lr_thin_open(meta, &t, NULL), 0);
    for (uint64_t dev = 1; dev <= 3; dev++) {
        got.dev = dev;
        assert_int_equal(lr_thin_walk(t, dev, on_map, on_lost, &got, NULL), 0);
    }
    assert_int_equal(got.n_lost, 0);
    assert_int_equal(got.n, want.n);
    for (size_t i = 0; i < want.n; i++) {
        assert_int_equal(got.m[i].dev, want.m[i].dev);
        assert_int_equal(got.m[i].v, want.m[i].v);
        assert_int_equal(got.m[i].d, want.m[i].d);
        assert_int_equal(got.m[i].t, want.m[i].t);
    }
    assert_int_equal(lr_thin_walk(t, 4, on_map, NULL, &got, NULL), LR_ENOTFOUND);

    /* usage: truth/expected (mapped, highest, shared) */
    lr_thin_usage_t *u = NULL;
    size_t n = 0;
    assert_int_equal(lr_thin_usage(t, &u, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(u[0].mapped, 7);
    assert_int_equal(u[0].highest, 255);
    assert_int_equal(u[0].shared, 5);
    assert_int_equal(u[1].highest, 200);
    assert_int_equal(u[1].shared, 5);
    assert_int_equal(u[2].mapped, 300);
    assert_int_equal(u[2].highest, 299);
    assert_int_equal(u[2].shared, 0);
    free(u);
    free(want.m);
    free(got.m);
    free(xml);
    lr_thin_free(t);
    lr_io_close(meta, NULL);
    lr_io_close(img, NULL);
}

static uint64_t expected_field(const char *key)
{
    char *e = lr_test_truth_req("thin", "expected", NULL);
    const char *p = strstr(e, key);
    assert_non_null(p);
    uint64_t v = strtoull(p + strlen(key), NULL, 10);
    free(e);
    return v;
}

/* The damaged leaf (block and keys from truth/expected, as thin_check
 * reports it in truth/thin_check.txt: "missing mappings [126, -] ... bad
 * checksum in btree node (block 14)"): named by block, its keys lost, the
 * other leaf still read. */
static void test_damaged_leaf(void **state)
{
    (void)state;
    uint64_t block = expected_field("damaged_block=");
    uint64_t first = expected_field("first_key=");
    lr_io_t *img, *meta;
    open_meta("damaged.img.gz", &img, &meta);
    lr_thin_t *t = NULL;
    assert_int_equal(lr_thin_open(meta, &t, NULL), 0);
    maps_t got = {.dev = 3};
    assert_int_equal(lr_thin_walk(t, 3, on_map, on_lost, &got, NULL), 0);
    assert_int_equal(got.n, first); /* keys 0 .. first-1 from the good leaf */
    assert_int_equal(got.n_lost, 1);
    assert_int_equal(got.lost_lo[0], first);
    assert_int_equal(got.lost_hi[0], UINT64_MAX);
    size_t nd = 0;
    const lr_thin_damage_t *d = lr_thin_damage(t, &nd, NULL);
    assert_int_equal(nd, 1);
    assert_int_equal(d[0].block, block);
    assert_int_equal(d[0].tree, LR_THIN_TREE_MAPPING);
    assert_int_equal(d[0].dev_id, 3);
    assert_non_null(strstr(d[0].why, "checksum"));
    /* the other devices are whole */
    got.n = 0;
    got.dev = 1;
    assert_int_equal(lr_thin_walk(t, 1, on_map, on_lost, &got, NULL), 0);
    assert_int_equal(got.n, 7);
    free(got.m);
    lr_thin_free(t);
    lr_io_close(meta, NULL);
    lr_io_close(img, NULL);
}

/* A copy of the fixture's metadata in memory, to break by hand. */
static uint8_t *meta_bytes(size_t *len)
{
    lr_io_t *img, *meta;
    open_meta("disk.img.gz", &img, &meta);
    *len = (size_t)lr_io_size(meta);
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    assert_int_equal(lr_io_pread(meta, b, *len, 0, NULL), 0);
    lr_io_close(meta, NULL);
    lr_io_close(img, NULL);
    return b;
}

static void reseal(uint8_t *node, uint32_t salt)
{
    lr_test_put_le32(node, lr_crc32c_block(node, 4096, salt));
}

/* thin3's root is an internal node with two children; point the second at
 * the root itself (a cycle), then past the device. */
static void test_hostile(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = meta_bytes(&len);
    lr_io_t *io;
    assert_int_equal(lr_test_mem_borrow(&io, b, len, false, "meta", NULL), 0);
    lr_thin_t *t = NULL;
    assert_int_equal(lr_thin_open(io, &t, NULL), 0);
    uint64_t root = lr_thin_dev(t, 3)->mapping_root;
    lr_thin_free(t);
    uint8_t *node = b + root * 4096;
    assert_int_equal(node[4], 1); /* internal */
    assert_int_equal(node[16], 2);
    uint32_t max = node[20] | node[21] << 8;
    uint64_t targets[] = {root, 1u << 30};
    const char *why[] = {"twice", "past the metadata device"};
    for (int k = 0; k < 2; k++) {
        lr_test_put_le64(node + 32 + 8 * max + 8, targets[k]);
        reseal(node, 121107);
        assert_int_equal(lr_thin_open(io, &t, NULL), 0);
        maps_t got = {.dev = 3};
        assert_int_equal(lr_thin_walk(t, 3, on_map, on_lost, &got, NULL), 0);
        assert_int_equal(got.n_lost, 1);
        size_t nd = 0;
        const lr_thin_damage_t *d = lr_thin_damage(t, &nd, NULL);
        assert_int_equal(nd, 1);
        assert_int_equal(d[0].block, targets[k]);
        assert_non_null(strstr(d[0].why, why[k]));
        free(got.m);
        lr_thin_free(t);
    }
    /* a bad superblock checksum is damage at block 0, not a failure; a bad
     * magic is a failure */
    b[100] ^= 1;
    assert_int_equal(lr_thin_open(io, &t, NULL), 0);
    assert_false(lr_thin_super(t)->csum_ok);
    size_t nd = 0;
    const lr_thin_damage_t *d = lr_thin_damage(t, &nd, NULL);
    assert_true(nd >= 1);
    assert_int_equal(d[0].block, 0);
    lr_thin_free(t);
    b[32] ^= 1;
    lr_error_t err;
    assert_int_equal(lr_thin_open(io, &t, &err), LR_EFORMAT);
    assert_null(t);
    assert_non_null(strstr(err.msg, "magic"));
    lr_io_close(io, NULL);
    free(b);
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--)
        v = v << 8 | p[k];
    return v;
}

static void space_of(uint8_t *b, size_t len, lr_thin_space_t *s, lr_thin_damage_t *d0, size_t *nd)
{
    lr_io_t *io;
    assert_int_equal(lr_test_mem_borrow(&io, b, len, false, "meta", NULL), 0);
    lr_thin_t *t = NULL;
    assert_int_equal(lr_thin_open(io, &t, NULL), 0);
    assert_int_equal(lr_thin_space_maps(t, s, NULL), 0);
    const lr_thin_damage_t *d = lr_thin_damage(t, nd, NULL);
    if (*nd)
        *d0 = d[0];
    lr_thin_free(t);
    lr_io_close(io, NULL);
}

/* The space maps of the sound fixture: data counts as thin_dump's mappings
 * in truth/thin_dump.xml give them (thin_restore shares no leaf, so a
 * block's count is the number of devices mapping it; thin-spacemap.sh
 * checks the same against a live thin_rmap), and no disagreement. */
static void test_space_maps(void **state)
{
    (void)state;
    char *xml = lr_test_truth_req("thin", "thin_dump.xml", NULL);
    maps_t want = {0};
    parse_dump(xml, &want);
    free(xml);
    uint8_t refs[384] = {0};
    for (size_t i = 0; i < want.n; i++) {
        assert_true(want.m[i].d < 384);
        refs[want.m[i].d]++;
    }
    uint64_t alloc = 0, shared = 0;
    for (size_t i = 0; i < 384; i++)
        alloc += refs[i] > 0, shared += refs[i] > 1;
    free(want.m);
    size_t len;
    uint8_t *b = meta_bytes(&len);
    lr_thin_space_t s;
    lr_thin_damage_t d;
    size_t nd;
    space_of(b, len, &s, &d, &nd);
    assert_int_equal(nd, 0);
    assert_true(s.data.read && s.data.compared && s.data.complete);
    assert_int_equal(s.data.nr_blocks, 384);
    assert_int_equal(s.data.counted, 384);
    assert_int_equal(s.data.allocated, alloc);
    assert_int_equal(s.data.nr_allocated, alloc);
    assert_int_equal(s.data.shared, shared);
    assert_int_equal(s.data.in_use_free + s.data.count_differs + s.data.unreferenced, 0);
    assert_true(s.meta.read && s.meta.compared && s.meta.complete);
    assert_int_equal(s.meta.in_use_free + s.meta.unreferenced + s.meta.unknown, 0);
    free(b);
}

/* The data space map's index leaf (the superblock's data bitmap_root) and
 * where its first entry lives in b. */
static uint8_t *data_index_entry(uint8_t *b, uint64_t *key_at)
{
    uint64_t root = get64(b + 64 + 16);
    uint8_t *node = b + root * 4096;
    assert_int_equal(node[4], 2); /* a leaf */
    assert_int_equal(node[16], 1);
    uint32_t max = node[20] | node[21] << 8;
    *key_at = 32;
    return node + 32 + 8 * max;
}

/* Hostile space maps: a bitmap past the device, an index key past the
 * space map, the metadata space map's bitmap given as the data one (sound
 * checksums, wrong counts: the disagreement is reported), a broken index
 * block; and a mapped block (data block 4, thin1's only: truth
 * thin_dump.xml) whose count is set to 0. */
static void test_space_maps_hostile(void **state)
{
    (void)state;
    size_t len;
    uint8_t *orig = meta_bytes(&len);
    uint8_t *b = malloc(len);
    assert_non_null(b);
    lr_thin_space_t s;
    lr_thin_damage_t d = {0};
    size_t nd;
    uint64_t key_at;
    uint64_t root = get64(orig + 64 + 16);
    uint64_t meta_bitmap = get64(orig + get64(orig + 192 + 16) * 4096 + 16);
    /* 1. bitmap past the device */
    memcpy(b, orig, len);
    uint8_t *e = data_index_entry(b, &key_at);
    uint64_t bitmap = get64(e);
    lr_test_put_le64(e, 1u << 30);
    reseal(b + root * 4096, 121107);
    space_of(b, len, &s, &d, &nd);
    assert_int_equal(nd, 1);
    assert_int_equal(d.tree, LR_THIN_TREE_DATA_SM);
    assert_int_equal(d.block, 1u << 30);
    assert_non_null(strstr(d.why, "past the metadata device"));
    assert_int_equal(s.data.counted, 0);
    assert_int_equal(s.data.unknown, 384);
    /* 2. an index key past the one bitmap */
    memcpy(b, orig, len);
    e = data_index_entry(b, &key_at);
    lr_test_put_le64(b + root * 4096 + key_at, 5);
    reseal(b + root * 4096, 121107);
    space_of(b, len, &s, &d, &nd);
    assert_int_equal(nd, 1);
    assert_non_null(strstr(d.why, "past the space map's 1 bitmaps"));
    assert_int_equal(s.data.unknown, 384);
    /* 3. the metadata bitmap as the data one: counts that do not match */
    memcpy(b, orig, len);
    e = data_index_entry(b, &key_at);
    assert_int_not_equal(meta_bitmap, bitmap);
    lr_test_put_le64(e, meta_bitmap);
    reseal(b + root * 4096, 121107);
    space_of(b, len, &s, &d, &nd);
    assert_int_equal(nd, 0);
    assert_int_equal(s.data.counted, 384);
    assert_true(s.data.in_use_free > 0);
    assert_true(s.data.n_examples > 0);
    /* 4. the metadata space map's index block broken */
    memcpy(b, orig, len);
    b[get64(orig + 192 + 16) * 4096 + 40] ^= 1;
    space_of(b, len, &s, &d, &nd);
    assert_int_equal(nd, 1);
    assert_int_equal(d.tree, LR_THIN_TREE_META_SM);
    assert_non_null(strstr(d.why, "index block: checksum"));
    assert_false(s.meta.read);
    assert_int_equal(s.meta.unknown, s.meta.nr_blocks);
    assert_int_equal(s.data.in_use_free, 0);
    /* 5. data block 4 "free": bits 8 (high) and 9 (low) of the first word */
    memcpy(b, orig, len);
    b[bitmap * 4096 + 16 + 1] &= (uint8_t)~3u;
    reseal(b + bitmap * 4096, 240779);
    space_of(b, len, &s, &d, &nd);
    assert_int_equal(nd, 0);
    assert_int_equal(s.data.in_use_free, 1);
    assert_int_equal(s.data.allocated, s.data.nr_allocated - 1);
    assert_int_equal(s.data.n_examples, 1);
    assert_int_equal(s.data.examples[0].kind, LR_THIN_SM_IN_USE_FREE);
    assert_int_equal(s.data.examples[0].block, 4);
    assert_int_equal(s.data.examples[0].expected, 1);
    free(b);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_superblock),
        cmocka_unit_test(test_mappings_equal_thin_dump),
        cmocka_unit_test(test_damaged_leaf),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_space_maps),
        cmocka_unit_test(test_space_maps_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
