/* gzip images with bounded memory (the approach of zlib's examples/zran.c).
 *
 * Opening makes one decompression pass over the compressed file, checking
 * it whole (every member's CRC and length, what follows the last member) and
 * learning the decompressed size. On the way it records access points at
 * deflate block boundaries, one every `span` bytes of output: the compressed
 * offset of the next byte, the bits of the byte before it still to be used,
 * and the 32 KiB of output before the point (the dictionary a restart
 * there needs). Member starts are access points without a window.
 *
 * A read is served by the handle's one live inflate stream: from its history
 * (a ring of the last GZ_HIST bytes it produced) when the bytes were produced
 * recently, by inflating forward when they lie ahead and no access point lies
 * in between, and otherwise by restarting the stream at the last access
 * point at or before them. Reading the image in order therefore decompresses
 * it once, and a read far from the last one costs at most one span.
 *
 * Memory: GZ_WIN per access point (at most LR_IO_GZIP_MAX_POINTS of them:
 * past that every other point is dropped and the span doubles), the history
 * ring, one input buffer and zlib's state. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io_int.h"

#define GZ_IN (256u << 10)       /* compressed bytes read at once */
#define GZ_WIN 32768u            /* deflate's window: the dictionary of a restart */
#define GZ_OBUF (8u * GZ_WIN)    /* output buffer of the index pass (a multiple of GZ_WIN) */
#define GZ_HIST (2u << 20)       /* recent output kept for reads just behind the stream */
#define GZ_PROGRESS (16u << 20)  /* compressed bytes between progress calls */
#define GZ_RAW (-MAX_WBITS)      /* inflate window bits: raw deflate (restart mid-member) */
#define GZ_GZIP (16 + MAX_WBITS) /* gzip wrapper only (the magic was checked) */

typedef struct gz_point {
    uint64_t out;    /* decompressed offset of the point */
    uint64_t in;     /* compressed offset of the first whole byte to feed from there */
    uint8_t bits;    /* bits (1..7) of the byte at in - 1 still to feed, 0 if none */
    uint8_t byte;    /* that byte */
    uint32_t wlen;   /* bytes in window */
    uint8_t *window; /* the output before `out`; NULL at a member start (`in` = its header) */
} gz_point_t;

enum { GZ_MEMBER, GZ_TRAILER, GZ_BETWEEN };

typedef struct gz_ctx {
    int fd;
    uint64_t file_size; /* compressed bytes at open */
    uint64_t size;      /* decompressed bytes served */
    gz_point_t *pts;
    size_t n_pts;
    /* the live stream */
    z_stream zs;
    bool zs_init;
    bool live;       /* the stream is usable at `cur` (false before the first read, after errors) */
    int wbits;       /* GZ_RAW or GZ_GZIP */
    int state;       /* GZ_* */
    unsigned skip;   /* trailer bytes still to skip after a raw member end */
    uint64_t in_pos; /* compressed offset of the next byte to load */
    uint64_t cur;    /* decompressed offset of the next byte the stream produces */
    uint8_t *in;
    uint8_t *hist; /* hist[off % GZ_HIST] holds byte off for off in [cur - hist_len, cur) */
    uint64_t hist_len;
    /* damage found at open (LR_IO_PARTIAL) */
    int damage;
    bool cut;
    lr_error_t why;
} gz_ctx_t;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static void gz_free(gz_ctx_t *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_pts; i++)
        free(g->pts[i].window);
    free(g->pts);
    if (g->zs_init)
        inflateEnd(&g->zs);
    free(g->in);
    free(g->hist);
    if (g->fd >= 0)
        close(g->fd);
    free(g);
}

/* Loads the next compressed bytes at in_pos; *got is 0 at the end of file. */
static int gz_fill(gz_ctx_t *g, size_t *got, lr_error_t *err)
{
    ssize_t n;
    if (g->in_pos > (uint64_t)INT64_MAX)
        return lr_error_set(err, LR_ERANGE, g->in_pos, "compressed offset out of range");
    do {
        n = pread(g->fd, g->in, GZ_IN, (off_t)g->in_pos);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        return lr_error_set(err, -e, g->in_pos, "read failed: %s", strerror(e));
    }
    g->in_pos += (uint64_t)n;
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)n;
    *got = (size_t)n;
    return 0;
}

/* ---- history ring ------------------------------------------------------- */

/* Stores the n bytes of output at decompressed offsets [off, off + n) (only
 * the last GZ_HIST of them matter). */
static void hist_put(gz_ctx_t *g, uint64_t off, const uint8_t *src, size_t n)
{
    if (n > GZ_HIST) {
        src += n - GZ_HIST;
        off += n - GZ_HIST;
        n = GZ_HIST;
    }
    size_t at = (size_t)(off % GZ_HIST);
    size_t first = n < GZ_HIST - at ? n : GZ_HIST - at;
    memcpy(g->hist + at, src, first);
    memcpy(g->hist, src + first, n - first);
}

static void hist_get(const gz_ctx_t *g, uint8_t *dst, uint64_t off, size_t n)
{
    size_t at = (size_t)(off % GZ_HIST);
    size_t first = n < GZ_HIST - at ? n : GZ_HIST - at;
    memcpy(dst, g->hist + at, first);
    memcpy(dst + first, g->hist, n - first);
}

/* ---- the live stream ---------------------------------------------------- */

/* Inflates forward into out (up to avail bytes); *made > 0 on success.
 * The open pass checked every byte, so any failure here means the file
 * changed or could not be read. */
static int gz_step(gz_ctx_t *g, uint8_t *out, size_t avail, size_t *made, lr_error_t *err)
{
    *made = 0;
    for (;;) {
        if (g->zs.avail_in == 0) {
            size_t got = 0;
            int rc = gz_fill(g, &got, err);
            if (rc)
                return rc;
            if (!got)
                return lr_error_set(err, -EIO, g->in_pos,
                                    "compressed data ends early (did the file change since it "
                                    "was opened?)");
        }
        if (g->state == GZ_TRAILER) {
            unsigned n = g->skip < g->zs.avail_in ? g->skip : g->zs.avail_in;
            g->zs.next_in += n;
            g->zs.avail_in -= n;
            g->skip -= n;
            if (!g->skip)
                g->state = GZ_BETWEEN;
            continue;
        }
        if (g->state == GZ_BETWEEN) {
            if (g->zs.next_in[0] != 0x1f || inflateReset2(&g->zs, GZ_GZIP) != Z_OK)
                return lr_error_set(err, LR_EFORMAT, g->in_pos - g->zs.avail_in,
                                    "no gzip member where there was one (did the file change "
                                    "since it was opened?)");
            g->wbits = GZ_GZIP;
            g->state = GZ_MEMBER;
            continue;
        }
        uInt room = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
        g->zs.next_out = out;
        g->zs.avail_out = room;
        int zrc = inflate(&g->zs, Z_NO_FLUSH);
        *made = room - g->zs.avail_out;
        if (zrc == Z_STREAM_END) {
            /* a raw stream stops before the member's 8-byte trailer */
            g->state = g->wbits == GZ_RAW ? GZ_TRAILER : GZ_BETWEEN;
            g->skip = 8;
        }
        /* Output comes first: the last bytes of a member whose trailer is
         * bad (served by a partial open) arrive with the error. */
        if (*made)
            return 0;
        if (zrc == Z_OK || zrc == Z_STREAM_END || (zrc == Z_BUF_ERROR && g->zs.avail_in == 0))
            continue;
        return lr_error_set(err, zrc == Z_MEM_ERROR ? -ENOMEM : LR_EFORMAT,
                            g->in_pos - g->zs.avail_in,
                            "corrupt gzip image: %s (did the file change since it was opened?)",
                            g->zs.msg ? g->zs.msg : zError(zrc));
    }
}

/* Puts the stream at access point p. */
static int gz_restart(gz_ctx_t *g, const gz_point_t *p, lr_error_t *err)
{
    g->live = false;
    g->wbits = p->window ? GZ_RAW : GZ_GZIP;
    if (inflateReset2(&g->zs, g->wbits) != Z_OK)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "inflate reset failed");
    if (p->bits && inflatePrime(&g->zs, p->bits, p->byte >> (8 - p->bits)) != Z_OK)
        return lr_error_set(err, LR_EFORMAT, p->in, "inflatePrime failed");
    if (p->window && inflateSetDictionary(&g->zs, p->window, p->wlen) != Z_OK)
        return lr_error_set(err, LR_EFORMAT, p->in, "inflateSetDictionary failed");
    g->zs.avail_in = 0;
    g->in_pos = p->in;
    g->state = GZ_MEMBER;
    g->cur = p->out;
    g->hist_len = 0;
    if (p->window) { /* the window is the output just before the point */
        hist_put(g, p->out - p->wlen, p->window, p->wlen);
        g->hist_len = p->wlen;
    }
    g->live = true;
    return 0;
}

/* The last access point at or before off (there is always one at 0). */
static const gz_point_t *gz_point_for(const gz_ctx_t *g, uint64_t off)
{
    size_t lo = 0, hi = g->n_pts;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->pts[mid].out <= off)
            lo = mid;
        else
            hi = mid;
    }
    return &g->pts[lo];
}

static int gz_read(gz_ctx_t *g, uint8_t *p, size_t len, uint64_t off, lr_error_t *err)
{
    while (len > 0) {
        /* just behind the stream: from the history */
        if (g->live && off < g->cur && g->cur - off <= g->hist_len) {
            size_t n = (size_t)min_u64(len, g->cur - off);
            hist_get(g, p, off, n);
            p += n;
            off += n;
            len -= n;
            continue;
        }
        const gz_point_t *pt = gz_point_for(g, off);
        if (!g->live || off < g->cur || pt->out > g->cur) {
            int rc = gz_restart(g, pt, err);
            if (rc)
                return rc;
            continue;
        }
        size_t made = 0;
        int rc;
        bool skip = off > g->cur;
        if (skip) {
            /* forward to off: inflate straight into the history ring */
            size_t at = (size_t)(g->cur % GZ_HIST);
            size_t want = (size_t)min_u64(off - g->cur, GZ_HIST - at);
            rc = gz_step(g, g->hist + at, want, &made, err);
        } else {
            rc = gz_step(g, p, len, &made, err);
            if (!rc)
                hist_put(g, g->cur, p, made);
        }
        if (rc) {
            g->live = false;
            return rc;
        }
        g->cur += made;
        g->hist_len = min_u64(g->hist_len + made, GZ_HIST);
        if (!skip) {
            p += made;
            off += made;
            len -= made;
        }
    }
    return 0;
}

static int gz_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    return gz_read(ctx, buf, len, off, err);
}

static int gz_close(void *ctx, lr_error_t *err)
{
    (void)err;
    gz_free(ctx);
    return 0;
}

const lr_io_ops_t lr_io_gzip_ops = {
    .name = "gzip",
    .pread = gz_pread,
    .pwrite = NULL,
    .sync = NULL,
    .close = gz_close,
};

/* ---- the index pass at open --------------------------------------------- */

typedef struct gz_index {
    uint8_t *obuf; /* circular output buffer: its last GZ_WIN bytes are the window */
    size_t opos;
    uint64_t out;  /* bytes decompressed */
    uint64_t last; /* out of the last access point */
    uint64_t span;
    uint8_t prev_byte; /* last byte of the previous input chunk */
    const lr_io_open_opts_t *opts;
    uint64_t next_progress;
} gz_index_t;

/* Keeps every other point when the list is full, and doubles the span. */
static void gz_thin(gz_ctx_t *g, gz_index_t *x)
{
    size_t k = 0;
    for (size_t i = 0; i < g->n_pts; i++) {
        if (i % 2 == 0)
            g->pts[k++] = g->pts[i];
        else
            free(g->pts[i].window);
    }
    g->n_pts = k;
    x->span *= 2;
    x->last = g->pts[k - 1].out;
}

/* Adds an access point at the current position: at a member start (its
 * header at in) when member is set, else at a block boundary. */
static int gz_add_point(gz_ctx_t *g, gz_index_t *x, bool member, lr_error_t *err)
{
    if (g->n_pts == LR_IO_GZIP_MAX_POINTS) {
        gz_thin(g, x);
        if (x->out - x->last < x->span)
            return 0;
    }
    gz_point_t p = {.out = x->out, .in = g->in_pos - g->zs.avail_in};
    if (!member) {
        p.bits = (uint8_t)(g->zs.data_type & 7);
        if (p.bits)
            p.byte = g->zs.next_in > g->in ? g->zs.next_in[-1] : x->prev_byte;
        p.wlen = (uint32_t)min_u64(GZ_WIN, x->out);
        p.window = malloc(p.wlen ? p.wlen : 1);
        if (!p.window)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        size_t start = (x->opos + GZ_OBUF - p.wlen) % GZ_OBUF;
        size_t first = p.wlen < GZ_OBUF - start ? p.wlen : GZ_OBUF - start;
        memcpy(p.window, x->obuf + start, first);
        memcpy(p.window + first, x->obuf, p.wlen - first);
    }
    if (g->n_pts % 16 == 0) {
        gz_point_t *np = realloc(g->pts, (g->n_pts + 16) * sizeof(*np));
        if (!np) {
            free(p.window);
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        }
        g->pts = np;
    }
    g->pts[g->n_pts++] = p;
    x->last = x->out;
    return 0;
}

static bool gz_all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static int gz_progress(gz_ctx_t *g, gz_index_t *x, bool last, lr_error_t *err)
{
    const lr_io_open_opts_t *o = x->opts;
    if (!o || !o->progress || (!last && g->in_pos < x->next_progress))
        return 0;
    x->next_progress = g->in_pos + GZ_PROGRESS;
    uint64_t done = min_u64(g->in_pos, g->file_size);
    if (o->progress(o->progress_arg, done, g->file_size) != 0)
        return lr_error_set(err, -ECANCELED, LR_NO_OFFSET, "opening the gzip image was cancelled");
    return 0;
}

/* One pass over the whole compressed file: checks it, finds its size and
 * records the access points. On damage, *in_member tells whether
 * decompression stopped inside a member (the data is cut short). */
static int gz_index(gz_ctx_t *g, gz_index_t *x, bool *in_member, lr_error_t *err)
{
    bool trailing_zero = false;
    *in_member = true;
    int rc = gz_add_point(g, x, true, err);
    if (rc)
        return rc;
    for (;;) {
        if (g->zs.avail_in == 0) {
            size_t got = 0;
            if (g->zs.next_in && g->zs.next_in > g->in)
                x->prev_byte = g->zs.next_in[-1];
            rc = gz_fill(g, &got, err);
            if (!rc)
                rc = gz_progress(g, x, false, err);
            if (rc)
                return rc;
            if (!got)
                break;
        }
        if (!*in_member) {
            /* between members: another member, or zero padding */
            if (g->zs.next_in[0] != 0x1f) {
                if (!gz_all_zero(g->zs.next_in, g->zs.avail_in)) {
                    return lr_error_set(err, LR_EFORMAT, g->in_pos - g->zs.avail_in,
                                        "corrupt gzip image: garbage after the compressed data");
                }
                trailing_zero = true;
                g->zs.avail_in = 0;
                continue;
            }
            if (trailing_zero) {
                return lr_error_set(err, LR_EFORMAT, g->in_pos - g->zs.avail_in,
                                    "corrupt gzip image: data after zero padding");
            }
            if (inflateReset(&g->zs) != Z_OK) {
                return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                    "corrupt gzip image: inflate reset failed");
            }
            *in_member = true;
            if (x->out - x->last >= x->span && (rc = gz_add_point(g, x, true, err)) != 0)
                return rc;
        }
        g->zs.next_out = x->obuf + x->opos;
        g->zs.avail_out = (uInt)(GZ_OBUF - x->opos);
        int zrc = inflate(&g->zs, Z_BLOCK);
        size_t made = GZ_OBUF - x->opos - g->zs.avail_out;
        x->opos = (x->opos + made) % GZ_OBUF;
        x->out += made;
        if (zrc == Z_STREAM_END) {
            *in_member = false;
            continue;
        }
        if (zrc == Z_OK || (zrc == Z_BUF_ERROR && (made || g->zs.avail_in == 0))) {
            /* at a block boundary that is not the end of the member */
            if ((g->zs.data_type & 128) && !(g->zs.data_type & 64) && x->out - x->last >= x->span &&
                (rc = gz_add_point(g, x, false, err)) != 0)
                return rc;
            continue;
        }
        return lr_error_set(err, zrc == Z_MEM_ERROR ? -ENOMEM : LR_EFORMAT,
                            g->in_pos - g->zs.avail_in, "corrupt gzip image: %s",
                            g->zs.msg ? g->zs.msg : zError(zrc));
    }
    if (*in_member) {
        return lr_error_set(err, LR_EFORMAT, g->in_pos,
                            "truncated gzip image: compressed data ends before the end of the "
                            "stream (%llu bytes decompressed)",
                            (unsigned long long)x->out);
    }
    return gz_progress(g, x, true, err);
}

int lr_io_gzip_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err)
{
    gz_ctx_t *g = calloc(1, sizeof(*g));
    if (!g) {
        close(fd);
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    g->fd = fd;
    off_t end = lseek(fd, 0, SEEK_END);
    g->file_size = end > 0 ? (uint64_t)end : 0;
    gz_index_t x = {.span = opts && opts->gzip_span ? opts->gzip_span : LR_IO_GZIP_SPAN,
                    .opts = opts};
    lr_error_t e;
    lr_error_clear(&e);
    g->in = malloc(GZ_IN);
    x.obuf = malloc(GZ_OBUF);
    int rc = 0;
    if (!g->in || !x.obuf) {
        rc = lr_error_set(&e, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (inflateInit2(&g->zs, GZ_GZIP) != Z_OK) {
        rc = lr_error_set(&e, -ENOMEM, LR_NO_OFFSET, "inflateInit2 failed");
    } else {
        g->zs_init = true;
        bool in_member = true;
        rc = gz_index(g, &x, &in_member, &e);
        /* damaged: with LR_IO_PARTIAL keep what decompressed before it */
        if (rc && rc != -ENOMEM && rc != -ECANCELED && opts && (opts->flags & LR_IO_PARTIAL)) {
            lr_error_wrap(&e, path, rc);
            g->damage = rc;
            g->cut = in_member;
            g->why = e;
            lr_error_clear(&e);
            rc = 0;
        }
    }
    free(x.obuf);
    g->size = x.out;
    if (!rc) {
        g->hist = malloc(GZ_HIST);
        if (!g->hist)
            rc = lr_error_set(&e, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    if (!rc)
        rc = lr_io_new(out, &lr_io_gzip_ops, g, g->size, path, &e);
    if (rc) {
        gz_free(g);
        if (err)
            *err = e;
        return lr_error_wrap(err, path, rc);
    }
    (*out)->is_gzip = true;
    return 0;
}

int lr_io_damage(const lr_io_t *io, bool *truncated, lr_error_t *why)
{
    if (truncated)
        *truncated = false;
    if (why)
        lr_error_clear(why);
    if (!io || io->ops != &lr_io_gzip_ops)
        return 0;
    const gz_ctx_t *g = io->ctx;
    if (!g->damage)
        return 0;
    if (truncated)
        *truncated = g->cut;
    if (why)
        *why = g->why;
    return g->damage;
}
