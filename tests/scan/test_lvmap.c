/* scan's LV mapper (lr/lvmap.h) on a hand-made VG over in-memory PVs whose
 * every byte is known: the runs of linear, striped and raid1 LVs (a raid1
 * whose first leg's PV is not given is read from its second leg, and says
 * so), the reasons (a PV not given, extents past an image end, extents
 * past the PV's pe_count, a segment type not mapped) and the reads, compared with the bytes put
 * there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_io.h"
#include "support.h"

#include "lr/lvmap.h"

#define EXT 4096u /* extent_size = 8 sectors */
#define PE0 4096u /* pe_start = 8 sectors */
#define PV_EXTENTS 16u
#define PV_BYTES (PE0 + PV_EXTENTS * EXT)

#define PV0_EXTENTS 20u /* pv0's metadata: its image holds only PV_EXTENTS of them */

static const char *pv(int i)
{
    static char b[3][200];
    unsigned count = i == 0 ? PV0_EXTENTS : PV_EXTENTS;
    snprintf(b[i], sizeof(b[i]),
             "pv%d {\nid = \"pppppp-pppp-pppp-pppp-pppp-pppp-ppppp%d\"\n"
             "status = [\"ALLOCATABLE\"]\ndev_size = %u\npe_start = 8\npe_count = %u\n}\n",
             i, i, (PE0 + count * EXT) / 512, count);
    return b[i];
}

#define LV(name, vis, segs)                                                                        \
    name " {\nid = \"llllll-llll-llll-llll-llll-llll-llllll\"\nstatus = [\"READ\", \"WRITE\"" vis  \
         "]\nflags = []\n" segs "}\n"
#define LINEAR(n, start, count, pvname, pe)                                                        \
    "segment" #n " {\nstart_extent = " #start "\nextent_count = " #count                           \
    "\ntype = \"striped\"\nstripe_count = 1\nstripes = [\"" pvname "\", " #pe "]\n}\n"

static const char *lvs_text = "logical_volumes {\n" LV(
    "lin", ", \"VISIBLE\"", "segment_count = 1\n" LINEAR(1, 0, 2, "pv0", 0))
    LV("str", ", \"VISIBLE\"",
       "segment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = 4\ntype = "
       "\"striped\"\nstripe_count = 2\nstripe_size = 8\nstripes = [\"pv0\", 2, \"pv1\", 2]\n}\n")
        LV("r1", ", \"VISIBLE\"",
           "segment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = 2\ntype = "
           "\"raid1\"\ndevice_count = 2\nregion_size = 1024\nraids = [\"r1_rmeta_0\", "
           "\"r1_rimage_0\", \"r1_rmeta_1\", \"r1_rimage_1\"]\n}\n")
            LV("r1_rmeta_0", "", "segment_count = 1\n" LINEAR(1, 0, 1, "pv2", 0))
                LV("r1_rimage_0", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv2", 1))
                    LV("r1_rmeta_1", "", "segment_count = 1\n" LINEAR(1, 0, 1, "pv1", 8)) LV(
                        "r1_rimage_1", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv1", 9))
                        LV("far", ", \"VISIBLE\"", "segment_count = 1\n" LINEAR(1, 0, 4, "pv0", 14))
                            LV("z", ", \"VISIBLE\"",
                               "segment_count = 1\nsegment1 {\nstart_extent = "
                               "0\nextent_count = 1\ntype = \"zero\"\n}\n")
    /* lr_lvmap_legs: a mirror on pv0 and pv1; a raid1 whose image 1 is on pv2
     * (not given) and whose image 0 has its _rmeta */
    LV("m", ", \"VISIBLE\"",
       "segment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = 2\ntype = "
       "\"mirror\"\nmirror_count = 2\nmirrors = [\"m_mimage_0\", 0, \"m_mimage_1\", 0]\n}\n")
        LV("m_mimage_0", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv0", 4))
            LV("m_mimage_1", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv1", 4))
                LV("r3", ", \"VISIBLE\"",
                   "segment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = 2\ntype = "
                   "\"raid1\"\ndevice_count = 3\nregion_size = 1024\nraids = [\"r3_rmeta_0\", "
                   "\"r3_rimage_0\", \"r3_rimage_1\", \"r3_rimage_2\"]\n}\n")
                    LV("r3_rmeta_0", "", "segment_count = 1\n" LINEAR(1, 0, 1, "pv0", 6))
                        LV("r3_rimage_0", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv0", 7)) LV(
                            "r3_rimage_1", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv2", 5))
                            LV("r3_rimage_2", "", "segment_count = 1\n" LINEAR(1, 0, 2, "pv1", 6))
    /* a linear LV over extent 1 of the mirror: one leg, stacked */
    LV("onm", ", \"VISIBLE\"", "segment_count = 1\n" LINEAR(1, 0, 1, "m", 1)) "}\n";

typedef struct fix {
    lr_vg_t *vg;
    lr_scan_t scan;
    lr_scan_label_t labels[2];
    lr_scan_image_t images[2];
    lr_io_t *ios[3];
} fix_t;

/* Byte at off of image i: distinct per image and per 4 KiB block. */
static uint8_t pattern(int i, uint64_t off)
{
    return (uint8_t)(i * 64 + off / EXT + 1);
}

static void fix_init(fix_t *f)
{
    memset(f, 0, sizeof(*f));
    char text[8192];
    snprintf(text, sizeof(text),
             "vg {\nid = \"vvvvvv-vvvv-vvvv-vvvv-vvvv-vvvv-vvvvvv\"\nseqno = 1\nformat = "
             "\"lvm2\"\nstatus = [\"RESIZEABLE\", \"READ\", \"WRITE\"]\nflags = []\n"
             "extent_size = 8\nmax_lv = 0\nmax_pv = 0\nmetadata_copies = 0\n"
             "physical_volumes {\n%s%s%s}\n%s}\ncontents = \"Text Format Volume Group\"\n"
             "version = 1\n",
             pv(0), pv(1), pv(2), lvs_text);
    lr_error_t err = {0};
    if (lr_vg_parse(text, strlen(text), &f->vg, &err))
        fail_msg("VG text: %s", err.msg);
    static uint8_t img[2][PV_BYTES];
    for (int i = 0; i < 2; i++) {
        for (uint64_t o = 0; o < PV_BYTES; o++)
            img[i][o] = pattern(i, o);
        assert_int_equal(lr_test_mem_io(&f->ios[i], NULL, img[i], PV_BYTES, 0, false,
                                        i ? "pv1.img" : "pv0.img", NULL),
                         0);
        f->images[i].path = i ? "pv1.img" : "pv0.img";
        f->images[i].size = PV_BYTES;
        f->labels[i].image = i;
        f->labels[i].valid = true;
        snprintf(f->labels[i].label.pv_uuid, sizeof(f->labels[i].label.pv_uuid), "%s",
                 f->vg->pvs[i].raw_id);
    }
    /* pv2 is not among the images */
    f->scan.n_images = 2;
    f->scan.images = f->images;
    f->scan.n_labels = 2;
    f->scan.labels = f->labels;
}

static void fix_free(fix_t *f)
{
    for (int i = 0; i < 2; i++)
        lr_io_close(f->ios[i], NULL);
    lr_vg_free(f->vg);
}

static const lr_lv_t *lv_of(const fix_t *f, const char *name)
{
    const lr_lv_t *lv = lr_vg_find_lv(f->vg, name);
    assert_non_null(lv);
    return lv;
}

static void expect_run(const lr_lvmap_run_t *r, int image, uint64_t off, uint64_t len)
{
    assert_int_equal(r->image, image);
    assert_int_equal(r->off, off);
    assert_int_equal(r->len, len);
}

static void test_runs(void **state)
{
    (void)state;
    fix_t f;
    fix_init(&f);
    lr_lvmap_run_t runs[8];
    lr_lvmap_why_t why;
    size_t n = 0;
    assert_int_equal(
        lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "lin"), 100, 2 * EXT - 100, runs, 8, &n, &why), 0);
    assert_int_equal(n, 1);
    expect_run(&runs[0], 0, PE0 + 100, 2 * EXT - 100);
    /* stripes of one extent (8 sectors): pv0 and pv1 in turn from extent 2 */
    assert_int_equal(lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "str"), 0, 4 * EXT, runs, 8, &n, &why),
                     0);
    assert_int_equal(n, 4);
    expect_run(&runs[0], 0, PE0 + 2 * EXT, EXT);
    expect_run(&runs[1], 1, PE0 + 2 * EXT, EXT);
    expect_run(&runs[2], 0, PE0 + 3 * EXT, EXT);
    expect_run(&runs[3], 1, PE0 + 3 * EXT, EXT);
    /* more pieces than room */
    assert_int_equal(lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "str"), 0, 4 * EXT, runs, 3, &n, &why),
                     LR_ELIMIT);
    assert_int_equal(n, 0);
    /* raid1: leg 0's PV (pv2) not given, leg 1 (pv1 from extent 9) read */
    assert_int_equal(lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "r1"), EXT, EXT, runs, 8, &n, &why),
                     0);
    assert_int_equal(n, 1);
    expect_run(&runs[0], 1, PE0 + 10 * EXT, EXT);
    assert_int_equal(why.missing_legs, 1);
    /* the missing leg itself: a reason, no bytes */
    assert_int_equal(
        lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "r1_rimage_0"), 0, EXT, runs, 8, &n, &why),
        -ENOENT);
    assert_int_equal(why.state, LR_LVMAP_MISSING_PV);
    assert_non_null(strstr(why.text, "PV pv2 (pppppp-pppp-pppp-pppp-pppp-pppp-ppppp2) is not"));
    assert_int_equal(n, 0);
    assert_int_equal(lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "z"), 0, EXT, runs, 8, &n, &why),
                     -ENOTSUP);
    assert_int_equal(why.state, LR_LVMAP_UNSUPPORTED);
    assert_string_equal(why.text, "LV z: segment type zero is not mapped");
    assert_int_equal(lr_lvmap_range(NULL, f.vg, lv_of(&f, "z"), 0, EXT, runs, 8, &n, NULL),
                     -EINVAL);
    fix_free(&f);
}

/* An area past its PV's pe_count is damaged metadata: LR_EFORMAT before
 * the PV is looked for or the image's end is checked, with or without
 * handles; the last extents of the PV itself still map. */
static void test_pe_count(void **state)
{
    (void)state;
    fix_t f;
    fix_init(&f);
    lr_lvmap_why_t why;
    lr_lvmap_run_t one;
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 1, 14, 2, &one, &why), 0);
    expect_run(&one, 1, PE0 + 14 * EXT, 2 * EXT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 1, 15, 2, &one, &why),
                     LR_EFORMAT);
    assert_int_equal(why.state, LR_LVMAP_UNSUPPORTED);
    assert_non_null(strstr(why.text, "extents 15+2 of PV pv1 lie past its pe_count 16"));
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 1, 17, 0, &one, NULL),
                     LR_EFORMAT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 1, 0, UINT64_MAX, &one, NULL),
                     LR_EFORMAT);
    /* pv2 is not among the images: the metadata's bound is still checked first */
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 2, 15, 2, &one, &why),
                     LR_EFORMAT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 2, 15, 1, &one, &why), -ENOENT);
    assert_int_equal(why.state, LR_LVMAP_MISSING_PV);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 3, 0, 1, &one, &why), -ENOTSUP);
    /* without handles: the image sizes the scan saw */
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, NULL, 0, f.vg, 1, 15, 2, &one, &why), LR_EFORMAT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, NULL, 0, f.vg, 0, 14, 2, &one, &why), 0);
    expect_run(&one, 0, PE0 + 14 * EXT, 2 * EXT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, NULL, 0, f.vg, 0, 15, 2, &one, &why), LR_ERANGE);
    assert_int_equal(why.state, LR_LVMAP_UNREADABLE);
    assert_non_null(strstr(why.text, "past the end of pv0.img"));
    fix_free(&f);
}

/* The striping rule extract reads by: chunk k on stripe k mod n. */
static void test_stripe_at(void **state)
{
    (void)state;
    size_t st = 99;
    assert_int_equal(lr_lvmap_stripe_at(0, 4096, 3, &st), 0);
    assert_int_equal(st, 0);
    assert_int_equal(lr_lvmap_stripe_at(4096 + 7, 4096, 3, &st), 7);
    assert_int_equal(st, 1);
    /* chunk 7 of 3 stripes: stripe 1, its chunk 2 */
    assert_int_equal(lr_lvmap_stripe_at(7 * 4096 + 100, 4096, 3, &st), 2 * 4096 + 100);
    assert_int_equal(st, 1);
    assert_int_equal(lr_lvmap_stripe_at(UINT64_MAX, 1, 2, &st), UINT64_MAX / 2);
    assert_int_equal(st, 1);
}

static void test_layout_and_reads(void **state)
{
    (void)state;
    fix_t f;
    fix_init(&f);
    lr_lvmap_why_t why;
    lr_strbuf_t k1 = LR_STRBUF_INIT, k2 = LR_STRBUF_INIT;
    assert_int_equal(lr_lvmap_layout(&f.scan, f.ios, 2, f.vg, lv_of(&f, "r1"), &k1, &why), 0);
    assert_int_equal(why.missing_legs, 1);
    assert_int_equal(lr_lvmap_layout(&f.scan, f.ios, 2, f.vg, lv_of(&f, "str"), &k2, &why), 0);
    assert_non_null(k1.s);
    assert_non_null(k2.s);
    assert_string_not_equal(k1.s, k2.s);
    lr_strbuf_free(&k1);
    lr_strbuf_free(&k2);
    /* one PV's extents: the rule under every run */
    lr_lvmap_run_t one;
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 1, 3, 2, &one, &why), 0);
    expect_run(&one, 1, PE0 + 3 * EXT, 2 * EXT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 2, 0, 1, &one, &why), -ENOENT);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 2, f.vg, 0, 15, 2, &one, &why), LR_ERANGE);
    assert_int_equal(lr_lvmap_pv_extents(&f.scan, f.ios, 1, f.vg, 1, 0, 1, &one, &why), -EBADF);
    /* extents 14..17 of pv0, whose image holds 16 of its 20 */
    assert_int_equal(lr_lvmap_layout(&f.scan, f.ios, 2, f.vg, lv_of(&f, "far"), NULL, &why),
                     LR_ERANGE);
    assert_int_equal(why.state, LR_LVMAP_UNREADABLE);
    assert_non_null(strstr(why.text, "past the end of pv0.img"));
    lr_lvmap_run_t runs[4];
    size_t n = 0;
    uint8_t buf[4 * EXT];
    lr_error_t err = {0};
    assert_int_equal(lr_lvmap_range(&f.scan, f.vg, lv_of(&f, "far"), 0, 4 * EXT, runs, 4, &n, &why),
                     0);
    assert_int_equal(lr_lvmap_read(f.ios, 2, runs, n, buf, &err), LR_ERANGE);
    assert_non_null(strstr(err.msg, "extents past the end of pv0.img"));
    assert_int_equal(lr_lvmap_read(NULL, 0, runs, n, buf, NULL), -EBADF);
    /* the striped LV and the degraded raid1 read through lr_lvmap_open */
    const char *names[] = {"str", "r1"};
    for (int l = 0; l < 2; l++) {
        const lr_lv_t *lv = lv_of(&f, names[l]);
        lr_io_t *io = NULL;
        assert_int_equal(lr_lvmap_open(&io, &f.scan, f.ios, 2, f.vg, lv, names[l], NULL), 0);
        assert_int_equal(lr_io_size(io), lv->extent_count * EXT);
        memset(buf, 0, sizeof(buf));
        assert_int_equal(lr_io_pread(io, buf, lr_io_size(io) - 10, 10, NULL), 0);
        for (uint64_t o = 10; o < lr_io_size(io); o++) {
            uint64_t e = o / EXT;
            int image = l == 0 ? (int)(e % 2) : 1;
            uint64_t at = l == 0 ? PE0 + (2 + e / 2) * EXT : PE0 + (9 + e) * EXT;
            if (buf[o - 10] != pattern(image, at + o % EXT))
                fail_msg("%s byte %llu", names[l], (unsigned long long)o);
        }
        assert_int_not_equal(lr_io_pread(io, buf, 2, lr_io_size(io) - 1, NULL), 0);
        lr_io_close(io, NULL);
    }
    assert_int_not_equal(lr_lvmap_open(NULL, &f.scan, f.ios, 2, f.vg, lv_of(&f, "str"), "x", NULL),
                         0);
    fix_free(&f);
}

static lr_lvmap_leg_t *legs_of(fix_t *f, const char *lv, size_t want)
{
    lr_lvmap_leg_t *legs = NULL;
    size_t n = 0;
    assert_int_equal(
        lr_lvmap_legs(&f->scan, NULL, 0, f->vg, &lv_of(f, lv)->segs[0], 0, 2, &legs, &n), 0);
    assert_int_equal(n, want);
    return legs;
}

static void expect_leg(const lr_lvmap_leg_t *g, size_t area, int meta, lr_lvmap_leg_state_t state,
                       const char *why)
{
    assert_int_equal(g->area, area);
    assert_int_equal(g->meta_area, meta);
    assert_int_equal(g->state, state);
    assert_string_equal(g->why, why);
    assert_false(g->stacked);
}

#define PV2_MISSING "its PV pv2 (pppppp-pppp-pppp-pppp-pppp-pppp-ppppp2) is not among the images"

/* Which legs of a segment can be read, and why not: the rule lvmscan's
 * raid report and extraction share. */
static void test_legs(void **state)
{
    (void)state;
    fix_t f;
    fix_init(&f);
    /* every leg present (a mirror: no _rmeta areas) */
    lr_lvmap_leg_t *g = legs_of(&f, "m", 2);
    expect_leg(&g[0], 0, -1, LR_LVMAP_LEG_USABLE, "");
    expect_leg(&g[1], 1, -1, LR_LVMAP_LEG_USABLE, "");
    free(g);
    /* one leg's PV not among the images; image 0 after its _rmeta area */
    g = legs_of(&f, "r3", 3);
    expect_leg(&g[0], 1, 0, LR_LVMAP_LEG_USABLE, "");
    expect_leg(&g[1], 2, -1, LR_LVMAP_LEG_MISSING_PV, PV2_MISSING);
    expect_leg(&g[2], 3, -1, LR_LVMAP_LEG_USABLE, "");
    free(g);
    /* an image LV that is not in the version (metadata naming a removed LV) */
    lr_seg_t *r3 = &f.vg->lvs[lv_of(&f, "r3") - f.vg->lvs].segs[0];
    r3->areas[3].name = "r3_rimage_gone";
    g = legs_of(&f, "r3", 3);
    expect_leg(&g[2], 3, -1, LR_LVMAP_LEG_MISSING_LV, "not in this version");
    free(g);
    /* an image LVM2 replaced by an "error" segment, one of a type not
     * followed */
    lr_seg_t *img0 = &f.vg->lvs[lv_of(&f, "r3_rimage_0") - f.vg->lvs].segs[0];
    img0->type = "error";
    img0->known = false;
    g = legs_of(&f, "r3", 3);
    expect_leg(&g[0], 1, 0, LR_LVMAP_LEG_LOST, "r3_rimage_0 is an \"error\" segment (its PV lost)");
    free(g);
    img0->type = "integrity";
    g = legs_of(&f, "r3", 3);
    expect_leg(&g[0], 1, 0, LR_LVMAP_LEG_NOT_FOLLOWED,
               "r3_rimage_0 has a integrity segment (not followed here)");
    free(g);
    img0->type = "striped";
    img0->known = true;
    /* every leg missing: no PV is found */
    f.scan.n_labels = 0;
    g = legs_of(&f, "r3", 3);
    expect_leg(&g[0], 1, 0, LR_LVMAP_LEG_MISSING_PV,
               "its PV pv0 (pppppp-pppp-pppp-pppp-pppp-pppp-ppppp0) is not among the images");
    expect_leg(&g[1], 2, -1, LR_LVMAP_LEG_MISSING_PV, PV2_MISSING);
    expect_leg(&g[2], 3, -1, LR_LVMAP_LEG_MISSING_LV, "not in this version");
    free(g);
    g = legs_of(&f, "m", 2);
    assert_int_equal(g[0].state, LR_LVMAP_LEG_MISSING_PV);
    assert_int_equal(g[1].state, LR_LVMAP_LEG_MISSING_PV);
    free(g);
    f.scan.n_labels = 2;
    /* a leg through another mirror: judged strictly (both of m's legs),
     * and said to be stacked */
    g = legs_of(&f, "onm", 1);
    assert_int_equal(g[0].state, LR_LVMAP_LEG_USABLE);
    assert_true(g[0].stacked);
    free(g);
    /* a leg that is a PV area (a linear segment: its one leg), past its
     * image's end, through the handles */
    lr_lvmap_leg_t *v = NULL;
    size_t n = 0;
    const lr_seg_t *far = &lv_of(&f, "far")->segs[0];
    assert_int_equal(lr_lvmap_legs(&f.scan, f.ios, 2, f.vg, far, 0, 4, &v, &n), 0);
    assert_int_equal(n, 1);
    expect_leg(&v[0], 0, -1, LR_LVMAP_LEG_UNREADABLE,
               "its extents on PV pv0 run past the end of pv0.img");
    free(v);
    assert_int_equal(lr_lvmap_legs(NULL, NULL, 0, f.vg, far, 0, 4, &v, &n), -EINVAL);
    assert_null(v);
    assert_int_equal(n, 0);
    fix_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs),     cmocka_unit_test(test_layout_and_reads),
        cmocka_unit_test(test_pe_count), cmocka_unit_test(test_stripe_at),
        cmocka_unit_test(test_legs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
