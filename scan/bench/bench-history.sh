#!/usr/bin/env bash
# Times lvmscan on a long history: N versions of one VG of 60 LVs, as LVM2
# archive files lying in an image (as /etc/lvm/archive of years does on a
# filesystem, deleted files included). Each version is
# tests/data/many-lvs.backup (a real vgcfgbackup, 24158 bytes) with seqno
# 1..N, one every 28 KiB. Prints one Markdown table row per N and lvmscan:
# `lvmscan --json --no-evidence` and `lvmscan --json` (the evidence: change
# summaries, content, reuse, remaps, recommendation), best elapsed of RUNS
# and the largest peak RSS (/usr/bin/time). With -m the newest 10 versions
# have every LV 3 extents further on the PV, as after a pvmove: every older
# version then has every LV moved since (the evidence's "moved" warnings).
# With -c every write removes one LV and creates another (version i holds
# lv(i)..lv(i+59), LV k on extent k mod 63): every version is an event,
# a candidate for restore, as in tests/scan/long-history.sh.
#
# usage: scan/bench/bench-history.sh [-r RUNS (3)] [-n "N..." ("300 1000 3000")] [-m|-c] [LVMSCAN...]
#        (default: build/bin/lvmscan; give a before and an after build to compare)
set -euo pipefail
RUNS=3
COUNTS="300 1000 3000"
MOVED=0
while getopts "r:n:mc" o; do
    case $o in
    r) RUNS=$OPTARG ;;
    n) COUNTS=$OPTARG ;;
    m) MOVED=1 ;;
    c) MOVED=2 ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCANS=("$@")
[ ${#SCANS[@]} -gt 0 ] || SCANS=("$ROOT/build/bin/lvmscan")
SRC=$ROOT/tests/data/many-lvs.backup
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-history.XXXXXX")
trap 'rm -rf "$W"' EXIT

# N versions, seqno 1..N, each at a 28 KiB boundary, then 1 MiB of zeros
make_image() {
    local mode=plain
    [ "$MOVED" = 1 ] && mode=moved
    [ "$MOVED" = 2 ] && mode=churn
    python3 "$ROOT/tests/support/make_history.py" "$SRC" "$1" "$2" "$mode"
}

# best elapsed and largest peak RSS (MiB) of RUNS runs of the command
best() {
    local e m be= bm=0
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f '%e %M' -o "$W/t" "$@" > /dev/null 2>&1 || true
        read -r e m < "$W/t"
        if [ -z "$be" ] || [ "$(echo "$e < $be" | bc)" = 1 ]; then be=$e; fi
        [ "$m" -gt "$bm" ] && bm=$m
    done
    echo "$be s, $(echo "scale=1; $bm / 1024" | bc) MiB"
}

[ "$MOVED" = 1 ] && echo "every LV moved in the newest 10 versions (-m)"
[ "$MOVED" = 2 ] && echo "one LV removed and one created by every write (-c)"
echo "| versions | lvmscan | --json --no-evidence | --json |"
echo "|---|---|---|---|"
for n in $COUNTS; do
    make_image "$n" "$W/h.img"
    for s in "${SCANS[@]}"; do
        echo "| $n | $s | $(best "$s" --json --no-evidence "$W/h.img") | $(best "$s" --json "$W/h.img") |"
    done
done
