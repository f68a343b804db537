#!/usr/bin/env bash
# An unfinished pvmove on fixtures/pvmove (real LVM2: lv1 on the hidden
# mirror pvmove0 over pv0 -> pv1; fixtures/make-pvmove.sh). truth/lvs.json
# is LVM2's view; lv1's data is pattern A on pv0 (truth/lv1.sha256), and
# pv1 holds only its first MiB. lvmscan must call pvmove0 whole, read from
# its source, with pv1 a destination that is neither read nor counted; with
# pv0 missing it is unreadable (not "degraded": pv1 holds only part).
# lvmrepair --extract must give pattern A from both images and refuse, with
# nothing written, from pv1 alone (a destination is never read in place of
# the source).
#
# usage: pvmove-fixture.sh LVMSCAN LVMREPAIR FIXTURES
set -u
LVMSCAN=$1 LVMREPAIR=$2 FX=$3/pvmove
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline pvmove-fixture "$LVMSCAN" "$3"
T=$LR_TMP
"$LVMSCAN" --json "$FX/pv0.img.gz" "$FX/pv1.img.gz" >"$T/both.json" || lr_fail "lvmscan (both) exited $?"
"$LVMSCAN" --json "$FX/pv1.img.gz" >"$T/dest.json"
"$LVMSCAN" "$FX/pv0.img.gz" "$FX/pv1.img.gz" >"$T/both.txt" || lr_fail "lvmscan words exited $?"
python3 - "$FX/truth" "$T" <<'PY' || lr_fail "lvmscan's raid report"
import json, sys
t, d = sys.argv[1], sys.argv[2]
lvs = {l["lv_name"]: l for l in json.load(open(t + "/lvs.json"))["report"][0]["lv"]}
assert lvs["[pvmove0]"]["segtype"] == "mirror" and lvs["lv1"]["devices"] == "pvmove0(0)", lvs
def raid(name):
    v = json.load(open(d + "/" + name))["vgs"][0]["versions"][0]
    (r,) = [x for x in v["raid"] if x["lv"] == "pvmove0"]
    return r
b = raid("both.json")
assert b["state"] == "whole" and b["missing"] == 0 and b["redundancy"] == 0, b
assert [(l["lv"], l["missing"], l["pvmove_destination"]) for l in b["legs"]] == \
    [("pv0", False, False), ("pv1", False, True)], b["legs"]
o = raid("dest.json")
assert o["state"] == "unreadable", o
assert [(l["lv"], l["missing"], l["pvmove_destination"]) for l in o["legs"]] == \
    [("pv0", True, False), ("pv1", False, True)], o["legs"]
w = open(d + "/both.txt").read()
assert "mirror of an unfinished pvmove, from pv0): whole" in w, w
assert "image pv1 not read: the destination of an unfinished pvmove" in w, w
print("ok: pvmove0 whole from its source; destination not counted; unreadable without pv0")
PY
"$LVMREPAIR" --extract lv1 -o "$T/lv1" "$FX/pv0.img.gz" "$FX/pv1.img.gz" >/dev/null ||
    lr_fail "extract from both exited $?"
want=$(cut -d' ' -f1 "$FX/truth/lv1.sha256")
got=$(sha256sum "$T/lv1" | cut -d' ' -f1)
[ "$got" = "$want" ] || lr_fail "lv1 extracted is $got, pattern A is $want"
"$LVMREPAIR" --extract lv1 -o "$T/lv1-dest" "$FX/pv1.img.gz" >"$T/dest.out" 2>&1 &&
    lr_fail "extract from the destination alone succeeded"
[ ! -e "$T/lv1-dest" ] || lr_fail "extract from the destination alone wrote $T/lv1-dest"
grep -q "needs PVs that are not among the images: pv0" "$T/dest.out" || lr_fail "refusal: $(cat "$T/dest.out")"
echo "ok: lv1 extracted from pv0 (pattern A); refused from pv1 alone, nothing written"
