/* Metadata copies: recording signature hits, reading each copy's text the
 * way pvck does inside a metadata area (to its NUL, wrapping back to area
 * offset 512 and stopping at the first copy found), reading committed copies
 * from their raw_locn, and flagging partial copies. */
#include "scan_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "lr/btrfs.h"
#include "lr/crc.h"
#include "lr/extfs.h"
#include "lr/xfs.h"

typedef sc_tbuf_t tbuf_t;

int sc_tbuf_reserve(tbuf_t *b, size_t more, lr_error_t *err)
{
    if (b->n + more + 1 <= b->cap)
        return 0;
    return sc_grow((void **)&b->p, &b->cap, b->n + more + 1, 1, err);
}

/* ---- recording --------------------------------------------------------- */

int sc_add_copy(sc_ctx_t *c, int image, uint64_t off, const sc_sig_t *sig, unsigned source)
{
    lr_scan_t *s = c->scan;
    if (s->n_copies >= c->opts.max_copies) {
        s->truncated = true;
        return 0;
    }
    int rc =
        sc_grow((void **)&s->copies, &c->cap_copies, s->n_copies + 1, sizeof(*s->copies), c->err);
    if (rc)
        return rc;
    lr_scan_copy_t *cp = &s->copies[s->n_copies];
    memset(cp, 0, sizeof(*cp));
    cp->image = image;
    cp->offset = off;
    cp->source = source;
    cp->area = -1;
    cp->wrap_offset = LR_SCAN_UNKNOWN;
    cp->n_lvs = -1;
    cp->n_pvs = -1;
    cp->vg = -1;
    cp->version = -1;
    if (sig) {
        cp->vg_name = sc_strdup(sig->name);
        if (!cp->vg_name)
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        sc_set_vg_id(cp, sig->id);
        cp->seqno = sig->seqno;
    }
    s->n_copies++;
    return 0;
}

void sc_copy_free(lr_scan_copy_t *cp)
{
    sc_copy_clear_text_fields(cp);
    free(cp->vg_name);
    free(cp->pieces);
    cp->vg_name = NULL;
    cp->pieces = NULL;
    cp->n_pieces = 0;
}

void sc_copy_clear_text_fields(lr_scan_copy_t *cp)
{
    free(cp->parse_error);
    free(cp->creation_host);
    free(cp->description);
    free(cp->pv_ids);
    cp->pv_ids = NULL;
    cp->parse_error = NULL;
    cp->creation_host = NULL;
    cp->description = NULL;
    cp->creation_time = 0;
    cp->section_crc = 0;
    cp->section_start_crc = 0;
    cp->section_start_len = 0;
    cp->ends_whole = false;
    cp->parse_ok = false;
    cp->unreadable = false;
    cp->n_lvs = -1;
    cp->n_pvs = -1;
}

static int cmp_copy(const void *a, const void *b)
{
    const lr_scan_copy_t *x = a, *y = b;
    if (x->image != y->image)
        return x->image < y->image ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return 0;
}

void sc_sort_copies(lr_scan_t *s)
{
    if (s->n_copies > 1)
        qsort(s->copies, s->n_copies, sizeof(*s->copies), cmp_copy);
}

/* First of the first n copies (sorted) at or after (image, off). */
static size_t lower_bound_n(const lr_scan_t *s, size_t n, int image, uint64_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lr_scan_copy_t *m = &s->copies[mid];
        if (m->image < image || (m->image == image && m->offset < off))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t lower_bound(const lr_scan_t *s, int image, uint64_t off)
{
    return lower_bound_n(s, s->n_copies, image, off);
}

int sc_copy_find(const lr_scan_t *s, int image, uint64_t off)
{
    size_t i = lower_bound(s, image, off);
    if (i < s->n_copies && s->copies[i].image == image && s->copies[i].offset == off)
        return (int)i;
    return -1;
}

/* Offset of the first signature copy of `image` in [from, to), or `to`. */
static uint64_t next_signature(const lr_scan_t *s, int image, uint64_t from, uint64_t to)
{
    for (size_t i = lower_bound(s, image, from); i < s->n_copies; i++) {
        const lr_scan_copy_t *cp = &s->copies[i];
        if (cp->image != image || cp->offset >= to)
            break;
        if (cp->source & LR_SCAN_COPY_SIGNATURE)
            return cp->offset;
    }
    return to;
}

/* ---- reading ----------------------------------------------------------- */

bool sc_unreadable(sc_ctx_t *c, int image, int rc, uint64_t off, uint64_t len, uint64_t *bad_end)
{
    uint64_t start = 0, end = 0;
    if (rc == 0 || rc == -ENOMEM || rc == -ECANCELED || image < 0)
        return false;
    if (lr_io_bad_range(c->ios[image], off, &start, &end) == 1 && start < off + len && end > off) {
        if (bad_end)
            *bad_end = end;
        return true;
    }
    if (!(c->opts.flags & LR_SCAN_KEEP_GOING))
        return false;
    lr_error_t e = c->err ? *c->err : (lr_error_t){.code = rc};
    if (!e.where[0])
        lr_error_wrap(&e, lr_io_name(c->ios[image]), rc);
    if (sc_image_fail(c, image, &e, false) != 0)
        return false; /* no memory: the scan fails */
    if (bad_end)
        *bad_end = off + len;
    return true;
}

static void charge(sc_ctx_t *c, uint64_t n)
{
    c->read_budget = n < c->read_budget ? c->read_budget - n : 0;
}

/* The bytes at pos that read before the failure a read of n bytes there
 * met (into dst): up to a corrupt piece of a compressed image when that
 * was it (lr_io_bad_range), else sector by sector up to the first sector
 * that fails (a device's bad sector fails the whole read that holds it). */
static uint64_t readable_prefix(sc_ctx_t *c, lr_io_t *io, uint64_t pos, uint64_t n, char *dst)
{
    uint64_t start = 0;
    if (lr_io_bad_range(io, pos, &start, NULL) == 1 && start < pos + n) {
        uint64_t k = start > pos ? start - pos : 0;
        if (!k || lr_io_pread(io, dst, (size_t)k, pos, NULL) != 0)
            return 0;
        charge(c, k);
        return k;
    }
    uint64_t got = 0;
    while (got < n) {
        uint64_t k = SC_SECTOR - (pos + got) % SC_SECTOR;
        if (k > n - got)
            k = n - got;
        if (lr_io_pread(io, dst + got, (size_t)k, pos + got, NULL) != 0)
            break;
        got += k;
    }
    charge(c, got);
    return got;
}

/* The read of *want bytes at pos into dst failed (rc, c->err): the bytes
 * before the failure are read again on their own, and a text whose NUL
 * comes before it is read whole (*nul; 0, c->err cleared, *want what was
 * read up to and including the NUL). Else the error stands, *want the
 * bytes read before it (they stay in the buffer for the caller). */
static int before_bad(sc_ctx_t *c, lr_io_t *io, int rc, uint64_t pos, uint64_t *want, char *dst,
                      bool *nul)
{
    lr_error_t why = c->err ? *c->err : (lr_error_t){0};
    uint64_t asked = *want;
    *want = 0;
    if (rc == -ENOMEM || rc == -ECANCELED)
        return lr_error_wrap(c->err, lr_io_name(io), rc);
    uint64_t n = readable_prefix(c, io, pos, asked, dst);
    char *z = memchr(dst, '\0', (size_t)n);
    if (z) {
        lr_error_clear(c->err);
        *want = (uint64_t)(z - dst) + 1;
        *nul = true;
        return 0;
    }
    *want = n;
    if (c->err)
        *c->err = why;
    return lr_error_wrap(c->err, lr_io_name(io), rc);
}

int sc_read_to_nul(sc_ctx_t *c, lr_io_t *io, uint64_t from, uint64_t to, uint64_t max, tbuf_t *b,
                   bool *nul)
{
    *nul = false;
    uint64_t pos = from;
    while (pos < to && b->n < max) {
        uint64_t want = to - pos;
        if (want > SC_READ_CHUNK)
            want = SC_READ_CHUNK;
        if (want > max - b->n)
            want = max - b->n;
        int rc = sc_tbuf_reserve(b, (size_t)want, c->err);
        if (rc)
            return rc;
        char *dst = b->p + b->n;
        rc = lr_io_pread(io, dst, (size_t)want, pos, c->err);
        if (rc) {
            rc = before_bad(c, io, rc, pos, &want, dst, nul);
            b->n += (size_t)want;
            return rc;
        }
        charge(c, want);
        char *z = memchr(dst, '\0', (size_t)want);
        if (z) {
            b->n += (size_t)(z - dst) + 1;
            *nul = true;
            return 0;
        }
        b->n += (size_t)want;
        pos += want;
    }
    return 0;
}

/* Reads exactly len bytes at pos into b (appending). */
static int read_exact(sc_ctx_t *c, lr_io_t *io, uint64_t pos, uint64_t len, tbuf_t *b)
{
    int rc = sc_tbuf_reserve(b, (size_t)len, c->err);
    if (rc)
        return rc;
    rc = lr_io_pread(io, b->p + b->n, (size_t)len, pos, c->err);
    if (rc)
        return lr_error_wrap(c->err, lr_io_name(io), rc);
    charge(c, len);
    b->n += (size_t)len;
    return 0;
}

/* Where one copy's text may run. */
typedef struct sc_where {
    uint64_t end;        /* the first piece runs to here at most */
    bool wrap;           /* continue at ring_start when no NUL before end */
    uint64_t ring_start; /* area offset + 512 */
    uint64_t stop;       /* the wrapped piece ends here at most */
} sc_where_t;

/* pvck's _copy_out_metadata over the image instead of one area buffer. */
static int read_signature_copy(sc_ctx_t *c, lr_scan_copy_t *cp, const sc_where_t *w, tbuf_t *b)
{
    lr_io_t *io = c->ios[cp->image];
    uint64_t max = c->opts.max_text;
    bool nul = false;
    b->n = 0;
    int rc = sc_read_to_nul(c, io, cp->offset, w->end, max, b, &nul);
    if (rc)
        return rc;
    cp->first_len = b->n;
    cp->wrapped = false;
    cp->wrap_offset = LR_SCAN_UNKNOWN;
    if (!nul && w->wrap && b->n < max && cp->offset + b->n == w->end && w->stop > w->ring_start) {
        size_t before = b->n;
        rc = sc_read_to_nul(c, io, w->ring_start, w->stop, max, b, &nul);
        if (rc)
            return rc;
        if (b->n > before) {
            cp->wrapped = true;
            cp->wrap_offset = w->ring_start;
        }
    }
    cp->length = b->n;
    cp->partial = !nul || b->n < SC_MIN_TEXT;
    return 0;
}

/* Reads `size` bytes at area-relative `rel` of area a, following the wrap as
 * LVM2 does for a raw_locn. */
static int read_ring(sc_ctx_t *c, int image, const lr_scan_area_t *a, uint64_t rel, uint64_t size,
                     tbuf_t *b, uint64_t *first_len)
{
    lr_io_t *io = c->ios[image];
    b->n = 0;
    uint64_t first = size;
    if (rel + size > a->size)
        first = rel < a->size ? a->size - rel : 0;
    int rc = read_exact(c, io, a->offset + rel, first, b);
    if (rc)
        return rc;
    if (first < size)
        rc = read_exact(c, io, a->offset + SC_SECTOR, size - first, b);
    *first_len = first;
    return rc;
}

/* Whether a raw_locn can be read at all inside its area (hostile numbers). */
/* A slot's place and size fit its area (its flags are not looked at). */
static bool slot_fits(const lr_scan_area_t *a, const lr_raw_locn_t *l, uint64_t max_text)
{
    if (!l->offset || !l->size)
        return false;
    if (a->size <= 2 * SC_SECTOR || l->offset < SC_SECTOR || l->offset >= a->size)
        return false;
    return l->size <= a->size - SC_SECTOR && l->size <= max_text;
}

static bool slot_usable(const lr_scan_area_t *a, const lr_raw_locn_t *l, uint64_t max_text)
{
    return !(l->flags & LR_RAW_LOCN_IGNORED) && slot_fits(a, l, max_text);
}

static int read_slot_copy(sc_ctx_t *c, lr_scan_copy_t *cp, tbuf_t *b)
{
    if (cp->area < 0) {
        cp->length = cp->first_len = 0;
        cp->partial = true;
        b->n = 0;
        return 0;
    }
    const lr_scan_area_t *a = &c->scan->areas[cp->area];
    uint64_t first = 0;
    int rc = read_ring(c, cp->image, a, cp->offset - a->offset, cp->slot_size, b, &first);
    if (rc)
        return rc;
    cp->length = b->n;
    cp->first_len = first;
    cp->wrapped = first < b->n;
    cp->wrap_offset = cp->wrapped ? a->offset + SC_SECTOR : LR_SCAN_UNKNOWN;
    cp->partial = b->n == 0 || b->p[b->n - 1] != '\0';
    return 0;
}

/* The text of copy cp could not be read whole (the read failed with c->err:
 * a corrupt piece of a compressed image holds some of it, or, when the
 * scan keeps going, the device failed: sc_unreadable):
 * the copy is kept as a partial one, its parse error saying why, with what
 * was read before (b), and the scan goes on -- one copy in unreadable bytes
 * must not cost the report of the rest. */
static int unreadable_text(sc_ctx_t *c, lr_scan_copy_t *cp, tbuf_t *b)
{
    char why[sizeof(c->err->msg) + 64];
    snprintf(why, sizeof(why), "its text could not be read: %s",
             c->err && c->err->msg[0] ? c->err->msg : "a read failed");
    why[LR_SCAN_MAX_PARSE_ERROR - 1] = '\0'; /* kept as long as other parse errors */
    lr_error_clear(c->err);
    cp->length = b->n;
    cp->first_len = cp->first_len < b->n ? cp->first_len : b->n;
    cp->partial = true;
    cp->unreadable = true;
    if (sc_tbuf_reserve(b, 0, c->err))
        return c->err ? c->err->code : -ENOMEM;
    b->p[b->n] = '\0';
    cp->crc = lr_crc(LR_CRC_INITIAL, b->p, b->n);
    sc_fill_from_text(cp, b->p, b->n);
    free(cp->parse_error);
    cp->parse_error = sc_strdup(why);
    cp->parse_ok = false;
    return 0;
}

/* Whether the scan goes on past the failed read (rc) of copy cp's text in
 * its area (or after it, without one): sc_unreadable's rule. */
static bool copy_unreadable(sc_ctx_t *c, const lr_scan_copy_t *cp, int rc)
{
    const lr_scan_t *s = c->scan;
    if (cp->area >= 0)
        return sc_unreadable(c, cp->image, rc, s->areas[cp->area].offset, s->areas[cp->area].size,
                             NULL);
    uint64_t size = s->images[cp->image].size;
    return sc_unreadable(c, cp->image, rc, cp->offset, size > cp->offset ? size - cp->offset : 1,
                         NULL);
}

/* Whether copy cp's text touches bytes its image cannot vouch for
 * (lr_io_unsure_range); a text that wraps in its ring: the ring's start
 * too. */
static bool copy_in_unsure(sc_ctx_t *c, const lr_scan_copy_t *cp)
{
    const lr_io_t *io = c->ios[cp->image];
    uint64_t start = 0, end = 0, len = cp->length ? cp->length : 1;
    uint64_t first = cp->wrapped ? cp->first_len : len;
    if (lr_io_unsure_range(io, cp->offset, &start, &end) == 1 && start < cp->offset + first)
        return true;
    if (!cp->wrapped || cp->wrap_offset == LR_SCAN_UNKNOWN || len <= first)
        return false;
    return lr_io_unsure_range(io, cp->wrap_offset, &start, &end) == 1 &&
           start < cp->wrap_offset + (len - first);
}

static int extract_one(sc_ctx_t *c, size_t i, uint64_t first_start, tbuf_t *b)
{
    lr_scan_t *s = c->scan;
    lr_scan_copy_t *cp = &s->copies[i];
    int rc;
    sc_copy_clear_text_fields(cp);
    if (!(cp->source & LR_SCAN_COPY_SIGNATURE)) {
        rc = read_slot_copy(c, cp, b);
    } else {
        sc_where_t w = {.end = s->images[cp->image].size};
        if (cp->area >= 0) {
            const lr_scan_area_t *a = &s->areas[cp->area];
            w.end = a->offset + a->size;
            w.wrap = true;
            w.ring_start = a->offset + SC_SECTOR;
            w.stop = first_start ? first_start : cp->offset;
        }
        if (!c->read_budget) {
            w.end = next_signature(s, cp->image, cp->offset + 1, w.end);
            w.wrap = false;
        }
        rc = read_signature_copy(c, cp, &w, b);
    }
    if (rc && copy_unreadable(c, cp, rc))
        return unreadable_text(c, cp, b);
    if (rc)
        return rc;
    cp->crc = lr_crc(LR_CRC_INITIAL, b->p, b->n);
    if (sc_tbuf_reserve(b, 0, c->err))
        return c->err ? c->err->code : -ENOMEM;
    b->p[b->n] = '\0';
    sc_fill_from_text(cp, b->p, b->n);
    return 0;
}

static void assign_areas(lr_scan_t *s);

int sc_extract_orphans(sc_ctx_t *c)
{
    assign_areas(c->scan);
    tbuf_t b = {0};
    int rc = 0;
    for (size_t i = 0; i < c->scan->n_copies && !rc; i++)
        if (c->scan->copies[i].area < 0)
            rc = extract_one(c, i, 0, &b);
    free(b.p);
    return rc;
}

/* The checksum of the `l->size` bytes the slot l of area a points at: the
 * copy's own when its length is the slot's, else read again. *known false
 * when those bytes cannot all be read (a corrupt piece of a compressed
 * image holds some): the slot then vouches for nothing, but neither is its
 * checksum wrong. */
static int slot_crc(sc_ctx_t *c, const lr_scan_area_t *a, const lr_raw_locn_t *l,
                    const lr_scan_copy_t *cp, tbuf_t *b, uint32_t *crc, bool *known)
{
    *crc = cp->crc;
    *known = !cp->unreadable;
    if (cp->length == l->size || cp->unreadable)
        return 0;
    uint64_t first = 0;
    int rc = read_ring(c, a->image, a, l->offset, l->size, b, &first);
    if (!rc)
        *crc = lr_crc(LR_CRC_INITIAL, b->p, b->n);
    if (sc_unreadable(c, a->image, rc, a->offset, a->size, NULL)) {
        lr_error_clear(c->err);
        *known = false;
        return 0;
    }
    return rc;
}

/* A checksum that fails over bytes the image cannot vouch for (a gzip
 * member or a compressed piece whose own check failed:
 * lr_io_unsure_range) may be the image's damage, not the copy's: it is
 * not known. */
static void slot_crc_unsure(sc_ctx_t *c, const lr_scan_area_t *a, const lr_raw_locn_t *l,
                            uint32_t crc, bool *known)
{
    uint64_t start = 0, end = 0;
    if (*known && crc != l->checksum &&
        lr_io_unsure_range(c->ios[a->image], a->offset, &start, &end) == 1 &&
        start < a->offset + a->size)
        *known = false;
}

/* Marks what slot k of area a says about the copy cp it points at. A
 * header whose own checksum fails is still a witness of which copy it
 * committed, but only where the slot agrees with the text: the slot's
 * checksum is the copy's and the copy parses (its flags are not trusted:
 * one flipped byte may read RAW_LOCN_IGNORED). */
static void mark_slot(lr_scan_area_t *a, size_t k, int ci, lr_scan_copy_t *cp, bool crc_match,
                      bool known)
{
    const lr_raw_locn_t *l = &a->header->locn[k];
    bool damaged = !a->header->checksum_ok;
    if (damaged && (!crc_match || !cp->parse_ok))
        return;
    if (k == 0) {
        cp->committed_bad_header = damaged && (!cp->committed || cp->committed_bad_header);
        cp->committed = true;
        a->committed = ci;
    } else {
        cp->precommitted = true;
        a->precommitted = ci;
    }
    /* One slot whose size and checksum match vouches for the copy; a stale
     * slot of another (overlapping or old) header pointing at the same place
     * does not undo that. */
    if (cp->crc_ok)
        return;
    cp->slot_size = l->size;
    cp->crc_ok = crc_match; /* false when not known */
    cp->crc_unknown = !known;
}

/* Marks copies that raw_locn slots point at and checks their checksums
 * (slot_size and crc_ok come from a slot that matches, if any does). */
static int mark_slots(sc_ctx_t *c, tbuf_t *b)
{
    lr_scan_t *s = c->scan;
    for (size_t ai = 0; ai < s->n_areas; ai++) {
        lr_scan_area_t *a = &s->areas[ai];
        if (!a->header)
            continue;
        bool damaged = !a->header->checksum_ok;
        for (size_t k = 0; k < a->header->n_locn && k < 2; k++) {
            const lr_raw_locn_t *l = &a->header->locn[k];
            if (damaged ? !slot_fits(a, l, c->opts.max_text) : !slot_usable(a, l, c->opts.max_text))
                continue;
            int ci = sc_copy_find(s, a->image, a->offset + l->offset);
            if (ci < 0)
                continue;
            lr_scan_copy_t *cp = &s->copies[ci];
            uint32_t crc = 0;
            bool known = true;
            int rc = slot_crc(c, a, l, cp, b, &crc, &known);
            if (rc)
                return rc;
            slot_crc_unsure(c, a, l, crc, &known);
            mark_slot(a, k, ci, cp, known && crc == l->checksum, known);
        }
    }
    return 0;
}

/* A copy whose span holds another copy's start lost its end to that copy.
 * One no slot vouches for must also end whole: a write torn after its VG
 * section, into zeroed ring space, parses but is not a version LVM2 wrote. */
static void mark_partial(lr_scan_t *s)
{
    for (size_t i = 0; i < s->n_copies; i++) {
        lr_scan_copy_t *cp = &s->copies[i];
        if (!cp->slot_size && !cp->ends_whole)
            cp->partial = true;
        if (!(cp->source & LR_SCAN_COPY_SIGNATURE) || cp->partial)
            continue;
        uint64_t end = cp->offset + cp->first_len;
        if (next_signature(s, cp->image, cp->offset + 1, end) < end)
            cp->partial = true;
        if (cp->wrapped) {
            uint64_t wend = cp->wrap_offset + (cp->length - cp->first_len);
            if (next_signature(s, cp->image, cp->wrap_offset, wend) < wend)
                cp->partial = true;
        }
    }
}

/* Drops later copies at the same place as an earlier one (sorted array). */
static void dedupe_copies(lr_scan_t *s)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_copies; i++) {
        lr_scan_copy_t *cp = &s->copies[i];
        if (w && s->copies[w - 1].image == cp->image && s->copies[w - 1].offset == cp->offset) {
            sc_copy_free(cp);
            continue;
        }
        s->copies[w++] = *cp;
    }
    s->n_copies = w;
}

/* Adds a copy for each raw_locn slot no signature was found at (its first
 * lines were damaged): LVM2 would still read it from the slot. */
static int add_slot_copies(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    size_t n0 = s->n_copies;
    for (size_t ai = 0; ai < s->n_areas; ai++) {
        const lr_scan_area_t *a = &s->areas[ai];
        if (!a->header)
            continue;
        for (size_t k = 0; k < a->header->n_locn && k < 2; k++) {
            const lr_raw_locn_t *l = &a->header->locn[k];
            if (!slot_usable(a, l, c->opts.max_text))
                continue;
            uint64_t off = a->offset + l->offset;
            size_t at = lower_bound_n(s, n0, a->image, off);
            if (at < n0 && s->copies[at].image == a->image && s->copies[at].offset == off)
                continue;
            size_t had = s->n_copies;
            int rc = sc_add_copy(c, a->image, off, NULL, LR_SCAN_COPY_RAW_LOCN);
            if (rc)
                return rc;
            if (s->n_copies > had)
                s->copies[had].slot_size = l->size;
        }
    }
    if (s->n_copies != n0) {
        /* stable for equal places: the first slot's copy is kept */
        sc_sort_copies(s);
        dedupe_copies(s);
    }
    return 0;
}

/* ---- fragments --------------------------------------------------------- */

typedef struct sc_span {
    uint64_t lo, hi;
} sc_span_t;

static int cmp_span(const void *x, const void *y)
{
    const sc_span_t *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static uint64_t round_up(uint64_t v)
{
    return (v + SC_SECTOR - 1) / SC_SECTOR * SC_SECTOR;
}

/* The sectors that copies (both pieces) occupy on the image of area ai,
 * sorted. Copies of other areas count too: damaged headers can make areas
 * overlap, and text another area already holds is no fragment of this one. */
static int area_spans(sc_ctx_t *c, int ai, sc_span_t **out, size_t *n)
{
    lr_scan_t *s = c->scan;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < s->n_copies; i++) {
        const lr_scan_copy_t *cp = &s->copies[i];
        if (cp->image != s->areas[ai].image)
            continue;
        int rc = sc_grow((void **)out, &cap, *n + 2, sizeof(**out), c->err);
        if (rc)
            return rc;
        (*out)[(*n)++] = (sc_span_t){cp->offset, round_up(cp->offset + cp->first_len)};
        if (cp->wrapped)
            (*out)[(*n)++] = (sc_span_t){cp->wrap_offset,
                                         round_up(cp->wrap_offset + cp->length - cp->first_len)};
    }
    if (*n > 1)
        qsort(*out, *n, sizeof(**out), cmp_span);
    return 0;
}

/* Text that starts a sector no copy covers: printable up to a NUL or the
 * end of the sector, and not empty. */
static bool fragment_start(const uint8_t *p)
{
    if (!p[0])
        return false;
    for (size_t i = 0; i < SC_SECTOR && p[i]; i++)
        if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
            return false;
    return true;
}

/* after_bad: the bytes right before it could not be read (its start may
 * be there rather than overwritten). */
static int add_fragment(sc_ctx_t *c, int ai, uint64_t off, uint64_t end, bool after_bad, tbuf_t *b)
{
    lr_scan_t *s = c->scan;
    bool nul = false;
    b->n = 0;
    int rc = sc_read_to_nul(c, c->ios[s->areas[ai].image], off, end, c->opts.max_text, b, &nul);
    if (sc_unreadable(c, s->areas[ai].image, rc, off, end - off, NULL)) {
        lr_error_clear(c->err); /* no fragment in unreadable bytes */
        return 0;
    }
    if (rc || !b->n)
        return rc;
    size_t had = s->n_copies;
    rc = sc_add_copy(c, s->areas[ai].image, off, NULL, LR_SCAN_COPY_FRAGMENT);
    if (rc || s->n_copies == had)
        return rc;
    lr_scan_copy_t *cp = &s->copies[had];
    cp->area = ai;
    cp->length = cp->first_len = b->n;
    cp->partial = true;
    cp->crc = lr_crc(LR_CRC_INITIAL, b->p, b->n);
    if ((rc = sc_tbuf_reserve(b, 0, c->err)))
        return rc;
    b->p[b->n] = '\0';
    sc_fill_from_fragment(cp, b->p, b->n, after_bad);
    return 0;
}

/* Walks the ring of area ai for runs of text no copy covers. */
static int area_fragments(sc_ctx_t *c, int ai, tbuf_t *b)
{
    const lr_scan_area_t a = c->scan->areas[ai];
    if (a.size <= 2 * SC_SECTOR || !c->read_budget)
        return 0;
    sc_span_t *sp = NULL;
    size_t n = 0, k = 0;
    int rc = area_spans(c, ai, &sp, &n);
    uint8_t sec[SC_SECTOR];
    uint64_t end = a.offset + a.size;
    uint64_t bad_to = 0; /* where the last unreadable bytes end */
    for (uint64_t off = a.offset + SC_SECTOR; !rc && off + SC_SECTOR <= end;) {
        while (k < n && sp[k].hi <= off)
            k++;
        if (k < n && sp[k].lo <= off) {
            off = sp[k].hi;
            continue;
        }
        uint64_t stop = k < n ? sp[k].lo : end;
        rc = lr_io_pread(c->ios[a.image], sec, SC_SECTOR, off, c->err);
        uint64_t bad_end = 0;
        if (sc_unreadable(c, a.image, rc, off, SC_SECTOR, &bad_end)) {
            lr_error_clear(c->err); /* go on after the unreadable bytes */
            rc = 0;
            off = round_up(bad_end > off ? bad_end : off + SC_SECTOR);
            bad_to = off;
            continue;
        }
        if (rc)
            break;
        charge(c, SC_SECTOR);
        if (!fragment_start(sec)) {
            off += SC_SECTOR;
            continue;
        }
        size_t before = c->scan->n_copies;
        rc = add_fragment(c, ai, off, stop, off == bad_to, b);
        uint64_t len = c->scan->n_copies > before ? c->scan->copies[before].length : 0;
        off = len ? round_up(off + len) : off + SC_SECTOR;
    }
    free(sp);
    return rc;
}

static int add_fragments(sc_ctx_t *c, tbuf_t *b)
{
    size_t n0 = c->scan->n_copies;
    int rc = 0;
    for (size_t ai = 0; ai < c->scan->n_areas && !rc; ai++)
        rc = area_fragments(c, (int)ai, b);
    if (!rc && c->scan->n_copies != n0)
        sc_sort_copies(c->scan);
    return rc;
}

static void assign_areas(lr_scan_t *s)
{
    for (size_t i = 0; i < s->n_copies; i++)
        s->copies[i].area = sc_area_of(s, s->copies[i].image, s->copies[i].offset);
}

int sc_extract_all(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    assign_areas(s);
    int rc = add_slot_copies(c);
    if (rc)
        return rc;
    assign_areas(s);
    /* slot sizes of copies found by signature are set by mark_slots; slot
     * copies need theirs to be read, already set in add_slot_copies */
    uint64_t *first = calloc(s->n_areas ? s->n_areas : 1, sizeof(*first));
    tbuf_t b = {0};
    if (!first)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < s->n_copies && !rc; i++) {
        lr_scan_copy_t *cp = &s->copies[i];
        uint64_t fs = cp->area >= 0 ? first[cp->area] : 0;
        rc = extract_one(c, i, fs, &b);
        /* pvck stops a wrapped search at the first copy it listed */
        if (!rc && cp->area >= 0 && !first[cp->area] && (cp->source & LR_SCAN_COPY_SIGNATURE) &&
            !cp->partial)
            first[cp->area] = cp->offset;
    }
    /* fragments are text found in a ring: with no text search only what
     * the headers point at is listed (else the intact copies around the
     * committed one, which no search found, would be taken for tails of
     * overwritten copies) */
    if (!rc && !(c->opts.flags & LR_SCAN_NO_TEXT_SEARCH))
        rc = add_fragments(c, &b);
    if (!rc)
        rc = sc_add_backups(c, &b); /* backup.c: sorts, so before slots take indexes */
    if (!rc)
        rc = mark_slots(c, &b);
    free(first);
    free(b.p);
    if (rc)
        return rc;
    mark_partial(s);
    for (size_t i = 0; i < s->n_copies; i++) {
        lr_scan_copy_t *cp = &s->copies[i];
        /* a backup file is vouched for by its own header, not by an area */
        cp->orphan = !(cp->source & LR_SCAN_COPY_BACKUP) &&
                     (cp->area < 0 || s->areas[cp->area].source == LR_SCAN_SRC_INFERRED);
        cp->unsure = !cp->crc_ok && !cp->unreadable && copy_in_unsure(c, cp);
    }
    return 0;
}

/* ---- re-reading for callers ------------------------------------------- */

/* A file in use in a btrfs found through its trees (compressed in
 * several extents, or stored plain): read again through them (cp->length
 * is its size and the NUL after it). */
static int read_by_btrfs(lr_io_t *io, const lr_scan_copy_t *cp, char *t, lr_error_t *err)
{
    lr_btrfs_t *fs = NULL;
    size_t want = (size_t)cp->length - 1, got = 0;
    uint64_t size = 0;
    int rc = cp->length ? lr_btrfs_open(io, cp->btrfs_offset, &fs, err)
                        : lr_error_set(err, LR_ERANGE, cp->offset, "copy length out of range");
    if (!rc && cp->btrfs_inline) /* its first bytes inline in a leaf */
        rc = lr_btrfs_read_inline_file_at(fs, cp->btrfs_leaf, cp->btrfs_item, t, want, &got, &size,
                                          err);
    else if (!rc)
        rc = lr_btrfs_read_file_at(fs, cp->offset, t, want, &got, &size, err);
    lr_btrfs_free(fs);
    if (rc == LR_ENOTFOUND)
        rc = lr_error_set(err, rc, cp->offset, "no file in use in the btrfs begins here now");
    else if (!rc && (got != want || size != want))
        rc = lr_error_set(err, LR_EFORMAT, cp->offset,
                          "the btrfs file reads as %" PRIu64 " bytes, not %zu", size, want);
    if (!rc)
        t[want] = '\0';
    return rc;
}

/* A copy btrfs compressed (inline in a leaf, or a data extent): its
 * stored bytes read and decoded into t (cp->length bytes: all of the file,
 * or what decoded of a damaged or cut one, as the scan found it; the crc
 * then says whether they are the same). An extent's stored bytes are at
 * most what the scan read of it (backup.c). */
static int read_decoded(lr_io_t *io, const lr_scan_copy_t *cp, char *t, lr_error_t *err)
{
    if (cp->stored_len > LR_BTRFS_MAX_STORED)
        return lr_error_set(err, LR_ERANGE, cp->offset, "compressed copy length out of range");
    sc_bt_read_t r = {cp->offset, (size_t)cp->stored_len, cp->btrfs_compression,
                      false,      {0, 0, false},          0};
    int rc = sc_bt_read(io, NULL, &r, (uint8_t *)t, (size_t)cp->length, err);
    if (!rc && r.status != 0)
        rc = lr_error_set(err, LR_EFORMAT, cp->offset,
                          "the btrfs-compressed copy does not decode (decoded %zu of %llu bytes)",
                          r.res.made, (unsigned long long)cp->length);
    else if (!rc && r.res.made != cp->length)
        rc = lr_error_set(err, LR_EFORMAT, cp->offset,
                          "the btrfs-compressed copy decodes to %zu bytes, not %llu", r.res.made,
                          (unsigned long long)cp->length);
    return rc;
}

/* One read-and-decode for the scan and for re-reading (scan_int.h). */
int sc_bt_read(lr_io_t *io, struct lr_btrfs_decoder *dec, sc_bt_read_t *r, uint8_t *out,
               size_t out_len, lr_error_t *err)
{
    uint8_t *in = malloc(r->stored ? r->stored : 1);
    if (!in)
        return lr_error_oom(err);
    int rc = lr_io_pread(io, in, r->stored, r->offset, err);
    if (!rc)
        r->status =
            lr_btrfs_decode(dec, r->compression, in, r->stored, out, out_len, r->whole, &r->res);
    free(in);
    if (!rc && r->status == -ENOMEM)
        rc = lr_error_oom(err);
    return rc;
}

/* A file in an ext filesystem or an XFS whose blocks do not lie in a row:
 * read again by its inode through the filesystem (cp->length is its size
 * and the NUL after it). */
static int read_by_inode(lr_io_t *io, const lr_scan_copy_t *cp, char *t, lr_error_t *err)
{
    size_t want = (size_t)cp->length - 1, got = 0;
    int rc;
    if (cp->xfs_ino) {
        lr_xfs_t *fs = NULL;
        lr_xfs_log_t lg;
        rc = lr_xfs_open(io, cp->xfs_offset, &fs, err);
        if (!rc && cp->fs_log_replayed) /* as the scan read it: its log replayed */
            rc = lr_xfs_replay(fs, &lg, err);
        if (!rc)
            rc = lr_xfs_read(fs, cp->xfs_ino, t, want, &got, err);
        lr_xfs_free(fs);
    } else {
        lr_extfs_t *fs = NULL;
        rc = lr_extfs_open(io, cp->extfs_offset, LR_EXTFS_MAX_GDT, &fs, err);
        if (!rc)
            rc = lr_extfs_read(fs, cp->extfs_ino, t, want, &got, err);
        lr_extfs_free(fs);
    }
    if (!rc && got != want)
        rc = lr_error_set(err, LR_EFORMAT, cp->offset,
                          "the file of inode %" PRIu64 " reads as %zu bytes, not %zu",
                          cp->xfs_ino ? cp->xfs_ino : cp->extfs_ino, got, want);
    if (!rc)
        t[want] = '\0';
    return rc;
}

/* A deleted file gathered from its blocks (cp->pieces): read again piece
 * by piece. */
static int read_gathered(lr_io_t *io, const lr_scan_copy_t *cp, char *t, lr_error_t *err)
{
    uint64_t done = 0;
    for (uint32_t i = 0; i < cp->n_pieces; i++) {
        const lr_scan_piece_t *pc = &cp->pieces[i];
        if (pc->len > cp->length - done)
            return lr_error_set(err, LR_ERANGE, cp->offset, "a piece past the copy's length");
        int rc = lr_io_pread(io, t + done, (size_t)pc->len, pc->offset, err);
        if (rc)
            return rc;
        done += pc->len;
    }
    if (done != cp->length)
        return lr_error_set(err, LR_ERANGE, cp->offset, "the pieces are not the copy's length");
    return 0;
}

int sc_read_pieces(lr_io_t *io, const lr_scan_copy_t *cp, char **text, lr_error_t *err)
{
    *text = NULL;
    if (cp->length > SIZE_MAX - 1 || cp->first_len > cp->length)
        return lr_error_set(err, LR_ERANGE, cp->offset, "copy length out of range");
    char *t = malloc((size_t)cp->length + 1);
    if (!t)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = cp->btrfs_file          ? read_by_btrfs(io, cp, t, err)
             : cp->btrfs_compression ? read_decoded(io, cp, t, err)
             : cp->n_pieces          ? read_gathered(io, cp, t, err)
             : (cp->extfs_ino || cp->xfs_ino) && cp->length
                 ? read_by_inode(io, cp, t, err)
                 : lr_io_pread(io, t, (size_t)cp->first_len, cp->offset, err);
    if (!rc && !cp->extfs_ino && !cp->xfs_ino && !cp->n_pieces && cp->length > cp->first_len)
        rc = lr_io_pread(io, t + cp->first_len, (size_t)(cp->length - cp->first_len),
                         cp->wrap_offset, err);
    if (rc) {
        free(t);
        return lr_error_wrap(err, lr_io_name(io), rc);
    }
    t[cp->length] = '\0';
    *text = t;
    return 0;
}
