#!/usr/bin/env bash
# LVM2's archive and backup files in an ext4 whose journal needs recovery
# (fixtures/backup-recover: the image copied while mounted, committed
# transactions not yet written to their blocks). The journal is replayed in
# memory as e2fsck and the kernel do: every file in use after the replay
# (truth/after.txt, e2fsck -E journal_only's copy seen by debugfs) is read
# by its inode, whole, and each copy says its filesystem's journal was
# replayed. Then a copy of the image whose journal superblock is damaged:
# the log cannot be replayed, the files are those the blocks as they lie
# hold (truth/before.txt), and every copy and the report say the log was
# not replayed.
#   backup-recover.sh LVMSCAN LVMREPAIR FIXTURES [HAVE_EXT2FS: 1 (default) or 0]
set -euo pipefail
SCAN=$1
FIX=$3/backup-recover
NAME=lvmscan-backup-recover
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline $NAME "$SCAN" "$3"
# a build without libext2fs (LR_NO_EXT2FS) reads no ext filesystem's
# records: what it does instead is build-without-libs's (nolibs.sh)
[ "${4:-1}" = 1 ] || lr_skip "built without libext2fs: no ext filesystem's records read"
T=$LR_TMP
gzip -dc "$FIX/fs.img.gz" > "$T/fs.img"

check() { # IMAGE TRUTH FS_LOG: the files of TRUTH read by their inodes
    "$SCAN" --json "$1" > "$T/scan.json" || lr_fail "lvmscan exited $?"
    "$SCAN" "$1" > "$T/scan.txt" || lr_fail "lvmscan (text) exited $?"
    python3 - "$T/scan.json" "$FIX/truth" "$2" "$3" "$T/scan.txt" "$1" <<'EOF' || lr_fail "backup-recover: $2's files not read as the journal leaves them ($3)"
import json, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]; which = sys.argv[3]; log = sys.argv[4]
text = open(sys.argv[5]).read(); img = open(sys.argv[6], "rb").read()
n = 0
for line in open("%s/%s" % (truth, which)):
    path, ino, size, exts, same = line.split()
    if not (path.startswith("archive/") or path.startswith("backup/")):
        continue
    ext = [tuple(int(v) for v in e.replace("+", " ").replace("@", " ").split()) for e in exts.split(",")]
    row = all(ext[i + 1][2] == ext[i][2] + ext[i][1] for i in range(len(ext) - 1))
    at = ext[0][2] * 1024
    if same == "-" or same.startswith("differs:"):
        print("%s: its blocks do not hold the file LVM2 wrote (truth: %s)" % (path, same))
        continue
    body = open("%s/%s" % (truth, same), "rb").read()
    if img[at:at + 1024] != body[:1024]:
        # its first block went to a file of the log's (a later make.sh run
        # may reuse it; the committed one does not): no start to find
        print("%s: its first block holds another file's bytes now" % path)
        continue
    c = [c for c in d["copies"] if c["offset"] == at]
    assert len(c) == 1, (path, at)
    c = c[0]
    assert len(body) == int(size), (path, len(body), size)
    assert c["extfs_file"] and not c["partial"] and c["parse_ok"], (path, c)
    assert c["length"] == int(size) + 1, (path, c["length"], size)
    assert c["extfs_inode"] == (None if row else int(ino)), (path, c["extfs_inode"], ino)
    seq = int(body.split(b"seqno = ")[1].split(b"\n")[0])
    assert c["seqno"] == seq, (path, c["seqno"], seq)
    n += 1
    print("%s: inode %s, %s bytes, seqno %d, in a row: %s" % (path, ino, size, seq, row))
assert n >= (4 if which == "after.txt" else 1), n
# every copy the filesystem's records read or judged says what its log is
assert all(c["fs_log"] == log for c in d["copies"]), [(c["offset"], c["fs_log"]) for c in d["copies"]]
why = None if log == "replayed" else "journal_unreadable"
assert all(c["fs_log_why"] == why for c in d["copies"]), [c["fs_log_why"] for c in d["copies"]]
flag = " fs-log-replayed" if log == "replayed" else " fs-log-NOT-replayed"
assert flag in text, flag
note = "whose log was not replayed" in text
assert note == (log == "not_replayed"), note
EOF
}

check "$T/fs.img" after.txt replayed
# the journal's superblock (journal block 0: the EXTENTS line of debugfs
# stat <8>) damaged: its magic's first byte
jsb=$(sed -n 's/^(0-[0-9]*):\([0-9]*\)-.*/\1/p' "$FIX/truth/journal-inode.txt")
[ -n "$jsb" ] || lr_fail "truth/journal-inode.txt: no EXTENTS line"
cp "$T/fs.img" "$T/bad.img"
printf '\x00' | dd of="$T/bad.img" bs=1 seek=$((jsb * 1024)) conv=notrunc status=none
check "$T/bad.img" before.txt not_replayed
echo "PASSED: $NAME"
