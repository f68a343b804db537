#!/usr/bin/env bash
# A PV whose start was lost (its first MiB zeroed: label, metadata area
# and ring gone) is missing to the scan, though its image is given. The
# refusal of a restore names the image that holds no PV label or area and
# points at the export, whose text names the pvcreate --uuid command LVM2
# needs (the PV's UUID: fixtures/three-pv/truth/pvs.json, LVM2's own).
#
# usage: lost-start.sh PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline lost_start "$1" "$2"
T=$LR_TMP
R=$LR_BIN
FX=$LR_FIX/three-pv
for i in 1 2 3; do
    gzip -dc "$FX/pv$i.img.gz" > "$T/pv$i.img" || lr_fail "cannot decompress pv$i"
done
dd if=/dev/zero of="$T/pv3.img" bs=1M count=1 conv=notrunc status=none
U3=$(python3 -c 'import json, sys
print([p["pv_uuid"] for p in json.load(open(sys.argv[1]))["report"][0]["pv"] if p["pv_name"] == "pv3"][0])' "$FX/truth/pvs.json") ||
    lr_fail "no pv3 in truth/pvs.json"
"$R" --restore seqno=9 --dry-run "$T/pv1.img" "$T/pv2.img" "$T/pv3.img" > "$T/out" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "the restore with pv3's start zeroed exited $rc (want 1)"
grep -q "not among the images: pv. $U3" "$T/out" || lr_fail "pv3 not named missing: $(tail -3 "$T/out")"
grep -q "pv3.img holds no PV label or metadata area: .* --export seqno=9 names the pvcreate" "$T/out" ||
    lr_fail "the image is not named: $(tail -3 "$T/out")"
grep -q "pv[12].img holds no PV label" "$T/out" && lr_fail "an image with its label named"
"$R" --export seqno=9 "$T/pv1.img" "$T/pv2.img" "$T/pv3.img" > "$T/export" 2>&1 ||
    lr_fail "the export exited $?"
grep -q "pvcreate --uuid $U3 --restorefile FILE DEVICE" "$T/export" ||
    lr_fail "the export does not name pvcreate --uuid $U3"
echo "PASSED: lost_start"
