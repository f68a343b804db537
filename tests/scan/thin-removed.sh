#!/usr/bin/env bash
# A thin LV removed (fixtures/thin at seqno 3, then at run time what
# lvremove of the snapshot thin2 leaves: the pool's dm-thin metadata
# without device 2 at transaction 4, written by thin_restore and checked by
# thin_check, and the VG without thin2 and pool transaction_id 4 written
# by vgcfgrestore --force, LVM2 making it seqno 4). LVM2 and thin_dump are
# the truth: lvs lists no thin2 and transaction 4, thin_dump no device 2.
# lvmscan must recommend the newest version and must not say that what
# was lost "was reused by later LVs": a thin LV has no extents of its own.
#
# usage: thin-removed.sh LVMSCAN FIXTURES
# Needs root, losetup, lvm2, thin-provisioning-tools and python3; otherwise
# prints "SKIPPED: lvmscan_thin_removed (...)" and exits 77.
set -u
source "$(dirname "$0")/../support/interop.sh"
LVMSCAN=$1
lr_init lvmscan_thin_removed "$LVMSCAN" "$2"
for t in vgcfgrestore thin_restore thin_check thin_dump python3; do
    command -v $t >/dev/null 2>&1 || lr_skip "no $t"
done
lr_fixture thin
IMG=$LR_TMP/work/disk.img
# the pool as lvremove of thin2 leaves it: no device 2, transaction 4
python3 - "$LR_FIX/thin/truth/pool.xml" "$LR_TMP/pool4.xml" <<'PY' || lr_fail "pool4.xml"
import re, sys
s = open(sys.argv[1]).read().replace('transaction="3"', 'transaction="4"', 1)
s, n = re.subn(r'  <device dev_id="2".*?</device>\n', '', s, flags=re.S)
assert n == 1
open(sys.argv[2], "w").write(s)
PY
truncate -s 4M "$LR_TMP/meta.bin"
thin_restore -q -i "$LR_TMP/pool4.xml" -o "$LR_TMP/meta.bin" >/dev/null 2>&1 || lr_fail "thin_restore"
thin_check "$LR_TMP/meta.bin" >/dev/null 2>&1 || lr_fail "thin_check refuses the new pool metadata"
thin_dump "$LR_TMP/meta.bin" | grep -q 'dev_id="2"' && lr_fail "thin_dump still lists device 2"
# pool_tmeta is extents 0-1 and 40-41 (1 MiB extents, pe_start 1 MiB)
dd if="$LR_TMP/meta.bin" of="$IMG" bs=1M seek=1 count=2 conv=notrunc status=none || lr_fail dd
dd if="$LR_TMP/meta.bin" of="$IMG" bs=1M skip=2 seek=41 count=2 conv=notrunc status=none || lr_fail dd
lr_attach "$IMG"
L=$LR_LAST_LOOP
lr_lvm pvck --dump metadata -f "$LR_TMP/v3.vg" "$L" || lr_fail "pvck: $LR_OUT"
python3 - "$LR_TMP/v3.vg" "$LR_TMP/v4.vg" <<'PY' || lr_fail "v4.vg"
import re, sys
s = open(sys.argv[1]).read()
s, n = re.subn(r'\nthin2 \{.*?\n\}\n\}\n', '\n', s, count=1, flags=re.S)
assert n == 1
s, n = re.subn(r'(type = "thin-pool"(?:.|\n)*?transaction_id = )3', r'\g<1>4', s, count=1)
assert n == 1
open(sys.argv[2], "w").write(s)
PY
lr_lvm vgcfgrestore --force -f "$LR_TMP/v4.vg" thinvg || lr_fail "vgcfgrestore: $LR_OUT"
[ "$(lr_vg_seqno thinvg)" = 4 ] || lr_fail "LVM2 seqno $(lr_vg_seqno thinvg), not 4"
lr_lvm lvs --reportformat json -o lv_name,transaction_id thinvg || lr_fail "lvs: $LR_OUT"
echo "$LR_OUT" | grep -q '"thin2"' && lr_fail "lvs still lists thin2"
echo "$LR_OUT" | grep -q '"transaction_id":"4"' || lr_fail "no transaction 4 in lvs: $LR_OUT"
lr_detach_all
out=$("$LVMSCAN" --json "$IMG") || lr_fail "lvmscan exited $?"
python3 - "$out" <<'PY' || lr_fail "lvmscan's recommendation"
import json, sys
g = json.loads(sys.argv[1])["vgs"][0]
assert g["latest_seqno"] == 4, g["latest_seqno"]
r = g["recommended"]
assert r["seqno"] == 4, r
assert "reused" not in r["reason"], r["reason"]
assert "no extents of its own" in r["reason"], r["reason"]
print("thin2 removed at seqno 4: newest recommended, %s" % r["reason"])
PY
