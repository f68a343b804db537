/* The mlvm edit handle: loading a VG from its PV, the edit pipeline over
 * core's config tree, and committing new versions with lr_mda_commit. */
#include "vgedit_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* ---- state: text + tree + view ---- */

void ed_state_free(ed_state_t *st)
{
    lr_vg_free(st->vg);
    lr_cfg_free(st->cfg);
    free(st->text);
    memset(st, 0, sizeof(*st));
}

/* Parses text (taken over) into a tree and a view, and checks the view
 * against LVM2's rules when check is set. */
static int state_from_text(char *text, bool check, ed_state_t *st, lr_error_t *err)
{
    memset(st, 0, sizeof(*st));
    st->text = text;
    int rc = lr_cfg_parse(text, strlen(text), &st->cfg, err);
    if (!rc)
        rc = lr_vg_from_cfg(st->cfg, &st->vg, err);
    if (!rc && check)
        rc = lr_vg_check(st->vg, err);
    if (rc)
        ed_state_free(st);
    return rc;
}

void ed_state_adopt(lr_vgedit_t *ed, ed_state_t *st)
{
    lr_vg_free(ed->vg);
    lr_cfg_free(ed->cfg);
    free(ed->text);
    ed->text = st->text;
    ed->cfg = st->cfg;
    ed->vg = st->vg;
    memset(st, 0, sizeof(*st));
    ed->pv_index = -1;
    for (size_t i = 0; i < ed->vg->n_pvs; i++)
        if (strcmp(ed->vg->pvs[i].raw_id, ed->label.pv_uuid) == 0)
            ed->pv_index = (int)i;
}

static lr_cfg_node_t *vg_section(lr_cfg_t *cfg, const char *name)
{
    for (lr_cfg_node_t *n = lr_cfg_child(lr_cfg_root(cfg)); n; n = lr_cfg_next(n))
        if (lr_cfg_node_type(n) == LR_CFG_SECTION && strcmp(lr_cfg_key(n), name) == 0)
            return n;
    return NULL;
}

int ed_build(lr_vgedit_t *ed, ed_mutate_fn fn, void *arg, ed_state_t *st, lr_error_t *err)
{
    memset(st, 0, sizeof(*st));
    lr_cfg_t *scratch = NULL;
    int rc = lr_cfg_parse(ed->text, strlen(ed->text), &scratch, err);
    if (rc)
        return rc;
    lr_cfg_node_t *vgsec = vg_section(scratch, ed->vg->name);
    if (!vgsec)
        rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "VG section '%s' not found", ed->vg->name);
    if (!rc)
        rc = fn(ed, scratch, vgsec, arg, err);
    char *out = NULL;
    size_t len = 0;
    if (!rc)
        rc = lr_cfg_write(scratch, &out, &len, err);
    lr_cfg_free(scratch);
    if (rc) {
        free(out);
        return rc;
    }
    rc = state_from_text(out, true, st, err);
    if (rc)
        return lr_error_prefix(err, "the edited metadata is invalid", rc);
    return 0;
}

/* ---- loading ---- */

static int area_error(lr_error_t *err, int rc, size_t i, uint64_t start)
{
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "metadata area %zu at byte %" PRIu64, i + 1, start);
    return lr_error_prefix(err, prefix, rc);
}

/* Reads area i: header, then the committed text into *text (NULL when the
 * area holds none or is ignored). */
static int load_area(lr_vgedit_t *ed, size_t i, char **text, lr_error_t *err)
{
    uint64_t start = ed->label.mda[i].offset;
    lr_mda_header_t *h = &ed->mda[i];
    *text = NULL;
    int rc = lr_mda_header_read(ed->io, 0, start, h, err);
    if (!rc)
        rc = lr_mda_header_validate(h, start, lr_io_size(ed->io), err);
    if (rc)
        return area_error(err, rc, i, start);
    const lr_raw_locn_t *c = lr_mda_committed(h);
    if (!c || (c->flags & LR_RAW_LOCN_IGNORED))
        return 0;
    rc = lr_mda_read_text(ed->io, 0, h, c, text, err);
    if (rc) {
        free(*text);
        *text = NULL;
        return area_error(err, rc, i, start);
    }
    return 0;
}

/* Parses text just far enough to learn its seqno. */
static int text_seqno(const char *text, uint64_t *seqno, lr_error_t *err)
{
    lr_vg_t *vg = NULL;
    int rc = lr_vg_parse(text, strlen(text), &vg, err);
    if (!rc)
        *seqno = vg->seqno;
    lr_vg_free(vg);
    return rc;
}

/* Keeps the text with the higher seqno in *best (taking text over). */
static void keep_best(char **best, uint64_t *best_seq, char *text, uint64_t seq)
{
    if (!text)
        return;
    if (*best && seq <= *best_seq) {
        free(text);
        return;
    }
    free(*best);
    *best = text;
    *best_seq = seq;
}

/* Keeps in *best the committed text with the highest seqno over all areas;
 * LVM2 takes that one as the VG too. */
static int load_areas(lr_vgedit_t *ed, char **best, lr_error_t *err)
{
    uint64_t best_seq = 0;
    lr_error_t first;
    lr_error_clear(&first);
    *best = NULL;
    for (size_t i = 0; i < ed->n_mda; i++) {
        char *text = NULL;
        uint64_t seq = 0;
        int rc = load_area(ed, i, &text, err);
        if (!rc && text && (rc = text_seqno(text, &seq, err)))
            rc = area_error(err, rc, i, ed->label.mda[i].offset);
        if (rc) {
            free(text);
            if (ed->writable) {
                free(*best);
                *best = NULL;
                return rc;
            }
            if (!first.code)
                first = *err;
            continue;
        }
        ed->mda_usable[i] = true;
        keep_best(best, &best_seq, text, seq);
    }
    if (*best)
        return 0;
    if (first.code) {
        *err = first;
        return first.code;
    }
    return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET,
                        "the PV has no volume group metadata (no committed copy in any "
                        "metadata area)");
}

static int load_label(lr_vgedit_t *ed, lr_error_t *err)
{
    uint64_t sector = 0;
    int rc = lr_label_read(ed->io, 0, &ed->label, &sector, err);
    if (rc == LR_ENOTFOUND || rc == LR_ERANGE)
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET,
                            "not an LVM2 physical volume: no LVM2 label in the first 4 sectors");
    if (!rc)
        rc = lr_label_validate(&ed->label, lr_io_size(ed->io), err);
    if (rc)
        return lr_error_prefix(err, "PV label", rc);
    if (ed->label.n_mda == 0)
        return lr_error_set(err, LR_ENOTFOUND, LR_NO_OFFSET,
                            "the PV has no metadata areas, so no VG metadata");
    ed->n_mda = ed->label.n_mda < ED_MAX_MDA ? ed->label.n_mda : ED_MAX_MDA;
    return 0;
}

/* An edit writes every metadata area: one the label and header place over
 * the PV's data (pe_start on, or an LV's extents; a damaged or hostile
 * label) is reported and the edit refused, before anything is written. */
static int check_areas_clear(const lr_vgedit_t *ed, lr_error_t *err)
{
    for (size_t i = 0; i < ed->n_mda; i++) {
        uint64_t off = ed->label.mda[i].offset, size = ed->mda[i].size;
        if (lr_pv_range_hits_data(ed->vg, ed->label.pv_uuid, off, size))
            return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                                "metadata area %zu (bytes %llu..%llu) runs over the PV's data "
                                "(pe_start or an LV's extents): damaged; nothing written",
                                i + 1, (unsigned long long)off,
                                (unsigned long long)(off + size - 1));
    }
    return 0;
}

static int open_io(lr_vgedit_t *ed, const char *path, const lr_vgedit_io_opts_t *io,
                   lr_error_t *err)
{
    if (ed->writable)
        return ed_open_rw(io, path, &ed->io, err);
    return lr_io_open(&ed->io, path, err);
}

int lr_vgedit_open(lr_vgedit_t **out, const char *path, int mode, lr_error_t *err)
{
    return lr_vgedit_open_ex(out, path, mode, NULL, err);
}

int lr_vgedit_open_ex(lr_vgedit_t **out, const char *path, int mode, const lr_vgedit_io_opts_t *io,
                      lr_error_t *err)
{
    *out = NULL;
    lr_vgedit_t *ed = calloc(1, sizeof(*ed));
    if (!ed || !(ed->path = strdup(path))) {
        free(ed);
        return lr_error_wrap(err, path, lr_error_oom(err));
    }
    ed->writable = mode == LR_VGEDIT_WRITE;
    ed->pv_index = -1;
    if (ed->writable && io && io->undo_path && !(ed->undo_path = strdup(io->undo_path))) {
        lr_vgedit_free(ed);
        return lr_error_wrap(err, path, lr_error_oom(err));
    }
    char *text = NULL;
    ed_state_t st;
    int rc = open_io(ed, path, io, err);
    if (!rc)
        rc = load_label(ed, err);
    if (!rc)
        rc = load_areas(ed, &text, err);
    if (!rc && (rc = state_from_text(text, ed->writable, &st, err)))
        rc = lr_error_prefix(err, "committed metadata", rc);
    if (rc) {
        lr_vgedit_free(ed);
        return lr_error_wrap(err, path, rc);
    }
    ed_state_adopt(ed, &st);
    rc = ed->writable ? check_areas_clear(ed, err) : 0;
    if (rc) {
        lr_vgedit_free(ed);
        return lr_error_wrap(err, path, rc);
    }
    *out = ed;
    return 0;
}

void lr_vgedit_free(lr_vgedit_t *ed)
{
    if (!ed)
        return;
    lr_io_close(ed->io, NULL);
    free(ed->undo_path);
    lr_vg_free(ed->vg);
    lr_cfg_free(ed->cfg);
    free(ed->text);
    free(ed->path);
    free(ed);
}

/* ---- accessors ---- */

const lr_vg_t *lr_vgedit_vg(const lr_vgedit_t *ed)
{
    return ed->vg;
}

const char *lr_vgedit_text(const lr_vgedit_t *ed)
{
    return ed->text;
}

const lr_label_t *lr_vgedit_label(const lr_vgedit_t *ed)
{
    return &ed->label;
}

const char *lr_vgedit_path(const lr_vgedit_t *ed)
{
    return ed->path;
}

size_t lr_vgedit_mda_count(const lr_vgedit_t *ed)
{
    return ed->n_mda;
}

const lr_mda_header_t *lr_vgedit_mda(const lr_vgedit_t *ed, size_t i, bool *usable)
{
    if (i >= ed->n_mda)
        return NULL;
    if (usable)
        *usable = ed->mda_usable[i];
    return &ed->mda[i];
}

int lr_vgedit_pv_index(const lr_vgedit_t *ed)
{
    return ed->pv_index;
}

uint64_t lr_vgedit_extent_bytes(const lr_vgedit_t *ed)
{
    return ed->vg->extent_size * 512;
}

uint64_t lr_vgedit_free_extents(const lr_vgedit_t *ed)
{
    if (ed->pv_index < 0)
        return 0;
    lr_vgedit_range_t *fr = NULL;
    size_t n = 0;
    if (lr_vgedit_free_ranges(ed->vg, (size_t)ed->pv_index, &fr, &n, NULL))
        return 0;
    uint64_t t = lr_vgedit_range_total(fr, n);
    free(fr);
    return t;
}

uint64_t lr_vgedit_vg_free_extents(const lr_vgedit_t *ed)
{
    uint64_t total = 0;
    for (size_t i = 0; i < ed->vg->n_pvs; i++) {
        lr_vgedit_range_t *fr = NULL;
        size_t n = 0;
        if (lr_vgedit_free_ranges(ed->vg, i, &fr, &n, NULL) == 0)
            total += lr_vgedit_range_total(fr, n);
        free(fr);
    }
    return total;
}

bool lr_vgedit_dirty(const lr_vgedit_t *ed)
{
    return ed->dirty;
}

/* ---- sizes in extents ---- */

uint64_t lr_vgedit_size_extents(const lr_vgedit_t *ed, uint64_t bytes)
{
    uint64_t ext = lr_vgedit_extent_bytes(ed);
    if (bytes == 0 || ext == 0)
        return 1;
    return bytes / ext + (bytes % ext != 0);
}

int lr_vgedit_resize_extents(const lr_vgedit_t *ed, const char *name, char sign, uint64_t bytes,
                             uint64_t *from, uint64_t *to, lr_error_t *err)
{
    const lr_lv_t *lv = lr_vg_find_lv(ed->vg, name);
    if (!lv)
        return lr_error_at(err, ed->path, LR_ENOTFOUND, LR_NO_OFFSET,
                           "no logical volume '%s' in VG %s", name, ed->vg->name);
    uint64_t ext = lr_vgedit_extent_bytes(ed), cur = lv->extent_count, target = 0;
    if (from)
        *from = cur;
    char h1[32], h2[32];
    int rc = 0;
    if (sign != 0 && sign != '+' && sign != '-')
        rc = lr_error_set(err, -EINVAL, LR_NO_OFFSET, "unknown size sign '%c'", sign);
    else if (ext && cur > UINT64_MAX / ext)
        rc = lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "LV %s is too large", name);
    uint64_t cur_bytes = cur * ext;
    if (rc)
        ;
    else if (sign == '-' && bytes >= cur_bytes)
        rc = lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                          "cannot shrink LV %s (%s) by %s: it would have no extents left", name,
                          lr_vgedit_format_size(cur_bytes, h1, sizeof(h1)),
                          lr_vgedit_format_size(bytes, h2, sizeof(h2)));
    else if (sign == 0 && bytes == 0)
        rc = lr_error_set(err, -EINVAL, LR_NO_OFFSET, "an LV needs at least one extent");
    else if (sign == '+' && bytes > UINT64_MAX - cur_bytes)
        rc = lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                          "growing LV %s by %" PRIu64 " bytes does not fit 64 bits", name, bytes);
    else
        target = sign == '-' ? cur_bytes - bytes : sign == '+' ? cur_bytes + bytes : bytes;
    if (rc)
        return lr_error_wrap(err, ed->path, rc);
    *to = lr_vgedit_size_extents(ed, target);
    return 0;
}

/* ---- commit ---- */

typedef struct commit_arg {
    const char *description;
} commit_arg_t;

/* The next version: seqno + 1 and, as LVM2 writes with every version, the
 * command, host and time in the header fields after the VG section. */
static int mutate_commit(lr_vgedit_t *ed, lr_cfg_t *scratch, lr_cfg_node_t *vgsec, void *arg,
                         lr_error_t *err)
{
    const commit_arg_t *a = arg;
    struct utsname u;
    if (uname(&u))
        memset(&u, 0, sizeof(u));
    if (ed->vg->seqno >= (uint64_t)INT64_MAX)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET, "seqno %" PRIu64 " cannot grow",
                            ed->vg->seqno);
    lr_cfg_node_t *root = lr_cfg_root(scratch);
    int rc = lr_cfg_set_int(vgsec, "seqno", (int64_t)ed->vg->seqno + 1, err);
    if (!rc)
        rc = lr_cfg_set_str(root, "description", a->description ? a->description : "", err);
    if (!rc)
        rc = lr_cfg_set_str(root, "creation_host", u.nodename, err);
    if (!rc)
        rc = lr_cfg_set_int(root, "creation_time", (int64_t)time(NULL), err);
    return rc;
}

static bool area_takes_text(const lr_vgedit_t *ed, size_t i)
{
    const lr_mda_header_t *h = &ed->mda[i];
    return !(h->n_locn && (h->locn[0].flags & LR_RAW_LOCN_IGNORED));
}

static int check_fits(const lr_vgedit_t *ed, uint64_t size, lr_error_t *err)
{
    for (size_t i = 0; i < ed->n_mda; i++) {
        if (!area_takes_text(ed, i))
            continue;
        uint64_t max = lr_mda_max_text(ed->mda[i].size);
        if (size > max)
            return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                                "the new metadata (%" PRIu64 " bytes) does not fit metadata area "
                                "%zu (at most %" PRIu64 " bytes)",
                                size, i + 1, max);
    }
    return 0;
}

/* Reads the copy committed to area i back through io, as the loader
 * reads it (header, then the text it points at), and compares it. */
static int verify_area(const lr_vgedit_t *ed, lr_io_t *io, size_t i, const char *text,
                       uint64_t size, lr_error_t *err)
{
    lr_mda_header_t h;
    char *back = NULL;
    int rc = lr_mda_header_read(io, 0, ed->label.mda[i].offset, &h, err);
    if (!rc)
        rc = lr_mda_read_text(io, 0, &h, &h.locn[0], &back, err);
    if (!rc && (h.locn[0].size != size || memcmp(back, text, size) != 0))
        rc = lr_error_set(err, -EIO, LR_NO_OFFSET, "read-back differs from what was written");
    free(back);
    return rc ? area_error(err, rc, i, ed->label.mda[i].offset) : 0;
}

/* One commit as a transaction: the same writes at planning and at the run,
 * each starting from the headers as loaded (lr_mda_commit advances them). */
typedef struct commit_run {
    const lr_vgedit_t *ed;
    const char *text;
    uint64_t size;
    lr_mda_header_t mda[ED_MAX_MDA]; /* the headers after the writes */
} commit_run_t;

/* Every area in label order through lr_mda_commit (text, sync, header,
 * sync). */
static int commit_write(void *arg, lr_txn_t *t, lr_io_t *const *ios, lr_error_t *err)
{
    commit_run_t *c = arg;
    (void)t;
    for (size_t i = 0; i < c->ed->n_mda; i++) {
        c->mda[i] = c->ed->mda[i];
        if (!area_takes_text(c->ed, i))
            continue;
        int rc = lr_mda_commit(ios[0], 0, &c->mda[i], c->text, c->size, err);
        if (rc)
            return area_error(err, rc, i, c->ed->label.mda[i].offset);
    }
    return 0;
}

static int commit_verify(void *arg, lr_io_t *const *ios, bool planning, lr_error_t *err)
{
    const commit_run_t *c = arg;
    (void)planning;
    for (size_t i = 0; i < c->ed->n_mda; i++) {
        if (!area_takes_text(c->ed, i))
            continue;
        int rc = verify_area(c->ed, ios[0], i, c->text, c->size, err);
        if (rc)
            return rc;
    }
    return 0;
}

int lr_vgedit_commit(lr_vgedit_t *ed, const char *description, lr_error_t *err)
{
    if (!ed->writable)
        return lr_error_at(err, ed->path, LR_EREADONLY, LR_NO_OFFSET, "opened read-only");
    if (ed->undo_used)
        return lr_error_at(err, ed->path, LR_EREFUSED, LR_NO_OFFSET,
                           "the undo file %s belongs to an earlier commit of "
                           "this handle; open the image again with a new one",
                           ed->undo_path);
    commit_arg_t a = {description};
    ed_state_t st;
    int rc = ed_build(ed, mutate_commit, &a, &st, err);
    if (rc)
        return lr_error_wrap(err, ed->path, rc);
    commit_run_t c = {.ed = ed, .text = st.text, .size = strlen(st.text) + 1};
    lr_txn_ops_t ops = {.write = commit_write, .verify = commit_verify, .arg = &c};
    bool started = false;
    rc = check_fits(ed, c.size, err);
    if (!rc)
        rc = ed_write(ed->io, ed->path, ed->undo_path, &ops, &started, err);
    ed->undo_used = started && ed->undo_path;
    if (rc) {
        ed_state_free(&st);
        return lr_error_wrap(err, ed->path, rc);
    }
    memcpy(ed->mda, c.mda, ed->n_mda * sizeof(ed->mda[0]));
    ed_state_adopt(ed, &st);
    ed->dirty = false;
    return 0;
}
