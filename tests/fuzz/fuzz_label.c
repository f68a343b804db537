/* Fuzz target: the PV label (label_header + pv_header + extension).
 *
 * Input: the bytes of a label sector (512 bytes normally; any length is
 * passed as is). Exercises lr_label_parse, lr_label_validate and, for a label
 * that parsed, the lr_label_build round trip and the UUID formatters.
 *
 * Properties checked:
 * - parse and validate return 0 or one of their documented codes;
 * - a parsed label's lists hold at most LR_LABEL_MAX_LOCN entries and its
 *   strings are NUL-terminated inside their arrays;
 * - build(parse(x)) re-parses to the same fields (crc then correct);
 * - lr_label_read on an image holding the sector finds the same label. */
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"
#include "lr/label.h"

static bool label_rc_ok(int rc)
{
    return rc == 0 || rc == LR_ENOTFOUND || rc == LR_EFORMAT || rc == LR_ELIMIT ||
           rc == LR_ERANGE || rc == LR_ECHECKSUM;
}

static void check_lists(const lr_label_t *l)
{
    FUZZ_CHECK(l->n_data <= LR_LABEL_MAX_LOCN, "n_data %zu", l->n_data);
    FUZZ_CHECK(l->n_mda <= LR_LABEL_MAX_LOCN, "n_mda %zu", l->n_mda);
    FUZZ_CHECK(l->n_ba <= LR_LABEL_MAX_LOCN, "n_ba %zu", l->n_ba);
    FUZZ_CHECK(memchr(l->type, '\0', sizeof(l->type)) != NULL, "type not terminated");
    FUZZ_CHECK(memchr(l->pv_uuid, '\0', sizeof(l->pv_uuid)) != NULL, "uuid not terminated");
}

static void check_same(const lr_label_t *a, const lr_label_t *b)
{
    FUZZ_CHECK(a->sector == b->sector, "sector %llu != %llu", (unsigned long long)a->sector,
               (unsigned long long)b->sector);
    FUZZ_CHECK(a->offset == b->offset, "offset %u != %u", a->offset, b->offset);
    FUZZ_CHECK(strcmp(a->type, b->type) == 0, "type '%s' != '%s'", a->type, b->type);
    FUZZ_CHECK(strcmp(a->pv_uuid, b->pv_uuid) == 0, "uuid '%s' != '%s'", a->pv_uuid, b->pv_uuid);
    FUZZ_CHECK(a->device_size == b->device_size, "device_size differs");
    FUZZ_CHECK(a->n_data == b->n_data && a->n_mda == b->n_mda, "list lengths differ");
    for (size_t i = 0; i < a->n_data; i++)
        FUZZ_CHECK(a->data[i].offset == b->data[i].offset && a->data[i].size == b->data[i].size,
                   "data area %zu differs", i);
    for (size_t i = 0; i < a->n_mda; i++)
        FUZZ_CHECK(a->mda[i].offset == b->mda[i].offset && a->mda[i].size == b->mda[i].size,
                   "metadata area %zu differs", i);
    FUZZ_CHECK(a->has_ext == b->has_ext, "has_ext differs");
    if (a->has_ext) {
        FUZZ_CHECK(a->ext_version == b->ext_version && a->ext_flags == b->ext_flags,
                   "extension differs");
        FUZZ_CHECK(a->n_ba == b->n_ba, "bootloader list length differs");
        for (size_t i = 0; i < a->n_ba; i++)
            FUZZ_CHECK(a->ba[i].offset == b->ba[i].offset && a->ba[i].size == b->ba[i].size,
                       "bootloader area %zu differs", i);
    }
}

static void round_trip(const lr_label_t *l)
{
    uint8_t sector[LR_SECTOR_SIZE];
    lr_error_t err;
    int rc = lr_label_build(l, sector, sizeof(sector), &err);
    FUZZ_CHECK(label_rc_ok(rc) || rc == -EINVAL, "lr_label_build returned %d", rc);
    if (rc)
        return;
    lr_label_t again;
    rc = lr_label_parse(sector, sizeof(sector), l->sector, &again, &err);
    FUZZ_CHECK(rc == 0, "a built label does not parse: %d %s", rc, err.msg);
    FUZZ_CHECK(again.crc_ok, "a built label has a wrong crc");
    FUZZ_CHECK(again.crc == lr_crc(LR_CRC_INITIAL, sector + 20, LR_SECTOR_SIZE - 20),
               "stored crc is not LVM2's crc of bytes 20..511");
    check_same(l, &again);
}

/* Puts the sector at sector 1 of a small image and reads it back the way a
 * scanner does. */
static void read_back(const uint8_t *data, size_t size, const lr_label_t *parsed)
{
    if (size != LR_SECTOR_SIZE)
        return;
    lr_io_t *io = NULL;
    lr_error_t err;
    /* sector 1: 512 virtual zero bytes, then the sector, then two more */
    uint8_t img[3 * LR_SECTOR_SIZE];
    memcpy(img, data, size);
    memset(img + size, 0, sizeof(img) - size);
    if (lr_test_mem_io(&io, NULL, img, sizeof(img), LR_SECTOR_SIZE, false, "label-img", &err))
        return;
    lr_label_t l;
    uint64_t sector_no = 99;
    int rc = lr_label_read(io, 0, &l, &sector_no, &err);
    FUZZ_CHECK(label_rc_ok(rc) || rc == LR_ERANGE, "lr_label_read returned %d", rc);
    if (rc == 0 && parsed && sector_no == 1)
        check_same(parsed, &l);
    lr_io_close(io, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_label_t l;
    lr_error_t err;
    memset(&l, 0xa5, sizeof(l));
    int rc = lr_label_parse(data, size, 1, &l, &err);
    FUZZ_CHECK(label_rc_ok(rc) || rc == -EINVAL, "lr_label_parse returned %d", rc);
    if (rc != 0) {
        read_back(data, size, NULL);
        return 0;
    }
    check_lists(&l);
    FUZZ_CHECK(size >= LR_SECTOR_SIZE, "parsed a label from %zu bytes", size);
    uint32_t calc = lr_crc(LR_CRC_INITIAL, data + 20, LR_SECTOR_SIZE - 20);
    FUZZ_CHECK(l.crc_calc == calc, "crc_calc 0x%08x, expected 0x%08x", l.crc_calc, calc);
    FUZZ_CHECK(l.crc_ok == (l.crc == calc), "crc_ok inconsistent");

    /* validate against the size it claims, a typical size and extremes */
    const uint64_t sizes[] = {l.device_size, 32u << 20, 0, 4096, UINT64_MAX};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        rc = lr_label_validate(&l, sizes[i], &err);
        FUZZ_CHECK(label_rc_ok(rc), "lr_label_validate returned %d", rc);
        if (rc == 0) {
            FUZZ_CHECK(l.crc_ok, "a label with a wrong crc validated");
            FUZZ_CHECK(l.n_mda <= 2, "%zu metadata areas validated", l.n_mda);
            for (size_t k = 0; k < l.n_mda; k++) {
                const lr_disk_locn_t *a = &l.mda[k];
                FUZZ_CHECK(a->offset <= sizes[i] && a->size <= sizes[i] - a->offset,
                           "metadata area %zu outside the device validated", k);
            }
        }
    }

    char printed[LR_UUID_STR_LEN + 1], raw[LR_PV_UUID_LEN + 1];
    if (lr_uuid_format(l.pv_uuid, printed, sizeof(printed)) == 0) {
        FUZZ_CHECK(strlen(printed) == LR_UUID_STR_LEN, "printed uuid '%s'", printed);
        FUZZ_CHECK(lr_uuid_parse(printed, raw, sizeof(raw)) == 0, "printed uuid does not parse");
        FUZZ_CHECK(strcmp(raw, l.pv_uuid) == 0, "uuid round trip '%s' -> '%s'", l.pv_uuid, raw);
    }
    round_trip(&l);
    read_back(data, size, &l);
    return 0;
}
