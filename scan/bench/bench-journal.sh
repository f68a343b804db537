#!/usr/bin/env bash
# What reading an ext4's jbd2 journal (lr_extfs_journal_files: every log
# block's header, then the copies of inode table blocks) costs lvmscan.
#
# Builds an ext4 of SIZE GiB with a journal of JMB MiB (mkfs.ext4 -J size=
# -E lazy_journal_init=0: the journal's blocks written, as a used one's
# are) holding the LVM2 archive files of fixtures/backup-ext4/truth, one of
# them then removed with debugfs (a deleted file's start: the journal is
# read), and a copy with the journal removed (tune2fs -O ^has_journal: the
# same files; no journal to read). Times lvmscan on each, alternately RUNS
# times, and prints the medians, their difference and the peak RSS of each.
#
# usage: scan/bench/bench-journal.sh [-s SIZE_GIB] [-j JOURNAL_MIB] [-r RUNS] [-b BUILD_DIR] [-k]
#   -k keeps the images (in $TMPDIR or /tmp) for another run.
# Environment: LVMSCAN (path to the binary) overrides -b.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SIZE=8 JMB=1024 RUNS=5 BUILD=$SRC/build KEEP=0
while getopts "s:j:r:b:k" o; do
    case $o in
    s) SIZE=$OPTARG ;;
    j) JMB=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    k) KEEP=1 ;;
    *) echo "usage: $0 [-s SIZE_GIB] [-j JOURNAL_MIB] [-r RUNS] [-b BUILD_DIR] [-k]" >&2; exit 2 ;;
    esac
done
SCAN=${LVMSCAN:-$BUILD/bin/lvmscan}
[ -x "$SCAN" ] || { echo "no lvmscan at $SCAN (build first)" >&2; exit 2; }
for t in mkfs.ext4 debugfs tune2fs; do
    command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }
done
W=${TMPDIR:-/tmp}/bench-journal-$SIZE-$JMB
IMG=$W/journal.img NOJ=$W/nojournal.img
mkdir -p "$W"
if [ ! -s "$IMG" ] || [ ! -s "$NOJ" ]; then
    rm -rf "$W/src"
    mkdir -p "$W/src/etc/lvm/archive"
    cp "$SRC"/fixtures/backup-ext4/truth/archive/*.vg "$W/src/etc/lvm/archive/"
    rm -f "$IMG"
    truncate -s "${SIZE}G" "$IMG"
    mkfs.ext4 -q -F -J size="$JMB" -E lazy_journal_init=0 -d "$W/src" "$IMG"
    f=$(ls "$W/src/etc/lvm/archive" | head -1)
    debugfs -w -R "rm /etc/lvm/archive/$f" "$IMG" >/dev/null 2>&1
    rm -rf "$W/src"
    cp --sparse=always "$IMG" "$NOJ"
    tune2fs -O ^has_journal "$NOJ" >/dev/null
fi
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$W"; }
trap cleanup EXIT

source "$HERE/ab.sh"
echo "ext4 of $SIZE GiB with a $JMB MiB journal ($(du -h "$IMG" | cut -f1) allocated), $RUNS runs each"
bench_ab "$SCAN" "$RUNS" journal "$IMG" nojournal "$NOJ"
echo "  reading the journal costs $(awk -v a="$AB_MEDIAN_A" -v b="$AB_MEDIAN_B" 'BEGIN {printf "%.2f", a - b}') s"
n=$("$SCAN" --json "$IMG" | grep -c '"extfs_journal_inode": [0-9]' || true)
echo "  copies whose inode the journal gave: $n"
