/* The on-disk rules of LVM2's raid levels (see lr/raid.h for the sources):
 * names to MD layouts, chunk placement, parity, the dm-raid superblock. */
#include "lr/raid.h"

#include <errno.h>
#include <string.h>

#include "le.h"

typedef struct name_layout {
    const char *name;
    int level, algorithm;
    unsigned parity;
} name_layout_t;

/* dm-raid.c raid_types[]; the aliases are LVM2's segment type names (LVM2
 * writes "raid5" and "raid6" for its defaults on some versions). raid4 is
 * MD level 5 with the parity on the first image (ALGORITHM_PARITY_0). */
static const name_layout_t layouts[] = {
    {"raid0", 0, 0, 0},
    {"raid0_meta", 0, 0, 0},
    {"raid1", 1, 0, 0},
    {"raid10", 10, 0, 0},
    {"raid10_near", 10, 0, 0},
    {"raid4", 5, LR_RAID_ALG_PARITY_0, 1},
    {"raid5", 5, LR_RAID_ALG_LEFT_SYMMETRIC, 1},
    {"raid5_ls", 5, LR_RAID_ALG_LEFT_SYMMETRIC, 1},
    {"raid5_rs", 5, LR_RAID_ALG_RIGHT_SYMMETRIC, 1},
    {"raid5_la", 5, LR_RAID_ALG_LEFT_ASYMMETRIC, 1},
    {"raid5_ra", 5, LR_RAID_ALG_RIGHT_ASYMMETRIC, 1},
    {"raid5_n", 5, LR_RAID_ALG_PARITY_N, 1},
    {"raid6", 6, LR_RAID_ALG_ROTATING_ZERO_RESTART, 2},
    {"raid6_zr", 6, LR_RAID_ALG_ROTATING_ZERO_RESTART, 2},
    {"raid6_nr", 6, LR_RAID_ALG_ROTATING_N_RESTART, 2},
    {"raid6_nc", 6, LR_RAID_ALG_ROTATING_N_CONTINUE, 2},
    {"raid6_n_6", 6, LR_RAID_ALG_PARITY_N, 2},
    {"raid6_la_6", 6, LR_RAID_ALG_LEFT_ASYMMETRIC_6, 2},
    {"raid6_ra_6", 6, LR_RAID_ALG_RIGHT_ASYMMETRIC_6, 2},
    {"raid6_ls_6", 6, LR_RAID_ALG_LEFT_SYMMETRIC_6, 2},
    {"raid6_rs_6", 6, LR_RAID_ALG_RIGHT_SYMMETRIC_6, 2},
};

bool lr_raid_layout(const char *segtype, lr_raid_layout_t *out)
{
    if (!segtype || !out)
        return false;
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        const name_layout_t *e = &layouts[i];
        if (strcmp(e->name, segtype) != 0)
            continue;
        /* the canonical name: what the alias stands for */
        const char *canon = e->name;
        if (strcmp(canon, "raid5") == 0)
            canon = "raid5_ls";
        else if (strcmp(canon, "raid6") == 0)
            canon = "raid6_zr";
        *out = (lr_raid_layout_t){canon, e->level, e->algorithm, e->parity, e->level != 1};
        return true;
    }
    return false;
}

unsigned lr_raid_min_images(const lr_raid_layout_t *l)
{
    if (!l)
        return 1;
    if (l->level == 6)
        return 4;
    return l->level == 0 ? 1 : 2;
}

/* The images of row `row` as raid5_compute_sector places them: data chunk k
 * of the row (k < disks - parity) on *dd, parity on *pd and *qd (-1 when
 * absent). */
static void place(const lr_raid_layout_t *l, unsigned disks, uint64_t row, unsigned k, unsigned *dd,
                  int *pd, int *qd)
{
    unsigned data = disks - l->parity;
    unsigned p = 0, q = 0, d = k;
    unsigned r = (unsigned)(row % disks);
    unsigned r1 = disks > 1 ? (unsigned)(row % (disks - 1)) : 0;
    *qd = -1;
    if (l->level == 5) {
        switch (l->algorithm) {
        case LR_RAID_ALG_LEFT_ASYMMETRIC:
            p = data - r;
            d = k >= p ? k + 1 : k;
            break;
        case LR_RAID_ALG_RIGHT_ASYMMETRIC:
            p = r;
            d = k >= p ? k + 1 : k;
            break;
        case LR_RAID_ALG_LEFT_SYMMETRIC:
            p = data - r;
            d = (p + 1 + k) % disks;
            break;
        case LR_RAID_ALG_RIGHT_SYMMETRIC:
            p = r;
            d = (p + 1 + k) % disks;
            break;
        case LR_RAID_ALG_PARITY_0:
            p = 0;
            d = k + 1;
            break;
        default: /* PARITY_N */
            p = data;
            d = k;
            break;
        }
        *pd = (int)p;
        *dd = d;
        return;
    }
    /* level 6 */
    switch (l->algorithm) {
    case LR_RAID_ALG_LEFT_ASYMMETRIC:
    case LR_RAID_ALG_RIGHT_ASYMMETRIC:
    case LR_RAID_ALG_ROTATING_ZERO_RESTART:
    case LR_RAID_ALG_ROTATING_N_RESTART:
        if (l->algorithm == LR_RAID_ALG_LEFT_ASYMMETRIC)
            p = disks - 1 - r;
        else if (l->algorithm == LR_RAID_ALG_ROTATING_N_RESTART)
            p = disks - 1 - (unsigned)((row + 1) % disks);
        else
            p = r;
        q = p + 1;
        if (p == disks - 1) {
            d = k + 1; /* Q D D D P */
            q = 0;
        } else if (k >= p) {
            d = k + 2; /* D D P Q D */
        }
        break;
    case LR_RAID_ALG_LEFT_SYMMETRIC:
    case LR_RAID_ALG_RIGHT_SYMMETRIC:
        p = l->algorithm == LR_RAID_ALG_LEFT_SYMMETRIC ? disks - 1 - r : r;
        q = (p + 1) % disks;
        d = (p + 2 + k) % disks;
        break;
    case LR_RAID_ALG_PARITY_0:
        p = 0;
        q = 1;
        d = k + 2;
        break;
    case LR_RAID_ALG_PARITY_N:
        p = data;
        q = data + 1;
        break;
    case LR_RAID_ALG_ROTATING_N_CONTINUE:
        p = disks - 1 - r; /* left symmetric with Q before P */
        q = (p + disks - 1) % disks;
        d = (p + 1 + k) % disks;
        break;
    case LR_RAID_ALG_LEFT_ASYMMETRIC_6:
    case LR_RAID_ALG_RIGHT_ASYMMETRIC_6:
        p = l->algorithm == LR_RAID_ALG_LEFT_ASYMMETRIC_6 ? data - r1 : r1;
        d = k >= p ? k + 1 : k;
        q = disks - 1;
        break;
    case LR_RAID_ALG_LEFT_SYMMETRIC_6:
    case LR_RAID_ALG_RIGHT_SYMMETRIC_6:
        p = l->algorithm == LR_RAID_ALG_LEFT_SYMMETRIC_6 ? data - r1 : r1;
        d = (p + 1 + k) % (disks - 1);
        q = disks - 1;
        break;
    default: /* PARITY_0_6 */
        p = 0;
        d = k + 1;
        q = disks - 1;
        break;
    }
    *pd = (int)p;
    *qd = (int)q;
    *dd = d;
}

lr_raid_loc_t lr_raid_map(const lr_raid_layout_t *l, unsigned disks, unsigned copies,
                          uint64_t chunk)
{
    lr_raid_loc_t loc = {chunk, 0};
    if (!l || disks == 0)
        return loc;
    if (l->level == 0) {
        loc.row = chunk / disks;
        loc.disk = (unsigned)(chunk % disks);
    } else if (l->level == 10) {
        /* raid10_find_phys, near layout: the copies of chunk c are the
         * consecutive device slots c*copies .. c*copies+copies-1 */
        uint64_t slot = chunk * (copies ? copies : 1);
        loc.row = slot / disks;
        loc.disk = (unsigned)(slot % disks);
    } else if (l->level == 5 || l->level == 6) {
        unsigned data = disks - l->parity;
        int pd, qd;
        loc.row = chunk / data;
        place(l, disks, loc.row, (unsigned)(chunk % data), &loc.disk, &pd, &qd);
    }
    return loc;
}

static bool ddf_layout(const lr_raid_layout_t *l)
{
    return l->level == 6 && (l->algorithm == LR_RAID_ALG_ROTATING_ZERO_RESTART ||
                             l->algorithm == LR_RAID_ALG_ROTATING_N_RESTART ||
                             l->algorithm == LR_RAID_ALG_ROTATING_N_CONTINUE);
}

void lr_raid_row_roles(const lr_raid_layout_t *l, unsigned disks, uint64_t row, int *role)
{
    if (!l || !role || disks <= l->parity)
        return;
    unsigned data = disks - l->parity, dd;
    int pd = -1, qd = -1;
    for (unsigned k = 0; k < data; k++) {
        place(l, disks, row, k, &dd, &pd, &qd);
        role[dd] = (int)k;
    }
    if (pd >= 0)
        role[pd] = LR_RAID_ROLE_P;
    if (qd >= 0)
        role[qd] = LR_RAID_ROLE_Q;
    if (l->level != 6)
        return;
    /* The Q slot of each data chunk (raid5.c set_syndrome_sources): DDF
     * layouts count every image from image 0; MD's count data images only,
     * starting after Q. */
    if (ddf_layout(l)) {
        for (unsigned i = 0; i < disks; i++)
            if (role[i] >= 0)
                role[i] = (int)i;
        return;
    }
    unsigned d0 = (unsigned)qd == disks - 1 ? 0 : (unsigned)qd + 1;
    int slot = 0;
    for (unsigned n = 0, i = d0; n < disks; n++, i = (i + 1) % disks)
        if (role[i] >= 0)
            role[i] = slot++;
}

/* ---- GF(2^8), polynomial x^8+x^4+x^3+x^2+1 (0x11d), generator 2 ------- */

uint8_t lr_raid_gf_mul(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a;
    for (; b; b >>= 1) {
        if (b & 1)
            r ^= x;
        x <<= 1;
        if (x & 0x100)
            x ^= 0x11d;
    }
    return (uint8_t)r;
}

uint8_t lr_raid_gf_exp2(unsigned e)
{
    uint8_t r = 1;
    for (e %= 255; e; e--)
        r = lr_raid_gf_mul(r, 2);
    return r;
}

static uint8_t gf_inv(uint8_t a)
{
    /* a^254 = a^-1 in GF(2^8) */
    uint8_t r = 1;
    for (int i = 0; i < 254; i++)
        r = lr_raid_gf_mul(r, a);
    return r;
}

/* out = sum over present data chunks of g^slot * chunk (or plain XOR when
 * q is false), skipping the images in skip[0..n_skip). */
typedef struct gf_tab {
    uint8_t mul[256]; /* mul[x] = c * x for one constant c */
} gf_tab_t;

static void gf_tab(gf_tab_t *t, uint8_t c)
{
    for (unsigned x = 0; x < 256; x++)
        t->mul[x] = lr_raid_gf_mul(c, (uint8_t)x);
}

static bool listed(const unsigned *v, unsigned n, unsigned x)
{
    for (unsigned i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* acc ^= (q ? g^role : 1) * chunk, for every data image not in skip. */
static void accumulate(uint8_t *acc, unsigned disks, const int *role, uint8_t *const *chunk,
                       size_t len, const unsigned *skip, unsigned n_skip, bool q)
{
    gf_tab_t t;
    for (unsigned i = 0; i < disks; i++) {
        if (role[i] < 0 || listed(skip, n_skip, i))
            continue;
        const uint8_t *src = chunk[i];
        if (!q) {
            for (size_t b = 0; b < len; b++)
                acc[b] ^= src[b];
            continue;
        }
        gf_tab(&t, lr_raid_gf_exp2((unsigned)role[i]));
        for (size_t b = 0; b < len; b++)
            acc[b] ^= t.mul[src[b]];
    }
}

static int find_role(const int *role, unsigned disks, int want)
{
    for (unsigned i = 0; i < disks; i++)
        if (role[i] == want)
            return (int)i;
    return -1;
}

static void scale(uint8_t *buf, size_t len, uint8_t c)
{
    gf_tab_t t;
    gf_tab(&t, c);
    for (size_t b = 0; b < len; b++)
        buf[b] = t.mul[buf[b]];
}

int lr_raid_rebuild(const lr_raid_layout_t *l, unsigned disks, const int *role,
                    uint8_t *const *chunk, size_t len, const unsigned *missing, unsigned n_missing)
{
    if (!l || !role || !chunk || (n_missing && !missing) || n_missing > l->parity)
        return LR_ERANGE;
    unsigned lost[2], n_lost = 0;
    bool p_lost = false, q_lost = false;
    for (unsigned i = 0; i < n_missing; i++) {
        if (missing[i] >= disks)
            return LR_ERANGE;
        int r = role[missing[i]];
        if (r >= 0)
            lost[n_lost++] = missing[i];
        p_lost |= r == LR_RAID_ROLE_P;
        q_lost |= r == LR_RAID_ROLE_Q;
    }
    int pd = find_role(role, disks, LR_RAID_ROLE_P), qd = find_role(role, disks, LR_RAID_ROLE_Q);
    if (n_lost == 1 && !p_lost && pd >= 0) {
        uint8_t *x = chunk[lost[0]];
        memcpy(x, chunk[pd], len);
        accumulate(x, disks, role, chunk, len, lost, 1, false);
    } else if (n_lost == 1 && qd >= 0 && !q_lost) {
        /* D_x = (Q + sum of the others' g^s D) / g^s_x */
        uint8_t *x = chunk[lost[0]];
        memcpy(x, chunk[qd], len);
        accumulate(x, disks, role, chunk, len, lost, 1, true);
        scale(x, len, gf_inv(lr_raid_gf_exp2((unsigned)role[lost[0]])));
    } else if (n_lost == 2 && pd >= 0 && qd >= 0) {
        /* Pxy = Dx + Dy, Qxy = g^a Dx + g^b Dy:
         * Dx = (Qxy + g^b Pxy) / (g^a + g^b), Dy = Pxy + Dx */
        uint8_t *x = chunk[lost[0]], *y = chunk[lost[1]];
        uint8_t ga = lr_raid_gf_exp2((unsigned)role[lost[0]]);
        uint8_t gb = lr_raid_gf_exp2((unsigned)role[lost[1]]);
        memcpy(y, chunk[pd], len); /* y holds Pxy */
        accumulate(y, disks, role, chunk, len, lost, 2, false);
        memcpy(x, chunk[qd], len); /* x holds Qxy */
        accumulate(x, disks, role, chunk, len, lost, 2, true);
        gf_tab_t tb;
        gf_tab(&tb, gb);
        for (size_t b = 0; b < len; b++)
            x[b] ^= tb.mul[y[b]];
        scale(x, len, gf_inv(ga ^ gb));
        for (size_t b = 0; b < len; b++)
            y[b] ^= x[b];
    } else if (n_lost) {
        return LR_ERANGE;
    }
    /* lost parity chunks are recomputed from the (now whole) data */
    if (p_lost && pd >= 0) {
        memset(chunk[pd], 0, len);
        accumulate(chunk[pd], disks, role, chunk, len, NULL, 0, false);
    }
    if (q_lost && qd >= 0) {
        memset(chunk[qd], 0, len);
        accumulate(chunk[qd], disks, role, chunk, len, NULL, 0, true);
    }
    return 0;
}

/* ---- the dm-raid superblock --------------------------------------------- */

int lr_raid_sb_decode(const void *buf, size_t len, lr_raid_sb_t *out, lr_error_t *err)
{
    if (!buf || !out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    if (len < LR_RAID_SB_SIZE)
        return lr_error_set(err, LR_ERANGE, 0, "dm-raid superblock: %zu bytes, need %u", len,
                            LR_RAID_SB_SIZE);
    const uint8_t *p = buf;
    memset(out, 0, sizeof(*out));
    out->magic = lr_get_le32(p);
    if (out->magic != LR_RAID_SB_MAGIC)
        return lr_error_set(err, LR_ENOTFOUND, 0, "no dm-raid superblock (magic 0x%08x)",
                            (unsigned)out->magic);
    out->features = lr_get_le32(p + 4);
    out->num_devices = lr_get_le32(p + 8);
    out->array_position = lr_get_le32(p + 12);
    out->events = lr_get_le64(p + 16);
    out->failed_devices = lr_get_le64(p + 24);
    out->disk_recovery_offset = lr_get_le64(p + 32);
    out->array_resync_offset = lr_get_le64(p + 40);
    out->level = lr_get_le32(p + 48);
    out->layout = lr_get_le32(p + 52);
    out->stripe_sectors = lr_get_le32(p + 56);
    out->v190 = out->features & 1u; /* FEATURE_FLAG_SUPPORTS_V190 */
    if (out->v190) {
        out->flags = lr_get_le32(p + 60);
        for (int i = 0; i < 3; i++)
            out->extended_failed[i] = lr_get_le64(p + 120 + 8 * i);
    }
    return 0;
}

bool lr_raid_sb_failed(const lr_raid_sb_t *sb, unsigned disk)
{
    if (!sb || disk >= 256)
        return false;
    if (disk < 64)
        return (sb->failed_devices >> disk) & 1u;
    return sb->v190 && ((sb->extended_failed[disk / 64 - 1] >> (disk % 64)) & 1u);
}
