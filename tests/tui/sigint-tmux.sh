#!/bin/bash
# Ctrl-C in lvmtui (a real terminal: tmux) restores the terminal and exits
# 130, as lvmtui.1 says, never 1 (which means "the scan failed").
# Usage: sigint-tmux.sh PATH/TO/lvmtui FIXTURES_DIR
# Without tmux it prints "SKIPPED: tui-sigint (reason)" and exits 77.
set -u
NAME=tui-sigint
LVMTUI=${1:-}
FIXTURES=${2:-}
# skip, fail, new_session, screen, keys, wait_for
source "$(dirname "$0")/../support/tmux.sh"
[ -x "$LVMTUI" ] && [ -d "$FIXTURES" ] || { echo "usage: $0 PATH/TO/lvmtui FIXTURES_DIR" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
SOCK=lr-sigint-$$
SESSION=s
T=$(mktemp -d /tmp/lr-sigint.XXXXXX) || exit 1
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$T"' EXIT
new_session 100 30 "'$LVMTUI' '$FIXTURES/history/disk.img.gz'; echo \$? >'$T/rc'; sleep 5"
for _ in $(seq 50); do
    screen | grep -q "vg0" && break
    sleep 0.2
done
keys C-c
for _ in $(seq 50); do
    [ -s "$T/rc" ] && break
    sleep 0.2
done
rc=$(cat "$T/rc" 2>/dev/null)
[ "$rc" = 130 ] || fail "exit status '$rc' after Ctrl-C, not 130"
echo "PASSED: $NAME: Ctrl-C exits 130"
