/* lvmrepair: diff, restore, export and extract versions of LVM2 volume
 * groups found in raw disk images, with a plan shown first and an undo file
 * for every write.
 *
 * The program parses arguments, prints and asks; every decision is taken
 * by the engines (lr/repair.h, lr/undo.h, lr/diff.h, lr/export.h,
 * lr/extract.h). Exit status: 0 success, 1 refused (the reason is printed),
 * 2 usage or I/O error, 5 the user declined. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lr/diff.h"
#include "lr/export.h"
#include "lr/extract.h"
#include "lr/fmt.h"
#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/undo.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_DECLINED = 5 };

/* Test hook (documented in docs/lvmrepair.md): fail the N-th write of a
 * restore, as if the machine stopped there. */

typedef enum mode {
    MODE_NONE = 0,
    MODE_RESTORE,
    MODE_APPLY_UNDO,
    MODE_DIFF,
    MODE_EXPORT,
    MODE_EXTRACT,
} mode_t_;

typedef struct args {
    mode_t_ mode;
    int n_modes;
    const char *mode_arg; /* seqno=N[:crc=0xCRC] / FILE / LV */
    const char *seqno2;   /* --diff's second version */
    const char *vg;
    bool has_crc;
    uint32_t crc;
    bool has_seqno; /* --seqno (extract) */
    uint64_t seqno;
    bool dry_run, yes, force, json;
    const char *undo, *output, *log, *out_file;
    int n_images;
    char **images;
    int argc;
    char **argv;
} args_t;

static const char *prog = "lvmrepair";

/* ---- messages --------------------------------------------------------------- */

static void say_error(const lr_error_t *err)
{
    char buf[1024];
    fprintf(stderr, "%s: %s\n", prog, lr_error_format(err, buf, sizeof(buf)));
}

/* Times for people and logs: local, with the zone offset. */
static const char *local_time(int64_t t, char *buf, size_t len)
{
    return lr_fmt_time(t, LR_FMT_TIME_LOCAL | LR_FMT_TIME_ZONE, "unknown time", buf, len);
}

/* Refusals and "no such thing" answer 1 (an existing file that would be
 * overwritten is a refusal too); everything else is an error. */
static int exit_for(int rc)
{
    if (rc == 0)
        return EXIT_OK;
    if (rc == LR_EREFUSED || rc == LR_ENOTFOUND || rc == LR_ELIMIT || rc == -EEXIST)
        return EXIT_REFUSED;
    return EXIT_USAGE;
}

/* The engines say an existing output is kept "unless overwriting is
 * allowed": here that is --force. */
static void name_force_option(lr_error_t *err)
{
    static const char generic[] = "(allow overwriting to replace it)";
    char *at = strstr(err->msg, generic);
    if (at)
        snprintf(at, sizeof(err->msg) - (size_t)(at - err->msg), "(--force replaces it)");
}

static int fail(int rc, lr_error_t *err)
{
    name_force_option(err);
    say_error(err);
    return exit_for(rc);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage:\n"
            "  %1$s --restore seqno=N [--vg NAME|UUID] [--crc 0xCRC] [--dry-run] [--yes]\n"
            "            [--force] [--undo FILE] [--output DIR] [--log FILE] IMAGE...\n"
            "  %1$s --apply-undo FILE [--dry-run] [--yes] [--force] [--log FILE] [IMAGE...]\n"
            "  %1$s --diff seqno=A[:crc=0xCRC] seqno=B[:crc=0xCRC] [--vg NAME|UUID] [--json]\n"
            "            IMAGE...\n"
            "  %1$s --export seqno=N [--vg NAME|UUID] [--crc 0xCRC] [-o FILE] IMAGE...\n"
            "  %1$s --extract LV [--seqno N] [--vg NAME|UUID] [--crc 0xCRC] -o OUT IMAGE...\n"
            "\n"
            "Restores any version of an LVM2 volume group found in raw disk images (files,\n"
            ".gz images, block devices), LVM2's way, after showing what it will write;\n"
            "saves every overwritten byte to an undo file first.\n"
            "\n"
            "  --restore seqno=N    write version N again, as seqno (highest seen + 1)\n"
            "  --vg NAME|UUID       the volume group (when several have that version)\n"
            "  --crc 0xCRC          the copy, when one seqno has conflicting texts (also\n"
            "                       written seqno=N:crc=0xCRC)\n"
            "  -n, --dry-run, --test  show the plan, write nothing\n"
            "  --yes                answer the confirmation (needed without a terminal)\n"
            "  --force              override safety refusals (busy or locked images, missing\n"
            "                       PVs, a version failing LVM2's checks, existing outputs\n"
            "                       and copies; never an existing undo file)\n"
            "  --undo FILE          undo file (default: next to the first image)\n"
            "  --output DIR         write repaired copies into DIR, originals untouched\n"
            "  --log FILE           append what was done to FILE\n"
            "  --apply-undo FILE    put back the bytes an earlier run saved in FILE\n"
            "  --diff seqno=A seqno=B  what changed between two versions (--json for JSON);\n"
            "                       seqno=N:crc=0xCRC picks one of conflicting copies\n"
            "  --export seqno=N     the version as a file for vgcfgrestore -f (-o FILE)\n"
            "  --extract LV         copy the LV's data as version --seqno maps it to -o OUT\n"
            "  --help, --version\n"
            "\n"
            "Exit status: 0 success, 1 refused, 2 usage or I/O error, 5 declined.\n"
            "See lvmrepair(8).\n",
            prog);
}

/* ---- argument parsing ----------------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *v)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

/* --seqno's argument: "N" (or "seqno=N"). */
static bool parse_seqno(const char *s, uint64_t *v)
{
    if (s && strncmp(s, "seqno=", 6) == 0)
        s += 6;
    return parse_u64(s, v);
}

static bool parse_crc(const char *s, uint32_t *v)
{
    if (!s || !*s)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s || strlen(s) > 8)
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long x = strtoul(s, &end, 16);
    if (errno || *end)
        return false;
    *v = (uint32_t)x;
    return true;
}

/* A version as --restore, --export and --diff take it: "seqno=N", or
 * "seqno=N:crc=0xCRC" to pick one of conflicting copies of N. A bare "N"
 * is refused: it reads like a count or an index. */
typedef struct version_arg {
    uint64_t seqno;
    bool has_crc;
    uint32_t crc;
} version_arg_t;

static bool parse_version(const char *s, version_arg_t *v)
{
    memset(v, 0, sizeof(*v));
    if (!s || strncmp(s, "seqno=", 6) != 0)
        return false;
    char num[32];
    const char *colon = strchr(s + 6, ':');
    size_t n = colon ? (size_t)(colon - (s + 6)) : strlen(s + 6);
    if (n == 0 || n >= sizeof(num))
        return false;
    memcpy(num, s + 6, n);
    num[n] = '\0';
    if (!parse_u64(num, &v->seqno))
        return false;
    if (!colon)
        return true;
    if (strncmp(colon + 1, "crc=", 4) != 0 || !parse_crc(colon + 5, &v->crc))
        return false;
    v->has_crc = true;
    return true;
}

/* The usage error for a bad version argument, with a hint for "15". */
static int bad_version(const char *opt, const char *arg)
{
    uint64_t n;
    fprintf(stderr, "%s: %s takes seqno=N (or seqno=N:crc=0xCRC), not '%s'", prog, opt,
            arg ? arg : "");
    if (arg && parse_u64(arg, &n))
        fprintf(stderr, "; did you mean %s seqno=%s?", opt, arg);
    fprintf(stderr, "\n(see %s --help)\n", prog);
    return EXIT_USAGE;
}

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, what ? what : "");
    fprintf(stderr, "\n(see %s --help)\n", prog);
    return EXIT_USAGE;
}

enum {
    OPT_RESTORE = 256,
    OPT_APPLY_UNDO,
    OPT_DIFF,
    OPT_EXPORT,
    OPT_EXTRACT,
    OPT_SEQNO,
    OPT_VG,
    OPT_CRC,
    OPT_YES,
    OPT_FORCE,
    OPT_UNDO,
    OPT_OUTPUT,
    OPT_LOG,
    OPT_JSON,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"restore", required_argument, NULL, OPT_RESTORE},
    {"apply-undo", required_argument, NULL, OPT_APPLY_UNDO},
    {"diff", required_argument, NULL, OPT_DIFF},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"extract", required_argument, NULL, OPT_EXTRACT},
    {"seqno", required_argument, NULL, OPT_SEQNO},
    {"vg", required_argument, NULL, OPT_VG},
    {"crc", required_argument, NULL, OPT_CRC},
    {"dry-run", no_argument, NULL, 'n'},
    {"test", no_argument, NULL, 'n'},
    {"yes", no_argument, NULL, OPT_YES},
    {"force", no_argument, NULL, OPT_FORCE},
    {"undo", required_argument, NULL, OPT_UNDO},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"log", required_argument, NULL, OPT_LOG},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void set_mode(args_t *a, mode_t_ m, const char *arg)
{
    a->mode = m;
    a->mode_arg = arg;
    a->n_modes++;
}

/* Returns -1 to go on, else an exit status (help, version, bad option). */
static int parse_opt(args_t *a, int c, const char *arg)
{
    switch (c) {
    case OPT_RESTORE:
        set_mode(a, MODE_RESTORE, arg);
        return -1;
    case OPT_APPLY_UNDO:
        set_mode(a, MODE_APPLY_UNDO, arg);
        return -1;
    case OPT_DIFF:
        set_mode(a, MODE_DIFF, arg);
        return -1;
    case OPT_EXPORT:
        set_mode(a, MODE_EXPORT, arg);
        return -1;
    case OPT_EXTRACT:
        set_mode(a, MODE_EXTRACT, arg);
        return -1;
    case OPT_SEQNO:
        a->has_seqno = true;
        return parse_seqno(arg, &a->seqno) ? -1 : usage_error("bad --seqno '%s'", arg);
    case OPT_VG:
        a->vg = arg;
        return -1;
    case OPT_CRC:
        a->has_crc = true;
        return parse_crc(arg, &a->crc) ? -1
                                       : usage_error("bad --crc '%s' (hex, e.g. 0x1a2b3c4d)", arg);
    case 'n':
        a->dry_run = true;
        return -1;
    case OPT_YES:
        a->yes = true;
        return -1;
    case OPT_FORCE:
        a->force = true;
        return -1;
    case OPT_UNDO:
        a->undo = arg;
        return -1;
    case OPT_OUTPUT:
        a->output = arg;
        return -1;
    case OPT_LOG:
        a->log = arg;
        return -1;
    case OPT_JSON:
        a->json = true;
        return -1;
    case 'o':
        a->out_file = arg;
        return -1;
    case 'h':
        usage(stdout);
        return EXIT_OK;
    case OPT_VERSION:
        printf("%s %s\n", prog, LR_VERSION);
        return EXIT_OK;
    default:
        fprintf(stderr, "(see %s --help)\n", prog);
        return EXIT_USAGE;
    }
}

/* Options that only make sense with some modes. */
static int check_combination(const args_t *a)
{
    bool restore = a->mode == MODE_RESTORE, undo = a->mode == MODE_APPLY_UNDO;
    if (a->undo && !restore)
        return usage_error("--undo goes with --restore%s", "");
    if (a->output && !restore)
        return usage_error("--output goes with --restore%s", "");
    if ((a->dry_run || a->yes) && !restore && !undo)
        return usage_error("--dry-run and --yes go with --restore or --apply-undo%s", "");
    if (a->log && !restore && !undo)
        return usage_error("--log goes with --restore or --apply-undo%s", "");
    if (a->json && a->mode != MODE_DIFF)
        return usage_error("--json goes with --diff%s", "");
    if (a->out_file && a->mode != MODE_EXPORT && a->mode != MODE_EXTRACT)
        return usage_error("-o goes with --export or --extract%s", "");
    if (a->has_seqno && a->mode != MODE_EXTRACT)
        return usage_error("--seqno goes with --extract (the others take seqno=N)%s", "");
    if ((a->vg || a->has_crc) && undo)
        return usage_error("--vg and --crc do not go with --apply-undo%s", "");
    if (a->has_crc && a->mode == MODE_DIFF)
        return usage_error("--crc does not go with --diff: pick each side's copy with "
                           "seqno=N:crc=0xCRC%s",
                           "");
    if (a->mode == MODE_EXTRACT && !a->out_file)
        return usage_error("--extract needs -o OUT%s", "");
    version_arg_t v;
    const char *opt = a->mode == MODE_RESTORE  ? "--restore"
                      : a->mode == MODE_EXPORT ? "--export"
                      : a->mode == MODE_DIFF   ? "--diff"
                                               : NULL;
    if (opt && !parse_version(a->mode_arg, &v))
        return bad_version(opt, a->mode_arg);
    if (a->mode == MODE_DIFF && !parse_version(a->seqno2, &v))
        return bad_version(opt, a->seqno2);
    if (opt && a->mode != MODE_DIFF && v.has_crc && a->has_crc && v.crc != a->crc)
        return usage_error("%s and --crc name different copies", opt);
    if (!undo && a->n_images < 1)
        return usage_error("no IMAGE given%s", "");
    return -1;
}

static int parse_args(args_t *a, int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    int c;
    while ((c = getopt_long(argc, argv, "nho:", long_opts, NULL)) != -1) {
        int rc = parse_opt(a, c, optarg);
        if (rc >= 0)
            return rc;
    }
    if (a->n_modes != 1)
        return usage_error("give exactly one of --restore, --apply-undo, --diff, --export, "
                           "--extract%s",
                           "");
    a->images = argv + optind;
    a->n_images = argc - optind;
    /* --diff seqno=A seqno=B: the second version arrives as an operand. */
    if (a->mode == MODE_DIFF && a->n_images > 0 && strncmp(a->images[0], "seqno=", 6) == 0) {
        a->seqno2 = a->images[0];
        a->images++;
        a->n_images--;
    }
    if (a->mode == MODE_DIFF && !a->seqno2)
        return usage_error("--diff needs two versions: --diff seqno=A seqno=B IMAGE...%s", "");
    return check_combination(a);
}

/* ---- scanning ---------------------------------------------------------------------- */

typedef struct scanned {
    lr_io_t **ios;
    size_t n;
    lr_scan_t *scan;
} scanned_t;

static void scanned_free(scanned_t *s)
{
    lr_scan_free(s->scan);
    for (size_t i = 0; i < s->n; i++)
        lr_io_close(s->ios[i], NULL);
    free(s->ios);
    memset(s, 0, sizeof(*s));
}

/* Opens every image read-only and scans them. */
static int scan_images(const args_t *a, scanned_t *s, lr_error_t *err)
{
    memset(s, 0, sizeof(*s));
    s->ios = calloc((size_t)a->n_images, sizeof(*s->ios));
    if (!s->ios)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (int i = 0; i < a->n_images; i++) {
        int rc = lr_io_open(&s->ios[i], a->images[i], err);
        if (rc)
            return rc;
        s->n++;
    }
    return lr_scan_ios(s->ios, s->n, NULL, &s->scan, err);
}

/* Chooses the version a mode names (lr_scan_select). A refusal is printed
 * here: the engine's reason, what to add to choose (crc_how is how this
 * mode picks a copy), and the candidates one per line. */
static int choose(const scanned_t *s, const char *vg, bool has_seqno, const version_arg_t *v,
                  const char *crc_how, int *g, int *ver)
{
    lr_scan_pick_t pk = {
        .vg = vg, .has_seqno = has_seqno, .seqno = v->seqno, .has_crc = v->has_crc, .crc = v->crc};
    lr_scan_selection_t sel;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_scan_select(s->scan, &pk, &sel, &err);
    *g = sel.vg;
    *ver = sel.version;
    if (rc == LR_EREFUSED && err.hints) {
        fprintf(stderr, "%s: %s; choose one with %s%s%s\nCandidates:\n", prog, err.msg,
                err.hints & LR_HINT_CHOOSE_VG ? "--vg NAME|UUID" : "",
                err.hints == (LR_HINT_CHOOSE_VG | LR_HINT_CHOOSE_CRC) ? " or " : "",
                err.hints & LR_HINT_CHOOSE_CRC ? crc_how : "");
        for (size_t i = 0; i < sel.n; i++) {
            const lr_scan_vg_t *x = &s->scan->vgs[sel.c[i].vg];
            const lr_scan_version_t *y = &x->versions[sel.c[i].version];
            fprintf(stderr, "  VG %s (UUID %s) seqno %" PRIu64 " crc 0x%08x%s, %zu cop%s: %s\n",
                    x->name ? x->name : "?", x->id, y->seqno, y->crc,
                    y->complete ? "" : " (partial only)", y->n_copies,
                    y->n_copies == 1 ? "y" : "ies", y->description ? y->description : "");
        }
    } else if (rc)
        say_error(&err);
    lr_scan_selection_free(&sel);
    return rc;
}

/* ---- confirmation and log ------------------------------------------------------------ */

/* 1 yes, 0 no (also end of input), -1 no terminal to ask on. */
static int confirm(const char *question, bool yes)
{
    if (yes)
        return 1;
    if (!isatty(STDIN_FILENO))
        return -1;
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        fputc('\n', stderr);
        return 0;
    }
    return line[0] == 'y' || line[0] == 'Y';
}

static int ask(const char *question, bool yes)
{
    int c = confirm(question, yes);
    if (c == 1)
        return -1;
    if (c == 0) {
        fprintf(stderr, "%s: not confirmed: nothing written\n", prog);
        return EXIT_DECLINED;
    }
    fprintf(stderr,
            "%s: standard input is not a terminal: nothing written; confirm with --yes "
            "(or look with --dry-run)\n",
            prog);
    return EXIT_REFUSED;
}

static void log_append(const args_t *a, const char *undo, const char *body)
{
    if (!a->log)
        return;
    FILE *f = fopen(a->log, "a");
    if (!f) {
        fprintf(stderr, "%s: warning: cannot append to the log %s: %s\n", prog, a->log,
                strerror(errno));
        return;
    }
    char when[64];
    fprintf(f, "=== %s %s at %s\ncommand:", prog, LR_VERSION,
            local_time(time(NULL), when, sizeof(when)));
    for (int i = 0; i < a->argc; i++)
        fprintf(f, " %s", a->argv[i]);
    fprintf(f, "\n");
    if (undo)
        fprintf(f, "undo file: %s\n", undo);
    fputs(body, f);
    if (fclose(f) != 0)
        fprintf(stderr, "%s: warning: writing the log %s failed\n", prog, a->log);
}

/* ---- --restore ------------------------------------------------------------------------ */

static int check_output_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return usage_error("--output %s is not a directory", dir);
    return -1;
}

/* Copies every image into DIR and points the plan at the copies. */
static int make_copies(const args_t *a, lr_repair_plan_t *p, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_images; i++) {
        char *dst = NULL;
        uint64_t data = 0;
        int rc = lr_repair_copy_image(p->images[i].path, a->output, a->force, &dst, &data, err);
        if (!rc)
            rc = lr_repair_plan_set_image_path(p, i, dst, err);
        if (!rc)
            fprintf(stderr, "%s: copied %s to %s (%" PRIu64 " bytes of data)\n", prog, a->images[i],
                    dst, data);
        free(dst);
        if (rc)
            return rc;
    }
    return 0;
}

/* Two images with one base name would land on one copy. */
static int check_copy_names(const args_t *a)
{
    for (int i = 0; i < a->n_images; i++)
        for (int j = i + 1; j < a->n_images; j++) {
            const char *x = strrchr(a->images[i], '/'), *y = strrchr(a->images[j], '/');
            x = x ? x + 1 : a->images[i];
            y = y ? y + 1 : a->images[j];
            size_t lx = strlen(x), ly = strlen(y);
            if (lx > 3 && !strcmp(x + lx - 3, ".gz"))
                lx -= 3;
            if (ly > 3 && !strcmp(y + ly - 3, ".gz"))
                ly -= 3;
            if (lx == ly && !strncmp(x, y, lx))
                return usage_error("--output: two images named %s would be copied onto one "
                                   "file",
                                   x);
        }
    return -1;
}

static int refuse_gzip(const args_t *a, const lr_repair_plan_t *p)
{
    if (a->output)
        return -1;
    for (size_t i = 0; i < p->n_images; i++)
        if (p->images[i].n_writes && p->images[i].gzip) {
            fprintf(stderr,
                    "%s: %s is a gzip image and cannot be written in place: nothing "
                    "written; use --output DIR for repaired copies\n",
                    prog, p->images[i].path);
            return EXIT_REFUSED;
        }
    return -1;
}

/* The undo file's name, once it exists (before the first write). */
static void say_undo_created(void *arg, const char *path)
{
    (void)arg;
    fprintf(stderr, "%s: undo file: %s\n", prog, path);
    fflush(stderr);
}

static int execute(const args_t *a, lr_repair_plan_t *p, lr_error_t *err)
{
    char *undo = NULL;
    int rc = 0;
    if (a->undo)
        undo = strdup(a->undo);
    else {
        size_t first = 0;
        while (first + 1 < p->n_images && !p->images[first].n_writes)
            first++;
        rc = lr_repair_default_undo_path(p->images[first].path, 0, &undo, err);
    }
    if (rc)
        return fail(rc, err);
    if (!undo)
        return EXIT_USAGE;
    lr_repair_exec_opts_t eo = {
        .undo_path = undo,
        .force = a->force,
        .undo_created = say_undo_created,
    };
    rc = lr_repair_execute(p, &eo, err);
    lr_error_t lerr;
    char *log = NULL;
    if (lr_repair_plan_log(p, &log, &lerr) == 0) {
        log_append(a, p->executed ? undo : NULL, log);
        free(log);
    }
    if (rc) {
        say_error(err);
        if (p->executed)
            fprintf(stderr,
                    "%s: the restore stopped; '%s --apply-undo %s' puts back every byte "
                    "it changed\n",
                    prog, prog, undo);
        free(undo);
        return exit_for(rc);
    }
    printf("Restored VG %s seqno %" PRIu64 " as seqno %" PRIu64 ": %zu writes done and "
           "verified.\nUndo file: %s\n",
           p->vg_name, p->seqno, p->new_seqno, p->n_writes, undo);
    free(undo);
    return EXIT_OK;
}

/* Refusals that only depend on the command line and the file system,
 * made before scanning so nothing is shown that would then be refused: an
 * existing --undo file (never overwritten, not even with --force) and
 * existing --output copies (unless --force). */
static int check_outputs(const args_t *a)
{
    struct stat st;
    if (a->undo && lstat(a->undo, &st) == 0) {
        fprintf(stderr,
                "%s: undo file %s exists; an undo file is never overwritten: nothing written; "
                "choose another name with --undo\n",
                prog, a->undo);
        return EXIT_REFUSED;
    }
    for (int i = 0; a->output && !a->force && i < a->n_images; i++) {
        const char *slash = strrchr(a->images[i], '/');
        const char *base = slash ? slash + 1 : a->images[i];
        size_t len = strlen(base);
        if (len > 3 && strcmp(base + len - 3, ".gz") == 0)
            len -= 3;
        char *dst = NULL;
        if (asprintf(&dst, "%s/%.*s", a->output, (int)len, base) < 0)
            return EXIT_USAGE;
        bool exists = lstat(dst, &st) == 0;
        if (exists)
            fprintf(stderr,
                    "%s: %s: the copy of %s exists already: nothing written (--force "
                    "overwrites it)\n",
                    prog, dst, a->images[i]);
        free(dst);
        if (exists)
            return EXIT_REFUSED;
    }
    return -1;
}

static int do_restore(const args_t *a)
{
    version_arg_t v;
    if (!parse_version(a->mode_arg, &v))
        return bad_version("--restore", a->mode_arg);
    lr_repair_opts_t o = {.vg = a->vg,
                          .seqno = v.seqno,
                          .has_crc = a->has_crc || v.has_crc,
                          .crc = a->has_crc ? a->crc : v.crc,
                          .force = a->force};
    if (a->output) {
        int rc = check_output_dir(a->output);
        if (rc < 0)
            rc = check_copy_names(a);
        if (rc >= 0)
            return rc;
    }
    int ex = check_outputs(a);
    if (ex >= 0)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    scanned_t s;
    int rc = scan_images(a, &s, &err);
    version_arg_t pv = {.seqno = o.seqno, .has_crc = o.has_crc, .crc = o.crc};
    int g = -1, ver = -1;
    ex = rc ? fail(rc, &err) : -1;
    if (!rc && (rc = choose(&s, a->vg, true, &pv, "--crc 0xCRC", &g, &ver)) != 0)
        ex = exit_for(rc);
    /* The new copy says which command wrote it, naming the VG chosen. */
    char command[512], crc[32] = "";
    if (o.has_crc)
        snprintf(crc, sizeof(crc), " --crc 0x%08x", o.crc);
    if (ex < 0) {
        snprintf(command, sizeof(command), "%s --restore seqno=%" PRIu64 " --vg %s%s", prog,
                 o.seqno, s.scan->vgs[g].name ? s.scan->vgs[g].name : s.scan->vgs[g].id, crc);
        o.vg = s.scan->vgs[g].id;
        o.command = command;
    }
    lr_repair_plan_t *p = NULL;
    if (ex < 0 && (rc = lr_repair_plan_new(s.scan, s.ios, &o, &p, &err)) != 0)
        ex = fail(rc, &err);
    if (ex >= 0) {
        scanned_free(&s);
        return ex;
    }
    char *text = NULL;
    rc = lr_repair_plan_render(p, &text, &err);
    if (!rc) {
        fputs(text, stdout);
        fflush(stdout);
    }
    free(text);
    ex = rc ? fail(rc, &err) : -1;
    if (ex < 0 && a->dry_run) {
        printf("\nDry run: nothing written.\n");
        log_append(a, NULL, "dry run: plan shown, nothing written\n");
        ex = EXIT_OK;
    }
    if (ex < 0)
        ex = refuse_gzip(a, p);
    if (ex < 0)
        ex = ask("Write these changes?", a->yes);
    /* The scan's read-only handles are closed before writing. */
    scanned_free(&s);
    if (ex < 0 && a->output && (rc = make_copies(a, p, &err)) != 0)
        ex = fail(rc, &err);
    if (ex < 0)
        ex = execute(a, p, &err);
    lr_repair_plan_free(p);
    return ex;
}

/* ---- --apply-undo ------------------------------------------------------------------- */

static void close_all(lr_io_t **ios, size_t n)
{
    for (size_t i = 0; ios && i < n; i++)
        lr_io_close(ios[i], NULL);
    free(ios);
}

static const char *undo_image_path(const args_t *a, const lr_undo_file_t *f, size_t i)
{
    return a->n_images ? a->images[i] : f->images[i].path;
}

static int open_undo_images(const args_t *a, const lr_undo_file_t *f, bool rw, lr_io_t ***out,
                            lr_error_t *err)
{
    lr_io_t **ios = calloc(f->n_images ? f->n_images : 1, sizeof(*ios));
    if (!ios)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    *out = ios;
    for (size_t i = 0; i < f->n_images; i++) {
        const char *path = undo_image_path(a, f, i);
        int rc = rw ? lr_io_open_rw(&ios[i], path, LR_IO_RDWR | (a->force ? 0 : LR_IO_EXCL), err)
                    : lr_io_open(&ios[i], path, err);
        if (rc == -EBUSY) {
            /* Busy or locked by someone else: a refusal --force overrides. */
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "%s", err->msg);
            rc = lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "%s (--force to write anyway)", msg);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static void describe_undo(const args_t *a, const lr_undo_file_t *f, const lr_undo_verdict_t *v,
                          size_t n_unsaved)
{
    char when[64];
    printf("Undo file %s, made %s: ", a->mode_arg, local_time(f->created, when, sizeof(when)));
    if (f->n_planned)
        printf("%zu of %zu planned range(s) saved", f->n_ranges, f->n_planned);
    else
        printf("%zu range(s)", f->n_ranges);
    printf(" on %zu image(s); the run %s\n", f->n_images,
           !f->finished ? "did not finish (interrupted)"
           : f->status  ? "stopped on an error"
                        : "completed");
    if (f->truncated)
        printf("  (the file ends in a torn record: the run stopped while writing it; every write "
               "that reached an image is recorded before it)\n");
    if (n_unsaved)
        printf("  %zu planned range(s) are not saved: the run stopped before writing them, and "
               "they hold their original bytes (checked)\n",
               n_unsaved);
    for (size_t i = 0; i < f->n_images; i++) {
        struct stat st;
        const char *path = undo_image_path(a, f, i);
        bool same = stat(path, &st) == 0 && (uint64_t)st.st_dev == f->images[i].dev &&
                    (uint64_t)st.st_ino == f->images[i].ino;
        printf("  image %zu: %s (%" PRIu64 " bytes)%s\n", i, path, f->images[i].size,
               same ? "" : " - not the same file as recorded; its bytes are checked instead");
    }
    for (size_t i = 0; v && i < f->n_ranges; i++) {
        const lr_undo_range_t *r = &f->ranges[i];
        printf("  %zu. image %u bytes %" PRIu64 "..%" PRIu64 ": %s\n", i + 1, r->image, r->offset,
               r->offset + r->length - 1,
               v[i] == LR_UNDO_ORIGINAL  ? "holds the original bytes already"
               : v[i] == LR_UNDO_AS_LEFT ? "as the run left it: will be put back"
               : f->finished             ? "CHANGED since the run"
                             : "UNKNOWN bytes: neither the original nor a state the run "
                               "announced (a write torn when the run stopped, or a "
                               "change since)");
    }
}

static int do_apply_undo(const args_t *a)
{
    lr_error_t err;
    lr_error_clear(&err);
    lr_undo_file_t *f = NULL;
    int rc = lr_undo_read(a->mode_arg, &f, &err);
    if (rc)
        return fail(rc, &err);
    if (a->n_images && (size_t)a->n_images != f->n_images) {
        lr_undo_file_free(f);
        return usage_error("the undo file is for %s image(s); give that many or none",
                           f->n_images == 1 ? "1" : "several");
    }
    lr_io_t **ios = NULL;
    lr_undo_verdict_t *v = calloc(f->n_ranges ? f->n_ranges : 1, sizeof(*v));
    rc = v ? open_undo_images(a, f, false, &ios, &err)
           : lr_error_set(&err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    /* A file that cannot put back every byte the run may have changed is
     * refused first, and --force does not override that. */
    size_t n_unsaved = 0;
    int complete = rc ? rc : lr_undo_check_complete(f, ios, &n_unsaved, &err);
    int crc = complete ? complete : lr_undo_check(f, ios, v, &err);
    if (!rc && (complete == LR_EREFUSED || crc == 0 || crc == LR_EREFUSED))
        describe_undo(a, f, complete ? NULL : v, n_unsaved);
    close_all(ios, f->n_images);
    ios = NULL;
    free(v);
    int ex = -1;
    if (rc || complete || (crc && (crc != LR_EREFUSED || !a->force)))
        ex = fail(rc ? rc : complete ? complete : crc, &err);
    if (ex < 0 && crc == LR_EREFUSED)
        printf("Forced: changed ranges are overwritten with the original bytes too.\n");
    if (ex < 0 && a->dry_run) {
        printf("Dry run: nothing written.\n");
        ex = EXIT_OK;
    }
    if (ex < 0)
        ex = ask("Put the original bytes back?", a->yes);
    size_t n = 0;
    if (ex < 0) {
        rc = open_undo_images(a, f, true, &ios, &err);
        if (!rc)
            rc = lr_undo_apply(f, ios, a->force, &n, &err);
        close_all(ios, f->n_images);
        char body[256];
        snprintf(body, sizeof(body), "apply-undo %s: %s, %zu range(s) written\n", a->mode_arg,
                 rc ? "FAILED" : "original bytes restored and verified", n);
        log_append(a, NULL, body);
        ex = rc ? fail(rc, &err) : EXIT_OK;
        if (!rc)
            printf("Put back %zu range(s); every range now holds its original bytes "
                   "(verified).\n",
                   n);
    }
    lr_undo_file_free(f);
    return ex;
}

/* ---- --diff / --export / --extract ------------------------------------------------------ */

static int do_diff(const args_t *a)
{
    version_arg_t va, vb;
    if (!parse_version(a->mode_arg, &va))
        return bad_version("--diff", a->mode_arg);
    if (!parse_version(a->seqno2, &vb))
        return bad_version("--diff", a->seqno2);
    lr_error_t err;
    lr_error_clear(&err);
    scanned_t s;
    int vga = -1, ia = -1, vgb = -1, ib = -1;
    int rc = scan_images(a, &s, &err);
    if (rc) {
        scanned_free(&s);
        return fail(rc, &err);
    }
    const char *how = "seqno=N:crc=0xCRC";
    rc = choose(&s, a->vg, true, &va, how, &vga, &ia);
    /* The second version is of the same VG as the first. */
    if (!rc)
        rc = choose(&s, a->vg ? a->vg : s.scan->vgs[vga].id, true, &vb, how, &vgb, &ib);
    if (rc) {
        scanned_free(&s);
        return exit_for(rc);
    }
    lr_diff_t *d = NULL;
    rc = lr_diff_scan(s.scan, (size_t)vga, (size_t)ia, (size_t)ib, &d, &err);
    char *text = NULL;
    if (!rc)
        rc = a->json ? lr_diff_format_json(d, &text, &err) : lr_diff_format_text(d, &text, &err);
    if (!rc)
        fputs(text, stdout);
    free(text);
    lr_diff_free(d);
    scanned_free(&s);
    return rc ? fail(rc, &err) : EXIT_OK;
}

static int do_export(const args_t *a)
{
    version_arg_t v;
    if (!parse_version(a->mode_arg, &v))
        return bad_version("--export", a->mode_arg);
    if (a->has_crc) {
        v.has_crc = true;
        v.crc = a->crc;
    }
    lr_error_t err;
    lr_error_clear(&err);
    scanned_t s;
    int vg = -1, ver = -1;
    int rc = scan_images(a, &s, &err);
    int ex = rc ? fail(rc, &err) : -1;
    if (!rc && (rc = choose(&s, a->vg, true, &v, "--crc 0xCRC", &vg, &ver)) != 0)
        ex = exit_for(rc);
    if (ex >= 0) {
        scanned_free(&s);
        return ex;
    }
    if (a->out_file) {
        rc = lr_export_write(s.scan, (size_t)vg, (size_t)ver, a->out_file,
                             a->force ? LR_EXPORT_OVERWRITE : 0, &err);
        if (!rc)
            fprintf(stderr, "%s: wrote VG %s seqno %" PRIu64 " to %s (for vgcfgrestore -f)\n", prog,
                    s.scan->vgs[vg].name, v.seqno, a->out_file);
    } else {
        char *text = NULL;
        size_t len = 0;
        rc = lr_export_text(s.scan, (size_t)vg, (size_t)ver, &text, &len, &err);
        if (!rc && fwrite(text, 1, len, stdout) != len)
            rc = lr_error_set(&err, -EIO, LR_NO_OFFSET, "writing to standard output failed");
        free(text);
    }
    scanned_free(&s);
    return rc ? fail(rc, &err) : EXIT_OK;
}

static int do_extract(const args_t *a)
{
    lr_error_t err;
    lr_error_clear(&err);
    scanned_t s;
    int vg = -1, ver = -1;
    version_arg_t v = {.seqno = a->seqno, .has_crc = a->has_crc, .crc = a->crc};
    int rc = scan_images(a, &s, &err);
    int ex = rc ? fail(rc, &err) : -1;
    if (!rc && (rc = choose(&s, a->vg, a->has_seqno, &v, "--crc 0xCRC", &vg, &ver)) != 0)
        ex = exit_for(rc);
    if (ex >= 0) {
        scanned_free(&s);
        return ex;
    }
    uint64_t written = 0;
    lr_extract_opts_t eo = {
        .flags = a->force ? LR_EXTRACT_OVERWRITE : 0, .ios = s.ios, .n_ios = s.n};
    rc = lr_extract_lv(s.scan, (size_t)vg, (size_t)ver, a->mode_arg, a->out_file, &eo, &written,
                       &err);
    if (!rc)
        fprintf(stderr, "%s: wrote %" PRIu64 " bytes of LV %s (VG %s seqno %" PRIu64 ") to %s\n",
                prog, written, a->mode_arg, s.scan->vgs[vg].name,
                s.scan->vgs[vg].versions[ver].seqno, a->out_file);
    scanned_free(&s);
    return rc ? fail(rc, &err) : EXIT_OK;
}

int main(int argc, char **argv)
{
    args_t a;
    int rc = parse_args(&a, argc, argv);
    if (rc >= 0)
        return rc;
    switch (a.mode) {
    case MODE_RESTORE:
        return do_restore(&a);
    case MODE_APPLY_UNDO:
        return do_apply_undo(&a);
    case MODE_DIFF:
        return do_diff(&a);
    case MODE_EXPORT:
        return do_export(&a);
    case MODE_EXTRACT:
        return do_extract(&a);
    default:
        return EXIT_USAGE;
    }
}
