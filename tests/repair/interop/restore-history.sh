#!/usr/bin/env bash
# Interop: undo an lvremove: restoring seqno 15 of the history fixture
# (before 'lvremove -f vg0/lv3') brings lv3 back as seqno 17.
#
# usage: restore-history.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_history "$1" "$2"
lr_restore_case history vg0 15 17 "data lv1 lv3 lv4"
echo "PASSED: restore_history"
