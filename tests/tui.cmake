# lvmtui (tui/): the view model driven by key sequences (test_tui, cmocka),
# golden screen dumps of the test mode (tui-golden), and the end-to-end run
# in tmux that restores an LV and asks lvmscan and, where it can, real LVM2
# (tui-e2e-tmux; SKIPPED without tmux).
if(NOT TARGET lrtui)
  message(STATUS "tui.cmake: lrtui not built, lvmtui tests skipped")
  return()
endif()

lr_add_test(test_tui ${CMAKE_CURRENT_LIST_DIR}/test_tui.c LIBS lrtui PkgConfig::ZLIB)
# the test checks the model's text helpers too
target_include_directories(test_tui PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../tui/src)
set_tests_properties(test_tui PROPERTIES TIMEOUT 300)

add_test(NAME tui-golden
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tui/golden.sh $<TARGET_FILE:lvmtui>
                 ${LR_FIXTURES} ${CMAKE_CURRENT_LIST_DIR}/tui/golden)
set_tests_properties(tui-golden PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

add_test(NAME tui-e2e-tmux
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/tui/e2e-tmux.sh $<TARGET_FILE:lvmtui>
                 $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(tui-e2e-tmux PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
