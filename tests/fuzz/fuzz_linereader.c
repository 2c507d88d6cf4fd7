/*
 * fuzz_linereader: libFuzzer target over the tools' bounded line reader
 * (tools/linereader.c), the one every tool reads text through.
 *
 * The first input octet sets the bound (1 to 256 octets) and how many
 * octets each read(2) asks for (1 to 16, so that lines span reads); the
 * rest is the input, read from a memory file.  Beyond the sanitizers'
 * checks: every line returned is within the bound and holds no newline;
 * every line dropped was over it; and the lines, the dropped lengths, the
 * newlines and the last unterminated line add up to the input exactly, in
 * order, with line numbers counting every one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "linereader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct linereader lr;
    enum linereader_result r;
    const char *text, *in;
    size_t len, n, pos = 0;
    unsigned long lines = 0;
    int fd;

    if (size == 0)
        return 0;
    in = (const char *)data + 1;
    n = size - 1;
    fd = memfd_create("fuzz_linereader", 0);
    if (fd < 0 || (n > 0 && write(fd, in, n) != (ssize_t)n) || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    linereader_init(&lr, fd, 1 + data[0]);
    lr.read_size = 1 + (data[0] & 15);
    for (;;) {
        r = linereader_next(&lr, &text, &len);
        if (r == LINEREADER_END)
            r = linereader_finish(&lr, &text, &len);
        if (r == LINEREADER_END)
            break;
        if (r == LINEREADER_ERROR)
            abort();
        lines++;
        if (lr.lineno != lines)
            abort();
        if (r == LINEREADER_LINE) {
            if (len > lr.max_len || memchr(text, '\n', len) != NULL || pos + len > n ||
                memcmp(text, in + pos, len) != 0)
                abort();
        } else {
            len = lr.dropped_len;
            if (len <= lr.max_len || pos + len > n || memchr(in + pos, '\n', len) != NULL)
                abort();
        }
        pos += len;
        if (pos < n) {
            if (in[pos] != '\n')
                abort();
            pos++; /* its newline */
        }
    }
    if (pos != n || linereader_pending(&lr))
        abort();
    linereader_free(&lr);
    close(fd);
    return 0;
}
