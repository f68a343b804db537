#!/usr/bin/env bash
# A pvmove that stopped before copying anything, made by real LVM2 at run
# time: with no device-mapper, `pvmove PV1 PV2` commits the version with
# the temporary mirror pvmove0 (extents_moved 0, its legs PV areas pv0 and
# pv1) and LV a LOCKED on it, then cannot go on. LVM2's view is the truth:
# lvs -a lists pvmove0 on both PVs. Its legs are PV areas, both present:
# lvmscan must call pvmove0 whole (not "UNREADABLE: 2 of 2 images
# missing"), read from its source: the destination pv2 holds only what was
# copied (nothing here), so it is never read or counted as a copy —
# still whole with the source alone, unreadable with the destination alone,
# and --check-raid says why it compares nothing (fixtures/pvmove is the same
# story, committed, with a destination half copied).
#
# usage: pvmove-interrupted.sh LVMSCAN
# Needs root, losetup, lvm2 and python3; otherwise prints
# "SKIPPED: lvmscan_pvmove (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_pvmove "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate lvcreate pvmove python3; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
VG=hpm$$
lr_new_images 16M 2
P1=${LR_NEW[0]} P2=${LR_NEW[1]}
lr_must pvcreate -y "$P1" "$P2"
lr_must vgcreate -s 1m "$VG" "$P1" "$P2"
lr_must lvcreate -an -Zn -y -L 4M -n a "$VG" "$P1"
lr_must pvs --noheadings --units b --nosuffix -o pe_start "$P1"
PE_START=$(echo $LR_OUT | awk '{print $NF}')
# a's 4 MiB at pv1's extents 0-3: a known pattern
python3 -c 'import sys; sys.stdout.buffer.write((b"pvmove source leg pattern......\n" * 131072)[:4 << 20])' |
    dd of="$P1" bs=1M iflag=fullblock seek=$((PE_START / 1048576)) conv=notrunc status=none || lr_fail "dd"
lr_lvm pvmove "$P1" "$P2" # fails without device-mapper, after its commit
lr_lvm lvs -a --reportformat json -o lv_name,segtype,devices "$VG" || lr_fail "lvs: $LR_OUT"
LVS=$(printf '%s\n' "$LR_OUT" | grep -v -e WARNING -e 'dev/mapper' -e 'device-mapper' -e libdevmapper)
lr_detach_all
P=$LR_TMP
python3 - "$LVS" "$("$LVMSCAN" --json "$P/pv1.img" "$P/pv2.img")" \
    "$("$LVMSCAN" --json "$P/pv1.img")" "$("$LVMSCAN" --json --check-raid "$P/pv1.img" "$P/pv2.img")" \
    "$("$LVMSCAN" --json "$P/pv2.img")" \
    <<'PY' || lr_fail "lvmscan's view of pvmove0"
import json, sys
lvs = json.loads(sys.argv[1])["report"][0]["lv"]
pm = [l for l in lvs if l["lv_name"] == "[pvmove0]"]
assert pm and pm[0]["segtype"] == "mirror", lvs
def raid(doc):
    g = json.loads(doc)["vgs"][0]
    v = [v for v in g["versions"] if v["seqno"] == g["latest_seqno"]][0]
    r = [x for x in v["raid"] if x["lv"] == "pvmove0"]
    assert len(r) == 1, v["raid"]
    return r[0]
both, one, cmp, dest = (raid(a) for a in sys.argv[2:6])
legs = lambda r: [(l["missing"], l["pvmove_destination"]) for l in r["legs"]]
assert both["state"] == "whole" and both["missing"] == 0, both
assert legs(both) == [(False, False), (False, True)], both["legs"]
assert one["state"] == "whole" and one["missing"] == 0, one
assert legs(one) == [(False, False), (False, True)], one["legs"]
assert dest["state"] == "unreadable" and legs(dest) == [(True, False), (False, True)], dest
c = cmp["leg_compare"]
assert not c["done"] and "unfinished pvmove" in c["error"], c
print("pvmove0 (devices %s): whole from its source, with or without the destination; "
      "unreadable from the destination alone; legs not compared" % pm[0]["devices"])
PY
