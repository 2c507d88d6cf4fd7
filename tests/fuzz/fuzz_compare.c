/*
 * fuzz_compare: libFuzzer target over emgdiag-compare's pairing and field
 * code (tools/compare_model.c, with the line parsers of tools/logline.c),
 * the same files the tool links.
 *
 * The first input octet picks the kind (pdu or connector log) and the
 * options (ignore the instance; ignore the field MESSAGEID); the rest is
 * cut into lines at '\n'.  Lines that parse go alternately into the table
 * of SECOND and against it as lines of FIRST, and a pair is printed with
 * its field differences (standard output goes to /dev/null), and so is
 * every line against itself.  Beyond the sanitizers' checks: a key never
 * holds a newline, and the compared text of a line is the same each time
 * it is made.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_model.h"
#include "logline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (freopen("/dev/null", "w", stdout) == NULL)
        abort();
    return 0;
}

static void check_text(const char *s)
{
    if (strchr(s, '\n') != NULL)
        abort();   /* a key is one line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *ignored[] = {"MESSAGEID"};
    struct options o;
    struct table t;
    const char *p, *end, *nl;
    int (*parse)(struct line *);
    int k = 0;
    size_t i;

    if (size == 0)
        return 0;
    memset(&o, 0, sizeof o);
    memset(&t, 0, sizeof t);
    o.kind = data[0] & 1 ? KIND_PDU : KIND_CONNECTOR;
    o.ignore_instance = (data[0] & 2) != 0;
    if (data[0] & 4) {
        o.ignored = ignored;
        o.nignored = 1;
    }
    parse = o.kind == KIND_PDU ? parse_pdu_line : parse_connector_line;
    p = (const char *)data + 1;
    end = (const char *)data + size;
    while (p < end) {
        struct line l;
        size_t len;
        char *again;

        nl = memchr(p, '\n', (size_t)(end - p));
        len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        /* logfile_next() hands over NUL-terminated text; so does this */
        l.text = xstrndup(p, len);
        l.len = len;
        p += len + 1;
        if (parse(&l) != 0) {
            free(l.text);
            continue;
        }
        if (k++ % 2 == 0) {
            table_add(&t, &o, &l);   /* the table owns the text now */
            check_text(t.e[t.n - 1].key);
            again = line_cmp(&o, &t.e[t.n - 1].l);
            if (strcmp(again, t.e[t.n - 1].cmp) != 0)
                abort();   /* the compared text depends on the line alone */
            free(again);
        } else {
            char *key = line_key(&o, &l), *cmp = line_cmp(&o, &l);
            struct entry *e = table_take(&t, key);

            check_text(key);
            if (e != NULL && strcmp(cmp, e->cmp) != 0)
                print_field_diff(stdout, &o, &l, &e->l);
            print_field_diff(stdout, &o, &l, &l);
            free(key);
            free(cmp);
            free(l.text);
        }
    }
    table_free(&t);
    return 0;
}
