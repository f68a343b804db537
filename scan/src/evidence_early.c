/* The probe of the stream: the evidence's LV heads and tails probed while
 * a single-piece compressed image streams, from the stream's own buffers.
 *
 * Why: after the stream, the evidence reads the first MiB and the last
 * 512 KiB of every LV of every version (evidence_probe.c). On a
 * single-block .xz or a single-frame .zst a read behind the decoder decodes
 * the image again from its start, so the scan kept those bytes aside as
 * they went by (lr_io_keep, keep.c), in at most LR_IO_KEEP_MAX bytes held:
 * a VG with more than about eight LVs whose heads or tails are random
 * bytes (encrypted or compressed data) overflowed that, and the image was
 * decoded a second time. Here each layout is probed as soon as the stream
 * has brought all of its bytes, and only the probe's result is kept.
 *
 * Each layout taken gets an in-memory file of the LV's size (sparse, as
 * the evidence's): the stream's bytes for it are written there directly,
 * pieces of zeros left out, and libblkid probes it once complete. The data
 * held at once is what the layouts the stream is in the middle of hold, at
 * most EE_MAX_PAGES pages (past that, the layout that grew is dropped).
 *
 * What is probed is what the evidence would probe: the same layout (the
 * key of ev_layout_key: the LV's size and the image runs of its head and
 * tail), the same bytes (those the stream read at those offsets), the same
 * probe (ev_blkid_content, ev_fill_fs_size). A layout is taken only while
 * all of its bytes are still ahead of the stream; one that cannot be
 * completed (the stream skipped bytes of it, its image ended first, no
 * memory, too much data held, a probe that could not run) is dropped, what
 * is still ahead of it kept (lr_io_keep), and the evidence reads it as it
 * did before. Every layout with bytes on an image whose stream met damage
 * is dropped too: bytes the decoder made before the damage showed are not
 * certain, and the evidence's own reads say what holds there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "evidence_int.h"
#include "lr/fssize.h"
#include "scan_int.h"

#define EE_MAX_LAYOUTS 16384u /* layouts taken at most */
#define EE_MAX_PAGES 1024u    /* data pages in the files of open layouts (4 MiB) */
#define EE_PAGE 4096u         /* a piece left out when all zeros */
#define EE_FDS 4              /* in-memory files kept for the next layouts */

enum { EE_PENDING, EE_DONE, EE_DROPPED };

typedef struct ee_lay {
    uint64_t size, hlen, tlen;
    lr_lvmap_run_t *runs; /* nh head runs, then nt tail runs */
    size_t nh, nt;
    uint64_t left; /* bytes not in yet */
    size_t pages;  /* pieces of data written to its file (counted in e->pages) */
    int fd;        /* its in-memory file, -1 until its first byte */
    int st;
    lr_ev_content_t content; /* EE_DONE */
} ee_lay_t;

/* A run of a pending layout: len bytes at off of image, for its file at
 * foff; got of them are in. */
typedef struct ee_run {
    int image;
    uint64_t off, len, foff, got;
    size_t lay;
} ee_run_t;

struct ev_early {
    lr_io_t *const *ios;
    size_t n_images;
    bool *allowed;
    ee_lay_t *lay;
    size_t n_lay, cap_lay;
    ev_cache_ent_t *keys; /* key -> index into lay */
    size_t cap_keys;
    ee_run_t *wait; /* runs the stream has not reached; sorted unless dirty */
    size_t n_wait, cap_wait;
    bool dirty;
    ee_run_t *act; /* runs the stream is in */
    size_t n_act, cap_act;
    int image;    /* runs on images before it are behind the stream */
    uint64_t pos; /* and on it, runs before pos */
    size_t pages; /* data pieces in the files of open layouts */
    int fds[EE_FDS];
    size_t n_fds;
    uint8_t *head; /* a layout's first LR_FS_SIZE_NEED bytes, read back */
};

ev_early_t *ev_early_new(lr_io_t *const *ios, size_t n)
{
#ifndef LR_HAVE_BLKID
    (void)ios;
    (void)n;
    return NULL; /* nothing to probe with: the ranges are kept instead */
#else
    ev_early_t *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->allowed = calloc(n ? n : 1, sizeof(*e->allowed));
    if (!e->allowed) {
        free(e);
        return NULL;
    }
    e->ios = ios;
    e->n_images = n;
    return e;
#endif
}

void ev_early_free(ev_early_t *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_lay; i++) {
        free(e->lay[i].runs);
        if (e->lay[i].fd >= 0)
            close(e->lay[i].fd);
        ev_free_content(&e->lay[i].content);
    }
    for (size_t i = 0; i < e->cap_keys; i++)
        free(e->keys[i].key);
    for (size_t i = 0; i < e->n_fds; i++)
        close(e->fds[i]);
    free(e->keys);
    free(e->lay);
    free(e->wait);
    free(e->act);
    free(e->allowed);
    free(e->head);
    free(e);
}

void ev_early_allow(ev_early_t *e, int image)
{
    if (e && image >= 0 && (size_t)image < e->n_images)
        e->allowed[image] = true;
}

bool ev_early_allowed(const ev_early_t *e, int image)
{
    return e && image >= 0 && (size_t)image < e->n_images && e->allowed[image];
}

/* Whether every run of r with bytes is on an allowed image and wholly
 * ahead of the stream (images stream in order). */
static bool ee_ahead(const ev_early_t *e, const lr_lvmap_run_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].len == 0)
            continue;
        if (!ev_early_allowed(e, r[i].image) || r[i].image < e->image)
            return false;
        if (r[i].image == e->image && r[i].off < e->pos)
            return false;
    }
    return true;
}

/* Queues the runs of layout li for the stream: the head's at the start of
 * its file, the tail's at its end. */
static int ee_queue_runs(ev_early_t *e, size_t li)
{
    ee_lay_t *x = &e->lay[li];
    uint64_t foff = 0;
    for (size_t i = 0; i < x->nh + x->nt; i++) {
        const lr_lvmap_run_t *r = &x->runs[i];
        if (i == x->nh)
            foff = x->size - x->tlen;
        if (r->len == 0)
            continue;
        if (sc_grow((void **)&e->wait, &e->cap_wait, e->n_wait + 1, sizeof(*e->wait), NULL))
            return -ENOMEM;
        e->wait[e->n_wait++] = (ee_run_t){r->image, r->off, r->len, foff, 0, li};
        x->left += r->len;
        foff += r->len;
    }
    e->dirty = true;
    return 0;
}

/* A new pending layout for r under key (which the table takes on success). */
static int ee_new_layout(ev_early_t *e, uint64_t size, const ev_runs_t *r, char *key)
{
    if (sc_grow((void **)&e->lay, &e->cap_lay, e->n_lay + 1, sizeof(*e->lay), NULL))
        return -ENOMEM;
    ee_lay_t *x = &e->lay[e->n_lay];
    *x = (ee_lay_t){
        .size = size, .hlen = r->hlen, .tlen = r->tlen, .nh = r->nh, .nt = r->nt, .fd = -1};
    if (!(x->runs = malloc((r->nh + r->nt ? r->nh + r->nt : 1) * sizeof(*x->runs))))
        return -ENOMEM;
    memcpy(x->runs, r->hr, r->nh * sizeof(*r->hr));
    memcpy(x->runs + r->nh, r->tr, r->nt * sizeof(*r->tr));
    size_t li = e->n_lay++;
    if (ee_queue_runs(e, li)) {
        x->st = EE_DROPPED; /* the runs it queued are passed over */
        return -ENOMEM;
    }
    ev_cache_ent_t *k = ev_key_slot(e->keys, e->cap_keys, key);
    k->key = key;
    k->layout = li;
    return 0;
}

int ev_early_add(ev_early_t *e, uint64_t size, const ev_runs_t *r)
{
    if (!e || e->n_lay >= EE_MAX_LAYOUTS)
        return 0;
    char *key = ev_layout_key(size, r);
    if (!key || ev_key_grow(&e->keys, &e->cap_keys, e->n_lay)) {
        free(key);
        return 0;
    }
    const ev_cache_ent_t *k = ev_key_slot(e->keys, e->cap_keys, key);
    if (k->key) { /* met before: taken unless dropped since */
        free(key);
        return e->lay[k->layout].st != EE_DROPPED;
    }
    if (!ee_ahead(e, r->hr, r->nh) || !ee_ahead(e, r->tr, r->nt) ||
        ee_new_layout(e, size, r, key) != 0) {
        free(key);
        return 0;
    }
    return 1;
}

/* x's file goes back to the pool, empty, or is closed. */
static void ee_file_release(ev_early_t *e, ee_lay_t *x)
{
    e->pages -= x->pages;
    x->pages = 0;
    if (x->fd < 0)
        return;
    if (e->n_fds < EE_FDS && ftruncate(x->fd, 0) == 0)
        e->fds[e->n_fds++] = x->fd;
    else
        close(x->fd);
    x->fd = -1;
}

/* Lets layout x go: the evidence reads it. What is still ahead of the
 * stream is kept for that read, where the image keeps ranges. */
static void ee_drop(ev_early_t *e, ee_lay_t *x)
{
    if (x->st == EE_DROPPED)
        return;
    x->st = EE_DROPPED;
    ev_free_content(&x->content);
    memset(&x->content, 0, sizeof(x->content));
    ee_file_release(e, x);
    for (size_t i = 0; i < x->nh + x->nt; i++) {
        const lr_lvmap_run_t *r = &x->runs[i];
        if (r->len && r->image >= 0 && (size_t)r->image < e->n_images && e->ios && e->ios[r->image])
            lr_io_keep(e->ios[r->image], r->off, r->len);
    }
}

/* Gives x an empty in-memory file of its size. */
static int ee_file_take(ev_early_t *e, ee_lay_t *x)
{
    int fd = e->n_fds ? e->fds[--e->n_fds] : memfd_create("lvmrescue-probe", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (x->size > (uint64_t)INT64_MAX || ftruncate(fd, (off_t)x->size) != 0) {
        close(fd);
        return -EIO;
    }
    x->fd = fd;
    return 0;
}

/* Layout x has all its bytes: probed, its file given back. A probe that
 * could not run here is left to the evidence, to run or fail there. */
static void ee_probe(ev_early_t *e, ee_lay_t *x)
{
    int rc = x->fd < 0 ? ee_file_take(e, x) : 0; /* all zeros: nothing written */
#ifdef LR_HAVE_BLKID
    if (!rc)
        rc = ev_blkid_content(x->fd, x->size, &x->content);
#else
    rc = rc ? rc : -ENOTSUP;
#endif
    size_t n = x->hlen < LR_FS_SIZE_NEED ? (size_t)x->hlen : LR_FS_SIZE_NEED;
    if (!rc && x->content.state == LR_EV_FOUND && x->content.type) {
        /* the head, for the size its superblock records */
        if (!e->head && !(e->head = malloc(LR_FS_SIZE_NEED)))
            rc = -ENOMEM;
        else if (pread(x->fd, e->head, n, 0) != (ssize_t)n)
            rc = -EIO;
        else
            rc = ev_fill_fs_size(&x->content, e->head, n);
    }
    if (rc || x->content.state == LR_EV_PROBE_ERROR) {
        ee_drop(e, x);
        return;
    }
    x->st = EE_DONE;
    ee_file_release(e, x);
}

/* Writes the pieces of src (n bytes, for x's file at foff) that are not
 * all zeros, each stretch of them at once: the file stays sparse, as the
 * evidence's. */
static int ee_write(ee_lay_t *x, const uint8_t *src, size_t n, uint64_t foff)
{
    static const uint8_t zero[EE_PAGE];
    size_t at = 0, from = SIZE_MAX; /* from: start of the stretch not written yet */
    while (at <= n) {
        size_t k = at < n ? EE_PAGE - (size_t)((foff + at) % EE_PAGE) : 0;
        if (k > n - at)
            k = n - at;
        bool data = k > 0 && memcmp(src + at, zero, k) != 0;
        if (data && from == SIZE_MAX)
            from = at;
        if (!data && from != SIZE_MAX) {
            if (pwrite(x->fd, src + from, at - from, (off_t)(foff + from)) != (ssize_t)(at - from))
                return -EIO;
            from = SIZE_MAX;
        }
        x->pages += data;
        if (k == 0)
            break;
        at += k;
    }
    return 0;
}

/* Puts the bytes of [pos, pos + n) (at p) that run r wants next into its
 * layout's file; false when the layout must be dropped (bytes it wanted
 * went by unseen, no file, too much data held). */
static bool ee_fill(ev_early_t *e, ee_run_t *r, uint64_t pos, const uint8_t *p, size_t n)
{
    ee_lay_t *x = &e->lay[r->lay];
    uint64_t from = r->off + r->got;
    if (from < pos)
        return false; /* skipped: a corrupt piece */
    if (from >= pos + n)
        return true;
    uint64_t k = r->off + r->len < pos + n ? r->off + r->len - from : pos + n - from;
    if (x->fd < 0 && ee_file_take(e, x) != 0)
        return false;
    size_t before = x->pages;
    int rc = ee_write(x, p + (from - pos), (size_t)k, r->foff + r->got);
    e->pages += x->pages - before;
    if (rc)
        return false;
    r->got += k;
    x->left -= k;
    return e->pages <= EE_MAX_PAGES;
}

static int ee_cmp_run(const void *pa, const void *pb)
{
    const ee_run_t *a = pa, *b = pb;
    if (a->image != b->image)
        return a->image < b->image ? -1 : 1;
    return a->off < b->off ? -1 : a->off > b->off;
}

/* Moves the waiting runs the stream has reached (they start before end on
 * image) to the active ones; a run on an image the stream has passed
 * drops its layout. */
static void ee_reach(ev_early_t *e, int image, uint64_t end)
{
    if (e->dirty && e->n_wait > 1)
        qsort(e->wait, e->n_wait, sizeof(*e->wait), ee_cmp_run);
    e->dirty = false;
    size_t i = 0;
    for (; i < e->n_wait; i++) {
        const ee_run_t *r = &e->wait[i];
        if (r->image > image || (r->image == image && r->off >= end))
            break;
        if (e->lay[r->lay].st != EE_PENDING)
            continue;
        if (r->image < image ||
            sc_grow((void **)&e->act, &e->cap_act, e->n_act + 1, sizeof(*e->act), NULL) != 0) {
            ee_drop(e, &e->lay[r->lay]);
            continue;
        }
        e->act[e->n_act++] = *r;
    }
    if (i == 0)
        return;
    memmove(e->wait, e->wait + i, (e->n_wait - i) * sizeof(*e->wait));
    e->n_wait -= i;
}

void ev_early_feed(ev_early_t *e, int image, uint64_t pos, const uint8_t *p, size_t n)
{
    if (!ev_early_allowed(e, image) || n == 0)
        return;
    ee_reach(e, image, pos + n);
    size_t kept = 0;
    for (size_t i = 0; i < e->n_act; i++) {
        ee_run_t *r = &e->act[i];
        ee_lay_t *x = &e->lay[r->lay];
        if (x->st != EE_PENDING)
            continue;
        if (!ee_fill(e, r, pos, p, n)) {
            ee_drop(e, x);
            continue;
        }
        if (x->left == 0)
            ee_probe(e, x);
        else if (r->got < r->len)
            e->act[kept++] = *r;
    }
    e->n_act = kept;
    e->image = image;
    e->pos = pos + n;
}

/* Whether layout x has bytes on image. */
static bool ee_on_image(const ee_lay_t *x, int image)
{
    for (size_t i = 0; i < x->nh + x->nt; i++)
        if (x->runs[i].len && x->runs[i].image == image)
            return true;
    return false;
}

void ev_early_image_end(ev_early_t *e, int image, bool damaged)
{
    if (!ev_early_allowed(e, image))
        return;
    /* runs on it not in by now never will be */
    for (size_t i = 0; i < e->n_act; i++)
        if (e->act[i].image == image)
            ee_drop(e, &e->lay[e->act[i].lay]);
    for (size_t i = 0; i < e->n_wait; i++)
        if (e->wait[i].image == image)
            ee_drop(e, &e->lay[e->wait[i].lay]);
    for (size_t i = 0; damaged && i < e->n_lay; i++)
        if (ee_on_image(&e->lay[i], image))
            ee_drop(e, &e->lay[i]);
    e->image = image + 1; /* its runs are behind the stream from now on */
    e->pos = 0;
}

/* Moves src's layout x (probed) into dst under key (the table's). */
static int ee_move(ev_early_t *dst, ee_lay_t *x, char *key)
{
    if (sc_grow((void **)&dst->lay, &dst->cap_lay, dst->n_lay + 1, sizeof(*dst->lay), NULL) ||
        ev_key_grow(&dst->keys, &dst->cap_keys, dst->n_lay))
        return -ENOMEM;
    ev_cache_ent_t *k = ev_key_slot(dst->keys, dst->cap_keys, key);
    if (k->key)
        return 0; /* taken already (no two images share a layout's runs) */
    dst->lay[dst->n_lay] = *x;
    k->key = key;
    k->layout = dst->n_lay++;
    x->runs = NULL; /* now dst's */
    memset(&x->content, 0, sizeof(x->content));
    x->st = EE_DROPPED;
    return 1;
}

void ev_early_take(ev_early_t *dst, ev_early_t *src)
{
    if (!dst || !src)
        return;
    for (size_t i = 0; i < src->cap_keys; i++) {
        ev_cache_ent_t *k = &src->keys[i];
        if (!k->key || src->lay[k->layout].st != EE_DONE)
            continue;
        if (ee_move(dst, &src->lay[k->layout], k->key) == 1)
            k->key = NULL; /* now dst's; the slot is not looked up again */
    }
}

const lr_ev_content_t *ev_early_find(const ev_early_t *e, const char *key)
{
    if (!e || !e->keys || !key)
        return NULL;
    const ev_cache_ent_t *k = ev_key_slot(e->keys, e->cap_keys, key);
    if (!k->key || e->lay[k->layout].st != EE_DONE)
        return NULL;
    return &e->lay[k->layout].content;
}
