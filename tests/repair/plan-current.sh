#!/usr/bin/env bash
# The restore plan compares with the version LVM2 uses (issue 14): on
# fixtures/restored (vgcfgrestore by real LVM2 committed seqno 5 below the
# abandoned seqnos 5, 6, 7), restoring seqno 7 must be compared with the
# committed seqno 5, not with the newest seqno 7 (which would say nothing
# changes). The truth is LVM2's: truth/lvs.json (what LVM2 uses now) and
# truth/before-lvs.json (seqno 7, just before the vgcfgrestore); LVs are
# matched by UUID, so lv3 -> data is a rename; the crc is slot 0's
# (truth/disk.pvck-headers).
#
# usage: plan-current.sh PATH/TO/lvmrepair FIXTURES
# Needs python3; otherwise prints "SKIPPED: plan_current (no python3)" and
# exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline plan_current "$1" "$2"
FX=$LR_FIX/restored
gzip -dc "$FX/disk.img.gz" >"$LR_TMP/disk.img" || lr_fail "cannot decompress $FX/disk.img.gz"
"$LR_BIN" --restore seqno=7 --dry-run "$LR_TMP/disk.img" >"$LR_TMP/plan" 2>&1 ||
    { cat "$LR_TMP/plan"; lr_fail "lvmrepair --dry-run"; }
python3 - "$FX/truth" "$LR_TMP/plan" <<'PY' || { cat "$LR_TMP/plan"; lr_fail "see the plan above"; }
import json, re, sys
t, plan = sys.argv[1], open(sys.argv[2]).read()
lvs = lambda f: {x["lv_uuid"]: (x["lv_name"], int(x["lv_size"])) for x in json.load(open(t + "/" + f))["report"][0]["lv"]}
cur, old = lvs("lvs.json"), lvs("before-lvs.json")
seq = int(json.load(open(t + "/vgs.json"))["report"][0]["vg"][0]["vg_seqno"])
crc = int(re.search(r"raw_locn\[0\]\.checksum (0x\w+)", open(t + "/disk.pvck-headers").read()).group(1), 16)
m = re.search(r"What changes compared with the current version \(seqno (\d+), crc (0x\w+): committed", plan)
assert m, "not compared with the current version"
assert int(m.group(1)) == seq and int(m.group(2), 16) == crc, (m.groups(), seq, hex(crc))
want = set()
for u, (n, sz) in old.items():
    if u not in cur:
        want.add("LV %s comes back" % n)
    elif cur[u][0] != n:
        want.add("LV %s is renamed back to %s" % (cur[u][0], n))
for u, (n, sz) in cur.items():
    if u not in old:
        want.add("LV %s goes away" % n)
sect = plan[m.end():].split("\n\n")[0]
got = {re.sub(r" \(.*", "", l.strip()) for l in sect.splitlines()[1:] if l.startswith("  LV ")}
assert got == want and want, (got, want)
print("compared with seqno %d (crc 0x%08x), as LVM2: %s" % (seq, crc, sorted(got)))
PY
echo "PASSED: plan_current"
