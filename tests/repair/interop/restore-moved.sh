#!/usr/bin/env bash
# Interop: a PV moved to another VG (vgsplit, vgmerge) is not given back.
# Real LVM2 makes VG A on pv1+pv2 and VG B on pv3, splits pv2 off A into
# C (moving LV a2), renames C and merges it into B. A's version before the
# split, and C's last version, both list pv2, whose metadata area now
# commits B's version: restoring either would make two VGs claim pv2 (LVM2
# lists both without a warning and would allocate its extents twice), so
# lvmrepair refuses, names B and writes nothing; lvmscan does not take the
# split for a loss to undo. Restoring B's own older
# version (only pv3) still works and LVM2 reads it.
#
# usage: restore-moved.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_interop_moved "$1" "$2"
lr_moved_need

A=lrmv$$a B=lrmv$$b C=lrmv$$c D=lrmv$$d
lr_make_moved "$LR_TMP/orig" "$A" "$B" "$C" "$D" merge
mkdir -p "$LR_TMP/work"
cp "$LR_TMP"/orig/*.img "$LR_TMP/work/"

# lvmscan: a2 left A by vgsplit, with its UUID, into B: a move, not a loss.
# A's recommendation is its newest version (4), nothing is an alternative,
# and the split is not flagged DESTRUCTIVE.
LVMSCAN=$(dirname "$LR_BIN")/lvmscan
if [ -x "$LVMSCAN" ] && command -v python3 >/dev/null 2>&1; then
    "$LVMSCAN" --json "$LR_TMP"/work/*.img >"$LR_TMP/scan.json" ||
        lr_fail "lvmscan --json exited $?"
    python3 - "$LR_TMP/scan.json" "$A" <<'PY' || lr_fail "lvmscan recommends undoing the vgsplit of $A"
import json, sys
vg = [v for v in json.load(open(sys.argv[1]))["vgs"] if v["name"] == sys.argv[2]][0]
assert vg["latest_seqno"] == 4 and vg["recommended"]["seqno"] == 4, vg["recommended"]
assert vg["alternatives"] == [], vg["alternatives"]
PY
    "$LVMSCAN" --brief "$LR_TMP"/work/*.img >"$LR_TMP/brief.txt"
    grep -q DESTRUCTIVE "$LR_TMP/brief.txt" && lr_fail "a vgsplit flagged DESTRUCTIVE: $(cat "$LR_TMP/brief.txt")"
    echo "ok: lvmscan takes the vgsplit for a move: $A recommends its newest version"
else
    echo "note: lvmscan or python3 not found, its check skipped"
fi

refused() { # VG SEQNO
    local out rc
    out=$("$LR_BIN" --restore "seqno=$2" --vg "$1" --yes --undo "$LR_TMP/undo-$1" \
        "$LR_TMP"/work/*.img 2>&1)
    rc=$?
    printf '%s\n' "$out"
    [ $rc -eq 1 ] || lr_fail "restore of $1 seqno $2 exited $rc, expected 1 (refused)"
    printf '%s\n' "$out" | grep -q "pv2.img at byte 0) now belongs to VG $B" ||
        lr_fail "restore of $1 seqno $2: the refusal does not name pv2.img and VG $B"
    lr_same_as_orig "the refused restore of $1"
    echo "ok: restoring $1 seqno $2 is refused: pv2 belongs to $B now"
}
refused "$A" 3 # before the split: a1 on pv1, a2 on pv2
refused "$D" 3 # the split-off VG's last version, before the merge

out=$("$LR_BIN" --restore seqno=2 --vg "$B" --yes --undo "$LR_TMP/undo-b" "$LR_TMP"/work/*.img 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || lr_fail "restore of $B seqno 2 (its own PV only) exited $rc"
lr_attach_work
s=$(lr_vg_seqno "$B")
[ "$s" = 4 ] || lr_fail "vgs: $B is at seqno '$s', expected 4"
# pv2 keeps B's seqno 3 (lvmrepair notes it): LVM2 calls it outdated
lr_lvm lvs --noheadings -o lv_name "$B"
names=$(printf '%s\n' "$LR_OUT" | grep -E '^ +[a-z0-9]+ *$' | tr -d ' ' | sort | tr '\n' ' ')
[ "$names" = "b1 " ] || lr_fail "lvs $B: '$names', expected 'b1'"
echo "ok: $B seqno 2 restored as seqno 4 with b1 only"
echo "PASSED: restore_interop_moved"
