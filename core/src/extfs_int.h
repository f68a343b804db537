/* Private to core/src/extfs*.c: the open filesystem (lr/extfs.h's
 * lr_extfs_t) and what its files share. Only in a build with libext2fs. */
#ifndef LR_EXTFS_INT_H
#define LR_EXTFS_INT_H

#ifdef LR_HAVE_EXT2FS
#include <ext2fs/ext2fs.h>

#include "lr/extfs.h"

struct lr_extfs {
    ext2_filsys fs;
    uint64_t offset;
    lr_extfs_replay_t replay; /* what was done with its journal at open */
    uint8_t *bitmap;          /* the last group's block bitmap read, and its state */
    dgrp_t bitmap_group;
    int bitmap_rc; /* 0 read, LR_ECHECKSUM, LR_EFORMAT; 1: none read yet */
};

/* jbd2's magic (big-endian), which a logged block that began with it had
 * zeroed in the log (JBD2_FLAG_ESCAPE). */
#define EXTFS_JBD_MAGIC 0xC03B3998u

/* A block of the filesystem whose latest copy the journal's live log
 * holds: read from there (the replay, lr_extfs_open). */
typedef struct extfs_logged {
    uint64_t block;  /* the filesystem's block */
    uint64_t from;   /* the filesystem's block holding the journal's copy */
    uint32_t escape; /* 1: its first 4 bytes were the jbd2 magic (zeroed in the log) */
} extfs_logged_t;

/* Replays fs's live log in memory (it needs recovery): the blocks to read
 * from the journal, ascending by block, in *out (malloc'd, the caller
 * frees it; NULL when none) and *n; info's counts. Blocks at or past
 * max_block (past the image: the filesystem's own count may be what the
 * log grows) are passed over. Returns 0 (nothing to
 * replay: *n 0), LR_EFORMAT when the journal does not read as jbd2,
 * LR_ELIMIT past LR_EXTFS_REPLAY_MAX logged blocks, -ENOMEM; err says. */
int extfs_replay(lr_extfs_t *fs, uint64_t max_block, extfs_logged_t **out, size_t *n,
                 lr_extfs_replay_t *info, lr_error_t *err);

/* libext2fs's words for a code (com_err's table), for a message; never
 * NULL, a static string. */
const char *extfs_why(errcode_t e);
#endif

#endif
