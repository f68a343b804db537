/* Executing a plan: the restore's transaction (lr/txn.h) run on the
 * images, and the checks it makes after writing, the way LVM2 and the
 * scanner read areas and labels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "repair_int.h"

/* ---- verification --------------------------------------------------------------- */

/* Reads each area the way LVM2 does (header, slot 0, text, checksums). */
static int verify_area(const lr_repair_plan_t *p, const lr_repair_area_t *a, lr_io_t *io, int bad,
                       lr_error_t *err)
{
    const lr_repair_pv_t *pv = &p->pvs[a->pv];
    const char *path = p->images[a->image].path;
    uint64_t start = a->offset - pv->pv_start;
    lr_mda_header_t h;
    int rc = lr_mda_header_read(io, pv->pv_start, start, &h, err);
    if (!rc)
        rc = lr_mda_header_validate(&h, start, rp_pv_bound(p, pv), err);
    if (!rc && h.size != a->size)
        rc = lr_error_set(err, LR_EFORMAT, a->offset,
                          "the area header says %llu bytes, the area has %llu",
                          (unsigned long long)h.size, (unsigned long long)a->size);
    if (rc)
        return lr_error_wrap(err, path, rc);
    const lr_raw_locn_t *c = lr_mda_committed(&h);
    if (!c || c->offset != a->after.locn[0].offset || c->size != p->text_size ||
        c->checksum != p->text_crc)
        return lr_error_at(err, path, bad, a->offset,
                           "the area's header does not point at the new copy after writing");
    char *text = NULL;
    rc = lr_mda_read_text(io, pv->pv_start, &h, c, &text, err);
    bool same = !rc && memcmp(text, p->text, (size_t)p->text_size) == 0;
    free(text);
    if (rc)
        return lr_error_wrap(err, path, rc);
    if (!same)
        return lr_error_at(err, path, bad, a->offset, "the new copy reads back different");
    return 0;
}

static bool label_lists(const lr_label_t *l, uint64_t offset, uint64_t size)
{
    for (size_t i = 0; i < l->n_mda && i < LR_LABEL_MAX_LOCN; i++)
        if (l->mda[i].offset == offset && l->mda[i].size == size)
            return true;
    return false;
}

/* The label LVM2 and the scanner find first on the PV: its own, and it
 * leads them to every area written. A rebuilt label must also validate as
 * the scanner validates labels. */
static int verify_label(const lr_repair_plan_t *p, const lr_repair_pv_t *pv, lr_io_t *io, int bad,
                        lr_error_t *err)
{
    const char *path = p->images[pv->image].path;
    lr_label_t l;
    uint64_t sector = 0;
    int rc = lr_label_read(io, pv->pv_start, &l, &sector, err);
    if (rc)
        return lr_error_wrap(err, path, rc);
    if (!l.crc_ok || strcmp(l.pv_uuid, pv->id_raw) != 0 || sector != pv->label.sector)
        return lr_error_at(err, path, bad, pv->pv_start, "the %s label of PV %s does not read back",
                           pv->rebuild_label ? "rebuilt" : "kept", pv->id);
    lr_error_t e;
    lr_error_clear(&e);
    if (pv->rebuild_label && lr_label_validate(&l, pv->dev_size, &e) != 0)
        return lr_error_at(err, path, bad, pv->pv_start,
                           "the rebuilt label of PV %s does not validate: %s", pv->id, e.msg);
    for (size_t a = pv->first_area; a < pv->first_area + pv->n_areas; a++) {
        const lr_repair_area_t *ar = &p->areas[a];
        if (!label_lists(&l, ar->offset - pv->pv_start, ar->size))
            return lr_error_at(err, path, bad, pv->pv_start,
                               "the label of PV %s does not list metadata area %d (byte %llu, %llu "
                               "bytes): LVM2 and the scanner would not find the new copy there",
                               pv->id, ar->mda_index + 1, (unsigned long long)ar->offset,
                               (unsigned long long)ar->size);
    }
    return 0;
}

int rp_verify(const lr_repair_plan_t *p, lr_io_t *const *io, bool planning, lr_error_t *err)
{
    /* After writing, a mismatch is a failed write (-EIO); at planning it
     * is the plan's fault (LR_EFORMAT, refused by the caller). */
    int bad = planning ? LR_EFORMAT : -EIO;
    int rc = 0;
    for (size_t a = 0; a < p->n_areas && !rc; a++)
        rc = verify_area(p, &p->areas[a], io[p->areas[a].image], bad, err);
    for (size_t i = 0; i < p->n_pvs && !rc; i++)
        if (!p->pvs[i].missing && (p->pvs[i].rebuild_label || p->pvs[i].n_areas))
            rc = verify_label(p, &p->pvs[i], io[p->pvs[i].image], bad, err);
    return rc;
}

/* ---- entry point ------------------------------------------------------------------ */

/* The format of image i for people, with its article ("a gzip", "an EWF (E01)"). */
static const char *rp_image_kind(const lr_repair_image_t *im, const char **article)
{
    const char *label = im->gzip ? "gzip" : lr_io_format_label(im->format);
    *article = label[0] == 'E' || label[0] == 'x' ? "an" : "a";
    return label;
}

int lr_repair_plan_writable(const lr_repair_plan_t *p, lr_error_t *err)
{
    if (!p)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "writable: invalid arguments");
    size_t n = 0, first = 0;
    bool mixed = false;
    for (size_t i = 0; i < p->n_images; i++) {
        if (!(p->images[i].gzip || p->images[i].container) || !p->images[i].n_writes)
            continue;
        if (n++ == 0)
            first = i;
        else if (p->images[i].gzip != p->images[first].gzip ||
                 strcmp(p->images[i].format ? p->images[i].format : "",
                        p->images[first].format ? p->images[first].format : "") != 0)
            mixed = true;
    }
    if (n == 0)
        return 0;
    const char *path = p->images[first].path, *article = "a";
    const char *kind = rp_image_kind(&p->images[first], &article);
    if (n == 1)
        return lr_error_refuse(err, LR_HINT_USE_COPY,
                               "%s is %s %s image and cannot be written in place", path, article,
                               kind);
    return lr_error_refuse(err, LR_HINT_USE_COPY,
                           "%s and %zu more are %s images and cannot be written in place", path,
                           n - 1, mixed ? "container or compressed" : kind);
}

int lr_repair_execute(lr_repair_plan_t *p, const lr_repair_exec_opts_t *o, lr_error_t *err)
{
    if (!p || !o || !o->undo_path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "execute: invalid arguments");
    lr_error_clear(err);
    if (p->executed)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "the plan was executed already");
    if (!p->n_writes)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "the plan writes nothing");
    lr_txn_t *t = rp_plan(p)->txn;
    int rc = lr_repair_plan_writable(p, err);
    for (size_t i = 0; i < p->n_images && !rc; i++)
        rc = lr_txn_set_path(t, i, p->images[i].path, err);
    if (rc)
        return rc;
    lr_txn_ops_t ops = rp_txn_ops(p);
    lr_txn_run_opts_t ro = {
        .undo_path = o->undo_path,
        .shared = o->force,
        .open = o->open_rw,
        .open_arg = o->open_arg,
        .undo_created = o->undo_created,
        .undo_created_arg = o->undo_created_arg,
    };
    rc = lr_txn_run(t, &ops, &ro, err);
    p->executed = lr_txn_started(t);
    for (size_t i = 0; i < p->n_writes; i++)
        p->writes[i].done = lr_txn_writes(t)[i].done;
    if (!rc)
        p->verified = true;
    return rc;
}
