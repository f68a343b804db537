/* lvmtui: an ncurses browser of every LVM2 VG and metadata version found in
 * disk images, with diff, export and restore. Argument parsing, the terminal
 * and the test mode only: screens and keys are the view model's
 * (lr/tui.h), every decision the engines'. */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "draw.h"
#include "lr/io.h"
#include "lr/mem.h"
#include "lr/safety.h"
#include "lr/strbuf.h"
#include "lr/tui.h"

/* 130: stopped by Ctrl-C (SIGINT) or SIGTERM, as a shell reports it. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

typedef struct cli {
    tui_draw_color_t color;
    const char *script;
    const char *dump;
    int rows, cols;
    int64_t now;
    const char *host;
    const char *snapshot; /* --snapshot: the qcow2 internal snapshot to read */
    bool all_zstd;        /* --all-zstd: LR_SCAN_ALL_ZSTD */
    const char *const *paths;
    size_t n_paths;
} cli_t;

/* --version: the version and the optional libraries this build reads
 * with, and those it lacks (the images and files they serve are refused
 * or read without them, said by name). */
static void print_version(FILE *f)
{
    char with[512], without[512];
    lr_scan_libraries(true, with, sizeof(with));
    lr_scan_libraries(false, without, sizeof(without));
    fprintf(f, "lvmtui (lvmrescue) %s\n", LR_VERSION);
    fprintf(f, "optional libraries in this build: %s\n", with[0] ? with : "none");
    fprintf(f, "optional libraries not in this build: %s\n", without[0] ? without : "none");
}

static void usage(FILE *f)
{
    fputs("Usage: lvmtui [--color=auto|never|always] IMAGE...\n"
          "Browse every LVM2 volume group and metadata version found in disk images\n"
          "(raw, block devices, .gz/.xz/.zst, E01, qcow2, VMDK, VHD/VHDX, split raw);\n"
          "compare versions, export one, or restore one.\n"
          "\n"
          "  --color=WHEN   colours: auto (default; off when NO_COLOR is set), never, always\n"
          "  --snapshot ID|NAME  read this internal snapshot of each qcow2 image (an\n"
          "                 older state of the disk) instead of its current state\n"
          "  --all-zstd     also decode zstd frames of 16 to 128 KiB (LVM2 backup files\n"
          "                 of more than 16 KiB on a btrfs compressed with zstd; slower\n"
          "                 on such a btrfs)\n"
          "  -h, --help     this text\n"
          "  -V, --version  the version and the optional libraries built in\n"
          "\n"
          "Needs a terminal of at least 80x24; press ? inside for the keys.\n"
          "For scripts and pipes use lvmscan (and lvmrepair to restore).\n",
          f);
}

static int parse_size(const char *s, int *rows, int *cols)
{
    char *end = NULL;
    long c = strtol(s, &end, 10);
    if (!end || *end != 'x')
        return -1;
    long r = strtol(end + 1, &end, 10);
    if (*end || c < 1 || r < 1 || c > 1000 || r > 1000)
        return -1;
    *rows = (int)r;
    *cols = (int)c;
    return 0;
}

static int parse_args(int argc, char **argv, cli_t *cli)
{
    /* --script, --screen-dump, --size, --now and --host are the hidden test
     * mode (docs/lvmtui.md), not part of --help. */
    static const struct option longopts[] = {
        {"color", required_argument, NULL, 'c'},
        {"script", required_argument, NULL, 's'},
        {"screen-dump", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 'z'},
        {"now", required_argument, NULL, 'n'},
        {"host", required_argument, NULL, 'H'},
        {"snapshot", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"all-zstd", no_argument, NULL, 'Z'},
        {NULL, 0, NULL, 0},
    };
    memset(cli, 0, sizeof(*cli));
    cli->rows = LR_TUI_MIN_ROWS;
    cli->cols = LR_TUI_MIN_COLS;
    int c;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        /* "--script --help": a separate value that is the next option */
        if (optarg && optarg == argv[optind - 1] && !lr_opt_value_ok(optarg)) {
            fprintf(stderr, "lvmtui: %s needs a value, not the option '%s'\n", argv[optind - 2],
                    optarg);
            return -1;
        }
        switch (c) {
        case 'c':
            if (strcmp(optarg, "auto") == 0)
                cli->color = TUI_DRAW_COLOR_AUTO;
            else if (strcmp(optarg, "never") == 0)
                cli->color = TUI_DRAW_COLOR_NEVER;
            else if (strcmp(optarg, "always") == 0)
                cli->color = TUI_DRAW_COLOR_ALWAYS;
            else {
                fprintf(stderr, "lvmtui: --color takes auto, never or always, not '%s'\n", optarg);
                return -1;
            }
            break;
        case 's':
            cli->script = optarg;
            break;
        case 'd':
            cli->dump = optarg;
            break;
        case 'z':
            if (parse_size(optarg, &cli->rows, &cli->cols)) {
                fprintf(stderr, "lvmtui: --size takes COLSxROWS, not '%s'\n", optarg);
                return -1;
            }
            break;
        case 'n':
            cli->now = strtoll(optarg, NULL, 10);
            break;
        case 'H':
            cli->host = optarg;
            break;
        case 'S':
            if (!optarg[0]) {
                fputs("lvmtui: --snapshot needs a snapshot's id or name\n", stderr);
                return -1;
            }
            cli->snapshot = optarg;
            break;
        case 'Z':
            cli->all_zstd = true;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_OK);
        case 'V':
            print_version(stdout);
            exit(EXIT_OK);
        default:
            return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "lvmtui: no image given\n");
        return -1;
    }
    if (!cli->script != !cli->dump) {
        fprintf(stderr, "lvmtui: --script and --screen-dump go together\n");
        return -1;
    }
    cli->paths = (const char *const *)argv + optind;
    cli->n_paths = (size_t)(argc - optind);
    return 0;
}

static void print_error(const char *what, const lr_error_t *err)
{
    char buf[1024], safe[1024];
    lr_error_format(err, buf, sizeof(buf));
    fprintf(stderr, "lvmtui: %s: %s\n", what, lr_tty_safe(buf, safe, sizeof(safe)));
}

/* ---- test mode: keys from --script, screens to --screen-dump -------------- */

static int dump_frame(FILE *f, const lr_tui_t *m, int n)
{
    lr_tui_frame_t *frame = NULL;
    char *text = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_tui_render(m, &frame, &err);
    if (!rc)
        rc = lr_tui_frame_text(frame, &text, &err);
    if (!rc && n > 0)
        fprintf(f, "== dump %d ==\n", n);
    if (!rc)
        fputs(text, f);
    free(text);
    lr_tui_frame_free(frame);
    if (rc)
        print_error("rendering", &err);
    return rc;
}

static int run_steps(lr_tui_t *m, const lr_tui_script_step_t *steps, size_t n, FILE *out)
{
    int dumps = 0;
    for (size_t i = 0; i < n; i++) {
        const lr_tui_script_step_t *s = &steps[i];
        if (s->key == LR_TUI_SCRIPT_DUMP) {
            if (dump_frame(out, m, ++dumps))
                return -1;
            continue;
        }
        if (s->key == LR_TUI_SCRIPT_SIZE) {
            lr_tui_resize(m, s->rows, s->cols);
            continue;
        }
        unsigned act = lr_tui_key(m, s->key);
        if (act & LR_TUI_ACT_WORK) {
            lr_error_t err;
            lr_error_clear(&err);
            lr_tui_work(m, NULL, NULL, &err); /* the outcome is on the screen */
        }
        if (act & LR_TUI_ACT_QUIT)
            break;
    }
    /* without <Dump> the file holds the last screen */
    return dumps ? 0 : dump_frame(out, m, 0);
}

static int run_script(lr_tui_t *m, const cli_t *cli, lr_tui_script_step_t *steps, size_t n)
{
    lr_error_t err;
    lr_error_clear(&err);
    lr_tui_resize(m, cli->rows, cli->cols);
    int src = lr_tui_scan(m, NULL, NULL, &err);
    if (src)
        print_error("scan", &err);
    FILE *out = fopen(cli->dump, "w");
    if (!out) {
        fprintf(stderr, "lvmtui: %s: %s\n", cli->dump, strerror(errno));
        return EXIT_FAIL;
    }
    int rc = run_steps(m, steps, n, out);
    if (fclose(out) && !rc) {
        fprintf(stderr, "lvmtui: %s: %s\n", cli->dump, strerror(errno));
        rc = -1;
    }
    return rc || src ? EXIT_FAIL : EXIT_OK;
}

/* ---- the terminal ------------------------------------------------------------- */

static void paint(lr_tui_t *m, bool clear_first)
{
    lr_tui_frame_t *f = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_tui_render(m, &f, &err))
        return; /* out of memory: keep what is on the terminal */
    tui_draw_frame(f, clear_first);
    lr_tui_frame_free(f);
}

static void resize(lr_tui_t *m)
{
    int rows, cols;
    tui_draw_size(&rows, &cols);
    lr_tui_resize(m, rows, cols);
}

/* Ctrl-C (SIGINT) and SIGTERM: the terminal is restored and lvmtui exits
 * 130, as a shell reports a command stopped by Ctrl-C (lvmtui.1), never 1
 * ("the scan failed"). The handler only sets a flag; the loops check it
 * between keys and scan steps. A restore already writing is let finish:
 * its transaction is the one thing never left half done on purpose. */
static volatile sig_atomic_t interrupted;
static bool working;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Installed before ncurses starts, so it keeps ours instead of its own
 * (which exits 1). No SA_RESTART: a blocking key read returns. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void exit_if_interrupted(void)
{
    if (!interrupted || working)
        return;
    tui_draw_end();
    fputs("lvmtui: interrupted\n", stderr);
    exit(EXIT_INTERRUPTED);
}

/* During the scan and the rescan: draw, then hand over whatever keys are
 * waiting without blocking (q on the progress screen stops the scan). */
static void pump(void *arg, lr_tui_t *m)
{
    (void)arg;
    exit_if_interrupted();
    bool clear_first = false;
    int key;
    if (interrupted)
        lr_tui_key(m, 'q'); /* stops a scan; a write is never interrupted */
    while ((key = tui_draw_key(false)) != -1) {
        if (key == TUI_DRAW_KEY_RESIZE) {
            resize(m);
            clear_first = true;
            continue;
        }
        clear_first |= (lr_tui_key(m, key) & LR_TUI_ACT_REDRAW) != 0;
    }
    paint(m, clear_first);
}

static int run_terminal(lr_tui_t *m, const cli_t *cli)
{
    lr_error_t err;
    lr_error_clear(&err);
    catch_signals();
    const char *why = tui_draw_start(cli->color);
    if (why) {
        fprintf(stderr,
                "lvmtui: %s: its screens cannot be shown; set TERM to the terminal's "
                "type (e.g. xterm-256color), or use lvmscan\n",
                why);
        return EXIT_USAGE;
    }
    resize(m);
    paint(m, false);
    int src = lr_tui_scan(m, pump, NULL, &err);
    bool clear_first = false;
    for (;;) {
        paint(m, clear_first);
        clear_first = false;
        int key = tui_draw_key(true);
        exit_if_interrupted();
        if (key == TUI_DRAW_KEY_RESIZE) {
            resize(m);
            clear_first = true;
            continue;
        }
        if (key < 0)
            continue;
        unsigned act = lr_tui_key(m, key);
        if (act & LR_TUI_ACT_WORK) {
            paint(m, false); /* "Writing..." before the work blocks */
            lr_error_t werr;
            lr_error_clear(&werr);
            working = true;
            lr_tui_work(m, pump, NULL, &werr);
            working = false;
            exit_if_interrupted();
        }
        if (act & LR_TUI_ACT_BEEP)
            tui_draw_beep();
        clear_first = (act & LR_TUI_ACT_REDRAW) != 0;
        if (act & LR_TUI_ACT_QUIT)
            break;
    }
    tui_draw_end();
    if (interrupted)
        return EXIT_INTERRUPTED;
    if (src) {
        print_error("scan", &err);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* Every image must at least open read-only and be a file or a block device
 * before the screen is taken over: a mistyped path is a usage error on the
 * terminal, not a "Scan failed" screen to leave with q. Only open(2) here:
 * lr_io_open would decompress a .gz image a second time before the scan does,
 * with nothing on screen. What an image holds is the scan's business and is
 * shown on screen. */
static int check_images(const cli_t *cli)
{
    int bad = 0;
    for (size_t i = 0; i < cli->n_paths; i++) {
        const char *path = cli->paths[i];
        lr_error_t err;
        lr_error_clear(&err);
        int fd = -1;
        const char *why = lr_open_image_fd(path, O_RDONLY, &fd, NULL, &err) ? err.msg : NULL;
        if (fd >= 0)
            close(fd);
        if (why) {
            char safe[4096];
            fprintf(stderr, "lvmtui: cannot open image %s: %s\n",
                    lr_tty_safe(path, safe, sizeof(safe)), why);
            bad++;
        }
    }
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    cli_t cli;
    lr_mem_tune(); /* before the reader threads: see lr/mem.h */
    if (parse_args(argc, argv, &cli)) {
        fprintf(stderr, "Try 'lvmtui --help'.\n");
        return EXIT_USAGE;
    }
    setlocale(LC_ALL, "");
    lr_tui_script_step_t *steps = NULL;
    size_t n_steps = 0;
    if (cli.script) {
        lr_error_t err;
        lr_error_clear(&err);
        if (lr_tui_script_parse(cli.script, &steps, &n_steps, &err)) {
            print_error("--script", &err);
            return EXIT_USAGE;
        }
    }
    if (check_images(&cli)) {
        free(steps);
        return EXIT_USAGE;
    }
    if (!cli.script && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "lvmtui: needs a terminal on stdin and stdout; "
                        "for scripts and pipes use lvmscan (lvmscan --json IMAGE...)\n");
        return EXIT_USAGE;
    }
    /* Test mode renders UTF-8 whatever the locale, so dumps are the same
     * everywhere. */
    bool utf8 = cli.script || strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    lr_tui_opts_t opts = {
        .paths = cli.paths,
        .n_paths = cli.n_paths,
        .utf8 = utf8,
        .now = cli.now,
        .host = cli.host,
        .snapshot = cli.snapshot,
        .all_zstd = cli.all_zstd,
    };
    lr_tui_t *m = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_tui_new(&opts, &m, &err)) {
        print_error("start", &err);
        free(steps);
        return EXIT_FAIL;
    }
    int rc = cli.script ? run_script(m, &cli, steps, n_steps) : run_terminal(m, &cli);
    lr_tui_free(m);
    free(steps);
    return rc;
}
