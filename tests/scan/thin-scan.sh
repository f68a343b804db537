#!/bin/bash
# lvmscan shows each thin pool's LVM2 transaction_id next to the pool
# metadata's (fixtures/thin: seqno 2 says 2, seqno 3 says 3, the metadata
# made by thin_restore says 3 - thin_check's TRANSACTION_ID in
# truth/thin_check.txt), human and --json; a zeroed superblock is named.
# Usage: thin-scan.sh LVMSCAN FIXTURES
set -u
S=$1
F=$2/thin
source "$(dirname "$0")/../support/interop.sh"
lr_init_scratch lvmscan-thin
T=$LR_TMP
tx=$(sed -n 's/^TRANSACTION_ID=//p' "$F/truth/thin_check.txt" | head -1)
[ "$tx" = 3 ] || lr_fail "truth: thin_check says transaction $tx"

"$S" "$F/disk.img.gz" > "$T/out" || lr_fail "lvmscan exit $?"
grep -A1 "^ *3  " "$T/out" | grep -qx "            thin pool pool: transaction_id 3, pool metadata $tx" \
    || lr_fail "seqno 3 line: $(cat "$T/out")"
grep -A1 "^ *2  " "$T/out" | grep -qx "            thin pool pool: transaction_id 2, pool metadata $tx  mismatch" \
    || lr_fail "seqno 2 line: $(cat "$T/out")"

"$S" --json "$F/disk.img.gz" > "$T/json" || lr_fail "lvmscan --json exit $?"
python3 - "$T/json" "$tx" "$F/truth/expected" <<'PY' || lr_fail "json"
import json, re, sys
d = json.load(open(sys.argv[1]))
tx = int(sys.argv[2])
# truth/expected: "thinN dev_id=D mapped=M highest=H ..." and "shared thin1=S ..."
exp, shared = {}, {}
for line in open(sys.argv[3]):
    m = re.match(r"(thin\d) dev_id=(\d+) mapped=(\d+) highest=(\d+)", line)
    if m:
        exp[m[1]] = tuple(int(x) for x in m.groups()[1:])
    if line.startswith("shared "):
        shared = {k: int(v) for k, v in re.findall(r"(thin\d)=(\d+)", line)}
v = {x["seqno"]: x["thin_pools"] for g in d["vgs"] for x in g["versions"]}
for seqno, lvs, mismatch in ((3, ["thin1", "thin2", "thin3"], False), (2, ["thin1", "thin3"], True)):
    (p,) = v[seqno]
    assert {k: p[k] for k in ("lv", "transaction_id", "pool_transaction_id", "mismatch", "error", "damaged_nodes")} == \
        {"lv": "pool", "transaction_id": seqno, "pool_transaction_id": tx, "mismatch": mismatch, "error": None, "damaged_nodes": 0}, p
    assert [t["lv"] for t in p["thin_lvs"]] == lvs, p
    for t in p["thin_lvs"]:
        dev, mapped, highest = exp[t["lv"]]
        assert (t["device_id"], t["in_metadata"], t["mapped"], t["highest"], t["shared"], t["lost_ranges"]) == \
            (dev, True, mapped, highest, shared[t["lv"]], 0), t
assert v[1] == [], v[1]
PY

# the damaged image: the node is counted, thin3's mapping stops before it
"$S" "$F/damaged.img.gz" > "$T/d" || lr_fail "lvmscan damaged: exit $?"
first=$(sed -n 's/.*first_key=\([0-9]*\).*/\1/p' "$F/truth/expected")
grep -q "thin pool pool: transaction_id 3, pool metadata $tx  (1 damaged metadata nodes)" "$T/d" \
    || lr_fail "damaged: $(grep 'thin' "$T/d")"
grep -q "thin LV thin3: device 3, $first blocks mapped, highest $((first - 1)), 0 shared, 1 ranges lost to damage" "$T/d" \
    || lr_fail "damaged thin3: $(grep 'thin' "$T/d")"

# superblock zeroed: the pool metadata is not read, and lvmscan says why
gzip -dc "$F/disk.img.gz" > "$T/z.img"
dd if=/dev/zero of="$T/z.img" bs=4096 seek=256 count=1 conv=notrunc status=none
"$S" "$T/z.img" > "$T/z" || lr_fail "lvmscan on zeroed superblock: exit $?"
grep -q "thin pool pool: transaction_id 3, pool metadata not read: .*magic" "$T/z" \
    || lr_fail "zeroed superblock: $(grep 'thin pool' "$T/z")"
echo "thin-scan: ok"
