/* Streams the images with large sequential reads and runs the signature
 * table on every sector. Each read carries SC_TAIL extra bytes so a prober
 * at the end of a buffer still sees the lines that follow its sector; those
 * bytes are read again as the start of the next buffer.
 *
 * A reader thread fills a ring of SC_NBUF buffers image after image while
 * the calling thread scans them in order, so reading (the kernel's copy, or
 * inflating a gzip image) overlaps the sector loop and the next image is
 * already being read while the last buffer of one is scanned. Everything
 * the probers record is recorded by the calling thread in image and offset
 * order: the result is the same as a scan without the thread. Handles whose
 * size is not known yet (LR_IO_LAZY) are streamed with lr_io_pread_upto to
 * their end; the image's size, its damage and the checks that need the size
 * (label validation) are settled when its last buffer has been scanned. */
#include "scan_int.h"
#include "evidence_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SC_NBUF 4 /* buffers in the ring: one scanned, up to three read ahead */
/* A block device read with O_DIRECT (lr_io_direct): each read is a device
 * request, so it is larger (fewer round trips to the device, and the
 * kernel splits it into several requests in flight at once). */
#define SC_DIRECT_BUFFER (4u << 20)
#define SC_DIRECT_NBUF 2

typedef struct sc_slot {
    uint8_t *p;     /* the pipe's cap + SC_TAIL bytes, page-aligned */
    size_t bsize;   /* bytes scanned from p (its image's buffer size) */
    size_t n;       /* bytes read */
    uint64_t pos;   /* image offset of p[0] */
    int image;      /* -1: no more images */
    bool last;      /* the image ends with this buffer (or its read failed) */
    uint64_t total; /* lr_io_size_hint after the read, for progress */
    bool known;     /* lr_io_size_known after the read: total is the size */
    int rc;         /* the read's status */
    lr_error_t e;
    uint64_t next; /* where the next buffer of the image starts */
    sc_bad_t bad;  /* bad.rc: a corrupt piece follows the bytes read */
} sc_slot_t;

typedef struct sc_pipe {
    sc_ctx_t *c;
    size_t bsize;  /* buffer size of a buffered image */
    size_t dbsize; /* of a direct one (lr_io_direct) */
    size_t cap;    /* of the ring's buffers: the larger of the two in use */
    size_t nbuf;   /* buffers in the ring */
    size_t wake;   /* buffers ready that wake a waiting scanner (nbuf - 1) */
    sc_slot_t slot[SC_NBUF];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t filled, consumed; /* buffers published by the reader / released by the scanner */
    int open_image;          /* image whose last buffer was not scanned yet, or -1 */
    size_t first_label;      /* its first label */
    bool stop;               /* the scanner gives up: the reader ends */
} sc_pipe_t;

int sc_stream_report(sc_ctx_t *c, int image, uint64_t image_done, uint64_t image_total,
                     bool estimated)
{
    if (!c->opts.progress)
        return 0;
    lr_scan_t *s = c->scan;
    lr_scan_progress_t p = {
        .image = image,
        .image_done = image_done,
        .image_total = image_total,
        .bytes_done = c->bytes_done,
        .bytes_total = c->bytes_total,
        .labels = s->n_labels,
        .areas = c->n_hdrs,
        .copies = s->n_copies,
        .image_total_estimated = estimated,
    };
    if (c->opts.progress(c->opts.progress_arg, &p) != 0)
        s->interrupted = true;
    return 0;
}

/* ---- reader ------------------------------------------------------------ */

/* Bytes follow offset off of io. */
static bool more_after(lr_io_t *io, uint64_t off)
{
    return !lr_io_size_known(io) || off < lr_io_size(io);
}

/* Shared by the single stream (skip_bad below) and the workers (workers.c):
 * both skip a corrupt piece alike, so their results are the same. */
int sc_bad_skip(lr_io_t *io, uint8_t *buf, size_t bsize, uint64_t pos, int *rc, lr_error_t *e,
                size_t *n, sc_bad_t *bad)
{
    uint64_t start = 0, end = 0;
    if (lr_io_bad_range(io, pos, &start, &end) != 1 || start >= pos + bsize + SC_TAIL || end <= pos)
        return SC_BAD_NONE;
    bad->rc = *rc;
    bad->e = *e;
    *rc = 0;
    *n = 0;
    lr_error_clear(e);
    if (start > pos) {
        *rc = lr_io_pread_upto(io, buf, (size_t)(start - pos), pos, n, e);
        if (*rc) {
            lr_error_wrap(e, lr_io_name(io), *rc);
            return SC_BAD_NONE;
        }
    }
    if (start > pos + bsize)
        return SC_BAD_TAIL;
    bad->len = end - start;
    bad->next = (end + SC_SECTOR - 1) / SC_SECTOR * SC_SECTOR;
    return SC_BAD_SKIP;
}

int sc_bad_record(sc_ctx_t *c, int image, const sc_bad_t *bad)
{
    c->scan->images[image].unreadable += bad->len;
    return sc_image_fail(c, image, &bad->e, false);
}

/* The read of sl failed: on a corrupt piece of a compressed image (an xz
 * block, a zstd frame) the buffer holds the bytes before it and the next
 * buffer starts after it (its bytes are unreadable, the others are not). */
static void skip_bad(sc_slot_t *sl, lr_io_t *io)
{
    sc_bad_t bad;
    if (sc_bad_skip(io, sl->p, sl->bsize, sl->pos, &sl->rc, &sl->e, &sl->n, &bad) != SC_BAD_SKIP)
        return;
    sl->bad = bad;
    sl->next = bad.next;
}

/* Reads the buffer at pos of image into sl (the reader thread's only work). */
static void read_slot(sc_pipe_t *pp, sc_slot_t *sl, int image, uint64_t pos)
{
    lr_io_t *io = pp->c->ios[image];
    sl->image = image;
    sl->pos = pos;
    sl->bsize = lr_io_direct(io) ? pp->dbsize : pp->bsize;
    lr_error_clear(&sl->e);
    sl->n = 0;
    sl->rc = lr_io_pread_upto(io, sl->p, sl->bsize + SC_TAIL, pos, &sl->n, &sl->e);
    if (sl->rc)
        lr_error_wrap(&sl->e, lr_io_name(io), sl->rc);
    sl->next = pos + sl->bsize;
    sl->bad.rc = 0;
    if (sl->rc)
        skip_bad(sl, io);
    /* a full read ends the image only when nothing follows its tail */
    sl->last = sl->rc != 0 || (sl->bad.rc ? !more_after(io, sl->next) : sl->n <= sl->bsize);
    sl->total = lr_io_size_hint(io);
    sl->known = lr_io_size_known(io);
}

/* Waits for a free buffer; false when the scanner stopped. */
static bool wait_free(sc_pipe_t *pp, size_t k)
{
    pthread_mutex_lock(&pp->mu);
    while (!pp->stop && k - pp->consumed >= pp->nbuf)
        pthread_cond_wait(&pp->cv, &pp->mu);
    bool go = !pp->stop;
    pthread_mutex_unlock(&pp->mu);
    return go;
}

/* Publishes buffer k. The scanner is faster than the reader and waits for
 * nearly every buffer: it is woken when pp->wake buffers wait for it (or
 * the image or the stream ends), not for each one, as each wake-up costs
 * the reader a system call (5 % of its time on a .zst, with 1 MiB
 * buffers). The reader never waits for it meanwhile: pp->wake < nbuf. */
static void publish(sc_pipe_t *pp, size_t k, bool flush)
{
    pthread_mutex_lock(&pp->mu);
    pp->filled = k + 1;
    if (flush || pp->filled - pp->consumed >= pp->wake)
        pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

static void *reader_main(void *arg)
{
    sc_pipe_t *pp = arg;
    sc_ctx_t *c = pp->c;
    size_t k = 0;
    for (size_t i = 0; i < c->scan->n_images; i++) {
        if (!c->ios[i])
            continue;
        for (uint64_t pos = 0;; k++) {
            if (!wait_free(pp, k))
                return NULL;
            sc_slot_t *sl = &pp->slot[k % pp->nbuf];
            read_slot(pp, sl, (int)i, pos);
            pos = sl->next;
            publish(pp, k, sl->last);
            if (sl->last) {
                k++;
                break;
            }
        }
    }
    if (wait_free(pp, k)) {
        pp->slot[k % pp->nbuf].image = -1;
        publish(pp, k, true);
    }
    return NULL;
}

/* ---- scanner ----------------------------------------------------------- */

/* The image's stream ended: its size is final (or, after a read error, as
 * far as it is known), damage a lazy gzip handle met is recorded, and the
 * labels found in it are checked against the bytes that follow them. */
int sc_image_end(sc_ctx_t *c, int image, size_t first_label)
{
    lr_scan_t *s = c->scan;
    lr_io_t *io = c->ios[image];
    lr_scan_image_t *im = &s->images[image];
    uint64_t size = lr_io_size(io);
    c->bytes_total = c->bytes_total - c->image_total + size;
    c->image_total = size;
    im->size = size;
    for (size_t i = first_label; i < s->n_labels; i++) {
        lr_scan_label_t *sl = &s->labels[i];
        lr_error_t e;
        lr_error_clear(&e);
        sl->valid =
            sl->pv_start <= size && lr_label_validate(&sl->label, size - sl->pv_start, &e) == 0;
    }
    int rc = sc_image_warnings(c, im, io); /* notes the stream added */
    lr_error_t why;
    bool cut = false;
    bool damaged = lr_io_damage(io, &cut, &why) != 0;
    /* what the stream probed of a damaged image is left to the evidence */
    ev_early_image_end(c->early, image,
                       damaged || im->unreadable > 0 || im->error_msg ||
                           lr_io_bad_range(io, 0, NULL, NULL) == 1);
    if (rc)
        return rc;
    if (damaged)
        return sc_image_fail(c, image, &why, cut);
    return 0;
}

/* Runs the probers on the sectors of one buffer. */
static int scan_slot(sc_ctx_t *c, const sc_slot_t *sl)
{
    size_t scan_len = sl->n < sl->bsize ? sl->n : sl->bsize;
    int rc = sc_probe_buffer(c, sl->image, sl->pos, sl->p, scan_len, sl->n);
    if (rc)
        return rc;
    sc_keep_settle(c, sl->image, sl->pos + sl->n);
    ev_early_feed(c->early, sl->image, sl->pos, sl->p, scan_len);
    lr_scan_t *s = c->scan;
    uint64_t end = sl->pos + scan_len;
    s->images[sl->image].scanned = end;
    c->bytes_done += scan_len;
    if (sl->total > c->image_total) { /* a lazy image's estimate grew */
        c->bytes_total += sl->total - c->image_total;
        c->image_total = sl->total;
    }
    if (c->bytes_done >= c->next_progress || sl->last) {
        c->next_progress = c->bytes_done + c->opts.progress_interval;
        sc_stream_report(c, sl->image, end, c->image_total, !sl->known);
    }
    return 0;
}

/* A corrupt piece followed the bytes of sl: it is the image's error (the
 * first one is reported) but not its end when asked to keep going, else the
 * scan fails with it. The bytes skipped count as done for progress, and
 * all of the piece as unreadable: the decoder may have made some of it
 * before the damage showed (they were scanned like any bytes, whatever is
 * found in them checked by its own checksums), but none of it is certain. */
static int skipped_bad(sc_ctx_t *c, const sc_slot_t *sl)
{
    if (!(c->opts.flags & LR_SCAN_KEEP_GOING)) {
        if (c->err)
            *c->err = sl->bad.e;
        return sl->bad.rc;
    }
    uint64_t done = sl->pos + (sl->n < sl->bsize ? sl->n : sl->bsize);
    lr_scan_image_t *im = &c->scan->images[sl->image];
    if (sl->next > done)
        c->bytes_done += sl->next - done;
    if (sl->next > im->scanned)
        im->scanned = sl->next;
    return sc_bad_record(c, sl->image, &sl->bad);
}

/* A read failed: the image ends there when asked to keep going, else the
 * scan fails with it. */
int sc_read_failed(sc_ctx_t *c, int image, int rc, const lr_error_t *e)
{
    if (c->opts.flags & LR_SCAN_KEEP_GOING)
        return sc_image_fail(c, image, e, true);
    if (c->err)
        *c->err = *e;
    return rc;
}

/* Scans buffer k once the reader published it; *more false after the last. */
static int consume(sc_pipe_t *pp, size_t k, bool *more)
{
    sc_ctx_t *c = pp->c;
    pthread_mutex_lock(&pp->mu);
    while (pp->filled <= k)
        pthread_cond_wait(&pp->cv, &pp->mu);
    pthread_mutex_unlock(&pp->mu);
    const sc_slot_t *sl = &pp->slot[k % pp->nbuf];
    *more = sl->image >= 0;
    if (!*more)
        return 0;
    lr_scan_image_t *im = &c->scan->images[sl->image];
    if (sl->pos == 0) { /* the image starts */
        pp->first_label = c->scan->n_labels;
        pp->open_image = sl->image;
        c->image_total = im->size;
    }
    int rc = sl->rc ? sc_read_failed(c, sl->image, sl->rc, &sl->e) : scan_slot(c, sl);
    if (!rc && sl->bad.rc)
        rc = skipped_bad(c, sl);
    if (!rc && sl->last) {
        pp->open_image = -1;
        rc = sc_image_end(c, sl->image, pp->first_label);
    }
    pthread_mutex_lock(&pp->mu);
    pp->consumed = k + 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return rc;
}

static void pipe_free(sc_pipe_t *pp)
{
    for (size_t i = 0; i < SC_NBUF; i++)
        free(pp->slot[i].p);
}

/* Sizes the ring: buffers of bsize, or of dbsize when an image is read
 * with O_DIRECT (fewer of them: the device, not the scan, is the slower,
 * and peak memory stays about the same). */
static void pipe_size(sc_pipe_t *pp)
{
    sc_ctx_t *c = pp->c;
    pp->bsize = c->opts.buffer_size;
    pp->dbsize = pp->bsize > SC_DIRECT_BUFFER ? pp->bsize : SC_DIRECT_BUFFER;
    pp->cap = pp->bsize;
    pp->nbuf = SC_NBUF;
    for (size_t i = 0; i < c->scan->n_images; i++) {
        if (c->ios[i] && lr_io_direct(c->ios[i])) {
            pp->cap = pp->dbsize;
            pp->nbuf = SC_DIRECT_NBUF;
        }
    }
    pp->wake = pp->nbuf - 1;
}

int sc_stream_images(sc_ctx_t *c)
{
    /* the evidence's LV heads and tails of an image that keeps ranges
     * (read once, as one piece) are probed as it goes by, by the one
     * stream or by the worker streaming that image */
    for (size_t i = 0; i < c->scan->n_images; i++)
        if (c->ios[i] && !lr_io_direct(c->ios[i]) && lr_io_keep(c->ios[i], 0, 0) == 1)
            ev_early_allow(c->early, (int)i);
    if (sc_parallel_units(c) > 1)
        return sc_stream_parallel(c); /* workers.c */
    sc_pipe_t pp = {.c = c, .open_image = -1};
    pipe_size(&pp);
    for (size_t i = 0; i < pp.nbuf; i++) {
        /* page-aligned: the kernel copies into an unaligned buffer much
         * slower, and O_DIRECT needs it */
        if (posix_memalign((void **)&pp.slot[i].p, 4096, pp.cap + SC_TAIL) != 0) {
            pp.slot[i].p = NULL;
            pipe_free(&pp);
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET,
                                "no memory for %zu buffers of %zu bytes", pp.nbuf, pp.cap);
        }
    }
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pthread_t reader;
    int rc = pthread_create(&reader, NULL, reader_main, &pp);
    if (rc) {
        rc = lr_error_set(c->err, -rc, LR_NO_OFFSET, "cannot start the reader thread");
    } else {
        bool more = true;
        for (size_t k = 0; more && !rc && !c->scan->interrupted; k++)
            rc = consume(&pp, k, &more);
        pthread_mutex_lock(&pp.mu);
        pp.stop = true; /* an error or an interruption: the reader ends too */
        pthread_cond_broadcast(&pp.cv);
        pthread_mutex_unlock(&pp.mu);
        pthread_join(reader, NULL);
        /* interrupted inside an image: what was found in it is settled too */
        if (!rc && pp.open_image >= 0)
            rc = sc_image_end(c, pp.open_image, pp.first_label);
    }
    pthread_cond_destroy(&pp.cv);
    pthread_mutex_destroy(&pp.mu);
    pipe_free(&pp);
    return rc;
}
