#!/bin/bash
# Thin pools whose metadata LV (_tmeta) is striped ("ps") or a raid1 ("pr"):
# fixtures/thinmeta, VG metadata loaded by real LVM2 (vgcfgrestore --force),
# each pool's metadata made by thin_restore and put at the _tmeta's extents
# by fixtures/make-thinmeta.py (it computes the striped layout itself and
# writes both raid1 images). lvmrepair --extract reads the metadata through
# the general LV reader: each thin LV's bytes equal truth/sha256 (python's,
# from the mapping given to thin_restore), and the mapped count and highest
# block it reports equal thin_dump's view (truth/thin_dump-POOL.xml). lvmscan
# reads the same metadata through scan's LV mapper (lr/lvmap.h): its
# transaction ids and per thin LV counts equal thin_dump's too, also from
# the one raid1 leg left when pv1.img.gz is not given.
# Usage: thin-meta-layouts.sh LVMREPAIR LVMSCAN FIXTURES
set -u
R=$1
S=$2
F=$3/thinmeta
source "$(dirname "$0")/../support/interop.sh"
lr_init_scratch thin_meta_layouts
T=$LR_TMP
IMGS=("$F/pv0.img.gz" "$F/pv1.img.gz")

for pair in ps:ts pr:tr; do
    pool=${pair%%:*} lv=${pair#*:}
    "$R" --extract "$lv" -o "$T/$lv" "${IMGS[@]}" 2>"$T/$lv.err" || lr_fail "$lv: exit $?: $(cat "$T/$lv.err")"
    got=$(sha256sum < "$T/$lv" | cut -d' ' -f1)
    want=$(sed -n "s/^\([0-9a-f]*\)  $lv\$/\1/p" "$F/truth/sha256")
    [ -n "$want" ] && [ "$got" = "$want" ] || lr_fail "$lv: sha256 $got, expected $want"
    xml=$F/truth/thin_dump-$pool.xml
    mapped=$(python3 - "$xml" <<'PY'
import re, sys
x = open(sys.argv[1]).read()
blocks = []
for m in re.finditer(r'<single_mapping origin_block="(\d+)"', x):
    blocks.append(int(m[1]))
for m in re.finditer(r'<range_mapping origin_begin="(\d+)" data_begin="\d+" length="(\d+)"', x):
    blocks += range(int(m[1]), int(m[1]) + int(m[2]))
print("%d mapped, highest block %d" % (len(blocks), max(blocks)))
PY
)
    grep -q "device 1 of pool $pool (metadata transaction 1, LVM2's 1), 65536-byte blocks: $mapped," \
        "$T/$lv.err" || lr_fail "$lv: expected '$mapped': $(cat "$T/$lv.err")"
done

# lvmscan reads the striped and the raid1 _tmeta through scan's LV mapper:
# each pool's metadata transaction id and each thin LV's mapped count and
# highest block equal thin_dump's (truth/thin_dump-POOL.xml), no mismatch.
# Then with pv1.img.gz left out: pr's metadata is read from its remaining
# raid1 leg (same numbers), ps (striped over both PVs) names the missing PV.
check_scan() { # JSON POOLS... (each pool:expect, expect "read" or a reason's words)
    python3 - "$F/truth" "$@" <<'PY'
import json, re, sys
truth, js, pools = sys.argv[1], sys.argv[2], sys.argv[3:]
d = json.load(open(js))
got = {}
for vg in d["vgs"]:
    for v in vg["versions"]:
        for p in v.get("thin_pools") or []:
            got[p["lv"]] = p
for spec in pools:
    name, want = spec.split(":", 1)
    p = got.get(name)
    if p is None:
        sys.exit("pool %s not reported" % name)
    if want != "read":
        if p["error"] is None or want not in p["error"]:
            sys.exit("pool %s: error %r, expected %r" % (name, p["error"], want))
        continue
    x = open("%s/thin_dump-%s.xml" % (truth, name)).read()
    tx = int(re.search(r'<superblock [^>]*transaction="(\d+)"', x)[1])
    if p["error"] is not None or p["pool_transaction_id"] != tx or p["mismatch"] \
            or p["transaction_id"] != tx:
        sys.exit("pool %s: %s, thin_dump's transaction %d" % (name, json.dumps(p)[:300], tx))
    devs = {}
    for m in re.finditer(r'<device dev_id="(\d+)" mapped_blocks="(\d+)"(.*?)</device>', x, re.S):
        blocks = [int(b) for b in re.findall(r'<single_mapping origin_block="(\d+)"', m[3])]
        for b, n in re.findall(r'<range_mapping origin_begin="(\d+)" data_begin="\d+" length="(\d+)"', m[3]):
            blocks += range(int(b), int(b) + int(n))
        devs[int(m[1])] = (int(m[2]), max(blocks))
    lvs = p["thin_lvs"]
    if not lvs or len(lvs) != len(devs):
        sys.exit("pool %s: thin LVs %s, thin_dump has devices %s" % (name, lvs, devs))
    for t in lvs:
        want = devs.get(t["device_id"])
        if not t["in_metadata"] or want is None or (t["mapped"], t["highest"]) != want:
            sys.exit("pool %s LV %s: %s, thin_dump: %s" % (name, t["lv"], t, want))
PY
}
"$S" --json "${IMGS[@]}" > "$T/scan.json" || lr_fail "lvmscan exit $?"
check_scan "$T/scan.json" ps:read pr:read || lr_fail "lvmscan --json, both images"
"$S" --json "$F/pv0.img.gz" > "$T/pv0.json" || lr_fail "lvmscan (pv0 only) exit $?"
check_scan "$T/pv0.json" pr:read "ps:PV pv1 (" || lr_fail "lvmscan --json, pv1.img.gz left out"
"$S" "${IMGS[@]}" > "$T/scan" || lr_fail "lvmscan exit $?"
grep -q "thin pool ps: transaction_id 1, pool metadata 1$" "$T/scan" || lr_fail "lvmscan ps: $(grep 'thin pool' "$T/scan")"
grep -q "thin pool pr: transaction_id 1, pool metadata 1$" "$T/scan" || lr_fail "lvmscan pr: $(grep 'thin pool' "$T/scan")"
echo "thin-meta-layouts: thin LVs and lvmscan's pool view read through striped and raid1 pool metadata"
