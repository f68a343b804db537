/* Volume groups: copies grouped by VG UUID, versions keyed by (seqno, crc),
 * the PVs of the newest complete version matched to what was found, and a
 * status per VG. */
#include "scan_int.h"

#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lr/crc.h"

typedef struct sc_ref {
    const char *id;
    int idx;
} sc_ref_t;

static int cmp_ref(const void *x, const void *y)
{
    const sc_ref_t *a = x, *b = y;
    int r = strcmp(a->id, b->id);
    if (r)
        return r;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* A copy that can stand for its version on its own. */
static bool copy_good(const lr_scan_copy_t *cp)
{
    if (cp->partial || !cp->parse_ok)
        return false;
    return !cp->slot_size || cp->crc_ok;
}

static bool is_backup(const lr_scan_copy_t *cp)
{
    return (cp->source & LR_SCAN_COPY_BACKUP) != 0;
}

/* An archive file (LVM2 writes it when the next command starts:
 * "Created *before* executing 'lvcreate ...'"), whose creation_time is
 * that command's start, not the version's write. */
static bool archived_before(const lr_scan_copy_t *cp)
{
    static const char before[] = "Created *before* executing";
    return is_backup(cp) && cp->description &&
           strncmp(cp->description, before, sizeof(before) - 1) == 0;
}

/* A ring copy before a backup file of the same version: the version's crc
 * is the ring copy's, and LVM2 wrote that text to the disk. Among files,
 * a backup file (written right after the command: "Created *after*
 * executing") before an archive file, whatever their order in the images
 * or on the command line: the version's time and description are the
 * best copy's. */
static int copy_rank(const lr_scan_copy_t *cp)
{
    return (copy_good(cp) ? 32 : 0) + (cp->crc_ok ? 16 : 0) + (cp->committed ? 8 : 0) +
           (cp->orphan ? 0 : 4) + (is_backup(cp) ? 0 : 2) + (archived_before(cp) ? 0 : 1);
}

/* The array's capacity is the next power of two of its count. */
static int version_add_copy(lr_scan_version_t *v, int idx, lr_error_t *err)
{
    size_t n = v->n_copies;
    if ((n & (n - 1)) == 0) {
        int *p = realloc(v->copies, (n ? 2 * n : 1) * sizeof(*p));
        if (!p)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        v->copies = p;
    }
    v->copies[v->n_copies++] = idx;
    return 0;
}

typedef struct sc_key {
    uint64_t seqno;
    uint32_t crc;
    int idx;
} sc_key_t;

static int cmp_key(const void *x, const void *y)
{
    const sc_key_t *a = x, *b = y;
    if (a->seqno != b->seqno)
        return a->seqno < b->seqno ? -1 : 1;
    if (a->crc != b->crc)
        return a->crc < b->crc ? -1 : 1;
    return a->idx - b->idx;
}

static lr_scan_version_t *new_version(lr_scan_vg_t *vg, size_t *cap, const lr_scan_copy_t *cp,
                                      uint32_t crc, lr_error_t *err)
{
    if (sc_grow((void **)&vg->versions, cap, vg->n_versions + 1, sizeof(*vg->versions), err))
        return NULL;
    lr_scan_version_t *v = &vg->versions[vg->n_versions++];
    memset(v, 0, sizeof(*v));
    v->seqno = cp->seqno;
    v->crc = crc;
    v->n_lvs = -1;
    return v;
}

/* A complete version's VG section as its canonical token stream, read
 * again from its first copy when a partial backup file needs it. */
typedef struct sc_section {
    char *canon; /* NULL: not read yet, no section, or it no longer reads */
    size_t n;
    bool tried;
} sc_section_t;

/* A copy's VG section as its canonical token stream (sc_section_canon),
 * its text read again: all of it, or (first_block) only the part its
 * first block holds (own_len bytes, to the last whole line in them).
 * *canon (malloc'd) NULL when it no longer reads or no section opens
 * there (then nothing matches it). Only -ENOMEM fails. */
static int copy_canon(sc_ctx_t *c, const lr_scan_copy_t *cp, bool first_block, char **canon,
                      size_t *n)
{
    char *text = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    *canon = NULL;
    *n = 0;
    int rc = sc_read_pieces(c->ios[cp->image], cp, &text, &e);
    if (rc == -ENOMEM)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    if (rc)
        return 0;
    size_t len = (size_t)cp->length;
    if (first_block) {
        len = cp->own_len < len ? cp->own_len : len;
        while (len > 0 && text[len - 1] != '\n')
            len--;
    }
    rc = sc_section_canon(text, len, canon, n);
    free(text);
    if (rc)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}

/* The one complete version among [lo, lo + n_sec) whose VG section begins
 * with all of partial copy cp's (section_start_crc): cp's text then holds
 * no byte that version lacks (a cut file read on into another's bytes
 * seldom does). *found is its index, or -1 when none or more than one does.
 * Only -ENOMEM fails. */
static int prefix_version(sc_ctx_t *c, const lr_scan_vg_t *vg, sc_section_t *sec, size_t lo,
                          size_t n_sec, const lr_scan_copy_t *cp, long *found)
{
    *found = -1;
    size_t n = cp->section_start_len;
    if (!n)
        return 0;
    int rc = 0, matches = 0;
    for (size_t j = 0; j < n_sec && !rc; j++) {
        sc_section_t *x = &sec[j];
        if (!x->tried) {
            x->tried = true;
            rc = copy_canon(c, &c->scan->copies[vg->versions[lo + j].copies[0]], false, &x->canon,
                            &x->n);
        }
        if (rc || !x->canon || x->n < n ||
            lr_crc(LR_CRC_INITIAL, x->canon, n) != cp->section_start_crc)
            continue;
        matches++;
        *found = (long)(lo + j);
    }
    if (matches != 1)
        *found = -1;
    return rc;
}

/* The crc and length of the VG section tokens copy cp's first block holds
 * (copy_canon's first_block): *own when they reach past its seqno (the
 * seqno is the file's own), else 0 and 0. Only -ENOMEM fails. */
static int first_block_start(sc_ctx_t *c, const lr_scan_copy_t *cp, bool *own, uint32_t *crc,
                             size_t *n)
{
    char *mine = NULL;
    *own = false;
    *crc = 0;
    int rc = copy_canon(c, cp, true, &mine, n);
    if (!rc && mine && sc_past_seqno(mine, *n)) {
        *own = true;
        *crc = lr_crc(LR_CRC_INITIAL, mine, *n);
    }
    if (!*own)
        *n = 0;
    free(mine);
    return rc;
}

/* A partial backup file read on from its first block (own_len) whose
 * whole text begins no complete version's section: the version its first
 * block's section begins, if exactly one (its later blocks may be another
 * file's; section_start_* then are the first block's). Only -ENOMEM fails. */
static int own_prefix_version(sc_ctx_t *c, const lr_scan_vg_t *vg, sc_section_t *sec, size_t lo,
                              size_t n_sec, lr_scan_copy_t *cp, long *found)
{
    bool own = false;
    uint32_t crc = 0;
    size_t n = 0;
    *found = -1;
    int rc = first_block_start(c, cp, &own, &crc, &n);
    if (rc || !own)
        return rc;
    uint32_t had_crc = cp->section_start_crc;
    size_t had_len = cp->section_start_len;
    cp->section_start_crc = crc;
    cp->section_start_len = n;
    rc = prefix_version(c, vg, sec, lo, n_sec, cp, found);
    if (*found < 0) {
        cp->section_start_crc = had_crc;
        cp->section_start_len = had_len;
    }
    return rc;
}

/* Partial backup files of one seqno: each joins the one complete version
 * [lo, hi) its VG section is the start of (prefix_version), else an
 * incomplete version per crc, shared only by identical partial files
 * (the versions from `from` on, made here). */
static int place_partial_backups(sc_ctx_t *c, lr_scan_vg_t *vg, size_t *cap, const sc_key_t *k,
                                 size_t n, size_t lo, size_t hi)
{
    const lr_scan_copy_t *copies = c->scan->copies;
    size_t from = vg->n_versions;
    sc_section_t *sec = NULL;
    if (hi > lo) {
        sec = calloc(hi - lo, sizeof(*sec));
        if (!sec)
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const lr_scan_copy_t *cp = &copies[k[i].idx];
        if (copy_good(cp) || !is_backup(cp))
            continue;
        long joined = -1;
        if (sec)
            rc = prefix_version(c, vg, sec, lo, hi - lo, cp, &joined);
        if (!rc && sec && joined < 0 && cp->own_len)
            rc = own_prefix_version(c, vg, sec, lo, hi - lo, &c->scan->copies[k[i].idx], &joined);
        if (rc)
            break;
        lr_scan_version_t *v = joined >= 0 ? &vg->versions[joined] : NULL;
        for (size_t j = from; j < vg->n_versions && !v; j++)
            if (vg->versions[j].crc == cp->crc)
                v = &vg->versions[j];
        if (!v)
            v = new_version(vg, cap, cp, cp->crc, c->err);
        if (!v) {
            rc = c->err ? c->err->code : -ENOMEM;
            break;
        }
        v->n_backup_copies++;
        rc = version_add_copy(v, k[i].idx, c->err) ? -ENOMEM : 0;
    }
    for (size_t j = 0; sec && j < hi - lo; j++)
        free(sec[j].canon);
    free(sec);
    return rc;
}

/* Versions [lo, hi) of one seqno are sorted by crc: binary search. */
static lr_scan_version_t *run_find(lr_scan_vg_t *vg, size_t lo, size_t hi, uint32_t crc)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vg->versions[mid].crc == crc)
            return &vg->versions[mid];
        if (vg->versions[mid].crc < crc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Which of two backup files' copies a version is keyed by: a backup file
 * before an archive file (copy_rank's order, so the version's crc is its
 * best copy's), else the first found. */
static bool file_first(const lr_scan_copy_t *copies, int a, int b)
{
    bool aa = archived_before(&copies[a]), ab = archived_before(&copies[b]);
    return aa != ab ? !aa : a < b;
}

/* The crc a good backup file's copy is grouped under: that of a good ring
 * copy of its seqno with the same VG section, else that of the first good
 * backup file with it (file_first; an archive file and /etc/lvm/backup's
 * file of one version differ in their headers only), else its own. */
static uint32_t backup_key(const lr_scan_copy_t *copies, const sc_key_t *k, size_t n, size_t i)
{
    const lr_scan_copy_t *cp = &copies[k[i].idx];
    int first = -1;
    for (size_t j = 0; j < n; j++) {
        const lr_scan_copy_t *o = &copies[k[j].idx];
        if (!copy_good(o) || o->section_crc != cp->section_crc)
            continue;
        if (!is_backup(o))
            return o->crc;
        if (first < 0 || file_first(copies, k[j].idx, first))
            first = k[j].idx;
    }
    return first >= 0 ? copies[first].crc : cp->crc;
}

/* Gives the good backup files of one seqno the crc of the version they
 * belong to, and sorts the run by crc again. */
static void key_backups(const lr_scan_copy_t *copies, sc_key_t *k, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const lr_scan_copy_t *cp = &copies[k[i].idx];
        if (is_backup(cp) && copy_good(cp)) {
            k[i].crc = backup_key(copies, k, n, i);
            any = true;
        }
    }
    if (any)
        qsort(k, n, sizeof(*k), cmp_key);
}

/* Backup file cp, read on from its first block with no record of its
 * later ones (own_len), is not the text of vouched copy o of its seqno
 * (another VG section): partial when what its first block holds agrees
 * with o (the difference lies in the blocks read on, which a deleted
 * file's may since have given to another file: a text LVM2 never wrote,
 * not a second version of the seqno), its first block's section then
 * joining o's version (section_start_*). A copy that differs from o
 * within its first block is left as it is: a conflict its own bytes show.
 * Only -ENOMEM fails. */
static int weigh_read_on(sc_ctx_t *c, lr_scan_copy_t *cp, const lr_scan_copy_t *o)
{
    bool seqno_own = false;
    uint32_t crc = 0;
    size_t n = 0, m = 0;
    char *theirs = NULL;
    int rc = first_block_start(c, cp, &seqno_own, &crc, &n);
    if (!rc && seqno_own)
        rc = copy_canon(c, o, false, &theirs, &m);
    bool agrees =
        !rc && (!seqno_own || (theirs && m >= n && lr_crc(LR_CRC_INITIAL, theirs, n) == crc));
    free(theirs);
    if (agrees) {
        char msg[LR_SCAN_MAX_PARSE_ERROR];
        if (seqno_own)
            snprintf(msg, sizeof(msg),
                     "backup file at byte %" PRIu64 " is partial: its first block agrees with "
                     "seqno %" PRIu64 "'s copy at byte %" PRIu64 ", the rest not; read on with "
                     "no record of its blocks, the rest may be another file's",
                     cp->offset, cp->seqno, o->offset);
        else
            snprintf(msg, sizeof(msg),
                     "backup file at byte %" PRIu64 " is partial: not seqno %" PRIu64
                     "'s copy at byte %" PRIu64 ", and its seqno lies past its first block; "
                     "read on with no record of its blocks, those may be another file's",
                     cp->offset, cp->seqno, o->offset);
        free(cp->parse_error);
        cp->parse_error = sc_strdup(msg);
        cp->partial = true;
        cp->parse_ok = false;
        cp->ends_whole = false;
        cp->section_start_crc = crc; /* 0 and 0 when the seqno is not its own */
        cp->section_start_len = n;
    }
    return rc;
}

/* Each good backup file of one seqno read on from its first block
 * (own_len) whose VG section no vouched good copy of the seqno shares,
 * while one has another: weighed against that one (weigh_read_on). */
static int weigh_read_ons(sc_ctx_t *c, const sc_key_t *k, size_t n)
{
    lr_scan_copy_t *copies = c->scan->copies;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        lr_scan_copy_t *cp = &copies[k[i].idx];
        if (!cp->own_len || !copy_good(cp) || !is_backup(cp))
            continue;
        int other = -1;
        bool shared = false;
        for (size_t j = 0; j < n && !shared; j++) {
            const lr_scan_copy_t *o = &copies[k[j].idx];
            if (j == i || o->own_len || !copy_good(o))
                continue;
            shared = o->section_crc == cp->section_crc;
            if (other < 0)
                other = k[j].idx;
        }
        if (!shared && other >= 0)
            rc = weigh_read_on(c, cp, &copies[other]);
    }
    return rc;
}

/* One seqno's copies (sorted by crc): complete copies make a version per
 * crc; damaged or partial ones join the version with their crc, else the
 * first of their seqno, else one incomplete version of their own. A partial
 * backup file (cut short or fragmented) joins only a complete version whose
 * VG section its own is the start of: its text may have run into another
 * file's bytes, and those must not pass for this version's. */
static int place_run(sc_ctx_t *c, lr_scan_vg_t *vg, size_t *cap, sc_key_t *k, size_t n)
{
    const lr_scan_copy_t *copies = c->scan->copies;
    size_t lo = vg->n_versions;
    int rc = weigh_read_ons(c, k, n);
    if (rc)
        return rc;
    key_backups(copies, k, n);
    for (size_t i = 0; i < n; i++) {
        const lr_scan_copy_t *cp = &copies[k[i].idx];
        if (!copy_good(cp))
            continue;
        lr_scan_version_t *v = vg->n_versions > lo ? &vg->versions[vg->n_versions - 1] : NULL;
        if (!v || v->crc != k[i].crc)
            v = new_version(vg, cap, cp, k[i].crc, c->err);
        if (!v)
            return c->err ? c->err->code : -ENOMEM;
        v->complete = true;
        v->committed |= cp->committed;
        v->n_backup_copies += is_backup(cp);
        if (version_add_copy(v, k[i].idx, c->err))
            return -ENOMEM;
    }
    size_t hi = vg->n_versions;
    for (size_t i = 0; i < n; i++) {
        const lr_scan_copy_t *cp = &copies[k[i].idx];
        if (copy_good(cp) || is_backup(cp))
            continue;
        lr_scan_version_t *v = run_find(vg, lo, hi, cp->crc);
        if (!v && vg->n_versions > lo)
            v = &vg->versions[lo];
        if (!v)
            v = new_version(vg, cap, cp, cp->crc, c->err);
        if (!v)
            return c->err ? c->err->code : -ENOMEM;
        v->committed |= cp->committed;
        if (version_add_copy(v, k[i].idx, c->err))
            return -ENOMEM;
    }
    return place_partial_backups(c, vg, cap, k, n, lo, hi);
}

static int place_copies(sc_ctx_t *c, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    sc_key_t *k = malloc((n ? n : 1) * sizeof(*k));
    if (!k)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const lr_scan_copy_t *cp = &c->scan->copies[copies[i]];
        k[i] = (sc_key_t){cp->seqno, cp->crc, copies[i]};
    }
    qsort(k, n, sizeof(*k), cmp_key);
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i;
        while (j < n && k[j].seqno == k[i].seqno)
            j++;
        rc = place_run(c, vg, &cap, k + i, j - i);
        i = j;
    }
    free(k);
    return rc;
}

typedef struct sc_ranked {
    int rank;
    int idx;
} sc_ranked_t;

static int cmp_ranked(const void *x, const void *y)
{
    const sc_ranked_t *a = x, *b = y;
    if (a->rank != b->rank)
        return b->rank - a->rank;
    return a->idx - b->idx;
}

/* Best copy first, then by position. */
static int sort_by_rank(const lr_scan_copy_t *copies, int *v, size_t n, lr_error_t *err)
{
    sc_ranked_t *r = malloc((n ? n : 1) * sizeof(*r));
    if (!r)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++)
        r[i] = (sc_ranked_t){copy_rank(&copies[v[i]]), v[i]};
    qsort(r, n, sizeof(*r), cmp_ranked);
    for (size_t i = 0; i < n; i++)
        v[i] = r[i].idx;
    free(r);
    return 0;
}

static int cmp_version(const void *x, const void *y)
{
    const lr_scan_version_t *a = x, *b = y;
    if (a->seqno != b->seqno)
        return a->seqno > b->seqno ? -1 : 1;
    if (a->complete != b->complete)
        return a->complete ? -1 : 1;
    if (a->committed != b->committed)
        return a->committed ? -1 : 1;
    if (a->n_copies != b->n_copies)
        return a->n_copies > b->n_copies ? -1 : 1;
    return a->crc < b->crc ? -1 : a->crc > b->crc;
}

/* Every copy of v that a header commits is committed only per headers
 * whose checksum fails. */
static bool only_bad_headers(const lr_scan_copy_t *copies, const lr_scan_version_t *v)
{
    for (size_t k = 0; k < v->n_copies; k++) {
        const lr_scan_copy_t *cp = &copies[v->copies[k]];
        if (cp->committed && !cp->committed_bad_header)
            return false;
    }
    return true;
}

/* A version some metadata area holds (not only backup or archive files). */
static bool on_disk(const lr_scan_version_t *v)
{
    return v->n_backup_copies < v->n_copies;
}

static int finish_versions(lr_scan_t *s, lr_scan_vg_t *vg, lr_error_t *err)
{
    for (size_t i = 0; i < vg->n_versions; i++) {
        lr_scan_version_t *v = &vg->versions[i];
        int rc = sort_by_rank(s->copies, v->copies, v->n_copies, err);
        if (rc)
            return rc;
        const lr_scan_copy_t *best = &s->copies[v->copies[0]];
        v->creation_time = best->creation_time;
        v->creation_host = best->creation_host;
        v->description = best->description;
        v->n_lvs = best->n_lvs;
        v->committed_bad_header = v->committed && only_bad_headers(s->copies, v);
    }
    qsort(vg->versions, vg->n_versions, sizeof(*vg->versions), cmp_version);
    vg->latest = -1;
    for (size_t i = 0; i < vg->n_versions;) {
        size_t j = i, complete = 0;
        for (; j < vg->n_versions && vg->versions[j].seqno == vg->versions[i].seqno; j++)
            complete += vg->versions[j].complete;
        for (size_t k = i; k < j && complete > 1; k++)
            vg->versions[k].conflict = vg->versions[k].complete;
        i = j;
    }
    /* The latest is what the disks hold: a version known only from backup
     * or archive files (in a filesystem, or a file given on the command
     * line) is history, however new, unless no version is on a disk. */
    for (size_t i = 0; i < vg->n_versions && vg->latest < 0; i++)
        if (vg->versions[i].complete && on_disk(&vg->versions[i]))
            vg->latest = (int)i;
    for (size_t i = 0; i < vg->n_versions && vg->latest < 0; i++)
        if (vg->versions[i].complete)
            vg->latest = (int)i;
    vg->committed_latest = -1;
    for (size_t i = 0; i < vg->n_versions && vg->committed_latest < 0; i++)
        if (vg->versions[i].committed)
            vg->committed_latest = (int)i;
    return 0;
}

/* ---- PVs ---------------------------------------------------------------- */

/* The newest seqno (plus one; 0 for none) of this VG's copies in the areas
 * of the PV whose label is l. */
static uint64_t label_newest(const lr_scan_t *s, int l, const int *copies, size_t n)
{
    uint64_t best = 0;
    for (size_t k = 0; k < n; k++) {
        const lr_scan_copy_t *cp = &s->copies[copies[k]];
        if (cp->area < 0)
            continue;
        const lr_scan_area_t *a = &s->areas[cp->area];
        if (a->image == s->labels[l].image && a->pv_start == s->labels[l].pv_start &&
            cp->seqno + 1 > best)
            best = cp->seqno + 1;
    }
    return best;
}

/* Label indexes sorted by PV UUID, built once per scan. Of several labels
 * with one UUID (copies of a disk taken at different times), a whole one
 * whose areas hold the VG's newest copy: not the first given. */
static int find_label(const lr_scan_t *s, const int *by_uuid, const char *raw, const int *copies,
                      size_t n)
{
    size_t lo = 0, hi = s->n_labels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->labels[by_uuid[mid]].label.pv_uuid, raw) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int found = -1;
    uint64_t newest = 0;
    for (size_t i = lo; i < s->n_labels; i++) {
        const lr_scan_label_t *l = &s->labels[by_uuid[i]];
        if (strcmp(l->label.pv_uuid, raw) != 0)
            break;
        uint64_t mine = label_newest(s, by_uuid[i], copies, n);
        bool ok = l->label.crc_ok, found_ok = found >= 0 && s->labels[found].label.crc_ok;
        if (found < 0 || (ok && !found_ok) || (ok == found_ok && mine > newest)) {
            found = by_uuid[i];
            newest = mine;
        }
    }
    return found;
}

static int find_inferred(const lr_scan_t *s, const char *raw)
{
    for (size_t i = 0; i < s->n_areas; i++)
        if ((s->areas[i].source & LR_SCAN_SRC_INFERRED) && strcmp(s->areas[i].pv_id, raw) == 0)
            return (int)i;
    return -1;
}

static bool vg_names_pv(const lr_scan_vg_t *vg, const char *raw)
{
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (strcmp(vg->pvs[i].id_raw, raw) == 0)
            return true;
    return false;
}

static bool location_taken(const lr_scan_vg_t *vg, int image, uint64_t pv_start)
{
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (vg->pvs[i].image == image && vg->pvs[i].pv_start == pv_start)
            return true;
    return false;
}

/* A PV whose label now carries another UUID (pvcreate -ff) is still where
 * this VG's copies are: match the remaining PVs to such places, by size
 * where the label tells it. */
static void match_by_location(const lr_scan_t *s, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    size_t unmatched = 0;
    for (size_t i = 0; i < vg->n_pvs; i++)
        unmatched += vg->pvs[i].found == LR_SCAN_PV_MISSING;
    for (size_t k = 0; k < n && unmatched; k++) {
        const lr_scan_copy_t *cp = &s->copies[copies[k]];
        if (cp->area < 0)
            continue;
        const lr_scan_area_t *a = &s->areas[cp->area];
        if (a->pv_start == LR_SCAN_UNKNOWN || vg_names_pv(vg, a->pv_id) ||
            location_taken(vg, a->image, a->pv_start))
            continue;
        for (size_t i = 0; i < vg->n_pvs; i++) {
            lr_scan_vg_pv_t *pv = &vg->pvs[i];
            if (pv->found != LR_SCAN_PV_MISSING)
                continue;
            if (unmatched > 1 && a->label >= 0 &&
                s->labels[a->label].label.device_size != pv->dev_size * 512)
                continue;
            pv->found = LR_SCAN_PV_LOCATION;
            pv->image = a->image;
            pv->pv_start = a->pv_start;
            pv->label = a->label;
            unmatched--;
            break;
        }
    }
}

static int fill_pvs(sc_ctx_t *c, lr_scan_vg_t *vg, const lr_vg_t *meta, const int *copies, size_t n)
{
    lr_scan_t *s = c->scan;
    if (!meta->n_pvs)
        return 0;
    vg->pvs = calloc(meta->n_pvs, sizeof(*vg->pvs));
    if (!vg->pvs)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    vg->n_pvs = meta->n_pvs;
    for (size_t i = 0; i < meta->n_pvs; i++) {
        const lr_pv_t *p = &meta->pvs[i];
        lr_scan_vg_pv_t *pv = &vg->pvs[i];
        pv->key = sc_strdup(p->key);
        pv->device = sc_strdup(p->device);
        if ((p->key && !pv->key) || (p->device && !pv->device))
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
        snprintf(pv->id, sizeof(pv->id), "%s", p->id ? p->id : "");
        snprintf(pv->id_raw, sizeof(pv->id_raw), "%s", p->raw_id);
        pv->dev_size = p->dev_size;
        pv->pe_start = p->pe_start;
        pv->image = -1;
        pv->pv_start = LR_SCAN_UNKNOWN;
        pv->label = -1;
        int li = find_label(s, c->labels_by_uuid, pv->id_raw, copies, n);
        int ai = li < 0 ? find_inferred(s, pv->id_raw) : -1;
        if (li >= 0) {
            pv->found = LR_SCAN_PV_LABEL;
            pv->label = li;
            pv->image = s->labels[li].image;
            pv->pv_start = s->labels[li].pv_start;
        } else if (ai >= 0) {
            pv->found = LR_SCAN_PV_INFERRED;
            pv->image = s->areas[ai].image;
            pv->pv_start = s->areas[ai].pv_start;
        }
    }
    return 0;
}

static void pv_seqnos(const lr_scan_t *s, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    for (size_t i = 0; i < vg->n_pvs; i++) {
        lr_scan_vg_pv_t *pv = &vg->pvs[i];
        if (pv->found == LR_SCAN_PV_MISSING)
            continue;
        for (size_t k = 0; k < n; k++) {
            const lr_scan_copy_t *cp = &s->copies[copies[k]];
            if (cp->area < 0)
                continue;
            const lr_scan_area_t *a = &s->areas[cp->area];
            if (a->image != pv->image || a->pv_start != pv->pv_start)
                continue;
            if (!pv->has_seqno || cp->seqno > pv->latest_seqno)
                pv->latest_seqno = cp->seqno;
            pv->has_seqno = true;
        }
    }
}

static int latest_pvs(sc_ctx_t *c, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    if (vg->latest < 0)
        return 0;
    const lr_scan_version_t *v = &vg->versions[vg->latest];
    lr_vg_t *meta = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    int ci = v->copies[0];
    char *text = NULL;
    int rc = sc_read_pieces(c->ios[c->scan->copies[ci].image], &c->scan->copies[ci], &text, &e);
    if (rc) {
        *c->err = e;
        return rc;
    }
    /* it parsed during the scan; a failure now means the image changed */
    if (lr_vg_parse(text, (size_t)c->scan->copies[ci].length, &meta, &e) == 0)
        rc = fill_pvs(c, vg, meta, copies, n);
    lr_vg_free(meta);
    free(text);
    if (rc)
        return rc;
    match_by_location(c->scan, vg, copies, n);
    pv_seqnos(c->scan, vg, copies, n);
    return 0;
}

/* ---- PVs only older versions list ------------------------------------------ */

static bool old_pv_at(const lr_scan_vg_t *vg, int image, uint64_t pv_start)
{
    for (size_t i = 0; i < vg->n_old_pvs; i++)
        if (vg->old_pvs[i].image == image && vg->old_pvs[i].pv_start == pv_start)
            return true;
    return false;
}

/* The one PV of a copy's text that neither the latest version, nor a
 * label, nor an inferred area accounts for: 1 and *out (pointing into
 * meta) when exactly one is, 0 when none, -1 when more than one. */
static int unaccounted_pv(sc_ctx_t *c, const lr_scan_vg_t *vg, const lr_vg_t *meta,
                          const int *copies, size_t n, const lr_pv_t **out)
{
    int found = 0;
    for (size_t i = 0; i < meta->n_pvs; i++) {
        const char *raw = meta->pvs[i].raw_id;
        if (vg_names_pv(vg, raw) || find_label(c->scan, c->labels_by_uuid, raw, copies, n) >= 0 ||
            find_inferred(c->scan, raw) >= 0)
            continue;
        if (found++)
            return -1;
        *out = &meta->pvs[i];
    }
    return found;
}

/* Copy cp's text parsed again (the scan keeps no parse); NULL when it no
 * longer reads or parses, or out of memory. Caller frees. */
lr_vg_t *sc_parse_copy(sc_ctx_t *c, const lr_scan_copy_t *cp)
{
    char *text = NULL;
    lr_vg_t *meta = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    if (sc_read_pieces(c->ios[cp->image], cp, &text, &e) ||
        lr_vg_parse(text, (size_t)cp->length, &meta, &e)) {
        lr_vg_free(meta);
        meta = NULL;
    }
    free(text);
    return meta;
}

/* The PV whose metadata area `area` is, for this VG: every complete copy
 * of the VG there must name the same single unaccounted PV (a VG writes
 * its text only to its own PVs' areas). Fills *pv from that text's PV;
 * returns 1 when found, 0 when not (or ambiguous), or a negative errno. */
static int area_owner(sc_ctx_t *c, const lr_scan_vg_t *vg, int area, const int *copies, size_t n,
                      lr_scan_vg_pv_t *pv)
{
    lr_scan_t *s = c->scan;
    int verdict = 0;
    for (size_t k = 0; k < n && verdict >= 0; k++) {
        const lr_scan_copy_t *cp = &s->copies[copies[k]];
        if (cp->area != area || cp->partial || !cp->parse_ok)
            continue;
        lr_vg_t *meta = sc_parse_copy(c, cp);
        if (!meta)
            continue; /* it parsed during the scan: the image changed; no say */
        const lr_pv_t *p = NULL;
        int one = unaccounted_pv(c, vg, meta, copies, n, &p);
        if (one != 1 || (verdict == 1 && strcmp(pv->id_raw, p->raw_id) != 0)) {
            verdict = -1;
        } else if (verdict == 0) {
            free(pv->key);
            pv->key = sc_strdup(p->key);
            snprintf(pv->id, sizeof(pv->id), "%s", p->id ? p->id : "");
            snprintf(pv->id_raw, sizeof(pv->id_raw), "%s", p->raw_id);
            pv->dev_size = p->dev_size;
            pv->pe_start = p->pe_start;
            verdict = pv->key || !p->key ? 1 : -ENOMEM;
        }
        lr_vg_free(meta);
        if (verdict == -ENOMEM)
            return verdict;
    }
    return verdict > 0;
}

static bool area_seen(const lr_scan_t *s, const int *copies, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (s->copies[copies[j]].area == s->copies[copies[k]].area)
            return true;
    return false;
}

static int add_old_pv(lr_scan_vg_t *vg, lr_scan_vg_pv_t *pv)
{
    for (size_t i = 0; i < vg->n_old_pvs; i++) {
        if (strcmp(vg->old_pvs[i].id_raw, pv->id_raw) == 0) {
            /* one UUID at two places: neither is known to be it */
            vg->old_pvs[i].found = LR_SCAN_PV_MISSING;
            free(pv->key);
            return 0;
        }
    }
    lr_scan_vg_pv_t *n = realloc(vg->old_pvs, (vg->n_old_pvs + 1) * sizeof(*n));
    if (!n) {
        free(pv->key);
        return -ENOMEM;
    }
    vg->old_pvs = n;
    n[vg->n_old_pvs++] = *pv;
    return 0;
}

/* PVs older versions list that are gone from the latest one and carry no
 * label now (the PV left the VG by vgreduce and was re-initialised by
 * pvcreate, maybe into another VG): the old ring text survives pvcreate,
 * so such a PV is where a metadata area holding this VG's copies is that
 * no latest PV accounts for. Only areas the latest version does not own
 * are read: none in the usual case. */
static int old_pvs(sc_ctx_t *c, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    lr_scan_t *s = c->scan;
    for (size_t k = 0; k < n; k++) {
        const lr_scan_copy_t *cp = &s->copies[copies[k]];
        if (cp->area < 0)
            continue;
        const lr_scan_area_t *a = &s->areas[cp->area];
        if (a->pv_start == LR_SCAN_UNKNOWN || (a->source & LR_SCAN_SRC_INFERRED) ||
            location_taken(vg, a->image, a->pv_start) || old_pv_at(vg, a->image, a->pv_start) ||
            area_seen(s, copies, k))
            continue;
        lr_scan_vg_pv_t pv = {.found = LR_SCAN_PV_LOCATION,
                              .image = a->image,
                              .pv_start = a->pv_start,
                              .label = a->label};
        int rc = area_owner(c, vg, cp->area, copies, n, &pv);
        if (rc < 0)
            return lr_error_set(c->err, rc, LR_NO_OFFSET, "out of memory");
        /* the disk re-initialised in place keeps its size */
        if (rc == 1 && a->label >= 0 && s->labels[a->label].label.device_size != pv.dev_size * 512)
            rc = 0;
        if (rc == 0) {
            free(pv.key);
            continue;
        }
        if (add_old_pv(vg, &pv))
            return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    return 0;
}

/* What the versions above the newest committed one say (LVM2 uses the
 * committed one): a vgcfgrestore writes the restored version as its old
 * seqno + 1, below copies still in the ring, so the committed seqno also
 * has an older text or several seqnos lie above it (abandoned); one version
 * of the next seqno alone is a text whose header write never happened
 * (interrupted). Returns LR_SCAN_VG_ABANDONED, LR_SCAN_VG_INTERRUPTED or 0;
 * *explained says the conflicts are all at the committed seqno. */
static unsigned commit_status(const lr_scan_vg_t *vg, bool *explained)
{
    *explained = false;
    if (vg->committed_latest < 0)
        return 0;
    uint64_t cs = vg->versions[vg->committed_latest].seqno;
    size_t above = 0;
    uint64_t top = cs;
    bool conflict_at = false, conflict_else = false;
    for (size_t i = 0; i < vg->n_versions; i++) {
        const lr_scan_version_t *v = &vg->versions[i];
        /* a version only backup files hold was never a ring write */
        if (v->complete && !v->committed && on_disk(v) && v->seqno > cs) {
            above++;
            top = v->seqno > top ? v->seqno : top;
        }
        if (v->conflict && v->seqno == cs)
            conflict_at = true;
        else if (v->conflict)
            conflict_else = true;
    }
    if (conflict_at || above > 1 || top > cs + 1) {
        *explained = conflict_at && !conflict_else;
        return LR_SCAN_VG_ABANDONED;
    }
    return above ? LR_SCAN_VG_INTERRUPTED : 0;
}

/* The highest seqno of the copies on a disk; a backup or archive file's
 * counts only when no copy is on a disk (what a file holds above the disks
 * was never lost from them). */
static uint64_t disk_max_seqno(const lr_scan_t *s, const lr_scan_vg_t *vg, const int *copies,
                               size_t n)
{
    uint64_t max = 0;
    bool any = false;
    for (size_t k = 0; k < n; k++) {
        const lr_scan_copy_t *cp = &s->copies[copies[k]];
        if (is_backup(cp))
            continue;
        any = true;
        max = cp->seqno > max ? cp->seqno : max;
    }
    return any ? max : vg->max_seqno;
}

static void set_status(const lr_scan_t *s, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    unsigned st = 0;
    if (vg->latest < 0)
        st |= LR_SCAN_VG_NO_COMPLETE;
    else if (disk_max_seqno(s, vg, copies, n) > vg->versions[vg->latest].seqno)
        st |= LR_SCAN_VG_DAMAGED;
    uint64_t cur = vg->latest >= 0 ? vg->versions[vg->latest].seqno : vg->max_seqno;
    for (size_t i = 0; i < vg->n_pvs; i++) {
        const lr_scan_vg_pv_t *pv = &vg->pvs[i];
        if (pv->found == LR_SCAN_PV_MISSING)
            st |= LR_SCAN_VG_MISSING_PVS;
        else if (pv->has_seqno && pv->latest_seqno < cur)
            st |= LR_SCAN_VG_STALE_PVS;
    }
    bool explained;
    st |= commit_status(vg, &explained);
    for (size_t i = 0; i < vg->n_versions; i++)
        if (vg->versions[i].conflict && !explained)
            st |= LR_SCAN_VG_CONFLICTS;
    for (size_t k = 0; k < n; k++)
        if (s->copies[copies[k]].orphan)
            st |= LR_SCAN_VG_ORPHANS;
    vg->status = st ? st : LR_SCAN_VG_CONSISTENT;
}

static int build_one(sc_ctx_t *c, lr_scan_vg_t *vg, const int *copies, size_t n)
{
    lr_scan_t *s = c->scan;
    const lr_scan_copy_t *first = &s->copies[copies[0]];
    snprintf(vg->id_raw, sizeof(vg->id_raw), "%s", first->vg_id_raw);
    snprintf(vg->id, sizeof(vg->id), "%s", first->vg_id);
    vg->n_copies = n;
    vg->latest = -1;
    vg->committed_latest = -1;
    vg->superseded_by = -1;
    vg->superseded_pv = -1;
    vg->superseded_since = -1;
    vg->superseded_new_id = false;
    int rc = place_copies(c, vg, copies, n);
    if (rc)
        return rc;
    const lr_scan_copy_t *newest = first;
    for (size_t k = 0; k < n; k++) {
        const lr_scan_copy_t *cp = &s->copies[copies[k]];
        if (cp->seqno > vg->max_seqno)
            vg->max_seqno = cp->seqno;
        if (cp->seqno > newest->seqno)
            newest = cp;
    }
    rc = finish_versions(s, vg, c->err);
    if (rc)
        return rc;
    if (vg->latest >= 0)
        newest = &s->copies[vg->versions[vg->latest].copies[0]];
    if (newest->parse_ok)
        snprintf(vg->id, sizeof(vg->id), "%s", newest->vg_id);
    vg->name = sc_strdup(newest->vg_name ? newest->vg_name : "");
    if (!vg->name)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    rc = latest_pvs(c, vg, copies, n);
    if (!rc && vg->latest >= 0)
        rc = old_pvs(c, vg, copies, n);
    if (rc)
        return rc;
    set_status(s, vg, copies, n);
    return 0;
}

static int cmp_vg(const void *x, const void *y)
{
    const lr_scan_vg_t *a = x, *b = y;
    int r = strcmp(a->name, b->name);
    return r ? r : strcmp(a->id_raw, b->id_raw);
}

static void link_copies(lr_scan_t *s)
{
    for (size_t g = 0; g < s->n_vgs; g++) {
        const lr_scan_vg_t *vg = &s->vgs[g];
        for (size_t v = 0; v < vg->n_versions; v++)
            for (size_t k = 0; k < vg->versions[v].n_copies; k++) {
                lr_scan_copy_t *cp = &s->copies[vg->versions[v].copies[k]];
                cp->vg = (int)g;
                cp->version = (int)v;
            }
    }
}

typedef struct sc_uref {
    const char *uuid;
    int idx;
} sc_uref_t;

static int cmp_uref(const void *x, const void *y)
{
    const sc_uref_t *a = x, *b = y;
    int r = strcmp(a->uuid, b->uuid);
    return r ? r : a->idx - b->idx;
}

static int index_labels(sc_ctx_t *c)
{
    const lr_scan_t *s = c->scan;
    size_t n = s->n_labels ? s->n_labels : 1;
    sc_uref_t *r = malloc(n * sizeof(*r));
    c->labels_by_uuid = malloc(n * sizeof(int));
    if (!r || !c->labels_by_uuid) {
        free(r);
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < s->n_labels; i++)
        r[i] = (sc_uref_t){s->labels[i].label.pv_uuid, (int)i};
    qsort(r, s->n_labels, sizeof(*r), cmp_uref);
    for (size_t i = 0; i < s->n_labels; i++)
        c->labels_by_uuid[i] = r[i].idx;
    free(r);
    return 0;
}

/* The VG (other than `self`) one of whose PVs was found by the label at
 * index `label`; -1 if none. */
static int vg_of_label(const lr_scan_t *s, size_t self, int label)
{
    for (size_t g = 0; g < s->n_vgs; g++) {
        if (g == self)
            continue;
        for (size_t i = 0; i < s->vgs[g].n_pvs; i++)
            if (s->vgs[g].pvs[i].found == LR_SCAN_PV_LABEL && s->vgs[g].pvs[i].label == label)
                return (int)g;
    }
    return -1;
}

/* Records that PV `pv` of VG `g` now belongs to VG `by`, since its
 * version `since`, and why (LR_SCAN_SUPERSEDED_*). */
static void set_superseded(lr_scan_vg_t *vg, size_t pv, int by, int how, int since)
{
    vg->superseded_by = by;
    vg->superseded_how = how;
    vg->superseded_pv = (int)pv;
    vg->superseded_since = since;
    vg->status |= LR_SCAN_VG_SUPERSEDED;
    vg->status &= ~(unsigned)LR_SCAN_VG_CONSISTENT;
}

/* The text of version v's best copy (versions list it first). */
const lr_scan_copy_t *sc_version_copy(const lr_scan_t *s, const lr_scan_version_t *v)
{
    if (!v->n_copies || v->copies[0] < 0 || (size_t)v->copies[0] >= s->n_copies)
        return NULL;
    return &s->copies[v->copies[0]];
}

/* Whether the two texts hold the same LVs by UUID (every LV, hidden ones
 * too). */
static bool same_lv_ids(const lr_vg_t *a, const lr_vg_t *b)
{
    if (a->n_lvs != b->n_lvs)
        return false;
    for (size_t i = 0; i < a->n_lvs; i++)
        if (!a->lvs[i].id || !lr_vg_find_lv_by_id(b, a->lvs[i].id))
            return false;
    return true;
}

/* Whether VG by's version `since` is VG vg's next one under new ids
 * (vgchange -u; vgimportclone also gives the PVs new UUIDs and the VG a
 * new name): seqno + 1, as many PVs, the same LVs by UUID. Another VG's
 * version never continues this one's seqno with its LV UUIDs: vgcreate
 * starts at seqno 1 with new LVs, and vgmerge adds the other VG's PVs. */
static bool same_vg_new_id(sc_ctx_t *c, const lr_scan_vg_t *vg, const lr_scan_vg_t *by, int since)
{
    const lr_scan_t *s = c->scan;
    if (vg->latest < 0 || (size_t)vg->latest >= vg->n_versions || since < 0 ||
        (size_t)since >= by->n_versions)
        return false;
    const lr_scan_copy_t *o = sc_version_copy(s, &vg->versions[vg->latest]),
                         *n = sc_version_copy(s, &by->versions[since]);
    if (!o || !n || n->seqno != o->seqno + 1 || o->n_pvs != n->n_pvs || o->n_lvs != n->n_lvs)
        return false;
    lr_vg_t *a = sc_parse_copy(c, o), *b = a ? sc_parse_copy(c, n) : NULL;
    bool same = a && b && same_lv_ids(a, b);
    lr_vg_free(a);
    lr_vg_free(b);
    return same;
}

/* A PV found only by location whose place now holds a valid label of
 * another VG's PV: the disk was re-initialised (pvcreate -ff, vgcreate),
 * or the VG given new UUIDs (vgimportclone: superseded_new_id). Since:
 * that VG's oldest version found. */
static bool superseded_reinit(sc_ctx_t *c, size_t g, size_t i)
{
    lr_scan_t *s = c->scan;
    lr_scan_vg_t *vg = &s->vgs[g];
    const lr_scan_vg_pv_t *pv = &vg->pvs[i];
    if (pv->found != LR_SCAN_PV_LOCATION)
        return false;
    for (size_t l = 0; l < s->n_labels; l++) {
        const lr_scan_label_t *lb = &s->labels[l];
        if (!lb->valid || lb->image != pv->image || lb->pv_start != pv->pv_start ||
            strcmp(lb->label.pv_uuid, pv->id_raw) == 0)
            continue;
        int by = vg_of_label(s, g, (int)l);
        if (by >= 0) {
            int since = (int)s->vgs[by].n_versions - 1;
            set_superseded(vg, i, by, LR_SCAN_SUPERSEDED_REINIT, since);
            vg->superseded_new_id = same_vg_new_id(c, vg, &s->vgs[by], since);
            return true;
        }
    }
    return false;
}

/* The PV with raw UUID `uuid` among VG vg's latest PVs, found by its label;
 * NULL if none. */
static const lr_scan_vg_pv_t *labelled_pv(const lr_scan_vg_t *vg, const char *uuid)
{
    for (size_t i = 0; i < vg->n_pvs; i++)
        if (vg->pvs[i].found == LR_SCAN_PV_LABEL && strcmp(vg->pvs[i].id_raw, uuid) == 0)
            return &vg->pvs[i];
    return NULL;
}

/* The PV with raw UUID `uuid` as a VG other than `self` lists it, found by
 * its label; NULL if none does. Every VG finds a UUID by the same label
 * (find_label), so any such VG gives the same place. */
static const lr_scan_vg_pv_t *listed_elsewhere(const lr_scan_t *s, size_t self, const char *uuid)
{
    for (size_t g = 0; g < s->n_vgs; g++) {
        const lr_scan_vg_pv_t *pv = g == self ? NULL : labelled_pv(&s->vgs[g], uuid);
        if (pv)
            return pv;
    }
    return NULL;
}

/* Whether metadata area ar lies on the PV at `pv`'s place and commits a
 * copy of the scan. */
static bool commits_on(const lr_scan_t *s, const lr_scan_area_t *ar, const lr_scan_vg_pv_t *pv)
{
    return ar->image == pv->image && ar->pv_start == pv->pv_start && ar->committed >= 0 &&
           (size_t)ar->committed < s->n_copies;
}

/* VG by's oldest version with a copy in the metadata areas at `pv`'s place
 * (versions are newest first); -1 if none. */
static int moved_since(const lr_scan_t *s, int by, const lr_scan_vg_pv_t *pv)
{
    int since = -1;
    for (size_t k = 0; k < s->n_copies; k++) {
        const lr_scan_copy_t *cp = &s->copies[k];
        if (cp->vg != by || cp->area < 0 || (size_t)cp->area >= s->n_areas ||
            s->areas[cp->area].image != pv->image || s->areas[cp->area].pv_start != pv->pv_start)
            continue;
        if (cp->version > since)
            since = cp->version;
    }
    return since;
}

int lr_scan_pv_moved_to(const lr_scan_t *s, size_t vg, const char *pv_uuid, int *since,
                        bool *partly)
{
    if (since)
        *since = -1;
    if (partly)
        *partly = false;
    if (!s || !pv_uuid || vg >= s->n_vgs)
        return -1;
    const lr_scan_vg_pv_t *at = listed_elsewhere(s, vg, pv_uuid);
    if (!at)
        return -1;
    int by = -1;
    for (size_t a = 0; a < s->n_areas; a++) {
        if (!commits_on(s, &s->areas[a], at))
            continue;
        int cvg = s->copies[s->areas[a].committed].vg;
        if (cvg == (int)vg && !partly)
            return -1; /* still ours there: not a (whole) move */
        if (cvg == (int)vg) {
            *partly = true;
            continue;
        }
        if (by < 0 && cvg >= 0 && (size_t)cvg < s->n_vgs && labelled_pv(&s->vgs[cvg], pv_uuid))
            by = cvg;
    }
    if (by < 0 && partly)
        *partly = false;
    if (by >= 0 && since)
        *since = moved_since(s, by, at);
    return by;
}

/* PV i of VG g, found by its label, moved to another VG
 * (lr_scan_pv_moved_to): LVM2 reads it as that VG's. */
static bool superseded_moved(sc_ctx_t *c, size_t g, size_t i)
{
    lr_scan_t *s = c->scan;
    int since = -1;
    int by = lr_scan_pv_moved_to(s, g, s->vgs[g].pvs[i].id_raw, &since, NULL);
    if (by < 0)
        return false;
    set_superseded(&s->vgs[g], i, by, LR_SCAN_SUPERSEDED_MOVED, since);
    s->vgs[g].superseded_new_id = same_vg_new_id(c, &s->vgs[g], &s->vgs[by], since);
    return true;
}

/* Marks every VG one of whose latest PVs now belongs to another VG. Runs
 * after sorting and linking copies: it keeps indexes. */
static void mark_superseded(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    for (size_t g = 0; g < s->n_vgs; g++)
        for (size_t i = 0; i < s->vgs[g].n_pvs; i++)
            if (superseded_reinit(c, g, i) || superseded_moved(c, g, i))
                break;
}

/* What the metadata areas of a VG's PVs say about their headers:
 * LR_SCAN_VG_HEADER_DAMAGED / LR_SCAN_VG_AREA_LOST bits. has_copies[a]:
 * some copy lies in area a. */
static unsigned area_status(const lr_scan_t *s, const lr_scan_vg_t *vg, const bool *has_copies)
{
    unsigned st = 0;
    for (size_t i = 0; i < vg->n_pvs; i++) {
        const lr_scan_vg_pv_t *pv = &vg->pvs[i];
        if (pv->image < 0 || pv->pv_start == LR_SCAN_UNKNOWN)
            continue;
        for (size_t a = 0; a < s->n_areas; a++) {
            const lr_scan_area_t *ar = &s->areas[a];
            if (ar->image != pv->image || ar->pv_start != pv->pv_start || ar->header_ok)
                continue;
            if (ar->header || has_copies[a])
                st |= LR_SCAN_VG_HEADER_DAMAGED;
            else if (ar->source & LR_SCAN_SRC_LABEL)
                st |= LR_SCAN_VG_AREA_LOST;
        }
    }
    return st;
}

static int mark_areas(lr_scan_t *s, lr_error_t *err)
{
    bool *has = calloc(s->n_areas ? s->n_areas : 1, sizeof(*has));
    if (!has)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < s->n_copies; i++)
        if (s->copies[i].area >= 0 && (size_t)s->copies[i].area < s->n_areas)
            has[s->copies[i].area] = true;
    for (size_t g = 0; g < s->n_vgs; g++) {
        unsigned st = area_status(s, &s->vgs[g], has);
        if (st)
            s->vgs[g].status = (s->vgs[g].status | st) & ~(unsigned)LR_SCAN_VG_CONSISTENT;
    }
    free(has);
    return 0;
}

uint64_t lr_scan_image_end(const lr_scan_image_t *im)
{
    if (im->truncated && im->scanned < im->size)
        return im->scanned;
    return im->size;
}

bool lr_scan_pv_cut(const lr_scan_t *s, const lr_scan_vg_pv_t *pv)
{
    if (pv->image < 0 || (size_t)pv->image >= s->n_images || pv->pv_start == LR_SCAN_UNKNOWN)
        return false;
    const lr_scan_image_t *im = &s->images[pv->image];
    if (!im->truncated)
        return false;
    /* dev_size and pe_start are sectors from the text: clamp before
     * multiplying so a crafted value cannot wrap */
    uint64_t sectors = pv->dev_size > pv->pe_start ? pv->dev_size : pv->pe_start;
    uint64_t room = (UINT64_MAX - pv->pv_start) / 512;
    uint64_t end = pv->pv_start + (sectors < room ? sectors : room) * 512;
    return end > lr_scan_image_end(im);
}

/* A PV of the latest version cut short by its image's end. */
static void mark_truncated(lr_scan_t *s)
{
    for (size_t g = 0; g < s->n_vgs; g++) {
        lr_scan_vg_t *vg = &s->vgs[g];
        for (size_t i = 0; i < vg->n_pvs; i++)
            if (lr_scan_pv_cut(s, &vg->pvs[i])) {
                vg->status |= LR_SCAN_VG_IMG_TRUNCATED;
                vg->status &= ~(unsigned)LR_SCAN_VG_CONSISTENT;
            }
    }
}

int sc_build_vgs(sc_ctx_t *c)
{
    lr_scan_t *s = c->scan;
    int lrc = index_labels(c);
    if (lrc)
        return lrc;
    sc_ref_t *refs = malloc((s->n_copies ? s->n_copies : 1) * sizeof(*refs));
    if (!refs)
        return lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < s->n_copies; i++)
        if (s->copies[i].vg_id_raw[0])
            refs[n++] = (sc_ref_t){s->copies[i].vg_id_raw, (int)i};
    qsort(refs, n, sizeof(*refs), cmp_ref);
    int *idx = malloc((n ? n : 1) * sizeof(*idx));
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || strcmp(refs[i].id, refs[i - 1].id) != 0;
    s->vgs = calloc(groups ? groups : 1, sizeof(*s->vgs));
    int rc = 0;
    if (!idx || !s->vgs)
        rc = lr_error_set(c->err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i;
        while (j < n && strcmp(refs[j].id, refs[i].id) == 0) {
            idx[j - i] = refs[j].idx;
            j++;
        }
        rc = build_one(c, &s->vgs[s->n_vgs++], idx, j - i);
        i = j;
    }
    free(idx);
    free(refs);
    if (rc)
        return rc;
    if (s->n_vgs > 1)
        qsort(s->vgs, s->n_vgs, sizeof(*s->vgs), cmp_vg);
    link_copies(s);
    mark_superseded(c);
    rc = sc_mark_renamed(c);
    if (rc)
        return rc;
    mark_truncated(s);
    return mark_areas(s, c->err);
}

void sc_free_vgs(lr_scan_t *s)
{
    for (size_t g = 0; g < s->n_vgs; g++) {
        lr_scan_vg_t *vg = &s->vgs[g];
        for (size_t v = 0; v < vg->n_versions; v++) {
            free(vg->versions[v].copies);
            sc_thin_free(&vg->versions[v]);
        }
        free(vg->versions);
        for (size_t i = 0; i < vg->n_pvs; i++) {
            free(vg->pvs[i].key);
            free(vg->pvs[i].device);
        }
        free(vg->pvs);
        for (size_t i = 0; i < vg->n_old_pvs; i++)
            free(vg->old_pvs[i].key);
        free(vg->old_pvs);
        free(vg->name);
    }
    free(s->vgs);
    s->vgs = NULL;
    s->n_vgs = 0;
}
