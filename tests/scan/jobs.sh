#!/bin/bash
# lvmscan's worker threads (issue 16) change nothing it prints: over many
# images at once — the three PVs of fixtures/three-pv and the six of
# fixtures/raid raw and gzip'd, fixtures/history planted across the first
# 64 MiB boundary of a sparse 130 MiB file (cut into units of 64 buffers
# and scanned by several workers), an empty file, a missing file and a
# file that is not LVM2, a split raw set of three segments — the report and the JSON are byte for byte the
# same with LVMSCAN_JOBS=1 (one image at a time) as with 2, 3, 4 and 16
# workers and the default (one per CPU), and so is the exit status. As
# root, the sparse file on a read-only loop device (read with O_DIRECT)
# gives the file's JSON.
#
# Usage: jobs.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1
FIX=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/lr-jobs-XXXXXX")
LOOP=
cleanup() {
    [ -z "$LOOP" ] || losetup -d "$LOOP" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

FAIL=0
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

imgs=()
for f in "$FIX"/three-pv/pv*.img.gz "$FIX"/raid/pv*.img.gz; do
    n=$(basename "$(dirname "$f")")-$(basename "$f" .gz)
    zcat "$f" > "$T/$n"
    imgs+=("$T/$n")
done
cp "$FIX"/raid/pv0.img.gz "$FIX"/raid/pv1.img.gz "$T"/ && imgs+=("$T/pv0.img.gz" "$T/pv1.img.gz")
# the PV's label (sector 1) 1 KiB before the 64 MiB boundary, its mda header
# and metadata copies after it
truncate -s 130M "$T/big.img"
zcat "$FIX"/history/disk.img.gz | dd of="$T/big.img" bs=512 seek=$(((64 << 11) - 3)) conv=notrunc status=none
: > "$T/empty.img"
head -c 3M /dev/urandom > "$T/random.img"
imgs+=("$T/big.img" "$T/empty.img" "$T/missing.img" "$T/random.img")
# LVM2 archive files inside an LV (fixtures/backup), the image placed so
# that the 64 MiB boundary falls inside it: their starts are found by every
# worker and merged like the rest
truncate -s 130M "$T/backup-big.img"
zcat "$FIX"/backup/disk.img.gz | dd of="$T/backup-big.img" bs=1M seek=60 conv=notrunc status=none
imgs+=("$T/backup-big.img")
# a split raw set (disk.001 disk.002 ...: cut into units like a raw file)
# with fixtures/wrapped planted at 56 MiB: the 64 MiB unit boundary and the
# 60 MiB segment boundary both fall inside the PV
truncate -s 130M "$T/set.img"
zcat "$FIX"/wrapped/disk.img.gz | dd of="$T/set.img" bs=1M seek=56 conv=notrunc status=none
split -d -a 3 --numeric-suffixes=1 -b 60M "$T/set.img" "$T/set.img."
rm -f "$T/set.img"
imgs+=("$T/set.img.001")
# xz images with corrupt blocks: the bytes after each bad block are scanned
# by a worker as by the single stream (issue 15)
imgs+=("$FIX"/formats/bad/corrupt-blocks.img.xz "$FIX"/formats/bad/corrupt-block.img.xz)

run() { # JOBS: writes $T/out.JOBS.{json,txt,rc}
    LVMSCAN_JOBS=$1 "$LVMSCAN" --json "${imgs[@]}" > "$T/out.$1.json" 2> "$T/err.$1.json"
    echo $? > "$T/out.$1.rc"
    LVMSCAN_JOBS=$1 "$LVMSCAN" "${imgs[@]}" > "$T/out.$1.txt" 2> "$T/err.$1.txt"
    echo $? >> "$T/out.$1.rc"
}
run 1
grep -q '"name":"vg0"' "$T/out.1.json" || bad "jobs=1: the planted VG vg0 is not in the JSON"
grep -q 'missing.img' "$T/err.1.txt" || bad "jobs=1: the missing image is not reported"
grep -q '"found_by":"backup_file"' "$T/out.1.json" || bad "jobs=1: no version from the archive files of backup-big.img"
grep -q '"name":"vgw"' "$T/out.1.json" || bad "jobs=1: the VG vgw planted in the split set is not in the JSON"
for j in 2 3 4 16 ""; do
    run "$j"
    for k in json txt; do
        cmp -s "$T/out.1.$k" "$T/out.$j.$k" || bad "LVMSCAN_JOBS=$j: --$k output differs from LVMSCAN_JOBS=1"
        cmp -s "$T/err.1.$k" "$T/err.$j.$k" || bad "LVMSCAN_JOBS=$j: stderr ($k) differs from LVMSCAN_JOBS=1"
    done
    cmp -s "$T/out.1.rc" "$T/out.$j.rc" || bad "LVMSCAN_JOBS=$j: exit status differs"
done
LVMSCAN_JOBS=x "$LVMSCAN" --json "$T/empty.img" > /dev/null 2> "$T/err.x"
grep -q 'LVMSCAN_JOBS=x ignored' "$T/err.x" || bad "LVMSCAN_JOBS=x is not reported as ignored"

# A block device is read with O_DIRECT (LR_IO_DIRECT): the same VG, with all
# 16 versions, as in the file (root and a free loop device only).
if [ "$(id -u)" = 0 ] && LOOP=$(losetup -f --show -r "$T/big.img" 2>/dev/null); then
    for j in 1 2; do
        LVMSCAN_JOBS=$j "$LVMSCAN" --json "$LOOP" > "$T/loop.$j.json"
        # the image's path only: the fixture's own texts name the loop
        # devices LVM2 made it on ("vgcreate vg0 /dev/loop2")
        sed "s#\"path\":\"$LOOP\"#\"path\":\"$T/big.img\"#" "$T/loop.$j.json" |
            cmp -s - <(LVMSCAN_JOBS=$j "$LVMSCAN" --json "$T/big.img") ||
            bad "LVMSCAN_JOBS=$j: $LOOP over big.img does not give the file's JSON"
    done
else
    echo "SKIPPED: lvmscan-jobs block device part (needs root and a free loop device)"
fi

[ $FAIL = 0 ] || { echo "$FAIL failure(s)"; exit 1; }
echo "PASS: lvmscan output identical with 1, 2, 3, 4, 16 and default workers (${#imgs[@]} images)"
