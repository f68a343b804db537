#!/usr/bin/env bash
# Makes a realistic many-LV image with REAL LVM2 on a loop device, for
# measuring the scan of single-piece .xz / .zst images (kept ranges,
# docs/image-formats.md): one PV (default 1 MiB metadata area) of SIZE MiB
# holding a VG of about N LVs of 4-12 MiB, made, removed, extended and made
# again so that the ring holds many versions of different layouts; ext4,
# XFS (on a 300 MiB LV: mkfs.xfs refuses smaller), swap and (in every 25th
# LV, of 20 MiB) LUKS2 headers written into some LVs (through a loop device
# over the LV's extents, `losetup -o OFF --sizelimit LEN`), 2 MiB of random
# "data" 1 MiB into others, the rest left empty (zeros).
#
# RANDOM_HEADS=K in the environment also overwrites the first MiB and the
# last 512 KiB of K of the LVs left empty (one segment each: all that the
# evidence probes of them) with random bytes, like encrypted or compressed
# data: more than the 8 MiB of kept ranges could hold (the probe of the
# stream, docs/image-formats.md).
#
# usage (as root): scan/bench/make-many-lvs.sh OUT.img [SIZE_MIB (2048)] [N (100)] [VG (keepzvg)]
# Needs lvm2, e2fsprogs, xfsprogs, util-linux (mkswap), cryptsetup-bin
# (optional), openssl or /dev/urandom. The image is not committed: it is
# rebuilt by this script (the figures in docs/image-formats.md).
set -euo pipefail

OUT=${1:?usage: $0 OUT.img [SIZE_MIB] [N] [VG]}
SIZE_MIB=${2:-2048}
N=${3:-100}
VG=${4:-keepzvg}
export LVM_SUPPRESS_FD_WARNINGS=1

rm -f "$OUT"
truncate -s "${SIZE_MIB}M" "$OUT"
L=$(losetup -f --show "$OUT")
SUB=
cleanup() {
    [ -n "$SUB" ] && losetup -d "$SUB" 2>/dev/null || true
    losetup -d "$L" 2>/dev/null || true
}
trap cleanup EXIT
CFG="global{activation=0} backup{backup=0 archive=0} devices{use_devicesfile=0 obtain_device_list_from_udev=0 filter=[\"a|^$L\$|\",\"r|.*|\"]}"
lvm_() { "$@" --config "$CFG" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; }

lvm_ pvcreate -y "$L"
lvm_ vgcreate -s 4M "$VG" "$L"

# round 1: N LVs of 4-12 MiB, one 300 MiB LV for XFS
lvm_ lvcreate -an -Zn -y -L 300M -n xfs0 "$VG"
for i in $(seq 1 "$N"); do
    size=$(( 4 + (i * 5) % 9 ))
    [ $(( i % 25 )) -eq 3 ] && size=20 # LUKS2: its 16 MiB header (random keyslot area) fits
    lvm_ lvcreate -an -Zn -y -L ${size}M -n "lv$i" "$VG"
done
# history: remove every 9th LV, extend every 7th (a second segment), make
# a few new ones in the freed space
for i in $(seq 9 9 "$N"); do lvm_ lvremove -y "$VG/lv$i"; done
for i in $(seq 7 7 "$N"); do
    [ $(( i % 9 )) -eq 0 ] && continue
    lvm_ lvextend -y -L +4M "$VG/lv$i"
done
for i in $(seq 1 $(( N / 9 ))); do
    lvm_ lvcreate -an -Zn -y -L 12M -n "new$i" "$VG"
done

# the LVs' first extents on the PV, to write into them
PE_START=$(pvs --config "$CFG" --noheadings --units b --nosuffix -o pe_start "$L" | tr -d ' ')
EXT=$(( 4 << 20 ))
first_off() { # LV -> byte offset of its first extent and its first segment's length
    lvs --config "$CFG" --noheadings --units b --nosuffix -o seg_pe_ranges,seg_size "$VG/$1" |
        head -1 | awk -v ps="$PE_START" -v ext="$EXT" '{
            split($1, a, ":"); split(a[2], r, "-");
            printf "%d %d\n", ps + r[1] * ext, $2 }'
}
on_lv() { # LV CMD...: runs CMD on a loop device over the LV's first segment
    local lv=$1 off len
    shift
    read -r off len < <(first_off "$lv")
    SUB=$(losetup -f --show -o "$off" --sizelimit "$len" "$OUT")
    "$@" "$SUB" >/dev/null 2>&1 || echo "note: $* failed on $lv" >&2
    losetup -d "$SUB"
    SUB=
}
rand() { # KiB of random bytes to stdout
    if command -v openssl >/dev/null; then
        head -c $(( $1 << 10 )) < <(openssl enc -aes-128-ctr -nosalt -pass pass:"$RANDOM" \
            -in /dev/zero 2>/dev/null)
    else
        head -c $(( $1 << 10 )) /dev/urandom
    fi
}

on_lv xfs0 mkfs.xfs -q -f
for i in $(seq 1 "$N"); do
    [ $(( i % 9 )) -eq 0 ] && continue
    if [ $(( i % 25 )) -eq 3 ]; then
        if command -v cryptsetup >/dev/null; then
            on_lv "lv$i" sh -c 'echo -n pw | cryptsetup luksFormat -q --type luks2 \
                --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file - "$0"'
        fi
        continue
    fi
    case $(( i % 6 )) in
    1) on_lv "lv$i" mkfs.ext4 -q -F -L "fs$i" ;;
    2) on_lv "lv$i" mkswap -L "sw$i" ;;
    4) read -r off len < <(first_off "lv$i")
       rand 2048 | dd of="$OUT" bs=1M seek=$(( (off >> 20) + 1 )) conv=notrunc status=none ;;
    *) # empty, or random at both ends (RANDOM_HEADS)
       [ "${RANDOM_HEADS:-0}" -gt 0 ] && [ $(( i % 7 )) -ne 0 ] || continue
       RANDOM_HEADS=$(( RANDOM_HEADS - 1 ))
       read -r off len < <(first_off "lv$i")
       rand 1024 | dd of="$OUT" bs=1M seek=$(( off >> 20 )) conv=notrunc status=none
       rand 512 | dd of="$OUT" bs=512K seek=$(( (off + len) / (512 << 10) - 1 )) conv=notrunc \
           status=none ;;
    esac
done
vgs --config "$CFG" --noheadings -o vg_name,vg_seqno,lv_count,vg_free "$VG" >&2
