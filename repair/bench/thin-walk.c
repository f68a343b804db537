/* Benchmark helper (repair/bench/bench-thin.sh): walks every mapping of
 * every thin device of a pool metadata file with core's reader, as
 * lvmrepair --extract does, and prints the counts; its peak RSS is what the
 * benchmark reports. Usage: thin-walk METADATA_FILE */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "lr/io.h"
#include "lr/thin.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: thin-walk METADATA_FILE\n");
        return 2;
    }
    lr_error_t err;
    lr_io_t *io = NULL;
    lr_thin_t *t = NULL;
    lr_thin_usage_t *u = NULL;
    size_t n = 0;
    int rc = lr_io_open(&io, argv[1], &err);
    if (!rc)
        rc = lr_thin_open(io, &t, &err);
    if (!rc)
        rc = lr_thin_usage(t, &u, &n, &err);
    if (rc) {
        char buf[1024];
        fprintf(stderr, "thin-walk: %s\n", lr_error_format(&err, buf, sizeof(buf)));
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("device %" PRIu64 ": %" PRIu64 " mapped, highest %" PRIu64 ", %" PRIu64
               " shared, %" PRIu64 " lost\n",
               u[i].dev_id, u[i].mapped, u[i].highest, u[i].shared, u[i].lost);
    free(u);
    lr_thin_free(t);
    lr_io_close(io, NULL);
    return 0;
}
