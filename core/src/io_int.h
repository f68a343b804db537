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
};

/* The gzip layer's ops (lr_io_damage recognises its handles by them). */
extern const lr_io_ops_t lr_io_gzip_ops __attribute__((visibility("hidden")));

/* Opens the gzip image whose compressed bytes are fd (read-only, owned from
 * here on: closed on failure too) and indexes it; opts may be NULL. */
int lr_io_gzip_open(lr_io_t **out, int fd, const char *path, const lr_io_open_opts_t *opts,
                    lr_error_t *err) __attribute__((visibility("hidden")));

#endif
