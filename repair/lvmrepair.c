/* lvmrepair: diff, restore, export and extract versions of LVM2 volume
 * groups found in raw disk images, with a plan shown first and an undo file
 * for every write.
 *
 * The program parses arguments, calls the engines, prints and asks; every
 * decision is theirs (lr/scan.h chooses the version, lr/repair.h plans,
 * checks and writes, lr/undo.h, lr/diff.h, lr/export.h, lr/extract.h). What
 * this file owns is words: the options, the messages, and the options that
 * an engine's refusal hints (LR_HINT_*) stand for. Exit status: 0 success,
 * 1 refused (the reason is printed), 2 usage or I/O error, 5 the user
 * declined. Every function that can stop the program returns such a
 * status, EXIT_OK meaning "go on". */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
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
#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/strbuf.h"
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

/* A version as --restore, --export and --diff take it: "seqno=N", or
 * "seqno=N:crc=0xCRC" to pick one of conflicting copies of N. */
typedef struct version_arg {
    uint64_t seqno;
    bool has_crc;
    uint32_t crc;
} version_arg_t;

typedef struct args {
    mode_t_ mode;
    int n_modes;
    const char *mode_arg; /* seqno=N[:crc=0xCRC] / FILE / LV */
    const char *seqno2;   /* --diff's second version */
    version_arg_t v, v2;  /* the versions, parsed (--crc merged into v) */
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
    int status; /* the exit status when parsing ends the run (help, usage error) */
} args_t;

static const char *prog = "lvmrepair";

/* ---- messages --------------------------------------------------------------- */

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

/* What would let an engine go on (its LR_HINT_* bits), in this program's
 * words: the options to add. crc_how is how the mode picks a copy. */
static void hint_words(unsigned hints, const char *crc_how, char *buf, size_t len)
{
    static const struct {
        unsigned bit;
        const char *words;
    } words[] = {
        {LR_HINT_MISSING_PVS, "give every image of the VG"},
        {LR_HINT_CHOOSE_VG, "--vg NAME|UUID"},
        {LR_HINT_CHOOSE_CRC, NULL}, /* crc_how */
        {LR_HINT_USE_COPY, "use --output DIR for repaired copies"},
        {LR_HINT_OVERWRITE, "--force replaces it"},
        {LR_HINT_FORCE, "--force to go on anyway"},
        {LR_HINT_NEW_NAME, "choose another name"},
    };
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && at < len; i++)
        if (hints & words[i].bit)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " or " : "",
                                   words[i].words ? words[i].words : crc_how);
}

/* The engine's message, then what would let it go on. */
static void say_error(const lr_error_t *err)
{
    char buf[1024], hint[256];
    hint_words(err->hints, "--crc 0xCRC", hint, sizeof(hint));
    fprintf(stderr, "%s: %s%s%s%s\n", prog, lr_error_format(err, buf, sizeof(buf)),
            hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

static int fail(int rc, const lr_error_t *err)
{
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

/* Ends the run with a usage error. Returns false, for `return usage_error(...)`. */
__attribute__((format(printf, 2, 3))) static bool usage_error(args_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see %s --help)\n", prog);
    a->status = EXIT_USAGE;
    return false;
}

/* Parses a version argument of option opt into v; a bad one ends the run,
 * with a hint for a bare "15". */
static bool take_version(args_t *a, const char *opt, const char *arg, version_arg_t *v)
{
    uint64_t n;
    if (parse_version(arg, v))
        return true;
    if (arg && parse_u64(arg, &n))
        return usage_error(a,
                           "%s takes seqno=N (or seqno=N:crc=0xCRC), not '%s'; did you mean %s "
                           "seqno=%s?",
                           opt, arg, opt, arg);
    return usage_error(a, "%s takes seqno=N (or seqno=N:crc=0xCRC), not '%s'", opt, arg ? arg : "");
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

/* Ends the run with status (help, version). Returns false. */
static bool stop(args_t *a, int status)
{
    a->status = status;
    return false;
}

/* One option. Returns false when the run ends here (a->status). */
static bool parse_opt(args_t *a, int c, const char *arg)
{
    switch (c) {
    case OPT_RESTORE:
    case OPT_APPLY_UNDO:
    case OPT_DIFF:
    case OPT_EXPORT:
    case OPT_EXTRACT:
        set_mode(a, (mode_t_)(MODE_RESTORE + (c - OPT_RESTORE)), arg);
        return true;
    case OPT_SEQNO:
        a->has_seqno = true;
        return parse_seqno(arg, &a->seqno) || usage_error(a, "bad --seqno '%s'", arg);
    case OPT_VG:
        a->vg = arg;
        return true;
    case OPT_CRC:
        a->has_crc = true;
        return parse_crc(arg, &a->crc) ||
               usage_error(a, "bad --crc '%s' (hex, e.g. 0x1a2b3c4d)", arg);
    case 'n':
        a->dry_run = true;
        return true;
    case OPT_YES:
        a->yes = true;
        return true;
    case OPT_FORCE:
        a->force = true;
        return true;
    case OPT_UNDO:
        a->undo = arg;
        return true;
    case OPT_OUTPUT:
        a->output = arg;
        return true;
    case OPT_LOG:
        a->log = arg;
        return true;
    case OPT_JSON:
        a->json = true;
        return true;
    case 'o':
        a->out_file = arg;
        return true;
    case 'h':
        usage(stdout);
        return stop(a, EXIT_OK);
    case OPT_VERSION:
        printf("lvmrepair (lvmrescue) %s\n", LR_VERSION);
        return stop(a, EXIT_OK);
    default:
        fprintf(stderr, "(see %s --help)\n", prog);
        return stop(a, EXIT_USAGE);
    }
}

/* Options that only make sense with some modes. */
static bool check_combination(args_t *a)
{
    bool restore = a->mode == MODE_RESTORE, undo = a->mode == MODE_APPLY_UNDO;
    if (a->undo && !restore)
        return usage_error(a, "--undo goes with --restore");
    if (a->output && !restore)
        return usage_error(a, "--output goes with --restore");
    if ((a->dry_run || a->yes) && !restore && !undo)
        return usage_error(a, "--dry-run and --yes go with --restore or --apply-undo");
    if (a->log && !restore && !undo)
        return usage_error(a, "--log goes with --restore or --apply-undo");
    if (a->json && a->mode != MODE_DIFF)
        return usage_error(a, "--json goes with --diff");
    if (a->out_file && a->mode != MODE_EXPORT && a->mode != MODE_EXTRACT)
        return usage_error(a, "-o goes with --export or --extract");
    if (a->has_seqno && a->mode != MODE_EXTRACT)
        return usage_error(a, "--seqno goes with --extract (the others take seqno=N)");
    if ((a->vg || a->has_crc) && undo)
        return usage_error(a, "--vg and --crc do not go with --apply-undo");
    if (a->has_crc && a->mode == MODE_DIFF)
        return usage_error(a, "--crc does not go with --diff: pick each side's copy with "
                              "seqno=N:crc=0xCRC");
    if (a->mode == MODE_EXTRACT && !a->out_file)
        return usage_error(a, "--extract needs -o OUT");
    if (!undo && a->n_images < 1)
        return usage_error(a, "no IMAGE given");
    return true;
}

/* The versions the mode names, parsed once: --crc joins the version it
 * picks a copy of; --extract names one with --seqno (or none: the newest). */
static bool take_versions(args_t *a)
{
    const char *opt = a->mode == MODE_RESTORE  ? "--restore"
                      : a->mode == MODE_EXPORT ? "--export"
                      : a->mode == MODE_DIFF   ? "--diff"
                                               : NULL;
    if (a->mode == MODE_EXTRACT)
        a->v = (version_arg_t){.seqno = a->seqno, .has_crc = a->has_crc, .crc = a->crc};
    if (!opt)
        return true;
    if (!take_version(a, opt, a->mode_arg, &a->v))
        return false;
    if (a->mode == MODE_DIFF)
        return take_version(a, opt, a->seqno2, &a->v2);
    if (a->v.has_crc && a->has_crc && a->v.crc != a->crc)
        return usage_error(a, "%s and --crc name different copies", opt);
    if (a->has_crc) {
        a->v.has_crc = true;
        a->v.crc = a->crc;
    }
    return true;
}

/* Returns true to run the mode; false ends the run with a->status. */
static bool parse_args(args_t *a, int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    int c;
    while ((c = getopt_long(argc, argv, "nho:", long_opts, NULL)) != -1)
        if (!parse_opt(a, c, optarg))
            return false;
    if (a->n_modes != 1)
        return usage_error(a, "give exactly one of --restore, --apply-undo, --diff, --export, "
                              "--extract");
    a->images = argv + optind;
    a->n_images = argc - optind;
    /* --diff seqno=A seqno=B: the second version arrives as an operand. */
    if (a->mode == MODE_DIFF && a->n_images > 0 && strncmp(a->images[0], "seqno=", 6) == 0) {
        a->seqno2 = a->images[0];
        a->images++;
        a->n_images--;
    }
    if (a->mode == MODE_DIFF && !a->seqno2)
        return usage_error(a, "--diff needs two versions: --diff seqno=A seqno=B IMAGE...");
    return check_combination(a) && take_versions(a);
}

/* ---- scanning and choosing --------------------------------------------------------- */

typedef struct scanned {
    lr_io_t **ios;
    size_t n;
    lr_scan_session_t *session; /* re-reads copies through ios */
    const lr_scan_t *scan;      /* its result */
} scanned_t;

static void scanned_free(scanned_t *s)
{
    lr_scan_session_free(s->session);
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
        return lr_error_oom(err);
    for (int i = 0; i < a->n_images; i++) {
        int rc = lr_io_open(&s->ios[i], a->images[i], err);
        if (rc)
            return rc;
        s->n++;
    }
    int rc = lr_scan_ios(s->ios, s->n, NULL, &s->session, err);
    s->scan = lr_scan_result(s->session);
    return rc;
}

/* Chooses the version a mode names (lr_scan_select) into *g / *ver. A
 * refusal to choose is printed here: the engine's reason, the options that
 * choose (crc_how is how this mode picks a copy), and the candidates one
 * per line. Returns an exit status. */
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
        char hint[256];
        hint_words(err.hints, crc_how, hint, sizeof(hint));
        fprintf(stderr, "%s: %s; choose one with %s\nCandidates:\n", prog, err.msg, hint);
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
    return exit_for(rc);
}

/* ---- confirmation and log ------------------------------------------------------------ */

/* 1 yes, 0 no (also end of input), -1 no terminal to ask on. */
static int confirm(const char *question, bool yes)
{
    if (yes)
        return 1;
    if (!isatty(STDIN_FILENO))
        return -1;
    /* The one confirmation rule of lvmrepair and lvmtui (docs/lvmrepair.md):
     * a write goes ahead only on the word yes; anything else, y included,
     * or the end of input, cancels. */
    fprintf(stderr, "%s Type yes to write [yes/N] ", question);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        fputc('\n', stderr);
        return 0;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0;
}

/* EXIT_OK when confirmed; else says why nothing is written. */
static int ask(const char *question, bool yes)
{
    int c = confirm(question, yes);
    if (c == 1)
        return EXIT_OK;
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

/* The undo file's name, once it exists (before the first write). */
static void say_undo_created(void *arg, const char *path)
{
    (void)arg;
    fprintf(stderr, "%s: undo file: %s\n", prog, path);
    fflush(stderr);
}

static int execute(const args_t *a, lr_repair_plan_t *p, const char *undo, lr_error_t *err)
{
    lr_repair_exec_opts_t eo = {
        .undo_path = undo,
        .force = a->force,
        .undo_created = say_undo_created,
    };
    int rc = lr_repair_execute(p, &eo, err);
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
        return exit_for(rc);
    }
    printf("Restored VG %s seqno %" PRIu64 " as seqno %" PRIu64 ": %zu writes done and "
           "verified.\nUndo file: %s\n",
           p->vg_name, p->seqno, p->new_seqno, p->n_writes, undo);
    return EXIT_OK;
}

/* Copies every image into --output and points the plan at the copies. */
static int make_copies(const args_t *a, lr_repair_plan_t *p, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_images; i++) {
        char *dst = NULL;
        uint64_t data = 0;
        /* the plan already names the copy (point_at_copies): copy from the
         * original the user gave */
        int rc = lr_repair_copy_image(a->images[i], a->output, a->force, &dst, &data, err);
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

/* With --output the plan shown names the copies as the targets of its
 * writes, not the originals, which are only read. */
static int point_at_copies(const args_t *a, lr_repair_plan_t *p, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_images; i++) {
        char *dst = NULL;
        int rc = lr_repair_copy_path(p->images[i].path, a->output, &dst, err);
        if (!rc)
            rc = lr_repair_plan_set_image_path(p, i, dst, err);
        free(dst);
        if (rc)
            return rc;
    }
    return 0;
}

/* Refusals that only depend on the command line and the file system, made
 * before scanning so nothing is shown that would then be refused: an
 * existing --undo file (never overwritten, not even with --force) and the
 * engine's checks of the --output copies. */
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
    lr_error_t err;
    lr_error_clear(&err);
    int rc = a->output ? lr_repair_check_copies((const char *const *)a->images, (size_t)a->n_images,
                                                a->output, a->force, &err)
                       : 0;
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* Plans the restore of the chosen version, naming the command in the new
 * copy's description as LVM2 does. */
static int plan(const args_t *a, const scanned_t *s, lr_repair_plan_t **p)
{
    int g = -1, ver = -1;
    int ex = choose(s, a->vg, true, &a->v, "--crc 0xCRC", &g, &ver);
    if (ex != EXIT_OK)
        return ex;
    const lr_scan_vg_t *vg = &s->scan->vgs[g];
    char command[512], crc[32] = "";
    if (a->v.has_crc)
        snprintf(crc, sizeof(crc), " --crc 0x%08x", a->v.crc);
    snprintf(command, sizeof(command), "%s --restore seqno=%" PRIu64 " --vg %s%s", prog, a->v.seqno,
             vg->name ? vg->name : vg->id, crc);
    lr_repair_opts_t o = {.vg = vg->id,
                          .seqno = a->v.seqno,
                          .has_crc = a->v.has_crc,
                          .crc = a->v.crc,
                          .command = command,
                          .force = a->force};
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_repair_plan_new(s->session, s->ios, &o, p, &err);
    char *text = NULL;
    if (!rc && a->output)
        rc = point_at_copies(a, *p, &err);
    if (!rc)
        rc = lr_repair_plan_render(*p, &text, &err);
    if (!rc) {
        fputs(text, stdout);
        fflush(stdout);
    }
    free(text);
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* A plan that cannot be written in place is refused (unless it goes to
 * copies); else the user confirms. */
static int may_write(const args_t *a, const lr_repair_plan_t *p)
{
    lr_error_t err;
    lr_error_clear(&err);
    int rc = a->output ? 0 : lr_repair_plan_writable(p, &err);
    if (rc)
        return fail(rc, &err);
    return ask("Write these changes?", a->yes);
}

/* Makes the --output copies, names the undo file and executes the plan. */
static int write_plan(const args_t *a, lr_repair_plan_t *p)
{
    lr_error_t err;
    lr_error_clear(&err);
    char *undo = NULL;
    int rc = a->output ? make_copies(a, p, &err) : 0;
    if (!rc && a->undo)
        rc = (undo = strdup(a->undo)) ? 0 : lr_error_oom(&err);
    else if (!rc)
        rc = lr_repair_plan_undo_path(p, 0, &undo, &err);
    int ex = rc ? fail(rc, &err) : execute(a, p, undo, &err);
    free(undo);
    return ex;
}

static int restore_scanned(const args_t *a, scanned_t *s)
{
    lr_repair_plan_t *p = NULL;
    int ex = plan(a, s, &p);
    if (ex == EXIT_OK && a->dry_run) {
        printf("\nDry run: nothing written.\n");
        log_append(a, NULL, "dry run: plan shown, nothing written\n");
    } else if (ex == EXIT_OK)
        ex = may_write(a, p);
    /* The scan's read-only handles are closed before writing. */
    scanned_free(s);
    if (ex == EXIT_OK && !a->dry_run)
        ex = write_plan(a, p);
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
        return lr_error_oom(err);
    *out = ios;
    for (size_t i = 0; i < f->n_images; i++) {
        const char *path = undo_image_path(a, f, i);
        int rc = rw ? lr_io_open_rw(&ios[i], path, LR_IO_RDWR | (a->force ? 0 : LR_IO_EXCL), err)
                    : lr_io_open(&ios[i], path, err);
        if (rc == -EBUSY) {
            /* Busy or locked by someone else: a refusal --force overrides. */
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "%s", err->msg);
            rc = lr_error_hint(err, LR_HINT_FORCE,
                               lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET, "%s", msg));
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

/* Checks the undo file against the images and shows what it finds.
 * EXIT_OK when it may be applied: changed ranges are a refusal --force
 * overrides; a file that cannot put back every byte the run may have
 * changed is refused first, and --force does not override that. */
static int check_undo(const args_t *a, const lr_undo_file_t *f, lr_error_t *err)
{
    lr_io_t **ios = NULL;
    lr_undo_verdict_t *v = calloc(f->n_ranges ? f->n_ranges : 1, sizeof(*v));
    int rc = v ? open_undo_images(a, f, false, &ios, err) : lr_error_oom(err);
    size_t n_unsaved = 0;
    int complete = rc ? rc : lr_undo_check_complete(f, ios, &n_unsaved, err);
    int crc = complete ? complete : lr_undo_check(f, ios, v, err);
    if (!rc && (complete == LR_EREFUSED || crc == 0 || crc == LR_EREFUSED))
        describe_undo(a, f, complete ? NULL : v, n_unsaved);
    close_all(ios, f->n_images);
    free(v);
    if (crc == LR_EREFUSED && !complete && a->force) {
        printf("Forced: changed ranges are overwritten with the original bytes too.\n");
        return EXIT_OK;
    }
    return crc ? fail(crc, err) : EXIT_OK;
}

/* Writes the original bytes back and logs it. */
static int apply_undo(const args_t *a, const lr_undo_file_t *f, lr_error_t *err)
{
    lr_io_t **ios = NULL;
    size_t n = 0;
    int rc = open_undo_images(a, f, true, &ios, err);
    if (!rc)
        rc = lr_undo_apply(f, ios, a->force, &n, err);
    close_all(ios, f->n_images);
    char body[256];
    snprintf(body, sizeof(body), "apply-undo %s: %s, %zu range(s) written\n", a->mode_arg,
             rc ? "FAILED" : "original bytes restored and verified", n);
    log_append(a, NULL, body);
    if (rc)
        return fail(rc, err);
    printf("Put back %zu range(s); every range now holds its original bytes (verified).\n", n);
    return EXIT_OK;
}

static int do_apply_undo(const args_t *a)
{
    lr_error_t err;
    lr_error_clear(&err);
    lr_undo_file_t *f = NULL;
    int rc = lr_undo_read(a->mode_arg, &f, &err);
    if (rc)
        return fail(rc, &err);
    int ex = EXIT_OK;
    if (a->n_images && (size_t)a->n_images != f->n_images) {
        fprintf(stderr,
                "%s: the undo file is for %s image(s); give that many or none\n(see %s "
                "--help)\n",
                prog, f->n_images == 1 ? "1" : "several", prog);
        ex = EXIT_USAGE;
    }
    if (ex == EXIT_OK)
        ex = check_undo(a, f, &err);
    if (ex == EXIT_OK && a->dry_run)
        printf("Dry run: nothing written.\n");
    else if (ex == EXIT_OK)
        ex = ask("Put the original bytes back?", a->yes);
    if (ex == EXIT_OK && !a->dry_run)
        ex = apply_undo(a, f, &err);
    lr_undo_file_free(f);
    return ex;
}

/* ---- --diff / --export / --extract ------------------------------------------------------ */

static int do_diff(const args_t *a, scanned_t *s)
{
    int vga = -1, ia = -1, vgb = -1, ib = -1;
    const char *how = "seqno=N:crc=0xCRC";
    int ex = choose(s, a->vg, true, &a->v, how, &vga, &ia);
    /* The second version is of the same VG as the first. */
    if (ex == EXIT_OK)
        ex = choose(s, a->vg ? a->vg : s->scan->vgs[vga].id, true, &a->v2, how, &vgb, &ib);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    lr_diff_t *d = NULL;
    char *text = NULL;
    int rc = lr_diff_scan(s->session, (size_t)vga, (size_t)ia, (size_t)ib, &d, &err);
    if (!rc)
        rc = a->json ? lr_diff_format_json(d, &text, &err) : lr_diff_format_text(d, &text, &err);
    if (!rc)
        fputs(text, stdout);
    free(text);
    lr_diff_free(d);
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* Whether some PV label in the images carries this PV UUID (raw). */
static bool label_found(const lr_scan_t *scan, const char *raw_id)
{
    for (size_t i = 0; i < scan->n_labels; i++)
        if (scan->labels[i].valid && strcmp(scan->labels[i].label.pv_uuid, raw_id) == 0)
            return true;
    return false;
}

static bool has_segtype(const lr_vg_t *vg, const char *prefix)
{
    for (size_t i = 0; i < vg->n_lvs; i++)
        for (size_t j = 0; j < vg->lvs[i].n_segs; j++)
            if (strncmp(vg->lvs[i].segs[j].type, prefix, strlen(prefix)) == 0)
                return true;
    return false;
}

/* The comment an exported file starts with: what it is and what LVM2
 * needs before `vgcfgrestore -f` loads it (a thin VG needs --force; a PV
 * whose label is gone needs `pvcreate --uuid ... --restorefile` first).
 * '#' lines are comments in LVM2's config syntax. NULL on no memory. */
static char *export_comment(const scanned_t *s, int vg, const char *text, size_t len,
                            const char *file)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    const lr_scan_vg_t *v = &s->scan->vgs[vg];
    const char *f = file ? file : "FILE";
    lr_vg_t *view = NULL;
    if (lr_vg_parse(text, len, &view, NULL) != 0) {
        lr_strbuf_printf(&b, "# VG %s exported by lvmrepair (lvmrescue) %s.\n\n", v->name,
                         LR_VERSION);
        return lr_strbuf_take(&b, NULL);
    }
    lr_strbuf_printf(&b, "# VG %s seqno %" PRIu64 " exported by lvmrepair (lvmrescue) %s.\n",
                     view->name, view->seqno, LR_VERSION);
    lr_strbuf_printf(&b, "# Load it with: vgcfgrestore -f %s %s\n", f, view->name);
    if (has_segtype(view, "thin"))
        lr_strbuf_printf(&b,
                         "#   It has thin pools: LVM2 refuses them without --force:\n"
                         "#   vgcfgrestore --force -f %s %s\n",
                         f, view->name);
    for (size_t i = 0; i < view->n_pvs; i++)
        if (!label_found(s->scan, view->pvs[i].raw_id))
            lr_strbuf_printf(&b,
                             "# PV %s (%s) has no label in the images: give the device its "
                             "label first:\n#   pvcreate --uuid %s --restorefile %s DEVICE\n",
                             view->pvs[i].key, view->pvs[i].id, view->pvs[i].id, f);
    lr_vg_free(view);
    lr_strbuf_puts(&b, "\n");
    return lr_strbuf_take(&b, NULL);
}

/* The version's text with export_comment in front. */
static int export_text(const scanned_t *s, int vg, int ver, const char *file, char **out,
                       size_t *out_len, lr_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = lr_scan_version_text(s->session, (size_t)vg, (size_t)ver, &text, &len, err);
    if (rc)
        return rc;
    char *head = export_comment(s, vg, text, len, file);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, head ? head : "");
    lr_strbuf_putn(&b, text, len);
    free(head);
    free(text);
    *out_len = b.len;
    *out = lr_strbuf_take(&b, NULL);
    return *out ? 0 : lr_error_oom(err);
}

static int do_export(const args_t *a, scanned_t *s)
{
    int vg = -1, ver = -1;
    int ex = choose(s, a->vg, true, &a->v, "--crc 0xCRC", &vg, &ver);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    int rc = export_text(s, vg, ver, a->out_file, &text, &len, &err);
    if (!rc && a->out_file) {
        rc = lr_export_write_text(s->scan, text, len, a->out_file,
                                  a->force ? LR_EXPORT_OVERWRITE : 0, &err);
        if (!rc)
            fprintf(stderr, "%s: wrote VG %s seqno %" PRIu64 " to %s (for vgcfgrestore -f)\n", prog,
                    s->scan->vgs[vg].name, a->v.seqno, a->out_file);
    } else if (!rc && fwrite(text, 1, len, stdout) != len) {
        rc = lr_error_set(&err, -EIO, LR_NO_OFFSET, "writing to standard output failed");
    }
    free(text);
    return rc ? fail(rc, &err) : EXIT_OK;
}

static int do_extract(const args_t *a, scanned_t *s)
{
    int vg = -1, ver = -1;
    int ex = choose(s, a->vg, a->has_seqno, &a->v, "--crc 0xCRC", &vg, &ver);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    uint64_t written = 0;
    lr_extract_opts_t eo = {
        .flags = a->force ? LR_EXTRACT_OVERWRITE : 0, .ios = s->ios, .n_ios = s->n};
    int rc = lr_extract_lv(s->session, (size_t)vg, (size_t)ver, a->mode_arg, a->out_file, &eo,
                           &written, &err);
    if (!rc)
        fprintf(stderr, "%s: wrote %" PRIu64 " bytes of LV %s (VG %s seqno %" PRIu64 ") to %s\n",
                prog, written, a->mode_arg, s->scan->vgs[vg].name,
                s->scan->vgs[vg].versions[ver].seqno, a->out_file);
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* Scans the images and runs a mode on the scan. */
static int with_scan(const args_t *a, int (*mode)(const args_t *a, scanned_t *s))
{
    lr_error_t err;
    lr_error_clear(&err);
    scanned_t s;
    int rc = scan_images(a, &s, &err);
    int ex = rc ? fail(rc, &err) : mode(a, &s);
    scanned_free(&s);
    return ex;
}

int main(int argc, char **argv)
{
    args_t a;
    if (!parse_args(&a, argc, argv))
        return a.status;
    switch (a.mode) {
    case MODE_RESTORE: {
        int ex = check_outputs(&a);
        return ex != EXIT_OK ? ex : with_scan(&a, restore_scanned);
    }
    case MODE_APPLY_UNDO:
        return do_apply_undo(&a);
    case MODE_DIFF:
        return with_scan(&a, do_diff);
    case MODE_EXPORT:
        return with_scan(&a, do_export);
    case MODE_EXTRACT:
        return with_scan(&a, do_extract);
    default:
        return EXIT_USAGE;
    }
}
