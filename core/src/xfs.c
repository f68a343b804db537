/* XFS's own records (lr/xfs.h), decoded field by field from the kernel's
 * fs/xfs/libxfs/xfs_format.h: the superblock (struct xfs_dsb), the
 * allocation group headers (xfs_agf, xfs_agi), short-form B+tree blocks
 * (the inode B+tree, xfs_inobt_rec; the free-space B+tree by block,
 * xfs_alloc_rec), inodes (xfs_dinode) and their data forks (extents,
 * xfs_bmbt_rec, or a B+tree of them: xfs_bmdr_block in the inode,
 * long-form blocks below). All multi-byte fields are big-endian but the
 * v5 checksums (little-endian CRC-32C over the record with the field
 * zeroed). */
#include "lr/xfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/sort.h"
#include "le.h"
#include "xfs_int.h"

/* ---- checks ------------------------------------------------------------ */

static bool xf_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static uint8_t xf_log2(uint32_t v)
{
    uint8_t l = 0;
    while (v > 1) {
        v >>= 1;
        l++;
    }
    return l;
}

/* A v5 record's CRC-32C (stored little-endian at crc_at, computed with
 * that field as zeros). */
bool xf_crc_ok(const uint8_t *p, size_t len, size_t crc_at)
{
    static const uint8_t zero[4];
    uint32_t c = lr_crc32c(0xffffffffu, p, crc_at);
    c = lr_crc32c(c, zero, 4);
    c = lr_crc32c(c, p + crc_at + 4, len - crc_at - 4);
    return ~c == lr_get_le32(p + crc_at);
}

void xf_crc_set(uint8_t *p, size_t len, size_t crc_at)
{
    memset(p + crc_at, 0, 4);
    lr_put_le32(p + crc_at, ~lr_crc32c(0xffffffffu, p, len));
}

bool lr_xfs_superblock(const uint8_t *p, size_t avail, uint32_t *block_size, uint64_t *size)
{
    if (avail < XFS_SB_NEED || memcmp(p, LR_XFS_MAGIC, 4) != 0)
        return false;
    uint32_t bs = lr_get_be32(p + 4), agblocks = lr_get_be32(p + 84), agcount = lr_get_be32(p + 88);
    uint64_t dblocks = lr_get_be64(p + 8);
    uint16_t version = (uint16_t)(p[100] << 8 | p[101]) & 0xf;
    uint16_t sectsize = (uint16_t)(p[102] << 8 | p[103]);
    uint16_t inodesize = (uint16_t)(p[104] << 8 | p[105]);
    uint16_t inopblock = (uint16_t)(p[106] << 8 | p[107]);
    if ((version != 4 && version != 5) || bs < 512 || bs > 65536 || !xf_pow2(bs) ||
        sectsize < 512 || sectsize > 32768 || !xf_pow2(sectsize) || sectsize > bs ||
        inodesize < 256 || inodesize > 2048 || !xf_pow2(inodesize) || inodesize > bs ||
        inopblock != bs / inodesize)
        return false;
    if (p[120] != xf_log2(bs) || p[121] != xf_log2(sectsize) || p[122] != xf_log2(inodesize) ||
        p[123] != xf_log2(inopblock))
        return false;
    /* mkfs: agblklog = highbit(agblocks - 1) + 1; the kernel's bounds: a
     * group of XFS_MIN_AG_BLOCKS (64) to XFS_MAX_AG_BYTES (1 TiB), a
     * filesystem under 2^63 bytes */
    if (agblocks < 64 || (uint64_t)agblocks * bs > (1ull << 40) || agcount == 0 ||
        p[124] != xf_log2(agblocks - 1) + 1 || p[124] > 31)
        return false;
    uint64_t full = (uint64_t)agcount * agblocks, bytes; /* 2^32 x 2^31 at most */
    if (dblocks == 0 || dblocks > full || dblocks <= full - agblocks ||
        __builtin_mul_overflow(dblocks, (uint64_t)bs, &bytes) || bytes >> 63)
        return false;
    if (block_size)
        *block_size = bs;
    if (size)
        *size = bytes; /* every byte of a group: within it, no overflow */
    return true;
}

bool lr_xfs_superblock_group(const uint8_t *p, size_t avail, uint32_t *group)
{
    if (avail < 104)
        return false;
    size_t sect = (size_t)(p[102] << 8 | p[103]); /* sb_sectsize: the AGF is sector 1 */
    if (avail < sect + 12 || memcmp(p + sect, "XAGF", 4) != 0)
        return false;
    *group = lr_get_be32(p + sect + 8);
    return true;
}

/* ---- opening ----------------------------------------------------------- */

int lr_xfs_open(lr_io_t *io, uint64_t offset, lr_xfs_t **out, lr_error_t *err)
{
    *out = NULL;
    uint8_t sb[512];
    int rc = lr_io_pread(io, sb, sizeof(sb), offset, err);
    if (rc)
        return rc;
    uint32_t bs;
    uint64_t bytes;
    uint64_t end;
    if (!lr_xfs_superblock(sb, sizeof(sb), &bs, &bytes) || lr_add_overflows(offset, bytes, &end))
        return lr_error_set(err, LR_EFORMAT, offset, "not an XFS superblock");
    bool v5 = (sb[101] & 0xf) == 5;
    uint32_t sectsize = (uint32_t)(sb[102] << 8 | sb[103]);
    uint32_t incompat = v5 ? lr_get_be32(sb + 216) : 0;
    if (incompat & ~XFS_INCOMPAT_KNOWN)
        return lr_error_set(err, LR_EFORMAT, offset,
                            "XFS incompatible features 0x%x this reader does not know",
                            incompat & ~XFS_INCOMPAT_KNOWN);
    lr_xfs_t *fs = calloc(1, sizeof(*fs));
    uint8_t *whole = fs ? malloc(sectsize > bs ? sectsize : bs) : NULL;
    uint8_t *leaf = whole ? malloc(bs) : NULL;
    if (!leaf) {
        free(whole);
        free(fs);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    fs->block = whole;
    fs->leaf = leaf;
    if (v5) { /* the checksum covers the whole sector */
        rc = lr_io_pread(io, whole, sectsize, offset, err);
        if (!rc && !xf_crc_ok(whole, sectsize, XFS_SB_CRC))
            rc = lr_error_set(err, LR_ECHECKSUM, offset, "XFS superblock checksum fails");
        if (rc) {
            lr_xfs_free(fs);
            return rc;
        }
    }
    fs->io = io;
    fs->offset = offset;
    fs->v5 = v5;
    fs->sparse = incompat & XFS_INCOMPAT_SPINODES;
    fs->bs = bs;
    fs->sectsize = sectsize;
    fs->inodesize = (uint32_t)(sb[104] << 8 | sb[105]);
    fs->inopblock = bs / fs->inodesize;
    fs->agblocks = lr_get_be32(sb + 84);
    fs->agcount = lr_get_be32(sb + 88);
    fs->inopblog = sb[123];
    fs->agblklog = sb[124];
    fs->dblocks = bytes / bs;
    memcpy(fs->uuid, sb + (incompat & XFS_INCOMPAT_META_UUID ? 248 : 32), 16);
    memcpy(fs->sb_uuid, sb + 32, 16);
    fs->logstart = lr_get_be64(sb + 48);
    fs->logblocks = lr_get_be32(sb + 96);
    fs->logv2 = (sb[100] << 8 | sb[101]) & XFS_SB_VERSION_LOGV2;
    *out = fs;
    return 0;
}

void lr_xfs_free(lr_xfs_t *fs)
{
    if (!fs)
        return;
    xf_overlay_free(fs);
    free(fs->block);
    free(fs->leaf);
    free(fs);
}

uint32_t lr_xfs_block_size(const lr_xfs_t *fs)
{
    return fs->bs;
}

uint64_t lr_xfs_size(const lr_xfs_t *fs)
{
    return fs->dblocks * fs->bs;
}

/* ---- reading ----------------------------------------------------------- */

/* The linear block of allocation group ag's block agbno, or false when
 * it lies past the group or the filesystem. */
bool xf_linear(const lr_xfs_t *fs, uint32_t ag, uint64_t agbno, uint64_t *out)
{
    if (ag >= fs->agcount || agbno >= fs->agblocks)
        return false;
    uint64_t b = (uint64_t)ag * fs->agblocks + agbno;
    if (b >= fs->dblocks)
        return false;
    *out = b;
    return true;
}

/* XFS's own block number (ag << agblklog | agbno) as a linear one. */
bool xf_fsb_linear(const lr_xfs_t *fs, uint64_t fsb, uint64_t *out)
{
    uint64_t ag = fsb >> fs->agblklog;
    return ag < fs->agcount && xf_linear(fs, (uint32_t)ag, fsb & ((1ull << fs->agblklog) - 1), out);
}

/* Reads len bytes at byte `at` of the filesystem, charged to *budget
 * (NULL: not counted). */
/* ---- the replay's sectors ------------------------------------------------ */

/* An open-addressed table of sector numbers (key 0: empty; daddr + 1
 * stored) to their bytes in one arena, and the span [lo, hi] they lie
 * in so reads far from them pay nothing. */
struct xf_overlay {
    uint64_t *key;
    uint32_t *at; /* the sector's index in arena */
    size_t cap, n;
    uint8_t *arena;
    size_t arena_cap;
    uint64_t lo, hi;
};

static size_t xf_slot(const xf_overlay_t *ov, uint64_t daddr)
{
    size_t i = (size_t)((daddr + 1) * 0x9e3779b97f4a7c15ull >> 17) & (ov->cap - 1);
    while (ov->key[i] && ov->key[i] != daddr + 1)
        i = (i + 1) & (ov->cap - 1);
    return i;
}

static uint8_t *xf_find(const xf_overlay_t *ov, uint64_t daddr)
{
    if (!ov || !ov->n || daddr < ov->lo || daddr > ov->hi)
        return NULL;
    size_t i = xf_slot(ov, daddr);
    return ov->key[i] ? ov->arena + (size_t)ov->at[i] * 512 : NULL;
}

/* Doubles the table (rehashing) when it is half full. */
static int xf_grow(xf_overlay_t *ov)
{
    size_t cap = ov->cap ? ov->cap * 2 : 1024;
    uint64_t *key = calloc(cap, sizeof(*key));
    uint32_t *at = calloc(cap, sizeof(*at));
    if (!key || !at) {
        free(key);
        free(at);
        return -ENOMEM;
    }
    xf_overlay_t old = *ov;
    ov->key = key;
    ov->at = at;
    ov->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.key[i])
            continue;
        size_t j = xf_slot(ov, old.key[i] - 1);
        key[j] = old.key[i];
        at[j] = old.at[i];
    }
    free(old.key);
    free(old.at);
    return 0;
}

int xf_sector(lr_xfs_t *fs, uint64_t daddr, uint8_t **p, lr_error_t *err)
{
    if ((*p = xf_find(fs->ov, daddr)))
        return 0;
    if (!fs->ov && !(fs->ov = calloc(1, sizeof(*fs->ov))))
        return lr_error_oom(err);
    xf_overlay_t *ov = fs->ov;
    if (ov->n >= XF_OVERLAY_MAX)
        return lr_error_set(err, LR_ELIMIT, fs->offset + daddr * 512,
                            "XFS log replay: more than %u sectors changed", XF_OVERLAY_MAX);
    if ((ov->n + 1) * 2 > ov->cap && xf_grow(ov))
        return lr_error_oom(err);
    if (ov->n == ov->arena_cap) {
        size_t cap = ov->arena_cap ? ov->arena_cap * 2 : 64;
        uint8_t *a = realloc(ov->arena, cap * 512);
        if (!a)
            return lr_error_oom(err);
        ov->arena = a;
        ov->arena_cap = cap;
    }
    uint8_t *s = ov->arena + ov->n * 512;
    int rc = lr_io_pread(fs->io, s, 512, fs->offset + daddr * 512, err);
    if (rc)
        return rc;
    size_t i = xf_slot(ov, daddr);
    ov->key[i] = daddr + 1;
    ov->at[i] = (uint32_t)ov->n++;
    if (ov->n == 1 || daddr < ov->lo)
        ov->lo = daddr;
    if (ov->n == 1 || daddr > ov->hi)
        ov->hi = daddr;
    *p = s;
    return 0;
}

size_t xf_overlay_sectors(const lr_xfs_t *fs)
{
    return fs->ov ? fs->ov->n : 0;
}

void xf_overlay_free(lr_xfs_t *fs)
{
    if (!fs->ov)
        return;
    free(fs->ov->key);
    free(fs->ov->at);
    free(fs->ov->arena);
    free(fs->ov);
    fs->ov = NULL;
}

/* The replay's sectors over buf (len bytes read at byte at). */
static void xf_patch(const lr_xfs_t *fs, uint8_t *buf, size_t len, uint64_t at)
{
    const xf_overlay_t *ov = fs->ov;
    if (!ov || !ov->n || !len || (at + len - 1) / 512 < ov->lo || at / 512 > ov->hi)
        return;
    for (uint64_t d = at / 512; d <= (at + len - 1) / 512; d++) {
        const uint8_t *s = xf_find(ov, d);
        if (!s)
            continue;
        uint64_t from = d * 512 > at ? d * 512 : at;
        uint64_t to = (d + 1) * 512 < at + len ? (d + 1) * 512 : at + len;
        memcpy(buf + (from - at), s + (from - d * 512), (size_t)(to - from));
    }
}

int xf_read(lr_xfs_t *fs, void *buf, size_t len, uint64_t at, uint64_t *budget, lr_error_t *err)
{
    if (budget) {
        if (*budget < len)
            return lr_error_set(err, LR_ELIMIT, fs->offset + at,
                                "XFS records past the reading budget");
        *budget -= len;
    }
    int rc = lr_io_pread(fs->io, buf, len, fs->offset + at, err);
    if (!rc)
        xf_patch(fs, buf, len, at);
    return rc;
}

/* Reads an allocation group header sector (AGF: 1, AGI: 2) into fs->block
 * and checks its magic, group number and (v5) checksum. */
static int xf_ag_header(lr_xfs_t *fs, uint32_t ag, uint32_t sector, const char *magic,
                        size_t crc_at, uint64_t *budget, lr_error_t *err)
{
    uint64_t at = (uint64_t)ag * fs->agblocks * fs->bs + (uint64_t)sector * fs->sectsize;
    int rc = xf_read(fs, fs->block, fs->sectsize, at, budget, err);
    if (rc)
        return rc;
    const uint8_t *h = fs->block;
    size_t uuid_at = sector == 1 ? 64 : 296; /* agf_uuid, agi_uuid */
    if (memcmp(h, magic, 4) != 0 || lr_get_be32(h + 8) != ag ||
        (fs->v5 && memcmp(h + uuid_at, fs->uuid, 16) != 0))
        return lr_error_set(err, LR_EFORMAT, fs->offset + at,
                            "XFS allocation group %u: no %s header", ag, magic);
    if (fs->v5 && !xf_crc_ok(h, fs->sectsize, crc_at))
        return lr_error_set(err, LR_ECHECKSUM, fs->offset + at,
                            "XFS allocation group %u: %s checksum fails", ag, magic);
    return 0;
}

/* A short-form B+tree block (the inode and free-space B+trees): its
 * magic (v4 or v5), level and record count within the block (none only
 * in a root that is a leaf: a group with no inodes, or no free space).
 * *hdr: where its keys or records begin. */
static int xf_sblock(const lr_xfs_t *fs, const uint8_t *b, const char *m4, const char *m5,
                     uint32_t level, bool root, size_t rec, uint32_t *numrecs, size_t *hdr,
                     uint64_t at, lr_error_t *err)
{
    size_t h = fs->v5 ? XFS_SBLOCK_V5 : XFS_SBLOCK_V4;
    uint32_t lv = (uint32_t)(b[4] << 8 | b[5]), nr = (uint32_t)(b[6] << 8 | b[7]);
    /* v5: where it lies (512-byte units), the filesystem's uuid, its
     * group: a block of another place or filesystem is not taken */
    bool placed =
        !fs->v5 || (lr_get_be64(b + 16) == at / 512 && memcmp(b + 32, fs->uuid, 16) == 0 &&
                    lr_get_be32(b + 48) == at / fs->bs / fs->agblocks);
    if (memcmp(b, fs->v5 ? m5 : m4, 4) != 0 || lv != level || (nr == 0 && (level || !root)) ||
        nr > (fs->bs - h) / rec || !placed)
        return lr_error_set(err, LR_EFORMAT, fs->offset + at, "XFS B+tree block is not one");
    if (fs->v5 && !xf_crc_ok(b, fs->bs, XFS_SBLOCK_CRC))
        return lr_error_set(err, LR_ECHECKSUM, fs->offset + at, "XFS B+tree block checksum fails");
    *numrecs = nr;
    *hdr = h;
    return 0;
}

/* ---- files in use at blocks -------------------------------------------- */

typedef struct xf_ask {
    const uint64_t *blocks;
    size_t n;
    uint64_t max_size;
    lr_xfs_file_t *files;
    uint64_t *budget;
} xf_ask_t;

/* The data fork of inode p (fs->inodesize bytes): its offset and size in
 * the inode, its extent count. false when they do not fit the inode. */
static bool xf_fork(const lr_xfs_t *fs, const uint8_t *p, size_t *at, size_t *size, uint64_t *n)
{
    size_t core = p[4] == 3 ? XFS_DINODE_V3 : XFS_DINODE_V2;
    size_t lit = fs->inodesize - core, forkoff = (size_t)p[82] * 8;
    if (forkoff > lit)
        return false;
    *at = core;
    *size = forkoff ? forkoff : lit;
    uint64_t flags2 = p[4] == 3 ? lr_get_be64(p + 120) : 0;
    *n = flags2 & XFS_DIFLAG2_NREXT64 ? lr_get_be64(p + 24) : lr_get_be32(p + 76);
    return true;
}

/* Whether p is an inode as XFS writes one (magic, version), not yet its
 * checksum: 0 or LR_EFORMAT. *regular: a regular file with links, on the
 * data device. */
static int xf_inode_shape(const lr_xfs_t *fs, const uint8_t *p, bool *regular)
{
    *regular = false;
    if (p[0] != 'I' || p[1] != 'N' || p[4] < 1 || p[4] > 3 || (p[4] == 3) != fs->v5)
        return LR_EFORMAT;
    uint16_t mode = (uint16_t)(p[2] << 8 | p[3]), flags = (uint16_t)(p[90] << 8 | p[91]);
    uint32_t links = p[4] == 1 ? (uint32_t)(p[6] << 8 | p[7]) : lr_get_be32(p + 16);
    *regular = (mode & 0xf000) == 0x8000 && links && !(flags & XFS_DIFLAG_REALTIME);
    return 0;
}

/* A v3 inode's checksum and number (v2 inodes have neither): 0,
 * LR_ECHECKSUM, or LR_EFORMAT when it names another inode. */
static int xf_inode_sealed(const lr_xfs_t *fs, const uint8_t *p, uint64_t ino)
{
    if (p[4] != 3)
        return 0;
    if (!xf_crc_ok(p, fs->inodesize, XFS_DINODE_CRC))
        return LR_ECHECKSUM;
    return lr_get_be64(p + 152) == ino && memcmp(p + 160, fs->uuid, 16) == 0 ? 0 : LR_EFORMAT;
}

/* One extent record (xfs_bmbt_rec: 128 bits): file block, XFS block,
 * count, unwritten. */
typedef struct xf_ext {
    uint64_t off, fsb, len;
    bool unwritten;
} xf_ext_t;

static xf_ext_t xf_ext(const uint8_t *r)
{
    uint64_t l0 = lr_get_be64(r), l1 = lr_get_be64(r + 8);
    return (xf_ext_t){.off = (l0 & 0x7fffffffffffffffull) >> 9,
                      .fsb = (l0 & 0x1ff) << 43 | l1 >> 21,
                      .len = l1 & 0x1fffff,
                      .unwritten = l0 >> 63};
}

/* A long-form block of a file's block map: magic, level, records within
 * the block, (v5) checksum and owner. */
static int xf_lblock(const lr_xfs_t *fs, const uint8_t *b, uint32_t level, uint64_t ino,
                     uint32_t *numrecs, size_t *hdr, uint64_t at, lr_error_t *err)
{
    size_t h = fs->v5 ? XFS_LBLOCK_V5 : XFS_LBLOCK_V4;
    uint32_t lv = (uint32_t)(b[4] << 8 | b[5]), nr = (uint32_t)(b[6] << 8 | b[7]);
    bool placed = !fs->v5 || (lr_get_be64(b + 24) == at / 512 &&
                              memcmp(b + 40, fs->uuid, 16) == 0 && lr_get_be64(b + 56) == ino);
    if (memcmp(b, fs->v5 ? "BMA3" : "BMAP", 4) != 0 || lv != level || nr == 0 ||
        nr > (fs->bs - h) / 16 || !placed)
        return lr_error_set(err, LR_EFORMAT, fs->offset + at, "XFS block map block is not one");
    if (fs->v5 && !xf_crc_ok(b, fs->bs, XFS_LBLOCK_CRC))
        return lr_error_set(err, LR_ECHECKSUM, fs->offset + at,
                            "XFS block map block checksum fails");
    *numrecs = nr;
    *hdr = h;
    return 0;
}

/* The block map B+tree's root in the inode (xfs_bmdr_block): level,
 * record count, and its first pointer (the leftmost child). */
static bool xf_bmdr(const uint8_t *fork, size_t size, uint32_t *level, uint32_t *nr,
                    size_t *maxrecs)
{
    if (size < 4 + 16)
        return false;
    *level = (uint32_t)(fork[0] << 8 | fork[1]);
    *nr = (uint32_t)(fork[2] << 8 | fork[3]);
    *maxrecs = (size - 4) / 16;
    return *level >= 1 && *level <= XFS_MAX_LEVELS && *nr >= 1 && *nr <= *maxrecs;
}

/* The first extent of the file of inode p (ino), into *first: 0, or
 * LR_ENOTFOUND when it has none or its map is not what XFS writes (the
 * file is then passed over, as one whose inode fails its checksum). A
 * B+tree map is followed down its leftmost pointers: LR_ELIMIT when the
 * budget runs out, an I/O error when a block does not read. */
static int xf_first_extent(lr_xfs_t *fs, const uint8_t *p, uint64_t ino, uint64_t *budget,
                           xf_ext_t *first, lr_error_t *err)
{
    size_t at, size;
    uint64_t n;
    if (!xf_fork(fs, p, &at, &size, &n) || n == 0)
        return LR_ENOTFOUND;
    const uint8_t *fork = p + at;
    if (p[5] == 2) { /* extents in the inode */
        if (n > size / 16)
            return LR_ENOTFOUND;
        *first = xf_ext(fork);
        return 0;
    }
    uint32_t level, nr;
    size_t maxrecs;
    if (p[5] != 3 || !xf_bmdr(fork, size, &level, &nr, &maxrecs))
        return LR_ENOTFOUND;
    uint64_t fsb = lr_get_be64(fork + 4 + maxrecs * 8);
    while (level-- > 0) {
        uint64_t lin;
        size_t hdr;
        if (!xf_fsb_linear(fs, fsb, &lin))
            return LR_ENOTFOUND;
        int rc = xf_read(fs, fs->block, fs->bs, lin * fs->bs, budget, err);
        if (rc)
            return rc;
        lr_error_t e;
        lr_error_clear(&e);
        if (xf_lblock(fs, fs->block, level, ino, &nr, &hdr, lin * fs->bs, &e))
            return LR_ENOTFOUND;
        if (!level) {
            *first = xf_ext(fs->block + hdr);
            return 0;
        }
        fsb = lr_get_be64(fs->block + hdr + (fs->bs - hdr) / 16 * 8);
    }
    return LR_ENOTFOUND;
}

/* Inode p (ino): when it is a regular file in use whose offset 0 lies at
 * an asked block, that block's answer. Fails only as xf_first_extent
 * does (LR_ELIMIT, an I/O error). */
static int xf_take_inode(lr_xfs_t *fs, const uint8_t *p, uint64_t ino, xf_ask_t *q, lr_error_t *err)
{
    bool regular;
    xf_ext_t first;
    uint64_t lin;
    /* the checksum only of an inode that may answer (most do not: it costs
     * more than the walk), and before a B+tree's pointer is followed */
    uint64_t size = lr_get_be64(p + 56);
    if (xf_inode_shape(fs, p, &regular) || !regular || (p[5] != 2 && p[5] != 3) ||
        size > q->max_size || (p[5] == 3 && xf_inode_sealed(fs, p, ino)))
        return 0;
    int rc = xf_first_extent(fs, p, ino, q->budget, &first, err);
    if (rc)
        return rc == LR_ENOTFOUND ? 0 : rc;
    if (first.off != 0 || first.unwritten || !xf_fsb_linear(fs, first.fsb, &lin))
        return 0;
    const uint64_t *hit = bsearch(&lin, q->blocks, q->n, sizeof(*q->blocks), lr_u64_cmp);
    if (hit && !q->files[hit - q->blocks].ino && !xf_inode_sealed(fs, p, ino))
        q->files[hit - q->blocks] = (lr_xfs_file_t){ino, size};
    return 0;
}

/* The chunk of 64 inodes an inode B+tree record (xfs_inobt_rec) names:
 * each in use (its bit in ir_free clear, and with sparse inodes its part
 * not a hole) read and asked about. */
static int xf_chunk(lr_xfs_t *fs, uint32_t ag, const uint8_t *rec, uint8_t *chunk, xf_ask_t *q,
                    lr_error_t *err)
{
    uint32_t start = lr_get_be32(rec);
    uint16_t holes = fs->sparse ? (uint16_t)(rec[4] << 8 | rec[5]) : 0;
    uint64_t free = lr_get_be64(rec + 8), first;
    uint32_t span = 64 * fs->inodesize;
    if (free == UINT64_MAX)
        return 0; /* no inode in use */
    uint64_t last;
    if (!xf_linear(fs, ag, start >> fs->inopblog, &first) ||
        !xf_linear(fs, ag, ((uint64_t)start + 63) >> fs->inopblog, &last))
        return lr_error_set(err, LR_EFORMAT, fs->offset + (uint64_t)ag * fs->agblocks * fs->bs,
                            "XFS allocation group %u: an inode chunk past the group", ag);
    uint64_t at = first * fs->bs + (uint64_t)(start & (fs->inopblock - 1)) * fs->inodesize;
    int rc = xf_read(fs, chunk, span, at, q->budget, err);
    if (rc)
        return rc;
    uint64_t base = (uint64_t)ag << (fs->agblklog + fs->inopblog);
    for (uint32_t i = 0; i < 64 && !rc; i++)
        if (!(free >> i & 1) && !(holes >> (i / 4) & 1))
            rc = xf_take_inode(fs, chunk + (size_t)i * fs->inodesize, base | (start + i), q, err);
    return rc;
}

/* An inode B+tree block of `level` at agbno of allocation group ag, and
 * every block below it (bufs: a block per level). */
static int xf_inobt(lr_xfs_t *fs, uint32_t ag, uint32_t agbno, uint32_t level, bool root,
                    uint8_t **bufs, uint8_t *chunk, xf_ask_t *q, lr_error_t *err)
{
    uint64_t lin;
    if (!xf_linear(fs, ag, agbno, &lin))
        return lr_error_set(err, LR_EFORMAT, fs->offset + (uint64_t)ag * fs->agblocks * fs->bs,
                            "XFS allocation group %u: an inode B+tree block past the group", ag);
    uint8_t *b = bufs[level];
    uint32_t nr;
    size_t hdr;
    int rc = xf_read(fs, b, fs->bs, lin * fs->bs, q->budget, err);
    if (!rc)
        rc = xf_sblock(fs, b, "IABT", "IAB3", level, root, level ? 8 : 16, &nr, &hdr, lin * fs->bs,
                       err);
    if (rc)
        return rc;
    size_t ptrs = hdr + (fs->bs - hdr) / 8 * 4;
    for (uint32_t i = 0; i < nr && !rc; i++)
        rc = level ? xf_inobt(fs, ag, lr_get_be32(b + ptrs + i * 4), level - 1, false, bufs, chunk,
                              q, err)
                   : xf_chunk(fs, ag, b + hdr + (size_t)i * 16, chunk, q, err);
    return rc;
}

int lr_xfs_files_at(lr_xfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                    lr_xfs_file_t *files, uint64_t *budget, lr_error_t *err)
{
    for (size_t i = 0; i < n; i++)
        files[i] = (lr_xfs_file_t){0, 0};
    for (size_t i = 1; i < n; i++)
        if (blocks[i] < blocks[i - 1])
            return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "blocks not in ascending order");
    if (!n)
        return 0;
    uint8_t *bufs[XFS_MAX_LEVELS] = {0};
    uint8_t *chunk = malloc(64 * (size_t)fs->inodesize);
    int rc = chunk ? 0 : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (uint32_t l = 0; l < XFS_MAX_LEVELS && !rc; l++)
        if (!(bufs[l] = malloc(fs->bs)))
            rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    xf_ask_t q = {blocks, n, max_size, files, budget};
    for (uint32_t ag = 0; ag < fs->agcount && !rc; ag++) {
        rc = xf_ag_header(fs, ag, 2, "XAGI", XFS_AGI_CRC, budget, err);
        if (rc)
            break;
        uint32_t root = lr_get_be32(fs->block + 20), level = lr_get_be32(fs->block + 24);
        if (level < 1 || level > XFS_MAX_LEVELS)
            rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                              "XFS allocation group %u: inode B+tree of %u levels", ag, level);
        else
            rc = xf_inobt(fs, ag, root, level - 1, true, bufs, chunk, &q, err);
    }
    /* a block asked twice: bsearch answered one of them */
    for (size_t i = 1; i < n; i++)
        if (blocks[i] == blocks[i - 1] && !files[i].ino)
            files[i] = files[i - 1];
    for (size_t i = n - 1; i > 0; i--)
        if (blocks[i] == blocks[i - 1] && !files[i - 1].ino)
            files[i - 1] = files[i];
    for (uint32_t l = 0; l < XFS_MAX_LEVELS; l++)
        free(bufs[l]);
    free(chunk);
    return rc;
}

/* ---- reading a file ---------------------------------------------------- */

/* The extents of a B+tree block map whose root (in the inode's fork)
 * xf_bmdr read: down its leftmost pointers to the first leaf, then leaf
 * to leaf (right siblings) until n extents are read. */
static int xf_map_tree(lr_xfs_t *fs, const uint8_t *fork, size_t size, uint64_t ino, uint64_t n,
                       xf_ext_t *ext, lr_error_t *err)
{
    uint32_t level, nr;
    size_t maxrecs, hdr;
    if (!xf_bmdr(fork, size, &level, &nr, &maxrecs))
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "inode %llu: block map root not one",
                            (unsigned long long)ino);
    uint64_t fsb = lr_get_be64(fork + 4 + maxrecs * 8), got = 0, lin;
    while (got < n) {
        if (!xf_fsb_linear(fs, fsb, &lin))
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "inode %llu: block map points past the filesystem",
                                (unsigned long long)ino);
        uint32_t want = level ? level - 1 : 0;
        int rc = xf_read(fs, fs->block, fs->bs, lin * fs->bs, NULL, err);
        if (!rc)
            rc = xf_lblock(fs, fs->block, want, ino, &nr, &hdr, lin * fs->bs, err);
        if (rc)
            return rc;
        if (level > 1) { /* a node: on to its first child */
            level--;
            fsb = lr_get_be64(fs->block + hdr + (fs->bs - hdr) / 16 * 8);
            continue;
        }
        level = 0;
        for (uint32_t i = 0; i < nr && got < n; i++)
            ext[got++] = xf_ext(fs->block + hdr + (size_t)i * 16);
        fsb = lr_get_be64(fs->block + 16); /* bb_rightsib */
        if (got < n && fsb == UINT64_MAX)
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "inode %llu: block map holds fewer extents than it counts",
                                (unsigned long long)ino);
    }
    return 0;
}

/* Copies the part of extent x within the file's first `want` bytes. */
static int xf_copy_extent(lr_xfs_t *fs, const xf_ext_t *x, uint8_t *buf, size_t want,
                          lr_error_t *err)
{
    uint64_t lin, last = want / fs->bs; /* the block holding byte want */
    if (x->unwritten || x->off > last)
        return 0; /* unwritten: zeros; past the bytes asked for */
    uint64_t from = x->off * fs->bs;
    uint64_t to = x->off + x->len > last ? want : (x->off + x->len) * fs->bs;
    if (from >= to)
        return 0;
    if (!xf_fsb_linear(fs, x->fsb, &lin) || lin + x->len > fs->dblocks ||
        (x->fsb & ((1ull << fs->agblklog) - 1)) + x->len > fs->agblocks)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "an extent past the filesystem");
    return xf_read(fs, buf + from, (size_t)(to - from), lin * fs->bs, NULL, err);
}

int lr_xfs_read(lr_xfs_t *fs, uint64_t ino, void *buf, size_t len, size_t *got, lr_error_t *err)
{
    *got = 0;
    uint64_t agino = ino & ((1ull << (fs->agblklog + fs->inopblog)) - 1), lin;
    uint64_t ag = ino >> (fs->agblklog + fs->inopblog);
    if (ag >= fs->agcount || !xf_linear(fs, (uint32_t)ag, agino >> fs->inopblog, &lin))
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "no XFS inode %llu",
                            (unsigned long long)ino);
    uint64_t at = lin * fs->bs + (agino & (fs->inopblock - 1)) * fs->inodesize;
    uint8_t *p = malloc(fs->inodesize);
    if (!p)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    bool regular;
    size_t fat, fsize;
    uint64_t n;
    int rc = xf_read(fs, p, fs->inodesize, at, NULL, err);
    int bad = rc ? 0 : xf_inode_shape(fs, p, &regular);
    if (!bad && !rc)
        bad = xf_inode_sealed(fs, p, ino);
    if (bad == LR_ECHECKSUM)
        rc = lr_error_set(err, bad, fs->offset + at, "XFS inode %llu: checksum fails",
                          (unsigned long long)ino);
    else if (!rc &&
             (bad || !regular || (p[5] != 2 && p[5] != 3) || !xf_fork(fs, p, &fat, &fsize, &n)))
        rc = lr_error_set(err, LR_EFORMAT, fs->offset + at,
                          "XFS inode %llu is not a regular file in use", (unsigned long long)ino);
    if (!rc && n > XFS_MAX_READ_EXTENTS)
        rc = lr_error_set(err, LR_ELIMIT, fs->offset + at, "XFS inode %llu: %llu extents",
                          (unsigned long long)ino, (unsigned long long)n);
    if (!rc && p[5] == 2 && n > fsize / 16)
        rc = lr_error_set(err, LR_EFORMAT, fs->offset + at,
                          "XFS inode %llu: more extents than its fork holds",
                          (unsigned long long)ino);
    xf_ext_t *ext = !rc && n ? malloc(n * sizeof(*ext)) : NULL;
    if (!rc && n && !ext)
        rc = lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (!rc && p[5] == 2)
        for (uint64_t i = 0; i < n; i++)
            ext[i] = xf_ext(p + fat + i * 16);
    else if (!rc && n)
        rc = xf_map_tree(fs, p + fat, fsize, ino, n, ext, err);
    uint64_t size = rc ? 0 : lr_get_be64(p + 56);
    size_t want = size < len ? (size_t)size : len;
    if (!rc)
        memset(buf, 0, want);
    for (uint64_t i = 0; i < n && !rc; i++) {
        if (i && ext[i].off < ext[i - 1].off + ext[i - 1].len)
            rc = lr_error_set(err, LR_EFORMAT, fs->offset + at,
                              "XFS inode %llu: extents out of order", (unsigned long long)ino);
        else
            rc = xf_copy_extent(fs, &ext[i], buf, want, err);
    }
    free(ext);
    free(p);
    if (!rc)
        *got = want;
    return rc;
}

/* ---- free space -------------------------------------------------------- */

/* The answer of a free-space B+tree leaf (records from hdr, nr of them):
 * 0 when the last record starting at or before agbno covers it. */
static int xf_free_in_leaf(const uint8_t *b, size_t hdr, uint32_t nr, uint32_t agbno)
{
    uint32_t k = 0;
    while (k < nr && lr_get_be32(b + hdr + (size_t)k * 8) <= agbno)
        k++;
    if (!k)
        return 1; /* no free extent starts at or before it */
    const uint8_t *r = b + hdr + (size_t)(k - 1) * 8;
    return agbno < (uint64_t)lr_get_be32(r) + lr_get_be32(r + 4) ? 0 : 1;
}

/* Whether a free-space B+tree block's keys (a node) ascend strictly, or
 * its records (a leaf) ascend without overlapping and lie within the
 * group: what its search (and the cached leaf's answers) rely on. */
static bool xf_alloc_sorted(const lr_xfs_t *fs, const uint8_t *b, size_t hdr, uint32_t nr,
                            bool leaf)
{
    uint64_t end = 0;
    for (uint32_t k = 0; k < nr; k++) {
        uint64_t start = lr_get_be32(b + hdr + (size_t)k * 8);
        uint64_t count = lr_get_be32(b + hdr + (size_t)k * 8 + 4);
        if ((k && start < end) || (leaf && (!count || start + count > fs->agblocks)))
            return false;
        end = leaf ? start + count : start + 1;
    }
    return true;
}

int lr_xfs_block_used(lr_xfs_t *fs, uint64_t block, lr_error_t *err)
{
    if (block >= fs->dblocks)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "block past the filesystem");
    uint32_t ag = (uint32_t)(block / fs->agblocks), agbno = (uint32_t)(block % fs->agblocks);
    if (fs->leaf_hi && fs->leaf_ag == ag && agbno >= fs->leaf_lo && agbno < fs->leaf_hi)
        return xf_free_in_leaf(fs->leaf, fs->leaf_hdr, fs->leaf_nr, agbno);
    int rc = xf_ag_header(fs, ag, 1, "XAGF", XFS_AGF_CRC, NULL, err);
    if (rc)
        return rc;
    uint32_t node = lr_get_be32(fs->block + 16), level = lr_get_be32(fs->block + 28);
    if (level < 1 || level > XFS_MAX_LEVELS)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "XFS allocation group %u: free-space B+tree of %u levels", ag, level);
    uint64_t lo = 0, hi = fs->agblocks; /* the blocks the node read answers for */
    for (uint32_t top = level; level-- > 0;) {
        uint64_t lin;
        uint32_t nr;
        size_t hdr;
        uint8_t *b = level ? fs->block : fs->leaf;
        if (!xf_linear(fs, ag, node, &lin))
            return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                                "XFS allocation group %u: free-space B+tree past the group", ag);
        fs->leaf_hi = 0; /* fs->leaf is being replaced */
        rc = xf_read(fs, b, fs->bs, lin * fs->bs, NULL, err);
        if (!rc)
            rc = xf_sblock(fs, b, "ABTB", "AB3B", level, level + 1 == top, level ? 12 : 8, &nr,
                           &hdr, lin * fs->bs, err);
        if (!rc && !xf_alloc_sorted(fs, b, hdr, nr, !level))
            rc = lr_error_set(err, LR_EFORMAT, fs->offset + lin * fs->bs,
                              "XFS free-space B+tree block out of order");
        if (rc)
            return rc;
        if (!level) {
            fs->leaf_ag = ag;
            fs->leaf_nr = nr;
            fs->leaf_hdr = hdr;
            fs->leaf_lo = lo;
            fs->leaf_hi = hi;
            return xf_free_in_leaf(b, hdr, nr, agbno);
        }
        /* the last key at or before agbno: its child answers for the
         * blocks up to the next key */
        uint32_t k = 0;
        while (k < nr && lr_get_be32(b + hdr + (size_t)k * 8) <= agbno)
            k++;
        if (!k)
            return 1; /* no free extent starts at or before it */
        lo = lr_get_be32(b + hdr + (size_t)(k - 1) * 8);
        if (k < nr)
            hi = lr_get_be32(b + hdr + (size_t)k * 8);
        node = lr_get_be32(b + hdr + (fs->bs - hdr) / 12 * 8 + (size_t)(k - 1) * 4);
    }
    return 1;
}
