#!/usr/bin/env bash
# LVM2 archive and backup files in XFSs copied while mounted, their
# inodes (and, for some, their inode chunk, directory entries, or their
# removal) only in the log (fixtures/xfs-replay: written by LVM2 into the
# mounted XFS, fsynced, copied at once; archive5: nine archives and the
# backup file, all only in the log, three in a chunk the log creates;
# unlink5: two archives removed and a new one given the freed inode and
# blocks, only in the log; wrap5: a log whose live part runs past its end,
# its first record split there). The log is replayed in memory as the
# kernel replays it at mount: each file is found whole, read through its
# inode (its exact size), no other file in use is claimed (unlink5: the
# removed files' directory entries no longer name the new file's blocks),
# and every copy says the log was replayed. Truth: the files as the kernel's replay
# shows them (truth/NAME.replayed.txt: path, inode, size, md5, extents as
# byte offset+length, by fiemap on the mounted copy) and the files
# themselves (truth/NAME/).
#   backup-xfs-replay.sh LVMSCAN FIXTURES
set -euo pipefail
SCAN=$1
FIX=$2/xfs-replay
NAME=lvmscan-backup-xfs-replay
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline $NAME "$SCAN" "$2"
T=$LR_TMP
for img in archive5 unlink5 wrap5; do
    gzip -dc "$FIX/$img.img.gz" > "$T/$img.img"
    "$SCAN" --json "$T/$img.img" > "$T/$img.json" || lr_fail "lvmscan of $img exited $?"
    "$SCAN" "$T/$img.img" > "$T/$img.txt" || lr_fail "lvmscan (text) of $img exited $?"
    python3 - "$T/$img.json" "$FIX/truth" "$T/$img.txt" "$img" <<'EOF' || lr_fail "xfs-replay: $img: the files not read as the kernel's replay shows them"
import hashlib, json, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]; text = open(sys.argv[3]).read()
img = sys.argv[4]
files = []
for line in open("%s/%s.replayed.txt" % (truth, img)):
    path, ino, size, md5, exts = line.split()
    if not (path.startswith("archive/") or path.startswith("backup/")):
        continue
    ext = [tuple(int(v) for v in e.split("+")) for e in exts.split(",")]
    body = open("%s/%s/%s" % (truth, img, path), "rb").read()
    assert len(body) == int(size) and hashlib.md5(body).hexdigest() == md5, path
    files.append((path, int(ino), int(size), ext, body))
copies = [c for c in d["copies"] if c["vg_name"] == "rvg"]
# the files in use read by their inodes; any other copy is a deleted
# file's (an older backup/rvg LVM2 replaced), read on from its first block
assert files and len([c for c in copies if c["xfs_file"]]) == len(files), (len(copies), len(files))
starts = set(f[3][0][0] for f in files)
for c in copies:
    if not c["xfs_file"]:
        assert c["offset"] not in starts and c["fs_log"] == "replayed", c
        print("%s: a deleted file at byte %d, seqno %s, partial %s" % (img, c["offset"], c["seqno"], c["partial"]))
for path, ino, size, ext, body in files:
    row = all(ext[i + 1][0] == ext[i][0] + ext[i][1] for i in range(len(ext) - 1))
    c = [c for c in copies if c["offset"] == ext[0][0]]
    assert len(c) == 1, (path, ext[0][0])
    c = c[0]
    assert c["xfs_file"] and not c["partial"] and c["parse_ok"], (path, c)
    assert c["length"] == size + 1, (path, c["length"], size)  # the NUL after it counted
    assert c["xfs_inode"] == (None if row else ino), (path, c["xfs_inode"], ino)
    assert c["fs_log"] == "replayed" and c["fs_log_why"] is None, (path, c["fs_log"])
    seq = int(body.split(b"seqno = ")[1].split(b"\n")[0])
    assert c["seqno"] == seq, (path, c["seqno"], seq)
    print("%s %s: inode %d, %d bytes, %d extents, seqno %d" % (img, path, ino, size, len(ext), seq))
assert " fs-log-replayed" in text and "NOT-replayed" not in text
assert "whose log was not replayed" not in text and "read on from its first block" not in text
print("%s: %d files read by their inodes through the replayed log" % (img, len(files)))
EOF
done
echo "PASSED: $NAME"
