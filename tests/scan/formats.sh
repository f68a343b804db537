#!/usr/bin/env bash
# Container and compressed images (fixtures/formats/, made from
# fixtures/history/disk.img.gz by the formats' own tools, see make.sh there):
#  - lr_io_open tells each format by content and gives back the bytes the
#    format's own tool does (truth/sha256), read in order and backwards
#    (VHD: dynamic disk.vhd and fixed disk-fixed.vhd);
#  - lvmscan --json finds in each exactly what it finds in the raw image
#    (every key but "images"), and names the format in images[].format;
#  - a VMDK delta-disk chain (top -> mid -> base) reads as qemu-img convert
#    reads it (truth/sha256 "vmdk-chain"), parents found beside the child;
#  - a differencing VHD chain (top -> mid -> base, written by Xen
#    Orchestra's vhd-lib, make-vhd-chain.sh) reads as LVM2 and python left
#    the raw bytes (truth/sha256 "vhd-chain", "vhd-chain-mid"); lvmscan
#    finds the version only mid.vhd holds (seqno 17, LV vhdchild) and the
#    older ones only base.vhd holds; the same LVM2 change written sector by
#    sector (vhd-single-sectors.tar.gz: partial-page sector bitmaps, which
#    libvhdi misreads and we read ourselves) reads as "vhd-chain-mid" too
#    and gives the same findings; a missing parent or grandparent, a
#    parent made again since (another unique id) and a loop are refused by
#    name;
#  - VHDX files qemu-io left mid-write (make-vhdx-log.sh): one whose BAT
#    update is only in its log reads as qemu reads it once replayed (the
#    log replayed in memory, a warning says so, the file is not written);
#    one whose log names a write already done reads the same, no warning;
#  - qcow2 files libqcow refuses to open (make-qcow-own.sh: zstd clusters,
#    extended L2 entries with zlib clusters, an external data file, and an
#    overlay of the zstd file with subclusters written and zeroed by
#    qemu-io) read as qemu-img convert reads them, and the first three
#    give the raw image's findings;
#  - EWF: an E01 whose acquisition met a read error (ewfacquire, a read
#    failed by strace) warns of those bytes, as ewfinfo lists them; an E01
#    with one byte of a chunk flipped reads that chunk as stored and warns
#    of its bytes, as ewfverify names its sectors;
#  - a truncated E01 set (its last segment missing) is read up to what it
#    lacks: the lost chunk unreadable, named with its offset, exit 2, the
#    PV and its history found;
#  - bad input: a qcow2 whose backing file is missing,
#    an encrypted qcow2, a corrupt xz block, a VMDK delta disk without its
#    parent (or its grandparent), whose parent changed since (content id),
#    or whose chain loops: each named with what is wrong (and the offset for
#    the xz block), exit 2, the other image still scanned;
#  - an xz image with two corrupt blocks around a PV: the blocks' bytes are
#    unreadable (and stay so), the others read as the raw bytes, and the
#    scan skips the blocks (exit 2, images[].unreadable) and finds the PV
#    as in the raw image;
#  - lvmrepair refuses to restore into a container image (the image is left
#    as it was) and restores into a raw --output copy instead.
# A format this build has no library for must be refused naming the library
# (checked, then the format is SKIPPED by name).
# usage: formats.sh LVMSCAN LVMREPAIR LR_CAT FIXTURES_DIR
set -u
LVMSCAN=$1
LVMREPAIR=$2
LR_CAT=$3
FIX=$4
F=$FIX/formats
if ! command -v python3 >/dev/null; then
    echo "SKIPPED: image-formats needs python3 to compare JSON"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# the images, as the test reads them (the committed files are gzip'd or tarred)
mkdir -p "$T/img" "$T/bad" "$T/bk"
gzip -dc "$FIX/history/disk.img.gz" > "$T/disk.img"
for f in qcow2 vmdk vhdx vhd; do gzip -dc "$F/disk.$f.gz" > "$T/img/disk.$f"; done
gzip -dc "$F/disk-fixed.vhd.gz" > "$T/img/disk-fixed.vhd"
cp "$F"/disk.img.xz "$F"/single.img.xz "$F"/disk.img.zst "$F"/multi.img.zst "$F"/vm.ova "$T/img/"
tar -C "$T/img" -xzf "$F/ewf.tar.gz"
mkdir -p "$T/ea" "$T/ec"
tar -C "$T/ea" -xzf "$F/ewf-acquiry.tar.gz"
# the E01 set again, one byte of chunk 0 flipped (in the zeros after the
# label sector: a hand-made damage, like corrupt-block.img.xz's)
tar -C "$T/ec" -xzf "$F/ewf.tar.gz"
python3 - "$T/ec/disk.E01" << 'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
at = d.find(b"LABELONE") + 1000
d[at] ^= 0x77
open(sys.argv[1], "wb").write(d)
PY
tar -C "$T/img" -xzf "$F/split.tar.gz"
# VMDKs holding their own descriptor, renamed: each descriptor names the
# file it was made as, and a file of that name beside it is another disk
# (qemu reads such a file from itself; libvmdk by the name it gives)
mkdir -p "$T/ren"
cp "$T/img/disk.vmdk" "$T/ren/renamed-disk"
tar -C "$T/ren" -xf "$F/vm.ova" vm-disk1.vmdk
mv "$T/ren/vm-disk1.vmdk" "$T/ren/renamed-so"
cp "$T/ren/renamed-so" "$T/ren/disk.vmdk"
cp "$T/img/disk.vmdk" "$T/ren/vm-disk1.vmdk"
# that one other bytes than the OVA's disk (its grains are stored as is)
python3 - "$T/ren/vm-disk1.vmdk" << 'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
at = d.find(b"LABELONE")
assert at > 0
d[at:at + 8] = b"LABELTWO"
open(sys.argv[1], "wb").write(d)
PY
tar -C "$T/bk" -xzf "$F/backing.tar.gz"
mkdir -p "$T/vc" "$T/bad/vc1" "$T/bad/vc2" "$T/bad/vcc" "$T/bad/vcl"
tar -C "$T/vc" -xzf "$F/vmdk-chain.tar.gz"
tar -C "$T/bad/vc1" -xzf "$F/vmdk-chain.tar.gz" ./top.vmdk
tar -C "$T/bad/vc2" -xzf "$F/vmdk-chain.tar.gz" ./top.vmdk ./mid.vmdk
tar -C "$T/bad/vcc" -xzf "$F/bad/vmdk-changed-parent.tar.gz"
tar -C "$T/bad/vcl" -xzf "$F/bad/vmdk-loop.tar.gz"
mkdir -p "$T/vhc" "$T/vhb" "$T/bad/vh1" "$T/bad/vh2" "$T/bad/vhcp" "$T/bad/vhl"
tar -C "$T/vhc" -xzf "$F/vhd-chain.tar.gz"
mkdir -p "$T/vl" "$T/qo"
tar -C "$T/vl" -xzf "$F/vhdx-log.tar.gz"
tar -C "$T/qo" -xzf "$F/qcow-own.tar.gz"
tar -C "$T/vhb" -xzf "$F/vhd-chain.tar.gz" ./base.vhd
tar -C "$T/bad/vh1" -xzf "$F/vhd-chain.tar.gz" ./top.vhd
tar -C "$T/bad/vh2" -xzf "$F/vhd-chain.tar.gz" ./top.vhd ./mid.vhd
tar -C "$T/bad/vhcp" -xzf "$F/bad/vhd-changed-parent.tar.gz"
tar -C "$T/bad/vhl" -xzf "$F/bad/vhd-loop.tar.gz"
# its mid.vhd renamed: the messages below tell it from vhc/mid.vhd (its
# parent is named base.vhd, found beside it)
mkdir -p "$T/vhss"
tar -C "$T/vhss" -xzf "$F/vhd-single-sectors.tar.gz"
mv "$T/vhss/mid.vhd" "$T/vhss/single.vhd"
mkdir "$T/bad/ewf"
tar -C "$T/bad/ewf" -xzf "$F/bad/truncated-ewf.tar.gz"
gzip -dc "$F/bad/overlay.qcow2.gz" > "$T/bad/overlay.qcow2"
gzip -dc "$F/bad/encrypted.qcow2.gz" > "$T/bad/encrypted.qcow2"
cp "$F/bad/corrupt-block.img.xz" "$T/bad/"

# same_findings(raw, got, *keys): two lvmscan --json outputs find the same
# (every key but "images" and keys), else the keys that differ and exit 1
export SAME_PY=$T/same.py
cat > "$SAME_PY" << 'PY'
def same_findings(raw, got, *keys):
    for k in ("images",) + keys:
        raw.pop(k, None)
        got.pop(k, None)
    if raw != got:
        for k in raw:
            if raw[k] != got.get(k):
                print("key %s differs" % k)
        sys.exit(1)
PY

# image path, expected lr_io_format, library it needs
IMAGES="img/disk.qcow2:qcow2:libqcow img/disk.vmdk:vmdk:libvmdk img/disk.vhdx:vhdx:libvhdi
img/disk.vhd:vhd:libvhdi img/disk-fixed.vhd:vhd:libvhdi img/disk.E01:ewf:libewf img/disk.img.xz:xz:liblzma
img/single.img.xz:xz:liblzma img/disk.img.zst:zstd:libzstd img/multi.img.zst:zstd:libzstd
img/disk.split.001:split:- bk/overlay.qcow2:qcow2:libqcow vc/top.vmdk:vmdk:libvmdk img/vm.ova:vmdk:libvmdk+libbfio
ren/renamed-disk:vmdk:libvmdk+libbfio
qo/zstd.qcow2:qcow2:libqcow+libzstd qo/extz.qcow2:qcow2:libqcow qo/df.qcow2:qcow2:libqcow"
# chains whose bytes are not the raw image's: also the name of their truth
CHAINS="vhc/top.vhd:vhd:libvhdi:vhd-chain vhc/mid.vhd:vhd:libvhdi:vhd-chain-mid
vhss/single.vhd:vhd:libvhdi:vhd-chain-mid vl/log.vhdx:vhdx:libvhdi:vhdx-log
vl/applied.vhdx:vhdx:libvhdi:vhdx-log-applied ea/acq.E01:ewf:libewf:ewf-acquiry
qo/sub.qcow2:qcow2:libqcow+libzstd:qcow-own-sub ren/renamed-so:vmdk:libvmdk+libbfio:vm.ova"
declare -A missing=()

# a build without libbfio's header cannot replay a VHDX log: it says so
"$LVMSCAN" "$T/vl/log.vhdx" > /dev/null 2> "$T/err"
if grep -q "NOT applied: this build has no libbfio" "$T/err"; then
    missing[log.vhdx]=libbfio
    echo "SKIPPED: log.vhdx (this build has no libbfio: the warning says the log was not applied)"
fi

# ---- the bytes: ours against the tools' (truth/sha256) ---------------------------
want_sha=$(awk '$2 == "disk.qcow2" { print $1 }' "$F/truth/sha256")
raw_sha=$(sha256sum < "$T/disk.img" | cut -d' ' -f1)
[ "$want_sha" = "$raw_sha" ] && ok || bad "truth/sha256 is not the raw image's"
size=$(stat -c %s "$T/disk.img")
for entry in $IMAGES $CHAINS; do
    IFS=: read -r path fmt lib truth_name <<< "$entry"
    name=$(basename "$path")
    [ -z "${missing[$name]:-}" ] || continue
    [ -n "$truth_name" ] || truth_name=$name
    [ "$path" = vc/top.vmdk ] && truth_name=vmdk-chain # not the raw image's bytes
    [ "$path" = ren/renamed-disk ] && truth_name=disk.vmdk
    tool_sha=$(awk -v n="$truth_name" '$2 == n { print $1 }' "$F/truth/sha256")
    [ -n "$tool_sha" ] || { bad "$name: no truth"; continue; }
    for order in forward reverse; do
        arg=""
        [ $order = reverse ] && arg=reverse
        got=$("$LR_CAT" "$T/$path" "$T/out.raw" $arg 2> "$T/err")
        rc=$?
        nolib=
        for l in ${lib//+/ }; do # a library the image needs that the build lacks
            [ $rc != 0 ] && grep -q "has no $l" "$T/err" && nolib=$l
        done
        if [ -n "$nolib" ]; then
            missing[$name]=$nolib
            # the lvmscan check below says SKIPPED for IMAGES; for a chain, here
            [[ " ${CHAINS//$'\n'/ } " == *" $entry "* ]] && echo "SKIPPED: $name (this build has no $nolib)"
            ok
            break
        fi
        [ $rc = 0 ] || { bad "$name ($order): lr_cat failed: $(cat "$T/err")"; continue; }
        [ "$got" = "$fmt" ] && ok || bad "$name: format $got, want $fmt"
        # VHD's geometry rounds the size up with zeros: compare the raw size
        sha=$(head -c "$size" "$T/out.raw" | sha256sum | cut -d' ' -f1)
        [ "$sha" = "$tool_sha" ] && ok || bad "$name ($order): our bytes differ from the tool's"
    done
done

# ---- lvmscan: the same findings as in the raw image -------------------------------
"$LVMSCAN" --json "$T/disk.img" > "$T/raw.json" || bad "lvmscan of the raw image failed"
for entry in $IMAGES; do
    IFS=: read -r path fmt lib <<< "$entry"
    name=$(basename "$path")
    if [ -n "${missing[$name]:-}" ]; then
        echo "SKIPPED: $name (this build has no ${missing[$name]})"
        continue
    fi
    "$LVMSCAN" --json "$T/$path" > "$T/out.json" 2> "$T/err"
    rc=$?
    [ $rc = 0 ] || { bad "lvmscan $name: exit $rc ($(cat "$T/err"))"; continue; }
    python3 - "$T/raw.json" "$T/out.json" "$fmt" << 'PY' && ok || bad "lvmscan $name differs from the raw scan"
import json, os, sys
exec(open(os.environ["SAME_PY"]).read())
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
fmt = sys.argv[3]
im = got["images"][0]
assert im["format"] == fmt, im
assert im["error"] is None and not im["truncated"], im
assert im["scanned"] == im["size"] >= raw["images"][0]["size"], im
same_findings(raw, got)
# the history is really there: several versions of vg0
assert len(got["vgs"]) == 1 and len(got["copies"]) > 1
PY
done

# ---- VHDX files whose host stopped mid-write (make-vhdx-log.sh) --------------------
# log.vhdx: block 0's BAT entry is only in the log (libvhdi alone reads the
# PV's first MiB as zeros and finds nothing); applied.vhdx: the log names a
# write already in the file. Their bytes are checked with the chains above
# (qemu's replay); here: the findings are the raw image's, a warning says
# the log was replayed (log.vhdx only), and neither file is written.
for f in log applied; do
    [ -z "${missing[$f.vhdx]:-}" ] || continue
    before=$(sha256sum < "$T/vl/$f.vhdx")
    "$LVMSCAN" --json "$T/vl/$f.vhdx" > "$T/out.json" 2> "$T/err" ||
        bad "lvmscan $f.vhdx: exit $? ($(cat "$T/err"))"
    python3 - "$T/raw.json" "$T/out.json" "$f" << 'PY' && ok || bad "lvmscan $f.vhdx: not the raw image's findings, or the wrong warning"
import json, os, sys
exec(open(os.environ["SAME_PY"]).read())
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert im["format"] == "vhdx" and im["error"] is None, im
same_findings(raw, got)
warn = [w for w in im["warnings"] if "not closed cleanly" in w]
if sys.argv[3] == "log":
    assert len(warn) == 1 and "log holds 1 metadata write " in warn[0], im["warnings"]
    assert "applied here in memory" in warn[0] and "log.vhdx" in warn[0], warn
else:
    assert warn == [], im["warnings"]
PY
    [ "$(sha256sum < "$T/vl/$f.vhdx")" = "$before" ] && ok || bad "lvmscan wrote to $f.vhdx"
done

# ---- EWF: a read error during acquiry, a chunk damaged since -------------------------
# acq.E01 (make-ewf-acquiry.sh): ewfinfo lists one range of sectors that met
# a read error when it was acquired (truth/ewf-acquiry): lvmscan warns of
# exactly those bytes and finds what it finds in the raw image (its bytes,
# which a retry read, are checked with the chains above). ec/disk.E01: one
# byte of chunk 0 flipped: the chunk is read as stored (only that byte
# differs from the raw image; libewf's default would zero all 32 KiB, the
# PV label with them), lvmscan warns of chunk 0's bytes, as ewfverify
# names its sectors, and finds what it finds in the raw image.
if [ -z "${missing[disk.E01]:-}" ]; then
    read -r first last < "$F/truth/ewf-acquiry"
    "$LVMSCAN" --json "$T/ea/acq.E01" > "$T/out.json" 2> "$T/err" ||
        bad "lvmscan acq.E01: exit $? ($(cat "$T/err"))"
    python3 - "$T/raw.json" "$T/out.json" "$first" "$last" << 'PY' && ok || bad "lvmscan acq.E01: not the raw image's findings, or the wrong warning"
import json, os, sys
exec(open(os.environ["SAME_PY"]).read())
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
first, last = int(sys.argv[3]), int(sys.argv[4])
im = got["images"][0]
assert im["format"] == "ewf" and im["error"] is None, im
same_findings(raw, got)
want = "bytes %d-%d (sectors %d-%d) met a read error when the disk was acquired" % (
    first * 512, (last + 1) * 512 - 1, first, last)
assert [w for w in im["warnings"] if "acquired" in w] == [w for w in im["warnings"] if want in w], im["warnings"]
assert len([w for w in im["warnings"] if want in w]) == 1, im["warnings"]
PY
    "$LR_CAT" "$T/ec/disk.E01" "$T/out.raw" > /dev/null 2> "$T/err" || bad "lr_cat ec/disk.E01: $(cat "$T/err")"
    [ "$(cmp -l "$T/out.raw" "$T/disk.img" | wc -l)" = 1 ] && ok ||
        bad "ec/disk.E01: the damaged chunk is not read as stored ($(cmp -l "$T/out.raw" "$T/disk.img" | wc -l) bytes differ)"
    "$LVMSCAN" --json "$T/ec/disk.E01" > "$T/out.json" 2> "$T/err" ||
        bad "lvmscan ec/disk.E01: exit $? ($(cat "$T/err"))"
    python3 - "$T/raw.json" "$T/out.json" << 'PY' && ok || bad "lvmscan ec/disk.E01: not the raw image's findings, or the wrong warning"
import json, os, sys
exec(open(os.environ["SAME_PY"]).read())
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert im["error"] is None, im
same_findings(raw, got)
warn = [w for w in im["warnings"] if "checksum" in w]
assert len(warn) == 1 and "bytes 0-32767 (sectors 0-63) fail their chunk's checksum" in warn[0], im["warnings"]
PY
    if command -v ewfverify > /dev/null; then
        ewfverify -q "$T/ec/disk.E01" 2>&1 | grep -q "at sector(s): 0 - 63 " && ok ||
            bad "ewfverify does not name sectors 0-63 of ec/disk.E01"
    else
        echo "SKIPPED: ewfverify's view of ec/disk.E01 (no ewfverify)"
    fi
    # the set given as a shell glob expands to (img/disk.E*): read once,
    # from disk.E01; each later segment is refused naming the first (it
    # was read as the whole set again, 34 "duplicate" PVs, 544 copies);
    # a later segment alone is refused, not read as the set
    "$LVMSCAN" --json "$T"/img/disk.E* > "$T/out.json" 2> "$T/err"
    rc=$?
    [ $rc = 2 ] && ok || bad "lvmscan img/disk.E*: exit $rc, want 2"
    n=$(ls "$T"/img/disk.E* | wc -l)
    [ "$(grep -c "img/disk.E..: segment [0-9]* of an EWF set, not its first: give the first ($T/img/disk.E01, beside it)" "$T/err")" = $((n - 1)) ] &&
        ok || bad "lvmscan img/disk.E*: not every later segment refused: $(head -3 "$T/err")"
    python3 - "$T/raw.json" "$T/out.json" << 'PY' && ok || bad "lvmscan img/disk.E*: the set not read once"
import json, sys
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
assert len(got["vgs"]) == 1 and got["vgs"][0]["copies"] == raw["vgs"][0]["copies"], got["vgs"]
assert len(got["labels"]) == 1, got["labels"]
PY
    "$LVMSCAN" "$T/img/disk.E05" > /dev/null 2> "$T/err"
    rc=$?
    [ $rc = 2 ] && grep -q "disk.E05: segment 5 of an EWF set, not its first" "$T/err" && ok ||
        bad "lvmscan img/disk.E05 alone: exit $rc ($(cat "$T/err"))"
fi

# ---- a differencing VHD chain made by vhd-lib ---------------------------------------
# mid.vhd holds only the 4 KiB pages LVM2 changed ([4096, 8192) and
# [32768, 36864): the mda header and seqno 17's text), top.vhd 96 KiB of
# 0xcd at 30 MiB - 32 KiB; every other byte is base.vhd's
# (their bytes are checked with the other images' above); vhss/single.vhd
# holds the same LVM2 change as mid.vhd, written sector by sector
for chain in vhc/top.vhd vhss/single.vhd; do
    [ -z "${missing[top.vhd]:-}" ] || break
    "$LVMSCAN" --json "$T/$chain" > "$T/out.json" 2> "$T/err" ||
        bad "lvmscan $chain: $(cat "$T/err")"
    "$LVMSCAN" --json "$T/vhb/base.vhd" > "$T/base.json" 2> "$T/err" ||
        bad "lvmscan base.vhd: $(cat "$T/err")"
    python3 - "$T/out.json" "$T/base.json" << 'PY' && ok || bad "lvmscan $chain: not what the chain holds"
import json, sys
d, b = (json.load(open(p)) for p in sys.argv[1:3])
im = d["images"][0]
assert im["format"] == "vhd" and im["error"] is None and im["scanned"] == im["size"], im
assert len(d["vgs"]) == 1, d["vgs"]
vg = d["vgs"][0]
assert vg["name"] == "vg0" and vg["latest_seqno"] == 17, vg["latest_seqno"]
assert vg["seqnos"] == list(range(17, 0, -1)), vg["seqnos"]
v17 = [v for v in vg["versions"] if v["seqno"] == 17][0]
assert "vhdchild" in [lv["name"] for lv in v17["logical_volumes"]], v17
# seqno 17 is in mid.vhd's second page; 4 to 16 only in base.vhd
at = {c["seqno"]: c["offset"] for c in d["copies"] if c["image"] == 0}
assert 32768 <= at[17] < 36864, at
only_base = sorted(s for s, o in at.items() if 8192 <= o < 32768)
assert only_base == list(range(4, 17)), at
assert all(c["parse_ok"] and not c["partial"] for c in d["copies"]), d["copies"]
assert [c["seqno"] for c in d["copies"] if c["committed"] and c["crc_ok"]] == [17]
# the parent alone: no seqno 17, no vhdchild
bvg = b["vgs"][0]
assert bvg["latest_seqno"] == 16 and 17 not in bvg["seqnos"], bvg["seqnos"]
PY
done

# ---- bad input: named, exit 2, the other image still scanned ------------------------
check_bad() { # IMAGE LIB PATTERN...
    local img=$1 lib=$2
    shift 2
    "$LVMSCAN" --json "$T/$img" "$T/disk.img" > "$T/out.json" 2> "$T/err"
    local rc=$?
    if grep -q "has no $lib" "$T/err"; then
        echo "SKIPPED: $img (this build has no $lib)"
        return 1
    fi
    [ $rc = 2 ] && ok || bad "$img: exit $rc, want 2 ($(cat "$T/err"))"
    for pat in "$@"; do
        grep -q -- "$pat" "$T/err" && ok || bad "$img: stderr lacks '$pat': $(cat "$T/err")"
    done
    python3 - "$T/out.json" << 'PY' && ok || bad "$img: the other image was not scanned whole"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed_images"] == 1, d["failed_images"]
assert d["images"][0]["error"], d["images"][0]
assert d["images"][1]["error"] is None and d["images"][1]["scanned"] == d["images"][1]["size"]
# (a label the bad image still gives, read before its damage, is its own)
assert len([l for l in d["labels"] if l["image"] == 1]) == 1, d["labels"]
PY
}
# an image format inside a compressed file (the committed fixtures are such
# files: a gzip'd qcow2 and VHDX; an xz'd VMDK and a zstd'd qcow2 made
# here): read as raw it would be the container's bytes, so it is refused,
# naming both; a gzip'd fixed VHD holds the raw disk and is read
cp "$F/disk.qcow2.gz" "$F/disk.vhdx.gz" "$F/disk-fixed.vhd.gz" "$T/bad/"
xz -T1 -c "$T/img/disk.vmdk" > "$T/bad/disk.vmdk.xz" 2> /dev/null || rm -f "$T/bad/disk.vmdk.xz"
zstd -q -c "$T/img/disk.qcow2" > "$T/bad/disk.qcow2.zst" 2> /dev/null || rm -f "$T/bad/disk.qcow2.zst"
for entry in disk.qcow2.gz:gzip:qcow2:gunzip:zlib disk.vhdx.gz:gzip:VHDX:gunzip:zlib \
    disk.vmdk.xz:xz:VMDK:unxz:liblzma disk.qcow2.zst:zstd:qcow2:unzstd:libzstd; do
    IFS=: read -r name outer inner how lib <<< "$entry"
    if [ ! -f "$T/bad/$name" ]; then
        echo "SKIPPED: bad/$name (no $outer tool to make it)"
        continue
    fi
    check_bad "bad/$name" "$lib" \
        "bad/$name: an* $outer-compressed file whose content is an* $inner image, not a disk" \
        "decompress it first ($how .*bad/$name) and give the $inner file"
done
"$LVMSCAN" --json "$T/bad/disk-fixed.vhd.gz" > "$T/out.json" 2> "$T/err" && ok ||
    bad "bad/disk-fixed.vhd.gz: $(cat "$T/err")"
python3 - "$T/raw.json" "$T/out.json" << 'PY' && ok || bad "bad/disk-fixed.vhd.gz: not read as the raw disk"
import json, os, sys
exec(open(os.environ["SAME_PY"]).read())
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
same_findings(raw, got)
PY

# archives: a tar holding a file stored sparse (GNU and POSIX formats,
# first or after another file: a plain tar's headers are all walked; a
# gzip'd one's first) and a zip are refused, naming how to extract them
# (their bytes are not the disk's at its offsets); a plain tar is read
# where its files lie, with a warning naming them and their offsets --
# also when its sizes are written GNU's base-256 way or by a POSIX
# extended header (as tar writes files of 8 GiB and more; made by hand)
mkdir -p "$T/tar"
cp --sparse=always "$T/disk.img" "$T/tar/disk.img"
echo hello > "$T/tar/a.txt"
(cd "$T/tar" && tar -Scf ../bad/sparse.tar disk.img && tar --format=posix -Scf ../bad/sparse-posix.tar disk.img &&
    tar -Sczf ../bad/sparse.tar.gz disk.img && tar -cf ../bad/plain.tar disk.img &&
    tar -Scf ../bad/sparse-second.tar a.txt disk.img &&
    tar --format=posix -Scf ../bad/sparse-second-posix.tar a.txt disk.img &&
    tar --format=posix -cf ../bad/sizes.tar a.txt disk.img) || bad "tar failed"
for name in sparse.tar sparse-posix.tar sparse-second.tar sparse-second-posix.tar; do
    check_bad "bad/$name" zlib "bad/$name: a tar archive whose file disk.img is stored sparse (tar -S), not a disk image" \
        "extract the image from it first (tar -xf .*bad/$name)"
done
check_bad bad/sparse.tar.gz zlib "bad/sparse.tar.gz: a gzip-compressed tar archive whose image is stored sparse (tar -S), not a disk image" \
    "extract the image from it first (tar -xf .*bad/sparse.tar.gz)"
if command -v zip > /dev/null; then
    (cd "$T/tar" && zip -q ../bad/disk.zip disk.img)
    check_bad bad/disk.zip zlib "bad/disk.zip: a zip archive, not a disk image: extract the image from it first (unzip"
else
    echo "SKIPPED: bad/disk.zip (no zip)"
fi
# sizes.tar: a.txt's size in base-256; disk.img's ustar size zeroed, its
# POSIX extended header saying it (both headers' checksums made again)
python3 - "$T/bad/sizes.tar" << 'PY' || bad "sizes.tar: cannot rewrite its headers"
import sys
f = open(sys.argv[1], "r+b")
d = bytearray(f.read())
def fix(h):
    d[h + 148:h + 156] = b" " * 8
    d[h + 148:h + 155] = b"%06o\0" % sum(d[h:h + 512])
def size(h):
    return int(d[h + 124:h + 136].strip(b" \0") or b"0", 8)
def nxt(h):
    return h + 512 + (size(h) + 511) // 512 * 512
h = 0
assert d[h + 156:h + 157] == b"x"
a = nxt(h)                                   # a.txt's header
d[a + 124:a + 136] = b"\x80" + (6).to_bytes(11, "big")
fix(a)
x = a + 1024                                 # disk.img's extended header
assert d[x + 156:x + 157] == b"x"
rec = b" size=%d\n" % (32 << 20)
rec = b"%d%s" % (len(rec) + 2, rec)
body = bytes(d[x + 512:x + 512 + size(x)]) + rec
assert len(body) <= 512
d[x + 512:x + 1024] = body.ljust(512, b"\0")
d[x + 124:x + 136] = b"%011o\0" % len(body)
fix(x)
m = x + 1024                                 # disk.img's header
d[m + 124:m + 136] = b"%011o\0" % 0
fix(m)
f.seek(0)
f.write(d)
PY
for name in plain.tar sizes.tar; do
    "$LVMSCAN" --json "$T/bad/$name" > "$T/out.json" 2> "$T/err" && ok || bad "bad/$name: $(cat "$T/err")"
    case $name in
    plain.tar) n="1 file:" files="(a file's own offsets are the archive's less its start): disk.img at byte 512 (33554432 bytes);" at=1024 ;;
    *) n="2 files:" files="start): a.txt at byte 1536 (6 bytes), disk.img at byte 3584 (33554432 bytes);" at=4096 ;;
    esac
    python3 - "$T/raw.json" "$T/out.json" $at "$n" "$files" << 'PY' && ok || bad "bad/$name: not read where its file lies, with the warning naming it"
import json, sys
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
assert [l["offset"] for l in got["labels"]] == [int(sys.argv[3])], got["labels"]
assert [v["seqno"] for v in got["vgs"][0]["versions"]] == [v["seqno"] for v in raw["vgs"][0]["versions"]]
w = got["images"][0]["warnings"]
assert len(w) == 1 and "is a tar archive of " + sys.argv[4] in w[0] and sys.argv[5] in w[0], w
assert "the files in it are read where they lie" in w[0] and "headers were walked up to byte" not in w[0], w
PY
done
# a plain tar cut short inside its file (a copy that stopped): read as far
# as it goes, the warning saying where the walk stopped and why
head -c $((20 << 20)) "$T/bad/plain.tar" > "$T/bad/cut.tar"
"$LVMSCAN" --json "$T/bad/cut.tar" > "$T/out.json" 2> "$T/err"
python3 - "$T/out.json" << 'PY' && ok || bad "bad/cut.tar: no warning that it was cut short ($(cat "$T/err"))"
import json, sys
got = json.load(open(sys.argv[1]))
assert [l["offset"] for l in got["labels"]] == [1024], got["labels"]
w = got["images"][0]["warnings"]
assert len(w) == 1 and "disk.img at byte 512 (33554432 bytes); its headers were walked up to byte %d only (the archive ends inside disk.img, %d bytes of it present: cut short)" % (20 << 20, (20 << 20) - 512) in w[0], w
PY
# an OVA (vm.ova: a tar archive whose one disk is a stream-optimized VMDK,
# a virtual machine's export) is read through its VMDK (its bytes and
# findings are checked with IMAGES above), the warning naming it; a tar
# holding other images, or several, is refused naming each (read as the
# archive's raw bytes they were noise: nothing found, exit 1); a
# compressed file beside a raw file that may be a disk is named in the
# warning as not read
if [ -z "${missing[vm.ova]:-}" ]; then
    "$LVMSCAN" --json "$T/img/vm.ova" > "$T/out.json" 2> "$T/err" || bad "vm.ova: $(cat "$T/err")"
    python3 - "$T/out.json" << 'PY' && ok || bad "vm.ova: no warning naming its VMDK"
import json, sys
w = json.load(open(sys.argv[1]))["images"][0]["warnings"]
assert len(w) == 1 and "vm.ova is a tar archive of 3 files whose disk is the VMDK file vm-disk1.vmdk (at byte 2048, 131072 bytes), as in an OVA" in w[0] and "its other files, none an image nor of 1 MiB or more, are not read" in w[0], w
PY
fi
mkdir -p "$T/ar"
(cd "$T/ar" && tar -xf "$F/vm.ova" && cp vm-disk1.vmdk vm-disk2.vmdk && cp "$T/img/disk.qcow2" . &&
    cp "$T/img/disk.img.xz" "$T/disk.img" . && echo log | gzip > log.gz &&
    tar -cf ../bad/two.ova vm.ovf vm-disk1.vmdk vm-disk2.vmdk vm.mf && tar -cf ../bad/q.tar disk.qcow2 &&
    tar -cf ../bad/x.tar vm.ovf disk.img.xz && tar -cf ../bad/rawgz.tar disk.img log.gz) ||
    bad "tar failed"
check_bad bad/two.ova zlib "bad/two.ova: a tar archive holding disk images in files of their own, not a disk image itself: one VMDK alone is read inside an archive (an OVA's disk); extract them (tar -xf .*bad/two.ova) and give each image file; in it: vm-disk1.vmdk (a VMDK image), vm-disk2.vmdk (a VMDK image)"
check_bad bad/q.tar zlib "bad/q.tar: a tar archive holding disk images in files of their own, not a disk image itself" \
    "extract it (tar -xf .*bad/q.tar) and give the image file; in it: disk.qcow2 (a qcow2 image)"
# one VMDK, but beside a raw file that may be a disk too, or in an archive
# cut short inside it: refused, saying why (it used to be read as the
# VMDK alone, or as raw: a wrong answer either way)
(cd "$T/ar" && tar -cf ../bad/rawvm.ova disk.img vm-disk1.vmdk) || bad "tar failed"
head -c 60000 "$F/vm.ova" > "$T/bad/cut.ova"
check_bad bad/rawvm.ova zlib "(an OVA's disk), not beside another file that may be a disk (disk.img, 33554432 bytes); extract it"
check_bad bad/cut.ova zlib "(an OVA's disk), not when the walk of its headers stopped at byte 60000 (the archive ends inside vm-disk1.vmdk, 57952 bytes of it present: cut short)"
tar -C "$T/bad/vc1" -cf "$T/bad/delta.tar" top.vmdk || bad "tar failed"
check_bad bad/delta.tar libbfio "bad/delta.tar: its VMDK top.vmdk is a delta disk whose parent is mid.vmdk: a chain is not read inside an archive" \
    "extract them first (tar -xf .*bad/delta.tar) and give top.vmdk"
# compressed, the tar's headers are walked through its stream (its first
# 16 MiB): an OVA gzip'd is refused (a VMDK is not read inside a
# compressed archive), and so is a file stored sparse after the first
gzip -c "$T/img/vm.ova" > "$T/bad/vm.ova.gz"
check_bad bad/vm.ova.gz zlib "bad/vm.ova.gz: a gzip-compressed tar archive holding disk images in files of their own, not a disk image itself" \
    "(an OVA's disk), never inside a compressed one; extract it (tar -xf .*bad/vm.ova.gz) and give the image file; in it: vm-disk1.vmdk (a VMDK image)"
gzip -c "$T/bad/sparse-second.tar" > "$T/bad/sparse-second.tar.gz"
check_bad bad/sparse-second.tar.gz zlib "bad/sparse-second.tar.gz: a gzip-compressed tar archive whose file disk.img is stored sparse (tar -S), not a disk image"
check_bad bad/x.tar zlib "bad/x.tar: a tar archive holding disk images in files of their own, not a disk image itself" "in it: disk.img.xz (an xz-compressed file)"
# an xz'd tar of a raw disk: read where the disk lies in the stream, the
# warning saying how far the headers were walked
if [ -z "${missing[disk.img.xz]:-}" ]; then
    xz -T1 -c "$T/bad/plain.tar" > "$T/bad/plain.tar.xz"
    "$LVMSCAN" --json "$T/bad/plain.tar.xz" > "$T/out.json" 2> "$T/err" && ok || bad "bad/plain.tar.xz: $(cat "$T/err")"
    python3 - "$T/out.json" << 'PY' && ok || bad "bad/plain.tar.xz: not read where its file lies, with the warning"
import json, sys
got = json.load(open(sys.argv[1]))
assert [l["offset"] for l in got["labels"]] == [1024], got["labels"]
w = got["images"][0]["warnings"]
assert len(w) == 1 and "plain.tar.xz is an xz-compressed tar archive of at least 1 file:" in w[0], w
assert "disk.img at byte 512 (33554432 bytes); its headers were walked up to byte 33554944 only (of a compressed archive, only the headers in its first 16 MiB are read)" in w[0], w
PY
fi
"$LVMSCAN" --json "$T/bad/rawgz.tar" > "$T/out.json" 2> "$T/err" && ok || bad "bad/rawgz.tar: $(cat "$T/err")"
python3 - "$T/out.json" << 'PY' && ok || bad "bad/rawgz.tar: not read where its disk lies, or log.gz not named"
import json, sys
got = json.load(open(sys.argv[1]))
assert [l["offset"] for l in got["labels"]] == [1024], got["labels"]
w = got["images"][0]["warnings"]
assert len(w) == 1 and "disk.img at byte 512 (33554432 bytes), log.gz at byte" in w[0], w
assert "; log.gz is a gzip-compressed file, whose content is not read inside the archive" in w[0], w
PY

# a truncated E01 set (its last segment, the last chunk's, missing): what
# the 33 segments hold is read, the last chunk is unreadable and named
# with its offset, exit 2; the PV and its history are found as in the raw
# image (the raw image beside it is scanned whole)
if [ -z "${missing[disk.E01]:-}" ]; then
    "$LVMSCAN" --json "$T/bad/ewf/disk.E01" "$T/disk.img" > "$T/out.json" 2> "$T/err"
    rc=$?
    [ $rc = 2 ] && ok || bad "bad/ewf/disk.E01: exit $rc, want 2 ($(cat "$T/err"))"
    grep -q "bad/ewf/disk.E01: at byte [0-9]*: EWF read failed: bytes 33521664-33554431 are unreadable: the EWF segment files are corrupted or incomplete (33 found; the next one, .*disk.E34, does not exist)" "$T/err" &&
        ok || bad "bad/ewf/disk.E01: no error naming the lost bytes: $(cat "$T/err")"
    python3 - "$T/raw.json" "$T/out.json" << 'PY' && ok || bad "bad/ewf/disk.E01: not read up to its lost chunk"
import json, sys
raw, d = (json.load(open(p)) for p in sys.argv[1:3])
im = d["images"][0]
assert d["failed_images"] == 1 and im["error"], im
assert im["unreadable"] == 32768 and im["scanned"] == im["size"], im
assert d["images"][1]["error"] is None and d["images"][1]["scanned"] == d["images"][1]["size"]
assert sorted(l["image"] for l in d["labels"]) == [0, 1], d["labels"]
assert sorted(c["seqno"] for c in d["copies"] if c["image"] == 0) == \
    sorted(c["seqno"] for c in raw["copies"]), d["copies"]
assert [w for w in im["warnings"] if "corrupted or incomplete (33 found" in w], im["warnings"]
PY
fi
check_bad bad/overlay.qcow2 libqcow "bad/overlay.qcow2: " "backing file base.qcow2 is missing"
check_bad bad/encrypted.qcow2 libqcow "bad/encrypted.qcow2: " "encrypted qcow2 image: not supported"
# lvmrepair exits for an image that does not open as lvmscan does (2,
# named), whatever the reason: the encrypted one was a refusal (1) until
# 2026-12-07, a missing backing file an error (2)
if [ -z "${missing[disk.qcow2]:-}" ]; then
    for entry in overlay.qcow2:"backing file base.qcow2 is missing" \
        encrypted.qcow2:"encrypted qcow2 image: not supported"; do
        img=${entry%%:*} pat=${entry#*:}
        for mode in "--export seqno=1 -o $T/bad/x.vg" "--restore seqno=1 --dry-run" "--diff seqno=1 seqno=2"; do
            # shellcheck disable=SC2086 # the mode's words
            "$LVMREPAIR" $mode "$T/disk.img" "$T/bad/$img" > /dev/null 2> "$T/err"
            rc=$?
            [ $rc = 2 ] && grep -q -- "bad/$img: .*$pat" "$T/err" && ok ||
                bad "lvmrepair $mode with bad/$img: exit $rc, want 2 naming it ($(cat "$T/err"))"
        done
        [ ! -e "$T/bad/x.vg" ] && ok || bad "lvmrepair --export wrote $T/bad/x.vg from bad/$img"
    done
fi
check_bad bad/vc1/top.vmdk libvmdk "bad/vc1/top.vmdk: " \
    "its parent mid.vmdk is missing (looked for .*bad/vc1/mid.vmdk)"
check_bad bad/vc2/top.vmdk libvmdk "bad/vc2/top.vmdk: " \
    "the parent .*base.vmdk of .*bad/vc2/mid.vmdk in its chain is missing (looked for .*bad/vc2/base.vmdk)"
check_bad bad/vcc/child.vmdk libvmdk "bad/vcc/child.vmdk: " \
    "its parent .*base.vmdk has content id [0-9a-f]*, but the delta disk was made from content id"
check_bad bad/vcl/top.vmdk libvmdk "bad/vcl/top.vmdk: " "its chain of parents loops"
check_bad bad/vh1/top.vhd libvhdi "bad/vh1/top.vhd: " \
    "its parent mid.vhd is missing (looked for .*bad/vh1/mid.vhd)"
check_bad bad/vh2/top.vhd libvhdi "bad/vh2/top.vhd: " \
    "the parent base.vhd of .*bad/vh2/mid.vhd in its chain is missing (looked for .*bad/vh2/base.vhd)"
check_bad bad/vhcp/mid.vhd libvhdi "bad/vhcp/mid.vhd: " \
    "its parent .*bad/vhcp/base.vhd has identifier [0-9a-f-]\{36\}, but the differencing disk was made from [0-9a-f-]\{36\}: the parent was changed"
check_bad bad/vhl/loop.vhd libvhdi "bad/vhl/loop.vhd: " \
    "its chain of parents loops: .*bad/vhl/loop.vhd names .*bad/vhl/loop.vhd"
# liblzma notices the damage a few bytes after the flipped one: the message
# names the block (its compressed offset) and where decoding failed
read -r block flipped < "$F/truth/corrupt-block"
if check_bad bad/corrupt-block.img.xz liblzma \
    "bad/corrupt-block.img.xz: at byte [0-9]*: corrupt xz data in the block at compressed offset $block "; then
    at=$(sed -n 's/.*corrupt-block.img.xz: at byte \([0-9]*\):.*/\1/p' "$T/err")
    [ -n "$at" ] && [ "$at" -ge "$flipped" ] && ok ||
        bad "corrupt xz: reported byte '$at' is before the damage at $flipped"
fi

# two corrupt blocks (1 and 10) around a PV (8 MiB of zeros, then the raw
# image): each block's bytes from where liblzma noticed the damage are
# unreadable, what it made before that reads but is unsure (the block's
# check could not be made), every other byte reads as the raw bytes, and
# the scan skips the unreadable bytes and finds the PV whole
if [ -z "${missing[disk.img.xz]:-}" ]; then
    cp "$F/bad/corrupt-blocks.img.xz" "$T/bad/"
    { head -c 8M /dev/zero; cat "$T/disk.img"; } > "$T/z8.img"
    "$LR_CAT" "$T/bad/corrupt-blocks.img.xz" "$T/cb.raw" skip > "$T/cb.out" 2> "$T/err"
    [ $? = 0 ] && ok || bad "lr_cat skip corrupt-blocks: $(cat "$T/err")"
    python3 - "$T/cb.out" "$F/truth/corrupt-blocks" << 'PY' && ok ||
import sys
got = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
truth = [tuple(int(x) for x in l.split()[2:4]) for l in open(sys.argv[2])]
bad = [(int(a), int(b)) for k, a, b in got if k == "unreadable"]
unsure = [(int(a), int(b)) for k, a, b in got if k == "unsure"]
assert len(bad) == len(truth), (bad, truth)
want_unsure = []
for (start, end), (block, block_end) in zip(bad, truth):
    assert end == block_end and block <= start < end, (start, end, block, block_end)
    if start > block:
        want_unsure.append((block, start))
assert unsure == want_unsure, (unsure, want_unsure)
PY
        bad "corrupt-blocks: lr_cat's ranges $(tr '\n' ' ' < "$T/cb.out"), want each block of $(tr '\n' ' ' < "$F/truth/corrupt-blocks"), unreadable to its end"
    [ "$(grep -c "corrupt xz data in the block at compressed offset" "$T/err")" = 2 ] && ok ||
        bad "corrupt-blocks: lr_cat did not name both blocks: $(cat "$T/err")"
    python3 - "$T/cb.raw" "$T/z8.img" "$F/truth/corrupt-blocks" << 'PY' && ok || bad "corrupt-blocks: the good blocks' bytes differ from the raw image's"
import sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
assert len(got) == len(want), (len(got), len(want))
pos = 0
for line in open(sys.argv[3]):
    start, end = (int(x) for x in line.split()[2:4])
    assert got[pos:start] == want[pos:start], (pos, start)
    pos = end
assert got[pos:] == want[pos:]
PY
    # a restore's --output copy of it: zeros where the blocks are
    # unreadable, what decoded before the damage showed as it decoded (as
    # lr_cat read it), the raw bytes elsewhere but the PV's metadata (8 MiB
    # on)
    rm -rf "$T/copies" && mkdir "$T/copies"
    "$LVMREPAIR" --restore seqno=3 --yes --force --output "$T/copies" "$T/bad/corrupt-blocks.img.xz" > "$T/out" 2> "$T/err" &&
        ok || bad "restore --force from corrupt-blocks: $(cat "$T/err")"
    python3 - "$T/copies/corrupt-blocks.img" "$T/z8.img" "$F/truth/corrupt-blocks" "$T/cb.out" "$T/cb.raw" << 'PY' && ok || bad "corrupt-blocks: the restore's copy"
import sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
assert len(got) == len(want), (len(got), len(want))
blocks = [tuple(int(x) for x in line.split()[2:4]) for line in open(sys.argv[3])]
assert blocks == [(0, 4 << 20), (36 << 20, 40 << 20)], blocks
cat = open(sys.argv[5], "rb").read()
for line in open(sys.argv[4]):
    w = line.split()
    if len(w) != 3:
        continue
    start, end = int(w[1]), int(w[2])
    if w[0] == "unreadable":
        assert got[start:end] == bytes(end - start), (start, end)
    else:
        assert got[start:end] == cat[start:end], ("unsure", start, end)
assert got[4 << 20:8 << 20] == want[4 << 20:8 << 20]
assert got[10 << 20:36 << 20] == want[10 << 20:36 << 20]
PY
    "$LVMSCAN" --json "$T/z8.img" > "$T/z8.json" || bad "lvmscan of the zero-padded raw image failed"
    "$LVMSCAN" --json "$T/bad/corrupt-blocks.img.xz" > "$T/out.json" 2> "$T/err"
    rc=$?
    [ $rc = 2 ] && ok || bad "corrupt-blocks: lvmscan exit $rc, want 2 ($(cat "$T/err"))"
    read -r blk1 flip1 _ < "$F/truth/corrupt-blocks"
    grep -q "bad/corrupt-blocks.img.xz: at byte [0-9]*: corrupt xz data in the block at compressed offset $blk1 (.*): its decompressed bytes [0-9]* to 4194303 are unreadable\( (its bytes 0 to [0-9]* before them decoded, not known to be right)\)\?; [0-9]* unreadable bytes were skipped" "$T/err" &&
        ok || bad "corrupt-blocks: lvmscan's error: $(cat "$T/err")"
    python3 - "$T/z8.json" "$T/out.json" "$T/cb.out" << 'PY' && ok || bad "corrupt-blocks: the scan past the bad blocks differs from the raw scan"
import json, os, sys
exec(open(os.environ["SAME_PY"]).read())
raw, got = (json.load(open(p)) for p in sys.argv[1:3])
im = got["images"][0]
assert got["failed_images"] == 1, got["failed_images"]
assert im["error"] and not im["truncated"], im
bad = [l.split() for l in open(sys.argv[3]) if l.startswith("unreadable ")]
assert im["unreadable"] == sum(int(b) - int(a) for _, a, b in bad), (im, bad)
assert im["scanned"] == im["size"] == raw["images"][0]["size"], im
assert raw["images"][0]["unreadable"] == 0
same_findings(raw, got, "failed_images")
assert len(got["vgs"]) == 1 and len(got["copies"]) > 1
PY
fi

# a zstd image cut short: the scan reads it once (no pass at open), so the
# damage is met while scanning: the image ends there, as a damaged .gz does
if [ -z "${missing[disk.img.zst]:-}" ]; then
    head -c 1500 "$F/disk.img.zst" > "$T/bad/cut.img.zst"
    "$LVMSCAN" --json "$T/bad/cut.img.zst" > "$T/out.json" 2> "$T/err"
    rc=$?
    [ $rc = 2 ] && ok || bad "cut zstd: lvmscan exit $rc, want 2 ($(cat "$T/err"))"
    grep -q "bad/cut.img.zst: at byte 1500: corrupt zstd data in the frame at compressed offset 0 (.*): the image ends there ([0-9]* bytes decompressed); the first [0-9]* bytes were scanned" "$T/err" &&
        ok || bad "cut zstd: $(cat "$T/err")"
    python3 - "$T/out.json" << 'PY' && ok || bad "cut zstd: what decompressed was not scanned"
import json, sys
d = json.load(open(sys.argv[1]))
im = d["images"][0]
assert im["truncated"] and 0 < im["scanned"] == im["size"] < 32 << 20, im
assert len(d["labels"]) == 1 and len(d["copies"]) > 1
PY
fi

# ---- restores: never into the container, into a raw --output copy -------------------
# two images of one name (case1/disk.qcow2, case2/disk.qcow2): their copies
# would be one file; refused naming both images, nothing written
if [ -z "${missing[disk.qcow2]:-}" ]; then
    mkdir -p "$T/case1" "$T/case2" "$T/same"
    cp "$T/img/disk.qcow2" "$T/case1/"
    cp "$T/img/disk.qcow2" "$T/case2/"
    "$LVMREPAIR" --restore seqno=3 --yes --output "$T/same" "$T/case1/disk.qcow2" "$T/case2/disk.qcow2" \
        > /dev/null 2> "$T/err"
    [ $? = 2 ] && ok || bad "two copies of one name: not refused ($(cat "$T/err"))"
    grep -q "the copies of $T/case1/disk.qcow2 and $T/case2/disk.qcow2 would both be $T/same/disk.img" "$T/err" &&
        ok || bad "two copies of one name: $(cat "$T/err")"
    [ -z "$(ls -A "$T/same")" ] && ok || bad "two copies of one name: something written"
    # lvmscan's report names them by their paths, not the one file name
    "$LVMSCAN" "$T/case1/disk.qcow2" "$T/case2/disk.qcow2" > "$T/out" 2> /dev/null
    grep -q "^  $T/case2/disk.qcow2  PV at 0 " "$T/out" && ok || bad "two images of one name: $(grep "PV at 0" "$T/out")"
fi
for entry in disk.qcow2:vm.qcow2:qcow2 vm.ova:vm.ova:VMDK; do
    IFS=: read -r src vm what <<< "$entry"
    [ -z "${missing[$src]:-}" ] || continue
    cp "$T/img/$src" "$T/$vm"
    before=$(sha256sum < "$T/$vm")
    "$LVMREPAIR" --restore seqno=3 --yes "$T/$vm" > "$T/out" 2> "$T/err"
    rc=$?
    [ $rc != 0 ] && ok || bad "a restore into $vm succeeded"
    grep -q "$vm is a $what image and cannot be written in place (use --output DIR" "$T/err" &&
        ok || bad "restore refusal: $(cat "$T/err")"
    # refused before the plan: a list of writes to the image would read as
    # what is about to happen (until 2026-12-08 the plan came first)
    [ ! -s "$T/out" ] && ok || bad "the refused restore into $vm showed: $(head -3 "$T/out")"
    [ "$(sha256sum < "$T/$vm")" = "$before" ] && ok || bad "$vm was changed"
    rm -rf "$T/copies"
    mkdir "$T/copies"
    "$LVMREPAIR" --restore seqno=3 --yes --output "$T/copies" "$T/$vm" > "$T/out" 2> "$T/err" &&
        ok || bad "restore --output of $vm: $(cat "$T/err")"
    [ "$(sha256sum < "$T/$vm")" = "$before" ] && ok || bad "--output changed $vm"
    "$LVMSCAN" --json "$T/copies/vm.img" > "$T/out.json" 2> "$T/err" || bad "scan of the copy of $vm failed"
    python3 - "$T/out.json" << 'PY' && ok || bad "the --output copy does not hold the restore"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["images"][0]["format"] == "raw"
top = max(c["seqno"] for c in d["copies"] if c["seqno"] is not None)
assert top == 17, top
PY
done

# ---- an image not readable whole (an E01 set without its last segment):
# lvmrepair works around the unreadable bytes as lvmscan scans around them,
# saying so; a restore counts them as a warning (a newer version could lie
# there), and its --output copy holds zeros there, the rest the image's
if [ -z "${missing[disk.E01]:-}" ]; then
    E=$T/bad/ewf/disk.E01
    "$LVMREPAIR" --export seqno=3 -o "$T/ex.vg" "$E" > "$T/out" 2> "$T/err" && ok ||
        bad "export from the truncated E01 set: $(cat "$T/err")"
    grep -q "WARNING: .*disk.E01 is not readable whole (.*bytes 33521664-33554431 are unreadable.*): a version or an LV's data in those bytes is not known" "$T/err" &&
        ok || bad "export from the truncated E01 set: no warning: $(cat "$T/err")"
    grep -q "^seqno = 3$" "$T/ex.vg" && ok || bad "export from the truncated E01 set: not seqno 3"
    "$LVMREPAIR" --restore seqno=3 --dry-run "$E" > "$T/out" 2> "$T/err" && ok ||
        bad "dry run on the truncated E01 set: $(cat "$T/err")"
    grep -q "^WARNING: .*disk.E01 is not readable whole (.*): a newer version of the VG in those bytes would not be seen" "$T/out" &&
        ok || bad "dry run on the truncated E01 set: no warning: $(cat "$T/out")"
    rm -rf "$T/copies" && mkdir "$T/copies"
    "$LVMREPAIR" --restore seqno=3 --yes --output "$T/copies" "$E" > "$T/out" 2> "$T/err"
    [ $? = 1 ] && grep -q "1 warning above: nothing written (--force" "$T/err" && [ -z "$(ls "$T/copies")" ] &&
        ok || bad "restore --yes from the truncated E01 set not refused: $(cat "$T/err")"
    "$LVMREPAIR" --restore seqno=3 --yes --force --output "$T/copies" "$E" > "$T/out" 2> "$T/err" && ok ||
        bad "restore --force from the truncated E01 set: $(cat "$T/err")"
    "$LVMSCAN" --json "$T/copies/disk.img" > "$T/out.json" 2> "$T/err" || bad "scan of the copy of the truncated set failed"
    python3 - "$T/out.json" "$T/copies/disk.img" "$T/disk.img" << 'PY' && ok || bad "the copy of the truncated set"
import json, sys
d = json.load(open(sys.argv[1]))
top = max(c["seqno"] for c in d["copies"] if c["seqno"] is not None)
assert top == 17, top
got, raw = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
assert len(got) == len(raw) == 33554432
assert got[33521664:] == bytes(32768)  # the chunk no segment holds: zeros
assert got[2 << 20:33521664] == raw[2 << 20:33521664]  # past the metadata: the image's
PY
fi

echo "image-formats: $passes passed, $fails failed"
[ $fails = 0 ]
