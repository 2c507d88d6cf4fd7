/*
 * fault_read: an LD_PRELOAD library that makes read(2) fail part-way
 * through one file, for the tool tests (tool_checks.sh, fault_read_build):
 * a disk error cannot be had on demand here, and the tools must tell one
 * from the end of the file.
 *
 *   FAULT_READ_PATH   the file (as /proc/self/fd shows it: absolute, no
 *                     symbolic links)
 *   FAULT_READ_AFTER  reads of it stop at this offset; from there each
 *                     read(2) fails with EIO
 *   FAULT_READ_MARK   created the first time a read fails, so that a test
 *                     can tell a fault that was injected from a tool that
 *                     never read through this read() (a sanitizer build
 *                     intercepts it first)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t read(int fd, void *buf, size_t n)
{
    static ssize_t (*real_read)(int, void *, size_t);
    const char *path = getenv("FAULT_READ_PATH"), *after = getenv("FAULT_READ_AFTER");
    char link[64], target[PATH_MAX];
    ssize_t k;

    if (real_read == NULL)
        real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    if (path == NULL || after == NULL)
        return real_read(fd, buf, n);
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    k = readlink(link, target, sizeof target - 1);
    if (k > 0) {
        off_t pos = lseek(fd, 0, SEEK_CUR), limit = (off_t)strtoll(after, NULL, 10);

        target[k] = '\0';
        if (strcmp(target, path) == 0 && pos >= 0) {
            if (pos >= limit) {
                const char *mark = getenv("FAULT_READ_MARK");
                int saved;

                if (mark != NULL && (saved = open(mark, O_WRONLY | O_CREAT, 0644)) >= 0)
                    close(saved);
                errno = EIO;
                return -1;
            }
            if ((off_t)n > limit - pos)
                n = (size_t)(limit - pos);
        }
    }
    return real_read(fd, buf, n);
}
