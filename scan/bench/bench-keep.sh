#!/usr/bin/env bash
# Times lvmscan on a single-piece .xz and .zst of an image (made by
# make-many-lvs.sh) against `xz -dc` / `zstd -dc` to /dev/null: the best
# of RUNS elapsed and CPU (user+sys) times, lvmscan's peak RSS
# (/usr/bin/time -v), and whether its --json equals the raw image's (all
# but the "images" entry, which names the file and its format).
# Makes IMG.xz (`xz -6 -T1`, one block) and IMG.zst (`zstd -3`, one frame)
# when missing. Prints one Markdown table row per reader.
#
# usage: scan/bench/bench-keep.sh IMG [RUNS (3)] [LVMSCAN...]  (default: build/bin/lvmscan)
set -euo pipefail
IMG=${1:?usage: $0 IMG [RUNS] [LVMSCAN...]}
RUNS=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCANS=("$@")
[ ${#SCANS[@]} -gt 0 ] || SCANS=("$ROOT/build/bin/lvmscan")
[ -f "$IMG.xz" ] || xz -6 -T1 -k -c "$IMG" > "$IMG.xz"
[ -f "$IMG.zst" ] || zstd -q -3 -c "$IMG" > "$IMG.zst"
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-keep.XXXXXX")
trap 'rm -rf "$W"' EXIT

# best of RUNS: "elapsed cpu rss_kib" of the command
best() {
    local e c m be= bc= bm=0
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f '%e %U %S %M' -o "$W/t" "$@" > /dev/null 2>&1 || true
        read -r e u s m < "$W/t"
        c=$(echo "$u + $s" | bc)
        if [ -z "$be" ] || [ "$(echo "$e < $be" | bc)" = 1 ]; then be=$e; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc)" = 1 ]; then bc=$c; fi
        [ "$m" -gt "$bm" ] && bm=$m
    done
    echo "$be $bc $bm"
}

"${SCANS[0]}" --json "$IMG" > "$W/raw.json" 2>/dev/null || true
echo "| file | reader | elapsed | CPU | vs reference (elapsed / CPU) | peak RSS | --json = raw |"
echo "|---|---|---|---|---|---|---|"
for ext in xz zst; do
    f=$IMG.$ext
    case $ext in xz) ref=(xz -dc "$f") ;; zst) ref=(zstd -dc "$f") ;; esac
    read -r re rc rm < <(best "${ref[@]}")
    echo "| .$ext | ${ref[0]} -dc | ${re} s | ${rc} s | 1.00× / 1.00× | $(( rm >> 10 )) MiB | |"
    for s in "${SCANS[@]}"; do
        read -r e c m < <(best "$s" --json "$f")
        "$s" --json "$f" > "$W/c.json" 2>/dev/null || true
        same=no
        python3 - "$W/raw.json" "$W/c.json" << 'PY' && same=yes
import json, sys
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got.pop("images")[0]
raw.pop("images")
sys.exit(0 if raw == got and im["scanned"] == im["size"] and im["error"] is None else 1)
PY
        echo "| .$ext | $(basename "$s") | ${e} s | ${c} s | $(echo "scale=2; $e / $re" | bc)× / $(echo "scale=2; $c / $rc" | bc)× | $(( m >> 10 )) MiB | $same |"
    done
done
