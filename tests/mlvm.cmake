# mlvm: unit tests of the engine (no root) and the interop test that asks
# real LVM2 about images mlvm wrote (root, losetup, lvm2; SKIPPED by name
# when any is missing).
lr_add_test(test_mlvm test_mlvm.c LIBS lrvgedit)

add_test(NAME mlvm-interop
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/interop/mlvm-interop.sh $<TARGET_FILE:mlvm>)
set_tests_properties(mlvm-interop PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 900)
