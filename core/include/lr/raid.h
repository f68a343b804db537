/* lvmrescue core: the on-disk rules of LVM2's raid segment types, which are
 * MD personalities reached through dm-raid:
 *   - which MD level and layout each LVM2 segment type name means (Linux
 *     drivers/md/dm-raid.c raid_types[]; LVM2 lib/metadata/segtype.h for the
 *     aliases "raid5" = raid5_ls, "raid6" = raid6_zr, "raid10" = near);
 *   - where a logical chunk and its parity lie (drivers/md/raid5.c
 *     raid5_compute_sector, drivers/md/raid10.c raid10_find_phys for the near
 *     layout, raid0 plain striping);
 *   - the parity math: P is the XOR of the data chunks, Q the RAID-6
 *     syndrome over GF(2^8) with the polynomial 0x11d and generator 2, its
 *     chunk order MD's (set_syndrome_sources: from the disk after Q for the
 *     MD layouts, by disk number for the DDF ones, raid6_zr/nr/nc);
 *   - the dm-raid superblock at the start of each _rmeta LV (magic "DmRd").
 * Pure functions: nothing here reads an image. */
#ifndef LR_RAID_H
#define LR_RAID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"

/* MD's layout numbers (include/linux/raid/pq.h / drivers/md/raid5.h). */
enum {
    LR_RAID_ALG_LEFT_ASYMMETRIC = 0,
    LR_RAID_ALG_RIGHT_ASYMMETRIC = 1,
    LR_RAID_ALG_LEFT_SYMMETRIC = 2,
    LR_RAID_ALG_RIGHT_SYMMETRIC = 3,
    LR_RAID_ALG_PARITY_0 = 4,
    LR_RAID_ALG_PARITY_N = 5,
    LR_RAID_ALG_ROTATING_ZERO_RESTART = 8,
    LR_RAID_ALG_ROTATING_N_RESTART = 9,
    LR_RAID_ALG_ROTATING_N_CONTINUE = 10,
    LR_RAID_ALG_LEFT_ASYMMETRIC_6 = 16,
    LR_RAID_ALG_RIGHT_ASYMMETRIC_6 = 17,
    LR_RAID_ALG_LEFT_SYMMETRIC_6 = 18,
    LR_RAID_ALG_RIGHT_SYMMETRIC_6 = 19,
    LR_RAID_ALG_PARITY_0_6 = 20,
};

typedef struct lr_raid_layout {
    const char *name; /* canonical dm-raid name ("raid5_ls"), static */
    int level;        /* 0, 1, 5 (raid4 too: MD runs it as level 5), 6, 10 */
    int algorithm;    /* LR_RAID_ALG_* for levels 5 and 6; 0 otherwise */
    unsigned parity;  /* parity chunks per row: 0, 1 or 2 */
    bool striped;     /* data in chunks over the images (every level but 1) */
} lr_raid_layout_t;

/* The layout an LVM2 segment type name means ("raid5", "raid5_ls", "raid4",
 * "raid6_nc", "raid10", "raid0_meta" ...). false for names dm-raid does not
 * define (and for raid10_far / raid10_offset, which LVM2 cannot create and
 * whose layouts are not implemented here). */
bool lr_raid_layout(const char *segtype, lr_raid_layout_t *out);

/* Smallest image count the level allows (dm-raid's minimal_devs). */
unsigned lr_raid_min_images(const lr_raid_layout_t *l);

/* Role of an image in one row (a chunk-sized slice at the same offset of
 * every image). */
enum { LR_RAID_ROLE_P = -1, LR_RAID_ROLE_Q = -2 };

typedef struct lr_raid_loc {
    uint64_t row;  /* chunk index on the image(s) */
    unsigned disk; /* image holding the chunk (the first copy for raid10) */
} lr_raid_loc_t;

/* Where logical chunk `chunk` of a raid0/4/5/6/10 array of `disks` images
 * lies. For raid10, copies=data_copies: copy k lies on image (disk + k) %
 * disks, in row row + (disk + k) / disks. `disks` must be at least
 * lr_raid_min_images (and copies <= disks). */
lr_raid_loc_t lr_raid_map(const lr_raid_layout_t *l, unsigned disks, unsigned copies,
                          uint64_t chunk);

/* Fills role[disk] for every image of row `row` (levels 5 and 6): P, Q, or
 * for a data chunk its Q syndrome slot (the power of the generator it is
 * multiplied by; for raid5 the data order within the row). */
void lr_raid_row_roles(const lr_raid_layout_t *l, unsigned disks, uint64_t row, int *role);

/* GF(2^8) with 0x11d: product, and 2^e. */
uint8_t lr_raid_gf_mul(uint8_t a, uint8_t b);
uint8_t lr_raid_gf_exp2(unsigned e);

/* Rebuilds the chunks of at most parity missing images of one row.
 * chunk[disk] points to len bytes for every image (the missing ones are
 * written); role as from lr_raid_row_roles; missing[] lists n_missing
 * distinct image numbers. 0, or LR_ERANGE when the row cannot be rebuilt
 * (more images missing than parity). */
int lr_raid_rebuild(const lr_raid_layout_t *l, unsigned disks, const int *role,
                    uint8_t *const *chunk, size_t len, const unsigned *missing, unsigned n_missing);

/* The dm-raid superblock (drivers/md/dm-raid.c struct dm_raid_superblock),
 * 512 bytes at offset 0 of each _rmeta LV, little-endian. */
#define LR_RAID_SB_MAGIC 0x64526D44u /* "DmRd" */
#define LR_RAID_SB_SIZE 512u
#define LR_RAID_MAX_DEVS 253u

typedef struct lr_raid_sb {
    uint32_t magic, features, num_devices, array_position;
    uint64_t events;
    uint64_t failed_devices;       /* bit per image, images 0..63 */
    uint64_t disk_recovery_offset; /* sectors of this image in sync; all ones: in sync */
    uint64_t array_resync_offset;  /* sectors of the array in sync; all ones: in sync */
    uint32_t level, layout, stripe_sectors;
    /* extended (features bit 0, FEATURE_FLAG_SUPPORTS_V190) */
    bool v190;
    uint32_t flags;
    uint64_t extended_failed[3]; /* bits for images 64..255 */
} lr_raid_sb_t;

/* Decodes a superblock from the first len bytes of an _rmeta LV. LR_ENOTFOUND
 * when the magic is absent (zeroed or never written), LR_ERANGE when len is
 * below LR_RAID_SB_SIZE. */
int lr_raid_sb_decode(const void *buf, size_t len, lr_raid_sb_t *out, lr_error_t *err);

/* Whether the superblock marks image `disk` failed. */
bool lr_raid_sb_failed(const lr_raid_sb_t *sb, unsigned disk);

#endif
