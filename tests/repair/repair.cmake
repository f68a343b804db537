# Restore engine, undo layer and the lvmrepair program (repair/).
#   test_undo      the undo layer and undo files on scratch images
#   test_restore   plans and restores on copies of every fixture, refusals,
#                  fault injection after each write, --output copies
#   test_restore_checks  damaged images: what execution would fail is refused
#                  at planning; what is written, the scanner reads back
#   restore_cli    lvmrepair's options, messages, exit codes, dry run,
#                  --output, --log, --apply-undo (no root needed)
#   restore_*      interop: restores judged by real LVM2 on loop devices
#                  (root, losetup, lvm2; else SKIPPED by name, exit 77)
# The read-only inspection engines (diff, export, extract) and crash safety.
include(${CMAKE_CURRENT_LIST_DIR}/inspect.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/crash.cmake)

if(NOT TARGET lrrepair)
  return()
endif()

lr_add_test(test_undo test_undo.c LIBS lrrepair)
lr_add_test(test_restore test_restore.c LIBS lrrepair)
set_tests_properties(test_restore PROPERTIES TIMEOUT 900)
lr_add_test(test_restore_checks test_restore_checks.c LIBS lrrepair)
# The error contract of the repair headers: failing calls with a NULL error record.
lr_add_test(test_repair_contract test_repair_contract.c LIBS lrrepair)

find_program(LR_BASH bash)
if(LR_BASH)
  add_test(NAME restore_cli
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/restore-cli.sh
                   $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(restore_cli PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

  foreach(t history reinit stale-pv label-header-zeroed second-mda-only gpt wrapped fault damaged)
    string(REPLACE "-" "_" name "restore_interop_${t}")
    add_test(NAME ${name}
             COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/restore-${t}.sh
                     $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
    # Interop tests attach loop devices: run them one at a time.
    set_tests_properties(${name} PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 900
                                            RESOURCE_LOCK lr_loop_devices)
  endforeach()
endif()
