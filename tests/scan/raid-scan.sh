#!/bin/bash
# lvmscan shows the raid and mirror LVs of fixtures/raid (metadata loaded by
# real LVM2, data, parity and _rmeta superblocks written by
# fixtures/make-raid.py): missing images, images the dm-raid superblocks
# mark failed, arrays not fully synced, whether the data is readable
# degraded, and with --check-raid where raid1's legs differ. The --json
# entries are checked against tests/scan/raid-scan.py, which computes them
# from LVM2's own report (truth/lvs.json) and the image bytes, independently
# of lvmrescue; the human lines by their words.
# Usage: raid-scan.sh LVMSCAN FIXTURES
set -u
S=$1
FIX=$2/raid
PY=$(dirname "$0")/raid-scan.py
source "$(dirname "$0")/../support/interop.sh"
lr_init_scratch lvmscan-raid
T=$LR_TMP
img() { local i; for i in "$@"; do echo "$FIX/pv$i.img.gz"; done; }

# every PV, legs compared; then degraded sets without it
for set in "1:0 1 2 3 4 5" "0:0 1 3 4" "1:0 2 3 4 5" "1:1 3" "0:0 1 2 3 4"; do
    cmp=${set%%:*} pvs=${set#*:}
    opt=
    [ "$cmp" = 1 ] && opt=--check-raid
    "$S" --json --no-evidence $opt $(img $pvs) >"$T/json" 2>"$T/err" ||
        lr_fail "lvmscan --json $opt pv $pvs: exit $?: $(cat "$T/err")"
    python3 "$PY" "$T/json" "$FIX" "$cmp" $pvs || lr_fail "--json $opt with pv $pvs"
done

"$S" --check-raid $(img 0 1 2 3 4 5) >"$T/out" || lr_fail "lvmscan --check-raid exit $?"
grep -qx "            raid/mirror LVs checked (raid1/mirror legs compared):" "$T/out" ||
    lr_fail "no raid header: $(cat "$T/out")"
grep -qx "              LV r1 (raid1, 2 images): whole; not fully synced (up to sector 16, says r1_rmeta_0)" "$T/out" ||
    lr_fail "r1 line: $(grep 'LV r1' "$T/out")"
grep -q "^ *2 legs compared: they differ in 4096 bytes (a split brain.*ranges: 8192-12287$" "$T/out" ||
    lr_fail "r1 legs: $(grep -A2 'LV r1' "$T/out")"
grep -qx "                image r5la_rimage_2 marked failed in the dm-raid superblock of r5la_rmeta_0" "$T/out" ||
    lr_fail "r5la failed image: $(grep -A2 'LV r5la' "$T/out")"
grep -qx "              LV r5e (raid5_ls, 3 images): degraded: rebuilt from parity (1 of 3 images missing)" "$T/out" ||
    lr_fail "r5e: $(grep -A2 'LV r5e' "$T/out")"

"$S" $(img 0 1 3 4) >"$T/out" || lr_fail "lvmscan exit $?"
grep -qx "            raid/mirror LVs checked (legs not compared; --check-raid compares them):" "$T/out" ||
    lr_fail "no raid header without --check-raid: $(cat "$T/out")"
grep "legs compared" "$T/out" | grep -qv "not compared" && lr_fail "legs compared without --check-raid"
grep -qx "              LV r0 (raid0, 3 images): UNREADABLE: 1 of 3 images missing, too many to rebuild (at most 0)" "$T/out" ||
    lr_fail "r0 without pv2: $(grep -A2 'LV r0 ' "$T/out")"
grep -qx "              LV r10 (raid10, 4 images): degraded: read from another copy (1 of 4 images missing)" "$T/out" ||
    lr_fail "r10 without pv2: $(grep -A2 'LV r10' "$T/out")"
grep -qx "                image r4_rimage_2 missing: its PV pv2 (.*) is not among the images" "$T/out" ||
    lr_fail "r4 without pv2: $(grep -A2 'LV r4' "$T/out")"
echo "lvmscan-raid: ok"
