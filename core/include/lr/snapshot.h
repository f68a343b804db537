/* lvmrescue core: the persistent exception store of an old-style (dm-snapshot)
 * snapshot, as Linux drivers/md/dm-snap-persistent.c writes it in the COW LV:
 *   chunk 0: header, little-endian: magic "SnAp" (0x70416e53), valid (0 once
 *            the snapshot overflowed or was dropped), version (1),
 *            chunk_size (sectors);
 *   then metadata areas, each one chunk of {old_chunk, new_chunk} le64 pairs
 *   (chunk_size * 512 / 16 of them), each followed by the data chunks its
 *   exceptions point to: area i sits at chunk 1 + i * (per_area + 1). An
 *   entry with new_chunk 0 ends the table (read_exceptions / insert_exceptions).
 * Pure functions: nothing here reads an image. */
#ifndef LR_SNAPSHOT_H
#define LR_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"

#define LR_SNAP_MAGIC 0x70416e53u /* "SnAp" */
#define LR_SNAP_VERSION 1u
#define LR_SNAP_EXCEPTION_SIZE 16u

typedef struct lr_snap_header {
    uint32_t magic, valid, version, chunk_size; /* chunk_size in sectors */
} lr_snap_header_t;

/* Decodes the header from the first len bytes of the COW LV. LR_ENOTFOUND
 * without the magic (a COW never written, or zeroed), LR_EFORMAT for an
 * unknown version or a chunk size that is 0 or not a power of two,
 * LR_ERANGE when len is below 16. */
int lr_snap_header_decode(const void *buf, size_t len, lr_snap_header_t *out, lr_error_t *err);

/* Exceptions one metadata area holds (chunk_size sectors per chunk). */
uint64_t lr_snap_per_area(uint32_t chunk_size);

/* Chunk number of metadata area `area`. */
uint64_t lr_snap_area_chunk(uint32_t chunk_size, uint64_t area);

typedef struct lr_snap_exception {
    uint64_t old_chunk; /* chunk of the origin */
    uint64_t new_chunk; /* chunk of the COW LV holding its old data */
} lr_snap_exception_t;

/* Decodes one metadata area (len bytes, one chunk): stores up to max
 * entries in out, *n of them, and sets *more when the area is full (the
 * table goes on in the next area). Entries whose new_chunk points at chunk
 * 0 (the header) or at a metadata area are LR_EFORMAT, as is an area
 * shorter than a chunk. */
int lr_snap_area_decode(const void *buf, size_t len, uint32_t chunk_size, lr_snap_exception_t *out,
                        size_t max, size_t *n, bool *more, lr_error_t *err);

/* Whether COW chunk `chunk` is a metadata area (or the header). */
bool lr_snap_is_meta_chunk(uint32_t chunk_size, uint64_t chunk);

#endif
