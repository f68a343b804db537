#!/usr/bin/env python3
"""Crafts the hostile image of issue 17 item 2 from a real-LVM2 PV.

usage: craft_mda.py FILE [MIB]   (rewrites FILE in place)

The PV's label and its first metadata area header get a 30 MiB (or MIB
MiB) area size at 4096, running over pe_start (1 MiB) and the first LV's
data, with valid checksums computed here by an independent CRC (zlib's,
not the project's): a planner that trusts the listed size would write into
LV data. Used by tests/tui/hostile-cli.sh on a whole image, by
tests/fuzz/make-seeds.py on the fuzz seeds (a PV cut after its first
non-zero sectors) and by tests/repair/test_crash.c (an area that runs past
the device, and one that ends inside it).
"""
import struct
import sys
import zlib

INIT = 0xf597a6cf
SECTOR = 512
MDA_AT = 4096
HOSTILE_SIZE = 30 << 20


def lvm_crc(data):
    """LVM2's CRC-32: zlib's without its pre/post inversion."""
    return (~zlib.crc32(data, ~INIT & 0xffffffff)) & 0xffffffff


def mda_over_data(buf, size=HOSTILE_SIZE):
    """buf (a PV from its first byte) with the area at 4096 listed as
    size bytes (30 MiB) in the label and in the header, checksums resealed.
    Raises ValueError when buf is not such a PV."""
    b = bytearray(buf)
    try:
        l = next(s * SECTOR for s in range(4) if b[s * SECTOR:s * SECTOR + 8] == b"LABELONE")
    except StopIteration:
        raise ValueError("no LVM2 label in sectors 0..3")
    # the label's lists: data areas, a null entry, metadata areas
    d = l + 32 + 40
    while struct.unpack_from("<QQ", b, d) != (0, 0):
        d += 16
    d += 16
    if struct.unpack_from("<Q", b, d)[0] != MDA_AT:
        raise ValueError("the first metadata area is not at 4096")
    struct.pack_into("<Q", b, d + 8, size)
    struct.pack_into("<I", b, l + 16, lvm_crc(bytes(b[l + 20:l + SECTOR])))
    h = MDA_AT
    if struct.unpack_from("<Q", b, h + 24)[0] != MDA_AT:
        raise ValueError("the header at 4096 does not start there")
    struct.pack_into("<Q", b, h + 32, size)
    struct.pack_into("<I", b, h, lvm_crc(bytes(b[h + 4:h + SECTOR])))
    return bytes(b)


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and not sys.argv[2].isdigit()):
        sys.stderr.write("usage: craft_mda.py FILE [MIB]\n")
        return 2
    size = int(sys.argv[2]) << 20 if len(sys.argv) == 3 else HOSTILE_SIZE
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    try:
        data = mda_over_data(data, size)
    except ValueError as e:
        sys.stderr.write("craft_mda.py: %s: %s\n" % (sys.argv[1], e))
        return 1
    with open(sys.argv[1], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
