/* The evidence's string pool (lr_strpool_t, tested itself in test_fmt):
 * content strings go into it, and on the evidence fixture
 * (real LVM2, ten versions of VG evid0) the LVs of every version that have
 * one name share one string, and their content strings are those the
 * probe found. The JSON of every fixture before and after the pool is the
 * same (docs/evidence.md "A long history"); this holds the sharing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "lr/evidence.h"
#include "lr/scan.h"
#include "support.h"

static void test_content(void **state)
{
    (void)state;
    lr_strpool_t *p = lr_strpool_new();
    assert_non_null(p);
    lr_ev_content_t s = {.state = LR_EV_FOUND,
                         .type = "ext4",
                         .usage = "filesystem",
                         .uuid = "9e5c1c4e-4b0e-4c7a-9d1b-1f2e3d4c5b6a",
                         .fs_size = 4u << 20};
    lr_ev_content_t d1, d2;
    assert_int_equal(ev_intern_content(p, &d1, &s), 0);
    assert_int_equal(ev_intern_content(p, &d2, &s), 0);
    assert_int_equal(d1.state, LR_EV_FOUND);
    assert_int_equal(d1.fs_size, 4u << 20);
    assert_string_equal(d1.type, "ext4");
    assert_ptr_not_equal(d1.type, s.type);
    assert_ptr_equal(d1.type, d2.type);
    assert_ptr_equal(d1.uuid, d2.uuid);
    assert_null(d1.label);
    assert_null(d1.detail);
    lr_strpool_free(p);
}

/* On the evidence fixture: every LV name (and id) of every version is one
 * string per name, and so is each content type. */
static void test_shared_in_tree(void **state)
{
    (void)state;
    char path[512];
    lr_test_path(path, sizeof(path), "evidence", "disk.img.gz");
    const char *paths[] = {path};
    lr_scan_opts_t o = {.flags = LR_SCAN_KEEP_GOING};
    lr_scan_session_t *ss = NULL;
    lr_evidence_t *ev = NULL;
    lr_error_t e = {0};
    assert_int_equal(lr_scan_paths(paths, 1, &o, &ss, &e), 0);
    assert_int_equal(lr_evidence_build(ss, NULL, &ev, &e), 0);
    assert_int_equal(ev->n_vgs, 1);
    const lr_ev_vg_t *vg = &ev->vgs[0];
    assert_true(vg->n_versions >= 9);
    size_t pairs = 0, contents = 0;
    for (size_t v = 0; v < vg->n_versions; v++)
        for (size_t w = v + 1; w < vg->n_versions; w++)
            for (size_t i = 0; i < vg->versions[v].n_lvs; i++)
                for (size_t j = 0; j < vg->versions[w].n_lvs; j++) {
                    const lr_ev_lv_t *a = &vg->versions[v].lvs[i];
                    const lr_ev_lv_t *b = &vg->versions[w].lvs[j];
                    if (strcmp(a->name, b->name) != 0) {
                        assert_ptr_not_equal(a->name, b->name);
                        continue;
                    }
                    pairs++;
                    assert_ptr_equal(a->name, b->name);
                    assert_ptr_equal(a->segtype, b->segtype);
                    if (a->id && b->id && strcmp(a->id, b->id) == 0)
                        assert_ptr_equal(a->id, b->id);
                    if (a->content.type && b->content.type &&
                        strcmp(a->content.type, b->content.type) == 0) {
                        assert_ptr_equal(a->content.type, b->content.type);
                        contents++;
                    }
                }
    /* home is in 7 versions, root in 5 ... : many pairs, ext4 among them */
    assert_true(pairs > 20);
    assert_true(contents > 5);
    lr_evidence_free(ev);
    lr_scan_session_free(ss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content),
        cmocka_unit_test(test_shared_in_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
