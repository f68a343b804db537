#!/bin/bash
# Partition-aware PV places (issue 14): in fixtures/gpt (a GPT image made by
# sgdisk, a PV on each partition; truth/devices holds each partition's byte
# offset as losetup -P gave it) lvmscan names each PV's partition number and
# start sector, in the report ("disk.img.gz p2 (sector 43009)") and in JSON
# (labels[] and vgs[].pvs[]: partition, partition_start_sector; images[]:
# partitions); so does an MBR made from it by sgdisk -m, and an MBR whose
# PVs are on logical partitions p5 and p6, their extended boot records past
# the disk's first MiB (fixtures/mbr-logical, made by sfdisk: every
# partition as sfdisk --dump lists it); a raw unpartitioned image
# (fixtures/history) gives null.
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

# check_places JSON FIXTURE NUMBERS: NUMBERS maps each device of FIXTURE's
# truth to the number its partition has in the image's table ("p1=1
# p2=2"); the start sector is the truth's byte offset / 512, the PV UUID
# the truth's pvs.json.
check_places() {
    python3 - "$1" "$FIX/$2/truth/devices" "$FIX/$2/truth/pvs.json" "$3" <<'EOF' || FAIL=$((FAIL + 1))
import json, sys
d = json.load(open(sys.argv[1]))
numbers = dict(kv.split("=") for kv in sys.argv[4].split())
want = {}
for line in open(sys.argv[2]):
    name, _img, off, _n = line.split()
    want[name] = (int(numbers[name]), int(off) // 512, int(off))
uuids = {p["pv_name"]: p["pv_uuid"] for p in json.load(open(sys.argv[3]))["report"][0]["pv"]}
bad = 0
def check(what, got, exp):
    global bad
    if got != exp:
        print("FAIL: %s: %s: got %r, want %r" % (sys.argv[1], what, got, exp))
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
}

"$LVMSCAN" --json "$FIX/gpt/disk.img.gz" >"$T/gpt.json" || bad "lvmscan --json gpt failed"
"$LVMSCAN" "$FIX/gpt/disk.img.gz" >"$T/gpt.txt" || bad "lvmscan gpt failed"
check_places "$T/gpt.json" gpt "p1=1 p2=2"

# The same disk with its GPT turned into an MBR by sgdisk, the partitions in
# the other order (MBR p1 is GPT p2): numbers come from the table, not from
# the order of the starts.
if command -v sgdisk >/dev/null; then
    gzip -dc "$FIX/gpt/disk.img.gz" >"$T/mbr.img"
    if sgdisk -m 2:1 "$T/mbr.img" >"$T/sgdisk.out" 2>&1; then
        "$LVMSCAN" --json "$T/mbr.img" >"$T/mbr.json" || bad "lvmscan --json mbr.img failed"
        check_places "$T/mbr.json" gpt "p1=2 p2=1"
    else
        bad "sgdisk -m 2:1 failed: $(cat "$T/sgdisk.out")"
    fi
else
    echo "SKIPPED: partitions: the MBR case (no sgdisk)"
fi

# Every partition of the table is listed: GPT's two, and the MBR's.
for j in "$T/gpt.json" "$T/mbr.json"; do
    [ -e "$j" ] || continue
    n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["images"][0]["partitions"]))' "$j")
    [ "$n" = 2 ] || bad "$j: $n partitions listed, want 2"
done

# Logical partitions: p5 and p6 inside extended p2, whose boot records
# lie at 9 MiB and 35 MiB. images[].partitions is sfdisk's list but the
# extended container (its logical partitions hold the data).
"$LVMSCAN" --json "$FIX/mbr-logical/disk.img.gz" >"$T/logical.json" ||
    bad "lvmscan --json mbr-logical failed"
check_places "$T/logical.json" mbr-logical "p5=5 p6=6"
python3 - "$T/logical.json" "$FIX/mbr-logical/truth/sfdisk" <<'EOF' || FAIL=$((FAIL + 1))
import json, re, sys
got = [(p["number"], p["start_sector"], p["sectors"])
       for p in json.load(open(sys.argv[1]))["images"][0]["partitions"]]
want = []
for line in open(sys.argv[2]):
    m = re.match(r"disk\.img(\d+) : start= *(\d+), size= *(\d+), type=(\w+)", line)
    if m and m.group(4) not in ("5", "f", "85"):
        want.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
if sorted(got) != sorted(want) or len(want) != 3:
    print("FAIL: mbr-logical partitions: got %r, want %r (sfdisk --dump)" % (got, want))
    sys.exit(1)
EOF
"$LVMSCAN" "$FIX/mbr-logical/disk.img.gz" | grep -q "disk\.img\.gz p5 (sector 20480) PV at 10485760 " ||
    bad "mbr-logical report does not name p5 for the PV at 10485760"

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
