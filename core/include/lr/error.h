/* lvmrescue core: the one error record every function fills on failure. */
#ifndef LR_ERROR_H
#define LR_ERROR_H

#include <stdarg.h>
#include <stdint.h>

/* Project status codes. Functions return 0 on success, a negative errno value
 * (-EIO, -ENOMEM, -EINVAL, ...) for system errors, or one of these. */
enum {
    LR_ENOTFOUND = -1000, /* no signature / no such item where one was looked for */
    LR_EFORMAT = -1001,   /* bytes are not what the on-disk format allows */
    LR_ECHECKSUM = -1002, /* a stored checksum does not match the data */
    LR_ERANGE = -1003,    /* a number, offset or size is out of bounds or overflows */
    LR_ELIMIT = -1004,    /* a documented limit (depth, size, count) was exceeded */
    LR_EPARSE = -1005,    /* text metadata syntax error */
    LR_EREADONLY = -1006, /* a write was attempted on a read-only handle */
    LR_EREFUSED = -1007,  /* an operation was refused by a safety rule */
};

#define LR_NO_OFFSET UINT64_MAX

/* Why an engine refused and what would let it go on: machine-readable hints
 * carried by a refusal (LR_EREFUSED) next to its neutral message. Engines
 * never name a command-line flag or a key; each program maps these bits to
 * its own words ("add --force", "press F", ...). Several may be set. */
enum {
    LR_HINT_FORCE = 1u << 0,       /* overridable: the caller may insist (and take the risk) */
    LR_HINT_CHOOSE_VG = 1u << 1,   /* several VGs match: name one (by UUID) */
    LR_HINT_CHOOSE_CRC = 1u << 2,  /* several versions share the seqno: pick one by checksum */
    LR_HINT_USE_COPY = 1u << 3,    /* the image cannot be written in place: write to a copy */
    LR_HINT_MISSING_PVS = 1u << 4, /* PVs are missing: give their images */
    LR_HINT_NEW_NAME = 1u << 5,    /* the name is taken: choose another */
    LR_HINT_OVERWRITE = 1u << 6,   /* the target exists: allow overwriting it */
};

/* Filled by a failing function. `where` names the file or object (may be
 * empty), `offset` the byte offset the problem was found at, or LR_NO_OFFSET. */
typedef struct lr_error {
    int code;
    uint64_t offset;
    char where[256];
    char msg[512];
    unsigned hints; /* LR_HINT_* bits of a refusal (or of -EEXIST); 0 otherwise */
} lr_error_t;

/* Resets the record to "no error". `err` may be NULL. */
void lr_error_clear(lr_error_t *err);

/* Records an error and returns `code`, so callers can write
 * `return lr_error_set(err, LR_EFORMAT, off, "bad magic");`. `err` may be NULL. */
int lr_error_set(lr_error_t *err, int code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a va_list, for callers that wrap it in their own variadic
 * helper. */
int lr_error_vset(lr_error_t *err, int code, uint64_t offset, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* The error contract (libgit2's): the return value is always the status,
 * whether or not an error record was passed; the record is only a side
 * channel for position and message. Each helper below returns the code it
 * was given, also when `err` is NULL, so `return lr_error_at(...)` can end
 * any failing path. */

/* Records code, offset and message, and names `where` (the file or object;
 * may be NULL), replacing any earlier name. Returns code. */
int lr_error_at(lr_error_t *err, const char *where, int code, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Names `where` on an error a callee already recorded (only when the record
 * names nothing yet, so the innermost name wins). Returns code. */
int lr_error_wrap(lr_error_t *err, const char *where, int code);

/* Puts `prefix: ` before the message a callee recorded (its own text, or
 * lr_strerror(code) when it left none) and records code. Returns code. */
int lr_error_prefix(lr_error_t *err, const char *prefix, int code);

/* Records a refusal: LR_EREFUSED with the LR_HINT_* bits `hints` and a
 * neutral message (no command-line flag). Returns LR_EREFUSED. */
int lr_error_refuse(lr_error_t *err, unsigned hints, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds LR_HINT_* bits to the error just recorded (a refusal made with
 * lr_error_at because it names a file, or an existing target's -EEXIST).
 * Returns code. */
int lr_error_hint(lr_error_t *err, unsigned hints, int code);

/* Records -ENOMEM, "out of memory". Returns -ENOMEM. */
int lr_error_oom(lr_error_t *err);

/* Formats the record as "WHERE: at byte OFFSET: MESSAGE" into buf (always
 * NUL-terminated). Returns buf. */
const char *lr_error_format(const lr_error_t *err, char *buf, unsigned long len);

/* A static name for a status code ("checksum mismatch", strerror text, ...). */
const char *lr_strerror(int code);

#endif
