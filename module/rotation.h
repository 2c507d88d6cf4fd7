/*
 * rotation: size rotation of one log file and the gzip helper thread
 * (<logs rotate-size keep compress>, docs/connector-log.md#rotation).
 *
 * The log writer (logwriter.c) decides when a file is rotated: between two
 * lines, so no line is torn, lost or written twice.  rotation_shift() then
 * does the renames on the writer thread: `<name>.N` (and `<name>.N.gz`)
 * become `<name>.N+1`, the ones past `keep` are removed, `<name>` becomes
 * `<name>.1`, and the writer's next line creates a new `<name>`.
 *
 * With compression, `<name>.1` is queued for the helper thread
 * ("emgdiag-gzip", every signal blocked, at a lower priority), never
 * compressed by the writer.  It gzips the file into a hidden temporary name
 * (`.<name>.gz-tmp`), renames that to `<name>.N.gz` once it is complete and
 * synced, and only then removes the plain `<name>.N`.  The renames of a
 * shift and the compressor's final rename happen under one lock, and a
 * shift renumbers the files queued or being compressed, so a file that
 * moved from .1 to .2 while it was compressed ends as `.2.gz`; one shifted
 * past `keep` meanwhile is dropped with its temporary file.  A plain
 * `<name>.N` left by a stop or a failed compression is queued again at the
 * next rotation of that file.
 *
 * Allocations go through alloc.h (zlib's too).  Out of memory or a failed
 * write costs compression (the plain file stays), never a line.
 */
#ifndef EMGDIAG_ROTATION_H
#define EMGDIAG_ROTATION_H

/* Bounds of <logs keep>, and its default. */
#define ROTATION_KEEP_MIN 1u
#define ROTATION_KEEP_MAX 1000u
#define ROTATION_KEEP_DEFAULT 10u

struct rotation;

/* `host_log` (may be NULL) gets one-line messages (a failed compression)
 * from the helper thread until rotation_stop(); ctx is passed along.
 * NULL when out of memory.  No thread is started until the first file is
 * queued for compression. */
struct rotation *rotation_new(void (*host_log)(void *ctx, const char *msg), void *ctx);

/* Writer thread: rotates dir/name as described above; `compress` queues
 * `<name>.1` (and any plain `<name>.N` left uncompressed) for gzip.
 * 0 when dir/name is now `<name>.1`; -1 with errno when it was not renamed
 * (ENOENT: there is no such file), and the caller keeps appending to it. */
int rotation_shift(struct rotation *r, const char *dir, const char *name, unsigned keep,
                   int compress);

/* Files rotated and compressions completed since rotation_new(). */
void rotation_counts(struct rotation *r, unsigned long *rotated, unsigned long *compressed);

/* Stops the helper thread: a compression under way is abandoned (its
 * temporary file removed, the plain file kept).  Waits at most timeout_ms
 * (negative: as long as it takes); a thread that does not finish in time
 * (a stuck disk) is left to free r itself.  host_log is not called after
 * this returns.  r may be NULL. */
void rotation_stop(struct rotation *r, int timeout_ms);

#endif
