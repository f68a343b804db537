/* Private helpers of the repair engines (util.h): errors, text hand-over,
 * directory sync, zero detection, read-back checks, output files that
 * appear only when complete, and version lookups. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/export.h"
#include "lr/safety.h"

/* ---- errors and allocation --------------------------------------------- */

char *rp_strdup(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

int rp_take_text(lr_strbuf_t *b, char **out, lr_error_t *err)
{
    char *s = lr_strbuf_take(b, NULL);
    if (!s)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *out = s;
    return 0;
}

/* ---- bytes and files --------------------------------------------------- */

bool rp_all_zero(const void *p, size_t len)
{
    const unsigned char *b = p;
    return len == 0 || (b[0] == 0 && memcmp(b, b + 1, len - 1) == 0);
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

/* The output-file rules of export and extract (lr/export.h). */
int lr_export_check_target(const lr_scan_t *scan, const char *path, bool overwrite, lr_error_t *err)
{
    if (!path || !*path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no output file given");
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return lr_error_set(err, -errno, LR_NO_OFFSET, "cannot check output file: %s",
                                strerror(errno));
        struct stat lst;
        if (lstat(path, &lst) == 0) /* a dangling symlink: linking onto it would fail later */
            return lr_error_refuse(err, LR_HINT_NEW_NAME,
                                   "output path is a dangling symbolic link");
        return 0;
    }
    if (is_scan_image(scan, &st) || lr_file_held_here(&st))
        return lr_error_refuse(err, LR_HINT_NEW_NAME,
                               "output file is one of the scanned images or a file they are "
                               "read from (a backing file or a parent); images are never "
                               "written by this command");
    /* Not a regular file: no answer would let it be replaced. */
    if (!S_ISREG(st.st_mode))
        return lr_error_refuse(err, LR_HINT_NEW_NAME, "output exists and is not a regular file");
    if (!overwrite)
        return lr_error_refuse(err, LR_HINT_OVERWRITE, "output file exists");
    return 0;
}

int rp_out_open(rp_out_t *o, const lr_scan_t *scan, const char *path, bool overwrite,
                lr_error_t *err)
{
    memset(o, 0, sizeof(*o));
    o->fd = -1;
    if (!path || !*path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no output file given");
    int rc = lr_export_check_target(scan, path, overwrite, err);
    if (rc)
        return lr_error_wrap(err, path, rc);
    size_t n = strlen(path);
    o->path = strdup(path);
    o->tmp = malloc(n + sizeof(".lrtmp-XXXXXX"));
    if (!o->path || !o->tmp) {
        rp_out_abort(o);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".lrtmp-XXXXXX", sizeof(".lrtmp-XXXXXX"));
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        rc = -errno;
        free(o->tmp); /* nothing was created: abort must not unlink a name */
        o->tmp = NULL;
        rp_out_abort(o);
        lr_error_set(err, rc, LR_NO_OFFSET, "cannot create output file: %s", strerror(-rc));
        return lr_error_wrap(err, path, rc);
    }
    o->overwrite = overwrite;
    return 0;
}

int rp_out_write(rp_out_t *o, const void *buf, size_t len, bool sparse, lr_error_t *err)
{
    if (sparse && rp_all_zero(buf, len)) {
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
            lr_error_set(err, rc, o->size + done, "cannot write output file: %s", strerror(-rc));
            return lr_error_wrap(err, o->path, rc);
        }
        done += (size_t)w;
    }
    o->size += len;
    o->hole_at_end = false;
    return 0;
}

static int finish_fd(rp_out_t *o, lr_error_t *err)
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
        return lr_error_set(err, rc, LR_NO_OFFSET, "cannot write output file: %s", strerror(-rc));
    return 0;
}

/* Puts the temporary file in place: link() fails when the target appeared
 * meanwhile, so a file created by someone else is never clobbered. */
static int place(rp_out_t *o, lr_error_t *err)
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
            return lr_error_hint(
                err, LR_HINT_OVERWRITE,
                lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "output file exists"));
        return lr_error_set(err, -errno, LR_NO_OFFSET, "cannot put output file in place: %s",
                            strerror(errno));
    }
    unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return 0;
}

int rp_out_commit(rp_out_t *o, lr_error_t *err)
{
    int rc = finish_fd(o, err);
    if (!rc)
        rc = place(o, err);
    if (rc)
        lr_error_wrap(err, o->path, rc);
    rp_out_abort(o);
    return rc;
}

void rp_out_abort(rp_out_t *o)
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
