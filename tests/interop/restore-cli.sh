#!/usr/bin/env bash
# lvmrepair's command line: options, messages, exit status (0 success,
# 1 refused, 2 usage or I/O error, 5 declined), and that nothing is written
# unless asked: dry runs, refusals and declined confirmations leave every
# image byte-identical. Needs no root (files only).
#
# usage: restore-cli.sh LVMREPAIR FIXTURES_DIR
set -u
NAME=restore_cli
BIN=$1
FIX=$2
fail() {
    echo "FAILED: $NAME: $*" >&2
    exit 1
}
[ -x "$BIN" ] || fail "$BIN not built"
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
has "not a directory"
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "usage errors changed the image"
echo "ok: usage errors exit 2 and write nothing"

# ---- refusals
run 1 --restore seqno=99 "$T/disk.img"
has "no version with seqno 99"
run 1 --restore seqno=15 --vg nosuchvg "$T/disk.img"
run 1 --restore seqno=5 "$GZ" "$FIX/label-zeroed/disk.img.gz"
has "choose one with"
has "Candidates:"
run 1 --restore seqno=9 --vg vg3 "$FIX/three-pv/pv1.img.gz" "$FIX/three-pv/pv2.img.gz"
has "not among the images"
run 1 --restore seqno=15 --yes "$GZ"
has "use --output DIR"
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

# ---- declined on a terminal: end of input means no (exit 5)
if command -v python3 >/dev/null 2>&1; then
    rc=$(python3 - "$BIN" "$T/disk.img" <<'EOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--restore", "seqno=15", sys.argv[2]])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if b"[y/N]" in out:
        os.write(fd, b"\x04")  # end of input
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
EOF
)
    [ "$rc" = 5 ] || fail "EOF at the prompt: exit $rc, expected 5"
    [ "$(hash "$T/disk.img")" = "$H0" ] || fail "a declined restore changed the image"
    echo "ok: end of input at the prompt declines (exit 5), nothing written"
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
# An existing undo file is never overwritten.
run 2 --restore seqno=14 --yes --undo "$T/u1" "$T/disk.img"
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
run 0 --apply-undo "$undo" --yes --force
[ "$(hash "$T/disk.img")" = "$H0" ] || fail "forced --apply-undo did not restore"
echo "ok: default undo file; --apply-undo refuses a changed image unless --force"

# ---- --output: repaired copies, originals untouched (also from .gz)
mkdir "$T/out"
run 0 --restore seqno=15 --yes --output "$T/out" "$GZ"
[ "$(hash "$GZ")" = "$GZH" ] || fail "--output changed the original"
[ -f "$T/out/disk.img" ] || fail "no copy in --output"
alloc=$(du -k "$T/out/disk.img" | cut -f1)
[ "$alloc" -lt 4096 ] || fail "the copy is not sparse ($alloc KiB allocated)"
run 0 --restore seqno=14 --dry-run "$T/out/disk.img"
has "highest seqno of vg0 seen anywhere: 17"
run 2 --restore seqno=15 --yes --output "$T/out" "$GZ"
has "exists already"
echo "ok: --output writes sparse repaired copies; originals untouched"

# ---- diff / export / extract
run 0 --diff seqno=15 seqno=16 "$GZ"
has "lv3"
run 0 --diff seqno=15 seqno=16 --json "$GZ"
has '"changes"'
run 0 --export seqno=15 "$GZ"
has "seqno = 15"
run 0 --export seqno=15 -o "$T/vg0.vg" "$GZ"
grep -q "^seqno = 15$" "$T/vg0.vg" || fail "exported file is not seqno 15"
run 1 --export seqno=15 -o "$T/vg0.vg" "$GZ"
P="$FIX/three-pv"
run 0 --extract stripe -o "$T/stripe" "$P/pv1.img.gz" "$P/pv2.img.gz" "$P/pv3.img.gz"
want=$(grep stripe "$P/truth/stripe.sha256" | cut -d' ' -f1)
[ "$(hash "$T/stripe")" = "$want" ] || fail "extracted stripe differs from the truth"
run 1 --extract stripe -o "$T/stripe2" "$P/pv1.img.gz" "$P/pv2.img.gz"
echo "ok: --diff, --export, --extract"
echo "PASSED: $NAME"
