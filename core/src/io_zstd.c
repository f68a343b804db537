/* .zst images through libzstd, read at random by frame. Opening decodes the
 * file once (checking every frame, and its checksum when it has one) and
 * notes where each frame starts in the compressed and the decompressed
 * bytes; a read decodes its frame from the frame start on (io_stream.c).
 * With LR_IO_LAZY (the scan's open) there is no pass at open: the frames
 * and the size are learned while the image is read in order, so the scan
 * decodes it once. A
 * file of one frame (plain `zstd`) is one piece: read well in order, and a
 * read behind the history restarts at its start; files made of many frames
 * (pzstd's, the seekable format's, or chunks compressed one by one and
 * concatenated) read well at random. A corrupt frame is looked past
 * without decoding it, when its headers tell where it ends and how much it
 * makes (zs_piece_span): its bytes are unreadable, the other frames read
 * as before. So is a frame after the first whose window is larger than any
 * before it and takes more than half the memory the process may use
 * (zs_check): it is not decoded, and the error says why. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_int.h"
#include "le.h"

#ifdef LR_HAVE_ZSTD
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader (exported by libzstd since 1.3) */
#include <stdio.h>
#include <zstd.h>
#include <zstd_errors.h>

#define ZS_PROGRESS (16u << 20) /* compressed bytes between progress calls */
/* The largest window the format allows (2 GiB, `zstd --long=31`; 1 GiB on
 * a 32-bit machine). libzstd refuses frames above 128 MiB by default, as
 * the zstd tool does without --long=31 or --memory; a frame that needs
 * more is read all the same, with a note (zs_opened): refusing would
 * leave only decompressing the whole image to disk first. */
#define ZS_WINDOWLOG_MAX (sizeof(size_t) == 4 ? 30 : 31)
#define ZS_STEP_IN (ZSTD_BLOCKSIZE_MAX + 3) /* a block and its header: ZSTD_DStreamInSize() */
#define ZS_SKIPS_MAX 64 /* skippable frames looked past for the first frame's header */
/* lr_io_window_note's words for a frame's window */
#define ZS_MADE_BY "a window made by zstd's long mode or ultra levels"
#define ZS_DECOMPRESS "zstd -d, allowing its window"

/* A decoder that takes every window the format allows. */
static ZSTD_DStream *zs_new_ds(void)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (ds && ZSTD_isError(ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax, ZS_WINDOWLOG_MAX))) {
        ZSTD_freeDStream(ds);
        return NULL;
    }
    return ds;
}

/* A frame's window noted at open, before the handle existed. */
typedef struct zs_later {
    uint64_t at, bytes;
} zs_later_t;

/* The decoder and what its last call said (0: a frame just ended). */
typedef struct zs_dec {
    ZSTD_DStream *ds;
    size_t last;
    uint64_t window; /* the largest window let through so far (zs_check) */
    char **whys;     /* the reasons frames were not decoded (their pieces' why) */
    size_t n_whys;
    zs_later_t *later; /* windows to note on the handle once it exists */
    size_t n_later;
} zs_dec_t;

static void zs_free(void *dec)
{
    zs_dec_t *d = dec;
    ZSTD_freeDStream(d->ds);
    for (size_t i = 0; i < d->n_whys; i++)
        free(d->whys[i]);
    free(d->whys);
    free(d->later);
    free(d);
}

static void zs_rest(void *dec)
{
    zs_dec_t *d = dec;
    ZSTD_freeDStream(d->ds);
    d->ds = NULL;
}

static int zs_start(void *dec, int fd, const lr_io_piece_t *p, uint64_t *skip, lr_error_t *err)
{
    (void)fd;
    (void)p;
    zs_dec_t *d = dec;
    *skip = 0;
    d->last = 1;
    if (!d->ds && !(d->ds = zs_new_ds()))
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "cannot make the zstd decoder");
    if (ZSTD_isError(ZSTD_DCtx_reset(d->ds, ZSTD_reset_session_only)))
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "cannot reset the zstd decoder");
    return 0;
}

static int zs_step(void *dec, const uint8_t *in, size_t in_len, size_t *used, uint8_t *out,
                   size_t avail, size_t *made, const char **why)
{
    zs_dec_t *d = dec;
    /* A call that fails reports nothing it made before the damage showed
     * (libzstd leaves ob.pos unset): a block's worth at a time, as the zstd
     * tool decodes, loses no more than it does. */
    ZSTD_inBuffer ib = {in, in_len < ZS_STEP_IN ? in_len : ZS_STEP_IN, 0};
    ZSTD_outBuffer ob = {out, avail < ZSTD_BLOCKSIZE_MAX ? avail : ZSTD_BLOCKSIZE_MAX, 0};
    size_t r = ZSTD_decompressStream(d->ds, &ob, &ib);
    *used = ib.pos;
    *made = ob.pos;
    if (!ZSTD_isError(r)) {
        d->last = r;
        if (in_len == 0 && ob.pos == 0 && r != 0) { /* the piece's bytes are all fed */
            *why = "the file ends inside the frame: truncated";
            return LR_EFORMAT;
        }
        return 0;
    }
    *why = ZSTD_getErrorName(r);
    return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : LR_EFORMAT;
}

/* Reads n bytes at off: 0, 1 when the file ends first, -errno. */
static int zs_read_at(int fd, void *buf, size_t n, uint64_t off)
{
    size_t got;
    int rc = lr_io_fd_pread(fd, buf, n, off, &got);
    return rc ? rc : got < n;
}

/* The frame's blocks, walked from their 3-byte headers (RFC 8878 3.1.1.2:
 * the last-block bit, the type, the size; an RLE block holds one byte),
 * from at (just past the frame header) to just past its last block at
 * *end. *raw: the bytes raw and RLE blocks decode to; *packed: how many
 * compressed blocks there are (each decodes to at most blockSizeMax).
 * 0, 1 (*why; NULL: the file ends inside the frame), -errno. */
static int zs_walk_blocks(int fd, uint64_t at, uint64_t file_size, const ZSTD_frameHeader *fh,
                          uint64_t *end, uint64_t *raw, uint64_t *packed, const char **why)
{
    *raw = *packed = 0;
    for (bool last = false; !last;) {
        uint8_t h[3];
        int rc = at + 3 <= file_size ? zs_read_at(fd, h, 3, at) : 1;
        if (rc)
            return rc;
        uint32_t bh = lr_get_le24(h);
        uint32_t type = (bh >> 1) & 3, size = bh >> 3;
        last = bh & 1;
        if (type == 3 || size > fh->blockSizeMax) {
            *why = "a block header in it is damaged too, so where it ends is not known";
            return 1;
        }
        *raw += type == 2 ? 0 : size;
        *packed += type == 2;
        at += 3 + (type == 1 ? 1 : size);
        if (at > file_size)
            return 1;
    }
    *end = at;
    return 0;
}

/* The codec's piece_span: a zstd frame's end is found without decoding it,
 * from its frame header and its blocks' headers (3 bytes read per block),
 * and its decompressed size is the content size its header records
 * (zstd writes it when it knows the input's size: a file, not a pipe;
 * pzstd never does). Without it, or when the walk does not add up (the
 * blocks cannot make the size recorded, the bytes after the frame are no
 * frame), the frames after it cannot be placed in the image. */
static int zs_piece_span(int fd, uint64_t in, uint64_t file_size, uint64_t *in_end,
                         uint64_t *out_len, const char **why)
{
    *why = NULL;
    ZSTD_frameHeader fh;
    for (int i = 0;; i++) { /* skippable frames before it are looked past */
        uint8_t head[ZSTD_FRAMEHEADERSIZE_MAX];
        size_t n = file_size - in < sizeof(head) ? (size_t)(file_size - in) : sizeof(head);
        int rc = in < file_size ? zs_read_at(fd, head, n, in) : 1;
        if (rc)
            return rc;
        size_t r = ZSTD_getFrameHeader(&fh, head, n);
        if (r != 0 || i == ZS_SKIPS_MAX) {
            *why = ZSTD_isError(r) ? "its frame header is damaged too" : NULL;
            return 1;
        }
        if (fh.frameType != ZSTD_skippableFrame)
            break;
        in += fh.headerSize + fh.frameContentSize;
    }
    if (fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN) {
        *why = "the frame records no decompressed size (pzstd, or zstd reading a pipe), so the "
               "frames after it cannot be placed in the image";
        return 1;
    }
    uint64_t end = 0, raw = 0, packed = 0;
    int rc = zs_walk_blocks(fd, in + fh.headerSize, file_size, &fh, &end, &raw, &packed, why);
    if (rc)
        return rc;
    end += fh.checksumFlag ? 4 : 0;
    if (end > file_size)
        return 1; /* cut short: where it would end is not here */
    /* the file's last frame when it ends the file exactly (its bytes then
     * unreadable, as any frame's, the image its announced size); else a
     * frame must follow */
    uint8_t m[4] = {0};
    if (end < file_size && (rc = zs_read_at(fd, m, 4, end)) != 0)
        return rc;
    uint32_t magic = lr_get_le32(m);
    bool frame = end == file_size || magic == ZSTD_MAGICNUMBER ||
                 (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
    if (!frame || fh.frameContentSize < raw ||
        fh.frameContentSize - raw > packed * (uint64_t)fh.blockSizeMax) {
        *why = "its block headers do not add up to the frame it announces, so where it ends is "
               "not known";
        return 1;
    }
    *in_end = end;
    *out_len = fh.frameContentSize;
    return 0;
}

/* The first frame from compressed offset off on that makes data
 * (skippable frames looked past): its header in *fh, its offset in *at.
 * false when it cannot be read (decoding says why). */
static bool zs_frame_at(int fd, uint64_t off, ZSTD_frameHeader *fh, uint64_t *at)
{
    for (int i = 0; i < ZS_SKIPS_MAX; i++) {
        uint8_t head[ZSTD_FRAMEHEADERSIZE_MAX];
        size_t n;
        if (lr_io_fd_pread(fd, head, sizeof(head), off, &n) || n == 0 ||
            ZSTD_getFrameHeader(fh, head, n) != 0)
            return false;
        if (fh->frameType != ZSTD_skippableFrame) {
            *at = off;
            return true;
        }
        off += fh->headerSize + fh->frameContentSize;
    }
    return false;
}

/* The memory decoding the frame takes: its window, or its content size
 * when the header records a smaller one (libzstd buffers no more). */
static uint64_t zs_frame_mem(const ZSTD_frameHeader *fh)
{
    bool sized = fh->frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN;
    return sized && fh->frameContentSize < fh->windowSize ? fh->frameContentSize : fh->windowSize;
}

/* The codec's check: a frame whose window is larger than any let through
 * so far (a file of frames made with different options, `cat` of them) is
 * noted on io as the first frame's is (zs_opened), or, with io NULL (the
 * pass at open), once the handle exists; past the memory limit it is not
 * decoded: LR_ELIMIT, *why lr_io_window_note's reason (kept in d). A
 * frame whose header cannot be read passes (decoding it says why). */
static int zs_check(void *dec, int fd, const lr_io_piece_t *p, lr_io_t *io, const char **why)
{
    zs_dec_t *d = dec;
    ZSTD_frameHeader fh;
    uint64_t at = 0;
    if (!zs_frame_at(fd, p->in, &fh, &at) || zs_frame_mem(&fh) <= d->window)
        return 0;
    uint64_t mem = zs_frame_mem(&fh);
    lr_error_t e;
    lr_error_clear(&e);
    int rc = lr_io_window_note(io, "zstd", "frame", at, mem, ZS_MADE_BY, ZS_DECOMPRESS, &e);
    if (rc == LR_ELIMIT) {
        char **grown = realloc(d->whys, (d->n_whys + 1) * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        d->whys = grown;
        if (!(*why = d->whys[d->n_whys] = strdup(e.msg)))
            return -ENOMEM;
        d->n_whys++;
        return LR_ELIMIT;
    }
    if (rc)
        return rc;
    d->window = mem;
    if (io || mem <= LR_IO_WINDOW_QUIET || d->n_later == LR_IO_MAX_NOTES)
        return 0;
    zs_later_t *grown = realloc(d->later, (d->n_later + 1) * sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    d->later = grown;
    d->later[d->n_later++] = (zs_later_t){at, mem};
    return 0;
}

/* ZSTD_decompressStream stops at the end of each frame and says 0 there. */
static bool zs_piece_done(void *dec)
{
    return ((zs_dec_t *)dec)->last == 0;
}

static const lr_io_codec_t zs_codec = {
    .name = "zstd",
    .piece = "frame",
    .start = zs_start,
    .step = zs_step,
    .free = zs_free,
    .piece_done = zs_piece_done,
    .rest = zs_rest,
    .piece_span = zs_piece_span,
    .check = zs_check,
};

typedef struct zs_index {
    lr_io_piece_t *pcs;
    size_t n, cap;
    uint64_t in, out; /* bytes consumed and made so far */
} zs_index_t;

/* A frame starts at the current position. */
static int zs_add(zs_index_t *x, lr_error_t *err)
{
    if (x->n && x->pcs[x->n - 1].out == x->out) {
        x->pcs[x->n - 1].in = x->in; /* an empty (or skippable) frame made nothing */
        return 0;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        lr_io_piece_t *p = realloc(x->pcs, cap * sizeof(*p));
        if (!p)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        x->pcs = p;
        x->cap = cap;
    }
    x->pcs[x->n++] = (lr_io_piece_t){.in = x->in, .out = x->out};
    return 0;
}

/* The pass at open met a corrupt frame (libzstd's error code, at
 * compressed offset at): the frame is marked bad and the pass goes on after
 * it when its end and its size can be told from its headers
 * (lr_io_piece_next, the rule the lazy first pass follows too), so that the
 * other frames read as before; else the open fails, naming why the frames
 * after it cannot be found. */
static int zs_index_bad(ZSTD_DStream *ds, int fd, uint64_t file_size, zs_index_t *x, uint64_t at,
                        size_t code, lr_error_t *err)
{
    lr_io_piece_t *p = &x->pcs[x->n - 1];
    uint64_t end = 0, next = 0;
    const char *cannot = NULL;
    int rc = lr_io_piece_next(&zs_codec, fd, file_size, p, x->out, &end, &next, &cannot, err);
    if (rc < 0)
        return rc;
    if (rc)
        return lr_error_set(err, LR_EFORMAT, at, "corrupt zstd data: %s%s%s%s",
                            ZSTD_getErrorName(code), cannot ? " (" : "", cannot ? cannot : "",
                            cannot ? ")" : "");
    lr_io_piece_bad(p, LR_EFORMAT, at, ZSTD_getErrorName(code)); /* static text */
    p->bad_out = x->out > p->out ? x->out : p->out; /* what its blocks before the damage made */
    x->in = end;
    x->out = next;
    if (ZSTD_isError(ZSTD_DCtx_reset(ds, ZSTD_reset_session_only)))
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "cannot reset the zstd decoder");
    return 0;
}

/* The pass at open reaches a new frame, the last piece: zs_check before
 * it is decoded. A frame it will not decode is marked bad and the pass
 * goes on after it (lr_io_piece_next), else the open fails saying why. 0,
 * 1 when the pass goes on after it, or the status. */
static int zs_index_check(zs_dec_t *d, int fd, uint64_t file_size, zs_index_t *x, lr_error_t *err)
{
    lr_io_piece_t *p = &x->pcs[x->n - 1];
    const char *why = NULL;
    int rc = zs_check(d, fd, p, NULL, &why);
    if (rc != LR_ELIMIT)
        return rc ? lr_error_oom(err) : 0;
    uint64_t end = 0, next = 0;
    const char *cannot = NULL;
    rc = lr_io_piece_next(&zs_codec, fd, file_size, p, x->out, &end, &next, &cannot, err);
    if (rc < 0)
        return rc;
    if (rc)
        return lr_error_set(err, LR_ELIMIT, p->in, "%s%s%s", why, cannot ? "; " : "",
                            cannot ? cannot : "");
    lr_io_piece_bad(p, LR_ELIMIT, p->in, why);
    x->in = end;
    x->out = next;
    return 1;
}

/* The one decoding pass at open. */
static int zs_index(zs_dec_t *d, int fd, uint64_t file_size, const lr_io_open_opts_t *opts,
                    zs_index_t *x, lr_error_t *err)
{
    ZSTD_DStream *ds = d->ds;
    size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
    uint8_t *in = malloc(in_cap), *out = malloc(out_cap);
    int rc = in && out ? zs_add(x, err) : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    size_t last = 0;      /* ZSTD_decompressStream's last hint: 0 at a frame end */
    bool pending = false; /* a frame ended: the next byte starts one */
    uint64_t next_progress = ZS_PROGRESS;
    while (!rc) {
        size_t n;
        if ((rc = lr_io_fd_pread(fd, in, in_cap, x->in, &n)) != 0) {
            rc = lr_error_set(err, rc, x->in + n, "read failed: %s", strerror(-rc));
            break;
        }
        if (n == 0)
            break;
        ZSTD_inBuffer ib = {in, n, 0};
        bool skipped = false; /* a corrupt or refused frame was skipped: go on after it */
        while (!rc && !skipped && (ib.pos < ib.size || last > 0)) {
            if (pending && ib.pos < ib.size) { /* a new frame starts here */
                uint64_t keep = x->in;
                x->in += ib.pos;
                rc = zs_add(x, err);
                x->in = keep;
                pending = false;
                if (!rc && (rc = zs_index_check(d, fd, file_size, x, err)) > 0) {
                    rc = 0;
                    skipped = true; /* at x->in, the frame after it */
                    pending = true;
                    break;
                }
                if (rc)
                    break;
            }
            ZSTD_outBuffer ob = {out, out_cap, 0};
            size_t before = ib.pos;
            last = ZSTD_decompressStream(ds, &ob, &ib);
            if (ZSTD_isError(last)) {
                rc = zs_index_bad(ds, fd, file_size, x, x->in + before, last, err);
                skipped = !rc;
                last = 0;
                pending = true; /* the next frame starts at x->in */
                break;
            }
            x->out += ob.pos;
            pending = last == 0;
            if (ob.pos == 0 && ib.pos == before)
                break; /* needs more input */
        }
        x->in += skipped ? 0 : ib.pos;
        if (!rc && opts && opts->progress && x->in >= next_progress) {
            next_progress = x->in + ZS_PROGRESS;
            if (opts->progress(opts->progress_arg, x->in, file_size))
                rc = lr_error_set(err, -ECANCELED, LR_NO_OFFSET, "cancelled");
        }
    }
    if (!rc && last != 0)
        rc = lr_error_set(err, LR_EFORMAT, x->in, "the zstd file is truncated inside a frame");
    free(in);
    free(out);
    return rc;
}

/* The handle just made (rc: how making it went), with a note when the
 * first frame's window takes more memory than the reader's budget (its
 * content size when smaller: libzstd buffers no more than that), refused
 * past the memory limit, and the notes the pass at open left for later
 * frames with larger windows (zs_check: later ones the reader meets note
 * on the handle themselves). d is the handle's decoder. */
static int zs_opened(lr_io_t **out, const zs_dec_t *d, const ZSTD_frameHeader *fh, uint64_t at,
                     int rc, lr_error_t *err)
{
    if (rc)
        return rc;
    if (fh)
        rc = lr_io_window_note(*out, "zstd", "frame", at, zs_frame_mem(fh), ZS_MADE_BY,
                               ZS_DECOMPRESS, err);
    for (size_t i = 0; !rc && i < d->n_later; i++)
        rc = lr_io_window_note(*out, "zstd", "frame", d->later[i].at, d->later[i].bytes, ZS_MADE_BY,
                               ZS_DECOMPRESS, err);
    if (rc) {
        lr_io_close(*out, NULL);
        *out = NULL;
    }
    return rc;
}

/* A frame made with a dictionary (zstd -D) cannot be decoded without it:
 * refused by name instead of as corrupt data. */
static int zs_dictionary(const ZSTD_frameHeader *fh, uint64_t at, const char *path, lr_error_t *err)
{
    return lr_error_at(err, path, -ENOTSUP, at,
                       "the zstd frame at compressed offset %llu was made with dictionary %u "
                       "(zstd -D): it cannot be decoded without that dictionary; decompress the "
                       "image first (zstd -d -D DICTIONARY)",
                       (unsigned long long)at, fh->dictID);
}

int lr_io_zstd_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err)
{
    off_t end = lseek(fd, 0, SEEK_END);
    uint64_t file_size = end > 0 ? (uint64_t)end : 0;
    zs_dec_t *d = calloc(1, sizeof(*d));
    if (d)
        d->ds = zs_new_ds();
    if (!d || !d->ds) {
        free(d);
        close(fd);
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    d->last = 1;
    ZSTD_frameHeader head;
    uint64_t at = 0;
    const ZSTD_frameHeader *fh = zs_frame_at(fd, 0, &head, &at) ? &head : NULL;
    if (fh && fh->dictID) {
        zs_free(d);
        close(fd);
        return zs_dictionary(fh, at, path, err);
    }
    d->window = fh ? zs_frame_mem(fh) : 0; /* zs_opened's to note */
    if (opts && (opts->flags & LR_IO_LAZY)) {
        /* no pass at open: the frames are found as the image is read; the
         * first frame's content size, when recorded, estimates the size */
        bool sized = fh && fh->frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN;
        int rc = lr_io_stream_new_lazy(out, fd, path, &zs_codec, d, file_size,
                                       sized ? fh->frameContentSize : file_size,
                                       (opts->flags & LR_IO_PARTIAL) != 0, err);
        return zs_opened(out, d, fh, at, rc, err);
    }
    zs_index_t x = {0};
    int rc = zs_index(d, fd, file_size, opts, &x, err);
    if (rc) {
        zs_free(d);
        free(x.pcs);
        close(fd);
        return lr_error_wrap(err, path, rc);
    }
    for (size_t i = 0; i < x.n; i++)
        x.pcs[i].in_end = i + 1 < x.n ? x.pcs[i + 1].in : file_size;
    ZSTD_DCtx_reset(d->ds, ZSTD_reset_session_only);
    rc = lr_io_stream_new(out, fd, path, &zs_codec, d, x.pcs, x.n, x.out, err);
    return zs_opened(out, d, fh, at, rc, err);
}
#endif
