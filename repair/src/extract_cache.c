/* Extraction of a dm-cache LV: LVM2 keeps the cached LV's data in its
 * origin (the _corig LV named by the "cache" segment's origin) and, for
 * blocks the cache holds newer copies of (dirty, in writeback mode), in the
 * cache pool's data LV. The pool's metadata LV is read with core's dm-cache
 * rules (lr/cache.h): every dirty block is taken from the cache data LV,
 * the rest from the origin. The read itself is the snapshot one (origin +
 * exceptions, extract_snap.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "lr/cache.h"
#include "util.h"

#define SECTOR 512u

typedef struct meta_reader {
    rp_xctx_t *x;
    const char *name;
    const lr_extract_piece_t *pieces;
    size_t n;
    uint64_t size;
} meta_reader_t;

static int read_meta_block(void *arg, uint64_t block, uint8_t *buf, lr_error_t *err)
{
    const meta_reader_t *m = arg;
    return rp_xread_sub(m->x->scan, m->name, m->pieces, m->n, m->size, buf, LR_PDATA_BLOCK,
                        block * LR_PDATA_BLOCK, err);
}

typedef struct collect {
    lr_extract_snap_t *sn;
    size_t cap;
    uint64_t origin_blocks, cache_blocks;
    int rc;
    lr_error_t *err;
} collect_t;

static int on_mapping(void *arg, uint64_t cblock, uint64_t oblock, bool dirty)
{
    collect_t *c = arg;
    c->sn->cache_mapped++;
    if (!dirty)
        return 0;
    if (oblock >= c->origin_blocks || cblock >= c->cache_blocks) {
        c->rc = lr_error_set(c->err, LR_EFORMAT, LR_NO_OFFSET,
                             "dm-cache mapping of origin block %" PRIu64 " to cache block %" PRIu64
                             " points outside the %s LV",
                             oblock, cblock, oblock >= c->origin_blocks ? "origin" : "cache data");
        return 1;
    }
    if (c->sn->n_exceptions == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        void *v = realloc(c->sn->exceptions, cap * sizeof(*c->sn->exceptions));
        if (!v) {
            c->rc = lr_error_oom(c->err);
            return 1;
        }
        c->sn->exceptions = v;
        c->cap = cap;
    }
    c->sn->exceptions[c->sn->n_exceptions++] = (lr_snap_exception_t){oblock, cblock};
    return 0;
}

/* The superblock and the dirty mappings of the pool's metadata LV. */
static int read_cache_meta(rp_xctx_t *x, lr_extract_snap_t *sn, const char *meta_name,
                           const lr_extract_piece_t *meta, size_t n_meta, uint64_t meta_size)
{
    meta_reader_t m = {x, meta_name, meta, n_meta, meta_size};
    uint8_t *blk = malloc(LR_PDATA_BLOCK);
    if (!blk)
        return lr_error_oom(x->err);
    lr_cache_sb_t sb;
    int rc = meta_size < LR_PDATA_BLOCK
                 ? lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET, "smaller than a block")
                 : read_meta_block(&m, 0, blk, x->err);
    if (!rc)
        rc = lr_cache_sb_decode(blk, LR_PDATA_BLOCK, &sb, x->err);
    free(blk);
    if (rc)
        return lr_error_prefix(x->err, meta_name, rc == LR_ENOTFOUND ? LR_EFORMAT : rc);
    sn->chunk_size = sb.data_block_size;
    sn->cache_version = sb.version;
    sn->clean_shutdown = sb.clean_shutdown;
    uint64_t cb = (uint64_t)sb.data_block_size * SECTOR;
    collect_t c = {sn, 0, (sn->origin_size + cb - 1) / cb, sn->cow_size / cb, 0, x->err};
    if (sb.cache_blocks > c.cache_blocks)
        return lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET,
                            "%s: %" PRIu32 " cache blocks do not fit the cache data LV %s",
                            meta_name, sb.cache_blocks, sn->cow);
    sn->chunks_total = sb.cache_blocks;
    rc = lr_cache_mappings(&sb, meta_size / LR_PDATA_BLOCK, read_meta_block, &m, on_mapping, &c,
                           x->err);
    if (c.rc)
        rc = c.rc;
    if (rc)
        return lr_error_prefix(x->err, meta_name, rc);
    rp_xsort_exceptions(sn->exceptions, sn->n_exceptions);
    for (size_t i = 1; i < sn->n_exceptions; i++)
        if (sn->exceptions[i].old_chunk == sn->exceptions[i - 1].old_chunk)
            return lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET,
                                "%s: origin block %" PRIu64 " is cached twice", meta_name,
                                sn->exceptions[i].old_chunk);
    return 0;
}

/* The names a cache LV leads to: origin, pool, the pool's data and
 * metadata LVs. */
static int cache_names(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s, lr_extract_snap_t *sn,
                       const lr_lv_t *sub[3])
{
    const char *origin = NULL, *pool = NULL, *data = NULL, *meta = NULL, *mode = NULL;
    lr_cfg_get_str(s->node, "origin", &origin, NULL);
    if (lr_cfg_get_str(s->node, "cache_pool", &pool, NULL))
        return rp_xseg_error(x, LR_EREFUSED, lv, s,
                             "segment type 'cache' without a cache_pool (a cachevol) cannot be "
                             "extracted");
    const lr_lv_t *p = lr_vg_find_lv(x->vg, pool);
    /* LVM2 writes flags after a '+' ("cache-pool+METADATA_FORMAT") */
    if (p && p->n_segs == 1 && rp_xtype_is(p->segs[0].type, "cache-pool")) {
        lr_cfg_get_str(p->segs[0].node, "data", &data, NULL);
        lr_cfg_get_str(p->segs[0].node, "metadata", &meta, NULL);
        lr_cfg_get_str(p->segs[0].node, "cache_mode", &mode, NULL);
    }
    sub[0] = origin ? lr_vg_find_lv(x->vg, origin) : NULL;
    sub[1] = data ? lr_vg_find_lv(x->vg, data) : NULL;
    sub[2] = meta ? lr_vg_find_lv(x->vg, meta) : NULL;
    if (!sub[0] || !sub[1] || !sub[2])
        return rp_xseg_error(x, LR_EFORMAT, lv, s,
                             "segment type 'cache' without an existing origin, and a cache-pool "
                             "with data and metadata LVs");
    bool oom = false;
    sn->snapshot_lv = rp_strdup(lv->name, &oom);
    sn->origin = rp_strdup(origin, &oom);
    sn->cow = rp_strdup(data, &oom);
    sn->cache_mode = rp_strdup(mode, &oom);
    sn->cache = true;
    sn->valid = true;
    return oom ? lr_error_oom(x->err) : 0;
}

bool rp_xtype_is(const char *type, const char *base)
{
    size_t n = strlen(base);
    return strncmp(type, base, n) == 0 && (type[n] == 0 || type[n] == '+');
}

int rp_xplan_cache(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s)
{
    lr_extract_snap_t *sn = calloc(1, sizeof(*sn));
    if (!sn)
        return lr_error_oom(x->err);
    const lr_lv_t *sub[3] = {NULL, NULL, NULL};
    lr_extract_piece_t *meta = NULL;
    size_t n_meta = 0;
    bool gone[3] = {false, false, false};
    int rc = cache_names(x, lv, s, sn, sub);
    if (!rc)
        rc = rp_xplan_sub(x, sub[0], 0, sub[0]->extent_count, s->type, 1, &sn->origin_pieces,
                          &sn->n_origin, &gone[0]);
    if (!rc)
        rc = rp_xplan_sub(x, sub[1], 0, sub[1]->extent_count, s->type, 1, &sn->cow_pieces,
                          &sn->n_cow, &gone[1]);
    if (!rc)
        rc = rp_xplan_sub(x, sub[2], 0, sub[2]->extent_count, s->type, 1, &meta, &n_meta, &gone[2]);
    if (!rc && (gone[0] || gone[1] || gone[2])) {
        rp_xfree_pieces(meta, n_meta);
        rp_xfree_snap(sn); /* the missing PVs are named by the caller */
        return 0;
    }
    if (!rc) {
        sn->origin_size = sub[0]->extent_count * x->ext_bytes;
        sn->cow_size = sub[1]->extent_count * x->ext_bytes;
        rc =
            read_cache_meta(x, sn, sub[2]->name, meta, n_meta, sub[2]->extent_count * x->ext_bytes);
    }
    rp_xfree_pieces(meta, n_meta);
    uint64_t size = lv->extent_count * x->ext_bytes;
    if (!rc && size > sn->origin_size)
        rc = rp_xseg_error(x, LR_EFORMAT, lv, s, "the cache LV is larger than its origin");
    return rp_xsnap_piece(x, sn, s, size, rc);
}
