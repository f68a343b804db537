/* lvmrescue core: SHA-256 (FIPS 180-4).
 *
 * A generic content hash for any module and the tests: the undo file keeps
 * one per saved range next to LVM2's CRC, so that "this range still holds
 * what we wrote" is not decided by a 32-bit checksum alone; tests compare
 * extracted data with the fixtures' sha256sum files. Nothing here allocates
 * or fails. */
#ifndef LR_SHA256_H
#define LR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define LR_SHA256_LEN 32                          /* digest bytes */
#define LR_SHA256_HEX_LEN (2 * LR_SHA256_LEN + 1) /* hex digits and the NUL */

/* Streaming state; the caller owns it (no allocation, nothing to free). */
typedef struct lr_sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed */
    uint8_t buf[64];
    size_t used;
} lr_sha256_t;

/* Starts a new hash in s. */
void lr_sha256_init(lr_sha256_t *s);
/* Hashes len more bytes of data (any split of the input gives the same
 * digest). */
void lr_sha256_update(lr_sha256_t *s, const void *data, size_t len);
/* Writes the digest of everything hashed to out. s is finished: init it
 * again before reuse. */
void lr_sha256_final(lr_sha256_t *s, uint8_t out[LR_SHA256_LEN]);
/* One-shot digest of len bytes of data. */
void lr_sha256(const void *data, size_t len, uint8_t out[LR_SHA256_LEN]);
/* Lower-case hex of digest d into out (outlen bytes, LR_SHA256_HEX_LEN for
 * all of it; a shorter buffer gets the digits that fit, always
 * NUL-terminated). Returns out. */
const char *lr_sha256_hex(const uint8_t d[LR_SHA256_LEN], char *out, size_t outlen);

#endif
