/* A pool of strings, each held once (lr/strbuf.h). A history of archive
 * files repeats each LV's strings in every version: 3000 versions of 60
 * LVs held 180,000 copies of each name, each its own allocation. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lr/strbuf.h"

#define POOL_BLOCK (64u << 10) /* string bytes per block, a longer string its own */

typedef struct pool_block {
    struct pool_block *next;
    size_t used, size;
    char bytes[];
} pool_block_t;

typedef struct pool_slot {
    char *s; /* NULL: free */
    uint32_t hash;
} pool_slot_t;

struct lr_strpool {
    pool_slot_t *slots; /* open addressing, cap a power of 2 */
    size_t cap, n;
    pool_block_t *blocks; /* the string bytes, newest block first */
};

lr_strpool_t *lr_strpool_new(void)
{
    return calloc(1, sizeof(lr_strpool_t));
}

/* FNV-1a: short strings, no adversary to fear here beyond a slower lookup. */
static uint32_t pool_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Copies s (len bytes and its NUL) into the current block, or a new one. */
static char *pool_store(lr_strpool_t *p, const char *s, size_t len)
{
    pool_block_t *b = p->blocks;
    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > POOL_BLOCK ? len + 1 : POOL_BLOCK;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->used = 0;
        b->size = size;
        b->next = p->blocks;
        p->blocks = b;
    }
    char *d = b->bytes + b->used;
    memcpy(d, s, len + 1);
    b->used += len + 1;
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

const char *lr_strpool_intern(lr_strpool_t *p, const char *s)
{
    if (!p || !s)
        return NULL;
    if ((p->n + 1) * 4 > p->cap * 3 && pool_grow(p)) /* at most 3/4 full */
        return NULL;
    uint32_t h = pool_hash(s);
    size_t k = h & (p->cap - 1);
    for (; p->slots[k].s; k = (k + 1) & (p->cap - 1))
        if (p->slots[k].hash == h && strcmp(p->slots[k].s, s) == 0)
            return p->slots[k].s;
    char *d = pool_store(p, s, strlen(s));
    if (!d)
        return NULL;
    p->slots[k] = (pool_slot_t){d, h};
    p->n++;
    return d;
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
