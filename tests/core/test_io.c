/* lr_io: gzip and raw images, bounds, read-only guarantees, corrupt gzip,
 * gzip random access with bounded memory, partial (damaged) gzip images,
 * writable handles and the exclusive lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lr/io.h"
#include "lr/label.h"
#include "bin_support.h"

#define HISTORY_SIZE 33554432ULL /* fixtures/history/disk.img, 32 MiB */

static void fixture_gz_path(char *buf, size_t len)
{
    lr_test_path(buf, len, "history", "disk.img.gz");
}

static void assert_err_names(const lr_error_t *err, const char *path, const char *word)
{
    if (strcmp(err->where, path) != 0)
        fail_msg("error record names \"%s\", want \"%s\"", err->where, path);
    if (word && !strstr(err->msg, word))
        fail_msg("error message \"%s\" lacks \"%s\"", err->msg, word);
}

/* A temp file name in TMPDIR (created, empty). */
static void temp_path(char *path, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, len, "%s/lr-io-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* gzip-compresses buf into a new file with zlib's gz* writer. */
static void write_gzip(const char *path, const void *buf, size_t len)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, buf, (unsigned)len), (int)len);
    assert_int_equal(gzclose(g), Z_OK);
}

static void test_open_gzip_fixture(void **state)
{
    (void)state;
    char path[1024];
    fixture_gz_path(path, sizeof(path));
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open(&io, path, &err), 0);
    assert_true(lr_io_is_gzip(io));
    assert_false(lr_io_writable(io));
    assert_int_equal(lr_io_size(io), HISTORY_SIZE);
    assert_string_equal(lr_io_name(io), path);

    uint8_t sec[512];
    assert_int_equal(lr_io_pread(io, sec, sizeof(sec), 512, &err), 0);
    assert_memory_equal(sec, "LABELONE", 8);

    /* The gzip trailer holds zlib's CRC-32 and the size mod 2^32 of the
     * original data: all of the served bytes must match them. */
    size_t gzlen = 0;
    uint8_t *gz = lr_test_file_bytes(path, &gzlen);
    assert_true(gzlen > 18);
    uint32_t want_crc = (uint32_t)gz[gzlen - 8] | (uint32_t)gz[gzlen - 7] << 8 |
                        (uint32_t)gz[gzlen - 6] << 16 | (uint32_t)gz[gzlen - 5] << 24;
    uint32_t want_size = (uint32_t)gz[gzlen - 4] | (uint32_t)gz[gzlen - 3] << 8 |
                         (uint32_t)gz[gzlen - 2] << 16 | (uint32_t)gz[gzlen - 1] << 24;
    free(gz);
    uint8_t *all = lr_test_read_all(io);
    assert_int_equal((uint32_t)crc32(0, all, (uInt)lr_io_size(io)), want_crc);
    assert_int_equal((uint32_t)lr_io_size(io), want_size);
    free(all);
    assert_int_equal(lr_io_close(io, &err), 0);
}

static void test_open_raw_matches_gzip(void **state)
{
    (void)state;
    char raw[1024];
    lr_test_scratch_copy("history", "disk.img", raw, sizeof(raw));
    lr_io_t *r = NULL, *g = lr_test_open_fixture("history", "disk.img");
    assert_int_equal(lr_io_open(&r, raw, NULL), 0);
    assert_false(lr_io_is_gzip(r));
    assert_false(lr_io_writable(r));
    assert_int_equal(lr_io_size(r), lr_io_size(g));
    static const uint64_t offs[] = {0, 512, 4096, 4097, 1048576 - 3, HISTORY_SIZE - 4096};
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        uint8_t a[4096], b[4096];
        assert_int_equal(lr_io_pread(r, a, sizeof(a), offs[i], NULL), 0);
        assert_int_equal(lr_io_pread(g, b, sizeof(b), offs[i], NULL), 0);
        assert_memory_equal(a, b, sizeof(a));
    }
    lr_io_close(r, NULL);
    lr_io_close(g, NULL);
    unlink(raw);
}

static void check_past_end(lr_io_t *io)
{
    uint64_t size = lr_io_size(io);
    uint8_t buf[64];
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_pread(io, buf, 32, size - 32, &err), 0);
    assert_int_equal(lr_io_pread(io, buf, 0, size, &err), 0);
    assert_int_equal(lr_io_pread(io, buf, 20, size - 10, &err), LR_ERANGE);
    assert_int_equal(err.offset, size - 10);
    assert_string_equal(err.where, lr_io_name(io));
    lr_error_clear(&err);
    assert_int_equal(lr_io_pread(io, buf, 1, size, &err), LR_ERANGE);
    lr_error_clear(&err);
    assert_int_equal(lr_io_pread(io, buf, 1, UINT64_MAX, &err), LR_ERANGE);
    lr_error_clear(&err);
    /* off + len wraps around 2^64 */
    assert_int_equal(lr_io_pread(io, buf, 64, UINT64_MAX - 3, &err), LR_ERANGE);
}

static void test_read_past_end(void **state)
{
    (void)state;
    lr_io_t *g = lr_test_open_fixture("history", "disk.img");
    check_past_end(g);
    lr_io_close(g, NULL);
    char raw[1024];
    lr_test_scratch_copy("history", "disk.img", raw, sizeof(raw));
    lr_io_t *r = NULL;
    assert_int_equal(lr_io_open(&r, raw, NULL), 0);
    check_past_end(r);
    lr_io_close(r, NULL);
    unlink(raw);
}

/* Opens path, reads it all in odd-sized chunks, closes, and checks that the
 * file's bytes and its mtime/ctime did not change. */
static void check_read_is_pure(const char *path)
{
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    size_t len0 = 0;
    uint8_t *bytes0 = lr_test_file_bytes(path, &len0);
    uint32_t crc0 = (uint32_t)crc32(0, bytes0, (uInt)len0);

    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, path, NULL), 0);
    uint64_t size = lr_io_size(io);
    uint8_t *chunk = malloc(65537);
    assert_non_null(chunk);
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < 65537 ? (size_t)(size - off) : 65537;
        assert_int_equal(lr_io_pread(io, chunk, n, off, NULL), 0);
        off += n;
    }
    assert_int_equal(lr_io_sync(io, NULL), 0); /* a no-op on read-only handles */
    free(chunk);
    assert_int_equal(lr_io_close(io, NULL), 0);

    assert_int_equal(stat(path, &after), 0);
    size_t len1 = 0;
    uint8_t *bytes1 = lr_test_file_bytes(path, &len1);
    assert_int_equal(len0, len1);
    assert_int_equal((uint32_t)crc32(0, bytes1, (uInt)len1), crc0);
    assert_memory_equal(bytes0, bytes1, len0);
    assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_int_equal(before.st_ctim.tv_sec, after.st_ctim.tv_sec);
    assert_int_equal(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec);
    assert_int_equal(before.st_size, after.st_size);
    free(bytes0);
    free(bytes1);
}

static void test_reading_never_writes(void **state)
{
    (void)state;
    char gz[1024];
    fixture_gz_path(gz, sizeof(gz));
    check_read_is_pure(gz);
    char raw[1024];
    lr_test_scratch_copy("history", "disk.img", raw, sizeof(raw));
    check_read_is_pure(raw);
    unlink(raw);
}

static void test_write_on_read_only_fails(void **state)
{
    (void)state;
    char raw[1024];
    lr_test_scratch_copy("history", "disk.img", raw, sizeof(raw));
    size_t len0 = 0;
    uint8_t *bytes0 = lr_test_file_bytes(raw, &len0);
    lr_io_t *r = NULL, *g = lr_test_open_fixture("history", "disk.img");
    assert_int_equal(lr_io_open(&r, raw, NULL), 0);
    uint8_t junk[512];
    memset(junk, 0xa5, sizeof(junk));
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_pwrite(r, junk, sizeof(junk), 512, &err), LR_EREADONLY);
    assert_err_names(&err, raw, "read-only");
    lr_error_clear(&err);
    assert_int_equal(lr_io_pwrite(g, junk, sizeof(junk), 512, &err), LR_EREADONLY);
    lr_io_close(r, NULL);
    lr_io_close(g, NULL);
    size_t len1 = 0;
    uint8_t *bytes1 = lr_test_file_bytes(raw, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(bytes0, bytes1, len0);
    free(bytes0);
    free(bytes1);
    unlink(raw);
}

static void expect_gzip_error(const char *path, const char *word)
{
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_io_open(&io, path, &err);
    assert_int_equal(rc, LR_EFORMAT);
    assert_null(io);
    assert_err_names(&err, path, word);
    char buf[1024];
    lr_error_format(&err, buf, sizeof(buf));
    assert_non_null(strstr(buf, path)); /* the formatted message names the file */
}

static void test_corrupt_gzip(void **state)
{
    (void)state;
    char src[1024];
    fixture_gz_path(src, sizeof(src));
    size_t len = 0;
    uint8_t *gz = lr_test_file_bytes(src, &len);
    char path[1024];
    temp_path(path, sizeof(path));

    /* Truncated in the middle of the deflate stream. */
    write_file(path, gz, len / 2);
    expect_gzip_error(path, "truncated");
    /* Truncated inside the 8-byte trailer. */
    write_file(path, gz, len - 3);
    expect_gzip_error(path, "truncated");
    /* Only the magic. */
    write_file(path, gz, 2);
    expect_gzip_error(path, "truncated");
    /* Bad trailer CRC ("incorrect data check"). */
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, gz, len);
    bad[len - 8] ^= 0xff;
    write_file(path, bad, len);
    expect_gzip_error(path, "corrupt");
    /* Garbage in the middle of the compressed data. */
    memcpy(bad, gz, len);
    for (size_t i = len / 3; i < len / 3 + 64; i++)
        bad[i] ^= 0x5a;
    write_file(path, bad, len);
    expect_gzip_error(path, NULL);
    /* Bad header (unknown compression method). */
    memcpy(bad, gz, len);
    bad[2] = 7;
    write_file(path, bad, len);
    expect_gzip_error(path, "corrupt");
    free(bad);
    free(gz);
    unlink(path);
}

/* Concatenated members and zero padding are valid; other trailing bytes
 * are not. */
static void test_gzip_members_and_padding(void **state)
{
    (void)state;
    char a[1024], b[1024];
    temp_path(a, sizeof(a));
    temp_path(b, sizeof(b));
    static const char one[] = "first member\n", two[] = "second member\n";
    write_gzip(a, one, sizeof(one) - 1);
    write_gzip(b, two, sizeof(two) - 1);
    size_t la = 0, lb = 0;
    uint8_t *ga = lr_test_file_bytes(a, &la), *gb = lr_test_file_bytes(b, &lb);
    uint8_t *cat = calloc(1, la + lb + 1024);
    assert_non_null(cat);
    memcpy(cat, ga, la);
    memcpy(cat + la, gb, lb);

    write_file(a, cat, la + lb);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, a, NULL), 0);
    assert_int_equal(lr_io_size(io), sizeof(one) - 1 + sizeof(two) - 1);
    char out[64];
    assert_int_equal(lr_io_pread(io, out, lr_io_size(io), 0, NULL), 0);
    assert_memory_equal(out, "first member\nsecond member\n", lr_io_size(io));
    lr_io_close(io, NULL);

    write_file(a, cat, la + lb + 1024); /* zero padding (as from tar/dd) */
    assert_int_equal(lr_io_open(&io, a, NULL), 0);
    assert_int_equal(lr_io_size(io), sizeof(one) - 1 + sizeof(two) - 1);
    lr_io_close(io, NULL);

    cat[la + lb + 5] = 'x'; /* garbage after the data */
    write_file(a, cat, la + lb + 1024);
    expect_gzip_error(a, "garbage");

    /* An empty image compresses fine and has size 0. */
    write_gzip(a, "", 0);
    assert_int_equal(lr_io_open(&io, a, NULL), 0);
    assert_int_equal(lr_io_size(io), 0);
    assert_int_equal(lr_io_pread(io, out, 1, 0, NULL), LR_ERANGE);
    lr_io_close(io, NULL);

    free(ga);
    free(gb);
    free(cat);
    unlink(a);
    unlink(b);
}

/* ---- gzip: bounded-memory random access ---------------------------------- */

/* Deterministic image bytes: runs of text-like words (deflate makes
 * Huffman blocks of them, so access points fall at bit offsets) alternating
 * with runs of random bytes (stored blocks) and of zeros. */
static uint8_t *gz_test_data(size_t len)
{
    static const char *const words[] = {
        "vg0 ",        "seqno = ", "logical_volumes {\n",  "id = ",
        "\"lvol0\"\n", "}\n",      "extent_count = 256\n", "stripes = [\"pv0\", 0]\n"};
    uint8_t *b = malloc(len);
    assert_non_null(b);
    uint64_t x = 0x2545f4914f6cdd1dULL;
    size_t i = 0;
    while (i < len) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t run = 1000 + (size_t)(x % 300000);
        unsigned kind = (unsigned)(x >> 40) % 3;
        for (size_t k = 0; k < run && i < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (kind == 0) {
                const char *w = words[x % 8];
                for (size_t c = 0; w[c] && i < len; c++)
                    b[i++] = (uint8_t)w[c];
            } else {
                b[i++] = kind == 1 ? (uint8_t)(x >> 24) : 0;
            }
        }
    }
    return b;
}

/* Appends one gzip member of buf (zlib's deflate with a gzip wrapper) to f. */
static void gz_member(FILE *f, const uint8_t *buf, size_t len, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    size_t cap = deflateBound(&zs, (uLong)len);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    zs.next_in = (Bytef *)buf;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(fwrite(out, 1, zs.total_out, f), zs.total_out);
    deflateEnd(&zs);
    free(out);
}

/* Writes data as members cut at the given points, then `pad` zero bytes. */
static void write_members(const char *path, const uint8_t *data, size_t len, const size_t *cuts,
                          size_t n_cuts, size_t pad)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    size_t from = 0;
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : len;
        gz_member(f, data + from, to - from, i % 2 ? 1 : 6);
        from = to;
    }
    for (size_t i = 0; i < pad; i++)
        fputc(0, f);
    assert_int_equal(fclose(f), 0);
}

static void check_reads(lr_io_t *io, const uint8_t *data, size_t len, int n_random)
{
    assert_int_equal(lr_io_size(io), len);
    /* as the scanner streams: 1 MiB reads that overlap the next by 4 KiB */
    size_t bsize = 1u << 20, tail = 4096;
    uint8_t *buf = malloc(bsize + tail);
    assert_non_null(buf);
    for (size_t pos = 0; pos < len; pos += bsize) {
        size_t n = len - pos < bsize + tail ? len - pos : bsize + tail;
        assert_int_equal(lr_io_pread(io, buf, n, pos, NULL), 0);
        if (memcmp(buf, data + pos, n) != 0)
            fail_msg("sequential read at %zu differs", pos);
    }
    /* random reads: backwards, forwards, near and far, across members */
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < n_random; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = 1 + (size_t)(x % (i % 10 == 0 ? bsize : 70000));
        if (n > len)
            n = len;
        size_t off = (size_t)((x >> 20) % (len - n + 1));
        if (i % 3 == 1) /* just behind or ahead of the previous read */
            off = (size_t)((x >> 7) % len) / 2;
        if (off + n > len)
            off = len - n;
        lr_error_t err;
        lr_error_clear(&err);
        if (lr_io_pread(io, buf, n, off, &err) != 0)
            fail_msg("read of %zu at %zu failed: %s", n, off, err.msg);
        if (memcmp(buf, data + off, n) != 0)
            fail_msg("read of %zu bytes at %zu differs", n, off);
    }
    /* reads that end exactly at the end, and one byte past it */
    assert_int_equal(lr_io_pread(io, buf, 100, len - 100, NULL), 0);
    assert_memory_equal(buf, data + len - 100, 100);
    assert_int_equal(lr_io_pread(io, buf, 1, len, NULL), LR_ERANGE);
    free(buf);
}

/* 24 MiB of gz_test_data in four members (one of a single byte) and 4 KiB
 * of zero padding, written to path; returns the data. */
static uint8_t *gz_members_image(char *path, size_t path_len, size_t len)
{
    uint8_t *data = gz_test_data(len);
    temp_path(path, path_len);
    const size_t cuts[] = {5000000, 5000001, 17u << 20};
    write_members(path, data, len, cuts, 3, 4096);
    return data;
}

/* Streams a lazily opened handle with lr_io_pread_upto as the scanner does
 * (1 MiB reads overlapping the next by 4 KiB) and checks every byte; the
 * size is only known once the stream reached the end. */
static void stream_lazy(lr_io_t *io, const uint8_t *data, size_t len)
{
    assert_false(lr_io_size_known(io));
    size_t bsize = 1u << 20, tail = 4096;
    uint8_t *buf = malloc(bsize + tail);
    assert_non_null(buf);
    for (size_t pos = 0;; pos += bsize) {
        size_t got = 0;
        lr_error_t err;
        lr_error_clear(&err);
        if (lr_io_pread_upto(io, buf, bsize + tail, pos, &got, &err) != 0)
            fail_msg("streaming read at %zu failed: %s", pos, err.msg);
        assert_true(pos + got <= len);
        if (memcmp(buf, data + pos, got) != 0)
            fail_msg("streaming read at %zu differs", pos);
        assert_true(lr_io_size(io) >= pos + got);
        assert_true(lr_io_size_hint(io) >= lr_io_size(io));
        if (got <= bsize) {
            assert_int_equal(pos + got, len);
            break;
        }
        assert_false(pos + got == len && lr_io_size_known(io) && got < bsize + tail);
    }
    assert_true(lr_io_size_known(io));
    assert_int_equal(lr_io_size(io), len);
    free(buf);
}

/* Every read of the multi-member gzip image at path returns the right
 * bytes, whatever the access points: the default span, small spans
 * (windowed points at bit offsets), tiny spans (more points than the cap,
 * so they are thinned). With LR_IO_LAZY the points are made while the image
 * is first streamed. */
static void check_spans(const char *path, const uint8_t *data, size_t len, unsigned flags)
{
    static const uint64_t spans[] = {0, 256u << 10, 16u << 10};
    for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        lr_io_open_opts_t o = {.flags = flags, .gzip_span = spans[i]};
        lr_io_t *io = NULL;
        lr_error_t err;
        lr_error_clear(&err);
        assert_int_equal(lr_io_open_opts(&io, path, &o, &err), 0);
        assert_true(lr_io_is_gzip(io));
        assert_false(lr_io_writable(io));
        if (flags & LR_IO_LAZY) {
            /* the open decoded only the head it checks */
            assert_int_equal(lr_io_size(io), len < LR_IO_HEAD ? len : LR_IO_HEAD);
            stream_lazy(io, data, len);
        }
        assert_int_equal(lr_io_damage(io, NULL, NULL), 0);
        /* a far read costs up to a span of inflating: fewer with big spans */
        check_reads(io, data, len, spans[i] ? 1500 : 60);
        assert_int_equal(lr_io_close(io, &err), 0);
    }
}

static void test_gzip_random_access(void **state)
{
    (void)state;
    size_t len = 24u << 20;
    char path[1024];
    uint8_t *data = gz_members_image(path, sizeof(path), len);
    check_spans(path, data, len, 0);
    /* and the default open of one member */
    write_members(path, data, len, NULL, 0, 0);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, path, NULL), 0);
    check_reads(io, data, len, 60);
    lr_io_close(io, NULL);
    unlink(path);
    free(data);
}

/* LR_IO_LAZY: no pass at open (only its head is read); streaming the image once checks it and
 * builds the access points, and reads anywhere then return the right bytes;
 * reads far ahead before the stream reached the end inflate forward. */
static void test_gzip_lazy(void **state)
{
    (void)state;
    size_t len = 24u << 20;
    char path[1024];
    uint8_t *data = gz_members_image(path, sizeof(path), len);
    check_spans(path, data, len, LR_IO_LAZY);
    lr_io_open_opts_t o = {.flags = LR_IO_LAZY, .gzip_span = 64u << 10};
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    uint8_t b[8192];
    assert_int_equal(lr_io_pread(io, b, sizeof(b), 20u << 20, NULL), 0);
    assert_memory_equal(b, data + (20u << 20), sizeof(b));
    assert_false(lr_io_size_known(io));
    assert_int_equal(lr_io_pread(io, b, sizeof(b), 1000, NULL), 0);
    assert_memory_equal(b, data + 1000, sizeof(b));
    assert_int_equal(lr_io_pread(io, b, sizeof(b), len + 10, NULL), LR_ERANGE);
    assert_true(lr_io_size_known(io));
    assert_int_equal(lr_io_size(io), len);
    lr_io_close(io, NULL);
    unlink(path);
    free(data);
}

/* A "Key: N kB" line of a /proc file, in KiB; -1 when missing. */
static long proc_kib(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':')
            v = strtol(line + kl + 1, NULL, 10);
    fclose(f);
    return v;
}

static long meminfo_kib(const char *key)
{
    return proc_kib("/proc/meminfo", key);
}

static long self_status_kib(const char *key)
{
    return proc_kib("/proc/self/status", key);
}

/* Memory does not grow with the size of a gzip image: 512 MiB of zeros
 * (32 members of 16 MiB, half a MiB compressed) are opened and read whole
 * without the decompressed bytes being held anywhere (neither in the
 * process nor in anonymous shared memory). */
static void test_gzip_memory_bounded(void **state)
{
    (void)state;
    if (meminfo_kib("Shmem") < 0 || self_status_kib("VmRSS") < 0)
        skip();
    size_t member = 16u << 20;
    uint8_t *zero = calloc(1, member);
    assert_non_null(zero);
    char path[1024];
    temp_path(path, sizeof(path));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 32; i++)
        gz_member(f, zero, member, 1);
    assert_int_equal(fclose(f), 0);
    free(zero);

    long shmem0 = meminfo_kib("Shmem"), rss0 = self_status_kib("VmRSS");
    long shmem_peak = shmem0, rss_peak = rss0;
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, path, NULL), 0);
    assert_int_equal(lr_io_size(io), 512ull << 20);
    uint8_t *buf = malloc(1u << 20);
    assert_non_null(buf);
    for (uint64_t off = 0; off < lr_io_size(io); off += 1u << 20) {
        assert_int_equal(lr_io_pread(io, buf, 1u << 20, off, NULL), 0);
        assert_true(buf[0] == 0 && buf[(1u << 20) - 1] == 0);
        if ((off >> 20) % 64 == 0) {
            long s = meminfo_kib("Shmem"), r = self_status_kib("VmRSS");
            shmem_peak = s > shmem_peak ? s : shmem_peak;
            rss_peak = r > rss_peak ? r : rss_peak;
        }
    }
    long s = meminfo_kib("Shmem"), r = self_status_kib("VmRSS");
    shmem_peak = s > shmem_peak ? s : shmem_peak;
    rss_peak = r > rss_peak ? r : rss_peak;
    free(buf);
    lr_io_close(io, NULL);
    unlink(path);
    /* 512 MiB decompressed; allow 128 MiB for the rest of the machine */
    if (shmem_peak - shmem0 > 128 * 1024)
        fail_msg("shared memory grew by %ld KiB while reading a 512 MiB gzip image",
                 shmem_peak - shmem0);
    if (rss_peak - rss0 > 64 * 1024)
        fail_msg("RSS grew by %ld KiB while reading a 512 MiB gzip image", rss_peak - rss0);
}

typedef struct gz_prog {
    int calls;
    uint64_t last, total;
    int stop_at;
} gz_prog_t;

static int gz_on_progress(void *arg, uint64_t done, uint64_t total)
{
    gz_prog_t *p = arg;
    assert_true(done >= p->last && done <= total);
    p->last = done;
    p->total = total;
    p->calls++;
    return p->stop_at && p->calls >= p->stop_at;
}

/* The decompression pass at open reports its progress and can be stopped. */
static void test_gzip_open_progress(void **state)
{
    (void)state;
    size_t len = 40u << 20;
    uint8_t *data = gz_test_data(len);
    char path[1024];
    temp_path(path, sizeof(path));
    write_members(path, data, len, NULL, 0, 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    gz_prog_t pr = {0};
    lr_io_open_opts_t o = {.progress = gz_on_progress, .progress_arg = &pr};
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    assert_true(pr.calls >= 2);
    assert_int_equal(pr.last, (uint64_t)st.st_size);
    assert_int_equal(pr.total, (uint64_t)st.st_size);
    lr_io_close(io, NULL);
    gz_prog_t stop = {.stop_at = 1};
    o.progress_arg = &stop;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_opts(&io, path, &o, &err), -ECANCELED);
    assert_null(io);
    assert_err_names(&err, path, "cancel");
    /* only LR_IO_PARTIAL is an option of a read-only open */
    lr_io_open_opts_t rw = {.flags = LR_IO_RDWR};
    assert_int_equal(lr_io_open_opts(&io, path, &rw, NULL), -EINVAL);
    assert_null(io);
    unlink(path);
    free(data);
}

/* The same damaged image opened with LR_IO_LAZY: it opens at once; the
 * stream finds the damage and ends the image where the pass at open ended
 * it (size, status, cut); without LR_IO_PARTIAL the read reaching the
 * damage fails with the same status. */
static void expect_lazy_partial(const char *path, const uint8_t *data, uint64_t size,
                                bool truncated, const char *word)
{
    lr_io_open_opts_t o = {.flags = LR_IO_PARTIAL | LR_IO_LAZY};
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    /* not found yet, unless within the head the open reads */
    assert_int_equal(lr_io_damage(io, NULL, NULL), size < LR_IO_HEAD ? LR_EFORMAT : 0);
    uint8_t *buf = malloc((size_t)size + 4096);
    assert_non_null(buf);
    size_t got = 0;
    assert_int_equal(lr_io_pread_upto(io, buf, (size_t)size + 4096, 0, &got, NULL), 0);
    assert_int_equal(got, size);
    assert_memory_equal(buf, data, got);
    assert_true(lr_io_size_known(io));
    assert_int_equal(lr_io_size(io), size);
    bool cut = !truncated;
    lr_error_t why;
    assert_int_equal(lr_io_damage(io, &cut, &why), LR_EFORMAT);
    assert_int_equal(cut, truncated);
    assert_err_names(&why, path, word);
    lr_io_close(io, NULL);
    o.flags = LR_IO_LAZY;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_pread_upto(io, buf, (size_t)size + 4096, 0, &got, &err), LR_EFORMAT);
    assert_err_names(&err, path, word);
    lr_io_close(io, NULL);
    free(buf);
}

/* LR_IO_PARTIAL: a damaged gzip image opens with the bytes that
 * decompressed before the damage; lr_io_damage says what happened. */
static uint64_t expect_partial(const char *path, const uint8_t *data, size_t min_size,
                               size_t max_size, bool truncated, const char *word)
{
    lr_io_open_opts_t o = {.flags = LR_IO_PARTIAL};
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_io_open_opts(&io, path, &o, &err) != 0)
        fail_msg("partial open failed: %s", err.msg);
    uint64_t size = lr_io_size(io);
    if (size < min_size || size > max_size)
        fail_msg("partial image of %llu bytes, want %zu..%zu", (unsigned long long)size, min_size,
                 max_size);
    bool cut = !truncated;
    lr_error_t why;
    assert_int_equal(lr_io_damage(io, &cut, &why), LR_EFORMAT);
    assert_int_equal(cut, truncated);
    assert_err_names(&why, path, word);
    if (size) {
        uint8_t *all = lr_test_read_all(io);
        assert_memory_equal(all, data, (size_t)size);
        free(all);
        /* again from the middle, after the stream reached the end */
        uint8_t b[4096];
        size_t n = size < sizeof(b) ? (size_t)size : sizeof(b);
        assert_int_equal(lr_io_pread(io, b, n, size / 2 > n ? size / 2 - n : 0, NULL), 0);
    }
    uint8_t one;
    assert_int_equal(lr_io_pread(io, &one, 1, size, NULL), LR_ERANGE);
    assert_int_equal(lr_io_close(io, NULL), 0);
    expect_lazy_partial(path, data, size, truncated, word);
    return size;
}

/* The unsure member of a partial handle that read the whole image: the
 * bytes [start, end), nothing after them, and the note naming them. */
static void expect_unsure(lr_io_t *io, const uint8_t *data, size_t len, uint64_t start,
                          uint64_t end)
{
    uint8_t *all = lr_test_read_all(io);
    assert_memory_equal(all, data, len); /* only the trailer was changed */
    free(all);
    bool cut = true;
    lr_error_t why;
    assert_int_equal(lr_io_damage(io, &cut, &why), LR_EFORMAT);
    assert_false(cut);
    assert_non_null(strstr(why.msg, "do not give the CRC-32"));
    uint64_t s = 0, e = 0;
    assert_int_equal(lr_io_unsure_range(io, 0, &s, &e), 1);
    assert_int_equal(s, start);
    assert_int_equal(e, end);
    assert_int_equal(lr_io_unsure_range(io, end - 1, NULL, NULL), 1);
    assert_int_equal(lr_io_unsure_range(io, end, NULL, NULL), 0);
    const char *note = lr_io_note(io, 0);
    assert_non_null(note);
    assert_non_null(strstr(note, "decompress but do not give the CRC-32"));
    assert_null(lr_io_note(io, 1)); /* once, however often it was read */
}

/* Three members, the middle one's CRC-32 changed: with LR_IO_PARTIAL
 * (lazily too) every byte reads, the middle member is unsure and the third
 * is read past it; without, the open fails. */
/* Writes data as three members at [0, a), [a, b), [b, len) into path
 * (part: scratch), the second member's byte at `at` (from its end when
 * negative) flipped by 0x01. */
static void write_three_damaged(const char *path, const char *part, const uint8_t *data, size_t len,
                                size_t a, size_t b, long at)
{
    size_t from[3] = {0, a, b}, to[3] = {a, b, len};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 3; i++) {
        write_members(part, data + from[i], to[i] - from[i], NULL, 0, 0);
        size_t n = 0;
        uint8_t *m = lr_test_file_bytes(part, &n);
        if (i == 1)
            m[at < 0 ? (size_t)((long)n + at) : (size_t)at] ^= 0x01;
        assert_int_equal(fwrite(m, 1, n, f), n);
        free(m);
    }
    assert_int_equal(fclose(f), 0);
}

static void test_gzip_member_crc(void **state)
{
    (void)state;
    size_t len = 3u << 20, a = len / 3, b = 2 * len / 3;
    uint8_t *data = gz_test_data(len);
    char part[1024], path[1024];
    temp_path(part, sizeof(part));
    temp_path(path, sizeof(path));
    write_three_damaged(path, part, data, len, a, b, -8); /* the CRC-32's first byte */
    expect_gzip_error(path, "incorrect data check");
    lr_io_open_opts_t o = {.flags = LR_IO_PARTIAL};
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    assert_int_equal(lr_io_size(io), len);
    expect_unsure(io, data, len, a, b);
    lr_io_close(io, NULL);
    o.flags |= LR_IO_LAZY;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    assert_int_equal(lr_io_unsure_range(io, 0, NULL, NULL), 0); /* not read yet */
    size_t got = 0;
    uint8_t *buf = malloc(len + 4096);
    assert_non_null(buf);
    assert_int_equal(lr_io_pread_upto(io, buf, len + 4096, 0, &got, NULL), 0);
    assert_int_equal(got, len);
    expect_unsure(io, data, len, a, b);
    lr_io_close(io, NULL);
    free(buf);
    /* the second member's magic damaged: the rest is lost data, not
     * garbage appended (the image is cut there) */
    write_three_damaged(path, part, data, len, a, b, 0);
    o.flags = LR_IO_PARTIAL;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    assert_int_equal(lr_io_size(io), a);
    bool cut = false;
    lr_error_t why;
    assert_int_equal(lr_io_damage(io, &cut, &why), LR_EFORMAT);
    assert_true(cut);
    assert_non_null(strstr(why.msg, "is not a gzip member"));
    lr_io_close(io, NULL);
    free(data);
    unlink(part);
    unlink(path);
}

static void test_gzip_partial(void **state)
{
    (void)state;
    size_t len = 6u << 20;
    uint8_t *data = gz_test_data(len);
    char good[1024], path[1024];
    temp_path(good, sizeof(good));
    temp_path(path, sizeof(path));
    write_members(good, data, len, NULL, 0, 0);
    size_t gzlen = 0;
    uint8_t *gz = lr_test_file_bytes(good, &gzlen);

    /* cut in the middle: about half decompresses, and is served */
    write_file(path, gz, gzlen / 2);
    expect_gzip_error(path, "truncated"); /* the default open still refuses */
    uint64_t half = expect_partial(path, data, 1, len - 1, true, "truncated");
    /* cut inside the trailer: everything decompressed */
    write_file(path, gz, gzlen - 3);
    expect_partial(path, data, len, len, true, "truncated");
    /* only the magic: nothing */
    write_file(path, gz, 2);
    expect_partial(path, data, 0, 0, true, "truncated");
    /* bad trailer checksum: all data, flagged, not cut (unsure instead) */
    uint8_t *bad = malloc(gzlen + 100);
    assert_non_null(bad);
    memcpy(bad, gz, gzlen);
    bad[gzlen - 8] ^= 0xff;
    write_file(path, bad, gzlen);
    expect_partial(path, data, len, len, false, "corrupt");
    /* garbage after the data: all data, not truncated */
    memcpy(bad, gz, gzlen);
    memset(bad + gzlen, 'x', 100);
    write_file(path, bad, gzlen + 100);
    expect_partial(path, data, len, len, false, "garbage");
    /* garbage in the middle of the deflate data: what came before it */
    memcpy(bad, gz, gzlen);
    for (size_t i = gzlen / 2; i < gzlen / 2 + 64; i++)
        bad[i] ^= 0x5a;
    write_file(path, bad, gzlen);
    lr_io_open_opts_t o = {.flags = LR_IO_PARTIAL};
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_opts(&io, path, &o, NULL), 0);
    assert_true(lr_io_size(io) >= half && lr_io_size(io) <= len);
    assert_int_equal(lr_io_damage(io, NULL, NULL), LR_EFORMAT);
    /* what inflate made before it noticed (or, stored, before the CRC-32
     * failed) is not vouched for: unsure, and noted */
    uint64_t us = 1, ue = 0;
    assert_int_equal(lr_io_unsure_range(io, 0, &us, &ue), 1);
    assert_int_equal(us, 0);
    assert_int_equal(ue, lr_io_size(io));
    const char *note = lr_io_note(io, 0);
    assert_non_null(note);
    if (!strstr(note, "decompressed before their gzip member broke off") &&
        !strstr(note, "do not give the CRC-32"))
        fail_msg("note: %s", note);
    uint8_t *all = lr_test_read_all(io);
    /* what the undamaged first half of the compressed bytes gives is intact
     * (after it, deflate may emit damaged bytes before its codes go wrong,
     * or, in a stored block, only the trailer's checksum tells) */
    assert_memory_equal(all, data, (size_t)half);
    free(all);
    lr_io_close(io, NULL);
    /* corrupt deflate codes (compressible data: Huffman blocks): the
     * image ends where inflate noticed, what it made before is unsure */
    uint8_t *text = malloc(len);
    assert_non_null(text);
    for (size_t i = 0; i < len; i++)
        text[i] = (uint8_t)("lvm metadata text "[i % 18] + (i / 4096) % 7);
    char tpath[1024];
    temp_path(tpath, sizeof(tpath));
    write_members(tpath, text, len, NULL, 0, 0);
    size_t tlen = 0;
    uint8_t *tgz = lr_test_file_bytes(tpath, &tlen);
    for (size_t i = tlen / 2; i < tlen / 2 + 16; i++)
        tgz[i] ^= 0xa5;
    write_file(tpath, tgz, tlen);
    assert_int_equal(lr_io_open_opts(&io, tpath, &o, NULL), 0);
    bool tcut = false;
    lr_error_t twhy;
    assert_int_equal(lr_io_damage(io, &tcut, &twhy), LR_EFORMAT);
    if (!tcut || lr_io_unsure_range(io, 0, NULL, NULL) != 1)
        fail_msg("cut %d: %s", tcut, twhy.msg);
    assert_int_equal(lr_io_unsure_range(io, 0, &us, &ue), 1);
    assert_int_equal(us, 0);
    assert_int_equal(ue, lr_io_size(io));
    assert_non_null(lr_io_note(io, 0));
    assert_non_null(strstr(lr_io_note(io, 0), "decompressed before their gzip member broke off"));
    lr_io_close(io, NULL);
    free(tgz);
    free(text);
    unlink(tpath);
    /* a whole image opened with LR_IO_PARTIAL has no damage */
    assert_int_equal(lr_io_open_opts(&io, good, &o, NULL), 0);
    bool cut = true;
    assert_int_equal(lr_io_damage(io, &cut, NULL), 0);
    assert_false(cut);
    lr_io_close(io, NULL);
    free(bad);
    free(gz);
    free(data);
    unlink(path);
    unlink(good);
}

static void test_open_errors(void **state)
{
    (void)state;
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open(&io, "/nonexistent/lvmrescue/disk.img", &err), -ENOENT);
    assert_null(io);
    assert_string_equal(err.where, "/nonexistent/lvmrescue/disk.img");
    lr_error_clear(&err);
    const char *tmp = getenv("TMPDIR");
    const char *dir = tmp && *tmp ? tmp : "/tmp";
    assert_int_equal(lr_io_open(&io, dir, &err), -EINVAL);
    assert_string_equal(err.where, dir);
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&io, "/nonexistent/x", LR_IO_RDWR, &err), -ENOENT);
    lr_error_clear(&err);
    char raw[1024];
    temp_path(raw, sizeof(raw));
    assert_int_equal(lr_io_open_rw(&io, raw, 0, &err), -EINVAL); /* RDWR is required */
    unlink(raw);
}

static void test_rw_handle(void **state)
{
    (void)state;
    char raw[1024];
    lr_test_scratch_copy("history", "disk.img", raw, sizeof(raw));
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&io, raw, LR_IO_RDWR, &err), 0);
    assert_true(lr_io_writable(io));
    assert_false(lr_io_is_gzip(io));
    assert_int_equal(lr_io_size(io), HISTORY_SIZE);
    uint8_t w[1000], r[1000];
    for (size_t i = 0; i < sizeof(w); i++)
        w[i] = (uint8_t)(i ^ 0x3c);
    assert_int_equal(lr_io_pwrite(io, w, sizeof(w), 12345, &err), 0);
    assert_int_equal(lr_io_sync(io, &err), 0);
    assert_int_equal(lr_io_pread(io, r, sizeof(r), 12345, &err), 0);
    assert_memory_equal(w, r, sizeof(w));
    /* Writes never extend the image. */
    assert_int_equal(lr_io_pwrite(io, w, 10, HISTORY_SIZE - 5, &err), LR_ERANGE);
    assert_int_equal(lr_io_close(io, &err), 0);
    struct stat st;
    assert_int_equal(stat(raw, &st), 0);
    assert_int_equal((uint64_t)st.st_size, HISTORY_SIZE);
    unlink(raw);
}

static void test_rw_gzip_refused(void **state)
{
    (void)state;
    char src[1024], path[1024];
    fixture_gz_path(src, sizeof(src));
    size_t len = 0;
    uint8_t *gz = lr_test_file_bytes(src, &len);
    temp_path(path, sizeof(path));
    write_file(path, gz, len);
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&io, path, LR_IO_RDWR, &err), LR_EREADONLY);
    assert_null(io);
    assert_err_names(&err, path, "gzip");
    size_t len2 = 0;
    uint8_t *after = lr_test_file_bytes(path, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(gz, after, len);
    free(after);
    free(gz);
    unlink(path);
}

/* flock locks belong to an open file description, so a second open in the
 * same process competes like another process would. */
static void test_rw_exclusive_lock(void **state)
{
    (void)state;
    char raw[1024];
    temp_path(raw, sizeof(raw));
    uint8_t zero[4096] = {0};
    write_file(raw, zero, sizeof(zero));
    lr_io_t *a = NULL, *b = NULL, *c = NULL, *ro = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&a, raw, LR_IO_RDWR | LR_IO_EXCL, &err), 0);
    assert_int_equal(lr_io_open_rw(&b, raw, LR_IO_RDWR | LR_IO_EXCL, &err), -EBUSY);
    assert_null(b);
    assert_err_names(&err, raw, "locked");
    /* Reading is never blocked by the lock. */
    assert_int_equal(lr_io_open(&ro, raw, NULL), 0);
    lr_io_close(ro, NULL);
    assert_int_equal(lr_io_close(a, NULL), 0);
    /* Released on close. */
    assert_int_equal(lr_io_open_rw(&c, raw, LR_IO_RDWR | LR_IO_EXCL, NULL), 0);
    lr_io_close(c, NULL);
    unlink(raw);
}

/* A layer stacked through lr_io_new: its ops are called, name is copied,
 * a read-only layer refuses writes. */
static void test_layer(void **state)
{
    (void)state;
    uint8_t buf[2048];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    lr_io_t *io = lr_test_buf_io(buf, sizeof(buf), false);
    assert_string_equal(lr_io_name(io), "mem");
    assert_false(lr_io_writable(io));
    uint8_t r[16];
    assert_int_equal(lr_io_pread(io, r, sizeof(r), 100, NULL), 0);
    assert_memory_equal(r, buf + 100, sizeof(r));
    assert_int_equal(lr_io_pwrite(io, r, sizeof(r), 0, NULL), LR_EREADONLY);
    assert_int_equal(lr_io_pread(io, r, sizeof(r), 2040, NULL), LR_ERANGE);
    lr_io_close(io, NULL);
    assert_int_equal(lr_io_close(NULL, NULL), 0);
    lr_io_t *bad = NULL;
    static const lr_io_ops_t none = {"none", NULL, NULL, NULL, NULL};
    assert_int_equal(lr_io_new(&bad, &none, NULL, 0, "x", NULL), -EINVAL);
}

/* A borrowed handle passes reads, writes and syncs to the lender and
 * leaves it open (and locked) when closed. */
static void test_borrow(void **state)
{
    (void)state;
    char raw[1024];
    temp_path(raw, sizeof(raw));
    uint8_t zero[4096] = {0};
    write_file(raw, zero, sizeof(zero));
    lr_io_t *a = NULL, *b = NULL, *other = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&a, raw, LR_IO_RDWR | LR_IO_EXCL, &err), 0);
    assert_int_equal(lr_io_borrow(a, &b, &err), 0);
    assert_int_equal(lr_io_size(b), sizeof(zero));
    assert_string_equal(lr_io_name(b), raw);
    uint8_t w[100], r[100];
    memset(w, 0x5a, sizeof(w));
    assert_int_equal(lr_io_pwrite(b, w, sizeof(w), 1000, &err), 0);
    assert_int_equal(lr_io_sync(b, &err), 0);
    assert_int_equal(lr_io_pread(a, r, sizeof(r), 1000, &err), 0);
    assert_memory_equal(w, r, sizeof(w));
    assert_int_equal(lr_io_pwrite(b, w, sizeof(w), 4090, &err), LR_ERANGE);
    assert_int_equal(lr_io_close(b, &err), 0);
    /* The lender is still open and still holds the lock. */
    assert_int_equal(lr_io_pread(a, r, sizeof(r), 1000, &err), 0);
    assert_int_equal(lr_io_open_rw(&other, raw, LR_IO_RDWR | LR_IO_EXCL, NULL), -EBUSY);
    /* Failing calls return their status without an error record. */
    assert_int_equal(lr_io_borrow(NULL, &b, NULL), -EINVAL);
    assert_int_equal(lr_io_borrow(a, NULL, NULL), -EINVAL);
    assert_int_equal(lr_io_close(a, NULL), 0);
    unlink(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_gzip_fixture),
        cmocka_unit_test(test_open_raw_matches_gzip),
        cmocka_unit_test(test_read_past_end),
        cmocka_unit_test(test_reading_never_writes),
        cmocka_unit_test(test_write_on_read_only_fails),
        cmocka_unit_test(test_corrupt_gzip),
        cmocka_unit_test(test_gzip_members_and_padding),
        cmocka_unit_test(test_gzip_random_access),
        cmocka_unit_test(test_gzip_memory_bounded),
        cmocka_unit_test(test_gzip_lazy),
        cmocka_unit_test(test_gzip_open_progress),
        cmocka_unit_test(test_gzip_partial),
        cmocka_unit_test(test_gzip_member_crc),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_rw_handle),
        cmocka_unit_test(test_rw_gzip_refused),
        cmocka_unit_test(test_rw_exclusive_lock),
        cmocka_unit_test(test_layer),
        cmocka_unit_test(test_borrow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
