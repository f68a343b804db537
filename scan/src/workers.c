/* The sector scan on several cores: the images are cut into work units (a
 * whole image, or a stretch of SC_UNIT_BUFFERS buffers of a regular raw
 * file), worker threads scan units in order into results of their own, and
 * the calling thread merges those results in unit order, which is image and
 * offset order: the result is the one the single-stream scan (stream.c)
 * gives. At most one unit per worker is in flight (scanned or waiting to be
 * merged), so memory stays bounded whatever the number of images.
 *
 * Only a regular file is cut: its pages are read in parallel from the page
 * cache (or by the kernel's read-ahead of each stretch); a block device, a
 * compressed or container image is one unit, read front to back by one
 * worker (a gzip stream is decompressed once, in order). */
#include "scan_int.h"
#include "evidence_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lr/btrfs.h"
#include "lr/io.h"

#define SC_UNIT_BUFFERS 64u   /* buffers per unit of a cut image (64 MiB by default) */
#define SC_WAIT_NS 250000000L /* progress while waiting for a unit: every 250 ms */

typedef struct sc_unit {
    int image;
    uint64_t from, to; /* to: UINT64_MAX streams the image to its end */
    bool first, last;  /* the image's first / last unit */
} sc_unit_t;

/* What a worker found in one unit: labels and copies in res, headers in
 * sub (the context the probers record into). */
typedef struct sc_part {
    lr_scan_t res;
    sc_ctx_t sub;
    lr_error_t e;
    int rc;                /* a prober failed (out of memory) */
    int read_rc;           /* the read that ended the unit early */
    _Atomic uint64_t end;  /* image offset scanned up to */
    _Atomic uint64_t hint; /* lr_io_size_hint after the last read */
    _Atomic bool known;    /* lr_io_size_known after the last read: the total is exact */
    sc_bad_t *bads;        /* corrupt pieces skipped (compressed images), in order */
    size_t n_bads;
    bool done; /* under the pool's mutex */
} sc_part_t;

typedef struct sc_pool {
    sc_ctx_t *c;
    size_t bsize;
    sc_unit_t *units;
    size_t n_units;
    size_t workers;
    sc_part_t *parts; /* unit j is scanned into parts[j % workers] */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next, merged; /* units taken by a worker / merged */
    atomic_bool stop;
    _Atomic uint64_t scanned; /* bytes the workers scanned, for progress */
} sc_pool_t;

typedef struct sc_worker {
    sc_pool_t *pool;
    uint8_t *buf;
    pthread_t thread;
    bool started;
} sc_worker_t;

static size_t resolve_jobs(const sc_ctx_t *c)
{
    size_t jobs = c->opts.jobs;
    if (!jobs) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (size_t)n : 1;
    }
    return jobs > LR_SCAN_MAX_JOBS ? LR_SCAN_MAX_JOBS : jobs;
}

/* A regular raw file of known size given by path, or a split raw set (its
 * first segment given: each segment is a raw file, read with pread and no
 * shared position): its stretches can be read in any order (a device is
 * read front to back, a compressed or container image needs its layer's
 * order). */
static bool can_cut(const sc_ctx_t *c, size_t i)
{
    lr_io_t *io = c->ios[i];
    struct stat st;
    const char *fmt = lr_io_format(io);
    if (!c->paths || !c->paths[i] || (strcmp(fmt, "raw") != 0 && strcmp(fmt, "split") != 0) ||
        !lr_io_size_known(io))
        return false;
    return stat(c->paths[i], &st) == 0 && S_ISREG(st.st_mode);
}

static uint64_t unit_span(const sc_ctx_t *c)
{
    return (uint64_t)c->opts.buffer_size * SC_UNIT_BUFFERS;
}

/* Fills units (when not NULL) and returns how many there are. */
static size_t make_units(const sc_ctx_t *c, sc_unit_t *units)
{
    size_t n = 0;
    uint64_t span = unit_span(c);
    for (size_t i = 0; i < c->scan->n_images; i++) {
        if (!c->ios[i])
            continue;
        uint64_t size = lr_io_size(c->ios[i]);
        bool cut = can_cut(c, i);
        uint64_t pieces = cut && size ? (size + span - 1) / span : 1;
        for (uint64_t k = 0; k < pieces; k++, n++) {
            if (!units)
                continue;
            sc_unit_t *u = &units[n];
            u->image = (int)i;
            u->from = k * span;
            u->to = cut && k + 1 < pieces ? u->from + span : UINT64_MAX;
            u->first = k == 0;
            u->last = k + 1 == pieces;
        }
    }
    return n;
}

size_t sc_parallel_units(sc_ctx_t *c)
{
    if (resolve_jobs(c) < 2)
        return 0;
    return make_units(c, NULL);
}

/* ---- workers ----------------------------------------------------------- */

/* Records a corrupt piece (merged by sc_bad_record) and moves *pos past it. */
static bool note_bad(sc_pool_t *pl, sc_part_t *pt, uint64_t *pos, const sc_bad_t *bad)
{
    sc_bad_t *nb = realloc(pt->bads, (pt->n_bads + 1) * sizeof(*nb));
    if (!nb) {
        pt->rc = lr_error_oom(&pt->e);
        return false;
    }
    pt->bads = nb;
    pt->bads[pt->n_bads++] = *bad;
    atomic_fetch_add(&pl->scanned, bad->next - *pos);
    *pos = bad->next;
    atomic_store(&pt->end, bad->next);
    return true;
}

/* The read at *pos failed with rc. When the scan keeps going and the
 * failure is a corrupt piece of a compressed image (an xz block, a zstd
 * frame), as in the single stream (sc_bad_skip): buf holds the *got bytes
 * before it, scanned here or (the piece starts in the tail) by the caller,
 * and the unit goes on after the piece. False when the read failure ends
 * the unit, as any other does. */
static bool skip_bad(sc_pool_t *pl, sc_part_t *pt, int image, uint8_t *buf, uint64_t *pos,
                     size_t *got, int rc)
{
    sc_bad_t bad;
    int k = SC_BAD_NONE;
    if (pl->c->opts.flags & LR_SCAN_KEEP_GOING)
        k = sc_bad_skip(pl->c->ios[image], buf, pl->bsize, *pos, &rc, &pt->e, got, &bad);
    if (k == SC_BAD_NONE) {
        pt->read_rc = rc;
        return false;
    }
    if (k == SC_BAD_TAIL)
        return true; /* the next read meets the piece */
    if (*got) {      /* scan what precedes the piece, then skip it */
        pt->rc = sc_probe_buffer(&pt->sub, image, *pos, buf, *got, *got);
        if (pt->rc)
            return false;
        *got = 0;
    }
    return note_bad(pl, pt, pos, &bad);
}

/* Scans unit j into its part (the worker's only work). */
static void scan_unit(sc_pool_t *pl, size_t j, uint8_t *buf)
{
    sc_ctx_t *c = pl->c;
    const sc_unit_t *u = &pl->units[j];
    sc_part_t *pt = &pl->parts[j % pl->workers];
    lr_io_t *io = c->ios[u->image];
    pt->sub.scan = &pt->res;
    /* the image indexes the probers' hits name are valid (the labels'
     * lookup for the LV reads to keep, lr_scan_locate_pv); the images'
     * records stay the merge's (res.images is NULL) */
    pt->res.n_images = c->scan->n_images;
    pt->sub.opts = c->opts;
    pt->sub.ios = c->ios;
    pt->sub.err = &pt->e;
    atomic_store(&pt->end, u->from);
    atomic_store(&pt->known, lr_io_size_known(io));
    /* a whole image read once, as one piece: probed as it goes by into a
     * probe of the unit's own, which the merge takes (evidence_early.c) */
    if (u->first && u->last && ev_early_allowed(c->early, u->image) &&
        (pt->sub.early = ev_early_new(c->ios, c->scan->n_images)) != NULL)
        ev_early_allow(pt->sub.early, u->image);
    for (uint64_t pos = u->from; pos < u->to && !atomic_load(&pl->stop);) {
        size_t got = 0;
        int rc = lr_io_pread_upto(io, buf, pl->bsize + SC_TAIL, pos, &got, &pt->e);
        atomic_store(&pt->hint, lr_io_size_hint(io));
        atomic_store(&pt->known, lr_io_size_known(io));
        if (rc) {
            lr_error_wrap(&pt->e, lr_io_name(io), rc);
            if (!skip_bad(pl, pt, u->image, buf, &pos, &got, rc))
                return;
            if (!got)
                continue; /* pos moved past the piece */
        }
        size_t len = got < pl->bsize ? got : pl->bsize;
        if (len > u->to - pos)
            len = (size_t)(u->to - pos);
        pt->rc = sc_probe_buffer(&pt->sub, u->image, pos, buf, len, got);
        if (pt->rc)
            return;
        sc_keep_settle(&pt->sub, u->image, pos + got);
        ev_early_feed(pt->sub.early, u->image, pos, buf, len);
        pos += len;
        atomic_store(&pt->end, pos);
        atomic_fetch_add(&pl->scanned, len);
        if (got <= pl->bsize) /* nothing follows the tail: the image ended */
            return;
    }
}

/* The next unit to scan, once its part is free; false when there is none
 * or the scan stopped. */
static bool take_unit(sc_pool_t *pl, size_t *j)
{
    pthread_mutex_lock(&pl->mu);
    while (!atomic_load(&pl->stop) && pl->next < pl->n_units &&
           pl->next >= pl->merged + pl->workers)
        pthread_cond_wait(&pl->cv, &pl->mu);
    bool go = !atomic_load(&pl->stop) && pl->next < pl->n_units;
    if (go)
        *j = pl->next++;
    pthread_mutex_unlock(&pl->mu);
    return go;
}

static void *worker_main(void *arg)
{
    sc_worker_t *w = arg;
    sc_pool_t *pl = w->pool;
    size_t j;
    while (take_unit(pl, &j)) {
        scan_unit(pl, j, w->buf);
        pthread_mutex_lock(&pl->mu);
        pl->parts[j % pl->workers].done = true;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
    return NULL;
}

/* ---- merging ----------------------------------------------------------- */

/* Frees what a part still owns and makes it ready for its next unit. */
static void part_clear(sc_part_t *pt)
{
    for (size_t i = 0; i < pt->res.n_copies; i++)
        free(pt->res.copies[i].vg_name);
    free(pt->res.copies);
    free(pt->res.labels);
    free(pt->sub.hdrs);
    free(pt->sub.bks);
    lr_btrfs_decoder_free(pt->sub.btrfs);
    ev_early_free(pt->sub.early);
    free(pt->bads);
    memset(pt, 0, sizeof(*pt));
}

/* How many of `have` items fit under `cap` after `n`; sets *cut when some
 * do not (the single-stream scan sets `truncated` at the first refused). */
static size_t room(size_t n, size_t have, size_t cap, bool *cut)
{
    size_t fit = n >= cap ? 0 : cap - n;
    if (have > fit) {
        *cut = true;
        return fit;
    }
    return have;
}

/* Appends a part's labels, headers, copies and backup-file starts to the result (moving the
 * copies' names), within the caps the probers apply. */
static int take_part(sc_ctx_t *c, sc_part_t *pt)
{
    lr_scan_t *s = c->scan;
    lr_scan_t *r = &pt->res;
    bool cut = r->truncated;
    size_t nl = room(s->n_labels, r->n_labels, LR_SCAN_MAX_LABELS, &cut);
    size_t nh = room(c->n_hdrs, pt->sub.n_hdrs, LR_SCAN_MAX_HEADERS, &cut);
    size_t nc = room(s->n_copies, r->n_copies, c->opts.max_copies, &cut);
    size_t nb = room(c->n_bks, pt->sub.n_bks, LR_SCAN_MAX_BACKUPS, &cut);
    int rc =
        sc_grow((void **)&s->labels, &c->cap_labels, s->n_labels + nl, sizeof(*s->labels), c->err);
    if (!rc)
        rc = sc_grow((void **)&c->hdrs, &c->cap_hdrs, c->n_hdrs + nh, sizeof(*c->hdrs), c->err);
    if (!rc)
        rc = sc_grow((void **)&s->copies, &c->cap_copies, s->n_copies + nc, sizeof(*s->copies),
                     c->err);
    if (!rc)
        rc = sc_grow((void **)&c->bks, &c->cap_bks, c->n_bks + nb, sizeof(*c->bks), c->err);
    if (rc)
        return rc;
    if (nb)
        memcpy(c->bks + c->n_bks, pt->sub.bks, nb * sizeof(*c->bks));
    c->n_bks += nb;
    if (nl)
        memcpy(s->labels + s->n_labels, r->labels, nl * sizeof(*s->labels));
    if (nh)
        memcpy(c->hdrs + c->n_hdrs, pt->sub.hdrs, nh * sizeof(*c->hdrs));
    if (nc)
        memcpy(s->copies + s->n_copies, r->copies, nc * sizeof(*s->copies));
    for (size_t i = 0; i < nc; i++)
        r->copies[i].vg_name = NULL; /* now the result's */
    s->n_labels += nl;
    c->n_hdrs += nh;
    s->n_copies += nc;
    s->truncated |= cut;
    return 0;
}

/* Waits until unit j was scanned, reporting progress meanwhile. */
static void wait_unit(sc_pool_t *pl, size_t j)
{
    sc_ctx_t *c = pl->c;
    sc_part_t *pt = &pl->parts[j % pl->workers];
    const sc_unit_t *u = &pl->units[j];
    pthread_mutex_lock(&pl->mu);
    while (!pt->done) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += SC_WAIT_NS;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&pl->cv, &pl->mu, &t) != ETIMEDOUT || pt->done)
            continue;
        pthread_mutex_unlock(&pl->mu);
        /* a lazy image's estimate grows as its worker reads it */
        uint64_t hint = atomic_load(&pt->hint);
        if (hint > c->image_total) {
            c->bytes_total += hint - c->image_total;
            c->image_total = hint;
        }
        /* what the workers scanned, merged or not (another lazy image's
         * estimate may lag behind it) */
        uint64_t merged_bytes = c->bytes_done;
        uint64_t scanned = atomic_load(&pl->scanned);
        c->bytes_done = scanned < c->bytes_total ? scanned : c->bytes_total;
        sc_stream_report(c, u->image, atomic_load(&pt->end), c->image_total,
                         !atomic_load(&pt->known));
        c->bytes_done = merged_bytes;
        pthread_mutex_lock(&pl->mu);
        if (c->scan->interrupted)
            break;
    }
    pthread_mutex_unlock(&pl->mu);
}

typedef struct sc_merge {
    int open_image;     /* image whose last unit was not merged, or -1 */
    size_t first_label; /* its first label */
    bool skip;          /* its read failed: its later units are dropped */
} sc_merge_t;

/* Unit j is the next to merge: an image starts with its first. */
static void begin_unit(sc_pool_t *pl, size_t j, sc_merge_t *m)
{
    sc_ctx_t *c = pl->c;
    const sc_unit_t *u = &pl->units[j];
    if (!u->first)
        return;
    m->first_label = c->scan->n_labels;
    m->open_image = u->image;
    m->skip = false;
    c->image_total = c->scan->images[u->image].size;
}

/* Merges unit j (scanned) into the result in order. */
static int merge_unit(sc_pool_t *pl, size_t j, sc_merge_t *m)
{
    sc_ctx_t *c = pl->c;
    lr_scan_t *s = c->scan;
    const sc_unit_t *u = &pl->units[j];
    sc_part_t *pt = &pl->parts[j % pl->workers];
    if (m->skip)
        return 0;
    uint64_t hint = atomic_load(&pt->hint);
    if (hint > c->image_total) {
        c->bytes_total += hint - c->image_total;
        c->image_total = hint;
    }
    int rc = take_part(c, pt);
    sc_bt_take_counts(&pt->sub, &s->images[u->image]);
    /* what it probed of its image, before the image's end drops it when
     * the image turns out damaged */
    ev_early_take(c->early, pt->sub.early);
    if (!rc && pt->rc) {
        if (c->err)
            *c->err = pt->e;
        rc = pt->rc;
    }
    for (size_t i = 0; !rc && i < pt->n_bads; i++) {
        rc = sc_bad_record(c, u->image, &pt->bads[i]);
    }
    if (rc)
        return rc;
    uint64_t end = atomic_load(&pt->end);
    s->images[u->image].scanned = end;
    c->bytes_done += end - u->from;
    if (pt->read_rc) {
        m->skip = true;
        rc = sc_read_failed(c, u->image, pt->read_rc, &pt->e);
    }
    if (!rc && (pt->read_rc || u->last)) {
        m->open_image = -1;
        rc = sc_image_end(c, u->image, m->first_label);
    }
    if (!rc && (c->bytes_done >= c->next_progress || u->last)) {
        c->next_progress = c->bytes_done + c->opts.progress_interval;
        rc = sc_stream_report(c, u->image, end, c->image_total, !atomic_load(&pt->known));
    }
    return rc;
}

static void release_unit(sc_pool_t *pl, size_t j)
{
    part_clear(&pl->parts[j % pl->workers]);
    pthread_mutex_lock(&pl->mu);
    pl->merged = j + 1;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
}

static int run_pool(sc_pool_t *pl, sc_worker_t *w)
{
    sc_ctx_t *c = pl->c;
    int rc = 0;
    for (size_t i = 0; i < pl->workers && !rc; i++) {
        rc = pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
        if (rc)
            rc = lr_error_set(c->err, -rc, LR_NO_OFFSET, "cannot start a scan worker thread");
        w[i].started = rc == 0;
    }
    sc_merge_t m = {.open_image = -1};
    for (size_t j = 0; !rc && j < pl->n_units && !c->scan->interrupted; j++) {
        begin_unit(pl, j, &m);
        wait_unit(pl, j);
        if (c->scan->interrupted)
            break;
        rc = merge_unit(pl, j, &m);
        release_unit(pl, j);
    }
    pthread_mutex_lock(&pl->mu);
    atomic_store(&pl->stop, true); /* an error or an interruption: the workers end */
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    for (size_t i = 0; i < pl->workers; i++) {
        if (w[i].started)
            pthread_join(w[i].thread, NULL);
    }
    /* interrupted inside an image: what was merged of it is settled too */
    if (!rc && m.open_image >= 0)
        rc = sc_image_end(c, m.open_image, m.first_label);
    return rc;
}

int sc_stream_parallel(sc_ctx_t *c)
{
    sc_pool_t pl = {.c = c, .bsize = c->opts.buffer_size};
    pl.n_units = make_units(c, NULL);
    pl.workers = resolve_jobs(c);
    if (pl.workers > pl.n_units)
        pl.workers = pl.n_units;
    pl.units = calloc(pl.n_units, sizeof(*pl.units));
    pl.parts = calloc(pl.workers, sizeof(*pl.parts));
    sc_worker_t *w = calloc(pl.workers, sizeof(*w));
    int rc = pl.units && pl.parts && w ? 0 : -ENOMEM;
    for (size_t i = 0; !rc && i < pl.workers; i++) {
        w[i].pool = &pl;
        /* page-aligned: the kernel copies into an unaligned buffer much slower */
        if (posix_memalign((void **)&w[i].buf, 4096, pl.bsize + SC_TAIL) != 0) {
            w[i].buf = NULL;
            rc = -ENOMEM;
        }
    }
    if (rc) {
        rc = lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "no memory for %zu scan workers",
                          pl.workers);
    } else {
        make_units(c, pl.units);
        pthread_mutex_init(&pl.mu, NULL);
        pthread_cond_init(&pl.cv, NULL);
        rc = run_pool(&pl, w);
        pthread_cond_destroy(&pl.cv);
        pthread_mutex_destroy(&pl.mu);
    }
    for (size_t i = 0; w && i < pl.workers; i++)
        free(w[i].buf);
    for (size_t i = 0; pl.parts && i < pl.workers; i++)
        part_clear(&pl.parts[i]);
    free(w);
    free(pl.parts);
    free(pl.units);
    return rc;
}
