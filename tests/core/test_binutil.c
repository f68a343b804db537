#include "test_binutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/error.h"

uint32_t tb_ref_crc(uint32_t initial, const void *buf, size_t len)
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

lr_io_t *tb_open_fixture(const char *fixture, const char *img)
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

char *tb_truth(const char *fixture, const char *file)
{
    char rel[512], path[1024];
    snprintf(rel, sizeof(rel), "truth/%s", file);
    return lr_test_slurp(lr_test_path(path, sizeof(path), fixture, rel), NULL);
}

char *tb_truth_req(const char *fixture, const char *file)
{
    char *t = tb_truth(fixture, file);
    if (!t)
        fail_msg("fixture %s: truth/%s is missing", fixture, file);
    return t;
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

bool tb_pvck_str(const char *text, const char *key, char *val, size_t len)
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

bool tb_pvck_u64(const char *text, const char *key, uint64_t *v)
{
    char buf[64];
    if (!tb_pvck_str(text, key, buf, sizeof(buf)))
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 0);
    if (errno || end == buf)
        return false;
    *v = x;
    return true;
}

bool tb_pvck_comment(const char *text, const char *key, char *val, size_t len)
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

bool tb_pvck_check(const char *text, const char *prefix)
{
    char pat[256];
    snprintf(pat, sizeof(pat), "CHECK: %s", prefix);
    return strstr(text, pat) != NULL;
}

bool tb_has_after(const char *fixture, const char *dev)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.after-pvck-headers", dev);
    char *t = tb_truth(fixture, file);
    free(t);
    return t != NULL;
}

char *tb_current_headers(const char *fixture, const char *dev)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.after-pvck-headers", dev);
    char *t = tb_truth(fixture, file);
    if (t)
        return t;
    snprintf(file, sizeof(file), "%s.pvck-headers", dev);
    return tb_truth_req(fixture, file);
}

char *tb_current_search(const char *fixture, const char *dev, int n)
{
    char file[256];
    snprintf(file, sizeof(file), "%s.after-pvck-search-mda%d", dev, n);
    char *t = tb_truth(fixture, file);
    if (t)
        return t;
    snprintf(file, sizeof(file), "%s.pvck-search-mda%d", dev, n);
    return tb_truth_req(fixture, file);
}

bool tb_damaged(const char *fixture, const char *img, uint64_t off, uint64_t len)
{
    char *t = tb_truth(fixture, "damage");
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

int tb_devices(const char *fixture, lr_test_dev_t *devs, int max)
{
    int n = lr_test_devices(fixture, devs, max);
    if (n <= 0)
        fail_msg("fixture %s: truth/devices missing or empty", fixture);
    return n;
}

/* ---- in-memory io ---- */

typedef struct mem_ctx {
    uint8_t *buf;
} mem_ctx_t;

static int mem_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)err;
    memcpy(buf, ((mem_ctx_t *)ctx)->buf + off, len);
    return 0;
}

static int mem_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    (void)err;
    memcpy(((mem_ctx_t *)ctx)->buf + off, buf, len);
    return 0;
}

static int mem_sync(void *ctx, lr_error_t *err)
{
    (void)ctx;
    (void)err;
    return 0;
}

static int mem_close(void *ctx, lr_error_t *err)
{
    (void)err;
    free(ctx);
    return 0;
}

static const lr_io_ops_t mem_ro_ops = {"mem", mem_pread, NULL, NULL, mem_close};
static const lr_io_ops_t mem_rw_ops = {"mem-rw", mem_pread, mem_pwrite, mem_sync, mem_close};

lr_io_t *tb_mem_io(uint8_t *buf, size_t size, bool writable)
{
    mem_ctx_t *c = malloc(sizeof(*c));
    assert_non_null(c);
    c->buf = buf;
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_new(&io, writable ? &mem_rw_ops : &mem_ro_ops, c, size, "mem", NULL), 0);
    return io;
}

uint8_t *tb_read_all(lr_io_t *io)
{
    uint64_t size = lr_io_size(io);
    uint8_t *buf = malloc(size ? size : 1);
    assert_non_null(buf);
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_pread(io, buf, size, 0, &err), 0);
    return buf;
}

void tb_scratch_copy(const char *fixture, const char *img, char *path, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(path, len, "%s/lr-scratch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    lr_io_t *io = tb_open_fixture(fixture, img);
    uint8_t *buf = tb_read_all(io);
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

uint8_t *tb_file_bytes(const char *path, size_t *len)
{
    uint8_t *b = (uint8_t *)lr_test_slurp(path, len);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}
