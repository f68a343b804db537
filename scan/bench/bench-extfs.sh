#!/usr/bin/env bash
# What reading ext4's own records (libext2fs: an inode scan per filesystem
# a backup file starts in, lr/extfs.h) costs lvmscan.
#
# Builds an ext4 (mkfs.ext4 -i 4096 -d, no mount) of FILES small files
# (100 to 3100 bytes, in directories of 1000) and the LVM2 archive files of
# fixtures/backup-ext4/truth in etc/lvm/archive, and a copy of it with its
# primary superblock's magic zeroed (the same bytes; its records not
# known: the files read on from their first block, as before libext2fs).
# Times lvmscan on each, alternately RUNS times, and prints the medians,
# their difference (the inode scan), lvmscan's peak RSS on each and how
# many copies were read by their inode (ext-file).
#
# usage: scan/bench/bench-extfs.sh [-n FILES] [-r RUNS] [-b BUILD_DIR] [-k]
#   -k keeps the images (in $TMPDIR or /tmp) for another run.
# Environment: LVMSCAN (path to the binary) overrides -b.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
FILES=200000 RUNS=5 BUILD=$SRC/build KEEP=0
while getopts "n:r:b:k" o; do
    case $o in
    n) FILES=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    k) KEEP=1 ;;
    *) echo "usage: $0 [-n FILES] [-r RUNS] [-b BUILD_DIR] [-k]" >&2; exit 2 ;;
    esac
done
SCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
[ -x "$SCAN" ] || { echo "no lvmscan at $SCAN (build first)" >&2; exit 2; }
for t in mkfs.ext4 python3; do
    command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }
done
W=${TMPDIR:-/tmp}/bench-extfs-$FILES
IMG=$W/ext4.img NOSB=$W/nosb.img
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
    truncate -s "${mb}M" "$IMG"
    mkfs.ext4 -q -F -i 4096 -d "$W/src" "$IMG"
    rm -rf "$W/src"
    cp --sparse=always "$IMG" "$NOSB"
    printf '\0\0' | dd of="$NOSB" bs=1 seek=$((1024 + 0x38)) conv=notrunc status=none
fi
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$W"; }
trap cleanup EXIT

source "$HERE/ab.sh"
echo "ext4 of $FILES files: $(du -h --apparent-size "$IMG" | cut -f1) ($(du -h "$IMG" | cut -f1) allocated), $RUNS runs each"
bench_ab "$SCAN" "$RUNS" records "$IMG" nosb "$NOSB"
echo "  the records cost $(awk -v a="$AB_MEDIAN_A" -v b="$AB_MEDIAN_B" 'BEGIN {printf "%.2f", a - b}') s"
n=$("$SCAN" "$IMG" | grep -c " ext-file" || true)
echo "  copies read by their inode: $n (of $(ls "$SRC"/fixtures/backup-ext4/truth/archive | wc -l) archive files)"
[ "$n" -gt 0 ] || { echo "no copy was read by its inode" >&2; exit 1; }
