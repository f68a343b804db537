#!/usr/bin/env bash
# Interop: bring back one LV from an old version into the current one
# (lvmrepair --restore-lv), judged by real LVM2.
#
# A three-PV VG gets a history made by LVM2 itself (far's PV first, so the
# PV keys change when it leaves): root, home, logs and
# far are created (version N); then root, logs and far are removed, far's
# PV leaves the VG (vgreduce), scratch is created on other extents, home
# is extended and var reduced. --restore-lv root --from seqno=N must then
# give a VG that vgs, lvs -a and vgck accept, with root on its old extents
# (same segments, same UUID), every other LV as it was, the new version
# above every copy on every PV, and no byte outside the metadata areas
# changed (sha256 of each PV's data area). Then: the refusals (name taken,
# extents taken, a PV no longer in the VG, a PV not among the images: exit
# 1, nothing written), --dry-run, and --as (a new name and UUID).
#
# usage: restore-lv.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_lv "$1" "$2"

VG=rlv_vg$$
W=$LR_TMP/work
mkdir -p "$W"
for i in 1 2 3; do
    truncate -s 32M "$W/d$i.img"
done

# lr_lvm with failure check.
must() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

attach() {
    local i
    DEV=()
    for i in 1 2 3; do
        lr_attach "$W/d$i.img"
        DEV[$i]=$LR_LAST_LOOP
    done
}

# lv_info LV: "uuid segment-ranges" as LVM2 reports them (empty when absent).
lv_info() {
    lr_lvm lvs -a --noheadings --separator ' ' -o lv_uuid,seg_pe_ranges "$VG/$1"
    printf '%s\n' "$LR_OUT" | sed 's/^ *//' | grep -E '^[0-9A-Za-z]{6}-[0-9A-Za-z]{4}-' |
        sed "s|/dev/loop[0-9]*|PV|g" | tr '\n' ' ' | sed 's/ $//'
}

# data_sums: sha256 of each image from pe_start (1 MiB) to the end: the
# extents; every LVM2 label and metadata area of these PVs lies before.
data_sums() {
    local i
    for i in 1 2 3; do
        tail -c +$((1048576 + 1)) "$W/d$i.img" | sha256sum | cut -d' ' -f1
    done | tr '\n' ' '
}

all_sums() {
    sha256sum "$W"/d*.img | cut -d' ' -f1 | tr '\n' ' '
}

# run ARGS...: lvmrepair on the three images (output in OUT, status in RC).
run() {
    OUT=$("$LR_BIN" "$@" 2>&1)
    RC=$?
    printf '%s\n' "$OUT"
}

refused() {
    local what=$1 pattern=$2 before
    [ "$RC" -eq 1 ] || lr_fail "$what: exit $RC, expected 1 (refused)"
    printf '%s\n' "$OUT" | grep -q -e "$pattern" || lr_fail "$what: no '$pattern' in the message"
    echo "ok: $what refused"
}

# ---- the history, made by LVM2 -----------------------------------------------------

attach
for i in 1 2 3; do
    must pvcreate -y --dataalignment 1m --metadatasize 1000k "${DEV[$i]}"
done
# far's PV first: once it leaves the VG, LVM2 numbers the others pv0 and
# pv1, so root's segment (pv1 in version N) must name pv0 when it comes back.
must vgcreate -s 1m "$VG" "${DEV[3]}" "${DEV[1]}" "${DEV[2]}"
must lvcreate -an -Zn -y -L 8m -n root "$VG" "${DEV[1]}"
must lvcreate -an -Zn -y -L 4m -n home "$VG" "${DEV[1]}"
must lvcreate -an -Zn -y -L 6m -n var "$VG" "${DEV[2]}"
must lvcreate -an -Zn -y -L 3m -n logs "$VG" "${DEV[2]}"
must lvcreate -an -Zn -y -L 2m -n far "$VG" "${DEV[3]}"
must lvchange --addtag keepme "$VG/root"
N=$(lr_vg_seqno "$VG")
ROOT_N=$(lv_info root)
[ -n "$ROOT_N" ] || lr_fail "no root at seqno $N"
echo "version N = $N; root: $ROOT_N"
must lvremove -f "$VG/root"
must lvremove -f "$VG/logs"
must lvremove -f "$VG/far"
must vgreduce "$VG" "${DEV[3]}"
must lvcreate -an -Zn -y -L 5m -n scratch "$VG" "${DEV[2]}:9-20"
must lvextend -y -L +2m "$VG/home" "${DEV[2]}"
must lvreduce -y -f -L 4m "$VG/var"
CUR=$(lr_vg_seqno "$VG")
BEFORE=""
for lv in home var scratch; do
    BEFORE="$BEFORE$lv=$(lv_info $lv);"
done
echo "current seqno $CUR: $BEFORE"
lr_detach_all

# The data of root's extents: a pattern lvmrepair must not touch.
dd if=/dev/urandom of="$W/d1.img" bs=1M seek=1 count=8 conv=notrunc status=none
IMGS=("$W/d1.img" "$W/d2.img" "$W/d3.img")
SUMS=$(data_sums)
ALL=$(all_sums)

# ---- refusals and the dry run: exit 1 or 0, nothing written ------------------------------

run --restore-lv far --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u0" "${IMGS[@]}"
refused "far, whose PV left the VG" "not in the current version"
run --restore-lv logs --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u0" "$W/d1.img"
refused "logs, whose PV is not among the images" "not among the images"
run --restore-lv home --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u0" "${IMGS[@]}"
refused "home, which exists" "--as NEWNAME"
run --restore-lv nosuch --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "an LV the version does not have" "no LV named nosuch"
run --restore-lv root --from "seqno=$N" --vg "$VG" --dry-run "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--dry-run exited $RC"
printf '%s\n' "$OUT" | grep -q "Dry run: nothing written" || lr_fail "--dry-run: no notice"
printf '%s\n' "$OUT" | grep -q "^  root: 8.00 MiB" || lr_fail "--dry-run: root not in the plan"
[ "$(all_sums)" = "$ALL" ] || lr_fail "a refusal or the dry run changed an image"
[ ! -e "$LR_TMP/u0" ] || lr_fail "a refusal created an undo file"
echo "ok: refusals and the dry run wrote nothing"

# ---- bring back root --------------------------------------------------------------------

run --restore-lv root --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u1" \
    --log "$LR_TMP/log" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv root exited $RC"
grep -q "restore LVs root into seqno $CUR" "$LR_TMP/log" || lr_fail "the log does not say it"
[ "$(data_sums)" = "$SUMS" ] || lr_fail "bytes outside the metadata areas changed"
echo "ok: no byte outside the metadata areas changed"

attach
NEW=$((CUR + 1))
s=$(lr_vg_seqno "$VG")
must vgs "$VG"
lr_no_warnings "vgs $VG"
[ "$s" = "$NEW" ] || lr_fail "vgs: $VG at seqno '$s', expected $NEW"
lr_lvm lvs -a --noheadings -o lv_name "$VG"
lr_no_warnings "lvs -a $VG"
names=$(printf '%s\n' "$LR_OUT" | grep -v -i warning | tr -d ' ' | grep -v '^$' | sort | tr '\n' ' ')
[ "$names" = "home root scratch var " ] || lr_fail "lvs -a: '$names'"
must vgck "$VG"
lr_no_warnings "vgck $VG"
[ "$(lv_info root)" = "$ROOT_N" ] || lr_fail "root is '$(lv_info root)', was '$ROOT_N'"
printf '%s\n' "$OUT" | grep -q "^      pv0 .* extents 0..7 (free in seqno $CUR)" ||
    lr_fail "the plan does not put root on pv0 (pv1 in seqno $N)"
lr_lvm lvs --noheadings -o lv_tags "$VG/root"
printf '%s\n' "$LR_OUT" | grep -q keepme || lr_fail "root lost its tag"
AFTER=""
for lv in home var scratch; do
    AFTER="$AFTER$lv=$(lv_info $lv);"
done
[ "$AFTER" = "$BEFORE" ] || lr_fail "other LVs changed: '$AFTER', were '$BEFORE'"
for i in 1 2; do
    LR_OUT=$(pvck --config "$LR_CFG" --dump metadata_search "${DEV[$i]}" 2>&1)
    m=$(printf '%s\n' "$LR_OUT" | grep "metadata at" | sed -n 's/.* seqno \([0-9]*\) .*/\1/p' |
        sort -n | tail -1)
    [ "$m" = "$NEW" ] || lr_fail "PV ${DEV[$i]}: newest copy seqno '$m', expected $NEW"
done
echo "ok: LVM2 reads $VG seqno $s with root as in seqno $N, the others unchanged, on both PVs"

# ---- root comes back again: its name and its extents are taken ----------------------------

lr_detach_all
ALL=$(all_sums)
run --restore-lv root --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "root again" "already has an LV named root"
run --restore-lv root --as rootcopy --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "root as rootcopy over root" "are LV root's"
[ "$(all_sums)" = "$ALL" ] || lr_fail "a refusal changed an image"

# ---- --as: root removed again, a new root elsewhere; the old one comes back renamed --------

attach
must lvremove -f "$VG/root"
must lvcreate -an -Zn -y -L 1m -n root "$VG" "${DEV[2]}"
NEWROOT=$(lv_info root)
CUR=$(lr_vg_seqno "$VG")
lr_detach_all
run --restore-lv root --as oldroot --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u2" \
    "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv root --as oldroot exited $RC"
[ "$(data_sums)" = "$SUMS" ] || lr_fail "bytes outside the metadata areas changed (--as)"
attach
s=$(lr_vg_seqno "$VG")
[ "$s" = "$((CUR + 1))" ] || lr_fail "vgs: seqno '$s', expected $((CUR + 1))"
must vgck "$VG"
lr_no_warnings "vgck $VG"
old=$(lv_info oldroot)
[ "${old#* }" = "${ROOT_N#* }" ] || lr_fail "oldroot's segments '$old', root's were '$ROOT_N'"
[ "${old%% *}" != "${ROOT_N%% *}" ] || lr_fail "oldroot kept root's UUID"
[ "$(lv_info root)" = "$NEWROOT" ] || lr_fail "the new root changed"
echo "ok: --as oldroot: root's old segments under a new name and UUID; the new root unchanged"
lr_detach_all

# ---- --apply-undo takes the last write back ------------------------------------------------
run --apply-undo "$LR_TMP/u2" --yes
[ "$RC" -eq 0 ] || lr_fail "--apply-undo exited $RC"
attach
[ -z "$(lv_info oldroot)" ] || lr_fail "oldroot still there after --apply-undo"
lr_detach_all
echo "PASSED: restore_lv"
