/* mlvm engine (lrvgedit): size parsing and display, names, the pvcreate
 * layout, first-fit allocation with splits, the first version's text, edits
 * committed to every metadata area, the ring wrapping, and every refused
 * request leaving the image byte-identical; undo files for every write
 * command (--undo) that put the image back byte for byte, also after a
 * failed write; sizes in extents as lvcreate/lvresize round them. Works on
 * temporary sparse files; no root needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/crc.h"
#include "lr/undo.h"
#include "lr/vgedit.h"
#include "fault.h"
#include "support.h"

#define MiB (1ull << 20)

/* ---- helpers ---- */

static void temp_image(char *path, size_t len, uint64_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, len, "%s/lr-mlvm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    close(fd);
}

/* CRC of the whole file, chunked so large sparse images stay cheap. */
static uint32_t file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    uint32_t crc = LR_CRC_INITIAL;
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        crc = lr_crc(crc, buf, n);
    fclose(f);
    return crc;
}

static void pwrite_file(const char *path, const void *buf, size_t len, off_t off)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static void format_image(const char *path, unsigned copies, uint64_t extent)
{
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    o.metadata_copies = copies;
    o.extent_size = extent;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_vgedit_format(path, &o, NULL, &err);
    if (rc)
        fail_msg("format failed: %s", err.msg);
}

static lr_vgedit_t *open_rw(const char *path)
{
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_vgedit_open(&ed, path, LR_VGEDIT_WRITE, &err);
    if (rc)
        fail_msg("open failed: %s", err.msg);
    return ed;
}

static void ok(int rc, const lr_error_t *err)
{
    if (rc)
        fail_msg("unexpected failure %d: %s", rc, err->msg);
}

static const lr_lv_t *lv_named(lr_vgedit_t *ed, const char *name)
{
    const lr_lv_t *lv = lr_vg_find_lv(lr_vgedit_vg(ed), name);
    assert_non_null(lv);
    return lv;
}

/* ---- sizes ---- */

static void test_parse_size(void **state)
{
    (void)state;
    uint64_t b = 0;
    lr_error_t err;
    assert_int_equal(lr_vgedit_parse_size("8m", 'm', &b, &err), 0);
    assert_int_equal(b, 8 * MiB);
    assert_int_equal(lr_vgedit_parse_size("8", 'm', &b, &err), 0);
    assert_int_equal(b, 8 * MiB);
    assert_int_equal(lr_vgedit_parse_size("8M", 'm', &b, &err), 0);
    assert_int_equal(b, 8 * MiB);
    assert_int_equal(lr_vgedit_parse_size("1.5g", 'm', &b, &err), 0);
    assert_int_equal(b, 1536 * MiB);
    assert_int_equal(lr_vgedit_parse_size("4K", 'm', &b, &err), 0);
    assert_int_equal(b, 4096);
    assert_int_equal(lr_vgedit_parse_size("3s", 'm', &b, &err), 0);
    assert_int_equal(b, 1536);
    assert_int_equal(lr_vgedit_parse_size("1024b", 'm', &b, &err), 0);
    assert_int_equal(b, 1024);
    assert_int_equal(lr_vgedit_parse_size("100b", 'm', &b, &err), 0); /* up to a sector */
    assert_int_equal(b, 512);
    assert_int_equal(lr_vgedit_parse_size("2t", 'm', &b, &err), 0);
    assert_int_equal(b, 2ull << 40);
    assert_int_equal(lr_vgedit_parse_size("1e", 'm', &b, &err), 0);
    assert_int_equal(b, 1ull << 60);
    assert_int_equal(lr_vgedit_parse_size(".5k", 'm', &b, &err), 0);
    assert_int_equal(b, 512);
}

static void test_parse_size_errors(void **state)
{
    (void)state;
    uint64_t b = 77;
    lr_error_t err;
    const char *bad[] = {"", "0", "0m", "m", "abc", "8x", "8mb", "-8m", "1..5m", ".", "8 m"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lr_error_clear(&err);
        if (lr_vgedit_parse_size(bad[i], 'm', &b, &err) != -EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(strstr(err.msg, "invalid size") != NULL);
    }
    assert_int_equal(lr_vgedit_parse_size("16e", 'm', &b, &err), LR_ERANGE);
    assert_int_equal(lr_vgedit_parse_size("99999999999999999999", 'm', &b, &err), LR_ERANGE);
    assert_int_equal(b, 77); /* untouched on failure */
}

static void test_format_size(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(lr_vgedit_format_size(4 * MiB, buf, sizeof(buf)), "4.00 MiB");
    assert_string_equal(lr_vgedit_format_size(3141632, buf, sizeof(buf)), "<3.00 MiB");
    assert_string_equal(lr_vgedit_format_size(2109440, buf, sizeof(buf)), "2.01 MiB");
    assert_string_equal(lr_vgedit_format_size(1044480, buf, sizeof(buf)), "1020.00 KiB");
    assert_string_equal(lr_vgedit_format_size(512, buf, sizeof(buf)), "512 B");
    assert_string_equal(lr_vgedit_format_size(1ull << 60, buf, sizeof(buf)), "1.00 EiB");
}

static void test_names(void **state)
{
    (void)state;
    lr_error_t err;
    assert_int_equal(lr_vgedit_check_name("lv_1.a+b-c", true, &err), 0);
    assert_int_equal(lr_vgedit_check_name("volumegroup", false, &err), 0);
    const char *bad[] = {"",    "-lv",       ".",       "..",         "a/b",
                         "a b", "snapshot0", "pvmove1", "x_rimage_0", "x_tmeta"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (lr_vgedit_check_name(bad[i], true, &err) != -EINVAL)
            fail_msg("LV name '%s' was accepted", bad[i]);
    /* Reserved LV names are fine for a VG. */
    assert_int_equal(lr_vgedit_check_name("snapshot0", false, &err), 0);
    char longname[130];
    memset(longname, 'a', 128);
    longname[128] = '\0';
    assert_int_equal(lr_vgedit_check_name(longname, true, &err), -EINVAL);
    longname[127] = '\0';
    assert_int_equal(lr_vgedit_check_name(longname, true, &err), 0);
}

/* ---- layout (numbers measured on pvcreate of LVM2 2.03.16) ---- */

static void test_layout_default(void **state)
{
    (void)state;
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    lr_vgedit_layout_t l;
    lr_error_t err;
    ok(lr_vgedit_layout(129 * MiB, &o, &l, &err), &err);
    assert_int_equal(l.n_mda, 1);
    assert_int_equal(l.mda_start[0], 4096);
    assert_int_equal(l.mda_size[0], 1044480);
    assert_int_equal(l.pe_start, MiB);
    assert_int_equal(l.pe_count, 32);
    assert_int_equal(l.dev_size, 129 * MiB);
}

static void test_layout_two_mdas(void **state)
{
    (void)state;
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    o.metadata_copies = 2;
    lr_vgedit_layout_t l;
    lr_error_t err;
    ok(lr_vgedit_layout(129 * MiB + 12345, &o, &l, &err), &err);
    assert_int_equal(l.dev_size, 135278592);
    assert_int_equal(l.mda_start[1], 134217728);
    assert_int_equal(l.mda_size[1], 1060864);
    assert_int_equal(l.pe_count, 31);
    /* pvcreate --metadatasize 2m --pvmetadatacopies 2 */
    o.metadata_size = 2 * MiB;
    ok(lr_vgedit_layout(129 * MiB + 12345, &o, &l, &err), &err);
    assert_int_equal(l.mda_size[0], 3141632);
    assert_int_equal(l.pe_start, 3 * MiB);
    assert_int_equal(l.mda_start[1], 133169152);
    assert_int_equal(l.mda_size[1], 2109440);
    assert_int_equal(l.pe_count, 31);
    /* --metadatasize 32k --dataalignment 64k --pvmetadatacopies 2 */
    o.metadata_size = 32 << 10;
    o.data_alignment = 64 << 10;
    ok(lr_vgedit_layout(129 * MiB + 12345, &o, &l, &err), &err);
    assert_int_equal(l.mda_size[0], 61440);
    assert_int_equal(l.pe_start, 65536);
    assert_int_equal(l.mda_start[1], 135200768);
    assert_int_equal(l.mda_size[1], 77824);
    /* default size, second area where the device end is just past 1 MiB */
    o.metadata_size = 0;
    o.data_alignment = 0;
    ok(lr_vgedit_layout(129 * MiB + 1044480, &o, &l, &err), &err);
    assert_int_equal(l.mda_start[1], 135266304);
    assert_int_equal(l.mda_size[1], 1044480);
}

static void test_layout_errors(void **state)
{
    (void)state;
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    lr_vgedit_layout_t l;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vgedit_layout(4 * MiB, &o, &l, &err), LR_ERANGE);
    assert_true(strstr(err.msg, "image too small") != NULL);
    o.metadata_copies = 2;
    assert_int_equal(lr_vgedit_layout(5 * MiB + 512 * 1024, &o, &l, &err), LR_ERANGE);
    assert_int_equal(lr_vgedit_layout(6 * MiB, &o, &l, &err), 0); /* one extent fits */
    assert_int_equal(l.pe_count, 1);
    assert_int_equal(l.mda_start[1], 5 * MiB);
    o.metadata_copies = 3;
    assert_int_equal(lr_vgedit_layout(64 * MiB, &o, &l, &err), -EINVAL);
    o.metadata_copies = 1;
    o.extent_size = 3000 << 10; /* neither a power of 2 nor 128 KiB multiple */
    assert_int_equal(lr_vgedit_layout(64 * MiB, &o, &l, &err), -EINVAL);
    o.extent_size = 3 * MiB;
    assert_int_equal(lr_vgedit_layout(64 * MiB, &o, &l, &err), 0);
    o.extent_size = 1000;
    assert_int_equal(lr_vgedit_layout(64 * MiB, &o, &l, &err), -EINVAL);
    o.extent_size = 0;
    o.metadata_size = 16 << 10;
    assert_int_equal(lr_vgedit_layout(64 * MiB, &o, &l, &err), -EINVAL);
}

/* ---- allocation ---- */

static void test_alloc_first_fit(void **state)
{
    (void)state;
    const lr_vgedit_range_t fr[] = {{0, 2}, {5, 10}, {20, 30}};
    lr_vgedit_range_t *p = NULL;
    size_t n = 0;
    lr_error_t err;
    /* the first range big enough, not the first range */
    ok(lr_vgedit_alloc(fr, 3, 4, UINT64_MAX, &p, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].start, 5);
    assert_int_equal(p[0].count, 4);
    free(p);
    ok(lr_vgedit_alloc(fr, 3, 2, UINT64_MAX, &p, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].start, 0);
    free(p);
    ok(lr_vgedit_alloc(fr, 3, 25, UINT64_MAX, &p, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].start, 20);
    free(p);
}

static void test_alloc_split(void **state)
{
    (void)state;
    const lr_vgedit_range_t fr[] = {{0, 2}, {5, 10}, {20, 30}};
    lr_vgedit_range_t *p = NULL;
    size_t n = 0;
    lr_error_t err;
    ok(lr_vgedit_alloc(fr, 3, 40, UINT64_MAX, &p, &n, &err), &err);
    assert_int_equal(n, 3);
    assert_int_equal(p[0].start, 0);
    assert_int_equal(p[0].count, 2);
    assert_int_equal(p[1].start, 5);
    assert_int_equal(p[1].count, 10);
    assert_int_equal(p[2].start, 20);
    assert_int_equal(p[2].count, 28);
    free(p);
    /* exactly everything */
    ok(lr_vgedit_alloc(fr, 3, 42, UINT64_MAX, &p, &n, &err), &err);
    assert_int_equal(n, 3);
    assert_int_equal(lr_vgedit_range_total(p, n), 42);
    free(p);
}

static void test_alloc_prefer_and_refuse(void **state)
{
    (void)state;
    const lr_vgedit_range_t fr[] = {{0, 2}, {5, 10}, {20, 30}};
    lr_vgedit_range_t *p = NULL;
    size_t n = 0;
    lr_error_t err;
    /* a grown LV ending at extent 20 continues there first */
    ok(lr_vgedit_alloc(fr, 3, 3, 20, &p, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].start, 20);
    free(p);
    ok(lr_vgedit_alloc(fr, 3, 12, 0, &p, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].start, 0);
    assert_int_equal(p[0].count, 2);
    assert_int_equal(p[1].start, 5);
    assert_int_equal(p[1].count, 10);
    free(p);
    lr_error_clear(&err);
    p = (void *)&n;
    assert_int_equal(lr_vgedit_alloc(fr, 3, 43, UINT64_MAX, &p, &n, &err), LR_EREFUSED);
    assert_null(p);
    assert_int_equal(n, 0);
    assert_true(strstr(err.msg, "not enough free space") != NULL);
    assert_int_equal(lr_vgedit_alloc(NULL, 0, 1, UINT64_MAX, &p, &n, &err), LR_EREFUSED);
}

/* ---- the first version ---- */

static void test_render_first(void **state)
{
    (void)state;
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    o.device_hint = "/dev/loop0";
    o.description = "Write from \"mlvm\" format.";
    lr_vgedit_layout_t l;
    lr_error_t err;
    ok(lr_vgedit_layout(129 * MiB, &o, &l, &err), &err);
    char pv[33], vg[33];
    lr_uuid_generate(pv);
    lr_uuid_generate(vg);
    char *text = NULL;
    size_t len = 0;
    ok(lr_vgedit_render_first(&o, &l, pv, vg, &text, &len, &err), &err);
    assert_int_equal(strlen(text), len);
    assert_true(strncmp(text, "volumegroup {\nid = \"", 20) == 0);
    assert_non_null(strstr(text, "\nseqno = 1\nformat = \"lvm2\"\nstatus = [\"RESIZEABLE\", "
                                 "\"READ\", \"WRITE\"]\nflags = []\nextent_size = 8192\n"
                                 "max_lv = 0\nmax_pv = 0\nmetadata_copies = 0\n\n"
                                 "physical_volumes {\n\nphysicalvolume {\nid = \""));
    assert_non_null(strstr(text, "\ndevice = \"/dev/loop0\"\n\nstatus = [\"ALLOCATABLE\"]\n"
                                 "flags = []\ndev_size = 264192\npe_start = 2048\n"
                                 "pe_count = 32\n}\n}\n\n\n}\n# Generated by "));
    assert_non_null(strstr(text, "\n\ncontents = \"Text Format Volume Group\"\nversion = 1\n\n"
                                 "description = \"Write from \\\"mlvm\\\" format.\"\n\n"
                                 "creation_host = \""));
    assert_non_null(strstr(text, "\ncreation_time = "));
    assert_true(len > 2 && text[len - 1] == '\n' && text[len - 2] == '\n');
    lr_vg_t *v = NULL;
    ok(lr_vg_parse(text, len, &v, &err), &err);
    assert_string_equal(v->name, "volumegroup");
    assert_int_equal(v->seqno, 1);
    assert_int_equal(v->n_pvs, 1);
    assert_string_equal(v->pvs[0].raw_id, pv);
    assert_int_equal(v->pvs[0].pe_count, 32);
    assert_string_equal(v->description, "Write from \"mlvm\" format.");
    ok(lr_vg_check(v, &err), &err);
    lr_vg_free(v);
    free(text);
}

/* ---- format + edit on an image ---- */

static void test_format_and_read(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 129 * MiB);
    format_image(path, 1, 0);
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    const lr_vg_t *vg = lr_vgedit_vg(ed);
    assert_string_equal(vg->name, "volumegroup");
    assert_int_equal(vg->seqno, 1);
    assert_int_equal(vg->extent_size, 8192);
    assert_int_equal(lr_vgedit_pv_index(ed), 0);
    assert_string_equal(vg->pvs[0].key, "physicalvolume");
    assert_string_equal(vg->pvs[0].device, path);
    assert_int_equal(lr_vgedit_free_extents(ed), 32);
    const lr_label_t *l = lr_vgedit_label(ed);
    assert_int_equal(l->sector, 1);
    assert_int_equal(l->device_size, 129 * MiB);
    assert_int_equal(l->n_data, 1);
    assert_int_equal(l->data[0].offset, MiB);
    assert_int_equal(l->n_mda, 1);
    assert_int_equal(l->mda[0].offset, 4096);
    assert_int_equal(l->mda[0].size, 1044480);
    assert_true(l->has_ext && l->ext_version == 2 && l->ext_flags == 1);
    bool usable = false;
    const lr_mda_header_t *h = lr_vgedit_mda(ed, 0, &usable);
    assert_true(usable);
    assert_int_equal(h->locn[0].offset, 512); /* the first copy, as vgcreate puts it */
    assert_int_equal(h->locn[0].size, strlen(lr_vgedit_text(ed)) + 1);
    assert_int_equal(lr_vgedit_commit(ed, "x", &err), LR_EREADONLY);
    lr_vgedit_free(ed);
    unlink(path);
}

static void test_create_resize_rename_remove(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 129 * MiB);
    format_image(path, 2, 0);
    lr_vgedit_t *ed = open_rw(path);
    lr_error_t err;
    ok(lr_vgedit_lv_create(ed, "a", 3, &err), &err);
    assert_true(lr_vgedit_dirty(ed));
    ok(lr_vgedit_commit(ed, "Write from test create a.", &err), &err);
    assert_false(lr_vgedit_dirty(ed));
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 2);
    const lr_lv_t *a = lv_named(ed, "a");
    assert_int_equal(a->extent_count, 3);
    assert_int_equal(a->n_segs, 1);
    assert_true(a->visible);
    assert_string_equal(a->segs[0].type, "striped");
    assert_int_equal(a->segs[0].n_areas, 1);
    assert_string_equal(a->segs[0].areas[0].name, "physicalvolume");
    assert_int_equal(a->segs[0].areas[0].start, 0);
    assert_int_equal(a->segs[0].areas[0].pv_index, 0);
    assert_non_null(a->creation_host);
    assert_true(a->creation_time > 0);

    /* grow in place: the extents after it are free */
    ok(lr_vgedit_lv_resize(ed, "a", 5, &err), &err);
    ok(lr_vgedit_lv_create(ed, "b", 2, &err), &err);
    ok(lr_vgedit_commit(ed, "two edits, one version", &err), &err);
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 3);
    a = lv_named(ed, "a");
    assert_int_equal(a->n_segs, 1);
    assert_int_equal(a->extent_count, 5);
    assert_int_equal(lv_named(ed, "b")->segs[0].areas[0].start, 5);

    /* grow again: b is in the way, so a gets a second segment */
    ok(lr_vgedit_lv_resize(ed, "a", 8, &err), &err);
    a = lv_named(ed, "a");
    assert_int_equal(a->n_segs, 2);
    assert_int_equal(a->segs[1].start_extent, 5);
    assert_int_equal(a->segs[1].extent_count, 3);
    assert_int_equal(a->segs[1].areas[0].start, 7);
    /* shrink back drops the second segment */
    ok(lr_vgedit_lv_resize(ed, "a", 4, &err), &err);
    a = lv_named(ed, "a");
    assert_int_equal(a->n_segs, 1);
    assert_int_equal(a->extent_count, 4);

    ok(lr_vgedit_lv_rename(ed, "b", "c", &err), &err);
    assert_null(lr_vg_find_lv(lr_vgedit_vg(ed), "b"));
    assert_int_equal(lv_named(ed, "c")->extent_count, 2);
    ok(lr_vgedit_commit(ed, NULL, &err), &err);
    ok(lr_vgedit_lv_remove(ed, "a", &err), &err);
    ok(lr_vgedit_lv_remove(ed, "c", &err), &err);
    assert_int_equal(lr_vgedit_vg(ed)->n_lvs, 0);
    /* LVM2 writes no logical_volumes section for a VG without LVs */
    assert_null(strstr(lr_vgedit_text(ed), "logical_volumes"));
    ok(lr_vgedit_commit(ed, NULL, &err), &err);
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 5);
    lr_vgedit_free(ed);

    /* both areas hold the same committed copy */
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    assert_int_equal(lr_vgedit_mda_count(ed), 2);
    const lr_mda_header_t *h0 = lr_vgedit_mda(ed, 0, NULL), *h1 = lr_vgedit_mda(ed, 1, NULL);
    assert_int_equal(h0->locn[0].checksum, h1->locn[0].checksum);
    assert_int_equal(h0->locn[0].size, h1->locn[0].size);
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 5);
    assert_int_equal(lr_vgedit_free_extents(ed), 31);
    lr_vgedit_free(ed);
    unlink(path);
}

/* No free range holds the new LV whole: it is split over the hole and the
 * space at the end, in that order. */
static void test_split_allocation(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 40 * MiB); /* 39 extents of 1 MiB */
    format_image(path, 1, MiB);
    lr_vgedit_t *ed = open_rw(path);
    lr_error_t err;
    ok(lr_vgedit_lv_create(ed, "a", 10, &err), &err);
    ok(lr_vgedit_lv_create(ed, "b", 10, &err), &err);
    ok(lr_vgedit_lv_create(ed, "c", 10, &err), &err);
    ok(lr_vgedit_lv_remove(ed, "b", &err), &err);
    ok(lr_vgedit_lv_create(ed, "d", 15, &err), &err);
    const lr_lv_t *d = lv_named(ed, "d");
    assert_int_equal(d->n_segs, 2);
    assert_int_equal(d->segs[0].areas[0].start, 10);
    assert_int_equal(d->segs[0].extent_count, 10);
    assert_int_equal(d->segs[1].start_extent, 10);
    assert_int_equal(d->segs[1].areas[0].start, 30);
    assert_int_equal(d->segs[1].extent_count, 5);
    /* a small LV fits the first hole that holds it whole */
    ok(lr_vgedit_lv_remove(ed, "a", &err), &err);
    ok(lr_vgedit_lv_create(ed, "e", 4, &err), &err);
    assert_int_equal(lv_named(ed, "e")->segs[0].areas[0].start, 0);
    ok(lr_vgedit_commit(ed, NULL, &err), &err);
    lr_vgedit_free(ed);
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    assert_int_equal(lv_named(ed, "d")->n_segs, 2);
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 2);
    lr_vgedit_free(ed);
    unlink(path);
}

/* Enough versions to wrap a 60 KiB ring several times. */
static void test_ring_wraps(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 32 * MiB);
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    o.metadata_size = 32 << 10;
    o.data_alignment = 64 << 10;
    o.extent_size = MiB;
    lr_error_t err;
    ok(lr_vgedit_format(path, &o, NULL, &err), &err);
    lr_vgedit_t *ed = open_rw(path);
    char name[32];
    for (int i = 0; i < 120; i++) {
        snprintf(name, sizeof(name), "lv%d", i % 6);
        if (lr_vg_find_lv(lr_vgedit_vg(ed), name))
            ok(lr_vgedit_lv_remove(ed, name, &err), &err);
        else
            ok(lr_vgedit_lv_create(ed, name, 1 + (uint64_t)i % 3, &err), &err);
        ok(lr_vgedit_commit(ed, "ring test", &err), &err);
    }
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 121);
    lr_vgedit_free(ed);
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 121);
    lr_vgedit_free(ed);
    unlink(path);
}

/* Edits write nothing but metadata (the label and the data area keep their
 * bytes) and keep the untouched text of the version byte for byte. */
static void test_edit_keeps_other_bytes(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 1, 0);
    static char pattern[4096];
    memset(pattern, 0xa5, sizeof(pattern));
    pwrite_file(path, pattern, sizeof(pattern), (off_t)MiB); /* the first extent's data */
    char label_before[512], label_after[512];
    int fd = open(path, O_RDONLY);
    assert_int_equal(pread(fd, label_before, sizeof(label_before), 512), 512);
    lr_vgedit_t *ed = open_rw(path);
    lr_error_t err;
    const char *old = lr_vgedit_text(ed);
    const char *b = strstr(old, "physical_volumes {"), *e = strstr(old, "pe_count = ");
    assert_non_null(b);
    assert_non_null(e);
    char *pv_block = strndup(b, (size_t)(e - b));
    ok(lr_vgedit_lv_create(ed, "lv", 2, &err), &err);
    ok(lr_vgedit_commit(ed, "keep", &err), &err);
    assert_non_null(strstr(lr_vgedit_text(ed), pv_block));
    assert_non_null(strstr(lr_vgedit_text(ed), "description = \"keep\""));
    free(pv_block);
    lr_vgedit_free(ed);
    char data[4096];
    assert_int_equal(pread(fd, data, sizeof(data), (off_t)MiB), (ssize_t)sizeof(data));
    assert_memory_equal(data, pattern, sizeof(data));
    assert_int_equal(pread(fd, label_after, sizeof(label_after), 512), 512);
    assert_memory_equal(label_before, label_after, sizeof(label_after));
    close(fd);
    unlink(path);
}

/* A damaged second area: read shows the VG from the first, edits refuse. */
static void test_damaged_area(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 2, 0);
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    uint64_t mda2 = lr_vgedit_label(ed)->mda[1].offset;
    lr_vgedit_free(ed);
    static const char junk[16] = "not an mda hdr!";
    pwrite_file(path, junk, sizeof(junk), (off_t)mda2 + 8);
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    bool usable = true;
    assert_non_null(lr_vgedit_mda(ed, 1, &usable));
    assert_false(usable);
    assert_int_equal(lr_vgedit_vg(ed)->seqno, 1);
    lr_vgedit_free(ed);
    uint32_t before = file_hash(path);
    lr_error_clear(&err);
    assert_true(lr_vgedit_open(&ed, path, LR_VGEDIT_WRITE, &err) != 0);
    assert_null(ed);
    assert_non_null(strstr(err.msg, "metadata area 2"));
    assert_int_equal(file_hash(path), before);
    unlink(path);
}

/* ---- refusals leave the image byte-identical ---- */

static void expect_refused_edit(const char *path, int want, const char *word,
                                int (*op)(lr_vgedit_t *, lr_error_t *))
{
    uint32_t before = file_hash(path);
    lr_vgedit_t *ed = open_rw(path);
    lr_error_t err;
    lr_error_clear(&err);
    int rc = op(ed, &err);
    if (rc != want)
        fail_msg("got %d (%s), want %d", rc, err.msg, want);
    if (word && !strstr(err.msg, word))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, word);
    assert_string_equal(err.where, path);
    /* A name already taken says so as data too: the caller may pick another. */
    bool taken = word && (strstr(word, "already exists") || strstr(word, "PV section"));
    assert_int_equal(err.hints, taken ? LR_HINT_NEW_NAME : 0);
    lr_vgedit_free(ed);
    assert_int_equal(file_hash(path), before);
}

static int op_dup(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_create(ed, "keep", 1, err);
}
static int op_nospace(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_create(ed, "big", 1000, err);
}
static int op_badname(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_create(ed, "bad/name", 1, err);
}
static int op_zero(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_create(ed, "zero", 0, err);
}
static int op_missing(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_remove(ed, "nosuch", err);
}
static int op_resize_missing(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_resize(ed, "nosuch", 2, err);
}
static int op_grow_nospace(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_resize(ed, "keep", 1000, err);
}
static int op_same_size(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_resize(ed, "keep", 2, err);
}
static int op_rename_dup(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_rename(ed, "keep", "other", err);
}
static int op_rename_pvkey(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_rename(ed, "keep", "physicalvolume", err);
}
/* A failed edit after a good one: nothing is written without a commit. */
static int op_edit_then_fail(lr_vgedit_t *ed, lr_error_t *err)
{
    int rc = lr_vgedit_lv_create(ed, "fresh", 1, err);
    if (rc)
        return rc;
    return lr_vgedit_lv_create(ed, "fresh", 1, err);
}

static void test_refusals_leave_image(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 2, 0);
    lr_vgedit_t *ed = open_rw(path);
    lr_error_t err;
    ok(lr_vgedit_lv_create(ed, "keep", 2, &err), &err);
    ok(lr_vgedit_lv_create(ed, "other", 1, &err), &err);
    ok(lr_vgedit_commit(ed, NULL, &err), &err);
    lr_vgedit_free(ed);

    expect_refused_edit(path, LR_EREFUSED, "already exists", op_dup);
    expect_refused_edit(path, LR_EREFUSED, "not enough free space", op_nospace);
    expect_refused_edit(path, -EINVAL, "invalid character", op_badname);
    expect_refused_edit(path, -EINVAL, "at least one extent", op_zero);
    expect_refused_edit(path, LR_ENOTFOUND, "no logical volume 'nosuch'", op_missing);
    expect_refused_edit(path, LR_ENOTFOUND, "nosuch", op_resize_missing);
    expect_refused_edit(path, LR_EREFUSED, "not enough free space", op_grow_nospace);
    expect_refused_edit(path, LR_EREFUSED, "already has 2 extents", op_same_size);
    expect_refused_edit(path, LR_EREFUSED, "already exists", op_rename_dup);
    expect_refused_edit(path, LR_EREFUSED, "PV section", op_rename_pvkey);
    expect_refused_edit(path, LR_EREFUSED, "already exists", op_edit_then_fail);
    unlink(path);
}

/* hints: the LR_HINT_* bits the refusal must carry (0 for none). */
static void expect_format_refused(const char *path, const lr_vgedit_format_opts_t *o, int want,
                                  const char *word, unsigned hints)
{
    uint32_t before = file_hash(path);
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_vgedit_format(path, o, NULL, &err);
    if (rc != want)
        fail_msg("format gave %d (%s), want %d", rc, err.msg, want);
    if (word && !strstr(err.msg, word))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, word);
    assert_string_equal(err.where, path);
    assert_int_equal(err.hints, hints);
    assert_int_equal(file_hash(path), before);
}

static void test_format_refusals(void **state)
{
    (void)state;
    char path[256];
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    /* too small */
    temp_image(path, sizeof(path), 2 * MiB);
    expect_format_refused(path, &o, LR_ERANGE, "image too small", 0);
    unlink(path);
    /* an existing PV */
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 1, 0);
    expect_format_refused(path, &o, LR_EREFUSED, "LVM2 physical volume label", LR_HINT_FORCE);
    /* bad names and sizes */
    o.vg_name = "bad name";
    o.force = true;
    expect_format_refused(path, &o, -EINVAL, "invalid character", 0);
    o.vg_name = NULL;
    o.extent_size = 3000 << 10;
    expect_format_refused(path, &o, -EINVAL, "power of 2", 0);
    o.extent_size = 0;
    o.metadata_copies = 3;
    expect_format_refused(path, &o, -EINVAL, "1 or 2", 0);
    o.metadata_copies = 1;
    /* with --force it goes through and makes a new VG */
    lr_error_t err;
    ok(lr_vgedit_format(path, &o, NULL, &err), &err);
    unlink(path);

    /* filesystem signatures */
    static const struct {
        off_t off;
        const char *magic;
        size_t len;
        const char *word;
    } sigs[] = {
        {1080, "\x53\xef", 2, "ext2/3/4"}, {0, "XFSB", 4, "XFS"},
        {65600, "_BHRfS_M", 8, "btrfs"},   {0, "LUKS\xba\xbe", 6, "LUKS"},
        {4086, "SWAPSPACE2", 10, "swap"},  {512, "EFI PART", 8, "GPT"},
        {510, "\x55\xaa", 2, "MBR"},
    };
    lr_vgedit_format_defaults(&o);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        temp_image(path, sizeof(path), 64 * MiB);
        pwrite_file(path, sigs[i].magic, sigs[i].len, sigs[i].off);
        expect_format_refused(path, &o, LR_EREFUSED, sigs[i].word, LR_HINT_FORCE);
        o.force = true;
        ok(lr_vgedit_format(path, &o, NULL, &err), &err);
        o.force = false;
        /* the signature is gone: a new format is refused for the PV only */
        expect_format_refused(path, &o, LR_EREFUSED, "LVM2 physical volume label", LR_HINT_FORCE);
        unlink(path);
    }
}

/* An image another process holds is refused before anything is read. */
static void test_locked_image(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 1, 0);
    uint32_t before = file_hash(path);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vgedit_open(&ed, path, LR_VGEDIT_WRITE, &err), -EBUSY);
    assert_string_equal(err.where, path);
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    o.force = true;
    assert_int_equal(lr_vgedit_format(path, &o, NULL, &err), -EBUSY);
    /* reading needs no lock */
    ok(lr_vgedit_open(&ed, path, LR_VGEDIT_READ, &err), &err);
    lr_vgedit_free(ed);
    close(fd);
    assert_int_equal(file_hash(path), before);
    unlink(path);
}

static void test_open_errors(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 8 * MiB);
    uint32_t before = file_hash(path);
    lr_vgedit_t *ed = (void *)path;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vgedit_open(&ed, path, LR_VGEDIT_WRITE, &err), LR_ENOTFOUND);
    assert_null(ed);
    assert_true(strstr(err.msg, "not an LVM2 physical volume") != NULL);
    assert_string_equal(err.where, path);
    assert_int_equal(file_hash(path), before);
    unlink(path);
    lr_error_clear(&err);
    assert_true(lr_vgedit_open(&ed, "/nonexistent/mlvm.img", LR_VGEDIT_READ, &err) == -ENOENT);
    assert_string_equal(err.where, "/nonexistent/mlvm.img");
}

/* ---- undo files ---- */

static void sha(const char *path, char out[65])
{
    assert_int_equal(lr_test_sha256_file(path, out), 0);
}

static void undo_name(char *buf, size_t len, const char *image, const char *what)
{
    snprintf(buf, len, "%s.%s.undo", image, what);
    unlink(buf);
}

/* Reads undo (which must say the run ended with status) and puts image back. */
static void apply_undo(const char *undo, const char *image, int status)
{
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    ok(lr_undo_read(undo, &f, &err), &err);
    assert_true(f->finished);
    assert_false(f->truncated);
    assert_int_equal(f->status, status);
    assert_int_equal(f->n_images, 1);
    assert_string_equal(f->images[0].path, image);
    assert_true(f->n_ranges > 0);
    lr_io_t *io = NULL;
    ok(lr_io_open_rw(&io, image, LR_IO_RDWR | LR_IO_EXCL, &err), &err);
    size_t n = 0;
    ok(lr_undo_apply(f, &io, false, &n, &err), &err);
    assert_true(n >= 1 && n <= f->n_ranges); /* ranges still original are skipped */
    lr_io_close(io, NULL);
    lr_undo_file_free(f);
    unlink(undo);
}

typedef int (*edit_fn)(lr_vgedit_t *ed, lr_error_t *err);

static int ed_create(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_create(ed, "data", 3, err);
}
static int ed_resize(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_resize(ed, "data", 5, err);
}
static int ed_rename(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_rename(ed, "data", "archive", err);
}
static int ed_remove(lr_vgedit_t *ed, lr_error_t *err)
{
    return lr_vgedit_lv_remove(ed, "archive", err);
}

static void edit_with_undo(const char *path, const char *undo, edit_fn fn)
{
    lr_vgedit_io_opts_t io = {.undo_path = undo};
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    ok(lr_vgedit_open_ex(&ed, path, LR_VGEDIT_WRITE, &io, &err), &err);
    ok(fn(ed, &err), &err);
    assert_int_equal(access(undo, F_OK), -1); /* made by the commit, not before */
    ok(lr_vgedit_commit(ed, "test", &err), &err);
    lr_vgedit_free(ed);
    assert_int_equal(access(undo, F_OK), 0);
}

/* format, create, resize, rename, remove, each with an undo file; the undo
 * files applied newest first walk the image back through every state to
 * the empty image, byte for byte. Both metadata areas are written. */
static void test_undo_every_command(void **state)
{
    (void)state;
    char path[256], undo[5][300], h[6][65], now[65];
    temp_image(path, sizeof(path), 64 * MiB);
    sha(path, h[0]);
    static const char *const names[] = {"format", "create", "resize", "rename", "remove"};
    static const edit_fn fns[] = {NULL, ed_create, ed_resize, ed_rename, ed_remove};
    for (int i = 0; i < 5; i++) {
        undo_name(undo[i], sizeof(undo[i]), path, names[i]);
        if (i == 0) {
            lr_vgedit_format_opts_t o;
            lr_vgedit_format_defaults(&o);
            o.metadata_copies = 2;
            lr_vgedit_io_opts_t io = {.undo_path = undo[0]};
            lr_error_t err;
            lr_error_clear(&err);
            ok(lr_vgedit_format_ex(path, &o, &io, NULL, &err), &err);
        } else {
            edit_with_undo(path, undo[i], fns[i]);
        }
        sha(path, h[i + 1]);
        assert_string_not_equal(h[i], h[i + 1]);
    }
    for (int i = 4; i >= 0; i--) {
        apply_undo(undo[i], path, 0);
        sha(path, now);
        assert_string_equal(now, h[i]);
    }
    unlink(path);
}

/* A refused request creates no undo file; an existing undo file is never
 * overwritten and stops the command before its first write. */
static void test_undo_refusals(void **state)
{
    (void)state;
    char path[256], undo[300], h0[65], h1[65];
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 1, 0);
    undo_name(undo, sizeof(undo), path, "refused");
    sha(path, h0);
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    lr_vgedit_io_opts_t io = {.undo_path = undo};
    lr_error_t err;
    lr_error_clear(&err);
    /* format over a PV: refused, no file */
    assert_int_equal(lr_vgedit_format_ex(path, &o, &io, NULL, &err), LR_EREFUSED);
    assert_int_equal(access(undo, F_OK), -1);
    /* a refused edit never reaches the commit */
    lr_vgedit_t *ed = NULL;
    ok(lr_vgedit_open_ex(&ed, path, LR_VGEDIT_WRITE, &io, &err), &err);
    assert_int_equal(lr_vgedit_lv_create(ed, "x", 1000, &err), LR_EREFUSED);
    lr_vgedit_free(ed);
    assert_int_equal(access(undo, F_OK), -1);
    sha(path, h1);
    assert_string_equal(h0, h1);

    /* an existing file: -EEXIST, the file and the image untouched */
    FILE *f = fopen(undo, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    ok(lr_vgedit_open_ex(&ed, path, LR_VGEDIT_WRITE, &io, &err), &err);
    ok(lr_vgedit_lv_create(ed, "x", 1, &err), &err);
    assert_int_equal(lr_vgedit_commit(ed, NULL, &err), -EEXIST);
    assert_true(strstr(err.msg, "never overwritten") != NULL);
    lr_vgedit_free(ed);
    o.force = true;
    assert_int_equal(lr_vgedit_format_ex(path, &o, &io, NULL, &err), -EEXIST);
    sha(path, h1);
    assert_string_equal(h0, h1);
    size_t len = 0;
    char *kept = lr_test_slurp(undo, &len);
    assert_non_null(kept);
    assert_string_equal(kept, "precious");
    free(kept);
    unlink(undo);

    /* one commit per undo file: the second is refused before writing */
    ok(lr_vgedit_open_ex(&ed, path, LR_VGEDIT_WRITE, &io, &err), &err);
    ok(lr_vgedit_lv_create(ed, "one", 1, &err), &err);
    ok(lr_vgedit_commit(ed, NULL, &err), &err);
    sha(path, h1);
    ok(lr_vgedit_lv_create(ed, "two", 1, &err), &err);
    assert_int_equal(lr_vgedit_commit(ed, NULL, &err), LR_EREFUSED);
    assert_true(strstr(err.msg, "undo file") != NULL);
    lr_vgedit_free(ed);
    char h2[65];
    sha(path, h2);
    assert_string_equal(h1, h2);
    apply_undo(undo, path, 0);
    sha(path, h1);
    assert_string_equal(h0, h1);
    unlink(path);
}

/* The open hook lr_test_fault_open fails the chosen write (tests/support/fault.h). */

/* A write that fails half way: the error comes back, the undo file is
 * finished with it and still puts the original bytes back. */
static void test_undo_after_failed_write(void **state)
{
    (void)state;
    char path[256], undo[300], h0[65], h1[65];
    temp_image(path, sizeof(path), 64 * MiB);
    sha(path, h0);
    undo_name(undo, sizeof(undo), path, "failed");
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    lr_test_fault_t f = {.fail_at =
                             5}; /* zero, zero, area header, text: the commit's header fails */
    lr_vgedit_io_opts_t io = {.undo_path = undo, .open_rw = lr_test_fault_open, .open_arg = &f};
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vgedit_format_ex(path, &o, &io, NULL, &err), -EIO);
    assert_string_equal(err.where, path);
    assert_true(strstr(err.msg, "injected fault") != NULL);
    apply_undo(undo, path, -EIO);
    sha(path, h1);
    assert_string_equal(h0, h1);

    format_image(path, 2, 0);
    sha(path, h0);
    f = (lr_test_fault_t){.fail_at = 3}; /* text 1, header 1, text 2 fails */
    lr_vgedit_t *ed = NULL;
    ok(lr_vgedit_open_ex(&ed, path, LR_VGEDIT_WRITE, &io, &err), &err);
    ok(lr_vgedit_lv_create(ed, "lv", 2, &err), &err);
    assert_int_equal(lr_vgedit_commit(ed, NULL, &err), -EIO);
    lr_vgedit_free(ed);
    assert_int_equal(f.counter, 3);
    apply_undo(undo, path, -EIO);
    sha(path, h1);
    assert_string_equal(h0, h1);
    unlink(path);
}

/* ---- sizes in extents ---- */

static void test_size_extents(void **state)
{
    (void)state;
    char path[256];
    temp_image(path, sizeof(path), 64 * MiB);
    format_image(path, 1, 0);
    lr_vgedit_t *ed = open_rw(path);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_vgedit_size_extents(ed, 0), 1); /* no size: the smallest LV */
    assert_int_equal(lr_vgedit_size_extents(ed, 1), 1);
    assert_int_equal(lr_vgedit_size_extents(ed, 4 * MiB), 1);
    assert_int_equal(lr_vgedit_size_extents(ed, 4 * MiB + 1), 2);
    assert_int_equal(lr_vgedit_size_extents(ed, 10 * MiB), 3);
    assert_int_equal(lr_vgedit_vg_free_extents(ed), 15);
    ok(lr_vgedit_lv_create(ed, "lv", 3, &err), &err);
    assert_int_equal(lr_vgedit_vg_free_extents(ed), 12);
    assert_int_equal(lr_vgedit_free_extents(ed), 12);
    uint64_t from = 0, to = 0;
    ok(lr_vgedit_resize_extents(ed, "lv", '+', 5 * MiB, &from, &to, &err), &err);
    assert_int_equal(from, 3);
    assert_int_equal(to, 5); /* 17 MiB rounded up */
    ok(lr_vgedit_resize_extents(ed, "lv", '-', 5 * MiB, NULL, &to, &err), &err);
    assert_int_equal(to, 2); /* 7 MiB rounded up */
    ok(lr_vgedit_resize_extents(ed, "lv", 0, 1, NULL, &to, &err), &err);
    assert_int_equal(to, 1);
    assert_int_equal(lr_vgedit_resize_extents(ed, "lv", '-', 12 * MiB, NULL, &to, &err), -EINVAL);
    assert_true(strstr(err.msg, "no extents left") != NULL);
    assert_string_equal(err.where, path);
    assert_int_equal(lr_vgedit_resize_extents(ed, "lv", '+', UINT64_MAX, NULL, &to, &err),
                     LR_ERANGE);
    assert_int_equal(lr_vgedit_resize_extents(ed, "lv", 0, 0, NULL, &to, &err), -EINVAL);
    assert_int_equal(lr_vgedit_resize_extents(ed, "lv", '*', 1, NULL, &to, &err), -EINVAL);
    assert_int_equal(lr_vgedit_resize_extents(ed, "nosuch", 0, 1, NULL, &to, &err), LR_ENOTFOUND);
    lr_vgedit_free(ed);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_size_errors),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_layout_default),
        cmocka_unit_test(test_layout_two_mdas),
        cmocka_unit_test(test_layout_errors),
        cmocka_unit_test(test_alloc_first_fit),
        cmocka_unit_test(test_alloc_split),
        cmocka_unit_test(test_alloc_prefer_and_refuse),
        cmocka_unit_test(test_render_first),
        cmocka_unit_test(test_format_and_read),
        cmocka_unit_test(test_create_resize_rename_remove),
        cmocka_unit_test(test_split_allocation),
        cmocka_unit_test(test_ring_wraps),
        cmocka_unit_test(test_edit_keeps_other_bytes),
        cmocka_unit_test(test_damaged_area),
        cmocka_unit_test(test_refusals_leave_image),
        cmocka_unit_test(test_format_refusals),
        cmocka_unit_test(test_locked_image),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_undo_every_command),
        cmocka_unit_test(test_undo_refusals),
        cmocka_unit_test(test_undo_after_failed_write),
        cmocka_unit_test(test_size_extents),
    };
    return cmocka_run_group_tests_name("mlvm", tests, NULL, NULL);
}
