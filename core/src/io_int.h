/* Private to the image-access layers (io.c: the handle and the file/block
 * device layer; io_gzip.c: gzip images). Not installed. */
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
    /* false while a lazily opened layer has not yet read to its end: size
     * is then the bytes known to exist, size_hint an estimate (io.h) */
    bool size_known;
    uint64_t size_hint;
};

/* For a layer whose size is learned while reading (LR_IO_LAZY): what is
 * known so far (known: the size is final), and an estimate for progress. */
void lr_io_set_size(lr_io_t *io, uint64_t size, bool known, uint64_t hint)
    __attribute__((visibility("hidden")));

/* The gzip layer's ops (lr_io_damage recognises its handles by them). */
extern const lr_io_ops_t lr_io_gzip_ops __attribute__((visibility("hidden")));

/* Opens the gzip image whose compressed bytes are fd (read-only, owned from
 * here on: closed on failure too) and indexes it; opts may be NULL. */
int lr_io_gzip_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err) __attribute__((visibility("hidden")));

#endif
