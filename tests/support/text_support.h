/* Test support for the text-metadata tests: pvck dump files, truth file
 * listings and numeric JSON fields. */
#ifndef LR_TEST_TEXT_SUPPORT_H
#define LR_TEST_TEXT_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lr/meta.h"

/* One copy of metadata text inside a larger buffer (no trailing NUL). */
typedef struct lr_test_text {
    const char *p;
    size_t len;
} lr_test_text_t;

/* Splits the file written by `pvck --dump metadata_all -f FILE`: pvck prints
 * every copy's text without its NUL and puts "\n--\n" between two copies.
 * Returns the number of copies stored (<= max). */
int lr_test_split_pvck_all(const char *buf, size_t len, lr_test_text_t *out, int max);

/* Names (not paths) of the files in fixtures/FIXTURE/truth whose name
 * contains `part` (e.g. ".pvck-all-mda", ".pvck-metadata"), sorted. Returns
 * the count (<= max), -1 when the directory cannot be read. */
int lr_test_truth_files(const char *fixture, const char *part, char names[][128], int max);

/* lr_test_json_field parsed as an unsigned decimal; -1 when absent or not a
 * number. */
int lr_test_json_u64(const char *json, const char *section, int n, const char *key, uint64_t *out);

/* Number of non-overlapping occurrences of needle in hay[0..len). */
size_t lr_test_count(const char *hay, size_t len, const char *needle);

/* Parses a whole VG text (lr_vg_parse) and fails the running test, with the
 * message and offset on stderr, when it does not parse. Caller frees. */
lr_vg_t *lr_test_vg_parse(const char *text);

#endif
