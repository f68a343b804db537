/* Private to core's write side: the transaction (txn.c), its record and
 * guard layers (txn_layers.c) and the undo layer and files (undo.c,
 * undo_file.c). Not installed. */
#ifndef LR_WRITE_INT_H
#define LR_WRITE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"
#include "lr/safety.h"
#include "lr/txn.h"

struct lr_txn {
    size_t n_images;
    char **paths;         /* where the run opens each image */
    uint64_t *sizes;      /* each image's size at planning */
    size_t *image_writes; /* planned writes per image */
    lr_file_id_t *ids;    /* what each path named when planned (or opened) */
    bool *has_id;         /* ids[i] is known */
    lr_txn_write_t *w;    /* planned writes; before/after are malloc'd */
    size_t n_writes, cap_writes;
    int tag;       /* lr_txn_tag */
    bool planning; /* lr_txn_plan is running the routine */
    bool planned;  /* lr_txn_plan succeeded */
    bool started;  /* lr_txn_run began writing: it cannot run again */
    size_t next;   /* the guard's next planned write */
};

/* Frees every planned write's bytes and forgets them. */
void lr_txn_drop_writes(lr_txn_t *t) __attribute__((visibility("hidden")));

/* fsync of the directory holding path (makes a new file's name durable). */
int lr_sync_dir_of(const char *path, lr_error_t *err) __attribute__((visibility("hidden")));

/* Reads len bytes at off of io and compares them with want: *same is set,
 * and a read error is returned (err filled by lr_io_pread). -ENOMEM when
 * no buffer can be had. */
int lr_read_compare(lr_io_t *io, uint64_t off, const void *want, size_t len, bool *same,
                    lr_error_t *err) __attribute__((visibility("hidden")));

#endif
