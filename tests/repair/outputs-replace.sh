#!/usr/bin/env bash
# What lvmrepair may replace (a file it did not make is the user's):
#   - --force accepts warnings and refusals, never an existing file: an
#     existing --output copy or -o file stays refused (exit 1, the hint
#     naming --overwrite) and unchanged;
#   - --overwrite replaces them, and the run names the file it replaced;
#   - never, --overwrite or not, a file an image is read from: a qcow2
#     overlay vm.qcow2 whose backing file is vm.img (qemu-img create -b),
#     restored with --output into its own directory (its copy would be
#     vm.img), exported or extracted to -o vm.img: refused, the backing
#     file unchanged (until 2026-12-07 the copy truncated it while the
#     overlay was read through it, and a stopped run then removed it);
#   - --overwrite with nothing to replace is a usage error (exit 2);
#   - the undo file names the images by absolute path, so that it applies
#     from another directory than the run's.
# fixtures/history (real lvm2: seqno 16 is an lvremove of lv3).
#
# usage: outputs-replace.sh PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline outputs_replace "$1" "$2"
T=$LR_TMP
R=$LR_BIN
gzip -dc "$LR_FIX/history/disk.img.gz" > "$T/disk.img" || lr_fail "cannot decompress history"
sum() { sha256sum < "$1" | cut -d' ' -f1; }

# --force does not replace an existing copy
mkdir "$T/out"
echo "the user's own file" > "$T/out/disk.img"
KEEP=$(sum "$T/out/disk.img")
"$R" --restore seqno=15 --yes --force --output "$T/out" "$T/disk.img" > "$T/force.out" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--force with an existing copy exited $rc (want 1): $(tail -3 "$T/force.out")"
grep -q "exists already (--overwrite replaces it)" "$T/force.out" ||
    lr_fail "the refusal does not name --overwrite: $(tail -3 "$T/force.out")"
[ "$(sum "$T/out/disk.img")" = "$KEEP" ] || lr_fail "--force replaced the existing copy"

# nor an existing -o file
"$R" --export seqno=15 -o "$T/out/disk.img" --force "$T/disk.img" > "$T/force-o.out" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--export -o over a file with --force exited $rc (want 1)"
grep -q "overwrite replaces it" "$T/force-o.out" || lr_fail "export: no --overwrite hint"
[ "$(sum "$T/out/disk.img")" = "$KEEP" ] || lr_fail "--force replaced the -o file"

# --overwrite replaces the copy, saying so
"$R" --restore seqno=15 --yes --overwrite --output "$T/out" "$T/disk.img" > "$T/ow.out" 2>&1 ||
    lr_fail "--overwrite exited $?: $(tail -3 "$T/ow.out")"
grep -q "replacing the file of 20 bytes there (--overwrite)" "$T/ow.out" ||
    lr_fail "the replaced file is not named: $(grep copied "$T/ow.out")"
[ "$(stat -c %s "$T/out/disk.img")" = "$(stat -c %s "$T/disk.img")" ] ||
    lr_fail "the copy was not made over the old file"

# --overwrite alone (no -o, no --output): usage error
"$R" --restore seqno=15 --dry-run --overwrite "$T/disk.img" > "$T/usage.out" 2>&1
rc=$?
[ $rc = 2 ] || lr_fail "--overwrite without -o or --output exited $rc (want 2)"

# the undo file names its images by absolute path: it is applied from
# another directory (a run given relative paths)
mkdir -p "$T/rel/out2"
cp "$T/disk.img" "$T/rel/disk.img"
(cd "$T/rel" && "$R" --restore seqno=15 --yes --output out2 disk.img > ../rel.out 2>&1) ||
    lr_fail "restore with relative paths exited $?: $(tail -2 "$T/rel.out")"
U=$(ls "$T"/rel/out2/disk.img.lvmrepair-undo-*)
(cd / && "$R" --apply-undo "$U" --dry-run > "$T/undo-dry.out" 2>&1) ||
    lr_fail "--apply-undo from / exited $?: $(tail -2 "$T/undo-dry.out")"
(cd / && "$R" --apply-undo "$U" --yes > "$T/undo.out" 2>&1) ||
    lr_fail "--apply-undo from / exited $?: $(tail -2 "$T/undo.out")"
cmp -s "$T/rel/out2/disk.img" "$T/disk.img" || lr_fail "the undo did not put the copy back"

# a backing file is never replaced
if ! command -v qemu-img > /dev/null 2>&1; then
    echo "SKIPPED: outputs_replace: the backing-file cases (no qemu-img)"
    echo "PASSED: outputs_replace (without them)"
    exit 0
fi
mkdir "$T/vm"
cp "$T/disk.img" "$T/vm/vm.img"
qemu-img create -q -f qcow2 -b vm.img -F raw "$T/vm/vm.qcow2" || lr_fail "qemu-img create failed"
B0=$(sum "$T/vm/vm.img")
Q0=$(sum "$T/vm/vm.qcow2")
if ! "$R" --export seqno=15 -o "$T/vm/x.vg" "$T/vm/vm.qcow2" > /dev/null 2>&1; then
    echo "SKIPPED: outputs_replace: the backing-file cases (this build does not read qcow2)"
    echo "PASSED: outputs_replace (without them)"
    exit 0
fi
"$R" --restore seqno=15 --yes --overwrite --output "$T/vm" "$T/vm/vm.qcow2" > "$T/bk.out" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--output onto the backing file exited $rc (want 1): $(tail -2 "$T/bk.out")"
grep -q "the copy would replace a file .*vm.qcow2 is read from" "$T/bk.out" ||
    lr_fail "no reason given: $(tail -2 "$T/bk.out")"
for mode in "--export seqno=15" "--extract lv1 --seqno 15"; do
    # shellcheck disable=SC2086
    "$R" $mode -o "$T/vm/vm.img" --overwrite "$T/vm/vm.qcow2" > "$T/bk2.out" 2>&1
    rc=$?
    [ $rc = 1 ] || lr_fail "$mode -o the backing file exited $rc (want 1)"
    grep -q "a file they are read from" "$T/bk2.out" || lr_fail "$mode: no reason given"
done
[ "$(sum "$T/vm/vm.img")" = "$B0" ] || lr_fail "the backing file vm.img was changed"
[ "$(sum "$T/vm/vm.qcow2")" = "$Q0" ] || lr_fail "the overlay vm.qcow2 was changed"
echo "PASSED: outputs_replace"
