/*
 * logdir.c: the log directory check without side effects (see logdir.h).
 *
 * "Can a file be created here" is answered by opening an unnamed temporary
 * file (O_TMPFILE): the kernel checks exactly what creating a file checks
 * (permissions, a read-only mount, a file system that holds no files) and
 * the file vanishes when closed, leaving no name behind.  Where the file
 * system cannot make unnamed files, the answer falls back to access(2)
 * with the effective ids, after refusing the kernel's own proc and sysfs
 * file systems, which grant access(2) to root but hold no new files.
 */
#include "logdir.h"

#include "alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static int can_create_in(const char *dir, const char **reason);
static char *parent_of(char *path);

int logdir_check(const char *dir, char *why, size_t whylen)
{
    struct stat sb;
    const char *reason;
    char *path;
    int rc = -1;

    if (dir[0] == '\0') {
        snprintf(why, whylen, "empty path");
        return -1;
    }
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            snprintf(why, whylen, "%s", strerror(ENOTDIR));
            return -1;
        }
        if (can_create_in(dir, &reason) != 0) {
            snprintf(why, whylen, "cannot create files in it: %s", reason);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT && errno != ENOTDIR) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    /* Missing: the box would create it, and any missing parents, inside
     * the nearest ancestor that exists. */
    path = emg_strdup(dir);
    if (path == NULL) {
        snprintf(why, whylen, "%s", strerror(ENOMEM));
        return -1;
    }
    for (;;) {
        size_t before = strlen(path);
        const char *ancestor = parent_of(path);

        if (stat(ancestor, &sb) != 0) {
            if ((errno == ENOENT || errno == ENOTDIR) && strlen(ancestor) < before)
                continue;
            snprintf(why, whylen, "cannot be created: \"%s\": %s", ancestor, strerror(errno));
        } else if (!S_ISDIR(sb.st_mode)) {
            snprintf(why, whylen, "cannot be created: \"%s\": %s", ancestor, strerror(ENOTDIR));
        } else if (can_create_in(ancestor, &reason) != 0) {
            snprintf(why, whylen, "cannot be created in \"%s\": %s", ancestor, reason);
        } else {
            rc = 0;
        }
        break;
    }
    emg_free(path);
    return rc;
}

/* 0 when a file (or a directory) can be created directly in `dir`. */
static int can_create_in(const char *dir, const char **reason)
{
    struct statfs fs;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

    if (fd >= 0) {
        close(fd);
        return 0;
    }
    /* EOPNOTSUPP: the file system has no unnamed files; EISDIR or EINVAL:
     * a kernel without O_TMPFILE. */
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        *reason = strerror(errno);
        return -1;
    }
    if (statfs(dir, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC)) {
        *reason = "a kernel file system (proc or sysfs), which holds no log files";
        return -1;
    }
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
        *reason = strerror(errno);
        return -1;
    }
    return 0;
}

/* Cuts `path` (modified in place, at least 1 octet long) to its parent and
 * returns it: "a/b/" gives "a", "/a" gives "/", "a" gives ".".  The parent
 * of "/" and of "." is itself, so a walk up ends there. */
static char *parent_of(char *path)
{
    size_t n = strlen(path);

    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    if (n == 0) {
        strcpy(path, ".");
        return path;
    }
    while (n > 1 && path[n - 1] == '/')
        n--;
    path[n] = '\0';
    return path;
}
