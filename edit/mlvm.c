/* mlvm: format a disk image as an LVM2 volume group, read its metadata and
 * create, remove, resize and rename linear LVs in it, each change a new
 * metadata version that real LVM2 accepts. Argument parsing and output
 * only; the work is done by the vgedit engine. */
#include "lr/vgedit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lr/strbuf.h"
#include "lr/safety.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

#define MAX_POS 4

typedef struct cmd cmd_t;

typedef struct args {
    const cmd_t *cmd;
    const char *pos[MAX_POS];
    int npos;
    const char *vg, *extent_size, *metadata_size, *metadata_copies, *size, *undo;
    bool force, json, help;
    char *description; /* "Write from mlvm ...", as LVM2 describes its writes */
    bool undo_existed; /* --undo FILE was there before the command ran */
} args_t;

struct cmd {
    const char *name;
    int npos;
    const char *usage;
    const char *opts; /* option names this command takes, space separated */
    int (*run)(args_t *a);
};

static const char *prog = "mlvm";

/* A terminal-safe copy (lr_tty_safe) of a file name or of text from the
 * image, for one printf: control characters would drive the terminal.
 * Rotating buffers, so that one message can show several. */
static const char *tty(const char *s)
{
    static char bufs[8][4096 + 64];
    static unsigned next;
    char *b = bufs[next++ % 8];
    return lr_tty_safe(s, b, sizeof(bufs[0]));
}

/* ---- messages ---- */

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s", prog, tty(msg));
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    return EXIT_USAGE;
}

/* System errors and bad arguments are usage/I-O failures (2); everything
 * the engine declined on the image's state is a refusal (1). */
static int exit_for(int rc)
{
    if (rc == 0)
        return EXIT_OK;
    /* An image someone else holds is a safety refusal, not an I/O error. */
    if (rc == -EBUSY)
        return EXIT_REFUSED;
    /* The project's codes start at -1000; above that are errno values. */
    if (rc < 0 && rc > LR_ENOTFOUND)
        return EXIT_USAGE;
    return EXIT_REFUSED;
}

/* mlvm's words for what would let a refused command go on (the engine's
 * LR_HINT_* bits); NULL when mlvm has no option for it. */
static const char *hint_words(unsigned hints)
{
    if (hints & LR_HINT_FORCE)
        return "add --force to overwrite it";
    if (hints & LR_HINT_NEW_NAME)
        return "choose another name";
    return NULL;
}

static int report(int rc, const lr_error_t *err)
{
    char buf[1024];
    const char *hint = rc == LR_EREFUSED ? hint_words(err->hints) : NULL;
    fprintf(stderr, "%s: %s", prog, tty(lr_error_format(err, buf, sizeof(buf))));
    if (hint)
        fprintf(stderr, " (%s)", hint);
    fprintf(stderr, "\n");
    return exit_for(rc);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Where the undo file went: after a success on stdout; after a failure
 * that left one (the command had started writing) on stderr. */
static void say_undo(const args_t *a, bool ok)
{
    if (!a->undo)
        return;
    if (ok)
        printf("Undo file %s: 'lvmrepair --apply-undo %s' puts back every byte this command "
               "overwrote.\n",
               tty(a->undo), tty(a->undo));
    else if (!a->undo_existed && exists(a->undo))
        fprintf(stderr,
                "%s: the write stopped; 'lvmrepair --apply-undo %s' puts back every byte it "
                "changed.\n",
                prog, tty(a->undo));
}

/* The io options of a write command: its undo file, if any. */
static lr_vgedit_io_opts_t io_opts(const args_t *a)
{
    return (lr_vgedit_io_opts_t){.undo_path = a->undo};
}

static const char *human(uint64_t bytes, char *buf, size_t len)
{
    return lr_vgedit_format_size(bytes, buf, len);
}

/* ---- sizes ---- */

/* Parses a size argument; the message names the image it was meant for. */
static int parse_size_arg(const char *image, const char *opt, const char *text, uint64_t *bytes)
{
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_vgedit_parse_size(text, 'm', bytes, &err))
        return usage_error("%s: %s: %s", image, opt, err.msg);
    return 0;
}

/* ---- format ---- */

static int parse_copies(const char *text, unsigned *copies)
{
    if (!text)
        return 0;
    if (strcmp(text, "1") && strcmp(text, "2"))
        return usage_error("--metadata-copies: '%s' is not 1 or 2 (LVM2 keeps at most 2 per PV)",
                           text);
    *copies = (unsigned)(text[0] - '0');
    return 0;
}

static void print_formatted(const char *path, const lr_vgedit_layout_t *lay)
{
    lr_vgedit_t *ed = NULL;
    char a[32], b[32], c[32];
    if (lr_vgedit_open(&ed, path, LR_VGEDIT_READ, NULL) == 0) {
        const lr_vg_t *vg = lr_vgedit_vg(ed);
        int pv = lr_vgedit_pv_index(ed);
        printf("Physical volume \"%s\" formatted: PV %s (%s).\n", tty(path),
               tty(pv >= 0 ? vg->pvs[pv].key : "?"), tty(pv >= 0 ? vg->pvs[pv].id : "?"));
        printf("Volume group \"%s\" created (%s), seqno %" PRIu64 ".\n", tty(vg->name), tty(vg->id),
               vg->seqno);
        lr_vgedit_free(ed);
    }
    printf("%" PRIu64 " extent%s of %s (%s) from byte %" PRIu64 "; metadata area at byte %" PRIu64
           " of %s",
           lay->pe_count, lay->pe_count == 1 ? "" : "s", human(lay->extent_size, a, sizeof(a)),
           human(lay->pe_count * lay->extent_size, b, sizeof(b)), lay->pe_start, lay->mda_start[0],
           human(lay->mda_size[0], c, sizeof(c)));
    if (lay->n_mda > 1)
        printf(" and at byte %" PRIu64 " of %s", lay->mda_start[1],
               human(lay->mda_size[1], c, sizeof(c)));
    printf(".\n");
}

static int run_format(args_t *a)
{
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    int rc = 0;
    if (a->vg)
        o.vg_name = a->vg;
    if (a->extent_size)
        rc = parse_size_arg(a->pos[0], "--extent-size", a->extent_size, &o.extent_size);
    if (!rc && a->metadata_size)
        rc = parse_size_arg(a->pos[0], "--metadata-size", a->metadata_size, &o.metadata_size);
    if (!rc)
        rc = parse_copies(a->metadata_copies, &o.metadata_copies);
    if (rc)
        return rc;
    o.force = a->force;
    o.description = a->description;
    lr_error_t err;
    lr_error_clear(&err);
    lr_vgedit_layout_t lay;
    lr_vgedit_io_opts_t io = io_opts(a);
    if ((rc = lr_vgedit_format_ex(a->pos[0], &o, &io, &lay, &err))) {
        rc = report(rc, &err);
        say_undo(a, false);
        return rc;
    }
    print_formatted(a->pos[0], &lay);
    say_undo(a, true);
    return EXIT_OK;
}

/* ---- read ---- */

typedef struct row {
    char *key, *value;
} row_t;

typedef struct table {
    row_t *rows;
    size_t n, cap;
    bool oom;
} table_t;

__attribute__((format(printf, 3, 4))) static void add_row(table_t *t, const char *key,
                                                          const char *fmt, ...)
{
    if (t->oom)
        return;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        row_t *r = realloc(t->rows, cap * sizeof(*r));
        if (!r) {
            t->oom = true;
            return;
        }
        t->rows = r;
        t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *v = NULL;
    int n = vasprintf(&v, fmt, ap);
    va_end(ap);
    char *k = strdup(key);
    if (n < 0 || !k) {
        free(k);
        if (n >= 0)
            free(v);
        t->oom = true;
        return;
    }
    t->rows[t->n++] = (row_t){k, v};
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].key);
        free(t->rows[i].value);
    }
    free(t->rows);
}

static void print_table(const table_t *t)
{
    size_t kw = strlen("key"), vw = strlen("value");
    for (size_t i = 0; i < t->n; i++) {
        size_t k = strlen(t->rows[i].key), v = strlen(t->rows[i].value);
        kw = k > kw ? k : kw;
        vw = v > vw ? v : vw;
    }
    printf("%-*s | %s\n", (int)kw, "key", "value");
    for (size_t i = 0; i < kw + 1; i++)
        putchar('-');
    putchar('+');
    for (size_t i = 0; i < vw + 1; i++)
        putchar('-');
    putchar('\n');
    for (size_t i = 0; i < t->n; i++)
        printf("%-*s | %s\n", (int)kw, tty(t->rows[i].key), tty(t->rows[i].value));
}

/* "A, B, C" or "(none)" for a string list. */
static char *join_list(const lr_strlist_t *l)
{
    size_t len = 1;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->v[i]) + 2;
    char *s = malloc(len > 7 ? len : 7);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            strcat(s, ", ");
        strcat(s, l->v[i]);
    }
    if (!l->n)
        strcpy(s, "(none)");
    return s;
}

static void add_list_row(table_t *t, const char *key, const lr_strlist_t *l)
{
    char *s = join_list(l);
    if (!s) {
        t->oom = true;
        return;
    }
    add_row(t, key, "%s", s);
    free(s);
}

static void add_locn_row(table_t *t, const char *key, const lr_disk_locn_t *l, size_t n)
{
    char buf[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof(buf); i++)
        used += (size_t)snprintf(buf + used, sizeof(buf) - used,
                                 "%soffset %" PRIu64 " size %" PRIu64 "%s", i ? "; " : "",
                                 l[i].offset, l[i].size, l[i].size == 0 ? " (to the end)" : "");
    add_row(t, key, "%s", n ? buf : "(none)");
}

static char *pathkey(char *buf, size_t len, const char *a, const char *b)
{
    snprintf(buf, len, "%s/%s", a, b);
    return buf;
}

static void add_pv_rows(table_t *t, lr_vgedit_t *ed, size_t i)
{
    const lr_vg_t *vg = lr_vgedit_vg(ed);
    const lr_pv_t *pv = &vg->pvs[i];
    bool here = lr_vgedit_pv_index(ed) == (int)i;
    const lr_label_t *l = lr_vgedit_label(ed);
    char k[512], id[LR_UUID_STR_LEN + 1], h[32];
    add_row(t, pathkey(k, sizeof(k), pv->key, "name"), "%s", pv->key);
    add_row(t, pathkey(k, sizeof(k), pv->key, "id"), "%s", pv->id);
    add_row(t, pathkey(k, sizeof(k), pv->key, "stored_device"), "%s",
            pv->device ? pv->device : "(none)");
    add_row(t, pathkey(k, sizeof(k), pv->key, "real_device"), "%s",
            here ? lr_vgedit_path(ed) : "(not on this image)");
    add_list_row(t, pathkey(k, sizeof(k), pv->key, "status"), &pv->status);
    add_row(t, pathkey(k, sizeof(k), pv->key, "size_in_sectors"), "%" PRIu64 " (%s)", pv->dev_size,
            human(pv->dev_size * 512, h, sizeof(h)));
    add_row(t, pathkey(k, sizeof(k), pv->key, "pe_start"), "%" PRIu64, pv->pe_start);
    add_row(t, pathkey(k, sizeof(k), pv->key, "pe_count"), "%" PRIu64, pv->pe_count);
    if (!here) {
        add_row(t, pathkey(k, sizeof(k), pv->key, "label/id"), "-");
        add_row(t, pathkey(k, sizeof(k), pv->key, "label/device_size"), "-");
        add_row(t, pathkey(k, sizeof(k), pv->key, "label/extents"), "-");
        add_row(t, pathkey(k, sizeof(k), pv->key, "label/metadata_areas"), "-");
        return;
    }
    if (lr_uuid_format(l->pv_uuid, id, sizeof(id)))
        snprintf(id, sizeof(id), "%s", l->pv_uuid);
    add_row(t, pathkey(k, sizeof(k), pv->key, "label/id"), "%s", id);
    add_row(t, pathkey(k, sizeof(k), pv->key, "label/device_size"), "%" PRIu64 " (%s)",
            l->device_size, human(l->device_size, h, sizeof(h)));
    add_locn_row(t, pathkey(k, sizeof(k), pv->key, "label/extents"), l->data, l->n_data);
    add_locn_row(t, pathkey(k, sizeof(k), pv->key, "label/metadata_areas"), l->mda, l->n_mda);
}

/* "1: extents 0-24 striped on physicalvolume 0-24; 2: ..." */
static char *segments_text(const lr_lv_t *lv)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    if (!f)
        return NULL;
    for (size_t i = 0; i < lv->n_segs; i++) {
        const lr_seg_t *g = &lv->segs[i];
        uint64_t end = g->start_extent + g->extent_count - 1;
        fprintf(f, "%s%zu: extents %" PRIu64 "-%" PRIu64 " %s", i ? "; " : "", i + 1,
                g->start_extent, end, g->type ? g->type : "?");
        uint64_t per = lr_seg_area_len(g);
        for (size_t k = 0; k < g->n_areas; k++) {
            fprintf(f, "%s %s", k ? "," : " on", g->areas[k].name);
            if (per && !g->areas[k].meta)
                fprintf(f, " %" PRIu64 "-%" PRIu64, g->areas[k].start, g->areas[k].start + per - 1);
        }
    }
    if (!lv->n_segs)
        fputs("(none)", f);
    fclose(f);
    return s;
}

static void add_lv_rows(table_t *t, const lr_lv_t *lv)
{
    char k[512];
    add_row(t, pathkey(k, sizeof(k), lv->name, "name"), "%s", lv->name);
    add_row(t, pathkey(k, sizeof(k), lv->name, "id"), "%s", lv->id ? lv->id : "");
    add_list_row(t, pathkey(k, sizeof(k), lv->name, "tags"), &lv->tags);
    add_list_row(t, pathkey(k, sizeof(k), lv->name, "status"), &lv->status);
    char *segs = segments_text(lv);
    if (!segs) {
        t->oom = true;
        return;
    }
    add_row(t, pathkey(k, sizeof(k), lv->name, "segments"), "%s", segs);
    free(segs);
}

static int read_table(lr_vgedit_t *ed)
{
    const lr_vg_t *vg = lr_vgedit_vg(ed);
    table_t t = {0};
    char h[32];
    add_row(&t, "name", "%s", vg->name);
    add_row(&t, "id", "%s", vg->id);
    add_list_row(&t, "status", &vg->status);
    add_row(&t, "extent_size", "%" PRIu64 " sectors (%s)", vg->extent_size,
            human(vg->extent_size * 512, h, sizeof(h)));
    add_row(&t, "max_lv", "%" PRIu64, vg->max_lv);
    add_row(&t, "max_pv", "%" PRIu64, vg->max_pv);
    for (size_t i = 0; i < vg->n_pvs; i++)
        add_pv_rows(&t, ed, i);
    for (size_t i = 0; i < vg->n_lvs; i++)
        add_lv_rows(&t, &vg->lvs[i]);
    uint64_t fr = lr_vgedit_vg_free_extents(ed);
    add_row(&t, "free_space", "%" PRIu64 " extent%s (%s)", fr, fr == 1 ? "" : "s",
            human(fr * vg->extent_size * 512, h, sizeof(h)));
    if (!t.oom)
        print_table(&t);
    table_free(&t);
    if (t.oom) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- JSON ---- */

/* A string of the VG as a JSON literal; an absent one is "". */
static void json_str(const char *s)
{
    lr_json_fputs(s ? s : "", stdout);
}

static void json_list(const lr_strlist_t *l)
{
    putchar('[');
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            fputs(", ", stdout);
        json_str(l->v[i]);
    }
    putchar(']');
}

static void json_locns(const lr_disk_locn_t *l, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++)
        printf("%s{\"offset\": %" PRIu64 ", \"size\": %" PRIu64 "}", i ? ", " : "", l[i].offset,
               l[i].size);
    putchar(']');
}

static void json_label(const lr_label_t *l)
{
    char id[LR_UUID_STR_LEN + 1];
    if (lr_uuid_format(l->pv_uuid, id, sizeof(id)))
        snprintf(id, sizeof(id), "%s", l->pv_uuid);
    fputs("{\"id\": ", stdout);
    json_str(id);
    printf(", \"device_size\": %" PRIu64 ", \"extents\": ", l->device_size);
    json_locns(l->data, l->n_data);
    fputs(", \"metadata_areas\": ", stdout);
    json_locns(l->mda, l->n_mda);
    putchar('}');
}

static void json_pv(lr_vgedit_t *ed, size_t i)
{
    const lr_pv_t *pv = &lr_vgedit_vg(ed)->pvs[i];
    bool here = lr_vgedit_pv_index(ed) == (int)i;
    fputs("    {\"name\": ", stdout);
    json_str(pv->key);
    fputs(", \"id\": ", stdout);
    json_str(pv->id);
    fputs(", \"stored_device\": ", stdout);
    if (pv->device)
        json_str(pv->device);
    else
        fputs("null", stdout);
    fputs(", \"real_device\": ", stdout);
    if (here)
        json_str(lr_vgedit_path(ed));
    else
        fputs("null", stdout);
    fputs(", \"status\": ", stdout);
    json_list(&pv->status);
    printf(", \"size_in_sectors\": %" PRIu64 ", \"pe_start\": %" PRIu64 ", \"pe_count\": %" PRIu64
           ", \"label\": ",
           pv->dev_size, pv->pe_start, pv->pe_count);
    if (here)
        json_label(lr_vgedit_label(ed));
    else
        fputs("null", stdout);
    putchar('}');
}

static void json_segment(const lr_seg_t *g)
{
    printf("{\"start_extent\": %" PRIu64 ", \"extent_count\": %" PRIu64 ", \"type\": ",
           g->start_extent, g->extent_count);
    json_str(g->type);
    fputs(", \"areas\": [", stdout);
    for (size_t k = 0; k < g->n_areas; k++) {
        fputs(k ? ", {\"name\": " : "{\"name\": ", stdout);
        json_str(g->areas[k].name);
        printf(", \"start\": %" PRIu64 "}", g->areas[k].start);
    }
    fputs("]}", stdout);
}

static void json_lv(const lr_lv_t *lv)
{
    fputs("    {\"name\": ", stdout);
    json_str(lv->name);
    fputs(", \"id\": ", stdout);
    json_str(lv->id);
    fputs(", \"tags\": ", stdout);
    json_list(&lv->tags);
    fputs(", \"status\": ", stdout);
    json_list(&lv->status);
    fputs(", \"segments\": [", stdout);
    for (size_t s = 0; s < lv->n_segs; s++) {
        if (s)
            fputs(", ", stdout);
        json_segment(&lv->segs[s]);
    }
    fputs("]}", stdout);
}

static int read_json(lr_vgedit_t *ed)
{
    const lr_vg_t *vg = lr_vgedit_vg(ed);
    fputs("{\n  \"name\": ", stdout);
    json_str(vg->name);
    fputs(",\n  \"id\": ", stdout);
    json_str(vg->id);
    fputs(",\n  \"status\": ", stdout);
    json_list(&vg->status);
    printf(",\n  \"extent_size\": %" PRIu64 ",\n  \"max_lv\": %" PRIu64 ",\n  \"max_pv\": %" PRIu64
           ",\n  \"physical_volumes\": [\n",
           vg->extent_size, vg->max_lv, vg->max_pv);
    for (size_t i = 0; i < vg->n_pvs; i++) {
        json_pv(ed, i);
        fputs(i + 1 < vg->n_pvs ? ",\n" : "\n", stdout);
    }
    fputs("  ],\n  \"logical_volumes\": [\n", stdout);
    for (size_t i = 0; i < vg->n_lvs; i++) {
        json_lv(&vg->lvs[i]);
        fputs(i + 1 < vg->n_lvs ? ",\n" : "\n", stdout);
    }
    printf("  ],\n  \"free_space\": %" PRIu64 "\n}\n", lr_vgedit_vg_free_extents(ed));
    return EXIT_OK;
}

static int run_read(args_t *a)
{
    lr_vgedit_t *ed = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_vgedit_open(&ed, a->pos[0], LR_VGEDIT_READ, &err);
    if (rc)
        return report(rc, &err);
    rc = a->json ? read_json(ed) : read_table(ed);
    lr_vgedit_free(ed);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "%s: writing the output failed: %s\n", prog, strerror(errno));
        return EXIT_USAGE;
    }
    return rc;
}

/* ---- LV commands ---- */

static int open_rw(const args_t *a, lr_vgedit_t **ed)
{
    lr_error_t err;
    lr_error_clear(&err);
    lr_vgedit_io_opts_t io = io_opts(a);
    int rc = lr_vgedit_open_ex(ed, a->pos[0], LR_VGEDIT_WRITE, &io, &err);
    return rc ? report(rc, &err) : 0;
}

/* Commits and closes; returns the exit status. The undo file, if any, is
 * made by the commit. */
static int commit_and_close(lr_vgedit_t *ed, const args_t *a)
{
    lr_error_t err;
    lr_error_clear(&err);
    int rc = lr_vgedit_commit(ed, a->description, &err);
    int status = rc ? report(rc, &err) : EXIT_OK;
    lr_vgedit_free(ed);
    if (rc)
        say_undo(a, false);
    return status;
}

static int refused(lr_vgedit_t *ed, int rc, const lr_error_t *err)
{
    int status = report(rc, err);
    lr_vgedit_free(ed);
    return status;
}

static int run_create(args_t *a)
{
    uint64_t bytes = 0;
    if (a->size && parse_size_arg(a->pos[0], "--size", a->size, &bytes))
        return EXIT_USAGE;
    lr_vgedit_t *ed = NULL;
    int rc = open_rw(a, &ed);
    if (rc)
        return rc;
    uint64_t ext = lr_vgedit_extent_bytes(ed);
    uint64_t extents = lr_vgedit_size_extents(ed, a->size ? bytes : 0);
    lr_error_t err;
    lr_error_clear(&err);
    if ((rc = lr_vgedit_lv_create(ed, a->pos[1], extents, &err)))
        return refused(ed, rc, &err);
    uint64_t seq = lr_vgedit_vg(ed)->seqno + 1;
    const char *vgname = lr_vgedit_vg(ed)->name;
    char vgbuf[LR_VGEDIT_NAME_MAX + 1];
    snprintf(vgbuf, sizeof(vgbuf), "%s", vgname);
    if ((rc = commit_and_close(ed, a)))
        return rc;
    char h[32], h2[32];
    if (!a->size)
        printf("No --size given: created the smallest valid LV, 1 extent (%s).\n",
               human(ext, h, sizeof(h)));
    else if (bytes % ext)
        printf("Rounding up size %s to full extent %s.\n", human(bytes, h, sizeof(h)),
               human(extents * ext, h2, sizeof(h2)));
    printf("Logical volume \"%s\" created in VG %s: %" PRIu64 " extent%s (%s), seqno %" PRIu64
           ".\n",
           tty(a->pos[1]), tty(vgbuf), extents, extents == 1 ? "" : "s",
           human(extents * ext, h, sizeof(h)), seq);
    say_undo(a, true);
    return EXIT_OK;
}

static int run_remove(args_t *a)
{
    lr_vgedit_t *ed = NULL;
    int rc = open_rw(a, &ed);
    if (rc)
        return rc;
    lr_error_t err;
    lr_error_clear(&err);
    if ((rc = lr_vgedit_lv_remove(ed, a->pos[1], &err)))
        return refused(ed, rc, &err);
    uint64_t seq = lr_vgedit_vg(ed)->seqno + 1;
    if ((rc = commit_and_close(ed, a)))
        return rc;
    printf("Logical volume \"%s\" removed, seqno %" PRIu64 ".\n", tty(a->pos[1]), seq);
    say_undo(a, true);
    return EXIT_OK;
}

static int run_rename(args_t *a)
{
    lr_vgedit_t *ed = NULL;
    int rc = open_rw(a, &ed);
    if (rc)
        return rc;
    lr_error_t err;
    lr_error_clear(&err);
    if ((rc = lr_vgedit_lv_rename(ed, a->pos[1], a->pos[2], &err)))
        return refused(ed, rc, &err);
    uint64_t seq = lr_vgedit_vg(ed)->seqno + 1;
    if ((rc = commit_and_close(ed, a)))
        return rc;
    printf("Renamed \"%s\" to \"%s\", seqno %" PRIu64 ".\n", tty(a->pos[1]), tty(a->pos[2]), seq);
    say_undo(a, true);
    return EXIT_OK;
}

static int run_resize(args_t *a)
{
    /* SIZE, +SIZE or -SIZE: the engine works out the extents. */
    const char *text = a->pos[2];
    char sign = (text[0] == '+' || text[0] == '-') ? text[0] : 0;
    uint64_t bytes;
    if (parse_size_arg(a->pos[0], "SIZE", sign ? text + 1 : text, &bytes))
        return EXIT_USAGE;
    lr_vgedit_t *ed = NULL;
    int rc = open_rw(a, &ed);
    if (rc)
        return rc;
    lr_error_t err;
    lr_error_clear(&err);
    uint64_t ext = lr_vgedit_extent_bytes(ed), from = 0, to = 0;
    if ((rc = lr_vgedit_resize_extents(ed, a->pos[1], sign, bytes, &from, &to, &err)))
        return refused(ed, rc, &err);
    if ((rc = lr_vgedit_lv_resize(ed, a->pos[1], to, &err)))
        return refused(ed, rc, &err);
    uint64_t seq = lr_vgedit_vg(ed)->seqno + 1;
    if ((rc = commit_and_close(ed, a)))
        return rc;
    char h1[32], h2[32];
    printf("Logical volume \"%s\" resized from %" PRIu64 " extent%s (%s) to %" PRIu64
           " extent%s (%s), seqno %" PRIu64 ".\n",
           tty(a->pos[1]), from, from == 1 ? "" : "s", human(from * ext, h1, sizeof(h1)), to,
           to == 1 ? "" : "s", human(to * ext, h2, sizeof(h2)), seq);
    say_undo(a, true);
    return EXIT_OK;
}

/* ---- commands and arguments ---- */

static const cmd_t cmds[] = {
    {"format", 1,
     "format IMAGE [--vg NAME] [--extent-size SIZE] [--metadata-size SIZE]\n"
     "            [--metadata-copies 1|2] [--force] [--undo FILE]",
     "vg extent-size metadata-size metadata-copies force undo", run_format},
    {"read", 1, "read IMAGE [--json]", "json", run_read},
    {"create", 2, "create IMAGE NAME [--size SIZE] [--undo FILE]", "size undo", run_create},
    {"remove", 2, "remove IMAGE NAME [--undo FILE]", "undo", run_remove},
    {"resize", 3, "resize IMAGE NAME [+|-]SIZE [--undo FILE]", "undo", run_resize},
    {"rename", 3, "rename IMAGE OLD NEW [--undo FILE]", "undo", run_rename},
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void print_help(const cmd_t *only)
{
    printf("Usage:\n");
    for (size_t i = 0; i < N_CMDS; i++)
        if (!only || only == &cmds[i])
            printf("  %s %s\n", prog, cmds[i].usage);
    if (!only)
        printf("  %s --help | --version\n", prog);
    printf("\n"
           "Formats a disk image as an LVM2 physical volume with a volume group (laid out\n"
           "as pvcreate + vgcreate would), reads its metadata, and creates, removes,\n"
           "resizes and renames linear logical volumes; every change is a new metadata\n"
           "version (seqno + 1) in every metadata area, accepted by real LVM2.\n"
           "\n"
           "Options:\n"
           "  --vg NAME               VG name (format; default " LR_VGEDIT_DEFAULT_VG ")\n"
           "  --extent-size SIZE      extent size (format; default 4m)\n"
           "  --metadata-size SIZE    metadata area size (format; default: up to the\n"
           "                          1 MiB-aligned data area, 1020 KiB)\n"
           "  --metadata-copies 1|2   metadata areas on the PV (format; default 1)\n"
           "  -f, --force             format over an existing PV label or signature\n"
           "  --json                  read: print JSON instead of a table\n"
           "  -L, --size SIZE         create: LV size (default: one extent)\n"
           "  --undo FILE             format, create, remove, resize, rename: save every\n"
           "                          byte the command overwrites in FILE first (never\n"
           "                          overwritten); 'lvmrepair --apply-undo FILE' puts\n"
           "                          them back\n"
           "  -h, --help              this help\n"
           "  -V, --version           the version\n"
           "\n"
           "SIZE is a number with an optional unit as in LVM2: b (bytes), s (sectors),\n"
           "k, m, g, t, p, e (powers of 1024); m when none is given. Sizes are rounded\n"
           "up to whole extents.\n"
           "\n"
           "Exit status: 0 success, 1 refused (the image was left untouched),\n"
           "2 usage or I/O error. See mlvm(1).\n");
}

/* Options: the long name, whether it takes a value, and where it goes. */
typedef struct opt {
    const char *name;
    char shortc;
    bool value;
    size_t field; /* offsetof into args_t: const char * or bool */
} opt_t;

#define F(m) offsetof(args_t, m)
static const opt_t opts[] = {
    {"vg", 0, true, F(vg)},
    {"extent-size", 0, true, F(extent_size)},
    {"metadata-size", 0, true, F(metadata_size)},
    {"metadata-copies", 0, true, F(metadata_copies)},
    {"size", 'L', true, F(size)},
    {"undo", 0, true, F(undo)},
    {"force", 'f', false, F(force)},
    {"json", 0, false, F(json)},
    {"help", 'h', false, F(help)},
};
#undef F

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static bool cmd_takes(const cmd_t *c, const char *name)
{
    if (!strcmp(name, "help"))
        return true;
    size_t n = strlen(name);
    for (const char *p = c->opts; (p = strstr(p, name)); p += n)
        if ((p == c->opts || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static const opt_t *find_opt(const char *name, size_t len, char shortc)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (shortc ? opts[i].shortc == shortc
                   : strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
            return &opts[i];
    }
    return NULL;
}

/* Stores option o with value (from "=value" or the next argument). */
static int set_opt(args_t *a, const opt_t *o, const char *inline_val, int argc, char **argv, int *i)
{
    char *base = (char *)a;
    if (!cmd_takes(a->cmd, o->name))
        return usage_error("option '--%s' does not apply to '%s'", o->name, a->cmd->name);
    if (!o->value) {
        if (inline_val)
            return usage_error("option '--%s' takes no value", o->name);
        *(bool *)(base + o->field) = true;
        return 0;
    }
    const char *v = inline_val;
    if (!v) {
        if (*i + 1 >= argc)
            return usage_error("option '--%s' needs a value", o->name);
        v = argv[++*i];
        if (!lr_opt_value_ok(v))
            return usage_error("option '--%s' needs a value, not the option '%s' (write "
                               "--%s=VALUE if that is the value)",
                               o->name, v, o->name);
    }
    *(const char **)(base + o->field) = v;
    return 0;
}

/* A negative size ("-8m" for resize) is an argument, not an option. */
static bool is_option(const char *s)
{
    return s[0] == '-' && s[1] && !(s[1] >= '0' && s[1] <= '9') && s[1] != '.';
}

static int parse_one(args_t *a, int argc, char **argv, int *i, bool *only_pos)
{
    const char *s = argv[*i];
    if (*only_pos || !is_option(s)) {
        if (a->npos == MAX_POS)
            return usage_error("too many arguments for '%s'", a->cmd->name);
        a->pos[a->npos++] = s;
        return 0;
    }
    if (!strcmp(s, "--")) {
        *only_pos = true;
        return 0;
    }
    if (s[1] == '-') {
        const char *eq = strchr(s + 2, '=');
        size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
        const opt_t *o = find_opt(s + 2, len, 0);
        if (!o)
            return usage_error("unknown option '%s'", s);
        return set_opt(a, o, eq ? eq + 1 : NULL, argc, argv, i);
    }
    const opt_t *o = s[2] ? NULL : find_opt(NULL, 0, s[1]);
    if (!o)
        return usage_error("unknown option '%s'", s);
    return set_opt(a, o, NULL, argc, argv, i);
}

/* "Write from mlvm create disk.raw lv1.", the way LVM2 describes the
 * command behind each version. */
static char *describe(int argc, char **argv)
{
    size_t len = strlen("Write from mlvm.") + 1;
    for (int i = 1; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *d = malloc(len);
    if (!d)
        return NULL;
    strcpy(d, "Write from mlvm");
    for (int i = 1; i < argc; i++) {
        strcat(d, " ");
        strcat(d, argv[i]);
    }
    strcat(d, ".");
    return d;
}

static const cmd_t *find_cmd(const char *name)
{
    for (size_t i = 0; i < N_CMDS; i++)
        if (!strcmp(cmds[i].name, name))
            return &cmds[i];
    return NULL;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("no command given");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help(NULL);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("mlvm (lvmrescue) %s\n", LR_VERSION);
        return EXIT_OK;
    }
    args_t a = {.cmd = find_cmd(argv[1])};
    if (!a.cmd)
        return usage_error("unknown command '%s'", argv[1]);
    bool only_pos = false;
    for (int i = 2; i < argc; i++) {
        int rc = parse_one(&a, argc, argv, &i, &only_pos);
        if (rc)
            return rc;
    }
    if (a.help) {
        print_help(a.cmd);
        return EXIT_OK;
    }
    if (a.npos != a.cmd->npos)
        return usage_error("'%s' takes %d argument%s: %s %s", a.cmd->name, a.cmd->npos,
                           a.cmd->npos > 1 ? "s" : "", prog, a.cmd->usage);
    a.undo_existed = a.undo && exists(a.undo);
    if (!(a.description = describe(argc, argv))) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return EXIT_USAGE;
    }
    int rc = a.cmd->run(&a);
    free(a.description);
    return rc;
}

int main(int argc, char **argv)
{
    return run(argc, argv);
}
