# Text metadata: config-tree parser/writer and the typed VG view
# (core/src/config.c, core/src/meta.c). Fidelity data made by real LVM2 lives
# in tests/data (see tests/data/README) and fixtures/.
lr_add_test(test_config test_config.c)
lr_add_test(test_meta test_meta.c)
# Needs root, lvm2 and loop devices; exits 77 (skipped) without them.
lr_add_test(test_text_interop test_text_interop.c LABELS interop)
