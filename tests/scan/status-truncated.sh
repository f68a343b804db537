#!/usr/bin/env bash
# "image_truncated" (issue 14): a VG whose PV lies on a cut-off .gz image is
# not "consistent". fixtures/history/disk.img.gz (real LVM2, one PV of
# dev_size bytes per LVM2's pvs, truth/pvs.json) is cut to half its
# compressed bytes: the metadata area still decompresses, the extents past
# the cut do not. Python's zlib says how many bytes decompress (independent
# of our gzip reader); lvmscan must give the VG exactly ["image_truncated"]
# and say the image is truncated at that byte. Cut within the metadata area
# the VG is not "consistent" either and still "image_truncated". The intact
# fixture stays "consistent" (the control).
#
# usage: status-truncated.sh LVMSCAN FIXTURES
# Needs python3; otherwise prints "SKIPPED: status-truncated (no python3)"
# and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline status-truncated "$1" "$2"
LVMSCAN=$LR_BIN
FX=$LR_FIX/history
T=$LR_TMP
size=$(stat -c %s "$FX/disk.img.gz")
head -c $((size / 2)) "$FX/disk.img.gz" >"$T/half.img.gz"
head -c 800 "$FX/disk.img.gz" >"$T/area.img.gz"
for x in half area; do
    # exit status 0 or 2 (damage found); anything else is a failure
    "$LVMSCAN" --json --no-evidence "$T/$x.img.gz" >"$T/$x.json" 2>"$T/$x.err"
    rc=$?
    [ $rc -le 2 ] || lr_fail "lvmscan --json $x exited $rc: $(cat "$T/$x.err")"
    "$LVMSCAN" --no-evidence "$T/$x.img.gz" >"$T/$x.txt" 2>&1
done
"$LVMSCAN" --json --no-evidence "$FX/disk.img.gz" >"$T/whole.json" || lr_fail "lvmscan on the intact fixture"
python3 - "$T" "$FX/truth/pvs.json" <<'PY' || lr_fail "see above"
import json, sys, zlib
t = sys.argv[1]
pv = json.load(open(sys.argv[2]))["report"][0]["pv"][0]
dev_size = int(pv["dev_size"])
whole = json.load(open(t + "/whole.json"))["vgs"][0]
assert whole["status"] == ["consistent"], whole["status"]
for x, want in (("half", ["image_truncated"]), ("area", None)):
    end = len(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(open("%s/%s.img.gz" % (t, x), "rb").read()))
    assert end < dev_size, (x, end, dev_size)
    d = json.load(open("%s/%s.json" % (t, x)))
    im = d["images"][0]
    assert im["truncated"] and im["size"] == end, (x, im, end)
    st = d["vgs"][0]["status"]
    assert "consistent" not in st and "image_truncated" in st, (x, st)
    if want:
        assert st == want, (x, st)
    words = open("%s/%s.txt" % (t, x)).read()
    assert "image truncated;" in words, (x, words)
    assert "which is truncated at byte %d" % end in words, (x, end, words)
    print("%s: %s, truncated at byte %d of the PV's %d" % (x, st, end, dev_size))
PY
echo "PASSED: status-truncated"
