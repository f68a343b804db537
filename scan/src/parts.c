/* Partition tables: which GPT/MBR partition of an image holds each PV, so
 * the programs can name a PV as "disk.img p2 (sector 43009)".
 *
 * libblkid reads the table; it probes a file descriptor, and an image may be
 * gzip or a container read through lr_io_t, so the image's first and last
 * MiB (the primary GPT or MBR, and the backup GPT) are copied into a sparse
 * memfd of the image's size, the way evidence_probe.c feeds it an LV. An
 * MBR's logical partitions are described by a chain of extended boot
 * records inside its extended partition, which lies past the first MiB as
 * soon as a partition comes before it (a Debian or Ubuntu BIOS install:
 * /boot on p1, the PV on p5): the chain's sectors are copied too (copy_ebrs).
 * A table libblkid cannot read there is not guessed at: those PVs get no
 * partition. */
#include "scan_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef LR_HAVE_BLKID
#include <blkid.h>
#endif

#include "lr/mbr.h"

#define SC_PART_PROBE_BYTES (1u << 20) /* read at each end of the image */

#ifdef LR_HAVE_BLKID

static int cmp_part(const void *pa, const void *pb)
{
    const lr_scan_partition_t *a = pa, *b = pb;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Copies the partitions of ls (extended MBR containers left out: the
 * logical partitions inside them are the ones that hold data) into im. */
static int keep_partitions(lr_scan_image_t *im, blkid_partlist ls)
{
    int n = blkid_partlist_numof_partitions(ls);
    if (n <= 0)
        return 0;
    im->partitions = calloc((size_t)n, sizeof(*im->partitions));
    if (!im->partitions)
        return -ENOMEM;
    for (int i = 0; i < n; i++) {
        blkid_partition p = blkid_partlist_get_partition(ls, i);
        if (!p || blkid_partition_is_extended(p) || blkid_partition_get_start(p) < 0 ||
            blkid_partition_get_size(p) <= 0)
            continue;
        lr_scan_partition_t *o = &im->partitions[im->n_partitions++];
        o->number = blkid_partition_get_partno(p);
        o->start = (uint64_t)blkid_partition_get_start(p);
        o->size = (uint64_t)blkid_partition_get_size(p);
    }
    qsort(im->partitions, im->n_partitions, sizeof(*im->partitions), cmp_part);
    return 0;
}

/* Copies len bytes at off from io into fd at the same offset. */
static bool copy_range(int fd, lr_io_t *io, uint64_t len, uint64_t off, uint8_t *buf)
{
    return len == 0 || (lr_io_pread(io, buf, (size_t)len, off, NULL) == 0 &&
                        pwrite(fd, buf, (size_t)len, (off_t)off) == (ssize_t)len);
}

/* Fills the memfd with the two ends of io (size bytes; the rest is a hole
 * that reads as zeros); false when a read or write fails (the image then
 * has no partitions: never a guess). */
static bool fill_ends(int fd, lr_io_t *io, uint64_t size, uint8_t *buf)
{
    uint64_t head = size < SC_PART_PROBE_BYTES ? size : SC_PART_PROBE_BYTES;
    uint64_t tail = size - head < SC_PART_PROBE_BYTES ? size - head : SC_PART_PROBE_BYTES;
    return ftruncate(fd, (off_t)size) == 0 && copy_range(fd, io, head, 0, buf) &&
           copy_range(fd, io, tail, size - tail, buf);
}

/* Copies into fd the extended boot records of the MBR's extended
 * partitions (lr/mbr.h): libblkid reads its logical partitions from them.
 * A sector that cannot be copied is left a hole (the chain's partitions
 * after it are then not read: never guessed). */
static void copy_ebrs(int fd, lr_io_t *io, uint64_t size)
{
    uint64_t at[LR_MBR_MAX_EBRS];
    uint8_t s[LR_MBR_SECTOR];
    size_t n = lr_mbr_ebr_sectors(io, size, at, LR_MBR_MAX_EBRS);
    for (size_t i = 0; i < n; i++)
        (void)copy_range(fd, io, sizeof(s), at[i] * LR_MBR_SECTOR, s);
}

/* Probes the partition table of one image; only -ENOMEM fails. */
static int probe_image(lr_scan_image_t *im, lr_io_t *io, uint8_t *buf)
{
    uint64_t size = im->size;
    if (!io || size < 2 * 512)
        return 0;
    int fd = memfd_create("lvmrescue-parts", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    int rc = 0;
    blkid_probe pr = NULL;
    if (!fill_ends(fd, io, size, buf))
        goto out;
    copy_ebrs(fd, io, size);
    if (!(pr = blkid_new_probe()) || blkid_probe_set_device(pr, fd, 0, (blkid_loff_t)size) != 0)
        goto out;
    blkid_probe_enable_superblocks(pr, 0);
    blkid_probe_enable_partitions(pr, 1);
    blkid_partlist ls = blkid_probe_get_partitions(pr);
    if (ls)
        rc = keep_partitions(im, ls);
out:
    if (pr)
        blkid_free_probe(pr);
    close(fd);
    return rc;
}

static int probe_all(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    uint8_t *buf = malloc(SC_PART_PROBE_BYTES);
    if (!buf)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < s->n_images && !rc; i++) {
        lr_scan_image_t *im = &s->images[i];
        if (im->opened && !im->error)
            rc = probe_image(im, c->ios[i], buf);
    }
    free(buf);
    if (rc)
        return lr_error_set(c->err, rc, LR_NO_OFFSET, "out of memory");
    return 0;
}

#else

static int probe_all(sc_ctx_t *c)
{
    (void)c; /* no libblkid: no table is read, so no PV gets a partition */
    return 0;
}

#endif

const lr_scan_partition_t *lr_scan_partition_of(const lr_scan_t *scan, int image, uint64_t offset)
{
    if (!scan || image < 0 || (size_t)image >= scan->n_images || offset == LR_SCAN_UNKNOWN)
        return NULL;
    const lr_scan_image_t *im = &scan->images[image];
    uint64_t sector = offset / 512;
    for (size_t i = 0; i < im->n_partitions; i++) {
        const lr_scan_partition_t *p = &im->partitions[i];
        if (sector >= p->start && sector - p->start < p->size)
            return p;
    }
    return NULL;
}

static void place(const lr_scan_t *s, int image, uint64_t offset, int *number, uint64_t *start)
{
    const lr_scan_partition_t *p = lr_scan_partition_of(s, image, offset);
    *number = p ? p->number : 0;
    *start = p ? p->start : 0;
}

int sc_partitions(sc_ctx_t *c)
{
    int rc = probe_all(c);
    if (rc)
        return rc;
    lr_scan_t *s = c->scan;
    for (size_t i = 0; i < s->n_labels; i++) {
        lr_scan_label_t *l = &s->labels[i];
        place(s, l->image, l->pv_start, &l->partition, &l->partition_start);
    }
    for (size_t g = 0; g < s->n_vgs; g++) {
        lr_scan_vg_t *vg = &s->vgs[g];
        for (size_t i = 0; i < vg->n_pvs; i++) {
            lr_scan_vg_pv_t *pv = &vg->pvs[i];
            place(s, pv->image, pv->pv_start, &pv->partition, &pv->partition_start);
        }
    }
    return 0;
}
