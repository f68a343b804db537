/* Entry points of the scan engine: the passes in order, the result's
 * lifetime, and lookups for callers. */
#include "scan_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"

static void resolve_opts(lr_scan_opts_t *o, const lr_scan_opts_t *in)
{
    memset(o, 0, sizeof(*o));
    if (in)
        *o = *in;
    if (!o->progress_interval)
        o->progress_interval = LR_SCAN_DEFAULT_PROGRESS;
    if (!o->buffer_size)
        o->buffer_size = LR_SCAN_DEFAULT_BUFFER;
    o->buffer_size = (o->buffer_size + SC_SECTOR - 1) / SC_SECTOR * SC_SECTOR;
    if (!o->max_text)
        o->max_text = LR_SCAN_DEFAULT_MAX_TEXT;
    if (!o->max_copies || o->max_copies > LR_SCAN_MAX_ITEMS)
        o->max_copies = o->max_copies ? LR_SCAN_MAX_ITEMS : LR_SCAN_DEFAULT_MAX_COPIES;
}

static int init_images(sc_ctx_t *c, lr_io_t *const *ios, size_t n)
{
    lr_scan_t *s = c->scan;
    s->images = calloc(n ? n : 1, sizeof(*s->images));
    if (!s->images)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    s->n_images = n;
    for (size_t i = 0; i < n; i++) {
        s->images[i].path = sc_strdup(lr_io_name(ios[i]) ? lr_io_name(ios[i]) : "");
        if (!s->images[i].path)
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        s->images[i].size = lr_io_size(ios[i]);
        s->images[i].gzip = lr_io_is_gzip(ios[i]) != 0;
        c->bytes_total += s->images[i].size;
    }
    /* four full passes over the images' bytes for copy text is far more
     * than real rings need; the floor keeps small images exact */
    c->read_budget = 4 * c->bytes_total + (64u << 20);
    return 0;
}

static int run(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    int rc = 0;
    c->next_progress = c->opts.progress_interval;
    for (size_t i = 0; i < s->n_images && !rc && !s->interrupted; i++)
        rc = sc_stream_image(c, (int)i);
    if (!rc)
        rc = sc_build_areas(c);
    if (!rc)
        rc = sc_extract_orphans(c);
    if (!rc)
        rc = sc_infer_areas(c);
    if (!rc)
        rc = sc_extract_all(c);
    if (!rc)
        rc = sc_build_vgs(c);
    return rc;
}

static int scan_with(lr_io_t *const *ios, size_t n, const lr_scan_opts_t *opts, sc_priv_t *priv,
                     lr_scan_t **out, lr_error_t *err)
{
    lr_scan_t *s = calloc(1, sizeof(*s));
    if (!s)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    s->priv = priv;
    sc_ctx_t c = {.scan = s, .ios = ios, .err = err};
    resolve_opts(&c.opts, opts);
    int rc = init_images(&c, ios, n);
    if (!rc)
        rc = run(&c);
    free(c.hdrs);
    free(c.labels_by_uuid);
    if (rc) {
        lr_scan_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int lr_scan_ios(lr_io_t *const *ios, size_t n, const lr_scan_opts_t *opts, lr_scan_t **out,
                lr_error_t *err)
{
    lr_error_clear(err);
    if (!out || (n && !ios))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no images or no result pointer");
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!ios[i])
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "image %zu has no handle", i);
    sc_priv_t *priv = calloc(1, sizeof(*priv));
    if (!priv)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    priv->ios = malloc((n ? n : 1) * sizeof(*priv->ios));
    if (!priv->ios) {
        free(priv);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    memcpy(priv->ios, ios, n * sizeof(*ios));
    priv->n_ios = n;
    return scan_with(priv->ios, n, opts, priv, out, err);
}

static void close_all(lr_io_t **ios, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lr_io_close(ios[i], NULL);
}

int lr_scan_paths(const char *const *paths, size_t n, const lr_scan_opts_t *opts, lr_scan_t **out,
                  lr_error_t *err)
{
    lr_error_clear(err);
    if (!out || (n && !paths))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no images or no result pointer");
    *out = NULL;
    sc_priv_t *priv = calloc(1, sizeof(*priv));
    lr_io_t **ios = calloc(n ? n : 1, sizeof(*ios));
    if (!priv || !ios) {
        free(priv);
        free(ios);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int rc = lr_io_open(&ios[i], paths[i], err);
        if (rc) {
            lr_error_where(err, paths[i]);
            close_all(ios, i);
            free(ios);
            free(priv);
            return rc;
        }
    }
    priv->ios = ios;
    priv->n_ios = n;
    priv->own = true;
    return scan_with(ios, n, opts, priv, out, err);
}

void lr_scan_free(lr_scan_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_images; i++)
        free(s->images[i].path);
    free(s->images);
    free(s->labels);
    for (size_t i = 0; i < s->n_areas; i++)
        free(s->areas[i].header);
    free(s->areas);
    for (size_t i = 0; i < s->n_copies; i++) {
        sc_copy_clear_text_fields(&s->copies[i]);
        free(s->copies[i].vg_name);
    }
    free(s->copies);
    sc_free_vgs(s);
    sc_priv_t *priv = s->priv;
    if (priv) {
        if (priv->own)
            close_all(priv->ios, priv->n_ios);
        free(priv->ios);
        free(priv);
    }
    free(s);
}

/* ---- re-reading -------------------------------------------------------- */

static lr_io_t *io_of(const lr_scan_t *s, int image)
{
    const sc_priv_t *priv = s->priv;
    if (!priv || image < 0 || (size_t)image >= priv->n_ios)
        return NULL;
    return priv->ios[image];
}

int lr_scan_copy_text(const lr_scan_t *s, size_t copy, char **text, uint64_t *len, lr_error_t *err)
{
    lr_error_clear(err);
    if (!s || !text || copy >= s->n_copies)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no such copy");
    *text = NULL;
    const lr_scan_copy_t *cp = &s->copies[copy];
    lr_io_t *io = io_of(s, cp->image);
    if (!io)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "the image of this copy is not open");
    int rc = sc_read_pieces(io, cp, text, err);
    if (rc)
        return rc;
    if (len)
        *len = cp->length;
    if (lr_crc(LR_CRC_INITIAL, *text, (size_t)cp->length) != cp->crc) {
        lr_error_set(err, LR_ECHECKSUM, cp->offset, "copy changed since it was scanned");
        return lr_error_where(err, lr_io_name(io));
    }
    return 0;
}

int lr_scan_copy_vg(const lr_scan_t *s, size_t copy, lr_vg_t **out, lr_error_t *err)
{
    char *text = NULL;
    uint64_t len = 0;
    if (out)
        *out = NULL;
    int rc = lr_scan_copy_text(s, copy, &text, &len, err);
    if (rc) {
        free(text);
        return rc;
    }
    rc = lr_vg_parse(text, (size_t)len, out, err);
    free(text);
    if (rc)
        lr_error_where(err, s->images[s->copies[copy].image].path);
    return rc;
}

/* ---- lookups ----------------------------------------------------------- */

int lr_scan_version_copy(const lr_scan_t *s, size_t vg, size_t version)
{
    if (!s || vg >= s->n_vgs || version >= s->vgs[vg].n_versions)
        return -1;
    const lr_scan_version_t *v = &s->vgs[vg].versions[version];
    if (!v->complete || !v->n_copies)
        return -1;
    return v->copies[0]; /* ranked best first, and complete versions lead with a good copy */
}

size_t lr_scan_find_vgs(const lr_scan_t *s, const char *key, int *idx, size_t max)
{
    if (!s || !key)
        return 0;
    char raw[LR_PV_UUID_LEN + 1];
    sc_raw_uuid(key, raw, sizeof(raw));
    size_t n = 0;
    for (size_t i = 0; i < s->n_vgs; i++) {
        const lr_scan_vg_t *vg = &s->vgs[i];
        bool hit = strcmp(vg->name, key) == 0 || strcmp(vg->id, key) == 0 ||
                   (strlen(key) >= LR_PV_UUID_LEN && strcmp(vg->id_raw, raw) == 0);
        if (!hit)
            continue;
        if (idx && n < max)
            idx[n] = (int)i;
        n++;
    }
    return n;
}

size_t lr_scan_find_versions(const lr_scan_t *s, size_t vg, uint64_t seqno, int *idx, size_t max)
{
    if (!s || vg >= s->n_vgs)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < s->vgs[vg].n_versions; i++) {
        if (s->vgs[vg].versions[i].seqno != seqno)
            continue;
        if (idx && n < max)
            idx[n] = (int)i;
        n++;
    }
    return n;
}

int lr_scan_find_area(const lr_scan_t *s, int image, uint64_t offset)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < s->n_areas; i++)
        if (s->areas[i].image == image && s->areas[i].offset == offset)
            return (int)i;
    return -1;
}

const char *lr_scan_source_name(unsigned bit)
{
    switch (bit) {
    case LR_SCAN_SRC_LABEL:
        return "label";
    case LR_SCAN_SRC_MAGIC:
        return "magic";
    case LR_SCAN_SRC_INFERRED:
        return "inferred";
    default:
        return "unknown";
    }
}

const char *lr_scan_vg_status_name(unsigned bit)
{
    switch (bit) {
    case LR_SCAN_VG_CONSISTENT:
        return "consistent";
    case LR_SCAN_VG_STALE_PVS:
        return "stale_pvs";
    case LR_SCAN_VG_MISSING_PVS:
        return "missing_pvs";
    case LR_SCAN_VG_CONFLICTS:
        return "conflicts";
    case LR_SCAN_VG_ORPHANS:
        return "orphan_copies";
    case LR_SCAN_VG_NO_COMPLETE:
        return "no_complete_copy";
    case LR_SCAN_VG_DAMAGED:
        return "newest_damaged";
    default:
        return "unknown";
    }
}

const char *lr_scan_pv_found_name(int found)
{
    switch (found) {
    case LR_SCAN_PV_MISSING:
        return "missing";
    case LR_SCAN_PV_LABEL:
        return "label";
    case LR_SCAN_PV_INFERRED:
        return "inferred";
    case LR_SCAN_PV_LOCATION:
        return "location";
    default:
        return "unknown";
    }
}
