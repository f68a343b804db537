#!/usr/bin/env bash
# interrupted_write on fixtures/interrupted: LVM2 itself stopped between
# writing seqno N+1 into the ring and committing the header (strace made
# its header write fail; fixtures/make-fixtures.sh). LVM2's view is the
# truth: vgs reports seqno N (truth/vgs.json), pvck --dump headers has slot 0
# at the copy of seqno N, pvck --dump metadata_search lists a copy of N+1 in
# the ring. lvmscan must say interrupted_write (and nothing else), commit N
# at slot 0's place, and show N+1 at pvck's place as not committed. The
# evidence recommends N, the version LVM2 uses, never the text LVM2 never
# committed (until 2026-12-07 it recommended N+1, "the newest version").
#
# usage: status-interrupted.sh PATH/TO/lvmscan FIXTURES
set -u
LVMSCAN=$1
FX=$2/interrupted
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: status-interrupted (no python3)"; exit 77; }
out=$("$LVMSCAN" --json --no-evidence "$FX/disk.img.gz") || { echo "FAILED: lvmscan" >&2; exit 1; }
report=$("$LVMSCAN" --no-evidence "$FX/disk.img.gz") || { echo "FAILED: lvmscan" >&2; exit 1; }
ev=$("$LVMSCAN" --json "$FX/disk.img.gz") || { echo "FAILED: lvmscan (evidence)" >&2; exit 1; }
python3 - "$FX/truth" "$out" "$report" "$ev" <<'PY' || { echo "FAILED: status-interrupted" >&2; exit 1; }
import json, re, sys
t, d, report = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
want = int(json.load(open(t + "/vgs.json"))["report"][0]["vg"][0]["vg_seqno"])
hdr = open(t + "/disk.pvck-headers").read()
slot0 = int(re.search(r"raw_locn\[0\]\.offset (\d+)", hdr).group(1)) + 4096
ring = {int(m.group(2)): int(m.group(1)) for m in
        re.finditer(r"metadata at (\d+) length \d+ crc \w+ vg \S+ seqno (\d+)", open(t + "/disk.pvck-search-mda1").read())}
assert want + 1 in ring, ("pvck lists no newer copy", ring)
v = d["vgs"][0]
assert v["status"] == ["interrupted_write"], v["status"]
assert v["committed_seqno"] == want and v["latest_seqno"] == want + 1, v
assert v["committed_per_damaged_header"] is False, v
at = {c["offset"]: c for c in d["copies"]}
assert at[slot0]["committed"] and at[slot0]["seqno"] == want, at[slot0]
new = at[ring[want + 1]]
assert new["seqno"] == want + 1 and not new["committed"] and not new["precommitted"] and not new["partial"], new
rec = json.loads(sys.argv[4])["vgs"][0]["recommended"]
assert rec["seqno"] == want and "the one LVM2 uses" in rec["reason"], rec
assert "(an interrupted write)" in report and "the newest committed version is seqno %d, the one LVM2 uses" % want in report, report
print("interrupted_write: seqno %d in the ring at %d, committed %d, as LVM2" % (want + 1, ring[want + 1], want))
PY
