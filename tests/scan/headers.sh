#!/usr/bin/env bash
# lvmscan --headers on a damaged header: a copy of fixtures/history with one
# byte of the first mda header's raw_locn[0].flags flipped (xor 0x7f, the
# damage of issue 14 item 4): the header checksum fails but slot 0 still
# points at the newest copy. lvmscan must show "checksum expected 0x...
# found 0x... BAD" and the flags by name (RAW_LOCN_IGNORED, unknown bits).
#
# usage: headers.sh PATH/TO/lvmscan FIXTURES [pvck]
# With "pvck" it also runs LVM2's `pvck --dump headers` on a loop device of
# that copy and checks that both show the same values (label crc, PV UUID,
# device size, header checksum stored and computed, raw_locn[0]). That part
# needs root, losetup and lvm2; otherwise it prints "SKIPPED:
# lvmscan-headers-pvck (reason)" and exits 77. Only the loop device it
# attached is detached, and LVM2 only sees that one (a devices filter).
set -u

LVMSCAN=${1:-}
FIXTURES=${2:-}
MODE=${3:-}
NAME=lvmscan-headers${MODE:+-$MODE}
LOOP=
WORK=

skip() {
    echo "SKIPPED: $NAME ($*)"
    exit 77
}

fail() {
    echo "FAILED: $NAME: $*" >&2
    exit 1
}

cleanup() {
    if [ -n "$LOOP" ]; then
        losetup -d "$LOOP" 2>/dev/null || echo "warning: could not detach $LOOP" >&2
    fi
    [ -n "$WORK" ] && rm -rf "$WORK"
}

[ -n "$FIXTURES" ] || { echo "usage: $0 PATH/TO/lvmscan FIXTURES [pvck]" >&2; exit 2; }
[ -x "$LVMSCAN" ] || fail "$LVMSCAN not built"
command -v python3 >/dev/null 2>&1 || skip "no python3"
trap cleanup EXIT
WORK=$(mktemp -d /tmp/lr-headers.XXXXXX) || fail "mktemp"
gzip -dc "$FIXTURES/history/disk.img.gz" >"$WORK/disk.img" || fail "gunzip"
# The area's header is at 4096 (fixtures/history/README); raw_locn[0] at
# header byte 40, its flags at +20.
python3 - "$WORK/disk.img" <<'PY' || fail "damaging the copy"
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096 + 60)
    b = f.read(1)[0]
    assert b == 0, "raw_locn[0].flags is not 0 in the fixture"
    f.seek(4096 + 60)
    f.write(bytes([b ^ 0x7F]))
PY

"$LVMSCAN" --headers "$WORK/disk.img" >"$WORK/out" 2>"$WORK/err" || fail "lvmscan --headers: $(cat "$WORK/err")"
cat "$WORK/out"
grep -Eq '^    mda_header\.checksum expected 0x[0-9a-f]{8} found 0x[0-9a-f]{8}  BAD$' "$WORK/out" ||
    fail "no 'checksum expected ... found ... BAD' for the damaged header"
grep -Eq '^    mda_header\.raw_locn\[0\] \(commit\) offset [0-9]+ size [0-9]+ checksum 0x[0-9a-f]{8} flags 0x7f RAW_LOCN_IGNORED unknown bits 0x7e$' "$WORK/out" ||
    fail "raw_locn[0] flags not shown by name"
grep -Eq '^    label_header\.crc expected (0x[0-9a-f]{8}) found \1  ok$' "$WORK/out" ||
    fail "the intact label's crc is not shown as ok"
grep -q 'mda_header at 4096 (PV at 0)  DAMAGED' "$WORK/out" || fail "the header is not marked DAMAGED"

# The same fields in --json ("headers" of labels[] and metadata_areas[]).
"$LVMSCAN" --json --no-evidence "$WORK/disk.img" | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
h = d["metadata_areas"][0]["headers"]
assert not h["checksum_ok"] and h["checksum"] != h["checksum_expected"], h
assert re.fullmatch("0x[0-9a-f]{8}", h["checksum"]), h
assert h["version"] == 1 and h["start"] == 4096, h
r = h["raw_locns"][0]
assert r["flags"] == 0x7F and r["flag_names"] == ["RAW_LOCN_IGNORED"] and r["unknown_flags"] == 0x7E, r
lb = d["labels"][0]["headers"]
assert lb["crc"] == lb["crc_expected"] and lb["type"] == "LVM2 001", lb
assert lb["extension"]["flag_names"] == ["PV_EXT_USED"], lb
' || fail "--json headers"

if [ "$MODE" != pvck ]; then
    echo "PASSED: $NAME"
    exit 0
fi

[ "$(id -u)" -eq 0 ] || skip "needs root to attach loop devices"
command -v losetup >/dev/null 2>&1 || skip "no losetup (util-linux)"
[ -e /dev/loop-control ] || skip "no loop device support"
command -v pvck >/dev/null 2>&1 || skip "no pvck (lvm2)"
LOOP=$(losetup -f --show -r "$WORK/disk.img" 2>/dev/null) || skip "cannot attach a loop device"
export LVM_SUPPRESS_FD_WARNINGS=1
CFG="devices{use_devicesfile=0 obtain_device_list_from_udev=0 filter=[\"a|^$LOOP\$|\",\"r|.*|\"]}"
# pvck exits non-zero on a bad header: that is what this test wants it to see
pvck --config "$CFG" --dump headers "$LOOP" >"$WORK/pvck" 2>&1
losetup -d "$LOOP" || fail "detach $LOOP"
LOOP=
grep -q 'mda_header_1.checksum' "$WORK/pvck" || skip "pvck printed no header: $(head -c 500 "$WORK/pvck")"

# Both views, as (field, value) pairs, must agree.
python3 - "$WORK/out" "$WORK/pvck" <<'PY' || fail "lvmscan --headers and pvck --dump headers differ"
import re, sys
ours = open(sys.argv[1]).read()
pvck = open(sys.argv[2]).read()

def one(pat, text, what):
    m = re.search(pat, text, re.M)
    if not m:
        sys.exit("%s: not found (%s)" % (what, pat))
    return m.groups()

lc = one(r"label_header\.crc expected (0x\w+) found (0x\w+)", ours, "our label crc")
mc = one(r"mda_header\.checksum expected (0x\w+) found (0x\w+)", ours, "our mda checksum")
r0 = one(r"raw_locn\[0\] \(commit\) offset (\d+) size (\d+) checksum (0x\w+) flags (0x\w+)", ours, "our raw_locn[0]")
want = {
    "label crc": (int(lc[1], 16), int(one(r"label_header\.crc (0x\w+)", pvck, "pvck label crc")[0], 16)),
    "pv uuid": (one(r"pv_header\.pv_uuid (\w+)", ours, "our uuid")[0], one(r"pv_header\.pv_uuid (\w+)", pvck, "pvck uuid")[0]),
    "device size": (one(r"pv_header\.device_size (\d+)", ours, "ours")[0], one(r"pv_header\.device_size (\d+)", pvck, "pvck")[0]),
    "mda checksum found": (int(mc[1], 16), int(one(r"mda_header_1\.checksum (0x\w+)", pvck, "pvck mda checksum")[0], 16)),
    "mda checksum expected": (int(mc[0], 16), int(one(r"CHECK: mda_header_1\.checksum expected (0x\w+)", pvck, "pvck expected")[0], 16)),
    "mda start": (one(r"mda_header\.start (\d+)", ours, "ours")[0], one(r"mda_header_1\.start (\d+)", pvck, "pvck")[0]),
    "mda size": (one(r"mda_header\.size (\d+)", ours, "ours")[0], one(r"mda_header_1\.size (\d+)", pvck, "pvck")[0]),
    "raw_locn[0].offset": (r0[0], one(r"raw_locn\[0\]\.offset (\d+)", pvck, "pvck")[0]),
    "raw_locn[0].size": (r0[1], one(r"raw_locn\[0\]\.size (\d+)", pvck, "pvck")[0]),
    "raw_locn[0].checksum": (int(r0[2], 16), int(one(r"raw_locn\[0\]\.checksum (0x\w+)", pvck, "pvck")[0], 16)),
    "raw_locn[0].flags": (int(r0[3], 16), int(one(r"raw_locn\[0\]\.flags (0x\w+)", pvck, "pvck")[0], 16)),
}
bad = {k: v for k, v in want.items() if v[0] != v[1]}
if bad:
    sys.exit("differ (ours, pvck): %r" % bad)
if "RAW_LOCN_IGNORED" not in one(r"(raw_locn\[0\]\.flags .*)$", pvck, "pvck flags")[0]:
    sys.exit("pvck does not name RAW_LOCN_IGNORED")
print("same as pvck:", ", ".join(sorted(want)))
PY
echo "PASSED: $NAME"
