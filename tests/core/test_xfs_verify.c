/* The kernel's verifiers ported (core/src/xfs_verify.c: xf_dinode_verify,
 * xf_buf_verify) on the kernel's own replayed images
 * (fixtures/xfs-replay/NAME.replayed.img: a copy mounted and unmounted):
 * every inode of every allocated chunk (by the inode B+tree) and every
 * block whose magic they know passes. Then one field at a time broken in
 * a copy of one of each: each caught, with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bin_support.h"
#include "le.h"
#include "lr/io.h"
#include "lr/xfs.h"
#include "mem_io.h"
#include "xfs_int.h"

#define RPFX "xfs-replay"

typedef struct img {
    uint8_t *p;
    size_t len;
    lr_io_t *io;
    lr_xfs_t *fs;
} img_t;

static img_t img_open(const char *name)
{
    img_t m = {0};
    lr_io_t *io = lr_test_open_fixture(RPFX, name);
    m.len = (size_t)lr_io_size(io);
    m.p = malloc(m.len);
    assert_non_null(m.p);
    assert_int_equal(lr_io_pread(io, m.p, m.len, 0, NULL), 0);
    lr_io_close(io, NULL);
    lr_error_t e;
    lr_error_clear(&e);
    assert_int_equal(lr_test_mem_io(&m.io, NULL, m.p, m.len, 0, false, "verify", NULL), 0);
    assert_int_equal(lr_xfs_open(m.io, 0, &m.fs, &e), 0);
    assert_true(m.fs->v5);
    return m;
}

static void img_close(img_t *m)
{
    lr_xfs_free(m->fs);
    lr_io_close(m->io, NULL);
    free(m->p);
}

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* The byte of AG ag's block agbno. */
static size_t ag_byte(const lr_xfs_t *fs, uint32_t ag, uint64_t agbno)
{
    return (size_t)(((uint64_t)ag * fs->agblocks + agbno) * fs->bs);
}

/* The inodes of one inode B+tree leaf record's chunk (startino, its
 * hole mask), each verified. */
static size_t chunk_inodes(const img_t *m, uint32_t ag, uint32_t startino, uint32_t holemask,
                           uint64_t *first)
{
    const lr_xfs_t *fs = m->fs;
    size_t n = 0;
    for (uint32_t i = 0; i < 64; i++) {
        if (fs->sparse && (holemask >> (i / 4) & 1))
            continue;
        uint32_t agino = startino + i;
        size_t at = ag_byte(fs, ag, agino >> fs->inopblog) +
                    (size_t)(agino & (fs->inopblock - 1)) * fs->inodesize;
        assert_true(at + fs->inodesize <= m->len);
        uint64_t ino = (uint64_t)ag << (fs->inopblog + fs->agblklog) | agino;
        const char *why = xf_dinode_verify(fs, m->p, ino, m->p + at);
        if (why)
            print_message("inode %llu: %s\n", (unsigned long long)ino, why);
        assert_null(why);
        if (*first == 0 && be16(m->p + at + 2) != 0)
            *first = ino;
        n++;
    }
    return n;
}

/* The inode B+tree of AG ag from agbno down: every chunk's inodes. */
static size_t walk_inobt(const img_t *m, uint32_t ag, uint32_t agbno, uint32_t depth,
                         uint64_t *first)
{
    const lr_xfs_t *fs = m->fs;
    assert_true(depth < 9);
    const uint8_t *b = m->p + ag_byte(fs, ag, agbno);
    assert_int_equal(lr_get_be32(b), 0x49414233u); /* IAB3 */
    uint32_t level = be16(b + 4), nrecs = be16(b + 6), n = 0;
    if (level == 0) {
        for (uint32_t i = 0; i < nrecs; i++) {
            const uint8_t *r = b + XFS_SBLOCK_V5 + 16u * i;
            n += chunk_inodes(m, ag, lr_get_be32(r), fs->sparse ? be16(r + 4) : 0, first);
        }
        return n;
    }
    uint32_t maxrecs = (fs->bs - XFS_SBLOCK_V5) / 8u;
    for (uint32_t i = 0; i < nrecs; i++)
        n += walk_inobt(m, ag, lr_get_be32(b + XFS_SBLOCK_V5 + 4u * maxrecs + 4u * i), depth + 1,
                        first);
    return n;
}

/* Whether a block's magic is one xf_buf_verify knows (v5). */
static bool known_magic(const uint8_t *b)
{
    static const uint32_t m32[] = {0x41423342, 0x41423343, 0x49414233, 0x46494233,
                                   0x524d4233, 0x52334643, 0x424d4133, 0x58444233,
                                   0x58444433, 0x58444633, 0x58534c4d};
    for (size_t i = 0; i < sizeof(m32) / sizeof(m32[0]); i++)
        if (lr_get_be32(b) == m32[i])
            return true;
    uint32_t m16 = be16(b + 8);
    return m16 == 0x3ebe || m16 == 0x3df1 || m16 == 0x3dff || m16 == 0x3bee;
}

/* Every AG's header sectors and every block of a known magic pass. */
static size_t all_blocks(const img_t *m)
{
    const lr_xfs_t *fs = m->fs;
    size_t n = 0;
    uint32_t dirbs = fs->bs << m->p[192];
    for (uint32_t ag = 0; ag < fs->agcount; ag++)
        for (uint32_t s = 0; s < 4; s++) {
            size_t at = ag_byte(fs, ag, 0) + (size_t)s * fs->sectsize;
            const char *why = xf_buf_verify(fs, m->p, m->p + at, fs->sectsize, at / 512);
            if (why)
                print_message("AG %u sector %u: %s\n", ag, s, why);
            assert_null(why);
            n++;
        }
    for (size_t at = 0; at + fs->bs <= m->len; at += fs->bs) {
        const uint8_t *b = m->p + at;
        if (!known_magic(b))
            continue;
        uint32_t m32 = lr_get_be32(b), m16 = be16(b + 8);
        bool dir = m32 == 0x58444233 || m32 == 0x58444433 || m32 == 0x58444633 || m16 == 0x3df1 ||
                   m16 == 0x3dff || m16 == 0x3ebe;
        size_t len = dir && at + dirbs <= m->len ? dirbs : fs->bs;
        const char *why = xf_buf_verify(fs, m->p, b, len, at / 512);
        if (why)
            print_message("block at %zu (magic %08x): %s\n", at, m32, why);
        assert_null(why);
        n++;
    }
    return n;
}

/* The kernel's replayed copies: all pass. */
static void test_replayed_pass(void **state)
{
    (void)state;
    const char *names[] = {"archive5.replayed.img", "unlink5.replayed.img", "wrap5.replayed.img"};
    for (size_t i = 0; i < 3; i++) {
        img_t m = img_open(names[i]);
        size_t inodes = 0;
        uint64_t first = 0;
        for (uint32_t ag = 0; ag < m.fs->agcount; ag++) {
            const uint8_t *agi = m.p + ag_byte(m.fs, ag, 0) + 2u * m.fs->sectsize;
            inodes += walk_inobt(&m, ag, lr_get_be32(agi + 20), 0, &first);
        }
        size_t blocks = all_blocks(&m);
        print_message("%s: %zu inodes, %zu blocks passed\n", names[i], inodes, blocks);
        assert_true(inodes >= 64);
        assert_true(blocks > 8);
        img_close(&m);
    }
}

/* ---- breakages ---------------------------------------------------------- */

/* A copy of len bytes at p with the big-endian field of width w at off set
 * to v. */
static uint8_t *broken(const uint8_t *p, size_t len, size_t off, unsigned w, uint64_t v)
{
    uint8_t *c = malloc(len);
    assert_non_null(c);
    memcpy(c, p, len);
    if (w == 1)
        c[off] = (uint8_t)v;
    else if (w == 2)
        lr_put_be16(c + off, (uint32_t)v);
    else if (w == 4)
        lr_put_be32(c + off, (uint32_t)v);
    else
        lr_put_be64(c + off, v);
    return c;
}

typedef struct brk {
    size_t off;
    unsigned w;
    uint64_t v;
    const char *what; /* a word the reason holds */
} brk_t;

static void inode_breaks(const img_t *m, uint64_t ino, const uint8_t *dip, const brk_t *b, size_t n)
{
    assert_null(xf_dinode_verify(m->fs, m->p, ino, dip));
    for (size_t i = 0; i < n; i++) {
        uint8_t *c = broken(dip, m->fs->inodesize, b[i].off, b[i].w, b[i].v);
        const char *why = xf_dinode_verify(m->fs, m->p, ino, c);
        print_message("inode byte %zu = %llx: %s\n", b[i].off, (unsigned long long)b[i].v,
                      why ? why : "(passed)");
        assert_non_null(why);
        assert_non_null(strstr(why, b[i].what));
        free(c);
    }
}

static void buf_breaks(const img_t *m, size_t at, size_t len, const brk_t *b, size_t n)
{
    assert_null(xf_buf_verify(m->fs, m->p, m->p + at, len, at / 512));
    for (size_t i = 0; i < n; i++) {
        uint8_t *c = broken(m->p + at, len, b[i].off, b[i].w, b[i].v);
        const char *why = xf_buf_verify(m->fs, m->p, c, len, at / 512);
        print_message("block %zu byte %zu = %llx: %s\n", at, b[i].off, (unsigned long long)b[i].v,
                      why ? why : "(passed)");
        assert_non_null(why);
        assert_non_null(strstr(why, b[i].what));
        free(c);
    }
}

/* The first block with magic m32 (or 16-bit m16 at byte 8). */
static size_t find_block(const img_t *m, uint32_t m32, uint32_t m16)
{
    for (size_t at = 0; at + m->fs->bs <= m->len; at += m->fs->bs)
        if ((m32 && lr_get_be32(m->p + at) == m32) || (m16 && be16(m->p + at + 8) == m16))
            return at;
    return SIZE_MAX;
}

/* The root directory inode (sb_rootino), a regular file's. */
static void test_inode_breaks(void **state)
{
    (void)state;
    img_t m = img_open("archive5.replayed.img");
    uint64_t root = lr_get_be64(m.p + 56);
    uint32_t agino_log = (uint32_t)m.fs->inopblog + m.fs->agblklog;
    uint32_t ag = (uint32_t)(root >> agino_log);
    uint32_t agino = (uint32_t)(root & ((1u << agino_log) - 1));
    const uint8_t *dip = m.p + ag_byte(m.fs, ag, agino >> m.fs->inopblog) +
                         (size_t)(agino & (m.fs->inopblock - 1)) * m.fs->inodesize;
    assert_int_equal(be16(dip + 2) & 0170000, 0040000);
    const brk_t dir[] = {
        {0, 2, 0x4949, "not IN"},
        {152, 8, root + 1, "di_ino"},
        {160, 1, dip[160] ^ 1, "di_uuid"},
        {6, 2, 1, "di_onlink"},
        {56, 8, 1ull << 63, "negative size"},
        {2, 2, 0170755, "no file type"},
        {24, 8, 1, "di_v3_pad"},
        {120, 8, lr_get_be64(dip + 120) | 0x10, "large extent counts"},
        {64, 8, 5, "blocks without extents"},
        {82, 1, 255, "fork"},
        {5, 1, 9, "format"},
        {83, 1, 7, "attribute"},
        {80, 2, 1, "extents"},
        {90, 2, 0x1, "realtime"},
        {90, 2, 0x800, "EXTSIZE"},
        {72, 4, 16, "extent size without its flag"},
        {120, 8, lr_get_be64(dip + 120) | 0x2, "reflink"},
        {120, 8, lr_get_be64(dip + 120) | 0x4, "CoW"},
        {128, 4, 1, "CoW extent size without"},
        {5, 1, 2, "small directory"},
    };
    inode_breaks(&m, root, dip, dir, sizeof(dir) / sizeof(dir[0]));
    /* a linked empty directory; a local regular file */
    const brk_t more[] = {
        {56, 8, 0, "empty directory"},
        {2, 2, 0100644, "local regular file"},
        {2, 2, 0020644, "device"},
    };
    inode_breaks(&m, root, dip, more, sizeof(more) / sizeof(more[0]));
    /* a v2 inode on a v5 filesystem cannot be checked as one: its version
     * is not the filesystem's; a v3 on a v4 is caught (fs->v5 cleared) */
    lr_xfs_t v4 = *m.fs;
    v4.v5 = false;
    assert_non_null(xf_dinode_verify(&v4, m.p, root, dip));
    img_close(&m);
}

static void test_header_breaks(void **state)
{
    (void)state;
    img_t m = img_open("archive5.replayed.img");
    const lr_xfs_t *fs = m.fs;
    size_t ss = fs->sectsize, ag1 = ag_byte(fs, 1, 0);
    /* the primary superblock */
    const brk_t sb[] = {
        {100, 2, 0xb4a4, "v4"},
        {4, 4, 8192, "block size"},
        {84, 4, 1000, "group"},
        {104, 2, 300, "inode"},
        {216, 4, lr_get_be32(m.p + 216) | 0x100, "incompatible"},
        {212, 4, 0x10, "read-only"},
        {220, 4, 0x2, "log features"},
        {228, 4, 0xffff, "sparse inode alignment"},
        {144, 8, fs->dblocks + 1, "summary counters"},
        {128, 8, 1, "summary counters"},
    };
    buf_breaks(&m, 0, ss, sb, sizeof(sb) / sizeof(sb[0]));
    const brk_t sb2[] = {{24, 8, 5, "realtime"}, {96, 4, 2u << 20, "log"}, {184, 4, 1, "stripe"}};
    buf_breaks(&m, 0, ss, sb2, 3);
    /* AG 1's AGF */
    const brk_t agf[] = {
        {64, 1, m.p[ag1 + ss + 64] ^ 1, "uuid"},
        {4, 4, 2, "version"},
        {8, 4, 0, "seqno"},
        {12, 4, 10, "length"},
        {40, 4, 5000, "free list"},
        {52, 4, 0, "free blocks"},
        {28, 4, 0, "levels"},
        {32, 4, 99, "levels"},
        {60, 4, 0xffffffu, "btreeblks"},
    };
    buf_breaks(&m, ag1 + ss, ss, agf, sizeof(agf) / sizeof(agf[0]));
    /* AG 1's AGI */
    const brk_t agi[] = {
        {296, 1, m.p[ag1 + 2 * ss + 296] ^ 1, "uuid"},
        {4, 4, 0, "version"},
        {8, 4, 0, "seqno"},
        {24, 4, 0, "level"},
        {24, 4, 50, "level"},
        {40, 4, 1, "unlinked"},
    };
    buf_breaks(&m, ag1 + 2 * ss, ss, agi, sizeof(agi) / sizeof(agi[0]));
    if (fs->v5 && (lr_get_be32(m.p + 212) & 1)) {
        const brk_t fagi[] = {{332, 4, 0, "free inode"}};
        buf_breaks(&m, ag1 + 2 * ss, ss, fagi, 1);
    }
    /* AG 1's AGFL */
    const brk_t agfl[] = {
        {8, 1, m.p[ag1 + 3 * ss + 8] ^ 1, "uuid"},
        {4, 4, 0, "seqno"},
        {36, 4, fs->agblocks, "past the group"},
    };
    buf_breaks(&m, ag1 + 3 * ss, ss, agfl, sizeof(agfl) / sizeof(agfl[0]));
    img_close(&m);
}

static void test_tree_breaks(void **state)
{
    (void)state;
    img_t m = img_open("archive5.replayed.img");
    const lr_xfs_t *fs = m.fs;
    const uint32_t shorts[] = {0x41423342, 0x41423343, 0x49414233, 0x46494233, 0x52334643};
    for (size_t i = 0; i < 5; i++) {
        size_t at = find_block(&m, shorts[i], 0);
        if (at == SIZE_MAX)
            continue;
        uint32_t agbno = (uint32_t)((at / fs->bs) % fs->agblocks);
        const brk_t b[] = {
            {32, 1, m.p[at + 32] ^ 1, "uuid"},
            {16, 8, at / 512 + 8, "bb_blkno"},
            {48, 4, 7, "owner"},
            {4, 2, 20, "level"},
            {6, 2, 0xffff, "more records"},
            {8, 4, agbno, "itself"},
            {12, 4, fs->agblocks + 5, "outside"},
            {8, 4, 0, "outside"},
        };
        buf_breaks(&m, at, fs->bs, b, sizeof(b) / sizeof(b[0]));
    }
    /* the fixtures' files hold no block-map B+tree: a leaf made where an
     * inode B+tree block lies (its address, the filesystem's uuid) */
    size_t at = find_block(&m, 0x49414233, 0);
    assert_true(at != SIZE_MAX);
    uint8_t *lb = calloc(1, fs->bs);
    assert_non_null(lb);
    lr_put_be32(lb, 0x424d4133);
    lr_put_be64(lb + 8, UINT64_MAX);
    lr_put_be64(lb + 16, UINT64_MAX);
    lr_put_be64(lb + 24, at / 512);
    memcpy(lb + 40, fs->uuid, 16);
    lr_put_be64(lb + 56, 131);
    memcpy(m.p + at, lb, fs->bs);
    free(lb);
    uint64_t fsb =
        (uint64_t)(at / fs->bs / fs->agblocks) << fs->agblklog | (at / fs->bs) % fs->agblocks;
    const brk_t bm[] = {
        {40, 1, m.p[at + 40] ^ 1, "uuid"},
        {24, 8, at / 512 + 8, "bb_blkno"},
        {4, 2, 30, "level"},
        {6, 2, 0xffff, "more records"},
        {8, 8, fsb, "itself"},
        {16, 8, (uint64_t)fs->agcount << fs->agblklog, "outside"},
    };
    buf_breaks(&m, at, fs->bs, bm, sizeof(bm) / sizeof(bm[0]));
    /* an rmap block on a filesystem without the tree */
    uint8_t *c = broken(m.p + at, fs->bs, 0, 4, 0x524d4233);
    if (!(lr_get_be32(m.p + 212) & 2))
        assert_non_null(xf_buf_verify(fs, m.p, c, fs->bs, at / 512));
    free(c);
    img_close(&m);
}

static void test_dir_breaks(void **state)
{
    (void)state;
    img_t m = img_open("archive5.replayed.img");
    const lr_xfs_t *fs = m.fs;
    uint32_t dirbs = fs->bs << m.p[192];
    const uint32_t dirs[] = {0x58444233, 0x58444433, 0x58444633};
    size_t tried = 0;
    for (size_t i = 0; i < 3; i++) {
        size_t at = find_block(&m, dirs[i], 0);
        if (at == SIZE_MAX)
            continue;
        const brk_t b[] = {{24, 1, m.p[at + 24] ^ 1, "uuid"}, {8, 8, 0, "blkno"}};
        buf_breaks(&m, at, dirbs, b, 2);
        tried++;
    }
    size_t at = find_block(&m, 0, 0x3df1); /* a leaf1 */
    if (at != SIZE_MAX) {
        const brk_t b[] = {{32, 1, m.p[at + 32] ^ 1, "uuid"},
                           {16, 8, 0, "blkno"},
                           {56, 2, 0xffff, "entries"},
                           {58, 2, 0x7fff, "stale"}};
        buf_breaks(&m, at, dirbs, b, 4);
        tried++;
    }
    at = find_block(&m, 0x58534c4d, 0); /* symlink */
    if (at != SIZE_MAX) {
        const brk_t b[] = {{16, 1, m.p[at + 16] ^ 1, "uuid"},
                           {40, 8, 0, "blkno"},
                           {8, 4, 1024, "longest"},
                           {32, 8, 0, "owner"}};
        buf_breaks(&m, at, fs->bs, b, 4);
        tried++;
    }
    /* a da3 node and an attribute leaf, made from a directory block's
     * v5 header (uuid, blkno as they lie) */
    at = find_block(&m, 0x58444233, 0);
    if (at == SIZE_MAX)
        at = find_block(&m, 0x58444433, 0);
    if (at != SIZE_MAX) {
        uint8_t *n = calloc(1, fs->bs);
        assert_non_null(n);
        memcpy(n + 16, m.p + at + 8, 8);   /* blkno */
        memcpy(n + 32, m.p + at + 24, 16); /* uuid */
        lr_put_be16(n + 8, 0x3ebe);
        lr_put_be16(n + 56, 2); /* count */
        lr_put_be16(n + 58, 1); /* level */
        assert_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 58, 0);
        assert_non_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 58, 6);
        assert_non_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 58, 1);
        lr_put_be16(n + 56, 0);
        assert_non_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 56, 0xffff);
        assert_non_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 8, 0x3bee); /* attribute leaf: count 0 */
        lr_put_be16(n + 56, 0);
        lr_put_be16(n + 60, (uint16_t)fs->bs); /* firstused: the end */
        assert_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 60, 40);
        assert_non_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        lr_put_be16(n + 60, (uint16_t)fs->bs);
        lr_put_be16(n + 64, 3); /* freemap[0].base unaligned */
        assert_non_null(xf_buf_verify(fs, m.p, n, fs->bs, at / 512));
        free(n);
        tried++;
    }
    print_message("%zu directory/attribute/symlink kinds broken\n", tried);
    assert_true(tried >= 2);
    img_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replayed_pass), cmocka_unit_test(test_inode_breaks),
        cmocka_unit_test(test_header_breaks), cmocka_unit_test(test_tree_breaks),
        cmocka_unit_test(test_dir_breaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
