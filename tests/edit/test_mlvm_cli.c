/* The mlvm program (and lvmrepair --apply-undo on what it leaves): --undo
 * FILE on every write command, the undo files putting the image back byte
 * for byte (sha256), refusals creating no undo file, an existing undo file
 * never overwritten, --undo refused where nothing is written, singular and
 * plural extent counts, resize sizes worked out by the engine. No root.
 *
 * usage: test_mlvm_cli PATH/TO/mlvm PATH/TO/lvmrepair */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define MiB (1ull << 20)

static const char *g_mlvm, *g_lvmrepair;
static char g_dir[64];
static char g_out[1 << 16], g_err[1 << 16];

/* ---- helpers ---- */

static const char *tmp(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", g_dir, name);
    return buf;
}

static void empty_image(const char *path, uint64_t size)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    close(fd);
}

static void sha(const char *path, char out[65])
{
    assert_int_equal(lr_test_sha256_file(path, out), 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void read_back(const char *path, char *buf, size_t len)
{
    size_t n = 0;
    char *s = lr_test_slurp(path, &n);
    assert_non_null(s);
    snprintf(buf, len, "%s", s);
    free(s);
}

/* Runs argv (NULL-terminated) in directory cwd (NULL: the temp dir) with
 * stdin from /dev/null; stdout and stderr end up in g_out / g_err. Returns
 * the exit status. */
static int run_in(const char *cwd, const char *const *argv)
{
    char out[128], err[128];
    tmp(out, sizeof(out), "cli.out");
    tmp(err, sizeof(err), "cli.err");
    fprintf(stderr, "$");
    for (size_t i = 0; argv[i]; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\n");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 ||
            chdir(cwd ? cwd : g_dir) != 0)
            _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    read_back(out, g_out, sizeof(g_out));
    read_back(err, g_err, sizeof(g_err));
    fprintf(stderr, "%s%s", g_out, g_err);
    return WEXITSTATUS(st);
}

#define RUN(...) run_in(NULL, (const char *const[]){__VA_ARGS__, NULL})

static void has(const char *text, const char *word)
{
    if (!strstr(text, word))
        fail_msg("\"%s\" not in:\n%s", word, text);
}

/* lvmrepair --apply-undo FILE --yes [IMAGE] must succeed. */
static void apply(const char *undo, const char *image)
{
    int rc = image ? RUN(g_lvmrepair, "--apply-undo", undo, "--yes", image)
                   : RUN(g_lvmrepair, "--apply-undo", undo, "--yes");
    assert_int_equal(rc, 0);
    has(g_out, "original bytes");
}

/* ---- tests ---- */

/* Every write command with --undo, then the undo files applied newest
 * first: each one brings back the state before its command exactly. */
static void test_undo_every_command(void **state)
{
    (void)state;
    char img[128], h[7][65], now[65];
    tmp(img, sizeof(img), "disk.raw");
    empty_image(img, 64 * MiB);
    sha(img, h[0]);
    static const char *const undo[] = {"u-format", "u-create", "u-grow",
                                       "u-shrink", "u-rename", "u-remove"};
    assert_int_equal(RUN(g_mlvm, "format", "disk.raw", "--metadata-copies", "2", "--undo", undo[0]),
                     0);
    has(g_out, "Undo file u-format: 'lvmrepair --apply-undo u-format' puts back");
    sha(img, h[1]);
    assert_int_equal(RUN(g_mlvm, "create", "disk.raw", "data", "--size", "10m", "--undo", undo[1]),
                     0);
    has(g_out, "3 extents (12.00 MiB)");
    has(g_out, "Undo file u-create");
    sha(img, h[2]);
    assert_int_equal(RUN(g_mlvm, "resize", "disk.raw", "data", "+5m", "--undo", undo[2]), 0);
    has(g_out, "from 3 extents (12.00 MiB) to 5 extents (20.00 MiB)");
    sha(img, h[3]);
    assert_int_equal(RUN(g_mlvm, "resize", "disk.raw", "data", "-17m", "--undo", undo[3]), 0);
    has(g_out, "to 1 extent (4.00 MiB)");
    sha(img, h[4]);
    assert_int_equal(RUN(g_mlvm, "rename", "disk.raw", "data", "archive", "--undo=u-rename"), 0);
    sha(img, h[5]);
    assert_int_equal(RUN(g_mlvm, "remove", "disk.raw", "archive", "--undo", undo[5]), 0);
    sha(img, h[6]);
    for (int i = 5; i >= 0; i--) {
        apply(undo[i], NULL);
        sha(img, now);
        assert_string_equal(now, h[i]);
    }
}

/* The undo file names the image by its absolute path (since 2026-12-07;
 * before, as mlvm was given it): it applies from another directory. */
static void test_undo_other_directory(void **state)
{
    (void)state;
    char img[128], undo[128], h0[65], h1[65];
    tmp(img, sizeof(img), "rel.raw");
    tmp(undo, sizeof(undo), "u-rel");
    empty_image(img, 32 * MiB);
    sha(img, h0);
    assert_int_equal(RUN(g_mlvm, "format", "rel.raw", "--undo", "u-rel"), 0);
    sha(img, h1);
    assert_string_not_equal(h0, h1);
    /* the undo file names the image by its absolute path: it applies from
     * / although the run named it "rel.raw" */
    int rc = run_in("/", (const char *const[]){g_lvmrepair, "--apply-undo", undo, "--yes", NULL});
    assert_int_equal(rc, 0);
    sha(img, h1);
    assert_string_equal(h0, h1);
}

/* Refused requests create no undo file; an existing one is never
 * overwritten and nothing is written; --undo goes with write commands. */
static void test_undo_refusals(void **state)
{
    (void)state;
    char img[128], undo[128], h0[65], h1[65], kept[64];
    tmp(img, sizeof(img), "ref.raw");
    tmp(undo, sizeof(undo), "u-ref");
    empty_image(img, 64 * MiB);
    assert_int_equal(RUN(g_mlvm, "format", "ref.raw"), 0);
    assert_int_equal(RUN(g_mlvm, "create", "ref.raw", "data"), 0);
    sha(img, h0);
    unlink(undo);
    assert_int_equal(RUN(g_mlvm, "create", "ref.raw", "data", "--undo", "u-ref"), 1);
    has(g_err, "already exists");
    has(g_err, "(choose another name)"); /* mlvm's words for LR_HINT_NEW_NAME */
    assert_false(exists(undo));
    assert_int_equal(RUN(g_mlvm, "format", "ref.raw", "--undo", "u-ref"), 1);
    has(g_err, "refusing to format over it (add --force to overwrite it)");
    assert_false(exists(undo));
    assert_int_equal(RUN(g_mlvm, "resize", "ref.raw", "nosuch", "8m", "--undo", "u-ref"), 1);
    has(g_err, "no logical volume 'nosuch'");
    assert_false(exists(undo));
    assert_int_equal(RUN(g_mlvm, "resize", "ref.raw", "data", "-4m", "--undo", "u-ref"), 2);
    has(g_err, "no extents left");
    has(g_err, "ref.raw");
    assert_false(exists(undo));
    assert_int_equal(RUN(g_mlvm, "read", "ref.raw", "--undo", "u-ref"), 2);
    has(g_err, "option '--undo' does not apply to 'read'");
    sha(img, h1);
    assert_string_equal(h0, h1);

    FILE *f = fopen(undo, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    assert_int_equal(RUN(g_mlvm, "create", "ref.raw", "more", "--undo", "u-ref"), 2);
    has(g_err, "never overwritten");
    assert_int_equal(RUN(g_mlvm, "format", "ref.raw", "--force", "--undo", "u-ref"), 2);
    has(g_err, "never overwritten");
    sha(img, h1);
    assert_string_equal(h0, h1);
    read_back(undo, kept, sizeof(kept));
    assert_string_equal(kept, "precious");
    unlink(undo);
}

/* "1 extent", never "1 extents"; the help names --undo. */
static void test_wording(void **state)
{
    (void)state;
    char img[128];
    tmp(img, sizeof(img), "word.raw");
    empty_image(img, 64 * MiB); /* 15 extents of 4 MiB */
    assert_int_equal(RUN(g_mlvm, "format", "word.raw"), 0);
    has(g_out, "15 extents of 4.00 MiB");
    assert_int_equal(RUN(g_mlvm, "create", "word.raw", "big", "--size", "56m"), 0);
    assert_int_equal(RUN(g_mlvm, "read", "word.raw"), 0);
    has(g_out, "| 1 extent (4.00 MiB)\n");
    assert_null(strstr(g_out, "1 extents"));
    assert_int_equal(RUN(g_mlvm, "create", "word.raw", "last"), 0);
    assert_int_equal(RUN(g_mlvm, "read", "word.raw"), 0);
    has(g_out, "| 0 extents (0 B)\n");
    assert_int_equal(RUN(g_mlvm, "read", "--json", "word.raw"), 0);
    has(g_out, "\"free_space\": 0\n");
    assert_int_equal(RUN(g_mlvm, "--help"), 0);
    has(g_out, "--undo FILE");
    assert_int_equal(RUN(g_mlvm, "create", "--help"), 0);
    has(g_out, "create IMAGE NAME [--size SIZE] [--undo FILE]");
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/lr-mlvm-cli-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PATH/TO/mlvm PATH/TO/lvmrepair\n", argv[0]);
        return 2;
    }
    g_mlvm = argv[1];
    g_lvmrepair = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_undo_every_command),
        cmocka_unit_test(test_undo_other_directory),
        cmocka_unit_test(test_undo_refusals),
        cmocka_unit_test(test_wording),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
