#!/usr/bin/env bash
# Interop: restores onto a PV that LVM2's pvresize grew since. pvresize of
# a PV in a VG records dev_size as the device size less pe_start, with
# pe_count = dev_size / extent_size (a 32 MiB loop device: dev_size 63488,
# pe_start 2048, 31 extents of 2048 sectors), which LVM2 itself reads
# without a warning: the current version must not be refused as failing
# LVM2's rules.
#
# A VG made by LVM2 on a PV created at 16 MiB of a 32 MiB image (root,
# home: version N); root removed, pvresize to the whole image, big created
# on the new extents. Then --restore-lv root --from seqno=N: vgs, lvs and
# vgck accept it (no warning), root on its old extents, big and home
# unchanged, no byte outside the metadata area changed, and --apply-undo
# gives back the image bit for bit. --restore seqno=N (the 16 MiB version)
# likewise.
#
# Second: a PV with two metadata areas (--metadatacopies 2) grown the same
# way. pvresize moves the second area to the new end of the device, but
# the label's device_size (30 MiB of 32) and dev_size leave out pe_start
# and that area; LVM2 reads it there without a warning. The plan must keep
# the label and both areas (rebuilding the label dropped the area LVM2
# uses and listed the stale one at 15 MiB: "Inconsistent metadata"), and
# LVM2 must read the new seqno from both areas, without warnings.
#
# Third: a PV shrunk by pvresize to 16 MiB and its image cut to 16 MiB
# (the disk was made smaller). --restore of the version before is refused
# saying the PV was shrunk since (not "truncated image?"), nothing written.
#
# usage: restore-pvresize.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_pvresize "$1" "$2"

VG=rpvr_vg$$
W=$LR_TMP/work
mkdir -p "$W"
IMG=$W/d.img
truncate -s 32M "$IMG"

must() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

run() {
    OUT=$("$LR_BIN" "$@" 2>&1)
    RC=$?
    printf '%s\n' "$OUT"
}

lv_ranges() {
    lr_lvm lvs --noheadings --separator ' ' -o lv_name,lv_uuid,seg_pe_ranges "$VG"
    printf '%s\n' "$LR_OUT" | grep -v -i warning | sed 's/^ *//; s|/dev/loop[0-9]*|PV|g' | sort |
        tr '\n' ';'
}

lr_attach "$IMG"
must pvcreate -y --dataalignment 1m --metadatasize 1000k --setphysicalvolumesize 16m "$LR_LAST_LOOP"
must vgcreate -s 1m "$VG" "$LR_LAST_LOOP"
must lvcreate -an -Zn -y -L 4m -n root "$VG"
must lvcreate -an -Zn -y -L 4m -n home "$VG"
N=$(lr_vg_seqno "$VG")
[ -n "$N" ] || lr_fail "no seqno for version N"
must lvremove -f "$VG/root"
must pvresize "$LR_LAST_LOOP"
must lvcreate -an -Zn -y -L 20m -n big "$VG"
lr_lvm pvs --noheadings -o pe_count "$LR_LAST_LOOP"
[ "$(printf '%s\n' "$LR_OUT" | grep -v -i warning | tr -d ' ')" = 31 ] ||
    lr_fail "pvresize did not give 31 extents: $LR_OUT"
BEFORE=$(lv_ranges)
lr_detach_all
dd if=/dev/urandom of="$IMG" bs=1M seek=1 count=4 conv=notrunc status=none
SUM=$(sha256sum <"$IMG")
DATA=$(tail -c +$((1048576 + 1)) "$IMG" | sha256sum)

run --restore-lv root --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u1" "$IMG"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv root after pvresize: exit $RC"
[ "$(tail -c +$((1048576 + 1)) "$IMG" | sha256sum)" = "$DATA" ] || lr_fail "a data byte changed"
lr_attach "$IMG"
lr_lvm vgck "$VG" || lr_fail "vgck: $LR_OUT"
lr_no_warnings vgck
lr_lvm vgs "$VG" || lr_fail "vgs: $LR_OUT"
lr_no_warnings vgs
AFTER=$(lv_ranges)
[ "$(printf '%s' "$AFTER" | tr ';' '\n' | grep -v '^root ' | tr '\n' ';')" = "$BEFORE" ] ||
    lr_fail "the other LVs changed: $BEFORE -> $AFTER"
printf '%s' "$AFTER" | tr ';' '\n' | grep -q '^root .* PV:0-3$' || lr_fail "root not on extents 0-3: $AFTER"
lr_detach_all
run --apply-undo "$LR_TMP/u1" --yes
[ "$(sha256sum <"$IMG")" = "$SUM" ] || lr_fail "--apply-undo did not give back the image"
echo "ok: --restore-lv root after pvresize accepted by LVM2, undone"

run --restore "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u2" "$IMG"
[ "$RC" -eq 0 ] || lr_fail "--restore seqno=$N after pvresize: exit $RC"
lr_vg_accepts "$IMG" "$VG" "home root" "after --restore"
run --apply-undo "$LR_TMP/u2" --yes
[ "$(sha256sum <"$IMG")" = "$SUM" ] || lr_fail "--apply-undo after --restore"
echo "ok: --restore of the version before pvresize accepted by LVM2, undone"

# ---- two metadata areas ----------------------------------------------------------
IMG2=$W/m.img
VG2=rpvm_vg$$
truncate -s 32M "$IMG2"
lr_attach "$IMG2"
must pvcreate -y --dataalignment 1m --metadatasize 500k --metadatacopies 2 \
    --setphysicalvolumesize 16m "$LR_LAST_LOOP"
must vgcreate -s 1m "$VG2" "$LR_LAST_LOOP"
must lvcreate -an -Zn -y -L 4m -n root "$VG2"
must lvcreate -an -Zn -y -L 4m -n home "$VG2"
N=$(lr_vg_seqno "$VG2")
must lvremove -f "$VG2/root"
must pvresize "$LR_LAST_LOOP"
must lvcreate -an -Zn -y -L 4m -n big "$VG2" "$LR_LAST_LOOP:20-23"
lr_detach_all
SUM=$(sha256sum <"$IMG2")
run --restore-lv root --from "seqno=$N" --vg "$VG2" --yes --undo "$LR_TMP/u3" "$IMG2"
[ "$RC" -eq 0 ] || lr_fail "two areas: --restore-lv root: exit $RC"
printf '%s\n' "$OUT" | grep -q 'label kept' || lr_fail "two areas: the label was not kept"
[ "$(printf '%s\n' "$OUT" | grep -c 'metadata area [12] at byte .*: header kept')" -eq 2 ] ||
    lr_fail "two areas: not both headers kept"
lr_vg_accepts "$IMG2" "$VG2" "big home root" "two areas"
NEW=$((N + 4))
lr_attach "$IMG2"
for mda in 1 2; do
    LR_OUT=$(pvck --config "$LR_CFG" --dump metadata --settings mda_num=$mda "$LR_LAST_LOOP" 2>&1)
    printf '%s\n' "$LR_OUT" | grep -q "^seqno = $NEW\$" ||
        lr_fail "two areas: area $mda does not hold seqno $NEW: $(printf '%s\n' "$LR_OUT" | grep seqno)"
done
LR_OUT=$(pvck --config "$LR_CFG" --dump headers "$LR_LAST_LOOP" 2>&1)
lr_no_warnings "two areas: pvck --dump headers"
lr_detach_all
run --apply-undo "$LR_TMP/u3" --yes
[ "$(sha256sum <"$IMG2")" = "$SUM" ] || lr_fail "two areas: --apply-undo"
echo "ok: two metadata areas after pvresize: label and both areas kept, LVM2 reads seqno $NEW"

# ---- shrunk ------------------------------------------------------------------------
IMG3=$W/s.img
VG3=rpvs_vg$$
lr_new_vg "$IMG3" "$VG3"
must lvcreate -an -Zn -y -L 4m -n root "$VG3"
must lvcreate -an -Zn -y -L 4m -n home "$VG3"
N=$(lr_vg_seqno "$VG3")
must lvremove -f "$VG3/root"
must pvresize -y --setphysicalvolumesize 16m "$LR_LAST_LOOP"
lr_detach_all
truncate -s 16M "$IMG3"
SUM=$(sha256sum <"$IMG3")
run --restore "seqno=$N" --vg "$VG3" --yes --undo "$LR_TMP/u4" "$IMG3"
[ "$RC" -eq 1 ] || lr_fail "shrunk: --restore seqno=$N: exit $RC, expected 1"
printf '%s\n' "$OUT" | grep -q "the PV was shrunk since (pvresize)" || lr_fail "shrunk: the reason is not said"
printf '%s\n' "$OUT" | grep -q "truncated image" && lr_fail "shrunk: called a truncated image"
[ "$(sha256sum <"$IMG3")" = "$SUM" ] && [ ! -e "$LR_TMP/u4" ] || lr_fail "shrunk: the refused run wrote"
run --restore-lv root --from "seqno=$N" --vg "$VG3" --yes --undo "$LR_TMP/u5" "$IMG3"
[ "$RC" -eq 0 ] || lr_fail "shrunk: --restore-lv root: exit $RC"
lr_vg_accepts "$IMG3" "$VG3" "home root" "shrunk, root brought back"
echo "ok: a PV shrunk since: --restore refused saying so, --restore-lv root accepted by LVM2"
echo "PASSED: restore_pvresize"
