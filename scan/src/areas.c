/* Metadata areas: from the labels' area lists, from mda headers found by
 * their magic, and — when both are gone — inferred from orphan text and
 * LVM2's layout (area 1 at PV offset 4096 running up to pe_start). */
#include "scan_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_MDA1_OFFSET 4096u
#define SC_AREA_WALK 64 /* overlapping areas looked at per lookup */
#define SC_PVCK_DEFAULT_MDA_SIZE (1048576u - 4096u)

static uint64_t image_size(const lr_scan_t *s, int image)
{
    return s->images[image].size;
}

int sc_add_area(sc_ctx_t *c, const lr_scan_area_t *a)
{
    lr_scan_t *s = c->scan;
    if (s->n_areas >= LR_SCAN_MAX_AREAS) {
        s->truncated = true;
        return 0;
    }
    int rc = sc_grow((void **)&s->areas, &c->cap_areas, s->n_areas + 1, sizeof(*s->areas), c->err);
    if (rc)
        return rc;
    s->areas[s->n_areas++] = *a;
    return 0;
}

static lr_scan_area_t new_area(int image, uint64_t pv_start, uint64_t offset, uint64_t size,
                               uint64_t img_size)
{
    lr_scan_area_t a;
    memset(&a, 0, sizeof(a));
    a.image = image;
    a.pv_start = pv_start;
    a.offset = offset;
    a.size_recorded = size;
    a.size = size < img_size - offset ? size : img_size - offset;
    a.label = -1;
    a.mda_index = -1;
    a.committed = -1;
    a.precommitted = -1;
    return a;
}

/* Areas are built as two runs sorted by (image, offset): the label areas,
 * then those of headers found by magic (in stream order). */
static int search_run(const lr_scan_t *s, size_t lo, size_t hi, int image, uint64_t off)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lr_scan_area_t *m = &s->areas[mid];
        if (m->image == image && m->offset == off)
            return (int)mid;
        if (m->image < image || (m->image == image && m->offset < off))
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int find_exact(const sc_ctx_t *c, int image, uint64_t off)
{
    const lr_scan_t *s = c->scan;
    int i = search_run(s, 0, c->n_label_areas, image, off);
    return i >= 0 ? i : search_run(s, c->n_label_areas, s->n_areas, image, off);
}

static int areas_from_labels(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    for (size_t li = 0; li < s->n_labels; li++) {
        const lr_scan_label_t *l = &s->labels[li];
        uint64_t isz = image_size(s, l->image);
        for (size_t k = 0; k < l->label.n_mda && k < LR_LABEL_MAX_LOCN; k++) {
            const lr_disk_locn_t *d = &l->label.mda[k];
            /* an area starting outside the image cannot be read at all */
            if (d->offset >= isz - l->pv_start)
                continue;
            uint64_t off = l->pv_start + d->offset;
            lr_scan_area_t a = new_area(l->image, l->pv_start, off, d->size, isz);
            a.source = LR_SCAN_SRC_LABEL;
            a.label = (int)li;
            a.mda_index = (int)k;
            memcpy(a.pv_id, l->label.pv_uuid, sizeof(a.pv_id));
            int rc = sc_add_area(c, &a);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Labels are in stream order; one of a PV sits in its first four sectors. */
static int label_at(const lr_scan_t *s, int image, uint64_t pv_start)
{
    size_t lo = 0, hi = s->n_labels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lr_scan_label_t *m = &s->labels[mid];
        if (m->image < image || (m->image == image && m->offset < pv_start))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < s->n_labels && s->labels[i].image == image &&
                        s->labels[i].offset < pv_start + LR_LABEL_SCAN_SECTORS * SC_SECTOR;
         i++)
        if (s->labels[i].pv_start == pv_start)
            return (int)i;
    return -1;
}

static bool header_consistent(const lr_scan_t *s, const lr_scan_area_t *a, const lr_mda_header_t *h)
{
    if (!h->checksum_ok || a->pv_start == LR_SCAN_UNKNOWN)
        return false;
    lr_error_t e;
    lr_error_clear(&e);
    uint64_t dev = image_size(s, a->image) - a->pv_start;
    /* An area the label lists may reach past its device_size, as LVM2
     * reads it: LVM2's pvresize moves the second area to the new end of
     * the device but records a device_size that leaves out pe_start and
     * that area (lr_label_area_reach). Other areas stay inside the label's
     * device_size. */
    if (a->label >= 0) {
        const lr_label_t *l = &s->labels[a->label].label;
        uint64_t ds = (a->source & LR_SCAN_SRC_LABEL) ? lr_label_area_reach(l) : l->device_size;
        if (ds && ds < dev)
            dev = ds;
    }
    if (lr_mda_header_validate(h, a->offset - a->pv_start, dev, &e) != 0)
        return false;
    return !(a->source & LR_SCAN_SRC_LABEL) || h->size == a->size_recorded;
}

static int attach_header(sc_ctx_t *c, const sc_hdr_t *sh)
{
    lr_scan_t *s = c->scan;
    int ai = find_exact(c, sh->image, sh->offset);
    if (ai < 0) {
        /* A PV starts on a sector: a header whose start field says
         * otherwise is damaged, and tells nothing of where its PV is. */
        uint64_t pv = sh->h.start <= sh->offset && sh->h.start % SC_SECTOR == 0
                          ? sh->offset - sh->h.start
                          : LR_SCAN_UNKNOWN;
        lr_scan_area_t a =
            new_area(sh->image, pv, sh->offset, sh->h.size, image_size(s, sh->image));
        if (pv != LR_SCAN_UNKNOWN)
            a.label = label_at(s, sh->image, pv);
        if (a.label >= 0)
            memcpy(a.pv_id, s->labels[a.label].label.pv_uuid, sizeof(a.pv_id));
        int rc = sc_add_area(c, &a);
        if (rc)
            return rc;
        ai = find_exact(c, sh->image, sh->offset);
        if (ai < 0)
            return 0; /* dropped by the item cap */
    }
    lr_scan_area_t *a = &s->areas[ai];
    if (a->header)
        return 0;
    a->header = malloc(sizeof(*a->header));
    if (!a->header)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *a->header = sh->h;
    a->source |= LR_SCAN_SRC_MAGIC;
    /* A label with a bad crc may hold a wrong size; a good header is the
     * better witness of the ring's extent then. */
    bool label_good = a->label >= 0 && s->labels[a->label].label.crc_ok;
    if (!(a->source & LR_SCAN_SRC_LABEL) || (!label_good && sh->h.checksum_ok)) {
        uint64_t isz = image_size(s, a->image);
        a->size_recorded = sh->h.size;
        a->size = sh->h.size < isz - a->offset ? sh->h.size : isz - a->offset;
    }
    a->header_ok = header_consistent(s, a, &sh->h);
    return 0;
}

static int cmp_area(const void *x, const void *y)
{
    const lr_scan_area_t *a = x, *b = y;
    if (a->image != b->image)
        return a->image < b->image ? -1 : 1;
    if (a->offset != b->offset)
        return a->offset < b->offset ? -1 : 1;
    return 0;
}

int sc_sort_areas(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    if (s->n_areas > 1)
        qsort(s->areas, s->n_areas, sizeof(*s->areas), cmp_area);
    return 0;
}

/* Sorts the label areas and keeps the first of each place (two labels may
 * list the same area). */
static void dedupe_label_areas(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    sc_sort_areas(c);
    size_t w = 0;
    for (size_t i = 0; i < s->n_areas; i++) {
        if (w && s->areas[w - 1].image == s->areas[i].image &&
            s->areas[w - 1].offset == s->areas[i].offset)
            continue;
        s->areas[w++] = s->areas[i];
    }
    s->n_areas = w;
    c->n_label_areas = w;
}

int sc_build_areas(sc_ctx_t *c)
{
    int rc = areas_from_labels(c);
    if (!rc)
        dedupe_label_areas(c);
    for (size_t i = 0; i < c->n_hdrs && !rc; i++)
        rc = attach_header(c, &c->hdrs[i]);
    if (!rc)
        rc = sc_sort_areas(c);
    return rc;
}

int sc_area_of(const lr_scan_t *s, int image, uint64_t off)
{
    /* last area starting at or before off - 512 */
    size_t lo = 0, hi = s->n_areas;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lr_scan_area_t *m = &s->areas[mid];
        if (m->image < image || (m->image == image && m->offset + SC_SECTOR <= off))
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the nearest start wins: nested or overlapping areas are hostile */
    for (size_t n = 0; lo > 0 && n < SC_AREA_WALK; n++, lo--) {
        const lr_scan_area_t *a = &s->areas[lo - 1];
        if (a->image != image)
            break;
        if (off >= a->offset + SC_SECTOR && off < a->offset + a->size)
            return (int)(lo - 1);
    }
    return -1;
}

/* ---- inference --------------------------------------------------------- */

/* A sector that holds metadata text (or its zero padding) rather than a
 * wiped or foreign header: printable bytes and at least one of them. */
static bool text_sector(const uint8_t *p)
{
    bool any = false;
    for (size_t i = 0; i < SC_SECTOR; i++) {
        uint8_t ch = p[i];
        if (ch == 0)
            continue;
        if (ch < 0x20 && ch != '\n' && ch != '\t')
            return false;
        if (ch >= 0x7f)
            return false;
        any = true;
    }
    return any;
}

/* Where the ring holding the copy at x starts: the first copy LVM2 writes
 * sits at area offset 512, but a wrapped ring has the continuation of a
 * wrapped copy (and fragments) below its lowest copy, so walk down over
 * text sectors to the wiped header. The walk is read in blocks, and the last
 * walk is remembered: orphans of one run of text share their answer. */
#define SC_WALK_BLOCK (64u << 10)

static int ring_start_below(sc_ctx_t *c, int image, uint64_t x, uint64_t max_walk, uint64_t *rs)
{
    static const uint64_t floor_off = SC_MDA1_OFFSET + SC_SECTOR;
    uint64_t lim = x > max_walk ? x - max_walk : 0;
    if (lim < floor_off)
        lim = floor_off;
    uint8_t *blk = malloc(SC_WALK_BLOCK);
    if (!blk)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    uint64_t r = x;
    int rc = 0;
    while (r > lim) {
        if (c->walk_image == image && r <= c->walk_from && r > c->walk_result) {
            r = c->walk_result > lim ? c->walk_result : lim;
            break;
        }
        uint64_t lo = r - lim > SC_WALK_BLOCK ? r - SC_WALK_BLOCK : lim;
        rc = lr_io_pread(c->ios[image], blk, (size_t)(r - lo), lo, c->err);
        if (sc_unreadable(c, image, rc, lo, r - lo, NULL)) {
            lr_error_clear(c->err); /* the walk stops at unreadable bytes */
            rc = 0;
            break;
        }
        if (rc) {
            lr_error_wrap(c->err, lr_io_name(c->ios[image]), rc);
            break;
        }
        uint64_t before = r;
        while (r > lo && text_sector(blk + (r - SC_SECTOR - lo)))
            r -= SC_SECTOR;
        if (r > lo || r == before)
            break;
    }
    free(blk);
    if (rc)
        return rc;
    c->walk_image = image;
    c->walk_from = x;
    c->walk_result = r;
    *rs = r;
    return 0;
}

static bool pv_has_label(const lr_scan_t *s, const char *raw)
{
    for (size_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].label.pv_uuid, raw) == 0)
            return true;
    return false;
}

static bool pv_has_area(const lr_scan_t *s, const char *raw)
{
    for (size_t i = 0; i < s->n_areas; i++)
        if (strcmp(s->areas[i].pv_id, raw) == 0)
            return true;
    return false;
}

/* The copy of this orphan group to take the PV list from: the newest that
 * parsed. */
static int best_orphan(const lr_scan_t *s, size_t first)
{
    const lr_scan_copy_t *f = &s->copies[first];
    int best = -1;
    for (size_t i = first; i < s->n_copies; i++) {
        const lr_scan_copy_t *cp = &s->copies[i];
        if (cp->image != f->image || cp->area >= 0 || !cp->parse_ok ||
            strcmp(cp->vg_id_raw, f->vg_id_raw) != 0)
            continue;
        if (best < 0 || cp->seqno > s->copies[best].seqno)
            best = (int)i;
    }
    return best;
}

typedef struct sc_guess {
    uint64_t pv_start;
    uint64_t area_size;
    char pv_id[LR_PV_UUID_LEN + 1];
    bool fits_image;
} sc_guess_t;

/* Picks the PV of the text this ring belongs to: one that no label or area
 * claims, whose pe_start leaves room for the copies, preferring one whose
 * dev_size fits in the image. */
static bool guess_pv(const lr_scan_t *s, const lr_vg_t *vg, int image, uint64_t ring,
                     uint64_t first, sc_guess_t *g)
{
    bool found = false;
    uint64_t pv = ring - SC_MDA1_OFFSET - SC_SECTOR;
    uint64_t isz = image_size(s, image);
    for (size_t i = 0; i < vg->n_pvs; i++) {
        const lr_pv_t *p = &vg->pvs[i];
        if (pv_has_label(s, p->raw_id) || pv_has_area(s, p->raw_id))
            continue;
        if (p->pe_start > UINT64_MAX / 512 || p->pe_start * 512 <= SC_MDA1_OFFSET + SC_SECTOR)
            continue;
        uint64_t pe = p->pe_start * 512;
        /* the ring [pv + 4608, pv + pe_start) must hold the copy */
        if (pe > UINT64_MAX - pv || s->copies[first].offset >= pv + pe)
            continue;
        bool fits = p->dev_size <= (isz - pv) / 512;
        if (found && (g->fits_image || !fits))
            continue;
        g->pv_start = pv;
        g->area_size = pe - SC_MDA1_OFFSET;
        snprintf(g->pv_id, sizeof(g->pv_id), "%s", p->raw_id);
        g->fits_image = fits;
        found = true;
    }
    return found;
}

/* Real areas of different PVs never overlap; text that would make an
 * inferred area overlap a known one is not a ring of its own. */
static bool overlaps(const lr_scan_t *s, const lr_scan_area_t *a)
{
    for (size_t i = 0; i < s->n_areas; i++) {
        const lr_scan_area_t *b = &s->areas[i];
        if (b->image == a->image && b->offset < a->offset + a->size &&
            a->offset < b->offset + b->size)
            return true;
    }
    return false;
}

static int infer_one(sc_ctx_t *c, size_t first)
{
    lr_scan_t *s = c->scan;
    const lr_scan_copy_t *f = &s->copies[first];
    int image = f->image;
    uint64_t ring = 0;
    int rc = ring_start_below(c, image, f->offset, SC_PVCK_DEFAULT_MDA_SIZE, &ring);
    if (rc)
        return rc;
    if (ring < SC_MDA1_OFFSET + SC_SECTOR || (ring - SC_MDA1_OFFSET - SC_SECTOR) % SC_SECTOR)
        return 0;
    sc_guess_t g = {.pv_start = ring - SC_MDA1_OFFSET - SC_SECTOR,
                    .area_size = SC_PVCK_DEFAULT_MDA_SIZE};
    int best = best_orphan(s, first);
    if (best >= 0) {
        lr_vg_t *vg = NULL;
        lr_error_t e;
        lr_error_clear(&e);
        char *text = NULL;
        if (sc_read_pieces(c->ios[image], &s->copies[best], &text, &e) == 0 &&
            lr_vg_parse(text, (size_t)s->copies[best].length, &vg, &e) == 0)
            guess_pv(s, vg, image, ring, first, &g);
        lr_vg_free(vg);
        free(text);
    }
    uint64_t isz = image_size(s, image);
    lr_scan_area_t a = new_area(image, g.pv_start, g.pv_start + SC_MDA1_OFFSET, g.area_size, isz);
    if (overlaps(s, &a))
        return 0;
    a.source = LR_SCAN_SRC_INFERRED;
    a.mda_index = 0;
    memcpy(a.pv_id, g.pv_id, sizeof(a.pv_id));
    return sc_add_area(c, &a);
}

/* Marks the orphans an inferred area now covers so they start no area of
 * their own. */
static void cover(lr_scan_t *s, const lr_scan_area_t *a)
{
    for (size_t i = 0; i < s->n_copies; i++) {
        lr_scan_copy_t *cp = &s->copies[i];
        if (cp->area < 0 && cp->image == a->image && cp->offset >= a->offset + SC_SECTOR &&
            cp->offset < a->offset + a->size)
            cp->area = INT32_MAX; /* placeholder until areas are sorted */
    }
}

static void give_up(lr_scan_t *s, const lr_scan_copy_t *f)
{
    for (size_t i = 0; i < s->n_copies; i++) {
        lr_scan_copy_t *cp = &s->copies[i];
        if (cp != f && cp->area < 0 && cp->image == f->image &&
            strcmp(cp->vg_id_raw, f->vg_id_raw) == 0)
            cp->area = INT32_MAX;
    }
}

int sc_infer_areas(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    c->walk_image = -1;
    unsigned tries = 0;
    if (!(c->opts.flags & LR_SCAN_NO_INFER)) {
        for (size_t i = 0; i < s->n_copies; i++) {
            lr_scan_copy_t *cp = &s->copies[i];
            if (cp->area >= 0 || !(cp->source & LR_SCAN_COPY_SIGNATURE) || !cp->vg_id_raw[0])
                continue;
            if (++tries > LR_SCAN_MAX_INFER)
                break;
            size_t before = s->n_areas;
            int rc = infer_one(c, i);
            if (rc)
                return rc;
            if (s->n_areas > before)
                cover(s, &s->areas[s->n_areas - 1]);
            else
                give_up(s, cp); /* the rest of its group would fail the same way */
            if (cp->area < 0)
                cp->area = INT32_MAX; /* tried: do not start again from it */
        }
    }
    for (size_t i = 0; i < s->n_copies; i++)
        s->copies[i].area = -1;
    return sc_sort_areas(c);
}
