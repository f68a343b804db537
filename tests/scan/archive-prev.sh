#!/usr/bin/env bash
# Two texts of one seqno that only archive files hold (real LVM2 at run
# time, backup and archive on, a 32 KiB metadata area the later commands
# wrap): vgcfgrestore of seqno 3's archive twice writes seqno 4 and 5
# again, so the archives hold two texts of seqno 5 -- {lv1, lv2, lv5} and,
# after the second restore, {lv1, lv2, lv7}. Seqno 6 was made from the
# second by `lvchange --addtag t1 rvg/lv1`. Its change must be that alone,
# not "-lv5, +lv7" (the other text of seqno 5 was taken for its
# predecessor until 2026-12-07): with no ring to order them, the text
# archived last no later than seqno 6 is the one it was made from.
#
# usage: archive-prev.sh LVMSCAN
# Needs root, losetup, lvm2 and python3; otherwise prints
# "SKIPPED: lvmscan_archive_prev (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_archive_prev "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate lvcreate lvchange vgcfgrestore python3; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
D=$LR_TMP/etc
VG=hap$$
lr_new_images 64M 1
lr_backups_on "$D"
lr_must pvcreate -y --metadatasize 32k --dataalignment 64k "${LR_NEW[0]}"
lr_must vgcreate -s 1m "$VG" "${LR_NEW[0]}"
for k in 1 2 3 4; do
    lr_must lvcreate -an -Zn -y -l 1 -n "lv$k" "$VG"
done
A=$(grep -l '^	seqno = 3$' "$D"/archive/*.vg | head -1)
[ -n "$A" ] || lr_fail "no archive of seqno 3"
cp "$A" "$LR_TMP/seqno3.vg"
lr_must vgcfgrestore -f "$LR_TMP/seqno3.vg" "$VG"
for k in 5 6; do
    lr_must lvcreate -an -Zn -y -l 1 -n "lv$k" "$VG"
done
sleep 1 # the second text of seqno 5 is archived a second later at least
lr_must vgcfgrestore -f "$LR_TMP/seqno3.vg" "$VG"
lr_must lvcreate -an -Zn -y -l 1 -n lv7 "$VG"
sleep 1
for k in $(seq 1 40); do # wrap the ring past seqno 4..6
    lr_must lvchange --addtag "t$k" "$VG/lv1"
done
lr_detach_all
"$LVMSCAN" --json "$LR_TMP/pv1.img" "$D"/archive/*.vg > "$LR_TMP/out.json" 2> "$LR_TMP/err" ||
    lr_fail "lvmscan exited $? ($(cat "$LR_TMP/err"))"
python3 - "$LR_TMP/out.json" <<'PY' || lr_fail "seqno 6's change is not lvchange --addtag t1's"
import json, sys
d = json.load(open(sys.argv[1]))
v = [v for v in d["vgs"][0]["versions"] if v["seqno"] in (5, 6)]
fives = [sorted(l["name"] for l in x["logical_volumes"]) for x in v if x["seqno"] == 5]
assert sorted(fives) == [["lv1", "lv2", "lv5"], ["lv1", "lv2", "lv7"]], fives
six = [x for x in v if x["seqno"] == 6]
assert len(six) == 1 and sorted(l["name"] for l in six[0]["logical_volumes"]) == ["lv1", "lv2", "lv7"], six
assert all(c["found_by"] == "backup_file" for c in d["copies"] if c["seqno"] in (5, 6)), "seqno 5, 6 still in the ring"
assert six[0]["change"] == "lv1 +tag t1", six[0]["change"]
PY
echo "PASSED: lvmscan_archive_prev (seqno 6's change: lv1 +tag t1)"
