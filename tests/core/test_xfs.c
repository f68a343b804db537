/* lr/xfs.h on fixtures/backup-xfs (LVM2 rotating its archive in an XFS the
 * kernel wrote: 1 KiB blocks, 2 allocation groups of 16500 blocks, files
 * of one extent per block, extent lists and block-map B+trees) against
 * the XFS tools' own view of it: truth/files.txt (xfs_bmap's extents and
 * xfs_db's inode numbers of every file in use), truth/deleted.txt (which
 * blocks of the deleted archives still hold their bytes), the files as
 * LVM2 wrote them (truth/archive, truth/backup). Then damaged copies: a
 * superblock, an inode and an inode B+tree block whose checksums fail. */
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
#include "lr/error.h"
#include "lr/io.h"
#include "lr/xfs.h"
#include "mem_io.h"
#include "support.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_superblock_rule), cmocka_unit_test(test_records),
        cmocka_unit_test(test_free_blocks),     cmocka_unit_test(test_free_cache),
        cmocka_unit_test(test_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
