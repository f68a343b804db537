/* Internals shared by the mlvm engine's files. */
#ifndef ED_VGEDIT_INT_H
#define ED_VGEDIT_INT_H

#include "lr/undo.h"
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
    lr_undo_t *undo; /* created by the first commit; outlives io */
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
 * NULL), LR_IO_RDWR | LR_IO_EXCL. */
int ed_open_rw(const lr_vgedit_io_opts_t *io, const char *path, lr_io_t **out, lr_error_t *err);

/* Creates the undo file undo_path and stacks the undo layer on *io (which
 * it then owns; *io becomes the stack). On failure nothing was written, *u
 * is NULL and a file this call created is removed. */
int ed_undo_start(const char *undo_path, const char *image, lr_io_t **io, lr_undo_t **u,
                  lr_error_t *err);

/* Finishes the undo file after the writes (status: how they ended) and
 * returns status, or the finishing error when status is 0. */
int ed_undo_end(lr_undo_t *u, int status, lr_error_t *err);

#endif
