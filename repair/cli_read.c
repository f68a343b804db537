/* lvmrepair --diff, --export and --extract: the modes that only read the
 * images, and the words for what the extract engines report (thin pools,
 * raid superblocks and degraded reads, leg differences, snapshots,
 * caches). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lr/diff.h"
#include "lr/export.h"
#include "lr/extract.h"
#include "lr/meta.h"
#include "lr/strbuf.h"

#include "cli.h"

/* ---- --diff / --export / --extract ------------------------------------------------------ */

int cli_diff(const args_t *a, scanned_t *s)
{
    int vga = -1, ia = -1, vgb = -1, ib = -1;
    const char *how = "seqno=N:crc=0xCRC";
    int ex = cli_choose(s, a->vg, true, &a->v, how, &vga, &ia);
    /* The second version is of the same VG as the first. */
    if (ex == EXIT_OK)
        ex = cli_choose(s, a->vg ? a->vg : s->scan->vgs[vga].id, true, &a->v2, how, &vgb, &ib);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    lr_diff_t *d = NULL;
    char *text = NULL;
    int rc = lr_diff_scan(s->session, (size_t)vga, (size_t)ia, (size_t)ib, &d, &err);
    if (!rc)
        rc = a->json ? lr_diff_format_json(d, &text, &err) : lr_diff_format_text(d, &text, &err);
    if (!rc)
        lr_tty_fputs(text, stdout); /* names from the image: never a raw control byte */
    free(text);
    lr_diff_free(d);
    for (int k = 0; !rc && k < 2; k++)
        if (lr_scan_version_unsure(s->scan, (size_t)vga, (size_t)(k ? ib : ia)))
            fprintf(stderr,
                    "%s: WARNING: every copy of seqno %" PRIu64 " was read from bytes its image "
                    "decoded but cannot vouch for (see the image's error): what it says may not "
                    "be what LVM2 wrote\n",
                    cli_prog, s->scan->vgs[vga].versions[k ? ib : ia].seqno);
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}

/* Whether some PV label in the images carries this PV UUID (raw). */
static bool label_found(const lr_scan_t *scan, const char *raw_id)
{
    for (size_t i = 0; i < scan->n_labels; i++)
        if (scan->labels[i].valid && strcmp(scan->labels[i].label.pv_uuid, raw_id) == 0)
            return true;
    return false;
}

static bool has_segtype(const lr_vg_t *vg, const char *prefix)
{
    for (size_t i = 0; i < vg->n_lvs; i++)
        for (size_t j = 0; j < vg->lvs[i].n_segs; j++)
            if (strncmp(vg->lvs[i].segs[j].type, prefix, strlen(prefix)) == 0)
                return true;
    return false;
}

/* The comment an exported file starts with: what it is and what LVM2
 * needs before `vgcfgrestore -f` loads it (a thin VG needs --force; a PV
 * whose label is gone needs `pvcreate --uuid ... --restorefile` first).
 * '#' lines are comments in LVM2's config syntax. NULL on no memory. */
static char *export_comment(const scanned_t *s, int vg, const char *text, size_t len,
                            const char *file)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    const lr_scan_vg_t *v = &s->scan->vgs[vg];
    const char *f = file ? file : "FILE";
    lr_vg_t *view = NULL;
    if (lr_vg_parse(text, len, &view, NULL) != 0) {
        lr_strbuf_printf(&b, "# VG %s exported by lvmrepair (lvmrescue) %s.\n\n", v->name,
                         LR_VERSION);
        return lr_strbuf_take(&b, NULL);
    }
    lr_strbuf_printf(&b, "# VG %s seqno %" PRIu64 " exported by lvmrepair (lvmrescue) %s.\n",
                     view->name, view->seqno, LR_VERSION);
    lr_strbuf_printf(&b, "# Load it with: vgcfgrestore -f %s %s\n", f, view->name);
    if (has_segtype(view, "thin"))
        lr_strbuf_printf(&b,
                         "#   It has thin pools: LVM2 refuses them without --force:\n"
                         "#   vgcfgrestore --force -f %s %s\n",
                         f, view->name);
    for (size_t i = 0; i < view->n_pvs; i++)
        if (!label_found(s->scan, view->pvs[i].raw_id))
            lr_strbuf_printf(&b,
                             "# PV %s (%s) has no label in the images: give the device its "
                             "label first:\n#   pvcreate --uuid %s --restorefile %s DEVICE\n",
                             view->pvs[i].key, view->pvs[i].id, view->pvs[i].id, f);
    lr_vg_free(view);
    lr_strbuf_puts(&b, "\n");
    return lr_strbuf_take(&b, NULL);
}

/* The version's text with export_comment in front. */
static int export_text(const scanned_t *s, int vg, int ver, const char *file, char **out,
                       size_t *out_len, lr_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = lr_scan_version_text(s->session, (size_t)vg, (size_t)ver, &text, &len, err);
    if (rc)
        return rc;
    char *head = export_comment(s, vg, text, len, file);
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, head ? head : "");
    lr_strbuf_putn(&b, text, len);
    free(head);
    free(text);
    *out_len = b.len;
    *out = lr_strbuf_take(&b, NULL);
    return *out ? 0 : lr_error_oom(err);
}

int cli_export(const args_t *a, scanned_t *s)
{
    int vg = -1, ver = -1;
    int ex = cli_choose(s, a->vg, true, &a->v, "--crc 0xCRC", &vg, &ver);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    int rc = export_text(s, vg, ver, a->out_file, &text, &len, &err);
    if (!rc && a->out_file) {
        rc = lr_export_write_text(s->scan, text, len, a->out_file,
                                  a->overwrite ? LR_EXPORT_OVERWRITE : 0, &err);
        if (!rc)
            fprintf(stderr, "%s: wrote VG %s seqno %" PRIu64 " to %s (for vgcfgrestore -f)\n",
                    cli_prog, cli_tty(s->scan->vgs[vg].name), a->v.seqno, cli_tty(a->out_file));
    } else if (!rc && isatty(STDOUT_FILENO)) {
        lr_tty_fputs(text, stdout); /* the file's bytes for a pipe; on a terminal, safe to show */
    } else if (!rc && fwrite(text, 1, len, stdout) != len) {
        rc = lr_error_set(&err, -EIO, LR_NO_OFFSET, "writing to standard output failed");
    }
    free(text);
    /* vgcfgrestore of the file is a restore: the same warnings, unless it
     * is the version LVM2 uses now (loading it changes nothing) */
    const lr_scan_vg_t *g = &s->scan->vgs[vg];
    if (!rc && ver != g->latest && ver != g->committed_latest)
        cli_version_warnings(s, vg, ver);
    if (!rc && lr_scan_version_unsure(s->scan, (size_t)vg, (size_t)ver)) {
        fprintf(stderr,
                "%s: WARNING: every copy of seqno %" PRIu64 " was read from bytes its image "
                "decoded but cannot vouch for (see the image's error): the text written may not "
                "be what LVM2 wrote\n",
                cli_prog, a->v.seqno);
        return EXIT_REFUSED;
    }
    return rc ? cli_fail(rc, &err) : EXIT_OK;
}

/* The pool's data space map against its mappings: a mapped block it calls
 * free may since have been given to other data. */
static void print_thin_space(const char *pool, const lr_thin_sm_t *m)
{
    if (!m->compared || (!m->in_use_free && !m->count_differs))
        return;
    fprintf(stderr,
            "%s: WARNING: thin pool %s: its data space map disagrees with its mappings:", cli_prog,
            pool);
    if (m->in_use_free)
        fprintf(stderr,
                " %" PRIu64 " mapped blocks have ref count 0 (the pool may have reused them: "
                "their data may belong to something else);",
                m->in_use_free);
    if (m->count_differs)
        fprintf(stderr, " %" PRIu64 " ref counts differ from the mappings;", m->count_differs);
    for (size_t i = 0; i < m->n_examples; i++)
        if (m->examples[i].kind != LR_THIN_SM_UNREFERENCED)
            fprintf(stderr,
                    " data block %" PRIu64 " ref count %" PRIu32 " mapped %" PRIu64 " times;",
                    m->examples[i].block, m->examples[i].count, m->examples[i].expected);
    fputc('\n', stderr);
}

/* What the pool metadata says of a thin LV, on stderr: its device, mapped
 * blocks, shared blocks, and every damaged node with what it cost. Returns
 * true when some of the LV could not be read. */
static bool print_thin_info(const lr_extract_plan_t *plan, const lr_extract_thin_info_t *in)
{
    const lr_extract_thin_t *t = plan->thin;
    const lr_thin_usage_t *u = &in->usage;
    fprintf(stderr,
            "%s: thin LV %s: device %" PRIu64 " of pool %s (metadata transaction %" PRIu64
            ", LVM2's %" PRIu64 "%s), %" PRIu64 "-byte blocks: %" PRIu64 " mapped",
            cli_prog, plan->lv, t->dev_id, t->pool, in->super.transaction_id, t->transaction_id,
            in->super.transaction_id != t->transaction_id ? ": mismatch" : "", in->block_size,
            u->mapped);
    if (u->mapped)
        fprintf(stderr, ", highest block %" PRIu64, u->highest);
    if (u->shared != UINT64_MAX)
        fprintf(stderr, ", %" PRIu64 " shared with other thin LVs", u->shared);
    fputc('\n', stderr);
    if (t->chunk && t->chunk != in->block_size)
        fprintf(stderr,
                "%s: the pool's chunk_size in LVM2's metadata (%" PRIu64
                " bytes) differs from its metadata's data block size: the metadata's is used\n",
                cli_prog, t->chunk);
    if (in->past_end)
        fprintf(stderr, "%s: %" PRIu64 " mapped blocks lie past the LV's end: not extracted\n",
                cli_prog, in->past_end);
    for (size_t i = 0; i < in->n_damage; i++) {
        const lr_thin_damage_t *d = &in->damage[i];
        bool sm = d->tree == LR_THIN_TREE_DATA_SM || d->tree == LR_THIN_TREE_META_SM;
        fprintf(stderr, "%s: thin pool %s: metadata damaged: %s%s", cli_prog, t->pool,
                lr_thin_tree_name(d->tree), sm ? "" : " btree");
        if (d->tree == LR_THIN_TREE_MAPPING)
            fprintf(stderr, " of device %" PRIu64, d->dev_id);
        fprintf(stderr, ", %s at block %" PRIu64 ": %s", sm ? "block" : "node", d->block, d->why);
        if (d->tree == LR_THIN_TREE_MAPPING && d->hi == UINT64_MAX)
            fprintf(stderr, " (blocks %" PRIu64 " and up lost)", d->lo);
        else if (d->tree == LR_THIN_TREE_MAPPING)
            fprintf(stderr, " (blocks %" PRIu64 "-%" PRIu64 " lost)", d->lo, d->hi);
        fputc('\n', stderr);
    }
    if (in->damage_dropped)
        fprintf(stderr, "%s: %" PRIu64 " more damaged nodes not listed\n", cli_prog,
                in->damage_dropped);
    print_thin_space(t->pool, &in->space.data);
    if (in->lost_bytes)
        fprintf(stderr,
                "%s: WARNING: %" PRIu64 " bytes of LV %s could not be read from the damaged "
                "metadata and are written as zeros: the output is incomplete\n",
                cli_prog, in->lost_bytes, plan->lv);
    return in->lost_bytes != 0;
}

/* What the dm-raid superblocks of an array's images say: images marked
 * failed, images or arrays not in sync. Only a report: the data never
 * depends on it. name[i] is image i's LV, meta[i] its _rmeta LV, sb[i]
 * NULL when unread. */
static void report_sbs(const char *lv, size_t n, const char *const *name, const char *const *meta,
                       const lr_raid_sb_t *const *sb, const bool *missing)
{
    uint64_t failed[4] = {0}; /* images any superblock marks failed */
    bool resync_said = false; /* the array's state: once */
    for (size_t g = 0; g < n; g++) {
        if (!sb[g])
            continue;
        for (size_t d = 0; d < n && d < 256; d++)
            if (lr_raid_sb_failed(sb[g], (unsigned)d))
                failed[d / 64] |= 1ull << (d % 64);
        if (sb[g]->disk_recovery_offset != UINT64_MAX &&
            !lr_raid_sb_failed(sb[g], sb[g]->array_position))
            fprintf(stderr,
                    "%s: LV %s: image %s was being recovered (in sync up to sector %" PRIu64
                    ", says %s)\n",
                    cli_prog, lv, name[g], sb[g]->disk_recovery_offset, meta[g]);
        if (sb[g]->array_resync_offset != UINT64_MAX && !resync_said) {
            resync_said = true;
            fprintf(stderr,
                    "%s: LV %s: the array was not fully synced (up to sector %" PRIu64
                    ", says %s); parity or copies past it may be stale\n",
                    cli_prog, lv, sb[g]->array_resync_offset, meta[g]);
        }
    }
    for (size_t d = 0; d < n && d < 256; d++)
        if (failed[d / 64] >> (d % 64) & 1)
            fprintf(
                stderr, "%s: LV %s: image %s is marked failed in the dm-raid superblock%s\n",
                cli_prog, lv, name[d],
                missing[d]
                    ? ""
                    : " (its data was still read; leave its PV out to read the array without it)");
}

static void report_raid_sb(const scanned_t *s, const lr_extract_plan_t *plan, size_t pi,
                           const lr_extract_opts_t *eo)
{
    const lr_extract_piece_t *p = &plan->pieces[pi];
    size_t n = p->n_legs;
    const char **name = calloc(n, sizeof(*name)), **meta = calloc(n, sizeof(*meta));
    const lr_raid_sb_t **sb = calloc(n, sizeof(*sb));
    lr_raid_sb_t *got = calloc(n, sizeof(*got));
    bool *missing = calloc(n, sizeof(*missing));
    if (name && meta && sb && got && missing) {
        for (size_t g = 0; g < n; g++) {
            name[g] = p->legs[g].lv;
            meta[g] = p->legs[g].meta_lv;
            missing[g] = p->legs[g].missing;
            if (!lr_extract_raid_sb(s->scan, plan, pi, g, eo, &got[g], NULL))
                sb[g] = &got[g];
        }
        report_sbs(plan->lv, n, name, meta, sb, missing);
    }
    free(name);
    free(meta);
    free(sb);
    free(got);
    free(missing);
}

/* What a writecache LV's metadata said, and what was merged. */
static void report_writecache(const lr_extract_plan_t *plan, const lr_extract_snap_t *sn)
{
    fprintf(stderr,
            "%s: LV %s: writecache (block %" PRIu32 " bytes, seq_count %" PRIu64 "): %" PRIu64
            " of %" PRIu64 " cache blocks not yet written back, %zu origin blocks merged from %s "
            "(the newest of each)\n",
            cli_prog, plan->lv, sn->chunk_size * 512u, sn->wc_seq_count, sn->wc_committed,
            sn->wc_blocks, sn->n_exceptions, sn->cow);
}

/* What a cache LV's metadata said, and what was merged. */
static void report_cache(const lr_extract_plan_t *plan, const lr_extract_snap_t *sn)
{
    if (sn->writecache) {
        report_writecache(plan, sn);
        return;
    }
    fprintf(stderr,
            "%s: LV %s: cache (%s, dm-cache metadata version %" PRIu32 ", block %" PRIu32
            " sectors): %" PRIu64 " of %" PRIu64 " cache blocks in use, %zu dirty merged from %s\n",
            cli_prog, plan->lv, sn->cache_mode ? sn->cache_mode : "mode not recorded",
            sn->cache_version, sn->chunk_size, sn->cache_mapped, sn->chunks_total, sn->n_exceptions,
            sn->cow);
    if (!sn->clean_shutdown)
        fprintf(stderr,
                "%s: LV %s: the cache metadata was not shut down cleanly: every cached block "
                "was taken as dirty (the kernel does the same)\n",
                cli_prog, plan->lv);
}

/* How full an old-style snapshot's COW LV is. */
static void report_snapshot(const lr_extract_plan_t *plan, const lr_extract_snap_t *sn)
{
    if (sn->cache) {
        report_cache(plan, sn);
        return;
    }
    fprintf(stderr,
            "%s: LV %s: snapshot of %s (%s, COW LV %s, chunk %" PRIu32
            " sectors): %zu chunks copied; COW %" PRIu64 " of %" PRIu64
            " chunks used (%.1f%%), valid\n",
            cli_prog, plan->lv, sn->origin, sn->snapshot_lv, sn->cow, sn->chunk_size,
            sn->n_exceptions, sn->chunks_used, sn->chunks_total,
            sn->chunks_total ? 100.0 * (double)sn->chunks_used / (double)sn->chunks_total : 0.0);
    if (sn->seg_chunk_size && sn->seg_chunk_size != sn->chunk_size)
        fprintf(stderr,
                "%s: LV %s: the metadata says chunk_size %" PRIu32
                " sectors, the COW header %" PRIu32 "; the header's was used\n",
                cli_prog, plan->lv, sn->seg_chunk_size, sn->chunk_size);
}

/* Says which pieces were read degraded, and what the superblocks report. */
static void report_extract(const scanned_t *s, const lr_extract_plan_t *plan,
                           const lr_extract_opts_t *eo)
{
    for (size_t i = 0; i < plan->n_pieces; i++) {
        const lr_extract_piece_t *p = &plan->pieces[i];
        if (p->snap)
            report_snapshot(plan, p->snap);
        if (!p->n_legs)
            continue;
        if (p->n_missing_legs) {
            fprintf(stderr, "%s: LV %s bytes %" PRIu64 "-%" PRIu64 " (%s): degraded: %s; missing:",
                    cli_prog, plan->lv, p->lv_offset, p->lv_offset + p->length - 1, p->raid.name,
                    p->raid.level == 10 ? "read from another copy" : "rebuilt from parity");
            for (size_t g = 0, k = 0; g < p->n_legs; g++)
                if (p->legs[g].missing)
                    fprintf(stderr, "%s %s", k++ ? "," : "", p->legs[g].lv);
            fputc('\n', stderr);
        }
        report_raid_sb(s, plan, i, eo);
    }
}

/* Where the legs of a mirror/raid1 LV differ: a hint of a split brain. */
/* A raid4/5/6 LV read with every image: rows whose parity disagrees with
 * their data (an image zeroed, replaced or written apart) are warned of,
 * as the copy holds what the data images say, not necessarily the LV's. */
static void report_parity(const args_t *a, const scanned_t *s, const lr_extract_plan_t *plan,
                          const lr_extract_opts_t *eo)
{
    lr_extract_parity_t par;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_extract_check_parity(s->scan, plan, eo, &par, &err) != 0) {
        fprintf(stderr, "%s: LV %s: its parity could not be checked: %s\n", cli_prog,
                cli_tty(a->mode_arg), cli_tty(err.msg));
        return;
    }
    if (!par.rows)
        return;
    if (!par.bad_rows) {
        fprintf(stderr, "%s: LV %s: the parity of its %" PRIu64 " rows agrees with their data\n",
                cli_prog, cli_tty(a->mode_arg), par.rows);
        return;
    }
    fprintf(stderr,
            "%s: WARNING: LV %s: the parity of %" PRIu64 " of its %" PRIu64
            " rows disagrees with their data (LV bytes %" PRIu64 "-%" PRIu64
            "): an image zeroed, replaced or written apart from the others; what %s holds "
            "there is what the data images say, which may not be the LV's data\n",
            cli_prog, cli_tty(a->mode_arg), par.bad_rows, par.rows, par.first_bad, par.last_bad - 1,
            cli_tty(a->out_file));
}

static void report_legs(const args_t *a, const scanned_t *s, int vg, int ver,
                        const lr_extract_opts_t *eo)
{
    lr_extract_legdiff_t *d = NULL;
    lr_error_t err;
    char buf[1024];
    if (lr_extract_compare_legs(s->session, (size_t)vg, (size_t)ver, a->mode_arg, eo, &d, &err)) {
        fprintf(stderr, "%s: LV %s: legs not compared: %s\n", cli_prog, a->mode_arg,
                lr_error_format(&err, buf, sizeof(buf)));
        return;
    }
    if (!d)
        return;
    const lr_raid_sb_t **sb = calloc(d->n_legs ? d->n_legs : 1, sizeof(*sb));
    bool *missing = calloc(d->n_legs ? d->n_legs : 1, sizeof(*missing));
    const char **meta = calloc(d->n_legs ? d->n_legs : 1, sizeof(*meta));
    for (size_t i = 0; sb && missing && meta && i < d->n_legs; i++) {
        sb[i] = d->has_sb[i] ? &d->sb[i] : NULL;
        missing[i] = !d->readable[i];
        meta[i] = d->meta_lv[i];
    }
    if (sb && missing && meta)
        report_sbs(a->mode_arg, d->n_legs, (const char *const *)d->legs, meta, sb, missing);
    free(sb);
    free(missing);
    free(meta);
    size_t readable = 0;
    for (size_t i = 0; i < d->n_legs; i++) {
        readable += d->readable[i];
        if (!d->readable[i])
            fprintf(stderr, "%s: LV %s: leg %s could not be read and was not compared\n", cli_prog,
                    a->mode_arg, d->legs[i]);
    }
    if (readable >= 2 && !d->differ)
        fprintf(stderr, "%s: LV %s: the readable legs hold the same data (%" PRIu64 " bytes)\n",
                cli_prog, a->mode_arg, d->compared);
    else if (readable >= 2) {
        fprintf(stderr,
                "%s: LV %s: the legs differ in %" PRIu64
                " bytes (a split brain, or a resync that did not finish); ranges:",
                cli_prog, a->mode_arg, d->differ);
        for (size_t i = 0; i < d->n_ranges; i++)
            fprintf(stderr, "%s %" PRIu64 "-%" PRIu64, i ? "," : "", d->ranges[i].offset,
                    d->ranges[i].offset + d->ranges[i].length - 1);
        fprintf(stderr, "%s\n", d->more_ranges ? ", ..." : "");
    }
    lr_extract_legdiff_free(d);
}

void cli_ev_ranges(FILE *f, const lr_ev_reuse_t *r)
{
    fprintf(f, "%s:", r->pv);
    for (size_t x = 0; x < r->n_ranges; x++)
        fprintf(f, "%s%" PRIu64 "-%" PRIu64, x ? "," : "", r->ranges[x].first, r->ranges[x].last);
}

/* A range moved since (a finished pvmove): the copy read the source the
 * move left. A gap (reduced, extended elsewhere) is no copy: not said. */
static void warn_extract_moved(const args_t *a, const lr_ev_lv_t *l, const lr_ev_move_t *m)
{
    if (m->gap)
        return;
    uint64_t n = m->last - m->first;
    fprintf(stderr,
            "%s: WARNING: LV %s: extents %" PRIu64 "-%" PRIu64 " were moved at seqno %" PRIu64
            " (now %s:%" PRIu64 "-%" PRIu64 "): what %s holds from them is the stale copy the "
            "move left at %s:%" PRIu64 "-%" PRIu64 "; data written since is not there\n",
            cli_prog, cli_tty(l->name), m->first, m->last, m->seqno, cli_tty(m->pv), m->pe,
            m->pe + n, cli_tty(a->out_file), cli_tty(m->was_pv), m->was_pe, m->was_pe + n);
}

/* An old version's LV may map extents later LVs took (the evidence
 * engine, lr/evidence.h): the bytes copied from them may be another LV's
 * data now; or extents moved since, whose source holds a stale copy. Said
 * as a WARNING per reuse or move, after the copy; the copy stands. */
static void warn_extract_reuse(const args_t *a, const scanned_t *s, int vg, int ver)
{
    lr_evidence_t *ev = NULL;
    lr_error_t err;
    lr_error_clear(&err);
    if (lr_evidence_build(s->session, NULL, &ev, &err) != 0) {
        char m[512];
        fprintf(stderr, "%s: could not check whether later LVs took extents of LV %s: %s\n",
                cli_prog, cli_tty(a->mode_arg), lr_error_format(&err, m, sizeof(m)));
        return;
    }
    const lr_ev_version_t *v = NULL;
    if ((size_t)vg < ev->n_vgs && (size_t)ver < ev->vgs[vg].n_versions)
        v = &ev->vgs[vg].versions[ver];
    for (size_t i = 0; v && i < v->n_lvs; i++) {
        const lr_ev_lv_t *l = &v->lvs[i];
        if (strcmp(l->name, a->mode_arg) != 0)
            continue;
        for (size_t k = 0; k < l->n_reuse; k++) {
            const lr_ev_reuse_t *r = &l->reuse[k];
            fprintf(stderr, "%s: WARNING: LV %s: extents ", cli_prog, cli_tty(l->name));
            cli_ev_ranges(stderr, r);
            fprintf(stderr,
                    " were taken since by %s/%s (seqno %" PRIu64 ")%s%s%s: what %s holds "
                    "from them may be that LV's data, not %s's\n",
                    cli_tty(r->vg), cli_tty(r->lv), r->seqno,
                    r->taker_content ? ", whose " : ", no signature found there",
                    r->taker_content ? cli_tty(r->taker_content) : "",
                    r->taker_content ? " now sits there" : "", cli_tty(a->out_file),
                    cli_tty(l->name));
        }
        for (size_t k = 0; k < l->n_moved; k++)
            warn_extract_moved(a, l, &l->moved[k]);
    }
    lr_evidence_free(ev);
}

/* Bytes the copy took from ranges their image cannot vouch for (a gzip
 * member whose checksum fails, the part of a corrupt xz block or zstd frame
 * decoded before its damage showed): the copy may differ from the LV
 * there. */
static void report_doubt(const args_t *a, const scanned_t *s, const lr_extract_doubt_t *d)
{
    if (!d->bytes)
        return;
    const char *img = d->image >= 0 && (size_t)d->image < s->scan->n_images
                          ? s->scan->images[d->image].path
                          : "an image";
    fprintf(stderr,
            "%s: WARNING: LV %s: %" PRIu64 " of the bytes written were read from bytes %" PRIu64
            "-%" PRIu64 " of %s%s, which decompress but no checksum vouches for (theirs fails, "
            "or damage after them kept it from being checked): some of them may be wrong, and "
            "which ones is not known\n",
            cli_prog, cli_tty(a->mode_arg), d->bytes, d->start, d->end - 1, cli_tty(img),
            d->bytes > d->end - d->start ? " and other such ranges" : "");
}

int cli_extract(const args_t *a, scanned_t *s)
{
    int vg = -1, ver = -1;
    int ex = cli_choose(s, a->vg, a->has_seqno, &a->v, "--crc 0xCRC", &vg, &ver);
    if (ex != EXIT_OK)
        return ex;
    lr_error_t err;
    lr_error_clear(&err);
    uint64_t written = 0;
    lr_extract_doubt_t doubt = {0};
    lr_extract_opts_t eo = {.flags = a->overwrite ? LR_EXTRACT_OVERWRITE : 0,
                            .ios = s->ios,
                            .n_ios = s->n,
                            .doubt = &doubt};
    lr_extract_plan_t *plan = NULL;
    lr_extract_thin_info_t *info = NULL;
    bool partial = false;
    int rc = lr_extract_plan(s->session, (size_t)vg, (size_t)ver, a->mode_arg, &plan, &err);
    if (!rc && plan->thin) {
        rc = lr_extract_thin_info(s->scan, plan, &eo, &info, &err);
        if (!rc)
            partial = print_thin_info(plan, info);
    }
    if (!rc)
        rc = lr_extract_run(s->scan, plan, a->out_file, &eo, &written, &err);
    if (!rc) {
        report_extract(s, plan, &eo);
        report_legs(a, s, vg, ver, &eo);
        report_parity(a, s, plan, &eo);
        report_doubt(a, s, &doubt);
        fprintf(stderr,
                "%s: wrote %" PRIu64 " bytes of LV %s (VG %s seqno %" PRIu64 ") to %s%s%s\n",
                cli_prog, written, cli_tty(a->mode_arg), cli_tty(s->scan->vgs[vg].name),
                s->scan->vgs[vg].versions[ver].seqno, cli_tty(a->out_file),
                partial ? ", with the unreadable ranges above as zeros" : "",
                doubt.bytes ? ", not all of them known to be right (above)" : "");
        partial |= doubt.bytes > 0;
        warn_extract_reuse(a, s, vg, ver);
    }
    lr_extract_thin_info_free(info);
    lr_extract_plan_free(plan);
    if (rc) {
        ex = cli_fail(rc, &err);
        /* said only when so: an --overwrite'n file may still be there */
        if (a->out_file && access(a->out_file, F_OK) != 0)
            fprintf(stderr, "%s: LV %s not extracted: nothing written to %s\n", cli_prog,
                    cli_tty(a->mode_arg), cli_tty(a->out_file));
        return ex;
    }
    /* an incomplete copy is not a success */
    return partial ? EXIT_REFUSED : EXIT_OK;
}
