#!/bin/bash
# Interop test of mlvm against real LVM2: runs the issue's quick start and a
# dozen create/remove/resize/rename steps, and after every step attaches the
# image to a read-only loop device and asks LVM2 itself: vgs, lvs and vgck
# must accept it without warnings and show the same VG, LVs and sizes as
# `mlvm read --json`; `pvck --dump metadata_search` must list every version
# written. A PV formatted with two metadata areas must have both in use.
# Refused requests must leave the image byte-identical.
#
# Usage: mlvm-interop.sh PATH/TO/mlvm
# Needs root, losetup with loop devices, lvm2 and jq; without them it prints
# "SKIPPED: mlvm-interop (reason)" and exits 77 (ctest reports a skip).
set -u

NAME=mlvm-interop
MLVM=${1:-}

skip() {
    echo "SKIPPED: $NAME ($*)"
    exit 77
}

if [ -z "$MLVM" ] || [ ! -x "$MLVM" ]; then
    echo "usage: $0 PATH/TO/mlvm" >&2
    exit 2
fi
MLVM=$(readlink -f "$MLVM")
# The quick start says "mlvm ...": run the binary under test by that name.
PATH="$(dirname "$MLVM"):$PATH"
[ "$(command -v mlvm)" = "$MLVM" ] || { echo "usage: the program must be named mlvm" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root for loop devices"
for tool in losetup pvs vgs lvs vgck pvck jq sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed"
done
[ -e /dev/loop-control ] || skip "no loop device support (/dev/loop-control missing)"

export LVM_SUPPRESS_FD_WARNINGS=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlvm-interop.XXXXXX")
LOOPS=()
CHECKS=0
STEPS=0

# Detach only the loop devices this script attached.
cleanup() {
    local l
    for l in ${LOOPS[@]+"${LOOPS[@]}"}; do
        losetup -d "$l" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $NAME: $*" >&2
    exit 1
}

# Probe once so an environment without usable loop devices is a skip, not
# a failure.
truncate -s 1M "$WORK/probe.img"
PROBE=$(losetup -f --show -r "$WORK/probe.img" 2>/dev/null) || skip "cannot attach a loop device"
LOOPS+=("$PROBE")
losetup -d "$PROBE"
LOOPS=()
rm -f "$WORK/probe.img"

# attach IMAGE [rw]: sets DEV to a new loop device on IMAGE, read-only
# unless asked so LVM2 cannot quietly "repair" what it is supposed to
# judge. Not run in a subshell, so the exit trap knows every device.
attach() {
    local ro=-r
    [ "${2:-}" = rw ] && ro=
    DEV=$(losetup -f --show $ro "$1") || fail "losetup $1 failed"
    LOOPS+=("$DEV")
}

detach() {
    local keep=() l
    losetup -d "$1" || fail "losetup -d $1 failed"
    for l in ${LOOPS[@]+"${LOOPS[@]}"}; do
        [ "$l" = "$1" ] || keep+=("$l")
    done
    LOOPS=(${keep[@]+"${keep[@]}"})
}

lvm_config() {
    echo "global{activation=0} backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0 filter=[\"a|^$1\$|\",\"r|.*|\"]}"
}

# lvm CMD ARGS...: runs an LVM2 command restricted to $DEV; fails on a
# non-zero exit or any WARNING about anything but activation (there is no
# device-mapper here), backups (switched off) and lvcreate -Zn's "not
# zeroed". stdout goes to $WORK/lvm.out.
lvm() {
    local cmd=$1
    shift
    "$cmd" --config "$(lvm_config "$DEV")" "$@" >"$WORK/lvm.out" 2>"$WORK/lvm.err" ||
        fail "$cmd $* exited $?: $(cat "$WORK/lvm.err")"
    if grep WARNING "$WORK/lvm.err" | grep -v -e 'Activation disabled' -e 'NOT backed up' -e 'not zeroed' >"$WORK/lvm.warn"; then
        fail "$cmd printed warnings: $(cat "$WORK/lvm.warn")"
    fi
}

# check IMAGE SEQNO [MDAS]: LVM2 sees what mlvm read --json shows.
check() {
    local img=$1 seqno=$2 mdas=${3:-1} json vg vgid ext before
    before=$(sha256sum <"$img")
    json=$("$MLVM" read --json "$img") || fail "mlvm read --json $img failed"
    vg=$(jq -r .name <<<"$json")
    vgid=$(jq -r .id <<<"$json")
    ext=$(jq '.extent_size * 512' <<<"$json")
    attach "$img"

    lvm vgs --reportformat json --units b --nosuffix \
        -o vg_name,vg_uuid,vg_seqno,vg_extent_size,vg_free_count,lv_count,pv_count "$vg"
    local got want
    got=$(jq -c '.report[0].vg[0] | [.vg_name, .vg_uuid, (.vg_seqno|tonumber),
        (.vg_extent_size|tonumber), (.vg_free_count|tonumber), (.lv_count|tonumber),
        (.pv_count|tonumber)]' "$WORK/lvm.out")
    want=$(jq -c --argjson seq "$seqno" '[.name, .id, $seq, (.extent_size * 512),
        .free_space, (.logical_volumes|length), (.physical_volumes|length)]' <<<"$json")
    [ "$got" = "$want" ] || fail "vgs shows $got, mlvm read shows $want"

    lvm lvs --reportformat json --units b --nosuffix -o lv_name,lv_uuid,lv_size,seg_count "$vg"
    got=$(jq -c '[.report[0].lv[] | [.lv_name, .lv_uuid, (.lv_size|tonumber),
        (.seg_count|tonumber)]] | sort' "$WORK/lvm.out")
    want=$(jq -c --argjson ext "$ext" '[.logical_volumes[] | [.name, .id,
        (([.segments[].extent_count] | add) * $ext), (.segments|length)]] | sort' <<<"$json")
    [ "$got" = "$want" ] || fail "lvs shows $got, mlvm read shows $want"

    lvm vgck "$vg"

    lvm pvs --reportformat json -o pv_name,pv_uuid,pv_mda_count,pv_mda_used_count,pe_start \
        --units b --nosuffix "$DEV"
    got=$(jq -c '.report[0].pv[0] | [.pv_uuid, (.pv_mda_count|tonumber),
        (.pv_mda_used_count|tonumber), (.pe_start|tonumber)]' "$WORK/lvm.out")
    want=$(jq -c --argjson m "$mdas" '.physical_volumes[0] | [.id, $m, $m,
        (.pe_start * 512)]' <<<"$json")
    [ "$got" = "$want" ] || fail "pvs shows $got, want $want"

    # Every version we wrote is in every metadata area's ring, once.
    local mda s n
    for mda in $(seq 1 "$mdas"); do
        lvm pvck --dump metadata_search --settings "mda_num=$mda" "$DEV"
        for s in $(seq 1 "$seqno"); do
            n=$(grep -c "seqno $s id $vgid\$" "$WORK/lvm.out")
            [ "$n" = 1 ] || fail "pvck metadata_search (area $mda) lists seqno $s $n times"
        done
        n=$(grep -c "id $vgid\$" "$WORK/lvm.out")
        [ "$n" = "$seqno" ] || fail "pvck metadata_search (area $mda) lists $n versions, want $seqno"
    done
    detach "$DEV"
    [ "$(sha256sum <"$img")" = "$before" ] || fail "reading with LVM2 changed $img"
    CHECKS=$((CHECKS + 1))
    echo "    LVM2 agrees: VG $vg seqno $seqno, $(jq '.logical_volumes|length' <<<"$json") LV(s), $(jq .free_space <<<"$json") free extents, $mdas metadata area(s)"
}

# run WANT_EXIT mlvm-args...: runs mlvm and checks its exit status.
run() {
    local want=$1 rc
    shift
    STEPS=$((STEPS + 1))
    echo "step $STEPS: mlvm $*"
    mlvm "$@" >"$WORK/mlvm.out" 2>"$WORK/mlvm.err"
    rc=$?
    sed 's/^/    | /' "$WORK/mlvm.out" "$WORK/mlvm.err"
    [ "$rc" = "$want" ] || fail "mlvm $* exited $rc, want $want"
}

# refused WANT_EXIT IMAGE mlvm-args...: a refused request names the image
# and leaves it byte-identical.
refused() {
    local want=$1 img=$2 before
    shift 2
    before=$(sha256sum <"$img")
    run "$want" "$@"
    grep -q "$img" "$WORK/mlvm.err" || fail "the error does not name $img: $(cat "$WORK/mlvm.err")"
    [ "$(sha256sum <"$img")" = "$before" ] || fail "refused 'mlvm $*' changed $img"
}

cd "$WORK" || fail "cannot enter $WORK"

echo "== quick start"
STEPS=$((STEPS + 1))
echo "step $STEPS: dd if=/dev/zero of=disk.raw bs=1M count=1 seek=128"
dd if=/dev/zero of=disk.raw bs=1M count=1 seek=128 status=none || fail "dd failed"
run 0 format disk.raw
check disk.raw 1
run 0 read disk.raw
grep -q '^key *| value$' "$WORK/mlvm.out" || fail "read: no 'key | value' header"
run 0 create disk.raw myfirstvolume
grep -q 'smallest valid LV' "$WORK/mlvm.out" || fail "create without --size did not say so"
check disk.raw 2
run 0 read disk.raw
grep -q '^myfirstvolume/segments' "$WORK/mlvm.out" || fail "read does not show the new LV"

echo "== create / resize / rename / remove"
SEQ=2
step() {
    run 0 "$@"
    SEQ=$((SEQ + 1))
    check disk.raw "$SEQ"
}
step create disk.raw data --size 20m
step create disk.raw logs --size 10m          # rounded up to 3 extents
step resize disk.raw data +8m                 # logs is in the way: a second segment
step rename disk.raw logs journal
step create disk.raw scratch -L 16m
step remove disk.raw myfirstvolume
step resize disk.raw journal 4m               # shrink
step create disk.raw big --size 80m           # no hole holds it: split over three
step resize disk.raw data -4m
step rename disk.raw big archive
step remove disk.raw scratch
FREE=$("$MLVM" read --json disk.raw | jq .free_space)
step create disk.raw fill --size "$((FREE * 4))m" # exactly the rest
[ "$("$MLVM" read --json disk.raw | jq .free_space)" = 0 ] || fail "fill did not take all space"
step remove disk.raw archive
step resize disk.raw fill +16m                # grows into the space archive left

echo "== refusals leave the image untouched"
refused 1 disk.raw create disk.raw data --size 4m            # duplicate name
refused 1 disk.raw create disk.raw huge --size 10g           # no space left
refused 1 disk.raw resize disk.raw nosuch 8m                 # no such LV
refused 1 disk.raw rename disk.raw data fill                 # duplicate name
refused 2 disk.raw create disk.raw bad --size 12q            # bad size
refused 2 disk.raw create disk.raw bad/name                  # bad name
refused 1 disk.raw format disk.raw                           # already a PV
check disk.raw "$SEQ"
dd if=/dev/zero of=small.raw bs=1M count=2 status=none
refused 1 small.raw format small.raw                         # image too small
dd if=/dev/zero of=plain.raw bs=1M count=8 status=none
refused 1 plain.raw read plain.raw                           # not a PV
refused 1 plain.raw create plain.raw lv                      # not a PV

echo "== two metadata areas"
dd if=/dev/zero of=two.raw bs=1M count=1 seek=63 status=none
run 0 format two.raw --vg vgtwo --metadata-copies 2
check two.raw 1 2
run 0 create two.raw lv1 --size 8m
check two.raw 2 2
run 0 resize two.raw lv1 12m
check two.raw 3 2
run 0 rename two.raw lv1 lv2
check two.raw 4 2

echo "== other layouts"
dd if=/dev/zero of=ext.raw bs=1M count=1 seek=99 status=none
run 0 format ext.raw --vg vgext --extent-size 1m --metadata-size 2m
check ext.raw 1
run 0 create ext.raw a --size 3m
check ext.raw 2
dd if=/dev/zero of=fs.raw bs=1M count=64 status=none
printf '\x53\xef' | dd of=fs.raw bs=1 seek=1080 conv=notrunc status=none
refused 1 fs.raw format fs.raw                               # ext4 signature
run 0 format fs.raw --force
check fs.raw 1

echo "== a VG made by LVM2, edited by mlvm"
truncate -s 129M lvm.raw
attach lvm.raw rw
lvm pvcreate -y "$DEV"
lvm vgcreate vglvm "$DEV"
lvm lvcreate -an -Zn -y -L 8M -n lv1 vglvm
detach "$DEV"
check lvm.raw 2
run 0 create lvm.raw extra --size 12m
check lvm.raw 3
run 0 resize lvm.raw lv1 +4m
check lvm.raw 4
run 0 rename lvm.raw lv1 first
check lvm.raw 5
run 0 remove lvm.raw extra
check lvm.raw 6

echo "PASSED: $NAME: $STEPS mlvm steps, $CHECKS LVM2 checks (vgs, lvs, vgck, pvs, pvck metadata_search)"
exit 0
