# Hardening checks that need no fuzzer: the damaged-image corpus
# (fixtures/damaged/, made by fixtures/make-damaged.sh) run through lvmscan
# (and lvmrepair --dry-run when it is built), and the documented limits
# (docs/limits.md) enforced by core and the scanner.

if(TARGET lvmscan)
  # lvmrepair is looked for next to lvmscan at test time; without it the
  # script skips that step and says so.
  add_test(NAME damaged_corpus
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/check-corpus.sh
                   $<TARGET_FILE:lvmscan> ${LR_FIXTURES}/damaged)
  set_tests_properties(damaged_corpus PROPERTIES LABELS damaged TIMEOUT 3600)
endif()

if(TARGET lrscan)
  lr_add_test(test_limits test_limits.c LIBS lrscan)
  target_compile_definitions(test_limits PRIVATE LR_LIMITS_SCAN=1)
else()
  lr_add_test(test_limits test_limits.c)
endif()
set_tests_properties(test_limits PROPERTIES LABELS damaged)
