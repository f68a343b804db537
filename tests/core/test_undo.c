/* The undo layer and undo files (lr/undo.h) on scratch images:
 *   - SHA-256 against FIPS 180-2 vectors and the test support's own code;
 *   - every write through the layer is journalled before it passes, and
 *     applying the file restores the image exactly (overlapping writes,
 *     several images);
 *   - an unfinished file (no DONE record: a crash) still restores, from the
 *     announced states; a torn tail is tolerated, damage in the middle is not;
 *   - a changed image is refused unless forced; a wrong size is refused;
 *   - an existing undo file is never overwritten; nothing is written to an
 *     image when the journal cannot be written;
 *   - a planned file (lr_undo_create_planned) cut at every byte: either it
 *     puts back every byte or it is refused (even forced) and writes
 *     nothing; a run that stopped between two writes (a crash: torn tail)
 *     is undone from what it saved, and says how many ranges it saved of
 *     how many planned; writes outside the plan are refused. */
#include <errno.h>
#include <fcntl.h>
#include "lr/crc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/undo.h"
#include "support.h"

#define IMG_SIZE (256u * 1024u)

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-undo-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static void rm(const char *name)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", g_dir, name);
    unlink(p);
}

/* Each test starts without the files of the previous one. */
static int clean(void **state)
{
    (void)state;
    const char *names[] = {"a.img", "b.img", "moved.img", "undo", "undo2"};
    for (size_t i = 0; i < 5; i++)
        rm(names[i]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a.img", "b.img", "moved.img", "undo", "undo2"};
    for (size_t i = 0; i < 5; i++)
        rm(names[i]);
    rmdir(g_dir);
    return 0;
}

static const char *path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", g_dir, name);
    return buf;
}

/* A scratch image with a recognisable pattern. */
static void make_image(const char *path, uint8_t seed)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (uint32_t i = 0; i < IMG_SIZE; i++)
        fputc((int)((i * 31u + seed) & 0xff), f);
    fclose(f);
}

static void hash_file(const char *path, char out[65])
{
    assert_int_equal(lr_test_sha256_file(path, out), 0);
}

static lr_io_t *open_rw(const char *path)
{
    lr_io_t *io = NULL;
    lr_error_t err;
    assert_int_equal(lr_io_open_rw(&io, path, LR_IO_RDWR, &err), 0);
    return io;
}

static void test_sha256(void **state)
{
    (void)state;
    uint8_t d[LR_SHA256_LEN];
    char hex[65];
    lr_sha256("abc", 3, d);
    assert_string_equal(lr_sha256_hex(d, hex, sizeof(hex)),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    lr_sha256("", 0, d);
    assert_string_equal(lr_sha256_hex(d, hex, sizeof(hex)),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    lr_sha256(m, strlen(m), d);
    assert_string_equal(lr_sha256_hex(d, hex, sizeof(hex)),
                        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* Incremental, odd piece sizes, and one-shot, against the digest of
     * Python's hashlib for the same bytes. */
    static uint8_t buf[100000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    lr_sha256_t s;
    lr_sha256_init(&s);
    for (size_t off = 0, step = 1; off < sizeof(buf); off += step, step = step * 3 % 1000 + 1)
        lr_sha256_update(&s, buf + off, off + step > sizeof(buf) ? sizeof(buf) - off : step);
    lr_sha256_final(&s, d);
    const char *ref = "d96bab6a55ee326ba206dd4a85a6e95e14360d7fabbf448f03e689c24382b7d0";
    assert_string_equal(lr_sha256_hex(d, hex, sizeof(hex)), ref);
    lr_sha256(buf, sizeof(buf), d);
    assert_string_equal(lr_sha256_hex(d, hex, sizeof(hex)), ref);
}

/* Writes through an undo layer: overlapping, adjacent and repeated. */
static void write_some(lr_io_t *io, uint8_t v)
{
    lr_error_t err;
    uint8_t buf[3000];
    memset(buf, v, sizeof(buf));
    assert_int_equal(lr_io_pwrite(io, buf, 1000, 4096, &err), 0);
    assert_int_equal(lr_io_pwrite(io, buf, 3000, 4596, &err), 0); /* overlaps the first */
    assert_int_equal(lr_io_pwrite(io, buf, 512, 0, &err), 0);
    assert_int_equal(lr_io_sync(io, &err), 0);
    assert_int_equal(lr_io_pwrite(io, buf, 512, 0, &err), 0); /* same range again */
    assert_int_equal(lr_io_pwrite(io, buf, 100, IMG_SIZE - 100, &err), 0);
}

/* One finished run through the undo layer: write_some(v) on img. */
static void record_run(const char *img, const char *undo, uint8_t v)
{
    lr_undo_t *u = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_create(&u, undo, &err), 0);
    lr_io_t *io = NULL;
    assert_int_equal(lr_undo_wrap(u, open_rw(img), img, &io, &err), 0);
    write_some(io, v);
    assert_int_equal(lr_undo_finish(u, 0, &err), 0);
    lr_io_close(io, NULL);
    lr_undo_free(u);
}

static void apply(const char *undo, const char *const *imgs, size_t n, bool force, int expect)
{
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_int_equal(f->n_images, n);
    lr_io_t *ios[2] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(f->images[i].path, imgs[i]);
        ios[i] = open_rw(imgs[i]);
    }
    assert_int_equal(lr_undo_apply(f, ios, force, NULL, &err), expect);
    for (size_t i = 0; i < n; i++)
        lr_io_close(ios[i], NULL);
    lr_undo_file_free(f);
}

static void test_layer_roundtrip(void **state)
{
    (void)state;
    char a[256], b[256], undo[256], h0a[65], h0b[65], h1[65];
    make_image(path_of(a, sizeof(a), "a.img"), 1);
    make_image(path_of(b, sizeof(b), "b.img"), 2);
    hash_file(a, h0a);
    hash_file(b, h0b);
    lr_undo_t *u = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_create(&u, path_of(undo, sizeof(undo), "undo"), &err), 0);
    lr_io_t *ia = NULL, *ib = NULL;
    assert_int_equal(lr_undo_wrap(u, open_rw(a), a, &ia, &err), 0);
    assert_int_equal(lr_undo_wrap(u, open_rw(b), b, &ib, &err), 0);
    write_some(ia, 0xaa);
    write_some(ib, 0xbb);
    /* Reads see the written bytes. */
    uint8_t x = 0;
    assert_int_equal(lr_io_pread(ia, &x, 1, 4096, &err), 0);
    assert_int_equal(x, 0xaa);
    assert_int_equal(lr_undo_finish(u, 0, &err), 0);
    /* After finishing, no write may pass. */
    assert_int_equal(lr_io_pwrite(ia, &x, 1, 10, &err), LR_EREFUSED);
    lr_io_close(ia, NULL);
    lr_io_close(ib, NULL);
    lr_undo_free(u);

    lr_undo_file_t *f = NULL;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_true(f->finished);
    assert_false(f->truncated);
    assert_int_equal(f->status, 0);
    assert_int_equal(f->n_images, 2);
    assert_int_equal(f->images[0].size, IMG_SIZE);
    /* Per image: 4096+1000, 5096..7595 (the part of the second write not
     * saved yet), 0..511, the tail. */
    assert_int_equal(f->n_ranges, 8);
    assert_int_equal(f->ranges[0].offset, 4096);
    assert_int_equal(f->ranges[0].length, 1000);
    assert_int_equal(f->ranges[1].offset, 5096);
    assert_int_equal(f->ranges[1].length, 2500);
    for (size_t i = 0; i < f->n_ranges; i++)
        assert_true(f->ranges[i].has_after);
    lr_undo_file_free(f);
    const char *imgs[] = {a, b};
    apply(undo, imgs, 2, false, 0);
    hash_file(a, h1);
    assert_string_equal(h0a, h1);
    hash_file(b, h1);
    assert_string_equal(h0b, h1);
    /* Again: everything is original already; still fine. */
    apply(undo, imgs, 2, false, 0);
}

/* A crash: the file has no DONE record. Restores from the states. */
static void test_unfinished_file(void **state)
{
    (void)state;
    char a[256], undo[256], h0[65], h1[65];
    make_image(path_of(a, sizeof(a), "a.img"), 3);
    hash_file(a, h0);
    lr_undo_t *u = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_create(&u, path_of(undo, sizeof(undo), "undo"), &err), 0);
    lr_io_t *ia = NULL;
    assert_int_equal(lr_undo_wrap(u, open_rw(a), a, &ia, &err), 0);
    write_some(ia, 0xcc);
    lr_io_close(ia, NULL);
    lr_undo_free(u); /* no lr_undo_finish */

    lr_undo_file_t *f = NULL;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_false(f->finished);
    lr_io_t *io = open_rw(a);
    lr_undo_verdict_t v[8];
    assert_int_equal(lr_undo_check(f, &io, v, &err), 0);
    for (size_t i = 0; i < f->n_ranges; i++)
        assert_int_equal(v[i], LR_UNDO_AS_LEFT);
    lr_io_close(io, NULL);
    lr_undo_file_free(f);

    /* A torn tail (the last record half written) is tolerated. */
    struct stat st;
    assert_int_equal(stat(undo, &st), 0);
    assert_int_equal(truncate(undo, st.st_size - 5), 0);
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_true(f->truncated);
    lr_undo_file_free(f);
    /* The torn record was the last STATE of the last write; that write
     * "never happened" as far as the file knows, so the tail range now
     * looks changed: refused unless forced. */
    const char *imgs[] = {a};
    apply(undo, imgs, 1, false, LR_EREFUSED);
    apply(undo, imgs, 1, true, 0);
    hash_file(a, h1);
    assert_string_equal(h0, h1);
}

static void test_changed_image_refused(void **state)
{
    (void)state;
    char a[256], undo[256], h0[65], h1[65], h2[65];
    make_image(path_of(a, sizeof(a), "a.img"), 4);
    hash_file(a, h0);
    lr_error_t err;
    record_run(a, path_of(undo, sizeof(undo), "undo"), 0xdd);
    /* Someone writes into a saved range afterwards. */
    lr_io_t *io = open_rw(a);
    uint8_t z = 0x11;
    assert_int_equal(lr_io_pwrite(io, &z, 1, 5000, &err), 0);
    lr_io_close(io, NULL);
    hash_file(a, h1);
    const char *imgs[] = {a};
    apply(undo, imgs, 1, false, LR_EREFUSED);
    hash_file(a, h2);
    assert_string_equal(h1, h2); /* nothing written */
    apply(undo, imgs, 1, true, 0);
    hash_file(a, h2);
    assert_string_equal(h0, h2);

    /* A write outside every saved range is not the undo file's business. */
    io = open_rw(a);
    assert_int_equal(lr_io_pwrite(io, &z, 1, 100000, &err), 0);
    lr_io_close(io, NULL);
    apply(undo, imgs, 1, false, 0);

    /* An image of another size is refused. */
    lr_undo_file_t *f = NULL;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_int_equal(truncate(a, IMG_SIZE - 512), 0);
    io = open_rw(a);
    assert_int_equal(lr_undo_check(f, &io, NULL, &err), LR_ERANGE);
    lr_io_close(io, NULL);
    lr_undo_file_free(f);
}

/* The by-path entry points programs call: the review says what applying
 * would do (verdicts, same file), refuses changed ranges with
 * LR_HINT_FORCE, and lr_undo_apply_paths puts the bytes back through the
 * paths given in place of the recorded ones. */
static void test_review_and_apply_paths(void **state)
{
    (void)state;
    char a[256], moved[256], undo[256], h0[65], h1[65];
    make_image(path_of(a, sizeof(a), "a.img"), 6);
    hash_file(a, h0);
    lr_error_t err;
    record_run(a, path_of(undo, sizeof(undo), "undo"), 0xee);

    lr_undo_file_t *f = NULL;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    lr_undo_review_t *r = NULL;
    assert_int_equal(lr_undo_review(f, NULL, &r, &err), 0);
    assert_non_null(r);
    assert_true(r->same_file[0]);
    assert_int_equal(r->complete, 0);
    for (size_t i = 0; i < f->n_ranges; i++)
        assert_int_equal(r->verdicts[i], LR_UNDO_AS_LEFT);
    lr_undo_review_free(r);

    /* The image moves: the recorded path is gone, the given one is checked
     * by its bytes and is not "the same file" once copied. */
    path_of(moved, sizeof(moved), "moved.img");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && rm -f '%s'", a, moved, a);
    assert_int_equal(system(cmd), 0);
    const char *paths[] = {moved};
    assert_int_equal(lr_undo_review(f, NULL, &r, NULL), -ENOENT);
    assert_null(r);
    assert_int_equal(lr_undo_review(f, paths, &r, &err), 0);
    assert_false(r->same_file[0]);
    lr_undo_review_free(r);

    /* A changed range: refused with the hint, verdict CHANGED. */
    lr_io_t *io = open_rw(moved);
    uint8_t z = 0x11;
    assert_int_equal(lr_io_pwrite(io, &z, 1, 5000, &err), 0);
    lr_io_close(io, NULL);
    hash_file(moved, h1);
    lr_error_clear(&err);
    assert_int_equal(lr_undo_review(f, paths, &r, &err), LR_EREFUSED);
    assert_non_null(r);
    assert_true((err.hints & LR_HINT_FORCE) != 0);
    bool changed = false;
    for (size_t i = 0; i < f->n_ranges; i++)
        changed |= r->verdicts[i] == LR_UNDO_CHANGED;
    assert_true(changed);
    lr_undo_review_free(r);
    size_t n = 99;
    assert_int_equal(lr_undo_apply_paths(f, paths, false, &n, NULL), LR_EREFUSED);
    char h2[65];
    hash_file(moved, h2);
    assert_string_equal(h1, h2); /* nothing written */
    assert_int_equal(lr_undo_apply_paths(f, paths, true, &n, &err), 0);
    assert_int_equal(n, f->n_ranges);
    hash_file(moved, h2);
    assert_string_equal(h0, h2);
    lr_undo_file_free(f);
}

static void test_damaged_files(void **state)
{
    (void)state;
    char a[256], undo[256], other[256];
    make_image(path_of(a, sizeof(a), "a.img"), 5);
    lr_undo_t *u = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_create(&u, path_of(undo, sizeof(undo), "undo"), &err), 0);
    /* Never overwrites an existing file. */
    lr_undo_t *u2 = NULL;
    assert_int_equal(lr_undo_create(&u2, undo, &err), -EEXIST);
    lr_io_t *ia = NULL;
    assert_int_equal(lr_undo_wrap(u, open_rw(a), a, &ia, &err), 0);
    write_some(ia, 0xee);
    assert_int_equal(lr_undo_finish(u, 0, &err), 0);
    lr_io_close(ia, NULL);
    lr_undo_free(u);

    /* A flipped byte inside a middle record: an error, not a short file. */
    FILE *f = fopen(undo, "r+b");
    assert_non_null(f);
    fseek(f, LR_UNDO_HEADER_SIZE + 120, SEEK_SET);
    int c = fgetc(f);
    fseek(f, LR_UNDO_HEADER_SIZE + 120, SEEK_SET);
    fputc(c ^ 0x40, f);
    fclose(f);
    lr_undo_file_t *uf = NULL;
    int rc = lr_undo_read(undo, &uf, &err);
    assert_true(rc == LR_ECHECKSUM || rc == LR_EFORMAT);
    assert_null(uf);

    /* Not an undo file at all. */
    path_of(other, sizeof(other), "undo2");
    f = fopen(other, "wb");
    assert_non_null(f);
    fputs("hello, this is not an undo file but long enough to have a header......", f);
    fclose(f);
    assert_int_equal(lr_undo_read(other, &uf, &err), LR_EFORMAT);
    assert_int_equal(lr_undo_read("/nonexistent/undo", &uf, &err), -ENOENT);
}

/* The layer refuses read-only handles and stops all writes once the
 * journal failed. */
static void test_layer_refusals(void **state)
{
    (void)state;
    char a[256], undo[256], h0[65], h1[65];
    make_image(path_of(a, sizeof(a), "a.img"), 6);
    hash_file(a, h0);
    lr_undo_t *u = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_create(&u, path_of(undo, sizeof(undo), "undo"), &err), 0);
    lr_io_t *ro = NULL, *top = NULL;
    assert_int_equal(lr_io_open(&ro, a, &err), 0);
    assert_int_equal(lr_undo_wrap(u, ro, a, &top, &err), LR_EREADONLY);
    lr_io_close(ro, NULL);
    assert_int_equal(lr_undo_wrap(u, open_rw(a), a, &top, &err), 0);
    /* A write past the end fails in the io layer, before the journal. */
    uint8_t buf[16] = {0};
    assert_int_equal(lr_io_pwrite(top, buf, 16, IMG_SIZE - 8, &err), LR_ERANGE);
    assert_int_equal(lr_undo_n_ranges(u), 0);
    lr_io_close(top, NULL);
    lr_undo_free(u);
    hash_file(a, h1);
    assert_string_equal(h0, h1);
}

/* ---- planned runs --------------------------------------------------------------- */

#define PLAN_N 3

/* Three writes planned on one image: two adjacent ranges and one far away. */
static void plan_of(const char *img, lr_undo_planned_t pl[PLAN_N], uint8_t *news[PLAN_N])
{
    static const uint64_t off[PLAN_N] = {8192, 8192 + 1024, 65536};
    static const uint64_t len[PLAN_N] = {1024, 512, 700};
    lr_io_t *io = NULL;
    lr_error_t err;
    assert_int_equal(lr_io_open(&io, img, &err), 0);
    for (int i = 0; i < PLAN_N; i++) {
        uint8_t *old = malloc(len[i]);
        news[i] = malloc(len[i]);
        assert_non_null(old);
        assert_non_null(news[i]);
        assert_int_equal(lr_io_pread(io, old, len[i], off[i], &err), 0);
        memset(news[i], 0x40 + i, len[i]);
        pl[i] = (lr_undo_planned_t){.image = 0, .offset = off[i], .length = len[i]};
        pl[i].before.crc = lr_crc(LR_CRC_INITIAL, old, len[i]);
        lr_sha256(old, len[i], pl[i].before.sha);
        pl[i].after.crc = lr_crc(LR_CRC_INITIAL, news[i], len[i]);
        lr_sha256(news[i], len[i], pl[i].after.sha);
        free(old);
    }
    lr_io_close(io, NULL);
}

/* Runs the plan's first n_writes writes through the layer; finishes the
 * file only when asked (else: a crash after those writes). */
static void planned_run(const char *img, const char *undo, size_t n_writes, bool finish)
{
    lr_undo_planned_t pl[PLAN_N];
    uint8_t *news[PLAN_N];
    plan_of(img, pl, news);
    lr_undo_t *u = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_create_planned(&u, undo, pl, PLAN_N, &err), 0);
    lr_io_t *io = NULL;
    assert_int_equal(lr_undo_wrap(u, open_rw(img), img, &io, &err), 0);
    /* Nothing outside the plan passes, not even inside the image. */
    static const uint8_t junk[4096] = {1};
    assert_int_equal(lr_io_pwrite(io, junk, 1, 100, &err), LR_EREFUSED);
    assert_int_equal(lr_io_pwrite(io, junk, 1024 + 1, 8192, &err), LR_EREFUSED);   /* spills over */
    assert_int_equal(lr_io_pwrite(io, junk, 1024 + 512, 8192, &err), LR_EREFUSED); /* two ranges */
    for (size_t i = 0; i < n_writes; i++)
        assert_int_equal(lr_io_pwrite(io, news[i], (size_t)pl[i].length, pl[i].offset, &err), 0);
    if (finish)
        assert_int_equal(lr_undo_finish(u, 0, &err), 0);
    lr_io_close(io, NULL);
    lr_undo_free(u);
    for (int i = 0; i < PLAN_N; i++)
        free(news[i]);
}

/* Reads undo (as it is) and applies it to img: returns the apply status
 * (or the read error); *saved / *unsaved report what the file holds. */
static int try_apply(const char *undo, const char *img, bool force, size_t *saved, size_t *unsaved)
{
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    int rc = lr_undo_read(undo, &f, &err);
    if (rc)
        return rc;
    *saved = f->n_ranges;
    *unsaved = 0;
    lr_io_t *ios[1] = {open_rw(img)};
    int crc = lr_undo_check_complete(f, f->n_images ? ios : NULL, unsaved, &err);
    rc = lr_undo_apply(f, f->n_images ? ios : NULL, force, NULL, &err);
    /* The apply refuses exactly what the completeness check refuses. */
    if (crc)
        assert_int_equal(rc, crc);
    lr_io_close(ios[0], NULL);
    lr_undo_file_free(f);
    return rc;
}

/* Writes len bytes of data to path. */
static void put_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* The undo file of a run cut to every length in (to, from], applied
 * (plain, then forced) to the image as the run left it (`left`, ilen
 * bytes): each apply either puts back exactly `orig` or is refused and
 * writes nothing. Counts the cuts that applied with `saved` ranges. */
static void cut_and_apply(const char *img, const char *undo, const char *orig, const char *left,
                          size_t ilen, size_t from, size_t to, size_t *applied, size_t *refused,
                          size_t *min_saved)
{
    char cut[256];
    path_of(cut, sizeof(cut), "undo2");
    size_t ulen = 0;
    char *file = lr_test_slurp(undo, &ulen);
    assert_non_null(file);
    assert_true(from <= ulen);
    *applied = *refused = 0;
    *min_saved = SIZE_MAX;
    for (size_t len = from; len > to; len--) {
        put_file(cut, file, len);
        for (int force = 0; force < 2; force++) {
            size_t saved = 0, unsaved = 0;
            int rc = try_apply(cut, img, force, &saved, &unsaved);
            size_t n = 0;
            char *now = lr_test_slurp(img, &n);
            assert_non_null(now);
            assert_int_equal(n, ilen);
            if (rc == 0) {
                if (memcmp(now, orig, ilen) != 0)
                    fail_msg("the file cut to %zu of %zu bytes (%s) applied %zu range(s) but "
                             "the image is not the original",
                             len, ulen, force ? "forced" : "not forced", saved);
                (*applied)++;
                if (saved < *min_saved)
                    *min_saved = saved;
                put_file(img, left, ilen); /* as the run left it, for the next cut */
            } else {
                if (memcmp(now, left, ilen) != 0)
                    fail_msg("a refused apply (file cut to %zu bytes, rc %d) wrote", len, rc);
                (*refused)++;
            }
            free(now);
        }
    }
    unlink(cut);
    free(file);
}

/* A finished run's file cut at every length: it puts every byte back, or
 * is refused (forced or not) without writing. Before the plan was recorded
 * a file cut before its SAVE records applied "0 ranges" and left the
 * run's writes in place. */
static void test_planned_file_cut_anywhere(void **state)
{
    (void)state;
    char a[256], undo[256];
    make_image(path_of(a, sizeof(a), "a.img"), 7);
    size_t ilen = 0;
    char *orig = lr_test_slurp(a, &ilen);
    path_of(undo, sizeof(undo), "undo");
    planned_run(a, undo, PLAN_N, true);
    char *left = lr_test_slurp(a, NULL);
    assert_non_null(orig);
    assert_non_null(left);
    assert_memory_not_equal(orig, left, ilen);
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_read(undo, &f, &err), 0);
    assert_int_equal(f->version, 2);
    assert_int_equal(f->n_planned, PLAN_N);
    assert_true(f->has_plan);
    assert_int_equal(f->n_ranges, PLAN_N);
    assert_true(f->finished);
    lr_undo_file_free(f);
    struct stat st;
    assert_int_equal(stat(undo, &st), 0);
    size_t applied, refused, min_saved;
    cut_and_apply(a, undo, orig, left, ilen, (size_t)st.st_size - 1, 0, &applied, &refused,
                  &min_saved);
    /* Cuts before the last SAVE record are refused; cuts in the tail
     * (STATE / DONE records) still hold every saved range. */
    assert_true(refused > 0);
    assert_true(applied > 0);
    assert_int_equal(min_saved, PLAN_N);
    /* The whole file puts every byte back. */
    size_t saved = 0, unsaved = 0;
    assert_int_equal(try_apply(undo, a, false, &saved, &unsaved), 0);
    assert_int_equal(saved, PLAN_N);
    assert_int_equal(unsaved, 0);
    char *now = lr_test_slurp(a, NULL);
    assert_memory_equal(now, orig, ilen);
    free(now);
    free(orig);
    free(left);
}

/* A crash after the first of three planned writes (no DONE record): the
 * file, and every cut of it, either puts back the original image (from the
 * one saved range: the other two planned ranges still hold their original
 * bytes: "1 of 3 saved") or is refused without writing. A crash before any
 * write leaves nothing to put back. */
static void test_planned_crash(void **state)
{
    (void)state;
    char a[256], undo[256];
    make_image(path_of(a, sizeof(a), "a.img"), 8);
    size_t ilen = 0;
    char *orig = lr_test_slurp(a, &ilen);
    path_of(undo, sizeof(undo), "undo");
    planned_run(a, undo, 1, false);
    char *left = lr_test_slurp(a, NULL);
    assert_non_null(orig);
    assert_non_null(left);
    size_t saved = 0, unsaved = 0;
    assert_int_equal(try_apply(undo, a, false, &saved, &unsaved), 0);
    assert_int_equal(saved, 1);
    assert_int_equal(unsaved, PLAN_N - 1);
    char *now = lr_test_slurp(a, NULL);
    assert_memory_equal(now, orig, ilen);
    free(now);
    put_file(a, left, ilen);
    struct stat st;
    assert_int_equal(stat(undo, &st), 0);
    size_t applied, refused, min_saved;
    cut_and_apply(a, undo, orig, left, ilen, (size_t)st.st_size, 0, &applied, &refused, &min_saved);
    assert_true(applied > 0);
    assert_true(refused > 0);
    assert_int_equal(min_saved, 1);
    free(left);

    /* A crash before any write: nothing saved, nothing to put back. */
    unlink(undo);
    put_file(a, orig, ilen);
    planned_run(a, undo, 0, false);
    saved = 9;
    assert_int_equal(try_apply(undo, a, false, &saved, &unsaved), 0);
    assert_int_equal(saved, 0);
    assert_int_equal(unsaved, PLAN_N);
    now = lr_test_slurp(a, NULL);
    assert_memory_equal(now, orig, ilen);
    free(now);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test_setup(test_layer_roundtrip, clean),
        cmocka_unit_test_setup(test_unfinished_file, clean),
        cmocka_unit_test_setup(test_changed_image_refused, clean),
        cmocka_unit_test_setup(test_review_and_apply_paths, clean),
        cmocka_unit_test_setup(test_damaged_files, clean),
        cmocka_unit_test_setup(test_layer_refusals, clean),
        cmocka_unit_test_setup(test_planned_file_cut_anywhere, clean),
        cmocka_unit_test_setup(test_planned_crash, clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
