/* Evidence: what each LV's extents hold now (libblkid over a memfd holding
 * the LV's first MiB and last 512 KiB) and which of its extents later LVs
 * took.
 *
 * Why a memfd: libblkid probes a file descriptor. The LV is not a device
 * here (no device-mapper, maybe a .gz image, maybe striped over several
 * images), so its bytes are gathered through the scan's lr_io_t handles
 * into a sparse in-memory file of the LV's size: libblkid then sees the
 * right size (needed by probers that look at the end, like md 0.90 or a
 * GPT backup) and the real bytes at both ends, and nothing else is read
 * from the images. Each distinct layout (LV size plus the image byte runs
 * of its head and tail) is probed once and shared by every version, and
 * the layouts' bytes are read in image order (see "the reads of every
 * layout" below). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef LR_HAVE_BLKID
#include <blkid.h>
#endif

#include "evidence_int.h"
#include "lr/fssize.h"
#include "lr/lvmap.h"
#include "lr/strbuf.h"
#include "scan_int.h"

/* ---- the cache of probed layouts ------------------------------------------ */

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

void ev_probe_cache_free(ev_ctx_t *c)
{
    for (size_t i = 0; i < c->cache_cap; i++) {
        free(c->cache[i].key);
    }
    free(c->cache);
    c->cache = NULL;
    c->cache_cap = c->cache_n = 0;
    if (c->memfd > 0)
        close(c->memfd);
    c->memfd = -1;
    free(c->buf);
    c->buf = NULL;
}

ev_cache_ent_t *ev_key_slot(ev_cache_ent_t *tab, size_t cap, const char *key)
{
    size_t i = hash_key(key) & (cap - 1);
    while (tab[i].key && strcmp(tab[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

int ev_key_grow(ev_cache_ent_t **tab, size_t *cap, size_t n)
{
    if ((n + 1) * 2 <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 256;
    ev_cache_ent_t *t = calloc(nc, sizeof(*t));
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; i < *cap; i++)
        if ((*tab)[i].key)
            *ev_key_slot(t, nc, (*tab)[i].key) = (*tab)[i];
    free(*tab);
    *tab = t;
    *cap = nc;
    return 0;
}

/* s into d, each string copied by dup (pool: its pool, or NULL). */
static int content_into(lr_ev_content_t *d, const lr_ev_content_t *s,
                        char *(*dup)(lr_strpool_t *, const char *), lr_strpool_t *pool)
{
    *d = *s;
    d->type = dup(pool, s->type);
    d->usage = dup(pool, s->usage);
    d->label = dup(pool, s->label);
    d->uuid = dup(pool, s->uuid);
    d->version = dup(pool, s->version);
    d->detail = dup(pool, s->detail);
    if ((s->type && !d->type) || (s->usage && !d->usage) || (s->label && !d->label) ||
        (s->uuid && !d->uuid) || (s->version && !d->version) || (s->detail && !d->detail))
        return -ENOMEM;
    return 0;
}

static char *dup_own(lr_strpool_t *pool, const char *s)
{
    (void)pool;
    return ev_strdup(s);
}

int ev_copy_content(lr_ev_content_t *d, const lr_ev_content_t *s)
{
    return content_into(d, s, dup_own, NULL);
}

int ev_intern_content(lr_strpool_t *p, lr_ev_content_t *d, const lr_ev_content_t *s)
{
    return content_into(d, s, ev_intern, p);
}

/* ---- libblkid ------------------------------------------------------------- */

#ifdef LR_HAVE_BLKID
static int dup_value(blkid_probe pr, const char *name, char **out)
{
    const char *v = NULL;
    if (blkid_probe_lookup_value(pr, name, &v, NULL) != 0 || !v)
        return 0;
    *out = strdup(v);
    return *out ? 0 : -ENOMEM;
}

static blkid_probe new_probe(int fd, uint64_t size)
{
    blkid_probe pr = blkid_new_probe();
    if (!pr)
        return NULL;
    if (blkid_probe_set_device(pr, fd, 0, (blkid_loff_t)size) != 0) {
        blkid_free_probe(pr);
        return NULL;
    }
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
                                              BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
                                              BLKID_SUBLKS_VERSION);
    blkid_probe_enable_partitions(pr, 1);
    blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
    return pr;
}

/* Every signature libblkid sees, one probe step at a time: the candidates
 * of an ambivalent result, joined by ','. */
static int list_candidates(int fd, uint64_t size, lr_ev_content_t *t)
{
    blkid_probe pr = new_probe(fd, size);
    if (!pr)
        return -ENOMEM;
    blkid_probe_enable_partitions(pr, 0);
    lr_strbuf_t b = LR_STRBUF_INIT;
    for (int i = 0; i < 16 && blkid_do_probe(pr) == 0; i++) {
        const char *v = NULL;
        if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0 && v)
            lr_strbuf_printf(&b, "%s%s", b.len ? "," : "", v);
    }
    blkid_free_probe(pr);
    t->type = lr_strbuf_take(&b, NULL);
    return t->type ? 0 : -ENOMEM;
}

int ev_blkid_content(int fd, uint64_t size, lr_ev_content_t *t)
{
    blkid_probe pr = new_probe(fd, size);
    if (!pr) {
        t->state = LR_EV_PROBE_ERROR;
        t->detail = strdup("libblkid could not open the probe");
        return t->detail ? 0 : -ENOMEM;
    }
    int rc = blkid_do_safeprobe(pr);
    int r = 0;
    if (rc == 0) {
        t->state = LR_EV_FOUND;
        r = dup_value(pr, "TYPE", &t->type);
        if (!r && !t->type) {
            r = dup_value(pr, "PTTYPE", &t->type);
            if (!r && t->type)
                t->usage = strdup("partition_table");
            if (!r && t->type && !t->usage)
                r = -ENOMEM;
        }
        if (!r && !t->usage)
            r = dup_value(pr, "USAGE", &t->usage);
        if (!r)
            r = dup_value(pr, "LABEL", &t->label);
        if (!r)
            r = dup_value(pr,
                          t->usage && strcmp(t->usage, "partition_table") == 0 ? "PTUUID" : "UUID",
                          &t->uuid);
        if (!r)
            r = dup_value(pr, "VERSION", &t->version);
        if (!r && !t->type)
            t->state = LR_EV_EMPTY;
    } else if (rc == 1) {
        t->state = LR_EV_EMPTY;
    } else if (rc == -2) {
        t->state = LR_EV_AMBIVALENT;
        r = list_candidates(fd, size, t);
        if (!r)
            t->detail = strdup("several signatures: none taken as fact");
        if (!r && !t->detail)
            r = -ENOMEM;
    } else {
        t->state = LR_EV_PROBE_ERROR;
        t->detail = strdup("libblkid failed to probe");
        if (!t->detail)
            r = -ENOMEM;
    }
    blkid_free_probe(pr);
    return r;
}
#endif

/* ---- probing one layout ---------------------------------------------------- */

static int set_detail(lr_ev_content_t *t, lr_ev_state_t state, const char *why)
{
    t->state = state;
    t->detail = strdup(why);
    return t->detail ? 0 : -ENOMEM;
}

/* Reads the runs into buf; on a run past the image end or a read error,
 * the content says so. Returns 1 when unreadable, 0 when read, <0 OOM. */
static int read_runs(ev_ctx_t *c, const lr_lvmap_run_t *runs, size_t n, uint8_t *buf,
                     lr_ev_content_t *t)
{
    const struct lr_scan_session *ss = c->session;
    lr_error_t e = {0};
    if (lr_lvmap_read(ss->ios, ss->n_ios, runs, n, buf, &e)) {
        char why[320];
        lr_error_format(&e, why, sizeof(why));
        return set_detail(t, LR_EV_UNREADABLE, why) ?: 1;
    }
    for (size_t i = 0; i < n; i++)
        c->ev->bytes_read += runs[i].len;
    return 0;
}

int ev_fill_fs_size(lr_ev_content_t *t, const uint8_t *head, size_t len)
{
    if (t->state != LR_EV_FOUND || !t->type)
        return 0;
    int rc = lr_fs_size(t->type, head, len, &t->fs_size);
    if (rc == LR_EFORMAT) {
        t->fs_size = 0;
        t->fs_size_bad = true;
        return set_detail(t, LR_EV_FOUND, "superblock size fields are damaged");
    }
    if (rc)
        t->fs_size = 0;
    return 0;
}

static int ensure_memfd(ev_ctx_t *c)
{
    if (c->memfd < 0) {
        c->memfd = memfd_create("lvmrescue-probe", MFD_CLOEXEC);
        if (c->memfd < 0)
            return -errno;
    }
    return 0;
}

/* A layout's buffer (head then tail) in pages of EV_PAGE bytes; written
 * has a bit for each page a copy put data in (see copy_nonzero below). */
#define EV_PAGE 4096u
#define EV_PAGES ((LR_EVIDENCE_PROBE_BYTES + LR_EVIDENCE_TAIL_BYTES + EV_PAGE - 1) / EV_PAGE)
#define EV_WORDS ((EV_PAGES + 63) / 64)

/* Whether a page of buf's bytes [a, a + n) was written (NULL: all were). */
static bool any_written(const uint64_t *written, uint64_t a, size_t n)
{
    if (!written)
        return true;
    for (uint64_t p = a / EV_PAGE; p <= (a + n - 1) / EV_PAGE; p++)
        if ((written[p / 64] >> (p % 64)) & 1)
            return true;
    return false;
}

/* Writes the non-zero 4 KiB blocks of buf's bytes [from, from + len) at
 * off: the memfd is sparse, and the holes read as zeros anyway. The pages
 * no copy wrote are zeros and not even read (reading them would fault in
 * the zero page, one by one). */
static int write_nonzero(int fd, const uint8_t *buf, const uint64_t *written, uint64_t from,
                         uint64_t len, uint64_t off)
{
    static const uint8_t zero[EV_PAGE];
    for (uint64_t at = 0; at < len; at += sizeof(zero)) {
        size_t n = len - at < sizeof(zero) ? (size_t)(len - at) : sizeof(zero);
        if (!any_written(written, from + at, n) || memcmp(buf + from + at, zero, n) == 0)
            continue;
        if (pwrite(fd, buf + from + at, n, (off_t)(off + at)) != (ssize_t)n)
            return -1;
    }
    return 0;
}

/* Probes an LV of size bytes whose head (hlen bytes) and tail (tlen bytes)
 * have been read into buf, one after the other; written: its pages that
 * hold data (NULL: any may). */
static int probe_bytes(int memfd, uint64_t size, const uint8_t *buf, const uint64_t *written,
                       uint64_t hlen, uint64_t tlen, lr_ev_content_t *t)
{
#ifdef LR_HAVE_BLKID
    if (ftruncate(memfd, 0) != 0 || ftruncate(memfd, (off_t)size) != 0 ||
        write_nonzero(memfd, buf, written, 0, hlen, 0) != 0 ||
        write_nonzero(memfd, buf, written, hlen, tlen, size - tlen) != 0)
        return set_detail(t, LR_EV_PROBE_ERROR, "could not fill the in-memory file");
    int rc = ev_blkid_content(memfd, size, t);
    if (rc)
        return rc;
    return ev_fill_fs_size(t, buf, hlen);
#else
    (void)memfd;
    (void)size;
    (void)buf;
    (void)written;
    (void)hlen;
    (void)tlen;
    return set_detail(t, LR_EV_NO_PROBER, "built without libblkid");
#endif
}

/* The evidence state for a reason the mapper gives. */
static lr_ev_state_t ev_state(lr_lvmap_state_t s)
{
    switch (s) {
    case LR_LVMAP_MISSING_PV:
        return LR_EV_MISSING_PV;
    case LR_LVMAP_UNREADABLE:
        return LR_EV_UNREADABLE;
    default:
        return LR_EV_UNSUPPORTED;
    }
}

/* ---- the reads of every layout, in image order ------------------------------
 *
 * On a compressed image read as one piece (a single-block .xz, a
 * single-frame .zst, a .gz between access points) a read behind the
 * decoder restarts decoding from the piece's start. So the probe first
 * plans: every LV's head and tail become image runs (lr_lvmap_range), and
 * each distinct layout (the LV size plus those runs) is kept once. Then
 * the runs of all layouts are sorted by image and offset and read forward
 * only, overlapping and adjacent runs as one range read once, in chunks of
 * EV_CHUNK bytes copied into each layout's buffer; a layout is probed as
 * soon as its last run is read and its buffer freed. A layout's buffer is
 * taken when the sweep meets its first run, while the open buffers stay
 * within EV_BATCH_BYTES (one layout is always let in); the layouts that
 * did not fit wait for the next sweep, which again only goes forward.
 * A range that fails to read sends the layouts it touches back to reading
 * their own runs, so that errors name what they named before. */

#define EV_CHUNK (256u << 10)     /* image bytes read at once */
#define EV_BATCH_BYTES (8u << 20) /* head and tail buffers open at once */

enum { EV_WAIT, EV_OPEN, EV_DONE };

typedef struct ev_layout {
    uint64_t size, hlen, tlen;
    lr_lvmap_run_t *runs; /* nh head runs, then nt tail runs */
    size_t nh, nt;
    size_t n_reqs;              /* its runs of non-zero length */
    size_t pending;             /* of those, not read yet in this sweep */
    size_t seen;                /* the sweep that last met its first run */
    int state;                  /* EV_WAIT, EV_OPEN (buf held) or EV_DONE */
    bool failed;                /* a range read failed: read its own runs */
    uint8_t *buf;               /* head (hlen bytes) then tail (tlen bytes) */
    uint64_t written[EV_WORDS]; /* its pages a copy put data in */
    lr_ev_content_t content;
} ev_layout_t;

#define EV_QUEUE 4
#define EV_POOL 8

/* The probe thread and its queue ("the probe thread" below). */
typedef struct ev_prober {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ev_layout_t *q[EV_QUEUE]; /* handed over, not taken yet */
    size_t head, n;
    bool stop; /* the sweep is over: take what is left, then end */
    int rc;    /* the first failure (-ENOMEM) */
    int memfd;
    pthread_t th;
    bool running;
    uint8_t *pool[EV_POOL]; /* buffers of layouts probed, zero again (lay_buf_release) */
    size_t n_pool;
} ev_prober_t;

/* One run of one layout: len bytes at off of image, for buf + dst. */
typedef struct ev_req {
    int image;
    uint64_t off, len;
    size_t layout;
    uint64_t dst;
} ev_req_t;

/* An LV entry waiting for its layout's content. */
typedef struct ev_ref {
    lr_ev_lv_t *o;
    size_t layout;
} ev_ref_t;

typedef struct ev_plan {
    ev_layout_t *lay;
    size_t n_lay, cap_lay;
    ev_req_t *req;
    size_t n_req, cap_req;
    ev_ref_t *ref;
    size_t n_ref, cap_ref;
    size_t *act; /* requests being read: taken, not yet read to their end */
    size_t n_act, cap_act;
    size_t sweep;        /* sweeps begun */
    size_t left;         /* layouts not probed yet */
    uint64_t open_bytes; /* buffers of EV_OPEN layouts */
    /* the range being read: image, next byte to read, end */
    bool reading;
    int image;
    uint64_t pos, end;
    ev_prober_t prober; /* probes the layouts read (below) */
    int memfd_rc;       /* the probe's memfd could not be made: -errno */
} ev_plan_t;

/* Makes room for one more element of size sz in *v (cap doubles). */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, c * sz);
    if (!nv)
        return -ENOMEM;
    *v = nv;
    *cap = c;
    return 0;
}

/* A layout's buffer is anonymous pages of its own, zero until written,
 * and the bytes read are copied into it a page at a time, skipping the
 * pages of zeros: only the pages holding data become resident. The heads
 * and tails of most LVs are mostly zeros (a few superblock blocks, a swap
 * header), so the EV_BATCH_BYTES of open buffers cost what they hold, not
 * their size (the many-LV images of docs/image-formats.md). */
#define EV_BUF_LEN ((size_t)EV_PAGES * EV_PAGE) /* every buffer: the largest head and tail */
#define EV_POOL_PAGES 32                        /* a buffer that held more is unmapped, not kept */

/* A buffer for l: one a probed layout gave back, or new pages. */
static int lay_buf_new(ev_prober_t *pr, ev_layout_t *l)
{
    pthread_mutex_lock(&pr->mu);
    uint8_t *b = pr->n_pool ? pr->pool[--pr->n_pool] : NULL;
    pthread_mutex_unlock(&pr->mu);
    if (!b) {
        void *m =
            mmap(NULL, EV_BUF_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return -ENOMEM;
        b = m;
    }
    l->buf = b;
    return 0;
}

/* Unmaps l's buffer (no thread uses the pool any more). */
static void lay_buf_free(ev_layout_t *l)
{
    if (l->buf)
        munmap(l->buf, EV_BUF_LEN);
    l->buf = NULL;
}

/* Pages of l's buffer that may hold data: those a copy wrote, or all of
 * them when its runs were read whole (l->failed); SIZE_MAX then. */
static size_t lay_written(const ev_layout_t *l)
{
    if (l->failed)
        return SIZE_MAX;
    size_t n = 0;
    for (size_t w = 0; w < EV_WORDS; w++)
        n += (size_t)__builtin_popcountll(l->written[w]);
    return n;
}

/* Gives l's buffer back for the next layout, zero again, when it held few
 * pages of data: reusing its resident pages spares the next layout a page
 * fault for each, and unmapping them, which stalls the other thread while
 * the kernel flushes both threads' TLBs. Kept are at most EV_POOL buffers
 * of at most EV_POOL_PAGES resident pages each; the others are unmapped. */
static void lay_buf_release(ev_prober_t *pr, ev_layout_t *l)
{
    if (!l->buf || lay_written(l) > EV_POOL_PAGES) {
        lay_buf_free(l);
        return;
    }
    for (size_t pg = 0; pg < EV_PAGES; pg++)
        if ((l->written[pg / 64] >> (pg % 64)) & 1)
            memset(l->buf + pg * EV_PAGE, 0, EV_PAGE);
    pthread_mutex_lock(&pr->mu);
    bool kept = pr->n_pool < EV_POOL;
    if (kept)
        pr->pool[pr->n_pool++] = l->buf;
    pthread_mutex_unlock(&pr->mu);
    if (kept)
        l->buf = NULL;
    else
        lay_buf_free(l);
}

/* Copies n bytes to l's buffer at at (still zero there), leaving out the
 * pieces (up to each page end) that are all zeros; the pages it writes are
 * marked written. */
static void copy_nonzero(ev_layout_t *l, uint64_t at, const uint8_t *src, size_t n)
{
    static const uint8_t zero[EV_PAGE];
    while (n > 0) {
        size_t k = EV_PAGE - (size_t)(at % EV_PAGE);
        if (k > n)
            k = n;
        if (memcmp(src, zero, k) != 0) {
            memcpy(l->buf + at, src, k);
            l->written[at / EV_PAGE / 64] |= 1ull << (at / EV_PAGE % 64);
        }
        at += k;
        src += k;
        n -= k;
    }
}

static void plan_free(ev_plan_t *p)
{
    for (size_t i = 0; i < p->n_lay; i++) {
        free(p->lay[i].runs);
        lay_buf_free(&p->lay[i]);
        ev_free_content(&p->lay[i].content);
    }
    for (size_t i = 0; i < p->prober.n_pool; i++)
        munmap(p->prober.pool[i], EV_BUF_LEN);
    free(p->lay);
    free(p->req);
    free(p->ref);
    free(p->act);
}

static int add_ref(ev_plan_t *p, lr_ev_lv_t *o, size_t layout)
{
    if (grow((void **)&p->ref, &p->cap_ref, p->n_ref, sizeof(*p->ref)))
        return -ENOMEM;
    p->ref[p->n_ref++] = (ev_ref_t){o, layout};
    return 0;
}

/* A new layout with its runs (head runs then tail runs) and its requests. */
static int add_layout(ev_plan_t *p, uint64_t size, uint64_t hlen, uint64_t tlen,
                      const lr_lvmap_run_t *hr, size_t nh, const lr_lvmap_run_t *tr, size_t nt)
{
    if (grow((void **)&p->lay, &p->cap_lay, p->n_lay, sizeof(*p->lay)))
        return -ENOMEM;
    ev_layout_t *l = &p->lay[p->n_lay];
    *l = (ev_layout_t){
        .size = size, .hlen = hlen, .tlen = tlen, .nh = nh, .nt = nt, .state = EV_WAIT};
    if (!(l->runs = malloc((nh + nt ? nh + nt : 1) * sizeof(*l->runs))))
        return -ENOMEM;
    p->n_lay++;
    p->left++;
    memcpy(l->runs, hr, nh * sizeof(*hr));
    memcpy(l->runs + nh, tr, nt * sizeof(*tr));
    uint64_t dst = 0;
    for (size_t i = 0; i < nh + nt; i++) {
        const lr_lvmap_run_t *r = &l->runs[i];
        if (i == nh)
            dst = hlen; /* the tail follows the head in buf */
        if (r->len == 0)
            continue;
        if (grow((void **)&p->req, &p->cap_req, p->n_req, sizeof(*p->req)))
            return -ENOMEM;
        p->req[p->n_req++] = (ev_req_t){r->image, r->off, r->len, p->n_lay - 1, dst};
        dst += r->len;
        l->n_reqs++;
    }
    return 0;
}

/* Plans LV o (LV lv of version vg): its content is set now when it cannot
 * be mapped, else it waits for its layout, which is planned once. */
int ev_lv_runs(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t size,
               ev_runs_t *r, lr_lvmap_why_t *w)
{
    uint64_t P = LR_EVIDENCE_PROBE_BYTES, Q = LR_EVIDENCE_TAIL_BYTES;
    r->hlen = size < P ? size : P;
    r->tlen = size > P ? (size - P < Q ? size - P : Q) : 0;
    r->nh = r->nt = 0;
    int rc = lr_lvmap_range(scan, vg, lv, 0, r->hlen, r->hr, EV_MAX_RUNS, &r->nh, w);
    if (!rc)
        rc = lr_lvmap_range(scan, vg, lv, size - r->tlen, r->tlen, r->tr, EV_MAX_RUNS, &r->nt, w);
    return rc;
}

char *ev_layout_key(uint64_t size, const ev_runs_t *r)
{
    lr_strbuf_t k = LR_STRBUF_INIT;
    lr_strbuf_printf(&k, "%" PRIu64, size);
    for (size_t i = 0; i < r->nh; i++)
        lr_strbuf_printf(&k, "|%d:%" PRIu64 ":%" PRIu64, r->hr[i].image, r->hr[i].off,
                         r->hr[i].len);
    lr_strbuf_puts(&k, "/");
    for (size_t i = 0; i < r->nt; i++)
        lr_strbuf_printf(&k, "|%d:%" PRIu64 ":%" PRIu64, r->tr[i].image, r->tr[i].off,
                         r->tr[i].len);
    return lr_strbuf_take(&k, NULL);
}

/* A layout the stream's probe already probed (evidence_early.c) is done:
 * its bytes are not read again. */
static int take_early(ev_ctx_t *c, ev_plan_t *p, ev_layout_t *l, const char *key)
{
    const lr_ev_content_t *t = ev_early_find(c->session->early, key);
    if (!t)
        return 0;
    l->state = EV_DONE;
    p->left--;
    c->ev->layouts_probed++;
    c->ev->layouts_streamed++;
    c->ev->bytes_read += l->hlen + l->tlen;
    return ev_copy_content(&l->content, t);
}

/* An LV's content that no probe gives: state and why (the pool's). */
static int set_lv_detail(ev_ctx_t *c, lr_ev_lv_t *o, lr_ev_state_t state, const char *why)
{
    o->content.state = state;
    o->content.detail = ev_intern(c->pool, why);
    return o->content.detail ? 0 : -ENOMEM;
}

static int plan_lv(ev_ctx_t *c, ev_plan_t *p, const lr_vg_t *vg, const lr_lv_t *lv, lr_ev_lv_t *o)
{
    uint64_t size = o->size;
    if (size == 0 || size == UINT64_MAX)
        return set_lv_detail(c, o, LR_EV_UNSUPPORTED, "the LV has no extents");
    ev_runs_t runs;
    lr_lvmap_why_t w = {0};
    if (ev_lv_runs(c->scan, vg, lv, size, &runs, &w))
        return set_lv_detail(c, o, ev_state(w.state), w.text);
    char *key = ev_layout_key(size, &runs);
    if (!key || ev_key_grow(&c->cache, &c->cache_cap, c->cache_n)) {
        free(key);
        return -ENOMEM;
    }
    ev_cache_ent_t *e = ev_key_slot(c->cache, c->cache_cap, key);
    if (e->key) {
        free(key);
        return add_ref(p, o, e->layout);
    }
    if (add_layout(p, size, runs.hlen, runs.tlen, runs.hr, runs.nh, runs.tr, runs.nt)) {
        free(key);
        return -ENOMEM;
    }
    e->key = key;
    e->layout = p->n_lay - 1;
    c->cache_n++;
    int rc = take_early(c, p, &p->lay[e->layout], key);
    return rc ? rc : add_ref(p, o, e->layout);
}

/* ---- the probe thread --------------------------------------------------------
 *
 * Probing a layout (filling the memfd, libblkid) costs about as much as
 * reading and copying the bytes of every layout, and by now the scan's
 * reader thread has ended: a thread of its own probes each layout whose
 * bytes are in while the sweep reads on. Each layout's result is its own
 * (the thread writes only its content and frees its buffer); the order in
 * which they finish changes nothing. The sweep waits while EV_QUEUE
 * layouts wait for the thread, so the buffers held stay within
 * EV_BATCH_BYTES plus those. Without the thread (it could not be started)
 * the sweep probes each layout itself. */

/* Probes layout l, whose bytes are in its buffer, and gives the buffer back. */
static int probe_layout(ev_prober_t *pr, ev_layout_t *l)
{
    int rc = probe_bytes(pr->memfd, l->size, l->buf, l->failed ? NULL : l->written, l->hlen,
                         l->tlen, &l->content);
    lay_buf_release(pr, l);
    return rc;
}

static void *prober_main(void *arg)
{
    ev_prober_t *pr = arg;
    pthread_mutex_lock(&pr->mu);
    for (;;) {
        while (pr->n == 0 && !pr->stop)
            pthread_cond_wait(&pr->cv, &pr->mu);
        if (pr->n == 0)
            break;
        ev_layout_t *l = pr->q[pr->head];
        pr->head = (pr->head + 1) % EV_QUEUE;
        pr->n--;
        pthread_cond_broadcast(&pr->cv); /* room for the sweep */
        pthread_mutex_unlock(&pr->mu);
        int rc = probe_layout(pr, l);
        pthread_mutex_lock(&pr->mu);
        if (rc && !pr->rc)
            pr->rc = rc;
    }
    pthread_mutex_unlock(&pr->mu);
    return NULL;
}

/* Starts the thread for a probe over memfd; without it (pr->running
 * false) layouts are probed by the caller. */
static void prober_start(ev_prober_t *pr, int memfd)
{
    *pr = (ev_prober_t){.memfd = memfd};
    pthread_mutex_init(&pr->mu, NULL);
    pthread_cond_init(&pr->cv, NULL);
    pr->running = pthread_create(&pr->th, NULL, prober_main, pr) == 0;
}

/* Probes l: hands it to the thread (waiting for room), or probes it here. */
static int prober_put(ev_prober_t *pr, ev_layout_t *l)
{
    if (!pr->running)
        return probe_layout(pr, l);
    pthread_mutex_lock(&pr->mu);
    while (pr->n == EV_QUEUE)
        pthread_cond_wait(&pr->cv, &pr->mu);
    pr->q[(pr->head + pr->n) % EV_QUEUE] = l;
    pr->n++;
    pthread_cond_broadcast(&pr->cv);
    pthread_mutex_unlock(&pr->mu);
    return 0;
}

/* Waits until every layout handed over is probed and ends the thread;
 * returns the first failure of a probe. */
static int prober_end(ev_prober_t *pr)
{
    if (pr->running) {
        pthread_mutex_lock(&pr->mu);
        pr->stop = true;
        pthread_cond_broadcast(&pr->cv);
        pthread_mutex_unlock(&pr->mu);
        pthread_join(pr->th, NULL);
        pr->running = false;
    }
    pthread_cond_destroy(&pr->cv);
    pthread_mutex_destroy(&pr->mu);
    return pr->rc;
}

/* Layout l's runs are read (or failed: then read alone, as one layout, so
 * that the error is its own): it is probed, or said unreadable, and its
 * buffer goes. */
static int finish_layout(ev_ctx_t *c, ev_plan_t *p, ev_layout_t *l)
{
    lr_ev_content_t *t = &l->content;
    int rc = !l->buf ? lay_buf_new(&p->prober, l) : 0;
    if (rc)
        return rc; /* -ENOMEM */
    if (l->state == EV_OPEN)
        p->open_bytes -= l->hlen + l->tlen;
    l->state = EV_DONE;
    p->left--;
    if (p->memfd_rc) {
        lay_buf_release(&p->prober, l);
        return set_detail(t, LR_EV_PROBE_ERROR, "no in-memory file for the probe");
    }
    if (l->failed && ((rc = read_runs(c, l->runs, l->nh, l->buf, t)) != 0 ||
                      (rc = read_runs(c, l->runs + l->nh, l->nt, l->buf + l->hlen, t)) != 0)) {
        lay_buf_release(&p->prober, l);
        return rc < 0 ? rc : 0;
    }
    c->ev->layouts_probed++;
    return prober_put(&p->prober, l);
}

/* Reads bytes [p->pos, upto) of the range being read, a chunk at a time,
 * into every active request they overlap; requests read to their end
 * leave, and a layout whose last request left is probed. */
static int read_to(ev_ctx_t *c, ev_plan_t *p, uint64_t upto)
{
    const struct lr_scan_session *ss = c->session;
    while (p->pos < upto) {
        uint64_t n = upto - p->pos < EV_CHUNK ? upto - p->pos : EV_CHUNK;
        lr_lvmap_run_t run = {p->image, p->pos, n};
        bool ok = lr_lvmap_read(ss->ios, ss->n_ios, &run, 1, c->buf, NULL) == 0;
        if (ok)
            c->ev->bytes_read += n;
        uint64_t a = p->pos, b = p->pos + n;
        size_t kept = 0;
        for (size_t i = 0; i < p->n_act; i++) {
            const ev_req_t *r = &p->req[p->act[i]];
            ev_layout_t *l = &p->lay[r->layout];
            uint64_t lo = r->off > a ? r->off : a, hi = r->off + r->len < b ? r->off + r->len : b;
            if (lo < hi && ok)
                copy_nonzero(l, r->dst + (lo - r->off), c->buf + (lo - a), hi - lo);
            if (lo < hi && !ok)
                l->failed = true;
            if (r->off + r->len > b) {
                p->act[kept++] = p->act[i];
                continue;
            }
            int rc = --l->pending == 0 ? finish_layout(c, p, l) : 0;
            if (rc)
                return rc;
        }
        p->n_act = kept;
        p->pos = b;
    }
    return 0;
}

/* Whether request r is read in this sweep: its layout is open, or this is
 * its first run and its buffer fits (or nothing else is open). */
static int take(ev_plan_t *p, const ev_req_t *r, bool *taken)
{
    ev_layout_t *l = &p->lay[r->layout];
    *taken = l->state == EV_OPEN;
    if (l->state != EV_WAIT || l->seen == p->sweep)
        return 0;
    l->seen = p->sweep;
    uint64_t need = l->hlen + l->tlen;
    if (p->open_bytes > 0 && p->open_bytes + need > EV_BATCH_BYTES)
        return 0; /* the next sweep */
    if (lay_buf_new(&p->prober, l))
        return -ENOMEM;
    l->state = EV_OPEN;
    l->pending = l->n_reqs;
    p->open_bytes += need;
    *taken = true;
    return 0;
}

/* One forward sweep over the sorted requests; *opened counts the layouts
 * it let in. */
static int sweep(ev_ctx_t *c, ev_plan_t *p, size_t *opened)
{
    p->sweep++;
    p->reading = false;
    p->n_act = 0;
    *opened = 0;
    for (size_t i = 0; i < p->n_req; i++) {
        const ev_req_t *r = &p->req[i];
        if (p->lay[r->layout].state == EV_DONE)
            continue;
        /* every later request starts at r->off or after: the bytes before
         * it are final, and a gap or another image ends the range */
        bool joins = p->reading && r->image == p->image && r->off <= p->end;
        int rc = p->reading ? read_to(c, p, joins ? r->off : p->end) : 0;
        if (rc)
            return rc;
        p->reading = joins;
        bool taken, was_open = p->lay[r->layout].state == EV_OPEN;
        if ((rc = take(p, r, &taken)) != 0)
            return rc;
        if (!taken)
            continue;
        *opened += !was_open;
        if (!p->reading) {
            p->reading = true;
            p->image = r->image;
            p->pos = p->end = r->off;
        }
        if (r->off + r->len > p->end)
            p->end = r->off + r->len;
        if (grow((void **)&p->act, &p->cap_act, p->n_act, sizeof(*p->act)))
            return -ENOMEM;
        p->act[p->n_act++] = i;
    }
    return p->reading ? read_to(c, p, p->end) : 0;
}

static int cmp_req(const void *pa, const void *pb)
{
    const ev_req_t *a = pa, *b = pb;
    if (a->image != b->image)
        return a->image < b->image ? -1 : 1;
    if (a->off != b->off)
        return a->off < b->off ? -1 : 1;
    return a->layout < b->layout ? -1 : a->layout > b->layout;
}

/* Reads and probes every planned layout, then gives each LV its content. */
/* Reads every planned layout, in sweeps, and probes each once read. */
static int read_planned(ev_ctx_t *c, ev_plan_t *p)
{
    size_t opened = 1;
    while (p->left > 0 && opened > 0) {
        int rc = sweep(c, p, &opened);
        if (rc)
            return rc;
    }
    /* a layout no sweep let in (it has no bytes to read): alone */
    for (size_t i = 0; i < p->n_lay; i++) {
        ev_layout_t *l = &p->lay[i];
        if (l->state == EV_DONE)
            continue;
        l->failed = true;
        int rc = finish_layout(c, p, l);
        if (rc)
            return rc;
    }
    return 0;
}

static int probe_planned(ev_ctx_t *c, ev_plan_t *p)
{
    if (p->n_lay == 0)
        return 0;
    if (p->n_req > 1)
        qsort(p->req, p->n_req, sizeof(*p->req), cmp_req);
    if (p->n_req > 0 && !c->buf && !(c->buf = malloc(EV_CHUNK)))
        return -ENOMEM;
    p->memfd_rc = ensure_memfd(c);
    prober_start(&p->prober, c->memfd);
    int rc = read_planned(c, p);
    int probed = prober_end(&p->prober); /* also after a failure: it holds layouts */
    if (!rc)
        rc = probed;
    for (size_t i = 0; !rc && i < p->n_ref; i++)
        if (ev_intern_content(c->pool, &p->ref[i].o->content, &p->lay[p->ref[i].layout].content))
            rc = -ENOMEM;
    return rc;
}

int ev_probe_all(ev_ctx_t *c)
{
    c->memfd = -1;
    ev_plan_t p = {0};
    int rc = 0;
    for (size_t g = 0; !rc && g < c->ev->n_vgs; g++) {
        lr_ev_vg_t *vg = &c->ev->vgs[g];
        for (size_t v = 0; !rc && v < vg->n_versions; v++) {
            const lr_vg_t *view = c->views[g][v];
            for (size_t l = 0; !rc && view && l < vg->versions[v].n_lvs; l++) {
                lr_ev_lv_t *o = &vg->versions[v].lvs[l];
                rc = c->opts.no_content ? set_lv_detail(c, o, LR_EV_EMPTY, "not probed")
                                        : plan_lv(c, &p, view, &view->lvs[l], o);
            }
        }
    }
    if (!rc)
        rc = probe_planned(c, &p);
    plan_free(&p);
    return rc;
}

/* ---- extent reuse ------------------------------------------------------------ */

static int add_iv(ev_ctx_t *c, const ev_iv_t *iv)
{
    if (c->n_ivs == c->cap_ivs) {
        size_t cap = c->cap_ivs ? c->cap_ivs * 2 : 256;
        ev_iv_t *n = realloc(c->ivs, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        c->ivs = n;
        c->cap_ivs = cap;
    }
    c->ivs[c->n_ivs++] = *iv;
    return 0;
}

static int collect_ivs(ev_ctx_t *c, uint32_t g, uint32_t v, const lr_vg_t *vg)
{
    uint64_t ext = vg->extent_size * SC_SECTOR;
    if (ext == 0 || vg->extent_size > UINT64_MAX / SC_SECTOR)
        return 0; /* a damaged extent size: no byte ranges to compare */
    lr_pv_area_iter_t it = lr_pv_areas(vg);
    lr_pv_area_t a;
    while (lr_pv_area_next(&it, &a)) {
        const lr_pv_t *pv = &vg->pvs[a.pv];
        int image;
        uint64_t pv_start, abs, len;
        if (!lr_scan_locate_pv(c->scan, vg->raw_id, pv->raw_id, &image, &pv_start))
            continue;
        if (__builtin_mul_overflow(a.start, ext, &abs) ||
            pv->pe_start > (UINT64_MAX - pv_start) / SC_SECTOR ||
            __builtin_add_overflow(abs, pv_start + pv->pe_start * SC_SECTOR, &abs) ||
            __builtin_mul_overflow(a.len, ext, &len) || __builtin_add_overflow(abs, len, &len) ||
            a.len == 0)
            continue;
        const lr_lv_t *lv = &vg->lvs[a.lv];
        ev_iv_t iv = {image, abs, len, g, v, (uint32_t)a.lv, (uint32_t)a.pv, a.start,
                      a.seg->start_extent, ext,
                      /* the LV's first byte: first area of a first segment at extent 0 */
                      a.seg == &lv->segs[0] && a.seg->start_extent == 0 &&
                          a.area == &a.seg->areas[0]};
        if (add_iv(c, &iv))
            return -ENOMEM;
    }
    return 0;
}

static int cmp_iv(const void *pa, const void *pb)
{
    const ev_iv_t *a = pa, *b = pb;
    if (a->image != b->image)
        return a->image < b->image ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return 0;
}

static const lr_lv_t *iv_lv(const ev_ctx_t *c, const ev_iv_t *x)
{
    return &c->views[x->g][x->v]->lvs[x->lv];
}

/* Whether a valid label at the PV's place carries this PV's UUID now. */
static bool pv_current(const ev_ctx_t *c, const ev_iv_t *x)
{
    const lr_vg_t *vg = c->views[x->g][x->v];
    const char *raw = vg->pvs[x->pv].raw_id;
    for (size_t i = 0; i < c->scan->n_labels; i++) {
        const lr_scan_label_t *l = &c->scan->labels[i];
        if (l->image == x->image && l->valid && strcmp(l->label.pv_uuid, raw) == 0)
            return true;
    }
    return false;
}

/* 1: y took x's bytes, -1: x took y's, 0: the same LV or undecided. */
static int direction(const ev_ctx_t *c, const ev_iv_t *x, const ev_iv_t *y)
{
    if (x->g == y->g) {
        const lr_lv_t *lx = iv_lv(c, x), *ly = iv_lv(c, y);
        bool same =
            lx->id && ly->id ? strcmp(lx->id, ly->id) == 0 : strcmp(lx->name, ly->name) == 0;
        uint64_t sx = c->ev->vgs[x->g].versions[x->v].seqno;
        uint64_t sy = c->ev->vgs[y->g].versions[y->v].seqno;
        if (same || sx == sy)
            return 0;
        return sy > sx ? 1 : -1;
    }
    /* Another VG holding an LV of the same UUID with the same extents
     * there: the same LV carried over (vgsplit, vgmerge, vgimportclone,
     * vgchange -u keep LV UUIDs), its data not taken. */
    const lr_lv_t *lx = iv_lv(c, x), *ly = iv_lv(c, y);
    if (lx->id && ly->id && strcmp(lx->id, ly->id) == 0 && x->ext == y->ext &&
        x->a - x->le * x->ext == y->a - y->le * y->ext)
        return 0;
    /* Else the one whose PV label is on the disk now came later
     * (pvcreate -ff wrote it), else the newer creation time. */
    bool cx = pv_current(c, x), cy = pv_current(c, y);
    if (cx != cy)
        return cy ? 1 : -1;
    int64_t tx = c->ev->vgs[x->g].versions[x->v].time, ty = c->ev->vgs[y->g].versions[y->v].time;
    if (tx && ty && tx != ty)
        return ty > tx ? 1 : -1;
    return 0;
}

static int add_range_sorted(lr_ev_reuse_t *r, uint64_t first, uint64_t last)
{
    /* merge into an overlapping or adjacent range when there is one */
    for (size_t i = 0; i < r->n_ranges; i++) {
        lr_ev_range_t *q = &r->ranges[i];
        if (first <= q->last + 1 && last + 1 >= q->first) {
            q->first = first < q->first ? first : q->first;
            q->last = last > q->last ? last : q->last;
            return 0;
        }
    }
    lr_ev_range_t *n = realloc(r->ranges, (r->n_ranges + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    r->ranges = n;
    size_t i = r->n_ranges++;
    while (i > 0 && r->ranges[i - 1].first > first) {
        r->ranges[i] = r->ranges[i - 1];
        i--;
    }
    r->ranges[i] = (lr_ev_range_t){first, last};
    return 0;
}

static lr_ev_reuse_t *new_reuse(lr_ev_lv_t *o)
{
    lr_ev_reuse_t *n = realloc(o->reuse, (o->n_reuse + 1) * sizeof(*n));
    if (!n)
        return NULL;
    o->reuse = n;
    lr_ev_reuse_t *r = &n[o->n_reuse++];
    memset(r, 0, sizeof(*r));
    return r;
}

/* Points r at the taker's version (its first one holding the extents). */
static int set_taker(ev_ctx_t *c, lr_ev_reuse_t *r, const ev_iv_t *t)
{
    r->seqno = c->ev->vgs[t->g].versions[t->v].seqno;
    r->taker_vg = (int)t->g;
    r->taker_version = (int)t->v;
    r->taker_lv = t->lv;
    r->lv = ev_intern(c->pool, iv_lv(c, t)->name);
    return r->lv ? 0 : -ENOMEM;
}

/* Records that `taker` holds bytes [lo, hi) of `old`'s area. */
static int record(ev_ctx_t *c, const ev_iv_t *old, const ev_iv_t *taker, uint64_t lo, uint64_t hi)
{
    lr_ev_lv_t *o = &c->ev->vgs[old->g].versions[old->v].lvs[old->lv];
    const lr_pv_t *opv = &c->views[old->g][old->v]->pvs[old->pv];
    const lr_lv_t *tl = iv_lv(c, taker);
    const char *tid = tl->id ? tl->id : tl->name;
    lr_ev_reuse_t *r = NULL;
    for (size_t i = 0; i < o->n_reuse && !r; i++) {
        lr_ev_reuse_t *q = &o->reuse[i];
        if (q->taker_vg == (int)taker->g && strcmp(q->lv_id, tid) == 0 &&
            strcmp(q->pv, opv->key) == 0)
            r = q;
    }
    if (!r) {
        if (!(r = new_reuse(o)))
            return -ENOMEM;
        r->other_vg = taker->g != old->g;
        r->vg = ev_intern(c->pool, c->views[taker->g][taker->v]->name);
        r->lv_id = ev_intern(c->pool, tid);
        r->pv = ev_intern(c->pool, opv->key);
        r->pv_id = ev_intern(c->pool, opv->id);
        if (!r->vg || !r->lv_id || !r->pv || !r->pv_id || set_taker(c, r, taker))
            return -ENOMEM;
    } else if (c->ev->vgs[taker->g].versions[taker->v].seqno < r->seqno && set_taker(c, r, taker)) {
        return -ENOMEM;
    }
    /* the taker starts inside these bytes: its signature (probed before)
     * now sits where the old LV's data was */
    const lr_ev_content_t *tc = &c->ev->vgs[taker->g].versions[taker->v].lvs[taker->lv].content;
    if (!r->taker_content && taker->lv_start && taker->a >= lo && taker->a < hi &&
        tc->state == LR_EV_FOUND && tc->type) {
        r->taker_lv_extent = old->le + (taker->a - old->a) / old->ext;
        if (!(r->taker_content = ev_intern(c->pool, tc->type)))
            return -ENOMEM;
    }
    uint64_t first = old->pe + (lo - old->a) / old->ext;
    uint64_t last = old->pe + (hi - 1 - old->a) / old->ext;
    return add_range_sorted(r, first, last);
}

static int cmp_reuse(const void *pa, const void *pb)
{
    const lr_ev_reuse_t *a = pa, *b = pb;
    if (a->seqno != b->seqno)
        return a->seqno < b->seqno ? -1 : 1;
    int k = strcmp(a->vg, b->vg);
    return k ? k : strcmp(a->lv, b->lv);
}

/* Extents of each LV's areas (on PVs that were found), and how many of
 * them some reuse covers: one pass over the intervals. */
static int count_extents(ev_ctx_t *c)
{
    lr_ev_range_t *r = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < c->n_ivs; i++) {
        const ev_iv_t *x = &c->ivs[i];
        lr_ev_lv_t *o = &c->ev->vgs[x->g].versions[x->v].lvs[x->lv];
        uint64_t n = (x->b - x->a) / x->ext;
        o->pv_extents += n;
        if (o->n_reuse == 0 || n == 0)
            continue;
        size_t nr = 0;
        if (ev_reuse_ranges(o, c->views[x->g][x->v]->pvs[x->pv].key, &r, &nr, &cap)) {
            free(r);
            return -ENOMEM;
        }
        o->pv_extents_reused += ev_covered(x->pe, x->pe + n - 1, r, nr);
    }
    free(r);
    return 0;
}

int ev_reuse_all(ev_ctx_t *c)
{
    for (size_t g = 0; g < c->ev->n_vgs; g++)
        for (size_t v = 0; v < c->ev->vgs[g].n_versions; v++)
            if (c->views[g][v] && collect_ivs(c, (uint32_t)g, (uint32_t)v, c->views[g][v]))
                return -ENOMEM;
    if (c->n_ivs > 1)
        qsort(c->ivs, c->n_ivs, sizeof(*c->ivs), cmp_iv);
    /* sorted by start: every interval overlapping ivs[i] from the right
     * starts before its end */
    for (size_t i = 0; i < c->n_ivs; i++) {
        const ev_iv_t *x = &c->ivs[i];
        for (size_t j = i + 1; j < c->n_ivs; j++) {
            const ev_iv_t *y = &c->ivs[j];
            if (y->image != x->image || y->a >= x->b)
                break;
            uint64_t lo = y->a, hi = x->b < y->b ? x->b : y->b;
            int d = direction(c, x, y);
            /* a version only backup files hold never was on the disks:
             * its LVs wrote nothing there, so they took no extents */
            const ev_iv_t *taker = d > 0 ? y : x;
            if (d && ev_beyond_disks(c, taker->g, taker->v))
                continue;
            int rc = d > 0 ? record(c, x, y, lo, hi) : d < 0 ? record(c, y, x, lo, hi) : 0;
            if (rc)
                return rc;
        }
    }
    for (size_t g = 0; g < c->ev->n_vgs; g++) {
        for (size_t v = 0; v < c->ev->vgs[g].n_versions; v++) {
            lr_ev_version_t *ver = &c->ev->vgs[g].versions[v];
            for (size_t l = 0; l < ver->n_lvs; l++) {
                lr_ev_lv_t *o = &ver->lvs[l];
                for (size_t i = 0; i < o->n_reuse; i++) {
                    lr_ev_reuse_t *r = &o->reuse[i];
                    for (size_t k = 0; k < r->n_ranges; k++)
                        r->extents += r->ranges[k].last - r->ranges[k].first + 1;
                }
                if (o->n_reuse > 1)
                    qsort(o->reuse, o->n_reuse, sizeof(*o->reuse), cmp_reuse);
            }
        }
    }
    return count_extents(c);
}
