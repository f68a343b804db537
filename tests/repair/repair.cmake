# Restore engine and the lvmrepair program (repair/); the undo layer and
# the write transaction are core's (tests/core/core.cmake).
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

lr_add_test(test_restore test_restore.c LIBS lrrepair)
set_tests_properties(test_restore PROPERTIES TIMEOUT 900)
lr_add_test(test_restore_checks test_restore_checks.c LIBS lrrepair)
# Bringing back single LVs into the current version (lr_repair_plan_restore_lv).
lr_add_test(test_restore_lv test_restore_lv.c LIBS lrrepair)
# The error contract of the repair headers: failing calls with a NULL error record.
lr_add_test(test_repair_contract test_repair_contract.c LIBS lrrepair)

# lvmrepair with the fault layer under every writable open (never
# installed): LR_TEST_FAIL_WRITE=K stops a restore at write K
# (support/lvmrepair_fault.c).
add_executable(lvmrepair_fault ${CMAKE_SOURCE_DIR}/repair/lvmrepair.c
                               ${CMAKE_SOURCE_DIR}/repair/cli_args.c
                               ${CMAKE_SOURCE_DIR}/repair/cli_undo.c
                               ${CMAKE_SOURCE_DIR}/repair/cli_read.c
                               ${LR_TEST_SUPPORT}/lvmrepair_fault.c ${LR_TEST_SUPPORT}/fault.c)
target_include_directories(lvmrepair_fault PRIVATE ${LR_TEST_SUPPORT})
target_link_libraries(lvmrepair_fault PRIVATE lrrepair)
target_link_options(lvmrepair_fault PRIVATE -Wl,--wrap=lr_io_open_rw)
set_target_properties(lvmrepair_fault PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

find_program(LR_BASH bash)
if(LR_BASH)
  add_test(NAME restore_cli
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/restore-cli.sh
                   $<TARGET_FILE:lvmrepair> ${LR_FIXTURES} $<TARGET_FILE:lvmrepair_fault>)
  set_tests_properties(restore_cli PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
  # a version only LVM2's archive files hold (fixtures/backup), restored and
  # judged by real LVM2 (root, loop devices, lvm2; SKIPPED without)
  add_test(NAME restore_backup
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/restore-backup.sh
                   $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(restore_backup PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300)

  # Offline scripts run as SCRIPT lvmrepair FIXTURES (no root needed):
  #   cut_compressed   a .gz, .xz or .zst cut short: export and diff read the
  #                    part that decompresses, a restore is refused (fixtures/backup)
  #   outputs_replace  what --force, --overwrite and nothing at all may replace
  #   current_version  a command naming no version means the one LVM2 uses
  #                    (fixtures/restored)
  #   lost_start       a PV whose first MiB was zeroed: the refusal names its image
  #   checksum_fails   a gzip member failing its CRC-32, an xz block its check:
  #                    read on, their bytes unsure
  foreach(pair cut_compressed:cut-compressed outputs_replace:outputs-replace
               current_version:current-version lost_start:lost-start checksum_fails:checksum-fails)
    string(REPLACE ":" ";" pair ${pair})
    list(GET pair 0 name)
    list(GET pair 1 script)
    add_test(NAME ${name}
             COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/${script}.sh
                     $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
    set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
  endforeach()
  # a thin device id given again to a later thin LV (thin_restore)
  add_test(NAME thin_reuse
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/thin-reuse.sh
                   $<TARGET_FILE:lvmscan> $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(thin_reuse PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
  # a thin LV removed while its pool is not active: a queued message, no
  # mismatch (root, loop devices, lvm2; SKIPPED without)
  add_test(NAME thin_pending
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/thin-pending.sh
                   $<TARGET_FILE:lvmscan> $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(thin_pending PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 300
                                               RESOURCE_LOCK lr_loop_devices)
  # raid extraction on the committed fixtures/raid (no root needed)
  add_test(NAME extract_raid
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/extract-raid.sh
                   $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(extract_raid PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
  # old-style snapshots on the committed fixtures/snap
  add_test(NAME extract_snap
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/extract-snap.sh
                   $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(extract_snap PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
  # cache LVs (dm-cache metadata by cache_restore) on the committed fixtures/cache
  add_test(NAME extract_cache
           COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/extract-cache.sh
                   $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
  set_tests_properties(extract_cache PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

  foreach(t history reinit stale-pv label-header-zeroed second-mda-only gpt wrapped fault damaged
            lv lv-stacked lv-evidence pvresize dropped-pv busy moved full vgremove)
    string(REPLACE "-" "_" name "restore_interop_${t}")
    add_test(NAME ${name}
             COMMAND ${LR_BASH} ${CMAKE_CURRENT_LIST_DIR}/interop/restore-${t}.sh
                     $<TARGET_FILE:lvmrepair> ${LR_FIXTURES}
                     $<TARGET_FILE:lvmrepair_fault>)
    # Interop tests attach loop devices: run them one at a time.
    set_tests_properties(${name} PROPERTIES LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 900
                                            RESOURCE_LOCK lr_loop_devices)
  endforeach()
endif()

# After a vgcfgrestore the plan compares with the committed version LVM2 uses
# (fixtures/restored, LVM2's lvs as the truth).
add_test(NAME plan_current
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/plan-current.sh $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
set_tests_properties(plan_current PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

# lvmrepair --restore with the evidence: content, reuse, WARNING lines, the
# --yes refusal and --force (fixtures/evidence).
add_test(NAME restore_evidence
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test-evidence-restore.sh
                 $<TARGET_FILE:lvmrepair> ${LR_FIXTURES})
set_tests_properties(restore_evidence PROPERTIES TIMEOUT 300)
