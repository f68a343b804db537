# Tests of the read-only inspection engines of repair (export, extract),
# on the LVM2-made fixtures.
if(NOT TARGET lrrepair)
  return()
endif()

lr_add_test(test_export test_export.c LIBS lrrepair)
lr_add_test(test_extract test_extract.c LIBS lrrepair)

# vgcfgrestore of an exported version on a loop device (root, losetup, lvm2).
if(TARGET test_export)
  add_test(NAME export_interop
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/interop/export-interop.sh
                   $<TARGET_FILE:test_export> ${LR_FIXTURES})
  set_tests_properties(export_interop PROPERTIES LABELS interop SKIP_RETURN_CODE 77)
endif()
