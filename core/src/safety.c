/* Checks against hostile use: file identity, image file kinds, other users
 * of a block device, option values (lr/safety.h). */
#include "lr/safety.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- file identity ----------------------------------------------------- */

int lr_path_id(const char *path, lr_file_id_t *id, lr_error_t *err)
{
    struct stat st;
    if (!path || !id)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "path identity: invalid arguments");
    if (stat(path, &st) != 0) {
        int e = errno;
        return lr_error_at(err, path, -e, LR_NO_OFFSET, "stat failed: %s", strerror(e));
    }
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    return 0;
}

/* Where path would be created: its directory's identity and last
 * component (trailing slashes dropped). False when the directory cannot
 * be reached. */
static bool where_created(const char *path, struct stat *dir, const char **base, size_t *blen)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && path[b - 1] != '/')
        b--;
    *base = path + b;
    *blen = n - b;
    char d[PATH_MAX];
    if (b == 0)
        snprintf(d, sizeof(d), ".");
    else if (b >= sizeof(d))
        return false;
    else
        snprintf(d, sizeof(d), "%.*s", (int)b, path);
    return stat(d, dir) == 0;
}

bool lr_path_same(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    struct stat sa, sb;
    bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return false; /* one exists, the other is yet to be created: not it */
    struct stat da, db;
    const char *ba, *bb;
    size_t la, lb;
    if (!where_created(a, &da, &ba, &la) || !where_created(b, &db, &bb, &lb))
        return strcmp(a, b) == 0;
    return da.st_dev == db.st_dev && da.st_ino == db.st_ino && la == lb && memcmp(ba, bb, la) == 0;
}

bool lr_path_find_same(const char *const *paths, size_t n, size_t *i, size_t *j)
{
    for (size_t x = 0; paths && x < n; x++)
        for (size_t y = x + 1; y < n; y++)
            if (lr_path_same(paths[x], paths[y])) {
                if (i)
                    *i = x;
                if (j)
                    *j = y;
                return true;
            }
    return false;
}

/* ---- opening only what can be an image ---------------------------------- */

int lr_open_image_fd(const char *path, int flags, int *fd, struct stat *st, lr_error_t *err)
{
    if (!path || !fd)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "open: invalid arguments");
    *fd = -1;
    int f = open(path, flags | O_CLOEXEC | O_NONBLOCK);
    if (f < 0 && errno == EPERM && (flags & O_NOATIME))
        f = open(path, (flags & ~O_NOATIME) | O_CLOEXEC | O_NONBLOCK);
    if (f < 0) {
        int e = errno;
        return lr_error_at(err, path, -e, LR_NO_OFFSET, "%s", strerror(e));
    }
    struct stat s;
    int rc = 0;
    if (fstat(f, &s) != 0) {
        int e = errno;
        rc = lr_error_at(err, path, -e, LR_NO_OFFSET, "stat failed: %s", strerror(e));
    } else if (!S_ISREG(s.st_mode) && !S_ISBLK(s.st_mode))
        rc = lr_error_at(err, path, -EINVAL, LR_NO_OFFSET, "not a regular file or block device");
    else if (fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) != 0) {
        int e = errno;
        rc = lr_error_at(err, path, -e, LR_NO_OFFSET, "fcntl failed: %s", strerror(e));
    }
    if (rc) {
        close(f);
        return rc;
    }
    if (st)
        *st = s;
    *fd = f;
    return 0;
}

bool lr_file_held_here(const struct stat *st)
{
    /* images' files are regular files; a device (/dev/null as stdin) is
     * no file an image is read from */
    if (!st || !S_ISREG(st->st_mode))
        return false;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return false;
    struct dirent *e;
    bool found = false;
    while (!found && (e = readdir(d)) != NULL) {
        char link[300];
        struct stat o;
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        found = stat(link, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
    }
    closedir(d);
    return found;
}

/* ---- other users of a block device -------------------------------------- */

/* What the walk looks for: device numbers (the device and its partitions)
 * and, for a loop device, the backing file's identity. */
typedef struct watch {
    dev_t devs[128];
    size_t n_devs;
    bool has_file;
    lr_file_id_t file;
    bool is_file; /* the path checked is that file (devs: the loop devices of it) */
} watch_t;

/* Reads a small sysfs file into buf without its newline; false on failure. */
static bool read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (ok)
        buf[strcspn(buf, "\n")] = '\0';
    return ok;
}

/* The first entry of a holders directory, "" when there is none. */
static void first_holder(const char *dir, char *name, size_t len)
{
    name[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            snprintf(name, len, "%s", e->d_name);
            break;
        }
    closedir(d);
}

/* Adds the partitions of the device whose sysfs directory is sys (the
 * subdirectories with a "partition" file) to w, refusing on a holder of
 * any of them. */
static int add_partitions(watch_t *w, const char *sys, const char *path, lr_error_t *err)
{
    DIR *d = opendir(sys);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL && w->n_devs < sizeof(w->devs) / sizeof(w->devs[0])) {
        char p[PATH_MAX], v[64], holder[256];
        unsigned ma, mi;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s/partition", sys, e->d_name);
        if (access(p, F_OK) != 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s/dev", sys, e->d_name);
        if (!read_small(p, v, sizeof(v)) || sscanf(v, "%u:%u", &ma, &mi) != 2)
            continue;
        w->devs[w->n_devs++] = makedev(ma, mi);
        snprintf(p, sizeof(p), "%s/%s/holders", sys, e->d_name);
        first_holder(p, holder, sizeof(holder));
        if (holder[0])
            rc = lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                             "device is in use: its partition %s is held by %s", e->d_name, holder);
    }
    closedir(d);
    return rc;
}

/* Fills w from sysfs for the block device rdev, refusing on a holder. */
static int watch_device(watch_t *w, dev_t rdev, const char *path, lr_error_t *err)
{
    char sys[128], p[PATH_MAX], holder[256];
    memset(w, 0, sizeof(*w));
    w->devs[w->n_devs++] = rdev;
    snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
    snprintf(p, sizeof(p), "%s/holders", sys);
    first_holder(p, holder, sizeof(holder));
    if (holder[0])
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET, "device is in use: held by %s",
                           holder);
    int rc = add_partitions(w, sys, path, err);
    if (rc)
        return rc;
    char backing[PATH_MAX];
    snprintf(p, sizeof(p), "%s/loop/backing_file", sys);
    if (read_small(p, backing, sizeof(backing)) && backing[0] &&
        lr_path_id(backing, &w->file, NULL) == 0)
        w->has_file = true;
    return 0;
}

/* Adds the loop device `name` (its /sys/block entry) and its partitions to
 * w, refusing on a holder of it (an LV active on it, say). */
static int add_loop(watch_t *w, const char *name, const char *path, lr_error_t *err)
{
    char sys[300], p[PATH_MAX], v[64], holder[256];
    unsigned ma, mi;
    snprintf(sys, sizeof(sys), "/sys/block/%s", name);
    snprintf(p, sizeof(p), "%s/dev", sys);
    if (!read_small(p, v, sizeof(v)) || sscanf(v, "%u:%u", &ma, &mi) != 2 ||
        w->n_devs == sizeof(w->devs) / sizeof(w->devs[0]))
        return 0;
    w->devs[w->n_devs++] = makedev(ma, mi);
    snprintf(p, sizeof(p), "%s/holders", sys);
    first_holder(p, holder, sizeof(holder));
    if (holder[0])
        return lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                           "file is in use: its loop device /dev/%s is held by %s", name, holder);
    return add_partitions(w, sys, path, err);
}

/* Fills w for the regular file st: the file itself and every loop device
 * whose backing file it is (/sys/block/loop*: /loop/backing_file), with
 * their partitions, refusing on a holder of one. */
static int watch_file(watch_t *w, const struct stat *st, const char *path, lr_error_t *err)
{
    memset(w, 0, sizeof(*w));
    w->has_file = w->is_file = true;
    w->file = (lr_file_id_t){(uint64_t)st->st_dev, (uint64_t)st->st_ino};
    DIR *d = opendir("/sys/block");
    if (!d)
        return 0; /* no sysfs: the processes are still walked */
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        char p[PATH_MAX], backing[PATH_MAX];
        lr_file_id_t id;
        if (strncmp(e->d_name, "loop", 4) != 0)
            continue;
        snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", e->d_name);
        if (!read_small(p, backing, sizeof(backing)) || !backing[0] ||
            lr_path_id(backing, &id, NULL) != 0 || id.dev != w->file.dev || id.ino != w->file.ino)
            continue;
        rc = add_loop(w, e->d_name, path, err);
    }
    closedir(d);
    return rc;
}

/* True when the open file link names something w watches. */
static bool watched(const watch_t *w, const char *link)
{
    struct stat st;
    if (stat(link, &st) != 0)
        return false;
    if (S_ISBLK(st.st_mode)) {
        for (size_t i = 0; i < w->n_devs; i++)
            if (st.st_rdev == w->devs[i])
                return true;
        return false;
    }
    return w->has_file && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == w->file.dev &&
           (uint64_t)st.st_ino == w->file.ino;
}

/* True when process pid (its /proc directory name) has a watched file open. */
static bool pid_uses(const watch_t *w, const char *pid)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
    DIR *d = opendir(dir);
    if (!d)
        return false; /* gone, or not ours to read */
    struct dirent *e;
    bool found = false;
    while (!found && (e = readdir(d)) != NULL) {
        char link[600];
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
        found = watched(w, link);
    }
    closedir(d);
    return found;
}

/* Walks /proc for another process using what w watches. */
static int walk_procs(const watch_t *w, const char *path, lr_error_t *err)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0; /* no /proc: nothing can be checked (documented) */
    char self[32];
    snprintf(self, sizeof(self), "%ld", (long)getpid());
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]) || strcmp(e->d_name, self) == 0)
            continue;
        if (!pid_uses(w, e->d_name))
            continue;
        char comm[64] = "?", p[300];
        snprintf(p, sizeof(p), "/proc/%s/comm", e->d_name);
        read_small(p, comm, sizeof(comm));
        rc = w->is_file
                 ? lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                               "file is in use: process %s (%s) has it or a loop device "
                               "of it open",
                               e->d_name, comm)
                 : lr_error_at(err, path, LR_EREFUSED, LR_NO_OFFSET,
                               "device is in use: process %s (%s) has %s open", e->d_name, comm,
                               w->has_file ? "it, a partition of it or its backing file"
                                           : "it or a partition of it");
    }
    closedir(d);
    return rc;
}

int lr_dev_check_unused(const char *path, lr_error_t *err)
{
    struct stat st;
    if (!path)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "device check: invalid arguments");
    if (stat(path, &st) != 0 || (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)))
        return 0;
    watch_t *w = malloc(sizeof(*w));
    if (!w)
        return lr_error_oom(err);
    int rc = S_ISBLK(st.st_mode) ? watch_device(w, st.st_rdev, path, err)
                                 : watch_file(w, &st, path, err);
    if (!rc)
        rc = walk_procs(w, path, err);
    free(w);
    return rc ? lr_error_hint(err, LR_HINT_FORCE, rc) : 0;
}

/* ---- command-line values ------------------------------------------------ */

bool lr_opt_value_ok(const char *v)
{
    return !v || strncmp(v, "--", 2) != 0;
}
