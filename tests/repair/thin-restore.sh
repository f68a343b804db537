#!/bin/bash
# Restoring a version whose thin pool transaction_id differs from the pool
# metadata's (fixtures/thin seqno 2 says 2; thin_check says the metadata
# holds 3): the plan's notes say mismatch, explain it and name seqno 3 (the
# version that matches); --yes refuses (exit 1, nothing written) unless
# --force; seqno 3 restores without a word about it.
# Usage: thin-restore.sh LVMREPAIR FIXTURES
set -u
R=$1
F=$2/thin
source "$(dirname "$0")/../support/interop.sh"
lr_init_scratch thin_restore
T=$LR_TMP
gzip -dc "$F/disk.img.gz" > "$T/a.img"
cp "$T/a.img" "$T/orig.img"

"$R" --restore seqno=2 --dry-run "$T/a.img" > "$T/plan" 2>&1 || lr_fail "dry run: exit $?"
grep -q "thin pool pool: this version's transaction_id 2 differs from the pool metadata's 3 (mismatch): LVM2 will refuse to activate" "$T/plan" \
    || lr_fail "no mismatch note: $(cat "$T/plan")"
grep -q "version with the metadata's transaction_id: seqno 3$" "$T/plan" || lr_fail "matching version not named"

"$R" --restore seqno=2 --yes --undo "$T/u1" "$T/a.img" > "$T/out" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--yes: exit $rc, expected 1: $(tail -3 "$T/out")"
grep -q "transaction_id mismatch.*nothing written (--force to go on anyway)" "$T/out" \
    || lr_fail "--yes refusal: $(tail -3 "$T/out")"
cmp -s "$T/a.img" "$T/orig.img" || lr_fail "--yes refusal wrote to the image"

"$R" --restore seqno=3 --yes --undo "$T/u2" "$T/a.img" > "$T/out3" 2>&1 || lr_fail "seqno 3: exit $?: $(tail -3 "$T/out3")"
grep -q "mismatch" "$T/out3" && lr_fail "seqno 3 matches the pool metadata but says mismatch"

"$R" --restore seqno=2 --yes --force --undo "$T/u3" "$T/a.img" > "$T/out2" 2>&1 || lr_fail "--force: exit $?: $(tail -3 "$T/out2")"
echo "thin-restore: ok"
