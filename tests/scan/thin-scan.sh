#!/bin/bash
# lvmscan shows each thin pool's LVM2 transaction_id next to the pool
# metadata's (fixtures/thin: seqno 2 says 2, seqno 3 says 3, the metadata
# made by thin_restore says 3 - thin_check's TRANSACTION_ID in
# truth/thin_check.txt), human and --json; a zeroed superblock is named.
# Usage: thin-scan.sh LVMSCAN FIXTURES
set -u
S=$1
F=$2/thin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
tx=$(sed -n 's/^TRANSACTION_ID=//p' "$F/truth/thin_check.txt" | head -1)
[ "$tx" = 3 ] || fail "truth: thin_check says transaction $tx"

"$S" "$F/disk.img.gz" > "$T/out" || fail "lvmscan exit $?"
grep -A1 "^ *3  " "$T/out" | grep -qx "            thin pool pool: transaction_id 3, pool metadata $tx" \
    || fail "seqno 3 line: $(cat "$T/out")"
grep -A1 "^ *2  " "$T/out" | grep -qx "            thin pool pool: transaction_id 2, pool metadata $tx  mismatch" \
    || fail "seqno 2 line: $(cat "$T/out")"

"$S" --json "$F/disk.img.gz" > "$T/json" || fail "lvmscan --json exit $?"
python3 - "$T/json" "$tx" <<'PY' || fail "json"
import json, sys
d = json.load(open(sys.argv[1]))
tx = int(sys.argv[2])
v = {x["seqno"]: x["thin_pools"] for g in d["vgs"] for x in g["versions"]}
assert v[3] == [{"lv": "pool", "transaction_id": 3, "pool_transaction_id": tx, "mismatch": False, "error": None}], v[3]
assert v[2] == [{"lv": "pool", "transaction_id": 2, "pool_transaction_id": tx, "mismatch": True, "error": None}], v[2]
assert v[1] == [], v[1]
PY

# superblock zeroed: the pool metadata is not read, and lvmscan says why
gzip -dc "$F/disk.img.gz" > "$T/z.img"
dd if=/dev/zero of="$T/z.img" bs=4096 seek=256 count=1 conv=notrunc status=none
"$S" "$T/z.img" > "$T/z" || fail "lvmscan on zeroed superblock: exit $?"
grep -q "thin pool pool: transaction_id 3, pool metadata not read: .*magic" "$T/z" \
    || fail "zeroed superblock: $(grep 'thin pool' "$T/z")"
echo "thin-scan: ok"
