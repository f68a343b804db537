# Fuzz targets (tests/fuzz/, docs/fuzzing.md).
#
# Each target tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput and is
# built twice:
# - always, with tests/fuzz/replay_main.c, as tests/lr_fuzz_replay_NAME: ctest
#   replays the seed corpus (built from the fixtures by make-seeds.py) and
#   every crash input kept in tests/fuzz/regressions/NAME/ through it;
# - with -DLR_FUZZ=ON (clang only) as fuzz/fuzz_NAME, a libFuzzer target,
#   which tests/fuzz/run-fuzz.sh runs.

set(LR_FUZZ_SRC ${CMAKE_CURRENT_LIST_DIR})
set(LR_FUZZ_SEEDS ${CMAKE_BINARY_DIR}/fuzz-seeds)
# The in-memory I/O layer of the test support library (cmocka-free), compiled
# into each target so libFuzzer instruments it with the target.
# the test support files that need no cmocka
set(LR_FUZZ_MEM_IO ${LR_TEST_SUPPORT}/mem_io.c ${LR_TEST_SUPPORT}/view_diff.c)

# NAME -> library it exercises
set(LR_FUZZ_TARGETS label mda text thin lvdata)
set(LR_FUZZ_LIB_thin lrcore)
set(LR_FUZZ_LIB_lvdata lrcore)
set(LR_FUZZ_LIB_label lrcore)
set(LR_FUZZ_LIB_mda lrcore)
set(LR_FUZZ_LIB_text lrcore)
# image format detection and the container/compressed readers (fuzz_image.c)
list(APPEND LR_FUZZ_TARGETS image)
set(LR_FUZZ_LIB_image lrcore)
# the VHDX log a host left unreplayed (fuzz_vhdxlog.c; core's private
# io_int.h: the log is read by the VHDX layer only)
list(APPEND LR_FUZZ_TARGETS vhdxlog)
set(LR_FUZZ_LIB_vhdxlog lrcore)
set(LR_FUZZ_INC_vhdxlog ${CMAKE_SOURCE_DIR}/core/src)
# ext2/3/4 records through libext2fs and the jbd2 journal's old
# transactions (fuzz_extfs.c)
list(APPEND LR_FUZZ_TARGETS extfs)
set(LR_FUZZ_LIB_extfs lrcore)
# XFS's own records: superblock, AG headers, inode and free-space B+trees,
# inodes and their block maps (fuzz_xfs.c)
list(APPEND LR_FUZZ_TARGETS xfs)
set(LR_FUZZ_LIB_xfs lrcore)
# btrfs's trees: superblock, chunk map, extent, root and file trees, and
# the compressed extents of a file read through them (fuzz_btrfs.c)
list(APPEND LR_FUZZ_TARGETS btrfs)
set(LR_FUZZ_LIB_btrfs lrcore)
if(TARGET lrscan)
  list(APPEND LR_FUZZ_TARGETS scan)
  set(LR_FUZZ_LIB_scan lrscan)
endif()
# The restore planner, once the repair engine exposes one.
if(EXISTS ${CMAKE_SOURCE_DIR}/repair/include/lr/repair.h AND EXISTS ${LR_FUZZ_SRC}/fuzz_plan.c
   AND TARGET lrrepair AND TARGET lrscan)
  list(APPEND LR_FUZZ_TARGETS plan)
  set(LR_FUZZ_LIB_plan lrrepair)
endif()

find_program(LR_PYTHON3 python3)

if(LR_PYTHON3)
  add_test(NAME fuzz_seeds
           COMMAND ${LR_PYTHON3} ${LR_FUZZ_SRC}/make-seeds.py ${LR_FIXTURES} ${LR_FUZZ_SEEDS})
  set_tests_properties(fuzz_seeds PROPERTIES FIXTURES_SETUP lr_fuzz_seeds LABELS fuzz)
  set(LR_FUZZ_MIN 1)
else()
  # Without python3 only the committed regression inputs are replayed.
  add_test(NAME fuzz_seeds COMMAND ${CMAKE_COMMAND} -E echo
           "SKIPPED: python3 not found, fuzz seed corpora not built")
  set_tests_properties(fuzz_seeds PROPERTIES FIXTURES_SETUP lr_fuzz_seeds LABELS fuzz
                       SKIP_REGULAR_EXPRESSION "SKIPPED")
  set(LR_FUZZ_MIN 0)
endif()

foreach(t ${LR_FUZZ_TARGETS})
  set(exe lr_fuzz_replay_${t})
  add_executable(${exe} ${LR_FUZZ_SRC}/fuzz_${t}.c ${LR_FUZZ_SRC}/fuzz_support.c
                 ${LR_FUZZ_MEM_IO} ${LR_FUZZ_SRC}/replay_main.c)
  target_include_directories(${exe} PRIVATE ${LR_FUZZ_SRC} ${LR_TEST_SUPPORT} ${LR_FUZZ_INC_${t}})
  target_link_libraries(${exe} PRIVATE ${LR_FUZZ_LIB_${t}})
  set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME fuzz_replay_${t}
           COMMAND ${exe} --min ${LR_FUZZ_MIN} ${LR_FUZZ_SEEDS}/${t} ${LR_FUZZ_SRC}/regressions/${t})
  set_tests_properties(fuzz_replay_${t} PROPERTIES FIXTURES_REQUIRED lr_fuzz_seeds
                       LABELS fuzz TIMEOUT 600)
endforeach()

if(LR_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LR_FUZZ needs clang with libFuzzer: "
                        "CC=clang cmake -S . -B build-fuzz -DLR_FUZZ=ON -DLR_SANITIZE=ON")
  endif()
  if(NOT LR_SANITIZE)
    message(WARNING "LR_FUZZ without LR_SANITIZE: fuzzing finds only crashes, not memory "
                    "errors or undefined behaviour; use -DLR_SANITIZE=ON")
  endif()

  # Coverage instrumentation for the code under test: every library of the
  # project gets -fsanitize=fuzzer-no-link (so libFuzzer sees its edges), and
  # every other program and shared library links the coverage runtime.
  function(lr_fuzz_collect_targets dir out)
    get_property(tgts DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    get_property(subs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    foreach(s ${subs})
      lr_fuzz_collect_targets(${s} more)
      list(APPEND tgts ${more})
    endforeach()
    set(${out} ${tgts} PARENT_SCOPE)
  endfunction()
  lr_fuzz_collect_targets(${CMAKE_SOURCE_DIR} lr_all_targets)
  foreach(tgt ${lr_all_targets})
    get_target_property(type ${tgt} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|SHARED_LIBRARY)$" AND NOT tgt MATCHES "^lrtest")
      target_compile_options(${tgt} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
    if(type MATCHES "^(EXECUTABLE|SHARED_LIBRARY)$")
      target_link_options(${tgt} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
  endforeach()

  foreach(t ${LR_FUZZ_TARGETS})
    set(exe fuzz_${t})
    add_executable(${exe} ${LR_FUZZ_SRC}/fuzz_${t}.c ${LR_FUZZ_SRC}/fuzz_support.c
                   ${LR_FUZZ_MEM_IO})
    target_include_directories(${exe} PRIVATE ${LR_FUZZ_SRC} ${LR_TEST_SUPPORT} ${LR_FUZZ_INC_${t}})
    target_link_libraries(${exe} PRIVATE ${LR_FUZZ_LIB_${t}})
    target_compile_options(${exe} PRIVATE -fsanitize=fuzzer)
    target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  endforeach()
  # For run-fuzz.sh: which targets this build has.
  string(REPLACE ";" " " lr_fuzz_list "${LR_FUZZ_TARGETS}")
  file(WRITE ${CMAKE_BINARY_DIR}/fuzz/targets "${lr_fuzz_list}\n")
endif()
