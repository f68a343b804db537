/* Private helpers of the inspection engines: string building, JSON
 * escaping, sizes, and output files that appear only when complete. */
#include "inspect_util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- string buffer --------------------------------------------------- */

static bool ibuf_reserve(lr_ibuf_t *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void lr_ibuf_putn(lr_ibuf_t *b, const char *s, size_t n)
{
    if (!ibuf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void lr_ibuf_puts(lr_ibuf_t *b, const char *s)
{
    lr_ibuf_putn(b, s, strlen(s));
}

void lr_ibuf_printf(lr_ibuf_t *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !ibuf_reserve(b, (size_t)n)) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void lr_ibuf_json_str(lr_ibuf_t *b, const char *s)
{
    if (!s) {
        lr_ibuf_puts(b, "null");
        return;
    }
    lr_ibuf_putn(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': lr_ibuf_puts(b, "\\\""); break;
        case '\\': lr_ibuf_puts(b, "\\\\"); break;
        case '\n': lr_ibuf_puts(b, "\\n"); break;
        case '\r': lr_ibuf_puts(b, "\\r"); break;
        case '\t': lr_ibuf_puts(b, "\\t"); break;
        default:
            /* control bytes and bytes >= 0x80 are escaped one by one: metadata
             * text is not guaranteed UTF-8 and the JSON must stay valid */
            if (*p < 0x20 || *p >= 0x7f)
                lr_ibuf_printf(b, "\\u%04x", *p);
            else
                lr_ibuf_putn(b, (const char *)p, 1);
        }
    }
    lr_ibuf_putn(b, "\"", 1);
}

char *lr_ibuf_take(lr_ibuf_t *b)
{
    if (b->oom) {
        lr_ibuf_free(b);
        return NULL;
    }
    if (!b->p)
        return strdup("");
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void lr_ibuf_free(lr_ibuf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int lr_inspect_fail(lr_error_t *err, int rc, const char *where)
{
    lr_error_where(err, where);
    return rc;
}

char *lr_inspect_strdup(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

void lr_inspect_size(char *out, size_t len, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned u = 0;
    while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >> (10 * (u + 1)))
        u++;
    uint64_t unit = (uint64_t)1 << (10 * u);
    if (bytes % unit == 0)
        snprintf(out, len, "%" PRIu64 " %s", bytes / unit, units[u]);
    else
        snprintf(out, len, "%.2f %s", (double)bytes / (double)unit, units[u]);
}

/* ---- output files ---------------------------------------------------- */

/* 1 if st is the same file as one of the scan's images. Images whose path
 * cannot be stat'ed (e.g. named handles) cannot be the target by path. */
static bool is_scan_image(const lr_scan_t *scan, const struct stat *st)
{
    if (!scan)
        return false;
    for (size_t i = 0; i < scan->n_images; i++) {
        struct stat is;
        if (scan->images[i].path && stat(scan->images[i].path, &is) == 0 &&
            is.st_dev == st->st_dev && is.st_ino == st->st_ino)
            return true;
    }
    return false;
}

static int check_target(const lr_scan_t *scan, const char *path, bool overwrite, lr_error_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return lr_error_set(err, -errno, LR_NO_OFFSET, "cannot check output file: %s",
                                strerror(errno));
        struct stat lst;
        if (lstat(path, &lst) == 0) /* a dangling symlink: linking onto it would fail later */
            return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                                "output path is a dangling symbolic link");
        return 0;
    }
    if (is_scan_image(scan, &st))
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "output file is one of the scanned images; images are never "
                            "written by this command");
    if (!overwrite)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "output file exists (allow overwriting to replace it)");
    if (!S_ISREG(st.st_mode))
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "output exists and is not a regular file");
    return 0;
}

int lr_inspect_out_open(lr_inspect_out_t *o, const lr_scan_t *scan, const char *path,
                        bool overwrite, lr_error_t *err)
{
    memset(o, 0, sizeof(*o));
    o->fd = -1;
    if (!path || !*path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no output file given");
    int rc = check_target(scan, path, overwrite, err);
    if (rc)
        return lr_inspect_fail(err, rc, path);
    size_t n = strlen(path);
    o->path = strdup(path);
    o->tmp = malloc(n + sizeof(".lrtmp-XXXXXX"));
    if (!o->path || !o->tmp) {
        lr_inspect_out_abort(o);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".lrtmp-XXXXXX", sizeof(".lrtmp-XXXXXX"));
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        rc = -errno;
        free(o->tmp); /* nothing was created: abort must not unlink a name */
        o->tmp = NULL;
        lr_inspect_out_abort(o);
        lr_error_set(err, rc, LR_NO_OFFSET, "cannot create output file: %s", strerror(-rc));
        return lr_inspect_fail(err, rc, path);
    }
    o->overwrite = overwrite;
    return 0;
}

static bool all_zero(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

int lr_inspect_out_write(lr_inspect_out_t *o, const void *buf, size_t len, bool sparse,
                         lr_error_t *err)
{
    if (sparse && all_zero(buf, len)) {
        /* the temporary file is new, so skipped bytes read back as zeros */
        o->size += len;
        o->hole_at_end = len > 0;
        return 0;
    }
    const char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(o->fd, p + done, len - done, (off_t)(o->size + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int rc = w < 0 ? -errno : -EIO;
            lr_error_set(err, rc, o->size + done, "cannot write output file: %s",
                         strerror(-rc));
            return lr_inspect_fail(err, rc, o->path);
        }
        done += (size_t)w;
    }
    o->size += len;
    o->hole_at_end = false;
    return 0;
}

static int finish_fd(lr_inspect_out_t *o, lr_error_t *err)
{
    int rc = 0;
    if (o->hole_at_end && ftruncate(o->fd, (off_t)o->size) != 0)
        rc = -errno;
    if (!rc && fsync(o->fd) != 0)
        rc = -errno;
    if (close(o->fd) != 0 && !rc)
        rc = -errno;
    o->fd = -1;
    if (rc)
        return lr_error_set(err, rc, LR_NO_OFFSET, "cannot write output file: %s",
                            strerror(-rc));
    return 0;
}

/* Puts the temporary file in place: link() fails when the target appeared
 * meanwhile, so a file created by someone else is never clobbered. */
static int place(lr_inspect_out_t *o, lr_error_t *err)
{
    if (o->overwrite) {
        if (rename(o->tmp, o->path) != 0)
            return lr_error_set(err, -errno, LR_NO_OFFSET, "cannot put output file in place: %s",
                                strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return 0;
    }
    if (link(o->tmp, o->path) != 0) {
        if (errno == EEXIST)
            return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                                "output file exists (allow overwriting to replace it)");
        return lr_error_set(err, -errno, LR_NO_OFFSET, "cannot put output file in place: %s",
                            strerror(errno));
    }
    unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return 0;
}

int lr_inspect_out_commit(lr_inspect_out_t *o, lr_error_t *err)
{
    int rc = finish_fd(o, err);
    if (!rc)
        rc = place(o, err);
    if (rc)
        lr_error_where(err, o->path);
    lr_inspect_out_abort(o);
    return rc;
}

void lr_inspect_out_abort(lr_inspect_out_t *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    o->tmp = NULL;
    o->path = NULL;
}

/* ---- scan helpers ---------------------------------------------------- */

int lr_inspect_version_copy(const lr_scan_t *scan, size_t vg, size_t version, size_t *copy,
                            lr_error_t *err)
{
    if (!scan || vg >= scan->n_vgs || version >= scan->vgs[vg].n_versions)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "no such VG version");
    int c = lr_scan_version_copy(scan, vg, version);
    if (c < 0 || (size_t)c >= scan->n_copies) {
        const lr_scan_vg_t *v = &scan->vgs[vg];
        lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                     "VG %s seqno %" PRIu64 " has only partial copies; it cannot be used",
                     v->name ? v->name : "?", v->versions[version].seqno);
        return lr_inspect_fail(err, LR_EREFUSED, v->name);
    }
    *copy = (size_t)c;
    return 0;
}
