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

#define XFS_SB_NEED 232u /* through sb_spino_align: every field read */
#define XFS_SB_CRC 224u
#define XFS_AGF_CRC 216u
#define XFS_AGI_CRC 312u
#define XFS_SBLOCK_V4 16u /* short-form B+tree block header */
#define XFS_SBLOCK_V5 56u
#define XFS_SBLOCK_CRC 52u
#define XFS_LBLOCK_V4 24u /* long-form (a file's block map) */
#define XFS_LBLOCK_V5 72u
#define XFS_LBLOCK_CRC 64u
#define XFS_DINODE_V2 100u /* the inode core; the data fork follows */
#define XFS_DINODE_V3 176u
#define XFS_DINODE_CRC 100u
#define XFS_MAX_LEVELS 9u /* XFS_BTREE_MAXLEVELS */
#define XFS_INCOMPAT_SPINODES 0x2u
/* FTYPE, SPINODES, META_UUID, BIGTIME, NREXT64, EXCHRANGE, PARENT: none
 * changes how data-device files are mapped. NEEDSREPAIR (0x10), a
 * filesystem xfs_repair left half-mended, is not read. */
#define XFS_INCOMPAT_KNOWN 0xefu
#define XFS_INCOMPAT_META_UUID 0x4u
#define XFS_DIFLAG_REALTIME 0x1u
#define XFS_DIFLAG2_NREXT64 0x10u
#define XFS_MAX_READ_EXTENTS (1u << 20)
#define XFS_SB_VERSION_LOGV2 0x0400u

struct lr_xfs {
    lr_io_t *io;
    uint64_t offset; /* the superblock's byte in io */
    bool v5;
    bool sparse; /* inode B+tree records carry a hole mask */
    uint32_t bs, sectsize, inodesize, inopblock, agblocks, agcount;
    uint8_t inopblog, agblklog;
    uint64_t dblocks;
    uint8_t uuid[16];    /* what every v5 record names (sb_meta_uuid or sb_uuid) */
    uint8_t sb_uuid[16]; /* what the log's records name */
    uint64_t logstart;   /* sb_logstart (an fsblock number; 0: an external log) */
    uint32_t logblocks;
    bool logv2;
    uint8_t *block; /* one block: B+tree walks */
    /* the free-space B+tree leaf lr_xfs_block_used read last: allocation
     * group leaf_ag's blocks [leaf_lo, leaf_hi) are its to answer for */
    uint8_t *leaf;
    uint32_t leaf_ag, leaf_nr;
    uint64_t leaf_lo, leaf_hi;
    size_t leaf_hdr;
};

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
static bool xf_crc_ok(const uint8_t *p, size_t len, size_t crc_at)
{
    static const uint8_t zero[4];
    uint32_t c = lr_crc32c(0xffffffffu, p, crc_at);
    c = lr_crc32c(c, zero, 4);
    c = lr_crc32c(c, p + crc_at + 4, len - crc_at - 4);
    return ~c == lr_get_le32(p + crc_at);
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
static bool xf_linear(const lr_xfs_t *fs, uint32_t ag, uint64_t agbno, uint64_t *out)
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
static bool xf_fsb_linear(const lr_xfs_t *fs, uint64_t fsb, uint64_t *out)
{
    uint64_t ag = fsb >> fs->agblklog;
    return ag < fs->agcount && xf_linear(fs, (uint32_t)ag, fsb & ((1ull << fs->agblklog) - 1), out);
}

/* Reads len bytes at byte `at` of the filesystem, charged to *budget
 * (NULL: not counted). */
static int xf_read(lr_xfs_t *fs, void *buf, size_t len, uint64_t at, uint64_t *budget,
                   lr_error_t *err)
{
    if (budget) {
        if (*budget < len)
            return lr_error_set(err, LR_ELIMIT, fs->offset + at,
                                "XFS records past the reading budget");
        *budget -= len;
    }
    return lr_io_pread(fs->io, buf, len, fs->offset + at, err);
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

/* ---- the log ----------------------------------------------------------- */

/* The log's records, from the kernel's fs/xfs/libxfs/xfs_log_format.h:
 * every 512-byte basic block of the log starts with its cycle number (how
 * many times the log has been written round), a record header's
 * (xlog_rec_header: h_magicno, h_cycle, h_version, h_len, h_lsn,
 * h_tail_lsn, h_crc, h_prev_block, h_num_logops, h_cycle_data[64], h_fmt,
 * h_fs_uuid, h_size) at its second word: the first word of each data
 * block was moved into the header's h_cycle_data (and a v2 record's
 * extended headers, one per 32 KiB past the first) to make room for it.
 * The data is a run of operations, each after an xlog_op_header (oh_tid,
 * oh_len, oh_clientid, oh_flags). The search follows
 * fs/xfs/xfs_log_recover.c (xlog_find_zeroed, xlog_find_head,
 * xlog_find_cycle_start, xlog_find_verify_cycle,
 * xlog_find_verify_log_record, xlog_rseek_logrec_hdr,
 * xlog_check_unmount_rec). */
#define XLOG_MAGIC 0xfeedbabeu /* XLOG_HEADER_MAGIC_NUM */
#define XLOG_HDR 328u          /* sizeof(struct xlog_rec_header) */
#define XLOG_CYCLE_SIZE 32768u /* XLOG_HEADER_CYCLE_SIZE */
#define XLOG_V2_RECORD 262144u /* XLOG_MAX_RECORD_BSIZE */
#define XLOG_V1_RECORD 32768u  /* XLOG_BIG_RECORD_BSIZE */
#define XLOG_MAX_ICLOGS 8u
#define XLOG_MAX_HBLKS (XLOG_V2_RECORD / XLOG_CYCLE_SIZE)
#define XLOG_UNMOUNT_TRANS 0x20u
#define XLOG_CLIENT 0xaau      /* XFS_LOG: the log's own operations */
#define XLOG_CHUNK 128u        /* basic blocks read at once */
#define XLOG_MAX_BB (1u << 23) /* 4 GiB: XFS's logs are under 2 GiB */

typedef struct xl {
    lr_xfs_t *fs;
    uint64_t at;     /* the log's byte in the filesystem */
    uint64_t n;      /* its basic blocks */
    uint64_t record; /* the largest record's basic blocks: 512 (v2), 64 (v1) */
    bool v2;
    uint8_t *chunk; /* basic blocks [lo, lo + have) of the log */
    uint64_t lo, have;
    const char *why;   /* set when the log is not read as XFS writes it */
    uint64_t tail_lsn; /* the last record's h_tail_lsn */
} xl_t;

/* Basic block blk (< n) of the log, through the chunk. */
static int xl_bb(xl_t *l, uint64_t blk, const uint8_t **p, lr_error_t *err)
{
    if (!l->have || blk < l->lo || blk >= l->lo + l->have) {
        uint64_t lo = blk / XLOG_CHUNK * XLOG_CHUNK;
        uint64_t have = l->n - lo < XLOG_CHUNK ? l->n - lo : XLOG_CHUNK;
        l->have = 0;
        int rc = xf_read(l->fs, l->chunk, (size_t)have * 512, l->at + lo * 512, NULL, err);
        if (rc)
            return rc;
        l->lo = lo;
        l->have = have;
    }
    *p = l->chunk + (blk - l->lo) * 512;
    return 0;
}

/* A basic block's cycle number: its first word, a record header's
 * h_cycle (xlog_get_cycle). */
static uint32_t xl_cycle_of(const uint8_t *p)
{
    uint32_t w = lr_get_be32(p);
    return w == XLOG_MAGIC ? lr_get_be32(p + 4) : w;
}

/* The cycle number of basic block blk: from the chunk when it holds it,
 * else its first 8 bytes read alone (the binary search's). */
static int xl_cycle(xl_t *l, uint64_t blk, uint32_t *cycle, lr_error_t *err)
{
    uint8_t w[8];
    if (l->have && blk >= l->lo && blk < l->lo + l->have) {
        *cycle = xl_cycle_of(l->chunk + (blk - l->lo) * 512);
        return 0;
    }
    int rc = xf_read(l->fs, w, sizeof(w), l->at + blk * 512, NULL, err);
    if (!rc)
        *cycle = xl_cycle_of(w);
    return rc;
}

/* xlog_find_cycle_start: in [first, *last], first's cycle not `cycle`
 * and *last's that one, a block where `cycle` starts (a binary search:
 * exact when the cycles before it differ from it and none after does). */
static int xl_cycle_start(xl_t *l, uint64_t first, uint64_t *last, uint32_t cycle, lr_error_t *err)
{
    uint64_t end = *last, mid = (first + end) / 2;
    while (mid != first && mid != end) {
        uint32_t c;
        int rc = xl_cycle(l, mid, &c, err);
        if (rc)
            return rc;
        if (c == cycle)
            end = mid;
        else
            first = mid;
        mid = (first + end) / 2;
    }
    *last = end;
    return 0;
}

/* xlog_find_verify_cycle: the first block of [start, start + nr) of
 * cycle `stop`, or UINT64_MAX. */
static int xl_find_cycle(xl_t *l, uint64_t start, uint64_t nr, uint32_t stop, uint64_t *found,
                         lr_error_t *err)
{
    *found = UINT64_MAX;
    for (uint64_t i = start; i < start + nr; i++) {
        const uint8_t *p;
        int rc = xl_bb(l, i, &p, err);
        if (rc)
            return rc;
        if (xl_cycle_of(p) == stop) {
            *found = i;
            break;
        }
    }
    return 0;
}

/* Whether a record header reads as one XFS writes: a version it knows, a
 * length within the largest record, this filesystem's uuid (or none, as
 * old logs: xlog_header_check_mount). */
static bool xl_header_ok(const xl_t *l, const uint8_t *h)
{
    static const uint8_t nil[16];
    uint32_t version = lr_get_be32(h + 8), len = lr_get_be32(h + 12);
    uint32_t size = lr_get_be32(h + 320);
    return version && !(version & ~3u) && len && len <= l->record * 512 &&
           (!l->v2 || !(version & 2) || size <= XLOG_V2_RECORD) &&
           (!memcmp(h + 304, nil, 16) || !memcmp(h + 304, l->fs->sb_uuid, 16));
}

/* The basic blocks a record's headers take (xlog_logrec_hblks): a v2
 * record of more than 32 KiB has an extended header for each 32 KiB. */
static uint64_t xl_hblks(const xl_t *l, const uint8_t *h)
{
    uint32_t size = lr_get_be32(h + 320);
    if (l->v2 && (lr_get_be32(h + 8) & 2) && size > XLOG_CYCLE_SIZE)
        return (size + XLOG_CYCLE_SIZE - 1) / XLOG_CYCLE_SIZE;
    return 1;
}

/* xlog_find_verify_log_record: the last record header in [start, *last);
 * when the record it begins does not end extra blocks past *last (it was
 * not written whole), *last moves back to it. *hit: whether one was
 * there (a header not as XFS writes it: l->why). */
static int xl_back_to_record(xl_t *l, uint64_t start, uint64_t *last, uint64_t extra, bool *hit,
                             lr_error_t *err)
{
    *hit = false;
    for (uint64_t i = *last; i-- > start;) {
        const uint8_t *p;
        int rc = xl_bb(l, i, &p, err);
        if (rc)
            return rc;
        if (lr_get_be32(p) != XLOG_MAGIC)
            continue;
        *hit = true;
        if (!xl_header_ok(l, p))
            l->why = "a record header before the log's head is not one XFS writes";
        else if (*last - i + extra != (lr_get_be32(p + 12) + 511u) / 512 + xl_hblks(l, p))
            *last = i;
        return 0;
    }
    return 0;
}

/* xlog_find_head (and xlog_find_zeroed): the block the next record would
 * be written at. */
static int xl_head(xl_t *l, uint64_t *head, lr_error_t *err)
{
    uint64_t n = l->n, found, h;
    uint64_t scan = XLOG_MAX_ICLOGS * l->record; /* XLOG_TOTAL_REC_SHIFT */
    uint64_t rscan = l->record < n ? l->record : n;
    uint32_t first, last;
    bool hit;
    int rc = xl_cycle(l, 0, &first, err);
    if (!rc)
        rc = xl_cycle(l, n - 1, &last, err);
    if (rc)
        return rc;
    if (!first) { /* the kernel: nothing to replay; no Linux log is so */
        l->why = "the log is all zeros (never written by mkfs or the kernel)";
        return 0;
    }
    if (!last && first != 1) { /* the kernel: "Log inconsistent or not a log" */
        l->why = "the log's last block is of cycle 0 and its first not of cycle 1";
        return 0;
    }
    if (!last) { /* written up to where its zeros start */
        h = n - 1;
        rc = xl_cycle_start(l, 0, &h, 0, err);
        uint64_t start = h - (h < scan ? h : scan);
        if (!rc)
            rc = xl_find_cycle(l, start, h - start, 0, &found, err);
        if (!rc && found != UINT64_MAX)
            h = found;
        if (!rc)
            rc = xl_back_to_record(l, start, &h, 0, &hit, err);
        if (!rc && !hit)
            l->why = "no record header before the log's zeros";
        *head = h;
        return rc;
    }
    /* x+1 ... | x ... | x: the head is the first block of x (the last
     * block's cycle); x ... x: the log's end, unless a hole of x-1 is
     * found before it */
    uint32_t stop;
    if (first == last) {
        h = n;
        stop = last - 1;
    } else {
        h = n - 1;
        stop = last;
        rc = xl_cycle_start(l, 0, &h, last, err);
        if (rc)
            return rc;
    }
    /* the writes of the last records (up to XLOG_MAX_ICLOGS in flight)
     * may have left holes: the first one before the head is the head */
    if (scan > n)
        scan = n;
    if (h >= scan) {
        rc = xl_find_cycle(l, h - scan, scan, stop, &found, err);
        if (!rc && found != UINT64_MAX)
            h = found;
    } else { /* the log's end (holes of the cycle before), then its start */
        rc = xl_find_cycle(l, n - (scan - h), scan - h, stop - 1, &found, err);
        if (!rc && found == UINT64_MAX)
            rc = xl_find_cycle(l, 0, h, stop, &found, err);
        if (!rc && found != UINT64_MAX)
            h = found;
    }
    if (rc)
        return rc;
    /* not in the middle of a record: back to the last header when its
     * record does not end at the head */
    if (h >= rscan) {
        rc = xl_back_to_record(l, h - rscan, &h, 0, &hit, err);
    } else {
        rc = xl_back_to_record(l, 0, &h, 0, &hit, err);
        if (!rc && !hit) { /* on from the log's end */
            uint64_t end = n;
            rc = xl_back_to_record(l, n - (rscan - h), &end, h, &hit, err);
            if (!rc && hit && end != n)
                h = end;
        }
    }
    if (!rc && !hit)
        l->why = "no record header within a record's length before the log's head";
    *head = h == n ? 0 : h;
    return rc;
}

/* xlog_find_tail's look at the record before the head: the last record
 * header (xlog_rseek_logrec_hdr, here within a record's length), and
 * whether the record is an unmount record that ends at the head
 * (xlog_check_unmount_rec). */
static int xl_last_record(xl_t *l, uint64_t head, lr_xfs_log_t *log, lr_error_t *err)
{
    uint64_t n = l->n, bound = l->record + XLOG_MAX_HBLKS, rblk = UINT64_MAX;
    const uint8_t *p;
    uint8_t h[XLOG_HDR], op[12];
    int rc;
    for (uint64_t k = 1; k <= bound && k <= n && rblk == UINT64_MAX; k++) {
        uint64_t i = (head + n - k) % n;
        if ((rc = xl_bb(l, i, &p, err)))
            return rc;
        if (lr_get_be32(p) == XLOG_MAGIC)
            rblk = i;
    }
    if (rblk == UINT64_MAX) {
        l->why = "no record header within a record's length before the log's head";
        return 0;
    }
    memcpy(h, p, sizeof(h));
    uint32_t cycle = lr_get_be32(h + 4), len = lr_get_be32(h + 12);
    uint64_t lsn = lr_get_be64(h + 16);
    log->record = rblk;
    log->cycle = cycle;
    l->tail_lsn = lr_get_be64(h + 24);
    log->tail = (uint32_t)l->tail_lsn; /* BLOCK_LSN(h_tail_lsn) */
    if (!xl_header_ok(l, h)) {
        l->why = "the last record's header is not one XFS writes";
        return 0;
    }
    if (lsn >> 32 != cycle || (uint32_t)lsn != rblk || !cycle) {
        l->why = "the last record's header names another place in the log";
        return 0;
    }
    uint64_t hblks = xl_hblks(l, h), blocks = hblks + (len + 511u) / 512;
    if (blocks > n) {
        l->why = "the last record is larger than the log";
        return 0;
    }
    /* every block of the record carries its cycle (its data's first words
     * were moved into the headers for it), the next one past the log's end
     * (xlog_split_iclog; never the header's magic) */
    uint32_t next = cycle + 1 == XLOG_MAGIC ? cycle + 2 : cycle + 1;
    for (uint64_t j = 1; j < blocks; j++) {
        if ((rc = xl_bb(l, (rblk + j) % n, &p, err)))
            return rc;
        if (lr_get_be32(p) != (rblk + j < n ? cycle : next)) {
            l->why = "a block of the last record is not of its cycle";
            return 0;
        }
    }
    log->state = LR_XFS_LOG_DIRTY;
    if ((rblk + blocks) % n != head) {
        log->why = "the log's last record does not end at its head";
        return 0;
    }
    if (lr_get_be32(h + 40) != 1) { /* h_num_logops */
        log->why = "the log's last record is not an unmount record";
        return 0;
    }
    if ((rc = xl_bb(l, (rblk + hblks) % n, &p, err)))
        return rc;
    memcpy(op, p, sizeof(op));
    memcpy(op, h + 44, 4); /* h_cycle_data[0]: the data's first word, oh_tid */
    if (!(op[9] & XLOG_UNMOUNT_TRANS)) {
        log->why = "the log's last record is not an unmount record";
        return 0;
    }
    if (op[8] != XLOG_CLIENT) {
        log->state = LR_XFS_LOG_UNKNOWN;
        l->why = "the log's unmount operation is not the log's own";
        return 0;
    }
    log->state = LR_XFS_LOG_CLEAN;
    log->tail = head;
    return 0;
}

/* ---- a covered log ------------------------------------------------------ */

/* An XFS idle while mounted, or frozen (xfs_freeze; an LVM snapshot of a
 * mounted XFS freezes it), has its log "covered" (fs/xfs/xfs_log.c,
 * xfs_log_cover): every change written back, then the superblock logged
 * in two checkpoints so the last record's tail names the first of them.
 * No unmount record ends it, and the kernel replays it at mount, but all
 * it replays is the superblock as it already lies. So when every
 * transaction committed between the last record's tail and the head logs
 * only the superblock's buffer, and its bytes are those of the superblock
 * in place (but for the free counts, the LSN and the CRC), what the
 * filesystem's records say as they lie is what the kernel would mount.
 * The records are walked as xlog_do_recovery_pass walks them: one record
 * geometry (h_size, header blocks) for the whole walk, each record's CRC
 * as xlog_cksum computes it (a record failing it is a torn write to the
 * kernel, which then replays from an earlier tail: never covered), its
 * data's first words put back (xlog_unpack_data), its operations
 * gathered by transaction id (xlog_recover_process_ophdr,
 * xlog_recovery_process_trans, xlog_recover_add_to_trans); the item
 * structures are in the byte order of the host that wrote them (h_fmt).
 * Anything else leaves the log dirty. */
#define XLOG_START_TRANS 0x01u
#define XLOG_COMMIT_TRANS 0x02u
#define XLOG_CONTINUE_TRANS 0x04u
#define XLOG_WAS_CONT_TRANS 0x08u
#define XLOG_END_TRANS 0x10u
#define XLOG_TRANS_CLIENT 0x69u      /* XFS_TRANSACTION */
#define XLOG_TRANS_MAGIC 0x5452414eu /* XFS_TRANS_HEADER_MAGIC: "TRAN" */
#define XLOG_TRANS_HEADER 16u        /* sizeof(struct xfs_trans_header) */
#define XLOG_LI_BUF 0x123cu          /* XFS_LI_BUF */
#define XLOG_BLF_FLAGS 0x1fu         /* xfs_buf_log_format's blf_flags below the buffer type */
#define XLOG_BLF_CHUNK 128u          /* XFS_BLF_CHUNK: a bit of blf_data_map */
#define XLOG_BLF_MAP 16u             /* XFS_BLF_DATAMAP_SIZE: words of blf_data_map */
#define XLOG_MAX_REGIONS 257u        /* XLOG_MAX_REGIONS_IN_ITEM */
#define XLOG_EXT_HEADER 260u         /* sizeof(struct xlog_rec_ext_header) */
#define XLOG_COVER_TX 16u            /* transactions open at once: a covering has one */

typedef struct xl_tx {
    uint32_t tid;
    bool header;         /* its transaction header read */
    uint32_t total, cnt; /* its last item's regions, and those read */
    /* the superblock buffer item's dirty chunks (blf_data_map) and the
     * first chunk its next region may start at */
    uint32_t map[XLOG_BLF_MAP], map_bits, bit;
} xl_tx_t;

typedef struct xl_cover {
    const uint8_t *sb; /* the superblock's sector as it lies */
    uint32_t sectsize;
    bool le; /* the items' byte order: the writer's (h_fmt) */
    xl_tx_t tx[XLOG_COVER_TX];
    unsigned ntx;
    const char *why; /* set when the log holds more than the superblock */
} xl_cover_t;

static uint32_t xl_host16(const xl_cover_t *c, const uint8_t *p)
{
    return c->le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
}

static uint32_t xl_host32(const xl_cover_t *c, const uint8_t *p)
{
    return c->le ? lr_get_le32(p) : lr_get_be32(p);
}

static uint64_t xl_host64(const xl_cover_t *c, const uint8_t *p)
{
    return c->le ? lr_get_le64(p) : lr_get_be64(p);
}

/* An item's first region (its log format: type, then its regions' count):
 * whether it is the superblock's buffer (XFS_SB_DADDR, one sector at
 * most, no flag but its buffer type, a data map within it); its map into
 * t. */
static bool xl_sb_item(const xl_cover_t *c, xl_tx_t *t, const uint8_t *d, uint32_t len)
{
    if (len < 20 || xl_host16(c, d) != XLOG_LI_BUF)
        return false;
    uint32_t flags = xl_host16(c, d + 4), bbs = xl_host16(c, d + 6);
    uint32_t words = xl_host32(c, d + 16);
    if ((flags & XLOG_BLF_FLAGS) || !bbs || bbs * 512u > c->sectsize || xl_host64(c, d + 8) ||
        words > XLOG_BLF_MAP || len < 20 + 4 * words)
        return false;
    memset(t->map, 0, sizeof(t->map));
    for (uint32_t i = 0; i < words; i++)
        t->map[i] = xl_host32(c, d + 20 + 4 * i);
    t->map_bits = bbs * 512u / XLOG_BLF_CHUNK;
    for (uint32_t bit = t->map_bits; bit < words * 32; bit++)
        if (t->map[bit / 32] >> (bit % 32) & 1)
            return false; /* a chunk past the buffer */
    t->bit = 0;
    return true;
}

/* Whether superblock bytes [at, at + len) logged are those in place, but
 * for what changes without changing a file: the free counts (sb_icount,
 * sb_ifree, sb_fdblocks, sb_frextents: 128-159, lazy counters), sb_crc
 * (224) and sb_lsn (240). */
static bool xl_sb_same(const xl_cover_t *c, const uint8_t *d, uint32_t at, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint32_t o = at + i;
        if ((o >= 128 && o < 160) || (o >= 224 && o < 228) || (o >= 240 && o < 248))
            continue;
        if (d[i] != c->sb[o])
            return false;
    }
    return true;
}

/* A data region of the superblock's buffer: the next run of dirty chunks
 * of its map (xlog_recover_do_reg_buffer), to be the sector's bytes. */
static void xl_sb_region(xl_cover_t *c, xl_tx_t *t, const uint8_t *d, uint32_t len)
{
    uint32_t first = t->bit, end;
    while (first < t->map_bits && !(t->map[first / 32] >> (first % 32) & 1))
        first++;
    for (end = first; end < t->map_bits && (t->map[end / 32] >> (end % 32) & 1); end++)
        ;
    if (first == end || len != (end - first) * XLOG_BLF_CHUNK) {
        c->why = "a superblock buffer in the log does not match its map";
        return;
    }
    if (!xl_sb_same(c, d, first * XLOG_BLF_CHUNK, len))
        c->why = "the log holds a superblock other than the one in place";
    t->bit = end;
}

/* Whether t's last item is whole: all its regions read, each run of its
 * map given one (xlog_recover_do_reg_buffer walks the map, not the regions:
 * a run past the last region reads ri_buf past its end). */
static bool xl_item_whole(const xl_tx_t *t)
{
    if (!t->total || t->cnt != t->total)
        return false;
    for (uint32_t bit = t->bit; bit < t->map_bits; bit++)
        if (t->map[bit / 32] >> (bit % 32) & 1)
            return false;
    return true;
}

/* A region of transaction t (xlog_recover_add_to_trans: an empty one
 * skipped): its header first, then each item's regions, the first one its
 * log format. */
static void xl_region(xl_cover_t *c, xl_tx_t *t, const uint8_t *d, uint32_t len)
{
    if (!len)
        return;
    if (!t->header) {
        if (len != XLOG_TRANS_HEADER || xl_host32(c, d) != XLOG_TRANS_MAGIC)
            c->why = "a transaction in the log does not start with its header";
        t->header = true;
        return;
    }
    if (t->cnt < t->total) {
        t->cnt++;
        xl_sb_region(c, t, d, len);
        return;
    }
    uint32_t regions = len >= 4 ? xl_host16(c, d + 2) : 0;
    if (t->total && !xl_item_whole(t))
        c->why = "a superblock buffer in the log does not match its map";
    else if (!regions || regions > XLOG_MAX_REGIONS)
        c->why = "an item in the log is not one XFS writes";
    else if (!xl_sb_item(c, t, d, len))
        c->why = "the log holds changes other than the superblock's";
    t->total = regions;
    t->cnt = 1;
}

/* One operation (xlog_recover_process_ophdr): a transaction's start, one
 * of its regions, its commit. An operation of a transaction begun before
 * the tail is skipped, as the kernel does. */
static void xl_op(xl_cover_t *c, const uint8_t *oh, const uint8_t *d)
{
    uint32_t tid = lr_get_be32(oh), len = lr_get_be32(oh + 4);
    uint8_t client = oh[8], flags = oh[9];
    if (client != XLOG_TRANS_CLIENT && client != XLOG_CLIENT) {
        c->why = "an operation in the log of no client XFS knows";
        return;
    }
    xl_tx_t *t = NULL;
    for (unsigned i = 0; i < c->ntx && !t; i++)
        if (c->tx[i].tid == tid)
            t = &c->tx[i];
    if (!t) {
        if (!(flags & XLOG_START_TRANS))
            return;
        if (c->ntx == XLOG_COVER_TX) {
            c->why = "more transactions in the log than a covering writes";
            return;
        }
        t = &c->tx[c->ntx++];
        memset(t, 0, sizeof(*t));
        t->tid = tid;
        return;
    }
    flags &= (uint8_t)~XLOG_END_TRANS;
    if (flags & XLOG_WAS_CONT_TRANS)
        flags &= (uint8_t)~XLOG_CONTINUE_TRANS;
    if (flags == 0 || flags == XLOG_CONTINUE_TRANS) {
        xl_region(c, t, d, len);
    } else if (flags == XLOG_COMMIT_TRANS && !xl_item_whole(t)) {
        c->why = "a transaction in the log commits no whole superblock buffer";
    } else if (flags == XLOG_COMMIT_TRANS || flags == XLOG_UNMOUNT_TRANS) {
        *t = c->tx[--c->ntx]; /* done with: its items were the superblock's */
    } else {
        /* a region continued from the record before: not looked into
         * (a covering's are a few hundred bytes) */
        c->why = flags == XLOG_WAS_CONT_TRANS
                     ? "a region in the log spans records (more than a covering writes)"
                     : "an operation in the log with flags XFS does not write";
    }
}

/* Whether a record's CRC-32C is the one xlog_cksum computes: its header
 * (sizeof(struct xlog_rec_header), 328 bytes on the 64-bit hosts; a CRC
 * over 324, an i386's, is a torn write to kernels before 6.17), a v2
 * record's extended headers, then its data as it lies. 0 is taken as
 * good only without the CRC feature: a v5 XFS's kernel refuses the log
 * (xlog_recover_process). */
static bool xl_record_crc_ok(const xl_t *l, const uint8_t *h, uint64_t hblks, const uint8_t *data,
                             uint32_t len)
{
    static const uint8_t zero[4];
    uint32_t want = lr_get_le32(h + 32);
    if (!want)
        return !l->fs->v5;
    uint32_t xheads = l->v2 ? (len + XLOG_CYCLE_SIZE - 1) / XLOG_CYCLE_SIZE : 1;
    if (xheads > hblks)
        return false;
    uint32_t c = lr_crc32c(0xffffffffu, h, 32);
    c = lr_crc32c(c, zero, 4);
    c = lr_crc32c(c, h + 36, XLOG_HDR - 36);
    for (uint32_t i = 1; i < xheads; i++)
        c = lr_crc32c(c, h + (size_t)i * 512, XLOG_EXT_HEADER);
    return ~lr_crc32c(c, data, len) == want;
}

/* The walk's record geometry, from the record at its start (the tail), as
 * xlog_do_recovery_pass takes it: every record read with its header
 * blocks and held to its h_size. */
typedef struct xl_geo {
    uint64_t hblks;
    uint32_t size; /* the largest h_len */
} xl_geo_t;

/* The record at basic block blk: its headers and data into buf (the data
 * at buf + g->hblks * 512, its first words put back), each block of its
 * cycle; *blocks: the blocks it takes. Sets c->why when it is not one XFS
 * writes or the kernel would not take it whole. */
static int xl_record(xl_t *l, xl_cover_t *c, const xl_geo_t *g, uint64_t blk, uint64_t left,
                     uint8_t *buf, uint64_t *blocks, lr_error_t *err)
{
    const uint8_t *p;
    int rc = xl_bb(l, blk, &p, err);
    if (rc)
        return rc;
    uint32_t cycle = lr_get_be32(p + 4), len = lr_get_be32(p + 12), fmt = lr_get_be32(p + 300);
    uint64_t lsn = lr_get_be64(p + 16), hblks = g->hblks, bblks = (len + 511u) / 512;
    if (lr_get_be32(p) != XLOG_MAGIC || !xl_header_ok(l, p) || lsn >> 32 != cycle ||
        (uint32_t)lsn != blk || len > g->size || xl_hblks(l, p) != hblks ||
        (l->v2 && lr_get_be32(p + 320) != g->size) || memcmp(p + 304, l->fs->sb_uuid, 16) != 0 ||
        hblks + bblks > left || fmt < 1 || fmt > 3) {
        /* fmt: XLOG_FMT_LINUX_LE, _BE, IRIX_BE */
        c->why = "a record between the log's tail and head is not one XFS writes";
        return 0;
    }
    c->le = fmt == 1;
    uint32_t next = cycle + 1 == XLOG_MAGIC ? cycle + 2 : cycle + 1;
    for (uint64_t j = 0; j < hblks + bblks; j++) {
        uint64_t at = blk + j;
        if ((rc = xl_bb(l, at % l->n, &p, err)))
            return rc;
        memcpy(buf + j * 512, p, 512);
        if (j >= hblks && lr_get_be32(p) != (at < l->n ? cycle : next)) {
            c->why = "a block of a record between the log's tail and head is not of its cycle";
            return 0;
        }
    }
    uint8_t *data = buf + hblks * 512;
    if (!xl_record_crc_ok(l, buf, hblks, data, len)) {
        c->why = "a record between the log's tail and head fails its checksum";
        return 0;
    }
    /* xlog_unpack_data: the first word of data block i is in the header's
     * h_cycle_data[i], past 64 in extended header i / 64's xh_cycle_data */
    for (uint64_t i = 0; i < bblks; i++) {
        uint64_t j = i / (XLOG_CYCLE_SIZE / 512), k = i % (XLOG_CYCLE_SIZE / 512);
        if (j >= hblks) {
            c->why = "a record between the log's tail and head is not one XFS writes";
            return 0;
        }
        memcpy(data + i * 512, j ? buf + j * 512 + 4 + k * 4 : buf + 44 + k * 4, 4);
    }
    *blocks = hblks + bblks;
    return 0;
}

/* The operations of a record read by xl_record (xlog_recover_process_data:
 * h_num_logops of them within h_len). */
static void xl_record_ops(xl_cover_t *c, const uint8_t *h, const uint8_t *data)
{
    uint32_t len = lr_get_be32(h + 12), ops = lr_get_be32(h + 40), at = 0;
    for (; ops && at < len && !c->why; ops--) {
        if (len - at < 12 || lr_get_be32(data + at + 4) > len - at - 12) {
            c->why = "an operation in the log runs past its record";
            return;
        }
        xl_op(c, data + at, data + at + 12);
        at += 12 + lr_get_be32(data + at + 4);
    }
}

/* The walk from the tail (blk) over `left` blocks; c->why when it is not
 * a covering. */
static int xl_cover_walk(xl_t *l, xl_cover_t *c, uint64_t blk, uint64_t left, uint8_t *buf,
                         lr_error_t *err)
{
    const uint8_t *p;
    int rc = xl_bb(l, blk, &p, err);
    if (rc)
        return rc;
    if (lr_get_be32(p) != XLOG_MAGIC || lr_get_be64(p + 16) != l->tail_lsn) {
        c->why = "the log's tail names no record";
        return 0;
    }
    xl_geo_t g = {xl_hblks(l, p), l->v2 ? lr_get_be32(p + 320) : XLOG_V1_RECORD};
    for (unsigned records = 0; left && !c->why; records++) {
        uint64_t blocks = 0;
        if (records ==
            XLOG_MAX_ICLOGS) { /* xlog_verify_head's CRC pass would start past the tail */
            c->why = "more records between the log's tail and head than a covering writes";
            return 0;
        }
        if ((rc = xl_record(l, c, &g, blk, left, buf, &blocks, err)) || c->why)
            return rc;
        xl_record_ops(c, buf, buf + g.hblks * 512);
        blk = (blk + blocks) % l->n;
        left -= blocks;
    }
    return 0;
}

/* Whether the records from the last record's tail to the head log only
 * the superblock as it lies (see above): log->state LR_XFS_LOG_COVERED
 * when so, else left dirty with the reason. At most XLOG_MAX_ICLOGS
 * records' length is walked: a covering is two small ones. */
static int xl_covered(xl_t *l, uint64_t head, lr_xfs_log_t *log, lr_error_t *err)
{
    uint64_t n = l->n, blk = (uint32_t)l->tail_lsn;
    uint64_t left = (head + n - blk) % n, limit = XLOG_MAX_ICLOGS * l->record;
    if (blk >= n || !left || left > limit || l->fs->sectsize < 512) {
        log->why = "the log's last record is not an unmount record, and its tail is not a "
                   "covering's";
        return 0;
    }
    xl_cover_t c = {.sectsize = l->fs->sectsize};
    uint8_t *sb = malloc(l->fs->sectsize);
    uint8_t *buf = malloc((size_t)(XLOG_MAX_HBLKS * 512 + XLOG_V2_RECORD));
    int rc = sb && buf ? 0 : lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (!rc)
        rc = xf_read(l->fs, sb, l->fs->sectsize, 0, NULL, err);
    c.sb = sb;
    if (!rc)
        rc = xl_cover_walk(l, &c, blk, left, buf, err);
    free(buf);
    free(sb);
    if (!rc && !c.why) {
        log->state = LR_XFS_LOG_COVERED;
        log->why = NULL;
    } else if (!rc) {
        log->why = c.why;
    }
    return rc;
}

int lr_xfs_log(lr_xfs_t *fs, lr_xfs_log_t *log, lr_error_t *err)
{
    *log = (lr_xfs_log_t){LR_XFS_LOG_UNKNOWN, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0, NULL};
    uint64_t lin, n = (uint64_t)fs->logblocks * fs->bs / 512;
    if (!fs->logstart) {
        log->why = "an external log";
        return 0;
    }
    /* an internal log lies within one allocation group */
    if (!fs->logblocks || !xf_fsb_linear(fs, fs->logstart, &lin) ||
        (fs->logstart & ((1ull << fs->agblklog) - 1)) + fs->logblocks > fs->agblocks ||
        lin + fs->logblocks > fs->dblocks) {
        log->why = "the log lies outside the filesystem";
        return 0;
    }
    if (n > XLOG_MAX_BB) {
        log->why = "a log larger than 4 GiB";
        return 0;
    }
    xl_t l = {fs,        lin * fs->bs,
              n,         (fs->logv2 ? XLOG_V2_RECORD : XLOG_V1_RECORD) / 512,
              fs->logv2, malloc(XLOG_CHUNK * 512),
              0,         0,
              NULL,      0};
    if (!l.chunk) {
        log->why = "out of memory";
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    uint64_t head = 0;
    int rc = xl_head(&l, &head, err);
    if (!rc && !l.why) {
        log->head = head;
        rc = xl_last_record(&l, head, log, err);
    }
    if (!rc && !l.why && log->state == LR_XFS_LOG_DIRTY)
        rc = xl_covered(&l, head, log, err);
    free(l.chunk);
    if (rc || l.why) {
        log->state = LR_XFS_LOG_UNKNOWN;
        log->why = rc ? "the log does not read" : l.why;
    }
    return rc;
}

int lr_xfs_log_state(lr_xfs_t *fs, int *state, lr_error_t *err)
{
    lr_xfs_log_t log;
    int rc = lr_xfs_log(fs, &log, err);
    *state = log.state;
    return rc;
}
