/* Free physical extents of a PV and first-fit allocation over them. */
#include "lr/vgedit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int cmp_range(const void *a, const void *b)
{
    const lr_vgedit_range_t *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Every PV area of every decoded segment on PV index pv. */
static int used_ranges(const lr_vg_t *vg, size_t pv, lr_vgedit_range_t **out, size_t *n,
                       lr_error_t *err)
{
    size_t cap = 0, cnt = 0;
    lr_vgedit_range_t *r = NULL;
    lr_pv_area_t pa;
    for (lr_pv_area_iter_t it = lr_pv_areas(vg); lr_pv_area_next(&it, &pa);) {
        if (pa.pv != pv)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            lr_vgedit_range_t *nr = realloc(r, cap * sizeof(*r));
            if (!nr) {
                free(r);
                return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
            }
            r = nr;
        }
        r[cnt++] = (lr_vgedit_range_t){pa.start, pa.len};
    }
    *out = r;
    *n = cnt;
    return 0;
}

/* The complement of the sorted used ranges within [0, pe_count): at most
 * n_used + 1 pieces. */
static int complement(const lr_vgedit_range_t *used, size_t n_used, uint64_t pe_count,
                      const char *pv_key, lr_vgedit_range_t **out, size_t *n, lr_error_t *err)
{
    lr_vgedit_range_t *fr = malloc((n_used + 1) * sizeof(*fr));
    if (!fr)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    size_t cnt = 0;
    uint64_t pos = 0;
    for (size_t i = 0; i < n_used; i++) {
        uint64_t end = used[i].start + used[i].count;
        if (end < used[i].start || end > pe_count) {
            free(fr);
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "PV %s: extents %" PRIu64 "..%" PRIu64
                                " are used but the PV has only %" PRIu64,
                                pv_key, used[i].start, end - 1, pe_count);
        }
        if (used[i].start > pos)
            fr[cnt++] = (lr_vgedit_range_t){pos, used[i].start - pos};
        if (end > pos)
            pos = end;
    }
    if (pos < pe_count)
        fr[cnt++] = (lr_vgedit_range_t){pos, pe_count - pos};
    if (!cnt) {
        free(fr);
        fr = NULL;
    }
    *out = fr;
    *n = cnt;
    return 0;
}

int lr_vgedit_free_ranges(const lr_vg_t *vg, size_t pv, lr_vgedit_range_t **out, size_t *n,
                          lr_error_t *err)
{
    *out = NULL;
    *n = 0;
    if (pv >= vg->n_pvs)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no PV index %zu in the VG", pv);
    lr_vgedit_range_t *used = NULL;
    size_t n_used = 0;
    int rc = used_ranges(vg, pv, &used, &n_used, err);
    if (rc)
        return rc;
    if (n_used)
        qsort(used, n_used, sizeof(*used), cmp_range);
    rc = complement(used, n_used, vg->pvs[pv].pe_count, vg->pvs[pv].key, out, n, err);
    free(used);
    return rc;
}

uint64_t lr_vgedit_range_total(const lr_vgedit_range_t *ranges, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += ranges[i].count;
    return t;
}

/* Moves up to want extents from the front of *r into out[*n]. */
static uint64_t take(lr_vgedit_range_t *r, uint64_t want, lr_vgedit_range_t *out, size_t *n)
{
    uint64_t got = r->count < want ? r->count : want;
    if (!got)
        return 0;
    out[(*n)++] = (lr_vgedit_range_t){r->start, got};
    r->start += got;
    r->count -= got;
    return got;
}

int lr_vgedit_alloc(const lr_vgedit_range_t *free_ranges, size_t n_free, uint64_t count,
                    uint64_t prefer, lr_vgedit_range_t **out, size_t *n_out, lr_error_t *err)
{
    *out = NULL;
    *n_out = 0;
    if (count == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "cannot allocate 0 extents");
    uint64_t total = lr_vgedit_range_total(free_ranges, n_free);
    if (total < count)
        return lr_error_refuse(
            err, 0, "not enough free space: %" PRIu64 " extents needed, %" PRIu64 " free", count,
            total);
    /* Work on a copy so the caller's list stays as it was; one piece per
     * range at most, plus the preferred one. */
    lr_vgedit_range_t *fr = malloc(n_free * sizeof(*fr));
    lr_vgedit_range_t *pieces = malloc((n_free + 1) * sizeof(*pieces));
    if (!fr || !pieces) {
        free(fr);
        free(pieces);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    memcpy(fr, free_ranges, n_free * sizeof(*fr));
    size_t n = 0;
    uint64_t left = count;
    for (size_t i = 0; prefer != UINT64_MAX && i < n_free && left; i++)
        if (fr[i].start == prefer)
            left -= take(&fr[i], left, pieces, &n);
    for (size_t i = 0; i < n_free && left; i++)
        if (fr[i].count >= left)
            left -= take(&fr[i], left, pieces, &n);
    for (size_t i = 0; i < n_free && left; i++)
        left -= take(&fr[i], left, pieces, &n);
    free(fr);
    *out = pieces;
    *n_out = n;
    return 0;
}
