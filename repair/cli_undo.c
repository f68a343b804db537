/* lvmrepair --apply-undo: what the undo file would put back, checked
 * read-only first (lr_undo_review), then the original bytes written back
 * (lr_undo_apply_paths). Program text: the engine decides, this words. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/undo.h"

#include "cli.h"

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
    printf("Undo file %s, made %s: ", cli_tty(a->mode_arg),
           cli_local_time(f->created, when, sizeof(when)));
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
        printf("  image %zu: %s (%" PRIu64 " bytes)%s\n", i, cli_tty(undo_image_path(a, f, i)),
               f->images[i].size,
               r->same_file[i] ? ""
                               : " - not the same file as recorded; its bytes are checked instead");
    for (size_t i = 0; r->verdicts && i < f->n_ranges; i++) {
        const lr_undo_range_t *x = &f->ranges[i];
        printf("  %zu. image %u bytes %" PRIu64 "..%" PRIu64 ": %s\n", i + 1, x->image, x->offset,
               x->offset + x->length - 1, verdict_words(f, r->verdicts[i]));
    }
}

/* A refusal over changed ranges, in plain words: those bytes were written
 * after the run (or, for an interrupted run, may have been), and forcing
 * puts the original bytes back over that later write too. */
static void say_changed(const lr_undo_file_t *f, const lr_undo_review_t *r)
{
    size_t n = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; r->verdicts && i < f->n_ranges; i++)
        if (r->verdicts[i] == LR_UNDO_CHANGED) {
            n++;
            bytes += f->ranges[i].length;
        }
    if (!n)
        return;
    fprintf(stderr, "%s: range(s)", cli_prog);
    for (size_t i = 0, k = 0; i < f->n_ranges; i++)
        if (r->verdicts[i] == LR_UNDO_CHANGED)
            fprintf(stderr, "%s %zu", k++ ? "," : "", i + 1);
    fprintf(stderr,
            " above (%zu range(s), %" PRIu64 " bytes) %s. --force would write the original "
            "bytes over them and so ALSO undo that later write (e.g. a new metadata version "
            "LVM2 committed since), not only the run.\n",
            n, bytes,
            f->finished ? "were written again after the run"
                        : "may have been written after the run");
}

/* An image the undo file names is not where it says (moved, or an undo
 * file of before 2026-12-07, which names images as the run was given them,
 * relative to where it ran): the images can be named on the command line. */
static void say_name_images(const args_t *a, const lr_undo_file_t *f)
{
    if (a->n_images)
        return;
    fprintf(stderr,
            "%s: give the images on the command line, in the order the undo file lists "
            "them:\n  %s --apply-undo %s",
            cli_prog, cli_prog, cli_tty(a->mode_arg));
    for (size_t i = 0; i < f->n_images; i++)
        fprintf(stderr, " IMAGE%zu", i + 1);
    fprintf(stderr, "\n  (");
    for (size_t i = 0; i < f->n_images; i++)
        fprintf(stderr, "%sIMAGE%zu: %s", i ? ", " : "", i + 1, cli_tty(f->images[i].path));
    fprintf(stderr, ")\n");
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
    bool changed = rc == LR_EREFUSED && r && !r->complete;
    if (changed && a->force) {
        lr_undo_review_free(r);
        printf("Forced: changed ranges are overwritten with the original bytes too, undoing "
               "whatever later write changed them.\n");
        return EXIT_OK;
    }
    fflush(stdout); /* the list above, before the refusal (stderr) below it */
    int ex = rc ? cli_fail(rc, err) : EXIT_OK;
    if (rc == -ENOENT)
        say_name_images(a, f);
    if (changed)
        say_changed(f, r);
    lr_undo_review_free(r);
    return ex;
}

/* Writes the original bytes back and logs it. */
static int apply_undo(const args_t *a, const lr_undo_file_t *f, lr_error_t *err)
{
    size_t n = 0;
    int rc = lr_undo_apply_paths(f, undo_paths(a), a->force, &n, err);
    char body[256];
    snprintf(body, sizeof(body), "apply-undo %s: %s, %zu range(s) written\n", a->mode_arg,
             rc ? "FAILED" : "original bytes restored and verified", n);
    cli_log_append(a, NULL, body);
    if (rc) {
        int ex = cli_fail(rc, err);
        if (rc == -ENOENT)
            say_name_images(a, f);
        return ex;
    }
    printf("Put back %zu range(s); every range now holds its original bytes (verified).\n", n);
    return EXIT_OK;
}

int cli_apply_undo(const args_t *a)
{
    lr_error_t err;
    lr_error_clear(&err);
    lr_undo_file_t *f = NULL;
    int rc = lr_undo_read(a->mode_arg, &f, &err);
    if (rc)
        return cli_fail(rc, &err);
    int ex = EXIT_OK;
    const char **images = calloc(f->n_images + 1, sizeof(*images));
    for (size_t i = 0; images && i < f->n_images && (!a->n_images || i < (size_t)a->n_images); i++)
        images[i] = undo_image_path(a, f, i);
    if (!images)
        ex = cli_fail(lr_error_oom(&err), &err);
    else
        ex = cli_check_targets(a, a->mode_arg, images, f->n_images);
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
        ex = cli_ask("Put the original bytes back?", a->yes);
    if (ex == EXIT_OK && !a->dry_run)
        ex = apply_undo(a, f, &err);
    lr_undo_file_free(f);
    return ex;
}
