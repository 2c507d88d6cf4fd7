/*
 * fuzz_pdu_json: libFuzzer target over the reader of JSON-twin lines
 * (tools/pdu_json.c) that emgdiag-compare uses.
 *
 * The input is one line.  Beyond the sanitizers' checks: a line taken has
 * every member the twin must have, a timestamp of 26 octets with a space
 * where the T was, an op string that fits, and fields whose keys are not
 * empty and whose keys and values lie inside the decoded strings (never
 * longer, together, than the line); its error likewise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdu_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct pdu_json *j, const char *p, size_t len, size_t size)
{
    if (p < j->store || p + len > j->store + size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pdu_json j;
    size_t i;
    /* a copy of exactly the input's size, so that an overread shows */
    char *line = malloc(size ? size : 1);

    if (line == NULL)
        abort();
    memcpy(line, data, size);
    if (pdu_json_parse(line, size, &j) == 0) {
        if (strlen(j.ts) != PDU_JSON_TS_LEN || j.ts[10] != ' ' || strlen(j.op) == 0 ||
            strlen(j.op) >= sizeof j.op || (j.write != 0 && j.write != 1))
            abort();
        for (i = 0; i < j.nfields; i++) {
            if (j.fields[i].key_len == 0)
                abort();
            inside(&j, j.fields[i].key, j.fields[i].key_len, size);
            inside(&j, j.fields[i].value, j.fields[i].value_len, size);
        }
        if (j.error != NULL)
            inside(&j, j.error, j.error_len, size);
        pdu_json_free(&j);
    }
    free(line);
    return 0;
}
