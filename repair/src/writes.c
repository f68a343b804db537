/* The write steps of a restore and the byte ranges they write.
 *
 * Steps, per PV in the version's order: for each metadata area, commit the
 * text with core's lr_mda_commit (text, sync, header, sync: LVM2's order);
 * then, when the label is rebuilt, the label (and a sync). The label comes
 * last because LVM2 does not look at a PV's areas before it finds a label:
 * until that write the PV looks as it did before. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "plan_int.h"
#include "repair_int.h"

/* Runs the steps of the plan on ios (indexed by image), tagging each
 * step's writes with its index. When planning, the headers the commits
 * leave become the areas' `after`. */
static int run_ops(lr_repair_plan_t *p, lr_io_t *const *ios, lr_txn_t *t, lr_error_t *err)
{
    const rp_plan_t *rp = rp_plan_const(p);
    bool planning = lr_txn_planning(t);
    for (size_t k = 0; k < rp->n_ops; k++) {
        const rp_op_t *op = &rp->ops[k];
        lr_txn_tag(t, (int)k);
        lr_io_t *io = ios[op->image];
        int rc;
        if (op->kind == RP_OP_COMMIT) {
            lr_mda_header_t h = op->h;
            rc = lr_mda_commit(io, op->pv_start, &h, p->text, p->text_size, err);
            if (!rc && planning)
                p->areas[op->area].after = h;
        } else {
            rc = lr_label_write(io, op->pv_start, &op->label, err);
            if (!rc)
                rc = lr_io_sync(io, err);
        }
        if (rc)
            return rc;
    }
    for (size_t a = 0; planning && a < p->n_areas; a++) {
        const lr_raw_locn_t *l = &p->areas[a].after.locn[0];
        p->areas[a].wraps = l->offset + l->size > p->areas[a].size;
    }
    return 0;
}

static int build_ops(lr_repair_plan_t *p, lr_error_t *err)
{
    rp_plan_t *priv = rp_plan(p);
    priv->ops = calloc(p->n_areas + p->n_pvs + 1, sizeof(*priv->ops));
    if (!priv->ops)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < p->n_pvs; i++) {
        const lr_repair_pv_t *pv = &p->pvs[i];
        if (pv->missing)
            continue;
        for (size_t a = pv->first_area; a < pv->first_area + pv->n_areas; a++)
            priv->ops[priv->n_ops++] = (rp_op_t){.kind = RP_OP_COMMIT,
                                                 .image = pv->image,
                                                 .pv_start = pv->pv_start,
                                                 .pv = (int)i,
                                                 .area = (int)a,
                                                 .h = p->areas[a].before};
        if (pv->rebuild_label)
            priv->ops[priv->n_ops++] = (rp_op_t){.kind = RP_OP_LABEL,
                                                 .image = pv->image,
                                                 .pv_start = pv->pv_start,
                                                 .pv = (int)i,
                                                 .area = -1,
                                                 .label = pv->label};
    }
    return 0;
}

/* ---- describing the bytes ----------------------------------------------------- */

/* Overlap of [s, s+n) with [off, off+len). */
static bool hits(uint64_t s, uint64_t n, uint64_t off, uint64_t len)
{
    return n && s < off + len && off < s + n;
}

static bool copy_hits(const lr_scan_copy_t *c, uint64_t off, uint64_t len)
{
    if (!c->wrapped)
        return hits(c->offset, c->length, off, len);
    return hits(c->offset, c->first_len, off, len) ||
           (c->wrap_offset != LR_SCAN_UNKNOWN &&
            hits(c->wrap_offset, c->length - c->first_len, off, len));
}

static void describe_text(const lr_scan_t *scan, int image, uint64_t off, uint64_t len,
                          lr_strbuf_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < scan->n_copies; i++) {
        const lr_scan_copy_t *c = &scan->copies[i];
        if (c->image != image || !copy_hits(c, off, len))
            continue;
        if (n < 5)
            lr_strbuf_printf(b, "%s%s seqno %llu%s",
                             n ? ", " : "parts of old copies: ", c->vg_name ? c->vg_name : "?",
                             (unsigned long long)c->seqno, c->committed ? " (committed)" : "");
        n++;
    }
    if (n > 5)
        lr_strbuf_printf(b, " and %zu more", n - 5);
    if (!n)
        lr_strbuf_printf(b, "unused ring bytes (no copy found there)");
}

static void describe_old(const lr_repair_plan_t *p, const lr_scan_t *scan,
                         const lr_repair_write_t *w, lr_strbuf_t *b)
{
    if (rp_all_zero(w->old_bytes, (size_t)w->length)) {
        lr_strbuf_printf(b, "zeros");
        return;
    }
    if (w->what == LR_REPAIR_LABEL) {
        const lr_repair_pv_t *pv = &p->pvs[w->pv];
        lr_label_t l;
        char id[LR_UUID_STR_LEN + 1];
        uint64_t sector = (w->offset - pv->pv_start) / LR_SECTOR_SIZE;
        if (lr_label_parse(w->old_bytes, (size_t)w->length, sector, &l, NULL) == 0 &&
            lr_uuid_format(l.pv_uuid, id, sizeof(id)) == 0)
            lr_strbuf_printf(b, "label of PV %s (checksum %s)", id, l.crc_ok ? "ok" : "wrong");
        else
            lr_strbuf_printf(b, "other bytes (no valid label)");
        return;
    }
    if (w->what == LR_REPAIR_MDA_HEADER) {
        const lr_repair_area_t *a = &p->areas[w->area];
        lr_mda_header_t h;
        if (lr_mda_header_parse(w->old_bytes, (size_t)w->length, &h, NULL) == 0)
            lr_strbuf_printf(
                b, "mda header (checksum %s)%s%s", h.checksum_ok ? "ok" : "wrong",
                a->rebuild_header ? "" : ", committed: ", a->rebuild_header ? "" : a->holds);
        else
            lr_strbuf_printf(b, "other bytes (no mda header)");
        return;
    }
    describe_text(scan, w->image, w->offset, w->length, b);
}

static void describe_new(const lr_repair_plan_t *p, const lr_repair_write_t *w, lr_strbuf_t *b)
{
    if (w->what == LR_REPAIR_LABEL) {
        const lr_repair_pv_t *pv = &p->pvs[w->pv];
        lr_strbuf_printf(b, "label of PV %s, rebuilt (%s)", pv->id,
                         pv->label_why ? pv->label_why : "");
        return;
    }
    const lr_repair_area_t *a = &p->areas[w->area];
    const lr_raw_locn_t *l = &a->after.locn[0];
    if (w->what == LR_REPAIR_MDA_HEADER) {
        lr_strbuf_printf(b,
                         "mda header: slot 0 = seqno %llu (%llu bytes at area offset %llu, crc "
                         "0x%08x), slot 1 cleared%s%s",
                         (unsigned long long)p->new_seqno, (unsigned long long)l->size,
                         (unsigned long long)l->offset, l->checksum,
                         a->rebuild_header ? "; rebuilt: " : "", a->rebuild_header ? a->why : "");
        return;
    }
    uint64_t first = a->size - l->offset < l->size ? a->size - l->offset : l->size;
    if (w->offset == a->offset + l->offset)
        lr_strbuf_printf(b, "new copy VG %s seqno %llu: text bytes 0..%llu of %llu%s", p->vg_name,
                         (unsigned long long)p->new_seqno, (unsigned long long)(first - 1),
                         (unsigned long long)l->size,
                         first < l->size ? " (continues at the ring start)" : ", zero padded");
    else
        lr_strbuf_printf(b,
                         "new copy VG %s seqno %llu: text bytes %llu..%llu (wrapped to the ring "
                         "start), zero padded",
                         p->vg_name, (unsigned long long)p->new_seqno, (unsigned long long)first,
                         (unsigned long long)(l->size - 1));
}

/* ---- from recorded writes to the plan ----------------------------------------- */

static int take_write(lr_repair_plan_t *p, const lr_scan_t *scan, const lr_txn_write_t *r,
                      lr_repair_write_t *w, lr_error_t *err)
{
    const rp_op_t *op = &rp_plan(p)->ops[r->tag];
    w->image = (int)r->image;
    w->offset = r->offset;
    w->length = r->length;
    w->pv = op->pv;
    w->area = op->area;
    w->what = op->kind == RP_OP_LABEL                  ? LR_REPAIR_LABEL
              : r->offset == p->areas[op->area].offset ? LR_REPAIR_MDA_HEADER
                                                       : LR_REPAIR_TEXT;
    w->sync_after = r->sync_after;
    w->old_bytes = malloc((size_t)r->length);
    w->new_bytes = malloc((size_t)r->length);
    if (!w->old_bytes || !w->new_bytes)
        return lr_error_oom(err);
    memcpy(w->old_bytes, r->before, (size_t)r->length);
    memcpy(w->new_bytes, r->after, (size_t)r->length);
    int rc;
    w->crc_before = lr_crc(LR_CRC_INITIAL, w->old_bytes, (size_t)r->length);
    w->crc_after = lr_crc(LR_CRC_INITIAL, w->new_bytes, (size_t)r->length);
    lr_strbuf_t b = LR_STRBUF_INIT;
    describe_old(p, scan, w, &b);
    rc = rp_take_text(&b, &w->now, err);
    if (rc)
        return rc;
    describe_new(p, w, &b);
    return rp_take_text(&b, &w->after, err);
}

/* plan->writes from the transaction's planned writes, with what the
 * bytes are now and after. */
static int writes_from(lr_repair_plan_t *p, const lr_scan_t *scan, lr_error_t *err)
{
    const lr_txn_t *t = rp_plan(p)->txn;
    size_t n = lr_txn_n_writes(t);
    p->writes = calloc(n ? n : 1, sizeof(*p->writes));
    if (!p->writes)
        return lr_error_oom(err);
    for (size_t i = 0; i < n; i++) {
        p->n_writes = i + 1;
        int rc = take_write(p, scan, &lr_txn_writes(t)[i], &p->writes[i], err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < p->n_images; i++)
        p->images[i].n_writes = lr_txn_image_writes(t, i);
    return 0;
}

/* The write steps run on recording layers: what fails there is the plan,
 * not the images (those are only read, and read errors stay errors): a
 * refusal with the reason. */
static int planning_failure(int rc, const char *what, lr_error_t *err)
{
    /* errno values (a read error of an image, no memory) stay errors;
     * refusals and limits are already what they should be. */
    if (rc >= 0 || rc > LR_ENOTFOUND || rc == LR_EREFUSED || rc == LR_ELIMIT)
        return rc;
    if (!err)
        return LR_EREFUSED;
    char msg[sizeof(err->msg) + sizeof(err->where) + 64];
    lr_error_format(err, msg, sizeof(msg));
    lr_error_clear(err);
    return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                        "the restore %s: %s; refusing before any write", what, msg);
}

/* ---- the restore's transaction ------------------------------------------------- */

static int steps_write(void *arg, lr_txn_t *t, lr_io_t *const *ios, lr_error_t *err)
{
    int rc = run_ops(arg, ios, t, err);
    return lr_txn_planning(t) ? planning_failure(rc, "cannot be planned", err) : rc;
}

/* What execution checks after writing, checked at planning on the planned
 * bytes: a plan that would fail there is refused before any write. */
static int steps_verify(void *arg, lr_io_t *const *ios, bool planning, lr_error_t *err)
{
    int rc = rp_verify(arg, ios, planning, err);
    if (!planning)
        return rc;
    return planning_failure(rc, "would not read back as LVM2 and the scanner read it", err);
}

lr_txn_ops_t rp_txn_ops(lr_repair_plan_t *p)
{
    return (lr_txn_ops_t){.write = steps_write, .verify = steps_verify, .arg = p};
}

int rp_plan_writes(lr_repair_plan_t *p, const lr_scan_t *scan, lr_io_t *const *rio, lr_error_t *err)
{
    rp_plan_t *priv = rp_plan(p);
    int rc = build_ops(p, err);
    if (rc)
        return rc;
    const char **paths = calloc(p->n_images ? p->n_images : 1, sizeof(*paths));
    if (!paths)
        return lr_error_oom(err);
    for (size_t i = 0; i < p->n_images; i++)
        paths[i] = p->images[i].path;
    rc = lr_txn_new(&priv->txn, p->n_images, paths, err);
    free(paths);
    lr_txn_ops_t ops = rp_txn_ops(p);
    if (!rc)
        rc = lr_txn_plan(priv->txn, rio, &ops, err);
    if (!rc)
        rc = writes_from(p, scan, err);
    return rc;
}
