#!/usr/bin/env bash
# "superseded" by a move on fixtures/moved (real LVM2: vgsplit vga vgc pv2,
# vgrename vgc vgd, vgmerge vgb vgd; fixtures/make-fixtures.sh). LVM2's view
# is the truth: pvs says pv2 (its uuid) belongs to vgb (truth/pvs.json),
# vgs gives vgb's id, and pvck's ring listing of pv2 gives the first vgb
# version written there. lvmscan must call vgd "superseded" by vgb, moved,
# on that PV, since that seqno, with no recommendation; vga and vgb stay
# "consistent". Runs without root (the companion status-moved makes the
# same story at run time).
#
# usage: status-moved-fixture.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1
FX=$2/moved
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: status-moved-fixture (no python3)"; exit 77; }
out=$("$LVMSCAN" --json "$FX"/pv1.img.gz "$FX"/pv2.img.gz "$FX"/pv3.img.gz) ||
    { echo "FAILED: status-moved-fixture: lvmscan exited $?" >&2; exit 1; }
python3 - "$FX/truth" "$out" <<'PY' || { echo "FAILED: status-moved-fixture" >&2; exit 1; }
import json, re, sys
t, d = sys.argv[1], json.loads(sys.argv[2])
pvs = {p["pv_name"]: p for p in json.load(open(t + "/pvs.json"))["report"][0]["pv"]}
vgb = json.load(open(t + "/vgs.json"))["report"][0]["vg"][0]
assert pvs["pv2"]["vg_name"] == vgb["vg_name"] == "vgb", (pvs, vgb)
ring = re.findall(r"vg (\S+) seqno (\d+)", open(t + "/pv2.pvck-search-mda1").read())
first_b = min(int(s) for n, s in ring if n == "vgb")
v = {x["name"]: x for x in d["vgs"]}
for n in ("vga", "vgb"):
    assert v[n]["status"] == ["consistent"] and v[n]["superseded_by"] is None, (n, v[n]["status"])
assert v["vgb"]["latest_seqno"] == int(vgb["vg_seqno"]), v["vgb"]["latest_seqno"]
s = v["vgd"]
assert s["status"] == ["superseded"], s["status"]
by = s["superseded_by"]
assert by["vg"] == "vgb" and by["id"] == vgb["vg_uuid"] and by["how"] == "moved", by
assert by["since_seqno"] == first_b, (by, first_b)
pv = [p for p in s["pvs"] if p["name"] == by["pv"]][0]
assert pv["id"] == pvs["pv2"]["pv_uuid"], (pv, pvs["pv2"])
assert s["recommended"] is None and "vgb" in s["no_recommendation"], s
print("vgd superseded by vgb (moved) since seqno %d on pv2 %s, as LVM2 reports" % (first_b, pv["id"]))
PY
