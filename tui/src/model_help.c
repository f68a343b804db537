/* lvmtui view model: the help screen and the key hints of the status line. */
#include <stdio.h>

#include "model_int.h"

static const char *const help_text[] = {
    "lvmtui shows every LVM2 volume group found in the images, with every",
    "version of its metadata still on disk, and restores any of them.",
    "",
    "Everywhere",
    "  Up/Down, j/k        move",
    "  PgUp/PgDn           move a page",
    "  Home/End, g/G       first / last line",
    "  Enter, Right, l     open the selected line",
    "  Esc, Backspace, h, Left, q",
    "                      back (q on the VG list quits)",
    "  /                   search the lines of this screen; n / N next / previous",
    "  ?, F1               this help",
    "  Ctrl-L              redraw the screen",
    "",
    "VG list: one line per VG (UUID, PVs found/expected, newest seqno, number",
    "  of versions, status), then PV labels no VG names. Enter: its history.",
    "",
    "History: newest first. FLAGS: C committed (what LVM2 uses now),",
    "  P partial (only damaged copies survive), X conflict (another text with",
    "  the same seqno), ! bad checksum.",
    "  Enter   the version in detail (VG, PVs, LVs, extent map)",
    "  Space   mark the version; d then compares with the marked one",
    "  d       compare with the marked version, else with the newest one",
    "          (the newest is compared with the version before it)",
    "  R       restore this version (shows the plan; type yes and Enter)",
    "  C       restore it into copies of the images in a directory (asked",
    "          for, as lvmrepair does with an output directory): the images",
    "          are only read",
    "  e       export it as a file for vgcfgrestore -f FILE VG (an existing",
    "          file is replaced only when you type yes)",
    "",
    "Detail: the version's VG, PVs, LVs and extent map; d, Space, R and e as",
    "  in the history; j/k move the cursor over the LVs (it starts on the",
    "  first LV the current version lacks), and",
    "  b       bring back the LV under the cursor into the current version",
    "          (the newest committed one), everything else staying as it is;",
    "          the plan is shown as for R (type yes and Enter to write). When",
    "          the current version has an LV of that name, b asks for a new",
    "          name (the LV then gets a new UUID)",
    "  B       the same for LVs typed: NAME, several as NAME,NAME, or NAME as",
    "          NEWNAME",
    "",
    "Diff: n / p jump to the next / previous object changed (after a / search,",
    "  n repeats the search). R asks which side to restore (Enter: the older,",
    "  n: the newer); e exports the version the diff was opened for.",
    "",
    "Restore: lvmrepair's plan is shown first: the images and byte ranges it",
    "  writes, the new seqno, the LVs that come back or go away, and the undo",
    "  file that keeps every byte overwritten. Nothing is written unless you",
    "  type yes and Enter; anything else cancels. The plan's notes stay in",
    "  sight above the prompt. A gzip image cannot be written in place: the",
    "  review says so; c there (or C on a version) restores into copies in a",
    "  directory instead, as the lvmrepair command it shows does.",
    "",
    "lvmtui needs a terminal of at least 80x24. For scripts use lvmscan and",
    "lvmrepair. Colours (chosen when lvmtui starts; NO_COLOR turns them off)",
    "only repeat what the text says.",
};

int tui_build_help(lr_tui_t *m)
{
    tui_view_t *v = tui_view_of(m, LR_TUI_SCR_HELP);
    tui_view_clear(v);
    v->list = false;
    tui_view_set_wrap(v);
    int rc = tui_view_set_title(v, "Help");
    for (size_t i = 0; !rc && i < sizeof(help_text) / sizeof(help_text[0]); i++)
        rc = tui_view_add(v, LR_TUI_A_NORMAL, -1, false, "%s", help_text[i]);
    return rc ? rc : tui_wrap(m, v);
}

const char *tui_keys_hint(const lr_tui_t *m)
{
    if (m->prompt == LR_TUI_PROMPT_SEARCH || m->prompt == LR_TUI_PROMPT_EXPORT ||
        m->prompt == LR_TUI_PROMPT_LV || m->prompt == LR_TUI_PROMPT_LV_AS ||
        m->prompt == LR_TUI_PROMPT_OUTPUT)
        return "Enter:ok Esc:cancel";
    if (m->prompt == LR_TUI_PROMPT_CONFIRM)
        return "yes+Enter:write Esc:cancel PgUp/PgDn:scroll";
    if (m->prompt == LR_TUI_PROMPT_OVERWRITE)
        return "yes+Enter:overwrite Esc:cancel";
    if (m->prompt == LR_TUI_PROMPT_SIDE)
        return "Enter/o:older n+Enter:newer Esc:cancel";
    switch (tui_top(m)) {
    case LR_TUI_SCR_PROGRESS:
        return "q:stop scan";
    case LR_TUI_SCR_VGS:
        return "Enter:history /:find ?:help q:quit";
    case LR_TUI_SCR_HISTORY:
        return "Enter:open d:diff Spc:mark R:restore e:export ?:help q:back";
    case LR_TUI_SCR_DETAIL:
        return "d:diff Spc:mark R:restore j/k+b:LV back e:export ?:help q:back";
    case LR_TUI_SCR_DIFF:
        return "n/p:change R:restore e:export /:find ?:help q:back";
    case LR_TUI_SCR_REVIEW:
        if (m->review == LR_TUI_REVIEW_REFUSED && m->plan && !m->review_lv[0])
            return "c:restore into copies Esc/q:back";
        return m->review == LR_TUI_REVIEW_RUNNING ? "writing..." : "Esc/q:back";
    case LR_TUI_SCR_HELP:
        return "Up/Down:scroll q:back";
    default:
        return "";
    }
}
