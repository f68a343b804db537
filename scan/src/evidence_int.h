/* Evidence engine: state shared by evidence.c, evidence_probe.c and
 * evidence_rec.c. Not installed; the public API is lr/evidence.h. */
#ifndef LR_EVIDENCE_INT_H
#define LR_EVIDENCE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/evidence.h"
#include "lr/io.h"
#include "lr/lvmap.h"
#include "lr/meta.h"
#include "lr/strbuf.h"

/* One PV area of one LV of one version, as absolute image bytes [a, b). */
typedef struct ev_iv {
    int image;
    uint64_t a, b;
    uint32_t g, v, lv; /* VG, version, LV indexes */
    uint32_t pv;       /* index into that version's vg->pvs */
    uint64_t pe;       /* PV extent at a */
    uint64_t le;       /* the LV's logical extent at a (first stripe's, for striped) */
    uint64_t ext;      /* extent size in bytes */
    bool lv_start;     /* the area holds the LV's first byte at a */
} ev_iv_t;

/* A layout key and its index (open addressing, capacity a power of 2). */
typedef struct ev_cache_ent {
    char *key;     /* NULL: free slot */
    size_t layout; /* index into its owner's layouts */
} ev_cache_ent_t;
/* The slot of key in tab: its entry, or the free slot it would take. */
ev_cache_ent_t *ev_key_slot(ev_cache_ent_t *tab, size_t cap, const char *key);
/* Makes room in *tab (n entries used) for one more; 0, or -ENOMEM. */
int ev_key_grow(ev_cache_ent_t **tab, size_t *cap, size_t n);

#define EV_PREV_UNKNOWN (-2) /* ev_ctx_t.prevs: not computed yet */

/* ---- the string pool ----
 *
 * Every string of the tree's LVs (lr_ev_lv_t: name, id, segtype, content;
 * its reuses', remaps' and moves' strings) is held once, by the pool of the
 * evidence that holds the LV (ev_priv_t, lr/strbuf.h's lr_strpool_t), and
 * never freed on its own: a long history repeats them in every version. The
 * versions' views put their strings and arrays into a pool of their own
 * (ev_ctx_t.view_pool), freed with them when the build ends. */

/* The pool's copy of s, writable in type only (the public tree's fields
 * are char *): never change it. NULL for NULL s, or without memory. */
char *ev_intern(lr_strpool_t *p, const char *s);
/* s into d, each string the pool's; -ENOMEM (d then holds what was
 * copied, its other strings NULL). */
int ev_intern_content(lr_strpool_t *p, lr_ev_content_t *d, const lr_ev_content_t *s);

/* What lr_evidence_build allocates: the tree and the pool of its LVs'
 * strings, freed together by lr_evidence_free. */
typedef struct ev_priv {
    lr_evidence_t pub; /* first: lr_evidence_free casts back */
    lr_strpool_t *pool;
} ev_priv_t;

typedef struct ev_ctx {
    const lr_scan_session_t *session;
    const lr_scan_t *scan;
    lr_evidence_opts_t opts;
    lr_evidence_t *ev;
    lr_strpool_t *pool;      /* the strings of ev's LVs (ev_priv_t.pool) */
    lr_strpool_t *view_pool; /* the views' strings and arrays once their trees
                                are dropped (lr_vg_drop_tree): freed
                                with the views, at the end of the build */
    lr_vg_t ***views;        /* [vg][version], NULL when not loaded */
    int **prevs;             /* [vg][version]: ev_prev_version once known (after loading),
                                EV_PREV_UNKNOWN before */
    ev_cache_ent_t *cache;
    size_t cache_cap, cache_n;
    /* evidence_rec.c, while it recommends for one VG with no seqno written
       twice: each LV UUID (raw) and the newest version holding it (its
       index: the entry's layout); cap 0 when not built */
    ev_cache_ent_t *newest;
    size_t newest_cap, newest_n;
    int memfd;    /* the probe's device, -1 until first use */
    uint8_t *buf; /* the image bytes being read for the probes (a chunk) */
    ev_iv_t *ivs;
    size_t n_ivs, cap_ivs;
} ev_ctx_t;

/* evidence.c */
char *ev_strdup(const char *s);
/* Two strings alike, NULL only like NULL. */
bool ev_same_str(const char *a, const char *b);
int ev_push_range(lr_ev_range_t **v, size_t *n, size_t *cap, uint64_t first, uint64_t last);
void ev_free_content(lr_ev_content_t *c);
/* Appends the ranges every reuse of o takes on PV key pv to v. */
int ev_reuse_ranges(const lr_ev_lv_t *o, const char *pv, lr_ev_range_t **v, size_t *n, size_t *cap);
/* Extents of [first, last] that the ranges cover (overlaps counted once;
 * sorts r). Range arithmetic: crafted extent counts cost nothing. */
uint64_t ev_covered(uint64_t first, uint64_t last, lr_ev_range_t *r, size_t n);

#define EV_MAX_RUNS 64 /* image runs per probed end (striped LVs) */

/* The image bytes the probe reads of an LV: its first hlen bytes (at most
 * LR_EVIDENCE_PROBE_BYTES, in runs hr) and its last tlen (at most
 * LR_EVIDENCE_TAIL_BYTES after the head, in runs tr). */
typedef struct ev_runs {
    uint64_t hlen, tlen;
    lr_lvmap_run_t hr[EV_MAX_RUNS], tr[EV_MAX_RUNS];
    size_t nh, nt;
} ev_runs_t;

/* evidence.c: the LV's size in bytes (UINT64_MAX when it overflows). */
uint64_t ev_lv_size(const lr_vg_t *vg, const lr_lv_t *lv);

/* The key of a layout (the LV's size and the runs of its head and tail),
 * the same wherever it is made; NULL without memory. The caller frees it. */
char *ev_layout_key(uint64_t size, const ev_runs_t *r);
/* A deep copy of s into d; -ENOMEM (d then holds what was copied). */
int ev_copy_content(lr_ev_content_t *d, const lr_ev_content_t *s);
#ifdef LR_HAVE_BLKID
/* libblkid's view of the file fd of size bytes, into *t; 0 or -ENOMEM. */
int ev_blkid_content(int fd, uint64_t size, lr_ev_content_t *t);
#endif
/* The filesystem size t's type records in the volume's first len bytes
 * (head), when t found one; 0 or -ENOMEM. */
int ev_fill_fs_size(lr_ev_content_t *t, const uint8_t *head, size_t len);

/* ---- the probe of the stream (evidence_early.c) ----
 *
 * While a single-piece compressed image streams, the scan (keep.c) hands
 * over each layout its metadata copies give whose bytes are all still
 * ahead of the stream; the stream's buffers fill them as they pass, and a
 * layout whose bytes are all in is probed there and then, as a read behind
 * the stream would decode the image again from its start. The evidence
 * (ev_probe_all) takes the content of a layout probed so instead of
 * reading it. One thread uses an ev_early_t at a time: the single stream's
 * scanning thread, or a worker streaming a whole image into one of its own
 * (workers.c), which the merge then takes. NULL is accepted for e
 * (nothing is taken). */
typedef struct ev_early ev_early_t;

/* A probe of the stream over images read through ios (n of them,
 * borrowed); NULL without memory, or when built without libblkid (the scan
 * then keeps ranges only). Free with ev_early_free. */
ev_early_t *ev_early_new(lr_io_t *const *ios, size_t n);
void ev_early_free(ev_early_t *e);
/* Image i may be probed so (it is read once, as one piece). */
void ev_early_allow(ev_early_t *e, int image);
bool ev_early_allowed(const ev_early_t *e, int image);
/* Takes the layout of an LV of size bytes and runs r: 1 when it is (or
 * already was) taken, 0 when not (a run on an image not allowed, or one
 * not wholly ahead of the stream; too many layouts; no memory): the
 * caller keeps its bytes then. */
int ev_early_add(ev_early_t *e, uint64_t size, const ev_runs_t *r);
/* Bytes [pos, pos + n) of image, at p, went by: they fill the layouts
 * taken, each probed once all its bytes are in. Never fails: a layout that
 * cannot be filled or probed is left to the evidence. */
void ev_early_feed(ev_early_t *e, int image, uint64_t pos, const uint8_t *p, size_t n);
/* The stream of image ended. damaged: some of its bytes were unreadable
 * (a corrupt piece, a cut image, a failed read): every layout with bytes
 * there is left to the evidence, which says what it finds. */
void ev_early_image_end(ev_early_t *e, int image, bool damaged);
/* Moves the layouts src probed (a worker's, over one image) into dst,
 * the session's; src keeps the others, to be freed with it. Neither may
 * be in use by another thread. */
void ev_early_take(ev_early_t *dst, ev_early_t *src);
/* The content probed for the layout of key, or NULL. Owned by e. */
const lr_ev_content_t *ev_early_find(const ev_early_t *e, const char *key);

/* evidence_probe.c: content of every LV (cached per layout), then reuse. */
/* The runs the probe reads of LV lv of vg (size bytes, neither 0 nor
 * UINT64_MAX), mapped through scan's PVs: 0, or lr_lvmap_range's failure
 * with *w. The scan (keep.c) asks the same to keep those bytes of a
 * compressed image while it streams. */
int ev_lv_runs(const lr_scan_t *scan, const lr_vg_t *vg, const lr_lv_t *lv, uint64_t size,
               ev_runs_t *r, lr_lvmap_why_t *w);
int ev_probe_all(ev_ctx_t *c);
int ev_reuse_all(ev_ctx_t *c);
void ev_probe_cache_free(ev_ctx_t *c);

/* evidence_remap.c: ranges reduced away and extended again elsewhere
 * (after the probe: a filesystem reaching into them is said), and ranges
 * of older versions the current version maps elsewhere (lr_ev_move_t). */
int ev_remap_all(ev_ctx_t *c);
/* Whether LV lb of view b maps the first `extents` logical extents of LV la
 * of view a to the same places (linear areas by PV UUID and offset, other
 * segments laid out alike): the data there is the same bytes. */
bool ev_same_place(const lr_vg_t *a, const lr_lv_t *la, const lr_vg_t *b, const lr_lv_t *lb,
                   uint64_t extents);

/* evidence_rec.c: the index of vg's current version (lr_ev_vg_t.current)
 * when it is loaded, else of the newest loaded version; -1 when none is. */
int ev_current(const lr_ev_vg_t *vg);
/* evidence.c: the loaded version written just before version k of VG g:
 * the next older seqno's; when the VG has two loaded versions of one
 * seqno (a vgcfgrestore wrote seqnos again), the one whose copy lies just
 * before k's in a ring they share. -1 when none. */
int ev_prev_version(const ev_ctx_t *c, size_t g, size_t k);
/* Whether two loaded versions of VG g share a seqno: a vgcfgrestore wrote
 * seqnos again, so seqno order is not the order of the writes. */
bool ev_seqnos_repeat(const ev_ctx_t *c, size_t g);

/* evidence_rec.c */
int ev_recommend(ev_ctx_t *c, size_t g);
/* Whether version k of VG g is one only backup or archive files hold,
 * newer than what the disks hold: the disks never had it, so its LVs
 * wrote nothing there (no taker of extents, no state to restore). */
bool ev_beyond_disks(const ev_ctx_t *c, size_t g, size_t k);
/* The reuse whose taker's signature (same type, UUID and label) is what
 * o's start holds now: o's own data there is overwritten. NULL when o's
 * content is not a found signature or matches no taker's. */
const lr_ev_reuse_t *ev_head_taker(const lr_evidence_t *ev, const lr_ev_lv_t *o);
/* The content evidence for restoring version p of VG g to undo the event
 * at version e (e < 0: another VG took extents after the newest version,
 * p being the newest); appends why to `why` (may be NULL):
 * "; ranked lower: root's start now holds scratch's ext4", "; home's own
 * ext4 is still at its start", "; no signature found at the start of lv1". */
lr_ev_grade_t ev_grade(const lr_evidence_t *ev, size_t g, size_t p, int e, lr_strbuf_t *why);
/* The ranking: whether a candidate (recoverable?, grade) comes before
 * another. Recoverable first, then the higher grade; equal ones keep the
 * order of their events. */
bool ev_cand_before(bool rec_a, lr_ev_grade_t a, bool rec_b, lr_ev_grade_t b);

#endif
