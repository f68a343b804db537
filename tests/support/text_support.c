#include "text_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

int lr_test_split_pvck_all(const char *buf, size_t len, lr_test_text_t *out, int max)
{
    static const char sep[] = "\n--\n";
    const size_t seplen = sizeof(sep) - 1;
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; n < max && i + seplen <= len; i++) {
        if (memcmp(buf + i, sep, seplen) != 0)
            continue;
        out[n++] = (lr_test_text_t){buf + start, i - start};
        start = i + seplen;
        i = start - 1;
    }
    if (n < max && start < len)
        out[n++] = (lr_test_text_t){buf + start, len - start};
    return n;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int lr_test_truth_files(const char *fixture, const char *part, char names[][128], int max)
{
    char path[1024];
    DIR *d = opendir(lr_test_path(path, sizeof(path), fixture, "truth"));
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (!strstr(e->d_name, part) || len >= 128)
            continue;
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, 128, cmp_names);
    return n;
}

int lr_test_json_u64(const char *json, const char *section, int n, const char *key, uint64_t *out)
{
    char buf[64];
    if (lr_test_json_field(json, section, n, key, buf, sizeof(buf)) != 0 || !buf[0])
        return -1;
    char *end = NULL;
    unsigned long long v = strtoull(buf, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

size_t lr_test_count(const char *hay, size_t len, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    for (size_t i = 0; nl && i + nl <= len; i++) {
        if (memcmp(hay + i, needle, nl) == 0) {
            n++;
            i += nl - 1;
        }
    }
    return n;
}

lr_vg_t *lr_test_vg_parse(const char *text)
{
    lr_vg_t *vg = NULL;
    lr_error_t err;
    int rc = lr_vg_parse(text, strlen(text), &vg, &err);
    if (rc)
        fprintf(stderr, "parse: %s at %llu\n", err.msg, (unsigned long long)err.offset);
    assert_int_equal(rc, 0);
    return vg;
}
