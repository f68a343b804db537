#!/usr/bin/env bash
# The version a command naming none means is the one LVM2 uses now. In
# fixtures/restored, vgcfgrestore loaded seqno 4's backup after seqno 7:
# LVM2 committed it as seqno 5 (truth/lvs.json: lv1, lv2, lv3), and the
# abandoned seqnos 5 to 7 stay in the ring above it. Here:
#   - --extract LV with no --seqno reads each LV LVM2 lists, from the
#     committed seqno 5, as large as LVM2 says (until 2026-12-07 it read
#     the abandoned seqno 7, which has no lv2: refused);
#   - an LV only the abandoned seqno 7 has (lv4) is refused, naming it
#     ("seqno 7, a later version, has it");
#   - an LV seqno 7 lacks, asked of seqno 7 (lv2), names the seqno 5 that
#     has it with its crc (two versions have seqno 5), and that crc picks it.
# In fixtures/interrupted, LVM2's lvcreate of lv3 wrote seqno 4's text and
# never its header: LVM2 reads seqno 3 (truth/vgs.json, truth/lvs.json:
# lv1 and lv2). Here --extract reads seqno 3, and lv3 is refused, naming
# seqno 4 as never committed; a restore plan compares with seqno 3 (until
# 2026-12-07 both went by the text no header commits).
#
# usage: current-version.sh PATH/TO/lvmrepair FIXTURES
set -u
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline current_version "$1" "$2"
T=$LR_TMP
R=$LR_BIN
F=$LR_FIX/restored/disk.img.gz
python3 -c 'import json' 2> /dev/null || lr_skip "no python3"
python3 - "$LR_FIX/restored/truth/lvs.json" > "$T/lvs" <<'EOF' || lr_fail "cannot read truth/lvs.json"
import json, sys
for lv in json.load(open(sys.argv[1]))["report"][0]["lv"]:
    print(lv["lv_name"], lv["lv_size"])
EOF
[ "$(wc -l < "$T/lvs")" = 3 ] || lr_fail "truth/lvs.json lists $(wc -l < "$T/lvs") LVs, not 3"
while read -r lv size; do
    "$R" --extract "$lv" -o "$T/$lv.out" "$F" > "$T/$lv.msg" 2>&1 ||
        lr_fail "--extract $lv (no --seqno) exited $?: $(cat "$T/$lv.msg")"
    grep -q "of LV $lv (VG vgr seqno 5)" "$T/$lv.msg" || lr_fail "$lv not read from seqno 5: $(cat "$T/$lv.msg")"
    [ "$(stat -c %s "$T/$lv.out")" = "$size" ] || lr_fail "$lv: $(stat -c %s "$T/$lv.out") bytes, LVM2 says $size"
done < "$T/lvs"

"$R" --extract lv4 -o "$T/lv4.out" "$F" > "$T/lv4.msg" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--extract lv4 exited $rc (want 1)"
grep -q "seqno 5 has no LV 'lv4'.*seqno 7, a later version, has it" "$T/lv4.msg" ||
    lr_fail "lv4: $(cat "$T/lv4.msg")"
[ -e "$T/lv4.out" ] && lr_fail "a refused extract made its output"

"$R" --extract lv2 --seqno 7 -o "$T/lv2-7.out" "$F" > "$T/lv2-7.msg" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "--extract lv2 --seqno 7 exited $rc (want 1)"
crc=$(sed -n 's/.*seqno 5 (crc \(0x[0-9a-f]*\); 2 versions have that seqno), an older version, has it.*/\1/p' "$T/lv2-7.msg")
[ -n "$crc" ] || lr_fail "the hint names no crc: $(cat "$T/lv2-7.msg")"
"$R" --extract lv2 --seqno 5 --crc "$crc" -o "$T/lv2-5.out" "$F" > "$T/lv2-5.msg" 2>&1 ||
    lr_fail "the hint's seqno 5 crc $crc does not pick it: $(cat "$T/lv2-5.msg")"
cmp -s "$T/lv2-5.out" "$T/lv2.out" || lr_fail "lv2 of the hint's version differs from the current one's"
F=$LR_FIX/interrupted/disk.img.gz
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["report"][0]["vg"][0]["vg_seqno"])' \
    "$LR_FIX/interrupted/truth/vgs.json") || lr_fail "cannot read interrupted/truth/vgs.json"
python3 - "$LR_FIX/interrupted/truth/lvs.json" > "$T/ilvs" <<'EOF' || lr_fail "cannot read interrupted/truth/lvs.json"
import json, sys
for lv in json.load(open(sys.argv[1]))["report"][0]["lv"]:
    print(lv["lv_name"], lv["lv_size"])
EOF
while read -r lv size; do
    "$R" --extract "$lv" -o "$T/i$lv.out" "$F" > "$T/i$lv.msg" 2>&1 ||
        lr_fail "interrupted: --extract $lv exited $?: $(cat "$T/i$lv.msg")"
    grep -q "of LV $lv (VG htr_vgi seqno $want)" "$T/i$lv.msg" ||
        lr_fail "interrupted: $lv not read from seqno $want: $(cat "$T/i$lv.msg")"
    [ "$(stat -c %s "$T/i$lv.out")" = "$size" ] || lr_fail "interrupted: $lv: $(stat -c %s "$T/i$lv.out") bytes, LVM2 says $size"
done < "$T/ilvs"
"$R" --extract lv3 -o "$T/ilv3.out" "$F" > "$T/ilv3.msg" 2>&1
rc=$?
[ $rc = 1 ] || lr_fail "interrupted: --extract lv3 exited $rc (want 1)"
grep -q "seqno $want has no LV 'lv3'.*seqno $((want + 1)), a later version, written but never committed, has it" \
    "$T/ilv3.msg" || lr_fail "interrupted lv3: $(cat "$T/ilv3.msg")"
"$R" -n --restore seqno=$want "$F" > "$T/iplan" 2>&1 || lr_fail "interrupted: -n --restore exited $?: $(cat "$T/iplan")"
grep -q "compared with the current version (seqno $want, crc 0x[0-9a-f]*: committed, the one LVM2 uses; the text above it was never committed)" \
    "$T/iplan" || lr_fail "interrupted: the plan compares with another version: $(cat "$T/iplan")"
grep -q "no LV comes back, goes away" "$T/iplan" || lr_fail "interrupted: the plan sees changes: $(cat "$T/iplan")"
echo "PASSED: current_version"
