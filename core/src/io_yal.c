/* Container images read through the libyal libraries: EWF (libewf), qcow2
 * (libqcow), VMDK (libvmdk) and VHD/VHDX (libvhdi). Each library opens the
 * image by its path (and finds the other files of the set itself: EWF
 * segments, VMDK extents, a qcow2 backing file we name); this layer only
 * turns their reads and errors into an lr_io_t. Read-only: no pwrite op.
 * Every library is optional (LR_HAVE_EWF, LR_HAVE_QCOW, LR_HAVE_VMDK,
 * LR_HAVE_VHDI); without one, io_formats.c names it instead of calling
 * here. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"

#if defined(LR_HAVE_EWF) || defined(LR_HAVE_QCOW) || defined(LR_HAVE_VMDK) || defined(LR_HAVE_VHDI)

#ifdef LR_HAVE_EWF
#include <libewf.h>
#endif
#ifdef LR_HAVE_QCOW
#include <libqcow.h>
#endif
#ifdef LR_HAVE_VMDK
#include <libvmdk.h>
#endif
#ifdef LR_HAVE_VHDI
#include <libvhdi.h>
#endif

#define YAL_MSG 512      /* a library's error text kept for our message */
#define YAL_MAX_CHAIN 16 /* qcow2 backing files followed at most */

/* One open image of one library: read and free are the library's. */
typedef struct yal_ctx yal_ctx_t;
typedef struct yal_ops {
    const char *what; /* "EWF", "qcow2"... for messages */
    ssize_t (*read)(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg);
    void (*free)(yal_ctx_t *y);
} yal_ops_t;

struct yal_ctx {
    const yal_ops_t *ops;
    void *h;                    /* the library's handle of the image */
    void *chain[YAL_MAX_CHAIN]; /* qcow2: backing files, nearest first */
    size_t n_chain;
};

static int yal_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    yal_ctx_t *y = ctx;
    uint8_t *p = buf;
    while (len > 0) {
        char msg[YAL_MSG] = "";
        ssize_t n = y->ops->read(y, p, len, off, msg);
        if (n < 0)
            return lr_error_set(err, -EIO, off, "%s read failed: %s", y->ops->what,
                                msg[0] ? msg : "unknown error");
        if (n == 0)
            return lr_error_set(err, -EIO, off, "%s image ends early", y->ops->what);
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int yal_close(void *ctx, lr_error_t *err)
{
    (void)err;
    yal_ctx_t *y = ctx;
    y->ops->free(y);
    free(y);
    return 0;
}

static const lr_io_ops_t yal_io_ops = {
    .name = "container",
    .pread = yal_pread,
    .close = yal_close,
};

/* Wraps an opened library handle (y is freed on failure). */
static int yal_wrap(lr_io_t **out, yal_ctx_t *y, uint64_t size, const char *path, lr_error_t *err)
{
    int rc = lr_io_new(out, &yal_io_ops, y, size, path, err);
    if (rc)
        yal_close(y, NULL);
    return rc;
}

/* Drops the first line of a libyal backtrace's noise: the text is one line
 * per level, the last the most useful; keep it whole but on one line. */
static void yal_flatten(char *msg)
{
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = *(p + 1) ? ' ' : '\0';
}

/* The directory of path (for files named relative to the image). */
static char *yal_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

/* ------------------------------------------------------------------ */
/* EWF                                                                 */

#ifdef LR_HAVE_EWF
static void ewf_msg(libewf_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libewf_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libewf_error_free(&e);
}

static ssize_t ewf_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    libewf_error_t *e = NULL;
    ssize_t n = libewf_handle_read_random(y->h, buf, len, (off64_t)off, &e);
    ewf_msg(e, msg);
    return n;
}

static void ewf_free(yal_ctx_t *y)
{
    libewf_handle_t *h = y->h;
    if (!h)
        return;
    libewf_handle_close(h, NULL);
    libewf_handle_free(&h, NULL);
}

static const yal_ops_t ewf_ops = {.what = "EWF", .read = ewf_read, .free = ewf_free};

int lr_io_ewf_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libewf_error_t *e = NULL;
    char **names = NULL;
    int n_names = 0;
    if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &n_names, &e) != 1) {
        ewf_msg(e, msg);
        return lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                           "cannot find the EWF segment files: %s", msg);
    }
    yal_ctx_t *y = calloc(1, sizeof(*y));
    libewf_handle_t *h = NULL;
    int rc = 0;
    if (!y || libewf_handle_initialize(&h, &e) != 1) {
        ewf_msg(e, NULL);
        rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (libewf_handle_open(h, names, n_names, LIBEWF_OPEN_READ, &e) != 1) {
        ewf_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                         "cannot open the EWF image (%d segment file%s found): %s", n_names,
                         n_names == 1 ? "" : "s", msg);
    }
    libewf_glob_free(names, n_names, NULL);
    size64_t size = 0;
    if (!rc && libewf_handle_get_media_size(h, &size, &e) != 1) {
        ewf_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no media size in the EWF image: %s",
                         msg);
    }
    /* A set missing a segment (or with a damaged one) opens, but reads of
     * the lost part would fail or come back as zeros: refuse it whole. */
    if (!rc && libewf_handle_segment_files_corrupted(h, NULL) == 1)
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                         "the EWF segment files are corrupted or incomplete (%d found)", n_names);
    if (rc) {
        if (h) {
            libewf_handle_close(h, NULL);
            libewf_handle_free(&h, NULL);
        }
        free(y);
        return rc;
    }
    y->ops = &ewf_ops;
    y->h = h;
    return yal_wrap(out, y, size, path, err);
}
#endif

/* ------------------------------------------------------------------ */
/* qcow2, with its backing files                                       */

#ifdef LR_HAVE_QCOW
static void qcow_msg(libqcow_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libqcow_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libqcow_error_free(&e);
}

static ssize_t qcow_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    libqcow_error_t *e = NULL;
    ssize_t n = libqcow_file_read_buffer_at_offset(y->h, buf, len, (off64_t)off, &e);
    qcow_msg(e, msg);
    return n;
}

static void qcow_free_file(void *f)
{
    libqcow_file_t *q = f;
    if (!q)
        return;
    libqcow_file_close(q, NULL);
    libqcow_file_free(&q, NULL);
}

static void qcow_free(yal_ctx_t *y)
{
    qcow_free_file(y->h); /* the top first: it reads through its parents */
    for (size_t i = 0; i < y->n_chain; i++)
        qcow_free_file(y->chain[i]);
}

static const yal_ops_t qcow_ops = {.what = "qcow2", .read = qcow_read, .free = qcow_free};

/* Opens one qcow2 file of the chain; refuses an encrypted one. */
static int qcow_open_file(libqcow_file_t **out, const char *path, const char *image,
                          lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libqcow_error_t *e = NULL;
    libqcow_file_t *q = NULL;
    *out = NULL;
    if (libqcow_file_initialize(&q, &e) != 1) {
        qcow_msg(e, NULL);
        return lr_error_at(err, image, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    if (libqcow_file_open(q, path, LIBQCOW_OPEN_READ, &e) != 1) {
        qcow_msg(e, msg);
        libqcow_file_free(&q, NULL);
        return lr_error_at(err, image, LR_EFORMAT, LR_NO_OFFSET, "cannot open qcow2 image %s: %s",
                           path, msg);
    }
    uint32_t method = 0;
    if (libqcow_file_get_encryption_method(q, &method, NULL) == 1 &&
        method != LIBQCOW_ENCRYPTION_METHOD_NONE) {
        qcow_free_file(q);
        if (strcmp(path, image) != 0)
            return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                               "its backing file %s is an encrypted qcow2 image: not supported "
                               "(decrypt the chain with qemu-img first)",
                               path);
        return lr_error_at(err, image, LR_EREFUSED, LR_NO_OFFSET,
                           "an encrypted qcow2 image: not supported (decrypt it with qemu-img "
                           "first)");
    }
    *out = q;
    return 0;
}

/* 1 if path is a readable regular file: a backing file named in an image
 * is never a device, a FIFO or a directory (a hostile name must not make
 * the reader block or read a device). */
static bool yal_is_file(const char *path)
{
    struct stat st;
    return access(path, R_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The backing file of q as a path: NULL with 0 when it has none. A name
 * that is not found as given is looked for beside the image (images are
 * moved with their backing files more often than kept at the same path). */
static int qcow_backing(libqcow_file_t *q, const char *child, char **out, lr_error_t *err)
{
    *out = NULL;
    size_t n = 0;
    if (libqcow_file_get_utf8_backing_filename_size(q, &n, NULL) != 1 || n <= 1)
        return 0;
    char *name = malloc(n);
    if (!name || libqcow_file_get_utf8_backing_filename(q, (uint8_t *)name, n, NULL) != 1) {
        free(name);
        return lr_error_at(err, child, LR_EFORMAT, LR_NO_OFFSET,
                           "cannot read the backing file name");
    }
    char *dir = yal_dir(child);
    char *beside = NULL;
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    int rc = 0;
    if (!dir || asprintf(&beside, "%s/%s", dir, name[0] == '/' ? base : name) < 0) {
        beside = NULL;
        rc = lr_error_oom(err);
    } else if (name[0] == '/' && yal_is_file(name)) {
        *out = name;
        name = NULL;
    } else if (yal_is_file(beside)) {
        *out = beside;
        beside = NULL;
    } else {
        rc = lr_error_at(err, child, -ENOENT, LR_NO_OFFSET,
                         "its backing file %s is missing (looked for %s): the image cannot be read "
                         "without it",
                         name, beside);
    }
    free(name);
    free(beside);
    free(dir);
    return rc;
}

int lr_io_qcow_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    yal_ctx_t *y = calloc(1, sizeof(*y));
    if (!y)
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    y->ops = &qcow_ops;
    libqcow_file_t *top = NULL;
    int rc = qcow_open_file(&top, path, path, err);
    y->h = top;
    /* Follow the backing chain: each file's parent is set before it is read. */
    libqcow_file_t *child = top;
    char *child_path = rc ? NULL : strdup(path);
    while (!rc && child) {
        char *back = NULL;
        rc = qcow_backing(child, child_path, &back, err);
        if (rc || !back)
            break;
        libqcow_file_t *parent = NULL;
        if (y->n_chain == YAL_MAX_CHAIN)
            rc = lr_error_at(err, path, LR_ELIMIT, LR_NO_OFFSET, "more than %d backing files",
                             YAL_MAX_CHAIN);
        if (!rc)
            rc = qcow_open_file(&parent, back, path, err);
        if (!rc) {
            y->chain[y->n_chain++] = parent;
            libqcow_error_t *e = NULL;
            char msg[YAL_MSG] = "";
            if (libqcow_file_set_parent_file(child, parent, &e) != 1) {
                qcow_msg(e, msg);
                rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                                 "cannot use backing file %s: %s", back, msg);
            }
        }
        free(child_path);
        child_path = back;
        child = parent;
    }
    free(child_path);
    size64_t size = 0;
    if (!rc && libqcow_file_get_media_size(top, &size, NULL) != 1)
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no media size in the qcow2 image");
    if (rc) {
        yal_close(y, NULL);
        return rc;
    }
    return yal_wrap(out, y, size, path, err);
}
#endif

/* ------------------------------------------------------------------ */
/* VMDK                                                                */

#ifdef LR_HAVE_VMDK
static void vmdk_msg(libvmdk_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libvmdk_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libvmdk_error_free(&e);
}

static ssize_t vmdk_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    libvmdk_error_t *e = NULL;
    ssize_t n = libvmdk_handle_read_buffer_at_offset(y->h, buf, len, (off64_t)off, &e);
    vmdk_msg(e, msg);
    return n;
}

static void vmdk_free(yal_ctx_t *y)
{
    libvmdk_handle_t *h = y->h;
    if (!h)
        return;
    libvmdk_handle_close(h, NULL);
    libvmdk_handle_free(&h, NULL);
}

static const yal_ops_t vmdk_ops = {.what = "VMDK", .read = vmdk_read, .free = vmdk_free};

/* A delta disk needs its parent, which this layer does not follow: name it. */
static int vmdk_check_parent(libvmdk_handle_t *h, const char *path, lr_error_t *err)
{
    size_t n = 0;
    if (libvmdk_handle_get_utf8_parent_filename_size(h, &n, NULL) != 1 || n <= 1)
        return 0;
    char name[1024] = "?";
    if (n <= sizeof(name))
        libvmdk_handle_get_utf8_parent_filename(h, (uint8_t *)name, sizeof(name), NULL);
    return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                       "a VMDK delta disk of parent %s: not supported (convert the chain with "
                       "qemu-img first)",
                       name);
}

int lr_io_vmdk_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libvmdk_error_t *e = NULL;
    libvmdk_handle_t *h = NULL;
    yal_ctx_t *y = calloc(1, sizeof(*y));
    char *dir = yal_dir(path);
    int rc = 0;
    if (!y || !dir || libvmdk_handle_initialize(&h, &e) != 1) {
        vmdk_msg(e, NULL);
        rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (libvmdk_handle_open(h, path, LIBVMDK_OPEN_READ, &e) != 1) {
        vmdk_msg(e, msg);
        rc =
            lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "cannot open the VMDK image: %s", msg);
    } else if (libvmdk_handle_set_extent_data_files_path(h, dir, strlen(dir), &e) != 1 ||
               libvmdk_handle_open_extent_data_files(h, &e) != 1) {
        vmdk_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET,
                         "cannot open the VMDK extent files (looked in %s): %s", dir, msg);
    }
    free(dir);
    if (!rc)
        rc = vmdk_check_parent(h, path, err);
    size64_t size = 0;
    if (!rc && libvmdk_handle_get_media_size(h, &size, NULL) != 1)
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no media size in the VMDK image");
    if (y) {
        y->ops = &vmdk_ops;
        y->h = h;
    }
    if (rc) {
        if (y)
            yal_close(y, NULL);
        else if (h)
            libvmdk_handle_free(&h, NULL);
        return rc;
    }
    return yal_wrap(out, y, size, path, err);
}
#endif

/* ------------------------------------------------------------------ */
/* VHD and VHDX                                                        */

#ifdef LR_HAVE_VHDI
static void vhdi_msg(libvhdi_error_t *e, char *msg)
{
    if (!e)
        return;
    if (msg && libvhdi_error_sprint(e, msg, YAL_MSG) > 0)
        yal_flatten(msg);
    libvhdi_error_free(&e);
}

static ssize_t vhdi_read(yal_ctx_t *y, void *buf, size_t len, uint64_t off, char *msg)
{
    libvhdi_error_t *e = NULL;
    ssize_t n = libvhdi_file_read_buffer_at_offset(y->h, buf, len, (off64_t)off, &e);
    vhdi_msg(e, msg);
    return n;
}

static void vhdi_free(yal_ctx_t *y)
{
    libvhdi_file_t *f = y->h;
    if (!f)
        return;
    libvhdi_file_close(f, NULL);
    libvhdi_file_free(&f, NULL);
}

static const yal_ops_t vhdi_ops = {.what = "VHD", .read = vhdi_read, .free = vhdi_free};

/* A differencing disk needs its parent, which this layer does not follow. */
static int vhdi_check_parent(libvhdi_file_t *f, const char *path, lr_error_t *err)
{
    uint32_t type = 0;
    if (libvhdi_file_get_disk_type(f, &type, NULL) != 1 || type != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
        return 0;
    char name[1024] = "?";
    size_t n = 0;
    if (libvhdi_file_get_utf8_parent_filename_size(f, &n, NULL) == 1 && n <= sizeof(name))
        libvhdi_file_get_utf8_parent_filename(f, (uint8_t *)name, sizeof(name), NULL);
    return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                       "a differencing VHD of parent %s: not supported (convert the chain with "
                       "qemu-img first)",
                       name);
}

int lr_io_vhdi_open(lr_io_t **out, const char *path, lr_error_t *err)
{
    char msg[YAL_MSG] = "";
    libvhdi_error_t *e = NULL;
    libvhdi_file_t *f = NULL;
    yal_ctx_t *y = calloc(1, sizeof(*y));
    int rc = 0;
    if (!y || libvhdi_file_initialize(&f, &e) != 1) {
        vhdi_msg(e, NULL);
        rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    } else if (libvhdi_file_open(f, path, LIBVHDI_OPEN_READ, &e) != 1) {
        vhdi_msg(e, msg);
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "cannot open the VHD image: %s", msg);
    }
    if (!rc)
        rc = vhdi_check_parent(f, path, err);
    size64_t size = 0;
    if (!rc && libvhdi_file_get_media_size(f, &size, NULL) != 1)
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no media size in the VHD image");
    if (y) {
        y->ops = &vhdi_ops;
        y->h = f;
    }
    if (rc) {
        if (y)
            yal_close(y, NULL);
        else if (f)
            libvhdi_file_free(&f, NULL);
        return rc;
    }
    return yal_wrap(out, y, size, path, err);
}
#endif

#endif /* any libyal library */
