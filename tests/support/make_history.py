#!/usr/bin/env python3
"""Writes an image of N versions of one VG, as LVM2 archive files of years
leave in a filesystem: each version is SRC (tests/data/many-lvs.backup, a
real vgcfgbackup of VG manyvg: 60 LVs of one extent, LV i on extent i-1
of a PV of 63 extents) with seqno 1..N, one every 28 KiB, then 1 MiB of
zeros. MODE:
  plain  every version as SRC;
  moved  the newest 10 have every LV 3 extents further, as after a pvmove;
  churn  every write removes one LV and creates another: version i holds
         lv(i)..lv(i+59), LV k on extent k mod 63 (UUIDs made from k).
  grow   lv1 is 2560 extents (10 GiB) in odd seqnos, 2561 in even ones, on
         extents 63 on of a PV of 2663: sizes a report rounding to 0.1 GiB
         prints alike.
Used by tests/scan/long-history.sh and scan/bench/bench-history.sh.

usage: make_history.py SRC N OUT [MODE]"""
import hashlib
import re
import sys

A = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def uuid(k):
    s = ''.join(A[b % 62] for b in hashlib.sha256(str(k).encode()).digest()[:32])
    return '-'.join([s[0:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:32]])


def lv(k):
    return ('\t\tlv%d {\n\t\t\tid = "%s"\n\t\t\tstatus = ["READ", "WRITE", "VISIBLE"]\n'
            '\t\t\tflags = []\n\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {\n'
            '\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 1\n\n\t\t\t\ttype = "striped"\n'
            '\t\t\t\tstripe_count = 1\n\n\t\t\t\tstripes = [\n\t\t\t\t\t"pv0", %d\n'
            '\t\t\t\t]\n\t\t\t}\n\t\t}\n') % (k, uuid(k), k % 63)


def grown(src, extents):
    """SRC with its PV 2663 extents long and lv1 `extents` long from extent 63."""
    t = src.replace(b'pe_count = 63', b'pe_count = 2663')
    t = t.replace(b'dev_size = 524288', b'dev_size = %d' % (2048 + 2663 * 8192))
    t = t.replace(b'extent_count = 1\t# 4 Megabytes', b'extent_count = %d' % extents, 1)
    return t.replace(b'"pv0", 0\n', b'"pv0", 63\n', 1)


def main():
    src, n, out = open(sys.argv[1], 'rb').read(), int(sys.argv[2]), sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else 'plain'
    assert src.count(b'seqno = 61') == 1 and mode in ('plain', 'moved', 'churn', 'grow')
    moved = re.sub(rb'"pv0", (\d+)\n', lambda m: b'"pv0", %d\n' % (int(m.group(1)) + 3), src)
    text = src.decode()
    head = text[:text.index('\tlogical_volumes {\n')]
    after = text[text.rindex('\n}\n') + 3:]
    with open(out, 'wb') as f:
        for i in range(n):
            if mode == 'churn':
                t = (head + '\tlogical_volumes {\n' + ''.join(lv(k) for k in range(i, i + 60)) +
                     '\t}\n\n}\n' + after).encode()
            elif mode == 'grow':
                t = grown(src, 2560 + i % 2)
            else:
                t = moved if mode == 'moved' and i >= n - 10 else src
            f.write(t.replace(b'seqno = 61', b'seqno = %d' % (i + 1)).ljust(28672, b'\0'))
        f.write(b'\0' * (1 << 20))


main()
