/* lvmtui view model: private state shared by the model's source files. */
#ifndef LR_TUI_MODEL_INT_H
#define LR_TUI_MODEL_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/diff.h"
#include "lr/evidence.h"
#include "lr/repair.h"
#include "lr/scan.h"
#include "lr/strbuf.h"
#include "lr/tui.h"

#define TUI_STACK_MAX 8
#define TUI_INPUT_MAX 1024 /* bytes typed into a prompt */
#define TUI_MSG_MAX 512
#define TUI_HISTORY_WIDE_COLS 120   /* from here on the history shows full times */
#define TUI_ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */
#define TUI_ELLIPSIS_ASCII "~"      /* as tig without UTF-8 */

/* ---- text helpers (text.c) ---------------------------------------------- */

/* Strings are built in lr_strbuf_t (lr/strbuf.h). */

/* Pads b with spaces to `col` display columns of its last line (nothing
 * when already wider). */
void tui_pad(lr_strbuf_t *b, size_t col);
/* Display width of UTF-8 text as the frame shows it (see tui_fit). */
size_t tui_width(const char *s, bool utf8);
/* Appends s to b cut or padded to exactly `cols` columns: control bytes and
 * invalid UTF-8 (and, without utf8, any non-ASCII) become '?'. Text cut
 * (beyond trailing spaces) ends in TUI_ELLIPSIS, or TUI_ELLIPSIS_ASCII
 * without utf8, in the last column. */
void tui_fit(lr_strbuf_t *b, const char *s, size_t cols, bool utf8);
/* Byte length of the longest prefix of s that fits in `cols` columns. */
size_t tui_prefix_fit(const char *s, size_t cols, bool utf8);
/* Case-insensitive (ASCII) substring test. */
bool tui_contains(const char *hay, const char *needle);
/* The screens' sizes: "8 MiB", "1.5 GiB", "512 B" (lr_fmt_size). */
const char *tui_size(uint64_t bytes, char *buf, size_t len);
/* The screens' times: "2026-11-25 08:03:25" in UTC, "-" for 0 (lr_fmt_time). */
const char *tui_time(int64_t t, char *buf, size_t len);
/* The same without year and seconds, for narrow columns: "11-25 08:03". */
const char *tui_time_short(int64_t t, char *buf, size_t len);
/* "Write from lvremove -f vg0/lv3." -> "lvremove -f vg0/lv3". */
const char *tui_command(const char *desc, char *buf, size_t len);
/* Last path component. */
const char *tui_base(const char *path);

/* ---- screens ------------------------------------------------------------ */

/* One body line. `ref` says what it stands for (a VG, a version, a change;
 * -1 for headings and text). */
typedef struct tui_row {
    char *text;
    lr_tui_attr_t attr;
    long ref;
    bool selectable;
} tui_row_t;

typedef struct tui_view {
    char *title;     /* first line */
    char *header;    /* column headings (second line), may be NULL */
    tui_row_t *rows; /* as shown */
    size_t n_rows, cap;
    /* Text screens keep their lines here and show them wrapped to the width
     * in rows (tui_view_wrap), so nothing is cut off at 80 columns. */
    bool wrap;
    tui_row_t *src;
    size_t n_src, cap_src;
    bool list; /* a cursor moves over selectable rows; else it scrolls */
    /* A text screen with some selectable rows (the detail's LVs): j/k and
     * Up/Down move the cursor over them and scroll the text past the first
     * and the last; the other keys scroll. */
    bool mixed;
    long cursor; /* selected row (list) or search hit (text), -1 none */
    long top;    /* first row shown */
} tui_view_t;

typedef struct tui_history_info {
    bool has_size;
    uint64_t lv_bytes; /* total LV size of the version */
    bool bad_crc;      /* a copy a slot points at has another checksum */
} tui_history_info_t;

struct lr_tui {
    /* options */
    char **paths;
    size_t n_paths;
    bool utf8;
    int64_t now;
    char *host;
    char *snapshot; /* the qcow2 internal snapshot read (NULL: current states) */
    bool all_zstd;  /* lr_tui_opts_t.all_zstd */
    uint64_t progress_interval;
    int rows, cols;

    /* the scan */
    lr_scan_session_t *session; /* owned; re-reads copies */
    lr_evidence_t *evidence;    /* of session, built on first use (tui_evidence) */
    const lr_scan_t *scan;      /* its result, NULL before a scan finished */
    int scan_status;
    char scan_error[TUI_MSG_MAX];
    lr_scan_progress_t progress;
    bool have_progress;
    double elapsed;
    bool stop;       /* q pressed while scanning */
    bool rescanning; /* the scan runs under another screen (after a restore) */

    /* screens: the views and the stack of open screens */
    tui_view_t views[LR_TUI_N_SCREENS];
    lr_tui_screen_t stack[TUI_STACK_MAX];
    int depth;

    /* selection */
    int vg;                   /* VG of the history */
    int version;              /* selected version in the history */
    int mark;                 /* Space-marked version of vg, -1 none */
    tui_history_info_t *hist; /* per version of vg */
    size_t n_hist;
    int hist_cols; /* the width the history rows are laid out for */
    int detail_version;
    char **detail_lvs; /* names of the detail's LVs, by row ref */
    size_t n_detail_lvs;

    /* diff */
    lr_diff_t *diff;
    int diff_old, diff_new; /* versions compared */
    int diff_version;       /* the one it was opened for (the selection) */

    /* restore */
    lr_repair_plan_t *plan;
    char *undo_path;
    tui_view_t warn; /* the plan's notes, pinned above the confirmation prompt */
    lr_tui_review_state_t review;
    int review_version;
    uint64_t review_seqno; /* the version restored and the VG, kept across the rescan */
    char review_vg_id[LR_UUID_STR_LEN + 1];
    char review_lv[TUI_INPUT_MAX];  /* what the LV prompt named; "" for a whole-VG restore */
    char output_dir[TUI_INPUT_MAX]; /* restore into copies in this directory; "" in place */
    int output_version;             /* the version the output prompt restores */
    int lv_version;                 /* the version the LV prompt takes LVs from */
    char lv_name[TUI_INPUT_MAX];    /* the LV the new-name prompt brings back */
    unsigned review_hints;          /* LR_HINT_* of the refusal shown, 0 none */

    /* prompt and message line */
    lr_tui_prompt_t prompt;
    char input[TUI_INPUT_MAX];
    size_t input_len;
    char search[TUI_INPUT_MAX];    /* last search pattern */
    lr_tui_screen_t search_screen; /* where n/N repeat it */
    bool search_active;
    char msg[TUI_MSG_MAX];
    lr_tui_attr_t msg_attr;
    char selection[TUI_MSG_MAX];
    int export_version;
    char export_path[TUI_INPUT_MAX]; /* an existing file the overwrite prompt asks about */

    unsigned pending; /* LR_TUI_ACT_WORK pending: what lr_tui_work does */
};

enum { TUI_WORK_NONE = 0, TUI_WORK_RESTORE = 1 };

/* view.c: rows of a view */
void tui_view_clear(tui_view_t *v);
int tui_view_add(tui_view_t *v, lr_tui_attr_t attr, long ref, bool selectable, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int tui_view_add_text(tui_view_t *v, lr_tui_attr_t attr, const char *text);
int tui_view_set_title(tui_view_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tui_view_set_header(tui_view_t *v, const char *text);
/* Row of the first selectable line with this ref, -1 when none. */
long tui_view_find_ref(const tui_view_t *v, long ref);
long tui_view_first_selectable(const tui_view_t *v, long from, int dir);
/* Makes a text view: lines added from now on are wrapped by tui_view_wrap. */
void tui_view_set_wrap(tui_view_t *v);
/* Rebuilds the shown rows of a text view from its lines at this width. */
int tui_view_wrap(tui_view_t *v, size_t width);

/* model.c */
tui_view_t *tui_view_of(lr_tui_t *m, lr_tui_screen_t s);
lr_tui_screen_t tui_top(const lr_tui_t *m);
/* The terminal is smaller than LR_TUI_MIN_COLS x LR_TUI_MIN_ROWS: only the
 * "needs 80x24" screen is drawn and keys wait. */
bool tui_too_small(const lr_tui_t *m);
bool tui_on_stack(const lr_tui_t *m, lr_tui_screen_t s);
int tui_push(lr_tui_t *m, lr_tui_screen_t s);
void tui_pop(lr_tui_t *m);
void tui_message(lr_tui_t *m, lr_tui_attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Keeps the cursor (or the top of a text view) on screen. */
void tui_scroll_into_view(lr_tui_t *m, tui_view_t *v);
int tui_body_rows(const lr_tui_t *m);
/* Rows under the body kept for the plan's warnings while the restore's
 * confirmation prompt waits (0 otherwise): a heading and the notes, at most
 * half the screen (the last one then says how many more). */
int tui_pinned_rows(const lr_tui_t *m);
/* Wraps a text view to the screen width and keeps its position valid. */
int tui_wrap(lr_tui_t *m, tui_view_t *v);
/* The version the current screen is about (-1 none). */
int tui_current_version(const lr_tui_t *m);

/* model_vgs.c */
int tui_build_vgs(lr_tui_t *m);
int tui_open_vg(lr_tui_t *m, int vg);

/* model_history.c */
/* The evidence of the current session (lr/evidence.h), built on first use;
 * NULL when it could not be built. tui_evidence_free drops it (a new scan). */
const lr_evidence_t *tui_evidence(lr_tui_t *m);
void tui_evidence_free(lr_tui_t *m);
int tui_build_history(lr_tui_t *m);
/* Lays the history rows out again for a new width (lr_tui_resize). */
int tui_relayout_history(lr_tui_t *m);
void tui_history_free(lr_tui_t *m);
void tui_toggle_mark(lr_tui_t *m);
/* "vg0 seqno 8" for a version of m->vg. */
void tui_version_name(const lr_tui_t *m, int version, char *buf, size_t len);

/* model_detail.c: build only, or build and open. The LV rows are
 * selectable (ref: the LV's index in the version); a new build of the
 * version shown keeps the LV selected, a first one selects the first LV
 * the current version lacks (tui_lv_default), else the first LV. */
int tui_build_detail(lr_tui_t *m, int version);
/* Adds an LV's content now and the extents later LVs took (lr/evidence.h):
 * one line, and one more per reuse (the detail screen and the restore
 * review show them alike). Fails only with -ENOMEM. */
int tui_add_lv_evidence(tui_view_t *v, const lr_ev_lv_t *l);
/* Adds the PV extents a reuse took: "pv0:0-3,8-9". */
void tui_put_ranges(lr_strbuf_t *b, const lr_ev_reuse_t *u);
int tui_open_detail(lr_tui_t *m, int version);
void tui_detail_free(lr_tui_t *m);
/* The name of the LV under the detail's cursor into buf; false (buf "")
 * when the cursor is on no LV row. */
bool tui_detail_lv(lr_tui_t *m, char *buf, size_t len);

/* model_diff.c */
int tui_open_diff(lr_tui_t *m, int version);
void tui_diff_jump(lr_tui_t *m, int dir);

/* model_restore.c */
int tui_open_review(lr_tui_t *m, int version);
/* The same, writing into copies of the images in directory dir (as
 * lvmrepair --output DIR): the plan names the copies, which are made only
 * after yes; the images are only read. */
int tui_open_copy_review(lr_tui_t *m, int version, const char *dir);
/* The LV prompt's default: the first visible LV of version that the VG's
 * current (newest committed) version lacks, or "" (into buf). */
void tui_lv_default(lr_tui_t *m, int version, char *buf, size_t len);
/* The review of bringing back LVs of version into the current version:
 * `what` is "NAME[,NAME...]" or "NAME as NEWNAME"; the same plan,
 * confirmation and writing as tui_open_review. */
int tui_open_lv_review(lr_tui_t *m, int version, const char *what);
unsigned tui_review_enter(lr_tui_t *m);
int tui_restore_work(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err);
void tui_review_free(lr_tui_t *m);
/* The export prompt's Enter: writes the version to path, or, when path is
 * an existing regular file (not one of the images), asks whether to
 * overwrite it (LR_TUI_PROMPT_OVERWRITE). */
void tui_export_enter(lr_tui_t *m, int version, const char *path);
/* The overwrite prompt's Enter: exactly "yes" replaces the file. */
void tui_export_overwrite_enter(lr_tui_t *m, const char *answer);
/* Scans m->paths again with progress through pump (used by lr_tui_scan and
 * after a restore). */
int tui_run_scan(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err);

/* model_help.c */
int tui_build_help(lr_tui_t *m);
/* Keys for the status line of a screen. */
const char *tui_keys_hint(const lr_tui_t *m);

#endif
