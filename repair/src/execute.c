/* Executing a plan: reopen writable, check nothing moved since planning,
 * journal to the undo file, write through the guard, verify. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/undo.h"
#include "plan_int.h"
#include "repair_int.h"

static int default_open(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err)
{
    (void)arg;
    return lr_io_open_rw(out, path, flags, err);
}

/* The image must still hold the bytes the plan was made from. */
static int check_unchanged(const lr_repair_plan_t *p, int image, lr_io_t *io, lr_error_t *err)
{
    const lr_repair_image_t *im = &p->images[image];
    if (lr_io_size(io) != im->size)
        return lr_error_at(err, im->path, LR_EREFUSED, LR_NO_OFFSET,
                           "the image has %llu bytes now, %llu when planned; plan again",
                           (unsigned long long)lr_io_size(io), (unsigned long long)im->size);
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        if (w->image != image)
            continue;
        uint8_t *cur = malloc(w->length ? (size_t)w->length : 1);
        if (!cur)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        int rc = lr_io_pread(io, cur, (size_t)w->length, w->offset, err);
        bool same = !rc && memcmp(cur, w->old_bytes, (size_t)w->length) == 0;
        free(cur);
        if (rc)
            return rc;
        if (!same)
            return lr_error_at(err, im->path, LR_EREFUSED, w->offset,
                               "bytes %llu..%llu changed since the plan was made; plan again",
                               (unsigned long long)w->offset,
                               (unsigned long long)(w->offset + w->length - 1));
    }
    return 0;
}

static int open_images(const lr_repair_plan_t *p, const lr_repair_exec_opts_t *o, lr_io_t **raw,
                       lr_error_t *err)
{
    lr_repair_open_fn open_fn = o->open_rw ? o->open_rw : default_open;
    int flags = LR_IO_RDWR | (o->force ? 0 : LR_IO_EXCL);
    for (size_t i = 0; i < p->n_images; i++) {
        const lr_repair_image_t *im = &p->images[i];
        if (!im->n_writes)
            continue;
        if (im->gzip)
            return lr_error_at(err, im->path, LR_EREFUSED, LR_NO_OFFSET,
                               "a gzip image cannot be written in place; write repaired copies "
                               "with --output DIR");
        int rc = open_fn(o->open_arg, im->path, flags, &raw[i], err);
        if (rc == -EBUSY) {
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "%s", err ? err->msg : "busy");
            return lr_error_at(err, im->path, LR_EREFUSED, LR_NO_OFFSET,
                               "%s (--force to write anyway)", msg);
        }
        if (!rc)
            rc = check_unchanged(p, (int)i, raw[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The undo file lists every planned write (undo image ids follow the
 * order stack_layers wraps the images in: the images with writes, in plan
 * order) before any write, so --apply-undo can tell a file cut short from
 * a run that stopped. */
static int create_undo(const lr_repair_plan_t *p, const lr_repair_exec_opts_t *o, lr_undo_t **u,
                       lr_error_t *err)
{
    lr_undo_planned_t *pl = calloc(p->n_writes ? p->n_writes : 1, sizeof(*pl));
    uint32_t *id = calloc(p->n_images ? p->n_images : 1, sizeof(*id));
    if (!pl || !id) {
        free(pl);
        free(id);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    uint32_t next = 0;
    for (size_t i = 0; i < p->n_images; i++)
        id[i] = p->images[i].n_writes ? next++ : UINT32_MAX;
    for (size_t k = 0; k < p->n_writes; k++) {
        const lr_repair_write_t *w = &p->writes[k];
        pl[k] =
            (lr_undo_planned_t){.image = id[w->image], .offset = w->offset, .length = w->length};
        pl[k].before.crc = w->crc_before;
        lr_sha256(w->old_bytes, (size_t)w->length, pl[k].before.sha);
        pl[k].after.crc = w->crc_after;
        lr_sha256(w->new_bytes, (size_t)w->length, pl[k].after.sha);
    }
    int rc = lr_undo_create_planned(u, o->undo_path, pl, p->n_writes, err);
    free(pl);
    free(id);
    if (!rc && o->undo_created)
        o->undo_created(o->undo_created_arg, o->undo_path);
    return rc;
}

/* Stacks undo layer and guard on every opened image; raw[i] moves into
 * the stack (set to NULL) once the undo layer owns it. */
static int stack_layers(lr_repair_plan_t *p, lr_undo_t *u, rp_guard_t *g, lr_io_t **raw,
                        lr_io_t **top, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_images; i++) {
        if (!raw[i])
            continue;
        lr_io_t *uio = NULL;
        int rc = lr_undo_wrap(u, raw[i], p->images[i].path, &uio, err);
        if (rc)
            return rc;
        raw[i] = NULL;
        rc = rp_guard_io(uio, g, (int)i, &top[i], err);
        if (rc) {
            lr_io_close(uio, NULL);
            return rc;
        }
    }
    return 0;
}

/* ---- verification --------------------------------------------------------------- */

static int verify_writes(const lr_repair_plan_t *p, lr_io_t *const *io, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        bool same;
        int rc =
            rp_read_compare(io[w->image], w->offset, w->new_bytes, (size_t)w->length, &same, err);
        if (rc)
            return rc;
        if (!same)
            return lr_error_at(err, p->images[w->image].path, -EIO, w->offset,
                               "read-back of bytes %llu..%llu differs from what was written",
                               (unsigned long long)w->offset,
                               (unsigned long long)(w->offset + w->length - 1));
    }
    return 0;
}

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
    int rc = planning ? 0 : verify_writes(p, io, err);
    for (size_t a = 0; a < p->n_areas && !rc; a++)
        rc = verify_area(p, &p->areas[a], io[p->areas[a].image], bad, err);
    for (size_t i = 0; i < p->n_pvs && !rc; i++)
        if (!p->pvs[i].missing && (p->pvs[i].rebuild_label || p->pvs[i].n_areas))
            rc = verify_label(p, &p->pvs[i], io[p->pvs[i].image], bad, err);
    return rc;
}

/* ---- entry point ------------------------------------------------------------------ */

static int run(lr_repair_plan_t *p, lr_io_t *const *top, const rp_guard_t *g, lr_error_t *err)
{
    int rc = rp_run_ops(p, top, NULL, NULL, err);
    if (!rc && g->next != p->n_writes)
        rc = lr_error_set(err, -EIO, LR_NO_OFFSET, "only %zu of %zu planned writes were made",
                          g->next, p->n_writes);
    if (!rc)
        rc = rp_verify(p, top, false, err);
    if (!rc)
        p->verified = true;
    return rc;
}

int lr_repair_execute(lr_repair_plan_t *p, const lr_repair_exec_opts_t *o, lr_error_t *err)
{
    if (!p || !o || !o->undo_path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "execute: invalid arguments");
    lr_error_clear(err);
    if (p->executed)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "the plan was executed already");
    lr_io_t **raw = calloc(p->n_images ? p->n_images : 1, sizeof(*raw));
    lr_io_t **top = calloc(p->n_images ? p->n_images : 1, sizeof(*top));
    if (!raw || !top) {
        free(raw);
        free(top);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    lr_undo_t *u = NULL;
    rp_guard_t g = {.plan = p, .next = 0};
    int rc =
        p->n_writes ? 0 : lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "the plan writes nothing");
    if (!rc)
        rc = open_images(p, o, raw, err);
    if (!rc)
        rc = create_undo(p, o, &u, err);
    if (!rc)
        rc = stack_layers(p, u, &g, raw, top, err);
    if (!rc) {
        p->executed = true;
        rc = run(p, top, &g, err);
    }
    if (u) {
        /* Also after a failure: the DONE record says what the image holds. */
        lr_error_t ferr;
        lr_error_clear(&ferr);
        int frc = lr_undo_finish(u, rc, rc ? &ferr : err);
        if (!rc)
            rc = frc;
    }
    for (size_t i = 0; i < p->n_images; i++) {
        lr_io_close(top[i], NULL);
        lr_io_close(raw[i], NULL);
    }
    lr_undo_free(u);
    free(raw);
    free(top);
    return rc;
}
