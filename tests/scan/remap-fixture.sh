#!/usr/bin/env bash
# A range reduced away and extended again elsewhere (fixtures/remap, real
# LVM2 step by step; fixtures/make-remap.sh). truth/steps.json is LVM2's
# view after every step (lvs seg_start_pe/seg_size_pe/seg_pe_ranges). From
# it alone, this script works out which logical extents of which LV, in
# which version, map to other PV extents than before a gap where the LV did
# not hold them (a reduce, then an extend elsewhere), and compares that with
# lvmscan's `remapped` for every version: home's extents 4-7 after seqno 11;
# never grow (plain lvextend), same (extended back onto the same extents)
# or moved (a finished pvmove: the data was copied). home's ext4 (dumpe2fs:
# truth/home.ext4) spans 8 MiB, into the range: a WARNING line in the
# report and filesystem_reaches in JSON.
#
# lvmrepair --restore of seqno 11 says it as a WARNING (lr_evidence_warnings),
# and a second for moved (moved at seqno 12: seqno 11 points it back at the
# stale copy), and with --yes refuses without --force, writing nothing.
#
# usage: remap-fixture.sh LVMSCAN LVMREPAIR FIXTURES
set -u
LVMSCAN=$1 LVMREPAIR=$2 FX=$3/remap
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline remap-fixture "$LVMSCAN" "$3"
T=$LR_TMP
"$LVMSCAN" --json "$FX/pv0.img.gz" >"$T/scan.json" || lr_fail "lvmscan --json exited $?"
"$LVMSCAN" "$FX/pv0.img.gz" >"$T/scan.txt" || lr_fail "lvmscan exited $?"
python3 - "$FX/truth" "$T" <<'PY' || lr_fail "remapped ranges differ from LVM2's history"
import json, re, sys
t, d = sys.argv[1], sys.argv[2]
steps = json.load(open(t + "/steps.json"))
def mapping(step, lv):
    """LE -> (device, PE) of lv after a step, from LVM2's lvs report."""
    m = {}
    for s in step["lvs"]:
        if s["lv_name"] != lv:
            continue
        dev, rng = s["seg_pe_ranges"].rsplit(":", 1)
        a, b = map(int, rng.split("-"))
        le = int(s["seg_start_pe"])
        assert b - a + 1 == int(s["seg_size_pe"]), s
        for i in range(b - a + 1):
            m[le + i] = (dev, a + i)
    return m
def expected(k, lv):
    """Remapped LEs of lv in step k: walking back, a gap (le not in the LV),
    then a mapping that differs from where the gap's end (the extend) put it."""
    out = {}
    for le in mapping(steps[k], lv):
        ext, red, gap = k, None, False
        for j in range(k - 1, -1, -1):
            m = mapping(steps[j], lv)
            if le not in m:
                gap, red = True, j
                continue
            if not gap:
                ext = j
                continue
            if m[le] != mapping(steps[ext], lv)[le]:
                out[le] = (steps[red]["seqno"], steps[ext]["seqno"], mapping(steps[ext], lv)[le][1], m[le][1])
                break
            gap, ext = False, j
    return out
versions = {v["seqno"]: v for v in json.load(open(d + "/scan.json"))["vgs"][0]["versions"]}
assert sorted(versions) == [s["seqno"] for s in steps], sorted(versions)
flagged = 0
for k, s in enumerate(steps):
    got_lvs = {l["name"]: l for l in versions[s["seqno"]]["logical_volumes"]}
    assert sorted(got_lvs) == sorted({x["lv_name"] for x in s["lvs"]}), (s["seqno"], got_lvs.keys())
    for lv, l in got_lvs.items():
        want = expected(k, lv)
        got = {}
        for r in l["remapped"]:
            a, b = r["extents"]
            assert r["pv"] == r["was_pv"] == "pv0", r
            assert r["pv_extents"][1] - r["pv_extents"][0] == b - a, r
            for i in range(b - a + 1):
                got[a + i] = (r["reduced_seqno"], r["extended_seqno"], r["pv_extents"][0] + i,
                              r["was_pv_extents"][0] + i)
        assert got == want, (s["seqno"], lv, got, want)
        flagged += len(got)
assert flagged == 8, flagged  # home's extents 4-7 in seqno 11 and 12
# the final step: home's range, and the controls untouched
last = {l["name"]: l for l in versions[steps[-1]["seqno"]]["logical_volumes"]}
(r,) = last["home"]["remapped"]
assert r["extents"] == [4, 7] and r["offset_bytes"] == 4 << 20 and r["size_bytes"] == 4 << 20, r
for c in ("grow", "same", "moved", "other"):
    assert last[c]["remapped"] == [], (c, last[c]["remapped"])
# the controls did what they are for, by LVM2's own account
m = lambda k, lv: mapping(steps[k], lv)
made = [k for k, s in enumerate(steps) if "-n grow" in s["command"]][0]
assert len(m(-1, "grow")) > len(m(made, "grow")), "grow was extended"
same = [k for k, s in enumerate(steps) if "same" in s["command"] and "lvreduce" in s["command"]][0]
assert m(same - 1, "same") == m(same + 1, "same"), "same came back onto its extents"
assert m(-2, "moved") != m(-1, "moved"), "moved was moved"
# home's ext4 per e2fsprogs reaches into the range
e = dict(x.split(":", 1) for x in open(t + "/home.ext4").read().splitlines())
fs = int(e["Block count"]) * int(e["Block size"])
assert last["home"]["fs_size_bytes"] == fs and fs > r["offset_bytes"], (fs, last["home"])
assert r["filesystem_reaches"] is True, r
txt = open(d + "/scan.txt").read()
want = ("WARNING: remapped: extents 4-7 (4.0 MiB from byte 4194304) map elsewhere since seqno "
        "%d (reduced at seqno %d, extended onto pv0:%d-%d at seqno %d" %
        (r["extended_seqno"], r["reduced_seqno"], r["pv_extents"][0], r["pv_extents"][1], r["extended_seqno"]))
assert want in txt, txt
assert "data written there before seqno %d is not there now" % r["extended_seqno"] in txt, txt
assert txt.count("remapped:") == 2, txt.count("remapped:")
print("ok: remapped ranges of every version match LVM2's history (home 4-7 since seqno %d); "
      "grow, same, moved not flagged; the ext4 reaching into them is a WARNING" % r["extended_seqno"])
PY
gzip -dc "$FX/pv0.img.gz" >"$T/d.img"
SUM=$(sha256sum <"$T/d.img")
"$LVMREPAIR" --restore seqno=11 --dry-run "$T/d.img" >"$T/o" 2>&1 || lr_fail "restore --dry-run exited $?"
grep -q "^WARNING: LV home: its extents 4-7 map elsewhere since seqno 11 (reduced at seqno 6, extended onto pv0:18-21), but its ext4 filesystem spans 8.0 MiB" "$T/o" ||
    lr_fail "restore warning: $(cat "$T/o")"
# the last step (seqno 12) moved LV moved without a gap (steps.json, checked
# above): seqno 11 points it back at the copy left behind, a second warning
grep -q "^WARNING: LV moved's extents 0-1 were moved at seqno 12 (now pv0:28-29): restoring seqno 11 points them back at pv0:10-11, the stale copy the move left" "$T/o" ||
    lr_fail "moved warning: $(cat "$T/o")"
[ "$(grep -c '^WARNING:' "$T/o")" = 2 ] || lr_fail "warnings: $(cat "$T/o")"
"$LVMREPAIR" --restore seqno=11 --yes "$T/d.img" >"$T/o" 2>"$T/e" && lr_fail "restore --yes went ahead despite the warning"
grep -q "2 warnings above: nothing written" "$T/e" || lr_fail "refusal: $(cat "$T/e")"
[ "$(sha256sum <"$T/d.img")" = "$SUM" ] || lr_fail "the refused restore changed the image"
echo "ok: lvmrepair warns of the remapped range under home's ext4 and of moved's stale copy, and refuses --yes without --force"
