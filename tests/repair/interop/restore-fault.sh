#!/usr/bin/env bash
# Interop: crash safety of a restore. For each fixture below and each write
# k of its plan, a restore is stopped at write k (lvmrepair_fault, the
# test build of lvmrepair with the fault layer under its writable opens:
# LR_TEST_FAIL_WRITE=k fails that write and every later one, as if the
# machine stopped there);
# real LVM2 must then read either the version it read before or the restored
# one, and --apply-undo must bring back the original bytes exactly. Finally
# the full run (no fault) must succeed.
#
# usage: restore-fault.sh LVMREPAIR FIXTURES_DIR LVMREPAIR_FAULT
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_fault "$1" "$2"
LR_FAULT_BIN=${3:-}
[ -x "$LR_FAULT_BIN" ] || lr_fail "lvmrepair_fault binary '$LR_FAULT_BIN' not built"

# fault_case FIXTURE VG SEQNO NEW_SEQNO
fault_case() {
    local fix=$1 vg=$2 seqno=$3 new=$4 n k rc out old s
    lr_fixture "$fix"
    lr_attach_work
    old=$(lr_vg_seqno "$vg")
    lr_detach_all
    out=$("$LR_BIN" --restore "seqno=$seqno" --vg "$vg" --dry-run "$LR_TMP"/work/*.img 2>&1) ||
        lr_fail "$fix: dry run failed: $out"
    n=$(printf '%s\n' "$out" | sed -n 's/^Writes, in this order (\([0-9]*\) writes.*/\1/p')
    [ -n "$n" ] && [ "$n" -gt 0 ] || lr_fail "$fix: no write count in the plan"
    echo "== $fix: $n writes; LVM2 reads $vg at seqno '${old:-none}' before"
    for ((k = 1; k <= n + 1; k++)); do
        lr_fixture "$fix"
        rm -f "$LR_TMP/undo"
        out=$(LR_TEST_FAIL_WRITE=$k "$LR_FAULT_BIN" --restore "seqno=$seqno" --vg "$vg" --yes \
            --undo "$LR_TMP/undo" "$LR_TMP"/work/*.img 2>&1)
        rc=$?
        if [ $k -le "$n" ]; then
            [ $rc -eq 2 ] || lr_fail "$fix: stopped at write $k: exit $rc, expected 2: $out"
        else
            [ $rc -eq 0 ] || lr_fail "$fix: full run exited $rc: $out"
        fi
        lr_check_outside "$fix" >/dev/null
        lr_attach_work
        s=$(lr_vg_seqno "$vg")
        lr_detach_all
        if [ $k -le "$n" ]; then
            [ "$s" = "$old" ] || [ "$s" = "$new" ] ||
                lr_fail "$fix: stopped at write $k: LVM2 reads seqno '$s', neither '$old' nor $new"
        else
            [ "$s" = "$new" ] || lr_fail "$fix: full run: LVM2 reads seqno '$s', expected $new"
        fi
        out=$("$LR_BIN" --apply-undo "$LR_TMP/undo" --yes 2>&1) ||
            lr_fail "$fix: write $k: --apply-undo failed: $out"
        lr_same_as_orig "$fix: write $k: --apply-undo"
        if [ $k -le "$n" ]; then
            echo "ok: $fix: write $k of $n failed ($((k - 1)) done): LVM2 reads seqno '${s:-none}'; undo restored the original bytes"
        else
            echo "ok: $fix: all $n writes done: LVM2 reads seqno $s; undo restored the original bytes"
        fi
    done
}

fault_case history vg0 15 17
fault_case label-header-zeroed vglh 11 12
fault_case second-mda-only vgm2 10 11
fault_case stale-pv vgstale 9 10
echo "PASSED: restore_fault"
