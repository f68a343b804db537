/* lvmrescue core: the undo I/O layer and undo files (the e2fsprogs
 * undo_io model).
 *
 * An undo file is created once per repair run. Every writable image handle
 * of that run is wrapped with lr_undo_wrap; the layer then sees every write
 * before it reaches the image and, for each byte range touched for the first
 * time, appends the old bytes with their checksums to the undo file, plus
 * the checksum the range will have once the write is done, and fsyncs the
 * undo file BEFORE letting the write through. So whatever happens to the
 * process, every byte that reached the image can be put back from the file,
 * and callers (lr_mda_commit, lr_label_write, ...) get this without knowing.
 *
 * lr_undo_read + lr_undo_check + lr_undo_apply put the bytes back and refuse
 * when an image no longer holds what the run left there (unless forced).
 *
 * The file format is documented in docs/lvmrepair.md ("Undo file format").
 * Nothing here prints or exits. */
#ifndef LR_UNDO_H
#define LR_UNDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"
#include "lr/sha256.h" /* the content hash of undo ranges */

/* ---- file format constants --------------------------------------------- */

#define LR_UNDO_MAGIC "LVMRUNDO"
#define LR_UNDO_MAGIC_LEN 8
#define LR_UNDO_VERSION 2 /* 1 (no plan) is still read */
#define LR_UNDO_HEADER_SIZE 64
#define LR_UNDO_MAX_RANGE (64u << 20) /* bytes saved by one record */
#define LR_UNDO_MAX_RANGES 100000
#define LR_UNDO_MAX_IMAGES 1024
#define LR_UNDO_MAX_STATES 64 /* intermediate states recorded per range */

enum {
    LR_UNDO_REC_IMAGE = 1, /* an image taking part in the run */
    LR_UNDO_REC_SAVE = 2,  /* a range's old bytes */
    LR_UNDO_REC_STATE = 3, /* the content a range will hold after the next write */
    LR_UNDO_REC_DONE = 4,  /* the run ended; final content of every range */
    LR_UNDO_REC_PLAN = 5,  /* every range the run will write, before any write */
};

typedef struct lr_undo_state {
    uint32_t crc; /* lr_crc(LR_CRC_INITIAL, ...) of the range content */
    uint8_t sha[LR_SHA256_LEN];
} lr_undo_state_t;

/* One range a run plans to write: where, what it holds before, what it
 * will hold after. image is the undo image id: the order of lr_undo_wrap
 * calls (0, 1, ...). */
typedef struct lr_undo_planned {
    uint32_t image;
    uint64_t offset;
    uint64_t length;
    lr_undo_state_t before, after;
} lr_undo_planned_t;

/* ---- writing: the layer ------------------------------------------------- */

typedef struct lr_undo lr_undo_t;

/* Creates the undo file at path. Never overwrites: an existing path is
 * -EEXIST. The header is written and the file and its directory fsynced
 * before this returns. *out is owned by the caller (lr_undo_free), and must
 * outlive every handle made by lr_undo_wrap. Such a file cannot tell a
 * reader which writes are missing when it is cut short: runs that know
 * their writes in advance use lr_undo_create_planned. */
int lr_undo_create(lr_undo_t **out, const char *path, lr_error_t *err);

/* The same for a run whose writes are known before the first one (n > 0,
 * at most LR_UNDO_MAX_RANGES, each at most LR_UNDO_MAX_RANGE bytes): the
 * header records n and a PLAN record lists every range with its content
 * before and after, synced with the header. The layers then refuse any
 * write not inside one planned range of its image. A reader can so tell a
 * file that stops early because the run stopped (the ranges it does not
 * save still hold their original bytes) from one cut short or damaged
 * later (a planned range shows a write whose original bytes the file lacks:
 * refused, see lr_undo_check_complete). The space the rest of the journal
 * can take is reserved past the file's end (fallocate, KEEP_SIZE; given
 * back by lr_undo_free): a full file system fails here (-ENOSPC,
 * -EDQUOT, -EFBIG; the file is removed), before any image is written. */
int lr_undo_create_planned(lr_undo_t **out, const char *path, const lr_undo_planned_t *planned,
                           size_t n, lr_error_t *err);

/* Stacks the undo layer on the writable handle `lower` of the image at
 * image_path (recorded in the file as an absolute path, symlinks resolved,
 * with its size and identity: device and inode numbers). On success *out is a new handle that OWNS
 * lower (closing it closes lower) and borrows u. Reads pass through unchanged. */
int lr_undo_wrap(lr_undo_t *u, lr_io_t *lower, const char *image_path, lr_io_t **out,
                 lr_error_t *err);

/* Ends the run: reads back every saved range from its image (the handles
 * must still be open), records its final checksums and `status` (0 when the
 * run completed, else the status it failed with) in a DONE record, fsyncs.
 * After this the layers refuse further writes. */
int lr_undo_finish(lr_undo_t *u, int status, lr_error_t *err);

/* Path of the undo file (owned by u). */
const char *lr_undo_path(const lr_undo_t *u);
/* Ranges saved so far. */
size_t lr_undo_n_ranges(const lr_undo_t *u);

/* Frees u and closes the undo file (without a DONE record if
 * lr_undo_finish was not called: such a file is still usable). NULL is
 * accepted. */
void lr_undo_free(lr_undo_t *u);

/* ---- reading and applying ---------------------------------------------- */

typedef struct lr_undo_image {
    char *path;
    uint64_t size;
    uint64_t dev, ino, rdev; /* identity at the time of the run (st_dev, st_ino, st_rdev) */
    bool blockdev;
} lr_undo_image_t;

typedef struct lr_undo_range {
    uint32_t image;  /* index into images */
    uint64_t offset; /* absolute byte offset in the image */
    uint64_t length;
    uint8_t *before;      /* the original bytes (length), owned by the file */
    lr_undo_state_t orig; /* checksums of `before` */
    size_t n_states;
    lr_undo_state_t states[LR_UNDO_MAX_STATES]; /* announced contents, in order */
    bool has_after;
    lr_undo_state_t after; /* final content (DONE record) */
} lr_undo_range_t;

typedef struct lr_undo_file {
    uint32_t version;
    int64_t created; /* unix time */
    size_t n_images;
    lr_undo_image_t *images;
    size_t n_ranges;
    lr_undo_range_t *ranges; /* in the order they were first written */
    bool finished;           /* a DONE record was found */
    int status;              /* the run's status from DONE (0 = completed) */
    int64_t finished_at;
    bool truncated;             /* a torn or corrupt record ended the file early */
    uint64_t valid_bytes;       /* bytes of the file up to the last good record */
    size_t n_planned;           /* ranges the run planned (header); 0: no plan (version 1,
                                   or lr_undo_create) */
    bool has_plan;              /* the PLAN record was read (else the file ends before it) */
    lr_undo_planned_t *planned; /* n_planned entries when has_plan */
} lr_undo_file_t;

/* Reads and checks an undo file (record checksums, limits). A torn or
 * corrupt tail ends the file with `truncated` set: what comes before it is
 * still complete, since a write only happens after its records were synced.
 * *out is owned by the caller (lr_undo_file_free). Errors: -errno, LR_EFORMAT
 * (bad magic, header or record contents), LR_ELIMIT. */
int lr_undo_read(const char *path, lr_undo_file_t **out, lr_error_t *err);

void lr_undo_file_free(lr_undo_file_t *f);

/* What an image holds now in one range. */
typedef enum lr_undo_verdict {
    LR_UNDO_AS_LEFT = 1,  /* what the run left there (final / an announced state) */
    LR_UNDO_ORIGINAL = 2, /* already the original bytes */
    LR_UNDO_CHANGED = 3,  /* something else: changed since the run */
} lr_undo_verdict_t;

/* Whether the file can put back every byte the run may have changed: for
 * each planned range, every byte the file does not save must still hold
 * its original content (a run that stopped early never wrote there). ios
 * as for lr_undo_check. *n_unsaved (may be NULL) receives the planned
 * ranges the file saves no (or not all) bytes of. Returns 0 (always for a
 * file without a plan), or LR_EREFUSED, which --force does not override:
 * the file ends before its list of planned writes or before naming an
 * image of the run, or a planned range shows a write whose original bytes
 * the file lacks (cut short or damaged after the run). LR_ERANGE for an
 * image of another size. */
int lr_undo_check_complete(const lr_undo_file_t *f, lr_io_t *const *ios, size_t *n_unsaved,
                           lr_error_t *err);

/* Compares the current bytes of every range with the file. ios[i] is the
 * open handle of f->images[i] (read access is enough). verdicts (may be
 * NULL) receives one verdict per range. Returns 0 when the file is
 * complete (lr_undo_check_complete, whose refusal comes first) and every
 * range is AS_LEFT or ORIGINAL, LR_EREFUSED naming the first changed range
 * otherwise, LR_ERANGE when an image's size differs from the recorded one. */
int lr_undo_check(const lr_undo_file_t *f, lr_io_t *const *ios, lr_undo_verdict_t *verdicts,
                  lr_error_t *err);

/* Puts the original bytes back: checks first (refusing an incomplete file
 * always, changed ranges as lr_undo_check does unless force), writes ranges
 * in reverse order (the last write of the
 * run is undone first, so an interrupted apply leaves the same kind of
 * state as an interrupted run, and can be re-run), syncs each image and
 * reads back to verify. ios must be writable. *n_written (may be NULL)
 * receives the number of ranges rewritten. */
int lr_undo_apply(const lr_undo_file_t *f, lr_io_t *const *ios, bool force, size_t *n_written,
                  lr_error_t *err);

/* ---- applying by path (what a program calls) ---------------------------- */

/* What applying an undo file would do, checked read-only on the images at
 * paths (paths[i] stands for f->images[i]; paths NULL: the paths the file
 * records). One allocation tree, freed with lr_undo_review_free. */
typedef struct lr_undo_review {
    size_t n_images;
    bool *same_file;             /* per image: the path still names the file of the
                                    run (device and inode); if not, its bytes are what
                                    the checks go by */
    int complete;                /* 0, or lr_undo_check_complete's refusal */
    size_t n_unsaved;            /* planned ranges the file saves no bytes of */
    lr_undo_verdict_t *verdicts; /* per range; NULL when !complete */
} lr_undo_review_t;

/* Opens the images read-only and fills *out (caller frees with
 * lr_undo_review_free). Returns 0 when the file may be applied as it is;
 * LR_EREFUSED with LR_HINT_FORCE when ranges changed since the run (*out is
 * filled: apply with force puts the original bytes back over them); the
 * refusal of lr_undo_check_complete, which force does not override (*out is
 * filled, verdicts NULL); LR_ERANGE for an image of another size; the open
 * error (*out NULL). */
int lr_undo_review(const lr_undo_file_t *f, const char *const *paths, lr_undo_review_t **out,
                   lr_error_t *err);

void lr_undo_review_free(lr_undo_review_t *r);

/* lr_undo_apply on the images at paths (as for lr_undo_review), opened
 * for writing and claimed (O_EXCL on block devices, flock on files) unless
 * force. An image busy or locked by someone else is LR_EREFUSED with
 * LR_HINT_FORCE. */
int lr_undo_apply_paths(const lr_undo_file_t *f, const char *const *paths, bool force,
                        size_t *n_written, lr_error_t *err);

#endif
