#!/usr/bin/env bash
# lvmrepair's command line: options, messages, exit status (0 success,
# 1 refused, 2 usage or I/O error, 5 declined), and that nothing is written
# unless asked: dry runs, refusals and declined confirmations leave every
# image byte-identical. Needs no root (files only).
#
# usage: restore-cli.sh LVMREPAIR FIXTURES_DIR LVMREPAIR_FAULT
set -u
NAME=restore_cli
BIN=$1
FIX=$2
FAULT_BIN=${3:-} # lvmrepair built with the test fault layer (tests/support/lvmrepair_fault.c)
fail() {
    echo "FAILED: $NAME: $*" >&2
    exit 1
}
[ -x "$BIN" ] || fail "$BIN not built"
[ -x "$FAULT_BIN" ] || fail "lvmrepair_fault '$FAULT_BIN' not built"
command -v sha256sum >/dev/null 2>&1 || {
    echo "SKIPPED: $NAME (no sha256sum)"
    exit 77
}
T=$(mktemp -d /tmp/lr-restore-cli.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT

# run EXPECTED_STATUS ARGS...: output in OUT.
run() {
    local want=$1
    shift
    OUT=$("$BIN" "$@" 2>&1 </dev/null)
    local rc=$?
    [ $rc -eq "$want" ] || fail "lvmrepair $*: exit $rc, expected $want; output: $OUT"
}
has() {
    printf '%s\n' "$OUT" | grep -q -- "$1" || fail "output lacks '$1': $OUT"
}
hash() { sha256sum "$1" | cut -d' ' -f1; }

gzip -dc "$FIX/history/disk.img.gz" >"$T/disk.img"
H0=$(hash "$T/disk.img")
GZ=$FIX/history/disk.img.gz
GZH=$(hash "$GZ")

# ---- usage
run 0 --help
has "Usage:"
has "--restore seqno=N"
run 0 --version
has "lvmrepair "
run 2
has "exactly one of"
run 2 --restore seqno=15
has "no IMAGE"
run 2 --restore seqno=x "$T/disk.img"
has "seqno=N"
run 2 --restore seqno=15 --diff seqno=1 seqno=2 "$T/disk.img"
run 2 --restore seqno=15 --json "$T/disk.img"
run 2 --diff seqno=1 "$T/disk.img"
has "two versions"
run 2 --restore seqno=15 --crc zz "$T/disk.img"
run 2 --bogus
run 2 --extract lv1 "$T/disk.img"
has "needs -o"
run 2 --restore seqno=15 "$T/nonexistent.img"
has "cannot open"
run 2 --restore seqno=15 --output "$T/nodir" "$T/disk.img"
has "nodir: no such directory"
run 2 --restore seqno=15 --output "$T/disk.img" "$T/disk.img"
has "disk.img: not a directory"
# A version is seqno=N (or seqno=N:crc=0xCRC); a bare number is refused with
# a hint, for every mode that takes one.
run 2 --restore 15 "$T/disk.img"
has "did you mean --restore seqno=15"
run 2 --export 15 "$T/disk.img"
has "did you mean --export seqno=15"
run 2 --diff 15 seqno=16 "$T/disk.img"
run 2 --diff seqno=15 16 "$T/disk.img"
run 2 --restore seqno=15:crc=zz "$T/disk.img"
run 2 --diff seqno=15 seqno=16 --crc 0x1 "$T/disk.img"
has "seqno=N:crc=0xCRC"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "usage errors changed the image"
echo "ok: usage errors exit 2 and write nothing"

# ---- refusals
run 1 --restore seqno=99 "$T/disk.img"
has "no version with seqno 99"
run 1 --restore seqno=15 --vg nosuchvg "$T/disk.img"
run 1 --restore seqno=5 "$GZ" "$FIX/label-zeroed/disk.img.gz"
has "choose one with --vg NAME|UUID"
has "Candidates:"
run 1 --restore seqno=9 --vg vg3 "$FIX/three-pv/pv1.img.gz" "$FIX/three-pv/pv2.img.gz"
has "not among the images"
has "(give every image of the VG or --force to go on anyway)"
run 1 --restore seqno=15 --yes "$GZ"
has "use --output DIR"
# The dry run of the same says the real run needs copies (exit 0: shown).
run 0 --restore seqno=15 --dry-run "$GZ"
has "Dry run: nothing written."
has "Writing it needs repaired copies (--output DIR): $GZ is a gzip image and cannot be written in place."
mkdir -p "$T/dryout"
run 0 --restore seqno=15 --dry-run --output "$T/dryout" "$GZ"
printf '%s\n' "$OUT" | grep -q "Writing it needs" && fail "the --output dry run asks for copies"
[ "$(hash "$GZ")" = "$GZH" ] || fail "the fixture changed"
# Without a terminal, writing needs --yes.
run 1 --restore seqno=15 "$T/disk.img"
has "confirm with --yes"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "a refusal changed the image"
echo "ok: refusals exit 1 and write nothing"

# ---- dry run
for opt in --dry-run -n --test; do
    run 0 --restore seqno=15 $opt "$T/disk.img"
    has "Dry run: nothing written"
done
has "LV lv3 comes back"
has "new copy: seqno 17"
has "Writes, in this order (2 writes"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "a dry run changed the image"
ls "$T" | grep -q lvmrepair-undo && fail "a dry run left an undo file"
echo "ok: --dry-run/-n/--test show the plan and write nothing"

# ---- declined on a terminal: end of input means no (exit 5), and so does
# "y": the one confirmation rule (lvmrepair and lvmtui) is the word yes
if command -v python3 >/dev/null 2>&1; then
    for answer in eof y; do
    rc=$(python3 - "$BIN" "$T/disk.img" "$answer" <<'EOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--restore", "seqno=15", sys.argv[2]])
out = b""
sent = False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if b"[yes/N]" in out and not sent:
        sent = True
        os.write(fd, b"\x04" if sys.argv[3] == "eof" else b"y\n")
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
EOF
)
    [ "$rc" = 5 ] || fail "answer '$answer' at the prompt: exit $rc, expected 5"
    [ "$(hash "$T/disk.img")" = "$H0" ] || fail "a declined restore changed the image"
    done
    echo "ok: end of input or 'y' at the prompt declines (exit 5), nothing written"
else
    echo "note: python3 missing, prompt test not run"
fi

# ---- restore with --undo and --log, then --apply-undo
run 0 --restore seqno=15 --yes --undo "$T/u1" --log "$T/log" "$T/disk.img"
has "undo file: $T/u1"
has "verified"
grep -q "command: .*--restore seqno=15" "$T/log" || fail "log lacks the command"
grep -q "write 2: .* mda header crc_before 0x[0-9a-f]* crc_after 0x[0-9a-f]* written" "$T/log" ||
    fail "log lacks the written ranges: $(cat "$T/log")"
H1=$(hash "$T/disk.img")
[ "$H1" != "$H0" ] || fail "the restore wrote nothing"
# An existing undo file is never overwritten: a refusal (exit 1), made
# before the plan is shown, not even --force overrides it; and no "undo
# file:" line names a file this run did not make.
run 1 --restore seqno=14 --yes --undo "$T/u1" "$T/disk.img"
has "never overwritten"
printf '%s\n' "$OUT" | grep -q "undo file: " && fail "a refused run named an undo file: $OUT"
run 1 --restore seqno=14 --yes --force --undo "$T/u1" "$T/disk.img"
[ "$(hash "$T/disk.img")" = "$H1" ] || fail "a refused restore changed the image"
run 0 --apply-undo "$T/u1" --dry-run
has "as the run left it"
[ "$(hash "$T/disk.img")" = "$H1" ] || fail "--apply-undo --dry-run wrote"
run 1 --apply-undo "$T/u1"
has "confirm with --yes"
run 0 --apply-undo "$T/u1" --yes --log "$T/log"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "--apply-undo did not restore the original bytes"
grep -q "original bytes restored" "$T/log" || fail "apply-undo not logged"
echo "ok: restore, log, undo file, --apply-undo"

# The default undo file goes next to the (first) image, name printed.
run 0 --restore seqno=15 --yes "$T/disk.img"
undo=$(printf '%s\n' "$OUT" | sed -n 's/^lvmrepair: undo file: //p')
case "$undo" in "$T"/disk.img.lvmrepair-undo-*) ;; *) fail "default undo file '$undo'" ;; esac
[ -f "$undo" ] || fail "no undo file $undo"
# A further change in a saved range: refused, then forced.
printf 'X' | dd of="$T/disk.img" bs=1 seek=4200 conv=notrunc status=none
run 1 --apply-undo "$undo" --yes
has "CHANGED since the run"
# ...saying which range changed, how many bytes, and that forcing also
# undoes the later write, not only the run
has "range(s) 2 above (1 range(s), 512 bytes) were written again after the run"
has "ALSO undo that later write"
[ "$(hash "$T/disk.img")" != "$H0" ] || fail "a refused --apply-undo wrote"
run 0 --apply-undo "$undo" --yes --force
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "forced --apply-undo did not restore"
echo "ok: default undo file; --apply-undo refuses a changed image unless --force"

# ---- --output: repaired copies, originals untouched (also from .gz)
mkdir "$T/out"
# the plan names the copy as the target of every write, never the original
run 0 --restore seqno=15 --dry-run --output "$T/out" "$GZ"
has "1. $T/out/disk.img bytes"
has "2. $T/out/disk.img bytes"
printf '%s\n' "$OUT" | grep -q "disk.img.gz bytes" && fail "the --output plan names the original"
run 0 --restore seqno=15 --yes --output "$T/out" "$GZ"
[ "$(hash "$GZ")" = "$GZH" ] || fail "--output changed the original"
[ -f "$T/out/disk.img" ] || fail "no copy in --output"
alloc=$(du -k "$T/out/disk.img" | cut -f1)
[ "$alloc" -lt 4096 ] || fail "the copy is not sparse ($alloc KiB allocated)"
run 0 --restore seqno=14 --dry-run "$T/out/disk.img"
has "highest seqno of vg0 seen anywhere: 17"
run 1 --restore seqno=15 --yes --output "$T/out" "$GZ"
has "exists already"
has "--overwrite"
echo "ok: --output writes sparse repaired copies; originals untouched"

# ---- diff / export / extract
run 0 --diff seqno=15 seqno=16 "$GZ"
has "lv3"
run 0 --diff seqno=15 seqno=16 --json "$GZ"
has '"changes"'
run 0 --export seqno=15 "$GZ"
has "seqno = 15"
has "# Load it with: vgcfgrestore -f FILE vg0"
# a PV whose label is gone: the export says what LVM2 needs first
run 0 --export seqno=11 "$FIX/label-zeroed/disk.img.gz"
has "#   pvcreate --uuid cnciHN-JZ2V-B2ke-Kd2R-wlT6-JokQ-ACjPSf --restorefile FILE DEVICE"
run 0 --export seqno=15 -o "$T/vg0.vg" "$GZ"
grep -q "^seqno = 15$" "$T/vg0.vg" || fail "exported file is not seqno 15"
run 1 --export seqno=15 -o "$T/vg0.vg" "$GZ"
has "exists (--overwrite replaces it)"
run 0 --export seqno=15 -o "$T/vg0.vg" --overwrite "$GZ"
# an LV the newest version lacks (lv3 was removed at seqno 16): the
# refusal names the version nearest before that has it
run 1 --extract lv3 -o "$T/lv3" "$GZ"
has "VG vg0 seqno 16 has no LV 'lv3'; its LVs: lv1, data, lv4; seqno 15, an older version, has it"
[ -e "$T/lv3" ] && fail "a refused extract made its output"
run 1 --extract nosuch -o "$T/lv3" "$GZ"
printf '%s\n' "$OUT" | grep -q "older version" && fail "an LV no version has was placed in one"
P="$FIX/three-pv"
run 0 --extract stripe -o "$T/stripe" "$P/pv1.img.gz" "$P/pv2.img.gz" "$P/pv3.img.gz"
want=$(grep stripe "$P/truth/stripe.sha256" | cut -d' ' -f1)
[ "$(hash "$T/stripe")" = "$want" ] || fail "extracted stripe differs from the truth"
run 1 --extract stripe -o "$T/stripe2" "$P/pv1.img.gz" "$P/pv2.img.gz"
run 1 --extract stripe -o "$T/stripe" "$P/pv1.img.gz" "$P/pv2.img.gz" "$P/pv3.img.gz"
has "exists (--overwrite replaces it)"
echo "ok: --diff, --export, --extract"

# ---- conflicting copies of one seqno: every mode lists the candidates one
# per line under "Candidates:"; --diff picks a side's copy with
# seqno=N:crc=0xCRC (and --export / --restore take the same form)
D=$FIX/damaged
for i in 1 2 3; do
    gzip -dc "$D/multi-seqno-conflict.pv$i.img.gz" >"$T/c$i.img"
    truncate -s 32M "$T/c$i.img" # the corpus keeps the first 2 MiB of each PV
done
C=("$T/c1.img" "$T/c2.img" "$T/c3.img")
CH=$(cat "${C[@]}" | hash /dev/stdin)
run 1 --diff seqno=9 seqno=8 "${C[@]}"
has "2 versions match seqno 9; choose one with seqno=N:crc=0xCRC"
has "^Candidates:"
[ "$(printf '%s\n' "$OUT" | grep -c '^  VG vg3 (UUID .*) seqno 9 crc 0x')" = 2 ] ||
    fail "the candidates are not one per line: $OUT"
printf '%s\n' "$OUT" | grep -q '; VG' && fail "candidates joined on one line: $OUT"
crcs=$(printf '%s\n' "$OUT" | sed -n 's/^  VG .* seqno 9 crc \(0x[0-9a-f]*\),.*/\1/p')
for c in $crcs; do
    run 0 --diff seqno=9:crc=$c seqno=8 "${C[@]}"
    run 0 --diff seqno=8 seqno=9:crc=$c "${C[@]}"
    run 0 --export seqno=9:crc=$c "${C[@]}"
    has "seqno = 9"
done
run 1 --export seqno=9 "${C[@]}"
has "^Candidates:"
run 1 --restore seqno=9 --dry-run "${C[@]}"
has "^Candidates:"
[ "$(printf '%s\n' "$OUT" | grep -c '^  VG vg3 (UUID .*) seqno 9 crc 0x')" = 2 ] ||
    fail "restore candidates are not one per line: $OUT"
run 0 --restore "seqno=9:crc=$(printf '%s\n' "$crcs" | head -1)" --dry-run "${C[@]}"
[ "$(cat "${C[@]}" | hash /dev/stdin)" = "$CH" ] || fail "diff/export/dry run changed the images"
echo "ok: conflicting copies: candidates one per line, seqno=N:crc=0xCRC picks a side"

# ---- a restore that would fail after writing is refused before any write
# (text dev_size 0: LVM2's rules; --force uses the image size, as LVM2 does
# for a missing size, and the restore then reads back as written)
gzip -dc "$D/text-dev-size-zero.img.gz" >"$T/dz.img"
truncate -s 32M "$T/dz.img"
DZ=$(hash "$T/dz.img")
run 1 --restore seqno=16 -n "$T/dz.img"
has "dev_size is 0"
has "(--force to go on anyway)"
run 1 --restore seqno=16 --yes "$T/dz.img"
has "dev_size is 0"
printf '%s\n' "$OUT" | grep -q "undo file: " && fail "a refused run named an undo file: $OUT"
[ "$(hash "$T/dz.img")" = "$DZ" ] || fail "a refused restore changed the image"
ls "$T" | grep -q "dz.img.lvmrepair-undo" && fail "a refused restore left an undo file"
run 0 --restore seqno=16 --yes --force --undo "$T/dz.undo" "$T/dz.img"
has "forced: PV .* dev_size 0 sectors"
has "undo file: $T/dz.undo"
has "verified"
run 0 --apply-undo "$T/dz.undo" --yes
[ "$(hash "$T/dz.img")" = "$DZ" ] || fail "--apply-undo did not restore dz.img"
# A new seqno above 2^32-1 would read back truncated in LVM2: refused.
gzip -dc "$D/text-seqno-max.img.gz" >"$T/sm.img"
truncate -s 32M "$T/sm.img"
SM=$(hash "$T/sm.img")
run 1 --restore seqno=15 --yes --force "$T/sm.img"
has "32 bits"
[ "$(hash "$T/sm.img")" = "$SM" ] || fail "a refused restore changed sm.img"
# A checksum-valid area header claiming more than the image holds: rebuilt.
gzip -dc "$D/mda-size-beyond-image.img.gz" >"$T/mb.img"
run 1 --restore seqno=16 --dry-run "$T/mb.img"
run 0 --restore seqno=16 --dry-run --force "$T/mb.img"
has "header REBUILT"
echo "ok: plans that would fail are refused before writing; seqno above 2^32-1 refused"

# ---- a truncated undo file cannot put every byte back: refused, even with
# --force; a run stopped after its first write is undone from what it saved
gzip -dc "$GZ" >"$T/h.img"
HH=$(hash "$T/h.img")
run 0 --restore seqno=15 --yes --undo "$T/h.undo" "$T/h.img"
HA=$(hash "$T/h.img")
head -c 1000 "$T/h.undo" >"$T/h.cut"
run 1 --apply-undo "$T/h.cut" --yes
has "incomplete"
has "0 of 2 planned range(s) saved"
run 1 --apply-undo "$T/h.cut" --yes --force
[ "$(hash "$T/h.img")" = "$HA" ] || fail "an incomplete undo file wrote"
run 0 --apply-undo "$T/h.undo" --yes
[ "$(hash "$T/h.img")" = "$HH" ] || fail "the full undo file did not restore"
# A crash while the second write was being journalled: the run's second
# write fails (lvmrepair_fault), then the file loses its tail as a crash would
# leave it: the DONE record (108 bytes), the first write's last STATE (52)
# and the end of the second SAVE record (torn 100 bytes into its 584). The
# file saves 1 of the 2 planned ranges; the other still holds its original
# bytes: applied, and said so.
OUT=$(LR_TEST_FAIL_WRITE=2 "$FAULT_BIN" --restore seqno=15 --yes --undo "$T/h2.undo" "$T/h.img" 2>&1)
[ $? -eq 2 ] || fail "a failed write did not exit 2: $OUT"
has "apply-undo $T/h2.undo"
truncate -s -260 "$T/h2.undo"
run 0 --apply-undo "$T/h2.undo" --yes
has "torn record"
has "1 of 2 planned range(s) saved"
has "1 planned range(s) are not saved"
[ "$(hash "$T/h.img")" = "$HH" ] || fail "undo after a stopped run did not restore"
echo "ok: truncated undo files refused; a stopped run's undo file restores"

# ---- --restore-lv: usage, refusals, dry run, --output (history: lv3 was
# removed at seqno 16; at seqno 8 it was 2 extents, one of them lv4's now)
run 2 --restore-lv lv3 "$T/disk.img"
has "needs --from"
run 2 --restore-lv lv3,data --from seqno=15 --as x "$T/disk.img"
has "renames one LV"
run 2 --restore seqno=15 --from seqno=15 "$T/disk.img"
has "go with --restore-lv"
run 2 --restore-lv lv3 --from 15 "$T/disk.img"
has "did you mean --from seqno=15"
run 1 --restore-lv data --from seqno=15 --yes "$T/disk.img"
has "already has an LV named data"
has "--as NEWNAME"
run 1 --restore-lv lv3 --from seqno=8 --yes "$T/disk.img"
has "are LV lv4's"
run 1 --restore-lv nosuch --from seqno=15 --yes "$T/disk.img"
has "no LV named nosuch"
run 2 --restore-lv lv3 --as 'bad/name' --from seqno=15 --yes "$T/disk.img"
has "not a valid LV name"
run 0 --restore-lv lv3 --from seqno=15 --dry-run "$T/disk.img"
has "LV lv3 comes back (4.00 MiB)"
has "Dry run: nothing written"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "--restore-lv refusals or its dry run changed the image"
mkdir -p "$T/rlv"
run 0 --restore-lv lv3 --as lv3b --from seqno=15 --output "$T/rlv" --yes --undo "$T/rlv.undo" \
    "$T/disk.img"
has "Brought back LV lv3b of VG vg0 seqno 15 into seqno 16 as seqno 17"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "--restore-lv --output changed the original"
run 0 --export seqno=17 "$T/rlv/disk.img"
has "lv3b {"
has "extent_count = 1"
echo "ok: --restore-lv: usage, refusals (name, extents), dry run and --output"

# ---- a locked image: refused before writing, and no undo file named
if command -v flock >/dev/null 2>&1; then
    OUT=$(flock "$T/h.img" "$BIN" --restore seqno=15 --yes "$T/h.img" 2>&1 </dev/null)
    rc=$?
    [ $rc -eq 1 ] || fail "a locked image: exit $rc, expected 1: $OUT"
    printf '%s\n' "$OUT" | grep -q "undo file: " && fail "a refused run named an undo file: $OUT"
    ls "$T" | grep -q "h.img.lvmrepair-undo" && fail "a refused run left an undo file"
    [ "$(hash "$T/h.img")" = "$HH" ] || fail "a refused restore changed the image"
    echo "ok: a locked image is refused and names no undo file"
fi
echo "PASSED: $NAME"
