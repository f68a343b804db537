#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the real-LVM2 fixtures.

usage: make-seeds.py FIXTURES_DIR OUT_DIR

Writes OUT_DIR/{label,mda,text,scan,plan,thin,image,lvdata,vhdxlog,extfs,xfs,btrfs}/
(an existing OUT_DIR is emptied of those directories first). Deterministic: the same fixtures give the
same files, named by the fixture, the PV and what they hold.

- label: the label sector (one of sectors 0..3 of each PV) of every fixture
  PV that still has one.
- mda:   every metadata area found by its header magic on a sector boundary,
  header first, cut after its last non-zero sector (at most 96 KiB).
- text:  every copy of metadata text in the fixtures' pvck metadata_all
  dumps (split at the "--" lines pvck puts between copies), every committed
  copy (pvck metadata), tests/data/segtypes.{raw,backup,all}, and the
  committed copies again with their trailing NUL, as they sit on disk.
- scan:  small images: each PV cut after the last non-zero byte of its first
  MiB (at most 192 KiB), each second metadata area on its own, one PV moved
  to an odd sector, two PVs of one VG side by side, and a few of these with a
  trailing byte selecting the scanner option variants of fuzz_scan.c; and
  the history PV crafted as in issue 17 item 2 (tests/support/craft_mda.py:
  label and header with valid checksums listing a 30 MiB metadata area at
  4096, over pe_start at 1 MiB), so fuzz_scan and fuzz_plan start from an
  area that runs over the data.
- image: the start (at most 64 KiB) of every image in fixtures/formats/
  (qcow2, VMDK, VHD, VHDX, the first E01 segment, xz, zstd, the OVA, the bad
  ones)
  and of the history image gzip'd: the headers fuzz_image.c opens; and two
  whole VHD files small enough to be seeds, built here from the VHD
  specification (the fixtures' are cut at 64 KiB, which libvhdi refuses
  to open): a dynamic disk of 4 KiB blocks with one block allocated and a
  partial sector bitmap, and a fixed disk -- libvhdi opens both, so our
  VHD block map (core/src/io_vhd.c) parses them.
- plan:  the scan seeds again, each also with a byte 1 appended (fuzz_plan.c
  scans, then plans restores, with force when the last byte is odd).
- extfs: the first 256 KiB of fixtures/backup-journal's ext4 and
  backup-ext3's ext3 (superblock, inode tables, the journal's first
  transactions), the blocks starting a backup file and two bytes
  (fuzz_extfs.c: variant, count).
- xfs:   the first 256 KiB of fixtures/backup-xfs's XFS (superblock, AG
  0's headers, B+tree roots, first inode chunk), the blocks its files in
  use start at (truth/files.txt) and a few others, as le64, and two bytes
  (fuzz_xfs.c: variant, count); variants; the same with a file's block map
  B+tree node moved into the head; AG 1's first 256 KiB (a secondary
  superblock); fixtures/xfs-dirty-log's dirty and clean images with the
  first 100 KiB of their wrapped logs moved into the head (a log of that
  size; and cut after 20 basic blocks: zeros after); fixtures/xfs-covered's
  frozen and idle images with 100 KiB of their logs from a record some 40
  basic blocks before the head moved the same way (the records' LSNs made
  to name the window's blocks, their CRCs sealed again: covered logs);
  fixtures/xfs-replay's archive5 and unlink5 with their logs from the last
  record's tail on moved so (dirty logs the replay walks).
- btrfs: pages of fixtures/backup/btrfs-multi (superblock, tree blocks,
  one file's three compressed extents: zstd, lzo, zlib), the pages asked
  about and two bytes (fuzz_btrfs.c: variant, count); variants.
- thin:  the dm-thin pool metadata of fixtures/thin (made by thin_restore),
  cut out of its _tmeta segments and after its last non-zero 4 KiB block,
  with a leading flag byte (fuzz_thin.c: bit 0 reseals every node's
  checksum), for the good and the damaged image.
"""
import gzip
import hashlib
import os
import re
import shutil
import struct
import sys
import zlib

# no __pycache__ in the checkout from the import below
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "support"))
import craft_mda  # noqa: E402  (the generator hostile-cli.sh uses too)

LABEL_ID = b"LABELONE"
MDA_MAGIC = b" LVM2 x[5A%r0N*>"
SECTOR = 512
MDA_SEED_MAX = 96 << 10
SCAN_SEED_MAX = 192 << 10
IMAGE_SEED_MAX = 64 << 10
SUBS = ("label", "mda", "text", "scan", "plan", "thin", "image", "lvdata", "vhdxlog", "extfs",
        "xfs", "btrfs")
EXTFS_SEED = 256 << 10
XFS_SEED = 256 << 10
LOG_SEED_BLOCKS = 100  # KiB of a log moved into an XFS seed


def read_devices(fixture_dir):
    devs = []
    path = os.path.join(fixture_dir, "truth", "devices")
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                devs.append((parts[0], parts[1], int(parts[2]), int(parts[3])))
    return devs


def load_image(fixture_dir, img, cache):
    key = (fixture_dir, img)
    if key not in cache:
        with gzip.open(os.path.join(fixture_dir, img + ".gz"), "rb") as f:
            cache[key] = f.read()
    return cache[key]


def trim(buf, limit):
    """buf cut after its last non-zero 512-byte sector, at most limit bytes."""
    buf = buf[:limit]
    end = len(buf.rstrip(b"\0"))
    end = (end + SECTOR - 1) // SECTOR * SECTOR
    return buf[:max(end, SECTOR)]


class Out:
    def __init__(self, root):
        self.root = root
        self.seen = {}
        self.count = {}
        for sub in SUBS:
            path = os.path.join(root, sub)
            if os.path.isdir(path):
                shutil.rmtree(path)
            os.makedirs(path)
            self.seen[sub] = set()
            self.count[sub] = 0

    def put(self, sub, name, data):
        digest = hashlib.sha1(data).hexdigest()
        if digest in self.seen[sub] or not data:
            return
        self.seen[sub].add(digest)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        with open(os.path.join(self.root, sub, name), "wb") as f:
            f.write(data)
        self.count[sub] += 1


def label_seeds(out, fixture, devs, image_of):
    for dev, img, pv_start, _ in devs:
        data = image_of(img)
        for s in range(4):
            sec = data[pv_start + s * SECTOR: pv_start + (s + 1) * SECTOR]
            if sec[:8] == LABEL_ID:
                out.put("label", "%s-%s-sector%d" % (fixture, dev, s), sec)
                break


def mda_seeds(out, fixture, img, data):
    for off in range(0, len(data) - SECTOR + 1, SECTOR):
        if data[off + 4: off + 20] != MDA_MAGIC:
            continue
        size = struct.unpack_from("<Q", data, off + 32)[0]
        area = data[off: off + min(size, MDA_SEED_MAX, len(data) - off)]
        out.put("mda", "%s-%s-at%d" % (fixture, img, off), trim(area, MDA_SEED_MAX))


def split_pvck_all(buf):
    # pvck prints each copy without its NUL and "\n--\n" between copies
    return [p for p in buf.split(b"\n--\n") if p.strip()]


def text_seeds(out, fixtures_dir, fixture):
    truth = os.path.join(fixtures_dir, fixture, "truth")
    for name in sorted(os.listdir(truth)):
        path = os.path.join(truth, name)
        if ".pvck-all-mda" in name:
            with open(path, "rb") as f:
                for i, copy in enumerate(split_pvck_all(f.read())):
                    out.put("text", "%s-%s-%02d" % (fixture, name, i), copy)
        elif name.endswith(".pvck-metadata"):
            with open(path, "rb") as f:
                text = f.read()
            out.put("text", "%s-%s" % (fixture, name), text)
            out.put("text", "%s-%s-nul" % (fixture, name), text + b"\0")


def scan_seeds(out, fixture, devs, image_of):
    cuts = []
    for dev, img, pv_start, mda_count in devs:
        data = image_of(img)
        pv = trim(data[pv_start: pv_start + (1 << 20)], SCAN_SEED_MAX)
        out.put("scan", "%s-%s" % (fixture, dev), pv)
        cuts.append(pv)
        if mda_count == 2 or fixture == "second-mda-only":
            # the second area sits in the last MiB of the device
            tail_start = len(data) - (1 << 20)
            tail = data[tail_start:]
            for off in range(0, len(tail) - SECTOR + 1, SECTOR):
                if tail[off + 4: off + 20] == MDA_MAGIC:
                    out.put("scan", "%s-%s-mda2" % (fixture, dev),
                            trim(tail[off:], SCAN_SEED_MAX))
                    break
    return cuts


def thin_seeds(out, fixtures_dir):
    """The pool metadata LV of fixtures/thin: its segments are listed in
    truth/expected as "tmeta offsets OFF+LEN OFF+LEN"."""
    fdir = os.path.join(fixtures_dir, "thin")
    exp = os.path.join(fdir, "truth", "expected")
    if not os.path.isfile(exp):
        return
    segs = []
    with open(exp) as f:
        for line in f:
            if line.startswith("tmeta offsets "):
                segs = [tuple(int(x) for x in p.split("+")) for p in line.split()[2:]]
    for img in ("disk.img.gz", "damaged.img.gz"):
        with gzip.open(os.path.join(fdir, img), "rb") as f:
            data = f.read()
        meta = b"".join(data[o:o + n] for o, n in segs)
        end = len(meta.rstrip(b"\0"))
        meta = meta[:(end + 4095) // 4096 * 4096]
        for flag in (0, 1):
            out.put("thin", "%s-flag%d" % (img.split(".")[0], flag), bytes([flag]) + meta)
        if img == "disk.img.gz":
            out.put("thin", "disk-spacemap-leak", bytes([1]) + thin_leak(meta))


def thin_leak(meta):
    """The metadata with data block 4's ref count (thin1 maps it) set to 0
    in the data space map's first bitmap, found through the superblock's
    data_bitmap_root (the index btree, one leaf); fuzz_thin's flag 1
    reseals the bitmap's checksum."""
    m = bytearray(meta)
    root = struct.unpack_from("<Q", m, 64 + 16)[0]
    node = root * 4096
    if node + 4096 > len(m):
        return bytes(m)
    mx = struct.unpack_from("<I", m, node + 20)[0]
    bitmap = struct.unpack_from("<Q", m, node + 32 + 8 * mx)[0]
    word = bitmap * 4096 + 16  # block 4: bits 8 and 9 of the first word
    if word + 8 <= len(m):
        w = struct.unpack_from("<Q", m, word)[0] & ~(3 << 8)
        struct.pack_into("<Q", m, word, w)
    return bytes(m)


def image_seeds(out, fixtures_dir):
    import io
    import tarfile
    fdir = os.path.join(fixtures_dir, "formats")
    if not os.path.isdir(fdir):
        return
    for sub in ("", "bad"):
        d = os.path.join(fdir, sub)
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                raw = f.read()
            tag = (sub + "-" if sub else "") + name
            if name.endswith(".tar.gz"):
                with tarfile.open(fileobj=io.BytesIO(raw)) as t:
                    for m in sorted(t.getmembers(), key=lambda m: m.name):
                        if m.isfile() and (m.name.endswith(".E01") or m.name.endswith(".qcow2")):
                            data = t.extractfile(m).read()
                            out.put("image", tag + "-" + os.path.basename(m.name),
                                    data[:IMAGE_SEED_MAX])
            elif name.endswith(".gz"):
                out.put("image", tag[:-3], gzip.decompress(raw)[:IMAGE_SEED_MAX])
            elif name.endswith(".xz") or name.endswith(".zst") or name.endswith(".ova"):
                out.put("image", tag, raw[:IMAGE_SEED_MAX])
    hist = os.path.join(fixtures_dir, "history", "disk.img.gz")
    if os.path.isfile(hist):
        with open(hist, "rb") as f:
            out.put("image", "history-disk.img.gz", f.read()[:IMAGE_SEED_MAX])


def vhdxlog_seeds(out, fixtures_dir):
    """fuzz_vhdxlog's input: the current header (4 KiB) then the log, of
    each VHDX file qemu-io left mid-write (formats/vhdx-log.tar.gz), the log
    cut after its last non-zero 4 KiB; and the same with the entry moved to
    the log's last sector, so that it wraps past the end."""
    import io
    import tarfile
    path = os.path.join(fixtures_dir, "formats", "vhdx-log.tar.gz")
    if not os.path.isfile(path):
        return
    with tarfile.open(path) as t:
        for m in sorted(t.getmembers(), key=lambda m: m.name):
            if not m.isfile():
                continue
            f = t.extractfile(m).read()
            hdrs = [f[o:o + 4096] for o in (64 * 1024, 128 * 1024)]
            cur = max(hdrs, key=lambda h: struct.unpack_from("<Q", h, 8)[0])
            log_len, log_off = struct.unpack_from("<IQ", cur, 68)
            log = f[log_off:log_off + log_len].rstrip(b"\0")
            log += b"\0" * (-len(log) % 4096)
            name = os.path.basename(m.name)
            out.put("vhdxlog", name, cur + log)
            if len(log) >= 8192 and len(log) < 256 * 1024:
                # the log as long as the entry plus one sector, the entry at
                # its last sector: its second sector wraps to the start
                n = len(log) + 4096
                wrapped = bytearray(n)
                wrapped[n - 4096:] = log[:4096]
                wrapped[:len(log) - 4096] = log[4096:]
                # its tail (itself) moved: set it and seal the entry again,
                # the checksum over the entry's sectors in log order
                struct.pack_into("<I", wrapped, n - 4096 + 12, n - 4096)
                struct.pack_into("<I", wrapped, n - 4096 + 4, 0)
                entry_len = struct.unpack_from("<I", wrapped, n - 4096 + 8)[0]
                body = bytes(wrapped[n - 4096:]) + bytes(wrapped[:entry_len - 4096])
                struct.pack_into("<I", wrapped, n - 4096 + 4, crc32c(body))
                out.put("vhdxlog", name + "-wrapped", cur + bytes(wrapped))


def crc32c(data):
    """The standard CRC-32C (Castagnoli), as VHDX checksums are."""
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff


def vhd_checksum(b):
    return (~sum(b)) & 0xffffffff


def vhd_footer(disk, size, data_off):
    """a VHD footer (big-endian): disk 2 fixed, 3 dynamic; CHS 1/2/16
    (32 sectors: 16 KiB, qemu agrees on the size)"""
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQ", f, 8, 2, 0x00010000, data_off)
    f[28:32] = b"lrsc"
    struct.pack_into(">I", f, 32, 0x00010000)
    f[36:40] = b"Wi2k"
    struct.pack_into(">QQII", f, 40, size, size, (1 << 16) | (2 << 8) | 16, disk)
    f[68:84] = bytes(range(1, 17))
    struct.pack_into(">I", f, 64, vhd_checksum(f))
    return bytes(f)


def vhd_seeds(out):
    bs, blocks = 4096, 4
    h = bytearray(1024)
    h[0:8] = b"cxsparse"
    struct.pack_into(">QQIII", h, 8, 0xffffffffffffffff, 1536, 0x00010000, blocks, bs)
    struct.pack_into(">I", h, 36, vhd_checksum(h))
    bat = bytearray(b"\xff" * 512)
    struct.pack_into(">I", bat, 4, 4)  # block 1 at sector 4
    bitmap = bytearray(512)
    bitmap[0] = 0xa0  # its sectors 0 and 2 only
    data = b"".join(bytes([0x10 + i]) * 512 for i in range(bs // 512))
    foot = vhd_footer(3, bs * blocks, 512)
    out.put("image", "vhd-dynamic-4k-blocks", foot + bytes(h) + bytes(bat) + bytes(bitmap) + data + foot)
    out.put("image", "vhd-fixed-16k", b"\x5c" * (bs * blocks) + vhd_footer(2, bs * blocks, 2**64 - 1))


def qcow_seeds(out):
    """whole small qcow2 files made by qemu-img (when it is installed) that
    reach our cluster decoding (core/src/io_qcow.c): a 128 KiB image of
    patterned 4 KiB runs with zlib and with zstd clusters of 4 KiB, and
    one of extended L2 entries (16 KiB clusters, cut at the seed limit), and
    one holding two internal snapshots"""
    import subprocess
    import tempfile
    if not shutil.which("qemu-img"):
        return
    raw = b"".join((bytes([i]) * 2048 + b"LVMRESCUE %04d " % i * 128)[:4096] for i in range(32))
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "raw")
        with open(src, "wb") as f:
            f.write(raw)
        for name, opts in (("qcow2-zlib-4k", "cluster_size=4k"),
                           ("qcow2-zstd-4k", "cluster_size=4k,compression_type=zstd"),
                           ("qcow2-extl2-16k", "cluster_size=16k,extended_l2=on")):
            dst = os.path.join(d, name)
            cmd = ["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", "-c", "-o", opts, src, dst]
            if subprocess.run(cmd, stderr=subprocess.DEVNULL).returncode == 0:
                with open(dst, "rb") as f:
                    out.put("image", name, f.read()[:IMAGE_SEED_MAX])
        # two internal snapshots, the file grown after the first: the
        # snapshot table and each snapshot's L1 table (fuzz_image reads
        # snapshot "1" in place); 16 KiB in 512-byte clusters, so that the
        # whole file (about 20 KiB) fits in a seed
        small = os.path.join(d, "small")
        with open(small, "wb") as f:
            f.write(raw[:16384])
        dst = os.path.join(d, "qcow2-snapshots-512")
        steps = (["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=512", small, dst],
                 ["qemu-img", "snapshot", "-c", "one", dst],
                 ["qemu-img", "resize", "-q", dst, "+4K"],
                 ["qemu-img", "snapshot", "-c", "two", dst])
        if all(subprocess.run(c, stderr=subprocess.DEVNULL).returncode == 0 for c in steps):
            with open(dst, "rb") as f:
                out.put("image", "qcow2-snapshots-512", f.read()[:IMAGE_SEED_MAX])


def tar_seeds(out):
    """plain tar archives (core/src/io_formats.c walks their headers): GNU
    and POSIX formats, two files each, the second with a long name (a GNU
    long-name header, a POSIX extended header)"""
    import io
    import tarfile
    long = "d/" + "n" * 120 + ".img"
    for name, fmt in (("tar-gnu", tarfile.GNU_FORMAT), ("tar-posix", tarfile.PAX_FORMAT)):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
            for member, data in (("a.txt", b"hello\n"), (long, b"LABELONE" * 128)):
                info = tarfile.TarInfo(member)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        out.put("image", name, buf.getvalue()[:IMAGE_SEED_MAX])


def lvdata_seeds(out, fixtures_dir):
    """the metadata LVs of the LV data fixtures (docs/fixtures.md): dm-cache
    metadata (cache: extents 20 and 42, two of them), COW stores (snap:
    extents 32, 36, 40), _rmeta superblocks (raid: r4's image 0 at extent 0)"""
    extent, pe_start = 65536, 1048576
    picks = (("cache", "pv0.img.gz", 20, 2), ("cache", "pv0.img.gz", 42, 2),
             ("snap", "pv0.img.gz", 32, 4), ("snap", "pv0.img.gz", 40, 20),
             ("raid", "pv0.img.gz", 0, 1))
    for fixture, img, start, count in picks:
        path = os.path.join(fixtures_dir, fixture, img)
        if not os.path.isfile(path):
            continue
        with gzip.open(path, "rb") as f:
            data = f.read()
        at = pe_start + start * extent
        out.put("lvdata", "%s-extent%d" % (fixture, start),
                trim(data[at:at + count * extent], count * extent))


def backup_seeds(out, fixtures_dir):
    """LVM2 archive/backup files (fixtures/backup, issue 15): some as text
    seeds; for the scanner, files laid out at 1 KiB blocks after the head
    of the fixture's PV (label and ring: so versions merge), a file cut at
    a block (fragmented), and a file alone (a standalone .vg)."""
    fdir = os.path.join(fixtures_dir, "backup")
    adir = os.path.join(fdir, "truth", "archive")
    if not os.path.isdir(adir):
        return
    names = sorted(os.listdir(adir))
    files = []
    for name in names[:2] + names[-2:]:
        with open(os.path.join(adir, name), "rb") as f:
            files.append(f.read())
    with open(os.path.join(fdir, "truth", "backup", "hbkvg"), "rb") as f:
        files.append(f.read())
    for i, text in enumerate(files):
        out.put("text", "backup-file-%d" % i, text)
    out.put("scan", "backup-standalone", files[0])
    with gzip.open(os.path.join(fdir, "disk.img.gz"), "rb") as f:
        head = f.read(65536)
    body = b""
    for text in files:
        body += text.ljust((len(text) + 1023) // 1024 * 1024, b"\0")
    cut = files[1][:1024] + files[2][1024:2048]
    out.put("scan", "backup-in-fs", head + body + cut.ljust(3072, b"\0"))
    for v in (1, 2, 4):
        out.put("scan", "backup-in-fs-variant%d" % v, head + body + bytes([v]))
    leaf = btrfs_leaf(files[0])
    out.put("scan", "backup-btrfs-leaf", head + b"\0" * 1536 + leaf)
    # the same leaf cut: its file lies past the end (read again, not found)
    out.put("scan", "backup-btrfs-leaf-cut", head + b"\0" * 1536 + leaf[:3072])
    # compressed as the kernel's btrfs does with compress=zlib (zlib.c)
    out.put("scan", "backup-btrfs-leaf-zlib", head + b"\0" * 1536 + btrfs_leaf(files[1], 1))
    # a data extent btrfs compressed with zlib: one stream from a sector start
    z = zlib.compress(files[-1])
    out.put("scan", "backup-btrfs-extent-zlib", head + z.ljust((len(z) + 511) // 512 * 512, b"\0"))
    # lzo as the kernel wrote it (btrfs-lzo.img.gz, make-btrfs.sh lzo): a
    # leaf holding lzo inline files and the data extent of segtypes.backup
    path = os.path.join(fdir, "btrfs-lzo.img.gz")
    if os.path.isfile(path):
        with gzip.open(path, "rb") as f:
            fs = f.read()
        leaf = next((fs[o:o + 4096] for o in range(0, len(fs), 4096) if lzo_leaf(fs[o:o + 4096])), None)
        if leaf:
            out.put("scan", "backup-btrfs-leaf-lzo", head + b"\0" * 1536 + leaf)
        ext = next((fs[o:o + 4096] for o in range(0, len(fs), 4096)
                    if struct.unpack_from("<I", fs, o)[0] <= 131072
                    and b"# Generated by LVM2" in fs[o + 8:o + 16 + 19]), None)
        if ext:
            out.put("scan", "backup-btrfs-extent-lzo", head + ext)
    # an ext4 read through libext2fs (fixtures/backup-ext4): a file in use
    # whose blocks are not in a row, a deleted one cut where a block in use
    # begins; its first 128 KiB (its files, bitmaps and inode table lie there)
    path = os.path.join(fixtures_dir, "backup-ext4", "ext4.img.gz")
    if os.path.isfile(path):
        with gzip.open(path, "rb") as f:
            out.put("scan", "backup-ext4", f.read(128 * 1024))


def extfs_seeds(out, fixtures_dir):
    """fuzz_extfs's input: the first 256 KiB of the ext4 and ext3 the
    kernel wrote with LVM2 rotating its archive in them (their superblock,
    group descriptors, bitmaps, inode tables and the journal's first
    transactions lie there: mkfs puts the journal after the inode table in
    so small a filesystem), then the blocks that start a backup file in
    the whole image (what lvmscan asks the journal about; their data lies
    past the head, read as zeros: the journal's copies name them), a
    variant byte and their count; with variants: the blocks in reverse
    order (not ascending), a budget of 1 MiB and of 1 MiB + 128 KiB (the
    journal's headers take 1 MiB), files of 4 KiB at most. fixtures/
    fast-commit's journal needs recovery and its live log lies in its head:
    the open replays it (its fast-commit area, past the head, reads as
    zeros)."""
    for fixture, name in (("backup-journal", "fs.img.gz"), ("backup-ext3", "ext3.img.gz"),
                          ("fast-commit", "fs.img.gz")):
        path = os.path.join(fixtures_dir, fixture, name)
        if not os.path.isfile(path):
            continue
        with gzip.open(path, "rb") as f:
            fs = f.read()
        bs = 1024 << struct.unpack_from("<I", fs, 1024 + 24)[0]
        ask = [o // bs for o in range(0, len(fs), bs)
               if fs.startswith(b"# Generated by LVM2 version", o)][:32]
        for variant, blocks in ((0, ask), (1, ask[::-1]), (2, ask), (2 | 8 << 3, ask), (4, ask)):
            tail = b"".join(struct.pack("<I", b) for b in blocks) + bytes([variant, len(blocks)])
            out.put("extfs", "%s-variant%d" % (fixture, variant),
                    fs[:EXTFS_SEED - len(tail)] + tail)


def btrfs_seeds(out, fixtures_dir):
    """fuzz_btrfs's input: pages of fixtures/backup/btrfs-multi (a 16 MiB
    btrfs, 4 KiB nodes, whose files of 850 LVs the kernel compressed in
    three extents each, and stored plain in six): its superblock, every
    page carrying its fsid (the tree blocks, current and stale), and the
    data extents of one file (truth/btrfs-multi-extents and -phys:
    zstd/big1.vg, or lzo's, zlib's, a plain one's),
    each page as le16 page and its 4096 bytes; then the pages asked about
    (each file's first extent, a file's second, page 0), a variant byte
    and their count. Variants: the short I/O layer, checksums sealed
    again, a 512 KiB buffer (the files whole)."""
    fdir = os.path.join(fixtures_dir, "backup")
    fs = gz_fixture(fixtures_dir, "backup", "btrfs-multi.img.gz")
    if fs is None:
        return
    page = 4096
    fsid = fs[65536 + 32:65536 + 48]
    tree = [i for i in range(len(fs) // page)
            if i != 16 and fs[i * page + 32:i * page + 48] == fsid]
    ino = {}
    with open(os.path.join(fdir, "truth", "btrfs-multi-inodes")) as f:
        for line in f:
            n, name = line.split()
            ino[name] = n
    disk = {}  # (inode, file offset) -> stored bytes
    with open(os.path.join(fdir, "truth", "btrfs-multi-extents")) as f:
        for line in f:
            v = line.split()
            disk[(v[0], v[1])] = int(v[3])
    phys = []  # (path, file offset, image offset)
    with open(os.path.join(fdir, "truth", "btrfs-multi-phys")) as f:
        for line in f:
            v = line.split()
            phys.append((v[0], v[1], int(v[2])))
    firsts = [at // page for _, o, at in phys if o == "0"]
    second = [at // page for _, o, at in phys if o == "131072"][:1]
    ask = firsts + second + [0]

    def put(name, data_of, variant):
        pages = [16] + tree
        for p, o, at in phys:
            if p == data_of:
                n = disk[(ino[p], o)]
                pages += range(at // page, (at + n + page - 1) // page)
        body = b"".join(struct.pack("<H", i) + fs[i * page:(i + 1) * page] for i in pages)
        tail = b"".join(struct.pack("<H", i) for i in ask) + bytes([variant, len(ask)])
        out.put("btrfs", name, body + tail)

    for variant in (0, 1, 2, 4, 6):
        put("btrfs-multi-zstd-variant%d" % variant, "zstd/big1.vg", variant)
    put("btrfs-multi-lzo", "lzo/big2.vg", 4)
    put("btrfs-multi-zlib", "zlib/big1.vg", 4)
    put("btrfs-multi-plain", "plain/a.vg", 4)


def xfs_seeds(out, fixtures_dir):
    """fuzz_xfs's input: the first 256 KiB of the XFS the kernel wrote
    with LVM2 rotating its archive in it (fixtures/backup-xfs: 1 KiB
    blocks, 512-byte v3 inodes; its superblock, AG 0's AGF and AGI, the
    B+tree roots, the first inode chunk, the fill and churn files' first
    blocks and B+tree leaves lie there), then the blocks every file in use
    starts at (truth/files.txt: most lie past the head, read as zeros),
    blocks 0, 64, the last and one past the filesystem, as le64, a variant
    byte and their count (bit 6: the I/O layer ends with the image). With
    variants: the blocks in reverse order, budgets of 2.5, 32.5 and 37.5
    KiB (out at the inode B+tree root, at the inode chunk, and enough for
    AG 0's walk of 36 KiB), files of 4 KiB at most, checksums resealed,
    the short layer; fill0/comb (a
    2-level block map B+tree whose node lies at 16 MiB) with its node
    copied into a zero block of the head and the inode's pointer and
    checksum made again, so the whole map is read; and AG 1's first 256
    KiB on its own (its secondary superblock opens; its AG headers name AG
    1, not the 0 they are read as)."""
    fdir = os.path.join(fixtures_dir, "backup-xfs")
    fs = gz_fixture(fixtures_dir, "backup-xfs", "fs.img.gz")
    if fs is None:
        return
    bs, dblocks = struct.unpack_from(">IQ", fs, 4)
    agblocks = struct.unpack_from(">I", fs, 84)[0]
    isize = struct.unpack_from(">H", fs, 104)[0]
    inopblog, agblklog = fs[123], fs[124]
    starts = []  # (ino, first block)
    lst = os.path.join(fdir, "truth", "files.txt")
    if os.path.isfile(lst):
        with open(lst) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 6:
                    continue
                first = parts[5].split(",")[0]
                if first.startswith("0+"):
                    starts.append((int(parts[1]), int(first.split("@")[1]) // bs))
    ask = sorted(set([b for _, b in starts] + [0, 64, dblocks - 1, dblocks]))[:32]

    def put(name, head, blocks, variant, count_bits=0):
        tail = b"".join(struct.pack("<Q", b) for b in blocks)
        tail += bytes([variant, len(blocks) | count_bits])
        out.put("xfs", name, head[:XFS_SEED - len(tail)] + tail)

    head = fs[:XFS_SEED]
    for variant, blocks in ((0, ask), (1, ask[::-1]), (2 | 1 << 4, ask), (2 | 13 << 4, ask),
                            (2 | 15 << 4, ask), (4, ask), (8, ask)):
        put("backup-xfs-variant%d" % variant, head, blocks, variant)
    put("backup-xfs-short-io", head, ask, 0, 64)

    # a file's block map node moved into the head: the first B+tree file
    # in use whose inode lies in the head and whose root points past it
    cut = XFS_SEED - 8 * len(ask) - 2
    zero = next((b for b in range(cut // bs - 1, 0, -1)
                 if not any(head[b * bs:(b + 1) * bs])), None)
    for ino, _ in starts:
        agino = ino & ((1 << (agblklog + inopblog)) - 1)
        at = (agino >> inopblog) * bs + (agino & ((1 << inopblog) - 1)) * isize
        if ino >> (agblklog + inopblog) or at + isize > cut or zero is None:
            continue
        node = bytearray(head[at:at + isize])
        if node[:2] != b"IN" or node[4] != 3 or node[5] != 3:
            continue
        size = node[82] * 8 or isize - 176
        ptr = 176 + 4 + (size - 4) // 16 * 8
        fsb = struct.unpack_from(">Q", node, ptr)[0]
        lin = (fsb >> agblklog) * agblocks + (fsb & ((1 << agblklog) - 1))
        if lin * bs < cut:
            continue
        moved = bytearray(head)
        moved[zero * bs:(zero + 1) * bs] = fs[lin * bs:(lin + 1) * bs]
        struct.pack_into(">Q", node, ptr, zero)
        struct.pack_into("<I", node, 100, 0)
        struct.pack_into("<I", node, 100, crc32c(bytes(node)))
        moved[at:at + isize] = node
        put("backup-xfs-btree-node-in-head", bytes(moved), ask, 0)
        break

    # AG 1 on its own: its secondary superblock, headers and roots
    ag1 = agblocks * bs
    put("backup-xfs-ag1", fs[ag1:ag1 + XFS_SEED], [0, 1, 4, 5, 64], 0)

    # the log (lr_xfs_log): fixtures/xfs-dirty-log's images, their log's
    # first LOG_SEED_BLOCKS blocks moved to the end of the head and the
    # superblock's sb_logstart and sb_logblocks made to say so (checksum
    # sealed again): a wrapped log of that size whose head lies within it
    # (the dirty image's last record is no unmount record; the clean
    # copy's is), and the same log cut to its first 20 basic blocks (zeros
    # after: the search for where the zeros start)
    for name in ("dirty", "clean"):
        lfs = gz_fixture(fixtures_dir, "xfs-dirty-log", name + ".img.gz")
        if lfs is None:
            continue
        llog = xfs_log_at(lfs)
        nblocks = LOG_SEED_BLOCKS * 1024 // struct.unpack_from(">I", lfs, 4)[0]
        for cut, suffix in ((nblocks * bs, ""), (20 * 512, "-cut")):
            put("xfs-dirty-log-%s%s" % (name, suffix),
                xfs_log_seed(lfs, lfs[llog:llog + cut], nblocks), [0], 0)

    # a covered log (fixtures/xfs-covered's frozen and idle images: every
    # transaction from the last record's tail to the head the superblock's
    # buffer): a window of their log from a record header some 40 basic
    # blocks before the head, moved as above, each record header's h_lsn
    # and h_tail_lsn made to name blocks of the window and its h_crc
    # sealed again as xlog_cksum computes it (328 header bytes, then h_len
    # data bytes as they lie), so the covering's records are walked
    for name in ("frozen", "idle"):
        lfs = gz_fixture(fixtures_dir, "xfs-covered", name + ".img.gz")
        if lfs is None:
            continue
        llog = xfs_log_at(lfs)
        head = xfs_log_head(lfs, llog)
        w = max(head - 40, 0)
        while w > 0 and lfs[llog + w * 512:llog + w * 512 + 4] != XLOG_MAGIC:
            w -= 1
        nblocks = LOG_SEED_BLOCKS * 1024 // struct.unpack_from(">I", lfs, 4)[0]
        put("xfs-covered-%s" % name, xfs_log_seed(lfs, xfs_log_window(lfs, llog, w, nblocks), nblocks),
            [0], 0)

    # a dirty log the replay walks (fixtures/xfs-replay's archive5 and
    # unlink5: LVM2's archives, an inode chunk's creation, unlinks, only in
    # the log): the window from the last record's tail to past the head,
    # moved as above (the items' buffers and inodes lie where the seed's
    # bytes end or past them: read as zeros, or short)
    for name in ("archive5", "unlink5"):
        lfs = gz_fixture(fixtures_dir, "xfs-replay", name + ".img.gz")
        if lfs is None:
            continue
        llog = xfs_log_at(lfs)
        head = xfs_log_head(lfs, llog)
        last = head - 1
        while last > 0 and lfs[llog + last * 512:llog + last * 512 + 4] != XLOG_MAGIC:
            last -= 1
        tail = struct.unpack_from(">I", lfs, llog + last * 512 + 28)[0]  # BLOCK_LSN(h_tail_lsn)
        nblocks = LOG_SEED_BLOCKS * 1024 // struct.unpack_from(">I", lfs, 4)[0]
        put("xfs-replay-%s" % name, xfs_log_seed(lfs, xfs_log_window(lfs, llog, tail, nblocks),
                                                 nblocks), [0], 0)


XLOG_MAGIC = b"\xfe\xed\xba\xbe"


def xfs_log_head(fs, llog):
    """The head of a log written once round (cycle 1 up to mkfs's zeros:
    its first basic block of cycle 0)."""
    lbb = struct.unpack_from(">I", fs, 96)[0] * struct.unpack_from(">I", fs, 4)[0] // 512

    def cycle(bb):  # xlog_get_cycle: a record header's h_cycle
        w0, w1 = struct.unpack_from(">II", fs, llog + bb * 512)
        return w1 if w0 == 0xfeedbabe else w0
    head = 0
    while head < lbb and cycle(head) != 0:
        head += 1
    return head


def xfs_log_window(fs, llog, w, nblocks):
    """nblocks filesystem blocks of the log of XFS image fs from basic
    block w on, each record header's h_lsn and h_tail_lsn made to name
    blocks of the window (w its first) and its h_crc sealed again as
    xlog_cksum computes it (328 header bytes, then h_len data bytes as
    they lie)."""
    bs = struct.unpack_from(">I", fs, 4)[0]
    win = bytearray(fs[llog + w * 512:llog + w * 512 + nblocks * bs])
    for h in range(0, len(win), 512):
        if win[h:h + 4] != XLOG_MAGIC:
            continue
        cyc, blk, tcyc, tblk = struct.unpack_from(">IIII", win, h + 16)
        struct.pack_into(">IIII", win, h + 16, cyc, max(blk - w, 0), tcyc, max(tblk - w, 0))
        hlen = struct.unpack_from(">I", win, h + 12)[0]
        if h + 512 + hlen <= len(win):
            struct.pack_into("<I", win, h + 32, 0)
            crc = crc32c(bytes(win[h:h + 328]) + bytes(win[h + 512:h + 512 + hlen]))
            struct.pack_into("<I", win, h + 32, crc)
    return bytes(win)


def gz_fixture(fixtures_dir, fixture, name):
    """A gzipped fixture file's bytes, or None when it is not there."""
    path = os.path.join(fixtures_dir, fixture, name)
    if not os.path.isfile(path):
        return None
    with gzip.open(path, "rb") as f:
        return f.read()


def xfs_log_at(fs):
    """The byte an XFS image's internal log starts at (sb_logstart: agno
    << agblklog | agbno)."""
    bs, agblocks = struct.unpack_from(">I", fs, 4)[0], struct.unpack_from(">I", fs, 84)[0]
    start = struct.unpack_from(">Q", fs, 48)[0]
    return ((start >> fs[124]) * agblocks + (start & ((1 << fs[124]) - 1))) * bs


def xfs_log_seed(fs, log, nblocks):
    """The first XFS_SEED bytes of XFS image fs with a log of nblocks
    blocks at the end of them (before one asked block's 10 bytes), its
    first bytes `log`, the rest zeros; sb_logstart and sb_logblocks made to
    say so and the superblock's checksum sealed again."""
    bs = struct.unpack_from(">I", fs, 4)[0]
    img = bytearray(fs[:XFS_SEED])
    end = XFS_SEED - 8 - 2  # one asked block
    at = (end - nblocks * bs) // bs
    img[at * bs:end] = bytes(end - at * bs)
    img[at * bs:at * bs + len(log)] = log
    struct.pack_into(">Q", img, 48, at)  # AG 0, block at
    struct.pack_into(">I", img, 96, nblocks)
    sect = struct.unpack_from(">H", img, 102)[0]
    struct.pack_into("<I", img, 224, 0)
    struct.pack_into("<I", img, 224, crc32c(bytes(img[:sect])))
    return bytes(img)


def lzo_leaf(b):
    """Whether the 4 KiB block b is a btrfs leaf holding an inline file
    the kernel compressed with lzo (compression 2)."""
    if b[100] != 0:
        return False
    n = struct.unpack_from("<I", b, 96)[0]
    if n == 0 or 101 + 25 * n > len(b):
        return False
    for i in range(n):
        obj, typ, off, doff, size = struct.unpack_from("<QBQII", b, 101 + 25 * i)
        d = b[101 + doff:101 + doff + size]
        if typ == 108 and len(d) > 21 and d[20] == 0 and d[16] == 2:
            return True
    return False


def btrfs_leaf(text, compression=0, nodesize=4096):
    """A btrfs leaf (fs/btrfs/accessors.h: 101-byte header, 25-byte items,
    data packed from the leaf's end) holding an inode item, its ref and the
    file `text` as an inline extent, stored as it is (the layout mkfs.btrfs
    --rootdir writes for a small file) or, compression 1, zlib-compressed
    (scan/src/backup.c walks it)."""
    stored = zlib.compress(text) if compression == 1 else text
    items = [
        (256, 1, 0, b"\7" * 160),                      # INODE_ITEM
        (256, 12, 256, struct.pack("<QH", 2, 6) + b"a.vg_0"),  # INODE_REF
        (256, 108, 0, struct.pack("<QQBBHB", 7, len(text), compression, 0, 0, 0) + stored),
    ]
    hdr = bytearray(101)
    struct.pack_into("<QQ", hdr, 48, 30441472, 1 | 1 << 56)  # bytenr, flags
    struct.pack_into("<QQIB", hdr, 80, 7, 5, len(items), 0)  # gen, owner, n, level
    arr, data, end = b"", b"", nodesize - 101
    for obj, typ, off, d in items:
        end -= len(d)
        arr += struct.pack("<QBQII", obj, typ, off, end, len(d))
        data = d + data
    return bytes(hdr) + arr + b"\0" * (end - len(arr)) + data


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: make-seeds.py FIXTURES_DIR OUT_DIR\n")
        return 2
    fixtures_dir, out_dir = sys.argv[1], sys.argv[2]
    out = Out(out_dir)
    cache = {}
    fixtures = sorted(d for d in os.listdir(fixtures_dir)
                      if os.path.isfile(os.path.join(fixtures_dir, d, "truth", "devices")))
    if not fixtures:
        sys.stderr.write("make-seeds.py: no fixtures in %s\n" % fixtures_dir)
        return 1
    multi = {}
    for fixture in fixtures:
        fdir = os.path.join(fixtures_dir, fixture)
        devs = read_devices(fdir)

        def image_of(img, fdir=fdir):
            return load_image(fdir, img, cache)

        label_seeds(out, fixture, devs, image_of)
        for img in sorted(set(d[1] for d in devs)):
            mda_seeds(out, fixture, img, image_of(img))
        text_seeds(out, fixtures_dir, fixture)
        multi[fixture] = scan_seeds(out, fixture, devs, image_of)

    image_seeds(out, fixtures_dir)
    vhd_seeds(out)
    qcow_seeds(out)
    tar_seeds(out)
    vhdxlog_seeds(out, fixtures_dir)
    data_dir = os.path.join(os.path.dirname(os.path.abspath(fixtures_dir)), "tests", "data")
    for name in ("segtypes.raw", "segtypes.backup"):
        path = os.path.join(data_dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                out.put("text", name, f.read())
    path = os.path.join(data_dir, "segtypes.all")
    if os.path.isfile(path):
        with open(path, "rb") as f:
            for i, copy in enumerate(split_pvck_all(f.read())):
                out.put("text", "segtypes.all-%02d" % i, copy)

    # A PV at an odd sector, two PVs side by side, and option variants.
    if "history" in multi and multi["history"]:
        pv = multi["history"][0]
        out.put("scan", "history-at-sector3", b"\0" * (3 * SECTOR) + pv)
        for v in range(1, 6):
            out.put("scan", "history-variant%d" % v, pv + bytes([v]))
        # issue 17 item 2: a metadata area listed over pe_start and lv1
        crafted = craft_mda.mda_over_data(pv)
        out.put("scan", "history-mda-over-data", crafted)
        out.put("scan", "history-mda-over-data-variant1", crafted + b"\1")
    if "wrapped" in multi and multi["wrapped"]:
        pv = multi["wrapped"][0]
        for v in (1, 2, 3):
            out.put("scan", "wrapped-variant%d" % v, pv + bytes([v]))
    for fixture in ("stale-pv", "three-pv"):
        cuts = multi.get(fixture) or []
        if len(cuts) >= 2:
            width = max(len(cuts[0]), len(cuts[-1]))
            pair = cuts[0].ljust(width, b"\0") + cuts[-1].ljust(width, b"\0")
            out.put("scan", "%s-pair" % fixture, pair)
            out.put("scan", "%s-pair-variant5" % fixture, pair + b"\5")

    lvdata_seeds(out, fixtures_dir)
    backup_seeds(out, fixtures_dir)
    extfs_seeds(out, fixtures_dir)
    xfs_seeds(out, fixtures_dir)
    btrfs_seeds(out, fixtures_dir)

    # the restore planner runs on scanned images: the same seeds
    for name in sorted(os.listdir(os.path.join(out_dir, "scan"))):
        with open(os.path.join(out_dir, "scan", name), "rb") as f:
            data = f.read()
        out.put("plan", name, data)
        # an odd last byte plans with force (past the refusals a cut image meets)
        out.put("plan", name + "-force", data + b"\1")

    thin_seeds(out, fixtures_dir)

    for sub in SUBS:
        print("%s: %d seeds" % (sub, out.count[sub]))
        if out.count[sub] == 0:
            sys.stderr.write("make-seeds.py: no %s seeds\n" % sub)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
