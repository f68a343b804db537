/* Thin pools of each version: LVM2's transaction_id next to the one in the
 * pool's metadata superblock (core's dm-thin reader, lr/thin.h). The
 * metadata LV (linear, striped or a raid1/mirror) is read through scan's
 * LV mapper (lr/lvmap.h) on the scanned PVs; a pool whose metadata cannot
 * be reached or read says why instead. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/lvmap.h"
#include "lr/thin.h"
#include "scan_int.h"

/* Superblocks already read, by where the metadata LV lies. */
typedef struct seen {
    char *key;
    bool read;
    uint64_t tx;
    char *error;
    uint64_t damaged;
    lr_thin_usage_t *usage; /* per device with a mapping */
    size_t n_usage;
    bool space_read;
    lr_thin_space_t space;
} seen_t;

typedef struct tctx {
    sc_ctx_t *c;
    const lr_scan_vg_t *svg;
    seen_t *seen;
    size_t n_seen;
} tctx_t;

void sc_thin_free(lr_scan_version_t *v)
{
    for (size_t i = 0; i < v->n_thin_pools; i++) {
        lr_scan_thin_pool_t *p = &v->thin_pools[i];
        for (size_t k = 0; k < p->n_thin_lvs; k++)
            free(p->thin_lvs[k].lv);
        free(p->thin_lvs);
        free(p->lv);
        free(p->error);
    }
    free(v->thin_pools);
    v->thin_pools = NULL;
    v->n_thin_pools = 0;
}

/* The metadata LV's layout on the images (the key its reading is shared
 * by), or a reason it cannot be read, through scan's one LV mapper. */
static int meta_layout(const tctx_t *t, const lr_vg_t *vg, const lr_lv_t *meta, char **key,
                       char *why, size_t len)
{
    lr_strbuf_t k = LR_STRBUF_INIT;
    lr_lvmap_why_t w;
    *key = NULL;
    int rc = lr_lvmap_layout(t->c->scan, t->c->ios, t->c->scan->n_images, vg, meta, &k, &w);
    if (rc == -ENOMEM) {
        lr_strbuf_free(&k);
        return rc;
    }
    if (rc) {
        lr_strbuf_free(&k);
        snprintf(why, len, "its metadata LV %s cannot be read: %s", meta->name, w.text);
        return 1;
    }
    *key = lr_strbuf_take(&k, NULL);
    return *key ? 0 : -ENOMEM;
}

/* Keeps what one read found (taking over r's key and usage). */
static int remember(tctx_t *t, seen_t *r, const char *error)
{
    seen_t *v = realloc(t->seen, (t->n_seen + 1) * sizeof(*v));
    r->error = error ? strdup(error) : NULL;
    if (!v || (error && !r->error)) {
        free(r->key);
        free(r->usage);
        free(r->error);
        if (v)
            t->seen = v;
        return -ENOMEM;
    }
    t->seen = v;
    v[t->n_seen++] = *r;
    return 0;
}

/* Reads (or recalls) the superblock of metadata LV meta laid out as key
 * says (key is the caller's). */
static int read_pool(tctx_t *t, const lr_vg_t *vg, const lr_lv_t *meta, const char *key,
                     const seen_t **out)
{
    for (size_t i = 0; i < t->n_seen; i++)
        if (strcmp(t->seen[i].key, key) == 0) {
            *out = &t->seen[i];
            return 0;
        }
    lr_io_t *io = NULL;
    lr_thin_t *th = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    seen_t r = {0};
    int rc = lr_lvmap_open(&io, t->c->scan, t->c->ios, t->c->scan->n_images, vg, meta,
                           "thin pool metadata", &err);
    if (!rc)
        rc = lr_thin_open(io, &th, &err);
    /* every device's mapping: the thin LVs' counts (damage is data) */
    if (!rc)
        rc = lr_thin_usage(th, &r.usage, &r.n_usage, &err);
    /* the space maps: pool usage and their agreement with the mappings */
    if (!rc)
        rc = lr_thin_space_maps(th, &r.space, &err);
    r.space_read = rc == 0;
    char msg[600] = "";
    if (rc)
        lr_error_format(&err, msg, sizeof(msg));
    r.read = rc == 0;
    r.tx = th ? lr_thin_super(th)->transaction_id : 0;
    if (th) {
        size_t nd = 0;
        lr_thin_damage(th, &nd, &r.damaged);
        r.damaged += nd;
    }
    lr_thin_free(th);
    lr_io_close(io, NULL);
    if (rc == -ENOMEM)
        return rc;
    r.key = strdup(key);
    if (!r.key || remember(t, &r, rc ? msg : NULL))
        return -ENOMEM;
    *out = &t->seen[t->n_seen - 1];
    return 0;
}

/* The thin LVs of pool `pool` in vg, with what the metadata says of their
 * devices. */
static int thin_lvs(const lr_vg_t *vg, const lr_lv_t *pool, const seen_t *r, lr_scan_thin_pool_t *e)
{
    const char *name;
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < vg->n_lvs; i++) {
            const lr_lv_t *lv = &vg->lvs[i];
            const lr_seg_t *sg = lv->n_segs == 1 ? &lv->segs[0] : NULL;
            if (!sg || strcmp(sg->type, "thin") != 0 ||
                lr_cfg_get_str(sg->node, "thin_pool", &name, NULL) != 0 ||
                strcmp(name, pool->name) != 0)
                continue;
            if (pass == 0) {
                e->n_thin_lvs++;
                continue;
            }
            lr_scan_thin_lv_t *x = &e->thin_lvs[e->n_thin_lvs++];
            x->lv = strdup(lv->name);
            if (!x->lv)
                return -ENOMEM;
            if (lr_cfg_get_uint(sg->node, "device_id", &x->device_id, NULL) != 0)
                continue;
            for (size_t k = 0; r && k < r->n_usage; k++) {
                const lr_thin_usage_t *u = &r->usage[k];
                if (u->dev_id != x->device_id)
                    continue;
                x->in_metadata = true;
                x->mapped = u->mapped;
                x->highest = u->highest;
                x->shared = u->shared;
                x->lost = u->lost;
                uint64_t lv_tx = 0;
                if (u->has_details &&
                    lr_cfg_get_uint(sg->node, "transaction_id", &lv_tx, NULL) == 0 &&
                    lr_thin_dev_reused(u->created, lv_tx)) {
                    x->reused = true;
                    x->created = u->created;
                    x->lv_tx = lv_tx;
                }
            }
        }
        if (pass == 0) {
            if (!e->n_thin_lvs)
                return 0;
            e->thin_lvs = calloc(e->n_thin_lvs, sizeof(*e->thin_lvs));
            if (!e->thin_lvs)
                return -ENOMEM;
            e->n_thin_lvs = 0;
        }
    }
    return 0;
}

/* The message sections queued in a pool segment (message1, message2...). */
static size_t pool_messages(const lr_seg_t *sg)
{
    size_t n = 0;
    for (const lr_cfg_node_t *c = lr_cfg_child(sg->node); c; c = lr_cfg_next(c))
        if (lr_cfg_node_type(c) == LR_CFG_SECTION && strncmp(lr_cfg_key(c), "message", 7) == 0)
            n++;
    return n;
}

/* One thin-pool LV of a version. */
static int pool_entry(tctx_t *t, const lr_vg_t *vg, const lr_lv_t *lv, lr_scan_thin_pool_t *e)
{
    const lr_seg_t *sg = &lv->segs[0];
    const char *meta_name = NULL;
    char why[300];
    const char *reason = NULL;
    e->lv = strdup(lv->name);
    if (!e->lv)
        return -ENOMEM;
    if (lr_cfg_get_uint(sg->node, "transaction_id", &e->transaction_id, NULL) != 0)
        reason = "no transaction_id in the pool's segment";
    else if (lr_cfg_get_str(sg->node, "metadata", &meta_name, NULL) != 0)
        reason = "no metadata LV named in the pool's segment";
    const lr_lv_t *meta = reason ? NULL : lr_vg_find_lv(vg, meta_name);
    if (!reason && !meta)
        reason = "its metadata LV is not in this version";
    char *key = NULL;
    const seen_t *r = NULL;
    if (!reason) {
        int rc = meta_layout(t, vg, meta, &key, why, sizeof(why));
        if (rc < 0)
            return rc;
        reason = rc ? why : NULL;
    }
    if (!reason) {
        int rc = read_pool(t, vg, meta, key, &r);
        free(key);
        if (rc)
            return rc;
        reason = r->read ? NULL : r->error;
    }
    if (reason) {
        e->error = strdup(reason);
        return e->error ? thin_lvs(vg, lv, NULL, e) : -ENOMEM;
    }
    e->read = true;
    e->pool_transaction_id = r->tx;
    e->messages = pool_messages(sg);
    e->mismatch = !lr_thin_tx_agree(e->transaction_id, r->tx, e->messages);
    e->damaged = r->damaged;
    e->space_read = r->space_read;
    e->space = r->space;
    return thin_lvs(vg, lv, r, e);
}

static bool is_pool(const lr_lv_t *lv)
{
    return lv->n_segs == 1 && strcmp(lv->segs[0].type, "thin-pool") == 0;
}

static int version_pools(tctx_t *t, lr_scan_version_t *v)
{
    const lr_scan_t *s = t->c->scan;
    if (!v->complete || !v->n_copies)
        return 0;
    const lr_scan_copy_t *cp = &s->copies[v->copies[0]];
    lr_io_t *io = cp->image >= 0 && (size_t)cp->image < s->n_images ? t->c->ios[cp->image] : NULL;
    char *text = NULL;
    if (!io || sc_read_pieces(io, cp, &text, NULL) != 0) {
        free(text);
        return 0; /* it was read once; the version's other fields say enough */
    }
    lr_vg_t *vg = NULL;
    int rc = 0;
    /* most VGs have no thin pool: skip the parse */
    if (strstr(text, "thin-pool") && lr_vg_parse(text, (size_t)cp->length, &vg, NULL) == 0) {
        size_t n = 0;
        for (size_t i = 0; i < vg->n_lvs; i++)
            n += is_pool(&vg->lvs[i]);
        v->thin_pools = n ? calloc(n, sizeof(*v->thin_pools)) : NULL;
        if (n && !v->thin_pools)
            rc = -ENOMEM;
        for (size_t i = 0; !rc && i < vg->n_lvs; i++)
            if (is_pool(&vg->lvs[i]))
                rc = pool_entry(t, vg, &vg->lvs[i], &v->thin_pools[v->n_thin_pools++]);
    }
    lr_vg_free(vg);
    free(text);
    return rc;
}

int sc_thin_pools(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    int rc = 0;
    for (size_t g = 0; g < s->n_vgs && !rc; g++) {
        tctx_t t = {.c = c, .svg = &s->vgs[g]};
        for (size_t v = 0; v < s->vgs[g].n_versions && !rc; v++)
            rc = version_pools(&t, &s->vgs[g].versions[v]);
        for (size_t i = 0; i < t.n_seen; i++) {
            free(t.seen[i].key);
            free(t.seen[i].error);
            free(t.seen[i].usage);
        }
        free(t.seen);
    }
    return rc ? lr_error_oom(c->err) : 0;
}
