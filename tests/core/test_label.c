/* PV labels: every fixture label against pvck --dump headers, bit-identical
 * rebuilds, damaged and hostile sectors, reading/writing through lr_io, and
 * LVM2 UUIDs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/label.h"
#include "bin_support.h"

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */

/* Expected disk_locn lists as pvck prints them ("# location of data area",
 * "# location list end", "# location of metadata area"). */
typedef struct pvck_lists {
    size_t n_data, n_mda, n_ba;
    lr_disk_locn_t data[16], mda[16], ba[16];
} pvck_lists_t;

static void pvck_locn(const char *hdr, const char *key, lr_disk_locn_t *l)
{
    char k[160];
    snprintf(k, sizeof(k), "%s.offset", key);
    assert_true(lr_test_pvck_u64(hdr, k, &l->offset));
    snprintf(k, sizeof(k), "%s.size", key);
    assert_true(lr_test_pvck_u64(hdr, k, &l->size));
}

static void pvck_read_lists(const char *hdr, pvck_lists_t *L)
{
    memset(L, 0, sizeof(*L));
    int list = 0; /* 0 data, 1 metadata */
    for (int i = 0; list < 2; i++) {
        char key[96], comment[96];
        snprintf(key, sizeof(key), "pv_header.disk_locn[%d]", i);
        if (!lr_test_pvck_comment(hdr, key, comment, sizeof(comment)))
            fail_msg("pvck headers: %s missing", key);
        if (strstr(comment, "list end")) {
            list++;
            continue;
        }
        lr_disk_locn_t l;
        pvck_locn(hdr, key, &l);
        if (list == 0) {
            assert_non_null(strstr(comment, "data area"));
            L->data[L->n_data++] = l;
        } else {
            assert_non_null(strstr(comment, "metadata area"));
            L->mda[L->n_mda++] = l;
        }
    }
    for (int i = 0;; i++) {
        char key[96], comment[96];
        snprintf(key, sizeof(key), "pv_header_extension.disk_locn[%d]", i);
        assert_true(lr_test_pvck_comment(hdr, key, comment, sizeof(comment)));
        if (strstr(comment, "list end"))
            break;
        pvck_locn(hdr, key, &L->ba[L->n_ba++]);
    }
}

/* True if pvck saw an intact label in the current state of the image. */
static bool pvck_label_intact(const char *hdr)
{
    char id[32];
    return lr_test_pvck_str(hdr, "label_header.id", id, sizeof(id)) &&
           strcmp(id, "LABELONE") == 0 && !lr_test_pvck_check(hdr, "label_header") &&
           !lr_test_pvck_check(hdr, "pv_header");
}

static void check_label_against_pvck(const char *fixture, const lr_test_dev_t *dev, const char *hdr,
                                     lr_io_t *io)
{
    lr_label_t l;
    uint64_t sec = 99;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_label_read(io, dev->pv_start, &l, &sec, &err);
    if (rc) {
        char buf[1024];
        fail_msg("%s/%s: label read: %s", fixture, dev->dev,
                 lr_error_format(&err, buf, sizeof(buf)));
    }
    assert_true(l.crc_ok);

    const char *at = strstr(hdr, "label_header at ");
    assert_non_null(at);
    uint64_t at_off = strtoull(at + strlen("label_header at "), NULL, 10);
    assert_int_equal(sec * 512, at_off);

    uint64_t v;
    char s[64];
    assert_true(lr_test_pvck_u64(hdr, "label_header.sector", &v));
    assert_int_equal(l.sector, v);
    assert_int_equal(sec, v);
    assert_true(lr_test_pvck_u64(hdr, "label_header.crc", &v));
    assert_int_equal(l.crc, v);
    assert_int_equal(l.crc_calc, v);
    assert_true(lr_test_pvck_u64(hdr, "label_header.offset", &v));
    assert_int_equal(l.offset, v);
    assert_true(lr_test_pvck_str(hdr, "label_header.type", s, sizeof(s)));
    assert_string_equal(l.type, s);
    assert_true(lr_test_pvck_str(hdr, "pv_header.pv_uuid", s, sizeof(s)));
    assert_string_equal(l.pv_uuid, s);
    assert_true(lr_test_pvck_u64(hdr, "pv_header.device_size", &v));
    assert_int_equal(l.device_size, v);

    pvck_lists_t L;
    pvck_read_lists(hdr, &L);
    assert_int_equal(l.n_data, L.n_data);
    assert_int_equal(l.n_mda, L.n_mda);
    assert_int_equal(l.n_mda, dev->mda_count);
    for (size_t i = 0; i < L.n_data; i++) {
        assert_int_equal(l.data[i].offset, L.data[i].offset);
        assert_int_equal(l.data[i].size, L.data[i].size);
    }
    for (size_t i = 0; i < L.n_mda; i++) {
        assert_int_equal(l.mda[i].offset, L.mda[i].offset);
        assert_int_equal(l.mda[i].size, L.mda[i].size);
    }
    assert_true(lr_test_pvck_u64(hdr, "pv_header_extension.version", &v));
    assert_int_equal(l.ext_version, v);
    assert_true(l.has_ext);
    assert_true(lr_test_pvck_u64(hdr, "pv_header_extension.flags", &v));
    assert_int_equal(l.ext_flags, v);
    assert_int_equal(l.n_ba, L.n_ba);
    for (size_t i = 0; i < L.n_ba; i++) {
        assert_int_equal(l.ba[i].offset, L.ba[i].offset);
        assert_int_equal(l.ba[i].size, L.ba[i].size);
    }

    /* Consistent with the device it sits on. */
    lr_error_clear(&err);
    assert_true(lr_io_size(io) - dev->pv_start >= l.device_size);
    rc = lr_label_validate(&l, l.device_size, &err);
    if (rc)
        fail_msg("%s/%s: validate: %s", fixture, dev->dev, err.msg);

    /* Rebuilt bit for bit. */
    uint8_t disk[512], built[512];
    assert_int_equal(lr_io_pread(io, disk, 512, dev->pv_start + sec * 512, NULL), 0);
    assert_int_equal(lr_label_build(&l, built, sizeof(built), NULL), 0);
    assert_memory_equal(disk, built, 512);
}

static void test_fixture_labels(void **state)
{
    (void)state;
    int intact = 0, missing = 0;
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        const char *fixture = lr_test_fixtures[f];
        lr_test_dev_t devs[8];
        int n = lr_test_devices_req(fixture, devs, 8);
        for (int d = 0; d < n; d++) {
            char *hdr = lr_test_current_headers(fixture, devs[d].dev);
            lr_io_t *io = lr_test_open_fixture(fixture, devs[d].img);
            if (pvck_label_intact(hdr)) {
                check_label_against_pvck(fixture, &devs[d], hdr, io);
                intact++;
            } else {
                /* pvck found no label: the damage log must say why, and we
                 * must find none either. */
                assert_true(lr_test_damaged(fixture, devs[d].img, devs[d].pv_start + 512, 512));
                lr_label_t l;
                lr_error_t err;
                lr_error_clear(&err);
                assert_int_equal(lr_label_read(io, devs[d].pv_start, &l, NULL, &err), LR_ENOTFOUND);
                assert_string_equal(err.where, lr_io_name(io));
                missing++;
            }
            lr_io_close(io, NULL);
            free(hdr);
        }
    }
    /* label-zeroed and label-header-zeroed have no label; all others do. */
    assert_int_equal(missing, 2);
    assert_true(intact >= 14);
}

/* ------------------------------------------------------------------ */
/* Synthetic labels                                                    */

static void sample_label(lr_label_t *l)
{
    memset(l, 0, sizeof(*l));
    l->sector = 1;
    l->offset = 32;
    strcpy(l->pv_uuid, "wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx");
    l->device_size = 33554432;
    l->n_data = 1;
    l->data[0] = (lr_disk_locn_t){1048576, 0};
    l->n_mda = 2;
    l->mda[0] = (lr_disk_locn_t){4096, 1044480};
    l->mda[1] = (lr_disk_locn_t){32505856, 1048576};
    l->has_ext = true;
    l->ext_version = 2;
    l->ext_flags = 1;
    l->n_ba = 1;
    l->ba[0] = (lr_disk_locn_t){1048576 - 65536, 65536};
}

static void build_sample(uint8_t sec[512])
{
    lr_label_t l;
    sample_label(&l);
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), 0);
}

/* How far a label's metadata areas may reach: the label of a PV with two
 * areas that LVM2's pvresize grew from 16 to 32 MiB (pvck --dump headers of
 * it: device_size 31457280, data area at 1048576, areas 4096+1044480 and
 * 32505856+1048576, the second ending at the device's end, past the
 * device_size). */
static void test_area_reach(void **state)
{
    (void)state;
    lr_label_t l;
    memset(&l, 0, sizeof(l));
    l.device_size = 31457280;
    l.n_data = 1;
    l.data[0].offset = 1048576;
    l.n_mda = 2;
    l.mda[0] = (lr_disk_locn_t){.offset = 4096, .size = 1044480};
    l.mda[1] = (lr_disk_locn_t){.offset = 32505856, .size = 1048576};
    assert_int_equal(lr_label_area_reach(&l), 31457280ull + 1048576 + 1044480 + 1048576);
    assert_true(lr_label_area_reach(&l) >= l.mda[1].offset + l.mda[1].size);
    /* an area further out is past the reach */
    assert_true(lr_label_area_reach(&l) < 64ull << 20);
    l.mda[1].size = UINT64_MAX; /* saturates */
    assert_int_equal(lr_label_area_reach(&l), UINT64_MAX);
    l.device_size = 0; /* no device size: no bound */
    l.mda[1].size = 1048576;
    assert_int_equal(lr_label_area_reach(&l), UINT64_MAX);
    assert_int_equal(lr_label_area_reach(NULL), UINT64_MAX);
}

static void test_build_parse_roundtrip(void **state)
{
    (void)state;
    lr_label_t l, p;
    sample_label(&l);
    uint8_t sec[512];
    assert_int_equal(lr_label_build(&l, sec, sizeof(sec), NULL), 0);
    assert_memory_equal(sec, "LABELONE", 8);
    assert_memory_equal(sec + 24, "LVM2 001", 8);
    assert_int_equal(lr_label_parse(sec, sizeof(sec), 1, &p, NULL), 0);
    assert_true(p.crc_ok);
    assert_int_equal(p.crc, lr_test_ref_crc(LR_CRC_INITIAL, sec + 20, 492));
    assert_string_equal(p.pv_uuid, l.pv_uuid);
    assert_string_equal(p.type, "LVM2 001");
    assert_int_equal(p.device_size, l.device_size);
    assert_int_equal(p.n_data, 1);
    assert_int_equal(p.n_mda, 2);
    assert_int_equal(p.mda[1].offset, 32505856);
    assert_int_equal(p.n_ba, 1);
    assert_int_equal(p.ba[0].size, 65536);
    assert_true(p.has_ext);
    assert_int_equal(lr_label_validate(&p, 33554432, NULL), 0);
    /* Zero padding after the last list (LVM2 memsets the sector). */
    size_t end = 32 + 40 + (1 + 1 + 2 + 1) * 16 + 8 + (1 + 1) * 16;
    for (size_t i = end; i < 512; i++)
        assert_int_equal(sec[i], 0);
}

static void expect_parse(const uint8_t *sec, uint64_t sector_no, int code, uint64_t off,
                         const char *word)
{
    lr_label_t l;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_label_parse(sec, 512, sector_no, &l, &err), code);
    if (off != LR_NO_OFFSET)
        assert_int_equal(err.offset, off);
    if (word && !strstr(err.msg, word))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, word);
}

static void test_crc_flip(void **state)
{
    (void)state;
    uint8_t sec[512];
    build_sample(sec);
    sec[16] ^= 0x01; /* the stored crc */
    lr_label_t l;
    assert_int_equal(lr_label_parse(sec, 512, 1, &l, NULL), 0);
    assert_false(l.crc_ok);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_label_validate(&l, 33554432, &err), LR_ECHECKSUM);
    assert_non_null(strstr(err.msg, "crc"));

    build_sample(sec);
    sec[72] ^= 0x80; /* a covered byte (device_size) */
    assert_int_equal(lr_label_parse(sec, 512, 1, &l, NULL), 0);
    assert_false(l.crc_ok);
    build_sample(sec);
    sec[511] = 1; /* the last covered byte */
    assert_int_equal(lr_label_parse(sec, 512, 1, &l, NULL), 0);
    assert_false(l.crc_ok);
}

static void test_hostile_headers(void **state)
{
    (void)state;
    uint8_t sec[512];
    memset(sec, 0, sizeof(sec));
    expect_parse(sec, 1, LR_ENOTFOUND, 0, "LABELONE");
    memset(sec, 0xff, sizeof(sec));
    expect_parse(sec, 1, LR_ENOTFOUND, 0, NULL);

    build_sample(sec);
    expect_parse(sec, 2, LR_EFORMAT, 8, "sector"); /* sector field != where it sits */
    expect_parse(sec, 0, LR_EFORMAT, 8, "sector");

    build_sample(sec);
    memcpy(sec + 24, "LVM1 001", 8);
    expect_parse(sec, 1, LR_EFORMAT, 24, "type");

    static const uint32_t bad_offsets[] = {0, 31, 473, 512, 0xffffffffU};
    for (size_t i = 0; i < sizeof(bad_offsets) / sizeof(bad_offsets[0]); i++) {
        build_sample(sec);
        sec[20] = (uint8_t)bad_offsets[i];
        sec[21] = (uint8_t)(bad_offsets[i] >> 8);
        sec[22] = (uint8_t)(bad_offsets[i] >> 16);
        sec[23] = (uint8_t)(bad_offsets[i] >> 24);
        expect_parse(sec, 1, LR_EFORMAT, 20, "offset");
    }

    build_sample(sec);
    sec[32 + 5] = '-';
    expect_parse(sec, 1, LR_EFORMAT, 37, "UUID");
    build_sample(sec);
    sec[32 + 31] = 0;
    expect_parse(sec, 1, LR_EFORMAT, 63, "UUID");

    lr_label_t l;
    assert_int_equal(lr_label_parse(sec, 511, 1, &l, NULL), LR_ERANGE);
}

/* Writes entry i of a list region starting at base. */
static void put_locn(uint8_t *sec, size_t pos, uint64_t off, uint64_t size)
{
    for (int b = 0; b < 8; b++) {
        sec[pos + b] = (uint8_t)(off >> (8 * b));
        sec[pos + 8 + b] = (uint8_t)(size >> (8 * b));
    }
}

static void test_hostile_lists(void **state)
{
    (void)state;
    uint8_t sec[512];

    /* A data area list that never ends: every entry to the end of the
     * sector is non-zero. */
    build_sample(sec);
    sec[20] = 0xa8; /* offset 424: pv_header 424..463, lists from 464 */
    sec[21] = 0x01;
    memcpy(sec + 424, "wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx", 32);
    for (size_t pos = 464; pos + 16 <= 512; pos += 16)
        put_locn(sec, pos, 1048576 + pos, 4096);
    expect_parse(sec, 1, LR_EFORMAT, 512, "not terminated");

    /* Metadata list not terminated. */
    build_sample(sec);
    memset(sec + 72, 0, 512 - 72);
    put_locn(sec, 72, 1048576, 0);
    put_locn(sec, 88, 0, 0);
    for (size_t pos = 104; pos + 16 <= 512; pos += 16)
        put_locn(sec, pos, 4096, 4096);
    expect_parse(sec, 1, LR_ELIMIT, LR_NO_OFFSET, "more than"); /* 25 entries > 8 */

    /* More entries than kept, but terminated. */
    build_sample(sec);
    memset(sec + 72, 0, 512 - 72);
    for (int i = 0; i < 9; i++)
        put_locn(sec, 72 + 16 * (size_t)i, 1048576 * (uint64_t)(i + 1), 0);
    expect_parse(sec, 1, LR_ELIMIT, 72 + 16 * 8, "data area");

    /* No room for the extension after the lists. */
    build_sample(sec);
    memset(sec + 32, 0, 512 - 32);
    sec[20] = 0xb8; /* offset 440: lists at 480 (data end) and 496 (mda end) */
    sec[21] = 0x01;
    memcpy(sec + 440, "wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx", 32);
    expect_parse(sec, 1, LR_EFORMAT, 512, "extension");

    /* Extension version 0: an old label, no bootloader list is read. */
    build_sample(sec);
    memset(sec + 72 + 16 * 5, 0, 8); /* version + flags after data(1+1), mda(2+1) */
    lr_label_t l;
    assert_int_equal(lr_label_parse(sec, 512, 1, &l, NULL), 0);
    assert_false(l.has_ext);
    assert_int_equal(l.n_ba, 0);
    assert_int_equal(l.n_mda, 2);
}

static void expect_validate(const lr_label_t *l, uint64_t dev, int code, const char *word)
{
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_label_validate(l, dev, &err), code);
    if (word && !strstr(err.msg, word))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, word);
}

static void test_validate_hostile(void **state)
{
    (void)state;
    lr_label_t l;
    sample_label(&l);
    l.crc_ok = true;
    expect_validate(&l, 33554432, 0, NULL);
    expect_validate(&l, 33554431, LR_ERANGE, "device"); /* shrunk device */

    sample_label(&l);
    l.crc_ok = true;
    l.data[0].offset = 40000000; /* beyond the device */
    expect_validate(&l, 33554432, LR_ERANGE, "beyond");
    l.data[0] = (lr_disk_locn_t){1048576, 33554432}; /* runs past the end */
    expect_validate(&l, 33554432, LR_ERANGE, "runs past");

    sample_label(&l);
    l.crc_ok = true;
    l.mda[0] = (lr_disk_locn_t){4096, UINT64_MAX - 100}; /* offset + size overflows */
    expect_validate(&l, 33554432, LR_ERANGE, "runs past");
    l.mda[0] = (lr_disk_locn_t){UINT64_MAX, 4096};
    expect_validate(&l, 33554432, LR_ERANGE, NULL);
    l.mda[0] = (lr_disk_locn_t){4096, 512};
    expect_validate(&l, 33554432, LR_EFORMAT, "1024");
    l.mda[0] = (lr_disk_locn_t){0 + 512, 4096}; /* covers the label sector */
    expect_validate(&l, 33554432, LR_EFORMAT, "label");

    sample_label(&l);
    l.crc_ok = true;
    l.n_mda = 3;
    l.mda[2] = (lr_disk_locn_t){8192, 4096};
    expect_validate(&l, 33554432, LR_EFORMAT, "at most 2");

    sample_label(&l);
    l.crc_ok = true;
    l.ba[0] = (lr_disk_locn_t){33554432 - 100, 4096};
    expect_validate(&l, 33554432, LR_ERANGE, "bootloader");
}

static void test_build_refuses(void **state)
{
    (void)state;
    lr_label_t l;
    uint8_t sec[512];
    sample_label(&l);
    l.sector = 4;
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), LR_ERANGE);
    sample_label(&l);
    l.pv_uuid[31] = '\0';
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), LR_EFORMAT);
    sample_label(&l);
    l.pv_uuid[3] = '-';
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), LR_EFORMAT);
    sample_label(&l);
    l.mda[1].offset = 0; /* would end the list early */
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), LR_EFORMAT);
    sample_label(&l);
    l.n_data = 9;
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), LR_ELIMIT);
    sample_label(&l);
    l.offset = 400; /* lists no longer fit the sector */
    assert_int_equal(lr_label_build(&l, sec, 512, NULL), LR_ELIMIT);
    sample_label(&l);
    assert_int_equal(lr_label_build(&l, sec, 100, NULL), LR_ERANGE);
}

/* ------------------------------------------------------------------ */
/* Reading and writing through lr_io                                   */

/* A 4 KiB "PV" at byte pv in a buffer, with a label in sector s. */
static void put_label(uint8_t *img, uint64_t pv, uint64_t s)
{
    lr_label_t l;
    sample_label(&l);
    l.sector = s;
    assert_int_equal(lr_label_build(&l, img + pv + s * 512, 512, NULL), 0);
}

static void test_read_sectors(void **state)
{
    (void)state;
    enum { SIZE = 65536 };
    uint8_t *img = calloc(1, SIZE);
    assert_non_null(img);
    lr_io_t *io = lr_test_buf_io(img, SIZE, false);
    lr_label_t l;
    uint64_t s;
    lr_error_t err;

    for (uint64_t want = 0; want < 4; want++) {
        memset(img, 0, SIZE);
        put_label(img, 8192, want);
        assert_int_equal(lr_label_read(io, 8192, &l, &s, NULL), 0);
        assert_int_equal(s, want);
        assert_true(l.crc_ok);
    }
    /* Sector 4 is not looked at. */
    memset(img, 0, SIZE);
    put_label(img, 8192 - 512 * 3, 3); /* label for a PV 3 sectors earlier */
    lr_error_clear(&err);
    assert_int_equal(lr_label_read(io, 8192 + 512, &l, &s, &err), LR_ENOTFOUND);
    assert_string_equal(err.where, "mem");

    /* A bad-crc label loses to a good one in a later sector. */
    memset(img, 0, SIZE);
    put_label(img, 0, 1);
    img[512 + 100] ^= 1;
    put_label(img, 0, 2);
    assert_int_equal(lr_label_read(io, 0, &l, &s, NULL), 0);
    assert_int_equal(s, 2);
    assert_true(l.crc_ok);
    /* ... but is returned (crc_ok false) when it is the only one. */
    memset(img + 1024, 0, 512);
    assert_int_equal(lr_label_read(io, 0, &l, &s, NULL), 0);
    assert_int_equal(s, 1);
    assert_false(l.crc_ok);

    /* A malformed label only: its error, at its absolute offset. */
    memset(img, 0, SIZE);
    put_label(img, 4096, 2);
    memcpy(img + 4096 + 1024 + 24, "XXXX", 4);
    lr_error_clear(&err);
    assert_int_equal(lr_label_read(io, 4096, &l, &s, &err), LR_EFORMAT);
    assert_int_equal(err.offset, 4096 + 1024 + 24);
    assert_string_equal(err.where, "mem");

    /* PV start past the image. */
    lr_error_clear(&err);
    assert_int_equal(lr_label_read(io, SIZE, &l, &s, &err), LR_ERANGE);
    assert_int_equal(lr_label_read(io, UINT64_MAX - 100, &l, &s, NULL), LR_ERANGE);
    lr_io_close(io, NULL);

    /* An image shorter than four sectors: the sectors present are read. */
    memset(img, 0, SIZE);
    put_label(img, 0, 1);
    io = lr_test_buf_io(img, 1024, false);
    assert_int_equal(lr_label_read(io, 0, &l, &s, NULL), 0);
    assert_int_equal(s, 1);
    lr_io_close(io, NULL);
    free(img);
}

static void test_write_touches_only_its_sector(void **state)
{
    (void)state;
    enum { SIZE = 16384 };
    uint8_t *img = malloc(SIZE), *orig = malloc(SIZE);
    assert_non_null(img);
    assert_non_null(orig);
    memset(img, 0xaa, SIZE);
    memcpy(orig, img, SIZE);
    lr_io_t *io = lr_test_buf_io(img, SIZE, true);
    lr_label_t l, r;
    sample_label(&l);
    assert_int_equal(lr_label_write(io, 2048, &l, NULL), 0);
    for (size_t i = 0; i < SIZE; i++)
        if (i < 2048 + 512 || i >= 2048 + 1024)
            assert_int_equal(img[i], orig[i]);
    uint64_t s;
    assert_int_equal(lr_label_read(io, 2048, &l, &s, NULL), 0);
    assert_int_equal(lr_label_read(io, 2048, &r, &s, NULL), 0);
    assert_int_equal(s, 1);
    assert_string_equal(r.pv_uuid, l.pv_uuid);
    lr_io_close(io, NULL);

    /* Read-only io: refused, nothing written. */
    memcpy(img, orig, SIZE);
    io = lr_test_buf_io(img, SIZE, false);
    assert_int_equal(lr_label_write(io, 0, &l, NULL), LR_EREADONLY);
    assert_memory_equal(img, orig, SIZE);
    lr_io_close(io, NULL);
    free(img);
    free(orig);
}

/* ------------------------------------------------------------------ */
/* UUIDs                                                               */

static void test_uuid_format_parse(void **state)
{
    (void)state;
    char out[LR_UUID_STR_LEN + 1], raw[33];
    assert_int_equal(lr_uuid_format("wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx", out, sizeof(out)), 0);
    assert_string_equal(out, "wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8Hx");
    assert_int_equal(lr_uuid_parse(out, raw, sizeof(raw)), 0);
    assert_string_equal(raw, "wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx");
    assert_int_equal(lr_uuid_parse("wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx", raw, sizeof(raw)), 0);
    assert_int_equal(lr_uuid_parse("-wLV6-hzHfipSXXb7KwjLY7slddB4Ra8Hx--", raw, sizeof(raw)), 0);
    assert_string_equal(raw, "wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx");

    assert_int_equal(lr_uuid_format("wLV6hzHfipSXXb7KwjLY7slddB4Ra8H", out, sizeof(out)),
                     LR_EFORMAT);
    assert_int_equal(lr_uuid_format("wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hxx", out, sizeof(out)),
                     LR_EFORMAT);
    /* outside LVM2's alphabet (lib/uuid/uuid.c _c) */
    assert_int_equal(lr_uuid_format("wLV6hzHfipSXXb7KwjLY7slddB4Ra8H$", out, sizeof(out)),
                     LR_EFORMAT);
    assert_int_equal(lr_uuid_parse("wLV6hzHfipSXXb7KwjLY7slddB4Ra8H_", raw, sizeof(raw)),
                     LR_EFORMAT);
    assert_int_equal(lr_uuid_format("wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx", out, 38), LR_EFORMAT);
    assert_int_equal(lr_uuid_parse("wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8H", raw, sizeof(raw)),
                     LR_EFORMAT);
    assert_int_equal(lr_uuid_parse("wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8Hxy", raw, sizeof(raw)),
                     LR_EFORMAT);
    assert_int_equal(lr_uuid_parse("wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8H ", raw, sizeof(raw)),
                     LR_EFORMAT);
    assert_int_equal(lr_uuid_parse("wLV6hzHfipSXXb7KwjLY7slddB4Ra8Hx", raw, 32), LR_EFORMAT);
}

/* LVM2's _c ends with the LVM1-compatibility characters "!#": id_valid
 * (and so id_read_format and the label reader) accepts them although
 * id_create never generates them. Format, parse, the label and the metadata
 * view all take them; nothing else outside [0-9a-zA-Z] passes. */
static void test_uuid_lvm1_characters(void **state)
{
    (void)state;
    char out[LR_UUID_STR_LEN + 1], raw[33];
    assert_int_equal(lr_uuid_format("wLV6hzHfipSXXb7KwjLY7slddB4Ra8!#", out, sizeof(out)), 0);
    assert_string_equal(out, "wLV6hz-Hfip-SXXb-7Kwj-LY7s-lddB-4Ra8!#");
    assert_int_equal(lr_uuid_parse(out, raw, sizeof(raw)), 0);
    assert_string_equal(raw, "wLV6hzHfipSXXb7KwjLY7slddB4Ra8!#");
    int accepted = 0;
    for (int c = 1; c < 256; c++) {
        bool ok = lr_uuid_char_ok((char)c);
        bool want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '!' || c == '#';
        assert_int_equal(ok, want);
        accepted += ok;
    }
    assert_int_equal(accepted, 64);
    assert_false(lr_uuid_char_ok('\0'));

    /* a label carrying them builds and parses back */
    lr_label_t l = {.sector = 1, .offset = 32, .device_size = 1 << 20, .n_data = 1};
    memcpy(l.pv_uuid, "#!aaaaaaaaaaaaaaaaaaaaaaaaaaaa!#", 33);
    l.data[0] = (lr_disk_locn_t){1 << 20, 0};
    uint8_t sector[512];
    lr_label_t back;
    assert_int_equal(lr_label_build(&l, sector, sizeof(sector), NULL), 0);
    assert_int_equal(lr_label_parse(sector, sizeof(sector), 1, &back, NULL), 0);
    assert_string_equal(back.pv_uuid, "#!aaaaaaaaaaaaaaaaaaaaaaaaaaaa!#");
    l.pv_uuid[5] = '$';
    assert_int_equal(lr_label_build(&l, sector, sizeof(sector), NULL), LR_EFORMAT);
}

/* The printed VG ids pvck listed round-trip through parse and format. */
static void test_uuid_fixture_ids(void **state)
{
    (void)state;
    int seen = 0;
    for (size_t f = 0; f < lr_test_n_fixtures; f++) {
        lr_test_dev_t devs[8];
        int n = lr_test_devices_req(lr_test_fixtures[f], devs, 8);
        for (int d = 0; d < n; d++) {
            char file[256], path[1024];
            snprintf(file, sizeof(file), "truth/%.63s.pvck-search-mda1", devs[d].dev);
            lr_test_copy_t copies[64];
            int c = lr_test_pvck_search(lr_test_path(path, sizeof(path), lr_test_fixtures[f], file),
                                        copies, 64);
            for (int i = 0; i < c; i++) {
                char raw[33], out[LR_UUID_STR_LEN + 1];
                assert_int_equal(lr_uuid_parse(copies[i].id, raw, sizeof(raw)), 0);
                assert_int_equal(lr_uuid_format(raw, out, sizeof(out)), 0);
                assert_string_equal(out, copies[i].id);
                seen++;
            }
        }
    }
    assert_true(seen > 50);
}

static void test_uuid_generate(void **state)
{
    (void)state;
    enum { N = 2000 };
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    int count[256] = {0};
    unsigned char seen_at[LR_PV_UUID_LEN][256];
    memset(seen_at, 0, sizeof(seen_at));
    char(*all)[33] = calloc(N, 33);
    assert_non_null(all);
    for (int i = 0; i < N; i++) {
        lr_uuid_generate(all[i]);
        assert_int_equal(strlen(all[i]), 32);
        for (int k = 0; k < 32; k++) {
            unsigned char c = (unsigned char)all[i][k];
            assert_non_null(strchr(alphabet, c));
            count[c]++;
            seen_at[k][c] = 1;
        }
        char out[LR_UUID_STR_LEN + 1];
        assert_int_equal(lr_uuid_format(all[i], out, sizeof(out)), 0);
    }
    /* Every character of the alphabet is used, and every position takes
     * (nearly) all of them: no fixed bits leak from libuuid's version and
     * variant fields. */
    for (const char *a = alphabet; *a; a++)
        assert_true(count[(unsigned char)*a] > N * 32 / 62 / 2);
    for (int k = 0; k < 32; k++) {
        int distinct = 0;
        for (int c = 0; c < 256; c++)
            distinct += seen_at[k][c];
        assert_true(distinct >= 60);
    }
    for (int i = 1; i < N; i++)
        assert_string_not_equal(all[i], all[i - 1]);
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_labels),
        cmocka_unit_test(test_build_parse_roundtrip),
        cmocka_unit_test(test_crc_flip),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_hostile_lists),
        cmocka_unit_test(test_validate_hostile),
        cmocka_unit_test(test_build_refuses),
        cmocka_unit_test(test_read_sectors),
        cmocka_unit_test(test_write_touches_only_its_sector),
        cmocka_unit_test(test_uuid_format_parse),
        cmocka_unit_test(test_uuid_lvm1_characters),
        cmocka_unit_test(test_uuid_fixture_ids),
        cmocka_unit_test(test_uuid_generate),
        cmocka_unit_test(test_area_reach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
