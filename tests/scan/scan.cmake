# Scan engine (scan/): fixture parity with LVM2's pvck, VG assembly, damaged
# and hostile input, images that cannot be opened or read whole, malformed VG
# ids, uncommitted copies (test_scan), and the lvmscan program's output, JSON
# validity, messages and exit codes (lvmscan-cli, tests/scan/test-cli.sh).
lr_add_test(test_scan test_scan.c LIBS lrscan)
target_compile_definitions(test_scan PRIVATE
  LR_FUZZ_REGRESSIONS="${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regressions"
  LR_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data")
set_tests_properties(test_scan PROPERTIES TIMEOUT 600)

add_test(NAME lvmscan-cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test-cli.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-cli PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

# The damaged-image corpus and the documented limits.
include(${CMAKE_CURRENT_LIST_DIR}/damaged.cmake)

# The error contract of lr/scan.h: failing calls with a NULL error record.
lr_add_test(test_scan_contract test_scan_contract.c LIBS lrscan)

# The streaming loop: signatures across every buffer boundary (raw and lazy
# gzip), an image that shrinks or fails to read midway (test_stream).
lr_add_test(test_stream test_stream.c LIBS lrscan PkgConfig::ZLIB)
