/* Fuzz target: the metadata area header and its ring.
 *
 * Input: the bytes of a metadata area, its 512-byte mda_header first
 * (seeds are whole or cut areas from the fixtures). The input is placed at
 * the area start the header claims (behind virtual zero bytes, so a header
 * saying "start 4096" or "start 32505856" costs no memory) when that start
 * is plausible, else at 4096.
 *
 * Exercises lr_mda_header_parse/validate/build/read, lr_mda_read_text on
 * every slot, lr_mda_committed, lr_mda_max_text, lr_mda_next_offset and, for
 * a header that validates, lr_mda_commit into a writable copy.
 *
 * Properties checked:
 * - header_read through an image equals header_parse of the same bytes;
 * - build(parse(x)) re-parses to the same header with a correct checksum;
 * - read_text returns text exactly when it returns 0 or LR_ECHECKSUM, the
 *   text is NUL-terminated at `size`, and the checksum verdict is right;
 * - next_offset lands on a 512-byte boundary inside the ring;
 * - commit writes only inside the area, and afterwards the header reads
 *   back as the updated *h and slot 0 reads back the committed text with a
 *   matching checksum; a failed commit writes nothing (no write fails here). */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lr/mda.h"

#define MAX_PREFIX (1ull << 40)

static bool mda_rc_ok(int rc)
{
    return rc == 0 || rc == LR_ENOTFOUND || rc == LR_EFORMAT || rc == LR_ELIMIT ||
           rc == LR_ERANGE || rc == LR_ECHECKSUM || rc == -EINVAL || rc == -ENOMEM;
}

static void check_same(const lr_mda_header_t *a, const lr_mda_header_t *b)
{
    FUZZ_CHECK(a->checksum == b->checksum && a->checksum_calc == b->checksum_calc &&
                   a->checksum_ok == b->checksum_ok,
               "checksums differ");
    FUZZ_CHECK(a->version == b->version, "version %u != %u", a->version, b->version);
    FUZZ_CHECK(a->start == b->start && a->size == b->size, "start/size differ");
    FUZZ_CHECK(a->n_locn == b->n_locn, "n_locn %zu != %zu", a->n_locn, b->n_locn);
    for (size_t i = 0; i < a->n_locn && i < LR_MDA_MAX_LOCN; i++) {
        const lr_raw_locn_t *x = &a->locn[i], *y = &b->locn[i];
        FUZZ_CHECK(x->offset == y->offset && x->size == y->size && x->checksum == y->checksum &&
                       x->flags == y->flags,
                   "raw_locn %zu differs", i);
    }
}

static void check_build(const lr_mda_header_t *h)
{
    uint8_t buf[LR_MDA_HEADER_SIZE];
    lr_error_t err;
    int rc = lr_mda_header_build(h, buf, sizeof(buf), &err);
    FUZZ_CHECK(mda_rc_ok(rc), "lr_mda_header_build returned %d", rc);
    if (rc)
        return;
    lr_mda_header_t again;
    rc = lr_mda_header_parse(buf, sizeof(buf), &again, &err);
    FUZZ_CHECK(rc == 0, "a built header does not parse: %d %s", rc, err.msg);
    FUZZ_CHECK(again.checksum_ok, "a built header has a wrong checksum");
    FUZZ_CHECK(again.start == h->start && again.size == h->size && again.n_locn == h->n_locn,
               "built header differs");
    for (size_t i = 0; i < h->n_locn; i++)
        FUZZ_CHECK(memcmp(&again.locn[i], &h->locn[i], sizeof(lr_raw_locn_t)) == 0 ||
                       (again.locn[i].offset == h->locn[i].offset &&
                        again.locn[i].size == h->locn[i].size &&
                        again.locn[i].checksum == h->locn[i].checksum &&
                        again.locn[i].flags == h->locn[i].flags),
                   "built raw_locn %zu differs", i);
}

static void check_read_text(lr_io_t *io, const lr_mda_header_t *h, const lr_raw_locn_t *l)
{
    char *text = (char *)1;
    lr_error_t err;
    int rc = lr_mda_read_text(io, 0, h, l, &text, &err);
    FUZZ_CHECK(mda_rc_ok(rc), "lr_mda_read_text returned %d", rc);
    if (rc != 0 && rc != LR_ECHECKSUM) {
        FUZZ_CHECK(text == NULL, "text left set after error %d", rc);
        return;
    }
    FUZZ_CHECK(text != NULL, "no text for rc %d", rc);
    FUZZ_CHECK(text[l->size] == '\0', "text not NUL-terminated at its size");
    uint32_t crc = lr_mda_text_crc(text, l->size);
    FUZZ_CHECK((crc == l->checksum) == (rc == 0), "checksum verdict wrong (rc %d)", rc);
    free(text);
}

static void check_next_offset(const lr_mda_header_t *h, uint64_t size)
{
    uint64_t off = 0;
    lr_error_t err;
    int rc = lr_mda_next_offset(h->size, lr_mda_committed(h), size, &off, &err);
    FUZZ_CHECK(mda_rc_ok(rc), "lr_mda_next_offset returned %d", rc);
    if (rc)
        return;
    FUZZ_CHECK(size <= lr_mda_max_text(h->size), "next_offset accepted %llu > max_text",
               (unsigned long long)size);
    FUZZ_CHECK(off >= LR_MDA_HEADER_SIZE && off < h->size && off % 512 == 0,
               "next offset %llu in an area of %llu", (unsigned long long)off,
               (unsigned long long)h->size);
}

/* Commits a text of `tsize` bytes into a writable copy of the image. */
static void check_commit(const uint8_t *data, size_t size, uint64_t prefix,
                         const lr_mda_header_t *h0, uint64_t tsize)
{
    lr_io_t *io = NULL;
    lr_test_mem_t *mem = NULL;
    lr_error_t err;
    if (lr_test_mem_io(&io, &mem, data, size, prefix, true, "mda-rw", &err))
        return;
    mem->wlo = prefix;
    mem->whi = prefix + h0->size;
    char *text = malloc((size_t)tsize);
    if (!text) {
        lr_io_close(io, NULL);
        return;
    }
    for (uint64_t i = 0; i + 1 < tsize; i++)
        text[i] = (i % 61 == 60) ? '\n' : (char)('a' + (i * 7 + tsize) % 26);
    text[tsize - 1] = '\0';

    uint64_t expect_off = 0;
    int nrc = lr_mda_next_offset(h0->size, lr_mda_committed(h0), tsize, &expect_off, &err);

    lr_mda_header_t h = *h0;
    int rc = lr_mda_commit(io, 0, &h, text, tsize, &err);
    FUZZ_CHECK(mda_rc_ok(rc), "lr_mda_commit returned %d", rc);
    if (rc) {
        FUZZ_CHECK(mem->n_writes == 0, "a failed commit (%d: %s) wrote %zu times", rc, err.msg,
                   mem->n_writes);
        FUZZ_CHECK(nrc != 0, "commit failed (%d: %s) where next_offset succeeded", rc, err.msg);
    } else {
        FUZZ_CHECK(nrc == 0, "commit succeeded where next_offset failed");
        FUZZ_CHECK(h.n_locn == 1 && h.locn[0].offset == expect_off && h.locn[0].size == tsize,
                   "committed slot %llu+%llu, expected %llu+%llu",
                   (unsigned long long)h.locn[0].offset, (unsigned long long)h.locn[0].size,
                   (unsigned long long)expect_off, (unsigned long long)tsize);
        FUZZ_CHECK(mem->n_syncs >= 2, "commit synced %zu times", mem->n_syncs);
        lr_mda_header_t back;
        rc = lr_mda_header_read(io, 0, h.start, &back, &err);
        FUZZ_CHECK(rc == 0, "header unreadable after commit: %d %s", rc, err.msg);
        check_same(&h, &back);
        FUZZ_CHECK(back.checksum_ok, "header checksum wrong after commit");
        FUZZ_CHECK(lr_mda_header_validate(&back, h.start, prefix + size, &err) == 0,
                   "header invalid after commit: %s", err.msg);
        char *got = NULL;
        rc = lr_mda_read_text(io, 0, &back, &back.locn[0], &got, &err);
        FUZZ_CHECK(rc == 0, "committed text unreadable: %d %s", rc, err.msg);
        FUZZ_CHECK(memcmp(got, text, (size_t)tsize) == 0, "committed text differs");
        free(got);
    }
    free(text);
    lr_io_close(io, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_mda_header_t h;
    lr_error_t err;
    memset(&h, 0x5a, sizeof(h));
    int rc = lr_mda_header_parse(data, size, &h, &err);
    FUZZ_CHECK(mda_rc_ok(rc), "lr_mda_header_parse returned %d", rc);
    if (rc)
        return 0;
    FUZZ_CHECK(h.n_locn <= LR_MDA_MAX_LOCN, "n_locn %zu", h.n_locn);

    uint64_t prefix = (h.start >= LR_MDA_HEADER_SIZE && h.start <= MAX_PREFIX) ? h.start : 4096;
    uint64_t dev_size = prefix + size;
    lr_io_t *io = NULL;
    if (lr_test_mem_io(&io, NULL, data, size, prefix, false, "mda", &err))
        return 0;

    lr_mda_header_t rd;
    rc = lr_mda_header_read(io, 0, prefix, &rd, &err);
    FUZZ_CHECK(rc == 0, "header_read failed where parse succeeded: %d %s", rc, err.msg);
    check_same(&h, &rd);
    check_build(&h);

    int vrc = lr_mda_header_validate(&h, prefix, dev_size, &err);
    FUZZ_CHECK(mda_rc_ok(vrc), "lr_mda_header_validate returned %d", vrc);
    if (vrc == 0) {
        FUZZ_CHECK(h.checksum_ok && h.start == prefix, "invalid header validated");
        FUZZ_CHECK(h.size <= dev_size - prefix, "area past the device validated");
    }
    /* the same header against other places and sizes */
    (void)lr_mda_header_validate(&h, 4096, 32u << 20, &err);
    (void)lr_mda_header_validate(&h, h.start, UINT64_MAX, &err);

    const lr_raw_locn_t *c = lr_mda_committed(&h);
    FUZZ_CHECK(!c || c == &h.locn[0], "committed is not slot 0");
    for (size_t i = 0; i < h.n_locn; i++)
        check_read_text(io, &h, &h.locn[i]);

    uint64_t max = lr_mda_max_text(h.size);
    FUZZ_CHECK(max <= h.size, "max_text %llu > area size", (unsigned long long)max);
    uint64_t want = size >= 520 ? lr_fuzz_le64(data + 512) : size + 1;
    check_next_offset(&h, 1);
    check_next_offset(&h, max);
    check_next_offset(&h, max + 1);
    check_next_offset(&h, want);

    if (vrc == 0 && max > 0) {
        uint64_t cap = max < 16384 ? max : 16384;
        uint64_t tsize = 1 + (size >= 528 ? lr_fuzz_le64(data + 520) % cap : size % cap);
        check_commit(data, size, prefix, &h, tsize);
    }
    lr_io_close(io, NULL);
    return 0;
}
