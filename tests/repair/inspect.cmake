# Tests of the read-only inspection engines of repair (export, extract),
# on the LVM2-made fixtures.
if(NOT TARGET lrrepair)
  return()
endif()

lr_add_test(test_export test_export.c LIBS lrrepair)
lr_add_test(test_extract test_extract.c LIBS lrrepair)
# thin LVs through their pool (fixtures/thin): lr_extract_read, lr_extract_thin_info
lr_add_test(test_extract_thin test_extract_thin.c LIBS lrrepair)

# vgcfgrestore of an exported version on a loop device (root, losetup, lvm2).
if(TARGET test_export)
  add_test(NAME export_interop
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/interop/export-interop.sh
                   $<TARGET_FILE:test_export> ${LR_FIXTURES})
  set_tests_properties(export_interop PROPERTIES LABELS interop SKIP_RETURN_CODE 77)
endif()

# Thin LVs extracted through their pool's dm-thin metadata (fixtures/thin).
if(TARGET lvmrepair)
  add_test(NAME thin_extract COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-extract.sh
                                     $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  # and the restore plan's warning when a version's pool transaction_id
  # differs from the pool metadata's
  add_test(NAME thin_restore COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-restore.sh
                                     $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  # pool metadata on a striped or raid1 _tmeta (fixtures/thinmeta)
  add_test(NAME thin_meta_layouts COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-meta-layouts.sh
                                          $<TARGET_FILE:lvmrepair> $<TARGET_FILE:lvmscan>
                                          ${LR_FIXTURES})
endif()
