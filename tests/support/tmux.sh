# Shared helpers of the lvmtui tests that drive a real terminal (bash;
# sourced by tests/tui/*-tmux.sh).
#
# The caller sets NAME (the ctest name, for SKIPPED/FAIL lines), and, once
# its private tmux server runs, SOCK (the tmux -L socket name: never the
# user's server) and SESSION (the session lvmtui runs in).
#
# Use:
#   NAME=tui-...; source "$(dirname "$0")/../support/tmux.sh"
# skip REASON prints "SKIPPED: NAME (REASON)" and exits 77; fail REASON
# prints "FAIL: NAME: REASON" with the screen, if a session runs, and
# exits 1.

skip() {
    echo "SKIPPED: $NAME ($*)"
    exit 77
}

fail() {
    echo "FAIL: $NAME: $*" >&2
    if [ -n "${SOCK:-}" ] && tmux -L "$SOCK" has-session 2>/dev/null; then
        echo "--- screen ---" >&2
        tmux -L "$SOCK" capture-pane -p -t "$SESSION" >&2
    fi
    exit 1
}

# new_session COLS ROWS COMMAND: SESSION running COMMAND in a COLSxROWS
# terminal on the private server SOCK (no config file), or fail. kill-server
# returns before the old server has closed its socket: a client meeting it
# then is told "server exited unexpectedly". So a failed start is tried once
# more, a moment later.
new_session() {
    local cols=$1 rows=$2 cmd=$3
    tmux -L "$SOCK" -f /dev/null new-session -d -s "$SESSION" -x "$cols" -y "$rows" "$cmd" &&
        return 0
    sleep 0.5
    tmux -L "$SOCK" -f /dev/null new-session -d -s "$SESSION" -x "$cols" -y "$rows" "$cmd" ||
        fail "cannot start tmux"
}

# screen: what the terminal shows now.
screen() {
    tmux -L "$SOCK" capture-pane -p -t "$SESSION"
}

# keys KEY...: type keys into the session (tmux send-keys arguments).
keys() {
    tmux -L "$SOCK" send-keys -t "$SESSION" "$@"
}

# wait_for TEXT [LINE]: until the screen (or only its LINE-th line, 1-based;
# -1 the last) shows TEXT, at most 15 s; fail otherwise.
wait_for() {
    local text=$1 line=${2:-0} i s
    for i in $(seq 150); do
        s=$(screen 2>/dev/null) || true
        if [ "$line" = -1 ]; then
            s=$(printf '%s\n' "$s" | sed -n '$p')
        elif [ "$line" != 0 ]; then
            s=$(printf '%s\n' "$s" | sed -n "${line}p")
        fi
        case $s in *"$text"*) return 0 ;; esac
        sleep 0.1
    done
    fail "timed out waiting for '$text'"
}
