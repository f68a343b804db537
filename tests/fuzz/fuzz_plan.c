/* Fuzz target: the restore planner on scanned results.
 *
 * Input: a disk image, as for fuzz_scan (the same seeds), followed by
 * virtual zeros up to PLAN_IMAGE_MIN bytes so the fixtures' 1 MiB metadata
 * areas fit although the seeds are cut after their last non-zero sector
 * (with the last byte % 6 == 5, two such images: the input cut in half).
 * The image is scanned (lr_scan_ios over an in-memory layer), then a
 * restore is planned (lr_repair_plan_new) for up to three versions of each
 * of the first two VGs and once more for the newest without naming the VG,
 * with or without `force` (the last input byte's low bit); each plan is
 * rendered and logged.
 *
 * Properties checked for every plan:
 * - every write lies inside its image, its old bytes are the image's bytes
 *   and its crcs match its old/new bytes; a label write is one label sector
 *   (sectors 0..3 of its PV), a header write is the header sector of a
 *   planned area and a text write lies in that area's ring;
 * - the new copy is NUL-terminated text of text_size bytes with text_crc,
 *   parses as a VG with seqno new_seqno = max_seqno + 1, and max_seqno is at
 *   least the highest seqno the scan saw for the VG;
 * - applying the planned writes to a copy of the image and scanning it again
 *   finds the VG with a complete version new_seqno of crc text_crc, the
 *   newest one. */
#include "fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/scan.h"

#define MAX_VGS 2
#define PLAN_IMAGE_MIN (4u << 20)
#define MAX_VERSIONS 3

static bool plan_rc_ok(int rc)
{
    return rc == 0 || rc == LR_EREFUSED || rc == LR_ENOTFOUND || rc == LR_ELIMIT ||
           rc == LR_EFORMAT || rc == LR_ERANGE || rc == LR_EPARSE || rc == LR_ECHECKSUM ||
           rc == -ENOMEM || rc == -EINVAL;
}

static const lr_repair_area_t *area_at(const lr_repair_plan_t *p, int image, uint64_t off,
                                       uint64_t len, bool header)
{
    for (size_t i = 0; i < p->n_areas; i++) {
        const lr_repair_area_t *a = &p->areas[i];
        if (a->image != image)
            continue;
        if (header && off == a->offset && len == LR_MDA_HEADER_SIZE)
            return a;
        if (!header && off >= a->offset + LR_MDA_HEADER_SIZE && off <= a->offset + a->size &&
            len <= a->offset + a->size - off)
            return a;
    }
    return NULL;
}

static void check_writes(const lr_repair_plan_t *p, lr_io_t *const *ios, size_t n_img)
{
    FUZZ_CHECK(p->n_images == n_img, "plan has %zu images, scan %zu", p->n_images, n_img);
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        FUZZ_CHECK(w->image >= 0 && (size_t)w->image < n_img, "write %zu image %d", i, w->image);
        uint64_t size = lr_io_size(ios[w->image]);
        FUZZ_CHECK(w->length > 0 && w->offset <= size && w->length <= size - w->offset,
                   "write %zu (%" PRIu64 "+%" PRIu64 ") outside the image (%" PRIu64 ")", i,
                   w->offset, w->length, size);
        uint8_t *now = malloc((size_t)w->length);
        FUZZ_CHECK(now != NULL, "out of memory");
        lr_error_t err;
        FUZZ_CHECK(lr_io_pread(ios[w->image], now, (size_t)w->length, w->offset, &err) == 0,
                   "write %zu: image unreadable there", i);
        FUZZ_CHECK(memcmp(w->old_bytes, now, (size_t)w->length) == 0,
                   "write %zu: old bytes are not the image's", i);
        free(now);
        FUZZ_CHECK(w->crc_before == lr_crc(LR_CRC_INITIAL, w->old_bytes, (size_t)w->length),
                   "write %zu crc_before", i);
        FUZZ_CHECK(w->crc_after == lr_crc(LR_CRC_INITIAL, w->new_bytes, (size_t)w->length),
                   "write %zu crc_after", i);
        FUZZ_CHECK(w->pv >= 0 && (size_t)w->pv < p->n_pvs, "write %zu pv %d", i, w->pv);
        const lr_repair_pv_t *pv = &p->pvs[w->pv];
        switch (w->what) {
        case LR_REPAIR_LABEL:
            FUZZ_CHECK(w->length == LR_SECTOR_SIZE && w->offset >= pv->pv_start &&
                           w->offset < pv->pv_start + LR_LABEL_SCAN_SECTORS * LR_SECTOR_SIZE &&
                           (w->offset - pv->pv_start) % LR_SECTOR_SIZE == 0,
                       "label write %zu at %" PRIu64 " (PV at %" PRIu64 ")", i, w->offset,
                       pv->pv_start);
            break;
        case LR_REPAIR_MDA_HEADER:
            FUZZ_CHECK(area_at(p, w->image, w->offset, w->length, true) != NULL,
                       "header write %zu at %" PRIu64 " is no planned area's header", i, w->offset);
            break;
        case LR_REPAIR_TEXT:
            FUZZ_CHECK(area_at(p, w->image, w->offset, w->length, false) != NULL,
                       "text write %zu at %" PRIu64 "+%" PRIu64 " outside every planned ring", i,
                       w->offset, w->length);
            break;
        default:
            FUZZ_CHECK(0, "write %zu of kind %d", i, (int)w->what);
        }
    }
}

static void check_text(const lr_repair_plan_t *p, const lr_scan_vg_t *g)
{
    FUZZ_CHECK(p->text && p->text_size > 0, "plan without text");
    FUZZ_CHECK(strlen(p->text) + 1 == p->text_size, "text_size %" PRIu64 " for %zu chars",
               p->text_size, strlen(p->text));
    FUZZ_CHECK(lr_crc(LR_CRC_INITIAL, p->text, (size_t)p->text_size) == p->text_crc,
               "text_crc differs");
    FUZZ_CHECK(p->new_seqno == p->max_seqno + 1, "new seqno %" PRIu64 " max %" PRIu64, p->new_seqno,
               p->max_seqno);
    FUZZ_CHECK(p->max_seqno >= g->max_seqno, "max_seqno %" PRIu64 " below the scan's %" PRIu64,
               p->max_seqno, g->max_seqno);
    lr_vg_t *vg = NULL;
    lr_error_t err;
    int rc = lr_vg_parse(p->text, (size_t)p->text_size, &vg, &err);
    FUZZ_CHECK(rc == 0, "planned text does not parse: %d at %" PRIu64 ": %s", rc, err.offset,
               err.msg);
    FUZZ_CHECK(vg->seqno == p->new_seqno, "planned text has seqno %" PRIu64, vg->seqno);
    lr_vg_free(vg);
    for (size_t i = 0; i < p->n_areas; i++) {
        const lr_mda_header_t *h = &p->areas[i].after;
        const lr_raw_locn_t *c = lr_mda_committed(h);
        FUZZ_CHECK(c && c->size == p->text_size && c->checksum == p->text_crc,
                   "area %zu's new header does not commit the text", i);
    }
}

/* Applies the writes to copies of the images and scans them again. */
static void check_applied(const lr_repair_plan_t *p, lr_io_t *const *src, const uint8_t *const *img,
                          const size_t *img_size, size_t n_img)
{
    if (p->n_writes == 0)
        return;
    uint8_t *copy[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    lr_io_t *ios[2] = {NULL, NULL};
    lr_error_t err;
    for (size_t i = 0; i < n_img; i++)
        len[i] = img_size[i];
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        if (w->offset + w->length > len[w->image])
            len[w->image] = (size_t)(w->offset + w->length);
    }
    for (size_t i = 0; i < n_img; i++) {
        copy[i] = calloc(1, len[i] ? len[i] : 1);
        FUZZ_CHECK(copy[i] != NULL, "out of memory");
        memcpy(copy[i], img[i], img_size[i]);
    }
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        memcpy(copy[w->image] + w->offset, w->new_bytes, (size_t)w->length);
    }
    int rc = 0;
    for (size_t i = 0; i < n_img && !rc; i++)
        rc = lr_test_mem_io_sized(&ios[i], NULL, copy[i], len[i], 0, lr_io_size(src[i]), false,
                                  "applied", &err);
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    if (!rc)
        rc = lr_scan_ios(ios, n_img, NULL, &s_ss, &err);
    s = lr_scan_result(s_ss);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "rescan failed: %d %s", rc, err.msg);
    if (rc == 0) {
        int idx[8];
        size_t n = lr_scan_find_vgs(s, p->vg_id, idx, 8);
        FUZZ_CHECK(n >= 1, "restored VG %s not found again", p->vg_id);
        bool found = false;
        for (size_t k = 0; k < n && k < 8 && !found; k++) {
            const lr_scan_vg_t *g = &s->vgs[idx[k]];
            for (size_t v = 0; v < g->n_versions; v++) {
                const lr_scan_version_t *ver = &g->versions[v];
                if (ver->seqno == p->new_seqno && ver->crc == p->text_crc && ver->complete &&
                    ver->committed) {
                    found = true;
                    FUZZ_CHECK(g->latest == (int)v, "restored version is not the newest");
                    FUZZ_CHECK(g->max_seqno == p->new_seqno, "a higher seqno remains");
                }
            }
        }
        FUZZ_CHECK(found, "restored version %" PRIu64 " (crc 0x%08x) not found committed",
                   p->new_seqno, p->text_crc);
        lr_scan_session_free(s_ss);
    }
    for (size_t i = 0; i < n_img; i++) {
        lr_io_close(ios[i], NULL);
        free(copy[i]);
    }
}

/* Plans version `ver` of VG `vg`; with any_vg, without naming the VG (the
 * planner then picks, or refuses listing the candidates). */
static void plan_one(const lr_scan_session_t *s_ss, lr_io_t *const *ios, size_t vg, size_t ver,
                     bool force, bool any_vg, const uint8_t *const *img, const size_t *img_size,
                     size_t n_img)
{
    const lr_scan_t *s = lr_scan_result(s_ss);
    const lr_scan_vg_t *g = &s->vgs[vg];
    lr_repair_opts_t opts;
    memset(&opts, 0, sizeof(opts));
    opts.vg = any_vg ? NULL : g->id[0] ? g->id : g->name;
    opts.seqno = g->versions[ver].seqno;
    opts.command = "lvmrepair --fuzz";
    opts.host = "fuzzhost";
    opts.now = 1700000000;
    opts.force = force;

    lr_scan_pick_t pick = {.vg = opts.vg, .has_seqno = true, .seqno = opts.seqno};
    lr_scan_selection_t sel;
    int src = lr_scan_select(s, &pick, &sel, NULL);
    for (size_t i = 0; i < sel.n; i++) {
        const lr_scan_candidate_t *c = &sel.c[i];
        FUZZ_CHECK(c->vg >= 0 && (size_t)c->vg < s->n_vgs && c->version >= 0 &&
                       (size_t)c->version < s->vgs[c->vg].n_versions &&
                       s->vgs[c->vg].versions[c->version].seqno == opts.seqno,
                   "candidate %zu out of range", i);
    }
    FUZZ_CHECK(src != 0 || (sel.vg >= 0 && sel.version >= 0), "selection without a version");
    lr_scan_selection_free(&sel);

    lr_repair_plan_t *p = NULL;
    lr_error_t err;
    int rc = lr_repair_plan_new(s_ss, ios, &opts, &p, &err);
    if (getenv("LR_FUZZ_VERBOSE"))
        fprintf(stderr, "plan vg %zu seqno %" PRIu64 " force %d: rc %d, %zu writes%s%s\n", vg,
                opts.seqno, force, rc, p ? p->n_writes : 0, rc ? ": " : "", rc ? err.msg : "");
    FUZZ_CHECK(plan_rc_ok(rc), "lr_repair_plan_new returned %d: %s", rc, err.msg);
    if (rc) {
        FUZZ_CHECK(p == NULL, "plan left set after error %d", rc);
        return;
    }
    FUZZ_CHECK(p->seqno == opts.seqno, "planned seqno %" PRIu64 " for %" PRIu64, p->seqno,
               opts.seqno);
    FUZZ_CHECK(p->vg >= 0 && (size_t)p->vg < s->n_vgs && p->version >= 0 &&
                   (size_t)p->version < s->vgs[p->vg].n_versions,
               "plan's vg %d version %d out of range", p->vg, p->version);
    FUZZ_CHECK(any_vg || p->vg == (int)vg, "planned VG %d, asked for %zu", p->vg, vg);
    g = &s->vgs[p->vg];
    check_writes(p, ios, n_img);
    check_text(p, g);
    char *text = NULL;
    rc = lr_repair_plan_render(p, &text, &err);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "render returned %d", rc);
    free(text);
    text = NULL;
    rc = lr_repair_plan_log(p, &text, &err);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "log returned %d", rc);
    free(text);
    check_applied(p, ios, img, img_size, n_img);
    lr_repair_plan_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool force = size && (data[size - 1] & 1);
    bool two = size >= 1024 && size && data[size - 1] % 6 == 5;
    const uint8_t *img[2] = {data, NULL};
    size_t img_size[2] = {size, 0};
    size_t n = 1;
    if (two) {
        size_t half = size / 2 / 512 * 512;
        img_size[0] = half;
        img[1] = data + half;
        img_size[1] = size - half;
        n = 2;
    }
    lr_io_t *ios[2] = {NULL, NULL};
    lr_error_t err;
    for (size_t i = 0; i < n; i++)
        if (lr_test_mem_io_sized(&ios[i], NULL, img[i], img_size[i], 0,
                                 img_size[i] > PLAN_IMAGE_MIN ? img_size[i] : PLAN_IMAGE_MIN, false,
                                 i ? "img1" : "img0", &err)) {
            lr_io_close(ios[0], NULL);
            return 0;
        }
    lr_scan_session_t *s_ss = NULL;
    const lr_scan_t *s = NULL;
    int rc = lr_scan_ios(ios, n, NULL, &s_ss, &err);
    s = lr_scan_result(s_ss);
    if (rc == 0) {
        for (size_t v = 0; v < s->n_vgs && v < MAX_VGS; v++)
            for (size_t k = 0; k < s->vgs[v].n_versions && k < MAX_VERSIONS; k++)
                plan_one(s_ss, ios, v, k, force, false, img, img_size, n);
        if (s->n_vgs && s->vgs[0].n_versions)
            plan_one(s_ss, ios, 0, 0, force, true, img, img_size, n);
        lr_scan_session_free(s_ss);
    }
    for (size_t i = 0; i < n; i++)
        lr_io_close(ios[i], NULL);
    return 0;
}
