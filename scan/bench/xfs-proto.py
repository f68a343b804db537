#!/usr/bin/env python3
"""Prints a mkfs.xfs protofile (xfs_protofile's format: mkfs.xfs -p) that
puts the tree under DIR into a new XFS: directories and regular files,
owned by root, modes 755 and 644. For bench-extfs.sh -t xfs.

usage: xfs-proto.py DIR
"""
import os
import sys


def walk(path, depth):
    pad = " " * depth
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isdir(full):
            print("%s%s d--755 0 0" % (pad, name))
            walk(full, depth + 1)
            print("%s$" % pad)
        else:
            print("%s%s ---644 0 0 %s" % (pad, name, full))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print("/dev/null")
    print("0 0")
    print("d--755 0 0")
    walk(sys.argv[1], 1)
    print("$")


if __name__ == "__main__":
    main()
