/* .xz images through liblzma, read at random by block: the stream
 * indexes (lzma_file_info_decoder reads them from the end of the file,
 * every stream of a concatenated file, without decompressing anything)
 * give each block's compressed and decompressed offsets, and a read decodes
 * its block from the block header on (io_stream.c). A file of one block
 * (plain `xz`, single-threaded) is one piece: read well in order, and a
 * read behind the history restarts at its start; `xz -T0` or
 * `--block-size` make files read well at random. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_int.h"

#ifdef LR_HAVE_LZMA
#include <lzma.h>

#define XZ_IN (64u << 10)
#define XZ_MEMLIMIT (64ull << 20) /* index decoder memory at most */

typedef struct xz_dec {
    lzma_stream strm; /* first: xz_rest */
    lzma_block block;
    lzma_filter filters[LZMA_FILTERS_MAX + 1];
    bool filters_set;
} xz_dec_t;

/* What decoding needs most memory: the block (of those that start a
 * stream: a stream's blocks share its maker's options) and how much. */
typedef struct xz_mem {
    uint64_t bytes;
    uint64_t at;
} xz_mem_t;

static void xz_drop_filters(xz_dec_t *d)
{
    if (!d->filters_set)
        return;
    for (size_t i = 0; i < LZMA_FILTERS_MAX && d->filters[i].id != LZMA_VLI_UNKNOWN; i++) {
        free(d->filters[i].options);
        d->filters[i].options = NULL;
    }
    d->filters_set = false;
}

/* The image is decoded to its end: the decoder's dictionary goes. dec is
 * an xz_dec_t or an xzs_dec_t, whose first member is the lzma_stream. */
static void xz_rest(void *dec)
{
    lzma_stream *strm = dec;
    lzma_end(strm);
    *strm = (lzma_stream)LZMA_STREAM_INIT;
}

static void xz_free(void *dec)
{
    xz_drop_filters(dec);
    xz_rest(dec);
    free(dec);
}

/* Reads and decodes the block header of piece p into d->block and
 * d->filters. */
static int xz_header(xz_dec_t *d, int fd, const lr_io_piece_t *p, lr_error_t *err)
{
    uint8_t hdr[LZMA_BLOCK_HEADER_SIZE_MAX];
    size_t n;
    if (lr_io_fd_pread(fd, hdr, 1, p->in, &n) || n != 1)
        return lr_error_set(err, -EIO, p->in, "cannot read the xz block header");
    xz_drop_filters(d);
    memset(&d->block, 0, sizeof(d->block));
    d->block.version = 1;
    d->block.check = (lzma_check)p->aux;
    d->block.filters = d->filters;
    d->block.header_size = lzma_block_header_size_decode(hdr[0]);
    if (hdr[0] == 0 || lr_io_fd_pread(fd, hdr, d->block.header_size, p->in, &n) ||
        n != d->block.header_size)
        return lr_error_set(err, LR_EFORMAT, p->in, "bad xz block header");
    if (lzma_block_header_decode(&d->block, NULL, hdr) != LZMA_OK)
        return lr_error_set(err, LR_EFORMAT, p->in, "corrupt xz block header");
    d->filters_set = true;
    return 0;
}

static int xz_start(void *dec, int fd, const lr_io_piece_t *p, uint64_t *skip, lr_error_t *err)
{
    xz_dec_t *d = dec;
    int rc = xz_header(d, fd, p, err);
    if (rc)
        return rc;
    if (lzma_block_decoder(&d->strm, &d->block) != LZMA_OK)
        return lr_error_set(err, LR_EFORMAT, p->in, "unsupported xz block filters");
    *skip = d->block.header_size;
    return 0;
}

/* The memory decoding piece p takes (its filters' dictionary above all),
 * 0 when its header cannot be read (decoding it will say why). */
static uint64_t xz_block_mem(int fd, const lr_io_piece_t *p)
{
    xz_dec_t d = {.strm = LZMA_STREAM_INIT};
    lr_error_t e;
    lr_error_clear(&e);
    uint64_t mem = xz_header(&d, fd, p, &e) ? 0 : lzma_raw_decoder_memusage(d.filters);
    xz_drop_filters(&d);
    return mem == UINT64_MAX ? 0 : mem;
}

/* One lzma_code call on strm; *end: it ended the stream. */
static int xz_code(lzma_stream *strm, const uint8_t *in, size_t in_len, size_t *used, uint8_t *out,
                   size_t avail, size_t *made, bool *end, const char **why)
{
    strm->next_in = in;
    strm->avail_in = in_len;
    strm->next_out = out;
    strm->avail_out = avail;
    lzma_ret r = lzma_code(strm, LZMA_RUN);
    *used = in_len - strm->avail_in;
    *made = avail - strm->avail_out;
    *end = r == LZMA_STREAM_END;
    if (r == LZMA_OK || r == LZMA_STREAM_END || r == LZMA_BUF_ERROR)
        return 0; /* BUF_ERROR: no progress, io_stream.c reports what is missing */
    *why = r == LZMA_MEM_ERROR       ? "out of memory"
           : r == LZMA_DATA_ERROR    ? "data error"
           : r == LZMA_OPTIONS_ERROR ? "unsupported options"
           : r == LZMA_FORMAT_ERROR  ? "not an xz or lzma stream"
                                     : "check or format error";
    return r == LZMA_MEM_ERROR ? -ENOMEM : LR_EFORMAT;
}

static int xz_step(void *dec, const uint8_t *in, size_t in_len, size_t *used, uint8_t *out,
                   size_t avail, size_t *made, const char **why)
{
    bool end;
    return xz_code(&((xz_dec_t *)dec)->strm, in, in_len, used, out, avail, made, &end, why);
}

static const lr_io_codec_t xz_codec = {
    .name = "xz",
    .piece = "block",
    .start = xz_start,
    .step = xz_step,
    .free = xz_free,
    .rest = xz_rest,
};

/* Reads every stream's index: lzma_file_info_decoder asks for the file
 * positions it needs (LZMA_SEEK_NEEDED). */
static int xz_index(int fd, uint64_t file_size, lzma_index **idx, lr_error_t *err)
{
    lzma_stream strm = LZMA_STREAM_INIT;
    if (lzma_file_info_decoder(&strm, idx, XZ_MEMLIMIT, file_size) != LZMA_OK)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "cannot start the xz index decoder");
    uint8_t *buf = malloc(XZ_IN);
    uint64_t pos = 0;
    int rc = buf ? 0 : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    while (!rc) {
        if (strm.avail_in == 0) {
            size_t n;
            if ((rc = lr_io_fd_pread(fd, buf, XZ_IN, pos, &n)) != 0) {
                rc = lr_error_set(err, rc, pos + n, "read failed: %s", strerror(-rc));
                break;
            }
            strm.next_in = buf;
            strm.avail_in = n;
            pos += (uint64_t)n;
        }
        uint64_t at = pos - strm.avail_in;
        lzma_ret r = lzma_code(&strm, LZMA_RUN);
        if (r == LZMA_STREAM_END)
            break;
        if (r == LZMA_SEEK_NEEDED) {
            pos = strm.seek_pos;
            strm.avail_in = 0;
        } else if (r != LZMA_OK) {
            rc = lr_error_set(
                err, r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR ? LR_ELIMIT : LR_EFORMAT, at,
                "%s",
                r == LZMA_MEMLIMIT_ERROR ? "the xz index is too large"
                : r == LZMA_BUF_ERROR    ? "the xz file is truncated"
                                         : "corrupt xz stream header, index or footer");
        }
    }
    lzma_end(&strm);
    free(buf);
    return rc;
}

/* The blocks of idx as pieces, each with its stream's check type; *mem
 * the memory the hungriest stream's decoding takes. */
static int xz_pieces(lzma_index *idx, int fd, lr_io_piece_t **out, size_t *n, xz_mem_t *mem,
                     lr_error_t *err)
{
    lzma_vli blocks = lzma_index_block_count(idx);
    *n = 0;
    *out = calloc(blocks ? blocks : 1, sizeof(**out));
    if (!*out)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    lzma_index_iter it;
    lzma_index_iter_init(&it, idx);
    while (*n < blocks && !lzma_index_iter_next(&it, LZMA_INDEX_ITER_NONEMPTY_BLOCK)) {
        lr_io_piece_t *p = &(*out)[(*n)++];
        p->in = it.block.compressed_file_offset;
        p->in_end = it.block.compressed_file_offset + it.block.total_size;
        p->out = it.block.uncompressed_file_offset;
        p->aux = (uint32_t)it.stream.flags->check;
        if (it.block.number_in_stream == 1) {
            uint64_t bytes = xz_block_mem(fd, p);
            if (bytes > mem->bytes)
                *mem = (xz_mem_t){bytes, p->in};
        }
    }
    return 0;
}

/* The handle just made (rc: how making it went), with note (may be NULL)
 * and a note when decoding takes more memory than the reader's budget;
 * closed again when that fails. */
static int xz_opened(lr_io_t **out, int rc, const char *note, const char *codec, const char *piece,
                     xz_mem_t mem, lr_error_t *err)
{
    if (rc)
        return rc;
    if (note && lr_io_add_note(*out, note))
        rc = lr_error_oom(err);
    if (!rc)
        rc = lr_io_window_note(*out, codec, piece, mem.at, mem.bytes,
                               "its dictionary, as xz -7 to -9 make", "xz -d", err);
    if (rc) {
        lr_io_close(*out, NULL);
        *out = NULL;
    }
    return rc;
}

/* ---- reading in order, without an index ------------------------------- *
 * A truncated .xz (a copy or a download cut short) has lost its index with
 * the stream footer at its end, and a legacy .lzma (LZMA_Alone: `xz
 * --format=lzma`, `lzma`) never had one. Both are read in order from the
 * start, as `xz -d` reads
 * them: a piece per stream (learned as the decoder reaches each stream's
 * end), the size known at the end of the file; damage, and the cut of a
 * truncated file, end the image there (with LR_IO_PARTIAL the bytes before
 * it are read). A read behind the history restarts at the stream's start.
 * Opened without LR_IO_LAZY, the file is decoded once at open. */

#define XZS_DRAIN (1u << 20) /* bytes read at once by the pass at open */

typedef struct xzs_dec {
    lzma_stream strm; /* first: xz_rest */
    bool alone;       /* .lzma: lzma_alone_decoder */
    bool ended;       /* the last step ended a stream (or, between streams, the file) */
    bool between;     /* .xz: before a stream: stream padding, the next stream or the end */
} xzs_dec_t;

static void xzs_free(void *dec)
{
    xz_rest(dec);
    free(dec);
}

static int xzs_start(void *dec, int fd, const lr_io_piece_t *p, uint64_t *skip, lr_error_t *err)
{
    (void)fd;
    (void)p;
    xzs_dec_t *d = dec;
    d->ended = false;
    d->between = !d->alone; /* the xz decoder starts at the stream's first byte */
    *skip = 0;
    if (d->alone && lzma_alone_decoder(&d->strm, UINT64_MAX) != LZMA_OK)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "cannot start the lzma decoder");
    return 0;
}

/* Before an xz stream: skips stream padding (zero bytes) and starts the
 * decoder at the next stream's first byte. *done: the step is over (the
 * padding was taken, or the file ended: a stream's end for the caller). */
static int xzs_between(xzs_dec_t *d, const uint8_t *in, size_t in_len, size_t *used, bool *done,
                       const char **why)
{
    size_t z = 0;
    while (z < in_len && in[z] == 0)
        z++;
    *used = z;
    *done = z > 0 || in_len == 0;
    if (in_len == 0)
        d->ended = true;
    if (*done)
        return 0;
    d->between = false;
    if (lzma_stream_decoder(&d->strm, UINT64_MAX, 0) != LZMA_OK) {
        *why = "out of memory";
        return -ENOMEM;
    }
    return 0;
}

/* One step of a stream read in order: a stream that ends is followed by
 * padding and the next stream (.xz, as xz -d reads concatenated files),
 * or by nothing (.lzma). */
static int xzs_step(void *dec, const uint8_t *in, size_t in_len, size_t *used, uint8_t *out,
                    size_t avail, size_t *made, const char **why)
{
    xzs_dec_t *d = dec;
    *used = *made = 0;
    if (d->ended) { /* the stream before ended */
        d->ended = false;
        d->between = !d->alone;
        if (d->alone && in_len) {
            *why = "bytes after the end of the lzma stream";
            return LR_EFORMAT;
        }
    }
    bool done = false;
    int rc = d->between ? xzs_between(d, in, in_len, used, &done, why) : 0;
    if (rc || done)
        return rc;
    rc = xz_code(&d->strm, in, in_len, used, out, avail, made, &d->ended, why);
    if (!rc && in_len == 0 && *made == 0 && !d->ended) { /* the piece's bytes are all fed */
        *why = "the file ends inside the stream: truncated";
        rc = LR_EFORMAT;
    }
    return rc;
}

static bool xzs_piece_done(void *dec)
{
    return ((xzs_dec_t *)dec)->ended;
}

/* The codecs of .xz and .lzma read in order: one decoder, two names. */
#define XZS_CODEC(nm)                                                                              \
    {                                                                                              \
        .name = nm, .piece = "stream", .start = xzs_start, .step = xzs_step, .free = xzs_free,     \
        .piece_done = xzs_piece_done, .rest = xz_rest                                              \
    }
static const lr_io_codec_t xzs_codec = XZS_CODEC("xz");
static const lr_io_codec_t lzma_codec = XZS_CODEC("lzma");

/* The memory the first stream's decoding takes: the .lzma header's
 * dictionary size, or the first xz block's filters. */
static uint64_t xzs_mem(int fd, bool alone)
{
    uint8_t h[LZMA_STREAM_HEADER_SIZE];
    size_t n;
    if (lr_io_fd_pread(fd, h, sizeof(h), 0, &n) || n != sizeof(h))
        return 0;
    if (alone)
        return (uint64_t)h[1] | (uint64_t)h[2] << 8 | (uint64_t)h[3] << 16 | (uint64_t)h[4] << 24;
    lzma_stream_flags f;
    if (lzma_stream_header_decode(&f, h) != LZMA_OK)
        return 0;
    lr_io_piece_t p = {.in = LZMA_STREAM_HEADER_SIZE, .aux = (uint32_t)f.check};
    return xz_block_mem(fd, &p);
}

/* Without LR_IO_LAZY the size is known once open returns: one decoding
 * pass at open reads the file to its end (as zstd's open does), so that
 * damage fails the open (or, LR_IO_PARTIAL, ends the image there). */
static int xzs_drain(lr_io_t *io, lr_error_t *err)
{
    uint8_t *buf = malloc(XZS_DRAIN);
    if (!buf)
        return lr_error_oom(err);
    uint64_t off = 0;
    size_t got = 1;
    int rc = 0;
    while (!rc && got) {
        rc = lr_io_pread_upto(io, buf, XZS_DRAIN, off, &got, err);
        off += got;
    }
    free(buf);
    return rc ? lr_error_wrap(err, lr_io_name(io), rc) : 0;
}

/* Opens fd (an .xz without a usable index, or an .lzma: alone) to be read
 * in order, with note (may be NULL) on the handle; without LR_IO_LAZY
 * decoded once at open to learn its size. */
static int xzs_open(lr_io_t **out, int fd, const char *path, bool alone, const char *note,
                    const lr_io_open_opts_t *opts, lr_error_t *err)
{
    off_t end = lseek(fd, 0, SEEK_END);
    uint64_t file_size = end > 0 ? (uint64_t)end : 0;
    xzs_dec_t *d = calloc(1, sizeof(*d));
    if (!d) {
        close(fd);
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    d->strm = (lzma_stream)LZMA_STREAM_INIT;
    d->alone = alone;
    uint64_t mem = xzs_mem(fd, alone);
    int rc = lr_io_stream_new_lazy(out, fd, path, alone ? &lzma_codec : &xzs_codec, d, file_size,
                                   file_size, opts && (opts->flags & LR_IO_PARTIAL), err);
    xz_mem_t m = {mem, 0};
    rc = xz_opened(out, rc, note, alone ? "lzma" : "xz", "stream", m, err);
    if (rc || (opts && (opts->flags & LR_IO_LAZY)))
        return rc;
    if ((rc = xzs_drain(*out, err)) != 0) {
        lr_io_close(*out, NULL);
        *out = NULL;
    }
    return rc;
}

int lr_io_lzma_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err)
{
    return xzs_open(out, fd, path, true, NULL, opts, err);
}

/* true when the file ends as an xz stream does (the footer's magic "YZ",
 * then nothing or stream padding, which this does not look past). */
static bool xz_footer_at_end(int fd, uint64_t file_size)
{
    uint8_t m[2];
    size_t n;
    return file_size >= 2 && lr_io_fd_pread(fd, m, 2, file_size - 2, &n) == 0 && n == 2 &&
           !memcmp(m, "YZ", 2);
}

/* The index could not be read (rc, err): the file is read in order
 * instead, with a note saying why. */
static int xz_no_index(lr_io_t **out, int fd, const char *path, uint64_t file_size,
                       const lr_io_open_opts_t *opts, int rc, lr_error_t *err)
{
    if (rc == -ENOMEM || rc == -ECANCELED) {
        close(fd);
        return lr_error_wrap(err, path, rc);
    }
    lr_error_clear(err);
    return xzs_open(out, fd, path, false,
                    xz_footer_at_end(fd, file_size)
                        ? "the xz file's index is unreadable (corrupt or too large): read in "
                          "order from its start, as xz -d reads it"
                        : "no xz stream footer at the end of the file (truncated, or bytes "
                          "appended after it): read in order from its start, as xz -d reads "
                          "it, up to where it ends",
                    opts, err);
}

int lr_io_xz_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                  lr_error_t *err)
{
    off_t end = lseek(fd, 0, SEEK_END);
    uint64_t file_size = end > 0 ? (uint64_t)end : 0;
    lzma_index *idx = NULL;
    int rc = xz_index(fd, file_size, &idx, err);
    if (rc) {
        if (idx)
            lzma_index_end(idx, NULL);
        return xz_no_index(out, fd, path, file_size, opts, rc, err);
    }
    lr_io_piece_t *pcs = NULL;
    size_t n = 0;
    uint64_t size = 0;
    xz_mem_t mem = {0};
    if (!rc) {
        size = lzma_index_uncompressed_size(idx);
        rc = xz_pieces(idx, fd, &pcs, &n, &mem, err);
    }
    if (idx)
        lzma_index_end(idx, NULL);
    xz_dec_t *d = rc ? NULL : calloc(1, sizeof(*d));
    if (!rc && !d)
        rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc) {
        free(pcs);
        close(fd);
        return lr_error_wrap(err, path, rc);
    }
    lzma_stream init = LZMA_STREAM_INIT;
    d->strm = init;
    rc = lr_io_stream_new(out, fd, path, &xz_codec, d, pcs, n, size, err);
    return xz_opened(out, rc, NULL, "xz", "block", mem, err);
}
#endif
