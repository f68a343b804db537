/* Streams one image with large sequential reads and runs the signature table
 * on every sector. Each read carries SC_TAIL extra bytes so a prober at the
 * end of a buffer still sees the lines that follow its sector; those bytes
 * are read again as the start of the next buffer. */
#include "scan_int.h"

#include <errno.h>
#include <stdlib.h>

static int report(sc_ctx_t *c, int image, uint64_t image_done)
{
    if (!c->opts.progress)
        return 0;
    lr_scan_t *s = c->scan;
    lr_scan_progress_t p = {
        .image = image,
        .image_done = image_done,
        .image_total = s->images[image].size,
        .bytes_done = c->bytes_done,
        .bytes_total = c->bytes_total,
        .labels = s->n_labels,
        .areas = c->n_hdrs,
        .copies = s->n_copies,
    };
    if (c->opts.progress(c->opts.progress_arg, &p) != 0)
        s->interrupted = true;
    return 0;
}

int sc_stream_image(sc_ctx_t *c, int image)
{
    lr_scan_t *s = c->scan;
    lr_io_t *io = c->ios[image];
    uint64_t size = s->images[image].size;
    size_t bsize = c->opts.buffer_size;
    /* page-aligned: the kernel copies into an unaligned buffer much slower */
    uint8_t *buf = NULL;
    if (posix_memalign((void **)&buf, 4096, bsize + SC_TAIL) != 0)
        buf = NULL;
    if (!buf)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "no memory for a %zu-byte buffer",
                            bsize);
    int rc = 0;
    uint64_t pos = 0;
    while (pos < size && !s->interrupted) {
        uint64_t left = size - pos;
        size_t n = left < bsize + SC_TAIL ? (size_t)left : bsize + SC_TAIL;
        size_t scan_len = n < bsize ? n : bsize;
        lr_error_t e;
        lr_error_clear(&e);
        rc = lr_io_pread(io, buf, n, pos, &e);
        if (rc) {
            lr_error_wrap(&e, lr_io_name(io), rc);
            if (c->opts.flags & LR_SCAN_KEEP_GOING) {
                /* this image ends here; the others are still scanned */
                rc = sc_image_fail(c, image, &e, true);
            } else if (c->err) {
                *c->err = e;
            }
            break;
        }
        for (size_t off = 0; off < scan_len; off += SC_SECTOR) {
            rc = sc_probe_sector(c, image, pos + off, buf + off, n - off);
            if (rc)
                break;
        }
        if (rc)
            break;
        pos += scan_len;
        s->images[image].scanned = pos;
        c->bytes_done += scan_len;
        if (c->bytes_done >= c->next_progress || pos >= size) {
            c->next_progress = c->bytes_done + c->opts.progress_interval;
            report(c, image, pos);
        }
    }
    free(buf);
    return rc;
}
