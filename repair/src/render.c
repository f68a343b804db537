/* Plan text for people (the plan shown before asking) and for logs, and
 * the default undo file name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lr/fmt.h"
#include "plan_int.h"
#include "repair_int.h"

/* Times in the plan: local, with the zone offset. */
static const char *when(int64_t t, char *buf, size_t len)
{
    return lr_fmt_time(t, LR_FMT_TIME_LOCAL | LR_FMT_TIME_ZONE, "unknown time", buf, len);
}

/* Sizes in the plan: "4.00 MiB". */
static const char *size(uint64_t bytes, char *buf, size_t len)
{
    return lr_fmt_size(bytes, LR_FMT_SIZE_2DP, buf, len);
}

static const char *what_name(lr_repair_what_t w)
{
    switch (w) {
    case LR_REPAIR_TEXT:
        return "metadata text";
    case LR_REPAIR_MDA_HEADER:
        return "mda header";
    case LR_REPAIR_LABEL:
        return "label";
    }
    return "?";
}

/* The heading: the version restored, or the LVs brought back from it. */
static void render_heading(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    if (!p->n_lvs) {
        lr_strbuf_printf(b, "Restore VG %s (UUID %s) to its version seqno %llu\n", p->vg_name,
                         p->vg_id, (unsigned long long)p->seqno);
        return;
    }
    lr_strbuf_printf(b, "Bring back LV%s", p->n_lvs > 1 ? "s" : "");
    for (size_t i = 0, k = 0; i < p->n_lvs; i++)
        if (p->lvs[i].named)
            lr_strbuf_printf(b, "%s %s", k++ ? "," : "", p->lvs[i].old_name);
    lr_strbuf_printf(b, " of VG %s (UUID %s) from its version seqno %llu\n", p->vg_name, p->vg_id,
                     (unsigned long long)p->seqno);
}

/* Why no header points at the highest seqno: only what the scan's evidence
 * says (the VG status), never a guess presented as fact. */
static void render_uncommitted(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    unsigned long long m = (unsigned long long)p->max_seqno;
    if (p->max_seqno_abandoned)
        lr_strbuf_printf(b,
                         "            (seqno %llu was abandoned: a lower seqno is committed "
                         "over it, as a vgcfgrestore writes the restored version as its old "
                         "seqno + 1; the new copy goes above it anyway)\n",
                         m);
    else if (p->max_seqno_interrupted)
        lr_strbuf_printf(b,
                         "            (seqno %llu was written but not committed: its text is "
                         "in the ring right after the committed version and no header points "
                         "at it, as when a run stops between the text and the header write; "
                         "the new copy goes above it anyway)\n",
                         m);
    else
        lr_strbuf_printf(b,
                         "            (no intact metadata area header points at a copy of "
                         "seqno %llu; the scan cannot tell why: damaged or lost headers, or "
                         "only damaged copies carry it; the new copy goes above it anyway)\n",
                         m);
}

static void render_version(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    char t[64];
    render_heading(p, b);
    lr_strbuf_printf(b, "  %s seqno %llu, crc 0x%08x, written %s\n",
                     p->n_lvs ? "from:    " : "version: ", (unsigned long long)p->seqno, p->crc,
                     when(p->version_time, t, sizeof(t)));
    if (p->version_description)
        lr_strbuf_printf(b, "            \"%s\"\n", p->version_description);
    if (p->n_lvs)
        lr_strbuf_printf(b,
                         "  into:     the current version, seqno %llu, crc 0x%08x (every LV in "
                         "it stays as it is)\n",
                         (unsigned long long)p->base_seqno, p->base_crc);
    lr_strbuf_printf(
        b,
        "  new copy: seqno %llu (highest seqno of %s seen anywhere: %llu%s), %llu bytes, "
        "crc 0x%08x\n",
        (unsigned long long)p->new_seqno, p->vg_name, (unsigned long long)p->max_seqno,
        p->max_seqno_committed ? "" : ", not committed", (unsigned long long)p->text_size,
        p->text_crc);
    if (!p->max_seqno_committed)
        render_uncommitted(p, b);
    lr_strbuf_printf(b, "            description \"%s\", host %s, time %s\n", p->description,
                     p->host, when(p->time, t, sizeof(t)));
}

/* The LVs a plan bringing back single LVs adds, each with its segments'
 * extents. */
static void render_lvs(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    char s1[32];
    if (!p->n_lvs)
        return;
    lr_strbuf_printf(b, "\nLVs that come back (every key of their sections as in seqno %llu):\n",
                     (unsigned long long)p->seqno);
    for (size_t i = 0; i < p->n_lvs; i++) {
        const lr_repair_lv_t *lv = &p->lvs[i];
        lr_strbuf_printf(b, "  %s", lv->name);
        if (strcmp(lv->name, lv->old_name) != 0)
            lr_strbuf_printf(b, " (was %s)", lv->old_name);
        lr_strbuf_printf(b, ": %s, %s, %zu segment%s, UUID %s%s\n", size(lv->size, s1, sizeof(s1)),
                         lv->types, lv->n_segs, lv->n_segs == 1 ? "" : "s", lv->id,
                         strcmp(lv->id, lv->old_id) != 0 ? " (new)" : "");
        if (lv->why)
            lr_strbuf_printf(b, "      comes with it: %s%s\n", lv->why,
                             lv->visible ? "" : " (hidden)");
        for (size_t r = 0; r < lv->n_ranges; r++)
            lr_strbuf_printf(b, "      %s %s extents %llu..%llu (free in seqno %llu)\n",
                             lv->ranges[r].pv_key, lv->ranges[r].pv_id,
                             (unsigned long long)lv->ranges[r].start,
                             (unsigned long long)(lv->ranges[r].start + lv->ranges[r].count - 1),
                             (unsigned long long)p->base_seqno);
    }
}

/* Whether a diff change is one of the LV lines above (an LV that comes
 * back, goes away, is renamed or resized). */
static bool in_summary(const lr_repair_plan_t *p, const lr_diff_change_t *c)
{
    if (c->obj != LR_DIFF_LV || c->kind == LR_DIFF_MOVED || c->kind == LR_DIFF_RETYPED ||
        c->kind == LR_DIFF_CHANGED)
        return false;
    for (size_t i = 0; i < p->n_changes; i++) {
        const lr_repair_change_t *s = &p->changes[i];
        if (strcmp(s->name, c->name) == 0 || (s->old_name && strcmp(s->old_name, c->name) == 0))
            return true;
    }
    return false;
}

/* Every other difference, so a change the LV lines do not cover (a
 * setting, a tag, a hidden LV, a nested section) is never hidden behind
 * "no LV ... changes". */

/* Compared with the committed version LVM2 uses rather than the newest
 * one: after a vgcfgrestore or a write interrupted before its header
 * (lr_scan_vg_current). */
static bool against_current(const lr_repair_plan_t *p)
{
    return (p->max_seqno_abandoned || p->max_seqno_interrupted) && p->newest_committed && !p->n_lvs;
}

static void render_diff(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    const lr_diff_t *d = p->diff;
    size_t n = 0;
    for (size_t i = 0; d && i < d->n_changes; i++)
        n += !in_summary(p, &d->changes[i]);
    if (!n)
        return;
    lr_strbuf_printf(b, "  and %zu other difference%s (%s -> restored):\n", n, n == 1 ? "" : "s",
                     against_current(p) ? "current" : "newest");
    for (size_t i = 0; i < d->n_changes; i++)
        if (!in_summary(p, &d->changes[i]))
            lr_strbuf_printf(b, "    %s\n", d->changes[i].text);
}

static void render_changes(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    char s1[32], s2[32];
    if (!p->newest_seqno) {
        lr_strbuf_printf(b, "\nNo complete newest version to compare with.\n");
        return;
    }
    if (against_current(p))
        lr_strbuf_printf(b,
                         "\nWhat changes compared with the current version (seqno %llu, crc "
                         "0x%08x: committed, the one LVM2 uses; %s):\n",
                         (unsigned long long)p->newest_seqno, p->newest_crc,
                         p->max_seqno_abandoned ? "the seqnos above it were abandoned"
                                                : "the text above it was never committed");
    else
        lr_strbuf_printf(b, "\nWhat changes compared with the newest version (seqno %llu%s):\n",
                         (unsigned long long)p->newest_seqno,
                         p->newest_committed ? "" : ", not committed");
    if (!p->n_changes)
        lr_strbuf_printf(b, "  no LV comes back, goes away, is renamed or changes size\n");
    for (size_t i = 0; i < p->n_changes; i++) {
        const lr_repair_change_t *c = &p->changes[i];
        switch (c->kind) {
        case LR_REPAIR_LV_BACK:
            lr_strbuf_printf(b, "  LV %s comes back (%s)\n", c->name,
                             size(c->new_size, s1, sizeof(s1)));
            break;
        case LR_REPAIR_LV_GONE:
            lr_strbuf_printf(b, "  LV %s goes away (%s)\n", c->name,
                             size(c->old_size, s1, sizeof(s1)));
            break;
        case LR_REPAIR_LV_RENAMED:
            lr_strbuf_printf(b, "  LV %s is renamed back to %s\n", c->old_name, c->name);
            break;
        case LR_REPAIR_LV_RESIZED:
            lr_strbuf_printf(b, "  LV %s changes size: %s -> %s\n", c->name,
                             size(c->old_size, s1, sizeof(s1)), size(c->new_size, s2, sizeof(s2)));
            break;
        }
    }
    render_diff(p, b);
}

static void render_pvs(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    lr_strbuf_printf(b, "\nPVs of the version:\n");
    for (size_t i = 0; i < p->n_pvs; i++) {
        const lr_repair_pv_t *pv = &p->pvs[i];
        if (pv->missing) {
            lr_strbuf_printf(b, "  %s %s: NOT AMONG THE IMAGES (%s)\n", pv->key, pv->id,
                             pv->last_seen ? pv->last_seen : "");
            continue;
        }
        lr_strbuf_printf(b, "  %s %s: %s at byte %llu; label %s%s%s\n", pv->key, pv->id,
                         p->images[pv->image].path, (unsigned long long)pv->pv_start,
                         pv->rebuild_label ? "REBUILT (" : "kept",
                         pv->rebuild_label ? pv->label_why : "", pv->rebuild_label ? ")" : "");
        for (size_t a = pv->first_area; a < pv->first_area + pv->n_areas; a++) {
            const lr_repair_area_t *ar = &p->areas[a];
            lr_strbuf_printf(b, "    metadata area %d at byte %llu (%llu bytes): header %s%s%s\n",
                             ar->mda_index + 1, (unsigned long long)ar->offset,
                             (unsigned long long)ar->size,
                             ar->rebuild_header ? "REBUILT (" : "kept",
                             ar->rebuild_header ? ar->why : "", ar->rebuild_header ? ")" : "");
            lr_strbuf_printf(b, "      committed now: %s\n", ar->holds);
            lr_strbuf_printf(b, "      new copy at area offset %llu%s\n",
                             (unsigned long long)ar->after.locn[0].offset,
                             ar->wraps ? " (wraps round the end of the ring)" : "");
        }
    }
}

static uint64_t total_bytes(const lr_repair_plan_t *p)
{
    uint64_t n = 0;
    for (size_t i = 0; i < p->n_writes; i++)
        n += p->writes[i].length;
    return n;
}

static size_t images_written(const lr_repair_plan_t *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_images; i++)
        n += p->images[i].n_writes > 0;
    return n;
}

static void render_writes(const lr_repair_plan_t *p, lr_strbuf_t *b)
{
    lr_strbuf_printf(b, "\nWrites, in this order (%zu writes, %llu bytes, on %zu image(s)):\n",
                     p->n_writes, (unsigned long long)total_bytes(p), images_written(p));
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        lr_strbuf_printf(
            b, "  %zu. %s bytes %llu..%llu (%llu bytes): %s%s\n", i + 1, p->images[w->image].path,
            (unsigned long long)w->offset, (unsigned long long)(w->offset + w->length - 1),
            (unsigned long long)w->length, what_name(w->what), w->sync_after ? ", then sync" : "");
        lr_strbuf_printf(b, "       now:   %s\n", w->now);
        lr_strbuf_printf(b, "       after: %s\n", w->after);
        lr_strbuf_printf(b, "       crc 0x%08x -> 0x%08x\n", w->crc_before, w->crc_after);
    }
    lr_strbuf_printf(b, "No byte outside these ranges is written.\n");
}

int lr_repair_plan_render(const lr_repair_plan_t *p, char **text, lr_error_t *err)
{
    if (!p || !text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "render: invalid arguments");
    lr_strbuf_t b = LR_STRBUF_INIT;
    render_version(p, &b);
    render_lvs(p, &b);
    render_changes(p, &b);
    render_pvs(p, &b);
    render_writes(p, &b);
    if (p->n_notes)
        lr_strbuf_printf(&b, "\nNotes:\n");
    for (size_t i = 0; i < p->n_notes; i++)
        lr_strbuf_printf(&b, "  - %s\n", p->notes[i]);
    return rp_take_text(&b, text, err);
}

int lr_repair_plan_log(const lr_repair_plan_t *p, char **text, lr_error_t *err)
{
    if (!p || !text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "log: invalid arguments");
    lr_strbuf_t b = LR_STRBUF_INIT;
    if (p->n_lvs) {
        lr_strbuf_printf(&b, "restore LVs");
        for (size_t i = 0; i < p->n_lvs; i++)
            lr_strbuf_printf(&b, " %s%s%s", p->lvs[i].old_name,
                             strcmp(p->lvs[i].name, p->lvs[i].old_name) ? " as " : "",
                             strcmp(p->lvs[i].name, p->lvs[i].old_name) ? p->lvs[i].name : "");
        lr_strbuf_printf(&b, " into seqno %llu crc 0x%08x from:\n",
                         (unsigned long long)p->base_seqno, p->base_crc);
    }
    lr_strbuf_printf(&b,
                     "restore VG %s UUID %s seqno %llu crc 0x%08x as seqno %llu (text %llu "
                     "bytes, crc 0x%08x)\n",
                     p->vg_name, p->vg_id, (unsigned long long)p->seqno, p->crc,
                     (unsigned long long)p->new_seqno, (unsigned long long)p->text_size,
                     p->text_crc);
    for (size_t i = 0; i < p->n_writes; i++) {
        const lr_repair_write_t *w = &p->writes[i];
        lr_strbuf_printf(&b,
                         "write %zu: %s offset %llu length %llu %s crc_before 0x%08x "
                         "crc_after 0x%08x %s\n",
                         i + 1, p->images[w->image].path, (unsigned long long)w->offset,
                         (unsigned long long)w->length, what_name(w->what), w->crc_before,
                         w->crc_after, w->done ? "written" : "NOT WRITTEN");
    }
    lr_strbuf_printf(&b, "result: %s\n",
                     !p->executed  ? "not executed"
                     : p->verified ? "written and verified"
                                   : "FAILED (not verified)");
    return rp_take_text(&b, text, err);
}

int lr_repair_default_undo_path(const char *image, int64_t now, char **out, lr_error_t *err)
{
    if (!image || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo path: invalid arguments");
    *out = NULL;
    struct stat st;
    bool blk = stat(image, &st) == 0 && S_ISBLK(st.st_mode);
    const char *slash = strrchr(image, '/');
    const char *base = slash ? slash + 1 : image;
    /* Never next to a device node: /dev is not a place for files. */
    int dirlen = blk || !slash ? 1 : (int)(slash - image);
    const char *dir = blk || !slash ? "." : image;
    if (slash == image && !blk) {
        dir = ""; /* "/image": the root directory */
        dirlen = 0;
    }
    time_t t = now ? (time_t)now : time(NULL);
    struct tm tm;
    char stamp[32] = "";
    if (localtime_r(&t, &tm))
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    for (int n = 0; n < 1000; n++) {
        char *s = NULL;
        char suffix[16] = "";
        if (n)
            snprintf(suffix, sizeof(suffix), "-%d", n);
        if (asprintf(&s, "%.*s/%s.lvmrepair-undo-%s%s", dirlen, dir, base, stamp, suffix) < 0)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        if (lstat(s, &st) != 0) {
            *out = s;
            return 0;
        }
        free(s);
    }
    return lr_error_set(err, -EEXIST, LR_NO_OFFSET, "no free undo file name next to %s", image);
}

int lr_repair_plan_undo_path(const lr_repair_plan_t *p, int64_t now, char **out, lr_error_t *err)
{
    if (!p || !out || p->n_images == 0)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "undo path: invalid arguments");
    /* Next to the first image the plan writes to: the undo file belongs with
     * the bytes it keeps, and the first one is where a user looks for it. A
     * plan without writes keeps nothing; image 0, the one named first, is
     * as good as any. */
    size_t img = 0;
    while (img < p->n_images && !p->images[img].n_writes)
        img++;
    if (img == p->n_images)
        img = 0;
    return lr_repair_default_undo_path(p->images[img].path, now, out, err);
}
