/*
 * logdir: can the box use this path as its log directory?  Asked without
 * creating anything.
 *
 * At start and on every reload the box makes the log directory (parents
 * too) when it is missing and creates its files inside it (module/
 * logwriter.c); a directory it cannot use stops it.  The configuration
 * loader asks the same question beforehand, so that emgdiag-check, which
 * must leave no trace, refuses the same files as the box and says which
 * line is at fault.  The answer is for the user who asks: run the check as
 * the user the boxes run as.
 */
#ifndef EMGDIAG_LOGDIR_H
#define EMGDIAG_LOGDIR_H

#include <stddef.h>

/* 0 when `dir` is a directory in which files can be created, or does not
 * exist and can be created (its nearest existing ancestor is such a
 * directory); -1 with the reason in `why` (one line, without the path
 * itself), e.g. "Not a directory" or
 * "cannot be created: \"/etc/passwd\": Not a directory". */
int logdir_check(const char *dir, char *why, size_t whylen);

#endif
