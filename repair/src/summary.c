/* What a restore changes for the user: LVs that come back, go away, are
 * renamed or change size, compared with the current version (lr_scan_vg_current). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "repair_int.h"

static uint64_t lv_bytes(const lr_vg_t *vg, const lr_lv_t *lv)
{
    return lv->extent_count * vg->extent_size * 512u;
}

static int add_change(lr_repair_plan_t *p, lr_repair_change_kind_t kind, const char *name,
                      const char *old_name, uint64_t old_size, uint64_t new_size)
{
    lr_repair_change_t *c = realloc(p->changes, (p->n_changes + 1) * sizeof(*c));
    if (!c)
        return -ENOMEM;
    p->changes = c;
    lr_repair_change_t *n = &p->changes[p->n_changes];
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->name = strdup(name ? name : "");
    n->old_name = old_name ? strdup(old_name) : NULL;
    n->old_size = old_size;
    n->new_size = new_size;
    p->n_changes++;
    if (!n->name || (old_name && !n->old_name))
        return -ENOMEM;
    return 0;
}

/* Same LV: same UUID, else (no UUID) the same name. */
static const lr_lv_t *match_lv(const lr_vg_t *vg, const lr_lv_t *lv)
{
    if (lv->id)
        return lr_vg_find_lv_by_id(vg, lv->id);
    return lr_vg_find_lv(vg, lv->name);
}

static int compare(lr_repair_plan_t *p, const lr_vg_t *orig, const lr_vg_t *newest)
{
    for (size_t i = 0; i < orig->n_lvs; i++) {
        const lr_lv_t *a = &orig->lvs[i];
        const lr_lv_t *b = match_lv(newest, a);
        if (!a->visible && (!b || !b->visible))
            continue; /* internal LVs (mirror logs, raid images) follow their LV */
        int rc = 0;
        if (!b)
            rc = add_change(p, LR_REPAIR_LV_BACK, a->name, NULL, 0, lv_bytes(orig, a));
        if (!rc && b && strcmp(a->name, b->name) != 0)
            rc = add_change(p, LR_REPAIR_LV_RENAMED, a->name, b->name, lv_bytes(newest, b),
                            lv_bytes(orig, a));
        if (!rc && b && lv_bytes(orig, a) != lv_bytes(newest, b))
            rc = add_change(p, LR_REPAIR_LV_RESIZED, a->name, NULL, lv_bytes(newest, b),
                            lv_bytes(orig, a));
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < newest->n_lvs; i++) {
        const lr_lv_t *b = &newest->lvs[i];
        if (!b->visible || match_lv(orig, b))
            continue;
        if (add_change(p, LR_REPAIR_LV_GONE, b->name, NULL, lv_bytes(newest, b), 0))
            return -ENOMEM;
    }
    return 0;
}

int rp_plan_changes(lr_repair_plan_t *p, const lr_scan_session_t *session, const lr_vg_t *orig,
                    lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    const lr_scan_vg_t *svg = &scan->vgs[p->vg];
    int cur = lr_scan_vg_current(svg); /* the one LVM2 uses */
    if (cur < 0)
        return 0;
    p->newest_seqno = svg->versions[cur].seqno;
    p->newest_crc = svg->versions[cur].crc;
    p->newest_committed = svg->versions[cur].committed;
    if (cur == p->version)
        return 0;
    int copy = lr_scan_version_copy(scan, (size_t)p->vg, (size_t)cur);
    lr_vg_t *newest = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    if (copy < 0 || lr_scan_copy_vg(session, (size_t)copy, &newest, &e) != 0) {
        /* Only the summary suffers; the restore itself does not need it. */
        if (rp_note(p, "the newest version (seqno %llu) could not be read to compare: %s",
                    (unsigned long long)p->newest_seqno, e.msg[0] ? e.msg : "no complete copy"))
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        return 0;
    }
    int rc = compare(p, orig, newest);
    /* and everything else that differs (settings, tags, nested sections):
     * the LV summary above is what users look at first, not all */
    if (!rc)
        rc = lr_diff_vgs(newest, orig, &p->diff, NULL);
    lr_vg_free(newest);
    if (rc)
        return lr_error_set(err, rc, LR_NO_OFFSET, "out of memory");
    return 0;
}
