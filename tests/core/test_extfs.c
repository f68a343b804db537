/* lr/extfs.h on fixtures/backup-ext4 (real LVM2 files placed by mkfs.ext4
 * -d and debugfs -w) and fixtures/backup-journal (LVM2 rotating its archive
 * in an ext4 the kernel wrote: FIEMAP's view of every file while it lived,
 * truth/files.txt), against debugfs's own view of it (truth/debugfs.txt:
 * each file's blocks, which of the deleted archive's are in use) and the
 * files as LVM2 wrote them (truth/backup/e4vg). The superblock rule and
 * the group-descriptor cap on hand-built superblocks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bin_support.h"
#include "lr/crc.h"
#include "lr/error.h"
#include "lr/extfs.h"
#include "lr/io.h"
#include "mem_io.h"
#include "support.h"

#ifdef LR_HAVE_EXT2FS
/* (only the cases that open the filesystem read debugfs's view) */

/* debugfs's view: the deleted archive's blocks, /reused's, e4vg's */
typedef struct view {
    uint64_t gone[8], reused[8], backup[8];
    size_t n_gone, n_reused, n_backup;
} view_t;

static size_t blocks_of(const char *text, const char *prefix, uint64_t *out)
{
    const char *p = strstr(text, prefix);
    assert_non_null(p);
    p = strstr(p, ": blocks ");
    assert_non_null(p);
    p += strlen(": blocks ");
    size_t n = 0;
    char *end;
    while (n < 8) {
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p)
            break;
        out[n++] = v;
        p = end;
    }
    return n;
}

static void load_view(view_t *v)
{
    char path[512];
    char *text =
        lr_test_slurp(lr_test_path(path, sizeof(path), "backup-ext4", "truth/debugfs.txt"), NULL);
    assert_non_null(text);
    v->n_gone = blocks_of(text, "\ndeleted ", v->gone);
    v->n_reused = blocks_of(text, "\n/reused", v->reused);
    v->n_backup = blocks_of(text, "\n/etc/lvm/backup/e4vg", v->backup);
    free(text);
    assert_true(v->n_gone >= 3 && v->n_reused >= 2 && v->n_backup >= 2);
}
#endif

static void test_superblock_rule(void **state)
{
    (void)state;
    lr_io_t *io = lr_test_open_fixture("backup-ext4", "ext4.img");
    uint8_t sb[1024];
    assert_int_equal(lr_io_pread(io, sb, sizeof(sb), LR_EXTFS_SUPERBLOCK, NULL), 0);
    lr_io_close(io, NULL);
    uint32_t bs = 0;
    uint64_t size = 0;
    assert_true(lr_extfs_superblock(sb, sizeof(sb), &bs, &size));
    assert_int_equal(bs, 1024);
    assert_int_equal(size, 4u << 20);
    assert_false(lr_extfs_superblock_inline(sb, sizeof(sb)));
    assert_false(lr_extfs_superblock(sb, 0x153, NULL, NULL)); /* cut short */
    uint8_t bad[1024];
    memcpy(bad, sb, sizeof(bad));
    bad[0x5a] = 1; /* a backup superblock: group 1's */
    assert_false(lr_extfs_superblock(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, sb, sizeof(bad));
    bad[0x18] = 7; /* 128 KiB blocks */
    assert_false(lr_extfs_superblock(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, sb, sizeof(bad));
    bad[0x38] ^= 1;
    assert_false(lr_extfs_superblock(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, sb, sizeof(bad));
    bad[0x61] |= 0x80; /* INLINE_DATA (0x8000) */
    assert_true(lr_extfs_superblock_inline(bad, sizeof(bad)));
}

#ifdef LR_HAVE_EXT2FS

static void test_records(void **state)
{
    (void)state;
    view_t v;
    load_view(&v);
    lr_io_t *io = lr_test_open_fixture("backup-ext4", "ext4.img");
    lr_extfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_extfs_open(io, 0, LR_EXTFS_MAX_GDT, &fs, &e), 0);
    assert_int_equal(lr_extfs_block_size(fs), 1024);
    assert_int_equal(lr_extfs_size(fs), 4u << 20);

    /* which file in use starts at each block: none at the deleted
     * archive's first, /reused at its second, e4vg at its own first */
    uint64_t blocks[3] = {v.gone[0], v.reused[0], v.backup[0]};
    assert_true(blocks[0] < blocks[1] && blocks[1] < blocks[2]);
    lr_extfs_file_t files[3];
    uint64_t budget = 1u << 30;
    assert_int_equal(lr_extfs_files_at(fs, blocks, 3, 1u << 22, files, &budget, &e), 0);
    assert_true(budget < (1u << 30));
    assert_int_equal(files[0].ino, 0);
    assert_int_not_equal(files[1].ino, 0);
    assert_int_not_equal(files[2].ino, 0);

    /* e4vg read by its inode is the file LVM2 wrote, though its blocks
     * are not in a row */
    char path[512];
    size_t want = 0;
    char *truth =
        lr_test_slurp(lr_test_path(path, sizeof(path), "backup-ext4", "truth/backup/e4vg"), &want);
    assert_non_null(truth);
    assert_int_equal(files[2].size, want);
    assert_int_not_equal(v.backup[1], v.backup[0] + 1);
    char *buf = malloc(want + 16);
    size_t got = 0;
    assert_int_equal(lr_extfs_read(fs, files[2].ino, buf, want + 16, &got, &e), 0);
    assert_int_equal(got, want);
    assert_memory_equal(buf, truth, want);
    free(buf);
    free(truth);

    /* the block bitmap: the deleted archive's first block free, the later
     * ones /reused's; the block e4vg skipped free */
    assert_int_equal(lr_extfs_block_used(fs, v.gone[0], &e), 0);
    for (size_t i = 1; i < v.n_gone; i++)
        assert_int_equal(lr_extfs_block_used(fs, v.gone[i], &e), 1);
    assert_int_equal(lr_extfs_block_used(fs, v.backup[0] + 1, &e), 0);
    assert_int_equal(lr_extfs_block_used(fs, 4096, &e), LR_ERANGE);

    /* not ascending */
    uint64_t down[2] = {v.backup[0], v.gone[0]};
    assert_int_equal(lr_extfs_files_at(fs, down, 2, 1u << 22, files, &budget, &e), LR_ERANGE);
    /* a budget of one inode: the scan stops, saying so */
    uint64_t one = 256;
    assert_int_equal(lr_extfs_files_at(fs, blocks, 3, 1u << 22, files, &one, &e), LR_ELIMIT);
    /* no inline_data: none, no scan */
    lr_extfs_inline_t *inl = NULL;
    size_t n = 1;
    assert_int_equal(lr_extfs_inline_files(fs, "# Generated", 11, 1u << 22, &budget, &inl, &n, &e),
                     0);
    assert_null(inl);
    assert_int_equal(n, 0);
    lr_extfs_free(fs);
    lr_io_close(io, NULL);
}

/* A superblock of 2^48 blocks of 1 KiB: its group descriptors would take
 * 2 TiB; refused before libext2fs reads them. */
static void test_gdt_cap(void **state)
{
    (void)state;
    lr_io_t *io = lr_test_open_fixture("backup-ext4", "ext4.img");
    uint8_t img[4096] = {0};
    assert_int_equal(lr_io_pread(io, img, sizeof(img), 0, NULL), 0);
    lr_io_close(io, NULL);
    uint8_t *sb = img + LR_EXTFS_SUPERBLOCK;
    memset(sb + 0x150, 0xff, 2); /* s_blocks_count_hi */
    sb[0x60] |= 0x80;            /* INCOMPAT_64BIT */
    sb[0xfe] = 64;               /* s_desc_size */
    lr_io_t *mem = NULL;
    assert_int_equal(lr_test_mem_io(&mem, NULL, img, sizeof(img), 0, false, "huge", NULL), 0);
    lr_extfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_extfs_open(mem, 0, LR_EXTFS_MAX_GDT, &fs, &e), LR_ELIMIT);
    assert_null(fs);
    /* and no superblock at all */
    memset(sb, 0, 1024);
    lr_io_close(mem, NULL);
    assert_int_equal(lr_test_mem_io(&mem, NULL, img, sizeof(img), 0, false, "zero", NULL), 0);
    assert_int_equal(lr_extfs_open(mem, 0, LR_EXTFS_MAX_GDT, &fs, NULL), LR_EFORMAT);
    lr_io_close(mem, NULL);
}

/* truth/files.txt of fixtures/backup-journal: one line per file the
 * kernel wrote, at its first sighting: step name ino size extents ... */
typedef struct lived {
    int step;
    char name[80];
    uint32_t ino;
    uint64_t size;
    uint64_t map[64]; /* physical block of each logical block, 0: none */
    size_t n_map;
    bool in_use; /* in truth/end.txt: in use at the end */
} lived_t;

static bool parse_lived(const char *line, lived_t *l)
{
    char ext[1024];
    unsigned long long size;
    memset(l, 0, sizeof(*l));
    if (sscanf(line, "%d %79s %u %llu %1023s", &l->step, l->name, &l->ino, &size, ext) != 5)
        return false;
    l->size = size;
    for (char *p = ext; *p;) {
        unsigned long long lb, n, phys;
        int used = 0;
        if (sscanf(p, "%llu+%llu@%llu%n", &lb, &n, &phys, &used) != 3)
            return false;
        for (unsigned long long k = 0; k < n && lb + k < 64; k++)
            l->map[lb + k] = phys + k;
        if (lb + n > l->n_map)
            l->n_map = lb + n > 64 ? 64 : (size_t)(lb + n);
        p += used;
        p += *p == ',';
    }
    return true;
}

/* lr_extfs_journal_files against the kernel's own view: for the first
 * block of every LVM2 file deleted by the end (the latest file that began
 * there), the journal's inode is that file's: its number, size and every
 * block where FIEMAP saw it while it lived. */
static void test_journal(void **state)
{
    (void)state;
    char path[512];
    char *files =
        lr_test_slurp(lr_test_path(path, sizeof(path), "backup-journal", "truth/files.txt"), NULL);
    char *end =
        lr_test_slurp(lr_test_path(path, sizeof(path), "backup-journal", "truth/end.txt"), NULL);
    assert_non_null(files);
    assert_non_null(end);
    static lived_t v[256];
    size_t n = 0;
    for (char *line = strtok(files, "\n"); line && n < 256; line = strtok(NULL, "\n")) {
        if (!parse_lived(line, &v[n]))
            continue;
        v[n].in_use = strstr(end, line) != NULL;
        n++;
    }
    /* the latest LVM2 file deleted by the end starting at each block */
    uint64_t blocks[256];
    const lived_t *want[256];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const lived_t *l = &v[i];
        if (l->in_use || !l->n_map ||
            (strncmp(l->name, "archive/", 8) && strncmp(l->name, "backup/", 7)))
            continue;
        bool later = false; /* a later file, of any kind, began there */
        for (size_t k = i + 1; k < n; k++)
            later = later || (v[k].n_map && v[k].map[0] == l->map[0]);
        if (!later)
            blocks[m] = l->map[0], want[m++] = l;
    }
    assert_true(m >= 3);
    for (size_t i = 1; i < m; i++) /* ascending, as the call wants */
        for (size_t k = i; k > 0 && blocks[k - 1] > blocks[k]; k--) {
            uint64_t b = blocks[k];
            blocks[k] = blocks[k - 1], blocks[k - 1] = b;
            const lived_t *w = want[k];
            want[k] = want[k - 1], want[k - 1] = w;
        }
    lr_io_t *io = lr_test_open_fixture("backup-journal", "fs.img");
    lr_extfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_extfs_open(io, 0, LR_EXTFS_MAX_GDT, &fs, &e), 0);
    lr_extfs_past_t past[256];
    uint64_t budget = 64u << 20;
    assert_int_equal(lr_extfs_journal_files(fs, blocks, m, 1u << 22, past, &budget, &e), 0);
    size_t gathered = 0, not_in_row = 0;
    for (size_t i = 0; i < m; i++) {
        const lived_t *l = want[i];
        const lr_extfs_past_t *p = &past[i];
        assert_int_equal(p->ino, l->ino);
        assert_int_equal(p->size, l->size);
        assert_int_equal(p->blocks, (l->size + 1023) / 1024);
        for (uint64_t k = 0; k < p->blocks && k < 64; k++) { /* its map, block by block */
            uint64_t at = 0;
            for (uint32_t r = 0; r < p->n_runs; r++)
                if (k >= p->run[r].logical && k - p->run[r].logical < p->run[r].len)
                    at = p->run[r].phys + (k - p->run[r].logical);
            assert_int_equal(at, l->map[k]);
        }
        not_in_row += p->in_row < p->blocks;
        gathered += p->in_row < p->blocks && p->reused == p->blocks && !p->unsure;
    }
    assert_true(not_in_row >= 1);
    /* not ascending; the budget */
    uint64_t down[2] = {blocks[1], blocks[0]}, one = 1;
    assert_int_equal(lr_extfs_journal_files(fs, down, 2, 1u << 22, past, &budget, &e), LR_ERANGE);
    assert_int_equal(lr_extfs_journal_files(fs, blocks, m, 1u << 22, past, &one, &e), LR_ELIMIT);
    assert_int_equal(past[0].ino, 0);
    lr_extfs_free(fs);
    lr_io_close(io, NULL);
    /* an ext4 with no journal: nothing known, no failure */
    io = lr_test_open_fixture("backup-ext4", "ext4.img");
    assert_int_equal(lr_extfs_open(io, 0, LR_EXTFS_MAX_GDT, &fs, &e), 0);
    assert_int_equal(lr_extfs_journal_files(fs, blocks, 1, 1u << 22, past, &budget, &e), 0);
    assert_int_equal(past[0].ino, 0);
    lr_extfs_free(fs);
    lr_io_close(io, NULL);
    free(files);
    free(end);
    (void)gathered;
}

/* ---- fixtures/backup-recover: a journal that needs recovery ------------- */

/* One file of truth/before.txt or after.txt: "path ino size extents same". */
typedef struct held {
    char path[96], same[96];
    uint32_t ino;
    uint64_t size, first;
} held_t;

static size_t load_held(const char *file, held_t *h, size_t max)
{
    char path[512];
    char *text = lr_test_slurp(lr_test_path(path, sizeof(path), "backup-recover", file), NULL);
    assert_non_null(text);
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        unsigned long long size, lb, cnt, phys;
        char ext[256];
        if (sscanf(line, "%95s %u %llu %255s %95s", h[n].path, &h[n].ino, &size, ext, h[n].same) !=
                5 ||
            sscanf(ext, "%llu+%llu@%llu", &lb, &cnt, &phys) != 3)
            continue;
        h[n].size = size;
        h[n].first = phys;
        n++;
    }
    free(text);
    assert_true(n >= 4);
    return n;
}

/* The fixture's 6 MiB image, decompressed, to damage copies of. */
static uint8_t *load_recover(const char *fixture, size_t *len)
{
    lr_io_t *io = lr_test_open_fixture(fixture, "fs.img");
    *len = (size_t)lr_io_size(io);
    uint8_t *img = malloc(*len);
    assert_non_null(img);
    assert_int_equal(lr_io_pread(io, img, *len, 0, NULL), 0);
    lr_io_close(io, NULL);
    return img;
}

/* Where journal block j lies in the filesystem (truth/journal-inode.txt's
 * EXTENTS line: "(a-b):c-d" or "(a):c"). */
static uint64_t journal_at(const char *fixture, uint32_t j)
{
    char path[512];
    char *text =
        lr_test_slurp(lr_test_path(path, sizeof(path), fixture, "truth/journal-inode.txt"), NULL);
    assert_non_null(text);
    char *p = strstr(text, "EXTENTS:\n");
    assert_non_null(p);
    p += strlen("EXTENTS:\n");
    uint64_t at = 0;
    while (*p == '(' && !at) {
        unsigned long long a, b, c, d;
        int used = 0;
        if (sscanf(p, "(%llu-%llu):%llu-%llu%n", &a, &b, &c, &d, &used) != 4)
            break;
        if (j >= a && j <= b)
            at = c + (j - a);
        p += used;
        p += strspn(p, ", ");
    }
    free(text);
    assert_true(at != 0);
    return at;
}

/* The journal block of the commit of transaction seq, or of the latest
 * copy of fs block `block` (truth/logdump.txt). */
static uint32_t logged_in(const char *fixture, const char *what, unsigned long long key)
{
    char path[512];
    char *text =
        lr_test_slurp(lr_test_path(path, sizeof(path), fixture, "truth/logdump.txt"), NULL);
    assert_non_null(text);
    uint32_t at = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long long a, b;
        if (!strcmp(what, "commit") &&
            sscanf(line, "Found expected sequence %llu, type 2 (commit block) at block %llu", &a,
                   &b) == 2 &&
            a == key)
            at = (uint32_t)b;
        if (!strcmp(what, "copy") &&
            sscanf(line, " FS block %llu logged at journal block %llu", &a, &b) == 2 && a == key)
            at = (uint32_t)b; /* the log's last copy of it */
    }
    free(text);
    assert_true(at != 0);
    return at;
}

static uint32_t logged_at(const char *what, unsigned long long key)
{
    return logged_in("backup-recover", what, key);
}

/* The descriptor (its journal block, its transaction) naming the copy at
 * journal block j (truth/logdump.txt of fixture). */
static void descriptor_of(const char *fixture, uint32_t j, uint32_t *desc, uint32_t *seq)
{
    char path[512];
    char *text =
        lr_test_slurp(lr_test_path(path, sizeof(path), fixture, "truth/logdump.txt"), NULL);
    assert_non_null(text);
    unsigned long long d = 0, q = 0, a, b;
    *desc = 0;
    for (char *line = strtok(text, "\n"); line && !*desc; line = strtok(NULL, "\n")) {
        if (sscanf(line, "Dumping descriptor block, sequence %llu, at block %llu", &a, &b) == 2)
            q = a, d = b;
        else if (sscanf(line, " FS block %llu logged at journal block %llu", &a, &b) == 2 && b == j)
            *desc = (uint32_t)d, *seq = (uint32_t)q;
    }
    free(text);
    assert_true(*desc != 0);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Opens img; the files the filesystem says start at the first blocks of
 * want[] and of other[] are want[]'s (read whole, as truth/ holds them)
 * and none; its replay's state. */
/* The group descriptors' bytes check_state's open may hold. */
static uint64_t check_max_gdt = LR_EXTFS_MAX_GDT;

static lr_extfs_replay_t check_state(const uint8_t *img, size_t len, const held_t *want,
                                     size_t n_want, const held_t *other, size_t n_other)
{
    lr_io_t *io = NULL;
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "recover", NULL), 0);
    lr_extfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_extfs_open(io, 0, check_max_gdt, &fs, &e), 0);
    lr_extfs_replay_t r = lr_extfs_replay(fs);
    for (size_t i = 0; i < n_want + n_other; i++) {
        const held_t *h = i < n_want ? &want[i] : &other[i - n_want];
        uint64_t budget = 64u << 20;
        lr_extfs_file_t f;
        assert_int_equal(lr_extfs_files_at(fs, &h->first, 1, 1u << 20, &f, &budget, &e), 0);
        bool starts_elsewhere = false; /* other[i] at a block a wanted file starts too */
        for (size_t k = 0; k < n_want; k++)
            starts_elsewhere |= i >= n_want && want[k].first == h->first;
        if (i >= n_want) {
            if (!starts_elsewhere)
                assert_int_equal(f.ino, 0);
            continue;
        }
        assert_int_equal(f.ino, h->ino);
        assert_int_equal(f.size, h->size);
        char path[512], copy[112];
        snprintf(copy, sizeof(copy), "truth/%s", h->same);
        size_t tlen = 0;
        char *truth =
            lr_test_slurp(lr_test_path(path, sizeof(path), "backup-recover", copy), &tlen);
        assert_non_null(truth);
        assert_int_equal(tlen, h->size);
        char buf[8192];
        size_t got = 0;
        assert_int_equal(lr_extfs_read(fs, h->ino, buf, sizeof(buf), &got, &e), 0);
        assert_int_equal(got, h->size);
        assert_memory_equal(buf, truth, got);
        free(truth);
    }
    lr_extfs_free(fs);
    lr_io_close(io, NULL);
    return r;
}

/* The live log replayed as e2fsck and the kernel do (truth/after.txt: the
 * replayed copy's files), and what each damage leaves: the state without
 * the journal (truth/before.txt), or a part of the log. */
static void test_replay(void **state)
{
    (void)state;
    held_t before[16], after[16];
    size_t nb = load_held("truth/before.txt", before, 16);
    size_t na = load_held("truth/after.txt", after, 16);
    size_t len = 0;
    uint8_t *img = load_recover("backup-recover", &len);
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    /* as it lies: replayed, the after state; before's files no longer start */
    lr_extfs_replay_t r = check_state(img, len, after, na, before, nb);
    assert_int_equal(r.state, LR_EXTFS_LOG_REPLAYED);
    assert_int_equal(r.first_seq, 24);
    assert_int_equal(r.n_trans, 11);
    assert_int_equal(r.blocks, 11);
    assert_int_equal(r.bad, 0);
    uint64_t jsb = journal_at("backup-recover", 0) * 1024;
    /* the journal's superblock says the log is empty: nothing replayed */
    memcpy(bad, img, len);
    memset(bad + jsb + 28, 0, 4); /* s_start */
    r = check_state(bad, len, before, nb, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_CLEAN);
    /* no jbd2 superblock: not replayed, said why */
    memcpy(bad, img, len);
    bad[jsb] ^= 0xff;
    r = check_state(bad, len, before, nb, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_PENDING);
    assert_int_equal(r.why, LR_EXTFS_WHY_UNREADABLE);
    /* the first commit's checksum fails: no transaction committed, the
     * log corrupt (the kernel refuses it): said, not replayed */
    memcpy(bad, img, len);
    bad[journal_at("backup-recover", logged_at("commit", 24)) * 1024 + 60] ^= 1;
    r = check_state(bad, len, before, nb, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_PENDING);
    assert_int_equal(r.why, LR_EXTFS_WHY_CORRUPT);
    assert_true(r.corrupt);
    assert_int_equal(r.n_trans, 0);
    assert_int_equal(r.blocks, 0);
    /* the last one's: ten replayed, the log said corrupt; the root
     * directory and inode table block 82 only the last logged */
    memcpy(bad, img, len);
    bad[journal_at("backup-recover", logged_at("commit", 34)) * 1024 + 60] ^= 1;
    r = check_state(bad, len, NULL, 0, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_PENDING);
    assert_int_equal(r.why, LR_EXTFS_WHY_CORRUPT);
    assert_int_equal(r.n_trans, 10);
    assert_int_equal(r.blocks, 9);
    /* a copy whose checksum fails is passed over: block 82's only one
     * (the block as it lies is read), inode table block 85's last one
     * (its copy before is read) */
    memcpy(bad, img, len);
    bad[journal_at("backup-recover", logged_at("copy", 82)) * 1024 + 100] ^= 1;
    bad[journal_at("backup-recover", logged_at("copy", 85)) * 1024 + 100] ^= 1;
    r = check_state(bad, len, NULL, 0, NULL, 0);
    assert_int_equal(r.n_trans, 11);
    assert_int_equal(r.bad, 2);
    assert_int_equal(r.blocks, 10);
    /* a twelfth transaction revoking inode table block 85 (inodes 13-16):
     * none of its copies is read, its inodes are as they lie: backup/rvg
     * seqno 6 (inode 14) starts where it did before, no file where
     * rvg_00005 (inode 15) starts after; inode 18's block is replayed */
    memcpy(bad, img, len);
    uint32_t end = logged_at("commit", 34) + 1;
    uint8_t *rv = bad + journal_at("backup-recover", end) * 1024;
    uint8_t *cm = bad + journal_at("backup-recover", end + 1) * 1024;
    const uint8_t *uuid = img + jsb + 48;
    uint32_t seed = lr_crc32c(0xffffffffu, uuid, 16);
    memset(rv, 0, 1024);
    put_be32(rv, 0xC03B3998u), put_be32(rv + 4, 5), put_be32(rv + 8, 35);
    put_be32(rv + 12, 16 + 8); /* one 64-bit record */
    put_be32(rv + 16, 0), put_be32(rv + 20, 85);
    put_be32(rv + 1020, lr_crc32c(seed, rv, 1024));
    memset(cm, 0, 1024);
    put_be32(cm, 0xC03B3998u), put_be32(cm + 4, 2), put_be32(cm + 8, 35);
    put_be32(cm + 16, lr_crc32c(seed, cm, 1024));
    const held_t *old14 = NULL, *new15 = NULL, *new18 = NULL;
    for (size_t i = 0; i < nb; i++)
        old14 = before[i].ino == 14 ? &before[i] : old14;
    for (size_t i = 0; i < na; i++) {
        new15 = after[i].ino == 15 ? &after[i] : new15;
        new18 = after[i].ino == 18 ? &after[i] : new18;
    }
    assert_non_null(old14), assert_non_null(new15), assert_non_null(new18);
    held_t want[2] = {*old14, *new18};
    r = check_state(bad, len, want, 2, new15, 1);
    assert_int_equal(r.n_trans, 12);
    assert_int_equal(r.blocks, 10);
    /* the journal's latest copy of the superblock claims 2^24 blocks (its
     * tag's and descriptor's checksums made to hold): 2048 groups, whose
     * descriptors (128 KiB) are past an open's cap of 64 KiB as the
     * superblock in place would be, so the log is not replayed */
    memcpy(bad, img, len);
    uint32_t sbj = logged_at("copy", 1), desc = 0, seq = 0;
    descriptor_of("backup-recover", sbj, &desc, &seq);
    uint8_t *sbc = bad + journal_at("backup-recover", sbj) * 1024;
    sbc[4] = 0, sbc[5] = 0, sbc[6] = 0, sbc[7] = 0x01; /* s_blocks_count_lo */
    uint8_t *d = bad + journal_at("backup-recover", desc) * 1024;
    size_t off = 12; /* the copy's tag: one per block after the descriptor */
    for (uint32_t k = desc + 1; k < sbj; k++)
        off += 16 + ((d[off + 7] & 0x2) ? 0 : 16); /* JBD2_FLAG_SAME_UUID */
    uint8_t sq[4];
    put_be32(sq, seq);
    put_be32(d + off + 12, lr_crc32c(lr_crc32c(seed, sq, 4), sbc, 1024));
    memset(d + 1020, 0, 4);
    put_be32(d + 1020, lr_crc32c(seed, d, 1024));
    check_max_gdt = 64u << 10;
    r = check_state(bad, len, NULL, 0, NULL, 0);
    check_max_gdt = LR_EXTFS_MAX_GDT;
    assert_int_equal(r.state, LR_EXTFS_LOG_PENDING);
    assert_int_equal(r.why, LR_EXTFS_WHY_LIMIT);
    free(bad);
    free(img);
}

/* ext4's fast commits after the last full transaction
 * (fixtures/fast-commit): the full one replayed, the fast ones not, so
 * the filesystem is said to lag its log; with the fast-commit area's HEAD
 * naming another transaction (a stale area), replayed and sure. */
static void test_fast_commit(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *img = load_recover("fast-commit", &len);
    lr_extfs_replay_t r = check_state(img, len, NULL, 0, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_PENDING);
    assert_int_equal(r.why, LR_EXTFS_WHY_FAST_COMMIT);
    assert_true(r.fast_commits);
    assert_int_equal(r.first_seq, 5);
    assert_int_equal(r.n_trans, 1);
    assert_true(r.blocks > 0);
    /* the journal superblock: maxlen (be32 at 16) less its fast-commit
     * blocks (at 0x54), plus 1 */
    const uint8_t *jsb = img + journal_at("fast-commit", 0) * 1024;
    uint32_t maxlen = (uint32_t)jsb[16] << 24 | (uint32_t)jsb[17] << 16 | jsb[18] << 8 | jsb[19];
    uint32_t fc =
        (uint32_t)jsb[0x54] << 24 | (uint32_t)jsb[0x55] << 16 | jsb[0x56] << 8 | jsb[0x57];
    uint8_t *head = img + journal_at("fast-commit", maxlen - fc + 1) * 1024;
    assert_int_equal(head[0], 0x9); /* EXT4_FC_TAG_HEAD */
    assert_int_equal(head[8], 6);   /* its tid: the transaction after 5 */
    head[8] = 9;
    r = check_state(img, len, NULL, 0, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_REPLAYED);
    assert_false(r.fast_commits);
    free(img);
}

/* jbd2's checksum v1 (fixtures/journal-v1: an ext4 of 4 KiB blocks
 * without metadata_csum, mounted with journal_checksum): six transactions
 * replayed; a logged copy of the last one damaged, its commit's crc32 no
 * longer holds: five are, as e2fsck does ("Journal transaction 10 was
 * corrupt, replay was aborted"), and the log is said corrupt (the kernel
 * refuses to mount it). */
static void test_journal_v1(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *img = load_recover("journal-v1", &len);
    lr_extfs_replay_t r = check_state(img, len, NULL, 0, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_REPLAYED);
    assert_int_equal(r.first_seq, 5);
    assert_int_equal(r.n_trans, 6);
    uint32_t commit = logged_in("journal-v1", "commit", 10);
    img[journal_at("journal-v1", commit - 1) * 4096 + 100] ^= 1;
    r = check_state(img, len, NULL, 0, NULL, 0);
    assert_int_equal(r.state, LR_EXTFS_LOG_PENDING); /* the kernel refuses the log */
    assert_int_equal(r.why, LR_EXTFS_WHY_CORRUPT);
    assert_int_equal(r.n_trans, 5);
    free(img);
}

#else

static void test_records(void **state)
{
    (void)state;
    lr_io_t *io = lr_test_open_fixture("backup-ext4", "ext4.img");
    lr_extfs_t *fs = NULL;
    assert_false(lr_extfs_available());
    assert_int_equal(lr_extfs_open(io, 0, LR_EXTFS_MAX_GDT, &fs, NULL), -ENOTSUP);
    assert_null(fs);
    lr_io_close(io, NULL);
}

static void test_gdt_cap(void **state)
{
    (void)state;
}

static void test_replay(void **state)
{
    (void)state;
}

static void test_fast_commit(void **state)
{
    (void)state;
}

static void test_journal_v1(void **state)
{
    (void)state;
}

static void test_journal(void **state)
{
    (void)state;
    lr_extfs_past_t past[1];
    uint64_t block = 1, budget = 1u << 20;
    assert_int_equal(lr_extfs_journal_files(NULL, &block, 1, 1u << 22, past, &budget, NULL),
                     -ENOTSUP);
    assert_int_equal(past[0].ino, 0);
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_superblock_rule), cmocka_unit_test(test_records),
        cmocka_unit_test(test_gdt_cap),         cmocka_unit_test(test_journal),
        cmocka_unit_test(test_replay),          cmocka_unit_test(test_fast_commit),
        cmocka_unit_test(test_journal_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
