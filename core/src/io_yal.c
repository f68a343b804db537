/* Container images read through the libyal libraries: EWF (libewf), qcow2
 * (libqcow), VMDK (libvmdk) and VHD/VHDX (libvhdi). Each library opens the
 * image by its path (and finds the other files of the set itself: EWF
 * segments, VMDK extents); the parents of a chain (qcow2 backing files,
 * VMDK delta disks, differencing VHD/VHDX) are found here, beside the
 * image, opened with the same library and linked to their child (the
 * library then reads through them). This layer turns their reads and
 * errors into an lr_io_t. Read-only: no pwrite op.
 * One exception: the data of VHD files (fixed, dynamic, differencing) is
 * read through our own block map (io_vhd.c), because libvhdi misreads VHD
 * sector bitmaps (wrong bytes from a differencing disk, and quadratic
 * reads of full blocks; the why is at the top of io_vhd.c). libvhdi still
 * opens and checks each VHD file, gives its media size, parent name and
 * identifiers, and reads VHDX whole.
 * Every library is optional (LR_HAVE_EWF, LR_HAVE_QCOW, LR_HAVE_VMDK,
 * LR_HAVE_VHDI); without one, io_formats.c names it instead of calling
 * here. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"
#include "le.h"

#if defined(LR_HAVE_EWF) || defined(LR_HAVE_QCOW) || defined(LR_HAVE_VMDK) || defined(LR_HAVE_VHDI)

#ifdef LR_HAVE_BFIO
#define HAVE_LIBBFIO 1 /* libewf.h and libvhdi.h then declare their libbfio handle API */
#endif
#ifdef LR_HAVE_EWF
#include <libewf.h>
#endif
#ifdef LR_HAVE_QCOW
#include <libqcow.h>
#endif
#ifdef LR_HAVE_VMDK
#include <libvmdk.h>
#endif
#ifdef LR_HAVE_VHDI
#include <libvhdi.h>
#endif

#define YAL_MSG 512      /* a library's error text kept for our message */
#define YAL_MAX_CHAIN 16 /* parents (backing files) followed at most */

/* One open image of one library: read and free_file are the library's. */
typedef struct yal_ctx yal_ctx_t;
typedef struct yal_ops {
    const char *what; /* "EWF", "qcow2"... for messages */
    ssize_t (*read)(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg);
    void (*free_file)(void *h); /* closes and frees one library handle (NULL: nothing) */
} yal_ops_t;

#define YAL_MAX_NOTED 64 /* EWF: checksum-failing ranges remembered as noted */

struct yal_ctx {
    const yal_ops_t *ops;
    void *h;                    /* the library's handle of the image */
    void *chain[YAL_MAX_CHAIN]; /* its parents (backing files), nearest first */
    size_t n_chain;
    lr_io_t *io; /* the handle made of it (yal_wrap): for notes found by reads */
    /* EWF: the byte ranges whose chunk checksum failed, already noted
     * (ewf_note_sums), and the sectors libewf had counted then */
    pthread_mutex_t mu;
    uint32_t bytes_per_sector;
    uint64_t bad_sectors;
    uint64_t noted[YAL_MAX_NOTED][2];
    size_t n_noted;
    /* The byte ranges found unreadable by reads (lr_io_bad_range), [start,
     * end), adjacent ones merged: EWF, the chunks of a set libewf calls
     * corrupted or incomplete (a segment missing or cut); qcow2, clusters
     * that fail to read (damaged compressed data) */
    bool incomplete;
    uint64_t chunk_size;
    char *why; /* "N found; the next one, NAME, does not exist" */
    uint64_t (*lost)[2];
    size_t n_lost, cap_lost;
#ifdef LR_HAVE_BFIO
    libbfio_pool_t *pool; /* EWF: a segment read under a name libewf cannot glob */
#endif
};

/* The image first: it reads through its parents until it is closed. */
static void yal_free(yal_ctx_t *y)
{
    y->ops->free_file(y->h);
    for (size_t i = 0; i < y->n_chain; i++)
        y->ops->free_file(y->chain[i]);
#ifdef LR_HAVE_BFIO
    if (y->pool)
        libbfio_pool_free(&y->pool, NULL);
#endif
}

/* Where a read of [off, end) that failed went wrong: the first byte of a
 * lost range it meets (the read recorded it), else off. So the error's
 * offset is the one its text names, not where the read began. */
static uint64_t yal_fail_at(yal_ctx_t *y, uint64_t off, uint64_t end)
{
    uint64_t at = end;
    pthread_mutex_lock(&y->mu);
    for (size_t i = 0; i < y->n_lost; i++)
        if (y->lost[i][0] < end && y->lost[i][1] > off && y->lost[i][0] < at)
            at = y->lost[i][0] > off ? y->lost[i][0] : off;
    pthread_mutex_unlock(&y->mu);
    return at < end ? at : off;
}

static int yal_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    yal_ctx_t *y = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        char msg[YAL_MSG] = "";
        ssize_t n = y->ops->read(y, p, len, off, msg);
        if (n < 0)
            return lr_error_set(err, -EIO, yal_fail_at(y, off, off + len), "%s read failed: %s",
                                y->ops->what, msg[0] ? msg : "unknown error");
        if (n == 0)
            return lr_error_set(err, -EIO, off, "%s image ends early", y->ops->what);
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int yal_close(void *ctx, lr_error_t *err)
{
    (void)err;
    yal_ctx_t *y = ctx;
    yal_free(y);
    pthread_mutex_destroy(&y->mu);
    free(y->why);
    free(y->lost);
    free(y);
    return 0;
}

static const lr_io_ops_t yal_io_ops = {
    .name = "container",
    .pread = yal_pread,
    .close = yal_close,
};

/* Wraps an opened library handle (y is freed on failure). */
static int yal_wrap(lr_io_t **out, yal_ctx_t *y, uint64_t size, const char *path, lr_error_t *err)
{
    pthread_mutex_init(&y->mu, NULL);
    int rc = lr_io_new(out, &yal_io_ops, y, size, path, err);
    if (rc)
        yal_close(y, NULL);
    else
        y->io = *out;
    return rc;
}

/* Drops the first line of a libyal backtrace's noise: the text is one line
 * per level, the last the most useful; keep it whole but on one line. */
static void yal_flatten(char *msg)
{
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = *(p + 1) ? ' ' : '\0';
}

#if defined(LR_HAVE_EWF) || defined(LR_HAVE_QCOW) || defined(LR_HAVE_VHDI)
/* Records [a, b) as unreadable (under y->mu): merged with the range it
 * continues, so that a lost tail read buffer by buffer stays one range. */
static void yal_lose(yal_ctx_t *y, uint64_t a, uint64_t b)
{
    for (size_t i = 0; i < y->n_lost; i++) {
        if (y->lost[i][0] <= a && a <= y->lost[i][1]) {
            y->lost[i][1] = b > y->lost[i][1] ? b : y->lost[i][1];
            return;
        }
    }
    if (y->n_lost == y->cap_lost) {
        size_t cap = y->cap_lost ? 2 * y->cap_lost : 8;
        uint64_t(*g)[2] = realloc(y->lost, cap * sizeof(*g));
        if (!g)
            return; /* the read still fails; only the range is not kept */
        y->lost = g;
        y->cap_lost = cap;
    }
    y->lost[y->n_lost][0] = a;
    y->lost[y->n_lost][1] = b;
    y->n_lost++;
}
#endif

#ifdef LR_HAVE_BFIO
/* A byte range of a file given to a libyal library as a libbfio handle
 * (the libraries' own I/O abstraction) made of the callbacks below,
 * read-only: a VHDX file whose log must be replayed (the whole file, the
 * log's writes laid over its bytes: lr_vhdx_log_apply, io_vhdx_log.c), and
 * a VMDK file inside a tar archive (its bytes where they lie in the
 * archive). libbfio's conventions: 1 is success (0 for close), -1
 * failure; the error record is left unset. */
typedef struct {
    char *path;
    int fd;
    uint64_t base;            /* where the range starts in the file */
    const lr_vhdx_log_t *log; /* NULL, or the vhdi_file_t's, which outlives the handle */
    uint64_t pos, size;       /* in the range */
} yal_range_t;

static int yrange_free(intptr_t **h, libbfio_error_t **e)
{
    (void)e;
    yal_range_t *x = (yal_range_t *)*h;
    if (x && x->fd >= 0)
        close(x->fd);
    if (x)
        free(x->path);
    free(x);
    *h = NULL;
    return 1;
}

static int yrange_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
    (void)e;
    const yal_range_t *s = (const yal_range_t *)src;
    yal_range_t *d = calloc(1, sizeof(*d));
    if (!d || !(d->path = strdup(s->path))) {
        free(d);
        return -1;
    }
    d->fd = -1;
    d->base = s->base;
    d->log = s->log;
    d->size = s->size;
    *dst = (intptr_t *)d;
    return 1;
}

static int yrange_open(intptr_t *h, int flags, libbfio_error_t **e)
{
    (void)e;
    yal_range_t *x = (yal_range_t *)h;
    if (flags & LIBBFIO_ACCESS_FLAG_WRITE) /* an image is never written */
        return -1;
    if (x->fd < 0 && (x->fd = open(x->path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    x->pos = 0;
    return 1;
}

static int yrange_close(intptr_t *h, libbfio_error_t **e)
{
    (void)e;
    yal_range_t *x = (yal_range_t *)h;
    if (x->fd >= 0)
        close(x->fd);
    x->fd = -1;
    return 0;
}

static ssize_t yrange_read(intptr_t *h, uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)e;
    yal_range_t *x = (yal_range_t *)h;
    if (x->fd < 0 || len > SSIZE_MAX)
        return -1;
    if (x->pos >= x->size)
        return 0;
    if (len > x->size - x->pos)
        len = (size_t)(x->size - x->pos);
    size_t got = 0;
    if (lr_io_fd_pread(x->fd, buf, len, x->base + x->pos, &got))
        return -1;
    if (got < len && !x->log) /* an archive's file shorter than its header said */
        return -1;
    memset(buf + got, 0, len - got); /* the log extends the file: zeros */
    lr_vhdx_log_apply(x->log, buf, len, x->pos);
    x->pos += len;
    return (ssize_t)len;
}

static ssize_t yrange_write(intptr_t *h, const uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)h, (void)buf, (void)len, (void)e;
    return -1;
}

static off64_t yrange_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
    (void)e;
    yal_range_t *x = (yal_range_t *)h;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)x->pos : (int64_t)x->size;
    if ((whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) || base + off < 0)
        return -1;
    x->pos = (uint64_t)(base + off);
    return (off64_t)x->pos;
}

static int yrange_exists(intptr_t *h, libbfio_error_t **e)
{
    (void)h, (void)e;
    return 1;
}

static int yrange_is_open(intptr_t *h, libbfio_error_t **e)
{
    (void)e;
    return ((yal_range_t *)h)->fd >= 0;
}

static int yrange_get_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
    (void)e;
    *size = ((yal_range_t *)h)->size;
    return 1;
}

/* A libbfio handle reading size bytes of path from base (fd, open on
 * path or -1, is the handle's from here on; log may be NULL). -ENOMEM on
 * failure, fd closed. No error record: its only failure is memory, and
 * libbfio_error_free is not among the functions the libraries export. */
static int yal_range_handle(libbfio_handle_t **out, const char *path, int fd, uint64_t base,
                            uint64_t size, const lr_vhdx_log_t *log)
{
    *out = NULL;
    yal_range_t *x = calloc(1, sizeof(*x));
    if (!x || !(x->path = strdup(path))) {
        free(x);
        if (fd >= 0)
            close(fd);
        return -ENOMEM;
    }
    x->fd = fd;
    x->base = base;
    x->log = log;
    x->size = size;
    if (libbfio_handle_initialize(
            out, (intptr_t *)x, yrange_free, yrange_clone, yrange_open, yrange_close, yrange_read,
            yrange_write, yrange_seek, yrange_exists, yrange_is_open, yrange_get_size,
            LIBBFIO_FLAG_IO_HANDLE_MANAGED | LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION, NULL) != 1) {
        intptr_t *p = (intptr_t *)x;
        yrange_free(&p, NULL);
        *out = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* *pool: a pool of one range handle, size bytes at byte at of path (a
 * VMDK's one extent where it lies; an EWF segment named as no set is):
 * -ENOMEM when it cannot be made. */
static int yal_pool_of_one(libbfio_pool_t **pool, const char *path, uint64_t at, uint64_t size)
{
    libbfio_handle_t *h = NULL;
    int entry = 0;
    if (yal_range_handle(&h, path, -1, at, size, NULL))
        return -ENOMEM;
    if (libbfio_pool_initialize(pool, 0, LIBBFIO_POOL_UNLIMITED_NUMBER_OF_OPEN_HANDLES, NULL) !=
            1 ||
        libbfio_pool_append_handle(*pool, &entry, h, LIBBFIO_OPEN_READ, NULL) != 1) {
        libbfio_handle_free(&h, NULL);
        return -ENOMEM;
    }
    return 0;
}
#endif

/* ------------------------------------------------------------------ */
/* EWF                                                                 */

#ifdef LR_HAVE_EWF
static void ewf_msg(libewf_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libewf_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libewf_error_free(&e);
}

/* Whether [a, b) lies inside a range already noted (under y->mu). */
static bool ewf_noted(const yal_ctx_t *y, uint64_t a, uint64_t b)
{
    for (size_t i = 0; i < y->n_noted; i++)
        if (y->noted[i][0] <= a && b <= y->noted[i][1])
            return true;
    return false;
}

/* Notes one range of bytes [a, b) whose chunk fails its checksum. */
static void ewf_note_range(yal_ctx_t *y, uint64_t a, uint64_t b)
{
    char text[320];
    uint64_t bps = y->bytes_per_sector;
    snprintf(text, sizeof(text),
             "the EWF image %s: bytes %llu-%llu (sectors %llu-%llu) fail their chunk's checksum "
             "(damaged since it was acquired): read as stored, or as zeros where the chunk no "
             "longer decompresses, so they may be wrong",
             lr_io_name(y->io), (unsigned long long)a, (unsigned long long)b - 1,
             (unsigned long long)(a / bps), (unsigned long long)((b - 1) / bps));
    if (lr_io_add_note(y->io, text) == 0 && y->n_noted < YAL_MAX_NOTED) {
        y->noted[y->n_noted][0] = a;
        y->noted[y->n_noted][1] = b;
        y->n_noted++;
    }
}

/* The sectors libewf has recorded as checksum errors so far. */
static uint64_t ewf_error_sectors(const yal_ctx_t *y)
{
    uint32_t count = 0;
    uint64_t total = 0, start, n;
    if (libewf_handle_get_number_of_checksum_errors(y->h, &count, NULL) != 1)
        return 0;
    for (uint32_t i = 0; i < count; i++)
        if (libewf_handle_get_checksum_error(y->h, i, &start, &n, NULL) == 1)
            total += n;
    return total;
}

/* libewf's i-th checksum error (a range of sectors) as bytes, clipped to
 * [off, off + len): 1 and [*a, *b) when they meet, else 0. */
static int ewf_error_in(const yal_ctx_t *y, uint32_t i, uint64_t off, uint64_t len, uint64_t *a,
                        uint64_t *b)
{
    uint64_t start, n, bps = y->bytes_per_sector;
    if (libewf_handle_get_checksum_error(y->h, i, &start, &n, NULL) != 1)
        return 0;
    *a = start * bps > off ? start * bps : off;
    *b = (start + n) * bps < off + len ? (start + n) * bps : off + len;
    return *a < *b;
}

/* libewf checks each chunk's checksum as it reads it and records the
 * sectors of one that fails (ewfverify's "sector validation errors"). The
 * handle is opened so that it hands such a chunk over as stored
 * (libewf_handle_set_read_zero_chunk_on_error 0): by default it reads as
 * zeros, and one flipped byte would silently wipe 32 KiB -- a PV label with
 * it. A compressed chunk that no longer decompresses still reads as zeros.
 * When a read [off, off + len) made the record grow, the failing ranges
 * inside it are noted (lr_io_note: lvmscan shows them once the image is
 * scanned), each once. */
static void ewf_note_sums(yal_ctx_t *y, uint64_t off, uint64_t len)
{
    uint32_t count = 0;
    if (!y->io || y->bytes_per_sector == 0 ||
        libewf_handle_get_number_of_checksum_errors(y->h, &count, NULL) != 1 || count == 0)
        return;
    pthread_mutex_lock(&y->mu);
    uint64_t total = ewf_error_sectors(y), a, b;
    for (uint32_t i = 0; total != y->bad_sectors && i < count; i++)
        if (ewf_error_in(y, i, off, len, &a, &b) && !ewf_noted(y, a, b))
            ewf_note_range(y, a, b);
    y->bad_sectors = total;
    pthread_mutex_unlock(&y->mu);
}

/* [*a, *b) widened to whole chunks, within the media: a chunk libewf
 * could not read is lost whole, and must not be read again (libewf fails a
 * second read of such a chunk, and leaks the chunk's buffer each time). */
static void ewf_whole_chunks(const yal_ctx_t *y, uint64_t *a, uint64_t *b)
{
    uint64_t size = lr_io_size(y->io);
    *a = *a / y->chunk_size * y->chunk_size;
    *b = *b >= size ? size : (*b + y->chunk_size - 1) / y->chunk_size * y->chunk_size;
    if (*b > size)
        *b = size;
}

/* The first lost range known (under y->mu) that meets [off, off + len):
 * 1 and [*a, *b), else 0. */
static int ewf_known_lost(const yal_ctx_t *y, uint64_t off, uint64_t len, uint64_t *a, uint64_t *b)
{
    int found = 0;
    for (size_t i = 0; i < y->n_lost; i++) {
        if (y->lost[i][0] >= off + len || y->lost[i][1] <= off || (found && y->lost[i][0] >= *a))
            continue;
        *a = y->lost[i][0];
        *b = y->lost[i][1];
        found = 1;
    }
    return found;
}

/* After libewf read [off, off + n) of an incomplete set: the chunks it
 * gave as zeros (recorded as checksum errors) are recorded as lost, whole;
 * 1 and the first such [*a, *b), else 0 (under y->mu). */
static int ewf_record_unread(yal_ctx_t *y, uint64_t off, uint64_t n, uint64_t *a, uint64_t *b)
{
    uint32_t count = 0;
    uint64_t s, e;
    int found = 0;
    if (libewf_handle_get_number_of_checksum_errors(y->h, &count, NULL) != 1)
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        if (!ewf_error_in(y, i, off, n, &s, &e))
            continue;
        ewf_whole_chunks(y, &s, &e);
        yal_lose(y, s, e);
        if (!found || s < *a) {
            *a = s;
            *b = e;
        }
        found = 1;
    }
    return found;
}

/* Whether chunk c of an incomplete set is held by a segment found: libewf
 * reads it without recording a checksum error. Each chunk is asked once. */
static bool ewf_chunk_held(yal_ctx_t *y, uint8_t *tmp, uint64_t c)
{
    uint64_t at = c * y->chunk_size, size = lr_io_size(y->io);
    size_t len = (size_t)(size - at < y->chunk_size ? size - at : y->chunk_size);
    uint64_t before = ewf_error_sectors(y);
    ssize_t n = libewf_handle_read_random(y->h, tmp, len, (off64_t)at, NULL);
    return n == (ssize_t)len && ewf_error_sectors(y) == before;
}

/* Where the gap of lost chunks that reaches from (a chunk boundary) ends:
 * the first chunk held after it, or the media's end (under y->mu).
 * libewf leaks each missing chunk it is asked for (32 KiB by default), so
 * the gap is not read chunk by chunk: chunks 1, 2, 4, 8... after it are
 * asked until one is held, then the boundary is found by halving, about
 * 2 log2(gap) chunks in all. A gap holding held chunks between two lost
 * ones (two segments cut) may be taken as one: unreadable, never wrong. */
static uint64_t ewf_gap_end(yal_ctx_t *y, uint64_t from)
{
    uint64_t size = lr_io_size(y->io), cs = y->chunk_size;
    uint64_t n_chunks = (size + cs - 1) / cs, lo = from / cs, hi = n_chunks, step = 1;
    if (lo >= n_chunks)
        return size;
    uint8_t *tmp = malloc(cs);
    if (!tmp)
        return from; /* cannot look further: the gap is what was found */
    if (ewf_chunk_held(y, tmp, lo)) {
        free(tmp);
        return lo * cs;
    }
    while (lo + step < n_chunks) {
        if (ewf_chunk_held(y, tmp, lo + step)) {
            hi = lo + step;
            break;
        }
        lo += step;
        step *= 2;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ewf_chunk_held(y, tmp, mid))
            hi = mid;
        else
            lo = mid;
    }
    free(tmp);
    return hi < n_chunks ? hi * cs : size;
}

/* A read of an incomplete set. A chunk no segment found holds is read by
 * libewf as zeros and recorded as a checksum error (a second read of it
 * fails); that read fails here instead, naming the bytes, and the whole
 * gap those chunks begin (ewf_gap_end) stays unreadable (lr_io_bad_range
 * tells the scan where it ends) without libewf being asked for it again.
 * A read libewf fails is lost the same way. */
static ssize_t ewf_read_incomplete(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    uint64_t a = 0, b = 0;
    ssize_t n = -1;
    pthread_mutex_lock(&y->mu);
    int lost = ewf_known_lost(y, off, len, &a, &b);
    if (!lost) {
        libewf_error_t *e = NULL;
        n = libewf_handle_read_random(y->h, buf, len, (off64_t)off, &e);
        ewf_msg(e, NULL);
        if (n < 0) {
            a = off;
            b = off + len;
            ewf_whole_chunks(y, &a, &b);
            yal_lose(y, a, b);
            lost = 1;
        } else {
            lost = ewf_record_unread(y, off, (uint64_t)n, &a, &b);
        }
        if (lost) { /* the rest of the gap, found without reading it all */
            b = ewf_gap_end(y, b);
            yal_lose(y, a, b);
        }
    }
    pthread_mutex_unlock(&y->mu);
    if (!lost)
        return n;
    snprintf(msg, YAL_MSG,
             "bytes %llu-%llu are unreadable: the EWF segment files are corrupted or incomplete "
             "(%s)",
             (unsigned long long)a, (unsigned long long)b - 1, y->why);
    return -1;
}

static ssize_t ewf_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    if (y->incomplete)
        return ewf_read_incomplete(y, buf, len, off, msg);
    libewf_error_t *e = NULL;
    ssize_t n = libewf_handle_read_random(y->h, buf, len, (off64_t)off, &e);
    ewf_msg(e, msg);
    if (n > 0)
        ewf_note_sums(y, off, (uint64_t)n);
    return n;
}

/* Sectors whose read from the disk failed during the acquisition are
 * recorded in the image (ewfinfo's "read errors during acquiry") and hold
 * what the acquiring tool put there (zeros with ewfacquire -w, or what a
 * retry read): noted at open, every range, so that nothing read from them
 * is taken for the disk's without a word. */
static int ewf_note_acquiry(yal_ctx_t *y)
{
    uint32_t count = 0;
    uint64_t start, n, bps = y->bytes_per_sector;
    if (bps == 0 || libewf_handle_get_number_of_acquiry_errors(y->h, &count, NULL) != 1)
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        if (libewf_handle_get_acquiry_error(y->h, i, &start, &n, NULL) != 1 || n == 0)
            continue;
        char text[320];
        snprintf(text, sizeof(text),
                 "the EWF image %s: bytes %llu-%llu (sectors %llu-%llu) met a read error when the "
                 "disk was acquired: what the image holds there (zeros, or what a retry read) "
                 "may not be the disk's",
                 lr_io_name(y->io), (unsigned long long)(start * bps),
                 (unsigned long long)((start + n) * bps - 1), (unsigned long long)start,
                 (unsigned long long)(start + n - 1));
        if (lr_io_add_note(y->io, text))
            return -ENOMEM;
    }
    return 0;
}

/* The note of an incomplete set: what it lacks reads as unreadable. */
static int ewf_note_incomplete(yal_ctx_t *y)
{
    char text[YAL_MSG + 200];
    if (!y->incomplete)
        return 0;
    snprintf(text, sizeof(text),
             "the EWF image %s: the segment files are corrupted or incomplete (%s): any chunk "
             "they do not hold is unreadable, and what libewf reads of the rest is read",
             lr_io_name(y->io), y->why);
    return lr_io_add_note(y->io, text) ? -ENOMEM : 0;
}

static void ewf_free_file(void *f)
{
    libewf_handle_t *h = f;
    if (!h)
        return;
    libewf_handle_close(h, NULL);
    libewf_handle_free(&h, NULL);
}

static const yal_ops_t ewf_ops = {.what = "EWF", .read = ewf_read, .free_file = ewf_free_file};

/* The number of the segment file name of a set whose first segment's
 * extension begins with base (E, e, s), as libewf names them: .E01 to
 * .E99, then from segment 100 three letters counting from .EAA (.EAZ,
 * .EBA, ... .EZZ, .FAA); .Ex01 alike up to 99. 0 when it is none. */
static int ewf_seg_number(const char *name, char base)
{
    size_t n = strlen(name);
    if (n < 3)
        return 0;
    const char *x = name + n - 3;
    if (x[1] >= '0' && x[1] <= '9' && x[2] >= '0' && x[2] <= '9')
        return (x[1] - '0') * 10 + (x[2] - '0');
    char a = base >= 'a' ? 'a' : 'A';
    if (x[0] < base || x[0] > a + 25 || x[1] < a || x[1] > a + 25 || x[2] < a || x[2] > a + 25 ||
        n < 4 || name[n - 4] != '.')
        return 0;
    return 100 + (x[0] - base) * 676 + (x[1] - a) * 26 + (x[2] - a);
}

/* The name of segment k of the set named like `like` (its extension's
 * last three characters replaced), "" when k has none. */
static void ewf_seg_name(const char *like, char base, int k, char *out, size_t cap)
{
    size_t n = strlen(like);
    char a = base >= 'a' ? 'a' : 'A';
    out[0] = '\0';
    if (n < 3 || k < 1)
        return;
    int r = 0;
    if (k <= 99 && like[n - 2] >= '0' && like[n - 2] <= '9')
        r = snprintf(out, cap, "%.*s%02d", (int)(n - 2), like, k);
    else if (k >= 100 && (k - 100) / 676 <= a + 25 - base)
        r = snprintf(out, cap, "%.*s%c%c%c", (int)(n - 3), like, base + (k - 100) / 676,
                     a + (k - 100) / 26 % 26, a + (k - 100) % 26);
    if (r <= 0 || (size_t)r >= cap)
        out[0] = '\0';
}

/* The segment file named after last (disk.E06 -> disk.E07, disk.E99 ->
 * disk.EAA; .s01, .e01 and .Ex01 alike) in the set whose first segment is
 * first, "" when there is none: libewf_glob stops at the first name that
 * does not exist, so when the set is incomplete this is the one missing
 * (or the set ends there and its last segment is damaged). */
static void ewf_next_name(const char *first, const char *last, char *out, size_t cap)
{
    size_t n = strlen(first);
    char base = n >= 3 ? first[n - 3] : 'E';
    int k = ewf_seg_number(last, base);
    out[0] = '\0';
    if (k > 0 && n >= 3 && first[n - 2] == '0' && first[n - 1] == '1')
        ewf_seg_name(last, base, k + 1, out, cap);
}

/* The first name after the missing `next` (in the set of first) that lies
 * beside it, up to 64 on: the segments past a lost one, unread. */
static void ewf_after_lost(const char *first, const char *next, char *out, size_t cap)
{
    size_t n = strlen(first);
    char base = n >= 3 ? first[n - 3] : 'E';
    int k = ewf_seg_number(next, base);
    struct stat st;
    out[0] = '\0';
    for (int j = k + 1; k > 0 && j <= k + 64; j++) {
        ewf_seg_name(next, base, j, out, cap);
        if (out[0] && stat(out, &st) == 0)
            return;
    }
    out[0] = '\0';
}

/* An EWF (version 1) segment file's signature (EWF-E01 and SMART). */
static const uint8_t ewf_sig[8] = {'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00};

/* How an EWF (version 1) segment file ends: its sections, each led by a
 * 76-byte descriptor (type, the next section's offset, size), chain from
 * byte 13 to a "next" (more segments follow) or "done" section (the
 * set's last). */
enum { EWF_SEG_UNKNOWN, EWF_SEG_NEXT, EWF_SEG_DONE, EWF_SEG_CUT };

#define EWF_SEG_SECTIONS 1000000 /* sections walked at most in one file */

/* EWF_SEG_CUT: a section runs on past the file's end (*end: its size).
 * *chunks: the entries of its whole "table" sections (the chunks it
 * holds; "table2" repeats them), *tabled: whether there is one. */
static int ewf_segment_end(const char *name, uint64_t *end, uint64_t *chunks, bool *tabled)
{
    uint8_t d[76];
    struct stat st;
    size_t n = 0;
    int kind = EWF_SEG_UNKNOWN, fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || lr_io_fd_pread(fd, d, 8, 0, &n) || n != 8 ||
        memcmp(d, ewf_sig, 8) != 0) {
        if (fd >= 0)
            close(fd);
        return kind;
    }
    uint64_t size = (uint64_t)st.st_size, at = 13;
    *end = size;
    *chunks = 0;
    *tabled = false;
    for (long i = 0; i < EWF_SEG_SECTIONS; i++) {
        if (at + sizeof(d) > size) {
            kind = EWF_SEG_CUT;
            break;
        }
        if (lr_io_fd_pread(fd, d, sizeof(d), at, &n) || n != sizeof(d))
            break;
        uint64_t next = lr_get_le64(d + 16), len = lr_get_le64(d + 24);
        bool last = memcmp(d, "next", 5) == 0 || memcmp(d, "done", 5) == 0;
        if (last) { /* EWF-E01 points it at itself, SMART (.s01) past it */
            kind = d[0] == 'n' ? EWF_SEG_NEXT : EWF_SEG_DONE;
            break;
        }
        if (next > size || (len && at + len > size)) {
            kind = EWF_SEG_CUT;
            break;
        }
        uint8_t k[4];
        if (memcmp(d, "table", 6) == 0 && len >= sizeof(d) + 4 &&
            !lr_io_fd_pread(fd, k, 4, at + sizeof(d), &n) && n == 4) {
            *chunks += lr_get_le32(k);
            *tabled = true;
        }
        if (next <= at)
            break; /* not as EWF chains them: not known */
        at = next;
    }
    close(fd);
    return kind;
}

/* Why a set opened incomplete: the first segment cut short, else the
 * segment the last one found says follows (it does not exist), else
 * what was found (malloc'd into *why; -ENOMEM). *lost_from: when the
 * segment cut holds no whole table of its chunks, the chunks of the
 * segments before it (libewf then places the later segments' chunks
 * wrongly, ewfexport too: all from there on is unreadable); else
 * UINT64_MAX. */
static int ewf_why(char **names, int n_names, char **why, uint64_t *lost_from)
{
    char next[YAL_MSG] = "";
    uint64_t end = 0, chunks = 0, before = 0;
    bool tabled = false;
    int last = EWF_SEG_UNKNOWN, r = 0;
    *lost_from = UINT64_MAX;
    for (int i = 0; i < n_names; i++, before += chunks) {
        last = ewf_segment_end(names[i], &end, &chunks, &tabled);
        if (last == EWF_SEG_UNKNOWN)
            before = UINT64_MAX / 2; /* not counted: nothing said lost */
        if (last == EWF_SEG_CUT) {
            if (!tabled && before < UINT64_MAX / 2)
                *lost_from = before;
            r = asprintf(why,
                         "%d found; %s is cut short: its sections run on past its end (byte %llu)",
                         n_names, names[i], (unsigned long long)end);
            return r < 0 ? -ENOMEM : 0;
        }
    }
    char after[YAL_MSG] = "";
    if (n_names > 0)
        ewf_next_name(names[0], names[n_names - 1], next, sizeof(next));
    if (next[0])
        ewf_after_lost(names[0], next, after, sizeof(after));
    if (last == EWF_SEG_DONE)
        r = asprintf(why, "%d found, the last one ending the set, none cut short: one is damaged",
                     n_names);
    else if (next[0] && after[0])
        r = asprintf(why,
                     "%d found; the next one, %s, does not exist, and %s lies beside it: the "
                     "segments from there on are not read",
                     n_names, next, after);
    else if (next[0])
        r = asprintf(why, "%d found; the next one, %s, does not exist", n_names, next);
    else
        r = asprintf(why, "%d found", n_names);
    return r < 0 ? -ENOMEM : 0;
}

/* Opens the one segment file path, named as libewf_glob does not name
 * a set (evidence, disk.bin): libewf_handle_open wants a set's name too,
 * a pool of one handle does not. 1 on success, as libewf says. */
static int ewf_open_alone(yal_ctx_t *y, libewf_handle_t *h, const char *path, libewf_error_t **e)
{
#ifdef LR_HAVE_BFIO
    struct stat st;
    if (stat(path, &st) != 0 || yal_pool_of_one(&y->pool, path, 0, (uint64_t)st.st_size))
        return -1;
    return libewf_handle_open_file_io_pool(h, y->pool, LIBEWF_OPEN_READ, e);
#else
    char *alone[1] = {(char *)path};
    (void)y;
    return libewf_handle_open(h, alone, 1, LIBEWF_OPEN_READ, e);
#endif
}

/* A later segment of an EWF (version 1) set given as the image: its
 * header's segment number (le16 at byte 9) is not 1. libewf would read
 * the whole set from it (under the later segment's name), and a glob
 * (disk.E*) would give the set once per segment, each a "duplicate" PV:
 * refused like a split raw set's later segment, naming the first. */
static int ewf_later_segment(const char *path, lr_error_t *err)
{
    uint8_t h[13];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* the open below says why */
    int rc = lr_io_fd_pread(fd, h, sizeof(h), 0, &n);
    close(fd);
    if (rc || n != sizeof(h) || memcmp(h, ewf_sig, 8) != 0 || lr_get_le16(h + 9) <= 1)
        return 0;
    /* its first segment: the extension's letter and 01 (.E05, .EAB: .E01) */
    char first[PATH_MAX] = "";
    const char *dot = strrchr(path, '.');
    if (dot && strlen(dot) == 4 && !strchr(dot, '/') &&
        (size_t)snprintf(first, sizeof(first), "%.*s%c01", (int)(dot - path + 1), path, dot[1]) >=
            sizeof(first))
        first[0] = '\0';
    struct stat st;
    bool beside = first[0] && stat(first, &st) == 0;
    return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                       "segment %u of an EWF set, not its first: give the first (%s%s), "
                       "libewf finds the others beside it",
                       (unsigned)lr_get_le16(h + 9), first[0] ? first : "the set's .E01 file",
                       beside ? ", beside it" : ", not found beside it");
}

int lr_io_ewf_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    int later = ewf_later_segment(path, err);
    if (later)
        return later;
    char msg[YAL_MSG] = "";
    libewf_error_t *e = NULL;
    char **names = NULL, *alone[1] = {(char *)path};
    int n_names = 0;
    bool globbed =
        libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &n_names, &e) == 1;
    if (!globbed) {
        /* libewf_glob names a set by its extension (.E01, .s01...): a
         * segment renamed (evidence.bin) is read alone when it ends the set */
        uint64_t end = 0, chunks = 0;
        bool tabled = false;
        int kind = ewf_segment_end(path, &end, &chunks, &tabled);
        ewf_msg(e, msg); /* frees it */
        e = NULL;
        if (kind != EWF_SEG_DONE)
            return lr_error_at(
                err, path, LR_EFORMAT, LR_NO_OFFSET, "cannot find the EWF segment files: %s%s", msg,
                kind == EWF_SEG_NEXT ? " (the first of several segment files, which are "
                                       "found only by a set's names: give them as written, "
                                       "NAME.E01, NAME.E02 ...)"
                                     : "");
        names = alone;
        n_names = 1;
    }
    yal_ctx_t *y = calloc(1, sizeof(*y));
    libewf_handle_t *h = NULL;
    int rc = 0;
    if (!y || libewf_handle_initialize(&h, &e) != 1) {
        ewf_msg(e, NULL);
        rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if ((globbed ? libewf_handle_open(h, names, n_names, LIBEWF_OPEN_READ, &e)
                        : ewf_open_alone(y, h, path, &e)) != 1) {
        ewf_msg(e, msg);
        /* a segment cut inside its first sections: say which */
        char *why = NULL;
        uint64_t from = 0;
        if (ewf_why(names, n_names, &why, &from) || !strstr(why, " is cut short")) {
            free(why);
            why = NULL;
        }
        if (why)
            rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                             "cannot open the EWF image (%s): %s", why, msg);
        else
            rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                             "cannot open the EWF image (%d segment file%s found): %s", n_names,
                             n_names == 1 ? "" : "s", msg);
        free(why);
    }
    /* A set missing a segment (or with one cut or damaged: an interrupted
     * acquisition, a copy cut short) opens; libewf reads the chunks it
     * does not have as zeros. They are made unreadable instead
     * (ewf_read_incomplete), the rest is read, and a note says so. */
    size32_t chunk = 0;
    uint64_t lost_from = UINT64_MAX;
    if (!rc && libewf_handle_segment_files_corrupted(h, NULL) == 1 &&
        libewf_handle_get_chunk_size(h, &chunk, NULL) == 1 && chunk > 0) {
        y->incomplete = true;
        y->chunk_size = chunk;
        if (ewf_why(names, n_names, &y->why, &lost_from)) {
            y->why = NULL;
            rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
        }
    }
    if (globbed)
        libewf_glob_free(names, n_names, NULL);
    size64_t size = 0;
    if (!rc && libewf_handle_get_media_size(h, &size, &e) != 1) {
        ewf_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no media size in the EWF image: %s",
                         msg);
    }
    /* a segment cut before its chunk table: libewf may serve the later
     * segments' chunks at its place; nothing from its first chunk on is
     * taken for the disk's */
    if (!rc && lost_from != UINT64_MAX && lost_from < size / chunk + 1)
        yal_lose(y, lost_from * chunk, size);
    if (rc) {
        if (h) {
            libewf_handle_close(h, NULL);
            libewf_handle_free(&h, NULL);
        }
        if (y)
            free(y->why);
        free(y);
        return rc;
    }
    y->ops = &ewf_ops;
    y->h = h;
    uint32_t bps = 0;
    libewf_handle_set_read_zero_chunk_on_error(h, 0, NULL); /* see ewf_note_sums */
    if (libewf_handle_get_bytes_per_sector(h, &bps, NULL) == 1)
        y->bytes_per_sector = bps;
    rc = yal_wrap(out, y, size, path, err);
    if (!rc && (ewf_note_acquiry(y) || ewf_note_incomplete(y))) {
        lr_io_close(*out, NULL);
        *out = NULL;
        return lr_error_oom(err);
    }
    return rc;
}
#endif

/* ------------------------------------------------------------------ */
/* Chains: an image that reads through its parent (qcow2 backing files, */
/* VMDK delta disks, differencing VHD/VHDX)                            */

#if defined(LR_HAVE_QCOW) || defined(LR_HAVE_VMDK) || defined(LR_HAVE_VHDI)
#if defined(LR_HAVE_QCOW) || defined(LR_HAVE_VHDI)
/* A read by our own map of a chain (qcow, VHD: fn reads len bytes at off
 * of the file h, 0 or the status) as a yal_ops_t read: len or -1 with the
 * message in msg. */
static ssize_t yal_read_by(lr_vhd_parent_fn fn, void *h, void *buf, size_t len, uint64_t off,
                           char *msg)
{
    lr_error_t e;
    lr_error_clear(&e);
    if (fn(h, buf, len, off, &e) == 0)
        return (ssize_t)len;
    lr_error_format(&e, msg, YAL_MSG);
    return -1;
}
#endif

/* The directory of path (for files named relative to the image). */
static char *yal_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

/* How one library opens the files of a chain and links them. */
typedef struct yal_chain_ops {
    const char *word; /* what a parent is called: "backing file", "parent" */
    /* Opens one file of the chain (image: the chain's top, for messages). */
    int (*open)(void **h, const char *path, const char *image, lr_error_t *err);
    /* The parent h names (malloc'd, as the file records it): NULL when
     * it has none. */
    int (*parent_name)(void *h, const char *image, char **name, lr_error_t *err);
    /* 0 when parent is the file child was made from (may be NULL: no check). */
    int (*check)(void *child, void *parent, const char *back, const char *image, lr_error_t *err);
    /* Makes child read through parent; 1 on success as the library says. */
    int (*attach)(void *child, void *parent, char *msg);
    /* The image's size in bytes; 1 on success as the library says. */
    int (*media_size)(void *h, uint64_t *size);
    /* The i-th note the open of file h recorded, NULL past the last (may be
     * NULL: the library's files carry none). */
    const char *(*note)(void *h, size_t i);
    /* Makes the top file h read its internal snapshot want (id or name)
     * in place of its current state (NULL for formats that have none:
     * lr_io_open_opts refuses a snapshot for them before opening). */
    int (*select)(void *h, const char *want, lr_error_t *err);
    /* How many internal snapshots the file h holds (may be NULL: none). */
    size_t (*snapshots)(void *h);
} yal_chain_ops_t;

/* 1 if path is a readable regular file: a parent named in an image is never
 * a device, a FIFO or a directory (a hostile name must not make the reader
 * block or read a device). */
static bool yal_is_file(const char *path)
{
    struct stat st;
    return access(path, R_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A parent's name as a POSIX path: VMDK and VHD written on Windows name
 * it with backslashes, a drive letter or a leading ".\"; *abs tells an
 * absolute name (its directory is then only a hint). */
static char *yal_norm(const char *name, bool *abs)
{
    char *n = strdup(name);
    if (!n)
        return NULL;
    for (char *p = n; *p; p++)
        if (*p == '\\')
            *p = '/';
    char *p = n;
    *abs = p[0] == '/' || (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':');
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    memmove(n, p, strlen(p) + 1);
    return n;
}

/* Where the parent named name of the file child is: an absolute name as
 * given when it exists, else beside child (a relative name relative to
 * child's directory, as qemu does; else its last component): images are
 * moved with their parents more often than kept at the same path. */
static int yal_find_parent(const char *child, const char *name, const char *word, const char *image,
                           char **out, lr_error_t *err)
{
    *out = NULL;
    bool abs = false;
    char *norm = yal_norm(name, &abs);
    char *dir = yal_dir(child);
    char *rel = NULL, *beside = NULL;
    int rc = 0;
    const char *base = norm && strrchr(norm, '/') ? strrchr(norm, '/') + 1 : norm;
    if (!norm || !dir || asprintf(&beside, "%s/%s", dir, base) < 0 ||
        (!abs && asprintf(&rel, "%s/%s", dir, norm) < 0)) {
        beside = rel = NULL;
        rc = lr_error_oom(err);
    } else if (norm[0] == '/' && yal_is_file(norm)) {
        *out = norm;
        norm = NULL;
    } else if (rel && yal_is_file(rel)) {
        *out = rel;
        rel = NULL;
    } else if (yal_is_file(beside)) {
        *out = beside;
        beside = NULL;
    } else if (strcmp(child, image) == 0) {
        rc = lr_error_at(err, image, -ENOENT, LR_NO_OFFSET,
                         "its %s %s is missing (looked for %s): the image cannot be read "
                         "without it",
                         word, name, rel ? rel : beside);
    } else {
        rc = lr_error_at(err, image, -ENOENT, LR_NO_OFFSET,
                         "the %s %s of %s in its chain is missing (looked for %s): the image "
                         "cannot be read without it",
                         word, name, child, rel ? rel : beside);
    }
    free(norm);
    free(rel);
    free(beside);
    free(dir);
    return rc;
}

/* The file at path is one of the n already in the chain (a loop). */
static bool yal_seen(const char *path, const struct stat *seen, size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (seen[i].st_dev == st.st_dev && seen[i].st_ino == st.st_ino)
            return true;
    return false;
}

/* Opens path as y->h and follows its parents (at most YAL_MAX_CHAIN, no
 * file twice), each linked to its child before anything is read. On
 * failure what was opened is left in y for yal_close. */
static int yal_chain(yal_ctx_t *y, const yal_chain_ops_t *co, const char *path, lr_error_t *err)
{
    struct stat seen[YAL_MAX_CHAIN + 1];
    size_t n_seen = 0;
    int rc = co->open(&y->h, path, path, err);
    if (!rc && stat(path, &seen[0]) == 0)
        n_seen = 1;
    void *child = y->h;
    char *child_path = rc ? NULL : strdup(path);
    if (!rc && !child_path)
        rc = lr_error_oom(err);
    while (!rc) {
        char *name = NULL, *back = NULL;
        rc = co->parent_name(child, path, &name, err);
        if (rc || !name)
            break;
        rc = yal_find_parent(child_path, name, co->word, path, &back, err);
        if (!rc && y->n_chain == YAL_MAX_CHAIN)
            rc = lr_error_at(err, path, LR_ELIMIT, LR_NO_OFFSET,
                             "more than %d files in its chain of %ss", YAL_MAX_CHAIN, co->word);
        if (!rc && yal_seen(back, seen, n_seen))
            rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                             "its chain of %ss loops: %s names %s, which is already in it",
                             co->word, child_path, back);
        void *parent = NULL;
        if (!rc)
            rc = co->open(&parent, back, path, err);
        if (!rc) {
            y->chain[y->n_chain++] = parent;
            if (stat(back, &seen[n_seen]) == 0)
                n_seen++;
            if (co->check)
                rc = co->check(child, parent, back, path, err);
        }
        char msg[YAL_MSG] = "";
        if (!rc && co->attach(child, parent, msg) != 1)
            rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "cannot use %s %s: %s", co->word,
                             back, msg);
        free(name);
        free(child_path);
        child_path = back;
        child = parent;
    }
    free(child_path);
    return rc;
}

/* Opens the chain whose top is path as an lr_io_t read through ops. */
static int yal_open_chain(lr_io_t **out, const yal_ops_t *ops, const yal_chain_ops_t *co,
                          const char *path, const char *snapshot, lr_error_t *err)
{
    yal_ctx_t *y = calloc(1, sizeof(*y));
    if (!y)
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    y->ops = ops;
    int rc = yal_chain(y, co, path, err);
    if (!rc && snapshot) /* only qcow2 gets one (lr_io_open_opts refuses the others) */
        rc = co->select(y->h, snapshot, err);
    uint64_t size = 0;
    if (!rc && co->media_size(y->h, &size) != 1)
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no media size in the %s image",
                         ops->what);
    if (rc) {
        yal_close(y, NULL);
        return rc;
    }
    rc = yal_wrap(out, y, size, path, err);
    if (!rc && co->snapshots)
        (*out)->n_snapshots = co->snapshots(y->h);
    for (size_t i = 0; !rc && co->note && i <= y->n_chain; i++) {
        void *h = i ? y->chain[i - 1] : y->h;
        const char *note;
        for (size_t j = 0; !rc && (note = co->note(h, j)); j++)
            rc = lr_io_add_note(*out, note);
    }
    if (rc == -ENOMEM) { /* the notes: the handle itself was made */
        lr_io_close(*out, NULL);
        *out = NULL;
        return lr_error_oom(err);
    }
    return rc;
}
#endif

/* ------------------------------------------------------------------ */
/* qcow2 (and qcow), with its backing files                            */

#ifdef LR_HAVE_QCOW
static void qcow_msg(libqcow_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libqcow_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libqcow_error_free(&e);
}

/* One file of a qcow chain: a qcow file opened alone by libqcow, with our
 * map of the clusters it holds (libqcow decides wrongly in a chain: the
 * why is at the top of io_qcow.c); a qcow file libqcow refuses that the
 * map reads itself (f NULL); or a raw backing file (map NULL). */
typedef struct qcow_file {
    libqcow_file_t *f;
    libqcow_file_t *standin; /* f's parent for libqcow, never read from (qcow_standin) */
    lr_qcow_t *map;
    int fd;                   /* a raw backing file: its descriptor */
    uint64_t size;            /* media size (a raw file's size) */
    struct qcow_file *parent; /* its backing file, set when linked (qcow_attach) */
} qcow_file_t;

/* len bytes at off of a raw backing file: zeros past its end (qemu reads
 * a smaller backing file so). */
static int qcow_raw_read(qcow_file_t *v, uint8_t *p, size_t len, uint64_t off, lr_error_t *err)
{
    size_t n = 0;
    int rc = off < v->size ? lr_io_fd_pread(v->fd, p, len, off, &n) : 0;
    if (rc)
        return lr_error_set(err, rc, off + n, "read of the raw backing file failed: %s",
                            strerror(-rc));
    memset(p + n, 0, len - n);
    return 0;
}

/* len bytes of one cluster at off that the qcow file v holds, by libqcow. */
static int qcow_lib_read(qcow_file_t *v, uint8_t *p, size_t len, uint64_t off, lr_error_t *err)
{
    while (len > 0) {
        char msg[YAL_MSG] = "";
        libqcow_error_t *e = NULL;
        ssize_t n = libqcow_file_read_buffer_at_offset(v->f, p, len, (off64_t)off, &e);
        qcow_msg(e, msg);
        if (n <= 0)
            return lr_error_set(err, -EIO, off, "libqcow cannot read it (%s)",
                                n < 0 ? msg : "the image ends early");
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* len bytes at off of one file of the chain, cluster by cluster: held ones
 * by libqcow, zero ones as zeros, the others from its backing file (zeros
 * without one); zeros past its media size. */
static int qcow_file_read(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    qcow_file_t *v = ctx;
    uint8_t *p = buf;
    if (!v->map)
        return qcow_raw_read(v, p, len, off, err);
    while (len > 0) {
        if (off >= v->size) {
            memset(p, 0, len);
            return 0;
        }
        size_t want = len < v->size - off ? len : (size_t)(v->size - off), run = 0;
        int kind = LR_QCOW_ZEROS;
        int rc = lr_qcow_map(v->map, off, want, &kind, &run, err);
        if (!rc && kind == LR_QCOW_HELD && v->f && lr_qcow_held_within(v->map, off, run))
            rc = qcow_lib_read(v, p, run, off, err);
        else if (!rc && (kind == LR_QCOW_HELD || kind == LR_QCOW_PACKED))
            rc = lr_qcow_read(v->map, p, run, off, err);
        else if (!rc && kind == LR_QCOW_BACKING && v->parent)
            rc = qcow_file_read(v->parent, p, run, off, err);
        else if (!rc)
            memset(p, 0, run);
        if (rc)
            return rc;
        p += run;
        len -= run;
        off += run;
    }
    return 0;
}

/* The cluster [*a, *b) of the file of the chain that holds byte at (its
 * backing files followed): 1, else 0 (zeros, a raw backing file, a map
 * that fails). */
static int qcow_held_cluster(qcow_file_t *v, uint64_t at, uint64_t *a, uint64_t *b)
{
    for (; v && v->map && at < v->size; v = v->parent) {
        int kind = LR_QCOW_ZEROS;
        size_t run = 0;
        if (lr_qcow_map(v->map, at, 1, &kind, &run, NULL) != 0 || kind == LR_QCOW_ZEROS)
            return 0;
        if (kind == LR_QCOW_HELD || kind == LR_QCOW_PACKED) {
            uint64_t cs = lr_qcow_cluster_size(v->map);
            *a = at / cs * cs;
            *b = *a + cs < v->size ? *a + cs : v->size;
            return 1;
        }
    }
    return 0;
}

/* A read of the chain. A cluster that fails to read (its compressed data
 * damaged, its host read failing) is lost whole, named, and left
 * unreadable (lr_io_bad_range): a scan goes on after it, and no byte of it
 * is guessed. In a file cut short (-ENODATA) what it still holds of a
 * cluster reads: only the rest is lost. */
static ssize_t qcow_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    lr_error_t e;
    lr_error_clear(&e);
    int rc = qcow_file_read(y->h, buf, len, off, &e);
    if (rc == 0)
        return (ssize_t)len;
    uint64_t a = 0, b = 0;
    if (e.offset == LR_NO_OFFSET || !qcow_held_cluster(y->h, e.offset, &a, &b)) {
        lr_error_format(&e, msg, YAL_MSG);
        return -1;
    }
    const char *what = "a cluster";
    if (rc == -ENODATA && e.offset > a) {
        a = e.offset;
        what = "the end of a cluster";
    }
    pthread_mutex_lock(&y->mu);
    yal_lose(y, a, b);
    pthread_mutex_unlock(&y->mu);
    snprintf(msg, YAL_MSG, "bytes %llu-%llu (%s) are unreadable: %.400s", (unsigned long long)a,
             (unsigned long long)b - 1, what, e.msg);
    return -1;
}

/* Closes libqcow's handles of v, the child before its parent. */
static void qcow_lib_close(qcow_file_t *v)
{
    libqcow_file_t *lib[2] = {v->f, v->standin};
    for (int i = 0; i < 2; i++) {
        if (lib[i]) {
            libqcow_file_close(lib[i], NULL);
            libqcow_file_free(&lib[i], NULL);
        }
    }
    v->f = v->standin = NULL;
}

static void qcow_free_file(void *h)
{
    qcow_file_t *v = h;
    if (!v)
        return;
    qcow_lib_close(v);
    lr_qcow_close(v->map);
    if (v->fd >= 0)
        close(v->fd);
    free(v);
}

static const yal_ops_t qcow_ops = {.what = "qcow2", .read = qcow_read, .free_file = qcow_free_file};

/* The start of a refusal naming which file of the chain it is about: ""
 * for the image itself (its name prefixes the message), "its backing
 * file PATH is " for a parent. buf holds the text (cap bytes). */
static const char *qcow_whose(const char *path, const char *image, char *buf, size_t cap)
{
    if (strcmp(path, image) == 0)
        return "";
    snprintf(buf, cap, "its backing file %s is ", path);
    return buf;
}

/* libqcow refused the file our map has open: names what it does not read
 * when the header tells it, else libqcow's message (msg). */
static int qcow_refused(const lr_qcow_t *map, const char *path, const char *image, const char *msg,
                        lr_error_t *err)
{
    char why[YAL_MSG], who[YAL_MSG];
    lr_qcow_features_text(map, why, sizeof(why));
    if (why[0])
        return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                           "%sa qcow2 image that libqcow cannot read: %s",
                           qcow_whose(path, image, who, sizeof(who)), why);
    return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET, "cannot open qcow2 image %s: %s", path,
                       msg);
}

/* A backing file that is not a qcow file: read as raw (qemu's -F raw). */
static int qcow_open_raw(qcow_file_t *v, const char *path, const char *image, lr_error_t *err)
{
    struct stat st;
    v->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (v->fd < 0 || fstat(v->fd, &st) != 0)
        return lr_error_at(err, image, -errno, LR_NO_OFFSET, "cannot read its backing file %s: %s",
                           path, strerror(errno));
    v->size = (uint64_t)st.st_size;
    return 0;
}

/* 1 if the file at path starts with qcow's magic. */
static bool qcow_is_qcow(const char *path)
{
    uint8_t m[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    bool yes =
        fd >= 0 && lr_io_fd_pread(fd, m, 4, 0, &n) == 0 && n == 4 && memcmp(m, "QFI\xfb", 4) == 0;
    if (fd >= 0)
        close(fd);
    return yes;
}

/* libqcow refuses every read of a file that names a backing file until a
 * parent is linked to it ("missing parent file"), even of the clusters the
 * file holds, the only ones we ask it for. The parent it gets is the file
 * itself opened again, which names the backing file too and has no parent:
 * were libqcow ever to read from it, the read would fail, never return
 * another file's bytes. */
static int qcow_standin(qcow_file_t *v, const char *path, const char *image, lr_error_t *err)
{
    size_t n = 0;
    if (libqcow_file_get_utf8_backing_filename_size(v->f, &n, NULL) != 1 || n <= 1)
        return 0;
    char msg[YAL_MSG] = "";
    libqcow_error_t *e = NULL;
    if (libqcow_file_initialize(&v->standin, &e) != 1 ||
        libqcow_file_open(v->standin, path, LIBQCOW_OPEN_READ, &e) != 1 ||
        libqcow_file_set_parent_file(v->f, v->standin, &e) != 1) {
        qcow_msg(e, msg);
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET, "cannot open qcow2 image %s: %s",
                           path, msg);
    }
    return 0;
}

/* An encrypted qcow file is refused (qemu-img decrypts it). */
static int qcow_encrypted(const char *path, const char *image, lr_error_t *err)
{
    char who[YAL_MSG];
    bool top = strcmp(path, image) == 0;
    return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                       "%san encrypted qcow2 image: not supported (decrypt %s with qemu-img first)",
                       qcow_whose(path, image, who, sizeof(who)), top ? "it" : "the chain");
}

/* A qcow2 file libqcow refused (its message in msg): read by our map
 * alone when it is one we read (io_qcow.c: a data file, zstd clusters,
 * extended L2 entries), its data file found as a backing file is; else
 * the refusal, named. A header our map cannot decode either fails with
 * what is wrong with it. */
static int qcow_open_ours(qcow_file_t *v, const char *path, const char *image, const char *msg,
                          lr_error_t *err)
{
    int rc = lr_qcow_open(&v->map, path, image, err);
    if (rc)
        return rc;
    if (!lr_qcow_reads_itself(v->map))
        return qcow_refused(v->map, path, image, msg, err);
    if (lr_qcow_encrypted(v->map))
        return qcow_encrypted(path, image, err);
#ifndef LR_HAVE_ZSTD
    char who[YAL_MSG];
    if (lr_qcow_zstd(v->map))
        return lr_error_at(
            err, image, -ENOTSUP, LR_NO_OFFSET,
            "%sa qcow2 image whose clusters are compressed with zstd, but this build "
            "of lvmrescue has no libzstd to read them (rebuild it with libzstd-dev "
            "installed)",
            qcow_whose(path, image, who, sizeof(who)));
#endif
    v->size = lr_qcow_size(v->map);
    const char *data = lr_qcow_data_name(v->map);
    if (!data)
        return 0;
    /* beside the image as a backing file is, else a relative name from the
     * working directory: qemu opens it from there */
    char *found = NULL;
    rc = yal_find_parent(path, data, "data file", image, &found, err);
    if (rc == -ENOENT && data[0] != '/' && yal_is_file(data) && (found = strdup(data)))
        rc = 0;
    if (!rc)
        rc = lr_qcow_set_data_file(v->map, found, err);
    free(found);
    return rc;
}

/* libqcow opens and checks a qcow file (refusing an encrypted one), our
 * map is made of it, and its media size is libqcow's; a file libqcow
 * refuses may be one we read alone (qcow_open_ours). */
static int qcow_open_qcow(qcow_file_t *v, const char *path, const char *image, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libqcow_error_t *e = NULL;
    if (libqcow_file_initialize(&v->f, &e) != 1) {
        qcow_msg(e, NULL);
        return lr_error_at(err, image, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    if (libqcow_file_open(v->f, path, LIBQCOW_OPEN_READ, &e) != 1) {
        qcow_msg(e, msg);
        libqcow_file_free(&v->f, NULL);
        return qcow_open_ours(v, path, image, msg, err);
    }
    uint32_t method = 0;
    if (libqcow_file_get_encryption_method(v->f, &method, NULL) == 1 &&
        method != LIBQCOW_ENCRYPTION_METHOD_NONE)
        return qcow_encrypted(path, image, err);
    size64_t size = 0;
    if (libqcow_file_get_media_size(v->f, &size, NULL) != 1)
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET, "no media size in %s", path);
    v->size = size;
    int rc = qcow_standin(v, path, image, err);
    return rc ? rc : lr_qcow_open(&v->map, path, image, err);
}

/* Opens one file of the chain: the top and qcow backing files through
 * libqcow and our map, any other backing file as raw. */
static int qcow_open_file(void **out, const char *path, const char *image, lr_error_t *err)
{
    *out = NULL;
    qcow_file_t *v = calloc(1, sizeof(*v));
    if (!v)
        return lr_error_oom(err);
    v->fd = -1;
    int rc = strcmp(path, image) == 0 || qcow_is_qcow(path) ? qcow_open_qcow(v, path, image, err)
                                                            : qcow_open_raw(v, path, image, err);
    if (rc) {
        qcow_free_file(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* The backing file's name, from the header by our map (libqcow's files
 * and ours alike); a raw backing file names none. */
static int qcow_parent_name(void *h, const char *image, char **out, lr_error_t *err)
{
    (void)image;
    qcow_file_t *v = h;
    *out = NULL;
    return v->map ? lr_qcow_backing_name(v->map, out, err) : 0;
}

/* The image format (LR_IO_FMT_*) a raw backing file's first bytes name,
 * of those qemu probes a backing file for (VMDK, VHD, VHDX); it reads any
 * other as raw, as we do. */
static int qcow_raw_holds(const qcow_file_t *v)
{
    uint8_t head[512];
    size_t n = 0;
    if (v->fd < 0 || lr_io_fd_pread(v->fd, head, sizeof(head), 0, &n) != 0)
        return LR_IO_FMT_RAW;
    int fmt = lr_io_head_format(head, n);
    return fmt == LR_IO_FMT_VMDK || fmt == LR_IO_FMT_VHD || fmt == LR_IO_FMT_VHDX ? fmt
                                                                                  : LR_IO_FMT_RAW;
}

/* The backing file's format the child records (qemu-img -F) must be the
 * one it has: qemu reads a file recorded raw as raw whatever it holds, and
 * refuses a qcow2 backing file that is not one; formats other than raw and
 * qcow are not read here. No record (an overlay qemu before 6.1 made):
 * told by content, as qemu probes -- a backing file that holds another
 * image format (a VMDK, a VHD) would be read as raw, its container's bytes
 * taken for the disk's, a wrong answer: refused. */
static int qcow_check(void *child, void *parent, const char *back, const char *image,
                      lr_error_t *err)
{
    const char *fmt = lr_qcow_backing_format(((qcow_file_t *)child)->map);
    bool is_qcow = ((qcow_file_t *)parent)->map != NULL;
    int holds = fmt || is_qcow ? LR_IO_FMT_RAW : qcow_raw_holds(parent);
    if (holds != LR_IO_FMT_RAW)
        return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                           "its backing file %s, whose format it does not record, holds %s %s "
                           "image (qemu reads it so): not supported (only raw and qcow backing "
                           "files are read); convert the chain to raw first (qemu-img convert -O "
                           "raw %s %s.raw)",
                           back, lr_io_fmt_a(holds), lr_io_fmt_label(holds), image, image);
    if (!fmt || (strcmp(fmt, "raw") == 0 && !is_qcow) ||
        ((strcmp(fmt, "qcow2") == 0 || strcmp(fmt, "qcow") == 0) && is_qcow))
        return 0;
    return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                       "its backing file %s is recorded as a %s image but %s: not supported "
                       "(only raw and qcow backing files are read)",
                       back, fmt, is_qcow ? "holds a qcow image" : "is not a qcow image");
}

/* Our reads of the child go to parent (libqcow's own chain reading is
 * not used: see io_qcow.c). */
static int qcow_attach(void *child, void *parent, char *msg)
{
    (void)msg;
    ((qcow_file_t *)child)->parent = parent;
    return 1;
}

static int qcow_media_size(void *h, uint64_t *size)
{
    *size = ((qcow_file_t *)h)->size;
    return 1;
}

/* A qcow file's note: the internal snapshots it holds, not read. */
static const char *qcow_note(void *h, size_t i)
{
    const qcow_file_t *v = h;
    return i == 0 && v->map ? lr_qcow_note(v->map) : NULL;
}

/* The top file reads the snapshot want by our map alone: libqcow reads
 * only the current state, so its handles are closed. */
static int qcow_select(void *h, const char *want, lr_error_t *err)
{
    qcow_file_t *v = h;
    int rc = lr_qcow_use_snapshot(v->map, want, err);
    if (rc)
        return rc;
    qcow_lib_close(v);
    v->size = lr_qcow_size(v->map);
    return 0;
}

static size_t qcow_snapshots(void *h)
{
    const qcow_file_t *v = h;
    return v->map ? lr_qcow_snapshots(v->map) : 0;
}

static const yal_chain_ops_t qcow_chain = {
    .word = "backing file",
    .open = qcow_open_file,
    .parent_name = qcow_parent_name,
    .check = qcow_check,
    .attach = qcow_attach,
    .media_size = qcow_media_size,
    .note = qcow_note,
    .select = qcow_select,
    .snapshots = qcow_snapshots,
};

int lr_io_qcow_open(lr_io_t **out, const char *path, const char *snapshot, lr_error_t *err)
{
    return yal_open_chain(out, &qcow_ops, &qcow_chain, path, snapshot, err);
}
#endif

/* ------------------------------------------------------------------ */
/* VMDK, with the parents of delta disks                               */

#ifdef LR_HAVE_VMDK
static void vmdk_msg(libvmdk_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libvmdk_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libvmdk_error_free(&e);
}

static ssize_t vmdk_handle_read(libvmdk_handle_t *h, void *buf, size_t len, uint64_t off, char *msg)
{
    libvmdk_error_t *e = NULL;
    ssize_t n = libvmdk_handle_read_buffer_at_offset(h, buf, len, (off64_t)off, &e);
    vmdk_msg(e, msg);
    return n;
}

/* One extent of a flat VMDK read by us (vmdk_open_flat): len bytes of the
 * disk from byte at of its file (fd), which holds have bytes from there;
 * a zero extent has no file (fd -1). */
typedef struct {
    int fd;
    uint64_t at, len, have;
    char *name; /* as the descriptor names it */
} vmdk_flat_t;

/* One VMDK file of a chain: libvmdk's handle and, for a file holding its
 * own descriptor, the pool through which its one extent (the file itself)
 * is read; for a flat VMDK at the top of its chain, the extents read by us
 * (vmdk_open_flat). */
typedef struct vmdk_file {
    libvmdk_handle_t *h;
#ifdef LR_HAVE_BFIO
    libbfio_pool_t *pool;
#endif
    vmdk_flat_t *flat;
    size_t n_flat;
    uint64_t flat_size; /* the disk's size: the extents' lengths */
} vmdk_file_t;

/* len bytes at off of a flat VMDK read by us, from the extent holding off
 * on. Bytes an extent file does not hold (it was cut short) are lost, to
 * the end of that extent, and the read fails naming the file. */
static ssize_t vmdk_flat_read(yal_ctx_t *y, const vmdk_file_t *f, uint8_t *p, size_t len,
                              uint64_t off, char *msg)
{
    uint64_t start = 0;
    size_t done = 0;
    for (size_t i = 0; i < f->n_flat && done < len; start += f->flat[i++].len) {
        const vmdk_flat_t *x = &f->flat[i];
        if (off + done >= start + x->len)
            continue;
        uint64_t in = off + done - start;
        size_t n = len - done < x->len - in ? len - done : (size_t)(x->len - in), got = 0;
        if (x->fd < 0) {
            memset(p + done, 0, n);
        } else if (in >= x->have) {
            pthread_mutex_lock(&y->mu);
            yal_lose(y, start + x->have, start + x->len);
            pthread_mutex_unlock(&y->mu);
            snprintf(msg, YAL_MSG,
                     "bytes %llu-%llu are unreadable: the extent file %.200s holds %llu bytes "
                     "from byte %llu, and the descriptor gives it %llu: it was cut short",
                     (unsigned long long)(start + x->have),
                     (unsigned long long)(start + x->len - 1), x->name, (unsigned long long)x->have,
                     (unsigned long long)x->at, (unsigned long long)x->len);
            return -1;
        } else {
            n = n < x->have - in ? n : (size_t)(x->have - in);
            int rc = lr_io_fd_pread(x->fd, p + done, n, x->at + in, &got);
            if (rc || got != n) {
                snprintf(msg, YAL_MSG, "read of the extent file %.200s failed: %s", x->name,
                         strerror(rc ? -rc : EIO));
                return -1;
            }
        }
        done += n;
    }
    return (ssize_t)done;
}

static ssize_t vmdk_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    const vmdk_file_t *f = y->h;
    if (f->flat)
        return vmdk_flat_read(y, f, buf, len, off, msg);
    return vmdk_handle_read(f->h, buf, len, off, msg);
}

static void vmdk_handle_free(libvmdk_handle_t *h)
{
    if (!h)
        return;
    libvmdk_handle_close(h, NULL);
    libvmdk_handle_free(&h, NULL);
}

/* The extents vmdk_open_flat opened, closed and forgotten. */
static void vmdk_free_flat(vmdk_file_t *f)
{
    for (size_t i = 0; i < f->n_flat; i++) {
        if (f->flat[i].fd >= 0)
            close(f->flat[i].fd);
        free(f->flat[i].name);
    }
    free(f->flat);
    f->flat = NULL;
    f->n_flat = 0;
    f->flat_size = 0;
}

/* The handle first: it reads through the pool until it is closed. */
static void vmdk_free_file(void *p)
{
    vmdk_file_t *f = p;
    if (!f)
        return;
    vmdk_handle_free(f->h);
#ifdef LR_HAVE_BFIO
    if (f->pool)
        libbfio_pool_free(&f->pool, NULL);
#endif
    vmdk_free_flat(f);
    free(f);
}

static const yal_ops_t vmdk_ops = {.what = "VMDK", .read = vmdk_read, .free_file = vmdk_free_file};

static int vmdk_fd_read(void *ctx, void *buf, size_t len, uint64_t off, size_t *got)
{
    return lr_io_fd_pread(*(const int *)ctx, buf, len, off, got);
}

/* What path is: VMDK_SPARSE_EMBEDS, a sparse extent holding its own
 * descriptor (monolithic sparse, stream-optimized; lr_io_kdmv_embeds);
 * VMDK_SPARSE_BARE, one without (an extent of a twoGbMaxExtentSparse set,
 * which libvmdk and qemu open only through the set's descriptor);
 * VMDK_OTHER (a descriptor file, or not readable). *size: its size. */
enum { VMDK_OTHER, VMDK_SPARSE_EMBEDS, VMDK_SPARSE_BARE };

static int vmdk_kind(const char *path, uint64_t *size)
{
    uint8_t h[36];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    bool kdmv = fd >= 0 && fstat(fd, &st) == 0 && lr_io_fd_pread(fd, h, sizeof(h), 0, &n) == 0 &&
                n == sizeof(h) && memcmp(h, "KDMV", 4) == 0;
    int kind = !kdmv ? VMDK_OTHER
               : lr_io_kdmv_embeds(h, n, (uint64_t)st.st_size, vmdk_fd_read, &fd)
                   ? VMDK_SPARSE_EMBEDS
                   : VMDK_SPARSE_BARE;
    *size = kdmv ? (uint64_t)st.st_size : 0;
    if (fd >= 0)
        close(fd);
    return kind;
}

/* The one extent a file holding its own descriptor names, if it is a
 * sparse one (its type as libvmdk gives it): 0, else LR_ENOTFOUND. *name:
 * the file name it gives (malloc'd; NULL when it gives none). */
static int vmdk_own_extent(libvmdk_handle_t *h, char **name)
{
    int n = 0, type = 0, rc = LR_ENOTFOUND;
    size_t len = 0;
    libvmdk_extent_descriptor_t *d = NULL;
    *name = NULL;
    if (libvmdk_handle_get_number_of_extents(h, &n, NULL) == 1 && n == 1 &&
        libvmdk_handle_get_extent_descriptor(h, 0, &d, NULL) == 1 &&
        libvmdk_extent_descriptor_get_type(d, &type, NULL) == 1 &&
        type == LIBVMDK_EXTENT_TYPE_SPARSE) {
        rc = 0;
        if (libvmdk_extent_descriptor_get_utf8_filename_size(d, &len, NULL) == 1 && len > 1 &&
            (*name = malloc(len)) &&
            libvmdk_extent_descriptor_get_utf8_filename(d, (uint8_t *)*name, len, NULL) != 1) {
            free(*name);
            *name = NULL;
        }
    }
    if (d)
        libvmdk_extent_descriptor_free(&d, NULL);
    return rc;
}

#define VMDK_ZEROED_GRAIN_FLAG 0x4u /* SparseExtentHeader.flags: GTE 1 is a zeroed grain */
#define VMDK_GT_MAX 65536u          /* grain table entries per table read at most */

/* In the sparse extent file at path: whether its header allows zeroed
 * grains (qemu's zeroed_grain) and a grain table
 * entry is 1, such a grain (1, *grain: its first sector in the extent);
 * 0 when none is, or the file does not read as a sparse extent (libvmdk
 * has opened it: its own checks stand). Every grain table is read once. */
static int vmdk_zeroed_grain(const char *path, uint64_t *grain)
{
    uint8_t h[64];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
    if (fd < 0)
        return 0;
    if (lr_io_fd_pread(fd, h, sizeof(h), 0, &n) || n != sizeof(h) || memcmp(h, "KDMV", 4) != 0 ||
        !(lr_get_le32(h + 8) & VMDK_ZEROED_GRAIN_FLAG)) {
        close(fd);
        return 0;
    }
    uint64_t capacity = lr_get_le64(h + 12), gsize = lr_get_le64(h + 20);
    uint32_t per = lr_get_le32(h + 44);
    uint64_t gd = lr_get_le64(h + 56);
    uint32_t *gt = per && per <= VMDK_GT_MAX ? malloc((size_t)per * 4) : NULL;
    uint64_t span = gsize <= UINT32_MAX ? gsize * per : 0;
    uint64_t tables = span ? capacity / span + (capacity % span != 0) : 0;
    /* the directory lies in the file: a header claiming more is cut there */
    struct stat st;
    uint64_t room = fstat(fd, &st) == 0 && gd < (uint64_t)st.st_size / 512
                        ? ((uint64_t)st.st_size - gd * 512) / 4
                        : 0;
    tables = tables < room ? tables : room;
    for (uint64_t t = 0; gt && gd && t < tables && !found; t++) {
        uint8_t e[4];
        if (lr_io_fd_pread(fd, e, 4, gd * 512 + t * 4, &n) || n != 4)
            break;
        if (!lr_get_le32(e))
            continue;
        if (lr_io_fd_pread(fd, gt, (size_t)per * 4, (uint64_t)lr_get_le32(e) * 512, &n) ||
            n != (size_t)per * 4)
            continue;
        for (uint32_t i = 0; i < per && !found; i++) {
            if (lr_get_le32((const uint8_t *)&gt[i]) == 1) {
                *grain = (t * per + i) * gsize;
                found = 1;
            }
        }
    }
    free(gt);
    close(fd);
    return found;
}

/* libvmdk reads a zeroed grain (grain table entry 1) from the extent
 * file's sector 1 -- its descriptor's bytes -- where VMware and qemu read
 * zeros: LV data and metadata copies there would be wrong. Refused,
 * naming the extent and the grain, for any sparse extent of f (path, its
 * extent files in dir). */
static int vmdk_check_zeroed(vmdk_file_t *f, const char *path, const char *image, const char *dir,
                             lr_error_t *err)
{
    int n = 0;
    uint64_t size = 0;
    bool self = vmdk_kind(path, &size) == VMDK_SPARSE_EMBEDS;
    if (libvmdk_handle_get_number_of_extents(f->h, &n, NULL) != 1)
        return 0;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        libvmdk_extent_descriptor_t *d = NULL;
        int type = 0;
        off64_t start = 0;
        size64_t len = 0, nlen = 0;
        char *name = NULL, *file = NULL;
        uint64_t grain = 0;
        if (libvmdk_handle_get_extent_descriptor(f->h, i, &d, NULL) == 1 &&
            libvmdk_extent_descriptor_get_type(d, &type, NULL) == 1 &&
            type == LIBVMDK_EXTENT_TYPE_SPARSE &&
            libvmdk_extent_descriptor_get_range(d, &start, &len, NULL) == 1 &&
            libvmdk_extent_descriptor_get_utf8_filename_size(d, &nlen, NULL) == 1 && nlen > 1 &&
            (name = malloc(nlen)) &&
            libvmdk_extent_descriptor_get_utf8_filename(d, (uint8_t *)name, nlen, NULL) == 1) {
            if (self && n == 1)
                file = strdup(path);
            else if (asprintf(&file, "%s/%s", dir, name) < 0)
                file = NULL;
        }
        if (file && vmdk_zeroed_grain(file, &grain))
            rc = lr_error_at(
                err, image, LR_EREFUSED, LR_NO_OFFSET,
                "the VMDK extent %s marks grains zeroed (grain table entry 1, as "
                "zero writes to an image made with qemu's zeroed_grain do; the first at "
                "byte %llu of the disk), which libvmdk reads as the file's own "
                "bytes, not zeros: not read; convert it to raw first (qemu-img "
                "convert -O raw %s %s.raw)",
                file, (unsigned long long)start + grain * 512, image, image);
        free(file);
        free(name);
        if (d)
            libvmdk_extent_descriptor_free(&d, NULL);
    }
    return rc;
}

/* Whether the file name (from the descriptor of path) beside path, in
 * dir, is path itself. */
static bool vmdk_names_self(const char *path, const char *dir, const char *name)
{
    struct stat a, b;
    char *other = NULL;
    if (!name || strchr(name, '/') || asprintf(&other, "%s/%s", dir, name) < 0)
        return false;
    bool same =
        stat(path, &a) == 0 && stat(other, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    free(other);
    return same;
}

#ifdef LR_HAVE_BFIO
/* Reads f's one extent from the file itself (size bytes at path). */
static int vmdk_open_self(vmdk_file_t *f, const char *path, uint64_t size, char *msg)
{
    libvmdk_error_t *e = NULL;
    if (yal_pool_of_one(&f->pool, path, 0, size))
        return -ENOMEM;
    if (libvmdk_handle_open_extent_data_files_file_io_pool(f->h, f->pool, &e) != 1) {
        vmdk_msg(e, msg);
        return LR_EFORMAT;
    }
    return 0;
}
#else
/* Without libbfio the extent is opened by the name the descriptor gives:
 * 0 when that name beside path is path itself, else LR_EREFUSED. */
static int vmdk_open_self(vmdk_file_t *f, const char *path, uint64_t size, char *msg)
{
    (void)f;
    (void)size;
    (void)msg;
    (void)path;
    return LR_EREFUSED;
}
#endif

/* Extent i of h, when it is flat (or zero: no file) and names its file:
 * into *x, its file opened in dir. 1 when so, 0 for any other extent
 * (sparse, VMFS raw...), a file missing, or no memory. */
static int vmdk_flat_extent(libvmdk_handle_t *h, int i, const char *dir, vmdk_flat_t *x)
{
    libvmdk_extent_descriptor_t *d = NULL;
    int type = 0, ok = 0;
    off64_t at = 0;
    size64_t len = 0;
    size_t n = 0;
    char *path = NULL;
    struct stat st;
    *x = (vmdk_flat_t){.fd = -1};
    if (libvmdk_handle_get_extent_descriptor(h, i, &d, NULL) != 1 ||
        libvmdk_extent_descriptor_get_type(d, &type, NULL) != 1 ||
        libvmdk_extent_descriptor_get_range(d, &at, &len, NULL) != 1 || at < 0 ||
        (uint64_t)at > UINT64_MAX / 512)
        goto out;
    x->at = (uint64_t)at * 512; /* libvmdk gives the descriptor's sectors as they are */
    x->len = len;
    if (type == LIBVMDK_EXTENT_TYPE_ZERO) {
        ok = 1;
        goto out;
    }
    if ((type != LIBVMDK_EXTENT_TYPE_FLAT && type != LIBVMDK_EXTENT_TYPE_VMFS_FLAT) ||
        libvmdk_extent_descriptor_get_utf8_filename_size(d, &n, NULL) != 1 || n < 2 ||
        !(x->name = malloc(n)) ||
        libvmdk_extent_descriptor_get_utf8_filename(d, (uint8_t *)x->name, n, NULL) != 1 ||
        strchr(x->name, '/') || asprintf(&path, "%s/%s", dir, x->name) < 0) {
        path = NULL;
        goto out;
    }
    x->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (x->fd >= 0 && fstat(x->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        uint64_t size = (uint64_t)st.st_size;
        x->have = size <= x->at ? 0 : size - x->at < x->len ? size - x->at : x->len;
        ok = 1;
    }
out:
    if (d)
        libvmdk_extent_descriptor_free(&d, NULL);
    free(path);
    return ok;
}

/* A VMDK whose extents are all flat (or zero), their files beside it, the
 * top of its chain: the extents read by us (vmdk_flat_read), libvmdk only
 * parsing the descriptor (a flat parent of a delta disk is read by
 * libvmdk, through the child's handle). libvmdk 20200926 reads such a VMDK wrongly or not at all:
 * it takes a flat extent's offset in its file (the descriptor's sectors)
 * as bytes, reading a disk described 1 MiB into its file 2048 bytes in,
 * silently (qemu reads it right); and it opens none of a VMDK whose extent
 * file was cut short ("unable to read grain table"), where what the file
 * still holds reads and the rest is lost, as a cut VHD or EWF set is.
 * 1 when so opened; 0 for any other VMDK (f->flat freed by the caller). */
static int vmdk_open_flat(vmdk_file_t *f, const char *dir)
{
    int n = 0;
    if (libvmdk_handle_get_number_of_extents(f->h, &n, NULL) != 1 || n < 1 ||
        !(f->flat = calloc((size_t)n, sizeof(*f->flat))))
        return 0;
    for (int i = 0; i < n; i++) {
        vmdk_flat_t *x = &f->flat[f->n_flat];
        int ok = vmdk_flat_extent(f->h, i, dir, x);
        if (ok || x->fd >= 0 || x->name)
            f->n_flat++; /* freed with f */
        if (!ok)
            return 0;
        f->flat_size += x->len;
    }
    return 1;
}

/* Opens the extents of f, a VMDK file path of the chain whose top is
 * image, looking beside it (dir). A file holding its own descriptor
 * (monolithic sparse, stream-optimized) is its one extent: it is read
 * from itself, as qemu reads it, never from the file its descriptor names
 * (the name it was made under: beside a renamed copy that names another
 * file, or none). Other descriptors name their extent files. */
static int vmdk_open_extents(vmdk_file_t *f, const char *path, const char *image, const char *dir,
                             lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libvmdk_error_t *e = NULL;
    uint64_t size = 0;
    char *name = NULL;
    if (vmdk_kind(path, &size) == VMDK_SPARSE_EMBEDS && vmdk_own_extent(f->h, &name) == 0) {
        int rc = vmdk_open_self(f, path, size, msg);
        bool by_name = rc == LR_EREFUSED && vmdk_names_self(path, dir, name);
        if (rc == LR_EREFUSED && !by_name)
            rc = lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                             "%s holds its own data, but its descriptor names it %s, and this "
                             "build has no libbfio to read it under another name: rename or link "
                             "it to that name",
                             path, name ? name : "(no name)");
        else if (rc == -ENOMEM)
            rc = lr_error_oom(err);
        else if (rc && !by_name)
            rc = lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                             "cannot read the VMDK file %s: %s", path, msg);
        free(name);
        if (!by_name)
            return rc;
    }
    /* a parent is read through libvmdk's handle by its child's
     * (vmdk_attach): our extents would not be seen there */
    if (strcmp(path, image) == 0 && vmdk_open_flat(f, dir))
        return 0;
    vmdk_free_flat(f);
    if (libvmdk_handle_set_extent_data_files_path(f->h, dir, strlen(dir), &e) != 1 ||
        libvmdk_handle_open_extent_data_files(f->h, &e) != 1) {
        vmdk_msg(e, msg);
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                           "cannot open the extent files of %s (looked in %s): %s", path, dir, msg);
    }
    return 0;
}

/* Opens one VMDK of a chain with its extent files (beside it). */
static int vmdk_open_file(void **out, const char *path, const char *image, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libvmdk_error_t *e = NULL;
    vmdk_file_t *f = calloc(1, sizeof(*f));
    char *dir = yal_dir(path);
    bool top = strcmp(path, image) == 0;
    int rc = 0;
    uint64_t size = 0;
    *out = NULL;
    if (!f || !dir || libvmdk_handle_initialize(&f->h, &e) != 1) {
        vmdk_msg(e, NULL);
        rc = lr_error_at(err, image, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (libvmdk_handle_open(f->h, path, LIBVMDK_OPEN_READ, &e) != 1) {
        vmdk_msg(e, msg);
        rc = top && vmdk_kind(path, &size) == VMDK_SPARSE_BARE
                 ? lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                               "a sparse extent of a split VMDK (it holds no descriptor): give "
                               "the set's descriptor file instead (the .vmdk that names its "
                               "extents)")
             : top ? lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                                 "cannot open the VMDK image: %s", msg)
                   : lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                                 "cannot open its parent VMDK image %s: %s", path, msg);
    } else {
        rc = vmdk_open_extents(f, path, image, dir, err);
        if (!rc)
            rc = vmdk_check_zeroed(f, path, image, dir, err);
    }
    free(dir);
    if (rc) {
        vmdk_free_file(f);
        return rc;
    }
    *out = f;
    return 0;
}

static int vmdk_parent_name(libvmdk_handle_t *h, const char *image, char **out, lr_error_t *err)
{
    *out = NULL;
    size_t n = 0;
    if (libvmdk_handle_get_utf8_parent_filename_size(h, &n, NULL) != 1 || n <= 1)
        return 0;
    char *name = malloc(n);
    if (!name || libvmdk_handle_get_utf8_parent_filename(h, (uint8_t *)name, n, NULL) != 1) {
        free(name);
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                           "cannot read the parent file name of a VMDK delta disk");
    }
    *out = name;
    return 0;
}

/* A delta disk records its parent's content id (CID) when it was made: a
 * parent written since (another CID) no longer holds the bytes the delta
 * leaves to it, and VMware refuses such a chain too. */
static int vmdk_check(void *child, void *parent, const char *back, const char *image,
                      lr_error_t *err)
{
    uint32_t want = 0, have = 0;
    if (libvmdk_handle_get_parent_content_identifier(((vmdk_file_t *)child)->h, &want, NULL) != 1 ||
        libvmdk_handle_get_content_identifier(((vmdk_file_t *)parent)->h, &have, NULL) != 1 ||
        want == have)
        return 0;
    return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                       "its parent %s has content id %08x, but the delta disk was made from "
                       "content id %08x: the parent was changed since, the chain cannot be read",
                       back, have, want);
}

static int vmdk_attach(void *child, void *parent, char *msg)
{
    libvmdk_error_t *e = NULL;
    int r =
        libvmdk_handle_set_parent_handle(((vmdk_file_t *)child)->h, ((vmdk_file_t *)parent)->h, &e);
    vmdk_msg(e, msg);
    return r;
}

static int vmdk_media_size(void *f, uint64_t *size)
{
    size64_t n = 0;
    if (((vmdk_file_t *)f)->flat) {
        *size = ((vmdk_file_t *)f)->flat_size;
        return 1;
    }
    int r = libvmdk_handle_get_media_size(((vmdk_file_t *)f)->h, &n, NULL);
    *size = n;
    return r;
}

static int vmdk_chain_parent(void *f, const char *image, char **out, lr_error_t *err)
{
    return vmdk_parent_name(((vmdk_file_t *)f)->h, image, out, err);
}

static const yal_chain_ops_t vmdk_chain = {
    .word = "parent",
    .open = vmdk_open_file,
    .parent_name = vmdk_chain_parent,
    .check = vmdk_check,
    .attach = vmdk_attach,
    .media_size = vmdk_media_size,
};

int lr_io_vmdk_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    return yal_open_chain(out, &vmdk_ops, &vmdk_chain, path, NULL, err);
}

#ifdef LR_HAVE_BFIO
/* A VMDK file inside a tar archive (an OVA, a virtual machine's export):
 * libvmdk reads its embedded descriptor and its one extent (the same
 * file: monolithic sparse or stream-optimized) through range handles over
 * the archive's bytes, the extent's in a pool of one. */
typedef struct vmdk_member {
    libvmdk_handle_t *h;
    libbfio_handle_t *desc;
    libbfio_pool_t *pool;
} vmdk_member_t;

static ssize_t vmdkm_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    return vmdk_handle_read(((vmdk_member_t *)y->h)->h, buf, len, off, msg);
}

/* The handle first: it reads through the pool until it is closed. */
static void vmdkm_free_file(void *f)
{
    vmdk_member_t *m = f;
    if (!m)
        return;
    vmdk_handle_free(m->h);
    if (m->pool)
        libbfio_pool_free(&m->pool, NULL);
    if (m->desc)
        libbfio_handle_free(&m->desc, NULL);
    free(m);
}

static const yal_ops_t vmdkm_ops = {
    .what = "VMDK", .read = vmdkm_read, .free_file = vmdkm_free_file};

/* The range handles and the library handle of m (-ENOMEM). */
static int vmdkm_handles(vmdk_member_t *m, const char *path, uint64_t at, uint64_t size)
{
    if (yal_range_handle(&m->desc, path, -1, at, size, NULL) ||
        yal_pool_of_one(&m->pool, path, at, size))
        return -ENOMEM;
    return libvmdk_handle_initialize(&m->h, NULL) == 1 ? 0 : -ENOMEM;
}

/* A VMDK whose data is not all in the one file: a delta disk (its parent
 * is another file) or extents of other files (split, flat) -- refused,
 * naming what to extract. 0 when it is one sparse file. */
static int vmdkm_whole(vmdk_member_t *m, const char *path, const char *name, lr_error_t *err)
{
    char *parent = NULL;
    int rc = vmdk_parent_name(m->h, path, &parent, err);
    if (rc)
        return rc;
    if (parent) {
        rc = lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                         "its VMDK %s is a delta disk whose parent is %s: a chain is not read "
                         "inside an archive; extract them first (tar -xf %s) and give %s",
                         name, parent, path, name);
        free(parent);
        return rc;
    }
    int n = 0, type = 0;
    libvmdk_extent_descriptor_t *d = NULL;
    if (libvmdk_handle_get_number_of_extents(m->h, &n, NULL) != 1 || n != 1 ||
        libvmdk_handle_get_extent_descriptor(m->h, 0, &d, NULL) != 1 ||
        libvmdk_extent_descriptor_get_type(d, &type, NULL) != 1 ||
        type != LIBVMDK_EXTENT_TYPE_SPARSE)
        rc = lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                         "its VMDK %s keeps its data in other files (its descriptor names %s): "
                         "extract them first (tar -xf %s) and give %s",
                         name,
                         n == 1  ? "one extent that is not sparse"
                         : n > 1 ? "several extents"
                                 : "no extent it can read",
                         path, name);
    if (d)
        libvmdk_extent_descriptor_free(&d, NULL);
    return rc;
}

int lr_io_vmdk_open_member(lr_io_t **out, const char *path, const char *name, uint64_t at,
                           uint64_t size, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libvmdk_error_t *e = NULL;
    size64_t media = 0;
    int rc = 0;
    vmdk_member_t *m = calloc(1, sizeof(*m));
    yal_ctx_t *y = calloc(1, sizeof(*y));
    if (!m || !y || vmdkm_handles(m, path, at, size)) {
        rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (libvmdk_handle_open_file_io_handle(m->h, m->desc, LIBVMDK_OPEN_READ, &e) != 1) {
        vmdk_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                         "cannot open its VMDK %s (at byte %llu of the archive): %s", name,
                         (unsigned long long)at, msg);
    } else if ((rc = vmdkm_whole(m, path, name, err)) != 0) {
    } else if (libvmdk_handle_open_extent_data_files_file_io_pool(m->h, m->pool, &e) != 1 ||
               libvmdk_handle_get_media_size(m->h, &media, &e) != 1) {
        vmdk_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                         "cannot read its VMDK %s (at byte %llu of the archive): %s", name,
                         (unsigned long long)at, msg);
    }
    if (rc) {
        vmdkm_free_file(m);
        free(y);
        return rc;
    }
    y->ops = &vmdkm_ops;
    y->h = m;
    return yal_wrap(out, y, media, path, err);
}
#endif
#endif

/* ------------------------------------------------------------------ */
/* VHD and VHDX, with the parents of differencing disks                */

#ifdef LR_HAVE_VHDI
static void vhdi_msg(libvhdi_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libvhdi_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libvhdi_error_free(&e);
}

/* One file of a VHD/VHDX chain: libvhdi's handle (it opened and checked
 * the file), and for a VHD file our block map, through which its data is
 * read instead of libvhdi's (libvhdi misreads VHD sector bitmaps: the why
 * is at the top of io_vhd.c). VHDX is read by libvhdi, through the parents
 * linked to it with libvhdi_file_set_parent_file. */
typedef struct vhdi_file {
    libvhdi_file_t *f;
    lr_vhd_t *map;            /* VHD: our block map; NULL for VHDX */
    struct vhdi_file *parent; /* set when the chain links it (vhdi_attach) */
    uint64_t size;            /* media size, libvhdi's */
    lr_vhdx_log_t *log;       /* VHDX: the log writes to replay, or NULL */
#ifdef LR_HAVE_BFIO
    libbfio_handle_t *bfio; /* with a log: the handle libvhdi reads through */
#endif
} vhdi_file_t;

/* A VHDX file with a log to replay gets v->log and the handle libvhdi is
 * to read it through; any other file neither. */
static int vhdi_replay(vhdi_file_t *v, const char *path, lr_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* libvhdi's own open names what is wrong */
#ifndef LR_HAVE_BFIO
    /* No libbfio header at build time: the log is found and noted as not
     * replayed, and libvhdi reads the file as it is. */
    int rc = lr_vhdx_log_open(&v->log, fd, path, false, err);
    close(fd);
    return rc;
#else
    struct stat st;
    int rc = lr_vhdx_log_open(&v->log, fd, path, true, err);
    if (rc || !v->log || fstat(fd, &st) != 0) {
        close(fd);
        return rc;
    }
    uint64_t size = lr_vhdx_log_size(v->log, (uint64_t)st.st_size);
    return yal_range_handle(&v->bfio, path, fd, 0, size, v->log) ? lr_error_oom(err) : 0;
#endif
}

/* A VHDX file's bytes, read by libvhdi (zeros past its media size, as
 * when a smaller parent is read). */
static int vhdi_lib_read(vhdi_file_t *v, uint8_t *p, size_t len, uint64_t off, lr_error_t *err)
{
    while (len > 0) {
        if (off >= v->size) {
            memset(p, 0, len);
            return 0;
        }
        size_t want = len < v->size - off ? len : (size_t)(v->size - off);
        char msg[YAL_MSG] = "";
        libvhdi_error_t *e = NULL;
        ssize_t n = libvhdi_file_read_buffer_at_offset(v->f, p, want, (off64_t)off, &e);
        vhdi_msg(e, msg);
        if (n <= 0)
            return lr_error_set(err, -EIO, LR_NO_OFFSET, "%s",
                                n < 0 ? msg : "the image ends early");
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* len bytes at off of one file of the chain (an lr_vhd_parent_fn: a VHD
 * file reads what it does not hold from the next file this way). */
static int vhdi_file_read(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    vhdi_file_t *v = ctx;
    if (!v->map)
        return vhdi_lib_read(v, buf, len, off, err);
    return lr_vhd_read(v->map, buf, len, off, v->parent ? vhdi_file_read : NULL, v->parent, err);
}

/* The unit a failed read is narrowed to: a VHDX block is a whole number
 * of MiB at a multiple of its size, so a MiB lies in one block. */
#define VHDI_UNIT (1u << 20)

/* Whether the MiB at unit (of a media of size bytes) reads whole: scratch
 * holds VHDI_UNIT bytes. */
static bool vhdi_unit_reads(void *h, uint8_t *scratch, uint64_t unit, uint64_t size)
{
    lr_error_t e;
    lr_error_clear(&e);
    size_t n = unit + VHDI_UNIT <= size ? VHDI_UNIT : (size_t)(size - unit);
    return vhdi_file_read(h, scratch, n, unit, &e) == 0;
}

/* The first sector of the MiB at unit that does not read, unit's own MiB
 * not reading whole: the longest run of sectors from unit that reads,
 * found by halving (a block's data lies in a row in its file: a file cut
 * inside it reads up to the cut). */
static uint64_t vhdi_first_bad(void *h, uint8_t *scratch, uint64_t unit, uint64_t size)
{
    size_t lo = 0; /* sectors from unit that read */
    size_t hi = (unit + VHDI_UNIT <= size ? VHDI_UNIT : (size_t)(size - unit)) / 512;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        lr_error_t e;
        lr_error_clear(&e);
        if (vhdi_file_read(h, scratch, mid * 512, unit, &e) == 0)
            lo = mid;
        else
            hi = mid;
    }
    return unit + lo * 512;
}

/* A read of [off, off + len) failed: from the first sector of it that
 * does not read, the MiBs that do not read whole are lost (a file cut
 * short loses the data past its end, a damaged block itself), so that a
 * scan goes on after them; [*a, *b) is what was lost. 0 when every MiB
 * reads alone (or out of memory): nothing is lost. */
static int vhdi_lose(yal_ctx_t *y, uint64_t off, size_t len, uint64_t *a, uint64_t *b)
{
    vhdi_file_t *v = y->h;
    uint8_t *scratch = malloc(VHDI_UNIT);
    if (!scratch)
        return 0;
    uint64_t u = off / VHDI_UNIT * VHDI_UNIT;
    while (u < off + len && u < v->size && vhdi_unit_reads(v, scratch, u, v->size))
        u += VHDI_UNIT;
    int lost = u < off + len && u < v->size;
    if (lost) {
        *a = vhdi_first_bad(v, scratch, u, v->size);
        for (u += VHDI_UNIT; u < v->size && !vhdi_unit_reads(v, scratch, u, v->size);)
            u += VHDI_UNIT;
        *b = u < v->size ? u : v->size;
        pthread_mutex_lock(&y->mu);
        yal_lose(y, *a, *b);
        pthread_mutex_unlock(&y->mu);
    }
    free(scratch);
    return lost;
}

/* A read of the chain. A block that does not read (past the end of a file
 * cut short: libvhdi fails, and so does our VHD map) is lost, named and
 * left unreadable (lr_io_bad_range): a scan goes on after it. */
static ssize_t vhdi_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    ssize_t n = yal_read_by(vhdi_file_read, y->h, buf, len, off, msg);
    uint64_t a = 0, b = 0;
    if (n >= 0 || !vhdi_lose(y, off, len, &a, &b))
        return n;
    char why[YAL_MSG];
    snprintf(why, sizeof(why), "%s", msg);
    snprintf(msg, YAL_MSG,
             "bytes %llu-%llu are unreadable: the blocks that hold them do not read (%.300s): "
             "past the end of a file cut short, or damaged",
             (unsigned long long)a, (unsigned long long)b - 1, why);
    return -1;
}

static void vhdi_free_file(void *h)
{
    vhdi_file_t *v = h;
    if (!v)
        return;
    if (v->f) {
        libvhdi_file_close(v->f, NULL);
        libvhdi_file_free(&v->f, NULL);
    }
#ifdef LR_HAVE_BFIO
    if (v->bfio)
        libbfio_handle_free(&v->bfio, NULL);
#endif
    lr_vhdx_log_free(v->log);
    lr_vhd_close(v->map);
    free(v);
}

static const yal_ops_t vhdi_ops = {.what = "VHD", .read = vhdi_read, .free_file = vhdi_free_file};
static const yal_ops_t vhdx_ops = {.what = "VHDX", .read = vhdi_read, .free_file = vhdi_free_file};

/* libvhdi opens and checks the file; a VHD file gets our block map. */
static int vhdi_open_map(vhdi_file_t *v, const char *path, const char *image, lr_error_t *err)
{
    size64_t size = 0;
    int type = 0;
    if (libvhdi_file_get_media_size(v->f, &size, NULL) != 1 ||
        libvhdi_file_get_file_type(v->f, &type, NULL) != 1)
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                           "no media size or file type in the VHD image %s", path);
    v->size = size;
    if (type != LIBVHDI_FILE_TYPE_VHD)
        return 0;
    return lr_vhd_open(&v->map, path, image, v->size, err);
}

/* A dynamic VHD libvhdi does not open (its footer at the end lost: the
 * file cut short) read by our map alone, from its footer copy at byte 0
 * and its block table (lr_vhd_copy_size); blocks past the file's end then
 * do not read (vhdi_read loses them). 1 when so opened (v->f freed), 0. */
static int vhdi_open_alone(vhdi_file_t *v, const char *path, const char *image)
{
    uint64_t size = 0;
    lr_error_t e;
    lr_error_clear(&e);
    /* only a file that lost its footer: libvhdi's other refusals stand */
    if (!lr_vhd_cut_short(path) || lr_vhd_copy_size(path, &size) ||
        lr_vhd_open(&v->map, path, image, size, &e))
        return 0;
    libvhdi_file_free(&v->f, NULL);
    v->size = size;
    return 1;
}

static int vhdi_open_file(void **out, const char *path, const char *image, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libvhdi_error_t *e = NULL;
    *out = NULL;
    vhdi_file_t *v = calloc(1, sizeof(*v));
    if (!v || libvhdi_file_initialize(&v->f, &e) != 1) {
        vhdi_msg(e, NULL);
        free(v);
        return lr_error_at(err, image, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    int rc = vhdi_replay(v, path, err);
    if (rc) {
        vhdi_free_file(v);
        return rc;
    }
#ifdef LR_HAVE_BFIO
    int opened = v->bfio ? libvhdi_file_open_file_io_handle(v->f, v->bfio, LIBVHDI_OPEN_READ, &e)
                         : libvhdi_file_open(v->f, path, LIBVHDI_OPEN_READ, &e);
#else
    int opened = libvhdi_file_open(v->f, path, LIBVHDI_OPEN_READ, &e);
#endif
    if (opened != 1 && strcmp(path, image) == 0 && vhdi_open_alone(v, path, image)) {
        opened = 1;
        vhdi_msg(e, NULL); /* libvhdi's refusal, not needed now */
    }
    if (opened != 1) {
        vhdi_msg(e, msg);
        vhdi_free_file(v);
        const char *cut = lr_vhd_cut_short(path)
                              ? " (the file starts with a VHD footer copy but does not end with "
                                "the footer: it was cut short, or bytes were appended after it)"
                              : "";
        if (strcmp(path, image) != 0)
            return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                               "cannot open its parent VHD image %s%s: %s", path, cut, msg);
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET, "cannot open the VHD image%s: %s",
                           cut, msg);
    }
    rc = v->f ? vhdi_open_map(v, path, image, err) : 0;
    if (rc) {
        vhdi_free_file(v);
        return rc;
    }
    *out = v;
    return 0;
}

static int vhdi_parent_name(void *h, const char *image, char **out, lr_error_t *err)
{
    libvhdi_file_t *f = ((vhdi_file_t *)h)->f;
    *out = NULL;
    uint32_t type = 0;
    if (!f) /* read alone (vhdi_open_alone): a dynamic disk, no parent */
        return 0;
    if (libvhdi_file_get_disk_type(f, &type, NULL) != 1 || type != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
        return 0;
    size_t n = 0;
    char *name = NULL;
    if (libvhdi_file_get_utf8_parent_filename_size(f, &n, NULL) == 1 && n > 1)
        name = malloc(n);
    if (!name || libvhdi_file_get_utf8_parent_filename(f, (uint8_t *)name, n, NULL) != 1) {
        free(name);
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET,
                           "a differencing VHD without a readable parent file name");
    }
    *out = name;
    return 0;
}

/* A GUID as libvhdi gives it (16 bytes in the file's order), as text. */
static void vhdi_guid(const uint8_t g[16], char out[37])
{
    char *p = out;
    for (int i = 0; i < 16; i++)
        p += sprintf(p, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", g[i]);
}

/* A differencing VHD records its parent's unique id (the footer's) when it
 * was made: a parent made again since (another id) is not the file the
 * child's sectors were written over, and Hyper-V refuses such a chain too.
 * Checked for VHD only: a real differencing VHD (Xen Orchestra's vhd-lib,
 * fixtures/formats/make-vhd-chain.sh) confirmed which identifiers match;
 * no tool here writes differencing VHDX to confirm libvhdi's VHDX ids. */
static int vhdi_check(void *child, void *parent, const char *back, const char *image,
                      lr_error_t *err)
{
    libvhdi_file_t *c = ((vhdi_file_t *)child)->f, *p = ((vhdi_file_t *)parent)->f;
    int type = 0;
    uint8_t want[16], have[16];
    if (libvhdi_file_get_file_type(c, &type, NULL) != 1 || type != LIBVHDI_FILE_TYPE_VHD ||
        libvhdi_file_get_parent_identifier(c, want, sizeof(want), NULL) != 1 ||
        libvhdi_file_get_identifier(p, have, sizeof(have), NULL) != 1 ||
        memcmp(want, have, sizeof(want)) == 0)
        return 0;
    char w[37], h[37];
    vhdi_guid(want, w);
    vhdi_guid(have, h);
    return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                       "its parent %s has identifier %s, but the differencing disk was made "
                       "from %s: the parent was changed or made again since, the chain cannot "
                       "be read",
                       back, h, w);
}

/* Our reads of a VHD child go to parent through c->parent; libvhdi's (of a
 * VHDX child) through the parent linked here. */
static int vhdi_attach(void *child, void *parent, char *msg)
{
    vhdi_file_t *c = child, *p = parent;
    libvhdi_error_t *e = NULL;
    c->parent = p;
    int r = libvhdi_file_set_parent_file(c->f, p->f, &e);
    vhdi_msg(e, msg);
    return r;
}

static int vhdi_media_size(void *h, uint64_t *size)
{
    *size = ((vhdi_file_t *)h)->size;
    return 1;
}

/* A VHD file's notes are its map's; a VHDX file's, that its log was
 * replayed. */
static const char *vhdi_note(void *h, size_t i)
{
    const vhdi_file_t *v = h;
    if (!v->map)
        return i == 0 ? lr_vhdx_log_note(v->log) : NULL;
    return lr_vhd_note(v->map, i);
}

static const yal_chain_ops_t vhdi_chain = {
    .word = "parent",
    .open = vhdi_open_file,
    .parent_name = vhdi_parent_name,
    .check = vhdi_check,
    .attach = vhdi_attach,
    .media_size = vhdi_media_size,
    .note = vhdi_note,
};

int lr_io_vhdi_open(lr_io_t **out, const char *path, bool vhdx, lr_error_t *err)
{
    return yal_open_chain(out, vhdx ? &vhdx_ops : &vhdi_ops, &vhdi_chain, path, NULL, err);
}
#endif

/* The lost ranges a read recorded (yal_lose): an EWF set's missing
 * chunks, a qcow2 cluster that does not decode, a VHD/VHDX block that does
 * not read. */
int lr_io_yal_bad_range(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end)
{
    if (!io || io->ops != &yal_io_ops)
        return 0;
    yal_ctx_t *y = io->ctx;
    int found = 0;
    pthread_mutex_lock(&y->mu);
    for (size_t i = 0; i < y->n_lost; i++) {
        if (y->lost[i][1] <= off || (found && y->lost[i][0] >= *start))
            continue;
        *start = y->lost[i][0] > off ? y->lost[i][0] : off; /* counted once */
        *end = y->lost[i][1];
        found = 1;
    }
    pthread_mutex_unlock(&y->mu);
    return found;
}

#endif /* any libyal library */

#if !defined(LR_HAVE_EWF) && !defined(LR_HAVE_QCOW) && !defined(LR_HAVE_VMDK) &&                   \
    !defined(LR_HAVE_VHDI)
/* Without a libyal library no handle has lost ranges. */
int lr_io_yal_bad_range(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end)
{
    (void)io, (void)off, (void)start, (void)end;
    return 0;
}
#endif
