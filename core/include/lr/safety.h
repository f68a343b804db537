/* lvmrescue core: checks against hostile use of the programs: which file a
 * path names (so that no output lands on an image, an undo file or another
 * output), what kind of file may be opened as an image (never a FIFO, which
 * would block), who else has a block device open, and option values that
 * are really the next option.
 *
 * Nothing here prints or exits; refusals are LR_EREFUSED with LR_HINT_*
 * bits and a neutral message naming the file. */
#ifndef LR_SAFETY_H
#define LR_SAFETY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lr/error.h"

/* ---- file identity ----------------------------------------------------- */

/* A file's identity: device and inode. */
typedef struct lr_file_id {
    uint64_t dev;
    uint64_t ino;
} lr_file_id_t;

/* The identity of the file path names, symlinks followed (stat). Fails
 * with the negative errno of stat; err names the path. */
int lr_path_id(const char *path, lr_file_id_t *id, lr_error_t *err);

/* True when a and b name the same file: the same device and inode once
 * symlinks are followed, or, when either does not exist yet, the same
 * directory (by identity, symlinks followed) and the same last component,
 * which is where it would be created. NULL never matches. */
bool lr_path_same(const char *a, const char *b);

/* Looks for two entries of paths[0..n) naming the same file
 * (lr_path_same); NULL entries are skipped. Returns true with *i < *j the
 * first such pair, false when every entry names its own file. */
bool lr_path_find_same(const char *const *paths, size_t n, size_t *i, size_t *j);

/* True when st is a regular file this process has open (one of
 * /proc/self/fd, by device and inode): a chain's reader keeps its files
 * open (a qcow2's backing files, VMDK and VHD parents), so an output that
 * is one of them is found here while the image is open. Readers that open
 * files on demand (libewf's segment pool) may not hold every one: an EWF
 * or split set's segments (NAME.E02, NAME.002) never take a copy's name
 * (NAME.img). False when /proc cannot be read. */
bool lr_file_held_here(const struct stat *st);

/* ---- opening only what can be an image ---------------------------------- */

/* Opens path with open(2) flags (O_CLOEXEC is added) without blocking on a
 * FIFO or a device that waits for a peer: the open is O_NONBLOCK, then the
 * file type is checked with fstat and anything but a regular file or a
 * block device is refused (-EINVAL, "not a regular file or block device"),
 * then O_NONBLOCK is cleared. On success *fd is the caller's (close) and
 * *st (may be NULL) its fstat. Fails with the negative errno of open, err
 * naming the path. */
int lr_open_image_fd(const char *path, int flags, int *fd, struct stat *st, lr_error_t *err);

/* ---- other users of a block device -------------------------------------- */

/* For a block device: refuses (LR_EREFUSED with LR_HINT_FORCE, the
 * message naming what holds it) when the kernel lists a holder of it or of
 * one of its partitions (/sys/dev/block/M:N/holders: device-mapper, md,
 * ...), or when another process has the device, one of its partitions or,
 * for a loop device, its backing file open (every /proc/PID/fd this
 * process may read, as fuser does; the caller's own process is not
 * counted). For a regular file the same, of the file and of every loop
 * device whose backing file it is (a VM's disk image qemu has open, an
 * image attached with losetup and opened through its loop device or held
 * by an LV active on it). 0 for anything else, or when nothing is found.
 * Mounts and O_EXCL claims are the exclusive open's business. */
int lr_dev_check_unused(const char *path, lr_error_t *err);

/* ---- command-line values ------------------------------------------------ */

/* False when v, the value given to an option that takes one, starts with
 * "--": the next option taken as the value (e.g. "--undo --dry-run"). The
 * programs ask this of a value given as the next argument; one given as
 * --opt=VALUE (or ./--name for a file) is what the user meant. */
bool lr_opt_value_ok(const char *v);

#endif
