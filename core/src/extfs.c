/* ext2/3/4 through libext2fs (lr/extfs.h). libext2fs reads through an
 * io_manager; ours reads an lr_io_t from the filesystem's offset and
 * refuses every write, so no path of the library can change the image.
 * The superblock fields are from the kernel's fs/ext4/ext4.h struct
 * ext4_super_block. */
#include "lr/extfs.h"
#include "lr/sort.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extfs_int.h"
#include "le.h"

#ifdef LR_HAVE_EXT2FS
#include <ext2fs/ext2fs.h>
#include <pthread.h>
#endif

#define EXT_MAGIC 0xEF53u
#define EXT_INCOMPAT_64BIT 0x80u
#define EXT_SB_NEED 0x154u /* through s_blocks_count_hi */

bool lr_extfs_superblock(const uint8_t *p, size_t avail, uint32_t *block_size, uint64_t *size)
{
    if (avail < EXT_SB_NEED || (p[LR_EXTFS_MAGIC_AT] | p[LR_EXTFS_MAGIC_AT + 1] << 8) != EXT_MAGIC)
        return false;
    uint32_t log = lr_get_le32(p + 0x18); /* s_log_block_size: 1 KiB << log */
    if (log > 6)                          /* 64 KiB blocks at most */
        return false;
    if ((p[0x5a] | p[0x5b] << 8) != 0) /* s_block_group_nr: a backup's group */
        return false;
    uint64_t blocks = lr_get_le32(p + 0x04); /* s_blocks_count_lo */
    if (lr_get_le32(p + 0x60) & EXT_INCOMPAT_64BIT)
        blocks |= (uint64_t)lr_get_le32(p + 0x150) << 32; /* s_blocks_count_hi */
    uint32_t bs = 1024u << log;
    uint64_t bytes;
    if (blocks == 0 || __builtin_mul_overflow(blocks, (uint64_t)bs, &bytes))
        return false;
    if (block_size)
        *block_size = bs;
    if (size)
        *size = bytes;
    return true;
}

bool lr_extfs_superblock_inline(const uint8_t *p, size_t avail)
{
    /* s_feature_incompat's INLINE_DATA */
    return lr_extfs_superblock(p, avail, NULL, NULL) && (lr_get_le32(p + 0x60) & 0x8000u);
}

#ifndef LR_HAVE_EXT2FS

bool lr_extfs_available(void)
{
    return false;
}

int lr_extfs_open(lr_io_t *io, uint64_t offset, uint64_t max_gdt, lr_extfs_t **out, lr_error_t *err)
{
    (void)io, (void)max_gdt;
    *out = NULL;
    return lr_error_set(err, -ENOTSUP, offset, "built without libext2fs");
}

void lr_extfs_free(lr_extfs_t *fs)
{
    (void)fs;
}

lr_extfs_replay_t lr_extfs_replay(const lr_extfs_t *fs)
{
    (void)fs;
    return (lr_extfs_replay_t){LR_EXTFS_LOG_CLEAN, LR_EXTFS_WHY_NONE, 0, 0, 0, 0, false, false};
}

uint32_t lr_extfs_block_size(const lr_extfs_t *fs)
{
    (void)fs;
    return 0;
}

uint64_t lr_extfs_size(const lr_extfs_t *fs)
{
    (void)fs;
    return 0;
}

uint64_t lr_extfs_held(const lr_extfs_t *fs)
{
    (void)fs;
    return 0;
}

int lr_extfs_files_at(lr_extfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                      lr_extfs_file_t *files, uint64_t *budget, lr_error_t *err)
{
    (void)fs, (void)blocks, (void)n, (void)max_size, (void)files, (void)budget;
    return lr_error_set(err, -ENOTSUP, 0, "built without libext2fs");
}

int lr_extfs_inline_files(lr_extfs_t *fs, const char *prefix, size_t plen, uint64_t max_size,
                          uint64_t *budget, lr_extfs_inline_t **out, size_t *n, lr_error_t *err)
{
    (void)fs, (void)prefix, (void)plen, (void)max_size, (void)budget;
    *out = NULL;
    *n = 0;
    return lr_error_set(err, -ENOTSUP, 0, "built without libext2fs");
}

int lr_extfs_read(lr_extfs_t *fs, uint32_t ino, void *buf, size_t len, size_t *got, lr_error_t *err)
{
    (void)fs, (void)ino, (void)buf, (void)len, (void)got;
    return lr_error_set(err, -ENOTSUP, 0, "built without libext2fs");
}

int lr_extfs_block_used(lr_extfs_t *fs, uint64_t block, lr_error_t *err)
{
    (void)fs;
    return lr_error_set(err, -ENOTSUP, block, "built without libext2fs");
}

int lr_extfs_journal_files(lr_extfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                           lr_extfs_past_t *past, uint64_t *budget, lr_error_t *err)
{
    (void)fs, (void)blocks, (void)max_size, (void)budget;
    for (size_t i = 0; i < n; i++)
        past[i] = (lr_extfs_past_t){0};
    return lr_error_set(err, -ENOTSUP, 0, "built without libext2fs");
}

#else

/* ---- the io_manager ----------------------------------------------------- */

/* What a channel reads: libext2fs gives the manager's open only a name,
 * so the name carries this struct's address ("lr_io:%p", made and read
 * within this file only). */
typedef struct extfs_src {
    lr_io_t *io;
    uint64_t offset;
    /* the journal's copies read in place of their blocks (the replay) */
    extfs_logged_t *logged;
    size_t n_logged;
    uint32_t bs; /* their blocks' size */
} extfs_src_t;

static struct struct_io_manager extfs_manager;

static errcode_t extfs_io_open(const char *name, int flags, io_channel *channel)
{
    void *ptr = NULL;
    if (!name || sscanf(name, "lr_io:%p", &ptr) != 1 || !ptr)
        return EXT2_ET_BAD_DEVICE_NAME;
    if (flags & IO_FLAG_RW)
        return EXT2_ET_RO_FILSYS; /* never opened for writing */
    io_channel ch = calloc(1, sizeof(*ch));
    char *copy = strdup(name);
    if (!ch || !copy) {
        free(ch);
        free(copy);
        return EXT2_ET_NO_MEMORY;
    }
    ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    ch->manager = &extfs_manager;
    ch->name = copy;
    ch->block_size = 1024;
    ch->refcount = 1;
    ch->private_data = ptr;
    *channel = ch;
    return 0;
}

static errcode_t extfs_io_close(io_channel ch)
{
    if (--ch->refcount > 0)
        return 0;
    free(ch->name);
    free(ch);
    return 0;
}

static errcode_t extfs_io_set_blksize(io_channel ch, int blksize)
{
    ch->block_size = blksize;
    return 0;
}

/* Puts over data (len bytes of the filesystem from byte at) the
 * journal's copies of the blocks it holds (the replay, lr_extfs_open). */
static errcode_t extfs_io_logged(const extfs_src_t *src, uint64_t at, uint64_t len, uint8_t *data)
{
    size_t lo = 0, hi = src->n_logged;
    uint64_t first = at / src->bs;
    while (lo < hi) { /* the first logged block at or after the read's first */
        size_t mid = lo + (hi - lo) / 2;
        if (src->logged[mid].block < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint8_t *copy = NULL;
    for (size_t i = lo; i < src->n_logged; i++) {
        const extfs_logged_t *g = &src->logged[i];
        uint64_t from = g->block * src->bs; /* no overflow: within the filesystem */
        if (from >= at + len)
            break;
        if (!copy && !(copy = malloc(src->bs)))
            return EXT2_ET_NO_MEMORY;
        if (lr_io_pread(src->io, copy, src->bs, src->offset + g->from * src->bs, NULL)) {
            free(copy);
            return EXT2_ET_SHORT_READ;
        }
        if (g->escape) { /* the log zeroed the magic this block began with */
            copy[0] = (uint8_t)(EXTFS_JBD_MAGIC >> 24), copy[1] = (uint8_t)(EXTFS_JBD_MAGIC >> 16);
            copy[2] = (uint8_t)(EXTFS_JBD_MAGIC >> 8), copy[3] = (uint8_t)EXTFS_JBD_MAGIC;
        }
        uint64_t lo_b = from > at ? from : at;
        uint64_t hi_b = from + src->bs < at + len ? from + src->bs : at + len;
        memcpy(data + (lo_b - at), copy + (lo_b - from), (size_t)(hi_b - lo_b));
    }
    free(copy);
    return 0;
}

/* A negative count is a byte count (libext2fs's convention). */
static errcode_t extfs_io_read64(io_channel ch, unsigned long long block, int count, void *data)
{
    const extfs_src_t *src = ch->private_data;
    uint64_t len = count < 0 ? (uint64_t) - (int64_t)count : (uint64_t)count * ch->block_size;
    uint64_t at;
    if (__builtin_mul_overflow((uint64_t)block, (uint64_t)ch->block_size, &at) ||
        __builtin_add_overflow(at, src->offset, &at) || len > SIZE_MAX)
        return EXT2_ET_LLSEEK_FAILED;
    uint64_t size = lr_io_size(src->io);
    if (at > size || len > size - at)
        return EXT2_ET_SHORT_READ;
    if (lr_io_pread(src->io, data, (size_t)len, at, NULL))
        return EXT2_ET_SHORT_READ;
    return src->n_logged ? extfs_io_logged(src, at - src->offset, len, data) : 0;
}

static errcode_t extfs_io_read(io_channel ch, unsigned long block, int count, void *data)
{
    return extfs_io_read64(ch, block, count, data);
}

static errcode_t extfs_io_write(io_channel ch, unsigned long block, int count, const void *data)
{
    (void)ch, (void)block, (void)count, (void)data;
    return EXT2_ET_RO_FILSYS;
}

static errcode_t extfs_io_write64(io_channel ch, unsigned long long block, int count,
                                  const void *data)
{
    (void)ch, (void)block, (void)count, (void)data;
    return EXT2_ET_RO_FILSYS;
}

static errcode_t extfs_io_write_byte(io_channel ch, unsigned long offset, int count,
                                     const void *data)
{
    (void)ch, (void)offset, (void)count, (void)data;
    return EXT2_ET_RO_FILSYS;
}

static errcode_t extfs_io_flush(io_channel ch)
{
    (void)ch;
    return 0;
}

static errcode_t extfs_io_set_option(io_channel ch, const char *option, const char *arg)
{
    (void)ch, (void)option, (void)arg;
    return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager extfs_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "lvmrescue read-only I/O",
    .open = extfs_io_open,
    .close = extfs_io_close,
    .set_blksize = extfs_io_set_blksize,
    .read_blk = extfs_io_read,
    .write_blk = extfs_io_write,
    .flush = extfs_io_flush,
    .write_byte = extfs_io_write_byte,
    .set_option = extfs_io_set_option,
    .read_blk64 = extfs_io_read64,
    .write_blk64 = extfs_io_write64,
};

/* ---- the filesystem ------------------------------------------------------ */

bool lr_extfs_available(void)
{
    return true;
}

static pthread_once_t extfs_once = PTHREAD_ONCE_INIT;

/* com_err knows libext2fs's words once its table is added (else "Unknown
 * code ext2 26", from a static buffer). */
static void extfs_words(void)
{
    initialize_ext2_error_table();
}

const char *extfs_why(errcode_t e)
{
    pthread_once(&extfs_once, extfs_words);
    const char *m = error_message(e);
    return m && *m ? m : "unknown libext2fs error";
}

/* The bytes of the group descriptor table the superblock at offset asks
 * libext2fs to hold (src's logged copy of it, when it has one);
 * LR_EFORMAT when it is no primary superblock. */
static int extfs_gdt_bytes(const extfs_src_t *src, uint64_t offset, uint64_t *bytes,
                           lr_error_t *err)
{
    uint8_t sb[1024];
    uint32_t bs = 0;
    uint64_t size = 0;
    int rc = lr_io_pread(src->io, sb, sizeof(sb), offset + LR_EXTFS_SUPERBLOCK, err);
    if (rc)
        return rc;
    if (src->n_logged && extfs_io_logged(src, LR_EXTFS_SUPERBLOCK, sizeof(sb), sb))
        return lr_error_set(err, LR_EFORMAT, offset,
                            "the journal's copy of the superblock does not read");
    if (!lr_extfs_superblock(sb, sizeof(sb), &bs, &size))
        return lr_error_set(err, LR_EFORMAT, offset, "no ext superblock");
    uint64_t first = lr_get_le32(sb + 0x14), per = lr_get_le32(sb + 0x20);
    uint64_t blocks = size / bs;
    if (!per || first >= blocks)
        return lr_error_set(err, LR_EFORMAT, offset, "an ext superblock of no groups");
    uint64_t desc = (lr_get_le32(sb + 0x60) & EXT_INCOMPAT_64BIT) ? (sb[0xfe] | sb[0xff] << 8) : 32;
    *bytes = ((blocks - first + per - 1) / per) * (desc < 32 ? 32 : desc);
    return 0;
}

/* Opens the filesystem src reads with libext2fs. No journal replay of
 * libext2fs's, no MMP: nothing is ever written. Checksum errors are the
 * records' own business (inodes, bitmaps: said per record). */
static errcode_t extfs_open_src(extfs_src_t *src, ext2_filsys *fs)
{
    char name[48];
    snprintf(name, sizeof(name), "lr_io:%p", (void *)src);
    int flags = EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_IGNORE_CSUM_ERRORS;
    return ext2fs_open2(name, NULL, flags, 0, 0, &extfs_manager, fs);
}

/* What the replay did (state), unless fast commits follow its last full
 * one (the kernel applies those too, so x may lag them) or the log stops
 * at a corrupt transaction (the kernel refuses the log). */
static void extfs_replayed(lr_extfs_t *x, const lr_extfs_replay_t *info, lr_extfs_log_t state)
{
    x->replay = *info;
    x->replay.state = info->fast_commits || info->corrupt ? LR_EXTFS_LOG_PENDING : state;
    x->replay.why = info->corrupt        ? LR_EXTFS_WHY_CORRUPT
                    : info->fast_commits ? LR_EXTFS_WHY_FAST_COMMIT
                                         : LR_EXTFS_WHY_NONE;
}

/* x needs recovery: its live log replayed in memory (x->replay says how it
 * went) and the filesystem opened again through the journal's copies; as
 * it lies when that cannot be done. */
static void extfs_replay_log(lr_extfs_t *x, extfs_src_t *src, uint64_t max_gdt)
{
    x->replay.state = LR_EXTFS_LOG_PENDING;
    if (!ext2fs_has_feature_journal(x->fs->super) || !x->fs->super->s_journal_inum ||
        ext2fs_has_feature_journal_dev(x->fs->super)) {
        x->replay.why =
            x->fs->super->s_journal_inum ? LR_EXTFS_WHY_UNREADABLE : LR_EXTFS_WHY_EXTERNAL;
        return;
    }
    extfs_logged_t *logged = NULL;
    size_t n = 0;
    lr_error_t e;
    lr_error_clear(&e);
    lr_extfs_replay_t info = {LR_EXTFS_LOG_REPLAYED, LR_EXTFS_WHY_NONE, 0, 0, 0, 0, false, false};
    uint64_t size = lr_io_size(src->io);
    uint64_t max_block = size > x->offset ? (size - x->offset) / x->fs->blocksize : 0;
    int rc = extfs_replay(x, max_block, &logged, &n, &info, &e);
    if (rc) {
        x->replay.why = rc == LR_ELIMIT ? LR_EXTFS_WHY_LIMIT : LR_EXTFS_WHY_UNREADABLE;
        return;
    }
    if (!n) { /* nothing committed the blocks lack: as the kernel mounts it */
        extfs_replayed(x, &info, LR_EXTFS_LOG_CLEAN);
        return;
    }
    ext2_filsys again = NULL;
    src->logged = logged;
    src->n_logged = n;
    src->bs = x->fs->blocksize;
    /* the journal's copy of the superblock is held to the same cap */
    uint64_t gdt = 0;
    lr_error_clear(&e);
    rc = extfs_gdt_bytes(src, x->offset, &gdt, &e);
    if (rc || gdt > max_gdt || extfs_open_src(src, &again)) {
        src->logged = NULL;
        src->n_logged = 0;
        free(logged);
        x->replay.why = !rc && gdt > max_gdt ? LR_EXTFS_WHY_LIMIT : LR_EXTFS_WHY_REOPEN;
        return;
    }
    ext2fs_free(x->fs);
    x->fs = again;
    extfs_replayed(x, &info, LR_EXTFS_LOG_REPLAYED);
}

int lr_extfs_open(lr_io_t *io, uint64_t offset, uint64_t max_gdt, lr_extfs_t **out, lr_error_t *err)
{
    *out = NULL;
    uint64_t gdt = 0;
    extfs_src_t plain = {io, offset, NULL, 0, 0};
    int rc = extfs_gdt_bytes(&plain, offset, &gdt, err);
    if (rc)
        return rc;
    if (max_gdt > LR_EXTFS_MAX_GDT)
        max_gdt = LR_EXTFS_MAX_GDT;
    if (gdt > max_gdt)
        return lr_error_set(err, LR_ELIMIT, offset,
                            "an ext filesystem of %llu KiB of group descriptors (%llu at most)",
                            (unsigned long long)(gdt >> 10), (unsigned long long)(max_gdt >> 10));
    lr_extfs_t *x = calloc(1, sizeof(*x));
    extfs_src_t *src = malloc(sizeof(*src));
    if (!x || !src) {
        free(x);
        free(src);
        return lr_error_set(err, -ENOMEM, offset, "out of memory");
    }
    *src = (extfs_src_t){io, offset, NULL, 0, 0};
    errcode_t e = extfs_open_src(src, &x->fs);
    if (e) {
        free(src);
        free(x);
        return lr_error_set(err, LR_EFORMAT, offset, "ext filesystem does not open: %s",
                            extfs_why(e));
    }
    x->offset = offset;
    x->bitmap_rc = 1;
    if (ext2fs_has_feature_journal_needs_recovery(x->fs->super))
        extfs_replay_log(x, src, max_gdt);
    *out = x;
    return 0;
}

lr_extfs_replay_t lr_extfs_replay(const lr_extfs_t *fs)
{
    return fs->replay;
}

void lr_extfs_free(lr_extfs_t *fs)
{
    if (!fs)
        return;
    /* the channel's private data is the source made at open */
    extfs_src_t *src = fs->fs->io ? fs->fs->io->private_data : NULL;
    ext2fs_free(fs->fs);
    if (src)
        free(src->logged);
    free(src);
    free(fs->bitmap);
    free(fs);
}

uint32_t lr_extfs_block_size(const lr_extfs_t *fs)
{
    return fs->fs->blocksize;
}

uint64_t lr_extfs_size(const lr_extfs_t *fs)
{
    return ext2fs_blocks_count(fs->fs->super) * fs->fs->blocksize;
}

/* Whether an inode is a regular file in use of 1 to max_size bytes. */
static bool extfs_regular(const struct ext2_inode *in, uint64_t max_size)
{
    uint64_t size = EXT2_I_SIZE(in);
    return in->i_links_count && LINUX_S_ISREG(in->i_mode) && in->i_dtime == 0 && size &&
           size <= max_size;
}

/* Calls each(fs, ino, inode, arg) for every inode an inode scan gives
 * (groups with no inode in use skipped, an inode whose checksum fails or
 * that reads as garbage passed over), while *budget (inode bytes) lasts.
 * Returns 0 when the scan ends, LR_ELIMIT when the budget runs out,
 * LR_EFORMAT when an inode table or descriptor does not read, -ENOMEM
 * (also each's only failure). */
static int extfs_each_inode(lr_extfs_t *fs,
                            int (*each)(lr_extfs_t *, ext2_ino_t, const struct ext2_inode *,
                                        void *),
                            void *arg, uint64_t *budget, lr_error_t *err)
{
    ext2_inode_scan scan;
    errcode_t e = ext2fs_open_inode_scan(fs->fs, 0, &scan);
    if (e == EXT2_ET_NO_MEMORY)
        return lr_error_set(err, -ENOMEM, 0, "out of memory");
    if (e)
        return lr_error_set(err, LR_EFORMAT, 0, "the inodes do not read: %s", extfs_why(e));
    /* a group whose inode table is not initialised is passed over */
    ext2fs_inode_scan_flags(scan, EXT2_SF_SKIP_MISSING_ITABLE | EXT2_SF_BAD_INODE_BLK, 0);
    uint64_t size = EXT2_INODE_SIZE(fs->fs->super);
    struct ext2_inode in;
    int rc = 0;
    while (!rc) {
        if (*budget < size) {
            rc = lr_error_set(err, LR_ELIMIT, 0, "the inode scan's budget ran out");
            break;
        }
        *budget -= size;
        ext2_ino_t ino = 0;
        e = ext2fs_get_next_inode(scan, &ino, &in);
        if (e == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE || e == EXT2_ET_INODE_CSUM_INVALID ||
            e == EXT2_ET_INODE_IS_GARBAGE)
            continue; /* that inode is not trusted; the next may be */
        if (e == EXT2_ET_NO_MEMORY)
            rc = lr_error_set(err, -ENOMEM, 0, "out of memory");
        else if (e)
            rc = lr_error_set(err, LR_EFORMAT, 0, "inode %u does not read: %s", ino, extfs_why(e));
        else if (!ino)
            break;
        else if (each(fs, ino, &in, arg))
            rc = lr_error_set(err, -ENOMEM, 0, "out of memory");
    }
    ext2fs_close_inode_scan(scan);
    return rc;
}

typedef struct extfs_files_at {
    const uint64_t *blocks;
    size_t n;
    uint64_t max_size;
    lr_extfs_file_t *files;
} extfs_files_at_t;

static int extfs_file_at(lr_extfs_t *fs, ext2_ino_t ino, const struct ext2_inode *in, void *arg)
{
    extfs_files_at_t *a = arg;
    if (!extfs_regular(in, a->max_size) || (in->i_flags & EXT4_INLINE_DATA_FL))
        return 0;
    blk64_t first = 0;
    struct ext2_inode copy = *in; /* ext2fs_bmap2 takes it writable */
    if (ext2fs_bmap2(fs->fs, ino, &copy, NULL, 0, 0, NULL, &first) || !first)
        return 0;
    uint64_t key = first;
    const uint64_t *hit = bsearch(&key, a->blocks, a->n, sizeof(*a->blocks), lr_u64_cmp);
    if (hit)
        a->files[hit - a->blocks] = (lr_extfs_file_t){ino, EXT2_I_SIZE(in)};
    return 0;
}

uint64_t lr_extfs_held(const lr_extfs_t *fs)
{
    return (uint64_t)fs->fs->desc_blocks * fs->fs->blocksize;
}

int lr_extfs_files_at(lr_extfs_t *fs, const uint64_t *blocks, size_t n, uint64_t max_size,
                      lr_extfs_file_t *files, uint64_t *budget, lr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        files[i] = (lr_extfs_file_t){0, 0};
        if (i && blocks[i] <= blocks[i - 1])
            return lr_error_set(err, LR_ERANGE, blocks[i], "blocks not ascending");
    }
    if (!n)
        return 0;
    extfs_files_at_t a = {blocks, n, max_size, files};
    return extfs_each_inode(fs, extfs_file_at, &a, budget, err);
}

typedef struct extfs_inlines {
    const char *prefix;
    size_t plen;
    uint64_t max_size;
    lr_extfs_inline_t *v;
    size_t n, cap;
} extfs_inlines_t;

/* The byte of the filesystem where inode ino's i_block lies. */
static uint64_t extfs_iblock_at(lr_extfs_t *fs, ext2_ino_t ino)
{
    ext2_filsys e2 = fs->fs;
    uint32_t per = e2->super->s_inodes_per_group;
    dgrp_t g = (ino - 1) / per;
    uint64_t index = (ino - 1) % per;
    return ext2fs_inode_table_loc(e2, g) * e2->blocksize + index * EXT2_INODE_SIZE(e2->super) +
           offsetof(struct ext2_inode, i_block);
}

static int extfs_inline_at(lr_extfs_t *fs, ext2_ino_t ino, const struct ext2_inode *in, void *arg)
{
    extfs_inlines_t *a = arg;
    if (!extfs_regular(in, a->max_size) || !(in->i_flags & EXT4_INLINE_DATA_FL) ||
        memcmp(in->i_block, a->prefix, a->plen) != 0)
        return 0;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        lr_extfs_inline_t *v = realloc(a->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = (lr_extfs_inline_t){ino, EXT2_I_SIZE(in), extfs_iblock_at(fs, ino)};
    return 0;
}

int lr_extfs_inline_files(lr_extfs_t *fs, const char *prefix, size_t plen, uint64_t max_size,
                          uint64_t *budget, lr_extfs_inline_t **out, size_t *n, lr_error_t *err)
{
    *out = NULL;
    *n = 0;
    if (plen > sizeof(((struct ext2_inode *)0)->i_block))
        return lr_error_set(err, LR_ERANGE, 0, "a prefix of %zu bytes: 60 at most", plen);
    if (!ext2fs_has_feature_inline_data(fs->fs->super))
        return 0;
    extfs_inlines_t a = {prefix, plen, max_size, NULL, 0, 0};
    int rc = extfs_each_inode(fs, extfs_inline_at, &a, budget, err);
    if (rc == -ENOMEM) {
        free(a.v);
        return rc;
    }
    *out = a.v; /* after a limit or an unreadable group: the files seen */
    *n = a.n;
    return rc;
}

int lr_extfs_read(lr_extfs_t *fs, uint32_t ino, void *buf, size_t len, size_t *got, lr_error_t *err)
{
    *got = 0;
    ext2_file_t f;
    errcode_t e = ext2fs_file_open(fs->fs, ino, 0, &f);
    if (e)
        return lr_error_set(err, LR_EFORMAT, 0, "inode %u does not open: %s", ino, extfs_why(e));
    size_t done = 0;
    while (done < len && !e) {
        unsigned int chunk = len - done > (1u << 30) ? 1u << 30 : (unsigned int)(len - done);
        unsigned int n = 0;
        e = ext2fs_file_read(f, (char *)buf + done, chunk, &n);
        if (!n)
            break;
        done += n;
    }
    ext2fs_file_close(f);
    *got = done;
    if (e)
        return lr_error_set(err, LR_EFORMAT, 0, "inode %u does not read: %s", ino, extfs_why(e));
    return 0;
}

/* Reads group g's block bitmap into fs->bitmap (once per group in a row). */
static int extfs_load_bitmap(lr_extfs_t *fs, dgrp_t g)
{
    if (fs->bitmap_rc != 1 && fs->bitmap_group == g)
        return fs->bitmap_rc;
    ext2_filsys e2 = fs->fs;
    if (!fs->bitmap && !(fs->bitmap = malloc(e2->blocksize)))
        return -ENOMEM;
    fs->bitmap_group = g;
    blk64_t at = ext2fs_block_bitmap_loc(e2, g);
    if (!at || at >= ext2fs_blocks_count(e2->super) ||
        io_channel_read_blk64(e2->io, at, 1, fs->bitmap))
        return fs->bitmap_rc = LR_EFORMAT;
    int bytes = EXT2_CLUSTERS_PER_GROUP(e2->super) / 8;
    if (!ext2fs_block_bitmap_csum_verify(e2, g, (char *)fs->bitmap, bytes))
        return fs->bitmap_rc = LR_ECHECKSUM;
    return fs->bitmap_rc = 0;
}

int lr_extfs_block_used(lr_extfs_t *fs, uint64_t block, lr_error_t *err)
{
    ext2_filsys e2 = fs->fs;
    if (block < e2->super->s_first_data_block || block >= ext2fs_blocks_count(e2->super))
        return lr_error_set(err, LR_ERANGE, block, "block %llu is past the filesystem",
                            (unsigned long long)block);
    dgrp_t g = ext2fs_group_of_blk2(e2, block);
    if (ext2fs_has_group_desc_csum(e2) && ext2fs_bg_flags_test(e2, g, EXT2_BG_BLOCK_UNINIT))
        return 0; /* no block of the group was ever given to a file */
    int rc = extfs_load_bitmap(fs, g);
    if (rc == LR_ECHECKSUM)
        return lr_error_set(err, rc, block, "group %u's block bitmap fails its checksum", g);
    if (rc)
        return lr_error_set(err, rc, block, "group %u's block bitmap does not read", g);
    uint64_t bit = (block - ext2fs_group_first_block2(e2, g)) >> e2->cluster_ratio_bits;
    return fs->bitmap[bit / 8] >> (bit % 8) & 1;
}

#endif
