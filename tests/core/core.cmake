# Tests of the binary half of core (crc, uuid, io, label, mda), driven by
# hand-built sectors and by the LVM2-made fixtures.
lr_add_test(test_crc test_crc.c LIBS PkgConfig::ZLIB)
lr_add_test(test_io test_io.c LIBS PkgConfig::ZLIB)
# lr_io_keep on single-piece .xz and .zst images made by xz and zstd.
lr_add_test(test_io_keep test_io_keep.c)
lr_add_test(test_label test_label.c)
lr_add_test(test_fssize test_fssize.c)
# files btrfs keeps inline in a leaf (lr/btrfs.h), on the kernel-made fixture.
lr_add_test(test_btrfs test_btrfs.c)
get_property(lr_have_lzo GLOBAL PROPERTY LR_HAVE_LZO)
if(lr_have_lzo)
  target_compile_definitions(test_btrfs PRIVATE LR_HAVE_LZO) # its lzo cases
endif()
# ext2/3/4 through libext2fs (lr/extfs.h) against debugfs's view of
# fixtures/backup-ext4.
lr_add_test(test_extfs test_extfs.c)
get_property(lr_have_ext2fs GLOBAL PROPERTY LR_HAVE_EXT2FS)
if(lr_have_ext2fs)
  target_compile_definitions(test_extfs PRIVATE LR_HAVE_EXT2FS)
endif()
# XFS's records (lr/xfs.h) against xfs_bmap's and xfs_db's view of
# fixtures/backup-xfs, and damaged copies of it.
lr_add_test(test_xfs test_xfs.c)
# the replay's bytes (xf_read) against the kernel's replayed copies
target_include_directories(test_xfs PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
lr_add_test(test_mda test_mda.c)
lr_add_test(test_io_blockdev test_io_blockdev.c LABELS interop)
lr_add_test(test_mda_interop test_mda_interop.c LABELS interop)
# core's text utilities (lr/strbuf.h, lr/fmt.h); SHA-256 is checked by test_undo.
lr_add_test(test_fmt test_fmt.c)
# raid layouts, parity math and the dm-raid superblock (lr/raid.h).
lr_add_test(test_raid test_raid.c)
# the dm-snapshot COW exception store (lr/snapshot.h).
lr_add_test(test_snapshot test_snapshot.c)
# dm-cache metadata: crc32c, superblock, hostile trees (lr/cache.h).
lr_add_test(test_cache test_cache.c)
# core's write side: the undo layer and undo files (lr/undo.h; also checks
# SHA-256) and the write transaction with its record and guard layers
# (lr/txn.h), on scratch images.
lr_add_test(test_undo test_undo.c)
lr_add_test(test_txn test_txn.c)

# The text half (config tree, typed VG view).
include(${CMAKE_CURRENT_LIST_DIR}/text.cmake)

# The error contract: every failing public function of core returns its
# status with a NULL error record; the error helpers themselves.
lr_add_test(test_error_contract test_error_contract.c)

# dm-thin pool metadata (lr/thin.h) against thin-provisioning-tools: the
# fixture fixtures/thin made by thin_restore, thin_dump's mappings, the
# damaged leaf thin_check reports, hostile btrees; thin-dump.sh re-runs
# thin_dump on the committed image (SKIPPED without it).
lr_add_test(test_thin test_thin.c)
add_test(NAME thin-dump COMMAND ${CMAKE_CURRENT_LIST_DIR}/thin-dump.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(thin-dump PROPERTIES SKIP_RETURN_CODE 77)
# The VHD block map (core/src/io_vhd.c, private to core) on hostile headers.
lr_add_test(test_vhd test_vhd.c)
target_include_directories(test_vhd PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
# The kernel's inode and metadata block verifiers ported (core/src/xfs_verify.c,
# private to core) on the kernel's replayed images of fixtures/xfs-replay.
lr_add_test(test_xfs_verify test_xfs_verify.c)
target_include_directories(test_xfs_verify PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
