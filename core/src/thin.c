/* dm-thin pool metadata, read field by field (the kernel's
 * dm-thin-metadata.c, persistent-data/dm-btree-internal.h, dm-btree.c,
 * dm-btree-spine.c node_check, dm-space-map-common.h disk_sm_root). */
#include "lr/thin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "lr/crc.h"

#define SUPERBLOCK_CSUM_XOR 160774u /* dm-thin-metadata.c */
#define BTREE_CSUM_XOR 121107u      /* dm-btree-spine.c */
#define NODE_HEADER 32u             /* struct node_header */
#define INTERNAL_NODE 1u
#define LEAF_NODE 2u
#define DETAILS_VALUE 24u /* struct disk_device_details */
#define SM_ROOT 128u      /* SPACE_MAP_ROOT_SIZE */

struct lr_thin {
    lr_io_t *io;
    uint64_t nr_blocks; /* metadata blocks that may be read */
    lr_thin_super_t sb;
    lr_thin_dev_t *devs;
    size_t n_devs, cap_devs;
    lr_thin_damage_t *damage;
    size_t n_damage;
    uint64_t dropped;
    uint8_t *visited;               /* one bit per metadata block, per walk */
    uint8_t (*bufs)[LR_THIN_BLOCK]; /* one block per btree level */
};

/* ---- damage --------------------------------------------------------------- */

static int add_damage(lr_thin_t *t, const lr_thin_damage_t *d)
{
    for (size_t i = 0; i < t->n_damage; i++) {
        const lr_thin_damage_t *o = &t->damage[i];
        if (o->block == d->block && o->tree == d->tree && o->dev_id == d->dev_id &&
            o->lo == d->lo && o->hi == d->hi)
            return 0; /* the same node seen by an earlier walk */
    }
    if (t->n_damage >= LR_THIN_MAX_DAMAGE) {
        t->dropped++;
        return 0;
    }
    if (!t->damage) {
        t->damage = calloc(LR_THIN_MAX_DAMAGE, sizeof(*t->damage));
        if (!t->damage)
            return -ENOMEM;
    }
    t->damage[t->n_damage++] = *d;
    return 0;
}

/* ---- one walk ------------------------------------------------------------ */

typedef struct walk walk_t;
/* Called for each leaf entry: key and its value bytes (value_size long). */
typedef int (*leaf_fn)(walk_t *w, uint64_t key, const uint8_t *value, uint64_t leaf);

struct walk {
    lr_thin_t *t;
    lr_thin_tree_t tree;
    uint64_t dev_id;
    uint32_t value_size; /* of leaves */
    leaf_fn leaf;
    lr_thin_map_fn map;
    lr_thin_lost_fn lost;
    void *arg;
    uint64_t first, last; /* keys wanted (inclusive) */
    lr_error_t *err;
};

/* Records a node that could not be read and reports its keys as lost. */
static int lose(walk_t *w, uint64_t block, uint64_t lo, uint64_t hi, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int lose(walk_t *w, uint64_t block, uint64_t lo, uint64_t hi, const char *fmt, ...)
{
    lr_thin_damage_t d = {.block = block, .tree = w->tree, .dev_id = w->dev_id, .lo = lo, .hi = hi};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d.why, sizeof(d.why), fmt, ap);
    va_end(ap);
    if (add_damage(w->t, &d))
        return lr_error_oom(w->err);
    /* only the part the caller asked for is lost to it */
    lo = lo > w->first ? lo : w->first;
    hi = hi < w->last ? hi : w->last;
    return w->lost && lo <= hi ? w->lost(w->arg, lo, hi, &d) : 0;
}

static bool visited(lr_thin_t *t, uint64_t block)
{
    uint8_t bit = (uint8_t)(1u << (block & 7));
    bool seen = t->visited[block >> 3] & bit;
    t->visited[block >> 3] |= bit;
    return seen;
}

/* A node's header and keys, as node_check checks them plus the key order.
 * NULL when it is sound, else the reason (written to why). */
typedef struct node {
    uint32_t flags, nr, max, vs;
    const uint8_t *keys, *values;
} node_t;

static const char *check_node(const uint8_t *b, uint64_t block, uint64_t lo, uint64_t hi, node_t *n,
                              char *why, size_t len)
{
    uint32_t csum = lr_get_le32(b);
    uint32_t calc = lr_crc32c_block(b, LR_THIN_BLOCK, BTREE_CSUM_XOR);
    uint64_t nr = lr_get_le64(b + 8);
    n->flags = lr_get_le32(b + 4);
    n->nr = lr_get_le32(b + 16);
    n->max = lr_get_le32(b + 20);
    n->vs = lr_get_le32(b + 24);
    if (csum != calc)
        snprintf(why, len, "checksum 0x%08" PRIx32 " does not match 0x%08" PRIx32, csum, calc);
    else if (nr != block)
        snprintf(why, len, "the node says it is block %" PRIu64, nr);
    else if (n->flags != INTERNAL_NODE && n->flags != LEAF_NODE)
        snprintf(why, len, "flags 0x%" PRIx32 " are neither internal nor leaf", n->flags);
    else if (n->vs > LR_THIN_BLOCK || n->max > LR_THIN_BLOCK ||
             NODE_HEADER + (8u + n->vs) * (uint64_t)n->max > LR_THIN_BLOCK)
        snprintf(why, len, "max_entries %" PRIu32 " of %" PRIu32 "-byte values do not fit", n->max,
                 n->vs);
    else if (n->nr > n->max)
        snprintf(why, len, "nr_entries %" PRIu32 " over max_entries %" PRIu32, n->nr, n->max);
    else
        why[0] = 0;
    if (why[0])
        return why;
    n->keys = b + NODE_HEADER;
    n->values = n->keys + 8u * n->max;
    for (uint32_t i = 0; i < n->nr; i++) {
        uint64_t k = lr_get_le64(n->keys + 8u * i);
        if (k < lo || k > hi || (i && k <= lr_get_le64(n->keys + 8u * (i - 1)))) {
            snprintf(why, len, "key %" PRIu64 " (entry %" PRIu32 ") out of order", k, i);
            return why;
        }
    }
    return NULL;
}

static int walk_node(walk_t *w, uint64_t block, uint64_t lo, uint64_t hi, unsigned depth)
{
    lr_thin_t *t = w->t;
    if (block >= t->nr_blocks)
        return lose(w, block, lo, hi,
                    "block %" PRIu64 " is past the metadata device (%" PRIu64 " blocks)", block,
                    t->nr_blocks);
    if (depth >= LR_THIN_MAX_DEPTH)
        return lose(w, block, lo, hi, "btree deeper than %u levels", LR_THIN_MAX_DEPTH);
    if (visited(t, block))
        return lose(w, block, lo, hi, "block reached twice in one btree (a cycle)");
    uint8_t *b = t->bufs[depth];
    int rc = lr_io_pread(t->io, b, LR_THIN_BLOCK, block * LR_THIN_BLOCK, w->err);
    if (rc)
        return rc;
    node_t n;
    char why[sizeof(((lr_thin_damage_t *)0)->why)];
    if (check_node(b, block, lo, hi, &n, why, sizeof(why)))
        return lose(w, block, lo, hi, "%s", why);
    if (n.flags == LEAF_NODE) {
        if (n.vs != w->value_size)
            return lose(w, block, lo, hi, "leaf values of %" PRIu32 " bytes, expected %" PRIu32,
                        n.vs, w->value_size);
        for (uint32_t i = 0; i < n.nr; i++) {
            uint64_t k = lr_get_le64(n.keys + 8u * i);
            if (k < w->first || k > w->last)
                continue;
            rc = w->leaf(w, k, n.values + (size_t)i * n.vs, block);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (n.vs != 8)
        return lose(w, block, lo, hi, "internal values of %" PRIu32 " bytes, expected 8", n.vs);
    for (uint32_t i = 0; i < n.nr; i++) {
        /* the child holds keys from its key up to the next one */
        uint64_t clo = lr_get_le64(n.keys + 8u * i);
        uint64_t chi = i + 1 < n.nr ? lr_get_le64(n.keys + 8u * (i + 1)) - 1 : hi;
        if (chi < w->first || clo > w->last)
            continue;
        rc = walk_node(w, lr_get_le64(n.values + 8u * i), clo, chi, depth + 1);
        if (rc)
            return rc;
    }
    return 0;
}

static int walk_tree(walk_t *w, uint64_t root)
{
    memset(w->t->visited, 0, (size_t)((w->t->nr_blocks + 7) / 8));
    return walk_node(w, root, 0, UINT64_MAX, 0);
}

/* ---- the device lists ----------------------------------------------------- */

/* Appends a device; both walks append, list_devices merges. */
static lr_thin_dev_t *dev_append(lr_thin_t *t, uint64_t id)
{
    if (t->n_devs == t->cap_devs) {
        size_t cap = t->cap_devs ? t->cap_devs * 2 : 16;
        lr_thin_dev_t *v = realloc(t->devs, cap * sizeof(*v));
        if (!v)
            return NULL;
        t->devs = v;
        t->cap_devs = cap;
    }
    lr_thin_dev_t *d = &t->devs[t->n_devs++];
    memset(d, 0, sizeof(*d));
    d->dev_id = id;
    return d;
}

/* A device record for a leaf entry of either tree; over the limit, the
 * entry is lost (damage) and *d stays NULL. */
static int leaf_dev(walk_t *w, uint64_t key, uint64_t leaf, lr_thin_dev_t **d)
{
    *d = NULL;
    if (w->t->n_devs >= 2 * (size_t)LR_THIN_MAX_DEVS)
        return lose(w, leaf, key, key, "more than %u thin devices", LR_THIN_MAX_DEVS);
    *d = dev_append(w->t, key);
    return *d ? 0 : lr_error_oom(w->err);
}

static int leaf_details(walk_t *w, uint64_t key, const uint8_t *v, uint64_t leaf)
{
    lr_thin_dev_t *d;
    int rc = leaf_dev(w, key, leaf, &d);
    if (rc || !d)
        return rc;
    d->has_details = true;
    d->mapped_blocks = lr_get_le64(v);
    d->transaction_id = lr_get_le64(v + 8);
    d->creation_time = lr_get_le32(v + 16);
    d->snapshotted_time = lr_get_le32(v + 20);
    return 0;
}

static int leaf_devices(walk_t *w, uint64_t key, const uint8_t *v, uint64_t leaf)
{
    lr_thin_dev_t *d;
    int rc = leaf_dev(w, key, leaf, &d);
    if (rc || !d)
        return rc;
    d->has_mapping = true;
    d->mapping_root = lr_get_le64(v);
    return 0;
}

static int cmp_dev(const void *a, const void *b)
{
    uint64_t x = ((const lr_thin_dev_t *)a)->dev_id, y = ((const lr_thin_dev_t *)b)->dev_id;
    return x < y ? -1 : x > y;
}

/* Walks both trees, then sorts by id and merges a device's two records. */
static int list_devices(lr_thin_t *t, lr_error_t *err)
{
    walk_t w = {.t = t,
                .tree = LR_THIN_TREE_DETAILS,
                .value_size = DETAILS_VALUE,
                .leaf = leaf_details,
                .last = UINT64_MAX,
                .err = err};
    int rc = walk_tree(&w, t->sb.device_details_root);
    if (rc)
        return rc;
    walk_t m = {.t = t,
                .tree = LR_THIN_TREE_DEVICES,
                .value_size = 8,
                .leaf = leaf_devices,
                .last = UINT64_MAX,
                .err = err};
    rc = walk_tree(&m, t->sb.data_mapping_root);
    if (rc)
        return rc;
    if (t->n_devs > 1)
        qsort(t->devs, t->n_devs, sizeof(*t->devs), cmp_dev);
    size_t k = 0;
    for (size_t i = 0; i < t->n_devs; i++) {
        lr_thin_dev_t *d = &t->devs[i];
        if (k && t->devs[k - 1].dev_id == d->dev_id) {
            lr_thin_dev_t *p = &t->devs[k - 1];
            if (d->has_details && !p->has_details) {
                p->has_details = true;
                p->mapped_blocks = d->mapped_blocks;
                p->transaction_id = d->transaction_id;
                p->creation_time = d->creation_time;
                p->snapshotted_time = d->snapshotted_time;
            }
            if (d->has_mapping && !p->has_mapping) {
                p->has_mapping = true;
                p->mapping_root = d->mapping_root;
            }
            continue;
        }
        t->devs[k++] = *d;
    }
    t->n_devs = k;
    return 0;
}

/* ---- superblock ----------------------------------------------------------- */

static void decode_sm_root(const uint8_t *p, uint64_t *nr, uint64_t *alloc, uint64_t *bitmap,
                           uint64_t *refs)
{
    *nr = lr_get_le64(p);
    *alloc = lr_get_le64(p + 8);
    *bitmap = lr_get_le64(p + 16);
    *refs = lr_get_le64(p + 24);
}

static void decode_super(const uint8_t *b, lr_thin_super_t *s)
{
    s->csum = lr_get_le32(b);
    s->csum_calc = lr_crc32c_block(b, LR_THIN_BLOCK, SUPERBLOCK_CSUM_XOR);
    s->csum_ok = s->csum == s->csum_calc;
    s->flags = lr_get_le32(b + 4);
    s->blocknr = lr_get_le64(b + 8);
    memcpy(s->uuid, b + 16, 16);
    s->magic = lr_get_le64(b + 32);
    s->version = lr_get_le32(b + 40);
    s->time = lr_get_le32(b + 44);
    s->transaction_id = lr_get_le64(b + 48);
    s->metadata_snap = lr_get_le64(b + 56);
    decode_sm_root(b + 64, &s->data_nr_blocks, &s->data_nr_allocated, &s->data_bitmap_root,
                   &s->data_ref_count_root);
    decode_sm_root(b + 64 + SM_ROOT, &s->meta_nr_blocks, &s->meta_nr_allocated,
                   &s->meta_bitmap_root, &s->meta_ref_count_root);
    s->data_mapping_root = lr_get_le64(b + 320);
    s->device_details_root = lr_get_le64(b + 328);
    s->data_block_size = lr_get_le32(b + 336);
    s->metadata_block_size = lr_get_le32(b + 340);
    s->metadata_nr_blocks = lr_get_le64(b + 344);
    s->compat_flags = lr_get_le32(b + 352);
    s->compat_ro_flags = lr_get_le32(b + 356);
    s->incompat_flags = lr_get_le32(b + 360);
}

static int check_super(lr_thin_t *t, lr_error_t *err)
{
    const lr_thin_super_t *s = &t->sb;
    const char *name = lr_io_name(t->io);
    if (s->magic != LR_THIN_MAGIC)
        return lr_error_at(err, name, LR_EFORMAT, 32,
                           "thin pool metadata block 0: magic %" PRIu64 " is not %u", s->magic,
                           LR_THIN_MAGIC);
    if (s->metadata_block_size != LR_THIN_BLOCK / 512)
        return lr_error_at(err, name, LR_EFORMAT, 340,
                           "thin pool metadata block 0: metadata_block_size %" PRIu32
                           " sectors (only 8 exists)",
                           s->metadata_block_size);
    if (s->data_mapping_root == 0 || s->device_details_root == 0)
        return lr_error_at(err, name, LR_EFORMAT, 320,
                           "thin pool metadata block 0: a btree root is block 0");
    if (s->csum_ok && s->blocknr == 0)
        return 0;
    lr_thin_damage_t d = {.block = 0, .tree = LR_THIN_TREE_DETAILS, .lo = 0, .hi = 0};
    if (!s->csum_ok)
        snprintf(d.why, sizeof(d.why),
                 "superblock checksum 0x%08" PRIx32 " does not match 0x%08" PRIx32, s->csum,
                 s->csum_calc);
    else
        snprintf(d.why, sizeof(d.why), "superblock says it is block %" PRIu64, s->blocknr);
    return add_damage(t, &d) ? lr_error_oom(err) : 0;
}

int lr_thin_open(lr_io_t *meta, lr_thin_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!meta || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    uint64_t blocks = lr_io_size(meta) / LR_THIN_BLOCK;
    if (blocks == 0)
        return lr_error_at(err, lr_io_name(meta), LR_EFORMAT, 0,
                           "thin pool metadata: shorter than one 4 KiB block");
    lr_thin_t *t = calloc(1, sizeof(*t));
    if (!t)
        return lr_error_oom(err);
    t->io = meta;
    t->nr_blocks = blocks;
    t->bufs = malloc((size_t)LR_THIN_MAX_DEPTH * LR_THIN_BLOCK);
    int rc = t->bufs ? 0 : lr_error_oom(err);
    if (!rc)
        rc = lr_io_pread(meta, t->bufs[0], LR_THIN_BLOCK, 0, err);
    if (!rc) {
        decode_super(t->bufs[0], &t->sb);
        rc = check_super(t, err);
    }
    /* the superblock's count bounds block numbers too, unless the LV is
     * shorter (the rest cannot be read) */
    if (!rc && t->sb.metadata_nr_blocks && t->sb.metadata_nr_blocks < t->nr_blocks)
        t->nr_blocks = t->sb.metadata_nr_blocks;
    if (!rc) {
        t->visited = calloc((size_t)((t->nr_blocks + 7) / 8), 1);
        rc = t->visited ? list_devices(t, err) : lr_error_oom(err);
    }
    if (rc) {
        lr_thin_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void lr_thin_free(lr_thin_t *t)
{
    if (!t)
        return;
    free(t->devs);
    free(t->damage);
    free(t->visited);
    free(t->bufs);
    free(t);
}

const lr_thin_super_t *lr_thin_super(const lr_thin_t *t)
{
    return t ? &t->sb : NULL;
}

const lr_thin_dev_t *lr_thin_devs(const lr_thin_t *t, size_t *n)
{
    if (n)
        *n = t ? t->n_devs : 0;
    return t ? t->devs : NULL;
}

const lr_thin_dev_t *lr_thin_dev(const lr_thin_t *t, uint64_t dev_id)
{
    if (!t)
        return NULL;
    size_t lo = 0, hi = t->n_devs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->devs[mid].dev_id == dev_id)
            return &t->devs[mid];
        if (t->devs[mid].dev_id < dev_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const lr_thin_damage_t *lr_thin_damage(const lr_thin_t *t, size_t *n, uint64_t *dropped)
{
    if (n)
        *n = t ? t->n_damage : 0;
    if (dropped)
        *dropped = t ? t->dropped : 0;
    return t ? t->damage : NULL;
}

const char *lr_thin_tree_name(lr_thin_tree_t tree)
{
    switch (tree) {
    case LR_THIN_TREE_DETAILS:
        return "device details";
    case LR_THIN_TREE_DEVICES:
        return "device list";
    case LR_THIN_TREE_MAPPING:
        return "mapping";
    }
    return "?";
}

/* ---- mappings ----------------------------------------------------------- */

static int leaf_mapping(walk_t *w, uint64_t key, const uint8_t *v, uint64_t leaf)
{
    uint64_t raw = lr_get_le64(v);
    uint64_t data = raw >> 24;
    uint64_t pool = w->t->sb.data_nr_blocks;
    if (data >= pool)
        return lose(w, leaf, key, key,
                    "maps virtual block %" PRIu64 " to data block %" PRIu64
                    " past the pool's %" PRIu64,
                    key, data, pool);
    return w->map ? w->map(w->arg, key, data, (uint32_t)(raw & 0xffffffu)) : 0;
}

int lr_thin_walk(lr_thin_t *t, uint64_t dev_id, lr_thin_map_fn map, lr_thin_lost_fn lost, void *arg,
                 lr_error_t *err)
{
    return lr_thin_walk_range(t, dev_id, 0, UINT64_MAX, map, lost, arg, err);
}

int lr_thin_walk_range(lr_thin_t *t, uint64_t dev_id, uint64_t first, uint64_t last,
                       lr_thin_map_fn map, lr_thin_lost_fn lost, void *arg, lr_error_t *err)
{
    lr_error_clear(err);
    if (!t || first > last)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    const lr_thin_dev_t *d = lr_thin_dev(t, dev_id);
    if (!d || !d->has_mapping)
        return lr_error_at(err, lr_io_name(t->io), LR_ENOTFOUND, LR_NO_OFFSET,
                           "thin device %" PRIu64 " has no mapping in the pool metadata", dev_id);
    walk_t w = {.t = t,
                .tree = LR_THIN_TREE_MAPPING,
                .dev_id = dev_id,
                .value_size = 8,
                .leaf = leaf_mapping,
                .map = map,
                .lost = lost,
                .arg = arg,
                .first = first,
                .last = last,
                .err = err};
    return walk_tree(&w, d->mapping_root);
}

/* ---- usage -------------------------------------------------------------- */

typedef struct usage_ctx {
    lr_thin_usage_t *u;
    uint8_t *once, *twice; /* data blocks mapped by one device / by more */
    bool count_shared;     /* second pass */
} usage_ctx_t;

static int usage_map(void *arg, uint64_t vblock, uint64_t dblock, uint32_t time)
{
    (void)time;
    usage_ctx_t *c = arg;
    uint8_t bit = (uint8_t)(1u << (dblock & 7));
    size_t byte = (size_t)(dblock >> 3);
    if (c->count_shared) {
        if (c->twice && (c->twice[byte] & bit))
            c->u->shared++;
        return 0;
    }
    c->u->mapped++;
    if (vblock > c->u->highest || c->u->mapped == 1)
        c->u->highest = vblock;
    if (c->once) {
        if (c->once[byte] & bit)
            c->twice[byte] |= bit;
        c->once[byte] |= bit;
    }
    return 0;
}

static int usage_lost(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d)
{
    (void)lo, (void)hi, (void)d;
    usage_ctx_t *c = arg;
    if (!c->count_shared)
        c->u->lost++;
    return 0;
}

/* A device maps a data block once (a btree has each key once and the
 * kernel never maps two virtual blocks of one device to one data block),
 * so a block set in `once` before this device is mapped by another. */
int lr_thin_usage(lr_thin_t *t, lr_thin_usage_t **out, size_t *n, lr_error_t *err)
{
    lr_error_clear(err);
    if (!t || !out || !n)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    *n = 0;
    lr_thin_usage_t *u = calloc(t->n_devs ? t->n_devs : 1, sizeof(*u));
    if (!u)
        return lr_error_oom(err);
    usage_ctx_t c = {0};
    uint64_t pool = t->sb.data_nr_blocks;
    if (pool <= (1ull << 32)) {
        c.once = calloc((size_t)(pool / 8 + 1), 1);
        c.twice = calloc((size_t)(pool / 8 + 1), 1);
        if (!c.once || !c.twice) {
            free(c.once);
            free(c.twice);
            c.once = c.twice = NULL; /* not counted rather than failing */
        }
    }
    int rc = 0;
    size_t k = 0;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        c.count_shared = pass == 1;
        k = 0;
        for (size_t i = 0; i < t->n_devs && !rc; i++) {
            if (!t->devs[i].has_mapping)
                continue;
            c.u = &u[k++];
            c.u->dev_id = t->devs[i].dev_id;
            if (pass == 1 && !c.once) {
                c.u->shared = UINT64_MAX;
                continue;
            }
            rc = lr_thin_walk(t, t->devs[i].dev_id, usage_map, usage_lost, &c, err);
        }
    }
    free(c.once);
    free(c.twice);
    if (rc) {
        free(u);
        return rc;
    }
    *out = u;
    *n = k;
    return 0;
}
