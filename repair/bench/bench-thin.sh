#!/bin/bash
# bench-thin.sh - thin LV extraction speed against dd, and the memory of
# walking a thin LV with 1 M mapped blocks (docs/thin-benchmark.md).
#
# Usage: sudo repair/bench/bench-thin.sh [-s MIB] [-r RUNS] [-m MAPPINGS] [-k]
#   -s MIB       size of the fully mapped thin LV extracted (default 1024)
#   -r RUNS      alternating runs of dd and lvmrepair, best kept (default 3)
#   -m MAPPINGS  mappings of the walk test, a power of two >= 1024
#                (default 1048576)
#   -k           keep the work directory
# Needs root (a loop device for LVM2), lvm2, thin-provisioning-tools,
# python3, /usr/bin/time, and a built tree (build/bin/lvmrepair,
# build/lib/liblrcore.a).
set -euo pipefail
export LC_ALL=C LVM_SUPPRESS_FD_WARNINGS=1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SIZE=1024 RUNS=3 MAPS=1048576 KEEP=0
while getopts "s:r:m:k" o; do
    case $o in s) SIZE=$OPTARG ;; r) RUNS=$OPTARG ;; m) MAPS=$OPTARG ;; k) KEEP=1 ;;
    *) exit 2 ;; esac
done
R=$ROOT/build/bin/lvmrepair
[ -x "$R" ] || { echo "bench-thin: build first (no $R)" >&2; exit 2; }
for c in thin_restore pvcreate python3 /usr/bin/time; do
    command -v $c >/dev/null || { echo "bench-thin: missing $c" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-thin.XXXXXX")
LOOP=
cleanup() { [ -n "$LOOP" ] && losetup -d "$LOOP"; [ $KEEP = 1 ] || rm -rf "$W"; }
trap cleanup EXIT

# ---- 1. extraction speed: a thin LV of SIZE MiB, every 64 KiB block mapped,
# virtual block v at data block (v * 7919) mod N (not in order), the data
# random; 4 MiB extents: 8 for _tmeta, SIZE/4 for _tdata.
BLOCKS=$((SIZE * 16))
IMG=$W/disk.img
truncate -s $(( (SIZE + 64) * 1048576 )) "$IMG"
LOOP=$(losetup -f --show "$IMG")
CFG="global{activation=0} backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" filter=[\"a|^$LOOP\$|\",\"r|.*|\"]}"
pvcreate --config "$CFG" -y "$LOOP" >/dev/null 2>&1
vgcreate --config "$CFG" -s 4M benchthin "$LOOP" >/dev/null 2>&1
vgcfgbackup --config "$CFG" -f "$W/vg.txt" benchthin >/dev/null 2>&1
python3 - "$W" "$SIZE" "$BLOCKS" <<'PY'
import sys, re
w, size, blocks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = open(f'{w}/vg.txt').read()
def lv(name, status, body):
    uid = (name.replace("_", "") + "x" * 6)[:6]
    return (f'{name} {{\nid = "{uid}-aaaa-aaaa-aaaa-aaaa-aaaa-aaaaaa"\n'
            f'status = [{", ".join(chr(34) + s + chr(34) for s in status)}]\nflags = []\n'
            f'segment_count = 1\nsegment1 {{\n{body}}}\n}}\n')
ext = size // 4
lvs = 'logical_volumes {\n'
lvs += lv('pool', ['READ', 'WRITE', 'VISIBLE'], f'start_extent = 0\nextent_count = {ext}\ntype = "thin-pool"\nmetadata = "pool_tmeta"\npool = "pool_tdata"\ntransaction_id = 1\nchunk_size = 128\n')
lvs += lv('thin', ['READ', 'WRITE', 'VISIBLE'], f'start_extent = 0\nextent_count = {ext}\ntype = "thin"\nthin_pool = "pool"\ntransaction_id = 0\ndevice_id = 1\n')
lvs += lv('pool_tmeta', ['READ', 'WRITE'], 'start_extent = 0\nextent_count = 8\ntype = "striped"\nstripe_count = 1\nstripes = ["pv0", 0]\n')
lvs += lv('pool_tdata', ['READ', 'WRITE'], f'start_extent = 0\nextent_count = {ext}\ntype = "striped"\nstripe_count = 1\nstripes = ["pv0", 8]\n')
lvs += '}\n'
t = re.sub(r'(physical_volumes \{.*?\n\t\}\n)', lambda m: m.group(1) + lvs, t, count=1, flags=re.S)
open(f'{w}/vg2.txt', 'w').write(t)
with open(f'{w}/pool.xml', 'w') as x:
    x.write(f'<superblock uuid="" time="0" transaction="1" flags="0" version="2" data_block_size="128" nr_data_blocks="{blocks}">\n')
    x.write(f'<device dev_id="1" mapped_blocks="{blocks}" transaction="0" creation_time="0" snap_time="0">\n')
    for v in range(blocks):
        x.write(f'<single_mapping origin_block="{v}" data_block="{v * 7919 % blocks}" time="0"/>\n')
    x.write('</device>\n</superblock>\n')
PY
vgcfgrestore --config "$CFG" --force -y -f "$W/vg2.txt" benchthin > "$W/restore.log" 2>&1 || { cat "$W/restore.log" >&2; exit 1; }
PE=$(pvs --config "$CFG" --noheadings --units b --nosuffix -o pe_start "$LOOP" | tr -d ' ')
losetup -d "$LOOP"; LOOP=
truncate -s 32M "$W/meta.bin"
thin_restore -q -i "$W/pool.xml" -o "$W/meta.bin"
dd if="$W/meta.bin" of="$IMG" bs=1M seek=$((PE / 1048576)) conv=notrunc status=none
TDATA=$((PE + 32 * 1048576))
{ openssl enc -aes-128-ctr -pass pass:bench -nosalt -pbkdf2 < /dev/zero 2>/dev/null || true; } \
    | dd of="$IMG" bs=1M seek=$((TDATA / 1048576)) count=$SIZE iflag=fullblock conv=notrunc status=none
cat "$IMG" > /dev/null; cat "$IMG" > /dev/null

best() { sort -n | head -1; }
for i in $(seq "$RUNS"); do
    rm -f "$W/dd.out" "$W/x.out"
    s=$(date +%s.%N); dd if="$IMG" of="$W/dd.out" bs=1M skip=$((TDATA / 1048576)) count=$SIZE status=none; e=$(date +%s.%N)
    echo "$e - $s" | bc >> "$W/t.dd"
    s=$(date +%s.%N); "$R" --extract thin -o "$W/x.out" "$IMG" 2>/dev/null; e=$(date +%s.%N)
    echo "$e - $s" | bc >> "$W/t.x"
done
# the bytes are right: block v of the LV is data block v*7919 mod N
python3 - "$W/x.out" "$IMG" "$TDATA" "$BLOCKS" <<'PY'
import sys
x, img, tdata, n = open(sys.argv[1], 'rb'), open(sys.argv[2], 'rb'), int(sys.argv[3]), int(sys.argv[4])
for v in range(0, n, max(1, n // 997)):
    x.seek(v * 65536); img.seek(tdata + (v * 7919 % n) * 65536)
    assert x.read(65536) == img.read(65536), v
print("extracted blocks checked against the data LV")
PY
DD=$(best < "$W/t.dd"); X=$(best < "$W/t.x")
printf 'extract %d MiB thin LV: dd %.2f s (%.0f MiB/s), lvmrepair --extract %.2f s (%.0f MiB/s), ratio %.2f\n' \
    "$SIZE" "$DD" "$(echo "$SIZE / $DD" | bc -l)" "$X" "$(echo "$SIZE / $X" | bc -l)" "$(echo "$DD / $X" | bc -l)"
/usr/bin/time -v "$R" --extract thin --force -o "$W/x.out" "$IMG" 2>&1 | sed -n 's/.*Maximum resident set size (kbytes): /extract peak RSS KiB: /p'

# ---- 2. walking MAPS mappings: metadata only, the walk lvmrepair makes
cc -O2 -I"$ROOT/core/include" -o "$W/thin-walk" "$HERE/thin-walk.c" "$ROOT/build/lib/liblrcore.a" -lz -luuid
python3 - "$W/walk.xml" "$MAPS" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], 'w') as x:
    x.write(f'<superblock uuid="" time="0" transaction="1" flags="0" version="2" data_block_size="128" nr_data_blocks="{n}">\n')
    x.write(f'<device dev_id="1" mapped_blocks="{n}" transaction="0" creation_time="0" snap_time="0">\n')
    # runs of 1024 blocks, their data runs in a permuted order (7919 is odd:
    # k -> k * 7919 mod R permutes R = a power of two runs)
    runs = n // 1024
    assert runs * 1024 == n and runs & (runs - 1) == 0, "MAPPINGS: a power of two >= 1024"
    for k in range(runs):
        x.write(f'<range_mapping origin_begin="{k * 1024}" data_begin="{(k * 7919) % runs * 1024}" length="1024" time="0"/>\n')
    x.write('</device>\n</superblock>\n')
PY
truncate -s 256M "$W/walk.bin"
thin_restore -q -i "$W/walk.xml" -o "$W/walk.bin"
/usr/bin/time -v "$W/thin-walk" "$W/walk.bin" > "$W/walk.out" 2> "$W/walk.time"
cat "$W/walk.out"
grep -q "device 1: $MAPS mapped, highest $((MAPS - 1)), 0 shared, 0 lost" "$W/walk.out" || { echo "bench-thin: walk count wrong" >&2; exit 1; }
sed -n 's/.*Elapsed (wall clock) time.*: /walk time: /p; s/.*Maximum resident set size (kbytes): /walk peak RSS KiB: /p' "$W/walk.time"
# the same walk with the space maps (lvmscan's and lvmrepair's report)
/usr/bin/time -v "$W/thin-walk" -s "$W/walk.bin" > "$W/walk.out" 2> "$W/walk.time"
grep -q "data space map: $MAPS of $MAPS allocated, 0 shared, 0 in use but free, 0 counts differ" \
    "$W/walk.out" || { echo "bench-thin: space map counts wrong: $(cat "$W/walk.out")" >&2; exit 1; }
sed -n 's/.*Elapsed (wall clock) time.*: /walk + space maps time: /p; s/.*Maximum resident set size (kbytes): /walk + space maps peak RSS KiB: /p' "$W/walk.time"
