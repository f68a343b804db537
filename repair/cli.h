/* lvmrepair's command line, shared by the program's two files: the exit
 * statuses, the modes, the parsed arguments (cli_args.c parses them and
 * prints usage errors; lvmrepair.c runs the mode). Program text: not part
 * of any engine. */
#ifndef LR_REPAIR_CLI_H
#define LR_REPAIR_CLI_H

#include <stdbool.h>
#include <stdint.h>

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
    const char *undo, *output, *log, *out_file;
    const char *from, *as; /* --restore-lv's version and new name */
    int n_images;
    char **images;
    int argc;
    char **argv;
    int status; /* the exit status when parsing ends the run (help, usage error) */
} args_t;

/* The program's name in messages. */
extern const char *const cli_prog;

/* Parses the command line into *a. Returns true to run the mode; false
 * ends the run with a->status (help, version, or a usage error already
 * printed). */
bool cli_parse_args(args_t *a, int argc, char **argv);

#endif
