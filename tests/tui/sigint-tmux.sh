#!/bin/bash
# Ctrl-C in lvmtui (a real terminal: tmux) restores the terminal and exits
# 130, as lvmtui.1 says, never 1 (which means "the scan failed").
# Usage: sigint-tmux.sh PATH/TO/lvmtui FIXTURES_DIR
# Without tmux it prints "SKIPPED: tui-sigint (reason)" and exits 77.
set -u
NAME=tui-sigint
LVMTUI=${1:-}
FIXTURES=${2:-}
[ -x "$LVMTUI" ] && [ -d "$FIXTURES" ] || { echo "usage: $0 PATH/TO/lvmtui FIXTURES_DIR" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || { echo "SKIPPED: $NAME (tmux not installed)"; exit 77; }
SOCK=lr-sigint-$$
T=$(mktemp -d /tmp/lr-sigint.XXXXXX) || exit 1
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$T"' EXIT
tmux -L "$SOCK" new-session -d -s s -x 100 -y 30 \
    "'$LVMTUI' '$FIXTURES/history/disk.img.gz'; echo \$? >'$T/rc'; sleep 5"
for _ in $(seq 50); do
    tmux -L "$SOCK" capture-pane -p -t s | grep -q "vg0" && break
    sleep 0.2
done
tmux -L "$SOCK" send-keys -t s C-c
for _ in $(seq 50); do
    [ -s "$T/rc" ] && break
    sleep 0.2
done
rc=$(cat "$T/rc" 2>/dev/null)
[ "$rc" = 130 ] || { echo "FAIL: $NAME: exit status '$rc' after Ctrl-C, not 130" >&2; exit 1; }
echo "PASSED: $NAME: Ctrl-C exits 130"
