/* Fuzz target: the whole-image scanner on small images.
 *
 * Input: a disk image (seeds are fixture images cut around their labels and
 * metadata areas, at most a few hundred KiB). It is scanned through an
 * in-memory lr_io_t with lr_scan_ios. The last input byte picks a variant of
 * the options so buffer boundaries, limits, interruption and multi-image
 * grouping are all reached:
 *   0 defaults            1 1 KiB stream buffer      2 4 KiB buffer, 8 KiB
 *   max_text, 8 copies    3 progress every 4 KiB, interrupted at the 3rd call
 *   4 no text search, no inference    5 two images: the input cut in half
 *
 * Properties checked: every index in the result is -1 or inside its array
 * and points back consistently; every offset lies inside its image; every
 * copy's text can be read again (lr_scan_copy_text) with the recorded length
 * and crc; a copy marked parse_ok parses again (lr_scan_copy_vg) with the
 * same seqno; lookups find what they are asked for. */
#include "fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/scan.h"

typedef struct progress_state {
    int calls;
    int stop_at;
} progress_state_t;

static int on_progress(void *arg, const lr_scan_progress_t *p)
{
    progress_state_t *st = arg;
    FUZZ_CHECK(p->bytes_done <= p->bytes_total, "progress %" PRIu64 " of %" PRIu64, p->bytes_done,
               p->bytes_total);
    FUZZ_CHECK(p->image_done <= p->image_total, "image progress beyond its size");
    st->calls++;
    return st->stop_at && st->calls >= st->stop_at;
}

static bool idx_ok(int idx, size_t n)
{
    return idx == -1 || (idx >= 0 && (size_t)idx < n);
}

static void check_labels(const lr_scan_t *s)
{
    for (size_t i = 0; i < s->n_labels; i++) {
        const lr_scan_label_t *l = &s->labels[i];
        FUZZ_CHECK(l->image >= 0 && (size_t)l->image < s->n_images, "label %zu image %d", i,
                   l->image);
        const lr_scan_image_t *im = &s->images[l->image];
        FUZZ_CHECK(l->offset % 512 == 0 && l->offset + 512 <= im->size,
                   "label %zu at %" PRIu64 " in %" PRIu64 " bytes", i, l->offset, im->size);
        FUZZ_CHECK(l->pv_start <= l->offset, "label %zu pv_start after the label", i);
        FUZZ_CHECK(l->label.n_mda <= LR_LABEL_MAX_LOCN, "label %zu n_mda", i);
    }
}

static void check_areas(const lr_scan_t *s)
{
    for (size_t i = 0; i < s->n_areas; i++) {
        const lr_scan_area_t *a = &s->areas[i];
        FUZZ_CHECK(a->image >= 0 && (size_t)a->image < s->n_images, "area %zu image %d", i,
                   a->image);
        const lr_scan_image_t *im = &s->images[a->image];
        FUZZ_CHECK(a->offset <= im->size && a->size <= im->size - a->offset,
                   "area %zu (%" PRIu64 "+%" PRIu64 ") outside the image (%" PRIu64 ")", i,
                   a->offset, a->size, im->size);
        FUZZ_CHECK(idx_ok(a->label, s->n_labels), "area %zu label %d", i, a->label);
        FUZZ_CHECK(a->pv_start == LR_SCAN_UNKNOWN || a->pv_start % 512 == 0,
                   "area %zu PV start %" PRIu64 " not on a sector", i, a->pv_start);
        FUZZ_CHECK(idx_ok(a->committed, s->n_copies), "area %zu committed %d", i, a->committed);
        FUZZ_CHECK(idx_ok(a->precommitted, s->n_copies), "area %zu precommitted %d", i,
                   a->precommitted);
        FUZZ_CHECK(a->mda_index >= -1 && a->mda_index < LR_LABEL_MAX_LOCN, "area %zu mda_index %d",
                   i, a->mda_index);
        FUZZ_CHECK(memchr(a->pv_id, '\0', sizeof(a->pv_id)) != NULL, "area %zu pv_id", i);
        if (a->header_ok)
            FUZZ_CHECK(a->header && a->header->checksum_ok, "area %zu header_ok without header", i);
        if (a->header)
            FUZZ_CHECK(a->header->n_locn <= LR_MDA_MAX_LOCN, "area %zu n_locn", i);
        int found = lr_scan_find_area(s, a->image, a->offset);
        FUZZ_CHECK(found >= 0 && s->areas[found].image == a->image &&
                       s->areas[found].offset == a->offset,
                   "find_area(%d, %" PRIu64 ") = %d", a->image, a->offset, found);
        for (unsigned b = 1; b && b <= a->source; b <<= 1)
            if (a->source & b)
                FUZZ_CHECK(lr_scan_source_name(b) != NULL, "no name for source bit %u", b);
    }
}

static void check_copy_text(const lr_scan_session_t *s_ss, size_t i)
{
    const lr_scan_t *s = lr_scan_result(s_ss);
    const lr_scan_copy_t *c = &s->copies[i];
    char *text = NULL;
    uint64_t len = 0;
    lr_error_t err;
    int rc = lr_scan_copy_text(s_ss, i, &text, &len, &err);
    FUZZ_CHECK(rc == 0, "copy %zu at %" PRIu64 " cannot be read again: %d %s", i, c->offset, rc,
               err.msg);
    FUZZ_CHECK(len == c->length, "copy %zu re-read %" PRIu64 " bytes, recorded %" PRIu64, i, len,
               c->length);
    FUZZ_CHECK(text[len] == '\0', "copy %zu text not terminated", i);
    FUZZ_CHECK(lr_crc(LR_CRC_INITIAL, text, (size_t)len) == c->crc, "copy %zu crc differs", i);
    free(text);

    if (c->parse_ok) {
        lr_vg_t *vg = NULL;
        rc = lr_scan_copy_vg(s_ss, i, &vg, &err);
        FUZZ_CHECK(rc == 0, "copy %zu parse_ok but copy_vg fails: %d %s", i, rc, err.msg);
        FUZZ_CHECK(vg->seqno == c->seqno, "copy %zu seqno %" PRIu64 " vs parsed %" PRIu64, i,
                   c->seqno, vg->seqno);
        /* n_lvs counts visible LVs, as LVM2's lv_count does */
        long visible = 0;
        for (size_t k = 0; k < vg->n_lvs; k++)
            visible += vg->lvs[k].visible;
        FUZZ_CHECK(visible == c->n_lvs && (long)vg->n_pvs == c->n_pvs,
                   "copy %zu LV/PV counts (%ld/%ld) differ from its parse (%ld/%zu)", i, c->n_lvs,
                   c->n_pvs, visible, vg->n_pvs);
        lr_vg_free(vg);
    }
}

static void check_copies(const lr_scan_session_t *s_ss)
{
    const lr_scan_t *s = lr_scan_result(s_ss);
    for (size_t i = 0; i < s->n_copies; i++) {
        const lr_scan_copy_t *c = &s->copies[i];
        FUZZ_CHECK(c->image >= 0 && (size_t)c->image < s->n_images, "copy %zu image %d", i,
                   c->image);
        const lr_scan_image_t *im = &s->images[c->image];
        /* a copy btrfs compressed takes its stored bytes in the image */
        uint64_t first = c->btrfs_compression ? c->stored_len
                         : c->wrapped         ? c->first_len
                                              : c->length;
        FUZZ_CHECK(c->offset <= im->size && first <= im->size - c->offset,
                   "copy %zu (%" PRIu64 "+%" PRIu64 ") outside the image", i, c->offset, first);
        if (c->wrapped) {
            FUZZ_CHECK(c->first_len <= c->length, "copy %zu first_len > length", i);
            FUZZ_CHECK(c->wrap_offset <= im->size &&
                           c->length - c->first_len <= im->size - c->wrap_offset,
                       "copy %zu wrapped piece outside the image", i);
        }
        FUZZ_CHECK(c->length > 0, "copy %zu of length 0", i);
        FUZZ_CHECK(idx_ok(c->area, s->n_areas), "copy %zu area %d", i, c->area);
        FUZZ_CHECK(idx_ok(c->vg, s->n_vgs), "copy %zu vg %d", i, c->vg);
        if (c->vg >= 0)
            FUZZ_CHECK(idx_ok(c->version, s->vgs[c->vg].n_versions), "copy %zu version %d", i,
                       c->version);
        FUZZ_CHECK(c->parse_ok == (c->parse_error == NULL), "copy %zu parse_ok/parse_error", i);
        if (c->parse_ok)
            FUZZ_CHECK(c->n_lvs >= 0 && c->n_pvs >= 0, "copy %zu parsed without counts", i);
        FUZZ_CHECK(memchr(c->vg_id, '\0', sizeof(c->vg_id)) != NULL, "copy %zu vg_id", i);
        FUZZ_CHECK(memchr(c->vg_id_raw, '\0', sizeof(c->vg_id_raw)) != NULL, "copy %zu vg_id_raw",
                   i);
        if (c->crc_ok)
            FUZZ_CHECK(c->committed || c->precommitted, "copy %zu crc_ok without a slot", i);
        check_copy_text(s_ss, i);
    }
}

static void check_vgs(const lr_scan_t *s)
{
    for (size_t v = 0; v < s->n_vgs; v++) {
        const lr_scan_vg_t *g = &s->vgs[v];
        FUZZ_CHECK(idx_ok(g->latest, g->n_versions), "vg %zu latest %d", v, g->latest);
        if (g->latest >= 0)
            FUZZ_CHECK(g->versions[g->latest].complete, "vg %zu latest is not complete", v);
        for (size_t k = 0; k < g->n_versions; k++) {
            const lr_scan_version_t *ver = &g->versions[k];
            FUZZ_CHECK(ver->n_copies > 0, "vg %zu version %zu without copies", v, k);
            for (size_t j = 0; j < ver->n_copies; j++) {
                int ci = ver->copies[j];
                FUZZ_CHECK(ci >= 0 && (size_t)ci < s->n_copies, "vg %zu version %zu copy %d", v, k,
                           ci);
                FUZZ_CHECK(s->copies[ci].vg == (int)v, "copy %d of vg %zu says vg %d", ci, v,
                           s->copies[ci].vg);
                FUZZ_CHECK(s->copies[ci].seqno == ver->seqno, "copy %d seqno differs", ci);
            }
            if (k > 0)
                FUZZ_CHECK(g->versions[k - 1].seqno >= ver->seqno, "vg %zu versions not sorted", v);
            FUZZ_CHECK(ver->seqno <= g->max_seqno, "vg %zu version above max_seqno", v);
            int best = lr_scan_version_copy(s, v, k);
            FUZZ_CHECK(best == -1 || (best >= 0 && (size_t)best < s->n_copies &&
                                      s->copies[best].vg == (int)v && !s->copies[best].partial),
                       "vg %zu version %zu best copy %d", v, k, best);
            int idx[4];
            size_t nf = lr_scan_find_versions(s, v, ver->seqno, idx, 4);
            FUZZ_CHECK(nf >= 1, "find_versions(%" PRIu64 ") found nothing", ver->seqno);
        }
        for (size_t p = 0; p < g->n_pvs; p++) {
            const lr_scan_vg_pv_t *pv = &g->pvs[p];
            FUZZ_CHECK(idx_ok(pv->label, s->n_labels), "vg %zu pv %zu label %d", v, p, pv->label);
            FUZZ_CHECK(idx_ok(pv->image, s->n_images), "vg %zu pv %zu image %d", v, p, pv->image);
            FUZZ_CHECK(lr_scan_pv_found_name(pv->found) != NULL, "pv found %d unnamed", pv->found);
        }
        if (g->status & LR_SCAN_VG_CONSISTENT)
            FUZZ_CHECK(g->status == LR_SCAN_VG_CONSISTENT, "vg %zu consistent plus 0x%x", v,
                       g->status);
        for (unsigned b = 1; b && b <= g->status; b <<= 1)
            if (g->status & b)
                FUZZ_CHECK(lr_scan_vg_status_name(b) != NULL, "status bit %u unnamed", b);
        if (g->name) {
            int idx[4];
            FUZZ_CHECK(lr_scan_find_vgs(s, g->name, idx, 4) >= 1, "find_vgs(%s) found nothing",
                       g->name);
        }
        /* a VG's id is always a whole UUID, and it finds the VG */
        FUZZ_CHECK(strlen(g->id_raw) == LR_PV_UUID_LEN, "vg %zu raw id '%s' is not a UUID", v,
                   g->id_raw);
        {
            int idx[4];
            FUZZ_CHECK(lr_scan_find_vgs(s, g->id_raw, idx, 4) >= 1,
                       "find_vgs(raw id '%s') found nothing (id '%s')", g->id_raw, g->id);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_scan_opts_t opts;
    memset(&opts, 0, sizeof(opts));
    progress_state_t ps = {0, 0};
    unsigned variant = size ? data[size - 1] % 6 : 0;
    switch (variant) {
    case 1:
        opts.buffer_size = 1024;
        break;
    case 2:
        opts.buffer_size = 4096;
        opts.max_text = 8192;
        opts.max_copies = 8;
        break;
    case 3:
        opts.progress = on_progress;
        opts.progress_arg = &ps;
        opts.progress_interval = 4096;
        ps.stop_at = 3;
        break;
    case 4:
        opts.flags = LR_SCAN_NO_TEXT_SEARCH | LR_SCAN_NO_INFER;
        break;
    default:
        opts.progress = on_progress;
        opts.progress_arg = &ps;
        break;
    }

    lr_io_t *ios[2] = {NULL, NULL};
    size_t n = 1;
    lr_error_t err;
    if (variant == 5 && size >= 1024) {
        size_t half = size / 2 / 512 * 512;
        if (lr_test_mem_io(&ios[0], NULL, data, half, 0, false, "img0", &err))
            return 0;
        if (lr_test_mem_io(&ios[1], NULL, data + half, size - half, 0, false, "img1", &err)) {
            lr_io_close(ios[0], NULL);
            return 0;
        }
        n = 2;
    } else if (lr_test_mem_io(&ios[0], NULL, data, size, 0, false, "img", &err)) {
        return 0;
    }

    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    int rc = lr_scan_ios(ios, n, &opts, &s_ss, &err);
    s = lr_scan_result(s_ss);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "lr_scan_ios on a readable image returned %d: %s", rc,
               err.msg);
    if (rc == 0) {
        FUZZ_CHECK(s->n_images == n, "%zu images", s->n_images);
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(s->images[i].size == lr_io_size(ios[i]), "image %zu size", i);
            FUZZ_CHECK(s->images[i].scanned <= s->images[i].size, "image %zu scanned", i);
            if (!s->interrupted)
                FUZZ_CHECK(s->images[i].scanned == s->images[i].size, "image %zu not fully scanned",
                           i);
        }
        if (ps.stop_at == 0)
            FUZZ_CHECK(!s->interrupted, "interrupted without being asked");
        if (opts.max_copies)
            FUZZ_CHECK(s->n_copies <= opts.max_copies, "%zu copies over max_copies %zu",
                       s->n_copies, opts.max_copies);
        check_labels(s);
        check_areas(s);
        check_copies(s_ss);
        check_vgs(s);
        lr_scan_session_free(s_ss);
    }
    for (size_t i = 0; i < n; i++)
        lr_io_close(ios[i], NULL);
    return 0;
}
