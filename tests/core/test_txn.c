/* The write transaction (core/include/lr/txn.h) on scratch images:
 *   - planning records the routine's writes (never passed down), with the
 *     "before" bytes, syncs and tags; reads during planning see them; the
 *     caller's verify runs on the planned bytes, then after the run on the
 *     images;
 *   - the run writes exactly the plan, the planned undo file puts every
 *     byte back;
 *   - refusals before any write: overlapping writes, a changed image, a
 *     busy image (LR_HINT_FORCE; shared opens it), and such a run may be
 *     tried again;
 *   - the guard refuses a write the plan does not have, a run making fewer
 *     writes fails, a fault from the open hook stops the run with the undo
 *     file finished;
 *   - a path that names another file between plan and write (mv) is
 *     refused before any write (issue 17, item 10), also when the path
 *     is set again to the same name;
 *   - the error contract: each public function of lr/txn.h and lr/undo.h
 *     that can fail returns its negative status with a NULL error record. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fault.h"
#include "lr/txn.h"
#include "lr/undo.h"
#include "support.h"

#define IMG_SIZE (64u * 1024u)

static char g_dir[64];
static char g_img[128], g_undo[128];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-txn-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_img, sizeof(g_img), "%s/a.img", g_dir);
    snprintf(g_undo, sizeof(g_undo), "%s/undo", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_img);
    unlink(g_undo);
    rmdir(g_dir);
    return 0;
}

/* A fresh image with a pattern, and no undo file. */
static int fresh(void **state)
{
    (void)state;
    unlink(g_undo);
    FILE *f = fopen(g_img, "wb");
    if (!f)
        return -1;
    for (uint32_t i = 0; i < IMG_SIZE; i++)
        fputc((int)((i * 13u + 5) & 0xff), f);
    return fclose(f);
}

static void hash(char out[65])
{
    assert_int_equal(lr_test_sha256_file(g_img, out), 0);
}

/* The routine: 512 bytes of 'A' at 1024, a sync, then 100 bytes at 8192
 * that copy what it reads back at 1024 (so a planning read must see the
 * recorded write). overlap makes the second write hit the first; change
 * makes the run write other bytes; fewer stops the run after one write. */
typedef struct routine {
    int n_write, n_verify_plan, n_verify_run;
    bool overlap, change, fewer, fail_verify;
} routine_t;

static int r_write(void *arg, lr_txn_t *t, lr_io_t *const *ios, lr_error_t *err)
{
    routine_t *r = arg;
    r->n_write++;
    uint8_t a[512], b[100];
    memset(a, 'A', sizeof(a));
    if (r->change && !lr_txn_planning(t))
        a[7] = 'Z';
    lr_txn_tag(t, 1);
    int rc = lr_io_pwrite(ios[0], a, sizeof(a), 1024, err);
    if (!rc)
        rc = lr_io_sync(ios[0], err);
    if (rc || (r->fewer && !lr_txn_planning(t)))
        return rc;
    lr_txn_tag(t, 2);
    rc = lr_io_pread(ios[0], b, sizeof(b), 1024, err);
    if (!rc)
        rc = lr_io_pwrite(ios[0], b, sizeof(b), r->overlap ? 1500 : 8192, err);
    return rc;
}

static int r_verify(void *arg, lr_io_t *const *ios, bool planning, lr_error_t *err)
{
    routine_t *r = arg;
    planning ? r->n_verify_plan++ : r->n_verify_run++;
    if (r->fail_verify)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "verify says no");
    if (r->overlap)
        return 0; /* the second write is elsewhere */
    uint8_t b[100];
    int rc = lr_io_pread(ios[0], b, sizeof(b), 8192, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < sizeof(b); i++)
        if (b[i] != 'A')
            return lr_error_set(err, LR_EFORMAT, 8192 + i, "not what was planned");
    return 0;
}

/* A planned transaction over g_img (read through a read-only handle). */
static lr_txn_t *plan(routine_t *r, lr_txn_ops_t *ops, int want)
{
    *ops = (lr_txn_ops_t){.write = r_write, .verify = r_verify, .arg = r};
    const char *paths[] = {g_img};
    lr_txn_t *t = NULL;
    lr_error_t err;
    assert_int_equal(lr_txn_new(&t, 1, paths, &err), 0);
    lr_io_t *ro = NULL;
    assert_int_equal(lr_io_open(&ro, g_img, &err), 0);
    assert_int_equal(lr_txn_plan(t, &ro, ops, &err), want);
    lr_io_close(ro, NULL);
    return t;
}

static void apply_undo(void)
{
    lr_undo_file_t *f = NULL;
    lr_error_t err;
    assert_int_equal(lr_undo_read(g_undo, &f, &err), 0);
    assert_true(f->finished);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_rw(&io, g_img, LR_IO_RDWR, &err), 0);
    assert_int_equal(lr_undo_apply(f, &io, false, NULL, &err), 0);
    lr_io_close(io, NULL);
    lr_undo_file_free(f);
}

static void test_plan_and_run(void **state)
{
    (void)state;
    char h0[65], h1[65];
    hash(h0);
    routine_t r = {0};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    hash(h1);
    assert_string_equal(h0, h1); /* planning writes nothing */
    assert_int_equal(r.n_verify_plan, 1);
    assert_int_equal(lr_txn_n_writes(t), 2);
    assert_int_equal(lr_txn_image_writes(t, 0), 2);
    const lr_txn_write_t *w = lr_txn_writes(t);
    assert_int_equal(w[0].offset, 1024);
    assert_int_equal(w[0].length, 512);
    assert_true(w[0].sync_after);
    assert_int_equal(w[0].tag, 1);
    assert_int_equal(w[0].before[0], (uint8_t)((1024 * 13u + 5) & 0xff));
    assert_int_equal(w[1].offset, 8192);
    assert_false(w[1].sync_after);
    assert_int_equal(w[1].tag, 2);
    assert_int_equal(w[1].after[0], 'A'); /* the read saw the recorded write */
    assert_false(lr_txn_started(t));

    lr_txn_run_opts_t o = {.undo_path = g_undo};
    lr_error_t err;
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), 0);
    assert_true(lr_txn_started(t));
    assert_true(w[0].done && w[1].done);
    assert_int_equal(r.n_verify_run, 1);
    /* Once only. */
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), LR_EREFUSED);
    lr_txn_free(t);
    hash(h1);
    assert_string_not_equal(h0, h1);
    apply_undo();
    hash(h1);
    assert_string_equal(h0, h1);
}

static void test_planning_refusals(void **state)
{
    (void)state;
    routine_t r = {.overlap = true};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, LR_EREFUSED);
    assert_int_equal(lr_txn_n_writes(t), 0);
    lr_error_t err;
    assert_int_equal(lr_txn_run(t, &ops, NULL, &err), -EINVAL); /* not planned */
    lr_txn_free(t);

    r = (routine_t){.fail_verify = true};
    t = plan(&r, &ops, LR_EFORMAT);
    assert_int_equal(lr_txn_n_writes(t), 0);
    lr_txn_free(t);
}

static void test_changed_image(void **state)
{
    (void)state;
    routine_t r = {0};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    lr_error_t err;
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_rw(&io, g_img, LR_IO_RDWR, &err), 0);
    uint8_t x = 0x42, old;
    assert_int_equal(lr_io_pread(io, &old, 1, 8200, &err), 0);
    assert_int_equal(lr_io_pwrite(io, &x, 1, 8200, &err), 0);
    lr_txn_run_opts_t o = {.undo_path = g_undo};
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "plan again"));
    assert_false(lr_txn_started(t));
    assert_int_equal(access(g_undo, F_OK), -1); /* no undo file */
    /* Put back, and the refused run may be tried again. */
    assert_int_equal(lr_io_pwrite(io, &old, 1, 8200, &err), 0);
    lr_io_close(io, NULL);
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), 0);
    lr_txn_free(t);
}

static void test_busy_image(void **state)
{
    (void)state;
    routine_t r = {0};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    int fd = open(g_img, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0); /* another holder */
    lr_error_t err;
    lr_txn_run_opts_t o = {.undo_path = g_undo};
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), LR_EREFUSED);
    assert_true(err.hints & LR_HINT_FORCE);
    assert_false(lr_txn_started(t));
    o.shared = true;
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), 0);
    close(fd);
    lr_txn_free(t);
}

static void test_guard(void **state)
{
    (void)state;
    char h0[65], h1[65];
    hash(h0);
    routine_t r = {.change = true};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    lr_error_t err;
    lr_txn_run_opts_t o = {.undo_path = g_undo};
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "differs from planned write 1"));
    assert_true(lr_txn_started(t));
    assert_false(lr_txn_writes(t)[0].done);
    lr_txn_free(t);
    hash(h1);
    assert_string_equal(h0, h1);

    unlink(g_undo);
    r = (routine_t){.fewer = true};
    t = plan(&r, &ops, 0);
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), -EIO);
    assert_non_null(strstr(err.msg, "only 1 of 2 planned writes"));
    lr_txn_free(t);
    apply_undo();
    hash(h1);
    assert_string_equal(h0, h1);
}

static void test_fault_from_open_hook(void **state)
{
    (void)state;
    char h0[65], h1[65];
    hash(h0);
    routine_t r = {0};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    lr_test_fault_t f = {.fail_at = 2};
    lr_txn_run_opts_t o = {.undo_path = g_undo, .open = lr_test_fault_open, .open_arg = &f};
    lr_error_t err;
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), -EIO);
    assert_true(lr_txn_writes(t)[0].done);
    assert_false(lr_txn_writes(t)[1].done);
    assert_int_equal(r.n_verify_run, 0);
    lr_txn_free(t);
    apply_undo(); /* the file was finished after the failure */
    hash(h1);
    assert_string_equal(h0, h1);
}

static int copy_file(const char *from, const char *to)
{
    static uint8_t buf[IMG_SIZE];
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    size_t n = in ? fread(buf, 1, sizeof(buf), in) : 0;
    int rc = in && out && n == IMG_SIZE && fwrite(buf, 1, n, out) == n ? 0 : -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* The open hook opens the image, then moves another file over its path:
 * the writes would go to the unlinked inode. */
static int open_then_mv(void *arg, const char *path, int flags, lr_io_t **out, lr_error_t *err)
{
    const char *other = arg;
    int rc = lr_io_open_rw(out, path, flags, err);
    if (!rc && rename(other, path) != 0)
        rc = lr_error_set(err, -errno, LR_NO_OFFSET, "rename failed");
    return rc;
}

static void test_moved_before_write(void **state)
{
    (void)state;
    char other[160], h0[65], h1[65];
    snprintf(other, sizeof(other), "%s/other.img", g_dir);
    assert_int_equal(copy_file(g_img, other), 0);
    hash(h0);
    routine_t r = {0};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    lr_txn_run_opts_t o = {.undo_path = g_undo, .open = open_then_mv, .open_arg = other};
    lr_error_t err;
    lr_error_clear(&err);
    assert_int_equal(lr_txn_run(t, &ops, &o, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "names another file"));
    assert_false(lr_txn_writes(t)[0].done);
    lr_txn_free(t);
    hash(h1); /* the path now names the moved-in copy: unchanged too */
    assert_string_equal(h0, h1);
    /* A path moved between planning and the run's open is refused too. */
    t = plan(&r, &ops, 0);
    assert_int_equal(copy_file(g_img, other), 0);
    assert_int_equal(rename(other, g_img), 0);
    lr_txn_run_opts_t o2 = {0};
    assert_int_equal(lr_txn_run(t, &ops, &o2, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "names another file"));
    lr_txn_free(t);
    hash(h1);
    assert_string_equal(h0, h1);
    /* ... also when the caller sets the path the plan already has (as
     * lr_repair_execute does for every image): that is no new file. */
    t = plan(&r, &ops, 0);
    assert_int_equal(copy_file(g_img, other), 0);
    assert_int_equal(rename(other, g_img), 0);
    assert_int_equal(lr_txn_set_path(t, 0, g_img, &err), 0);
    assert_int_equal(lr_txn_run(t, &ops, &o2, &err), LR_EREFUSED);
    assert_non_null(strstr(err.msg, "names another file"));
    lr_txn_free(t);
    hash(h1);
    assert_string_equal(h0, h1);
}

static void test_without_undo(void **state)
{
    (void)state;
    routine_t r = {0};
    lr_txn_ops_t ops;
    lr_txn_t *t = plan(&r, &ops, 0);
    lr_error_t err;
    assert_int_equal(lr_txn_run(t, &ops, NULL, &err), 0);
    assert_int_equal(access(g_undo, F_OK), -1);
    lr_txn_free(t);
}

/* The error contract: failures come back as the status without a record. */
static void test_null_record(void **state)
{
    (void)state;
    const char *paths[] = {g_img};
    lr_txn_t *t = NULL;
    assert_int_equal(lr_txn_new(&t, 0, paths, NULL), -EINVAL);
    assert_int_equal(lr_txn_new(&t, 1, paths, NULL), 0);
    assert_int_equal(lr_txn_set_path(t, 1, g_img, NULL), -EINVAL);
    lr_io_t *ro = NULL, *top = NULL;
    assert_int_equal(lr_io_open(&ro, g_img, NULL), 0);
    assert_int_equal(lr_txn_record_io(t, 1, ro, &top, NULL), -EINVAL);
    assert_int_equal(lr_txn_guard_io(t, 1, ro, &top, NULL), -EINVAL);
    routine_t r = {.overlap = true};
    lr_txn_ops_t ops = {.write = r_write, .verify = r_verify, .arg = &r};
    assert_int_equal(lr_txn_plan(t, &ro, &ops, NULL), LR_EREFUSED);
    assert_int_equal(lr_txn_run(t, &ops, NULL, NULL), -EINVAL); /* not planned */
    lr_txn_free(t);

    /* A busy image and a changed one, refused without a record. */
    r = (routine_t){0};
    assert_int_equal(lr_txn_new(&t, 1, paths, NULL), 0);
    assert_int_equal(lr_txn_plan(t, &ro, &ops, NULL), 0);
    lr_io_close(ro, NULL);
    int fd = open(g_img, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    assert_int_equal(lr_txn_run(t, &ops, NULL, NULL), LR_EREFUSED);
    close(fd);
    lr_io_t *io = NULL;
    assert_int_equal(lr_io_open_rw(&io, g_img, LR_IO_RDWR, NULL), 0);
    uint8_t x = 0x42;
    assert_int_equal(lr_io_pwrite(io, &x, 1, 1024, NULL), 0);
    lr_io_close(io, NULL);
    assert_int_equal(lr_txn_run(t, &ops, NULL, NULL), LR_EREFUSED);
    lr_txn_free(t);

    /* The undo file's functions. */
    lr_undo_t *u = NULL;
    lr_undo_file_t *f = NULL;
    assert_int_equal(lr_undo_read(g_undo, &f, NULL), -ENOENT);
    assert_int_equal(lr_undo_create_planned(&u, g_undo, NULL, 0, NULL), -EINVAL);
    assert_int_equal(lr_undo_create(&u, g_undo, NULL), 0);
    lr_undo_t *u2 = NULL;
    assert_int_equal(lr_undo_create(&u2, g_undo, NULL), -EEXIST);
    assert_int_equal(lr_io_open(&ro, g_img, NULL), 0);
    assert_int_equal(lr_undo_wrap(u, ro, g_img, &top, NULL), LR_EREADONLY);
    lr_io_close(ro, NULL);
    assert_int_equal(lr_undo_finish(u, 0, NULL), 0);
    lr_undo_free(u);
    /* A file whose header is damaged. */
    int ufd = open(g_undo, O_WRONLY);
    assert_true(ufd >= 0);
    assert_int_equal(pwrite(ufd, "X", 1, 0), 1);
    close(ufd);
    assert_int_equal(lr_undo_read(g_undo, &f, NULL), LR_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_plan_and_run, fresh),
        cmocka_unit_test_setup(test_planning_refusals, fresh),
        cmocka_unit_test_setup(test_changed_image, fresh),
        cmocka_unit_test_setup(test_busy_image, fresh),
        cmocka_unit_test_setup(test_guard, fresh),
        cmocka_unit_test_setup(test_fault_from_open_hook, fresh),
        cmocka_unit_test_setup(test_moved_before_write, fresh),
        cmocka_unit_test_setup(test_without_undo, fresh),
        cmocka_unit_test_setup(test_null_record, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
