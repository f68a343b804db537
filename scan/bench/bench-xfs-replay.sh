#!/usr/bin/env bash
# What replaying an XFS's dirty log in memory (lr_xfs_replay, when lvmscan
# reads the backup files in an XFS copied while mounted) costs lvmscan.
#
# Builds an XFS of SIZE MiB with a log of LMB MiB, mounts it (root: a loop
# device), copies in the LVM2 archive files of fixtures/backup-xfs/truth,
# syncs, then creates FILES small files in DIRS directories and removes
# every third, copies the archives in again under new names, fsyncs one
# (the log forced to disk: every change so far in it, none written home)
# and copies the backing file while still mounted; a second copy is
# replayed by the kernel (mounted and unmounted: the same files, nothing to
# replay). Times lvmscan on each, alternately RUNS times, and prints the
# medians, their difference and the peak RSS of each.
#
# usage: scan/bench/bench-xfs-replay.sh [-s SIZE_MIB] [-l LOG_MIB] [-n FILES] [-d DIRS] [-r RUNS] [-b BUILD_DIR]
# Environment: LVMSCAN (path to the binary) overrides -b.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SIZE=512 LMB=64 FILES=3000 DIRS=10 RUNS=5 BUILD=$SRC/build
while getopts "s:l:n:d:r:b:" o; do
    case $o in
    s) SIZE=$OPTARG ;;
    l) LMB=$OPTARG ;;
    n) FILES=$OPTARG ;;
    d) DIRS=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    *) echo "usage: $0 [-s SIZE_MIB] [-l LOG_MIB] [-n FILES] [-d DIRS] [-r RUNS] [-b BUILD_DIR]" >&2; exit 2 ;;
    esac
done
SCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
[ -x "$SCAN" ] || { echo "no lvmscan at $SCAN (build first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "must run as root (a loop mount)" >&2; exit 2; }
for t in mkfs.xfs xfs_io xfs_logprint losetup python3; do
    command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-xfs-replay.XXXXXX")
L=
cleanup() {
    mountpoint -q "$W/m" 2>/dev/null && umount "$W/m"
    [ -n "$L" ] && losetup -d "$L"
    rm -rf "$W"
}
trap cleanup EXIT
mkdir "$W/m"
truncate -s "${SIZE}M" "$W/fs.img"
# the variables lift mkfs.xfs's 300 MB minimum, as fstests does
TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -l size="${LMB}m" "$W/fs.img"
L=$(losetup -f --show "$W/fs.img")
mount -t xfs "$L" "$W/m"
mkdir "$W/m/a" "$W/m/b" "$W/m/f"
cp "$SRC"/fixtures/backup-xfs/truth/archive/*.vg "$W/m/a/"
sync
python3 - "$W/m/f" "$FILES" "$DIRS" <<'PY'
import os, sys
top, files, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for d in range(dirs):
    os.mkdir("%s/d%03d" % (top, d))
for i in range(files):
    with open("%s/d%03d/n%06d" % (top, i % dirs, i), "wb") as f:
        f.write(b"x" * 300)
for i in range(0, files, 3):
    os.unlink("%s/d%03d/n%06d" % (top, i % dirs, i))
PY
for f in "$SRC"/fixtures/backup-xfs/truth/archive/*.vg; do cp "$f" "$W/m/b/new-$(basename "$f")"; done
xfs_io -c fsync "$(ls "$W"/m/b/* | head -1)"
cp --sparse=always "$W/fs.img" "$W/live.img"
umount "$W/m"
losetup -d "$L"
L=
cp --sparse=always "$W/live.img" "$W/replayed.img"
L=$(losetup -f --show "$W/replayed.img")
mount -t xfs -o noatime "$L" "$W/m"
umount "$W/m"
losetup -d "$L"
L=
range=$(xfs_logprint -t "$W/live.img" 2>/dev/null | grep "log tail" || true)
"$SCAN" --json "$W/live.img" | grep -q '"fs_log":"replayed"' ||
    { echo "the live copy's log was not replayed ($range)" >&2; exit 1; }

source "$HERE/ab.sh"
echo "XFS of $SIZE MiB, $LMB MiB log, $FILES files in $DIRS directories, a third removed:$range; $RUNS runs each"
bench_ab "$SCAN" "$RUNS" replay "$W/live.img" replayed "$W/replayed.img"
echo "  replaying the log costs $(awk -v a="$AB_MEDIAN_A" -v b="$AB_MEDIAN_B" 'BEGIN {printf "%.2f", a - b}') s"
