/* Remapped ranges (scan/src/evidence_remap.c, docs/evidence.md "Remapped
 * ranges") on histories written by hand as LVM2 metadata text: a reduce
 * then an extend elsewhere is one; an extend back onto the same extents,
 * a move without a gap (a finished pvmove), a plain extend and a striped
 * segment are not; two reduce/extend cycles find the older one when the
 * newer came back in place; a filesystem reaching into the range is said;
 * a gap far back in a long history is found from every newer version, and
 * a move at its end from every older one.
 * The same on real LVM2 images: tests/scan/remap-fixture.sh. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "evidence_int.h" /* ev_ctx_t, ev_remap_all */
#include "lr/evidence.h"
#include "lr/strbuf.h"

typedef struct seg_spec {
    uint64_t le, n;
    const char *pv;
    uint64_t pe;
    bool striped2; /* two stripes, on pv0 and pv1 at pe */
} seg_spec_t;

#define MAX_VERSIONS 40

/* One LV (home) in each version, oldest first; n_segs 0: absent. */
typedef struct hist {
    size_t n;
    seg_spec_t segs[MAX_VERSIONS][3];
    size_t n_segs[MAX_VERSIONS];
} hist_t;

static const char *home_id = "hhhhhh-hhhh-hhhh-hhhh-hhhh-hhhh-hhhhhh";

static char *vg_text(uint64_t seqno, const seg_spec_t *segs, size_t n)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_printf(&b,
                     "vg {\nid = \"vvvvvv-vvvv-vvvv-vvvv-vvvv-vvvv-vvvvvv\"\nseqno = %" PRIu64
                     "\nformat = \"lvm2\"\nstatus = [\"READ\", \"WRITE\"]\nextent_size = 2048\n"
                     "physical_volumes {\n",
                     seqno);
    for (int p = 0; p < 2; p++)
        lr_strbuf_printf(&b,
                         "pv%d {\nid = \"pppppp-pppp-pppp-pppp-pppp-pppp-ppppp%d\"\n"
                         "status = [\"ALLOCATABLE\"]\ndev_size = 204800\npe_start = 2048\n"
                         "pe_count = 99\n}\n",
                         p, p);
    lr_strbuf_puts(&b, "}\nlogical_volumes {\n");
    if (n) {
        lr_strbuf_printf(&b,
                         "home {\nid = \"%s\"\nstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]\n"
                         "segment_count = %zu\n",
                         home_id, n);
        for (size_t s = 0; s < n; s++) {
            const seg_spec_t *x = &segs[s];
            lr_strbuf_printf(&b,
                             "segment%zu {\nstart_extent = %" PRIu64 "\nextent_count = %" PRIu64
                             "\ntype = \"striped\"\n",
                             s + 1, x->le, x->n);
            if (x->striped2)
                lr_strbuf_printf(&b,
                                 "stripe_count = 2\nstripe_size = 128\nstripes = [\"pv0\", %" PRIu64
                                 ", \"pv1\", %" PRIu64 "]\n}\n",
                                 x->pe, x->pe);
            else
                lr_strbuf_printf(&b, "stripe_count = 1\nstripes = [\"%s\", %" PRIu64 "]\n}\n",
                                 x->pv, x->pe);
        }
        lr_strbuf_puts(&b, "}\n");
    }
    lr_strbuf_puts(&b, "}\n}\n");
    return lr_strbuf_take(&b, NULL);
}

typedef struct run {
    lr_scan_t scan;
    lr_evidence_t ev;
    lr_ev_vg_t vg;
    lr_ev_version_t v[MAX_VERSIONS];
    lr_ev_lv_t lv[MAX_VERSIONS];
    lr_vg_t *views[MAX_VERSIONS];
    lr_vg_t **vgviews;
    lr_strpool_t *pool; /* the remaps' and moves' strings */
} run_t;

/* Parses the history (versions newest first, as the scan keeps them),
 * gives the newest home a filesystem of fs_mib (0: none) and runs the
 * remap pass. */
static void run(run_t *r, const hist_t *h, uint64_t fs_mib)
{
    memset(r, 0, sizeof(*r));
    for (size_t k = 0; k < h->n; k++) {
        size_t idx = h->n - 1 - k; /* newest first */
        char *t = vg_text(k + 1, h->segs[k], h->n_segs[k]);
        assert_non_null(t);
        lr_error_t err;
        int rc = lr_vg_parse(t, strlen(t), &r->views[idx], &err);
        if (rc) {
            char m[512];
            fprintf(stderr, "%s\n%s\n", t, lr_error_format(&err, m, sizeof(m)));
        }
        assert_int_equal(rc, 0);
        free(t);
        lr_ev_version_t *v = &r->v[idx];
        v->version = (int)idx;
        v->seqno = k + 1;
        v->loaded = true;
        v->n_lvs = h->n_segs[k] ? 1 : 0;
        r->lv[idx].name = "home";
        r->lv[idx].visible = true;
        for (size_t x = 0; x < h->n_segs[k]; x++)
            r->lv[idx].extents += h->segs[k][x].n;
        r->lv[idx].size = r->lv[idx].extents << 20; /* 1 MiB extents */
        v->lvs = &r->lv[idx];
    }
    if (fs_mib)
        r->lv[0].content =
            (lr_ev_content_t){.state = LR_EV_FOUND, .type = "ext4", .fs_size = fs_mib << 20};
    r->vg.n_versions = h->n;
    r->vg.versions = r->v;
    r->ev.n_vgs = 1;
    r->ev.vgs = &r->vg;
    r->scan.n_vgs = 1;
    r->vgviews = r->views;
    r->pool = lr_strpool_new();
    assert_non_null(r->pool);
    ev_ctx_t c = {.scan = &r->scan, .ev = &r->ev, .pool = r->pool, .views = &r->vgviews};
    assert_int_equal(ev_remap_all(&c), 0);
}

static void done(run_t *r)
{
    for (size_t k = 0; k < r->vg.n_versions; k++) {
        free(r->lv[k].remap);
        free(r->lv[k].moved);
        lr_vg_free(r->views[k]);
    }
    lr_strpool_free(r->pool);
}

static size_t total_remaps(const run_t *r)
{
    size_t n = 0;
    for (size_t k = 0; k < r->vg.n_versions; k++)
        n += r->lv[k].n_remap;
    return n;
}

/* home 8 on pv0:0-7; reduced to 4; extended onto pv0:18-21. */
static const hist_t reduce_extend = {
    .n = 3,
    .segs = {{{0, 8, "pv0", 0, false}},
             {{0, 4, "pv0", 0, false}},
             {{0, 4, "pv0", 0, false}, {4, 4, "pv0", 18, false}}},
    .n_segs = {1, 1, 2},
};

static void test_reduce_extend(void **state)
{
    (void)state;
    run_t r;
    run(&r, &reduce_extend, 8);
    assert_int_equal(r.lv[0].n_remap, 1);
    assert_int_equal(total_remaps(&r), 1); /* the older versions have none */
    const lr_ev_remap_t *m = &r.lv[0].remap[0];
    assert_int_equal(m->first, 4);
    assert_int_equal(m->last, 7);
    assert_int_equal(m->offset, 4u << 20);
    assert_int_equal(m->bytes, 4u << 20);
    assert_int_equal(m->reduced_seqno, 2);
    assert_int_equal(m->extended_seqno, 3);
    assert_string_equal(m->pv, "pv0");
    assert_int_equal(m->pe, 18);
    assert_string_equal(m->was_pv, "pv0");
    assert_int_equal(m->was_pe, 4);
    assert_true(m->fs_reaches);
    /* the restore warning (d) for that version, none for the older ones */
    lr_ev_warning_t *w = NULL;
    size_t n = 0;
    assert_int_equal(lr_evidence_warnings(&r.ev, 0, 0, &w, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(w[0].kind, LR_EV_WARN_REMAPPED);
    assert_ptr_equal(w[0].remap, m);
    assert_string_equal(w[0].lv, "home");
    assert_int_equal(w[0].fs_size, 8u << 20);
    free(w);
    /* the oldest version has the range as a gap move: a remap, no copy
       left behind, so no moved warning (e) either */
    assert_int_equal(r.lv[2].n_moved, 1);
    assert_true(r.lv[2].moved[0].gap);
    assert_int_equal(lr_evidence_warnings(&r.ev, 0, 2, &w, &n, NULL), 0);
    assert_int_equal(n, 0);
    done(&r);
    /* a filesystem that ends before the range does not reach it */
    run(&r, &reduce_extend, 4);
    assert_int_equal(r.lv[0].n_remap, 1);
    assert_false(r.lv[0].remap[0].fs_reaches);
    assert_int_equal(lr_evidence_warnings(&r.ev, 0, 0, &w, &n, NULL), 0);
    assert_int_equal(n, 0); /* a fact, not a warning */
    done(&r);
}

/* The extend went onto another PV: the same range, its PV named. */
static void test_other_pv(void **state)
{
    (void)state;
    hist_t h = reduce_extend;
    h.segs[2][1].pv = "pv1";
    h.segs[2][1].pe = 4; /* the same extent number, another PV */
    run_t r;
    run(&r, &h, 0);
    assert_int_equal(r.lv[0].n_remap, 1);
    assert_string_equal(r.lv[0].remap[0].pv, "pv1");
    assert_int_equal(r.lv[0].remap[0].pe, 4);
    assert_false(r.lv[0].remap[0].fs_reaches);
    done(&r);
}

/* home moved twice without a gap (finished pvmoves): pv0:0-7, pv1:10-17,
 * pv0:30-37. */
static const hist_t moved = {
    .n = 3,
    .segs = {{{0, 8, "pv0", 0, false}}, {{0, 8, "pv1", 10, false}}, {{0, 8, "pv0", 30, false}}},
    .n_segs = {1, 1, 1},
};

/* Not remapped: extended back onto the same extents; moved without a gap
 * (a finished pvmove copied the data); a plain extend; striped. */
static void test_not_remapped(void **state)
{
    (void)state;
    const hist_t same = {
        .n = 3,
        .segs = {{{0, 8, "pv0", 0, false}}, {{0, 4, "pv0", 0, false}}, {{0, 8, "pv0", 0, false}}},
        .n_segs = {1, 1, 1},
    };
    const hist_t grown = {
        .n = 3,
        .segs = {{{0, 4, "pv0", 0, false}},
                 {{0, 4, "pv0", 0, false}},
                 {{0, 4, "pv0", 0, false}, {4, 4, "pv0", 20, false}}},
        .n_segs = {1, 1, 2},
    };
    const hist_t striped = {
        .n = 3,
        .segs = {{{0, 8, NULL, 0, true}},
                 {{0, 4, NULL, 0, true}},
                 {{0, 4, NULL, 0, true}, {4, 4, NULL, 20, true}}},
        .n_segs = {1, 1, 2},
    };
    const hist_t *cases[] = {&same, &moved, &grown, &striped};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_t r;
        run(&r, cases[i], 8);
        assert_int_equal(total_remaps(&r), 0);
        done(&r);
    }
}

/* Moved without a gap (a finished pvmove, twice): restoring an older
 * version gives the moved warning (e), naming the first move and where the
 * current version has the extents; the current version gives none. */
static void test_moved_warning(void **state)
{
    (void)state;
    run_t r;
    run(&r, &moved, 8);
    lr_ev_warning_t *w = NULL;
    size_t n = 0;
    assert_int_equal(lr_evidence_warnings(&r.ev, 0, 2, &w, &n, NULL), 0); /* seqno 1 */
    assert_int_equal(n, 1);
    assert_int_equal(w[0].kind, LR_EV_WARN_MOVED);
    assert_string_equal(w[0].lv, "home");
    assert_ptr_equal(w[0].move, &r.lv[2].moved[0]);
    assert_false(w[0].move->gap);
    assert_int_equal(w[0].move->first, 0);
    assert_int_equal(w[0].move->last, 7);
    assert_int_equal(w[0].move->seqno, 2);
    assert_string_equal(w[0].move->pv, "pv0");
    assert_int_equal(w[0].move->pe, 30);
    assert_string_equal(w[0].move->was_pv, "pv0");
    assert_int_equal(w[0].move->was_pe, 0);
    free(w);
    assert_int_equal(lr_evidence_warnings(&r.ev, 0, 1, &w, &n, NULL), 0); /* seqno 2 */
    assert_int_equal(n, 1);
    assert_int_equal(w[0].move->seqno, 3);
    assert_string_equal(w[0].move->was_pv, "pv1");
    free(w);
    assert_int_equal(lr_evidence_warnings(&r.ev, 0, 0, &w, &n, NULL), 0); /* current */
    assert_int_equal(n, 0);
    done(&r);
}

/* Two cycles: the newer extend came back where the older one had put the
 * range, the older one had moved it: the older cycle is reported. An LV
 * that did not exist in between is a gap too (removed, then its metadata
 * restored: the same UUID). */
static void test_two_cycles(void **state)
{
    (void)state;
    const hist_t h = {
        .n = 6,
        .segs = {{{0, 8, "pv0", 0, false}},
                 {{0, 4, "pv0", 0, false}},
                 {{0, 4, "pv0", 0, false}, {4, 4, "pv0", 10, false}},
                 {{0, 6, "pv0", 0, false}},
                 {{0, 0, NULL, 0, false}},
                 {{0, 4, "pv0", 0, false}, {4, 4, "pv0", 10, false}}},
        .n_segs = {1, 1, 2, 1, 0, 2},
    };
    hist_t x = h;
    /* version 4: home 0-3 on pv0:0, 4-5 on pv0:10-11 (two segments) */
    x.segs[3][0] = (seg_spec_t){0, 4, "pv0", 0, false};
    x.segs[3][1] = (seg_spec_t){4, 2, "pv0", 10, false};
    x.n_segs[3] = 2;
    run_t r;
    run(&r, &x, 0);
    /* newest: the extents 4-7 came back where seqno 3 put them; before
     * seqno 2's reduce they were on pv0:4-7 */
    assert_int_equal(r.lv[0].n_remap, 1);
    const lr_ev_remap_t *m = &r.lv[0].remap[0];
    assert_int_equal(m->first, 4);
    assert_int_equal(m->last, 7);
    assert_int_equal(m->reduced_seqno, 2);
    assert_int_equal(m->extended_seqno, 3);
    assert_int_equal(m->pe, 10);
    assert_int_equal(m->was_pe, 4);
    /* seqno 4 (index 2) holds 4-5 from seqno 3's extend */
    assert_int_equal(r.lv[2].n_remap, 1);
    assert_int_equal(r.lv[2].remap[0].first, 4);
    assert_int_equal(r.lv[2].remap[0].last, 5);
    /* seqno 3 (index 3) */
    assert_int_equal(r.lv[3].n_remap, 1);
    assert_int_equal(total_remaps(&r), 3);
    done(&r);
}

/* A long history: the reduce and the extend (or the LV's removal and its
 * return elsewhere, its metadata restored) near its start, then versions
 * that leave home alone. Every newer version holds the remap: the pass
 * that spares a long history its walks (gap_possible) must not spare these. */
static void test_gap_far_back(void **state)
{
    (void)state;
    for (int absent = 0; absent < 2; absent++) {
        hist_t h = {.n = MAX_VERSIONS};
        h.segs[0][0] = (seg_spec_t){0, 8, "pv0", 0, false};
        h.n_segs[0] = 1;
        h.segs[1][0] = (seg_spec_t){0, 4, "pv0", 0, false};
        h.n_segs[1] = absent ? 0 : 1;
        for (size_t k = 2; k < h.n; k++) {
            h.segs[k][0] = (seg_spec_t){0, 4, "pv0", 0, false};
            h.segs[k][1] = (seg_spec_t){4, 4, "pv0", 18, false};
            h.n_segs[k] = 2;
        }
        run_t r;
        run(&r, &h, 0);
        for (size_t idx = 0; idx + 2 < h.n; idx++) { /* seqno 3 to the newest */
            assert_int_equal(r.lv[idx].n_remap, 1);
            const lr_ev_remap_t *m = &r.lv[idx].remap[0];
            assert_int_equal(m->first, 4); /* 0-3 came back in place */
            assert_int_equal(m->last, 7);
            assert_int_equal(m->reduced_seqno, 2);
            assert_int_equal(m->extended_seqno, 3);
        }
        assert_int_equal(total_remaps(&r), h.n - 2);
        done(&r);
    }
}

/* A pvmove at the end of a long history: home on pv0:0-7 in every
 * version but the newest (the current one), which has it on pv1:10-17.
 * Every older version holds the move, the same one (copied from the next
 * newer version's when home is laid out alike, not walked again). */
static void test_moved_far_back(void **state)
{
    (void)state;
    hist_t h = {.n = MAX_VERSIONS};
    for (size_t k = 0; k < h.n; k++) {
        h.segs[k][0] = (seg_spec_t){0, 8, k + 1 < h.n ? "pv0" : "pv1", k + 1 < h.n ? 0 : 10, false};
        h.n_segs[k] = 1;
    }
    run_t r;
    run(&r, &h, 0);
    assert_int_equal(r.lv[0].n_moved, 0); /* the current version */
    for (size_t idx = 1; idx < h.n; idx++) {
        assert_int_equal(r.lv[idx].n_moved, 1);
        const lr_ev_move_t *m = &r.lv[idx].moved[0];
        assert_int_equal(m->first, 0);
        assert_int_equal(m->last, 7);
        assert_int_equal(m->seqno, h.n);
        assert_false(m->gap);
        assert_string_equal(m->pv, "pv1");
        assert_int_equal(m->pe, 10);
        assert_string_equal(m->was_pv, "pv0");
        assert_int_equal(m->was_pe, 0);
    }
    assert_int_equal(total_remaps(&r), 0);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduce_extend),  cmocka_unit_test(test_other_pv),
        cmocka_unit_test(test_not_remapped),   cmocka_unit_test(test_two_cycles),
        cmocka_unit_test(test_moved_warning),  cmocka_unit_test(test_gap_far_back),
        cmocka_unit_test(test_moved_far_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
