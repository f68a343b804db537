/* lvmtui view model: the restore review (lvmrepair's plan, the "yes"
 * confirmation, the writes and their result), export, and the scan runs.
 * The plan, the refusals and every byte written are lrrepair's; this file
 * only shows them and asks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lr/export.h"
#include "model_int.h"
#include "words.h"

/* ---- scanning ------------------------------------------------------------- */

typedef struct scan_ctx {
    lr_tui_t *m;
    lr_tui_pump_fn pump;
    void *arg;
    struct timespec start;
} scan_ctx_t;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int scan_progress(void *arg, const lr_scan_progress_t *p)
{
    scan_ctx_t *x = arg;
    int stop = lr_tui_progress(x->m, p, seconds_since(&x->start));
    if (x->pump)
        x->pump(x->arg, x->m);
    /* keys read by the pump may have asked to stop */
    return stop || x->m->stop;
}

int tui_run_scan(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err)
{
    scan_ctx_t x = {.m = m, .pump = pump, .arg = arg};
    clock_gettime(CLOCK_MONOTONIC, &x.start);
    lr_scan_opts_t opts = {
        .progress = scan_progress,
        .progress_arg = &x,
        .progress_interval = m->progress_interval,
        .snapshot = m->snapshot,
        .flags = m->all_zstd ? LR_SCAN_ALL_ZSTD : 0,
    };
    m->have_progress = false;
    lr_scan_session_t *session = NULL;
    int rc = lr_scan_paths((const char *const *)m->paths, m->n_paths, &opts, &session, err);
    if (rc)
        return rc;
    tui_evidence_free(m);
    lr_scan_session_free(m->session);
    m->session = session;
    m->scan = lr_scan_result(session);
    return 0;
}

/* ---- the review --------------------------------------------------------------- */

void tui_review_free(lr_tui_t *m)
{
    lr_repair_plan_free(m->plan);
    m->plan = NULL;
    tui_view_clear(&m->warn);
    free(m->undo_path);
    m->undo_path = NULL;
    m->review = LR_TUI_REVIEW_NONE;
    m->review_hints = 0;
    m->review_version = -1;
    m->review_lv[0] = '\0';
    m->output_dir[0] = '\0';
    if (m->prompt == LR_TUI_PROMPT_CONFIRM) {
        m->prompt = LR_TUI_PROMPT_NONE;
        m->input[0] = '\0';
        m->input_len = 0;
    }
}

static int64_t model_now(const lr_tui_t *m)
{
    return m->now ? m->now : (int64_t)time(NULL);
}

static int show_refusal(lr_tui_t *m, tui_view_t *v, const char *name, const lr_error_t *err)
{
    char buf[1024];
    m->review = LR_TUI_REVIEW_REFUSED;
    m->review_hints = err->hints;
    int rc = tui_view_add(v, LR_TUI_A_BAD, -1, false, "lvmrepair refuses to restore %s:", name);
    if (!rc)
        rc = tui_view_add_text(v, LR_TUI_A_BAD, lr_error_format(err, buf, sizeof(buf)));
    if (!rc && err->hints)
        rc = tui_words_hints(v, err->hints);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "Nothing was written.");
    tui_message(m, LR_TUI_A_BAD, "Restore refused; nothing was written. Esc goes back.");
    return rc;
}

/* The plan's notes (what else it changes: another VG losing its area, a
 * stale PV brought up to date, an overridden refusal, a thin pool's
 * transaction id...), kept in sight above the confirmation prompt, under
 * the evidence's warnings already pinned (review_evidence). */
static int pin_notes(lr_tui_t *m)
{
    tui_view_t *w = &m->warn;
    int rc = 0;
    for (size_t i = 0; !rc && i < m->plan->n_notes; i++)
        rc = tui_view_add(w, LR_TUI_A_WARN, -1, false, "- %s", m->plan->notes[i]);
    return rc ? rc : tui_wrap(m, w);
}

/* Evidence that cannot be built is said, not left out. */
static int evidence_unavailable(tui_view_t *v, const char *why)
{
    int rc = tui_view_add(v, LR_TUI_A_WARN, -1, false, "Content of the LVs not available: %s", why);
    return rc ? rc : tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
}

/* The session's evidence, or why there is none (tui_evidence keeps no
 * error: building it again here gives the reason). */
static const lr_evidence_t *review_evidence_tree(lr_tui_t *m, char *why, size_t len)
{
    const lr_evidence_t *ev = tui_evidence(m);
    if (ev)
        return ev;
    lr_error_t err;
    lr_error_clear(&err);
    lr_evidence_t *x = NULL;
    if (m->session && lr_evidence_build(m->session, NULL, &x, &err) == 0) {
        m->evidence = x;
        return x;
    }
    lr_error_format(&err, why, len);
    return NULL;
}

/* Adds each warning to the plan page and pins it above the prompt. */
static int review_warnings(lr_tui_t *m, tui_view_t *v, const lr_evidence_t *ev,
                           const lr_ev_version_t *x)
{
    const lr_repair_plan_t *p = m->plan;
    lr_ev_warning_t *w = NULL;
    size_t n = 0;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_evidence_warnings(ev, (size_t)p->vg, (size_t)p->version, &w, &n, &err);
    if (rc) {
        char buf[512];
        return evidence_unavailable(v, lr_error_format(&err, buf, sizeof(buf)));
    }
    size_t shown = 0;
    if (lr_scan_version_unsure(m->scan, (size_t)p->vg, (size_t)p->version)) {
        const char *t = "every copy of this version was read from bytes its image decoded but "
                        "cannot vouch for (see the image's error): its text may not be what "
                        "LVM2 wrote";
        shown++;
        rc = tui_view_add(v, LR_TUI_A_WARN, -1, false, "%s", t);
        if (!rc)
            rc = tui_view_add(&m->warn, LR_TUI_A_WARN, -1, false, "- %s", t);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        if (!lr_repair_plan_warning_applies(p, &w[i]))
            continue;
        shown++;
        lr_strbuf_t b = LR_STRBUF_INIT;
        tui_words_warning(&b, &w[i], x->seqno);
        char *t = lr_strbuf_take(&b, NULL);
        rc = t ? tui_view_add(v, LR_TUI_A_WARN, -1, false, "%s", t) : -ENOMEM;
        if (!rc)
            rc = tui_view_add(&m->warn, LR_TUI_A_WARN, -1, false, "- %s", t);
        free(t);
    }
    free(w);
    return rc || !shown ? rc : tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
}

/* What the LVs of the restored version hold now and the warnings the
 * evidence engine gives (lr/evidence.h), as lvmrepair shows them before
 * its question; the warnings are pinned with the plan's notes. lvmtui has
 * no way around a refusal, so a warning does not refuse: it is in sight. */
static int review_evidence(lr_tui_t *m, tui_view_t *v)
{
    const lr_repair_plan_t *p = m->plan;
    if (p->vg < 0 || p->version < 0)
        return evidence_unavailable(v, "the plan names no version of the scan");
    char why[512] = "";
    const lr_evidence_t *ev = review_evidence_tree(m, why, sizeof(why));
    if (!ev)
        return evidence_unavailable(v, why);
    if ((size_t)p->vg >= ev->n_vgs || (size_t)p->version >= ev->vgs[p->vg].n_versions)
        return evidence_unavailable(v, "the version is not in the evidence");
    const lr_ev_version_t *x = &ev->vgs[p->vg].versions[p->version];
    if (!x->loaded)
        return evidence_unavailable(v, x->error ? x->error : "the version is not complete");
    int rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false,
                          "What the LVs of seqno %" PRIu64 " hold now", x->seqno);
    if (!rc && !x->n_lvs)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "  (no LVs)");
    for (size_t i = 0; !rc && i < x->n_lvs; i++)
        if (x->lvs[i].visible && lr_repair_plan_brings_lv(p, x->lvs[i].name))
            rc = tui_add_lv_evidence(v, &x->lvs[i]);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    return rc ? rc : review_warnings(m, v, ev, x);
}

static int show_plan(lr_tui_t *m, tui_view_t *v)
{
    char *text = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_repair_plan_render(m->plan, &text, &err);
    if (!rc)
        rc = tui_view_add_text(v, LR_TUI_A_NORMAL, text);
    free(text);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    tui_view_clear(&m->warn);
    m->warn.list = false;
    tui_view_set_wrap(&m->warn);
    if (!rc)
        rc = review_evidence(m, v);
    /* the images were read past damage: pinned too, the restore reads them */
    if (!rc)
        rc = tui_words_image_notes(v, &m->warn, m->scan);
    /* a version only deleted files' blocks hold: pinned, as lvmrepair says it */
    if (!rc)
        rc = tui_words_files_only(v, &m->warn, m->scan, m->plan->vg, m->plan->version);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "Undo file: %s", m->undo_path);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "Type yes and Enter to write; anything else cancels.");
    if (!rc)
        rc = pin_notes(m);
    m->review = LR_TUI_REVIEW_CONFIRM;
    m->prompt = LR_TUI_PROMPT_CONFIRM;
    m->input[0] = '\0';
    m->input_len = 0;
    return rc;
}

/* A plan that writes to a gzip image (lr_repair_plan_writable refused it):
 * asking for "yes" would only lead to the same refusal, so say it now. */
static int show_unwritable(lr_tui_t *m, tui_view_t *v, const lr_error_t *why)
{
    m->review = LR_TUI_REVIEW_REFUSED;
    size_t n = 0;
    const lr_repair_image_t *first = NULL;
    for (size_t i = 0; i < m->plan->n_images; i++) {
        bool unwritable = (m->plan->images[i].gzip || m->plan->images[i].container) &&
                          m->plan->images[i].n_writes;
        if (unwritable && !first)
            first = &m->plan->images[i];
        n += unwritable;
    }
    /* gzip keeps its words; other formats are converted, not decompressed */
    bool gzip = !first || first->gzip;
    bool more = n > 1;
    int rc =
        tui_view_add(v, LR_TUI_A_BAD, -1, false, "%s: the plan below is not written.", why->msg);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "%s %s%s and run lvmtui on the cop%s, or have lvmrepair write "
                          "repaired copies into a directory DIR (the images stay as they are):",
                          gzip ? "Decompress" : "Convert", more ? "them" : "it",
                          gzip ? "" : " to raw", more ? "ies" : "y");
    if (!rc)
        rc = tui_words_output_command(m, v);
    if (!rc && !m->review_lv[0])
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                          "Or press c to do that here: lvmtui asks for DIR.");
    if (!rc)
        rc = tui_words_image_notes(v, NULL, m->scan);
    if (!rc)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    char *text = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (!rc && !lr_repair_plan_render(m->plan, &text, &err))
        rc = tui_view_add_text(v, LR_TUI_A_NORMAL, text);
    free(text);
    if (gzip)
        tui_message(m, LR_TUI_A_BAD,
                    "Cannot write a gzip image; nothing was written. Esc goes back.");
    else
        tui_message(m, LR_TUI_A_BAD,
                    "Cannot write a container or compressed image; nothing was written. Esc goes "
                    "back.");
    return rc;
}

/* Restoring into copies: the engine's checks of the directory and the
 * copies' names first, then the plan names the copies as the targets of
 * its writes (as lvmrepair --output does). */
static int point_at_copies(lr_tui_t *m, lr_error_t *err)
{
    int rc = lr_repair_check_copies((const char *const *)m->paths, m->n_paths, m->output_dir, false,
                                    err);
    for (size_t i = 0; !rc && i < m->plan->n_images; i++) {
        char *dst = NULL;
        rc = lr_repair_copy_path(m->plan->images[i].path, m->output_dir, &dst, err);
        if (!rc)
            rc = lr_repair_plan_set_image_path(m->plan, i, dst, err);
        free(dst);
    }
    return rc;
}

/* Shows the plan made (prc 0) or its refusal, then pushes the review. */
static int finish_review(lr_tui_t *m, tui_view_t *v, const char *name, int prc, lr_error_t *err)
{
    int rc = 0;
    if (!prc && m->output_dir[0])
        prc = point_at_copies(m, err);
    if (prc)
        rc = show_refusal(m, v, name, err);
    /* copies are raw files: whatever the images are, they are only read */
    int wrc = !prc && !m->output_dir[0] ? lr_repair_plan_writable(m->plan, err) : 0;
    if (!rc && wrc)
        rc = show_unwritable(m, v, err);
    if (!rc && !prc && !wrc) {
        rc = lr_repair_plan_undo_path(m->plan, model_now(m), &m->undo_path, err);
        rc = rc ? show_refusal(m, v, name, err) : show_plan(m, v);
    }
    if (!rc)
        rc = tui_wrap(m, v);
    if (!rc)
        rc = tui_push(m, LR_TUI_SCR_REVIEW);
    if (rc) {
        tui_review_free(m);
        tui_message(m, LR_TUI_A_BAD, "Cannot show the restore plan: %s", lr_strerror(rc));
    }
    return rc;
}

/* Starts a review of version: the VG by UUID and the version by checksum
 * (names and seqnos can be ambiguous, this cannot). */
static tui_view_t *start_review(lr_tui_t *m, int version, lr_repair_opts_t *opts,
                                const char *command)
{
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    const lr_scan_version_t *ver = &g->versions[version];
    tui_review_free(m);
    m->review_version = version;
    m->review_seqno = ver->seqno;
    snprintf(m->review_vg_id, sizeof(m->review_vg_id), "%s", g->id);
    *opts = (lr_repair_opts_t){
        .vg = g->id[0] ? g->id : g->name,
        .seqno = ver->seqno,
        .has_crc = true,
        .crc = ver->crc,
        .command = command,
        .host = m->host,
        .now = model_now(m),
    };
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_REVIEW);
    tui_view_clear(v);
    v->list = false;
    tui_view_set_wrap(v);
    return v;
}

static int open_review(lr_tui_t *m, int version, const char *dir)
{
    char name[256], command[320];
    tui_version_name(m, version, name, sizeof(name));
    snprintf(command, sizeof(command), "lvmtui (restore of %s)", name);
    lr_repair_opts_t opts;
    tui_view_t *v = start_review(m, version, &opts, command);
    snprintf(m->output_dir, sizeof(m->output_dir), "%s", dir ? dir : "");
    int rc = dir ? tui_view_set_title(v, "Restore %s into copies in %s", name, dir)
                 : tui_view_set_title(v, "Restore %s", name);
    lr_error_t err;
    lr_error_clear(&err);
    int prc = lr_repair_plan_new(m->session, NULL, &opts, &m->plan, &err);
    return rc ? rc : finish_review(m, v, name, prc, &err);
}

int tui_open_review(lr_tui_t *m, int version)
{
    return open_review(m, version, NULL);
}

int tui_open_copy_review(lr_tui_t *m, int version, const char *dir)
{
    return open_review(m, version, dir);
}

/* ---- bringing back LVs ---------------------------------------------------------- */

void tui_lv_default(lr_tui_t *m, int version, char *buf, size_t len)
{
    buf[0] = '\0';
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    lr_vg_t *old = NULL, *cur = NULL;
    if (lr_scan_version_vg(m->session, (size_t)m->vg, (size_t)version, &old, NULL) == 0 &&
        g->committed_latest >= 0 &&
        lr_scan_version_vg(m->session, (size_t)m->vg, (size_t)g->committed_latest, &cur, NULL) ==
            0) {
        for (size_t i = 0; i < old->n_lvs; i++) {
            const lr_lv_t *lv = &old->lvs[i];
            if (lv->visible && !lr_vg_find_lv(cur, lv->name)) {
                snprintf(buf, len, "%s", lv->name);
                break;
            }
        }
    }
    lr_vg_free(old);
    lr_vg_free(cur);
}

/* Splits "NAME[,NAME...] [as NEWNAME]" into names (pointing into buf) and
 * the new name; returns how many names. */
static size_t parse_lv_input(char *buf, const char **names, size_t max, const char **as)
{
    *as = NULL;
    char *sp = strstr(buf, " as ");
    if (sp) {
        *sp = '\0';
        *as = sp + 4;
        while (**as == ' ')
            (*as)++;
    }
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t && n < max;
         t = strtok_r(NULL, ", ", &save))
        names[n++] = t;
    return n;
}

int tui_open_lv_review(lr_tui_t *m, int version, const char *what)
{
    char name[256], command[TUI_INPUT_MAX + 320], buf[TUI_INPUT_MAX];
    tui_version_name(m, version, name, sizeof(name));
    snprintf(command, sizeof(command), "lvmtui (bring back LV %s of %s)", what, name);
    lr_repair_opts_t opts;
    tui_view_t *v = start_review(m, version, &opts, command);
    snprintf(m->review_lv, sizeof(m->review_lv), "%s", what);
    int rc = tui_view_set_title(v, "Bring back LV %s from %s", what, name);
    snprintf(buf, sizeof(buf), "%s", what);
    const char *names[64];
    lr_repair_lv_opts_t lo = {.names = names};
    lo.n_names = parse_lv_input(buf, names, sizeof(names) / sizeof(names[0]), &lo.as);
    lr_error_t err;
    lr_error_clear(&err);
    char label[TUI_INPUT_MAX + 300];
    snprintf(label, sizeof(label), "LV %s of %s", what, name);
    int prc = lr_repair_plan_restore_lv(m->session, NULL, &opts, &lo, &m->plan, &err);
    return rc ? rc : finish_review(m, v, label, prc, &err);
}

unsigned tui_review_enter(lr_tui_t *m)
{
    bool yes = strcmp(m->input, "yes") == 0;
    m->prompt = LR_TUI_PROMPT_NONE;
    m->input[0] = '\0';
    m->input_len = 0;
    if (!yes) {
        tui_review_free(m);
        tui_pop(m);
        tui_message(m, LR_TUI_A_PROMPT, "Restore cancelled: nothing was written.");
        return LR_TUI_ACT_NONE;
    }
    m->review = LR_TUI_REVIEW_RUNNING;
    m->pending = TUI_WORK_RESTORE;
    tui_message(m, LR_TUI_A_WARN, "Writing... do not interrupt.");
    return LR_TUI_ACT_WORK;
}

/* Puts the VG list and the history back over the new scan, the restored
 * VG's history showing its newest version, under the result. */
static void reopen_after_rescan(lr_tui_t *m)
{
    tui_build_vgs(m);
    m->depth = 1;
    m->stack[0] = LR_TUI_SCR_VGS;
    int idx[4];
    size_t n = lr_scan_find_vgs(m->scan, m->review_vg_id, idx, 4);
    if (n >= 1) {
        tui_view_t *vv = tui_view_of(m, LR_TUI_SCR_VGS);
        long row = tui_view_find_ref(vv, idx[0]);
        if (row >= 0)
            vv->cursor = row;
        m->vg = idx[0];
        m->version = 0; /* newest first: the copy just written */
        m->review_version = 0;
        m->mark = -1;
        if (!tui_build_history(m))
            m->stack[m->depth++] = LR_TUI_SCR_HISTORY;
    }
    if (n < 1)
        m->review_version = m->vg = m->version = -1;
    m->stack[m->depth++] = LR_TUI_SCR_REVIEW;
}

static int show_result(lr_tui_t *m, int rc, const lr_error_t *err)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_REVIEW);
    const lr_repair_plan_t *p = m->plan;
    char buf[1024];
    int arc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", "");
    if (!rc) {
        m->review = LR_TUI_REVIEW_DONE;
        if (!arc && p->n_lvs)
            arc = tui_view_add(v, LR_TUI_A_GOOD, -1, false,
                               "BROUGHT BACK: LV %s of %s seqno %" PRIu64 " into seqno %" PRIu64
                               ", now seqno %" PRIu64 " (%zu writes, %s).",
                               m->review_lv, p->vg_name, p->seqno, p->base_seqno, p->new_seqno,
                               p->n_writes, p->verified ? "verified" : "NOT verified");
        else if (!arc && m->output_dir[0])
            arc = tui_view_add(v, LR_TUI_A_GOOD, -1, false,
                               "RESTORED INTO COPIES in %s: %s seqno %" PRIu64
                               " is now seqno %" PRIu64 " there (%zu writes, %s); the images "
                               "are unchanged.",
                               m->output_dir, p->vg_name, p->seqno, p->new_seqno, p->n_writes,
                               p->verified ? "verified" : "NOT verified");
        else if (!arc)
            arc = tui_view_add(v, LR_TUI_A_GOOD, -1, false,
                               "RESTORED: %s seqno %" PRIu64 " is now seqno %" PRIu64
                               " (%zu writes, %s).",
                               p->vg_name, p->seqno, p->new_seqno, p->n_writes,
                               p->verified ? "verified" : "NOT verified");
        tui_message(m, LR_TUI_A_GOOD, "Restored as seqno %" PRIu64 ". Esc: back to the history.",
                    p->new_seqno);
    } else {
        m->review = LR_TUI_REVIEW_FAILED;
        if (!arc)
            arc = tui_view_add(v, LR_TUI_A_BAD, -1, false, "RESTORE FAILED:");
        if (!arc)
            arc = tui_view_add_text(v, LR_TUI_A_BAD, lr_error_format(err, buf, sizeof(buf)));
        tui_message(m, LR_TUI_A_BAD, "Restore failed. Esc goes back.");
    }
    if (!arc && p->executed)
        arc = tui_view_add(v, LR_TUI_A_HEADER, -1, false, "Undo file: %s", m->undo_path);
    if (!arc && p->executed)
        arc = tui_words_undo_command(v, m->undo_path);
    else if (!arc)
        arc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "Nothing was written.");
    if (!arc)
        arc = tui_wrap(m, v);
    /* the result is what matters now: show the end of the page */
    v->top = (long)v->n_rows;
    tui_scroll_into_view(m, v);
    return arc;
}

/* Makes the copies the plan names (from the images given), after the
 * "yes": the images themselves are only read. */
static int make_copies(lr_tui_t *m, size_t *made, lr_error_t *err)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_REVIEW);
    int rc = 0;
    for (size_t i = 0; !rc && i < m->plan->n_images && i < m->n_paths; i++) {
        char *dst = NULL;
        uint64_t data = 0;
        rc = lr_repair_copy_image(m->paths[i], m->output_dir, false, m->snapshot, &dst, &data, err);
        if (!rc)
            rc = lr_repair_plan_set_image_path(m->plan, i, dst, err);
        if (!rc)
            (*made)++;
        if (!rc)
            rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                              "Copied %s to %s (%" PRIu64 " bytes of data).", m->paths[i], dst,
                              data);
        free(dst);
    }
    return rc;
}

/* A run that stopped before its first write removes the copies it made
 * (lr_repair_remove_copies): a partial set would be refused next time. */
static void remove_copies(lr_tui_t *m, size_t made)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_REVIEW);
    size_t removed = 0;
    lr_error_t rerr;
    lr_error_clear(&rerr);
    char buf[1024];
    if (lr_repair_remove_copies(m->plan, made, &removed, &rerr) != 0)
        tui_view_add(v, LR_TUI_A_BAD, -1, false, "%s", lr_error_format(&rerr, buf, sizeof(buf)));
    if (removed)
        tui_view_add(v, LR_TUI_A_NORMAL, -1, false,
                     "Removed the %zu cop%s made in %s: nothing was written to %s.", removed,
                     removed == 1 ? "y" : "ies", m->output_dir, removed == 1 ? "it" : "them");
}

int tui_restore_work(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err)
{
    lr_repair_exec_opts_t xo = {.undo_path = m->undo_path};
    lr_error_t xerr;
    lr_error_clear(&xerr);
    size_t made = 0;
    int rc = m->output_dir[0] ? make_copies(m, &made, &xerr) : 0;
    if (!rc)
        rc = lr_repair_execute(m->plan, &xo, &xerr);
    if (rc && err)
        *err = xerr;
    if (rc)
        remove_copies(m, made);
    show_result(m, rc, &xerr);
    if (!m->plan->executed)
        return rc;
    if (m->output_dir[0]) {
        /* the images were only read: nothing to scan again */
        if (!rc)
            tui_message(m, LR_TUI_A_GOOD,
                        "Restored into copies in %s as seqno %" PRIu64
                        "; the images are unchanged. Esc: back.",
                        m->output_dir, m->plan->new_seqno);
        return rc;
    }
    /* The images changed: scan them again so the history shows the new
     * version; the result stays on top. */
    m->rescanning = true;
    tui_message(m, LR_TUI_A_PROMPT, "Scanning the images again...");
    lr_error_t serr;
    lr_error_clear(&serr);
    int src = tui_run_scan(m, pump, arg, &serr);
    m->rescanning = false;
    if (src) {
        char buf[1024];
        tui_message(m, LR_TUI_A_BAD, "Rescan failed: %s", lr_error_format(&serr, buf, sizeof(buf)));
        if (!rc && err)
            *err = serr;
        return rc ? rc : src;
    }
    reopen_after_rescan(m);
    if (!rc)
        tui_message(m, LR_TUI_A_GOOD, "Restored as seqno %" PRIu64 ". Esc: back to the history.",
                    m->plan->new_seqno);
    else
        tui_message(m, LR_TUI_A_BAD, "Restore failed. Esc goes back.");
    return rc;
}

/* ---- export ------------------------------------------------------------------------ */

/* Loading an exported version with vgcfgrestore is a restore: the number
 * of evidence warnings restoring it deserves (none for the version LVM2
 * uses now: loading it changes nothing). */
static size_t export_warnings(lr_tui_t *m, int version)
{
    const lr_scan_vg_t *g = &m->scan->vgs[m->vg];
    if (version == g->latest || version == g->committed_latest)
        return 0;
    char why[512];
    const lr_evidence_t *ev = review_evidence_tree(m, why, sizeof(why));
    lr_ev_warning_t *w = NULL;
    size_t n = 0;
    if (!ev || lr_evidence_warnings(ev, (size_t)m->vg, (size_t)version, &w, &n, NULL) != 0)
        return 0;
    free(w);
    return n;
}

static int export_write(lr_tui_t *m, int version, const char *path, unsigned flags)
{
    char name[256], buf[1024];
    tui_version_name(m, version, name, sizeof(name));
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_export_write(m->session, (size_t)m->vg, (size_t)version, path, flags, &err);
    if (rc) {
        tui_message(m, LR_TUI_A_BAD, "Export failed: %s", lr_error_format(&err, buf, sizeof(buf)));
        return rc;
    }
    const char *vgname = m->scan->vgs[m->vg].name ? m->scan->vgs[m->vg].name : "VG";
    size_t n = export_warnings(m, version);
    if (n)
        tui_message(m, LR_TUI_A_WARN,
                    "Wrote %s to %s (vgcfgrestore -f %s %s). WARNING: loading it is a restore "
                    "with %zu warning%s: R on this version shows %s",
                    name, path, path, vgname, n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
    else
        tui_message(m, LR_TUI_A_GOOD, "Wrote %s to %s (vgcfgrestore -f %s %s)", name, path, path,
                    vgname);
    return 0;
}

/* The engine's output rules decide: a file it replaces only when told to
 * is asked about; any other refusal is shown as it is. */
void tui_export_enter(lr_tui_t *m, int version, const char *path)
{
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_export_check_target(m->scan, path, false, &err);
    if (rc == LR_EREFUSED && err.hints == LR_HINT_OVERWRITE) {
        /* Only a yes typed for this file lets the engine replace it. */
        snprintf(m->export_path, sizeof(m->export_path), "%s", path);
        m->export_version = version;
        m->prompt = LR_TUI_PROMPT_OVERWRITE;
        m->input[0] = '\0';
        m->input_len = 0;
        return;
    }
    if (rc) {
        char buf[1024];
        tui_message(m, LR_TUI_A_BAD, "Export failed: %s%s", lr_error_format(&err, buf, sizeof(buf)),
                    err.hints & LR_HINT_NEW_NAME ? "; choose another name." : "");
        return;
    }
    export_write(m, version, path, 0);
}

void tui_export_overwrite_enter(lr_tui_t *m, const char *answer)
{
    m->prompt = LR_TUI_PROMPT_NONE;
    m->input[0] = '\0';
    m->input_len = 0;
    if (strcmp(answer, "yes") != 0) {
        tui_message(m, LR_TUI_A_PROMPT, "Export cancelled: %s was not overwritten.",
                    m->export_path);
        m->export_path[0] = '\0';
        return;
    }
    export_write(m, m->export_version, m->export_path, LR_EXPORT_OVERWRITE);
    m->export_path[0] = '\0';
}
