/* Internals shared by the mlvm engine's files. */
#ifndef LR_VGEDIT_INT_H
#define LR_VGEDIT_INT_H

#include "lr/vgedit.h"

#define LR_VGEDIT_MAX_MDA 2

struct lr_vgedit {
    lr_io_t *io;
    char *path;
    bool writable;
    lr_label_t label;
    size_t n_mda;
    lr_mda_header_t mda[LR_VGEDIT_MAX_MDA];
    bool mda_usable[LR_VGEDIT_MAX_MDA];
    char *text;    /* the current version (pending edits included), NUL-terminated */
    lr_cfg_t *cfg; /* parsed from text */
    lr_vg_t *vg;   /* view over cfg (does not own it) */
    int pv_index;
    bool dirty;
};

/* A change to the scratch copy of the tree; node lookups go by path since
 * the scratch is a fresh parse of ed->text. */
typedef int (*lr_vgedit_mutate_fn)(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec,
                                   void *arg, lr_error_t *err);

/* The result of applying a change: text, tree and view, checked. */
typedef struct lr_vgedit_state {
    char *text;
    lr_cfg_t *cfg;
    lr_vg_t *vg;
} lr_vgedit_state_t;

/* Applies fn to a scratch copy of ed's tree, writes it, parses and lr_vg_check's the result into
 * *st (caller frees with lr_vgedit_state_free or adopts it with lr_vgedit_state_adopt). */
int lr_vgedit_build(lr_vgedit_t *ed, lr_vgedit_mutate_fn fn, void *arg, lr_vgedit_state_t *st,
                    lr_error_t *err);
void lr_vgedit_state_free(lr_vgedit_state_t *st);
/* Replaces ed's current version with st (taking it over). */
void lr_vgedit_state_adopt(lr_vgedit_t *ed, lr_vgedit_state_t *st);

/* Names where in err and returns rc (lr_error_where returns 0 for a NULL
 * err, which must never turn a failure into success). */
int lr_vgedit_fail(lr_error_t *err, int rc, const char *where);

/* Prefixes err's message with prefix and returns rc. */
int lr_vgedit_prefix_error(lr_error_t *err, int rc, const char *prefix);

#endif
