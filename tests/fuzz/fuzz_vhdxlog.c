/* Fuzz target: the VHDX log (core/src/io_vhdx_log.c): the current header,
 * the search for the log's active sequence (entries, descriptors, data
 * sectors, their checksums and sequence numbers, a sequence wrapping past
 * the log's end) and the writes laid over the file's bytes.
 *
 * Input: the first 4 KiB are the header (its signature and checksum are
 * set here, so that the fuzzer works on its fields, and the log is placed
 * at 1 MiB with the input's length, at most FUZZ_LOG_MAX); the rest is the
 * log. Written to one private temporary file: "vhdxfile" at 0, the header
 * at 64 KiB, the log at 1 MiB, and 1 MiB of 0x5a after it (the bytes a
 * write would change).
 *
 * Properties checked:
 * - lr_vhdx_log_open returns 0 or a negative status, and leaves no log on
 *   failure;
 * - a log found has a note naming the file, a size at least the file's,
 *   and its writes can be laid over any range, near the end of the offsets
 *   too, without touching bytes outside the buffer (ASan). */
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"
#include "le.h"
#include "lr/crc.h"

#define FUZZ_SECTOR 4096u
#define FUZZ_LOG_AT (1u << 20)
#define FUZZ_LOG_MAX (256u << 10)

static char img_path[] = "/tmp/lr_fuzz_vhdxlog_XXXXXX";
static int img_fd = -1;

static void cleanup(void)
{
    if (img_fd >= 0)
        unlink(img_path);
}

/* The header sealed: signature, log at 1 MiB of log_len bytes, and the
 * CRC-32C over the 4 KiB with the checksum field zero. */
static void seal_header(uint8_t *h, uint32_t log_len)
{
    memcpy(h, "head", 4);
    lr_put_le32(h + 4, 0);
    lr_put_le32(h + 68, log_len);
    lr_put_le64(h + 72, FUZZ_LOG_AT);
    lr_put_le32(h + 4, ~lr_crc32c(0xffffffffu, h, FUZZ_SECTOR));
}

static void write_at(const void *p, size_t len, uint64_t off)
{
    FUZZ_CHECK(pwrite(img_fd, p, len, (off_t)off) == (ssize_t)len, "pwrite: %s", strerror(errno));
}

static void lay(const lr_vhdx_log_t *log, uint64_t off)
{
    uint8_t buf[3 * FUZZ_SECTOR + 7];
    memset(buf, 0x5a, sizeof(buf));
    lr_vhdx_log_apply(log, buf, sizeof(buf), off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (img_fd < 0) {
        img_fd = mkstemp(img_path);
        FUZZ_CHECK(img_fd >= 0, "mkstemp: %s", strerror(errno));
        atexit(cleanup);
    }
    uint8_t header[FUZZ_SECTOR] = {0};
    memcpy(header, data, size < FUZZ_SECTOR ? size : FUZZ_SECTOR);
    size_t log_len = size > FUZZ_SECTOR ? size - FUZZ_SECTOR : 0;
    if (log_len > FUZZ_LOG_MAX)
        log_len = FUZZ_LOG_MAX;
    uint32_t log_room = (uint32_t)((log_len + FUZZ_SECTOR - 1) / FUZZ_SECTOR * FUZZ_SECTOR);
    seal_header(header, log_room ? log_room : FUZZ_SECTOR);

    static uint8_t after[1u << 20];
    memset(after, 0x5a, sizeof(after));
    FUZZ_CHECK(ftruncate(img_fd, 0) == 0, "ftruncate");
    write_at("vhdxfile", 8, 0);
    write_at(header, sizeof(header), 64u << 10);
    if (log_len)
        write_at(data + FUZZ_SECTOR, log_len, FUZZ_LOG_AT);
    write_at(after, sizeof(after), FUZZ_LOG_AT + FUZZ_LOG_MAX);
    struct stat st;
    FUZZ_CHECK(fstat(img_fd, &st) == 0, "fstat");

    lr_vhdx_log_t *log = (lr_vhdx_log_t *)&img_fd; /* must be reset */
    lr_error_t err;
    int rc = lr_vhdx_log_open(&log, img_fd, img_path, true, &err);
    FUZZ_CHECK(rc <= 0, "open returned %d", rc);
    if (rc || !log) {
        FUZZ_CHECK(log == NULL, "no log expected (rc %d)", rc);
        return 0;
    }
    const char *note = lr_vhdx_log_note(log);
    FUZZ_CHECK(note && strstr(note, img_path), "the note does not name the file");
    FUZZ_CHECK(lr_vhdx_log_size(log, (uint64_t)st.st_size) >= (uint64_t)st.st_size,
               "the size shrank");
    static const uint64_t at[] = {0,
                                  4096,
                                  65536,
                                  FUZZ_LOG_AT,
                                  FUZZ_LOG_AT + FUZZ_LOG_MAX,
                                  UINT64_MAX - 3 * FUZZ_SECTOR - 7,
                                  UINT64_MAX / 2};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
        lay(log, at[i]);
    lr_vhdx_log_free(log);
    return 0;
}
