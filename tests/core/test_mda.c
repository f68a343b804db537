/* Metadata areas: every fixture header against pvck, bit-identical
 * rebuilds, committed text and its checksum (also across the wrap), LVM2's
 * placement of successive copies, commits replayed onto scratch copies of
 * fixtures, and hostile headers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/crc.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "bin_support.h"

/* ------------------------------------------------------------------ */
/* pvck helpers                                                        */

typedef struct pvck_mda {
    uint64_t checksum, version, start, size;
    lr_raw_locn_t locn[2];
} pvck_mda_t;

static bool pvck_mda(const char *hdr, int n, pvck_mda_t *m)
{
    char key[96];
    snprintf(key, sizeof(key), "mda_header_%d.checksum", n);
    if (!lr_test_pvck_u64(hdr, key, &m->checksum))
        return false;
    snprintf(key, sizeof(key), "mda_header_%d.version", n);
    assert_true(lr_test_pvck_u64(hdr, key, &m->version));
    snprintf(key, sizeof(key), "mda_header_%d.start", n);
    assert_true(lr_test_pvck_u64(hdr, key, &m->start));
    snprintf(key, sizeof(key), "mda_header_%d.size", n);
    assert_true(lr_test_pvck_u64(hdr, key, &m->size));
    for (int s = 0; s < 2; s++) {
        uint64_t v;
        snprintf(key, sizeof(key), "mda_header_%d.raw_locn[%d].offset", n, s);
        assert_true(lr_test_pvck_u64(hdr, key, &m->locn[s].offset));
        snprintf(key, sizeof(key), "mda_header_%d.raw_locn[%d].size", n, s);
        assert_true(lr_test_pvck_u64(hdr, key, &m->locn[s].size));
        snprintf(key, sizeof(key), "mda_header_%d.raw_locn[%d].checksum", n, s);
        assert_true(lr_test_pvck_u64(hdr, key, &v));
        m->locn[s].checksum = (uint32_t)v;
        snprintf(key, sizeof(key), "mda_header_%d.raw_locn[%d].flags", n, s);
        assert_true(lr_test_pvck_u64(hdr, key, &v));
        m->locn[s].flags = (uint32_t)v;
    }
    return true;
}

/* pvck's "metadata text at ABS crc 0xX" line for a committed copy at ABS
 * (PV-relative); *bad when pvck flagged its crc as not matching. */
static bool pvck_text_crc(const char *hdr, uint64_t abs, uint32_t *crc, bool *bad)
{
    char pat[96];
    snprintf(pat, sizeof(pat), "  metadata text at %" PRIu64 " crc ", abs);
    const char *p = strstr(hdr, pat);
    if (!p)
        return false;
    *crc = (uint32_t)strtoul(p + strlen(pat), NULL, 16);
    snprintf(pat, sizeof(pat), "CHECK: metadata text at %" PRIu64 " crc does not match", abs);
    *bad = strstr(hdr, pat) != NULL;
    return true;
}

static bool pvck_label_intact(const char *hdr)
{
    char id[32];
    return lr_test_pvck_str(hdr, "label_header.id", id, sizeof(id)) &&
           strcmp(id, "LABELONE") == 0 && !lr_test_pvck_check(hdr, "label_header") &&
           !lr_test_pvck_check(hdr, "pv_header");
}

static void fail_err(const char *what, const lr_error_t *err)
{
    char buf[1024];
    fail_msg("%s: %s", what, lr_error_format(err, buf, sizeof(buf)));
}

/* ------------------------------------------------------------------ */
/* Fixture headers and committed text                                  */

typedef struct counts {
    int present, zeroed, text_ok, text_bad, text_compared;
} counts_t;

static void check_present_area(const char *fixture, const lr_test_dev_t *dev, const char *hdr,
                               int n, const pvck_mda_t *m, lr_io_t *io, counts_t *c)
{
    lr_mda_header_t h;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_mda_header_read(io, dev->pv_start, m->start, &h, &err))
        fail_err(fixture, &err);
    assert_true(h.checksum_ok);
    assert_int_equal(h.checksum, m->checksum);
    assert_int_equal(h.version, m->version);
    assert_int_equal(h.start, m->start);
    assert_int_equal(h.size, m->size);
    /* LVM2 leaves the precommit slot zeroed after a commit. */
    assert_int_equal(m->locn[1].offset | m->locn[1].size | m->locn[1].checksum, 0);
    assert_int_equal(h.n_locn, 1);
    assert_int_equal(h.locn[0].offset, m->locn[0].offset);
    assert_int_equal(h.locn[0].size, m->locn[0].size);
    assert_int_equal(h.locn[0].checksum, m->locn[0].checksum);
    assert_int_equal(h.locn[0].flags, m->locn[0].flags);
    assert_ptr_equal(lr_mda_committed(&h), &h.locn[0]);

    uint64_t dev_size = lr_io_size(io) - dev->pv_start;
    lr_error_clear(&err);
    if (lr_mda_header_validate(&h, m->start, dev_size, &err))
        fail_err("validate", &err);

    uint8_t disk[512], built[512];
    assert_int_equal(lr_io_pread(io, disk, 512, dev->pv_start + m->start, NULL), 0);
    assert_int_equal(lr_mda_header_build(&h, built, sizeof(built), NULL), 0);
    assert_memory_equal(disk, built, 512);
    c->present++;

    /* The committed text and pvck's view of its checksum. */
    uint32_t pcrc = 0;
    bool bad = false;
    if (!pvck_text_crc(hdr, m->start + h.locn[0].offset, &pcrc, &bad))
        fail_msg("%s/%s: no pvck line for the text of area %d", fixture, dev->dev, n);
    char *text = NULL;
    lr_error_clear(&err);
    int rc = lr_mda_read_text(io, dev->pv_start, &h, &h.locn[0], &text, &err);
    assert_non_null(text);
    assert_int_equal(text[h.locn[0].size - 1], '\0');
    assert_int_equal(text[h.locn[0].size], '\0');
    assert_int_equal(lr_mda_text_crc(text, h.locn[0].size), pcrc);
    if (bad) {
        assert_int_equal(rc, LR_ECHECKSUM);
        assert_non_null(strstr(err.msg, "checksum"));
        assert_int_equal(err.offset, dev->pv_start + m->start + h.locn[0].offset);
        c->text_bad++;
    } else {
        if (rc)
            fail_err("read text", &err);
        assert_int_equal(pcrc, h.locn[0].checksum);
        c->text_ok++;
        /* Byte for byte what pvck --dump metadata wrote (text without its
         * NUL), when the image is still in the captured state. */
        char file[256];
        snprintf(file, sizeof(file), "%.63s.pvck-metadata", dev->dev);
        size_t len = 0;
        char path[1024], rel[300];
        snprintf(rel, sizeof(rel), "truth/%s", file);
        char *want = lr_test_slurp(lr_test_path(path, sizeof(path), fixture, rel), &len);
        if (!lr_test_has_after(fixture, dev->dev) && want && len + 1 == h.locn[0].size &&
            memcmp(want, text, len) == 0)
            c->text_compared++;
        else if (!lr_test_has_after(fixture, dev->dev) && n == 1)
            fail_msg("%s/%s: committed text differs from pvck --dump metadata", fixture, dev->dev);
        free(want);
    }
    free(text);
}

static void check_device_areas(const char *fixture, const lr_test_dev_t *dev, counts_t *c)
{
    char *cur = lr_test_current_headers(fixture, dev->dev);
    char *src = cur, *orig = NULL;
    bool label = pvck_label_intact(cur);
    if (!label) {
        /* pvck stops at a missing label; the areas are where they were. */
        char file[256];
        snprintf(file, sizeof(file), "%.63s.pvck-headers", dev->dev);
        orig = lr_test_truth_req(fixture, file, NULL);
        src = orig;
    }
    lr_io_t *io = lr_test_open_fixture(fixture, dev->img);
    for (int n = 1; n <= (int)dev->mda_count; n++) {
        pvck_mda_t m;
        if (!pvck_mda(src, n, &m))
            fail_msg("%s/%s: pvck shows no mda_header_%d", fixture, dev->dev, n);
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "mda_header_%d", n);
        /* Where the area is: the label's metadata area list (pvck prints
         * zeros for a zeroed header's own start), else the original truth. */
        uint64_t start = m.start;
        if (label) {
            char key[64];
            snprintf(key, sizeof(key), "pv_header.disk_locn[%d].offset", n + 1);
            assert_true(lr_test_pvck_u64(cur, key, &start));
        }
        bool zeroed = label ? lr_test_pvck_check(cur, prefix)
                            : lr_test_damaged(fixture, dev->img, dev->pv_start + start, 512);
        if (zeroed) {
            assert_true(lr_test_damaged(fixture, dev->img, dev->pv_start + start, 512));
            lr_mda_header_t h;
            lr_error_t err;
            lr_error_clear(&err);
            assert_int_equal(lr_mda_header_read(io, dev->pv_start, start, &h, &err), LR_ENOTFOUND);
            assert_int_equal(err.offset, dev->pv_start + start + 4);
            assert_string_equal(err.where, lr_io_name(io));
            c->zeroed++;
            continue;
        }
        check_present_area(fixture, dev, src, n, &m, io, c);
    }
    lr_io_close(io, NULL);
    free(cur);
    free(orig);
}

static void test_fixture_areas(void **state)
{
    (void)state;
    counts_t c = {0};
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        lr_test_dev_t devs[8];
        int n = lr_test_devices_req(lr_test_fixtures[f], devs, 8);
        for (int d = 0; d < n; d++)
            check_device_areas(lr_test_fixtures[f], &devs[d], &c);
    }
    /* 17 devices, two of them (two-mda, second-mda-only) with 2 areas;
     * header-zeroed, label-header-zeroed and second-mda-only area 1 are
     * zeroed; broken-text's committed text is damaged. */
    assert_int_equal(c.present + c.zeroed, 19);
    assert_int_equal(c.zeroed, 3);
    assert_int_equal(c.text_bad, 1);
    assert_int_equal(c.text_ok, 15);
    assert_true(c.text_compared >= 11);
}

/* The wrapped fixture's committed copy: 3072 bytes to the end of the area
 * and 957 more at area offset 512 (fixtures/wrapped/README). */
static void test_read_wrapped(void **state)
{
    (void)state;
    lr_io_t *io = lr_test_open_fixture("wrapped", "disk.img");
    lr_mda_header_t h;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_mda_header_read(io, 0, 4096, &h, &err), 0);
    assert_int_equal(h.size, 61440);
    const lr_raw_locn_t *l = lr_mda_committed(&h);
    assert_non_null(l);
    assert_true(l->offset + l->size > h.size); /* it does wrap */
    uint64_t first = h.size - l->offset, wrap = l->size - first;
    char *text = NULL;
    assert_int_equal(lr_mda_read_text(io, 0, &h, l, &text, &err), 0);
    assert_int_equal(strlen(text), l->size - 1);
    uint8_t *a = malloc(first), *b = malloc(wrap);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(lr_io_pread(io, a, first, 4096 + l->offset, NULL), 0);
    assert_int_equal(lr_io_pread(io, b, wrap, 4096 + 512, NULL), 0);
    assert_memory_equal(text, a, first);
    assert_memory_equal(text + first, b, wrap);
    assert_int_equal(lr_crc(lr_crc(LR_CRC_INITIAL, a, first), b, wrap), l->checksum);
    size_t len = 0;
    char *want = lr_test_truth_req("wrapped", "disk.pvck-metadata", NULL);
    len = strlen(want);
    assert_int_equal(len + 1, l->size);
    assert_memory_equal(want, text, len);
    free(want);
    free(a);
    free(b);
    free(text);
    lr_io_close(io, NULL);
}

/* ------------------------------------------------------------------ */
/* Placement of successive copies                                      */

/* "Searching for metadata at offset X size Y" gives pvck's area. */
static bool search_area(const char *text, uint64_t *start, uint64_t *size)
{
    const char *p = strstr(text, "Searching for metadata at offset ");
    return p && sscanf(p, "Searching for metadata at offset %" SCNu64 " size %" SCNu64, start,
                       size) == 2;
}

static void test_next_offset_fixtures(void **state)
{
    (void)state;
    int pairs = 0, firsts = 0, wrapped_pairs = 0;
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        const char *fixture = lr_test_fixtures[f];
        lr_test_dev_t devs[8];
        int n = lr_test_devices_req(fixture, devs, 8);
        for (int d = 0; d < n; d++) {
            for (int a = 1; a <= (int)devs[d].mda_count; a++) {
                char *text = lr_test_current_search(fixture, devs[d].dev, a);
                uint64_t start = 0, size = 0;
                assert_true(search_area(text, &start, &size));
                char file[256], path[1024];
                snprintf(file, sizeof(file), "truth/%.63s.%spvck-search-mda%d", devs[d].dev,
                         lr_test_has_after(fixture, devs[d].dev) ? "after-" : "", a);
                lr_test_copy_t copies[128];
                int nc = lr_test_pvck_search(lr_test_path(path, sizeof(path), fixture, file),
                                             copies, 128);
                assert_true(nc >= 0);
                for (int i = 0; i < nc; i++) {
                    const lr_test_copy_t *b = &copies[i];
                    uint64_t got;
                    lr_error_t err;
                    lr_error_clear(&err);
                    if (b->seqno == 1) { /* the first copy of a VG follows an empty area */
                        assert_int_equal(lr_mda_next_offset(size, NULL, b->length, &got, &err), 0);
                        assert_int_equal(start + got, b->offset);
                        firsts++;
                    }
                    for (int j = 0; j < nc; j++) {
                        const lr_test_copy_t *p = &copies[j];
                        if (strcmp(p->id, b->id) != 0 || p->seqno + 1 != b->seqno)
                            continue;
                        /* pvck's length is raw_locn.size (NUL included). */
                        lr_raw_locn_t prev = {p->offset - start, p->length, p->crc, 0};
                        if (lr_mda_next_offset(size, &prev, b->length, &got, &err))
                            fail_err(fixture, &err);
                        if (start + got != b->offset)
                            fail_msg("%s/%s area %d: after seqno %" PRIu64 " at %" PRIu64
                                     " (%" PRIu64 " bytes) we place seqno %" PRIu64 " at %" PRIu64
                                     ", LVM2 put it at %" PRIu64,
                                     fixture, devs[d].dev, a, p->seqno, p->offset, p->length,
                                     b->seqno, start + got, b->offset);
                        pairs++;
                        if (b->offset - start + b->length > size)
                            wrapped_pairs++;
                    }
                }
                free(text);
            }
        }
    }
    assert_true(pairs >= 100);
    assert_true(firsts >= 15);
    assert_int_equal(wrapped_pairs, 1); /* wrapped: seqno 56 -> 57 */
}

static void expect_next(uint64_t area, const lr_raw_locn_t *prev, uint64_t size, int code,
                        uint64_t want)
{
    uint64_t got = 0;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_mda_next_offset(area, prev, size, &got, &err), code);
    if (code == 0)
        assert_int_equal(got, want);
    else
        assert_true(err.msg[0] != '\0');
}

/* _next_rlocn_offset's rules on hand-picked numbers (area of 61440 bytes,
 * as in the wrapped fixture). */
static void test_next_offset_rules(void **state)
{
    (void)state;
    const uint64_t A = 61440;
    lr_raw_locn_t p;
    expect_next(A, NULL, 1000, 0, 512);
    p = (lr_raw_locn_t){0, 0, 0, LR_RAW_LOCN_IGNORED};
    expect_next(A, &p, 1000, 0, 512);
    p = (lr_raw_locn_t){4608, 1000, 0, LR_RAW_LOCN_IGNORED}; /* ignored: start over */
    expect_next(A, &p, 1000, 0, 512);
    p = (lr_raw_locn_t){512, 698, 0, 0};
    expect_next(A, &p, 1000, 0, 1536);
    p = (lr_raw_locn_t){512, 512, 0, 0}; /* ends exactly on a boundary */
    expect_next(A, &p, 1000, 0, 1024);
    p = (lr_raw_locn_t){512, 513, 0, 0};
    expect_next(A, &p, 1000, 0, 1536);
    /* Exactly 512 bytes left after rounding: the copy starts there and
     * wraps. */
    p = (lr_raw_locn_t){60416, 512, 0, 0};
    expect_next(A, &p, 4000, 0, 60928);
    /* Rounded start within 512 bytes of the end: back to 512. */
    p = (lr_raw_locn_t){60416, 513, 0, 0};
    expect_next(A, &p, 4000, 0, 512);
    /* Less than 512 bytes after the last byte: back to 512. */
    p = (lr_raw_locn_t){60928, 512, 0, 0};
    expect_next(A, &p, 4000, 0, 512);
    /* After a wrapped copy: behind its second piece. */
    p = (lr_raw_locn_t){58368, 4029, 0, 0};
    expect_next(A, &p, 4000, 0, 1536);

    /* Limits: (61440 - 512) / 2 - 512 = 29952 bytes. */
    assert_int_equal(lr_mda_max_text(A), 29952);
    assert_int_equal(lr_mda_max_text(1044480), 521472);
    assert_int_equal(lr_mda_max_text(1024), 0);
    assert_int_equal(lr_mda_max_text(0), 0);
    expect_next(A, NULL, 29952, 0, 512);
    expect_next(A, NULL, 29953, LR_ELIMIT, 0);
    expect_next(A, NULL, 0, -22, 0);
    expect_next(1000, NULL, 100, LR_ERANGE, 0);
    expect_next(UINT64_MAX - 1024, NULL, 100, LR_ERANGE, 0);
    p = (lr_raw_locn_t){UINT64_MAX - 4096, 4000, 0, 0};
    expect_next(UINT64_MAX - 1024, &p, UINT64_MAX / 4, LR_ERANGE, 0);
    /* An old oversized copy the new one would run into. */
    p = (lr_raw_locn_t){512, 40000, 0, 0};
    expect_next(A, &p, 29000, LR_ELIMIT, 0);
    /* Hostile previous copies. */
    p = (lr_raw_locn_t){70000, 100, 0, 0};
    expect_next(A, &p, 1000, LR_ERANGE, 0);
    p = (lr_raw_locn_t){100, 100, 0, 0};
    expect_next(A, &p, 1000, LR_ERANGE, 0);
    p = (lr_raw_locn_t){4096, UINT64_MAX - 10, 0, 0};
    expect_next(A, &p, 1000, LR_ERANGE, 0);
    p = (lr_raw_locn_t){4096, A, 0, 0};
    expect_next(A, &p, 1000, LR_ERANGE, 0);
}

/* ------------------------------------------------------------------ */
/* Commit                                                              */

typedef struct copy_text {
    uint64_t seqno, offset; /* offset: PV-relative */
    uint64_t size;
    char *text;
} copy_text_t;

static int by_seqno(const void *a, const void *b)
{
    const copy_text_t *x = a, *y = b;
    return x->seqno < y->seqno ? -1 : x->seqno > y->seqno;
}

/* Replays the committed history of one area onto a scratch copy of the
 * image: slot 0 is pointed at copy `from`, then every later copy is
 * committed with lr_mda_commit. LVM2 wrote exactly those texts in that
 * order, so the image must come out identical to the fixture, byte for
 * byte (placement, zero padding, wrap, header encoding). */
static void replay(const char *fixture, const char *dev, int area, uint64_t from)
{
    lr_test_dev_t devs[8];
    int nd = lr_test_devices_req(fixture, devs, 8);
    int d = 0;
    while (d < nd && strcmp(devs[d].dev, dev) != 0)
        d++;
    assert_true(d < nd);
    uint64_t pv = devs[d].pv_start;

    lr_io_t *ro = lr_test_open_fixture(fixture, devs[d].img);
    char *hdr = lr_test_current_headers(fixture, dev);
    pvck_mda_t m;
    assert_true(pvck_mda(hdr, area, &m));
    free(hdr);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_header_read(ro, pv, m.start, &h, NULL), 0);

    char file[256], path[1024];
    snprintf(file, sizeof(file), "truth/%s.pvck-search-mda%d", dev, area);
    lr_test_copy_t copies[128];
    int nc = lr_test_pvck_search(lr_test_path(path, sizeof(path), fixture, file), copies, 128);
    assert_true(nc > 0);
    copy_text_t *ct = calloc((size_t)nc, sizeof(*ct));
    assert_non_null(ct);
    int n = 0;
    for (int i = 0; i < nc; i++) {
        if (copies[i].seqno < from)
            continue;
        copy_text_t *c = &ct[n++];
        c->seqno = copies[i].seqno;
        c->offset = copies[i].offset;
        c->size = copies[i].length;
        if (c->offset - m.start == h.locn[0].offset) {
            /* the committed copy, possibly wrapped */
            assert_int_equal(lr_mda_read_text(ro, pv, &h, &h.locn[0], &c->text, NULL), 0);
        } else {
            c->text = malloc(c->size);
            assert_non_null(c->text);
            assert_int_equal(lr_io_pread(ro, c->text, c->size, pv + c->offset, NULL), 0);
        }
    }
    qsort(ct, (size_t)n, sizeof(*ct), by_seqno);
    assert_int_equal(ct[0].seqno, from);
    for (int i = 1; i < n; i++)
        assert_int_equal(ct[i].seqno, ct[i - 1].seqno + 1);
    uint8_t *orig = lr_test_read_all(ro);
    uint64_t img_size = lr_io_size(ro);
    lr_io_close(ro, NULL);

    char scratch[1024];
    lr_test_scratch_copy(fixture, devs[d].img, scratch, sizeof(scratch));
    lr_io_t *rw = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&rw, scratch, LR_IO_RDWR | LR_IO_EXCL, &err), 0);

    /* Roll slot 0 back to the first copy. */
    lr_mda_header_t start = h;
    memset(start.locn, 0, sizeof(start.locn));
    start.n_locn = 1;
    start.locn[0].offset = ct[0].offset - m.start;
    start.locn[0].size = ct[0].size;
    start.locn[0].checksum = lr_mda_text_crc(ct[0].text, ct[0].size);
    uint8_t sec[512];
    assert_int_equal(lr_mda_header_build(&start, sec, sizeof(sec), NULL), 0);
    assert_int_equal(lr_io_pwrite(rw, sec, 512, pv + m.start, NULL), 0);

    /* Fill every ring byte the replayed commits must write (from the
     * padded end of the first copy to the padded end of the last, round
     * the wrap) with junk, so that text, zero padding and wrapped pieces
     * all have to be rewritten exactly as LVM2 wrote them. */
    uint64_t fill = (start.locn[0].offset + ct[0].size + 511) / 512 * 512;
    const copy_text_t *last = &ct[n - 1];
    uint64_t last_off = last->offset - m.start, last_end = last_off + last->size;
    uint8_t *junk = malloc(h.size);
    assert_non_null(junk);
    memset(junk, 0xa5, h.size);
    if (last_end > h.size) {
        uint64_t wrap_end = (512 + last_end - h.size + 511) / 512 * 512;
        assert_int_equal(lr_io_pwrite(rw, junk, h.size - fill, pv + m.start + fill, NULL), 0);
        assert_int_equal(lr_io_pwrite(rw, junk, wrap_end - 512, pv + m.start + 512, NULL), 0);
    } else {
        uint64_t end = (last_end + 511) / 512 * 512;
        assert_true(end > fill);
        assert_int_equal(lr_io_pwrite(rw, junk, end - fill, pv + m.start + fill, NULL), 0);
    }
    free(junk);

    lr_mda_header_t cur;
    assert_int_equal(lr_mda_header_read(rw, pv, m.start, &cur, NULL), 0);
    for (int i = 1; i < n; i++) {
        uint64_t predicted;
        assert_int_equal(
            lr_mda_next_offset(cur.size, lr_mda_committed(&cur), ct[i].size, &predicted, NULL), 0);
        lr_error_clear(&err);
        if (lr_mda_commit(rw, pv, &cur, ct[i].text, ct[i].size, &err))
            fail_err("commit", &err);
        assert_int_equal(cur.locn[0].offset, predicted);
        assert_int_equal(m.start + cur.locn[0].offset, ct[i].offset);
        assert_true(cur.checksum_ok);
    }
    assert_int_equal(lr_io_close(rw, NULL), 0);

    size_t len = 0;
    uint8_t *after = lr_test_file_bytes(scratch, &len);
    assert_int_equal(len, img_size);
    for (size_t i = 0; i < len; i++)
        if (after[i] != orig[i])
            fail_msg("%s: replayed image differs from LVM2's at byte %zu", fixture, i);
    free(after);
    free(orig);
    for (int i = 0; i < n; i++)
        free(ct[i].text);
    free(ct);
    unlink(scratch);
}

static void test_replay_history(void **state)
{
    (void)state;
    replay("history", "disk", 1, 1);
}

static void test_replay_wrapped(void **state)
{
    (void)state;
    /* The oldest intact copy pvck lists is 45; 57 wraps. */
    replay("wrapped", "disk", 1, 45);
}

static void test_replay_two_mda(void **state)
{
    (void)state;
    replay("two-mda", "disk", 1, 1);
    replay("two-mda", "disk", 2, 1);
}

/* A new text (not one LVM2 wrote) committed onto a scratch copy: the
 * header is accepted, the text sits at the predicted offset, zero padded,
 * and nothing else in the image changed. */
static void test_commit_new_text(void **state)
{
    (void)state;
    char scratch[1024];
    lr_test_scratch_copy("history", "disk.img", scratch, sizeof(scratch));
    size_t len0 = 0;
    uint8_t *before = lr_test_file_bytes(scratch, &len0);

    lr_io_t *rw = NULL;
    assert_int_equal(lr_io_open_rw(&rw, scratch, LR_IO_RDWR | LR_IO_EXCL, NULL), 0);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_header_read(rw, 0, 4096, &h, NULL), 0);
    char *old = NULL;
    assert_int_equal(lr_mda_read_text(rw, 0, &h, &h.locn[0], &old, NULL), 0);
    char *seq = strstr(old, "seqno = 16");
    assert_non_null(seq);
    size_t size = h.locn[0].size + 3; /* "seqno = 16" -> "seqno = 17000" */
    char *text = calloc(1, size);
    assert_non_null(text);
    size_t head = (size_t)(seq - old) + strlen("seqno = 1");
    memcpy(text, old, head);
    memcpy(text + head, "7000", 4);
    memcpy(text + head + 4, old + head + 1, h.locn[0].size - head - 1);
    assert_int_equal(text[size - 1], '\0');

    uint64_t predicted;
    assert_int_equal(lr_mda_next_offset(h.size, &h.locn[0], size, &predicted, NULL), 0);
    uint64_t old_off = h.locn[0].offset;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_mda_commit(rw, 0, &h, text, size, &err))
        fail_err("commit", &err);
    assert_int_equal(lr_io_close(rw, NULL), 0);

    lr_io_t *ro = NULL;
    assert_int_equal(lr_io_open(&ro, scratch, NULL), 0);
    lr_mda_header_t r;
    assert_int_equal(lr_mda_header_read(ro, 0, 4096, &r, NULL), 0);
    assert_true(r.checksum_ok);
    assert_int_equal(lr_mda_header_validate(&r, 4096, lr_io_size(ro), NULL), 0);
    assert_int_equal(r.n_locn, 1);
    assert_int_equal(r.locn[0].offset, predicted);
    assert_true(predicted > old_off);
    assert_int_equal(predicted % 512, 0);
    assert_int_equal(r.locn[0].size, size);
    assert_int_equal(r.locn[0].checksum, lr_test_ref_crc(LR_CRC_INITIAL, text, size));
    char *back = NULL;
    assert_int_equal(lr_mda_read_text(ro, 0, &r, &r.locn[0], &back, NULL), 0);
    assert_memory_equal(back, text, size);
    lr_io_close(ro, NULL);

    size_t len1 = 0;
    uint8_t *after = lr_test_file_bytes(scratch, &len1);
    assert_int_equal(len0, len1);
    uint64_t t0 = 4096 + predicted, t1 = (t0 + size + 511) / 512 * 512;
    for (uint64_t i = t0 + size; i < t1; i++)
        assert_int_equal(after[i], 0); /* zero padding to the sector end */
    for (size_t i = 0; i < len1; i++) {
        bool header = i >= 4096 && i < 4096 + 512;
        bool textspan = i >= t0 && i < t1;
        if (!header && !textspan && after[i] != before[i])
            fail_msg("commit changed byte %zu outside the header and the new text", i);
    }
    free(after);
    free(before);
    free(back);
    free(text);
    free(old);
    unlink(scratch);
}

/* Many commits of varying sizes into a small ring held in memory: every
 * copy reads back, the previous copy survives each commit, the ring wraps,
 * and nothing outside the area is ever written. */
static void test_commit_ring_synthetic(void **state)
{
    (void)state;
    enum { SIZE = 131072, PV = 1024, AREA = 4096, ASIZE = 61440 };
    uint8_t *img = malloc(SIZE);
    assert_non_null(img);
    memset(img, 0xee, SIZE);
    memset(img + PV + AREA, 0, ASIZE);
    lr_io_t *io = lr_test_buf_io(img, SIZE, true);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_init(io, PV, AREA, ASIZE, &h, NULL), 0);
    assert_int_equal(h.n_locn, 0);
    assert_null(lr_mda_committed(&h));

    char *prev = NULL;
    lr_raw_locn_t prev_l = {0};
    int wraps = 0;
    for (int i = 0; i < 200; i++) {
        uint64_t size = 1500 + (uint64_t)((i * 7919) % 9000);
        char *t = malloc(size);
        assert_non_null(t);
        for (uint64_t k = 0; k + 1 < size; k++)
            t[k] = (char)('a' + (k + (uint64_t)i) % 26);
        t[size - 1] = '\0';
        uint64_t predicted;
        assert_int_equal(lr_mda_next_offset(ASIZE, lr_mda_committed(&h), size, &predicted, NULL),
                         0);
        lr_error_t err;
        lr_error_clear(&err);
        if (lr_mda_commit(io, PV, &h, t, size, &err))
            fail_err("commit", &err);
        assert_int_equal(h.locn[0].offset, predicted);
        assert_int_equal(h.locn[0].offset % 512, 0);
        if (h.locn[0].offset + size > ASIZE) {
            wraps++;
            uint64_t wrap = h.locn[0].offset + size - ASIZE;
            for (uint64_t k = 512 + wrap; k % 512; k++)
                assert_int_equal(img[PV + AREA + k], 0);
        }
        lr_mda_header_t r;
        assert_int_equal(lr_mda_header_read(io, PV, AREA, &r, NULL), 0);
        assert_int_equal(lr_mda_header_validate(&r, AREA, SIZE - PV, NULL), 0);
        char *back = NULL;
        assert_int_equal(lr_mda_read_text(io, PV, &r, &r.locn[0], &back, NULL), 0);
        assert_memory_equal(back, t, size);
        free(back);
        if (prev) { /* the copy before survives (LVM2 keeps two) */
            assert_int_equal(lr_mda_read_text(io, PV, &r, &prev_l, &back, NULL), 0);
            assert_memory_equal(back, prev, prev_l.size);
            free(back);
        }
        free(prev);
        prev = t;
        prev_l = h.locn[0];
    }
    free(prev);
    assert_true(wraps >= 5);
    for (size_t i = 0; i < SIZE; i++)
        if (i < PV + AREA || i >= PV + AREA + ASIZE)
            assert_int_equal(img[i], 0xee);
    lr_io_close(io, NULL);
    free(img);
}

static void test_commit_refusals(void **state)
{
    (void)state;
    enum { SIZE = 70000 };
    uint8_t *img = calloc(1, SIZE), *copy = malloc(SIZE);
    assert_non_null(img);
    assert_non_null(copy);
    lr_io_t *rw = lr_test_buf_io(img, SIZE, true);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_init(rw, 0, 4096, 61440, &h, NULL), 0);
    lr_io_close(rw, NULL);
    memcpy(copy, img, SIZE);

    lr_io_t *ro = lr_test_buf_io(img, SIZE, false);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_mda_commit(ro, 0, &h, "vg {\n}\n", 8, &err), LR_EREADONLY);
    lr_io_close(ro, NULL);

    rw = lr_test_buf_io(img, SIZE, true);
    assert_int_equal(lr_mda_commit(rw, 0, &h, "no nul", 6, NULL), -22);
    char *big = calloc(1, 30000);
    assert_non_null(big);
    memset(big, 'x', 29999);
    lr_error_clear(&err);
    assert_int_equal(lr_mda_commit(rw, 0, &h, big, 30000, &err), LR_ELIMIT);
    assert_non_null(strstr(err.msg, "maximum"));
    free(big);
    /* An area that does not fit the image. */
    lr_mda_header_t far = h;
    far.start = SIZE - 4096;
    assert_int_equal(lr_mda_commit(rw, 0, &far, "x", 2, NULL), LR_ERANGE);
    assert_int_equal(lr_mda_init(rw, 0, SIZE - 1024, 61440, &far, NULL), LR_ERANGE);
    assert_int_equal(lr_mda_init(rw, 0, 4096, 1000, &far, NULL), LR_ERANGE);
    lr_io_close(rw, NULL);
    assert_memory_equal(img, copy, SIZE); /* nothing was written */
    free(img);
    free(copy);
}

/* ------------------------------------------------------------------ */
/* Hostile headers                                                     */

static void sample_header(lr_mda_header_t *h)
{
    memset(h, 0, sizeof(*h));
    h->version = 1;
    h->start = 4096;
    h->size = 61440;
    h->n_locn = 1;
    h->locn[0] = (lr_raw_locn_t){58368, 4029, 0x9f00fa99U, 0};
}

static void build(const lr_mda_header_t *h, uint8_t *sec)
{
    assert_int_equal(lr_mda_header_build(h, sec, 512, NULL), 0);
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void expect_validate(const lr_mda_header_t *h, uint64_t dev, int code, const char *word)
{
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_mda_header_validate(h, 4096, dev, &err), code);
    if (word && !strstr(err.msg, word))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, word);
}

static void test_header_roundtrip(void **state)
{
    (void)state;
    lr_mda_header_t h, p;
    sample_header(&h);
    uint8_t sec[512];
    build(&h, sec);
    assert_memory_equal(sec + 4, LR_MDA_MAGIC, 16);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, NULL), 0);
    assert_true(p.checksum_ok);
    assert_int_equal(p.checksum, lr_test_ref_crc(LR_CRC_INITIAL, sec + 4, 508));
    assert_int_equal(p.n_locn, 1);
    assert_int_equal(p.locn[0].offset, 58368);
    expect_validate(&p, 16777216, 0, NULL);
    for (size_t i = 40 + 24; i < 512; i++)
        assert_int_equal(sec[i], 0);

    /* pvcreate --metadataignore: slot 0 = {0, 0, 0, IGNORED}. It is kept
     * as an entry (so the header rebuilds bit for bit) but holds no copy. */
    memset(&h, 0, sizeof(h));
    h.version = 1;
    h.start = 4096;
    h.size = 61440;
    h.n_locn = 1;
    h.locn[0].flags = LR_RAW_LOCN_IGNORED;
    build(&h, sec);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, NULL), 0);
    assert_int_equal(p.n_locn, 1);
    assert_null(lr_mda_committed(&p));
    expect_validate(&p, 16777216, 0, NULL);
    uint8_t again[512];
    build(&p, again);
    assert_memory_equal(sec, again, 512);
    uint64_t off;
    assert_int_equal(lr_mda_next_offset(p.size, lr_mda_committed(&p), 100, &off, NULL), 0);
    assert_int_equal(off, 512);

    /* Committing into it writes at 512 and keeps the area ignored, as
     * _vg_commit_raw_rlocn's rlocn_set_ignored does. */
    enum { SIZE = 70000 };
    uint8_t *img = calloc(1, SIZE);
    assert_non_null(img);
    memcpy(img + 4096, sec, 512);
    lr_io_t *io = lr_test_buf_io(img, SIZE, true);
    assert_int_equal(lr_mda_commit(io, 0, &p, "vg {\n}\n", 8, NULL), 0);
    lr_mda_header_t r;
    assert_int_equal(lr_mda_header_read(io, 0, 4096, &r, NULL), 0);
    assert_int_equal(r.n_locn, 1);
    assert_int_equal(r.locn[0].offset, 512);
    assert_int_equal(r.locn[0].size, 8);
    assert_int_equal(r.locn[0].flags, LR_RAW_LOCN_IGNORED);
    assert_memory_equal(img + 4096 + 512, "vg {\n}\n", 8);
    lr_io_close(io, NULL);
    free(img);
}

static void test_hostile_headers(void **state)
{
    (void)state;
    lr_mda_header_t h, p;
    uint8_t sec[512];
    lr_error_t err;

    sample_header(&h);
    build(&h, sec);
    sec[4] = 'X'; /* bad magic */
    lr_error_clear(&err);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, &err), LR_ENOTFOUND);
    assert_int_equal(err.offset, 4);
    memset(sec, 0, 512);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, NULL), LR_ENOTFOUND);

    sample_header(&h);
    build(&h, sec);
    sec[20] = 2; /* version 2 */
    lr_error_clear(&err);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, &err), LR_EFORMAT);
    assert_int_equal(err.offset, 20);
    assert_non_null(strstr(err.msg, "version 2"));

    sample_header(&h);
    build(&h, sec);
    sec[0] ^= 1; /* stored checksum */
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, NULL), 0);
    assert_false(p.checksum_ok);
    expect_validate(&p, 16777216, LR_ECHECKSUM, "checksum");
    build(&h, sec);
    sec[300] = 1; /* a covered byte after the list */
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, NULL), 0);
    assert_false(p.checksum_ok);

    /* Unterminated raw_locn lists. */
    build(&h, sec);
    for (size_t pos = 40; pos + 24 <= 512; pos += 24)
        put64(sec + pos, 4608 + pos);
    lr_error_clear(&err);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, &err), LR_EFORMAT);
    assert_non_null(strstr(err.msg, "not terminated"));
    build(&h, sec);
    for (int i = 0; i < 5; i++)
        put64(sec + 40 + 24 * i, 4608 + 512 * (uint64_t)i);
    assert_int_equal(lr_mda_header_parse(sec, 512, &p, NULL), LR_EFORMAT);
    assert_int_equal(lr_mda_header_parse(sec, 100, &p, NULL), LR_ERANGE);

    /* Field checks (validate). */
    sample_header(&h);
    h.checksum_ok = true;
    expect_validate(&h, 16777216, 0, NULL);
    h.size = 500; /* smaller than the header */
    expect_validate(&h, 16777216, LR_ERANGE, "less than");
    h.size = 1023;
    expect_validate(&h, 16777216, LR_ERANGE, "less than");
    sample_header(&h);
    h.checksum_ok = true;
    h.start = 8192;
    expect_validate(&h, 16777216, LR_EFORMAT, "starts at");
    sample_header(&h);
    h.checksum_ok = true;
    expect_validate(&h, 4096 + 61440 - 1, LR_ERANGE, "past the device");
    h.size = UINT64_MAX - 100; /* start + size overflows */
    expect_validate(&h, 16777216, LR_ERANGE, "implausibly");
    sample_header(&h);
    h.checksum_ok = true;
    h.locn[0].offset = 61440; /* beyond the area */
    expect_validate(&h, 16777216, LR_ERANGE, "beyond the area");
    h.locn[0].offset = 100; /* inside the header */
    expect_validate(&h, 16777216, LR_ERANGE, "header");
    h.locn[0] = (lr_raw_locn_t){4096, UINT64_MAX - 1000, 0, 0}; /* offset + size overflows */
    expect_validate(&h, 16777216, LR_ERANGE, "overflows");
    h.locn[0] = (lr_raw_locn_t){4096, 61440 - 511, 0, 0}; /* larger than the ring */
    expect_validate(&h, 16777216, LR_ERANGE, "ring");
    h.locn[0] = (lr_raw_locn_t){4096, 0, 0, 0};
    expect_validate(&h, 16777216, LR_EFORMAT, "size is 0");
    h.n_locn = 2;
    h.locn[0] = (lr_raw_locn_t){4096, 100, 0, 0};
    h.locn[1] = (lr_raw_locn_t){70000, 100, 0, 0}; /* slot 1 checked too */
    expect_validate(&h, 16777216, LR_ERANGE, "raw_locn 1");

    /* Build refuses what would not read back. */
    sample_header(&h);
    h.n_locn = 5;
    assert_int_equal(lr_mda_header_build(&h, sec, 512, NULL), LR_ELIMIT);
    sample_header(&h);
    h.n_locn = 2; /* slot 1 all zero would end the list */
    assert_int_equal(lr_mda_header_build(&h, sec, 512, NULL), LR_EFORMAT);
    assert_int_equal(lr_mda_header_build(&h, sec, 511, NULL), LR_ERANGE);
}

static void test_read_text_hostile(void **state)
{
    (void)state;
    enum { SIZE = 70000 };
    uint8_t *img = calloc(1, SIZE);
    assert_non_null(img);
    lr_io_t *io = lr_test_buf_io(img, SIZE, true);
    lr_mda_header_t h;
    assert_int_equal(lr_mda_init(io, 0, 4096, 61440, &h, NULL), 0);
    static const char t[] = "vg0 {\nid = \"x\"\nseqno = 1\n}\n";
    assert_int_equal(lr_mda_commit(io, 0, &h, t, sizeof(t), NULL), 0);

    char *text = (char *)1;
    lr_error_t err;
    lr_raw_locn_t l = h.locn[0];
    l.checksum ^= 1;
    lr_error_clear(&err);
    assert_int_equal(lr_mda_read_text(io, 0, &h, &l, &text, &err), LR_ECHECKSUM);
    assert_non_null(text); /* still returned */
    assert_string_equal(text, t);
    assert_int_equal(err.offset, 4096 + 512);
    free(text);

    static const lr_raw_locn_t bad[] = {
        {61440, 10, 0, 0},          /* beyond the area */
        {100, 10, 0, 0},            /* inside the header */
        {512, 61440, 0, 0},         /* larger than the ring */
        {512, UINT64_MAX, 0, 0},    /* overflow */
        {UINT64_MAX - 5, 10, 0, 0}, /* overflow */
        {1024, 0, 0, 0},            /* empty */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        text = (char *)1;
        lr_error_clear(&err);
        int rc = lr_mda_read_text(io, 0, &h, &bad[i], &text, &err);
        assert_true(rc == LR_ERANGE || rc == LR_EFORMAT);
        assert_null(text);
        assert_string_equal(err.where, "mem");
    }
    /* The area runs past the end of the image. */
    lr_mda_header_t far = h;
    far.start = 65536;
    text = (char *)1;
    assert_int_equal(lr_mda_read_text(io, 0, &far, &h.locn[0], &text, NULL), LR_ERANGE);
    assert_null(text);
    /* A tiny area. */
    far = h;
    far.size = 600;
    assert_int_equal(lr_mda_read_text(io, 0, &far, &h.locn[0], &text, NULL), LR_ERANGE);
    /* Header beyond the image. */
    assert_int_equal(lr_mda_header_read(io, 0, SIZE - 100, &far, NULL), LR_ERANGE);
    assert_int_equal(lr_mda_header_read(io, UINT64_MAX, 4096, &far, NULL), LR_ERANGE);
    lr_io_close(io, NULL);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_areas),         cmocka_unit_test(test_read_wrapped),
        cmocka_unit_test(test_next_offset_fixtures),  cmocka_unit_test(test_next_offset_rules),
        cmocka_unit_test(test_replay_history),        cmocka_unit_test(test_replay_wrapped),
        cmocka_unit_test(test_replay_two_mda),        cmocka_unit_test(test_commit_new_text),
        cmocka_unit_test(test_commit_ring_synthetic), cmocka_unit_test(test_commit_refusals),
        cmocka_unit_test(test_header_roundtrip),      cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_read_text_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
