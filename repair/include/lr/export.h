/* lvmrescue repair: exporting a version (chosen with lr_scan_select) as a file
 * that LVM2's `vgcfgrestore -f FILE VG` accepts.
 *
 * The export is the raw metadata text of the version's best copy, byte for
 * byte as it sits in the image, without the trailing NUL: that is what
 * `pvck --dump metadata -f` writes and what vgcfgrestore reads (the text
 * carries the `contents = "Text Format Volume Group"` and `version = 1`
 * header fields import_vsn1.c checks). Nothing is re-rendered, so the file is
 * exactly the version that was on disk.
 *
 * Output files are written to a temporary file next to the target and put
 * in place only when complete (link(2) without overwrite, so an existing
 * file is never clobbered; rename(2) with LR_EXPORT_OVERWRITE); on any
 * failure nothing is left behind. A target that is one of the scanned images
 * (same device and inode) is refused. New files get mode 0600 (metadata and
 * disk contents may be private). The engine never prints. */
#ifndef LR_EXPORT_H
#define LR_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/meta.h"
#include "lr/scan.h"

/* ---- export ---------------------------------------------------------- */

enum {
    LR_EXPORT_OVERWRITE = 1u << 0, /* replace an existing regular file */
};

/* The rules for an output file of export and extract, checked before
 * anything is written (programs check first, to ask before overwriting):
 * 0 when path may be written as asked. Refusals (LR_EREFUSED): path exists
 * and overwrite is false (LR_HINT_OVERWRITE); path is one of the scan's
 * images, is not a regular file, or is a dangling symbolic link
 * (LR_HINT_NEW_NAME: no answer makes it writable). Other failures:
 * -EINVAL (no path), the errno of a failed stat. */
int lr_export_check_target(const lr_scan_t *scan, const char *path, bool overwrite,
                           lr_error_t *err);

/* Writes the version's text to path (flags: LR_EXPORT_*). Errors:
 * LR_EREFUSED when path exists and LR_EXPORT_OVERWRITE is not given, when it
 * exists and is not a regular file, or when it is one of the scan's images;
 * negative errno for I/O errors (err names the path). */
int lr_export_write(const lr_scan_session_t *session, size_t vg, size_t version, const char *path,
                    unsigned flags, lr_error_t *err);

/* Writes len bytes of text to path with the same rules (scan may be NULL:
 * then only the existence rules apply). For callers that already hold the
 * text (e.g. the TUI). */
int lr_export_write_text(const lr_scan_t *scan, const char *text, size_t len, const char *path,
                         unsigned flags, lr_error_t *err);

#endif
