#!/usr/bin/env bash
# LVM2's archive and backup files in an XFS the kernel wrote
# (fixtures/backup-xfs: LVM2 rotating its archive with the free space in
# one-block holes, so every file has one extent per block; three archives
# in use in allocation group 1, one with its block map in a B+tree, and
# backup/xvg in group 0) are read by their inodes: each is found whole,
# its length the file's size, wherever its blocks lie. Truth: xfs_bmap's
# extents and xfs_db's inode numbers (truth/files.txt) and the files as
# LVM2 wrote them. Then copies of the image: one where an archive's inode
# fails its checksum (that file is read on from its first block as without
# the filesystem's records: partial, never whole), one with a deleted
# file's first block placed before a block in use (cut there); the XFS
# followed by fixtures/backup's disk (group 1's superblock copy is no
# filesystem of its own); an 8 MiB ext4 image file in an XFS; an XFS
# whose log is dirty (replayed, said) and the same made clean (nothing
# said); XFSs copied frozen or idle (covered logs: nothing said) and busy
# (replayed, said).
#   backup-xfs.sh LVMSCAN LVMREPAIR FIXTURES [HAVE_EXT2FS: 1 (default) or 0]
set -euo pipefail
SCAN=$1
REPAIR=$2
FIX=$3/backup-xfs
NAME=lvmscan-backup-xfs
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline $NAME "$SCAN" "$3"
T=$LR_TMP
gzip -dc "$FIX/fs.img.gz" > "$T/fs.img"

"$SCAN" --json "$T/fs.img" > "$T/scan.json" || lr_fail "lvmscan exited $?"
"$SCAN" "$T/fs.img" > "$T/scan.txt" || lr_fail "lvmscan (text) exited $?"
python3 - "$T/scan.json" "$FIX/truth" "$T/scan.txt" <<'EOF' || lr_fail "backup-xfs: the files in use not read by their inodes"
import json, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]; text = open(sys.argv[3]).read()
files = []
for line in open(truth + "/files.txt"):
    path, ino, size, fmt, n, exts = line.split()[:6]
    if not (path.startswith("archive/") or path == "backup/xvg"):
        continue
    ext = [tuple(int(v) for v in e.replace("+", " ").replace("@", " ").split()) for e in exts.split(",")]
    files.append((path, int(ino), int(size), fmt, ext))
assert len(files) == 4 and any(f[3] == "btree" for f in files), files
copies = [c for c in d["copies"] if c["vg_name"] == "xvg"]
# every copy is a file in use (the deleted archives' first blocks went to
# later ones: none is read as another file's start)
assert len(copies) == len(files), [(c["offset"], c["length"]) for c in copies]
for path, ino, size, fmt, ext in files:
    at = ext[0][2]
    row = all(ext[i + 1][2] == ext[i][2] + ext[i][1] for i in range(len(ext) - 1))
    c = [c for c in copies if c["offset"] == at]
    assert len(c) == 1, (path, at)
    c = c[0]
    body = open("%s/%s" % (truth, path), "rb").read()
    assert len(body) == size, (path, len(body), size)
    assert c["xfs_file"] and not c["extfs_file"] and not c["partial"] and c["parse_ok"], (path, c)
    assert c["length"] == size + 1, (path, c["length"], size)  # the NUL after it counted
    assert c["xfs_inode"] == (None if row else ino) and c["xfs_offset"] == (None if row else 0), (path, c)
    seq = int(body.split(b"seqno = ")[1].split(b"\n")[0])
    assert c["seqno"] == seq, (path, c["seqno"], seq)
    print("%s: inode %d, %d bytes, %d extents (%s), in a row: %s" % (path, ino, size, len(ext), fmt, row))
# a deleted file whose first block ends before its VG section begins (a
# backup/xvg of a long --deltag description) and whose next block went to
# another file: listed with no VG, partial, at a start LVM2's files had
starts = set()
for line in open(truth + "/sightings.txt"):
    f = line.split()
    if len(f) > 4 and "@" in f[4] and f[1].startswith(("backup/", "archive/")):
        starts.add(int(f[4].split(",")[0].split("@")[1]))
orphans = [c for c in d["copies"] if c["vg_name"] is None]
assert orphans, "no file cut before its VG section listed"
for c in orphans:
    assert c["offset"] in starts and c["partial"], (c["offset"], c["partial"])
    assert "before its VG section begins" in c["parse_error"], c["parse_error"]
print("%d deleted files cut before their VG section: listed with no VG, partial" % len(orphans))
vg = [v for v in d["vgs"] if v["name"] == "xvg"][0]
seqnos = sorted(v["seqno"] for v in vg["versions"])
assert seqnos == [4, 17, 18], seqnos
# seqno 4: the backup file and the archive made after the vgcfgrestore,
# one VG section: one version, two copies
four = [v for v in vg["versions"] if v["seqno"] == 4][0]
assert len(four["copies"]) == 2 and four["complete"], four
assert "xfs-file xfs-inode-" in text
assert "read on from its first block" not in text, "a version noted as read on"
EOF

# lvmrepair reads the B+tree file again through the filesystem: its export
# is the one of the file LVM2 wrote, given alone
BIG=$(awk '$1 ~ /^archive\// && $4 == "btree" {print $1}' "$FIX/truth/files.txt")
SEQ=$(sed -n 's/^[[:space:]]*seqno = //p' "$FIX/truth/$BIG")
"$REPAIR" --export seqno="$SEQ" -o "$T/img.vg" "$T/fs.img" > /dev/null 2>&1 || lr_fail "export of seqno $SEQ from the XFS failed"
"$REPAIR" --export seqno="$SEQ" -o "$T/file.vg" "$FIX/truth/$BIG" > /dev/null 2>&1 || lr_fail "export of $BIG failed"
cmp -s <(grep -v '^#' "$T/img.vg") <(grep -v '^#' "$T/file.vg") || lr_fail "seqno $SEQ exported from the XFS differs from $BIG"

# an archive's inode damaged (a byte of its size: the checksum fails; one
# whose VG section starts in its first block): read on from that block,
# its next block elsewhere: partial, and said so; the others still whole
python3 - "$T/fs.img" "$FIX/truth" > "$T/bad.seq" <<'EOF' || lr_fail "could not damage the inode"
import sys
img, truth = sys.argv[1:3]
for l in open(truth + "/files.txt"):
    path, ino, size, fmt = l.split()[:4]
    body = open("%s/%s" % (truth, path), "rb").read() if path.startswith("archive/") else b""
    if 0 < body.find(b"\nxvg {") < 1000:
        break
else:
    sys.exit("no archive whose VG section starts in its first block")
ino = int(ino)
# this geometry (truth/sb.txt): agblklog 15, inopblog 1, agblocks 16500, 512-byte inodes
at = ((ino >> 16) * 16500 + ((ino & 0xffff) >> 1)) * 1024 + (ino & 1) * 512
with open(img, "r+b") as f:
    f.seek(at)
    assert f.read(2) == b"IN"
    f.seek(at + 63)
    b = f.read(1)
    f.seek(at + 63)
    f.write(bytes([b[0] ^ 1]))
print(int(body.split(b"seqno = ")[1].split(b"\n")[0]))
EOF
"$SCAN" --json "$T/fs.img" > "$T/bad.json" || lr_fail "lvmscan of the damaged copy exited $?"
"$SCAN" "$T/fs.img" > "$T/bad.txt" || lr_fail "lvmscan (text) of the damaged copy exited $?"
python3 - "$T/bad.json" "$T/bad.txt" "$(cat "$T/bad.seq")" <<'EOF' || lr_fail "backup-xfs: a file whose inode fails was not read on as partial"
import json, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read(); seq = int(sys.argv[3])
c = [c for c in d["copies"] if c["vg_name"] == "xvg" and c["seqno"] == seq]
assert len(c) == 1 and c[0]["partial"] and not c[0]["xfs_file"], c
assert sum(1 for c in d["copies"] if c["xfs_file"]) == 3
line = [l for l in text.splitlines() if "@ %d " % c[0]["offset"] in l]
assert len(line) == 1 and " partial" in line[0] and "xfs-file" not in line[0], line
print("seqno %d, its inode damaged: partial (%s)" % (seq, c[0]["parse_error"]))
EOF
# a deleted file: an archive's first KiB (its VG section opens there)
# written into a free block whose next block a file in use holds (both by
# truth/: a deleted archive's block still its own and no file's now; the
# next in a file's extent). The start belongs to no inode: read on from
# there and cut where that block begins, by the free-space B+tree, saying
# so (without it the text ran on into the next file's bytes).
gzip -dc "$FIX/fs.img.gz" > "$T/del.img"
python3 - "$T/del.img" "$FIX/truth" > "$T/del.at" <<'EOF' || lr_fail "could not place a deleted file"
import re, sys
img, truth = sys.argv[1:3]
live = []
for l in open(truth + "/files.txt"):
    for e in l.split()[5].split(","):
        off, ln, at = (int(v) for v in re.split("[+@]", e))
        live.append((at, at + ln))
inuse = lambda b: any(lo <= b < hi for lo, hi in live)
src = None
for l in open(truth + "/files.txt"):
    path = l.split()[0]
    body = open("%s/%s" % (truth, path), "rb").read() if path.startswith("archive/") else b""
    if 0 < body.find(b"\nxvg {") < 1000:
        src = body[:1024]
        break
for l in open(truth + "/deleted.txt"):
    m = re.match(r"\s+\d+\+1024@(\d+) same", l)
    if m and not inuse(int(m.group(1))) and inuse(int(m.group(1)) + 1024):
        at = int(m.group(1))
        break
else:
    sys.exit("no free block before a block in use")
with open(img, "r+b") as f:
    f.seek(at)
    f.write(src)
print(at)
EOF
AT=$(cat "$T/del.at")
"$SCAN" --json "$T/del.img" > "$T/del.json" || lr_fail "lvmscan of the image with a deleted file exited $?"
python3 - "$T/del.json" "$AT" <<'EOF' || lr_fail "backup-xfs: a deleted file not cut where a block in use begins"
import json, sys
d = json.load(open(sys.argv[1])); at = int(sys.argv[2])
c = [c for c in d["copies"] if c["offset"] == at]
assert len(c) == 1, c
c = c[0]
assert not c["xfs_file"] and c["partial"] and c["length"] == 1024, c
assert "which the XFS filesystem gives to a file now" in c["parse_error"], c["parse_error"]
assert sum(1 for c in d["copies"] if c["xfs_file"]) == 4
print("a deleted file at byte %d: cut at its next block (%s)" % (at, c["parse_error"][:60]))
EOF
# every allocation group starts with a copy of the superblock: group 1's
# is no filesystem of its own (its size would run a group past the end and
# make what follows the XFS in the image look like its stale contents).
# fixtures/backup's disk after the XFS: its ext4's files are read by their
# inodes as on the disk alone.
gzip -dc "$3/backup/disk.img.gz" > "$T/disk.img"
{ gzip -dc "$FIX/fs.img.gz"; cat "$T/disk.img"; } > "$T/cat.img" # fs.img was damaged above
"$SCAN" --json "$T/disk.img" > "$T/disk.json" || lr_fail "lvmscan of backup's disk exited $?"
"$SCAN" --json "$T/cat.img" > "$T/cat.json" || lr_fail "lvmscan of the XFS then the disk exited $?"
python3 - "$T/disk.json" "$T/cat.json" <<'EOF' || lr_fail "backup-xfs: a filesystem after the XFS judged by its secondary superblock"
import json, sys
n = lambda p: sum(1 for c in json.load(open(p))["copies"] if c["extfs_file"] or c["xfs_file"])
alone, after = n(sys.argv[1]), n(sys.argv[2])
assert after == alone + 4, (alone, after)
print("after the XFS: %d copies read by their inodes (%d on the disk alone, 4 in the XFS)" % (after, alone))
EOF
rm -f "$T/cat.img" "$T/disk.img"

# an ext4 image file of 8 MiB (more than a copy is kept as, 4 MiB) in an
# XFS (mkfs.xfs -p: no mount): the XFS says a file in use starts there, so
# the ext4 is current and its archives are read by their inodes
if [ "${4:-1}" != 1 ]; then
    echo "SKIPPED: the nested ext4 (built without libext2fs: no ext filesystem's records read)"
elif command -v mkfs.ext4 >/dev/null && command -v mkfs.xfs >/dev/null; then
    mkdir -p "$T/src/etc/lvm/archive"
    cp "$3"/backup/truth/archive/*.vg "$T/src/etc/lvm/archive/"
    truncate -s 8M "$T/inner.img"
    mkfs.ext4 -q -F -d "$T/src" "$T/inner.img" || lr_fail "mkfs.ext4 -d failed"
    printf '/dev/null\n0 0\nd--755 0 0\ninner.img ---644 0 0 %s\n$\n' "$T/inner.img" > "$T/proto"
    truncate -s 300M "$T/outer.img"
    TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -p "$T/proto" "$T/outer.img" >/dev/null 2>&1 ||
        lr_fail "mkfs.xfs -p failed"
    "$SCAN" --json "$T/outer.img" > "$T/outer.json" || lr_fail "lvmscan of the XFS holding an ext4 exited $?"
    python3 - "$T/outer.json" "$(ls "$3"/backup/truth/archive/*.vg | wc -l)" <<'EOF' || lr_fail "backup-xfs: an ext4 image file of 8 MiB in an XFS judged stale"
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2])
n = sum(1 for c in d["copies"] if c["extfs_file"] and not c["partial"])
assert n == want, (n, want)
print("an 8 MiB ext4 in an XFS: its %d archives read by their inodes" % n)
EOF
    rm -rf "$T/src" "$T/inner.img" "$T/outer.img"
else
    echo "(mkfs.ext4 or mkfs.xfs not installed: the nested ext4 is left out)"
fi
# an XFS whose log is dirty (fixtures/xfs-dirty-log: shut down after two
# LVM2 archive files were written and synced; the inodes were still only
# in the log): its log replayed in memory, the files read by their inodes
# (their exact sizes), every copy saying the log was replayed, no note; the
# same mounted and unmounted (clean): the files read by their inodes,
# nothing said. XFSs copied while mounted (fixtures/xfs-covered): frozen
# (xfs_freeze, as an LVM snapshot does) and idle (once the kernel covered
# the log), their logs holding only the superblock after the last
# write-back: read as clean, nothing said; busy (copied with inode changes
# in the log): replayed, said so
for case in xfs-dirty-log/dirty:replayed xfs-dirty-log/clean:clean xfs-covered/frozen:clean \
    xfs-covered/idle:clean xfs-covered/busy:replayed; do
    k=${case%:*} want=${case#*:} img=$T/$(basename "${case%:*}").img
    gzip -dc "$3/$k.img.gz" > "$img"
    "$SCAN" --json "$img" > "$img.json" || lr_fail "lvmscan of $k exited $?"
    "$SCAN" "$img" > "$img.txt" || lr_fail "lvmscan (text) of $k exited $?"
    python3 - "$img.json" "$img.txt" "$want" "$3/$(dirname "$k")/truth" "$k" <<'EOF' || lr_fail "backup-xfs: $k: the log's state not said as it is"
import glob, json, sys
d = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read(); want = sys.argv[3]
files = sorted(glob.glob(sys.argv[4] + "/*.vg"))
copies = [c for c in d["copies"] if c["vg_name"] == "xvg"]
assert len(files) == 2 and len(copies) == 2, (files, len(copies))
note = "whose log was not replayed" in text
assert not note, "a note on a log not replayed"
if want == "replayed":
    assert all(c["fs_log"] == "replayed" and c["fs_log_why"] is None and c["xfs_file"]
               for c in copies), [(c["fs_log"], c["fs_log_why"], c["xfs_file"]) for c in copies]
    assert " fs-log-replayed" in text and "NOT-replayed" not in text
else:
    assert all(c["fs_log"] is None and c["xfs_file"] for c in copies), copies
    assert "fs-log" not in text
sizes = sorted(len(open(f, "rb").read()) + 1 for f in files)
assert sorted(c["length"] for c in copies) == sizes, (sizes, [c["length"] for c in copies])
print("%s: %d copies, fs_log %s" % (sys.argv[5], len(copies), copies[0]["fs_log"]))
EOF
done
echo "PASSED: $NAME"
