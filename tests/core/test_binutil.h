/* Helpers shared by the binary-format tests (test_crc, test_io, test_label,
 * test_mda): fixture images and truth files, pvck --dump headers lookups,
 * an in-memory lr_io layer and scratch copies of images. Every helper that
 * cannot do its job fails the running cmocka test (fixtures are committed,
 * so a missing one is a failure, never a skip). */
#ifndef LR_TEST_BINUTIL_H
#define LR_TEST_BINUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/io.h"
#include "support.h"

/* LVM2's calc_crc written out bit by bit (lib/misc/crc.c _calc_crc_old
 * without tables): an oracle independent of zlib. */
uint32_t tb_ref_crc(uint32_t initial, const void *buf, size_t len);

/* Opens fixtures/FIXTURE/IMG.gz read-only; fails the test on error. */
lr_io_t *tb_open_fixture(const char *fixture, const char *img);

/* Reads truth/FILE of a fixture (malloc'd, NUL-terminated) or NULL. */
char *tb_truth(const char *fixture, const char *file);

/* Like tb_truth but fails the test when the file is missing. */
char *tb_truth_req(const char *fixture, const char *file);

/* Looks up "  KEY VALUE" in pvck --dump headers output: copies the first
 * token of VALUE. Returns false when the key is absent. */
bool tb_pvck_str(const char *text, const char *key, char *val, size_t len);
/* Same, parsed as an unsigned number (decimal or 0x hex). */
bool tb_pvck_u64(const char *text, const char *key, uint64_t *v);
/* The comment after '#' on the "  KEY at N # COMMENT" line, or false. */
bool tb_pvck_comment(const char *text, const char *key, char *val, size_t len);
/* True if a "CHECK: PREFIX..." line exists. */
bool tb_pvck_check(const char *text, const char *prefix);

/* The headers truth describing the image as it is now: DEV.after-pvck-headers
 * when the fixture was damaged after capture, else DEV.pvck-headers. */
char *tb_current_headers(const char *fixture, const char *dev);
/* Same choice for metadata_search of area n (1 or 2). */
char *tb_current_search(const char *fixture, const char *dev, int n);
/* True if the device's truth files describe a later damaged state. */
bool tb_has_after(const char *fixture, const char *dev);

/* True if truth/damage lists a write to IMG overlapping [off, off+len). */
bool tb_damaged(const char *fixture, const char *img, uint64_t off, uint64_t len);

/* Devices of a fixture; fails the test when truth/devices is missing. */
int tb_devices(const char *fixture, lr_test_dev_t *devs, int max);

/* An lr_io over buf (not copied, not freed). Writes go into buf when
 * writable, else the handle is read-only. */
lr_io_t *tb_mem_io(uint8_t *buf, size_t size, bool writable);

/* Decompresses fixtures/FIXTURE/IMG.gz into a new temp file; path receives
 * its name (caller unlinks). Fails the test on error. */
void tb_scratch_copy(const char *fixture, const char *img, char *path, size_t len);

/* Reads the whole io into a malloc'd buffer (caller frees). */
uint8_t *tb_read_all(lr_io_t *io);

/* Whole file contents (malloc'd) and its size; fails on error. */
uint8_t *tb_file_bytes(const char *path, size_t *len);

#endif
