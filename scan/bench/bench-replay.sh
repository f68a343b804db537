#!/usr/bin/env bash
# What replaying an ext4's live journal in memory (lr_extfs_open on a
# filesystem that needs recovery) costs lvmscan.
#
# Builds an ext4 of SIZE MiB (4 KiB blocks) with a journal of JMB MiB,
# mounts it (root: a loop device), copies in the LVM2 archive files of
# fixtures/backup/truth, syncs, then writes FILES files of 3000 bytes each
# fsynced (a jbd2 commit each) and copies the backing file while still
# mounted (the journal needs recovery: a live acquisition); a second copy
# is replayed by e2fsck -E journal_only (the same files, nothing to
# replay). Times lvmscan on each, alternately RUNS times, and prints the
# medians, their difference and the peak RSS of each.
#
# usage: scan/bench/bench-replay.sh [-s SIZE_MIB] [-j JOURNAL_MIB] [-n FILES] [-r RUNS] [-b BUILD_DIR]
# Environment: LVMSCAN (path to the binary) overrides -b.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SIZE=256 JMB=64 FILES=2000 RUNS=5 BUILD=$SRC/build
while getopts "s:j:n:r:b:" o; do
    case $o in
    s) SIZE=$OPTARG ;;
    j) JMB=$OPTARG ;;
    n) FILES=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    *) echo "usage: $0 [-s SIZE_MIB] [-j JOURNAL_MIB] [-n FILES] [-r RUNS] [-b BUILD_DIR]" >&2; exit 2 ;;
    esac
done
SCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
[ -x "$SCAN" ] || { echo "no lvmscan at $SCAN (build first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "must run as root (a loop mount)" >&2; exit 2; }
for t in mkfs.ext4 e2fsck debugfs losetup python3; do
    command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-replay.XXXXXX")
L=
cleanup() {
    mountpoint -q "$W/m" 2>/dev/null && umount "$W/m"
    [ -n "$L" ] && losetup -d "$L"
    rm -rf "$W"
}
trap cleanup EXIT
mkdir "$W/m"
truncate -s "${SIZE}M" "$W/fs.img"
mkfs.ext4 -q -F -b 4096 -J size="$JMB" -E lazy_itable_init=0,lazy_journal_init=0 "$W/fs.img"
L=$(losetup -f --show "$W/fs.img")
mount -t ext4 "$L" "$W/m"
mkdir "$W/m/a" "$W/m/f"
cp "$SRC"/fixtures/backup/truth/archive/*.vg "$W/m/a/"
sync
python3 - "$W/m/f" "$FILES" <<'PY'
import os, sys
for i in range(int(sys.argv[2])):
    fd = os.open("%s/n%06d" % (sys.argv[1], i), os.O_CREAT | os.O_WRONLY, 0o644)
    os.write(fd, b"x" * 3000); os.fsync(fd); os.close(fd)
PY
cp --sparse=always "$W/fs.img" "$W/live.img"
umount "$W/m"
losetup -d "$L"
L=
cp --sparse=always "$W/live.img" "$W/replayed.img"
e2fsck -E journal_only -y "$W/replayed.img" >/dev/null 2>&1 || true
commits=$(debugfs -R logdump "$W/live.img" 2>/dev/null | grep -c "commit block" || true)
"$SCAN" --json "$W/live.img" | grep -q '"fs_log":"replayed"' ||
    { echo "the live copy was not replayed (a sync elsewhere wrote the blocks home?)" >&2; exit 1; }

source "$HERE/ab.sh"
echo "ext4 of $SIZE MiB, $JMB MiB journal, $FILES files fsynced: $commits transactions to replay; $RUNS runs each"
bench_ab "$SCAN" "$RUNS" replay "$W/live.img" replayed "$W/replayed.img"
echo "  replaying the journal costs $(awk -v a="$AB_MEDIAN_A" -v b="$AB_MEDIAN_B" 'BEGIN {printf "%.2f", a - b}') s"
