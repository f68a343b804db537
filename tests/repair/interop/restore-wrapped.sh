#!/usr/bin/env bash
# Interop: restore the committed copy that wraps round the end of the
# ring (seqno 57) as seqno 58.
#
# usage: restore-wrapped.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_wrapped "$1" "$2"
lr_restore_case wrapped vgw 57 58 "$(lr_expected_lvs "$LR_FIX/wrapped/truth/lvs.json")"

# Then write a copy that wraps: restore the newest version again and again
# until the new copy itself runs round the end of the 61440-byte ring.
lr_fixture wrapped
s=57
wrapped=
for ((i = 1; i <= 30 && !wrapped; i++)); do
    out=$("$LR_BIN" --restore "seqno=$s" --vg vgw --dry-run "$LR_TMP/work/disk.img" 2>&1) ||
        lr_fail "dry run of seqno $s failed: $out"
    printf '%s\n' "$out" | grep -q "wraps round the end of the ring" && wrapped=$s
    out=$("$LR_BIN" --restore "seqno=$s" --vg vgw --yes --undo "$LR_TMP/undo.$i" \
        "$LR_TMP/work/disk.img" 2>&1) || lr_fail "restore $i (seqno $s) failed: $out"
    s=$((s + 1))
done
[ -n "$wrapped" ] || lr_fail "no restore wrapped round the ring in 30 runs"
lr_check_outside wrapped
lr_attach_work
got=$(lr_vg_seqno vgw)
lr_no_warnings "vgs vgw (wrapped copy)"
[ "$got" = "$s" ] || lr_fail "LVM2 reads vgw seqno '$got' after the wrapped write, expected $s"
names=$(lr_lv_names vgw)
lr_no_warnings "lvs vgw (wrapped copy)"
[ "$names" = "$(lr_expected_lvs "$LR_FIX/wrapped/truth/lvs.json")" ] || lr_fail "lvs vgw: $names"
lr_lvm vgck vgw || lr_fail "vgck vgw failed: $LR_OUT"
lr_no_warnings "vgck vgw (wrapped copy)"
lr_lvm pvck --dump headers "$LR_LAST_LOOP"
printf '%s\n' "$LR_OUT" | grep -q "commit wrapped" || lr_fail "pvck does not see a wrapped commit"
echo "ok: LVM2 reads the wrapped copy seqno $s (restore $((i - 1)), seqno $wrapped restored)"
lr_detach_all
for ((j = i - 1; j >= 1; j--)); do
    out=$("$LR_BIN" --apply-undo "$LR_TMP/undo.$j" --yes 2>&1) || lr_fail "apply-undo $j: $out"
done
lr_same_as_orig "applying the $((i - 1)) undo files newest first"
echo "ok: undo files applied newest first bring back the fixture"
echo "PASSED: restore_wrapped"
