#!/usr/bin/env bash
# LVM2 backup/archive files inside an image and on the command line (issue
# 15 part 2), on fixtures/backup (real lvm2 + mkfs.ext4 -d, see its make.sh).
#
#   backup.sh LVMSCAN LVMREPAIR FIXTURES [HAVE_EXT2FS: 1 (default) or 0]
#
# Truth is the archive files LVM2 wrote (fixtures/backup/truth/archive,
# truth/backup) and pvck's view of the ring (truth/pvck):
#   - every archive/backup file's version is listed, complete, found by
#     "backup_file", with the file's creation_time and description;
#   - a seqno pvck lists in the ring is ONE version (no conflict) holding the
#     ring copy and the backup file; seqnos older than the ring's are
#     complete and restorable (lvmrepair --restore seqno=1 --dry-run);
#   - .vg files given on the command line are images marked text_file whose
#     copies join the same versions; a file whose VG section differs under
#     the same seqno is a second version, both marked conflict;
#   - a fragmented file (made here: its second filesystem block replaced by
#     zeros, or by another file's block) is partial, named with its offset,
#     and joins no complete version; one cut before its VG section opens is
#     listed with no VG, partial; a file cut short whose text is the start
#     of one complete version's is listed under that version (not under
#     two in conflict, nor changed);
#   - the report names a btrfs leaf's stale copies alike once;
#   - in an XFS mkfs.xfs -p made, every file is read by its inode, also
#     through an inode B+tree of two levels (5000 empty files before them)
#     and in a version 4 XFS (-m crc=0);
#   - a file whose size is a multiple of the block (fixtures/backup-exact:
#     no zeros after it) is read whole, in ext4 and in a tar;
#   - in ext4 (fixtures/backup-ext4) a file in use is read by its inode
#     and a deleted one is cut where a block in use by another file begins;
#     files stored in their inodes (inline_data) are found and read whole;
#   - in an ext4 with a journal (fixtures/backup-journal) a deleted file is
#     read by its inode as the journal holds it: never joined to another
#     file's bytes, gathered from blocks not in a row where filefrag saw
#     them while it lived; in an ext3 (fixtures/backup-ext3) no file start
#     whose text runs in a row to its VG section is lost; a journal that
#     cannot vouch for later claims on a file's blocks (fixtures/
#     backup-journal-unsure) has the copy said unsure.
set -euo pipefail
SCAN=$1
REPAIR=$2
FIX=$3/backup
NAME=lvmscan-backup
source "$(dirname "$0")/../support/interop.sh"
lr_init_offline $NAME "$SCAN" "$3"
# a build without libext2fs (LR_NO_EXT2FS) reads no ext filesystem's
# records: what it does instead is build-without-libs's (nolibs.sh)
[ "${4:-1}" = 1 ] || lr_skip "built without libext2fs: no ext filesystem's records read"
T=$LR_TMP
gzip -dc "$FIX/disk.img.gz" > "$T/disk.img"

# ---- the image alone
"$SCAN" --json "$T/disk.img" > "$T/scan.json" || lr_fail "lvmscan exited $?"
# history.py JSON TRUTH: the scan's history of hbkvg against LVM2's files
cat > "$T/history.py" <<'EOF'
import glob, json, os, re, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]
vg = [v for v in d["vgs"] if v["name"] == "hbkvg"]
assert len(vg) == 1, [v["name"] for v in d["vgs"]]
vg = vg[0]
copies = d["copies"]
ring = set(int(m.group(1)) for m in re.finditer(r"seqno (\d+)", open(truth + "/pvck").read()))
assert ring, "pvck lists no copy"
files = sorted(glob.glob(truth + "/archive/*.vg")) + [truth + "/backup/hbkvg"]
def top(text, key):
    m = re.search(r'^%s = (.*?)(\t#.*)?$' % key, text, re.M)
    return m.group(1)
for f in files:
    text = open(f).read()
    seq = int(re.search(r"^\tseqno = (\d+)", text, re.M).group(1))
    vs = [v for v in vg["versions"] if v["seqno"] == seq]
    assert len(vs) == 1, (f, seq, len(vs))
    v = vs[0]
    assert v["complete"] and not v["conflict"], (f, v)
    assert v["backup_copies"] >= 1, (f, v)
    bk = [copies[i] for i in v["copies"] if copies[i]["found_by"] == "backup_file"]
    assert bk and not any(c["partial"] or c["orphan"] for c in bk), (f, bk)
    want_time = int(top(text, "creation_time"))
    m = re.search(r'^description = "((?:[^"\\]|\\.)*)"', text, re.M)
    want_desc = re.sub(r"\\(.)", r"\1", m.group(1))
    assert any(c["creation_time"] == want_time and want_desc.startswith(c["description"][:200])
               for c in bk), (f, [(c["creation_time"], c["description"][:60]) for c in bk])
    rc = [copies[i] for i in v["copies"] if copies[i]["found_by"] != "backup_file"]
    if seq in ring:
        # merged: the ring copy leads and gives the version its crc
        assert rc and copies[v["copies"][0]]["found_by"] != "backup_file", (f, v)
        assert v["crc"] == rc[0]["crc"], (f, v["crc"], rc[0]["crc"])
    else:
        assert not rc, (f, "a ring copy of seqno %d pvck does not list" % seq)
old = [v["seqno"] for v in vg["versions"] if v["seqno"] < min(ring)]
assert old and all(v["complete"] for v in vg["versions"] if v["seqno"] < min(ring)), old
assert "conflicts" not in vg["status"], vg["status"]
print("%d files, ring seqnos %d..%d, %d versions only in files" % (len(files), min(ring), max(ring), len(old)))
EOF
python3 "$T/history.py" "$T/scan.json" "$FIX/truth" || lr_fail "history of the image"

# the report says it too (46 files: seqno 1..46; the ring holds 21..46)
"$SCAN" "$T/disk.img" > "$T/scan.txt" || lr_fail "lvmscan (text) exited $?"
grep -q "46 versions found in backup/archive files, 20 of them only there" "$T/scan.txt" ||
    lr_fail "the report does not count the versions found in files"
# the files are in use in an ext4: read by their inodes, no note that
# their text was read on from their first block
grep -q "note: a file's text is read on from its first block" "$T/scan.txt" &&
    lr_fail "the report says files read by their inodes were read on from their first block"
# with the ext4's superblock's magic zeroed its records are not known: the
# files are read on from their first blocks, and the report says so
python3 - "$T/disk.img" "$T/nosb.img" <<'EOF' || lr_fail "no ext4 superblock in disk.img"
import sys
d = bytearray(open(sys.argv[1], "rb").read())
hits = [o for o in range(1024, len(d) - 1024, 512)
        if d[o + 56:o + 58] == b"\x53\xef" and d[o + 0x5a:o + 0x5c] == b"\0\0"]
assert hits, "no primary superblock"
for o in hits:
    d[o + 56:o + 58] = b"\0\0"
open(sys.argv[2], "wb").write(d)
EOF
"$SCAN" "$T/nosb.img" > "$T/nosb.txt" || lr_fail "lvmscan (text) of nosb.img exited $?"
grep -q "note: a file's text is read on from its first block or to a length no filesystem record vouches for; a deleted file's later blocks may since hold another file's" "$T/nosb.txt" ||
    lr_fail "the report does not say a version only files hold is read as if its blocks were contiguous"
grep -q "backup-file" "$T/scan.txt" || lr_fail "the report does not flag backup files"

# ---- a file's VG section in a metadata area's form is the very bytes LVM2
# wrote to the ring for that seqno (export from the file alone; pvck's
# listing gives where the ring copy is; wrapped copies left out)
n=0
while read -r seqno file; do
    line=$(grep " seqno $seqno id " "$FIX/truth/pvck" | head -1) || continue
    at=$(echo "$line" | sed -n 's/.*metadata at \([0-9]*\) length \([0-9]*\).*/\1 \2/p')
    set -- $at
    [ $(( $1 + $2 )) -le $((4096 + 61440)) ] || continue
    rm -f "$T/e.vg"
    "$REPAIR" --export "seqno=$seqno" -o "$T/e.vg" "$FIX/truth/archive/$file" >"$T/e.out" 2>&1 ||
        { cat "$T/e.out"; lr_fail "export of seqno $seqno from $file failed"; }
    python3 - "$T/disk.img" "$1" "$2" "$T/e.vg" <<'EOF2' || lr_fail "seqno $seqno: the file's VG section is not LVM2's ring text"
import sys
d = open(sys.argv[1], "rb").read()
off, ln = int(sys.argv[2]), int(sys.argv[3])
ring = d[off:off + ln].split(b"\0")[0].decode()
sec = ring[:ring.index("\n}\n") + 3]
e = open(sys.argv[4]).read()
assert e[e.index(sec.split("\n")[0] + "\n"):].startswith(sec), sys.argv[4]
EOF2
    n=$((n + 1))
done < "$FIX/truth/seqnos"
[ "$n" -ge 10 ] || lr_fail "only $n archive files compared with the ring"
echo "$n archive files: VG section in ring form == LVM2's ring copy"

# ---- an archive-only version is restorable (a plan, nothing written)
sha=$(sha256sum < "$T/disk.img")
"$REPAIR" --restore seqno=1 --dry-run "$T/disk.img" > "$T/plan" 2>&1 || { cat "$T/plan"; lr_fail "dry-run restore of seqno 1 exited $?"; }
grep -q "new copy: seqno 47" "$T/plan" || { cat "$T/plan"; lr_fail "no plan for seqno 47"; }
# its file is in use, read by its inode: no note; read from its blocks
# (the superblock unknown) the plan says so
grep -q "is known only from LVM2 backup/archive files" "$T/plan" &&
    { cat "$T/plan"; lr_fail "seqno 1, read by its inode, is said read on from its first block"; }
"$REPAIR" --restore seqno=1 --dry-run "$T/nosb.img" > "$T/plan" 2>&1 || { cat "$T/plan"; lr_fail "dry-run restore of seqno 1 (nosb.img) exited $?"; }
grep -q "Note: seqno 1 is known only from LVM2 backup/archive files found in the images; a file's text is read on from its first block" "$T/plan" ||
    { cat "$T/plan"; lr_fail "the plan does not say seqno 1 is known only from files"; }
# a version the ring holds too gets no such note
"$REPAIR" --restore seqno=30 --dry-run "$T/disk.img" > "$T/plan30" 2>&1 || lr_fail "dry-run restore of seqno 30 exited $?"
grep -q "is known only from LVM2 backup/archive files" "$T/plan30" && lr_fail "seqno 30 (also in the ring) is said known only from files"
[ "$(sha256sum < "$T/disk.img")" = "$sha" ] || lr_fail "the dry run wrote"

# ---- standalone files on the command line; one with another VG section
A0=$(ls "$FIX"/truth/archive/hbkvg_00000-*.vg)
A20=$(ls "$FIX"/truth/archive/hbkvg_00020-*.vg)
# a file given whole is read whole: no note that its blocks may not be its own
"$SCAN" "$A0" > "$T/alone.txt" 2>&1 || lr_fail "lvmscan of a standalone archive file exited $?"
grep -q "note: a file's text is read on from its first block" "$T/alone.txt" &&
    lr_fail "a standalone file's version is said read on from a first block"
sed 's/"t10"/"changed"/' "$A20" > "$T/conflict.vg"
cmp -s "$A20" "$T/conflict.vg" && lr_fail "conflict.vg is not changed"
"$SCAN" --json "$T/disk.img" "$A0" "$T/conflict.vg" > "$T/cli.json" || lr_fail "lvmscan with .vg files exited $?"
python3 - "$T/cli.json" <<'EOF' || lr_fail "standalone files"
import json, sys
d = json.load(open(sys.argv[1]))
ims = d["images"]
assert [i["text_file"] for i in ims] == [False, True, True], ims
vg = d["vgs"][0]
c = d["copies"]
v1 = [v for v in vg["versions"] if v["seqno"] == 1]
assert len(v1) == 1 and v1[0]["complete"] and v1[0]["backup_copies"] == 2, v1
assert sorted(c[i]["image"] for i in v1[0]["copies"]) == [0, 1], v1
v21 = [v for v in vg["versions"] if v["seqno"] == 21]
assert len(v21) == 2 and all(v["conflict"] for v in v21), v21
assert "conflicts" in vg["status"], vg["status"]
# no PV comes from a text file
assert all(p["image"] == 0 for p in vg["pvs"]), vg["pvs"]
print("standalone: seqno 1 from 2 files, seqno 21 in conflict")
EOF
# the conflicting texts are chosen by crc; the file's own is restorable
crc=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["copies"]; print([v["crc"] for v in d["vgs"][0]["versions"] if v["seqno"]==21 and any(c[i]["image"]==2 for i in v["copies"])][0])' "$T/cli.json")
"$REPAIR" --restore "seqno=21:crc=$crc" --dry-run "$T/disk.img" "$T/conflict.vg" > "$T/plan21" 2>&1 ||
    { cat "$T/plan21"; lr_fail "dry-run restore of the file's seqno 21 exited $?"; }
grep -q "tag.*changed\|changed" "$T/plan21" || { cat "$T/plan21"; lr_fail "the plan does not show the file's tag"; }

# ---- a file cut short joins the one complete version its VG section is
# the start of (real LVM2's archive of seqno 30, which the ring holds too,
# cut at byte 900: inside its physical_volumes); cut after a change in
# that start, or when two complete versions of seqno 30 (a conflict in
# the LV section, past byte 900) both begin with it, it stays a version of
# its own, incomplete
A29=$(ls "$FIX"/truth/archive/hbkvg_00029-*.vg)
head -c 900 "$A29" > "$T/cut.vg"
sed 's/tags = \["early"\]/tags = ["eerly"]/' "$A29" | head -c 900 > "$T/cutbad.vg"
sed 's/"t24"/"t2x"/' "$A29" > "$T/conflict30.vg"
# cut inside its seqno ("seqno = 3" of 30): read as seqno 3, whose VG
# section begins the same way, but it is not seqno 3's
python3 - "$A29" "$T/cutnum.vg" <<'EOF'
import sys
t = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(t[:t.index(b"seqno = 30") + len(b"seqno = 3")])
EOF
cmp -s "$T/cut.vg" "$T/cutbad.vg" && lr_fail "cutbad.vg is not changed"
cmp -s "$A29" "$T/conflict30.vg" && lr_fail "conflict30.vg is not changed"
[ "$(head -c 900 "$T/conflict30.vg")" = "$(cat "$T/cut.vg")" ] || lr_fail "conflict30.vg changes its first 900 bytes"
"$SCAN" --json "$T/disk.img" "$T/cut.vg" "$T/cutbad.vg" > "$T/cut1.json" || lr_fail "lvmscan with cut files exited $?"
"$SCAN" --json "$T/disk.img" "$T/cut.vg" "$T/conflict30.vg" > "$T/cut2.json" || lr_fail "lvmscan with a cut file and a conflict exited $?"
"$SCAN" --json "$T/disk.img" "$T/cutnum.vg" > "$T/cut3.json" || lr_fail "lvmscan with a file cut in its seqno exited $?"
python3 - "$T/cut1.json" "$T/cut2.json" "$T/cut3.json" <<'EOF' || lr_fail "cut files"
import json, sys
def v30(path):
    d = json.load(open(path))
    c = d["copies"]
    vs = [v for v in d["vgs"][0]["versions"] if v["seqno"] == 30]
    return c, vs, [[c[i]["image"] for i in v["copies"]] for v in vs]
c, vs, ims = v30(sys.argv[1])
for im in (1, 2):
    k = [i for i, x in enumerate(c) if x["image"] == im]
    assert len(k) == 1 and c[k[0]]["partial"] and not c[k[0]]["parse_ok"], [c[i] for i in k]
whole = [v for v in vs if v["complete"]]
assert len(whole) == 1 and not whole[0]["conflict"], vs
assert sorted(c[i]["image"] for i in whole[0]["copies"]) == [0, 0, 1], ims
assert whole[0]["backup_copies"] == 2, whole[0]
own = [v for v in vs if not v["complete"]]
assert len(own) == 1 and [c[i]["image"] for i in own[0]["copies"]] == [2], ims
c, vs, ims = v30(sys.argv[2])
assert len([v for v in vs if v["complete"] and v["conflict"]]) == 2, ims
own = [v for v in vs if not v["complete"]]
assert len(own) == 1 and [c[i]["image"] for i in own[0]["copies"]] == [1], ims
d = json.load(open(sys.argv[3]))
c = d["copies"]
k = [i for i, x in enumerate(c) if x["image"] == 1]
assert len(k) == 1 and c[k[0]]["seqno"] == 3 and c[k[0]]["partial"], [c[i] for i in k]
v = [v for v in d["vgs"][0]["versions"] if k[0] in v["copies"]]
assert len(v) == 1 and not v[0]["complete"] and v[0]["copies"] == k, v
print("cut files: one joins seqno 30, one changed, one ambiguous and one cut in its seqno stay apart")
EOF
# a conflict at seqno 30 leaves every other version's change as it was:
# the version written before the ring's oldest copy (seqno 21) is not the
# newest copy, which the ring's write head puts just before it
python3 - "$T/scan.json" "$T/cut2.json" <<'EOF' || lr_fail "changes with a conflict at seqno 30"
import json, sys
def changes(path):
    vs = json.load(open(sys.argv[path]))["vgs"][0]["versions"]
    return {v["seqno"]: v["change"] for v in vs if v["complete"] and v["seqno"] not in (30, 31)}
a, b = changes(1), changes(2)
assert a and a.keys() == b.keys(), (sorted(a), sorted(b))
bad = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
assert not bad, bad
assert a[21] == "first +tag t15", a[21]
print("a conflict at seqno 30 changes no other version's change line")
EOF

# ---- fragmented files: the block after a file's first one is not its own
off=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([c["offset"] for c in d["copies"] if c["found_by"]=="backup_file" and c["seqno"]==10][0])' "$T/scan.json")
ring_off=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([c["offset"] for c in d["copies"] if c["found_by"]=="backup_file" and c["seqno"]==40][0])' "$T/scan.json")
cp "$T/disk.img" "$T/frag.img"
# seqno 10 (only in files): its second 1 KiB block zeroed
dd if=/dev/zero of="$T/frag.img" bs=1 seek=$((off + 1024)) count=1024 conv=notrunc status=none
# seqno 40 (also in the ring): its second block is another file's third
dd if="$T/disk.img" of="$T/frag.img" bs=1 skip=$((off + 2048)) seek=$((ring_off + 1024)) count=1024 conv=notrunc status=none
"$SCAN" --json "$T/frag.img" > "$T/frag.json" || lr_fail "lvmscan on the fragmented image exited $?"
"$SCAN" "$T/frag.img" > "$T/frag.txt" || true
python3 - "$T/frag.json" "$off" "$ring_off" <<'EOF' || lr_fail "fragmented files"
import json, sys
d = json.load(open(sys.argv[1])); offs = [int(sys.argv[2]), int(sys.argv[3])]
c = d["copies"]
vg = d["vgs"][0]
for off in offs:
    k = [i for i, x in enumerate(c) if x["offset"] == off]
    assert len(k) == 1, off
    x = c[k[0]]
    assert x["found_by"] == "backup_file" and x["partial"] and not x["parse_ok"], x
    assert ("at byte %d" % off) in x["parse_error"], x["parse_error"]
    for v in vg["versions"]:
        if k[0] in v["copies"]:
            assert not v["complete"] and v["copies"] == [k[0]], ("merged", off, v)
v10 = [v for v in vg["versions"] if v["seqno"] == 10]
assert v10 and not any(v["complete"] for v in v10), v10
v40 = [v for v in vg["versions"] if v["seqno"] == 40 and v["complete"]]
assert len(v40) == 1 and not v40[0]["conflict"] and v40[0]["backup_copies"] == 0, v40
print("fragmented: partial at", offs)
EOF
grep -q "backup file at byte $off is partial" "$T/frag.txt" || lr_fail "the report does not name the partial file"
if "$REPAIR" --restore seqno=10 --dry-run "$T/frag.img" > "$T/plan10" 2>&1; then
    lr_fail "seqno 10 (only a fragmented file) was offered for restore"
fi
# ---- a file whose size is a multiple of the block: no zeros after it
# (fixtures/backup-exact: real LVM2's archive of exactly 2048 bytes, in an
# ext4 of 1 KiB blocks, where another block follows it at once, and in a
# tar, where the next header does): read whole (it was partial: "does not
# parse", "other bytes"), each copy's length and LVM2 checksum the file's
# and its NUL when read by its inode (extfs_inode: read again through the
# filesystem), else the file's bytes alone (no NUL lies in the image after
# them: the copy reads again the same, no "changed since it was scanned")
EX=${FIX%/backup}/backup-exact
gzip -dc "$EX/ext4.img.gz" > "$T/ex4.img"
for img in "$T/ex4.img" "$EX/etc.tar"; do
    "$SCAN" --json "$img" > "$T/ex.json" 2> "$T/ex.err" || lr_fail "lvmscan $img exited $?"
    grep -q "changed since it was scanned" "$T/ex.err" && lr_fail "$img: a copy does not read again as scanned: $(cat "$T/ex.err")"
    python3 - "$T/ex.json" "$EX/truth" <<'EOF' || lr_fail "$img: a file of whole blocks is not read whole"
import json, os, sys, zlib
def lvm_crc(b):
    return ~zlib.crc32(b, ~0xf597a6cf & 0xffffffff) & 0xffffffff
d = json.load(open(sys.argv[1])); truth = sys.argv[2]
texts = {}
want = {}
for sub in ("archive", "backup"):
    for n in os.listdir(os.path.join(truth, sub)):
        t = open(os.path.join(truth, sub, n), "rb").read()
        want[int(t.split(b"seqno = ")[1].split(b"\n")[0])] = len(t)
        texts[len(t)] = t
assert 2048 in want.values(), want
got = {c["seqno"]: c for c in d["copies"] if c["found_by"] == "backup_file"}
assert sorted(got) == sorted(want), (sorted(got), sorted(want))
for s, n in want.items():
    c = got[s]
    assert not c["partial"] and c["parse_ok"], (s, n, c["parse_error"])
    nul = c["length"] == n + 1
    assert nul or c["length"] == n, (s, n, c["length"])
    assert int(c["crc"], 16) == lvm_crc(texts[n] + (b"\0" if nul else b"")), (s, c["crc"])
    if n == 2048:  # no NUL after it in the image: its bytes, or by its inode
        assert nul == (c["extfs_inode"] is not None), c
vs = d["vgs"][0]["versions"]
assert sorted(v["seqno"] for v in vs if v["complete"]) == sorted(want), vs
print("files of whole blocks: seqnos %s read whole" % sorted(want))
EOF
done
# ---- ext4's own records (fixtures/backup-ext4: real LVM2's files, placed
# with debugfs, e2fsprogs' allocator): the backup file in use whose blocks
# are not in a row is read by its inode, whole (it was partial); the
# deleted archive whose later blocks another file holds now is cut there,
# partial, and its version not complete (it was whole: a text LVM2 never
# wrote); the files in use are read whole, each its LVM2 checksum (crc32
# from 0xf597a6cf, computed here with zlib) over the file and its NUL
E4=${FIX%/backup}/backup-ext4
gzip -dc "$E4/ext4.img.gz" > "$T/e4.img"
"$SCAN" --json "$T/e4.img" > "$T/e4.json" || lr_fail "lvmscan of backup-ext4 exited $?"
python3 - "$T/e4.json" "$E4/truth" <<'EOF' || lr_fail "backup-ext4: ext4's records not used"
import json, os, re, sys, zlib
d = json.load(open(sys.argv[1])); truth = sys.argv[2]
dbg = open(os.path.join(truth, "debugfs.txt")).read()
gone = re.search(r"^deleted /etc/lvm/archive/(\S+): blocks .*first block at byte (\d+)", dbg, re.M)
frag = int(re.search(r"^/etc/lvm/backup/e4vg: blocks .*first block at byte (\d+)", dbg, re.M).group(1))
def lvm_crc(b):
    return ~zlib.crc32(b, ~0xf597a6cf & 0xffffffff) & 0xffffffff
by_off = {c["offset"]: c for c in d["copies"] if c["found_by"] == "backup_file"}
vs = {v["seqno"]: v for v in d["vgs"][0]["versions"]}
for sub in ("archive", "backup"):
    for n in os.listdir(os.path.join(truth, sub)):
        t = open(os.path.join(truth, sub, n), "rb").read()
        seq = int(t.split(b"seqno = ")[1].split(b"\n")[0])
        if n == gone.group(1):
            c = by_off[int(gone.group(2))]
            assert c["seqno"] == seq and c["partial"] and not c["extfs_file"], c
            assert "the ext filesystem gives to a file now" in c["parse_error"], c["parse_error"]
            # hedged (a bitmap without checksums may be stale) and not cut
            assert "seems to have been deleted and that block given to another since)" \
                in c["parse_error"], c["parse_error"]
            assert not vs[seq]["complete"], vs[seq]
            continue
        cs = [c for c in by_off.values() if c["seqno"] == seq]
        assert len(cs) == 1, (n, cs)
        c = cs[0]
        assert c["extfs_file"] and not c["partial"] and c["length"] == len(t) + 1, (n, c)
        assert int(c["crc"], 16) == lvm_crc(t + b"\0"), (n, c["crc"], hex(lvm_crc(t + b"\0")))
        assert vs[seq]["complete"], (n, vs[seq])
        assert (c["extfs_inode"] is not None) == (c["offset"] == frag), (n, c)
print("ext4's records: %d files whole, the deleted archive cut" % (len(by_off) - 1))
EOF
"$SCAN" "$T/e4.img" > "$T/e4.txt" || lr_fail "lvmscan (text) of backup-ext4 exited $?"
grep -q "ext-inode-" "$T/e4.txt" || lr_fail "the report does not say a copy is read by its inode"
# ---- ext4's inline_data: files stored in their inodes (mkfs.ext4 -I 4096
# -O inline_data -d: every file of backup-ext4's truth fits), found by an
# inode scan (no block holds them: they were not found at all), read by
# their inodes whole, each its LVM2 checksum
if command -v mkfs.ext4 > /dev/null; then
    mkdir -p "$T/inl/etc/lvm/archive"
    cp "$E4"/truth/archive/*.vg "$E4/truth/backup/e4vg" "$T/inl/etc/lvm/archive/"
    truncate -s 32M "$T/inl.img"
    mkfs.ext4 -q -F -b 4096 -I 4096 -N 64 -O inline_data -d "$T/inl" "$T/inl.img" ||
        lr_fail "mkfs.ext4 -O inline_data failed"
    "$SCAN" --json "$T/inl.img" > "$T/inl.json" || lr_fail "lvmscan of the inline_data ext4 exited $?"
    python3 - "$T/inl.json" "$T/inl/etc/lvm/archive" <<'EOF' || lr_fail "inline_data files not read whole"
import json, os, sys, zlib
d = json.load(open(sys.argv[1]))
def lvm_crc(b):
    return ~zlib.crc32(b, ~0xf597a6cf & 0xffffffff) & 0xffffffff
cs = [c for c in d["copies"] if c["found_by"] == "backup_file"]
names = os.listdir(sys.argv[2])
assert len(cs) == len(names), (len(cs), names)
for n in names:
    t = open(os.path.join(sys.argv[2], n), "rb").read()
    m = [c for c in cs if int(c["crc"], 16) == lvm_crc(t + b"\0")]
    assert len(m) == 1, (n, [(c["seqno"], c["crc"]) for c in cs])
    c = m[0]
    assert c["extfs_file"] and c["extfs_inode"] and not c["partial"] and c["length"] == len(t) + 1, c
print("inline_data: %d files read whole by their inodes" % len(names))
EOF
else
    echo "SKIPPED: inline_data (no mkfs.ext4)"
fi
# ---- a file of whole blocks right before another backup file (no byte
# between): whole, its bytes alone (no NUL counted: the next file's first
# byte lies there), and read again the same; the second its NUL too
x=$(ls "$EX"/truth/archive/*.vg | while read -r f; do [ "$(stat -c %s "$f")" = 2048 ] && echo "$f"; done | head -1)
[ -n "$x" ] || lr_fail "backup-exact has no 2048-byte file"
{ cat "$x" "$x"; head -c 4096 /dev/zero; } > "$T/two.img"
"$SCAN" --json "$T/two.img" > "$T/two.json" 2> "$T/two.err" || lr_fail "lvmscan two.img exited $?"
grep -q "changed since it was scanned" "$T/two.err" && lr_fail "two.img: a copy does not read again as scanned: $(cat "$T/two.err")"
python3 - "$T/two.json" <<'EOF' || lr_fail "two files of whole blocks back to back not read whole"
import json, sys
cs = [c for c in json.load(open(sys.argv[1]))["copies"] if c["found_by"] == "backup_file"]
assert [(c["offset"], c["length"], c["partial"]) for c in cs] == [(0, 2048, False), (2048, 2049, False)], cs
EOF
# ---- a file whose closing brace ends its text with no newline (a deleted
# file's last block holding only that newline, since given to another):
# partial, saying so; LVM2 ends every file with one
python3 -c "
import sys
t = open(sys.argv[1], 'rb').read()
assert t.endswith(b'}\n')
open(sys.argv[2], 'wb').write(t[:-1] + bytes(4096))" "$x" "$T/nonl.img"
"$SCAN" --json "$T/nonl.img" > "$T/nonl.json" || lr_fail "lvmscan nonl.img exited $?"
python3 - "$T/nonl.json" <<'EOF' || lr_fail "a file with no newline after its closing brace is shown whole"
import json, sys
cs = [c for c in json.load(open(sys.argv[1]))["copies"] if c["found_by"] == "backup_file"]
assert len(cs) == 1 and cs[0]["partial"] and "no newline follows" in cs[0]["parse_error"], cs
EOF
# ---- a deleted ext4 image inside a live ext4 (debugfs: inner.img removed,
# the backup file written into its freed blocks, not in a row): the inner
# superblock still lies there, but the outer's records say no file starts
# at it, so the outer's answer for the backup file: read by its inode,
# whole (the stale inner's would take it for a deleted file)
if command -v mkfs.ext4 > /dev/null && command -v debugfs > /dev/null; then
    mkdir -p "$T/nest"
    # not sparse (no discard: it punches holes): mkfs -d copies holes as holes
    head -c 1M /dev/zero | tr '\0' '\377' > "$T/nest/inner.img"
    mkfs.ext4 -q -F -b 1024 -N 16 -O ^has_journal -E nodiscard "$T/nest/inner.img"
    truncate -s 8M "$T/outer.img"
    mkfs.ext4 -q -F -b 1024 -N 64 -O ^has_journal -d "$T/nest" "$T/outer.img"
    read -r -a ib <<<"$(debugfs -R "blocks /inner.img" "$T/outer.img" 2>/dev/null)"
    [ ${#ib[@]} -gt 200 ] || lr_fail "inner.img has ${#ib[@]} blocks in the outer ext4"
    debugfs -w -R "rm /inner.img" "$T/outer.img" > /dev/null 2>&1
    f0=$(debugfs -R "ffb 1" "$T/outer.img" 2>/dev/null | sed -n 's/^Free blocks found: //p' | tr -d ' ')
    [ -n "$f0" ] && [ "$f0" -le "${ib[0]}" ] || lr_fail "the first free block ($f0) is past inner.img's (${ib[0]})"
    # hold the free blocks before inner's block 64, and its block 66
    debugfs -w -f - "$T/outer.img" > /dev/null 2>&1 <<EOF
setb $f0 $((ib[0] + 64 - f0))
setb $((ib[0] + 66))
write $E4/truth/backup/e4vg /e4vg
freeb $f0 $((ib[0] + 64 - f0))
freeb $((ib[0] + 66))
EOF
    read -r -a eb <<<"$(debugfs -R "blocks /e4vg" "$T/outer.img" 2>/dev/null)"
    [ "${eb[0]}" = $((ib[0] + 64)) ] && [ "${eb[2]}" != $((ib[0] + 66)) ] ||
        lr_fail "e4vg's blocks are ${eb[*]}, not from $((ib[0] + 64)) skipping $((ib[0] + 66))"
    "$SCAN" --json "$T/outer.img" > "$T/outer.json" || lr_fail "lvmscan outer.img exited $?"
    python3 - "$T/outer.json" "$((eb[0] * 1024))" <<'EOF' || lr_fail "a file inside a deleted ext4 image not read by the live ext4's records"
import json, sys
cs = [c for c in json.load(open(sys.argv[1]))["copies"] if c["offset"] == int(sys.argv[2])]
assert len(cs) == 1 and cs[0]["extfs_file"] and cs[0]["extfs_inode"] and not cs[0]["partial"], cs
EOF
else
    echo "SKIPPED: nested ext4 (no mkfs.ext4 or debugfs)"
fi
# ---- ext4's journal (fixtures/backup-journal: real LVM2 rotating its
# archive in an ext4 the kernel wrote, free space fragmented): deleted files
# are read by their inodes as the jbd2 journal still holds them. Truth:
# the files LVM2 wrote and, for each, the extents FIEMAP (filefrag) gave
# while it lived (truth/files.txt). Never a byte of another file: every
# copy is a prefix of a file LVM2 wrote with its seqno, a whole one equals
# it; files gathered from blocks not in a row are where filefrag put them.
BJ=${FIX%/backup}/backup-journal
gzip -dc "$BJ/fs.img.gz" > "$T/j.img"
"$SCAN" --json "$T/j.img" > "$T/j.json" || lr_fail "lvmscan of backup-journal exited $?"
for ino in $(python3 -c '
import json, sys
print(" ".join(str(c["extfs_inode"]) for c in json.load(open(sys.argv[1]))["copies"] if c["extfs_inode"]))' "$T/j.json"); do
    debugfs -R "cat <$ino>" "$T/j.img" > "$T/j.ino.$ino" 2>/dev/null || lr_fail "debugfs cat <$ino> failed"
done
python3 - "$T/j.json" "$BJ/truth" "$T/j.img" "$T" <<'EOF' || lr_fail "backup-journal: deleted files not read by the journal's inodes"
import json, os, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]
img = open(sys.argv[3], "rb").read()
files = {}
for sub in ("archive", "backup"):
    for n in os.listdir(os.path.join(truth, sub)):
        t = open(os.path.join(truth, sub, n), "rb").read()
        files.setdefault(int(t.split(b"seqno = ")[1].split(b"\n")[0]), []).append(t)
# filefrag's view of every file when it lived: inode, size, extents
lived = []
for line in open(os.path.join(truth, "files.txt")):
    f = line.split()
    ext = []
    for e in f[4].split(","):
        lb, rest = e.split("+")
        n, phys = rest.split("@")
        ext.append((int(lb), int(n), int(phys)))
    lived.append((f[1], int(f[2]), int(f[3]), sorted(ext)))
bs = 1024
cs = [c for c in d["copies"] if c["found_by"] == "backup_file"]
gathered = []
for c in cs:
    if c["pieces"]:
        text = b"".join(img[o:o + n] for o, n in c["pieces"])
    elif c["extfs_inode"]:
        text = open(os.path.join(sys.argv[4], "j.ino.%d" % c["extfs_inode"]), "rb").read()
    else:
        text = img[c["offset"]:c["offset"] + c["length"]].rstrip(b"\0")
    mine = files.get(c["seqno"], [])
    assert any(t.startswith(text) for t in mine), ("bytes LVM2 never wrote", c["offset"], c["seqno"])
    if not c["partial"]:
        assert any(t == text for t in mine), ("whole but not LVM2's file", c["offset"])
    if c["extfs_file"]:
        continue
    # a deleted file: the journal holds its inode as it lived
    assert c["extfs_journal_inode"] and c["extfs_journal_transaction"], c
    if c["pieces"]:
        gathered.append(c)
        first = c["offset"] // bs
        hits = [l for l in lived if l[1] == c["extfs_journal_inode"] and l[3][0][2] == first]
        assert hits, ("no file filefrag saw starts there with that inode", c)
        name, ino, size, ext = hits[-1]
        want, left = [], size
        for lb, n, phys in ext:
            take = min(n * bs, left)
            if want and want[-1][0] + want[-1][1] == phys * bs:
                want[-1][1] += take
            else:
                want.append([phys * bs, take])
            left -= take
        assert [list(p) for p in c["pieces"]] == want and c["length"] == size, (name, c, want)
        assert not c["partial"] and len(c["pieces"]) >= 2, c
assert gathered, "no deleted file gathered from blocks not in a row"
vs = {v["seqno"]: v for g in d["vgs"] for v in g["versions"]}
for c in gathered:
    assert vs[c["seqno"]]["complete"], ("its version is not complete", c["seqno"])
print("%d backup-file copies, none with another file's bytes; %d deleted files gathered from "
      "where filefrag put them (seqnos %s)" % (len(cs), len(gathered),
                                               sorted(c["seqno"] for c in gathered)))
EOF
"$SCAN" "$T/j.img" > "$T/j.txt" || lr_fail "lvmscan (text) of backup-journal exited $?"
grep -q "ext-journal-inode-[0-9]* gathered" "$T/j.txt" || lr_fail "the report does not flag a gathered copy"
rm -f "$T/j.img" "$T"/j.ino.*

# ---- ext3 (fixtures/backup-ext3: LVM2's archive files of 13 to 20 KiB in
# a kernel-written ext3, more than the 12 blocks an inode maps itself):
# every block that starts a backup file whose text the image holds in a
# row up to its VG section's first line is a copy (a plain search of the
# image: none lost), every whole copy is a file LVM2 wrote.
B3=${FIX%/backup}/backup-ext3
gzip -dc "$B3/ext3.img.gz" > "$T/e3.img"
"$SCAN" --json "$T/e3.img" > "$T/e3.json" || lr_fail "lvmscan of backup-ext3 exited $?"
python3 - "$T/e3.json" "$B3/truth" "$T/e3.img" <<'EOF' || lr_fail "backup-ext3: a backup file lost or wrong"
import gzip, json, os, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]
img = open(sys.argv[3], "rb").read()
files = {}
for n in os.listdir(truth):
    if n.startswith("jvg."):
        files.setdefault(int(n.split(".")[1]), []).append(gzip.open(os.path.join(truth, n)).read())
cs = {c["offset"]: c for c in d["copies"] if c["found_by"] == "backup_file"}
def held(o):
    for ts in files.values():
        for t in ts:
            sec = t.find(b"\njvg {")
            if sec > 0 and img[o:o + sec + 6] == t[:sec + 6]:
                return True
    return False
starts = [o for o in range(0, len(img), 1024) if img.startswith(b"# Generated by LVM2 version", o)
          and held(o)]
missing = [o for o in starts if o not in cs]
assert starts and not missing, ("file starts with no copy", missing)
for c in cs.values():
    if c["extfs_inode"] or c["partial"]:
        continue
    text = (b"".join(img[o:o + n] for o, n in c["pieces"]) if c["pieces"]
            else img[c["offset"]:c["offset"] + c["length"]].rstrip(b"\0"))
    assert any(t == text for t in files.get(c["seqno"], [])), ("whole but not LVM2's", c["offset"])
print("ext3: %d file starts held up to their VG section, each a copy" % len(starts))
EOF
rm -f "$T/e3.img"

# ---- a journal that cannot vouch for later claims (fixtures/
# backup-journal-unsure, the real kernel: B deleted, its inode in the
# journal; a later copy of F's inode whose extent tree leaf the journal has
# no copy of, truth/journal.txt): B's copy is read to its size from the
# journal, but said unsure, flagged, and the VG noted as one whose version
# only a file's blocks hold
BU=${FIX%/backup}/backup-journal-unsure
gzip -dc "$BU/fs.img.gz" > "$T/u.img"
"$SCAN" --json "$T/u.img" > "$T/u.json" || lr_fail "lvmscan of backup-journal-unsure exited $?"
"$SCAN" "$T/u.img" > "$T/u.txt" || lr_fail "lvmscan (text) of backup-journal-unsure exited $?"
python3 - "$T/u.json" "$BU/truth" "$T/u.img" <<'EOF' || lr_fail "backup-journal-unsure: B's copy not said unsure"
import json, re, sys
d = json.load(open(sys.argv[1])); truth = sys.argv[2]
img = open(sys.argv[3], "rb").read()
b = open(truth + "/B.backup", "rb").read()
leaf = int(open(truth + "/F.leaf").read())
assert all(int(l.split()[2]) != leaf for l in open(truth + "/journal.txt")), "F's leaf logged"
ino = int(re.search(r"Inode: (\d+)", open(truth + "/B.stat").read()).group(1))
cs = [c for c in d["copies"] if c["found_by"] == "backup_file"]
(c,) = [c for c in cs if img[c["offset"]:c["offset"] + len(b)] == b]
assert c["extfs_journal_inode"] == ino and c["extfs_journal_unsure"] is True, c
assert not c["partial"] and c["pieces"] is None, c
assert img[c["offset"]:c["offset"] + c["length"]].rstrip(b"\0") == b, c["length"]
print("unsure: B (inode %d) read to its size, said unsure: F's leaf %d is not in the journal"
      % (ino, leaf))
EOF
grep -q " ext-journal-inode-[0-9]* (later claims not all known)" "$T/u.txt" ||
    lr_fail "the report does not flag the unsure copy: $(grep backup-file "$T/u.txt")"
grep -q "note: a file's text is read on from its first block" "$T/u.txt" ||
    lr_fail "no note under the VG whose version only the unsure copy holds"
rm -f "$T/u.img"

# ---- XFS: the archive files put into a filesystem by mkfs.xfs -p (a
# protofile; no mount needed) are all found whole, at their block starts
if command -v mkfs.xfs >/dev/null; then
    {
        echo /dev/null; echo "0 0"; echo "d--755 0 0"
        for f in "$FIX"/truth/archive/*.vg; do echo "$(basename "$f") ---644 0 0 $f"; done
        echo '$'
    } > "$T/proto"
    truncate -s 300M "$T/xfs.img"
    # mkfs.xfs refuses filesystems under 300 MB unless run as xfstests runs it
    TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -p "$T/proto" "$T/xfs.img" >/dev/null 2>&1 ||
        lr_fail "mkfs.xfs -p failed"
    "$SCAN" --json "$T/xfs.img" > "$T/xfs.json" || true
    python3 - "$T/xfs.json" "$FIX/truth/seqnos" <<'EOF2' || lr_fail "archive files in XFS"
import json, sys
d = json.load(open(sys.argv[1]))
want = sorted(int(l.split()[0]) for l in open(sys.argv[2]))
c = [x for x in d["copies"] if x["found_by"] == "backup_file"]
got = sorted(x["seqno"] for x in c if not x["partial"])
assert got == want and len(c) == len(want), (got, want)
assert sorted(v["seqno"] for v in d["vgs"][0]["versions"] if v["complete"]) == want
assert all(x["xfs_file"] for x in c), [x["offset"] for x in c if not x["xfs_file"]]
print("xfs: %d files found whole, by their inodes" % len(got))
EOF2
    # check_xfs WHAT: every archive in $T/xfs.img read whole by its inode,
    # its filesystem's log clean (mkfs writes an unmount record)
    check_xfs() {
        "$SCAN" --json "$T/xfs.img" > "$T/xfs.json" || true
        python3 - "$T/xfs.json" "$FIX/truth/seqnos" "$1" <<'EOF2' || lr_fail "archive files in $1"
import json, sys
d = json.load(open(sys.argv[1]))
want = sorted(int(l.split()[0]) for l in open(sys.argv[2]))
c = [x for x in d["copies"] if x["found_by"] == "backup_file"]
assert sorted(x["seqno"] for x in c if not x["partial"] and x["xfs_file"]) == want, c
assert all(x["fs_log"] is None for x in c), [x["fs_log"] for x in c]
print("%s: %d files by their inodes, its log clean" % (sys.argv[3], len(want)))
EOF2
    }
    # the same after 5000 empty files in their directory, 1 KiB blocks: the
    # directory's allocation group's inode B+tree two levels deep (xfs_db's
    # agi level), the archives' inodes (in that directory, after the empty
    # files) found through its interior node
    {
        echo /dev/null; echo "0 0"; echo "d--755 0 0"
        echo "fill d--755 0 0"
        for ((i = 0; i < 5000; i++)); do echo "f$i ---644 0 0 /dev/null"; done
        for f in "$FIX"/truth/archive/*.vg; do echo "$(basename "$f") ---644 0 0 $f"; done
        echo '$'
        echo '$'
    } > "$T/proto"
    TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -b size=1024 -p "$T/proto" "$T/xfs.img" \
        >/dev/null 2>&1 || lr_fail "mkfs.xfs -b size=1024 -p failed"
    ino=$(xfs_db -r -c "path /fill" -c "p v3.inumber" "$T/xfs.img" 2>/dev/null | awk '{print $3}')
    agi=$(xfs_db -r -c "convert ino ${ino:-0} agno" "$T/xfs.img" 2>/dev/null | awk '{print $1}')
    level=$(xfs_db -r -c "agi ${agi:-0}" -c "p level" "$T/xfs.img" 2>/dev/null | awk '{print $3}')
    [ "${level:-0}" -ge 2 ] || lr_fail "the inode B+tree of /fill's group (${agi:-?}) is not two levels deep (level ${level:-?})"
    check_xfs "an XFS whose inode B+tree is two levels deep"
    # a version 4 XFS (mkfs.xfs -m crc=0: no checksums, v2 inodes' place
    # of the data fork, its log clean as mkfs writes it): the same
    {
        echo /dev/null; echo "0 0"; echo "d--755 0 0"
        for f in "$FIX"/truth/archive/*.vg; do echo "$(basename "$f") ---644 0 0 $f"; done
        echo '$'
    } > "$T/proto"
    if TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -m crc=0 -p "$T/proto" "$T/xfs.img" >/dev/null 2>&1; then
        check_xfs "a version 4 XFS"
    else
        echo "(mkfs.xfs makes no version 4 XFS any more: that part is left out)"
    fi
else
    echo "(mkfs.xfs not installed: the XFS part is left out)"
fi

# ---- btrfs: files under 4 KiB that mkfs.btrfs --rootdir (and the kernel,
# under max_inline, 2 KiB by default) stores inline in a tree leaf, at any
# byte, with other items' bytes after them. The same disk with btrfs in LV
# fs instead of ext4 has the same history; and a btrfs whose leaves cross
# the scan's 1 MiB buffers (placed at an odd sector) is read whole.
if command -v mkfs.btrfs >/dev/null; then
    mkdir -p "$T/bt/archive" "$T/bt/backup"
    cp "$FIX"/truth/archive/*.vg "$T/bt/archive/"
    cp "$FIX"/truth/backup/hbkvg "$T/bt/backup/"
    read -r fs_off fs_size < "$FIX/truth/fs"
    truncate -s "$fs_size" "$T/bt.fs"
    # mixed block groups: the only btrfs that fits the 8 MiB LV
    mkfs.btrfs -q -f -M -r "$T/bt" "$T/bt.fs" >/dev/null 2>&1 || lr_fail "mkfs.btrfs -M -r failed"
    cp "$T/disk.img" "$T/btdisk.img"
    dd if="$T/bt.fs" of="$T/btdisk.img" bs=512 seek=$((fs_off / 512)) conv=notrunc status=none
    "$SCAN" --json "$T/btdisk.img" > "$T/bt.json" || lr_fail "lvmscan on the btrfs disk exited $?"
    python3 "$T/history.py" "$T/bt.json" "$FIX/truth" || lr_fail "history of the disk with btrfs in LV fs"
    python3 - "$T/bt.json" "$fs_off" "$fs_size" <<'EOF2' || lr_fail "inline files in btrfs"
import json, sys
d = json.load(open(sys.argv[1])); lo = int(sys.argv[2]); hi = lo + int(sys.argv[3])
c = [x for x in d["copies"] if x["found_by"] == "backup_file"]
assert c and all(lo <= x["offset"] < hi and not x["partial"] for x in c), c
assert any(x["offset"] % 512 for x in c), "no file at an odd byte: not inline?"
# inline in a leaf, not compressed: the item gives the length
assert all(x["btrfs_inline"] and x["btrfs_compression"] is None for x in c), c
print("btrfs in LV fs: %d inline copies" % len(c))
EOF2
    sha=$(sha256sum < "$T/btdisk.img")
    "$REPAIR" --restore seqno=1 --dry-run "$T/btdisk.img" > "$T/btplan" 2>&1 ||
        { cat "$T/btplan"; lr_fail "dry-run restore of seqno 1 from btrfs exited $?"; }
    grep -q "new copy: seqno 47" "$T/btplan" || { cat "$T/btplan"; lr_fail "no plan for seqno 47 (btrfs)"; }
    # the files' lengths are their items': not said read on from a first block
    if grep -q "is known only from LVM2 backup/archive files" "$T/btplan"; then
        cat "$T/btplan"
        lr_fail "seqno 1, inline in a btrfs leaf, is said read on from its first block"
    fi
    [ "$(sha256sum < "$T/btdisk.img")" = "$sha" ] || lr_fail "the dry run wrote (btrfs)"

    # a 16 KiB-leaf btrfs, its first leaf holding a file put 4 KiB before a
    # 1 MiB boundary of the image: that leaf ends past the buffer it starts in
    # (the scan reads 1 MiB and 4 KiB more: files past 8 KiB into it are left
    # to be read once the stream is done)
    truncate -s 120M "$T/big.fs"
    mkfs.btrfs -q -f -r "$T/bt" "$T/big.fs" >/dev/null 2>&1 || lr_fail "mkfs.btrfs -r failed"
    first=$(python3 - "$T/big.fs" <<'EOF2'
import re, sys
d = open(sys.argv[1], "rb").read()
print(re.search(rb"# Generated by LVM2 version", d).start() // 16384 * 16384)
EOF2
)
    mib=1048576
    pad=$(( ((mib - 4096 - first % mib) % mib + mib) % mib ))
    { head -c "$pad" /dev/zero; cat "$T/big.fs"; } > "$T/odd.img"
    "$SCAN" --json "$T/odd.img" > "$T/odd.json" || true
    python3 - "$T/odd.json" "$FIX/truth/seqnos" "$pad" <<'EOF2' || lr_fail "btrfs leaves across buffers"
import json, sys
d = json.load(open(sys.argv[1]))
want = sorted(set(int(l.split()[0]) for l in open(sys.argv[2])) | {46})
c = [x for x in d["copies"] if x["found_by"] == "backup_file"]
got = sorted(set(x["seqno"] for x in c if not x["partial"]))
assert got == want, (got, want)
assert not any(x["partial"] for x in c), [x for x in c if x["partial"]]
print("btrfs at byte %s: %d seqnos whole, %d copies" % (sys.argv[3], len(got), len(c)))
EOF2
    # compressed: fixtures/backup/btrfs.img.gz and btrfs-lzo.img.gz
    # (make-btrfs.sh: the kernel wrote the files into a btrfs mounted with
    # compress=zlib, then zstd; or lzo. truth/NAME lists the inline
    # extents dump-tree shows). Each is decoded; scanned with the disk, the
    # history is the same; a copy's length is its item's or extent's (no
    # note of text read on from a first block). compressed NAME
    # COMPRESSION:LAST_SEQNO...
    compressed() {
        local name=$1
        shift
        gzip -dc "$FIX/$name.img.gz" > "$T/c.fs"
        "$SCAN" --json "$T/disk.img" "$T/c.fs" > "$T/c.json" || lr_fail "lvmscan with $name exited $?"
        python3 "$T/history.py" "$T/c.json" "$FIX/truth" || lr_fail "history with $name"
        python3 - "$T/c.json" "$FIX/truth/$name" "$@" <<'EOF2' || lr_fail "compressed files of $name"
import json, sys
d = json.load(open(sys.argv[1]))
last = {a.split(":")[0]: int(a.split(":")[1]) for a in sys.argv[3:]}
c = [x for x in d["copies"] if x["found_by"] == "backup_file" and x["image"] == 1]
assert not any(x["partial"] for x in c), [x for x in c if x["partial"]]
# tests/data/segtypes.backup (VG vgt, 7423 bytes): a compressed data extent
# each, at a sector start, not inline
big = [x for x in c if x["vg_name"] == "vgt"]
assert sorted(x["btrfs_compression"] for x in big) == sorted(last), big
assert all(x["length"] == 7423 and x["offset"] % 4096 == 0 for x in big), big
assert not any(x["btrfs_inline"] for x in big), big
c = [x for x in c if x["vg_name"] == "hbkvg"]
assert all(x["btrfs_inline"] for x in c), [x for x in c if not x["btrfs_inline"]]
names = {"1": "zlib", "2": "lzo", "3": "zstd"}
want = sorted((names[l.split()[1]], int(l.split()[2])) for l in open(sys.argv[2]))
got = sorted(set((x["btrfs_compression"], x["length"]) for x in c))
assert sorted(set(want)) == got, (sorted(set(want)), got)
assert all(x["stored_length"] < x["length"] for x in c), c
seq = {z: sorted(set(x["seqno"] for x in c if x["btrfs_compression"] == z)) for z in last}
assert all(seq[z] == list(range(1, last[z] + 1)) for z in last), seq
print("compressed btrfs: %d copies, seqnos %s; vgt in %d extents"
      % (len(c), ", ".join("%s 1..%d" % (z, last[z]) for z in sorted(last)), len(big)))
EOF2
        # a version read from a compressed copy exports as the file itself does
        for s in hbkvg:1 hbkvg:46 vgt:9; do
            vg=${s%:*} s=${s#*:}
            case $vg:$s in
            hbkvg:46) f=$FIX/truth/backup/hbkvg ;;
            hbkvg:1) f=$(ls "$FIX"/truth/archive/hbkvg_00000-*.vg) ;;
            *) f=$FIX/../../tests/data/segtypes.backup ;;
            esac
            rm -f "$T/ce.vg" "$T/fe.vg"
            "$REPAIR" --vg "$vg" --export "seqno=$s" -o "$T/ce.vg" "$T/c.fs" > /dev/null 2>&1 || lr_fail "export of $vg seqno $s from $name failed"
            "$REPAIR" --vg "$vg" --export "seqno=$s" -o "$T/fe.vg" "$f" > /dev/null 2>&1 || lr_fail "export of $f failed"
            cmp -s <(grep -v '^#' "$T/ce.vg") <(grep -v '^#' "$T/fe.vg") ||
                lr_fail "$vg seqno $s exported from its copy in $name differs from the file"
        done
        # their lengths are their items' and extents': not read on from a
        # first block, so no note says they may hold another file's bytes
        "$SCAN" "$T/c.fs" > "$T/c.txt" || lr_fail "lvmscan (text) of $name exited $?"
        if grep -q "note: a file's text is read on from its first block" "$T/c.txt"; then
            lr_fail "$name: copies whose btrfs items give their lengths said read on"
        fi
    }
    compressed btrfs zlib:45 zstd:46
    compressed btrfs-lzo lzo:46
    # a byte of the lzo extent of segtypes.backup changed in a literal (its
    # comment line's year: it still decodes, and parses): lzo keeps no
    # checksum of its own, but btrfs's crc32c of the sector fails, so the
    # copy is damaged, never shown whole with the changed bytes
    off=$(python3 -c "import json; print(next(x['offset'] for x in json.load(open('$T/c.json'))['copies'] if x['vg_name'] == 'vgt' and x['image'] == 1))")
    python3 - "$T/c.fs" "$off" <<'EOF2' || lr_fail "no literal year in btrfs-lzo's extent of segtypes.backup"
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
i = b.index(b"(2022-", off, off + 4096) + 4
b[i] = ord("3")
open(p, "wb").write(b)
EOF2
    "$SCAN" --json "$T/c.fs" > "$T/lzd.json" || lr_fail "lvmscan of btrfs-lzo with a byte changed exited $?"
    python3 - "$T/lzd.json" "$off" <<'EOF2' || lr_fail "btrfs-lzo: a compressed extent whose sector fails its checksum shown whole"
import json, sys
off = int(sys.argv[2])
c = [x for x in json.load(open(sys.argv[1]))["copies"] if x["offset"] == off]
assert len(c) == 1 and c[0]["partial"] and "fails its checksum" in c[0]["parse_error"], c
EOF2
    # zstd frames of more than 16 KiB are decoded only with --all-zstd (the
    # scan's speed), else counted and said: btrfs-large.img.gz holds two
    # (make-btrfs.sh large: `seq 1 8000`, 38893 bytes, and
    # tests/data/many-lvs.backup, a vgcfgbackup of 60 LVs, 24158 bytes;
    # truth/btrfs-large-frames from dump-tree), the other fixtures none
    gzip -dc "$FIX/btrfs-large.img.gz" > "$T/large.fs"
    MANY=$FIX/../../tests/data/many-lvs.backup
    FRAMES=$(cat "$FIX/truth/btrfs-large-frames")
    "$SCAN" --json "$T/large.fs" "$T/c.fs" "$T/disk.img" > "$T/large.json" || lr_fail "lvmscan on btrfs-large exited $?"
    "$SCAN" --all-zstd --json "$T/large.fs" "$T/c.fs" "$T/disk.img" > "$T/all.json" || lr_fail "lvmscan --all-zstd on btrfs-large exited $?"
    python3 - "$T/large.json" "$T/all.json" "$FRAMES" "$(wc -c < "$MANY")" <<'EOF2' || lr_fail "large zstd frames"
import json, sys
d, a = (json.load(open(p)) for p in sys.argv[1:3])
want, size = int(sys.argv[3]), int(sys.argv[4])
got = [im["btrfs_zstd_large"] for im in d["images"]]
assert want == 2 and got == [want, 0, 0], (got, want)
assert all(im["btrfs_zstd_large"] == 0 for im in a["images"]), a["images"]
assert all(im["btrfs_unread"] == {"lzo": 0, "zstd": 0} for im in d["images"]), d["images"]
big = lambda x: [c for c in x["copies"] if c["vg_name"] == "manyvg"]
assert not big(d), big(d)
m = big(a)
assert len(m) == 1 and m[0]["btrfs_compression"] == "zstd" and m[0]["length"] == size \
    and not m[0]["partial"] and m[0]["seqno"] == 61 and m[0]["offset"] % 4096 == 0, m
# its small zstd extent (segtypes.backup) is read either way; all else alike
vgt = lambda x: [(c["offset"], c["crc"], c["length"], c["partial"]) for c in x["copies"]
                 if c["vg_name"] == "vgt" and c["image"] == 0]
assert len(vgt(d)) == 1 and vgt(d) == vgt(a), (vgt(d), vgt(a))
key = lambda x: sorted((c["image"], c["offset"], c["crc"]) for c in x["copies"] if c["vg_name"] != "manyvg")
assert key(d) == key(a)
print("btrfs-large: %d zstd frames over 16 KiB counted; with --all-zstd decoded, manyvg seqno 61 (%d bytes) found" % (want, size))
EOF2
    # (to a file: grep -q stops reading early, and pipefail would see the
    # writer's SIGPIPE)
    "$SCAN" "$T/large.fs" > "$T/large.txt" 2> /dev/null || lr_fail "lvmscan on btrfs-large exited $?"
    grep -q "NOT READ: $FRAMES zstd frames of 16 to 128 KiB .*--all-zstd" "$T/large.txt" ||
        lr_fail "the report does not say the large zstd frames were not looked into"
    # lvmrepair: the version only --all-zstd finds, exported as the file is
    rm -f "$T/ce.vg" "$T/fe.vg"
    rc=0
    "$REPAIR" --vg manyvg --export seqno=61 -o "$T/ce.vg" "$T/large.fs" > /dev/null 2> "$T/rep.err" || rc=$?
    [ $rc -eq 1 ] || lr_fail "lvmrepair found manyvg without --all-zstd (exit $rc)"
    grep -q "zstd frames of 16 to 128 KiB not looked into.*--all-zstd" "$T/rep.err" || lr_fail "lvmrepair does not warn of the large zstd frames: $(cat "$T/rep.err")"
    "$REPAIR" --all-zstd --vg manyvg --export seqno=61 -o "$T/ce.vg" "$T/large.fs" > /dev/null 2>&1 || lr_fail "lvmrepair --all-zstd --export of manyvg failed"
    "$REPAIR" --vg manyvg --export seqno=61 -o "$T/fe.vg" "$MANY" > /dev/null 2>&1 || lr_fail "export of many-lvs.backup failed"
    cmp -s <(grep -v '^#' "$T/ce.vg") <(grep -v '^#' "$T/fe.vg") || lr_fail "manyvg exported from its zstd frame differs from the file"
    # Files of more than 128 KiB, which btrfs compresses in several
    # extents, each where space was free: read whole through the btrfs's
    # trees (make-btrfs.sh multi: vgcfgbackup files of 850 and 851 LVs,
    # zstd, zlib and lzo, two written in turn so their extents alternate,
    # and two plain, written 64 KiB at a time in turn;
    # moved: the same after `btrfs balance` moved the data chunk, its
    # first copy of big1.vg left behind, here 1 MiB into the image). Each
    # file's copy starts at its first extent (truth NAME-phys), holds the
    # file (length, crc of it and its NUL) and is no other file's; every
    # other first-extent-like copy is partial, saying why.
    gzip -dc "$FIX/btrfs-multi.img.gz" > "$T/multi.fs"
    { head -c 1048576 /dev/zero; gzip -dc "$FIX/btrfs-moved.img.gz"; } > "$T/moved.img"
    "$SCAN" --all-zstd --json "$T/multi.fs" "$T/moved.img" > "$T/multi.json" || lr_fail "lvmscan --all-zstd of btrfs-multi, -moved exited $?"
    "$SCAN" --json "$T/multi.fs" "$T/moved.img" > "$T/multi-nz.json" || lr_fail "lvmscan of btrfs-multi, -moved exited $?"
    python3 - "$T/multi.json" "$T/multi-nz.json" "$FIX/truth" <<'EOF2' || lr_fail "btrfs files of several compressed extents"
import hashlib, json, sys, zlib
d, nz = (json.load(open(p)) for p in sys.argv[1:3])
truth = sys.argv[3]
src = [open("%s/multi/%s.vg" % (truth, n), "rb").read() for n in ("big1", "big2")]
by_sha = {hashlib.sha256(b).hexdigest(): b for b in src}
assert len(src[0]) > 256 << 10 and len(src[1]) > 256 << 10
def lvm_crc(b):
    return ~zlib.crc32(b, ~0xf597a6cf & 0xffffffff) & 0xffffffff
n_files = 0
for image, name, shift in ((0, "btrfs-multi", 0), (1, "btrfs-moved", 1 << 20)):
    files = {l.split()[0]: by_sha[l.split()[2]] for l in open("%s/%s-files" % (truth, name))}
    first = {}
    for l in open("%s/%s-phys" % (truth, name)):
        path, off, at = l.split()
        if off == "0":
            first[int(at) + shift] = path
    assert len(first) == len(files), (first, files)
    for scan, want in ((d, first), (nz, {a: p for a, p in first.items() if not p.startswith("zstd/")})):
        c = {x["offset"]: x for x in scan["copies"] if x["image"] == image}
        for at, path in want.items():
            x, body = c.get(at), files[path]
            assert x and x["btrfs_file"] and x["btrfs_offset"] == shift, (name, path, x)
            assert not x["partial"] and x["parse_ok"] and x["vg_name"] == "bigvg", (name, path, x)
            assert x["length"] == len(body) + 1 and int(x["crc"], 16) == lvm_crc(body + b"\0"), \
                (name, path, x["length"], x["crc"])
            n_files += scan is d
        for at, x in c.items():
            if at not in first:
                assert x["partial"] and not x["btrfs_file"], (name, at, x)
                assert "only its first was read: no file in use in its btrfs begins with this extent" \
                    in x["parse_error"], (name, at, x["parse_error"])
# the copy balance left behind in btrfs-moved: found, partial
stale = [x for x in d["copies"] if x["image"] == 1 and not x["btrfs_file"]]
assert len(stale) == 1 and stale[0]["length"] == 128 << 10, stale
print("btrfs files of several extents: %d read whole through the trees; %d left behind partial"
      % (n_files, len(stale)))
EOF2
    # plain/a.vg's first extent item made a preallocated one (its leaf's
    # crc32c sealed again): space a file reserved, not bytes it wrote, so
    # no file in use begins with the bytes found there: not read through
    # the trees (read on from there as on any filesystem). Either check
    # refuses it alone: the item's type (core) and the bytes found against
    # the zeros such an extent reads as (the scan)
    at=$(awk '$1 == "plain/a.vg" && $2 == 0 { print $3 }' "$FIX/truth/btrfs-multi-phys")
    ino=$(awk '$2 == "plain/a.vg" { print $1 }' "$FIX/truth/btrfs-multi-inodes")
    # CRC-32C as btrfs seals its blocks, written out bit by bit (not ours)
    cat > "$T/lrcrc.py" <<'EOF2'
def crc32c(b):
    crc = 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff
EOF2
    PYTHONPATH=$T python3 - "$T/multi.fs" "$T/prealloc.fs" "$ino" <<'EOF2' || lr_fail "cannot make plain/a.vg's first extent preallocated"
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
ino = int(sys.argv[3])
from lrcrc import crc32c
fsid = img[65536 + 32:65536 + 48]
n = 0
for p in range(0, len(img), 4096):
    if p == 65536 or img[p + 32:p + 48] != fsid or img[p + 100] != 0:
        continue
    items = struct.unpack_from("<I", img, p + 96)[0]
    for i in range(min(items, (4096 - 101) // 25)):
        it = p + 101 + 25 * i
        oid, typ, off = struct.unpack_from("<QBQ", img, it)
        if (oid, typ, off) == (ino, 108, 0):
            d = p + 101 + struct.unpack_from("<I", img, it + 17)[0]
            assert img[d + 20] == 1, "not a regular extent"
            img[d + 20] = 2
            struct.pack_into("<I", img, p, crc32c(img[p + 32:p + 4096]))
            n += 1
assert n >= 1, n
open(sys.argv[2], "wb").write(img)
EOF2
    "$SCAN" --json "$T/prealloc.fs" > "$T/prealloc.json" || lr_fail "lvmscan of btrfs-multi with a preallocated extent exited $?"
    python3 - "$T/prealloc.json" "$at" <<'EOF2' || lr_fail "a preallocated first extent read through the trees as the file's"
import json, sys
at = int(sys.argv[2])
c = [x for x in json.load(open(sys.argv[1]))["copies"] if x["offset"] == at]
assert len(c) == 1 and not c[0]["btrfs_file"], c
EOF2
    # the primary superblock zeroed (btrfs-moved is 128 MiB: a mirror at
    # 64 MiB): its files still read through the trees, from the mirror
    cp "$T/moved.img" "$T/moved-nosb.img"
    dd if=/dev/zero of="$T/moved-nosb.img" bs=4096 seek=$(((1048576 + 65536) / 4096)) count=1 conv=notrunc status=none
    "$SCAN" --json "$T/moved-nosb.img" > "$T/nosb.json" || lr_fail "lvmscan of btrfs-moved without its primary superblock exited $?"
    python3 - "$T/nosb.json" <<'EOF2' || lr_fail "btrfs-moved read from its mirror superblock"
import json, sys
c = json.load(open(sys.argv[1]))["copies"]
whole = [x for x in c if x["btrfs_file"]]
assert len(whole) == 2 and all(x["btrfs_offset"] == 1 << 20 and not x["partial"] for x in whole), c
EOF2
    # damage the trees' readers must see past or refuse: (a) the first copy
    # of the chunk tree's root block (DUP in btrfs-moved) flipped: read
    # from its second copy, the files whole; (b) the primary superblock's
    # checksum broken and the 64 MiB mirror made another filesystem's (its
    # fsid changed, its tree blocks' fsid kept as its metadata_uuid, its
    # crc32c sealed again): the mirror is not taken, the btrfs does not
    # open, and the files are not read through it
    PYTHONPATH=$T python3 - "$T/moved.img" "$T/dup.img" "$T/alien.img" <<'EOF2' || lr_fail "cannot damage btrfs-moved"
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
dev = 1 << 20
sb = dev + 65536
from lrcrc import crc32c
chunk_root = struct.unpack_from("<Q", img, sb + 88)[0]
n = struct.unpack_from("<I", img, sb + 160)[0]
p, end, first = sb + 811, sb + 811 + n, None
while p < end:
    logical = struct.unpack_from("<Q", img, p + 9)[0]
    length = struct.unpack_from("<Q", img, p + 17)[0]
    stripes = struct.unpack_from("<H", img, p + 17 + 44)[0]
    phys = [struct.unpack_from("<Q", img, p + 17 + 48 + 32 * k + 8)[0] for k in range(stripes)]
    if logical <= chunk_root < logical + length:
        assert stripes == 2, "the system chunk is not DUP"
        first = dev + phys[0] + chunk_root - logical
    p += 17 + 48 + 32 * stripes
assert first is not None
dup = bytearray(img)
dup[first + 200] ^= 0x40
open(sys.argv[2], "wb").write(dup)
alien = bytearray(img)
alien[sb + 300] ^= 1  # the label: the primary keeps its magic, fails its checksum
m = dev + (64 << 20)
assert alien[m + 64:m + 72] == b"_BHRfS_M"
# another fsid, its tree blocks still vouched for (metadata_uuid, incompat
# bit 10, names the blocks' fsid): only the fsid tells it apart
alien[m + 571:m + 587] = alien[m + 32:m + 48]
struct.pack_into("<Q", alien, m + 188, struct.unpack_from("<Q", alien, m + 188)[0] | 1 << 10)
alien[m + 32] ^= 0xff
struct.pack_into("<I", alien, m, crc32c(alien[m + 32:m + 4096]))
open(sys.argv[3], "wb").write(alien)
EOF2
    "$SCAN" --json "$T/dup.img" > "$T/dup.json" || lr_fail "lvmscan of btrfs-moved with a chunk root copy damaged exited $?"
    "$SCAN" --json "$T/alien.img" > "$T/alien.json" || lr_fail "lvmscan of btrfs-moved with an alien mirror exited $?"
    python3 - "$T/dup.json" "$T/alien.json" <<'EOF2' || lr_fail "btrfs-moved damaged: the trees read past or refused"
import json, sys
d, a = (json.load(open(p))["copies"] for p in sys.argv[1:3])
assert len([x for x in d if x["btrfs_file"] and not x["partial"]]) == 2, d
# not opened: no file read through its trees; each first extent partial or
# read on from its start, never whole through the other filesystem
assert not any(x["btrfs_file"] for x in a), a
assert any("does not open" in (x["parse_error"] or "") for x in a), [x["parse_error"] for x in a]
EOF2
    # Data checksums. btrfs-multi's files read through the trees: every
    # data sector's crc32c checked (the sectors their extents take, from
    # truth NAME-extents, btrfs inspect-internal's), and the copy's line
    # says so. A bit of plain/a.vg's second extent flipped: its copy is
    # partial, naming the byte; never shown whole.
    python3 - "$T/multi.json" "$FIX/truth" <<'EOF2' || lr_fail "btrfs-multi: data checksums not counted as the extents say"
import json, sys
d, truth = json.load(open(sys.argv[1])), sys.argv[2]
ino = {l.split()[1]: int(l.split()[0]) for l in open(truth + "/btrfs-multi-inodes")}
size = {l.split()[0]: int(l.split()[1]) for l in open(truth + "/btrfs-multi-files")}
ext = [list(map(int, l.split())) for l in open(truth + "/btrfs-multi-extents")]
first = {int(l.split()[2]): l.split()[0] for l in open(truth + "/btrfs-multi-phys") if l.split()[1] == "0"}
n = 0
for x in d["copies"]:
    if x["image"] != 0 or x["offset"] not in first:
        continue
    path = first[x["offset"]]
    want = 0
    for i, foff, bytenr, disk, off, num, ram, comp in ext:
        if i == ino[path] and bytenr:
            want += disk // 4096 if comp else (min(num, size[path] - foff) + 4095) // 4096
    assert (x["btrfs_sums_checked"], x["btrfs_sums_not_stored"], x["btrfs_sums_not_verified"]) == (want, 0, 0), (path, want, x)
    n += 1
assert n == 7, n
EOF2
    "$SCAN" "$T/multi.fs" > "$T/multi.txt" 2> /dev/null || lr_fail "lvmscan of btrfs-multi exited $?"
    [ "$(grep -c "btrfs-file(checksums-right)" "$T/multi.txt")" -ge 4 ] || lr_fail "lvmscan's copy lines do not say the btrfs files' checksums were right"
    at=$(awk '$1 == "plain/a.vg" && $2 == 0 { print $3 }' "$FIX/truth/btrfs-multi-phys")
    at2=$(awk '$1 == "plain/a.vg" && $2 == 65536 { print $3 }' "$FIX/truth/btrfs-multi-phys")
    cp "$T/multi.fs" "$T/flip.fs"
    printf '\x55' | dd of="$T/flip.fs" bs=1 seek=$((at2 + 4096 + 300)) conv=notrunc status=none
    "$SCAN" --json "$T/flip.fs" > "$T/flip.json" || lr_fail "lvmscan of btrfs-multi with a data byte changed exited $?"
    python3 - "$T/flip.json" "$at" "$((at2 + 4096))" <<'EOF2' || lr_fail "a btrfs file whose data fails its checksum shown whole"
import json, sys
at, bad = int(sys.argv[2]), int(sys.argv[3])
c = [x for x in json.load(open(sys.argv[1]))["copies"] if x["offset"] == at]
assert len(c) == 1 and c[0]["partial"] and not c[0]["btrfs_file"], c
assert "(byte %d) fails its checksum;" % bad in c[0]["parse_error"], c[0]["parse_error"]
assert "every copy" not in c[0]["parse_error"], c[0]["parse_error"]
EOF2
    # DUP data (mkfs.btrfs -d dup): each sector in two places. The first
    # copy of a sector of the file damaged: read from the second, whole;
    # both damaged: partial, "in every copy"
    mkdir -p "$T/dupd"
    cp "$FIX/truth/multi/big1.vg" "$T/dupd/a.vg"
    truncate -s 200M "$T/dupd.fs"
    mkfs.btrfs -q -f -d dup -m dup -r "$T/dupd" "$T/dupd.fs" > /dev/null 2>&1 || lr_fail "mkfs.btrfs -d dup -r failed"
    read -r p0 p1 < <(python3 - "$T/dupd.fs" "$T/dupd/a.vg" <<'EOF2'
import sys
head = open(sys.argv[2], "rb").read(4096)
f = open(sys.argv[1], "rb")
at, found = 0, []
while True:
    b = f.read(4096)
    if not b:
        break
    if b == head:
        found.append(at)
    at += 4096
print(*found)
EOF2
)
    [ -n "$p1" ] || lr_fail "mkfs.btrfs -d dup: the file's first sector not found twice"
    printf '\x55' | dd of="$T/dupd.fs" bs=1 seek=$((p0 + 8192 + 10)) conv=notrunc status=none
    "$SCAN" --json "$T/dupd.fs" > "$T/dupd.json" || lr_fail "lvmscan of a DUP btrfs exited $?"
    printf '\x55' | dd of="$T/dupd.fs" bs=1 seek=$((p1 + 8192 + 10)) conv=notrunc status=none
    "$SCAN" --json "$T/dupd.fs" > "$T/dupd2.json" || lr_fail "lvmscan of a DUP btrfs exited $?"
    python3 - "$T/dupd.json" "$T/dupd2.json" "$T/dupd/a.vg" "$p0" "$p1" <<'EOF2' || lr_fail "DUP btrfs data: a damaged copy not read past, or both damaged shown whole"
import json, sys, zlib
one, both = (json.load(open(p))["copies"] for p in sys.argv[1:3])
body = open(sys.argv[3], "rb").read()
p0, p1 = int(sys.argv[4]), int(sys.argv[5])
crc = ~zlib.crc32(body + b"\0", ~0xf597a6cf & 0xffffffff) & 0xffffffff
for at in (p0, p1):
    x = [c for c in one if c["offset"] == at]
    assert len(x) == 1, (at, one)
    x = x[0]
    assert x["btrfs_file"] and not x["partial"] and int(x["crc"], 16) == crc, x
    assert x["btrfs_sums_checked"] == (len(body) + 4095) // 4096 and x["btrfs_sums_not_stored"] == 0, x
    x = [c for c in both if c["offset"] == at][0]
    assert x["partial"] and not x["btrfs_file"], x
    assert "(byte %d) fails its checksum in every copy;" % (p0 + 8192) in x["parse_error"], x
EOF2
    # Files a snapshot keeps (make-btrfs.sh snap): the extent tree refers
    # to their extents only by shared references (truth btrfs-snap-refs),
    # the leaf that holds their extent items; each is read whole through
    # the trees, the plain one and the one of three zstd extents, as are
    # the files changed since in the subvolume snapshotted (seqno 5)
    gzip -dc "$FIX/btrfs-snap.img.gz" > "$T/snap.fs"
    grep -q "shared data backref" "$FIX/truth/btrfs-snap-refs" || lr_fail "truth btrfs-snap-refs has no shared reference"
    "$SCAN" --all-zstd --json "$T/snap.fs" > "$T/snap.json" || lr_fail "lvmscan of btrfs-snap exited $?"
    python3 - "$T/snap.json" "$FIX/truth" <<'EOF2' || lr_fail "btrfs-snap: a file a snapshot keeps not read whole through the trees"
import json, sys
d, truth = json.load(open(sys.argv[1])), sys.argv[2]
size, sha = {}, {}
for l in open(truth + "/btrfs-snap-files"):
    p, n, h = l.split()
    size[p], sha[p] = int(n), h
first = {int(l.split()[1]): l.split()[0] for l in open(truth + "/btrfs-snap-first")}
big1 = open(truth + "/multi/big1.vg", "rb").read()
import hashlib, zlib
five = big1.replace(b"\tseqno = 4\n", b"\tseqno = 5\n", 1)
body = {hashlib.sha256(b).hexdigest(): b for b in (big1, five)}
c = {x["offset"]: x for x in d["copies"]}
for at, p in first.items():
    x, b = c.get(at), body[sha[p]]
    assert x and x["btrfs_file"] and not x["partial"], (p, x)
    assert x["length"] == size[p] + 1 and int(x["crc"], 16) == ~zlib.crc32(b + b"\0", ~0xf597a6cf & 0xffffffff) & 0xffffffff, (p, x)
    assert x["seqno"] == (4 if p.startswith("snap/") else 5), (p, x["seqno"])
print("btrfs-snap: %d files read whole, the snapshot's by shared references" % len(first))
EOF2
    # Files written as LVM2 writes a backup file (4 KiB at a time,
    # O_APPEND, fsync before the last piece; make-btrfs.sh lvmway) on a
    # compress=zlib btrfs: xvg's first 4 KiB inline in a leaf, compressed,
    # its rest a data extent; manyvg's first 20 KiB one compressed extent,
    # the rest another (truth btrfs-lvmway-extents). Each is read whole
    # through the trees, and exports as the file itself does
    gzip -dc "$FIX/btrfs-lvmway.img.gz" > "$T/lvmway.fs"
    "$SCAN" --json "$T/lvmway.fs" > "$T/lvmway.json" || lr_fail "lvmscan of btrfs-lvmway exited $?"
    python3 - "$T/lvmway.json" "$FIX/truth/btrfs-lvmway-files" "$FIX/../backup-xfs/truth/archive/xvg_00000-2095987044.vg" "$FIX/../../tests/data/many-lvs.backup" <<'EOF2' || lr_fail "btrfs-lvmway: a file LVM2's way of writing split not read whole"
import hashlib, json, sys, zlib
d = json.load(open(sys.argv[1]))
sha = {l.split()[2]: int(l.split()[1]) for l in open(sys.argv[2])}
for src, inline in ((sys.argv[3], True), (sys.argv[4], False)):
    body = open(src, "rb").read()
    assert sha.get(hashlib.sha256(body).hexdigest()) == len(body), src
    crc = ~zlib.crc32(body + b"\0", ~0xf597a6cf & 0xffffffff) & 0xffffffff
    # (xvg's leaf lies in several places: the copies the kernel wrote
    # before its last, DUP's two; each one's item is the tree's own)
    whole = [x for x in d["copies"] if x["btrfs_file"] and int(x["crc"], 16) == crc]
    assert whole, (src, [(x["offset"], x["length"], x["partial"], x["parse_error"]) for x in d["copies"]])
    for x in whole:
        assert x["length"] == len(body) + 1 and not x["partial"] and x["btrfs_inline"] == inline, x
        # checked: the tail's sector; manyvg's compressed 20 KiB too (one
        # sector stored), xvg's inline bytes none (its leaf's checksum)
        assert x["btrfs_compression"] == "zlib" and x["btrfs_sums_checked"] == (1 if inline else 2), x
assert not [x for x in d["copies"] if x["partial"]], [x["parse_error"] for x in d["copies"] if x["partial"]]
EOF2
    # the report names a leaf's copies alike (the same bytes, flags and
    # reason) once, on one line with the others' count, every offset on
    # it a copy of that version in the JSON
    "$SCAN" "$T/lvmway.fs" > "$T/lvmway.txt" || lr_fail "lvmscan (text) of btrfs-lvmway exited $?"
    python3 - "$T/lvmway.json" "$T/lvmway.txt" <<'EOF2' || lr_fail "btrfs-lvmway: copies alike not named once"
import json, re, sys
d = json.load(open(sys.argv[1])); txt = open(sys.argv[2]).read()
c = d["copies"]
own = [int(m) for m in re.findall(r"^ +\S+ @ (\d+)  \d+ bytes", txt, re.M)]
alike = re.findall(r"^ +alike \(the same bytes, flags and reason\) @ ([\d, ]+?)(?: and (\d+) more \((\d+) in all; --json lists each\))?$", txt, re.M)
assert alike, txt
for offs, more, total in alike:
    offs = [int(o) for o in offs.split(", ")]
    n = int(total) if total else len(offs)
    assert not more or n == len(offs) + int(more), (offs, more, total)
    # the copy listed just above and these are one version's, alike
    k = [i for i, x in enumerate(c) if x["offset"] in offs]
    v = [v for vg in d["vgs"] for v in vg["versions"] if k[0] in v["copies"]][0]
    mine = [i for i in v["copies"] if (c[i]["crc"], c[i]["length"]) == (c[k[0]]["crc"], c[k[0]]["length"])]
    assert len(mine) == n + 1 and set(k) <= set(mine), (offs, n, [c[i]["offset"] for i in mine])
    assert len([i for i in mine if c[i]["offset"] in own]) == 1, offs
print("btrfs-lvmway: %d runs of copies alike named once" % len(alike))
EOF2
    for s in xvg:"$FIX/../backup-xfs/truth/archive/xvg_00000-2095987044.vg" manyvg:"$FIX/../../tests/data/many-lvs.backup"; do
        vg=${s%%:*} src=${s#*:}
        sq=$(awk '$1 == "seqno" { print $3; exit }' "$src")
        rm -f "$T/ce.vg" "$T/fe.vg"
        "$REPAIR" --vg "$vg" --export "seqno=$sq" -o "$T/ce.vg" "$T/lvmway.fs" > /dev/null 2>&1 || lr_fail "export of $vg seqno $sq from btrfs-lvmway failed"
        "$REPAIR" --vg "$vg" --export "seqno=$sq" -o "$T/fe.vg" "$src" > /dev/null 2>&1 || lr_fail "export of $src failed"
        cmp -s <(grep -v '^#' "$T/ce.vg") <(grep -v '^#' "$T/fe.vg") || lr_fail "$vg exported from btrfs-lvmway differs from its file"
    done
    # a version read so exports as the file itself does (read again through
    # the trees); none is written of a copy that does not read so now
    for s in multi.fs:4:big1 multi.fs:5:big2 moved.img:4:big1 moved.img:5:big2; do
        img=${s%%:*} s=${s#*:}
        rm -f "$T/ce.vg" "$T/fe.vg"
        "$REPAIR" --vg bigvg --export "seqno=${s%:*}" -o "$T/ce.vg" "$T/$img" > /dev/null 2>&1 || lr_fail "export of bigvg seqno ${s%:*} from $img failed"
        "$REPAIR" --vg bigvg --export "seqno=${s%:*}" -o "$T/fe.vg" "$FIX/truth/multi/${s#*:}.vg" > /dev/null 2>&1 || lr_fail "export of ${s#*:}.vg failed"
        cmp -s <(grep -v '^#' "$T/ce.vg") <(grep -v '^#' "$T/fe.vg") ||
            lr_fail "bigvg seqno ${s%:*} exported from $img differs from ${s#*:}.vg"
    done
else
    echo "(mkfs.btrfs not installed: the btrfs part is left out)"
fi
# LVM2's backup and archive directories on a zstd-compressed btrfs inside
# an LV of their VG (fixtures/backup-btrfs-etc: real lvm2, the kernel's
# btrfs; truth/files as the mounted btrfs gave them back, truth/pvck the
# ring): the first 4 KiB of every version /etc/lvm/backup/rvg had lie
# inline in the stale copies of the btrfs's leaves (their rest elsewhere),
# partial; each is listed under the complete version of its seqno, and the
# versions are the seqnos LVM2's files and ring hold, each once, complete
BE=$FIX/../backup-btrfs-etc
gzip -dc "$BE/disk.img.gz" > "$T/be.img"
"$SCAN" --json "$T/be.img" > "$T/be.json" || lr_fail "lvmscan of backup-btrfs-etc exited $?"
"$SCAN" "$T/be.img" > "$T/be.txt" || lr_fail "lvmscan (text) of backup-btrfs-etc exited $?"
python3 - "$T/be.json" "$BE/truth" <<'EOF' || lr_fail "backup-btrfs-etc: partial copies not under their complete versions"
import json, re, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
c = d["copies"]
vg = d["vgs"]
assert len(vg) == 1, [v["name"] for v in vg]
vg = vg[0]
files = [l.split() for l in open(t + "/files")]
ring = set(int(m) for m in re.findall(r"seqno (\d+)", open(t + "/pvck").read()))
want = set(int(f[1]) for f in files) | ring
got = [v["seqno"] for v in vg["versions"]]
assert sorted(got) == sorted(want), (sorted(got), sorted(want))
assert all(v["complete"] and not v["conflict"] for v in vg["versions"]), [v["seqno"] for v in vg["versions"] if not v["complete"]]
assert vg["versions"][0]["seqno"] == int(open(t + "/seqno").read())
part = [(v["seqno"], i) for v in vg["versions"] for i in v["copies"] if c[i]["partial"]]
assert len(part) >= len(files), len(part)
assert all(c[i]["seqno"] == s and c[i]["found_by"] == "backup_file" for s, i in part), part[:3]
print("backup-btrfs-etc: %d versions, each once and complete; %d partial copies under them" % (len(got), len(part)))
EOF
grep -q "^ *alike (the same bytes, flags and reason) @ " "$T/be.txt" || lr_fail "backup-btrfs-etc: no copies named alike"
grep -q "no complete copy" "$T/be.txt" && lr_fail "backup-btrfs-etc: a version said to have no complete copy"
# A file cut before its VG section opens: fixtures/backup-journal's first
# archive (its description holds a 1500-character tag, so its section
# begins past its first KiB) cut after 1 KiB, another file's text after it:
# listed with no VG, partial, saying why (it was dropped, unreported)
CUT=$(ls "$FIX"/../backup-journal/truth/archive/*.vg | sort | head -n 1)
python3 - "$CUT" "$T/cut.img" <<'EOF' || lr_fail "cannot make the cut file's image"
import sys
t = open(sys.argv[1], "rb").read()
assert t.find(b"{") > 1024 and t.find(b"creation_time") > 1024, "the section begins in the first KiB"
img = bytearray(64 << 10)
img[0:1024] = t[:1024]
other = b"".join(b"notes line %06d xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" % i for i in range(16))
img[1024:1024 + len(other)] = other
open(sys.argv[2], "wb").write(img)
EOF
"$SCAN" --json "$T/cut.img" > "$T/cut.json" || lr_fail "lvmscan of the cut file exited $?"
"$SCAN" "$T/cut.img" > "$T/cut.txt" || lr_fail "lvmscan (text) of the cut file exited $?"
python3 - "$T/cut.json" <<'EOF' || lr_fail "a file cut before its VG section opens is not listed as partial"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["copies"]
assert len(c) == 1 and c[0]["offset"] == 0, [(x["offset"], x["vg_name"]) for x in c]
c = c[0]
assert c["vg_name"] is None and c["partial"] and not c["parse_ok"], c
assert "before its VG section begins" in c["parse_error"], c["parse_error"]
assert d["vgs"] == [], d["vgs"]
EOF
grep -q "^Copies with no readable VG id (1" "$T/cut.txt" &&
    grep -q "backup file at byte 0 is partial: its text ends before its VG section begins" "$T/cut.txt" ||
    lr_fail "the report does not list the cut file: $(cat "$T/cut.txt")"
echo "PASSED: $NAME"
