#!/bin/bash
# Golden screen dumps of lvmtui's test mode: each case runs
#   lvmtui --script KEYS --screen-dump FILE [--size COLSxROWS] IMAGE...
# on the committed real-LVM2 fixtures and compares the screens with
# tests/tui/golden/NAME.txt. Images are named by relative paths, so no
# screen shows where the checkout is; restore cases run on a decompressed
# copy with a fixed clock and host (--now, --host), so their screens (undo
# file name, new copy) are stable too.
#
# Usage: golden.sh PATH/TO/lvmtui FIXTURES_DIR GOLDEN_DIR
# LR_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -u

NAME=tui-golden
LVMTUI=${1:-}
FIXTURES=${2:-}
GOLDEN=${3:-}
[ -x "$LVMTUI" ] && [ -d "$FIXTURES" ] && [ -d "$GOLDEN" ] ||
    { echo "usage: $0 PATH/TO/lvmtui FIXTURES_DIR GOLDEN_DIR" >&2; exit 2; }
LVMTUI=$(readlink -f "$LVMTUI")
FIXTURES=$(cd "$FIXTURES" && pwd)
GOLDEN=$(cd "$GOLDEN" && pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lr-tui-golden.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILED=0
RAN=0

# case NAME SIZE "IMAGES" SCRIPT
#   IMAGES are fixture paths (fixture/file), given to lvmtui relative to the
#   fixtures directory so that screens (and where long lines wrap) do not
#   depend on where the checkout is. A leading '+' means "a decompressed,
#   writable copy" (for restores), given relative to its own temp dir.
case_() {
    local name=$1 size=$2 images=$3 script=$4 args=() img out dir=$FIXTURES
    for img in $images; do
        if [ "${img#+}" != "$img" ]; then
            img=${img#+}
            dir=$WORK/$name
            mkdir -p "$dir"
            gzip -dc "$FIXTURES/$img" >"$dir/$(basename "${img%.gz}")" ||
                { echo "FAIL: $NAME: cannot decompress $img"; exit 1; }
            args+=("$(basename "${img%.gz}")")
        else
            args+=("$img")
        fi
    done
    out="$WORK/$name.txt"
    (cd "$dir" && "$LVMTUI" --now 1800000000 --host testhost --size "$size" \
        --script "$script" --screen-dump "$out" "${args[@]}") \
        >"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
    local rc=$?
    RAN=$((RAN + 1))
    if [ $rc -ne 0 ]; then
        echo "FAIL: $NAME: $name: lvmtui exited $rc: $(cat "$WORK/$name.stderr")"
        FAILED=$((FAILED + 1))
        return
    fi
    if [ "${LR_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$out" "$GOLDEN/$name.txt"
        echo "updated $name"
        return
    fi
    if ! diff -u "$GOLDEN/$name.txt" "$out" >"$WORK/$name.diff"; then
        echo "FAIL: $NAME: $name differs from golden/$name.txt:"
        cat "$WORK/$name.diff"
        FAILED=$((FAILED + 1))
    fi
}

H=history/disk.img.gz
case_ vgs            80x24  "$H" '<Dump>'
case_ history        80x24  "$H" '<Enter><Dump>'
case_ history-wide   120x30 "$H" '<Enter><Down><Dump>'
case_ detail-15      80x24  "$H" '<Enter><Down><Enter><Dump><PgDn><Dump>'
case_ diff-15-16     80x24  "$H" '<Enter><Down>d<Dump>'
case_ diff-mark-7-8  80x24  "$H" '<Enter><End>kkkkkk<Space>kd<Dump>'
case_ diff-1-16      100x30 "$H" '<Enter><End>d<Dump>n<Dump>p<Dump>'
case_ search         80x24  "$H" '<Enter>/lvrename<Dump><Enter><Dump>/nothing<Enter><Dump>'
case_ export-prompt  80x24  "$H" '<Enter><Down>e<Dump><Esc><Dump>'
case_ export-overwrite 80x24 "+$H" '<Enter><Down>e<Enter>e<Enter><Dump>no<Enter><Dump>e<Enter>yes<Enter><Dump>'
case_ help           80x24  "$H" '?<Dump><PgDn><Dump>q<Dump>'
case_ too-small      80x24  "$H" '<Size=79x23><Dump><Size=80x24><Dump>'
# keys typed while the screen is too small wait: the review still asks
case_ small-keys     100x30 "+$H" '<Enter><Down>R<Size=79x23>yes<Enter><Dump><Size=100x30><Dump>'
case_ restore-gz     80x24  "$H" '<Enter><Down>R<Dump><Esc><Dump>'
case_ restore        100x30 "+$H" '<Enter><Down>R<Dump><PgDn><Dump>yes<Enter><Dump><Esc><Dump>'
case_ restore-cancel 80x24  "+$H" '<Enter><Down>Ryes please<Enter><Dump>'
# b brings back the LV under the cursor (lv3, the one seqno 16 lacks)
case_ restore-lv     100x30 "+$H" '<Enter><Down><Enter><Dump>b<Dump>yes<Enter><Dump>'
# data exists in seqno 16: b asks only for a new name; its extents are taken
case_ restore-lv-refused 80x24 "+$H" '<Enter><Down><Enter>kb<Dump>data2<Enter><Dump>'
# B types the names (the old b prompt)
case_ restore-lv-typed 80x24 "+$H" '<Enter><Down><Enter>B<BS><BS><BS>data<Enter><Dump>'
case_ broken-text    80x24  "broken-text/disk.img.gz" '<Dump><Enter><Dump><Enter><Dump><Esc>R<Dump>'
case_ reinit         80x24  "reinit/disk.img.gz" '<Dump><Down><Enter><Dump>'
# vgd's PV moved to vgb (vgsplit + vgmerge): its status names vgb and how
case_ moved          80x24  "moved/pv1.img.gz moved/pv2.img.gz moved/pv3.img.gz" '<Dump>'
case_ three-pv       100x40 "three-pv/pv1.img.gz three-pv/pv2.img.gz three-pv/pv3.img.gz" '<Dump><Enter><Enter><Dump>'
case_ stale-pv       100x30 "stale-pv/pv1.img.gz stale-pv/pv2.img.gz stale-pv/pv3.img.gz" '<Dump><Enter><Dump>'
case_ gpt            100x30 "gpt/disk.img.gz" '<Enter><Enter><Dump>'
case_ label-zeroed   80x24  "label-header-zeroed/disk.img.gz" '<Dump><Enter><Enter><Dump>'
case_ wide-120x40    120x40 "$H" '<Dump><Enter><Dump><Down><Enter><Dump><Esc>d<Dump><Esc>R<Dump><Esc>?<Dump>'

# LVM2 archive files the kernel compressed inline in btrfs leaves
# (fixtures/backup/btrfs.img.gz): each copy says where and how it is stored
case_ backup-btrfs   100x30 "backup/btrfs.img.gz" '<Enter><End><Enter><Dump>'
case_ backup-btrfs-large 120x24 "backup/btrfs-large.img.gz" '<Dump>'

if [ "$FAILED" -ne 0 ]; then
    echo "$NAME: $FAILED of $RAN cases failed (LR_UPDATE_GOLDEN=1 rewrites them after review)"
    exit 1
fi
echo "$NAME: $RAN cases match"
exit 0
