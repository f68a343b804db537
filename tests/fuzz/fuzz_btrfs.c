/* Fuzz target: a btrfs read through its trees (lr/btrfs.h,
 * core/src/btrfs_tree.c: the superblock and its system chunk array, the
 * chunk tree, node and leaf blocks and their CRC-32C, root items, extent
 * items and their inline and keyed data references, inode and file
 * extent items, and the compressed extents they name).
 *
 * Input: pages of an image, then the pages asked about and two bytes:
 * [n x (le16 page, 4096 bytes)][k x le16 page][variant][k]. Each page
 * lands at byte 4096 x (page & 4095) of an image of 16 MiB (zeros
 * elsewhere; a later page over an earlier one), so that a superblock, the
 * tree blocks it leads to and the data extents lie where the filesystem
 * put them with no storage for the rest (make-seeds.py takes them from
 * fixtures/backup/btrfs-multi: a 4 KiB node size). Variant bit 0: the I/O
 * layer ends with the last page given (else with the 16 MiB; a read past
 * the end fails);
 * bit 1: every page given whose bytes 32..47 are the superblock's fsid,
 * and the superblock, is sealed again with its CRC-32C before it is read, so that
 * mutations reach what lies behind the checksums; bit 2: files read into
 * a buffer of 512 KiB, whole (else 4 KiB: their first extent only, a
 * quarter of the time each input takes whole).
 *
 * Properties checked:
 * - every call returns 0 or a code its header documents;
 * - lr_btrfs_open succeeds only where lr_btrfs_superblock accepts the
 *   primary superblock (its mirrors, at 64 MiB and 256 GiB, lie past the
 *   16 MiB image: not reached here; tests/scan/backup.sh opens one);
 * - lr_btrfs_read_file_at: *got within the buffer and the file's size,
 *   the whole of either on 0; nothing is said of a file on
 *   LR_ENOTFOUND; the size-only call (len 0) is not found exactly when
 *   the full read is not (its size may be another file's that begins
 *   with the extent when the first fails to read whole); the same call
 *   again gives the same status, size and bytes;
 * - lr_btrfs_read_inline_file_at and _alloc (the leaf at each page asked
 *   about, item variant >> 3) as the reads above;
 * - lr_btrfs_last_sums: sectors counted only after a read that
 *   succeeded, data damaged only when it failed with LR_ECHECKSUM;
 * - lr_btrfs_read_file_alloc: a buffer exactly on success, a file of at
 *   most the bound, not found exactly when the read is not, the read's
 *   bytes when both read the same file whole. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/btrfs.h"
#include "lr/crc.h"

#define FUZZ_PAGE 4096u
#define FUZZ_PAGES 4096u /* a 16 MiB image */
#define FUZZ_MAX_ASK 16u
#define FUZZ_SUPER (65536u / FUZZ_PAGE)

/* Reads past the layer's end fail (LR_ERANGE): the short layer's, or
 * the 16 MiB image's. */
static bool rc_ok(int rc)
{
    return rc == 0 || rc == LR_ENOTFOUND || rc == LR_EFORMAT || rc == LR_ECHECKSUM ||
           rc == -ENOTSUP || rc == -ENOMEM || rc == LR_ERANGE || rc == -EIO;
}

static void seal(uint8_t *p)
{
    uint32_t crc = ~lr_crc32c(0xffffffffu, p + 32, FUZZ_PAGE - 32);
    p[0] = (uint8_t)crc;
    p[1] = (uint8_t)(crc >> 8);
    p[2] = (uint8_t)(crc >> 16);
    p[3] = (uint8_t)(crc >> 24);
}

/* A read's status and counts: a documented status, *got within the
 * buffer and the file's size (the whole of either on 0), nothing said of
 * no file. */
static void check_read(int rc, size_t got, uint64_t size, size_t len)
{
    FUZZ_CHECK(rc_ok(rc), "a read returned %d", rc);
    FUZZ_CHECK(got <= len && got <= size, "got %zu of a %llu-byte file into %zu", got,
               (unsigned long long)size, len);
    if (!rc)
        FUZZ_CHECK(got == (size < len ? size : len), "got %zu of a %llu-byte file into %zu", got,
                   (unsigned long long)size, len);
    if (rc == LR_ENOTFOUND)
        FUZZ_CHECK(!got && !size, "got %zu bytes of no file (%llu)", got, (unsigned long long)size);
}

static void read_twice(lr_btrfs_t *fs, uint64_t at, size_t len)
{
    uint8_t *a = malloc(len ? len : 1), *b = malloc(len ? len : 1);
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    size_t got = 0, got2 = 0, got0 = 0;
    uint64_t size = 0, size2 = 0, size0 = 0;
    int rc = lr_btrfs_read_file_at(fs, at, a, len, &got, &size, NULL);
    check_read(rc, got, size, len);
    /* the checksums' tallies: counts of a read that succeeded only, and
     * damaged data only where the read failed on a checksum */
    lr_btrfs_sums_t sums;
    lr_btrfs_last_sums(fs, &sums);
    if (rc)
        FUZZ_CHECK(!sums.checked && !sums.unstored && !sums.unverified,
                   "a failed read (%d) counts sectors", rc);
    FUZZ_CHECK(!sums.damaged || rc == LR_ECHECKSUM, "damaged data said of a read that gave %d", rc);
    int rc2 = lr_btrfs_read_file_at(fs, at, b, len, &got2, &size2, NULL);
    FUZZ_CHECK(rc2 == rc && got2 == got && size2 == size && !memcmp(a, b, got),
               "again: %d, %zu, %llu (first %d, %zu, %llu)", rc2, got2, (unsigned long long)size2,
               rc, got, (unsigned long long)size);
    int rc0 = lr_btrfs_read_file_at(fs, at, NULL, 0, &got0, &size0, NULL);
    FUZZ_CHECK(rc_ok(rc0) && !got0, "size only: %d, got %zu", rc0, got0);
    FUZZ_CHECK((rc0 == LR_ENOTFOUND) == (rc == LR_ENOTFOUND),
               "size only %d, read %d: one found the file", rc0, rc);
    /* into a buffer made of the file's size, at most len: the same bytes
     * when both read it whole */
    uint8_t *made = NULL;
    uint64_t size3 = 0;
    int rc3 = lr_btrfs_read_file_alloc(fs, at, len, &made, &size3, NULL);
    FUZZ_CHECK(rc_ok(rc3) || rc3 == LR_ELIMIT, "read_file_alloc returned %d", rc3);
    FUZZ_CHECK(!rc3 == !!made, "status %d with a buffer %p", rc3, (void *)made);
    FUZZ_CHECK((rc3 == LR_ENOTFOUND) == (rc == LR_ENOTFOUND),
               "alloc %d, read %d: one found the file", rc3, rc);
    if (!rc3)
        FUZZ_CHECK(size3 <= len, "made %llu bytes, more than %zu", (unsigned long long)size3, len);
    if (!rc3 && !rc && size3 == size && got == size)
        FUZZ_CHECK(!memcmp(made, a, got), "alloc's bytes differ from the read's");
    free(made);
    free(a);
    free(b);
}

/* The file whose first bytes are item `item` of the leaf at byte `at`,
 * inline: checked as any read; the allocating read the same bytes when
 * both read it whole. */
static void read_inline(lr_btrfs_t *fs, uint64_t at, uint32_t item, size_t len)
{
    uint8_t *a = malloc(len);
    if (!a)
        return;
    size_t got = 0;
    uint64_t size = 0, size2 = 0;
    int rc = lr_btrfs_read_inline_file_at(fs, at, item, a, len, &got, &size, NULL);
    check_read(rc, got, size, len);
    uint8_t *made = NULL;
    int rc2 = lr_btrfs_read_inline_file_alloc(fs, at, item, len, &made, &size2, NULL);
    FUZZ_CHECK(rc_ok(rc2) || rc2 == LR_ELIMIT, "read_inline_file_alloc returned %d", rc2);
    FUZZ_CHECK(!rc2 == !!made, "status %d with a buffer %p", rc2, (void *)made);
    if (!rc2 && !rc && size2 == size && got == size)
        FUZZ_CHECK(!memcmp(made, a, got), "alloc's bytes differ from the read's");
    free(made);
    free(a);
}

/* The image, kept from one input to the next (16 MiB made and faulted
 * in each time cost more than the rest); the pages the last input wrote,
 * zeroed again before the next. */
static uint8_t *fuzz_img;
static uint16_t fuzz_dirty[FUZZ_PAGES];
static size_t fuzz_n_dirty;

/* The superblock and every page given carrying its fsid, sealed again
 * (only pages given: the rest stay zeros for the next input). */
static void reseal(uint8_t *img)
{
    uint8_t *sb = img + (size_t)FUZZ_SUPER * FUZZ_PAGE;
    for (size_t i = 0; i < fuzz_n_dirty; i++) {
        uint8_t *p = img + (size_t)fuzz_dirty[i] * FUZZ_PAGE;
        if (p != sb && memcmp(p + 32, sb + 32, 16) == 0)
            seal(p);
    }
    seal(sb);
    if (fuzz_n_dirty < FUZZ_PAGES)
        fuzz_dirty[fuzz_n_dirty++] = FUZZ_SUPER;
}

static uint8_t *image(void)
{
    if (!fuzz_img)
        fuzz_img = calloc(FUZZ_PAGES, FUZZ_PAGE);
    for (size_t i = 0; fuzz_img && i < fuzz_n_dirty; i++)
        memset(fuzz_img + (size_t)fuzz_dirty[i] * FUZZ_PAGE, 0, FUZZ_PAGE);
    fuzz_n_dirty = 0;
    return fuzz_img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t k = data[size - 1] % (FUZZ_MAX_ASK + 1);
    uint8_t variant = data[size - 2];
    bool short_io = variant & 1;
    if (size < 2 + 2 * k)
        return 0;
    size_t body = size - 2 - 2 * k;
    uint8_t *img = image();
    if (!img)
        return 0;
    size_t end = 0; /* the image's bytes: up to the last page given */
    for (size_t at = 0; at + 2 + FUZZ_PAGE <= body; at += 2 + FUZZ_PAGE) {
        size_t page = (data[at] | (size_t)data[at + 1] << 8) % FUZZ_PAGES;
        memcpy(img + page * FUZZ_PAGE, data + at + 2, FUZZ_PAGE);
        if (fuzz_n_dirty < FUZZ_PAGES)
            fuzz_dirty[fuzz_n_dirty++] = (uint16_t)page;
        if ((page + 1) * FUZZ_PAGE > end)
            end = (page + 1) * FUZZ_PAGE;
    }
    if (variant & 2)
        reseal(img);
    uint8_t *sb = img + (size_t)FUZZ_SUPER * FUZZ_PAGE;
    uint64_t sb_at = 0;
    bool super = lr_btrfs_superblock(sb, FUZZ_PAGE, &sb_at, NULL) && sb_at == 65536;
    lr_io_t *io = NULL;
    if (lr_test_mem_borrow(&io, img, short_io ? end : (size_t)FUZZ_PAGES * FUZZ_PAGE, false,
                           "fuzz.img", NULL))
        return 0;
    lr_btrfs_t *fs = NULL;
    int rc = lr_btrfs_open(io, 0, &fs, NULL);
    FUZZ_CHECK(rc_ok(rc) && rc != -ENOTSUP, "lr_btrfs_open returned %d", rc);
    FUZZ_CHECK(!rc == !!fs, "status %d with a handle %p", rc, (void *)fs);
    if (!super)
        FUZZ_CHECK(rc != 0, "lr_btrfs_open opened with no superblock at 64 KiB");
    for (size_t i = 0; i < k && fs; i++) {
        const uint8_t *q = data + body + 2 * i;
        uint64_t page = (q[0] | (uint64_t)q[1] << 8) % FUZZ_PAGES;
        read_twice(fs, page * FUZZ_PAGE, variant & 4 ? 512u << 10 : FUZZ_PAGE);
        read_inline(fs, page * FUZZ_PAGE, (uint32_t)(variant >> 3),
                    variant & 4 ? 512u << 10 : FUZZ_PAGE);
    }
    lr_btrfs_free(fs);
    lr_io_close(io, NULL);
    return 0;
}
