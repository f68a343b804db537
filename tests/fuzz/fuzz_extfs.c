/* Fuzz target: an ext2/3/4 filesystem's records read through libext2fs
 * (lr/extfs.h) and, above all, its jbd2 journal's old transactions
 * (core/src/extfs_journal.c: log block headers, descriptors and their
 * tags, commit blocks, the inode table copies, extent leaves and ext3
 * indirect blocks the journal holds).
 *
 * Input: the head of a filesystem image, then the blocks asked about and
 * two bytes: [image][n x le32 block][variant][n] (n at most 32). The
 * image is read as the head of 64 MiB (zeros after it), so a seed cut
 * after the journal's first transactions (make-seeds.py: the first 256
 * KiB of fixtures/backup-journal and backup-ext3, where mkfs put their
 * superblock, inode tables and journal) opens whole. Variant bit 0: the
 * blocks are passed as given (not sorted: LR_ERANGE must come back when
 * they are not ascending); bit 1: a budget of 1 MiB and (variant >> 3)
 * x 16 KiB (LR_ELIMIT while the journal is read); bit 2: files of at most
 * 4 KiB.
 *
 * Properties checked:
 * - every call returns 0 or a code its header documents;
 * - the journal's records: none on failure; a file's size within the
 *   asked maximum and its block count its size's; its map from logical
 *   block 0 in order, pieces not empty and within its blocks, at most
 *   LR_EXTFS_PAST_RUNS; in_row at least 1 and within its blocks (a file
 *   the journal names starts at the block asked: its map, out of order or
 *   with empty extents, is not taken), no next block when all lie in a
 *   row, reused within its blocks, a reuse naming the inode that claimed
 *   it in another transaction;
 * - the budget only goes down;
 * - the same call again gives the same records (no state kept between
 *   calls, nothing read uninitialised);
 * - the open's journal replay (a filesystem that needs recovery, its live
 *   log read as the kernel's recovery does) says a state it documents: a
 *   reason exactly when not replayed, blocks read from the journal only
 *   when replayed or replayed in part (fast commits left, a corrupt
 *   transaction), fewer than LR_EXTFS_REPLAY_MAX, copies passed over only
 *   then. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/extfs.h"
#include "lr/sort.h"

#define FUZZ_MAX_ASK 32u
#define FUZZ_TOTAL (64ull << 20)

static bool rc_ok(int rc)
{
    return rc == 0 || rc == LR_ELIMIT || rc == LR_EFORMAT || rc == LR_ERANGE || rc == -ENOMEM ||
           rc == -EIO;
}

static bool ascending(const uint64_t *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i] <= b[i - 1])
            return false;
    return true;
}

static void check_past(const lr_extfs_past_t *p, uint32_t bs, uint64_t max_size)
{
    if (!p->ino) {
        FUZZ_CHECK(!p->size && !p->n_runs, "a record with no inode holds a file");
        return;
    }
    FUZZ_CHECK(p->size && p->size <= max_size, "size %llu (max %llu)", (unsigned long long)p->size,
               (unsigned long long)max_size);
    FUZZ_CHECK(p->blocks == (p->size + bs - 1) / bs, "%llu blocks for %llu bytes",
               (unsigned long long)p->blocks, (unsigned long long)p->size);
    FUZZ_CHECK(p->n_runs <= LR_EXTFS_PAST_RUNS, "%u runs", p->n_runs);
    uint64_t at = 0;
    for (uint32_t k = 0; k < p->n_runs; k++) {
        const lr_extfs_run_t *r = &p->run[k];
        FUZZ_CHECK(r->logical == at, "run %u at %llu, not %llu", k, (unsigned long long)r->logical,
                   (unsigned long long)at);
        FUZZ_CHECK(r->len && r->len <= p->blocks - r->logical, "run %u of %llu blocks", k,
                   (unsigned long long)r->len);
        at += r->len;
    }
    FUZZ_CHECK(p->in_row >= 1 && p->in_row <= p->blocks, "in_row %llu of %llu",
               (unsigned long long)p->in_row, (unsigned long long)p->blocks);
    FUZZ_CHECK(p->in_row < p->blocks || !p->next, "a next block %llu of a file in a row",
               (unsigned long long)p->next);
    FUZZ_CHECK(p->reused <= p->blocks, "reused %llu of %llu", (unsigned long long)p->reused,
               (unsigned long long)p->blocks);
    /* the claim's inode may be the file's own number: given to a new file
     * since, or the file grown past max_size */
    FUZZ_CHECK(p->reused == p->blocks || (p->by && p->by_seq != p->seq),
               "reused by inode %u in transaction %u (the file's %u)", p->by, p->by_seq, p->seq);
}

/* The same record, field by field (a struct's padding may differ). */
static bool past_same(const lr_extfs_past_t *a, const lr_extfs_past_t *b)
{
    if (a->ino != b->ino || a->seq != b->seq || a->size != b->size || a->blocks != b->blocks ||
        a->n_runs != b->n_runs || a->in_row != b->in_row || a->next != b->next ||
        a->reused != b->reused || a->by != b->by || a->by_seq != b->by_seq ||
        a->unsure != b->unsure)
        return false;
    for (uint32_t k = 0; k < a->n_runs && k < LR_EXTFS_PAST_RUNS; k++)
        if (a->run[k].logical != b->run[k].logical || a->run[k].len != b->run[k].len ||
            a->run[k].phys != b->run[k].phys)
            return false;
    return true;
}

static void journal(lr_extfs_t *fs, const uint64_t *ask, size_t n, uint8_t variant)
{
    uint64_t max_size = variant & 4 ? 4096 : 1u << 20;
    /* bit 1: a budget of 1 MiB and (variant >> 3) x 16 KiB, so that it may
     * run out while the headers or the copies are read */
    uint64_t budget = variant & 2 ? (1u << 20) + (uint64_t)(variant >> 3) * 16384 : 8u << 20;
    uint64_t before = budget;
    lr_extfs_past_t *past = calloc(n + 1, sizeof(*past)), *again = calloc(n + 1, sizeof(*again));
    if (!past || !again) {
        free(past);
        free(again);
        return;
    }
    int rc = lr_extfs_journal_files(fs, ask, n, max_size, past, &budget, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_extfs_journal_files returned %d", rc);
    FUZZ_CHECK((rc == LR_ERANGE) == !ascending(ask, n), "LR_ERANGE %d for blocks %s ascending",
               rc == LR_ERANGE, ascending(ask, n) ? "" : "not");
    FUZZ_CHECK(budget <= before, "the budget grew");
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(!rc || !past[i].ino, "a record after status %d", rc);
        check_past(&past[i], lr_extfs_block_size(fs), max_size);
    }
    uint64_t budget2 = before;
    int rc2 = lr_extfs_journal_files(fs, ask, n, max_size, again, &budget2, NULL);
    FUZZ_CHECK(rc2 == rc && budget2 == budget, "again: status %d (was %d)", rc2, rc);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(past_same(&past[i], &again[i]), "again: other records for block %llu",
                   (unsigned long long)ask[i]);
    free(past);
    free(again);
}

static void replay(const lr_extfs_t *fs)
{
    lr_extfs_replay_t r = lr_extfs_replay(fs);
    FUZZ_CHECK(r.state == LR_EXTFS_LOG_CLEAN || r.state == LR_EXTFS_LOG_REPLAYED ||
                   r.state == LR_EXTFS_LOG_PENDING,
               "replay state %d", (int)r.state);
    FUZZ_CHECK((r.state == LR_EXTFS_LOG_PENDING) == (r.why != LR_EXTFS_WHY_NONE),
               "replay state %d, why %d", (int)r.state, (int)r.why);
    FUZZ_CHECK(r.blocks <= LR_EXTFS_REPLAY_MAX, "%llu blocks replayed",
               (unsigned long long)r.blocks);
    bool partly = r.why == LR_EXTFS_WHY_FAST_COMMIT || r.why == LR_EXTFS_WHY_CORRUPT;
    FUZZ_CHECK(r.state == LR_EXTFS_LOG_REPLAYED || partly || (r.blocks == 0 && r.bad == 0),
               "state %d, why %d with %llu blocks replayed", (int)r.state, (int)r.why,
               (unsigned long long)r.blocks);
    FUZZ_CHECK(r.state != LR_EXTFS_LOG_REPLAYED || (r.blocks > 0 && r.n_trans > 0),
               "replayed %u transactions, %llu blocks", r.n_trans, (unsigned long long)r.blocks);
    FUZZ_CHECK(r.corrupt == (r.why == LR_EXTFS_WHY_CORRUPT), "corrupt %d, why %d", (int)r.corrupt,
               (int)r.why);
    FUZZ_CHECK(r.why != LR_EXTFS_WHY_FAST_COMMIT || r.fast_commits, "fast commits %d, why %d",
               (int)r.fast_commits, (int)r.why);
}

static void files(lr_extfs_t *fs, const uint64_t *ask, size_t n)
{
    lr_extfs_file_t *f = calloc(n + 1, sizeof(*f));
    uint64_t budget = 8u << 20;
    if (!f)
        return;
    int rc = lr_extfs_files_at(fs, ask, n, 1u << 20, f, &budget, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_extfs_files_at returned %d", rc);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(f[i].size <= 1u << 20, "a file of %llu bytes", (unsigned long long)f[i].size);
    for (size_t i = 0; i < n && i < 4; i++) {
        int u = lr_extfs_block_used(fs, ask[i], NULL);
        FUZZ_CHECK(u == 0 || u == 1 || u == LR_ECHECKSUM || u == LR_ERANGE || u == LR_EFORMAT ||
                       u == -EIO,
                   "lr_extfs_block_used returned %d", u);
    }
    free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || !lr_extfs_available())
        return 0;
    size_t n = data[size - 1] % (FUZZ_MAX_ASK + 1);
    uint8_t variant = data[size - 2];
    if (size < 2 + 4 * n + 1024)
        return 0;
    size_t img = size - 2 - 4 * n;
    uint64_t ask[FUZZ_MAX_ASK];
    for (size_t i = 0; i < n; i++)
        ask[i] = lr_fuzz_le32(data + img + 4 * i);
    if (!(variant & 1))
        qsort(ask, n, sizeof(*ask), lr_u64_cmp);

    lr_io_t *io = NULL;
    if (lr_test_mem_io_sized(&io, NULL, data, img, 0, FUZZ_TOTAL, false, "fuzz.img", NULL))
        return 0;
    lr_extfs_t *fs = NULL;
    int rc = lr_extfs_open(io, 0, 1u << 20, &fs, NULL);
    FUZZ_CHECK(rc_ok(rc), "lr_extfs_open returned %d", rc);
    if (!rc) {
        FUZZ_CHECK(lr_extfs_block_size(fs) >= 1024, "block size %u", lr_extfs_block_size(fs));
        replay(fs);
        journal(fs, ask, n, variant);
        if (ascending(ask, n))
            files(fs, ask, n);
    }
    lr_extfs_free(fs);
    lr_io_close(io, NULL);
    return 0;
}
