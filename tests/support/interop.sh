# Shared helpers of the interop tests (bash; sourced).
#
# The lvmrepair interop tests restore versions on copies of the real-LVM2
# fixtures with lvmrepair and then ask real LVM2 about them on loop
# devices; some (restore-moved, status-moved) make their images with real
# LVM2 at run time. Every LVM2 command gets the activation=0 configuration
# of shared/REAL-LVM.md and a device filter accepting only the loop devices
# this test attached, so other users' devices are never read; only those
# devices are ever detached.
#
# Use:
#   source tests/support/interop.sh; lr_init NAME BINARY FIXTURES
# then lr_fixture, lr_attach, lr_lvm, ... (below). Tests that only read the
# committed fixtures (no root, no loop devices, no LVM2) start with
#   lr_init_offline NAME BINARY FIXTURES
# instead, and tests that need only a scratch directory and lr_fail
#   lr_init_scratch NAME
# A missing requirement prints "SKIPPED: NAME (reason)" and exits
# 77; a failure prints "FAILED: NAME: reason" and exits 1. Either way the
# scratch directory $LR_TMP and the loop devices attached are cleaned up.

LR_NAME=
LR_BIN=
LR_FIX=
LR_TMP=
LR_LOOPS=()
LR_CFG=

lr_skip() {
    echo "SKIPPED: $LR_NAME ($*)"
    exit 77
}

lr_fail() {
    echo "FAILED: $LR_NAME: $*" >&2
    exit 1
}

# The EXIT trap: detaches our loop devices, removes $LR_TMP.
lr_cleanup() {
    lr_detach_all
    [ -n "$LR_TMP" ] && rm -rf "$LR_TMP"
}

# lr_need CMD...: skips the test when one of the commands is not found.
lr_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || lr_skip "no $t"
    done
}

# lr_init_scratch NAME: names the test (for lr_skip and lr_fail) and makes
# the scratch directory $LR_TMP, removed at exit.
lr_init_scratch() {
    LR_NAME=$1
    LR_TMP=$(mktemp -d /tmp/lr-interop.XXXXXX) || lr_fail "mktemp"
    trap lr_cleanup EXIT
    trap 'exit 130' INT TERM HUP
}

# lr_setup NAME BINARY FIXTURES: names the test, checks the binary and the
# fixtures directory and makes $LR_TMP (removed at exit).
lr_setup() {
    LR_NAME=$1
    LR_BIN=$2
    LR_FIX=$3
    [ -x "$LR_BIN" ] || lr_fail "binary $LR_BIN not built"
    [ -d "$LR_FIX" ] || lr_fail "fixtures directory $LR_FIX missing"
    lr_init_scratch "$1"
}

# lr_init_offline NAME BINARY FIXTURES: for a test that runs BINARY on the
# committed fixtures and checks its output with python3.
lr_init_offline() {
    LR_NAME=$1
    lr_need python3
    lr_setup "$@"
}

# lr_init NAME BINARY FIXTURES: checks what an LVM2 interop test needs
# (root, loop devices, lvm2's reporting commands).
lr_init() {
    LR_NAME=$1
    [ "$(id -u)" -eq 0 ] || lr_skip "needs root to attach loop devices"
    command -v losetup >/dev/null 2>&1 || lr_skip "no losetup (util-linux)"
    [ -e /dev/loop-control ] || lr_skip "no loop device support"
    local t
    for t in vgs lvs vgck pvck pvs; do
        command -v $t >/dev/null 2>&1 || lr_skip "no lvm2 ($t missing)"
    done
    lr_setup "$@"
    export LVM_SUPPRESS_FD_WARNINGS=1
}

# lr_fixture FIXTURE: decompresses the fixture's images into $LR_TMP/work
# and keeps pristine copies in $LR_TMP/orig.
lr_fixture() {
    local f=$LR_FIX/$1 gz img
    [ -d "$f" ] || lr_fail "fixture $1 missing"
    rm -rf "$LR_TMP/work" "$LR_TMP/orig"
    mkdir -p "$LR_TMP/work" "$LR_TMP/orig"
    for gz in "$f"/*.img.gz; do
        img=$(basename "$gz" .gz)
        gzip -dc "$gz" >"$LR_TMP/orig/$img" || lr_fail "cannot decompress $gz"
        cp --sparse=always "$LR_TMP/orig/$img" "$LR_TMP/work/$img"
    done
}

# The config for LVM2: activation off, no backups, only our devices.
lr_make_cfg() {
    local re="" l
    for l in "${LR_LOOPS[@]}"; do
        re="$re${re:+|}${l#/dev/}"
    done
    LR_CFG="global{activation=0} backup{backup=0 archive=0}
devices{use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\"
filter=[\"a|^/dev/($re)(p[0-9]+)?\$|\",\"r|.*|\"]
global_filter=[\"a|^/dev/($re)(p[0-9]+)?\$|\",\"r|.*|\"]}"
}

# lr_attach IMG [-P]: attaches an image; prints nothing; LR_LAST_LOOP is
# the device. With -P the partitions get nodes (partx -a when the kernel
# did not make them).
lr_attach() {
    local img=$1 part=${2:-} dev
    if [ "$part" = -P ]; then
        dev=$(losetup -f --show -P "$img" 2>/dev/null) || lr_skip "losetup -P could not attach"
    else
        dev=$(losetup -f --show "$img" 2>/dev/null) || lr_skip "losetup could not attach"
    fi
    LR_LOOPS+=("$dev")
    LR_LAST_LOOP=$dev
    if [ "$part" = -P ] && [ ! -e "${dev}p1" ]; then
        command -v partx >/dev/null 2>&1 || lr_skip "no partx to add partition nodes"
        partx -a "$dev" 2>/dev/null
        [ -e "${dev}p1" ] || lr_skip "no partition nodes for $dev"
    fi
    lr_make_cfg
}

# lr_backups_on DIR: LVM2 writes its backup and archive files into
# DIR/backup and DIR/archive (made here) from now on, until the next
# lr_attach makes the config anew.
lr_backups_on() {
    mkdir -p "$1/backup" "$1/archive"
    local cfg=${LR_CFG/backup\{backup=0 archive=0\}/backup{backup=1 archive=1 backup_dir=\"$1/backup\" archive_dir=\"$1/archive\"}}
    [ "$cfg" != "$LR_CFG" ] || lr_fail "cannot turn backups on in the test's LVM2 config"
    LR_CFG=$cfg
}

# lr_new_images SIZE N: N empty images $LR_TMP/pv1.img ... attached; their
# loop devices in LR_NEW (in order).
lr_new_images() {
    local i
    LR_NEW=()
    for i in $(seq 1 "$2"); do
        truncate -s "$1" "$LR_TMP/pv$i.img" || lr_fail "truncate"
        lr_attach "$LR_TMP/pv$i.img"
        LR_NEW+=("$LR_LAST_LOOP")
    done
}

# lr_must CMD ARGS...: lr_lvm, failing the test when the command fails.
lr_must() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

# lr_detach_all: detaches every loop device the test attached (only those).
lr_detach_all() {
    local l
    for l in "${LR_LOOPS[@]}"; do
        losetup -d "$l" 2>/dev/null || echo "warning: could not detach $l" >&2
    done
    LR_LOOPS=()
}

# lr_attach_work [-P]: attaches every image of the work directory.
lr_attach_work() {
    local img
    for img in "$LR_TMP"/work/*.img; do
        lr_attach "$img" "${1:-}"
    done
}

# lr_lvm CMD ARGS...: runs an LVM2 command with our config; output (both
# streams) in LR_OUT, status returned.
lr_lvm() {
    local cmd=$1
    shift
    LR_OUT=$("$cmd" --config "$LR_CFG" "$@" 2>&1)
}

# Fails when LR_OUT has WARNING lines other than activation/backup notices.
lr_no_warnings() {
    local bad
    bad=$(printf '%s\n' "$LR_OUT" | grep -i 'warning' |
        grep -v -e 'Activation disabled' -e 'backup' -e 'archiv')
    [ -z "$bad" ] || lr_fail "$1: LVM2 warns: $bad"
}

# lr_vg_seqno VG: LVM2's seqno of VG (empty when it does not find it).
lr_vg_seqno() {
    lr_lvm vgs --noheadings -o vg_seqno "$1"
    printf '%s\n' "$LR_OUT" | grep -v -i warning | tr -d ' ' | grep -E '^[0-9]+$' | head -1
}

# lr_lv_names VG: sorted LV names, one line, space separated.
lr_lv_names() {
    lr_lvm lvs --noheadings -o lv_name "$1"
    printf '%s\n' "$LR_OUT" | grep -v -i warning | tr -d ' ' | grep -v '^$' | sort | tr '\n' ' ' |
        sed 's/ $//'
}

# lr_pv_devices: the PV devices LVM2 sees among ours.
lr_pv_devices() {
    lr_lvm pvs --noheadings -o pv_name
    printf '%s\n' "$LR_OUT" | grep -v -i warning | tr -d ' ' | grep -v '^$'
}

# lr_max_copy_seqno VG: the highest seqno of any copy of VG that pvck finds
# in the metadata areas of our PVs (both areas where there are two).
lr_max_copy_seqno() {
    local vg=$1 dev max=0 s n
    for dev in $(lr_pv_devices); do
        for n in 1 2; do
            LR_OUT=$(pvck --config "$LR_CFG" --dump metadata_search --settings "mda_num=$n" \
                "$dev" 2>&1)
            for s in $(printf '%s\n' "$LR_OUT" | grep "metadata at" | grep " vg $vg " |
                sed -n 's/.* seqno \([0-9]*\) .*/\1/p'); do
                [ "$s" -gt "$max" ] && max=$s
            done
        done
    done
    echo "$max"
}

# lr_expected_lvs FILE: sorted LV names of a fixture's truth lvs.json.
lr_expected_lvs() {
    grep -o '"lv_name":"[^"]*"' "$1" | sed 's/.*:"\(.*\)"/\1/' | sort | tr '\n' ' ' |
        sed 's/ $//'
}

# lr_allowed_regions FIXTURE [PVS_JSON]: "IMG START END" lines (end
# exclusive) for every PV of the fixture: its label sectors (0..2047), its
# first metadata area (4096..pe_start) and, for two areas, the last MiB.
lr_allowed_regions() {
    local fix=$LR_FIX/$1 json=${2:-$LR_FIX/$1/truth/pvs.json}
    local dev img start mdas line pe size
    while read -r dev img start mdas; do
        line=$(grep "\"pv_name\":\"$dev\"" "$json")
        pe=$(printf '%s' "$line" | sed -n 's/.*"pe_start":"\([0-9]*\)".*/\1/p')
        size=$(printf '%s' "$line" | sed -n 's/.*"dev_size":"\([0-9]*\)".*/\1/p')
        [ -n "$pe" ] && [ -n "$size" ] || lr_fail "no pe_start/dev_size for $dev in $json"
        echo "$img $start $((start + 2048))"
        echo "$img $((start + 4096)) $((start + pe))"
        [ "$mdas" = 2 ] && echo "$img $((start + size - 1048576)) $((start + size))"
    done <"$fix/truth/devices"
}

# lr_check_outside FIXTURE [PVS_JSON]: every byte that differs between
# orig/ and work/ lies in a label, an mda header or a metadata area.
lr_check_outside() {
    local regions img bad
    regions=$(lr_allowed_regions "$@")
    for img in "$LR_TMP"/orig/*.img; do
        img=$(basename "$img")
        bad=$(cmp -l "$LR_TMP/orig/$img" "$LR_TMP/work/$img" | awk -v img="$img" -v r="$regions" '
            BEGIN { n = split(r, L, "\n"); k = 0
                    for (i = 1; i <= n; i++) { split(L[i], f, " ")
                        if (f[1] == img) { s[k] = f[2]; e[k] = f[3]; k++ } } }
            { off = $1 - 1; ok = 0
              for (i = 0; i < k; i++) if (off >= s[i] && off < e[i]) { ok = 1; break }
              if (!ok) { print off; exit } }')
        [ -z "$bad" ] || lr_fail "$img: byte $bad changed outside labels and metadata areas"
        echo "ok: $img: $(cmp -l "$LR_TMP/orig/$img" "$LR_TMP/work/$img" | wc -l) bytes changed, all inside labels/metadata areas"
    done
}

# lr_same_as_orig: work/ is byte-identical to orig/.
lr_same_as_orig() {
    local img
    for img in "$LR_TMP"/orig/*.img; do
        cmp -s "$img" "$LR_TMP/work/$(basename "$img")" ||
            lr_fail "$(basename "$img") differs from the original after $1"
    done
}

# lr_restore_case FIXTURE VG SEQNO NEW_SEQNO "LV NAMES" [-P] [PVS_JSON]:
# restores VG's SEQNO on the work copies, checks with LVM2 that VG is at
# NEW_SEQNO with exactly those LVs, above every copy on disk, without
# warnings (vgs, lvs, vgck), that only metadata bytes changed, then puts
# the original bytes back with --apply-undo. A function named in
# LR_EXTRA_CHECK runs while the devices are attached.
lr_restore_case() {
    local fix=$1 vg=$2 seqno=$3 new=$4 lvs=$5 part=${6:-} json=${7:-} out rc s names max
    lr_fixture "$fix"
    out=$("$LR_BIN" --restore "seqno=$seqno" --vg "$vg" --yes --undo "$LR_TMP/undo" \
        "$LR_TMP"/work/*.img 2>&1)
    rc=$?
    printf '%s\n' "$out"
    [ $rc -eq 0 ] || lr_fail "lvmrepair --restore seqno=$seqno exited $rc"
    lr_check_outside "$fix" $json

    lr_attach_work $part
    s=$(lr_vg_seqno "$vg")
    lr_no_warnings "vgs $vg"
    [ "$s" = "$new" ] || lr_fail "vgs: $vg is at seqno '$s', expected $new"
    names=$(lr_lv_names "$vg")
    lr_no_warnings "lvs $vg"
    [ "$names" = "$lvs" ] || lr_fail "lvs $vg: '$names', expected '$lvs'"
    lr_lvm vgck "$vg" || lr_fail "vgck $vg failed: $LR_OUT"
    lr_no_warnings "vgck $vg"
    max=$(lr_max_copy_seqno "$vg")
    [ "$max" = "$new" ] || lr_fail "highest copy of $vg on disk is seqno $max, expected $new"
    echo "ok: LVM2 reads $vg seqno $s (highest copy on disk: $max), LVs: $names, no warnings"
    if [ -n "${LR_EXTRA_CHECK:-}" ]; then
        "$LR_EXTRA_CHECK" || lr_fail "extra check $LR_EXTRA_CHECK failed"
    fi
    lr_detach_all

    out=$("$LR_BIN" --apply-undo "$LR_TMP/undo" --yes 2>&1)
    rc=$?
    printf '%s\n' "$out"
    [ $rc -eq 0 ] || lr_fail "--apply-undo exited $rc"
    lr_same_as_orig "--apply-undo"
    echo "ok: --apply-undo brought back the original bytes"
}

# lr_moved_need: skips the test without the LVM2 commands lr_make_moved runs.
lr_moved_need() {
    local t
    for t in pvcreate vgcreate lvcreate vgsplit vgrename vgmerge; do
        command -v $t >/dev/null 2>&1 || lr_skip "no lvm2 ($t missing)"
    done
}

# lr_make_moved DIR A B C D [merge]: real LVM2 makes pv1.img, pv2.img and
# pv3.img (16 MiB each) in DIR: VG A on pv1+pv2, VG B on pv3, LVs a1 (on
# pv1), a2 (on pv2) and b1; then vgsplit A C pv2 (a2 goes with it). With
# "merge", also vgrename C D and vgmerge B D: pv2 keeps its label and UUID
# and its metadata area commits B's version; LR_MOVED_SEQNO is then B's
# seqno as LVM2's vgs reports it. The loop devices are detached after.
lr_make_moved() {
    local dir=$1 a=$2 b=$3 c=$4 d=$5 i
    mkdir -p "$dir"
    for i in 1 2 3; do
        truncate -s 16M "$dir/pv$i.img"
        lr_attach "$dir/pv$i.img"
    done
    local p1=${LR_LOOPS[0]} p2=${LR_LOOPS[1]} p3=${LR_LOOPS[2]}
    lr_moved_lvm pvcreate -y "$p1" "$p2" "$p3"
    lr_moved_lvm vgcreate -s 1m "$a" "$p1" "$p2"
    lr_moved_lvm vgcreate -s 1m "$b" "$p3"
    lr_moved_lvm lvcreate -an -Zn -y -L 4M -n a1 "$a" "$p1"
    lr_moved_lvm lvcreate -an -Zn -y -L 4M -n a2 "$a" "$p2"
    lr_moved_lvm lvcreate -an -Zn -y -L 4M -n b1 "$b"
    lr_moved_lvm vgsplit "$a" "$c" "$p2"
    LR_MOVED_SEQNO=
    if [ "${6:-}" = merge ]; then
        lr_moved_lvm vgrename "$c" "$d"
        lr_moved_lvm vgmerge "$b" "$d"
        LR_MOVED_SEQNO=$(lr_vg_seqno "$b")
    fi
    lr_detach_all
}

# lr_moved_lvm CMD ARGS...: an LVM2 command of lr_make_moved; fails the
# test when it fails.
lr_moved_lvm() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

# lr_vg_accepts IMG VG "LV NAMES" WHAT: attaches IMG, fails unless vgck
# accepts VG without warnings and its LVs are exactly LV NAMES (sorted,
# space separated); detaches every device.
lr_vg_accepts() {
    lr_attach "$1"
    lr_lvm vgck "$2" || lr_fail "$4: vgck: $LR_OUT"
    lr_no_warnings "$4: vgck"
    [ "$(lr_lv_names "$2")" = "$3" ] || lr_fail "$4: LVs $(lr_lv_names "$2"), expected $3"
    lr_detach_all
}

# lr_new_vg IMG VG: IMG made 32 MiB, attached (LR_LAST_LOOP), one PV
# (1 MiB data alignment, 1000 KiB metadata area) in the new VG (1 MiB
# extents). Fails the test when LVM2 refuses.
lr_new_vg() {
    truncate -s 32M "$1"
    lr_attach "$1"
    lr_lvm pvcreate -y --dataalignment 1m --metadatasize 1000k "$LR_LAST_LOOP" ||
        lr_fail "pvcreate: $LR_OUT"
    lr_lvm vgcreate -s 1m "$2" "$LR_LAST_LOOP" || lr_fail "vgcreate: $LR_OUT"
}
