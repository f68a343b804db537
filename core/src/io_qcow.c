/* Which file of a qcow chain holds each cluster: our own walk of a qcow
 * file's header, L1 and L2 tables. libqcow still opens and checks every
 * qcow file and reads the clusters a file holds (plain or compressed,
 * io_yal.c); only the decision "this file, zeros, or the backing file" is
 * ours, because libqcow 20201213 (Debian 12) makes it wrongly in a chain
 * (libqcow_internal_file_read_buffer_from_file_io_handle):
 *  - a cluster the overlay does not hold is read from the parent with the
 *    whole rest of the caller's buffer (buffer_size - buffer_offset), not
 *    the rest of the cluster: a read that starts in such a cluster and
 *    runs into one the overlay holds returns the parent's bytes for it --
 *    wrong bytes, no error (an overlay written by qemu-io, read in 1 MiB
 *    reads: 80 KiB of the overlay's 1 MiB came back as the base's);
 *  - a cluster the overlay marks "reads as zeros" (qcow2 v3 L2 flag bit
 *    0: `qemu-io -c 'write -z'`, a guest's discard) is read from the parent
 *    instead of as zeros -- the parent's stale bytes, no error;
 *  - a raw backing file (`qemu-img create -b base.img -F raw`, the
 *    commonest overlay) cannot be linked at all (libqcow_file_set_parent_file
 *    takes a qcow file).
 * So each file of the chain is opened alone with libqcow and its reads go
 * cluster by cluster through this map: a cluster it holds is read by
 * libqcow, a zero cluster is zeros, an unallocated one is the backing
 * file's (raw or qcow, read the same way) or zeros without one -- qemu's
 * reading (block/qcow2-cluster.c, block/qcow.c).
 *
 * Layout (qemu's docs/interop/qcow2.txt; qcow version 1: block/qcow.c),
 * big-endian, every offset and size bounds-checked against the file:
 * version 2/3: cluster_bits at 20, L1 size at 36, L1 offset at 40; an L1
 * entry's bits 9-55 are its L2 table's offset (0: none); an L2 entry with
 * bit 62 set is a compressed cluster (held), else bit 0 set reads as zeros,
 * else bits 9-55 are the cluster's offset (0: not held). Version 1:
 * cluster_bits and l2_bits at 32 and 33, L1 offset at 40, the L1 size
 * follows from the media size; an entry is its table's or cluster's offset
 * (bit 63: compressed), 0 when not held. Header extensions (version 2/3,
 * after the header) give the backing file's format (0xe2792aca). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_int.h"
#include "le.h"

#define QCOW_MAX_L1 (1u << 25) /* L1 entries at most (qemu: 32 MiB of them) */
#define QCOW_OFFSET_MASK 0x00fffffffffffe00ULL
#define QCOW_COMPRESSED (1ULL << 62) /* version 2/3 L2 entry */
#define QCOW_ZERO 1ULL               /* version 2/3 L2 entry: reads as zeros */
#define QCOW_EXT_BACKING_FMT 0xe2792acaU

struct lr_qcow {
    int fd;
    const char *image; /* the chain's top, for messages (the caller's) */
    char *path;
    uint64_t file_size, size;
    uint32_t version, cluster_bits, l2_bits;
    uint64_t *l1; /* host order, n_l1 of them */
    uint32_t n_l1;
    uint64_t *l2;       /* the L2 table cached, host order */
    uint64_t l2_at;     /* its offset in the file (0: none cached) */
    pthread_mutex_t mu; /* the cache: a handle may be read from two threads */
    char backing_fmt[32];
};

/* Reads len bytes at off of the file, all within it. */
static bool qcow_pread(const lr_qcow_t *q, void *buf, size_t len, uint64_t off)
{
    size_t got;
    if (off > q->file_size || len > q->file_size - off)
        return false;
    return lr_io_fd_pread(q->fd, buf, len, off, &got) == 0 && got == len;
}

__attribute__((format(printf, 3, 4))) static int qcow_bad(const lr_qcow_t *q, lr_error_t *err,
                                                          const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return lr_error_at(err, q->image, LR_EFORMAT, LR_NO_OFFSET, "the qcow file %s %s", q->path,
                       what);
}

/* The backing file's format from the header extensions (version 2/3):
 * they follow the header (hdr_len bytes) up to the first cluster. */
static void qcow_read_exts(lr_qcow_t *q, uint64_t hdr_len)
{
    uint64_t off = hdr_len, end = 1ULL << q->cluster_bits;
    uint8_t h[8];
    while (off + 8 <= end && qcow_pread(q, h, 8, off)) {
        uint32_t type = lr_get_be32(h), len = lr_get_be32(h + 4);
        if (type == 0 || len > end - off - 8)
            return;
        if (type == QCOW_EXT_BACKING_FMT && len < sizeof(q->backing_fmt) &&
            qcow_pread(q, q->backing_fmt, len, off + 8))
            q->backing_fmt[len] = '\0';
        off += 8 + (((uint64_t)len + 7) & ~7ULL);
    }
}

/* Decodes the header and reads the L1 table. */
static int qcow_load(lr_qcow_t *q, lr_error_t *err)
{
    uint8_t h[112] = {0};
    if (q->file_size < 48 || !qcow_pread(q, h, q->file_size < 112 ? 48 : 112, 0))
        return qcow_bad(q, err, "is too short for its header");
    q->version = lr_get_be32(h + 4);
    uint64_t l1_at = lr_get_be64(h + 40), per_l2;
    q->size = lr_get_be64(h + 24);
    if (q->version == 1) {
        q->cluster_bits = h[32];
        q->l2_bits = h[33];
    } else if (q->version == 2 || q->version == 3) {
        q->cluster_bits = lr_get_be32(h + 20);
        q->l2_bits = q->cluster_bits - 3;
    } else {
        return qcow_bad(q, err, "has version %u (1 to 3 are known)", q->version);
    }
    /* qemu's bounds: version 1 clusters of 2^9 to 2^16 bytes and L2 tables
     * of 2^6 to 2^13 entries, independent (qemu-img writes 2^9 and 2^12 for
     * an overlay); version 2/3 clusters of 2^9 to 2^21, one table a cluster */
    if (q->cluster_bits < 9 || q->cluster_bits > (q->version == 1 ? 16 : 21) || q->l2_bits < 6 ||
        q->l2_bits > 18)
        return qcow_bad(q, err, "has clusters of 2^%u bytes and L2 tables of 2^%u entries",
                        q->cluster_bits, q->l2_bits);
    /* libqcow 20201213 reads a version 1 L2 table as one cluster: with
     * larger tables (qemu-img's overlays: 2^12 entries, 512-byte clusters)
     * it takes the wrong entries for offsets, so such a file is refused */
    if (q->version == 1 && q->l2_bits != q->cluster_bits - 3)
        return lr_error_at(err, q->image, LR_EREFUSED, LR_NO_OFFSET,
                           "the qcow (version 1) file %s has L2 tables of 2^%u entries in clusters "
                           "of 2^%u bytes, which libqcow misreads: not supported (convert it "
                           "with qemu-img first)",
                           q->path, q->l2_bits, q->cluster_bits);
    per_l2 = 1ULL << (q->cluster_bits + q->l2_bits);
    uint64_t need = q->size / per_l2 + (q->size % per_l2 != 0);
    uint64_t n_l1 = q->version == 1 ? need : lr_get_be32(h + 36);
    if (n_l1 < need || n_l1 > QCOW_MAX_L1)
        return qcow_bad(q, err, "has an L1 table of %llu entries for %llu bytes",
                        (unsigned long long)n_l1, (unsigned long long)q->size);
    if (l1_at > q->file_size || need * 8 > q->file_size - l1_at) /* before allocating it */
        return qcow_bad(q, err, "has its L1 table (%llu entries at byte %llu) beyond its end",
                        (unsigned long long)need, (unsigned long long)l1_at);
    q->n_l1 = (uint32_t)need;
    q->l1 = calloc(need ? need : 1, sizeof(*q->l1));
    q->l2 = malloc(sizeof(*q->l2) << q->l2_bits);
    if (!q->l1 || !q->l2)
        return lr_error_oom(err);
    if (need && !qcow_pread(q, q->l1, need * 8, l1_at))
        return qcow_bad(q, err, "cannot read its L1 table at byte %llu", (unsigned long long)l1_at);
    for (uint32_t i = 0; i < need; i++)
        q->l1[i] = lr_get_be64((const uint8_t *)&q->l1[i]);
    if (q->version >= 2)
        qcow_read_exts(q,
                       q->version == 3 && lr_get_be32(h + 100) >= 104 ? lr_get_be32(h + 100) : 72);
    return 0;
}

int lr_qcow_open(lr_qcow_t **out, const char *path, const char *image, lr_error_t *err)
{
    *out = NULL;
    lr_qcow_t *q = calloc(1, sizeof(*q));
    if (!q || !(q->path = strdup(path))) {
        free(q);
        return lr_error_oom(err);
    }
    q->image = image;
    pthread_mutex_init(&q->mu, NULL);
    struct stat st;
    q->fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (q->fd < 0 || fstat(q->fd, &st) != 0)
        rc = lr_error_at(err, image, -errno, LR_NO_OFFSET, "cannot read %s: %s", path,
                         strerror(errno));
    q->file_size = rc ? 0 : (uint64_t)st.st_size;
    if (!rc)
        rc = qcow_load(q, err);
    if (rc) {
        lr_qcow_close(q);
        return rc;
    }
    *out = q;
    return 0;
}

const char *lr_qcow_backing_format(const lr_qcow_t *q)
{
    return q->backing_fmt[0] ? q->backing_fmt : NULL;
}

/* The L2 entry of cluster k (locked: the cache); *entry 0 when none. */
static int qcow_l2_entry(lr_qcow_t *q, uint64_t k, uint64_t *entry, lr_error_t *err)
{
    *entry = 0;
    uint64_t i1 = k >> q->l2_bits, i2 = k & ((1ULL << q->l2_bits) - 1);
    if (i1 >= q->n_l1)
        return 0;
    uint64_t at = q->version == 1 ? q->l1[i1] : q->l1[i1] & QCOW_OFFSET_MASK;
    if (!at)
        return 0;
    if (at != q->l2_at) {
        size_t len = sizeof(*q->l2) << q->l2_bits;
        if (!qcow_pread(q, q->l2, len, at)) {
            q->l2_at = 0;
            return lr_error_set(err, LR_EFORMAT, k << q->cluster_bits,
                                "the qcow file %s has its L2 table at byte %llu beyond its end",
                                q->path, (unsigned long long)at);
        }
        for (size_t j = 0; j < (1u << q->l2_bits); j++)
            q->l2[j] = lr_get_be64((const uint8_t *)&q->l2[j]);
        q->l2_at = at;
    }
    *entry = q->l2[i2];
    return 0;
}

int lr_qcow_map(lr_qcow_t *q, uint64_t off, size_t len, int *kind, size_t *run, lr_error_t *err)
{
    uint64_t csize = 1ULL << q->cluster_bits, in = off & (csize - 1);
    *run = csize - in < len ? (size_t)(csize - in) : len;
    uint64_t e = 0;
    pthread_mutex_lock(&q->mu);
    int rc = qcow_l2_entry(q, off >> q->cluster_bits, &e, err);
    pthread_mutex_unlock(&q->mu);
    if (rc)
        return rc;
    if (q->version == 1)
        *kind = e ? LR_QCOW_HELD : LR_QCOW_BACKING;
    else if (e & QCOW_COMPRESSED)
        *kind = LR_QCOW_HELD;
    else if (e & QCOW_ZERO)
        *kind = LR_QCOW_ZEROS;
    else
        *kind = e & QCOW_OFFSET_MASK ? LR_QCOW_HELD : LR_QCOW_BACKING;
    return 0;
}

void lr_qcow_close(lr_qcow_t *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    pthread_mutex_destroy(&q->mu);
    free(q->l1);
    free(q->l2);
    free(q->path);
    free(q);
}
