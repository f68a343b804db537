#!/usr/bin/env bash
# Interop: --restore-lv brings LVs back with the LVs they need, judged by
# real LVM2.
#
# LVM2 cannot create raid, mirror, snapshot, thin or cache LVs without
# device-mapper, but its vgcfgrestore writes (and checks) them: a two-PV
# VG made by LVM2 gets the sections of restore-lv-stacked.lvs (raid1 r1,
# mirror m1, snapshot snap of home, thin pool with thin1, cached c1) as
# version N. LVM2's lvremove then removes r1, m1, snap, c1 and thin1 (an
# inactive pool: LVM2 queues a delete message for thin1's device) and
# lvcreate adds late. Then:
#   --restore-lv r1, --restore-lv snap,c1 and --restore-lv m1 --as m2
#   (sub-LVs renamed m2_*, new UUIDs) bring back each LV with its
#   sub-LVs (raid images and metadata, mirror images and log, the snapshot
#   segment, cache origin and pool): lvs -a shows every one of them as in
#   version N, the other LVs unchanged, vgck accepts, no data byte changed;
#   a hidden sub-LV named alone is refused (naming its LV);
#   --restore-lv thin1 is refused while the pool has the pending delete;
#   once the message is gone (vgcfgrestore of an edited backup) it is
#   refused without --force (the pool's metadata is not read) and brought
#   back with --force, saying the device id was not verified.
# A second VG gets the sections of restore-lv-newtypes.lvs (writecache wc
# with cachevol fast_cvol, integrity il with il_imeta, VDO vlv in the
# visible pool vpool); after LVM2's lvremove of wc, il and vlv (vpool
# goes with it): a hidden part named alone (fast_cvol, il_imeta,
# vpool_vdata) is refused naming its LV, vlv alone is refused naming the
# pool it needs; --restore-lv wc, il and vlv,vpool bring them back with
# every sub-LV as in version N, vgck accepts, nothing else changed.
#
# usage: restore-lv-stacked.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_lv_stacked "$1" "$2"
command -v vgcfgrestore >/dev/null 2>&1 || lr_skip "no vgcfgrestore"
command -v vgcfgbackup >/dev/null 2>&1 || lr_skip "no vgcfgbackup"
command -v python3 >/dev/null 2>&1 || lr_skip "no python3 to edit the backup files"
LVS=$(dirname "$0")/restore-lv-stacked.lvs

VG=rlvs_vg$$
W=$LR_TMP/work
mkdir -p "$W"
truncate -s 64M "$W/d1.img" "$W/d2.img"
IMGS=("$W/d1.img" "$W/d2.img")

must() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

attach() {
    lr_attach "$W/d1.img"
    D1=$LR_LAST_LOOP
    lr_attach "$W/d2.img"
    D2=$LR_LAST_LOOP
}

# rows: every LV as lvs -a reports it, "name uuid segtype ranges", PV
# device names replaced by their PV's order (the loop devices change).
rows() {
    lr_lvm lvs -a --noheadings --separator ' ' -o lv_name,lv_uuid,segtype,seg_pe_ranges "$VG"
    printf '%s\n' "$LR_OUT" | grep -v -i -e warning -e 'device-mapper' -e 'kernel' |
        sed 's/^ *//' | sed "s|$D1:|PV1:|g; s|$D2:|PV2:|g" | grep -v '^$' | sort
}

# row LV in ROWS: that LV's line.
row() {
    printf '%s\n' "$2" | grep -E "^\[?$1\]? "
}

data_sums() {
    local i
    for i in "${IMGS[@]}"; do
        tail -c +$((1048576 + 1)) "$i" | sha256sum | cut -d' ' -f1
    done | tr '\n' ' '
}

run() {
    OUT=$("$LR_BIN" "$@" 2>&1)
    RC=$?
    printf '%s\n' "$OUT"
}

refused() {
    [ "$RC" -eq 1 ] || lr_fail "$1: exit $RC, expected 1 (refused)"
    printf '%s\n' "$OUT" | grep -q -e "$2" || lr_fail "$1: no '$2' in the message"
    echo "ok: $1 refused"
}

# restore_backup EDIT: vgcfgbackup, the python EDIT of the text (stdin to
# stdout), vgcfgrestore --force (thin volumes need it).
restore_backup() {
    must vgcfgbackup -f "$LR_TMP/b.vg" "$VG"
    python3 -c "$1" <"$LR_TMP/b.vg" >"$LR_TMP/e.vg" || lr_fail "editing the backup"
    must vgcfgrestore --force -f "$LR_TMP/e.vg" "$VG"
}

# version_n: VG on the images $W/d1.img and d2.img, LV home, then the
# sections of $LVS added by LVM2's vgcfgrestore: version N (its seqno in N,
# lvs -a in AT_N).
version_n() {
    attach
    must pvcreate -y --dataalignment 1m "$D1" "$D2"
    must vgcreate -s 1m "$VG" "$D1" "$D2"
    must lvcreate -an -Zn -y -L 4m -n home "$VG" "$D1"
    restore_backup "
import sys
s = sys.stdin.read()
add = '\n'.join(l for l in open('$LVS').read().splitlines() if not l.startswith('#'))
i = s.rindex('\t}\n\n}')
sys.stdout.write(s[:i] + add + '\n' + s[i:])"
    N=$(lr_vg_seqno "$VG")
    AT_N=$(rows)
    printf 'version N = %s:\n%s\n' "$N" "$AT_N"
}

# ---- version N and the history after it ----------------------------------------------

version_n
for lv in r1 r1_rimage_0 r1_rmeta_1 m1 m1_mlog snap c1 cpool_cdata thin1; do
    [ -n "$(row $lv "$AT_N")" ] || lr_fail "LVM2 did not take $lv from the backup"
done
for lv in r1 m1 snap c1; do
    must lvremove -f "$VG/$lv"
done
# An inactive pool: LVM2 queues the delete of thin1's device (and says it
# cannot update the pool); the LV is gone from the metadata either way.
lr_lvm lvremove -f "$VG/thin1"
must lvcreate -an -Zn -y -L 3m -n late "$VG" "$D1:50-52"
CUR=$(lr_vg_seqno "$VG")
BEFORE=$(rows)
[ -z "$(row thin1 "$BEFORE")" ] || lr_fail "lvremove left thin1"
lr_detach_all
SUMS=$(data_sums)

# ---- thin1 while its delete is pending --------------------------------------------------

run --restore-lv thin1 --from "seqno=$N" --vg "$VG" --yes --force "${IMGS[@]}"
refused "thin1 with a pending delete of its device" "pending message"
run --restore-lv r1_rimage_0 --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "a raid image named alone" "hidden part of LV r1"

# ---- r1 alone, then m1, snap and c1 at once ---------------------------------------------

run --restore-lv r1 --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u1" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv r1 exited $RC"
printf '%s\n' "$OUT" | grep -q "r1_rimage_1: 4.00 MiB" || lr_fail "the plan does not list r1_rimage_1"
run --restore-lv snap,c1 --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u2" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv snap,c1 exited $RC"
run --restore-lv m1 --as m2 --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u4" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv m1 --as m2 exited $RC"
[ "$(data_sums)" = "$SUMS" ] || lr_fail "bytes outside the metadata areas changed"

attach
[ "$(lr_vg_seqno "$VG")" = "$((CUR + 3))" ] || lr_fail "seqno is not $((CUR + 3))"
must vgck "$VG"
lr_no_warnings "vgck $VG"
NOW=$(rows)
printf 'now:\n%s\n' "$NOW"
for lv in r1 r1_rimage_0 r1_rimage_1 r1_rmeta_0 r1_rmeta_1 snap c1 c1_corig cpool cpool_cdata \
    cpool_cmeta; do
    [ "$(row $lv "$NOW")" = "$(row $lv "$AT_N")" ] ||
        lr_fail "$lv is '$(row $lv "$NOW")', was '$(row $lv "$AT_N")' in seqno $N"
done
# m1 came back as m2: its sub-LVs renamed m2_*, every UUID new, the rest as
# in version N.
for lv in m1 m1_mimage_0 m1_mimage_1 m1_mlog; do
    new=$(row "${lv/m1/m2}" "$NOW")
    old=$(row "$lv" "$AT_N")
    [ -n "$new" ] || lr_fail "no ${lv/m1/m2}"
    [ "$(echo "$new" | cut -d' ' -f3-)" = "$(echo "$old" | cut -d' ' -f3- | sed 's/m1_/m2_/g')" ] ||
        lr_fail "${lv/m1/m2} is '$new', $lv was '$old'"
    [ "$(echo "$new" | cut -d' ' -f2)" != "$(echo "$old" | cut -d' ' -f2)" ] ||
        lr_fail "${lv/m1/m2} kept $lv's UUID"
done
[ -z "$(row m1 "$NOW")" ] || lr_fail "m1 is back under its old name"
for lv in home late pool pool_tdata pool_tmeta lvol0_pmspare; do
    [ "$(row $lv "$NOW")" = "$(row $lv "$BEFORE")" ] || lr_fail "$lv changed"
done
lr_lvm lvs --noheadings -o lv_attr,origin "$VG/snap"
printf '%s\n' "$LR_OUT" | grep -q "^ *s.* home" || lr_fail "snap is not a snapshot of home: $LR_OUT"
echo "ok: r1, snap, c1 and m1 (as m2) are back with their sub-LVs as in seqno $N; the rest unchanged"

# ---- thin1 once the delete is no longer pending --------------------------------------------

restore_backup "
import re, sys
sys.stdout.write(re.sub(r'\n\t*message1 \{[^}]*\}', '', sys.stdin.read()))"
lr_detach_all
run --restore-lv thin1 --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "thin1 without --force" "not read, so whether"
run --restore-lv thin1 --from "seqno=$N" --vg "$VG" --yes --force --undo "$LR_TMP/u3" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv thin1 --force exited $RC"
printf '%s\n' "$OUT" | grep -q "not verified" || lr_fail "the plan does not say the id is not verified"
attach
must vgck "$VG"
[ "$(row thin1 "$(rows)")" = "$(row thin1 "$AT_N")" ] || lr_fail "thin1 is not as in seqno $N"
echo "ok: thin1 back in pool with --force (device id not verified)"
lr_detach_all

# ---- writecache, integrity and VDO (a second VG) ------------------------------------------
# Version N gets the sections of restore-lv-newtypes.lvs; LVM2's lvremove
# then removes wc (and its cachevol), il and vlv (and its pool vpool, the
# pool's last LV), and lvcreate adds late.

VG=rlvn_vg$$
W=$LR_TMP/work2
mkdir -p "$W"
truncate -s 64M "$W/d1.img" "$W/d2.img"
IMGS=("$W/d1.img" "$W/d2.img")
LVS=$(dirname "$0")/restore-lv-newtypes.lvs
version_n
NEWTYPES="wc wc_wcorig fast_cvol il il_iorig il_imeta vlv vpool vpool_vdata"
for lv in $NEWTYPES; do
    [ -n "$(row $lv "$AT_N")" ] || lr_fail "LVM2 did not take $lv from the backup"
done
for lv in wc il vlv; do
    must lvremove -f "$VG/$lv"
done
must lvcreate -an -Zn -y -L 3m -n late "$VG" "$D1:50-52"
CUR=$(lr_vg_seqno "$VG")
BEFORE=$(rows)
for lv in $NEWTYPES; do
    [ -z "$(row $lv "$BEFORE")" ] || lr_fail "lvremove left $lv"
done
lr_detach_all
SUMS=$(data_sums)

# What cannot come back alone is refused by name, nothing written.
cp "${IMGS[0]}" "$LR_TMP/p1"
cp "${IMGS[1]}" "$LR_TMP/p2"
run --restore-lv fast_cvol --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "the cachevol named alone" "hidden part of LV wc"
run --restore-lv il_imeta --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "the integrity metadata named alone" "hidden part of LV il"
run --restore-lv vpool_vdata --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "the VDO pool's data named alone" "hidden part of LV vpool"
run --restore-lv vlv --from "seqno=$N" --vg "$VG" --yes "${IMGS[@]}"
refused "a VDO LV without its pool" "LV vlv needs LV vpool"
cmp -s "${IMGS[0]}" "$LR_TMP/p1" && cmp -s "${IMGS[1]}" "$LR_TMP/p2" ||
    lr_fail "a refused --restore-lv wrote to an image"

# wc, il, and vlv with its pool come back with everything they need.
run --restore-lv wc --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/n1" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv wc exited $RC"
for lv in wc_wcorig fast_cvol; do
    printf '%s\n' "$OUT" | grep -q "$lv: " || lr_fail "the plan for wc does not list $lv"
done
run --restore-lv il --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/n2" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv il exited $RC"
run --restore-lv vlv,vpool --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/n3" "${IMGS[@]}"
[ "$RC" -eq 0 ] || lr_fail "--restore-lv vlv,vpool exited $RC"
printf '%s\n' "$OUT" | grep -q "vpool_vdata: " || lr_fail "the plan for vlv does not list vpool_vdata"
[ "$(data_sums)" = "$SUMS" ] || lr_fail "bytes outside the metadata areas changed"

attach
[ "$(lr_vg_seqno "$VG")" = "$((CUR + 3))" ] || lr_fail "seqno is not $((CUR + 3))"
must vgck "$VG"
lr_no_warnings "vgck $VG"
must vgs "$VG"
NOW=$(rows)
printf 'now:\n%s\n' "$NOW"
for lv in $NEWTYPES; do
    [ "$(row $lv "$NOW")" = "$(row $lv "$AT_N")" ] ||
        lr_fail "$lv is '$(row $lv "$NOW")', was '$(row $lv "$AT_N")' in seqno $N"
done
for lv in home late; do
    [ "$(row $lv "$NOW")" = "$(row $lv "$BEFORE")" ] || lr_fail "$lv changed"
done
lr_lvm lvs -a --noheadings -o lv_name,lv_attr "$VG"
printf '%s\n' "$LR_OUT" | grep -q "^ *wc  *C" || lr_fail "LVM2 does not see wc as a writecache LV: $LR_OUT"
printf '%s\n' "$LR_OUT" | grep -q "^ *vlv  *v" || lr_fail "LVM2 does not see vlv as a VDO LV: $LR_OUT"
echo "ok: wc, il and vlv (with vpool) are back with their sub-LVs as in seqno $N; home and late unchanged"
lr_detach_all
echo "PASSED: restore_lv_stacked"
