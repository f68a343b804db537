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
    uint8_t *bitmap; /* the last group's block bitmap read, and its state */
    dgrp_t bitmap_group;
    int bitmap_rc; /* 0 read, LR_ECHECKSUM, LR_EFORMAT; 1: none read yet */
};

/* libext2fs's words for a code (com_err's table), for a message; never
 * NULL, a static string. */
const char *extfs_why(errcode_t e);
#endif

#endif
