/* The log of a VHDX file, replayed in memory (MS-VHDX 2.3).
 *
 * A VHDX file changes its metadata (the block allocation table, the
 * metadata region, sector bitmaps) through a log: the new 4 KiB sectors
 * are written to the log and flushed, then written to their place. A host
 * that stops between the two (power lost, the VM's process killed) leaves
 * a file whose table does not yet point at blocks whose data is already
 * written: Hyper-V and qemu replay the log when they next open the file
 * for writing (qemu refuses to open it read-only). libvhdi 20210425 does
 * not read the log at all, so such a file read through it shows the last
 * blocks written as zeros or as their parent's bytes -- a wrong answer with
 * no error. Here the log's active sequence is found as the specification
 * says (2.3.3), and its writes are laid over the file's bytes as libvhdi
 * reads them (io_yal.c gives libvhdi a file handle that reads through
 * lr_vhdx_log_apply). The file itself is never written.
 *
 * Every field comes from the file and is checked before use: the header
 * checksums (CRC-32C), each entry's checksum, signatures, lengths within
 * the log, sequence numbers in every descriptor and data sector. An entry
 * that fails a check ends its sequence, as the specification says. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_int.h"
#include "le.h"
#include "lr/crc.h"

#define VXL_SECTOR 4096u
#define VXL_HEADER1 (64u * 1024u)
#define VXL_HEADER2 (128u * 1024u)
/* Logs are 1 MiB as Hyper-V and qemu make them; a larger one is read up to
 * this, so that a damaged header cannot make us allocate gigabytes. */
#define VXL_MAX_LOG (64u * 1024u * 1024u)
/* The file bytes compared at a time when checking which writes are
 * already in the file. */
#define VXL_CMP_CHUNK (1024u * 1024u)

/* One write of the log: len bytes at off, from data (4 KiB, the sector
 * put back together) or zeros (data NULL). */
typedef struct {
    uint64_t off, len;
    const uint8_t *data;
} vxl_write_t;

struct lr_vhdx_log {
    vxl_write_t *w; /* in the order they are replayed */
    size_t n;
    uint8_t *sectors; /* the data writes' sectors, 4 KiB each */
    size_t n_sectors;
    uint64_t last_file_offset;    /* the head entry's LastFileOffset */
    uint64_t flushed_file_offset; /* the head entry's FlushedFileOffset */
    size_t changed;               /* writes whose bytes the file does not hold */
    char *note;
};

/* The header the file goes by: the valid one (signature, checksum) with
 * the larger sequence number. */
typedef struct {
    uint64_t seq;
    uint8_t log_guid[16];
    uint16_t log_version;
    uint32_t log_length;
    uint64_t log_offset;
} vxl_header_t;

/* An entry of the log, as found at pos (bytes from the log's start). */
typedef struct {
    uint32_t pos, len, tail;
    uint64_t seq;
    uint32_t n_desc;
    uint64_t flushed, last;
} vxl_entry_t;

static const uint8_t vxl_zero_guid[16];

/* The standard CRC-32C of len bytes of p, the 4 bytes at sum_at taken as
 * zero (every VHDX checksum is over its structure so). */
static uint32_t vxl_crc(const uint8_t *p, size_t len, size_t sum_at)
{
    static const uint8_t zero[4];
    uint32_t c = lr_crc32c(0xffffffffu, p, sum_at);
    c = lr_crc32c(c, zero, sizeof(zero));
    c = lr_crc32c(c, p + sum_at + 4, len - sum_at - 4);
    return ~c;
}

/* 1 and *h when the 4 KiB at p is a valid header, else 0. */
static int vxl_header(const uint8_t *p, vxl_header_t *h)
{
    if (memcmp(p, "head", 4) != 0 || lr_get_le32(p + 4) != vxl_crc(p, VXL_SECTOR, 4))
        return 0;
    h->seq = lr_get_le64(p + 8);
    memcpy(h->log_guid, p + 48, 16);
    h->log_version = (uint16_t)(p[64] | p[65] << 8);
    h->log_length = lr_get_le32(p + 68);
    h->log_offset = lr_get_le64(p + 72);
    return 1;
}

/* The current header of the file; 0 when neither is valid (libvhdi then
 * refuses the file itself). */
static int vxl_current_header(int fd, vxl_header_t *cur)
{
    uint8_t buf[VXL_SECTOR];
    vxl_header_t h[2];
    int ok[2];
    const uint64_t at[2] = {VXL_HEADER1, VXL_HEADER2};
    for (int i = 0; i < 2; i++) {
        size_t got = 0;
        ok[i] = lr_io_fd_pread(fd, buf, sizeof(buf), at[i], &got) == 0 && got == sizeof(buf) &&
                vxl_header(buf, &h[i]);
    }
    if (!ok[0] && !ok[1])
        return 0;
    *cur = ok[0] && (!ok[1] || h[0].seq >= h[1].seq) ? h[0] : h[1];
    return 1;
}

/* The i-th 4 KiB sector from pos in the circular log. */
static const uint8_t *vxl_sector(const uint8_t *log, uint32_t log_len, uint32_t pos, uint32_t i)
{
    return log + (uint32_t)(((uint64_t)pos + (uint64_t)i * VXL_SECTOR) % log_len);
}

/* Descriptor i of the entry at pos (the first sector holds the 64-byte
 * header and 126 descriptors, each further one 128). */
static const uint8_t *vxl_desc(const uint8_t *log, uint32_t log_len, uint32_t pos, uint32_t i)
{
    uint64_t byte = 64 + (uint64_t)i * 32;
    return vxl_sector(log, log_len, pos, (uint32_t)(byte / VXL_SECTOR)) + byte % VXL_SECTOR;
}

static uint32_t vxl_desc_sectors(uint32_t n_desc)
{
    return (uint32_t)((64 + (uint64_t)n_desc * 32 + VXL_SECTOR - 1) / VXL_SECTOR);
}

/* The entry's checksum, over its sectors in log order (an entry may wrap
 * past the log's end). */
static uint32_t vxl_entry_crc(const uint8_t *log, uint32_t log_len, const vxl_entry_t *e)
{
    static const uint8_t zero[4];
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < e->len / VXL_SECTOR; i++) {
        const uint8_t *s = vxl_sector(log, log_len, e->pos, i);
        if (i) {
            c = lr_crc32c(c, s, VXL_SECTOR);
            continue;
        }
        c = lr_crc32c(c, s, 4);
        c = lr_crc32c(c, zero, sizeof(zero));
        c = lr_crc32c(c, s + 8, VXL_SECTOR - 8);
    }
    return ~c;
}

/* The descriptors and data sectors of the entry agree with its header. */
static int vxl_entry_body(const uint8_t *log, uint32_t log_len, const vxl_entry_t *e)
{
    uint32_t data = vxl_desc_sectors(e->n_desc);
    for (uint32_t i = 0; i < e->n_desc; i++) {
        const uint8_t *d = vxl_desc(log, log_len, e->pos, i);
        if (lr_get_le64(d + 24) != e->seq || lr_get_le64(d + 16) % VXL_SECTOR)
            return 0;
        if (memcmp(d, "zero", 4) == 0) {
            if (lr_get_le64(d + 8) % VXL_SECTOR)
                return 0;
            continue;
        }
        if (memcmp(d, "desc", 4) != 0 || data >= e->len / VXL_SECTOR)
            return 0;
        const uint8_t *s = vxl_sector(log, log_len, e->pos, data++);
        if (memcmp(s, "data", 4) != 0 || lr_get_le32(s + 4) != (uint32_t)(e->seq >> 32) ||
            lr_get_le32(s + 4092) != (uint32_t)e->seq)
            return 0;
    }
    return 1;
}

/* 1 and *e when a valid entry of this log starts at pos. */
static int vxl_entry(const uint8_t *log, uint32_t log_len, const vxl_header_t *h, uint32_t pos,
                     vxl_entry_t *e)
{
    const uint8_t *p = log + pos;
    if (memcmp(p, "loge", 4) != 0)
        return 0;
    e->pos = pos;
    e->len = lr_get_le32(p + 8);
    e->tail = lr_get_le32(p + 12);
    e->seq = lr_get_le64(p + 16);
    e->n_desc = lr_get_le32(p + 24);
    e->flushed = lr_get_le64(p + 48);
    e->last = lr_get_le64(p + 56);
    if (e->len == 0 || e->len % VXL_SECTOR || e->len > log_len || e->tail % VXL_SECTOR ||
        e->tail >= log_len || e->seq == 0 || memcmp(p + 32, h->log_guid, 16) != 0 ||
        vxl_desc_sectors(e->n_desc) > e->len / VXL_SECTOR)
        return 0;
    return lr_get_le32(p + 4) == vxl_entry_crc(log, log_len, e) && vxl_entry_body(log, log_len, e);
}

/* Entries in log order. */
typedef struct {
    vxl_entry_t *e;
    size_t n, cap;
} vxl_seq_t;

static int vxl_seq_push(vxl_seq_t *s, const vxl_entry_t *e)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        vxl_entry_t *g = realloc(s->e, cap * sizeof(*g));
        if (!g)
            return -ENOMEM;
        s->e = g;
        s->cap = cap;
    }
    s->e[s->n++] = *e;
    return 0;
}

/* The sequence of valid entries from pos, each one more than the last
 * (at most the log's length of them, so a wrap cannot loop). */
static int vxl_run(const uint8_t *log, uint32_t log_len, const vxl_header_t *h, uint32_t pos,
                   vxl_seq_t *cur)
{
    uint64_t used = 0;
    vxl_entry_t e;
    cur->n = 0;
    while (vxl_entry(log, log_len, h, pos, &e) && used + e.len <= log_len) {
        if (cur->n && e.seq != cur->e[cur->n - 1].seq + 1)
            break;
        if (vxl_seq_push(cur, &e))
            return -ENOMEM;
        used += e.len;
        pos = (uint32_t)(((uint64_t)pos + e.len) % log_len);
    }
    return 0;
}

/* The index in cur of the entry its head's tail names; -1 if none. */
static long vxl_tail_index(const vxl_seq_t *cur)
{
    uint32_t tail = cur->e[cur->n - 1].tail;
    for (size_t i = 0; i < cur->n; i++)
        if (cur->e[i].pos == tail)
            return (long)i;
    return -1;
}

/* The active sequence (2.3.3) into *best: of the valid sequences (each
 * entry one more than the last, the head's tail naming one of them), the
 * one whose head has the largest sequence number, from the entry its
 * head's tail names to the head. best->n is 0 when there is none. */
static int vxl_find_active(const uint8_t *log, uint32_t log_len, const vxl_header_t *h,
                           vxl_seq_t *best)
{
    vxl_seq_t cur = {0};
    uint32_t tail = 0, old = 0;
    int rc = 0;
    best->n = 0;
    for (;;) {
        if ((rc = vxl_run(log, log_len, h, tail, &cur)))
            break;
        long t = cur.n ? vxl_tail_index(&cur) : -1;
        if (t >= 0 && (!best->n || cur.e[cur.n - 1].seq > best->e[best->n - 1].seq)) {
            best->n = 0;
            for (size_t i = (size_t)t; i < cur.n && !rc; i++)
                rc = vxl_seq_push(best, &cur.e[i]);
            if (rc)
                break;
        }
        if (t < 0) {
            tail = (tail + VXL_SECTOR) % log_len;
        } else {
            const vxl_entry_t *head = &cur.e[cur.n - 1];
            tail = (uint32_t)(((uint64_t)head->pos + head->len) % log_len);
        }
        if (tail <= old) /* wrapped: every start was tried */
            break;
        old = tail;
    }
    free(cur.e);
    return rc;
}

/* The writes of the active sequence, in replay order: every descriptor of
 * every entry from the tail on, the data sectors put back together (the
 * descriptor keeps a sector's first 8 and last 4 bytes). */
static int vxl_collect(lr_vhdx_log_t *l, const uint8_t *log, uint32_t log_len, const vxl_seq_t *s)
{
    size_t n = 0, n_data = 0;
    for (size_t i = 0; i < s->n; i++) {
        n += s->e[i].n_desc;
        for (uint32_t j = 0; j < s->e[i].n_desc; j++)
            n_data += memcmp(vxl_desc(log, log_len, s->e[i].pos, j), "desc", 4) == 0;
    }
    l->w = calloc(n ? n : 1, sizeof(*l->w));
    l->sectors = malloc(n_data ? n_data * VXL_SECTOR : 1);
    if (!l->w || !l->sectors)
        return -ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        const vxl_entry_t *e = &s->e[i];
        uint32_t data = vxl_desc_sectors(e->n_desc);
        for (uint32_t j = 0; j < e->n_desc; j++) {
            const uint8_t *d = vxl_desc(log, log_len, e->pos, j);
            vxl_write_t *w = &l->w[l->n++];
            w->off = lr_get_le64(d + 16);
            if (memcmp(d, "zero", 4) == 0) {
                w->len = lr_get_le64(d + 8);
                continue;
            }
            uint8_t *sec = l->sectors + l->n_sectors++ * VXL_SECTOR;
            memcpy(sec, vxl_sector(log, log_len, e->pos, data++), VXL_SECTOR);
            memcpy(sec, d + 8, 8);
            memcpy(sec + 4092, d + 4, 4);
            w->len = VXL_SECTOR;
            w->data = sec;
        }
    }
    l->last_file_offset = s->e[s->n - 1].last;
    l->flushed_file_offset = s->e[s->n - 1].flushed;
    return 0;
}

/* The end of len bytes at off, at most 2^64 - 1 (offsets come from the
 * file: a sum must not wrap). */
static uint64_t vxl_end(uint64_t off, uint64_t len)
{
    return off + len < off ? UINT64_MAX : off + len;
}

void lr_vhdx_log_apply(const lr_vhdx_log_t *l, uint8_t *buf, size_t len, uint64_t off)
{
    uint64_t end = vxl_end(off, len);
    for (size_t i = 0; l && i < l->n; i++) {
        const vxl_write_t *w = &l->w[i];
        uint64_t w_end = vxl_end(w->off, w->len);
        if (w->off >= end || w_end <= off)
            continue;
        uint64_t from = w->off > off ? w->off : off;
        uint64_t to = w_end < end ? w_end : end;
        if (w->data)
            memcpy(buf + (from - off), w->data + (from - w->off), (size_t)(to - from));
        else
            memset(buf + (from - off), 0, (size_t)(to - from));
    }
}

/* How much of write w to compare with the file: a data sector whole; of
 * a zero range, what lies inside the file (past its end the file reads
 * as zeros already). *whole is false for a zero range too long to read
 * back (VXL_MAX_LOG or more), which is taken as a change. */
static uint64_t vxl_cmp_len(const vxl_write_t *w, uint64_t file_size, bool *whole)
{
    *whole = true;
    if (w->data)
        return w->len;
    if (w->off >= file_size)
        return 0;
    uint64_t len = vxl_end(w->off, w->len) < file_size ? w->len : file_size - w->off;
    *whole = len < VXL_MAX_LOG;
    return *whole ? len : 0;
}

/* How many writes the file does not already hold (a host that stopped
 * after applying them leaves a log that changes nothing): each write's
 * range read from the file, the whole log laid over a copy, compared. */
static int vxl_count_changed(lr_vhdx_log_t *l, int fd, uint64_t file_size)
{
    uint8_t *a = malloc(VXL_CMP_CHUNK), *b = malloc(VXL_CMP_CHUNK);
    int rc = a && b ? 0 : -ENOMEM;
    for (size_t i = 0; !rc && i < l->n; i++) {
        const vxl_write_t *w = &l->w[i];
        bool whole;
        uint64_t cmp = vxl_cmp_len(w, file_size, &whole);
        bool differs = !whole;
        for (uint64_t at = 0; !rc && !differs && at < cmp; at += VXL_CMP_CHUNK) {
            size_t len = cmp - at < VXL_CMP_CHUNK ? (size_t)(cmp - at) : VXL_CMP_CHUNK;
            size_t got = 0;
            rc = lr_io_fd_pread(fd, a, len, w->off + at, &got);
            memset(a + got, 0, len - got); /* past the end: the file is extended by zeros */
            memcpy(b, a, len);
            lr_vhdx_log_apply(l, b, len, w->off + at);
            differs = memcmp(a, b, len) != 0;
        }
        l->changed += differs;
    }
    free(a);
    free(b);
    return rc;
}

uint64_t lr_vhdx_log_size(const lr_vhdx_log_t *l, uint64_t file_size)
{
    uint64_t size = file_size;
    if (l && l->last_file_offset > size)
        size = l->last_file_offset;
    for (size_t i = 0; l && i < l->n; i++)
        if (vxl_end(l->w[i].off, l->w[i].len) > size)
            size = vxl_end(l->w[i].off, l->w[i].len);
    return size;
}

const char *lr_vhdx_log_note(const lr_vhdx_log_t *l)
{
    return l ? l->note : NULL;
}

void lr_vhdx_log_free(lr_vhdx_log_t *l)
{
    if (!l)
        return;
    free(l->w);
    free(l->sectors);
    free(l->note);
    free(l);
}

/* The note lvmscan shows: that the log was replayed (or could not be, in
 * a build without libbfio's header), and a cut file. */
static int vxl_note(lr_vhdx_log_t *l, const char *path, bool replayed, uint64_t file_size)
{
    char cut[160] = "";
    if (file_size < l->flushed_file_offset)
        snprintf(cut, sizeof(cut),
                 "; the file is %llu bytes but its log says it had %llu: it was cut, and what "
                 "lay past its end reads as zeros",
                 (unsigned long long)file_size, (unsigned long long)l->flushed_file_offset);
    const char *how = replayed
                          ? "applied here in memory as Hyper-V and qemu replay them (the file "
                            "is not changed)"
                          : "NOT applied: this build has no libbfio to replay them, so what was "
                            "written last may read as zeros or as older data";
    if (asprintf(&l->note,
                 "the VHDX file %s was not closed cleanly: its log holds %zu metadata write%s "
                 "not yet applied to the file, %s%s",
                 path, l->changed, l->changed == 1 ? "" : "s", how, cut) < 0) {
        l->note = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int vxl_read_log(int fd, const char *path, const vxl_header_t *h, uint8_t **out,
                        uint32_t *len, lr_error_t *err)
{
    *out = NULL;
    *len = 0;
    /* A log that is not a whole number of sectors, or too large to be
     * one, cannot be replayed: libvhdi reads the file as it is. */
    if (h->log_length == 0 || h->log_length % VXL_SECTOR || h->log_length > VXL_MAX_LOG ||
        h->log_offset % VXL_SECTOR)
        return 0;
    uint8_t *log = calloc(1, h->log_length);
    if (!log)
        return lr_error_oom(err);
    size_t got = 0;
    int rc = lr_io_fd_pread(fd, log, h->log_length, h->log_offset, &got);
    if (rc) {
        free(log);
        return lr_error_at(err, path, -EIO, h->log_offset + got,
                           "cannot read the log of the VHDX file: %s", strerror(-rc));
    }
    *out = log; /* a log cut by the file's end: the rest reads as zeros */
    *len = h->log_length;
    return 0;
}

int lr_vhdx_log_open(lr_vhdx_log_t **out, int fd, const char *path, bool replayed, lr_error_t *err)
{
    *out = NULL;
    uint8_t magic[8];
    size_t got = 0;
    vxl_header_t h;
    if (lr_io_fd_pread(fd, magic, sizeof(magic), 0, &got) || got != sizeof(magic) ||
        memcmp(magic, "vhdxfile", 8) != 0 || !vxl_current_header(fd, &h) ||
        memcmp(h.log_guid, vxl_zero_guid, 16) == 0 || h.log_version != 0)
        return 0;
    uint8_t *log;
    uint32_t log_len;
    int rc = vxl_read_log(fd, path, &h, &log, &log_len, err);
    if (rc || !log)
        return rc;
    vxl_seq_t best = {0};
    lr_vhdx_log_t *l = calloc(1, sizeof(*l));
    rc = l ? vxl_find_active(log, log_len, &h, &best) : -ENOMEM;
    if (!rc && best.n)
        rc = vxl_collect(l, log, log_len, &best);
    struct stat st;
    uint64_t file_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    if (!rc && best.n)
        rc = vxl_count_changed(l, fd, file_size);
    if (!rc && l->changed)
        rc = vxl_note(l, path, replayed, file_size);
    free(log);
    free(best.e);
    if (rc == -ENOMEM) {
        lr_vhdx_log_free(l);
        return lr_error_oom(err);
    }
    if (rc) {
        lr_vhdx_log_free(l);
        return lr_error_at(err, path, -EIO, LR_NO_OFFSET,
                           "cannot read the VHDX file to replay its log: %s", strerror(-rc));
    }
    if (!l->changed) { /* nothing to replay, or all of it already in the file */
        lr_vhdx_log_free(l);
        return 0;
    }
    *out = l;
    return 0;
}
