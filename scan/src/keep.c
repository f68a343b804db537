/* Tells a compressed image's reader, while the image streams, which bytes
 * the passes after the stream will read again (lr_io_keep), so that a
 * single-piece .xz or .zst does not decode from its start for each of
 * them: the metadata areas of each label found (read for the mda headers
 * and the copies' text), and the bytes the evidence probe reads of each LV
 * of each metadata copy found (its head and tail, mapped to image bytes
 * by the same function the probe plans its reads with, ev_lv_runs). The
 * image's first and last bytes (the partition table) the reader keeps on
 * its own. Nothing here changes what the scan finds: a range not kept is
 * decoded again when read. Called from the thread that runs the probers,
 * on their rare hits only. */
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "lr/label.h"
#include "lr/meta.h"
#include "scan_int.h"

#define SC_KEEP_TEXT (1u << 20) /* text read to plan the LV keeps, at most */
#define SC_KEEP_READ (64u << 10)

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

/* The text at off of io up to its NUL (at most SC_KEEP_TEXT bytes), or
 * NULL; *len its length. */
static char *read_text(lr_io_t *io, uint64_t off, size_t *len)
{
    char *t = malloc(SC_KEEP_TEXT);
    size_t n = 0;
    while (t && n < SC_KEEP_TEXT) {
        size_t want = SC_KEEP_TEXT - n < SC_KEEP_READ ? SC_KEEP_TEXT - n : SC_KEEP_READ, got = 0;
        if (lr_io_pread_upto(io, t + n, want, off + n, &got, NULL) != 0 || got == 0)
            break;
        char *nul = memchr(t + n, '\0', got);
        if (nul) {
            *len = (size_t)(nul - t);
            return t;
        }
        n += got;
    }
    free(t);
    return NULL;
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

void sc_keep_copy(sc_ctx_t *c, int image, uint64_t off)
{
    lr_io_t *io = keeping(c, image);
    size_t len = 0;
    char *text = io ? read_text(io, off, &len) : NULL;
    lr_vg_t *vg = NULL;
    if (!text || lr_vg_parse(text, len, &vg, NULL) != 0) {
        free(text);
        return;
    }
    ev_runs_t *runs = malloc(sizeof(*runs));
    for (size_t i = 0; runs && i < vg->n_lvs; i++) {
        uint64_t size = ev_lv_size(vg, &vg->lvs[i]);
        lr_lvmap_why_t w = {0};
        if (size == 0 || size == UINT64_MAX ||
            ev_lv_runs(c->scan, vg, &vg->lvs[i], size, runs, &w) != 0)
            continue;
        keep_runs(c, runs->hr, runs->nh);
        keep_runs(c, runs->tr, runs->nt);
    }
    free(runs);
    lr_vg_free(vg);
    free(text);
}
