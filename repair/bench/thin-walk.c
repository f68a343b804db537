/* Benchmark helper (repair/bench/bench-thin.sh): walks every mapping of
 * every thin device of a pool metadata file with core's reader, as
 * lvmrepair --extract does, and prints the counts; with -s it walks the
 * space maps too (lr_thin_space_maps, as lvmscan and lvmrepair do). Its
 * peak RSS is what the benchmark reports. Usage: thin-walk [-s] METADATA_FILE */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/io.h"
#include "lr/thin.h"

int main(int argc, char **argv)
{
    bool sm = argc == 3 && strcmp(argv[1], "-s") == 0;
    if (argc != 2 && !sm) {
        fprintf(stderr, "usage: thin-walk [-s] METADATA_FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    lr_thin_space_t space;
    lr_error_t err;
    lr_io_t *io = NULL;
    lr_thin_t *t = NULL;
    lr_thin_usage_t *u = NULL;
    size_t n = 0;
    int rc = lr_io_open(&io, path, &err);
    if (!rc)
        rc = lr_thin_open(io, &t, &err);
    if (!rc)
        rc = lr_thin_usage(t, &u, &n, &err);
    if (!rc && sm)
        rc = lr_thin_space_maps(t, &space, &err);
    if (rc) {
        char buf[1024];
        fprintf(stderr, "thin-walk: %s\n", lr_error_format(&err, buf, sizeof(buf)));
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("device %" PRIu64 ": %" PRIu64 " mapped, highest %" PRIu64 ", %" PRIu64
               " shared, %" PRIu64 " lost\n",
               u[i].dev_id, u[i].mapped, u[i].highest, u[i].shared, u[i].lost);
    if (sm)
        printf("data space map: %" PRIu64 " of %" PRIu64 " allocated, %" PRIu64 " shared, %" PRIu64
               " in use but free, %" PRIu64 " counts differ\n",
               space.data.allocated, space.data.nr_blocks, space.data.shared,
               space.data.in_use_free, space.data.count_differs);
    free(u);
    lr_thin_free(t);
    lr_io_close(io, NULL);
    return 0;
}
