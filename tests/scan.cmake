# Scan engine (scan/): fixture parity with LVM2's pvck, VG assembly, damaged
# and hostile input (test_scan), and the lvmscan program's output, JSON
# validity and exit codes (lvmscan-cli).
lr_add_test(test_scan test_scan.c LIBS lrscan)
set_tests_properties(test_scan PROPERTIES TIMEOUT 600)

add_test(NAME lvmscan-cli
         COMMAND bash ${CMAKE_SOURCE_DIR}/scan/tests/test-cli.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-cli PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
