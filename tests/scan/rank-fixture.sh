#!/usr/bin/env bash
# The recommendation's ranking on histories written by real LVM2
# (fixtures/rank, fixtures/rank/make.sh; truth/*.steps and *.blkid are
# LVM2's and blkid's own view):
#  - removemissing: vgreduce --removemissing --force wrote seqnos 8 (-gone),
#    9 (-span) and 10 (-pv2) from one command run ("Write from", "Write[2]
#    from", "Write[3] from"). Seqno 7 is the last version before the
#    accident and is recommended, although span's ext4 (SPAN, truth
#    removemissing.blkid) makes seqno 8 own_signature: seqno 8 is a step
#    inside the command, its reason says so, and the recommendation says
#    it is ranked above it. With only the two disks left the same holds.
#  - taker.img.gz + taker.vg: the disk at seqno 4 (old removed, its ext4
#    OLD still at extents 0-1, truth taker.blkid); the backup file's
#    seqno 5 has newt on those extents. The disk never held seqno 5: newt
#    took nothing. Seqno 3 is recommended, old's extents untouched and
#    its own ext4 at its start; old has no reuse by newt.
# usage: rank-fixture.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1 FX=$2/rank
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: rank-fixture (no python3)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAILED: rank-fixture: $*" >&2; exit 1; }
"$LVMSCAN" --json "$FX/pv0.img.gz" "$FX/pv1.img.gz" "$FX/pv2.img.gz" >"$T/rm3.json" ||
    fail "lvmscan --json removemissing (3 PVs) exited $?"
"$LVMSCAN" --json "$FX/pv0.img.gz" "$FX/pv1.img.gz" >"$T/rm2.json" ||
    fail "lvmscan --json removemissing (2 PVs) exited $?"
"$LVMSCAN" "$FX/pv0.img.gz" "$FX/pv1.img.gz" "$FX/pv2.img.gz" >"$T/rm3.txt" ||
    fail "lvmscan removemissing exited $?"
"$LVMSCAN" --json "$FX/taker.img.gz" "$FX/taker.vg" >"$T/taker.json" || fail "lvmscan --json taker exited $?"
python3 - "$T" "$FX/truth" <<'PY' || fail "see above"
import json, re, sys
d, truth = sys.argv[1:3]

def steps(name):
    out, cur = {}, None
    for line in open(truth + "/" + name + ".steps"):
        if line.startswith("## "):
            cur = line[3:].strip()
            out[cur] = {"seqno": None, "lvs": {}}
        elif cur and line.strip().isdigit():
            out[cur]["seqno"] = int(line)
        elif cur and line.strip():
            n, r = line.split()
            out[cur]["lvs"].setdefault(n, []).append(r)
    return out

def blkid(name):
    out, cur = {}, None
    for line in open(truth + "/" + name + ".blkid"):
        line = line.strip()
        if line.startswith("## "):
            cur = line[3:]; out[cur] = {}
        elif "=" in line:
            k, v = line.split("=", 1); out[cur][k] = v
    return out

# --- removemissing: LVM2's view first
st = steps("removemissing")
before = [s for s in st if s.startswith("vgchange --addtag vt")][0]
after = [s for s in st if s.startswith("vgreduce --removemissing")][0]
assert st[before]["seqno"] == 7 and sorted(st[before]["lvs"]) == ["gone", "keep", "span"], st[before]
assert st[after]["seqno"] == 10 and sorted(st[after]["lvs"]) == ["keep"], st[after]
span = [v for k, v in blkid("removemissing").items() if k.startswith("span")][0]
assert span["TYPE"] == "ext4" and span["LABEL"] == "SPAN", span
for name in ("rm3", "rm2"):
    g = json.load(open(d + "/" + name + ".json"))["vgs"][0]
    assert g["name"] == "rkrm" and g["latest_seqno"] == 10, g["latest_seqno"]
    descr = {v["seqno"]: v["description"] for v in g["versions"]}
    assert descr[8].startswith("Write from vgreduce") and descr[9].startswith("Write[2] from vgreduce"), descr
    rec = g["recommended"]
    assert rec["seqno"] == 7, (name, rec)
    alts = {a["seqno"]: a for a in g["alternatives"]}
    assert 8 in alts, (name, g["alternatives"])
    assert "seqno 8 is a step inside that same command (seqno 7 is the last version before it)" in alts[8]["reason"], alts[8]
    if name == "rm3":
        # the content favours seqno 8 (span's own ext4), the command does not
        assert alts[8]["evidence"] == "own_signature" and rec["evidence"] == "no_signature", (rec, alts[8])
        assert "ranked above seqno 8: a step inside the command that lost the LVs" in rec["reason"], rec
        lv = {l["name"]: l for v in g["versions"] if v["seqno"] == 8 for l in v["logical_volumes"]}
        assert lv["span"]["content"]["label"] == "SPAN", lv["span"]
txt = open(d + "/rm3.txt").read()
assert re.search(r"recommended: seqno 7, the last version before `vgreduce --removemissing --force rkrm` \(seqno 8\)", txt), txt[:600]

# --- taker
st = steps("taker")
assert [s["seqno"] for s in st.values()] == [1, 2, 3, 4, 5], st
last = list(st.values())[-1]
assert last["lvs"]["newt"] == ["PV:0-1"], last  # newt over old's extents in the file's seqno 5
old = [v for k, v in blkid("taker").items() if k.startswith("old")][0]
assert old["LABEL"] == "OLD", old
g = json.load(open(d + "/taker.json"))["vgs"][0]
assert g["latest_seqno"] == 4 and g["max_seqno"] == 5, (g["latest_seqno"], g["max_seqno"])
rec = g["recommended"]
assert rec and rec["seqno"] == 3 and rec["evidence"] == "own_signature", rec
assert "2 of old's 2 lost extents are untouched" in rec["reason"], rec
assert "old's own ext4 is still at its start" in rec["reason"], rec
assert "newt" not in rec["reason"].split("newt's ext4 is only in seqno 5")[0], rec
for v in g["versions"]:
    for l in v["logical_volumes"]:
        for r in l["reused_by"]:
            assert not (r["lv"] == "newt" and r["seqno"] == 5), (v["seqno"], l["name"], r)
print("ok: rank-fixture")
PY
echo "PASSED: rank-fixture"
