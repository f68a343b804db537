/* Test support: fixture paths and small file helpers shared by the tests. */
#ifndef LR_TEST_SUPPORT_H
#define LR_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

/* Names of the fixtures the tests rely on (fixtures/NAME/). */
extern const char *const lr_test_fixtures[];
extern const size_t lr_test_n_fixtures;

/* "LR_FIXTURES/NAME/FILE" in a static buffer of the caller's (len bytes). */
const char *lr_test_path(char *buf, size_t len, const char *fixture, const char *file);

/* Reads a whole file into a malloc'd NUL-terminated buffer (caller frees);
 * NULL if it cannot be read. *len may be NULL. */
char *lr_test_slurp(const char *path, size_t *len);

/* One PV of a fixture, from truth/devices: "DEV IMG PV_START MDA_COUNT". */
typedef struct lr_test_dev {
    char dev[64];
    char img[128];
    uint64_t pv_start;
    unsigned mda_count;
} lr_test_dev_t;

/* Reads fixtures/NAME/truth/devices; returns the count (<= max), -1 on error. */
int lr_test_devices(const char *fixture, lr_test_dev_t *devs, int max);

/* One line of `pvck --dump metadata_search`:
 * "metadata at OFF length LEN crc CRC vg NAME seqno N id ID". */
typedef struct lr_test_copy {
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
    char vg[128];
    uint64_t seqno;
    char id[40];
} lr_test_copy_t;

/* Parses a pvck metadata_search output file; returns the number of copies
 * (<= max), -1 if the file cannot be read. */
int lr_test_pvck_search(const char *path, lr_test_copy_t *copies, int max);

/* Finds "key":"value" of the n-th (0-based) object of LVM2's JSON report
 * section `section` ("vg", "lv", "pv", "seg") in json text; copies the
 * value into out. Returns 0, or -1 when absent. */
int lr_test_json_field(const char *json, const char *section, int n, const char *key, char *out,
                       size_t outlen);

/* Number of objects in section `section` of an LVM2 JSON report. */
int lr_test_json_count(const char *json, const char *section);

/* sha256 of a whole file as 64 lowercase hex digits and a NUL (the
 * sha256sum form of the fixtures' truth files); returns 0, or -1 if it
 * cannot be read. */
int lr_test_sha256_file(const char *path, char out[65]);

/* Writes every byte of image src (raw or .gz, read through lr_io) to dst,
 * replaced, as a sparse file (all-zero 4 KiB blocks left as holes) of the
 * image's size, or of `pad` bytes when larger. Returns 0, or -1 with a
 * message on stderr. */
int lr_test_unpack(const char *src, const char *dst, uint64_t pad);

/* Reads truth/FILE of a fixture (malloc'd, NUL-terminated; *len may be NULL)
 * or NULL when the fixture has no such file (some truth files are optional,
 * e.g. DEV.after-pvck-headers). */
char *lr_test_truth(const char *fixture, const char *file, size_t *len);

/* Like lr_test_truth but fails the running test when the file is missing:
 * fixtures are committed, so a missing one is a failure, never a skip. */
char *lr_test_truth_req(const char *fixture, const char *file, size_t *len);

/* Reads tests/data/NAME (malloc'd, NUL-terminated); fails the test when it
 * is missing. */
char *lr_test_data(const char *name, size_t *len);

/* Devices of a fixture; fails the test when truth/devices is missing. */
int lr_test_devices_req(const char *fixture, lr_test_dev_t *devs, int max);

/* Whole file contents (malloc'd) and its size; fails the test on error. */
uint8_t *lr_test_file_bytes(const char *path, size_t *len);

/* Unlinks every entry of a flat scratch directory, and the directory too
 * when `remove`. Quietly does nothing when it cannot be opened. */
void lr_test_clear_dir(const char *dir, bool remove);

/* Little-endian stores for hand-built on-disk structures. */
void lr_test_put_le32(uint8_t *p, uint32_t v);
void lr_test_put_le64(uint8_t *p, uint64_t v);
/* The little-endian 64-bit value at p (on-disk fields decoded by a test on
 * its own, not by the code under test). */
uint64_t lr_test_get_le64(const uint8_t *p);

/* The error contract's check (core/include/lr/error.h): rc, returned by
 * `what` called with a NULL error record on an input that makes it fail,
 * must be negative, and equal to want unless want is 0. Fails the running
 * test otherwise. */
void lr_test_expect_fail(int rc, int want, const char *what);

#endif
