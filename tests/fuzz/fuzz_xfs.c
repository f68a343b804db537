/* Fuzz target: an XFS read through its own records (lr/xfs.h,
 * core/src/xfs.c: the superblock, each allocation group's AGI and AGF,
 * the inode B+tree's short-form blocks, inode chunks, v2/v3 inodes and
 * their CRC-32C, data forks as extent lists or block-map B+trees of
 * long-form blocks, and the free-space B+tree by block number).
 *
 * Input: the head of a filesystem image, then the blocks asked about and
 * two bytes: [image][n x le64 block][variant][count] (n: count & 63, at
 * most 32). The image is read as the head of an I/O layer of 2^64 - 1
 * bytes (zeros after it: no storage), so any geometry a superblock may
 * claim opens and reads as zeros past the head, never as an I/O error
 * (make-seeds.py cuts the first 256 KiB of fixtures/backup-xfs: its
 * superblock, AG 0's headers, B+tree roots, first inode chunk and a few
 * files). Count bit 6: the layer ends where the image does (reads past it
 * fail: the I/O error paths). Variant bit 0: the blocks are passed as
 * given (not sorted: LR_ERANGE must come back when they are not
 * ascending); bit 1: a second walk with a budget of (variant >> 4) x
 * 2.5 KiB, 0 to 37.5 KiB (the seeds' walk reads 36 KiB: LR_ELIMIT at
 * each of its reads); bit 2: files of at most 4 KiB (else 1 GiB; a file
 * is read up to 64 KiB); bit 3: every v5 checksum in the image is sealed
 * again before it is read (the superblock, each AG's headers, B+tree
 * blocks, every v3 inode where it may lie), so that mutations reach what
 * lies behind the checksums.
 *
 * Properties checked:
 * - every call returns 0 or a code its header documents;
 * - lr_xfs_open succeeds only on what lr_xfs_superblock accepts, and then
 *   with its block size and size; that size is the superblock's dblocks
 *   times its block size (no overflow);
 * - lr_xfs_files_at: LR_ERANGE when a block is below the one before it,
 *   never when they strictly ascend; equal blocks asked get equal answers;
 *   an answer's size within the maximum, none without an inode; the
 *   budget never grows; the same call again gives the same status, budget
 *   and answers; a walk on the small budget that returns 0 gives the
 *   answers of the large one, and one that runs out found nothing the
 *   large one did not (its files are a prefix of the same walk);
 * - lr_xfs_read of each file found (into a buffer of its size, at most
 *   64 KiB): got within the buffer and the size, the whole buffer on 0;
 *   the same bytes and status again;
 * - lr_xfs_block_used: 0, 1 or a documented error; LR_ERANGE exactly for
 *   a block past the filesystem (with the unbounded layer); the same
 *   again;
 * - lr_xfs_log (the internal log's head and last record): 0 or an I/O
 *   error (with the short layer), a state of the four, UNKNOWN on an
 *   error, a reason exactly when neither CLEAN nor COVERED, a head within
 *   the log (or none), a clean log's tail at its head, a covered log's
 *   tail within the log and not at its head; lr_xfs_log_state the same
 *   state; the same again;
 * - lr_xfs_replay: 0 or an I/O error (with the short layer), the log's
 *   state or, for a dirty one, REPLAYED; counts only when replayed, no
 *   reason then, at most 32768 sectors held; the same again (the first
 *   answer kept); when replayed, the files' properties above again, read
 *   through the replay. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/sort.h"
#include "lr/xfs.h"

#define FUZZ_MAX_ASK 32u
#define FUZZ_READ_MAX (64u << 10)
#define FUZZ_BIG_BUDGET (16ull << 20)

static bool rc_io(int rc, bool short_io)
{
    /* with the short layer, a read past the image is LR_ERANGE; the
     * unbounded one never fails */
    return short_io && (rc == LR_ERANGE || rc == -EIO);
}

static bool rc_ok(int rc, bool short_io)
{
    return rc == 0 || rc == LR_EFORMAT || rc == LR_ECHECKSUM || rc == -ENOMEM ||
           rc_io(rc, short_io);
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Seals a v5 record's CRC-32C (little-endian at crc_at, computed with it
 * zeroed) when the record lies within the image. */
static void seal(uint8_t *img, size_t size, uint64_t at, size_t len, size_t crc_at)
{
    if (at > size || len > size - at || crc_at + 4 > len)
        return;
    uint8_t *p = img + at;
    memset(p + crc_at, 0, 4);
    uint32_t c = ~lr_crc32c(0xffffffffu, p, len);
    p[crc_at] = (uint8_t)c;
    p[crc_at + 1] = (uint8_t)(c >> 8);
    p[crc_at + 2] = (uint8_t)(c >> 16);
    p[crc_at + 3] = (uint8_t)(c >> 24);
}

/* Every v5 checksum of the image's records, sealed again: the superblock
 * and each AG's (at the AG's start: secondary superblock, AGF, AGI),
 * short-form B+tree blocks (inode, free inode, free space by block and
 * count), block map blocks, and v3 inodes, each where it may lie. */
static void reseal(uint8_t *img, size_t size)
{
    if (size < 512 || memcmp(img, LR_XFS_MAGIC, 4) != 0 || (be16(img + 100) & 0xf) != 5)
        return;
    uint32_t bs = be32(img + 4), agblocks = be32(img + 84);
    uint32_t sect = be16(img + 102), isize = be16(img + 104);
    if (bs < 512 || bs > 65536 || (bs & (bs - 1)) || sect < 512 || sect > bs ||
        (sect & (sect - 1)) || isize < 256 || isize > bs || (isize & (isize - 1)) || !agblocks)
        return;
    uint64_t agbytes = (uint64_t)agblocks * bs;
    for (uint64_t ag = 0; ag * agbytes < size; ag++) {
        uint64_t a = ag * agbytes;
        if (ag)
            seal(img, size, a, sect, 224);
        seal(img, size, a + sect, sect, 216);
        seal(img, size, a + 2 * (uint64_t)sect, sect, 312);
    }
    seal(img, size, 0, sect, 224);
    for (uint64_t at = 0; at + bs <= size; at += bs) {
        const uint8_t *b = img + at;
        if (!memcmp(b, "IAB3", 4) || !memcmp(b, "FIB3", 4) || !memcmp(b, "AB3B", 4) ||
            !memcmp(b, "AB3C", 4))
            seal(img, size, at, bs, 52);
        else if (!memcmp(b, "BMA3", 4))
            seal(img, size, at, bs, 64);
        else
            for (uint64_t i = at; i + isize <= at + bs; i += isize)
                if (img[i] == 'I' && img[i + 1] == 'N' && img[i + 4] == 3)
                    seal(img, size, i, isize, 100);
    }
}

static bool ascending(const uint64_t *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i] <= b[i - 1])
            return false;
    return true;
}

static bool descends(const uint64_t *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i] < b[i - 1])
            return true;
    return false;
}

static bool files_same(const lr_xfs_file_t *a, const lr_xfs_file_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].ino != b[i].ino || a[i].size != b[i].size)
            return false;
    return true;
}

/* One walk: its status, checked answers and the budget it used. */
static int walk(lr_xfs_t *fs, const uint64_t *ask, size_t n, uint64_t max_size, uint64_t budget,
                lr_xfs_file_t *f, uint64_t *left, bool short_io)
{
    uint64_t b = budget;
    int rc = lr_xfs_files_at(fs, ask, n, max_size, f, &b, NULL);
    FUZZ_CHECK(rc_ok(rc, short_io) || rc == LR_ELIMIT || rc == LR_ERANGE,
               "lr_xfs_files_at returned %d", rc);
    FUZZ_CHECK(b <= budget, "the budget grew from %llu to %llu", (unsigned long long)budget,
               (unsigned long long)b);
    if (descends(ask, n))
        FUZZ_CHECK(rc == LR_ERANGE, "status %d for blocks not ascending", rc);
    else if (ascending(ask, n))
        FUZZ_CHECK(rc != LR_ERANGE || rc_io(rc, short_io), "LR_ERANGE for ascending blocks");
    if (rc != LR_ERANGE) {
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(f[i].ino || !f[i].size, "a size %llu with no inode",
                       (unsigned long long)f[i].size);
            FUZZ_CHECK(f[i].size <= max_size, "a file of %llu bytes (max %llu)",
                       (unsigned long long)f[i].size, (unsigned long long)max_size);
            if (i && ask[i] == ask[i - 1])
                FUZZ_CHECK(f[i].ino == f[i - 1].ino && f[i].size == f[i - 1].size,
                           "block %llu asked twice: inode %llu, then %llu",
                           (unsigned long long)ask[i], (unsigned long long)f[i - 1].ino,
                           (unsigned long long)f[i].ino);
        }
    }
    *left = b;
    return rc;
}

static void read_file(lr_xfs_t *fs, uint64_t ino, uint64_t size, bool short_io)
{
    size_t len = size < FUZZ_READ_MAX ? (size_t)size : FUZZ_READ_MAX;
    /* exactly len bytes, so that ASan sees a write past them */
    uint8_t *a = malloc(len ? len : 1), *b = malloc(len ? len : 1);
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    size_t got = SIZE_MAX, got2 = SIZE_MAX;
    int rc = lr_xfs_read(fs, ino, a, len, &got, NULL);
    FUZZ_CHECK(rc_ok(rc, short_io) || rc == LR_ELIMIT, "lr_xfs_read returned %d", rc);
    FUZZ_CHECK(got <= len, "got %zu of %zu", got, len);
    FUZZ_CHECK(!rc || !got, "got %zu with status %d", got, rc);
    int rc2 = lr_xfs_read(fs, ino, b, len, &got2, NULL);
    FUZZ_CHECK(rc2 == rc && got2 == got, "again: status %d, %zu bytes (was %d, %zu)", rc2, got2, rc,
               got);
    FUZZ_CHECK(!got || !memcmp(a, b, got), "again: other bytes for inode %llu",
               (unsigned long long)ino);
    free(a);
    free(b);
}

/* lr_xfs_read on any inode number (the asked blocks taken as ones): a
 * few bytes of whatever lies there, which need not be a file. */
static void read_any(lr_xfs_t *fs, uint64_t ino, bool short_io)
{
    uint8_t buf[512];
    size_t got = SIZE_MAX;
    int rc = lr_xfs_read(fs, ino, buf, sizeof(buf), &got, NULL);
    FUZZ_CHECK(rc_ok(rc, short_io) || rc == LR_ELIMIT, "lr_xfs_read returned %d", rc);
    FUZZ_CHECK(got <= sizeof(buf) && (!rc || !got), "got %zu with status %d", got, rc);
}

static void block_used(lr_xfs_t *fs, uint64_t block, bool short_io)
{
    uint64_t blocks = lr_xfs_size(fs) / lr_xfs_block_size(fs);
    int u = lr_xfs_block_used(fs, block, NULL);
    FUZZ_CHECK(u == 0 || u == 1 || u == LR_ERANGE || rc_ok(u, short_io),
               "lr_xfs_block_used returned %d", u);
    if (block >= blocks)
        FUZZ_CHECK(u == LR_ERANGE, "block %llu of %llu: %d", (unsigned long long)block,
                   (unsigned long long)blocks, u);
    else
        FUZZ_CHECK(u != LR_ERANGE || short_io, "block %llu of %llu: LR_ERANGE",
                   (unsigned long long)block, (unsigned long long)blocks);
    int u2 = lr_xfs_block_used(fs, block, NULL);
    FUZZ_CHECK(u2 == u, "again: %d (was %d)", u2, u);
}

static void files(lr_xfs_t *fs, const uint64_t *ask, size_t n, uint8_t variant, bool short_io)
{
    uint64_t max_size = variant & 4 ? 4096 : 1ull << 30;
    lr_xfs_file_t *f = calloc(n + 1, sizeof(*f)), *again = calloc(n + 1, sizeof(*again));
    lr_xfs_file_t *small = calloc(n + 1, sizeof(*small));
    if (!f || !again || !small)
        goto out;
    uint64_t left, left2;
    int rc = walk(fs, ask, n, max_size, FUZZ_BIG_BUDGET, f, &left, short_io);
    int rc2 = walk(fs, ask, n, max_size, FUZZ_BIG_BUDGET, again, &left2, short_io);
    FUZZ_CHECK(rc2 == rc && left2 == left, "again: status %d, %llu left (was %d, %llu)", rc2,
               (unsigned long long)left2, rc, (unsigned long long)left);
    FUZZ_CHECK(files_same(f, again, n), "again: other answers");
    if (variant & 2) {
        uint64_t budget = (uint64_t)(variant >> 4) * 2560;
        int rs = walk(fs, ask, n, max_size, budget, small, &left2, short_io);
        /* the same walk, cut short: what it found the large one found at
         * the same blocks; when it did not run out, it is the whole walk */
        for (size_t i = 0; i < n && rs == LR_ELIMIT; i++)
            FUZZ_CHECK(!small[i].ino || (small[i].ino == f[i].ino && small[i].size == f[i].size),
                       "a budget of %llu: inode %llu at block %llu, %llu with a large one",
                       (unsigned long long)budget, (unsigned long long)small[i].ino,
                       (unsigned long long)ask[i], (unsigned long long)f[i].ino);
        if (rs != LR_ELIMIT)
            FUZZ_CHECK(rs == rc && files_same(f, small, n) &&
                           FUZZ_BIG_BUDGET - left == budget - left2,
                       "a budget of %llu: status %d, %llu bytes read; a large one: %d, %llu",
                       (unsigned long long)budget, rs, (unsigned long long)(budget - left2), rc,
                       (unsigned long long)(FUZZ_BIG_BUDGET - left));
    }
    if (rc != LR_ERANGE)
        for (size_t i = 0; i < n; i++)
            if (f[i].ino && (!i || f[i].ino != f[i - 1].ino))
                read_file(fs, f[i].ino, f[i].size, short_io);
    for (size_t i = 0; i < n; i++)
        block_used(fs, ask[i], short_io);
    for (size_t i = 0; i < n && i < 4; i++)
        read_any(fs, ask[i], short_io);
out:
    free(f);
    free(again);
    free(small);
}

static void log_state(lr_xfs_t *fs, const uint8_t *sb, bool short_io)
{
    lr_xfs_log_t a, b;
    int rc = lr_xfs_log(fs, &a, NULL);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM || rc_io(rc, short_io), "lr_xfs_log returned %d", rc);
    FUZZ_CHECK(a.state == LR_XFS_LOG_CLEAN || a.state == LR_XFS_LOG_DIRTY ||
                   a.state == LR_XFS_LOG_UNKNOWN || a.state == LR_XFS_LOG_COVERED,
               "log state %d", a.state);
    FUZZ_CHECK(!rc || a.state == LR_XFS_LOG_UNKNOWN, "state %d with status %d", a.state, rc);
    bool clean = a.state == LR_XFS_LOG_CLEAN || a.state == LR_XFS_LOG_COVERED;
    FUZZ_CHECK(clean == !a.why, "state %d, reason %s", a.state, a.why ? a.why : "none");
    uint64_t n = (uint64_t)be32(sb + 96) * lr_xfs_block_size(fs) / 512;
    FUZZ_CHECK(a.head == UINT64_MAX || a.head < n, "head %llu of a log of %llu blocks",
               (unsigned long long)a.head, (unsigned long long)n);
    FUZZ_CHECK(a.state != LR_XFS_LOG_CLEAN || (a.tail == a.head && a.record < n),
               "clean: head %llu, tail %llu, record %llu", (unsigned long long)a.head,
               (unsigned long long)a.tail, (unsigned long long)a.record);
    FUZZ_CHECK(a.state != LR_XFS_LOG_COVERED || (a.tail < n && a.tail != a.head && a.record < n),
               "covered: head %llu, tail %llu, record %llu", (unsigned long long)a.head,
               (unsigned long long)a.tail, (unsigned long long)a.record);
    int st = -1;
    int rc2 = lr_xfs_log_state(fs, &st, NULL);
    FUZZ_CHECK(rc2 == rc && st == a.state, "lr_xfs_log_state: %d, %d (was %d, %d)", rc2, st, rc,
               a.state);
    rc2 = lr_xfs_log(fs, &b, NULL);
    FUZZ_CHECK(rc2 == rc && b.state == a.state && b.head == a.head && b.tail == a.tail &&
                   b.record == a.record && b.cycle == a.cycle,
               "again: another answer");
}

/* The log replayed in memory (lr_xfs_replay), then the files read again
 * through it. */
static void replay(lr_xfs_t *fs, const uint64_t *ask, size_t n, uint8_t variant, bool short_io)
{
    lr_xfs_log_t before, a, b;
    int rc0 = lr_xfs_log(fs, &before, NULL);
    int rc = lr_xfs_replay(fs, &a, NULL);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM || rc_io(rc, short_io), "lr_xfs_replay returned %d", rc);
    FUZZ_CHECK(a.state == LR_XFS_LOG_CLEAN || a.state == LR_XFS_LOG_DIRTY ||
                   a.state == LR_XFS_LOG_UNKNOWN || a.state == LR_XFS_LOG_COVERED ||
                   a.state == LR_XFS_LOG_REPLAYED,
               "replay: state %d", a.state);
    if (!rc && !rc0)
        FUZZ_CHECK(a.state == before.state ||
                       (before.state == LR_XFS_LOG_DIRTY && a.state == LR_XFS_LOG_REPLAYED),
                   "replay: state %d where the log's is %d", a.state, before.state);
    bool replayed = a.state == LR_XFS_LOG_REPLAYED;
    FUZZ_CHECK(replayed || (!a.transactions && !a.items && !a.skipped && !a.sectors &&
                            !a.unfinished && !a.maps_unfinished && !a.torn),
               "not replayed (state %d), yet counts", a.state);
    FUZZ_CHECK(!replayed || !a.why, "replayed, yet a reason: %s", a.why ? a.why : "");
    FUZZ_CHECK(a.sectors <= 32768, "%llu sectors held", (unsigned long long)a.sectors);
    FUZZ_CHECK(!a.maps_unfinished || a.unfinished, "block-map updates unfinished of none");
    int rc2 = lr_xfs_replay(fs, &b, NULL);
    FUZZ_CHECK(rc2 == rc && b.state == a.state && b.items == a.items && b.sectors == a.sectors &&
                   b.transactions == a.transactions,
               "again: another answer (%d, state %d; was %d, state %d)", rc2, b.state, rc, a.state);
    if (replayed)
        files(fs, ask, n, variant, short_io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t n = data[size - 1] & 63;
    if (n > FUZZ_MAX_ASK)
        n = FUZZ_MAX_ASK;
    bool short_io = data[size - 1] & 64;
    uint8_t variant = data[size - 2];
    if (size < 2 + 8 * n + 512)
        return 0;
    size_t img = size - 2 - 8 * n;
    uint64_t ask[FUZZ_MAX_ASK];
    for (size_t i = 0; i < n; i++)
        ask[i] = lr_fuzz_le64(data + img + 8 * i);
    if (!(variant & 1))
        qsort(ask, n, sizeof(*ask), lr_u64_cmp);

    uint8_t *copy = malloc(img);
    if (!copy)
        return 0;
    memcpy(copy, data, img);
    if (variant & 8)
        reseal(copy, img);

    /* the superblock as lr_xfs_open reads it: its first sector */
    uint32_t bs = 0;
    uint64_t bytes = 0;
    bool sb = lr_xfs_superblock(copy, img, &bs, &bytes);
    if (sb) {
        FUZZ_CHECK(bs >= 512 && bs <= 65536 && !(bs & (bs - 1)), "block size %u", bs);
        FUZZ_CHECK(bytes % bs == 0 && bytes / bs == be64(copy + 8),
                   "size %llu for %llu blocks of %u bytes", (unsigned long long)bytes,
                   (unsigned long long)be64(copy + 8), bs);
    }

    lr_io_t *io = NULL;
    if (lr_test_mem_io_sized(&io, NULL, copy, img, 0, short_io ? img : UINT64_MAX, false,
                             "fuzz.img", NULL)) {
        free(copy);
        return 0;
    }
    lr_xfs_t *fs = NULL;
    int rc = lr_xfs_open(io, 0, &fs, NULL);
    FUZZ_CHECK(rc_ok(rc, short_io), "lr_xfs_open returned %d", rc);
    FUZZ_CHECK(!rc == !!fs, "status %d with a handle %p", rc, (void *)fs);
    if (!sb)
        FUZZ_CHECK(rc == LR_EFORMAT, "lr_xfs_open returned %d on no superblock", rc);
    if (!rc) {
        FUZZ_CHECK(lr_xfs_block_size(fs) == bs && lr_xfs_size(fs) == bytes,
                   "opened as %u-byte blocks, %llu bytes; the superblock says %u, %llu",
                   lr_xfs_block_size(fs), (unsigned long long)lr_xfs_size(fs), bs,
                   (unsigned long long)bytes);
        files(fs, ask, n, variant, short_io);
        log_state(fs, copy, short_io);
        replay(fs, ask, n, variant, short_io);
    }
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    free(copy);
    return 0;
}
