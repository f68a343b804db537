/* lr/xfs.h on fixtures/backup-xfs (LVM2 rotating its archive in an XFS the
 * kernel wrote: 1 KiB blocks, 2 allocation groups of 16500 blocks, files
 * of one extent per block, extent lists and block-map B+trees) against
 * the XFS tools' own view of it: truth/files.txt (xfs_bmap's extents and
 * xfs_db's inode numbers of every file in use), truth/deleted.txt (which
 * blocks of the deleted archives still hold their bytes), the files as
 * LVM2 wrote them (truth/archive, truth/backup). Then damaged copies: a
 * superblock, an inode and an inode B+tree block whose checksums fail.
 *
 * The log (lr_xfs_log): fixtures/backup-xfs (unmounted: clean) and
 * fixtures/xfs-dirty-log (a filesystem shut down with its log wrapped:
 * dirty; and a copy mounted and unmounted: clean) against xfs_logprint's
 * head and tail (truth/log.txt); damaged copies; logs built in memory
 * (never wrapped, wrapped, a record across the log's end, holes the
 * kernel's head search steps back to, a record not written whole).
 * Covered logs: fixtures/xfs-covered (XFSs copied mounted: frozen and idle,
 * only the superblock logged from tail to head: covered; busy: dirty)
 * against xfs_logprint's head, tail and items (truth/log.txt); the
 * covering's record damaged, resealed with xlog_cksum's CRC.
 *
 * Sparse inode chunks: fixtures/xfs-sparse (files whose inodes the kernel
 * put in half chunks, inode B+tree records with a hole mask) against
 * xfs_db's records and xfs_bmap's extents; a record's hole mask widened
 * over an archive's inode (its free mask left as it was). */
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
#include "lr/io.h"
#include "lr/xfs.h"
#include "mem_io.h"
#include "support.h"
#include "xfs_int.h" /* xf_read: the replay's bytes, compared with the kernel's */

#define FX "backup-xfs"
#define BS 1024u
#define MAX_FILES 16
#define MAX_EXT 1024

typedef struct ext {
    uint64_t off, len, at; /* file byte, bytes, image byte */
} ext_t;

typedef struct tfile {
    char path[128];
    uint64_t ino, size;
    ext_t ext[MAX_EXT];
    size_t n;
} tfile_t;

typedef struct truth {
    tfile_t f[MAX_FILES];
    size_t n;
} truth_t;

static truth_t *load_files(void)
{
    char path[512];
    char *text = lr_test_slurp(lr_test_path(path, sizeof(path), FX, "truth/files.txt"), NULL);
    assert_non_null(text);
    truth_t *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        assert_true(t->n < MAX_FILES);
        tfile_t *f = &t->f[t->n++];
        char fmt[16], *exts = malloc(strlen(line) + 1);
        unsigned long long ino, size, n;
        assert_int_equal(
            sscanf(line, "%127s %llu %llu %15s %llu %s", f->path, &ino, &size, fmt, &n, exts), 6);
        f->ino = ino;
        f->size = size;
        for (char *p = exts; *p;) {
            unsigned long long off, len, at;
            int used = 0;
            assert_int_equal(sscanf(p, "%llu+%llu@%llu%n", &off, &len, &at, &used), 3);
            assert_true(f->n < MAX_EXT);
            f->ext[f->n++] = (ext_t){off, len, at};
            p += used;
            if (*p == ',')
                p++;
        }
        free(exts);
    }
    free(text);
    assert_true(t->n >= 8);
    return t;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The whole image in memory (33000 KiB), for reading and for damage. */
static uint8_t *load_image(size_t *len)
{
    lr_io_t *io = lr_test_open_fixture(FX, "fs.img");
    *len = (size_t)lr_io_size(io);
    uint8_t *img = malloc(*len);
    assert_non_null(img);
    assert_int_equal(lr_io_pread(io, img, *len, 0, NULL), 0);
    lr_io_close(io, NULL);
    return img;
}

static void test_superblock_rule(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = load_image(&len);
    uint32_t bs = 0;
    uint64_t size = 0;
    assert_true(lr_xfs_superblock(img, 512, &bs, &size));
    assert_int_equal(bs, BS);
    assert_int_equal(size, 33000u * BS);
    assert_int_equal(size, len);
    assert_false(lr_xfs_superblock(img, 231, NULL, NULL)); /* cut short */
    uint8_t bad[512];
    memcpy(bad, img, sizeof(bad));
    bad[0] = 'Y';
    assert_false(lr_xfs_superblock(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, img, sizeof(bad));
    bad[124]++; /* agblklog that does not fit agblocks */
    assert_false(lr_xfs_superblock(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, img, sizeof(bad));
    bad[15]++; /* dblocks past agcount x agblocks */
    assert_false(lr_xfs_superblock(bad, sizeof(bad), NULL, NULL));
    memcpy(bad, img, sizeof(bad));
    bad[101] = (bad[101] & 0xf0) | 3; /* version 3 */
    assert_false(lr_xfs_superblock(bad, sizeof(bad), NULL, NULL));
    /* AG 1's secondary superblock reads the same */
    assert_true(lr_xfs_superblock(img + 16500u * BS, 512, NULL, NULL));
    free(img);
}

/* The blocks files in use start at, and the first blocks of the deleted
 * archives and a block in a file's middle (no file in use starts there). */
static size_t asked(const truth_t *t, uint64_t *blocks, uint64_t *want_ino, uint64_t *want_size)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->f[i].n && t->f[i].ext[0].off == 0)
            blocks[n++] = t->f[i].ext[0].at / BS;
    const tfile_t *last = &t->f[t->n - 1];
    blocks[n++] = last->ext[last->n - 1].at / BS + (last->ext[last->n - 1].len - 1) / BS;
    blocks[n++] = 1; /* AG 0's AGF */
    qsort(blocks, n, sizeof(*blocks), u64_cmp);
    for (size_t k = 0; k < n; k++) {
        want_ino[k] = want_size[k] = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->f[i].n && t->f[i].ext[0].off == 0 && t->f[i].ext[0].at / BS == blocks[k]) {
                want_ino[k] = t->f[i].ino;
                want_size[k] = t->f[i].size;
            }
    }
    return n;
}

/* The file as its extents in the image say, holes as zeros. */
static uint8_t *bytes_of(const tfile_t *f, const uint8_t *img)
{
    uint8_t *b = calloc(1, f->size + 1);
    assert_non_null(b);
    for (size_t i = 0; i < f->n; i++) {
        uint64_t len = f->ext[i].len;
        if (f->ext[i].off >= f->size)
            continue;
        if (f->ext[i].off + len > f->size)
            len = f->size - f->ext[i].off;
        memcpy(b + f->ext[i].off, img + f->ext[i].at, len);
    }
    return b;
}

static void test_records(void **state)
{
    (void)state;
    truth_t *t = load_files();
    size_t len;
    uint8_t *img = load_image(&len);
    lr_io_t *io = lr_test_open_fixture(FX, "fs.img");
    lr_xfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    assert_int_equal(lr_xfs_block_size(fs), BS);
    assert_int_equal(lr_xfs_size(fs), len);

    uint64_t blocks[MAX_FILES + 2], ino[MAX_FILES + 2], size[MAX_FILES + 2];
    size_t n = asked(t, blocks, ino, size);
    lr_xfs_file_t files[MAX_FILES + 2];
    uint64_t budget = 1u << 30;
    assert_int_equal(lr_xfs_files_at(fs, blocks, n, 1u << 30, files, &budget, &e), 0);
    assert_true(budget < (1u << 30));
    size_t found = 0;
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(files[k].ino, ino[k]);
        assert_int_equal(files[k].size, size[k]);
        found += ino[k] != 0;
    }
    assert_true(found >= 8);
    /* max_size: the 2 MiB text files are passed over */
    assert_int_equal(lr_xfs_files_at(fs, blocks, n, 65536, files, &budget, &e), 0);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(files[k].ino, size[k] <= 65536 ? ino[k] : 0);

    /* each file by its inode: xfs_bmap's extents' bytes, and the archive
     * and backup files as LVM2 wrote them */
    size_t lvm = 0, btree = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tfile_t *f = &t->f[i];
        uint8_t *want = bytes_of(f, img), *buf = malloc(f->size + 8);
        size_t got = 0;
        assert_int_equal(lr_xfs_read(fs, f->ino, buf, f->size + 8, &got, &e), 0);
        assert_int_equal(got, f->size);
        assert_memory_equal(buf, want, f->size);
        btree += f->n > 12;
        if (!strncmp(f->path, "archive/", 8) || !strcmp(f->path, "backup/xvg")) {
            char rel[160], p[512];
            snprintf(rel, sizeof(rel), "truth/%s", f->path);
            size_t tl = 0;
            char *lvm_text = lr_test_slurp(lr_test_path(p, sizeof(p), FX, rel), &tl);
            assert_non_null(lvm_text);
            assert_int_equal(tl, f->size);
            assert_memory_equal(buf, lvm_text, tl);
            free(lvm_text);
            lvm++;
        }
        /* a shorter read gives the file's first bytes */
        assert_int_equal(lr_xfs_read(fs, f->ino, buf, 100, &got, &e), 0);
        assert_int_equal(got, f->size < 100 ? f->size : 100);
        free(want);
        free(buf);
    }
    assert_int_equal(lvm, 4);
    assert_true(btree >= 3); /* B+tree maps, two of them two levels deep */

    /* the free-space B+tree: every block of a file in use is in use */
    for (size_t i = 0; i < t->n; i++)
        for (size_t x = 0; x < t->f[i].n && x < 64; x++)
            assert_int_equal(lr_xfs_block_used(fs, t->f[i].ext[x].at / BS, &e), 1);
    assert_int_equal(lr_xfs_block_used(fs, 0, &e), 1);
    assert_int_equal(lr_xfs_block_used(fs, 33000, &e), LR_ERANGE);

    /* a directory, an inode not in use, one past the filesystem */
    size_t got = 0;
    char small[64];
    assert_int_equal(lr_xfs_read(fs, 64, small, sizeof(small), &got, &e), LR_EFORMAT);
    assert_int_equal(lr_xfs_read(fs, 1ull << 40, small, sizeof(small), &got, &e), LR_EFORMAT);

    /* not ascending; a budget of one block */
    uint64_t down[2] = {blocks[1], blocks[0]};
    assert_int_equal(lr_xfs_files_at(fs, down, 2, 1u << 22, files, &budget, &e), LR_ERANGE);
    uint64_t one = BS;
    assert_int_equal(lr_xfs_files_at(fs, blocks, n, 1u << 22, files, &one, &e), LR_ELIMIT);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    free(img);
    free(t);
}

/* The deleted archives' blocks that still hold their bytes (deleted.txt:
 * "same") and no file in use holds: free by the free-space B+tree. */
static void test_free_blocks(void **state)
{
    (void)state;
    truth_t *t = load_files();
    char path[512];
    char *text = lr_test_slurp(lr_test_path(path, sizeof(path), FX, "truth/deleted.txt"), NULL);
    assert_non_null(text);
    lr_io_t *io = lr_test_open_fixture(FX, "fs.img");
    lr_xfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    size_t checked = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long long off, len, at;
        char what[16];
        if (sscanf(line, " %llu+%llu@%llu %15[A-Z a-z]", &off, &len, &at, what) != 4 ||
            strncmp(what, "same", 4) != 0)
            continue;
        bool live = false;
        for (size_t i = 0; i < t->n; i++)
            for (size_t x = 0; x < t->f[i].n; x++)
                live |= at >= t->f[i].ext[x].at && at < t->f[i].ext[x].at + t->f[i].ext[x].len;
        if (live)
            continue;
        assert_int_equal(lr_xfs_block_used(fs, at / BS, &e), 0);
        checked++;
    }
    assert_true(checked >= 20);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    free(text);
    free(t);
}

/* The image byte of the block-map B+tree block of the file at path
 * (truth/files.txt's last column: one block outside the inode). */
static size_t bmbt_block(const char *path)
{
    char p[512];
    char *text = lr_test_slurp(lr_test_path(p, sizeof(p), FX, "truth/files.txt"), NULL);
    assert_non_null(text);
    size_t want = strlen(path);
    unsigned long long at = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (!strncmp(line, path, want) && line[want] == ' ')
            assert_int_equal(sscanf(strrchr(line, ' ') + 1, "%llu", &at), 1);
    free(text);
    assert_true(at > 0);
    return (size_t)at;
}

/* The free-space B+tree answers every block of the filesystem the same
 * with its last leaf kept as without (a handle that asks a block of the
 * other group between two answers reads each afresh). */
static void test_free_cache(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = load_image(&len);
    lr_io_t *io = NULL;
    lr_xfs_t *warm = NULL, *cold = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "fs", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &warm, &e), 0);
    assert_int_equal(lr_xfs_open(io, 0, &cold, &e), 0);
    size_t n_free = 0;
    for (uint64_t b = 0; b < 33000; b++) {
        int a = lr_xfs_block_used(warm, b, &e);
        assert_true(lr_xfs_block_used(cold, b < 16500 ? 32999 : 0, &e) >= 0);
        assert_int_equal(lr_xfs_block_used(cold, b, &e), a);
        n_free += a == 0;
    }
    assert_true(n_free > 100); /* the holes the archives left */
    lr_xfs_free(warm);
    lr_xfs_free(cold);
    lr_io_close(io, NULL);
    free(img);
}

/* The byte of the image inode ino lies at (this geometry: agblklog 15,
 * inopblog 1, 512-byte inodes). */
static size_t inode_at(uint64_t ino)
{
    uint64_t ag = ino >> 16, agino = ino & 0xffff;
    return (size_t)((ag * 16500 + (agino >> 1)) * BS + (agino & 1) * 512);
}

static void test_damage(void **state)
{
    (void)state;
    truth_t *t = load_files();
    size_t len;
    uint8_t *img = load_image(&len);
    lr_error_t e;
    lr_error_clear(&e);
    lr_xfs_t *fs = NULL;
    lr_io_t *io = NULL;

    /* a superblock whose checksum fails (a field no rule checks) */
    img[200] ^= 0x40;
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "sb", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), LR_ECHECKSUM);
    assert_null(fs);
    lr_io_close(io, NULL);
    img[200] ^= 0x40;

    /* an inode whose checksum fails: not a file in use any more */
    const tfile_t *f = NULL;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->f[i].path, "backup/xvg"))
            f = &t->f[i];
    assert_non_null(f);
    img[inode_at(f->ino) + 56 + 7] ^= 1; /* di_size */
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "inode", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    uint64_t block = f->ext[0].at / BS, budget = 1u << 30;
    lr_xfs_file_t file;
    assert_int_equal(lr_xfs_files_at(fs, &block, 1, 1u << 30, &file, &budget, &e), 0);
    assert_int_equal(file.ino, 0);
    char buf[64];
    size_t got = 1;
    assert_int_equal(lr_xfs_read(fs, f->ino, buf, sizeof(buf), &got, &e), LR_ECHECKSUM);
    assert_int_equal(got, 0);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    img[inode_at(f->ino) + 56 + 7] ^= 1;

    /* AG 0's free-space B+tree root (two levels here: a node) whose
     * checksum fails: not known */
    size_t agf0 = 512, leaf = (size_t)((uint32_t)img[agf0 + 16] << 24 | img[agf0 + 17] << 16 |
                                       img[agf0 + 18] << 8 | img[agf0 + 19]) *
                              BS;
    assert_int_equal(img[agf0 + 31], 2); /* agf_bno_level */
    img[leaf + 100] ^= 1;
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "bnobt", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    assert_int_equal(lr_xfs_block_used(fs, 100, &e), LR_ECHECKSUM);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    img[leaf + 100] ^= 1;

    /* the B+tree file's block-map leaf whose checksum fails: the file is
     * passed over, and not read */
    const tfile_t *big = NULL;
    for (size_t i = 0; i < t->n; i++)
        if (!strncmp(t->f[i].path, "archive/", 8) && t->f[i].n > 12)
            big = &t->f[i];
    assert_non_null(big);
    size_t bmbt = bmbt_block(big->path);
    img[bmbt + 200] ^= 1;
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "bmbt", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    uint64_t at = big->ext[0].at / BS;
    assert_int_equal(lr_xfs_files_at(fs, &at, 1, 1u << 30, &file, &budget, &e), 0);
    assert_int_equal(file.ino, 0);
    char *whole = malloc(big->size);
    assert_int_equal(lr_xfs_read(fs, big->ino, whole, big->size, &got, &e), LR_ECHECKSUM);
    free(whole);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    img[bmbt + 200] ^= 1;

    /* AG 1's inode B+tree header (AGI) whose checksum fails: the walk
     * stops, saying so */
    size_t agi1 = 16500u * BS + 2 * 512 + 64;
    img[agi1] ^= 1;
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "agi", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    assert_int_equal(lr_xfs_files_at(fs, &block, 1, 1u << 30, &file, &budget, &e), LR_ECHECKSUM);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    free(img);
    free(t);
}

/* ---- the log ------------------------------------------------------------ */

#define LOGFX "xfs-dirty-log"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint8_t *load_fixture(const char *fx, const char *name, size_t *len)
{
    lr_io_t *io = lr_test_open_fixture(fx, name);
    *len = (size_t)lr_io_size(io);
    uint8_t *img = malloc(*len);
    assert_non_null(img);
    assert_int_equal(lr_io_pread(io, img, *len, 0, NULL), 0);
    lr_io_close(io, NULL);
    return img;
}

/* The internal log's first byte in the image and its basic blocks, by
 * the superblock (sb_logstart: agno << agblklog | agbno). */
static size_t log_at(const uint8_t *img, size_t *nbb)
{
    uint64_t fsb = (uint64_t)be32(img + 48) << 32 | be32(img + 52);
    uint32_t bs = be32(img + 4), agblocks = be32(img + 84);
    uint8_t agblklog = img[124];
    *nbb = (size_t)be32(img + 96) * bs / 512;
    return (size_t)(((fsb >> agblklog) * agblocks + (fsb & ((1u << agblklog) - 1))) * bs);
}

/* lr_xfs_log on an image in memory. */
static lr_xfs_log_t log_of(const uint8_t *img, size_t len)
{
    lr_io_t *io = NULL;
    lr_xfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "log", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    lr_xfs_log_t log;
    assert_int_equal(lr_xfs_log(fs, &log, &e), 0);
    int state = -1;
    assert_int_equal(lr_xfs_log_state(fs, &state, &e), 0);
    assert_int_equal(state, log.state);
    assert_true((log.state == LR_XFS_LOG_CLEAN || log.state == LR_XFS_LOG_COVERED) ==
                (log.why == NULL));
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    return log;
}

/* truth/log.txt: logstart logblocks blocksize head_dirty tail_dirty
 * head_clean tail_clean cycle (xfs_logprint -t's basic blocks). */
static void log_truth(unsigned long long v[8])
{
    char path[512];
    char *text = lr_test_slurp(lr_test_path(path, sizeof(path), LOGFX, "truth/log.txt"), NULL);
    assert_non_null(text);
    assert_int_equal(sscanf(text, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6], &v[7]),
                     8);
    free(text);
}

/* A basic block's cycle: its first word, or the second when the first is
 * a record header's magic (xlog_get_cycle). */
static uint32_t cycle_word(const uint8_t *p)
{
    return be32(p) == 0xFEEDBABEu ? be32(p + 4) : be32(p);
}

static void test_log_fixtures(void **state)
{
    (void)state;
    unsigned long long t[8];
    log_truth(t);
    size_t len, n;
    /* backup-xfs: unmounted by umount */
    uint8_t *img = load_fixture(FX, "fs.img", &len);
    lr_xfs_log_t log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.tail, log.head);
    free(img);

    /* shut down with the log wrapped: dirty, xfs_logprint's head and tail */
    img = load_fixture(LOGFX, "dirty.img", &len);
    size_t at = log_at(img, &n);
    assert_int_equal(n, t[1] * t[2] / 512);
    log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_non_null(log.why);
    assert_int_equal(log.head, t[3]);
    assert_int_equal(log.tail, t[4]);
    assert_int_equal(log.cycle, t[7]);
    assert_true(log.record < log.head);
    /* the head's own block is of the cycle before (the log wrapped) */
    assert_int_equal(cycle_word(img + at + log.head * 512), t[7] - 1);
    assert_int_equal(cycle_word(img + at + (n - 1) * 512), t[7] - 1);
    free(img);

    /* the same mounted (the log replayed) and unmounted: clean */
    img = load_fixture(LOGFX, "clean.img", &len);
    log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_null(log.why);
    assert_int_equal(log.head, t[5]);
    assert_int_equal(log.tail, t[6]);
    free(img);
}

/* The clean copy damaged: each no longer reads as clean. */
static void test_log_damage(void **state)
{
    (void)state;
    size_t len, n;
    uint8_t *img = load_fixture(LOGFX, "clean.img", &len);
    size_t at = log_at(img, &n);
    lr_xfs_log_t good = log_of(img, len), log;
    assert_int_equal(good.state, LR_XFS_LOG_CLEAN);
    uint8_t *rec = img + at + good.record * 512, *data = rec + 512; /* one header block */
    assert_int_equal(be32(rec), 0xfeedbabeu);
    assert_int_equal(be32(rec + 40), 1); /* h_num_logops */
    assert_int_equal(data[9], 0x20);     /* oh_flags: XLOG_UNMOUNT_TRANS */

    /* the unmount record's magic damaged: no record ends at the head */
    rec[3] ^= 1;
    log = log_of(img, len);
    assert_int_not_equal(log.state, LR_XFS_LOG_CLEAN);
    rec[3] ^= 1;
    /* its operation not an unmount: dirty (the kernel would replay) */
    data[9] = 0;
    log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_int_equal(log.head, good.head);
    assert_int_equal(log.record, good.record);
    data[9] = 0x20;
    /* two operations */
    rec[43] = 2;
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_DIRTY);
    rec[43] = 1;
    /* another filesystem's log: unknown (the kernel refuses it) */
    rec[304] ^= 1;
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_UNKNOWN);
    rec[304] ^= 1;
    /* h_lsn naming another block */
    rec[23] ^= 1;
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_UNKNOWN);
    rec[23] ^= 1;
    /* the record's data block stamped with another cycle */
    put_be32(data, be32(data) + 1);
    assert_int_not_equal(log_of(img, len).state, LR_XFS_LOG_CLEAN);
    put_be32(data, be32(data) - 1);
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_CLEAN);
    /* the log's last block of cycle 0, its first not of cycle 1 (this
     * log wrapped: cycle 3): the kernel's "Log inconsistent or not a log" */
    uint8_t *end = img + at + (n - 1) * 512, keep[8];
    memcpy(keep, end, 8);
    memset(end, 0, 8);
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_UNKNOWN);
    memcpy(end, keep, 8);

    /* the whole log zeroed: the kernel would find nothing to replay (head
     * and tail 0: "totally zeroed log"), but no Linux writes one: unknown */
    memset(img + at, 0, n * 512);
    log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_UNKNOWN);
    /* an external log (the superblock's checksum sealed again) */
    memset(img + 48, 0, 8);
    memset(img + 224, 0, 4);
    uint32_t crc = ~lr_crc32c(0xffffffffu, img, 512);
    for (int i = 0; i < 4; i++)
        img[224 + i] = (uint8_t)(crc >> (8 * i));
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_UNKNOWN);
    free(img);
}

/* ---- a covered log -------------------------------------------------------- */

#define COVFX "xfs-covered"

/* truth/log.txt's line for image `name`: "NAME head tail covered"
 * (xfs_logprint -t's basic blocks; covered: every item from tail to head
 * the superblock's buffer, by xfs_logprint). */
static void covered_truth(const char *name, unsigned long long *head, unsigned long long *tail,
                          int *covered)
{
    char path[512], word[32];
    char *text = lr_test_slurp(lr_test_path(path, sizeof(path), COVFX, "truth/log.txt"), NULL);
    assert_non_null(text);
    bool found = false;
    for (char *line = text; line && *line && !found;) {
        if (sscanf(line, "%31s %llu %llu %d", word, head, tail, covered) == 4 &&
            strcmp(word, name) == 0)
            found = true;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    free(text);
    assert_true(found);
}

/* A record's h_crc as xlog_cksum computes it (hdr header bytes, h_crc as
 * zeros, then its h_len data bytes as they lie; one header block): 328 on
 * 64-bit hosts, 324 on i386. */
static void seal_record_as(uint8_t *rec, size_t hdr)
{
    uint32_t len = be32(rec + 12);
    memset(rec + 32, 0, 4);
    uint32_t c = lr_crc32c(0xffffffffu, rec, hdr);
    c = ~lr_crc32c(c, rec + 512, len);
    for (int i = 0; i < 4; i++)
        rec[32 + i] = (uint8_t)(c >> (8 * i));
}

static void seal_record(uint8_t *rec)
{
    seal_record_as(rec, 328);
}

/* lr_xfs_log's answer once record rec is sealed again. */
static lr_xfs_log_t sealed_log(const uint8_t *img, size_t len, uint8_t *rec)
{
    seal_record(rec);
    return log_of(img, len);
}

/* The images made by the kernel: frozen (xfs_freeze while copied) and
 * idle (copied mounted once the log worker covered the log) are covered
 * at xfs_logprint's head and tail; busy (copied with inode changes in the
 * log) is dirty. */
static void test_log_covered(void **state)
{
    (void)state;
    static const char *const names[] = {"frozen", "idle", "busy"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        unsigned long long head, tail;
        int covered;
        char file[64];
        covered_truth(names[i], &head, &tail, &covered);
        snprintf(file, sizeof(file), "%s.img", names[i]);
        size_t len;
        uint8_t *img = load_fixture(COVFX, file, &len);
        lr_xfs_log_t log = log_of(img, len);
        assert_int_equal(log.state, covered ? LR_XFS_LOG_COVERED : LR_XFS_LOG_DIRTY);
        assert_int_equal(log.head, head);
        assert_int_equal(log.tail, tail);
        /* busy: its first logged superblock (at mount) is not the one in
         * place, and inode and buffer items follow */
        if (!covered)
            assert_true(strcmp(log.why, "the log holds changes other than the superblock's") == 0 ||
                        strcmp(log.why, "the log holds a superblock other than the one in place") ==
                            0);
        free(img);
    }
}

/* The frozen image's first covering record damaged: each leaves the log
 * dirty, saying why. */
static void test_log_covered_damage(void **state)
{
    (void)state;
    size_t len, n;
    uint8_t *img = load_fixture(COVFX, "frozen.img", &len);
    size_t at = log_at(img, &n);
    lr_xfs_log_t good = log_of(img, len), log;
    assert_int_equal(good.state, LR_XFS_LOG_COVERED);
    uint8_t *rec = img + at + good.tail * 512, *data = rec + 512;
    assert_int_equal(be32(rec), 0xfeedbabeu);
    assert_int_equal(be32(rec + 320), 32768); /* h_size: one header block */
    /* the superblock's buffer item: XFS_LI_BUF (little-endian: h_fmt 1) */
    assert_int_equal(be32(rec + 300), 1);
    uint8_t *item = NULL;
    for (size_t k = 4; k + 16 <= be32(rec + 12) && !item; k++)
        if (data[k] == 0x3c && data[k + 1] == 0x12 && data[k - 4] == 0x69)
            item = data + k; /* after an op header of XFS_TRANSACTION (oh_clientid at -4) */
    assert_non_null(item);
    uint8_t keep[512 * 3];
    memcpy(keep, rec, sizeof(keep));
    uint8_t *sbdata = item + 24 + 12; /* the 384 bytes of the superblock, after their op header */
    assert_memory_equal(sbdata, "XFSB", 4);

    /* another buffer (the AGI at basic block 2): its CRC fails first */
    item[8] = 2;
    log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a record between the log's tail and head fails its checksum");
    /* sealed again: a change other than the superblock's */
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "the log holds changes other than the superblock's");
    memcpy(rec, keep, sizeof(keep));
    /* sealed as it was: covered still (the seal is xlog_cksum's) */
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_COVERED);
    /* h_crc 0: a v5 XFS's kernel refuses the log (only its CRC pass takes
     * 0), and a CRC over a 324-byte header (i386's) is a torn write to
     * kernels before 6.17 */
    memset(rec + 32, 0, 4);
    log = log_of(img, len);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a record between the log's tail and head fails its checksum");
    seal_record_as(rec, 324);
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_DIRTY);
    /* a buffer flag (XFS_BLF_CANCEL), a longer buffer, a chunk of the map
     * past the buffer, a map whose run is not the region's length */
    item[4] |= 2;
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_DIRTY);
    item[4] &= (uint8_t)~2;
    item[6] = 2; /* blf_len 2 basic blocks: past the 512-byte sector */
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_DIRTY);
    item[6] = 1;
    assert_int_equal(item[20], 0x07); /* blf_data_map: chunks 0-2, the 384 bytes */
    item[20] = 0x17;
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_DIRTY);
    item[20] = 0x03;
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a superblock buffer in the log does not match its map");
    item[20] = 0x07;
    /* another item type (an inode's: XFS_LI_INODE 0x123b) */
    item[0] = 0x3b;
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_DIRTY);
    item[0] = 0x3c;
    /* the logged superblock not the one in place: its root inode; its free
     * block count (a lazy counter, recounted at mount) may differ */
    sbdata[63] ^= 1;
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "the log holds a superblock other than the one in place");
    sbdata[63] ^= 1;
    sbdata[151] ^= 1;
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_COVERED);
    sbdata[151] ^= 1;
    /* the transaction header's magic before it */
    assert_int_equal(be32(item - 12 - 16), 0x4e415254u); /* "TRAN" little-endian */
    item[-28] ^= 1;
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a transaction in the log does not start with its header");
    item[-28] ^= 1;
    /* a data block stamped with another cycle */
    put_be32(data, be32(data) + 1);
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_DIRTY);
    put_be32(data, be32(data) - 1);
    /* a nil uuid (the kernel's recovery refuses any but the superblock's) */
    uint8_t uuid[16];
    memcpy(uuid, rec + 304, 16);
    memset(rec + 304, 0, 16);
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_DIRTY);
    memcpy(rec + 304, uuid, 16);
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_COVERED);
    /* an item missing a region (blf_size 3: the kernel walks the map and
     * reads past the regions it has), then a transaction committing no
     * item (its buffer's operations given to a transaction never started:
     * skipped) */
    item[2] = 3;
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a transaction in the log commits no whole superblock buffer");
    item[2] = 2;
    item[-12 + 3] ^= 1;   /* the format's op header: oh_tid */
    sbdata[-12 + 3] ^= 1; /* the superblock's */
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a transaction in the log commits no whole superblock buffer");
    item[-12 + 3] ^= 1;
    sbdata[-12 + 3] ^= 1;
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_COVERED);
    /* an empty operation of the transaction between the item's format and
     * its data (12 of the record's 28 bytes of slack): the kernel skips it
     * (xlog_recover_add_to_trans), the item's data is still the superblock */
    size_t ops_end = (size_t)(sbdata + 384 - data) + 12; /* the COMMIT's header after it */
    assert_true(ops_end + 12 <= be32(rec + 12));
    uint8_t *empty = sbdata - 12; /* the data's op header, moved on 12 bytes with all after */
    memmove(empty + 12, empty, ops_end - (size_t)(empty - data));
    memcpy(empty, item - 12 - 28, 4); /* the transaction header op's oh_tid */
    memset(empty + 4, 0, 8);
    empty[8] = 0x69;
    put_be32(rec + 40, be32(rec + 40) + 1); /* h_num_logops */
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_COVERED);
    memcpy(rec, keep, sizeof(keep));
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_COVERED);

    /* a record read with another geometry (h_size 64 KiB: two header
     * blocks) than the tail's: the kernel takes the tail's for the walk.
     * The last one so: it no longer ends at the head, which moves back to
     * it, and the record before, 1117, has its tail at 1109's inodes */
    uint8_t *last = img + at + good.record * 512;
    assert_int_equal(be32(last + 320), 32768);
    put_be32(last + 320, 65536);
    log = sealed_log(img, len, last);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_int_equal(log.head, good.record);
    put_be32(last + 320, 32768);
    assert_int_equal(sealed_log(img, len, last).state, LR_XFS_LOG_COVERED);
    /* the last one's h_size 16 KiB (still one header block): the kernel's
     * CRC pass, started at a record with it, would hold the others to it */
    put_be32(last + 320, 16384);
    log = sealed_log(img, len, last);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "a record between the log's tail and head is not one XFS writes");
    put_be32(last + 320, 32768);
    assert_int_equal(sealed_log(img, len, last).state, LR_XFS_LOG_COVERED);
    /* the first one so (the tail's: the walk's geometry), the last then
     * read with one header block where the tail's says two */
    put_be32(rec + 320, 65536);
    log = sealed_log(img, len, rec);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    put_be32(rec + 320, 32768);
    assert_int_equal(sealed_log(img, len, rec).state, LR_XFS_LOG_COVERED);
    /* more records, each a copy of the last (its own LSN, the same tail,
     * sealed again) written at the head: 8 from the tail are walked, a
     * 9th is more than the kernel's torn-write check looks back over (it
     * would start its CRC pass past the tail) */
    uint8_t keep_head[512 * 14];
    memcpy(keep_head, img + at + good.head * 512, sizeof(keep_head));
    for (size_t k = 0; k < 7; k++) {
        uint8_t *copy = img + at + (good.head + 2 * k) * 512;
        memcpy(copy, last, 1024);
        put_be32(copy + 20, (uint32_t)(good.head + 2 * k));     /* h_lsn's block */
        put_be32(copy + 36, (uint32_t)(good.head + 2 * k - 2)); /* h_prev_block */
        seal_record(copy);
        log = log_of(img, len);
        assert_int_equal(log.head, good.head + 2 * k + 2);
        assert_int_equal(log.state, k < 6 ? LR_XFS_LOG_COVERED : LR_XFS_LOG_DIRTY);
    }
    assert_string_equal(log.why,
                        "more records between the log's tail and head than a covering writes");
    memcpy(img + at + good.head * 512, keep_head, sizeof(keep_head));
    assert_int_equal(log_of(img, len).state, LR_XFS_LOG_COVERED);
    /* its tail moved: onto no record, then far back (more than a
     * covering's length) */
    last[31]++;
    log = sealed_log(img, len, last);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "the log's tail names no record");
    last[31]--;
    put_be32(last + 28, (uint32_t)good.head + 1); /* the whole log but a block */
    log = sealed_log(img, len, last);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_string_equal(log.why, "the log's last record is not an unmount record, and its tail is "
                                 "not a covering's");
    free(img);
}

/* ---- logs built in memory ---------------------------------------------- */

typedef struct synth {
    uint8_t *img, *log;
    size_t len, n;
    const uint8_t *uuid;
} synth_t;

/* Basic blocks [from, to) of the log stamped with cycle (no record). */
static void stamp(synth_t *s, size_t from, size_t to, uint32_t cycle)
{
    for (size_t i = from; i < to; i++) {
        memset(s->log + i * 512, 0x5a, 512);
        put_be32(s->log + i * 512, cycle);
    }
}

/* A record at basic block blk of cycle, with data blocks of data, one
 * operation (an unmount: XLOG_UNMOUNT_TRANS) or three; its blocks stamped
 * as the kernel does (each data block's first word into h_cycle_data; the
 * blocks past the log's end, at its start, with the next cycle:
 * xlog_split_iclog). Returns the block after it. */
static size_t record(synth_t *s, size_t blk, uint32_t cycle, size_t data, bool unmount)
{
    uint8_t *h = s->log + blk * 512;
    memset(h, 0, 512);
    put_be32(h, 0xfeedbabeu);
    put_be32(h + 4, cycle);
    put_be32(h + 8, 2);                     /* h_version */
    put_be32(h + 12, (uint32_t)data * 512); /* h_len */
    put_be32(h + 16, cycle);                /* h_lsn: cycle, block */
    put_be32(h + 20, (uint32_t)blk);
    put_be32(h + 24, cycle); /* h_tail_lsn: the record itself */
    put_be32(h + 28, (uint32_t)blk);
    put_be32(h + 40, unmount ? 1 : 3);
    put_be32(h + 300, 1); /* h_fmt */
    memcpy(h + 304, s->uuid, 16);
    put_be32(h + 320, 32768); /* h_size */
    for (size_t j = 0; j < data; j++) {
        uint8_t *d = s->log + (blk + 1 + j) % s->n * 512;
        memset(d, 0, 512);
        put_be32(d, 0x1234 + (uint32_t)j); /* oh_tid, or data */
        if (j == 0) {
            put_be32(d + 4, 8);           /* oh_len */
            d[8] = 0xaa;                  /* oh_clientid: XFS_LOG */
            d[9] = unmount ? 0x20 : 0x02; /* XLOG_UNMOUNT_TRANS, XLOG_COMMIT_TRANS */
        }
        memcpy(h + 44 + 4 * j, d, 4);
        put_be32(d, blk + 1 + j < s->n ? cycle : cycle + 1);
    }
    return (blk + 1 + data) % s->n;
}

static synth_t synth_new(void)
{
    synth_t s;
    s.img = load_fixture(LOGFX, "clean.img", &s.len);
    s.log = s.img + log_at(s.img, &s.n);
    s.uuid = s.img + 32;
    memset(s.log, 0, s.n * 512);
    return s;
}

static void test_log_synthetic(void **state)
{
    (void)state;
    synth_t s = synth_new();
    size_t n = s.n, b;
    lr_xfs_log_t log;
    assert_true(n > 5000); /* the holes below lie within the kernel's 4096-block scan */

    /* never wrapped (as mkfs leaves it: cycle 1 up to zeros) */
    b = record(&s, 0, 1, 1, true);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.head, 2);
    assert_int_equal(log.tail, 2);
    b = record(&s, b, 1, 3, false);
    b = record(&s, b, 1, 1, true);
    b = record(&s, b, 1, 5, false);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_int_equal(log.head, 14);
    assert_int_equal(log.record, 8);
    assert_int_equal(log.tail, 8);
    assert_int_equal(log.cycle, 1);

    /* wrapped: cycle 7 up to the head at 1000, cycle 6 after it */
    stamp(&s, 0, n, 6);
    stamp(&s, 0, 990, 7);
    b = record(&s, 990, 7, 2, false);
    b = record(&s, b, 7, 6, true);
    assert_int_equal(b, 1000);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.head, 1000);
    assert_int_equal(log.record, 993);
    assert_int_equal(log.cycle, 7);
    /* and not an unmount */
    record(&s, 993, 7, 6, false);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_DIRTY);
    assert_int_equal(log.head, 1000);

    /* the head at the log's very end: every block of one cycle, head 0 */
    stamp(&s, 0, n, 7);
    record(&s, n - 4, 7, 3, true);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.head, 0);
    assert_int_equal(log.record, n - 4);

    /* a record across the log's end: its header at n - 2 (cycle 7), its
     * data on in blocks 0..3, stamped 8 there: the head at 4 */
    stamp(&s, 0, n, 7);
    b = record(&s, n - 2, 7, 5, true);
    assert_int_equal(b, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(be32(s.log + i * 512), 8);
    assert_int_equal(be32(s.log + (n - 1) * 512), 7);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.head, 4);
    assert_int_equal(log.record, n - 2);
    assert_int_equal(log.cycle, 7);
    /* its part at the log's start stamped 7 too: not as the kernel writes */
    put_be32(s.log + 2 * 512, 7);
    assert_int_not_equal(log_of(s.img, s.len).state, LR_XFS_LOG_CLEAN);

    /* a hole: x ... x | x-1 (ten blocks) | x ... x. The first and last
     * blocks agree, but the kernel's scan of the 4096 blocks before the
     * log's end finds the older cycle: the head is the hole's start (the
     * unmount record before it ends there), not the log's end (where a
     * record that is not an unmount ends) */
    stamp(&s, 0, n, 9);
    size_t hole = n - 1000;
    record(&s, hole - 2, 9, 1, true);
    stamp(&s, hole, hole + 10, 8);
    record(&s, n - 6, 9, 5, false);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.head, hole);
    assert_int_equal(log.record, hole - 2);
    /* x+1 | x | x+1 ... | x ... : the binary search may stop past the
     * lone x; the scan back finds it */
    stamp(&s, 0, n, 4);
    stamp(&s, 0, 3000, 5);
    b = record(&s, 1497, 5, 2, true);
    assert_int_equal(b, 1500);
    stamp(&s, 1500, 1501, 4); /* a block the last writes left */
    record(&s, 2990, 5, 9, false);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);
    assert_int_equal(log.head, 1500);

    /* a record not written whole (its header says 20 blocks, 3 were
     * written before the cycle drops): the head moves back to it, and the
     * record before it is the last */
    stamp(&s, 0, n, 2);
    stamp(&s, 0, 600, 3);
    b = record(&s, 590, 3, 1, true);
    assert_int_equal(b, 592);
    record(&s, 592, 3, 20, false);
    stamp(&s, 596, 612, 2); /* only 3 data blocks of 20 written */
    log = log_of(s.img, s.len);
    assert_int_equal(log.head, 592);
    assert_int_equal(log.record, 590);
    assert_int_equal(log.state, LR_XFS_LOG_CLEAN);

    /* no record header within a record's length before the head */
    stamp(&s, 0, n, 2);
    stamp(&s, 0, 2000, 3);
    log = log_of(s.img, s.len);
    assert_int_equal(log.state, LR_XFS_LOG_UNKNOWN);
    free(s.img);
}

/* ---- sparse inode chunks ------------------------------------------------ */

/* fixtures/xfs-sparse: archive files (and small pad files) whose inodes
 * the kernel put in sparse inode chunks (half chunks of 32 inodes, inode
 * B+tree records with holemask 0x00ff or 0xff00, in both allocation
 * groups), against truth/inobt.txt (xfs_db's records) and truth/files.txt
 * (xfs_bmap's extents, the inode numbers, which chunk each is in). */
#define SPFX "xfs-sparse"
#define SP_MAX 1024

typedef struct spfile {
    char path[64];
    uint64_t ino, size, chunk, first; /* first: the image byte of file offset 0 */
    uint16_t holemask;
    bool sparse;
} spfile_t;

/* The files in d0/ and d1/ (archives and pad files) whose data starts at
 * file offset 0; *n of them. */
static spfile_t *sp_files(size_t *n)
{
    char p[512];
    char *text = lr_test_slurp(lr_test_path(p, sizeof(p), SPFX, "truth/files.txt"), NULL);
    assert_non_null(text);
    spfile_t *f = calloc(SP_MAX, sizeof(*f));
    assert_non_null(f);
    *n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        spfile_t *x = &f[*n];
        char kind[16];
        unsigned long long ino, size, chunk, off, len, at;
        unsigned hole;
        int used = 0;
        assert_int_equal(sscanf(line, "%63s %llu %llu %15s %llu %x %n", x->path, &ino, &size, kind,
                                &chunk, &hole, &used),
                         6);
        if (strncmp(x->path, "d0/", 3) && strncmp(x->path, "d1/", 3))
            continue;
        if (sscanf(line + used, "%llu+%llu@%llu", &off, &len, &at) != 3 || off != 0)
            continue;
        assert_true(*n < SP_MAX);
        *x = (spfile_t){.ino = ino,
                        .size = size,
                        .chunk = chunk,
                        .first = at,
                        .holemask = (uint16_t)hole,
                        .sparse = !strcmp(kind, "sparse")};
        sscanf(line, "%63s", x->path);
        assert_int_equal(x->sparse, hole != 0);
        assert_true(ino >= chunk && ino < chunk + 64);
        assert_false(hole >> ((ino - chunk) / 4) & 1); /* not in a hole */
        (*n)++;
    }
    free(text);
    assert_true(*n >= 100);
    return f;
}

static int sp_first_cmp(const void *a, const void *b)
{
    const spfile_t *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* Every file in d0/ and d1/ found at its first block with xfs_db's inode
 * number and its size, those in sparse chunks too; the archives in sparse
 * chunks read by their inodes are the files copied in. */
static void test_sparse_records(void **state)
{
    (void)state;
    char p[512];
    char *inobt = lr_test_slurp(lr_test_path(p, sizeof(p), SPFX, "truth/inobt.txt"), NULL);
    assert_non_null(inobt);
    size_t nrec = 0, nsparse = 0;
    bool low = false, high = false, ag1 = false;
    for (char *line = strtok(inobt, "\n"); line && strncmp(line, "##", 2);
         line = strtok(NULL, "\n")) {
        unsigned ag, agino, ino, hole;
        if (line[0] == '#' || sscanf(line, "%u %u %u %x", &ag, &agino, &ino, &hole) != 4)
            continue;
        nrec++;
        nsparse += hole != 0;
        low |= hole == 0x00ff; /* the chunk's second half allocated */
        high |= hole == 0xff00;
        ag1 |= hole && ag == 1;
    }
    free(inobt);
    assert_true(nsparse >= 2 && low && high && ag1);
    assert_true(nrec > nsparse);

    size_t n;
    spfile_t *f = sp_files(&n);
    qsort(f, n, sizeof(*f), sp_first_cmp);
    uint64_t *blocks = calloc(n, sizeof(*blocks));
    lr_xfs_file_t *files = calloc(n, sizeof(*files));
    assert_true(blocks && files);
    for (size_t i = 0; i < n; i++) {
        blocks[i] = f[i].first / BS;
        assert_true(!i || blocks[i] > blocks[i - 1]);
    }
    lr_io_t *io = lr_test_open_fixture(SPFX, "fs.img");
    lr_xfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    uint64_t budget = 1u << 30;
    assert_int_equal(lr_xfs_files_at(fs, blocks, n, 1u << 30, files, &budget, &e), 0);
    size_t in_sparse = 0, vg_sparse = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(files[i].ino, f[i].ino);
        assert_int_equal(files[i].size, f[i].size);
        in_sparse += f[i].sparse;
        if (!f[i].sparse || !strstr(f[i].path, ".vg"))
            continue;
        char rel[96];
        snprintf(rel, sizeof(rel), "truth/%s", f[i].path);
        size_t tl = 0, got = 0;
        char *want = lr_test_slurp(lr_test_path(p, sizeof(p), SPFX, rel), &tl);
        assert_non_null(want);
        assert_int_equal(tl, f[i].size);
        char *buf = malloc(tl + 8);
        assert_non_null(buf);
        assert_int_equal(lr_xfs_read(fs, f[i].ino, buf, tl + 8, &got, &e), 0);
        assert_int_equal(got, tl);
        assert_memory_equal(buf, want, tl);
        free(buf);
        free(want);
        vg_sparse++;
    }
    assert_true(in_sparse >= 100);
    assert_true(vg_sparse >= 2);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    free(blocks);
    free(files);
    free(f);
}

/* The hole mask decides, not only the free mask: an archive's inode put
 * in a hole of its record (its holemask bit set, ir_free left as it was,
 * the inode B+tree block's CRC sealed again) is no file in use; the
 * other files of the record still are. */
static void test_sparse_holemask(void **state)
{
    (void)state;
    size_t n, len;
    spfile_t *f = sp_files(&n);
    spfile_t v = {.ino = 0};
    for (size_t i = 0; i < n && !v.ino; i++)
        if (f[i].sparse && strstr(f[i].path, ".vg"))
            v = f[i]; /* a copy: f is sorted below */
    assert_true(v.ino != 0);
    uint8_t *img = load_fixture(SPFX, "fs.img", &len);
    /* the AGI (sector 2 of the AG: agi_root, agi_level), a leaf root here
     * (this geometry: agblklog 15, inopblog 1, 16500 blocks an AG) */
    uint64_t ag = v.chunk >> 16, agino = v.chunk & 0xffff;
    size_t agi = (size_t)(ag * 16500 * BS + 2 * 512);
    assert_memory_equal(img + agi, "XAGI", 4);
    assert_int_equal(be32(img + agi + 24), 1);
    size_t leaf = (size_t)((ag * 16500 + be32(img + agi + 20)) * BS);
    assert_memory_equal(img + leaf, "IAB3", 4);
    uint16_t nr = (uint16_t)(img[leaf + 6] << 8 | img[leaf + 7]);
    uint8_t *rec = NULL;
    for (uint16_t i = 0; i < nr; i++)
        if (be32(img + leaf + 56 + i * 16) == agino)
            rec = img + leaf + 56 + i * 16;
    assert_non_null(rec);
    assert_int_equal(rec[4] << 8 | rec[5], v.holemask);
    unsigned bit = (unsigned)(v.ino - v.chunk) / 4;
    uint16_t hole = (uint16_t)(v.holemask | 1u << bit);
    rec[4] = (uint8_t)(hole >> 8);
    rec[5] = (uint8_t)hole;
    memset(img + leaf + 52, 0, 4); /* bb_crc: CRC-32C of the block with it zeroed */
    uint32_t crc = ~lr_crc32c(0xffffffffu, img + leaf, BS);
    for (int k = 0; k < 4; k++)
        img[leaf + 52 + k] = (uint8_t)(crc >> (8 * k));

    lr_io_t *io = NULL;
    lr_xfs_t *fs = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_test_mem_io(&io, NULL, img, len, 0, false, "holemask", NULL), 0);
    assert_int_equal(lr_xfs_open(io, 0, &fs, &e), 0);
    qsort(f, n, sizeof(*f), sp_first_cmp);
    uint64_t *blocks = calloc(n, sizeof(*blocks));
    lr_xfs_file_t *files = calloc(n, sizeof(*files));
    assert_true(blocks && files);
    for (size_t i = 0; i < n; i++)
        blocks[i] = f[i].first / BS;
    uint64_t budget = 1u << 30;
    assert_int_equal(lr_xfs_files_at(fs, blocks, n, 1u << 30, files, &budget, &e), 0);
    size_t same_rec = 0, gone = 0;
    for (size_t i = 0; i < n; i++) {
        bool hidden = f[i].chunk == v.chunk && (f[i].ino - f[i].chunk) / 4 == bit;
        assert_int_equal(files[i].ino, hidden ? 0 : f[i].ino);
        gone += hidden;
        same_rec += !hidden && f[i].chunk == v.chunk;
    }
    assert_true(gone >= 1 && same_rec >= 1);
    lr_xfs_free(fs);
    lr_io_close(io, NULL);
    free(blocks);
    free(files);
    free(img);
    free(f);
}

/* ---- the replay of a dirty log ---- */

#define RPFX "xfs-replay"

/* An image in memory opened as an XFS, and its log replayed (replay) or
 * only looked at. */
typedef struct opened {
    lr_io_t *io;
    lr_xfs_t *fs;
    lr_xfs_log_t log;
} opened_t;

static opened_t open_mem(const uint8_t *img, size_t len, bool replay)
{
    opened_t o = {0};
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_test_mem_io(&o.io, NULL, img, len, 0, false, "replay", NULL), 0);
    assert_int_equal(lr_xfs_open(o.io, 0, &o.fs, &e), 0);
    if (replay)
        assert_int_equal(lr_xfs_replay(o.fs, &o.log, &e), 0);
    else
        assert_int_equal(lr_xfs_log(o.fs, &o.log, &e), 0);
    return o;
}

static void close_mem(opened_t *o)
{
    lr_xfs_free(o->fs);
    lr_io_close(o->io, NULL);
}

/* lr_xfs_files_at for every block of the filesystem (one answer each). */
static lr_xfs_file_t *files_everywhere(lr_xfs_t *fs, uint64_t *n)
{
    *n = lr_xfs_size(fs) / lr_xfs_block_size(fs);
    uint64_t *blocks = malloc(*n * sizeof(*blocks)), budget = 64ull << 20;
    lr_xfs_file_t *f = calloc(*n, sizeof(*f));
    assert_true(blocks && f);
    for (uint64_t i = 0; i < *n; i++)
        blocks[i] = i;
    assert_int_equal(lr_xfs_files_at(fs, blocks, (size_t)*n, 1ull << 30, f, &budget, NULL), 0);
    free(blocks);
    return f;
}

/* The kernel's replay (a copy mounted and unmounted: NAME.replayed.img,
 * xfs-dirty-log's clean.img) read by this reader answers as the dirty
 * image with its log replayed here: the file in use starting at every
 * block, whether every block outside the log is in use; the dirty image
 * read as it lies does not (a file only in the log). And each file the
 * kernel's replay lists (truth/NAME.replayed.txt, by fiemap on the
 * mounted copy) reads through its inode as its bytes at its extents. */
static void replay_matches(const char *fx, const char *dirty, const char *kernel,
                           const char *listing)
{
    size_t len, klen;
    uint8_t *img = load_fixture(fx, dirty, &len), *kimg = load_fixture(fx, kernel, &klen);
    opened_t r = open_mem(img, len, true), k = open_mem(kimg, klen, false),
             raw = open_mem(img, len, false);
    assert_int_equal(raw.log.state, LR_XFS_LOG_DIRTY);
    assert_int_equal(r.log.state, LR_XFS_LOG_REPLAYED);
    assert_null(r.log.why);
    assert_true(r.log.transactions > 0 && r.log.items > 0 && r.log.sectors > 0);
    assert_int_equal(r.log.unfinished, 0);
    assert_false(r.log.torn);
    assert_int_equal(k.log.state, LR_XFS_LOG_CLEAN);
    uint64_t n, kn, rn;
    lr_xfs_file_t *fr = files_everywhere(r.fs, &n), *fk = files_everywhere(k.fs, &kn);
    lr_xfs_file_t *fraw = files_everywhere(raw.fs, &rn);
    assert_int_equal(n, kn);
    size_t differ = 0, in_use = 0;
    for (uint64_t b = 0; b < n; b++) {
        assert_int_equal(fr[b].ino, fk[b].ino);
        assert_int_equal(fr[b].size, fk[b].size);
        differ += fraw[b].ino != fk[b].ino || fraw[b].size != fk[b].size;
        in_use += fr[b].ino != 0;
    }
    assert_true(differ > 0 && in_use > 0);
    size_t logbb, log = log_at(kimg, &logbb);
    uint64_t bs = lr_xfs_block_size(r.fs);
    for (uint64_t b = 0; b < n; b++) {
        if (b * bs >= log && b * bs < log + logbb * 512)
            continue;
        assert_int_equal(lr_xfs_block_used(r.fs, b, NULL), lr_xfs_block_used(k.fs, b, NULL));
    }
    if (listing) {
        char path[512];
        char *text = lr_test_slurp(lr_test_path(path, sizeof(path), fx, listing), NULL);
        assert_non_null(text);
        size_t files = 0;
        for (char *line = text; line && *line;) {
            char name[256], exts[1024];
            unsigned long long ino, size;
            assert_int_equal(sscanf(line, "%255s %llu %llu %*s %1023s", name, &ino, &size, exts),
                             4);
            uint8_t *want = malloc(size + 1), *got = malloc(size + 1);
            assert_true(want && got);
            size_t have = 0;
            char *save = NULL;
            for (char *x = strtok_r(exts, ",", &save); x && have < size;
                 x = strtok_r(NULL, ",", &save)) {
                unsigned long long at, l;
                assert_int_equal(sscanf(x, "%llu+%llu", &at, &l), 2);
                assert_true(at + l <= len);
                size_t take = (size_t)(l < size - have ? l : size - have);
                memcpy(want + have, img + at, take);
                have += take;
            }
            assert_int_equal(have, size);
            size_t got_n = 0;
            assert_int_equal(lr_xfs_read(r.fs, ino, got, size, &got_n, NULL), 0);
            assert_int_equal(got_n, size);
            assert_memory_equal(got, want, size);
            free(want);
            free(got);
            files++;
            line = strchr(line, '\n');
            line = line ? line + 1 : NULL;
        }
        assert_true(files > 0);
        free(text);
    }
    free(fr);
    free(fk);
    free(fraw);
    close_mem(&r);
    close_mem(&k);
    close_mem(&raw);
    free(img);
    free(kimg);
}

/* The dirty image's replay read sector by sector (through it: xf_read)
 * equals the kernel's replayed copy everywhere but the log (the kernel
 * writes its own records there) and sector 0 (the superblock's free
 * counters the mount recounts, its LSN and CRC); and it changed some. */
static void replay_bytes(const char *fx, const char *dirty, const char *kernel)
{
    size_t len, klen, logbb;
    uint8_t *img = load_fixture(fx, dirty, &len), *kimg = load_fixture(fx, kernel, &klen);
    opened_t r = open_mem(img, len, true);
    assert_int_equal(r.log.state, LR_XFS_LOG_REPLAYED);
    size_t log = log_at(kimg, &logbb), changed = 0;
    uint64_t n = lr_xfs_size(r.fs) / 512;
    assert_true(n * 512 <= klen && n * 512 <= len);
    uint8_t sector[512];
    for (uint64_t d = 1; d < n; d++) {
        if (d * 512 >= log && d * 512 < log + logbb * 512)
            continue;
        assert_int_equal(xf_read(r.fs, sector, 512, d * 512, NULL, NULL), 0);
        if (memcmp(sector, kimg + d * 512, 512) != 0)
            fail_msg("%s: sector %llu is not the kernel's replay's", dirty, (unsigned long long)d);
        changed += memcmp(sector, img + d * 512, 512) != 0;
    }
    assert_true(changed > 0);
    close_mem(&r);
    free(img);
    free(kimg);
}

static void test_replay_kernel(void **state)
{
    (void)state;
    replay_bytes(RPFX, "archive5.img", "archive5.replayed.img");
    replay_bytes(RPFX, "unlink5.img", "unlink5.replayed.img");
    replay_bytes(RPFX, "wrap5.img", "wrap5.replayed.img");
    /* a symlink block the replay writes (its LSN and CRC stamped), records
     * of 8 header blocks (logbsize=256k) */
    replay_bytes("xfs-replay-more", "sym5.img", "sym5.replayed.img");
    replay_bytes("xfs-replay-more", "big5.img", "big5.replayed.img");
    replay_matches("xfs-replay-more", "big5.img", "big5.replayed.img", NULL);
    replay_matches(RPFX, "archive5.img", "archive5.replayed.img", "truth/archive5.replayed.txt");
    replay_matches(RPFX, "unlink5.img", "unlink5.replayed.img", "truth/unlink5.replayed.txt");
    replay_matches(RPFX, "wrap5.img", "wrap5.replayed.img", "truth/wrap5.replayed.txt");
    replay_matches(LOGFX, "dirty.img", "clean.img", NULL);
    /* busy: its log's tail far behind what was written back; most items
     * older than the blocks and inodes they name */
    size_t len;
    uint8_t *img = load_fixture(COVFX, "busy.img", &len);
    opened_t b = open_mem(img, len, true);
    assert_int_equal(b.log.state, LR_XFS_LOG_REPLAYED);
    assert_true(b.log.items > 0 && b.log.skipped > 0);
    lr_xfs_log_t again;
    assert_int_equal(lr_xfs_replay(b.fs, &again, NULL), 0);
    assert_int_equal(again.state, b.log.state);
    assert_int_equal(again.items, b.log.items);
    assert_int_equal(again.sectors, b.log.sectors);
    close_mem(&b);
    free(img);
}

/* Byte i of a record's data as the kernel reads it: the first word of
 * each basic block is kept in the header's h_cycle_data (one header
 * block: records of 32 KiB at most). */
static uint8_t *rec_byte(uint8_t *rec, size_t i)
{
    return i % 512 < 4 ? rec + 44 + i / 512 * 4 + i % 512 : rec + 512 + i;
}

static uint32_t rec_be32(uint8_t *rec, size_t i)
{
    uint8_t b[4];
    for (int k = 0; k < 4; k++)
        b[k] = *rec_byte(rec, i + (size_t)k);
    return be32(b);
}

/* Where the n-th operation (from the tail, n from 0) whose data starts
 * with the little-endian u16 `type` (an item's log format) lies: the
 * record (a pointer into img) and the data's offset in it. */
static uint8_t *find_op(uint8_t *img, size_t log, uint32_t tail, uint32_t head, uint32_t type,
                        size_t n, size_t *at)
{
    for (uint32_t blk = tail; blk != head;) {
        uint8_t *rec = img + log + (size_t)blk * 512;
        uint32_t len = be32(rec + 12), ops = be32(rec + 40);
        for (size_t o = 0; ops--;) {
            uint32_t olen = rec_be32(rec, o + 4);
            if (olen >= 4 && *rec_byte(rec, o + 12) == (uint8_t)type &&
                *rec_byte(rec, o + 13) == (uint8_t)(type >> 8) && !n--) {
                *at = o + 12;
                return rec;
            }
            o += 12 + olen;
        }
        blk += 1 + (len + 511) / 512;
    }
    fail_msg("no operation of type 0x%x", type);
    return NULL;
}

/* archive5's log with one change made by `edit` (then the record resealed
 * unless `torn`), replayed: its answer, and the file in use at the first
 * block of the first archive file (only in the log: none, unless the
 * replay was done). */
typedef struct damaged {
    lr_xfs_log_t log;
    uint64_t ino;
} damaged_t;

static damaged_t replay_edited(uint32_t type, size_t nth, size_t off, uint8_t value, bool torn)
{
    size_t len, nbb;
    uint8_t *img = load_fixture(RPFX, "archive5.img", &len);
    size_t log = log_at(img, &nbb), at = 0;
    uint8_t *rec = find_op(img, log, 58, 233, type, nth, &at);
    *rec_byte(rec, at + off) = value;
    if (!torn)
        seal_record(rec);
    opened_t o = open_mem(img, len, true);
    uint64_t first = 110592 / lr_xfs_block_size(o.fs), budget = 64ull << 20;
    lr_xfs_file_t f = {0};
    assert_int_equal(lr_xfs_files_at(o.fs, &first, 1, 1ull << 30, &f, &budget, NULL), 0);
    damaged_t d = {o.log, f.ino};
    close_mem(&o);
    free(img);
    return d;
}

static void assert_not_replayed(damaged_t d, const char *why)
{
    assert_int_equal(d.log.state, LR_XFS_LOG_DIRTY);
    assert_non_null(d.log.why);
    print_message("not replayed: %s\n", d.log.why);
    if (!strstr(d.log.why, why))
        fail_msg("why: \"%s\", not \"%s\"", d.log.why, why);
    assert_true(d.log.transactions == 0 && d.log.items == 0 && d.log.sectors == 0);
    assert_int_equal(d.ino, 0); /* the image as it lies: the file only in the log not seen */
}

/* archive5's log damaged or crafted: what the kernel would refuse, or what
 * this replay does not do as the kernel does, leaves the log not
 * replayed (DIRTY, saying why, nothing changed); a torn last record is
 * replayed up to it, as the kernel's check of the last 8 records does. */
static void test_replay_damage(void **state)
{
    (void)state;
    damaged_t whole = replay_edited(0x123b, 0, 0, 0x3b, false); /* the first inode item as is */
    assert_int_equal(whole.log.state, LR_XFS_LOG_REPLAYED);
    assert_int_equal(whole.ino, 126);
    /* an item of a type the kernel does not recover (XFS_LI_IUNLINK) */
    assert_not_replayed(replay_edited(0x123b, 0, 0, 0x38, false), "does not know");
    /* an inode item of 5 regions */
    assert_not_replayed(replay_edited(0x123b, 0, 2, 5, false), "not one XFS writes");
    /* an inode's offset in its cluster not an inode's (ilf_boffset) */
    assert_not_replayed(replay_edited(0x123b, 3, 52, 7, false), "not one XFS writes");
    /* an inode's cluster past the filesystem (ilf_blkno's high byte) */
    assert_not_replayed(replay_edited(0x123b, 3, 45, 0x40, false), "not one XFS writes");
    /* a buffer past the filesystem (blf_blkno), one whose map sets a chunk
     * past its length (blf_len 1 basic block: chunks 0-3) */
    assert_not_replayed(replay_edited(0x123c, 0, 13, 0x40, false), "past the filesystem");
    damaged_t m = replay_edited(0x123c, 0, 20, 0xff, false);
    assert_not_replayed(m, "buffer");
    /* a record's data changed, its CRC not made again: the first record
     * (30 before the head: the kernel calls the log corrupt) */
    assert_not_replayed(replay_edited(0x123b, 0, 20, 0x55, true), "checksum");
    /* the last record (a torn write: the kernel moves the head back to
     * it; the record before names the same tail): replayed without it */
    size_t len, nbb, at;
    uint8_t *img = load_fixture(RPFX, "archive5.img", &len);
    size_t log = log_at(img, &nbb);
    uint8_t *last = img + log + 230 * 512;
    assert_int_equal(be32(last), 0xFEEDBABEu);
    *rec_byte(last, 100) ^= 1;
    opened_t o = open_mem(img, len, true);
    assert_int_equal(o.log.state, LR_XFS_LOG_REPLAYED);
    assert_true(o.log.torn);
    assert_true(o.log.transactions > 0 && o.log.transactions < whole.log.transactions);
    print_message("torn: %llu of %llu transactions\n", (unsigned long long)o.log.transactions,
                  (unsigned long long)whole.log.transactions);
    close_mem(&o);
    /* a zero CRC on v5 (the kernel refuses the log), a record of the middle */
    uint8_t *mid = find_op(img, log, 58, 233, 0x123b, 40, &at);
    *rec_byte(last, 100) ^= 1;
    memset(mid + 32, 0, 4);
    o = open_mem(img, len, true);
    assert_int_equal(o.log.state, LR_XFS_LOG_DIRTY);
    assert_non_null(strstr(o.log.why, "checksum"));
    close_mem(&o);
    free(img);
}

/* sym5's log with one logged field changed in its record at basic block
 * 13 (data offset at, count bytes of value, little-endian as the writer's
 * host), resealed: the kernel (6.18) refused to mount each such copy
 * (-EFSCORRUPTED, "log mount failed"), so the replay must not call it
 * replayed. */
static void assert_refused(size_t at, uint64_t value, size_t count, bool be, const char *why)
{
    size_t len, nbb;
    uint8_t *img = load_fixture("xfs-replay-more", "sym5.img", &len);
    uint8_t *rec = img + log_at(img, &nbb) + 13 * 512;
    assert_int_equal(be32(rec), 0xFEEDBABEu);
    for (size_t i = 0; i < count; i++)
        *rec_byte(rec, at + i) = (uint8_t)(value >> (8 * (be ? count - 1 - i : i)));
    seal_record(rec);
    opened_t o = open_mem(img, len, true);
    assert_int_equal(o.log.state, LR_XFS_LOG_DIRTY);
    print_message("refused: %s\n", o.log.why);
    if (!strstr(o.log.why, why))
        fail_msg("why: \"%s\", not \"%s\"", o.log.why, why);
    close_mem(&o);
    free(img);
}

/* Logs the kernel refuses, crafted by a review from sym5 (its file d/f's
 * logged inode core at data byte 648 of that record, the AGF's logged
 * header at 88). */
static void test_replay_refused(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = load_fixture("xfs-replay-more", "sym5.img", &len);
    opened_t o = open_mem(img, len, true); /* as it is: replayed */
    assert_int_equal(o.log.state, LR_XFS_LOG_REPLAYED);
    close_mem(&o);
    free(img);
    assert_refused(648 + 24, 1, 1, false, "not one XFS writes");      /* di_v3_pad */
    assert_refused(648 + 4, 2, 1, false, "not one XFS writes");       /* di_version 2 on v5 */
    assert_refused(648 + 152, 0x85, 8, false, "the kernel's checks"); /* di_ino */
    assert_refused(88 + 4, 2, 4, true, "the kernel's checks");        /* agf_versionnum */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_superblock_rule), cmocka_unit_test(test_records),
        cmocka_unit_test(test_free_blocks),     cmocka_unit_test(test_free_cache),
        cmocka_unit_test(test_damage),          cmocka_unit_test(test_log_fixtures),
        cmocka_unit_test(test_log_damage),      cmocka_unit_test(test_log_synthetic),
        cmocka_unit_test(test_log_covered),     cmocka_unit_test(test_log_covered_damage),
        cmocka_unit_test(test_sparse_records),  cmocka_unit_test(test_sparse_holemask),
        cmocka_unit_test(test_replay_kernel),   cmocka_unit_test(test_replay_damage),
        cmocka_unit_test(test_replay_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
