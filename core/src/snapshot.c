/* The dm-snapshot persistent exception store (see lr/snapshot.h). */
#include "lr/snapshot.h"

#include <errno.h>
#include <inttypes.h>

#include "le.h"

int lr_snap_header_decode(const void *buf, size_t len, lr_snap_header_t *out, lr_error_t *err)
{
    if (!buf || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    if (len < 16)
        return lr_error_set(err, LR_ERANGE, 0, "snapshot header: %zu bytes, need 16", len);
    const uint8_t *p = buf;
    out->magic = lr_get_le32(p);
    out->valid = lr_get_le32(p + 4);
    out->version = lr_get_le32(p + 8);
    out->chunk_size = lr_get_le32(p + 12);
    if (out->magic != LR_SNAP_MAGIC)
        return lr_error_set(err, LR_ENOTFOUND, 0, "no snapshot header (magic 0x%08x)",
                            (unsigned)out->magic);
    if (out->version != LR_SNAP_VERSION)
        return lr_error_set(err, LR_EFORMAT, 8, "snapshot header version %u (only 1 is known)",
                            (unsigned)out->version);
    uint32_t c = out->chunk_size;
    if (c == 0 || (c & (c - 1)) || c > (1u << 21))
        return lr_error_set(err, LR_EFORMAT, 12, "snapshot chunk size %u sectors is not valid",
                            (unsigned)c);
    return 0;
}

uint64_t lr_snap_per_area(uint32_t chunk_size)
{
    return (uint64_t)chunk_size * 512u / LR_SNAP_EXCEPTION_SIZE;
}

uint64_t lr_snap_area_chunk(uint32_t chunk_size, uint64_t area)
{
    return 1 + area * (lr_snap_per_area(chunk_size) + 1);
}

bool lr_snap_is_meta_chunk(uint32_t chunk_size, uint64_t chunk)
{
    uint64_t stride = lr_snap_per_area(chunk_size) + 1;
    return chunk == 0 || (stride && (chunk - 1) % stride == 0);
}

int lr_snap_area_decode(const void *buf, size_t len, uint32_t chunk_size, lr_snap_exception_t *out,
                        size_t max, size_t *n, bool *more, lr_error_t *err)
{
    if (!buf || !n || !more || (max && !out))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    uint64_t per = lr_snap_per_area(chunk_size);
    *n = 0;
    *more = false;
    if (per == 0 || len < per * LR_SNAP_EXCEPTION_SIZE)
        return lr_error_set(err, LR_ERANGE, 0, "snapshot metadata area shorter than a chunk");
    const uint8_t *p = buf;
    for (uint64_t i = 0; i < per; i++) {
        uint64_t old_chunk = lr_get_le64(p + i * LR_SNAP_EXCEPTION_SIZE);
        uint64_t new_chunk = lr_get_le64(p + i * LR_SNAP_EXCEPTION_SIZE + 8);
        if (new_chunk == 0)
            return 0; /* end of the table */
        if (lr_snap_is_meta_chunk(chunk_size, new_chunk))
            return lr_error_set(err, LR_EFORMAT, i * LR_SNAP_EXCEPTION_SIZE,
                                "exception %" PRIu64 " points at metadata chunk %" PRIu64, i,
                                new_chunk);
        if (*n == max)
            return lr_error_set(err, LR_ELIMIT, i * LR_SNAP_EXCEPTION_SIZE,
                                "more exceptions than room for them");
        out[*n].old_chunk = old_chunk;
        out[*n].new_chunk = new_chunk;
        (*n)++;
    }
    *more = true;
    return 0;
}
