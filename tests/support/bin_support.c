#include "bin_support.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/error.h"
#include "mem_io.h"

uint32_t lr_test_ref_crc(uint32_t initial, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t crc = initial;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (crc & 1 ? 0xedb88320U : 0);
    }
    return crc;
}

lr_io_t *lr_test_open_fixture(const char *fixture, const char *img)
{
    char name[256], path[1024];
    snprintf(name, sizeof(name), "%s.gz", img);
    lr_test_path(path, sizeof(path), fixture, name);
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_io_open(&io, path, &err);
    if (rc) {
        char buf[1024];
        fail_msg("cannot open fixture image %s: %s", path, lr_error_format(&err, buf, sizeof(buf)));
    }
    return io;
}

/* Finds the line "  KEY " (exact key, at line start after spaces). */
static const char *pvck_line(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return p + klen + 1;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

bool lr_test_pvck_str(const char *text, const char *key, char *val, size_t len)
{
    const char *p = pvck_line(text, key);
    if (!p || len == 0)
        return false;
    size_t i = 0;
    /* "label_header.type LVM2 001" has a space inside the value. */
    bool whole = strstr(key, ".type") != NULL;
    while (p[i] && p[i] != '\n' && (whole || p[i] != ' ') && i + 1 < len) {
        val[i] = p[i];
        i++;
    }
    val[i] = '\0';
    return true;
}

bool lr_test_pvck_u64(const char *text, const char *key, uint64_t *v)
{
    char buf[64];
    if (!lr_test_pvck_str(text, key, buf, sizeof(buf)))
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 0);
    if (errno || end == buf)
        return false;
    *v = x;
    return true;
}

bool lr_test_pvck_comment(const char *text, const char *key, char *val, size_t len)
{
    const char *p = pvck_line(text, key);
    if (!p)
        return false;
    const char *eol = strchr(p, '\n');
    const char *hash = strchr(p, '#');
    if (!hash || (eol && hash > eol))
        return false;
    hash++;
    while (*hash == ' ')
        hash++;
    size_t i = 0;
    while (hash[i] && hash[i] != '\n' && i + 1 < len) {
        val[i] = hash[i];
        i++;
    }
    val[i] = '\0';
    return true;
}

bool lr_test_pvck_check(const char *text, const char *prefix)
{
    char pat[256];
    snprintf(pat, sizeof(pat), "CHECK: %s", prefix);
    return strstr(text, pat) != NULL;
}

bool lr_test_has_after(const char *fixture, const char *dev)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.after-pvck-headers", dev);
    char *t = lr_test_truth(fixture, file, NULL);
    free(t);
    return t != NULL;
}

char *lr_test_current_headers(const char *fixture, const char *dev)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.after-pvck-headers", dev);
    char *t = lr_test_truth(fixture, file, NULL);
    if (t)
        return t;
    snprintf(file, sizeof(file), "%s.pvck-headers", dev);
    return lr_test_truth_req(fixture, file, NULL);
}

char *lr_test_current_search(const char *fixture, const char *dev, int n)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.after-pvck-search-mda%d", dev, n);
    char *t = lr_test_truth(fixture, file, NULL);
    if (t)
        return t;
    snprintf(file, sizeof(file), "%s.pvck-search-mda%d", dev, n);
    return lr_test_truth_req(fixture, file, NULL);
}

bool lr_test_damaged(const char *fixture, const char *img, uint64_t off, uint64_t len)
{
    char *t = lr_test_truth(fixture, "damage", NULL);
    if (!t)
        return false;
    bool hit = false;
    for (char *line = strtok(t, "\n"); line && !hit; line = strtok(NULL, "\n")) {
        char name[256];
        uint64_t doff, dlen;
        if (sscanf(line, "%255s %" SCNu64 " %" SCNu64, name, &doff, &dlen) != 3)
            continue;
        if (strcmp(name, img) == 0 && doff < off + len && off < doff + dlen)
            hit = true;
    }
    free(t);
    return hit;
}

lr_io_t *lr_test_buf_io(uint8_t *buf, size_t size, bool writable)
{
    lr_io_t *io = NULL;
    assert_int_equal(lr_test_mem_borrow(&io, buf, size, writable, "mem", NULL), 0);
    return io;
}

uint8_t *lr_test_read_all(lr_io_t *io)
{
    uint64_t size = lr_io_size(io);
    uint8_t *buf = malloc(size ? size : 1);
    assert_non_null(buf);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_pread(io, buf, size, 0, &err), 0);
    return buf;
}

void lr_test_scratch_copy(const char *fixture, const char *img, char *path, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, len, "%s/lr-scratch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    lr_io_t *io = lr_test_open_fixture(fixture, img);
    uint8_t *buf = lr_test_read_all(io);
    uint64_t size = lr_io_size(io);
    for (uint64_t done = 0; done < size;) {
        ssize_t n = write(fd, buf + done, size - done);
        assert_true(n > 0);
        done += (uint64_t)n;
    }
    assert_int_equal(close(fd), 0);
    free(buf);
    lr_io_close(io, NULL);
}
