/*
 * fuzz_gzlines: libFuzzer target over the gzip side of the tools' line
 * reader (tools/linereader.c with gzip_auto), which reads rotated logs
 * `<name>.N.gz` (docs/connector-log.md#rotation).
 *
 * The first input octet sets the bound (1 to 256 octets) and the size of
 * each read(2) (1 to 16); the rest is used twice.  First as it is, with
 * gzip_auto on: any octets, a forged or cut gzip stream among them, give
 * lines or an error, never a crash or an overread.  Then gzipped here (two
 * gzip members, split at an octet the input chooses): the lines read must
 * be exactly those of the plain input, read without gzip, in order, with
 * the same line numbers and dropped lengths.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "linereader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfile(const void *p, size_t n)
{
    int fd = memfd_create("fuzz_gzlines", 0);

    if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n) || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    return fd;
}

/* One gzip member of p[0..n) appended to out at *len. */
static void gzip_member(const uint8_t *p, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    z_stream zs;

    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    zs.next_in = (Bytef *)p;
    zs.avail_in = (uInt)n;
    zs.next_out = out + *len;
    zs.avail_out = (uInt)(cap - *len);
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    *len = cap - zs.avail_out;
    deflateEnd(&zs);
}

/* Every result of a reader until its end: line texts and dropped lengths
 * into out (a record per result), or -1 at an error. */
static long read_all(int fd, size_t max, size_t rs, int gz, uint8_t **out, size_t *outlen)
{
    struct linereader lr;
    enum linereader_result r;
    const char *text;
    size_t len;
    long lines = 0;

    *out = NULL;
    *outlen = 0;
    linereader_init(&lr, fd, max);
    lr.read_size = rs;
    lr.gzip_auto = gz;
    for (;;) {
        r = linereader_next(&lr, &text, &len);
        if (r == LINEREADER_END)
            r = linereader_finish(&lr, &text, &len);
        if (r == LINEREADER_END)
            break;
        if (r == LINEREADER_ERROR) {
            lines = -1;
            break;
        }
        if (r == LINEREADER_LINE && (len > lr.max_len || memchr(text, '\n', len) != NULL))
            abort();
        lines++;
        if (lr.lineno != (unsigned long)lines)
            abort();
        if (r == LINEREADER_TOO_LONG) /* its length stands for it */
            len = lr.dropped_len;
        *out = realloc(*out, *outlen + sizeof len + (r == LINEREADER_LINE ? len : 0) + 1);
        if (*out == NULL)
            abort();
        (*out)[(*outlen)++] = (uint8_t)r;
        memcpy(*out + *outlen, &len, sizeof len);
        *outlen += sizeof len;
        if (r == LINEREADER_LINE) {
            memcpy(*out + *outlen, text, len);
            *outlen += len;
        }
    }
    linereader_free(&lr);
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *a, *b, *gz;
    size_t alen, blen, gzlen = 0, gzcap, n, split, max, rs;
    long la, lb;
    int fd;

    if (size == 0)
        return 0;
    max = 1 + data[0];
    rs = 1 + (data[0] & 15);
    data++;
    n = size - 1;

    /* the input as it is: anything but a crash */
    fd = memfile(data, n);
    read_all(fd, max, rs, 1, &a, &alen);
    free(a);
    close(fd);

    /* gzipped in two members: the same lines as the plain input */
    split = n > 0 ? data[n - 1] % (n + 1) : 0;
    gzcap = 2 * (compressBound((uLong)n) + 64);
    gz = malloc(gzcap);
    if (gz == NULL)
        abort();
    gzip_member(data, split, gz, gzcap, &gzlen);
    gzip_member(data + split, n - split, gz, gzcap, &gzlen);
    fd = memfile(data, n);
    la = read_all(fd, max, rs, 0, &a, &alen);
    close(fd);
    fd = memfile(gz, gzlen);
    lb = read_all(fd, max, rs, 1, &b, &blen);
    close(fd);
    if (la < 0 || la != lb || alen != blen || (alen > 0 && memcmp(a, b, alen) != 0))
        abort();
    free(a);
    free(b);
    free(gz);
    return 0;
}
