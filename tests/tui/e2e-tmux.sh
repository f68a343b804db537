#!/bin/bash
# End-to-end test of lvmtui in a real terminal (tmux, 100x30): on a
# decompressed copy of the history fixture (seqno 16 was
# `lvremove -f vg0/lv3`) it opens the VG, its history, selects seqno 15 (the
# version before the lvremove), checks that the diff names lv3, restores it
# with R + "yes" + Enter, and quits; on a second copy it brings back lv3
# with b on its row of the detail of seqno 15 (not data, which b on its row
# would ask a new name for). Then `lvmscan --json` of the image must
# show the newest version, seqno 17, with lv3 back (4 LVs); and where root,
# loop devices and lvm2 exist, real LVM2's `lvs` must list lv3 again
# (activation off, a filter accepting only our own loop device, which is the
# only one detached afterwards).
#
# Usage: e2e-tmux.sh PATH/TO/lvmtui PATH/TO/lvmscan FIXTURES_DIR
# Without tmux it prints "SKIPPED: tui-e2e-tmux (reason)" and exits 77.
set -u

NAME=tui-e2e-tmux
LVMTUI=${1:-}
LVMSCAN=${2:-}
FIXTURES=${3:-}

# skip, fail, screen, keys, wait_for
source "$(dirname "$0")/../support/tmux.sh"

[ -x "$LVMTUI" ] && [ -d "$FIXTURES" ] ||
    { echo "usage: $0 PATH/TO/lvmtui PATH/TO/lvmscan FIXTURES_DIR" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
[ -x "$LVMSCAN" ] || skip "lvmscan not built"
if command -v jq >/dev/null 2>&1; then
    JSON=jq
elif command -v python3 >/dev/null 2>&1; then
    JSON=python3
else
    skip "neither jq nor python3 to read lvmscan --json"
fi
LVMTUI=$(readlink -f "$LVMTUI")
LVMSCAN=$(readlink -f "$LVMSCAN")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lr-tui-e2e.XXXXXX")
SOCK=lr-tui-e2e-$$  # a private tmux server: never touches the user's
SESSION=lvmtui
LOOP=
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null
    [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

gzip -dc "$FIXTURES/history/disk.img.gz" >"$WORK/disk.img" || fail "cannot decompress the fixture"
IMG=$WORK/disk.img

# quit_from_result: from a restore's result back to the history (now 17
# versions), the VG list, and out; lvmtui must exit 0.
quit_from_result() {
    local i
    keys q
    wait_for "History of VG vg0: 17 versions, newest first"
    keys q
    wait_for "Volume groups found"
    keys q
    for i in $(seq 100); do
        [ -s "$WORK/exit" ] && break
        sleep 0.1
    done
    [ -s "$WORK/exit" ] || fail "lvmtui ($SESSION) did not quit"
    [ "$(cat "$WORK/exit")" = 0 ] || fail "lvmtui ($SESSION) exited $(cat "$WORK/exit")"
}

# ---- drive lvmtui --------------------------------------------------------

new_session 100 30 "cd '$WORK' && '$LVMTUI' disk.img; echo \$? >'$WORK/exit'; sleep 60"

wait_for "Volume groups found in 1 image (disk.img)"
wait_for "vg0 seqno 16" -1
screen | grep -q "consistent" || fail "the VG list does not show vg0 as consistent"

keys Enter
wait_for "History of VG vg0: 16 versions, newest first"
screen | grep -q "lvremove -f vg0/lv3" || fail "the history does not show the lvremove"

keys Down
wait_for "vg0 seqno 15" -1
keys d
wait_for "Diff of VG vg0: seqno 15 -> seqno 16"
screen | grep -q "LV lv3: removed" || fail "the diff does not name lv3"

keys Escape
wait_for "History of VG vg0"
wait_for "vg0 seqno 15" -1
keys R
wait_for "Type yes and Enter"
screen | grep -q "LV lv3 comes back" || fail "the plan does not say lv3 comes back"
keys -l yes
keys Enter
wait_for "RESTORED: vg0 seqno 15 is now seqno 17"
screen | grep -q "verified" || fail "the restore was not verified"
ls "$WORK"/disk.img.lvmrepair-undo-* >/dev/null 2>&1 || fail "no undo file next to the image"

quit_from_result

# ---- b on the detail: the LV under the cursor comes back ----------------
# A second copy: the detail of seqno 15 opens with the cursor on lv3 (the
# LV seqno 16 lacks); k moves it to data, which seqno 16 has: b asks only
# for a new name (Esc cancels); j back to lv3, b shows the plan for lv3
# alone, and yes + Enter writes seqno 17 with lv3 back.
gzip -dc "$FIXTURES/history/disk.img.gz" >"$WORK/lv.img" || fail "cannot decompress the fixture"
cp "$WORK/lv.img" "$WORK/lv.pristine"
SESSION=lvmtui-b
rm -f "$WORK/exit"
new_session 100 30 "cd '$WORK' && '$LVMTUI' lv.img; echo \$? >'$WORK/exit'; sleep 60"
wait_for "vg0 seqno 16" -1
keys Enter
wait_for "History of VG vg0"
keys Down
wait_for "vg0 seqno 15" -1
keys Enter
wait_for "Version vg0 seqno 15"
screen | grep -q '^>   lv3 ' || fail "the detail does not open with the cursor on lv3"
keys k
wait_for ">   data "
keys b
wait_for "data is taken in the current version"
keys Escape
wait_for "j/k+b:LV back" -1
cmp -s "$WORK/lv.img" "$WORK/lv.pristine" || fail "b on data wrote to the image"
keys j
wait_for '>   lv3 '
keys b
wait_for "Type yes and Enter"
screen | grep -q "Bring back LV lv3 from vg0 seqno 15" || fail "b does not bring back lv3"
screen | grep -q "LV lv3 comes back" || fail "the plan does not say lv3 comes back"
keys -l yes
keys Enter
wait_for "BROUGHT BACK: LV lv3 of vg0 seqno 15 into seqno 16, now seqno 17"
quit_from_result
"$LVMSCAN" --json "$WORK/lv.img" >"$WORK/lv.json" || fail "lvmscan --json failed (b)"
lvs_of() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = [g for g in d["vgs"] if g["name"] == "vg0"][0]
print(v["latest_seqno"], v["versions"][0]["lvs"])' "$1"
}
if [ "$JSON" = python3 ]; then
    got=$(lvs_of "$WORK/lv.json")
else
    got=$(jq -r '.vgs[] | select(.name == "vg0") | "\(.latest_seqno) \(.versions[0].lvs)"' \
        "$WORK/lv.json")
fi
[ "$got" = "17 4" ] || fail "after b, lvmscan shows latest seqno and LVs '$got', want '17 4'"
echo "$NAME: b brought back lv3 (the LV under the cursor) as seqno 17"
SESSION=lvmtui

# ---- the image, as lvmscan sees it ------------------------------------

"$LVMSCAN" --json "$IMG" >"$WORK/scan.json" || fail "lvmscan --json failed"
if [ "$JSON" = jq ]; then
    got=$(jq -r '.vgs[] | select(.name == "vg0") |
                 "\(.latest_seqno) \(.versions[0].seqno) \(.versions[0].lvs) \(.versions[0].committed)"' \
        "$WORK/scan.json")
else
    got=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = [g for g in d["vgs"] if g["name"] == "vg0"][0]
n = v["versions"][0]
print(v["latest_seqno"], n["seqno"], n["lvs"], "true" if n["committed"] else "false")' "$WORK/scan.json")
fi
[ "$got" = "17 17 4 true" ] ||
    fail "lvmscan shows latest/newest seqno, LVs, committed = '$got', want '17 17 4 true'"
echo "$NAME: lvmscan shows vg0 seqno 17 committed with 4 LVs (lv3 back)"

# ---- and as LVM2 sees it (root, loop devices, lvm2) ----------------------

lvm_reason=
if [ "$(id -u)" != 0 ]; then
    lvm_reason="needs root for loop devices"
elif ! command -v losetup >/dev/null 2>&1 || ! command -v lvs >/dev/null 2>&1; then
    lvm_reason="losetup or lvm2 not installed"
elif [ ! -e /dev/loop-control ]; then
    lvm_reason="no loop device support"
fi
if [ -n "$lvm_reason" ]; then
    echo "$NAME: real LVM2 check skipped ($lvm_reason)"
    echo "$NAME: passed"
    exit 0
fi
LOOP=$(losetup -f --show -r "$IMG" 2>/dev/null) || {
    echo "$NAME: real LVM2 check skipped (cannot attach a loop device)"
    echo "$NAME: passed"
    exit 0
}
export LVM_SUPPRESS_FD_WARNINGS=1
CONF="global{activation=0} backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0 filter=[\"a|^$LOOP\$|\",\"r|.*|\"]}"
lvs --config "$CONF" --noheadings -o lv_name,vg_seqno vg0 >"$WORK/lvs.out" 2>"$WORK/lvs.err" ||
    fail "lvs failed: $(cat "$WORK/lvs.err")"
losetup -d "$LOOP" || fail "losetup -d $LOOP failed"
LOOP=
names=$(awk '{print $1}' "$WORK/lvs.out" | sort | tr '\n' ' ')
seqnos=$(awk '{print $2}' "$WORK/lvs.out" | sort -u | tr '\n' ' ')
[ "$names" = "data lv1 lv3 lv4 " ] || fail "LVM2's lvs lists '$names', want 'data lv1 lv3 lv4'"
[ "$seqnos" = "17 " ] || fail "LVM2 reads seqno '$seqnos', want 17"
echo "$NAME: LVM2's lvs lists data lv1 lv3 lv4 at seqno 17"
echo "$NAME: passed"
exit 0
