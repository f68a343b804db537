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
    lzma_stream strm;
    lzma_block block;
    lzma_filter filters[LZMA_FILTERS_MAX + 1];
    bool filters_set;
} xz_dec_t;

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

static void xz_free(void *dec)
{
    xz_dec_t *d = dec;
    xz_drop_filters(d);
    lzma_end(&d->strm);
    free(d);
}

/* Reads and decodes the block header at p->in; the block decoder then
 * takes the bytes after it. */
static void xz_rest(void *dec)
{
    xz_dec_t *d = dec;
    lzma_end(&d->strm);
    d->strm = (lzma_stream)LZMA_STREAM_INIT;
}

static int xz_start(void *dec, int fd, const lr_io_piece_t *p, uint64_t *skip, lr_error_t *err)
{
    xz_dec_t *d = dec;
    uint8_t hdr[LZMA_BLOCK_HEADER_SIZE_MAX];
    ssize_t n = pread(fd, hdr, 1, (off_t)p->in);
    if (n != 1)
        return lr_error_set(err, -EIO, p->in, "cannot read the xz block header");
    xz_drop_filters(d);
    memset(&d->block, 0, sizeof(d->block));
    d->block.version = 1;
    d->block.check = (lzma_check)p->aux;
    d->block.filters = d->filters;
    d->block.header_size = lzma_block_header_size_decode(hdr[0]);
    if (hdr[0] == 0 || (n = pread(fd, hdr, d->block.header_size, (off_t)p->in)) < 0 ||
        (size_t)n != d->block.header_size)
        return lr_error_set(err, LR_EFORMAT, p->in, "bad xz block header");
    if (lzma_block_header_decode(&d->block, NULL, hdr) != LZMA_OK)
        return lr_error_set(err, LR_EFORMAT, p->in, "corrupt xz block header");
    d->filters_set = true;
    if (lzma_block_decoder(&d->strm, &d->block) != LZMA_OK)
        return lr_error_set(err, LR_EFORMAT, p->in, "unsupported xz block filters");
    *skip = d->block.header_size;
    return 0;
}

static int xz_step(void *dec, const uint8_t *in, size_t in_len, size_t *used, uint8_t *out,
                   size_t avail, size_t *made, const char **why)
{
    xz_dec_t *d = dec;
    d->strm.next_in = in;
    d->strm.avail_in = in_len;
    d->strm.next_out = out;
    d->strm.avail_out = avail;
    lzma_ret r = lzma_code(&d->strm, LZMA_RUN);
    *used = in_len - d->strm.avail_in;
    *made = avail - d->strm.avail_out;
    if (r == LZMA_OK || r == LZMA_STREAM_END || r == LZMA_BUF_ERROR)
        return 0; /* BUF_ERROR: no progress, io_stream.c reports what is missing */
    *why = r == LZMA_MEM_ERROR       ? "out of memory"
           : r == LZMA_DATA_ERROR    ? "data error"
           : r == LZMA_OPTIONS_ERROR ? "unsupported options"
                                     : "check or format error";
    return r == LZMA_MEM_ERROR ? -ENOMEM : LR_EFORMAT;
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
            ssize_t n = pread(fd, buf, XZ_IN, (off_t)pos);
            if (n < 0) {
                rc = lr_error_set(err, -errno, pos, "read failed: %s", strerror(errno));
                break;
            }
            strm.next_in = buf;
            strm.avail_in = (size_t)n;
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

/* The blocks of idx as pieces, each with its stream's check type. */
static int xz_pieces(lzma_index *idx, lr_io_piece_t **out, size_t *n, lr_error_t *err)
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
    }
    return 0;
}

int lr_io_xz_open(lr_io_t **out, int fd, const char *path, lr_error_t *err)
{
    off_t end = lseek(fd, 0, SEEK_END);
    lzma_index *idx = NULL;
    int rc = xz_index(fd, end > 0 ? (uint64_t)end : 0, &idx, err);
    lr_io_piece_t *pcs = NULL;
    size_t n = 0;
    uint64_t size = 0;
    if (!rc) {
        size = lzma_index_uncompressed_size(idx);
        rc = xz_pieces(idx, &pcs, &n, err);
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
    return lr_io_stream_new(out, fd, path, &xz_codec, d, pcs, n, size, err);
}
#endif
