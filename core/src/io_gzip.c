/* gzip images with bounded memory (the approach of zlib's examples/zran.c).
 *
 * Opening makes one decompression pass over the compressed file, checking
 * it whole (every member's CRC and length, what follows the last member) and
 * learning the decompressed size. With LR_IO_LAZY there is no pass at open:
 * the live stream below does the same checks and records the same access
 * points the first time its reads go past the farthest point reached so far
 * (the frontier), and the size is known when it reaches the end, so a scan
 * that streams the image decompresses it once. On the way it records access
 * points at
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io_int.h"
#include "le.h"

#define GZ_IN (256u << 10)       /* compressed bytes read at once */
#define GZ_WIN 32768u            /* deflate's window: the dictionary of a restart */
#define GZ_OBUF (8u * GZ_WIN)    /* output buffer of the index pass (a multiple of GZ_WIN) */
#define GZ_HIST (2u << 20)       /* recent output kept for reads just behind the stream */
#define GZ_PROGRESS (16u << 20)  /* compressed bytes between progress calls */
#define GZ_RAW (-MAX_WBITS)      /* inflate window bits: raw deflate (restart mid-member) */
#define GZ_GZIP (16 + MAX_WBITS) /* gzip wrapper only (the magic was checked) */
#define GZ_MAX_UNSURE 65536u     /* members kept as unsure; past them damage ends the image */
#define GZ_GARBAGE_CUT 4096u     /* bytes after the data past which they are taken for lost data */

typedef struct gz_point {
    uint64_t out;    /* decompressed offset of the point */
    uint64_t in;     /* compressed offset of the first whole byte to feed from there */
    uint8_t bits;    /* bits (1..7) of the byte at in - 1 still to feed, 0 if none */
    uint8_t byte;    /* that byte */
    uint32_t wlen;   /* bytes in window */
    uint8_t *window; /* the output before `out`; NULL at a member start (`in` = its header) */
    uint64_t member; /* decompressed offset where the point's member starts */
} gz_point_t;

/* Bytes [start, end) of a member that read but no check vouches for: the
 * member decompressed whole but its bytes do not give the CRC-32 its
 * trailer records (some of them are wrong, or that CRC-32 is), or it broke off at compressed
 * offset `at`, its data corrupt or the file ending inside it (broke: the
 * image ends there; inflate may have made wrong bytes before it noticed,
 * and damage can look like a cut, the decoder taking in the rest of the
 * file as codes). */
typedef struct gz_unsure {
    uint64_t start, end;
    uint64_t at; /* compressed offset of the trailer, or where it broke off */
    bool broke;  /* the second kind */
} gz_unsure_t;

enum { GZ_MEMBER, GZ_TRAILER, GZ_BETWEEN };

typedef struct gz_ctx {
    lr_io_t *io; /* the handle (its size is updated as a lazy stream learns it) */
    int fd;
    bool lazy;          /* LR_IO_LAZY: checks and access points while reading */
    bool partial;       /* LR_IO_PARTIAL: damage ends the image instead of failing */
    bool ended;         /* the size is known (at open, or the stream reached the end) */
    bool zero_pad;      /* lazy: zero padding met after the last member */
    uint64_t span;      /* output bytes between access points */
    uint64_t frontier;  /* farthest decompressed offset the stream reached */
    uint64_t in_front;  /* compressed offset at the frontier (progress estimate) */
    uint8_t prev_byte;  /* last byte of the previous input chunk */
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
    uint64_t member_out; /* decompressed offset where the stream's (or pass's) member starts */
    bool garbage_cut;    /* the pass at open stopped at many bytes that are no member */
    /* damage found at open (LR_IO_PARTIAL) */
    int damage;
    bool cut;
    lr_error_t why;
    /* members whose checksum does not match (LR_IO_PARTIAL): read on past them */
    gz_unsure_t *unsure;
    size_t n_unsure;
    const char *open_path; /* the image's name while the handle does not exist yet */
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
    free(g->unsure);
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
    size_t n;
    if (g->in_pos > (uint64_t)INT64_MAX)
        return lr_error_set(err, LR_ERANGE, g->in_pos, "compressed offset out of range");
    if (g->zs.next_in && g->zs.next_in > g->in)
        g->prev_byte = g->zs.next_in[-1];
    int rc = lr_io_fd_pread(g->fd, g->in, GZ_IN, g->in_pos, &n);
    if (rc)
        return lr_error_set(err, rc, g->in_pos + n, "read failed: %s", strerror(-rc));
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

/* Keeps every other point when the list is full, and doubles the span. */
static void gz_thin(gz_ctx_t *g)
{
    size_t k = 0;
    for (size_t i = 0; i < g->n_pts; i++) {
        if (i % 2 == 0)
            g->pts[k++] = g->pts[i];
        else
            free(g->pts[i].window);
    }
    g->n_pts = k;
    g->span *= 2;
}

/* Appends access point p (taking its window) unless, after thinning a full
 * list, it falls within a span of the last one. */
static int gz_add_point(gz_ctx_t *g, gz_point_t *p, lr_error_t *err)
{
    if (g->n_pts == LR_IO_GZIP_MAX_POINTS) {
        gz_thin(g);
        if (p->out - g->pts[g->n_pts - 1].out < g->span) {
            free(p->window);
            return 0;
        }
    }
    if (g->n_pts % 16 == 0) {
        gz_point_t *np = realloc(g->pts, (g->n_pts + 16) * sizeof(*np));
        if (!np) {
            free(p->window);
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        }
        g->pts = np;
    }
    g->pts[g->n_pts++] = *p;
    return 0;
}

/* true when the stream is at the frontier of a lazy handle a span past the
 * last access point: where the pass at open would have put a point. */
static bool gz_point_due(const gz_ctx_t *g)
{
    return g->lazy && !g->ended && g->cur >= g->frontier &&
           g->cur - g->pts[g->n_pts - 1].out >= g->span;
}

/* An access point at the block boundary the inflate stream stopped at,
 * decompressed offset out, with room for a window of min(32 KiB, have)
 * bytes (the caller copies it); prev is the input byte before next_in when
 * next_in is at the start of the input buffer. */
static int gz_window_point(const gz_ctx_t *g, uint64_t out, uint64_t have, uint8_t prev,
                           gz_point_t *p, lr_error_t *err)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->member = g->member_out;
    p->in = g->in_pos - g->zs.avail_in;
    p->bits = (uint8_t)(g->zs.data_type & 7);
    if (p->bits)
        p->byte = g->zs.next_in > g->in ? g->zs.next_in[-1] : prev;
    p->wlen = (uint32_t)min_u64(GZ_WIN, have);
    p->window = malloc(p->wlen ? p->wlen : 1);
    if (!p->window)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}

/* Records an access point at the block boundary the stream stopped at (the
 * window is the end of the history ring, which holds every byte of the
 * member since the stream started in it, and at least 32 KiB otherwise). */
static int gz_block_point(gz_ctx_t *g, lr_error_t *err)
{
    gz_point_t p;
    int rc = gz_window_point(g, g->cur, g->hist_len, g->prev_byte, &p, err);
    if (rc)
        return rc;
    hist_get(g, p.window, g->cur - p.wlen, p.wlen);
    return gz_add_point(g, &p, err);
}

/* The made bytes the stream produced in out: into the history (unless out
 * is the ring itself), and past the frontier of a lazy handle, whose known
 * size grows with it. */
static void gz_advance(gz_ctx_t *g, const uint8_t *out, size_t made)
{
    if (out < g->hist || out >= g->hist + GZ_HIST)
        hist_put(g, g->cur, out, made);
    g->cur += made;
    g->hist_len = min_u64(g->hist_len + made, GZ_HIST);
    if (g->cur <= g->frontier)
        return;
    g->frontier = g->cur;
    g->in_front = g->in_pos - g->zs.avail_in;
    if (g->lazy && !g->ended) {
        /* progress estimate: the output so far scaled to the whole input */
        double hint =
            g->in_front ? (double)g->frontier * (double)g->file_size / (double)g->in_front : 0.0;
        lr_io_set_size(g->io, g->frontier, false,
                       hint > (double)g->frontier ? (uint64_t)hint : g->frontier);
    }
}

/* The stream reached the end of the data where an image may end. */
static void gz_set_end(gz_ctx_t *g)
{
    g->ended = true;
    g->size = g->cur;
    lr_io_set_size(g->io, g->cur, true, g->cur);
}

/* true when the stream reads compressed bytes no read has reached before
 * (a lazy handle's first pass): damage there is news, not a changed file. */
static bool gz_first_pass(const gz_ctx_t *g)
{
    return g->lazy && !g->ended && g->cur >= g->frontier;
}

/* ---- members whose checksum does not match ------------------------------ */

/* zlib's verdict on a member every byte of which decompressed: the bytes do
 * not give the CRC-32 its trailer records. zlib words it so alone. */
static bool gz_crc_mismatch(const z_stream *zs, int zrc)
{
    return zrc == Z_DATA_ERROR && zs->msg && strcmp(zs->msg, "incorrect data check") == 0;
}

/* Corrupt deflate data met inside a member (not its trailer's length, which
 * is checked after its CRC-32 vouched for the bytes): what inflate made
 * since the member's start is not vouched for. */
static bool gz_corrupt_data(const z_stream *zs, int zrc)
{
    return zrc == Z_DATA_ERROR && !(zs->msg && strcmp(zs->msg, "incorrect length check") == 0);
}

/* The first unsure member ending after off (ranges are found in order and
 * do not overlap), n_unsure when none. */
static size_t gz_unsure_find(const gz_ctx_t *g, uint64_t off)
{
    size_t lo = 0, hi = g->n_unsure;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->unsure[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool gz_unsure_known(const gz_ctx_t *g, uint64_t start)
{
    size_t i = gz_unsure_find(g, start);
    return i < g->n_unsure && g->unsure[i].start == start;
}

/* The note an unsure member makes on the handle. */
static int gz_unsure_note(gz_ctx_t *g, const gz_unsure_t *u)
{
    const char *what = u->broke
                           ? "decompressed before their gzip member broke off (corrupt or cut at "
                             "compressed byte %llu), so its CRC-32 could not vouch for them: "
                             "some of them may be wrong"
                           : "decompress but do not give the CRC-32 of their gzip member (its "
                             "trailer at compressed byte %llu): some of them are wrong, or that "
                             "CRC-32 is";
    char why[240], msg[400];
    snprintf(why, sizeof(why), what, (unsigned long long)u->at);
    snprintf(msg, sizeof(msg), "bytes %llu to %llu %s, and which ones is not known",
             (unsigned long long)u->start, (unsigned long long)u->end - 1, why);
    return lr_io_add_note(g->io, msg);
}

/* Keeps [start, end) as unsure (once), noted on the handle when it
 * exists, and, a member failing its CRC-32, the image's damage when it is
 * the first (a member breaking off is the caller's damage). 1 when kept, 0
 * when the list is full (or the range is empty), <0 on error. */
static int gz_unsure_add(gz_ctx_t *g, uint64_t start, uint64_t end, uint64_t at, bool broke,
                         lr_error_t *err)
{
    if (end <= start)
        return 0;
    if (gz_unsure_known(g, start))
        return 1; /* read again */
    if (g->n_unsure == GZ_MAX_UNSURE)
        return 0;
    if (g->n_unsure % 16 == 0) {
        gz_unsure_t *nu = realloc(g->unsure, (g->n_unsure + 16) * sizeof(*nu));
        if (!nu)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        g->unsure = nu;
    }
    gz_unsure_t *u = &g->unsure[g->n_unsure++];
    *u = (gz_unsure_t){.start = start, .end = end, .at = at, .broke = broke};
    if (g->io && gz_unsure_note(g, u) != 0)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (!g->damage && !broke) {
        lr_error_set(&g->why, LR_EFORMAT, at,
                     "corrupt gzip image: a member's bytes do not give the CRC-32 of its trailer");
        lr_error_wrap(&g->why, g->io ? lr_io_name(g->io) : g->open_path, LR_EFORMAT);
        g->damage = LR_EFORMAT;
        g->cut = false;
    }
    return 1;
}

/* The member that ended at decompressed offset end failed its CRC-32
 * (gz_crc_mismatch). zlib has read the trailer's CRC-32 field whole, so the
 * length field follows; when it is the member's length, no byte went
 * missing and the trailer lies where zlib read it: the member is kept as
 * unsure and input goes on at the next member. 1 when it does, 0 when the
 * trailer cannot be placed so (the damage ends the image as any other),
 * <0 on error. */
static int gz_bad_crc(gz_ctx_t *g, uint64_t end, lr_error_t *err)
{
    uint64_t at = g->in_pos - g->zs.avail_in; /* just past the CRC-32 field */
    uint8_t b[4];
    size_t n = 0;
    if (at < 4)
        return 0;
    int rc = lr_io_fd_pread(g->fd, b, sizeof(b), at, &n);
    if (rc)
        return lr_error_set(err, rc, at, "read failed: %s", strerror(-rc));
    if (n != sizeof(b) || lr_get_le32(b) != (uint32_t)(end - g->member_out))
        return 0;
    rc = gz_unsure_add(g, g->member_out, end, at - 4, false, err);
    if (rc <= 0)
        return rc;
    g->in_pos = at + sizeof(b);
    g->zs.next_in = g->in;
    g->zs.avail_in = 0;
    return 1;
}

/* Damage met by the stream. Behind the frontier it means the file changed
 * since it was read; on a lazy handle's first pass it is what the pass at
 * open would have found: an error, or with LR_IO_PARTIAL the end of the
 * image (*made stays 0), recorded for lr_io_damage. */
static int gz_damage(gz_ctx_t *g, int code, uint64_t off, bool cut, lr_error_t *err,
                     const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!gz_first_pass(g)) {
        return lr_error_set(err, code, off, "%s (did the file change since it was opened?)", msg);
    }
    if (!g->partial || code == -ENOMEM)
        return lr_error_set(err, code, off, "%s", msg);
    lr_error_set(&g->why, code, off, "%s", msg);
    lr_error_wrap(&g->why, lr_io_name(g->io), code);
    g->damage = code;
    g->cut = cut;
    gz_set_end(g);
    return 0;
}

/* What follows the data that decompresses, not a member: a few bytes are
 * garbage appended (gzip -d ignores them, warning); many are more likely a
 * member whose header was damaged, the data after it lost: the image is
 * then cut there, not read whole. */
static const char *gz_garbage_why(const gz_ctx_t *g, uint64_t at)
{
    if (g->file_size - at > GZ_GARBAGE_CUT)
        return "corrupt gzip image: what follows the data that decompresses is not a gzip "
               "member (its header damaged?): the rest of the file is not read";
    return "corrupt gzip image: garbage after the compressed data";
}

static int gz_garbage(gz_ctx_t *g, uint64_t at, lr_error_t *err)
{
    return gz_damage(g, LR_EFORMAT, at, g->file_size - at > GZ_GARBAGE_CUT, err, "%s",
                     gz_garbage_why(g, at));
}

/* Between members: the next member, zero padding, or the end. Returns 1
 * when a member starts, 0 at the end of the image (or, partial, at damage
 * that ends it), <0 on error. */
static int gz_between(gz_ctx_t *g, lr_error_t *err)
{
    uint64_t at = g->in_pos - g->zs.avail_in;
    if (g->zs.next_in[0] != 0x1f) {
        bool zeros = true;
        for (uInt i = 0; i < g->zs.avail_in && zeros; i++)
            zeros = g->zs.next_in[i] == 0;
        if (zeros && gz_first_pass(g)) { /* padding, to the end of the file */
            g->zero_pad = true;
            g->zs.avail_in = 0;
            return 2;
        }
        return gz_garbage(g, at, err);
    }
    if (g->zero_pad && gz_first_pass(g))
        return gz_damage(g, LR_EFORMAT, at, false, err,
                         "corrupt gzip image: data after zero padding");
    if (inflateReset2(&g->zs, GZ_GZIP) != Z_OK)
        return lr_error_set(err, -ENOMEM, at, "inflate reset failed");
    g->wbits = GZ_GZIP;
    g->state = GZ_MEMBER;
    g->member_out = g->cur;
    if (gz_point_due(g)) {
        gz_point_t p = {.out = g->cur, .in = at, .member = g->cur};
        int rc = gz_add_point(g, &p, err);
        if (rc)
            return rc;
    }
    return 1;
}

/* Inflates forward into out (up to avail bytes), putting what it made into
 * the history and advancing cur; *made > 0 on success, 0 at the end of the
 * image (a lazy handle: its size is now known). Behind the frontier every
 * byte was checked before, so any failure there means the file changed or
 * could not be read. */
static int gz_step(gz_ctx_t *g, uint8_t *out, size_t avail, size_t *made, lr_error_t *err)
{
    *made = 0;
    while (!g->ended || g->cur < g->size) {
        if (g->zs.avail_in == 0) {
            size_t got = 0;
            int rc = gz_fill(g, &got, err);
            if (rc)
                return rc;
            if (!got && g->state == GZ_BETWEEN && gz_first_pass(g)) {
                gz_set_end(g);
                return 0;
            }
            if (!got && gz_first_pass(g) && g->partial &&
                (rc = gz_unsure_add(g, g->member_out, g->cur, g->in_pos, true, err)) < 0)
                return rc;
            if (!got)
                return gz_damage(g, g->ended ? -EIO : LR_EFORMAT, g->in_pos, true, err,
                                 g->ended ? "compressed data ends early"
                                          : "truncated gzip image: compressed data ends before "
                                            "the end of the stream (%llu bytes decompressed)",
                                 (unsigned long long)g->cur);
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
            int rc = gz_between(g, err);
            if (rc <= 0)
                return rc;
            continue;
        }
        uInt room = avail > UINT_MAX ? UINT_MAX : (uInt)avail;
        g->zs.next_out = out;
        g->zs.avail_out = room;
        int zrc = inflate(&g->zs, Z_BLOCK);
        *made = room - g->zs.avail_out;
        gz_advance(g, out, *made);
        if (zrc == Z_STREAM_END) {
            /* a raw stream stops before the member's 8-byte trailer */
            g->state = g->wbits == GZ_RAW ? GZ_TRAILER : GZ_BETWEEN;
            g->skip = 8;
        } else if ((zrc == Z_OK || zrc == Z_BUF_ERROR) && (g->zs.data_type & 128) &&
                   !(g->zs.data_type & 64) && gz_point_due(g)) {
            int rc = gz_block_point(g, err);
            if (rc)
                return rc;
        }
        /* Output comes first: the last bytes of a member whose trailer is
         * bad (served by a partial open) arrive with the error. */
        if (*made)
            return 0;
        if (zrc == Z_OK || zrc == Z_STREAM_END || (zrc == Z_BUF_ERROR && g->zs.avail_in == 0))
            continue;
        /* a member whose checksum fails is read on past: on the first pass
         * of a partial handle, or again once that kept it */
        if (gz_crc_mismatch(&g->zs, zrc) &&
            (gz_first_pass(g) ? g->partial : gz_unsure_known(g, g->member_out))) {
            int rc = gz_bad_crc(g, g->cur, err);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                g->state = GZ_BETWEEN;
                continue;
            }
        }
        uint64_t bad_at = g->in_pos - g->zs.avail_in;
        if (gz_first_pass(g) && g->partial && gz_corrupt_data(&g->zs, zrc)) {
            int rc = gz_unsure_add(g, g->member_out, g->cur, bad_at, true, err);
            if (rc < 0)
                return rc;
        }
        return gz_damage(g, zrc == Z_MEM_ERROR ? -ENOMEM : LR_EFORMAT, bad_at, true, err,
                         "corrupt gzip image: %s", g->zs.msg ? g->zs.msg : zError(zrc));
    }
    return 0;
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
    g->zs.next_in = g->in;
    g->zs.avail_in = 0;
    g->in_pos = p->in;
    g->state = GZ_MEMBER;
    g->cur = p->out;
    g->member_out = p->member;
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
        /* a lazy stream found the end inside this read */
        if (g->ended && (off > g->size || len > g->size - off)) {
            return lr_error_set(err, LR_ERANGE, off,
                                "read of %zu bytes at %llu runs past the end (%llu bytes)", len,
                                (unsigned long long)off, (unsigned long long)g->size);
        }
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
        if (off > g->cur) {
            /* forward to off: inflate straight into the history ring */
            size_t at = (size_t)(g->cur % GZ_HIST);
            size_t want = (size_t)min_u64(off - g->cur, GZ_HIST - at);
            rc = gz_step(g, g->hist + at, want, &made, err);
        } else {
            rc = gz_step(g, p, len, &made, err);
            p += made;
            off += made;
            len -= made;
        }
        if (rc) {
            g->live = false;
            return rc;
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
    uint64_t out;      /* bytes decompressed */
    uint8_t prev_byte; /* last byte of the previous input chunk */
    const lr_io_open_opts_t *opts;
    uint64_t next_progress;
} gz_index_t;

/* true when the pass is a span past the last access point. */
static bool gz_index_due(const gz_ctx_t *g, const gz_index_t *x)
{
    return x->out - g->pts[g->n_pts - 1].out >= g->span;
}

/* Adds an access point at the current position of the pass: at a member
 * start (its header at in) when member is set, else at a block boundary. */
static int gz_index_point(gz_ctx_t *g, gz_index_t *x, bool member, lr_error_t *err)
{
    gz_point_t p = {.out = x->out, .in = g->in_pos - g->zs.avail_in, .member = x->out};
    if (!member) {
        int rc = gz_window_point(g, x->out, x->out, x->prev_byte, &p, err);
        if (rc)
            return rc;
        size_t start = (x->opos + GZ_OBUF - p.wlen) % GZ_OBUF;
        size_t first = p.wlen < GZ_OBUF - start ? p.wlen : GZ_OBUF - start;
        memcpy(p.window, x->obuf + start, first);
        memcpy(p.window + first, x->obuf, p.wlen - first);
    }
    return gz_add_point(g, &p, err);
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
    int rc = 0;
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
                    uint64_t at = g->in_pos - g->zs.avail_in;
                    g->garbage_cut = g->file_size - at > GZ_GARBAGE_CUT;
                    return lr_error_set(err, LR_EFORMAT, at, "%s", gz_garbage_why(g, at));
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
            g->member_out = x->out;
            if (gz_index_due(g, x) && (rc = gz_index_point(g, x, true, err)) != 0)
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
            if ((g->zs.data_type & 128) && !(g->zs.data_type & 64) && gz_index_due(g, x) &&
                (rc = gz_index_point(g, x, false, err)) != 0)
                return rc;
            continue;
        }
        if (g->partial && gz_crc_mismatch(&g->zs, zrc)) {
            rc = gz_bad_crc(g, x->out, err);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                *in_member = false;
                continue;
            }
        }
        if (g->partial && gz_corrupt_data(&g->zs, zrc) &&
            (rc = gz_unsure_add(g, g->member_out, x->out, g->in_pos - g->zs.avail_in, true, err)) <
                0)
            return rc;
        return lr_error_set(err, zrc == Z_MEM_ERROR ? -ENOMEM : LR_EFORMAT,
                            g->in_pos - g->zs.avail_in, "corrupt gzip image: %s",
                            g->zs.msg ? g->zs.msg : zError(zrc));
    }
    if (*in_member) {
        if (g->partial && (rc = gz_unsure_add(g, g->member_out, x->out, g->in_pos, true, err)) < 0)
            return rc;
        return lr_error_set(err, LR_EFORMAT, g->in_pos,
                            "truncated gzip image: compressed data ends before the end of the "
                            "stream (%llu bytes decompressed)",
                            (unsigned long long)x->out);
    }
    return gz_progress(g, x, true, err);
}

/* The pass at open (without LR_IO_LAZY): checks the image whole and indexes
 * it; with LR_IO_PARTIAL damage is kept for lr_io_damage instead of failing. */
static int gz_open_pass(gz_ctx_t *g, const char *path, const lr_io_open_opts_t *opts, lr_error_t *e)
{
    gz_index_t x = {.opts = opts};
    x.obuf = malloc(GZ_OBUF);
    if (!x.obuf)
        return lr_error_set(e, -ENOMEM, LR_NO_OFFSET, "out of memory");
    bool in_member = true;
    int rc = gz_index(g, &x, &in_member, e);
    free(x.obuf);
    g->size = x.out;
    g->frontier = x.out;
    g->ended = true;
    /* damaged: with LR_IO_PARTIAL keep what decompressed before it */
    if (rc && rc != -ENOMEM && rc != -ECANCELED && g->partial) {
        lr_error_wrap(e, path, rc);
        g->damage = rc;
        g->cut = in_member || g->garbage_cut;
        g->why = *e;
        lr_error_clear(e);
        rc = 0;
    }
    return rc;
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
    g->span = opts && opts->gzip_span ? opts->gzip_span : LR_IO_GZIP_SPAN;
    g->lazy = opts && (opts->flags & LR_IO_LAZY);
    g->partial = opts && (opts->flags & LR_IO_PARTIAL);
    lr_error_t e;
    lr_error_clear(&e);
    g->in = malloc(GZ_IN);
    g->hist = malloc(GZ_HIST);
    gz_point_t first = {0}; /* the first member's header */
    int rc = 0;
    if (!g->in || !g->hist) {
        rc = lr_error_set(&e, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (inflateInit2(&g->zs, GZ_GZIP) != Z_OK) {
        rc = lr_error_set(&e, -ENOMEM, LR_NO_OFFSET, "inflateInit2 failed");
    } else {
        g->zs_init = true;
        rc = gz_add_point(g, &first, &e);
    }
    g->open_path = path;
    if (!rc && !g->lazy)
        rc = gz_open_pass(g, path, opts, &e);
    if (!rc)
        rc = lr_io_new(out, &lr_io_gzip_ops, g, g->size, path, &e);
    if (!rc)
        g->io = *out;
    for (size_t i = 0; !rc && i < g->n_unsure; i++)
        if (gz_unsure_note(g, &g->unsure[i]) != 0)
            rc = lr_error_set(&e, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc) {
        if (g->io) {
            g->io->ctx = NULL; /* freed here */
            lr_io_close(g->io, NULL);
            *out = NULL;
        }
        gz_free(g);
        if (err)
            *err = e;
        return lr_error_wrap(err, path, rc);
    }
    g->open_path = NULL; /* the caller's: the handle names the image from here on */
    if (g->lazy)
        lr_io_set_size(g->io, 0, false, 0);
    (*out)->is_gzip = true;
    return 0;
}

int lr_io_damage(const lr_io_t *io, bool *truncated, lr_error_t *why)
{
    if (truncated)
        *truncated = false;
    if (why)
        lr_error_clear(why);
    if (io && io->ops != &lr_io_gzip_ops) {
        bool cut = false;
        int rc = lr_io_stream_damage(io, why, &cut); /* a lazily read zstd image */
        if (rc && truncated)
            *truncated = cut;
        return rc;
    }
    if (!io)
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

int lr_io_unsure_range(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end)
{
    if (io && io->ops != &lr_io_gzip_ops) /* a bad xz block's or zstd frame's prefix */
        return lr_io_stream_unsure(io, off, start, end);
    if (!io)
        return 0;
    const gz_ctx_t *g = io->ctx;
    size_t i = gz_unsure_find(g, off);
    if (i == g->n_unsure)
        return 0;
    if (start)
        *start = g->unsure[i].start;
    if (end)
        *end = g->unsure[i].end;
    return 1;
}
