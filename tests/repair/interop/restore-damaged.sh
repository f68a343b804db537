#!/usr/bin/env bash
# Interop: restores on damaged images (fixtures/damaged/, padded to the
# 32 MiB of the PV they were cut from), judged by real LVM2 and lvmscan:
#   - pvheader-mda-unaligned: the label lists its metadata area at byte
#     4097 while the valid area header sits at 4096. lvmrepair rebuilds the
#     label to list the area at 4096 (it used to write a header at 4097 over
#     the valid one: pvck then warned "offset 4097 is unexpected # for first
#     mda" and lvmscan did not see the restore);
#   - text-dev-size-zero: the version says dev_size 0; refused, and with
#     --force the PV takes the size of its image (LVM2 fixes a missing size
#     up the same way); the restore used to pass its dry run, write, and
#     fail its read-back.
# Each: LVM2 (vgs, lvs, vgck, pvck --dump headers) shows the new seqno with
# the version's LVs and no warnings; lvmscan shows the new seqno as the
# newest, committed; --apply-undo brings back the original image.
#
# usage: restore-damaged.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_damaged "$1" "$2"
SCAN="$(dirname "$LR_BIN")/lvmscan"
[ -x "$SCAN" ] || lr_fail "lvmscan not built next to $LR_BIN"

# case NAME SEQNO NEW "LVS" [--force]
damaged_case() {
    local name=$1 seqno=$2 new=$3 lvs=$4 force=${5:-} img out rc s names h0
    rm -rf "$LR_TMP/work" "$LR_TMP/undo"
    mkdir -p "$LR_TMP/work"
    img=$LR_TMP/work/$name.img
    gzip -dc "$LR_FIX/damaged/$name.img.gz" >"$img" || lr_fail "cannot decompress $name"
    truncate -s 32M "$img"
    h0=$(sha256sum "$img" | cut -d' ' -f1)
    if [ -n "$force" ]; then
        out=$("$LR_BIN" --restore "seqno=$seqno" --yes "$img" 2>&1)
        [ $? -eq 1 ] || lr_fail "$name: restore without --force was not refused: $out"
        [ "$(sha256sum "$img" | cut -d' ' -f1)" = "$h0" ] || lr_fail "$name: a refusal wrote"
    fi
    out=$("$LR_BIN" --restore "seqno=$seqno" --yes $force --undo "$LR_TMP/undo" "$img" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    [ $rc -eq 0 ] || lr_fail "$name: lvmrepair --restore seqno=$seqno exited $rc"

    out=$("$SCAN" --json "$img" 2>&1)
    s=$(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(str(v.get("latest_seqno")) for v in d["vgs"] if v.get("name") == "vg0"))' 2>&1)
    [ "$s" = "$new" ] || lr_fail "$name: lvmscan sees vg0 at seqno '$s', expected $new"

    lr_attach "$img"
    s=$(lr_vg_seqno vg0)
    lr_no_warnings "$name: vgs"
    [ "$s" = "$new" ] || lr_fail "$name: vgs: vg0 is at seqno '$s', expected $new"
    names=$(lr_lv_names vg0)
    lr_no_warnings "$name: lvs"
    [ "$names" = "$lvs" ] || lr_fail "$name: lvs: '$names', expected '$lvs'"
    lr_lvm vgck vg0 || lr_fail "$name: vgck failed: $LR_OUT"
    lr_no_warnings "$name: vgck"
    lr_lvm pvck --dump headers "$LR_LAST_LOOP" || lr_fail "$name: pvck failed: $LR_OUT"
    lr_no_warnings "$name: pvck --dump headers"
    printf '%s\n' "$LR_OUT" | grep -q "CHECK" && lr_fail "$name: pvck: $LR_OUT"
    echo "ok: $name: LVM2 and lvmscan read vg0 seqno $new, LVs: $names, no warnings"
    lr_detach_all

    out=$("$LR_BIN" --apply-undo "$LR_TMP/undo" --yes 2>&1) ||
        lr_fail "$name: --apply-undo failed: $out"
    [ "$(sha256sum "$img" | cut -d' ' -f1)" = "$h0" ] ||
        lr_fail "$name: --apply-undo did not bring back the original image"
    echo "ok: $name: --apply-undo brought back the original image"
}

command -v python3 >/dev/null 2>&1 || lr_skip "no python3"
damaged_case pvheader-mda-unaligned 15 17 "data lv1 lv3 lv4"
damaged_case text-dev-size-zero 16 17 "data lv1 lv4" --force
echo "PASSED: restore_damaged"
