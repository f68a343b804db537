#!/usr/bin/env bash
# Interop: lvmscan's LV count ("lvs" in --json) equals LVM2's own lv_count
# on a VG with old-style snapshots. LVM2 writes a snapshot as three LVs:
# the origin, the COW LV (no VISIBLE in its status) and snapshotN (no
# VISIBLE, a segment of type "snapshot" naming both); `vgs -o lv_count`
# counts the COW as visible when its origin is (snapshot_manip.c
# lv_is_visible; 2.03.16 counts it even when the origin is hidden). Without
# device-mapper lvcreate cannot make snapshots, so the text is loaded with
# `vgcfgrestore --force` on a loop device of our own, LVM2 writes it back
# itself (vgchange --addtag), and both programs count the committed
# version: one visible origin with a snapshot, one hidden origin with a
# snapshot, a plain LV (4 for LVM2: data, data_cow, hid_cow, plain).
#
# usage: lvcount-interop.sh PATH/TO/lvmscan
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: lvcount-interop
# (reason)" and exits 77. Only the loop device it attached is detached, and
# LVM2 only sees that one (a devices filter).
set -u
# lr_skip, lr_fail, lr_cleanup (LR_NAME, LR_TMP, LR_LOOPS)
source "$(dirname "$0")/../support/interop.sh"

LR_NAME=lvcount-interop
LVMSCAN=${1:-}




[ -n "$LVMSCAN" ] || { echo "usage: $0 PATH/TO/lvmscan" >&2; exit 2; }
[ -x "$LVMSCAN" ] || lr_fail "$LVMSCAN not built"
[ "$(id -u)" -eq 0 ] || lr_skip "needs root to attach loop devices"
command -v losetup >/dev/null 2>&1 || lr_skip "no losetup (util-linux)"
[ -e /dev/loop-control ] || lr_skip "no loop device support"
for t in pvcreate vgcreate vgcfgbackup vgcfgrestore vgchange vgs; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t (lvm2)"
done
command -v python3 >/dev/null 2>&1 || lr_skip "no python3"

trap lr_cleanup EXIT
LR_TMP=$(mktemp -d /tmp/lr-lvcount.XXXXXX) || lr_fail "mktemp"
truncate -s 32M "$LR_TMP/disk.img"
LOOP=$(losetup -f --show "$LR_TMP/disk.img" 2>/dev/null) || lr_skip "cannot attach a loop device"
LR_LOOPS=("$LOOP")
export LVM_SUPPRESS_FD_WARNINGS=1
VG=truthlvc$$
CFG="global{activation=0} backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0 filter=[\"a|^$LOOP\$|\",\"r|.*|\"]}"
pvcreate --config "$CFG" -y "$LOOP" >/dev/null 2>"$LR_TMP/err" || lr_skip "pvcreate failed: $(cat "$LR_TMP/err")"
vgcreate --config "$CFG" -s 1m "$VG" "$LOOP" >/dev/null 2>>"$LR_TMP/err" || lr_fail "vgcreate: $(cat "$LR_TMP/err")"
vgcfgbackup --config "$CFG" -f "$LR_TMP/vg.txt" "$VG" >/dev/null 2>>"$LR_TMP/err" || lr_fail "vgcfgbackup"

# The LVs: extents 0.. of pv0, 1 MiB each.
lv() { # name uuid status first_pe [count]
    printf '%s {\nid = "%s"\nstatus = [%s]\nflags = []\nsegment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = %s\ntype = "striped"\nstripe_count = 1\nstripes = ["pv0", %s]\n}\n}\n' \
        "$1" "$2" "$3" "${5:-1}" "$4"
}
snap() { # name uuid origin cow
    printf '%s {\nid = "%s"\nstatus = ["READ"]\nflags = []\nsegment_count = 1\nsegment1 {\nstart_extent = 0\nextent_count = 1\ntype = "snapshot"\nchunk_size = 8\norigin = "%s"\ncow_store = "%s"\n}\n}\n' \
        "$1" "$2" "$3" "$4"
}
{
    echo "logical_volumes {"
    lv data "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc001" '"READ", "WRITE", "VISIBLE"' 0
    lv data_cow "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc002" '"READ", "WRITE"' 1
    snap snapshot0 "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc003" data data_cow
    lv hid "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc004" '"READ", "WRITE"' 2
    lv hid_cow "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc005" '"READ", "WRITE"' 3
    snap snapshot1 "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc006" hid hid_cow
    lv plain "aaaaaa-aaaa-aaaa-aaaa-aaaa-aaaa-lvc007" '"READ", "WRITE", "VISIBLE"' 4
    echo "}"
} >"$LR_TMP/lvs.txt"
# Insert the LVs after the physical_volumes section (its closing brace is
# the first line that is a lone tab + "}" after "physical_volumes {").
python3 - "$LR_TMP/vg.txt" "$LR_TMP/lvs.txt" <<'PY' || lr_fail "editing the backup"
import sys
text = open(sys.argv[1]).read()
lvs = open(sys.argv[2]).read()
i = text.index("physical_volumes {")
depth = 0
for j in range(i, len(text)):
    if text[j] == "{":
        depth += 1
    elif text[j] == "}":
        depth -= 1
        if depth == 0:
            break
text = text[: j + 1] + "\n\n" + lvs + text[j + 1 :]
open(sys.argv[1], "w").write(text)
PY
vgcfgrestore --config "$CFG" --force -f "$LR_TMP/vg.txt" "$VG" >/dev/null 2>>"$LR_TMP/err" ||
    lr_fail "vgcfgrestore --force: $(cat "$LR_TMP/err")"
vgchange --config "$CFG" --addtag lvcount "$VG" >/dev/null 2>>"$LR_TMP/err" || lr_fail "vgchange"
want=$(vgs --config "$CFG" --noheadings -o lv_count,vg_seqno "$VG" 2>>"$LR_TMP/err") || lr_fail "vgs"
read -r want_count want_seqno <<<"$want"
[ -n "$want_count" ] || lr_fail "vgs printed nothing"
losetup -d "$LOOP" || lr_fail "detach $LOOP"
LR_LOOPS=()

got=$("$LVMSCAN" --json "$LR_TMP/disk.img" | python3 -c '
import json, sys
d = json.load(sys.stdin)
seqno = int(sys.argv[1])
n = [c["lvs"] for c in d["copies"] if c["seqno"] == seqno and c["committed"]]
print(n[0] if n else "none")' "$want_seqno") || lr_fail "lvmscan --json"
[ "$got" = "$want_count" ] || lr_fail "LVM2 lv_count $want_count at seqno $want_seqno, lvmscan says $got"
[ "$want_count" = 4 ] || lr_fail "LVM2 counted $want_count LVs (expected data, plain and both snapshots: the fixture is not what it should be)"
echo "PASSED: $LR_NAME: lv_count $want_count at seqno $want_seqno, as LVM2"
