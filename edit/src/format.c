/* Formatting an image as a PV with a fresh VG, laid out the way LVM2's
 * pvcreate + vgcreate lay it out (lib/format_text/format-text.c,
 * lib/format_text/export.c of LVM2 2.03). */
#include "vgedit_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

void lr_vgedit_format_defaults(lr_vgedit_format_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->vg_name = LR_VGEDIT_DEFAULT_VG;
    o->pv_key = LR_VGEDIT_DEFAULT_PV;
    o->extent_size = LR_VGEDIT_DEFAULT_EXTENT;
    o->metadata_copies = 1;
    o->data_alignment = LR_VGEDIT_DEFAULT_ALIGN;
}

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

/* LVM2's vg_check_new_extent_size for the lvm2 format. */
static int check_extent_size(uint64_t ext, lr_error_t *err)
{
    char b[32];
    if (ext == 0 || ext % 512)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "extent size %" PRIu64 " bytes is not a whole number of sectors", ext);
    if (!is_pow2(ext) && ext % LR_VGEDIT_MIN_NONPOW2_EXTENT)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "extent size %s must be a power of 2 or a multiple of 128 KiB",
                            lr_vgedit_format_size(ext, b, sizeof(b)));
    if (ext / 512 > UINT32_MAX)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "extent size %s is too large",
                            lr_vgedit_format_size(ext, b, sizeof(b)));
    return 0;
}

/* The requested metadata area size: LVM2's default fills the space between
 * the first area's start and the first aligned data extent. */
static int requested_mda_size(const lr_vgedit_format_opts_t *o, uint64_t align, uint64_t *req,
                              lr_error_t *err)
{
    char b[32];
    uint64_t v = o->metadata_size;
    if (!v)
        v = align > LR_VGEDIT_MDA1_START + LR_VGEDIT_MIN_MDA_SIZE ? align - LR_VGEDIT_MDA1_START
                                                                  : LR_VGEDIT_MIN_MDA_SIZE;
    if (v > (1ull << 40))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "metadata size %s is too large",
                            lr_vgedit_format_size(v, b, sizeof(b)));
    v = round_up(v, 512);
    if (v < LR_VGEDIT_MIN_MDA_SIZE)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "metadata size %s is below the minimum of 32.00 KiB",
                            lr_vgedit_format_size(v, b, sizeof(b)));
    *req = v;
    return 0;
}

static int too_small(uint64_t dev, uint64_t need, lr_error_t *err)
{
    char a[32], b[32];
    return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                        "image too small: %s; this layout needs at least %s (metadata "
                        "area(s) and one extent)",
                        lr_vgedit_format_size(dev, a, sizeof(a)),
                        lr_vgedit_format_size(need, b, sizeof(b)));
}

/* Places the areas and the data area on a device of dev bytes (a whole
 * number of sectors) with the requested area size req. */
static int place_areas(uint64_t dev, uint64_t align, uint64_t ext, uint64_t req, unsigned copies,
                       lr_vgedit_layout_t *out, lr_error_t *err)
{
    out->dev_size = dev;
    out->extent_size = ext;
    out->n_mda = copies;
    /* First area: at 4096, grown so the data area after it starts aligned. */
    out->mda_start[0] = LR_VGEDIT_MDA1_START;
    out->mda_size[0] = round_up(LR_VGEDIT_MDA1_START + req, align) - LR_VGEDIT_MDA1_START;
    out->pe_start = out->mda_start[0] + out->mda_size[0];
    uint64_t data_end = dev;
    uint64_t need = out->pe_start + ext;
    if (copies == 2) {
        /* Second area: requested size from the end, its start aligned down. */
        need = round_up(out->pe_start + ext, align) + req;
        if (dev < need)
            return too_small(dev, need, err);
        out->mda_start[1] = (dev - req) / align * align;
        out->mda_size[1] = dev - out->mda_start[1];
        data_end = out->mda_start[1];
    }
    if (dev < need || data_end < out->pe_start + ext)
        return too_small(dev, need, err);
    out->pe_count = (data_end - out->pe_start) / ext;
    if (out->pe_count > LR_VGEDIT_MAX_COUNT)
        return lr_error_set(err, LR_ERANGE, LR_NO_OFFSET,
                            "%" PRIu64 " extents are more than LVM2's limit of %u; use a "
                            "larger extent size",
                            out->pe_count, LR_VGEDIT_MAX_COUNT);
    return 0;
}

int lr_vgedit_layout(uint64_t dev_size, const lr_vgedit_format_opts_t *opts,
                     lr_vgedit_layout_t *out, lr_error_t *err)
{
    memset(out, 0, sizeof(*out));
    uint64_t align = opts->data_alignment ? opts->data_alignment : LR_VGEDIT_DEFAULT_ALIGN;
    uint64_t ext = opts->extent_size ? opts->extent_size : LR_VGEDIT_DEFAULT_EXTENT;
    unsigned copies = opts->metadata_copies ? opts->metadata_copies : 1;
    if (align % 512 || align > (1ull << 40))
        return lr_error_set(
            err, -EINVAL, LR_NO_OFFSET,
            "data alignment %" PRIu64 " must be a whole number of sectors, at most 1 TiB", align);
    if (copies > 2)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET,
                            "metadata copies must be 1 or 2 (LVM2 allows at most 2 per PV)");
    int rc = check_extent_size(ext, err);
    uint64_t req = 0;
    if (!rc)
        rc = requested_mda_size(opts, align, &req, err);
    if (rc)
        return rc;
    return place_areas(dev_size / 512 * 512, align, ext, req, copies, out, err);
}

/* ---- signatures ---- */

typedef struct sig {
    uint64_t offset;
    const char *magic;
    size_t len;
    const char *what;
} sig_t;

static const sig_t sigs[] = {
    {0, "XFSB", 4, "an XFS filesystem"},
    {0, "LUKS\xba\xbe", 6, "a LUKS header"},
    {512, "EFI PART", 8, "a GPT partition table"},
    {510, "\x55\xaa", 2, "an MBR partition table or boot sector"},
    {1080, "\x53\xef", 2, "an ext2/3/4 filesystem"},
    {4086, "SWAPSPACE2", 10, "a swap area"},
    {4086, "SWAP-SPACE", 10, "a swap area"},
    {65600, "_BHRfS_M", 8, "a btrfs filesystem"},
};

#define N_SIGS (sizeof(sigs) / sizeof(sigs[0]))

/* 1 if sig matches on io, 0 if not (or out of the device), <0 on error. */
static int sig_matches(lr_io_t *io, const sig_t *s, lr_error_t *err)
{
    uint8_t buf[16];
    if (s->offset + s->len > lr_io_size(io))
        return 0;
    int rc = lr_io_pread(io, buf, s->len, s->offset, err);
    if (rc)
        return rc;
    return memcmp(buf, s->magic, s->len) == 0;
}

int lr_vgedit_detect_signature(lr_io_t *io, const char **what, uint64_t *offset, lr_error_t *err)
{
    *what = NULL;
    *offset = 0;
    lr_label_t label;
    uint64_t sector = 0;
    lr_error_t tmp;
    lr_error_clear(&tmp);
    /* Any LABELONE counts, even a damaged one: it is still someone's PV. */
    int rc = lr_label_read(io, 0, &label, &sector, &tmp);
    if (rc == 0 || rc == LR_EFORMAT || rc == LR_ECHECKSUM) {
        *what = "an LVM2 physical volume label";
        *offset = sector * 512;
        return 0;
    }
    if (rc != LR_ENOTFOUND && rc != LR_ERANGE) {
        if (err)
            *err = tmp;
        return rc;
    }
    for (size_t i = 0; i < N_SIGS; i++) {
        rc = sig_matches(io, &sigs[i], err);
        if (rc < 0)
            return rc;
        if (rc) {
            *what = sigs[i].what;
            *offset = sigs[i].offset;
            return 0;
        }
    }
    return 0;
}

/* Zeroes the magic of every known signature, as wipefs/pvcreate -ff do. */
static int wipe_signatures(lr_io_t *io, lr_error_t *err)
{
    static const uint8_t zero[16];
    for (size_t i = 0; i < N_SIGS; i++) {
        int rc = sig_matches(io, &sigs[i], err);
        if (rc < 0)
            return rc;
        if (rc && (rc = lr_io_pwrite(io, zero, sigs[i].len, sigs[i].offset, err)))
            return rc;
    }
    return 0;
}

/* ---- the first VG version ---- */

/* ctime(3) text including its newline, as export.c prints it. */
static void ctime_text(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(buf, len, "%a %b %e %H:%M:%S %Y\n", &tm))
        snprintf(buf, len, "\n");
}

static char *escaped(const char *s)
{
    return lr_cfg_escape(s ? s : "");
}

int lr_vgedit_render_first(const lr_vgedit_format_opts_t *opts, const lr_vgedit_layout_t *lay,
                           const char *pv_uuid, const char *vg_uuid, char **text, size_t *len,
                           lr_error_t *err)
{
    char pvid[LR_UUID_STR_LEN + 1], vgid[LR_UUID_STR_LEN + 1];
    if (lr_uuid_format(pv_uuid, pvid, sizeof(pvid)) || lr_uuid_format(vg_uuid, vgid, sizeof(vgid)))
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid UUID");
    struct utsname u;
    if (uname(&u))
        memset(&u, 0, sizeof(u));
    time_t now = time(NULL);
    char when[64];
    ctime_text(now, when, sizeof(when));
    char *dev = escaped(opts->device_hint), *desc = escaped(opts->description),
         *host = escaped(u.nodename);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = (dev && desc && host) ? open_memstream(&buf, &n) : NULL;
    if (!f) {
        free(dev), free(desc), free(host);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    /* Byte for byte what vgcreate writes to the metadata area (raw export:
     * no indentation, no comments but those inside format strings). */
    fprintf(f,
            "%s {\nid = \"%s\"\nseqno = 1\nformat = \"lvm2\"\n"
            "status = [\"RESIZEABLE\", \"READ\", \"WRITE\"]\nflags = []\n"
            "extent_size = %" PRIu64 "\nmax_lv = 0\nmax_pv = 0\nmetadata_copies = 0\n\n"
            "physical_volumes {\n\n%s {\nid = \"%s\"\ndevice = \"%s\"\n\n"
            "status = [\"ALLOCATABLE\"]\nflags = []\ndev_size = %" PRIu64 "\n"
            "pe_start = %" PRIu64 "\npe_count = %" PRIu64 "\n}\n}\n\n\n}\n",
            opts->vg_name, vgid, lay->extent_size / 512, opts->pv_key, pvid, dev,
            lay->dev_size / 512, lay->pe_start / 512, lay->pe_count);
    fprintf(f,
            "# Generated by mlvm (lvmrescue) version %s: %s\n"
            "contents = \"Text Format Volume Group\"\nversion = 1\n\n"
            "description = \"%s\"\n\n"
            "creation_host = \"%s\"\t# %s %s %s %s %s\n"
            "creation_time = %lld\t# %s\n",
            LR_VERSION, when, desc, host, u.sysname, u.nodename, u.release, u.version, u.machine,
            (long long)now, when);
    int bad = ferror(f);
    fclose(f);
    free(dev), free(desc), free(host);
    if (bad || !buf) {
        free(buf);
        return lr_error_set(err, -ENOMEM, LR_NO_OFFSET, "out of memory");
    }
    *text = buf;
    *len = n;
    return 0;
}

/* ---- formatting ---- */

static int check_opts(const lr_vgedit_format_opts_t *o, lr_error_t *err)
{
    int rc = lr_vgedit_check_name(o->vg_name, false, err);
    if (rc)
        return rc;
    /* The PV key names a config section that LV segments refer to; keep it
     * to VG-name characters so it never needs quoting. */
    if ((rc = lr_vgedit_check_name(o->pv_key, false, err)))
        return lr_error_prefix(err, "invalid PV section name", rc);
    return 0;
}

/* Parses and checks the rendered text as the loader will, and that it fits
 * every area. */
static int check_first(const char *text, size_t len, const lr_vgedit_layout_t *lay, lr_error_t *err)
{
    lr_vg_t *vg = NULL;
    int rc = lr_vg_parse(text, len, &vg, err);
    if (!rc)
        rc = lr_vg_check(vg, err);
    lr_vg_free(vg);
    if (rc)
        return lr_error_prefix(err, "generated metadata is invalid", rc);
    for (unsigned i = 0; i < lay->n_mda; i++)
        if (len + 1 > lr_mda_max_text(lay->mda_size[i]))
            return lr_error_set(err, LR_ELIMIT, LR_NO_OFFSET,
                                "metadata (%zu bytes) does not fit metadata area %u (at most "
                                "%" PRIu64 " bytes); the metadata areas must be larger",
                                len + 1, i + 1, lr_mda_max_text(lay->mda_size[i]));
    return 0;
}

static void build_label(const lr_vgedit_layout_t *lay, const char *pv_uuid, lr_label_t *l)
{
    memset(l, 0, sizeof(*l));
    l->sector = 1;
    l->offset = 32;
    memcpy(l->type, LR_LABEL_TYPE, 8);
    memcpy(l->pv_uuid, pv_uuid, LR_PV_UUID_LEN);
    l->device_size = lay->dev_size;
    l->n_data = 1;
    l->data[0] = (lr_disk_locn_t){lay->pe_start, 0};
    l->n_mda = lay->n_mda;
    for (unsigned i = 0; i < lay->n_mda; i++)
        l->mda[i] = (lr_disk_locn_t){lay->mda_start[i], lay->mda_size[i]};
    /* Extension version 2 with PV_EXT_USED: the PV belongs to a VG. */
    l->has_ext = true;
    l->ext_version = 2;
    l->ext_flags = 1;
}

static int zero_range(lr_io_t *io, uint64_t off, uint64_t len, lr_error_t *err)
{
    static const uint8_t zero[4096];
    while (len) {
        size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
        int rc = lr_io_pwrite(io, zero, n, off, err);
        if (rc)
            return rc;
        off += n;
        len -= n;
    }
    return 0;
}

typedef struct plan {
    lr_vgedit_layout_t lay;
    lr_label_t label;
    char *text;
    size_t len;
} plan_t;

/* Everything that can fail without writing: signatures, layout, text,
 * label encoding. */
static int make_plan(lr_io_t *io, const lr_vgedit_format_opts_t *o, plan_t *p, lr_error_t *err)
{
    const char *what;
    uint64_t off;
    int rc = lr_vgedit_detect_signature(io, &what, &off, err);
    if (rc)
        return rc;
    /* Overridable: the caller may insist, as pvcreate -ff does. */
    if (what && !o->force)
        return lr_error_refuse(err, LR_HINT_FORCE,
                               "found %s at byte %" PRIu64 "; refusing to format over it", what,
                               off);
    if ((rc = lr_vgedit_layout(lr_io_size(io), o, &p->lay, err)))
        return rc;
    char pv_uuid[33], vg_uuid[33];
    lr_uuid_generate(pv_uuid);
    lr_uuid_generate(vg_uuid);
    if ((rc = lr_vgedit_render_first(o, &p->lay, pv_uuid, vg_uuid, &p->text, &p->len, err)))
        return rc;
    if ((rc = check_first(p->text, p->len, &p->lay, err)))
        return rc;
    build_label(&p->lay, pv_uuid, &p->label);
    /* Check the label as a reader will see it: encoded, parsed back. */
    uint8_t sector[LR_SECTOR_SIZE];
    lr_label_t back;
    if ((rc = lr_label_build(&p->label, sector, sizeof(sector), err)))
        return rc;
    if ((rc = lr_label_parse(sector, sizeof(sector), p->label.sector, &back, err)))
        return rc;
    return lr_label_validate(&back, p->lay.dev_size, err);
}

/* pvcreate's steps (zero the label sectors, wipe signatures and the area
 * starts, area headers) then vgcreate's commit and the label. Several write
 * the same bytes (a header over a zeroed area start): the image gets them
 * through write_once. */
static int write_steps(lr_io_t *io, const plan_t *p, lr_error_t *err)
{
    int rc = zero_range(io, 0, 2048, err);
    if (!rc)
        rc = wipe_signatures(io, err);
    for (unsigned i = 0; !rc && i < p->lay.n_mda; i++) {
        uint64_t wipe = p->lay.mda_size[i] < 4096 ? p->lay.mda_size[i] : 4096;
        rc = zero_range(io, p->lay.mda_start[i], wipe, err);
    }
    lr_mda_header_t h[2];
    for (unsigned i = 0; !rc && i < p->lay.n_mda; i++)
        rc = lr_mda_init(io, 0, p->lay.mda_start[i], p->lay.mda_size[i], &h[i], err);
    for (unsigned i = 0; !rc && i < p->lay.n_mda; i++)
        rc = lr_mda_commit(io, 0, &h[i], p->text, p->len + 1, err);
    if (!rc)
        rc = lr_label_write(io, 0, &p->label, err);
    if (!rc)
        rc = lr_io_sync(io, err);
    return rc;
}

/* Bytes of the image that the same step wrote last. */
typedef struct piece {
    size_t step; /* index into the steps' writes */
    uint64_t offset, end;
} piece_t;

/* The last of the n steps' writes that covers [off, end), or n. */
static size_t last_step(const lr_txn_write_t *w, size_t n, uint64_t off, uint64_t end)
{
    for (size_t k = n; k-- > 0;)
        if (w[k].offset < end && off < w[k].offset + w[k].length)
            return k;
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_piece(const void *a, const void *b)
{
    const piece_t *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Cuts the image at every start and end of a write and keeps each run of
 * bytes with the step that wrote it last, in step order. */
static int pieces_of(const lr_txn_write_t *w, size_t n, piece_t **out, size_t *n_out,
                     lr_error_t *err)
{
    uint64_t *cut = malloc((2 * n + 1) * sizeof(*cut));
    piece_t *pc = malloc((2 * n + 1) * sizeof(*pc));
    if (!cut || !pc) {
        free(cut);
        free(pc);
        return lr_error_oom(err);
    }
    for (size_t k = 0; k < n; k++) {
        cut[2 * k] = w[k].offset;
        cut[2 * k + 1] = w[k].offset + w[k].length;
    }
    qsort(cut, 2 * n, sizeof(*cut), cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i + 1 < 2 * n; i++) {
        size_t k = cut[i] < cut[i + 1] ? last_step(w, n, cut[i], cut[i + 1]) : n;
        if (k == n)
            continue;
        if (m && pc[m - 1].step == k && pc[m - 1].end == cut[i])
            pc[m - 1].end = cut[i + 1];
        else
            pc[m++] = (piece_t){k, cut[i], cut[i + 1]};
    }
    free(cut);
    qsort(pc, m, sizeof(*pc), cmp_piece);
    *out = pc;
    *n_out = m;
    return 0;
}

/* Writes every piece once, from the bytes its step wrote, in the steps'
 * order (so a text is on disk before the header pointing at it, and the
 * label last), syncing where the step synced. */
static int write_pieces(lr_io_t *io, const lr_txn_write_t *w, const piece_t *pc, size_t n,
                        lr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const lr_txn_write_t *s = &w[pc[i].step];
        int rc = lr_io_pwrite(io, s->after + (pc[i].offset - s->offset),
                              (size_t)(pc[i].end - pc[i].offset), pc[i].offset, err);
        bool step_done = i + 1 == n || pc[i + 1].step != pc[i].step;
        if (!rc && step_done && s->sync_after)
            rc = lr_io_sync(io, err);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct format_run {
    const plan_t *p;
    const char *path;
} format_run_t;

/* The transaction's routine: the steps are made on a record layer of their
 * own (core's, lr_txn_record_io), and what they leave is written so that
 * every byte is written once, as the transaction wants. */
static int write_once(void *arg, lr_txn_t *t, lr_io_t *const *ios, lr_error_t *err)
{
    const format_run_t *f = arg;
    (void)t;
    lr_txn_t *steps = NULL;
    lr_io_t *rec = NULL;
    piece_t *pc = NULL;
    size_t n = 0;
    int rc = lr_txn_new(&steps, 1, &f->path, err);
    if (!rc)
        rc = lr_txn_record_io(steps, 0, ios[0], &rec, err);
    if (!rc)
        rc = write_steps(rec, f->p, err);
    if (!rc)
        rc = pieces_of(lr_txn_writes(steps), lr_txn_n_writes(steps), &pc, &n, err);
    if (!rc)
        rc = write_pieces(ios[0], lr_txn_writes(steps), pc, n, err);
    free(pc);
    lr_io_close(rec, NULL);
    lr_txn_free(steps);
    return rc;
}

int lr_vgedit_format(const char *path, const lr_vgedit_format_opts_t *opts,
                     lr_vgedit_layout_t *out_layout, lr_error_t *err)
{
    return lr_vgedit_format_ex(path, opts, NULL, out_layout, err);
}

int lr_vgedit_format_ex(const char *path, const lr_vgedit_format_opts_t *opts,
                        const lr_vgedit_io_opts_t *io, lr_vgedit_layout_t *out_layout,
                        lr_error_t *err)
{
    lr_vgedit_format_opts_t o;
    lr_vgedit_format_defaults(&o);
    if (opts) {
        o = *opts;
        if (!o.vg_name)
            o.vg_name = LR_VGEDIT_DEFAULT_VG;
        if (!o.pv_key)
            o.pv_key = LR_VGEDIT_DEFAULT_PV;
    }
    if (!o.device_hint)
        o.device_hint = path;
    int rc = check_opts(&o, err);
    if (rc)
        return lr_error_wrap(err, path, rc);
    lr_io_t *io_h = NULL;
    if ((rc = ed_open_rw(io, path, &io_h, err)))
        return lr_error_wrap(err, path, rc);
    plan_t p;
    memset(&p, 0, sizeof(p));
    format_run_t f = {&p, path};
    lr_txn_ops_t ops = {.write = write_once, .arg = &f};
    rc = make_plan(io_h, &o, &p, err);
    if (!rc)
        rc = ed_write(io_h, path, io ? io->undo_path : NULL, &ops, NULL, err);
    int crc = lr_io_close(io_h, rc ? NULL : err);
    if (!rc)
        rc = crc;
    free(p.text);
    if (rc)
        return lr_error_wrap(err, path, rc);
    if (out_layout)
        *out_layout = p.lay;
    return 0;
}
