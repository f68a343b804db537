#!/bin/bash
# lvmscan walks each thin pool's space maps (lr_thin_space_maps): the data
# space map's ref counts must be what thin-provisioning-tools say. The
# expectation comes from the tools, never from lvmrescue:
#   - thin_rmap lists, for every data block, the (device, virtual block)
#     pairs mapping it: a block's expected ref count is the number of
#     pairs (thin_restore writes every device's btree on its own, so no
#     leaf is shared and each pair is one leaf entry), allocated = blocks
#     with a pair, shared = blocks with more than one;
#   - thin_check accepts the sound metadata ("checking space map counts":
#     0.9 compares the metadata space map with the blocks it reaches, not
#     the data space map with the mappings) and rejects the broken bitmap;
#   - thin_dump's superblock gives nr_data_blocks.
# Cases: fixtures/thin (thin_restore, counts 1 and 2); the same VG with pool
# metadata made here by thin_restore from XML with a block mapped by four
# devices (ref count 4: the ref count btree) and three bitmaps; that
# metadata with one mapped block's count set to 0 (a leak: "in use but
# free") and another's lowered (count differs), checksums resealed by the
# CRC-32C below; and with a bitmap's checksum broken (damage).
# lvmrepair --extract of a thin LV of the leak copy warns the same.
# Usage: thin-spacemap.sh LVMSCAN FIXTURES LVMREPAIR
set -u
S=$1
F=$2/thin
R=$3
for c in thin_restore thin_check thin_rmap thin_dump python3; do
    if ! command -v $c >/dev/null 2>&1; then
        echo "SKIPPED: lvmscan-thin-spacemap: $c not installed (thin-provisioning-tools)"
        exit 77
    fi
done
T=$(mktemp -d "${TMPDIR:-/tmp}/hth-sm.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
MIB=1048576

# the pool metadata LV of fixtures/thin: 2 MiB at extent 0, 2 MiB at extent
# 40 (pe_start 1 MiB, 1 MiB extents: truth/expected)
cut_meta() { # image meta
    dd if="$1" of="$2" bs=1M skip=1 count=2 status=none
    dd if="$1" of="$2" bs=1M skip=41 count=2 seek=2 status=none
}
put_meta() { # meta image
    dd if="$1" of="$2" bs=1M count=2 seek=1 conv=notrunc status=none
    dd if="$1" of="$2" bs=1M skip=2 count=2 seek=41 conv=notrunc status=none
}

# expect META JSON VERSION_SEQNO: compares lvmscan's data space map of the
# pool in that version with thin_rmap / thin_dump's view of META
expect() {
    local meta=$1 json=$2 seqno=$3
    local nr
    nr=$(thin_dump "$meta" | sed -n 's/.*nr_data_blocks="\([0-9]*\)".*/\1/p' | head -1)
    thin_rmap --region "0..$nr" "$meta" > "$T/rmap" || fail "thin_rmap on $meta"
    python3 - "$T/rmap" "$json" "$seqno" "$nr" <<'PY' || fail "space maps of $meta: see above"
import json, re, sys
refs = {}
for line in open(sys.argv[1]):
    m = re.match(r"data (\d+)\.\.(\d+) -> thin\((\d+)\) (\d+)\.\.(\d+)", line)
    assert m, line
    for b in range(int(m[1]), int(m[2])):
        refs[b] = refs.get(b, 0) + 1
nr = int(sys.argv[4])
d = json.load(open(sys.argv[2]))
v = {x["seqno"]: x["thin_pools"] for g in d["vgs"] for x in g["versions"]}
(p,) = v[int(sys.argv[3])]
sm = p["space_maps"]
got = {k: sm["data"][k] for k in ("read", "nr_blocks", "nr_allocated", "counted", "allocated",
                                  "shared", "unknown", "in_use_free", "count_differs",
                                  "unreferenced", "consistent")}
want = {"read": True, "nr_blocks": nr, "nr_allocated": len(refs), "counted": nr,
        "allocated": len(refs), "shared": sum(1 for c in refs.values() if c > 1), "unknown": 0,
        "in_use_free": 0, "count_differs": 0, "unreferenced": 0, "consistent": True}
assert got == want, (got, want)
assert round(100 * len(refs) / nr, 2) == sm["data"]["used_percent"], sm["data"]
m = sm["metadata"]
assert (m["read"], m["in_use_free"], m["unreferenced"], m["unknown"], m["consistent"]) == \
    (True, 0, 0, 0, True), m
print("max ref count %d over %d blocks" % (max(refs.values()), len(refs)))
PY
}

# 1. the committed fixture
gzip -dc "$F/disk.img.gz" > "$T/disk.img"
cut_meta "$T/disk.img" "$T/disk.meta"
thin_check "$T/disk.meta" >/dev/null 2>&1 || fail "thin_check rejects fixtures/thin"
"$S" --json "$T/disk.img" > "$T/disk.json" || fail "lvmscan --json exit $?"
expect "$T/disk.meta" "$T/disk.json" 3
"$S" "$T/disk.img" > "$T/disk.out" || fail "lvmscan exit $?"
grep -q "^              data: 309 of 384 blocks allocated (80.47%), 5 shared (ref count > 1)$" \
    "$T/disk.out" || fail "human data line: $(grep -A3 'thin pool' "$T/disk.out")"
grep -q "inconsistent" "$T/disk.out" && fail "sound pool called inconsistent"

# 2. the same VG, its pool metadata made here by thin_restore: block 7 is
# mapped by devices 1-4 (ref count 4), block 9 by 1 and 2, 20000 blocks in
# three bitmaps
cat > "$T/pool.xml" <<'XML'
<superblock uuid="" time="1" transaction="3" flags="0" version="2" data_block_size="128" nr_data_blocks="40000">
  <device dev_id="1" mapped_blocks="3" transaction="0" creation_time="0" snap_time="0">
    <single_mapping origin_block="0" data_block="7" time="0"/>
    <single_mapping origin_block="1" data_block="8" time="0"/>
    <single_mapping origin_block="2" data_block="9" time="0"/>
  </device>
  <device dev_id="2" mapped_blocks="3" transaction="0" creation_time="0" snap_time="0">
    <single_mapping origin_block="0" data_block="7" time="0"/>
    <single_mapping origin_block="2" data_block="9" time="0"/>
    <single_mapping origin_block="5" data_block="33000" time="0"/>
  </device>
  <device dev_id="3" mapped_blocks="1" transaction="0" creation_time="0" snap_time="0">
    <single_mapping origin_block="9" data_block="7" time="0"/>
  </device>
  <device dev_id="4" mapped_blocks="1" transaction="0" creation_time="0" snap_time="0">
    <single_mapping origin_block="9" data_block="7" time="0"/>
  </device>
</superblock>
XML
truncate -s 4M "$T/shared.meta"
thin_restore -q -i "$T/pool.xml" -o "$T/shared.meta" || fail "thin_restore"
thin_check "$T/shared.meta" >/dev/null 2>&1 || fail "thin_check rejects its own restore"
cp "$T/disk.img" "$T/shared.img"
put_meta "$T/shared.meta" "$T/shared.img"
"$S" --json "$T/shared.img" > "$T/shared.json" || fail "lvmscan --json shared exit $?"
out=$(expect "$T/shared.meta" "$T/shared.json" 3) || fail "$out"
[ "$out" = "max ref count 4 over 4 blocks" ] || fail "the fixture does not reach the ref count btree: $out"

# 3. corrupted copies: python finds the data bitmaps by parsing the
# superblock and the index btree itself, and reseals with its own CRC-32C
python3 - "$T/shared.meta" "$T" <<'PY' || fail "making the corrupted copies"
import struct, sys
meta, out = open(sys.argv[1], "rb").read(), sys.argv[2]
TAB = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    TAB.append(c)
def crc(b):
    c = 0xFFFFFFFF
    for x in b:
        c = TAB[(c ^ x) & 0xFF] ^ (c >> 8)
    return c
root = struct.unpack_from("<Q", meta, 64 + 16)[0]  # data sm bitmap_root: the index btree
node = meta[root * 4096:(root + 1) * 4096]
flags, nr, mx, vs = struct.unpack_from("<I", node, 4)[0], *struct.unpack_from("<III", node, 16)
assert flags == 2 and vs == 16 and nr == 3, (flags, nr, vs)
bitmap0 = struct.unpack_from("<Q", node, 32 + 8 * mx)[0]  # index entry 0 -> bitmap of blocks 0..16319
def setcount(m, block, count):
    b = bitmap0 * 4096 + 16 + (block // 32) * 8
    w = struct.unpack_from("<Q", m, b)[0]
    bit = (block % 32) * 2  # bit 2i is the high bit, 2i+1 the low one
    w &= ~(3 << bit)
    w |= ((count >> 1) & 1) << bit | (count & 1) << (bit + 1)
    struct.pack_into("<Q", m, b, w)
def reseal(m):
    struct.pack_into("<I", m, bitmap0 * 4096, crc(m[bitmap0 * 4096 + 4:(bitmap0 + 1) * 4096]) ^ 240779)
m = bytearray(meta)
setcount(m, 8, 0)   # mapped by device 1: now "free" (a leak)
setcount(m, 9, 1)   # mapped by devices 1 and 2: count 1
reseal(m)
open(out + "/leak.meta", "wb").write(m)
m = bytearray(meta)
m[bitmap0 * 4096 + 100] ^= 0x40  # no reseal: a bad checksum
open(out + "/badbitmap.meta", "wb").write(m)
open(out + "/bitmap0", "w").write(str(bitmap0))
PY
# thin_check 0.9 does not compare data counts with the mappings; thin_rmap
# still says who maps blocks 8 and 9
thin_check "$T/leak.meta" > "$T/leak.check" 2>&1
thin_rmap --region 8..10 "$T/leak.meta" > "$T/leak.rmap" || fail "thin_rmap leak"
[ "$(cat "$T/leak.rmap")" = "data 8..10 -> thin(1) 1..3
data 9..10 -> thin(2) 2..3" ] || fail "thin_rmap of the leak copy: $(cat "$T/leak.rmap")"
# scan_copy NAME: the VG with NAME.meta as its pool metadata, scanned to
# NAME.json; pool3 PYTHON: runs the assertions with p (the pool of seqno 3)
# and s (its data space map) loaded from $J
scan_copy() {
    cp "$T/disk.img" "$T/$1.img"
    put_meta "$T/$1.meta" "$T/$1.img"
    "$S" --json "$T/$1.img" > "$T/$1.json" || fail "lvmscan --json $1 exit $?"
    J=$T/$1.json
}
pool3() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
(p,) = [x for g in d["vgs"] for x in g["versions"] if x["seqno"] == 3][0]["thin_pools"]
s = p["space_maps"]["data"]
exec(sys.argv[2])' "$J" "$1"
}
scan_copy leak
pool3 '
assert (s["consistent"], s["in_use_free"], s["count_differs"], s["allocated"]) == (False, 1, 1, 3), s
assert s["issues"] == [{"kind": "in_use_free", "block": 8, "ref_count": 0, "expected": 1},
                       {"kind": "count_differs", "block": 9, "ref_count": 1, "expected": 2}], s["issues"]
' || fail "leak: $(cat "$T/leak.check")"
"$S" "$T/leak.img" > "$T/leak.out" || fail "lvmscan leak exit $?"
grep -q "data space map inconsistent: 1 blocks in use have ref count 0 (the pool could hand them out again); 1 ref counts differ from the mappings; e.g. block 8 ref count 0 references 1, block 9 ref count 1 references 2$" \
    "$T/leak.out" || fail "leak human: $(grep -A4 'thin pool' "$T/leak.out")"
"$R" --extract thin1 -o "$T/thin1.out" "$T/leak.img" 2> "$T/extract.err" \
    || fail "lvmrepair --extract thin1 of the leak copy: exit $?: $(cat "$T/extract.err")"
grep -q "WARNING: thin pool pool: its data space map disagrees with its mappings: 1 mapped blocks have ref count 0 .*; 1 ref counts differ from the mappings; data block 8 ref count 0 mapped 1 times; data block 9 ref count 1 mapped 2 times;$" \
    "$T/extract.err" || fail "lvmrepair's warning: $(cat "$T/extract.err")"

thin_check "$T/badbitmap.meta" > "$T/bad.check" 2>&1 && fail "thin_check accepts the broken bitmap"
scan_copy badbitmap
# bitmap 0 covers blocks 0..16319: those counts are lost, the others read
pool3 '
# bitmap 0 covers blocks 0..16319: those counts are lost, the others read
assert (s["consistent"], s["unknown"], s["counted"], s["bitmaps"]) == (False, 16320, 40000 - 16320, 2), s
assert p["damaged_nodes"] == 1, p
' || fail "bad bitmap: $(cat "$T/bad.check")"
echo "thin-spacemap: lvmscan's space maps agree with thin_rmap, thin_check and thin_dump"
