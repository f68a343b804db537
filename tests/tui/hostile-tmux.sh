#!/bin/bash
# lvmtui under hostile use (issue 17), in a real terminal (tmux):
#   - with the restore screen open, the terminal shrinks below 80x24 (only
#     "needs 80x24" is shown) and "yes" Enter is typed: nothing is written;
#     grown back, the screen still asks;
#   - q on the too-small screen leaves (exit 0);
#   - Ctrl-C leaves with the terminal restored, exit 130 (not 1, "scan
#     failed");
#   - TERM=dumb (no cursor addressing) and an unknown TERM are refused
#     with exit 2 before any key is read.
#
# Usage: hostile-tmux.sh PATH/TO/lvmtui FIXTURES_DIR
# Without tmux it prints "SKIPPED: tui-hostile-tmux (reason)" and exits 77.
set -u

NAME=tui-hostile-tmux
LVMTUI=${1:-}
FIXTURES=${2:-}

# skip, fail, screen, keys, wait_for
source "$(dirname "$0")/../support/tmux.sh"
[ -x "$LVMTUI" ] && [ -d "$FIXTURES" ] || { echo "usage: $0 PATH/TO/lvmtui FIXTURES_DIR" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
LVMTUI=$(readlink -f "$LVMTUI")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lr-tui-hostile.XXXXXX")
SOCK=
SESSION=lvmtui
RUN=0
trap '[ -n "$SOCK" ] && tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$WORK"' EXIT
gzip -dc "$FIXTURES/history/disk.img.gz" >"$WORK/disk.img" || fail "cannot decompress the fixture"
H0=$(sha256sum "$WORK/disk.img" | cut -d' ' -f1)

# start [ENV=VALUE...]: lvmtui disk.img in a fresh 100x30 session
start() {
    rm -f "$WORK/exit"
    [ -n "$SOCK" ] && tmux -L "$SOCK" kill-server 2>/dev/null
    RUN=$((RUN + 1))
    SOCK=lr-tui-hostile-$$-$RUN # a private tmux server per run
    new_session 100 30 "cd '$WORK' && env $* '$LVMTUI' disk.img; echo \$? >'$WORK/exit'; sleep 60"
}
exit_status() {
    local i
    for i in $(seq 100); do
        [ -s "$WORK/exit" ] && { cat "$WORK/exit"; return; }
        sleep 0.1
    done
    fail "lvmtui did not leave"
}
size() { tmux -L "$SOCK" resize-window -t "$SESSION" -x "$1" -y "$2"; }

# ---- keys typed while the screen is too small wait
start TERM=xterm
wait_for "Volume groups found in 1 image (disk.img)"
keys Enter
wait_for "History of VG vg0"
keys Down
wait_for "vg0 seqno 15"
keys R
wait_for "Type yes and Enter"
size 70 20
wait_for "lvmtui needs 80x24"
wait_for "q quits"
keys -l yes
keys Enter
sleep 1
size 100 30
wait_for "Type yes and Enter"
screen | grep -q "RESTORED" && fail "the restore ran on keys typed while the screen was too small"
[ "$(sha256sum "$WORK/disk.img" | cut -d' ' -f1)" = "$H0" ] || fail "the image changed"
ls "$WORK"/disk.img.lvmrepair-undo-* >/dev/null 2>&1 && fail "an undo file was made"
size 60 10
wait_for "lvmtui needs 80x24"
keys q
[ "$(exit_status)" = 0 ] || fail "q on the too-small screen: exit $(cat "$WORK/exit"), want 0"
echo "$NAME: keys typed on the too-small screen did nothing; q left"

# ---- Ctrl-C
start TERM=xterm
wait_for "Volume groups found in 1 image (disk.img)"
keys C-c
[ "$(exit_status)" = 130 ] || fail "Ctrl-C: exit $(cat "$WORK/exit"), want 130"
echo "$NAME: Ctrl-C left with exit 130"

# ---- terminals that cannot show the screens
for t in dumb lr-no-such-terminal; do
    start TERM=$t
    [ "$(exit_status)" = 2 ] || fail "TERM=$t: exit $(cat "$WORK/exit"), want 2"
    case $t in
    dumb) wait_for "cannot move the cursor" ;;
    *) wait_for "TERM) is unknown" ;;
    esac
done
[ "$(sha256sum "$WORK/disk.img" | cut -d' ' -f1)" = "$H0" ] || fail "the image changed"
echo "$NAME: TERM=dumb and an unknown TERM refused with exit 2"
echo "$NAME: passed"
