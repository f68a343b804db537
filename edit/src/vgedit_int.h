/* Internals shared by the mlvm engine's files. */
#ifndef ED_VGEDIT_INT_H
#define ED_VGEDIT_INT_H

#include "lr/txn.h"
#include "lr/vgedit.h"

#define ED_MAX_MDA 2

struct lr_vgedit {
    lr_io_t *io;
    char *path;
    bool writable;
    lr_label_t label;
    size_t n_mda;
    lr_mda_header_t mda[ED_MAX_MDA];
    bool mda_usable[ED_MAX_MDA];
    char *text;    /* the current version (pending edits included), NUL-terminated */
    lr_cfg_t *cfg; /* parsed from text */
    lr_vg_t *vg;   /* view over cfg (does not own it) */
    int pv_index;
    bool dirty;
    /* Writing (lr_vgedit_open_ex). */
    char *undo_path; /* NULL: no undo file */
    bool undo_used;  /* a commit created the undo file: it takes no other */
};

/* A change to the scratch copy of the tree; node lookups go by path since
 * the scratch is a fresh parse of ed->text. */
typedef int (*ed_mutate_fn)(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec, void *arg,
                            lr_error_t *err);

/* The result of applying a change: text, tree and view, checked. */
typedef struct ed_state {
    char *text;
    lr_cfg_t *cfg;
    lr_vg_t *vg;
} ed_state_t;

/* Applies fn to a scratch copy of ed's tree, writes it, parses and lr_vg_check's the result into
 * *st (caller frees with ed_state_free or adopts it with ed_state_adopt). */
int ed_build(lr_vgedit_t *ed, ed_mutate_fn fn, void *arg, ed_state_t *st, lr_error_t *err);
void ed_state_free(ed_state_t *st);
/* Replaces ed's current version with st (taking it over). */
void ed_state_adopt(lr_vgedit_t *ed, ed_state_t *st);

/* Opens path for writing with io->open_rw (lr_io_open_rw when io or it is
 * NULL), LR_IO_RDWR | LR_IO_EXCL: the lock is held from loading to the
 * last write, so nobody changes the image in between. */
int ed_open_rw(const lr_vgedit_io_opts_t *io, const char *path, lr_io_t **out, lr_error_t *err);

/* Writes through the one transaction of core (lr/txn.h): ops plans by
 * recording over io, then runs with the planned undo file undo_path (NULL:
 * none) through the guard, and the result is read back and verified. io is
 * the image at path, open for writing (ed_open_rw); the transaction writes
 * through it and leaves it open. *started (may be NULL) tells whether the
 * run got as far as writing (the undo file then exists). Returns what the
 * plan or the run returned. */
int ed_write(lr_io_t *io, const char *path, const char *undo_path, const lr_txn_ops_t *ops,
             bool *started, lr_error_t *err);

#endif
