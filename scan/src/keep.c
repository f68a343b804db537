/* Tells an image's reader, while the image streams, which bytes the passes after the stream will
 * read again (lr_io_keep), so that a single-piece .xz or .zst does not decode from its start for
 * each of them, and a device read with O_DIRECT has them in the page cache (read ahead while the
 * stream runs) instead of waiting on the device: the metadata areas of each label found (read for
 * the mda headers and the copies' text), and the bytes the evidence probe reads of each LV of each
 * metadata copy found (its head and tail, mapped to image bytes by the same function the probe
 * plans its reads with, ev_lv_runs). The image's first and last bytes (the partition table) the
 * reader keeps on its own. The reader holds the ranges compressed (zero pages as holes: an empty,
 * swap or freshly made filesystem's LV costs a few KiB; random bytes, a LUKS2 keyslot area, cost
 * what they are) within LR_IO_KEEP_MAX bytes held per image: a VG of hundreds of LVs fits unless
 * more than a few of their heads and tails are random. When one stream reads the images, an LV
 * head and tail wholly ahead of it on an image read as one piece are not kept but handed to the
 * probe of the stream (evidence_early.c), which probes them as they go by and holds only the
 * result; those it cannot finish it keeps as far as it still can. Nothing here changes what the
 * scan finds: a range not kept is decoded again when read. Called from the thread that runs the
 * probers, on their rare hits only (and once a buffer for copies waiting on the rest of their
 * text). A copy's text is parsed from the stream's buffer, or read back from bytes the stream
 * already decoded: never ahead of the stream, so that damage is met by the stream's own read, as
 * without keeping. */
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "lr/label.h"
#include "lr/meta.h"
#include "scan_int.h"

#define SC_KEEP_TEXT (1u << 20) /* text read to plan the LV keeps, at most */

/* The image's handle when it keeps ranges and has room for more, else
 * NULL. */
static lr_io_t *keeping(const sc_ctx_t *c, int image)
{
    lr_io_t *io = c->ios ? c->ios[image] : NULL;
    return io && lr_io_keep(io, 0, 0) == 1 ? io : NULL;
}

void sc_keep_label(sc_ctx_t *c, const lr_scan_label_t *sl)
{
    lr_io_t *io = keeping(c, sl->image);
    if (!io)
        return;
    lr_io_keep(io, sl->pv_start, LR_LABEL_SCAN_SECTORS * LR_SECTOR_SIZE);
    for (size_t i = 0; i < sl->label.n_mda; i++) {
        const lr_disk_locn_t *m = &sl->label.mda[i];
        if (m->size && m->offset <= UINT64_MAX - sl->pv_start)
            lr_io_keep(io, sl->pv_start + m->offset, m->size);
    }
}

/* Keeps the runs of one probed end of an LV. */
static void keep_runs(const sc_ctx_t *c, const lr_lvmap_run_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lr_io_t *io = r[i].image >= 0 ? keeping(c, r[i].image) : NULL;
        if (io && r[i].len)
            lr_io_keep(io, r[i].off, r[i].len);
    }
}

/* Keeps what the evidence probe will read of each LV of the copy text
 * (len bytes, its NUL excluded). */
static void keep_lvs(sc_ctx_t *c, const char *text, size_t len)
{
    lr_vg_t *vg = NULL;
    if (lr_vg_parse(text, len, &vg, NULL) != 0)
        return;
    ev_runs_t *runs = malloc(sizeof(*runs));
    for (size_t i = 0; runs && i < vg->n_lvs; i++) {
        uint64_t size = ev_lv_size(vg, &vg->lvs[i]);
        lr_lvmap_why_t w = {0};
        if (size == 0 || size == UINT64_MAX ||
            ev_lv_runs(c->scan, vg, &vg->lvs[i], size, runs, &w) != 0)
            continue;
        if (ev_early_add(c->early, size, runs) == 1)
            continue; /* probed as the stream goes by (evidence_early.c) */
        keep_runs(c, runs->hr, runs->nh);
        keep_runs(c, runs->tr, runs->nt);
    }
    free(runs);
    lr_vg_free(vg);
}

/* Whether the LVs of a copy found in image are worth planning: its bytes
 * are kept, or probed as the stream goes by. */
static bool planning(const sc_ctx_t *c, int image)
{
    return ev_early_allowed(c->early, image) || keeping(c, image);
}

void sc_keep_copy(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail)
{
    if (!planning(c, image))
        return;
    const uint8_t *nul = memchr(p, '\0', avail < SC_KEEP_TEXT ? avail : SC_KEEP_TEXT);
    if (nul)
        keep_lvs(c, (const char *)p, (size_t)(nul - p));
    else if (avail < SC_KEEP_TEXT && c->n_keep_wait < SC_KEEP_WAIT)
        c->keep_wait[c->n_keep_wait++] = (sc_keep_wait_t){image, off, off + avail};
}

/* Plans waiting copy w once the stream has read past the bytes it was
 * found in: its text read up to upto, if its NUL is there (one try: a
 * text longer than a buffer is a hint lost). false while it waits. */
static bool settle_one(sc_ctx_t *c, const sc_keep_wait_t *w, uint64_t upto)
{
    lr_io_t *io = planning(c, w->image) ? c->ios[w->image] : NULL;
    if (!io)
        return true;
    if (upto <= w->seen)
        return false;
    size_t len = upto - w->off < SC_KEEP_TEXT ? (size_t)(upto - w->off) : SC_KEEP_TEXT;
    char *t = malloc(len);
    size_t got = 0;
    if (t && lr_io_pread_upto(io, t, len, w->off, &got, NULL) == 0) {
        const char *nul = memchr(t, '\0', got);
        if (nul)
            keep_lvs(c, t, (size_t)(nul - t));
    }
    free(t);
    return true;
}

void sc_keep_settle(sc_ctx_t *c, int image, uint64_t upto)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->n_keep_wait; i++) {
        const sc_keep_wait_t *w = &c->keep_wait[i];
        /* another image's copy: that image's stream has ended */
        if (w->image != image || settle_one(c, w, upto))
            continue;
        c->keep_wait[kept++] = *w;
    }
    c->n_keep_wait = kept;
}
