/* Private helpers of the inspection engines (diff, export, extract): a
 * growable string buffer, JSON escaping, size formatting, and the output
 * file that only appears when complete. Not part of the public API. */
#ifndef LR_INSPECT_UTIL_H
#define LR_INSPECT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lr/error.h"
#include "lr/scan.h"

/* ---- string buffer --------------------------------------------------- */

/* A malloc'd, always NUL-terminated string being built. An allocation
 * failure sets `oom` and makes every later append a no-op, so callers check
 * once at the end. */
typedef struct lr_ibuf {
    char *p;
    size_t len, cap;
    bool oom;
} lr_ibuf_t;

void lr_ibuf_puts(lr_ibuf_t *b, const char *s);
void lr_ibuf_putn(lr_ibuf_t *b, const char *s, size_t n);
void lr_ibuf_printf(lr_ibuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included), or null when NULL. */
void lr_ibuf_json_str(lr_ibuf_t *b, const char *s);
/* Hands the string over (caller frees) or, after an allocation failure,
 * frees it and returns NULL. An empty buffer gives "". */
char *lr_ibuf_take(lr_ibuf_t *b);
void lr_ibuf_free(lr_ibuf_t *b);

/* Names `where` in err (when still empty) and returns rc; unlike
 * lr_error_where it keeps rc when err is NULL. */
int lr_inspect_fail(lr_error_t *err, int rc, const char *where);

/* strdup that accepts NULL (returns NULL). Sets *oom on failure. */
char *lr_inspect_strdup(const char *s, bool *oom);

/* "4 MiB", "1.50 GiB", "512 B": binary units, exact when whole. */
void lr_inspect_size(char *out, size_t len, uint64_t bytes);

/* ---- output files ---------------------------------------------------- */

/* An output file under construction: data goes to a temporary file in the
 * target's directory, which is linked (no overwrite) or renamed (overwrite)
 * onto the target by commit, and removed by abort. */
typedef struct lr_inspect_out {
    int fd;
    char *path;
    char *tmp;
    bool overwrite;
    uint64_t size; /* logical bytes written (holes included) */
    bool hole_at_end;
} lr_inspect_out_t;

/* Checks the target and creates the temporary file. LR_EREFUSED when path
 * exists and !overwrite, exists and is not a regular file, or is one of the
 * scan's images (scan may be NULL). */
int lr_inspect_out_open(lr_inspect_out_t *o, const lr_scan_t *scan, const char *path,
                        bool overwrite, lr_error_t *err);
/* Appends len bytes. With sparse, an all-zero buffer becomes a hole. */
int lr_inspect_out_write(lr_inspect_out_t *o, const void *buf, size_t len, bool sparse,
                         lr_error_t *err);
/* Sets the size, syncs, closes and puts the file in place. The handle is
 * finished either way (on failure the temporary file is removed). */
int lr_inspect_out_commit(lr_inspect_out_t *o, lr_error_t *err);
/* Removes the temporary file; safe after a failed open or commit. */
void lr_inspect_out_abort(lr_inspect_out_t *o);

/* ---- scan helpers ---------------------------------------------------- */

/* Checks vg/version indexes (LR_ERANGE) and returns the best copy of the
 * version, or LR_EREFUSED (message naming the version) when it has only
 * partial copies. */
int lr_inspect_version_copy(const lr_scan_t *scan, size_t vg, size_t version, size_t *copy,
                            lr_error_t *err);

#endif
