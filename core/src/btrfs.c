/* Files btrfs stores inline in a tree leaf, and the compressed data it
 * writes (lr/btrfs.h). */
#include "lr/btrfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef LR_HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef LR_HAVE_LZO
#include <lzo/lzo1x.h>
#endif

#include "le.h"
#include "lr/error.h"

struct lr_btrfs_decoder {
#ifdef LR_HAVE_ZSTD
    ZSTD_DCtx *zstd; /* made at the first zstd file */
#endif
    int unused; /* a struct needs a member in every build */
};

#define BT_EXTENT_DATA 108 /* BTRFS_EXTENT_DATA_KEY */
#define BT_FE_HEAD 21u     /* btrfs_file_extent_item's fields before inline bytes */
#define BT_ZSTD_WINDOW 17  /* ZSTD_BTRFS_MAX_WINDOWLOG: btrfs writes no larger */
/* lzo: btrfs's sector (4 KiB wherever the page is: x86, arm64 with 4 KiB
 * pages), which one segment decodes to at most; the le32 lengths */
#define BT_SECTOR 4096u
#define BT_LZO_LEN 4u
#define BT_LZO_MAX_SEG (BT_SECTOR + BT_SECTOR / 16 + 64 + 3) /* lzo1x_worst_compress */

const char *lr_btrfs_compression_name(uint8_t compression)
{
    switch (compression) {
    case LR_BTRFS_ZLIB:
        return "zlib";
    case LR_BTRFS_LZO:
        return "lzo";
    case LR_BTRFS_ZSTD:
        return "zstd";
    default:
        return NULL;
    }
}

bool lr_btrfs_decodes(uint8_t compression)
{
    switch (compression) {
    case LR_BTRFS_NONE:
    case LR_BTRFS_ZLIB:
        return true;
#ifdef LR_HAVE_LZO
    case LR_BTRFS_LZO:
        return true;
#endif
#ifdef LR_HAVE_ZSTD
    case LR_BTRFS_ZSTD:
        return true;
#endif
    default:
        return false;
    }
}

static const uint8_t *bt_item(const uint8_t *p, uint32_t i)
{
    return p + LR_BTRFS_HEADER + (size_t)i * LR_BTRFS_ITEM;
}

/* Whether item a's key (objectid, type, offset) sorts before item b's. */
static bool bt_key_before(const uint8_t *a, const uint8_t *b)
{
    uint64_t ao = lr_get_le64(a), bo = lr_get_le64(b);
    if (ao != bo)
        return ao < bo;
    if (a[8] != b[8])
        return a[8] < b[8];
    return lr_get_le64(a + 9) < lr_get_le64(b + 9);
}

int lr_btrfs_leaf_check(const uint8_t *p, size_t have, uint32_t *items)
{
    if (!lr_btrfs_maybe_leaf(p, have))
        return 1;
    uint32_t n = (uint32_t)lr_get_le32(p + 96);
    uint64_t bytenr = lr_get_le64(p + 48), generation = lr_get_le64(p + 80);
    if (!bytenr || bytenr % 4096 || !generation)
        return 1;
    if (LR_BTRFS_HEADER + (size_t)n * LR_BTRFS_ITEM > have)
        return LR_BTRFS_PAST;
    uint64_t prev_off = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *it = bt_item(p, i);
        uint64_t doff = lr_get_le32(it + 17), end = doff + lr_get_le32(it + 21);
        if (i == 0) {
            uint64_t node = end + LR_BTRFS_HEADER; /* item 0 ends the leaf */
            if (node < 4096 || node > LR_BTRFS_MAX_NODE || (node & (node - 1)))
                return 1;
        } else if (end != prev_off || !bt_key_before(it - LR_BTRFS_ITEM, it)) {
            return 1;
        }
        prev_off = doff;
    }
    *items = n;
    return 0;
}

int lr_btrfs_leaf_inline(const uint8_t *p, size_t have, uint32_t i, lr_btrfs_inline_t *out)
{
    if (LR_BTRFS_HEADER + ((size_t)i + 1) * LR_BTRFS_ITEM > have)
        return LR_BTRFS_PAST;
    const uint8_t *it = bt_item(p, i);
    uint64_t doff = lr_get_le32(it + 17), size = lr_get_le32(it + 21);
    if (it[8] != BT_EXTENT_DATA || size <= BT_FE_HEAD)
        return 0;
    if (LR_BTRFS_HEADER + doff + size > have)
        return LR_BTRFS_PAST;
    const uint8_t *d = p + LR_BTRFS_HEADER + doff;
    /* inline (type 0), not encrypted, no other encoding */
    if (d[20] != 0 || d[17] || d[18] || d[19] || d[16] > LR_BTRFS_ZSTD)
        return 0;
    uint64_t ram = lr_get_le64(d + 8);
    /* stored as is, an inline extent holds exactly the file's bytes; the
     * kernel inlines no file larger than a sector (64 KiB at most) */
    if ((d[16] == LR_BTRFS_NONE && ram != size - BT_FE_HEAD) || !ram || ram > LR_BTRFS_MAX_NODE)
        return 0;
    *out = (lr_btrfs_inline_t){(size_t)(LR_BTRFS_HEADER + doff + BT_FE_HEAD),
                               (uint32_t)(size - BT_FE_HEAD), ram, d[16]};
    return 1;
}

/* Whether the 4 bytes at p (big-endian) are the adler32 of out. */
static bool bt_adler_ok(const uint8_t *p, const uint8_t *out, size_t len)
{
    uLong want = (uLong)p[0] << 24 | (uLong)p[1] << 16 | (uLong)p[2] << 8 | p[3];
    return adler32(adler32(0L, Z_NULL, 0), out, (uInt)len) == want;
}

/* The kernel's zlib_decompress_inline: a zlib header with no preset
 * dictionary is skipped and the deflate data inflated raw; anything else
 * is given to zlib whole. Inflates until the output is full or the stream
 * ends. whole: the stream must end there, its adler32 right (the kernel
 * writes it but, reading raw, does not check it: a damaged file would
 * otherwise decode to wrong bytes without a word). */
static int bt_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, bool whole,
                      lr_btrfs_decoded_t *res)
{
    int wbits = MAX_WBITS;
    size_t skip = 0;
    if (in_len > 2 && !(in[1] & 0x20) && (in[0] & 0x0f) == Z_DEFLATED &&
        ((unsigned)in[0] << 8 | in[1]) % 31 == 0) {
        wbits = -((in[0] >> 4) + 8);
        skip = 2;
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (wbits < -MAX_WBITS || inflateInit2(&z, wbits) != Z_OK)
        return LR_EFORMAT; /* a window zlib does not know: not deflate data */
    z.next_in = (Bytef *)(in + skip);
    z.avail_in = (uInt)(in_len - skip);
    z.next_out = out;
    z.avail_out = (uInt)out_len;
    int zr = inflate(&z, Z_SYNC_FLUSH);
    res->made = out_len - z.avail_out;
    bool ended = zr == Z_STREAM_END;
    res->ended =
        ended && (wbits > 0 || (z.avail_in >= 4 && bt_adler_ok(z.next_in, out, res->made)));
    res->used = res->ended ? in_len - z.avail_in + (wbits < 0 ? 4 : 0) : 0;
    inflateEnd(&z);
    if (whole)
        return res->ended && res->made == out_len ? 0 : LR_EFORMAT;
    return res->made == out_len || res->ended ? 0 : LR_EFORMAT;
}

#ifdef LR_HAVE_ZSTD
/* The kernel's zstd_decompress: one frame, the window btrfs writes (a
 * frame's own checksum, when it has one, is checked by libzstd). whole:
 * the frame must end at out_len. */
static int bt_unzstd(ZSTD_DCtx *z, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len,
                     bool whole, lr_btrfs_decoded_t *res)
{
    ZSTD_DCtx_reset(z, ZSTD_reset_session_only);
    ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, BT_ZSTD_WINDOW);
    ZSTD_outBuffer ob = {out, out_len, 0};
    ZSTD_inBuffer ib = {in, in_len, 0};
    size_t zr = 1;
    /* until the frame ends or the output is full (then, when whole, once
     * more: a frame that ends there says so with no more output) */
    for (;;) {
        size_t in_was = ib.pos, out_was = ob.pos;
        zr = ZSTD_decompressStream(z, &ob, &ib);
        if (ZSTD_isError(zr) || zr == 0 || (ib.pos <= in_was && ob.pos <= out_was))
            break;
        if (ob.pos == ob.size && !whole)
            break;
    }
    res->made = ob.pos;
    res->ended = !ZSTD_isError(zr) && zr == 0;
    res->used = res->ended ? ib.pos : 0;
    if (whole)
        return res->ended && ob.pos == out_len ? 0 : LR_EFORMAT;
    return ob.pos == out_len || res->ended ? 0 : LR_EFORMAT;
}
#endif

/* Whether p holds lzo's two lengths as btrfs writes them: the data's
 * bytes (header included; BTRFS_MAX_COMPRESSED at most) and a first
 * segment that lies within them. */
static bool bt_lzo_head(const uint8_t *p, size_t avail)
{
    if (avail < 2 * BT_LZO_LEN)
        return false;
    uint32_t total = (uint32_t)lr_get_le32(p), seg = (uint32_t)lr_get_le32(p + BT_LZO_LEN);
    return total <= LR_BTRFS_MAX_EXTENT && seg && seg <= BT_LZO_MAX_SEG &&
           2 * BT_LZO_LEN + seg <= total;
}

#ifdef LR_HAVE_LZO
static pthread_once_t bt_lzo_once = PTHREAD_ONCE_INIT;
static int bt_lzo_ready = LZO_E_ERROR;

static void bt_lzo_init(void)
{
    bt_lzo_ready = lzo_init();
}

/* The kernel's lzo_decompress_bio (lzo_decompress for an inline extent
 * reads the same layout with one segment): a le32 of the data's bytes,
 * header included; then segments, each a le32 length and lzo1x data that
 * decodes to one sector at most. A segment's length never straddles a
 * sector: when fewer than 4 bytes of one are left they are zeros, and
 * counted. whole: the data must end exactly at out_len. */
static int bt_unlzo(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, bool whole,
                    lr_btrfs_decoded_t *res)
{
    pthread_once(&bt_lzo_once, bt_lzo_init);
    if (bt_lzo_ready != LZO_E_OK)
        return -ENOTSUP;
    if (!bt_lzo_head(in, in_len))
        return LR_EFORMAT;
    size_t total = lr_get_le32(in), cur = BT_LZO_LEN, all = 0;
    uint8_t seg_out[BT_SECTOR];
    while (cur < total && (whole || res->made < out_len)) {
        if (cur + BT_LZO_LEN > total || cur + BT_LZO_LEN > in_len)
            return LR_EFORMAT; /* cut, or no room for the length the data says is there */
        size_t seg = lr_get_le32(in + cur);
        cur += BT_LZO_LEN;
        if (!seg || seg > BT_LZO_MAX_SEG || cur + seg > total || cur + seg > in_len)
            return LR_EFORMAT;
        lzo_uint n = sizeof(seg_out);
        if (lzo1x_decompress_safe(in + cur, seg, seg_out, &n, NULL) != LZO_E_OK)
            return LR_EFORMAT;
        size_t room = out_len - res->made, take = n < room ? n : room;
        memcpy(out + res->made, seg_out, take);
        res->made += take;
        all += n;
        cur += seg;
        if (BT_SECTOR - cur % BT_SECTOR < BT_LZO_LEN)
            cur += BT_SECTOR - cur % BT_SECTOR;
    }
    res->ended = cur >= total;
    res->used = res->ended ? total : 0;
    if (whole)
        return res->ended && all == out_len ? 0 : LR_EFORMAT;
    return res->made == out_len || res->ended ? 0 : LR_EFORMAT;
}
#endif

int lr_btrfs_decoder_new(lr_btrfs_decoder_t **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

void lr_btrfs_decoder_free(lr_btrfs_decoder_t *dec)
{
    if (!dec)
        return;
#ifdef LR_HAVE_ZSTD
    ZSTD_freeDCtx(dec->zstd);
#endif
    free(dec);
}

#ifdef LR_HAVE_ZSTD
/* zstd with dec's context (made now if need be), or one for this call. */
static int bt_zstd_with(lr_btrfs_decoder_t *dec, const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t out_len, bool whole, lr_btrfs_decoded_t *res)
{
    if (dec && !dec->zstd)
        dec->zstd = ZSTD_createDCtx();
    ZSTD_DCtx *z = dec ? dec->zstd : ZSTD_createDCtx();
    if (!z)
        return -ENOMEM;
    int rc = bt_unzstd(z, in, in_len, out, out_len, whole, res);
    if (!dec)
        ZSTD_freeDCtx(z);
    return rc;
}
#endif

/* Bytes stored as they are: the data ends with them. */
static int bt_copy(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len, bool whole,
                   lr_btrfs_decoded_t *res)
{
    res->made = in_len < out_len ? in_len : out_len;
    memcpy(out, in, res->made);
    res->ended = in_len <= out_len;
    res->used = res->ended ? in_len : 0;
    return whole && in_len != out_len ? LR_EFORMAT : 0;
}

int lr_btrfs_decode(lr_btrfs_decoder_t *dec, uint8_t compression, const uint8_t *in, size_t in_len,
                    uint8_t *out, size_t out_len, bool whole, lr_btrfs_decoded_t *res)
{
    (void)dec; /* only zstd keeps a context */
    *res = (lr_btrfs_decoded_t){0, 0, false};
    switch (compression) {
    case LR_BTRFS_NONE:
        return bt_copy(in, in_len, out, out_len, whole, res);
    case LR_BTRFS_ZLIB:
        return bt_inflate(in, in_len, out, out_len, whole, res);
#ifdef LR_HAVE_ZSTD
    case LR_BTRFS_ZSTD:
        return bt_zstd_with(dec, in, in_len, out, out_len, whole, res);
#endif
#ifdef LR_HAVE_LZO
    case LR_BTRFS_LZO:
        return bt_unlzo(in, in_len, out, out_len, whole, res);
#endif
    default:
        return -ENOTSUP;
    }
}

#define BT_ZSTD_MAGIC 0xFD2FB528u /* ZSTD_MAGICNUMBER, in a build without libzstd too */

bool lr_btrfs_maybe_extent(const uint8_t *p, size_t avail, uint8_t *compression, uint64_t *size)
{
    if (size)
        *size = 0;
    if (avail >= 4 && lr_get_le32(p) == BT_ZSTD_MAGIC) {
        *compression = LR_BTRFS_ZSTD;
#ifdef LR_HAVE_ZSTD
        unsigned long long n = size ? ZSTD_getFrameContentSize(p, avail) : ZSTD_CONTENTSIZE_UNKNOWN;
        if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR)
            *size = n;
#endif
        return true;
    }
    /* a zlib header: deflate, no preset dictionary, its check bits right */
    if (avail >= 2 && p[0] == 0x78 && !(p[1] & 0x20) && ((unsigned)p[0] << 8 | p[1]) % 31 == 0) {
        *compression = LR_BTRFS_ZLIB;
        return true;
    }
    if (bt_lzo_head(p, avail)) {
        *compression = LR_BTRFS_LZO;
        return true;
    }
    return false;
}
