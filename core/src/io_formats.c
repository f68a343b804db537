/* Which image format a file holds, told by its content (magic numbers at
 * its start, and a VHD footer at its end), and the opener of each: the
 * format layers live in io_gzip.c, io_yal.c, io_split.c, io_xz.c and
 * io_zstd.c; this file is their one dispatch point. A format whose library
 * this build lacks is recognised all the same and refused by name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_int.h"

typedef struct io_format {
    const char *name;    /* lr_io_format's answer */
    const char *label;   /* for people */
    const char *library; /* NULL: none needed */
    bool built;          /* the library is in this build */
} io_format_t;

static const io_format_t formats[] = {
    [LR_IO_FMT_RAW] = {"raw", "raw", NULL, true},
    [LR_IO_FMT_GZIP] = {"gzip", "gzip", NULL, true},
#ifdef LR_HAVE_EWF
    [LR_IO_FMT_EWF] = {"ewf", "EWF (E01)", "libewf", true},
#else
    [LR_IO_FMT_EWF] = {"ewf", "EWF (E01)", "libewf", false},
#endif
#ifdef LR_HAVE_QCOW
    [LR_IO_FMT_QCOW] = {"qcow2", "qcow2", "libqcow", true},
#else
    [LR_IO_FMT_QCOW] = {"qcow2", "qcow2", "libqcow", false},
#endif
#ifdef LR_HAVE_VMDK
    [LR_IO_FMT_VMDK] = {"vmdk", "VMDK", "libvmdk", true},
#else
    [LR_IO_FMT_VMDK] = {"vmdk", "VMDK", "libvmdk", false},
#endif
#ifdef LR_HAVE_VHDI
    [LR_IO_FMT_VHD] = {"vhd", "VHD", "libvhdi", true},
    [LR_IO_FMT_VHDX] = {"vhdx", "VHDX", "libvhdi", true},
#else
    [LR_IO_FMT_VHD] = {"vhd", "VHD", "libvhdi", false},
    [LR_IO_FMT_VHDX] = {"vhdx", "VHDX", "libvhdi", false},
#endif
#ifdef LR_HAVE_LZMA
    [LR_IO_FMT_XZ] = {"xz", "xz", "liblzma", true},
#else
    [LR_IO_FMT_XZ] = {"xz", "xz", "liblzma", false},
#endif
#ifdef LR_HAVE_ZSTD
    [LR_IO_FMT_ZSTD] = {"zstd", "zstd", "libzstd", true},
#else
    [LR_IO_FMT_ZSTD] = {"zstd", "zstd", "libzstd", false},
#endif
    [LR_IO_FMT_SPLIT] = {"split", "split raw", NULL, true},
};

const char *lr_io_fmt_name(int fmt)
{
    return fmt >= 0 && fmt < LR_IO_FMT_COUNT ? formats[fmt].name : "raw";
}

const char *lr_io_fmt_label(int fmt)
{
    return fmt >= 0 && fmt < LR_IO_FMT_COUNT ? formats[fmt].label : "raw";
}

const char *lr_io_format_label(const char *format)
{
    for (int i = 0; format && i < LR_IO_FMT_COUNT; i++)
        if (strcmp(formats[i].name, format) == 0)
            return formats[i].label;
    return format ? format : "raw";
}

static bool starts(const uint8_t *head, size_t n, const void *magic, size_t len)
{
    return n >= len && memcmp(head, magic, len) == 0;
}

/* The format of the file's first bytes (head, n of them) alone. */
static int io_format_of_head(const uint8_t *head, size_t n)
{
    if (starts(head, n, "\x1f\x8b", 2))
        return LR_IO_FMT_GZIP;
    if (starts(head, n, "EVF\x09\x0d\x0a\xff\x00", 8) || starts(head, n, "EVF2\x0d\x0a\x81\x00", 8))
        return LR_IO_FMT_EWF;
    if (starts(head, n, "QFI\xfb", 4))
        return LR_IO_FMT_QCOW;
    if (starts(head, n, "KDMV", 4) || starts(head, n, "COWD", 4) ||
        starts(head, n, "# Disk DescriptorFile", 21))
        return LR_IO_FMT_VMDK;
    if (starts(head, n, "vhdxfile", 8))
        return LR_IO_FMT_VHDX;
    if (starts(head, n, "conectix", 8))
        return LR_IO_FMT_VHD; /* a dynamic VHD's copy of its footer */
    if (starts(head, n,
               "\xfd"
               "7zXZ\x00",
               6))
        return LR_IO_FMT_XZ;
    /* a zstd frame, or a skippable frame (magic 0x184D2A5?) before one */
    if (starts(head, n, "\x28\xb5\x2f\xfd", 4) ||
        (n >= 4 && (head[0] & 0xf0) == 0x50 && head[1] == 0x2a && head[2] == 0x4d &&
         head[3] == 0x18))
        return LR_IO_FMT_ZSTD;
    return LR_IO_FMT_RAW;
}

int lr_io_detect(int fd, const char *path, uint64_t size, int *fmt, lr_error_t *err)
{
    uint8_t head[64];
    ssize_t n;
    *fmt = LR_IO_FMT_RAW;
    do {
        n = pread(fd, head, sizeof(head), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return lr_error_at(err, path, -errno, LR_NO_OFFSET, "read failed: %s", strerror(errno));
    *fmt = io_format_of_head(head, (size_t)n);
    if (*fmt != LR_IO_FMT_RAW)
        return 0;
    /* A fixed VHD is the raw disk and a 512-byte footer: look at the end. */
    if (size >= 1024 && size % 512 == 0) {
        do {
            n = pread(fd, head, 8, (off_t)(size - 512));
        } while (n < 0 && errno == EINTR);
        if (n == 8 && memcmp(head, "conectix", 8) == 0) {
            *fmt = LR_IO_FMT_VHD;
            return 0;
        }
    }
    if (lr_io_split_is_set(path))
        *fmt = LR_IO_FMT_SPLIT;
    return 0;
}

/* The format is known but this build cannot read it. */
static int io_missing(int fmt, const char *path, lr_error_t *err)
{
    const char *label = formats[fmt].label;
    return lr_error_at(err, path, -ENOTSUP, LR_NO_OFFSET,
                       "%s %s image, but this build of lvmrescue has no %s to read it (rebuild it "
                       "with %s-dev installed)",
                       label[0] == 'E' || label[0] == 'x' ? "an" : "a", label, formats[fmt].library,
                       formats[fmt].library);
}

int lr_io_format_open(lr_io_t **out, int fmt, int fd, const char *path,
                      const lr_io_open_opts_t *opts, lr_error_t *err)
{
    if (fmt <= LR_IO_FMT_RAW || fmt >= LR_IO_FMT_COUNT) {
        close(fd);
        return lr_error_at(err, path, -EINVAL, LR_NO_OFFSET, "not a container format");
    }
    if (!formats[fmt].built) {
        close(fd);
        return io_missing(fmt, path, err);
    }
    int rc = -ENOTSUP;
    switch (fmt) {
    case LR_IO_FMT_GZIP:
        rc = lr_io_gzip_open(out, fd, path, opts, err);
        fd = -1;
        break;
    case LR_IO_FMT_SPLIT:
        rc = lr_io_split_open(out, fd, path, err);
        fd = -1;
        break;
#ifdef LR_HAVE_LZMA
    case LR_IO_FMT_XZ:
        rc = lr_io_xz_open(out, fd, path, err);
        fd = -1;
        break;
#endif
#ifdef LR_HAVE_ZSTD
    case LR_IO_FMT_ZSTD:
        rc = lr_io_zstd_open(out, fd, path, opts, err);
        fd = -1;
        break;
#endif
#ifdef LR_HAVE_EWF
    case LR_IO_FMT_EWF:
        rc = lr_io_ewf_open(out, path, err);
        break;
#endif
#ifdef LR_HAVE_QCOW
    case LR_IO_FMT_QCOW:
        rc = lr_io_qcow_open(out, path, err);
        break;
#endif
#ifdef LR_HAVE_VMDK
    case LR_IO_FMT_VMDK:
        rc = lr_io_vmdk_open(out, path, err);
        break;
#endif
#ifdef LR_HAVE_VHDI
    case LR_IO_FMT_VHD:
    case LR_IO_FMT_VHDX:
        rc = lr_io_vhdi_open(out, path, err);
        break;
#endif
    default:
        break;
    }
    if (fd >= 0)
        close(fd); /* the libyal layers open the files by name themselves */
    if (!rc)
        (*out)->fmt = fmt;
    return rc;
}
