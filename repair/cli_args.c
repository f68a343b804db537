/* lvmrepair's options: usage, parsing, the combinations that make sense
 * and the versions the mode names (parsed once, by lr_scan_pick_parse). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lr/safety.h"
#include "lr/strbuf.h"

/* --version: the version and the optional libraries this build reads
 * with, and those it lacks (the images and files they serve are refused
 * or read without them, said by name). */
static void print_version(FILE *f)
{
    char with[512], without[512];
    lr_scan_libraries(true, with, sizeof(with));
    lr_scan_libraries(false, without, sizeof(without));
    fprintf(f, "lvmrepair (lvmrescue) %s\n", LR_VERSION);
    fprintf(f, "optional libraries in this build: %s\n", with[0] ? with : "none");
    fprintf(f, "optional libraries not in this build: %s\n", without[0] ? without : "none");
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage:\n"
            "  %1$s --restore seqno=N [--vg NAME|UUID] [--crc 0xCRC] [--dry-run] [--yes]\n"
            "            [--force] [--undo FILE] [--output DIR [--overwrite]] [--log FILE]\n"
            "            IMAGE...\n"
            "  %1$s --restore-lv LV[,LV...] --from seqno=N[:crc=0xCRC] [--as NEWNAME]\n"
            "            [--vg NAME|UUID] [--dry-run] [--yes] [--force] [--undo FILE]\n"
            "            [--output DIR [--overwrite]] [--log FILE] IMAGE...\n"
            "  %1$s --apply-undo FILE [--dry-run] [--yes] [--force] [--log FILE] [IMAGE...]\n"
            "  %1$s --diff seqno=A[:crc=0xCRC] seqno=B[:crc=0xCRC] [--vg NAME|UUID] [--json]\n"
            "            IMAGE...\n"
            "  %1$s --export seqno=N [--vg NAME|UUID] [--crc 0xCRC] [-o FILE [--overwrite]]\n"
            "            IMAGE...\n"
            "  %1$s --extract LV [--seqno N] [--vg NAME|UUID] [--crc 0xCRC] -o OUT [--overwrite]\n"
            "            IMAGE...\n"
            "\n"
            "Restores any version of an LVM2 volume group found in disk images (files,\n"
            "block devices; .gz, .xz, .zst, EWF, qcow2, VMDK, VHD/VHDX and split raw\n"
            "images only through --output), LVM2's way, after showing what it will write;\n"
            "saves every overwritten byte to an undo file first.\n"
            "\n"
            "  --restore seqno=N    write version N again, as seqno (highest seen + 1)\n"
            "  --restore-lv LV[,LV...]  bring these LVs back as they were in version\n"
            "                       --from seqno=N, into the current version (kept), as a\n"
            "                       new seqno; --as NEWNAME brings one back under a new\n"
            "                       name and UUID\n"
            "  --vg NAME|UUID       the volume group (when several have that version)\n"
            "  --crc 0xCRC          the copy, when one seqno has conflicting texts (also\n"
            "                       written seqno=N:crc=0xCRC)\n"
            "  -n, --dry-run, --test  show the plan, write nothing\n"
            "  --yes                answer the confirmation (needed without a terminal)\n"
            "  --force              override safety refusals (busy or locked images, missing\n"
            "                       PVs, a version failing LVM2's checks, a WARNING with\n"
            "                       --yes); it replaces no file\n"
            "  --overwrite          replace an existing -o file or --output copy (never an\n"
            "                       image, a file an image is read from, or an undo file)\n"
            "  --undo FILE          undo file (default: next to the first image)\n"
            "  --output DIR         write repaired copies into DIR, originals untouched\n"
            "  --log FILE           append what was done to FILE\n"
            "  --apply-undo FILE    put back the bytes an earlier run saved in FILE\n"
            "  --diff seqno=A seqno=B  what changed between two versions (--json for JSON);\n"
            "                       seqno=N:crc=0xCRC picks one of conflicting copies\n"
            "  --export seqno=N     the version as a file for vgcfgrestore -f (-o FILE)\n"
            "  --extract LV         copy the LV's data as version --seqno maps it to -o OUT\n"
            "  --snapshot ID|NAME   read this internal snapshot of each qcow2 image (an\n"
            "                       older state of the disk) instead of its current state\n"
            "  --all-zstd           also decode zstd frames of 16 to 128 KiB (LVM2 backup\n"
            "                       files of more than 16 KiB on a btrfs compressed with\n"
            "                       zstd; slower on such a btrfs)\n"
            "  --help, --version\n"
            "\n"
            "Exit status: 0 success, 1 refused, 2 usage or I/O error, 5 declined.\n"
            "See lvmrepair(8).\n",
            cli_prog);
}

/* ---- argument parsing ----------------------------------------------------------- */

/* Ends the run with a usage error. Returns false, for `return usage_error(...)`. */
__attribute__((format(printf, 2, 3))) static bool usage_error(args_t *a, const char *fmt, ...)
{
    char msg[2048], safe[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n(see %s --help)\n", cli_prog, lr_tty_safe(msg, safe, sizeof(safe)),
            cli_prog);
    a->status = EXIT_USAGE;
    return false;
}

/* Parses a version argument of option opt into v; a bad one ends the run,
 * with a hint for a bare "15". */
static bool take_version(args_t *a, const char *opt, const char *arg, lr_scan_pick_t *v)
{
    uint64_t n;
    if (lr_scan_pick_parse(arg, v) == 0)
        return true;
    if (arg && lr_scan_seqno_parse(arg, &n) == 0)
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
    OPT_OVERWRITE,
    OPT_UNDO,
    OPT_OUTPUT,
    OPT_LOG,
    OPT_JSON,
    OPT_VERSION,
    OPT_RESTORE_LV,
    OPT_FROM,
    OPT_AS,
    OPT_SNAPSHOT,
    OPT_ALL_ZSTD,
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
    {"overwrite", no_argument, NULL, OPT_OVERWRITE},
    {"undo", required_argument, NULL, OPT_UNDO},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"log", required_argument, NULL, OPT_LOG},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"restore-lv", required_argument, NULL, OPT_RESTORE_LV},
    {"from", required_argument, NULL, OPT_FROM},
    {"as", required_argument, NULL, OPT_AS},
    {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
    {"all-zstd", no_argument, NULL, OPT_ALL_ZSTD},
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
    case OPT_RESTORE_LV:
        set_mode(a, MODE_RESTORE_LV, arg);
        return true;
    case OPT_FROM:
        a->from = arg;
        return true;
    case OPT_AS:
        a->as = arg;
        return true;
    case OPT_SNAPSHOT:
        a->snapshot = arg;
        return arg[0] || usage_error(a, "--snapshot needs a snapshot's id or name");
    case OPT_ALL_ZSTD:
        a->all_zstd = true;
        return true;
    case OPT_SEQNO:
        a->has_seqno = true;
        return lr_scan_seqno_parse(arg, &a->seqno) == 0 || usage_error(a, "bad --seqno '%s'", arg);
    case OPT_VG:
        a->vg = arg;
        return true;
    case OPT_CRC:
        a->has_crc = true;
        return lr_scan_crc_parse(arg, &a->crc) == 0 ||
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
    case OPT_OVERWRITE:
        a->overwrite = true;
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
        print_version(stdout);
        return stop(a, EXIT_OK);
    default:
        fprintf(stderr, "(see %s --help)\n", cli_prog);
        return stop(a, EXIT_USAGE);
    }
}

/* Options that only make sense with some modes. */
static bool check_combination(args_t *a)
{
    bool restore = a->mode == MODE_RESTORE || a->mode == MODE_RESTORE_LV,
         undo = a->mode == MODE_APPLY_UNDO;
    if ((a->from || a->as) && a->mode != MODE_RESTORE_LV)
        return usage_error(a, "--from and --as go with --restore-lv");
    if (a->mode == MODE_RESTORE_LV && !a->from)
        return usage_error(a, "--restore-lv needs --from seqno=N (the version to take the LVs "
                              "from)");
    if (a->as && strchr(a->mode_arg, ','))
        return usage_error(a, "--as renames one LV; name only one with --restore-lv");
    if (a->undo && !restore)
        return usage_error(a, "--undo goes with --restore");
    if (a->output && !restore)
        return usage_error(a, "--output goes with --restore");
    if (a->snapshot && undo)
        return usage_error(a, "--snapshot does not go with --apply-undo (an undo file is put "
                              "back into the copies it was written for)");
    if ((a->dry_run || a->yes) && !restore && !undo)
        return usage_error(a, "--dry-run and --yes go with --restore or --apply-undo");
    if (a->log && !restore && !undo)
        return usage_error(a, "--log goes with --restore or --apply-undo");
    if (a->json && a->mode != MODE_DIFF)
        return usage_error(a, "--json goes with --diff");
    if (a->out_file && a->mode != MODE_EXPORT && a->mode != MODE_EXTRACT)
        return usage_error(a, "-o goes with --export or --extract");
    if (a->overwrite && !a->out_file && !a->output)
        return usage_error(a, "--overwrite goes with -o FILE or --output DIR (what it may "
                              "replace)");
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
 * picks a copy of; --extract names one with --seqno (or none: the one LVM2
 * uses now, lr_scan_vg_current). */
static bool take_versions(args_t *a)
{
    const char *opt = a->mode == MODE_RESTORE_LV ? "--from"
                      : a->mode == MODE_RESTORE  ? "--restore"
                      : a->mode == MODE_EXPORT   ? "--export"
                      : a->mode == MODE_DIFF     ? "--diff"
                                                 : NULL;
    if (a->mode == MODE_EXTRACT)
        a->v = (lr_scan_pick_t){.seqno = a->seqno, .has_crc = a->has_crc, .crc = a->crc};
    if (!opt)
        return true;
    if (!take_version(a, opt, a->mode == MODE_RESTORE_LV ? a->from : a->mode_arg, &a->v))
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
bool cli_parse_args(args_t *a, int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    int c;
    while ((c = getopt_long(argc, argv, "nho:", long_opts, NULL)) != -1) {
        /* "--undo --dry-run": a separate value that is the next option */
        if (optarg && optarg == argv[optind - 1] && !lr_opt_value_ok(optarg))
            return usage_error(a,
                               "%s needs a value, not the option '%s' (write %s=VALUE if that "
                               "is the value)",
                               argv[optind - 2], optarg, argv[optind - 2]);
        if (!parse_opt(a, c, optarg))
            return false;
    }
    if (a->n_modes != 1)
        return usage_error(a, "give exactly one of --restore, --restore-lv, --apply-undo, --diff, "
                              "--export, --extract");
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
