/* The VHD block map (core/src/io_vhd.c) on hostile headers: a footer, a
 * dynamic header or a block table (BAT) whose sizes and offsets do not fit
 * the file is refused at open with LR_EFORMAT naming the file and the
 * offset; a block whose sector bitmap or data lies beyond the file fails
 * the reads of that block only. Never a crash (the ASan build runs this).
 *
 * The files are built here, field by field from the VHD specification
 * (big-endian; footer "conectix", dynamic header "cxsparse"), around one
 * valid small dynamic disk that every case breaks in one field: the valid
 * one must open and read, so each refusal is that field's. That our reads
 * give what real tools wrote is proven elsewhere, on files they made
 * (tests/scan/formats.sh: qemu-img's fixed and dynamic VHD, vhd-lib's
 * differencing chains, against LVM2's raw image). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bin_support.h"
#include "io_int.h"

/* The valid disk: 4 blocks of 4 KiB (16 KiB), block 1 allocated.
 *   0     footer copy     512
 *   512   dynamic header  1024
 *   1536  BAT, 4 entries  (padded to 512)
 *   2048  block 1: its bitmap (one sector), then 4 KiB of data
 *   6656  footer          -> 7168 bytes */
#define BS 4096u
#define MEDIA (4u * BS)
#define HDR 512u
#define BAT 1536u
#define BLOCK1 2048u
#define FOOT 6656u
#define FILE_SIZE 7168u

typedef struct fx {
    char dir[64];
    char path[128];
    uint8_t img[FILE_SIZE];
    size_t len; /* bytes written of img */
} fx_t;

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void be64(uint8_t *p, uint64_t v)
{
    be32(p, (uint32_t)(v >> 32));
    be32(p + 4, (uint32_t)v);
}

static void footer(uint8_t *f, uint32_t disk)
{
    memcpy(f, "conectix", 8);
    be64(f + 16, HDR); /* data offset: the dynamic header */
    be64(f + 48, MEDIA);
    be32(f + 60, disk);
}

/* The valid dynamic disk: block 1's bitmap 0xa0 (sectors 0 and 2 held),
 * its sectors filled with 0x10 + their number. */
static void build(fx_t *f, uint32_t disk)
{
    memset(f->img, 0, sizeof(f->img));
    footer(f->img, disk);
    footer(f->img + FOOT, disk);
    uint8_t *h = f->img + HDR;
    memcpy(h, "cxsparse", 8);
    be64(h + 8, UINT64_MAX);
    be64(h + 16, BAT);
    be32(h + 28, 4);
    be32(h + 32, BS);
    for (uint32_t i = 0; i < 4; i++)
        be32(f->img + BAT + i * 4, i == 1 ? BLOCK1 / 512 : 0xffffffffu);
    f->img[BLOCK1] = 0xa0;
    for (uint32_t s = 0; s < BS / 512; s++)
        memset(f->img + BLOCK1 + 512 + s * 512, 0x10 + (int)s, 512);
    f->len = FILE_SIZE;
}

static void save(const fx_t *f)
{
    FILE *o = fopen(f->path, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(f->img, 1, f->len, o), f->len);
    assert_int_equal(fclose(o), 0);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/lr-vhd-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/disk.vhd", f->dir);
    build(f, 3);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A parent whose every byte is 0x77. */
static int parent77(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)ctx;
    (void)off;
    (void)err;
    memset(buf, 0x77, len);
    return 0;
}

/* Opening the file saved from f fails with LR_EFORMAT at offset at,
 * naming the image. */
static void refused(fx_t *f, uint64_t at, const char *words)
{
    save(f);
    lr_vhd_t *m = (lr_vhd_t *)1;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vhd_open(&m, f->path, "top.vhd", MEDIA, &err), LR_EFORMAT);
    assert_null(m);
    assert_string_equal(err.where, "top.vhd");
    assert_int_equal(err.offset, at);
    assert_non_null(strstr(err.msg, f->path));
    assert_non_null(strstr(err.msg, words));
}

static lr_vhd_t *opened(fx_t *f)
{
    save(f);
    lr_vhd_t *m = NULL;
    assert_int_equal(lr_vhd_open(&m, f->path, "top.vhd", MEDIA, NULL), 0);
    assert_non_null(m);
    return m;
}

/* The valid disks read as built: dynamic holes are zeros, a differencing
 * disk's are its parent's, bit 0 of a bitmap byte its most significant. */
static void test_valid(void **state)
{
    fx_t *f = *state;
    uint8_t buf[MEDIA + 1024];
    for (uint32_t disk = 3; disk <= 4; disk++) {
        build(f, disk);
        lr_vhd_t *m = opened(f);
        assert_int_equal(lr_vhd_differencing(m), disk == 4);
        /* one read across all blocks and past the media size */
        assert_int_equal(lr_vhd_read(m, buf, sizeof(buf), 0, parent77, NULL, NULL), 0);
        uint8_t hole = disk == 4 ? 0x77 : 0;
        for (uint32_t s = 0; s < MEDIA / 512; s++) {
            bool held = s == 8 || s == 10; /* block 1, its sectors 0 and 2 */
            uint8_t want = held ? (uint8_t)(0x10 + s - 8) : hole;
            for (uint32_t i = 0; i < 512; i++)
                assert_int_equal(buf[s * 512 + i], want);
        }
        for (size_t i = MEDIA; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0);
        /* a read inside a sector, across a held/not-held edge */
        assert_int_equal(lr_vhd_read(m, buf, 200, BS + 400, parent77, NULL, NULL), 0);
        assert_int_equal(buf[0], 0x10);
        assert_int_equal(buf[111], 0x10);
        assert_int_equal(buf[112], hole);
        assert_int_equal(buf[199], hole);
        lr_vhd_close(m);
    }
}

static void test_no_footer(void **state)
{
    fx_t *f = *state;
    memcpy(f->img + FOOT, "conectiX", 8);
    memcpy(f->img, "conectiX", 8);
    refused(f, FOOT, "no footer");
    f->len = 100; /* shorter than a footer */
    refused(f, 0, "shorter than its footer");
}

static void test_disk_type(void **state)
{
    fx_t *f = *state;
    be32(f->img + FOOT + 60, 7);
    refused(f, FOOT + 60, "disk type 7");
}

static void test_header(void **state)
{
    fx_t *f = *state;
    be64(f->img + FOOT + 16, (uint64_t)1 << 62); /* beyond the file */
    refused(f, (uint64_t)1 << 62, "no dynamic disk header");
    be64(f->img + FOOT + 16, FILE_SIZE - 100); /* runs past the end */
    refused(f, FILE_SIZE - 100, "no dynamic disk header");
    build(f, 3);
    memcpy(f->img + HDR, "cxsparsX", 8);
    refused(f, HDR, "no dynamic disk header");
}

static void test_block_size(void **state)
{
    fx_t *f = *state;
    const uint32_t bad[] = {0, 1, 256, 3000, 4097, 1u << 29, 0x80000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        be32(f->img + HDR + 32, bad[i]);
        refused(f, HDR + 32, "block size");
    }
}

static void test_table(void **state)
{
    fx_t *f = *state;
    be32(f->img + HDR + 28, 3); /* 16 KiB of 4 KiB blocks needs 4 */
    refused(f, HDR + 28, "block table of 3 entries");
    be32(f->img + HDR + 28, 0xffffffffu); /* more than the file holds */
    refused(f, BAT, "block table (4294967295 entries) beyond its end");
    be32(f->img + HDR + 28, 4);
    be64(f->img + HDR + 16, (uint64_t)1 << 50); /* the table beyond the file */
    refused(f, (uint64_t)1 << 50, "beyond its end");
    be64(f->img + HDR + 16, UINT64_MAX - 4);
    refused(f, UINT64_MAX - 4, "beyond its end");
    be64(f->img + HDR + 16, FILE_SIZE - 8); /* truncated: 8 of its 16 bytes */
    refused(f, FILE_SIZE - 8, "beyond its end");
}

/* A block whose bitmap or data is beyond the file: its reads fail naming
 * the offset, the other blocks still read. */
static void test_block_beyond(void **state)
{
    fx_t *f = *state;
    uint8_t buf[BS];
    const uint32_t sectors[] = {1000000, 0xfffffffeu, FOOT / 512 - 1, FOOT / 512};
    for (size_t i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++) {
        be32(f->img + BAT + 4, sectors[i]);
        lr_vhd_t *m = opened(f);
        lr_error_t err;
        lr_error_clear(&err);
        assert_int_equal(lr_vhd_read(m, buf, sizeof(buf), BS, NULL, NULL, &err), LR_EFORMAT);
        assert_string_equal(err.where, f->path);
        uint64_t base = (uint64_t)sectors[i] * 512;
        if (base + 512 <= FOOT) { /* the bitmap fits, the data it marks does not */
            assert_true(err.offset >= FOOT);
            assert_non_null(strstr(err.msg, "the data of block 1"));
        } else {
            assert_int_equal(err.offset, base);
            assert_non_null(strstr(err.msg, "the sector bitmap of block 1"));
        }
        assert_int_equal(lr_vhd_read(m, buf, sizeof(buf), 2 * BS, NULL, NULL, NULL), 0);
        lr_vhd_close(m);
    }
}

/* A fixed disk: its data is the file before the footer; a media size
 * beyond it fails the read at that offset. */
static void test_fixed(void **state)
{
    fx_t *f = *state;
    memset(f->img, 0x5c, FOOT);
    footer(f->img + FOOT, 2);
    lr_vhd_t *m = opened(f); /* its media size (16 KiB) is more than the file holds */
    uint8_t buf[FOOT];
    assert_int_equal(lr_vhd_read(m, buf, sizeof(buf), 0, NULL, NULL, NULL), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0x5c);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vhd_read(m, buf, 1024, FOOT - 512, NULL, NULL, &err), LR_EFORMAT);
    assert_int_equal(err.offset, FOOT - 512);
    assert_non_null(strstr(err.msg, "beyond the end of the data (byte 6656)"));
    lr_vhd_close(m);
    /* a fixed disk's footer only at the start is no footer */
    memcpy(f->img, f->img + FOOT, 512);
    memset(f->img + FOOT, 0, 512);
    refused(f, FOOT, "no footer");
}

/* The VHD specification's checksum, computed here on its own: the field
 * zeroed, every byte of the structure summed, the sum's ones' complement
 * stored big-endian in the field. Returns it. */
static uint32_t seal(uint8_t *p, size_t len, size_t field)
{
    memset(p + field, 0, 4);
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    be32(p + field, ~sum);
    return ~sum;
}

/* The notes of m joined, one per line ("" when none). */
static const char *notes(const lr_vhd_t *m, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; lr_vhd_note(m, i); i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s\n", lr_vhd_note(m, i));
    return buf;
}

/* A stored checksum that is not what the bytes give is noted with both
 * values, the file still opens and reads; right ones give no note. */
static void test_checksums(void **state)
{
    fx_t *f = *state;
    char buf[2048], want[256];
    seal(f->img, 512, 64);
    seal(f->img + FOOT, 512, 64);
    uint32_t hsum = seal(f->img + HDR, 1024, 36);
    lr_vhd_t *m = opened(f);
    assert_string_equal(notes(m, buf, sizeof(buf)), "");
    lr_vhd_close(m);
    assert_null(lr_io_note(NULL, 0));
    /* a byte of the header's reserved area changed, its checksum not */
    f->img[HDR + 800] ^= 0x01;
    m = opened(f);
    snprintf(want, sizeof(want),
             "the dynamic disk header at byte 512 has checksum 0x%08x stored, 0x%08x computed",
             hsum, seal(f->img + HDR, 1024, 36));
    assert_non_null(strstr(notes(m, buf, sizeof(buf)), want));
    assert_non_null(strstr(buf, f->path));
    assert_non_null(strstr(buf, "read anyway"));
    assert_null(lr_vhd_note(m, 1));
    uint8_t data[512];
    assert_int_equal(lr_vhd_read(m, data, sizeof(data), BS, NULL, NULL, NULL), 0);
    assert_int_equal(data[0], 0x10);
    lr_vhd_close(m);
    /* the copy at the start changed: the footer at the end is used */
    uint32_t fsum = seal(f->img, 512, 64);
    f->img[100] ^= 0x80;
    m = opened(f);
    notes(m, buf, sizeof(buf));
    assert_non_null(strstr(buf, "the footer copy at byte 0 differs from the footer at its end "
                                "(the one at the end was used)"));
    snprintf(want, sizeof(want),
             "the footer copy at byte 0 has checksum 0x%08x stored, 0x%08x computed", fsum,
             seal(f->img, 512, 64));
    assert_non_null(strstr(buf, want));
    lr_vhd_close(m);
    /* the footer at the end changed, and then gone: the copy is used */
    fsum = seal(f->img + FOOT, 512, 64);
    f->img[FOOT + 100] ^= 0x80;
    m = opened(f);
    snprintf(want, sizeof(want),
             "the footer at byte %u has checksum 0x%08x stored, 0x%08x computed", FOOT, fsum,
             seal(f->img + FOOT, 512, 64));
    assert_non_null(strstr(notes(m, buf, sizeof(buf)), want));
    lr_vhd_close(m);
    memset(f->img + FOOT, 0, 512);
    m = opened(f);
    /* the copy's checksum was made right again above: that is the one note */
    snprintf(want, sizeof(want),
             "the VHD file %s: no footer at its end, the footer copy at byte 0 was used\n",
             f->path);
    assert_string_equal(notes(m, buf, sizeof(buf)), want);
    lr_vhd_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_footer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_beyond, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checksums, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
