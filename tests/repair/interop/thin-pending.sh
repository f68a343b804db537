#!/usr/bin/env bash
# A thin LV removed by real lvremove while its pool is not active (LVM2
# queues the delete: the pool's transaction_id goes one above the pool
# metadata's, a message1 { delete = ... } in its segment) is no mismatch:
# LVM2 sends queued messages at the next activation when the metadata is
# exactly one transaction behind. On fixtures/thin (pool metadata at
# transaction 3): lvmscan shows the new version's pool without "mismatch",
# with its queued message (JSON messages 1), and a restore of that version
# (or of seqno 3) has no mismatch note; seqno 2 (transaction_id 2) still is
# one. Until 2026-12-07 the lvremove's own version was called a mismatch
# that LVM2 would refuse to activate.
#
# usage: thin-pending.sh PATH/TO/lvmscan PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init thin_pending "$2" "$3"
S=$1
R=$LR_BIN
T=$LR_TMP
lr_fixture thin
lr_attach "$T/work/disk.img"
# without device-mapper LVM2 cannot activate the pool to send the delete:
# it says so and exits non-zero, having committed the queued message
lr_lvm lvremove -y thinvg/thin3
seq=$(lr_vg_seqno thinvg)
[ "$seq" = 4 ] || lr_fail "lvremove left seqno '$seq' (want 4)"
lr_lvm lvs --noheadings -o transaction_id thinvg/pool
tx=$(printf '%s\n' "$LR_OUT" | grep -v -i warning | tr -d ' ' | grep -E '^[0-9]+$' | head -1)
[ "$tx" = 4 ] || lr_fail "LVM2's pool transaction_id is '$tx' (want 4: one above the metadata's 3)"
lr_detach_all
thin_dump_tx=3

"$S" --json "$T/work/disk.img" > "$T/scan.json" || lr_fail "lvmscan exited $?"
"$S" "$T/work/disk.img" > "$T/scan.txt" || lr_fail "lvmscan exited $?"
python3 - "$T/scan.json" "$thin_dump_tx" <<'EOF' || lr_fail "lvmscan's pools"
import json, sys
meta = int(sys.argv[2])
pools = {v["seqno"]: v["thin_pools"][0] for v in json.load(open(sys.argv[1]))["vgs"][0]["versions"]
         if v.get("thin_pools")}
p4 = pools[4]
assert p4["transaction_id"] == 4 and p4["pool_transaction_id"] == meta, p4
assert not p4["mismatch"] and p4["messages"] == 1, p4
assert not pools[3]["mismatch"] and pools[3]["messages"] == 0, pools[3]
assert pools[2]["mismatch"], pools[2]
print("seqno 4: 1 message queued, no mismatch; seqno 2 a mismatch")
EOF
grep -q "thin pool pool: transaction_id 4, pool metadata 3 (1 message queued, which LVM2 sends at the next activation)" "$T/scan.txt" ||
    lr_fail "the report does not say the message is queued: $(grep 'thin pool' "$T/scan.txt" | head -3)"
for n in 4 3; do
    "$R" --restore seqno=$n --dry-run "$T/work/disk.img" > "$T/plan$n" 2>&1 || lr_fail "dry run of seqno $n exited $?"
    grep -q "mismatch" "$T/plan$n" && lr_fail "seqno $n: a mismatch note: $(grep mismatch "$T/plan$n")"
done
"$R" --restore seqno=2 --dry-run "$T/work/disk.img" > "$T/plan2" 2>&1 || lr_fail "dry run of seqno 2 exited $?"
grep -q "versions with the metadata's transaction_id: seqno 4, 3$\|version with the metadata's transaction_id" "$T/plan2" ||
    lr_fail "seqno 2's note: $(grep -i transaction "$T/plan2")"
echo "PASSED: thin_pending"
