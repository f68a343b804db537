/* Two typed views compared value by value, for tests and fuzz targets (no
 * cmocka: the fuzz targets link it too). */
#ifndef LR_TEST_VIEW_DIFF_H
#define LR_TEST_VIEW_DIFF_H

#include <stddef.h>

#include "lr/meta.h"

/* The first field where views a and b differ, named into buf ("lvs[3]
 * segs[0] areas[1] start"), or NULL when every value is the same: strings
 * by content (NULL only like NULL), lists and arrays item by item, the
 * tree's node pointers not compared. */
const char *lr_test_view_diff(const lr_vg_t *a, const lr_vg_t *b, char *buf, size_t len);

#endif
