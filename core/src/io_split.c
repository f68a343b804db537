/* Split raw images: disk.001, disk.002, ... (split -d, dd | split, FTK's
 * and dcfldd's "raw" sets; also .000 or .00 first, and split's default
 * .aa, .ab...), given as the first segment, read as one image: the
 * segments follow on in name order while the next name exists. No magic
 * tells a split set from a raw file: a file whose name ends in a first
 * suffix (.001, .000, .00, .aa: 2 to 5 characters) with the second beside
 * it is one. A set with a hole (a later segment present) or given by its
 * second segment (.001 with a .000 beside it) is refused by name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"

#define SPLIT_MAX 100000 /* segments at most (five digits) */

typedef struct split_seg {
    int fd;
    uint64_t start, size;
} split_seg_t;

typedef struct split_ctx {
    split_seg_t *segs;
    size_t n;
} split_ctx_t;

static void split_free(split_ctx_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        close(c->segs[i].fd);
    free(c->segs);
    free(c);
}

static int split_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    split_ctx_t *c = ctx;
    uint8_t *p = buf;
    size_t i = 0;
    while (i + 1 < c->n && c->segs[i].start + c->segs[i].size <= off)
        i++;
    while (len > 0 && i < c->n) {
        split_seg_t *s = &c->segs[i];
        uint64_t in = off - s->start;
        size_t want = s->size - in < len ? (size_t)(s->size - in) : len;
        size_t n = 0;
        int rc = want ? lr_io_fd_pread(s->fd, p, want, in, &n) : 0;
        if (rc)
            return lr_error_set(err, rc, off + n, "read of segment %zu failed: %s", i + 1,
                                strerror(-rc));
        if (n < want)
            return lr_error_set(err, -EIO, off + n, "segment %zu shrank", i + 1);
        p += n;
        len -= n;
        off += (uint64_t)n;
        if ((uint64_t)n == s->size - in)
            i++;
    }
    return len ? lr_error_set(err, -EIO, off, "past the last segment") : 0;
}

static int split_close(void *ctx, lr_error_t *err)
{
    (void)err;
    split_free(ctx);
    return 0;
}

static const lr_io_ops_t split_ops = {
    .name = "split",
    .pread = split_pread,
    .close = split_close,
};

/* How a set's segments are named: the suffix after the last dot of the
 * first one, 2 to 5 characters, fixed width -- digits from 0...0 or
 * 0...1 (split -d, split --numeric-suffixes=1, FTK and dcfldd's .001) or
 * letters from a...a (split's default). */
typedef struct split_names {
    size_t at;    /* where the suffix starts in the path */
    size_t width; /* its characters */
    bool letters; /* aa, ab...; else digits */
    size_t first; /* the number of the first segment (0 or 1; 0 for letters) */
} split_names_t;

/* The naming of the set whose first segment path would be; false when the
 * name is no first segment's. */
static bool split_naming(const char *path, split_names_t *nm)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return false;
    const char *sfx = dot + 1;
    size_t n = strlen(sfx);
    if (n < 2 || n > 5)
        return false;
    *nm = (split_names_t){.at = (size_t)(sfx - path), .width = n, .letters = sfx[0] == 'a'};
    for (size_t i = 0; i < n; i++) {
        char want = nm->letters ? 'a' : '0';
        if (sfx[i] != want && !(!nm->letters && i == n - 1 && sfx[i] == '1'))
            return false;
    }
    nm->first = !nm->letters && sfx[n - 1] == '1';
    return true;
}

/* The name of the segment numbered k of the set (NULL past the width's
 * last name, or out of memory). */
static char *split_name(const char *path, const split_names_t *nm, size_t k)
{
    char sfx[8];
    size_t base = nm->letters ? 26 : 10;
    for (size_t i = nm->width; i-- > 0; k /= base)
        sfx[i] = (char)((nm->letters ? 'a' : '0') + k % base);
    sfx[nm->width] = '\0';
    if (k)
        return NULL;
    char *name = NULL;
    if (asprintf(&name, "%.*s%s", (int)nm->at, path, sfx) < 0)
        return NULL;
    return name;
}

static bool split_exists(const char *name)
{
    struct stat st;
    return name && stat(name, &st) == 0 && S_ISREG(st.st_mode);
}

int lr_io_split_is_set(const char *path)
{
    split_names_t nm;
    if (!split_naming(path, &nm))
        return 0;
    char *second = split_name(path, &nm, nm.first + 1);
    int yes = split_exists(second);
    free(second);
    return yes;
}

char *lr_io_split_first_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    const char *sfx = dot + 1;
    size_t n = strlen(sfx), k = 0;
    if (n < 2 || n > 5)
        return NULL;
    split_names_t nm = {.at = (size_t)(sfx - path), .width = n, .letters = sfx[0] >= 'a'};
    for (size_t i = 0; i < n; i++) {
        char lo = nm.letters ? 'a' : '0', hi = nm.letters ? 'z' : '9';
        if (sfx[i] < lo || sfx[i] > hi)
            return NULL;
        k = k * (nm.letters ? 26 : 10) + (size_t)(sfx[i] - lo);
    }
    /* digits count from 0 or from 1; letters from aa */
    for (size_t first = 0; first <= (nm.letters ? 0u : 1u); first++) {
        if (k <= first)
            continue;
        nm.first = first;
        char *a = split_name(path, &nm, first), *b = split_name(path, &nm, k - 1);
        bool yes = split_exists(a) && split_exists(b);
        free(b);
        if (yes)
            return a;
        free(a);
    }
    return NULL;
}

/* The set must start at path and have no hole: a .000 beside a .001 is
 * the first segment (path is the second), and a segment after the one
 * missing (k, where the set seemed to end) means one is lost. Looked for
 * up to 64 numbers on: split numbers every segment. */
static int split_check_ends(const char *path, const split_names_t *nm, size_t k, lr_error_t *err)
{
    int rc = 0;
    char *name = NULL;
    if (nm->first == 1 && split_exists(name = split_name(path, nm, 0)))
        rc = lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                         "%s is beside it: the split set starts there, give that segment instead",
                         name);
    for (size_t j = k + 1; !rc && j <= k + 64; j++) {
        free(name);
        name = split_name(path, nm, j);
        if (!name)
            break;
        if (split_exists(name)) {
            char *lost = split_name(path, nm, k);
            rc = lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                             "segment %s of the split set is missing (%s follows it): the set "
                             "cannot be read without it",
                             lost ? lost : "?", name);
            free(lost);
        }
    }
    free(name);
    return rc;
}

int lr_io_split_open(lr_io_t **out, int fd, const char *path, lr_error_t *err)
{
    split_names_t nm;
    split_naming(path, &nm);
    split_ctx_t *c = calloc(1, sizeof(*c));
    size_t cap = 0;
    uint64_t total = 0;
    int rc = c ? 0 : lr_error_oom(err);
    for (size_t k = nm.first; !rc && k < SPLIT_MAX; k++) {
        char *name = k == nm.first ? NULL : split_name(path, &nm, k);
        int sfd = k == nm.first ? fd : name ? open(name, O_RDONLY | O_CLOEXEC) : -1;
        struct stat st;
        if (k != nm.first && (!name || (sfd < 0 && errno == ENOENT))) {
            free(name);
            rc = split_check_ends(path, &nm, k, err);
            break; /* the set ends */
        }
        if (sfd < 0 || fstat(sfd, &st) != 0 || !S_ISREG(st.st_mode)) {
            rc = lr_error_at(err, path, -EIO, LR_NO_OFFSET, "cannot read segment %s",
                             name ? name : path);
        } else if (c->n == cap) {
            cap = cap ? 2 * cap : 16;
            split_seg_t *s = realloc(c->segs, cap * sizeof(*s));
            if (s)
                c->segs = s;
            else
                rc = lr_error_oom(err);
        }
        if (!rc) {
            c->segs[c->n++] =
                (split_seg_t){.fd = sfd, .start = total, .size = (uint64_t)st.st_size};
            total += (uint64_t)st.st_size;
        } else if (sfd >= 0) {
            close(sfd);
        }
        if (k == nm.first)
            fd = -1; /* owned by the set now (or closed) */
        free(name);
    }
    if (fd >= 0)
        close(fd);
    if (!rc)
        rc = lr_io_new(out, &split_ops, c, total, path, err);
    if (rc && c)
        split_free(c);
    return rc;
}
