#!/usr/bin/env bash
# Interop: --restore --output DIR on a file system that is (nearly) full.
# The fixture second-mda-only has metadata area 1 zeroed, so its sparse copy
# has holes where the restore writes the rebuilt area. DIR is a small tmpfs,
# made larger 4 KiB at a time; at every size the run either succeeds (and
# real LVM2 reads the restored version from the copy) or fails naming a
# file, with nothing left in DIR: no partial set of copies (a second run
# would refuse them as existing) and no copy written half-way (the undo
# file's space and the holes the writes fill are reserved before the
# first write). The originals never change.
#
# usage: restore-full.sh LVMREPAIR FIXTURES_DIR
# Needs root, losetup, lvm2 and tmpfs mounts; otherwise prints
# "SKIPPED: ..." and exits 77.
set -u
source "$(dirname "$0")/../../support/interop.sh"
lr_init restore_full "$1" "$2"
lr_need mount umount
lr_fixture second-mda-only
# A second image, copied first: a run that fails on disk.img has made its
# copy already.
gzip -dc "$LR_FIX/label-zeroed/disk.img.gz" >"$LR_TMP/orig/a-other.img" || lr_fail "gzip"
cp --sparse=always "$LR_TMP/orig/a-other.img" "$LR_TMP/work/a-other.img" || lr_fail "cp"
DIR=$LR_TMP/full
mkdir -p "$DIR"
mounted=
full_cleanup() {
    [ -n "$mounted" ] && umount "$DIR" 2>/dev/null
    lr_cleanup
}
trap full_cleanup EXIT

# mount_size KIB: a fresh tmpfs of that size on DIR.
mount_size() {
    [ -n "$mounted" ] && { umount "$DIR" || lr_fail "umount $DIR"; }
    mounted=
    mount -t tmpfs -o "size=$1k" lr-full "$DIR" 2>/dev/null || lr_skip "cannot mount a tmpfs"
    mounted=1
}

# check_lvm: real LVM2 reads vgm2 at seqno 11 from the copies in DIR.
check_lvm() {
    lr_attach "$DIR/a-other.img"
    lr_attach "$DIR/disk.img"
    local s
    s=$(lr_vg_seqno vgm2)
    [ "$s" = 11 ] || lr_fail "$1: vgs: vgm2 at seqno '$s' in the copy, expected 11"
    lr_lvm vgck vgm2 || lr_fail "$1: vgck vgm2 failed: $LR_OUT"
    lr_no_warnings "$1: vgck vgm2"
    lr_detach_all
}

# sweep FROM TO MIN_OK [--undo FILE]: one run per size; at least one run
# fails and at least MIN_OK succeed.
sweep() {
    local from=$1 to=$2 min_ok=$3 k out rc ok=0 failed=0
    shift 3
    for k in $(seq "$from" 4 "$to"); do
        mount_size "$k"
        [ $# -gt 0 ] && rm -f "$2"
        out=$("$LR_BIN" --restore seqno=10 --vg vgm2 --yes --output "$DIR" "$@" \
            "$LR_TMP/work/a-other.img" "$LR_TMP/work/disk.img" 2>&1)
        rc=$?
        lr_same_as_orig "a run into $k KiB"
        if [ $rc -eq 0 ]; then
            [ $ok -eq 0 ] && check_lvm "$k KiB"
            ok=$((ok + 1))
            continue
        fi
        failed=$((failed + 1))
        [ $rc -eq 2 ] || lr_fail "$k KiB: exit $rc, expected 2: $out"
        printf '%s\n' "$out" | grep -q "$DIR/disk.img" ||
            lr_fail "$k KiB: the failure names no file in $DIR: $out"
        printf '%s\n' "$out" | grep -q "No space left on device" ||
            lr_fail "$k KiB: the failure does not say the file system is full: $out"
        [ -z "$(ls -A "$DIR")" ] ||
            lr_fail "$k KiB: failed run left $(ls -A "$DIR" | tr '\n' ' ')in $DIR: $out"
        [ $# -gt 0 ] && [ -e "$2" ] && lr_fail "$k KiB: failed run left the undo file $2"
    done
    [ $failed -gt 0 ] && [ $ok -ge "$min_ok" ] ||
        lr_fail "sizes $from..$to KiB: $failed failed, $ok succeeded; expected both"
    echo "ok: $from..$to KiB${1:+ ($*)}: $failed runs refused leaving nothing, $ok restored"
}

# The copies do not fit: none of them stays.
sweep 4 40 0
# The copy fits, the undo file (in DIR, the default) may not.
sweep 32 160 1
# The undo file elsewhere: only the holes the writes fill may not fit.
sweep 32 100 1 --undo "$LR_TMP/undo"
echo "PASSED: restore_full"
