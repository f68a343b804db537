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
# lr_skip, lr_fail, lr_cleanup (LR_NAME, LR_TMP, LR_LOOPS)
source "$(dirname "$0")/../support/interop.sh"

LVMSCAN=${1:-}
FIXTURES=${2:-}
MODE=${3:-}
LR_NAME=lvmscan-headers${MODE:+-$MODE}




[ -n "$FIXTURES" ] || { echo "usage: $0 PATH/TO/lvmscan FIXTURES [pvck]" >&2; exit 2; }
[ -x "$LVMSCAN" ] || lr_fail "$LVMSCAN not built"
command -v python3 >/dev/null 2>&1 || lr_skip "no python3"
trap lr_cleanup EXIT
LR_TMP=$(mktemp -d /tmp/lr-headers.XXXXXX) || lr_fail "mktemp"
gzip -dc "$FIXTURES/history/disk.img.gz" >"$LR_TMP/disk.img" || lr_fail "gunzip"
# The area's header is at 4096 (fixtures/history/README); raw_locn[0] at
# header byte 40, its flags at +20.
python3 "$FIXTURES/flip-raw-locn-flags.py" "$LR_TMP/disk.img" || lr_fail "damaging the copy"

"$LVMSCAN" --headers "$LR_TMP/disk.img" >"$LR_TMP/out" 2>"$LR_TMP/err" || lr_fail "lvmscan --headers: $(cat "$LR_TMP/err")"
cat "$LR_TMP/out"
grep -Eq '^    mda_header\.checksum expected 0x[0-9a-f]{8} found 0x[0-9a-f]{8}  BAD$' "$LR_TMP/out" ||
    lr_fail "no 'checksum expected ... found ... BAD' for the damaged header"
grep -Eq '^    mda_header\.raw_locn\[0\] \(commit\) offset [0-9]+ size [0-9]+ checksum 0x[0-9a-f]{8} flags 0x7f RAW_LOCN_IGNORED unknown bits 0x7e$' "$LR_TMP/out" ||
    lr_fail "raw_locn[0] flags not shown by name"
grep -Eq '^    label_header\.crc expected (0x[0-9a-f]{8}) found \1  ok$' "$LR_TMP/out" ||
    lr_fail "the intact label's crc is not shown as ok"
grep -q 'mda_header at 4096 (PV at 0)  DAMAGED' "$LR_TMP/out" || lr_fail "the header is not marked DAMAGED"

# The same fields in --json ("headers" of labels[] and metadata_areas[]).
"$LVMSCAN" --json --no-evidence "$LR_TMP/disk.img" | python3 -c '
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
' || lr_fail "--json headers"

if [ "$MODE" != pvck ]; then
    echo "PASSED: $LR_NAME"
    exit 0
fi

[ "$(id -u)" -eq 0 ] || lr_skip "needs root to attach loop devices"
command -v losetup >/dev/null 2>&1 || lr_skip "no losetup (util-linux)"
[ -e /dev/loop-control ] || lr_skip "no loop device support"
command -v pvck >/dev/null 2>&1 || lr_skip "no pvck (lvm2)"
LOOP=$(losetup -f --show -r "$LR_TMP/disk.img" 2>/dev/null) || lr_skip "cannot attach a loop device"
LR_LOOPS=("$LOOP")
export LVM_SUPPRESS_FD_WARNINGS=1
CFG="devices{use_devicesfile=0 obtain_device_list_from_udev=0 filter=[\"a|^$LOOP\$|\",\"r|.*|\"]}"
# pvck exits non-zero on a bad header: that is what this test wants it to see
pvck --config "$CFG" --dump headers "$LOOP" >"$LR_TMP/pvck" 2>&1
losetup -d "$LOOP" || lr_fail "detach $LOOP"
LR_LOOPS=()
grep -q 'mda_header_1.checksum' "$LR_TMP/pvck" || lr_skip "pvck printed no header: $(head -c 500 "$LR_TMP/pvck")"

# Both views, as (field, value) pairs, must agree.
python3 - "$LR_TMP/out" "$LR_TMP/pvck" <<'PY' || lr_fail "lvmscan --headers and pvck --dump headers differ"
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
# raw_locn[1], all zero here: shown by both
r1 = one(r"raw_locn\[1\] \(precommit\) offset (\d+) size (\d+) checksum (0x\w+) flags (0x\w+)", ours, "our raw_locn[1]")
for i, k in enumerate(("offset", "size", "checksum", "flags")):
    want["raw_locn[1]." + k] = (int(r1[i], 0), int(one(r"raw_locn\[1\]\.%s (\w+)" % k, pvck, "pvck")[0], 0))
bad = {k: v for k, v in want.items() if v[0] != v[1]}
if bad:
    sys.exit("differ (ours, pvck): %r" % bad)
if "RAW_LOCN_IGNORED" not in one(r"(raw_locn\[0\]\.flags .*)$", pvck, "pvck flags")[0]:
    sys.exit("pvck does not name RAW_LOCN_IGNORED")
print("same as pvck:", ", ".join(sorted(want)))
PY
echo "PASSED: $LR_NAME"
