#!/usr/bin/env bash
# A PV that left VG vgoldA (vgreduce) and was re-initialised into VG vgoldB
# (pvremove, pvcreate, vgcreate): fixtures/oldpv, real LVM2
# (fixtures/make-oldpv.sh). vgoldA's older versions list pv2 by its old
# uuid (truth/before-pvs.json), which no label carries now
# (truth/pvs.json); their copies are still in pv2's ring
# (truth/pv2-metadata_search.txt). lvmscan must locate that PV by the place
# of the metadata area (old_pvs, found "location"), read b's start there
# (x's ext4 XDATA now) and say vgoldB's x reused b's extents (the same
# range LVM2 gives: truth/lvs.json, truth/before-lvs.json) — not "not among
# the images", not "untouched". vgoldA's status stays consistent. With
# pv1.img alone the PV cannot be located: b's start is not read and its
# extents are not called untouched.
#
# usage: oldpv-fixture.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1 FX=$2/oldpv
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline oldpv-fixture "$LVMSCAN" "$2"
T=$LR_TMP
"$LVMSCAN" --json "$FX/pv1.img.gz" "$FX/pv2.img.gz" >"$T/both.json" || lr_fail "lvmscan (both) exited $?"
"$LVMSCAN" "$FX/pv1.img.gz" "$FX/pv2.img.gz" >"$T/both.txt" || lr_fail "lvmscan words exited $?"
"$LVMSCAN" --json "$FX/pv1.img.gz" >"$T/one.json" || lr_fail "lvmscan (pv1 alone) exited $?"
python3 - "$FX/truth" "$T" <<'PY' || lr_fail "lvmscan's report"
import json, sys
t, d = sys.argv[1], sys.argv[2]
def rep(name, kind):
    return json.load(open(t + "/" + name))["report"][0][kind]
before = {p["pv_name"]: p for p in rep("before-pvs.json", "pv")}
now = {p["pv_name"]: p for p in rep("pvs.json", "pv")}
old_uuid = before["pv2"]["pv_uuid"]
assert before["pv2"]["vg_name"] == "vgoldA" and now["pv2"]["vg_name"] == "vgoldB", (before, now)
assert old_uuid not in [p["pv_uuid"] for p in now.values()], now
b = [l for l in rep("before-lvs.json", "lv") if l["lv_name"] == "b"][0]
x = [l for l in rep("lvs.json", "lv") if l["lv_name"] == "x"][0]
assert b["seg_pe_ranges"] == "pv2:0-7" and x["seg_pe_ranges"] == "pv2:0-7", (b, x)
assert "vg vgoldA seqno" in open(t + "/pv2-metadata_search.txt").read()

j = json.load(open(d + "/both.json"))
vgs = {g["name"]: g for g in j["vgs"]}
A = vgs["vgoldA"]
assert A["status"] == ["consistent"] and A["superseded_by"] is None, A["status"]
assert vgs["vgoldB"]["status"] == ["consistent"], vgs["vgoldB"]["status"]
img = [i["path"].endswith("pv2.img.gz") for i in j["images"]].index(True)
(op,) = A["old_pvs"]
assert (op["id"], op["found"], op["image"], op["pv_start"]) == (old_uuid, "location", img, 0), op
assert vgs["vgoldB"]["old_pvs"] == [], vgs["vgoldB"]["old_pvs"]
# the version that has b: its start read on pv2, its extents reused by x
(v,) = [v for v in A["versions"] if any(l["name"] == "b" for l in v["logical_volumes"])]
(lb,) = [l for l in v["logical_volumes"] if l["name"] == "b"]
assert lb["probe"]["state"] == "found", lb
assert lb["content"]["type"] == "ext4" and lb["content"]["label"] == "XDATA", lb["content"]
(r,) = lb["reused_by"]
assert (r["vg"], r["lv"], r["extents"], r["taker_content"]) == ("vgoldB", "x", [[0, 7]], "ext4"), r
reason = A["recommended"]["reason"]
for bad in ("untouched", "not among the images"):
    assert bad not in reason, reason
w = open(d + "/both.txt").read()
assert "is not among the images" not in w, w
assert "reused by vgoldB/x" in w, w
assert "PVs only older versions list" in w and "pv2.img.gz PV at 0 (by location)" in w, w

# pv1 alone: nothing tells where pv2 is
o = {g["name"]: g for g in json.load(open(d + "/one.json"))["vgs"]}["vgoldA"]
assert o["old_pvs"] == [], o["old_pvs"]
(v,) = [v for v in o["versions"] if any(l["name"] == "b" for l in v["logical_volumes"])]
(lb,) = [l for l in v["logical_volumes"] if l["name"] == "b"]
assert lb["probe"]["state"] == "missing_pv" and lb["reused_by"] == [], lb
assert "not among the images" in o["recommended"]["reason"], o["recommended"]
# whether something took extents on a PV no image holds is not known
assert "0 of b's 8 lost extents are untouched, 8 lie on a PV not among the images" in \
    o["recommended"]["reason"], o["recommended"]
print("vgoldA's old pv2 located by its metadata area; b reused by vgoldB/x, as LVM2's view says")
PY
