/* A pool of strings and arrays, each held once (lr/strbuf.h). A history of
 * archive files repeats each LV's strings and segments in every version:
 * 3000 versions of 60 LVs held 180,000 copies of each name, each its own
 * allocation. A string is its bytes with the NUL: one table holds both. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lr/strbuf.h"

#define POOL_BLOCK (64u << 10) /* string bytes per block, a longer string its own */

typedef struct pool_block {
    struct pool_block *next;
    size_t used, size;
    _Alignas(max_align_t) char bytes[]; /* malloc's alignment, so aligned */
} pool_block_t;

typedef struct pool_slot {
    char *s; /* NULL: free */
    size_t len;
    uint32_t hash;
} pool_slot_t;

/* A pooled array starts here (a multiple of its members' alignment). */
#define POOL_ALIGN _Alignof(max_align_t)

struct lr_strpool {
    pool_slot_t *slots; /* open addressing, cap a power of 2 */
    size_t cap, n;
    pool_block_t *blocks; /* the string bytes, newest block first */
};

lr_strpool_t *lr_strpool_new(void)
{
    return calloc(1, sizeof(lr_strpool_t));
}

/* FNV-1a: short keys, no adversary to fear here beyond a slower lookup. */
static uint32_t pool_hash(const void *data, size_t len)
{
    const uint8_t *b = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* Copies len bytes into the current block (at an aligned place when
 * align), or a new one. */
static char *pool_store(lr_strpool_t *p, const void *data, size_t len, bool align)
{
    pool_block_t *b = p->blocks;
    size_t at = b ? b->used : 0;
    if (b && align)
        at = (at + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN;
    if (!b || at > b->size || b->size - at < len) {
        size_t size = len > POOL_BLOCK ? len : POOL_BLOCK;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->size = size;
        b->next = p->blocks;
        p->blocks = b;
        at = 0;
    }
    char *d = b->bytes + at;
    memcpy(d, data, len);
    b->used = at + len;
    return d;
}

/* Doubles the table (16 slots at first), rehashing what it holds. */
static int pool_grow(lr_strpool_t *p)
{
    size_t cap = p->cap ? p->cap * 2 : 16;
    pool_slot_t *t = calloc(cap, sizeof(*t));
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; i < p->cap; i++) {
        if (!p->slots[i].s)
            continue;
        size_t k = p->slots[i].hash & (cap - 1);
        while (t[k].s)
            k = (k + 1) & (cap - 1);
        t[k] = p->slots[i];
    }
    free(p->slots);
    p->slots = t;
    p->cap = cap;
    return 0;
}

/* The pool's copy of len bytes (len > 0). */
static const void *pool_intern(lr_strpool_t *p, const void *data, size_t len, bool align)
{
    if ((p->n + 1) * 4 > p->cap * 3 && pool_grow(p)) /* at most 3/4 full */
        return NULL;
    uint32_t h = pool_hash(data, len);
    size_t k = h & (p->cap - 1);
    for (; p->slots[k].s; k = (k + 1) & (p->cap - 1))
        if (p->slots[k].hash == h && p->slots[k].len == len &&
            memcmp(p->slots[k].s, data, len) == 0 &&
            (!align || (uintptr_t)p->slots[k].s % POOL_ALIGN == 0))
            return p->slots[k].s;
    char *d = pool_store(p, data, len, align);
    if (!d)
        return NULL;
    p->slots[k] = (pool_slot_t){d, len, h};
    p->n++;
    return d;
}

const char *lr_strpool_intern(lr_strpool_t *p, const char *s)
{
    if (!p || !s)
        return NULL;
    return pool_intern(p, s, strlen(s) + 1, false);
}

const void *lr_strpool_intern_bytes(lr_strpool_t *p, const void *data, size_t len)
{
    if (!p || !data || !len)
        return NULL;
    return pool_intern(p, data, len, true);
}

size_t lr_strpool_count(const lr_strpool_t *p)
{
    return p ? p->n : 0;
}

void lr_strpool_free(lr_strpool_t *p)
{
    if (!p)
        return;
    while (p->blocks) {
        pool_block_t *b = p->blocks;
        p->blocks = b->next;
        free(b);
    }
    free(p->slots);
    free(p);
}
