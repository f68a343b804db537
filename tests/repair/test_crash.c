/* Crash safety of every write path (docs/crash-safety.md).
 *
 * Paths: lvmrepair's restore (lr_repair_plan_new + lr_repair_execute, the
 * open_rw hook), the header and label rebuilds (restores of the
 * label-header-zeroed and second-mda-only fixtures), mlvm's format and
 * create (the vgedit engine, one of them wrapping round the ring) and
 * --apply-undo (lr_undo_apply). Each runs once without a fault (the
 * reference: how many writes and syncs, how long each write is), then once
 * per fault of the matrix, on a fresh copy of its images:
 *
 *   A1 write k fails, nothing of it written    (k = 1..writes)  EIO
 *   A2 write k done, then the crash            (k = 1..writes)  EIO
 *   B  write k fails with ENOSPC, nothing written                ENOSPC
 *   C  write k torn at a random byte (seeded)  (points per write) EIO
 *   D  write k torn at a random sector boundary (writes > 1 sector) ENOSPC
 *   E  sync s fails, the writes before it stay (s = 1..syncs)   EIO
 *   F  sync s fails and the writes since the last good sync are lost EIO
 *
 * through lr_test_fault_io_mode (tests/support/fault.c), which also
 * snapshots the undo file at the moment of the fault (what a power cut
 * leaves: no DONE record). After each fault:
 *
 *   - our scanner reads the image(s) as the old or the new state: the VG's
 *     latest complete version is the old or the new one, seqno and text
 *     byte for byte (for mlvm format from an empty image: no VG, or the new
 *     VG);
 *   - LVM2's view (labels -> area headers -> committed copies, the highest
 *     seqno wins, as LVM2 reads) is the old or the new version, whenever
 *     every sector holds wholly old or wholly new bytes (all faults but C
 *     at a byte inside a sector: a torn sector, which a disk reports as
 *     unreadable rather than mixed). For those the latest version must
 *     still be restorable by lvmrepair (a plan for it is made);
 *   - nothing was written after the fault (the image equals the snapshot);
 *   - the undo file as the program left it puts back the original bytes
 *     exactly, with no --force; the snapshot of it (the power cut) does
 *     too, needing --force only for the ranges of the torn write itself.
 *     Images are compared byte for byte with their pristine copies (and by
 *     SHA-256 after each path's full run).
 *
 * Seed and points per write: LR_CRASH_SEED, LR_CRASH_POINTS (default 2).
 * LR_CRASH_VERBOSE=1 prints each path's writes and syncs, LR_CRASH_KEEP=1
 * keeps the temporary directory.
 *
 *   test_crash                 runs the cmocka tests
 *   test_crash --emit DIR      also keeps, for every fault where sectors are
 *                              whole, the images and undo file in DIR/NNN, a
 *                              line in DIR/cases (see emit_line) and each
 *                              path's original images in DIR/pristine-PATH,
 *                              for tests/repair/interop/crash-lvm.sh (real LVM2)
 *   test_crash --path NAME     only that path (see paths[]) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/label.h"
#include "lr/mda.h"
#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/undo.h"
#include "lr/vgedit.h"
#include "fault.h"
#include "support.h"

#define MAX_IMGS 3
#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define PLAN_TIME 1700000000 /* the restore's creation_time, so every run writes the same */

/* ---- options and shared state ------------------------------------------------------ */

static uint64_t g_seed = 20240611;
static unsigned g_points = 2;
static const char *g_only; /* --path NAME */
static const char *g_emit; /* --emit DIR */
static FILE *g_cases;      /* DIR/cases */
static unsigned g_emitted;
static char g_dir[64];

typedef enum pkind { P_RESTORE, P_FORMAT, P_CREATE, P_APPLY } pkind_t;

typedef struct wpath {
    const char *name;
    pkind_t kind;
    const char *fix; /* restore / apply: the fixture */
    const char *imgs[MAX_IMGS];
    const char *vg;
    uint64_t seqno;    /* restore / apply: the version restored */
    unsigned copies;   /* mlvm: metadata areas */
    uint64_t mda_size; /* mlvm: requested area size, 0 default */
    bool wrap;         /* mlvm create: prepare so the new copy wraps */
    const char *lv;    /* restore: bring back this LV of seqno (--restore-lv) */
    /* restore: the first image's first metadata area is listed with this
     * size in MiB (tests/support/craft_mda.py), over pe_start and LV data:
     * past the device's end the planner rebuilds it clipped before
     * pe_start; ending inside the device it is dropped and that image
     * never written (issue 17 item 2) */
    unsigned craft_mib;
} wpath_t;

static const wpath_t paths[] = {
    {"restore-history", P_RESTORE, "history", {"disk.img"}, "vg0", 15, 0, 0, false, NULL, 0},
    {"restore-stale-pv",
     P_RESTORE,
     "stale-pv",
     {"pv1.img", "pv2.img", "pv3.img"},
     "vgstale",
     9,
     0,
     0,
     false,
     NULL,
     0},
    {"rebuild-label-header",
     P_RESTORE,
     "label-header-zeroed",
     {"disk.img"},
     "vglh",
     11,
     0,
     0,
     false,
     NULL,
     0},
    {"rebuild-second-mda",
     P_RESTORE,
     "second-mda-only",
     {"disk.img"},
     "vgm2",
     10,
     0,
     0,
     false,
     NULL,
     0},
    {"mlvm-format", P_FORMAT, NULL, {"mlvm.img"}, "vgcrash", 0, 2, 0, false, NULL, 0},
    {"mlvm-create", P_CREATE, NULL, {"mlvm.img"}, "vgcrash", 0, 2, 0, false, NULL, 0},
    {"mlvm-create-wrap", P_CREATE, NULL, {"mlvm.img"}, "vgcrash", 0, 1, 32 * KiB, true, NULL, 0},
    {"restore-lv-history", P_RESTORE, "history", {"disk.img"}, "vg0", 15, 0, 0, false, "lv3", 0},
    {"restore-crafted-clipped",
     P_RESTORE,
     "stale-pv",
     {"pv1.img", "pv2.img", "pv3.img"},
     "vgstale",
     9,
     0,
     0,
     false,
     NULL,
     30},
    {"restore-crafted-dropped",
     P_RESTORE,
     "stale-pv",
     {"pv1.img", "pv2.img", "pv3.img"},
     "vgstale",
     9,
     0,
     0,
     false,
     NULL,
     16},
    {"apply-undo-rebuild",
     P_APPLY,
     "label-header-zeroed",
     {"disk.img"},
     "vglh",
     11,
     0,
     0,
     false,
     NULL,
     0},
    {"apply-undo-mlvm", P_APPLY, NULL, {"mlvm.img"}, "vgcrash", 0, 2, 0, false, NULL, 0},
};
#define N_PATHS (sizeof(paths) / sizeof(paths[0]))

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64*: small, seeded, the same sequence everywhere */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static void print_err(const char *what, const lr_error_t *err)
{
    char msg[1024];
    fprintf(stderr, "%s: %s\n", what, lr_error_format(err, msg, sizeof(msg)));
}

#define OK(call, errp)                                                                             \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_) {                                                                                 \
            print_err(#call, errp);                                                                \
            fail_msg("%s failed: %d", #call, rc_);                                                 \
        }                                                                                          \
    } while (0)

/* ---- files ---------------------------------------------------------------------------- */

/* Copies src to dst (replaced), keeping all-zero 4 KiB blocks as holes. */
static void copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY);
    assert_true(in >= 0);
    unlink(dst);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(out >= 0);
    static uint8_t buf[1 << 20];
    static const uint8_t zero[4096];
    off_t off = 0;
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        for (ssize_t b = 0; b < n; b += 4096) {
            size_t len = (size_t)(n - b < 4096 ? n - b : 4096);
            if (len == 4096 && memcmp(buf + b, zero, 4096) == 0)
                continue;
            assert_int_equal(pwrite(out, buf + b, len, off + b), (ssize_t)len);
        }
        off += n;
    }
    assert_int_equal(n, 0);
    assert_int_equal(ftruncate(out, off), 0);
    close(in);
    close(out);
}

/* true when both files hold the same bytes. */
static bool same_file(const char *a, const char *b)
{
    int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
    assert_true(fa >= 0 && fb >= 0);
    static uint8_t ba[1 << 20], bb[1 << 20];
    bool same = true;
    for (;;) {
        ssize_t na = read(fa, ba, sizeof(ba)), nb = read(fb, bb, sizeof(bb));
        assert_true(na >= 0 && nb >= 0);
        if (na != nb || memcmp(ba, bb, (size_t)na) != 0) {
            same = false;
            break;
        }
        if (na == 0)
            break;
    }
    close(fa);
    close(fb);
    return same;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void decompress(const char *fix, const char *img, const char *dst)
{
    char src[512], gz[160];
    snprintf(gz, sizeof(gz), "%s.gz", img);
    lr_test_path(src, sizeof(src), fix, gz);
    assert_int_equal(lr_test_unpack(src, dst, 0), 0);
}

/* ---- what a reader sees ---------------------------------------------------------------- */

typedef struct vstate {
    bool known; /* false: nothing is known (a new text never written) */
    bool has;   /* a version of the VG (else: no VG) */
    uint64_t seqno;
    char *text; /* malloc'd */
} vstate_t;

static void vstate_free(vstate_t *v)
{
    free(v->text);
    memset(v, 0, sizeof(*v));
}

static vstate_t vstate_none(void)
{
    return (vstate_t){.known = true};
}

static bool vmatch(const vstate_t *got, const vstate_t *want)
{
    if (!want->known || got->has != want->has)
        return false;
    return !got->has || (got->seqno == want->seqno && strcmp(got->text, want->text) == 0);
}

static void vdesc(const vstate_t *v, char *buf, size_t len)
{
    if (!v->known)
        snprintf(buf, len, "(never written)");
    else if (!v->has)
        snprintf(buf, len, "no VG");
    else
        snprintf(buf, len, "seqno %" PRIu64 " (%zu bytes)", v->seqno, strlen(v->text));
}

static lr_scan_session_t *scan_images(char paths_[][512], size_t n)
{
    const char *p[MAX_IMGS];
    for (size_t i = 0; i < n; i++)
        p[i] = paths_[i];
    lr_scan_session_t *scan = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    OK(lr_scan_paths(p, n, NULL, &scan, &err), &err);
    return scan;
}

/* The VG named vg in scan, -1 if none (more than one is a failure). */
static int scan_vg(const lr_scan_t *scan, const char *vg)
{
    int idx[4];
    size_t n = lr_scan_find_vgs(scan, vg, idx, 4);
    assert_true(n <= 1);
    return n ? idx[0] : -1;
}

/* Our scanner: the VG's latest complete version, or none. */
static vstate_t scanner_state(const lr_scan_session_t *session, const char *vg)
{
    const lr_scan_t *scan = lr_scan_result(session);
    vstate_t v = vstate_none();
    int i = scan_vg(scan, vg);
    if (i < 0 || scan->vgs[i].latest < 0)
        return v;
    const lr_scan_vg_t *g = &scan->vgs[i];
    int copy = lr_scan_version_copy(scan, (size_t)i, (size_t)g->latest);
    assert_true(copy >= 0);
    lr_error_t err;
    lr_error_clear(&err);
    OK(lr_scan_copy_text(session, (size_t)copy, &v.text, NULL, &err), &err);
    v.has = true;
    v.seqno = g->versions[g->latest].seqno;
    return v;
}

/* LVM2's view: each image's label (checksum and lists valid), the headers
 * of the areas it lists (valid), the copy slot 0 points at (checksum), the
 * highest seqno of vg over all of them. Two different texts with that seqno
 * are a failure. */
static vstate_t lvm_state(char paths_[][512], size_t n, const char *vg)
{
    vstate_t best = vstate_none();
    for (size_t i = 0; i < n; i++) {
        lr_io_t *io = NULL;
        lr_error_t err;
        lr_error_clear(&err);
        OK(lr_io_open(&io, paths_[i], &err), &err);
        lr_label_t l;
        uint64_t sector = 0;
        if (lr_label_read(io, 0, &l, &sector, &err) || !l.crc_ok ||
            lr_label_validate(&l, lr_io_size(io), &err)) {
            lr_io_close(io, NULL);
            continue;
        }
        for (size_t m = 0; m < l.n_mda && m < 2; m++) {
            lr_mda_header_t h;
            if (lr_mda_header_read(io, 0, l.mda[m].offset, &h, &err) ||
                lr_mda_header_validate(&h, l.mda[m].offset, lr_io_size(io), &err))
                continue;
            const lr_raw_locn_t *c = lr_mda_committed(&h);
            if (!c || (c->flags & LR_RAW_LOCN_IGNORED))
                continue;
            char *text = NULL;
            lr_vg_t *v = NULL;
            if (lr_mda_read_text(io, 0, &h, c, &text, &err) == 0 &&
                lr_vg_parse(text, strlen(text), &v, &err) == 0 && strcmp(v->name, vg) == 0) {
                if (best.has && v->seqno == best.seqno && strcmp(text, best.text) != 0)
                    fail_msg("%s: two different copies of %s with seqno %" PRIu64, paths_[i], vg,
                             v->seqno);
                if (!best.has || v->seqno > best.seqno) {
                    free(best.text);
                    best.has = true;
                    best.seqno = v->seqno;
                    best.text = text;
                    text = NULL;
                }
            }
            lr_vg_free(v);
            free(text);
        }
        lr_io_close(io, NULL);
    }
    return best;
}

/* ---- the run context ------------------------------------------------------------------ */

typedef struct counts {
    unsigned a1, a2, b, c, c_torn, d, e, f, full;
    unsigned lvm_checked, torn_sector, snap_force;
} counts_t;

typedef struct runctx {
    const wpath_t *p;
    size_t n;
    char pristine[MAX_IMGS][512]; /* what the undo files must bring back */
    char base[MAX_IMGS][512];     /* what each case starts from */
    char work[MAX_IMGS][512];
    char snap[MAX_IMGS][512]; /* the images at the moment of the fault */
    char undo[512], snap_undo[512], ref_undo[512];
    vstate_t scan_old, scan_new, lvm_old, lvm_new;
    /* Where a restore may write, from each pristine image's own label
     * (decoded here, not by lr/label.h): the label sectors and every
     * metadata area it lists, cut before pe_start. n_allowed 0: no label
     * to go by (a zeroed one), not checked. */
    struct {
        uint64_t start, end; /* [start, end) */
    } allowed[MAX_IMGS][8];
    size_t n_allowed[MAX_IMGS];
    bool untouched[MAX_IMGS]; /* nothing of it may change at all */
    /* the reference run */
    size_t n_writes, n_syncs;
    size_t *wlen;
    counts_t cnt;
} runctx_t;

/* ---- the recording layer and the open hook ------------------------------------------- */

typedef struct rec_op {
    int image;
    bool sync;
    uint64_t off;
    size_t len;
    uint8_t *bytes;
} rec_op_t;

typedef struct hook {
    runctx_t *ctx;
    const char *mode; /* NULL: no fault (counts only) */
    unsigned at;
    unsigned counter;
    rec_op_t *ops; /* every write and sync that came down, the failing one included */
    size_t n_ops, cap_ops;
    bool fired;
    size_t fired_op; /* index into ops of the operation that failed */
    /* The path identity test: once the run opened image swap_image, the
     * path is moved to held and decoy takes its name (mv between plan and
     * write); -1 none. */
    int swap_image;
    const char *held, *decoy;
} hook_t;

typedef struct rec_layer {
    lr_io_t *lower; /* owned */
    hook_t *h;
    int image;
} rec_layer_t;

static void hook_add(hook_t *h, int image, bool sync, const void *buf, size_t len, uint64_t off)
{
    if (h->n_ops == h->cap_ops) {
        h->cap_ops = h->cap_ops ? 2 * h->cap_ops : 32;
        h->ops = realloc(h->ops, h->cap_ops * sizeof(*h->ops));
        assert_non_null(h->ops);
    }
    rec_op_t *o = &h->ops[h->n_ops++];
    *o = (rec_op_t){.image = image, .sync = sync, .off = off, .len = len};
    if (!sync) {
        o->bytes = malloc(len ? len : 1);
        assert_non_null(o->bytes);
        memcpy(o->bytes, buf, len);
    }
}

static void hook_free(hook_t *h)
{
    for (size_t i = 0; i < h->n_ops; i++)
        free(h->ops[i].bytes);
    free(h->ops);
    h->ops = NULL;
    h->n_ops = h->cap_ops = 0;
}

static int rec_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    rec_layer_t *r = ctx;
    return lr_io_pread(r->lower, buf, len, off, err);
}

static int rec_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    rec_layer_t *r = ctx;
    hook_add(r->h, r->image, false, buf, len, off);
    return lr_io_pwrite(r->lower, buf, len, off, err);
}

static int rec_sync(void *ctx, lr_error_t *err)
{
    rec_layer_t *r = ctx;
    hook_add(r->h, r->image, true, NULL, 0, 0);
    return lr_io_sync(r->lower, err);
}

static int rec_close(void *ctx, lr_error_t *err)
{
    rec_layer_t *r = ctx;
    int rc = lr_io_close(r->lower, err);
    free(r);
    return rc;
}

static const lr_io_ops_t rec_ops = {
    .name = "record",
    .pread = rec_pread,
    .pwrite = rec_pwrite,
    .sync = rec_sync,
    .close = rec_close,
};

/* The fault took effect: keep the images and the undo file as they are
 * now, which is what a power cut at this moment leaves. */
static void on_fault(void *arg)
{
    hook_t *h = arg;
    runctx_t *c = h->ctx;
    assert_false(h->fired);
    h->fired = true;
    h->fired_op = h->n_ops - 1;
    for (size_t i = 0; i < c->n; i++)
        copy_file(c->work[i], c->snap[i]);
    if (exists(c->undo))
        copy_file(c->undo, c->snap_undo);
}

static int hook_open(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err)
{
    hook_t *h = arg;
    int image = -1;
    for (size_t i = 0; i < h->ctx->n; i++)
        if (strcmp(path, h->ctx->work[i]) == 0)
            image = (int)i;
    assert_true(image >= 0);
    lr_io_t *raw = NULL, *fault = NULL;
    int rc = lr_io_open_rw(&raw, path, flags, err);
    if (rc)
        return rc;
    if (h->swap_image == image && h->held) {
        assert_int_equal(rename(path, h->held), 0);
        assert_int_equal(rename(h->decoy, path), 0);
    }
    rc = lr_test_fault_io_mode(raw, &h->counter, h->mode ? h->at : 0, h->mode ? h->mode : "write",
                               on_fault, h, &fault, err);
    if (rc) {
        lr_io_close(raw, NULL);
        return rc;
    }
    rec_layer_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    *r = (rec_layer_t){.lower = fault, .h = h, .image = image};
    rc = lr_io_new(out, &rec_ops, r, lr_io_size(fault), lr_io_name(fault), err);
    if (rc) {
        free(r);
        lr_io_close(fault, NULL);
    }
    return rc;
}

/* The text the run was writing (mlvm), from the writes that came down: the
 * first one starting with the VG section, continued by the next write when
 * the copy wraps. known is false when no such write was attempted. */
static vstate_t captured_text(const runctx_t *c, const hook_t *h, uint64_t seqno)
{
    vstate_t v = {0};
    char head[160];
    int hl = snprintf(head, sizeof(head), "%s {\n", c->p->vg);
    for (size_t i = 0; i < h->n_ops; i++) {
        const rec_op_t *o = &h->ops[i];
        if (o->sync || o->len < (size_t)hl || memcmp(o->bytes, head, (size_t)hl) != 0)
            continue;
        size_t len = strnlen((const char *)o->bytes, o->len);
        char *t = malloc(len + 1);
        assert_non_null(t);
        memcpy(t, o->bytes, len);
        t[len] = '\0';
        if (len == o->len) { /* wrapped: the rest is the next write */
            size_t j = i + 1;
            while (j < h->n_ops && h->ops[j].sync)
                j++;
            if (j == h->n_ops) { /* the run never got there: not a complete copy */
                free(t);
                return v;
            }
            const rec_op_t *o2 = &h->ops[j];
            size_t l2 = strnlen((const char *)o2->bytes, o2->len);
            assert_true(l2 < o2->len);
            t = realloc(t, len + l2 + 1);
            assert_non_null(t);
            memcpy(t + len, o2->bytes, l2);
            t[len + l2] = '\0';
        }
        lr_vg_t *vg = NULL;
        lr_error_t err;
        lr_error_clear(&err);
        OK(lr_vg_parse(t, strlen(t), &vg, &err), &err);
        assert_int_equal(vg->seqno, seqno);
        lr_vg_free(vg);
        v = (vstate_t){.known = true, .has = true, .seqno = seqno, .text = t};
        return v;
    }
    return v;
}

/* ---- the write paths ------------------------------------------------------------------- */

/* The plan of a restore path on c->work: the whole version, or its LV
 * p->lv brought back into the current version. */
static int plan_restore(runctx_t *c, lr_repair_plan_t **plan, lr_error_t *err)
{
    lr_scan_session_t *scan = scan_images(c->work, c->n);
    lr_repair_opts_t o = {
        .vg = c->p->vg, .seqno = c->p->seqno, .host = "crashtest", .now = PLAN_TIME};
    const char *names[] = {c->p->lv};
    lr_repair_lv_opts_t lo = {.names = names, .n_names = 1};
    int rc = c->p->lv ? lr_repair_plan_restore_lv(scan, NULL, &o, &lo, plan, err)
                      : lr_repair_plan_new(scan, NULL, &o, plan, err);
    lr_scan_session_free(scan);
    return rc;
}

static int run_restore(runctx_t *c, hook_t *h, lr_repair_plan_t **keep, lr_error_t *err)
{
    lr_repair_plan_t *plan = NULL;
    int rc = plan_restore(c, &plan, err);
    if (rc) {
        print_err("plan", err);
        fail_msg("%s: no plan", c->p->name);
    }
    lr_repair_exec_opts_t eo = {.undo_path = c->undo, .open_rw = hook_open, .open_arg = h};
    rc = lr_repair_execute(plan, &eo, err);
    if (keep)
        *keep = plan;
    else
        lr_repair_plan_free(plan);
    return rc;
}

static void mlvm_format_opts(const runctx_t *c, lr_vgedit_format_opts_t *o)
{
    lr_vgedit_format_defaults(o);
    o->vg_name = c->p->vg;
    o->metadata_copies = c->p->copies;
    o->metadata_size = c->p->mda_size;
    o->extent_size = MiB;
    /* A small ring (pvcreate --dataalignment 64k --metadatasize 32k: a
     * 60 KiB area) wraps after a few dozen versions. */
    o->data_alignment = c->p->mda_size ? 64 * KiB : 0;
    o->description = "crash test";
}

static int run_format(runctx_t *c, hook_t *h, lr_error_t *err)
{
    lr_vgedit_format_opts_t o;
    mlvm_format_opts(c, &o);
    lr_vgedit_io_opts_t io = {.undo_path = c->undo, .open_rw = hook_open, .open_arg = h};
    return lr_vgedit_format_ex(c->work[0], &o, &io, NULL, err);
}

static int run_create(runctx_t *c, hook_t *h, lr_error_t *err)
{
    lr_vgedit_io_opts_t io = {.undo_path = c->undo, .open_rw = hook_open, .open_arg = h};
    lr_vgedit_t *ed = NULL;
    int rc = lr_vgedit_open_ex(&ed, c->work[0], LR_VGEDIT_WRITE, &io, err);
    if (rc) {
        print_err("open", err);
        fail_msg("%s: cannot open", c->p->name);
    }
    OK(lr_vgedit_lv_create(ed, "fresh", 2, err), err);
    rc = lr_vgedit_commit(ed, "crash test: create fresh", err);
    lr_vgedit_free(ed);
    return rc;
}

static int run_apply(runctx_t *c, hook_t *h, lr_error_t *err)
{
    lr_undo_file_t *f = NULL;
    OK(lr_undo_read(c->ref_undo, &f, err), err);
    assert_int_equal(f->n_images, c->n);
    lr_io_t *ios[MAX_IMGS] = {0};
    for (size_t i = 0; i < c->n; i++)
        OK(hook_open(h, c->work[i], LR_IO_RDWR | LR_IO_EXCL, &ios[i], err), err);
    int rc = lr_undo_apply(f, ios, false, NULL, err);
    for (size_t i = 0; i < c->n; i++)
        lr_io_close(ios[i], NULL);
    lr_undo_file_free(f);
    return rc;
}

static int run_path(runctx_t *c, hook_t *h, lr_error_t *err)
{
    switch (c->p->kind) {
    case P_RESTORE:
        return run_restore(c, h, NULL, err);
    case P_FORMAT:
        return run_format(c, h, err);
    case P_CREATE:
        return run_create(c, h, err);
    case P_APPLY:
        return run_apply(c, h, err);
    }
    return -EINVAL;
}

/* ---- checks ------------------------------------------------------------------------------ */

static void set_work_paths(runctx_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        snprintf(c->work[i], sizeof(c->work[i]), "%s/work-%s", g_dir, c->p->imgs[i]);
        snprintf(c->snap[i], sizeof(c->snap[i]), "%s/snap-%s", g_dir, c->p->imgs[i]);
    }
    snprintf(c->undo, sizeof(c->undo), "%s/undo", g_dir);
    snprintf(c->snap_undo, sizeof(c->snap_undo), "%s/snap-undo", g_dir);
}

static void fresh_work(runctx_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        copy_file(c->base[i], c->work[i]);
        unlink(c->snap[i]);
    }
    unlink(c->undo);
    unlink(c->snap_undo);
}

/* The scanner's latest version is an uncommitted copy whose text is a
 * strict prefix of the new text with the new seqno (it parses, so the VG
 * section is whole: only header lines after it are missing). */
static bool torn_trailer(const lr_scan_t *scan, const runctx_t *c, const vstate_t *s,
                         const vstate_t *scan_new)
{
    if (!s->has || !scan_new->known || !scan_new->has || s->seqno != scan_new->seqno)
        return false;
    size_t n = strlen(s->text);
    if (n >= strlen(scan_new->text) || memcmp(s->text, scan_new->text, n) != 0)
        return false;
    int vi = scan_vg(scan, c->p->vg);
    return !scan->vgs[vi].versions[scan->vgs[vi].latest].committed;
}

/* The image(s) read as old or new; returns whether LVM2's view was one of
 * them (false only for a torn sector, which must then be restorable). */
static bool check_state(runctx_t *c, char imgs[][512], const vstate_t *scan_new,
                        const vstate_t *lvm_new, bool aligned, const char *label)
{
    char d1[64], d2[64], d3[64];
    lr_scan_session_t *scan = scan_images(imgs, c->n);
    vstate_t s = scanner_state(scan, c->p->vg);
    if (!vmatch(&s, &c->scan_old) && !vmatch(&s, scan_new) &&
        torn_trailer(lr_scan_result(scan), c, &s, scan_new)) {
        /* A text write torn after the VG section, into a ring that is zero
         * beyond it, leaves an uncommitted copy that still parses; the
         * scanner must call it partial (lr_scan_copy_t.ends_whole). */
        fail_msg("%s: the scanner takes a torn, uncommitted copy of seqno %" PRIu64
                 " (%zu of %zu bytes, VG section whole, header lines cut) as complete",
                 label, s.seqno, strlen(s.text), strlen(scan_new->text));
    } else if (!vmatch(&s, &c->scan_old) && !vmatch(&s, scan_new)) {
        vdesc(&s, d1, sizeof(d1));
        vdesc(&c->scan_old, d2, sizeof(d2));
        vdesc(scan_new, d3, sizeof(d3));
        size_t tl = s.has ? strlen(s.text) : 0;
        fail_msg("%s: the scanner reads %s %s: neither the old (%s) nor the new (%s) state; "
                 "its text ends \"%s\"",
                 label, c->p->vg, d1, d2, d3, s.has ? s.text + (tl > 80 ? tl - 80 : 0) : "");
    }
    vstate_t l = lvm_state(imgs, c->n, c->p->vg);
    bool lvm_ok = vmatch(&l, &c->lvm_old) || vmatch(&l, lvm_new);
    if (!lvm_ok && aligned) {
        vdesc(&l, d1, sizeof(d1));
        vdesc(&c->lvm_old, d2, sizeof(d2));
        vdesc(lvm_new, d3, sizeof(d3));
        fail_msg("%s: LVM2 would read %s %s: neither the old (%s) nor the new (%s) state", label,
                 c->p->vg, d1, d2, d3);
    }
    if (!lvm_ok && s.has) {
        /* A torn area header or label sector: lvmrepair puts the version
         * the scanner found back. */
        const lr_scan_t *r = lr_scan_result(scan);
        int vi = scan_vg(r, c->p->vg);
        const lr_scan_version_t *ver = &r->vgs[vi].versions[r->vgs[vi].latest];
        lr_repair_opts_t o = {.vg = c->p->vg,
                              .seqno = s.seqno,
                              .has_crc = true,
                              .crc = ver->crc,
                              .host = "crashtest",
                              .now = PLAN_TIME};
        lr_repair_plan_t *plan = NULL;
        lr_error_t err;
        lr_error_clear(&err);
        int rc = lr_repair_plan_new(scan, NULL, &o, &plan, &err);
        if (rc) {
            print_err(label, &err);
            fail_msg("%s: a torn sector left %s unreadable for LVM2 and not restorable", label,
                     c->p->vg);
        }
        lr_repair_plan_free(plan);
    }
    vstate_free(&s);
    vstate_free(&l);
    lr_scan_session_free(scan);
    return lvm_ok;
}

/* Applies undo to imgs; ranges may be CHANGED only where they overlap the
 * torn write (then --force is needed and used). Every image must then be
 * byte-identical to its pristine copy. Returns whether force was needed. */
static bool undo_restores(runctx_t *c, char imgs[][512], const char *undo, const rec_op_t *torn,
                          int torn_image, const char *label)
{
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    OK(lr_undo_read(undo, &f, &err), &err);
    assert_true(f->n_images <= c->n);
    lr_io_t *ios[MAX_IMGS] = {0};
    int map[MAX_IMGS];
    for (size_t i = 0; i < f->n_images; i++) {
        /* The file names the work images; apply to imgs[] at that index. */
        map[i] = -1;
        for (size_t j = 0; j < c->n; j++)
            if (strcmp(f->images[i].path, c->work[j]) == 0 ||
                strcmp(f->images[i].path, c->base[j]) == 0)
                map[i] = (int)j;
        assert_true(map[i] >= 0);
        OK(lr_io_open_rw(&ios[i], imgs[map[i]], LR_IO_RDWR | LR_IO_EXCL, &err), &err);
    }
    lr_undo_verdict_t *v = calloc(f->n_ranges ? f->n_ranges : 1, sizeof(*v));
    assert_non_null(v);
    int rc = lr_undo_check(f, ios, v, &err);
    bool force = false;
    for (size_t i = 0; i < f->n_ranges; i++) {
        if (v[i] != LR_UNDO_CHANGED)
            continue;
        const lr_undo_range_t *r = &f->ranges[i];
        bool explained = torn && map[r->image] == torn_image && r->offset < torn->off + torn->len &&
                         torn->off < r->offset + r->length;
        if (!explained)
            fail_msg("%s: undo range %zu (bytes %" PRIu64 "+%" PRIu64
                     ") changed, and no torn write explains it",
                     label, i, r->offset, r->length);
        force = true;
    }
    assert_int_equal(rc, force ? LR_EREFUSED : 0);
    /* a torn range of a run that never finished is not "changed since" */
    if (force && !f->finished && !strstr(err.msg, "interrupted run announced"))
        fail_msg("%s: torn range reported as \"%s\"", label, err.msg);
    lr_error_clear(&err);
    OK(lr_undo_apply(f, ios, force, NULL, &err), &err);
    for (size_t i = 0; i < f->n_images; i++)
        lr_io_close(ios[i], NULL);
    free(v);
    lr_undo_file_free(f);
    for (size_t i = 0; i < c->n; i++)
        if (!same_file(imgs[i], c->pristine[i]))
            fail_msg("%s: after the undo %s differs from the original", label, imgs[i]);
    return force;
}

/* No byte of imgs outside the ranges a restore may write (c->allowed)
 * differs from the pristine image; an untouched image not at all. */
static void check_outside(const runctx_t *c, char imgs[][512], const char *label)
{
    if (c->p->kind != P_RESTORE)
        return;
    static uint8_t ba[1 << 20], bb[1 << 20];
    for (size_t i = 0; i < c->n; i++) {
        if (!c->n_allowed[i] && !c->untouched[i])
            continue;
        int fa = open(imgs[i], O_RDONLY), fb = open(c->pristine[i], O_RDONLY);
        assert_true(fa >= 0 && fb >= 0);
        uint64_t off = 0;
        for (;;) {
            ssize_t na = read(fa, ba, sizeof(ba)), nb = read(fb, bb, sizeof(bb));
            assert_true(na >= 0 && na == nb);
            if (na == 0)
                break;
            for (ssize_t k = 0; k < na; k++) {
                if (ba[k] == bb[k])
                    continue;
                uint64_t at = off + (uint64_t)k;
                bool ok = false;
                for (size_t r = 0; r < c->n_allowed[i] && !c->untouched[i]; r++)
                    ok |= at >= c->allowed[i][r].start && at < c->allowed[i][r].end;
                if (!ok)
                    fail_msg("%s: byte %" PRIu64 " of %s changed: %s", label, at, c->p->imgs[i],
                             c->untouched[i] ? "its only metadata area runs over its data, so "
                                               "nothing of it may be written"
                                             : "outside the label sectors and the metadata "
                                               "areas cut before pe_start");
            }
            off += (uint64_t)na;
        }
        close(fa);
        close(fb);
    }
}

/* c->allowed[i] from the pristine image's label, decoded byte by byte:
 * "LABELONE" in sectors 0..3, the PV header 32 bytes into it (UUID, device
 * size), then the data areas (the first one's offset is pe_start) and the
 * metadata areas, each list ended by a zero entry. */
static void allowed_ranges(runctx_t *c, size_t i)
{
    uint8_t b[2048];
    int fd = open(c->pristine[i], O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, b, sizeof(b), 0), (ssize_t)sizeof(b));
    close(fd);
    c->n_allowed[i] = 0;
    size_t l = 0;
    while (l < sizeof(b) && memcmp(b + l, "LABELONE", 8) != 0)
        l += 512;
    if (l == sizeof(b))
        return; /* a zeroed label: nothing to go by */
    size_t d = l + 32 + 40;
    uint64_t pe_start = lr_test_get_le64(b + d);
    while (d + 16 <= sizeof(b) && (lr_test_get_le64(b + d) || lr_test_get_le64(b + d + 8)))
        d += 16;
    d += 16;
    c->allowed[i][c->n_allowed[i]].start = 0;
    c->allowed[i][c->n_allowed[i]++].end = 2048; /* the label sectors */
    for (; d + 16 <= sizeof(b) && c->n_allowed[i] < 8; d += 16) {
        uint64_t off = lr_test_get_le64(b + d), size = lr_test_get_le64(b + d + 8);
        if (!off && !size)
            break;
        uint64_t end = off + size;
        if (off < pe_start && end > pe_start)
            end = pe_start; /* never over the data */
        c->allowed[i][c->n_allowed[i]].start = off;
        c->allowed[i][c->n_allowed[i]++].end = end;
    }
}

/* ---- emitting cases for the interop script ---------------------------------------------- */

static void vseq(const vstate_t *v, char *buf, size_t len)
{
    if (!v->known)
        snprintf(buf, len, "?");
    else if (!v->has)
        snprintf(buf, len, "none");
    else
        snprintf(buf, len, "%" PRIu64, v->seqno);
}

/* Keeps the images as the fault left them and the undo file in DIR/NNN;
 * emit_line adds the case to DIR/cases once the undo was checked. */
static void emit_case(runctx_t *c, const char *undo)
{
    char dir[600], dst[800];
    snprintf(dir, sizeof(dir), "%s/%04u", g_emit, ++g_emitted);
    assert_int_equal(mkdir(dir, 0755), 0);
    for (size_t i = 0; i < c->n; i++) {
        snprintf(dst, sizeof(dst), "%s/%s", dir, c->p->imgs[i]);
        copy_file(c->work[i], dst);
    }
    snprintf(dst, sizeof(dst), "%s/undo", dir);
    copy_file(undo, dst);
    /* The images the undo file covers, in its order (lvmrepair --apply-undo
     * FILE IMAGE... takes exactly those). */
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    OK(lr_undo_read(undo, &f, &err), &err);
    snprintf(dst, sizeof(dst), "%s/undo-images", dir);
    FILE *ui = fopen(dst, "w");
    assert_non_null(ui);
    for (size_t i = 0; i < f->n_images; i++) {
        const char *b = strrchr(f->images[i].path, '/');
        b = b ? b + 1 : f->images[i].path;
        /* work-NAME or restored-NAME: the image is NAME */
        const char *dash = strchr(b, '-');
        fprintf(ui, "%s\n", dash ? dash + 1 : b);
    }
    fclose(ui);
    lr_undo_file_free(f);
}

/* "NNN PATH MODE AT VG OLD NEW FORCE IMG...": OLD and NEW are the seqnos
 * LVM2 may read (none: no VG), FORCE says whether --apply-undo needs
 * --force (an apply-undo torn inside a range). */
static void emit_line(runctx_t *c, const char *mode, unsigned at, const vstate_t *lvm_new,
                      bool force)
{
    char o[32], n[32];
    vseq(&c->lvm_old, o, sizeof(o));
    vseq(lvm_new, n, sizeof(n));
    fprintf(g_cases, "%04u %s %s %u %s %s %s %s", g_emitted, c->p->name, mode, at, c->p->vg, o, n,
            force ? "force" : "-");
    for (size_t i = 0; i < c->n; i++)
        fprintf(g_cases, " %s", c->p->imgs[i]);
    fprintf(g_cases, "\n");
    fflush(g_cases);
}

/* ---- one case ---------------------------------------------------------------------------- */

/* Runs the path with a fault (mode at `at`; NULL: none) and checks it. */
static void run_case(runctx_t *c, const char *mode, unsigned at, int want, bool aligned)
{
    char label[160];
    snprintf(label, sizeof(label), "%s: %s at %u", c->p->name, mode ? mode : "no fault", at);
    fresh_work(c);
    hook_t h = {.ctx = c, .mode = mode, .at = at};
    lr_error_t err;
    lr_error_clear(&err);
    int rc = run_path(c, &h, &err);
    if (mode) {
        if (rc != want) {
            print_err(label, &err);
            fail_msg("%s: returned %d, want %d", label, rc, want);
        }
        assert_true(h.fired);
        assert_int_equal(h.counter, UINT_MAX);
        assert_true(strstr(err.msg, "injected fault") != NULL);
    } else {
        if (rc)
            print_err(label, &err);
        assert_int_equal(rc, 0);
        assert_false(h.fired);
    }
    /* The new state: the restore's is known; mlvm's is the text it wrote. */
    vstate_t cap = {0};
    const vstate_t *scan_new = &c->scan_new, *lvm_new = &c->lvm_new;
    if (c->p->kind == P_FORMAT || c->p->kind == P_CREATE) {
        cap = captured_text(c, &h, c->p->kind == P_FORMAT ? 1 : c->scan_old.seqno + 1);
        scan_new = lvm_new = &cap;
        if (!mode)
            assert_true(cap.known);
    }
    bool lvm_ok = check_state(c, c->work, scan_new, lvm_new, aligned, label);
    check_outside(c, c->work, label);
    if (!mode) {
        /* Without a fault the new state is reached, for both readers. */
        lr_scan_session_t *scan = scan_images(c->work, c->n);
        vstate_t s = scanner_state(scan, c->p->vg), l = lvm_state(c->work, c->n, c->p->vg);
        assert_true(vmatch(&s, scan_new));
        assert_true(vmatch(&l, lvm_new));
        vstate_free(&s);
        vstate_free(&l);
        lr_scan_session_free(scan);
    }
    if (aligned)
        c->cnt.lvm_checked++;
    else if (!lvm_ok)
        c->cnt.torn_sector++;
    if (g_emit && aligned)
        emit_case(c, c->p->kind == P_APPLY ? c->ref_undo : c->undo);
    const rec_op_t *torn = NULL;
    if (mode && !strncmp(mode, "short=", 6))
        torn = &h.ops[h.fired_op];
    if (mode) {
        /* Nothing reached the image after the fault. */
        for (size_t i = 0; i < c->n; i++)
            if (!same_file(c->work[i], c->snap[i]))
                fail_msg("%s: %s was written after the fault", label, c->work[i]);
        /* The power cut: the undo file as it was then (no DONE record). */
        if (c->p->kind != P_APPLY && exists(c->snap_undo) &&
            undo_restores(c, c->snap, c->snap_undo, torn, torn ? torn->image : -1, label))
            c->cnt.snap_force++;
    }
    /* The undo file as the program left it needs no force. */
    bool force = false;
    if (c->p->kind == P_APPLY) {
        /* An interrupted apply is run again (--force only over the torn
         * write's ranges). */
        force = undo_restores(c, c->work, c->ref_undo, torn, torn ? torn->image : -1, label);
        c->cnt.snap_force += force;
    } else {
        assert_true(exists(c->undo));
        assert_false(undo_restores(c, c->work, c->undo, NULL, -1, label));
    }
    if (g_emit && aligned)
        emit_line(c, mode ? mode : "none", at, lvm_new, force);
    if (!mode) {
        for (size_t i = 0; i < c->n; i++) {
            char a[65], b[65];
            assert_int_equal(lr_test_sha256_file(c->work[i], a), 0);
            assert_int_equal(lr_test_sha256_file(c->pristine[i], b), 0);
            assert_string_equal(a, b);
        }
    }
    vstate_free(&cap);
    hook_free(&h);
}

/* ---- preparing a path ------------------------------------------------------------------ */

/* An empty 16 MiB image. */
static void mlvm_image(const char *dst)
{
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)(16 * MiB)), 0);
    close(fd);
}

static void mlvm_formatted(runctx_t *c, const char *dst)
{
    mlvm_image(dst);
    lr_vgedit_format_opts_t o;
    mlvm_format_opts(c, &o);
    lr_error_t err;
    lr_error_clear(&err);
    OK(lr_vgedit_format(dst, &o, NULL, &err), &err);
    lr_vgedit_t *ed = NULL;
    OK(lr_vgedit_open(&ed, dst, LR_VGEDIT_WRITE, &err), &err);
    OK(lr_vgedit_lv_create(ed, "first", 3, &err), &err);
    OK(lr_vgedit_lv_create(ed, "second", 2, &err), &err);
    OK(lr_vgedit_commit(ed, "prepare", &err), &err);
    OK(lr_vgedit_lv_remove(ed, "first", &err), &err);
    OK(lr_vgedit_commit(ed, "prepare", &err), &err);
    lr_vgedit_free(ed);
}

/* One more version (a rename back and forth) on dst. */
static void mlvm_one_more(const char *dst, int i)
{
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    OK(lr_vgedit_open(&ed, dst, LR_VGEDIT_WRITE, &err), &err);
    OK(lr_vgedit_lv_rename(ed, i % 2 ? "other" : "second", i % 2 ? "second" : "other", &err), &err);
    OK(lr_vgedit_commit(ed, "prepare", &err), &err);
    lr_vgedit_free(ed);
}

/* Text writes of the create in a trial run (2 when the copy wraps). */
static unsigned trial_text_writes(runctx_t *c)
{
    fresh_work(c);
    hook_t h = {.ctx = c};
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(run_create(c, &h, &err), 0);
    /* lr_mda_commit: the text (two writes when it wraps), sync, header, sync */
    unsigned n = 0;
    for (size_t i = 0; i < h.n_ops && !h.ops[i].sync; i++)
        n++;
    hook_free(&h);
    return n;
}

static void state_of(runctx_t *c, char imgs[][512], vstate_t *scan_v, vstate_t *lvm_v)
{
    lr_scan_session_t *scan = scan_images(imgs, c->n);
    *scan_v = scanner_state(scan, c->p->vg);
    lr_scan_session_free(scan);
    *lvm_v = lvm_state(imgs, c->n, c->p->vg);
}

/* The hostile first image of issue 17 item 2, made by the generator the
 * other hostile tests share; an area ending inside the device is dropped
 * by the planner, so that image must never change. */
static void craft(runctx_t *c, unsigned mib)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "python3 '%s/craft_mda.py' '%s' %u", LR_TEST_SUPPORT_DIR,
             c->pristine[0], mib);
    assert_int_equal(system(cmd), 0);
    struct stat st;
    assert_int_equal(stat(c->pristine[0], &st), 0);
    c->untouched[0] = 4096 + ((uint64_t)mib << 20) <= (uint64_t)st.st_size;
}

static bool have_python(void)
{
    return system("command -v python3 >/dev/null 2>&1") == 0;
}

static void prepare(runctx_t *c)
{
    const wpath_t *p = c->p;
    for (c->n = 0; c->n < MAX_IMGS && p->imgs[c->n]; c->n++) {
        snprintf(c->pristine[c->n], sizeof(c->pristine[c->n]), "%s/pristine-%s", g_dir,
                 p->imgs[c->n]);
        memcpy(c->base[c->n], c->pristine[c->n], sizeof(c->base[c->n]));
    }
    set_work_paths(c);
    for (size_t i = 0; i < c->n; i++) {
        if (p->fix)
            decompress(p->fix, p->imgs[i], c->pristine[i]);
        else if (p->kind == P_FORMAT)
            mlvm_image(c->pristine[i]);
        else
            mlvm_formatted(c, c->pristine[i]);
    }
    if (p->craft_mib)
        craft(c, p->craft_mib);
    for (size_t i = 0; i < c->n; i++)
        allowed_ranges(c, i);
    if (p->wrap) {
        /* Versions until the next copy wraps round the end of the ring. */
        int i = 0;
        while (trial_text_writes(c) != 2) {
            assert_true(i < 200);
            mlvm_one_more(c->pristine[0], i++);
        }
        fprintf(stderr, "%s: %d more versions before the next copy wraps\n", p->name, i);
    }
    if (g_emit) {
        /* What the interop script compares the undone images with. */
        char d[600], dst[800];
        snprintf(d, sizeof(d), "%s/pristine-%s", g_emit, p->name);
        assert_int_equal(mkdir(d, 0755), 0);
        for (size_t i = 0; i < c->n; i++) {
            snprintf(dst, sizeof(dst), "%s/%s", d, p->imgs[i]);
            copy_file(c->pristine[i], dst);
        }
    }
    state_of(c, c->pristine, &c->scan_old, &c->lvm_old);
    if (p->kind == P_FORMAT) {
        assert_false(c->scan_old.has);
        assert_false(c->lvm_old.has);
    }
    if (p->kind == P_APPLY) {
        /* The undo file of a finished write: a restore, or an mlvm create.
         * The apply starts from its result and goes back to the original. */
        hook_t h = {.ctx = c};
        lr_error_t err;
        lr_error_clear(&err);
        fresh_work(c);
        if (p->fix)
            assert_int_equal(run_restore(c, &h, NULL, &err), 0);
        else
            assert_int_equal(run_create(c, &h, &err), 0);
        hook_free(&h);
        snprintf(c->ref_undo, sizeof(c->ref_undo), "%s/ref-undo", g_dir);
        copy_file(c->undo, c->ref_undo);
        for (size_t i = 0; i < c->n; i++) {
            snprintf(c->base[i], sizeof(c->base[i]), "%s/restored-%s", g_dir, p->imgs[i]);
            copy_file(c->work[i], c->base[i]);
        }
        c->scan_new = c->scan_old;
        c->lvm_new = c->lvm_old;
        state_of(c, c->base, &c->scan_old, &c->lvm_old);
        assert_false(vmatch(&c->scan_old, &c->scan_new));
    }
    /* The reference run: no fault; every write and sync recorded. */
    fresh_work(c);
    hook_t h = {.ctx = c};
    lr_error_t err;
    lr_error_clear(&err);
    lr_repair_plan_t *plan = NULL;
    int rc = p->kind == P_RESTORE ? run_restore(c, &h, &plan, &err) : run_path(c, &h, &err);
    if (rc)
        print_err(p->name, &err);
    assert_int_equal(rc, 0);
    c->wlen = calloc(h.n_ops + 1, sizeof(*c->wlen));
    assert_non_null(c->wlen);
    bool verbose = getenv("LR_CRASH_VERBOSE") != NULL;
    for (size_t i = 0; i < h.n_ops; i++) {
        if (h.ops[i].sync)
            c->n_syncs++;
        else
            c->wlen[c->n_writes++] = h.ops[i].len;
        if (verbose && h.ops[i].sync)
            fprintf(stderr, "  %s: sync %zu (%s)\n", p->name, c->n_syncs, p->imgs[h.ops[i].image]);
        else if (verbose)
            fprintf(stderr, "  %s: write %zu: %s bytes %" PRIu64 "..%" PRIu64 " (%zu)\n", p->name,
                    c->n_writes, p->imgs[h.ops[i].image], h.ops[i].off,
                    h.ops[i].off + h.ops[i].len - 1, h.ops[i].len);
    }
    if (p->kind == P_RESTORE) {
        /* The new state is the plan's version, for both readers. */
        c->scan_new = (vstate_t){.known = true, .has = true, .seqno = plan->new_seqno};
        c->scan_new.text = strdup(plan->text);
        c->lvm_new = c->scan_new;
        c->lvm_new.text = strdup(plan->text);
        assert_non_null(c->scan_new.text);
        assert_non_null(c->lvm_new.text);
        assert_int_equal(c->n_writes, plan->n_writes);
        lr_repair_plan_free(plan);
    }
    hook_free(&h);
    char d1[64], d2[64];
    vdesc(&c->lvm_old, d1, sizeof(d1));
    vdesc(&c->lvm_new, d2, sizeof(d2));
    fprintf(stderr, "%s: %zu image(s), %zu writes, %zu syncs; LVM2 reads %s: %s before, %s after\n",
            p->name, c->n, c->n_writes, c->n_syncs, p->vg, d1,
            p->kind == P_FORMAT || p->kind == P_CREATE ? "the text written" : d2);
}

static void ctx_free(runctx_t *c)
{
    vstate_free(&c->scan_old);
    vstate_free(&c->scan_new);
    vstate_free(&c->lvm_old);
    vstate_free(&c->lvm_new);
    free(c->wlen);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -f '%s'/*", g_dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the matrix ---------------------------------------------------------------------------- */

/* A random value in [lo, hi] times unit, unlike the r picked before it
 * (seen[0..r), up to 8) when the range allows. */
static uint64_t pick(uint64_t *seen, unsigned r, uint64_t lo, uint64_t hi, uint64_t unit)
{
    uint64_t v = 0;
    for (int tries = 0; tries < 16; tries++) {
        v = (lo + rng() % (hi - lo + 1)) * unit;
        bool dup = false;
        for (unsigned i = 0; i < r && i < 8; i++)
            dup |= seen[i] == v;
        if (!dup)
            break;
    }
    if (r < 8)
        seen[r] = v;
    return v;
}

static void run_matrix(const wpath_t *p)
{
    runctx_t c = {.p = p};
    prepare(&c);
    rng_state = g_seed ^ (uint64_t)(p - paths + 1) * 0x9e3779b97f4a7c15ull;
    if (!rng_state)
        rng_state = 1;
    char mode[64];
    for (unsigned k = 1; k <= c.n_writes; k++) {
        size_t len = c.wlen[k - 1];
        run_case(&c, "write", k, -EIO, true); /* A1 */
        c.cnt.a1++;
        snprintf(mode, sizeof(mode), "short=%zu", len); /* A2 */
        run_case(&c, mode, k, -EIO, true);
        c.cnt.a2++;
        run_case(&c, "write:enospc", k, -ENOSPC, true); /* B */
        c.cnt.b++;
        uint64_t seen[16] = {0};
        for (unsigned r = 0; r < g_points && len > 1; r++) { /* C */
            uint64_t n = pick(seen, r, 1, len - 1, 1);
            snprintf(mode, sizeof(mode), "short=%" PRIu64, n);
            run_case(&c, mode, k, -EIO, n % 512 == 0);
            c.cnt.c++;
            c.cnt.c_torn += n % 512 != 0;
        }
        for (unsigned r = 0; r < g_points && len >= 1024; r++) { /* D */
            uint64_t n = pick(seen + 8, r, 1, len / 512 - 1, 512);
            snprintf(mode, sizeof(mode), "short=%" PRIu64 ":enospc", n);
            run_case(&c, mode, k, -ENOSPC, true);
            c.cnt.d++;
        }
    }
    for (unsigned s = 1; s <= c.n_syncs; s++) {
        run_case(&c, "sync", s, -EIO, true); /* E */
        c.cnt.e++;
        run_case(&c, "sync-lost", s, -EIO, true); /* F */
        c.cnt.f++;
    }
    run_case(&c, NULL, 0, 0, true);
    c.cnt.full++;
    const counts_t *n = &c.cnt;
    unsigned total = n->a1 + n->a2 + n->b + n->c + n->d + n->e + n->f;
    printf("crash: %-20s writes %2zu syncs %2zu | A1 %2u A2 %2u B %2u C %2u (%u torn in a "
           "sector) D %2u E %2u F %2u | %3u faults + 1 full run; LVM2 view checked %u, torn "
           "sectors left for lvmrepair %u, undo needing --force (torn range) %u\n",
           p->name, c.n_writes, c.n_syncs, n->a1, n->a2, n->b, n->c, n->c_torn, n->d, n->e, n->f,
           total, n->lvm_checked, n->torn_sector, n->snap_force);
    fflush(stdout);
    ctx_free(&c);
}

static void test_path(void **state)
{
    const wpath_t *p = *state;
    if (p->craft_mib && !have_python()) {
        printf("crash: %s SKIPPED (no python3 for tests/support/craft_mda.py)\n", p->name);
        skip();
    }
    run_matrix(p);
}

/* ---- the path's identity, re-checked before the first write ------------------------------ */

/* The restore path p planned on fresh copies, then image k's path is moved
 * away and a byte-identical copy takes its name: before the run (held
 * NULL in the hook: here), or once the run opened it (the hook). Either way
 * the run refuses, no image (the moved one, the copy, the others) changes
 * and, refused before the undo file, none is made. */
static void swap_case(const wpath_t *p, size_t k, bool at_open)
{
    runctx_t c = {.p = p};
    for (c.n = 0; c.n < MAX_IMGS && p->imgs[c.n]; c.n++) {
        snprintf(c.pristine[c.n], sizeof(c.pristine[c.n]), "%s/pristine-%s", g_dir, p->imgs[c.n]);
        memcpy(c.base[c.n], c.pristine[c.n], sizeof(c.base[c.n]));
        decompress(p->fix, p->imgs[c.n], c.pristine[c.n]);
    }
    set_work_paths(&c);
    fresh_work(&c);
    char held[600], decoy[600];
    snprintf(held, sizeof(held), "%s/held-%s", g_dir, p->imgs[k]);
    snprintf(decoy, sizeof(decoy), "%s/decoy-%s", g_dir, p->imgs[k]);
    copy_file(c.pristine[k], decoy);
    lr_error_t err;
    lr_error_clear(&err);
    lr_repair_plan_t *plan = NULL;
    OK(plan_restore(&c, &plan, &err), &err);
    assert_true(plan->n_writes > 0);
    hook_t h = {.ctx = &c, .swap_image = -1};
    if (at_open) {
        h.swap_image = (int)k;
        h.held = held;
        h.decoy = decoy;
    } else {
        assert_int_equal(rename(c.work[k], held), 0);
        assert_int_equal(rename(decoy, c.work[k]), 0);
    }
    lr_repair_exec_opts_t eo = {.undo_path = c.undo, .open_rw = hook_open, .open_arg = &h};
    int rc = lr_repair_execute(plan, &eo, &err);
    char label[160];
    snprintf(label, sizeof(label), "%s: %s moved %s", p->name, p->imgs[k],
             at_open ? "once the run opened it" : "before the run");
    if (rc != LR_EREFUSED || !strstr(err.msg, "names another file"))
        fail_msg("%s: the run returned %d (%s), want a refusal naming the moved file", label, rc,
                 err.msg);
    assert_false(plan->executed);
    for (size_t i = 0; i < h.n_ops; i++)
        assert_true(h.ops[i].sync); /* not one write came down */
    if (!same_file(held, c.pristine[k]) || !same_file(c.work[k], c.pristine[k]))
        fail_msg("%s: the moved file or the one now at its path was written", label);
    for (size_t i = 0; i < c.n; i++)
        if (i != k && !same_file(c.work[i], c.pristine[i]))
            fail_msg("%s: %s was written", label, p->imgs[i]);
    if (exists(c.undo))
        fail_msg("%s: an undo file was made for a run refused before it", label);
    printf("crash: %-24s %s moved %s: refused, nothing written, no undo file\n", p->name,
           p->imgs[k], at_open ? "once opened" : "before the run");
    lr_repair_plan_free(plan);
    hook_free(&h);
    unlink(held);
    ctx_free(&c);
}

static void test_identity_swap(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_PATHS; i++) {
        const wpath_t *p = &paths[i];
        if (p->kind != P_RESTORE || p->craft_mib || (g_only && strcmp(g_only, p->name)))
            continue;
        for (size_t k = 0; k < MAX_IMGS && p->imgs[k]; k++) {
            swap_case(p, k, false);
            swap_case(p, k, true);
        }
    }
}

/* ---- the fault layer itself ---------------------------------------------------------------- */

static void test_fault_modes(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/modes.img", g_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 8192), 0);
    close(fd);
    static const uint8_t ones[1024] = {[0 ... 1023] = 1};
    uint8_t back[1024];
    lr_error_t err;
    lr_error_clear(&err);
    lr_io_t *raw = NULL, *io = NULL;
    unsigned counter = 0;
    /* bad modes */
    OK(lr_io_open_rw(&raw, path, LR_IO_RDWR, &err), &err);
    static const char *const bad[] = {
        "", "wrote", "short=", "short=x", "sync:eagain", "short=99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(lr_test_fault_io_mode(raw, &counter, 1, bad[i], NULL, NULL, &io, &err),
                         -EINVAL);
    /* short: the first 100 bytes of the second write, then ENOSPC; all later
     * writes and syncs fail */
    OK(lr_test_fault_io_mode(raw, &counter, 2, "short=100:enospc", NULL, NULL, &io, &err), &err);
    OK(lr_io_pwrite(io, ones, 512, 0, &err), &err);
    assert_int_equal(lr_io_pwrite(io, ones, 1024, 1024, &err), -ENOSPC);
    assert_int_equal(counter, UINT_MAX);
    assert_int_equal(lr_io_pwrite(io, ones, 512, 4096, &err), -ENOSPC);
    assert_int_equal(lr_io_sync(io, &err), -ENOSPC);
    OK(lr_io_pread(io, back, 1024, 1024, &err), &err);
    for (size_t i = 0; i < 1024; i++)
        assert_int_equal(back[i], i < 100 ? 1 : 0);
    OK(lr_io_pread(io, back, 512, 4096, &err), &err);
    assert_int_equal(back[0], 0);
    lr_io_close(io, NULL);
    /* sync-lost: writes since the last good sync are put back */
    counter = 0;
    OK(lr_io_open_rw(&raw, path, LR_IO_RDWR, &err), &err);
    OK(lr_test_fault_io_mode(raw, &counter, 2, "sync-lost", NULL, NULL, &io, &err), &err);
    static const uint8_t twos[512] = {[0 ... 511] = 2};
    OK(lr_io_pwrite(io, twos, 512, 6144, &err), &err);
    OK(lr_io_sync(io, &err), &err);
    OK(lr_io_pwrite(io, twos, 512, 0, &err), &err);
    OK(lr_io_pwrite(io, ones, 512, 256, &err), &err); /* overlaps the one before */
    assert_int_equal(lr_io_sync(io, &err), -EIO);
    assert_true(strstr(err.msg, "lost") != NULL);
    OK(lr_io_pread(io, back, 1024, 0, &err), &err);
    for (size_t i = 0; i < 1024; i++) /* as the short test above left it */
        assert_int_equal(back[i], i < 512 ? 1 : 0);
    OK(lr_io_pread(io, back, 512, 6144, &err), &err);
    assert_int_equal(back[0], 2); /* synced before: kept */
    lr_io_close(io, NULL);
    /* sync: kept; "write": nothing */
    counter = 0;
    OK(lr_io_open_rw(&raw, path, LR_IO_RDWR, &err), &err);
    OK(lr_test_fault_io_mode(raw, &counter, 1, "sync", NULL, NULL, &io, &err), &err);
    OK(lr_io_pwrite(io, twos, 512, 0, &err), &err);
    assert_int_equal(lr_io_sync(io, &err), -EIO);
    OK(lr_io_pread(io, back, 512, 0, &err), &err);
    assert_int_equal(back[511], 2);
    lr_io_close(io, NULL);
    counter = 0;
    OK(lr_io_open_rw(&raw, path, LR_IO_RDWR, &err), &err);
    OK(lr_test_fault_io_mode(raw, &counter, 1, "write:eio", NULL, NULL, &io, &err), &err);
    assert_int_equal(lr_io_pwrite(io, ones, 512, 0, &err), -EIO);
    OK(lr_io_pread(io, back, 512, 0, &err), &err);
    assert_int_equal(back[0], 2);
    lr_io_close(io, NULL);
    /* fail_at 0 counts and never fails */
    counter = 0;
    OK(lr_io_open_rw(&raw, path, LR_IO_RDWR, &err), &err);
    OK(lr_test_fault_io_mode(raw, &counter, 0, "sync", NULL, NULL, &io, &err), &err);
    OK(lr_io_pwrite(io, ones, 512, 0, &err), &err);
    OK(lr_io_sync(io, &err), &err);
    OK(lr_io_sync(io, &err), &err);
    assert_int_equal(counter, 2);
    lr_io_close(io, NULL);
    unlink(path);
}

/* ---- main --------------------------------------------------------------------------------------
 */

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-crash-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (getenv("LR_CRASH_KEEP")) { /* for a look after a failure */
        fprintf(stderr, "kept %s\n", g_dir);
        return 0;
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--emit") && i + 1 < argc) {
            g_emit = argv[++i];
        } else if (!strcmp(argv[i], "--path") && i + 1 < argc) {
            g_only = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--path NAME] [--emit DIR]\n", argv[0]);
            return 2;
        }
    }
    const char *e = getenv("LR_CRASH_SEED");
    if (e && *e)
        g_seed = strtoull(e, NULL, 0);
    e = getenv("LR_CRASH_POINTS");
    if (e && *e)
        g_points = (unsigned)strtoul(e, NULL, 0);
    printf("crash: seed %" PRIu64 " (LR_CRASH_SEED), %u random points per write "
           "(LR_CRASH_POINTS)\n",
           g_seed, g_points);
    if (g_emit) {
        char p[600];
        snprintf(p, sizeof(p), "%s/cases", g_emit);
        g_cases = fopen(p, "w");
        if (!g_cases) {
            perror(p);
            return 2;
        }
    }
    struct CMUnitTest tests[N_PATHS + 2];
    size_t n = 0;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fault_modes);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_identity_swap);
    for (size_t i = 0; i < N_PATHS; i++) {
        if (g_only && strcmp(g_only, paths[i].name))
            continue;
        tests[n++] = (struct CMUnitTest){paths[i].name, test_path, NULL, NULL, (void *)&paths[i]};
    }
    if (g_only && n == 2) {
        fprintf(stderr, "no path named %s\n", g_only);
        return 2;
    }
    int rc = _cmocka_run_group_tests("crash", tests, n, group_setup, group_teardown);
    if (g_cases)
        fclose(g_cases);
    return rc;
}
