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
#include "lr/sort.h"

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
    uint8_t *used;                  /* one bit per metadata block reached by any walk */
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
    uint64_t key_scale;   /* a space map's index btree: blocks per key (0: keys are kept) */
    lr_error_t *err;
};

/* Records a node that could not be read and reports its keys as lost. */
static int lose(walk_t *w, uint64_t block, uint64_t lo, uint64_t hi, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int lose(walk_t *w, uint64_t block, uint64_t lo, uint64_t hi, const char *fmt, ...)
{
    lr_thin_damage_t d = {.block = block, .tree = w->tree, .dev_id = w->dev_id, .lo = lo, .hi = hi};
    if (w->key_scale) { /* the damage names blocks whose counts are lost, not index keys */
        d.lo = lo > UINT64_MAX / w->key_scale ? UINT64_MAX : lo * w->key_scale;
        d.hi = hi >= UINT64_MAX / w->key_scale ? UINT64_MAX : (hi + 1) * w->key_scale - 1;
    }
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
    t->used[block >> 3] |= (uint8_t)(1u << (block & 7));
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
        t->used = calloc((size_t)((t->nr_blocks + 7) / 8), 1);
        rc = t->visited && t->used ? list_devices(t, err) : lr_error_oom(err);
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
    free(t->used);
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
    case LR_THIN_TREE_DATA_SM:
        return "data space map";
    case LR_THIN_TREE_META_SM:
        return "metadata space map";
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
            c.u->has_details = t->devs[i].has_details;
            c.u->created = t->devs[i].transaction_id;
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

/* ---- space maps ----------------------------------------------------------- */

#define BITMAP_CSUM_XOR 240779u /* dm-space-map-common.c */
#define INDEX_CSUM_XOR 160478u
#define BITMAP_HEADER 16u   /* struct disk_bitmap_header */
#define INDEX_ENTRY 16u     /* struct disk_index_entry */
#define META_INDEXES 255u   /* MAX_METADATA_BITMAPS */
#define META_INDEX_AT 16u   /* entries of struct disk_metadata_index */
#define COUNT_UNKNOWN 0xffu /* meta_counts: not read */

typedef struct refc {
    uint64_t block;
    uint32_t count;
} refc_t;

/* One space map's walk. */
typedef struct smw {
    lr_thin_t *t;
    lr_thin_sm_t *out;
    lr_thin_tree_t tree;
    uint64_t nr_blocks;   /* the root's, the bound of every count */
    uint8_t *buf;         /* one bitmap block */
    uint8_t *bitmap_seen; /* bitmap blocks already read (one bit per metadata block) */
    refc_t *over;         /* the ref count btree, in block order */
    size_t n_over, cap_over;
    bool over_lost; /* part of the ref count btree could not be read */
    /* data: the references the mappings make, sorted */
    const uint64_t *refs;
    size_t n_refs, at;
    /* metadata: each block's count, COUNT_UNKNOWN when not read (254 = more) */
    uint8_t *counts;
    lr_error_t *err;
} smw_t;

static void sm_example(lr_thin_sm_t *o, lr_thin_sm_kind_t kind, uint64_t block, uint32_t count,
                       uint64_t expected)
{
    if (o->n_examples < LR_THIN_SM_EXAMPLES)
        o->examples[o->n_examples++] = (lr_thin_sm_issue_t){
            .kind = kind, .block = block, .count = count, .expected = expected};
}

/* Records damage of a space map block: the counts of blocks lo..hi are lost. */
static int sm_lose(smw_t *s, uint64_t block, uint64_t lo, uint64_t hi, const char *why)
{
    walk_t w = {.t = s->t, .tree = s->tree, .last = UINT64_MAX, .err = s->err};
    return lose(&w, block, lo, hi, "%s", why);
}

/* The ref count btree: block -> le32 count, for counts over 2. */
static int leaf_over(walk_t *w, uint64_t key, const uint8_t *v, uint64_t leaf)
{
    (void)leaf;
    smw_t *s = w->arg;
    if (s->n_over >= LR_THIN_MAX_OVER) {
        s->over_lost = true;
        return 0;
    }
    if (s->n_over == s->cap_over) {
        size_t cap = s->cap_over ? s->cap_over * 2 : 64;
        refc_t *n = realloc(s->over, cap * sizeof(*n));
        if (!n)
            return lr_error_oom(w->err);
        s->over = n;
        s->cap_over = cap;
    }
    s->over[s->n_over++] = (refc_t){key, lr_get_le32(v)};
    return 0;
}

static int lost_over(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d)
{
    (void)lo, (void)hi, (void)d;
    ((smw_t *)arg)->over_lost = true;
    return 0;
}

/* A count of 3 in a bitmap: the ref count btree's, or unknown (false). */
static bool over_count(const smw_t *s, uint64_t block, uint32_t *count)
{
    size_t lo = 0, hi = s->n_over;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->over[mid].block == block) {
            *count = s->over[mid].count;
            return true;
        }
        if (s->over[mid].block < block)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* One block's count, in block order. */
static void sm_count(smw_t *s, uint64_t block, uint32_t count)
{
    lr_thin_sm_t *o = s->out;
    o->counted++;
    o->allocated += count > 0;
    o->shared += count > 1;
    if (s->counts) {
        if (block < s->t->nr_blocks)
            s->counts[block] = (uint8_t)(count < COUNT_UNKNOWN - 1 ? count : COUNT_UNKNOWN - 1);
        return;
    }
    if (!o->compared)
        return;
    /* references to blocks whose counts were lost are passed over */
    while (s->at < s->n_refs && s->refs[s->at] < block)
        s->at++;
    uint64_t e = 0;
    while (s->at < s->n_refs && s->refs[s->at] == block)
        s->at++, e++;
    if (count == 0 && e) {
        o->in_use_free++;
        sm_example(o, LR_THIN_SM_IN_USE_FREE, block, count, e);
    } else if (count && !e) {
        o->unreferenced++;
        if (o->complete)
            sm_example(o, LR_THIN_SM_UNREFERENCED, block, count, e);
    } else if (count != e && (o->complete || count < e)) {
        /* with mappings lost to damage, a count above the references
         * read may be the lost leaves' */
        o->count_differs++;
        sm_example(o, LR_THIN_SM_COUNT_DIFFERS, block, count, e);
    }
}

static bool block_fresh(uint8_t *seen, uint64_t block)
{
    uint8_t bit = (uint8_t)(1u << (block & 7));
    bool fresh = !(seen[block >> 3] & bit);
    seen[block >> 3] |= bit;
    return fresh;
}

/* Bitmap number `index` at metadata block `blocknr`: its counts, in order. */
static int sm_bitmap(smw_t *s, uint64_t index, uint64_t blocknr, uint32_t nr_free)
{
    lr_thin_t *t = s->t;
    uint64_t first = index * LR_THIN_SM_ENTRIES; /* index is below nr_blocks / entries */
    uint64_t n =
        s->nr_blocks - first < LR_THIN_SM_ENTRIES ? s->nr_blocks - first : LR_THIN_SM_ENTRIES;
    char why[128];
    if (blocknr >= t->nr_blocks) {
        snprintf(why, sizeof(why),
                 "bitmap %" PRIu64 " at block %" PRIu64 " is past the metadata device", index,
                 blocknr);
        return sm_lose(s, blocknr, first, first + n - 1, why);
    }
    if (!block_fresh(s->bitmap_seen, blocknr)) {
        snprintf(why, sizeof(why), "bitmap %" PRIu64 " shares block %" PRIu64 " with another",
                 index, blocknr);
        return sm_lose(s, blocknr, first, first + n - 1, why);
    }
    t->used[blocknr >> 3] |= (uint8_t)(1u << (blocknr & 7));
    int rc = lr_io_pread(t->io, s->buf, LR_THIN_BLOCK, blocknr * LR_THIN_BLOCK, s->err);
    if (rc)
        return rc;
    uint32_t csum = lr_get_le32(s->buf);
    uint32_t calc = lr_crc32c_block(s->buf, LR_THIN_BLOCK, BITMAP_CSUM_XOR);
    uint64_t nr = lr_get_le64(s->buf + 8);
    if (csum != calc)
        snprintf(why, sizeof(why),
                 "bitmap %" PRIu64 ": checksum 0x%08" PRIx32 " does not match 0x%08" PRIx32, index,
                 csum, calc);
    else if (nr != blocknr)
        snprintf(why, sizeof(why), "bitmap %" PRIu64 " says it is block %" PRIu64, index, nr);
    else
        why[0] = 0;
    if (why[0])
        return sm_lose(s, blocknr, first, first + n - 1, why);
    s->out->bitmaps++;
    const uint8_t *bits = s->buf + BITMAP_HEADER;
    uint64_t free_blocks = 0;
    for (uint64_t i = 0; i < n; i++) {
        /* sm_lookup_bitmap: entry i is bits 2i (high) and 2i+1 (low) of
         * the little-endian 64-bit word i / 32 */
        uint64_t bit = (i / 32) * 64 + (i % 32) * 2;
        unsigned hi = (bits[bit >> 3] >> (bit & 7)) & 1u;
        unsigned lo = (bits[(bit + 1) >> 3] >> ((bit + 1) & 7)) & 1u;
        uint32_t count = hi << 1 | lo;
        free_blocks += count == 0;
        if (count == 3 && !over_count(s, first + i, &count))
            continue; /* unknown: the ref count btree lacks it */
        sm_count(s, first + i, count);
    }
    if (free_blocks != nr_free)
        s->out->index_differs++;
    return 0;
}

/* An index entry: {blocknr, nr_free, none_free_before}. */
static int sm_index(smw_t *s, uint64_t index, const uint8_t *v, uint64_t at)
{
    uint64_t nr_bitmaps = s->nr_blocks / LR_THIN_SM_ENTRIES + !!(s->nr_blocks % LR_THIN_SM_ENTRIES);
    if (index >= nr_bitmaps) {
        char why[128];
        snprintf(why, sizeof(why),
                 "index entry %" PRIu64 " is past the space map's %" PRIu64 " bitmaps", index,
                 nr_bitmaps);
        return sm_lose(s, at, s->nr_blocks, s->nr_blocks, why);
    }
    return sm_bitmap(s, index, lr_get_le64(v), lr_get_le32(v + 8));
}

static int leaf_index(walk_t *w, uint64_t key, const uint8_t *v, uint64_t leaf)
{
    return sm_index(w->arg, key, v, leaf);
}

static int sm_walk_over(smw_t *s, uint64_t root)
{
    walk_t w = {.t = s->t,
                .tree = s->tree,
                .value_size = 4,
                .leaf = leaf_over,
                .lost = lost_over,
                .arg = s,
                .last = UINT64_MAX,
                .err = s->err};
    return walk_tree(&w, root);
}

/* The data space map: the ref count btree, then the index btree. */
static int sm_data(smw_t *s)
{
    const lr_thin_super_t *sb = &s->t->sb;
    int rc = sm_walk_over(s, sb->data_ref_count_root);
    if (rc)
        return rc;
    walk_t w = {.t = s->t,
                .tree = s->tree,
                .value_size = INDEX_ENTRY,
                .leaf = leaf_index,
                .arg = s,
                .last = UINT64_MAX,
                .key_scale = LR_THIN_SM_ENTRIES,
                .err = s->err};
    rc = walk_tree(&w, sb->data_bitmap_root);
    s->out->read = s->out->bitmaps > 0 || s->nr_blocks == 0;
    return rc;
}

/* The metadata space map: the ref count btree, then its one index block. */
static int sm_meta(smw_t *s)
{
    lr_thin_t *t = s->t;
    uint64_t root = t->sb.meta_bitmap_root;
    int rc = sm_walk_over(s, t->sb.meta_ref_count_root);
    if (rc)
        return rc;
    char why[128];
    uint64_t last = s->nr_blocks ? s->nr_blocks - 1 : 0;
    if (root >= t->nr_blocks || root == 0) {
        snprintf(why, sizeof(why), "index block %" PRIu64 " is not on the metadata device", root);
        return sm_lose(s, root, 0, last, why);
    }
    t->used[root >> 3] |= (uint8_t)(1u << (root & 7));
    uint8_t *b = t->bufs[1];
    rc = lr_io_pread(t->io, b, LR_THIN_BLOCK, root * LR_THIN_BLOCK, s->err);
    if (rc)
        return rc;
    uint32_t csum = lr_get_le32(b), calc = lr_crc32c_block(b, LR_THIN_BLOCK, INDEX_CSUM_XOR);
    if (csum != calc)
        snprintf(why, sizeof(why),
                 "index block: checksum 0x%08" PRIx32 " does not match 0x%08" PRIx32, csum, calc);
    else if (lr_get_le64(b + 8) != root)
        snprintf(why, sizeof(why), "index block says it is block %" PRIu64, lr_get_le64(b + 8));
    else if (s->nr_blocks > (uint64_t)META_INDEXES * LR_THIN_SM_ENTRIES)
        snprintf(why, sizeof(why), "%" PRIu64 " blocks need more than %u bitmaps", s->nr_blocks,
                 META_INDEXES);
    else
        why[0] = 0;
    if (why[0])
        return sm_lose(s, root, 0, last, why);
    s->out->read = true;
    uint64_t n = s->nr_blocks / LR_THIN_SM_ENTRIES + !!(s->nr_blocks % LR_THIN_SM_ENTRIES);
    for (uint64_t i = 0; i < n && !rc; i++)
        rc = sm_index(s, i, b + META_INDEX_AT + i * INDEX_ENTRY, root);
    return rc;
}

/* ---- the references the btrees make ---------------------------------------- */

typedef struct refs {
    lr_thin_t *t;
    uint64_t *v;
    size_t n, cap;
    bool over;       /* more than LR_THIN_MAX_REFS */
    bool lost;       /* a mapping tree could not be read whole */
    uint8_t *leaves; /* leaves already counted (shared between devices) */
    uint64_t cur;    /* the leaf being read */
    bool skip;       /* it was counted by an earlier device */
} refs_t;

static int leaf_ref(walk_t *w, uint64_t key, const uint8_t *v, uint64_t leaf)
{
    refs_t *r = w->arg;
    if (leaf != r->cur) {
        r->cur = leaf;
        r->skip = !block_fresh(r->leaves, leaf);
    }
    uint64_t data = lr_get_le64(v) >> 24;
    if (data >= w->t->sb.data_nr_blocks)
        return leaf_mapping(w, key, v, leaf); /* recorded as damage there */
    if (r->skip || r->over)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        if (cap > LR_THIN_MAX_REFS)
            cap = LR_THIN_MAX_REFS;
        if (r->n == cap) {
            r->over = true;
            return 0;
        }
        uint64_t *n = realloc(r->v, cap * sizeof(*n));
        if (!n)
            return lr_error_oom(w->err);
        r->v = n;
        r->cap = cap;
    }
    r->v[r->n++] = data;
    return 0;
}

static int lost_ref(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d)
{
    (void)lo, (void)hi, (void)d;
    ((refs_t *)arg)->lost = true;
    return 0;
}

/* Every data block reference of every device's mappings, sorted. */
static int collect_refs(lr_thin_t *t, refs_t *r, lr_error_t *err)
{
    r->leaves = calloc((size_t)((t->nr_blocks + 7) / 8), 1);
    if (!r->leaves)
        return lr_error_oom(err);
    r->cur = UINT64_MAX;
    int rc = 0;
    for (size_t i = 0; i < t->n_devs && !rc; i++) {
        if (!t->devs[i].has_mapping)
            continue;
        walk_t w = {.t = t,
                    .tree = LR_THIN_TREE_MAPPING,
                    .dev_id = t->devs[i].dev_id,
                    .value_size = 8,
                    .leaf = leaf_ref,
                    .lost = lost_ref,
                    .arg = r,
                    .last = UINT64_MAX,
                    .err = err};
        rc = walk_tree(&w, t->devs[i].mapping_root);
    }
    if (!rc && r->n > 1)
        qsort(r->v, r->n, sizeof(*r->v), lr_u64_cmp);
    return rc;
}

/* The metadata space map against the blocks the walks reached. */
static void compare_meta(lr_thin_t *t, const uint8_t *counts, lr_thin_sm_t *o)
{
    uint64_t n = o->nr_blocks < t->nr_blocks ? o->nr_blocks : t->nr_blocks;
    o->compared = true;
    for (uint64_t b = 0; b < n; b++) {
        bool used = t->used[b >> 3] & (1u << (b & 7));
        if (counts[b] == COUNT_UNKNOWN)
            continue;
        if (used && counts[b] == 0) {
            o->in_use_free++;
            sm_example(o, LR_THIN_SM_IN_USE_FREE, b, 0, 1);
        } else if (!used && counts[b]) {
            o->unreferenced++;
            if (o->complete)
                sm_example(o, LR_THIN_SM_UNREFERENCED, b, counts[b], 0);
        }
    }
}

static void sm_init(lr_thin_sm_t *o, uint64_t nr_blocks, uint64_t nr_allocated)
{
    memset(o, 0, sizeof(*o));
    o->nr_blocks = nr_blocks;
    o->nr_allocated = nr_allocated;
}

static int space_maps(lr_thin_t *t, lr_thin_space_t *out, refs_t *r, smw_t *s, lr_error_t *err)
{
    const lr_thin_super_t *sb = &t->sb;
    /* damage found by open (device lists) hides mappings and nodes */
    bool sound = t->n_damage == 0 && t->dropped == 0;
    int rc = collect_refs(t, r, err);
    if (rc)
        return rc;
    /* data */
    s->tree = LR_THIN_TREE_DATA_SM;
    s->out = &out->data;
    s->nr_blocks = sb->data_nr_blocks;
    s->refs = r->v;
    s->n_refs = r->n;
    out->data.compared = !r->over;
    out->data.complete = sound && !r->over && !r->lost;
    rc = sm_data(s);
    if (rc)
        return rc;
    out->data.unknown = sb->data_nr_blocks - out->data.counted;
    /* metadata: every block the walks reached is now marked */
    t->used[0] |= 1u;
    free(s->over);
    s->over = NULL;
    s->n_over = s->cap_over = 0;
    s->over_lost = false;
    s->tree = LR_THIN_TREE_META_SM;
    s->out = &out->meta;
    s->nr_blocks = sb->meta_nr_blocks;
    s->counts = malloc((size_t)t->nr_blocks);
    if (!s->counts)
        return lr_error_oom(err);
    memset(s->counts, COUNT_UNKNOWN, (size_t)t->nr_blocks);
    memset(s->bitmap_seen, 0, (size_t)((t->nr_blocks + 7) / 8));
    rc = sm_meta(s);
    if (rc)
        return rc;
    out->meta.unknown = sb->meta_nr_blocks - out->meta.counted;
    /* every node reached, and nothing lost: a metadata snapshot's blocks
     * are not walked */
    out->meta.complete = t->n_damage == 0 && t->dropped == 0 && sb->metadata_snap == 0;
    compare_meta(t, s->counts, &out->meta);
    return 0;
}

int lr_thin_space_maps(lr_thin_t *t, lr_thin_space_t *out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!t || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    sm_init(&out->data, t->sb.data_nr_blocks, t->sb.data_nr_allocated);
    sm_init(&out->meta, t->sb.meta_nr_blocks, t->sb.meta_nr_allocated);
    refs_t r = {.t = t};
    smw_t s = {.t = t, .err = err};
    s.buf = malloc(LR_THIN_BLOCK);
    s.bitmap_seen = calloc((size_t)((t->nr_blocks + 7) / 8), 1);
    int rc = s.buf && s.bitmap_seen ? space_maps(t, out, &r, &s, err) : lr_error_oom(err);
    free(r.v);
    free(r.leaves);
    free(s.buf);
    free(s.bitmap_seen);
    free(s.over);
    free(s.counts);
    return rc;
}
