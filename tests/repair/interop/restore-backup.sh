#!/usr/bin/env bash
# Interop (issue 15 part 2): a version that only LVM2's archive files still
# hold (fixtures/backup: the ring wrapped past it; the files are in an ext4
# inside an LV of the VG) is restored by lvmrepair, and real LVM2 accepts
# the result: vgs shows the new seqno and the version's LV count, lvs its
# LVs, vgck passes without warnings, pvck lists the new copy. A second run
# restores the same version from a standalone .vg file given beside the
# image, which must stay unchanged.
#
# usage: restore-backup.sh LVMREPAIR FIXTURES
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: restore_backup
# (reason)" and exits 77. Only the loop devices it attached are detached.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_backup "$1" "$2"
[ -f "$LR_FIX/backup/disk.img.gz" ] || lr_fail "fixture backup missing"

# restore_and_check SEQNO WANT_LVS [EXTRA ARGS]: restores SEQNO on a fresh
# copy and asks LVM2 about it
restore_and_check() {
    local seqno=$1 want=$2
    shift 2
    lr_fixture backup
    "$LR_BIN" --restore "seqno=$seqno" --yes --undo "$LR_TMP/undo.$seqno.$#" \
        "$LR_TMP/work/disk.img" "$@" >"$LR_TMP/out" 2>&1 ||
        { cat "$LR_TMP/out"; lr_fail "lvmrepair --restore seqno=$seqno $* exited $?"; }
    lr_attach "$LR_TMP/work/disk.img"
    local got
    got=$(lr_vg_seqno hbkvg)
    [ "$got" = 47 ] || lr_fail "seqno $seqno: LVM2 sees seqno '$got', not 47: $LR_OUT"
    got=$(lr_lv_names hbkvg)
    [ "$got" = "$want" ] || lr_fail "seqno $seqno: LVM2 lists LVs '$got', want '$want'"
    lr_lvm vgck hbkvg || lr_fail "seqno $seqno: vgck failed: $LR_OUT"
    lr_no_warnings "vgck after restoring seqno $seqno"
    LR_OUT=$(pvck --config "$LR_CFG" --dump metadata_search "$LR_LAST_LOOP" 2>&1)
    printf '%s\n' "$LR_OUT" | grep -q "vg hbkvg seqno 47 " ||
        lr_fail "seqno $seqno: pvck does not list seqno 47: $LR_OUT"
    lr_detach_all
}

# seqno 3 (lvrename lv1 first not yet done): only in archive files
restore_and_check 3 "fs lv1"
# seqno 1 (vgcreate, no LV yet), also from a standalone file, which stays
# unchanged
A0=$(ls "$LR_FIX"/backup/truth/archive/hbkvg_00000-*.vg)
cp "$A0" "$LR_TMP/a0.vg"
restore_and_check 1 "" "$LR_TMP/a0.vg"
cmp -s "$A0" "$LR_TMP/a0.vg" || lr_fail "the standalone .vg file was written"
echo "PASSED: restore_backup"
