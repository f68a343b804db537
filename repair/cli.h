/* lvmrepair's command line, shared by the program's two files: the exit
 * statuses, the modes, the parsed arguments (cli_args.c parses them and
 * prints usage errors; lvmrepair.c runs the mode). Program text: not part
 * of any engine. */
#ifndef LR_REPAIR_CLI_H
#define LR_REPAIR_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "lr/error.h"
#include "lr/evidence.h"
#include "lr/io.h"
#include "lr/scan.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_DECLINED = 5 };

typedef enum mode {
    MODE_NONE = 0,
    MODE_RESTORE,
    MODE_APPLY_UNDO,
    MODE_DIFF,
    MODE_EXPORT,
    MODE_EXTRACT,
    MODE_RESTORE_LV,
} mode_t_;

typedef struct args {
    mode_t_ mode;
    int n_modes;
    const char *mode_arg; /* seqno=N[:crc=0xCRC] / FILE / LV */
    const char *seqno2;   /* --diff's second version */
    lr_scan_pick_t v, v2; /* the versions, parsed (--crc merged into v; vg unset) */
    const char *vg;
    bool has_crc;
    uint32_t crc;
    bool has_seqno; /* --seqno (extract) */
    uint64_t seqno;
    bool dry_run, yes, force, json;
    bool overwrite; /* --overwrite: replace an existing -o file or --output copy */
    const char *undo, *output, *log, *out_file;
    const char *from, *as; /* --restore-lv's version and new name */
    const char *snapshot;  /* --snapshot: the qcow2 internal snapshot to read */
    bool all_zstd;         /* --all-zstd: LR_SCAN_ALL_ZSTD */
    int n_images;
    char **images;
    int argc;
    char **argv;
    int status; /* the exit status when parsing ends the run (help, usage error) */
} args_t;

/* The program's name in messages. */
extern const char *const cli_prog;

/* The images of a run, open read-only, and their scan. */
typedef struct scanned {
    lr_io_t **ios;
    size_t n;
    lr_scan_session_t *session; /* re-reads copies through ios */
    const lr_scan_t *scan;      /* its result */
    bool cut_refused;           /* a restore refused an image that decompresses only in part */
    bool unsure_refused;        /* ... or one with bytes failing their checksum */
} scanned_t;

/* ---- shared by the modes (lvmrepair.c) ---------------------------------- */

/* A terminal-safe copy (lr_tty_safe) of a file name or of text from an
 * image, for one printf; rotating static buffers, so one message can show
 * several. */
const char *cli_tty(const char *s);
/* Times for people and logs: local, with the zone offset. */
const char *cli_local_time(int64_t t, char *buf, size_t len);
/* The exit status an engine's return code stands for. */
int cli_exit_for(int rc);
/* Prints the engine's message and the options its hints stand for. */
void cli_say_error(const lr_error_t *err);
/* cli_say_error, then the exit status for rc. */
int cli_fail(int rc, const lr_error_t *err);
/* Chooses the version a mode names (lr_scan_select) into *g / *ver, or
 * prints why not with the candidates. Returns an exit status. */
int cli_choose(const scanned_t *s, const char *vg, bool has_seqno, const lr_scan_pick_t *v,
               const char *crc_how, int *g, int *ver);
/* Prints a reuse's PV extents, "pv0:4-7,9-9" (cli_read.c). */
void cli_ev_ranges(FILE *f, const lr_ev_reuse_t *r);
/* Prints the evidence warnings restoring version ver of VG vg deserves
 * (lr_evidence_warnings) on stderr, "lvmrepair: WARNING: ..." (lvmrepair.c). */
void cli_version_warnings(const scanned_t *s, int vg, int ver);
/* EXIT_OK when the user confirms (or --yes); else says why nothing is
 * written and returns the exit status. */
int cli_ask(const char *question, bool yes);
/* Appends a record of what was done to --log (a warning if it cannot). */
void cli_log_append(const args_t *a, const char *undo, const char *body);
/* Refuses (exit 2) when two files of the run are the same file: images,
 * the undo file, the log, -o and the --output copies. */
int cli_check_targets(const args_t *a, const char *undo, const char *const *images, size_t n);

/* ---- the modes ---------------------------------------------------------- */

int cli_apply_undo(const args_t *a);            /* cli_undo.c */
int cli_diff(const args_t *a, scanned_t *s);    /* cli_read.c */
int cli_export(const args_t *a, scanned_t *s);  /* cli_read.c */
int cli_extract(const args_t *a, scanned_t *s); /* cli_read.c */

/* Parses the command line into *a. Returns true to run the mode; false
 * ends the run with a->status (help, version, or a usage error already
 * printed). */
bool cli_parse_args(args_t *a, int argc, char **argv);

#endif
