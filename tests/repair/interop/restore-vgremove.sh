#!/usr/bin/env bash
# Interop: a VG removed with vgremove -f (fixtures/vgremove, real LVM2).
# vgremove clears the PV_EXT_USED flag of each PV header but leaves the
# labels; restoring seqno 3 must set the flag again, or LVM2 warns "PV ...
# in VG qa2rm is missing the used flag in PV header" on every command.
# Checked with LVM2 (vgs, lvs, vgck: no warnings, seqno 5, LVs lin and st),
# the LVs' bytes against the patterns written before the vgremove
# (truth/*.sha256), and --apply-undo.
#
# usage: restore-vgremove.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_vgremove "$1" "$2"
extracts() {
    local lv want got
    for lv in lin st; do
        "$LR_BIN" --extract "$lv" --vg qa2rm -o "$LR_TMP/$lv.out" "$LR_TMP"/work/*.img \
            >/dev/null 2>&1 || { echo "--extract $lv failed" >&2; return 1; }
        want=$(cat "$LR_FIX/vgremove/truth/$lv.sha256")
        got=$(sha256sum <"$LR_TMP/$lv.out" | cut -d' ' -f1)
        [ "$got" = "$want" ] || { echo "$lv: sha256 $got, written $want" >&2; return 1; }
        rm -f "$LR_TMP/$lv.out"
    done
    lr_lvm pvs --noheadings -o pv_name,vg_name
    lr_no_warnings "pvs"
    echo "ok: lin and st hold the patterns written before vgremove; pvs without warnings"
}
LR_EXTRA_CHECK=extracts
lr_restore_case vgremove qa2rm 3 5 "lin st" "" "$LR_FIX/vgremove/truth/before-pvs.json"
echo "PASSED: restore_vgremove"
