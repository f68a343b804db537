#!/usr/bin/env bash
# Interop: --restore-lv and the evidence warnings. Only the LVs that come
# back are judged: a reuse warning about another LV of the old version (one
# that stays as the current version has it) must neither be shown nor
# refuse --yes; a reuse of an LV that comes back still warns and refuses.
#
# A VG made by LVM2: root, home, extra (version N); root and extra removed,
# newx created on extra's extents and given an ext4 (mkfs through
# losetup -o), tmp created on root's last extents, given an ext4, removed.
# --restore-lv root --from seqno=N --yes warns about root's extents (tmp's
# ext4 sits there) and writes nothing; before tmp existed (a second VG, the
# same history without tmp) it brings root back without a word about extra,
# and vgs/lvs/vgck accept the result.
#
# usage: restore-lv-evidence.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup and lvm2; otherwise prints "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_lv_evidence "$1" "$2"

W=$LR_TMP/work
mkdir -p "$W"
MiB=1048576

must() {
    lr_lvm "$@" || lr_fail "$*: $LR_OUT"
}

# mkfs_at IMG FIRST_EXTENT COUNT LABEL: an ext4 on those extents (pe_start
# 1 MiB, 1 MiB extents).
mkfs_at() {
    local l
    l=$(losetup -f --show -o $(((1 + $2) * MiB)) --sizelimit $(($3 * MiB)) "$1") ||
        lr_skip "losetup -o could not attach"
    mkfs.ext4 -q -L "$4" "$l" || {
        losetup -d "$l"
        lr_fail "mkfs.ext4 on $1"
    }
    losetup -d "$l"
}

# history IMG VG WITH_TMP: the VG's history; HN is version N.
history() {
    local img=$1 vg=$2
    lr_new_vg "$img" "$vg"
    must lvcreate -an -Zn -y -L 4m -n root "$vg"
    must lvcreate -an -Zn -y -L 4m -n home "$vg"
    must lvcreate -an -Zn -y -L 4m -n extra "$vg"
    HN=$(lr_vg_seqno "$vg")
    [ -n "$HN" ] || lr_fail "no seqno for version N"
    must lvremove -f "$vg/root"
    must lvremove -f "$vg/extra"
    must lvcreate -an -Zn -y -L 4m -n newx "$vg" "$LR_LAST_LOOP:8-11"
    if [ "$3" = 1 ]; then
        must lvcreate -an -Zn -y -L 2m -n tmp "$vg" "$LR_LAST_LOOP:2-3"
        mkfs_at "$img" 2 2 TMP
        must lvremove -f "$vg/tmp"
    fi
    lr_detach_all
    mkfs_at "$img" 8 4 NEWX
}

run() {
    OUT=$("$LR_BIN" "$@" 2>&1)
    RC=$?
    printf '%s\n' "$OUT"
}

VG=rlve_vg$$
history "$W/a.img" "$VG" 0
N=$HN
SUM=$(sha256sum <"$W/a.img")

# extra's extents hold newx's ext4, but extra does not come back: no warning
run --restore-lv root --from "seqno=$N" --vg "$VG" --dry-run "$W/a.img"
[ "$RC" -eq 0 ] || lr_fail "dry run: exit $RC"
printf '%s\n' "$OUT" | grep -q 'extra' && lr_fail "the plan speaks of extra, which does not come back"
printf '%s\n' "$OUT" | grep -q '^WARNING' && lr_fail "a warning about what does not come back"
printf '%s\n' "$OUT" | grep -q '^  root (4.0 MiB): no known signature' || lr_fail "no evidence line for root"
echo "ok: the dry run judges only root"

run --restore-lv root --from "seqno=$N" --vg "$VG" --yes --undo "$LR_TMP/u1" "$W/a.img"
[ "$RC" -eq 0 ] || lr_fail "--yes refused for a warning about another LV: exit $RC"
lr_vg_accepts "$W/a.img" "$VG" "home newx root" "after the restore"
run --apply-undo "$LR_TMP/u1" --yes
[ "$(sha256sum <"$W/a.img")" = "$SUM" ] || lr_fail "--apply-undo did not bring back the image"
echo "ok: root brought back with --yes, LVM2 accepts it, undone"

# root's own extents 2..3 were given to tmp, which left its ext4 there
VG2=rlvf_vg$$
history "$W/b.img" "$VG2" 1
N2=$HN
SUM=$(sha256sum <"$W/b.img")
run --restore-lv root --from "seqno=$N2" --vg "$VG2" --yes --undo "$LR_TMP/u2" "$W/b.img"
[ "$RC" -eq 1 ] || lr_fail "root's reused extents: exit $RC, expected 1"
printf '%s\n' "$OUT" | grep -q "^WARNING: LV root: extents pv0:2-3 were reused by $VG2/tmp" ||
    lr_fail "no warning about root's extents"
# tmp's data starts at root's extent 2, not at root's start
printf '%s\n' "$OUT" | grep -q "restored, root holds another LV's data from its extent 2, and" ||
    lr_fail "the warning does not say where in root the other data starts"
[ "$(printf '%s\n' "$OUT" | grep -c '^WARNING')" -eq 1 ] || lr_fail "not exactly one warning"
[ "$(sha256sum <"$W/b.img")" = "$SUM" ] || lr_fail "the refused run wrote"
[ -e "$LR_TMP/u2" ] && lr_fail "the refused run made an undo file"
echo "ok: root's reused extents warn and refuse --yes"
echo "PASSED: restore_lv_evidence"
