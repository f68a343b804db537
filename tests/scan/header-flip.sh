#!/usr/bin/env bash
# A damaged mda header is still evidence (issue 14 item 4): a copy of
# fixtures/history (real LVM2) with one byte of raw_locn[0].flags flipped by
# this test (xor 0x7f at 4096 + 60). LVM2's view of that image,
# fixtures/history/truth/disk.flip-pvck-headers (made by
# fixtures/make-header-flip.sh: pvck --dump headers), is the truth: the
# header checksum fails, flags read 0x7f RAW_LOCN_IGNORED, slot 0 still
# points at a copy with its checksum. lvmscan must take that copy as the
# committed one "per a damaged header" (committed_seqno filled,
# committed_per_damaged_header true, status header_damaged and never
# interrupted_write), name the damage, and show both raw_locn slots as pvck
# does (raw_locn[1] all zero); lvmrepair's plan must say the same and not
# call anything "written but not committed". The zeroed header of
# fixtures/header-zeroed must not get that explanation either.
#
# usage: header-flip.sh PATH/TO/lvmscan PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
LR_NAME=lvmscan-header-flip
LVMSCAN=${1:-}
LVMREPAIR=${2:-}
FIXTURES=${3:-}
[ -n "$FIXTURES" ] || { echo "usage: $0 lvmscan lvmrepair FIXTURES" >&2; exit 2; }
[ -x "$LVMSCAN" ] && [ -x "$LVMREPAIR" ] || lr_fail "programs not built"
command -v python3 >/dev/null 2>&1 || lr_skip "no python3"
TRUTH=$FIXTURES/history/truth/disk.flip-pvck-headers
[ -f "$TRUTH" ] || lr_fail "$TRUTH missing"
trap lr_cleanup EXIT
LR_TMP=$(mktemp -d /tmp/lr-header-flip.XXXXXX) || lr_fail "mktemp"
gzip -dc "$FIXTURES/history/disk.img.gz" >"$LR_TMP/disk.img" || lr_fail "gunzip"
python3 "$FIXTURES/flip-raw-locn-flags.py" "$LR_TMP/disk.img" || lr_fail "damaging the copy"

"$LVMSCAN" --headers "$LR_TMP/disk.img" >"$LR_TMP/headers" 2>&1 || lr_fail "lvmscan --headers"
"$LVMSCAN" --json --no-evidence "$LR_TMP/disk.img" >"$LR_TMP/json" 2>&1 || lr_fail "lvmscan --json"
"$LVMSCAN" --no-evidence "$LR_TMP/disk.img" >"$LR_TMP/report" 2>&1 || lr_fail "lvmscan"
"$LVMREPAIR" --restore seqno=15 --dry-run "$LR_TMP/disk.img" >"$LR_TMP/plan" 2>&1 ||
    lr_fail "lvmrepair --dry-run: $(cat "$LR_TMP/plan")"
gzip -dc "$FIXTURES/header-zeroed/disk.img.gz" >"$LR_TMP/zeroed.img" || lr_fail "gunzip"
"$LVMREPAIR" --restore seqno=10 --dry-run "$LR_TMP/zeroed.img" >"$LR_TMP/zplan" 2>&1 ||
    lr_fail "lvmrepair --dry-run (zeroed): $(cat "$LR_TMP/zplan")"
"$LVMSCAN" --no-evidence "$LR_TMP/zeroed.img" >"$LR_TMP/zreport" 2>&1 || lr_fail "lvmscan (zeroed)"

python3 - "$LR_TMP" "$TRUTH" <<'PY' || lr_fail "see above"
import json, re, sys
tmp, truth = sys.argv[1], open(sys.argv[2]).read()
rd = lambda n: open(tmp + "/" + n).read()

def t(field):
    m = re.search(r"^  mda_header_1\." + re.escape(field) + r" (\S+)", truth, re.M)
    assert m, "truth lacks " + field
    return int(m.group(1), 0)

assert re.search(r"CHECK: mda_header_1\.checksum expected", truth), "the truth's header is not damaged"
slot0 = {k: t("raw_locn[0]." + k) for k in ("offset", "size", "checksum", "flags")}
slot1 = {k: t("raw_locn[1]." + k) for k in ("offset", "size", "checksum", "flags")}
assert slot0["flags"] == 0x7F and not any(slot1.values()), (slot0, slot1)

# item 2: both slots, as pvck shows them
h = rd("headers")
for i, s in ((0, slot0), (1, slot1)):
    m = re.search(r"mda_header\.raw_locn\[%d\] \(\w+\) offset (\d+) size (\d+) checksum (0x\w+) flags (0x\w+)" % i, h)
    assert m, "raw_locn[%d] not shown:\n%s" % (i, h)
    got = dict(zip(("offset", "size", "checksum", "flags"), (int(x, 0) for x in m.groups())))
    assert got == s, ("raw_locn[%d]" % i, got, s)
assert re.search(r"raw_locn\[1\] \(precommit\) .*all zero: unused", h), "raw_locn[1] not named unused"

# item 1: the copy slot 0 points at is the committed one, per a damaged header
d = json.load(open(tmp + "/json"))
at = 4096 + slot0["offset"]
cps = [c for c in d["copies"] if c["image"] == 0 and c["offset"] == at]
assert len(cps) == 1, "no copy at %d" % at
c = cps[0]
assert int(c["crc"], 16) == slot0["checksum"] and c["length"] == slot0["size"], c
assert c["committed"] and c["committed_bad_header"], c
v = d["vgs"][0]
assert v["committed_seqno"] == c["seqno"], (v["committed_seqno"], c["seqno"])
assert v["committed_per_damaged_header"] is True, v
assert "header_damaged" in v["status"] and "interrupted_write" not in v["status"], v["status"]
ver = [x for x in v["versions"] if x["seqno"] == c["seqno"]][0]
assert ver["committed"] and ver["committed_bad_header"], ver

r = rd("report")
stored, expected = "0x%08x" % t("checksum"), re.search(r"expected (0x\w+)", truth).group(1)
assert "committed per a damaged metadata area header" in r, r
assert stored in r and "0x%08x" % int(expected, 16) in r and "flags 0x7f RAW_LOCN_IGNORED" in r, r
assert "interrupted" not in r and "no metadata area header found commits" not in r, r

p = rd("plan")
assert "per the damaged header" in p and "0x7f" in p, p
assert "written but not committed" not in p and "not committed" not in p, p

# a zeroed header: no interrupted-write story anywhere
for n in ("zplan", "zreport"):
    z = rd(n)
    assert "written but not committed" not in z and "interrupted" not in z, (n, z)
    assert "committed per a damaged" not in z and "per the damaged header" not in z, (n, z)
print("committed seqno %d per the damaged header, as pvck's slot 0" % c["seqno"])
PY
echo "PASSED: $LR_NAME"
