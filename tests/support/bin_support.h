/* Test support for the binary-format tests (test_crc, test_io, test_label,
 * test_mda): fixture images, pvck --dump headers lookups, an in-memory lr_io
 * layer and scratch copies of images. Every helper that
 * cannot do its job fails the running cmocka test (fixtures are committed,
 * so a missing one is a failure, never a skip). */
#ifndef LR_TEST_BIN_SUPPORT_H
#define LR_TEST_BIN_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/io.h"
#include "support.h"

/* LVM2's calc_crc written out bit by bit (lib/misc/crc.c _calc_crc_old
 * without tables): an oracle independent of zlib. */
uint32_t lr_test_ref_crc(uint32_t initial, const void *buf, size_t len);

/* Opens fixtures/FIXTURE/IMG.gz read-only; fails the test on error. */
lr_io_t *lr_test_open_fixture(const char *fixture, const char *img);

/* Looks up "  KEY VALUE" in pvck --dump headers output: copies the first
 * token of VALUE. Returns false when the key is absent. */
bool lr_test_pvck_str(const char *text, const char *key, char *val, size_t len);
/* Same, parsed as an unsigned number (decimal or 0x hex). */
bool lr_test_pvck_u64(const char *text, const char *key, uint64_t *v);
/* The comment after '#' on the "  KEY at N # COMMENT" line, or false. */
bool lr_test_pvck_comment(const char *text, const char *key, char *val, size_t len);
/* True if a "CHECK: PREFIX..." line exists. */
bool lr_test_pvck_check(const char *text, const char *prefix);

/* The headers truth describing the image as it is now: DEV.after-pvck-headers
 * when the fixture was damaged after capture, else DEV.pvck-headers. */
char *lr_test_current_headers(const char *fixture, const char *dev);
/* Same choice for metadata_search of area n (1 or 2). */
char *lr_test_current_search(const char *fixture, const char *dev, int n);
/* True if the device's truth files describe a later damaged state. */
bool lr_test_has_after(const char *fixture, const char *dev);

/* True if truth/damage lists a write to IMG overlapping [off, off+len). */
bool lr_test_damaged(const char *fixture, const char *img, uint64_t off, uint64_t len);

/* An lr_io over buf (not copied, not freed; tests/support/mem_io.h). Writes
 * go into buf when writable, else the handle is read-only. Fails the test
 * on error. */
lr_io_t *lr_test_buf_io(uint8_t *buf, size_t size, bool writable);

/* Decompresses fixtures/FIXTURE/IMG.gz into a new temp file; path receives
 * its name (caller unlinks). Fails the test on error. */
void lr_test_scratch_copy(const char *fixture, const char *img, char *path, size_t len);

/* Reads the whole io into a malloc'd buffer (caller frees). */
uint8_t *lr_test_read_all(lr_io_t *io);

#endif
