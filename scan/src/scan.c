/* Entry points of the scan engine: the passes in order, the result's
 * lifetime, and lookups for callers. */
#include "scan_int.h"
#include "evidence_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/btrfs.h"
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

int sc_image_fail(sc_ctx_t *c, int image, const lr_error_t *e, bool truncated)
{
    lr_scan_t *s = c->scan;
    lr_scan_image_t *im = &s->images[image];
    im->truncated |= truncated;
    if (im->error)
        return 0; /* the first error is the one to report */
    char msg[1024];
    lr_error_format(e, msg, sizeof(msg));
    im->error_msg = sc_strdup(msg);
    if (!im->error_msg)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    im->error = e->code ? e->code : -EIO;
    s->n_failed++;
    return 0;
}

/* The notes of the image's I/O layer (lr_io_note) not yet copied as its
 * warnings: those made at open, then (sc_image_end) those its stream
 * added (a zstd frame needing a larger window than the ones before it). */
int sc_image_warnings(sc_ctx_t *c, lr_scan_image_t *im, const lr_io_t *io)
{
    size_t n = im->n_warnings;
    while (lr_io_note(io, n))
        n++;
    if (n == im->n_warnings)
        return 0;
    char **grown = realloc(im->warnings, n * sizeof(*grown));
    if (!grown)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    im->warnings = grown;
    for (; im->n_warnings < n; im->n_warnings++)
        if (!(im->warnings[im->n_warnings] = sc_strdup(lr_io_note(io, im->n_warnings))))
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}

static int init_images(sc_ctx_t *c, lr_io_t *const *ios, size_t n)
{
    lr_scan_t *s = c->scan;
    s->images = calloc(n ? n : 1, sizeof(*s->images));
    if (!s->images)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    s->n_images = n;
    for (size_t i = 0; i < n; i++) {
        lr_scan_image_t *im = &s->images[i];
        const char *name = ios[i] ? lr_io_name(ios[i]) : c->paths ? c->paths[i] : NULL;
        im->path = sc_strdup(name ? name : "");
        if (!im->path)
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        /* one that did not open: what its content says it is */
        if (!ios[i] && c->paths)
            im->format = lr_io_probe_format(c->paths[i]);
        int rc = 0;
        if (!ios[i]) {
            /* not opened: the open failed (LR_SCAN_KEEP_GOING), or the scan
             * was stopped before it */
            if (c->open_errs && c->open_errs[i].code)
                rc = sc_image_fail(c, (int)i, &c->open_errs[i], false);
            if (rc)
                return rc;
            continue;
        }
        im->opened = true;
        /* a lazily opened gzip image: 0 until its stream reaches the end */
        im->size = lr_io_size(ios[i]);
        im->gzip = lr_io_is_gzip(ios[i]) != 0;
        im->format = lr_io_format(ios[i]);
        im->container = lr_io_is_container(ios[i]) != 0;
        c->bytes_total += lr_io_size_hint(ios[i]);
        im->snapshots = lr_io_snapshots(ios[i]);
        const char *snap = lr_io_snapshot(ios[i]);
        if (snap && !(im->snapshot = sc_strdup(snap)))
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        rc = sc_image_warnings(c, im, ios[i]);
        if (rc)
            return rc;
        lr_error_t why;
        bool cut = false;
        if (lr_io_damage(ios[i], &cut, &why) != 0)
            rc = sc_image_fail(c, (int)i, &why, cut);
        if (rc)
            return rc;
    }
    return 0;
}

static int run(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    int rc = 0;
    c->next_progress = c->opts.progress_interval;
    if (!s->interrupted)
        rc = sc_stream_images(c);
    /* four full passes over the images' bytes for copy text is far more
     * than real rings need; the floor keeps small images exact (the sizes
     * of lazily opened images are known from here on) */
    c->read_budget = 4 * c->bytes_total + (64u << 20);
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
    if (!rc)
        rc = sc_thin_pools(c); /* thin.c */
    if (!rc)
        rc = sc_partitions(c); /* parts.c */
    /* the passes reading just behind the stream are done: what comes next
     * (the evidence's LV heads and tails) reads the kept ranges, so a
     * compressed image lets its history and decoder window go */
    for (size_t i = 0; !rc && i < s->n_images; i++)
        lr_io_settle(c->ios[i]);
    return rc;
}

static void close_all(lr_io_t **ios, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lr_io_close(ios[i], NULL);
}

/* Frees what the result tree owns (not the tree's own struct, which is part
 * of the session). */
static void result_clear(lr_scan_t *s)
{
    for (size_t i = 0; i < s->n_images; i++) {
        free(s->images[i].path);
        free(s->images[i].snapshot);
        free(s->images[i].error_msg);
        free(s->images[i].partitions);
        for (size_t j = 0; j < s->images[i].n_warnings; j++)
            free(s->images[i].warnings[j]);
        free(s->images[i].warnings);
    }
    free(s->images);
    free(s->labels);
    for (size_t i = 0; i < s->n_areas; i++)
        free(s->areas[i].header);
    free(s->areas);
    for (size_t i = 0; i < s->n_copies; i++)
        sc_copy_free(&s->copies[i]);
    free(s->copies);
    sc_free_vgs(s);
}

void lr_scan_session_free(lr_scan_session_t *ss)
{
    if (!ss)
        return;
    result_clear(&ss->result);
    ev_early_free(ss->early);
    if (ss->own)
        close_all(ss->ios, ss->n_ios);
    free(ss->ios);
    free(ss);
}

const lr_scan_t *lr_scan_result(const lr_scan_session_t *ss)
{
    return ss ? &ss->result : NULL;
}

/* Scans the session's handles into its result. paths/open_errs/stopped:
 * from lr_scan_paths (NULL, NULL, false otherwise). On failure the session
 * is freed (closing what it owns). */
static int scan_with(lr_scan_session_t *ss, const char *const *paths, const lr_error_t *open_errs,
                     bool stopped, const lr_scan_opts_t *opts, lr_scan_session_t **out,
                     lr_error_t *err)
{
    lr_scan_t *s = &ss->result;
    s->interrupted = stopped;
    sc_ctx_t c = {.scan = s, .ios = ss->ios, .paths = paths, .open_errs = open_errs, .err = err};
    /* without memory for it the scan keeps ranges only (keep.c) */
    c.early = ss->early = ev_early_new(ss->ios, ss->n_ios);
    resolve_opts(&c.opts, opts);
    int rc = init_images(&c, ss->ios, ss->n_ios);
    if (!rc)
        rc = run(&c);
    free(c.hdrs);
    free(c.bks);
    lr_btrfs_decoder_free(c.btrfs);
    free(c.labels_by_uuid);
    if (rc) {
        lr_scan_session_free(ss);
        return rc;
    }
    *out = ss;
    return 0;
}

/* A session with room for n handles, or NULL. */
static lr_scan_session_t *session_new(size_t n)
{
    lr_scan_session_t *ss = calloc(1, sizeof(*ss));
    if (ss)
        ss->ios = calloc(n ? n : 1, sizeof(*ss->ios));
    if (ss && !ss->ios) {
        free(ss);
        return NULL;
    }
    if (ss)
        ss->n_ios = n;
    return ss;
}

int lr_scan_ios(lr_io_t *const *ios, size_t n, const lr_scan_opts_t *opts, lr_scan_session_t **out,
                lr_error_t *err)
{
    lr_error_clear(err);
    if (!out || (n && !ios))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no images or no result pointer");
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!ios[i])
            return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "image %zu has no handle", i);
    lr_scan_session_t *ss = session_new(n);
    if (!ss)
        return lr_error_oom(err);
    memcpy(ss->ios, ios, n * sizeof(*ios));
    return scan_with(ss, NULL, NULL, false, opts, out, err);
}

/* Passes the gzip index pass's progress on as the open progress of one image. */
typedef struct open_bridge {
    const lr_scan_opts_t *opts;
    int image;
    bool stopped;
} open_bridge_t;

static int open_progress(void *arg, uint64_t done, uint64_t total)
{
    open_bridge_t *b = arg;
    if (b->opts->open_progress(b->opts->progress_arg, b->image, done, total) != 0)
        b->stopped = true;
    return b->stopped;
}

int lr_scan_paths(const char *const *paths, size_t n, const lr_scan_opts_t *opts,
                  lr_scan_session_t **out, lr_error_t *err)
{
    lr_error_clear(err);
    if (!out || (n && !paths))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no images or no result pointer");
    *out = NULL;
    bool keep = opts && (opts->flags & LR_SCAN_KEEP_GOING);
    lr_scan_session_t *ss = session_new(n);
    lr_error_t *open_errs = calloc(n ? n : 1, sizeof(*open_errs));
    if (!ss || !open_errs) {
        lr_scan_session_free(ss);
        free(open_errs);
        return lr_error_oom(err);
    }
    ss->own = true; /* closes the handles opened so far on every way out */
    bool stopped = false;
    for (size_t i = 0; i < n && !stopped; i++) {
        open_bridge_t b = {.opts = opts, .image = (int)i};
        /* lazy: a compressed image is checked and indexed while it is
         * streamed, so it is decompressed once */
        /* LR_IO_DIRECT: the stream's aligned reads of a block device (4 MiB,
         * stream.c) bypass the page cache (a cold disk at its own rate) */
        lr_io_open_opts_t io_opts = {.flags =
                                         LR_IO_LAZY | LR_IO_DIRECT | (keep ? LR_IO_PARTIAL : 0),
                                     .snapshot = opts ? opts->snapshot : NULL};
        if (opts && opts->open_progress) {
            io_opts.progress = open_progress;
            io_opts.progress_arg = &b;
        }
        lr_error_t e;
        lr_error_clear(&e);
        int rc = lr_io_open_opts(&ss->ios[i], paths[i], &io_opts, &e);
        if (rc && b.stopped) {
            stopped = true; /* asked to stop: not an error of the image */
        } else if (rc && keep) {
            lr_error_wrap(&e, paths[i], rc);
            open_errs[i] = e;
            if (!open_errs[i].code)
                open_errs[i].code = rc;
        } else if (rc) {
            if (err)
                *err = e;
            lr_error_wrap(err, paths[i], rc);
            free(open_errs);
            lr_scan_session_free(ss);
            return rc;
        }
    }
    int rc = scan_with(ss, paths, open_errs, stopped, opts, out, err);
    free(open_errs);
    return rc;
}

/* ---- re-reading -------------------------------------------------------- */

static lr_io_t *io_of(const lr_scan_session_t *ss, int image)
{
    if (image < 0 || (size_t)image >= ss->n_ios)
        return NULL;
    return ss->ios[image];
}

int lr_scan_copy_text(const lr_scan_session_t *ss, size_t copy, char **text, uint64_t *len,
                      lr_error_t *err)
{
    lr_error_clear(err);
    if (!ss || !text || copy >= ss->result.n_copies)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no such copy");
    *text = NULL;
    const lr_scan_copy_t *cp = &ss->result.copies[copy];
    lr_io_t *io = io_of(ss, cp->image);
    if (!io)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "the image of this copy is not open");
    int rc = sc_read_pieces(io, cp, text, err);
    if (rc)
        return rc;
    if (len)
        *len = cp->length;
    if (lr_crc(LR_CRC_INITIAL, *text, (size_t)cp->length) != cp->crc) {
        return lr_error_at(err, lr_io_name(io), LR_ECHECKSUM, cp->offset,
                           "copy changed since it was scanned");
    }
    return 0;
}

int lr_scan_copy_vg(const lr_scan_session_t *ss, size_t copy, lr_vg_t **out, lr_error_t *err)
{
    char *text = NULL;
    uint64_t len = 0;
    if (out)
        *out = NULL;
    int rc = lr_scan_copy_text(ss, copy, &text, &len, err);
    if (rc) {
        free(text);
        return rc;
    }
    rc = lr_vg_parse(text, (size_t)len, out, err);
    free(text);
    if (rc)
        lr_error_wrap(err, ss->result.images[ss->result.copies[copy].image].path, rc);
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

/* Whether a backup file copy's text is vouched for: given whole, its
 * length from its btrfs item or extent, or read by a filesystem's records
 * (its inode now, or as the journal holds it, sure no later file took its
 * blocks). */
static bool sc_copy_vouched(const lr_scan_t *s, const lr_scan_copy_t *cp)
{
    int im = cp->image;
    return im < 0 || (size_t)im >= s->n_images || s->images[im].text_file || cp->extfs_file ||
           cp->xfs_file || cp->btrfs_inline || cp->btrfs_compression || cp->btrfs_file ||
           (cp->extfs_journal_ino && !cp->extfs_journal_unsure);
}

/* The version when every copy of it is a backup file (its index in
 * range), else NULL. */
static const lr_scan_version_t *sc_files_only(const lr_scan_t *s, size_t vg, size_t version)
{
    if (!s || vg >= s->n_vgs || version >= s->vgs[vg].n_versions)
        return NULL;
    const lr_scan_version_t *v = &s->vgs[vg].versions[version];
    if (!v->n_copies || v->n_backup_copies != v->n_copies)
        return NULL;
    for (size_t i = 0; i < v->n_copies; i++)
        if (v->copies[i] < 0 || (size_t)v->copies[i] >= s->n_copies)
            return NULL;
    return v;
}

bool lr_scan_version_from_blocks(const lr_scan_t *s, size_t vg, size_t version)
{
    const lr_scan_version_t *v = sc_files_only(s, vg, version);
    if (!v)
        return false;
    for (size_t i = 0; i < v->n_copies; i++)
        if (sc_copy_vouched(s, &s->copies[v->copies[i]]))
            return false;
    return true;
}

bool lr_scan_version_unsure(const lr_scan_t *s, size_t vg, size_t version)
{
    if (!s || vg >= s->n_vgs || version >= s->vgs[vg].n_versions)
        return false;
    const lr_scan_version_t *v = &s->vgs[vg].versions[version];
    for (size_t i = 0; i < v->n_copies; i++)
        if (v->copies[i] < 0 || (size_t)v->copies[i] >= s->n_copies ||
            !s->copies[v->copies[i]].unsure)
            return false;
    return v->n_copies > 0;
}

bool lr_scan_version_log_pending(const lr_scan_t *s, size_t vg, size_t version)
{
    const lr_scan_version_t *v = sc_files_only(s, vg, version);
    bool pending = false;
    for (size_t i = 0; v && i < v->n_copies; i++) {
        const lr_scan_copy_t *cp = &s->copies[v->copies[i]];
        if (sc_copy_vouched(s, cp) && !cp->fs_log_pending)
            return false; /* one copy the records vouch for is enough */
        pending |= cp->fs_log_pending;
    }
    return pending;
}

/* The best copy of a version, or LR_EREFUSED naming the version when it has
 * only partial copies. */
static int sc_best_copy(const lr_scan_t *s, size_t vg, size_t version, size_t *copy,
                        lr_error_t *err)
{
    if (!s || vg >= s->n_vgs || version >= s->vgs[vg].n_versions)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "no such VG version");
    int c = lr_scan_version_copy(s, vg, version);
    if (c < 0 || (size_t)c >= s->n_copies) {
        const lr_scan_vg_t *v = &s->vgs[vg];
        lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                     "VG %s seqno %" PRIu64 " has only partial copies; it cannot be used",
                     v->name ? v->name : "?", v->versions[version].seqno);
        return lr_error_wrap(err, v->name, LR_EREFUSED);
    }
    *copy = (size_t)c;
    return 0;
}

int lr_scan_version_text(const lr_scan_session_t *ss, size_t vg, size_t version, char **text,
                         size_t *len, lr_error_t *err)
{
    lr_error_clear(err);
    if (!ss || !text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *text = NULL;
    const lr_scan_t *s = &ss->result;
    size_t copy = 0;
    int rc = sc_best_copy(s, vg, version, &copy, err);
    if (rc)
        return rc;
    uint64_t n = 0;
    rc = lr_scan_copy_text(ss, copy, text, &n, err);
    if (!rc && s->copies[copy].crc != s->vgs[vg].versions[version].crc)
        rc = lr_error_set(err, LR_ECHECKSUM, s->copies[copy].offset,
                          "copy of seqno %" PRIu64 " does not have the version's checksum",
                          s->vgs[vg].versions[version].seqno);
    if (rc) {
        free(*text);
        *text = NULL;
        return rc;
    }
    /* The text ends at its NUL (raw_locn.size counts it); vgcfgrestore and
     * pvck's dump both stop there. */
    size_t doc = strnlen(*text, (size_t)n);
    if (s->copies[copy].source & LR_SCAN_COPY_BACKUP)
        rc = lr_scan_ring_order(text, &doc, err);
    if (rc) {
        free(*text);
        *text = NULL;
        return rc;
    }
    if (len)
        *len = doc;
    return 0;
}

int lr_scan_version_vg(const lr_scan_session_t *ss, size_t vg, size_t version, lr_vg_t **out,
                       lr_error_t *err)
{
    lr_error_clear(err);
    if (!out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = lr_scan_version_text(ss, vg, version, &text, &len, err);
    if (!rc)
        rc = lr_vg_parse(text, len, out, err);
    free(text);
    return rc;
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
    case LR_SCAN_VG_ABANDONED:
        return "abandoned_versions";
    case LR_SCAN_VG_INTERRUPTED:
        return "interrupted_write";
    case LR_SCAN_VG_SUPERSEDED:
        return "superseded";
    case LR_SCAN_VG_HEADER_DAMAGED:
        return "header_damaged";
    case LR_SCAN_VG_AREA_LOST:
        return "area_lost";
    case LR_SCAN_VG_IMG_TRUNCATED:
        return "image_truncated";
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
    case LR_SCAN_PV_RENAMED:
        return "renamed";
    default:
        return "unknown";
    }
}

/* One more name into buf (used of n), when it fits whole. */
static void sc_add_name(char *buf, size_t n, size_t *used, const char *name)
{
    size_t len = strlen(name) + (*used ? 1 : 0);
    if (*used + len >= n)
        return;
    snprintf(buf + *used, n - *used, "%s%s", *used ? " " : "", name);
    *used += len;
}

void lr_scan_libraries(bool built, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    bool has;
    const char *name;
    for (size_t i = 0; (name = lr_io_library(i, &has)) != NULL; i++)
        if (has == built)
            sc_add_name(buf, n, &used, name);
#ifdef LR_HAVE_BLKID
    has = true;
#else
    has = false;
#endif
    if (has == built)
        sc_add_name(buf, n, &used, "libblkid");
}
