# Tests of the read-only inspection engines of repair (diff, export,
# extract), on the LVM2-made fixtures. Their sources belong to the lrrepair
# library (repair/CMakeLists.txt); until lrrepair lists them, this file
# builds them into a private static library so the tests can run.
set(LR_INSPECT_SOURCES
  ${CMAKE_SOURCE_DIR}/repair/src/diff.c
  ${CMAKE_SOURCE_DIR}/repair/src/export.c
  ${CMAKE_SOURCE_DIR}/repair/src/extract.c
  ${CMAKE_SOURCE_DIR}/repair/src/extract_raid.c
  ${CMAKE_SOURCE_DIR}/repair/src/extract_snap.c
  ${CMAKE_SOURCE_DIR}/repair/src/extract_cache.c
  ${CMAKE_SOURCE_DIR}/repair/src/extract_legs.c
  ${CMAKE_SOURCE_DIR}/repair/src/util.c) # their private helpers, shared with restore

if(NOT TARGET lrscan)
  message(STATUS "repair_inspect: lrscan not built yet, inspection tests skipped")
  return()
endif()

set(LR_INSPECT_LIB "")
if(TARGET lrrepair)
  get_target_property(_lr_repair_srcs lrrepair SOURCES)
  foreach(_s ${_lr_repair_srcs})
    if(_s MATCHES "diff\\.c$")
      set(LR_INSPECT_LIB lrrepair)
    endif()
  endforeach()
endif()
if(NOT LR_INSPECT_LIB)
  add_library(lrinspect STATIC ${LR_INSPECT_SOURCES})
  target_include_directories(lrinspect
    PUBLIC ${CMAKE_SOURCE_DIR}/repair/include
    PRIVATE ${CMAKE_SOURCE_DIR}/repair/src)
  target_link_libraries(lrinspect PUBLIC lrscan lrcore)
  set(LR_INSPECT_LIB lrinspect)
endif()

lr_add_test(test_diff test_diff.c LIBS ${LR_INSPECT_LIB})
lr_add_test(test_export test_export.c LIBS ${LR_INSPECT_LIB})
lr_add_test(test_extract test_extract.c LIBS ${LR_INSPECT_LIB})

# The JSON diff read back by a real JSON parser.
find_program(LR_PYTHON3 python3)
if(LR_PYTHON3)
  add_test(NAME diff_json_python
           COMMAND sh -c "\"$1\" --json \"$2\" 1 16 | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); k=[(c[\"object\"],c[\"kind\"],c[\"name\"]) for c in d[\"changes\"]]; assert d[\"old\"][\"seqno\"]==1 and d[\"new\"][\"seqno\"]==16, d; assert (\"lv\",\"added\",\"data\") in k, k; print(len(k), \"changes parsed\")'"
                   sh $<TARGET_FILE:test_diff> ${LR_FIXTURES}/history/disk.img.gz ${LR_PYTHON3})
endif()

# vgcfgrestore of an exported version on a loop device (root, losetup, lvm2).
if(TARGET test_export)
  add_test(NAME export_interop
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/interop/export-interop.sh
                   $<TARGET_FILE:test_export> ${LR_FIXTURES})
  set_tests_properties(export_interop PROPERTIES LABELS interop SKIP_RETURN_CODE 77)
endif()
