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
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lr/diff.h"
#include "lr/evidence.h"
#include "lr/export.h"
#include "lr/extract.h"
#include "lr/fmt.h"
#include "lr/meta.h"
#include "lr/repair.h"
#include "lr/safety.h"
#include "lr/scan.h"
#include "lr/strbuf.h"
#include "lr/undo.h"

#include "cli.h"

const char *const cli_prog = "lvmrepair";

/* How LR_HINT_NEW_NAME is worded: --restore-lv has --as for it. */
static const char *new_name_words = "choose another name";

/* A terminal-safe copy (lr_tty_safe) of a file name or of text from an
 * image, for one printf: control characters would drive the terminal.
 * Rotating buffers, so that one message can show several. */
static const char *tty(const char *s)
{
    static char bufs[8][PATH_MAX + 64];
    static unsigned next;
    char *b = bufs[next++ % 8];
    return lr_tty_safe(s, b, sizeof(bufs[0]));
}

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
        {LR_HINT_NEW_NAME, NULL}, /* new_name_words */
    };
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && at < len; i++)
        if (hints & words[i].bit)
            at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " or " : "",
                                   words[i].words                     ? words[i].words
                                   : words[i].bit == LR_HINT_NEW_NAME ? new_name_words
                                                                      : crc_how);
}

/* The engine's message, then what would let it go on. */
static void say_error(const lr_error_t *err)
{
    char buf[1024], hint[256];
    hint_words(err->hints, "--crc 0xCRC", hint, sizeof(hint));
    fprintf(stderr, "%s: %s%s%s%s\n", cli_prog, tty(lr_error_format(err, buf, sizeof(buf))),
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

/* Decompressing a large gzip image at open takes minutes (a 100 GiB one:
 * about 10); on a terminal, say how far it got. */
static int show_gzip_progress(void *arg, uint64_t done, uint64_t total)
{
    fprintf(stderr, "\r%s: decompressing %s: %3d%% \033[K", cli_prog, tty(arg),
            total ? (int)(done * 100 / total) : 0);
    if (done >= total)
        fputc('\n', stderr);
    return 0;
}

/* Opens every image read-only and scans them. */
static int scan_images(const args_t *a, scanned_t *s, lr_error_t *err)
{
    memset(s, 0, sizeof(*s));
    s->ios = calloc((size_t)a->n_images, sizeof(*s->ios));
    if (!s->ios)
        return lr_error_oom(err);
    for (int i = 0; i < a->n_images; i++) {
        lr_io_open_opts_t oo = {.progress = isatty(STDERR_FILENO) ? show_gzip_progress : NULL,
                                .progress_arg = a->images[i]};
        int rc = lr_io_open_opts(&s->ios[i], a->images[i], &oo, err);
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
        fprintf(stderr, "%s: %s; choose one with %s\nCandidates:\n", cli_prog, tty(err.msg), hint);
        for (size_t i = 0; i < sel.n; i++) {
            const lr_scan_vg_t *x = &s->scan->vgs[sel.c[i].vg];
            const lr_scan_version_t *y = &x->versions[sel.c[i].version];
            fprintf(stderr, "  VG %s (UUID %s) seqno %" PRIu64 " crc 0x%08x%s, %zu cop%s: %s\n",
                    tty(x->name ? x->name : "?"), x->id, y->seqno, y->crc,
                    y->complete ? "" : " (partial only)", y->n_copies,
                    y->n_copies == 1 ? "y" : "ies", tty(y->description));
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
        fprintf(stderr, "%s: warning: cannot append to the log %s: %s\n", cli_prog, tty(a->log),
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
        fprintf(stderr, "%s: warning: writing the log %s failed\n", cli_prog, tty(a->log));
}

/* ---- files that must all be different ------------------------------------------------- */

/* What the run reads and writes, each with what the user calls it. */
typedef struct targets {
    const char *path[64];
    char *owned[32]; /* paths made here (copies), freed by targets_free */
    char role[64][48];
    size_t n, n_owned;
} targets_t;

static void targets_add(targets_t *t, const char *path, const char *role, size_t k, bool many)
{
    if (!path || t->n == sizeof(t->path) / sizeof(t->path[0]))
        return;
    t->path[t->n] = path;
    if (many)
        snprintf(t->role[t->n], sizeof(t->role[0]), "%s %zu", role, k + 1);
    else
        snprintf(t->role[t->n], sizeof(t->role[0]), "%s", role);
    t->n++;
}

static void targets_free(targets_t *t)
{
    for (size_t i = 0; i < t->n_owned; i++)
        free(t->owned[i]);
}

/* The images, the undo file, the log and every output of the run, by
 * identity (lr_path_same: symlinks and hard links are seen through): an
 * output landing on an image, the undo file or another output is refused
 * before anything is written. undo is the undo file (may be NULL);
 * images are the run's (n of them). */
static int check_targets(const args_t *a, const char *undo, const char *const *images, size_t n)
{
    targets_t t = {.n = 0};
    for (size_t i = 0; i < n; i++)
        targets_add(&t, images[i], "image", i, n > 1);
    targets_add(&t, undo, "undo file", 0, false);
    targets_add(&t, a->log, "log", 0, false);
    targets_add(&t, a->out_file, "output", 0, false);
    for (size_t i = 0; a->output && i < n && t.n_owned < 32; i++) {
        char *copy = NULL;
        if (lr_repair_copy_path(images[i], a->output, &copy, NULL) == 0) {
            t.owned[t.n_owned++] = copy;
            targets_add(&t, copy, "copy", i, n > 1);
        }
    }
    size_t i = 0, j = 0;
    int ex = EXIT_OK;
    if (lr_path_find_same(t.path, t.n, &i, &j)) {
        fprintf(stderr, "%s: the %s %s is the same file as the %s %s: nothing written\n", cli_prog,
                t.role[j], tty(t.path[j]), t.role[i], tty(t.path[i]));
        ex = EXIT_USAGE;
    }
    targets_free(&t);
    return ex;
}

/* ---- --restore ------------------------------------------------------------------------ */

/* The undo file's name, once it exists (before the first write). */
static void say_undo_created(void *arg, const char *path)
{
    (void)arg;
    fprintf(stderr, "%s: undo file: %s\n", cli_prog, tty(path));
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
                    cli_prog, cli_prog, tty(undo));
        return exit_for(rc);
    }
    if (p->n_lvs)
        printf("Brought back LV %s of VG %s seqno %" PRIu64 " into seqno %" PRIu64
               " as seqno %" PRIu64 ": %zu writes done and verified.\nUndo file: %s\n",
               tty(a->as ? a->as : a->mode_arg), tty(p->vg_name), p->seqno, p->base_seqno,
               p->new_seqno, p->n_writes, tty(undo));
    else
        printf("Restored VG %s seqno %" PRIu64 " as seqno %" PRIu64 ": %zu writes done and "
               "verified.\nUndo file: %s\n",
               tty(p->vg_name), p->seqno, p->new_seqno, p->n_writes, tty(undo));
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
            fprintf(stderr, "%s: copied %s to %s (%" PRIu64 " bytes of data)\n", cli_prog,
                    tty(a->images[i]), tty(dst), data);
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
                cli_prog, tty(a->undo));
        return EXIT_REFUSED;
    }
    lr_error_t err;
    lr_error_clear(&err);
    int rc = a->output ? lr_repair_check_copies((const char *const *)a->images, (size_t)a->n_images,
                                                a->output, a->force, &err)
                       : 0;
    return rc ? fail(rc, &err) : EXIT_OK;
}

/* Shows the plan (or says why there is none). */
static int show_plan(int rc, const lr_repair_plan_t *p, lr_error_t *err)
{
    char *text = NULL;
    if (!rc)
        rc = lr_repair_plan_render(p, &text, err);
    if (!rc) {
        lr_tty_fputs(text, stdout);
        fflush(stdout);
    }
    free(text);
    return rc ? fail(rc, err) : EXIT_OK;
}

/* Splits --restore-lv's comma separated names into *names (malloc'd
 * array pointing into *buf, a malloc'd copy). */
static size_t split_names(const char *arg, char **buf, const char ***names)
{
    *buf = strdup(arg);
    size_t n = 0;
    *names = calloc(strlen(arg) + 1, sizeof(**names));
    if (!*buf || !*names)
        return 0;
    for (char *save = NULL, *t = strtok_r(*buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        (*names)[n++] = t;
    return n;
}

/* Plans bringing back --restore-lv's LVs from --from's version, naming
 * the command in the new copy's description as LVM2 does. */
static int plan_lv(const args_t *a, const scanned_t *s, lr_repair_plan_t **p)
{
    int g = -1, ver = -1;
    int ex = choose(s, a->vg, true, &a->v, "seqno=N:crc=0xCRC", &g, &ver);
    if (ex != EXIT_OK)
        return ex;
    const lr_scan_vg_t *vg = &s->scan->vgs[g];
    char command[512], crc[32] = "", as[160] = "";
    if (a->v.has_crc)
        snprintf(crc, sizeof(crc), ":crc=0x%08x", a->v.crc);
    if (a->as)
        snprintf(as, sizeof(as), " --as %s", a->as);
    snprintf(command, sizeof(command), "%s --restore-lv %s --from seqno=%" PRIu64 "%s%s --vg %s",
             cli_prog, a->mode_arg, a->v.seqno, crc, as, vg->name ? vg->name : vg->id);
    lr_repair_opts_t o = {.vg = vg->id,
                          .seqno = a->v.seqno,
                          .has_crc = a->v.has_crc,
                          .crc = a->v.crc,
                          .command = command,
                          .force = a->force};
    char *buf = NULL;
    const char **names = NULL;
    lr_repair_lv_opts_t lo = {.as = a->as};
    lo.n_names = split_names(a->mode_arg, &buf, &names);
    lo.names = names;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lo.n_names ? lr_repair_plan_restore_lv(s->session, s->ios, &o, &lo, p, &err)
                        : lr_error_set(&err, -EINVAL, LR_NO_OFFSET, "no LV named");
    free(names);
    free(buf);
    if (!rc && a->output)
        rc = point_at_copies(a, *p, &err);
    return show_plan(rc, *p, &err);
}

/* Plans the restore of the chosen version, naming the command in the new
 * copy's description as LVM2 does. */
static int plan(const args_t *a, const scanned_t *s, lr_repair_plan_t **p)
{
    if (a->mode == MODE_RESTORE_LV)
        return plan_lv(a, s, p);
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
    if (!rc && a->output)
        rc = point_at_copies(a, *p, &err);
    return show_plan(rc, *p, &err);
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
    const char *const *images = (const char *const *)a->images;
    int rc = a->undo && !(undo = strdup(a->undo)) ? lr_error_oom(&err) : 0;
    int ex = rc ? fail(rc, &err) : check_targets(a, undo, images, (size_t)a->n_images);
    if (ex == EXIT_OK && a->output && (rc = make_copies(a, p, &err)) != 0)
        ex = fail(rc, &err);
    /* The default undo file goes next to the first image written: a copy
     * when there are copies, so it is named only now, and checked too. */
    if (ex == EXIT_OK && !undo) {
        rc = lr_repair_plan_undo_path(p, 0, &undo, &err);
        ex = rc ? fail(rc, &err) : check_targets(a, undo, images, (size_t)a->n_images);
    }
    if (ex == EXIT_OK)
        ex = execute(a, p, undo, &err);
    free(undo);
    return ex;
}

/* ---- evidence: what the restored LVs hold now (lr/evidence.h) ---------------------- */

static void say_ranges(const lr_ev_reuse_t *r)
{
    printf("%s:", r->pv);
    for (size_t x = 0; x < r->n_ranges; x++)
        printf("%s%" PRIu64 "-%" PRIu64, x ? "," : "", r->ranges[x].first, r->ranges[x].last);
}

static void say_lv_evidence(const lr_ev_lv_t *l)
{
    const lr_ev_content_t *c = &l->content;
    char sz[32], fs[32];
    printf("  %s (%s): ", l->name, lr_fmt_size(l->size, 0, sz, sizeof(sz)));
    if (c->state == LR_EV_FOUND)
        printf("%s%s%s%s", c->type, c->label ? " label \"" : "", c->label ? c->label : "",
               c->label ? "\"" : "");
    else if (c->state == LR_EV_AMBIVALENT)
        printf("several signatures (%s): not sure what it holds", c->type);
    else if (c->state == LR_EV_EMPTY)
        printf("no known signature");
    else
        printf("not probed: %s", c->detail ? c->detail : lr_ev_state_name(c->state));
    if (c->fs_size)
        printf(", filesystem %s", lr_fmt_size(c->fs_size, 0, fs, sizeof(fs)));
    putchar('\n');
    for (size_t i = 0; i < l->n_reuse; i++) {
        const lr_ev_reuse_t *r = &l->reuse[i];
        printf("    extents ");
        say_ranges(r);
        printf(" reused since by %s/%s (seqno %" PRIu64 ")%s%s\n", r->vg, r->lv, r->seqno,
               r->taker_content ? ", which now holds " : ", no signature found there",
               r->taker_content ? r->taker_content : "");
    }
}

static void say_warning(const lr_ev_warning_t *w, uint64_t seqno)
{
    char a[32], b[32];
    switch (w->kind) {
    case LR_EV_WARN_REUSED:
        printf("WARNING: LV %s: extents ", w->lv);
        say_ranges(w->reuse);
        printf(" were reused by %s/%s (seqno %" PRIu64 "), whose %s now sits there: restored, %s "
               "starts with another LV's data, and writing to either destroys the other\n",
               w->reuse->vg, w->reuse->lv, w->reuse->seqno, w->reuse->taker_content, w->lv);
        return;
    case LR_EV_WARN_EMPTY:
        printf("WARNING: seqno %" PRIu64 " has no LVs, but seqno %" PRIu64
               " had some: restoring it leaves the VG empty\n",
               seqno, w->seqno);
        return;
    case LR_EV_WARN_FS_LARGER:
        printf("WARNING: LV %s: its %s filesystem spans %s, more than the LV's %s in this "
               "version: restoring it truncates the filesystem\n",
               w->lv, w->fs_type, lr_fmt_size(w->fs_size, 0, a, sizeof(a)),
               lr_fmt_size(w->lv_size, 0, b, sizeof(b)));
        return;
    }
}

/* Prints what the restored version's LVs hold now and the warnings;
 * *n_warn receives their number. Evidence that cannot be built is said
 * and counts as no warning. */
static void show_evidence(const scanned_t *s, const lr_repair_plan_t *p, size_t *n_warn)
{
    *n_warn = 0;
    lr_evidence_t *ev = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (p->vg < 0 || p->version < 0 || lr_evidence_build(s->session, NULL, &ev, &err) != 0) {
        char m[512];
        printf("\nContent of the LVs not available: %s\n", lr_error_format(&err, m, sizeof(m)));
        return;
    }
    const lr_ev_version_t *v = &ev->vgs[p->vg].versions[p->version];
    printf("\nWhat the LVs of seqno %" PRIu64 " hold now:\n", v->seqno);
    if (v->n_lvs == 0)
        printf("  (no LVs)\n");
    for (size_t i = 0; i < v->n_lvs; i++)
        if (v->lvs[i].visible)
            say_lv_evidence(&v->lvs[i]);
    lr_ev_warning_t *w = NULL;
    if (lr_evidence_warnings(ev, (size_t)p->vg, (size_t)p->version, &w, n_warn, &err) == 0) {
        if (*n_warn)
            putchar('\n');
        for (size_t i = 0; i < *n_warn; i++)
            say_warning(&w[i], v->seqno);
    }
    free(w);
    lr_evidence_free(ev);
    fflush(stdout);
}

/* With --yes, a warning stops the restore unless --force is given too. */
static int check_warnings(const args_t *a, size_t n_warn)
{
    if (!n_warn || !a->yes || a->force || a->dry_run)
        return EXIT_OK;
    fprintf(stderr, "%s: %zu warning%s above: nothing written (--force to restore anyway)\n",
            cli_prog, n_warn, n_warn == 1 ? "" : "s");
    return EXIT_REFUSED;
}

static int restore_scanned(const args_t *a, scanned_t *s)
{
    lr_repair_plan_t *p = NULL;
    int ex = plan(a, s, &p);
    size_t n_warn = 0;
    if (ex == EXIT_OK)
        show_evidence(s, p, &n_warn);
    if (ex == EXIT_OK)
        ex = check_warnings(a, n_warn);
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

static const char *undo_image_path(const args_t *a, const lr_undo_file_t *f, size_t i)
{
    return a->n_images ? a->images[i] : f->images[i].path;
}

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
    printf("Undo file %s, made %s: ", tty(a->mode_arg), local_time(f->created, when, sizeof(when)));
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
        printf("  image %zu: %s (%" PRIu64 " bytes)%s\n", i, tty(undo_image_path(a, f, i)),
               f->images[i].size,
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
    const char **images = calloc(f->n_images + 1, sizeof(*images));
    for (size_t i = 0; images && i < f->n_images && (!a->n_images || i < (size_t)a->n_images); i++)
        images[i] = undo_image_path(a, f, i);
    if (!images)
        ex = fail(lr_error_oom(&err), &err);
    else
        ex = check_targets(a, a->mode_arg, images, f->n_images);
    free(images);
    if (ex == EXIT_OK && a->n_images && (size_t)a->n_images != f->n_images) {
        fprintf(stderr,
                "%s: the undo file names %zu image(s); give that many or none\n(see %s "
                "--help)\n",
                cli_prog, f->n_images, cli_prog);
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
        lr_tty_fputs(text, stdout); /* names from the image: never a raw control byte */
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
            fprintf(stderr, "%s: wrote VG %s seqno %" PRIu64 " to %s (for vgcfgrestore -f)\n",
                    cli_prog, tty(s->scan->vgs[vg].name), a->v.seqno, tty(a->out_file));
    } else if (!rc && isatty(STDOUT_FILENO)) {
        lr_tty_fputs(text, stdout); /* the file's bytes for a pipe; on a terminal, safe to show */
    } else if (!rc && fwrite(text, 1, len, stdout) != len) {
        rc = lr_error_set(&err, -EIO, LR_NO_OFFSET, "writing to standard output failed");
    }
    free(text);
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
                cli_prog, written, tty(a->mode_arg), tty(s->scan->vgs[vg].name),
                s->scan->vgs[vg].versions[ver].seqno, tty(a->out_file),
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
    int ex = a.mode == MODE_APPLY_UNDO
                 ? EXIT_OK
                 : check_targets(&a, a.undo, (const char *const *)a.images, (size_t)a.n_images);
    if (ex != EXIT_OK)
        return ex;
    switch (a.mode) {
    case MODE_RESTORE_LV:
        new_name_words = "--as NEWNAME brings it back under another name";
        /* fall through */
    case MODE_RESTORE:
        ex = check_outputs(&a);
        return ex != EXIT_OK ? ex : with_scan(&a, restore_scanned);
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
