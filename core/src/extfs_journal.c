/* The jbd2 journal of an ext3/ext4 filesystem, read for what it remembers
 * of deleted files (lr/extfs.h, lr_extfs_journal_files). The kernel
 * clears a deleted file's block map and size in its inode, but every
 * change to an inode table block is logged whole, and old transactions
 * stay in the journal's blocks until the log wraps over them: the inode
 * as it was while the file lived is often still there. The format is
 * the kernel's include/linux/jbd2.h (big-endian); the inode's fields are
 * fs/ext4/ext4.h's struct ext4_inode. libext2fs maps the journal inode's
 * blocks; nothing is ever written. No library reads a journal's old
 * transactions (libext2fs's journal code replays the live log only). */
#include "lr/extfs.h"

#ifdef LR_HAVE_EXT2FS
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extfs_int.h"
#include "le.h"
#include "lr/crc.h"
#include "lr/sort.h"

#define JBD_MAGIC EXTFS_JBD_MAGIC
#define JBD_DESCRIPTOR 1u
#define JBD_COMMIT 2u
#define JBD_SB_V1 3u
#define JBD_SB_V2 4u
#define JBD_REVOKE 5u
#define JBD_COMPAT_CHECKSUM 0x1u /* journal checksum v1: crc32_be of a transaction */
#define JBD_CRC32_CHKSUM 1u      /* a commit block's h_chksum_type for it */
#define JBD_INCOMPAT_64BIT 0x2u
#define JBD_INCOMPAT_CSUM_V2 0x8u
#define JBD_INCOMPAT_CSUM_V3 0x10u
#define JBD_INCOMPAT_FAST_COMMIT 0x20u
#define JBD_FAST_COMMIT_BLOCKS 256u /* the kernel's default when not set */
#define JBD_TAG_ESCAPE 0x1u         /* the block began with the magic: zeroed */
#define JBD_TAG_SAME_UUID 0x2u      /* else 16 bytes of UUID follow the tag */
#define JBD_TAG_LAST 0x8u
#define JBD_HEADER 12u
#define JBD_CHUNK (1u << 20)          /* bytes of journal read at a time for headers */
#define JBD_MAX_BLOCKS (1u << 24)     /* the most journal blocks mapped (64 GiB at 4 KiB) */
#define JBD_MAX_HEADERS (1u << 20)    /* the most log blocks with a header kept */
#define JBD_MAX_COPIES (1u << 18)     /* the most logged blocks kept (6 MiB) */
#define JR_MAX_CLAIM_STEPS (1u << 26) /* pieces looked at for later claims, in all */

#define INO_MODE 0x00u
#define INO_SIZE_LO 0x04u
#define INO_LINKS 0x1au
#define INO_FLAGS 0x20u
#define INO_BLOCK 0x28u
#define INO_FILE_ACL 0x68u
#define INO_SIZE_HI 0x6cu
#define INO_FILE_ACL_HI 0x76u
#define INO_MIN_SIZE 0x80u
#define INO_EXTENTS_FL 0x80000u
#define INO_INLINE_FL 0x10000000u
#define EXT_HEADER_MAGIC 0xF30Au
#define EXT_INIT_MAX 32768u /* an extent longer is uninitialised (reads zeros) */
#define MAP_DIRECT 12u      /* an ext3 inode's direct blocks */

/* An inode as a journal copy holds it: its block map (direct blocks and
 * the blocks of its map itself count as pieces too, for the claims). */
typedef struct jr_inode {
    uint32_t ino;
    uint64_t size;
    bool regular;
    lr_extfs_run_t *run; /* the reader's buffer (jr_t.runs) */
    size_t n, cap;
} jr_inode_t;

/* A copy of an inode table block the journal holds, at journal block pos. */
typedef struct jr_copy {
    uint32_t pos, seq;
    uint64_t block;
    bool escaped;
    uint32_t rel; /* others: seq less the oldest committed one */
} jr_copy_t;

typedef struct jr_table {
    uint64_t start;
    uint32_t group;
} jr_table_t;

/* A log block with a jbd2 header: where, its type and transaction. */
typedef struct jr_header {
    uint32_t pos, seq;
    uint32_t type;
} jr_header_t;

/* Where the journal inode's blocks lie: len blocks from logical at phys. */
typedef struct jr_extent {
    uint64_t logical, phys, len;
} jr_extent_t;

typedef struct jr {
    lr_extfs_t *fs;
    jr_extent_t *map; /* the journal inode's blocks, by logical block */
    size_t n_map, cap_map;
    bool map_oom, map_long;
    uint64_t file_blocks; /* its size in blocks */
    uint32_t bs;
    uint32_t first, last; /* the log's blocks: [first, last) */
    uint32_t incompat, compat;
    uint32_t sb_seq, sb_start; /* the live log: its first transaction, where it starts (0: none) */
    uint32_t fc_first;         /* ext4's fast-commit area's first block (0: none) */
    uint8_t uuid[16];          /* the journal's, its checksums' seed */
    size_t tag_bytes, tags_end;
    uint64_t *budget;
    jr_header_t *hdr; /* the log blocks with a header, ascending */
    size_t n_hdr, cap_hdr;
    uint32_t chunk;    /* blocks read at a time */
    uint8_t *blk;      /* JBD_CHUNK blocks */
    uint32_t base;     /* the oldest transaction that committed */
    uint64_t *commits; /* the transactions that committed */
    size_t n_commits, cap_commits;
    jr_table_t *tables;
    jr_copy_t *copies; /* of inode table blocks, in log order */
    size_t n_copies, cap_copies;
    jr_copy_t *others; /* of every other block (extent tree blocks), by block */
    size_t n_others, cap_others;
    lr_extfs_run_t *runs; /* an inode's pieces, as decoded */
    size_t cap_runs;
    uint8_t *leaf; /* one block: an extent tree block's copy */
} jr_t;

static uint32_t jr_be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t jr_le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* v (*cap items of `size` bytes) with room for item n, doubled as it
 * fills; NULL when out of memory (v is then still the caller's). */
static void *jr_room(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t more = *cap ? *cap * 2 : 64;
    void *w = realloc(v, more * size);
    if (w)
        *cap = more;
    return w;
}

/* Whether transaction a is later than b (sequence numbers wrap). */
static bool jr_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/* block_iterate3's callback: one block of the journal inode's data. */
static int jr_map_block(ext2_filsys e2, blk64_t *blocknr, e2_blkcnt_t blockcnt, blk64_t ref,
                        int ref_offset, void *arg)
{
    (void)e2, (void)ref, (void)ref_offset;
    jr_t *j = arg;
    if (blockcnt < 0)
        return 0; /* a block of the map itself */
    if ((uint64_t)blockcnt >= JBD_MAX_BLOCKS) {
        j->map_long = true;
        return BLOCK_ABORT;
    }
    jr_extent_t *last = j->n_map ? &j->map[j->n_map - 1] : NULL;
    if (last && last->logical + last->len == (uint64_t)blockcnt &&
        last->phys + last->len == *blocknr) {
        last->len++;
        return 0;
    }
    jr_extent_t *v = jr_room(j->map, &j->cap_map, j->n_map, sizeof(*v));
    if (!v) {
        j->map_oom = true;
        return BLOCK_ABORT;
    }
    j->map = v;
    j->map[j->n_map++] = (jr_extent_t){(uint64_t)blockcnt, *blocknr, 1};
    return 0;
}

/* Where the journal inode's blocks lie (one walk of its map, extents or
 * ext3's indirect blocks). */
static int jr_map(jr_t *j, uint32_t inum, lr_error_t *err)
{
    ext2_filsys e2 = j->fs->fs;
    struct ext2_inode in;
    errcode_t e = ext2fs_read_inode(e2, inum, &in);
    if (!e)
        e = ext2fs_block_iterate3(e2, inum, BLOCK_FLAG_DATA_ONLY | BLOCK_FLAG_READ_ONLY, NULL,
                                  jr_map_block, j);
    if (e == EXT2_ET_NO_MEMORY || j->map_oom)
        return lr_error_set(err, -ENOMEM, 0, "out of memory");
    if (j->map_long)
        return lr_error_set(err, LR_ELIMIT, 0, "a journal of more than %u blocks", JBD_MAX_BLOCKS);
    if (e)
        return lr_error_set(err, LR_EFORMAT, 0, "the journal's inode %u does not read: %s", inum,
                            extfs_why(e));
    j->file_blocks = EXT2_I_SIZE(&in) / j->bs;
    return 0;
}

/* The first of the journal's extents ending past its block at (n_map
 * when none does). */
static size_t jr_extent_at(const jr_t *j, uint64_t at)
{
    size_t lo = 0, hi = j->n_map;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->map[mid].logical + j->map[mid].len <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The filesystem's block that journal block at lies at; false for a hole. */
static bool jr_log_phys(const jr_t *j, uint32_t at, uint64_t *phys)
{
    size_t i = jr_extent_at(j, at);
    if (i >= j->n_map || j->map[i].logical > at)
        return false;
    *phys = j->map[i].phys + (at - j->map[i].logical);
    return true;
}

/* Reads count journal blocks from block at into buf (a hole reads as
 * zeros), charging the budget. */
static int jr_read(jr_t *j, uint32_t at, uint32_t count, uint8_t *buf, lr_error_t *err)
{
    uint64_t bytes = (uint64_t)count * j->bs;
    if (*j->budget < bytes)
        return lr_error_set(err, LR_ELIMIT, 0, "the journal's budget ran out");
    *j->budget -= bytes;
    size_t lo = jr_extent_at(j, at);
    uint64_t pos = at, end = (uint64_t)at + count;
    while (pos < end) {
        const jr_extent_t *x = lo < j->n_map ? &j->map[lo] : NULL;
        uint8_t *dst = buf + (pos - at) * j->bs;
        if (!x || x->logical > pos) { /* a hole up to the next extent */
            uint64_t to = x && x->logical < end ? x->logical : end;
            memset(dst, 0, (size_t)((to - pos) * j->bs));
            pos = to;
            continue;
        }
        uint64_t n = x->logical + x->len - pos;
        n = n < end - pos ? n : end - pos;
        errcode_t e =
            io_channel_read_blk64(j->fs->fs->io, x->phys + (pos - x->logical), (int)n, dst);
        if (e)
            return lr_error_set(err, LR_EFORMAT, 0, "journal block %llu does not read: %s",
                                (unsigned long long)pos, extfs_why(e));
        pos += n;
        lo++;
    }
    return 0;
}

/* The journal's superblock: the log's blocks and the tags' form. */
static int jr_superblock(jr_t *j, lr_error_t *err)
{
    int rc = jr_read(j, 0, 1, j->blk, err);
    if (rc)
        return rc;
    const uint8_t *p = j->blk;
    uint32_t type = lr_get_be32(p + 4);
    if (lr_get_be32(p) != JBD_MAGIC || (type != JBD_SB_V1 && type != JBD_SB_V2))
        return lr_error_set(err, LR_EFORMAT, 0, "the journal has no jbd2 superblock");
    uint32_t bs = lr_get_be32(p + 12), maxlen = lr_get_be32(p + 16), first = lr_get_be32(p + 20);
    if (bs != j->bs || maxlen > j->file_blocks || first < 1 || first >= maxlen)
        return lr_error_set(err, LR_EFORMAT, 0,
                            "the journal's superblock does not fit its inode (block size %u, "
                            "%u blocks from %u)",
                            bs, maxlen, first);
    if (maxlen > JBD_MAX_BLOCKS)
        return lr_error_set(err, LR_ELIMIT, 0, "a journal of more than %u blocks", JBD_MAX_BLOCKS);
    j->incompat = type == JBD_SB_V2 ? lr_get_be32(p + 40) : 0;
    j->compat = type == JBD_SB_V2 ? lr_get_be32(p + 36) : 0;
    j->sb_seq = lr_get_be32(p + 24);
    j->sb_start = lr_get_be32(p + 28);
    if (type == JBD_SB_V2)
        memcpy(j->uuid, p + 48, sizeof(j->uuid));
    j->first = first;
    j->last = maxlen;
    if (j->incompat & JBD_INCOMPAT_FAST_COMMIT) {
        uint32_t fc = lr_get_be32(p + 0x54);
        fc = fc ? fc : JBD_FAST_COMMIT_BLOCKS;
        if (fc < maxlen - first) {
            j->last = maxlen - fc;     /* the fast-commit area is no part of the log */
            j->fc_first = j->last + 1; /* as the kernel's jbd2 load_superblock */
        }
    }
    bool csum = j->incompat & (JBD_INCOMPAT_CSUM_V2 | JBD_INCOMPAT_CSUM_V3);
    if (j->incompat & JBD_INCOMPAT_CSUM_V3)
        j->tag_bytes = 16;
    else
        j->tag_bytes = 8 + ((j->incompat & JBD_INCOMPAT_64BIT) ? 4 : 0) +
                       ((j->incompat & JBD_INCOMPAT_CSUM_V2) ? 2 : 0);
    j->tags_end = j->bs - (csum ? 4 : 0); /* a descriptor's checksum tail */
    return 0;
}

/* The journal block after pos in the log (it wraps to its first). */
static uint32_t jr_next(const jr_t *j, uint32_t pos)
{
    return pos + 1 >= j->last ? j->first : pos + 1;
}

static int jr_commit(jr_t *j, uint32_t seq)
{
    uint64_t *v = jr_room(j->commits, &j->cap_commits, j->n_commits, sizeof(*v));
    if (!v)
        return -ENOMEM;
    j->commits = v;
    j->commits[j->n_commits++] = seq;
    return 0;
}

static int jr_header(jr_t *j, jr_header_t h)
{
    jr_header_t *v = jr_room(j->hdr, &j->cap_hdr, j->n_hdr, sizeof(*v));
    if (!v)
        return -ENOMEM;
    j->hdr = v;
    j->hdr[j->n_hdr++] = h;
    return 0;
}

/* The header of log block pos, or NULL when it has none (a data block:
 * one that began with the magic was escaped, so none does). */
static int jr_header_cmp(const void *key, const void *elem)
{
    uint32_t a = *(const uint32_t *)key, b = ((const jr_header_t *)elem)->pos;
    return (a > b) - (a < b);
}

static const jr_header_t *jr_header_at(const jr_t *j, uint32_t pos)
{
    return j->n_hdr ? bsearch(&pos, j->hdr, j->n_hdr, sizeof(*j->hdr), jr_header_cmp) : NULL;
}

/* Reads every log block's header: its type and transaction, and the
 * transactions that committed. */
static int jr_headers(jr_t *j, lr_error_t *err)
{
    for (uint32_t at = j->first; at < j->last;) {
        uint32_t count = j->last - at < j->chunk ? j->last - at : j->chunk;
        int rc = jr_read(j, at, count, j->blk, err);
        if (rc)
            return rc;
        for (uint32_t k = 0; k < count; k++) {
            const uint8_t *p = j->blk + (size_t)k * j->bs;
            uint32_t type = lr_get_be32(p + 4), seq = lr_get_be32(p + 8);
            if (lr_get_be32(p) != JBD_MAGIC || type < JBD_DESCRIPTOR || type > JBD_REVOKE)
                continue;
            if (j->n_hdr >= JBD_MAX_HEADERS)
                return lr_error_set(err, LR_ELIMIT, 0, "a journal of more than %u headers",
                                    JBD_MAX_HEADERS);
            if (jr_header(j, (jr_header_t){at + k, seq, type}) ||
                (type == JBD_COMMIT && jr_commit(j, seq)))
                return lr_error_set(err, -ENOMEM, 0, "out of memory");
        }
        at += count;
    }
    if (j->n_commits)
        qsort(j->commits, j->n_commits, sizeof(*j->commits), lr_u64_cmp);
    for (size_t i = 0; i < j->n_commits; i++)
        if (!i || jr_after(j->base, (uint32_t)j->commits[i]))
            j->base = (uint32_t)j->commits[i];
    return 0;
}

static int jr_table_cmp(const void *a, const void *b)
{
    const jr_table_t *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

/* Every group's inode table, by where it starts. */
static int jr_tables(jr_t *j, lr_error_t *err)
{
    ext2_filsys e2 = j->fs->fs;
    if (!(j->tables = malloc((size_t)e2->group_desc_count * sizeof(*j->tables))))
        return lr_error_set(err, -ENOMEM, 0, "out of memory");
    for (dgrp_t g = 0; g < e2->group_desc_count; g++)
        j->tables[g] = (jr_table_t){ext2fs_inode_table_loc(e2, g), g};
    qsort(j->tables, e2->group_desc_count, sizeof(*j->tables), jr_table_cmp);
    return 0;
}

/* The inode table holding block, or NULL. */
static const jr_table_t *jr_table_of(const jr_t *j, uint64_t block)
{
    ext2_filsys e2 = j->fs->fs;
    size_t lo = 0, hi = e2->group_desc_count;
    while (lo < hi) { /* the last table starting at or before block */
        size_t mid = lo + (hi - lo) / 2;
        if (j->tables[mid].start <= block)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo || !j->tables[lo - 1].start)
        return NULL;
    const jr_table_t *t = &j->tables[lo - 1];
    return block - t->start < e2->inode_blocks_per_group ? t : NULL;
}

/* others: by block, then transaction (as numbers from the oldest commit:
 * sequence numbers wrap, the log's span never does) */
static int jr_copy_cmp(const void *x, const void *y)
{
    const jr_copy_t *a = x, *b = y;
    if (a->block != b->block)
        return a->block < b->block ? -1 : 1;
    return (a->rel > b->rel) - (a->rel < b->rel);
}

static int jr_push(jr_copy_t **v, size_t *n, size_t *cap, jr_copy_t c)
{
    jr_copy_t *w = jr_room(*v, cap, *n, sizeof(*w));
    if (!w)
        return -ENOMEM;
    *v = w;
    w[(*n)++] = c;
    return 0;
}

/* The copies of inode table blocks the descriptor at journal block at
 * names, kept when its blocks hold no header (not written over) and the
 * block after them continues or commits its transaction, which did commit. */
static int jr_descriptor(jr_t *j, uint32_t at, lr_error_t *err)
{
    uint32_t seq = jr_header_at(j, at)->seq;
    uint64_t key = seq;
    if (!j->n_commits || !bsearch(&key, j->commits, j->n_commits, sizeof(key), lr_u64_cmp))
        return 0;
    int rc = jr_read(j, at, 1, j->blk, err);
    if (rc)
        return rc;
    size_t had = j->n_copies, had_others = j->n_others;
    uint32_t pos = at;
    bool v3 = j->incompat & JBD_INCOMPAT_CSUM_V3, b64 = j->incompat & JBD_INCOMPAT_64BIT;
    uint64_t blocks = ext2fs_blocks_count(j->fs->fs->super);
    bool kept = true;
    for (size_t off = JBD_HEADER; off + j->tag_bytes <= j->tags_end && kept;) {
        const uint8_t *t = j->blk + off;
        uint64_t nr = lr_get_be32(t);
        uint32_t flags = v3 ? lr_get_be32(t + 4) : jr_be16(t + 6);
        if (b64)
            nr |= (uint64_t)lr_get_be32(t + 8) << 32;
        pos = jr_next(j, pos);
        /* a header where its block should be: written over since */
        kept = !jr_header_at(j, pos);
        jr_copy_t c = {pos, seq, nr, flags & JBD_TAG_ESCAPE, seq - j->base};
        if (kept && j->n_copies + j->n_others >= JBD_MAX_COPIES)
            return lr_error_set(err, LR_ELIMIT, 0, "a journal of more than %u logged blocks",
                                JBD_MAX_COPIES);
        int pushed = !kept || nr >= blocks ? 0
                     : jr_table_of(j, nr)  ? jr_push(&j->copies, &j->n_copies, &j->cap_copies, c)
                                           : jr_push(&j->others, &j->n_others, &j->cap_others, c);
        if (pushed)
            return lr_error_set(err, -ENOMEM, 0, "out of memory");
        off += j->tag_bytes + ((flags & JBD_TAG_SAME_UUID) ? 0 : 16);
        if (flags & JBD_TAG_LAST)
            break;
    }
    const jr_header_t *after = jr_header_at(j, jr_next(j, pos));
    if (!kept || !after || after->seq != seq) {
        j->n_copies = had;
        j->n_others = had_others;
    }
    return 0;
}

enum jr_map { JR_NONE, JR_KNOWN, JR_PARTLY };

static void jr_add(jr_inode_t *d, lr_extfs_run_t r)
{
    if (d->n < d->cap) /* cap holds a whole map: 4 full leaves and more */
        d->run[d->n++] = r;
}

/* An xattr block the inode claims (i_file_acl, lo and osd2's hi), as a piece. */
static void jr_xattr_block(const uint8_t *p, jr_inode_t *out)
{
    uint64_t acl = lr_get_le32(p + INO_FILE_ACL) | (uint64_t)jr_le16(p + INO_FILE_ACL_HI) << 32;
    if (acl)
        jr_add(out, (lr_extfs_run_t){UINT64_MAX, 1, acl});
}

/* Adds the extents at e (entries of an extent tree leaf, bounds checked
 * by the caller) to out; false when the kernel would not take them
 * (ext4_valid_extent_entries): one empty or out of the filesystem, or
 * not after the one before it. */
static bool jr_extents(const jr_t *j, const uint8_t *e, uint32_t entries, jr_inode_t *out)
{
    uint64_t blocks = ext2fs_blocks_count(j->fs->fs->super), next = 0;
    for (uint32_t k = 0; k < entries; k++, e += 12) {
        uint64_t len = jr_le16(e + 4), phys = lr_get_le32(e + 8) | (uint64_t)jr_le16(e + 6) << 32;
        uint64_t logical = lr_get_le32(e);
        bool unwritten = len > EXT_INIT_MAX;
        len -= unwritten ? EXT_INIT_MAX : 0;
        if (!len || phys >= blocks || len > blocks - phys || logical < next)
            return false;
        next = logical + len;
        jr_add(out, (lr_extfs_run_t){logical, len, unwritten ? 0 : phys});
    }
    return true;
}

/* A logged block whose first 4 bytes were the journal's magic (zeroed in
 * the log: JBD_TAG_ESCAPE) made whole again. */
static void jr_unescape(uint8_t *p)
{
    uint32_t m = JBD_MAGIC;
    uint8_t be[4] = {m >> 24, m >> 16 & 0xff, m >> 8 & 0xff, m & 0xff};
    memcpy(p, be, 4);
}

static const jr_copy_t *jr_other_at(const jr_t *j, uint64_t block, uint32_t seq);

/* The journal's latest copy of block at or before transaction seq, read
 * into j->leaf: 1; 0 when the journal has none; an error of reading. */
static int jr_read_other(jr_t *j, uint64_t block, uint32_t seq, lr_error_t *err)
{
    const jr_copy_t *best = jr_other_at(j, block, seq);
    if (!best)
        return 0;
    int rc = jr_read(j, best->pos, 1, j->leaf, err);
    if (rc)
        return rc;
    if (best->escaped)
        jr_unescape(j->leaf);
    return 1;
}

/* The leaf block's extents as the journal's latest copy of it at or
 * before transaction seq holds them, added to out: 1; 0 when no such copy
 * is in the journal or it is no leaf; an error of reading. */
static int jr_leaf(jr_t *j, uint64_t leaf, uint32_t seq, jr_inode_t *out, lr_error_t *err)
{
    int rc = jr_read_other(j, leaf, seq, err);
    if (rc <= 0)
        return rc;
    const uint8_t *m = j->leaf;
    uint32_t entries = jr_le16(m + 2), depth = jr_le16(m + 6);
    if (jr_le16(m) != EXT_HEADER_MAGIC || depth != 0 || entries > (j->bs - 12) / 12)
        return 0;
    return jr_extents(j, m + 12, entries, out) ? 1 : 0;
}

/* An ext3 inode's single indirect block as the journal's latest copy of
 * it at or before transaction seq holds it: its block numbers are logical
 * blocks 12 on, added to out: 1; 0 when no such copy is in the journal or
 * a number is out of the filesystem; an error of reading. */
static int jr_indirect(jr_t *j, uint64_t ind, uint32_t seq, jr_inode_t *out, lr_error_t *err)
{
    int rc = jr_read_other(j, ind, seq, err);
    if (rc <= 0)
        return rc;
    uint64_t blocks = ext2fs_blocks_count(j->fs->fs->super);
    for (uint32_t k = 0; k < j->bs / 4; k++) {
        uint64_t b = lr_get_le32(j->leaf + 4 * k);
        if (b >= blocks)
            return 0;
        if (b)
            jr_add(out, (lr_extfs_run_t){MAP_DIRECT + k, 1, b});
    }
    return 1;
}

/* The journal's latest copy of block at or before transaction seq (not
 * an inode table block), or NULL. */
static const jr_copy_t *jr_other_at(const jr_t *j, uint64_t block, uint32_t seq)
{
    uint32_t rel = seq - j->base;
    size_t lo = 0, hi = j->n_others;
    while (lo < hi) { /* past the last copy of block at or before seq */
        size_t mid = lo + (hi - lo) / 2;
        const jr_copy_t *c = &j->others[mid];
        if (c->block < block || (c->block == block && c->rel <= rel))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && j->others[lo - 1].block == block ? &j->others[lo - 1] : NULL;
}

/* Decodes the inode at p (of a journal copy of transaction seq): JR_NONE
 * when it is no file or directory in use; JR_KNOWN when its whole block
 * map is known (out: its pieces; a leaf of its extent tree from the
 * journal's copy of it); JR_PARTLY when some of its blocks are not (a
 * leaf the journal has no copy of, a deeper tree, ext3's double or triple
 * indirect blocks or an indirect block the journal has no copy of: out has
 * those it names); an error of reading. */
static int jr_decode(jr_t *j, const uint8_t *p, uint32_t ino, uint32_t seq, jr_inode_t *out,
                     lr_error_t *err)
{
    uint32_t mode = jr_le16(p + INO_MODE), flags = lr_get_le32(p + INO_FLAGS);
    uint32_t type = mode & 0xF000u;
    /* linked (i_dtime may link the orphan list then: not looked at) */
    if (!jr_le16(p + INO_LINKS) || (flags & INO_INLINE_FL))
        return JR_NONE;
    uint64_t size = lr_get_le32(p + INO_SIZE_LO) | (uint64_t)lr_get_le32(p + INO_SIZE_HI) << 32;
    /* regular files, directories, symlinks whose target takes a block (a
     * shorter one is in the map's bytes) */
    if (type != 0x8000u && type != 0x4000u && !(type == 0xA000u && size >= 60))
        return JR_NONE;
    *out = (jr_inode_t){ino, size, type == 0x8000u, j->runs, 0, j->cap_runs};
    jr_xattr_block(p, out);
    uint64_t blocks = ext2fs_blocks_count(j->fs->fs->super);
    const uint8_t *m = p + INO_BLOCK;
    if (!(flags & INO_EXTENTS_FL)) {
        int known = JR_KNOWN;
        for (uint32_t k = 0; k < MAP_DIRECT + 3; k++) {
            uint64_t b = lr_get_le32(m + 4 * k);
            if (b >= blocks)
                return JR_NONE; /* not a map */
            jr_add(out, (lr_extfs_run_t){k < MAP_DIRECT ? k : UINT64_MAX, 1, b});
            if (k < MAP_DIRECT || !b)
                continue;
            /* the single indirect block from its journal copy; what a
             * double or triple one maps is not read */
            int rc = k == MAP_DIRECT ? jr_indirect(j, b, seq, out, err) : 0;
            if (rc < 0)
                return rc;
            if (!rc)
                known = JR_PARTLY;
        }
        return known;
    }
    uint32_t entries = jr_le16(m + 2), depth = jr_le16(m + 6);
    if (jr_le16(m) != EXT_HEADER_MAGIC || entries > 4)
        return JR_NONE;
    if (!depth)
        return jr_extents(j, m + 12, entries, out) ? JR_KNOWN : JR_NONE;
    int known = depth == 1 ? JR_KNOWN : JR_PARTLY;
    for (uint32_t k = 0; k < entries; k++) { /* an index: its blocks are claimed */
        const uint8_t *e = m + 12 + 12 * k;
        uint64_t leaf = lr_get_le32(e + 4) | (uint64_t)jr_le16(e + 8) << 32;
        /* the kernel's order too: each entry's first logical block after
         * the one before (its leaves' extents then follow in order) */
        if (!leaf || leaf >= blocks || (k && lr_get_le32(e) <= lr_get_le32(e - 12)))
            return JR_NONE;
        jr_add(out, (lr_extfs_run_t){UINT64_MAX, 1, leaf});
        int rc = depth == 1 ? jr_leaf(j, leaf, seq, out, err) : 0;
        if (rc < 0)
            return rc;
        if (!rc)
            known = JR_PARTLY;
    }
    return known;
}

/* The block logical block k of d lies at, 0 for a hole. */
static uint64_t jr_phys(const jr_inode_t *d, uint64_t k)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->run[i].logical != UINT64_MAX && k >= d->run[i].logical &&
            k - d->run[i].logical < d->run[i].len)
            return d->run[i].phys ? d->run[i].phys + (k - d->run[i].logical) : 0;
    return 0;
}

/* One piece of a record's map, for finding the claims on it by block. */
typedef struct jr_piece {
    uint64_t phys, len, logical;
    size_t record;
} jr_piece_t;

typedef struct jr_ask {
    const uint64_t *blocks;
    size_t n;
    uint64_t max_size;
    lr_extfs_past_t *past;
    jr_piece_t *pieces; /* every record's pieces on disk, by phys */
    size_t n_pieces;
    uint64_t longest;    /* the longest piece */
    uint64_t steps;      /* pieces looked at for claims; past JR_MAX_CLAIM_STEPS: */
    bool overflow;       /* claims not all seen: every record unsure */
    uint32_t partly_seq; /* the latest copy of an inode whose map is not all in it */
    bool partly;
    bool *unknown_map; /* per record: its latest copy's map is not all known */
} jr_ask_t;

/* A regular file whose first block is asked for: the latest copy wins;
 * one whose map is not all in the journal (known false) wins too, and
 * the record is dropped after the pass: what lies there is that file's,
 * whose blocks are not known. */
static void jr_candidate(const jr_t *j, jr_ask_t *a, const jr_inode_t *d, uint32_t seq, bool known)
{
    if (!d->regular || !d->size || d->size > a->max_size)
        return;
    uint64_t first = jr_phys(d, 0);
    const uint64_t *hit =
        first ? bsearch(&first, a->blocks, a->n, sizeof(*a->blocks), lr_u64_cmp) : NULL;
    if (!hit)
        return;
    lr_extfs_past_t *r = &a->past[hit - a->blocks];
    if (r->ino && !jr_after(seq, r->seq))
        return;
    a->unknown_map[hit - a->blocks] = !known;
    uint64_t blocks = (d->size + j->bs - 1) / j->bs;
    *r = (lr_extfs_past_t){
        .ino = d->ino, .seq = seq, .size = d->size, .blocks = blocks, .reused = blocks};
    /* its map within its size, pieces in a row joined (ext3's blocks come
     * one by one), as far as a record holds them from logical block 0 */
    uint64_t covered = 0;
    for (size_t i = 0; i < d->n; i++) {
        lr_extfs_run_t x = d->run[i];
        lr_extfs_run_t *last = r->n_runs ? &r->run[r->n_runs - 1] : NULL;
        if (x.logical >= blocks)
            continue; /* past its size, or no logical block (a block of the map) */
        if (x.logical != covered)
            break; /* a hole, or pieces out of order: what follows is not known */
        x.len = x.len < blocks - x.logical ? x.len : blocks - x.logical;
        if (last && last->phys && x.phys && last->phys + last->len == x.phys)
            last->len += x.len;
        else if (r->n_runs < LR_EXTFS_PAST_RUNS)
            r->run[r->n_runs++] = x;
        else
            break; /* more pieces than a record holds */
        covered += x.len;
    }
    if (!covered) { /* its map does not start at logical block 0: not known */
        a->unknown_map[hit - a->blocks] = true;
        return;
    }
    /* in a row from its first block: the first piece (a hole is no piece) */
    r->in_row = r->n_runs && r->run[0].phys == first ? r->run[0].len : 1;
    if (r->in_row < blocks && r->n_runs > 1 && covered > r->in_row)
        r->next = r->run[1].phys;
    if (covered < blocks && r->in_row > covered)
        r->in_row = covered;
}

static int jr_piece_cmp(const void *x, const void *y)
{
    const jr_piece_t *a = x, *b = y;
    return (a->phys > b->phys) - (a->phys < b->phys);
}

/* Every record's pieces on disk (within its size), by block. */
static int jr_pieces(jr_ask_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        n += a->past[i].n_runs;
    if (!n || !(a->pieces = malloc(n * sizeof(*a->pieces))))
        return n ? -ENOMEM : 0;
    for (size_t i = 0; i < a->n; i++)
        for (uint32_t k = 0; k < a->past[i].n_runs; k++) {
            const lr_extfs_run_t *r = &a->past[i].run[k];
            if (!r->phys)
                continue;
            a->pieces[a->n_pieces++] = (jr_piece_t){r->phys, r->len, r->logical, i};
            if (r->len > a->longest)
                a->longest = r->len;
        }
    qsort(a->pieces, a->n_pieces, sizeof(*a->pieces), jr_piece_cmp);
    return 0;
}

/* Another file's later copy claiming blocks [phys, phys + len): each
 * record whose blocks it meets was reused from the first met. */
static void jr_claims(jr_ask_t *a, uint32_t ino, uint32_t seq, uint64_t phys, uint64_t len)
{
    uint64_t end = phys + len;
    size_t lo = 0, hi = a->n_pieces;
    while (lo < hi) { /* the pieces starting before the claim's end */
        size_t mid = lo + (hi - lo) / 2;
        if (a->pieces[mid].phys < end)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0 && !a->overflow;) {
        const jr_piece_t *pc = &a->pieces[i];
        a->overflow = ++a->steps > JR_MAX_CLAIM_STEPS; /* a hostile journal: stop */
        if (pc->phys + a->longest <= phys)
            break; /* no piece further back reaches the claim */
        lr_extfs_past_t *r = &a->past[pc->record];
        if (pc->phys + pc->len <= phys || !jr_after(seq, r->seq))
            continue;
        uint64_t from = pc->logical + (phys > pc->phys ? phys - pc->phys : 0);
        if (from < r->reused) {
            r->reused = from;
            r->by = ino;
            r->by_seq = seq;
        }
    }
}

/* Decodes every inode of every copy: pass 0 finds the records, pass 1
 * the later claims on their blocks. */
static int jr_inodes(jr_t *j, jr_ask_t *a, int pass, lr_error_t *err)
{
    ext2_filsys e2 = j->fs->fs;
    uint32_t isz = EXT2_INODE_SIZE(e2->super), per = j->bs / isz;
    uint32_t ipg = e2->super->s_inodes_per_group;
    if (isz < INO_MIN_SIZE || !per)
        return 0;
    for (size_t c = 0; c < j->n_copies; c++) {
        const jr_copy_t *cp = &j->copies[c];
        int rc = jr_read(j, cp->pos, 1, j->blk, err);
        if (rc)
            return rc;
        if (cp->escaped)
            jr_unescape(j->blk);
        const jr_table_t *t = jr_table_of(j, cp->block);
        uint64_t index = (cp->block - t->start) * per;
        for (uint32_t k = 0; k < per && index + k < ipg; k++) {
            uint64_t ino = (uint64_t)t->group * ipg + index + k + 1;
            jr_inode_t d;
            if (ino > e2->super->s_inodes_count)
                break;
            int m = jr_decode(j, j->blk + (size_t)k * isz, (uint32_t)ino, cp->seq, &d, err);
            if (m < 0)
                return m;
            if (m == JR_NONE)
                continue;
            if (pass == 0) {
                jr_candidate(j, a, &d, cp->seq, m == JR_KNOWN);
                continue;
            }
            if (m == JR_PARTLY && (!a->partly || jr_after(cp->seq, a->partly_seq))) {
                a->partly = true;
                a->partly_seq = cp->seq;
            }
            for (size_t r = 0; r < d.n; r++)
                if (d.run[r].phys)
                    jr_claims(a, d.ino, cp->seq, d.run[r].phys, d.run[r].len);
        }
    }
    return 0;
}

static void jr_free(jr_t *j)
{
    free(j->map);
    free(j->others);
    free(j->runs);
    free(j->leaf);
    free(j->hdr);
    free(j->blk);
    free(j->commits);
    free(j->tables);
    free(j->copies);
}

/* Reads the journal into the records past[]. */
static int jr_run(jr_t *j, jr_ask_t *a, lr_error_t *err)
{
    ext2_filsys e2 = j->fs->fs;
    uint32_t inum = e2->super->s_journal_inum;
    if (!ext2fs_has_feature_journal(e2->super) || !inum)
        return 0; /* no journal, or one on another device */
    j->chunk = j->bs < JBD_CHUNK ? JBD_CHUNK / j->bs : 1;
    j->cap_runs = MAP_DIRECT + 8 + 4 * (size_t)((j->bs - 12) / 12);
    j->blk = malloc((size_t)j->chunk * j->bs);
    j->leaf = malloc(j->bs);
    j->runs = malloc(j->cap_runs * sizeof(*j->runs));
    if (!j->blk || !j->leaf || !j->runs)
        return lr_error_set(err, -ENOMEM, 0, "out of memory");
    int rc = jr_map(j, inum, err);
    if (!rc)
        rc = jr_superblock(j, err);
    if (!rc)
        rc = jr_headers(j, err);
    if (!rc)
        rc = jr_tables(j, err);
    for (size_t h = 0; h < j->n_hdr && !rc; h++)
        if (j->hdr[h].type == JBD_DESCRIPTOR)
            rc = jr_descriptor(j, j->hdr[h].pos, err);
    if (!rc && j->n_others)
        qsort(j->others, j->n_others, sizeof(*j->others), jr_copy_cmp);
    if (!rc)
        rc = jr_inodes(j, a, 0, err);
    for (size_t i = 0; i < a->n && !rc; i++)
        if (a->unknown_map[i])
            a->past[i] = (lr_extfs_past_t){0};
    if (!rc && jr_pieces(a))
        rc = lr_error_set(err, -ENOMEM, 0, "out of memory");
    if (!rc && a->n_pieces)
        rc = jr_inodes(j, a, 1, err);
    for (size_t i = 0; i < a->n && !rc; i++) {
        a->past[i].unsure = a->overflow || (a->partly && jr_after(a->partly_seq, a->past[i].seq));
    }
    return rc;
}

int lr_extfs_journal_files(lr_extfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                           lr_extfs_past_t *past, uint64_t *budget, lr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        past[i] = (lr_extfs_past_t){0};
        if (i && blocks[i] <= blocks[i - 1])
            return lr_error_set(err, LR_ERANGE, blocks[i], "blocks not ascending");
    }
    if (!n)
        return 0;
    jr_t j = {.fs = fs, .bs = fs->fs->blocksize, .budget = budget};
    jr_ask_t a = {.blocks = blocks, .n = n, .max_size = max_size, .past = past};
    if (!(a.unknown_map = calloc(n, sizeof(*a.unknown_map))))
        return lr_error_set(err, -ENOMEM, 0, "out of memory");
    int rc = jr_run(&j, &a, err);
    jr_free(&j);
    free(a.pieces);
    free(a.unknown_map);
    if (rc)
        for (size_t i = 0; i < n; i++)
            past[i] = (lr_extfs_past_t){0};
    return rc;
}

/* ---- the live log, replayed in memory (extfs_replay) -------------------- */
/* As the kernel's fs/jbd2/recovery.c (do_one_pass): from the superblock's
 * s_start, blocks whose header names the expected transaction, each
 * descriptor's tags naming the blocks after it, a commit block closing a
 * transaction; the first block that is none of these (another sequence,
 * no magic, a checksum that fails) ends the log. Revoke records cancel a
 * block's copies in their transaction and before. */

#define JBD_CSUM_V23 (JBD_INCOMPAT_CSUM_V2 | JBD_INCOMPAT_CSUM_V3)

/* A block a committed transaction logged: at log block pos. */
typedef struct jr_tag {
    uint64_t block;
    uint32_t pos, rel; /* rel: its transaction less the log's first */
    uint32_t order;    /* its place in the log (a block twice in one
                          transaction: the later copy is written last) */
    uint32_t csum;     /* the tag's checksum of the copy (csum v2: 16 bits) */
    uint32_t escape;
} jr_tag_t;

typedef struct jr_revoke {
    uint64_t block;
    uint32_t rel;
} jr_revoke_t;

typedef struct jr_live {
    bool v1;        /* journal checksum v1 (and not v2/v3): crc32 kept */
    uint32_t crc32; /* v1: the transaction's crc32_be so far */
    jr_tag_t *tags;
    size_t n_tags, cap_tags;
    jr_revoke_t *revokes;
    size_t n_revokes, cap_revokes;
    uint32_t seed; /* the checksums' seed: crc32c of the journal's uuid */
} jr_live_t;

/* Whether a descriptor, revoke or commit block's checksum holds: the
 * block's crc32c with its checksum field (at `at`) zeroed. */
static bool jr_block_csum(const jr_t *j, const jr_live_t *l, uint8_t *p, size_t at)
{
    if (!(j->incompat & JBD_CSUM_V23))
        return true;
    uint32_t want = lr_get_be32(p + at);
    memset(p + at, 0, 4);
    uint32_t got = lr_crc32c(l->seed, p, j->bs);
    p[at] = (uint8_t)(want >> 24), p[at + 1] = (uint8_t)(want >> 16);
    p[at + 2] = (uint8_t)(want >> 8), p[at + 3] = (uint8_t)want;
    return got == want;
}

/* Journal checksum v1: the descriptor in j->blk and the `named` blocks
 * after it (at pos's next) added to the transaction's crc32_be, as the
 * kernel's calc_chksums. */
static int jr_v1_sum(jr_t *j, jr_live_t *l, uint32_t pos, uint32_t named, lr_error_t *err)
{
    l->crc32 = lr_crc32_be(l->crc32, j->blk, j->bs);
    for (uint32_t k = 0; k < named; k++) {
        pos = jr_next(j, pos);
        int rc = jr_read(j, pos, 1, j->blk, err);
        if (rc)
            return rc;
        l->crc32 = lr_crc32_be(l->crc32, j->blk, j->bs);
    }
    return 0;
}

/* Whether a commit block (in j->blk) closes its transaction under journal
 * checksum v1: its crc32 the transaction's, or none given (the kernel's
 * do_one_pass, PASS_SCAN). */
static bool jr_v1_commit(const jr_t *j, const jr_live_t *l)
{
    const uint8_t *p = j->blk;
    uint32_t found = lr_get_be32(p + 16);
    return (found == l->crc32 && p[12] == JBD_CRC32_CHKSUM && p[13] == 4) ||
           (p[12] == 0 && p[13] == 0 && found == 0);
}

/* The descriptor in j->blk (transaction rel): its tags, the log blocks
 * after it from *pos on; *named: how many. LR_ELIMIT past
 * LR_EXTFS_REPLAY_MAX tags, -ENOMEM. */
static int jr_live_tags(jr_t *j, jr_live_t *l, uint32_t rel, uint32_t *pos, uint32_t *named)
{
    bool v3 = j->incompat & JBD_INCOMPAT_CSUM_V3, b64 = j->incompat & JBD_INCOMPAT_64BIT;
    *named = 0;
    for (size_t off = JBD_HEADER; off + j->tag_bytes <= j->tags_end;) {
        const uint8_t *t = j->blk + off;
        uint64_t nr = lr_get_be32(t);
        uint32_t flags = v3 ? lr_get_be32(t + 4) : jr_be16(t + 6);
        uint32_t csum = v3 ? lr_get_be32(t + 12) : jr_be16(t + 4);
        if (b64)
            nr |= (uint64_t)lr_get_be32(t + 8) << 32;
        if (l->n_tags >= LR_EXTFS_REPLAY_MAX)
            return LR_ELIMIT;
        jr_tag_t *v = jr_room(l->tags, &l->cap_tags, l->n_tags, sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->tags = v;
        *pos = jr_next(j, *pos);
        l->tags[l->n_tags] =
            (jr_tag_t){nr, *pos, rel, (uint32_t)l->n_tags, csum, flags & JBD_TAG_ESCAPE};
        l->n_tags++;
        (*named)++;
        off += j->tag_bytes + ((flags & JBD_TAG_SAME_UUID) ? 0 : 16);
        if (flags & JBD_TAG_LAST)
            break;
    }
    return 0;
}

/* The revoke block in j->blk (transaction rel): its records. */
static int jr_live_revokes(jr_t *j, jr_live_t *l, uint32_t rel)
{
    size_t used = lr_get_be32(j->blk + 12), rec = (j->incompat & JBD_INCOMPAT_64BIT) ? 8 : 4;
    size_t end = j->bs - ((j->incompat & JBD_CSUM_V23) ? 4 : 0);
    if (used > end)
        return LR_EFORMAT;
    for (size_t off = 16; off + rec <= used; off += rec) {
        if (l->n_revokes >= LR_EXTFS_REPLAY_MAX)
            return LR_ELIMIT;
        jr_revoke_t *v = jr_room(l->revokes, &l->cap_revokes, l->n_revokes, sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->revokes = v;
        uint64_t nr = rec == 8 ? lr_get_be64(j->blk + off) : lr_get_be32(j->blk + off);
        l->revokes[l->n_revokes++] = (jr_revoke_t){nr, rel};
    }
    return 0;
}

/* The walk's failure: out of memory, or a log past what a replay keeps. */
static int jr_live_fail(int rc, lr_error_t *err)
{
    if (rc == -ENOMEM)
        return lr_error_oom(err);
    return lr_error_set(err, rc, 0, "a live log of more than %u logged blocks or revoke records",
                        LR_EXTFS_REPLAY_MAX);
}

/* Walks the live log from its start: the tags and revoke records of the
 * transactions that committed (those of one that did not are dropped);
 * *n_trans: how many committed; *corrupt: the walk stopped at a block of
 * the expected transaction whose checksum fails (the kernel refuses such
 * a log: "journal transaction N is corrupt"), not at the log's end. */
static int jr_live_walk(jr_t *j, jr_live_t *l, uint32_t *n_trans, bool *corrupt, lr_error_t *err)
{
    *corrupt = false;
    uint32_t pos = j->sb_start, rel = 0, span = j->last - j->first;
    size_t tags_done = 0, revokes_done = 0;
    for (uint32_t used = 0; used < span; used++) {
        int rc = jr_read(j, pos, 1, j->blk, err);
        if (rc)
            return rc;
        uint8_t *p = j->blk;
        uint32_t type = lr_get_be32(p + 4), named = 0;
        if (lr_get_be32(p) != JBD_MAGIC || lr_get_be32(p + 8) != j->sb_seq + rel)
            break;                                        /* the log ends */
        bool tail_ok = jr_block_csum(j, l, p, j->bs - 4); /* descriptor, revoke */
        if (type == JBD_DESCRIPTOR) {
            if (!tail_ok) {
                *corrupt = true;
                break;
            }
            uint32_t at = pos;
            if ((rc = jr_live_tags(j, l, rel, &pos, &named)))
                return jr_live_fail(rc, err);
            if (l->v1 && (rc = jr_v1_sum(j, l, at, named, err)))
                return rc;
            used += named;
        } else if (type == JBD_COMMIT) {
            if (!jr_block_csum(j, l, p, 16) || (l->v1 && !jr_v1_commit(j, l))) {
                *corrupt = true;
                break;
            }
            l->crc32 = 0xffffffffu;
            rel++;
            tags_done = l->n_tags;
            revokes_done = l->n_revokes;
        } else if (type == JBD_REVOKE) {
            rc = tail_ok ? jr_live_revokes(j, l, rel) : LR_EFORMAT;
            if (rc == LR_EFORMAT) {
                *corrupt = true;
                break;
            }
            if (rc)
                return jr_live_fail(rc, err);
        } else {
            break;
        }
        pos = jr_next(j, pos);
    }
    l->n_tags = tags_done;
    l->n_revokes = revokes_done;
    *n_trans = rel;
    return 0;
}

static int jr_tag_cmp(const void *x, const void *y)
{
    const jr_tag_t *a = x, *b = y;
    if (a->block != b->block)
        return a->block < b->block ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order); /* log order: rel ascends too */
}

static int jr_revoke_cmp(const void *x, const void *y)
{
    const jr_revoke_t *a = x, *b = y;
    if (a->block != b->block)
        return a->block < b->block ? -1 : 1;
    return (a->rel > b->rel) - (a->rel < b->rel);
}

/* The latest transaction revoking block (rel + 1), or 0 when none does. */
static uint32_t jr_revoked(const jr_live_t *l, uint64_t block)
{
    size_t lo = 0, hi = l->n_revokes;
    while (lo < hi) { /* past the last record of block */
        size_t mid = lo + (hi - lo) / 2;
        if (l->revokes[mid].block <= block)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && l->revokes[lo - 1].block == block ? l->revokes[lo - 1].rel + 1 : 0;
}

/* Whether a logged copy's checksum (csum v2/v3: the tag's) holds. */
static int jr_copy_good(jr_t *j, const jr_live_t *l, const jr_tag_t *t, bool *good, lr_error_t *err)
{
    *good = true;
    if (!(j->incompat & JBD_CSUM_V23))
        return 0;
    int rc = jr_read(j, t->pos, 1, j->blk, err);
    if (rc)
        return rc;
    uint8_t seq[4] = {0};
    uint32_t s = j->sb_seq + t->rel;
    seq[0] = (uint8_t)(s >> 24), seq[1] = (uint8_t)(s >> 16), seq[2] = (uint8_t)(s >> 8);
    seq[3] = (uint8_t)s;
    uint32_t c = lr_crc32c(lr_crc32c(l->seed, seq, 4), j->blk, j->bs);
    *good = (j->incompat & JBD_INCOMPAT_CSUM_V3) ? c == t->csum : (c & 0xffffu) == t->csum;
    return 0;
}

/* For each block logged, the latest copy not revoked whose checksum
 * holds (the kernel writes them in log order, so the last one stays). */
static int jr_live_blocks(jr_t *j, jr_live_t *l, uint64_t blocks, extfs_logged_t *out, size_t *n,
                          lr_extfs_replay_t *info, lr_error_t *err)
{
    for (size_t i = 0; i < l->n_tags;) {
        size_t end = i;
        while (end < l->n_tags && l->tags[end].block == l->tags[i].block)
            end++;
        uint32_t revoked = jr_revoked(l, l->tags[i].block);
        if (l->tags[i].block >= blocks) {
            info->bad++; /* past the image: the block cannot be read at all */
            i = end;
            continue;
        }
        for (size_t k = end; k-- > i;) {
            const jr_tag_t *t = &l->tags[k];
            if (revoked && t->rel < revoked)
                break; /* this copy and every older one revoked */
            bool good = false;
            int rc = jr_copy_good(j, l, t, &good, err);
            if (rc)
                return rc;
            if (!good) {
                info->bad++;
                continue;
            }
            uint64_t from = 0;
            if (!jr_log_phys(j, t->pos, &from)) {
                info->bad++; /* a hole of the journal's file: no copy there (the older one is) */
                continue;
            }
            out[(*n)++] = (extfs_logged_t){t->block, from, t->escape};
            break;
        }
        i = end;
    }
    return 0;
}

/* Whether ext4's fast-commit area holds commits after the live log's last
 * full one (its first tag a HEAD naming the next transaction), which the
 * kernel's recovery applies and this replay does not (fs/ext4/
 * fast_commit.c: struct ext4_fc_tl, EXT4_FC_TAG_HEAD, ext4_fc_head). */
static int jr_fast_commits(jr_t *j, uint32_t next, bool *pending, lr_error_t *err)
{
    *pending = false;
    if (!j->fc_first || j->fc_first >= j->file_blocks)
        return 0;
    int rc = jr_read(j, j->fc_first, 1, j->blk, err);
    if (rc)
        return rc;
    const uint8_t *p = j->blk;
    *pending = jr_le16(p) == 0x9 && jr_le16(p + 2) >= 8 && lr_get_le32(p + 8) == next;
    return 0;
}

static void jr_live_free(jr_live_t *l)
{
    free(l->tags);
    free(l->revokes);
}

int extfs_replay(lr_extfs_t *fs, uint64_t max_block, extfs_logged_t **out, size_t *n,
                 lr_extfs_replay_t *info, lr_error_t *err)
{
    *out = NULL;
    *n = 0;
    ext2_filsys e2 = fs->fs;
    uint64_t budget = UINT64_MAX; /* one read of the live log, and of each copy kept */
    jr_t j = {.fs = fs, .bs = e2->blocksize, .budget = &budget};
    jr_live_t l = {0};
    j.chunk = 1;
    j.blk = malloc(j.bs);
    int rc = j.blk ? 0 : lr_error_oom(err);
    if (!rc)
        rc = jr_map(&j, e2->super->s_journal_inum, err);
    if (!rc)
        rc = jr_superblock(&j, err);
    if (!rc && j.sb_start && (j.sb_start < j.first || j.sb_start >= j.last))
        rc = lr_error_set(err, LR_EFORMAT, 0, "the journal's log starts at block %u, outside it",
                          j.sb_start);
    l.seed = lr_crc32c(0xffffffffu, j.uuid, sizeof(j.uuid));
    l.v1 = (j.compat & JBD_COMPAT_CHECKSUM) && !(j.incompat & JBD_CSUM_V23);
    l.crc32 = 0xffffffffu;
    uint32_t n_trans = 0;
    /* checksums v1 and v2/v3 both: the kernel refuses the journal */
    if (!rc && (j.compat & JBD_COMPAT_CHECKSUM) && (j.incompat & JBD_CSUM_V23))
        rc = lr_error_set(err, LR_EFORMAT, 0, "a journal of checksums v1 and v2/v3 both");
    if (!rc && j.sb_start)
        rc = jr_live_walk(&j, &l, &n_trans, &info->corrupt, err);
    if (!rc && l.n_tags) {
        qsort(l.tags, l.n_tags, sizeof(*l.tags), jr_tag_cmp);
        if (l.n_revokes)
            qsort(l.revokes, l.n_revokes, sizeof(*l.revokes), jr_revoke_cmp);
        if (!(*out = malloc(l.n_tags * sizeof(**out))))
            rc = lr_error_oom(err);
    }
    if (!rc && l.n_tags)
        rc = jr_live_blocks(&j, &l, max_block, *out, n, info, err);
    if (!rc && j.sb_start)
        rc = jr_fast_commits(&j, j.sb_seq + n_trans, &info->fast_commits, err);
    if (!rc) {
        info->first_seq = j.sb_seq;
        info->n_trans = n_trans;
        info->blocks = *n;
    }
    if (rc || !*n) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    jr_live_free(&l);
    jr_free(&j);
    return rc;
}

#endif
