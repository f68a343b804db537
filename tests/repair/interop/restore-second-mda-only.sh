#!/usr/bin/env bash
# Interop: a PV made with --pvmetadatacopies 2 whose first
# metadata area was zeroed entirely: the area is rebuilt and both areas get
# the restored version.
#
# usage: restore-second-mda-only.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_second_mda_only "$1" "$2"
both_mdas() {
    lr_lvm pvs --noheadings -o pv_mda_count,pv_mda_used_count
    local v
    v=$(printf "%s\n" "$LR_OUT" | grep -v -i warning | tr -s " " | sed "s/^ //")
    [ "$v" = "2 2" ] || { echo "pv_mda_count/used: \"$v\", expected \"2 2\"" >&2; return 1; }
    echo "ok: LVM2 uses both metadata areas"
}
LR_EXTRA_CHECK=both_mdas
lr_restore_case second-mda-only vgm2 10 11 "$(lr_expected_lvs "$LR_FIX/second-mda-only/truth/lvs.json")"
echo "PASSED: restore_second_mda_only"
