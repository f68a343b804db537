# Source style: every .c/.h formatted by clang-format with the committed
# .clang-format (skipped when clang-format is missing).
add_test(NAME format-check COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/format-check.sh
                                   ${CMAKE_SOURCE_DIR})
set_tests_properties(format-check PROPERTIES SKIP_RETURN_CODE 77 LABELS style)

# Engines never name a command-line flag (programs word the LR_HINT_* bits).
add_test(NAME engine-flags COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/engine-flags.sh
                                    ${CMAKE_SOURCE_DIR})
set_tests_properties(engine-flags PROPERTIES LABELS style)

# What `cmake --install` puts in place (docs, lrcore.pc, bash completions)
# and the one --version wording of the four programs.
# A sanitized lrcore needs the sanitizer runtime in the program built on it.
set(_lr_install_cflags "")
if(LR_SANITIZE)
  set(_lr_install_cflags "-fsanitize=address,undefined")
endif()
add_test(NAME install-check COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/install.sh ${CMAKE_BINARY_DIR}
                                   "${_lr_install_cflags}")
set_tests_properties(install-check PROPERTIES LABELS style)
