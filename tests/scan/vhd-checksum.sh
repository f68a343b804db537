#!/usr/bin/env bash
# A VHD whose footer or dynamic header checksum is wrong is read anyway and
# the verdict shown (core/src/io_vhd.c, lr_io_note): made here from
# qemu-img's files in fixtures/formats (disk.vhd dynamic, disk-fixed.vhd
# fixed) by flipping one byte of a reserved area, the checksum left as it
# was:
#  - lvmscan --json finds in each what it finds in the clean file (every
#    key but "images"), with the same exit status (a warning is no error:
#    docs/man/lvmscan.1), images[].warnings empty for the clean files and,
#    for the damaged ones, naming the structure with the stored checksum
#    and the one computed here by python, per the VHD specification (ones'
#    complement of the byte sum, the checksum field taken as zero);
#  - the readable report and standard error carry a WARNING line;
#  - in a differencing chain (vhd-lib's), a damaged header of the
#    grandparent is warned about under the top image, naming that file;
#  - qemu-img is the independent judge where it checks (qemu 7.2 checks the
#    footer it uses: the copy at byte 0 of a dynamic disk, the footer at
#    the end of a fixed one; not the dynamic header): it refuses the files
#    we warn about and opens the clean ones (SKIPPED by name without it).
# usage: vhd-checksum.sh LVMSCAN FIXTURES_DIR
set -u
LVMSCAN=$1
F=$2/formats
if ! command -v python3 >/dev/null; then
    echo "SKIPPED: vhd-checksum needs python3"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

gzip -dc "$F/disk.vhd.gz" > "$T/disk.vhd"
gzip -dc "$F/disk-fixed.vhd.gz" > "$T/fixed.vhd"
if ! "$LVMSCAN" -q "$T/disk.vhd" 2> "$T/err"; then
    if grep -q libvhdi "$T/err"; then
        echo "SKIPPED: vhd-checksum (this build has no libvhdi)"
        exit 77
    fi
    cat "$T/err"
    bad "the clean disk.vhd does not scan"
fi

# flip FILE STRUCT_AT LEN SUM_AT BYTE: flips byte BYTE of the structure of
# LEN bytes at STRUCT_AT (negative: from the end) and prints its stored and
# computed checksums as lvmscan words them ("0x... stored, 0x... computed")
flip() {
    python3 - "$@" <<'EOF'
import sys
path, at, n, sum_at, byte = sys.argv[1], *map(int, sys.argv[2:])
with open(path, "r+b") as f:
    f.seek(0, 2)
    at = at if at >= 0 else f.tell() + at
    f.seek(at)
    s = bytearray(f.read(n))
    s[byte] ^= 0x01
    f.seek(at)
    f.write(s)
stored = int.from_bytes(s[sum_at:sum_at + 4], "big")
s[sum_at:sum_at + 4] = bytes(4)
print("0x%08x stored, 0x%08x computed" % (stored, ~sum(s) & 0xffffffff))
EOF
}

# same_but_warned CLEAN.json DAMAGED.json WANT: the two scans agree on
# every key but "images", the clean one has no warning, the damaged one WANT
same_but_warned() {
    python3 - "$@" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
w = (a["images"][0]["warnings"], b["images"][0]["warnings"])
if w[0] != [] or sys.argv[3] not in w[1]:
    print("warnings:", w, "\nwanted:", sys.argv[3])
    sys.exit(1)
for k in a:
    if k != "images" and a[k] != b[k]:
        print("key", k, "differs from the clean scan's")
        sys.exit(1)
EOF
}

# name:clean:what-lvmscan-says:struct-at:len:sum-at:byte  (qemu: it refuses)
CASES="foot0:disk:footer copy at byte 0:0:512:64:100:qemu
footend:disk:footer at byte 2099712:-512:512:64:100:-
header:disk:dynamic disk header at byte 512:512:1024:36:800:-
fixedfoot:fixed:footer at byte 33562624:-512:512:64:100:qemu"
cd "$T" || exit 1
for clean in disk fixed; do
    "$LVMSCAN" --json "$clean.vhd" > "$clean.json" 2> "$clean.err"
    echo $? > "$clean.rc"
    python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["images"][0];
sys.exit(0 if i["warnings"] == [] else 1)' "$clean.json" || bad "$clean.vhd: warnings not []"
    [ ! -s "$clean.err" ] || bad "$clean.vhd: said $(cat "$clean.err")"
done
while IFS=: read -r name clean what at len sum_at byte qemu; do
    cp "$clean.vhd" "$name.vhd"
    sums=$(flip "$name.vhd" "$at" "$len" "$sum_at" "$byte")
    want="the VHD file $name.vhd: the $what has checksum $sums (damaged; its data was read anyway)"
    "$LVMSCAN" --json "$name.vhd" > "$name.json" 2> "$name.err"
    rc=$?
    [ "$rc" = "$(cat "$clean.rc")" ] || bad "$name.vhd: exit $rc, the clean file's $(cat "$clean.rc")"
    same_but_warned "$clean.json" "$name.json" "$want" || bad "$name.vhd: JSON differs (above)"
    grep -qxF "lvmscan: WARNING: $name.vhd: $want" "$name.err" || bad "$name.vhd: stderr: $(cat "$name.err")"
    "$LVMSCAN" "$name.vhd" 2> /dev/null | grep -qxF "    WARNING: $want" ||
        bad "$name.vhd: no WARNING line in the report"
    if [ "$qemu" = - ]; then
        continue
    fi
    if ! command -v qemu-img >/dev/null; then
        echo "SKIPPED: vhd-checksum qemu-img comparison of $name.vhd (no qemu-img)"
        continue
    fi
    qemu-img info -f vpc "$clean.vhd" > /dev/null 2>&1 || bad "qemu-img refuses the clean $clean.vhd"
    qemu-img info -f vpc "$name.vhd" > "$name.qemu" 2>&1 &&
        bad "qemu-img opens $name.vhd, which we call damaged"
    grep -q "Incorrect header checksum" "$name.qemu" || bad "$name.vhd: qemu-img said $(cat "$name.qemu")"
done <<< "$CASES"

# a chain (vhd-lib's, fixtures/formats/make-vhd-chain.sh): the damaged
# header of the grandparent is shown naming that file, under the top image
mkdir -p chain clean-chain
tar -C clean-chain -xzf "$F/vhd-chain.tar.gz"
tar -C chain -xzf "$F/vhd-chain.tar.gz"
sums=$(flip chain/base.vhd 512 1024 36 800)
want="the VHD file chain/base.vhd: the dynamic disk header at byte 512 has checksum $sums (damaged; its data was read anyway)"
"$LVMSCAN" --json clean-chain/top.vhd > clean-chain.json 2> /dev/null
rc_clean=$?
"$LVMSCAN" --json chain/top.vhd > chain.json 2> chain.err
rc=$?
[ "$rc" = "$rc_clean" ] || bad "chain/top.vhd: exit $rc, the clean chain's $rc_clean"
same_but_warned clean-chain.json chain.json "$want" || bad "chain/top.vhd: JSON differs (above)"
grep -qxF "lvmscan: WARNING: chain/top.vhd: $want" chain.err || bad "chain/top.vhd: stderr: $(cat chain.err)"

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "vhd-checksum: all passed"
