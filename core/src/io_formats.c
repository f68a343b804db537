/* Which image format a file holds, told by its content (magic numbers at
 * its start, and a VHD footer at its end), and the opener of each: the
 * format layers live in io_gzip.c, io_yal.c, io_split.c, io_xz.c and
 * io_zstd.c; this file is their one dispatch point. A format whose library
 * this build lacks is recognised all the same and refused by name. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "io_int.h"
#include "le.h"
#include "lr/extfs.h"

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
#ifdef LR_HAVE_LZMA
    [LR_IO_FMT_LZMA] = {"lzma", "legacy .lzma", "liblzma", true},
#else
    [LR_IO_FMT_LZMA] = {"lzma", "legacy .lzma", "liblzma", false},
#endif
};

/* The optional libraries the formats do not name: libbfio (a VHDX's log
 * replayed), liblzo2 (btrfs's lzo files); libext2fs is lr_extfs's to say. */
static const struct {
    const char *name;
    bool built;
} other_libraries[] = {
#ifdef LR_HAVE_BFIO
    {"libbfio", true},
#else
    {"libbfio", false},
#endif
#ifdef LR_HAVE_LZO
    {"liblzo2", true},
#else
    {"liblzo2", false},
#endif
};

/* Whether a format before fmt names the same library (liblzma: xz and
 * .lzma; libvhdi: VHD and VHDX). */
static bool io_library_named_before(int fmt)
{
    for (int i = 0; i < fmt; i++)
        if (formats[i].library && strcmp(formats[i].library, formats[fmt].library) == 0)
            return true;
    return false;
}

const char *lr_io_library(size_t i, bool *built)
{
    bool has = false;
    const char *name = NULL;
    size_t k = 0; /* the formats' distinct libraries passed */
    for (int f = 0; f < LR_IO_FMT_COUNT && !name; f++) {
        if (!formats[f].library || io_library_named_before(f))
            continue;
        if (k++ == i) {
            name = formats[f].library;
            has = formats[f].built;
        }
    }
    size_t others = sizeof(other_libraries) / sizeof(other_libraries[0]);
    if (!name && i - k < others) {
        name = other_libraries[i - k].name;
        has = other_libraries[i - k].built;
    } else if (!name && i - k == others) {
        name = "libext2fs";
        has = lr_extfs_available();
    }
    if (name && built)
        *built = has;
    return name;
}

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

/* The article a format's label takes ("an EWF (E01)", "an xz", "a qcow2"). */
static const char *io_a(const char *label)
{
    return label[0] == 'E' || label[0] == 'x' ? "an" : "a";
}

const char *lr_io_fmt_a(int fmt)
{
    return io_a(lr_io_fmt_label(fmt));
}

static bool starts(const uint8_t *head, size_t n, const void *magic, size_t len)
{
    return n >= len && memcmp(head, magic, len) == 0;
}

/* A legacy .lzma header (LZMA_Alone, 13 bytes), by the rules xz itself
 * uses to tell one (liblzma's alone decoder, picky as lzma_auto_decoder
 * makes it): properties lc/lp/pb below 225, a dictionary of 2^n or
 * 2^n + 2^(n-1) bytes, a size unknown (all ones) or below 256 GiB. */
static bool io_is_lzma_alone(const uint8_t *h, size_t n)
{
    if (n < 13 || h[0] > 224)
        return false;
    uint32_t dict =
        (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 24;
    uint32_t d = dict - 1; /* rounded up to 2^n, as xz rounds */
    d |= d >> 2;
    d |= d >> 3;
    d |= d >> 4;
    d |= d >> 8;
    d |= d >> 16;
    if (dict < 4096 || d + 1 != dict)
        return false;
    uint64_t size = 0;
    for (int i = 12; i >= 5; i--)
        size = size << 8 | h[i];
    return size == UINT64_MAX || size < (1ull << 38);
}

/* The format of the file's first bytes (head, n of them) alone. */
int lr_io_head_format(const uint8_t *head, size_t n)
{
    if (starts(head, n, "\x1f\x8b", 2))
        return LR_IO_FMT_GZIP;
    if (starts(head, n, "EVF\x09\x0d\x0a\xff\x00", 8) || starts(head, n, "EVF2\x0d\x0a\x81\x00", 8))
        return LR_IO_FMT_EWF;
    if (starts(head, n, "QFI\xfb", 4))
        return LR_IO_FMT_QCOW;
    if (starts(head, n, "KDMV", 4) || starts(head, n, "COWD", 4) ||
        starts(head, n, LR_IO_VMDK_DESCRIPTOR, sizeof(LR_IO_VMDK_DESCRIPTOR) - 1))
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
    if (io_is_lzma_alone(head, n))
        return LR_IO_FMT_LZMA;
    return LR_IO_FMT_RAW;
}

/* Compressors whose images we do not read: taken for a raw image, their
 * file would be scanned as noise and "no LVM found" shown as fact. */
typedef struct io_foreign {
    const char *magic;
    size_t len;
    const char *name;
    const char *decompress;
} io_foreign_t;

static const io_foreign_t foreign[] = {
    {"\x04\x22\x4d\x18", 4, "an lz4", "lz4 -d IMAGE IMAGE.raw"},
    {"\x02\x21\x4c\x18", 4, "a legacy lz4", "lz4 -d IMAGE IMAGE.raw"},
    {"LZIP\x01", 5, "an lzip", "lzip -dk IMAGE"},
    {"\x89LZO\x00\x0d\x0a\x1a\x0a", 9, "an lzop", "lzop -d IMAGE"},
    {"7z\xbc\xaf\x27\x1c", 6, "a 7-Zip", "7z x IMAGE"},
};

/* A bzip2 stream: "BZh", the block size '1'..'9', then the first block's
 * magic (the digits of pi) or the end-of-stream one (sqrt(pi)). */
static bool io_is_bzip2(const uint8_t *h, size_t n)
{
    return n >= 10 && !memcmp(h, "BZh", 3) && h[3] >= '1' && h[3] <= '9' &&
           (!memcmp(h + 4, "\x31\x41\x59\x26\x53\x59", 6) ||
            !memcmp(h + 4, "\x17\x72\x45\x38\x50\x90", 6));
}

/* A tar archive's first header (POSIX ustar or GNU tar): "ustar" at byte
 * 257 and the header's own checksum (octal at 148: the sum of its 512
 * bytes, that field counted as spaces), so a disk with those bytes by
 * chance is not taken for one. */
static bool io_is_tar(const uint8_t *h, size_t n)
{
    if (n < 512 || memcmp(h + 257, "ustar", 5) != 0)
        return false;
    uint32_t sum = 0, want = 0;
    for (size_t i = 0; i < 512; i++)
        sum += i >= 148 && i < 156 ? ' ' : h[i];
    size_t i = 148;
    while (i < 156 && h[i] == ' ')
        i++;
    if (i == 156 || h[i] < '0' || h[i] > '7')
        return false;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
        want = want * 8 + (uint32_t)(h[i] - '0');
    return sum == want;
}

/* A tar archive whose first member is stored sparse (tar -S): GNU's old
 * format (type 'S') or a POSIX extended header (type 'x') whose records
 * name GNU.sparse keys, within the n bytes of head. */
static bool io_is_sparse_tar(const uint8_t *h, size_t n)
{
    if (h[156] == 'S')
        return true;
    if (h[156] != 'x' || n <= 512)
        return false;
    for (size_t i = 512; i + 10 <= n && i < 512 + 4096; i++)
        if (memcmp(h + i, "GNU.sparse", 10) == 0)
            return true;
    return false;
}

#define IO_TAR_MAX_HEADERS 10000 /* headers walked in a plain tar at most */
#define IO_TAR_SHOWN 8           /* files named in its note */
#define IO_TAR_IMAGES 8          /* files holding an image format, kept */
#define IO_TAR_BIG (1u << 20)    /* a raw file this large may be a disk */

/* Disk image formats no library of this build reads. Taken for a raw
 * disk, their bytes are the container's: a VDI's PV was found at byte
 * 1024 of the file instead of 0, its data mapped wrongly past the first
 * unallocated block -- a wrong answer shown as fact. A LUKS device's
 * bytes are ciphertext: "no LVM" would be shown as fact. Refused by name,
 * with what to do first. */
typedef struct io_other {
    size_t at; /* where the magic lies */
    const char *magic;
    size_t len;
    const char *what;   /* "a VirtualBox VDI image" */
    const char *advice; /* what to do first (IMAGE: the file) */
} io_other_t;

static const io_other_t others[] = {
    {64, "\x7f\x10\xda\xbe", 4, "a VirtualBox VDI image",
     "convert it to raw first (qemu-img convert -O raw IMAGE IMAGE.raw)"},
    {0, "QED\0", 4, "a QED image",
     "convert it to raw first (qemu-img convert -O raw IMAGE IMAGE.raw)"},
    {0, "WithoutFreeSpace", 16, "a Parallels image",
     "convert it to raw first (qemu-img convert -O raw IMAGE IMAGE.raw)"},
    {0, "WithouFreSpacExt", 16, "a Parallels image",
     "convert it to raw first (qemu-img convert -O raw IMAGE IMAGE.raw)"},
    {0, "LUKS\xba\xbe", 6, "a LUKS-encrypted device's image (its bytes are ciphertext)",
     "unlock it first, read-only (cryptsetup open -r IMAGE NAME), and give /dev/mapper/NAME"},
};

/* tmpl (advice or a command) with each "IMAGE" replaced by name, into out
 * (cut to cap): users copy the command, so it names their file. */
static const char *io_fill(char *out, size_t cap, const char *tmpl, const char *name)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *s = tmpl; *s && len + 1 < cap;) {
        int n = strncmp(s, "IMAGE", 5) == 0 ? snprintf(out + len, cap - len, "%s", name)
                                            : snprintf(out + len, cap - len, "%c", *s);
        s += strncmp(s, "IMAGE", 5) == 0 ? 5 : 1;
        len += n > 0 ? (size_t)n : 0;
    }
    return out;
}

/* The format of others whose magic head holds (n bytes), or NULL. */
static const io_other_t *io_other(const uint8_t *head, size_t n)
{
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        const io_other_t *o = &others[i];
        if (n >= o->at + o->len && memcmp(head + o->at, o->magic, o->len) == 0)
            return o;
    }
    return NULL;
}

/* What the walk of a plain tar archive's headers found. */
typedef struct io_tar {
    size_t files; /* regular files */
    struct {
        uint64_t at, size;
        char name[101];
    } file[IO_TAR_SHOWN];
    size_t images; /* files whose content is an image format or compressed */
    struct {
        int fmt;                 /* LR_IO_FMT_* of its first bytes */
        bool embedded;           /* VMDK: a sparse file holding its descriptor ("KDMV" and a
                                    descriptor offset), readable alone */
        const io_other_t *other; /* fmt RAW: a format no library here reads */
        uint64_t at, size;
        char name[101];
    } image[IO_TAR_IMAGES];
    bool big_raw; /* a file of IO_TAR_BIG bytes or more of no image format */
    struct {
        uint64_t size;
        char name[101];
    } raw;            /* the first such file */
    char sparse[101]; /* the first file stored sparse ("": none) */
    char why[200];    /* why the walk stopped at byte stop before the end marker ("": it did not) */
    uint64_t stop;
} io_tar_t;

/* A header's size field: octal, or GNU's base-256 (first byte 0x80) for
 * files of 8 GiB and more. */
static uint64_t io_tar_size(const uint8_t *h)
{
    uint64_t v = 0;
    if (h[124] & 0x80) {
        for (int i = 125; i < 136; i++)
            v = v << 8 | h[i];
        return v;
    }
    int i = 124;
    while (i < 136 && h[i] == ' ')
        i++;
    for (; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(h[i] - '0');
    return v;
}

/* A name from a header (ustar: prefix "/" name) or a record, printable,
 * cut at 100 bytes. */
static void io_tar_name(char *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = 0;
    for (size_t i = 0; i < alen && a[i] && n < 100; i++)
        out[n++] = a[i] >= 32 && a[i] < 127 ? (char)a[i] : '?';
    if (n && blen && b[0] && n < 100)
        out[n++] = '/';
    for (size_t i = 0; i < blen && b[i] && n < 100; i++)
        out[n++] = b[i] >= 32 && b[i] < 127 ? (char)b[i] : '?';
    out[n] = '\0';
}

/* A file's name: the one a long-name or extended header gave (given),
 * else its header's. */
static void io_tar_file_name(char *out, const uint8_t *h, const char *given)
{
    if (given[0])
        memcpy(out, given, strlen(given) + 1);
    else
        io_tar_name(out, h + 345, 155, h, 100);
}

/* The records of a POSIX extended header ("LEN key=value\n"...) that
 * matter here: the next file's size and path, and whether it is stored
 * sparse (GNU.sparse.* keys; GNU.sparse.name is then its real name). */
static void io_tar_pax(const uint8_t *d, size_t n, uint64_t *size, char *name, bool *sparse)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && d[j] >= '0' && d[j] <= '9' && len < n)
            len = len * 10 + (size_t)(d[j++] - '0');
        if (len == 0 || j >= n || d[j] != ' ' || len > n - i || j + 1 >= i + len)
            return; /* not a record, or one too short for a key */
        const uint8_t *key = d + j + 1, *end = d + i + len - 1; /* at its '\n' */
        const uint8_t *eq = memchr(key, '=', (size_t)(end - key));
        if (eq && eq - key == 4 && memcmp(key, "size", 4) == 0) {
            *size = 0;
            for (const uint8_t *p = eq + 1; p < end && *p >= '0' && *p <= '9'; p++)
                *size = *size * 10 + (uint64_t)(*p - '0');
        } else if (eq && eq - key == 4 && memcmp(key, "path", 4) == 0) {
            io_tar_name(name, eq + 1, (size_t)(end - eq - 1), NULL, 0);
        } else if (eq && eq - key == 15 && memcmp(key, "GNU.sparse.name", 15) == 0) {
            io_tar_name(name, eq + 1, (size_t)(end - eq - 1), NULL, 0); /* its real name */
            *sparse = true;
        } else if (eq && eq - key >= 10 && memcmp(key, "GNU.sparse", 10) == 0) {
            *sparse = true;
        }
        i += len;
    }
}

/* Where a tar archive's walk reads: the file (fd), or the decoded stream
 * of a compressed one (io), whose headers are read only before limit
 * (each read past it would decode the stream that far at open). */
typedef struct io_tar_src {
    int fd;         /* >= 0: the plain archive file */
    lr_io_t *io;    /* else this handle's bytes */
    uint64_t limit; /* headers at or past it are not read (UINT64_MAX: all are) */
} io_tar_src_t;

#define IO_TAR_STREAM_WALK (16u << 20) /* a compressed tar's headers read before it */

/* lr_io_fd_pread's contract, from either source. */
static int io_tar_pread(const io_tar_src_t *s, void *buf, size_t len, uint64_t off, size_t *got)
{
    if (s->fd >= 0)
        return lr_io_fd_pread(s->fd, buf, len, off, got);
    lr_error_t e;
    lr_error_clear(&e);
    *got = 0;
    return lr_io_pread_upto(s->io, buf, len, off, got, &e);
}

bool lr_io_kdmv_embeds(const uint8_t *h, size_t n, uint64_t size, lr_io_read_fn rd, void *ctx)
{
    char d[sizeof(LR_IO_VMDK_DESCRIPTOR) - 1];
    size_t got = 0;
    if (n < 36 || !starts(h, n, "KDMV", 4))
        return false;
    uint64_t at = lr_get_le64(h + 28);
    if (at == 0 || at > (size >> 9) || size - (at << 9) < sizeof(d))
        return false;
    return rd(ctx, d, sizeof(d), at << 9, &got) == 0 && got == sizeof(d) &&
           memcmp(d, LR_IO_VMDK_DESCRIPTOR, sizeof(d)) == 0;
}

/* A file of a tar archive, for lr_io_kdmv_embeds: its bytes from data. */
typedef struct io_tar_file {
    const io_tar_src_t *s;
    uint64_t data;
} io_tar_file_t;

static int io_tar_file_read(void *ctx, void *buf, size_t len, uint64_t off, size_t *got)
{
    const io_tar_file_t *f = ctx;
    return io_tar_pread(f->s, buf, len, f->data + off, got);
}

/* Looks at the first bytes of a regular file of a tar archive (sz bytes at
 * data, name): a file holding an image format (a VMDK, a compressed
 * file...) is kept in t->image, any other one of IO_TAR_BIG bytes or more
 * sets t->big_raw. */
static void io_tar_look(const io_tar_src_t *s, uint64_t data, uint64_t sz, const char *name,
                        io_tar_t *t)
{
    uint8_t h[512];
    size_t got = 0;
    if (data >= s->limit ||
        io_tar_pread(s, h, sz < sizeof(h) ? (size_t)sz : sizeof(h), data, &got) || !got)
        return;
    int fmt = lr_io_head_format(h, got);
    const io_other_t *other = fmt == LR_IO_FMT_RAW ? io_other(h, got) : NULL;
    if (fmt == LR_IO_FMT_RAW && !other) {
        if (sz >= IO_TAR_BIG && !t->big_raw) {
            t->raw.size = sz;
            memcpy(t->raw.name, name, strlen(name) + 1);
        }
        t->big_raw |= sz >= IO_TAR_BIG;
        return;
    }
    if (t->images < IO_TAR_IMAGES) {
        t->image[t->images].fmt = fmt;
        t->image[t->images].other = other;
        io_tar_file_t f = {s, data};
        t->image[t->images].embedded =
            fmt == LR_IO_FMT_VMDK && lr_io_kdmv_embeds(h, got, sz, io_tar_file_read, &f);
        t->image[t->images].at = data;
        t->image[t->images].size = sz;
        memcpy(t->image[t->images].name, name, strlen(name) + 1);
    }
    t->images++;
}

/* Walks the headers of the plain tar archive fd (size bytes) from its
 * start: each regular file's place and size (the size a POSIX extended
 * header gives wins, the name a GNU long-name or extended header gives
 * too), and the first file stored sparse, GNU's way (type 'S') or POSIX's
 * (GNU.sparse records), which ends the walk. It ends at the end marker (a
 * zero block); before it, t->why says why and t->stop where: the archive
 * ends, or ends inside a file (cut short: that file is still listed), a
 * block that is no header, a read that fails, IO_TAR_MAX_HEADERS. */
static void io_tar_walk(const io_tar_src_t *s, uint64_t size, io_tar_t *t)
{
    uint8_t h[512], d[4096];
    uint64_t off = 0, next_size = UINT64_MAX;
    char next_name[101] = "";
    bool next_sparse = false;
    memset(t, 0, sizeof(*t));
    for (int k = 0;; k++) {
        size_t got = 0;
        static const uint8_t zero[512];
        t->stop = off;
        if (k == IO_TAR_MAX_HEADERS) {
            snprintf(t->why, sizeof(t->why), "more than %d headers", IO_TAR_MAX_HEADERS);
            return;
        }
        if (off > size || size - off < 512) {
            snprintf(t->why, sizeof(t->why), "the archive ends there, without its end marker");
            return;
        }
        if (off >= s->limit) {
            snprintf(t->why, sizeof(t->why),
                     "of a compressed archive, only the headers in its first %u MiB are read",
                     IO_TAR_STREAM_WALK >> 20);
            return;
        }
        if (io_tar_pread(s, h, 512, off, &got) || got != 512) {
            snprintf(t->why, sizeof(t->why),
                     got < 512 && s->fd < 0 ? "the archive ends there, without its end marker"
                                            : "a read failed there");
            return;
        }
        if (memcmp(h, zero, 512) == 0)
            return;
        if (!io_is_tar(h, 512)) {
            snprintf(t->why, sizeof(t->why), "no tar header there");
            return;
        }
        uint64_t sz = next_size != UINT64_MAX ? next_size : io_tar_size(h);
        uint64_t data = off + 512, padded = (sz + 511) / 512 * 512;
        uint8_t type = h[156];
        bool file = type == '0' || type == '\0' || type == '7';
        if (type == 'S' || (file && next_sparse)) {
            io_tar_file_name(t->sparse, h, next_name);
            return;
        }
        if (file && t->files < IO_TAR_SHOWN) {
            t->file[t->files].at = data;
            t->file[t->files].size = sz;
            io_tar_file_name(t->file[t->files].name, h, next_name);
        }
        t->files += file;
        char name[101];
        io_tar_file_name(name, h, next_name);
        if (padded < sz || padded > size - data) {
            if (file && size > data) /* what is present may be an image's start */
                io_tar_look(s, data, size - data, name, t);
            snprintf(t->why, sizeof(t->why),
                     "the archive ends inside %s, %llu bytes of it present: cut short", name,
                     (unsigned long long)(size - data));
            t->stop = size;
            return;
        }
        if (file && sz)
            io_tar_look(s, data, sz, name, t);
        size_t dn = sz < sizeof(d) ? (size_t)sz : sizeof(d);
        bool meta = type == 'x' || type == 'L';
        if (meta && (io_tar_pread(s, d, dn, data, &got) || got != dn)) {
            snprintf(t->why, sizeof(t->why), "a read failed there");
            return;
        }
        if (type == 'x')
            io_tar_pax(d, dn, &next_size, next_name, &next_sparse);
        else if (type == 'L')
            io_tar_name(next_name, d, dn, NULL, 0);
        if (!meta) { /* an extended or long-name header is for the next one */
            next_size = UINT64_MAX;
            next_name[0] = '\0';
            next_sparse = false;
        }
        off = data + padded;
    }
}

/* An archive holding the image: a zip file (its members deflated by
 * default) or a compressed tar archive whose first member is stored
 * sparse (the holes left out, so the bytes after them lie at other
 * offsets) would be read as noise or at wrong offsets -- refused, with
 * how to extract it (outer names the compression around it, NULL: none).
 * Any other tar archive sets *tar: its headers are walked (io_tar_check),
 * a compressed one's as far as IO_TAR_STREAM_WALK. 0 when head is
 * neither. */
static int io_archive(const uint8_t *head, size_t n, const char *outer, const char *path, bool *tar,
                      lr_error_t *err)
{
    const char *what = NULL, *how = "tar -xf";
    *tar = false;
    if (io_is_tar(head, n) && (!outer || !io_is_sparse_tar(head, n))) {
        *tar = true;
        return 0;
    } else if (io_is_tar(head, n)) {
        what = "tar archive whose image is stored sparse (tar -S)";
    } else if (!outer && starts(head, n, "PK\x03\x04", 4)) {
        what = "zip archive";
        how = "unzip";
    }
    if (!what)
        return 0;
    if (outer)
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                           "%s %s-compressed %s, not a disk image: extract the image from it "
                           "first (%s %s)",
                           io_a(outer), outer, what, how, path);
    return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                       "a %s, not a disk image: extract the image from it first (%s %s)", what, how,
                       path);
}

/* A VMDK inside a tar archive is read with libvmdk through libbfio
 * handles over the archive's bytes (io_yal.c). */
#if defined(LR_HAVE_VMDK) && defined(LR_HAVE_BFIO)
#define IO_TAR_VMDK 1
#else
#define IO_TAR_VMDK 0
#endif

/* Why this build cannot read an OVA's VMDK where it lies ("": it can). */
static const char *io_tar_vmdk_lack(void)
{
#if IO_TAR_VMDK
    return "";
#elif !defined(LR_HAVE_VMDK)
    return ", but this build has no libvmdk to read it (rebuild it with libvmdk-dev installed)";
#else
    return ", but this build has no libbfio header to read it there (rebuild it with libbfio-dev "
           "installed)";
#endif
}

static bool io_compressed(int fmt)
{
    return fmt == LR_IO_FMT_GZIP || fmt == LR_IO_FMT_XZ || fmt == LR_IO_FMT_LZMA ||
           fmt == LR_IO_FMT_ZSTD;
}

#define IO_TAR_LISTED 3 /* image files named in a refusal (its message is short) */

/* "disk.qcow2 (a qcow2 image), b.img.xz (an xz-compressed file)" */
static void io_tar_image_list(const io_tar_t *t, char *out, size_t cap)
{
    int len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->images && i < IO_TAR_LISTED && len >= 0 && (size_t)len < cap; i++) {
        int fmt = t->image[i].fmt;
        const char *kind = io_compressed(fmt) ? "-compressed file" : " image";
        if (fmt == LR_IO_FMT_VMDK && !t->image[i].embedded)
            kind = " file whose data or descriptor lies in another file";
        char advice[512];
        if (t->image[i].other)
            len += snprintf(
                out + len, cap - (size_t)len,
                "%s%s (%s, which lvmrescue does not "
                "read: %s)",
                i ? ", " : "", t->image[i].name, t->image[i].other->what,
                io_fill(advice, sizeof(advice), t->image[i].other->advice, t->image[i].name));
        else
            len += snprintf(out + len, cap - (size_t)len, "%s%s (%s %s%s)", i ? ", " : "",
                            t->image[i].name, io_a(formats[fmt].label), formats[fmt].label, kind);
    }
    if (t->images > IO_TAR_LISTED && len >= 0 && (size_t)len < cap)
        snprintf(out + len, cap - (size_t)len, " and %zu more", t->images - IO_TAR_LISTED);
}

/* "a tar archive", "an xz-compressed tar archive" (outer: the compression
 * around it, NULL: none) */
static void io_tar_what(const char *outer, char *out, size_t cap)
{
    if (outer)
        snprintf(out, cap, "%s %s-compressed tar archive", io_a(outer), outer);
    else
        snprintf(out, cap, "a tar archive");
}

/* Why one VMDK holding its descriptor, the tar's one image, is not read
 * where it lies ("": it is): the build, the compression around the
 * archive, a raw file beside it that may be a disk too, or a walk that did
 * not see every file (out, cap bytes). */
static void io_tar_why_not(const io_tar_t *t, const char *outer, char *out, size_t cap)
{
    out[0] = '\0';
    if (outer)
        snprintf(out, cap, ", never inside a compressed one");
    else if (!IO_TAR_VMDK)
        snprintf(out, cap, "%s", io_tar_vmdk_lack());
    else if (t->big_raw)
        snprintf(out, cap, ", not beside another file that may be a disk (%s, %llu bytes)",
                 t->raw.name, (unsigned long long)t->raw.size);
    else if (t->why[0])
        snprintf(out, cap, ", not when the walk of its headers stopped at byte %llu (%s)",
                 (unsigned long long)t->stop, t->why);
}

/* The files of a tar archive whose content is an image format
 * (io_tar_look). Read as the archive's raw bytes they would be noise, and
 * "no LVM" shown as fact. One VMDK holding its own descriptor, alone in a
 * plain archive whose every file was seen (an OVA's disk: a virtual
 * machine's export), is the image read: *member. Compressed files beside
 * a raw file that may be a disk are left to the note (io_tar_check).
 * Anything else is refused, naming why and the first image files. */
static int io_tar_images(const io_tar_t *t, const char *outer, const char *path,
                         lr_io_member_t *member, lr_error_t *err)
{
    size_t containers = 0;
    bool set = false; /* a VMDK whose data or descriptor is another file */
    for (size_t i = 0; i < t->images && i < IO_TAR_IMAGES; i++) {
        containers += !io_compressed(t->image[i].fmt);
        set |= t->image[i].fmt == LR_IO_FMT_VMDK && !t->image[i].embedded;
    }
    bool one_vmdk = t->images == 1 && t->image[0].fmt == LR_IO_FMT_VMDK && t->image[0].embedded;
    if (t->images == 0 || (containers == 0 && t->images <= IO_TAR_IMAGES && t->big_raw))
        return 0;
    char list[512], what[64], why_not[320];
    io_tar_why_not(t, outer, why_not, sizeof(why_not));
    if (one_vmdk && !why_not[0]) {
        member->fmt = LR_IO_FMT_VMDK;
        member->at = t->image[0].at;
        member->size = t->image[0].size;
        memcpy(member->name, t->image[0].name, sizeof(member->name));
        return 0;
    }
    io_tar_image_list(t, list, sizeof(list));
    io_tar_what(outer, what, sizeof(what));
    return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                       "%s holding disk images in files of their own, not a disk image itself: one "
                       "VMDK alone is read inside an archive (an OVA's disk)%s; extract %s (tar "
                       "-xf %s) and give %s; in it: %s",
                       what, one_vmdk ? why_not : "", t->images == 1 ? "it" : "them", path,
                       set              ? "each disk (a split VMDK by its descriptor)"
                       : t->images == 1 ? "the image file"
                                        : "each image file",
                       list);
}

/* The note of a tar archive whose VMDK is read (malloc'd into *note). */
static int io_member_note(const io_tar_t *t, const lr_io_member_t *m, const char *path, char **note,
                          lr_error_t *err)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "%s is a tar archive of %zu file%s whose disk is the VMDK file %s (at byte %llu, "
             "%llu bytes), as in an OVA (a virtual machine's export): that VMDK is read, through "
             "libvmdk, so the offsets shown are its disk's%s",
             path, t->files, t->files == 1 ? "" : "s", m->name, (unsigned long long)m->at,
             (unsigned long long)m->size,
             t->files > 1 ? "; its other files, none an image nor of 1 MiB or more, are not read"
                          : "");
    if (note && !(*note = strdup(text)))
        return lr_error_oom(err);
    return 0;
}

/* The compressed files of a tar archive read as it is, appended to its
 * note (text, len bytes of cap): their content is not read there. */
static int io_tar_compressed_note(const io_tar_t *t, char *text, int len, size_t cap)
{
    for (size_t i = 0; i < t->images && i < IO_TAR_IMAGES && len >= 0 && (size_t)len < cap; i++)
        len += snprintf(text + len, cap - (size_t)len,
                        "; %s is %s %s-compressed file, whose content is not read inside the "
                        "archive",
                        t->image[i].name, io_a(formats[t->image[i].fmt].label),
                        formats[t->image[i].fmt].label);
    return len;
}

/* A tar archive (size bytes of s; outer: the compression around it, NULL:
 * none): refused when a file in it is stored sparse (its bytes after a
 * hole lie elsewhere) or holds an image it cannot be read as
 * (io_tar_images); a plain one's VMDK is read (*member, *note naming it);
 * else the archive is read as it is, *note saying so and naming where its
 * files lie (malloc'd). */
static int io_tar_check(const io_tar_src_t *s, uint64_t size, const char *outer, const char *path,
                        char **note, lr_io_member_t *member, lr_error_t *err)
{
    io_tar_t t;
    char what[64];
    io_tar_walk(s, size, &t);
    io_tar_what(outer, what, sizeof(what));
    if (t.sparse[0])
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                           "%s whose file %s is stored sparse (tar -S), not a disk image: "
                           "extract the image from it first (tar -xf %s)",
                           what, t.sparse, path);
    lr_io_member_t m = {0};
    int rc = io_tar_images(&t, outer, path, &m, err);
    if (rc)
        return rc;
    if (m.fmt != LR_IO_FMT_RAW) {
        if (member)
            *member = m;
        return io_member_note(&t, &m, path, note, err);
    }
    char text[2048];
    int len = snprintf(text, sizeof(text),
                       "%s is %s of %s%zu file%s: the files in it are read where they lie in "
                       "the archive, after their headers, so the offsets shown are the "
                       "archive's (a file's own offsets are the archive's less its start):",
                       path, what, t.why[0] ? "at least " : "", t.files, t.files == 1 ? "" : "s");
    for (size_t i = 0; i < t.files && i < IO_TAR_SHOWN && len > 0 && (size_t)len < sizeof(text);
         i++)
        len += snprintf(text + len, sizeof(text) - (size_t)len, "%s %s at byte %llu (%llu bytes)",
                        i ? "," : "", t.file[i].name, (unsigned long long)t.file[i].at,
                        (unsigned long long)t.file[i].size);
    if (t.files > IO_TAR_SHOWN && len > 0 && (size_t)len < sizeof(text))
        len += snprintf(text + len, sizeof(text) - (size_t)len, " and %zu more",
                        t.files - IO_TAR_SHOWN);
    len = io_tar_compressed_note(&t, text, len, sizeof(text));
    if (t.why[0] && len > 0 && (size_t)len < sizeof(text))
        len += snprintf(text + len, sizeof(text) - (size_t)len,
                        "; its headers were walked up to byte %llu only (%s), so a file stored "
                        "sparse after it would read wrongly",
                        (unsigned long long)t.stop, t.why);
    if (len > 0 && (size_t)len < sizeof(text))
        snprintf(text + len, sizeof(text) - (size_t)len,
                 "; to scan each as its own image, extract them first (tar -xf %s)", path);
    if (note && !(*note = strdup(text)))
        return lr_error_oom(err);
    return 0;
}

/* Refuses a file compressed by a tool we do not read, or, when reading
 * (not for an open to write: mlvm format overwrites a LUKS header when told
 * to), an image format no library here reads (0 otherwise). */
static int io_foreign(const uint8_t *head, size_t n, const char *path, bool reading,
                      lr_error_t *err)
{
    const char *name = NULL, *how = NULL;
    char fill[512];
    if (io_is_bzip2(head, n)) {
        name = "a bzip2";
        how = "bunzip2 -k IMAGE";
    }
    for (size_t i = 0; !name && i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        if (starts(head, n, foreign[i].magic, foreign[i].len)) {
            name = foreign[i].name;
            how = foreign[i].decompress;
        }
    }
    const io_other_t *o = name || !reading ? NULL : io_other(head, n);
    if (o)
        return lr_error_at(err, path, -ENOTSUP, LR_NO_OFFSET,
                           "%s: lvmrescue does not read it as a disk, its bytes are not the "
                           "disk's; %s",
                           o->what, io_fill(fill, sizeof(fill), o->advice, path));
    if (!name)
        return 0;
    return lr_error_at(err, path, -ENOTSUP, LR_NO_OFFSET,
                       "%s-compressed image: lvmrescue reads gzip, xz, lzma and zstd images, "
                       "not this one; decompress it first (%s)",
                       name, io_fill(fill, sizeof(fill), how, path));
}

char *lr_io_device_note(int fd, const char *path)
{
    uint8_t head[512];
    size_t n = 0;
    if (lr_io_fd_pread(fd, head, sizeof(head), 0, &n) != 0)
        return NULL;
    int fmt = lr_io_head_format(head, n);
    const io_other_t *o = fmt == LR_IO_FMT_RAW ? io_other(head, n) : NULL;
    char *note = NULL, fill[PATH_MAX + 512];
    int r = 0;
    if (o)
        r = asprintf(&note, "its first bytes are those of %s; it is read as a raw disk: %s",
                     o->what, io_fill(fill, sizeof(fill), o->advice, path));
    else if (fmt != LR_IO_FMT_RAW)
        r = asprintf(
            &note,
            "its first bytes are those of %s %s image (as of a qcow2 on an LV); a device is "
            "read as a raw disk: to read the image, give a file holding it (dd if=%s "
            "of=FILE)",
            lr_io_fmt_a(fmt), lr_io_fmt_label(fmt), path);
    return r < 0 ? NULL : note;
}

int lr_io_detect(int fd, const char *path, uint64_t size, int *fmt, char **note,
                 lr_io_member_t *member, lr_error_t *err)
{
    uint8_t head[LR_IO_HEAD]; /* a tar header and its POSIX extended records */
    size_t n;
    bool is_tar = false;
    *fmt = LR_IO_FMT_RAW;
    if (note)
        *note = NULL;
    if (member)
        memset(member, 0, sizeof(*member));
    int rc = lr_io_fd_pread(fd, head, sizeof(head), 0, &n);
    if (rc)
        return lr_error_at(err, path, rc, LR_NO_OFFSET, "read failed: %s", strerror(-rc));
    *fmt = lr_io_head_format(head, n);
    if (*fmt != LR_IO_FMT_RAW)
        return 0;
    rc = io_foreign(head, n, path, member != NULL, err);
    if (!rc)
        rc = io_archive(head, n, NULL, path, &is_tar, err);
    if (!rc && is_tar) {
        lr_io_member_t m = {0};
        io_tar_src_t src = {.fd = fd, .io = NULL, .limit = UINT64_MAX};
        rc = io_tar_check(&src, size, NULL, path, note, &m, err);
        if (member)
            *member = m;
        if (!rc && m.fmt != LR_IO_FMT_RAW)
            *fmt = m.fmt;
        return rc;
    }
    if (rc)
        return rc;
    /* A fixed VHD is the raw disk and a 512-byte footer: look at the end. */
    if (size >= 1024 && size % 512 == 0) {
        rc = lr_io_fd_pread(fd, head, 8, size - 512, &n);
        if (!rc && n == 8 && memcmp(head, "conectix", 8) == 0) {
            *fmt = LR_IO_FMT_VHD;
            return 0;
        }
    }
    if (lr_io_split_is_set(path)) {
        *fmt = LR_IO_FMT_SPLIT;
        return 0;
    }
    /* read alone, a later segment would be a raw disk with no LVM on it */
    char *first = lr_io_split_first_of(path);
    if (!first) {
        if (note && !*note)
            *note = lr_io_split_unfit(path); /* read alone, said */
        return 0;
    }
    rc = lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                     "a later segment of a split raw set whose first segment %s is beside it: "
                     "give that one (the set is read from its first segment on)",
                     first);
    free(first);
    return rc;
}

int lr_io_member_open(lr_io_t **out, int fd, const char *path, const lr_io_member_t *member,
                      const char *note, lr_error_t *err)
{
    close(fd); /* the libyal layer opens the archive by name itself */
    int rc = -ENOTSUP;
#if IO_TAR_VMDK
    if (member->fmt == LR_IO_FMT_VMDK)
        rc = lr_io_vmdk_open_member(out, path, member->name, member->at, member->size, err);
#endif
    if (rc == -ENOTSUP)
        return lr_error_at(err, path, rc, LR_NO_OFFSET, "no reader for its file %s", member->name);
    if (rc)
        return rc;
    (*out)->fmt = member->fmt;
    if (note && lr_io_add_note(*out, note) != 0) {
        lr_io_close(*out, NULL);
        *out = NULL;
        return lr_error_oom(err);
    }
    return 0;
}

/* The format is known but this build cannot read it. */
static int io_missing(int fmt, const char *path, lr_error_t *err)
{
    const char *label = formats[fmt].label;
    return lr_error_at(err, path, -ENOTSUP, LR_NO_OFFSET,
                       "%s %s image, but this build of lvmrescue has no %s to read it (rebuild it "
                       "with %s-dev installed)",
                       io_a(label), label, formats[fmt].library, formats[fmt].library);
}

/* A compressed tar archive: walked as a plain one (io_tar_check), its
 * headers as far as IO_TAR_STREAM_WALK into its stream; read as it is,
 * the handle gets the note. */
static int io_stream_tar(lr_io_t *io, int fmt, const char *path, lr_error_t *err)
{
    io_tar_src_t src = {.fd = -1, .io = io, .limit = IO_TAR_STREAM_WALK};
    uint64_t size = lr_io_size_known(io) ? lr_io_size(io) : UINT64_MAX;
    char *note = NULL;
    int rc = io_tar_check(&src, size, formats[fmt].label, path, &note, NULL, err);
    if (!rc && note && lr_io_add_note(io, note) != 0)
        rc = lr_error_oom(err);
    free(note);
    return rc;
}

/* A compressed file whose content is itself an image format (a qcow2,
 * VMDK, dynamic VHD, VHDX or E01 file gzip'd or xz'd for archiving, or
 * compressed twice): read as raw, its bytes would be the container's, not
 * the disk's -- a PV inside found at the wrong offsets, or "no LVM" shown
 * as fact -- so it is refused, naming both and how to unpack it. A content
 * that cannot be read at its start is left to the scan (0). */
static int io_nested(lr_io_t *io, int fmt, const char *path, lr_error_t *err)
{
    static const char *const unpack[LR_IO_FMT_COUNT] = {
        [LR_IO_FMT_GZIP] = "gunzip -k",
        [LR_IO_FMT_XZ] = "unxz -k",
        [LR_IO_FMT_LZMA] = "unlzma -k",
        [LR_IO_FMT_ZSTD] = "unzstd",
    };
    uint8_t head[LR_IO_HEAD];
    size_t n = 0;
    bool tar = false;
    lr_error_t e;
    lr_error_clear(&e);
    if (lr_io_pread_upto(io, head, sizeof(head), 0, &n, &e) != 0)
        return 0;
    int inner = lr_io_head_format(head, n);
    const io_other_t *o = inner == LR_IO_FMT_RAW ? io_other(head, n) : NULL;
    if (o) {
        /* the file the unpack command leaves: the path less its suffix */
        static const char *const suffix[] = {".gz", ".xz", ".lzma", ".zst"};
        char plain[PATH_MAX], fill[PATH_MAX + 512];
        snprintf(plain, sizeof(plain), "%s", path);
        size_t pl = strlen(plain);
        for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
            size_t sl = strlen(suffix[i]);
            if (pl > sl && strcmp(plain + pl - sl, suffix[i]) == 0) {
                plain[pl - sl] = '\0';
                break;
            }
        }
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                           "%s %s-compressed file whose content is %s, not a disk: decompress it "
                           "(%s %s), then %s",
                           io_a(formats[fmt].label), formats[fmt].label, o->what,
                           unpack[fmt] ? unpack[fmt] : "decompress", path,
                           io_fill(fill, sizeof(fill), o->advice, plain));
    }
    if (inner == LR_IO_FMT_RAW) {
        int rc = io_archive(head, n, formats[fmt].label, path, &tar, err);
        return !rc && tar ? io_stream_tar(io, fmt, path, err) : rc;
    }
    const char *label = formats[inner].label;
    return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                       "%s %s-compressed file whose content is %s %s image, not a disk: images "
                       "inside compressed files are not read; decompress it first (%s %s) and "
                       "give the %s file",
                       io_a(formats[fmt].label), formats[fmt].label, io_a(label), label,
                       unpack[fmt] ? unpack[fmt] : "decompress", path, label);
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
        rc = lr_io_xz_open(out, fd, path, opts, err);
        fd = -1;
        break;
    case LR_IO_FMT_LZMA:
        rc = lr_io_lzma_open(out, fd, path, opts, err);
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
        rc = lr_io_qcow_open(out, path, opts ? opts->snapshot : NULL, err);
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
        rc = lr_io_vhdi_open(out, path, fmt == LR_IO_FMT_VHDX, err);
        break;
#endif
    default:
        break;
    }
    if (fd >= 0)
        close(fd); /* the libyal layers open the files by name themselves */
    if (!rc)
        (*out)->fmt = fmt;
    if (!rc && io_compressed(fmt) && (rc = io_nested(*out, fmt, path, err)) != 0) {
        lr_io_close(*out, NULL);
        *out = NULL;
    }
    return rc;
}

/* The memory this process may take: the machine's, or less under an
 * address-space limit (ulimit -v). */
static uint64_t io_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t mem = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : UINT64_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < mem)
        mem = rl.rlim_cur;
    return mem;
}

int lr_io_window_note(lr_io_t *io, const char *codec, const char *piece, uint64_t at,
                      uint64_t bytes, const char *made_by, const char *decompress, lr_error_t *err)
{
    if (bytes <= LR_IO_WINDOW_QUIET)
        return 0;
    unsigned long long mib = (bytes + (1u << 20) - 1) >> 20;
    uint64_t mem = io_memory();
    if (bytes > mem / 2) /* an OOM kill halfway through the scan helps no one */
        return lr_error_at(err, lr_io_name(io), LR_ELIMIT, at,
                           "the %s %s at compressed offset %llu needs up to %llu MiB of memory to "
                           "decode (%s), more than half of the %llu MiB this process may use: "
                           "decompress the image first (%s)",
                           codec, piece, (unsigned long long)at, mib, made_by,
                           (unsigned long long)(mem >> 20), decompress);
    if (!io)
        return 0;
    char note[320];
    snprintf(note, sizeof(note),
             "the %s %s at compressed offset %llu needs up to %llu MiB of memory to decode (%s): "
             "read with it, beyond the 32 MiB the reader otherwise keeps to",
             codec, piece, (unsigned long long)at, mib, made_by);
    return lr_io_add_note(io, note) ? lr_error_oom(err) : 0;
}
