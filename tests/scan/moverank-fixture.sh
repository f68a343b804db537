#!/usr/bin/env bash
# The recommendation against moves and newer backup files, on histories
# written by real LVM2 (fixtures/moverank, fixtures/make-moverank.sh;
# fixtures/remap, fixtures/make-remap.sh):
#  - moved.img.gz: restoring seqno 4 (before lvremove a) points data back
#    at extents 2-5, the copy a finished pvmove left (blkid -p still finds
#    ext4 DATA there, truth/moved.blkid; DATA2 is at the new place): it is
#    `against`, says so, and seqno 6 (before lvremove b, data at its new
#    place) is recommended above it;
#  - newer.img.gz + newer.vg: the backup file (seqno 5) is newer than the
#    disk (seqno 4); its LV newt (the probe finds LEFT's ext4 at its
#    extents) is not on the disk: restoring seqno 3 removes nothing
#    (`removes` empty), the reason says newt is not counted and does not
#    count seqno 5 among what it undoes;
#  - remap: nothing is left to restore (same's reduce undone by its extend
#    back in place, home's cut range reused): the newest version is
#    recommended; seqno 8's `moved` says it was moved at seqno 12 (truth:
#    steps.json) and where (moved_since).
#  - lvmrepair --restore seqno=4 --dry-run says the same as a WARNING
#    (lr_evidence_warnings), --yes refuses without --force; seqno 6 (data
#    at its new place) and seqno 7 (the disk's) have no such warning;
#    --extract data of seqno 4 warns that the copy is the stale one.
# usage: moverank-fixture.sh LVMSCAN FIXTURES LVMREPAIR
set -u
LVMSCAN=$1 FX=$2 LVMREPAIR=$3
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: moverank-fixture (no python3)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAILED: moverank-fixture: $*" >&2; exit 1; }
M=$FX/moverank
"$LVMSCAN" --json "$M/moved.img.gz" >"$T/moved.json" || fail "lvmscan --json moved exited $?"
"$LVMSCAN" "$M/moved.img.gz" >"$T/moved.txt" || fail "lvmscan moved exited $?"
"$LVMSCAN" --json "$M/newer.img.gz" "$M/newer.vg" >"$T/newer.json" || fail "lvmscan --json newer exited $?"
"$LVMSCAN" "$M/newer.img.gz" "$M/newer.vg" >"$T/newer.txt" || fail "lvmscan newer exited $?"
"$LVMSCAN" --json "$FX/remap/pv0.img.gz" >"$T/remap.json" || fail "lvmscan --json remap exited $?"
python3 - "$T" "$M/truth" "$FX/remap/truth" <<'PY' || fail "see above"
import json, sys
d, truth, rtruth = sys.argv[1:4]

def blkid(name):
    out, cur = {}, None
    for line in open(truth + "/" + name):
        line = line.strip()
        if line.startswith("## "):
            cur = line[3:]
            out[cur] = {}
        elif "=" in line:
            k, v = line.split("=", 1)
            out[cur][k] = v
    return out

# --- moved: the truth first
b = blkid("moved.blkid")
old = b["data before the move (the copy left) extents 2-5"]
new = b["data now (pvmove's destination) extents 20-23"]
assert old["LABEL"] == "DATA" and new["LABEL"] == "DATA2" and old["UUID"] == new["UUID"], b
g = json.load(open(d + "/moved.json"))["vgs"][0]
vers = {v["seqno"]: v for v in g["versions"]}
lv = {l["name"]: l for l in vers[4]["logical_volumes"]}
assert lv["data"]["content"]["label"] == "DATA", lv["data"]  # the stale copy looks intact
lv = {l["name"]: l for l in vers[7]["logical_volumes"]}
assert lv["data"]["content"]["label"] == "DATA2", lv["data"]
mv = {v["seqno"]: [l["moved_since"] for l in v["logical_volumes"] if l["name"] == "data"][0]
      for v in g["versions"] if any(l["name"] == "data" for l in v["logical_volumes"])}
for s in (3, 4, 5):
    (m,) = mv[s]
    assert (m["extents"], m["seqno"], m["pv"], m["pv_extents"], m["was_pv"], m["was_pv_extents"],
            m["gap"]) == ([0, 3], 6, "pv0", [20, 23], "pv0", [2, 5], False), (s, m)
assert mv[6] == [] and mv[7] == [], mv
r = g["recommended"]
assert r["seqno"] == 6, r
assert r["evidence"] == "no_signature", r
assert "ranked above the earlier seqno 4: it keeps the LVs moved since at their new place" in r["reason"], r
(a,) = g["alternatives"]
assert a["seqno"] == 4 and a["evidence"] == "against", a
want = ("data's extents 0-3 were moved at seqno 6 (now pv0:20-23): restoring it points them "
        "back at pv0:2-5, the stale copy the move left")
assert want in a["reason"], a
t = open(d + "/moved.txt").read().splitlines()
assert any(l.strip().startswith("recommended: seqno 6,") for l in t[:20]), t[:20]
assert any(l.strip().startswith("alternative: seqno 4,") and want in l for l in t[:20]), t[:20]
line = "moved since seqno 6: extents 0-3 are on pv0:20-23 now; pv0:2-5 here hold the stale copy the move left"
assert sum(1 for l in t if l.strip() == line) == 3, [l for l in t if "moved since" in l]  # seqnos 3-5
print("ok: moved: seqno 6 recommended; seqno 4 points data at the stale copy (DATA)")

# --- newer: a backup file newer than the disk
b = blkid("newer.blkid")
assert b["newt (only in newer.vg, seqno 5) extents 20-21"]["LABEL"] == "LEFT", b
g = json.load(open(d + "/newer.json"))["vgs"][0]
seqnos = [v["seqno"] for v in g["versions"]]
assert 5 in seqnos and 4 in seqnos, seqnos
v5 = [v for v in g["versions"] if v["seqno"] == 5][0]
newt = [l for l in v5["logical_volumes"] if l["name"] == "newt"][0]
assert newt["content"]["label"] == "LEFT", newt  # a signature the probe finds there
r = g["recommended"]
assert r["seqno"] == 3 and r["removes"] == [], r
assert r["evidence"] == "own_signature", r
assert "newt's ext4 is only in seqno 5, newer than seqno 4 the disks commit: not counted" in r["reason"], r
assert "removes newt" not in r["reason"] and "undoes 5" not in r["reason"], r
assert all(x["removes"] == [] for x in g["alternatives"]), g["alternatives"]
t = open(d + "/newer.txt").read()
assert "not counted" in t and "to keep newt" not in t, t[:2000]
print("ok: newer: seqno 3 removes nothing on the disk; newt (file only) not counted")

# --- remap: `moved` moved at the seqno LVM2's own steps say
steps = json.load(open(rtruth + "/steps.json"))
mv = [s for s in steps if any(l["lv_name"] == "moved" for l in s["lvs"])]
def where(s):
    return [l["seg_pe_ranges"] for l in s["lvs"] if l["lv_name"] == "moved"][0]
at = [s["seqno"] for i, s in enumerate(mv[1:]) if where(s) != where(mv[i])]
assert len(at) == 1, at
frm, to = where(mv[0]).split(":")[1], where(steps[-1]).split(":")[1]
g = json.load(open(d + "/remap.json"))["vgs"][0]
# same's reduce (seqno 9) is undone by its extend back in place (seqno 10);
# home's cut extents were taken by other: no loss left to restore
r = g["recommended"]
assert r["seqno"] == 12 and "reused by later LVs" in r["reason"], r
def lv(seqno, name):
    (v,) = [v for v in g["versions"] if v["seqno"] == seqno]
    (l,) = [l for l in v["logical_volumes"] if l["name"] == name]
    return l
(m,) = lv(8, "moved")["moved_since"]
want = ([0, 1], at[0], "pv0", [int(x) for x in to.split("-")], "pv0",
        [int(x) for x in frm.split("-")], False)
assert (m["extents"], m["seqno"], m["pv"], m["pv_extents"], m["was_pv"], m["was_pv_extents"],
        m["gap"]) == want, (m, want)
assert lv(12, "moved")["moved_since"] == [], lv(12, "moved")
print("ok: remap: newest recommended; seqno 8's moved was moved at seqno %d (%s -> %s)" % (at[0], frm, to))
PY
# lvmrepair: the move (truth/moved.steps: data PV:2-5 -> PV:20-23 by the
# pvmove, seqno 6) as a restore warning of seqno 4 only
gzip -dc "$M/moved.img.gz" >"$T/m.img"
SUM=$(sha256sum <"$T/m.img")
W="WARNING: LV data's extents 0-3 were moved at seqno 6 (now pv0:20-23): restoring seqno 4 points them back at pv0:2-5, the stale copy the move left; data written since is not there"
"$LVMREPAIR" --restore seqno=4 --dry-run "$T/m.img" >"$T/o" 2>&1 || fail "restore seqno=4 --dry-run exited $?"
grep -qxF "$W" "$T/o" || fail "seqno 4 restore warning: $(cat "$T/o")"
[ "$(grep -c 'WARNING:' "$T/o")" = 1 ] || fail "seqno 4 warnings: $(cat "$T/o")"
"$LVMREPAIR" --restore seqno=4 --yes "$T/m.img" >"$T/o" 2>"$T/e" && fail "restore --yes went ahead despite the warning"
grep -q "1 warning above: nothing written" "$T/e" || fail "refusal: $(cat "$T/e")"
[ "$(sha256sum <"$T/m.img")" = "$SUM" ] || fail "the refused restore changed the image"
"$LVMREPAIR" --restore seqno=6 --dry-run "$T/m.img" >"$T/o" 2>&1 || fail "restore seqno=6 --dry-run exited $?"
grep -q "moved at seqno" "$T/o" && fail "seqno 6 (data at its new place) warns of the move: $(cat "$T/o")"
"$LVMREPAIR" --export seqno=7 "$T/m.img" >/dev/null 2>"$T/e" || fail "export seqno=7 exited $?"
grep -q "WARNING" "$T/e" && fail "the disk's version warns: $(cat "$T/e")"
"$LVMREPAIR" --export seqno=4 "$T/m.img" >/dev/null 2>"$T/e" || fail "export seqno=4 exited $?"
grep -qxF "lvmrepair: $W" "$T/e" || fail "export seqno=4 warning: $(cat "$T/e")"
"$LVMREPAIR" --extract data --seqno 4 -o "$T/d4" "$T/m.img" 2>"$T/e" || fail "extract exited $?"
grep -q "^lvmrepair: WARNING: LV data: extents 0-3 were moved at seqno 6 (now pv0:20-23): what .* holds from them is the stale copy the move left at pv0:2-5" "$T/e" ||
    fail "extract warning: $(cat "$T/e")"
echo "ok: lvmrepair warns that restoring (exporting, extracting) seqno 4 points data back at the stale copy; seqno 6 and 7 do not"
echo "ok: moverank-fixture"
