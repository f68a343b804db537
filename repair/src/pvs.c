/* Where the restored version goes: every PV it names, found among the
 * images; its label (kept, or rebuilt from the metadata); its metadata
 * areas (headers kept, or rebuilt). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/label.h"
#include "lr/mda.h"
#include "plan_int.h"
#include "repair_int.h"

#define MDA1_START 4096u /* LVM2's first metadata area (after the label sectors) */
#define LABEL_SECTOR 1u  /* LVM2 writes the label into sector 1 */
#define MAX_LAST_SEEN 64 /* versions searched for a missing PV's last sighting */

int rp_copy_at(const lr_scan_t *scan, int image, uint64_t offset)
{
    for (size_t i = 0; i < scan->n_copies; i++)
        if (scan->copies[i].image == image && scan->copies[i].offset == offset)
            return (int)i;
    return -1;
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

/* The bytes of the PV's image from its start (UINT64_MAX when unknown). */
static uint64_t pv_avail(const lr_repair_plan_t *p, const lr_repair_pv_t *pv)
{
    if (pv->image >= 0 && pv->pv_start <= p->images[pv->image].size)
        return p->images[pv->image].size - pv->pv_start;
    return UINT64_MAX;
}

uint64_t rp_pv_bound(const lr_repair_plan_t *p, const lr_repair_pv_t *pv)
{
    uint64_t avail = pv_avail(p, pv);
    /* The areas a kept label lists are read on the device, as LVM2 reads
     * them: LVM2's pvresize moves the second area to the new end of the
     * device, but records a dev_size and a label device_size that leave
     * out pe_start and that area (lr_label_area_reach). */
    if (!pv->rebuild_label && pv->label.n_mda) {
        uint64_t reach = lr_label_area_reach(&pv->label);
        return reach < avail ? reach : avail;
    }
    uint64_t bound = pv->dev_size < avail ? pv->dev_size : avail;
    if (pv->label.device_size && pv->label.device_size < bound)
        bound = pv->label.device_size;
    return bound;
}

/* ---- finding the PVs -------------------------------------------------------------- */

static int init_pv(lr_repair_pv_t *pv, const lr_pv_t *t, lr_error_t *err)
{
    pv->key = strdup(t->key ? t->key : "");
    pv->device = t->device ? strdup(t->device) : NULL;
    snprintf(pv->id, sizeof(pv->id), "%s", t->id ? t->id : "");
    snprintf(pv->id_raw, sizeof(pv->id_raw), "%s", t->raw_id);
    /* Sectors to bytes, saturating: a dev_size too large for any image is
     * refused (or forced) as larger than its image. */
    pv->dev_size =
        t->dev_size > UINT64_MAX / LR_SECTOR_SIZE ? UINT64_MAX : t->dev_size * LR_SECTOR_SIZE;
    pv->pe_start =
        t->pe_start > UINT64_MAX / LR_SECTOR_SIZE ? UINT64_MAX : t->pe_start * LR_SECTOR_SIZE;
    pv->image = -1;
    pv->scan_label = -1;
    if (!pv->key || (t->device && !pv->device))
        return lr_error_oom(err);
    return 0;
}

static void set_location(lr_repair_pv_t *pv, int image, uint64_t pv_start)
{
    pv->image = image;
    pv->pv_start = pv_start;
}

/* A PV is where a label with its UUID is; else where the scan matched it
 * (an inferred area, or a disk whose label now carries another UUID but
 * holds this VG's copies); else where an area attributed to it is. */
static int locate(lr_repair_plan_t *p, const lr_scan_t *scan, lr_repair_pv_t *pv, lr_error_t *err)
{
    for (size_t i = 0; i < scan->n_labels; i++) {
        const lr_scan_label_t *l = &scan->labels[i];
        if (strcmp(l->label.pv_uuid, pv->id_raw) != 0)
            continue;
        if (pv->image >= 0 && (pv->image != l->image || pv->pv_start != l->pv_start))
            return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                                "PV %s is found twice: in %s at byte %llu and in %s at byte "
                                "%llu; give only one of the duplicates",
                                pv->id, p->images[pv->image].path, (unsigned long long)pv->pv_start,
                                p->images[l->image].path, (unsigned long long)l->pv_start);
        set_location(pv, l->image, l->pv_start);
    }
    if (pv->image >= 0)
        return 0;
    const lr_scan_vg_t *svg = &scan->vgs[p->vg];
    for (size_t i = 0; i < svg->n_pvs; i++) {
        const lr_scan_vg_pv_t *s = &svg->pvs[i];
        if (strcmp(s->id_raw, pv->id_raw) == 0 && s->found != LR_SCAN_PV_MISSING && s->image >= 0 &&
            s->pv_start != LR_SCAN_UNKNOWN) {
            set_location(pv, s->image, s->pv_start);
            return 0;
        }
    }
    for (size_t i = 0; i < scan->n_areas; i++) {
        const lr_scan_area_t *a = &scan->areas[i];
        if (strcmp(a->pv_id, pv->id_raw) == 0 && a->pv_start != LR_SCAN_UNKNOWN) {
            set_location(pv, a->image, a->pv_start);
            return 0;
        }
    }
    pv->missing = true;
    return 0;
}

/* Where a missing PV was last seen: the newest version naming it, with the
 * device hint written there. */
static int last_seen(lr_repair_plan_t *p, const lr_scan_session_t *session, lr_repair_pv_t *pv,
                     lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    const lr_scan_vg_t *svg = &scan->vgs[p->vg];
    for (size_t j = 0; j < svg->n_versions && j < MAX_LAST_SEEN; j++) {
        int copy = lr_scan_version_copy(scan, (size_t)p->vg, j);
        lr_vg_t *v = NULL;
        if (copy < 0 || lr_scan_copy_vg(session, (size_t)copy, &v, NULL) != 0)
            continue;
        const lr_pv_t *t = lr_vg_find_pv_by_id(v, pv->id_raw);
        if (t)
            pv->last_seen =
                dupf("named by seqno %llu as device %s", (unsigned long long)svg->versions[j].seqno,
                     t->device ? t->device : "(no device hint)");
        lr_vg_free(v);
        if (t)
            return pv->last_seen ? 0 : lr_error_oom(err);
    }
    pv->last_seen = dupf("device hint %s", pv->device ? pv->device : "(none)");
    return pv->last_seen ? 0 : lr_error_oom(err);
}

static int refuse_missing(lr_repair_plan_t *p, const lr_repair_opts_t *o, lr_error_t *err)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    size_t n = 0;
    for (size_t i = 0; i < p->n_pvs; i++) {
        const lr_repair_pv_t *pv = &p->pvs[i];
        if (!pv->missing)
            continue;
        lr_strbuf_printf(&b, "%s%s %s (%s)", n++ ? "; " : "", pv->key, pv->id, pv->last_seen);
    }
    if (!n)
        return 0;
    if (b.failed) {
        lr_strbuf_free(&b);
        return lr_error_oom(err);
    }
    int rc = 0;
    if (o->force) {
        p->forced = true;
        if (rp_note(p,
                    "forced: %zu PV(s) of the version are not among the images and are not "
                    "written: %s",
                    n, b.s))
            rc = lr_error_oom(err);
    } else {
        rc = lr_error_refuse(err, LR_HINT_MISSING_PVS | LR_HINT_FORCE,
                             "%zu PV(s) of VG %s seqno %llu are not among the images: %s "
                             "(forcing writes only the PVs present)",
                             n, p->vg_name, (unsigned long long)p->seqno, b.s);
    }
    lr_strbuf_free(&b);
    return rc;
}

static int check_no_shared_location(const lr_repair_plan_t *p, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_pvs; i++)
        for (size_t j = i + 1; j < p->n_pvs; j++) {
            const lr_repair_pv_t *a = &p->pvs[i], *b = &p->pvs[j];
            if (a->missing || b->missing || a->image != b->image || a->pv_start != b->pv_start)
                continue;
            return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                                "PVs %s and %s were both located in %s at byte %llu", a->id, b->id,
                                p->images[a->image].path, (unsigned long long)a->pv_start);
        }
    return 0;
}

/* ---- labels ----------------------------------------------------------------------- */

static int label_at(const lr_scan_t *scan, int image, uint64_t pv_start)
{
    for (size_t i = 0; i < scan->n_labels; i++)
        if (scan->labels[i].image == image && scan->labels[i].pv_start == pv_start)
            return (int)i;
    return -1;
}

static const char *locn_problem(const lr_disk_locn_t *m, uint64_t dev_size);

/* Why a label's metadata area list cannot be used as it is (malloc'd), or
 * NULL. No area at all is a valid list (pvcreate --metadatacopies 0). */
static char *label_list_problem(const lr_label_t *l, uint64_t bound)
{
    if (l->n_mda > 2)
        return dupf("its metadata area list has %zu entries (LVM2 writes at most 2)", l->n_mda);
    for (size_t i = 0; i < l->n_mda; i++) {
        const char *why = locn_problem(&l->mda[i], bound);
        if (why)
            return dupf("it lists metadata area %zu at byte %llu (%llu bytes), %s", i + 1,
                        (unsigned long long)l->mda[i].offset, (unsigned long long)l->mda[i].size,
                        why);
    }
    return NULL;
}

/* Keeps a label with the PV's UUID that validates and lists usable
 * metadata areas; anything else is rebuilt (pvcreate --uuid --restorefile
 * does the same by hand). */
static int decide_label(const lr_repair_plan_t *p, const lr_scan_t *scan, lr_repair_pv_t *pv,
                        lr_error_t *err)
{
    pv->scan_label = label_at(scan, pv->image, pv->pv_start);
    const lr_scan_label_t *l = pv->scan_label >= 0 ? &scan->labels[pv->scan_label] : NULL;
    if (l && strcmp(l->label.pv_uuid, pv->id_raw) == 0 && l->valid && l->label.crc_ok) {
        /* read as LVM2 reads them: on the device (rp_pv_bound) */
        uint64_t avail = pv_avail(p, pv), reach = lr_label_area_reach(&l->label);
        char *bad = label_list_problem(&l->label, reach < avail ? reach : avail);
        /* vgremove / vgreduce / pvremove cleared the "in use" flag: a PV of
         * the restored VG without it makes LVM2 warn on every command. */
        if (!bad && lr_label_lacks_used_flag(&l->label))
            bad = dupf("its in-use flag (PV_EXT_USED) is clear, as vgremove, vgreduce and pvremove "
                       "leave it: LVM2 warns about such a PV of a VG");
        if (!bad) {
            pv->label = l->label;
            return 0;
        }
        /* A label whose area list is damaged would keep pointing LVM2 and
         * the scanner at the wrong place: the areas found on the disk are
         * used instead, and the label rebuilt to list them. */
        pv->rebuild_label = true;
        pv->label_why = bad;
        return 0;
    }
    pv->rebuild_label = true;
    if (!l)
        pv->label_why = dupf("no label found");
    else if (strcmp(l->label.pv_uuid, pv->id_raw) != 0) {
        char other[LR_UUID_STR_LEN + 1];
        if (lr_uuid_format(l->label.pv_uuid, other, sizeof(other)) != 0)
            snprintf(other, sizeof(other), "%s", l->label.pv_uuid);
        pv->label_why =
            dupf("the label there carries PV UUID %s (the disk was re-initialised)", other);
    } else if (!l->label.crc_ok)
        pv->label_why = dupf("the label checksum is wrong");
    else
        pv->label_why = dupf("the label does not match the device (bad lists or sizes)");
    return pv->label_why ? 0 : lr_error_oom(err);
}

/* The label as LVM2's pvcreate writes it for this PV and these areas. */
static void build_label(const lr_scan_t *scan, lr_repair_pv_t *pv, const lr_pv_t *t,
                        const lr_disk_locn_t *mdas, size_t n_mda)
{
    lr_label_t *l = &pv->label;
    memset(l, 0, sizeof(*l));
    const lr_scan_label_t *old = pv->scan_label >= 0 ? &scan->labels[pv->scan_label] : NULL;
    l->sector = old && old->label.sector < LR_LABEL_SCAN_SECTORS ? old->label.sector : LABEL_SECTOR;
    l->offset = 32;
    memcpy(l->type, LR_LABEL_TYPE, 8);
    memcpy(l->pv_uuid, pv->id_raw, LR_PV_UUID_LEN);
    l->device_size = pv->dev_size;
    l->n_data = 1;
    l->data[0] = (lr_disk_locn_t){.offset = pv->pe_start, .size = 0};
    l->n_mda = n_mda;
    memcpy(l->mda, mdas, n_mda * sizeof(*mdas));
    l->has_ext = true;
    l->ext_version = 2;
    l->ext_flags = 1; /* PV_EXT_USED: the PV belongs to a VG */
    if (t->ba_size) {
        l->n_ba = 1;
        l->ba[0] = (lr_disk_locn_t){.offset = t->ba_start * LR_SECTOR_SIZE,
                                    .size = t->ba_size * LR_SECTOR_SIZE};
    }
}

/* ---- metadata area layout --------------------------------------------------------- */

typedef struct layout {
    size_t n;
    lr_disk_locn_t mda[2];
    const char *from; /* for messages */
    bool from_label;  /* the list of the label the PV keeps */
    bool invented;    /* mda[0] is LVM2's default area 1 with no header surviving there */
} layout_t;

/* LVM2 lays metadata areas out in whole sectors (pvcreate places them in
 * sectors, the header is one sector read at the area start, the ring is
 * 512-aligned), the first at 4096 after the label sectors (pvck: "offset
 * expected 4096 # for first mda"). An area list breaking that is damage. */
static const char *locn_problem(const lr_disk_locn_t *m, uint64_t dev_size)
{
    if (m->offset % LR_SECTOR_SIZE || m->size % LR_SECTOR_SIZE)
        return "not on 512-byte sector boundaries";
    if (m->offset < MDA1_START)
        return "before byte 4096 (over the label sectors)";
    if (m->size <= LR_MDA_HEADER_SIZE)
        return "too small for a header and a ring";
    if (m->offset > dev_size || m->size > dev_size - m->offset)
        return "past the end of the PV";
    return NULL;
}

static bool locn_fits(const lr_disk_locn_t *m, uint64_t dev_size)
{
    return locn_problem(m, dev_size) == NULL;
}

static bool layout_from_label(const lr_label_t *l, uint64_t bound, layout_t *out)
{
    if (l->n_mda == 0 || l->n_mda > 2)
        return false;
    for (size_t i = 0; i < l->n_mda; i++)
        if (!locn_fits(&l->mda[i], bound))
            return false;
    out->n = l->n_mda;
    memcpy(out->mda, l->mda, l->n_mda * sizeof(l->mda[0]));
    return true;
}

/* A header with the magic and a good checksum at this PV-relative start. */
static bool header_ok_at(lr_io_t *io, uint64_t pv_start, uint64_t start, uint64_t dev_size,
                         lr_mda_header_t *h)
{
    if (lr_mda_header_read(io, pv_start, start, h, NULL) != 0)
        return false;
    return lr_mda_header_validate(h, start, dev_size, NULL) == 0;
}

/* Without a usable label: LVM2's default layout from the metadata (area 1
 * at 4096 running up to pe_start), sized by a surviving header where there
 * is one, plus a second area at the end when its header survived. */
static void default_layout(const lr_scan_t *scan, lr_io_t *io, const lr_repair_pv_t *pv,
                           uint64_t bound, layout_t *out)
{
    out->n = 0;
    out->from = "LVM2's default layout (area 1 from 4096 up to pe_start)";
    lr_mda_header_t h;
    if (pv->pe_start > MDA1_START && header_ok_at(io, pv->pv_start, MDA1_START, bound, &h) &&
        h.size <= pv->pe_start - MDA1_START)
        out->mda[out->n++] = (lr_disk_locn_t){.offset = MDA1_START, .size = h.size};
    else if (pv->pe_start >= MDA1_START + 2 * LR_MDA_HEADER_SIZE &&
             pv->pe_start % LR_SECTOR_SIZE == 0) {
        out->mda[out->n++] =
            (lr_disk_locn_t){.offset = MDA1_START, .size = pv->pe_start - MDA1_START};
        out->invented = true;
    }
    for (size_t i = 0; i < scan->n_areas && out->n < 2; i++) {
        const lr_scan_area_t *a = &scan->areas[i];
        if (a->image != pv->image || a->pv_start != pv->pv_start || !a->header || !a->header_ok ||
            a->header->start < pv->pe_start || a->header->start <= MDA1_START)
            continue;
        lr_disk_locn_t m = {.offset = a->header->start, .size = a->header->size};
        if (locn_fits(&m, bound))
            out->mda[out->n++] = m;
    }
}

static void choose_layout(const lr_scan_t *scan, lr_io_t *io, const lr_repair_pv_t *pv,
                          uint64_t bound, layout_t *out)
{
    if (!pv->rebuild_label && layout_from_label(&pv->label, bound, out)) {
        out->from = "the PV's label";
        out->from_label = true;
        return;
    }
    const lr_scan_label_t *old = pv->scan_label >= 0 ? &scan->labels[pv->scan_label] : NULL;
    /* A label of another UUID on the same disk (re-initialised) still
     * describes the disk's layout when its data area agrees with pe_start. */
    if (old && old->label.n_data >= 1 && old->label.data[0].offset == pv->pe_start &&
        layout_from_label(&old->label, bound, out)) {
        out->from = "the label found on the disk";
        return;
    }
    default_layout(scan, io, pv, bound, out);
}

/* ---- areas ------------------------------------------------------------------------ */

/* The newest complete copy of this VG in the ring of the area at abs: what
 * a lost header's slot 0 pointed at, so the new copy goes after it instead
 * of over the oldest history at the ring start. */
static bool newest_copy_in(const lr_scan_t *scan, const char *vg_raw, int image, uint64_t abs,
                           uint64_t size, lr_raw_locn_t *out)
{
    int best = -1;
    for (size_t i = 0; i < scan->n_copies; i++) {
        const lr_scan_copy_t *c = &scan->copies[i];
        if (c->image != image || c->partial || !c->parse_ok || c->length == 0 ||
            strcmp(c->vg_id_raw, vg_raw) != 0 || c->offset < abs + LR_MDA_HEADER_SIZE ||
            c->offset >= abs + size || c->length > size - LR_MDA_HEADER_SIZE)
            continue;
        if (c->wrapped && c->wrap_offset != abs + LR_MDA_HEADER_SIZE)
            continue;
        if (best < 0 || c->seqno > scan->copies[best].seqno)
            best = (int)i;
    }
    if (best < 0)
        return false;
    const lr_scan_copy_t *c = &scan->copies[best];
    *out = (lr_raw_locn_t){.offset = c->offset - abs, .size = c->length, .checksum = c->crc};
    return true;
}

static char *slot_holds(const lr_scan_t *scan, int image, uint64_t abs, const lr_mda_header_t *h,
                        uint64_t *seqno, const char **vg_raw)
{
    const lr_raw_locn_t *c = lr_mda_committed(h);
    if (!c)
        return dupf("no committed copy");
    int idx = rp_copy_at(scan, image, abs + c->offset);
    if (idx < 0)
        return dupf("a copy of %llu bytes at area offset %llu that the scan did not read",
                    (unsigned long long)c->size, (unsigned long long)c->offset);
    const lr_scan_copy_t *cp = &scan->copies[idx];
    *seqno = cp->seqno;
    *vg_raw = cp->vg_id_raw;
    return dupf("VG %s seqno %llu (%llu bytes at area offset %llu)",
                cp->vg_name ? cp->vg_name : "?", (unsigned long long)cp->seqno,
                (unsigned long long)c->size, (unsigned long long)c->offset);
}

/* What a header whose checksum fails still commits (the scan believed
 * its slot 0: lr_scan_copy_t.committed_bad_header), in words; NULL when it
 * commits nothing or on no memory. */
static char *bad_header_holds(const lr_scan_t *scan, int scan_area)
{
    if (scan_area < 0)
        return NULL;
    const lr_scan_area_t *sa = &scan->areas[scan_area];
    if (sa->committed < 0 || !sa->header || !scan->copies[sa->committed].committed_bad_header)
        return NULL;
    const lr_scan_copy_t *cp = &scan->copies[sa->committed];
    const lr_raw_locn_t *l = &sa->header->locn[0];
    return dupf("VG %s seqno %llu (%llu bytes at area offset %llu) per the damaged header: its "
                "checksum is wrong (0x%08x stored, 0x%08x computed) and raw_locn[0].flags reads "
                "0x%x, but its slot 0 still points at this copy and the slot's checksum matches "
                "the text",
                cp->vg_name ? cp->vg_name : "?", (unsigned long long)cp->seqno,
                (unsigned long long)l->size, (unsigned long long)l->offset, sa->header->checksum,
                sa->header->checksum_calc, l->flags);
}

static lr_repair_area_t *new_area(lr_repair_plan_t *p, lr_error_t *err)
{
    lr_repair_area_t *a = realloc(p->areas, (p->n_areas + 1) * sizeof(*a));
    if (!a) {
        lr_error_oom(err);
        return NULL;
    }
    p->areas = a;
    a = &p->areas[p->n_areas++];
    memset(a, 0, sizeof(*a));
    return a;
}

/* Reads the header there: kept when it validates for the area as the PV
 * will carry it (the bytes every reader allows, the size the layout gives
 * the area), else rebuilt. */
static int header_state(const lr_repair_plan_t *p, lr_repair_area_t *a, lr_io_t *io,
                        const lr_repair_pv_t *pv, const lr_disk_locn_t *m, lr_error_t *err)
{
    lr_error_t e;
    lr_error_clear(&e);
    lr_mda_header_t h;
    uint64_t start = m->offset;
    int rc = lr_mda_header_read(io, pv->pv_start, start, &h, &e);
    if (rc == 0)
        rc = lr_mda_header_validate(&h, start, rp_pv_bound(p, pv), &e);
    if (rc == 0 && h.size != m->size)
        rc = lr_error_set(
            &e, LR_EFORMAT, LR_NO_OFFSET, "it says the area is %llu bytes, %s says %llu",
            (unsigned long long)h.size, pv->rebuild_label ? "the layout" : "the label",
            (unsigned long long)m->size);
    if (rc == 0) {
        a->before = h;
        return 0;
    }
    if (rc < 0 && rc > LR_ENOTFOUND) /* errno values: an I/O error, not damage */
        return lr_error_at(err, e.where, rc, e.offset, "%s", e.msg);
    a->rebuild_header = true;
    if (rc == LR_ENOTFOUND)
        a->why = dupf("no metadata area header");
    else if (rc == LR_ECHECKSUM)
        a->why = dupf("the header checksum is wrong");
    else
        a->why = dupf("the header does not match the area: %s", e.msg);
    return a->why ? 0 : lr_error_oom(err);
}

static int add_area(lr_repair_plan_t *p, const lr_scan_t *scan, lr_io_t *io, size_t pvi,
                    int mda_index, const lr_disk_locn_t *m, lr_error_t *err)
{
    lr_repair_pv_t *pv = &p->pvs[pvi];
    uint64_t abs = pv->pv_start + m->offset;
    if (abs < pv->pv_start || abs > p->images[pv->image].size ||
        m->size > p->images[pv->image].size - abs)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "metadata area %d of PV %s (at %llu, %llu bytes) runs past the end "
                            "of %s (truncated image?)",
                            mda_index + 1, pv->id, (unsigned long long)abs,
                            (unsigned long long)m->size, p->images[pv->image].path);
    lr_repair_area_t *a = new_area(p, err);
    if (!a)
        return -ENOMEM;
    a->pv = (int)pvi;
    a->image = pv->image;
    a->offset = abs;
    a->size = m->size;
    a->mda_index = mda_index;
    a->scan_area = lr_scan_find_area(scan, pv->image, abs);
    int rc = header_state(p, a, io, pv, m, err);
    if (rc)
        return rc;
    if (a->rebuild_header) {
        a->before = (lr_mda_header_t){
            .version = LR_MDA_VERSION, .start = m->offset, .size = m->size, .checksum_ok = true};
        const char *raw = scan->vgs[p->vg].id_raw;
        if (newest_copy_in(scan, raw, pv->image, abs, m->size, &a->before.locn[0]))
            a->before.n_locn = 1;
    }
    uint64_t seqno = 0;
    const char *owner = NULL;
    a->holds = slot_holds(scan, pv->image, abs, &a->before, &seqno, &owner);
    if (!a->holds)
        return lr_error_oom(err);
    if (a->rebuild_header) {
        /* Nothing is committed without a header; say what the ring holds,
         * and what a damaged header still says. */
        char *h = bad_header_holds(scan, a->scan_area);
        if (!h)
            h = dupf("nothing (no valid header); newest copy of this VG in the ring: %s",
                     a->before.n_locn ? a->holds : "none");
        free(a->holds);
        a->holds = h;
        if (!h)
            return lr_error_oom(err);
    }
    if (owner && strcmp(owner, scan->vgs[p->vg].id_raw) == 0 && seqno > pv->newest_seqno)
        pv->newest_seqno = seqno;
    if (owner && strcmp(owner, scan->vgs[p->vg].id_raw) != 0 && !a->rebuild_header &&
        rp_note(p,
                "the metadata area at byte %llu of %s holds %s now: that VG will no longer "
                "be found on this PV",
                (unsigned long long)abs, p->images[pv->image].path, a->holds))
        return lr_error_oom(err);
    uint64_t max = lr_mda_max_text(a->size);
    if (p->text_size > max)
        return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                            "the text (%llu bytes) does not fit the metadata area at byte %llu "
                            "of %s (at most %llu bytes)",
                            (unsigned long long)p->text_size, (unsigned long long)abs,
                            p->images[pv->image].path, (unsigned long long)max);
    return 0;
}

/* An area whose committed slot is flagged ignored (pvchange
 * --metadataignore y) is not written, as LVM2 does not write it. */
static bool area_ignored(const lr_repair_area_t *a)
{
    return !a->rebuild_header && a->before.n_locn > 0 &&
           (a->before.locn[0].flags & LR_RAW_LOCN_IGNORED);
}

/* Every known version of the VG, parsed (those whose copy reads and
 * parses), and the version restored: a metadata area is written only when
 * none of them has user data where it lies. */
typedef struct versions {
    lr_vg_t **vgs;
    size_t n;
    const lr_vg_t *restored;
} versions_t;

static int load_versions(const lr_repair_plan_t *p, const lr_scan_session_t *session,
                         const lr_vg_t *restored, versions_t *v, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    const lr_scan_vg_t *g = &scan->vgs[p->vg];
    v->restored = restored;
    v->n = 0;
    v->vgs = calloc(g->n_versions ? g->n_versions : 1, sizeof(*v->vgs));
    if (!v->vgs)
        return lr_error_oom(err);
    for (size_t k = 0; k < g->n_versions; k++) {
        int copy = lr_scan_version_copy(scan, (size_t)p->vg, k);
        if (copy >= 0 && lr_scan_copy_vg(session, (size_t)copy, &v->vgs[v->n], NULL) == 0)
            v->n++;
    }
    return 0;
}

static void versions_free(versions_t *v)
{
    for (size_t i = 0; i < v->n; i++)
        lr_vg_free(v->vgs[i]);
    free(v->vgs);
}

static bool area_hits_data(const versions_t *v, const lr_repair_pv_t *pv, const lr_repair_area_t *a)
{
    uint64_t rel = a->offset - pv->pv_start;
    if (lr_pv_range_hits_data(v->restored, pv->id_raw, rel, a->size))
        return true;
    for (size_t i = 0; i < v->n; i++)
        if (lr_pv_range_hits_data(v->vgs[i], pv->id_raw, rel, a->size))
            return true;
    return false;
}

/* Drops the area just added when it is not to be written: marked ignored
 * (LVM2 does not write it), or running over user data (a damaged or
 * hostile label or header: reported, never written). */
static int drop_unwritable(lr_repair_plan_t *p, const versions_t *v, const lr_repair_pv_t *pv,
                           size_t i, lr_error_t *err)
{
    lr_repair_area_t *a = &p->areas[p->n_areas - 1];
    bool ignored = area_ignored(a), data = !ignored && area_hits_data(v, pv, a);
    if (!ignored && !data)
        return 0;
    uint64_t rel = a->offset - pv->pv_start, end = rel + a->size - 1;
    p->n_areas--;
    free(a->why);
    free(a->holds);
    int rc = ignored ? rp_note(p, "metadata area %zu of PV %s is marked ignored: not written",
                               i + 1, pv->id)
                     : rp_note(p,
                               "metadata area %zu of PV %s (bytes %llu..%llu of the PV) runs "
                               "over the PV's data (pe_start %llu or an LV's extents of some "
                               "version): damaged, not written",
                               i + 1, pv->id, (unsigned long long)rel, (unsigned long long)end,
                               (unsigned long long)pv->pe_start);
    return rc ? lr_error_oom(err) : 0;
}

static int plan_pv_areas(lr_repair_plan_t *p, const lr_scan_t *scan, lr_io_t *io, size_t pvi,
                         const lr_pv_t *t, const versions_t *v, lr_error_t *err)
{
    lr_repair_pv_t *pv = &p->pvs[pvi];
    layout_t lay = {0};
    choose_layout(scan, io, pv, rp_pv_bound(p, pv), &lay);
    if (!pv->rebuild_label && !lay.from_label) {
        /* The kept label lists no metadata area (a valid label has a usable
         * list or none: decide_label). Such a PV (pvcreate
         * --metadatacopies 0) gets no area, unless headers survive on it:
         * then the label lost its list, and is rebuilt to list them, so
         * that LVM2 and the scanner find the areas written. */
        if (lay.invented) {
            memmove(&lay.mda[0], &lay.mda[1], (lay.n - 1) * sizeof(lay.mda[0]));
            lay.n--;
            lay.invented = false;
        }
        if (lay.n) {
            pv->rebuild_label = true;
            pv->label_why = dupf("it lists no metadata area, but an area header survives at "
                                 "byte %llu of the PV",
                                 (unsigned long long)lay.mda[0].offset);
            if (!pv->label_why)
                return lr_error_oom(err);
        } else {
            lay.from = "its label lists none";
        }
    }
    if (pv->rebuild_label)
        build_label(scan, pv, t, lay.mda, lay.n);
    pv->first_area = p->n_areas;
    for (size_t i = 0; i < lay.n; i++) {
        int rc = add_area(p, scan, io, pvi, (int)i, &lay.mda[i], err);
        if (!rc)
            rc = drop_unwritable(p, v, pv, i, err);
        if (rc)
            return rc;
    }
    pv->n_areas = p->n_areas - pv->first_area;
    if (lay.n == 0 &&
        rp_note(p, "PV %s has no metadata area (%s): %s", pv->id,
                lay.from ? lay.from : "none found",
                pv->rebuild_label ? "only its label is written" : "nothing is written to it"))
        return lr_error_oom(err);
    return 0;
}

/* The PV's size for the checks and a rebuilt label is the metadata's
 * dev_size. Without one (early LVM2 did not write it) LVM2 takes the size
 * of the device, and so does the plan: the bytes of the image from the PV
 * start. A dev_size of 0 or too small for the PV's extents failed
 * lr_vg_check; with --force it is replaced the same way (a note says so;
 * the text keeps its dev_size). */
static int fix_dev_size(lr_repair_plan_t *p, lr_repair_pv_t *pv, const lr_pv_t *t,
                        const lr_vg_t *vg, const lr_repair_opts_t *o, lr_error_t *err)
{
    bool present = lr_cfg_find(t->node, "dev_size") != NULL;
    if (present && lr_pv_extents_fit(vg, t))
        return 0;
    uint64_t avail = p->images[pv->image].size - pv->pv_start;
    int rc;
    if (!present)
        rc = rp_note(p,
                     "PV %s: the metadata gives no dev_size (written by an early LVM2); the "
                     "%llu bytes its image holds from the PV start are used, as LVM2 uses the "
                     "device size",
                     pv->id, (unsigned long long)avail);
    else if (!o->force) /* lr_vg_check refused it already */
        return lr_error_refuse(err, LR_HINT_FORCE,
                               "PV %s: dev_size %llu sectors cannot hold its data area "
                               "(forcing uses the size of its image instead)",
                               pv->id, (unsigned long long)t->dev_size);
    else {
        p->forced = true;
        rc = rp_note(p,
                     "forced: PV %s: dev_size %llu sectors in the metadata cannot hold its data "
                     "area (pe_start %llu + %llu extents of %llu sectors); the %llu bytes its "
                     "image holds from the PV start are used instead, as LVM2 does for a "
                     "missing size (the text keeps its dev_size)",
                     pv->id, (unsigned long long)t->dev_size, (unsigned long long)t->pe_start,
                     (unsigned long long)t->pe_count, (unsigned long long)vg->extent_size,
                     (unsigned long long)avail);
    }
    pv->dev_size = avail;
    return rc ? lr_error_oom(err) : 0;
}

/* The PV's size in bytes by the VG's newest version, 0 when that version
 * does not list it. */
static uint64_t newest_pv_size(const lr_repair_plan_t *p, const lr_scan_t *scan,
                               const lr_repair_pv_t *pv)
{
    const lr_scan_vg_t *g = &scan->vgs[p->vg];
    for (size_t i = 0; i < g->n_pvs; i++)
        if (strcmp(g->pvs[i].id_raw, pv->id_raw) == 0)
            return g->pvs[i].dev_size > UINT64_MAX / LR_SECTOR_SIZE
                       ? UINT64_MAX
                       : g->pvs[i].dev_size * LR_SECTOR_SIZE;
    return 0;
}

/* Refusals and notes about one present PV's size and layout. */
static int check_pv(lr_repair_plan_t *p, const lr_scan_t *scan, lr_repair_pv_t *pv,
                    const lr_repair_opts_t *o, lr_error_t *err)
{
    uint64_t avail = p->images[pv->image].size - pv->pv_start;
    uint64_t now = newest_pv_size(p, scan, pv);
    if (pv->dev_size > avail && now && now <= avail && !o->force)
        /* the image is whole: the PV was made smaller since (pvresize) */
        return lr_error_refuse(err, LR_HINT_FORCE,
                               "PV %s is %llu bytes in seqno %llu, but the newest version gives "
                               "it %llu and only %llu bytes of %s follow its start: the PV was "
                               "shrunk since (pvresize); restoring seqno %llu gives it back its "
                               "old size, larger than the device (bringing back single LVs "
                               "into the newest version keeps the new size)",
                               pv->id, (unsigned long long)pv->dev_size,
                               (unsigned long long)p->seqno, (unsigned long long)now,
                               (unsigned long long)avail, p->images[pv->image].path,
                               (unsigned long long)p->seqno);
    if (pv->dev_size > avail) {
        if (!o->force)
            return lr_error_refuse(err, LR_HINT_FORCE,
                                   "PV %s is %llu bytes by the metadata but only %llu bytes of %s "
                                   "follow its start (truncated image?)",
                                   pv->id, (unsigned long long)pv->dev_size,
                                   (unsigned long long)avail, p->images[pv->image].path);
        p->forced = true;
        if (rp_note(p, "forced: PV %s is larger than what its image holds", pv->id))
            return lr_error_oom(err);
    }
    if (!pv->rebuild_label && pv->label.n_data >= 1 && pv->label.data[0].offset != pv->pe_start &&
        rp_note(p,
                "PV %s: the label's data area starts at %llu but the metadata says pe_start "
                "%llu; the label is kept",
                pv->id, (unsigned long long)pv->label.data[0].offset,
                (unsigned long long)pv->pe_start))
        return lr_error_oom(err);
    return 0;
}

/* Refuses (or notes, forced) writing a PV another VG now owns: both VGs
 * would then claim it and allocate its extents twice. */
static int check_moved(lr_repair_plan_t *p, const lr_scan_t *scan, const lr_repair_pv_t *pv,
                       const lr_repair_opts_t *o, lr_error_t *err)
{
    /* the loose question: one area committing the other VG is enough */
    bool partly = false;
    int other =
        p->vg < 0 ? -1 : lr_scan_pv_moved_to(scan, (size_t)p->vg, pv->id_raw, NULL, &partly);
    if (other < 0)
        return 0;
    const lr_scan_vg_t *ovg = &scan->vgs[other];
    const char *name = ovg->name ? ovg->name : ovg->id;
    if (!o->force)
        return lr_error_refuse(err, LR_HINT_FORCE,
                               "PV %s (%s at byte %llu) now belongs to VG %s (%s): its metadata "
                               "area commits that VG's version, which lists the PV (moved by "
                               "vgsplit or vgmerge?); restoring would give it to two VGs",
                               pv->id, p->images[pv->image].path, (unsigned long long)pv->pv_start,
                               name, ovg->id);
    p->forced = true;
    if (rp_note(p, "forced: PV %s now belongs to VG %s too; both VGs claim it", pv->id, name))
        return lr_error_oom(err);
    return 0;
}

/* PVs the newest version has but the restored one does not keep their
 * (older) metadata; say so, and what LVM2 makes of them: it reports each
 * as an outdated PV of the VG, with inconsistent metadata, until its
 * vgck --updatemetadata wipes that metadata (the PV is then unused; the
 * engine names no option, LVM2's own warning does). */
static int note_dropped_pvs(lr_repair_plan_t *p, const lr_scan_t *scan)
{
    const lr_scan_vg_t *svg = &scan->vgs[p->vg];
    for (size_t i = 0; i < svg->n_pvs; i++) {
        const lr_scan_vg_pv_t *s = &svg->pvs[i];
        bool kept = false;
        for (size_t j = 0; j < p->n_pvs && !kept; j++)
            kept = strcmp(p->pvs[j].id_raw, s->id_raw) == 0;
        if (!kept && s->found != LR_SCAN_PV_MISSING &&
            rp_note(p,
                    "PV %s belongs to the newest version but not to the restored one: its "
                    "metadata is left as it is; LVM2 then reports it as an outdated PV of VG %s "
                    "(inconsistent metadata) until LVM2's vgck, with the option its warning "
                    "names, wipes that metadata and leaves it an unused PV",
                    s->id, p->vg_name))
            return -ENOMEM;
    }
    return 0;
}

static int note_stale(lr_repair_plan_t *p)
{
    for (size_t i = 0; i < p->n_pvs; i++) {
        const lr_repair_pv_t *pv = &p->pvs[i];
        if (pv->missing || !pv->newest_seqno || pv->newest_seqno >= p->max_seqno)
            continue;
        if (rp_note(p,
                    "PV %s (%s at byte %llu) is stale: its newest copy is seqno %llu, the "
                    "VG's is %llu; it gets the restored version too",
                    pv->id, p->images[pv->image].path, (unsigned long long)pv->pv_start,
                    (unsigned long long)pv->newest_seqno, (unsigned long long)p->max_seqno))
            return -ENOMEM;
    }
    return 0;
}

int rp_plan_pvs(lr_repair_plan_t *p, const lr_scan_session_t *session, lr_io_t *const *rio,
                const lr_vg_t *vg, const lr_repair_opts_t *o, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    p->pvs = calloc(vg->n_pvs ? vg->n_pvs : 1, sizeof(*p->pvs));
    if (!p->pvs)
        return lr_error_oom(err);
    p->n_pvs = vg->n_pvs;
    int rc = 0;
    for (size_t i = 0; i < vg->n_pvs && !rc; i++) {
        rc = init_pv(&p->pvs[i], &vg->pvs[i], err);
        if (!rc)
            rc = locate(p, scan, &p->pvs[i], err);
        if (!rc && p->pvs[i].missing)
            rc = last_seen(p, session, &p->pvs[i], err);
    }
    if (!rc)
        rc = check_no_shared_location(p, err);
    if (!rc)
        rc = refuse_missing(p, o, err);
    versions_t known = {0};
    if (!rc)
        rc = load_versions(p, session, vg, &known, err);
    for (size_t i = 0; i < p->n_pvs && !rc; i++) {
        lr_repair_pv_t *pv = &p->pvs[i];
        if (pv->missing)
            continue;
        rc = fix_dev_size(p, pv, &vg->pvs[i], vg, o, err);
        if (!rc)
            rc = decide_label(p, scan, pv, err);
        if (!rc)
            rc = check_pv(p, scan, pv, o, err);
        if (!rc)
            rc = check_moved(p, scan, pv, o, err);
        if (!rc)
            rc = plan_pv_areas(p, scan, rio[pv->image], i, &vg->pvs[i], &known, err);
    }
    versions_free(&known);
    if (!rc && p->n_areas == 0)
        rc = lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                          "no metadata area of VG %s can be written among the images", p->vg_name);
    if (!rc && (note_stale(p) || note_dropped_pvs(p, scan)))
        rc = lr_error_oom(err);
    return rc;
}
