/* lvmtui: drawing model frames with ncursesw, and reading keys. The only
 * place that knows ncurses; it takes no decision of its own. */
#ifndef LR_TUI_DRAW_H
#define LR_TUI_DRAW_H

#include <stdbool.h>

#include "lr/tui.h"

typedef enum tui_draw_color {
    TUI_DRAW_COLOR_AUTO = 0, /* when the terminal has colours and NO_COLOR is unset or empty */
    TUI_DRAW_COLOR_NEVER,
    TUI_DRAW_COLOR_ALWAYS,
} tui_draw_color_t;

/* Starts curses on the terminal: no echo, keys unbuffered, keypad, mouse
 * off, colours per mode. Returns NULL, or why the terminal cannot show the
 * screens (its type is unknown, or it cannot address the cursor, e.g.
 * TERM=dumb: keys must never act on a screen that is not shown); the
 * terminal is then left as it was. */
const char *tui_draw_start(tui_draw_color_t mode);
void tui_draw_end(void);
/* Terminal size. */
void tui_draw_size(int *rows, int *cols);
/* Paints a frame; clear_first repaints the whole terminal (Ctrl-L). */
void tui_draw_frame(const lr_tui_frame_t *f, bool clear_first);
void tui_draw_beep(void);
/* Reads one key as an lr_tui key; blocking waits for one, else returns -1
 * when none is pending. A resize comes back as TUI_DRAW_KEY_RESIZE. */
#define TUI_DRAW_KEY_RESIZE (-2)
int tui_draw_key(bool blocking);

#endif
