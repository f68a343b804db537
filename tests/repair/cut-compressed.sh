#!/usr/bin/env bash
# A compressed image cut short (a copy or a download that stopped): gzip,
# xz and zstd themselves compress fixtures/backup/disk.img (real lvm2; its
# ring holds seqno 21..46, truth/pvck) and the file is cut at half its
# size. lvmrepair reads it as far as it decompresses, as lvmscan does:
#   - --export of seqno 46 (in the ring, in the part that decompresses)
#     exits 0, warns naming the image and that it is not readable whole,
#     and writes the VG section LVM2 itself wrote for seqno 46
#     (truth/backup/hbkvg, compared token by token: comments and layout
#     differ);
#   - --diff of seqno 45 and 46 exits 0 and says what the raw image's
#     diff says;
#   - --restore (even to --output) exits 2 naming the image and why (a
#     restore writes a whole copy of the image), and writes nothing.
# Each tool missing: SKIPPED by name.
#
# usage: cut-compressed.sh PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline cut_compressed "$1" "$2"
T=$LR_TMP
R=$LR_BIN
FX=$LR_FIX/backup
gzip -dc "$FX/disk.img.gz" > "$T/disk.img" || lr_fail "cannot decompress $FX/disk.img.gz"
grep -q "seqno 46" "$FX/truth/pvck" || lr_fail "truth/pvck lists no seqno 46"
"$R" --diff seqno=45 seqno=46 "$T/disk.img" > "$T/raw.diff" 2>&1 || lr_fail "diff of the raw image exited $?"
ran=0
for tool in gzip xz zstd; do
    if ! command -v $tool > /dev/null 2>&1; then
        echo "SKIPPED: cut_compressed $tool (not installed)"
        continue
    fi
    ext=$([ $tool = gzip ] && echo gz || ([ $tool = xz ] && echo xz) || echo zst)
    img=$T/cut.img.$ext
    $tool -c < "$T/disk.img" > "$T/full.$ext" || lr_fail "$tool failed"
    head -c $(($(stat -c %s "$T/full.$ext") / 2)) "$T/full.$ext" > "$img"
    # the tool's own view: the cut decodes past the ring, not to the end
    got=$($tool -dc < "$img" 2> /dev/null | wc -c)
    [ "$got" -gt 65536 ] && [ "$got" -lt "$(stat -c %s "$T/disk.img")" ] ||
        lr_fail "$tool: the cut decodes $got bytes (want past the ring, short of the image)"

    rm -f "$T/e.vg"
    "$R" --export seqno=46 -o "$T/e.vg" "$img" > "$T/out" 2> "$T/err" ||
        lr_fail "$tool: --export of a cut image exited $? ($(cat "$T/err"))"
    grep -q "cut.img.$ext is not readable whole" "$T/err" ||
        lr_fail "$tool: --export does not warn that the image is not readable whole ($(cat "$T/err"))"
    python3 - "$T/e.vg" "$FX/truth/backup/hbkvg" <<'EOF' || lr_fail "$tool: the export is not LVM2's seqno 46"
import re, sys
def section(path):
    t = re.sub(r"#[^\n]*", "", open(path).read())
    t = t[t.index("hbkvg {"):]
    depth = 0
    for i, ch in enumerate(t):  # no braces inside this VG's strings
        depth += (ch == "{") - (ch == "}")
        if ch == "}" and depth == 0:
            return t[:i + 1].split()
ours, lvm = section(sys.argv[1]), section(sys.argv[2])
assert ours == lvm, [(a, b) for a, b in zip(ours, lvm) if a != b][:5]
EOF

    "$R" --diff seqno=45 seqno=46 "$img" > "$T/cut.diff" 2> "$T/err" ||
        lr_fail "$tool: --diff of a cut image exited $? ($(cat "$T/err"))"
    cmp -s <(grep -v "not readable whole\|WARNING" "$T/raw.diff") "$T/cut.diff" ||
        lr_fail "$tool: the diff differs from the raw image's: $(diff "$T/raw.diff" "$T/cut.diff")"

    rm -rf "$T/copies"
    mkdir "$T/copies"
    "$R" --restore seqno=45 --yes --output "$T/copies" --undo "$T/u.undo" "$img" > "$T/out" 2> "$T/err"
    rc=$?
    [ $rc = 2 ] || lr_fail "$tool: --restore of a cut image exited $rc, want 2 ($(cat "$T/out" "$T/err"))"
    grep -q "cut.img.$ext" "$T/err" && grep -q "decompresses only in part\|truncated" "$T/err" ||
        lr_fail "$tool: the refusal does not name the image and why: $(cat "$T/err")"
    [ -z "$(ls -A "$T/copies")" ] && [ ! -e "$T/u.undo" ] || lr_fail "$tool: the refused restore wrote"
    ran=$((ran + 1))
done
# A qcow2 cut short inside the clusters it maps (qemu-img convert, then
# truncate): the bytes its map places past the file's end are unreadable,
# named (an --extract wrote them as zeros, the LV's data, exit 0, until
# 2026-12-07, and with a warning until 2026-12-08): the export goes on
# with a warning that names them.
if command -v qemu-img > /dev/null 2>&1; then
    qemu-img convert -f raw -O qcow2 "$T/disk.img" "$T/cut.qcow2" || lr_fail "qemu-img convert failed"
    truncate -s $(($(stat -c %s "$T/cut.qcow2") - 70000)) "$T/cut.qcow2"
    "$R" --export seqno=46 -o "$T/q.vg" "$T/cut.qcow2" > "$T/out" 2> "$T/err" ||
        lr_fail "qcow2: --export of a cut image exited $? ($(cat "$T/err"))"
    grep -q "WARNING: .*cut.qcow2 is not readable whole (.*are unreadable: the qcow file .*cut.qcow2 ends (at byte $(stat -c %s "$T/cut.qcow2")) before the end of the data its map places at bytes .*: it was cut short)" "$T/err" ||
        lr_fail "qcow2: lvmrepair does not warn that the file was cut short ($(cat "$T/err"))"
    # an LV whose bytes lie past the cut is not extracted, saying so, and
    # leaves no file (each LV of the VG's backup file tried)
    lost=0
    for lv in $(sed -n '/^\tlogical_volumes {/,$s/^\t\t\([A-Za-z0-9_.+-]*\) {$/\1/p' "$LR_FIX/backup/truth/backup/hbkvg"); do
        rm -f "$T/lv.out"
        "$R" --extract "$lv" -o "$T/lv.out" "$T/cut.qcow2" > /dev/null 2> "$T/err" && continue
        grep -q "LV $lv not extracted: nothing written to $T/lv.out" "$T/err" && [ ! -e "$T/lv.out" ] ||
            lr_fail "qcow2: --extract $lv failed without saying nothing was written ($(cat "$T/err"))"
        lost=$((lost + 1))
    done
    [ $lost -gt 0 ] || lr_fail "qcow2: no LV lies past the cut"
    ran=$((ran + 1))
else
    echo "SKIPPED: cut_compressed qcow2 (no qemu-img)"
fi
[ $ran -gt 0 ] || lr_skip "no gzip, xz or zstd"
echo "PASSED: cut_compressed ($ran formats)"
