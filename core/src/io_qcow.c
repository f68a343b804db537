/* Which file of a qcow chain holds each cluster: our own walk of a qcow
 * file's header, L1 and L2 tables. libqcow still opens and checks every
 * qcow file and reads the plain clusters a file holds (io_yal.c); the
 * decision "this file, zeros, or the backing file" is ours, because
 * libqcow 20201213 (Debian 12) makes it wrongly in a chain
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
 * reading (block/qcow2-cluster.c, block/qcow.c). Compressed clusters
 * (version 2/3) are decoded here (lr_qcow_read): libqcow does not check
 * that a cluster's data fills it, and gave other bytes, no error, for a
 * zlib cluster with one byte of its deflate data flipped, where qemu fails
 * the read (qcow2_zlib_decompress).
 *
 * Layout (qemu's docs/interop/qcow2.txt; qcow version 1: block/qcow.c),
 * big-endian, every offset and size bounds-checked against the file:
 * version 2/3: cluster_bits at 20, L1 size at 36, L1 offset at 40; an L1
 * entry's bits 9-55 are its L2 table's offset (0: none); an L2 entry with
 * bit 62 set is a compressed cluster, else bit 0 set reads as zeros,
 * else bits 9-55 are the cluster's offset (0: not held). Version 1:
 * cluster_bits and l2_bits at 32 and 33, L1 offset at 40, the L1 size
 * follows from the media size; an entry is its table's or cluster's offset
 * (bit 63: compressed), 0 when not held. Header extensions (version 2/3,
 * after the header) give the backing file's format (0xe2792aca) and the
 * external data file's name (0x44415441).
 *
 * What libqcow refuses to open, we read ourselves: a version 3 file whose
 * incompatible features are only an external data file (bit 2: cluster
 * offsets are into that file), zstd clusters (bit 3, the compression type
 * at byte 104) or extended L2 entries (bit 4: 16-byte entries, the second
 * word a bitmap of 32 subclusters, bits 0-31 allocated, 32-63 reading as
 * zeros, which wins), with or without the dirty bit. A compressed cluster
 * (x = 62 - (cluster_bits - 8): bits 0 to x-1 its offset, x to 61 the
 * 512-byte sectors it takes beyond the first) is inflated (zlib: raw
 * deflate) or decoded (zstd: one or more frames) until the cluster is
 * full, trailing bytes ignored, as qemu does (block/qcow2-threads.c). The
 * marked-corrupt bit and unknown bits are left to libqcow's refusal. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#ifdef LR_HAVE_ZSTD
#include <zstd.h>
#endif

#include "io_int.h"
#include "le.h"

#define QCOW_MAX_L1 (1u << 25) /* L1 entries at most (qemu: 32 MiB of them) */
#define QCOW_OFFSET_MASK 0x00fffffffffffe00ULL
#define QCOW_COMPRESSED (1ULL << 62) /* version 2/3 L2 entry */
#define QCOW_ZERO 1ULL               /* version 2/3 L2 entry: reads as zeros */
#define QCOW_EXT_BACKING_FMT 0xe2792acaU
#define QCOW_EXT_DATA_FILE 0x44415441U
/* version 3 incompatible features (header byte 72) */
#define QCOW_F_DIRTY (1ULL << 0)
#define QCOW_F_DATA_FILE (1ULL << 2)
#define QCOW_F_ZSTD (1ULL << 3)
#define QCOW_F_EXTENDED (1ULL << 4)
#define QCOW_F_OURS (QCOW_F_DATA_FILE | QCOW_F_ZSTD | QCOW_F_EXTENDED)
#define QCOW_SUBCLUSTERS 32 /* a cluster's, with extended L2 entries */

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
    pthread_mutex_t mu; /* the caches: a handle may be read from two threads */
    char backing_fmt[32];
    uint64_t features; /* version 3 incompatible features */
    uint32_t crypt;    /* encryption method (0: none) */
    bool extended;     /* 16-byte L2 entries with a subcluster bitmap */
    char *data_name;   /* the external data file as recorded (NULL: none) */
    int data_fd;       /* it opened (lr_qcow_set_data_file), -1 before */
    char *data_path;
    uint64_t data_size;
    uint8_t *zin;     /* a compressed cluster's bytes (2 clusters at most) */
    uint8_t *zout;    /* the last one decoded, a cluster */
    uint64_t z_entry; /* its L2 entry (0: none decoded) */
    char *snap_note;  /* the internal snapshots it holds, named (NULL: none) */
    uint32_t n_snaps; /* how many (version 2/3), their table at snaps_at */
    uint64_t snaps_at;
    bool snapshot; /* one of them is read in place of the current state */
#ifdef LR_HAVE_ZSTD
    ZSTD_DCtx *zstd;
#endif
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
        if (type == QCOW_EXT_DATA_FILE && len > 0 && len < 4096 && !q->data_name &&
            (q->data_name = calloc(1, len + 1)) && !qcow_pread(q, q->data_name, len, off + 8)) {
            free(q->data_name);
            q->data_name = NULL;
        }
        off += 8 + (((uint64_t)len + 7) & ~7ULL);
    }
}

/* A snapshot's name, made printable (bytes outside ASCII 32-126 and
 * quotes become '?'), cut at 64 bytes. */
static void qcow_snap_name(char *out, const uint8_t *name, size_t len)
{
    size_t n = len < 64 ? len : 64;
    for (size_t i = 0; i < n; i++)
        out[i] = name[i] >= 32 && name[i] < 127 && name[i] != '"' ? (char)name[i] : '?';
    out[n] = '\0';
}

#define QCOW_SNAP_TEXT 256 /* bytes of a snapshot's id and name kept (longer: cut) */

/* One entry of the snapshot table (version 2/3; qemu's QCowSnapshotHeader):
 * 40 bytes (L1 offset, L1 size, id and name lengths at 12 and 14, date at
 * 16), extra data (its length at 36: the disk size at 8 when 16 bytes or
 * more), the id, the name, padded to 8 bytes. */
typedef struct qcow_snap {
    uint64_t l1_at;
    uint32_t l1_size;
    uint64_t disk_size; /* 0: not recorded (the current size is qemu's) */
    uint32_t date;
    uint8_t id[QCOW_SNAP_TEXT], name[QCOW_SNAP_TEXT];
    uint32_t id_len, name_len; /* as recorded (may exceed what is kept) */
    char shown[200];           /* `ID "NAME" (DATE)`, printable */
} qcow_snap_t;

/* Decodes the entry at *at into s and moves *at past it; false when it
 * does not lie within the file. */
static bool qcow_snap_next(const lr_qcow_t *q, uint64_t *at, qcow_snap_t *s)
{
    uint8_t e[40], extra[16] = {0};
    if (!qcow_pread(q, e, sizeof(e), *at))
        return false;
    uint32_t n_extra = lr_get_be32(e + 36);
    s->l1_at = lr_get_be64(e);
    s->l1_size = lr_get_be32(e + 8);
    s->id_len = (uint32_t)e[12] << 8 | e[13];
    s->name_len = (uint32_t)e[14] << 8 | e[15];
    s->date = lr_get_be32(e + 16);
    size_t a_len = s->id_len < QCOW_SNAP_TEXT ? s->id_len : QCOW_SNAP_TEXT;
    size_t b_len = s->name_len < QCOW_SNAP_TEXT ? s->name_len : QCOW_SNAP_TEXT;
    uint64_t text = *at + 40 + n_extra;
    if (n_extra > 65536 || !qcow_pread(q, s->id, a_len, text) ||
        !qcow_pread(q, s->name, b_len, text + s->id_len))
        return false;
    if (n_extra >= 16 && !qcow_pread(q, extra, 16, *at + 40))
        return false;
    s->disk_size = n_extra >= 16 ? lr_get_be64(extra + 8) : 0;
    char id[65], name[65], when[32] = "?";
    qcow_snap_name(id, s->id, a_len);
    qcow_snap_name(name, s->name, b_len);
    time_t t = (time_t)s->date;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(s->shown, sizeof(s->shown), "%s \"%s\" (%s)", id, name, when);
    *at += (40 + (uint64_t)n_extra + s->id_len + s->name_len + 7) & ~7ULL;
    return true;
}

/* The internal snapshots (qemu-img snapshot -c, libvirt's snapshots of a
 * running guest: older states of the disk, each its own L1 table) named
 * in a note: only the current state is read, and the user must know the
 * older ones are there. Their count is at byte 60, their table at 64. A
 * table that does not decode still gives the count. */
static void qcow_read_snapshots(lr_qcow_t *q, const uint8_t *h)
{
    uint32_t n = lr_get_be32(h + 60);
    uint64_t at = lr_get_be64(h + 64);
    if (q->version < 2 || n == 0)
        return;
    q->n_snaps = n;
    q->snaps_at = at;
    char text[2048];
    int len = snprintf(text, sizeof(text),
                       "the qcow2 file %s holds %u internal snapshot%s, older states of the disk "
                       "that are not read here (only its current state is):",
                       q->path, n, n == 1 ? "" : "s");
    uint32_t shown = 0;
    qcow_snap_t s;
    for (uint32_t i = 0; i < n && i < 8 && len > 0 && (size_t)len < sizeof(text); i++) {
        if (!qcow_snap_next(q, &at, &s))
            break;
        len += snprintf(text + len, sizeof(text) - (size_t)len, "%s %s", i ? "," : "", s.shown);
        shown++;
    }
    if (len > 0 && (size_t)len < sizeof(text) && shown < n)
        snprintf(text + len, sizeof(text) - (size_t)len, "%s %u more", shown ? " and" : "",
                 n - shown);
    q->snap_note = strdup(text);
}

/* 1 when the snapshot s is the one want names: its id, else its name
 * (qemu-img's snapshot.id and snapshot.name; byid picks which). */
static bool qcow_snap_is(const qcow_snap_t *s, const char *want, bool byid)
{
    size_t n = strlen(want);
    uint32_t len = byid ? s->id_len : s->name_len;
    return n == len && n <= QCOW_SNAP_TEXT && memcmp(byid ? s->id : s->name, want, n) == 0;
}

/* An L1 table of need entries, the first have of them read from byte at
 * (host order; the rest unallocated) into *out (malloc'd, the caller's).
 * 0, -ENOMEM, or -EIO when the read fails. */
static int qcow_l1_read(const lr_qcow_t *q, uint64_t at, uint64_t have, uint64_t need,
                        uint64_t **out)
{
    uint64_t *l1 = calloc(need ? need : 1, sizeof(*l1));
    if (!l1)
        return -ENOMEM;
    if (have && !qcow_pread(q, l1, have * 8, at)) {
        free(l1);
        return -EIO;
    }
    for (uint64_t i = 0; i < have; i++)
        l1[i] = lr_get_be64((const uint8_t *)&l1[i]);
    *out = l1;
    return 0;
}

/* Reads the L1 table of the snapshot s in place of the current one: its
 * entries for size bytes (fewer recorded read as unallocated, as qemu
 * reads them). */
static int qcow_snap_l1(lr_qcow_t *q, const qcow_snap_t *s, uint64_t size, lr_error_t *err)
{
    uint64_t per_l2 = 1ULL << (q->cluster_bits + q->l2_bits);
    uint64_t need = size / per_l2 + (size % per_l2 != 0);
    uint64_t have = s->l1_size < need ? s->l1_size : need;
    if (need > QCOW_MAX_L1 || (s->l1_at & ((1ULL << q->cluster_bits) - 1)) ||
        s->l1_at > q->file_size || have * 8 > q->file_size - s->l1_at)
        return qcow_bad(q, err,
                        "has its snapshot %s's L1 table (%u entries at byte %llu for %llu bytes) "
                        "beyond its end or misplaced",
                        s->shown, s->l1_size, (unsigned long long)s->l1_at,
                        (unsigned long long)size);
    uint64_t *l1 = NULL;
    int rc = qcow_l1_read(q, s->l1_at, have, need, &l1);
    if (rc == -ENOMEM)
        return lr_error_oom(err);
    if (rc)
        return qcow_bad(q, err, "cannot read its snapshot %s's L1 table at byte %llu", s->shown,
                        (unsigned long long)s->l1_at);
    free(q->l1);
    q->l1 = l1;
    q->n_l1 = (uint32_t)need;
    q->size = size;
    q->l2_at = 0; /* the cache was the current state's */
    q->z_entry = 0;
    return 0;
}

int lr_qcow_use_snapshot(lr_qcow_t *q, const char *want, lr_error_t *err)
{
    qcow_snap_t s;
    for (int byid = 1; byid >= 0; byid--) {
        uint64_t at = q->snaps_at;
        for (uint32_t i = 0; i < q->n_snaps; i++) {
            if (!qcow_snap_next(q, &at, &s))
                return qcow_bad(q, err, "has a snapshot table (at byte %llu) that does not decode",
                                (unsigned long long)q->snaps_at);
            if (!qcow_snap_is(&s, want, byid))
                continue;
            int rc = qcow_snap_l1(q, &s, s.disk_size ? s.disk_size : q->size, err);
            if (rc)
                return rc;
            char text[512];
            snprintf(text, sizeof(text),
                     "reading the internal snapshot %s of the qcow2 file %s in place of its "
                     "current state",
                     s.shown, q->path);
            free(q->snap_note);
            q->snap_note = strdup(text);
            q->snapshot = true;
            return 0;
        }
    }
    char list[1024] = "";
    size_t len = 0;
    uint64_t at = q->snaps_at;
    for (uint32_t i = 0; i < q->n_snaps && i < 8 && len < sizeof(list); i++) {
        if (!qcow_snap_next(q, &at, &s))
            break;
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", s.shown);
    }
    if (q->n_snaps > 8 && len < sizeof(list))
        snprintf(list + len, sizeof(list) - len, " and %u more", q->n_snaps - 8);
    return lr_error_at(
        err, q->image, LR_EREFUSED, LR_NO_OFFSET,
        "the qcow2 file %s has no internal snapshot with the id or name \"%s\" (%s%s)", q->path,
        want, q->n_snaps ? "it has: " : "it has none", list);
}

bool lr_qcow_snapshot(const lr_qcow_t *q)
{
    return q->snapshot;
}

uint32_t lr_qcow_snapshots(const lr_qcow_t *q)
{
    return q->n_snaps;
}

const char *lr_qcow_note(const lr_qcow_t *q)
{
    return q->snap_note;
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
        q->crypt = lr_get_be32(h + 32);
        q->features = q->version == 3 ? lr_get_be64(h + 72) : 0;
        /* extended L2 entries are twice as large: half as many a table */
        q->extended = (q->features & QCOW_F_EXTENDED) != 0;
        q->l2_bits = q->cluster_bits - (q->extended ? 4 : 3);
        /* qemu: subclusters of at least 512 bytes */
        if (q->extended && q->cluster_bits < 14)
            return qcow_bad(q, err,
                            "has extended L2 entries in clusters of 2^%u bytes (2^14 "
                            "at least)",
                            q->cluster_bits);
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
    q->l2 = malloc(sizeof(*q->l2) << q->l2_bits << q->extended);
    int rc = q->l2 ? qcow_l1_read(q, l1_at, need, need, &q->l1) : -ENOMEM;
    if (rc == -ENOMEM)
        return lr_error_oom(err);
    if (rc)
        return qcow_bad(q, err, "cannot read its L1 table at byte %llu", (unsigned long long)l1_at);
    uint32_t hdr_len = q->version == 3 ? lr_get_be32(h + 100) : 72;
    if (q->version >= 2)
        qcow_read_exts(q, hdr_len >= 104 ? hdr_len : 72);
    /* the compression type (byte 104, in headers of 105 bytes or more)
     * must be zstd when bit 3 says it is not zlib */
    if ((q->features & QCOW_F_ZSTD) && (hdr_len < 105 || h[104] != 1))
        q->features |= 1ULL << 63; /* unknown: left to libqcow's refusal */
    if ((q->features & QCOW_F_DATA_FILE) && !q->data_name)
        return qcow_bad(q, err,
                        "keeps its data in an external data file but records no name "
                        "for it");
    qcow_read_snapshots(q, h);
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
    q->data_fd = -1;
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

/* The L2 entry of cluster k and, with extended L2 entries, its subcluster
 * bitmap (locked: the cache); *entry 0 when none. */
static int qcow_l2_entry(lr_qcow_t *q, uint64_t k, uint64_t *entry, uint64_t *bitmap,
                         lr_error_t *err)
{
    *entry = *bitmap = 0;
    uint64_t i1 = k >> q->l2_bits, i2 = k & ((1ULL << q->l2_bits) - 1);
    if (i1 >= q->n_l1)
        return 0;
    uint64_t at = q->version == 1 ? q->l1[i1] : q->l1[i1] & QCOW_OFFSET_MASK;
    if (!at)
        return 0;
    if (at != q->l2_at) {
        size_t words = (size_t)1 << q->l2_bits << q->extended;
        if (!qcow_pread(q, q->l2, words * sizeof(*q->l2), at)) {
            q->l2_at = 0;
            return lr_error_set(err, LR_EFORMAT, k << q->cluster_bits,
                                "the qcow file %s has its L2 table at byte %llu beyond its end",
                                q->path, (unsigned long long)at);
        }
        for (size_t j = 0; j < words; j++)
            q->l2[j] = lr_get_be64((const uint8_t *)&q->l2[j]);
        q->l2_at = at;
    }
    *entry = q->l2[i2 << q->extended];
    if (q->extended)
        *bitmap = q->l2[(i2 << 1) + 1];
    return 0;
}

/* A standard cluster's L2 entry gives it a place: an offset, or with an
 * external data file offset 0 when bit 63 ("copied") is set, since 0 is a
 * place there (qemu's qcow2_get_cluster_type). */
static bool qcow_placed(const lr_qcow_t *q, uint64_t e)
{
    return (e & QCOW_OFFSET_MASK) || ((q->features & QCOW_F_DATA_FILE) && (e >> 63));
}

/* What subcluster i of a standard cluster with extended L2 entries is
 * (qemu's qcow2_get_subcluster_type): reading as zeros wins, then
 * allocated (which needs the cluster's offset), else the backing file's. */
static int qcow_sub_kind(const lr_qcow_t *q, uint64_t e, uint64_t bitmap, unsigned i, uint64_t k,
                         int *kind, lr_error_t *err)
{
    if (bitmap >> 32 & (1ULL << i))
        *kind = LR_QCOW_ZEROS;
    else if (!(bitmap & (1ULL << i)))
        *kind = LR_QCOW_BACKING;
    else if (qcow_placed(q, e))
        *kind = LR_QCOW_HELD;
    else
        return lr_error_set(err, LR_EFORMAT, k << q->cluster_bits,
                            "the qcow file %s marks subcluster %u of cluster %llu allocated but "
                            "gives the cluster no offset",
                            q->path, i, (unsigned long long)k);
    return 0;
}

/* The run of subclusters from off's on that are of the same kind, within
 * len (extended L2 entries, a standard cluster). */
static int qcow_sub_run(const lr_qcow_t *q, uint64_t e, uint64_t bitmap, uint64_t off, size_t len,
                        int *kind, size_t *run, lr_error_t *err)
{
    unsigned sb = q->cluster_bits - 5; /* 32 subclusters a cluster */
    uint64_t k = off >> q->cluster_bits, in = off & ((1ULL << q->cluster_bits) - 1);
    unsigned i = (unsigned)(in >> sb);
    int rc = qcow_sub_kind(q, e, bitmap, i, k, kind, err);
    uint64_t end = (uint64_t)(i + 1) << sb;
    for (unsigned j = i + 1; !rc && j < QCOW_SUBCLUSTERS && end - in < len; j++) {
        int next = 0;
        rc = qcow_sub_kind(q, e, bitmap, j, k, &next, err);
        if (rc || next != *kind)
            break;
        end += 1ULL << sb;
    }
    if (rc)
        return rc;
    *run = end - in < len ? (size_t)(end - in) : len;
    return 0;
}

int lr_qcow_map(lr_qcow_t *q, uint64_t off, size_t len, int *kind, size_t *run, lr_error_t *err)
{
    uint64_t csize = 1ULL << q->cluster_bits, in = off & (csize - 1);
    *run = csize - in < len ? (size_t)(csize - in) : len;
    uint64_t e = 0, bitmap = 0;
    pthread_mutex_lock(&q->mu);
    int rc = qcow_l2_entry(q, off >> q->cluster_bits, &e, &bitmap, err);
    pthread_mutex_unlock(&q->mu);
    if (rc)
        return rc;
    if (q->version == 1)
        *kind = e ? LR_QCOW_HELD : LR_QCOW_BACKING;
    else if (e & QCOW_COMPRESSED)
        *kind = LR_QCOW_PACKED;
    else if (q->extended) /* bit 0 is reserved: the bitmap says */
        return qcow_sub_run(q, e, bitmap, off, *run, kind, run, err);
    else if (e & QCOW_ZERO)
        *kind = LR_QCOW_ZEROS;
    else
        *kind = qcow_placed(q, e) ? LR_QCOW_HELD : LR_QCOW_BACKING;
    return 0;
}

bool lr_qcow_held_within(lr_qcow_t *q, uint64_t off, size_t len)
{
    uint64_t in = off & ((1ULL << q->cluster_bits) - 1), e = 0, bitmap = 0;
    pthread_mutex_lock(&q->mu);
    int rc = qcow_l2_entry(q, off >> q->cluster_bits, &e, &bitmap, NULL);
    pthread_mutex_unlock(&q->mu);
    /* version 1: the offset is all but bit 63 (compressed) */
    uint64_t at = (q->version == 1 ? e & ~(1ULL << 63) : e & QCOW_OFFSET_MASK) + in;
    return rc == 0 && at <= q->file_size && len <= q->file_size - at;
}

bool lr_qcow_reads_itself(const lr_qcow_t *q)
{
    return q->version == 3 && (q->features & QCOW_F_OURS) &&
           !(q->features & ~(QCOW_F_OURS | QCOW_F_DIRTY));
}

void lr_qcow_features_text(const lr_qcow_t *q, char *why, size_t cap)
{
    static const char *const names[] = {
        NULL,
        "it is marked corrupt (qemu found its metadata inconsistent; qemu-img check -r all "
        "repairs a copy)",
        "its data is in an external data file (data_file=)",
        "its clusters are compressed with zstd (compression_type=zstd)",
        "it has extended L2 entries with subclusters (extended_l2=on)",
    };
    size_t n = 0, known = sizeof(names) / sizeof(names[0]);
    why[0] = '\0';
    for (size_t i = 1; i < known && n < cap; i++)
        if (q->features & (1ULL << i))
            n += (size_t)snprintf(why + n, cap - n, "%s%s", n ? "; " : "", names[i]);
    if (q->features >> known && n < cap)
        snprintf(why + n, cap - n, "%sunknown incompatible features 0x%llx", n ? "; " : "",
                 (unsigned long long)(q->features >> known << known));
}

bool lr_qcow_encrypted(const lr_qcow_t *q)
{
    return q->crypt != 0;
}

bool lr_qcow_zstd(const lr_qcow_t *q)
{
    return (q->features & QCOW_F_ZSTD) != 0;
}

uint64_t lr_qcow_size(const lr_qcow_t *q)
{
    return q->size;
}

uint64_t lr_qcow_cluster_size(const lr_qcow_t *q)
{
    return 1ULL << q->cluster_bits;
}

const char *lr_qcow_data_name(const lr_qcow_t *q)
{
    return q->features & QCOW_F_DATA_FILE ? q->data_name : NULL;
}

int lr_qcow_backing_name(const lr_qcow_t *q, char **name, lr_error_t *err)
{
    *name = NULL;
    uint8_t h[20];
    if (!qcow_pread(q, h, sizeof(h), 0))
        return qcow_bad(q, err, "is too short for its header");
    uint64_t at = lr_get_be64(h + 8);
    uint32_t len = lr_get_be32(h + 16);
    if (!at || !len)
        return 0;
    /* qemu's bound: 1023 bytes */
    if (len > 1023 || !(*name = calloc(1, (size_t)len + 1)))
        return len > 1023 ? qcow_bad(q, err, "names a backing file of %u bytes", len)
                          : lr_error_oom(err);
    if (!qcow_pread(q, *name, len, at)) {
        free(*name);
        *name = NULL;
        return qcow_bad(q, err, "has its backing file's name at byte %llu beyond its end",
                        (unsigned long long)at);
    }
    return 0;
}

int lr_qcow_set_data_file(lr_qcow_t *q, const char *path, lr_error_t *err)
{
    struct stat st;
    q->data_path = strdup(path);
    if (!q->data_path)
        return lr_error_oom(err);
    q->data_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (q->data_fd < 0 || fstat(q->data_fd, &st) != 0)
        return lr_error_at(err, q->image, -errno, LR_NO_OFFSET, "cannot read the data file %s: %s",
                           path, strerror(errno));
    q->data_size = (uint64_t)st.st_size;
    return 0;
}

/* Inflates the raw deflate data of a zlib cluster until the cluster is
 * full (the data's length is known to a sector only, so what follows it
 * is left: qemu's qcow2_zlib_decompress). */
static bool qcow_inflate(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, -15) != Z_OK) /* -15 reads qemu's -12 and any smaller window */
        return false;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)in_len;
    z.next_out = out;
    z.avail_out = (uInt)out_len;
    int zr = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    return (zr == Z_STREAM_END || zr == Z_BUF_ERROR) && z.avail_out == 0;
}

#ifdef LR_HAVE_ZSTD
/* Decodes the zstd frames of a cluster until it is full; a frame must end
 * there (qemu's qcow2_zstd_decompress). */
static bool qcow_unzstd(lr_qcow_t *q, uint8_t *out, size_t out_len, const uint8_t *in,
                        size_t in_len)
{
    if (!q->zstd && !(q->zstd = ZSTD_createDCtx()))
        return false;
    ZSTD_DCtx_reset(q->zstd, ZSTD_reset_session_only);
    /* qemu compresses a cluster (2 MiB at most) in one call, so its window
     * is no larger; a frame asking for more than 8 MiB is not qemu's and
     * must not make libzstd allocate up to its default 128 MiB */
    ZSTD_DCtx_setParameter(q->zstd, ZSTD_d_windowLogMax, 23);
    ZSTD_outBuffer ob = {out, out_len, 0};
    ZSTD_inBuffer ib = {in, in_len, 0};
    size_t zr = 1;
    while (ob.pos < ob.size) {
        size_t in_was = ib.pos, out_was = ob.pos;
        zr = ZSTD_decompressStream(q->zstd, &ob, &ib);
        if (ZSTD_isError(zr) || (ib.pos <= in_was && ob.pos <= out_was))
            return false;
    }
    return zr == 0;
}
#endif

/* Decodes the compressed cluster k whose L2 entry is e into q->zout (kept:
 * the next read of the cluster takes it from there). */
static int qcow_decode(lr_qcow_t *q, uint64_t e, uint64_t k, lr_error_t *err)
{
    if (q->z_entry == e)
        return 0;
    size_t csize = (size_t)1 << q->cluster_bits;
    unsigned x = 62 - (q->cluster_bits - 8);
    uint64_t at = e & ((1ULL << x) - 1);
    uint64_t sectors = ((e >> x) & ((1ULL << (q->cluster_bits - 8)) - 1)) + 1;
    uint64_t len = sectors * 512 - (at & 511);
    if (q->features & QCOW_F_DATA_FILE)
        return qcow_bad(q, err,
                        "has a compressed cluster (%llu) but its data in a data file, "
                        "which qcow2 does not allow",
                        (unsigned long long)k);
    if (at >= q->file_size)
        return qcow_bad(q, err, "has compressed cluster %llu at byte %llu, beyond its end",
                        (unsigned long long)k, (unsigned long long)at);
    if (len > q->file_size - at) /* the last cluster's sectors may end past the file */
        len = q->file_size - at;
    if (!q->zin && !(q->zin = malloc(2 * csize)))
        return lr_error_oom(err);
    if (!q->zout && !(q->zout = malloc(csize)))
        return lr_error_oom(err);
    q->z_entry = 0;
    if (!qcow_pread(q, q->zin, (size_t)len, at))
        return lr_error_set(err, -EIO, k << q->cluster_bits,
                            "the qcow file %s: read of compressed cluster %llu failed", q->path,
                            (unsigned long long)k);
    bool ok = false;
#ifdef LR_HAVE_ZSTD
    if (q->features & QCOW_F_ZSTD)
        ok = qcow_unzstd(q, q->zout, csize, q->zin, (size_t)len);
    else
#endif
        ok = !(q->features & QCOW_F_ZSTD) && qcow_inflate(q->zout, csize, q->zin, (size_t)len);
    if (!ok)
        return lr_error_set(err, LR_EFORMAT, k << q->cluster_bits,
                            "the qcow file %s: compressed cluster %llu (at byte %llu) does not "
                            "decompress as %s data (damaged, or not written as qemu writes it)",
                            q->path, (unsigned long long)k, (unsigned long long)at,
                            q->features & QCOW_F_ZSTD ? "zstd" : "deflate");
    q->z_entry = e;
    return 0;
}

/* len bytes of a standard cluster's at host offset at: in the data file
 * when there is one, else in the qcow file. Bytes past the file's end fail
 * with -ENODATA at the first of them (off is the first byte's disk offset):
 * qemu allocates and writes whole clusters, so a file that ends inside
 * one it maps was cut short, and what it lost is not known. qemu's file
 * driver would read zeros there; zeros given as the disk's bytes would be
 * a guess shown as fact (an extracted LV, a probe's verdict).
 * Called with q->mu held. */
static int qcow_read_data(lr_qcow_t *q, uint8_t *p, size_t len, uint64_t at, uint64_t off,
                          lr_error_t *err)
{
    bool ext = q->features & QCOW_F_DATA_FILE;
    int fd = ext ? q->data_fd : q->fd;
    uint64_t size = ext ? q->data_size : q->file_size;
    size_t got = 0, want = at >= size ? 0 : size - at < len ? (size_t)(size - at) : len;
    int rc = want ? lr_io_fd_pread(fd, p, want, at, &got) : 0;
    if (rc || got != want)
        return lr_error_set(err, rc ? rc : -EIO, off, "read of %s failed: %s",
                            ext ? q->data_path : q->path, strerror(rc ? -rc : EIO));
    if (want == len)
        return 0;
    return lr_error_set(err, -ENODATA, off + want,
                        "the qcow file %s ends (at byte %llu) before the end of the data its "
                        "map places at bytes %llu-%llu: it was cut short",
                        ext ? q->data_path : q->path, (unsigned long long)size,
                        (unsigned long long)at, (unsigned long long)(at + len - 1));
}

int lr_qcow_read(lr_qcow_t *q, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    uint64_t csize = 1ULL << q->cluster_bits, in = off & (csize - 1), k = off >> q->cluster_bits;
    uint64_t e = 0, bitmap = 0;
    if (in + len > csize) /* the caller's run is within one cluster */
        return lr_error_set(err, -EINVAL, off, "a qcow read across a cluster's end");
    pthread_mutex_lock(&q->mu);
    int rc = qcow_l2_entry(q, k, &e, &bitmap, err);
    if (!rc && (e & QCOW_COMPRESSED)) {
        rc = qcow_decode(q, e, k, err);
        if (!rc)
            memcpy(buf, q->zout + in, len);
    } else if (!rc) {
        rc = qcow_read_data(q, buf, len, (e & QCOW_OFFSET_MASK) + in, off, err);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void lr_qcow_close(lr_qcow_t *q)
{
    if (!q)
        return;
    if (q->fd >= 0)
        close(q->fd);
    if (q->data_fd >= 0)
        close(q->data_fd);
    pthread_mutex_destroy(&q->mu);
#ifdef LR_HAVE_ZSTD
    ZSTD_freeDCtx(q->zstd);
#endif
    free(q->l1);
    free(q->l2);
    free(q->zin);
    free(q->zout);
    free(q->data_name);
    free(q->data_path);
    free(q->snap_note);
    free(q->path);
    free(q);
}
