/* The kernel's verifiers (Linux 6.12, fs/xfs/libxfs) of what a log's
 * replay wrote: an inode core (xfs_dinode_verify) and a v5 metadata block
 * (its write verifier, chosen by its magic). The kernel refuses to mount
 * (-EFSCORRUPTED) a log whose replayed inodes or buffers fail them, so the
 * replay must refuse them too.
 *
 * Checks these do not make, for want of state the bytes cannot give:
 * - xfs_log_check_lsn (a block's LSN ahead of the log's head): the head
 *   is the replay's, not the block's; the caller has it.
 * - the free-space, rmap and refcount B+trees' level against the AGF's
 *   (pagf_*_level): during log recovery the kernel's perag is not yet
 *   initialised from the AGF, so it checks against m_*_maxlevels, as here.
 * - xfs_validate_sb_common's logdev checks (sb_logstart 0 with no log
 *   device named at mount, or the reverse): mount options.
 * - xfs_validate_sb_write's unknown ro_compat features on a read-only
 *   mount (taken as read-write: the replay writes).
 * - xfs_dinode_verify's realtime flag without a realtime device: taken as
 *   present exactly when sb_rblocks is not 0 (the kernel refuses to mount
 *   such a filesystem without one).
 * - CRCs: the write verifiers stamp them, they do not check them.
 * - the directory data blocks' __xfs_dir3_data_check (their entries and
 *   free-space table) and the attribute leaves' entries
 *   (xfs_attr3_leaf_verify_entry): only their headers are checked. */
#include <string.h>

#include "le.h"
#include "xfs_int.h"

/* ---- the superblock's features and geometry ----------------------------- */

/* struct xfs_dsb's offsets (xfs_format.h). */
#define SB_BLOCKSIZE 4u
#define SB_DBLOCKS 8u
#define SB_RBLOCKS 16u
#define SB_REXTENTS 24u
#define SB_LOGSTART 48u
#define SB_REXTSIZE 80u
#define SB_AGBLOCKS 84u
#define SB_AGCOUNT 88u
#define SB_RBMBLOCKS 92u
#define SB_LOGBLOCKS 96u
#define SB_VERSIONNUM 100u
#define SB_SECTSIZE 102u
#define SB_INODESIZE 104u
#define SB_INOPBLOCK 106u
#define SB_BLOCKLOG 120u
#define SB_SECTLOG 121u
#define SB_INODELOG 122u
#define SB_INOPBLOG 123u
#define SB_AGBLKLOG 124u
#define SB_REXTSLOG 125u
#define SB_INPROGRESS 126u
#define SB_IMAX_PCT 127u
#define SB_ICOUNT 128u
#define SB_IFREE 136u
#define SB_FDBLOCKS 144u
#define SB_FREXTENTS 152u
#define SB_QFLAGS 176u
#define SB_SHARED_VN 179u
#define SB_INOALIGNMT 180u
#define SB_UNIT 184u
#define SB_WIDTH 188u
#define SB_DIRBLKLOG 192u
#define SB_LOGSECTLOG 193u
#define SB_LOGSECTSIZE 194u
#define SB_LOGSUNIT 196u
#define SB_FEATURES2 200u
#define SB_RO_COMPAT 212u
#define SB_INCOMPAT 216u
#define SB_LOG_INCOMPAT 220u
#define SB_SPINO_ALIGN 228u

#define VER_NUMBITS 0x000fu
#define VER_ALIGN 0x0080u
#define VER_DALIGN 0x0100u
#define VER_SHARED 0x0200u
#define VER_SECTOR 0x0800u
#define VER_EXTFLG 0x1000u
#define VER_DIRV2 0x2000u
#define VER_MOREBITS 0x8000u
#define VER_OKBITS (0xffffu & ~VER_SHARED) /* XFS_SB_VERSION_OKBITS */
#define VER_V5_NEEDED 0xb4a0u              /* NLINK ALIGN LOGV2 EXTFLG DIRV2 MOREBITS */
#define F2_LAZYSBCOUNT 0x2u
#define F2_OKBITS 0x28au    /* LAZYSBCOUNT ATTR2 PROJID32 FTYPE */
#define F2_V5_NEEDED 0x18au /* LAZYSBCOUNT ATTR2 PROJID32 CRC */
#define F2_CRC 0x100u
#define RO_FINOBT 0x1u
#define RO_RMAPBT 0x2u
#define RO_REFLINK 0x4u
#define RO_ALL 0xfu
#define IN_BIGTIME 0x8u
#define IN_NREXT64 0x20u
#define IN_ALL 0xffu
#define LOGIN_ALL 0x1u
#define Q_OQUOTA 0x0030u  /* XFS_OQUOTA_ENFD | XFS_OQUOTA_CHKD */
#define Q_PGQUOTA 0x0780u /* XFS_{P,G}QUOTA_{ENFD,CHKD} */
#define NULLAGBLOCK 0xffffffffu
#define NULLFSBLOCK UINT64_MAX
#define MAX_BMBT_EXTLEN 0x1fffffu /* XFS_MAX_BMBT_EXTLEN */

/* What the kernel's mount derives from the superblock (struct xfs_mount's
 * m_* fields, xfs_ialloc_setup_geometry, xfs_*_compute_maxlevels). */
typedef struct xv_geo {
    const lr_xfs_t *fs;
    const uint8_t *sb;
    uint32_t bs, blocklog, sectsize, agblocks, agcount, inodesize, ro, incompat;
    uint64_t dblocks;
    bool v5, has_rt, finobt, rmapbt, reflink, bigtime, nrext64, lazy;
    uint32_t agfl_block; /* XFS_AGFL_BLOCK */
    uint32_t cluster_align;
    uint32_t alloc_mxr[2], inobt_mxr[2], rmap_mxr[2], refc_mxr[2], bmap_mxr[2];
    uint32_t alloc_maxlevels, inobt_maxlevels, rmap_maxlevels, refc_maxlevels;
    uint32_t bm_maxlevels[2];
    uint32_t dir_blksize;
} xv_geo_t;

static uint32_t xv_be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint64_t xv_howmany(uint64_t a, uint64_t b)
{
    return b ? (a + b - 1) / b : 0;
}

/* xfs_btree_compute_maxlevels. */
static uint32_t xv_maxlevels(const uint32_t *mnr, uint64_t records)
{
    uint64_t blocks = xv_howmany(records, mnr[0]);
    uint32_t height = 1;
    while (blocks > 1 && mnr[1] > 1) {
        blocks = xv_howmany(blocks, mnr[1]);
        height++;
    }
    return height;
}

/* xfs_btree_space_to_height: a reflink filesystem's rmap B+tree. */
static uint32_t xv_space_to_height(const uint32_t *mnr, uint64_t leaf_blocks)
{
    uint64_t node = 2, left = leaf_blocks - 1;
    uint32_t height = 1;
    if (leaf_blocks < 1)
        return 0;
    while (node < left && mnr[1] > 1) {
        left -= node;
        node *= mnr[1];
        height++;
    }
    return height;
}

/* The maximum records of a block whose header takes hdr bytes: a leaf's
 * records of rec bytes, a node's keys and pointers of node bytes. */
static void xv_mxr(uint32_t *mxr, uint32_t bs, uint32_t hdr, uint32_t rec, uint32_t node)
{
    uint32_t len = bs > hdr ? bs - hdr : 0;
    mxr[0] = len / rec;
    mxr[1] = len / node;
}

/* xfs_bmap_compute_maxlevels: a fork of at most maxleaf extents whose
 * root in the inode holds maxroot records at least. */
static uint32_t xv_bm_maxlevels(const xv_geo_t *g, uint64_t maxleaf, uint32_t maxroot)
{
    uint32_t mnr[2] = {g->bmap_mxr[0] / 2, g->bmap_mxr[1] / 2};
    uint64_t blocks = xv_howmany(maxleaf, mnr[0]);
    uint32_t level = 1;
    for (; blocks > 1 && mnr[1] > 1; level++)
        blocks = blocks <= maxroot ? 1 : xv_howmany(blocks, mnr[1]);
    return level;
}

/* xfs_ialloc_setup_geometry's cluster alignment. */
static uint32_t xv_cluster_align(const xv_geo_t *g)
{
    uint32_t raw = 8192; /* XFS_INODE_BIG_CLUSTER_SIZE */
    uint32_t inoalign = lr_get_be32(g->sb + SB_INOALIGNMT);
    if (g->v5 && inoalign >= ((raw * (g->inodesize / 256)) >> g->blocklog))
        raw *= g->inodesize / 256;
    uint32_t per_cluster = raw > g->bs ? raw >> g->blocklog : 1;
    if ((xv_be16(g->sb + SB_VERSIONNUM) & VER_ALIGN) && inoalign >= per_cluster)
        return inoalign;
    return 1;
}

static void xv_geo(xv_geo_t *g, const lr_xfs_t *fs, const uint8_t *sb)
{
    memset(g, 0, sizeof(*g));
    g->fs = fs;
    g->sb = sb;
    g->bs = fs->bs;
    g->blocklog = sb[SB_BLOCKLOG] >= 9 && sb[SB_BLOCKLOG] <= 16 ? sb[SB_BLOCKLOG] : 12;
    g->sectsize = fs->sectsize;
    g->agblocks = fs->agblocks;
    g->agcount = fs->agcount;
    g->dblocks = fs->dblocks;
    g->inodesize = fs->inodesize;
    g->v5 = fs->v5;
    g->ro = lr_get_be32(sb + SB_RO_COMPAT);
    g->incompat = lr_get_be32(sb + SB_INCOMPAT);
    g->has_rt = lr_get_be64(sb + SB_RBLOCKS) != 0;
    g->finobt = g->v5 && (g->ro & RO_FINOBT);
    g->rmapbt = g->v5 && (g->ro & RO_RMAPBT);
    g->reflink = g->v5 && (g->ro & RO_REFLINK);
    g->bigtime = g->v5 && (g->incompat & IN_BIGTIME);
    g->nrext64 = g->v5 && (g->incompat & IN_NREXT64);
    g->lazy = g->v5 || ((xv_be16(sb + SB_VERSIONNUM) & VER_MOREBITS) &&
                        (lr_get_be32(sb + SB_FEATURES2) & F2_LAZYSBCOUNT));
    g->agfl_block = (3u * (g->sectsize >> 9)) >> (g->blocklog - 9);
    g->cluster_align = xv_cluster_align(g);
    uint32_t shdr = g->v5 ? XFS_SBLOCK_V5 : XFS_SBLOCK_V4;
    xv_mxr(g->alloc_mxr, g->bs, shdr, 8, 12);
    xv_mxr(g->inobt_mxr, g->bs, shdr, 16, 8);
    xv_mxr(g->rmap_mxr, g->bs, XFS_SBLOCK_V5, 24, 44);
    xv_mxr(g->refc_mxr, g->bs, XFS_SBLOCK_V5, 12, 8);
    xv_mxr(g->bmap_mxr, g->bs, g->v5 ? XFS_LBLOCK_V5 : XFS_LBLOCK_V4, 16, 16);
    uint32_t mnr[2] = {g->alloc_mxr[0] / 2, g->alloc_mxr[1] / 2};
    g->alloc_maxlevels = xv_maxlevels(mnr, ((uint64_t)g->agblocks + 1) / 2);
    mnr[0] = g->inobt_mxr[0] / 2;
    mnr[1] = g->inobt_mxr[1] / 2;
    uint32_t agino_log = (uint32_t)fs->inopblog + fs->agblklog;
    g->inobt_maxlevels = xv_maxlevels(mnr, agino_log < 64 ? (1ull << agino_log) >> 6 : 0);
    mnr[0] = g->rmap_mxr[0] / 2;
    mnr[1] = g->rmap_mxr[1] / 2;
    if (g->rmapbt)
        g->rmap_maxlevels =
            g->reflink ? xv_space_to_height(mnr, g->agblocks) : xv_maxlevels(mnr, g->agblocks);
    mnr[0] = g->refc_mxr[0] / 2;
    mnr[1] = g->refc_mxr[1] / 2;
    if (g->reflink)
        g->refc_maxlevels = xv_maxlevels(mnr, g->agblocks);
    /* data and attribute forks: XFS_MAX_EXTCNT_*, MINDBTPTRS 3, MINABTPTRS 2 */
    g->bm_maxlevels[0] = xv_bm_maxlevels(g, g->nrext64 ? (1ull << 48) - 1 : (1ull << 31) - 1, 3);
    g->bm_maxlevels[1] = xv_bm_maxlevels(g, g->nrext64 ? (1ull << 32) - 1 : (1ull << 15) - 1, 2);
    uint32_t dirlog = sb[SB_DIRBLKLOG] <= 16 - g->blocklog ? sb[SB_DIRBLKLOG] : 0;
    g->dir_blksize = g->bs << dirlog;
}

/* xfs_ag_block_count: the last group may be short. */
static uint32_t xv_ag_blocks(const xv_geo_t *g, uint32_t agno)
{
    if (agno + 1 < g->agcount)
        return g->agblocks;
    uint64_t before = (uint64_t)agno * g->agblocks;
    return g->dblocks > before ? (uint32_t)(g->dblocks - before) : 0;
}

/* xfs_verify_agno_agbno (and xfs_verify_agbno with the mount-time perag):
 * past the AG's headers and inside it. */
static bool xv_agbno_ok(const xv_geo_t *g, uint32_t agno, uint32_t agbno)
{
    return agbno < xv_ag_blocks(g, agno) && agbno > g->agfl_block;
}

/* xfs_verify_fsbno. */
static bool xv_fsbno_ok(const xv_geo_t *g, uint64_t fsb)
{
    uint64_t agno = fsb >> g->fs->agblklog;
    if (agno >= g->agcount)
        return false;
    return xv_agbno_ok(g, (uint32_t)agno, (uint32_t)(fsb & ((1ull << g->fs->agblklog) - 1)));
}

/* xfs_agino_range: [first, last] inode of AG agno. */
static void xv_agino_range(const xv_geo_t *g, uint32_t agno, uint64_t *first, uint64_t *last)
{
    uint32_t ca = g->cluster_align ? g->cluster_align : 1;
    uint64_t bno = ((uint64_t)g->agfl_block + 1 + ca - 1) / ca * ca;
    *first = bno << g->fs->inopblog;
    bno = (uint64_t)xv_ag_blocks(g, agno) / ca * ca;
    *last = (bno << g->fs->inopblog) - 1;
}

/* xfs_verify_ino. */
static bool xv_ino_ok(const xv_geo_t *g, uint64_t ino)
{
    uint32_t agino_log = (uint32_t)g->fs->inopblog + g->fs->agblklog;
    if (agino_log >= 64)
        return false;
    uint64_t agno = ino >> agino_log, agino = ino & ((1ull << agino_log) - 1), first, last;
    if (agno >= g->agcount)
        return false;
    xv_agino_range(g, (uint32_t)agno, &first, &last);
    return agino >= first && agino <= last;
}

/* ---- the inode ---------------------------------------------------------- */

/* struct xfs_dinode's offsets. */
#define DI_MODE 2u
#define DI_VERSION 4u
#define DI_FORMAT 5u
#define DI_ONLINK 6u
#define DI_NLINK 16u
#define DI_BIG_NEXTENTS 24u /* also di_v3_pad */
#define DI_SIZE 56u
#define DI_NBLOCKS 64u
#define DI_EXTSIZE 72u
#define DI_NEXTENTS 76u  /* also di_big_anextents */
#define DI_ANEXTENTS 80u /* also di_nrext64_pad */
#define DI_FORKOFF 82u
#define DI_AFORMAT 83u
#define DI_FLAGS 90u
#define DI_FLAGS2 120u
#define DI_COWEXTSIZE 128u
#define DI_INO 152u
#define DI_UUID 160u

#define FMT_DEV 0u
#define FMT_LOCAL 1u
#define FMT_EXTENTS 2u
#define FMT_BTREE 3u
#define S_FMT 0170000u
#define S_REG 0100000u
#define S_DIR 0040000u
#define S_LNK 0120000u
#define S_CHR 0020000u
#define S_BLK 0060000u
#define S_FIFO 0010000u
#define S_SOCK 0140000u
#define DIFLAG_REALTIME 0x1u
#define DIFLAG_EXTSIZE 0x800u
#define DIFLAG_EXTSZINHERIT 0x1000u
#define DIFLAG2_REFLINK 0x2u
#define DIFLAG2_COWEXTSIZE 0x4u
#define DIFLAG2_BIGTIME 0x8u

/* The inode as xfs_dinode_verify reads it. */
typedef struct xv_ino {
    const xv_geo_t *g;
    const uint8_t *dip;
    uint32_t mode, version, format, aformat, forkoff, flags;
    uint64_t size, flags2, nextents, naextents;
    bool large; /* xfs_dinode_has_large_extent_counts */
    uint32_t litino;
} xv_ino_t;

/* xfs_mode_to_ftype: a mode of none of the file types. */
static bool xv_mode_known(uint32_t mode)
{
    switch (mode & S_FMT) {
    case S_REG:
    case S_DIR:
    case S_LNK:
    case S_CHR:
    case S_BLK:
    case S_FIFO:
    case S_SOCK:
        return true;
    default:
        return false;
    }
}

/* XFS_DFORK_SIZE: data (attr false) or attribute fork. */
static uint32_t xv_fork_size(const xv_ino_t *in, bool attr)
{
    uint32_t boff = in->forkoff << 3;
    if (!attr)
        return in->forkoff ? boff : in->litino;
    return in->forkoff ? (in->litino > boff ? in->litino - boff : 0) : 0;
}

/* xfs_dinode_verify_fork. */
static const char *xv_fork(const xv_ino_t *in, bool attr)
{
    uint32_t fsize = xv_fork_size(in, attr), fmt = attr ? in->aformat : in->format;
    uint32_t type = in->mode & S_FMT;
    uint64_t n = attr ? in->naextents : in->nextents;
    if (!attr) {
        /* a directory small enough to fit in the inode is local */
        if (type == S_DIR && in->size && in->size <= fsize && fmt != FMT_LOCAL)
            return "inode: a small directory not in local format";
        if (type == S_LNK && in->size <= fsize && fmt != FMT_EXTENTS && fmt != FMT_LOCAL)
            return "inode: a short symlink neither local nor extents";
        if (in->size > fsize && fmt == FMT_LOCAL)
            return "inode: local data larger than the fork";
    }
    switch (fmt) {
    case FMT_LOCAL:
        if (type == S_REG && !attr)
            return "inode: a local regular file";
        if (n)
            return "inode: a local fork with extents";
        return NULL;
    case FMT_EXTENTS:
        if (n > fsize / 16) /* XFS_DFORK_MAXEXT */
            return "inode: more extents than the fork holds";
        return NULL;
    case FMT_BTREE: {
        uint64_t max = attr ? (in->large ? (1ull << 32) - 1 : (1ull << 15) - 1)
                            : (in->large ? (1ull << 48) - 1 : (1ull << 31) - 1);
        if (n > max) /* xfs_iext_max_nextents */
            return "inode: more extents than the fork's count allows";
        return NULL;
    }
    default:
        return attr ? "inode: an attribute fork of an unknown format"
                    : "inode: a data fork of an unknown format";
    }
}

/* xfs_dinode_verify_forkoff. */
static const char *xv_forkoff(const xv_ino_t *in)
{
    if (!in->forkoff)
        return NULL;
    switch (in->format) {
    case FMT_DEV:
        if (in->forkoff != 1) /* roundup(sizeof(xfs_dev_t), 8) >> 3 */
            return "inode: a device's fork offset not 1";
        return NULL;
    case FMT_LOCAL:
    case FMT_EXTENTS:
    case FMT_BTREE:
        if (in->forkoff >= in->litino >> 3)
            return "inode: the fork offset past the literal area";
        return NULL;
    default:
        return "inode: a fork offset with an unknown data format";
    }
}

/* xfs_dinode_verify_nrext64: large extent counts only where the
 * superblock has them; the padding they leave is zero. */
static const char *xv_nrext64(const xv_ino_t *in)
{
    if (in->large) {
        if (!in->g->nrext64)
            return "inode: large extent counts the filesystem lacks";
        if (xv_be16(in->dip + DI_ANEXTENTS) != 0)
            return "inode: di_nrext64_pad not zero";
    } else if (in->version >= 3 && lr_get_be64(in->dip + DI_BIG_NEXTENTS) != 0) {
        return "inode: di_v3_pad not zero";
    }
    return NULL;
}

/* xfs_inode_validate_extsize. */
static const char *xv_extsize(const xv_ino_t *in)
{
    const xv_geo_t *g = in->g;
    uint32_t extsize = lr_get_be32(in->dip + DI_EXTSIZE), type = in->mode & S_FMT;
    bool rt = in->flags & DIFLAG_REALTIME, hint = in->flags & DIFLAG_EXTSIZE;
    bool inherit = in->flags & DIFLAG_EXTSZINHERIT;
    uint64_t bytes = (uint64_t)extsize << g->blocklog;
    uint64_t unit = rt ? (uint64_t)lr_get_be32(g->sb + SB_REXTSIZE) << g->blocklog : g->bs;
    /* the kernel computes both in 32 bits */
    bytes &= 0xffffffffu;
    unit &= 0xffffffffu;
    if ((hint || inherit) && type != S_DIR && type != S_REG)
        return "inode: an extent size hint on neither file nor directory";
    if (hint && type != S_REG)
        return "inode: EXTSIZE on a non-regular file";
    if (inherit && type != S_DIR)
        return "inode: EXTSZINHERIT on a non-directory";
    if ((hint || inherit) && extsize == 0)
        return "inode: an extent size hint of 0";
    if (in->mode && !(hint || inherit) && extsize != 0)
        return "inode: an extent size without its flag";
    if (unit == 0 || bytes % unit)
        return "inode: an extent size hint not a multiple of the block size";
    if (extsize > MAX_BMBT_EXTLEN)
        return "inode: an extent size hint over the longest extent";
    if (!rt && extsize > g->agblocks / 2)
        return "inode: an extent size hint over half an AG";
    return NULL;
}

/* xfs_inode_validate_cowextsize. */
static const char *xv_cowextsize(const xv_ino_t *in)
{
    const xv_geo_t *g = in->g;
    uint32_t cow = lr_get_be32(in->dip + DI_COWEXTSIZE), type = in->mode & S_FMT;
    bool rt = in->flags & DIFLAG_REALTIME, hint = in->flags2 & DIFLAG2_COWEXTSIZE;
    uint64_t bytes = ((uint64_t)cow << g->blocklog) & 0xffffffffu;
    if (hint && !g->reflink)
        return "inode: a CoW extent size hint without reflink";
    if (hint && type != S_DIR && type != S_REG)
        return "inode: a CoW extent size hint on neither file nor directory";
    if (hint && cow == 0)
        return "inode: a CoW extent size hint of 0";
    if (in->mode && !hint && cow != 0)
        return "inode: a CoW extent size without its flag";
    if (hint && rt)
        return "inode: a CoW extent size hint on a realtime file";
    if (bytes % g->bs)
        return "inode: a CoW extent size hint not a multiple of the block size";
    if (cow > MAX_BMBT_EXTLEN)
        return "inode: a CoW extent size hint over the longest extent";
    if (cow > g->agblocks / 2)
        return "inode: a CoW extent size hint over half an AG";
    return NULL;
}

/* xfs_dinode_verify's v3 header: the version the filesystem's, the
 * inode's own number and the filesystem's uuid (the CRC is the caller's:
 * made already). */
static const char *xv_v3hdr(const xv_ino_t *in, uint64_t ino)
{
    if (!in->g->v5)
        return "inode: a v3 inode on a v4 filesystem";
    if (lr_get_be64(in->dip + DI_INO) != ino)
        return "inode: di_ino not the inode's number";
    if (memcmp(in->dip + DI_UUID, in->g->fs->uuid, 16) != 0)
        return "inode: di_uuid not the filesystem's";
    return NULL;
}

/* xfs_dinode_verify's counts: links, size, mode, extents, blocks. */
static const char *xv_counts(const xv_ino_t *in)
{
    const uint8_t *dip = in->dip;
    uint32_t type = in->mode & S_FMT;
    if (in->version >= 2 && xv_be16(dip + DI_ONLINK))
        return "inode: di_onlink not zero";
    if (in->size & (1ull << 63))
        return "inode: a negative size";
    if (in->mode && !xv_mode_known(in->mode))
        return "inode: a mode of no file type";
    /* no empty symlinks or directories unless unlinked */
    if ((type == S_LNK || type == S_DIR) && in->size == 0) {
        if (in->version > 1 ? lr_get_be32(dip + DI_NLINK) != 0 : xv_be16(dip + DI_ONLINK) != 0)
            return "inode: an empty directory or symlink still linked";
    }
    const char *why = xv_nrext64(in);
    if (why)
        return why;
    uint64_t nblocks = lr_get_be64(dip + DI_NBLOCKS), n = in->nextents + in->naextents;
    if (in->mode && n > nblocks)
        return "inode: more extents than blocks";
    if (n == 0 && nblocks != 0)
        return "inode: blocks without extents";
    if (type == S_DIR && in->nextents > (3ull << 35) >> in->g->blocklog)
        return "inode: a directory of more extents than its spaces hold";
    if (in->mode && (in->forkoff << 3) > in->g->inodesize)
        return "inode: the attribute fork past the inode";
    if (in->mode && (in->flags & DIFLAG_REALTIME) && !in->g->has_rt)
        return "inode: a realtime file without a realtime device";
    return NULL;
}

/* xfs_dinode_verify's forks: each the format its mode allows. */
static const char *xv_forks(const xv_ino_t *in)
{
    const char *why = xv_forkoff(in);
    if (why)
        return why;
    switch (in->mode & S_FMT) {
    case S_FIFO:
    case S_CHR:
    case S_BLK:
    case S_SOCK:
        if (in->format != FMT_DEV)
            return "inode: a device not in device format";
        break;
    case S_REG:
    case S_LNK:
    case S_DIR:
        why = xv_fork(in, false);
        if (why)
            return why;
        break;
    case 0:
        break; /* not yet used */
    default:
        return "inode: a mode of no file type";
    }
    if (in->forkoff)
        return xv_fork(in, true);
    /* no attribute fork: zeroed in a new cluster, else extents, empty */
    if (in->aformat != 0 && in->aformat != FMT_EXTENTS)
        return "inode: no attribute fork but an attribute format";
    if (in->naextents)
        return "inode: no attribute fork but attribute extents";
    return NULL;
}

/* xfs_dinode_verify's v3 flags: reflink, CoW hints, big timestamps. */
static const char *xv_flags2(const xv_ino_t *in)
{
    uint64_t f2 = in->flags2;
    if ((f2 & (DIFLAG2_REFLINK | DIFLAG2_COWEXTSIZE)) && !in->g->reflink)
        return "inode: reflink flags without reflink";
    if ((f2 & DIFLAG2_REFLINK) && (in->mode & S_FMT) != S_REG)
        return "inode: reflink on a non-regular file";
    if ((f2 & DIFLAG2_REFLINK) && (in->flags & DIFLAG_REALTIME))
        return "inode: reflink on a realtime file";
    const char *why = xv_cowextsize(in);
    if (why)
        return why;
    if ((f2 & DIFLAG2_BIGTIME) && !in->g->bigtime)
        return "inode: big timestamps the filesystem lacks";
    return NULL;
}

static const char *xv_dinode(const xv_geo_t *g, uint64_t ino, const uint8_t *dip)
{
    xv_ino_t in = {.g = g, .dip = dip};
    if (xv_be16(dip) != 0x494e) /* XFS_DINODE_MAGIC */
        return "inode: not IN";
    in.mode = xv_be16(dip + DI_MODE);
    in.version = dip[DI_VERSION];
    in.format = dip[DI_FORMAT];
    in.forkoff = dip[DI_FORKOFF];
    in.aformat = dip[DI_AFORMAT];
    in.flags = xv_be16(dip + DI_FLAGS);
    in.size = lr_get_be64(dip + DI_SIZE);
    /* a v4 core ends before di_flags2: read it only on a v3 */
    in.flags2 = in.version >= 3 ? lr_get_be64(dip + DI_FLAGS2) : 0;
    in.large = in.version >= 3 && (in.flags2 & XFS_DIFLAG2_NREXT64);
    in.nextents = in.large ? lr_get_be64(dip + DI_BIG_NEXTENTS) : lr_get_be32(dip + DI_NEXTENTS);
    in.naextents = in.large ? lr_get_be32(dip + DI_NEXTENTS) : xv_be16(dip + DI_ANEXTENTS);
    /* XFS_LITINO: by the filesystem's inode version, not the inode's */
    uint32_t core = g->v5 ? XFS_DINODE_V3 : XFS_DINODE_V2;
    in.litino = g->inodesize > core ? g->inodesize - core : 0;
    const char *why = in.version >= 3 ? xv_v3hdr(&in, ino) : NULL;
    if (!why)
        why = xv_counts(&in);
    if (!why)
        why = xv_forks(&in);
    if (!why)
        why = xv_extsize(&in);
    if (why || in.version < 3)
        return why;
    return xv_flags2(&in);
}

const char *xf_dinode_verify(const lr_xfs_t *fs, const uint8_t *sb, uint64_t ino,
                             const uint8_t *dip)
{
    if (!fs || !sb || !dip || fs->inodesize < XFS_DINODE_V2)
        return "inode: no inode";
    if (fs->v5 && fs->inodesize < XFS_DINODE_V3)
        return "inode: shorter than a v3 core";
    xv_geo_t g;
    xv_geo(&g, fs, sb);
    return xv_dinode(&g, ino, dip);
}

/* ---- the superblock ----------------------------------------------------- */

/* xfs_sb_good_version (and xfs_sb_validate_v5_features). */
static const char *xv_sb_version(const uint8_t *sb)
{
    uint32_t ver = xv_be16(sb + SB_VERSIONNUM), f2 = lr_get_be32(sb + SB_FEATURES2);
    if ((ver & VER_NUMBITS) == 5) {
        if ((ver & ~VER_OKBITS) || (f2 & ~(F2_OKBITS | F2_CRC)))
            return "superblock: unknown v4 feature bits";
        if ((ver & VER_V5_NEEDED) != VER_V5_NEEDED || (f2 & F2_V5_NEEDED) != F2_V5_NEEDED)
            return "superblock: a v5 without the v4 features it implies";
        return NULL;
    }
    if ((ver & VER_NUMBITS) != 4)
        return "superblock: a version before 4";
    if ((ver & ~VER_OKBITS) || ((ver & VER_MOREBITS) && (f2 & ~F2_OKBITS)))
        return "superblock: unknown v4 feature bits";
    if (!(ver & VER_DIRV2) || !(ver & VER_EXTFLG))
        return "superblock: a v4 without v2 directories or unwritten extents";
    return NULL;
}

/* xfs_validate_sb_common's v5 features: block size, quota bits, sparse
 * inode alignment. */
static const char *xv_sb_v5(const uint8_t *sb)
{
    uint32_t bs = lr_get_be32(sb + SB_BLOCKSIZE), q = xv_be16(sb + SB_QFLAGS);
    uint32_t spino = lr_get_be32(sb + SB_SPINO_ALIGN), inoalign = lr_get_be32(sb + SB_INOALIGNMT);
    if ((xv_be16(sb + SB_VERSIONNUM) & VER_NUMBITS) != 5)
        return (q & Q_PGQUOTA) ? "superblock: a v4 with project or group quota bits" : NULL;
    if (bs < 1024)
        return "superblock: a v5 block under 1 KiB";
    if (q & Q_OQUOTA)
        return "superblock: a v5 with OQUOTA bits";
    if (lr_get_be32(sb + SB_INCOMPAT) & XFS_INCOMPAT_SPINODES) {
        uint32_t blocklog = sb[SB_BLOCKLOG] < 32 ? sb[SB_BLOCKLOG] : 31;
        if (inoalign != ((64u * xv_be16(sb + SB_INODESIZE)) >> blocklog))
            return "superblock: inode alignment not the chunk's for sparse inodes";
        if (spino && (spino > inoalign || inoalign % spino))
            return "superblock: sparse inode alignment not a factor of the chunk's";
    } else if (spino) {
        return "superblock: sparse inode alignment without sparse inodes";
    }
    return NULL;
}

static uint32_t xv_highbit64(uint64_t v)
{
    uint32_t n = 0;
    while (v >>= 1)
        n++;
    return n;
}

/* xfs_validate_sb_common's geometry ("SB sanity check failed"). */
static const char *xv_sb_geometry(const uint8_t *sb)
{
    uint32_t sect = xv_be16(sb + SB_SECTSIZE), sectlog = sb[SB_SECTLOG];
    uint32_t bs = lr_get_be32(sb + SB_BLOCKSIZE), blocklog = sb[SB_BLOCKLOG];
    uint32_t isz = xv_be16(sb + SB_INODESIZE), ilog = sb[SB_INODELOG];
    uint32_t agblocks = lr_get_be32(sb + SB_AGBLOCKS), agcount = lr_get_be32(sb + SB_AGCOUNT);
    uint64_t dblocks = lr_get_be64(sb + SB_DBLOCKS);
    uint64_t rext = (uint64_t)lr_get_be32(sb + SB_REXTSIZE) * bs;
    if (agcount == 0 || sect < 512 || sect > 32768 || sectlog < 9 || sectlog > 15 ||
        sect != 1u << sectlog)
        return "superblock: sector size";
    if (bs < 512 || bs > 65536 || blocklog < 9 || blocklog > 16 || bs != 1u << blocklog ||
        sb[SB_DIRBLKLOG] + blocklog > 16)
        return "superblock: block size";
    if (isz < 256 || isz > 2048 || ilog < 8 || ilog > 11 || isz != 1u << ilog ||
        xv_be16(sb + SB_INOPBLOCK) != (bs + isz - 1) / isz || blocklog - ilog != sb[SB_INOPBLOG])
        return "superblock: inode size";
    uint64_t agbytes = (uint64_t)agblocks << blocklog;
    uint32_t calc = agblocks ? (uint32_t)((dblocks + agblocks - 1) / agblocks) : 0;
    if (agbytes < (1ull << 24) || agbytes > (1ull << 40) ||
        sb[SB_AGBLKLOG] != xv_highbit64(agblocks - 1) + 1 || calc == 0 || calc != agcount)
        return "superblock: allocation group geometry";
    if (rext > (1ull << 30) || rext < 4096 || sb[SB_IMAX_PCT] > 100 || sb[SB_SHARED_VN] != 0)
        return "superblock: realtime extent, imax_pct or shared_vn";
    if (dblocks == 0 || dblocks > (uint64_t)agcount * agblocks ||
        dblocks < (uint64_t)(agcount - 1) * agblocks + 64)
        return "superblock: dblocks not the groups'";
    return NULL;
}

/* xfs_validate_sb_common's log and stripe geometry. */
static const char *xv_sb_log(const uint8_t *sb, bool primary)
{
    uint32_t bs = lr_get_be32(sb + SB_BLOCKSIZE), logblocks = lr_get_be32(sb + SB_LOGBLOCKS);
    uint32_t ver = xv_be16(sb + SB_VERSIONNUM), lss = xv_be16(sb + SB_LOGSECTSIZE);
    uint32_t lsl = sb[SB_LOGSECTLOG], sunit = lr_get_be32(sb + SB_LOGSUNIT);
    if (logblocks > 1024u * 1024u ||
        (uint64_t)logblocks * bs > 2ull * 1024 * 1024 * 1024 - 10ull * 1024 * 1024)
        return "superblock: a log too large";
    if ((ver & VER_SECTOR) ? (lsl >= 32 || lss != 1u << lsl) : (lss || lsl))
        return "superblock: log sector size";
    if (sunit > 1 && (sunit % bs || sunit > 262144))
        return "superblock: log stripe unit";
    uint32_t unit = lr_get_be32(sb + SB_UNIT), width = lr_get_be32(sb + SB_WIDTH);
    if (!!unit ^ !!(ver & VER_DALIGN))
        return "superblock: stripe unit without its flag";
    /* xfs_validate_stripe_geometry: on the primary the mount's sunit
     * option may override a bad one; none is known here, so it fails */
    (void)primary;
    int64_t su = (int64_t)unit * bs, sw = (int64_t)width * bs;
    if (sw > 0x7fffffff || su > sw || (su && !sw) || (!su && sw) ||
        (su && (int32_t)sw % (int32_t)su))
        return "superblock: stripe geometry";
    return NULL;
}

/* xfs_validate_rt_geometry. */
static const char *xv_sb_rt(const uint8_t *sb)
{
    uint64_t rblocks = lr_get_be64(sb + SB_RBLOCKS), rextents = lr_get_be64(sb + SB_REXTENTS);
    uint32_t rextsize = lr_get_be32(sb + SB_REXTSIZE), bs = lr_get_be32(sb + SB_BLOCKSIZE);
    uint32_t rbm = lr_get_be32(sb + SB_RBMBLOCKS);
    if (rblocks == 0) {
        if (rextents || rbm || sb[SB_REXTSLOG] || lr_get_be64(sb + SB_FREXTENTS))
            return "superblock: realtime fields without a realtime section";
        return NULL;
    }
    if (rextents == 0 || rextsize == 0 || rextents != rblocks / rextsize ||
        sb[SB_REXTSLOG] != xv_highbit64(rextents) || rbm != xv_howmany(rextents, 8ull * bs))
        return "superblock: realtime geometry";
    return NULL;
}

/* xfs_validate_sb_write: the primary's counters and the v5 features. */
static const char *xv_sb_write(const xv_geo_t *g, const uint8_t *b, bool primary)
{
    uint64_t icount = lr_get_be64(b + SB_ICOUNT), dblocks = lr_get_be64(b + SB_DBLOCKS);
    if (primary && !b[SB_INPROGRESS]) {
        uint64_t max = 0, first, last;
        for (uint32_t ag = 0; ag < g->agcount; ag++) {
            xv_agino_range(g, ag, &first, &last);
            max += last - first + 1;
        }
        if (lr_get_be64(b + SB_FDBLOCKS) > dblocks || icount < 64 || icount > max ||
            lr_get_be64(b + SB_IFREE) > icount)
            return "superblock: summary counters";
    }
    if ((xv_be16(b + SB_VERSIONNUM) & VER_NUMBITS) != 5)
        return NULL;
    if (lr_get_be32(b + SB_RO_COMPAT) & ~RO_ALL)
        return "superblock: unknown read-only compatible features";
    if (lr_get_be32(b + SB_INCOMPAT) & ~IN_ALL)
        return "superblock: unknown incompatible features";
    if (lr_get_be32(b + SB_LOG_INCOMPAT) & ~LOGIN_ALL)
        return "superblock: unknown incompatible log features";
    return NULL;
}

/* xfs_sb_write_verify: xfs_validate_sb_common, then _write. */
static const char *xv_sb(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (len < XFS_SB_NEED)
        return "superblock: short";
    const char *why = xv_sb_version(b);
    if (!why)
        why = xv_sb_v5(b);
    if (!why)
        why = xv_sb_geometry(b);
    if (!why)
        why = xv_sb_log(b, daddr == 0);
    if (!why)
        why = xv_sb_rt(b);
    if (!why) {
        uint32_t isz = xv_be16(b + SB_INODESIZE);
        if (isz != 256 && isz != 512 && isz != 1024 && isz != 2048)
            why = "superblock: an inode size not supported";
    }
    return why ? why : xv_sb_write(g, b, daddr == 0);
}

/* ---- the allocation group headers --------------------------------------- */

/* The allocation group and its block of a daddr (xfs_daddr_to_agno,
 * xfs_daddr_to_agbno). */
static void xv_daddr_ag(const xv_geo_t *g, uint64_t daddr, uint32_t *agno, uint32_t *agbno)
{
    uint64_t fsb = daddr >> (g->blocklog - 9);
    *agno = g->agblocks ? (uint32_t)(fsb / g->agblocks) : 0;
    *agbno = g->agblocks ? (uint32_t)(fsb % g->agblocks) : 0;
}

/* xfs_validate_ag_length: the group the buffer lies in, of agblocks
 * blocks unless the last, which is at least XFS_MIN_AG_BLOCKS. */
static const char *xv_ag_length(const xv_geo_t *g, uint64_t daddr, uint32_t seqno, uint32_t length)
{
    uint32_t agno, agbno;
    xv_daddr_ag(g, daddr, &agno, &agbno);
    if (seqno != agno)
        return "AG header: seqno not its group's";
    if (length != g->agblocks && (seqno != g->agcount - 1 || length < 64 || length > g->agblocks))
        return "AG header: length not the group's";
    return NULL;
}

static uint32_t xv_agfl_size(const xv_geo_t *g)
{
    return (g->sectsize - (g->v5 ? 36u : 0u)) / 4u;
}

/* xfs_agf_verify. */
static const char *xv_agf(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (len < XFS_AGF_CRC + 12)
        return "AGF: short";
    if (g->v5 && memcmp(b + 64, g->fs->uuid, 16) != 0)
        return "AGF: uuid not the filesystem's";
    if (lr_get_be32(b + 4) != 1)
        return "AGF: version not 1";
    uint32_t length = lr_get_be32(b + 12), aflsz = xv_agfl_size(g);
    const char *why = xv_ag_length(g, daddr, lr_get_be32(b + 8), length);
    if (why)
        return why;
    if (lr_get_be32(b + 40) >= aflsz || lr_get_be32(b + 44) >= aflsz || lr_get_be32(b + 48) > aflsz)
        return "AGF: free list indexes past the AGFL";
    uint32_t freeblks = lr_get_be32(b + 52);
    if (freeblks < lr_get_be32(b + 56) || freeblks > length)
        return "AGF: free blocks under the longest or over the group";
    uint32_t bno = lr_get_be32(b + 28), cnt = lr_get_be32(b + 32);
    if (bno < 1 || cnt < 1 || bno > g->alloc_maxlevels || cnt > g->alloc_maxlevels)
        return "AGF: free-space B+tree levels";
    if (g->lazy && lr_get_be32(b + 60) > length)
        return "AGF: btreeblks over the group";
    if (g->rmapbt) {
        uint32_t lvl = lr_get_be32(b + 36);
        if (lr_get_be32(b + 80) > length || lvl < 1 || lvl > g->rmap_maxlevels)
            return "AGF: rmap B+tree blocks or level";
    }
    if (g->reflink) {
        uint32_t lvl = lr_get_be32(b + 92);
        if (lr_get_be32(b + 84) > length || lvl < 1 || lvl > g->refc_maxlevels)
            return "AGF: refcount B+tree blocks or level";
    }
    return NULL;
}

/* xfs_agi_verify. */
static const char *xv_agi(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (len < 344)
        return "AGI: short";
    if (g->v5 && memcmp(b + 296, g->fs->uuid, 16) != 0)
        return "AGI: uuid not the filesystem's";
    if (lr_get_be32(b + 4) != 1)
        return "AGI: version not 1";
    const char *why = xv_ag_length(g, daddr, lr_get_be32(b + 8), lr_get_be32(b + 12));
    if (why)
        return why;
    uint32_t level = lr_get_be32(b + 24);
    if (level < 1 || level > g->inobt_maxlevels)
        return "AGI: inode B+tree level";
    uint32_t flevel = lr_get_be32(b + 332);
    if (g->finobt && (flevel < 1 || flevel > g->inobt_maxlevels))
        return "AGI: free inode B+tree level";
    for (size_t i = 0; i < 64; i++) {
        uint32_t v = lr_get_be32(b + 40 + 4 * i);
        /* the kernel passes the AG inode number as an inode number */
        if (v != 0xffffffffu && !xv_ino_ok(g, v))
            return "AGI: an unlinked bucket's inode out of range";
    }
    return NULL;
}

/* xfs_agfl_verify (v5 only: a v4 AGFL has no header). */
static const char *xv_agfl(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (!g->v5)
        return NULL;
    if (len < g->sectsize || len < 36)
        return "AGFL: short";
    if (memcmp(b + 8, g->fs->uuid, 16) != 0)
        return "AGFL: uuid not the filesystem's";
    uint32_t agno, agbno;
    xv_daddr_ag(g, daddr, &agno, &agbno);
    if (lr_get_be32(b + 4) != agno)
        return "AGFL: seqno not its group's";
    for (uint32_t i = 0, n = xv_agfl_size(g); i < n; i++) {
        uint32_t v = lr_get_be32(b + 36 + 4 * i);
        if (v != NULLAGBLOCK && v >= g->agblocks)
            return "AGFL: a block past the group";
    }
    return NULL;
}

/* ---- B+tree blocks ------------------------------------------------------ */

/* xfs_btree_agblock_v5hdr_verify. */
static const char *xv_sblock_v5hdr(const xv_geo_t *g, const uint8_t *b, uint64_t daddr)
{
    uint32_t agno, agbno;
    if (!g->v5)
        return "B+tree block: a v5 tree on a v4 filesystem";
    if (memcmp(b + 32, g->fs->uuid, 16) != 0)
        return "B+tree block: uuid not the filesystem's";
    if (lr_get_be64(b + 16) != daddr)
        return "B+tree block: bb_blkno not its address";
    xv_daddr_ag(g, daddr, &agno, &agbno);
    if (lr_get_be32(b + 48) != agno)
        return "B+tree block: owner not its group";
    return NULL;
}

/* xfs_btree_check_agblock_siblings. */
static const char *xv_ssib(const xv_geo_t *g, uint32_t agno, uint32_t agbno, uint32_t sib)
{
    if (sib == NULLAGBLOCK)
        return NULL;
    if (sib == agbno)
        return "B+tree block: a sibling pointing at itself";
    if (!xv_agbno_ok(g, agno, sib))
        return "B+tree block: a sibling outside the group";
    return NULL;
}

/* xfs_btree_agblock_verify: numrecs within maxrecs, siblings. */
static const char *xv_sblock(const xv_geo_t *g, const uint8_t *b, uint64_t daddr, uint32_t maxrecs)
{
    uint32_t agno, agbno;
    if (xv_be16(b + 6) > maxrecs)
        return "B+tree block: more records than the block holds";
    xv_daddr_ag(g, daddr, &agno, &agbno);
    const char *why = xv_ssib(g, agno, agbno, lr_get_be32(b + 8));
    return why ? why : xv_ssib(g, agno, agbno, lr_get_be32(b + 12));
}

/* xfs_allocbt_verify, xfs_inobt_verify, xfs_rmapbt_verify,
 * xfs_refcountbt_verify: which tree is the caller's (maxlevels, mxr);
 * v5only: rmap and refcount trees exist only on v5, with their feature. */
static const char *xv_short(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr,
                            uint32_t maxlevels, const uint32_t *mxr, bool feature)
{
    if (len < (g->v5 ? XFS_SBLOCK_V5 : XFS_SBLOCK_V4))
        return "B+tree block: short";
    if (!feature)
        return "B+tree block: a tree the filesystem lacks";
    if (g->v5) {
        const char *why = xv_sblock_v5hdr(g, b, daddr);
        if (why)
            return why;
    }
    uint32_t level = xv_be16(b + 4);
    if (level >= maxlevels)
        return "B+tree block: level over the tree's maximum";
    return xv_sblock(g, b, daddr, mxr[level != 0]);
}

/* xfs_btree_check_fsblock_siblings. */
static const char *xv_lsib(const xv_geo_t *g, uint64_t fsb, uint64_t sib)
{
    if (sib == NULLFSBLOCK)
        return NULL;
    if (sib == fsb)
        return "block-map block: a sibling pointing at itself";
    if (!xv_fsbno_ok(g, sib))
        return "block-map block: a sibling outside the filesystem";
    return NULL;
}

/* xfs_bmbt_verify with xfs_btree_fsblock_v5hdr_verify (owner unknown: not
 * checked) and xfs_btree_fsblock_verify. */
static const char *xv_bmbt(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (len < (g->v5 ? XFS_LBLOCK_V5 : XFS_LBLOCK_V4))
        return "block-map block: short";
    if (g->v5) {
        if (memcmp(b + 40, g->fs->uuid, 16) != 0)
            return "block-map block: uuid not the filesystem's";
        if (lr_get_be64(b + 24) != daddr)
            return "block-map block: bb_blkno not its address";
    }
    uint32_t level = xv_be16(b + 4);
    uint32_t max =
        g->bm_maxlevels[0] > g->bm_maxlevels[1] ? g->bm_maxlevels[0] : g->bm_maxlevels[1];
    if (level > max)
        return "block-map block: level over the tree's maximum";
    if (xv_be16(b + 6) > g->bmap_mxr[level != 0])
        return "block-map block: more records than the block holds";
    uint32_t agno, agbno;
    xv_daddr_ag(g, daddr, &agno, &agbno);
    uint64_t fsb = (uint64_t)agno << g->fs->agblklog | agbno; /* XFS_DADDR_TO_FSB */
    const char *why = xv_lsib(g, fsb, lr_get_be64(b + 8));
    return why ? why : xv_lsib(g, fsb, lr_get_be64(b + 16));
}

/* ---- directories, attributes, symlinks ---------------------------------- */

/* The v5 header of a directory block, a free index block
 * (xfs_dir3_block_verify, xfs_dir3_data_verify, xfs_dir3_free_verify) at
 * uuid_at and blkno_at. */
static const char *xv_v5hdr(const xv_geo_t *g, const uint8_t *b, uint64_t daddr, size_t uuid_at,
                            size_t blkno_at)
{
    if (!g->v5)
        return NULL;
    if (memcmp(b + uuid_at, g->fs->uuid, 16) != 0)
        return "directory or attribute block: uuid not the filesystem's";
    if (lr_get_be64(b + blkno_at) != daddr)
        return "directory or attribute block: blkno not its address";
    return NULL;
}

/* xfs_dir3_leaf_check_int: the entries within the block, in hash order,
 * their stale count, a leaf1's entries before its bests table and naming
 * blocks the table has. */
static const char *xv_dir_leaf(const xv_geo_t *g, const uint8_t *b, size_t len, bool leaf1)
{
    size_t hdr = g->v5 ? 64 : 16;
    uint32_t count = xv_be16(b + (g->v5 ? 56 : 12)), stale = xv_be16(b + (g->v5 ? 58 : 14));
    if (len != g->dir_blksize || len < hdr + 4)
        return NULL; /* not a directory block: nothing the kernel would read so */
    if (count > (g->dir_blksize - hdr) / 8)
        return "directory leaf: more entries than the block holds";
    uint32_t bestcount = lr_get_be32(b + len - 4);
    if (leaf1 && (hdr + 8ull * count > len - 4 - 4ull * bestcount || 4ull * bestcount > len))
        return "directory leaf: entries over the bests table";
    if (!leaf1 && hdr + 8ull * count > len)
        return "directory leaf: entries past the block";
    uint32_t seen = 0, shift = g->blocklog +
                               (g->dir_blksize > g->bs ? xv_highbit64(g->dir_blksize / g->bs) : 0);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = b + hdr + 8u * i;
        if (i + 1 < count && lr_get_be32(e) > lr_get_be32(e + 8))
            return "directory leaf: hashes out of order";
        uint32_t addr = lr_get_be32(e + 4);
        if (addr == 0)
            seen++;
        if (leaf1 && (((uint64_t)addr << 3) >> shift) >= bestcount)
            return "directory leaf: an entry past the bests table";
    }
    if (seen != stale)
        return "directory leaf: stale count wrong";
    return NULL;
}

/* xfs_da3_node_verify: level 1..XFS_DA_NODE_MAXDEPTH, entries 1..the
 * larger of a directory's and an attribute fork's node. */
static const char *xv_da_node(const xv_geo_t *g, const uint8_t *b, size_t len)
{
    size_t hdr = g->v5 ? 64 : 16;
    if (len < hdr)
        return "directory or attribute node: short";
    uint32_t count = xv_be16(b + hdr - 8 + (g->v5 ? 0 : 4));
    uint32_t level = xv_be16(b + hdr - 6 + (g->v5 ? 0 : 4));
    if (level == 0 || level > 5)
        return "directory or attribute node: level";
    if (count == 0)
        return "directory or attribute node: no entries";
    uint32_t dir = (g->dir_blksize - (uint32_t)hdr) / 8, attr = (g->bs - (uint32_t)hdr) / 8;
    if (count > dir && count > attr)
        return "directory or attribute node: more entries than a node holds";
    return NULL;
}

/* xfs_attr3_leaf_verify's header: firstused within the block and after
 * the entries, the free map 4-byte aligned within the block. */
static const char *xv_attr_leaf(const xv_geo_t *g, const uint8_t *b, size_t len)
{
    size_t hdr = g->v5 ? 80 : 32, at = g->v5 ? 56 : 12;
    if (len < hdr)
        return "attribute leaf: short";
    uint32_t count = xv_be16(b + at), firstused = xv_be16(b + at + 4);
    if (firstused == 0) /* XFS_ATTR3_LEAF_NULLOFF: a 64 KiB block's end */
        firstused = g->bs;
    if (firstused > g->bs)
        return "attribute leaf: firstused past the block";
    if (firstused < hdr)
        return "attribute leaf: firstused in the header";
    if (hdr + 8ull * count > firstused)
        return "attribute leaf: entries over the names";
    for (size_t i = 0; i < 3; i++) {
        uint32_t base = xv_be16(b + at + 8 + 4 * i), size = xv_be16(b + at + 10 + 4 * i);
        if (base > g->bs || (base & 3) || size > g->bs || (size & 3) || base + size > g->bs)
            return "attribute leaf: free map outside the block";
    }
    return NULL;
}

/* xfs_symlink_verify. */
static const char *xv_symlink(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (!g->v5)
        return NULL;
    if (len < 56)
        return "symlink block: short";
    if (memcmp(b + 16, g->fs->uuid, 16) != 0)
        return "symlink block: uuid not the filesystem's";
    if (lr_get_be64(b + 40) != daddr)
        return "symlink block: blkno not its address";
    if ((uint64_t)lr_get_be32(b + 4) + lr_get_be32(b + 8) >= 1024) /* XFS_SYMLINK_MAXLEN */
        return "symlink block: offset and length past the longest target";
    if (lr_get_be64(b + 32) == 0)
        return "symlink block: no owner";
    return NULL;
}

/* The blocks whose magic is their first 32 bits. */
static const char *xv_by_magic32(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr,
                                 bool *known)
{
    bool v5 = g->v5;
    uint32_t m = lr_get_be32(b);
    *known = true;
    switch (m) {
    case 0x58465342: /* XFSB */
        return xv_sb(g, b, len, daddr);
    case 0x58414746: /* XAGF */
        return xv_agf(g, b, len, daddr);
    case 0x58414749: /* XAGI */
        return xv_agi(g, b, len, daddr);
    case 0x5841464c: /* XAFL */
        return xv_agfl(g, b, len, daddr);
    case 0x41423342: /* ABB3 */
    case 0x41423343: /* AB3C */
        return v5 ? xv_short(g, b, len, daddr, g->alloc_maxlevels, g->alloc_mxr, true) : NULL;
    case 0x41425442: /* ABTB */
    case 0x41425443: /* ABTC */
        return v5 ? NULL : xv_short(g, b, len, daddr, g->alloc_maxlevels, g->alloc_mxr, true);
    case 0x49414233: /* IAB3 */
    case 0x46494233: /* FIB3 */
        return v5 ? xv_short(g, b, len, daddr, g->inobt_maxlevels, g->inobt_mxr, true) : NULL;
    case 0x49414254: /* IABT */
    case 0x46494254: /* FIBT */
        return v5 ? NULL : xv_short(g, b, len, daddr, g->inobt_maxlevels, g->inobt_mxr, true);
    case 0x524d4233: /* RMB3 */
        return v5 ? xv_short(g, b, len, daddr, g->rmap_maxlevels, g->rmap_mxr, g->rmapbt) : NULL;
    case 0x52334643: /* R3FC */
        return v5 ? xv_short(g, b, len, daddr, g->refc_maxlevels, g->refc_mxr, g->reflink) : NULL;
    case 0x424d4133: /* BMA3 */
        return v5 ? xv_bmbt(g, b, len, daddr) : NULL;
    case 0x424d4150: /* BMAP */
        return v5 ? NULL : xv_bmbt(g, b, len, daddr);
    case 0x58444233: /* XDB3 */
    case 0x58444433: /* XDD3 */
    case 0x58444633: /* XDF3 */
        return v5 && len >= 48 ? xv_v5hdr(g, b, daddr, 24, 8) : NULL;
    case 0x58534c4d: /* XSLM */
        return xv_symlink(g, b, len, daddr);
    default:
        *known = false;
        return NULL;
    }
}

/* The blocks whose magic is xfs_da_blkinfo's, 16 bits at byte 8, with
 * xfs_da3_blkinfo_verify's v5 header. */
static const char *xv_by_magic16(const xv_geo_t *g, const uint8_t *b, size_t len, uint64_t daddr)
{
    if (len < (g->v5 ? 56u : 12u))
        return NULL;
    uint32_t m = xv_be16(b + 8);
    uint32_t node = g->v5 ? 0x3ebe : 0xfebe, leaf1 = g->v5 ? 0x3df1 : 0xd2f1;
    uint32_t leafn = g->v5 ? 0x3dff : 0xd2ff, attr = g->v5 ? 0x3bee : 0xfbee;
    if (m != node && m != leaf1 && m != leafn && m != attr)
        return NULL;
    const char *why = xv_v5hdr(g, b, daddr, 32, 16);
    if (why)
        return why;
    if (m == node)
        return xv_da_node(g, b, len);
    if (m == attr)
        return xv_attr_leaf(g, b, len);
    return xv_dir_leaf(g, b, len, m == leaf1);
}

const char *xf_buf_verify(const lr_xfs_t *fs, const uint8_t *sb, const uint8_t *b, size_t len,
                          uint64_t daddr)
{
    if (!fs || !sb || !b || len < 4)
        return NULL;
    xv_geo_t g;
    xv_geo(&g, fs, sb);
    bool known;
    const char *why = xv_by_magic32(&g, b, len, daddr, &known);
    return known ? why : xv_by_magic16(&g, b, len, daddr);
}
