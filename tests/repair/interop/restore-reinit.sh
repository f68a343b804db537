#!/usr/bin/env bash
# Interop: bring back oldvg after 'pvcreate -ff' + 'vgcreate newvg' reused
# its disk: the label now carries newvg's PV UUID and is rebuilt for
# oldvg's PV; newvg is then gone.
#
# usage: restore-reinit.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_reinit "$1" "$2"
no_newvg() {
    local s
    s=$(lr_vg_seqno newvg)
    [ -z "$s" ] || { echo "newvg still found (seqno $s)" >&2; return 1; }
    echo "ok: newvg is no longer found"
}
LR_EXTRA_CHECK=no_newvg
lr_restore_case reinit oldvg 11 12 "$(lr_expected_lvs "$LR_FIX/reinit/truth/old-lvs.json")" "" \
    "$LR_FIX/reinit/truth/old-pvs.json"
echo "PASSED: restore_reinit"
