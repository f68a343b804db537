/* Two typed views compared value by value (view_diff.h). */
#include "view_diff.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct vd {
    char *buf;
    size_t len;
    bool differ;
} vd_t;

/* Records the first difference only: the one a reader looks for. */
static bool vd_at(vd_t *d, const char *where, const char *what)
{
    if (!d->differ)
        snprintf(d->buf, d->len, "%s%s", where, what);
    d->differ = true;
    return false;
}

static bool vd_str(vd_t *d, const char *where, const char *what, const char *a, const char *b)
{
    if (!a || !b)
        return a == b || vd_at(d, where, what);
    return strcmp(a, b) == 0 || vd_at(d, where, what);
}

static bool vd_u64(vd_t *d, const char *where, const char *what, unsigned long long a,
                   unsigned long long b)
{
    return a == b || vd_at(d, where, what);
}

static bool vd_list(vd_t *d, const char *where, const char *what, const lr_strlist_t *a,
                    const lr_strlist_t *b)
{
    if (a->n != b->n)
        return vd_at(d, where, what);
    for (size_t i = 0; i < a->n; i++)
        if (!vd_str(d, where, what, a->v[i], b->v[i]))
            return false;
    return true;
}

static bool vd_seg(vd_t *d, const char *where, const lr_seg_t *a, const lr_seg_t *b)
{
    bool same = vd_str(d, where, " key", a->key, b->key) &&
                vd_str(d, where, " type", a->type, b->type) &&
                vd_u64(d, where, " start_extent", a->start_extent, b->start_extent) &&
                vd_u64(d, where, " extent_count", a->extent_count, b->extent_count) &&
                vd_u64(d, where, " known", a->known, b->known) &&
                vd_u64(d, where, " stripe_count", a->stripe_count, b->stripe_count) &&
                vd_u64(d, where, " stripe_size", a->stripe_size, b->stripe_size) &&
                vd_u64(d, where, " data_copies", a->data_copies, b->data_copies) &&
                vd_u64(d, where, " n_areas", a->n_areas, b->n_areas);
    for (size_t r = 0; same && r < a->n_areas; r++) {
        char w[96];
        snprintf(w, sizeof(w), "%s areas[%zu]", where, r);
        const lr_seg_area_t *x = &a->areas[r], *y = &b->areas[r];
        same = vd_str(d, w, " name", x->name, y->name) &&
               vd_u64(d, w, " start", x->start, y->start) &&
               vd_u64(d, w, " pv_index", (unsigned long long)x->pv_index,
                      (unsigned long long)y->pv_index) &&
               vd_u64(d, w, " meta", x->meta, y->meta);
    }
    return same;
}

static bool vd_lv(vd_t *d, const char *where, const lr_lv_t *a, const lr_lv_t *b)
{
    bool same = vd_str(d, where, " name", a->name, b->name) &&
                vd_str(d, where, " id", a->id, b->id) &&
                vd_str(d, where, " raw_id", a->raw_id, b->raw_id) &&
                vd_list(d, where, " status", &a->status, &b->status) &&
                vd_list(d, where, " flags", &a->flags, &b->flags) &&
                vd_list(d, where, " tags", &a->tags, &b->tags) &&
                vd_str(d, where, " creation_host", a->creation_host, b->creation_host) &&
                vd_u64(d, where, " creation_time", (unsigned long long)a->creation_time,
                       (unsigned long long)b->creation_time) &&
                vd_u64(d, where, " visible", a->visible, b->visible) &&
                vd_u64(d, where, " extent_count", a->extent_count, b->extent_count) &&
                vd_u64(d, where, " n_segs", a->n_segs, b->n_segs);
    for (size_t s = 0; same && s < a->n_segs; s++) {
        char w[64];
        snprintf(w, sizeof(w), "%s segs[%zu]", where, s);
        same = vd_seg(d, w, &a->segs[s], &b->segs[s]);
    }
    return same;
}

static bool vd_pv(vd_t *d, const char *where, const lr_pv_t *a, const lr_pv_t *b)
{
    return vd_str(d, where, " key", a->key, b->key) && vd_str(d, where, " id", a->id, b->id) &&
           vd_str(d, where, " raw_id", a->raw_id, b->raw_id) &&
           vd_str(d, where, " device", a->device, b->device) &&
           vd_list(d, where, " status", &a->status, &b->status) &&
           vd_list(d, where, " flags", &a->flags, &b->flags) &&
           vd_list(d, where, " tags", &a->tags, &b->tags) &&
           vd_u64(d, where, " dev_size", a->dev_size, b->dev_size) &&
           vd_u64(d, where, " pe_start", a->pe_start, b->pe_start) &&
           vd_u64(d, where, " pe_count", a->pe_count, b->pe_count) &&
           vd_u64(d, where, " ba_start", a->ba_start, b->ba_start) &&
           vd_u64(d, where, " ba_size", a->ba_size, b->ba_size);
}

static bool vd_vg(vd_t *d, const lr_vg_t *a, const lr_vg_t *b)
{
    bool same = vd_str(d, "vg", " name", a->name, b->name) &&
                vd_str(d, "vg", " id", a->id, b->id) &&
                vd_str(d, "vg", " raw_id", a->raw_id, b->raw_id) &&
                vd_u64(d, "vg", " seqno", a->seqno, b->seqno) &&
                vd_str(d, "vg", " format", a->format, b->format) &&
                vd_list(d, "vg", " status", &a->status, &b->status) &&
                vd_list(d, "vg", " flags", &a->flags, &b->flags) &&
                vd_list(d, "vg", " tags", &a->tags, &b->tags) &&
                vd_u64(d, "vg", " extent_size", a->extent_size, b->extent_size) &&
                vd_u64(d, "vg", " max_lv", a->max_lv, b->max_lv) &&
                vd_u64(d, "vg", " max_pv", a->max_pv, b->max_pv) &&
                vd_u64(d, "vg", " metadata_copies", a->metadata_copies, b->metadata_copies) &&
                vd_str(d, "vg", " contents", a->contents, b->contents) &&
                vd_u64(d, "vg", " version", (unsigned long long)a->version,
                       (unsigned long long)b->version) &&
                vd_str(d, "vg", " description", a->description, b->description) &&
                vd_str(d, "vg", " creation_host", a->creation_host, b->creation_host) &&
                vd_u64(d, "vg", " creation_time", (unsigned long long)a->creation_time,
                       (unsigned long long)b->creation_time) &&
                vd_u64(d, "vg", " n_pvs", a->n_pvs, b->n_pvs) &&
                vd_u64(d, "vg", " n_lvs", a->n_lvs, b->n_lvs);
    for (size_t i = 0; same && i < a->n_pvs; i++) {
        char w[32];
        snprintf(w, sizeof(w), "pvs[%zu]", i);
        same = vd_pv(d, w, &a->pvs[i], &b->pvs[i]);
    }
    for (size_t i = 0; same && i < a->n_lvs; i++) {
        char w[32];
        snprintf(w, sizeof(w), "lvs[%zu]", i);
        same = vd_lv(d, w, &a->lvs[i], &b->lvs[i]);
    }
    return same;
}

const char *lr_test_view_diff(const lr_vg_t *a, const lr_vg_t *b, char *buf, size_t len)
{
    vd_t d = {buf, len, false};
    return vd_vg(&d, a, b) ? NULL : buf;
}
