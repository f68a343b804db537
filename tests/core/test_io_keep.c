/* lr_io_keep: a single-piece .xz and .zst (made by the xz and zstd tools)
 * keep the ranges registered, and serve reads inside them from the copy
 * (and the image's first and last 2 MiB, which the reader keeps on its own)
 * (proved by destroying the compressed file afterwards: a read that had to
 * decode again would fail), reads straddling or outside them still give the
 * raw file's bytes, and the memory cap holds. The ranges are held
 * compressed: pages of zeros cost nothing (more than LR_IO_KEEP_MAX bytes
 * of them are kept), random pages are held as they are until the budget
 * runs out (the rest still reads right, by decoding again), reads across
 * the 64 KiB chunks and a restart in the middle of a range are served
 * right; lr_io_settle lets the history and the decoder go and the reads
 * stay right. Raw files and xz files of several blocks keep nothing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/io.h"
#include "bin_support.h"

#define MIB (1u << 20)
#define IMG_SIZE (16u * MIB)
/* The mixed image (setup_mixed): mostly zeros in [ZERO_AT, RAND_AT), random
 * bytes in [RAND_AT, RAND_AT + RAND_LEN), the pattern elsewhere. */
#define MIXED_SIZE (24u * MIB)
#define ZERO_AT (2 * MIB)
#define RAND_AT (12 * MIB)
#define RAND_LEN (10 * MIB)

typedef struct fx {
    char dir[64];
    char raw[128];
    char xz[128];
    char zst[128];
    uint8_t *data;
    size_t size;
} fx_t;

/* Bytes that tell where they are (each 8 bytes: their offset, scrambled a
 * little) and compress well, so that xz is quick to make the file. */
static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t v = (uint64_t)i ^ 0x5a5a;
        memcpy(p + i, &v, 8);
    }
}

/* The mixed image: an LV head is mostly zeros with a few pages of
 * metadata (here one page in 64, the pattern); then random bytes, which no
 * compression shrinks. */
static void fill_mixed(uint8_t *p, size_t n)
{
    fill(p, n);
    memset(p + ZERO_AT, 0, RAND_AT - ZERO_AT);
    for (size_t at = ZERO_AT + 8192; at < RAND_AT; at += 256u << 10)
        fill(p + at, 4096);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = RAND_AT; i + 8 <= RAND_AT + RAND_LEN; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
}

static int setup_with(void **state, size_t size, void (*make)(uint8_t *, size_t))
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/lr-keep-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->raw, sizeof(f->raw), "%s/disk.img", f->dir);
    snprintf(f->xz, sizeof(f->xz), "%s/disk.img.xz", f->dir);
    snprintf(f->zst, sizeof(f->zst), "%s/disk.img.zst", f->dir);
    f->size = size;
    f->data = malloc(size);
    assert_non_null(f->data);
    make(f->data, size);
    FILE *o = fopen(f->raw, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(f->data, 1, size, o), size);
    assert_int_equal(fclose(o), 0);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, IMG_SIZE, fill);
}

static int setup_mixed(void **state)
{
    return setup_with(state, MIXED_SIZE, fill_mixed);
}

static int teardown(void **state)
{
    fx_t *f = *state;
    unlink(f->raw);
    unlink(f->xz);
    unlink(f->zst);
    rmdir(f->dir);
    free(f->data);
    free(f);
    return 0;
}

/* Compresses the raw file with cmd ("xz -T1 -1 -c", one block; "zstd -q -1
 * -c", one frame) into out; false when the tool is missing. */
static bool compress(const fx_t *f, const char *cmd, const char *out)
{
    char line[512];
    snprintf(line, sizeof(line), "%s '%s' > '%s' 2>/dev/null", cmd, f->raw, out);
    return system(line) == 0;
}

/* Opens path as the scan does; skips when this build lacks the library. */
static lr_io_t *open_lazy(const char *path)
{
    lr_io_open_opts_t o = {.flags = LR_IO_LAZY};
    lr_io_t *io = NULL;
    lr_error_t err;
    int rc = lr_io_open_opts(&io, path, &o, &err);
    if (rc == -ENOTSUP)
        skip();
    assert_int_equal(rc, 0);
    return io;
}

/* Reads len bytes at off and compares them with the raw file's. */
static void check_read(const fx_t *f, lr_io_t *io, uint64_t off, size_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    lr_error_t err;
    int rc = lr_io_pread(io, b, len, off, &err);
    if (rc)
        fail_msg("read of %zu at %llu: %d %s", len, (unsigned long long)off, rc, err.msg);
    assert_memory_equal(b, f->data + off, len);
    free(b);
}

/* Streams the handle from `from` to `to` as the scan does. */
static void stream(lr_io_t *io, uint64_t from, uint64_t to)
{
    uint8_t *b = malloc(MIB);
    assert_non_null(b);
    for (uint64_t pos = from; pos < to;) {
        size_t got = 0;
        assert_int_equal(lr_io_pread_upto(io, b, MIB, pos, &got, NULL), 0);
        if (got == 0)
            break;
        pos += got;
    }
    free(b);
}

/* Overwrites the compressed file with zeros: from here on, every read
 * that has to decode fails. */
static void destroy(const char *path)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    off_t n = lseek(fd, 0, SEEK_END);
    uint8_t z[65536] = {0};
    for (off_t at = 0; at < n; at += (off_t)sizeof(z)) {
        size_t k = n - at < (off_t)sizeof(z) ? (size_t)(n - at) : sizeof(z);
        assert_int_equal(pwrite(fd, z, k, at), (ssize_t)k);
    }
    close(fd);
}

/* Ranges far from the image's first and last bytes (which the reader keeps
 * on its own) and from each other (more than the history apart). */
#define KEEP_A (3 * MIB + 123) /* registered before the stream reaches it */
#define KEEP_A_LEN (MIB + 77)
#define KEEP_B (9 * MIB + 7) /* registered just after the stream passed it */
#define KEEP_B_LEN (300u << 10)
#define LOST (2 * MIB + 4097) /* registered long after the stream passed it */
#define LOST_LEN (64u << 10)

static void keep_reads(const fx_t *f, const char *path)
{
    lr_io_t *io = open_lazy(path);
    assert_int_equal(lr_io_keep(io, 0, 0), 1);
    assert_int_equal(lr_io_keep(io, KEEP_A, KEEP_A_LEN), 1);
    stream(io, 0, 10 * MIB);
    assert_int_equal(lr_io_keep(io, KEEP_B, KEEP_B_LEN), 1);
    assert_int_equal(lr_io_keep(io, LOST, LOST_LEN), 1); /* accepted, nothing to fill it */
    /* a range inside a kept one is already kept */
    assert_int_equal(lr_io_keep(io, KEEP_A + 10, 1000), 1);
    stream(io, 10 * MIB, IMG_SIZE);
    assert_true(lr_io_size_known(io));
    assert_int_equal(lr_io_size(io), IMG_SIZE);

    /* inside, straddling each end, around, and outside the kept ranges */
    check_read(f, io, KEEP_A, KEEP_A_LEN);
    check_read(f, io, KEEP_A + 4096, 512);
    check_read(f, io, KEEP_A - 1000, 5000);
    check_read(f, io, KEEP_A + KEEP_A_LEN - 700, 4000);
    check_read(f, io, KEEP_A - 3000, KEEP_A_LEN + 6000);
    check_read(f, io, KEEP_B + 100, KEEP_B_LEN - 100);
    check_read(f, io, KEEP_B - 512, 1024);
    check_read(f, io, LOST, LOST_LEN);
    check_read(f, io, 6 * MIB, 4096);
    check_read(f, io, KEEP_B + KEEP_B_LEN, 8192);
    check_read(f, io, KEEP_A, KEEP_A_LEN);

    /* the kept bytes are served without decoding: they read with the
     * compressed file gone, while a read outside them (and outside the
     * history, which holds the 4 MiB before the last read outside a kept
     * range, KEEP_B's end) now fails */
    destroy(path);
    check_read(f, io, KEEP_A, KEEP_A_LEN);
    check_read(f, io, KEEP_A + 12345, 777);
    check_read(f, io, KEEP_B, KEEP_B_LEN);
    check_read(f, io, KEEP_B + KEEP_B_LEN - 10, 10);
    /* and so are the image's first and last 2 MiB, held like the ranges */
    check_read(f, io, 0, 2 * MIB);
    check_read(f, io, 65536 - 100, 200);
    check_read(f, io, IMG_SIZE - 2 * MIB, 2 * MIB);
    check_read(f, io, IMG_SIZE - 512, 512);
    uint8_t b[4096];
    assert_int_not_equal(lr_io_pread(io, b, sizeof(b), 4 * MIB + (512u << 10), NULL), 0);
    assert_int_equal(lr_io_close(io, NULL), 0);
}

/* A range longer than LR_IO_KEEP_MAX is refused; ranges registered ahead
 * of the stream cost their chunk tables only until their bytes come; a
 * range inside a kept one is kept; the reads are right whatever was kept. */
static void keep_cap(const fx_t *f, const char *path)
{
    lr_io_t *io = open_lazy(path);
    assert_int_equal(lr_io_keep(io, 0, LR_IO_KEEP_MAX + 1), 0);
    for (uint64_t off = 2 * MIB; off + MIB <= 12 * MIB; off += MIB)
        assert_int_equal(lr_io_keep(io, off, MIB), 1);
    assert_int_equal(lr_io_keep(io, 3 * MIB + 5, 9), 1); /* inside a kept one */
    assert_int_equal(lr_io_keep(io, 0, 0), 1);
    stream(io, 0, IMG_SIZE);
    check_read(f, io, 3 * MIB - 100, MIB + 200);
    check_read(f, io, 12 * MIB, MIB);
    check_read(f, io, 5 * MIB + 65536 - 10, 20); /* across two chunks */
    assert_int_equal(lr_io_close(io, NULL), 0);
}

/* Pages of zeros are holes: ranges of far more than LR_IO_KEEP_MAX bytes
 * of them (with a page of data in 64) are all held, at odd offsets, and
 * read back with the compressed file gone, across the chunks' borders. */
static void keep_zeros(const fx_t *f, const char *path)
{
    lr_io_t *io = open_lazy(path);
    uint64_t at[] = {ZERO_AT + 4097,        ZERO_AT + 3 * MIB / 2,  ZERO_AT + 3 * MIB,
                     ZERO_AT + 4 * MIB,     ZERO_AT + 5 * MIB,      ZERO_AT + 6 * MIB + 12345,
                     ZERO_AT + 7 * MIB + 3, ZERO_AT + 8 * MIB + 511};
    uint64_t len[] = {MIB + 3, MIB, MIB, MIB + 1, MIB - 17, MIB, MIB, 1.5 * MIB};
    uint64_t total = 0;
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        assert_int_equal(lr_io_keep(io, at[i], len[i]), 1);
        total += len[i];
    }
    assert_true(total > LR_IO_KEEP_MAX);
    stream(io, 0, MIXED_SIZE);
    assert_int_equal(lr_io_keep(io, 0, 0), 1); /* room left */
    destroy(path);
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        check_read(f, io, at[i], len[i]);
        check_read(f, io, at[i] + 65536 - 3, 6);            /* across the first border */
        check_read(f, io, at[i] + 5 * 65536 - 4000, 70000); /* across two */
        check_read(f, io, at[i] + len[i] - 5000, 5000);     /* the last chunk's end */
        check_read(f, io, at[i] + 8192, 4096);              /* holes only */
    }
    assert_int_equal(lr_io_close(io, NULL), 0);
}

/* Random pages do not shrink: they are held as they are while the budget
 * lasts; ranges past it are decoded again, right; the first one, held
 * whole, reads with the compressed file gone. */
static void keep_random(const fx_t *f, const char *path)
{
    lr_io_t *io = open_lazy(path);
    for (uint64_t off = RAND_AT + 100; off + MIB - 200 <= RAND_AT + RAND_LEN; off += MIB)
        assert_int_equal(lr_io_keep(io, off, MIB - 200), 1);
    assert_int_equal(lr_io_keep(io, ZERO_AT, MIB), 1);
    stream(io, 0, MIXED_SIZE);
    assert_int_equal(lr_io_keep(io, 0, 0), 0); /* the budget is spent */
    assert_int_equal(lr_io_keep(io, ZERO_AT + 5 * MIB, 4096), 0);
    for (uint64_t off = RAND_AT + 100; off + MIB - 200 <= RAND_AT + RAND_LEN; off += MIB)
        check_read(f, io, off, MIB - 200);
    check_read(f, io, ZERO_AT, MIB);
    check_read(f, io, RAND_AT + 100 + 65536 - 7, 14);
    check_read(f, io, ZERO_AT + 5 * MIB, 4096); /* the history moves far behind */
    destroy(path);
    check_read(f, io, RAND_AT + 100, MIB - 200);
    check_read(f, io, RAND_AT + 100 + 3 * 65536 - 7, 14);
    check_read(f, io, ZERO_AT, MIB); /* kept before the random ones came */
    uint8_t b[4096];
    assert_int_not_equal(lr_io_pread(io, b, sizeof(b), RAND_AT + 9 * MIB + 100, NULL), 0);
    assert_int_equal(lr_io_close(io, NULL), 0);
}

/* The stream stops inside a range (mid-chunk), a read far behind restarts
 * the decoder (the range's last chunk, held only by the history, is sealed
 * as far as it was made), then the stream goes on and completes it. */
static void keep_restart(const fx_t *f, const char *path)
{
    lr_io_t *io = open_lazy(path);
    uint64_t at = 9 * MIB + 777, len = MIB + 5000;
    assert_int_equal(lr_io_keep(io, at, len), 1);
    stream(io, 0, at + 3 * 65536 + 1234);
    check_read(f, io, 5 * MIB + 1, 100); /* behind the history: decodes from the start */
    stream(io, at + 3 * 65536 + 1234, IMG_SIZE);
    destroy(path);
    check_read(f, io, at, (size_t)len);
    check_read(f, io, at + 3 * 65536 + 1000, 1000);
    assert_int_equal(lr_io_close(io, NULL), 0);
}

/* lr_io_settle lets the history and the decoder go: settled in the middle
 * of the stream (inside a range), the stream goes on from a new decoder
 * and completes the range; settled at the end, the kept range and the
 * image's edges read with the compressed file gone, bytes the history held
 * are decoded again, and once the file is gone they fail: the history
 * really went. */
static void keep_settle(const fx_t *f, const char *path)
{
    lr_io_t *io = open_lazy(path);
    uint64_t at = 9 * MIB + 777, len = MIB + 5000;
    assert_int_equal(lr_io_keep(io, at, len), 1);
    stream(io, 0, at + 3 * 65536 + 1234);
    lr_io_settle(io);
    lr_io_settle(io); /* again: nothing more to let go */
    stream(io, at + 3 * 65536 + 1234, IMG_SIZE);
    assert_int_equal(lr_io_size(io), IMG_SIZE);
    lr_io_settle(io);
    check_read(f, io, IMG_SIZE - 3 * MIB - 10, 4096); /* the history held it */
    lr_io_settle(io);
    destroy(path);
    check_read(f, io, at, (size_t)len);
    check_read(f, io, IMG_SIZE - 2 * MIB, 2 * MIB);
    check_read(f, io, 0, 4096);
    uint8_t b[4096];
    assert_int_not_equal(lr_io_pread(io, b, sizeof(b), IMG_SIZE - 3 * MIB, NULL), 0);
    assert_int_equal(lr_io_close(io, NULL), 0);
    lr_io_settle(NULL);
}

/* The reads and the cap on the raw file compressed with cmd into path. */
static void keep_format(const fx_t *f, const char *cmd, const char *path)
{
    if (!compress(f, cmd, path))
        skip();
    keep_reads(f, path);
    assert_true(compress(f, cmd, path)); /* keep_reads destroyed it */
    keep_cap(f, path);
    keep_restart(f, path);
    assert_true(compress(f, cmd, path)); /* keep_restart destroyed it */
    keep_settle(f, path);
}

/* The zeros and random bytes of the mixed image, compressed with cmd. */
static void keep_mixed(const fx_t *f, const char *cmd, const char *path)
{
    if (!compress(f, cmd, path))
        skip();
    keep_zeros(f, path);
    assert_true(compress(f, cmd, path));
    keep_random(f, path);
}

static void test_keep_mixed_xz(void **state)
{
    fx_t *f = *state;
    keep_mixed(f, "xz -T1 -0 -c", f->xz);
}

static void test_keep_mixed_zstd(void **state)
{
    fx_t *f = *state;
    keep_mixed(f, "zstd -q -1 -c", f->zst);
}

static void test_keep_xz(void **state)
{
    fx_t *f = *state;
    keep_format(f, "xz -T1 -1 -c", f->xz);
}

static void test_keep_zstd(void **state)
{
    fx_t *f = *state;
    keep_format(f, "zstd -q -1 -c", f->zst);
}

/* Raw files and xz files of several blocks seek cheaply: nothing is kept. */
static void test_others_keep_nothing(void **state)
{
    fx_t *f = *state;
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, f->raw, NULL), 0);
    assert_int_equal(lr_io_keep(io, 0, 0), 0);
    assert_int_equal(lr_io_keep(io, MIB, MIB), 0);
    check_read(f, io, MIB - 10, 100);
    assert_int_equal(lr_io_close(io, NULL), 0);
    assert_int_equal(lr_io_keep(NULL, 0, 0), 0);
    if (!compress(f, "xz -T1 --block-size=1MiB -1 -c", f->xz))
        return;
    io = open_lazy(f->xz);
    assert_int_equal(lr_io_keep(io, 0, 0), 0);
    assert_int_equal(lr_io_keep(io, MIB, MIB), 0);
    check_read(f, io, 5 * MIB - 10, MIB);
    assert_int_equal(lr_io_close(io, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep_xz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_mixed_xz, setup_mixed, teardown),
        cmocka_unit_test_setup_teardown(test_keep_mixed_zstd, setup_mixed, teardown),
        cmocka_unit_test_setup_teardown(test_others_keep_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
