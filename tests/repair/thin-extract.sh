#!/bin/bash
# lvmrepair --extract of thin LVs on fixtures/thin (made by vgcfgrestore and
# thin_restore, fixtures/make-thin.sh): the bytes equal the sha256 that
# make-thin.sh computed in python from the mapping it gave thin_restore and
# the pattern it wrote (truth/expected); unmapped blocks are holes; the
# damaged image's bad node is named by block number, what it held is lost
# and said so (exit 1), the rest is still exact; a version whose pool
# transaction_id differs from the metadata's says "mismatch"; the pool
# itself is refused by its segment type.
# Usage: thin-extract.sh LVMREPAIR FIXTURES
set -u
R=$1
F=$2/thin
source "$(dirname "$0")/../support/interop.sh"
lr_init_scratch thin_extract
T=$LR_TMP
exp() { sed -n "s/.*$1=\([0-9a-f]*\).*/\1/p" <<<"$(grep "$2" "$F/truth/expected")"; }

for lv in thin1 thin2 thin3; do
    "$R" --extract $lv -o "$T/$lv" "$F/disk.img.gz" 2>"$T/$lv.err" || lr_fail "$lv: exit $?: $(cat "$T/$lv.err")"
    got=$(sha256sum < "$T/$lv" | cut -d' ' -f1)
    [ "$got" = "$(exp sha256 "^$lv ")" ] || lr_fail "$lv: sha256 $got, expected $(exp sha256 "^$lv ")"
    grep -q "device $(exp dev_id "^$lv ") of pool pool" "$T/$lv.err" || lr_fail "$lv: device id not reported"
    grep -q ": $(exp mapped "^$lv ") mapped, highest block $(exp highest "^$lv ")" "$T/$lv.err" \
        || lr_fail "$lv: mapped/highest not reported: $(cat "$T/$lv.err")"
    grep -q "$(sed -n "s/.*$lv=\([0-9]*\).*/\1/p" <<<"$(grep ^shared "$F/truth/expected")") shared" \
        "$T/$lv.err" || lr_fail "$lv: shared blocks not reported"
    grep -q mismatch "$T/$lv.err" && lr_fail "$lv: seqno 3 matches the pool but says mismatch"
done
# thin1 maps 7 blocks of 64 KiB: the rest of its 16 MiB are holes
used=$(( $(stat -c %b "$T/thin1") * $(stat -c %B "$T/thin1") ))
[ "$used" -le $((16 * 65536)) ] || lr_fail "thin1: $used bytes allocated, unmapped blocks are not holes"

# Damaged leaf: named by block; the first leaf's blocks still exact, the rest zeros.
blk=$(exp damaged_block damaged_block)
first=$(exp first_key damaged_block)
"$R" --extract thin3 -o "$T/d3" "$F/damaged.img.gz" 2>"$T/d3.err"
rc=$?
[ $rc = 1 ] || lr_fail "damaged thin3: exit $rc, expected 1 (incomplete): $(cat "$T/d3.err")"
grep -q "mapping btree of device 3, node at block $blk: checksum" "$T/d3.err" \
    || lr_fail "damaged node not named by block $blk: $(cat "$T/d3.err")"
grep -q "blocks $first and up lost" "$T/d3.err" || lr_fail "lost range not reported"
grep -q "incomplete" "$T/d3.err" || lr_fail "no warning that the output is incomplete"
cmp -n $((first * 65536)) "$T/d3" "$T/thin3" || lr_fail "damaged thin3: readable part differs"
cmp -s -i $((first * 65536)):0 -n $(((512 - first) * 65536)) "$T/d3" /dev/zero \
    || lr_fail "damaged thin3: lost part is not zeros"

# seqno 2: LVM2 says transaction 2, the pool metadata 3
"$R" --extract thin1 --seqno 2 -o "$T/s2" "$F/disk.img.gz" 2>"$T/s2.err" || lr_fail "seqno 2: $(cat "$T/s2.err")"
grep -q "metadata transaction 3, LVM2's 2: mismatch" "$T/s2.err" || lr_fail "no mismatch: $(cat "$T/s2.err")"
cmp "$T/s2" "$T/thin1" || lr_fail "seqno 2 thin1 differs"

# the pool and its sub-LVs' types are named
"$R" --extract pool -o "$T/p" "$F/disk.img.gz" 2>"$T/p.err"
[ $? = 1 ] && grep -q "thin-pool" "$T/p.err" || lr_fail "pool not refused by type: $(cat "$T/p.err")"
[ ! -e "$T/p" ] || lr_fail "refused extract left a file"
echo "thin-extract: ok"
