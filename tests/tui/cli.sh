#!/bin/bash
# lvmtui's command line, outside the screens:
#  - the test mode's key scripts: an unknown <Name> (or a '<' starting
#    none) is a usage error (exit 2) naming it, never typed text; <lt> types
#    a '<';
#  - an image that cannot be opened is a usage error (exit 2) naming it,
#    before any screen: in the test mode and, under a pseudo-terminal (with
#    python3), without starting curses;
#  - the restore review of a gzip image offers an lvmrepair command instead
#    of a "yes": copied from the screen as it is (DIR filled in, --yes
#    added), it writes the restored copy and leaves the image alone.
#
# Usage: cli.sh PATH/TO/lvmtui PATH/TO/lvmrepair PATH/TO/lvmscan FIXTURES_DIR
set -u

NAME=tui-cli
LVMTUI=${1:-}
LVMREPAIR=${2:-}
LVMSCAN=${3:-}
FIXTURES=${4:-}
[ -x "$LVMTUI" ] && [ -x "$LVMREPAIR" ] && [ -x "$LVMSCAN" ] && [ -d "$FIXTURES" ] ||
    { echo "usage: $0 PATH/TO/lvmtui PATH/TO/lvmrepair PATH/TO/lvmscan FIXTURES_DIR" >&2; exit 2; }
LVMTUI=$(readlink -f "$LVMTUI")
LVMREPAIR=$(readlink -f "$LVMREPAIR")
LVMSCAN=$(readlink -f "$LVMSCAN")
FIXTURES=$(cd "$FIXTURES" && pwd)
H=$FIXTURES/history/disk.img.gz

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lr-tui-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILED=0
fail() {
    echo "FAIL: $NAME: $*"
    FAILED=$((FAILED + 1))
}

# run NAME [lvmtui args...]: exit status in $rc, stderr in $WORK/NAME.err
run() {
    local name=$1
    shift
    (cd "$WORK" && "$LVMTUI" "$@") >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
    rc=$?
}

# ---- key scripts -------------------------------------------------------------

for tok in '<Foo>' '<R>' '<enter>' 'ab<' '/x<y'; do
    rm -f "$WORK/dump.txt"
    run script --script "$tok" --screen-dump dump.txt "$H"
    [ "$rc" = 2 ] || fail "--script '$tok' exited $rc, not 2 (usage)"
    want=$tok
    case $tok in ab\<) want="'<'" ;; /x\<y) want='"<y"' ;; esac
    grep -qF -- "$want" "$WORK/script.err" ||
        fail "--script '$tok': the error does not name $want: $(cat "$WORK/script.err")"
    grep -qF '<lt>' "$WORK/script.err" || fail "--script '$tok': the error does not mention <lt>"
    [ ! -e "$WORK/dump.txt" ] || fail "--script '$tok': a dump was written"
done

run lt --script '<Enter>/a<lt>b' --screen-dump dump.txt "$H"
[ "$rc" = 0 ] || fail "--script with <lt> exited $rc: $(cat "$WORK/lt.err")"
grep -qx '/a<b' "$WORK/dump.txt" 2>/dev/null || fail "<lt> did not type '<' into the search prompt"

# ---- images that cannot be opened -----------------------------------------------

rm -f "$WORK/dump.txt"
run missing --script q --screen-dump dump.txt "$H" nonexist.img
[ "$rc" = 2 ] || fail "a missing image in the test mode exited $rc, not 2"
grep -q 'nonexist.img' "$WORK/missing.err" || fail "the error does not name nonexist.img"
[ ! -e "$WORK/dump.txt" ] || fail "a missing image: a screen was dumped anyway"

mkdir -p "$WORK/adir"
run dir adir
[ "$rc" = 2 ] || fail "a directory as image exited $rc, not 2"
grep -q 'adir' "$WORK/dir.err" || fail "the error does not name the directory"

# The terminal mode: a pseudo-terminal on stdin/stdout/stderr, as a user
# has. lvmtui must exit 2 at once, saying which file, without taking the
# screen over (no alternate screen, no "Scan failed" waiting for q).
if command -v python3 >/dev/null 2>&1; then
    cat >"$WORK/on-a-tty.py" <<'EOF'
import os, pty, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.chdir(sys.argv[1])
    os.execv(sys.argv[2], sys.argv[2:])
out, status, deadline = b"", None, time.time() + 10
while status is None and time.time() < deadline:
    if select.select([fd], [], [], 0.1)[0]:
        try:
            out += os.read(fd, 65536)
        except OSError:
            pass
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = st
while True:
    try:
        if not select.select([fd], [], [], 0.2)[0]:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        out += data
    except OSError:
        break
sys.stdout.buffer.write(out)
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.exit(124)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 125)
EOF
    python3 "$WORK/on-a-tty.py" "$WORK" "$LVMTUI" nonexist.img >"$WORK/pty.out" 2>&1
    prc=$?
    if [ "$prc" = 124 ]; then
        fail "lvmtui nonexist.img on a terminal did not exit within 10 s (waiting for q?)"
    elif [ "$prc" != 2 ]; then
        fail "lvmtui nonexist.img on a terminal exited $prc, not 2"
    fi
    grep -q 'nonexist.img' "$WORK/pty.out" || fail "on a terminal, the error does not name nonexist.img"
    if grep -q $'\e\[?1049h\|Scan failed' "$WORK/pty.out"; then
        fail "on a terminal, lvmtui took the screen over before checking the image"
    fi
else
    echo "$NAME: no python3: the pseudo-terminal case is not run"
fi

# ---- a gzip image: the command offered instead of "yes" works ---------------------

# a name with a space: the command must quote it
cp "$H" "$WORK/my disk.img.gz"
run gz --size 80x24 --now 1800000000 --host testhost --script '<Enter><Down>R' \
    --screen-dump gz.txt "my disk.img.gz"
[ "$rc" = 0 ] || fail "the gzip review exited $rc: $(cat "$WORK/gz.err")"
if grep -q 'Type yes\|Undo file' "$WORK/gz.txt"; then
    fail "the review of a gzip image asks for yes or names an undo file"
fi
# offered DUMP PATTERN OUTDIR COPY: the lvmrepair command the review in
# DUMP shows (from "lvmrepair --restore" to the line not ending in '\')
# matches the case PATTERN, and run with --output OUTDIR writes COPY
# holding the restore (seqno 17 committed)
offered() {
    local cmd
    cmd=$(sed -n '/^    lvmrepair --restore/,/[^\\]$/p' "$WORK/$1" | sed 's/\\$//' | tr -d '\n')
    # shellcheck disable=SC2254 # the pattern is a case pattern
    case $cmd in
    $2) ;;
    *) fail "$1: the review does not offer the expected lvmrepair --output command: '$cmd'" ;;
    esac
    mkdir -p "$WORK/$3"
    cmd=${cmd/--output DIR/--output $3}
    (cd "$WORK" && eval "'$LVMREPAIR' ${cmd#*lvmrepair } --yes") >"$WORK/$3.out" 2>&1 ||
        fail "$1: the offered command failed: $cmd: $(cat "$WORK/$3.out")"
    "$LVMSCAN" "$WORK/$3/$4" >"$WORK/$3.scan" 2>&1 || fail "$1: lvmscan of the copy failed"
    grep -q 'committed seqno 17' "$WORK/$3.scan" || fail "$1: the copy does not have seqno 17 committed"
}
offered gz.txt "*--output DIR*'my disk.img.gz'" out "my disk.img"
cmp -s "$H" "$WORK/my disk.img.gz" || fail "the gzip image was changed"
# with --all-zstd the command offered keeps it (the version reviewed may be
# one only a zstd frame of more than 16 KiB holds), and lvmrepair takes it
run gzz --size 80x24 --now 1800000000 --host testhost --script '<Enter><Down>R' \
    --screen-dump gzz.txt --all-zstd "my disk.img.gz"
[ "$rc" = 0 ] || fail "the gzip review with --all-zstd exited $rc: $(cat "$WORK/gzz.err")"
offered gzz.txt "*--output DIR*--all-zstd*'my disk.img.gz'" zout "my disk.img"

# ---- a qcow2 internal snapshot (--snapshot): its state is browsed -----------

# The PV's label is wiped in the current state and whole in the snapshot
# before-wipe: the VG list shows vg0 from it, with the warning naming the
# snapshot read, and the lvmrepair command offered for the (read-only)
# qcow2 names the snapshot, and restores the VG from it into a copy
if command -v qemu-img >/dev/null && command -v qemu-io >/dev/null; then
    gzip -dc "$H" >"$WORK/disk.img"
    qemu-img convert -f raw -O qcow2 "$WORK/disk.img" "$WORK/vm.qcow2" &&
        qemu-img snapshot -c before-wipe "$WORK/vm.qcow2" &&
        qemu-io -f qcow2 -c 'write -P 0x11 0 1M' "$WORK/vm.qcow2" >/dev/null ||
        fail "qemu-img could not make the qcow2 with a snapshot"
    run now --script q --screen-dump now.txt vm.qcow2
    grep -q 'No volume groups found' "$WORK/now.txt" || fail "the wiped current state shows a VG"
    run snap --size 80x24 --script '<Enter><Down>R' --screen-dump snap.txt --snapshot before-wipe vm.qcow2
    [ "$rc" = 0 ] || fail "--snapshot before-wipe exited $rc: $(cat "$WORK/snap.err")"
    grep -q 'WARNING: vm.qcow2: reading the internal snapshot 1 "before-wipe"' "$WORK/snap.txt" ||
        fail "--snapshot: no warning naming the snapshot read"
    offered snap.txt '*--output DIR*--snapshot before-wipe*vm.qcow2' sout vm.img
else
    echo "$NAME: no qemu-img or qemu-io: the qcow2 snapshot case is not run"
fi

# ---- --all-zstd: LVM2 backup files of more than 16 KiB in zstd frames -------

# fixtures/backup/btrfs-large.img.gz: a vgcfgbackup of 60 LVs (manyvg) the
# kernel compressed into one zstd frame of 24158 bytes; without the option
# the frames over 16 KiB are said not looked into, with it manyvg is listed
L=$FIXTURES/backup/btrfs-large.img.gz
run zstd --size 120x24 --script q --screen-dump zstd.txt "$L"
[ "$rc" = 0 ] || fail "btrfs-large exited $rc: $(cat "$WORK/zstd.err")"
grep -q 'manyvg' "$WORK/zstd.txt" && fail "manyvg listed without --all-zstd"
grep -q 'WARNING: btrfs-large.img.gz: 2 zstd frames of 16 to 128 KiB not looked into' "$WORK/zstd.txt" ||
    fail "no warning of the zstd frames not looked into: $(cat "$WORK/zstd.txt")"
run zstdall --size 120x24 --script q --screen-dump zstdall.txt --all-zstd "$L"
[ "$rc" = 0 ] || fail "--all-zstd exited $rc: $(cat "$WORK/zstdall.err")"
grep -q '^> *manyvg\|^  *manyvg' "$WORK/zstdall.txt" || fail "--all-zstd: manyvg not listed: $(cat "$WORK/zstdall.txt")"
grep -q 'not looked into' "$WORK/zstdall.txt" && fail "--all-zstd: still says frames were not looked into"

[ "$FAILED" -eq 0 ] || { echo "$NAME: $FAILED failed"; exit 1; }
echo "$NAME: all cases pass"
exit 0
