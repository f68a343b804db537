#!/usr/bin/env bash
# Interop: crash safety judged by real LVM2 (docs/crash-safety.md).
#
# test_crash --emit DIR runs every write path (restore, header and label
# rebuild, mlvm format and create, apply-undo) with each fault of its matrix
# and keeps, for every fault that leaves whole sectors (everything but a
# write torn inside a sector), the image(s) as the fault left them and the
# undo file. For each such case this script attaches the image(s) to
# read-only loop devices and asks LVM2 itself:
#   - vgs must show the VG at the old or the new seqno (or not at all where
#     that is the old or the new state: an empty image before mlvm format,
#     a PV whose label was zeroed before a rebuild);
#   - vgck must accept it: exit 0 and no warning but LVM2's own for an
#     interrupted commit ("ignoring metadata seqno", "Inconsistent metadata
#     found", which LVM2 repairs on its next write) and those it already
#     gives for the path's original image (a fixture damaged on purpose:
#     the old state of a rebuild, the new state of undoing one);
# then detaches them and `lvmrepair --apply-undo` must bring back the
# original bytes (sha256sum).
#
# usage: crash-lvm.sh PATH/TO/test_crash PATH/TO/lvmrepair
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: crash-lvm
# (reason)" and exits 77. Only the loop devices it attached are detached, and
# LVM2 only sees those (a devices filter).
set -u

NAME=crash-lvm
CRASH=${1:-}
LVMREPAIR=${2:-}
LOOPS=()
WORK=

skip() {
    echo "SKIPPED: $NAME ($*)"
    exit 77
}

fail() {
    echo "FAILED: $NAME: $*" >&2
    exit 1
}

cleanup() {
    local l
    for l in ${LOOPS[@]+"${LOOPS[@]}"}; do
        losetup -d "$l" 2>/dev/null || echo "warning: could not detach $l" >&2
    done
    LOOPS=()
    [ -n "$WORK" ] && rm -rf "$WORK"
}

if [ -z "$CRASH" ] || [ -z "$LVMREPAIR" ]; then
    echo "usage: $0 PATH/TO/test_crash PATH/TO/lvmrepair" >&2
    exit 2
fi
[ -x "$CRASH" ] || fail "$CRASH not built"
[ -x "$LVMREPAIR" ] || fail "$LVMREPAIR not built"
[ "$(id -u)" -eq 0 ] || skip "needs root to attach loop devices"
command -v losetup >/dev/null 2>&1 || skip "no losetup (util-linux)"
[ -e /dev/loop-control ] || skip "no loop device support"
for t in vgs vgck sha256sum; do
    command -v $t >/dev/null 2>&1 || skip "no $t (lvm2 / coreutils)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lr-crash-lvm.XXXXXX") || fail "mktemp"
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
export LVM_SUPPRESS_FD_WARNINGS=1

# A loop device we can use at all, or this is a skip rather than a failure.
truncate -s 1M "$WORK/probe.img"
PROBE=$(losetup -f --show -r "$WORK/probe.img" 2>/dev/null) || skip "cannot attach a loop device"
LOOPS+=("$PROBE")
cleanup_probe() {
    losetup -d "$PROBE" || fail "cannot detach $PROBE"
    LOOPS=()
    rm -f "$WORK/probe.img"
}
cleanup_probe

echo "== test_crash --emit: every fault that leaves whole sectors"
mkdir "$WORK/cases" || fail "mkdir"
"$CRASH" --emit "$WORK/cases" >"$WORK/emit.log" 2>&1 ||
    fail "test_crash --emit failed: $(tail -20 "$WORK/emit.log")"
grep '^crash:' "$WORK/emit.log"
[ -s "$WORK/cases/cases" ] || fail "no cases emitted"

# attach IMG...: read-only loop devices; CFG restricts LVM2 to them.
attach() {
    local img dev re=""
    DEVS=()
    for img in "$@"; do
        dev=$(losetup -f --show -r "$img") || fail "losetup $img failed"
        LOOPS+=("$dev")
        DEVS+=("$dev")
        re="$re${re:+|}${dev#/dev/}"
    done
    CFG="global{activation=0} backup{backup=0 archive=0}
devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\"
filter=[\"a|^/dev/($re)\$|\",\"r|.*|\"]
global_filter=[\"a|^/dev/($re)\$|\",\"r|.*|\"]}"
}

detach() {
    local l
    for l in ${LOOPS[@]+"${LOOPS[@]}"}; do
        losetup -d "$l" || fail "cannot detach $l"
    done
    LOOPS=()
}

# vgck's warnings with the device names left out, one per line.
warnings() {
    grep -i warning "$1" | sed 's|/dev/loop[0-9]*|DEV|g' | sort -u
}

# Warnings LVM2 gives for metadata it can read: activation is off here, an
# interrupted commit leaves areas at two seqnos (as LVM2's own does), and
# whatever it says about the path's original image ($WORK/base-PATH).
bad_warnings() {
    warnings "$1" | grep -v -e 'Activation disabled' -e 'ignoring metadata seqno' \
        -e 'Inconsistent metadata found' | grep -v -x -F -f "$WORK/base-$2"
}

# baseline PATH VG IMG...: what vgck says about the original image(s).
baseline() {
    local path=$1 vg=$2 i files=()
    shift 2
    for i in "$@"; do
        files+=("$WORK/cases/pristine-$path/$i")
    done
    attach "${files[@]}"
    : >"$WORK/vgck.out"
    echo 0 >"$WORK/base-rc-$path"
    # Without the VG on the original (an empty image, a zeroed label) there
    # is nothing to allow.
    if vgs --config "$CFG" --noheadings -o vg_name 2>/dev/null | grep -q -w -e "$vg"; then
        vgck --config "$CFG" "$vg" >"$WORK/vgck.out" 2>&1
        echo $? >"$WORK/base-rc-$path"
    fi
    warnings "$WORK/vgck.out" >"$WORK/base-$path"
    # grep -f with an empty file matches nothing; keep one impossible line.
    echo "(no warning)" >>"$WORK/base-$path"
    detach
    echo "baseline: $path: vgck on the original exits $(cat "$WORK/base-rc-$path")," \
        "$(($(wc -l <"$WORK/base-$path") - 1)) warning(s) allowed besides an interrupted commit's"
}

N=0
FORCED=0
MIXED=0
ABSENT=0
PATHS=""
while read -r id path mode at vg old new force imgs; do
    dir="$WORK/cases/$id"
    set -- $imgs
    [ -e "$WORK/base-$path" ] || baseline "$path" "$vg" "$@"
    files=()
    for i in "$@"; do
        files+=("$dir/$i")
    done
    attach "${files[@]}"
    vgs --config "$CFG" --noheadings --separator ' ' -o vg_name,vg_seqno >"$WORK/vgs.out" \
        2>"$WORK/vgs.err"
    seq=$(awk -v vg="$vg" '$1 == vg { print $2 }' "$WORK/vgs.out" | head -1)
    got=${seq:-none}
    if [ "$got" != "$old" ] && [ "$got" != "$new" ]; then
        fail "$id $path $mode at $at: LVM2 reads $vg at '$got', neither the old ($old) nor the new ($new) state: $(cat "$WORK/vgs.err")"
    fi
    [ "$got" = none ] && ABSENT=$((ABSENT + 1))
    if [ -n "$seq" ]; then
        vgck --config "$CFG" "$vg" >"$WORK/vgck.out" 2>&1
        rc=$?
        [ $rc -eq 0 ] || [ "$(cat "$WORK/base-rc-$path")" != 0 ] ||
            fail "$id $path $mode at $at: vgck $vg failed: $(cat "$WORK/vgck.out")"
        if bad_warnings "$WORK/vgck.out" "$path" >/dev/null; then
            fail "$id $path $mode at $at: vgck warns: $(bad_warnings "$WORK/vgck.out" "$path")"
        fi
        grep -q 'Inconsistent metadata found' "$WORK/vgck.out" && MIXED=$((MIXED + 1))
    fi
    detach

    undo_imgs=()
    while read -r i; do
        undo_imgs+=("$dir/$i")
    done <"$dir/undo-images"
    # An --apply-undo stopped inside a range is run again with --force (the
    # range is neither original nor as left; test_crash checked that only
    # the torn write's ranges are).
    extra=()
    [ "$force" = force ] && extra=(--force)
    out=$("$LVMREPAIR" --apply-undo "$dir/undo" --yes ${extra[@]+"${extra[@]}"} "${undo_imgs[@]}" 2>&1) ||
        fail "$id $path $mode at $at: lvmrepair --apply-undo ${extra[*]} failed: $out"
    for i in "$@"; do
        a=$(sha256sum <"$dir/$i")
        b=$(sha256sum <"$WORK/cases/pristine-$path/$i")
        [ "$a" = "$b" ] || fail "$id $path $mode at $at: $i differs from the original after --apply-undo"
    done
    rm -rf "$dir"
    N=$((N + 1))
    case " $PATHS " in *" $path "*) ;; *) PATHS="$PATHS $path" ;; esac
    [ "$force" = force ] && FORCED=$((FORCED + 1))
    echo "ok: $id $path $mode at $at: LVM2 reads $vg at $got (old $old, new $new); --apply-undo ${extra[*]} restored the original bytes"
done <"$WORK/cases/cases"

echo "PASSED: $NAME: $N faults over$PATHS: LVM2 read old or new every time ($MIXED with areas at two seqnos as in LVM2's own interrupted commits, $ABSENT with no VG where that is the old or new state), vgck accepted each, --apply-undo brought back the original bytes ($FORCED re-runs of an apply-undo stopped inside a range needed --force)"
