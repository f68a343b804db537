/* lr_cat IMAGE OUT [reverse|skip]: writes the bytes lr_io_open serves for
 * IMAGE (raw, or a container or compressed image decoded) into the file OUT,
 * and prints its format (lr_io_format) on standard output. With "reverse"
 * it reads from the end backwards in odd-sized chunks, so every read lies
 * behind the one before (the worst order for the compressed readers). With
 * "skip" a read that fails on a corrupt piece (lr_io_bad_range) is printed
 * on standard error, the bytes before the piece are copied, a second read
 * inside the piece must fail again, and the copy goes on after the piece,
 * which is left a hole in OUT and printed as "unreadable START END" on
 * standard output, after "unsure START END" for the bytes the piece made
 * before its damage showed (lr_io_unsure_range: copied as they read). With "lazy" it opens IMAGE as
 * the scan does (LR_IO_LAZY | LR_IO_PARTIAL), streams it to its end with lr_io_pread_upto, prints
 * "damaged: REASON" on standard output when the image ended at damage, then reads it all again
 * backwards and checks the bytes are the same (reads behind the stream restart the decoder); a
 * corrupt piece the stream goes past (a zstd frame) is skipped as with "skip", both ways. The
 * environment's LR_CAT_SNAPSHOT, when set, names the internal snapshot of a qcow2 image to read
 * (lr_io_open_opts_t's snapshot). Test-only: tests/scan/formats.sh compares our readers' bytes with
 * what the formats' own tools give back (fixtures/formats/truth/sha256). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/io.h"

enum { CHUNK = (1 << 20) + 4097 };

static unsigned char buf[CHUNK];

/* The read of n bytes at off failed on a corrupt piece: copies the bytes
 * before it, checks that its bytes stay unreadable; *next: where to go on. */
static int skip_piece(lr_io_t *io, int out, uint64_t off, size_t n, uint64_t *next, lr_error_t *err)
{
    uint64_t start = 0, end = 0;
    if (lr_io_bad_range(io, off, &start, &end) != 1 || start >= off + n)
        return -1;
    fprintf(stderr, "lr_cat: %s\n", err->msg);
    if (start > off &&
        (lr_io_pread(io, buf, (size_t)(start - off), off, err) != 0 ||
         pwrite(out, buf, (size_t)(start - off), (off_t)off) != (ssize_t)(start - off)))
        return -1;
    lr_error_t again;
    lr_error_clear(&again);
    if (lr_io_pread(io, buf, 1, start + (end - start) / 2, &again) == 0) {
        fprintf(stderr, "lr_cat: a byte of the bad range %llu-%llu was read\n",
                (unsigned long long)start, (unsigned long long)end);
        return -1;
    }
    uint64_t us = 0, ue = 0; /* what the piece made before its damage showed */
    if (start > 0 && lr_io_unsure_range(io, start - 1, &us, &ue) == 1 && ue == start)
        printf("unsure %llu %llu\n", (unsigned long long)us, (unsigned long long)ue);
    printf("unreadable %llu %llu\n", (unsigned long long)start, (unsigned long long)end);
    *next = end;
    return 0;
}

static int copy(lr_io_t *io, int out, bool reverse, bool skip, lr_error_t *err)
{
    uint64_t size = lr_io_size(io);
    if (skip && ftruncate(out, (off_t)size) != 0)
        return -1;
    for (uint64_t done = 0; done < size;) {
        size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
        uint64_t off = reverse ? size - done - n : done;
        int rc = lr_io_pread(io, buf, n, off, err);
        if (rc && skip) {
            rc = skip_piece(io, out, off, n, &done, err);
            if (rc)
                return rc;
            continue;
        }
        if (rc)
            return rc;
        if (pwrite(out, buf, n, (off_t)off) != (ssize_t)n) {
            perror("lr_cat: write");
            return -1;
        }
        done += n;
    }
    return 0;
}

/* "lazy": streams io to its end into out, then reads it back to front
 * and compares with what out holds. */
static int copy_lazy(lr_io_t *io, int out, lr_error_t *err)
{
    static unsigned char again[CHUNK];
    uint64_t off = 0;
    for (size_t got = 1; got;) {
        int rc = lr_io_pread_upto(io, buf, CHUNK, off, &got, err);
        if (rc && skip_piece(io, out, off, CHUNK, &off, err) == 0) {
            got = 1; /* a corrupt piece the stream went past: a hole in out */
            continue;
        }
        if (rc)
            return rc;
        if (got && pwrite(out, buf, got, (off_t)off) != (ssize_t)got)
            return -1;
        off += got;
    }
    lr_error_t why;
    if (lr_io_damage(io, NULL, &why))
        printf("damaged: %s\n", why.msg);
    for (uint64_t end = off; end > 0;) {
        size_t n = end < CHUNK ? (size_t)end : CHUNK;
        uint64_t bad = 0, bad_end = 0;
        if (lr_io_bad_range(io, end - n, &bad, &bad_end) == 1 && bad < end) {
            if (bad_end >= end) { /* inside a corrupt piece: it stays unreadable */
                end = bad;
                continue;
            }
            n = (size_t)(end - bad_end);
        }
        end -= n;
        int rc = lr_io_pread(io, buf, n, end, err);
        if (rc)
            return rc;
        if (pread(out, again, n, (off_t)end) != (ssize_t)n || memcmp(buf, again, n) != 0) {
            fprintf(stderr, "lr_cat: bytes %llu+%zu differ when read again\n",
                    (unsigned long long)end, n);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 ||
        (argc == 4 && strcmp(argv[3], "reverse") != 0 && strcmp(argv[3], "skip") != 0 &&
         strcmp(argv[3], "lazy") != 0)) {
        fprintf(stderr, "usage: lr_cat IMAGE OUT [reverse|skip|lazy]\n");
        return 2;
    }
    lr_error_t err;
    lr_error_clear(&err);
    lr_io_t *io = NULL;
    bool lazy = argc == 4 && strcmp(argv[3], "lazy") == 0;
    lr_io_open_opts_t opts = {.flags = lazy ? LR_IO_LAZY | LR_IO_PARTIAL : 0,
                              .snapshot = getenv("LR_CAT_SNAPSHOT")};
    if (lr_io_open_opts(&io, argv[1], &opts, &err) != 0) {
        fprintf(stderr, "lr_cat: %s\n", err.msg);
        return 2;
    }
    printf("%s\n", lr_io_format(io));
    int out = open(argv[2], (lazy ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC, 0644);
    bool reverse = argc == 4 && strcmp(argv[3], "reverse") == 0;
    bool skip = argc == 4 && strcmp(argv[3], "skip") == 0;
    int rc = out < 0 ? -1 : lazy ? copy_lazy(io, out, &err) : copy(io, out, reverse, skip, &err);
    if (rc && err.msg[0])
        fprintf(stderr, "lr_cat: %s\n", err.msg);
    if (out >= 0)
        close(out);
    lr_io_close(io, NULL);
    return rc ? 2 : 0;
}
