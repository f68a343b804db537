#!/bin/sh
# Interop: an exported version is accepted by LVM2's own vgcfgrestore.
#
# Exports seqno 15 of the history fixture (the state before the final
# `lvremove -f vg0/lv3`) with lvmrescue's export engine, attaches a copy of
# the image to a loop device, and checks that `vgcfgrestore --force -f FILE
# vg0` succeeds and that `lvs` then shows lv3 again.
#
# usage: export-interop.sh TEST_EXPORT_BINARY FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
# Only the loop device this script attached is ever detached.
set -u

NAME=export_interop
skip() {
    echo "SKIPPED: $NAME: $*"
    exit 77
}
fail() {
    echo "FAILED: $NAME: $*" >&2
    exit 1
}

[ $# -eq 2 ] || fail "usage: $0 TEST_EXPORT_BINARY FIXTURES_DIR"
EXPORT_BIN=$1
FIX=$2/history

[ "$(id -u)" -eq 0 ] || skip "needs root to attach loop devices"
command -v losetup >/dev/null 2>&1 || skip "losetup (util-linux) not installed"
for t in vgcfgrestore lvs vgs; do
    command -v $t >/dev/null 2>&1 || skip "lvm2 not installed ($t missing)"
done
[ -e /dev/loop-control ] || skip "no loop device support (/dev/loop-control)"
[ -x "$EXPORT_BIN" ] || fail "export helper $EXPORT_BIN not built"
[ -f "$FIX/disk.img.gz" ] || fail "fixture $FIX/disk.img.gz missing"

TMP=$(mktemp -d /tmp/lr-export-interop.XXXXXX) || fail "mktemp"
LOOP=
cleanup() {
    if [ -n "$LOOP" ]; then
        losetup -d "$LOOP" 2>/dev/null || echo "warning: could not detach $LOOP" >&2
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

gzip -dc "$FIX/disk.img.gz" >"$TMP/disk.img" || fail "cannot decompress the fixture"

# Export from the decompressed copy; the engine must not touch it.
before=$(sha256sum "$TMP/disk.img" | cut -d' ' -f1)
"$EXPORT_BIN" --export "$TMP/disk.img" 15 "$TMP/vg0-15.vg" || fail "export of seqno 15 failed"
after=$(sha256sum "$TMP/disk.img" | cut -d' ' -f1)
[ "$before" = "$after" ] || fail "exporting changed the image"
grep -q '^seqno = 15$' "$TMP/vg0-15.vg" || fail "exported file is not seqno 15"

LOOP=$(losetup -f --show "$TMP/disk.img" 2>/dev/null) || {
    LOOP=
    skip "losetup could not attach a loop device"
}

export LVM_SUPPRESS_FD_WARNINGS=1
CFG="global{activation=0} backup{backup=0 archive=0}
devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\"
filter=[\"a|^$LOOP\$|\",\"r|.*|\"]}"

lvs_names() {
    lvs --config "$CFG" --noheadings -o lv_name vg0 2>&1 | grep -v 'WARNING' | tr -d ' '
}

names=$(lvs_names) || fail "lvs cannot read vg0 before the restore: $names"
echo "LVs before: $(echo $names)"
echo "$names" | grep -qx lv3 && fail "lv3 present before the restore (fixture not at seqno 16?)"

out=$(vgcfgrestore --config "$CFG" --force -f "$TMP/vg0-15.vg" vg0 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "vgcfgrestore -f exported-file vg0 exited $rc"

names=$(lvs_names) || fail "lvs failed after the restore: $names"
echo "LVs after: $(echo $names)"
echo "$names" | grep -qx lv3 || fail "lv3 not back after vgcfgrestore"
for lv in lv1 data lv4; do
    echo "$names" | grep -qx $lv || fail "$lv missing after vgcfgrestore"
done
seq=$(vgs --config "$CFG" --noheadings -o vg_seqno vg0 2>/dev/null | tr -d ' ')
echo "vg0 seqno after restore: $seq"
echo "PASSED: $NAME"
exit 0
