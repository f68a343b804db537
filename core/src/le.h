/* Private: little-endian field access for on-disk structures. Every
 * on-disk field is read and written byte by byte through these, never by
 * casting a buffer to a struct (no alignment, padding or host-endian
 * assumptions). Callers check bounds before calling. */
#ifndef LR_LE_H
#define LR_LE_H

#include <stdint.h>

/* 24-bit fields: a zstd block header (RFC 8878 3.1.1.2) is 3 bytes. */
static inline uint32_t lr_get_le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t lr_get_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static inline uint32_t lr_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t lr_get_le64(const uint8_t *p)
{
    return (uint64_t)lr_get_le32(p) | (uint64_t)lr_get_le32(p + 4) << 32;
}

static inline void lr_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void lr_put_le64(uint8_t *p, uint64_t v)
{
    lr_put_le32(p, (uint32_t)v);
    lr_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Big-endian fields (qcow2, VHD). */
static inline uint32_t lr_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t lr_get_be64(const uint8_t *p)
{
    return (uint64_t)lr_get_be32(p) << 32 | lr_get_be32(p + 4);
}

static inline void lr_put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void lr_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void lr_put_be64(uint8_t *p, uint64_t v)
{
    lr_put_be32(p, (uint32_t)(v >> 32));
    lr_put_be32(p + 4, (uint32_t)v);
}

/* a + b into *sum; 1 on overflow. */
static inline int lr_add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
    return __builtin_add_overflow(a, b, sum);
}

#endif
