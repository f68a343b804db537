#!/usr/bin/env bash
# Hostile use of the programs (issue 17), each case built from its
# reproduction; every refusal leaves every file byte-identical:
#   1. --log, --undo, -o naming (by path, symlink or hard link) an image,
#      the undo file or another output: exit 2, nothing written;
#   2. a label and header with valid checksums (computed here by an
#      independent python CRC) listing a 30 MiB metadata area at 4096, over
#      pe_start (1 MiB) and lv1: lvmrepair --restore and mlvm create refuse,
#      nothing written;
#   4. a FIFO given as an image or undo file: every program answers at once
#      (exit 2), no hang;
#   5. an option value that is the next option (--undo --dry-run): exit 2,
#      nothing written, in lvmrepair, lvmtui and mlvm (--opt=VALUE works);
#   7. file names with escape sequences are printed escaped;
#   8. --apply-undo with another image names that image; a header-only undo
#      file says it names 0 images.
# Needs no root. usage: hostile-cli.sh BIN_DIR FIXTURES_DIR (BIN_DIR holds
# lvmrepair, lvmscan, lvmtui and mlvm)
set -u
NAME=hostile_cli
BIN=$1
FIX=$2
SRC=$(cd "$(dirname "$0")/../.." && pwd) # the checkout: tests/support/craft_mda.py
fail() {
    echo "FAILED: $NAME: $*" >&2
    exit 1
}
for p in lvmrepair lvmscan lvmtui mlvm; do [ -x "$BIN/$p" ] || fail "$BIN/$p not built"; done
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: $NAME (no python3)"; exit 77; }
command -v timeout >/dev/null 2>&1 || { echo "SKIPPED: $NAME (no timeout)"; exit 77; }
T=$(mktemp -d /tmp/lr-hostile-cli.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT
cd "$T" || fail "cd"

# run WANT PROG ARGS...: output in OUT; a hang (10 s) fails
run() {
    local want=$1 prog=$2
    shift 2
    OUT=$(timeout 10 "$BIN/$prog" "$@" 2>&1 </dev/null)
    local rc=$?
    [ $rc -ne 124 ] || fail "$prog $*: hangs"
    [ $rc -eq "$want" ] || fail "$prog $*: exit $rc, expected $want; output: $OUT"
}
has() { printf '%s\n' "$OUT" | grep -q -- "$1" || fail "output lacks '$1': $OUT"; }
hash() { sha256sum "$1" | cut -d' ' -f1; }
same() { [ "$(hash "$1")" = "$2" ] || fail "$1 changed"; }

gzip -dc "$FIX/history/disk.img.gz" >a.img
H=$(hash a.img)

# ---- 1. outputs that are an image, the undo file or each other
run 2 lvmrepair --restore seqno=5 --yes --log a.img a.img
has "the log a.img is the same file as the image a.img"
same a.img "$H"
run 2 lvmrepair --restore seqno=5 --yes --undo u --log u a.img
has "the log u is the same file as the undo file u"
[ ! -e u ] || fail "an undo file was made"
ln -s a.img link.img
ln a.img hard.img
run 2 lvmrepair --restore seqno=5 --yes --log link.img a.img
run 2 lvmrepair --restore seqno=5 --yes --undo hard.img a.img
run 2 lvmrepair --export seqno=5 -o ./link.img a.img
run 2 lvmrepair --extract lv1 --seqno 5 -o hard.img a.img
same a.img "$H"
rm -f link.img hard.img
run 0 lvmrepair --restore seqno=5 --yes --undo hu a.img
run 2 lvmrepair --apply-undo hu --yes --log a.img
# the image as the undo file names it: its absolute path
has "the log a.img is the same file as the image $PWD/a.img"
run 2 lvmrepair --apply-undo hu --yes --log ./hu
has "is the same file as the undo file"
run 0 lvmrepair --apply-undo hu --yes
same a.img "$H"
# with --output the default undo file goes next to the copy, not the image
mkdir out
run 0 lvmrepair --restore seqno=5 --yes --output out a.img
ls out/a.img.lvmrepair-undo-* >/dev/null 2>&1 || fail "no undo file next to the copy"
ls a.img.lvmrepair-undo-* >/dev/null 2>&1 && fail "an undo file next to the original"
same a.img "$H"
rm -rf out
echo "$NAME: outputs over images, undo files and other outputs refused"

# ---- 2. a metadata area listed over the data
cp a.img crafted.img
# the generator shared with the fuzz seeds (tests/fuzz/make-seeds.py)
python3 "$SRC/tests/support/craft_mda.py" crafted.img || fail "cannot craft the image"
HC=$(hash crafted.img)
run 0 lvmscan crafted.img
run 1 lvmrepair --restore seqno=15 --yes crafted.img
has "no metadata area"
run 1 lvmrepair --restore seqno=15 --yes --force crafted.img
run 1 mlvm create crafted.img newlv --size 4m
has "runs over the PV's data"
same crafted.img "$HC"
ls crafted.img.lvmrepair-undo-* >/dev/null 2>&1 && fail "an undo file was made"
echo "$NAME: a metadata area over pe_start is never written"

# ---- 4. FIFOs
mkfifo f
run 2 lvmscan f
has "not a regular file or block device"
run 2 lvmrepair --restore seqno=5 --dry-run f
run 2 lvmrepair --apply-undo f --dry-run
run 2 lvmtui f
run 2 mlvm read f
run 2 mlvm create f x
echo "$NAME: FIFOs refused at once"

# ---- 5. option values that are the next option
run 2 lvmrepair --restore seqno=5 --undo --dry-run --yes a.img
has "needs a value"
[ ! -e ./--dry-run ] || fail "the undo file --dry-run was made"
run 2 lvmrepair --restore seqno=5 --log --yes --dry-run a.img
run 2 lvmtui --script --help a.img
run 2 mlvm create a.img x --undo --size 4m
same a.img "$H"
run 0 lvmrepair --restore seqno=5 --undo=--x --dry-run a.img
echo "$NAME: option values that are options refused"

# ---- 7. escape sequences in file names
E=$(printf 'esc\033[31mred.img')
cp a.img "$E"
for cmd in "lvmrepair --restore seqno=5 --dry-run" "lvmscan" "mlvm read" \
    "lvmrepair --diff seqno=4 seqno=5" "lvmrepair --restore seqno=5 --log $E --yes"; do
    OUT=$(timeout 10 $BIN/$cmd "$E" 2>&1 </dev/null)
    case $OUT in *$'\033'*) fail "$cmd: printed an escape character" ;; esac
done
rm -f "$E"
run 2 lvmrepair --restore seqno=5 --undo "$(printf 'u\033]0;x\007')" --dry-run missing.img
case $OUT in *$'\033'* | *$'\007'*) fail "a control character was printed" ;; esac
echo "$NAME: control characters in names printed escaped"

# ---- 8. messages about the right file
run 0 lvmrepair --restore seqno=5 --yes --undo u8 a.img
cp a.img other.img
truncate -s +512 other.img
run 2 lvmrepair --apply-undo u8 --yes other.img
has "other.img"
printf '%s\n' "$OUT" | grep -q "a.img" && fail "names the recorded a.img: $OUT"
run 0 lvmrepair --apply-undo u8 --yes
same a.img "$H"
head -c 64 u8 >h.undo
run 2 lvmrepair --apply-undo h.undo --dry-run a.img
has "names 0 image(s)"
echo "$NAME: messages name the right file"
echo "$NAME: passed"
