/*
 * fuzz_pdu: libFuzzer target over the SMPP decoder and both pdu-log forms.
 *
 * The input is taken as one raw PDU.  Beyond the sanitizers' checks it
 * asserts the promises of docs/pdu-log.md and docs/pdu-log.md#json-twin-decided: a text line never
 * holds CR or LF, the JSON members are balanced (braces and brackets
 * outside strings, strings closed), the header stage and a later body stage
 * give the same line, and the text line has one parse: the places where a
 * field starts (a space, a key the log prints, ':') are exactly the fields
 * decoded, plus the ERROR marker when there is one.
 * The first input octet also picks the password option, so both paths run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdu_format.h"
#include "sbuf.h"
#include "smpp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many " KEY:" a text line holds after its header, KEY being a key the
 * pdu log prints or ERROR. */
static size_t count_field_starts(const char *line)
{
    const char *s = strstr(line, " datalen:"), *k;
    size_t n = 0;

    if (s == NULL)
        abort();
    for (s++; (s = strchr(s, ' ')) != NULL; s++) {
        for (k = s + 1;
             (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9'); k++)
            ;
        if (*k == ':' && k > s + 1 && smpp_is_key(s + 1, (size_t)(k - s - 1)))
            n++;
    }
    return n;
}

static void check_json_balanced(const char *s, size_t n)
{
    int depth = 0, in_string = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if ((unsigned char)c < 0x20)
            abort(); /* raw control character */
        if (in_string) {
            if (c == '\\') {
                i++;
                if (i >= n)
                    abort();
            } else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (c == '"')
            in_string = 1;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        if (depth < 0)
            abort();
    }
    if (depth != 0 || in_string)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbuf text = SBUF_INIT, json = SBUF_INIT, both_text = SBUF_INIT;
    struct pdu_format_opts o = { .passwords_clear = size > 0 && (data[0] & 1) };
    struct smpp_decoded sum;

    pdu_format_text(&text, PDU_DIR_READ, data, size, &o);
    pdu_format_json(&json, PDU_DIR_WRITE, data, size, &o);
    pdu_format_both(&both_text, NULL, PDU_DIR_READ, data, size, &o);
    if (text.failed || json.failed)
        abort();
    if (memchr(text.buf, '\n', text.len) != NULL || memchr(text.buf, '\r', text.len) != NULL)
        abort();
    if (strlen(text.buf) != text.len)
        abort(); /* no NUL inside a line */
    if (text.len != both_text.len || memcmp(text.buf, both_text.buf, text.len) != 0)
        abort();
    check_json_balanced(json.buf, json.len);
    {
        struct smpp_decoded d;

        smpp_decode(data, size, &d);
        if (count_field_starts(text.buf) != d.nfields + (d.error != NULL))
            abort(); /* a value reads as a field, or a field went missing */
        smpp_decoded_free(&d);
    }
    smpp_decode_header(data, size, &sum);
    if (sum.system_id != NULL &&
        (sum.system_id < data || sum.system_id + sum.system_id_len >= data + size ||
         sum.system_id[sum.system_id_len] != 0))
        abort();
    /* The body stage continues from the header stage to the same line. */
    {
        struct sbuf staged = SBUF_INIT;

        pdu_format_decoded(&staged, NULL, PDU_DIR_READ, &sum, &o);
        if (staged.len != text.len || memcmp(staged.buf, text.buf, text.len) != 0)
            abort();
        sbuf_free(&staged);
        smpp_decoded_free(&sum);
    }
    sbuf_free(&text);
    sbuf_free(&json);
    sbuf_free(&both_text);
    return 0;
}
