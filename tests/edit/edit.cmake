# mlvm: unit tests of the engine (no root), the program with its --undo
# files applied by lvmrepair (no root), and the interop test that asks real
# LVM2 about images mlvm wrote (root, losetup, lvm2; SKIPPED by name when
# any is missing).
lr_add_test(test_mlvm test_mlvm.c LIBS lrvgedit)
# The error contract of lr/vgedit.h: failing calls with a NULL error record.
lr_add_test(test_edit_contract test_edit_contract.c LIBS lrvgedit)

add_executable(test_mlvm_cli ${CMAKE_CURRENT_LIST_DIR}/test_mlvm_cli.c)
target_link_libraries(test_mlvm_cli PRIVATE lrtest_support)
set_target_properties(test_mlvm_cli PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_dependencies(test_mlvm_cli mlvm lvmrepair)
add_test(NAME test_mlvm_cli
         COMMAND test_mlvm_cli $<TARGET_FILE:mlvm> $<TARGET_FILE:lvmrepair>)
set_tests_properties(test_mlvm_cli PROPERTIES TIMEOUT 300)

add_test(NAME mlvm-interop
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/interop/mlvm-interop.sh $<TARGET_FILE:mlvm>)
# Interop tests attach loop devices: one at a time (as tests/repair/repair.cmake).
set_tests_properties(mlvm-interop PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 900
                                             RESOURCE_LOCK lr_loop_devices)
