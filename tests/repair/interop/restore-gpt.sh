#!/usr/bin/env bash
# Interop: PVs inside partitions of a GPT disk image (one at an odd
# sector): restoring seqno 5 (before 'lvrename vgp boot root') as seqno 7;
# attached with losetup -P.
#
# usage: restore-gpt.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_gpt "$1" "$2"
lr_restore_case gpt vgp 5 7 "big boot" -P
echo "PASSED: restore_gpt"
