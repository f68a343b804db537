/* Fuzz target: image format detection and the container and compressed
 * readers' headers (core/src/io_formats.c and the layers behind it: gzip,
 * EWF, qcow2, VMDK, VHD/VHDX through the libyal libraries, xz, zstd).
 *
 * Input: the first bytes of an image file (at most FUZZ_IMAGE_MAX; longer
 * inputs are cut). The libyal readers open images by name, so the input is
 * written to one private temporary file, opened with lr_io_open and, when
 * it opens, read at its start, middle and end.
 *
 * Properties checked:
 * - lr_io_open returns 0 or a negative status, and on failure leaves no
 *   handle;
 * - an opened handle names a known format and is read-only (a pwrite is
 *   LR_EREADONLY) unless raw;
 * - a read past the end is LR_ERANGE; reads inside return 0 or a negative
 *   status (never crash, never hang);
 * - a qcow2 image holding internal snapshots opens its snapshot "1" the
 *   same way (or fails leaving no handle), and reads it so. */
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_IMAGE_MAX (64u << 10)

static char img_path[] = "/tmp/lr_fuzz_image_XXXXXX";
static int img_fd = -1;

static void cleanup(void)
{
    if (img_fd >= 0)
        unlink(img_path);
}

static bool known_format(const char *f)
{
    static const char *const names[] = {"raw",  "gzip", "ewf",  "qcow2", "vmdk", "vhd",
                                        "vhdx", "xz",   "zstd", "split", "lzma"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(f, names[i]) == 0)
            return true;
    return false;
}

static void read_at(lr_io_t *io, uint64_t off)
{
    uint8_t buf[4096];
    uint64_t size = lr_io_size(io);
    if (off >= size)
        return;
    size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
    lr_error_t err;
    int rc = lr_io_pread(io, buf, n, off, &err);
    FUZZ_CHECK(rc <= 0, "pread returned %d", rc);
}

/* A qcow2 image holding internal snapshots: its snapshot "1" (by id, else
 * name) opened in place of its current state (the snapshot table and that
 * snapshot's L1 table decoded), then read like the current state. */
static void read_snapshot(void)
{
    lr_io_t *io = (lr_io_t *)&img_fd;
    lr_error_t err;
    lr_io_open_opts_t opts = {.snapshot = "1"};
    int rc = lr_io_open_opts(&io, img_path, &opts, &err);
    FUZZ_CHECK(rc <= 0, "snapshot open returned %d", rc);
    if (rc) {
        FUZZ_CHECK(io == NULL, "a failed snapshot open left a handle");
        return;
    }
    FUZZ_CHECK(lr_io_snapshot(io) && strcmp(lr_io_snapshot(io), "1") == 0,
               "the handle does not name the snapshot it reads");
    uint8_t byte = 0;
    uint64_t isize = lr_io_size(io);
    FUZZ_CHECK(lr_io_pread(io, &byte, 1, isize, &err) == LR_ERANGE, "snapshot: read past the end");
    read_at(io, 0);
    read_at(io, isize / 2);
    read_at(io, isize > 4096 ? isize - 4096 : 0);
    lr_io_close(io, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (img_fd < 0) {
        img_fd = mkstemp(img_path);
        FUZZ_CHECK(img_fd >= 0, "mkstemp: %s", strerror(errno));
        atexit(cleanup);
    }
    if (size > FUZZ_IMAGE_MAX)
        size = FUZZ_IMAGE_MAX;
    FUZZ_CHECK(ftruncate(img_fd, 0) == 0, "ftruncate");
    FUZZ_CHECK(pwrite(img_fd, data, size, 0) == (ssize_t)size, "pwrite");

    lr_io_t *io = (lr_io_t *)&img_fd; /* must be reset by a failing open */
    lr_error_t err;
    int rc = lr_io_open(&io, img_path, &err);
    FUZZ_CHECK(rc <= 0, "open returned %d", rc);
    if (rc) {
        FUZZ_CHECK(io == NULL, "a failed open left a handle");
        return 0;
    }
    const char *f = lr_io_format(io);
    FUZZ_CHECK(known_format(f), "unknown format '%s'", f);
    FUZZ_CHECK(lr_io_writable(io) == 0, "a read-only open gave a writable handle");
    uint8_t byte = 0;
    FUZZ_CHECK(lr_io_pwrite(io, &byte, 1, 0, &err) == LR_EREADONLY, "pwrite not refused");
    uint64_t isize = lr_io_size(io);
    FUZZ_CHECK(lr_io_pread(io, &byte, 1, isize, &err) == LR_ERANGE, "read past the end");
    read_at(io, 0);
    read_at(io, isize / 2);
    read_at(io, isize > 4096 ? isize - 4096 : 0);
    bool snapshots = lr_io_snapshots(io) > 0;
    lr_io_close(io, NULL);
    if (snapshots)
        read_snapshot();
    return 0;
}
