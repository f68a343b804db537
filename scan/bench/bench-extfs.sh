#!/usr/bin/env bash
# What reading ext4's own records (libext2fs: an inode scan per filesystem
# a backup file starts in, lr/extfs.h) or XFS's (-t xfs: each allocation
# group's inode B+tree walked, lr/xfs.h) costs lvmscan.
#
# Builds an ext4 (mkfs.ext4 -i 4096 -d, no mount) of FILES small files
# (100 to 3100 bytes, in directories of 1000) and the LVM2 archive files of
# fixtures/backup-ext4/truth in etc/lvm/archive, and a copy of it with its
# primary superblock's magic zeroed (the same bytes; its records not
# known: the files read on from their first block, as before libext2fs).
# Times lvmscan on each, alternately RUNS times, and prints the medians,
# their difference (the inode scan), lvmscan's peak RSS on each and how
# many copies were read by their inode (ext-file). With -t xfs: the same
# files in an XFS (mkfs.xfs -p, a protofile: no mount; its superblock's
# magic zeroed in the copy), copies read by their inode flagged xfs-file.
#
# usage: scan/bench/bench-extfs.sh [-n FILES] [-r RUNS] [-b BUILD_DIR] [-k] [-t ext4|xfs]
#   -k keeps the images (in $TMPDIR or /tmp) for another run.
# Environment: LVMSCAN (path to the binary) overrides -b.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
FILES=200000 RUNS=5 BUILD=$SRC/build KEEP=0 FS=ext4
while getopts "n:r:b:kt:" o; do
    case $o in
    n) FILES=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    k) KEEP=1 ;;
    t) FS=$OPTARG ;;
    *) echo "usage: $0 [-n FILES] [-r RUNS] [-b BUILD_DIR] [-k] [-t ext4|xfs]" >&2; exit 2 ;;
    esac
done
case $FS in
ext4) FLAG=ext-file MAGIC_AT=$((1024 + 0x38)) ;;
xfs) FLAG=xfs-file MAGIC_AT=0 ;;
*) echo "-t: ext4 or xfs" >&2; exit 2 ;;
esac
SCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
[ -x "$SCAN" ] || { echo "no lvmscan at $SCAN (build first)" >&2; exit 2; }
for t in mkfs.$FS python3; do
    command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }
done
W=${TMPDIR:-/tmp}/bench-extfs-$FS-$FILES
IMG=$W/$FS.img NOSB=$W/nosb.img
mkdir -p "$W"
if [ ! -s "$IMG" ] || [ ! -s "$NOSB" ]; then
    rm -rf "$W/src"
    mkdir -p "$W/src/etc/lvm/archive"
    cp "$SRC"/fixtures/backup-ext4/truth/archive/*.vg "$W/src/etc/lvm/archive/"
    python3 - "$W/src" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "data", "d%d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d)
    with open(os.path.join(d, "f%d" % i), "w") as f:
        f.write("x" * (100 + i % 3000))
PY
    mb=$(( (FILES * 6 + 1023) / 1024 + 64 ))
    [ "$FS" = ext4 ] || [ $mb -ge 300 ] || mb=300 # mkfs.xfs's smallest
    truncate -s "${mb}M" "$IMG"
    if [ "$FS" = ext4 ]; then
        mkfs.ext4 -q -F -i 4096 -d "$W/src" "$IMG"
    else
        python3 "$HERE/xfs-proto.py" "$W/src" > "$W/proto"
        mkfs.xfs -q -f -p "$W/proto" "$IMG"
    fi
    rm -rf "$W/src" "$W/proto"
    cp --sparse=always "$IMG" "$NOSB"
    printf '\0\0' | dd of="$NOSB" bs=1 seek=$MAGIC_AT conv=notrunc status=none
fi
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$W"; }
trap cleanup EXIT

source "$HERE/ab.sh"
echo "$FS of $FILES files: $(du -h --apparent-size "$IMG" | cut -f1) ($(du -h "$IMG" | cut -f1) allocated), $RUNS runs each"
bench_ab "$SCAN" "$RUNS" records "$IMG" nosb "$NOSB"
echo "  the records cost $(awk -v a="$AB_MEDIAN_A" -v b="$AB_MEDIAN_B" 'BEGIN {printf "%.2f", a - b}') s"
n=$("$SCAN" "$IMG" | grep -c " $FLAG" || true)
echo "  copies read by their inode: $n (of $(ls "$SRC"/fixtures/backup-ext4/truth/archive | wc -l) archive files)"
[ "$n" -gt 0 ] || { echo "no copy was read by its inode" >&2; exit 1; }
