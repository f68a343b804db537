/* Private to the image-access layers (io.c: the handle and the file/block
 * device layer; io_formats.c: which format a file holds and its opener;
 * io_gzip.c: gzip images; io_yal.c: EWF, qcow2, VMDK, VHD/VHDX; io_vhd.c:
 * the data of VHD files, read through our own block map; io_split.c:
 * split raw sets; io_stream.c with io_xz.c and io_zstd.c: xz and zstd,
 * io_keep.c: the ranges they keep).
 * Not installed. */
#ifndef LR_IO_INT_H
#define LR_IO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "lr/io.h"

struct lr_io {
    const lr_io_ops_t *ops;
    void *ctx;
    uint64_t size;
    char *name;
    bool is_gzip;
    int fmt; /* LR_IO_FMT_* */
    /* false while a lazily opened layer has not yet read to its end: size
     * is then the bytes known to exist, size_hint an estimate (io.h). The
     * three are read and written atomically (io.c io_size, lr_io_set_size):
     * another thread may read the handle while one streams it. */
    bool size_known;
    uint64_t size_hint;
    /* lr_io_note: verdicts recorded at open, or by a lazy layer's first
     * pass (malloc'd, freed at close) */
    char **notes;
    size_t n_notes;
    size_t n_snapshots; /* internal snapshots the image holds (lr_io_snapshots) */
    char *snapshot;     /* the one read, as the opener named it (lr_io_snapshot) */
};

#define LR_IO_MAX_NOTES 64 /* notes kept per handle; later ones are dropped */

/* Appends a copy of text to io's notes (lr_io_note); past LR_IO_MAX_NOTES
 * it is dropped. 0 or -ENOMEM. */
int lr_io_add_note(lr_io_t *io, const char *text) __attribute__((visibility("hidden")));

/* Image formats (lr_io_format names them). */
enum {
    LR_IO_FMT_RAW,
    LR_IO_FMT_GZIP,
    LR_IO_FMT_EWF,
    LR_IO_FMT_QCOW,
    LR_IO_FMT_VMDK,
    LR_IO_FMT_VHD,
    LR_IO_FMT_VHDX,
    LR_IO_FMT_XZ,
    LR_IO_FMT_ZSTD,
    LR_IO_FMT_SPLIT,
    LR_IO_FMT_LZMA,
    LR_IO_FMT_COUNT
};

#define LR_IO_HIDDEN __attribute__((visibility("hidden")))

/* Reads len bytes of the file fd at off into buf the way every layer reads
 * its files: pread again when a signal interrupts it or a read comes back
 * short, until len bytes are read or the file ends. 0 or -errno (a read
 * failed; -EOVERFLOW for an offset beyond what pread can address); either
 * way *got says how many bytes were read (fewer than len with 0: the end
 * of the file), so that the caller names the offset that failed, off +
 * *got. Whether a short read is an error is the caller's to say. */
int lr_io_fd_pread(int fd, void *buf, size_t len, uint64_t off, size_t *got) LR_IO_HIDDEN;

/* A disk image stored as one file of a plain tar archive (an OVA's VMDK),
 * read where it lies in the archive. */
typedef struct lr_io_member {
    int fmt;           /* LR_IO_FMT_VMDK; LR_IO_FMT_RAW: no member */
    uint64_t at, size; /* its bytes in the archive */
    char name[101];
} lr_io_member_t;

/* The format of the regular file fd (size bytes) at path, by content (and
 * for a split set, by its name and its second segment). A plain tar
 * archive is raw, its headers walked: *note (may be NULL) receives the
 * note its handle gets (malloc'd, the caller's; NULL for any other file),
 * naming where its files lie. A plain tar archive whose one disk image is
 * a VMDK file (an OVA) sets *fmt to VMDK and *member (may be NULL) to be
 * read through lr_io_member_open. An archive that would read wrongly as
 * raw (a zip, a tar holding a file stored sparse or an image format it
 * cannot read there), or a compression we do not read, is refused
 * (LR_EREFUSED, -ENOTSUP); so is, when member is given (an open to read),
 * an image format no library here reads (VDI, QED, Parallels, LUKS). */
int lr_io_detect(int fd, const char *path, uint64_t size, int *fmt, char **note,
                 lr_io_member_t *member, lr_error_t *err) LR_IO_HIDDEN;
/* A block device is read as a raw disk whatever its first bytes are; when
 * they are an image format's or a LUKS header (a qcow2 on an LV, an
 * encrypted partition), the note its handle gets saying so (malloc'd, the
 * caller's), else NULL: "no LVM found" is then not shown as the whole
 * story. */
char *lr_io_device_note(int fd, const char *path) LR_IO_HIDDEN;
/* Opens the disk image a plain tar archive holds as one of its files
 * (lr_io_detect's member; fd is owned from here on and closed), with the
 * archive's note. */
int lr_io_member_open(lr_io_t **out, int fd, const char *path, const lr_io_member_t *member,
                      const char *note, lr_error_t *err) LR_IO_HIDDEN;
/* Opens a non-raw image of format fmt; fd is owned from here on (closed on
 * failure too). A format this build has no library for is refused naming
 * the library (-ENOTSUP). */
int lr_io_format_open(lr_io_t **out, int fmt, int fd, const char *path,
                      const lr_io_open_opts_t *opts, lr_error_t *err) LR_IO_HIDDEN;
const char *lr_io_fmt_name(int fmt) LR_IO_HIDDEN;
const char *lr_io_fmt_label(int fmt) LR_IO_HIDDEN;
/* The article of fmt's label ("a", "an"). */
const char *lr_io_fmt_a(int fmt) LR_IO_HIDDEN;
/* The format (LR_IO_FMT_*) a file's first n bytes (head) name by their
 * magic alone; LR_IO_FMT_RAW for none. */
int lr_io_head_format(const uint8_t *head, size_t n) LR_IO_HIDDEN;

/* Split raw sets (io_split.c): 1 if path names the first segment of one. */
int lr_io_split_is_set(const char *path) LR_IO_HIDDEN;
/* When path is named as a split set's first segment and the second lies
 * beside it, larger (not cut by split: `split -C`, or a segment changed),
 * a note saying it is read alone (malloc'd), else NULL. */
char *lr_io_split_unfit(const char *path) LR_IO_HIDDEN;
/* When path names a later segment of a split set (a suffix of 2 to 5
 * digits or letters that is no first segment's) and the set's first
 * segment and the one before path lie beside it: the first's name
 * (malloc'd); else NULL (also out of memory). */
char *lr_io_split_first_of(const char *path) LR_IO_HIDDEN;
int lr_io_split_open(lr_io_t **out, int fd, const char *path, lr_error_t *err) LR_IO_HIDDEN;

/* The libyal layers (io_yal.c) open the image by its name. */
int lr_io_ewf_open(lr_io_t **out, const char *path, lr_error_t *err) LR_IO_HIDDEN;
int lr_io_qcow_open(lr_io_t **out, const char *path, const char *snapshot,
                    lr_error_t *err) LR_IO_HIDDEN;
int lr_io_vmdk_open(lr_io_t **out, const char *path, lr_error_t *err) LR_IO_HIDDEN;
/* A VMDK descriptor's first line (a descriptor file's, or the one a sparse
 * extent embeds). */
#define LR_IO_VMDK_DESCRIPTOR "# Disk DescriptorFile"
/* Reads len bytes at off of some file into buf, lr_io_fd_pread's way. */
typedef int (*lr_io_read_fn)(void *ctx, void *buf, size_t len, uint64_t off, size_t *got);
/* Whether a VMDK sparse extent ("KDMV"; its first n bytes in h, of size
 * bytes in all) holds its own descriptor, at the sector its header gives
 * (byte 28), read through rd: a monolithic or stream-optimized file,
 * readable alone. A split set's extent holds none (the offset zero, or
 * zeros there: qemu-img leaves them) and is read only through the set's
 * descriptor file. */
bool lr_io_kdmv_embeds(const uint8_t *h, size_t n, uint64_t size, lr_io_read_fn rd,
                       void *ctx) LR_IO_HIDDEN;
/* The VMDK file name, size bytes at byte at of path (a tar archive). */
int lr_io_vmdk_open_member(lr_io_t **out, const char *path, const char *name, uint64_t at,
                           uint64_t size, lr_error_t *err) LR_IO_HIDDEN;
/* A VHD or VHDX file (vhdx: which, for the messages) and its parents. */
int lr_io_vhdi_open(lr_io_t **out, const char *path, bool vhdx, lr_error_t *err) LR_IO_HIDDEN;

/* The log of a VHDX file (io_vhdx_log.c): metadata writes a host flushed
 * to the log but had not yet applied when it stopped. libvhdi does not
 * replay them; io_yal.c lays them over the file's bytes as libvhdi reads. */
typedef struct lr_vhdx_log lr_vhdx_log_t;
/* Reads the headers of the file fd (path, named in errors and the note)
 * and, when the current header names a log, its active sequence (MS-VHDX
 * 2.3.3). *out is NULL when there is nothing to replay: not a VHDX file,
 * no log, no valid sequence, or every write of it already in the file.
 * Otherwise *out is the caller's (lr_vhdx_log_free), and its note says the
 * writes were replayed (replayed: the caller reads through
 * lr_vhdx_log_apply) or that they could not be. Fails only for memory or
 * a read error (-EIO naming path and the offset); never writes. */
int lr_vhdx_log_open(lr_vhdx_log_t **out, int fd, const char *path, bool replayed,
                     lr_error_t *err) LR_IO_HIDDEN;
/* Lays the log's writes, in order, over buf: the file's len bytes at off
 * (bytes past the file's end given as zeros). */
void lr_vhdx_log_apply(const lr_vhdx_log_t *log, uint8_t *buf, size_t len,
                       uint64_t off) LR_IO_HIDDEN;
/* The file's size once replayed: file_size, or more when the log extends
 * the file (its LastFileOffset, or a write past the end). */
uint64_t lr_vhdx_log_size(const lr_vhdx_log_t *log, uint64_t file_size) LR_IO_HIDDEN;
/* What was replayed, naming the file (the log's text, valid until
 * lr_vhdx_log_free); NULL for a NULL log. */
const char *lr_vhdx_log_note(const lr_vhdx_log_t *log) LR_IO_HIDDEN;
void lr_vhdx_log_free(lr_vhdx_log_t *log) LR_IO_HIDDEN;

/* The data of one VHD file (io_vhd.c; not VHDX): its footer, dynamic header
 * and block table decoded here, the sector bitmaps read as the data is
 * (libvhdi misreads them, see there). libvhdi still opens and checks the
 * file first and gives its media size. */
typedef struct lr_vhd lr_vhd_t;
/* Reads len bytes at off of a differencing disk's parent (ctx: the
 * caller's) into buf: 0 or the status. */
typedef int (*lr_vhd_parent_fn)(void *ctx, void *buf, size_t len, uint64_t off, lr_error_t *err);
/* Opens the VHD file at path (image: the chain's top, named in errors) of
 * media size bytes: LR_EFORMAT naming the file and offset when its footer,
 * header or block table is inconsistent. *out is the caller's
 * (lr_vhd_close). */
int lr_vhd_open(lr_vhd_t **out, const char *path, const char *image, uint64_t size,
                lr_error_t *err) LR_IO_HIDDEN;
/* For a VHD file libvhdi does not open: the media size its footer copy at
 * byte 0 gives when that copy is a dynamic disk's (a dynamic VHD cut short
 * has lost the footer at its end; libvhdi reads only that one, qemu-img
 * refuses it too): 0 with *size, else LR_ENOTFOUND (no such copy, another
 * disk type: a differencing disk's parent is checked through libvhdi). */
int lr_vhd_copy_size(const char *path, uint64_t *size) LR_IO_HIDDEN;
/* true when the file starts with a VHD footer copy (a dynamic or
 * differencing disk's) but does not end with a footer: cut short, or
 * bytes appended after it (said when libvhdi does not open it). */
bool lr_vhd_cut_short(const char *path) LR_IO_HIDDEN;
/* true for a differencing disk (its holes are its parent's bytes). */
bool lr_vhd_differencing(const lr_vhd_t *m) LR_IO_HIDDEN;
/* The i-th note (from 0) the open recorded about the file (a checksum that
 * does not match, footer copies that differ; each names the file), NULL
 * past the last. The text is m's: valid until lr_vhd_close. */
const char *lr_vhd_note(const lr_vhd_t *m, size_t i) LR_IO_HIDDEN;
/* Reads len bytes at off: the sectors the file holds from it, the others
 * from parent (a differencing disk; NULL: zeros) or zeros; bytes past the
 * media size are zeros. A block whose bitmap or data lies beyond the file
 * fails with LR_EFORMAT naming the file and the offset. Safe from two
 * threads (a mutex guards the bitmap cache). */
int lr_vhd_read(lr_vhd_t *m, void *buf, size_t len, uint64_t off, lr_vhd_parent_fn parent,
                void *ctx, lr_error_t *err) LR_IO_HIDDEN;
void lr_vhd_close(lr_vhd_t *m) LR_IO_HIDDEN;

/* Which file of a qcow chain holds each cluster (io_qcow.c): the header,
 * L1 and L2 tables of one qcow file (version 1 to 3) walked here, because
 * libqcow reads chains wrongly (see there). libqcow still opens and checks
 * the file first and reads the clusters it holds. */
typedef struct lr_qcow lr_qcow_t;
enum { LR_QCOW_HELD, LR_QCOW_PACKED, LR_QCOW_ZEROS, LR_QCOW_BACKING };
/* Opens the qcow file at path (image: the chain's top, named in errors):
 * LR_EFORMAT naming the file when its header or L1 table is inconsistent.
 * *out is the caller's (lr_qcow_close). */
int lr_qcow_open(lr_qcow_t **out, const char *path, const char *image,
                 lr_error_t *err) LR_IO_HIDDEN;
/* The backing file's format the file records ("raw", "qcow2"), NULL when it
 * records none. The text is q's. */
const char *lr_qcow_backing_format(const lr_qcow_t *q) LR_IO_HIDDEN;
/* What the bytes [off, off + *run) are, *run the rest of len within the
 * cluster of off: LR_QCOW_HELD (read them from the file), LR_QCOW_PACKED
 * (a compressed cluster of a version 2/3 file: lr_qcow_read), LR_QCOW_ZEROS,
 * or LR_QCOW_BACKING (the backing file's; zeros without one). An L2 table
 * beyond the file fails with LR_EFORMAT naming the file. Safe from two
 * threads (a mutex guards the L2 cache). */
int lr_qcow_map(lr_qcow_t *q, uint64_t off, size_t len, int *kind, size_t *run,
                lr_error_t *err) LR_IO_HIDDEN;
/* True when the len bytes at off that lr_qcow_map called LR_QCOW_HELD
 * (one run) lie within the file, false when they run past its end (or
 * the map fails: lr_qcow_read then says why). Asked before libqcow reads
 * them: libqcow 20201213 reads a cluster that runs past the end of the
 * file out of bounds of its own buffer (found by fuzz_image); such bytes
 * are lr_qcow_read's, which fails on them (-ENODATA). */
bool lr_qcow_held_within(lr_qcow_t *q, uint64_t off, size_t len) LR_IO_HIDDEN;
/* True when q is a file libqcow refuses but we read ourselves (its
 * clusters by lr_qcow_read): version 3 with an external data file, zstd
 * clusters or extended L2 entries, and no other incompatible feature
 * than the dirty bit. */
bool lr_qcow_reads_itself(const lr_qcow_t *q) LR_IO_HIDDEN;
/* Names, into why (cap bytes, "" when none), the version 3 incompatible
 * features q's header sets that libqcow 20201213 does not read (all but
 * the dirty bit): as qemu-img's options that make them, unknown ones by
 * their bits. */
void lr_qcow_features_text(const lr_qcow_t *q, char *why, size_t cap) LR_IO_HIDDEN;
/* True when the header names an encryption method. */
bool lr_qcow_encrypted(const lr_qcow_t *q) LR_IO_HIDDEN;
/* True when its compressed clusters are zstd's. */
bool lr_qcow_zstd(const lr_qcow_t *q) LR_IO_HIDDEN;
/* The media size its header records. */
uint64_t lr_qcow_size(const lr_qcow_t *q) LR_IO_HIDDEN;
/* A note naming the internal snapshots the file holds (older states of
 * the disk, not read), or the one read (lr_qcow_use_snapshot); NULL when
 * it holds none. The text is q's. */
const char *lr_qcow_note(const lr_qcow_t *q) LR_IO_HIDDEN;
/* Reads the internal snapshot whose id, else whose name, is want in place
 * of the file's current state (its L1 table; its disk size when it
 * records one): every read after it, by lr_qcow_map and lr_qcow_read, is
 * of that state, and the note names it. LR_EREFUSED naming the snapshots
 * the file has when none is so named; LR_EFORMAT when its table or L1
 * table does not lie within the file. */
int lr_qcow_use_snapshot(lr_qcow_t *q, const char *want, lr_error_t *err) LR_IO_HIDDEN;
/* True once lr_qcow_use_snapshot chose one. */
bool lr_qcow_snapshot(const lr_qcow_t *q) LR_IO_HIDDEN;
/* How many internal snapshots the header counts. */
uint32_t lr_qcow_snapshots(const lr_qcow_t *q) LR_IO_HIDDEN;
/* Its cluster size in bytes. */
uint64_t lr_qcow_cluster_size(const lr_qcow_t *q) LR_IO_HIDDEN;
/* The external data file's name as the file records it (q's text), NULL
 * when it has none (or names none though it needs one). */
const char *lr_qcow_data_name(const lr_qcow_t *q) LR_IO_HIDDEN;
/* Opens the data file at path (found by the caller) for lr_qcow_read;
 * fails naming it when it cannot be read. */
int lr_qcow_set_data_file(lr_qcow_t *q, const char *path, lr_error_t *err) LR_IO_HIDDEN;
/* The backing file's name the header records, malloc'd into *name (the
 * caller's), NULL when none; LR_EFORMAT when it lies beyond the file. */
int lr_qcow_backing_name(const lr_qcow_t *q, char **name, lr_error_t *err) LR_IO_HIDDEN;
/* Reads len bytes at off that lr_qcow_map called LR_QCOW_PACKED, or
 * LR_QCOW_HELD in a file that lr_qcow_reads_itself or reads a snapshot
 * (lr_qcow_use_snapshot; any LR_QCOW_HELD run reads right; one run,
 * within one cluster): a standard cluster from the file or its data file, a
 * compressed one decoded (zlib or zstd, until the cluster is full, as qemu
 * checks it; the last one decoded is kept); a standard cluster's bytes
 * past the end of its file fail with -ENODATA, the error's offset the
 * first such byte's (the file was cut short). Fails naming the file with
 * LR_EFORMAT when compressed bytes lie beyond its end or do not
 * decompress.
 * Safe from two threads. */
int lr_qcow_read(lr_qcow_t *q, void *buf, size_t len, uint64_t off, lr_error_t *err) LR_IO_HIDDEN;
void lr_qcow_close(lr_qcow_t *q) LR_IO_HIDDEN;

/* Compressed images of independently decodable pieces (io_stream.c). */
typedef struct lr_io_piece {
    uint64_t in;     /* compressed offset where the piece starts */
    uint64_t in_end; /* and ends */
    uint64_t out;    /* decompressed offset of its first byte */
    uint32_t aux;    /* the codec's (xz: the stream's check type) */
    /* set when decoding it failed: every read of its bytes from bad_out on
     * fails the same way */
    int bad;          /* the status (LR_EFORMAT, ...), 0 while it decodes */
    uint64_t bad_at;  /* compressed offset where decoding failed */
    const char *why;  /* the codec's reason (static text) */
    uint64_t bad_out; /* decompressed offset the decoder reached before the
                       * damage showed: [out, bad_out) reads, unsure (its
                       * check could not be made), out when nothing did */
} lr_io_piece_t;

typedef struct lr_io_codec {
    const char *name;  /* "xz" */
    const char *piece; /* "block" */
    /* Gets dec ready to decode piece p from its start; *skip: bytes at
     * p->in it read itself (a header), fed no more. */
    int (*start)(void *dec, int fd, const lr_io_piece_t *p, uint64_t *skip, lr_error_t *err);
    /* Decodes from in (in_len bytes, *used taken) into out (avail bytes,
     * *made made). LR_EFORMAT or -ENOMEM with *why (static text). */
    int (*step)(void *dec, const uint8_t *in, size_t in_len, size_t *used, uint8_t *out,
                size_t avail, size_t *made, const char **why);
    void (*free)(void *dec);
    /* true when the last step ended a piece (may be NULL: pieces are only
     * known from an index); the next step starts the next piece */
    bool (*piece_done)(void *dec);
    /* Releases the decoder's window and tables once the image is decoded
     * to its end (may be NULL); the next start makes them again. */
    void (*rest)(void *dec);
    /* Where the piece starting at compressed offset in (one that failed
     * to decode) ends and how many bytes it decodes to, read from its
     * headers without decoding it (may be NULL): 0 with *in_end and
     * *out_len when both are known and another piece follows it, so that
     * reading can go on there; 1 when not, *why saying why (static text;
     * NULL: nothing follows it, or the file ends inside it); -errno when
     * reading the file failed. */
    int (*piece_span)(int fd, uint64_t in, uint64_t file_size, uint64_t *in_end, uint64_t *out_len,
                      const char **why);
    /* Looks at piece p of the file fd before the decoder starts on it (may
     * be NULL): notes on io what decoding it takes beyond the reader's
     * budget (lr_io_window_note). 0; LR_ELIMIT when it is not to be
     * decoded, *why saying why (text the codec keeps until it is freed):
     * its bytes are then unreadable as a corrupt piece's are; -ENOMEM. */
    int (*check)(void *dec, int fd, const lr_io_piece_t *p, lr_io_t *io, const char **why);
} lr_io_codec_t;

/* Piece p failed to decode (rc, at compressed offset at; why: the codec's
 * reason, static text): it is bad for good, every read of its bytes fails
 * so. The caller that knows how far it decoded before the damage showed
 * sets p->bad_out (left at p->out: no byte of it reads). */
void lr_io_piece_bad(lr_io_piece_t *p, int rc, uint64_t at, const char *why) LR_IO_HIDDEN;
/* The rule for going on after piece p (bad, or failing now) of the file
 * fd (file_size bytes), whose decoding made its bytes up to decompressed
 * offset made: codec->piece_span tells where p ends (*in_end: the next
 * piece's compressed offset) and where the next piece's bytes start
 * (*out_end), without decoding p. 0 then; 1 when that cannot be told
 * (*cannot: why, static text; NULL: nothing follows p, the file ends
 * inside it, or the codec has no piece_span), also when p made more bytes
 * than it announces; -errno (err: at p's offset) when reading the file
 * failed. */
int lr_io_piece_next(const lr_io_codec_t *codec, int fd, uint64_t file_size, const lr_io_piece_t *p,
                     uint64_t made, uint64_t *in_end, uint64_t *out_end, const char **cannot,
                     lr_error_t *err) LR_IO_HIDDEN;

/* Wraps fd as a compressed image of n_pcs pieces (sorted, pcs owned from
 * here on, like fd and dec: freed on failure too). */
int lr_io_stream_new(lr_io_t **out, int fd, const char *path, const lr_io_codec_t *codec, void *dec,
                     lr_io_piece_t *pcs, size_t n_pcs, uint64_t size, lr_error_t *err) LR_IO_HIDDEN;
/* The same without an index (LR_IO_LAZY): the pieces are learned as the
 * image is read in order (codec->piece_done), the size once the decoder
 * reaches the end of the file_size compressed bytes; hint estimates it. */
int lr_io_stream_new_lazy(lr_io_t **out, int fd, const char *path, const lr_io_codec_t *codec,
                          void *dec, uint64_t file_size, uint64_t hint, bool partial,
                          lr_error_t *err) LR_IO_HIDDEN;
/* lr_io_damage of such a handle (the image cut short by damage met on the
 * first pass with LR_IO_PARTIAL, *cut true; or a piece decoded whole but
 * failing its check, *cut false): 0 or the status, *why its record. */
int lr_io_stream_damage(const lr_io_t *io, lr_error_t *why, bool *cut) LR_IO_HIDDEN;
/* lr_io_unsure_range of such a handle: the first bad piece ending after
 * off whose decoder made bytes before the damage showed, [out, bad_out). */
int lr_io_stream_unsure(const lr_io_t *io, uint64_t off, uint64_t *start,
                        uint64_t *end) LR_IO_HIDDEN;
/* Decoder memory (a zstd window, an xz dictionary) the bounded-memory
 * design allows for without a word: past it the reader goes over its
 * 32 MiB and says so (lr_io_window_note). Covers `xz -6` (8 MiB dictionary)
 * and `zstd -19` (8 MiB window). */
#define LR_IO_WINDOW_QUIET (12ull << 20)
/* Notes on io that decoding the codec's piece at compressed offset at
 * needs bytes of memory (made_by: which options make such files) when that
 * is more than LR_IO_WINDOW_QUIET. Refuses (LR_ELIMIT, err naming the
 * memory and decompress: the tool's command that decompresses the image)
 * when that is more than half the memory the process may use (the
 * machine's, or its address-space limit). 0, -ENOMEM or LR_ELIMIT. io may
 * be NULL (a pass at open, before the handle exists): then nothing is
 * noted, the caller notes it on the handle later. */
int lr_io_window_note(lr_io_t *io, const char *codec, const char *piece, uint64_t at,
                      uint64_t bytes, const char *made_by, const char *decompress,
                      lr_error_t *err) LR_IO_HIDDEN;
/* .xz: random access by block from the streams' indexes; without a usable
 * index (a truncated file), read in order instead (decoded once at open
 * without LR_IO_LAZY). */
int lr_io_xz_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                  lr_error_t *err) LR_IO_HIDDEN;
/* legacy .lzma (LZMA_Alone): read in order (decoded once at open without
 * LR_IO_LAZY). */
int lr_io_lzma_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err) LR_IO_HIDDEN;
int lr_io_zstd_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err) LR_IO_HIDDEN;

/* For a layer whose size is learned while reading (LR_IO_LAZY): what is
 * known so far (known: the size is final), and an estimate for progress. */
void lr_io_set_size(lr_io_t *io, uint64_t size, bool known, uint64_t hint)
    __attribute__((visibility("hidden")));

/* lr_io_bad_range for an EWF set that is incomplete (io_yal.c): the first
 * range at or after off a read found unreadable, its start clipped to off;
 * 0 for any other handle. */
int lr_io_yal_bad_range(const lr_io_t *io, uint64_t off, uint64_t *start,
                        uint64_t *end) LR_IO_HIDDEN;

/* The compressed-pieces layer's ops (lr_io_bad_range recognises its
 * handles by them). */
extern const lr_io_ops_t lr_io_stream_ops __attribute__((visibility("hidden")));
/* lr_io_keep for a stream handle (single-piece xz/zstd): copies the range
 * aside as it is decoded. 0 for any other handle. */
int lr_io_stream_keep(lr_io_t *io, uint64_t off, uint64_t len) LR_IO_HIDDEN;
/* lr_io_settle for a stream handle: the history and the decoder go. */
void lr_io_stream_settle(lr_io_t *io) LR_IO_HIDDEN;

/* Kept ranges, held compressed (io_keep.c; lr_io_keep of a stream handle).
 * The bytes come from the stream's history: ring holds image bytes
 * [lo, hi), byte x at buf[x % size]. */
typedef struct lr_io_ring {
    const uint8_t *buf;
    size_t size;
    uint64_t lo, hi;
} lr_io_ring_t;
typedef struct lr_io_keeps lr_io_keeps_t;
/* An empty set (zlib's streams and four 64 KiB buffers), NULL without
 * memory; freed by lr_io_keeps_free (NULL is fine). */
lr_io_keeps_t *lr_io_keeps_new(void) LR_IO_HIDDEN;
void lr_io_keeps_free(lr_io_keeps_t *ks) LR_IO_HIDDEN;
/* Keeps [off, off + len), filled at once from what ring holds of it: 1, or
 * 0 past LR_IO_KEEP_MAX bytes held or the ranges' limit, or without memory.
 * 1 too when a kept range already holds it. */
int lr_io_keeps_add(lr_io_keeps_t *ks, uint64_t off, uint64_t len,
                    const lr_io_ring_t *ring) LR_IO_HIDDEN;
/* Keeps [off, off + len) whatever the budget and the limits (the stream's
 * first and last bytes, read again after every scan): 0 or -ENOMEM. */
int lr_io_keeps_add_edge(lr_io_keeps_t *ks, uint64_t off, uint64_t len,
                         const lr_io_ring_t *ring) LR_IO_HIDDEN;
/* 1 while there is room for more ranges. */
int lr_io_keeps_room(const lr_io_keeps_t *ks) LR_IO_HIDDEN;
/* The decoder made [off, off + n), now at the end of ring: the ranges
 * it touches take their part. */
void lr_io_keeps_put(lr_io_keeps_t *ks, uint64_t off, uint64_t n,
                     const lr_io_ring_t *ring) LR_IO_HIDDEN;
/* The ring is about to be dropped (the decoder restarts): the ranges seal
 * the part of their last chunk that only the ring holds. */
void lr_io_keeps_flush(lr_io_keeps_t *ks, const lr_io_ring_t *ring) LR_IO_HIDDEN;
/* Copies what the ranges hold of [off, off + len), from off on, to dst:
 * the bytes copied, 0 when they do not hold off. */
size_t lr_io_keeps_get(lr_io_keeps_t *ks, uint8_t *dst, uint64_t off, size_t len) LR_IO_HIDDEN;

/* The gzip layer's ops (lr_io_damage recognises its handles by them). */
extern const lr_io_ops_t lr_io_gzip_ops __attribute__((visibility("hidden")));

/* Opens the gzip image whose compressed bytes are fd (read-only, owned from
 * here on: closed on failure too) and indexes it; opts may be NULL. */
int lr_io_gzip_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err) __attribute__((visibility("hidden")));

#endif
