/* The evidence's string pool (evidence_int.h): every string of the tree's
 * LVs (names, ids, segment types, content, the PV keys and ids of reuses,
 * remaps and moves) is held once. A history of archive files repeats each
 * LV's strings in every version: 3000 versions of 60 LVs held 180,000
 * copies of each kind, each its own allocation. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"

#define POOL_BLOCK (64u << 10) /* string bytes per block, a longer string its own */

struct ev_pool_block {
    struct ev_pool_block *next;
    size_t used, size;
    char bytes[];
};

/* FNV-1a: short strings, no adversary to fear here beyond a slower lookup. */
static uint32_t pool_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Copies s (len bytes and its NUL) into the current block, or a new one. */
static char *pool_store(ev_pool_t *p, const char *s, size_t len)
{
    struct ev_pool_block *b = p->blocks;
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
static int pool_grow(ev_pool_t *p)
{
    size_t cap = p->cap ? p->cap * 2 : 16;
    ev_pool_slot_t *t = calloc(cap, sizeof(*t));
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

char *ev_intern(ev_pool_t *p, const char *s)
{
    if (!s)
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
    p->slots[k] = (ev_pool_slot_t){d, h};
    p->n++;
    return d;
}

int ev_intern_content(ev_pool_t *p, lr_ev_content_t *d, const lr_ev_content_t *s)
{
    *d = *s;
    d->type = ev_intern(p, s->type);
    d->usage = ev_intern(p, s->usage);
    d->label = ev_intern(p, s->label);
    d->uuid = ev_intern(p, s->uuid);
    d->version = ev_intern(p, s->version);
    d->detail = ev_intern(p, s->detail);
    if ((s->type && !d->type) || (s->usage && !d->usage) || (s->label && !d->label) ||
        (s->uuid && !d->uuid) || (s->version && !d->version) || (s->detail && !d->detail))
        return -ENOMEM;
    return 0;
}

void ev_pool_free(ev_pool_t *p)
{
    while (p->blocks) {
        struct ev_pool_block *b = p->blocks;
        p->blocks = b->next;
        free(b);
    }
    free(p->slots);
    memset(p, 0, sizeof(*p));
}
