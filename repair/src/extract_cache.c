/* Extraction of a dm-cache LV: LVM2 keeps the cached LV's data in its
 * origin (the _corig LV named by the "cache" segment's origin) and, for
 * blocks the cache holds newer copies of (dirty, in writeback mode), in the
 * cache pool's data LV. The pool's metadata LV is read with core's dm-cache
 * rules (lr/cache.h): every dirty block is taken from the cache data LV,
 * the rest from the origin. The read itself is the snapshot one (origin +
 * exceptions, extract_snap.c). A writecache LV likewise: its origin (the
 * _wcorig LV) with the blocks its cachevol's dm-writecache metadata holds
 * and has not written back. */
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

/* ---- writecache --------------------------------------------------------- */

#define WC_READ (64u << 10) /* entries read at a time: 4096 */

typedef struct wc_hit {
    uint64_t old_chunk, new_chunk, seq;
} wc_hit_t;

static int by_chunk_then_seq(const void *a, const void *b)
{
    const wc_hit_t *x = a, *y = b;
    if (x->old_chunk != y->old_chunk)
        return x->old_chunk < y->old_chunk ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One committed entry, as an exception to be (origin block, cache block). */
static int wc_add(rp_xctx_t *x, lr_extract_snap_t *sn, const lr_writecache_sb_t *sb,
                  wc_hit_t **hits, size_t *cap, uint64_t index, uint64_t sector, uint64_t seq)
{
    uint64_t spb = sb->block_size / SECTOR;
    uint64_t origin_blocks = sn->origin_size / sb->block_size;
    if (sector % spb || sector / spb >= origin_blocks)
        return lr_error_set(
            x->err, LR_EFORMAT, LR_NO_OFFSET,
            "%s: dm-writecache entry %" PRIu64 " holds origin sector %" PRIu64 ", %s", sn->cow,
            index, sector, sector % spb ? "not at a block boundary" : "past the origin LV");
    if (sn->wc_committed == *cap) {
        size_t n = *cap ? *cap * 2 : 64;
        wc_hit_t *v = realloc(*hits, n * sizeof(*v));
        if (!v)
            return lr_error_oom(x->err);
        *hits = v;
        *cap = n;
    }
    (*hits)[sn->wc_committed++] =
        (wc_hit_t){sector / spb, sb->data_offset / sb->block_size + index, seq};
    return 0;
}

/* The newest committed entry of each origin block becomes an exception. */
static int wc_keep_newest(rp_xctx_t *x, lr_extract_snap_t *sn, wc_hit_t *hits)
{
    size_t n = (size_t)sn->wc_committed;
    if (n)
        qsort(hits, n, sizeof(*hits), by_chunk_then_seq);
    sn->exceptions = calloc(n ? n : 1, sizeof(*sn->exceptions));
    if (!sn->exceptions)
        return lr_error_oom(x->err);
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && hits[i + 1].old_chunk == hits[i].old_chunk) {
            if (hits[i + 1].seq == hits[i].seq) /* the kernel refuses this too */
                return lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET,
                                    "%s: two dm-writecache entries of origin block %" PRIu64
                                    " with the same seq_count %" PRIu64,
                                    sn->cow, hits[i].old_chunk, hits[i].seq);
            continue; /* superseded */
        }
        sn->exceptions[sn->n_exceptions++] =
            (lr_snap_exception_t){hits[i].old_chunk, hits[i].new_chunk};
    }
    return 0;
}

/* The superblock and the committed entries of the cachevol. */
static int read_wc_meta(rp_xctx_t *x, lr_extract_snap_t *sn, uint64_t seg_block_size)
{
    uint8_t *buf = malloc(WC_READ);
    wc_hit_t *hits = NULL;
    size_t cap = 0;
    lr_writecache_sb_t sb;
    int rc = buf ? 0 : lr_error_oom(x->err);
    if (!rc)
        rc = rp_xread_sub(x->scan, sn->cow, sn->cow_pieces, sn->n_cow, sn->cow_size, buf,
                          LR_WRITECACHE_SB_SIZE, 0, x->err);
    if (!rc)
        rc = lr_writecache_sb_decode(buf, LR_WRITECACHE_SB_SIZE, sn->cow_size, &sb, x->err);
    if (!rc && seg_block_size && seg_block_size != sb.block_size)
        rc = lr_error_set(x->err, LR_EFORMAT, LR_NO_OFFSET,
                          "writecache_block_size %" PRIu64 " in the metadata, %" PRIu32
                          " in the dm-writecache superblock",
                          seg_block_size, sb.block_size);
    uint64_t per = WC_READ / LR_WRITECACHE_ENTRY;
    for (uint64_t i = 0; !rc && i < sb.n_blocks; i += per) {
        uint64_t n = sb.n_blocks - i < per ? sb.n_blocks - i : per;
        rc = rp_xread_sub(x->scan, sn->cow, sn->cow_pieces, sn->n_cow, sn->cow_size, buf,
                          (size_t)n * LR_WRITECACHE_ENTRY,
                          LR_WRITECACHE_SB_SIZE + i * LR_WRITECACHE_ENTRY, x->err);
        for (uint64_t k = 0; !rc && k < n; k++) {
            uint64_t sector, seq;
            if (lr_writecache_entry(&sb, buf + k * LR_WRITECACHE_ENTRY, &sector, &seq))
                rc = wc_add(x, sn, &sb, &hits, &cap, i + k, sector, seq);
        }
    }
    if (!rc) {
        sn->chunk_size = sb.block_size / SECTOR;
        sn->chunks_total = sb.data_offset / sb.block_size + sb.n_blocks;
        sn->wc_blocks = sb.n_blocks;
        sn->wc_seq_count = sb.seq_count;
        rc = wc_keep_newest(x, sn, hits);
    }
    free(buf);
    free(hits);
    return rc ? lr_error_prefix(x->err, sn->cow, rc == LR_ENOTFOUND ? LR_EFORMAT : rc) : 0;
}

int rp_xplan_writecache(rp_xctx_t *x, const lr_lv_t *lv, const lr_seg_t *s)
{
    const char *origin = NULL, *cvol = NULL;
    uint64_t bs = 0;
    lr_cfg_get_str(s->node, "origin", &origin, NULL);
    lr_cfg_get_str(s->node, "writecache", &cvol, NULL);
    lr_cfg_get_uint(s->node, "writecache_block_size", &bs, NULL);
    const lr_lv_t *o = origin ? lr_vg_find_lv(x->vg, origin) : NULL;
    const lr_lv_t *c = cvol ? lr_vg_find_lv(x->vg, cvol) : NULL;
    if (!o || !c)
        return rp_xseg_error(x, LR_EFORMAT, lv, s,
                             "segment type 'writecache' without an existing origin and "
                             "writecache (cachevol) LV");
    lr_extract_snap_t *sn = calloc(1, sizeof(*sn));
    if (!sn)
        return lr_error_oom(x->err);
    bool oom = false, gone_o = false, gone_c = false;
    sn->snapshot_lv = rp_strdup(lv->name, &oom);
    sn->origin = rp_strdup(origin, &oom);
    sn->cow = rp_strdup(cvol, &oom);
    sn->cache = sn->writecache = sn->valid = sn->clean_shutdown = true;
    int rc = oom ? lr_error_oom(x->err) : 0;
    if (!rc)
        rc = rp_xplan_sub(x, o, 0, o->extent_count, s->type, 1, &sn->origin_pieces, &sn->n_origin,
                          &gone_o);
    if (!rc)
        rc = rp_xplan_sub(x, c, 0, c->extent_count, s->type, 1, &sn->cow_pieces, &sn->n_cow,
                          &gone_c);
    if (!rc && (gone_o || gone_c)) {
        rp_xfree_snap(sn); /* the missing PVs are named by the caller */
        return 0;
    }
    if (!rc) {
        sn->origin_size = o->extent_count * x->ext_bytes;
        sn->cow_size = c->extent_count * x->ext_bytes;
        rc = read_wc_meta(x, sn, bs);
    }
    uint64_t size = lv->extent_count * x->ext_bytes;
    if (!rc && size > sn->origin_size)
        rc = rp_xseg_error(x, LR_EFORMAT, lv, s, "the writecache LV is larger than its origin");
    return rp_xsnap_piece(x, sn, s, size, rc);
}
