/* lvmtui: ncursesw drawing of model frames and key reading. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "draw.h"

enum { PAIR_GOOD = 1, PAIR_WARN, PAIR_BAD, PAIR_MARK };

static bool use_color;

static bool want_color(tui_draw_color_t mode)
{
    if (mode == TUI_DRAW_COLOR_NEVER || !has_colors())
        return false;
    if (mode == TUI_DRAW_COLOR_ALWAYS)
        return true;
    const char *nc = getenv("NO_COLOR"); /* https://no-color.org: set and not empty */
    return !(nc && *nc);
}

static SCREEN *screen;

const char *tui_draw_start(tui_draw_color_t mode)
{
    /* newterm, not initscr: initscr exits the program on a bad terminal */
    screen = newterm(NULL, stdout, stdin);
    if (!screen)
        return "the terminal type (TERM) is unknown";
    const char *cup = tigetstr("cup");
    if (!cup || cup == (const char *)-1) {
        endwin();
        delscreen(screen);
        screen = NULL;
        return "the terminal (TERM) cannot move the cursor";
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    mousemask(0, NULL);
    curs_set(0);
    use_color = want_color(mode);
    if (use_color) {
        start_color();
        use_default_colors();
        init_pair(PAIR_GOOD, COLOR_GREEN, -1);
        init_pair(PAIR_WARN, COLOR_YELLOW, -1);
        init_pair(PAIR_BAD, COLOR_RED, -1);
        init_pair(PAIR_MARK, COLOR_CYAN, -1);
    }
    return NULL;
}

void tui_draw_end(void)
{
    endwin();
}

void tui_draw_size(int *rows, int *cols)
{
    getmaxyx(stdscr, *rows, *cols);
}

/* Styles never carry meaning of their own: without colours, reverse video
 * and bold keep the layout readable and the text says the rest. */
static attr_t attr_of(lr_tui_attr_t a)
{
    switch (a) {
    case LR_TUI_A_TITLE:
    case LR_TUI_A_STATUS:
        return A_REVERSE;
    case LR_TUI_A_HEADER:
        return A_BOLD;
    case LR_TUI_A_SELECTED:
        return A_REVERSE | A_BOLD;
    case LR_TUI_A_GOOD:
        return use_color ? COLOR_PAIR(PAIR_GOOD) : A_NORMAL;
    case LR_TUI_A_WARN:
        return use_color ? COLOR_PAIR(PAIR_WARN) : A_NORMAL;
    case LR_TUI_A_BAD:
        return use_color ? COLOR_PAIR(PAIR_BAD) | A_BOLD : A_BOLD;
    case LR_TUI_A_MARK:
        return use_color ? COLOR_PAIR(PAIR_MARK) | A_BOLD : A_BOLD;
    case LR_TUI_A_PROMPT:
        return A_BOLD;
    default:
        return A_NORMAL;
    }
}

void tui_draw_frame(const lr_tui_frame_t *f, bool clear_first)
{
    if (clear_first)
        clearok(curscr, TRUE);
    erase();
    for (int r = 0; r < f->rows; r++) {
        attrset(attr_of(f->attrs[r]));
        /* the last cell of the last line cannot advance the cursor: the
         * character is still written, the ERR is expected */
        mvaddstr(r, 0, f->lines[r]);
    }
    attrset(A_NORMAL);
    if (f->cursor_row >= 0) {
        curs_set(1);
        move(f->cursor_row, f->cursor_col);
    } else {
        curs_set(0);
    }
    refresh();
}

void tui_draw_beep(void)
{
    beep();
}

static int map_code(int c)
{
    switch (c) {
    case KEY_UP:
        return LR_TUI_KEY_UP;
    case KEY_DOWN:
        return LR_TUI_KEY_DOWN;
    case KEY_LEFT:
        return LR_TUI_KEY_LEFT;
    case KEY_RIGHT:
        return LR_TUI_KEY_RIGHT;
    case KEY_PPAGE:
        return LR_TUI_KEY_PGUP;
    case KEY_NPAGE:
        return LR_TUI_KEY_PGDN;
    case KEY_HOME:
        return LR_TUI_KEY_HOME;
    case KEY_END:
        return LR_TUI_KEY_END;
    case KEY_BACKSPACE:
    case KEY_DC:
        return LR_TUI_KEY_BACKSPACE;
    case KEY_ENTER:
        return LR_TUI_KEY_ENTER;
    case KEY_RESIZE:
        return TUI_DRAW_KEY_RESIZE;
    default:
        return c == KEY_F(1) ? LR_TUI_KEY_F1 : -1;
    }
}

int tui_draw_key(bool blocking)
{
    timeout(blocking ? -1 : 0);
    for (;;) {
        wint_t ch;
        int r = get_wch(&ch);
        if (r == ERR)
            return -1;
        if (r == KEY_CODE_YES) {
            int k = map_code((int)ch);
            if (k != -1 || !blocking)
                return k;
            continue; /* a key we have no use for */
        }
        if (ch == '\r' || ch == '\n')
            return LR_TUI_KEY_ENTER;
        if (ch == 127 || ch == 8)
            return LR_TUI_KEY_BACKSPACE;
        return (int)ch;
    }
}
