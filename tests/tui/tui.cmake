# lvmtui (tui/): the view model driven by key sequences (test_tui, cmocka),
# golden screen dumps of the test mode (tui-golden), and the end-to-end run
# in tmux that restores an LV and asks lvmscan and, where it can, real LVM2
# (tui-e2e-tmux; SKIPPED without tmux).
if(NOT TARGET lrtui)
  message(STATUS "tui/tui.cmake: lrtui not built, lvmtui tests skipped")
  return()
endif()

lr_add_test(test_tui ${CMAKE_CURRENT_LIST_DIR}/test_tui.c LIBS lrtui PkgConfig::ZLIB)
# the test checks the model's text helpers too
target_include_directories(test_tui PRIVATE ${CMAKE_SOURCE_DIR}/tui/src)
set_tests_properties(test_tui PROPERTIES TIMEOUT 300)

add_test(NAME tui-golden
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/golden.sh $<TARGET_FILE:lvmtui>
                 ${LR_FIXTURES} ${CMAKE_CURRENT_LIST_DIR}/golden)
set_tests_properties(tui-golden PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

add_test(NAME tui-e2e-tmux
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/e2e-tmux.sh $<TARGET_FILE:lvmtui>
                 $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(tui-e2e-tmux PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

# Every global name of lrtui and lvmtui carries the module prefix; every
# public function of lr/tui.h has its comment.
add_test(NAME tui-names
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/names.sh ${CMAKE_NM}
                 ${CMAKE_SOURCE_DIR}/tui/include/lr/tui.h $<TARGET_FILE:lrtui>
                 "$<TARGET_OBJECTS:lvmtui_objs>")
set_tests_properties(tui-names PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)

# The command line: key-script errors, images that cannot be opened (also on
# a pseudo-terminal), and the lvmrepair command offered for gzip images.
add_test(NAME tui-cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli.sh $<TARGET_FILE:lvmtui>
                 $<TARGET_FILE:lvmrepair> $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(tui-cli PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Hostile use in a real terminal (issue 17): keys typed on the too-small
# screen wait, Ctrl-C exits 130, TERM=dumb and unknown terminals are refused
# with exit 2 (tui-hostile-tmux; SKIPPED without tmux).
add_test(NAME tui-hostile-tmux
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/hostile-tmux.sh $<TARGET_FILE:lvmtui> ${LR_FIXTURES})
set_tests_properties(tui-hostile-tmux PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Hostile use of all four programs (issue 17): outputs over images, a
# metadata area over the data, FIFOs, option values that are options,
# escape sequences in names, messages about the right file.
add_test(NAME hostile-cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/hostile-cli.sh $<TARGET_FILE_DIR:lvmrepair>
                 ${LR_FIXTURES})
set_tests_properties(hostile-cli PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)

# Ctrl-C exits 130 (lvmtui.1), in a real terminal (SKIPPED without tmux).
# Restore into copies (c / C, the output directory prompt) and the plan's
# notes pinned above the confirmation, in a real terminal.
add_test(NAME tui-copy-tmux
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/copy-tmux.sh $<TARGET_FILE:lvmtui>
                 $<TARGET_FILE:lvmscan> ${LR_FIXTURES})
set_tests_properties(tui-copy-tmux PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
add_test(NAME tui-sigint
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sigint-tmux.sh $<TARGET_FILE:lvmtui> ${LR_FIXTURES})
set_tests_properties(tui-sigint PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
