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
# - place pv b's old UUID (before-pvs.json), which no label carries any more,
#   where b's new UUID's label is (found "renamed"): in the old id's VG
#   (not missing_pvs) and in the new id's old_pvs (its seqno 4 lists it), so
#   the evidence reads the older versions' LV two there (not "missing_pv",
#   and not "moved since" to the same disk); given without b.img.gz, or
#   with b.img.gz twice (two places), it is placed nowhere;
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
nob=$("$LVMSCAN" --json "$FX/newid/a.img.gz") ||
    { echo "FAILED: newid: lvmscan on a.img.gz alone exited $?" >&2; exit 1; }
twice=$("$LVMSCAN" --json "$FX/newid/a.img.gz" "$FX/newid/b.img.gz" "$FX/newid/b.img.gz") ||
    { echo "FAILED: newid: lvmscan with b.img.gz twice exited $?" >&2; exit 1; }
moved=$("$LVMSCAN" --json "$FX"/moved/pv*.img.gz) ||
    { echo "FAILED: newid: lvmscan on fixtures/moved exited $?" >&2; exit 1; }
python3 - "$FX/newid/truth" "$out" "$moved" "$clone" "$nob" "$twice" <<'PY' || { echo "FAILED: lvmscan-newid" >&2; exit 1; }
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
# the old UUID of b is placed where b's new UUID's label is, for the
# versions before pvchange -u: the old id's (its latest PV) and the new id's
# seqno 4 (old_pvs)
b_old, b_new = bp("before-pvs"), bp("pvs")
b_img = [i for i, im in enumerate(d["images"]) if im["path"].endswith("b.img.gz")][0]
p = [x for x in o["pvs"] if x["id"] == b_old]
assert len(p) == 1 and p[0]["found"] == "renamed" and p[0]["image"] == b_img, o["pvs"]
assert p[0]["pv_start"] == 0 and "missing_pvs" not in o["status"], (p, o["status"])
q = [x for x in n["old_pvs"] if x["id"] == b_old]
assert len(q) == 1 and q[0]["found"] == "renamed" and q[0]["image"] == b_img, n["old_pvs"]
assert [x["found"] for x in n["pvs"] if x["id"] == b_new] == ["label"], n["pvs"]
# the evidence reads LV two (on b) in every version before the change
for g, seqs in ((o, (3,)), (n, (4,))):
    for v in g["versions"]:
        if v["seqno"] not in seqs:
            continue
        two = [l for l in v["logical_volumes"] if l["name"] == "two"][0]
        assert two["probe"]["state"] != "missing_pv", (v["seqno"], two["probe"])
        assert two["moved_since"] == [], (v["seqno"], two["moved_since"])
# never over-claimed: without b's image, or with it twice, it is nowhere
for doc in (json.loads(sys.argv[5]), json.loads(sys.argv[6])):
    oo = {g["id"]: g for g in doc["vgs"]}
    assert [x["found"] for x in oo[old["vg_uuid"]]["pvs"] if x["id"] == b_old] == ["missing"]
    assert not [x for x in oo[new["vg_uuid"]]["old_pvs"] if x["id"] == b_old]
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
print("newid: b's old UUID placed at b (renamed) for the versions before pvchange -u; not with b absent or twice")
PY
