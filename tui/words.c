/* lvmtui's words that name command lines: the lvmrepair commands it tells
 * the user to run, and how it words what would let a refusing engine go on
 * (LR_HINT_*). Like lvmtui.c this is the program's own text, kept out of
 * the view model (src/), where no file names a command-line option (the
 * engine-flags test checks that). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/btrfs.h"
#include "lr/fmt.h"
#include "model_int.h"
#include "words.h"

/* Appends s quoted for a POSIX shell when it needs it. */
static void shell_word(lr_strbuf_t *b, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-",
                       *p) != NULL;
    if (plain) {
        lr_strbuf_puts(b, s);
        return;
    }
    lr_strbuf_puts(b, "'");
    for (const char *p = s; *p; p++)
        lr_strbuf_puts(b, *p == '\'' ? "'\\''" : (char[]){*p, '\0'});
    lr_strbuf_puts(b, "'");
}

/* Adds the lvmrepair command that writes the same restore into copies of
 * the images in a directory DIR, originals untouched: the VG by UUID and
 * the version by checksum, as this review planned it, and the images
 * lvmtui was given (and the snapshot of them it reads). One argument group per line, ended by '\\',
 * so that it can be copied from the screen as it is. */
int tui_words_output_command(const lr_tui_t *m, tui_view_t *v)
{
    const lr_repair_plan_t *p = m->plan;
    int rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false,
                          "  lvmrepair --restore seqno=%" PRIu64 " --crc 0x%08x --output DIR \\",
                          p->seqno, p->crc);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "    --vg ");
    shell_word(&b, p->vg_id[0] ? p->vg_id : p->vg_name);
    if (m->snapshot) { /* the state scanned, not the image's current one */
        lr_strbuf_puts(&b, " --snapshot ");
        shell_word(&b, m->snapshot);
    }
    if (m->all_zstd) /* the version may be one only this finds */
        lr_strbuf_puts(&b, " --all-zstd");
    for (size_t i = 0; i < m->n_paths; i++) {
        lr_strbuf_puts(&b, " \\");
        char *line = lr_strbuf_take(&b, NULL);
        if (!rc)
            rc = line ? tui_view_add(v, LR_TUI_A_HEADER, -1, false, "%s", line) : -ENOMEM;
        free(line);
        lr_strbuf_puts(&b, m->paths[i][0] == '-' ? "    ./" : "    "); /* not an option */
        shell_word(&b, m->paths[i]);
    }
    char *line = lr_strbuf_take(&b, NULL);
    if (!rc)
        rc = line ? tui_view_add(v, LR_TUI_A_HEADER, -1, false, "%s", line) : -ENOMEM;
    free(line);
    return rc;
}

int tui_words_undo_command(tui_view_t *v, const char *undo_path)
{
    return tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                        "To put the old bytes back: lvmrepair --apply-undo %s", undo_path);
}

/* lvmtui has no option that overrides a refusal: it says which lvmrepair
 * option would, so the user can decide outside the browser. */
int tui_words_hints(tui_view_t *v, unsigned hints)
{
    static const struct {
        unsigned bit;
        const char *words;
    } words[] = {
        {LR_HINT_MISSING_PVS, "Start lvmtui with every image of the VG."},
        {LR_HINT_USE_COPY, "lvmrepair --output DIR writes repaired copies instead."},
        {LR_HINT_FORCE, "lvmtui does not override this; lvmrepair --force does, at your risk."},
        {LR_HINT_OVERWRITE, "Type yes when asked to overwrite it."},
        {LR_HINT_NEW_NAME, "Choose another name: b asks for one, B takes NAME as NEWNAME."},
        {LR_HINT_CHOOSE_VG | LR_HINT_CHOOSE_CRC, "Pick the version in the history."},
    };
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof(words) / sizeof(words[0]); i++)
        if (hints & words[i].bit)
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", words[i].words);
    return rc;
}

/* A warning about image img under the list, and pinned (pin may be NULL). */
static int add_warning(tui_view_t *v, tui_view_t *pin, const char *img, const char *note)
{
    int rc = tui_view_add(v, LR_TUI_A_WARN, -1, false, "WARNING: %s: %s", img, note);
    if (!rc && pin)
        rc = tui_view_add(pin, LR_TUI_A_WARN, -1, false, "- WARNING: %s: %s", img, note);
    return rc;
}

/* A line each for the btrfs data the scan did not look into in the image
 * (lr_scan_image_t.btrfs_unread, btrfs_zstd_large). Without libzstd any
 * zstd frame at a sector start is counted: not said to be btrfs's. */
static int unread_notes(tui_view_t *v, tui_view_t *pin, const lr_scan_image_t *im)
{
    char note[256];
    int rc = 0;
    if (im->btrfs_unread[LR_BTRFS_LZO]) {
        snprintf(note, sizeof(note),
                 "%zu backup files btrfs compressed with lzo not read: built without liblzo2",
                 im->btrfs_unread[LR_BTRFS_LZO]);
        rc = add_warning(v, pin, tui_base(im->path), note);
    }
    if (!rc && im->btrfs_unread[LR_BTRFS_ZSTD]) {
        snprintf(note, sizeof(note),
                 "%zu files or frames compressed with zstd not read: built without libzstd",
                 im->btrfs_unread[LR_BTRFS_ZSTD]);
        rc = add_warning(v, pin, tui_base(im->path), note);
    }
    if (!rc && im->btrfs_zstd_large) {
        snprintf(note, sizeof(note),
                 "%zu zstd frames of 16 to 128 KiB not looked into: a backup file over 16 KiB "
                 "in one would not be found (--all-zstd decodes them)",
                 im->btrfs_zstd_large);
        rc = add_warning(v, pin, tui_base(im->path), note);
    }
    return rc;
}

int tui_words_image_notes(tui_view_t *v, tui_view_t *pin, const lr_scan_t *s)
{
    int rc = 0;
    for (size_t i = 0; !rc && s && i < s->n_images; i++) {
        const char *img = tui_base(s->images[i].path);
        for (size_t j = 0; !rc && j < s->images[i].n_warnings; j++)
            rc = add_warning(v, pin, img, s->images[i].warnings[j]);
        if (!rc)
            rc = unread_notes(v, pin, &s->images[i]);
    }
    return rc;
}

/* Adds line to v, and to pin (as "- line") when it is not NULL. */
static int words_pinned(tui_view_t *v, tui_view_t *pin, const char *line)
{
    int rc = tui_view_add(v, LR_TUI_A_WARN, -1, false, "%s", line);
    if (!rc && pin)
        rc = tui_view_add(pin, LR_TUI_A_WARN, -1, false, "- %s", line);
    return rc;
}

int tui_words_files_only(tui_view_t *v, tui_view_t *pin, const lr_scan_t *s, int vg, int version)
{
    if (!s || vg < 0 || version < 0)
        return 0;
    static const char blocks[] =
        "NOTE: this version is known only from LVM2 backup/archive files found in the images, "
        "whose lengths no filesystem record vouches for: a deleted file's later blocks may since "
        "hold another file's, so check its LVs before restoring it";
    static const char pending[] =
        "NOTE: this version is known only from files read through a filesystem whose log was not "
        "replayed and may hold newer changes: a file removed or rewritten in its last seconds "
        "may read as it was, so check its LVs before restoring it";
    int rc = 0;
    if (lr_scan_version_from_blocks(s, (size_t)vg, (size_t)version))
        rc = words_pinned(v, pin, blocks);
    if (!rc && lr_scan_version_log_pending(s, (size_t)vg, (size_t)version))
        rc = words_pinned(v, pin, pending);
    return rc;
}

/* lvmrepair words the same warnings for a terminal's scrollback; lvmtui's
 * are shorter, to stay readable pinned above the confirmation prompt. */
void tui_words_warning(lr_strbuf_t *b, const lr_ev_warning_t *w, uint64_t seqno)
{
    char a[32], c[32];
    switch (w->kind) {
    case LR_EV_WARN_REUSED:
        lr_strbuf_printf(b, "WARNING: LV %s: extents ", w->lv);
        tui_put_ranges(b, w->reuse);
        lr_strbuf_printf(b, " now hold %s/%s's %s (seqno %" PRIu64 "): restored, %s ", w->reuse->vg,
                         w->reuse->lv, w->reuse->taker_content, w->reuse->seqno, w->lv);
        /* the other LV's data starts where it started inside this one */
        if (w->reuse->taker_lv_extent)
            lr_strbuf_printf(b, "holds that data from its extent %" PRIu64,
                             w->reuse->taker_lv_extent);
        else
            lr_strbuf_puts(b, "starts with that data");
        lr_strbuf_puts(b, ", and writing to either LV destroys the other");
        return;
    case LR_EV_WARN_EMPTY:
        lr_strbuf_printf(b,
                         "WARNING: seqno %" PRIu64 " has no LVs (seqno %" PRIu64
                         " had some): the VG would be left empty",
                         seqno, w->seqno);
        return;
    case LR_EV_WARN_FS_LARGER:
        lr_strbuf_printf(b,
                         "WARNING: LV %s is %s in this version, but its %s filesystem spans %s: "
                         "restoring it truncates the filesystem",
                         w->lv, lr_fmt_size(w->lv_size, 0, c, sizeof(c)), w->fs_type,
                         lr_fmt_size(w->fs_size, 0, a, sizeof(a)));
        return;
    case LR_EV_WARN_REMAPPED:
        lr_strbuf_printf(b,
                         "WARNING: LV %s: extents %" PRIu64 "-%" PRIu64
                         " map elsewhere since seqno %" PRIu64 ", but its %s filesystem spans %s, "
                         "into them: it is not whole",
                         w->lv, w->remap->first, w->remap->last, w->remap->extended_seqno,
                         w->fs_type, lr_fmt_size(w->fs_size, 0, a, sizeof(a)));
        return;
    case LR_EV_WARN_MOVED: {
        const lr_ev_move_t *m = w->move;
        uint64_t n = m->last - m->first;
        lr_strbuf_printf(b,
                         "WARNING: LV %s: extents %" PRIu64 "-%" PRIu64
                         " were moved at seqno %" PRIu64 " (now %s:%" PRIu64 "-%" PRIu64
                         "): restored, they point at %s:%" PRIu64 "-%" PRIu64
                         ", the stale copy the move left",
                         w->lv, m->first, m->last, m->seqno, m->pv, m->pe, m->pe + n, m->was_pv,
                         m->was_pe, m->was_pe + n);
        return;
    }
    }
}
