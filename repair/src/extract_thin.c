/* Extraction of thin LVs: the pool's metadata LV is read as dm-thin
 * metadata (core's lr/thin.h) through the extract plan of that LV, and
 * each mapped block is copied from the pool's data LV, through its plan.
 * Unmapped blocks are zeros (holes); ranges the metadata lost to damage are
 * zeros too, and lr_extract_thin_info says which. Every byte copied comes
 * from a mapping whose btree nodes passed their checksums. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "lr/strbuf.h"

#define SECTOR 512u
/* dm-thin's largest data block: 1 GiB (DATA_DEV_BLOCK_SIZE_MAX_SECTORS) */
#define MAX_BLOCK_SECTORS (2u * 1024 * 1024)

/* ---- planning ------------------------------------------------------------ */

static const lr_seg_t *thin_seg(const lr_lv_t *lv)
{
    for (size_t i = 0; i < lv->n_segs; i++)
        if (strcmp(lv->segs[i].type, "thin") == 0)
            return &lv->segs[i];
    return NULL;
}

bool rp_thin_is_thin(const lr_lv_t *lv)
{
    return lv && thin_seg(lv) != NULL;
}

void rp_thin_free(lr_extract_thin_t *thin)
{
    if (!thin)
        return;
    free(thin->pool);
    free(thin->meta_lv);
    free(thin->data_lv);
    lr_extract_plan_free(thin->meta);
    lr_extract_plan_free(thin->data);
    free(thin);
}

static int seg_str(const lr_lv_t *lv, const lr_seg_t *s, const char *key, const char **v,
                   lr_error_t *err)
{
    if (lr_cfg_get_str(s->node, key, v, NULL) == 0)
        return 0;
    return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(s->node), "LV %s %s (%s): no '%s'", lv->name,
                        s->key, s->type, key);
}

static int seg_uint(const lr_lv_t *lv, const lr_seg_t *s, const char *key, uint64_t *v,
                    lr_error_t *err)
{
    if (lr_cfg_get_uint(s->node, key, v, NULL) == 0)
        return 0;
    return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(s->node), "LV %s %s (%s): no valid '%s'",
                        lv->name, s->key, s->type, key);
}

/* Plans one of the pool's LVs; errors name the pool. */
static int plan_pool_lv(const lr_scan_t *scan, const lr_vg_t *vg, const char *pool,
                        const char *what, const char *name, lr_extract_plan_t **out,
                        lr_error_t *err)
{
    int rc = lr_extract_plan_vg(scan, vg, name, out, err);
    if (rc) {
        char pre[256];
        snprintf(pre, sizeof(pre), "thin pool %s, its %s LV %s", pool, what, name);
        return lr_error_prefix(err, pre, rc);
    }
    return 0;
}

static int add_images(lr_extract_plan_t *plan, const lr_extract_plan_t *from)
{
    for (size_t i = 0; i < from->n_images; i++) {
        size_t k = 0;
        while (k < plan->n_images && plan->images[k] != from->images[i])
            k++;
        if (k == plan->n_images)
            plan->images[plan->n_images++] = from->images[i];
    }
    return 0;
}

static int plan_pool(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, const lr_seg_t *s,
                     lr_extract_thin_t *t, lr_error_t *err)
{
    const char *pool_name = NULL, *meta = NULL, *data = NULL, *ext = NULL;
    int rc = seg_str(lv, s, "thin_pool", &pool_name, err);
    if (!rc)
        rc = seg_uint(lv, s, "device_id", &t->dev_id, err);
    if (rc)
        return rc;
    t->has_lv_tx = lr_cfg_get_uint(s->node, "transaction_id", &t->lv_tx, NULL) == 0;
    if (lr_cfg_get_str(s->node, "external_origin", &ext, NULL) == 0)
        return lr_error_set(err, LR_EREFUSED, lr_cfg_offset(s->node),
                            "LV %s is a thin LV with the external origin %s, whose data "
                            "its unmapped blocks show: not supported",
                            lv->name, ext);
    const lr_lv_t *pool = lr_vg_find_lv(vg, pool_name);
    const lr_seg_t *ps = pool && pool->n_segs == 1 ? &pool->segs[0] : NULL;
    /* refused (the segment type named) rather than malformed: the VG may
     * be fine and only this version lack the pool */
    if (!ps || strcmp(ps->type, "thin-pool") != 0)
        return lr_error_set(err, LR_EREFUSED, lr_cfg_offset(s->node),
                            "LV %s (segment type 'thin') cannot be extracted: its thin_pool '%s' "
                            "is not a thin-pool LV of one segment in this version",
                            lv->name, pool_name);
    rc = seg_str(pool, ps, "metadata", &meta, err);
    if (!rc)
        rc = seg_str(pool, ps, "pool", &data, err);
    if (!rc)
        rc = seg_uint(pool, ps, "transaction_id", &t->transaction_id, err);
    uint64_t chunk = 0;
    if (!rc)
        rc = seg_uint(pool, ps, "chunk_size", &chunk, err);
    if (rc)
        return rc;
    t->chunk = chunk <= UINT64_MAX / SECTOR ? chunk * SECTOR : 0;
    bool oom = false;
    t->pool = rp_strdup(pool_name, &oom);
    t->meta_lv = rp_strdup(meta, &oom);
    t->data_lv = rp_strdup(data, &oom);
    if (oom)
        return lr_error_oom(err);
    rc = plan_pool_lv(scan, vg, pool_name, "metadata", meta, &t->meta, err);
    if (!rc)
        rc = plan_pool_lv(scan, vg, pool_name, "data", data, &t->data, err);
    return rc;
}

int rp_thin_plan(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv,
                 lr_extract_plan_t *plan, lr_error_t *err)
{
    const lr_seg_t *s = thin_seg(lv);
    if (lv->n_segs != 1 || s->start_extent != 0)
        return lr_error_set(err, LR_EFORMAT, lr_cfg_offset(lv->node),
                            "LV %s: a thin LV has one segment, this one %zu", lv->name, lv->n_segs);
    lr_extract_thin_t *t = calloc(1, sizeof(*t));
    if (!t)
        return lr_error_oom(err);
    plan->thin = t;
    int rc = plan_pool(scan, vg, lv, s, t, err);
    if (rc)
        return rc;
    plan->images = calloc(t->meta->n_images + t->data->n_images + 1, sizeof(*plan->images));
    if (!plan->images)
        return lr_error_oom(err);
    add_images(plan, t->meta);
    return add_images(plan, t->data);
}

/* ---- the metadata LV as an lr_io_t ---------------------------------------- */

typedef struct meta_io {
    const rp_xhandles_t *h;
    const lr_extract_plan_t *plan;
} meta_io_t;

static int meta_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    const meta_io_t *m = ctx;
    return rp_xread_plan(m->h, m->plan, buf, len, off, err);
}

static int meta_close(void *ctx, lr_error_t *err)
{
    (void)err;
    free(ctx);
    return 0;
}

static const lr_io_ops_t meta_ops = {.name = "thin-meta", .pread = meta_pread, .close = meta_close};

/* The pool metadata of a thin plan, opened; *io and *t are the caller's. */
static int open_pool(const rp_xhandles_t *h, const lr_extract_plan_t *plan, lr_io_t **io,
                     lr_thin_t **t, lr_error_t *err)
{
    const lr_extract_thin_t *th = plan->thin;
    *io = NULL;
    *t = NULL;
    meta_io_t *m = malloc(sizeof(*m));
    if (!m)
        return lr_error_oom(err);
    *m = (meta_io_t){h, th->meta};
    char name[256];
    snprintf(name, sizeof(name), "%s/%s", plan->vg, th->meta_lv);
    int rc = lr_io_new(io, &meta_ops, m, th->meta->size, name, err);
    if (rc) {
        free(m);
        return rc;
    }
    rc = lr_thin_open(*io, t, err);
    if (rc) {
        char pre[300];
        snprintf(pre, sizeof(pre), "thin pool %s", th->pool);
        lr_error_prefix(err, pre, rc);
        lr_io_close(*io, NULL);
        *io = NULL;
    }
    return rc;
}

static int no_device(const lr_extract_plan_t *plan, const lr_thin_t *t, lr_error_t *err)
{
    size_t n = 0;
    const lr_thin_dev_t *d = lr_thin_devs(t, &n);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b,
                     "thin LV %s has device_id %" PRIu64
                     ", which thin pool %s's metadata does not map; its devices:",
                     plan->lv, plan->thin->dev_id, plan->thin->pool);
    for (size_t i = 0; i < n && i < 20; i++)
        lr_strbuf_printf(&b, "%s %" PRIu64, i ? "," : "", d[i].dev_id);
    if (!n)
        lr_strbuf_puts(&b, " none");
    char *msg = lr_strbuf_take(&b, NULL);
    int rc = lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "%s", msg ? msg : "no such device");
    free(msg);
    return rc;
}

/* Checks what reading needs: the device, a sane block size. */
static int check_pool(const lr_extract_plan_t *plan, const lr_thin_t *t, uint64_t *bs,
                      lr_error_t *err)
{
    const lr_thin_dev_t *d = lr_thin_dev(t, plan->thin->dev_id);
    if (!d || !d->has_mapping)
        return no_device(plan, t, err);
    /* the id given again to a later thin LV: its data, not this LV's */
    if (plan->thin->has_lv_tx && d->has_details &&
        lr_thin_dev_reused(d->transaction_id, plan->thin->lv_tx))
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "thin LV %s (created at pool transaction %" PRIu64
                            ") has device_id %" PRIu64 ", but thin pool %s's device %" PRIu64
                            " was created at transaction %" PRIu64
                            ", after it: the id was given to a later thin LV, and what the "
                            "device maps is that LV's data, not %s's",
                            plan->lv, plan->thin->lv_tx, plan->thin->dev_id, plan->thin->pool,
                            plan->thin->dev_id, d->transaction_id, plan->lv);
    uint32_t sectors = lr_thin_super(t)->data_block_size;
    if (sectors == 0 || sectors > MAX_BLOCK_SECTORS)
        return lr_error_set(err, LR_EFORMAT, 336,
                            "thin pool %s: metadata data_block_size %" PRIu32
                            " sectors is not a dm-thin block size",
                            plan->thin->pool, sectors);
    *bs = (uint64_t)sectors * SECTOR;
    return 0;
}

/* ---- streaming ------------------------------------------------------------ */

typedef struct sink {
    const rp_xhandles_t *h;
    const lr_extract_plan_t *plan;
    uint64_t bs;
    rp_out_t *o;     /* stream: the output; NULL for a read */
    char *buf;       /* stream: scratch; read: the caller's buffer */
    size_t bufsize;  /* stream: scratch size */
    uint64_t lo, hi; /* read: LV bytes [lo, hi) wanted */
    uint64_t at;     /* stream: LV bytes written so far */
    const lr_extract_opts_t *opts;
    lr_error_t *err;
} sink_t;

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Zeros up to LV offset `to` (a hole). */
static int pad_to(sink_t *s, uint64_t to)
{
    while (s->at < to) {
        size_t n = (size_t)min64(to - s->at, s->bufsize);
        memset(s->buf, 0, n);
        int rc = rp_out_write(s->o, s->buf, n, true, s->err);
        if (rc)
            return rc;
        s->at += n;
    }
    return 0;
}

/* Bytes [from, from+len) of data block d, checked against the data LV. */
static int read_data(sink_t *s, uint64_t d, uint64_t from, char *buf, size_t len)
{
    const lr_extract_plan_t *data = s->plan->thin->data;
    uint64_t off;
    if (__builtin_mul_overflow(d, s->bs, &off) || off > data->size || s->bs > data->size - off)
        return lr_error_set(s->err, LR_EFORMAT, LR_NO_OFFSET,
                            "thin pool %s: data block %" PRIu64 " lies past its data LV %s",
                            s->plan->thin->pool, d, s->plan->thin->data_lv);
    return rp_xread_plan(s->h, data, buf, len, off + from, s->err);
}

static int stream_map(void *arg, uint64_t v, uint64_t d, uint32_t time)
{
    (void)time;
    sink_t *s = arg;
    uint64_t size = s->plan->size, off;
    if (__builtin_mul_overflow(v, s->bs, &off) || off >= size)
        return 0; /* past the LV's end: not part of it (lr_extract_thin_info counts them) */
    int rc = pad_to(s, off);
    uint64_t end = min64(off + s->bs, size);
    while (!rc && s->at < end) {
        size_t n = (size_t)min64(end - s->at, s->bufsize);
        rc = read_data(s, d, s->at - off, s->buf, n);
        if (!rc)
            rc = rp_out_write(s->o, s->buf, n, true, s->err);
        s->at += n;
    }
    const lr_extract_opts_t *o = s->opts;
    if (!rc && o && o->progress && o->progress(o->progress_arg, s->at, size))
        rc = lr_error_set(s->err, -ECANCELED, LR_NO_OFFSET, "extraction stopped");
    return rc;
}

int rp_thin_stream(const rp_xhandles_t *h, const lr_extract_plan_t *plan, rp_out_t *o,
                   const lr_extract_opts_t *opts, char *buf, size_t bufsize, lr_error_t *err)
{
    lr_io_t *io;
    lr_thin_t *t;
    int rc = open_pool(h, plan, &io, &t, err);
    if (rc)
        return rc;
    sink_t s = {
        .h = h, .plan = plan, .o = o, .buf = buf, .bufsize = bufsize, .opts = opts, .err = err};
    rc = check_pool(plan, t, &s.bs, err);
    /* lost ranges need nothing: the gap up to the next mapping is zeros */
    if (!rc)
        rc = lr_thin_walk(t, plan->thin->dev_id, stream_map, NULL, &s, err);
    if (!rc)
        rc = pad_to(&s, plan->size);
    lr_thin_free(t);
    lr_io_close(io, NULL);
    return rc;
}

/* ---- reading a range ------------------------------------------------------ */

static int read_map(void *arg, uint64_t v, uint64_t d, uint32_t time)
{
    (void)time;
    sink_t *s = arg;
    uint64_t off = v * s->bs; /* v is inside the range asked for: no overflow */
    uint64_t from = off > s->lo ? off : s->lo;
    uint64_t to = min64(off + s->bs, s->hi);
    if (from >= to)
        return 0;
    return read_data(s, d, from - off, s->buf + (from - s->lo), (size_t)(to - from));
}

int rp_thin_read(const rp_xhandles_t *h, const lr_extract_plan_t *plan, char *buf, size_t len,
                 uint64_t off, lr_error_t *err)
{
    if (off > plan->size || len > plan->size - off)
        return lr_error_set(err, LR_ERANGE, off, "read past the end of LV %s", plan->lv);
    memset(buf, 0, len);
    if (!len)
        return 0;
    lr_io_t *io;
    lr_thin_t *t;
    int rc = open_pool(h, plan, &io, &t, err);
    if (rc)
        return rc;
    sink_t s = {.h = h, .plan = plan, .buf = buf, .lo = off, .hi = off + len, .err = err};
    rc = check_pool(plan, t, &s.bs, err);
    if (!rc)
        rc = lr_thin_walk_range(t, plan->thin->dev_id, off / s.bs, (off + len - 1) / s.bs, read_map,
                                NULL, &s, err);
    lr_thin_free(t);
    lr_io_close(io, NULL);
    return rc;
}

/* ---- info ------------------------------------------------------------------ */

typedef struct info_ctx {
    lr_extract_thin_info_t *info;
    uint64_t lv_blocks; /* blocks the LV covers (the last may be partial) */
    uint64_t size;
} info_ctx_t;

static int info_map(void *arg, uint64_t v, uint64_t d, uint32_t time)
{
    (void)d, (void)time;
    info_ctx_t *c = arg;
    if (v >= c->lv_blocks)
        c->info->past_end++;
    return 0;
}

static int info_lost(void *arg, uint64_t lo, uint64_t hi, const lr_thin_damage_t *d)
{
    (void)d;
    info_ctx_t *c = arg;
    if (lo >= c->lv_blocks)
        return 0;
    hi = min64(hi, c->lv_blocks - 1);
    uint64_t bs = c->info->block_size;
    c->info->lost_bytes += min64(c->size, (hi + 1) * bs) - lo * bs;
    return 0;
}

static int fill_info(const lr_extract_plan_t *plan, lr_thin_t *t, lr_extract_thin_info_t *info,
                     lr_error_t *err)
{
    int rc = check_pool(plan, t, &info->block_size, err);
    if (rc)
        return rc;
    info->super = *lr_thin_super(t);
    info->dev = *lr_thin_dev(t, plan->thin->dev_id);
    info_ctx_t c = {info, plan->size / info->block_size + (plan->size % info->block_size != 0),
                    plan->size};
    rc = lr_thin_walk(t, plan->thin->dev_id, info_map, info_lost, &c, err);
    lr_thin_usage_t *u = NULL;
    size_t n = 0;
    if (!rc)
        rc = lr_thin_usage(t, &u, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (u[i].dev_id == plan->thin->dev_id)
            info->usage = u[i];
    free(u);
    /* the data space map: a mapped block it calls free may hold other data */
    if (!rc)
        rc = lr_thin_space_maps(t, &info->space, err);
    if (rc)
        return rc;
    const lr_thin_damage_t *d = lr_thin_damage(t, &info->n_damage, &info->damage_dropped);
    if (info->n_damage) {
        info->damage = malloc(info->n_damage * sizeof(*d));
        if (!info->damage)
            return lr_error_oom(err);
        memcpy(info->damage, d, info->n_damage * sizeof(*d));
    }
    return 0;
}

int lr_extract_thin_info(const lr_scan_t *scan, const lr_extract_plan_t *plan,
                         const lr_extract_opts_t *opts, lr_extract_thin_info_t **out,
                         lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !plan || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    if (!plan->thin)
        return lr_error_refuse(err, 0, "LV %s is not a thin LV", plan->lv);
    rp_xhandles_t h;
    int rc = rp_xhandles_open(&h, scan, plan, opts, err);
    bool opened = !rc;
    lr_extract_thin_info_t *info = rc ? NULL : calloc(1, sizeof(*info));
    if (!rc && !info)
        rc = lr_error_oom(err);
    lr_io_t *io = NULL;
    lr_thin_t *t = NULL;
    if (!rc)
        rc = open_pool(&h, plan, &io, &t, err);
    if (!rc)
        rc = fill_info(plan, t, info, err);
    lr_thin_free(t);
    lr_io_close(io, NULL);
    if (opened)
        rp_xhandles_close(&h);
    if (rc) {
        lr_extract_thin_info_free(info);
        return rc;
    }
    *out = info;
    return 0;
}

void lr_extract_thin_info_free(lr_extract_thin_info_t *info)
{
    if (!info)
        return;
    free(info->damage);
    free(info);
}
