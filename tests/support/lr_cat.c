/* lr_cat IMAGE OUT [reverse]: writes the bytes lr_io_open serves for IMAGE
 * (raw, or a container or compressed image decoded) into the file OUT, and
 * prints its format (lr_io_format) on standard output. With "reverse" it
 * reads from the end backwards in odd-sized chunks, so every read lies
 * behind the one before (the worst order for the compressed readers).
 * Test-only: tests/scan/formats.sh compares our readers' bytes with what
 * the formats' own tools give back (fixtures/formats/truth/sha256). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr/io.h"

enum { CHUNK = (1 << 20) + 4097 };

static int copy(lr_io_t *io, int out, bool reverse, lr_error_t *err)
{
    static unsigned char buf[CHUNK];
    uint64_t size = lr_io_size(io);
    for (uint64_t done = 0; done < size;) {
        size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
        uint64_t off = reverse ? size - done - n : done;
        int rc = lr_io_pread(io, buf, n, off, err);
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

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "reverse") != 0)) {
        fprintf(stderr, "usage: lr_cat IMAGE OUT [reverse]\n");
        return 2;
    }
    lr_error_t err;
    lr_error_clear(&err);
    lr_io_t *io = NULL;
    if (lr_io_open(&io, argv[1], &err) != 0) {
        fprintf(stderr, "lr_cat: %s\n", err.msg);
        return 2;
    }
    printf("%s\n", lr_io_format(io));
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = out < 0 ? -1 : copy(io, out, argc == 4, &err);
    if (rc && err.msg[0])
        fprintf(stderr, "lr_cat: %s\n", err.msg);
    if (out >= 0)
        close(out);
    lr_io_close(io, NULL);
    return rc ? 2 : 0;
}
