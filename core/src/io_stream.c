/* Compressed images made of independently decodable pieces (xz blocks, zstd
 * frames), read with bounded memory. The format's opener lists the pieces
 * (their compressed and decompressed offsets) and gives a codec that decodes
 * one piece from its start; this layer serves reads like the gzip layer
 * does: from a history ring of recent output, by decoding forward when the
 * bytes lie ahead in the current piece, and otherwise by restarting at the
 * start of the piece that holds them. Reading in order decodes the image
 * once; a read behind the history costs decoding its piece from its start,
 * so an image of one big piece is read well only in order (documented in
 * docs/image-formats.md).
 *
 * A piece that fails to decode (corrupt data, a bad check), or that the
 * codec will not decode (codec->check: a zstd frame whose window takes
 * more than half the memory the process may use), is marked bad:
 * its bytes are unreadable, never guessed. Every later read of them fails
 * at once with the same error (image, compressed offset, decompressed
 * range), the other pieces are read as before, and lr_io_bad_range tells a
 * streaming reader where the bad range ends so that it can go on after it.
 *
 * Ranges the caller will read again (lr_io_keep) are copied aside as the
 * decoder makes them, so that a read behind the history does not restart a
 * single-piece image from its start. They are held compressed (io_keep.c:
 * pages of zeros as holes, the rest deflated at level 1 in 64 KiB chunks),
 * so that the heads and tails of a VG of a few hundred LVs fit.
 *
 * Memory: the piece list, the history ring (ST_HIST), the image's first
 * and last ST_EDGE bytes and the kept ranges, held compressed (the ranges
 * at most LR_IO_KEEP_MAX bytes; 0.6 MiB of zlib state and buffers), one
 * input buffer, and the codec's state. The codec decodes straight into the
 * history ring.
 *
 * A mutex guards the state: the scan's reader thread streams the handle
 * while its scanning thread registers ranges to keep and reads text just
 * behind the stream. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_int.h"
#include "lr/mem.h"

#define ST_IN (256u << 10)  /* compressed bytes read at once */
#define ST_OUT (256u << 10) /* decompressed bytes made at once, at most */
#define ST_HIST (4u << 20)  /* recent output kept for reads just behind the stream */
#define ST_EDGE (2u << 20)  /* the image's first and last bytes, kept once decoded */

typedef struct st_ctx {
    pthread_mutex_t mu;
    int fd;
    uint64_t size;
    lr_io_piece_t *pcs;
    size_t n_pcs;
    /* learning the pieces while reading (LR_IO_LAZY): the last piece's end
     * and the size are not known until the decoder reaches the file's end */
    bool lazy;
    size_t cap_pcs;
    uint64_t file_size; /* compressed bytes */
    lr_io_t *io;        /* the handle, to publish the size as it grows */
    bool partial;       /* LR_IO_PARTIAL: damage on the first pass ends the image */
    int damage;         /* ... and is kept here for lr_io_damage */
    lr_error_t why;
    /* what the piece that broke off there made before (unsure: its check,
     * at its end, could not be made) */
    uint64_t cut_from, cut_to;
    bool damage_whole; /* the damage is a piece's check alone: every byte read */
    const lr_io_codec_t *codec;
    void *dec;
    /* the live decoder */
    bool live;
    bool unchecked;  /* it goes on into a piece codec->check has not seen */
    size_t pc;       /* piece being decoded */
    uint64_t cur;    /* decompressed offset of the next byte it makes */
    uint64_t in_pos; /* compressed offset of the next byte to load */
    uint64_t in_end; /* end of the piece's compressed bytes */
    uint8_t *in;
    size_t in_len, in_off;
    uint8_t *hist;
    uint64_t hist_len; /* bytes [cur - hist_len, cur) are in hist */
    /* The reads after a scan go back: to the metadata areas behind the
     * labels found, to the image's first and last MiB (the partition
     * table), to LV data for the evidence. A single-piece image pays a
     * decode from its start for each read the history does not hold, so
     * the history is large (ST_HIST) and the image's first and last
     * ST_EDGE bytes are kept once decoded, with the kept ranges (outside
     * their budget). */
    bool tail_kept;
    lr_io_keeps_t *keeps;
} st_ctx_t;

/* The history ring, in huge pages where the kernel gives them: every byte
 * of it is written as the image streams, and 4 KiB pages cost a fault
 * each (1024 of them) and a TLB entry for each page the copies walk. */
static uint8_t *st_hist_new(void)
{
    void *p = NULL;
    if (posix_memalign(&p, LR_MEM_HUGE, ST_HIST) != 0)
        return NULL;
    lr_mem_advise_huge(p, ST_HIST);
    return p;
}

static void st_free(st_ctx_t *s)
{
    if (!s)
        return;
    if (s->codec && s->dec)
        s->codec->free(s->dec);
    if (s->fd >= 0)
        close(s->fd);
    free(s->pcs);
    free(s->in);
    free(s->hist);
    lr_io_keeps_free(s->keeps);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* The history as the kept ranges see it. */
static lr_io_ring_t st_ring(const st_ctx_t *s)
{
    return (lr_io_ring_t){
        .buf = s->hist, .size = ST_HIST, .lo = s->cur - s->hist_len, .hi = s->cur};
}

/* The decoder just made the n bytes ending at s->cur, in place in the
 * ring: they join the history, and the kept ranges take their part. */
static void st_hist_made(st_ctx_t *s, size_t n)
{
    s->hist_len = s->hist_len + n > ST_HIST ? ST_HIST : s->hist_len + n;
    lr_io_ring_t r = st_ring(s);
    lr_io_keeps_put(s->keeps, s->cur - n, n, &r);
}

/* Where the decoder's next bytes go: straight into the ring at s->cur's
 * slot, at most avail bytes and never across the ring's end (decoding in
 * place spares copying every byte once more, a tenth of a fast codec's
 * time). The slot's old bytes, the oldest of the history, leave it
 * first, so that a failed step leaves no garbage inside the history. */
static uint8_t *st_slot(st_ctx_t *s, size_t *avail)
{
    size_t at = (size_t)(s->cur % ST_HIST);
    if (*avail > ST_HIST - at)
        *avail = ST_HIST - at;
    if (s->hist_len > ST_HIST - *avail)
        s->hist_len = ST_HIST - *avail;
    return s->hist + at;
}

static void st_ring_get(const uint8_t *ring, uint8_t *dst, uint64_t off, size_t n)
{
    size_t at = (size_t)(off % ST_HIST);
    size_t first = n < ST_HIST - at ? n : ST_HIST - at;
    memcpy(dst, ring + at, first);
    memcpy(dst + first, ring, n - first);
}

/* The decoder reached the end of the image: its last bytes are kept. */
static void st_keep_tail(st_ctx_t *s)
{
    if (s->tail_kept || s->lazy || s->cur != s->size || !s->hist_len)
        return;
    uint64_t n = s->hist_len < ST_EDGE ? s->hist_len : ST_EDGE;
    lr_io_ring_t r = st_ring(s);
    s->tail_kept = lr_io_keeps_add_edge(s->keeps, s->cur - n, n, &r) == 0;
}

/* The piece holding decompressed offset off (the pieces are sorted). */
static size_t st_piece_for(const st_ctx_t *s, uint64_t off)
{
    size_t lo = 0, hi = s->n_pcs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->pcs[mid].out <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t st_piece_out_end(const st_ctx_t *s, size_t i)
{
    if (i + 1 < s->n_pcs)
        return s->pcs[i + 1].out;
    return s->lazy ? UINT64_MAX : s->size;
}

/* The decoder made the image's last byte: its window and tables (xz -6:
 * 8 MiB, zstd -3: 2 MiB) go until a read behind the history starts it
 * again. The reads after the stream (metadata, the evidence's LV heads and
 * tails) come from the history, the edges and the kept ranges, while the
 * window would only take room from them. */
static void st_rest(st_ctx_t *s)
{
    if (!s->live || s->lazy || s->cur != s->size)
        return;
    s->live = false;
    if (s->codec->rest)
        s->codec->rest(s->dec);
}

/* Lazy: the size is final (the decoder reached the end of the file, or the
 * last piece broke off). */
static void st_size_final(st_ctx_t *s, uint64_t size)
{
    s->lazy = false;
    s->size = size;
    lr_io_set_size(s->io, size, true, size);
}

/* Lazy: the last piece known ends at compressed offset in_at, and the
 * next one starts there, at decompressed offset out. */
static int st_piece_append(st_ctx_t *s, uint64_t in_at, uint64_t out, lr_error_t *err)
{
    if (s->n_pcs == s->cap_pcs) {
        size_t cap = 2 * s->cap_pcs;
        lr_io_piece_t *p = realloc(s->pcs, cap * sizeof(*p));
        if (!p)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        s->pcs = p;
        s->cap_pcs = cap;
    }
    s->pcs[s->n_pcs - 1].in_end = in_at;
    s->pcs[s->n_pcs++] = (lr_io_piece_t){.in = in_at, .in_end = s->file_size, .out = out};
    return 0;
}

/* Lazy: the piece being decoded, the last one known, ended at compressed
 * offset in_at; the next one starts there unless the file ends. */
static int st_piece_learned(st_ctx_t *s, uint64_t in_at, lr_error_t *err)
{
    lr_io_piece_t *last = &s->pcs[s->n_pcs - 1];
    if (in_at >= s->file_size) {
        st_size_final(s, s->cur);
        st_keep_tail(s);
        st_rest(s);
        return 0;
    }
    if (last->out == s->cur) { /* it made nothing (a skippable frame): start later */
        last->in = in_at;
        return 0;
    }
    int rc = st_piece_append(s, in_at, s->cur, err);
    if (!rc) {
        s->pc = s->n_pcs - 1; /* the decoder goes on into it */
        s->unchecked = true;
    }
    return rc;
}

/* The error of reading bad piece i. One the codec would not decode
 * (LR_ELIMIT) is not said to be corrupt: its why says what it takes. */
static int st_bad_error(const st_ctx_t *s, size_t i, lr_error_t *err)
{
    const lr_io_piece_t *p = &s->pcs[i];
    uint64_t end = st_piece_out_end(s, i);
    uint64_t from = p->bad_out > p->out ? p->bad_out : p->out;
    if (p->bad == LR_ELIMIT)
        return lr_error_set(
            err, p->bad, p->bad_at, "%s; its decompressed bytes %llu to %llu are unreadable",
            p->why, (unsigned long long)from, (unsigned long long)(end > from ? end - 1 : from));
    char before[160] = "";
    if (from > p->out)
        snprintf(before, sizeof(before),
                 " (its bytes %llu to %llu before them decoded, not known to be right)",
                 (unsigned long long)p->out, (unsigned long long)from - 1);
    return lr_error_set(err, p->bad, p->bad_at,
                        "corrupt %s data in the %s at compressed offset %llu (%s): its "
                        "decompressed bytes %llu to %llu are unreadable%s",
                        s->codec->name, s->codec->piece, (unsigned long long)p->in, p->why,
                        (unsigned long long)from, (unsigned long long)(end > from ? end - 1 : from),
                        before);
}

void lr_io_piece_bad(lr_io_piece_t *p, int rc, uint64_t at, const char *why)
{
    p->bad = rc;
    p->bad_at = at;
    p->why = why;
    p->bad_out = p->out;
}

int lr_io_piece_next(const lr_io_codec_t *codec, int fd, uint64_t file_size, const lr_io_piece_t *p,
                     uint64_t made, uint64_t *in_end, uint64_t *out_end, const char **cannot,
                     lr_error_t *err)
{
    uint64_t end = 0, len = 0;
    *cannot = NULL;
    if (!codec->piece_span)
        return 1;
    int rc = codec->piece_span(fd, p->in, file_size, &end, &len, cannot);
    if (rc < 0)
        return lr_error_set(err, rc, p->in, "read failed: %s", strerror(-rc));
    if (rc || p->out + len < made) /* it made more than it announces: where is its end? */
        return 1;
    *in_end = end;
    *out_end = p->out + len;
    return 0;
}

/* Starts decoding piece i from its beginning. */
static int st_start(st_ctx_t *s, size_t i, lr_error_t *err)
{
    s->live = false;
    if (!s->hist && !(s->hist = st_hist_new())) /* lr_io_settle let it go */
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    uint64_t skip = 0;
    int rc = s->codec->start(s->dec, s->fd, &s->pcs[i], &skip, err);
    if (rc == LR_EFORMAT) { /* its header is corrupt: the piece is bad */
        lr_io_piece_bad(&s->pcs[i], rc, s->pcs[i].in, "corrupt header");
        return st_bad_error(s, i, err);
    }
    if (rc)
        return rc;
    s->pc = i;
    s->cur = s->pcs[i].out;
    s->in_pos = s->pcs[i].in + skip;
    s->in_end = s->pcs[i].in_end;
    s->in_len = s->in_off = 0;
    s->hist_len = 0;
    s->live = true;
    s->unchecked = true;
    return 0;
}

/* Loads compressed bytes of the current piece when the buffer is used up. */
static int st_fill(st_ctx_t *s, lr_error_t *err)
{
    if (s->in_off < s->in_len || s->in_pos >= s->in_end)
        return 0;
    size_t want = s->in_end - s->in_pos < ST_IN ? (size_t)(s->in_end - s->in_pos) : ST_IN;
    size_t n;
    int rc = lr_io_fd_pread(s->fd, s->in, want, s->in_pos, &n);
    if (rc)
        return lr_error_set(err, rc, s->in_pos + n, "read failed: %s", strerror(-rc));
    if (n == 0)
        return lr_error_set(err, -EIO, s->in_pos, "the compressed file shrank");
    s->in_pos += (uint64_t)n;
    s->in_len = (size_t)n;
    s->in_off = 0;
    return 0;
}

/* Damage met while learning the pieces (LR_IO_LAZY): no later piece can be
 * found past it, so the image ends where decoding stopped, as a damaged
 * gzip image does: the bytes made so far are the image (decoding them
 * again stops before the damage), and the damage is an error or, with
 * LR_IO_PARTIAL, kept for lr_io_damage while the read that met it ends at
 * the new end (LR_ERANGE: lr_io_pread_upto reads up to it). cannot: why
 * the pieces after it cannot be found (NULL: nothing to add), said in the
 * reason. A piece the codec would not decode (LR_ELIMIT) ends the image
 * the same way, its why the reason instead of "corrupt ... data". */
static int st_first_pass_damage(st_ctx_t *s, int rc, uint64_t at, const char *why,
                                const char *cannot, lr_error_t *err)
{
    if (rc == LR_EFORMAT && s->partial) { /* corrupt or cut: damage can look like a cut */
        s->cut_from = s->pcs[s->pc].out;
        s->cut_to = s->cur;
    }
    st_size_final(s, s->cur);
    s->live = false;
    const char *sep = cannot ? "; " : "";
    cannot = cannot ? cannot : "";
    char what[sizeof(err->msg)];
    if (rc == LR_ELIMIT) /* not decoded, not corrupt: why says what it takes */
        snprintf(what, sizeof(what), "%s%s%s", why, sep, cannot);
    else
        snprintf(what, sizeof(what), "corrupt %s data in the %s at compressed offset %llu (%s%s%s)",
                 s->codec->name, s->codec->piece, (unsigned long long)s->pcs[s->pc].in, why, sep,
                 cannot);
    if (!s->partial || rc == -ENOMEM)
        return lr_error_set(err, rc, at, "%s", what);
    lr_error_set(&s->why, rc, at, "%s: the image ends there (%llu bytes decompressed)", what,
                 (unsigned long long)s->cur);
    lr_error_wrap(&s->why, lr_io_name(s->io), rc);
    s->damage = rc;
    s->damage_whole = false;
    return lr_error_set(err, LR_ERANGE, s->cur, "the image ends at %llu bytes (damaged)",
                        (unsigned long long)s->cur);
}

/* Damage met while learning the pieces (LR_IO_LAZY): when the codec can
 * tell where the broken piece ends and how many bytes it decodes to
 * without decoding it (lr_io_piece_next: a zstd frame's block headers and
 * content size), the next piece is known and reading goes on there, the
 * broken one bad as in an indexed file. 0 then, 1 (*cannot: why not, or
 * NULL) when the image ends at the damage, -errno. */
static int st_resume_after(st_ctx_t *s, const char **cannot, lr_error_t *err)
{
    uint64_t in_end = 0, next = 0;
    int rc = lr_io_piece_next(s->codec, s->fd, s->file_size, &s->pcs[s->pc], s->cur, &in_end, &next,
                              cannot, err);
    if (rc)
        return rc;
    if ((rc = st_piece_append(s, in_end, next, err)) != 0)
        return rc;
    if (next > s->size) { /* its bytes exist, unreadable */
        s->size = next;
        lr_io_set_size(s->io, next, false,
                       lr_io_size_hint(s->io) > next ? lr_io_size_hint(s->io) : next);
    }
    return 0;
}

/* Decoding the current piece failed at compressed offset at: the piece is
 * bad for good from where the decoder was when it noticed (bad_out, the
 * bytes of the failing call included, as xz -dc writes them). What it made
 * reads, unsure: the piece's check, at its end, cannot vouch for it, and
 * the decoder may have made wrong bytes before it noticed. Decoding it
 * again (to read that part) stops there: decoding is a function of the
 * input, so the same bytes come before the same failure; should it fail
 * sooner all the same, bad_out moves back. */
static int st_piece_failed(st_ctx_t *s, int rc, uint64_t at, const char *why, lr_error_t *err)
{
    if (s->lazy && s->pc + 1 == s->n_pcs) {
        const char *cannot = NULL;
        int r = rc == -ENOMEM ? 1 : st_resume_after(s, &cannot, err);
        if (r < 0)
            return r;
        if (r > 0)
            return st_first_pass_damage(s, rc, at, why, cannot, err);
    }
    lr_io_piece_t *p = &s->pcs[s->pc];
    uint64_t sure = s->cur;
    uint64_t had = p->bad ? p->bad_out : UINT64_MAX;
    lr_io_piece_bad(p, rc, at, why);
    if (rc == LR_EFORMAT) /* not a refusal (LR_ELIMIT) nor a failure of ours */
        p->bad_out = sure < had ? sure : had;
    uint64_t drop = s->cur - p->bad_out;
    s->hist_len = s->hist_len > drop ? s->hist_len - drop : 0;
    s->cur = p->bad_out;
    s->live = false;
    if (p->bad_out < st_piece_out_end(s, s->pc))
        return st_bad_error(s, s->pc, err);
    /* all of it was made, only its check failed: nothing is unreadable,
     * the read goes on, and the image's damage says so */
    if (!s->damage) {
        lr_error_set(&s->why, rc, at,
                     "corrupt %s data in the %s at compressed offset %llu (%s): its decompressed "
                     "bytes %llu to %llu decoded, but are not known to be right",
                     s->codec->name, s->codec->piece, (unsigned long long)p->in, why,
                     (unsigned long long)p->out,
                     (unsigned long long)(p->bad_out > p->out ? p->bad_out - 1 : p->out));
        lr_error_wrap(&s->why, lr_io_name(s->io), rc);
        s->damage = rc;
        s->damage_whole = true;
    }
    return 0;
}

/* The codec's word on the current piece before any of it is decoded: one
 * it will not decode fails as a corrupt one does, its why saying why. */
static int st_check(st_ctx_t *s, lr_error_t *err)
{
    const char *why = NULL;
    s->unchecked = false;
    int rc = s->codec->check ? s->codec->check(s->dec, s->fd, &s->pcs[s->pc], s->io, &why) : 0;
    if (rc == -ENOMEM) {
        s->unchecked = true; /* asked again at the next step, never skipped */
        return lr_error_oom(err);
    }
    return rc ? st_piece_failed(s, rc, s->pcs[s->pc].in, why, err) : 0;
}

/* Decodes the next bytes of the current piece into the ring. */
static int st_step(st_ctx_t *s, lr_error_t *err)
{
    const lr_io_piece_t *pc = &s->pcs[s->pc];
    uint64_t end = pc->bad ? pc->bad_out : st_piece_out_end(s, s->pc); /* a bad one: its prefix */
    int rc = s->unchecked ? st_check(s, err) : 0;
    if (rc)
        return rc;
    rc = st_fill(s, err);
    if (rc)
        return rc;
    size_t avail = end - s->cur < ST_OUT ? (size_t)(end - s->cur) : ST_OUT;
    size_t used = 0, made = 0;
    uint64_t at = s->in_pos - (s->in_len - s->in_off);
    const char *why = "";
    uint8_t *slot = st_slot(s, &avail);
    rc = s->codec->step(s->dec, s->in + s->in_off, s->in_len - s->in_off, &used, slot, avail, &made,
                        &why);
    if (rc) {
        /* what the failing call made counts like the bytes before it: on
         * the first pass it ends the image (partial), in a bad piece it is
         * dropped with the rest of the piece */
        s->cur += made;
        st_hist_made(s, made);
        if (pc->bad && s->cur >= pc->bad_out) { /* its readable part again, to the damage */
            s->live = false;
            return 0;
        }
        return st_piece_failed(s, rc, at + used, why, err);
    }
    s->in_off += used;
    s->cur += made;
    st_hist_made(s, made);
    if (s->lazy && s->pc + 1 == s->n_pcs) {
        if (s->cur > s->size) { /* bytes known to exist; the estimate scales by input read */
            uint64_t in = at + used;
            uint64_t hint =
                in ? (uint64_t)((double)s->cur * (double)s->file_size / (double)in) : s->cur;
            s->size = s->cur;
            lr_io_set_size(s->io, s->cur, false, hint > s->cur ? hint : s->cur);
        }
        if (s->codec->piece_done && s->codec->piece_done(s->dec))
            return st_piece_learned(s, at + used, err);
    }
    if (made == 0 && used == 0)
        return st_piece_failed(s, LR_EFORMAT, at, "its data ends before the bytes it announces",
                               err);
    st_keep_tail(s);
    st_rest(s);
    return 0;
}

static int st_read(st_ctx_t *s, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    uint8_t *p = buf;
    while (len > 0) {
        if (!s->lazy && off >= s->size) /* a lazy image's end was found inside the read */
            return lr_error_set(err, LR_ERANGE, off, "read past the end (%llu bytes)",
                                (unsigned long long)s->size);
        size_t i = st_piece_for(s, off);
        const lr_io_piece_t *pc = &s->pcs[i];
        if (pc->bad && (off >= pc->bad_out || len > pc->bad_out - off))
            return st_bad_error(s, i, err); /* a read touching its bytes past the prefix */
        /* hist_len is 0 whenever the history is not the output just before cur */
        size_t n = 0;
        if (off < s->cur && off >= s->cur - s->hist_len) {
            n = s->cur - off < len ? (size_t)(s->cur - off) : len;
            st_ring_get(s->hist, p, off, n);
        } else {
            n = lr_io_keeps_get(s->keeps, p, off, len);
        }
        if (n) {
            p += n;
            len -= n;
            off += n;
            continue;
        }
        bool ahead = s->live && i == s->pc && off >= s->cur;
        if (s->live && s->cur == st_piece_out_end(s, s->pc) && i == s->pc + 1 && off >= s->cur) {
            /* the next piece follows on: keep the history across the seam */
            uint64_t keep = s->hist_len;
            int rc = st_start(s, i, err);
            s->hist_len = keep;
            if (rc)
                return rc;
            ahead = true;
        }
        if (!ahead) {
            /* the history goes: the ranges take what they need of it */
            lr_io_ring_t r = st_ring(s);
            lr_io_keeps_flush(s->keeps, &r);
            int rc = st_start(s, i, err);
            if (rc)
                return rc;
        }
        int rc = st_step(s, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int st_pread(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err)
{
    st_ctx_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    int rc = st_read(s, buf, len, off, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int st_close(void *ctx, lr_error_t *err)
{
    (void)err;
    st_free(ctx);
    return 0;
}

const lr_io_ops_t lr_io_stream_ops = {
    .name = "compressed",
    .pread = st_pread,
    .close = st_close,
};

int lr_io_stream_new_lazy(lr_io_t **out, int fd, const char *path, const lr_io_codec_t *codec,
                          void *dec, uint64_t file_size, uint64_t hint, bool partial,
                          lr_error_t *err)
{
    lr_io_piece_t *pcs = calloc(16, sizeof(*pcs));
    if (!pcs) {
        codec->free(dec);
        close(fd);
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    pcs[0].in_end = file_size;
    int rc = lr_io_stream_new(out, fd, path, codec, dec, pcs, 1, 0, err);
    if (rc)
        return rc;
    st_ctx_t *s = (*out)->ctx;
    s->lazy = true;
    s->cap_pcs = 16;
    s->file_size = file_size;
    s->partial = partial;
    lr_io_set_size(*out, 0, false, hint);
    return 0;
}

int lr_io_stream_new(lr_io_t **out, int fd, const char *path, const lr_io_codec_t *codec, void *dec,
                     lr_io_piece_t *pcs, size_t n_pcs, uint64_t size, lr_error_t *err)
{
    st_ctx_t *s = calloc(1, sizeof(*s));
    if (!s) {
        codec->free(dec);
        free(pcs);
        close(fd);
        return lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    pthread_mutex_init(&s->mu, NULL);
    s->fd = fd;
    s->codec = codec;
    s->dec = dec;
    s->pcs = pcs;
    s->n_pcs = n_pcs;
    s->size = size;
    s->in = malloc(ST_IN);
    s->hist = st_hist_new();
    s->keeps = lr_io_keeps_new();
    lr_io_ring_t r = {.buf = s->hist, .size = ST_HIST};
    int rc = 0;
    if (!s->in || !s->hist || !s->keeps ||
        lr_io_keeps_add_edge(s->keeps, 0, ST_EDGE, &r) != 0) /* the head, filled as it streams */
        rc = lr_error_at(err, path, -ENOMEM, LR_NO_OFFSET, "out of memory");
    else if (n_pcs == 0 && size > 0)
        rc = lr_error_at(err, path, LR_EFORMAT, LR_NO_OFFSET, "no %s data", codec->name);
    if (!rc)
        rc = lr_io_new(out, &lr_io_stream_ops, s, size, path, err);
    if (rc)
        st_free(s);
    else
        s->io = *out; /* codec->check notes on it */
    return rc;
}

int lr_io_bad_range(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end)
{
    uint64_t from = 0, to = 0;
    if (io && io->ops != &lr_io_stream_ops) { /* an incomplete EWF set, or nothing */
        int found = lr_io_yal_bad_range(io, off, &from, &to);
        if (found && start)
            *start = from;
        if (found && end)
            *end = to;
        return found;
    }
    if (!io)
        return 0;
    const st_ctx_t *s = io->ctx;
    for (size_t i = s->n_pcs ? st_piece_for(s, off) : 0; i < s->n_pcs; i++) {
        if (!s->pcs[i].bad || s->pcs[i].bad_out >= st_piece_out_end(s, i))
            continue; /* good, or all of it read (unsure) */
        if (start)
            *start = s->pcs[i].bad_out;
        if (end)
            *end = st_piece_out_end(s, i);
        return 1;
    }
    return 0;
}

int lr_io_stream_unsure(const lr_io_t *io, uint64_t off, uint64_t *start, uint64_t *end)
{
    if (!io || io->ops != &lr_io_stream_ops)
        return 0;
    const st_ctx_t *s = io->ctx;
    for (size_t i = s->n_pcs ? st_piece_for(s, off) : 0; i < s->n_pcs; i++) {
        const lr_io_piece_t *p = &s->pcs[i];
        if (!p->bad || p->bad_out <= p->out || p->bad_out <= off)
            continue;
        if (start)
            *start = p->out;
        if (end)
            *end = p->bad_out;
        return 1;
    }
    if (s->cut_to <= s->cut_from || s->cut_to <= off) /* the piece the image ends in */
        return 0;
    if (start)
        *start = s->cut_from;
    if (end)
        *end = s->cut_to;
    return 1;
}

int lr_io_stream_damage(const lr_io_t *io, lr_error_t *why, bool *cut)
{
    if (!io || io->ops != &lr_io_stream_ops)
        return 0;
    const st_ctx_t *s = io->ctx;
    if (s->damage && why)
        *why = s->why;
    if (s->damage && cut)
        *cut = !s->damage_whole;
    return s->damage;
}

void lr_io_stream_settle(lr_io_t *io)
{
    if (!io || io->ops != &lr_io_stream_ops)
        return;
    st_ctx_t *s = io->ctx;
    pthread_mutex_lock(&s->mu);
    lr_io_ring_t r = st_ring(s);
    lr_io_keeps_flush(s->keeps, &r);
    if (s->live && s->codec->rest)
        s->codec->rest(s->dec);
    s->live = false;
    free(s->hist);
    s->hist = NULL;
    s->hist_len = 0;
    pthread_mutex_unlock(&s->mu);
}

/* Keeps [off, off + len), filled at once from what the history holds of
 * it (it was just decoded). */
static int st_keep_add(st_ctx_t *s, uint64_t off, uint64_t len)
{
    lr_io_ring_t r = st_ring(s);
    return lr_io_keeps_add(s->keeps, off, len, &r);
}

int lr_io_stream_keep(lr_io_t *io, uint64_t off, uint64_t len)
{
    if (!io || io->ops != &lr_io_stream_ops)
        return 0;
    if (off > UINT64_MAX - len)
        return 0;
    st_ctx_t *s = io->ctx;
    pthread_mutex_lock(&s->mu);
    int kept = 0;
    if (s->n_pcs > 1) /* a read behind the history decodes one piece: cheap enough */
        kept = 0;
    else if (len == 0) /* is there room left? */
        kept = lr_io_keeps_room(s->keeps);
    else
        kept = len <= LR_IO_KEEP_MAX ? st_keep_add(s, off, len) : 0;
    pthread_mutex_unlock(&s->mu);
    return kept;
}
