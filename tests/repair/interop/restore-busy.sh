#!/usr/bin/env bash
# A block device another process has open is not written (issue 17, item
# 6): on a loop device of the history fixture,
#   - a process holding the device open read-write (exec 3<>/dev/loopN,
#     neither O_EXCL nor a mount) makes lvmrepair --restore refuse, exit 1,
#     naming the process; nothing written, no undo file;
#   - so does a process holding the loop device's backing file open;
#   - --force goes on (and --apply-undo puts the bytes back);
#   - a read-only loop device (losetup -r) is refused before the undo file
#     is created.
# Needs root and loop devices (SKIPPED otherwise).
# usage: restore-busy.sh LVMREPAIR FIXTURES_DIR
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_interop_busy "$1" "$2"
lr_fixture history
IMG=$LR_TMP/work/disk.img
H0=$(sha256sum "$IMG" | cut -d' ' -f1)
HOLDER=
stop_holder() {
    [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null
    HOLDER=
}
trap 'stop_holder; lr_cleanup' EXIT
unchanged() {
    [ "$(sha256sum "$IMG" | cut -d' ' -f1)" = "$H0" ] || lr_fail "the image changed: $*"
}
restore() { # WANT ARGS...
    local want=$1
    shift
    OUT=$("$LR_BIN" --restore seqno=15 --vg vg0 --yes "$@" 2>&1 </dev/null)
    local rc=$?
    [ $rc -eq "$want" ] || lr_fail "lvmrepair --restore $*: exit $rc, want $want: $OUT"
}

lr_attach "$IMG"
DEV=$LR_LAST_LOOP

# A process with the device open read-write.
bash -c "exec 3<>$DEV; exec sleep 60" &
HOLDER=$!
sleep 0.5
restore 1 --undo "$LR_TMP/u1" "$DEV"
printf '%s\n' "$OUT" | grep -q "in use: process $HOLDER" || lr_fail "does not name the holder: $OUT"
[ ! -e "$LR_TMP/u1" ] || lr_fail "an undo file was made for a busy device"
stop_holder
unchanged "device held open"

# A process with the backing file open.
bash -c "exec 3<$IMG; exec sleep 60" &
HOLDER=$!
sleep 0.5
restore 1 --undo "$LR_TMP/u2" "$DEV"
printf '%s\n' "$OUT" | grep -q "backing file" || lr_fail "does not say why: $OUT"
stop_holder
unchanged "backing file held open"

# --force goes on; the undo file puts every byte back.
bash -c "exec 3<>$DEV; exec sleep 60" &
HOLDER=$!
sleep 0.5
restore 0 --force --undo "$LR_TMP/u3" "$DEV"
stop_holder
"$LR_BIN" --apply-undo "$LR_TMP/u3" --yes "$DEV" >/dev/null 2>&1 || lr_fail "apply-undo failed"
sync
lr_detach_all
unchanged "after --force and --apply-undo"

# A read-only loop device: refused before the undo file exists.
RO=$(losetup -f --show -r "$IMG") || lr_skip "losetup -r could not attach"
LR_LOOPS+=("$RO")
restore 2 --undo "$LR_TMP/u4" "$RO"
printf '%s\n' "$OUT" | grep -q "read-only" || lr_fail "does not say read-only: $OUT"
[ ! -e "$LR_TMP/u4" ] || lr_fail "an undo file was made for a read-only device"
lr_detach_all
unchanged "read-only device"
echo "restore_interop_busy: passed"
