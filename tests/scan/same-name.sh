#!/usr/bin/env bash
# Two VGs of one name (real LVM2 at run time: vgcreate NAME on one image,
# then, that image out of LVM2's sight, vgcreate NAME on another). LVM2's
# view is the truth: vgs over both images sees the name twice with two
# uuids. lvmscan's summary and --brief must tell them apart (by id) and say
# that LVM2 does not use both at once.
#
# usage: same-name.sh LVMSCAN
# Needs root, losetup, lvm2 and python3; otherwise prints
# "SKIPPED: lvmscan_same_name (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_same_name "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate python3; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
VG=hsn$$
for i in 1 2; do
    lr_new_images 16M 1
    mv "$LR_TMP/pv1.img" "$LR_TMP/d$i.img"
    lr_must pvcreate -y "${LR_NEW[0]}"
    lr_must vgcreate -s 1m "$VG" "${LR_NEW[0]}"
    lr_detach_all
done
lr_attach "$LR_TMP/d1.img"
lr_attach "$LR_TMP/d2.img"
lr_lvm vgs --noheadings -o vg_name,vg_uuid
IDS=$(printf '%s\n' "$LR_OUT" | awk -v n="$VG" '$1 == n {print $2}' | sort)
lr_detach_all
[ "$(echo "$IDS" | wc -l)" = 2 ] || lr_fail "vgs does not see two VGs $VG: $LR_OUT"
out=$("$LVMSCAN" "$LR_TMP/d1.img" "$LR_TMP/d2.img")
brief=$("$LVMSCAN" -b "$LR_TMP/d1.img" "$LR_TMP/d2.img")
for id in $IDS; do
    echo "$out" | grep -q "^  VG $VG (id $id): " || lr_fail "summary does not name $id: $out"
    echo "$brief" | grep -q "^VG $VG (id $id)\$" || lr_fail "--brief does not name $id: $brief"
done
[ "$(echo "$out" | grep -c 'note: another VG found has this name')" = 2 ] || lr_fail "no note: $out"
echo "two VGs $VG ($(echo $IDS)) told apart by id"
