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
 * every line against itself.  In pdu mode a line that is a JSON-twin line
 * (tools/pdu_json.c) is taken as the twin of the next pdu line, whose
 * fields then come from it.  Beyond the sanitizers' checks: a key never
 * holds a newline, the compared text of a line is the same each time it
 * is made, and a pdu line compares equal to itself with every space of its
 * body written \x20.
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
        abort(); /* a key is one line */
}

/* A pdu line and the same line with every space of its body written \x20
 * (as the module may write them) compare equal when no field is ignored. */
static void check_spaces_as_escapes(const struct options *o, const struct line *l, const char *cmp,
                                    size_t cmp_len)
{
    struct line v = *l;
    size_t i, k, vlen;
    char *vcmp;

    if (o->kind != KIND_PDU || o->nignored > 0)
        return;
    v.text = xmalloc(l->len * 4 + 1);
    memcpy(v.text, l->text, l->rest);
    for (i = k = l->rest; i < l->len; i++) {
        if (l->text[i] == '\\' && i + 1 < l->len) {
            v.text[k++] = l->text[i++];
            v.text[k++] = l->text[i];
        } else if (l->text[i] == ' ') {
            memcpy(v.text + k, "\\x20", 4);
            k += 4;
        } else {
            v.text[k++] = l->text[i];
        }
    }
    v.len = k;
    vcmp = line_cmp(o, &v, NULL, &vlen);
    if (vlen != cmp_len || memcmp(vcmp, cmp, cmp_len) != 0)
        abort();
    print_field_diff(stdout, o, l, NULL, &v, NULL);
    free(vcmp);
    free(v.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *ignored[] = { "MESSAGEID" };
    struct options o;
    struct table t;
    const char *p, *end, *nl;
    int (*parse)(struct line *);
    struct pdu_json *twin = NULL;
    int k = 0;

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
        size_t again_len;

        nl = memchr(p, '\n', (size_t)(end - p));
        len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        /* logfile_next() hands over NUL-terminated text; so does this */
        l.text = xstrndup(p, len);
        l.len = len;
        p += len + 1;
        if (o.kind == KIND_PDU && twin == NULL) {
            /* a JSON-twin line: the twin of the next pdu line */
            twin = xmalloc(sizeof *twin);
            if (pdu_json_parse(l.text, l.len, twin) == 0) {
                free(l.text);
                continue;
            }
            free(twin);
            twin = NULL;
        }
        if (parse(&l) != 0) {
            free(l.text);
            continue;
        }
        if (k++ % 2 == 0) {
            struct pdu_json *owned = twin;

            twin = NULL;
            table_add(&t, &o, &l, owned); /* the table owns the text and the twin now */
            check_text(t.newest->key);
            entry_cmp(&o, t.newest);
            again = line_cmp(&o, &t.newest->l, owned, &again_len);
            if (again_len != t.newest->cmp_len ||
                memcmp(again, t.newest->cmp, again_len) != 0)
                abort(); /* the compared text depends on the line alone */
            free(again);
        } else {
            size_t cmp_len;
            char *key = line_key(&o, &l), *cmp = line_cmp(&o, &l, twin, &cmp_len);
            struct entry *e = table_take(&t, key);

            check_text(key);
            if (twin == NULL)
                check_spaces_as_escapes(&o, &l, cmp, cmp_len);
            if (e != NULL && pair_differs(&o, &l, twin, e) !=
                                 (entry_cmp(&o, e), cmp_len != e->cmp_len ||
                                                        memcmp(cmp, e->cmp, cmp_len) != 0))
                abort(); /* the short cut for equal bodies says what the comparison says */
            if (e != NULL && (cmp_len != e->cmp_len || memcmp(cmp, e->cmp, cmp_len) != 0))
                print_field_diff(stdout, &o, &l, twin, &e->l, e->twin);
            print_field_diff(stdout, &o, &l, twin, &l, NULL);
            free(key);
            free(cmp);
            free(l.text);
            if (twin != NULL) {
                pdu_json_free(twin);
                free(twin);
                twin = NULL;
            }
        }
    }
    if (twin != NULL) {
        pdu_json_free(twin);
        free(twin);
    }
    table_free(&t);
    return 0;
}
