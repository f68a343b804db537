#!/usr/bin/env bash
# A VG given a new id in place (fixtures/newid, real LVM2: vgchange -u at
# seqno 4, pvchange -u of pv b at 5, vgrename at 6, lvremove -f of LV one
# at 7). LVM2's view is the truth: before-vgs.json has the old VG id,
# vgs.json the new one (seqno 7, one LV), the pvck dumps which seqnos each
# id wrote. lvmscan must
# - recommend seqno 6 for the new id, the version before the lvremove: the
#   old id's VG still holds LV one (same LV UUID), and was read as where
#   one had moved to, so the newest version was recommended;
# - call the old id's VG superseded by the new id as the same VG
#   (superseded_by.new_id), not moved by vgmerge or vgsplit;
# - say seqno 5 changed pv1's id (pvchange -u), not a PV removed and another
#   added with LV two moved to it;
# and fixtures/moved (a real vgsplit + vgmerge) stays new_id false.
# d.img.gz is a PV after vgimportclone (new PV and VG UUIDs, new name, LV
# UUIDs kept; LVM2's clone-vgs.json has both VGs): the old VG hqclo is the
# same VG under new UUIDs, not a re-initialised disk, and its LV y is the
# clone's y (same UUID, same extents), not reused by it.
# Runs without root.
#
# usage: newid.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1
FX=$2
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: lvmscan-newid (no python3)"; exit 77; }
out=$("$LVMSCAN" --json "$FX/newid/a.img.gz" "$FX/newid/b.img.gz") ||
    { echo "FAILED: newid: lvmscan exited $?" >&2; exit 1; }
clone=$("$LVMSCAN" --json "$FX/newid/d.img.gz") ||
    { echo "FAILED: newid: lvmscan on d.img.gz exited $?" >&2; exit 1; }
moved=$("$LVMSCAN" --json "$FX"/moved/pv*.img.gz) ||
    { echo "FAILED: newid: lvmscan on fixtures/moved exited $?" >&2; exit 1; }
python3 - "$FX/newid/truth" "$out" "$moved" "$clone" <<'PY' || { echo "FAILED: lvmscan-newid" >&2; exit 1; }
import json, re, sys
t, d, m, cl = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
rep = lambda n, k: json.load(open("%s/%s.json" % (t, n)))["report"][0][k]
old = rep("before-vgs", "vg")[0]
new = rep("vgs", "vg")[0]
ids = {}
for vg, seq, uid in re.findall(r"vg (\S+) seqno (\d+) id (\S+)", open(t + "/a.pvck").read()):
    ids.setdefault(uid, []).append(int(seq))
assert max(ids[old["vg_uuid"]]) == int(old["vg_seqno"]) == 3, ids
assert min(ids[new["vg_uuid"]]) == 4 and max(ids[new["vg_uuid"]]) == int(new["vg_seqno"]) == 7, ids
assert new["lv_count"] == "1" and "one" not in [l["lv_name"] for l in rep("lvs", "lv")]
by = {g["id"]: g for g in d["vgs"]}
n, o = by[new["vg_uuid"]], by[old["vg_uuid"]]
assert n["latest_seqno"] == 7 and n["status"] == ["consistent"], n["status"]
r = n["recommended"]
assert r and r["seqno"] == 6 and "one" in r["reason"], r
s = o["superseded_by"]
assert s and s["id"] == new["vg_uuid"] and s["new_id"] is True and s["how"] == "moved", s
assert s["since_seqno"] == min(ids[new["vg_uuid"]]), s
assert o["latest_seqno"] == 3 and o["recommended"] is None, o["recommended"]
assert "vgchange -u" in o["no_recommendation"] and "vgmerge" not in o["no_recommendation"]
sup = [g for g in m["vgs"] if g["superseded_by"]]
assert sup and all(g["superseded_by"]["new_id"] is False for g in sup), sup
# pvchange -u (seqno 5) gave pv b a new UUID in place: one PV, its id changed
# (it read "-pv pv1, +pv pv1, two moved")
bp = lambda n: [p for p in rep(n, "pv") if p["pv_name"] == "b"][0]["pv_uuid"]
assert bp("before-pvs") != bp("pvs")
ch = {v["seqno"]: v["change"] for v in n["versions"]}
assert ch[5] == "pv pv1 id", ch
cv = {g["vg_name"]: g for g in rep("clone-vgs", "vg")}
y_orig = [l for l in rep("orig-lvs", "lv") if l["lv_name"] == "y"][0]
y_clone = [l for l in rep("clone-lvs", "lv") if l["lv_name"] == "y"][0]
assert y_orig["lv_uuid"] == y_clone["lv_uuid"], (y_orig, y_clone)
assert y_orig["seg_pe_ranges"].split(":")[1] == y_clone["seg_pe_ranges"].split(":")[1]
cby = {g["id"]: g for g in cl["vgs"]}
co, cn = cby[cv["hqclo"]["vg_uuid"]], cby[cv["hqclo2"]["vg_uuid"]]
assert cn["latest_seqno"] == int(cv["hqclo2"]["vg_seqno"]) == 6, cn["latest_seqno"]
s = co["superseded_by"]
assert s and s["id"] == cv["hqclo2"]["vg_uuid"] and s["new_id"] is True, s
assert s["since_seqno"] == int(cv["hqclo"]["vg_seqno"]) + 1, s
for v in co["versions"]:
    for l in v["logical_volumes"]:
        assert not l["reused_by"], (v["seqno"], l["name"], l["reused_by"])
print("clone: hqclo superseded by hqclo2 as the same VG; y not reused")
print("newid: recommended 6 before lvremove of one; old id superseded as the same VG; moved: not")
PY
