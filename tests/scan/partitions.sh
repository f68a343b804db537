#!/bin/bash
# Partition-aware PV places (issue 14): in fixtures/gpt (a GPT image made by
# sgdisk, a PV on each partition; truth/devices holds each partition's byte
# offset as losetup -P gave it) lvmscan names each PV's partition number and
# start sector, in the report ("disk.img.gz p2 (sector 43009)") and in JSON
# (labels[] and vgs[].pvs[]: partition, partition_start_sector; images[]:
# partitions); a raw unpartitioned image (fixtures/history) gives null.
#
# Usage: partitions.sh LVMSCAN FIXTURES HAVE_BLKID
set -u
LVMSCAN=$1
FIX=$2
HAVE_BLKID=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

command -v python3 >/dev/null || { echo "SKIPPED: partitions (no python3)"; exit 77; }
case "$HAVE_BLKID" in
1 | ON | TRUE | YES) ;;
*) echo "SKIPPED: partitions (built without libblkid)"; exit 77 ;;
esac

FAIL=0
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

"$LVMSCAN" --json "$FIX/gpt/disk.img.gz" >"$T/gpt.json" || bad "lvmscan --json gpt failed"
"$LVMSCAN" "$FIX/gpt/disk.img.gz" >"$T/gpt.txt" || bad "lvmscan gpt failed"

# Expected places from the truth: "p2 disk.img 22020608 1" -> partition 2,
# start sector 22020608 / 512; and the PV UUIDs per partition from pvs.json.
python3 - "$T/gpt.json" "$FIX/gpt/truth/devices" "$FIX/gpt/truth/pvs.json" <<'EOF' || FAIL=$((FAIL + 1))
import json, sys
d = json.load(open(sys.argv[1]))
want = {}
for line in open(sys.argv[2]):
    name, _img, off, _n = line.split()
    want[name] = (int(name[1:]), int(off) // 512, int(off))
uuids = {p["pv_name"]: p["pv_uuid"] for p in json.load(open(sys.argv[3]))["report"][0]["pv"]}
bad = 0
def check(what, got, exp):
    global bad
    if got != exp:
        print("FAIL: %s: got %r, want %r" % (what, got, exp))
        bad += 1
parts = {p["number"]: p["start_sector"] for p in d["images"][0]["partitions"]}
for name, (num, start, off) in want.items():
    check("images[0].partitions p%d" % num, parts.get(num), start)
    labels = [l for l in d["labels"] if l["pv_uuid"] == uuids[name]]
    check("labels of " + name, len(labels), 1)
    for l in labels:
        check("label %s pv_start" % name, l["pv_start"], off)
        check("label %s partition" % name, (l["partition"], l["partition_start_sector"]), (num, start))
    pvs = [p for g in d["vgs"] for p in g["pvs"] if p["id"] == uuids[name]]
    check("VG PVs of " + name, len(pvs), 1)
    for p in pvs:
        check("PV %s partition" % name, (p["partition"], p["partition_start_sector"]), (num, start))
sys.exit(1 if bad else 0)
EOF

while read -r name _img off _n; do
    line="disk\.img\.gz p${name#p} \(sector $((off / 512))\) +PV at $off "
    [ "$(grep -cE "$line" "$T/gpt.txt")" = 2 ] ||
        bad "report lacks '$line' in both the label list and the VG's PVs"
done <"$FIX/gpt/truth/devices"

# A raw image without a partition table: no partition anywhere, never a guess.
"$LVMSCAN" --json "$FIX/history/disk.img.gz" >"$T/raw.json" || bad "lvmscan --json history failed"
python3 - "$T/raw.json" <<'EOF' || FAIL=$((FAIL + 1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["images"][0]["partitions"] == [], d["images"][0]
assert d["labels"], "no labels"
for l in d["labels"]:
    assert "partition" in l and l["partition"] is None and l["partition_start_sector"] is None, l
pvs = [p for g in d["vgs"] for p in g["pvs"]]
assert pvs, "no PVs"
for p in pvs:
    assert "partition" in p and p["partition"] is None and p["partition_start_sector"] is None, p
EOF
"$LVMSCAN" "$FIX/history/disk.img.gz" | grep -q ' p[0-9]* (sector ' && bad "raw image report names a partition"

[ "$FAIL" = 0 ] || { echo "$FAIL failure(s)"; exit 1; }
echo "partitions: all passed"
