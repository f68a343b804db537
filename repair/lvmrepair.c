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

#include "cli.h"

const char *const cli_prog = "lvmrepair";

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
    fprintf(stderr, "%s: %s%s%s%s\n", cli_prog, lr_error_format(err, buf, sizeof(buf)),
            hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

static int fail(int rc, const lr_error_t *err)
{
    say_error(err);
    return exit_for(rc);
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
static int choose(const scanned_t *s, const char *vg, bool has_seqno, const lr_scan_pick_t *v,
                  const char *crc_how, int *g, int *ver)
{
    lr_scan_pick_t pk = *v;
    pk.vg = vg;
    pk.has_seqno = has_seqno;
    lr_scan_selection_t sel;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_scan_select(s->scan, &pk, &sel, &err);
    *g = sel.vg;
    *ver = sel.version;
    if (rc == LR_EREFUSED && err.hints) {
        char hint[256];
        hint_words(err.hints, crc_how, hint, sizeof(hint));
        fprintf(stderr, "%s: %s; choose one with %s\nCandidates:\n", cli_prog, err.msg, hint);
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
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        fputc('\n', stderr);
        return 0;
    }
    return line[0] == 'y' || line[0] == 'Y';
}

/* EXIT_OK when confirmed; else says why nothing is written. */
static int ask(const char *question, bool yes)
{
    int c = confirm(question, yes);
    if (c == 1)
        return EXIT_OK;
    if (c == 0) {
        fprintf(stderr, "%s: not confirmed: nothing written\n", cli_prog);
        return EXIT_DECLINED;
    }
    fprintf(stderr,
            "%s: standard input is not a terminal: nothing written; confirm with --yes "
            "(or look with --dry-run)\n",
            cli_prog);
    return EXIT_REFUSED;
}

static void log_append(const args_t *a, const char *undo, const char *body)
{
    if (!a->log)
        return;
    FILE *f = fopen(a->log, "a");
    if (!f) {
        fprintf(stderr, "%s: warning: cannot append to the log %s: %s\n", cli_prog, a->log,
                strerror(errno));
        return;
    }
    char when[64];
    fprintf(f, "=== %s %s at %s\ncommand:", cli_prog, LR_VERSION,
            local_time(time(NULL), when, sizeof(when)));
    for (int i = 0; i < a->argc; i++)
        fprintf(f, " %s", a->argv[i]);
    fprintf(f, "\n");
    if (undo)
        fprintf(f, "undo file: %s\n", undo);
    fputs(body, f);
    if (fclose(f) != 0)
        fprintf(stderr, "%s: warning: writing the log %s failed\n", cli_prog, a->log);
}

/* ---- --restore ------------------------------------------------------------------------ */

/* The undo file's name, once it exists (before the first write). */
static void say_undo_created(void *arg, const char *path)
{
    (void)arg;
    fprintf(stderr, "%s: undo file: %s\n", cli_prog, path);
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
                    cli_prog, cli_prog, undo);
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
        int rc = lr_repair_copy_image(p->images[i].path, a->output, a->force, &dst, &data, err);
        if (!rc)
            rc = lr_repair_plan_set_image_path(p, i, dst, err);
        if (!rc)
            fprintf(stderr, "%s: copied %s to %s (%" PRIu64 " bytes of data)\n", cli_prog,
                    a->images[i], dst, data);
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
                cli_prog, a->undo);
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
    snprintf(command, sizeof(command), "%s --restore seqno=%" PRIu64 " --vg %s%s", cli_prog,
             a->v.seqno, vg->name ? vg->name : vg->id, crc);
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
    if (!rc)
        rc = lr_repair_plan_render(*p, &text, &err);
    if (!rc) {
        fputs(text, stdout);
        fflush(stdout);
    }
    free(text);
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* A version whose thin pools disagree with their metadata leaves them
 * unable to activate: the user confirming sees the notes; --yes alone does
 * not go past it, --force does. */
static int thin_refusal(const args_t *a, const lr_repair_plan_t *p)
{
    if (!p->n_thin_mismatch || !a->yes || a->force)
        return EXIT_OK;
    lr_error_t err;
    lr_error_clear(&err);
    lr_error_refuse(&err, LR_HINT_FORCE,
                    "VG %s seqno %" PRIu64 ": %zu thin pool%s would not activate after this "
                    "restore (transaction_id mismatch, see the notes above): nothing written",
                    p->vg_name, p->seqno, p->n_thin_mismatch, p->n_thin_mismatch > 1 ? "s" : "");
    return fail(LR_EREFUSED, &err);
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
    int ex = thin_refusal(a, p);
    return ex != EXIT_OK ? ex : ask("Write these changes?", a->yes);
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

static const char *const *undo_paths(const args_t *a)
{
    return a->n_images ? (const char *const *)a->images : NULL;
}

static const char *verdict_words(const lr_undo_file_t *f, lr_undo_verdict_t v)
{
    if (v == LR_UNDO_ORIGINAL)
        return "holds the original bytes already";
    if (v == LR_UNDO_AS_LEFT)
        return "as the run left it: will be put back";
    return f->finished ? "CHANGED since the run"
                       : "UNKNOWN bytes: neither the original nor a state the run announced (a "
                         "write torn when the run stopped, or a change since)";
}

static void describe_undo(const args_t *a, const lr_undo_file_t *f, const lr_undo_review_t *r)
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
    if (r->n_unsaved)
        printf("  %zu planned range(s) are not saved: the run stopped before writing them, and "
               "they hold their original bytes (checked)\n",
               r->n_unsaved);
    for (size_t i = 0; i < f->n_images; i++)
        printf("  image %zu: %s (%" PRIu64 " bytes)%s\n", i,
               a->n_images ? a->images[i] : f->images[i].path, f->images[i].size,
               r->same_file[i] ? ""
                               : " - not the same file as recorded; its bytes are checked instead");
    for (size_t i = 0; r->verdicts && i < f->n_ranges; i++) {
        const lr_undo_range_t *x = &f->ranges[i];
        printf("  %zu. image %u bytes %" PRIu64 "..%" PRIu64 ": %s\n", i + 1, x->image, x->offset,
               x->offset + x->length - 1, verdict_words(f, r->verdicts[i]));
    }
}

/* Checks the undo file against the images (lr_undo_review) and shows what
 * it finds. EXIT_OK when it may be applied; --force overrides a refusal
 * over changed ranges, never one over an incomplete file. */
static int check_undo(const args_t *a, const lr_undo_file_t *f, lr_error_t *err)
{
    lr_undo_review_t *r = NULL;
    int rc = lr_undo_review(f, undo_paths(a), &r, err);
    if (r)
        describe_undo(a, f, r);
    bool forced = rc == LR_EREFUSED && r && !r->complete && a->force;
    lr_undo_review_free(r);
    if (forced) {
        printf("Forced: changed ranges are overwritten with the original bytes too.\n");
        return EXIT_OK;
    }
    return rc ? fail(rc, err) : EXIT_OK;
}

/* Writes the original bytes back and logs it. */
static int apply_undo(const args_t *a, const lr_undo_file_t *f, lr_error_t *err)
{
    size_t n = 0;
    int rc = lr_undo_apply_paths(f, undo_paths(a), a->force, &n, err);
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
                cli_prog, f->n_images == 1 ? "1" : "several", cli_prog);
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

static int do_export(const args_t *a, scanned_t *s)
{
    int vg = -1, ver = -1;
    int ex = choose(s, a->vg, true, &a->v, "--crc 0xCRC", &vg, &ver);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    int rc;
    if (a->out_file) {
        rc = lr_export_write(s->session, (size_t)vg, (size_t)ver, a->out_file,
                             a->force ? LR_EXPORT_OVERWRITE : 0, &err);
        if (!rc)
            fprintf(stderr, "%s: wrote VG %s seqno %" PRIu64 " to %s (for vgcfgrestore -f)\n",
                    cli_prog, s->scan->vgs[vg].name, a->v.seqno, a->out_file);
    } else {
        char *text = NULL;
        size_t len = 0;
        rc = lr_scan_version_text(s->session, (size_t)vg, (size_t)ver, &text, &len, &err);
        if (!rc && fwrite(text, 1, len, stdout) != len)
            rc = lr_error_set(&err, -EIO, LR_NO_OFFSET, "writing to standard output failed");
        free(text);
    }
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* What the pool metadata says of a thin LV, on stderr: its device, mapped
 * blocks, shared blocks, and every damaged node with what it cost. Returns
 * true when some of the LV could not be read. */
static bool print_thin_info(const lr_extract_plan_t *plan, const lr_extract_thin_info_t *in)
{
    const lr_extract_thin_t *t = plan->thin;
    const lr_thin_usage_t *u = &in->usage;
    fprintf(stderr,
            "%s: thin LV %s: device %" PRIu64 " of pool %s (metadata transaction %" PRIu64
            ", LVM2's %" PRIu64 "%s), %" PRIu64 "-byte blocks: %" PRIu64 " mapped",
            cli_prog, plan->lv, t->dev_id, t->pool, in->super.transaction_id, t->transaction_id,
            in->super.transaction_id != t->transaction_id ? ": mismatch" : "", in->block_size,
            u->mapped);
    if (u->mapped)
        fprintf(stderr, ", highest block %" PRIu64, u->highest);
    if (u->shared != UINT64_MAX)
        fprintf(stderr, ", %" PRIu64 " shared with other thin LVs", u->shared);
    fputc('\n', stderr);
    if (t->chunk && t->chunk != in->block_size)
        fprintf(stderr,
                "%s: the pool's chunk_size in LVM2's metadata (%" PRIu64
                " bytes) differs from its metadata's data block size: the metadata's is used\n",
                cli_prog, t->chunk);
    if (in->past_end)
        fprintf(stderr, "%s: %" PRIu64 " mapped blocks lie past the LV's end: not extracted\n",
                cli_prog, in->past_end);
    for (size_t i = 0; i < in->n_damage; i++) {
        const lr_thin_damage_t *d = &in->damage[i];
        fprintf(stderr, "%s: thin pool %s: metadata damaged: %s btree", cli_prog, t->pool,
                lr_thin_tree_name(d->tree));
        if (d->tree == LR_THIN_TREE_MAPPING)
            fprintf(stderr, " of device %" PRIu64, d->dev_id);
        fprintf(stderr, ", node at block %" PRIu64 ": %s", d->block, d->why);
        if (d->tree == LR_THIN_TREE_MAPPING && d->hi == UINT64_MAX)
            fprintf(stderr, " (blocks %" PRIu64 " and up lost)", d->lo);
        else if (d->tree == LR_THIN_TREE_MAPPING)
            fprintf(stderr, " (blocks %" PRIu64 "-%" PRIu64 " lost)", d->lo, d->hi);
        fputc('\n', stderr);
    }
    if (in->damage_dropped)
        fprintf(stderr, "%s: %" PRIu64 " more damaged nodes not listed\n", cli_prog,
                in->damage_dropped);
    if (in->lost_bytes)
        fprintf(stderr,
                "%s: WARNING: %" PRIu64 " bytes of LV %s could not be read from the damaged "
                "metadata and are written as zeros: the output is incomplete\n",
                cli_prog, in->lost_bytes, plan->lv);
    return in->lost_bytes != 0;
}

/* What the dm-raid superblocks of an array's images say: images marked
 * failed, images or arrays not in sync. Only a report: the data never
 * depends on it. name[i] is image i's LV, meta[i] its _rmeta LV, sb[i]
 * NULL when unread. */
static void report_sbs(const char *lv, size_t n, const char *const *name, const char *const *meta,
                       const lr_raid_sb_t *const *sb, const bool *missing)
{
    uint64_t failed[4] = {0}; /* images any superblock marks failed */
    bool resync_said = false; /* the array's state: once */
    for (size_t g = 0; g < n; g++) {
        if (!sb[g])
            continue;
        for (size_t d = 0; d < n && d < 256; d++)
            if (lr_raid_sb_failed(sb[g], (unsigned)d))
                failed[d / 64] |= 1ull << (d % 64);
        if (sb[g]->disk_recovery_offset != UINT64_MAX &&
            !lr_raid_sb_failed(sb[g], sb[g]->array_position))
            fprintf(stderr,
                    "%s: LV %s: image %s was being recovered (in sync up to sector %" PRIu64
                    ", says %s)\n",
                    cli_prog, lv, name[g], sb[g]->disk_recovery_offset, meta[g]);
        if (sb[g]->array_resync_offset != UINT64_MAX && !resync_said) {
            resync_said = true;
            fprintf(stderr,
                    "%s: LV %s: the array was not fully synced (up to sector %" PRIu64
                    ", says %s); parity or copies past it may be stale\n",
                    cli_prog, lv, sb[g]->array_resync_offset, meta[g]);
        }
    }
    for (size_t d = 0; d < n && d < 256; d++)
        if (failed[d / 64] >> (d % 64) & 1)
            fprintf(
                stderr, "%s: LV %s: image %s is marked failed in the dm-raid superblock%s\n",
                cli_prog, lv, name[d],
                missing[d]
                    ? ""
                    : " (its data was still read; leave its PV out to read the array without it)");
}

static void report_raid_sb(const scanned_t *s, const lr_extract_plan_t *plan, size_t pi,
                           const lr_extract_opts_t *eo)
{
    const lr_extract_piece_t *p = &plan->pieces[pi];
    size_t n = p->n_legs;
    const char **name = calloc(n, sizeof(*name)), **meta = calloc(n, sizeof(*meta));
    const lr_raid_sb_t **sb = calloc(n, sizeof(*sb));
    lr_raid_sb_t *got = calloc(n, sizeof(*got));
    bool *missing = calloc(n, sizeof(*missing));
    if (name && meta && sb && got && missing) {
        for (size_t g = 0; g < n; g++) {
            name[g] = p->legs[g].lv;
            meta[g] = p->legs[g].meta_lv;
            missing[g] = p->legs[g].missing;
            if (!lr_extract_raid_sb(s->scan, plan, pi, g, eo, &got[g], NULL))
                sb[g] = &got[g];
        }
        report_sbs(plan->lv, n, name, meta, sb, missing);
    }
    free(name);
    free(meta);
    free(sb);
    free(got);
    free(missing);
}

/* What a cache LV's metadata said, and what was merged. */
static void report_cache(const lr_extract_plan_t *plan, const lr_extract_snap_t *sn)
{
    fprintf(stderr,
            "%s: LV %s: cache (%s, dm-cache metadata version %" PRIu32 ", block %" PRIu32
            " sectors): %" PRIu64 " of %" PRIu64 " cache blocks in use, %zu dirty merged from %s\n",
            cli_prog, plan->lv, sn->cache_mode ? sn->cache_mode : "mode not recorded",
            sn->cache_version, sn->chunk_size, sn->cache_mapped, sn->chunks_total, sn->n_exceptions,
            sn->cow);
    if (!sn->clean_shutdown)
        fprintf(stderr,
                "%s: LV %s: the cache metadata was not shut down cleanly: every cached block "
                "was taken as dirty (the kernel does the same)\n",
                cli_prog, plan->lv);
}

/* How full an old-style snapshot's COW LV is. */
static void report_snapshot(const lr_extract_plan_t *plan, const lr_extract_snap_t *sn)
{
    if (sn->cache) {
        report_cache(plan, sn);
        return;
    }
    fprintf(stderr,
            "%s: LV %s: snapshot of %s (%s, COW LV %s, chunk %" PRIu32
            " sectors): %zu chunks copied; COW %" PRIu64 " of %" PRIu64
            " chunks used (%.1f%%), valid\n",
            cli_prog, plan->lv, sn->origin, sn->snapshot_lv, sn->cow, sn->chunk_size,
            sn->n_exceptions, sn->chunks_used, sn->chunks_total,
            sn->chunks_total ? 100.0 * (double)sn->chunks_used / (double)sn->chunks_total : 0.0);
    if (sn->seg_chunk_size && sn->seg_chunk_size != sn->chunk_size)
        fprintf(stderr,
                "%s: LV %s: the metadata says chunk_size %" PRIu32
                " sectors, the COW header %" PRIu32 "; the header's was used\n",
                cli_prog, plan->lv, sn->seg_chunk_size, sn->chunk_size);
}

/* Says which pieces were read degraded, and what the superblocks report. */
static void report_extract(const scanned_t *s, const lr_extract_plan_t *plan,
                           const lr_extract_opts_t *eo)
{
    for (size_t i = 0; i < plan->n_pieces; i++) {
        const lr_extract_piece_t *p = &plan->pieces[i];
        if (p->snap)
            report_snapshot(plan, p->snap);
        if (!p->n_legs)
            continue;
        if (p->n_missing_legs) {
            fprintf(stderr, "%s: LV %s bytes %" PRIu64 "-%" PRIu64 " (%s): degraded: %s; missing:",
                    cli_prog, plan->lv, p->lv_offset, p->lv_offset + p->length - 1, p->raid.name,
                    p->raid.level == 10 ? "read from another copy" : "rebuilt from parity");
            for (size_t g = 0, k = 0; g < p->n_legs; g++)
                if (p->legs[g].missing)
                    fprintf(stderr, "%s %s", k++ ? "," : "", p->legs[g].lv);
            fputc('\n', stderr);
        }
        report_raid_sb(s, plan, i, eo);
    }
}

/* Where the legs of a mirror/raid1 LV differ: a hint of a split brain. */
static void report_legs(const args_t *a, const scanned_t *s, int vg, int ver,
                        const lr_extract_opts_t *eo)
{
    lr_extract_legdiff_t *d = NULL;
    lr_error_t err;
    char buf[1024];
    if (lr_extract_compare_legs(s->session, (size_t)vg, (size_t)ver, a->mode_arg, eo, &d, &err)) {
        fprintf(stderr, "%s: LV %s: legs not compared: %s\n", cli_prog, a->mode_arg,
                lr_error_format(&err, buf, sizeof(buf)));
        return;
    }
    if (!d)
        return;
    const lr_raid_sb_t **sb = calloc(d->n_legs ? d->n_legs : 1, sizeof(*sb));
    bool *missing = calloc(d->n_legs ? d->n_legs : 1, sizeof(*missing));
    const char **meta = calloc(d->n_legs ? d->n_legs : 1, sizeof(*meta));
    for (size_t i = 0; sb && missing && meta && i < d->n_legs; i++) {
        sb[i] = d->has_sb[i] ? &d->sb[i] : NULL;
        missing[i] = !d->readable[i];
        meta[i] = d->meta_lv[i];
    }
    if (sb && missing && meta)
        report_sbs(a->mode_arg, d->n_legs, (const char *const *)d->legs, meta, sb, missing);
    free(sb);
    free(missing);
    free(meta);
    size_t readable = 0;
    for (size_t i = 0; i < d->n_legs; i++) {
        readable += d->readable[i];
        if (!d->readable[i])
            fprintf(stderr, "%s: LV %s: leg %s could not be read and was not compared\n", cli_prog,
                    a->mode_arg, d->legs[i]);
    }
    if (readable >= 2 && !d->differ)
        fprintf(stderr, "%s: LV %s: the readable legs hold the same data (%" PRIu64 " bytes)\n",
                cli_prog, a->mode_arg, d->compared);
    else if (readable >= 2) {
        fprintf(stderr,
                "%s: LV %s: the legs differ in %" PRIu64
                " bytes (a split brain, or a resync that did not finish); ranges:",
                cli_prog, a->mode_arg, d->differ);
        for (size_t i = 0; i < d->n_ranges; i++)
            fprintf(stderr, "%s %" PRIu64 "-%" PRIu64, i ? "," : "", d->ranges[i].offset,
                    d->ranges[i].offset + d->ranges[i].length - 1);
        fprintf(stderr, "%s\n", d->more_ranges ? ", ..." : "");
    }
    lr_extract_legdiff_free(d);
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
    lr_extract_plan_t *plan = NULL;
    lr_extract_thin_info_t *info = NULL;
    bool partial = false;
    int rc = lr_extract_plan(s->session, (size_t)vg, (size_t)ver, a->mode_arg, &plan, &err);
    if (!rc && plan->thin) {
        rc = lr_extract_thin_info(s->scan, plan, &eo, &info, &err);
        if (!rc)
            partial = print_thin_info(plan, info);
    }
    if (!rc)
        rc = lr_extract_run(s->scan, plan, a->out_file, &eo, &written, &err);
    if (!rc) {
        report_extract(s, plan, &eo);
        report_legs(a, s, vg, ver, &eo);
        fprintf(stderr, "%s: wrote %" PRIu64 " bytes of LV %s (VG %s seqno %" PRIu64 ") to %s%s\n",
                cli_prog, written, a->mode_arg, s->scan->vgs[vg].name,
                s->scan->vgs[vg].versions[ver].seqno, a->out_file,
                partial ? ", with the unreadable ranges above as zeros" : "");
    }
    lr_extract_thin_info_free(info);
    lr_extract_plan_free(plan);
    /* an incomplete copy is not a success */
    return rc ? fail(rc, &err) : partial ? EXIT_REFUSED : EXIT_OK;
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
    if (!cli_parse_args(&a, argc, argv))
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
