#!/usr/bin/env bash
# Benchmark lvmscan against dd on the same page-cached image.
#
# Builds an image of random bytes (2 GiB by default) with a real fixture PV
# (fixtures/history) planted at an odd sector, reads it once to bring it into
# the page cache, then times `dd if=IMAGE of=/dev/null bs=1M` and
# `lvmscan --json IMAGE` (alternately, best of RUNS each), reports lvmscan's peak RSS from
# /usr/bin/time -v and checks that the planted PV and its VG were found.
#
# With -z the image is gzip-compressed (gzip -1) and lvmscan scans IMAGE.gz:
# it is compared with `gzip -dc IMAGE.gz > /dev/null`, and besides peak RSS
# the rise of the machine's shared memory (Shmem in /proc/meminfo, where a
# decompressed copy held in a memfd or tmpfs would show) is sampled while it
# runs.
#
# usage: scan/bench/bench-scan.sh [-s SIZE_MIB] [-r RUNS] [-b BUILD_DIR] [-k] [-z]
#   -k keeps the image (in $TMPDIR or /tmp) for another run.
# Environment: LVMSCAN (path to the binary) overrides -b.
set -euo pipefail

SIZE_MIB=2048
RUNS=3
BUILD=build
KEEP=0
GZ=0
while getopts "s:r:b:kz" o; do
    case $o in
    s) SIZE_MIB=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    k) KEEP=1 ;;
    z) GZ=1 ;;
    *) echo "usage: $0 [-s SIZE_MIB] [-r RUNS] [-b BUILD_DIR] [-k] [-z]" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LVMSCAN=${LVMSCAN:-$ROOT/$BUILD/bin/lvmscan}
FIXTURE=$ROOT/fixtures/history/disk.img.gz
[ -x "$LVMSCAN" ] || { echo "no lvmscan at $LVMSCAN (build first)" >&2; exit 2; }
[ -r "$FIXTURE" ] || { echo "no fixture $FIXTURE" >&2; exit 2; }
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time for peak RSS" >&2
    apt-get install -y time >/dev/null 2>&1 || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 2; }
fi

TMP=${TMPDIR:-/tmp}
IMG=$TMP/lvmscan-bench-${SIZE_MIB}M.img
# An odd sector, well inside the image, not a multiple of 8 or 2048.
PLANT_SECTOR=$(( (SIZE_MIB * 2048) / 3 | 1 ))
PLANT=$(( PLANT_SECTOR * 512 ))

if [ ! -s "$IMG" ] || [ "$(stat -c %s "$IMG")" -ne $(( SIZE_MIB << 20 )) ]; then
    echo "building $IMG: ${SIZE_MIB} MiB of random bytes, PV at sector $PLANT_SECTOR" >&2
    # openssl's stream cipher is far faster than /dev/urandom for bulk bytes
    if command -v openssl >/dev/null; then
        head -c $(( SIZE_MIB << 20 )) < <(openssl enc -aes-128-ctr -nosalt -pass pass:lvmscan \
            -in /dev/zero 2>/dev/null) > "$IMG"
    else
        dd if=/dev/urandom of="$IMG" bs=1M count="$SIZE_MIB" status=none
    fi
    zcat "$FIXTURE" | dd of="$IMG" bs=512 seek="$PLANT_SECTOR" conv=notrunc status=none
fi
[ $KEEP = 1 ] || trap 'rm -f "$IMG"' EXIT
SCAN_IMG=$IMG
REF_NAME="dd bs=1M"
reference() { dd if="$IMG" of=/dev/null bs=1M status=none; }
if [ $GZ = 1 ]; then
    SCAN_IMG=$IMG.gz
    if [ ! -s "$SCAN_IMG" ] || [ "$SCAN_IMG" -ot "$IMG" ]; then
        echo "compressing $SCAN_IMG (gzip -1)" >&2
        gzip -1 -c "$IMG" > "$SCAN_IMG"
    fi
    [ $KEEP = 1 ] || trap 'rm -f "$IMG" "$SCAN_IMG"' EXIT
    REF_NAME="gzip -dc"
    reference() { gzip -dc "$SCAN_IMG" > /dev/null; }
fi

# Warm the page cache (twice: the first read may race readahead).
cat "$SCAN_IMG" > /dev/null
cat "$SCAN_IMG" > /dev/null

now() { date +%s.%N; }
best() { sort -g | head -1; }

# Alternate the two so load from elsewhere on the machine hits both alike.
dd_times=()
scan_times=()
OUT=$TMP/lvmscan-bench.json
for _ in $(seq "$RUNS"); do
    t0=$(now); reference; t1=$(now)
    dd_times+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(now); "$LVMSCAN" --json "$SCAN_IMG" > "$OUT"; t1=$(now)
    scan_times+=("$(echo "$t1 - $t0" | bc -l)")
done
DD=$(printf '%s\n' "${dd_times[@]}" | best)
SCAN=$(printf '%s\n' "${scan_times[@]}" | best)
# peak RSS, and the peak rise of Shmem sampled every 50 ms meanwhile
shmem() { awk '/^Shmem:/ {print $2}' /proc/meminfo; }
SHM0=$(shmem)
/usr/bin/time -v "$LVMSCAN" --json "$SCAN_IMG" 2> "$TMP/lvmscan-bench.time" >/dev/null &
pid=$!
SHM_PEAK=$SHM0
while kill -0 $pid 2>/dev/null; do
    s=$(shmem)
    [ "$s" -gt "$SHM_PEAK" ] && SHM_PEAK=$s
    sleep 0.05
done
wait $pid
RSS_KB=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/lvmscan-bench.time")
SHM_RISE_KB=$(( SHM_PEAK - SHM0 ))

FOUND=$(python3 - "$OUT" "$PLANT" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
plant = int(sys.argv[2])
labels = [l for l in j["labels"] if l["pv_start"] == plant]
vgs = [v for v in j["vgs"] if any(p["pv_start"] == plant for p in v["pvs"])]
copies = [c for c in j["copies"] if plant <= c["offset"] < plant + (1 << 20)]
ok = labels and vgs
print("%s label_at=%s vg=%s latest_seqno=%s copies_in_area=%d" % (
    "yes" if ok else "NO", plant if labels else "-", vgs[0]["name"] if vgs else "-",
    vgs[0]["latest_seqno"] if vgs else "-", len(copies)))
EOF
)

RATIO=$(echo "$SCAN / $DD" | bc -l)
printf 'image          %s MiB (%s, %s bytes)\n' "$SIZE_MIB" "$SCAN_IMG" "$(stat -c %s "$SCAN_IMG")"
printf 'planted PV     sector %s (byte %s)\n' "$PLANT_SECTOR" "$PLANT"
printf '%-14s %.3f s  (%.0f MiB/s)  runs: %s\n' "$REF_NAME" "$DD" "$(echo "$SIZE_MIB / $DD" | bc -l)" "${dd_times[*]}"
printf 'lvmscan        %.3f s  (%.0f MiB/s)  runs: %s\n' "$SCAN" "$(echo "$SIZE_MIB / $SCAN" | bc -l)" "${scan_times[*]}"
printf 'ratio          %.2fx %s (target <= 1.5 for dd)\n' "$RATIO" "$REF_NAME"
printf 'peak RSS       %s KiB (%.1f MiB, target < 32)\n' "$RSS_KB" "$(echo "$RSS_KB / 1024" | bc -l)"
printf 'Shmem rise     %s KiB (%.1f MiB; peak while lvmscan ran)\n' "$SHM_RISE_KB" "$(echo "$SHM_RISE_KB / 1024" | bc -l)"
printf 'PV found       %s\n' "$FOUND"
case $FOUND in yes*) ;; *) exit 1 ;; esac
