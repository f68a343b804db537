/* lvmscan: find every LVM2 PV label, metadata area and metadata copy in raw
 * disk images and show the volume groups and their history. Argument
 * parsing and output only; the work is lrscan's (lr/scan.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lr/btrfs.h"
#include "lr/evidence.h"
#include "lr/fmt.h"
#include "lr/label.h"
#include "lr/mem.h"
#include "lr/raidscan.h"
#include "lr/safety.h"
#include "lr/scan.h"
#include "lr/strbuf.h"

enum { EXIT_FOUND = 0, EXIT_NOTHING = 1, EXIT_USAGE = 2 };

typedef struct cli {
    bool json;
    bool quiet;
    bool brief;
    bool no_evidence;
    bool headers;
    bool progress;
    bool check_raid;      /* --check-raid: compare raid1/mirror legs */
    const char *snapshot; /* --snapshot: the qcow2 internal snapshot to read */
    unsigned flags;
    const char *const *paths;
    size_t n_paths;
} cli_t;

/* ---- small formatting helpers ----------------------------------------- */

/* Sizes as "32.0 MiB" and times in UTC, "-" when unknown. */
static const char *human(uint64_t n, char *buf, size_t len)
{
    return lr_fmt_size(n, 0, buf, len);
}

static const char *when(int64_t t, char *buf, size_t len)
{
    return lr_fmt_time(t, 0, "-", buf, len);
}

/* Terminal-safe copy of text from an image (lr_tty_safe: control bytes
 * and bytes that are not UTF-8 are shown as '?'). */
static const char *safe(const char *s, char *buf, size_t len)
{
    return lr_tty_safe(s, buf, len);
}

/* "Write from lvremove -f vg0/lv3 --config '...'." -> "lvremove -f vg0/lv3"
 * (lr_evidence_command drops LVM2's --config noise) */
static const char *command_of(const char *desc, char *buf, size_t len)
{
    if (!desc)
        return "-";
    char *cmd = lr_evidence_command(desc);
    /* an archive file's version is the state before its command ran */
    const char *b = "Created *before* executing '";
    if (cmd && strncmp(desc, b, strlen(b)) == 0) {
        char tmp[256];
        snprintf(buf, len, "(archived before %s)", safe(cmd, tmp, sizeof(tmp)));
    } else {
        safe(cmd ? cmd : desc, buf, len);
    }
    free(cmd);
    return buf;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- JSON -------------------------------------------------------------- */

static void json_key(FILE *f, const char *k, bool *first)
{
    if (!*first)
        fputc(',', f);
    *first = false;
    fprintf(f, "\"%s\":", k);
}

static void jk_str(FILE *f, const char *k, const char *v, bool *first)
{
    json_key(f, k, first);
    lr_json_fputs(v, f);
}

static void jk_u64(FILE *f, const char *k, uint64_t v, bool *first)
{
    json_key(f, k, first);
    fprintf(f, "%" PRIu64, v);
}

static void jk_off(FILE *f, const char *k, uint64_t v, bool *first)
{
    json_key(f, k, first);
    if (v == LR_SCAN_UNKNOWN)
        fputs("null", f);
    else
        fprintf(f, "%" PRIu64, v);
}

static void jk_int(FILE *f, const char *k, long v, bool null_if_negative, bool *first)
{
    json_key(f, k, first);
    if (v < 0 && null_if_negative)
        fputs("null", f);
    else
        fprintf(f, "%ld", v);
}

static void jk_bool(FILE *f, const char *k, bool v, bool *first)
{
    json_key(f, k, first);
    fputs(v ? "true" : "false", f);
}

static void jk_u64_or_null(FILE *f, const char *k, uint64_t v, bool known, bool *first)
{
    json_key(f, k, first);
    if (known)
        fprintf(f, "%" PRIu64, v);
    else
        fputs("null", f);
}

static void jk_crc(FILE *f, const char *k, uint32_t v, bool *first)
{
    json_key(f, k, first);
    fprintf(f, "\"0x%08" PRIx32 "\"", v);
}

static void jk_time(FILE *f, const char *k, int64_t v, bool *first)
{
    json_key(f, k, first);
    if (v)
        fprintf(f, "%" PRId64, v);
    else
        fputs("null", f);
}

static void json_locns(FILE *f, const char *k, const lr_disk_locn_t *l, size_t n, bool *first)
{
    json_key(f, k, first);
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s{\"offset\":%" PRIu64 ",\"size\":%" PRIu64 "}", i ? "," : "", l[i].offset,
                l[i].size);
    fputc(']', f);
}

/* "partition" (its number) and "partition_start_sector", null when the
 * image has no partition table or none holds the PV. */
static void json_partition(FILE *f, int partition, uint64_t start, bool *first)
{
    jk_int(f, "partition", partition > 0 ? partition : -1, true, first);
    jk_off(f, "partition_start_sector", partition > 0 ? start : LR_SCAN_UNKNOWN, first);
}

static void json_partitions(FILE *f, const lr_scan_image_t *im, bool *first)
{
    json_key(f, "partitions", first);
    fputc('[', f);
    for (size_t i = 0; i < im->n_partitions; i++)
        fprintf(f, "%s{\"number\":%d,\"start_sector\":%" PRIu64 ",\"sectors\":%" PRIu64 "}",
                i ? "," : "", im->partitions[i].number, im->partitions[i].start,
                im->partitions[i].size);
    fputc(']', f);
}

/* "warnings": what the image's I/O layer noted and read anyway. */
static void json_warnings(FILE *f, const lr_scan_image_t *im, bool *first)
{
    json_key(f, "warnings", first);
    fputc('[', f);
    for (size_t i = 0; i < im->n_warnings; i++) {
        if (i)
            fputc(',', f);
        lr_json_fputs(im->warnings[i], f);
    }
    fputc(']', f);
}

/* "btrfs_unread": data btrfs compressed that this build cannot decode,
 * per compression (lr_scan_image_t.btrfs_unread). */
static void json_unread(FILE *f, const lr_scan_image_t *im, bool *first)
{
    json_key(f, "btrfs_unread", first);
    fprintf(f, "{\"lzo\":%zu,\"zstd\":%zu}", im->btrfs_unread[LR_BTRFS_LZO],
            im->btrfs_unread[LR_BTRFS_ZSTD]);
}

/* Says what of an image this build could not decode (compression k of
 * lr_scan_image_t.btrfs_unread, n > 0). */
static void unread_words(size_t k, size_t n, char *buf, size_t len)
{
    if (k == LR_BTRFS_LZO)
        snprintf(buf, len,
                 "%zu LVM2 backup file%s btrfs compressed with lzo not read: this lvmscan was "
                 "built without liblzo2 (rebuild it with liblzo2-dev installed)",
                 n, n == 1 ? "" : "s");
    else
        snprintf(buf, len,
                 "%zu btrfs inline file%s or zstd frame%s at a sector start (btrfs's, or "
                 "another program's) not looked into: this lvmscan was built without "
                 "libzstd, so LVM2 backup files among them are not found (rebuild it with "
                 "libzstd-dev installed)",
                 n, n == 1 ? "" : "s", n == 1 ? "" : "s");
}

static void json_images(FILE *f, const lr_scan_t *s)
{
    fputs("\"images\":[", f);
    for (size_t i = 0; i < s->n_images; i++) {
        const lr_scan_image_t *im = &s->images[i];
        bool first = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "path", im->path, &first);
        jk_u64(f, "size", im->size, &first);
        jk_bool(f, "gzip", im->gzip, &first);
        jk_str(f, "format", im->format || !im->opened ? im->format : "raw", &first);
        jk_u64(f, "scanned", im->scanned, &first);
        jk_bool(f, "truncated", im->truncated, &first);
        jk_bool(f, "text_file", im->text_file, &first);
        jk_str(f, "error", im->error ? im->error_msg : NULL, &first);
        jk_u64(f, "unreadable", im->unreadable, &first);
        json_unread(f, im, &first);
        jk_u64(f, "btrfs_zstd_large", im->btrfs_zstd_large, &first);
        json_partitions(f, im, &first);
        json_warnings(f, im, &first);
        jk_u64(f, "snapshots", im->snapshots, &first);
        jk_str(f, "snapshot", im->snapshot, &first);
        fputc('}', f);
    }
    fputc(']', f);
}

/* A flag word in JSON: its value, the names of its known bits, the rest. */
static void json_flags(FILE *f, uint32_t flags, uint32_t known, const char *(*name)(uint32_t),
                       bool *first)
{
    jk_u64(f, "flags", flags, first);
    json_key(f, "flag_names", first);
    fputc('[', f);
    const char *sep = "";
    for (uint32_t bit = 1; bit && bit <= flags; bit <<= 1)
        if ((flags & known & bit) && name(bit)) {
            fputs(sep, f);
            lr_json_fputs(name(bit), f);
            sep = ",";
        }
    fputc(']', f);
    jk_u64(f, "unknown_flags", flags & ~known, first);
}

/* "headers" of a label: the label_header and pv_header_extension fields
 * the other keys do not carry (--headers prints them all). */
static void json_label_headers(FILE *f, const lr_label_t *lb, bool *first)
{
    json_key(f, "headers", first);
    bool f2 = true;
    fputc('{', f);
    jk_crc(f, "crc", lb->crc, &f2);
    jk_crc(f, "crc_expected", lb->crc_calc, &f2);
    jk_u64(f, "pv_header_offset", lb->offset, &f2);
    jk_str(f, "type", lb->type, &f2);
    jk_str(f, "pv_uuid_raw", lb->pv_uuid, &f2);
    json_key(f, "extension", &f2);
    if (!lb->has_ext) {
        fputs("null}", f);
        return;
    }
    bool f3 = true;
    fputc('{', f);
    jk_u64(f, "version", lb->ext_version, &f3);
    json_flags(f, lb->ext_flags, LR_PV_EXT_KNOWN_FLAGS, lr_pv_ext_flag_name, &f3);
    fputs("}}", f);
}

/* "headers" of an area: every field of its mda header, null without one. */
static void json_area_headers(FILE *f, const lr_mda_header_t *h, bool *first)
{
    json_key(f, "headers", first);
    if (!h) {
        fputs("null", f);
        return;
    }
    bool f2 = true;
    fputc('{', f);
    jk_crc(f, "checksum", h->checksum, &f2);
    jk_crc(f, "checksum_expected", h->checksum_calc, &f2);
    jk_bool(f, "checksum_ok", h->checksum_ok, &f2);
    jk_str(f, "magic", LR_MDA_MAGIC, &f2);
    jk_u64(f, "version", h->version, &f2);
    jk_u64(f, "start", h->start, &f2);
    jk_u64(f, "size", h->size, &f2);
    json_key(f, "raw_locns", &f2);
    fputc('[', f);
    for (size_t i = 0; i < h->n_locn; i++) {
        const lr_raw_locn_t *l = &h->locn[i];
        bool f3 = true;
        fputs(i ? ",{" : "{", f);
        jk_u64(f, "offset", l->offset, &f3);
        jk_u64(f, "size", l->size, &f3);
        jk_crc(f, "checksum", l->checksum, &f3);
        json_flags(f, l->flags, LR_RAW_LOCN_KNOWN_FLAGS, lr_raw_locn_flag_name, &f3);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* The first label before label i that carries its PV UUID (at another
 * place: the same file given twice, or a copy of the disk); LVM2 sees
 * duplicate PVs then and uses only one of them. -1 when none. */
static int duplicate_label(const lr_scan_t *s, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->labels[j].label.pv_uuid, s->labels[i].label.pv_uuid) == 0)
            return (int)j;
    return -1;
}

static void json_labels(FILE *f, const lr_scan_t *s)
{
    fputs(",\"labels\":[", f);
    for (size_t i = 0; i < s->n_labels; i++) {
        const lr_scan_label_t *l = &s->labels[i];
        char uuid[LR_UUID_STR_LEN + 1];
        if (lr_uuid_format(l->label.pv_uuid, uuid, sizeof(uuid)) != 0)
            snprintf(uuid, sizeof(uuid), "%s", l->label.pv_uuid);
        bool first = true;
        fputs(i ? ",{" : "{", f);
        jk_u64(f, "image", (uint64_t)l->image, &first);
        jk_u64(f, "offset", l->offset, &first);
        jk_u64(f, "pv_start", l->pv_start, &first);
        json_partition(f, l->partition, l->partition_start, &first);
        jk_u64(f, "sector", l->label.sector, &first);
        jk_str(f, "pv_uuid", uuid, &first);
        jk_bool(f, "crc_ok", l->label.crc_ok, &first);
        jk_bool(f, "valid", l->valid, &first);
        jk_int(f, "duplicate_of", duplicate_label(s, i), true, &first);
        jk_u64(f, "device_size", l->label.device_size, &first);
        json_locns(f, "data_areas", l->label.data, l->label.n_data, &first);
        json_locns(f, "metadata_areas", l->label.mda, l->label.n_mda, &first);
        json_locns(f, "bootloader_areas", l->label.ba, l->label.n_ba, &first);
        json_label_headers(f, &l->label, &first);
        fputc('}', f);
    }
    fputc(']', f);
}

static const char *primary_source(unsigned src)
{
    if (src & LR_SCAN_SRC_LABEL)
        return lr_scan_source_name(LR_SCAN_SRC_LABEL);
    if (src & LR_SCAN_SRC_MAGIC)
        return lr_scan_source_name(LR_SCAN_SRC_MAGIC);
    return lr_scan_source_name(LR_SCAN_SRC_INFERRED);
}

static void json_committed(FILE *f, const lr_scan_area_t *a, bool *first)
{
    json_key(f, "committed", first);
    if (!a->header || !a->header->n_locn || !a->header->locn[0].offset) {
        fputs("null", f);
        return;
    }
    const lr_raw_locn_t *l = &a->header->locn[0];
    bool f2 = true;
    fputc('{', f);
    /* a hostile offset may not add up to an image offset */
    if (l->offset <= UINT64_MAX - a->offset)
        jk_u64(f, "offset", a->offset + l->offset, &f2);
    else
        jk_off(f, "offset", LR_SCAN_UNKNOWN, &f2);
    jk_u64(f, "size", l->size, &f2);
    jk_crc(f, "checksum", l->checksum, &f2);
    jk_int(f, "copy", a->committed, true, &f2);
    fputc('}', f);
}

static void json_areas(FILE *f, const lr_scan_t *s)
{
    fputs(",\"metadata_areas\":[", f);
    for (size_t i = 0; i < s->n_areas; i++) {
        const lr_scan_area_t *a = &s->areas[i];
        bool first = true;
        fputs(i ? ",{" : "{", f);
        jk_u64(f, "image", (uint64_t)a->image, &first);
        jk_u64(f, "offset", a->offset, &first);
        jk_off(f, "pv_start", a->pv_start, &first);
        jk_u64(f, "size", a->size, &first);
        jk_u64(f, "size_recorded", a->size_recorded, &first);
        jk_bool(f, "header_found", a->header != NULL, &first);
        jk_bool(f, "header_ok", a->header_ok, &first);
        json_committed(f, a, &first);
        jk_str(f, "source", primary_source(a->source), &first);
        json_key(f, "sources", &first);
        fputc('[', f);
        bool f2 = true;
        for (unsigned b = LR_SCAN_SRC_LABEL; b <= LR_SCAN_SRC_INFERRED; b <<= 1)
            if (a->source & b) {
                fputs(f2 ? "" : ",", f);
                lr_json_fputs(lr_scan_source_name(b), f);
                f2 = false;
            }
        fputc(']', f);
        jk_int(f, "label", a->label, true, &first);
        jk_int(f, "mda_index", a->mda_index, true, &first);
        char uuid[LR_UUID_STR_LEN + 1] = "";
        if (a->pv_id[0] && lr_uuid_format(a->pv_id, uuid, sizeof(uuid)) != 0)
            snprintf(uuid, sizeof(uuid), "%s", a->pv_id);
        jk_str(f, "pv_uuid", a->pv_id[0] ? uuid : NULL, &first);
        json_area_headers(f, a->header, &first);
        fputc('}', f);
    }
    fputc(']', f);
}

/* Why a filesystem's log was not (wholly) replayed: the JSON's word and
 * the report's. */
static const char *log_why_word(uint8_t why)
{
    switch (why) {
    case LR_SCAN_LOG_XFS_DIRTY:
        return "xfs_log_dirty";
    case LR_SCAN_LOG_XFS_UNKNOWN:
        return "xfs_log_not_known_clean";
    case LR_SCAN_LOG_EXT_EXTERNAL:
        return "journal_on_another_device";
    case LR_SCAN_LOG_EXT_UNREADABLE:
        return "journal_unreadable";
    case LR_SCAN_LOG_EXT_LIMIT:
        return "journal_past_limit";
    case LR_SCAN_LOG_EXT_REOPEN:
        return "journal_replay_does_not_open";
    case LR_SCAN_LOG_EXT_FAST_COMMIT:
        return "fast_commits_not_replayed";
    case LR_SCAN_LOG_EXT_BAD_COPIES:
        return "logged_copies_bad_checksums";
    case LR_SCAN_LOG_EXT_CORRUPT:
        return "journal_transaction_corrupt";
    case LR_SCAN_LOG_XFS_INTENTS:
        return "xfs_block_map_updates_unfinished";
    default:
        return NULL;
    }
}

static void json_copy(FILE *f, const lr_scan_copy_t *c)
{
    bool first = true;
    fputc('{', f);
    jk_u64(f, "image", (uint64_t)c->image, &first);
    jk_u64(f, "offset", c->offset, &first);
    jk_u64(f, "length", c->length, &first);
    jk_crc(f, "crc", c->crc, &first);
    jk_bool(f, "committed", c->committed, &first);
    jk_bool(f, "committed_bad_header", c->committed_bad_header, &first);
    jk_bool(f, "precommitted", c->precommitted, &first);
    json_key(f, "crc_ok", &first);
    fputs(c->slot_size && !c->crc_unknown ? (c->crc_ok ? "true" : "false") : "null", f);
    jk_bool(f, "wrapped", c->wrapped, &first);
    jk_off(f, "wrap_offset", c->wrap_offset, &first);
    jk_u64(f, "first_length", c->first_len, &first);
    jk_bool(f, "partial", c->partial, &first);
    jk_bool(f, "unreadable", c->unreadable, &first);
    jk_bool(f, "unsure", c->unsure, &first);
    jk_bool(f, "ends_whole", c->ends_whole, &first);
    jk_bool(f, "orphan", c->orphan, &first);
    jk_bool(f, "parse_ok", c->parse_ok, &first);
    jk_str(f, "parse_error", c->parse_error, &first);
    jk_int(f, "area", c->area, true, &first);
    jk_str(f, "found_by",
           (c->source & LR_SCAN_COPY_SIGNATURE)  ? "signature"
           : (c->source & LR_SCAN_COPY_FRAGMENT) ? "fragment"
           : (c->source & LR_SCAN_COPY_BACKUP)   ? "backup_file"
                                                 : "raw_locn",
           &first);
    jk_str(f, "btrfs_compression", lr_btrfs_compression_name(c->btrfs_compression), &first);
    jk_u64(f, "stored_length", c->btrfs_compression ? c->stored_len : c->length, &first);
    jk_bool(f, "btrfs_inline", c->btrfs_inline, &first);
    jk_bool(f, "btrfs_file", c->btrfs_file, &first);
    jk_off(f, "btrfs_offset", c->btrfs_file ? c->btrfs_offset : LR_SCAN_UNKNOWN, &first);
    jk_u64_or_null(f, "btrfs_sums_checked", c->btrfs_sums.checked, c->btrfs_file, &first);
    jk_u64_or_null(f, "btrfs_sums_not_stored", c->btrfs_sums.unstored, c->btrfs_file, &first);
    jk_u64_or_null(f, "btrfs_sums_not_verified", c->btrfs_sums.unverified, c->btrfs_file, &first);
    jk_bool(f, "extfs_file", c->extfs_file, &first);
    jk_int(f, "extfs_inode", c->extfs_ino ? (long)c->extfs_ino : -1, true, &first);
    jk_off(f, "extfs_offset", c->extfs_ino ? c->extfs_offset : LR_SCAN_UNKNOWN, &first);
    jk_bool(f, "xfs_file", c->xfs_file, &first);
    jk_u64_or_null(f, "xfs_inode", c->xfs_ino, c->xfs_ino != 0, &first);
    jk_off(f, "xfs_offset", c->xfs_ino ? c->xfs_offset : LR_SCAN_UNKNOWN, &first);
    jk_str(f, "fs_log",
           c->fs_log_pending && c->fs_log_replayed ? "partly_replayed"
           : c->fs_log_pending                     ? "not_replayed"
           : c->fs_log_replayed                    ? "replayed"
                                                   : NULL,
           &first);
    jk_str(f, "fs_log_why", c->fs_log_pending ? log_why_word(c->fs_log_why) : NULL, &first);
    jk_int(f, "extfs_journal_inode", c->extfs_journal_ino ? (long)c->extfs_journal_ino : -1, true,
           &first);
    jk_int(f, "extfs_journal_transaction", c->extfs_journal_ino ? (long)c->extfs_journal_seq : -1,
           true, &first);
    jk_bool(f, "extfs_journal_unsure", c->extfs_journal_ino && c->extfs_journal_unsure, &first);
    json_key(f, "pieces", &first);
    if (!c->n_pieces)
        fputs("null", f);
    for (uint32_t i = 0; i < c->n_pieces; i++)
        fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]%s", i ? ", " : "[", c->pieces[i].offset,
                c->pieces[i].len, i + 1 == c->n_pieces ? "]" : "");
    jk_str(f, "vg_name", c->vg_name, &first);
    jk_str(f, "vg_id", c->vg_id[0] ? c->vg_id : NULL, &first);
    jk_u64(f, "seqno", c->seqno, &first);
    jk_time(f, "creation_time", c->creation_time, &first);
    jk_str(f, "creation_host", c->creation_host, &first);
    jk_str(f, "description", c->description, &first);
    jk_crc(f, "section_crc", c->section_crc, &first);
    jk_int(f, "lvs", c->n_lvs, true, &first);
    jk_int(f, "vg", c->vg, true, &first);
    fputc('}', f);
}

static void json_copies(FILE *f, const lr_scan_t *s)
{
    fputs(",\"copies\":[", f);
    for (size_t i = 0; i < s->n_copies; i++) {
        if (i)
            fputc(',', f);
        json_copy(f, &s->copies[i]);
    }
    fputc(']', f);
}

/* "pvs" (the latest version's) or "old_pvs" (only older versions'). */
static void json_vg_pvs(FILE *f, const char *key, const lr_scan_vg_pv_t *pvs, size_t n)
{
    fprintf(f, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        const lr_scan_vg_pv_t *pv = &pvs[i];
        bool found = pv->found != LR_SCAN_PV_MISSING;
        bool first = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "id", pv->id, &first);
        jk_str(f, "name", pv->key, &first);
        jk_str(f, "device", pv->device, &first);
        jk_u64(f, "dev_size", pv->dev_size, &first);
        jk_u64(f, "pe_start", pv->pe_start, &first);
        jk_str(f, "found", lr_scan_pv_found_name(pv->found), &first);
        jk_int(f, "image", found ? pv->image : -1, true, &first);
        jk_off(f, "pv_start", found ? pv->pv_start : LR_SCAN_UNKNOWN, &first);
        json_partition(f, found ? pv->partition : 0, pv->partition_start, &first);
        json_key(f, "latest_seqno", &first);
        if (found && pv->has_seqno)
            fprintf(f, "%" PRIu64, pv->latest_seqno);
        else
            fputs("null", f);
        fputc('}', f);
    }
    fputc(']', f);
}

/* A pool's thin LVs and what its metadata says of their devices. */
static void json_thin_lvs(FILE *f, const lr_scan_thin_pool_t *p, bool *first)
{
    json_key(f, "thin_lvs", first);
    fputc('[', f);
    for (size_t i = 0; i < p->n_thin_lvs; i++) {
        const lr_scan_thin_lv_t *t = &p->thin_lvs[i];
        bool tf = true, in = t->in_metadata;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "lv", t->lv, &tf);
        jk_u64(f, "device_id", t->device_id, &tf);
        jk_bool(f, "in_metadata", in, &tf);
        jk_u64_or_null(f, "mapped", t->mapped, in, &tf);
        jk_u64_or_null(f, "highest", t->highest, in && t->mapped, &tf);
        jk_u64_or_null(f, "shared", t->shared, in && t->shared != UINT64_MAX, &tf);
        jk_u64_or_null(f, "lost_ranges", t->lost, in, &tf);
        jk_bool(f, "device_reused", t->reused, &tf);
        jk_u64_or_null(f, "device_created", t->created, t->reused, &tf);
        fputc('}', f);
    }
    fputc(']', f);
}

/* ---- evidence (lr/evidence.h) in the JSON --------------------------------- */

/* ---- raid and mirror LVs (lr/raidscan.h) -------------------------------- */

/* The versions whose raid/mirror LVs were checked (each VG's latest
 * complete version and its recommended one), filled by check_raids before
 * anything is printed; the report functions find a version's by pointer. */
typedef struct raid_check {
    const lr_scan_version_t *version;
    lr_raidscan_t *r;
} raid_check_t;

static struct {
    raid_check_t *v;
    size_t n;
    bool compare; /* legs compared (--check-raid) */
} raid_checks;

static const lr_raidscan_t *raid_of(const lr_scan_version_t *v)
{
    for (size_t i = 0; i < raid_checks.n; i++)
        if (raid_checks.v[i].version == v)
            return raid_checks.v[i].r;
    return NULL;
}

static void check_one(const lr_scan_session_t *ss, size_t g, int ver)
{
    const lr_scan_vg_t *vg = &lr_scan_result(ss)->vgs[g];
    if (ver < 0 || (size_t)ver >= vg->n_versions || raid_of(&vg->versions[ver]))
        return;
    lr_raidscan_t *r = NULL;
    lr_error_t err;
    char msg[512];
    if (lr_raidscan_version(ss, g, (size_t)ver, raid_checks.compare ? LR_RAIDSCAN_COMPARE : 0, &r,
                            &err) != 0) {
        fprintf(stderr, "lvmscan: VG %s seqno %" PRIu64 ": raid LVs not checked: %s\n", vg->name,
                vg->versions[ver].seqno, lr_error_format(&err, msg, sizeof(msg)));
        return;
    }
    raid_check_t *v = realloc(raid_checks.v, (raid_checks.n + 1) * sizeof(*v));
    if (!v) {
        lr_raidscan_free(r);
        return;
    }
    raid_checks.v = v;
    v[raid_checks.n++] = (raid_check_t){&vg->versions[ver], r};
}

/* Reads the _rmeta superblocks (and with compare every raid1/mirror leg)
 * of the latest and the recommended version of each VG only: the other
 * versions would mostly repeat them at the cost of reading them again. */
static void check_raids(const lr_scan_session_t *ss, const lr_evidence_t *ev, bool compare)
{
    const lr_scan_t *s = lr_scan_result(ss);
    raid_checks.compare = compare;
    for (size_t g = 0; g < s->n_vgs; g++) {
        check_one(ss, g, s->vgs[g].latest);
        const lr_ev_vg_t *e = ev ? &ev->vgs[g] : NULL;
        if (e && e->has_recommended)
            check_one(ss, g, e->recommended.version);
    }
}

static void free_raids(void)
{
    for (size_t i = 0; i < raid_checks.n; i++)
        lr_raidscan_free(raid_checks.v[i].r);
    free(raid_checks.v);
    raid_checks.v = NULL;
    raid_checks.n = 0;
}

static const char *raid_state_name(int state)
{
    if (state == LR_RAIDSCAN_WHOLE)
        return "whole";
    return state == LR_RAIDSCAN_DEGRADED ? "degraded" : "unreadable";
}

/* How a degraded segment is read (the engine says where from). */
static const char *degraded_words(const lr_raidscan_seg_t *e)
{
    switch (e->read_from) {
    case LR_RAIDSCAN_FROM_LEG:
        return "degraded: read from another leg";
    case LR_RAIDSCAN_FROM_COPY:
        return "degraded: read from another copy";
    case LR_RAIDSCAN_FROM_PARITY:
        return "degraded: rebuilt from parity";
    default:
        return "degraded";
    }
}

static void report_raid_legs(FILE *f, const lr_raidscan_seg_t *e)
{
    char b[128], m[128], w[600];
    for (size_t k = 0; k < e->n_legs; k++) {
        const lr_raidscan_leg_t *g = &e->legs[k];
        if (g->missing)
            fprintf(f, "                image %s missing: %s\n", safe(g->lv, b, sizeof(b)),
                    safe(g->why, w, sizeof(w)));
        if (g->pvmove_dest)
            fprintf(f, "                image %s not read: %s\n", safe(g->lv, b, sizeof(b)),
                    safe(g->why, w, sizeof(w)));
        if (g->failed)
            fprintf(f, "                image %s marked failed in the dm-raid superblock of %s\n",
                    safe(g->lv, b, sizeof(b)), safe(g->failed_by, m, sizeof(m)));
        if (g->recovering)
            fprintf(f,
                    "                image %s out of sync: recovered up to sector %" PRIu64
                    " (says %s)\n",
                    safe(g->lv, b, sizeof(b)), g->recovery_offset, safe(g->meta_lv, m, sizeof(m)));
    }
}

static void report_raid_compare(FILE *f, const lr_raidscan_seg_t *e)
{
    char w[600];
    if (e->compare == LR_RAIDSCAN_CMP_FAILED) {
        fprintf(f, "                legs not compared: %s\n", safe(e->compare_error, w, sizeof(w)));
        return;
    }
    if (e->compare != LR_RAIDSCAN_CMP_DONE)
        return;
    if (!e->differ) {
        fprintf(f, "                %zu legs compared: the same data (%" PRIu64 " bytes)\n",
                e->n_compared, e->compared);
        return;
    }
    fprintf(f,
            "                %zu legs compared: they differ in %" PRIu64
            " bytes (a split brain, or a resync that did not finish); ranges:",
            e->n_compared, e->differ);
    for (size_t i = 0; i < e->n_ranges; i++)
        fprintf(f, "%s %" PRIu64 "-%" PRIu64, i ? "," : "", e->ranges[i].offset,
                e->ranges[i].offset + e->ranges[i].length - 1);
    fprintf(f, "%s\n", e->more_ranges ? ", ..." : "");
}

/* A line per raid/mirror segment of a checked version, then what is
 * wrong with its images. */
static void report_raid(FILE *f, const lr_scan_version_t *v)
{
    const lr_raidscan_t *r = raid_of(v);
    char b[128], t[64], m[128];
    if (!r || !r->n_segs)
        return;
    fprintf(f, "            raid/mirror LVs checked (%s):\n",
            raid_checks.compare ? "raid1/mirror legs compared"
                                : "legs not compared; --check-raid compares them");
    for (size_t i = 0; i < r->n_segs; i++) {
        const lr_raidscan_seg_t *e = &r->segs[i];
        fprintf(f, "              LV %s", safe(e->lv, b, sizeof(b)));
        if (e->segment)
            fprintf(f, " segment %zu", e->segment + 1);
        bool pvmove = e->n_legs > 1 && e->legs[1].pvmove_dest;
        if (pvmove)
            fprintf(f, " (mirror of an unfinished pvmove, from %s): ",
                    safe(e->legs[0].lv, t, sizeof(t)));
        else
            fprintf(f, " (%s, %zu images): ", safe(e->segtype, t, sizeof(t)), e->n_legs);
        if (e->state == LR_RAIDSCAN_WHOLE)
            fputs(pvmove ? "whole (read from its source)" : "whole", f);
        else if (pvmove)
            fputs("UNREADABLE: its source is missing, and a destination holds only what was "
                  "copied",
                  f);
        else if (e->state == LR_RAIDSCAN_DEGRADED)
            fprintf(f, "%s (%zu of %zu images missing)", degraded_words(e), e->n_missing,
                    e->n_legs);
        else
            fprintf(f, "UNREADABLE: %zu of %zu images missing, too many to rebuild (at most %u)",
                    e->n_missing, e->n_legs, e->redundancy);
        if (e->resync)
            fprintf(f, "; not fully synced (up to sector %" PRIu64 ", says %s)", e->resync_offset,
                    safe(e->resync_by, m, sizeof(m)));
        fputc('\n', f);
        report_raid_legs(f, e);
        report_raid_compare(f, e);
    }
}

static void json_raid_legs(FILE *f, const lr_raidscan_seg_t *e, bool *first)
{
    json_key(f, "legs", first);
    fputc('[', f);
    for (size_t k = 0; k < e->n_legs; k++) {
        const lr_raidscan_leg_t *g = &e->legs[k];
        bool f2 = true;
        fputs(k ? ",{" : "{", f);
        jk_str(f, "lv", g->lv, &f2);
        jk_str(f, "meta_lv", g->meta_lv, &f2);
        jk_bool(f, "missing", g->missing, &f2);
        jk_bool(f, "pvmove_destination", g->pvmove_dest, &f2);
        jk_str(f, "why", g->why, &f2);
        jk_bool(f, "superblock", g->has_sb, &f2);
        jk_bool(f, "failed", g->failed, &f2);
        jk_str(f, "failed_by", g->failed_by, &f2);
        jk_u64_or_null(f, "recovery_offset", g->recovery_offset, g->recovering, &f2);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_raid_compare(FILE *f, const lr_raidscan_seg_t *e, bool *first)
{
    json_key(f, "leg_compare", first);
    if (e->compare == LR_RAIDSCAN_CMP_NOT_ASKED) {
        fputs("null", f);
        return;
    }
    bool f2 = true;
    fputc('{', f);
    jk_bool(f, "done", e->compare == LR_RAIDSCAN_CMP_DONE, &f2);
    jk_str(f, "error", e->compare_error, &f2);
    jk_u64(f, "legs", e->n_compared, &f2);
    jk_u64(f, "bytes", e->compared, &f2);
    jk_u64(f, "differ", e->differ, &f2);
    json_key(f, "ranges", &f2);
    fputc('[', f);
    for (size_t i = 0; i < e->n_ranges; i++)
        fprintf(f, "%s{\"offset\":%" PRIu64 ",\"length\":%" PRIu64 "}", i ? "," : "",
                e->ranges[i].offset, e->ranges[i].length);
    fputc(']', f);
    jk_bool(f, "more_ranges", e->more_ranges, &f2);
    fputc('}', f);
}

/* "raid_checked" and "raid": every raid/mirror segment of a checked
 * version (an empty list for the versions not checked). */
static void json_raid(FILE *f, const lr_scan_version_t *v, bool *first)
{
    const lr_raidscan_t *r = raid_of(v);
    jk_bool(f, "raid_checked", r != NULL, first);
    json_key(f, "raid", first);
    fputc('[', f);
    for (size_t i = 0; r && i < r->n_segs; i++) {
        const lr_raidscan_seg_t *e = &r->segs[i];
        bool f2 = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "lv", e->lv, &f2);
        jk_u64(f, "segment", e->segment, &f2);
        jk_str(f, "segtype", e->segtype, &f2);
        jk_u64(f, "lv_offset", e->lv_offset, &f2);
        jk_u64(f, "length", e->length, &f2);
        jk_u64(f, "images", e->n_legs, &f2);
        jk_u64(f, "missing", e->n_missing, &f2);
        jk_u64(f, "redundancy", e->redundancy, &f2);
        jk_str(f, "state", raid_state_name(e->state), &f2);
        jk_u64_or_null(f, "resync_offset", e->resync_offset, e->resync, &f2);
        jk_str(f, "resync_by", e->resync_by, &f2);
        json_raid_legs(f, e, &f2);
        json_raid_compare(f, e, &f2);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_content(FILE *f, const lr_ev_lv_t *l, bool *first)
{
    const lr_ev_content_t *c = &l->content;
    json_key(f, "content", first);
    if (c->state == LR_EV_FOUND) {
        bool k = true;
        fputc('{', f);
        jk_str(f, "type", c->type, &k);
        jk_str(f, "label", c->label, &k);
        jk_str(f, "uuid", c->uuid, &k);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    json_key(f, "fs_size_bytes", first);
    if (c->fs_size)
        fprintf(f, "%" PRIu64, c->fs_size);
    else
        fputs("null", f);
    /* how sure: the state, and what a null content means */
    bool k = true;
    json_key(f, "probe", first);
    fputc('{', f);
    jk_str(f, "state", lr_ev_state_name(c->state), &k);
    jk_str(f, "candidates", c->state == LR_EV_AMBIVALENT ? c->type : NULL, &k);
    jk_str(f, "version", c->version, &k);
    jk_str(f, "usage", c->usage, &k);
    jk_str(f, "detail", c->detail, &k);
    fputc('}', f);
}

static void json_reuse(FILE *f, const lr_ev_lv_t *l, bool *first)
{
    json_key(f, "reused_by", first);
    fputc('[', f);
    for (size_t i = 0; i < l->n_reuse; i++) {
        const lr_ev_reuse_t *r = &l->reuse[i];
        bool k = true;
        fputs(i ? ",{" : "{", f);
        jk_u64(f, "seqno", r->seqno, &k);
        jk_str(f, "vg", r->vg, &k);
        jk_str(f, "lv", r->lv, &k);
        jk_str(f, "pv", r->pv, &k);
        json_key(f, "extents", &k);
        fputc('[', f);
        for (size_t x = 0; x < r->n_ranges; x++)
            fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", x ? "," : "", r->ranges[x].first,
                    r->ranges[x].last);
        fputc(']', f);
        jk_str(f, "taker_content", r->taker_content, &k);
        fputc('}', f);
    }
    fputc(']', f);
}

/* "key":[first,last] */
static void jk_range(FILE *f, const char *key, uint64_t first, uint64_t last, bool *k)
{
    json_key(f, key, k);
    fprintf(f, "[%" PRIu64 ",%" PRIu64 "]", first, last);
}

/* Logical ranges reduced away and extended again onto other extents. */
static void json_remap(FILE *f, const lr_ev_lv_t *l, bool *first)
{
    json_key(f, "remapped", first);
    fputc('[', f);
    for (size_t i = 0; i < l->n_remap; i++) {
        const lr_ev_remap_t *r = &l->remap[i];
        bool k = true;
        fputs(i ? ",{" : "{", f);
        jk_range(f, "extents", r->first, r->last, &k);
        jk_u64(f, "offset_bytes", r->offset, &k);
        jk_u64(f, "size_bytes", r->bytes, &k);
        jk_u64(f, "reduced_seqno", r->reduced_seqno, &k);
        jk_u64(f, "extended_seqno", r->extended_seqno, &k);
        jk_str(f, "pv", r->pv, &k);
        jk_range(f, "pv_extents", r->pe, r->pe + (r->last - r->first), &k);
        jk_str(f, "was_pv", r->was_pv, &k);
        jk_range(f, "was_pv_extents", r->was_pe, r->was_pe + (r->last - r->first), &k);
        jk_bool(f, "filesystem_reaches", r->fs_reaches, &k);
        fputc('}', f);
    }
    fputc(']', f);
}

/* Logical ranges of an older version that the current one maps elsewhere
 * (lr_ev_move_t). */
static void json_moved(FILE *f, const lr_ev_lv_t *l, bool *first)
{
    json_key(f, "moved_since", first);
    fputc('[', f);
    for (size_t i = 0; i < l->n_moved; i++) {
        const lr_ev_move_t *m = &l->moved[i];
        bool k = true;
        fputs(i ? ",{" : "{", f);
        jk_range(f, "extents", m->first, m->last, &k);
        jk_u64(f, "seqno", m->seqno, &k);
        jk_str(f, "pv", m->pv, &k);
        jk_str(f, "pv_id", m->pv_id, &k);
        jk_range(f, "pv_extents", m->pe, m->pe + (m->last - m->first), &k);
        jk_str(f, "was_pv", m->was_pv, &k);
        jk_range(f, "was_pv_extents", m->was_pe, m->was_pe + (m->last - m->first), &k);
        jk_bool(f, "gap", m->gap, &k);
        fputc('}', f);
    }
    fputc(']', f);
}

/* The words of a space map disagreement, JSON's and the report's. */
static const char *sm_kind_name(lr_thin_sm_kind_t k)
{
    switch (k) {
    case LR_THIN_SM_IN_USE_FREE:
        return "in_use_free";
    case LR_THIN_SM_COUNT_DIFFERS:
        return "count_differs";
    case LR_THIN_SM_UNREFERENCED:
        return "unreferenced";
    }
    return "?";
}

/* A space map agrees with the btrees (nothing lost, nothing differs). */
static bool sm_consistent(const lr_thin_sm_t *m)
{
    return m->read && m->compared && m->unknown == 0 && m->in_use_free == 0 &&
           m->count_differs == 0 && (!m->complete || m->unreferenced == 0);
}

static void json_sm(FILE *f, const char *k, const lr_thin_sm_t *m, bool *first)
{
    json_key(f, k, first);
    bool mf = true;
    fputc('{', f);
    jk_bool(f, "read", m->read, &mf);
    jk_u64(f, "nr_blocks", m->nr_blocks, &mf);
    jk_u64(f, "nr_allocated", m->nr_allocated, &mf);
    json_key(f, "used_percent", &mf);
    if (m->nr_blocks && m->nr_allocated <= m->nr_blocks)
        fprintf(f, "%.2f", 100.0 * (double)m->nr_allocated / (double)m->nr_blocks);
    else
        fputs("null", f);
    jk_u64(f, "counted", m->counted, &mf);
    jk_u64(f, "allocated", m->allocated, &mf);
    jk_u64(f, "shared", m->shared, &mf);
    jk_u64(f, "unknown", m->unknown, &mf);
    jk_u64(f, "bitmaps", m->bitmaps, &mf);
    jk_u64(f, "index_differs", m->index_differs, &mf);
    jk_bool(f, "compared", m->compared, &mf);
    jk_u64_or_null(f, "in_use_free", m->in_use_free, m->compared, &mf);
    jk_u64_or_null(f, "count_differs", m->count_differs, m->compared, &mf);
    jk_u64_or_null(f, "unreferenced", m->unreferenced, m->compared && m->complete, &mf);
    jk_bool(f, "consistent", sm_consistent(m), &mf);
    json_key(f, "issues", &mf);
    fputc('[', f);
    for (size_t i = 0; i < m->n_examples; i++) {
        const lr_thin_sm_issue_t *x = &m->examples[i];
        bool xf = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "kind", sm_kind_name(x->kind), &xf);
        jk_u64(f, "block", x->block, &xf);
        jk_u64(f, "ref_count", x->count, &xf);
        jk_u64(f, "expected", x->expected, &xf);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* A pool's space maps; null when they were not walked. */
static void json_space_maps(FILE *f, const lr_scan_thin_pool_t *p, bool *first)
{
    json_key(f, "space_maps", first);
    if (!p->read || !p->space_read) {
        fputs("null", f);
        return;
    }
    bool sf = true;
    fputc('{', f);
    json_sm(f, "data", &p->space.data, &sf);
    json_sm(f, "metadata", &p->space.meta, &sf);
    fputc('}', f);
}

/* A version's thin pools: LVM2's transaction_id and the pool metadata's. */
static void json_thin_pools(FILE *f, const lr_scan_version_t *v, bool *first)
{
    json_key(f, "thin_pools", first);
    fputc('[', f);
    for (size_t i = 0; i < v->n_thin_pools; i++) {
        const lr_scan_thin_pool_t *p = &v->thin_pools[i];
        bool pf = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "lv", p->lv, &pf);
        jk_u64(f, "transaction_id", p->transaction_id, &pf);
        json_key(f, "pool_transaction_id", &pf);
        if (p->read)
            fprintf(f, "%" PRIu64, p->pool_transaction_id);
        else
            fputs("null", f);
        jk_bool(f, "mismatch", p->mismatch, &pf);
        jk_u64(f, "messages", p->messages, &pf);
        jk_str(f, "error", p->error, &pf);
        json_key(f, "damaged_nodes", &pf);
        if (p->read)
            fprintf(f, "%" PRIu64, p->damaged);
        else
            fputs("null", f);
        json_space_maps(f, p, &pf);
        json_thin_lvs(f, p, &pf);
        fputc('}', f);
    }
    fputc(']', f);
}

static void json_ev_version(FILE *f, const lr_ev_version_t *v, bool *first)
{
    json_key(f, "logical_volumes", first);
    fputc('[', f);
    for (size_t i = 0; v && i < v->n_lvs; i++) {
        const lr_ev_lv_t *l = &v->lvs[i];
        bool k = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "name", l->name, &k);
        jk_u64(f, "size_bytes", l->size, &k);
        jk_bool(f, "visible", l->visible, &k);
        jk_str(f, "segtype", l->segtype, &k);
        json_content(f, l, &k);
        json_reuse(f, l, &k);
        json_remap(f, l, &k);
        json_moved(f, l, &k);
        fputc('}', f);
    }
    fputc(']', f);
    jk_str(f, "change", v ? v->change : NULL, first);
}

/* The scan's version a recommendation names; NULL when its index is off. */
static const lr_scan_version_t *rec_version(const lr_scan_vg_t *vg, const lr_ev_rec_t *r)
{
    return r->version >= 0 && (size_t)r->version < vg->n_versions ? &vg->versions[r->version]
                                                                  : NULL;
}

static void json_rec(FILE *f, const lr_scan_vg_t *vg, const lr_ev_rec_t *r)
{
    bool k = true;
    fputc('{', f);
    jk_u64(f, "seqno", r->seqno, &k);
    const lr_scan_version_t *v = rec_version(vg, r);
    char crc[16];
    snprintf(crc, sizeof(crc), "0x%08x", v ? v->crc : 0);
    jk_str(f, "crc", v ? crc : NULL, &k);
    jk_str(f, "reason", r->reason, &k);
    jk_str(f, "evidence", lr_ev_grade_name(r->grade), &k);
    json_key(f, "removes", &k);
    fputc('[', f);
    for (size_t i = 0; i < r->n_removes; i++) {
        fputs(i ? "," : "", f);
        lr_json_fputs(r->removes[i], f);
    }
    fputs("]}", f);
}

static void json_ev_vg(FILE *f, const lr_scan_vg_t *vg, const lr_ev_vg_t *e, bool *first)
{
    json_key(f, "recommended", first);
    if (e && e->has_recommended)
        json_rec(f, vg, &e->recommended);
    else
        fputs("null", f);
    json_key(f, "alternatives", first);
    fputc('[', f);
    for (size_t i = 0; e && i < e->n_alternatives; i++) {
        fputs(i ? "," : "", f);
        json_rec(f, vg, &e->alternatives[i]);
    }
    fputc(']', f);
    jk_str(f, "no_recommendation", e ? e->no_recommendation : NULL, first);
}

static void json_versions(FILE *f, const lr_scan_vg_t *vg, const lr_ev_vg_t *ev)
{
    fputs(",\"versions\":[", f);
    for (size_t i = 0; i < vg->n_versions; i++) {
        const lr_scan_version_t *v = &vg->versions[i];
        bool first = true;
        fputs(i ? ",{" : "{", f);
        jk_u64(f, "seqno", v->seqno, &first);
        jk_crc(f, "crc", v->crc, &first);
        jk_bool(f, "complete", v->complete, &first);
        jk_bool(f, "conflict", v->conflict, &first);
        jk_bool(f, "committed", v->committed, &first);
        jk_bool(f, "committed_bad_header", v->committed_bad_header, &first);
        jk_u64(f, "backup_copies", v->n_backup_copies, &first);
        jk_time(f, "creation_time", v->creation_time, &first);
        jk_str(f, "creation_host", v->creation_host, &first);
        jk_str(f, "description", v->description, &first);
        jk_int(f, "lvs", v->n_lvs, true, &first);
        json_thin_pools(f, v, &first);
        json_raid(f, v, &first);
        json_ev_version(f, ev ? &ev->versions[i] : NULL, &first);
        json_key(f, "copies", &first);
        fputc('[', f);
        for (size_t k = 0; k < v->n_copies; k++)
            fprintf(f, "%s%d", k ? "," : "", v->copies[k]);
        fputs("]}", f);
    }
    fputc(']', f);
}

static const char *pv_place(const lr_scan_t *s, int image, int partition, uint64_t start, char *buf,
                            size_t len);

/* The version of the superseding VG since which it holds the PV, NULL
 * when unknown. */
static const lr_scan_version_t *superseded_since(const lr_scan_t *s, const lr_scan_vg_t *vg)
{
    const lr_scan_vg_t *o = &s->vgs[vg->superseded_by];
    if (vg->superseded_since < 0 || (size_t)vg->superseded_since >= o->n_versions)
        return NULL;
    return &o->versions[vg->superseded_since];
}

/* The VG that now holds this VG's PV, and since when: "superseded_by"
 * {"vg","id","since","how","pv","since_seqno"}, null when the VG is not
 * superseded. */
static void json_superseded(FILE *f, const lr_scan_t *s, const lr_scan_vg_t *vg, bool *first)
{
    json_key(f, "superseded_by", first);
    if (vg->superseded_by < 0 || (size_t)vg->superseded_by >= s->n_vgs) {
        fputs("null", f);
        return;
    }
    const lr_scan_vg_t *o = &s->vgs[vg->superseded_by];
    const lr_scan_version_t *v = superseded_since(s, vg);
    bool f2 = true;
    fputc('{', f);
    jk_str(f, "vg", o->name, &f2);
    jk_str(f, "id", o->id, &f2);
    jk_time(f, "since", v ? v->creation_time : 0, &f2);
    jk_str(f, "how", vg->superseded_how == LR_SCAN_SUPERSEDED_MOVED ? "moved" : "reinitialised",
           &f2);
    bool pv_ok = vg->superseded_pv >= 0 && (size_t)vg->superseded_pv < vg->n_pvs;
    jk_str(f, "pv", pv_ok ? vg->pvs[vg->superseded_pv].key : NULL, &f2);
    jk_bool(f, "new_id", vg->superseded_new_id, &f2);
    json_key(f, "since_seqno", &f2);
    if (v)
        fprintf(f, "%" PRIu64, v->seqno);
    else
        fputs("null", f);
    fputc('}', f);
}

static void report_superseded(FILE *f, const lr_scan_t *s, const lr_scan_vg_t *vg)
{
    if (vg->superseded_by < 0 || (size_t)vg->superseded_by >= s->n_vgs)
        return;
    const lr_scan_vg_t *o = &s->vgs[vg->superseded_by];
    const lr_scan_version_t *v = superseded_since(s, vg);
    char t[64];
    if (vg->superseded_new_id && v) {
        fprintf(f,
                "  note: superseded: VG %s (id %s) is this VG under new UUIDs (%s): its seqno "
                "%" PRIu64 " (written %s UTC) follows this VG's latest, with the same LVs (by "
                "UUID) and as many PVs; LVM2 reads the PVs as %s's, whose versions continue "
                "this history\n",
                o->name, o->id,
                vg->superseded_how == LR_SCAN_SUPERSEDED_MOVED
                    ? "vgchange -u"
                    : "the PV's too: vgimportclone, or vgchange -u and pvchange -u",
                v->seqno, when(v->creation_time, t, sizeof(t)), o->name);
        return;
    }
    if (vg->superseded_how != LR_SCAN_SUPERSEDED_MOVED) {
        fprintf(f,
                "  note: superseded: the disk holding this VG's PV was re-initialised; its label "
                "now belongs to VG %s (id %s), whose oldest version was written %s UTC\n",
                o->name, o->id, when(v ? v->creation_time : 0, t, sizeof(t)));
        return;
    }
    if (vg->superseded_pv < 0 || (size_t)vg->superseded_pv >= vg->n_pvs)
        return;
    const lr_scan_vg_pv_t *p = &vg->pvs[vg->superseded_pv];
    char place[256], pv[320];
    snprintf(pv, sizeof(pv), "%s (%s at byte %" PRIu64 ")", p->key,
             pv_place(s, p->image, p->partition, p->partition_start, place, sizeof(place)),
             p->pv_start);
    if (!v) {
        fprintf(f,
                "  note: superseded: its PV %s now belongs to VG %s (id %s): the PV's metadata "
                "area commits that VG's version, which lists it (moved by vgmerge or vgsplit)\n",
                pv, o->name, o->id);
        return;
    }
    fprintf(f,
            "  note: superseded: its PV %s now belongs to VG %s (id %s) (since seqno %" PRIu64
            ", written %s UTC, the oldest of its versions in that PV's metadata area): moved "
            "by vgmerge or vgsplit; LVM2 reads the PV as %s's\n",
            pv, o->name, o->id, v->seqno, when(v->creation_time, t, sizeof(t)), o->name);
}

/* "image_truncated" in words: which PV runs past where its image ends. */
static void report_truncated(FILE *f, const lr_scan_t *s, const lr_scan_vg_t *vg)
{
    for (size_t i = 0; i < vg->n_pvs; i++) {
        const lr_scan_vg_pv_t *p = &vg->pvs[i];
        if (!lr_scan_pv_cut(s, p))
            continue;
        const lr_scan_image_t *im = &s->images[p->image];
        char place[256];
        fprintf(f,
                "  note: image truncated: PV %s (%s at byte %" PRIu64 ", %" PRIu64
                " sectors) runs past the end of its image, which is truncated at byte %" PRIu64
                " (%s): what lies beyond (extents, or the rest of a metadata area) is missing\n",
                p->key,
                pv_place(s, p->image, p->partition, p->partition_start, place, sizeof(place)),
                p->pv_start, p->dev_size, lr_scan_image_end(im),
                im->gzip ? "the bytes that decompress" : "where reading stopped");
    }
}

static void json_vgs(FILE *f, const lr_scan_t *s, const lr_evidence_t *ev)
{
    fputs(",\"vgs\":[", f);
    for (size_t i = 0; i < s->n_vgs; i++) {
        const lr_scan_vg_t *vg = &s->vgs[i];
        bool first = true;
        fputs(i ? ",{" : "{", f);
        jk_str(f, "name", vg->name, &first);
        jk_str(f, "id", vg->id, &first);
        json_key(f, "latest_seqno", &first);
        if (vg->latest >= 0)
            fprintf(f, "%" PRIu64, vg->versions[vg->latest].seqno);
        else
            fputs("null", f);
        jk_u64(f, "max_seqno", vg->max_seqno, &first);
        json_key(f, "committed_seqno", &first);
        if (vg->committed_latest >= 0)
            fprintf(f, "%" PRIu64, vg->versions[vg->committed_latest].seqno);
        else
            fputs("null", f);
        jk_bool(f, "committed_per_damaged_header",
                vg->committed_latest >= 0 &&
                    vg->versions[vg->committed_latest].committed_bad_header,
                &first);
        json_key(f, "seqnos", &first);
        fputc('[', f);
        for (size_t v = 0; v < vg->n_versions; v++)
            fprintf(f, "%s%" PRIu64, v ? "," : "", vg->versions[v].seqno);
        fputc(']', f);
        json_key(f, "status", &first);
        fputc('[', f);
        bool f2 = true;
        for (unsigned b = LR_SCAN_VG_CONSISTENT; b <= LR_SCAN_VG_STATUS_LAST; b <<= 1)
            if (vg->status & b) {
                fputs(f2 ? "" : ",", f);
                lr_json_fputs(lr_scan_vg_status_name(b), f);
                f2 = false;
            }
        fputc(']', f);
        jk_u64(f, "copies", vg->n_copies, &first);
        json_superseded(f, s, vg, &first);
        json_vg_pvs(f, "pvs", vg->pvs, vg->n_pvs);
        json_vg_pvs(f, "old_pvs", vg->old_pvs, vg->n_old_pvs);
        const lr_ev_vg_t *evg = ev ? &ev->vgs[i] : NULL;
        json_ev_vg(f, vg, evg, &first);
        json_versions(f, vg, evg);
        fputc('}', f);
    }
    fputc(']', f);
}

static void print_json(FILE *f, const lr_scan_t *s, const lr_evidence_t *ev)
{
    fprintf(f, "{\"lvmscan_version\":\"%s\",\"interrupted\":%s,\"truncated\":%s,", LR_VERSION,
            s->interrupted ? "true" : "false", s->truncated ? "true" : "false");
    fprintf(f, "\"failed_images\":%zu,", s->n_failed);
    json_images(f, s);
    json_labels(f, s);
    json_areas(f, s);
    json_copies(f, s);
    json_vgs(f, s, ev);
    fputs("}\n", f);
}

/* ---- readable report --------------------------------------------------- */

/* An image by its file name, or by its path as given when another image
 * given by another path has that file name too (case1/disk.E01,
 * case2/disk.E01; the same path twice is one name either way). */
static const char *img_name(const lr_scan_t *s, int image)
{
    if (image < 0 || (size_t)image >= s->n_images)
        return "?";
    const char *path = s->images[image].path, *name = base(path);
    for (size_t i = 0; i < s->n_images; i++)
        if (strcmp(base(s->images[i].path), name) == 0 && strcmp(s->images[i].path, path) != 0)
            return path;
    return name;
}

/* "disk.img p2 (sector 43009)" for a PV inside a partition, else the
 * image's name alone. */
static const char *pv_place(const lr_scan_t *s, int image, int partition, uint64_t start, char *buf,
                            size_t len)
{
    char b[64];
    const char *name = safe(img_name(s, image), b, sizeof(b));
    if (partition > 0)
        snprintf(buf, len, "%s p%d (sector %" PRIu64 ")", name, partition, start);
    else
        snprintf(buf, len, "%s", name);
    return buf;
}

/* Says when label i repeats an earlier label's PV UUID. */
static void report_duplicate(FILE *f, const lr_scan_t *s, size_t i)
{
    int j = duplicate_label(s, i);
    if (j < 0)
        return;
    const lr_scan_label_t *l = &s->labels[i], *d = &s->labels[j];
    char b[128];
    bool same =
        l->image != d->image && lr_path_same(s->images[l->image].path, s->images[d->image].path);
    fprintf(f,
            "    DUPLICATE: the PV UUID of %s PV at %" PRIu64 " (%s); LVM2 uses only one of them\n",
            pv_place(s, d->image, d->partition, d->partition_start, b, sizeof(b)), d->pv_start,
            same ? "the same file given twice" : "a copy of the same disk?");
}

/* A PV made with --metadatacopies 0 holds no metadata: its VG is known
 * only from its other PVs. */
static void report_no_mda(FILE *f, const lr_label_t *l)
{
    if (!l->crc_ok || l->n_mda > 0)
        return;
    bool used = l->has_ext && (l->ext_flags & LR_PV_EXT_USED);
    fprintf(f, "    no metadata area (pvcreate --metadatacopies 0): %s\n",
            used ? "it is in a VG whose metadata lies only on that VG's other PVs; their images "
                   "tell which VG"
                 : "an unused PV, or its VG's metadata lies on other PVs");
}

static void report_labels(FILE *f, const lr_scan_t *s)
{
    char h[32], u[LR_UUID_STR_LEN + 1], b[128];
    fprintf(f, "\nPV labels (%zu)\n", s->n_labels);
    for (size_t i = 0; i < s->n_labels; i++) {
        const lr_scan_label_t *l = &s->labels[i];
        if (lr_uuid_format(l->label.pv_uuid, u, sizeof(u)) != 0)
            safe(l->label.pv_uuid, u, sizeof(u));
        fprintf(f, "  %s  PV at %" PRIu64 " (label sector %" PRIu64 ")  uuid %s  size %s  crc %s\n",
                pv_place(s, l->image, l->partition, l->partition_start, b, sizeof(b)), l->pv_start,
                l->label.sector, u, human(l->label.device_size, h, sizeof(h)),
                l->label.crc_ok ? "ok" : "BAD");
        report_duplicate(f, s, i);
        report_no_mda(f, &l->label);
    }
}

/* How an area was found, as the report says it. */
static const char *source_text(unsigned bit)
{
    switch (bit) {
    case LR_SCAN_SRC_LABEL:
        return "label";
    case LR_SCAN_SRC_MAGIC:
        return "header magic";
    case LR_SCAN_SRC_INFERRED:
        return "inference from orphan text";
    default:
        return "?";
    }
}

static void report_areas(FILE *f, const lr_scan_t *s)
{
    char h[32], b[64];
    fprintf(f, "\nMetadata areas (%zu)\n", s->n_areas);
    for (size_t i = 0; i < s->n_areas; i++) {
        const lr_scan_area_t *a = &s->areas[i];
        fprintf(f, "  %s  at %" PRIu64, safe(img_name(s, a->image), b, sizeof(b)), a->offset);
        if (a->pv_start != LR_SCAN_UNKNOWN)
            fprintf(f, " (PV at %" PRIu64 ")", a->pv_start);
        fprintf(f, "  %s  header %s  found by", human(a->size, h, sizeof(h)),
                !a->header     ? "missing"
                : a->header_ok ? "ok"
                               : "damaged");
        const char *sep = " ";
        for (unsigned bit = LR_SCAN_SRC_LABEL; bit <= LR_SCAN_SRC_INFERRED; bit <<= 1)
            if (a->source & bit) {
                fprintf(f, "%s%s", sep, source_text(bit));
                sep = ", ";
            }
        if (a->committed >= 0)
            fprintf(f, "  committed seqno %" PRIu64, s->copies[a->committed].seqno);
        fputc('\n', f);
    }
}

/* A btrfs file's flag: what its read learnt of its data's checksums. */
static void btrfs_file_flag(const lr_scan_copy_t *c, char *buf, size_t len)
{
    const lr_btrfs_sums_t *s = &c->btrfs_sums;
    switch (lr_btrfs_sums_verdict(s)) {
    case LR_BTRFS_SUMS_UNVERIFIED:
        snprintf(buf, len, " btrfs-file(checksums-not-computed)");
        break;
    case LR_BTRFS_SUMS_SOME_UNSTORED:
        snprintf(buf, len, " btrfs-file(%" PRIu64 "-sectors-without-checksum)", s->unstored);
        break;
    case LR_BTRFS_SUMS_UNSTORED:
        snprintf(buf, len, " btrfs-file(no-checksums-stored)");
        break;
    case LR_BTRFS_SUMS_RIGHT:
        snprintf(buf, len, " btrfs-file(checksums-right)");
        break;
    default: /* no data sector read: nothing said of checksums */
        snprintf(buf, len, " btrfs-file");
    }
}

static void copy_flags(const lr_scan_copy_t *c, char *buf, size_t len)
{
    const char *comp = lr_btrfs_compression_name(c->btrfs_compression);
    char inode[64] = "", log[80] = "", bfile[64] = "";
    if (c->btrfs_file)
        btrfs_file_flag(c, bfile, sizeof(bfile));
    const char *why = c->fs_log_pending ? log_why_word(c->fs_log_why) : NULL;
    if (c->fs_log_pending || c->fs_log_replayed)
        snprintf(log, sizeof(log), " fs-log-%s%s%s%s",
                 !c->fs_log_pending   ? "replayed"
                 : c->fs_log_replayed ? "partly-replayed"
                                      : "NOT-replayed",
                 why ? "(" : "", why ? why : "", why ? ")" : "");
    if (c->extfs_ino)
        snprintf(inode, sizeof(inode), " ext-inode-%u", c->extfs_ino);
    else if (c->xfs_ino)
        snprintf(inode, sizeof(inode), " xfs-inode-%" PRIu64, c->xfs_ino);
    else if (c->extfs_journal_ino) /* deleted: its inode as the journal holds it */
        snprintf(inode, sizeof(inode), " ext-journal-inode-%u%s", c->extfs_journal_ino,
                 c->n_pieces               ? " gathered"
                 : c->extfs_journal_unsure ? " (later claims not all known)"
                                           : "");
    snprintf(buf, len, "%s%s%s%s%s%s%s%s%s%s%s%s%s%s",
             c->committed_bad_header          ? " committed(per damaged header)"
             : c->committed && c->unreadable  ? " committed"
             : c->committed && c->crc_unknown ? " committed(checksum not known)"
             : c->committed                   ? (c->crc_ok ? " committed" : " committed(BAD-CRC)")
                                              : "",
             c->precommitted ? " precommitted" : "", c->wrapped ? " wrapped" : "",
             (c->source & LR_SCAN_COPY_FRAGMENT) ? " fragment"
             : c->unreadable                     ? " UNREADABLE"
             : c->partial                        ? " partial"
                                                 : "",
             c->parse_ok || c->unreadable || (c->source & LR_SCAN_COPY_FRAGMENT) ? ""
                                                                                 : " unparsable",
             c->orphan ? " orphan" : "", (c->source & LR_SCAN_COPY_BACKUP) ? " backup-file" : "",
             comp ? " btrfs-" : "", comp ? comp : "",
             c->btrfs_file   ? bfile
             : c->extfs_file ? " ext-file"
                             : "",
             c->xfs_file ? " xfs-file" : "", inode, log,
             c->unsure ? " UNSURE(its image's bytes here are not vouched for)" : "");
}

static bool only_in_files(const lr_scan_version_t *v)
{
    return v->n_backup_copies > 0 && v->n_backup_copies == v->n_copies;
}

/* Versions only files hold, newer than the latest (what the disks hold):
 * never presented as the disks' state. */
static void report_newer_files(FILE *f, const lr_scan_vg_t *vg)
{
    if (vg->latest < 0)
        return;
    if (only_in_files(&vg->versions[vg->latest])) {
        fprintf(f,
                "  note: no version of this VG is on the disk images given; the latest, seqno "
                "%" PRIu64 ", is only in backup/archive files\n",
                vg->versions[vg->latest].seqno);
        return;
    }
    uint64_t cur = vg->versions[vg->latest].seqno, top = 0;
    size_t n = 0;
    for (size_t i = 0; i < vg->n_versions; i++) {
        const lr_scan_version_t *v = &vg->versions[i];
        if (only_in_files(v) && v->seqno > cur) {
            n++;
            top = v->seqno > top ? v->seqno : top;
        }
    }
    if (n == 1)
        fprintf(f, "  note: seqno %" PRIu64 " exists only in backup/archive files", top);
    else if (n)
        fprintf(f,
                "  note: %zu versions up to seqno %" PRIu64 " exist only in backup/archive files",
                n, top);
    if (n)
        fprintf(f, "; the disks hold seqno %" PRIu64 " (the latest), nothing newer\n", cur);
}

/* How many versions only LVM2's backup/archive files still hold. */
static void report_backup_versions(FILE *f, const lr_scan_t *s, size_t g)
{
    const lr_scan_vg_t *vg = &s->vgs[g];
    bool blocks = false;  /* a version only files inside the images hold */
    bool pending = false; /* one only files a log not replayed may have changed hold */
    size_t only = 0, with = 0;
    for (size_t i = 0; i < vg->n_versions; i++) {
        const lr_scan_version_t *v = &vg->versions[i];
        with += v->n_backup_copies > 0;
        only += v->n_backup_copies > 0 && v->n_backup_copies == v->n_copies && v->complete;
        blocks |= v->complete && lr_scan_version_from_blocks(s, g, i);
        pending |= v->complete && lr_scan_version_log_pending(s, g, i);
    }
    if (with)
        fprintf(f, "  %zu versions found in backup/archive files, %zu of them only there\n", with,
                only);
    /* Without the filesystem's own records a file is read on from its
     * first block: one deleted and its blocks reused can be joined to
     * another file's and still parse (docs/limits.md); a journal's record
     * that may miss a later claim gives a length, not its blocks' owner. */
    if (blocks)
        fprintf(f, "  note: a file's text is read on from its first block or to a length no "
                   "filesystem record vouches for; a deleted file's later blocks may since hold "
                   "another file's, so check a version only files hold before restoring it\n");
    /* A log is not replayed when it cannot be (an XFS's or an ext
     * journal): the inodes read may be older than what it committed. */
    if (pending)
        fprintf(f, "  note: a file is read through the records of a filesystem whose log was not "
                   "replayed and may hold newer changes (not unmounted cleanly, or not known to "
                   "be); a file removed or rewritten in its last seconds may read as it was, so "
                   "check a version only such files hold before restoring it\n");
    report_newer_files(f, vg);
}

/* A backup file that is not whole: where it was found and what is missing
 * (its parse_error says both); a copy whose text could not be read: why. */
static void report_backup_note(FILE *f, const lr_scan_copy_t *c)
{
    char m[LR_SCAN_MAX_PARSE_ERROR + 64];
    if (((c->source & LR_SCAN_COPY_BACKUP) || c->unreadable) && c->partial && c->parse_error)
        fprintf(f, "              %s\n", safe(c->parse_error, m, sizeof(m)));
}

static void report_pvs(FILE *f, const lr_scan_t *s, const lr_scan_vg_t *vg,
                       const lr_scan_vg_pv_t *pvs, size_t n)
{
    char b[64], h[32];
    for (size_t i = 0; i < n; i++) {
        const lr_scan_vg_pv_t *pv = &pvs[i];
        fprintf(f, "    %s %s  %s", safe(pv->key, b, sizeof(b)), pv->id,
                human(pv->dev_size * 512, h, sizeof(h)));
        if (pv->found == LR_SCAN_PV_MISSING) {
            fputs("  MISSING\n", f);
            continue;
        }
        char where[128];
        fprintf(f, "  %s PV at %" PRIu64 " (by %s)",
                pv_place(s, pv->image, pv->partition, pv->partition_start, where, sizeof(where)),
                pv->pv_start,
                pv->found == LR_SCAN_PV_RENAMED ? "the label of the UUID that replaced its own"
                                                : lr_scan_pv_found_name(pv->found));
        if (pv->has_seqno)
            fprintf(f, "  newest seqno %" PRIu64 "%s", pv->latest_seqno,
                    vg->latest >= 0 && pv->latest_seqno < vg->versions[vg->latest].seqno ? "  STALE"
                                                                                         : "");
        fputc('\n', f);
    }
}

static void report_thin_lv(FILE *f, const lr_scan_thin_lv_t *t)
{
    char b[128];
    fprintf(f, "              thin LV %s: device %" PRIu64, safe(t->lv, b, sizeof(b)),
            t->device_id);
    if (!t->in_metadata) {
        fputs(" not in the pool metadata\n", f);
        return;
    }
    if (t->reused) {
        fprintf(f,
                ": NOT this LV's: the pool's device %" PRIu64 " was created at transaction %" PRIu64
                ", after this LV (transaction %" PRIu64
                "): the id was given to a later thin LV, whose data it maps\n",
                t->device_id, t->created, t->lv_tx);
        return;
    }
    fprintf(f, ", %" PRIu64 " blocks mapped", t->mapped);
    if (t->mapped)
        fprintf(f, ", highest %" PRIu64, t->highest);
    if (t->shared != UINT64_MAX)
        fprintf(f, ", %" PRIu64 " shared", t->shared);
    if (t->lost)
        fprintf(f, ", %" PRIu64 " ranges lost to damage", t->lost);
    fputc('\n', f);
}

/* A space map's figures, and its disagreements with the btrees. */
static void report_sm(FILE *f, const char *what, const lr_thin_sm_t *m)
{
    if (!m->read) {
        fprintf(f, "              %s space map not read (see the damage)\n", what);
        return;
    }
    fprintf(f, "              %s: %" PRIu64 " of %" PRIu64 " blocks allocated", what,
            m->nr_allocated, m->nr_blocks);
    if (m->nr_blocks && m->nr_allocated <= m->nr_blocks)
        fprintf(f, " (%.2f%%)", 100.0 * (double)m->nr_allocated / (double)m->nr_blocks);
    fprintf(f, ", %" PRIu64 " shared (ref count > 1)", m->shared);
    if (m->allocated != m->nr_allocated)
        fprintf(f, ", its bitmaps say %" PRIu64, m->allocated);
    if (m->unknown)
        fprintf(f, ", %" PRIu64 " counts unreadable", m->unknown);
    fputc('\n', f);
    if (sm_consistent(m) || !m->compared)
        return;
    fprintf(f, "              %s space map inconsistent:", what);
    if (m->in_use_free)
        fprintf(f,
                " %" PRIu64 " blocks in use have ref count 0 (the pool could hand them out again);",
                m->in_use_free);
    if (m->count_differs)
        fprintf(f, " %" PRIu64 " ref counts differ from the mappings;", m->count_differs);
    if (m->complete && m->unreferenced)
        fprintf(f, " %" PRIu64 " allocated blocks nothing refers to;", m->unreferenced);
    for (size_t i = 0; i < m->n_examples; i++)
        fprintf(f, "%s block %" PRIu64 " ref count %" PRIu32 " references %" PRIu64,
                i ? "," : " e.g.", m->examples[i].block, m->examples[i].count,
                m->examples[i].expected);
    fputc('\n', f);
}

/* One line per thin pool: LVM2's transaction_id next to the pool
 * metadata's; LVM2 will not activate a pool where they differ. */
static void report_thin_pools(FILE *f, const lr_scan_version_t *v)
{
    char b[128], e[256];
    for (size_t i = 0; i < v->n_thin_pools; i++) {
        const lr_scan_thin_pool_t *p = &v->thin_pools[i];
        fprintf(f, "            thin pool %s: transaction_id %" PRIu64, safe(p->lv, b, sizeof(b)),
                p->transaction_id);
        if (p->read)
            fprintf(f, ", pool metadata %" PRIu64 "%s", p->pool_transaction_id,
                    p->mismatch ? "  mismatch" : "");
        else
            fprintf(f, ", pool metadata not read: %s", safe(p->error, e, sizeof(e)));
        if (p->read && !p->mismatch && p->messages && p->transaction_id != p->pool_transaction_id)
            fprintf(f, " (%zu message%s queued, which LVM2 sends at the next activation)",
                    p->messages, p->messages == 1 ? "" : "s");
        if (p->read && p->damaged)
            fprintf(f, "  (%" PRIu64 " damaged metadata nodes)", p->damaged);
        fputc('\n', f);
        if (p->read && p->space_read) {
            report_sm(f, "data", &p->space.data);
            report_sm(f, "metadata", &p->space.meta);
        }
        for (size_t k = 0; p->read && k < p->n_thin_lvs; k++)
            report_thin_lv(f, &p->thin_lvs[k]);
    }
}

/* ---- evidence in the report -------------------------------------------- */

/* LVs named on a version's "as in seqno N" line at most (the rest counted). */
#define REPORT_SAME_SHOWN 12

/* (ev_lv_line_same compares the fields this reads: keep the two in step.) */
static const char *content_words(const lr_ev_content_t *c, char *buf, size_t len)
{
    char a[96], b[96], sz[32];
    switch (c->state) {
    case LR_EV_FOUND:
        snprintf(buf, len, "%s%s%s%s%s%s%s", safe(c->type, a, sizeof(a)), c->label ? " \"" : "",
                 c->label ? safe(c->label, b, sizeof(b)) : "", c->label ? "\"" : "",
                 c->fs_size ? " (filesystem " : "",
                 c->fs_size ? human(c->fs_size, sz, sizeof(sz)) : "", c->fs_size ? ")" : "");
        if (c->fs_size_bad)
            snprintf(buf + strlen(buf), len - strlen(buf), " (superblock size damaged)");
        return buf;
    case LR_EV_AMBIVALENT:
        snprintf(buf, len, "ambivalent: %s (several signatures, none taken as fact)",
                 safe(c->type, a, sizeof(a)));
        return buf;
    case LR_EV_EMPTY:
        snprintf(buf, len, "%s", c->detail ? c->detail : "no signature found");
        return buf;
    case LR_EV_PROBE_ERROR:
        snprintf(buf, len, "probe failed: %s", c->detail ? c->detail : "?");
        return buf;
    default:
        snprintf(buf, len, "not probed: %s", c->detail ? safe(c->detail, a, sizeof(a)) : "?");
        return buf;
    }
}

static void report_reuse(FILE *f, const lr_ev_reuse_t *r)
{
    char b[128];
    fprintf(f,
            "                reused by %s/%s (seqno %" PRIu64 "): %s:", safe(r->vg, b, sizeof(b)),
            r->lv, r->seqno, r->pv);
    for (size_t x = 0; x < r->n_ranges; x++)
        fprintf(f, "%s%" PRIu64 "-%" PRIu64, x ? "," : "", r->ranges[x].first, r->ranges[x].last);
    if (r->taker_content)
        fprintf(f, ", now holding its %s\n", r->taker_content);
    else
        fputs(", no signature found there\n", f);
}

/* A range that maps elsewhere since an extend; a warning when the
 * filesystem at the LV's start reaches into it. */
static void report_remap(FILE *f, const lr_ev_lv_t *l, const lr_ev_remap_t *r)
{
    char h[32], b[128];
    fprintf(f,
            "                %sremapped: extents %" PRIu64 "-%" PRIu64 " (%s from byte %" PRIu64
            ") map elsewhere since seqno %" PRIu64 " (reduced at seqno %" PRIu64
            ", extended onto %s:%" PRIu64 "-%" PRIu64 " at seqno %" PRIu64 "; before on %s:%" PRIu64
            "-%" PRIu64 "); data written there before seqno %" PRIu64 " is not there now",
            r->fs_reaches ? "WARNING: " : "", r->first, r->last, human(r->bytes, h, sizeof(h)),
            r->offset, r->extended_seqno, r->reduced_seqno, r->pv, r->pe,
            r->pe + (r->last - r->first), r->extended_seqno, r->was_pv, r->was_pe,
            r->was_pe + (r->last - r->first), r->extended_seqno);
    if (r->fs_reaches)
        fprintf(f, "; the %s at %s's start spans %s, into them: it is not whole",
                safe(l->content.type, b, sizeof(b)), l->name,
                human(l->content.fs_size, h, sizeof(h)));
    fputc('\n', f);
}

/* A range the current version maps elsewhere (lr_ev_move_t). */
static void report_moved(FILE *f, const lr_ev_move_t *m)
{
    uint64_t n = m->last - m->first;
    fprintf(f,
            "                %s since seqno %" PRIu64 ": extents %" PRIu64 "-%" PRIu64
            " are on %s:%" PRIu64 "-%" PRIu64 " now; %s:%" PRIu64 "-%" PRIu64 " here hold %s\n",
            m->gap ? "remapped" : "moved", m->seqno, m->first, m->last, m->pv, m->pe, m->pe + n,
            m->was_pv, m->was_pe, m->was_pe + n,
            m->gap ? "what was written before they left the LV" : "the stale copy the move left");
}

/* An LV's lines in a version: its size, layout and content, then what
 * reused, remapped or moved its extents since. */
static void report_ev_lv(FILE *f, const lr_ev_lv_t *l)
{
    char b[128], c[512], h[32], t[64];
    fprintf(f, "            LV %s%s  %s %s: %s\n", safe(l->name, b, sizeof(b)),
            l->visible ? "" : " (hidden)", human(l->size, h, sizeof(h)),
            safe(l->segtype ? l->segtype : "?", t, sizeof(t)),
            content_words(&l->content, c, sizeof(c)));
    for (size_t r = 0; r < l->n_reuse; r++)
        report_reuse(f, &l->reuse[r]);
    for (size_t r = 0; r < l->n_remap; r++)
        report_remap(f, l, &l->remap[r]);
    for (size_t r = 0; r < l->n_moved; r++)
        report_moved(f, &l->moved[r]);
}

static bool ev_str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether two LVs' first lines say the same, field by field: what
 * report_ev_lv and content_words print, a size in bytes and extents (the
 * line rounds it) and strings whole (the line may cut them). */
static bool ev_lv_line_same(const lr_ev_lv_t *a, const lr_ev_lv_t *b)
{
    const lr_ev_content_t *x = &a->content, *y = &b->content;
    return ev_str_same(a->name, b->name) && a->visible == b->visible && a->size == b->size &&
           a->extents == b->extents && ev_str_same(a->segtype, b->segtype) &&
           x->state == y->state && ev_str_same(x->type, y->type) &&
           ev_str_same(x->label, y->label) && ev_str_same(x->detail, y->detail) &&
           x->fs_size == y->fs_size && x->fs_size_bad == y->fs_size_bad;
}

/* Whether a and b are one LV: by UUID, or by name when one has none. */
static bool ev_same_lv(const lr_ev_lv_t *a, const lr_ev_lv_t *b)
{
    return a->id && b->id ? strcmp(a->id, b->id) == 0 : ev_str_same(a->name, b->name);
}

/* The LV of version v that is lv (by UUID, or by name without one), or
 * NULL. Looked for first at index at + *shift (versions mostly list their
 * LVs in one order, shifted by one where an LV was created or removed);
 * *shift becomes the found one's. */
static const lr_ev_lv_t *ev_lv_of(const lr_ev_version_t *v, const lr_ev_lv_t *lv, size_t at,
                                  ptrdiff_t *shift)
{
    if (!v || !v->loaded)
        return NULL;
    ptrdiff_t guess = (ptrdiff_t)at + *shift;
    if (guess >= 0 && (size_t)guess < v->n_lvs && ev_same_lv(lv, &v->lvs[guess]))
        return &v->lvs[guess];
    for (size_t i = 0; i < v->n_lvs; i++)
        if (ev_same_lv(lv, &v->lvs[i])) {
            *shift = (ptrdiff_t)i - (ptrdiff_t)at;
            return &v->lvs[i];
        }
    return NULL;
}

/* Whether lv (index at of its version) is shown as the same LV in version
 * newer is and in one line each: an LV with more (what reused, remapped or
 * moved its extents) is said under every version they concern. */
static bool ev_lv_as_in(const lr_ev_lv_t *lv, size_t at, const lr_ev_version_t *newer,
                        ptrdiff_t *shift)
{
    const lr_ev_lv_t *o = ev_lv_of(newer, lv, at, shift);
    if (!o || lv->n_reuse || lv->n_remap || lv->n_moved || o->n_reuse || o->n_remap || o->n_moved)
        return false;
    return ev_lv_line_same(lv, o);
}

/* Version v's change and LVs. newer: the version listed just above it
 * (newer_v its scan version), or NULL: an LV whose one line would read
 * exactly as there is named on one line instead ("as in seqno N"), so
 * that a long history of many LVs lists what each version changed, not
 * every LV again (the JSON keeps them all); an LV with more lines (its
 * extents reused, remapped or moved since) is always shown whole. */
static void report_ev_version(FILE *f, const lr_ev_version_t *v, const lr_ev_version_t *newer,
                              const lr_scan_version_t *newer_v)
{
    char b[128];
    if (!v || !v->loaded)
        return;
    if (v->change)
        fprintf(f, "            change: %s\n", *v->change ? v->change : "(no change)");
    /* one pass: the LVs as in the newer version are counted, the first
     * REPORT_SAME_SHOWN of them remembered for their line */
    size_t same = 0, named[REPORT_SAME_SHOWN];
    ptrdiff_t shift = 0;
    for (size_t i = 0; i < v->n_lvs; i++) {
        if (!ev_lv_as_in(&v->lvs[i], i, newer, &shift)) {
            report_ev_lv(f, &v->lvs[i]);
            continue;
        }
        if (same < REPORT_SAME_SHOWN)
            named[same] = i;
        same++;
    }
    if (!same)
        return;
    /* a seqno written twice (vgcfgrestore) names no one version: its crc does */
    fprintf(f, "            as in seqno %" PRIu64, newer_v->seqno);
    if (newer_v->conflict)
        fprintf(f, " (crc=0x%08" PRIx32 ")", newer_v->crc);
    fputc(':', f);
    size_t shown = same < REPORT_SAME_SHOWN ? same : REPORT_SAME_SHOWN;
    for (size_t k = 0; k < shown; k++)
        fprintf(f, "%s LV %s", k ? "," : "", safe(v->lvs[named[k]].name, b, sizeof(b)));
    if (same > shown)
        fprintf(f, " and %zu more LVs", same - shown);
    fputc('\n', f);
}

static void status_words(const lr_scan_vg_t *vg, char *buf, size_t len)
{
    buf[0] = '\0';
    for (unsigned bit = LR_SCAN_VG_CONSISTENT; bit <= LR_SCAN_VG_STATUS_LAST; bit <<= 1) {
        if (!(vg->status & bit))
            continue;
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s", n ? ", " : "", lr_scan_vg_status_name(bit));
    }
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
}

/* Whether another VG found has VG i's name (LVM2 uses one of them only). */
static bool name_shared(const lr_scan_t *s, size_t i)
{
    for (size_t k = 0; k < s->n_vgs; k++)
        if (k != i && strcmp(s->vgs[k].name, s->vgs[i].name) == 0)
            return true;
    return false;
}

/* "VG NAME", with its id when another VG has that name. */
static void put_vg_name(FILE *f, const lr_scan_t *s, size_t i)
{
    char b[256];
    fprintf(f, "VG %s", safe(s->vgs[i].name, b, sizeof(b)));
    if (name_shared(s, i))
        fprintf(f, " (id %s)", s->vgs[i].id);
}

/* A recommendation or alternative; a version whose whole restore removes
 * later LVs with content points to bringing back only the lost LV. */
/* Whether version v (ev versions, parallel to the scan VG's) has an LV
 * with lv's UUID (or, without one, its name). */
static bool ev_has_lv(const lr_ev_version_t *v, const lr_ev_lv_t *lv)
{
    for (size_t i = 0; i < v->n_lvs; i++) {
        const lr_ev_lv_t *o = &v->lvs[i];
        if (lv->id && o->id ? strcmp(lv->id, o->id) == 0 : strcmp(lv->name, o->name) == 0)
            return true;
    }
    return false;
}

/* The visible LVs of candidate r that the version after it no longer has
 * (what its event removed), comma separated; false when none is found
 * (a shrink, or the next version not loaded). */
static bool lost_lv_names(const lr_ev_vg_t *e, const lr_ev_rec_t *r, char *out, size_t len)
{
    out[0] = '\0';
    if (r->version <= 0 || (size_t)r->version >= e->n_versions)
        return false;
    const lr_ev_version_t *cand = &e->versions[r->version], *next = &e->versions[r->version - 1];
    if (!cand->loaded || !next->loaded)
        return false;
    size_t at = 0;
    for (size_t i = 0; i < cand->n_lvs && at < len; i++) {
        const lr_ev_lv_t *lv = &cand->lvs[i];
        if (!lv->visible || ev_has_lv(next, lv))
            continue;
        int n = snprintf(out + at, len - at, "%s%s", at ? "," : "", lv->name);
        if (n < 0 || (size_t)n >= len - at)
            return false; /* too long to print whole: say it without names */
        at += (size_t)n;
    }
    return at > 0;
}

static void print_rec(FILE *f, const char *what, const lr_scan_vg_t *vg, const lr_ev_vg_t *e,
                      const lr_ev_rec_t *r)
{
    char lost[512], b[512], crc[32] = "";
    /* a seqno written twice (vgcfgrestore) names no one version: its crc does */
    const lr_scan_version_t *v = rec_version(vg, r);
    if (v && v->conflict)
        snprintf(crc, sizeof(crc), ":crc=0x%08x", v->crc);
    fprintf(f, "    %s: seqno %" PRIu64 "%s%s%s, %s\n", what, r->seqno, *crc ? " (" : "",
            *crc ? crc + 1 : "", *crc ? ")" : "", r->reason);
    if (!r->n_removes)
        return;
    fputs("      to keep ", f);
    for (size_t i = 0; i < r->n_removes; i++)
        fprintf(f, "%s%s", i ? ", " : "", r->removes[i]);
    if (lost_lv_names(e, r, lost, sizeof(lost)))
        fprintf(f,
                ", bring back only the lost LVs: lvmrepair --restore-lv %s --from seqno=%" PRIu64
                "%s (docs/lvmrepair.md)\n",
                safe(lost, b, sizeof(b)), r->seqno, crc);
    else
        fprintf(f,
                ", bring back only the lost LVs with lvmrepair --restore-lv, from seqno=%" PRIu64
                "%s (docs/lvmrepair.md)\n",
                r->seqno, crc);
}

/* The summary names this many alternatives in full; a long history (LVM2
 * archive files of years, one removal each) can rank thousands, which would
 * bury the report: the rest are counted and their seqnos listed, up to
 * SUMMARY_MORE_SEQNOS of them. */
#define SUMMARY_ALTERNATIVES 5
#define SUMMARY_MORE_SEQNOS 12

/* The line after the first SUMMARY_ALTERNATIVES alternatives. */
static void print_more_alternatives(FILE *f, const lr_ev_vg_t *e, size_t shown)
{
    size_t more = e->n_alternatives - shown;
    fprintf(f, "    and %zu more alternative%s, ranked lower: seqno ", more, more == 1 ? "" : "s");
    for (size_t a = shown; a < e->n_alternatives && a < shown + SUMMARY_MORE_SEQNOS; a++)
        fprintf(f, "%s%" PRIu64, a > shown ? ", " : "", e->alternatives[a].seqno);
    if (more > SUMMARY_MORE_SEQNOS)
        fprintf(f, " and %zu others", more - SUMMARY_MORE_SEQNOS);
    fputs(" (--brief marks each ALTERNATIVE; --json gives each one's reason)\n", f);
}

/* The first lines: per VG, its state, latest version and what to restore. */
static void report_summary(FILE *f, const lr_scan_t *s, const lr_evidence_t *ev)
{
    char st[256];
    if (!s->n_vgs)
        return;
    fputs("Summary\n", f);
    for (size_t i = 0; i < s->n_vgs; i++) {
        const lr_scan_vg_t *vg = &s->vgs[i];
        status_words(vg, st, sizeof(st));
        fputs("  ", f);
        put_vg_name(f, s, i);
        fprintf(f, ": %s; ", st);
        if (vg->latest >= 0)
            fprintf(f, "latest seqno %" PRIu64 " (%zu version%s)\n", vg->versions[vg->latest].seqno,
                    vg->n_versions, vg->n_versions == 1 ? "" : "s");
        else
            fputs("no complete version\n", f);
        if (name_shared(s, i))
            fputs("    note: another VG found has this name; LVM2 does not use two VGs of one "
                  "name at once: tell them apart by id\n",
                  f);
        const lr_ev_vg_t *e = ev ? &ev->vgs[i] : NULL;
        if (!e)
            continue;
        if (e->has_recommended)
            print_rec(f, "recommended", vg, e, &e->recommended);
        else if (e->no_recommendation)
            fprintf(f, "    no recommendation: %s\n", e->no_recommendation);
        size_t shown =
            e->n_alternatives < SUMMARY_ALTERNATIVES ? e->n_alternatives : SUMMARY_ALTERNATIVES;
        for (size_t a = 0; a < shown; a++)
            print_rec(f, "alternative", vg, e, &e->alternatives[a]);
        if (shown < e->n_alternatives)
            print_more_alternatives(f, e, shown);
    }
    fputc('\n', f);
}

/* --brief: one line per version. */
static void print_brief(FILE *f, const lr_scan_t *s, const lr_evidence_t *ev)
{
    char t[32];
    for (size_t i = 0; i < s->n_vgs; i++) {
        const lr_scan_vg_t *vg = &s->vgs[i];
        const lr_ev_vg_t *e = ev ? &ev->vgs[i] : NULL;
        put_vg_name(f, s, i);
        fputc('\n', f);
        for (size_t v = 0; v < vg->n_versions; v++) {
            const lr_scan_version_t *sv = &vg->versions[v];
            const lr_ev_version_t *x = e ? &e->versions[v] : NULL;
            fprintf(f, "  %6" PRIu64 "  %-19s  %s", sv->seqno,
                    when(sv->creation_time, t, sizeof(t)),
                    x && x->change ? (*x->change ? x->change : "(no change)") : "-");
            if (e && e->has_recommended && e->recommended.version == (int)v)
                fputs("  RECOMMENDED", f);
            for (size_t a = 0; e && a < e->n_alternatives; a++)
                if (e->alternatives[a].version == (int)v)
                    fputs("  ALTERNATIVE", f);
            if (x && x->events)
                fputs("  DESTRUCTIVE", f);
            fprintf(f, "%s%s\n", sv->conflict ? "  CONFLICT" : "",
                    sv->complete ? "" : "  (no complete copy)");
        }
    }
}

/* a and b equal but for the numbers in them (offsets, inode numbers). */
static bool same_but_numbers(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    for (;;) {
        bool da = isdigit((unsigned char)*a), db = isdigit((unsigned char)*b);
        if (da != db)
            return false;
        if (da) {
            while (isdigit((unsigned char)*a))
                a++;
            while (isdigit((unsigned char)*b))
                b++;
            continue;
        }
        if (*a != *b)
            return false;
        if (!*a)
            return true;
        a++;
        b++;
    }
}

/* Backup files alike: the same bytes in the same image, the same flags and
 * the same reason for being partial. The stale leaves of a btrfs hold one
 * file's first bytes many times over (every copy-on-write of its leaf). */
static bool copies_alike(const lr_scan_copy_t *a, const lr_scan_copy_t *b)
{
    char fa[192], fb[192];
    if (!(a->source & LR_SCAN_COPY_BACKUP) || !(b->source & LR_SCAN_COPY_BACKUP))
        return false;
    if (a->image != b->image || a->crc != b->crc || a->length != b->length)
        return false;
    copy_flags(a, fa, sizeof(fa));
    copy_flags(b, fb, sizeof(fb));
    return strcmp(fa, fb) == 0 && same_but_numbers(a->parse_error, b->parse_error);
}

/* The copies after v's copy k that are alike it, named by offset on one
 * line (the first few; --json lists each) and marked in done[] (NULL: out
 * of memory, nothing folded). */
static void report_alike(FILE *f, const lr_scan_t *s, const lr_scan_version_t *v, size_t k,
                         bool *done)
{
    enum { SHOWN = 4 };
    const lr_scan_copy_t *c = &s->copies[v->copies[k]];
    size_t n = 0;
    for (size_t i = k + 1; done && i < v->n_copies; i++) {
        if (done[i] || !copies_alike(c, &s->copies[v->copies[i]]))
            continue;
        done[i] = true;
        if (n == 0)
            fputs("              alike (the same bytes, flags and reason)", f);
        if (n < SHOWN)
            fprintf(f, "%s%" PRIu64, n ? ", " : " @ ", s->copies[v->copies[i]].offset);
        n++;
    }
    if (n > SHOWN)
        fprintf(f, " and %zu more (%zu in all; --json lists each)", n - SHOWN, n);
    if (n)
        fputc('\n', f);
}

/* uncommitted: written after the newest version a header commits. newer,
 * newer_v: the version listed just above (report_ev_version). */
static void report_version(FILE *f, const lr_scan_t *s, const lr_scan_version_t *v,
                           bool uncommitted, const lr_ev_version_t *ev,
                           const lr_ev_version_t *newer, const lr_scan_version_t *newer_v)
{
    char t[32], host[64], cmd[256], fl[192], b[64];
    char lvs[24] = "-";
    if (v->n_lvs >= 0)
        snprintf(lvs, sizeof(lvs), "%ld", v->n_lvs);
    fprintf(f, "    %6" PRIu64 "  %-19s  %-10s %4s  %s%s%s%s\n", v->seqno,
            when(v->creation_time, t, sizeof(t)),
            safe(v->creation_host ? v->creation_host : "-", host, sizeof(host)), lvs,
            command_of(v->description, cmd, sizeof(cmd)), v->conflict ? "  CONFLICT" : "",
            v->complete ? "" : "  (no complete copy)", uncommitted ? "  (not committed)" : "");
    report_thin_pools(f, v);
    report_raid(f, v);
    bool *done = calloc(v->n_copies ? v->n_copies : 1, sizeof(*done));
    for (size_t k = 0; k < v->n_copies; k++) {
        if (done && done[k])
            continue;
        const lr_scan_copy_t *c = &s->copies[v->copies[k]];
        copy_flags(c, fl, sizeof(fl));
        fprintf(f, "            %s @ %" PRIu64 "  %" PRIu64 " bytes  crc 0x%08" PRIx32 "%s\n",
                safe(img_name(s, c->image), b, sizeof(b)), c->offset, c->length, c->crc, fl);
        report_backup_note(f, c);
        report_alike(f, s, v, k, done);
    }
    free(done);
    report_ev_version(f, ev, newer, newer_v);
}

/* After a vgcfgrestore: the committed version is current for LVM2, the
 * newer ones in the ring were abandoned (not an interrupted write). */
static void report_abandoned_note(FILE *f, const lr_scan_vg_t *vg, const lr_scan_version_t *v)
{
    const lr_scan_version_t *c = &vg->versions[vg->committed_latest];
    fprintf(f,
            "  note: seqno %" PRIu64 " is committed and is the version LVM2 uses (\"%s\"); "
            "the versions above it, up to seqno %" PRIu64
            ", were abandoned: a vgcfgrestore writes the restored version as its old seqno + 1, "
            "below copies still in the ring\n",
            c->seqno, c->description ? c->description : "no description", v->seqno);
}

static void flag_words(FILE *f, uint32_t flags, uint32_t known, const char *(*name)(uint32_t));

/* The committed version known only from headers whose checksum fails: the
 * damage each of them shows, and why its slot 0 is still believed. */
static void report_bad_header_note(FILE *f, const lr_scan_t *s, const lr_scan_vg_t *vg)
{
    if (vg->committed_latest < 0 || !vg->versions[vg->committed_latest].committed_bad_header)
        return;
    const lr_scan_version_t *v = &vg->versions[vg->committed_latest];
    char b[256];
    for (size_t k = 0; k < v->n_copies; k++) {
        const lr_scan_copy_t *c = &s->copies[v->copies[k]];
        if (!c->committed_bad_header || c->area < 0)
            continue;
        const lr_scan_area_t *a = &s->areas[c->area];
        const lr_mda_header_t *h = a->header;
        fprintf(f,
                "  note: seqno %" PRIu64 " is committed per a damaged metadata area header: "
                "%s at %" PRIu64 " stores checksum 0x%08" PRIx32
                " where its bytes give 0x%08" PRIx32 ", raw_locn[0].flags ",
                v->seqno, safe(img_name(s, a->image), b, sizeof(b)), a->offset, h->checksum,
                h->checksum_calc);
        flag_words(f, h->locn[0].flags, LR_RAW_LOCN_KNOWN_FLAGS, lr_raw_locn_flag_name);
        fprintf(f, "        its slot 0 still points at this copy, whose text matches the slot's "
                   "checksum, so it was the committed one; LVM2 itself ignores a header with a "
                   "bad checksum\n");
    }
}

/* When the latest version is not the one the metadata areas commit. */
static void report_commit_note(FILE *f, const lr_scan_vg_t *vg)
{
    if (vg->latest < 0 || vg->versions[vg->latest].committed)
        return;
    const lr_scan_version_t *v = &vg->versions[vg->latest];
    if (vg->committed_latest >= 0 && (vg->status & LR_SCAN_VG_ABANDONED)) {
        report_abandoned_note(f, vg, v);
        return;
    }
    if (vg->committed_latest >= 0) {
        const lr_scan_version_t *c = &vg->versions[vg->committed_latest];
        if (c->seqno < v->seqno && (vg->status & LR_SCAN_VG_INTERRUPTED))
            fprintf(f,
                    "  note: seqno %" PRIu64 " (the latest) is not committed in any metadata "
                    "area: its text lies in the ring right after the committed copy and no "
                    "header points at it, as when a run stops between writing the text and "
                    "the header (an interrupted write); the newest committed version is "
                    "seqno %" PRIu64 ", the one LVM2 uses\n",
                    v->seqno, c->seqno);
        else if (c->seqno < v->seqno)
            fprintf(f,
                    "  note: seqno %" PRIu64 " (the latest) is not committed in any metadata "
                    "area: it was written but its header was never updated (an interrupted "
                    "write?); the newest committed version is seqno %" PRIu64 "\n",
                    v->seqno, c->seqno);
        return;
    }
    if (vg->superseded_how == LR_SCAN_SUPERSEDED_MOVED) {
        fprintf(f, "  note: no metadata area header commits a version of this VG: its PV's "
                   "header now commits another VG's (below); the latest is the newest complete "
                   "copy\n");
        return;
    }
    fprintf(f, "  note: no metadata area header found commits a version of this VG (headers "
               "lost or overwritten); the latest is the newest complete copy\n");
}

static void report_vgs(FILE *f, const lr_scan_t *s, const lr_evidence_t *ev)
{
    char b[256];
    fprintf(f, "\nVolume groups (%zu)\n", s->n_vgs);
    for (size_t i = 0; i < s->n_vgs; i++) {
        const lr_scan_vg_t *vg = &s->vgs[i];
        fprintf(f, "\n  VG %s  id %s  status", safe(vg->name, b, sizeof(b)), vg->id);
        for (unsigned bit = LR_SCAN_VG_CONSISTENT; bit <= LR_SCAN_VG_STATUS_LAST; bit <<= 1)
            if (vg->status & bit)
                fprintf(f, " %s", lr_scan_vg_status_name(bit));
        fputc('\n', f);
        if (vg->latest >= 0)
            fprintf(f,
                    "  latest complete seqno %" PRIu64 ", highest seen %" PRIu64
                    ", %zu versions, %zu copies\n",
                    vg->versions[vg->latest].seqno, vg->max_seqno, vg->n_versions, vg->n_copies);
        else
            fprintf(f, "  no complete copy; highest seqno seen %" PRIu64 "\n", vg->max_seqno);
        report_backup_versions(f, s, i);
        report_commit_note(f, vg);
        report_bad_header_note(f, s, vg);
        report_superseded(f, s, vg);
        report_truncated(f, s, vg);
        if (vg->n_pvs) {
            fputs("  PVs of the latest version:\n", f);
            report_pvs(f, s, vg, vg->pvs, vg->n_pvs);
        }
        if (vg->n_old_pvs) {
            fputs("  PVs only older versions list, no label carries their UUID now (placed by "
                  "the metadata area holding their copies, or by the UUID pvchange -u gave "
                  "them):\n",
                  f);
            report_pvs(f, s, vg, vg->old_pvs, vg->n_old_pvs);
        }
        fputs("  Versions, newest first:\n     seqno  written (UTC)        host        LVs  "
              "command\n",
              f);
        for (size_t v = 0; v < vg->n_versions; v++)
            report_version(f, s, &vg->versions[v],
                           vg->committed_latest >= 0 && (int)v < vg->committed_latest &&
                               vg->versions[v].seqno > vg->versions[vg->committed_latest].seqno &&
                               !only_in_files(&vg->versions[v]),
                           ev ? &ev->vgs[i].versions[v] : NULL,
                           ev && v ? &ev->vgs[i].versions[v - 1] : NULL,
                           v ? &vg->versions[v - 1] : NULL);
    }
}

static void report_ungrouped(FILE *f, const lr_scan_t *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_copies; i++)
        n += s->copies[i].vg < 0;
    if (!n)
        return;
    char b[64], fl[192], t[32], cmd[256];
    fprintf(f, "\nCopies with no readable VG id (%zu; fragments are tails of overwritten copies)\n",
            n);
    for (size_t i = 0; i < s->n_copies; i++) {
        const lr_scan_copy_t *c = &s->copies[i];
        if (c->vg >= 0)
            continue;
        copy_flags(c, fl, sizeof(fl));
        fprintf(f, "  %s @ %" PRIu64 "  %" PRIu64 " bytes%s  %s  %s\n",
                safe(img_name(s, c->image), b, sizeof(b)), c->offset, c->length, fl,
                when(c->creation_time, t, sizeof(t)), command_of(c->description, cmd, sizeof(cmd)));
        report_backup_note(f, c);
    }
}

static void print_report(FILE *f, const lr_scan_t *s, const lr_evidence_t *ev)
{
    char h[32], b[512];
    report_summary(f, s, ev);
    fputs("Images\n", f);
    for (size_t i = 0; i < s->n_images; i++) {
        const lr_scan_image_t *im = &s->images[i];
        char m[1024];
        if (!im->opened) {
            fprintf(f, "  %s  NOT SCANNED%s%s\n", safe(im->path, b, sizeof(b)),
                    im->error ? ": " : " (scan stopped before it was opened)",
                    im->error ? safe(im->error_msg, m, sizeof(m)) : "");
            continue;
        }
        fprintf(f, "  %s  %s%s%s%s%s\n", safe(im->path, b, sizeof(b)),
                human(im->size, h, sizeof(h)), im->container ? "  (" : "",
                im->container ? lr_io_format_label(im->gzip ? "gzip" : im->format) : "",
                im->container ? ")" : "", im->scanned < im->size ? "  (scan stopped early)" : "");
        if (im->truncated && im->gzip && im->scanned == im->size)
            fprintf(f, "    TRUNCATED: scanned the %" PRIu64 " bytes that decompress\n", im->size);
        else if (im->truncated && im->scanned >= im->size) /* an xz/zstd piece that ends it */
            fprintf(f,
                    "    TRUNCATED: the image ends at byte %" PRIu64 " as far as it "
                    "decompresses: what follows the damage below cannot be found\n",
                    im->size);
        else if (im->truncated)
            fprintf(f, "    TRUNCATED: scanned %" PRIu64 " of %" PRIu64 " bytes\n", im->scanned,
                    im->size);
        if (im->error)
            fprintf(f, "    ERROR: %s\n", safe(im->error_msg, m, sizeof(m)));
        for (size_t j = 0; j < im->n_warnings; j++)
            fprintf(f, "    WARNING: %s\n", safe(im->warnings[j], m, sizeof(m)));
        /* a warning of bytes that may not read (an EWF set cut short)
         * when the scan met none: said, not left to be guessed */
        if (im->n_warnings && !im->error && !im->unreadable && !im->truncated && im->size &&
            im->scanned == im->size)
            fprintf(f, "    read whole: no byte of it was unreadable\n");
        for (size_t k = 0; k < sizeof(im->btrfs_unread) / sizeof(im->btrfs_unread[0]); k++) {
            if (!im->btrfs_unread[k])
                continue;
            unread_words(k, im->btrfs_unread[k], m, sizeof(m));
            fprintf(f, "    NOT READ: %s\n", m);
        }
        if (im->btrfs_zstd_large)
            fprintf(f,
                    "    NOT READ: %zu zstd frame%s of 16 to 128 KiB (btrfs extents of files that "
                    "large, compressed with zstd) not looked into: an LVM2 backup file of more "
                    "than 16 KiB (a VG of about 40 LVs or more) btrfs stored so would not be "
                    "found; lvmscan --all-zstd decodes them (slower on such a btrfs)\n",
                    im->btrfs_zstd_large, im->btrfs_zstd_large == 1 ? "" : "s");
        if (im->text_file)
            fputs("    an LVM2 backup/archive file: its version joins the history; not a disk\n",
                  f);
        else if (im->size == 0 && !im->error)
            fputs("    EMPTY: it holds no byte (nothing to scan: a copy that failed, or not the "
                  "image meant?)\n",
                  f);
    }
    report_labels(f, s);
    report_areas(f, s);
    fprintf(f, "\nMetadata copies: %zu\n", s->n_copies);
    report_vgs(f, s, ev);
    report_ungrouped(f, s);
    if (s->truncated)
        fputs("\nNote: too many items; later ones were not recorded.\n", f);
    if (s->n_failed)
        fprintf(f, "\nNote: %zu image(s) could not be scanned whole; see ERROR above.\n",
                s->n_failed);
    if (!s->n_labels && !s->n_areas && !s->n_copies)
        fputs("\nNothing of LVM2 was found: no PV label, metadata area or metadata text in "
              "the bytes scanned.\n",
              f);
}

/* ---- --headers: every field of labels and mda headers ------------------ */

/* A flag word by name: "0x7f RAW_LOCN_IGNORED unknown bits 0x7e". */
static void flag_words(FILE *f, uint32_t flags, uint32_t known, const char *(*name)(uint32_t))
{
    fprintf(f, "0x%" PRIx32, flags);
    for (uint32_t bit = 1; bit && bit <= flags; bit <<= 1)
        if ((flags & known & bit) && name(bit))
            fprintf(f, " %s", name(bit));
    if (flags & ~known)
        fprintf(f, " unknown bits 0x%" PRIx32, flags & ~known);
    fputc('\n', f);
}

static void checksum_words(FILE *f, const char *field, uint32_t expected, uint32_t found)
{
    fprintf(f, "    %s expected 0x%08" PRIx32 " found 0x%08" PRIx32 "  %s\n", field, expected,
            found, expected == found ? "ok" : "BAD");
}

static void locn_list(FILE *f, const char *what, const lr_disk_locn_t *l, size_t n)
{
    if (!n)
        fprintf(f, "    %s none\n", what);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "    %s[%zu] offset %" PRIu64 " size %" PRIu64 "%s\n", what, i, l[i].offset,
                l[i].size, l[i].size ? "" : " (to the end of the device)");
}

static void headers_label(FILE *f, const lr_scan_t *s, const lr_scan_label_t *l)
{
    const lr_label_t *lb = &l->label;
    char u[LR_UUID_STR_LEN + 1], b[64];
    fprintf(f, "  %s  label_header at %" PRIu64 " (PV at %" PRIu64 ")%s\n",
            safe(img_name(s, l->image), b, sizeof(b)), l->offset, l->pv_start,
            l->valid ? "" : "  (does not validate against the image)");
    fprintf(f, "    label_header.id %s\n", LR_LABEL_ID);
    fprintf(f, "    label_header.sector %" PRIu64 "\n", lb->sector);
    checksum_words(f, "label_header.crc", lb->crc_calc, lb->crc);
    fprintf(f, "    label_header.offset %" PRIu32 "\n", lb->offset);
    fprintf(f, "    label_header.type %s\n", safe(lb->type, b, sizeof(b)));
    if (lr_uuid_format(lb->pv_uuid, u, sizeof(u)) != 0)
        snprintf(u, sizeof(u), "%s", "(not a valid UUID)");
    fprintf(f, "    pv_header.pv_uuid %s  %s\n", safe(lb->pv_uuid, b, sizeof(b)), u);
    fprintf(f, "    pv_header.device_size %" PRIu64 "\n", lb->device_size);
    locn_list(f, "pv_header.data_area", lb->data, lb->n_data);
    locn_list(f, "pv_header.metadata_area", lb->mda, lb->n_mda);
    if (!lb->has_ext) {
        fputs("    pv_header_extension none\n", f);
        return;
    }
    fprintf(f, "    pv_header_extension.version %" PRIu32 "\n", lb->ext_version);
    fputs("    pv_header_extension.flags ", f);
    flag_words(f, lb->ext_flags, LR_PV_EXT_KNOWN_FLAGS, lr_pv_ext_flag_name);
    locn_list(f, "pv_header_extension.bootloader_area", lb->ba, lb->n_ba);
}

static void raw_locn_words(FILE *f, size_t i, const lr_raw_locn_t *l, const char *note)
{
    fprintf(f,
            "    mda_header.raw_locn[%zu]%s offset %" PRIu64 " size %" PRIu64
            " checksum 0x%08" PRIx32 " flags ",
            i,
            i == 0   ? " (commit)"
            : i == 1 ? " (precommit)"
                     : "",
            l->offset, l->size, l->checksum);
    if (!*note) {
        flag_words(f, l->flags, LR_RAW_LOCN_KNOWN_FLAGS, lr_raw_locn_flag_name);
        return;
    }
    fprintf(f, "0x%" PRIx32 "%s\n", l->flags, note);
}

static void headers_area(FILE *f, const lr_scan_t *s, const lr_scan_area_t *a)
{
    char b[64];
    fprintf(f, "  %s  mda_header at %" PRIu64, safe(img_name(s, a->image), b, sizeof(b)),
            a->offset);
    if (a->pv_start != LR_SCAN_UNKNOWN)
        fprintf(f, " (PV at %" PRIu64 ")", a->pv_start);
    const lr_mda_header_t *h = a->header;
    if (!h) {
        fputs("  no header: its magic is not there\n", f);
        return;
    }
    fprintf(f, "%s\n", a->header_ok ? "" : "  DAMAGED");
    checksum_words(f, "mda_header.checksum", h->checksum_calc, h->checksum);
    fprintf(f, "    mda_header.magic \"%s\"\n", LR_MDA_MAGIC);
    fprintf(f, "    mda_header.version %" PRIu32 "\n", h->version);
    fprintf(f, "    mda_header.start %" PRIu64 "%s\n", h->start,
            a->pv_start != LR_SCAN_UNKNOWN && a->offset - a->pv_start != h->start
                ? "  (not where the header is)"
                : "");
    fprintf(f, "    mda_header.size %" PRIu64 "\n", h->size);
    for (size_t i = 0; i < h->n_locn; i++)
        raw_locn_words(f, i, &h->locn[i], "");
    /* LVM2's two slots are always there; the all-zero one that ends the
     * list is shown too, as pvck does */
    for (size_t i = h->n_locn; i < LR_MDA_LVM2_SLOTS; i++) {
        const lr_raw_locn_t *l = &h->stored[i];
        bool zero = !l->offset && !l->size && !l->checksum && !l->flags;
        raw_locn_words(f, i, l, zero ? "  (all zero: unused)" : "  (after the list's end: unused)");
    }
}

/* Like `pvck --dump headers`, for every label and area found. */
static void print_headers(FILE *f, const lr_scan_t *s)
{
    fprintf(f, "Headers (%zu PV labels, %zu metadata areas)\n", s->n_labels, s->n_areas);
    for (size_t im = 0; im < s->n_images; im++) {
        for (size_t i = 0; i < s->n_labels; i++)
            if ((size_t)s->labels[i].image == im)
                headers_label(f, s, &s->labels[i]);
        for (size_t i = 0; i < s->n_areas; i++)
            if ((size_t)s->areas[i].image == im)
                headers_area(f, s, &s->areas[i]);
    }
}

/* ---- progress ---------------------------------------------------------- */

typedef struct bar {
    struct timespec t0;
    bool drawn;
    const char *const *paths;
    int indexing; /* image being indexed, -1 when none */
    struct timespec t_index;
} bar_t;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void bar_line(int fill, char *line, int w)
{
    for (int i = 0; i < w; i++)
        line[i] = i < fill ? '=' : ' ';
    line[w] = '\0';
}

/* Opening a .gz image: one decompression pass builds its index first. */
static int draw_index(void *arg, int image, uint64_t done, uint64_t total)
{
    bar_t *bar = arg;
    if (bar->indexing != image) {
        bar->indexing = image;
        clock_gettime(CLOCK_MONOTONIC, &bar->t_index);
    }
    double el = since(&bar->t_index);
    double frac = total ? (double)done / (double)total : 1.0;
    double rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    char d[32], t[32], line[64], b[48];
    bar_line((int)(frac * 30), line, 30);
    fprintf(stderr, "\r[%s] %3d%%  indexing %s: %s / %s compressed  ETA %d:%02d \033[K", line,
            (int)(frac * 100), safe(base(bar->paths[image]), b, sizeof(b)),
            human(done, d, sizeof(d)), human(total, t, sizeof(t)), (int)eta / 60, (int)eta % 60);
    fflush(stderr);
    bar->drawn = true;
    return 0;
}

static int draw_bar(void *arg, const lr_scan_progress_t *p)
{
    bar_t *bar = arg;
    if (bar->indexing >= 0) { /* the scan proper starts now */
        bar->indexing = -1;
        clock_gettime(CLOCK_MONOTONIC, &bar->t0);
    }
    double el = since(&bar->t0);
    double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 1.0;
    double rate = el > 0 ? (double)p->bytes_done / el : 0;
    double eta = rate > 0 ? (double)(p->bytes_total - p->bytes_done) / rate : 0;
    char done[32], total[32], r[32];
    char line[64];
    bar_line((int)(frac * 30), line, 30);
    fprintf(stderr, "\r[%s] %3d%%  %s / %s  %s/s  ETA %d:%02d  copies %zu \033[K", line,
            (int)(frac * 100), human(p->bytes_done, done, sizeof(done)),
            human(p->bytes_total, total, sizeof(total)), human((uint64_t)rate, r, sizeof(r)),
            (int)eta / 60, (int)eta % 60, p->copies);
    fflush(stderr);
    bar->drawn = true;
    return 0;
}

/* ---- main -------------------------------------------------------------- */

/* --version: the version and the optional libraries this build reads
 * with, and those it lacks (the images and files they serve are refused
 * or read without them, said by name). */
static void print_version(FILE *f)
{
    char with[512], without[512];
    lr_scan_libraries(true, with, sizeof(with));
    lr_scan_libraries(false, without, sizeof(without));
    fprintf(f, "lvmscan (lvmrescue) %s\n", LR_VERSION);
    fprintf(f, "optional libraries in this build: %s\n", with[0] ? with : "none");
    fprintf(f, "optional libraries not in this build: %s\n", without[0] ? without : "none");
}

static void usage(FILE *f)
{
    fputs("Usage: lvmscan [OPTIONS] IMAGE...\n"
          "Find every LVM2 PV label, metadata area and metadata copy in disk images\n"
          "(raw files, block devices, .gz/.xz/.zst, EWF .E01 sets, qcow2, VMDK,\n"
          "VHD/VHDX, split raw .001 sets; never written) and show the volume groups\n"
          "and the history of their metadata.\n"
          "\n"
          "  -j, --json            print one JSON document (see docs/lvmscan-json.md)\n"
          "  -b, --brief           one line per version: seqno, time, change, flags\n"
          "  -q, --quiet           no report and no progress bar; exit status only\n"
          "                        (with --json: the JSON only)\n"
          "      --no-text-search  only labels, headers and the copies they point at\n"
          "      --no-infer        do not infer metadata areas from orphan text\n"
          "      --all-zstd        also decode zstd frames of 16 to 128 KiB (LVM2 backup\n"
          "                        files of more than 16 KiB on a btrfs compressed with\n"
          "                        zstd; slower on such a btrfs)\n"
          "      --no-evidence     do not look at what the LVs hold (no content, reuse,\n"
          "                        change summary or recommendation)\n"
          "      --check-raid      also compare the legs of raid1/mirror LVs (reads\n"
          "                        them whole) in the versions whose raid LVs are\n"
          "                        checked: the latest and the recommended one\n"
          "      --headers         every field of each PV label and metadata area\n"
          "                        header found, decoded (the fields pvck dumps)\n"
          "      --snapshot ID|NAME  read this internal snapshot of each qcow2 image\n"
          "                        (an older state of the disk: qemu-img snapshot -l\n"
          "                        lists them) instead of its current state\n"
          "  -h, --help            show this help\n"
          "  -V, --version         show the version and the optional libraries built in\n"
          "\n"
          "Every image that can be opened is scanned; a damaged .gz image as far as it\n"
          "decompresses. Exit status: 0 when a PV label or metadata copy was found,\n"
          "1 when nothing was found, 2 on usage errors or when an image could not be\n"
          "opened or read whole (each named on stderr; the report of the others is\n"
          "still printed).\n",
          f);
}

/* The message getopt would print, under our name (after getopt_long
 * returned '?' with opterr = 0). */
static void bad_option(char **argv, const struct option *longopts)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (optopt && strncmp(arg, "--", 2) != 0) {
        fprintf(stderr, "lvmscan: invalid option -- '%c'\n", optopt);
        return;
    }
    if (strncmp(arg, "--", 2) != 0) {
        fprintf(stderr, "lvmscan: unrecognized option '%s'\n", arg);
        return;
    }
    size_t len = strcspn(arg + 2, "=");
    if (optopt) { /* a known long option given an argument it does not take */
        fprintf(stderr, "lvmscan: option '--%.*s' doesn't allow an argument\n", (int)len, arg + 2);
        return;
    }
    int matches = 0;
    for (const struct option *o = longopts; o->name; o++)
        matches += strncmp(o->name, arg + 2, len) == 0;
    if (matches < 2) {
        fprintf(stderr, "lvmscan: unrecognized option '%s'\n", arg);
        return;
    }
    fprintf(stderr, "lvmscan: option '--%.*s' is ambiguous; possibilities:", (int)len, arg + 2);
    for (const struct option *o = longopts; o->name; o++)
        if (strncmp(o->name, arg + 2, len) == 0)
            fprintf(stderr, " '--%s'", o->name);
    fputc('\n', stderr);
}

static int parse_args(int argc, char **argv, cli_t *cli)
{
    enum {
        OPT_NO_SEARCH = 256,
        OPT_NO_INFER,
        OPT_NO_EVIDENCE,
        OPT_HEADERS,
        OPT_CHECK_RAID,
        OPT_SNAPSHOT,
        OPT_ALL_ZSTD
    };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"brief", no_argument, NULL, 'b'},
        {"quiet", no_argument, NULL, 'q'},
        {"no-text-search", no_argument, NULL, OPT_NO_SEARCH},
        {"no-infer", no_argument, NULL, OPT_NO_INFER},
        {"all-zstd", no_argument, NULL, OPT_ALL_ZSTD},
        {"no-evidence", no_argument, NULL, OPT_NO_EVIDENCE},
        {"headers", no_argument, NULL, OPT_HEADERS},
        {"check-raid", no_argument, NULL, OPT_CHECK_RAID},
        {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    opterr = 0; /* our own messages, named "lvmscan:" like every other */
    while ((ch = getopt_long(argc, argv, "jbqhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'j':
            cli->json = true;
            break;
        case 'q':
            cli->quiet = true;
            break;
        case 'b':
            cli->brief = true;
            break;
        case OPT_NO_SEARCH:
            cli->flags |= LR_SCAN_NO_TEXT_SEARCH;
            break;
        case OPT_NO_INFER:
            cli->flags |= LR_SCAN_NO_INFER;
            break;
        case OPT_ALL_ZSTD:
            cli->flags |= LR_SCAN_ALL_ZSTD;
            break;
        case OPT_NO_EVIDENCE:
            cli->no_evidence = true;
            break;
        case OPT_HEADERS:
            cli->headers = true;
            break;
        case OPT_CHECK_RAID:
            cli->check_raid = true;
            break;
        case OPT_SNAPSHOT:
            if (!optarg[0]) {
                fputs("lvmscan: --snapshot needs a snapshot's id or name\n", stderr);
                return -1;
            }
            cli->snapshot = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_FOUND);
        case 'V':
            print_version(stdout);
            exit(EXIT_FOUND);
        default:
            bad_option(argv, longopts);
            usage(stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        fputs("lvmscan: no image given\n", stderr);
        usage(stderr);
        return -1;
    }
    cli->paths = (const char *const *)argv + optind;
    cli->n_paths = (size_t)(argc - optind);
    cli->progress = !cli->quiet && isatty(STDERR_FILENO);
    return 0;
}

/* LVMSCAN_JOBS=N: scan with N worker threads (1: one image at a time,
 * with one reader thread); unset, empty or 0: one per CPU. */
static unsigned jobs_from_env(void)
{
    const char *v = getenv("LVMSCAN_JOBS");
    char *end = NULL;
    unsigned long n = v && *v ? strtoul(v, &end, 10) : 0;
    if (!v || !*v || *end || n > LR_SCAN_MAX_JOBS) {
        if (v && *v)
            fprintf(stderr, "lvmscan: LVMSCAN_JOBS=%s ignored (a number from 0 to %u)\n", v,
                    LR_SCAN_MAX_JOBS);
        return 0;
    }
    return (unsigned)n;
}

int main(int argc, char **argv)
{
    cli_t cli = {0};
    lr_mem_tune(); /* before the reader threads: see lr/mem.h */
    if (parse_args(argc, argv, &cli) != 0)
        return EXIT_USAGE;
    bar_t bar = {.paths = cli.paths, .indexing = -1};
    clock_gettime(CLOCK_MONOTONIC, &bar.t0);
    /* every image that can be opened is scanned; the others are reported */
    lr_scan_opts_t opts = {
        .flags = cli.flags | LR_SCAN_KEEP_GOING, .jobs = jobs_from_env(), .snapshot = cli.snapshot};
    if (cli.progress) {
        opts.progress = draw_bar;
        opts.open_progress = draw_index;
        opts.progress_arg = &bar;
        opts.progress_interval = 16u << 20;
    }
    lr_scan_session_t *session = NULL;
    lr_error_t err;
    int rc = lr_scan_paths(cli.paths, cli.n_paths, &opts, &session, &err);
    if (bar.drawn)
        fputs("\r\033[K", stderr);
    if (rc) {
        char msg[1024];
        fprintf(stderr, "lvmscan: %s\n", lr_error_format(&err, msg, sizeof(msg)));
        return EXIT_USAGE;
    }
    const lr_scan_t *scan = lr_scan_result(session);
    size_t opened = 0;
    for (size_t i = 0; i < scan->n_images; i++) {
        const lr_scan_image_t *im = &scan->images[i];
        opened += im->opened;
        for (size_t j = 0; j < im->n_warnings; j++) {
            char p[512], w[1024];
            fprintf(stderr, "lvmscan: WARNING: %s: %s\n", safe(im->path, p, sizeof(p)),
                    safe(im->warnings[j], w, sizeof(w)));
        }
        for (size_t k = 0; k < sizeof(im->btrfs_unread) / sizeof(im->btrfs_unread[0]); k++) {
            char p[512], w[1024];
            if (!im->btrfs_unread[k])
                continue;
            unread_words(k, im->btrfs_unread[k], w, sizeof(w));
            fprintf(stderr, "lvmscan: WARNING: %s: %s\n", safe(im->path, p, sizeof(p)), w);
        }
        if (im->snapshots && !im->snapshot) {
            char p[512];
            fprintf(stderr,
                    "lvmscan: %s: to scan one of its snapshots in place of its current state: "
                    "lvmscan --snapshot ID|NAME %s\n",
                    safe(im->path, p, sizeof(p)), p);
        }
        if (!im->error)
            continue;
        if (!im->opened)
            fprintf(stderr, "lvmscan: %s\n", im->error_msg);
        else if (im->unreadable)
            fprintf(stderr,
                    "lvmscan: %s; %" PRIu64 " unreadable bytes were skipped, the other %" PRIu64
                    " scanned\n",
                    im->error_msg, im->unreadable, im->scanned - im->unreadable);
        else
            fprintf(stderr, "lvmscan: %s; %s %" PRIu64 " bytes were scanned\n", im->error_msg,
                    im->truncated ? "the first" : "all", im->scanned);
    }
    /* what each LV holds now and what to restore (lr/evidence.h) */
    lr_evidence_t *ev = NULL;
    if (opened && (cli.json || (!cli.quiet && !cli.headers)) && !cli.no_evidence &&
        lr_evidence_build(session, NULL, &ev, &err) != 0) {
        char msg[1024];
        fprintf(stderr, "lvmscan: evidence not available: %s\n",
                lr_error_format(&err, msg, sizeof(msg)));
    }
    if (opened && (cli.json || (!cli.quiet && !cli.headers && !cli.brief)))
        check_raids(session, ev, cli.check_raid);
    /* what was found is shown unless no image could be opened at all */
    if (opened && cli.json)
        print_json(stdout, scan, ev);
    else if (opened && cli.headers && !cli.quiet)
        print_headers(stdout, scan);
    else if (opened && cli.brief && !cli.quiet)
        print_brief(stdout, scan, ev);
    else if (opened && !cli.quiet)
        print_report(stdout, scan, ev);
    lr_evidence_free(ev);
    free_raids();
    bool found = scan->n_labels > 0 || scan->n_copies > 0;
    bool failed = scan->n_failed > 0;
    lr_scan_session_free(session);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lvmscan: writing the report failed: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    if (failed)
        return EXIT_USAGE;
    return found ? EXIT_FOUND : EXIT_NOTHING;
}
