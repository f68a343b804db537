/* Restore planning: thin pools whose transaction_id in the version being
 * restored differs from the one their metadata holds now. LVM2 (its
 * thin-pool activation, lib/activate) refuses to activate such a pool:
 * restoring an older VG version over a pool that has moved on is the
 * classic way to get a pool that will not come up. The scan has read each
 * pool's metadata already (lr_scan_version_t.thin_pools). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lr/strbuf.h"
#include "repair_int.h"

void rp_plan_thin_free(lr_repair_plan_t *p)
{
    for (size_t i = 0; i < p->n_thin_mismatch; i++) {
        free(p->thin_mismatch[i].lv);
        free(p->thin_mismatch[i].matching);
    }
    free(p->thin_mismatch);
    p->thin_mismatch = NULL;
    p->n_thin_mismatch = 0;
}

/* Seqnos of the VG's complete versions that agree with the metadata. */
static int matching(const lr_scan_vg_t *vg, const lr_scan_thin_pool_t *tp,
                    lr_repair_thin_mismatch_t *m)
{
    m->matching = calloc(vg->n_versions ? vg->n_versions : 1, sizeof(*m->matching));
    if (!m->matching)
        return -ENOMEM;
    for (size_t v = 0; v < vg->n_versions; v++)
        for (size_t i = 0; i < vg->versions[v].n_thin_pools; i++) {
            const lr_scan_thin_pool_t *o = &vg->versions[v].thin_pools[i];
            /* a version read with that pool metadata agrees unless it is a
             * mismatch (messages LVM2 sends at activation: lr_thin_tx_agree) */
            if (strcmp(o->lv, tp->lv) == 0 && o->read && !o->mismatch)
                m->matching[m->n_matching++] = vg->versions[v].seqno;
        }
    return 0;
}

static int note(lr_repair_plan_t *p, const lr_repair_thin_mismatch_t *m)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b,
                     "thin pool %s: this version's transaction_id %" PRIu64
                     " differs from the pool metadata's %" PRIu64
                     " (mismatch): LVM2 will refuse to activate the pool and its thin LVs "
                     "until the two agree; ",
                     m->lv, m->transaction_id, m->pool_transaction_id);
    if (!m->n_matching)
        lr_strbuf_puts(&b, "no version found has the metadata's transaction_id");
    else
        lr_strbuf_printf(&b, "version%s with the metadata's transaction_id: seqno",
                         m->n_matching > 1 ? "s" : "");
    for (size_t i = 0; i < m->n_matching; i++)
        lr_strbuf_printf(&b, "%s %" PRIu64, i ? "," : "", m->matching[i]);
    char *s = lr_strbuf_take(&b, NULL);
    int rc = s ? rp_note(p, "%s", s) : -ENOMEM;
    free(s);
    return rc;
}

int rp_plan_thin(lr_repair_plan_t *p, const lr_scan_t *scan, lr_error_t *err)
{
    const lr_scan_vg_t *vg = &scan->vgs[p->vg];
    const lr_scan_version_t *v = &vg->versions[p->version];
    size_t n = 0;
    for (size_t i = 0; i < v->n_thin_pools; i++)
        n += v->thin_pools[i].mismatch;
    if (!n)
        return 0;
    p->thin_mismatch = calloc(n, sizeof(*p->thin_mismatch));
    if (!p->thin_mismatch)
        return lr_error_oom(err);
    for (size_t i = 0; i < v->n_thin_pools; i++) {
        const lr_scan_thin_pool_t *tp = &v->thin_pools[i];
        if (!tp->mismatch)
            continue;
        lr_repair_thin_mismatch_t *m = &p->thin_mismatch[p->n_thin_mismatch++];
        m->lv = strdup(tp->lv);
        m->transaction_id = tp->transaction_id;
        m->pool_transaction_id = tp->pool_transaction_id;
        if (!m->lv || matching(vg, tp, m) || note(p, m))
            return lr_error_oom(err);
    }
    return 0;
}
