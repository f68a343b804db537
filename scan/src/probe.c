/* The signature table (libblkid style): one small prober per on-disk
 * signature, walked by one generic loop over every 512-byte sector. */
#include "scan_int.h"

#include <errno.h>
#include <string.h>

#include "lr/btrfs.h"
#include "lr/extfs.h"
#include "lr/label.h"
#include "lr/mda.h"
#include "lr/xfs.h"

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ---- label ------------------------------------------------------------- */

static int probe_label(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail)
{
    if (avail < LR_SECTOR_SIZE)
        return 0;
    /* The sector field says where in the PV this label claims to sit; only
     * sectors 0..3 are places LVM2 looks, anything else is not a label. */
    uint64_t sector = get_le64(p + 8);
    if (sector >= LR_LABEL_SCAN_SECTORS || sector * LR_SECTOR_SIZE > off)
        return 0;
    lr_label_t l;
    lr_error_t e;
    lr_error_clear(&e);
    if (lr_label_parse(p, LR_SECTOR_SIZE, sector, &l, &e) != 0)
        return 0;
    lr_scan_t *s = c->scan;
    if (s->n_labels >= LR_SCAN_MAX_LABELS) {
        s->truncated = true;
        return 0;
    }
    int rc =
        sc_grow((void **)&s->labels, &c->cap_labels, s->n_labels + 1, sizeof(*s->labels), c->err);
    if (rc)
        return rc;
    lr_scan_label_t *sl = &s->labels[s->n_labels++];
    memset(sl, 0, sizeof(*sl));
    sl->image = image;
    sl->offset = off;
    sl->pv_start = off - sector * LR_SECTOR_SIZE;
    sl->label = l;
    /* `valid` needs the image's size, known when its stream ends (stream.c) */
    sl->valid = false;
    sc_keep_label(c, sl);
    return 0;
}

/* ---- mda header -------------------------------------------------------- */

static int probe_mda(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail)
{
    if (avail < LR_MDA_HEADER_SIZE)
        return 0;
    lr_mda_header_t h;
    lr_error_t e;
    lr_error_clear(&e);
    if (lr_mda_header_parse(p, LR_MDA_HEADER_SIZE, &h, &e) != 0)
        return 0;
    if (c->n_hdrs >= LR_SCAN_MAX_HEADERS) {
        c->scan->truncated = true;
        return 0;
    }
    int rc = sc_grow((void **)&c->hdrs, &c->cap_hdrs, c->n_hdrs + 1, sizeof(*c->hdrs), c->err);
    if (rc)
        return rc;
    sc_hdr_t *sh = &c->hdrs[c->n_hdrs++];
    sh->image = image;
    sh->offset = off;
    sh->h = h;
    return 0;
}

/* ---- metadata text ----------------------------------------------------- */

/* Characters LVM2 allows in a VG name (pvck's test), as a table: this is
 * the one check that runs on a quarter of all sectors of random data. */
#define N1(c) [c] = 1
static const uint8_t name_char[256] = {
    N1('.'), N1('_'), N1('-'), N1('+'), N1('0'), N1('1'), N1('2'), N1('3'), N1('4'), N1('5'),
    N1('6'), N1('7'), N1('8'), N1('9'), N1('a'), N1('b'), N1('c'), N1('d'), N1('e'), N1('f'),
    N1('g'), N1('h'), N1('i'), N1('j'), N1('k'), N1('l'), N1('m'), N1('n'), N1('o'), N1('p'),
    N1('q'), N1('r'), N1('s'), N1('t'), N1('u'), N1('v'), N1('w'), N1('x'), N1('y'), N1('z'),
    N1('A'), N1('B'), N1('C'), N1('D'), N1('E'), N1('F'), N1('G'), N1('H'), N1('I'), N1('J'),
    N1('K'), N1('L'), N1('M'), N1('N'), N1('O'), N1('P'), N1('Q'), N1('R'), N1('S'), N1('T'),
    N1('U'), N1('V'), N1('W'), N1('X'), N1('Y'), N1('Z'),
};
#undef N1

static bool is_name_char(uint8_t ch)
{
    return name_char[ch] != 0;
}

/* `name {` on the raw bytes, before any copying: rejects almost every
 * sector that starts with a name character by chance. */
static bool quick_vgname(const uint8_t *p, size_t avail)
{
    size_t i = 0;
    size_t lim = avail < SC_NAME_MAX + 2 ? avail : SC_NAME_MAX + 2;
    while (i < lim && name_char[p[i]])
        i++;
    return i > 0 && i + 1 < lim && p[i] == ' ' && p[i + 1] == '{';
}

/* First-byte filter: most sectors of random or zeroed data stop here. */
static bool filter_text(const uint8_t *sector, size_t avail)
{
    (void)avail; /* the loop gives a prober at least one byte */
    return is_name_char(sector[0]);
}

/* Copies one line the way pvck's _copy_line does (up to and including '\n'
 * or NUL, at most SC_LINE_MAX - 1 bytes) and returns how far to advance.
 * Bytes past `avail` read as NUL, like pvck's zero-filled buffer. */
static size_t copy_line(const uint8_t *p, size_t avail, char *line)
{
    memset(line, 0, SC_LINE_MAX);
    size_t i;
    for (i = 0; i < SC_LINE_MAX - 1; i++) {
        uint8_t ch = i < avail ? p[i] : 0;
        line[i] = (char)ch;
        if (ch == '\n' || ch == '\0')
            break;
    }
    return i + 1;
}

/* pvck's _check_vgname_start: `name {` with one space. */
static bool vgname_start(const char *line, size_t *len)
{
    size_t chars = 0;
    bool space = false;
    for (size_t i = 0; i < SC_LINE_MAX; i++) {
        uint8_t ch = (uint8_t)line[i];
        if (is_name_char(ch)) {
            if (space)
                return false;
            chars++;
            continue;
        }
        if (ch == ' ') {
            if (!chars || space)
                return false;
            space = true;
            continue;
        }
        if (ch == '{' && chars && space && chars <= SC_NAME_MAX) {
            *len = chars;
            return true;
        }
        return false;
    }
    return false;
}

static bool parse_seqno(const char *s, uint64_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool sc_text_signature(const uint8_t *p, size_t avail, sc_sig_t *out)
{
    char line[SC_LINE_MAX];
    size_t pos = 0, len = 0;
    if (!avail || !quick_vgname(p, avail))
        return false;
    pos += copy_line(p, avail, line);
    if (!vgname_start(line, &len))
        return false;
    memset(out, 0, sizeof(*out));
    memcpy(out->name, line, len);

    pos += copy_line(p + (pos < avail ? pos : avail), pos < avail ? avail - pos : 0, line);
    if (strncmp(line, "id = ", 5) != 0)
        return false;
    /* pvck takes the 38 characters after `id = "` whatever they are. */
    memcpy(out->id, line + 6, LR_UUID_STR_LEN);
    out->id[LR_UUID_STR_LEN] = '\0';
    char *q = strchr(out->id, '"');
    if (q)
        *q = '\0';

    copy_line(p + (pos < avail ? pos : avail), pos < avail ? avail - pos : 0, line);
    if (strncmp(line, "seqno = ", 8) != 0)
        return false;
    return parse_seqno(line + 8, &out->seqno);
}

static int probe_text(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail)
{
    if (c->opts.flags & LR_SCAN_NO_TEXT_SEARCH)
        return 0;
    sc_sig_t sig;
    if (!sc_text_signature(p, avail, &sig))
        return 0;
    int rc = sc_add_copy(c, image, off, &sig, LR_SCAN_COPY_SIGNATURE);
    if (!rc)
        sc_keep_copy(c, image, off, p, avail);
    return rc;
}

/* A zlib, zstd or lzo start (lr_btrfs_maybe_extent) for the table; a zstd
 * frame's header is parsed by the prober alone. */
static bool maybe_extent(const uint8_t *sector, size_t avail)
{
    uint8_t comp;
    return lr_btrfs_maybe_extent(sector, avail, &comp, NULL);
}

/* ---- the table --------------------------------------------------------- */

const sc_prober_t sc_probers[] = {
    {"lvm2_label", LR_LABEL_ID, 8, 0, NULL, probe_label},
    {"lvm2_mda_header", LR_MDA_MAGIC, LR_MDA_MAGIC_LEN, 4, NULL, probe_mda},
    {"lvm2_metadata_text", NULL, 0, 0, filter_text, probe_text},
    {"lvm2_backup_file", SC_BACKUP_MAGIC, sizeof(SC_BACKUP_MAGIC) - 1, 0, NULL, sc_probe_backup},
    {"btrfs_leaf_inline_file", NULL, 0, 0, lr_btrfs_maybe_leaf, sc_probe_btrfs_leaf},
    {"btrfs_compressed_extent", NULL, 0, 0, maybe_extent, sc_probe_btrfs_extent},
    {"ext_superblock", "\x53\xef", 2, LR_EXTFS_MAGIC_AT, NULL, sc_probe_extfs},
    {"xfs_superblock", LR_XFS_MAGIC, 4, 0, NULL, sc_probe_xfs},
    {"btrfs_superblock", LR_BTRFS_MAGIC, 8, LR_BTRFS_MAGIC_AT, NULL, sc_probe_btrfs_super},
};
const size_t sc_n_probers = sizeof(sc_probers) / sizeof(sc_probers[0]);

int sc_probe_sector(sc_ctx_t *c, int image, uint64_t off, const uint8_t *p, size_t avail)
{
    for (size_t i = 0; i < sc_n_probers; i++) {
        const sc_prober_t *pr = &sc_probers[i];
        if (pr->magic) {
            if (avail < pr->magic_off + pr->magic_len)
                continue;
            /* One byte compared first keeps the common case to a load. */
            if (p[pr->magic_off] != (uint8_t)pr->magic[0] ||
                memcmp(p + pr->magic_off, pr->magic, pr->magic_len) != 0)
                continue;
        } else if (!pr->filter(p, avail)) {
            continue;
        }
        int rc = pr->probe(c, image, off, p, avail);
        if (rc)
            return rc;
    }
    return 0;
}

/* Whether a sector can start any signature of the table: the label magic
 * at byte 0, the first 8 bytes of the mda magic at byte 4 or of a backup
 * file's first line at byte 0, the start of `name {` (a name character
 * followed by another or by the space: what the text prober's quick_vgname
 * needs first), a btrfs leaf's header, the first byte of a zstd frame or
 * zlib stream (a compressed btrfs extent), an ext or btrfs superblock's
 * magic (an XFS superblock's "XFSB" passes as name characters).
 * Four 8-byte compares, two table lookups, a 4-byte load and three byte
 * compares, inlined in the loop
 * below: on random data about 15 sectors in 16 stop here, on zeroed data
 * every one. A sector too close to the end of what was read for the
 * compares goes to the probers, which check what they need. */
static bool maybe_signature(const uint8_t *p, size_t avail)
{
    if (avail < 12)
        return true;
    /* `name {`: a name character, then another or the space */
    return memcmp(p, LR_LABEL_ID, 8) == 0 || memcmp(p + 4, LR_MDA_MAGIC, 8) == 0 ||
           memcmp(p, SC_BACKUP_MAGIC, 8) == 0 ||
           (is_name_char(p[0]) && (is_name_char(p[1]) || p[1] == ' ')) ||
           lr_btrfs_maybe_leaf(p, avail) || p[0] == 0x28 || p[0] == 0x78 ||
           /* an ext superblock's magic (le16 0xEF53) */
           (avail > LR_EXTFS_MAGIC_AT + 1 && p[LR_EXTFS_MAGIC_AT] == 0x53 &&
            p[LR_EXTFS_MAGIC_AT + 1] == 0xef) ||
           /* a btrfs superblock's magic */
           (avail >= LR_BTRFS_MAGIC_AT + 8 &&
            memcmp(p + LR_BTRFS_MAGIC_AT, LR_BTRFS_MAGIC, 8) == 0) ||
           /* lzo's two le32 lengths: the data's below 192 KiB, a segment's
            * below 64 KiB and not 0 (zeroed sectors fail here) */
           ((p[3] | p[6] | p[7]) == 0 && p[2] < 3 && (p[4] | p[5]) != 0);
}

int sc_probe_buffer(sc_ctx_t *c, int image, uint64_t pos, const uint8_t *p, size_t len,
                    size_t avail)
{
    for (size_t off = 0; off < len; off += SC_SECTOR) {
        if (!maybe_signature(p + off, avail - off))
            continue;
        int rc = sc_probe_sector(c, image, pos + off, p + off, avail - off);
        if (rc)
            return rc;
    }
    return 0;
}
