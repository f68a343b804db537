/* The data of VHD files (fixed, dynamic and differencing), read through our
 * own decode of the footer, the dynamic header, the block allocation table
 * (BAT) and the sector bitmaps. libvhdi still opens and validates every
 * file (but a dynamic one cut short, which it does not open: read by this
 * map alone from its footer copy at byte 0, lr_vhd_copy_size), gives the
 * media size, the parent's name and the identifiers, and reads VHDX whole
 * (io_yal.c); only the VHD data path is ours.
 *
 * Why not libvhdi's reads: libvhdi 20210425 (Debian 12; libyal's sources
 * since, as far as seen) decodes bit i of a sector bitmap byte b as
 * b >> (7 - i), without & 1 (libvhdi_block_descriptor_read_sector_bitmap_data).
 * One bug, two consequences:
 *  - a clear bit after a set one in the same byte reads as set: that
 *    sector of a differencing disk comes from the child instead of its
 *    parent -- wrong bytes, no error;
 *  - in an all-0xff bitmap every bit gives another value (1, 3, 7, 15...),
 *    so every sector becomes its own "sector range" and each read walks
 *    them linearly: quadratic, a dynamic VHD scanned at ~6x qemu-io's time.
 * Bit i of byte j stands for sector 8j + i of the block, the most
 * significant bit first (the VHD specification). A clear bit in a dynamic
 * (not differencing) disk is a sector never written: zeros, as the
 * specification and libvhdi say. qemu ignores a dynamic disk's bitmaps
 * and reads allocated blocks whole; the writers seen (qemu sets every bit
 * of a block it allocates, and blocks are zeroed when allocated) make
 * both readings the same bytes.
 *
 * Layout decoded field by field with bounds checks (every size and offset
 * comes from the file); an inconsistent header refuses the file at open,
 * a block whose bitmap or data lies beyond the file fails the reads of
 * that block only. Checksums are compared (the footer's, at the end and of
 * its copy at byte 0 when the two differ, and the dynamic header's: the
 * ones' complement of the byte sum, the field taken as zero, per the VHD
 * specification) and a wrong one is noted, not refused: libvhdi 20210425
 * opens such a file without a word, qemu-img refuses a wrong footer
 * checksum (of the footer it uses), and refusing would lose data a damaged
 * disk still holds while the bounds checks keep reads safe. The notes
 * (lr_vhd_note, each naming the file) become the image handle's
 * (lr_io_note, io_yal.c), which lvmscan shows as warnings. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"
#include "le.h"

#define VHD_SECTOR 512u
#define VHD_FOOTER 512u
#define VHD_HEADER 1024u
#define VHD_MAX_BLOCKS (1u << 21)     /* BAT entries read: 4 TiB of 2 MiB blocks */
#define VHD_MAX_BLOCK_SIZE (1u << 28) /* 256 MiB: its bitmap is 64 KiB */
#define VHD_UNUSED 0xffffffffu        /* a BAT entry of a block not in the file */
#define VHD_FOOTER_SUM 64u            /* where the footer's checksum is */
#define VHD_HEADER_SUM 36u            /* and the dynamic header's */
#define VHD_MAX_NOTES 4               /* footer and header checksums, the footer's copies */

enum { VHD_FIXED = 2, VHD_DYNAMIC = 3, VHD_DIFF = 4 };

struct lr_vhd {
    int fd;
    const char *image; /* the chain's top, for messages (the caller's) */
    char *path;        /* this file */
    uint64_t data_end; /* where data may end: the footer at the end, else EOF */
    uint64_t size;     /* media size */
    uint32_t disk;     /* VHD_FIXED, VHD_DYNAMIC or VHD_DIFF */
    uint32_t block_size;
    uint32_t bitmap_len;        /* bytes of a block's bitmap in the file (whole sectors) */
    uint32_t n_blocks;          /* BAT entries kept: the blocks the media size needs */
    uint32_t *bat;              /* their sector offsets, host order */
    uint8_t *bitmap;            /* the bitmap of block cached (one block) */
    uint32_t cached;            /* VHD_UNUSED: none */
    pthread_mutex_t mu;         /* the cache: a handle may be read from two threads */
    char *notes[VHD_MAX_NOTES]; /* lr_vhd_note: what was wrong but read anyway */
    size_t n_notes;
};

/* Reads len bytes at off of the file, all within [0, end). */
static bool vhd_pread(int fd, void *buf, size_t len, uint64_t off, uint64_t end)
{
    size_t got;
    if (off > end || len > end - off)
        return false;
    return lr_io_fd_pread(fd, buf, len, off, &got) == 0 && got == len;
}

/* The checksum of a footer or dynamic header as the VHD specification
 * defines it: the ones' complement of the sum of its len bytes, the four
 * of the checksum field at sum_at taken as zero. */
static uint32_t vhd_checksum(const uint8_t *p, size_t len, size_t sum_at)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        if (i < sum_at || i >= sum_at + 4)
            sum += p[i];
    return ~sum;
}

/* Records a note (m->path named by the caller's format); out of memory is
 * the only failure. */
__attribute__((format(printf, 2, 3))) static int vhd_note(lr_vhd_t *m, const char *fmt, ...)
{
    if (m->n_notes == VHD_MAX_NOTES)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&m->notes[m->n_notes], fmt, ap);
    va_end(ap);
    if (n < 0) {
        m->notes[m->n_notes] = NULL;
        return -ENOMEM;
    }
    m->n_notes++;
    return 0;
}

/* A stored checksum that is not what the bytes give is noted, not refused:
 * the rest of the structure is still checked field by field, and a disk
 * whose footer took a stray write still holds its data. */
static int vhd_check_sum(lr_vhd_t *m, const uint8_t *p, size_t len, size_t sum_at, const char *what,
                         uint64_t at)
{
    uint32_t stored = lr_get_be32(p + sum_at), computed = vhd_checksum(p, len, sum_at);
    if (stored == computed)
        return 0;
    return vhd_note(m,
                    "the VHD file %s: the %s at byte %llu has checksum 0x%08x stored, 0x%08x "
                    "computed (damaged; its data was read anyway)",
                    m->path, what, (unsigned long long)at, stored, computed);
}

/* The footer: at the end, else its copy at the start (dynamic disks keep
 * one there); *data_end is where data may end. A copy at the start that
 * differs from the footer at the end, or a footer found only there, is
 * noted. */
static int vhd_footer(lr_vhd_t *m, uint64_t file_size, uint8_t foot[VHD_FOOTER], lr_error_t *err)
{
    uint8_t copy[VHD_FOOTER];
    bool have_copy = vhd_pread(m->fd, copy, VHD_FOOTER, 0, file_size) &&
                     memcmp(copy, "conectix", 8) == 0 && lr_get_be32(copy + 60) != VHD_FIXED;
    m->data_end = file_size - VHD_FOOTER;
    if (vhd_pread(m->fd, foot, VHD_FOOTER, m->data_end, file_size) &&
        memcmp(foot, "conectix", 8) == 0) {
        int rc = vhd_check_sum(m, foot, VHD_FOOTER, VHD_FOOTER_SUM, "footer", m->data_end);
        if (rc || lr_get_be32(foot + 60) == VHD_FIXED || !have_copy ||
            memcmp(foot, copy, VHD_FOOTER) == 0)
            return rc;
        /* qemu reads the copy at byte 0 first: its checksum is checked too */
        rc = vhd_note(m,
                      "the VHD file %s: the footer copy at byte 0 differs from the footer at its "
                      "end (the one at the end was used)",
                      m->path);
        return rc ? rc : vhd_check_sum(m, copy, VHD_FOOTER, VHD_FOOTER_SUM, "footer copy", 0);
    }
    m->data_end = file_size;
    if (have_copy) {
        memcpy(foot, copy, VHD_FOOTER);
        int rc = vhd_note(m,
                          "the VHD file %s: no footer at its end, the footer copy at byte 0 was "
                          "used",
                          m->path);
        return rc ? rc : vhd_check_sum(m, foot, VHD_FOOTER, VHD_FOOTER_SUM, "footer copy", 0);
    }
    return lr_error_at(err, m->image, LR_EFORMAT, file_size - VHD_FOOTER,
                       "the VHD file %s has no footer (\"conectix\") at its end", m->path);
}

/* The dynamic header at the footer's data offset: block size and BAT. */
static int vhd_header(lr_vhd_t *m, const uint8_t foot[VHD_FOOTER], uint64_t file_size,
                      lr_error_t *err)
{
    uint8_t hdr[VHD_HEADER];
    uint64_t at = lr_get_be64(foot + 16);
    if (!vhd_pread(m->fd, hdr, sizeof(hdr), at, file_size) || memcmp(hdr, "cxsparse", 8) != 0)
        return lr_error_at(err, m->image, LR_EFORMAT, at,
                           "the VHD file %s has no dynamic disk header (\"cxsparse\") where its "
                           "footer points",
                           m->path);
    int rc = vhd_check_sum(m, hdr, VHD_HEADER, VHD_HEADER_SUM, "dynamic disk header", at);
    if (rc)
        return lr_error_oom(err);
    uint64_t table = lr_get_be64(hdr + 16);
    uint32_t entries = lr_get_be32(hdr + 28), bs = lr_get_be32(hdr + 32);
    if (bs < VHD_SECTOR || bs > VHD_MAX_BLOCK_SIZE || (bs & (bs - 1)) != 0)
        return lr_error_at(err, m->image, LR_EFORMAT, at + 32,
                           "the VHD file %s has a block size of %u bytes (not a power of two "
                           "from 512 bytes to 256 MiB)",
                           m->path, bs);
    uint64_t need = m->size / bs + (m->size % bs != 0);
    if (entries < need || need > VHD_MAX_BLOCKS)
        return lr_error_at(err, m->image, LR_EFORMAT, at + 28,
                           "the VHD file %s has a block table of %u entries, its size needs "
                           "%llu (at most %u)",
                           m->path, entries, (unsigned long long)need, VHD_MAX_BLOCKS);
    if (table > file_size || (uint64_t)entries * 4 > file_size - table)
        return lr_error_at(err, m->image, LR_EFORMAT, table,
                           "the VHD file %s has its block table (%u entries) beyond its end "
                           "(%llu bytes)",
                           m->path, entries, (unsigned long long)file_size);
    m->block_size = bs;
    m->n_blocks = (uint32_t)need;
    m->bitmap_len = (bs / VHD_SECTOR / 8 + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
    if (m->bitmap_len == 0) /* a 512-byte block: one bit, still a whole sector */
        m->bitmap_len = VHD_SECTOR;
    m->bat = malloc((size_t)m->n_blocks * 4 + 1);
    m->bitmap = malloc(m->bitmap_len);
    if (!m->bat || !m->bitmap)
        return lr_error_oom(err);
    if (!vhd_pread(m->fd, m->bat, (size_t)m->n_blocks * 4, table, file_size))
        return lr_error_at(err, m->image, -EIO, table, "cannot read the block table of %s",
                           m->path);
    for (uint32_t i = 0; i < m->n_blocks; i++)
        m->bat[i] = lr_get_be32((const uint8_t *)&m->bat[i]);
    return 0;
}

static int vhd_decode(lr_vhd_t *m, lr_error_t *err)
{
    struct stat st;
    if (fstat(m->fd, &st) != 0)
        return lr_error_at(err, m->image, -errno, LR_NO_OFFSET, "cannot read %s", m->path);
    uint64_t file_size = (uint64_t)st.st_size;
    if (file_size < VHD_FOOTER)
        return lr_error_at(err, m->image, LR_EFORMAT, 0,
                           "the VHD file %s is shorter than its footer", m->path);
    uint8_t foot[VHD_FOOTER];
    int rc = vhd_footer(m, file_size, foot, err);
    if (rc == -ENOMEM)
        return lr_error_oom(err);
    if (rc)
        return rc;
    m->disk = lr_get_be32(foot + 60);
    if (m->disk == VHD_FIXED)
        return 0;
    if (m->disk != VHD_DYNAMIC && m->disk != VHD_DIFF)
        return lr_error_at(err, m->image, LR_EFORMAT, m->data_end + 60,
                           "the VHD file %s has disk type %u (not fixed, dynamic or "
                           "differencing)",
                           m->path, m->disk);
    return vhd_header(m, foot, file_size, err);
}

int lr_vhd_open(lr_vhd_t **out, const char *path, const char *image, uint64_t size, lr_error_t *err)
{
    *out = NULL;
    lr_vhd_t *m = calloc(1, sizeof(*m));
    if (!m || !(m->path = strdup(path))) {
        free(m);
        return lr_error_oom(err);
    }
    m->image = image;
    m->size = size;
    m->cached = VHD_UNUSED;
    pthread_mutex_init(&m->mu, NULL);
    m->fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = m->fd < 0 ? lr_error_at(err, image, -errno, LR_NO_OFFSET, "cannot open %s", path)
                       : vhd_decode(m, err);
    if (rc) {
        lr_vhd_close(m);
        return rc;
    }
    m->image = NULL; /* the caller's string: not kept past open */
    *out = m;
    return 0;
}

int lr_vhd_copy_size(const char *path, uint64_t *size)
{
    uint8_t copy[VHD_FOOTER];
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return LR_ENOTFOUND;
    bool ok = vhd_pread(fd, copy, VHD_FOOTER, 0, VHD_FOOTER) && memcmp(copy, "conectix", 8) == 0 &&
              lr_get_be32(copy + 60) == VHD_DYNAMIC;
    close(fd);
    if (!ok)
        return LR_ENOTFOUND;
    *size = lr_get_be64(copy + 48); /* current size */
    return 0;
}

bool lr_vhd_cut_short(const char *path)
{
    uint8_t copy[VHD_FOOTER], foot[VHD_FOOTER];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint64_t size = fstat(fd, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    bool cut = size >= 2 * VHD_FOOTER && vhd_pread(fd, copy, VHD_FOOTER, 0, size) &&
               memcmp(copy, "conectix", 8) == 0 &&
               vhd_pread(fd, foot, VHD_FOOTER, size - VHD_FOOTER, size) &&
               memcmp(foot, "conectix", 8) != 0;
    close(fd);
    return cut;
}

void lr_vhd_close(lr_vhd_t *m)
{
    if (!m)
        return;
    if (m->fd >= 0)
        close(m->fd);
    pthread_mutex_destroy(&m->mu);
    for (size_t i = 0; i < m->n_notes; i++)
        free(m->notes[i]);
    free(m->bat);
    free(m->bitmap);
    free(m->path);
    free(m);
}

bool lr_vhd_differencing(const lr_vhd_t *m)
{
    return m->disk == VHD_DIFF;
}

const char *lr_vhd_note(const lr_vhd_t *m, size_t i)
{
    return m && i < m->n_notes ? m->notes[i] : NULL;
}

/* len bytes of the file at off (what: for the message, of block b;
 * VHD_UNUSED: of a fixed disk). */
static int vhd_data(lr_vhd_t *m, void *buf, size_t len, uint64_t off, const char *what,
                    uint32_t block, lr_error_t *err)
{
    if (vhd_pread(m->fd, buf, len, off, m->data_end))
        return 0;
    char of[32] = "";
    if (block != VHD_UNUSED)
        snprintf(of, sizeof(of), " of block %u", block);
    if (off > m->data_end || len > m->data_end - off)
        return lr_error_at(err, m->path, LR_EFORMAT, off,
                           "%s%s (%zu bytes) lies beyond the end of the data (byte %llu)", what, of,
                           len, (unsigned long long)m->data_end);
    return lr_error_at(err, m->path, -EIO, off, "cannot read %s%s", what, of);
}

/* Bytes the file does not hold: the parent's, or zeros without one. */
static int vhd_hole(lr_vhd_t *m, void *buf, size_t len, uint64_t off, lr_vhd_parent_fn parent,
                    void *ctx, lr_error_t *err)
{
    if (m->disk != VHD_DIFF) {
        memset(buf, 0, len);
        return 0;
    }
    if (!parent) /* the chain links every parent before anything is read */
        return lr_error_at(err, m->path, LR_EFORMAT, off,
                           "a differencing VHD read without its parent");
    return parent(ctx, buf, len, off, err);
}

static bool vhd_bit(const uint8_t *bm, uint32_t sector)
{
    return (bm[sector / 8] >> (7 - sector % 8)) & 1;
}

/* len bytes at byte in of allocated block b (off: the disk offset of in),
 * run by run of sectors its bitmap marks present or not. */
static int vhd_block(lr_vhd_t *m, uint32_t b, uint32_t in, uint8_t *p, size_t len, uint64_t off,
                     lr_vhd_parent_fn parent, void *ctx, lr_error_t *err)
{
    uint64_t base = (uint64_t)m->bat[b] * VHD_SECTOR;
    if (m->cached != b) {
        int rc = vhd_data(m, m->bitmap, m->bitmap_len, base, "the sector bitmap", b, err);
        if (rc)
            return rc;
        m->cached = b;
    }
    while (len > 0) {
        uint32_t sector = in / VHD_SECTOR;
        bool set = vhd_bit(m->bitmap, sector);
        size_t run = VHD_SECTOR - in % VHD_SECTOR;
        while (run < len && vhd_bit(m->bitmap, ++sector) == set)
            run += VHD_SECTOR;
        if (run > len)
            run = len;
        int rc = set ? vhd_data(m, p, run, base + m->bitmap_len + in, "the data", b, err)
                     : vhd_hole(m, p, run, off, parent, ctx, err);
        if (rc)
            return rc;
        p += run;
        len -= run;
        in += (uint32_t)run;
        off += run;
    }
    return 0;
}

/* len bytes at off, all in one block. */
static int vhd_piece(lr_vhd_t *m, uint8_t *p, size_t len, uint64_t off, lr_vhd_parent_fn parent,
                     void *ctx, lr_error_t *err)
{
    if (m->disk == VHD_FIXED)
        return vhd_data(m, p, len, off, "the data", VHD_UNUSED, err);
    uint32_t b = (uint32_t)(off / m->block_size);
    if (m->bat[b] == VHD_UNUSED)
        return vhd_hole(m, p, len, off, parent, ctx, err);
    return vhd_block(m, b, (uint32_t)(off % m->block_size), p, len, off, parent, ctx, err);
}

int lr_vhd_read(lr_vhd_t *m, void *buf, size_t len, uint64_t off, lr_vhd_parent_fn parent,
                void *ctx, lr_error_t *err)
{
    uint8_t *p = buf;
    int rc = 0;
    pthread_mutex_lock(&m->mu);
    while (len > 0 && !rc) {
        if (off >= m->size) { /* past the media size (a smaller parent's) */
            memset(p, 0, len);
            break;
        }
        size_t n = len < m->size - off ? len : (size_t)(m->size - off);
        if (m->disk != VHD_FIXED && n > m->block_size - off % m->block_size)
            n = m->block_size - off % m->block_size;
        rc = vhd_piece(m, p, n, off, parent, ctx, err);
        p += n;
        len -= n;
        off += n;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}
