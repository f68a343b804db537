#!/usr/bin/env bash
# lr_io_keep through the scan: a single-piece .xz (plain xz: one block) and
# a single-frame .zst of an image with a fixture PV planted deep inside it
# (as scan/bench/bench-formats.sh does), so that the reads after the stream
# (metadata areas, the evidence's LV heads and tails) lie behind the
# reader's history and are served from the ranges the scan asked it to keep.
# lvmscan --json (with the evidence reads) must find in each exactly what it
# finds in the raw image: keeping changes where bytes come from, never what
# is found.
# usage: keep.sh LVMSCAN FIXTURES_DIR
set -u
LVMSCAN=$1
FIX=$2
for t in python3 xz zstd; do
    command -v $t > /dev/null || { echo "SKIPPED: image-keep needs $t"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
status=0
bad() { echo "FAIL: $*"; status=1; }

# check NAME FIXTURE SECTOR: a 48 MiB image of zeros with FIXTURE (gzip'd)
# from SECTOR on, compressed by xz (one block) and zstd (one frame), is
# found by lvmscan as the raw image is
check() {
    local name=$1 fixture=$2 sector=$3 f fmt
    rm -f "$T"/disk.img*
    truncate -s 48M "$T/disk.img"
    gzip -dc "$fixture" | dd of="$T/disk.img" bs=512 seek="$sector" conv=notrunc status=none
    xz -T1 -1 -c "$T/disk.img" > "$T/disk.img.xz"
    zstd -q -1 -c "$T/disk.img" > "$T/disk.img.zst"
    blocks=$(xz --robot --list "$T/disk.img.xz" | awk '$1 == "totals" { print $3 }')
    [ "$blocks" = 1 ] || bad "$name: the xz image has $blocks blocks, want 1"
    "$LVMSCAN" --json "$T/disk.img" > "$T/raw.json" || bad "$name: lvmscan of the raw image failed"
    for f in disk.img.xz:xz disk.img.zst:zstd; do
        IFS=: read -r file fmt <<< "$f"
        "$LVMSCAN" --json "$T/$file" > "$T/out.json" 2> "$T/err"
        rc=$?
        if [ $rc != 0 ] && grep -q "has no lib" "$T/err"; then
            echo "SKIPPED: $name $file ($(cat "$T/err"))"
            continue
        fi
        [ $rc = 0 ] || { bad "$name: lvmscan $file: exit $rc ($(cat "$T/err"))"; continue; }
        python3 - "$T/raw.json" "$T/out.json" "$fmt" "$sector" << 'PY' || bad "$name: lvmscan $file differs from the raw scan"
import json, sys
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert im["format"] == sys.argv[3], im
assert im["error"] is None and not im["truncated"], im
assert im["scanned"] == im["size"] == raw["images"][0]["size"], im
raw.pop("images")
got.pop("images")
for k in raw:
    if raw[k] != got.get(k):
        print("key %s differs" % k)
assert raw == got
# the PV is where it was planted, and the evidence ran
assert any(l["offset"] == int(sys.argv[4]) * 512 + 512 for l in got["labels"]), got["labels"]
assert got["vgs"] and got["vgs"][0]["recommended"], got["vgs"]
PY
    done
}

# the history VG (16 copies of a few KiB, LVs of many versions) from an odd
# sector past 6 MiB: its LV reads are kept as they stream by
check history "$FIX/history/disk.img.gz" 12289
# a PV whose one copy (5052 bytes) starts 512 bytes before a 1 MiB
# boundary, so that its text runs past the scan's buffer (and the 4 KiB
# that follows it): planned once the stream has read on (sc_keep_settle)
check thinmeta "$FIX/thinmeta/pv0.img.gz" 14326

[ $status = 0 ] && echo "image-keep: passed"
exit $status
