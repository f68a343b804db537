# Scan engine (scan/): fixture parity with LVM2's pvck, VG assembly, damaged
# and hostile input, images that cannot be opened or read whole, malformed VG
# ids, uncommitted copies (test_scan), and the lvmscan program's output, JSON
# validity, messages and exit codes (lvmscan-cli, tests/scan/test-cli.sh).
lr_add_test(test_scan test_scan.c LIBS lrscan)
target_compile_definitions(test_scan PRIVATE
  LR_FUZZ_REGRESSIONS="${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions"
  LR_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data")
set_tests_properties(test_scan PROPERTIES TIMEOUT 600)

add_test(NAME lvmscan-cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test-cli.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-cli PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

# The damaged-image corpus and the documented limits.
include(${CMAKE_CURRENT_LIST_DIR}/damaged.cmake)

# The error contract of lr/scan.h: failing calls with a NULL error record.
lr_add_test(test_scan_contract test_scan_contract.c LIBS lrscan)

# scan's LV mapper (lr/lvmap.h) on a hand-made VG over in-memory PVs.
lr_add_test(test_lvmap test_lvmap.c LIBS lrscan)

# lr_scan_pv_moved_to (a PV moved to another VG) on hand-built scan results.
lr_add_test(test_moved test_moved.c LIBS lrscan)

# The diff engine (lr/diff.h) on the history fixture.
lr_add_test(test_diff test_diff.c LIBS lrscan)

# The JSON diff read back by a real JSON parser.
find_program(LR_PYTHON3 python3)
if(LR_PYTHON3)
  add_test(NAME diff_json_python
           COMMAND sh -c "\"$1\" --json \"$2\" 1 16 | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); k=[(c[\"object\"],c[\"kind\"],c[\"name\"]) for c in d[\"changes\"]]; assert d[\"old\"][\"seqno\"]==1 and d[\"new\"][\"seqno\"]==16, d; assert (\"lv\",\"added\",\"data\") in k, k; print(len(k), \"changes parsed\")'"
                   sh $<TARGET_FILE:test_diff> ${LR_FIXTURES}/history/disk.img.gz ${LR_PYTHON3})
endif()

# Thin pools: LVM2's transaction_id next to the pool metadata's (fixtures/thin).
add_test(NAME lvmscan-thin
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-scan.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
# Their space maps: ref counts, allocated and shared blocks as thin_rmap,
# thin_check and thin_dump say (SKIPPED without thin-provisioning-tools).
add_test(NAME lvmscan-thin-spacemap
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-spacemap.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES}
                 $<TARGET_FILE:lvmrepair>)
set_tests_properties(lvmscan-thin-spacemap PROPERTIES SKIP_RETURN_CODE 77)

# Container and compressed images (fixtures/formats, made by qemu-img,
# ewfacquire, xz, zstd and split): our readers give back the bytes the
# formats' own tools do, lvmscan finds in each exactly what it finds in the
# raw image, bad ones are named with exit 2 while the others are scanned,
# and restores go to --output copies only (tests/scan/formats.sh).
add_executable(lr_cat ${LR_TEST_SUPPORT}/lr_cat.c)
target_link_libraries(lr_cat PRIVATE lrcore)
set_target_properties(lr_cat PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME image-formats
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/formats.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> $<TARGET_FILE:lr_cat> ${LR_FIXTURES})
set_tests_properties(image-formats PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
# The variants real tools write of each container format (qcow2 versions,
# cluster sizes, compression, chains over qcow2 and raw backing files;
# VMDK subformats; VHD/VHDX; EWF formats and segment sets; split sets),
# made at test time with qemu-img, qemu-io, ewfacquire and split: read as
# the tools read them back, or refused by name (tests/scan/formats-variants.sh).
add_test(NAME image-formats-variants
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/formats-variants.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lr_cat> ${LR_FIXTURES})
set_tests_properties(image-formats-variants PROPERTIES TIMEOUT 900 SKIP_RETURN_CODE 77)
# Compressed images as gzip, pigz, bgzip, xz, pixz, zstd and pzstd make them
# with their options (windows, blocks, checks, frames, cuts), made at test
# time: read as the raw image, or named (tests/scan/compressed-variants.sh).
# Peak RSS is checked but in a sanitizer build (its shadow memory counts).
if(LR_SANITIZE)
  set(LR_VARIANTS_RSS no-rss)
else()
  set(LR_VARIANTS_RSS rss)
endif()
add_test(NAME image-compressed-variants
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/compressed-variants.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lr_cat> ${LR_FIXTURES} ${LR_VARIANTS_RSS})
set_tests_properties(image-compressed-variants PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
# A .zst whose later frame needs a larger window than its first: noted, or
# past the memory limit (ulimit -v) not decoded, saying why
# (tests/scan/zstd-later-window.sh).
add_test(NAME zstd-later-window
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/zstd-later-window.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lr_cat> ${LR_FIXTURES})
set_tests_properties(zstd-later-window PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
# A VHD whose footer or header checksum is wrong (one reserved byte of
# qemu-img's files flipped at test time) is scanned as the clean one and
# warned about, where qemu-img refuses it (tests/scan/vhd-checksum.sh).
add_test(NAME vhd-checksum COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/vhd-checksum.sh
                                   $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(vhd-checksum PROPERTIES SKIP_RETURN_CODE 77)
# Single-piece .xz and .zst images whose reads after the stream are served
# from the ranges the scan asked the reader to keep (lr_io_keep): lvmscan
# finds in them what it finds in the raw image (tests/scan/keep.sh).
add_test(NAME image-keep
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/keep.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(image-keep PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Evidence (lr/evidence.h) through lvmscan against the real tools' truth
# (fixtures/evidence, made by fixtures/make-evidence.sh).
add_test(NAME lvmscan-evidence
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test-evidence.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES} $<TARGET_FILE:lvmrepair>)
set_tests_properties(lvmscan-evidence PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# The recommendation's content ranking (scan/src/evidence_rec.c) on
# evidence trees built by hand: own signature, none, a later LV's, a
# filesystem the restore truncates; grades before the events' age.
lr_add_test(test_evidence_rank test_evidence_rank.c LIBS lrscan)
target_include_directories(test_evidence_rank PRIVATE ${CMAKE_SOURCE_DIR}/scan/src)
# Remapped ranges (evidence_remap.c) on histories written by hand.
lr_add_test(test_evidence_remap test_evidence_remap.c LIBS lrscan)
target_include_directories(test_evidence_remap PRIVATE ${CMAKE_SOURCE_DIR}/scan/src)
# The evidence's string pool (evidence_pool.c): one string per distinct
# value, shared by the LVs of every version of the evidence fixture.
lr_add_test(test_evidence_pool test_evidence_pool.c LIBS lrscan)
target_include_directories(test_evidence_pool PRIVATE ${CMAKE_SOURCE_DIR}/scan/src)

# The probe of the stream (evidence_early.c): the evidence fixtures as a
# single-frame .zst and a single-block .xz give every LV the raw image's
# content, every layout probed as the image streams by.
lr_add_test(test_evidence_stream test_evidence_stream.c LIBS lrscan)
target_include_directories(test_evidence_stream PRIVATE ${CMAKE_SOURCE_DIR}/scan/src)
set_tests_properties(test_evidence_stream PROPERTIES TIMEOUT 300)

# The streaming loop: signatures across every buffer boundary (raw and lazy
# gzip), an image that shrinks or fails to read midway (test_stream).
lr_add_test(test_stream test_stream.c LIBS lrscan PkgConfig::ZLIB)


# The diff at every depth: nested sections, segment settings, renames of
# LVs other LVs name, and the property test over random edits of real texts.
lr_add_test(test_diff_deep test_diff_deep.c LIBS lrscan)

# LV counts equal LVM2's lv_count on a VG with old-style snapshots (loaded
# with vgcfgrestore --force on a loop device). Needs root, losetup, lvm2;
# prints "SKIPPED: lvcount-interop (reason)" and exits 77 without them.
add_test(NAME lvcount-interop
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/lvcount-interop.sh $<TARGET_FILE:lvmscan>)
set_tests_properties(lvcount-interop PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)

# Status words against LVM2's own view: fixtures/restored (a vgcfgrestore
# made by real LVM2) is "abandoned_versions" with the committed seqno
# LVM2's vgs reports (truth/vgs.json), never "conflicts".
find_program(LR_PYTHON3_ST python3)
if(LR_PYTHON3_ST)
  add_test(NAME status-restored
           COMMAND sh -c "\"$1\" --json \"$2/restored/disk.img.gz\" | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); t=json.load(open(sys.argv[1])); want=int(t[\"report\"][0][\"vg\"][0][\"vg_seqno\"]); v=d[\"vgs\"][0]; assert v[\"status\"]==[\"abandoned_versions\"], v[\"status\"]; assert v[\"committed_seqno\"]==want, (v[\"committed_seqno\"], want); assert v[\"max_seqno\"]>want; print(\"abandoned_versions, committed seqno\", want, \"as LVM2\")' \"$2/restored/truth/vgs.json\""
                   sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES} ${LR_PYTHON3_ST})
endif()
# fixtures/interrupted (LVM2's own lvcreate stopped by strace between the text
# and the header write): interrupted_write exactly there, against pvck and vgs.
add_test(NAME status-interrupted
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/status-interrupted.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(status-interrupted PROPERTIES SKIP_RETURN_CODE 77)
# fixtures/reinit (pvcreate -ff + vgcreate by real LVM2 over oldvg's PV):
# oldvg is "superseded" by the VG LVM2 now reports there (truth/vgs.json),
# newvg stays "consistent".
if(LR_PYTHON3_ST)
  add_test(NAME status-reinit
           COMMAND sh -c "\"$1\" --json \"$2/reinit/disk.img.gz\" | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); t=json.load(open(sys.argv[1])); now=t[\"report\"][0][\"vg\"][0][\"vg_name\"]; v={x[\"name\"]:x for x in d[\"vgs\"]}; assert v[\"oldvg\"][\"status\"]==[\"superseded\"], v[\"oldvg\"][\"status\"]; assert v[\"oldvg\"][\"superseded_by\"][\"vg\"]==now, v[\"oldvg\"]; assert v[now][\"status\"]==[\"consistent\"] and v[now][\"superseded_by\"] is None; print(\"oldvg superseded by\", now, \"as LVM2 reports\")' \"$2/reinit/truth/vgs.json\""
                   sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES} ${LR_PYTHON3_ST})
endif()
# A VG whose PV moved to another VG by vgsplit + vgmerge, made by real LVM2
# at run time: "superseded" by the VG that holds the PV now, since its
# first version there; vgsplit alone leaves both VGs "consistent".
add_test(NAME status-moved
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/status-moved.sh $<TARGET_FILE:lvmscan>)
set_tests_properties(status-moved PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
# The same story committed as fixtures/moved (make-fixtures.sh moved), checked
# against LVM2's pvs/vgs/pvck view of it; needs no root.
add_test(NAME status-moved-fixture
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/status-moved-fixture.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(status-moved-fixture PROPERTIES SKIP_RETURN_CODE 77)
# A cut-off .gz of fixtures/history: its VG is "image_truncated", never
# "consistent", and the report gives the byte where the image ends.
add_test(NAME status-truncated
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/status-truncated.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(status-truncated PROPERTIES SKIP_RETURN_CODE 77)
# fixtures/header-zeroed (the mda header of a real LVM2 PV zeroed with dd,
# the ring intact): "header_damaged"; fixtures/second-mda-only (all of area
# 1, header and ring, zeroed; area 2 intact): "area_lost". Neither is
# "consistent" any more.
if(LR_PYTHON3_ST)
  foreach(pair "header-zeroed:header_damaged" "second-mda-only:area_lost")
    string(REPLACE ":" ";" p "${pair}")
    list(GET p 0 fx)
    list(GET p 1 want)
    add_test(NAME status-${fx}
             COMMAND sh -c "\"$1\" --json \"$2/${fx}/disk.img.gz\" | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); st=d[\"vgs\"][0][\"status\"]; assert \"${want}\" in st and \"consistent\" not in st, st; print(st)'"
                     sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES} ${LR_PYTHON3_ST})
  endforeach()
endif()
# --no-text-search: only what the headers point at, never intact copies
# listed as fragments, and the counts agree (copies == the VGs' copies).
if(LR_PYTHON3_ST)
  add_test(NAME no-text-search-counts
           COMMAND sh -c "\"$1\" --no-text-search --json \"$2/history/disk.img.gz\" | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); c=d[\"copies\"]; assert all(x[\"found_by\"]!=\"fragment\" for x in c), c; assert len(c)==sum(v[\"copies\"] for v in d[\"vgs\"]), (len(c), d[\"vgs\"]); assert all(x[\"committed\"] and not x[\"partial\"] and x[\"seqno\"]==16 for x in c), c; print(len(c), \"copy, committed seqno 16\")'"
                   sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES} ${LR_PYTHON3_ST})
endif()

# lvmscan --headers on a copy of fixtures/history whose first mda header has
# one flipped byte in raw_locn[0].flags (issue 14 item 4): checksum expected
# vs found, flags by name. lvmscan-headers-pvck compares the same values with
# LVM2's `pvck --dump headers` on a loop device (needs root, losetup, lvm2;
# prints "SKIPPED: lvmscan-headers-pvck (reason)" and exits 77 without them).
add_test(NAME lvmscan-headers
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/headers.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-headers PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# A damaged header still says which copy was committed: tests/scan/header-flip.sh
# (the same flip, LVM2's pvck view of it in fixtures/history/truth/disk.flip-pvck-headers).
add_test(NAME lvmscan-header-flip
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/header-flip.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
set_tests_properties(lvmscan-header-flip PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
add_test(NAME lvmscan-headers-pvck
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/headers.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES} pvck)
set_tests_properties(lvmscan-headers-pvck PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 120)

# Partition-aware PV places (issue 14): fixtures/gpt's PVs named by GPT
# partition number and start sector, a raw image's by none
# (tests/scan/partitions.sh; SKIPPED without libblkid).
add_test(NAME lvmscan-partitions
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/partitions.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES} "$<BOOL:${BLKID_FOUND}>")
set_tests_properties(lvmscan-partitions PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Raid and mirror LVs (fixtures/raid): missing images, failed and
# unsynced images from the dm-raid superblocks, readable degraded or not,
# raid1 legs compared with --check-raid (tests/scan/raid-scan.sh, expected
# values computed by tests/scan/raid-scan.py from LVM2's report and the
# image bytes).
add_test(NAME lvmscan-raid
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/raid-scan.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-raid PROPERTIES TIMEOUT 120)
# whether libext2fs is in the build (core/CMakeLists.txt): the scripts that
# check what an ext filesystem's records give skip without it, by name
get_property(lr_scan_have_ext2fs GLOBAL PROPERTY LR_HAVE_EXT2FS)
# LVM2 backup/archive files inside an image and on the command line (issue
# 15 part 2) on fixtures/backup: versions found by "backup_file", merged with
# the ring's, restorable (dry run), standalone .vg files, a conflict, and
# fragmented files reported partial (needs python3: SKIPPED without).
add_test(NAME lvmscan-backup
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/backup.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES} "$<BOOL:${lr_scan_have_ext2fs}>")
set_tests_properties(lvmscan-backup PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
# The same in an XFS the kernel wrote (fixtures/backup-xfs): files in use
# read by their inodes, whole wherever their blocks lie; one whose inode
# fails its checksum read on, partial (tests/scan/backup-xfs.sh).
add_test(NAME lvmscan-backup-xfs
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/backup-xfs.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES} "$<BOOL:${lr_scan_have_ext2fs}>")
set_tests_properties(lvmscan-backup-xfs PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# Archive files whose inodes lie in sparse inode chunks (fixtures/xfs-sparse:
# inode B+tree records with a hole mask, in both allocation groups): each
# read whole by its inode (tests/scan/backup-xfs-sparse.sh).
add_test(NAME lvmscan-backup-xfs-sparse
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/backup-xfs-sparse.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-backup-xfs-sparse PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# Archive and backup files in XFSs copied while mounted, their inodes only
# in the log (fixtures/xfs-replay): the log replayed in memory, each file
# read whole by its inode as the kernel's replay shows it
# (tests/scan/backup-xfs-replay.sh).
add_test(NAME lvmscan-backup-xfs-replay
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/backup-xfs-replay.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-backup-xfs-replay PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# An ext4 whose journal needs recovery (fixtures/backup-recover): replayed
# in memory, the files in use after it read by their inodes; not replayed
# (its journal damaged): the files as the blocks hold them, said so
# (tests/scan/backup-recover.sh).
add_test(NAME lvmscan-backup-recover
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/backup-recover.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES} "$<BOOL:${lr_scan_have_ext2fs}>")
set_tests_properties(lvmscan-backup-recover PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# A build without the optional libraries (LR_NO_*), configured and built
# here into nolibs/: each container and compressed image is refused naming
# its library; btrfs files compressed with lzo or zstd are counted unread,
# never silently missed (tests/scan/nolibs.sh; needs python3 and cmake).
add_test(NAME build-without-libs
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/nolibs.sh ${CMAKE_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/nolibs $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(build-without-libs PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
# A backup/archive file newer than the disk (fixtures/newer-backup): its
# version is history, never what the disk holds (tests/scan/newer-backup.sh;
# needs python3: SKIPPED without).
add_test(NAME lvmscan-newer-backup
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/newer-backup.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-newer-backup PROPERTIES SKIP_RETURN_CODE 77)
# Two images of one PV at different versions (fixtures/dup-pv): the PV is
# the one holding the newest version, whatever the order of the images
# (tests/scan/dup-pv.sh; needs python3: SKIPPED without).
add_test(NAME lvmscan-dup-pv
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/dup-pv.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-dup-pv PROPERTIES SKIP_RETURN_CODE 77)
# A VG given a new id by vgchange -u (fixtures/newid): the old id's VG is the
# same VG superseded, not a vgmerge/vgsplit destination that LVs moved to, so
# an lvremove after it is still a loss (tests/scan/newid.sh; needs python3).
add_test(NAME lvmscan-newid
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/newid.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-newid PROPERTIES SKIP_RETURN_CODE 77)
# A VG restored by vgcfgrestore and changed again (fixtures/restore-again):
# seqnos written twice; changes and the recommendation follow the order of
# the writes (tests/scan/restore-again.sh; needs python3).
add_test(NAME lvmscan-restore-again
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/restore-again.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-restore-again PROPERTIES SKIP_RETURN_CODE 77)
# A thin LV removed (fixtures/thin, then at run time the pool metadata
# without it by thin_restore and the VG by vgcfgrestore --force): the
# recommendation never says its loss "was reused" (tests/scan/thin-removed.sh;
# root, lvm2, thin-provisioning-tools: SKIPPED without).
add_test(NAME lvmscan-thin-removed
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-removed.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-thin-removed PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
# An interrupted pvmove (real LVM2 at run time: pvmove commits pvmove0
# and stops without device-mapper): its legs are PV areas, present or not,
# never "missing" because they are not image LVs
# (tests/scan/pvmove-interrupted.sh; root, lvm2: SKIPPED without).
add_test(NAME lvmscan-pvmove
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pvmove-interrupted.sh $<TARGET_FILE:lvmscan>)
set_tests_properties(lvmscan-pvmove PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
# A PV with no metadata area (pvcreate --metadatacopies 0, real LVM2 at run
# time): the report says why no VG is found on it alone
# (tests/scan/no-mda.sh; root, lvm2: SKIPPED without).
add_test(NAME lvmscan-no-mda
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/no-mda.sh $<TARGET_FILE:lvmscan>)
set_tests_properties(lvmscan-no-mda PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
# Two VGs of one name (real LVM2 at run time): told apart by id in the
# summary and --brief (tests/scan/same-name.sh; root, lvm2: SKIPPED without).
add_test(NAME lvmscan-same-name
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/same-name.sh $<TARGET_FILE:lvmscan>)
set_tests_properties(lvmscan-same-name PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
# LVM2 backup and archive files written by real LVM2 at run time (root,
# lvm2: SKIPPED without), each script named lvmscan-NAME:
#   btrfs-zstd-cut: a zstd-compressed file in a btrfs (a mount) whose frame
#     starts just before a scan buffer's end is found as elsewhere;
#   archive-prev: of two texts of one seqno only archive files hold, after
#     vgcfgrestore, the next seqno's change is taken from the one it was
#     made from;
#   archive-order: a version in a backup file and an archive file takes
#     its time and description from the backup file, in either order;
#   read-on: deleted backup files in an ext4 without a journal, read on from
#     their first block, make no version LVM2 never wrote.
foreach(name btrfs-zstd-cut archive-prev archive-order read-on)
  add_test(NAME lvmscan-${name}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${name}.sh $<TARGET_FILE:lvmscan>)
  set_tests_properties(lvmscan-${name} PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
# Worker threads (issue 16): lvmscan's report and JSON over many images are
# byte for byte the same with LVMSCAN_JOBS=1 as with several workers
# (tests/scan/jobs.sh).
add_test(NAME lvmscan-jobs
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/jobs.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(lvmscan-jobs PROPERTIES TIMEOUT 300)
# An unfinished pvmove (fixtures/pvmove, real LVM2): its mirror is read from
# the source only; the destination is never read or counted as a copy.
add_test(NAME pvmove-fixture
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pvmove-fixture.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
set_tests_properties(pvmove-fixture PROPERTIES SKIP_RETURN_CODE 77)
# A range reduced away and extended again onto other extents (fixtures/remap,
# real LVM2 step by step): lvmscan's `remapped` for every version against
# what LVM2's own lvs reports give; a filesystem reaching into it warns.
add_test(NAME lvmscan-remap-fixture
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/remap-fixture.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
set_tests_properties(lvmscan-remap-fixture PROPERTIES SKIP_RETURN_CODE 77)
# A PV that left its VG (vgreduce) and was re-initialised into another VG
# (fixtures/oldpv, real LVM2): the older versions' PV is located by its
# metadata area, and their LV's extents are reused by the other VG's LV
# (tests/scan/oldpv-fixture.sh; no root needed).
add_test(NAME oldpv-fixture
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/oldpv-fixture.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(oldpv-fixture PROPERTIES SKIP_RETURN_CODE 77)

# The recommendation against a finished pvmove (stale copies) and a backup
# file newer than the disk (fixtures/moverank, fixtures/remap).
add_test(NAME lvmscan-moverank-fixture
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/moverank-fixture.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES} $<TARGET_FILE:lvmrepair>)
set_tests_properties(lvmscan-moverank-fixture PROPERTIES SKIP_RETURN_CODE 77)
# The ranking against a multi-write command (vgreduce --removemissing) and
# a backup file's LV over lost extents (fixtures/rank).
add_test(NAME lvmscan-rank-fixture
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/rank-fixture.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-rank-fixture PROPERTIES SKIP_RETURN_CODE 77)

# A long history (40 versions of a 60-LV VG, one LV removed and one created
# by each write): every version found, and each restore's "also undoes"
# lists the first 12 later changes and counts the rest (long-history.sh).
add_test(NAME lvmscan-long-history
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/long-history.sh $<TARGET_FILE:lvmscan>)
set_tests_properties(lvmscan-long-history PROPERTIES SKIP_RETURN_CODE 77)
