#!/usr/bin/env bash
# A thin LV's device id given to a later thin LV (LVM2 gives a new thin LV
# the highest id + 1, so a removed LV's id comes back): fixtures/thin's
# pool metadata is rewritten by thin_restore from truth/pool.xml with
# device 3 created at transaction 4, after thin3 (its LVM2 segment says
# transaction_id 2; the superblock goes to 5), as when thin3 was removed
# and a new thin LV made; thin_dump says so. Then:
#   - lvmscan calls thin3's device "NOT this LV's" in every version that
#     has thin3 (JSON device_reused, device_created 4), thin1's and
#     thin2's not;
#   - lvmrepair --extract thin3 refuses (exit 1) naming both transactions
#     (until 2026-12-07 it wrote the later LV's blocks as thin3's);
#   - thin1 still extracts, as truth/expected's sha256.
# The unchanged fixture: no device reused (device transactions 0, 1, 2).
#
# usage: thin-reuse.sh PATH/TO/lvmscan PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline thin_reuse "$2" "$3"
S=$1
R=$LR_BIN
T=$LR_TMP
F=$LR_FIX/thin
for tool in thin_restore thin_dump python3; do
    command -v $tool > /dev/null 2>&1 || lr_skip "no $tool"
done
gzip -dc "$F/disk.img.gz" > "$T/a.img" || lr_fail "cannot decompress thin/disk.img.gz"
"$S" --json "$T/a.img" > "$T/orig.json" || lr_fail "lvmscan of the fixture exited $?"

sed -e '1s/transaction="3"/transaction="5"/' \
    -e 's/<device dev_id="3" \(.*\) transaction="2"/<device dev_id="3" \1 transaction="4"/' \
    "$F/truth/pool.xml" > "$T/pool.xml"
grep -q '<device dev_id="3" .* transaction="4"' "$T/pool.xml" || lr_fail "pool.xml not rewritten"
truncate -s 4M "$T/meta.bin"
thin_restore -q -i "$T/pool.xml" -o "$T/meta.bin" || lr_fail "thin_restore failed"
thin_dump "$T/meta.bin" | grep -q '<device dev_id="3" .*transaction="4"' ||
    lr_fail "thin_dump does not show device 3 created at transaction 4"
# the metadata LV's two segments (truth/expected: "tmeta offsets")
read -r o1 o2 <<< "$(sed -n 's/^tmeta offsets \([0-9]*\)+[0-9]* \([0-9]*\)+[0-9]*$/\1 \2/p' "$F/truth/expected")"
[ -n "$o1" ] && [ -n "$o2" ] || lr_fail "no tmeta offsets in truth/expected"
dd if="$T/meta.bin" of="$T/a.img" bs=1M count=2 seek=$((o1 / 1048576)) conv=notrunc status=none
dd if="$T/meta.bin" of="$T/a.img" bs=1M skip=2 count=2 seek=$((o2 / 1048576)) conv=notrunc status=none

"$S" --json "$T/a.img" > "$T/reuse.json" || lr_fail "lvmscan exited $?"
"$S" "$T/a.img" > "$T/reuse.txt" || lr_fail "lvmscan exited $?"
python3 - "$T/orig.json" "$T/reuse.json" <<'EOF' || lr_fail "lvmscan's thin LVs"
import json, sys
def thin_lvs(path):
    out = {}
    for v in json.load(open(path))["vgs"][0]["versions"]:
        for p in v.get("thin_pools") or []:
            for t in p["thin_lvs"]:
                out[(v["seqno"], t["lv"])] = t
    return out
orig, reuse = thin_lvs(sys.argv[1]), thin_lvs(sys.argv[2])
assert orig and not any(t["device_reused"] for t in orig.values()), orig
thin3 = [k for k in reuse if k[1] == "thin3"]
assert thin3, reuse
for k, t in reuse.items():
    if k[1] == "thin3":
        assert t["device_reused"] and t["device_created"] == 4, (k, t)
    else:
        assert not t["device_reused"] and t["device_created"] is None, (k, t)
print("device 3 reused in", sorted(s for s, _ in thin3))
EOF
grep -q "thin LV thin3: device 3: NOT this LV's: the pool's device 3 was created at transaction 4, after this LV (transaction 2)" "$T/reuse.txt" ||
    lr_fail "the report does not call thin3's device another LV's"

"$R" --extract thin3 -o "$T/thin3" "$T/a.img" > "$T/x3" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--extract thin3 exited $rc (want 1): $(cat "$T/x3")"
grep -q "thin LV thin3 (created at pool transaction 2) has device_id 3, but thin pool pool's device 3 was created at transaction 4" "$T/x3" ||
    lr_fail "no reason given: $(cat "$T/x3")"
[ -e "$T/thin3" ] && lr_fail "a refused extract made its output"
"$R" --extract thin1 -o "$T/thin1" "$T/a.img" > "$T/x1" 2>&1 || lr_fail "--extract thin1 exited $?: $(cat "$T/x1")"
want=$(sed -n 's/^thin1 .*sha256=\([0-9a-f]*\)$/\1/p' "$F/truth/expected")
[ "$(sha256sum < "$T/thin1" | cut -d' ' -f1)" = "$want" ] || lr_fail "thin1 differs from truth/expected"
echo "PASSED: thin_reuse"
