/* Test support: SHA-256 (FIPS 180-4), to compare extracted data with the
 * fixtures' sha256sum truth files without running external tools. */
#ifndef LR_TEST_SHA256_H
#define LR_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct lr_test_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t fill;
} lr_test_sha256_t;

void lr_test_sha256_init(lr_test_sha256_t *s);
void lr_test_sha256_update(lr_test_sha256_t *s, const void *data, size_t len);
/* Finishes and writes the digest as 64 lowercase hex digits + NUL. */
void lr_test_sha256_hex(lr_test_sha256_t *s, char out[65]);

/* sha256 of a whole file as hex; returns 0, or -1 if it cannot be read. */
int lr_test_sha256_file(const char *path, char out[65]);

#endif
