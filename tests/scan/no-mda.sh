#!/usr/bin/env bash
# A PV with no metadata area (real LVM2 at run time: pvcreate
# --metadatacopies 0, in a VG with one other PV). LVM2's view is the truth:
# pvs says pv_mda_count 0 and names the VG. lvmscan given that image alone
# finds no VG (there is no metadata on it) and must say why: the label has
# no metadata area and, its pv_header_extension flagging it used, the VG's
# metadata lies on its other PVs; with both images the VG is consistent.
#
# usage: no-mda.sh LVMSCAN
# Needs root, losetup, lvm2 and python3; otherwise prints
# "SKIPPED: lvmscan_no_mda (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_no_mda "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate lvcreate python3; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
VG=hnm$$
lr_new_images 16M 2
P1=${LR_NEW[0]} P2=${LR_NEW[1]}
lr_must pvcreate -y "$P1"
lr_must pvcreate -y --metadatacopies 0 "$P2"
lr_must vgcreate -s 1m "$VG" "$P1" "$P2"
lr_must lvcreate -an -Zn -y -L 4M -n a "$VG" "$P2"
lr_must pvs --noheadings -o pv_mda_count,vg_name "$P2"
set -- $(printf '%s\n' "$LR_OUT" | grep -v WARNING)
[ "${1:-}" = 0 ] && [ "${2:-}" = "$VG" ] || lr_fail "pvs says: $LR_OUT"
lr_detach_all
alone=$("$LVMSCAN" "$LR_TMP/pv2.img")
echo "$alone" | grep -q "no metadata area (pvcreate --metadatacopies 0): it is in a VG whose metadata lies only on that VG's other PVs" ||
    lr_fail "no word on the missing metadata area: $alone"
"$LVMSCAN" --json "$LR_TMP/pv1.img" "$LR_TMP/pv2.img" | python3 -c '
import json, sys
g = json.load(sys.stdin)["vgs"]
assert len(g) == 1 and g[0]["status"] == ["consistent"], g
' || lr_fail "both images: not one consistent VG"
echo "pv2 (no metadata area, in $VG as pvs says): named as such; with pv1 the VG is consistent"
