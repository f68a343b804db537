/* The streaming loop (scan/src/stream.c): signatures planted across every
 * boundary of the read buffers (and of their 4 KiB overlap) are all found,
 * for raw files and lazily decompressed gzip images, at several buffer
 * sizes; an image that shrinks while it is scanned, or whose read fails in
 * the middle, ends with a clear error of its own while the other images are
 * scanned whole; the same across every boundary of the units worker
 * threads cut a file into, with any number of workers. The label, mda header and metadata text
 * planted are the real LVM2 ones of fixtures/history. */
#include "bin_support.h"
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "lr/io.h"
#include "lr/scan.h"

#define SECTOR 512u
#define TAIL 4096u               /* the buffers' overlap (SC_TAIL) */
#define DIRECT_BUFFER (4u << 20) /* a block device's buffers (SC_DIRECT_BUFFER) */

typedef struct sigs {
    uint8_t label[SECTOR]; /* LVM2's label sector (sector 1 of the PV) */
    uint8_t hdr[SECTOR];   /* its mda header (at 4096) */
    char *text;            /* its committed metadata copy, NUL included */
    size_t text_len;
} sigs_t;

static sigs_t S;

static int setup(void **state)
{
    (void)state;
    lr_io_t *io = lr_test_open_fixture("history", "disk.img");
    assert_int_equal(lr_io_pread(io, S.label, SECTOR, 512, NULL), 0);
    assert_int_equal(lr_io_pread(io, S.hdr, SECTOR, 4096, NULL), 0);
    assert_memory_equal(S.label, "LABELONE", 8);
    lr_scan_session_t *ss = NULL;
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &ss, NULL), 0);
    const lr_scan_t *s = lr_scan_result(ss);
    for (size_t i = 0; i < s->n_copies && !S.text; i++) {
        if (!s->copies[i].committed)
            continue;
        uint64_t len = 0;
        assert_int_equal(lr_scan_copy_text(ss, i, &S.text, &len, NULL), 0);
        S.text_len = (size_t)len;
    }
    assert_non_null(S.text);
    lr_scan_session_free(ss);
    lr_io_close(io, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(S.text);
    return 0;
}

static char *temp_file(const char *tag)
{
    char *p = malloc(256);
    assert_non_null(p);
    snprintf(p, 256, "%s/lr-stream-%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static void write_file(const char *path, const uint8_t *buf, size_t len, bool gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb1");
        assert_non_null(f);
        for (size_t off = 0; off < len; off += 1u << 20) {
            unsigned n = (unsigned)(len - off < (1u << 20) ? len - off : (1u << 20));
            assert_int_equal(gzwrite(f, buf + off, n), (int)n);
        }
        assert_int_equal(gzclose(f), Z_OK);
        return;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* What was planted where. */
typedef struct plan {
    uint64_t labels[64], hdrs[64], texts[64];
    size_t n_labels, n_hdrs, n_texts;
} plan_t;

/* Plants at boundaries of bsize-byte buffers, every step buffers: the last
 * sector before the boundary, the first after it, and the last sector before the end of the
 * overlap, one kind per boundary in turn (boundaries far enough apart that
 * the 1020 KiB areas the headers describe never reach the next item); the
 * last sector of the image is a label too. Returns the image size. */
static size_t plant_every(uint8_t **out, size_t bsize, size_t step, plan_t *pl)
{
    const uint64_t where[3] = {0 - (uint64_t)SECTOR, 0, TAIL - SECTOR}; /* from the boundary */
    size_t n_items = 9;
    /* room for the PV the labels describe (32 MiB) after the first ones, and
     * not a whole number of buffers */
    size_t size = (n_items + 1) * step * bsize + (32u << 20) + 7 * SECTOR;
    uint8_t *img = calloc(1, size);
    assert_non_null(img);
    memset(pl, 0, sizeof(*pl));
    for (size_t i = 0; i < n_items; i++) {
        uint64_t off = (i + 1) * step * bsize + where[i % 3];
        switch (i / 3) {
        case 0:
            memcpy(img + off, S.label, SECTOR);
            pl->labels[pl->n_labels++] = off;
            break;
        case 1:
            memcpy(img + off, S.hdr, SECTOR);
            pl->hdrs[pl->n_hdrs++] = off;
            break;
        default:
            memcpy(img + off, S.text, S.text_len);
            pl->texts[pl->n_texts++] = off;
            break;
        }
    }
    memcpy(img + size - SECTOR, S.label, SECTOR);
    pl->labels[pl->n_labels++] = size - SECTOR;
    *out = img;
    return size;
}

static size_t plant(uint8_t **out, size_t bsize, plan_t *pl)
{
    size_t step = (((1u << 20) + TAIL) + bsize - 1) / bsize; /* buffers between items */
    return plant_every(out, bsize, step, pl);
}

static void check_found(const lr_scan_t *s, const plan_t *pl, size_t size, const char *what)
{
    assert_int_equal(s->n_images, 1);
    assert_int_equal(s->images[0].error, 0);
    assert_int_equal(s->images[0].size, size);
    assert_int_equal(s->images[0].scanned, size);
    if (s->n_labels != pl->n_labels)
        fail_msg("%s: %zu labels found, %zu planted", what, s->n_labels, pl->n_labels);
    for (size_t i = 0; i < pl->n_labels; i++) {
        if (s->labels[i].offset != pl->labels[i])
            fail_msg("%s: label %zu at %llu, planted at %llu", what, i,
                     (unsigned long long)s->labels[i].offset, (unsigned long long)pl->labels[i]);
        /* validated against the bytes after it once the size was known:
         * the 32 MiB PV it describes fits after the first ones only */
        bool fits = size - s->labels[i].pv_start >= (32u << 20);
        if (s->labels[i].valid != fits)
            fail_msg("%s: label at %llu valid=%d", what, (unsigned long long)pl->labels[i],
                     s->labels[i].valid);
    }
    for (size_t i = 0; i < pl->n_hdrs; i++) {
        int a = lr_scan_find_area(s, 0, pl->hdrs[i]);
        if (a < 0 || !(s->areas[a].source & LR_SCAN_SRC_MAGIC))
            fail_msg("%s: mda header planted at %llu not found", what,
                     (unsigned long long)pl->hdrs[i]);
    }
    for (size_t i = 0; i < pl->n_texts; i++) {
        bool hit = false;
        for (size_t k = 0; k < s->n_copies; k++)
            hit |= s->copies[k].offset == pl->texts[i] &&
                   (s->copies[k].source & LR_SCAN_COPY_SIGNATURE) &&
                   s->copies[k].length == S.text_len;
        if (!hit)
            fail_msg("%s: metadata copy planted at %llu not found whole", what,
                     (unsigned long long)pl->texts[i]);
    }
}

/* lr_scan_paths of one file with options o; fails the test on an error. */
static lr_scan_session_t *scan_one(const char *path, const lr_scan_opts_t *o)
{
    lr_scan_session_t *ss = NULL;
    lr_error_t err;
    const char *pp[] = {path};
    if (lr_scan_paths(pp, 1, o, &ss, &err) != 0)
        fail_msg("scan failed: %s", err.msg);
    return ss;
}

static void test_every_boundary(void **state)
{
    (void)state;
    /* 64 KiB: many boundaries; 1 MiB: the default; 2 MiB + 4 KiB: a gzip
     * stream re-reads the overlap from an access point (more than the
     * 2 MiB history behind it); 4 MiB: a block device's (test_device) */
    static const size_t sizes[] = {64u << 10, 1u << 20, (2u << 20) + 4096, DIRECT_BUFFER};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int gz = 0; gz <= 1; gz++) {
            uint8_t *img = NULL;
            plan_t pl;
            size_t size = plant(&img, sizes[i], &pl);
            char *path = temp_file(gz ? "gz" : "raw");
            write_file(path, img, size, gz);
            free(img);
            lr_scan_opts_t o = {.buffer_size = sizes[i], .flags = LR_SCAN_NO_INFER};
            lr_scan_session_t *ss = scan_one(path, &o);
            char what[64];
            snprintf(what, sizeof(what), "%s, %zu-byte buffers", gz ? "gzip" : "raw", sizes[i]);
            check_found(lr_scan_result(ss), &pl, size, what);
            assert_int_equal(lr_scan_result(ss)->images[0].gzip, gz);
            lr_scan_session_free(ss);
            unlink(path);
            free(path);
        }
    }
}

/* Worker threads cut a regular raw file into units of 64 buffers
 * (scan/src/workers.c): signatures planted across every unit boundary are
 * found with 2 and 3 workers as with one, and the results are the same. */
static void test_every_unit_boundary(void **state)
{
    (void)state;
    static const size_t sizes[] = {64u << 10, 128u << 10};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *img = NULL;
        plan_t pl;
        size_t size = plant_every(&img, sizes[i], 64, &pl);
        char *path = temp_file("units");
        write_file(path, img, size, false);
        free(img);
        lr_scan_session_t *one = NULL;
        for (unsigned jobs = 1; jobs <= 3; jobs++) {
            lr_scan_opts_t o = {.buffer_size = sizes[i], .flags = LR_SCAN_NO_INFER, .jobs = jobs};
            lr_scan_session_t *ss = scan_one(path, &o);
            char what[64];
            snprintf(what, sizeof(what), "%u workers, %zu-byte buffers", jobs, sizes[i]);
            const lr_scan_t *s = lr_scan_result(ss);
            check_found(s, &pl, size, what);
            if (jobs == 1) {
                one = ss;
                continue;
            }
            const lr_scan_t *r = lr_scan_result(one);
            assert_int_equal(s->n_labels, r->n_labels);
            assert_int_equal(s->n_areas, r->n_areas);
            assert_int_equal(s->n_copies, r->n_copies);
            for (size_t k = 0; k < s->n_copies; k++) {
                assert_int_equal(s->copies[k].offset, r->copies[k].offset);
                assert_int_equal(s->copies[k].length, r->copies[k].length);
            }
            for (size_t k = 0; k < s->n_areas; k++)
                assert_int_equal(s->areas[k].offset, r->areas[k].offset);
            lr_scan_session_free(ss);
        }
        lr_scan_session_free(one);
        unlink(path);
        free(path);
    }
}

/* ---- an image that fails while it is scanned ------------------------------ */

/* A layer whose reads fail with -EIO once they reach `bad`. */
typedef struct bad_io {
    lr_io_t *lower;
    uint64_t bad;
} bad_io_t;

static int bad_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    bad_io_t *b = ctx;
    if (off + len > b->bad)
        return lr_error_set(err, -EIO, b->bad, "read failed: Input/output error");
    return lr_io_pread(b->lower, buf, len, off, err);
}

static int bad_close(void *ctx, lr_error_t *err)
{
    bad_io_t *b = ctx;
    int rc = lr_io_close(b->lower, err);
    free(b);
    return rc;
}

static const lr_io_ops_t bad_ops = {.name = "bad", .pread = bad_pread, .close = bad_close};

static lr_io_t *bad_io(lr_io_t *lower, uint64_t bad)
{
    bad_io_t *b = malloc(sizeof(*b));
    assert_non_null(b);
    b->lower = lower;
    b->bad = bad;
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_new(&io, &bad_ops, b, lr_io_size(lower), "bad-disk.img", NULL), 0);
    return io;
}

/* The failing image (first) ends at the last whole buffer before the
 * failure, with its error; the good one after it is scanned whole. */
static void check_failed(lr_io_t *failing, const char *name, uint64_t scanned, int code,
                         const char *word)
{
    lr_io_t *ios[2] = {failing, lr_test_open_fixture("history", "disk.img")};
    lr_scan_opts_t keep = {.flags = LR_SCAN_KEEP_GOING};
    lr_scan_session_t *ss = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_ios(ios, 2, &keep, &ss, &err), 0);
    const lr_scan_t *s = lr_scan_result(ss);
    const lr_scan_image_t *im = &s->images[0];
    assert_int_equal(s->n_failed, 1);
    assert_int_equal(im->error, code);
    assert_true(im->truncated);
    assert_int_equal(im->scanned, scanned);
    if (!strstr(im->error_msg, name) || !strstr(im->error_msg, word))
        fail_msg("error of the failing image does not say what and where: %s", im->error_msg);
    assert_int_equal(s->images[1].error, 0);
    assert_int_equal(s->images[1].scanned, 32u << 20);
    /* the label before the failure, then the good image's */
    assert_int_equal(s->n_labels, 2);
    assert_int_equal(s->labels[0].image, 0);
    assert_int_equal(s->labels[1].image, 1);
    assert_int_equal(s->n_vgs, 1);
    assert_int_equal(s->vgs[0].versions[s->vgs[0].latest].seqno, 16);
    lr_scan_session_free(ss);
    lr_io_close(ios[0], NULL); /* lr_scan_ios leaves the handles to the caller */
    lr_io_close(ios[1], NULL);
}

/* size bytes of zeros with the label at sector 3. */
static uint8_t *labelled_image(size_t size)
{
    uint8_t *img = calloc(1, size);
    assert_non_null(img);
    memcpy(img + 3 * SECTOR, S.label, SECTOR);
    return img;
}

static void test_read_error_midway(void **state)
{
    (void)state;
    size_t size = 8u << 20;
    uint8_t *img = labelled_image(size);
    lr_io_t *mem = lr_test_buf_io(img, size, false);
    /* the failure at 5 MiB + 100: buffers of 1 MiB (+4 KiB) up to 4 MiB pass */
    check_failed(bad_io(mem, (5u << 20) + 100), "bad-disk.img", 4u << 20, -EIO, "read failed");
    /* without LR_SCAN_KEEP_GOING the scan fails with it, naming the image */
    lr_io_t *io = bad_io(lr_test_buf_io(img, size, false), (5u << 20) + 100);
    lr_scan_session_t *ss = NULL;
    lr_error_t err;
    assert_int_equal(lr_scan_ios(&io, 1, NULL, &ss, &err), -EIO);
    assert_null(ss);
    assert_string_equal(err.where, "bad-disk.img");
    lr_io_close(io, NULL);
    free(img);
}

static void test_file_shrinks(void **state)
{
    (void)state;
    size_t size = 8u << 20;
    uint8_t *img = labelled_image(size);
    char *path = temp_file("shrink");
    write_file(path, img, size, false);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open(&io, path, NULL), 0);
    assert_int_equal(truncate(path, (3u << 20) + 1000), 0); /* after the open */
    check_failed(io, path, 2u << 20, -EIO, "unexpected end of file");
    unlink(path);
    free(path);
    free(img);
}

/* The progress callback truncates the first image the first time it is
 * called for it: before the first unit was merged, so with at most 3
 * workers no unit past 12 MiB was read yet. */
typedef struct shrink_at {
    const char *path;
    off_t to;
    bool done;
} shrink_at_t;

static int shrink_now(void *arg, const lr_scan_progress_t *p)
{
    shrink_at_t *sh = arg;
    if (!sh->done && p->image == 0) {
        assert_int_equal(truncate(sh->path, sh->to), 0);
        sh->done = true;
    }
    return 0;
}

/* A regular file cut into units shrinks while workers scan it: whatever
 * the number of workers, it ends at the last whole buffer before its new
 * end with an error naming it, and the image after it is scanned whole. */
static void test_file_shrinks_workers(void **state)
{
    (void)state;
    size_t bsize = 64u << 10; /* units of 4 MiB */
    for (unsigned jobs = 1; jobs <= 3; jobs++) {
        char *path = temp_file("wshrink");
        char *good = temp_file("wgood");
        uint8_t *img = labelled_image(32u << 20);
        write_file(path, img, 32u << 20, false);
        write_file(good, img, 8u << 20, false);
        free(img);
        shrink_at_t sh = {.path = path, .to = (14 << 20) + 1000};
        lr_scan_opts_t o = {.buffer_size = bsize,
                            .flags = LR_SCAN_KEEP_GOING | LR_SCAN_NO_INFER,
                            .progress = shrink_now,
                            .progress_arg = &sh,
                            .progress_interval = bsize,
                            .jobs = jobs};
        lr_scan_session_t *ss = NULL;
        const char *pp[] = {path, good};
        assert_int_equal(lr_scan_paths(pp, 2, &o, &ss, NULL), 0);
        const lr_scan_t *s = lr_scan_result(ss);
        const lr_scan_image_t *im = &s->images[0];
        assert_true(sh.done);
        assert_int_equal(s->n_failed, 1);
        assert_int_equal(im->error, -EIO);
        assert_true(im->truncated);
        /* the read of the buffer at 14 MiB - 64 KiB (+ 4 KiB overlap) fails */
        if (im->scanned != (14u << 20) - bsize)
            fail_msg("%u workers: scanned %llu", jobs, (unsigned long long)im->scanned);
        if (!strstr(im->error_msg, path) || !strstr(im->error_msg, "unexpected end of file"))
            fail_msg("error of the shrunk image does not say what and where: %s", im->error_msg);
        assert_int_equal(s->images[1].error, 0);
        assert_int_equal(s->images[1].scanned, 8u << 20);
        assert_int_equal(s->n_labels, 2);
        assert_int_equal(s->labels[1].image, 1);
        lr_scan_session_free(ss);
        unlink(path);
        unlink(good);
        free(path);
        free(good);
    }
}

/* ---- a block device ------------------------------------------------------ */

/* Attaches path to a free loop device read-only; NULL when that cannot be
 * done (not root, no loop device). The device is detached at once but held
 * open (*hold): the kernel detaches it when that is closed, which the end
 * of the test process does too, even when a check fails. */
static char *loop_attach(const char *path, int *hold)
{
    if (geteuid() != 0)
        return NULL;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "losetup -f --show -r '%s' 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    char *dev = calloc(1, 64);
    assert_non_null(dev);
    bool ok = fgets(dev, 64, f) != NULL;
    if (pclose(f) != 0 || !ok || strncmp(dev, "/dev/loop", 9) != 0) {
        free(dev);
        return NULL;
    }
    dev[strcspn(dev, "\n")] = '\0';
    *hold = open(dev, O_RDONLY | O_CLOEXEC);
    snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
    if (*hold < 0 || system(cmd) != 0) {
        if (*hold >= 0)
            close(*hold);
        snprintf(cmd, sizeof(cmd), "losetup -d %s 2>/dev/null", dev);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot detach %s\n", dev);
        free(dev);
        return NULL;
    }
    return dev;
}

/* A block device is read with O_DIRECT in larger buffers (SC_DIRECT_BUFFER,
 * scan/src/stream.c): signatures planted across every boundary of those
 * and of their overlap are all found on a read-only loop device, alone and
 * in one scan with a file streamed in 1 MiB buffers through the same ring
 * (root only: SKIPPED otherwise). */
static void test_device(void **state)
{
    (void)state;
    plan_t pl, fpl;
    uint8_t *img = NULL;
    size_t size = plant(&img, DIRECT_BUFFER, &pl);
    char *path = temp_file("dev");
    write_file(path, img, size, false);
    free(img);
    int hold = -1;
    char *dev = loop_attach(path, &hold);
    unlink(path); /* the loop device holds it */
    if (!dev) {
        free(path);
        printf("SKIPPED test_device: needs root and a free loop device\n");
        skip();
    }
    lr_scan_opts_t o = {.flags = LR_SCAN_NO_INFER};
    lr_scan_session_t *ss = scan_one(dev, &o);
    check_found(lr_scan_result(ss), &pl, size, "loop device, direct buffers");
    lr_scan_session_free(ss);

    /* the device's keeps are read-ahead requests into the page cache,
     * within LR_IO_PREFETCH_MAX per handle */
    lr_io_t *io = NULL;
    lr_io_open_opts_t io_o = {.flags = LR_IO_DIRECT};
    assert_int_equal(lr_io_open_opts(&io, dev, &io_o, NULL), 0);
    assert_true(lr_io_direct(io));
    assert_int_equal(lr_io_keep(io, 0, 0), 1);
    assert_int_equal(lr_io_keep(io, 4096, 4096), 1);
    assert_int_equal(lr_io_keep(io, 0, LR_IO_PREFETCH_MAX), 0); /* past what is left */
    assert_int_equal(lr_io_keep(io, 0, LR_IO_PREFETCH_MAX - 4096), 1);
    assert_int_equal(lr_io_keep(io, 0, 0), 0); /* spent */
    assert_int_equal(lr_io_keep(io, 0, 512), 0);
    assert_int_equal(lr_io_close(io, NULL), 0);

    size_t fsize = plant(&img, 1u << 20, &fpl);
    char *file = temp_file("devfile");
    write_file(file, img, fsize, false);
    free(img);
    const char *pp[] = {dev, file};
    lr_error_t err;
    if (lr_scan_paths(pp, 2, &o, &ss, &err) != 0)
        fail_msg("scan failed: %s", err.msg);
    const lr_scan_t *s = lr_scan_result(ss);
    assert_int_equal(s->n_labels, pl.n_labels + fpl.n_labels);
    for (size_t i = 0; i < s->n_labels; i++) {
        bool dv = i < pl.n_labels;
        assert_int_equal(s->labels[i].image, dv ? 0 : 1);
        assert_int_equal(s->labels[i].offset, dv ? pl.labels[i] : fpl.labels[i - pl.n_labels]);
    }
    assert_int_equal(s->images[0].scanned, size);
    assert_int_equal(s->images[1].scanned, fsize);
    lr_scan_session_free(ss);
    close(hold); /* the device goes away */
    free(dev);
    unlink(file);
    free(path);
    free(file);
}

/* ---- stopping in the middle ----------------------------------------------- */

/* A file (gzip'd or not) planted at boundaries of 64 KiB buffers, every
 * step buffers (0: plant()'s spacing); the caller unlinks and frees it. */
static char *planted_file(const char *tag, size_t step, bool gz, plan_t *pl, size_t *size)
{
    uint8_t *img = NULL;
    *size = step ? plant_every(&img, 64u << 10, step, pl) : plant(&img, 64u << 10, pl);
    char *path = temp_file(tag);
    write_file(path, img, *size, gz);
    free(img);
    return path;
}

static int stop_after(void *arg, const lr_scan_progress_t *p)
{
    int *calls = arg;
    assert_true(p->bytes_done <= p->bytes_total);
    assert_true(p->image_done <= p->image_total);
    return ++*calls >= 3;
}

/* The progress callback stops the scan of a lazily opened gzip image while
 * the reader thread is ahead: the call returns (the thread joined) with the
 * result of what was scanned; the label before the stop is settled, and the
 * image's size is what was decompressed so far. */
static void test_stop_midway_gz(void **state)
{
    (void)state;
    plan_t pl;
    size_t size = 0;
    char *path = planted_file("stop", 0, true, &pl, &size);
    int calls = 0;
    lr_scan_opts_t o = {.buffer_size = 64u << 10,
                        .progress = stop_after,
                        .progress_arg = &calls,
                        .progress_interval = 1u << 20};
    lr_scan_session_t *ss = NULL;
    const char *pp[] = {path};
    assert_int_equal(lr_scan_paths(pp, 1, &o, &ss, NULL), 0);
    const lr_scan_t *s = lr_scan_result(ss);
    assert_true(s->interrupted);
    assert_int_equal(calls, 3);
    const lr_scan_image_t *im = &s->images[0];
    assert_int_equal(im->error, 0);
    assert_true(im->scanned >= (3u << 20) && im->scanned < size);
    assert_true(im->size >= im->scanned && im->size < size);
    /* the labels planted before the stop (two of them), validated all the same */
    size_t before = 0;
    while (before < pl.n_labels && pl.labels[before] < im->scanned)
        before++;
    assert_true(before >= 2);
    assert_int_equal(s->n_labels, before);
    for (size_t i = 0; i < s->n_labels; i++) {
        assert_int_equal(s->labels[i].offset, pl.labels[i]);
        assert_false(s->labels[i].valid); /* the size known so far is too small for the PV */
    }
    lr_scan_session_free(ss);
    unlink(path);
    free(path);
}

/* The progress callback stops a scan by workers of a file cut into units:
 * the call returns (the workers joined, what they had not merged freed)
 * with what was merged, in order. */
static void test_stop_midway_workers(void **state)
{
    (void)state;
    plan_t pl;
    size_t size = 0;
    char *path = planted_file("wstop", 64, false, &pl, &size); /* units of 4 MiB */
    int calls = 0;
    lr_scan_opts_t o = {.buffer_size = 64u << 10,
                        .flags = LR_SCAN_NO_INFER,
                        .progress = stop_after,
                        .progress_arg = &calls,
                        .progress_interval = 1u << 20,
                        .jobs = 2};
    lr_scan_session_t *ss = scan_one(path, &o);
    const lr_scan_t *s = lr_scan_result(ss);
    assert_true(s->interrupted);
    assert_int_equal(calls, 3);
    const lr_scan_image_t *im = &s->images[0];
    assert_int_equal(im->error, 0);
    assert_true(im->scanned < size);
    size_t before = 0;
    while (before < pl.n_labels && pl.labels[before] < im->scanned)
        before++;
    assert_int_equal(s->n_labels, before);
    for (size_t i = 0; i < s->n_labels; i++)
        assert_int_equal(s->labels[i].offset, pl.labels[i]);
    lr_scan_session_free(ss);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_boundary),       cmocka_unit_test(test_read_error_midway),
        cmocka_unit_test(test_file_shrinks),         cmocka_unit_test(test_every_unit_boundary),
        cmocka_unit_test(test_file_shrinks_workers), cmocka_unit_test(test_stop_midway_gz),
        cmocka_unit_test(test_stop_midway_workers),  cmocka_unit_test(test_device),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
