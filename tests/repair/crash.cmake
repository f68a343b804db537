# Crash safety of every write path (docs/crash-safety.md):
#   test_crash   restore, header/label rebuild, mlvm format and create, and
#                apply-undo, each with a fault after every single write, torn
#                inside writes at seeded random points (EIO, ENOSPC) and at
#                every failing fsync; our scanner must read old or new, the
#                undo file must bring back the original bytes (no root)
#   crash-lvm    interop: the same faults judged by real LVM2 on read-only
#                loop devices (root, losetup, lvm2; else SKIPPED by name)
if(NOT TARGET lrrepair OR NOT TARGET lrvgedit)
  return()
endif()

lr_add_test(test_crash test_crash.c LIBS lrrepair lrvgedit)
# the hostile images of issue 17 come from the shared generator
target_compile_definitions(test_crash PRIVATE LR_TEST_SUPPORT_DIR="${LR_TEST_SUPPORT}")
set_tests_properties(test_crash PROPERTIES TIMEOUT 1800)

add_test(NAME crash-lvm
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/interop/crash-lvm.sh
                 $<TARGET_FILE:test_crash> $<TARGET_FILE:lvmrepair>)
set_tests_properties(crash-lvm PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 1800
                                          RESOURCE_LOCK lr_loop_devices)
