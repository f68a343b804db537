/* lr_io on a real block device (a loop device over a temp file): size by
 * BLKGETSIZE64, no gzip sniffing, O_EXCL refusing a second exclusive
 * open. Needs root and loop devices: labelled "interop", exits 77
 * (SKIPPED) with the reason when they are missing. Only the loop device it
 * attached is detached, by name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/io.h"
#include "bin_support.h"

#define IMG_SIZE (8u << 20)

static char g_file[1024];
static char g_dev[128];

static int run(const char *cmd, char *out, size_t len)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = out ? fread(out, 1, len - 1, p) : 0;
    if (out) {
        out[n] = '\0';
        char *nl = strchr(out, '\n');
        if (nl)
            *nl = '\0';
    }
    return pclose(p);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_file, sizeof(g_file), "%s/lr-blk-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(g_file);
    if (fd < 0)
        return -1;
    uint8_t *buf = calloc(1, IMG_SIZE);
    if (!buf)
        return -1;
    for (size_t i = 0; i < IMG_SIZE; i += 4096)
        buf[i + 7] = (uint8_t)(i >> 12);
    buf[0] = 0x1f; /* gzip magic: must not matter on a device */
    buf[1] = 0x8b;
    ssize_t w = write(fd, buf, IMG_SIZE);
    free(buf);
    close(fd);
    if (w != (ssize_t)IMG_SIZE)
        return -1;
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "losetup -f --show '%s' 2>/dev/null", g_file);
    if (run(cmd, g_dev, sizeof(g_dev)) != 0 || strncmp(g_dev, "/dev/loop", 9) != 0) {
        g_dev[0] = '\0';
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g_dev[0]) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "losetup -d '%s'", g_dev);
        run(cmd, NULL, 0);
    }
    unlink(g_file);
    return 0;
}

static void test_blockdev_read(void **state)
{
    (void)state;
    lr_io_t *io = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open(&io, g_dev, &err), 0);
    assert_int_equal(lr_io_size(io), IMG_SIZE);
    assert_false(lr_io_is_gzip(io));
    assert_false(lr_io_writable(io));
    uint8_t b[8];
    assert_int_equal(lr_io_pread(io, b, 8, 4096 * 5, NULL), 0);
    assert_int_equal(b[7], 5);
    assert_int_equal(lr_io_pread(io, b, 2, 0, NULL), 0);
    assert_int_equal(b[0], 0x1f);
    assert_int_equal(lr_io_pread(io, b, 8, IMG_SIZE - 4, &err), LR_ERANGE);
    assert_int_equal(lr_io_pwrite(io, b, 8, 0, NULL), LR_EREADONLY);
    lr_io_close(io, NULL);
}

static void test_blockdev_exclusive(void **state)
{
    (void)state;
    lr_io_t *a = NULL, *b = NULL, *c = NULL, *ro = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_io_open_rw(&a, g_dev, LR_IO_RDWR | LR_IO_EXCL, &err), 0);
    assert_int_equal(lr_io_size(a), IMG_SIZE);
    assert_int_equal(lr_io_open_rw(&b, g_dev, LR_IO_RDWR | LR_IO_EXCL, &err), -EBUSY);
    assert_null(b);
    assert_string_equal(err.where, g_dev);
    assert_non_null(strstr(err.msg, "busy"));
    assert_int_equal(lr_io_open(&ro, g_dev, NULL), 0); /* readers are not blocked */
    lr_io_close(ro, NULL);

    uint8_t w[512];
    memset(w, 0x5c, sizeof(w));
    assert_int_equal(lr_io_pwrite(a, w, sizeof(w), 1024 * 1024, NULL), 0);
    assert_int_equal(lr_io_sync(a, NULL), 0);
    assert_int_equal(lr_io_close(a, NULL), 0);

    assert_int_equal(lr_io_open_rw(&c, g_dev, LR_IO_RDWR | LR_IO_EXCL, NULL), 0);
    lr_io_close(c, NULL);

    /* The write reached the backing file. */
    size_t len = 0;
    uint8_t *file = lr_test_file_bytes(g_file, &len);
    assert_int_equal(len, IMG_SIZE);
    assert_memory_equal(file + 1024 * 1024, w, sizeof(w));
    free(file);
}

int main(void)
{
    if (geteuid() != 0 || access("/dev/loop-control", W_OK) != 0 ||
        (access("/usr/sbin/losetup", X_OK) != 0 && access("/sbin/losetup", X_OK) != 0)) {
        printf("SKIPPED: test_io_blockdev needs root, /dev/loop-control and losetup\n");
        return 77;
    }
    if (setup(NULL) != 0) {
        teardown(NULL);
        printf("SKIPPED: test_io_blockdev could not attach a loop device\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blockdev_read),
        cmocka_unit_test(test_blockdev_exclusive),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    teardown(NULL);
    return rc;
}
