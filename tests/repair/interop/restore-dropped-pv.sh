#!/usr/bin/env bash
# Interop: --restore of a version from before vgextend. The PV added since
# is not in the restored version and keeps its metadata; the plan's note
# must say what LVM2 makes of it (an outdated PV, inconsistent metadata,
# until LVM2's vgck wipes it: an unused PV), not advise removing it from
# the VG. Truth: LVM2's own warnings after the restore, and vgck
# --updatemetadata leaving the PV unused with no warning.
#
# usage: restore-dropped-pv.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_dropped_pv "$1" "$2"

VG=rdpv_vg$$
W=$LR_TMP/work
mkdir -p "$W"
truncate -s 32M "$W/d1.img" "$W/d2.img"

must() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

lr_attach "$W/d1.img"
D1=$LR_LAST_LOOP
lr_attach "$W/d2.img"
D2=$LR_LAST_LOOP
must pvcreate -y --dataalignment 1m --metadatasize 1000k "$D1" "$D2"
must vgcreate -s 1m "$VG" "$D1"
must lvcreate -an -Zn -y -L 4m -n root "$VG"
N=$(lr_vg_seqno "$VG")
must lvremove -f "$VG/root"
must vgextend "$VG" "$D2"
must lvcreate -an -Zn -y -L 4m -n onnew "$VG" "$D2"
lr_detach_all
SUM2=$(sha256sum <"$W/d2.img")

OUT=$("$LR_BIN" --restore "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u" "$W/d1.img" "$W/d2.img" 2>&1)
RC=$?
printf '%s\n' "$OUT"
[ "$RC" -eq 0 ] || lr_fail "--restore seqno=$N: exit $RC"
printf '%s\n' "$OUT" | grep -q '^  LV onnew goes away' || lr_fail "the plan does not say onnew goes away"
printf '%s\n' "$OUT" | grep -q "LVM2 then reports it as an outdated PV of VG $VG" ||
    lr_fail "the note does not say what LVM2 makes of the dropped PV"
printf '%s\n' "$OUT" | grep -q 'remove it from the VG' && lr_fail "the note advises removing it from the VG"
[ "$(sha256sum <"$W/d2.img")" = "$SUM2" ] || lr_fail "the dropped PV was written"

lr_attach "$W/d1.img"
lr_attach "$W/d2.img"
lr_lvm vgs "$VG" || lr_fail "vgs: $LR_OUT"
printf '%s\n' "$LR_OUT" | grep -q 'outdated PV' || lr_fail "LVM2 does not call it outdated: $LR_OUT"
must vgck --updatemetadata "$VG"
lr_lvm vgck "$VG" || lr_fail "vgck: $LR_OUT"
lr_no_warnings "vgck after vgck --updatemetadata"
[ "$(lr_lv_names "$VG")" = root ] || lr_fail "LVs: $(lr_lv_names "$VG")"
lr_detach_all
echo "ok: the note says what LVM2 reports, and LVM2's vgck clears it"
echo "PASSED: restore_dropped_pv"
