/* lvmrepair_fault: the lvmrepair program as the tests build it, never
 * installed. It is repair/lvmrepair.c unchanged, linked with
 * -Wl,--wrap=lr_io_open_rw (tests/repair.cmake): every image the program
 * opens for writing comes through __wrap_lr_io_open_rw below, which stacks
 * the test fault layer (fault.h) when LR_TEST_FAIL_WRITE=K is set: write K,
 * counted across every image of the run, fails with -EIO, as do all later
 * ones (as if the machine stopped there). So the interop scripts stop a real
 * restore at any write while the shipped program carries no test hook. */
#include <stdlib.h>

#include "fault.h"

int __real_lr_io_open_rw(lr_io_t **out, const char *path, int flags, lr_error_t *err);
int __wrap_lr_io_open_rw(lr_io_t **out, const char *path, int flags, lr_error_t *err);

/* One counter for the whole run, shared by every image. */
static lr_test_fault_t g_fault;

int __wrap_lr_io_open_rw(lr_io_t **out, const char *path, int flags, lr_error_t *err)
{
    const char *env = getenv("LR_TEST_FAIL_WRITE");
    char *end = NULL;
    unsigned long k = env ? strtoul(env, &end, 10) : 0;
    if (!env || end == env || *end || k == 0 || k > 0xffffffffUL)
        return __real_lr_io_open_rw(out, path, flags, err);
    g_fault.fail_at = (unsigned)k;
    lr_io_t *raw = NULL;
    int rc = __real_lr_io_open_rw(&raw, path, flags, err);
    if (rc)
        return rc;
    rc = lr_test_fault_io(raw, &g_fault.counter, g_fault.fail_at, out, err);
    if (rc)
        lr_io_close(raw, NULL);
    return rc;
}
