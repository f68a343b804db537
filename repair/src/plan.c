/* The restore plan: which version, the new text, where it goes, and every
 * byte that will be written. Planning only reads. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "lr/config.h"
#include "lr/crc.h"
#include "lr/meta.h"
#include "lr/repair.h"
#include "plan_int.h"
#include "repair_int.h"

/* ---- plan object ------------------------------------------------------------- */

static void free_changes(lr_repair_plan_t *p)
{
    for (size_t i = 0; i < p->n_changes; i++) {
        free(p->changes[i].name);
        free(p->changes[i].old_name);
    }
    free(p->changes);
    lr_diff_free(p->diff);
    p->diff = NULL;
}

void lr_repair_plan_free(lr_repair_plan_t *p)
{
    if (!p)
        return;
    free(p->vg_name);
    free(p->version_description);
    rp_plan_thin_free(p);
    free(p->description);
    free(p->host);
    free(p->text);
    free_changes(p);
    for (size_t i = 0; i < p->n_images; i++)
        free(p->images[i].path);
    free(p->images);
    for (size_t i = 0; i < p->n_pvs; i++) {
        free(p->pvs[i].key);
        free(p->pvs[i].device);
        free(p->pvs[i].last_seen);
        free(p->pvs[i].label_why);
    }
    free(p->pvs);
    for (size_t i = 0; i < p->n_areas; i++) {
        free(p->areas[i].why);
        free(p->areas[i].holds);
    }
    free(p->areas);
    for (size_t i = 0; i < p->n_writes; i++) {
        free(p->writes[i].old_bytes);
        free(p->writes[i].new_bytes);
        free(p->writes[i].now);
        free(p->writes[i].after);
    }
    free(p->writes);
    for (size_t i = 0; i < p->n_notes; i++)
        free(p->notes[i]);
    free(p->notes);
    for (size_t i = 0; i < p->n_lvs; i++) {
        lr_repair_lv_t *lv = &p->lvs[i];
        free(lv->name);
        free(lv->old_name);
        free(lv->why);
        free(lv->types);
        for (size_t r = 0; r < lv->n_ranges; r++)
            free(lv->ranges[r].pv_key);
        free(lv->ranges);
    }
    free(p->lvs);
    rp_plan_t *rp = rp_plan(p);
    free(rp->ops);
    lr_txn_free(rp->txn);
    free(rp);
}

rp_plan_t *rp_plan(lr_repair_plan_t *plan)
{
    return (rp_plan_t *)plan; /* pub is the first member */
}

const rp_plan_t *rp_plan_const(const lr_repair_plan_t *plan)
{
    return (const rp_plan_t *)plan;
}

int rp_note(lr_repair_plan_t *p, const char *fmt, ...)
{
    char **n = realloc(p->notes, (p->n_notes + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    p->notes = n;
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -ENOMEM;
    p->notes[p->n_notes++] = s;
    return 0;
}

int lr_repair_plan_set_image_path(lr_repair_plan_t *p, size_t image, const char *path,
                                  lr_error_t *err)
{
    if (!p || !path || image >= p->n_images)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "set image path: invalid arguments");
    char *c = strdup(path);
    if (!c)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    free(p->images[image].path);
    p->images[image].path = c;
    p->images[image].gzip = false; /* a copy is always a plain file */
    p->images[image].format = "raw";
    p->images[image].container = false;
    return 0;
}

/* ---- the new text ---------------------------------------------------------------- */

lr_cfg_node_t *rp_vg_section(lr_cfg_t *cfg)
{
    for (lr_cfg_node_t *n = lr_cfg_child(lr_cfg_root(cfg)); n; n = lr_cfg_next(n))
        if (lr_cfg_node_type(n) == LR_CFG_SECTION)
            return n;
    return NULL;
}

/* Sets seqno, description, creation_host and creation_time in the tree and
 * writes it as the plan's new text (text, text_size, text_crc). */
int rp_finish_text(lr_repair_plan_t *p, lr_cfg_t *cfg, lr_error_t *err)
{
    lr_cfg_node_t *vg = rp_vg_section(cfg);
    lr_cfg_node_t *root = lr_cfg_root(cfg);
    int rc = 0;
    if (!vg)
        rc = lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "the version has no VG section");
    if (!rc)
        rc = lr_cfg_set_int(vg, "seqno", (int64_t)p->new_seqno, err);
    if (!rc)
        rc = lr_cfg_set_str(root, "description", p->description, err);
    if (!rc)
        rc = lr_cfg_set_str(root, "creation_host", p->host, err);
    if (!rc)
        rc = lr_cfg_set_int(root, "creation_time", p->time, err);
    char *out = NULL;
    size_t len = 0;
    if (!rc)
        rc = lr_cfg_write(cfg, &out, &len, err);
    if (rc)
        return rc;
    if (strlen(out) != len) {
        free(out);
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET, "the new text contains a NUL byte");
    }
    p->text = out;
    p->text_size = (uint64_t)len + 1;
    p->text_crc = lr_mda_text_crc(out, p->text_size);
    return 0;
}

/* Edits seqno, description, creation_host and creation_time through the
 * config tree, so every other byte of the old version is kept. */
static int edit_text(lr_repair_plan_t *p, const char *old, uint64_t old_len, lr_error_t *err)
{
    lr_cfg_t *cfg = NULL;
    size_t doc = strnlen(old, (size_t)old_len);
    int rc = lr_cfg_parse(old, doc, &cfg, err);
    if (!rc)
        rc = rp_finish_text(p, cfg, err);
    lr_cfg_free(cfg);
    return rc;
}

int rp_set_identity(lr_repair_plan_t *p, const lr_repair_opts_t *o, lr_error_t *err)
{
    struct utsname u;
    const char *host = o->host;
    if (!host)
        host = uname(&u) == 0 ? u.nodename : "unknown";
    p->host = strdup(host);
    p->time = o->now ? o->now : (int64_t)time(NULL);
    char cmd[512];
    const char *command = o->command;
    if (!command) {
        char crc[32] = "";
        if (o->has_crc)
            snprintf(crc, sizeof(crc), " crc 0x%08x", o->crc);
        snprintf(cmd, sizeof(cmd), "lvmrescue restore of VG %s seqno %llu%s", p->vg_name,
                 (unsigned long long)p->seqno, crc);
        command = cmd;
    }
    size_t n = strlen(command) + 32;
    p->description = malloc(n);
    if (p->description)
        snprintf(p->description, n, "Write from %s.", command);
    if (!p->host || !p->description)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    return 0;
}

/* Reads the chosen version's best copy and makes the new text. orig
 * receives a view of the old version. */
static int make_text(lr_repair_plan_t *p, const lr_scan_session_t *session,
                     const lr_repair_opts_t *o, lr_vg_t **orig, lr_error_t *err)
{
    int copy = lr_scan_version_copy(lr_scan_result(session), (size_t)p->vg, (size_t)p->version);
    if (copy < 0)
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "VG %s seqno %llu has no complete copy left", p->vg_name,
                            (unsigned long long)p->seqno);
    char *old = NULL;
    uint64_t len = 0;
    int rc = lr_scan_copy_text(session, (size_t)copy, &old, &len, err);
    if (rc == LR_ECHECKSUM)
        rc = lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                          "the copy of seqno %llu changed since the scan; scan again",
                          (unsigned long long)p->seqno);
    if (rc) {
        free(old);
        return rc;
    }
    if (lr_crc(LR_CRC_INITIAL, old, (size_t)len) != p->crc)
        rc = lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                          "the copy read back does not have the version's crc 0x%08x", p->crc);
    /* a backup file's text is written the way a metadata area holds it */
    size_t doc = strnlen(old, (size_t)len);
    if (!rc && (lr_scan_result(session)->copies[copy].source & LR_SCAN_COPY_BACKUP) &&
        (rc = lr_scan_ring_order(&old, &doc, err)) == 0)
        len = doc + 1;
    if (!rc)
        rc = lr_vg_parse(old, (size_t)len, orig, err);
    if (!rc)
        rc = rp_set_identity(p, o, err);
    if (!rc)
        rc = edit_text(p, old, len, err);
    free(old);
    return rc;
}

/* Parses the new text and checks it the way LVM2 would before writing. */
int rp_check_text(lr_repair_plan_t *p, const lr_repair_opts_t *o, lr_vg_t **out, lr_error_t *err)
{
    int rc = lr_vg_parse(p->text, (size_t)p->text_size, out, err);
    if (rc)
        return rc;
    const lr_vg_t *vg = *out;
    if (vg->seqno != p->new_seqno || !vg->id || strcmp(vg->id, p->vg_id) != 0)
        return lr_error_set(err, LR_EFORMAT, LR_NO_OFFSET,
                            "the new text does not read back as seqno %llu",
                            (unsigned long long)p->new_seqno);
    lr_error_t cerr;
    lr_error_clear(&cerr);
    rc = lr_vg_check(vg, &cerr);
    if (!rc)
        return 0;
    if (!o->force)
        return lr_error_hint(err, LR_HINT_FORCE,
                             lr_error_set(err, LR_EREFUSED, cerr.offset,
                                          "VG %s seqno %llu fails LVM2's rules: %s", p->vg_name,
                                          (unsigned long long)p->seqno, cerr.msg));
    p->forced = true;
    return rp_note(p, "forced: the version fails LVM2's rules: %s", cerr.msg) ? -ENOMEM : 0;
}

/* ---- entry point ----------------------------------------------------------------- */

static int rp_init_images(lr_repair_plan_t *p, const lr_scan_t *scan, lr_error_t *err)
{
    p->images = calloc(scan->n_images ? scan->n_images : 1, sizeof(*p->images));
    if (!p->images)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    p->n_images = scan->n_images;
    for (size_t i = 0; i < scan->n_images; i++) {
        p->images[i].path = strdup(scan->images[i].path ? scan->images[i].path : "");
        p->images[i].size = scan->images[i].size;
        p->images[i].gzip = scan->images[i].gzip;
        p->images[i].format = scan->images[i].format ? scan->images[i].format : "raw";
        p->images[i].container = scan->images[i].container;
        if (!p->images[i].path)
            return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    return 0;
}

static int rp_init_version(lr_repair_plan_t *p, const lr_scan_t *scan, lr_error_t *err)
{
    const lr_scan_vg_t *vg = &scan->vgs[p->vg];
    const lr_scan_version_t *v = &vg->versions[p->version];
    p->vg_name = strdup(vg->name ? vg->name : "");
    snprintf(p->vg_id, sizeof(p->vg_id), "%s", vg->id);
    p->seqno = v->seqno;
    p->crc = v->crc;
    p->version_time = v->creation_time;
    p->version_description = v->description ? strdup(v->description) : NULL;
    p->max_seqno = vg->max_seqno > v->seqno ? vg->max_seqno : v->seqno;
    p->version_committed = v->committed;
    for (size_t i = 0; i < vg->n_versions; i++)
        if (vg->versions[i].seqno == p->max_seqno && vg->versions[i].committed)
            p->max_seqno_committed = true;
    p->max_seqno_abandoned = (vg->status & LR_SCAN_VG_ABANDONED) != 0;
    p->max_seqno_interrupted = (vg->status & LR_SCAN_VG_INTERRUPTED) != 0;
    if (!p->vg_name || (v->description && !p->version_description))
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    /* LVM2 reads seqno as 32 bits: a larger one would come back truncated
     * (2^32 reads as 0), older than every copy on disk. */
    if (p->max_seqno >= LR_REPAIR_MAX_SEQNO) {
        char next[32];
        if (p->max_seqno == UINT64_MAX)
            snprintf(next, sizeof(next), "2^64");
        else
            snprintf(next, sizeof(next), "%llu", (unsigned long long)(p->max_seqno + 1));
        return lr_error_set(err, LR_EREFUSED, LR_NO_OFFSET,
                            "the highest seqno of VG %s seen anywhere is %llu, so the new copy "
                            "would need seqno %s, but LVM2 keeps seqno in 32 bits (at most "
                            "%llu: import_vsn1.c reads it with dm_config_get_uint32) and would "
                            "take the copy for an older version; refusing (LVM2 cannot have "
                            "written that seqno: the copy carrying it is damaged)",
                            p->vg_name, (unsigned long long)p->max_seqno, next,
                            (unsigned long long)LR_REPAIR_MAX_SEQNO);
    }
    p->new_seqno = p->max_seqno + 1;
    return 0;
}

/* Opens the images read-only when the caller has no handles. */
static int rp_open_images(const lr_scan_t *scan, lr_io_t *const *ios, lr_io_t ***rio, bool *own,
                          lr_error_t *err)
{
    *own = ios == NULL;
    *rio = calloc(scan->n_images ? scan->n_images : 1, sizeof(**rio));
    if (!*rio)
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < scan->n_images; i++) {
        if (ios) {
            (*rio)[i] = ios[i];
            continue;
        }
        /* the state scanned: a qcow2 image's snapshot when one was read */
        lr_io_open_opts_t oo = {.snapshot = scan->images[i].snapshot};
        int rc = lr_io_open_opts(&(*rio)[i], scan->images[i].path, &oo, err);
        if (rc)
            return rc;
    }
    return 0;
}

static void rp_close_images(lr_io_t **rio, size_t n, bool own)
{
    if (!rio)
        return;
    for (size_t i = 0; own && i < n; i++)
        lr_io_close(rio[i], NULL);
    free(rio);
}

int rp_plan_start(lr_repair_plan_t *p, const lr_scan_t *scan, const lr_repair_opts_t *opts,
                  lr_error_t *err)
{
    int rc = rp_init_images(p, scan, err);
    if (!rc)
        /* the scan's one chooser; its refusal keeps the hints */
        rc = lr_scan_select_one(scan,
                                &(lr_scan_pick_t){.vg = opts->vg,
                                                  .has_seqno = true,
                                                  .seqno = opts->seqno,
                                                  .has_crc = opts->has_crc,
                                                  .crc = opts->crc},
                                &p->vg, &p->version, err);
    if (!rc)
        rc = rp_init_version(p, scan, err);
    return rc;
}

int rp_plan_finish(lr_repair_plan_t *p, const lr_scan_session_t *session, lr_io_t *const *ios,
                   const lr_vg_t *vg, const lr_repair_opts_t *opts, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    lr_io_t **rio = NULL;
    bool own = false;
    int rc = rp_open_images(scan, ios, &rio, &own, err);
    if (!rc)
        rc = rp_plan_pvs(p, session, rio, vg, opts, err);
    if (!rc)
        rc = rp_plan_writes(p, scan, rio, err);
    rp_close_images(rio, scan->n_images, own);
    return rc;
}

int lr_repair_plan_new(const lr_scan_session_t *session, lr_io_t *const *ios,
                       const lr_repair_opts_t *opts, lr_repair_plan_t **out, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    if (!scan || !opts || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "plan: invalid arguments");
    *out = NULL;
    lr_error_clear(err);
    rp_plan_t *rp = calloc(1, sizeof(*rp));
    if (!rp)
        return lr_error_oom(err);
    lr_repair_plan_t *p = &rp->pub;
    lr_vg_t *orig = NULL, *vg = NULL;
    int rc = rp_plan_start(p, scan, opts, err);
    if (!rc)
        rc = rp_plan_thin(p, scan, err); /* plan_thin.c */
    if (!rc)
        rc = make_text(p, session, opts, &orig, err);
    if (!rc)
        rc = rp_check_text(p, opts, &vg, err);
    if (!rc)
        rc = rp_plan_changes(p, session, orig, err);
    if (!rc)
        rc = rp_plan_finish(p, session, ios, vg, opts, err);
    lr_vg_free(orig);
    lr_vg_free(vg);
    if (rc) {
        lr_repair_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}
