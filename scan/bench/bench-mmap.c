/* mmap against pread for the scan's access pattern (issue 16): reads a
 * page-cached file and touches the first bytes of every 512-byte sector,
 * the way lvmscan's candidate filter does, either through pread into a
 * page-aligned 1 MiB buffer or through mmap windows with the given
 * advice. Prints the wall time; run it under /usr/bin/time for CPU.
 *
 * build: cc -O2 -o /tmp/bench-mmap scan/bench/bench-mmap.c
 * usage: bench-mmap MODE FILE WINDOW_MIB
 *   MODE 0 pread 1 MiB; 1 mmap + MADV_SEQUENTIAL; 2 + MADV_POPULATE_READ;
 *        3 MAP_POPULATE; 4 + MADV_WILLNEED; 5 + MADV_HUGEPAGE */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t hits;

static void sectors(const uint8_t *p, size_t n)
{
    for (size_t o = 0; o + 12 <= n; o += 512)
        hits += p[o] == 'L' || p[o + 4] == ' ' || p[o] == 'v';
}

static int map_windows(int fd, size_t size, int mode, size_t win)
{
    for (size_t o = 0; o < size; o += win) {
        size_t n = size - o < win ? size - o : win;
        uint8_t *p =
            mmap(NULL, n, PROT_READ, MAP_SHARED | (mode == 3 ? MAP_POPULATE : 0), fd, (off_t)o);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        madvise(p, n, MADV_SEQUENTIAL);
        if (mode == 2 && madvise(p, n, MADV_POPULATE_READ) != 0)
            perror("MADV_POPULATE_READ");
        if (mode == 4)
            madvise(p, n, MADV_WILLNEED);
        if (mode == 5)
            madvise(p, n, MADV_HUGEPAGE);
        sectors(p, n);
        munmap(p, n);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s MODE FILE WINDOW_MIB\n", argv[0]);
        return 2;
    }
    int mode = atoi(argv[1]);
    int fd = open(argv[2], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[2]);
        return 1;
    }
    size_t size = (size_t)st.st_size, win = (size_t)atoi(argv[3]) << 20;
    double t0 = now();
    if (mode == 0) {
        uint8_t *b;
        if (posix_memalign((void **)&b, 4096, 1u << 20) != 0)
            return 1;
        for (size_t o = 0; o < size; o += 1u << 20) {
            ssize_t r = pread(fd, b, 1u << 20, (off_t)o);
            if (r <= 0)
                break;
            sectors(b, (size_t)r);
        }
        free(b);
    } else if (map_windows(fd, size, mode, win) != 0) {
        return 1;
    }
    printf("mode %d window %s MiB: %.3f s (%zu candidate sectors)\n", mode, argv[3], now() - t0,
           hits);
    close(fd);
    return 0;
}
