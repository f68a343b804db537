#!/usr/bin/env bash
# Interop: a VG over three PVs, pv3 stale at seqno 4 while pv1/pv2 are at
# 9: restoring seqno 9 writes seqno 10 to all three.
#
# usage: restore-stale-pv.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_stale_pv "$1" "$2"
lr_restore_case stale-pv vgstale 9 10 "$(lr_expected_lvs "$LR_FIX/stale-pv/truth/lvs.json")"
echo "PASSED: restore_stale_pv"
