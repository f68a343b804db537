/* lvmrescue repair engine: private helpers shared by every engine of
 * repair/ (restore and undo, diff, export, extract): error records, text
 * buffers handed over with an error record, fsync of a directory, zero
 * detection, read-back checks, output files that only appear when complete
 * and version lookups. Not installed; nothing here prints or exits. */
#ifndef LR_REPAIR_UTIL_H
#define LR_REPAIR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"
#include "lr/scan.h"
#include "lr/strbuf.h"

/* ---- errors and allocation --------------------------------------------- */

/* strdup that accepts NULL (returns NULL). Sets *oom on failure, so a run
 * of copies is checked once. The caller owns (frees) the result. */
char *rp_strdup(const char *s, bool *oom);

/* Hands the text of b over (*out owned by the caller) and empties b; when
 * an append failed, frees it and returns -ENOMEM with err. */
int rp_take_text(lr_strbuf_t *b, char **out, lr_error_t *err);

/* ---- bytes and files --------------------------------------------------- */

/* True when all len bytes are zero (also for len 0). */
bool rp_all_zero(const void *p, size_t len);

/* ---- output files (export, extract) ------------------------------------ */

/* An output file under construction: data goes to a temporary file in the
 * target's directory, which is linked (no overwrite) or renamed (overwrite)
 * onto the target by commit, and removed by abort. */
typedef struct rp_out {
    int fd;
    char *path;
    char *tmp;
    bool overwrite;
    uint64_t size; /* logical bytes written (holes included) */
    bool hole_at_end;
} rp_out_t;

/* Checks the target and creates the temporary file. LR_EREFUSED when path
 * exists and !overwrite, exists and is not a regular file, or is one of the
 * scan's images (scan may be NULL). */
int rp_out_open(rp_out_t *o, const lr_scan_t *scan, const char *path, bool overwrite,
                lr_error_t *err);
/* Appends len bytes. With sparse, an all-zero buffer becomes a hole. */
int rp_out_write(rp_out_t *o, const void *buf, size_t len, bool sparse, lr_error_t *err);
/* Sets the size, syncs, closes and puts the file in place. The handle is
 * finished either way (on failure the temporary file is removed). */
int rp_out_commit(rp_out_t *o, lr_error_t *err);
/* Removes the temporary file; safe after a failed open or commit. */
void rp_out_abort(rp_out_t *o);

/* ---- scan helpers ------------------------------------------------------ */

#endif
