#!/bin/bash
# lvmtui in a real terminal (tmux, 80x24): restore into copies and the
# plan's notes kept above the confirmation (issue 14).
# 1. fixtures/history's gzip image (a copy): R on seqno 15 is refused in
#    place; c asks for a directory, the plan names the copy, "yes" writes
#    it; lvmscan --json of the copy shows seqno 17 with lv3 back (4 LVs),
#    the .gz is byte-identical.
# 2. fixtures/reinit (decompressed): R on oldvg seqno 11 takes newvg's
#    area; "that VG will no longer be found" is on screen right above the
#    prompt, also after paging to the end of the plan. Esc cancels.
#
# Usage: copy-tmux.sh PATH/TO/lvmtui PATH/TO/lvmscan FIXTURES_DIR
# Without tmux or python3 it prints "SKIPPED: tui-copy-tmux (reason)", exit 77.
set -u
NAME=tui-copy-tmux
LVMTUI=${1:-}
LVMSCAN=${2:-}
FIXTURES=${3:-}
source "$(dirname "$0")/../support/tmux.sh"
[ -x "$LVMTUI" ] && [ -x "$LVMSCAN" ] && [ -d "$FIXTURES" ] ||
    { echo "usage: $0 PATH/TO/lvmtui PATH/TO/lvmscan FIXTURES_DIR" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
command -v python3 >/dev/null 2>&1 || skip "no python3"
LVMTUI=$(readlink -f "$LVMTUI")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lr-tui-copy.XXXXXX")
SOCK=lr-tui-copy-$$
SESSION=lvmtui
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$WORK"' EXIT

# copy_review DIR: lvmtui on disk.img.gz, R on seqno 15 refused in place,
# c with DIR: the review of the restore into copies, at its prompt.
copy_review() {
    new_session 80 24 "cd '$WORK' && '$LVMTUI' disk.img.gz; sleep 60"
    wait_for "Volume groups found in 1 image"
    keys Enter
    wait_for "History of VG vg0"
    keys Down
    wait_for "vg0 seqno 15" -1
    keys R
    wait_for "c:restore into copies" -1
    keys c
    wait_for "Restore vg0 seqno 15 into copies in directory:"
    keys -l "$1"
    keys Enter
    wait_for "Type yes and Enter"
}

# ---- 1: into copies --------------------------------------------------------
cp "$FIXTURES/history/disk.img.gz" "$WORK/disk.img.gz"
mkdir "$WORK/out"
copy_review out
screen | grep -q "Restore vg0 seqno 15 into copies in out" || fail "the title does not name the copies"
keys -l yes
keys Enter
wait_for "RESTORED INTO COPIES in out"
tmux -L "$SOCK" kill-server 2>/dev/null
cmp -s "$WORK/disk.img.gz" "$FIXTURES/history/disk.img.gz" || fail "the gzip image changed"
"$LVMSCAN" --json --no-evidence "$WORK/out/disk.img" | python3 -c '
import json, sys
v = json.load(sys.stdin)["vgs"][0]
new = [x for x in v["versions"] if x["seqno"] == v["latest_seqno"]][0]
assert v["latest_seqno"] == 17 and v["committed_seqno"] == 17 and new["lvs"] == 4, (v["latest_seqno"], new)
' || fail "the copy does not hold seqno 17 with lv3 back"

# ---- 2: notes above the prompt --------------------------------------------
gzip -dc "$FIXTURES/reinit/disk.img.gz" >"$WORK/reinit.img" || fail "gunzip"
new_session 80 24 "cd '$WORK' && '$LVMTUI' reinit.img; sleep 60"
wait_for "Volume groups found in 1 image"
keys Down Enter
wait_for "History of VG oldvg"
keys R
wait_for "Type yes and Enter"
for page in 0 1 2 3; do
    # the notes end on the line above the prompt (line 22 of 24)
    screen | sed -n 18,22p | tr -d '\n' | grep -q "no longer be found" ||
        fail "the note is not right above the prompt (page $page)"
    screen | grep -q "Before you type yes, note" || fail "no notes heading (page $page)"
    keys PageDown
    sleep 0.2
done
keys Escape
wait_for "Restore cancelled"
cmp -s "$WORK/reinit.img" <(gzip -dc "$FIXTURES/reinit/disk.img.gz") || fail "reinit.img changed"
tmux -L "$SOCK" kill-server 2>/dev/null

# ---- 3: a directory too full for the undo file ----------------------------
# (root only: a small tmpfs) The copy fits (36 KiB of data), the undo file
# cannot reserve its space: the run is refused before its first write and
# the copy it made is removed, so a second try is not refused as existing.
if [ "$(id -u)" -eq 0 ] && mkdir "$WORK/full" &&
    mount -t tmpfs -o size=40k lr-tui-full "$WORK/full" 2>/dev/null; then
    trap 'tmux -L "$SOCK" kill-server 2>/dev/null; umount "$WORK/full" 2>/dev/null; rm -rf "$WORK"' EXIT
    copy_review full
    keys -l yes
    keys Enter
    wait_for "Removed the 1 copy made in full"
    tmux -L "$SOCK" kill-server 2>/dev/null
    [ -z "$(ls -A "$WORK/full")" ] || fail "the refused run left $(ls -A "$WORK/full") in full/"
    umount "$WORK/full"
else
    echo "note: part 3 (a full directory) needs root and a tmpfs mount; not run"
fi
echo "PASSED: $NAME"
