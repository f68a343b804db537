# Tests of the binary half of core (crc, uuid, io, label, mda), driven by
# hand-built sectors and by the LVM2-made fixtures.
lr_add_test(test_crc test_crc.c test_binutil.c LIBS PkgConfig::ZLIB)
lr_add_test(test_io test_io.c test_binutil.c LIBS PkgConfig::ZLIB)
lr_add_test(test_label test_label.c test_binutil.c)
lr_add_test(test_mda test_mda.c test_binutil.c)
lr_add_test(test_io_blockdev test_io_blockdev.c test_binutil.c LABELS interop)
lr_add_test(test_mda_interop test_mda_interop.c test_binutil.c LABELS interop)
