#!/bin/bash
# lvmrepair --restore and the evidence (lr/evidence.h): the plan shows what
# each returning LV holds now and its reused extents; WARNING lines for
# (a) reused extents where a later LV's signature now sits, (b) a version
# with no LVs after one with LVs, and (c) a
# filesystem larger than its LV; with --yes a warning refuses (exit 1,
# nothing written) unless --force is given. --extract of an old version
# warns about extents taken since; --export of one gives the warnings. Fixture: fixtures/evidence
# (fixtures/make-evidence.sh: lvremove root, lvcreate scratch on root's
# first extents + mkfs.ext4, lvreduce home under its ext4).
#
# Usage: test-evidence-restore.sh LVMREPAIR FIXTURES
set -u
REPAIR=$1
FIX=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

zcat "$FIX/evidence/disk.img.gz" >"$T/d.img"
SUM=$(sha256sum <"$T/d.img")

# seqno 6: root comes back, its first 4 extents hold scratch's ext4
"$REPAIR" --restore seqno=6 --dry-run "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 0 ] && ok || bad "dry run of seqno 6 failed: $(cat "$T/e")"
grep -q '^  root (8.0 MiB): ext4 label "SCRATCH"' "$T/o" && ok || bad "no content line for root: $(cat "$T/o")"
grep -q '^    extents pv0:0-3 reused since by evid0/scratch (seqno 8), which now holds ext4' "$T/o" &&
    ok || bad "no reuse line for root"
grep -q '^WARNING: LV root: extents pv0:0-3 were reused by evid0/scratch (seqno 8), whose ext4 now sits there' "$T/o" &&
    ok || bad "no (a) warning"
[ "$(grep -c '^WARNING:' "$T/o")" = 1 ] && ok || bad "seqno 6: not exactly one warning"

# --yes with a warning: refused, nothing written
"$REPAIR" --restore seqno=6 --yes "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 1 ] && ok || bad "--yes with a warning did not exit 1"
grep -q "1 warning above: nothing written (--force to restore anyway)" "$T/e" && ok || bad "refusal: $(cat "$T/e")"
[ "$(sha256sum <"$T/d.img")" = "$SUM" ] && ok || bad "the refused restore changed the image"

# seqno 9: home's ext4 (16 MiB) is larger than the LV (4 MiB)
"$REPAIR" --restore seqno=9 --dry-run "$T/d.img" >"$T/o" 2>"$T/e"
grep -q '^WARNING: LV home: its ext4 filesystem spans 16.0 MiB, more than the LV.s 4.0 MiB in this version: restoring it truncates the filesystem' "$T/o" &&
    ok || bad "no (c) warning for seqno 9: $(grep WARNING "$T/o")"

# seqno 8: no reuse of what comes back with a signature, the filesystems fit: no warning
"$REPAIR" --restore seqno=8 --dry-run "$T/d.img" >"$T/o" 2>"$T/e"
grep -q '^WARNING' "$T/o" && bad "seqno 8 warned: $(grep WARNING "$T/o")" || ok

# --extract of seqno 6's root: its first extents now hold scratch's ext4
# (blkid reads it at the start of the copy); the copy is written and a
# WARNING says whose data may be there. The newest home: no warning.
"$REPAIR" --extract root --seqno 6 -o "$T/root.out" "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 0 ] && ok || bad "--extract root --seqno 6 failed: $(cat "$T/e")"
if command -v blkid >/dev/null 2>&1; then
    [ "$(blkid -p -o value -s LABEL "$T/root.out" 2>/dev/null)" = SCRATCH ] && ok ||
        bad "the copy of root does not start with scratch's ext4 (the truth of the warning)"
fi
grep -q "^lvmrepair: WARNING: LV root: extents pv0:0-3 were taken since by evid0/scratch (seqno 8), whose ext4 now sits there: what $T/root.out holds from them may be that LV's data, not root's" "$T/e" &&
    ok || bad "--extract: no reuse warning: $(cat "$T/e")"
"$REPAIR" --extract home -o "$T/home.out" "$T/d.img" >"$T/o" 2>"$T/e"
grep -q WARNING "$T/e" && bad "--extract of the newest home warned: $(cat "$T/e")" || ok

# --export of seqno 6 (vgcfgrestore of it is a restore): the same warning,
# on stderr, the file itself (stdout without -o) without it; the newest
# version (seqno 10, what LVM2 uses) exports without a warning.
"$REPAIR" --export seqno=6 -o "$T/e6.vg" "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 0 ] && ok || bad "--export seqno=6 failed: $(cat "$T/e")"
grep -q '^lvmrepair: WARNING: LV root: extents pv0:0-3 were reused by evid0/scratch (seqno 8), whose ext4 now sits there' "$T/e" &&
    ok || bad "--export: no reuse warning: $(cat "$T/e")"
"$REPAIR" --export seqno=6 "$T/d.img" >"$T/o" 2>"$T/e"
grep -q WARNING "$T/o" && bad "--export to stdout: the warning is in the file" || ok
grep -q WARNING "$T/e" && ok || bad "--export to stdout: no warning on stderr"
"$REPAIR" --export seqno=10 -o "$T/e10.vg" "$T/d.img" >"$T/o" 2>"$T/e"
grep -q WARNING "$T/e" && bad "--export of the newest version warned: $(cat "$T/e")" || ok

# --restore-lv root --from seqno=6 is refused: root's extents 0-3 are
# scratch's now; the refusal says what they hold (scratch's ext4, truth:
# fixtures/evidence/truth/disk.content, blkid -p) and that root's own start
# holds scratch's ext4 now, not root's
"$REPAIR" --restore-lv root --from seqno=6 --dry-run "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 1 ] && ok || bad "--restore-lv root over scratch was not refused: $(cat "$T/e")"
UUID=$(awk '$2 == 8 && $3 == "scratch"' "$FIX/evidence/truth/disk.content" | grep -o 'UUID=[^ ]*' | head -1 | cut -d= -f2)
[ -n "$UUID" ] && ok || bad "no scratch UUID in the truth"
grep -qF "are LV scratch's (its extents 0..3 there): scratch starts there with ext4 \"SCRATCH\" (UUID $UUID), and root's start there now holds scratch's ext4, not its own" "$T/e" &&
    ok || bad "--restore-lv refusal does not say what scratch holds: $(cat "$T/e")"
# home (shrunk at seqno 9) brought back as a second LV: the clash is with
# home itself, whose own ext4 is at the start
"$REPAIR" --restore-lv home --as home2 --from seqno=8 --dry-run "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 1 ] && ok || bad "--restore-lv home --as home2 was not refused: $(cat "$T/e")"
grep -qF "are LV home's (its extents 8..11 there): home starts there with ext4 \"HOME\" (UUID 6bbd1809-9eb5-410a-9024-cf91ffb77501), the same LV as home then (same UUID): its start there is its own" "$T/e" &&
    ok || bad "--restore-lv home2 refusal: $(cat "$T/e")"
[ "$(sha256sum <"$T/d.img")" = "$SUM" ] && ok || bad "a refused --restore-lv changed the image"

# --yes --force goes on
"$REPAIR" --restore seqno=6 --yes --force --undo "$T/u" "$T/d.img" >"$T/o" 2>"$T/e"
[ $? = 0 ] && ok || bad "--yes --force failed: $(cat "$T/e")"
[ "$(sha256sum <"$T/d.img")" != "$SUM" ] && ok || bad "--yes --force wrote nothing"

# (b): evidold's newest version has no LVs, the one before had some
zcat "$FIX/evidence/reinit.img.gz" >"$T/r.img"
"$REPAIR" --restore seqno=9 --vg evidold --dry-run "$T/r.img" >"$T/o" 2>"$T/e"
grep -q '^WARNING: seqno 9 has no LVs, but seqno 8 had some: restoring it leaves the VG empty' "$T/o" &&
    ok || bad "no (b) warning: $(cat "$T/o" "$T/e" | tail -5)"
grep -q '^  (no LVs)' "$T/o" && ok || bad "(b): no '(no LVs)' line"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
