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

#include "lr/btrfs.h"
#include "lr/diff.h"
#include "lr/evidence.h"
#include "lr/export.h"
#include "lr/mem.h"
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
const char *cli_tty(const char *s)
{
    static char bufs[8][PATH_MAX + 64];
    static unsigned next;
    char *b = bufs[next++ % 8];
    return lr_tty_safe(s, b, sizeof(bufs[0]));
}

/* ---- messages --------------------------------------------------------------- */

/* Times for people and logs: local, with the zone offset. */
const char *cli_local_time(int64_t t, char *buf, size_t len)
{
    return lr_fmt_time(t, LR_FMT_TIME_LOCAL | LR_FMT_TIME_ZONE, "unknown time", buf, len);
}

/* Refusals and "no such thing" answer 1 (an existing file that would be
 * overwritten is a refusal too); everything else is an error. */
int cli_exit_for(int rc)
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
        {LR_HINT_OVERWRITE, "--overwrite replaces it"},
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
void cli_say_error(const lr_error_t *err)
{
    char buf[1024], hint[256];
    hint_words(err->hints, "--crc 0xCRC", hint, sizeof(hint));
    fprintf(stderr, "%s: %s%s%s%s\n", cli_prog, cli_tty(lr_error_format(err, buf, sizeof(buf))),
            hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

int cli_fail(int rc, const lr_error_t *err)
{
    cli_say_error(err);
    return cli_exit_for(rc);
}

/* ---- scanning and choosing --------------------------------------------------------- */

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
    fprintf(stderr, "\r%s: decompressing %s: %3d%% \033[K", cli_prog, cli_tty(arg),
            total ? (int)(done * 100 / total) : 0);
    if (done >= total)
        fputc('\n', stderr);
    return 0;
}

/* What the image's reader found wrong but read anyway (lr_io_note: a VHD
 * checksum, footer copies that differ, bytes no check vouches for), from
 * its from-th note on: shown, the repair goes on. */
static void say_notes_from(const char *image, const lr_io_t *io, size_t from)
{
    const char *note;
    for (size_t i = from; (note = lr_io_note(io, i)); i++)
        fprintf(stderr, "%s: WARNING: %s: %s\n", cli_prog, cli_tty(image), cli_tty(note));
}

static void say_notes(const char *image, const lr_io_t *io, const char *snapshot)
{
    say_notes_from(image, io, 0);
    if (lr_io_snapshots(io) && !snapshot)
        fprintf(stderr,
                "%s: %s: to read one of its snapshots in place of its current state: "
                "--snapshot ID|NAME\n",
                cli_prog, cli_tty(image));
}

/* The btrfs data the scan did not look into (files compressed with lzo or
 * zstd in a build without liblzo2 or libzstd; zstd frames over 16 KiB):
 * versions in them are not among those the repair chooses from. */
static void say_unread(const lr_scan_t *scan)
{
    for (size_t i = 0; i < scan->n_images; i++) {
        const lr_scan_image_t *im = &scan->images[i];
        if (im->btrfs_unread[LR_BTRFS_LZO])
            fprintf(stderr,
                    "%s: WARNING: %s: %zu LVM2 backup files btrfs compressed with lzo not read: "
                    "built without liblzo2, their versions are not among those chosen from\n",
                    cli_prog, cli_tty(im->path), im->btrfs_unread[LR_BTRFS_LZO]);
        if (im->btrfs_unread[LR_BTRFS_ZSTD])
            fprintf(stderr,
                    "%s: WARNING: %s: %zu btrfs inline files or zstd frames not looked into: "
                    "built without libzstd, LVM2 backup files among them are not among the "
                    "versions chosen from\n",
                    cli_prog, cli_tty(im->path), im->btrfs_unread[LR_BTRFS_ZSTD]);
        if (im->btrfs_zstd_large)
            fprintf(stderr,
                    "%s: WARNING: %s: %zu zstd frames of 16 to 128 KiB not looked into: an LVM2 "
                    "backup file of more than 16 KiB btrfs stored so is not among the versions "
                    "chosen from (--all-zstd decodes them)\n",
                    cli_prog, cli_tty(im->path), im->btrfs_zstd_large);
    }
}

/* The images the scan could not read whole, each a warning on stderr
 * (restore: in the plan, on stdout, saying what it means for the
 * restore); returns how many. */
static size_t say_damaged(const lr_scan_t *scan, lr_io_t *const *ios, bool restore)
{
    size_t n = 0;
    for (size_t i = 0; i < scan->n_images; i++) {
        const lr_scan_image_t *im = &scan->images[i];
        if (!im->error)
            continue;
        if (!n++ && restore)
            putchar('\n');
        const char *why = im->error_msg ? cli_tty(im->error_msg) : "a read failed";
        /* read whole, but some bytes fail their checksum: the image's
         * notes say which, an extract says when it read them */
        if (!restore && !im->truncated && lr_io_unsure_range(ios[i], 0, NULL, NULL) == 1)
            continue;
        if (restore)
            printf("WARNING: %s is not readable whole (%s): a newer version of the VG in those "
                   "bytes would not be seen (the new seqno may not be above it), and a copy of "
                   "the image holds zeros there%s\n",
                   cli_tty(im->path), why,
                   lr_io_unsure_range(ios[i], 0, NULL, NULL) == 1
                       ? "; the bytes it decoded but cannot vouch for are copied as they decode"
                       : "");
        else
            fprintf(stderr,
                    "%s: WARNING: %s is not readable whole (%s): a version or an LV's data in "
                    "those bytes is not known\n",
                    cli_prog, cli_tty(im->path), why);
    }
    return n;
}

/* Opens every image read-only and scans them. */
static int scan_images(const args_t *a, scanned_t *s, lr_error_t *err)
{
    memset(s, 0, sizeof(*s));
    s->ios = calloc((size_t)a->n_images, sizeof(*s->ios));
    if (!s->ios)
        return lr_error_oom(err);
    /* A compressed image cut short or damaged in its stream (a truncated
     * .gz, .xz or .zst) is read as far as it decompresses, as lvmscan reads
     * it: what only reads (diff, export, extract) works on that part; a
     * restore writes a whole copy of the image and is refused. */
    bool restore = a->mode == MODE_RESTORE || a->mode == MODE_RESTORE_LV;
    for (int i = 0; i < a->n_images; i++) {
        lr_io_open_opts_t oo = {.flags = LR_IO_PARTIAL,
                                .progress = isatty(STDERR_FILENO) ? show_gzip_progress : NULL,
                                .progress_arg = a->images[i],
                                .snapshot = a->snapshot};
        int rc = lr_io_open_opts(&s->ios[i], a->images[i], &oo, err);
        if (rc && !restore && rc != -ENOMEM) {
            /* the pass at open of a .zst does not end at damage inside a
             * frame; read as lvmscan reads it (lazily), it ends the image */
            oo.flags |= LR_IO_LAZY;
            lr_error_clear(err);
            rc = lr_io_open_opts(&s->ios[i], a->images[i], &oo, err);
        }
        if (rc)
            return rc;
        lr_error_t why;
        rc = restore ? lr_io_damage(s->ios[i], NULL, &why) : 0;
        if (rc) {
            bool unsure = lr_io_unsure_range(s->ios[i], 0, NULL, NULL) == 1;
            lr_io_close(s->ios[i], NULL);
            s->ios[i] = NULL;
            s->cut_refused = !unsure;
            s->unsure_refused = unsure;
            if (err)
                *err = why;
            return rc;
        }
        say_notes(a->images[i], s->ios[i], a->snapshot);
        s->n++;
    }
    /* an image with unreadable bytes (a corrupt xz block, an EWF set with
     * a segment missing) is scanned around them, as lvmscan scans it:
     * what it holds elsewhere is diffed, exported, extracted and restored,
     * said (say_damaged) and, for a restore, a warning */
    lr_scan_opts_t so = {.flags = (a->all_zstd ? LR_SCAN_ALL_ZSTD : 0) | LR_SCAN_KEEP_GOING};
    size_t *had = calloc(s->n ? s->n : 1, sizeof(*had));
    if (!had)
        return lr_error_oom(err);
    for (size_t i = 0; i < s->n; i++)
        while (lr_io_note(s->ios[i], had[i]))
            had[i]++;
    int rc = lr_scan_ios(s->ios, s->n, &so, &s->session, err);
    /* what the images' readers noted while the scan read them (a gzip
     * member whose bytes do not give its CRC-32), as lvmscan says it: an
     * extract or restore from there may not be what was written */
    for (size_t i = 0; i < s->n; i++)
        say_notes_from(a->images[i], s->ios[i], had[i]);
    free(had);
    s->scan = lr_scan_result(s->session);
    if (s->scan) {
        say_unread(s->scan);
        if (a->mode != MODE_RESTORE && a->mode != MODE_RESTORE_LV)
            say_damaged(s->scan, s->ios, false);
    }
    return rc;
}

/* Chooses the version a mode names (lr_scan_select) into *g / *ver. A
 * refusal to choose is printed here: the engine's reason, the options that
 * choose (crc_how is how this mode picks a copy), and the candidates one
 * per line. Returns an exit status. */
int cli_choose(const scanned_t *s, const char *vg, bool has_seqno, const lr_scan_pick_t *v,
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
        fprintf(stderr, "%s: %s; choose one with %s\nCandidates:\n", cli_prog, cli_tty(err.msg),
                hint);
        for (size_t i = 0; i < sel.n; i++) {
            const lr_scan_vg_t *x = &s->scan->vgs[sel.c[i].vg];
            const lr_scan_version_t *y = &x->versions[sel.c[i].version];
            fprintf(stderr, "  VG %s (UUID %s) seqno %" PRIu64 " crc 0x%08x%s, %zu cop%s: %s\n",
                    cli_tty(x->name ? x->name : "?"), x->id, y->seqno, y->crc,
                    y->complete ? "" : " (partial only)", y->n_copies,
                    y->n_copies == 1 ? "y" : "ies", cli_tty(y->description));
        }
    } else if (rc)
        cli_say_error(&err);
    lr_scan_selection_free(&sel);
    return cli_exit_for(rc);
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
int cli_ask(const char *question, bool yes)
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

void cli_log_append(const args_t *a, const char *undo, const char *body)
{
    if (!a->log)
        return;
    FILE *f = fopen(a->log, "a");
    if (!f) {
        fprintf(stderr, "%s: warning: cannot append to the log %s: %s\n", cli_prog, cli_tty(a->log),
                strerror(errno));
        return;
    }
    char when[64];
    fprintf(f, "=== %s %s at %s\ncommand:", cli_prog, LR_VERSION,
            cli_local_time(time(NULL), when, sizeof(when)));
    for (int i = 0; i < a->argc; i++)
        fprintf(f, " %s", a->argv[i]);
    fprintf(f, "\n");
    if (undo)
        fprintf(f, "undo file: %s\n", undo);
    fputs(body, f);
    if (fclose(f) != 0)
        fprintf(stderr, "%s: warning: writing the log %s failed\n", cli_prog, cli_tty(a->log));
}

/* ---- files that must all be different ------------------------------------------------- */

/* What the run reads and writes, each with what the user calls it. */
typedef struct targets {
    const char *path[64];
    char *owned[32]; /* paths made here (copies), freed by targets_free */
    char role[64][48];
    const char *source[64]; /* a copy's image, else NULL */
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
int cli_check_targets(const args_t *a, const char *undo, const char *const *images, size_t n)
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
            t.source[t.n] = images[i];
            targets_add(&t, copy, "copy", i, n > 1);
        }
    }
    size_t i = 0, j = 0;
    int ex = EXIT_OK;
    if (!lr_path_find_same(t.path, t.n, &i, &j)) {
        targets_free(&t);
        return ex;
    }
    ex = EXIT_USAGE;
    /* two images of one name (case1/disk.E01, case2/disk.E01): their
     * copies in DIR are named alike */
    if (t.source[i] && t.source[j])
        fprintf(stderr,
                "%s: the copies of %s and %s would both be %s (their names are alike): give "
                "them different names (a link of another name will do): nothing written\n",
                cli_prog, cli_tty(t.source[i]), cli_tty(t.source[j]), cli_tty(t.path[j]));
    else
        fprintf(stderr, "%s: the %s %s is the same file as the %s %s: nothing written\n", cli_prog,
                t.role[j], cli_tty(t.path[j]), t.role[i], cli_tty(t.path[i]));
    targets_free(&t);
    return ex;
}

/* ---- --restore ------------------------------------------------------------------------ */

/* The undo file's name, once it exists (before the first write). */
static void say_undo_created(void *arg, const char *path)
{
    (void)arg;
    fprintf(stderr, "%s: undo file: %s\n", cli_prog, cli_tty(path));
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
        cli_log_append(a, p->executed ? undo : NULL, log);
        free(log);
    }
    if (rc) {
        cli_say_error(err);
        if (p->executed)
            fprintf(stderr,
                    "%s: the restore stopped; '%s --apply-undo %s' puts back every byte "
                    "it changed\n",
                    cli_prog, cli_prog, cli_tty(undo));
        return cli_exit_for(rc);
    }
    if (p->n_lvs)
        printf("Brought back LV %s of VG %s seqno %" PRIu64 " into seqno %" PRIu64
               " as seqno %" PRIu64 ": %zu writes done and verified.\nUndo file: %s\n",
               cli_tty(a->as ? a->as : a->mode_arg), cli_tty(p->vg_name), p->seqno, p->base_seqno,
               p->new_seqno, p->n_writes, cli_tty(undo));
    else
        printf("Restored VG %s seqno %" PRIu64 " as seqno %" PRIu64 ": %zu writes done and "
               "verified.\nUndo file: %s\n",
               cli_tty(p->vg_name), p->seqno, p->new_seqno, p->n_writes, cli_tty(undo));
    return EXIT_OK;
}

/* The size of the file the copy of image would replace, -1 when there is
 * none (said once the copy is made: --overwrite allowed it, and the user
 * should see which file went). */
static long long replaced_size(const args_t *a, const char *image)
{
    char *dst = NULL;
    struct stat st;
    long long n = -1;
    if (a->overwrite && lr_repair_copy_path(image, a->output, &dst, NULL) == 0 &&
        lstat(dst, &st) == 0)
        n = (long long)st.st_size;
    free(dst);
    return n;
}

/* Copies every image into --output and points the plan at the copies;
 * *made counts the copies made (also on failure). */
static int make_copies(const args_t *a, lr_repair_plan_t *p, size_t *made, lr_error_t *err)
{
    for (size_t i = 0; i < p->n_images; i++, (*made)++) {
        char *dst = NULL;
        uint64_t data = 0;
        long long was = replaced_size(a, a->images[i]);
        /* the plan already names the copy (point_at_copies): copy from the
         * original the user gave */
        int rc = lr_repair_copy_image(a->images[i], a->output, a->overwrite, a->snapshot, &dst,
                                      &data, err);
        if (!rc)
            rc = lr_repair_plan_set_image_path(p, i, dst, err);
        if (!rc && was >= 0)
            fprintf(stderr,
                    "%s: copied %s to %s (%" PRIu64 " bytes of data), replacing the file of %lld "
                    "bytes there (--overwrite)\n",
                    cli_prog, cli_tty(a->images[i]), cli_tty(dst), data, was);
        else if (!rc)
            fprintf(stderr, "%s: copied %s to %s (%" PRIu64 " bytes of data)\n", cli_prog,
                    cli_tty(a->images[i]), cli_tty(dst), data);
        free(dst);
        if (rc)
            return rc;
    }
    return 0;
}

/* A run that stopped before its first write (a copy that did not fit, the
 * undo file not created, a refusal) removes the copies it made: they hold
 * nothing of the restore, and leaving a partial set would make the next
 * run refuse them as existing. Copies a run wrote into stay: the undo file
 * names them. */
static void remove_copies(const args_t *a, const lr_repair_plan_t *p, size_t made)
{
    size_t removed = 0;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_repair_remove_copies(p, made, &removed, &err) != 0)
        cli_say_error(&err);
    if (removed == 1)
        fprintf(stderr, "%s: removed the copy made in %s: nothing was written to it\n", cli_prog,
                cli_tty(a->output));
    else if (removed)
        fprintf(stderr, "%s: removed the %zu copies made in %s: nothing was written to them\n",
                cli_prog, removed, cli_tty(a->output));
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
                cli_prog, cli_tty(a->undo));
        return EXIT_REFUSED;
    }
    lr_error_t err;
    lr_error_clear(&err);
    int rc = a->output ? lr_repair_check_copies((const char *const *)a->images, (size_t)a->n_images,
                                                a->output, a->overwrite, &err)
                       : 0;
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}

/* Shows the plan (or says why there is none). A run that would write in
 * place an image that cannot be written (gzip, containers), not into
 * copies, is refused before the plan is shown: a list of writes to that
 * image would read as what is about to happen, its offsets as the file's.
 * (A dry run shows the plan, then says it needs copies: dry_run_writable.) */
static int show_plan(const args_t *a, int rc, const lr_repair_plan_t *p, lr_error_t *err)
{
    char *text = NULL;
    if (!rc && !a->output && !a->dry_run)
        rc = lr_repair_plan_writable(p, err);
    if (!rc)
        rc = lr_repair_plan_render(p, &text, err);
    if (!rc) {
        lr_tty_fputs(text, stdout);
        fflush(stdout);
    }
    free(text);
    return rc ? cli_fail(rc, err) : EXIT_OK;
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

/* After a refusal for missing PVs: an image given that holds no PV label
 * and no metadata area may be one of them whose start was lost (zeroed,
 * overwritten); the export writes the pvcreate command LVM2 needs to put
 * its label back (lr/export.h). */
static void say_unlabelled(const scanned_t *s, int rc, const lr_error_t *err, uint64_t seqno)
{
    if (rc != LR_EREFUSED || !(err->hints & LR_HINT_MISSING_PVS))
        return;
    const lr_scan_t *scan = s->scan;
    for (size_t i = 0; i < scan->n_images; i++) {
        bool any = !scan->images[i].opened || scan->images[i].error;
        for (size_t k = 0; !any && k < scan->n_labels; k++)
            any = scan->labels[k].image == (int)i;
        for (size_t k = 0; !any && k < scan->n_areas; k++)
            any = scan->areas[k].image == (int)i;
        if (any)
            continue;
        fprintf(stderr,
                "%s: %s holds no PV label or metadata area: if it is a missing PV whose start "
                "was lost, %s --export seqno=%" PRIu64
                " names the pvcreate --uuid ... --restorefile command that puts its label back "
                "(then vgcfgrestore)\n",
                cli_prog, cli_tty(scan->images[i].path), cli_prog, seqno);
    }
}

/* Plans bringing back --restore-lv's LVs from --from's version, naming
 * the command in the new copy's description as LVM2 does. */
static int plan_lv(const args_t *a, const scanned_t *s, lr_repair_plan_t **p)
{
    int g = -1, ver = -1;
    int ex = cli_choose(s, a->vg, true, &a->v, "seqno=N:crc=0xCRC", &g, &ver);
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
    int shown = show_plan(a, rc, *p, &err);
    say_unlabelled(s, rc, &err, a->v.seqno);
    return shown;
}

/* Plans the restore of the chosen version, naming the command in the new
 * copy's description as LVM2 does. */
static int plan(const args_t *a, const scanned_t *s, lr_repair_plan_t **p)
{
    if (a->mode == MODE_RESTORE_LV)
        return plan_lv(a, s, p);
    int g = -1, ver = -1;
    int ex = cli_choose(s, a->vg, true, &a->v, "--crc 0xCRC", &g, &ver);
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
    int shown = show_plan(a, rc, *p, &err);
    say_unlabelled(s, rc, &err, a->v.seqno);
    return shown;
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
    return cli_fail(LR_EREFUSED, &err);
}

/* The user confirms, after the thin pools' check. */
static int may_write(const args_t *a, const lr_repair_plan_t *p)
{
    int ex = thin_refusal(a, p);
    return ex != EXIT_OK ? ex : cli_ask("Write these changes?", a->yes);
}

/* Makes the --output copies, names the undo file and executes the plan. */
static int write_plan(const args_t *a, lr_repair_plan_t *p)
{
    lr_error_t err;
    lr_error_clear(&err);
    char *undo = NULL;
    const char *const *images = (const char *const *)a->images;
    int rc = a->undo && !(undo = strdup(a->undo)) ? lr_error_oom(&err) : 0;
    int ex = rc ? cli_fail(rc, &err) : cli_check_targets(a, undo, images, (size_t)a->n_images);
    size_t made = 0;
    if (ex == EXIT_OK && a->output && (rc = make_copies(a, p, &made, &err)) != 0)
        ex = cli_fail(rc, &err);
    /* The default undo file goes next to the first image written: a copy
     * when there are copies, so it is named only now, and checked too. */
    if (ex == EXIT_OK && !undo) {
        rc = lr_repair_plan_undo_path(p, 0, &undo, &err);
        ex = rc ? cli_fail(rc, &err) : cli_check_targets(a, undo, images, (size_t)a->n_images);
    }
    if (ex == EXIT_OK)
        ex = execute(a, p, undo, &err);
    if (ex != EXIT_OK)
        remove_copies(a, p, made);
    free(undo);
    return ex;
}

/* ---- evidence: what the restored LVs hold now (lr/evidence.h) ---------------------- */

static void say_ranges(const lr_ev_reuse_t *r)
{
    cli_ev_ranges(stdout, r);
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

static void say_warning(FILE *f, const lr_ev_warning_t *w, uint64_t seqno)
{
    char a[32], b[32];
    switch (w->kind) {
    case LR_EV_WARN_REUSED:
        fprintf(f, "WARNING: LV %s: extents ", w->lv);
        cli_ev_ranges(f, w->reuse);
        fprintf(f,
                " were reused by %s/%s (seqno %" PRIu64 "), whose %s now sits there: restored, %s ",
                w->reuse->vg, w->reuse->lv, w->reuse->seqno, w->reuse->taker_content, w->lv);
        /* the other LV's data starts where it started inside this one */
        if (w->reuse->taker_lv_extent)
            fprintf(f, "holds another LV's data from its extent %" PRIu64,
                    w->reuse->taker_lv_extent);
        else
            fprintf(f, "starts with another LV's data");
        fprintf(f, ", and writing to either destroys the other\n");
        return;
    case LR_EV_WARN_EMPTY:
        fprintf(f,
                "WARNING: seqno %" PRIu64 " has no LVs, but seqno %" PRIu64
                " had some: restoring it leaves the VG empty\n",
                seqno, w->seqno);
        return;
    case LR_EV_WARN_FS_LARGER:
        fprintf(f,
                "WARNING: LV %s: its %s filesystem spans %s, more than the LV's %s in this "
                "version: restoring it truncates the filesystem\n",
                w->lv, w->fs_type, lr_fmt_size(w->fs_size, 0, a, sizeof(a)),
                lr_fmt_size(w->lv_size, 0, b, sizeof(b)));
        return;
    case LR_EV_WARN_REMAPPED: {
        const lr_ev_remap_t *r = w->remap;
        fprintf(f,
                "WARNING: LV %s: its extents %" PRIu64 "-%" PRIu64
                " map elsewhere since seqno %" PRIu64 " (reduced at seqno %" PRIu64
                ", extended onto %s:%" PRIu64 "-%" PRIu64 ")",
                w->lv, r->first, r->last, r->extended_seqno, r->reduced_seqno, r->pv, r->pe,
                r->pe + (r->last - r->first));
        fprintf(
            f,
            ", but its %s filesystem spans %s, into them: data written there before seqno %" PRIu64
            " is not there, the filesystem is not whole\n",
            w->fs_type, lr_fmt_size(w->fs_size, 0, a, sizeof(a)), r->extended_seqno);
        return;
    }
    case LR_EV_WARN_MOVED: {
        const lr_ev_move_t *m = w->move;
        uint64_t n = m->last - m->first;
        fprintf(f,
                "WARNING: LV %s's extents %" PRIu64 "-%" PRIu64 " were moved at seqno %" PRIu64
                " (now %s:%" PRIu64 "-%" PRIu64 "): restoring seqno %" PRIu64
                " points them back at %s:%" PRIu64 "-%" PRIu64
                ", the stale copy the move left; data written since is not there\n",
                w->lv, m->first, m->last, m->seqno, m->pv, m->pe, m->pe + n, seqno, m->was_pv,
                m->was_pe, m->was_pe + n);
        return;
    }
    }
}

void cli_version_warnings(const scanned_t *s, int vg, int ver)
{
    lr_evidence_t *ev = NULL;
    lr_ev_warning_t *w = NULL;
    size_t n = 0;
    lr_error_t err;
    lr_error_clear(&err);
    if (vg < 0 || ver < 0 || lr_evidence_build(s->session, NULL, &ev, &err) != 0 ||
        lr_evidence_warnings(ev, (size_t)vg, (size_t)ver, &w, &n, &err) != 0) {
        char m[512];
        fprintf(stderr, "%s: what the version's LVs hold now is not known: %s\n", cli_prog,
                lr_error_format(&err, m, sizeof(m)));
        lr_evidence_free(ev);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "%s: ", cli_prog);
        say_warning(stderr, &w[i], ev->vgs[vg].versions[ver].seqno);
    }
    free(w);
    lr_evidence_free(ev);
}

/* A version only LVM2's backup/archive files inside the images hold (a
 * file given whole is read whole): its text was read on
 * from a file's first block as if the file's blocks were contiguous, and a
 * deleted file's may since be another's (docs/limits.md). Said, not
 * counted as a warning: such versions are restorable like any other. */
static void say_files_only(const scanned_t *s, const lr_repair_plan_t *p)
{
    if (p->vg < 0 || p->version < 0)
        return;
    const lr_scan_version_t *v = &s->scan->vgs[p->vg].versions[p->version];
    if (lr_scan_version_from_blocks(s->scan, (size_t)p->vg, (size_t)p->version))
        printf("\nNote: seqno %" PRIu64 " is known only from LVM2 backup/archive files found in "
               "the images; a file's text is read on from its first block or to a length no "
               "filesystem record vouches for, and a deleted file's later blocks may since hold "
               "another file's: check its LVs above before you confirm\n",
               v->seqno);
    /* a log not replayed (one that cannot be): its inodes may be older than it */
    if (lr_scan_version_log_pending(s->scan, (size_t)p->vg, (size_t)p->version))
        printf("\nNote: seqno %" PRIu64 " is known only from LVM2 backup/archive files read "
               "through a filesystem whose log was not replayed and may hold newer changes (not "
               "unmounted cleanly, or not known to be); a file removed or rewritten in its last "
               "seconds may read as it was: check its LVs above before you confirm\n",
               v->seqno);
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
        if (v->lvs[i].visible && lr_repair_plan_brings_lv(p, v->lvs[i].name))
            say_lv_evidence(&v->lvs[i]);
    lr_ev_warning_t *w = NULL;
    size_t n = 0;
    if (lr_evidence_warnings(ev, (size_t)p->vg, (size_t)p->version, &w, &n, &err) == 0)
        for (size_t i = 0; i < n; i++) {
            /* --restore-lv: the LVs not brought back stay as they are */
            if (!lr_repair_plan_warning_applies(p, &w[i]))
                continue;
            if (!(*n_warn)++)
                putchar('\n');
            say_warning(stdout, &w[i], v->seqno);
        }
    free(w);
    lr_evidence_free(ev);
    say_files_only(s, p);
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

/* A dry run says so when the real run would be refused for writing in
 * place an image that cannot be written (gzip, containers). */
static void dry_run_writable(const args_t *a, const lr_repair_plan_t *p)
{
    lr_error_t err;
    lr_error_clear(&err);
    if (a->output || lr_repair_plan_writable(p, &err) == 0)
        return;
    char m[512];
    printf("Writing it needs repaired copies (--output DIR): %s.\n",
           lr_error_format(&err, m, sizeof(m)));
}

/* The version to write was read only from bytes its images cannot vouch
 * for (lr_scan_version_unsure): a warning. Returns 1 when said. */
static size_t say_unsure_text(const scanned_t *s, const lr_repair_plan_t *p)
{
    if (p->vg < 0 || p->version < 0 ||
        !lr_scan_version_unsure(s->scan, (size_t)p->vg, (size_t)p->version))
        return 0;
    const lr_scan_version_t *v = &s->scan->vgs[p->vg].versions[p->version];
    printf("\nWARNING: every copy of seqno %" PRIu64 " was read from bytes its image decoded "
           "but cannot vouch for (see the image's error): its text may not be what LVM2 "
           "wrote\n",
           v->seqno);
    return 1;
}

static int restore_scanned(const args_t *a, scanned_t *s)
{
    lr_repair_plan_t *p = NULL;
    int ex = plan(a, s, &p);
    size_t n_warn = 0;
    if (ex == EXIT_OK) {
        show_evidence(s, p, &n_warn);
        n_warn += say_damaged(s->scan, s->ios, true);
        n_warn += say_unsure_text(s, p);
        fflush(stdout);
    }
    if (ex == EXIT_OK)
        ex = check_warnings(a, n_warn);
    if (ex == EXIT_OK && a->dry_run) {
        printf("\nDry run: nothing written.\n");
        dry_run_writable(a, p);
        cli_log_append(a, NULL, "dry run: plan shown, nothing written\n");
    } else if (ex == EXIT_OK)
        ex = may_write(a, p);
    /* The scan's read-only handles are closed before writing. */
    scanned_free(s);
    if (ex == EXIT_OK && !a->dry_run)
        ex = write_plan(a, p);
    lr_repair_plan_free(p);
    return ex;
}

/* Scans the images and runs a mode on the scan. */
static int with_scan(const args_t *a, int (*mode)(const args_t *a, scanned_t *s))
{
    lr_error_t err;
    lr_error_clear(&err);
    scanned_t s;
    int rc = scan_images(a, &s, &err);
    int ex = rc ? cli_fail(rc, &err) : mode(a, &s);
    if (s.cut_refused)
        fprintf(stderr,
                "%s: a restore writes a whole copy of every image and this one decompresses only "
                "in part; --diff, --export and --extract read the part that does\n",
                cli_prog);
    if (s.unsure_refused)
        fprintf(stderr,
                "%s: a restore writes a whole copy of every image, and some bytes of this one "
                "are not known to be right; --diff, --export and --extract read it and say "
                "where they meet such bytes\n",
                cli_prog);
    /* an image that does not open (not found, a format refused by name:
     * an encrypted qcow2, a chain's missing backing file; scan_images
     * stopped before counting it) is bad input, as lvmscan exits for it,
     * whatever the reason's code */
    if (rc && s.n < (size_t)a->n_images && rc != -ENOMEM)
        ex = EXIT_USAGE;
    scanned_free(&s);
    return ex;
}

int main(int argc, char **argv)
{
    args_t a;
    lr_mem_tune(); /* before the reader threads: see lr/mem.h */
    if (!cli_parse_args(&a, argc, argv))
        return a.status;
    int ex = a.mode == MODE_APPLY_UNDO
                 ? EXIT_OK
                 : cli_check_targets(&a, a.undo, (const char *const *)a.images, (size_t)a.n_images);
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
        return cli_apply_undo(&a);
    case MODE_DIFF:
        return with_scan(&a, cli_diff);
    case MODE_EXPORT:
        return with_scan(&a, cli_export);
    case MODE_EXTRACT:
        return with_scan(&a, cli_extract);
    default:
        return EXIT_USAGE;
    }
}
