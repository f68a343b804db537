#!/usr/bin/env bash
# A build without the optional libraries (issue 15: "a build that lacks one
# still builds and names the missing library when such an image is given").
#
#   nolibs.sh SOURCE_DIR BUILD_DIR LVMSCAN FIXTURES
#
# Configures SOURCE_DIR into BUILD_DIR with every LR_NO_* option on (no
# libewf, libqcow, libvmdk, libvhdi, liblzma, libzstd, liblzo2, libbfio,
# libext2fs),
# builds its lvmscan (warnings are errors) and checks, against LVMSCAN (the
# full build):
#   - each container or compressed image (fixtures/formats: E01, qcow2,
#     VMDK, an OVA's VMDK, VHD, VHDX, xz, zstd) is refused with exit 2 naming the library
#     it needs; a split raw set and a gzip image are still read;
#   - LVM2 backup files btrfs compressed (fixtures/backup: btrfs.img.gz,
#     zlib and zstd; btrfs-lzo.img.gz): the zlib copies are the full
#     build's; no lzo or zstd copy is made; btrfs_unread counts the lzo
#     copies the full build finds exactly, and at least its zstd copies
#     (every zstd file and frame is counted: their bytes cannot be looked
#     into); the report and stderr name liblzo2 and libzstd, lvmtui's VG
#     list and lvmrepair's warnings too;
#   - the full build counts nothing unread;
#   - lvmscan, lvmrepair and lvmtui --version name the libraries this
#     build lacks (all of them), the full build's names each either way;
#   - without libext2fs, fixtures/backup-ext4's fragmented backup file is
#     partial (read on from its first block) and no copy is an extfs_file.
set -euo pipefail
SRC=$1
BUILD=$2
FULL=$3
NAME=build-without-libs
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline $NAME "$FULL" "$4"
FIX=$4
T=$LR_TMP
command -v python3 > /dev/null 2>&1 || lr_skip "no python3"
command -v cmake > /dev/null 2>&1 || lr_skip "no cmake"

off=""
for lib in EWF QCOW VMDK VHDI LZMA ZSTD LZO BFIO EXT2FS; do
    off="$off -DLR_NO_$lib=ON"
done
# shellcheck disable=SC2086
cmake -S "$SRC" -B "$BUILD" -DLR_WERROR=ON $off > "$T/cmake.log" 2>&1 ||
    lr_fail "configuring without the optional libraries failed: $(tail -5 "$T/cmake.log")"
cmake --build "$BUILD" -j2 --target lvmscan lvmtui lvmrepair > "$T/build.log" 2>&1 ||
    lr_fail "building without the optional libraries failed: $(grep -m5 -E 'error|warning' "$T/build.log")"
SCAN=$BUILD/bin/lvmscan
[ -x "$SCAN" ] || lr_fail "no lvmscan in $BUILD/bin"

# ---- --version names the optional libraries each build has and lacks
# (libblkid stays: nolibs turns off only the LR_NO_* ones)
want="libewf libqcow libvmdk libvhdi liblzma libzstd libbfio liblzo2 libext2fs"
for prog in lvmscan lvmrepair lvmtui; do
    "$BUILD/bin/$prog" --version > "$T/v.txt" || lr_fail "$prog --version exited $?"
    grep -qx "optional libraries not in this build: $want" "$T/v.txt" ||
        lr_fail "$prog --version does not name the libraries this build lacks: $(cat "$T/v.txt")"
done
"$FULL" --version > "$T/v.txt" || lr_fail "the full build's lvmscan --version exited $?"
for lib in $want; do
    if ! grep -q "^optional libraries in this build: .*\b$lib\b" "$T/v.txt" &&
        ! grep -q "^optional libraries not in this build: .*\b$lib\b" "$T/v.txt"; then
        lr_fail "the full build's lvmscan --version does not name $lib: $(cat "$T/v.txt")"
    fi
done

# ---- image formats: refused by name, exit 2
mkdir -p "$T/f"
for f in disk.qcow2 disk.vmdk disk.vhdx disk-fixed.vhd; do
    gzip -dc "$FIX/formats/$f.gz" > "$T/f/$f"
done
cp "$FIX/formats/disk.img.xz" "$FIX/formats/disk.img.zst" "$FIX/formats/vm.ova" "$T/f/"
tar -C "$T/f" -xzf "$FIX/formats/ewf.tar.gz"
tar -C "$T/f" -xzf "$FIX/formats/split.tar.gz"
for pair in disk.E01:libewf disk.qcow2:libqcow disk.vmdk:libvmdk disk.vhdx:libvhdi \
    disk-fixed.vhd:libvhdi disk.img.xz:liblzma disk.img.zst:libzstd vm.ova:libvmdk; do
    img=${pair%:*} lib=${pair#*:}
    rc=0
    "$SCAN" "$T/f/$img" > "$T/out" 2> "$T/err" || rc=$?
    [ $rc -eq 2 ] || lr_fail "$img: exit $rc without $lib, not 2"
    grep -q "has no $lib to read it" "$T/err" || lr_fail "$img: the refusal does not name $lib: $(cat "$T/err")"
done
# what needs no optional library is read as the full build reads it
split=$(ls "$T"/f/*.001 | head -1)
for img in "$split" "$FIX/history/disk.img.gz"; do
    "$SCAN" --json "$img" > "$T/nl.json" || lr_fail "$img: exit $? without the optional libraries"
    "$FULL" --json "$img" > "$T/full.json" || lr_fail "$img: exit $? in the full build"
    python3 - "$T/nl.json" "$T/full.json" <<'EOF' || lr_fail "$img: read differently without the optional libraries"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
key = lambda d: sorted((v["name"], v["latest_seqno"]) for v in d["vgs"])
assert key(a) == key(b) and key(a), (key(a), key(b))
EOF
done

# ---- btrfs compressed files: counted, never silently missed
gzip -dc "$FIX/backup/btrfs.img.gz" > "$T/z.fs"
gzip -dc "$FIX/backup/btrfs-lzo.img.gz" > "$T/l.fs"
"$SCAN" --json "$T/z.fs" "$T/l.fs" > "$T/nl.json" 2> "$T/nl.err" || lr_fail "btrfs: exit $? without the optional libraries"
"$SCAN" "$T/z.fs" "$T/l.fs" > "$T/nl.txt" 2> /dev/null || lr_fail "btrfs: exit $? (text report)"
"$FULL" --json "$T/z.fs" "$T/l.fs" > "$T/full.json" || lr_fail "btrfs: exit $? in the full build"
python3 - "$T/nl.json" "$T/full.json" <<'EOF' || lr_fail "btrfs files unread without liblzo2 and libzstd"
import json, sys
from collections import Counter
nl, full = (json.load(open(p)) for p in sys.argv[1:])
count = lambda d: Counter((c["image"], c["btrfs_compression"]) for c in d["copies"])
a, b = count(nl), count(full)
assert all(z not in ("lzo", "zstd") for _, z in a), a
assert a[(0, "zlib")] == b[(0, "zlib")] > 0, (a, b)
zstd, lzo = b[(0, "zstd")], b[(1, "lzo")]
assert zstd > 0 and lzo > 0, b
u = [im["btrfs_unread"] for im in nl["images"]]
assert u[0]["lzo"] == 0 and u[0]["zstd"] >= zstd, (u, zstd)
assert u[1]["lzo"] == lzo and u[1]["zstd"] == 0, (u, lzo)
assert all(im["btrfs_unread"] == {"lzo": 0, "zstd": 0} for im in full["images"]), full["images"]
print("without the libraries: %d zstd places and %d lzo files counted unread "
      "(the full build reads %d zstd and %d lzo copies)" % (u[0]["zstd"], u[1]["lzo"], zstd, lzo))
EOF
for lib in liblzo2 libzstd; do
    grep -q "NOT READ: .*built without $lib" "$T/nl.txt" || lr_fail "the report does not say $lib was missing"
    grep -q "WARNING: .*built without $lib" "$T/nl.err" || lr_fail "stderr does not say $lib was missing"
done
(cd "$T" && "$BUILD/bin/lvmtui" --now 1800000000 --host testhost --size 120x30 --script '<Dump>' \
    --screen-dump "$T/tui.txt" z.fs l.fs > /dev/null 2> "$T/tui.err") || lr_fail "lvmtui exited $?: $(cat "$T/tui.err")"
grep -q "WARNING: l.fs: 53 backup files btrfs compressed with lzo not read: built without liblzo2" "$T/tui.txt" ||
    lr_fail "lvmtui's VG list does not say the lzo files were not read: $(cat "$T/tui.txt")"
grep -q "WARNING: z.fs: [0-9]* files or frames compressed with zstd not read: built without libzstd" "$T/tui.txt" ||
    lr_fail "lvmtui's VG list does not say the zstd files were not read: $(cat "$T/tui.txt")"
"$BUILD/bin/lvmrepair" --vg hbkvg --export seqno=45 -o "$T/x.vg" "$T/z.fs" "$T/l.fs" > /dev/null 2> "$T/rep.err" ||
    lr_fail "lvmrepair exited $?: $(cat "$T/rep.err")"
for lib in liblzo2 libzstd; do
    grep -q "lvmrepair: WARNING: .*built without $lib" "$T/rep.err" || lr_fail "lvmrepair does not say $lib was missing: $(cat "$T/rep.err")"
done
# ---- ext4's records (libext2fs): without it a backup file is read on from
# its first block as on any filesystem: fixtures/backup-ext4's backup file
# whose blocks are not in a row is partial, no copy is an extfs_file
gzip -dc "$FIX/backup-ext4/ext4.img.gz" > "$T/e4.img"
"$SCAN" --json "$T/e4.img" > "$T/e4.json" || lr_fail "backup-ext4: exit $? without libext2fs"
python3 - "$T/e4.json" <<'EOF' || lr_fail "backup-ext4 read with ext4's records in a build without libext2fs"
import json, sys
d = json.load(open(sys.argv[1]))
cs = [c for c in d["copies"] if c["found_by"] == "backup_file"]
assert cs and not any(c["extfs_file"] for c in cs), cs
assert [c["seqno"] for c in cs if c["partial"]] == [5], [(c["seqno"], c["partial"]) for c in cs]
EOF
echo "PASSED: $NAME"
