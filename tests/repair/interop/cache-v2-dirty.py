#!/usr/bin/env python3
"""cache-v2-dirty.py IMG OUT-EXPECTED CBLOCK... - sets dirty bits in the
version 2 dirty bitset of LV data2's dm-cache metadata in a copy of
fixtures/cache/pv0.img (cache_restore 0.9 writes none), writes new bytes
into the cache data LV at every mapped cache block (dirty or not), and
writes on OUT-EXPECTED what an extract of data2 must give: the origin with
exactly the blocks of the dirty cache blocks taken from the cache.

Independent of lvmrescue; the layouts are Linux's:
  drivers/md/dm-cache-metadata.c  struct cache_disk_superblock: csum le32 @0,
      flags @4 (bit 0 CLEAN_SHUTDOWN), blocknr @8, magic le64 06142003 @32,
      version le32 @40, mapping_root le64 @192, data_block_size le32 @232,
      cache_blocks le32 @240, dirty_root le64 @284 (format 2);
  persistent-data/dm-btree-internal.h  node header: csum, flags (1 internal,
      2 leaf), blocknr le64, nr_entries, max_entries, value_size, padding
      (32 bytes), keys[max_entries] le64, then values;
  persistent-data/dm-array.c  array block: csum, max_entries, nr_entries,
      value_size, blocknr le64 (24 bytes), then values; ARRAY_CSUM_XOR
      595846735; BTREE_CSUM_XOR 121107;
  persistent-data/dm-bitset.c  an array of le64 words, bit i of the set is
      bit i % 64 of word i / 64;
  dm_bm_checksum: crc32c (Castagnoli, seed ~0, no final inversion) of the
      block after its csum field, XOR the structure's constant.
Where data2's LVs lie: fixtures/make-cache.py (placement, extent offsets)."""
import struct
import sys


BLOCK = 4096
PE_START, EXTENT = 2048 * 512, 128 * 512
# fixtures/make-cache.py: data (corig 16, cdata 4, cmeta 2), then data2
CORIG, CDATA, CMETA = 22, 38, 42
ORIGIN_EXTENTS = 16
ARRAY_XOR, BTREE_XOR, SB_XOR = 595846735, 121107, 9031977


def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def csum(blk, xor):
    return crc32c(blk[4:]) ^ xor


def at(ext):
    return PE_START + ext * EXTENT


img_path, out_path = sys.argv[1], sys.argv[2]
cblocks = [int(c) for c in sys.argv[3:]]
img = bytearray(open(img_path, "rb").read())
meta = at(CMETA)


def block(b):
    return img[meta + b * BLOCK:meta + (b + 1) * BLOCK]


sb = block(0)
assert struct.unpack_from("<Q", sb, 32)[0] == 0o6142003, "no dm-cache superblock"
assert struct.unpack_from("<I", sb, 0)[0] == csum(sb, SB_XOR), "superblock checksum"
assert struct.unpack_from("<I", sb, 40)[0] == 2, "not metadata version 2"
assert struct.unpack_from("<I", sb, 4)[0] & 1, "not shut down cleanly"
dbs = struct.unpack_from("<I", sb, 232)[0] * 512
nr_cache = struct.unpack_from("<I", sb, 240)[0]
mapping_root, dirty_root = struct.unpack_from("<Q", sb, 192)[0], struct.unpack_from("<Q", sb, 284)[0]


def array_blocks(root):
    """[(array index, metadata block)] of the dm-array whose btree is at root."""
    node = block(root)
    assert struct.unpack_from("<I", node, 0)[0] == csum(node, BTREE_XOR), "btree checksum"
    flags, _, nr, mx, vs = struct.unpack_from("<IQIII", node, 4)
    assert vs == 8
    out = []
    for i in range(nr):
        key = struct.unpack_from("<Q", node, 32 + 8 * i)[0]
        val = struct.unpack_from("<Q", node, 32 + 8 * mx + 8 * i)[0]
        out += array_blocks(val) if flags & 1 else [(key, val)]
    return out


def values(root):
    vals = {}
    for idx, b in array_blocks(root):
        blk = block(b)
        assert struct.unpack_from("<I", blk, 0)[0] == csum(blk, ARRAY_XOR), "array checksum"
        mx, nr, vs, bnr = struct.unpack_from("<IIIQ", blk, 4)
        assert vs == 8 and bnr == b
        for i in range(nr):
            vals[idx * mx + i] = (b, 24 + 8 * i, struct.unpack_from("<Q", blk, 24 + 8 * i)[0])
    return vals


mappings = {c: v >> 16 for c, (_, _, v) in values(mapping_root).items()
            if v & 1 and c < nr_cache}
for c in cblocks:
    assert c in mappings, "cache block %d is not mapped" % c
# the dirty bitset: set the bits, recompute each changed block's checksum
words = values(dirty_root)
# cache_restore leaves the bits of unmapped blocks set (meaningless: no
# valid mapping) and those of its clean mappings clear
for c in mappings:
    assert not (words[c // 64][2] >> (c % 64)) & 1, "cache block %d already dirty" % c
touched = set()
for c in cblocks:
    b, off, _ = words[c // 64]
    o = meta + b * BLOCK + off
    w = struct.unpack_from("<Q", img, o)[0] | (1 << (c % 64))
    struct.pack_into("<Q", img, o, w)
    touched.add(b)
for b in touched:
    o = meta + b * BLOCK
    struct.pack_into("<I", img, o, csum(img[o:o + BLOCK], ARRAY_XOR))
# new bytes in every mapped cache block: only the dirty ones may show
for c in mappings:
    o = at(CDATA) + c * dbs
    img[o:o + dbs] = (b"cache block %d of data2, newer than its origin block|" % c) \
        .ljust(64, b".") * (dbs // 64)
want = bytearray(img[at(CORIG):at(CORIG) + ORIGIN_EXTENTS * EXTENT])
for c in cblocks:
    ob = mappings[c]
    want[ob * dbs:(ob + 1) * dbs] = img[at(CDATA) + c * dbs:at(CDATA) + (c + 1) * dbs]
open(img_path, "wb").write(img)
open(out_path, "wb").write(want)
print(" ".join("%d:%d" % (c, mappings[c]) for c in cblocks))
