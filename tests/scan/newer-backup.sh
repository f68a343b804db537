#!/usr/bin/env bash
# A backup/archive file NEWER than the disk (fixtures/newer-backup, real
# LVM2: the PV image saved at seqno 3, then lvcreate c (4), lvremove a (5),
# the archive file of seqno 4 and vgcfgbackup -f of seqno 5). LVM2's view of
# the image is the truth: vgs on it says seqno 3 (truth/vgs.json) and pvck
# lists seqnos 1..3 in its ring (truth/pvck). A version only in a file is
# history, never what the disk holds: latest_seqno is 3, the VG is
# consistent (not stale, damaged or interrupted), versions 4 and 5 are
# listed from the files, nothing is recommended from them, and the report
# says the files hold newer versions than the disks. Runs without root.
#
# usage: newer-backup.sh LVMSCAN FIXTURES
set -u
LVMSCAN=$1
FX=$2/newer-backup
command -v python3 >/dev/null 2>&1 || { echo "SKIPPED: lvmscan-newer-backup (no python3)"; exit 77; }
imgs=("$FX/disk.img.gz" "$FX/hqnbvg-4.vg" "$FX/hqnbvg-5.vg")
out=$("$LVMSCAN" --json "${imgs[@]}") || { echo "FAILED: newer-backup: lvmscan --json exited $?" >&2; exit 1; }
txt=$("$LVMSCAN" "${imgs[@]}") || { echo "FAILED: newer-backup: lvmscan exited $?" >&2; exit 1; }
python3 - "$FX/truth" "$out" "$txt" <<'PY' || { echo "FAILED: newer-backup" >&2; exit 1; }
import json, re, sys
t, d, txt = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
vgs = json.load(open(t + "/vgs.json"))["report"][0]["vg"][0]
final = json.load(open(t + "/final-vgs.json"))["report"][0]["vg"][0]
ring = [int(s) for s in re.findall(r"seqno (\d+)", open(t + "/pvck").read())]
disk, top = int(vgs["vg_seqno"]), int(final["vg_seqno"])
assert max(ring) == disk == 3 and top == 5, (ring, disk, top)
g = d["vgs"][0]
assert g["id"] == vgs["vg_uuid"], g["id"]
assert g["latest_seqno"] == disk and g["committed_seqno"] == disk, (g["latest_seqno"], g["committed_seqno"])
assert g["max_seqno"] == top, g["max_seqno"]
assert g["status"] == ["consistent"], g["status"]
assert g["pvs"][0]["latest_seqno"] == disk, g["pvs"][0]
v = {x["seqno"]: x for x in g["versions"]}
assert sorted(v) == [1, 2, 3, 4, 5], sorted(v)
for s in (4, 5):
    assert v[s]["backup_copies"] == 1 and len(v[s]["copies"]) == 1 and not v[s]["committed"], v[s]
rec = g["recommended"]
assert rec is not None and rec["seqno"] == disk, rec
assert "lvremove" not in rec["reason"] and "vgcfgbackup" not in rec["reason"], rec
for bad in ("STALE", "not committed", "interrupted"):
    assert bad not in txt, bad
assert "note: 2 versions up to seqno 5 exist only in backup/archive files" in txt, txt
# the archive file of seqno 4 was written before lvremove ran: not its writer
line4 = [l for l in txt.splitlines() if re.match(r"\s+4\s+\d{4}-\d\d-\d\d ", l)]
assert len(line4) == 1 and "(archived before lvremove -f hqnbvg/a" in line4[0], line4
print("latest seqno %d as vgs says; seqno 4, 5 only from the files, not the disk's" % disk)
PY
# The files alone: no disk at all, so their newest version is the latest;
# lvremove a (seqno 5) is undone by seqno 4, but a's PV is not among the
# images: nothing was read there, so no "no signature found" is claimed.
files=$("$LVMSCAN" --json "$FX/hqnbvg-4.vg" "$FX/hqnbvg-5.vg") ||
    { echo "FAILED: newer-backup: lvmscan --json (files alone) exited $?" >&2; exit 1; }
python3 - "$files" <<'PY' || { echo "FAILED: newer-backup (files alone)" >&2; exit 1; }
import json, sys
g = json.loads(sys.argv[1])["vgs"][0]
assert g["latest_seqno"] == 5 and "missing_pvs" in g["status"], (g["latest_seqno"], g["status"])
r = g["recommended"]
assert r["seqno"] == 4, r
assert "no signature found" not in r["reason"], r["reason"]
assert "the start of a was not read: its PV is not among the images" in r["reason"], r["reason"]
print("files alone: seqno 4 recommended, a's start not claimed empty")
PY
"$LVMSCAN" "$FX/hqnbvg-4.vg" "$FX/hqnbvg-5.vg" | grep -q "note: no version of this VG is on the disk images given; the latest, seqno 5, is only in backup/archive files" ||
    { echo "FAILED: newer-backup (files alone): no note that the latest is only in the files" >&2; exit 1; }
