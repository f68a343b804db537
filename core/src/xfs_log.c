/* XFS's internal log (lr/xfs.h): where its head and tail are, whether
 * it is clean or covered, and its replay in memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "le.h"
#include "xfs_int.h"

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

/* A log item's fields, in the byte order of the host that wrote them
 * (le: the record's h_fmt says little-endian). */
static uint32_t xl_h16(bool le, const uint8_t *p)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
}

static uint32_t xl_h32(bool le, const uint8_t *p)
{
    return le ? lr_get_le32(p) : lr_get_be32(p);
}

static uint64_t xl_h64(bool le, const uint8_t *p)
{
    return le ? lr_get_le64(p) : lr_get_be64(p);
}

/* An item's first region (its log format: type, then its regions' count):
 * whether it is the superblock's buffer (XFS_SB_DADDR, one sector at
 * most, no flag but its buffer type, a data map within it); its map into
 * t. */
static bool xl_sb_item(const xl_cover_t *c, xl_tx_t *t, const uint8_t *d, uint32_t len)
{
    if (len < 20 || xl_h16(c->le, d) != XLOG_LI_BUF)
        return false;
    uint32_t flags = xl_h16(c->le, d + 4), bbs = xl_h16(c->le, d + 6);
    uint32_t words = xl_h32(c->le, d + 16);
    if ((flags & XLOG_BLF_FLAGS) || !bbs || bbs * 512u > c->sectsize || xl_h64(c->le, d + 8) ||
        words > XLOG_BLF_MAP || len < 20 + 4 * words)
        return false;
    memset(t->map, 0, sizeof(t->map));
    for (uint32_t i = 0; i < words; i++)
        t->map[i] = xl_h32(c->le, d + 20 + 4 * i);
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
        if (len != XLOG_TRANS_HEADER || xl_h32(c->le, d) != XLOG_TRANS_MAGIC)
            c->why = "a transaction in the log does not start with its header";
        t->header = true;
        return;
    }
    if (t->cnt < t->total) {
        t->cnt++;
        xl_sb_region(c, t, d, len);
        return;
    }
    uint32_t regions = len >= 4 ? xl_h16(c->le, d + 2) : 0;
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

/* What reading a record says: the byte order of its items (the host's
 * that wrote it, h_fmt), and why it is not taken (NULL: it is). */
typedef struct xl_rec {
    uint32_t fmt; /* h_fmt: 1 Linux little-endian, 2 Linux big-endian, 3 IRIX */
    bool le;
    bool crc_bad; /* why: only its CRC-32C fails */
    const char *why;
} xl_rec_t;

/* The record at basic block blk: its headers and data into buf (the data
 * at buf + g->hblks * 512, its first words put back), each block of its
 * cycle; *blocks: the blocks it takes. Sets c->why when it is not one XFS
 * writes or the kernel would not take it whole. */
static int xl_record(xl_t *l, xl_rec_t *c, const xl_geo_t *g, uint64_t blk, uint64_t left,
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
    c->fmt = fmt;
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
        c->crc_bad = lr_get_le32(buf + 32) != 0; /* 0 on v5: refused, not torn */
        *blocks = hblks + bblks;
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

/* The record geometry of a walk from the tail (its record's header
 * blocks and h_size), or *why when the tail names no record. */
static int xl_tail_geo(xl_t *l, xl_geo_t *g, const char **why, lr_error_t *err)
{
    const uint8_t *p;
    int rc = xl_bb(l, (uint32_t)l->tail_lsn, &p, err);
    if (rc)
        return rc;
    if (lr_get_be32(p) != XLOG_MAGIC || lr_get_be64(p + 16) != l->tail_lsn) {
        *why = "the log's tail names no record";
        return 0;
    }
    *g = (xl_geo_t){xl_hblks(l, p), l->v2 ? lr_get_be32(p + 320) : XLOG_V1_RECORD};
    return 0;
}

/* The walk from the tail (blk) over `left` blocks; c->why when it is not
 * a covering. */
static int xl_cover_walk(xl_t *l, xl_cover_t *c, uint64_t blk, uint64_t left, uint8_t *buf,
                         lr_error_t *err)
{
    xl_geo_t g;
    int rc = xl_tail_geo(l, &g, &c->why, err);
    if (rc || c->why)
        return rc;
    for (unsigned records = 0; left && !c->why; records++) {
        uint64_t blocks = 0;
        if (records ==
            XLOG_MAX_ICLOGS) { /* xlog_verify_head's CRC pass would start past the tail */
            c->why = "more records between the log's tail and head than a covering writes";
            return 0;
        }
        xl_rec_t r = {0};
        if ((rc = xl_record(l, &r, &g, blk, left, buf, &blocks, err)))
            return rc;
        if (r.why) {
            c->why = r.why;
            return 0;
        }
        c->le = r.le;
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

/* lr_xfs_log's finding, its log l left open (l->chunk: free it) for a
 * walk of the records; *head: the log's head. */
static int xl_find(lr_xfs_t *fs, xl_t *l, lr_xfs_log_t *log, uint64_t *head, lr_error_t *err)
{
    *log = (lr_xfs_log_t){
        .state = LR_XFS_LOG_UNKNOWN, .head = UINT64_MAX, .tail = UINT64_MAX, .record = UINT64_MAX};
    *l = (xl_t){0};
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
    *l = (xl_t){fs,        lin * fs->bs,
                n,         (fs->logv2 ? XLOG_V2_RECORD : XLOG_V1_RECORD) / 512,
                fs->logv2, malloc(XLOG_CHUNK * 512),
                0,         0,
                NULL,      0};
    if (!l->chunk) {
        log->why = "out of memory";
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    *head = 0;
    int rc = xl_head(l, head, err);
    if (!rc && !l->why) {
        log->head = *head;
        rc = xl_last_record(l, *head, log, err);
    }
    if (!rc && !l->why && log->state == LR_XFS_LOG_DIRTY)
        rc = xl_covered(l, *head, log, err);
    if (rc || l->why) {
        log->state = LR_XFS_LOG_UNKNOWN;
        log->why = rc ? "the log does not read" : l->why;
    }
    return rc;
}

int lr_xfs_log(lr_xfs_t *fs, lr_xfs_log_t *log, lr_error_t *err)
{
    xl_t l;
    uint64_t head;
    int rc = xl_find(fs, &l, log, &head, err);
    free(l.chunk);
    return rc;
}

int lr_xfs_log_state(lr_xfs_t *fs, int *state, lr_error_t *err)
{
    lr_xfs_log_t log;
    int rc = lr_xfs_log(fs, &log, err);
    *state = log.state;
    return rc;
}

/* ---- the replay ---------------------------------------------------------- */

/* A dirty log's committed transactions replayed in memory, as the
 * kernel's recovery replays them at mount (fs/xfs/xfs_log_recover.c:
 * xlog_do_recovery_pass twice, the first gathering cancelled buffers, the
 * second replaying each committed transaction's items in the order
 * xlog_recover_reorder_trans gives them): buffers
 * (xfs_buf_item_recover.c), inodes (xfs_inode_item_recover.c) and new
 * inode chunks (xfs_icreate_item.c), into the overlay xf_read reads
 * through. Intents (extent frees, block-map and reverse-map updates...)
 * are matched with their done items; one left unfinished is work the
 * kernel would do after the replay, and said. */
#define XLOG_LI_INODE 0x123bu
#define XLOG_LI_DQUOT 0x123du
#define XLOG_LI_QUOTAOFF 0x123eu
#define XLOG_LI_ICREATE 0x123fu
#define XLOG_BLF_INODE_BUF 0x1u
#define XLOG_BLF_CANCEL 0x2u
#define XLOG_BLF_DQUOT_BUFS 0x1cu /* UDQUOT, PDQUOT, GDQUOT */
#define XR_HELD_MAX (12u << 20)   /* bytes of open transactions held */
/* What holding a transaction, an item and an item's region table costs,
 * counted against XR_HELD_MAX with the regions' bytes: a log of empty
 * items or transactions started and never committed holds no less. */
#define XR_TX_COST 64u
#define XR_ITEM_COST 64u
#define XR_REGION_COST 16u

typedef struct xr_item {
    uint32_t total, cnt;
    uint8_t **r; /* its regions (total), each malloc'd */
    uint32_t *len;
} xr_item_t;

typedef struct xr_tx {
    uint32_t tid;
    uint64_t lsn;      /* its first record's h_lsn (r_lsn) */
    uint32_t head_len; /* bytes of its transaction header read */
    xr_item_t *items;  /* items[0..n): the header read whole makes the first */
    size_t n, cap;
} xr_tx_t;

typedef struct xr_cancel {
    uint64_t blkno;
    uint32_t len, ref;
} xr_cancel_t;

typedef struct xr_dirty {
    uint64_t blkno, lsn;
    uint32_t len, blft; /* blft: the item's buffer type */
} xr_dirty_t;

typedef struct xr_intent {
    uint32_t type; /* the intent's XFS_LI_* */
    uint64_t id;
} xr_intent_t;

typedef struct xr {
    xl_t *l;
    lr_xfs_t *fs;
    int pass;     /* 1: cancels gathered, 2: replayed */
    uint32_t fmt; /* the records' h_fmt */
    bool le;
    uint64_t rec_lsn, recovery_lsn;
    xr_tx_t *tx;
    size_t ntx, captx;
    uint64_t held;
    xr_cancel_t *cancel;
    size_t ncancel, capcancel;
    xr_dirty_t *dirty; /* buffers replayed since the recovery LSN last changed */
    size_t ndirty, capdirty;
    xr_intent_t *intent;
    size_t nintent, capintent;
    uint8_t *buf;                          /* a buffer's bytes: 64 KiB at most (128 basic blocks) */
    uint32_t bpc, ialloc_blks, ialloc_min; /* inode clusters and chunks, in blocks */
    bool nrext64;                          /* the superblock's large extent counts */
    uint8_t sb[512];                       /* the superblock as it lies: the verifiers' */
    lr_xfs_log_t *out;
    const char *why;
} xr_t;

/* Grows *arr (elements of size sz) to hold one more. */
static int xr_room(void **arr, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *a = realloc(*arr, c * sz);
    if (!a)
        return -ENOMEM;
    *arr = a;
    *cap = c;
    return 0;
}

static void xr_tx_free(xr_t *x, xr_tx_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (uint32_t k = 0; k < t->items[i].cnt; k++) {
            x->held -= t->items[i].len[k];
            free(t->items[i].r[k]);
        }
        x->held -= XR_ITEM_COST + (uint64_t)t->items[i].total * XR_REGION_COST;
        free(t->items[i].r);
        free(t->items[i].len);
    }
    x->held -= XR_TX_COST;
    free(t->items);
}

/* Drops transaction i (committed, or an unmount record's). */
static void xr_tx_drop(xr_t *x, size_t i)
{
    xr_tx_free(x, &x->tx[i]);
    x->tx[i] = x->tx[--x->ntx];
}

/* Charges bytes to what the open transactions hold; false past
 * XR_HELD_MAX (x->why says so). */
static bool xr_charge(xr_t *x, uint64_t bytes)
{
    if (x->held + bytes > XR_HELD_MAX) {
        x->why = "the log's open transactions hold more than a replay keeps";
        return false;
    }
    x->held += bytes;
    return true;
}

static int xr_new_item(xr_t *x, xr_tx_t *t)
{
    if (!xr_charge(x, XR_ITEM_COST))
        return 0;
    if (xr_room((void **)&t->items, t->n, &t->cap, sizeof(*t->items)))
        return -ENOMEM;
    t->items[t->n++] = (xr_item_t){0};
    return 0;
}

/* xlog_recover_add_to_trans: the transaction header first (it may be
 * split over operations), then each item's regions, the first its log
 * format, whose second u16 counts them. */
static int xr_add(xr_t *x, xr_tx_t *t, const uint8_t *d, uint32_t len)
{
    if (!len)
        return 0;
    if (!t->n) {
        if (len < 4 || xl_h32(x->le, d) != XLOG_TRANS_MAGIC || len > XLOG_TRANS_HEADER) {
            x->why = "a transaction in the log does not start with its header";
            return 0;
        }
        t->head_len = len;
        return len == XLOG_TRANS_HEADER ? xr_new_item(x, t) : 0;
    }
    xr_item_t *it = &t->items[t->n - 1];
    if (it->total && it->total == it->cnt) {
        size_t had = t->n;
        if (xr_new_item(x, t))
            return -ENOMEM;
        if (t->n == had)
            return 0; /* past the limit: x->why */
        it = &t->items[t->n - 1];
    }
    if (!it->total) {
        uint32_t regions = len >= 4 ? xl_h16(x->le, d + 2) : 0;
        if (!regions || regions > XLOG_MAX_REGIONS) {
            x->why = "an item in the log is not one XFS writes";
            return 0;
        }
        if (!xr_charge(x, (uint64_t)regions * XR_REGION_COST))
            return 0;
        it->r = calloc(regions, sizeof(*it->r));
        it->len = calloc(regions, sizeof(*it->len));
        if (!it->r || !it->len)
            return -ENOMEM;
        it->total = regions;
    }
    if (!xr_charge(x, len))
        return 0;
    uint8_t *r = malloc(len);
    if (!r)
        return -ENOMEM;
    memcpy(r, d, len);
    it->r[it->cnt] = r;
    it->len[it->cnt++] = len;
    return 0;
}

/* xlog_recover_add_to_cont_trans: the rest of a region (or of the
 * transaction header) the operation before began. */
static int xr_add_cont(xr_t *x, xr_tx_t *t, const uint8_t *d, uint32_t len)
{
    if (!t->n) {
        if (!t->head_len || t->head_len + len != XLOG_TRANS_HEADER) {
            x->why = "a transaction's header in the log is not one XFS writes";
            return 0;
        }
        t->head_len = XLOG_TRANS_HEADER;
        return xr_new_item(x, t);
    }
    xr_item_t *it = &t->items[t->n - 1];
    if (!it->cnt) {
        x->why = "a region in the log continues none";
        return 0;
    }
    if (!xr_charge(x, len))
        return 0;
    uint32_t old = it->len[it->cnt - 1];
    uint8_t *r = realloc(it->r[it->cnt - 1], (size_t)old + len);
    if (!r)
        return -ENOMEM;
    memcpy(r + old, d, len);
    it->r[it->cnt - 1] = r;
    it->len[it->cnt - 1] = old + len;
    return 0;
}

/* Where a v5 metadata block keeps its LSN, its uuid and its CRC-32C, by
 * its magic (xlog_recover_get_buf_lsn's table; the CRC where its write
 * verifier puts it): false for a block whose kind the kernel replays
 * over whatever it holds (v4 blocks, inodes, dquots, remote attribute
 * values, anything it does not know). */
/* blft: the buffer type (xfs_blft, blf_flags >> 11) an item of such a
 * block must carry for the kernel to attach its verifier, which stamps
 * the LSN and makes the CRC (xlog_recover_validate_buf_type) */
typedef struct xr_kind {
    uint32_t lsn, uuid, crc, blft;
} xr_kind_t;

static bool xr_kind(const uint8_t *b, size_t len, xr_kind_t *k)
{
    static const struct {
        const char *magic;
        uint32_t at, lsn, uuid, crc, blft; /* at: the magic's byte */
    } kinds[] = {
        /* short-form B+trees: free space by block and size, inodes,
         * free inodes, reverse map, reference counts */
        {"AB3B", 0, 24, 32, 52, 4},
        {"AB3C", 0, 24, 32, 52, 4},
        {"IAB3", 0, 24, 32, 52, 4},
        {"FIB3", 0, 24, 32, 52, 4},
        {"RMB3", 0, 24, 32, 52, 4},
        {"R3FC", 0, 24, 32, 52, 4},
        {"BMA3", 0, 32, 40, 64, 4}, /* a file's block map: long form */
        {"XAGF", 0, 208, 64, 216, 5},
        {"XAFL", 0, 24, 8, 32, 6},
        {"XAGI", 0, 320, 296, 312, 7},
        {"XSLM", 0, 48, 16, 12, 9}, /* xfs_dsymlink_hdr */
        {"XDB3", 0, 16, 24, 4, 10}, /* directory blocks (xfs_dir3_blk_hdr) */
        {"XDD3", 0, 16, 24, 4, 11},
        {"XDF3", 0, 16, 24, 4, 12},
        {"XFSB", 0, 240, 32, 224, 18},
        /* xfs_da3_blkinfo: its magic a u16 at byte 8 */
        {"\x3d\xf1", 8, 24, 32, 12, 13},
        {"\x3d\xff", 8, 24, 32, 12, 14},
        {"\x3e\xbe", 8, 24, 32, 12, 15},
        {"\x3b\xee", 8, 24, 32, 12, 16},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t ml = strlen(kinds[i].magic);
        if (len >= 512 && !memcmp(b + kinds[i].at, kinds[i].magic, ml)) {
            *k = (xr_kind_t){kinds[i].lsn, kinds[i].uuid, kinds[i].crc, kinds[i].blft};
            return true;
        }
    }
    return false;
}

/* The LSN a v5 block records, as xlog_recover_get_buf_lsn reads it:
 * UINT64_MAX (the kernel's -1: replay whatever it holds) for a v4
 * filesystem, a block of a kind it does not know, or one naming another
 * filesystem. */
static uint64_t xr_block_lsn(const xr_t *x, const uint8_t *b, size_t len)
{
    xr_kind_t k;
    if (!x->fs->v5 || !xr_kind(b, len, &k))
        return UINT64_MAX;
    uint32_t uuid = k.uuid;
    if (!memcmp(b, "XFSB", 4) && memcmp(x->fs->uuid, x->fs->sb_uuid, 16) != 0)
        uuid = 248; /* sb_meta_uuid */
    if (memcmp(b + uuid, x->fs->uuid, 16) != 0)
        return UINT64_MAX;
    return lr_get_be64(b + k.lsn);
}

/* Reads blocks basic blocks at daddr as the replay has them into x->buf. */
static int xr_get(xr_t *x, uint64_t daddr, uint32_t blocks, lr_error_t *err)
{
    return xf_read(x->fs, x->buf, (size_t)blocks * 512, daddr * 512, NULL, err);
}

/* Puts x->buf back as the replay's sectors. */
static int xr_put(xr_t *x, uint64_t daddr, uint32_t blocks, lr_error_t *err)
{
    for (uint32_t i = 0; i < blocks; i++) {
        uint8_t *s;
        int rc = xf_sector(x->fs, daddr + i, &s, err);
        if (rc == LR_ELIMIT) {
            x->why = "the log's replay changes more sectors than it keeps";
            return 0;
        }
        if (rc)
            return rc;
        memcpy(s, x->buf + (size_t)i * 512, 512);
    }
    x->out->sectors = xf_overlay_sectors(x->fs);
    return 0;
}

/* Buffers replayed at the recovery LSN now ending are written as the
 * kernel writes them (xfs_buf_delwri_submit when the commit records'
 * LSN changes): each v5 block of a kind known whose item's buffer type is
 * that kind's (the kernel attaches no verifier otherwise) stamped with the
 * LSN of the transaction that changed it and its CRC-32C computed anew
 * over the whole buffer (its write verifier), so later items compare
 * against it. */
static int xr_drain(xr_t *x, lr_error_t *err)
{
    for (size_t i = 0; i < x->ndirty && !x->why; i++) {
        const xr_dirty_t *d = &x->dirty[i];
        size_t len = (size_t)d->len * 512;
        xr_kind_t k;
        int rc = xr_get(x, d->blkno, d->len, err);
        if (rc)
            return rc;
        if (!xr_kind(x->buf, len, &k) || k.blft != d->blft)
            continue; /* no verifier attached: written as replayed */
        lr_put_be64(x->buf + k.lsn, d->lsn);
        xf_crc_set(x->buf, len, k.crc);
        if (xf_buf_verify(x->fs, x->sb, x->buf, len, d->blkno)) {
            x->why = "a block the log replays fails the kernel's checks (it refuses the log)";
            return 0;
        }
        if ((rc = xr_put(x, d->blkno, d->len, err)))
            return rc;
    }
    x->ndirty = 0;
    return 0;
}

/* The cancel record of buffer (blkno, len), or NULL. */
static xr_cancel_t *xr_cancelled(xr_t *x, uint64_t blkno, uint32_t len)
{
    for (size_t i = 0; i < x->ncancel; i++)
        if (x->cancel[i].blkno == blkno && x->cancel[i].len == len)
            return &x->cancel[i];
    return NULL;
}

/* Pass 1 (xlog_recover_buf_commit_pass1): a buffer's cancel counted. */
static int xr_cancel_add(xr_t *x, uint64_t blkno, uint32_t len)
{
    xr_cancel_t *c = xr_cancelled(x, blkno, len);
    if (c) {
        c->ref++;
        return 0;
    }
    if (xr_room((void **)&x->cancel, x->ncancel, &x->capcancel, sizeof(*x->cancel)))
        return -ENOMEM;
    x->cancel[x->ncancel++] = (xr_cancel_t){blkno, len, 1};
    return 0;
}

/* The buffer log format (xfs_buf_log_format: blf_type, blf_size,
 * blf_flags, blf_len, blf_blkno, blf_map_size, blf_data_map) of an item. */
typedef struct xr_blf {
    uint32_t flags, len, words;
    uint64_t blkno;
    const uint8_t *map;
} xr_blf_t;

static bool xr_blf(const xr_t *x, const xr_item_t *it, xr_blf_t *b)
{
    const uint8_t *d = it->r[0];
    if (it->len[0] < 20)
        return false;
    b->flags = xl_h16(x->le, d + 4);
    b->len = xl_h16(x->le, d + 6);
    b->blkno = xl_h64(x->le, d + 8);
    b->words = xl_h32(x->le, d + 16);
    b->map = d + 20;
    return b->len && b->len <= 128 && b->words && b->words <= XLOG_BLF_MAP + 1 &&
           it->len[0] >= 20 + 4 * b->words && b->blkno < (1ull << 48);
}

static bool xr_bit(const xr_t *x, const xr_blf_t *b, uint32_t bit)
{
    return bit < b->words * 32 && (xl_h32(x->le, b->map + bit / 32 * 4) >> (bit % 32) & 1);
}

/* The next run of set bits from *bit: [*bit, *bit + *nbits); false past
 * the map's last. */
static bool xr_run(const xr_t *x, const xr_blf_t *b, uint32_t *bit, uint32_t *nbits)
{
    uint32_t i = *bit;
    while (i < b->words * 32 && !xr_bit(x, b, i))
        i++;
    if (i >= b->words * 32)
        return false;
    uint32_t e = i;
    while (xr_bit(x, b, e))
        e++;
    *bit = i;
    *nbits = e - i;
    return true;
}

/* xlog_recover_do_reg_buffer: each run of the map's set bits (128-byte
 * chunks) takes the next region, cut to that region's length. */
static void xr_reg_buffer(xr_t *x, const xr_item_t *it, const xr_blf_t *b)
{
    uint32_t bit = 0, nbits, i = 1, bytes = b->len * 512u;
    while (xr_run(x, b, &bit, &nbits)) {
        if (i >= it->cnt || (bit + nbits) * XLOG_BLF_CHUNK > bytes) {
            x->why = "a buffer in the log does not match its map";
            return;
        }
        if (it->len[i] < nbits * XLOG_BLF_CHUNK)
            nbits = it->len[i] / XLOG_BLF_CHUNK;
        memcpy(x->buf + bit * XLOG_BLF_CHUNK, it->r[i], nbits * XLOG_BLF_CHUNK);
        i++;
        bit += nbits;
    }
}

/* The inode's CRC-32C (v5: di_crc at 100, over the inode). */
static void xr_inode_crc(const xr_t *x, uint8_t *dip)
{
    if (!x->fs->v5)
        return;
    xf_crc_set(dip, x->fs->inodesize, XFS_DINODE_CRC);
}

/* xlog_recover_do_inode_buffer: of a buffer of inodes logged for their
 * unlinked lists, only each inode's di_next_unlinked (byte 96) a region
 * holds is taken (0 there: the kernel calls the log corrupt), its CRC
 * made anew. */
static void xr_inode_buffer(xr_t *x, const xr_item_t *it, const xr_blf_t *b)
{
    uint32_t bit = 0, nbits = 0, idx = 0, reg = 0, bytes = 0;
    uint32_t isz = x->fs->inodesize, n = b->len * 512u / isz;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t next = i * isz + 96;
        while (next >= reg + bytes) {
            bit += nbits;
            if (!xr_run(x, b, &bit, &nbits))
                return;
            reg = bit * XLOG_BLF_CHUNK;
            bytes = nbits * XLOG_BLF_CHUNK;
            idx++;
        }
        if (next < reg)
            continue;
        if (idx >= it->cnt || reg + bytes > b->len * 512u || next - reg + 4 > it->len[idx]) {
            x->why = "an inode buffer in the log does not match its map";
            return;
        }
        const uint8_t *v = it->r[idx] + (next - reg);
        if (!memcmp(v, "\0\0\0\0", 4)) {
            x->why = "an inode buffer in the log sets an unlinked pointer 0";
            return;
        }
        memcpy(x->buf + next, v, 4);
        xr_inode_crc(x, x->buf + i * isz);
    }
}

/* A buffer item, pass 2 (xlog_recover_buf_commit_pass2): a cancel
 * record releases its count; a buffer cancelled later in the log, or
 * whose block records an LSN at or past the transaction's, is passed
 * over; dquot buffers too (quotas are not read here). */
static int xr_buf(xr_t *x, const xr_item_t *it, uint64_t lsn, lr_error_t *err)
{
    xr_blf_t b;
    if (!xr_blf(x, it, &b)) {
        x->why = "a buffer item in the log is not one XFS writes";
        return 0;
    }
    xr_cancel_t *c = xr_cancelled(x, b.blkno, b.len);
    if (b.flags & XLOG_BLF_CANCEL) {
        if (c && c->ref && !--c->ref)
            *c = x->cancel[--x->ncancel];
        return 0;
    }
    if (c || (b.flags & XLOG_BLF_DQUOT_BUFS)) {
        x->out->skipped++;
        return 0;
    }
    if (b.blkno + b.len > x->fs->dblocks * (x->fs->bs / 512)) {
        x->why = "a buffer in the log lies past the filesystem";
        return 0;
    }
    int rc = xr_get(x, b.blkno, b.len, err);
    if (rc)
        return rc;
    uint64_t have = xr_block_lsn(x, x->buf, b.len * 512u);
    if (have && have != UINT64_MAX && have >= lsn) {
        x->out->skipped++;
        return 0;
    }
    if (b.flags & XLOG_BLF_INODE_BUF)
        xr_inode_buffer(x, it, &b);
    else
        xr_reg_buffer(x, it, &b);
    if (x->why)
        return 0;
    x->out->items++;
    if ((rc = xr_put(x, b.blkno, b.len, err)) || x->why)
        return rc;
    if (!x->fs->v5)
        return 0;
    if (xr_room((void **)&x->dirty, x->ndirty, &x->capdirty, sizeof(*x->dirty)))
        return lr_error_oom(err);
    x->dirty[x->ndirty++] = (xr_dirty_t){b.blkno, lsn, b.len, b.flags >> 11 & 0x1fu};
    return 0;
}

/* ---- inodes ---- */

#define XR_ILOG_CORE 0x1u
#define XR_ILOG_DDATA 0x2u
#define XR_ILOG_DEXT 0x4u
#define XR_ILOG_DBROOT 0x8u
#define XR_ILOG_DEV 0x10u
#define XR_ILOG_ADATA 0x40u
#define XR_ILOG_AEXT 0x80u
#define XR_ILOG_ABROOT 0x100u
#define XR_ILOG_OWNERS 0x600u /* DOWNER, AOWNER: xfs_fsr's swapext */
#define XR_ILOG_DFORK 0xeu
#define XR_ILOG_AFORK 0x1c0u
#define XR_DIFLAG2_BIGTIME 0x8u
#define XR_LOG_DINODE_V3 176u /* sizeof(struct xfs_log_dinode) */
#define XR_LOG_DINODE_V2 96u  /* offsetof(struct xfs_log_dinode, di_next_unlinked) */

/* The inode log format (xfs_inode_log_format, 56 bytes, or the packed
 * xfs_inode_log_format_32 of 52 an i386 wrote). */
typedef struct xr_ilf {
    uint32_t regions, fields, rdev;
    uint64_t blkno, ino;
    uint32_t len, boffset;
} xr_ilf_t;

static bool xr_ilf(const xr_t *x, const xr_item_t *it, xr_ilf_t *f)
{
    const uint8_t *d = it->r[0];
    uint32_t l = it->len[0];
    if (l != 56 && l != 52)
        return false;
    uint32_t s = l == 56 ? 0 : 4; /* the 32-bit form has no ilf_pad */
    f->regions = xl_h16(x->le, d + 2);
    f->fields = xl_h32(x->le, d + 4);
    f->rdev = xl_h32(x->le, d + 24 - s);
    f->blkno = xl_h64(x->le, d + 40 - s);
    f->ino = xl_h64(x->le, d + 16 - s);
    f->len = xl_h32(x->le, d + 48 - s);
    f->boffset = xl_h32(x->le, d + 52 - s);
    return f->regions >= 2 && f->regions <= 4 && it->cnt == f->regions && f->len && f->len <= 128 &&
           f->blkno < (1ull << 48);
}

/* A log timestamp (host order) as the disk's: a bigtime one a big-endian
 * u64, a legacy one two big-endian s32 (seconds, nanoseconds) as the
 * host's struct held them (xfs_log_dinode_to_disk_ts). */
static void xr_ts(const xr_t *x, uint8_t *to, const uint8_t *from, bool bigtime)
{
    if (bigtime) {
        lr_put_be64(to, xl_h64(x->le, from));
        return;
    }
    lr_put_be32(to, xl_h32(x->le, from));
    lr_put_be32(to + 4, xl_h32(x->le, from + 4));
}

/* xfs_log_dinode_to_disk: the logged inode core (host order, the layout
 * of the disk's) into dip, big-endian; di_next_unlinked stays the
 * disk's, a v3 inode's di_lsn becomes the transaction's. */
static void xr_core(const xr_t *x, uint8_t *dip, const uint8_t *l, uint64_t lsn)
{
    static const uint8_t w16[] = {0, 2, 20, 22, 88, 90};
    static const uint8_t w32[] = {8, 12, 16, 72, 84, 92};
    static const uint8_t w64[] = {56, 64};
    uint32_t version = l[4];
    uint64_t flags2 = version == 3 ? xl_h64(x->le, l + 120) : 0;
    bool bigtime = version == 3 && (flags2 & XR_DIFLAG2_BIGTIME);
    for (size_t i = 0; i < sizeof(w16); i++)
        lr_put_be16(dip + w16[i], xl_h16(x->le, l + w16[i]));
    for (size_t i = 0; i < sizeof(w32); i++)
        lr_put_be32(dip + w32[i], xl_h32(x->le, l + w32[i]));
    for (size_t i = 0; i < sizeof(w64); i++)
        lr_put_be64(dip + w64[i], xl_h64(x->le, l + w64[i]));
    dip[4] = l[4];
    dip[5] = l[5];
    lr_put_be16(dip + 6, 0); /* di_onlink */
    dip[82] = l[82];
    dip[83] = l[83];
    xr_ts(x, dip + 32, l + 32, bigtime);
    xr_ts(x, dip + 40, l + 40, bigtime);
    xr_ts(x, dip + 48, l + 48, bigtime);
    if (version == 3) {
        lr_put_be64(dip + 104, xl_h64(x->le, l + 104)); /* di_changecount */
        xr_ts(x, dip + 144, l + 144, bigtime);          /* di_crtime */
        lr_put_be64(dip + 120, flags2);
        lr_put_be32(dip + 128, xl_h32(x->le, l + 128)); /* di_cowextsize */
        lr_put_be64(dip + 152, xl_h64(x->le, l + 152)); /* di_ino */
        lr_put_be64(dip + 112, lsn);
        memset(dip + 132, 0, 12);
        memcpy(dip + 160, l + 160, 16);
        memset(dip + 24, 0, 8); /* di_v3_pad */
    } else {
        memset(dip + 24, 0, 6);
        lr_put_be16(dip + 30, xl_h16(x->le, l + 30)); /* di_flushiter */
    }
    if (version == 3 && (flags2 & XFS_DIFLAG2_NREXT64)) {
        lr_put_be64(dip + 24, xl_h64(x->le, l + 24)); /* di_big_nextents */
        lr_put_be32(dip + 76, xl_h32(x->le, l + 76)); /* di_big_anextents */
        lr_put_be16(dip + 80, xl_h16(x->le, l + 80));
    } else {
        lr_put_be32(dip + 76, xl_h32(x->le, l + 76)); /* di_nextents */
        lr_put_be16(dip + 80, xl_h16(x->le, l + 80)); /* di_anextents */
    }
}

/* xfs_bmbt_to_bmdr: a fork's B+tree root as the kernel holds it (a
 * long-form block header, its keys, its pointers after as many keys as
 * fit in len) into the inode's form (level, numrecs, keys, pointers
 * after as many keys as fit in dlen). */
static bool xr_bmdr(const xr_t *x, uint8_t *to, uint32_t dlen, const uint8_t *from, uint32_t len)
{
    uint32_t hdr = x->fs->v5 ? XFS_LBLOCK_V5 : XFS_LBLOCK_V4;
    if (len < hdr || dlen < 4)
        return false;
    uint32_t nr = (uint32_t)(from[6] << 8 | from[7]);
    uint32_t fmax = (len - hdr) / 16, dmax = (dlen - 4) / 16;
    if (!from[4] && !from[5])
        return false; /* a root is never a leaf */
    if (nr > fmax || nr > dmax)
        return false;
    to[0] = from[4];
    to[1] = from[5];
    to[2] = from[6];
    to[3] = from[7];
    memcpy(to + 4, from + hdr, (size_t)nr * 8);
    memcpy(to + 4 + (size_t)dmax * 8, from + hdr + (size_t)fmax * 8, (size_t)nr * 8);
    return true;
}

/* A fork's logged bytes (region r of the item) into the inode at `at`
 * (size bytes there), as the kernel copies them: data or extents as
 * they are, a B+tree root converted. */
static bool xr_fork(const xr_t *x, const xr_item_t *it, uint32_t r, uint32_t how, uint8_t *at,
                    uint32_t size)
{
    if (r >= it->cnt)
        return false;
    if (how == XR_ILOG_DBROOT || how == XR_ILOG_ABROOT)
        return xr_bmdr(x, at, size, it->r[r], it->len[r]);
    if (it->len[r] > size)
        return false;
    memcpy(at, it->r[r], it->len[r]);
    return true;
}

/* Whether the logged inode core is one the kernel replays
 * (xlog_recover_inode_commit_pass2's checks): its magic, a regular
 * file's or directory's fork format, extent counts within its blocks, its
 * attribute fork's offset within the inode. */
static bool xr_core_ok(const xr_t *x, const uint8_t *l)
{
    uint32_t mode = xl_h16(x->le, l + 2), fmt = l[5];
    uint64_t next, anext;
    /* xfs_dinode_good_version: 3 on a v5 XFS (and only there are the
     * logged core's 176 bytes held), 1 or 2 on a v4 one */
    if (xl_h16(x->le, l) != 0x494e || (x->fs->v5 ? l[4] != 3 : l[4] != 1 && l[4] != 2))
        return false;
    uint64_t flags2 = l[4] >= 3 ? xl_h64(x->le, l + 120) : 0;
    if ((mode & 0170000) == 0100000 && fmt != 2 && fmt != 3)
        return false;
    if ((mode & 0170000) == 0040000 && (fmt < 1 || fmt > 3))
        return false;
    /* xlog_dinode_verify_extent_counts: the pads 0 (the large extent
     * counts only where the superblock has them: sb_features_incompat
     * XFS_SB_FEAT_INCOMPAT_NREXT64, 0x20, at byte 216) */
    if (flags2 & XFS_DIFLAG2_NREXT64) {
        if (!(x->nrext64) || xl_h16(x->le, l + 80))
            return false;
        next = xl_h64(x->le, l + 24);
        anext = xl_h32(x->le, l + 76);
    } else {
        if (l[4] == 3 && xl_h64(x->le, l + 24))
            return false;
        next = xl_h32(x->le, l + 76);
        anext = xl_h16(x->le, l + 80);
    }
    return next + anext <= xl_h64(x->le, l + 64) && l[82] <= x->fs->inodesize;
}

/* Every inode of a cluster buffer as the kernel's read verifier
 * (xfs_inode_buf_verify) wants it, else it fails the recovery: the inode
 * magic, the filesystem's inode version, an unlinked pointer null or an
 * inode of the group (its block within it: the kernel's bounds, from the
 * group's first and last whole chunk, are a little narrower). */
static bool xr_cluster_ok(const xr_t *x, uint32_t bytes)
{
    for (uint32_t at = 0; at + x->fs->inodesize <= bytes; at += x->fs->inodesize) {
        const uint8_t *d = x->buf + at;
        uint32_t next = lr_get_be32(d + 96);
        if (d[0] != 0x49 || d[1] != 0x4e || (x->fs->v5 ? d[4] != 3 : d[4] != 1 && d[4] != 2))
            return false;
        if (next != 0xffffffffu && (!next || next >> x->fs->inopblog >= x->fs->agblocks))
            return false;
    }
    return true;
}

/* Whether the on-disk inode is newer than the transaction: v3, its
 * di_lsn past it (strictly: items of one LSN all replay); v4 (no LSN),
 * its flush count past the logged one, but for the count's wrap. */
enum { XR_OLDER, XR_NEWER_LSN, XR_NEWER_FLUSH };

static int xr_inode_newer(const xr_t *x, const uint8_t *dip, const uint8_t *l, uint64_t lsn)
{
    if (dip[4] >= 3) {
        uint64_t have = lr_get_be64(dip + 112);
        if (have && have != UINT64_MAX && have > lsn)
            return XR_NEWER_LSN;
    }
    if (x->fs->v5)
        return XR_OLDER;
    uint32_t disk = (uint32_t)(dip[30] << 8 | dip[31]), logged = xl_h16(x->le, l + 30);
    return logged < disk && !(disk == 0xffff && logged < 0x8000) ? XR_NEWER_FLUSH : XR_OLDER;
}

/* The inode as the kernel writes it back after its item
 * (out_owner_change): its CRC made anew and xfs_dinode_verify passed, or
 * the kernel fails the recovery. */
static int xr_inode_done(xr_t *x, const xr_ilf_t *f, uint8_t *dip, lr_error_t *err)
{
    xr_inode_crc(x, dip);
    if (xf_dinode_verify(x->fs, x->sb, f->ino, dip)) {
        x->why = "an inode the log replays fails the kernel's checks (it refuses the log)";
        return 0;
    }
    return xr_put(x, f->blkno, f->len, err);
}

/* An inode item, pass 2: the inode's core and forks into its cluster
 * buffer, its CRC made anew. */
static int xr_inode(xr_t *x, const xr_item_t *it, uint64_t lsn, lr_error_t *err)
{
    xr_ilf_t f;
    if (!xr_ilf(x, it, &f)) {
        x->why = "an inode item in the log is not one XFS writes";
        return 0;
    }
    if (xr_cancelled(x, f.blkno, f.len)) {
        x->out->skipped++;
        return 0;
    }
    uint32_t isz = x->fs->inodesize, bytes = f.len * 512u;
    uint32_t core = x->fs->v5 ? XR_LOG_DINODE_V3 : XR_LOG_DINODE_V2;
    if (f.blkno + f.len > x->fs->dblocks * (x->fs->bs / 512) || f.boffset % isz ||
        f.boffset + isz > bytes || it->len[1] != core || !(f.fields & XR_ILOG_CORE)) {
        x->why = "an inode item in the log is not one XFS writes";
        return 0;
    }
    int rc = xr_get(x, f.blkno, f.len, err);
    if (rc)
        return rc;
    uint8_t *dip = x->buf + f.boffset, *l = it->r[1];
    if (!xr_cluster_ok(x, bytes) || !xr_core_ok(x, l)) {
        x->why = "an inode in the log, or its cluster on disk, is not one XFS writes";
        return 0;
    }
    int newer = xr_inode_newer(x, dip, l, lsn);
    if (newer != XR_OLDER) {
        x->out->skipped++;
        return newer == XR_NEWER_LSN ? xr_inode_done(x, &f, dip, err) : 0;
    }
    if (f.fields & XR_ILOG_OWNERS) {
        x->why = "the log changes the owner of an inode's block map (xfs_fsr): not replayed here";
        return 0;
    }
    if (!x->fs->v5)
        memset(l + 30, 0, 2); /* di_flushiter reset */
    xr_core(x, dip, l, lsn);
    uint32_t lit = isz - (x->fs->v5 ? XFS_DINODE_V3 : XFS_DINODE_V2);
    uint32_t dfork = dip[4] == 3 ? XFS_DINODE_V3 : XFS_DINODE_V2, off = dip[82] * 8u;
    uint32_t dsize = off ? off : lit, asize = off ? lit - off : 0;
    uint32_t dhow = f.fields & XR_ILOG_DFORK, ahow = f.fields & XR_ILOG_AFORK;
    bool ok = off <= lit && dfork + lit <= isz;
    if (ok && (f.fields & XR_ILOG_DEV))
        lr_put_be32(dip + dfork, f.rdev);
    if (ok && f.regions > 2 && dhow)
        ok = (dhow == XR_ILOG_DDATA || dhow == XR_ILOG_DEXT || dhow == XR_ILOG_DBROOT) &&
             xr_fork(x, it, 2, dhow, dip + dfork, dsize);
    if (ok && f.regions > 2 && ahow)
        ok = (ahow == XR_ILOG_ADATA || ahow == XR_ILOG_AEXT || ahow == XR_ILOG_ABROOT) &&
             xr_fork(x, it, dhow ? 3 : 2, ahow, dip + dfork + off, asize);
    if (!ok || (f.regions > 2 && !dhow && !ahow)) {
        x->why = "an inode's forks in the log do not fit it";
        return 0;
    }
    x->out->items++;
    return xr_inode_done(x, &f, dip, err);
}

/* An icreate item, pass 2 (xlog_recover_icreate_commit_pass2,
 * xfs_ialloc_inode_init): a new inode chunk's clusters written as the
 * kernel initialises them, whatever they held (no LSN is compared), unless
 * one of them is cancelled later in the log. */
static int xr_icreate(xr_t *x, const xr_item_t *it, lr_error_t *err)
{
    const uint8_t *d = it->r[0];
    const lr_xfs_t *fs = x->fs;
    if (it->len[0] < 28 || xl_h16(x->le, d + 2) != 1) {
        x->why = "an inode chunk's creation in the log is not one XFS writes";
        return 0;
    }
    uint32_t ag = lr_get_be32(d + 4), agbno = lr_get_be32(d + 8), count = lr_get_be32(d + 12);
    uint32_t isize = lr_get_be32(d + 16), length = lr_get_be32(d + 20), gen = lr_get_be32(d + 24);
    if (ag >= fs->agcount || !agbno || agbno >= fs->agblocks || isize != fs->inodesize || !count ||
        !length || length >= fs->agblocks ||
        (length != x->ialloc_blks && length != x->ialloc_min) || count >> fs->inopblog != length ||
        length % x->bpc || agbno + length > fs->agblocks) {
        x->why = "an inode chunk's creation in the log is not one XFS writes";
        return 0;
    }
    uint32_t bb = x->bpc * (fs->bs / 512), nbufs = length / x->bpc;
    uint64_t first = ((uint64_t)ag * fs->agblocks + agbno) * (fs->bs / 512);
    for (uint32_t i = 0; i < nbufs; i++)
        if (xr_cancelled(x, first + (uint64_t)i * bb, bb)) {
            x->out->skipped++;
            return 0;
        }
    uint64_t ino = (uint64_t)ag << (fs->agblklog + fs->inopblog) | (uint64_t)agbno << fs->inopblog;
    for (uint32_t i = 0; i < nbufs; i++) {
        memset(x->buf, 0, (size_t)bb * 512);
        for (uint32_t at = 0; at + isize <= bb * 512u; at += isize) {
            uint8_t *dip = x->buf + at;
            lr_put_be16(dip, 0x494e);
            dip[4] = fs->v5 ? 3 : 2;
            lr_put_be32(dip + 92, gen);
            lr_put_be32(dip + 96, 0xffffffffu);
            if (!fs->v5)
                continue;
            lr_put_be64(dip + 152, ino++);
            memcpy(dip + 160, fs->uuid, 16);
            xr_inode_crc(x, dip);
        }
        int rc = xr_put(x, first + (uint64_t)i * bb, bb, err);
        if (rc || x->why)
            return rc;
    }
    x->out->items++;
    return 0;
}

/* Intents (extent frees, reverse-map, reference-count, block-map and
 * attribute updates, mapping exchanges: XFS_LI_EFI, RUI, CUI, BUI,
 * ATTRI, XMI and the realtime ones, each even) and their done items (the
 * type after): an intent is kept until a done item of its id releases
 * it (xlog_recover_release_intent); the ids are at byte 8. */
static bool xr_intent_type(uint32_t type)
{
    return type == 0x1236 || (type >= 0x1240 && type <= 0x124f && !(type & 1));
}

static bool xr_done_type(uint32_t type)
{
    return type == 0x1237 || (type >= 0x1241 && type <= 0x124f && (type & 1));
}

/* Whether an intent's or done item's format is the size its kind and
 * count give (the commit_pass2 of xfs_extfree_item.c, xfs_rmap_item.c,
 * xfs_refcount_item.c, xfs_bmap_item.c, xfs_attr_item.c,
 * xfs_exchmaps_item.c: the kernel calls the log corrupt otherwise).
 * Extent frees' extents are 16 bytes, or 12 as a 32-bit host packed
 * them; a done item of an extent free lists them too; the others' done
 * items are 16 bytes. */
static bool xr_intent_ok(const xr_t *x, uint32_t type, const uint8_t *d, uint32_t len)
{
    /* the realtime ones as theirs: EFI_RT, EFD_RT; RUI_RT.. CUD_RT */
    uint32_t base = type >= 0x124c ? type - 0xc : type >= 0x124a ? type - 0x14 : type;
    uint64_t n = len >= 8 ? xl_h32(x->le, d + 4) : 0;
    switch (base) {
    case 0x1236: /* EFI */
    case 0x1237: /* EFD */
        return n && (len == 16 + 16 * n || len == 16 + 12 * n);
    case 0x1240: /* RUI */
        return n && len == 16 + 32 * n;
    case 0x1242: /* CUI */
        return n && len == 16 + 16 * n;
    case 0x1244: /* BUI: one extent */
        return n == 1 && len == 16 + 32;
    case 0x1246: /* ATTRI */
        return len == 40;
    case 0x1248: /* XMI */
        return len == 88;
    default: /* the done items of the others */
        return len == 16;
    }
}

static int xr_intent(xr_t *x, const xr_item_t *it, uint32_t type, lr_error_t *err)
{
    if (it->len[0] < 16 || !xr_intent_ok(x, type, it->r[0], it->len[0])) {
        x->why = "an intent in the log is not one XFS writes";
        return 0;
    }
    uint64_t id = xl_h64(x->le, it->r[0] + 8);
    if (xr_done_type(type)) {
        for (size_t i = 0; i < x->nintent;)
            if (x->intent[i].type == type - 1 && x->intent[i].id == id)
                x->intent[i] = x->intent[--x->nintent];
            else
                i++;
        return 0;
    }
    if (xr_room((void **)&x->intent, x->nintent, &x->capintent, sizeof(*x->intent)))
        return lr_error_oom(err);
    x->intent[x->nintent++] = (xr_intent_t){type, id};
    return 0;
}

/* ---- transactions ---- */

enum { XR_BUFFERS, XR_ITEMS, XR_INODE_BUFFERS, XR_CANCELS };

/* Which of xlog_recover_reorder_trans's lists an item goes to. */
static int xr_class(const xr_t *x, const xr_item_t *it)
{
    uint32_t type = xl_h16(x->le, it->r[0]);
    if (type == XLOG_LI_ICREATE)
        return XR_BUFFERS;
    if (type != XLOG_LI_BUF || it->len[0] < 6)
        return XR_ITEMS;
    uint32_t flags = xl_h16(x->le, it->r[0] + 4);
    if (flags & XLOG_BLF_CANCEL)
        return XR_CANCELS;
    return flags & XLOG_BLF_INODE_BUF ? XR_INODE_BUFFERS : XR_BUFFERS;
}

static int xr_item(xr_t *x, const xr_item_t *it, uint64_t lsn, lr_error_t *err)
{
    uint32_t type = xl_h16(x->le, it->r[0]);
    if (x->pass == 1) {
        xr_blf_t b;
        if (type != XLOG_LI_BUF)
            return 0;
        if (!xr_blf(x, it, &b)) {
            x->why = "a buffer item in the log is not one XFS writes";
            return 0;
        }
        return b.flags & XLOG_BLF_CANCEL ? (xr_cancel_add(x, b.blkno, b.len) ? -ENOMEM : 0) : 0;
    }
    if (type == XLOG_LI_BUF)
        return xr_buf(x, it, lsn, err);
    if (type == XLOG_LI_INODE)
        return xr_inode(x, it, lsn, err);
    if (type == XLOG_LI_ICREATE)
        return xr_icreate(x, it, err);
    if (xr_intent_type(type) || xr_done_type(type))
        return xr_intent(x, it, type, err);
    x->out->skipped++; /* dquots, quota-offs: quotas are not read here */
    return 0;
}

/* xlog_recover_commit_trans: the transaction's items, whole and of types
 * the kernel knows, applied in its order: buffers and inode-chunk
 * creations, then the other items, in the log's order; then inode
 * buffers and cancel records, in reverse. */
static int xr_commit(xr_t *x, xr_tx_t *t, lr_error_t *err)
{
    for (size_t i = 0; i < t->n; i++) {
        const xr_item_t *it = &t->items[i];
        uint32_t type = it->cnt ? xl_h16(x->le, it->r[0]) : 0;
        bool known = type == XLOG_LI_BUF || type == XLOG_LI_INODE || type == XLOG_LI_DQUOT ||
                     type == XLOG_LI_QUOTAOFF || type == XLOG_LI_ICREATE || xr_intent_type(type) ||
                     xr_done_type(type);
        if (!it->cnt || it->cnt != it->total || !known) {
            x->why = !known && it->cnt ? "an item in the log of a type this replay does not know"
                                       : "a transaction in the log commits an item not whole";
            return 0;
        }
    }
    for (int cls = XR_BUFFERS; cls <= XR_CANCELS; cls++) {
        bool back = cls >= XR_INODE_BUFFERS;
        for (size_t k = 0; k < t->n && !x->why; k++) {
            const xr_item_t *it = &t->items[back ? t->n - 1 - k : k];
            if (xr_class(x, it) != cls)
                continue;
            int rc = xr_item(x, it, t->lsn, err);
            if (rc)
                return rc < 0 && rc == -ENOMEM ? lr_error_oom(err) : rc;
        }
    }
    if (x->pass == 2 && !x->why)
        x->out->transactions++;
    return 0;
}

/* One operation (xlog_recover_process_ophdr, xlog_recovery_process_trans). */
static int xr_op(xr_t *x, const uint8_t *oh, const uint8_t *d, lr_error_t *err)
{
    uint32_t tid = lr_get_be32(oh), len = lr_get_be32(oh + 4);
    uint8_t client = oh[8], flags = oh[9];
    if (client != XLOG_TRANS_CLIENT && client != XLOG_CLIENT) {
        x->why = "an operation in the log of no client XFS knows";
        return 0;
    }
    size_t i = 0;
    while (i < x->ntx && x->tx[i].tid != tid)
        i++;
    if (i == x->ntx) {
        if (!(flags & XLOG_START_TRANS))
            return 0; /* of a transaction begun before the tail */
        if (!xr_charge(x, XR_TX_COST))
            return 0;
        if (xr_room((void **)&x->tx, x->ntx, &x->captx, sizeof(*x->tx)))
            return lr_error_oom(err);
        x->tx[x->ntx++] = (xr_tx_t){.tid = tid, .lsn = x->rec_lsn};
        return 0;
    }
    xr_tx_t *t = &x->tx[i];
    int rc = 0;
    if ((flags & XLOG_COMMIT_TRANS) && t->lsn != x->recovery_lsn) {
        if (x->pass == 2 && (rc = xr_drain(x, err)))
            return rc;
        x->recovery_lsn = t->lsn;
    }
    flags &= (uint8_t)~XLOG_END_TRANS;
    if (flags & XLOG_WAS_CONT_TRANS)
        flags &= (uint8_t)~XLOG_CONTINUE_TRANS;
    if (flags == 0 || flags == XLOG_CONTINUE_TRANS)
        rc = xr_add(x, t, d, len);
    else if (flags == XLOG_WAS_CONT_TRANS)
        rc = xr_add_cont(x, t, d, len);
    else if (flags == XLOG_COMMIT_TRANS)
        rc = xr_commit(x, t, err);
    else if (flags != XLOG_UNMOUNT_TRANS)
        x->why = "an operation in the log with flags XFS does not write";
    if (rc == -ENOMEM)
        return lr_error_oom(err);
    if (rc)
        return rc;
    if (flags == XLOG_COMMIT_TRANS || flags == XLOG_UNMOUNT_TRANS)
        xr_tx_drop(x, (size_t)(t - x->tx));
    return 0;
}

/* A record's operations (xlog_recover_process_data). */
static int xr_ops(xr_t *x, const uint8_t *h, const uint8_t *data, lr_error_t *err)
{
    uint32_t len = lr_get_be32(h + 12), ops = lr_get_be32(h + 40), at = 0;
    for (; ops && at < len && !x->why; ops--) {
        if (len - at < 12 || lr_get_be32(data + at + 4) > len - at - 12) {
            x->why = "an operation in the log runs past its record";
            return 0;
        }
        int rc = xr_op(x, data + at, data + at + 12, err);
        if (rc)
            return rc;
        at += 12 + lr_get_be32(data + at + 4);
    }
    return 0;
}

/* ---- the walk ---- */

/* The records from blk to the head (`left` blocks): how many, by their
 * headers (UINT32_MAX when one is not a header). */
static int xr_count(xl_t *l, const xl_geo_t *g, uint64_t blk, uint64_t left, uint32_t *count,
                    lr_error_t *err)
{
    *count = 0;
    while (left) {
        const uint8_t *p;
        int rc = xl_bb(l, blk, &p, err);
        if (rc)
            return rc;
        uint64_t blocks = g->hblks + (lr_get_be32(p + 12) + 511u) / 512;
        if (lr_get_be32(p) != XLOG_MAGIC || blocks > left) {
            *count = UINT32_MAX;
            return 0;
        }
        (*count)++;
        blk = (blk + blocks) % l->n;
        left -= blocks;
    }
    return 0;
}

/* A record whose CRC fails (a torn write) in pass 1: the kernel's check
 * of the last 8 records before the head (xlog_verify_head) moves the
 * head back to it and takes the tail from the record before; when that
 * tail is the walk's, the replay is the same up to it, and *left is cut
 * there. */
static int xr_torn(xr_t *x, const xl_geo_t *g, uint64_t blk, uint64_t *left, uint64_t prev_tail,
                   bool have_prev, lr_error_t *err)
{
    uint32_t count;
    int rc = xr_count(x->l, g, blk, *left, &count, err);
    if (rc)
        return rc;
    if (!have_prev || count > XLOG_MAX_ICLOGS || prev_tail != x->l->tail_lsn) {
        x->why = "a record between the log's tail and head fails its checksum";
        return 0;
    }
    x->out->torn = true;
    *left = 0;
    return 0;
}

/* One pass from the tail over `*left` blocks (pass 1 may cut it at a
 * torn record); transactions not committed by the head are dropped. */
static int xr_pass(xr_t *x, uint64_t *left, uint8_t *rbuf, lr_error_t *err)
{
    xl_t *l = x->l;
    uint64_t blk = (uint32_t)l->tail_lsn, todo = *left, prev_tail = 0;
    bool have_prev = false;
    xl_geo_t g;
    int rc = xl_tail_geo(l, &g, &x->why, err);
    if (rc || x->why)
        return rc;
    x->recovery_lsn = 0;
    while (todo && !x->why) {
        uint64_t blocks = 0;
        xl_rec_t r = {0};
        if ((rc = xl_record(l, &r, &g, blk, todo, rbuf, &blocks, err)))
            return rc;
        if (r.crc_bad && x->pass == 1) {
            uint64_t done = *left - todo;
            rc = xr_torn(x, &g, blk, &todo, prev_tail, have_prev, err);
            *left = done;
            if (rc || x->why)
                return rc;
            break;
        }
        if (r.why) {
            x->why = r.why;
            return 0;
        }
        /* the kernel replays only its own byte order's records
         * (xlog_header_check_recover): one order, a Linux kernel's */
        if (r.fmt == 3 || (x->fmt && r.fmt != x->fmt)) {
            x->why = "the log's records are not all of one Linux host's byte order";
            return 0;
        }
        x->fmt = r.fmt;
        x->le = r.le;
        x->rec_lsn = lr_get_be64(rbuf + 16);
        if ((rc = xr_ops(x, rbuf, rbuf + g.hblks * 512, err)))
            return rc;
        prev_tail = lr_get_be64(rbuf + 24);
        have_prev = true;
        blk = (blk + blocks) % l->n;
        todo -= blocks;
    }
    while (x->ntx)
        xr_tx_drop(x, x->ntx - 1);
    return x->pass == 2 && !x->why ? xr_drain(x, err) : 0;
}

/* The inode geometry icreate items are checked against
 * (xfs_ialloc_setup_geometry), from the superblock as it lies. */
static int xr_geometry(xr_t *x, lr_error_t *err)
{
    uint8_t *sb = x->sb;
    int rc = xf_read(x->fs, sb, sizeof(x->sb), 0, NULL, err);
    if (rc)
        return rc;
    const lr_xfs_t *fs = x->fs;
    uint32_t raw = 8192, align = lr_get_be32(sb + 180), spino = lr_get_be32(sb + 228);
    if (fs->v5 && align >= 8192u * (fs->inodesize / 256) / fs->bs)
        raw = 8192u * (fs->inodesize / 256);
    x->bpc = raw > fs->bs ? raw / fs->bs : 1;
    x->ialloc_blks = (fs->inopblock > 64 ? fs->inopblock : 64) >> fs->inopblog;
    x->ialloc_min = fs->v5 && spino ? spino : x->ialloc_blks;
    x->nrext64 = fs->v5 && (lr_get_be32(sb + 216) & 0x20u);
    return 0;
}

/* Whether the replayed superblock keeps the geometry fs was opened with
 * (a growfs in the log would change it: not followed here). */
static int xr_same_geometry(xr_t *x, lr_error_t *err)
{
    uint8_t sb[512];
    int rc = xf_read(x->fs, sb, sizeof(sb), 0, NULL, err);
    if (rc)
        return rc;
    if (lr_get_be64(sb + 8) != x->fs->dblocks || lr_get_be32(sb + 84) != x->fs->agblocks ||
        lr_get_be32(sb + 88) != x->fs->agcount || lr_get_be32(sb + 4) != x->fs->bs)
        x->why = "the log changes the filesystem's size (growfs): not replayed here";
    return 0;
}

static void xr_free(xr_t *x)
{
    while (x->ntx)
        xr_tx_drop(x, x->ntx - 1);
    free(x->tx);
    free(x->cancel);
    free(x->dirty);
    free(x->intent);
    free(x->buf);
}

/* Both passes over the dirty log l (head: its head). */
static int xr_replay(xl_t *l, uint64_t head, lr_xfs_log_t *log, lr_error_t *err)
{
    uint64_t n = l->n, left = (head + n - (uint32_t)l->tail_lsn) % n;
    xr_t x = {.l = l, .fs = l->fs, .out = log};
    uint8_t *rbuf = malloc((size_t)(XLOG_MAX_HBLKS * 512 + XLOG_V2_RECORD));
    x.buf = malloc(128 * 512);
    int rc = rbuf && x.buf ? 0 : lr_error_oom(err);
    if (!rc && ((uint32_t)l->tail_lsn >= n || !left))
        x.why = "the log's tail is not one the kernel would replay from";
    if (!rc && !x.why)
        rc = xr_geometry(&x, err);
    for (x.pass = 1; !rc && !x.why && x.pass <= 2; x.pass++)
        rc = xr_pass(&x, &left, rbuf, err);
    if (!rc && !x.why)
        rc = xr_same_geometry(&x, err);
    if (!rc && !x.why) {
        log->state = LR_XFS_LOG_REPLAYED;
        log->why = NULL;
        log->unfinished = (uint32_t)x.nintent;
        for (size_t i = 0; i < x.nintent; i++)
            if (x.intent[i].type == 0x1244 || x.intent[i].type == 0x1248) /* BUI, XMI */
                log->maps_unfinished = true;
    } else if (!rc) {
        log->why = x.why;
    }
    xr_free(&x);
    free(rbuf);
    return rc;
}

int lr_xfs_replay(lr_xfs_t *fs, lr_xfs_log_t *log, lr_error_t *err)
{
    if (fs->replayed) {
        *log = fs->replay;
        return 0;
    }
    xl_t l;
    uint64_t head;
    int rc = xl_find(fs, &l, log, &head, err);
    if (!rc && log->state == LR_XFS_LOG_DIRTY)
        rc = xr_replay(&l, head, log, err);
    free(l.chunk);
    if (rc && rc != -ENOMEM && log->state == LR_XFS_LOG_DIRTY)
        log->why = "the log, or a block it names, does not read";
    if (rc || log->state != LR_XFS_LOG_REPLAYED) {
        xf_overlay_free(fs); /* nothing replayed: the image as it lies */
        log->transactions = log->items = log->skipped = log->sectors = 0;
        log->unfinished = 0;
        log->maps_unfinished = log->torn = false;
    }
    if (!rc) {
        fs->replayed = true;
        fs->replay = *log;
    }
    return rc;
}
