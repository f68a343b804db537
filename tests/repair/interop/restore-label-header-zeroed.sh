#!/usr/bin/env bash
# Interop: a PV whose label and mda header were zeroed:
# both are rebuilt from the metadata text left in the ring.
#
# usage: restore-label-header-zeroed.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_label_header_zeroed "$1" "$2"
lr_restore_case label-header-zeroed vglh 11 12 "$(lr_expected_lvs "$LR_FIX/label-header-zeroed/truth/lvs.json")"
echo "PASSED: restore_label_header_zeroed"
