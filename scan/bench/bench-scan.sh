#!/usr/bin/env bash
# Benchmark lvmscan against the program that only reads the same bytes.
#
# Builds an image of random bytes (2 GiB by default) with a real fixture PV
# (fixtures/history) planted at an odd sector, and times, alternately RUNS
# times each so both see the same load, lvmscan and a reference:
#
#   (default)  IMAGE page-cached            vs  dd if=IMAGE of=/dev/null bs=1M
#   -z         IMAGE.gz (gzip -1 of it)     vs  gzip -dc IMAGE.gz > /dev/null
#   -Z         a compressible image (a tar of /usr/lib and /usr/share with the
#              PV planted), gzip -6         vs  gzip -dc
#   -m N       N copies of IMAGE in one lvmscan call  vs  dd of the N in turn
#              (also prints N separate lvmscan runs, for the speedup)
#   -c         cold: IMAGE on a read-only loop device, page cache dropped
#              before every run (needs root; skipped with a message
#              otherwise)  vs  dd if=/dev/loopN of=/dev/null bs=4M iflag=direct
#
# lvmscan runs with its default workers (one per CPU) and, alternately too,
# with LVMSCAN_JOBS=1; LVMSCAN_BEFORE=PATH adds another build of it to the
# rotation (for a before/after table).
#
# It prints the median and every run of each, the ratio of the medians
# (lvmscan / reference), CPU time (user + sys), lvmscan's peak RSS and, for
# compressed images, the bytes lvmscan read (rchar of /proc/PID/io) relative
# to the compressed file's size; then checks that the planted PV and its VG
# were found (exit 1 otherwise).
#
# usage: scan/bench/bench-scan.sh [-s SIZE_MIB] [-r RUNS] [-b BUILD_DIR] [-k] [-z|-Z|-m N|-c]
#   -k keeps the images (in $TMPDIR or /tmp) for another run.
# Environment: LVMSCAN (path to the binary) overrides -b; LVMSCAN_BEFORE (above).
set -euo pipefail

SIZE_MIB=2048
RUNS=5
BUILD=build
KEEP=0
MODE=raw
NIMG=1
while getopts "s:r:b:kzZm:c" o; do
    case $o in
    s) SIZE_MIB=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    k) KEEP=1 ;;
    z) MODE=gz ;;
    Z) MODE=gzmixed ;;
    m) MODE=multi; NIMG=$OPTARG ;;
    c) MODE=cold ;;
    *) echo "usage: $0 [-s SIZE_MIB] [-r RUNS] [-b BUILD_DIR] [-k] [-z|-Z|-m N|-c]" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LVMSCAN=${LVMSCAN:-$ROOT/$BUILD/bin/lvmscan}
FIXTURE=$ROOT/fixtures/history/disk.img.gz
[ -x "$LVMSCAN" ] || { echo "no lvmscan at $LVMSCAN (build first)" >&2; exit 2; }
[ -r "$FIXTURE" ] || { echo "no fixture $FIXTURE" >&2; exit 2; }
command -v python3 >/dev/null || { echo "need python3" >&2; exit 2; }

TMP=${TMPDIR:-/tmp}
# An odd sector, well inside the image, not a multiple of 8 or 2048.
PLANT_SECTOR=$(( (SIZE_MIB * 2048) / 3 | 1 ))
PLANT=$(( PLANT_SECTOR * 512 ))
CLEAN=()
LOOP=
cleanup() {
    [ -z "$LOOP" ] || losetup -d "$LOOP" 2>/dev/null || true
    [ $KEEP = 1 ] || rm -f "${CLEAN[@]}"
}
trap cleanup EXIT

plant() { zcat "$FIXTURE" | dd of="$1" bs=512 seek="$PLANT_SECTOR" conv=notrunc status=none; }

IMG=$TMP/lvmscan-bench-${SIZE_MIB}M.img
if [ "$MODE" = gzmixed ]; then
    IMG=$TMP/lvmscan-bench-mixed-${SIZE_MIB}M.img
    if [ ! -s "$IMG" ] || [ "$(stat -c %s "$IMG")" -ne $(( SIZE_MIB << 20 )) ]; then
        echo "building $IMG: a tar of /usr/lib and /usr/share, PV at sector $PLANT_SECTOR" >&2
        { tar cf - /usr/lib /usr/share 2>/dev/null || true; cat /dev/zero; } |
            head -c $(( SIZE_MIB << 20 )) > "$IMG" || true # the writers end by SIGPIPE
        plant "$IMG"
    fi
elif [ ! -s "$IMG" ] || [ "$(stat -c %s "$IMG")" -ne $(( SIZE_MIB << 20 )) ]; then
    echo "building $IMG: ${SIZE_MIB} MiB of random bytes, PV at sector $PLANT_SECTOR" >&2
    # openssl's stream cipher is far faster than /dev/urandom for bulk bytes
    if command -v openssl >/dev/null; then
        head -c $(( SIZE_MIB << 20 )) < <(openssl enc -aes-128-ctr -nosalt -pass pass:lvmscan \
            -in /dev/zero 2>/dev/null) > "$IMG"
    else
        dd if=/dev/urandom of="$IMG" bs=1M count="$SIZE_MIB" status=none
    fi
    plant "$IMG"
fi
CLEAN+=("$IMG")

SCAN_ARGS=("$IMG")
REF_NAME="dd bs=1M"
REF=(dd if="$IMG" of=/dev/null bs=1M status=none)
DROP=0
case $MODE in
gz | gzmixed)
    GZ=$IMG.gz
    LEVEL=-1
    [ "$MODE" = gzmixed ] && LEVEL=-6
    if [ ! -s "$GZ" ] || [ "$GZ" -ot "$IMG" ]; then
        echo "compressing $GZ (gzip $LEVEL)" >&2
        gzip $LEVEL -c "$IMG" > "$GZ"
    fi
    CLEAN+=("$GZ")
    SCAN_ARGS=("$GZ")
    REF_NAME="gzip -dc"
    REF=(sh -c 'gzip -dc "$1" > /dev/null' sh "$GZ")
    ;;
multi)
    SCAN_ARGS=()
    for i in $(seq "$NIMG"); do
        c=$TMP/lvmscan-bench-${SIZE_MIB}M-$i.img
        [ -s "$c" ] || cp "$IMG" "$c"
        CLEAN+=("$c")
        SCAN_ARGS+=("$c")
    done
    REF_NAME="cat of $NIMG (dd)"
    REF=(sh -c 'cat "$@" > /dev/null' sh "${SCAN_ARGS[@]}")
    ;;
cold)
    if [ "$(id -u)" != 0 ] || ! LOOP=$(losetup -f --show -r "$IMG" 2>/dev/null); then
        echo "SKIPPED cold: needs root and a free loop device" >&2
        exit 0
    fi
    SCAN_ARGS=("$LOOP")
    REF_NAME="dd $LOOP iflag=direct bs=4M (cold)"
    REF=(dd if="$LOOP" of=/dev/null bs=4M iflag=direct status=none)
    DROP=1
    ;;
esac

# Warm the page cache (twice: the first read may race readahead).
if [ $DROP = 0 ]; then
    for f in "${SCAN_ARGS[@]}"; do cat "$f" > /dev/null; cat "$f" > /dev/null; done
fi

OUT=$TMP/lvmscan-bench.json
# Runs a command; prints "elapsed cpu rchar" (rchar read from /proc/PID/io
# while the finished process is still a zombie).
measure() {
    python3 - "$DROP" "$@" <<'EOF'
import os, subprocess, sys, time
drop, cmd = sys.argv[1] == "1", sys.argv[2:]
if drop:
    os.sync()
    open("/proc/sys/vm/drop_caches", "w").write("1\n")
out = open(os.environ.get("BENCH_OUT", os.devnull), "w")
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=out)
os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
t1 = time.monotonic()
rchar = 0
for line in open("/proc/%d/io" % p.pid):
    if line.startswith("rchar:"):
        rchar = int(line.split()[1])
_, status, ru = os.wait4(p.pid, 0)
if status:
    sys.exit("command failed: %s" % " ".join(cmd))
print("%.4f %.4f %d" % (t1 - t0, ru.ru_utime + ru.ru_stime, rchar))
EOF
}

ref_t=() ref_c=() scan_t=() scan_c=() sep_t=() rchar=() one_t=() one_c=() bef_t=() bef_c=()
for _ in $(seq "$RUNS"); do
    read -r t c _ < <(measure "${REF[@]}")
    ref_t+=("$t") ref_c+=("$c")
    read -r t c r < <(BENCH_OUT=$OUT measure "$LVMSCAN" --json "${SCAN_ARGS[@]}")
    scan_t+=("$t") scan_c+=("$c") rchar+=("$r")
    # one worker: the reader thread ahead of the sector loop, one image at a time
    read -r t c _ < <(LVMSCAN_JOBS=1 measure "$LVMSCAN" --json "${SCAN_ARGS[@]}")
    one_t+=("$t") one_c+=("$c")
    if [ -n "${LVMSCAN_BEFORE:-}" ]; then
        read -r t c _ < <(measure "$LVMSCAN_BEFORE" --json "${SCAN_ARGS[@]}")
        bef_t+=("$t") bef_c+=("$c")
    fi
    if [ "$MODE" = multi ]; then
        t=0
        for f in "${SCAN_ARGS[@]}"; do
            read -r t1 _ _ < <(measure "$LVMSCAN" --json "$f")
            t=$(echo "$t + $t1" | bc -l)
        done
        sep_t+=("$t")
    fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

REF_M=$(median "${ref_t[@]}")
SCAN_M=$(median "${scan_t[@]}")
TOTAL_MIB=$(( SIZE_MIB * NIMG ))
printf 'image          %s x %s MiB (%s)\n' "$NIMG" "$SIZE_MIB" "${SCAN_ARGS[*]}"
printf 'planted PV     sector %s (byte %s)\n' "$PLANT_SECTOR" "$PLANT"
printf 'load average   %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s median %.3f s (%.0f MiB/s)  cpu %.3f s  runs: %s\n' "$REF_NAME" "$REF_M" \
    "$(echo "$TOTAL_MIB / $REF_M" | bc -l)" "$(median "${ref_c[@]}")" "${ref_t[*]}"
printf '%-18s median %.3f s (%.0f MiB/s)  cpu %.3f s  runs: %s\n' "lvmscan" "$SCAN_M" \
    "$(echo "$TOTAL_MIB / $SCAN_M" | bc -l)" "$(median "${scan_c[@]}")" "${scan_t[*]}"
printf 'ratio          %.2fx %s (medians)\n' "$(echo "$SCAN_M / $REF_M" | bc -l)" "$REF_NAME"
printf 'cpu ratio      %.2fx %s (medians of user + sys)\n' \
    "$(echo "$(median "${scan_c[@]}") / $(median "${ref_c[@]}")" | bc -l)" "$REF_NAME"
ONE_M=$(median "${one_t[@]}")
printf '%-18s median %.3f s (%.2fx)  cpu %.3f s  runs: %s\n' "LVMSCAN_JOBS=1" "$ONE_M" \
    "$(echo "$ONE_M / $REF_M" | bc -l)" "$(median "${one_c[@]}")" "${one_t[*]}"
if [ -n "${LVMSCAN_BEFORE:-}" ]; then
    BEF_M=$(median "${bef_t[@]}")
    printf '%-18s median %.3f s (%.2fx)  cpu %.3f s  runs: %s\n' "before" "$BEF_M" \
        "$(echo "$BEF_M / $REF_M" | bc -l)" "$(median "${bef_c[@]}")" "${bef_t[*]}"
fi
if [ "$MODE" = multi ]; then
    SEP_M=$(median "${sep_t[@]}")
    printf '%-18s median %.3f s  runs: %s\n' "$NIMG separate scans" "$SEP_M" "${sep_t[*]}"
    printf 'speedup        %.2fx (%s separate scans / one scan of %s)\n' \
        "$(echo "$SEP_M / $SCAN_M" | bc -l)" "$NIMG" "$NIMG"
fi
# peak RSS from GNU time (a fork of a small program: python's own RSS would
# count in the child's maximum)
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time for peak RSS" >&2
    apt-get install -y time >/dev/null 2>&1 || true
fi
RSS_KB=?
if [ -x /usr/bin/time ]; then
    [ $DROP = 0 ] || { sync; echo 1 > /proc/sys/vm/drop_caches; }
    RSS_KB=$(/usr/bin/time -f %M "$LVMSCAN" --json "${SCAN_ARGS[@]}" 2>&1 >/dev/null | tail -1)
fi
printf 'peak RSS       %s KiB\n' "$RSS_KB"
if [ "$MODE" = gz ] || [ "$MODE" = gzmixed ]; then
    GZ_SIZE=$(stat -c %s "$GZ")
    R=$(median "${rchar[@]}")
    printf 'read (rchar)   %s bytes = %.2fx the compressed %s bytes\n' "$R" \
        "$(echo "$R / $GZ_SIZE" | bc -l)" "$GZ_SIZE"
fi

FOUND=$(python3 - "$OUT" "$PLANT" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
plant = int(sys.argv[2])
labels = [l for l in j["labels"] if l["pv_start"] == plant]
vgs = [v for v in j["vgs"] if any(p["pv_start"] == plant for p in v["pvs"])]
copies = [c for c in j["copies"] if plant <= c["offset"] < plant + (1 << 20)]
ok = labels and vgs
print("%s labels_at=%d vg=%s latest_seqno=%s copies_in_area=%d" % (
    "yes" if ok else "NO", len(labels), vgs[0]["name"] if vgs else "-",
    vgs[0]["latest_seqno"] if vgs else "-", len(copies)))
EOF
)
printf 'PV found       %s\n' "$FOUND"
case $FOUND in yes*) ;; *) exit 1 ;; esac
