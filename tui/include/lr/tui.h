/* lvmrescue TUI: the view model of lvmtui (the cfdisk-over-libfdisk model).
 *
 * Every decision is taken by the engines (lr/scan.h, lr/diff.h,
 * lr/export.h, lr/repair.h); this library only keeps screen state (which
 * screen, which line is selected, marks, prompts, search) and turns it into
 * text lines. It knows nothing of ncurses: the program lvmtui draws the
 * lines of lr_tui_render() and feeds keys to lr_tui_key(), and tests do the
 * same without a terminal.
 *
 * Typical use:
 *   lr_tui_new(&opts, &m, &err);
 *   lr_tui_resize(m, rows, cols);
 *   lr_tui_scan(m, pump, arg, &err);      progress screen, then the VG list
 *   loop: lr_tui_render(m, &frame, &err); draw; key = read;
 *         act = lr_tui_key(m, key);
 *         if (act & LR_TUI_ACT_WORK) { draw again; lr_tui_work(m, pump, arg, &err); }
 *         if (act & LR_TUI_ACT_QUIT) break;
 *   lr_tui_free(m);
 *
 * Nothing here prints or exits. */
#ifndef LR_TUI_H
#define LR_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/scan.h"

/* The smallest terminal the screens are laid out for. */
#define LR_TUI_MIN_ROWS 24
#define LR_TUI_MIN_COLS 80

/* ---- keys ------------------------------------------------------------------
 * Printable keys are their Unicode code point ('j', ' ', 0xe9 ...); control
 * keys are their ASCII code (LR_TUI_KEY_ESC, LR_TUI_KEY_CTRL_L). Keys that
 * have no character are the values below, outside Unicode's range. */
enum {
    LR_TUI_KEY_CTRL_L = 12,
    LR_TUI_KEY_ESC = 27,
    LR_TUI_KEY_ENTER = 0x110000,
    LR_TUI_KEY_UP,
    LR_TUI_KEY_DOWN,
    LR_TUI_KEY_LEFT,
    LR_TUI_KEY_RIGHT,
    LR_TUI_KEY_PGUP,
    LR_TUI_KEY_PGDN,
    LR_TUI_KEY_HOME,
    LR_TUI_KEY_END,
    LR_TUI_KEY_BACKSPACE,
    LR_TUI_KEY_F1,
};

/* What lr_tui_key asks of the program (bits). */
enum {
    LR_TUI_ACT_NONE = 0,
    LR_TUI_ACT_REDRAW = 1u << 0, /* repaint the whole terminal (Ctrl-L) */
    LR_TUI_ACT_QUIT = 1u << 1,   /* leave the program */
    LR_TUI_ACT_WORK = 1u << 2,   /* draw the screen (it says what is about to happen),
                                    then call lr_tui_work */
    LR_TUI_ACT_BEEP = 1u << 3,   /* the key did nothing here */
};

/* ---- screens --------------------------------------------------------------- */

typedef enum lr_tui_screen {
    LR_TUI_SCR_PROGRESS = 0, /* scanning */
    LR_TUI_SCR_VGS,          /* VGs found, and orphan PV labels */
    LR_TUI_SCR_HISTORY,      /* versions of one VG, newest first */
    LR_TUI_SCR_DETAIL,       /* one version: VG, PVs, LVs, extent map */
    LR_TUI_SCR_DIFF,         /* two versions compared */
    LR_TUI_SCR_REVIEW,       /* restore plan, confirmation, then the result */
    LR_TUI_SCR_HELP,
    LR_TUI_N_SCREENS
} lr_tui_screen_t;

/* A prompt on the line above the status line, over any screen. */
typedef enum lr_tui_prompt {
    LR_TUI_PROMPT_NONE = 0,
    LR_TUI_PROMPT_SEARCH,    /* "/" */
    LR_TUI_PROMPT_EXPORT,    /* "e": the file to write */
    LR_TUI_PROMPT_CONFIRM,   /* restore review: type yes and Enter */
    LR_TUI_PROMPT_OVERWRITE, /* export: the file exists; type yes to replace it */
    LR_TUI_PROMPT_LV,        /* "B" on a version's detail: the LV(s) to bring back into
                                the current version (NAME[,NAME...] or NAME as NEWNAME) */
    LR_TUI_PROMPT_SIDE,      /* R in a diff: which side to restore; Enter or o the
                                older (the default), n the newer, Esc cancels */
    LR_TUI_PROMPT_LV_AS,     /* "b" on an LV whose name the current version has: the
                                new name to bring it back as; Esc cancels */
    LR_TUI_PROMPT_OUTPUT,    /* C on a version (or c on a gzip image's refused review):
                                the directory to write repaired copies of the images
                                into, as lvmrepair --output DIR; the images stay as
                                they are */
} lr_tui_prompt_t;

/* Where the restore review stands. */
typedef enum lr_tui_review_state {
    LR_TUI_REVIEW_NONE = 0,
    LR_TUI_REVIEW_REFUSED, /* the engine refused to plan, or the plan writes to an
                              image that cannot be written in place (gzip);
                              the reason is shown, nothing is asked */
    LR_TUI_REVIEW_CONFIRM, /* the plan is shown, waiting for "yes" */
    LR_TUI_REVIEW_RUNNING, /* "yes" given: lr_tui_work writes */
    LR_TUI_REVIEW_DONE,    /* written and verified */
    LR_TUI_REVIEW_FAILED,  /* execution failed; the reason (and undo file) shown */
} lr_tui_review_state_t;

/* Styles of frame lines. The text always says everything; a style only
 * repeats it (colour, reverse video), so a monochrome terminal or NO_COLOR
 * loses nothing. */
typedef enum lr_tui_attr {
    LR_TUI_A_NORMAL = 0,
    LR_TUI_A_TITLE,    /* first line */
    LR_TUI_A_HEADER,   /* column headings */
    LR_TUI_A_SELECTED, /* the selected line (also marked '>' in column 0) */
    LR_TUI_A_STATUS,   /* the bottom line */
    LR_TUI_A_GOOD,     /* consistent, verified */
    LR_TUI_A_WARN,     /* stale, conflict, partial, interrupted */
    LR_TUI_A_BAD,      /* missing, bad checksum, refused, failed */
    LR_TUI_A_MARK,     /* a Space-marked version, a search hit */
    LR_TUI_A_PROMPT,   /* the prompt / message line */
} lr_tui_attr_t;

/* One screenful of text: rows lines of exactly cols display columns each
 * (UTF-8, padded with spaces; control bytes and invalid UTF-8 from images
 * shown as '?'). One owner: lr_tui_frame_free. */
typedef struct lr_tui_frame {
    int rows, cols;
    char **lines;
    lr_tui_attr_t *attrs;
    int cursor_row, cursor_col; /* where the text cursor goes; -1 when hidden */
} lr_tui_frame_t;

/* ---- the model -------------------------------------------------------------- */

typedef struct lr_tui lr_tui_t;

typedef struct lr_tui_opts {
    const char *const *paths; /* images (copied) */
    size_t n_paths;
    bool utf8; /* the terminal shows UTF-8; else non-ASCII shows as '?' */
    /* Fixed values for reproducible screens (tests); 0 / NULL: the clock
     * and the host name, as lvmrepair uses them. */
    int64_t now;                /* restore time and undo file name */
    const char *host;           /* creation_host of a restored copy */
    uint64_t progress_interval; /* bytes between scan progress updates; 0: 8 MiB */
    /* The internal snapshot of every qcow2 image read (and copied for a
     * restore) in place of its current state (copied; NULL: the current
     * states); lr_scan_opts_t.snapshot. */
    const char *snapshot;
    /* Decode every zstd frame of up to 128 KiB (LR_SCAN_ALL_ZSTD: LVM2
     * backup files of more than 16 KiB on a btrfs compressed with zstd). */
    bool all_zstd;
} lr_tui_opts_t;

/* Creates a model showing the (empty) progress screen at 80x24; the images
 * are not opened yet (lr_tui_scan does). *out is owned by the caller
 * (lr_tui_free). -EINVAL without options or paths, -ENOMEM; err filled and
 * *out NULL on failure. */
int lr_tui_new(const lr_tui_opts_t *opts, lr_tui_t **out, lr_error_t *err);

/* Frees the model and everything it holds (scan, diff, plan). NULL is
 * accepted. */
void lr_tui_free(lr_tui_t *m);

/* Called during long work (the scan, a restore's rescan) after the model
 * changed: the program redraws and reads pending keys without blocking,
 * passing them to lr_tui_key (q on the progress screen stops the scan). */
typedef void (*lr_tui_pump_fn)(void *arg, lr_tui_t *m);

/* Scans the images (lr_scan_paths) on the progress screen, calling pump at
 * every progress step; then shows the VG list, with what was found so far
 * when the scan was stopped with q. Returns the scan's status; on failure
 * the VG list says why and err is filled. pump may be NULL. */
int lr_tui_scan(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err);

/* Takes over a scan session made elsewhere (tests): it is owned by the
 * model afterwards, even on failure. Shows the VG list; -ENOMEM when it
 * cannot be built. */
int lr_tui_set_scan(lr_tui_t *m, lr_scan_session_t *session, lr_error_t *err);

/* Records a progress step and the seconds elapsed since the scan started
 * (what the scan callback does; public so the screen can be tested).
 * Returns 1 when q asked to stop, else 0; never fails. */
int lr_tui_progress(lr_tui_t *m, const lr_scan_progress_t *p, double elapsed);

/* Handles one key (LR_TUI_KEY_* or a code point); returns LR_TUI_ACT_*
 * bits. Never fails: a key that does nothing here returns
 * LR_TUI_ACT_BEEP, and what went wrong is on the message line. While the
 * model is smaller than LR_TUI_MIN_COLS x LR_TUI_MIN_ROWS (only "needs
 * 80x24" is rendered) every key but q and Ctrl-L does nothing: q quits (or
 * stops a scan). */
unsigned lr_tui_key(lr_tui_t *m, int key);

/* Carries out what LR_TUI_ACT_WORK announced (the restore's writes and the
 * rescan after them). Returns 0 or the failure, which is also on screen. */
int lr_tui_work(lr_tui_t *m, lr_tui_pump_fn pump, void *arg, lr_error_t *err);

/* The terminal size changed (also the initial size): rows and cols of the
 * frames rendered from now on (values below 1 count as 1). Screens laid out
 * for the width (history columns, extent map, wrapped text) are rebuilt;
 * on failure (memory) they keep their old layout. */
void lr_tui_resize(lr_tui_t *m, int rows, int cols);

/* Renders the current screen at the current size. Below 80x24 the frame
 * only says "needs 80x24". Text cut at the right edge ends in an ellipsis
 * ("…", "~" without UTF-8). *out is owned by the caller
 * (lr_tui_frame_free); -ENOMEM (err filled) leaves *out NULL. */
int lr_tui_render(const lr_tui_t *m, lr_tui_frame_t **out, lr_error_t *err);

/* Frees a frame of lr_tui_render and its lines. NULL is accepted. */
void lr_tui_frame_free(lr_tui_frame_t *f);

/* ---- state, for the program and the tests ---------------------------------
 * Read-only views of the model; none of them fails or allocates. Strings
 * and pointers returned point into the model: valid until its next change
 * (a key, a resize, a scan), never freed by the caller. */

/* The screen on top (the one shown). */
lr_tui_screen_t lr_tui_screen(const lr_tui_t *m);
/* The prompt open on the message line, LR_TUI_PROMPT_NONE when none. */
lr_tui_prompt_t lr_tui_prompt_kind(const lr_tui_t *m);
/* Where the restore review stands, LR_TUI_REVIEW_NONE when none is open. */
lr_tui_review_state_t lr_tui_review_state(const lr_tui_t *m);
/* The result of the scan shown (owned by the model's session), NULL before
 * it finished. */
const lr_scan_t *lr_tui_scan_result(const lr_tui_t *m);
/* The selected VG: an index into the scan's vgs; -1 when none (an orphan
 * PV label, or no scan). Under the help screen, the screen below counts. */
int lr_tui_selected_vg(const lr_tui_t *m);
/* The version the screen is about (the history's selection, the detail's
 * or diff's or review's version): an index into the VG's versions, -1 when
 * none. */
int lr_tui_selected_version(const lr_tui_t *m);
/* The Space-marked version of the selected VG, -1 when none. */
int lr_tui_marked_version(const lr_tui_t *m);
/* The selection as the status line shows it ("vg0 seqno 8"), "" when none.
 * Points into the model, valid until its next change. */
const char *lr_tui_selection(const lr_tui_t *m);
/* The message line ("" when empty), valid likewise. */
const char *lr_tui_message(const lr_tui_t *m);
/* The number of body lines of the current screen. */
size_t lr_tui_n_lines(const lr_tui_t *m);
/* Body line i of the current screen (without the selection column), NULL
 * when i is past the end; valid until the model's next change. */
const char *lr_tui_line(const lr_tui_t *m, size_t i);
/* Index of the selected body line of a list screen, or of the selected LV
 * row of a version's detail (-1 on other text screens, or none). */
long lr_tui_cursor(const lr_tui_t *m);
/* On a version's detail screen: the name of the LV under the cursor (what
 * b brings back), "" when none or on another screen. Points into the
 * model, valid until its next change. */
const char *lr_tui_selected_lv(const lr_tui_t *m);
/* The open diff (owned by the model; NULL unless the diff screen is on the
 * stack). */
const struct lr_diff *lr_tui_diff(const lr_tui_t *m);
/* The change of the open diff the cursor is on (an index into its
 * changes), -1 when on a heading or no diff is open. */
long lr_tui_diff_change(const lr_tui_t *m);
/* The undo file of the restore under review (owned by the model; NULL when
 * none). */
const char *lr_tui_undo_path(const lr_tui_t *m);

/* ---- test mode ------------------------------------------------------------------
 * lvmtui --script KEYS: KEYS is text typed verbatim, with <Name> for keys
 * that are not characters: <Enter> <Esc> <Space> <Tab> <Up> <Down> <Left>
 * <Right> <PgUp> <PgDn> <Home> <End> <BS> (Backspace) <F1> <C-L>, plus two
 * commands: <Dump> (append the screen to the dump file) and
 * <Size=COLSxROWS> (a resize). A literal '<' is written <lt>; any other
 * '<' (an unknown <Name>, or one with no '>') is an error, so a typo never
 * turns into typed text. */

enum {
    LR_TUI_SCRIPT_DUMP = 0x120000, /* pseudo keys of a parsed script */
    LR_TUI_SCRIPT_SIZE,
};

typedef struct lr_tui_script_step {
    int key;        /* a key, LR_TUI_SCRIPT_DUMP or LR_TUI_SCRIPT_SIZE */
    int rows, cols; /* for LR_TUI_SCRIPT_SIZE */
} lr_tui_script_step_t;

/* Parses a script; *steps is malloc'd (caller frees). LR_EPARSE (err
 * names the token and its offset; *steps NULL) for an unknown <Name>, a
 * '<' that starts no <Name>, or a bad <Size=...>; -ENOMEM. */
int lr_tui_script_parse(const char *keys, lr_tui_script_step_t **steps, size_t *n, lr_error_t *err);

/* The frame as plain text for dumps: its lines with trailing spaces
 * removed, each ended by '\n'. *out is malloc'd (caller frees); -ENOMEM
 * (err filled) leaves it NULL. */
int lr_tui_frame_text(const lr_tui_frame_t *f, char **out, lr_error_t *err);

#endif
