#!/usr/bin/env bash
# A long history of one VG, as LVM2 archive files of years leave in an
# image: 40 versions of tests/data/many-lvs.backup (a real vgcfgbackup of 60
# LVs), version i holding LVs lv(i)..lv(i+59), each on extent k mod 63, so
# that every write removes one LV and creates one. lvmscan finds all 40
# versions, recommends the version before the first removal and, of the 38
# later writes a restore of it undoes, lists the first 12 changes and
# counts the rest (a line of every later change grew with the square of
# the versions: 168 MB of JSON for 3000); the JSON is valid and holds the
# 40 versions. The image is made by tests/support/make_history.py.
# usage: long-history.sh LVMSCAN
set -u
LVMSCAN=$1
DATA=$(cd "$(dirname "$0")/../data" && pwd)
SUPPORT=$(cd "$(dirname "$0")/../support" && pwd)
command -v python3 >/dev/null || { echo "SKIPPED: long-history needs python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 "$SUPPORT/make_history.py" "$DATA/many-lvs.backup" 40 "$T/h.img" churn || bad "could not make the image"

"$LVMSCAN" "$T/h.img" > "$T/out" 2> "$T/err"
grep -q "latest seqno 40 (40 versions)" "$T/out" || bad "not all 40 versions: $(head -3 "$T/out")"
rec=$(grep -m1 "recommended:" "$T/out")
case $rec in
*"seqno 1, the last version before -lv0 (seqno 2); restoring it also undoes 3–40 (-lv1, +lv61 4 MiB, "*) ;;
*) bad "recommended line: $rec" ;;
esac
case $rec in
*"-lv12, +lv72 4 MiB; and 26 later writes)"*) ;;
*) bad "not the first 12 changes and 26 more: $rec" ;;
esac
case $rec in
*"lv73"*) bad "a 13th change listed: $rec" ;;
esac
# the 26th-from-last event lists exactly 12 and one more; the last ones fewer, none counted
grep -q "seqno 26, the last version before -lv25 (seqno 27); restoring it also undoes 28–40 (.*-lv37, +lv97 4 MiB; and 1 later write)" "$T/out" ||
    bad "seqno 26's line: $(grep 'seqno 26, the last' "$T/out")"
grep -q "seqno 27, the last version before -lv26 (seqno 28); restoring it also undoes 29–40 (.*-lv38, +lv98 4 MiB); " "$T/out" ||
    bad "seqno 27's line: $(grep 'seqno 27, the last' "$T/out")"
"$LVMSCAN" --json "$T/h.img" > "$T/json" 2> /dev/null
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j["vgs"][0]["versions"]) == 40' "$T/json" ||
    bad "JSON not valid or not 40 versions"

if [ "$fails" -gt 0 ]; then
    echo "$fails failed"
    exit 1
fi
echo "long history: 40 versions, the undone writes listed 12 and counted"
