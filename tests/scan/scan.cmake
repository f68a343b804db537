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

# The diff engine (lr/diff.h) on the history fixture.
lr_add_test(test_diff test_diff.c LIBS lrscan)

# The JSON diff read back by a real JSON parser.
find_program(LR_PYTHON3 python3)
if(LR_PYTHON3)
  add_test(NAME diff_json_python
           COMMAND sh -c "\"$1\" --json \"$2\" 1 16 | \"$3\" -c 'import json,sys; d=json.load(sys.stdin); k=[(c[\"object\"],c[\"kind\"],c[\"name\"]) for c in d[\"changes\"]]; assert d[\"old\"][\"seqno\"]==1 and d[\"new\"][\"seqno\"]==16, d; assert (\"lv\",\"added\",\"data\") in k, k; print(len(k), \"changes parsed\")'"
                   sh $<TARGET_FILE:test_diff> ${LR_FIXTURES}/history/disk.img.gz ${LR_PYTHON3})
endif()

# Thin pools: LVM2's transaction_id next to the pool metadata's (fixtures/thin).
add_test(NAME lvmscan-thin
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/thin-scan.sh $<TARGET_FILE:lvmscan> ${LR_FIXTURES})

# Container and compressed images (fixtures/formats, made by qemu-img,
# ewfacquire, xz, zstd and split): our readers give back the bytes the
# formats' own tools do, lvmscan finds in each exactly what it finds in the
# raw image, bad ones are named with exit 2 while the others are scanned,
# and restores go to --output copies only (tests/scan/formats.sh).
add_executable(lr_cat ${LR_TEST_SUPPORT}/lr_cat.c)
target_link_libraries(lr_cat PRIVATE lrcore)
set_target_properties(lr_cat PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_test(NAME image-formats
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/formats.sh $<TARGET_FILE:lvmscan>
                 $<TARGET_FILE:lvmrepair> $<TARGET_FILE:lr_cat> ${LR_FIXTURES})
set_tests_properties(image-formats PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

# Evidence (lr/evidence.h) through lvmscan against the real tools' truth
# (fixtures/evidence, made by fixtures/make-evidence.sh).
add_test(NAME lvmscan-evidence
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test-evidence.sh $<TARGET_FILE:lvmscan>
                 ${LR_FIXTURES})
set_tests_properties(lvmscan-evidence PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# The streaming loop: signatures across every buffer boundary (raw and lazy
# gzip), an image that shrinks or fails to read midway (test_stream).
lr_add_test(test_stream test_stream.c LIBS lrscan PkgConfig::ZLIB)
