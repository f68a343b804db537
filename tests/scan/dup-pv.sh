#!/usr/bin/env bash
# Two images of one PV at different versions (fixtures/dup-pv, real LVM2:
# old.img is the PV copied at seqno 3, new.img the same PV at seqno 5).
# LVM2's view is the truth: vgs says seqno 5 and pvck lists seqno 5 only
# in new.img's ring. Whichever order the images are given in, lvmscan must
# place the PV on new.img (its newest seqno 5) and call the VG consistent
# (it took the first label given: old.img first made the VG stale_pvs and
# its LVs read from the old copy). Runs without root.
#
# usage: dup-pv.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1
FX=$2/dup-pv
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: lvmscan-dup-pv (no python3)"; exit 77; }
for order in "old new" "new old"; do
    set -- $order
    out=$("$LVMSCAN" --json "$FX/$1.img.gz" "$FX/$2.img.gz") ||
        { echo "FAILED: dup-pv ($order): lvmscan exited $?" >&2; exit 1; }
    python3 - "$FX/truth" "$out" "$order" <<'PY' || { echo "FAILED: dup-pv ($order)" >&2; exit 1; }
import json, re, sys
t, d, order = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
vgs = json.load(open(t + "/vgs.json"))["report"][0]["vg"][0]
uuid = json.load(open(t + "/pvs.json"))["report"][0]["pv"][0]["pv_uuid"]
top = {n: max(int(s) for s in re.findall(r"seqno (\d+)", open("%s/%s.pvck" % (t, n)).read()))
       for n in ("new", "old")}
assert top["new"] == int(vgs["vg_seqno"]) == 5 and top["old"] == 3, top
g = d["vgs"][0]
assert g["latest_seqno"] == 5 and g["status"] == ["consistent"], (order, g["status"])
pv = g["pvs"][0]
assert pv["id"] == uuid and pv["latest_seqno"] == 5, (order, pv)
path = d["images"][pv["image"]]["path"]
assert path.endswith("/new.img.gz"), (order, path)
print("%s: PV %s on new.img.gz (seqno 5), consistent" % (order, uuid))
PY
done
