#include "support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "lr/error.h"
#include "lr/io.h"
#include "lr/sha256.h"

const char *const lr_test_fixtures[] = {
    "history",     "wrapped",      "three-pv",      "two-mda",
    "gpt",         "label-zeroed", "header-zeroed", "label-header-zeroed",
    "broken-text", "stale-pv",     "reinit",        "second-mda-only",
};
const size_t lr_test_n_fixtures = sizeof(lr_test_fixtures) / sizeof(lr_test_fixtures[0]);

const char *lr_test_path(char *buf, size_t len, const char *fixture, const char *file)
{
    snprintf(buf, len, "%s/%s/%s", LR_FIXTURES, fixture, file);
    return buf;
}

char *lr_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int lr_test_devices(const char *fixture, lr_test_dev_t *devs, int max)
{
    char path[1024];
    FILE *f = fopen(lr_test_path(path, sizeof(path), fixture, "truth/devices"), "r");
    if (!f)
        return -1;
    int n = 0;
    char line[512];
    while (n < max && fgets(line, sizeof(line), f)) {
        lr_test_dev_t *d = &devs[n];
        if (sscanf(line, "%63s %127s %" SCNu64 " %u", d->dev, d->img, &d->pv_start,
                   &d->mda_count) == 4)
            n++;
    }
    fclose(f);
    return n;
}

int lr_test_pvck_search(const char *path, lr_test_copy_t *copies, int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0;
    char line[1024];
    while (n < max && fgets(line, sizeof(line), f)) {
        lr_test_copy_t *c = &copies[n];
        const char *p = strstr(line, "metadata at ");
        if (!p)
            continue;
        if (sscanf(p,
                   "metadata at %" SCNu64 " length %" SCNu64 " crc %" SCNx32
                   " vg %127s seqno %" SCNu64 " id %39s",
                   &c->offset, &c->length, &c->crc, c->vg, &c->seqno, c->id) == 6)
            n++;
    }
    fclose(f);
    return n;
}

/* Finds the start of the n-th object of "section":[ ... ]. */
static const char *json_object(const char *json, const char *section, int n)
{
    char pat[80];
    snprintf(pat, sizeof(pat), "\"%s\": [", section);
    const char *p = strstr(json, pat);
    if (!p) {
        snprintf(pat, sizeof(pat), "\"%s\":[", section);
        p = strstr(json, pat);
    }
    if (!p)
        return NULL;
    p = strchr(p, '[');
    const char *end = strchr(p, ']');
    for (int i = 0; i <= n; i++) {
        p = strchr(p + 1, '{');
        if (!p || (end && p > end))
            return NULL;
    }
    return p;
}

int lr_test_json_count(const char *json, const char *section)
{
    int n = 0;
    while (json_object(json, section, n))
        n++;
    return n;
}

int lr_test_json_field(const char *json, const char *section, int n, const char *key, char *out,
                       size_t outlen)
{
    const char *obj = json_object(json, section, n);
    if (!obj)
        return -1;
    const char *end = strchr(obj, '}');
    char pat[128];
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *p = strstr(obj, pat);
    if (!p || (end && p > end))
        return -1;
    p += strlen(pat);
    size_t i = 0;
    while (*p && *p != '"' && i + 1 < outlen)
        out[i++] = *p++;
    out[i] = '\0';
    return 0;
}

int lr_test_sha256_file(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    lr_sha256_t s;
    lr_sha256_init(&s);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        lr_sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    uint8_t d[LR_SHA256_LEN];
    lr_sha256_final(&s, d);
    lr_sha256_hex(d, out, LR_SHA256_HEX_LEN);
    return 0;
}

static int unpack_chunks(lr_io_t *io, int fd, lr_error_t *err)
{
    static uint8_t buf[1 << 20];
    static const uint8_t zero[4096];
    uint64_t size = lr_io_size(io);
    for (uint64_t off = 0; off < size; off += sizeof(buf)) {
        size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
        if (lr_io_pread(io, buf, n, off, err) != 0)
            return -1;
        for (size_t b = 0; b < n; b += sizeof(zero)) {
            size_t len = n - b < sizeof(zero) ? n - b : sizeof(zero);
            if (len == sizeof(zero) && memcmp(buf + b, zero, len) == 0)
                continue;
            if (pwrite(fd, buf + b, len, (off_t)(off + b)) != (ssize_t)len)
                return -1;
        }
    }
    return 0;
}

int lr_test_unpack(const char *src, const char *dst, uint64_t pad)
{
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_io_open(&io, src, &err) != 0) {
        fprintf(stderr, "lr_test_unpack: %s: %s\n", src, err.msg);
        return -1;
    }
    unlink(dst);
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    uint64_t size = lr_io_size(io);
    int rc = fd < 0 ? -1 : unpack_chunks(io, fd, &err);
    if (!rc && ftruncate(fd, (off_t)(pad > size ? pad : size)) != 0)
        rc = -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    lr_io_close(io, NULL);
    if (rc)
        fprintf(stderr, "lr_test_unpack: %s -> %s failed: %s\n", src, dst, err.msg);
    return rc;
}

char *lr_test_truth(const char *fixture, const char *file, size_t *len)
{
    char rel[512], path[1024];
    snprintf(rel, sizeof(rel), "truth/%s", file);
    return lr_test_slurp(lr_test_path(path, sizeof(path), fixture, rel), len);
}

char *lr_test_truth_req(const char *fixture, const char *file, size_t *len)
{
    char *t = lr_test_truth(fixture, file, len);
    if (!t)
        fail_msg("fixture %s: truth/%s is missing (fixtures are committed: a missing one is a "
                 "failure)",
                 fixture, file);
    return t;
}

char *lr_test_data(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", LR_TEST_DATA, name);
    char *buf = lr_test_slurp(path, len);
    if (!buf)
        fail_msg("cannot read %s (tests/data is committed: a missing file is a failure)", path);
    return buf;
}

int lr_test_devices_req(const char *fixture, lr_test_dev_t *devs, int max)
{
    int n = lr_test_devices(fixture, devs, max);
    if (n <= 0)
        fail_msg("fixture %s: truth/devices missing or empty", fixture);
    return n;
}

uint8_t *lr_test_file_bytes(const char *path, size_t *len)
{
    uint8_t *b = (uint8_t *)lr_test_slurp(path, len);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

void lr_test_clear_dir(const char *dir, bool remove)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    if (remove)
        rmdir(dir);
}

void lr_test_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void lr_test_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t lr_test_get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void lr_test_expect_fail(int rc, int want, const char *what)
{
    if (rc < 0 && (!want || rc == want))
        return;
    if (want)
        fail_msg("%s with a NULL error record returned %d (%s), expected %d (%s)", what, rc,
                 lr_strerror(rc), want, lr_strerror(want));
    fail_msg("%s with a NULL error record returned %d (%s), expected a negative status", what, rc,
             lr_strerror(rc));
}
