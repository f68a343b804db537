#!/usr/bin/env python3
"""raid-scan.py JSON FIXDIR COMPARED PV... - checks lvmscan --json's "raid"
entries of fixtures/raid against what is computed here, independently of
lvmrescue: the LVs and their images from LVM2's own report
(truth/lvs.json: segtype, devices; /dev/loopN held pvN), which images are
missing given the PVs scanned (and "error" images), whether the data is
readable from the redundancy of each type (table below, after dm-raid.c),
the _rmeta superblocks decoded here (dm-raid.c struct dm_raid_superblock:
magic "DmRd" at 0, failed_devices le64 at 24, disk_recovery_offset at 32,
array_resync_offset at 40) and, when COMPARED is 1, raid1's legs compared
byte by byte from the images (pe_start 2048 sectors, extent 128 sectors:
fixtures/lvdata.py)."""
import gzip
import json
import re
import struct
import sys

PE_START, EXTENT = 2048 * 512, 128 * 512
doc = json.load(open(sys.argv[1]))
fix = sys.argv[2]
compared = sys.argv[3] == "1"
given = {int(p) for p in sys.argv[4:]}
imgs = {p: gzip.open("%s/pv%d.img.gz" % (fix, p)).read() for p in given}
lvs = {e["lv_name"].strip("[]"): e for e in
       json.load(open(fix + "/truth/lvs.json"))["report"][0]["lv"]}


def where(name):
    """(pv, extent) of a linear sub-LV, None for an error segment."""
    e = lvs[name]
    if e["segtype"] == "error":
        return None
    m = re.fullmatch(r"/dev/loop(\d+)\((\d+)\)", e["devices"])
    return int(m.group(1)), int(m.group(2))


def read(name, length):
    pv, ext = where(name)
    off = PE_START + ext * EXTENT
    return imgs[pv][off:off + length]


def redundancy_lost(segtype, missing, n):
    if segtype == "raid1":
        return n - 1, len(missing) == n
    if segtype.startswith("raid0"):
        return 0, len(missing) > 0
    if segtype == "raid10":  # near, 2 copies: images (2k, 2k+1) hold the same chunks
        return 1, any(2 * k in missing and 2 * k + 1 in missing for k in range(n // 2))
    parity = 2 if segtype.startswith("raid6") else 1
    return parity, len(missing) > parity


def sb(meta):
    w = where(meta)
    if w is None or w[0] not in given:
        return None
    raw = read(meta, 512)
    if raw[:4] != b"DmRd":
        return None
    failed, recovery, resync = struct.unpack_from("<QQQ", raw, 24)
    return failed, recovery, resync


d = [v for v in doc["vgs"] if v["name"] == "raidvg"][0]
latest = [v for v in d["versions"] if v["seqno"] == d["latest_seqno"]][0]
assert latest["raid_checked"], "latest version not checked"
got = {e["lv"]: e for e in latest["raid"]}
want_lvs = [n for n, e in lvs.items() if e["segtype"].startswith("raid")]
assert sorted(got) == sorted(want_lvs), (sorted(got), sorted(want_lvs))
for v in d["versions"]:
    assert v["raid_checked"] or v["raid"] == [], v["seqno"]
errors = []
for name in want_lvs:
    e, g = lvs[name], got[name]
    images = [x.split("(")[0] for x in e["devices"].split(",")]
    n = len(images)
    missing = {i for i, im in enumerate(images) if where(im) is None or where(im)[0] not in given}
    red, lost = redundancy_lost(e["segtype"], missing, n)
    state = "whole" if not missing else ("unreadable" if lost else "degraded")
    exp = {"segtype": e["segtype"], "images": n, "missing": len(missing), "state": state,
           "redundancy": red}
    for k, val in exp.items():
        if g[k] != val:
            errors.append("%s: %s is %r, expected %r" % (name, k, g[k], val))
    if [x["lv"] for x in g["legs"]] != images:
        errors.append("%s: legs %r" % (name, [x["lv"] for x in g["legs"]]))
        continue
    sbs = [sb(name + "_rmeta_%d" % i) if not e["segtype"] == "raid0" else None for i in range(n)]
    resync = [s[2] for s in sbs if s and s[2] != 2**64 - 1]
    want_resync = min(resync) if resync else None
    if g["resync_offset"] != want_resync:
        errors.append("%s: resync_offset %r, expected %r" % (name, g["resync_offset"], want_resync))
    for i, leg in enumerate(g["legs"]):
        failed = any(s and (s[0] >> i) & 1 for s in sbs)
        if leg["missing"] != (i in missing) or leg["failed"] != bool(failed):
            errors.append("%s: leg %d: %r" % (name, i, leg))
        own = sbs[i]
        rec = own[1] if own and own[1] != 2**64 - 1 and not (own[0] >> i) & 1 else None
        if leg["recovery_offset"] != rec:
            errors.append("%s: leg %d recovery_offset %r, expected %r"
                          % (name, i, leg["recovery_offset"], rec))
        if leg["superblock"] != (sbs[i] is not None):
            errors.append("%s: leg %d superblock %r" % (name, i, leg["superblock"]))
        if leg["missing"] and not leg["why"]:
            errors.append("%s: leg %d missing without a reason" % (name, i))
    cmp = g["leg_compare"]
    if e["segtype"] != "raid1" or not compared:
        if cmp is not None:
            errors.append("%s: legs compared: %r" % (name, cmp))
        continue
    if cmp is None:
        errors.append("%s: legs not compared" % name)
        continue
    size = int(e["lv_size"].rstrip("B"))
    readable = [im for i, im in enumerate(images) if i not in missing]
    if len(readable) < 2:
        if cmp["done"]:
            errors.append("%s: compared with fewer than two legs" % name)
        continue
    data = [read(im, size) for im in readable]
    ranges, differ = [], 0
    for o in range(0, size, 512):
        if any(x[o:o + 512] != data[0][o:o + 512] for x in data[1:]):
            differ += 512
            if ranges and ranges[-1][0] + ranges[-1][1] == o:
                ranges[-1][1] += 512
            else:
                ranges.append([o, 512])
    want = {"done": True, "legs": len(readable), "bytes": size, "differ": differ,
            "ranges": [{"offset": a, "length": b} for a, b in ranges], "more_ranges": False}
    for k, val in want.items():
        if cmp[k] != val:
            errors.append("%s: leg_compare %s is %r, expected %r" % (name, k, cmp[k], val))
    if differ == 0 and name == "r1":
        errors.append("r1: the fixture's split brain was not seen by the independent compare")
if errors:
    print("\n".join(errors))
    sys.exit(1)
