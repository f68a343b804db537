/* Kept ranges of a compressed image (lr_io_keep on a single-piece xz or
 * zstd image, io_stream.c), held compressed so that the reads after a scan
 * of a VG of many LVs fit in LR_IO_KEEP_MAX bytes.
 *
 * A range is cut into chunks of KP_CHUNK bytes (from its start). A chunk is
 * sealed once the decoder has made all of it (or at a restart, the part it
 * made): its 4 KiB pages that are all zeros (most of an LV's head and tail,
 * most of a metadata area) are holes, the others are deflated together at
 * level 1, or stored as they are when deflate saves less than an eighth
 * or when they look random (not worth trying). A
 * read inflates the one chunk it needs (the last one inflated is cached);
 * a read of hole pages only inflates nothing. The budget counts the bytes
 * actually held: the chunks' data and the ranges' chunk tables. The image's
 * first and last bytes (the partition table, a PV label at sector 1) are
 * held the same way, outside the budget (lr_io_keeps_add_edge).
 *
 * The bytes come from the stream's history ring: the decoder offers each
 * range the bytes it just made; a range's filled part [lo, hi) grows as one
 * interval, its chunks wholly inside are sealed, and the chunk holding hi
 * (when hi is inside it) waits in the ring until the decoder completes it
 * (lr_io_keeps_flush seals what it has before the ring is dropped). The
 * ranges are sorted by offset: the decoder's bytes find theirs by binary
 * search, so many ranges cost little per decoded byte. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io_int.h"

#define KP_CHUNK (64u << 10)          /* a chunk: what a read inflates at most */
#define KP_PAGE 4096u                 /* a hole: a page of zeros */
#define KP_PAGES (KP_CHUNK / KP_PAGE) /* pages per chunk (bits of kp_chunk_t.zero) */
#define KP_RANGES 8192u               /* kept ranges at most */

typedef struct kp_chunk {
    uint8_t *data; /* the pages not all zeros, deflated or raw; NULL: none */
    uint32_t dlen; /* bytes at data */
    uint32_t s, e; /* the chunk's bytes [s, e) are held; s == e: none */
    uint16_t zero; /* bit i: page i is all zeros (a hole) */
    bool raw;      /* data holds the pages as they are */
} kp_chunk_t;

typedef struct kp_range {
    uint64_t off, len;
    uint64_t lo, hi; /* filled [lo, hi); lo == hi: nothing yet */
    kp_chunk_t *ch;  /* (len + KP_CHUNK - 1) / KP_CHUNK */
    bool stopped;    /* the budget ran out (or its bytes went): filled no more */
    bool edge;       /* the image's first or last bytes: outside the budget */
} kp_range_t;

struct lr_io_keeps {
    kp_range_t *r; /* sorted by off */
    size_t n, cap;
    uint64_t max_len; /* the longest range: bounds the search for overlaps */
    uint64_t held;    /* bytes held: chunk tables and chunk data */
    bool full;        /* a chunk did not fit: no more ranges */
    z_stream def, inf;
    bool def_ok, inf_ok;
    uint8_t *scratch; /* a chunk being sealed */
    uint8_t *pack;    /* its pages not all zeros, packed */
    uint8_t *zout;    /* their deflated form */
    uint8_t *cache;   /* the chunk last read, whole */
    const kp_chunk_t *cached;
};

lr_io_keeps_t *lr_io_keeps_new(void)
{
    lr_io_keeps_t *ks = calloc(1, sizeof(*ks));
    if (!ks)
        return NULL;
    ks->scratch = malloc(KP_CHUNK);
    ks->pack = malloc(KP_CHUNK);
    ks->zout = malloc(KP_CHUNK);
    ks->cache = malloc(KP_CHUNK);
    ks->def_ok = deflateInit(&ks->def, 1) == Z_OK;
    ks->inf_ok = inflateInit(&ks->inf) == Z_OK;
    if (!ks->scratch || !ks->pack || !ks->zout || !ks->cache || !ks->def_ok || !ks->inf_ok) {
        lr_io_keeps_free(ks);
        return NULL;
    }
    return ks;
}

void lr_io_keeps_free(lr_io_keeps_t *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        size_t nc = (size_t)((ks->r[i].len + KP_CHUNK - 1) / KP_CHUNK);
        for (size_t j = 0; j < nc; j++)
            free(ks->r[i].ch[j].data);
        free(ks->r[i].ch);
    }
    free(ks->r);
    if (ks->def_ok)
        deflateEnd(&ks->def);
    if (ks->inf_ok)
        inflateEnd(&ks->inf);
    free(ks->scratch);
    free(ks->pack);
    free(ks->zout);
    free(ks->cache);
    free(ks);
}

static uint64_t kp_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t kp_max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* Chunk j of range k: its offset in the image and its length. */
static uint64_t kp_chunk_at(const kp_range_t *k, size_t j)
{
    return k->off + (uint64_t)j * KP_CHUNK;
}

static uint32_t kp_chunk_len(const kp_range_t *k, size_t j)
{
    return (uint32_t)kp_min(KP_CHUNK, k->len - (uint64_t)j * KP_CHUNK);
}

/* The first range that may overlap bytes from off on: ranges are sorted by
 * offset and none is longer than max_len. */
static size_t kp_first(const lr_io_keeps_t *ks, uint64_t off)
{
    uint64_t from = off > ks->max_len ? off - ks->max_len : 0;
    size_t lo = 0, hi = ks->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ks->r[mid].off < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Copies [off, off + n) from the ring (the caller checked it holds them). */
static void kp_ring_get(const lr_io_ring_t *ring, uint8_t *dst, uint64_t off, size_t n)
{
    size_t at = (size_t)(off % ring->size);
    size_t first = n < ring->size - at ? n : ring->size - at;
    memcpy(dst, ring->buf + at, first);
    memcpy(dst + first, ring->buf, n - first);
}

static bool kp_all_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Whether the n bytes at p look random: their byte counts as flat as
 * random bytes' (the sum of their squares within 5% of what it is for
 * random bytes, n * n / 256 + n). Deflate at level 1 runs at a few tens of
 * MB/s on such bytes and saves nothing (a LUKS2 keyslot area, encrypted or
 * compressed data): they are stored as they are without trying. Bytes with
 * a flat histogram that deflate would still shrink (long repeats of random
 * blocks) only cost room in the budget, never a wrong byte. */
static bool kp_looks_random(const uint8_t *p, uint32_t n)
{
    uint32_t count[256] = {0};
    for (uint32_t i = 0; i < n; i++)
        count[p[i]]++;
    uint64_t sq = 0;
    for (int b = 0; b < 256; b++)
        sq += (uint64_t)count[b] * count[b];
    uint64_t flat = (uint64_t)n * n / 256 + n;
    return sq <= flat + flat / 20;
}

/* Rebuilds chunk c (clen bytes) whole into dst: its held pages, zeros
 * elsewhere. 0, or -1 when its data does not inflate (never: it is ours). */
static int kp_load(lr_io_keeps_t *ks, const kp_chunk_t *c, uint32_t clen, uint8_t *dst)
{
    memset(dst, 0, clen);
    if (!c->data)
        return 0;
    const uint8_t *src = c->data;
    if (!c->raw) {
        inflateReset(&ks->inf);
        ks->inf.next_in = c->data;
        ks->inf.avail_in = c->dlen;
        ks->inf.next_out = ks->pack;
        ks->inf.avail_out = KP_CHUNK;
        if (inflate(&ks->inf, Z_FINISH) != Z_STREAM_END)
            return -1;
        src = ks->pack;
    }
    for (uint32_t p = 0, at = 0; p * KP_PAGE < clen; p++) {
        uint32_t n = clen - p * KP_PAGE < KP_PAGE ? clen - p * KP_PAGE : KP_PAGE;
        if (c->zero & (1u << p))
            continue;
        memcpy(dst + p * KP_PAGE, src + at, n);
        at += n;
    }
    return 0;
}

/* Stores the clen bytes at ks->scratch as chunk c holding [s, e): its zero
 * pages as holes, the rest deflated or raw. -ENOSPC past the budget (edge:
 * an edge range's chunk is not counted), -ENOMEM. */
static int kp_store(lr_io_keeps_t *ks, kp_chunk_t *c, uint32_t clen, uint32_t s, uint32_t e,
                    bool edge)
{
    uint16_t zero = 0;
    uint32_t plen = 0;
    for (uint32_t p = 0; p * KP_PAGE < clen; p++) {
        uint32_t n = clen - p * KP_PAGE < KP_PAGE ? clen - p * KP_PAGE : KP_PAGE;
        const uint8_t *pg = ks->scratch + p * KP_PAGE;
        if (kp_all_zero(pg, n)) {
            zero |= (uint16_t)(1u << p);
            continue;
        }
        memcpy(ks->pack + plen, pg, n);
        plen += n;
    }
    const uint8_t *src = ks->pack;
    uint32_t dlen = plen;
    bool raw = true;
    if (plen && !kp_looks_random(ks->pack, plen)) { /* deflate pays when it saves an eighth */
        deflateReset(&ks->def);
        ks->def.next_in = ks->pack;
        ks->def.avail_in = plen;
        ks->def.next_out = ks->zout;
        ks->def.avail_out = plen - plen / 8;
        if (deflate(&ks->def, Z_FINISH) == Z_STREAM_END) {
            src = ks->zout;
            dlen = (uint32_t)(plen - plen / 8 - ks->def.avail_out);
            raw = false;
        }
    }
    if (!edge && ks->held - c->dlen + dlen > LR_IO_KEEP_MAX) {
        ks->full = true;
        return -ENOSPC;
    }
    uint8_t *data = NULL;
    if (dlen && !(data = malloc(dlen)))
        return -ENOMEM;
    if (dlen)
        memcpy(data, src, dlen);
    if (!edge)
        ks->held = ks->held - c->dlen + dlen;
    free(c->data);
    if (ks->cached == c)
        ks->cached = NULL;
    *c = (kp_chunk_t){.data = data, .dlen = dlen, .s = s, .e = e, .zero = zero, .raw = raw};
    return 0;
}

/* Seals chunk j of range k to hold its bytes [s, e) (chunk-relative), from
 * what it holds already and what the ring holds; -1 when the two do not
 * cover them, or on the budget or memory. */
static int kp_seal(lr_io_keeps_t *ks, kp_range_t *k, size_t j, uint32_t s, uint32_t e,
                   const lr_io_ring_t *ring)
{
    kp_chunk_t *c = &k->ch[j];
    uint64_t at = kp_chunk_at(k, j);
    uint32_t clen = kp_chunk_len(k, j);
    /* the ring's part of the chunk, [rs, re) chunk-relative (may be empty) */
    uint64_t ra = kp_max(ring->lo, at + s), rb = kp_min(ring->hi, at + e);
    uint32_t rs = ra < rb ? (uint32_t)(ra - at) : e, re = ra < rb ? (uint32_t)(rb - at) : e;
    /* [s, e) must be [c->s, c->e) joined with [rs, re) */
    bool have = c->s < c->e;
    uint32_t lo = have ? (c->s < rs ? c->s : rs) : rs;
    uint32_t hi = have ? (c->e > re ? c->e : re) : re;
    bool gap = have && rs < re && (re < c->s || rs > c->e);
    if (gap || lo > s || hi < e || (rs == re && (!have || c->s > s || c->e < e)))
        return -1;
    if (kp_load(ks, c, clen, ks->scratch) != 0)
        return -1;
    if (rs < re)
        kp_ring_get(ring, ks->scratch + rs, at + rs, re - rs);
    /* bytes outside [s, e) are not held: zeros, as kp_load makes them */
    memset(ks->scratch, 0, s);
    memset(ks->scratch + e, 0, clen - e);
    return kp_store(ks, c, clen, s, e, k->edge);
}

/* Offers range k the bytes the ring holds. Its filled part grows as one
 * interval; the chunks that become whole (or held further) are sealed. */
static void kp_fill(lr_io_keeps_t *ks, kp_range_t *k, const lr_io_ring_t *ring)
{
    uint64_t end = k->off + k->len;
    uint64_t a = kp_max(k->off, ring->lo), b = kp_min(end, ring->hi);
    if (k->stopped || a >= b)
        return;
    bool any = k->lo < k->hi;
    if (any && (b < k->lo || a > k->hi))
        return; /* a gap would open in the filled part */
    uint64_t lo = any ? kp_min(a, k->lo) : a, hi = any ? kp_max(b, k->hi) : b;
    if (lo == k->lo && hi == k->hi)
        return;
    /* only the chunks from the new low end, or from the old edge, change */
    uint64_t from = !any || lo < k->lo ? lo : k->hi;
    for (size_t j = (size_t)((from - k->off) / KP_CHUNK); kp_chunk_at(k, j) < hi; j++) {
        uint64_t at = kp_chunk_at(k, j), ce = at + kp_chunk_len(k, j);
        if (ce > hi)
            break; /* the edge: its bytes wait in the ring */
        uint32_t s = (uint32_t)(kp_max(at, lo) - at), e = (uint32_t)(ce - at);
        const kp_chunk_t *c = &k->ch[j];
        if (c->s == s && c->e == e)
            continue;
        if (kp_seal(ks, k, j, s, e, ring) != 0) {
            k->stopped = true; /* what is sealed is served; the rest is decoded again */
            return;
        }
    }
    k->lo = lo;
    k->hi = hi;
}

void lr_io_keeps_put(lr_io_keeps_t *ks, uint64_t off, uint64_t n, const lr_io_ring_t *ring)
{
    for (size_t i = kp_first(ks, off); i < ks->n && ks->r[i].off < off + n; i++)
        if (ks->r[i].off + ks->r[i].len > off)
            kp_fill(ks, &ks->r[i], ring);
}

void lr_io_keeps_flush(lr_io_keeps_t *ks, const lr_io_ring_t *ring)
{
    for (size_t i = 0; i < ks->n; i++) {
        kp_range_t *k = &ks->r[i];
        if (k->stopped || k->lo == k->hi || k->hi == k->off + k->len)
            continue;
        size_t j = (size_t)((k->hi - 1 - k->off) / KP_CHUNK);
        uint64_t at = kp_chunk_at(k, j);
        if (at + kp_chunk_len(k, j) == k->hi)
            continue; /* it ends at a chunk's end: sealed */
        uint32_t s = (uint32_t)(kp_max(at, k->lo) - at), e = (uint32_t)(k->hi - at);
        if (k->ch[j].s == s && k->ch[j].e == e)
            continue; /* sealed at an earlier restart */
        if (kp_seal(ks, k, j, s, e, ring) != 0)
            k->stopped = true;
    }
}

int lr_io_keeps_room(const lr_io_keeps_t *ks)
{
    return !ks->full && ks->held < LR_IO_KEEP_MAX && ks->n < KP_RANGES;
}

/* Inserts [off, off + len) at its place: the range, or NULL past the
 * limits (an edge range has none) or without memory. */
static kp_range_t *kp_insert(lr_io_keeps_t *ks, uint64_t off, uint64_t len, bool edge)
{
    size_t nc = (size_t)((len + KP_CHUNK - 1) / KP_CHUNK);
    uint64_t table = nc * sizeof(kp_chunk_t);
    if (!edge && (ks->full || ks->n >= KP_RANGES ||
                  table > LR_IO_KEEP_MAX - kp_min(ks->held, LR_IO_KEEP_MAX)))
        return NULL;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? 2 * ks->cap : 64;
        kp_range_t *r = realloc(ks->r, cap * sizeof(*r));
        if (!r)
            return NULL;
        ks->r = r;
        ks->cap = cap;
    }
    kp_chunk_t *ch = calloc(nc, sizeof(*ch));
    if (!ch)
        return NULL;
    size_t i = kp_first(ks, off);
    while (i < ks->n && ks->r[i].off <= off)
        i++;
    memmove(&ks->r[i + 1], &ks->r[i], (ks->n - i) * sizeof(*ks->r));
    ks->r[i] = (kp_range_t){.off = off, .len = len, .lo = off, .hi = off, .ch = ch, .edge = edge};
    ks->n++;
    if (!edge)
        ks->held += table;
    if (len > ks->max_len)
        ks->max_len = len;
    return &ks->r[i];
}

int lr_io_keeps_add(lr_io_keeps_t *ks, uint64_t off, uint64_t len, const lr_io_ring_t *ring)
{
    for (size_t i = kp_first(ks, off); i < ks->n && ks->r[i].off <= off; i++)
        if (off + len <= ks->r[i].off + ks->r[i].len)
            return 1; /* already kept */
    kp_range_t *k = kp_insert(ks, off, len, false);
    if (!k)
        return 0;
    kp_fill(ks, k, ring); /* what the ring still holds of it (it was just decoded) */
    return 1;
}

int lr_io_keeps_add_edge(lr_io_keeps_t *ks, uint64_t off, uint64_t len, const lr_io_ring_t *ring)
{
    kp_range_t *k = kp_insert(ks, off, len, true);
    if (!k)
        return -ENOMEM;
    kp_fill(ks, k, ring);
    return 0;
}

/* What sealed chunk j of range k holds of [off, off + len) from off on:
 * copied to dst, the bytes copied (0 if it does not hold off). */
static size_t kp_get_chunk(lr_io_keeps_t *ks, const kp_range_t *k, size_t j, uint8_t *dst,
                           uint64_t off, size_t len)
{
    const kp_chunk_t *c = &k->ch[j];
    uint64_t at = kp_chunk_at(k, j);
    if (off < at + c->s || off >= at + c->e)
        return 0;
    uint32_t from = (uint32_t)(off - at);
    size_t n = kp_min(len, c->e - from);
    uint32_t p0 = from / KP_PAGE, p1 = (uint32_t)((from + n - 1) / KP_PAGE);
    uint32_t mask = (uint32_t)(((2u << p1) - 1) & ~((1u << p0) - 1));
    if ((c->zero & mask) == mask) { /* holes only: nothing to inflate */
        memset(dst, 0, n);
        return n;
    }
    if (ks->cached != c) {
        if (kp_load(ks, c, kp_chunk_len(k, j), ks->cache) != 0) {
            ks->cached = NULL;
            return 0;
        }
        ks->cached = c;
    }
    memcpy(dst, ks->cache + from, n);
    return n;
}

size_t lr_io_keeps_get(lr_io_keeps_t *ks, uint8_t *dst, uint64_t off, size_t len)
{
    for (size_t i = kp_first(ks, off); i < ks->n && ks->r[i].off <= off; i++) {
        const kp_range_t *k = &ks->r[i];
        if (off >= k->off + k->len)
            continue;
        size_t n = kp_get_chunk(ks, k, (size_t)((off - k->off) / KP_CHUNK), dst, off, len);
        if (n)
            return n;
    }
    return 0;
}
