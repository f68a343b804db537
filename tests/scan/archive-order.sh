#!/usr/bin/env bash
# A version held by both an LVM2 backup file and an archive file (real LVM2
# at run time, backup and archive on: vgcreate writes the backup file of
# seqno 1, "Created *after* executing 'vgcreate ...'", at the write; the
# lvcreate run later archives seqno 1 again, "Created *before* executing
# 'lvcreate ...'", with that later command's time). The version's time and
# description are the backup file's, whichever order the files are given
# in (until 2026-12-07 the first file given won).
#
# usage: archive-order.sh LVMSCAN
# Needs root, losetup, lvm2 and python3; otherwise prints
# "SKIPPED: lvmscan_archive_order (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_archive_order "$LVMSCAN" "$(dirname "$0")"
for t in pvcreate vgcreate lvcreate python3; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
D=$LR_TMP/etc
VG=hao$$
lr_new_images 16M 1
lr_backups_on "$D"
lr_must pvcreate -y "${LR_NEW[0]}"
lr_must vgcreate -s 1m "$VG" "${LR_NEW[0]}"
cp "$D/backup/$VG" "$LR_TMP/backup-1" || lr_fail "vgcreate wrote no backup file"
sleep 2 # the archive's creation_time must differ from the backup's
lr_must lvcreate -an -Zn -y -l 1 -n lv1 "$VG"
lr_detach_all
A=$(grep -l '^	seqno = 1$' "$D"/archive/*.vg | head -1)
[ -n "$A" ] || lr_fail "lvcreate archived no seqno 1: $(ls "$D/archive")"
for order in "$A $LR_TMP/backup-1" "$LR_TMP/backup-1 $A"; do
    # shellcheck disable=SC2086
    out=$("$LVMSCAN" --json $order 2> "$LR_TMP/err") || lr_fail "lvmscan $order exited $?"
    # the version's text is its best copy's (its crc the version's)
    [ -s "$LR_TMP/err" ] && lr_fail "lvmscan $order: $(cat "$LR_TMP/err")"
    python3 - "$LR_TMP/backup-1" "$A" "$out" <<'PY' || lr_fail "files given as: $order"
import json, re, sys
def top(path, key):
    return re.search(r"^%s = (.*)$" % key, open(path).read(), re.M).group(1)
b, a, d = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
bt, at = int(top(b, "creation_time").split()[0]), int(top(a, "creation_time").split()[0])
assert at > bt, ("the archive is not later", at, bt)
v = [v for v in d["vgs"][0]["versions"] if v["seqno"] == 1]
assert len(v) == 1 and len(v[0]["copies"]) == 2, v
assert v[0]["creation_time"] == bt, (v[0]["creation_time"], bt, at)
assert v[0]["description"].startswith("Created *after* executing 'vgcreate"), v[0]["description"]
PY
done
echo "PASSED: seqno 1's time and description are the backup file's, in either order"
