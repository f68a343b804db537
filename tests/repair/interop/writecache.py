#!/usr/bin/env python3
"""writecache.py IMG WANT - writes dm-writecache metadata and data into the
cachevol fast_cvol of LV wc in a copy of fixtures/cache/pv0.img (the LVM2
metadata there was loaded by real LVM2: a "writecache" segment, origin
wc_wcorig at extent 44, 4 extents; fast_cvol at extent 48, 2 extents;
writecache_block_size 4096; fixtures/make-cache.py), a known pattern into
the origin, and writes on WANT what the LV holds: the origin with, for
each origin block, the newest committed cache entry's block.

Independent of lvmrescue; the layout is Linux drivers/md/dm-writecache.c
(SSD mode): struct wc_memory_superblock {le32 magic 0x23489321, le32
version 1, le32 block_size, le32 pad, le64 n_blocks, le64 seq_count}
padded to 64 bytes, then struct wc_memory_entry {le64 original_sector,
le64 seq_count}[n_blocks]; n_blocks and the data offset as
calculate_memory_size / writecache_ctr compute them (entries rounded up to
a block, then the blocks); an entry is committed when its seq_count is
below the superblock's (writecache_entry_is_committed); all ones marks a
free entry (init_memory, writecache_free_entry); of two committed entries
of one sector the higher seq_count wins (writecache_resume).
Prints "COMMITTED MERGED" (entry and origin block counts)."""
import struct
import sys

PE_START, EXTENT = 2048 * 512, 128 * 512
ORIG, CVOL = 44, 48
ORIG_BYTES, CVOL_BYTES = 4 * EXTENT, 2 * EXTENT
BS = 4096
SEQ = 10
NONE = 2**64 - 1
# (index, original sector, seq_count)
ENTRIES = [(0, 8, 3),       # block 1, superseded by entry 1
           (1, 8, 7),       # block 1, the newest
           (2, 40, 9),      # block 5
           (3, 16, SEQ),    # block 2, not committed (seq_count not below the superblock's)
           (4, 24, NONE),   # free
           (5, 480, 0)]     # block 60


def at(ext):
    return PE_START + ext * EXTENT


img_path, want_path = sys.argv[1], sys.argv[2]
img = bytearray(open(img_path, "rb").read())
# calculate_memory_size
n = CVOL_BYTES // (BS + 16)
while True:
    off = (64 + n * 16 + BS - 1) & ~(BS - 1)
    if off + n * BS <= CVOL_BYTES:
        break
    n -= 1
meta = bytearray(off)
struct.pack_into("<IIIIQQ", meta, 0, 0x23489321, 1, BS, 0, n, SEQ)
for i in range(n):
    struct.pack_into("<QQ", meta, 64 + 16 * i, NONE, NONE)
for i, sector, seq in ENTRIES:
    struct.pack_into("<QQ", meta, 64 + 16 * i, sector, seq)
img[at(CVOL):at(CVOL) + off] = meta
for i in range(n):
    o = at(CVOL) + off + i * BS
    img[o:o + BS] = (b"writecache block %d|" % i).ljust(32, b".") * (BS // 32)
for b in range(ORIG_BYTES // BS):
    o = at(ORIG) + b * BS
    img[o:o + BS] = (b"origin block %d|" % b).ljust(32, b"-") * (BS // 32)
want = bytearray(img[at(ORIG):at(ORIG) + ORIG_BYTES])
newest = {}
for i, sector, seq in ENTRIES:
    if seq < SEQ and (sector not in newest or newest[sector][1] < seq):
        newest[sector] = (i, seq)
for sector, (i, _) in newest.items():
    o = at(CVOL) + off + i * BS
    want[sector * 512:sector * 512 + BS] = img[o:o + BS]
open(img_path, "wb").write(img)
open(want_path, "wb").write(want)
print(sum(1 for _, _, s in ENTRIES if s < SEQ), len(newest), n)
