/* lvmrescue core: files btrfs stores inline in a tree leaf, and the
 * compressed data it writes.
 *
 * btrfs keeps a small file (up to max_inline, 2 KiB by default; every file
 * under 4 KiB that mkfs.btrfs --rootdir writes) inside a leaf of its
 * filesystem tree, at any byte, with other items' bytes after it, and
 * compresses it there on a filesystem mounted with compress=; a larger
 * file it compresses into data extents of up to 128 KiB, each one zlib
 * stream, zstd frame or lzo segment list from a sector start. The scanner finds LVM2
 * backup/archive files stored so. Decoded field by field with
 * bounds checks (kernel: fs/btrfs/accessors.h, tree-checker.c):
 *   tree block header  101 bytes; nritems le32 at 96, level at 100
 *                      (0: a leaf), bytenr le64 at 48, generation at 80
 *   leaf item          25 bytes from 101: key (objectid le64, type u8,
 *                      offset le64), data offset le32 (from byte 101),
 *                      data size le32; data packed from the leaf's end
 *   file extent item   generation le64, ram_bytes le64 (the file's
 *                      bytes), compression u8 (0 none, 1 zlib, 2 lzo,
 *                      3 zstd), encryption u8, other_encoding le16, type
 *                      u8 (0: inline), then the inline bytes */
#ifndef LR_BTRFS_H
#define LR_BTRFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"
#include "lr/io.h"

#define LR_BTRFS_HEADER 101u
#define LR_BTRFS_ITEM 25u
#define LR_BTRFS_MAX_NODE 65536u /* nodesize is 4 KiB to 64 KiB */
#define LR_BTRFS_MAX_ITEMS ((LR_BTRFS_MAX_NODE - LR_BTRFS_HEADER) / LR_BTRFS_ITEM)
#define LR_BTRFS_PAST 2 /* a result: what is asked lies past the bytes given */
/* BTRFS_MAX_UNCOMPRESSED: the bytes of a file one compressed extent holds */
#define LR_BTRFS_MAX_EXTENT (128u * 1024)
/* The most stored bytes a compressed extent takes: btrfs keeps data plain
 * when compressing does not shrink it; a sector more for framing. */
#define LR_BTRFS_MAX_STORED (LR_BTRFS_MAX_EXTENT + 4096u)

enum lr_btrfs_compression {
    LR_BTRFS_NONE = 0,
    LR_BTRFS_ZLIB = 1,
    LR_BTRFS_LZO = 2,
    LR_BTRFS_ZSTD = 3,
};

/* The compression's name as btrfs's mount option spells it ("zlib",
 * "lzo", "zstd"; static), NULL for LR_BTRFS_NONE or a value btrfs does
 * not write. */
const char *lr_btrfs_compression_name(uint8_t compression);

/* Whether this build decodes the compression (zlib always; zstd with
 * libzstd, lzo with liblzo2; none: the bytes as they are). */
bool lr_btrfs_decodes(uint8_t compression);

/* A file's bytes inline in a leaf. */
typedef struct lr_btrfs_inline {
    size_t at;           /* where its stored bytes start, from the leaf's start */
    uint32_t stored;     /* bytes stored (compressed or not) */
    uint64_t ram_bytes;  /* the file's bytes once decoded */
    uint8_t compression; /* enum lr_btrfs_compression */
} lr_btrfs_inline_t;

/* Whether p (avail bytes readable) may start a leaf: level 0 and 1 to
 * LR_BTRFS_MAX_ITEMS items. One load and a compare: a scanner's first test
 * on every sector (zeroed and random data fail it at the item count). */
static inline bool lr_btrfs_maybe_leaf(const uint8_t *p, size_t avail)
{
    if (avail < LR_BTRFS_HEADER || p[100] != 0)
        return false;
    uint32_t n =
        (uint32_t)p[96] | (uint32_t)p[97] << 8 | (uint32_t)p[98] << 16 | (uint32_t)p[99] << 24;
    return n - 1u < LR_BTRFS_MAX_ITEMS;
}

/* Checks the leaf at p (have bytes readable) as the kernel's tree-checker
 * does: bytenr and generation set, keys ascending, item 0's data ending at
 * the leaf's end (a power of two from 4 KiB to 64 KiB: the node size) and
 * each other item's where the one before starts. Returns 0 for a leaf
 * (*items set), 1 for anything else, LR_BTRFS_PAST when the item array
 * runs past `have`. Reads nothing past p + have. */
int lr_btrfs_leaf_check(const uint8_t *p, size_t have, uint32_t *items);

/* Item i of a leaf lr_btrfs_leaf_check accepted: 1 with *out filled when
 * it is a file's inline extent (not encrypted or otherwise encoded; 1 to
 * LR_BTRFS_MAX_NODE bytes once decoded), 0
 * when it is something else, LR_BTRFS_PAST when its data lies past
 * `have`. */
int lr_btrfs_leaf_inline(const uint8_t *p, size_t have, uint32_t i, lr_btrfs_inline_t *out);

/* What decoding keeps from one file to the next (a zstd context: making
 * one costs more than decoding a small file). One per thread. */
typedef struct lr_btrfs_decoder lr_btrfs_decoder_t;

/* A new decoder into *out (the caller's: lr_btrfs_decoder_free). Returns
 * 0 or -ENOMEM. */
int lr_btrfs_decoder_new(lr_btrfs_decoder_t **out);

/* Frees a decoder (NULL is fine). */
void lr_btrfs_decoder_free(lr_btrfs_decoder_t *dec);

/* What decoding made: `made` bytes of output; `ended` when the data's
 * own end was reached cleanly (a zlib stream's adler32 checked), `used`
 * then the stored bytes it took. */
typedef struct lr_btrfs_decoded {
    size_t made;
    size_t used;
    bool ended;
} lr_btrfs_decoded_t;

/* Decodes bytes btrfs stored (in, in_len; compression as in
 * lr_btrfs_inline_t: an inline extent's bytes, or a data extent's from
 * its sector start, the file's first up to LR_BTRFS_MAX_EXTENT bytes and
 * zeros after its end) into out, up to out_len bytes or the data's end,
 * as the kernel's btrfs_decompress does (zlib: raw deflate after the
 * zlib header; zstd: one frame, a window of at most 128 KiB; lzo: a
 * le32 of the data's bytes, then a le32 length and lzo1x data per 4 KiB
 * sector of the file; none: the bytes as they are). whole: out_len is the file's length
 * (ram_bytes), and the data must end exactly there, a zlib stream with its adler32 right (which the
 * kernel writes but does not check); else out_len bytes made, or the data's clean end before, is
 * success. *res says what was made and where the data ended. Returns 0, -ENOTSUP for a compression
 * this build lacks (zstd without libzstd, lzo without liblzo2) or does
 * not know, LR_EFORMAT when
 * the bytes do not decode (res->made then counts what decoded before the
 * fault), -ENOMEM. dec may be NULL (a context is then made for this
 * call). */
int lr_btrfs_decode(lr_btrfs_decoder_t *dec, uint8_t compression, const uint8_t *in, size_t in_len,
                    uint8_t *out, size_t out_len, bool whole, lr_btrfs_decoded_t *res);

/* Whether p starts like a compressed extent (a zstd frame's magic, a
 * zlib header with no preset dictionary, or lzo's two le32 lengths, the
 * first segment's within the data's); *compression says which, and
 * *size (when not NULL: reading it parses a zstd frame's header) the
 * bytes the data decodes to when its header says (a zstd frame btrfs
 * writes does), else 0. A first test: most zlib-looking sectors are
 * not. */
bool lr_btrfs_maybe_extent(const uint8_t *p, size_t avail, uint8_t *compression, uint64_t *size);

/* ---- a file read through the filesystem's trees ---------------------- */

#define LR_BTRFS_MAGIC "_BHRfS_M"
#define LR_BTRFS_MAGIC_AT 64u /* in the superblock */

/* Whether p (avail bytes) is a copy of a btrfs superblock: its magic at
 * byte 64, a sector and node size btrfs allows (4 KiB to 64 KiB, the
 * sector at most the node), and the byte of its
 * device it says it lies at (64 KiB for the primary; 64 MiB and 256 GiB
 * for the mirrors) into *at; *bytes the device's size (each may be NULL).
 * Checksum not checked (lr_btrfs_open does). Pure decoding. */
bool lr_btrfs_superblock(const uint8_t *p, size_t avail, uint64_t *at, uint64_t *bytes);

/* A btrfs opened for reading through its trees. */
typedef struct lr_btrfs lr_btrfs_t;

/* Opens the btrfs whose device starts at byte `start` of io: its primary
 * superblock, or when that one is not a superblock or fails its checksum
 * the mirror (at 64 MiB, 256 GiB) of the latest generation that is, of
 * the same filesystem (the damaged primary's fsid, else the first
 * mirror's) and within its device (crc32c checked; a filesystem made with another checksum type is
 * read with its blocks' checksums not checked), and its chunk map (the superblock's system chunks,
 * then the chunk tree), for this device only: chunks spread over several devices (RAID0, RAID10,
 * RAID5/6) are not mapped, and their bytes not read; a tree block whose copy fails its checks is
 * read from the chunk's next copy on the device (DUP), as the kernel does. The log tree (a crash's
 * fsynced files) is not read. Returns 0 with *out (the caller's: lr_btrfs_free; io must outlive
 * it), LR_ENOTFOUND when no superblock is there, LR_ECHECKSUM (the primary's, no mirror read),
 * LR_EFORMAT for a superblock or tree block that is not what btrfs
 * writes, an I/O error, -ENOMEM. */
int lr_btrfs_open(lr_io_t *io, uint64_t start, lr_btrfs_t **out, lr_error_t *err);

/* Frees fs (NULL: nothing). */
void lr_btrfs_free(lr_btrfs_t *fs);

/* Reads the file whose first data extent starts at byte `at` of io, as
 * the filesystem's current trees give it: the extent tree names the file
 * that refers to that extent from its byte 0, the file's tree its size
 * and its extents in order, each decoded when compressed, holes (no
 * item, or a hole item) as zeros. Up to len bytes into buf (*got of
 * them) from the file's start; *size its size (len 0: the size only, buf
 * not used). The extent's first 8 data references naming a file's byte
 * 0 are tried in turn, then for its first 8 shared references (a
 * snapshot's: the leaf holding the file's extent item) each inode that
 * leaf says begins with it, in the leaf's owner and then in each
 * subvolume; the first file that begins with the extent is
 * read. Each data sector read is checked against the checksum the
 * checksum tree holds for it (crc32c; other types are counted, not
 * computed: lr_btrfs_last_sums); one that does not match is read from
 * the chunk's next copy on the device (DUP), as the kernel reads another
 * mirror, and when no copy matches the read fails with LR_ECHECKSUM, err
 * naming the sector's logical address and its first copy's byte of io.
 * Returns 0; LR_ENOTFOUND when no file in use begins with that extent (a
 * deleted file's, an extent no chunk of this device holds; *size 0); LR_EFORMAT or LR_ECHECKSUM
 * for a tree block or item that is not what btrfs writes (err says
 * which), an extent that does not decode, a data sector no copy of which
 * matches its checksum;
 * -ENOTSUP for a compression this build does not decode; an I/O error;
 * -ENOMEM. */
int lr_btrfs_read_file_at(lr_btrfs_t *fs, uint64_t at, void *buf, size_t len, size_t *got,
                          uint64_t *size, lr_error_t *err);

/* What the last file read (lr_btrfs_read_file_at, _alloc) learnt of its
 * data sectors' checksums (the checksum tree's, over each sector as
 * stored: compressed bytes when compressed). Inline files have none
 * (their leaf's checksum covers them); holes and preallocated space none
 * either. */
typedef struct lr_btrfs_sums {
    uint64_t checked;    /* sectors whose crc32c was right */
    uint64_t unstored;   /* sectors with no checksum stored (a nodatasum or
                          * nodatacow file's, or a checksum item lost) */
    uint64_t unverified; /* sectors whose checksum is of a type this reader
                          * does not compute (xxhash64, sha256, blake2b) */
    /* the read failed (LR_ECHECKSUM) at a data sector whose checksum no
     * copy matches: the file's bytes are damaged there (not its trees) */
    bool damaged;
} lr_btrfs_sums_t;

/* What a read's tallies say of its data, in one word a program can put
 * its own words to. */
enum lr_btrfs_sums_verdict {
    LR_BTRFS_SUMS_NONE_READ,     /* no data sector read (inline bytes, holes): nothing to say */
    LR_BTRFS_SUMS_RIGHT,         /* every sector read had its checksum, and it was right */
    LR_BTRFS_SUMS_SOME_UNSTORED, /* right where stored, some sectors with none */
    LR_BTRFS_SUMS_UNSTORED,      /* no sector had a checksum stored */
    LR_BTRFS_SUMS_UNVERIFIED,    /* checksums of a type not computed here */
};

/* The verdict of tallies s (pure). */
enum lr_btrfs_sums_verdict lr_btrfs_sums_verdict(const lr_btrfs_sums_t *s);

/* The last file read's checksum tallies into *out (zeros before any; after
 * a read that failed, zero counts and `damaged` said). */
void lr_btrfs_last_sums(const lr_btrfs_t *fs, lr_btrfs_sums_t *out);

/* The same read of the whole file into a buffer of its size made here
 * (*out, the caller's: free; NULL on failure), when the file is at most
 * max bytes: else LR_ELIMIT (*size its size). One walk of the trees,
 * where asking the size first and reading then takes two. Fails as
 * lr_btrfs_read_file_at does. */
int lr_btrfs_read_file_alloc(lr_btrfs_t *fs, uint64_t at, size_t max, uint8_t **out, uint64_t *size,
                             lr_error_t *err);

/* The same reads of a file whose first bytes are inline in a leaf: item
 * `item` of the leaf whose first byte is byte `at` of io (a compressed
 * btrfs inlines a file's first 4 KiB when that is all it held when first
 * written back: LVM2 writes a backup file 4 KiB at a time and fsyncs
 * before its last piece, so one of 4 to 8 KiB lies so, its rest in a
 * data extent). The file is the leaf owner's inode the item names, or
 * that inode in another subvolume (a snapshot shares the leaf), whose
 * first extent item is byte for byte the leaf's (the leaf may be an
 * older copy of the tree's); its inline bytes decoded, then its data
 * extents as lr_btrfs_read_file_at reads them. Fails as
 * lr_btrfs_read_file_at does; LR_ERANGE for an item past the leaf's. */
int lr_btrfs_read_inline_file_at(lr_btrfs_t *fs, uint64_t at, uint32_t item, void *buf, size_t len,
                                 size_t *got, uint64_t *size, lr_error_t *err);

/* lr_btrfs_read_inline_file_at into a buffer of the file's size, as
 * lr_btrfs_read_file_alloc. */
int lr_btrfs_read_inline_file_alloc(lr_btrfs_t *fs, uint64_t at, uint32_t item, size_t max,
                                    uint8_t **out, uint64_t *size, lr_error_t *err);

#endif
