/* Private to core/src/xfs*.c: the open filesystem (lr/xfs.h's lr_xfs_t)
 * and what its files share: reading through the log's replay. */
#ifndef LR_XFS_INT_H
#define LR_XFS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/xfs.h"

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

/* The sectors (512 bytes, by their number from the filesystem's start)
 * the replay of the log changed: reads see them in place of the image's
 * (xfs.c). */
typedef struct xf_overlay xf_overlay_t;

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
    xf_overlay_t *ov; /* the log's replay: sectors it changed (NULL: none) */
    bool replayed;    /* lr_xfs_replay ran: what it found */
    lr_xfs_log_t replay;
};

/* A v5 record's CRC-32C (stored little-endian at crc_at, computed with
 * that field as zeros). */
bool xf_crc_ok(const uint8_t *p, size_t len, size_t crc_at);

/* Makes a v5 record's CRC-32C at crc_at (what xf_crc_ok checks), as the
 * kernel's write verifiers and xfs_dinode_calc_crc do. */
void xf_crc_set(uint8_t *p, size_t len, size_t crc_at);

/* The linear block of allocation group ag's block agbno, or false when
 * it lies past the group or the filesystem. */
bool xf_linear(const lr_xfs_t *fs, uint32_t ag, uint64_t agbno, uint64_t *out);

/* XFS's own block number (ag << agblklog | agbno) as a linear one. */
bool xf_fsb_linear(const lr_xfs_t *fs, uint64_t fsb, uint64_t *out);

/* Reads len bytes at byte `at` of the filesystem, charged to *budget
 * (NULL: not counted), through the log's replay when there is one. */
int xf_read(lr_xfs_t *fs, void *buf, size_t len, uint64_t at, uint64_t *budget, lr_error_t *err);

/* Sector daddr (512 bytes from the filesystem's start) as the replay
 * holds it, made from the image's when it holds none yet: *p points into
 * the overlay (valid until the next xf_sector). Returns 0, LR_ELIMIT past
 * XF_OVERLAY_MAX sectors, an I/O error, -ENOMEM. */
int xf_sector(lr_xfs_t *fs, uint64_t daddr, uint8_t **p, lr_error_t *err);

/* The sectors the replay holds at most (16 MiB). */
#define XF_OVERLAY_MAX 32768u

/* The sectors the replay holds. */
size_t xf_overlay_sectors(const lr_xfs_t *fs);

/* Drops what the replay holds: reads see the image again. */
void xf_overlay_free(lr_xfs_t *fs);

/* The kernel's xfs_dinode_verify (fs/xfs/libxfs/xfs_inode_buf.c, 6.12) of
 * inode ino at dip (fs->inodesize bytes, big-endian as on disk, its v3 CRC
 * already made), against the superblock sector sb (as it lies: features,
 * geometry): NULL when it passes, else a static reason naming the check. */
const char *xf_dinode_verify(const lr_xfs_t *fs, const uint8_t *sb, uint64_t ino,
                             const uint8_t *dip);

/* The kernel's write verifier for a v5 metadata block at daddr (512-byte
 * units from the filesystem's start), len bytes, its LSN and CRC already
 * stamped: chosen by its magic (superblock xfs_validate_sb_write/common,
 * AGF xfs_agf_verify, AGI xfs_agi_verify, AGFL xfs_agfl_verify, short-form
 * B+tree blocks (bnobt/cntbt/inobt/finobt/rmapbt/refcountbt) and the
 * block-map B+tree's long form: their *_verify functions, directory and
 * attribute blocks (xfs_dir3_*_verify, xfs_da3_node_verify,
 * xfs_attr3_leaf_verify: at least their header checks), symlink blocks
 * (xfs_symlink_verify)): NULL when it passes or the magic is none of
 * those, else a static reason. */
const char *xf_buf_verify(const lr_xfs_t *fs, const uint8_t *sb, const uint8_t *b, size_t len,
                          uint64_t daddr);

#endif
