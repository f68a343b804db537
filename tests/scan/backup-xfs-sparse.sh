#!/usr/bin/env bash
# LVM2 archive files in an XFS whose inodes lie in sparse inode chunks
# (fixtures/xfs-sparse: the kernel allocated half chunks, 32 inodes, once
# the free space held no aligned run of a whole chunk's blocks; their
# inode B+tree records carry a hole mask, 0x00ff or 0xff00, in both
# allocation groups), and two in the whole chunk mkfs made: each is found
# whole, read through its inode (xfs_file, not partial, its length the
# file's size and the NUL after it), wherever its inode and blocks lie.
# Truth: xfs_db's inode B+tree records (truth/inobt.txt), xfs_bmap's
# extents, the inode numbers and which chunk each is in (truth/files.txt),
# the files as copied in (truth/d0, truth/d1).
#   backup-xfs-sparse.sh LVMSCAN FIXTURES
set -euo pipefail
SCAN=$1
FIX=$2/xfs-sparse
NAME=lvmscan-backup-xfs-sparse
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline $NAME "$SCAN" "$2"
T=$LR_TMP
gzip -dc "$FIX/fs.img.gz" > "$T/fs.img"

"$SCAN" --json "$T/fs.img" > "$T/scan.json" || lr_fail "lvmscan exited $?"
"$SCAN" "$T/fs.img" > "$T/scan.txt" || lr_fail "lvmscan (text) exited $?"
python3 - "$T/scan.json" "$FIX/truth" "$T/scan.txt" <<'EOF' || lr_fail "xfs-sparse: the archive files not read by their inodes"
import json, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]; text = open(sys.argv[3]).read()
recs = {}
for line in open(truth + "/inobt.txt"):
    if line.startswith("##"):
        break
    if not line.startswith("#"):
        ag, agino, ino, hole, count, freec, free, kind = line.split()
        recs[int(ino)] = (int(hole, 0), kind)
assert any(h for h, k in recs.values()), "no sparse inode chunk"
files = []
for line in open(truth + "/files.txt"):
    path, ino, size, kind, chunk, hole, exts = line.split()
    if not path.endswith(".vg"):
        continue
    ext = [tuple(int(v) for v in e.replace("+", " ").replace("@", " ").split()) for e in exts.split(",")]
    assert recs[int(chunk)] == (int(hole, 0), kind) and (kind == "sparse") == (int(hole, 0) != 0), line
    files.append((path, int(ino), int(size), kind, hole, ext))
copies = [c for c in d["copies"] if c["vg_name"] == "xvg"]
assert len(copies) == len(files) == 19, (len(copies), len(files))
sparse = scattered = 0
for path, ino, size, kind, hole, ext in files:
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
    assert c["fs_log"] is None, (path, c["fs_log"])
    seq = int(body.split(b"seqno = ")[1].split(b"\n")[0])
    assert c["seqno"] == seq, (path, c["seqno"], seq)
    sparse += kind == "sparse"
    scattered += kind == "sparse" and not row
    print("%s: inode %d in a %s chunk (holemask %s), %d bytes, %d extents, in a row: %s" % (
        path, ino, kind, hole, size, len(ext), row))
assert sparse >= 2 and scattered >= 1 and sparse < len(files), (sparse, scattered)
assert "xfs-file xfs-inode-" in text
assert "read on from its first block" not in text, "a version noted as read on"
assert "fs-log" not in text
print("%d archive files, %d with their inodes in sparse chunks (%d read through the inode's block map)" % (
    len(files), sparse, scattered))
EOF
echo "PASSED: $NAME"
