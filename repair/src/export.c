/* Version selection and export of a version's raw metadata text. */
#include "lr/export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- choosing a version ---------------------------------------------- */

typedef struct cand {
    int vg, version;
} cand_t;

typedef struct cands {
    cand_t *v;
    size_t n, cap;
} cands_t;

static int cands_push(cands_t *c, int vg, int version)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        cand_t *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (cand_t){vg, version};
    return 0;
}

static bool version_matches(const lr_scan_version_t *v, const lr_export_pick_t *p)
{
    if (p->has_seqno && v->seqno != p->seqno)
        return false;
    return !p->has_crc || v->crc == p->crc;
}

/* Versions of one VG that match. Without a seqno only the latest complete
 * version is a candidate: that is what "the current state" means. */
static int collect_vg(const lr_scan_t *scan, int vg, const lr_export_pick_t *p, cands_t *c)
{
    const lr_scan_vg_t *v = &scan->vgs[vg];
    if (!p->has_seqno) {
        if (v->latest < 0 || (size_t)v->latest >= v->n_versions)
            return 0;
        if (!version_matches(&v->versions[v->latest], p))
            return 0;
        return cands_push(c, vg, v->latest);
    }
    for (size_t i = 0; i < v->n_versions; i++)
        if (version_matches(&v->versions[i], p) && cands_push(c, vg, (int)i))
            return -ENOMEM;
    return 0;
}

static void describe_vg(lr_strbuf_t *b, const lr_scan_vg_t *v)
{
    lr_strbuf_printf(b, "%s (%s)", v->name ? v->name : "?", v->id);
}

/* Seqnos of a VG as ascending ranges ("1-14, 16"); versions are stored
 * newest first. */
static void describe_seqnos(lr_strbuf_t *b, const lr_scan_vg_t *v)
{
    bool first = true;
    size_t i = v->n_versions;
    while (i > 0) {
        uint64_t lo = v->versions[--i].seqno, hi = lo;
        while (i > 0 && v->versions[i - 1].seqno <= hi + 1)
            hi = v->versions[--i].seqno;
        lr_strbuf_printf(b, "%s%" PRIu64, first ? "" : ",", lo);
        if (hi != lo)
            lr_strbuf_printf(b, "-%" PRIu64, hi);
        first = false;
    }
    if (first)
        lr_strbuf_puts(b, "none");
}

static int not_found(const lr_scan_t *scan, const lr_export_pick_t *p, const int *vgs, size_t n,
                     lr_error_t *err)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    if (n == 0 && p->vg) {
        lr_strbuf_printf(&b, "no VG named '%s'; found:", p->vg);
        for (size_t i = 0; i < scan->n_vgs; i++) {
            lr_strbuf_puts(&b, i ? ", " : " ");
            describe_vg(&b, &scan->vgs[i]);
        }
        if (!scan->n_vgs)
            lr_strbuf_puts(&b, " none");
    } else if (n == 0) {
        lr_strbuf_puts(&b, "no volume group found in the images");
    } else {
        if (p->has_seqno)
            lr_strbuf_printf(&b, "no version with seqno %" PRIu64 "%s", p->seqno,
                             p->has_crc ? " and that crc" : "");
        else
            lr_strbuf_puts(&b, "no complete version");
        lr_strbuf_puts(&b, "; seqnos found:");
        for (size_t i = 0; i < n; i++) {
            lr_strbuf_puts(&b, i ? "; " : " ");
            describe_vg(&b, &scan->vgs[vgs[i]]);
            lr_strbuf_puts(&b, ": ");
            describe_seqnos(&b, &scan->vgs[vgs[i]]);
        }
    }
    char *msg = lr_strbuf_take(&b, NULL);
    int rc = lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET, "%s", msg ? msg : "no such version");
    free(msg);
    return rc;
}

static int ambiguous(const lr_scan_t *scan, const cands_t *c, lr_error_t *err)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    bool several_vgs = false;
    for (size_t i = 1; i < c->n; i++)
        several_vgs |= c->v[i].vg != c->v[0].vg;
    lr_strbuf_printf(&b, "%zu candidates (choose with %s):", c->n, several_vgs ? "--vg" : "--crc");
    for (size_t i = 0; i < c->n; i++) {
        const lr_scan_vg_t *v = &scan->vgs[c->v[i].vg];
        const lr_scan_version_t *ver = &v->versions[c->v[i].version];
        lr_strbuf_puts(&b, i ? "; " : " ");
        describe_vg(&b, v);
        lr_strbuf_printf(&b, " seqno %" PRIu64 " crc 0x%08" PRIx32 "%s%.48s", ver->seqno, ver->crc,
                         ver->description ? " " : "", ver->description ? ver->description : "");
    }
    char *msg = lr_strbuf_take(&b, NULL);
    int rc = lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "%s", msg ? msg : "ambiguous version");
    free(msg);
    return rc;
}

int lr_export_pick(const lr_scan_t *scan, const lr_export_pick_t *pick, int *vg, int *version,
                   lr_error_t *err)
{
    lr_error_clear(err);
    if (!scan || !pick || !vg || !version)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *vg = *version = -1;
    size_t n_vgs = scan->n_vgs;
    int *vgs = calloc(n_vgs ? n_vgs : 1, sizeof(*vgs));
    if (!vgs)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (pick->vg)
        n_vgs = lr_scan_find_vgs(scan, pick->vg, vgs, n_vgs);
    else
        for (size_t i = 0; i < n_vgs; i++)
            vgs[i] = (int)i;

    cands_t c = {0};
    int rc = 0;
    for (size_t i = 0; i < n_vgs && !rc; i++)
        rc = collect_vg(scan, vgs[i], pick, &c);
    if (rc)
        rc = lr_error_set(err, rc, LR_NO_OFFSET, "out of memory");
    else if (c.n == 0)
        rc = not_found(scan, pick, vgs, n_vgs, err);
    else if (c.n > 1)
        rc = ambiguous(scan, &c, err);
    if (!rc) {
        size_t copy;
        rc = rp_version_copy(scan, (size_t)c.v[0].vg, (size_t)c.v[0].version, &copy, err);
        if (!rc) {
            *vg = c.v[0].vg;
            *version = c.v[0].version;
        }
    }
    free(c.v);
    free(vgs);
    return rc;
}

/* ---- loading --------------------------------------------------------- */

/* Reads the best copy's text and checks it is still the scanned version. */
static int read_version(const lr_scan_t *scan, size_t vg, size_t version, char **text, size_t *len,
                        lr_error_t *err)
{
    size_t copy;
    int rc = rp_version_copy(scan, vg, version, &copy, err);
    if (rc)
        return rc;
    uint64_t n = 0;
    rc = lr_scan_copy_text(scan, copy, text, &n, err);
    if (rc) {
        free(*text);
        *text = NULL;
        return rc;
    }
    const lr_scan_version_t *v = &scan->vgs[vg].versions[version];
    if (scan->copies[copy].crc != v->crc) {
        free(*text);
        *text = NULL;
        return lr_error_set(err, LR_ECHECKSUM, scan->copies[copy].offset,
                            "copy of seqno %" PRIu64 " does not have the version's checksum",
                            v->seqno);
    }
    /* The text ends at its NUL (raw_locn.size counts it); vgcfgrestore and
     * pvck's dump both stop there. */
    size_t l = (size_t)n;
    *len = strnlen(*text, l);
    return 0;
}

int lr_export_load(const lr_scan_t *scan, size_t vg, size_t version, lr_vg_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = read_version(scan, vg, version, &text, &len, err);
    if (!rc)
        rc = lr_vg_parse(text, len, out, err);
    free(text);
    return rc;
}

/* ---- export ---------------------------------------------------------- */

int lr_export_text(const lr_scan_t *scan, size_t vg, size_t version, char **text, size_t *len,
                   lr_error_t *err)
{
    lr_error_clear(err);
    if (!text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    size_t n = 0;
    int rc = read_version(scan, vg, version, text, &n, err);
    if (!rc && len)
        *len = n;
    return rc;
}

int lr_export_write_text(const lr_scan_t *scan, const char *text, size_t len, const char *path,
                         unsigned flags, lr_error_t *err)
{
    lr_error_clear(err);
    if (!text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no text to export");
    rp_out_t o;
    int rc = rp_out_open(&o, scan, path, (flags & LR_EXPORT_OVERWRITE) != 0, err);
    if (rc)
        return rc;
    rc = rp_out_write(&o, text, len, false, err);
    if (rc) {
        rp_out_abort(&o);
        return rc;
    }
    return rp_out_commit(&o, err);
}

int lr_export_write(const lr_scan_t *scan, size_t vg, size_t version, const char *path,
                    unsigned flags, lr_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = lr_export_text(scan, vg, version, &text, &len, err);
    if (!rc)
        rc = lr_export_write_text(scan, text, len, path, flags, err);
    free(text);
    return rc;
}
