/*
 * config.c: load the emgdiag XML file into an immutable struct emg_config.
 *
 * Order of work: read the file (bounded size), parse it with a private
 * libxml2 parser context whose own structured-error handler collects the
 * messages (Kannel shares libxml2, so no global handler is touched and
 * xmlCleanupParser is never called), refuse any DOCTYPE from the SAX
 * callback before its declarations are read, validate against the
 * compiled-in RELAX NG schema, and walk the tree checking everything
 * ourselves.  The walk gives precise "FILE:LINE: message" errors with the
 * quoted value; when it finds nothing but the schema still objects, the
 * schema's own messages are reported in the same form, so the schema and the
 * code can never disagree silently.  Every step is linear in the file's
 * size: connectors and users are kept in arrays that double as they grow,
 * with hash indexes beside them (name_index.h) for the duplicate checks
 * and for the lookups the gateway makes on every bind and PDU.  The access
 * decisions that read the loaded lists are in policy.c.
 */
#include "config.h"
#include "db.h"

#include "alloc.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include "logdir.h"
#include "rotation.h"
#include "smpp.h"

/* A quoted value in a message shows at most this many source octets. */
#define QUOTE_MAX_OCTETS 80
#define QUOTE_BUF (QUOTE_MAX_OCTETS * 4 + 8)

struct load_state {
    const char *file;
    struct emg_config *cfg;
    struct emg_errors code_errs;   /* parser and tree-walk problems */
    struct emg_errors schema_errs; /* RELAX NG problems */
    int doctype_seen;
    int check_dir; /* look at the log directory on disk */
};

static void add_error(struct load_state *st, struct emg_errors *list, long line, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
static void append_message(struct emg_errors *list, const char *msg);
static const char *quote(const char *value, char *buf, size_t buflen);
static void on_parser_error(void *ctx, xmlErrorPtr err);
static void on_schema_error(void *ctx, xmlErrorPtr err);
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id);
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes);
static int line_of(xmlNodePtr node);
static int check_utf8(struct load_state *st, const char *buf, size_t len);
static xmlDocPtr parse_document(struct load_state *st, const char *buf, size_t len);
static void validate_schema(struct load_state *st, xmlDocPtr doc);
static void check_root(struct load_state *st, xmlNodePtr root);
static void check_logs(struct load_state *st, xmlNodePtr node);
static void check_pdu_skip(struct load_state *st, xmlNodePtr node, const char *list);
static void check_connector(struct load_state *st, xmlNodePtr node);
static void check_access(struct load_state *st, xmlNodePtr node, struct emg_connector *conn);
static void check_users(struct load_state *st, xmlNodePtr node);
static void check_user(struct load_state *st, xmlNodePtr node);
static void check_user_allow(struct load_state *st, xmlNodePtr node, struct emg_user *user);
static int lookup_command(const char *name, uint32_t *id);
static void check_metrics(struct load_state *st, xmlNodePtr node);
static void check_database(struct load_state *st, xmlNodePtr node);

/* ---- entry points ---- */

struct emg_config *emg_config_load(const char *path, struct emg_errors *errs)
{
    struct load_state st;
    struct emg_config *cfg;
    FILE *fp;
    char *buf;
    size_t len = 0, got;

    memset(&st, 0, sizeof(st));
    st.file = path ? path : "(null)";
    fp = path ? fopen(path, "rb") : NULL;
    if (fp == NULL) {
        add_error(&st, &st.code_errs, 0, "cannot open: %s", strerror(path ? errno : EINVAL));
        goto fail;
    }
    buf = emg_malloc(EMG_CONFIG_MAX_SIZE + 1);
    if (buf == NULL) {
        fclose(fp);
        add_error(&st, &st.code_errs, 0, "out of memory");
        goto fail;
    }
    while ((got = fread(buf + len, 1, EMG_CONFIG_MAX_SIZE + 1 - len, fp)) > 0)
        len += got;
    if (ferror(fp)) {
        add_error(&st, &st.code_errs, 0, "cannot read: %s", strerror(errno));
        fclose(fp);
        emg_free(buf);
        goto fail;
    }
    fclose(fp);
    cfg = emg_config_load_buffer_flags(buf, len, path, errs, 0);
    emg_free(buf);
    return cfg;

fail:
    if (errs) {
        for (size_t i = 0; i < st.code_errs.n; i++)
            append_message(errs, st.code_errs.msgs[i]);
    }
    emg_errors_free(&st.code_errs);
    return NULL;
}

struct emg_config *emg_config_load_buffer(const char *buf, size_t len, const char *name,
                                          struct emg_errors *errs)
{
    return emg_config_load_buffer_flags(buf, len, name, errs, 0);
}

struct emg_config *emg_config_load_buffer_flags(const char *buf, size_t len, const char *name,
                                                struct emg_errors *errs, unsigned flags)
{
    struct load_state st;
    struct emg_errors *chosen;
    xmlDocPtr doc = NULL;

    memset(&st, 0, sizeof(st));
    st.check_dir = !(flags & EMG_CONFIG_NO_FILESYSTEM);
    st.file = name ? name : "(config)";
    st.cfg = emg_calloc(1, sizeof(*st.cfg));
    if (st.cfg == NULL || (st.cfg->file = emg_strdup(st.file)) == NULL) {
        add_error(&st, &st.code_errs, 0, "out of memory");
        goto done;
    }
    st.file = st.cfg->file; /* rules keep pointers to this copy */
    st.cfg->format = EMG_FMT_EMG;
    st.cfg->pdu_value_max = EMG_PDU_VALUE_DEFAULT;
    st.cfg->message_log = 1;

    if (len > EMG_CONFIG_MAX_SIZE) {
        add_error(&st, &st.code_errs, 0, "file larger than %u octets", EMG_CONFIG_MAX_SIZE);
        goto done;
    }
    if (check_utf8(&st, buf, len) != 0)
        goto done;
    doc = parse_document(&st, buf, len);
    if (doc == NULL || st.code_errs.n > 0)
        goto done;
    validate_schema(&st, doc);
    check_root(&st, xmlDocGetRootElement(doc));

done:
    if (doc)
        xmlFreeDoc(doc);
    chosen = st.code_errs.n > 0 ? &st.code_errs : &st.schema_errs;
    if (errs) {
        for (size_t i = 0; i < chosen->n; i++)
            append_message(errs, chosen->msgs[i]);
    }
    if (chosen->n > 0 || st.schema_errs.n > 0) {
        emg_config_free(st.cfg);
        st.cfg = NULL;
    }
    emg_errors_free(&st.code_errs);
    emg_errors_free(&st.schema_errs);
    return st.cfg;
}

void emg_config_free(struct emg_config *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_connectors; i++) {
        struct emg_connector *conn = &c->connectors[i];
        emg_free(conn->name);
        emg_free(conn->smsc_id);
        emg_free(conn->opensmppbox_id);
        acl_list_free(&conn->access);
    }
    emg_free(c->connectors);
    for (size_t i = 0; i < c->n_users; i++) {
        for (size_t k = 0; k < c->users[i].n_allows; k++)
            emg_free(c->users[i].allows[k].connector);
        emg_free(c->users[i].allows);
        emg_free(c->users[i].system_id);
    }
    emg_free(c->users);
    name_index_free(&c->by_name);
    name_index_free(&c->by_smsc_id);
    name_index_free(&c->by_osb_id);
    name_index_free(&c->by_system_id);
    for (size_t i = 0; i < c->n_metrics; i++) {
        emg_free(c->metrics[i].opensmppbox_id);
        emg_free(c->metrics[i].listen);
        emg_free(c->metrics[i].textfile);
    }
    emg_free(c->metrics);
    if (c->database != NULL) {
        emg_free(c->database->file);
        emg_free(c->database->conninfo);
        emg_free(c->database->password_file);
        emg_free(c->database->node);
        emg_free(c->database);
    }
    emg_free(c->pdu_skip);
    emg_free(c->log_dir);
    emg_free(c->file);
    emg_free(c);
}

void emg_errors_free(struct emg_errors *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n; i++)
        emg_free(e->msgs[i]);
    emg_free(e->msgs);
    e->msgs = NULL;
    e->n = 0;
}

/* The lookups read the indexes the loader built beside the arrays; each
 * gives the first entry in document order, as a scan would. */
static const struct emg_connector *connector_at(const struct emg_config *c,
                                                const struct name_index *ix, const char *key)
{
    size_t pos;

    if (c == NULL || key == NULL)
        return NULL;
    pos = name_index_find(ix, key);
    return pos != NAME_INDEX_NONE ? &c->connectors[pos] : NULL;
}

const struct emg_connector *emg_config_connector(const struct emg_config *c, const char *name)
{
    return connector_at(c, c ? &c->by_name : NULL, name);
}

const struct emg_connector *emg_config_outgoing(const struct emg_config *c, const char *smsc_id)
{
    return connector_at(c, c ? &c->by_smsc_id : NULL, smsc_id);
}

const struct emg_connector *emg_config_incoming(const struct emg_config *c, const char *osb_id)
{
    return connector_at(c, c ? &c->by_osb_id : NULL, osb_id);
}

const struct emg_user *emg_config_user(const struct emg_config *c, const char *system_id)
{
    size_t pos;

    if (c == NULL || system_id == NULL)
        return NULL;
    pos = name_index_find(&c->by_system_id, system_id);
    return pos != NAME_INDEX_NONE ? &c->users[pos] : NULL;
}

int emg_config_pdu_skipped(const struct emg_config *c, uint32_t command_id)
{
    if (c == NULL)
        return 0;
    for (size_t i = 0; i < c->n_pdu_skip; i++) {
        if (c->pdu_skip[i] == command_id)
            return 1;
    }
    return 0;
}

/* ---- arrays ---- */

/* The array `arr` of `n` elements of `size` octets with room for one more:
 * its capacity is the power of two at or above `n` (so it need not be
 * stored) and doubles when `n` reaches it, so adding element by element
 * copies each element a bounded number of times on average.  NULL when
 * out of memory (`arr` is then unchanged). */
static void *room_for_one(void *arr, size_t n, size_t size)
{
    size_t cap;

    if (n != 0 && (n & (n - 1)) != 0)
        return arr;
    cap = n == 0 ? 1 : 2 * n;
    if (cap < n || cap > SIZE_MAX / size)
        return NULL;
    return emg_realloc(arr, cap * size);
}

/* ---- errors ---- */

/* Append a copy of `msg` to `list`; on allocation failure the message is
 * lost but the list stays consistent. */
static void append_message(struct emg_errors *list, const char *msg)
{
    char *copy = emg_strdup(msg);
    char **grown = copy ? emg_realloc(list->msgs, (list->n + 1) * sizeof(*list->msgs)) : NULL;

    if (grown == NULL) {
        emg_free(copy);
        return;
    }
    list->msgs = grown;
    list->msgs[list->n++] = copy;
}

/* Append "FILE:LINE: message" to `list`; past EMG_CONFIG_MAX_ERRORS, one
 * "too many errors" line and then nothing. */
static void add_error(struct load_state *st, struct emg_errors *list, long line, const char *fmt,
                      ...)
{
    char text[6144]; /* room for a PATH_MAX file name and a message */
    va_list ap;
    int prefix;

    if (list->n > EMG_CONFIG_MAX_ERRORS)
        return;
    prefix = snprintf(text, sizeof(text), "%s:%ld: ", st->file, line);
    if (prefix < 0 || (size_t)prefix >= sizeof(text) - 1024)
        prefix = snprintf(text, sizeof(text), "(config):%ld: ", line);
    if (list->n == EMG_CONFIG_MAX_ERRORS) {
        snprintf(text + prefix, sizeof(text) - (size_t)prefix, "too many errors, stopping");
    } else {
        va_start(ap, fmt);
        vsnprintf(text + prefix, sizeof(text) - (size_t)prefix, fmt, ap);
        va_end(ap);
    }
    append_message(list, text);
}

/* `value` between double quotes, escaped as the logs escape info values:
 * printable ASCII as is except '\' (written "\\") and '"' (written "\x22"),
 * every other octet "\xHH"; cut after QUOTE_MAX_OCTETS octets with "...". */
static const char *quote(const char *value, char *buf, size_t buflen)
{
    static const char hex[] = "0123456789abcdef";
    size_t out = 0, i;

    if (buflen < QUOTE_BUF)
        return "\"?\"";
    buf[out++] = '"';
    for (i = 0; value && value[i] && i < QUOTE_MAX_OCTETS; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '\\') {
            buf[out++] = '\\';
            buf[out++] = '\\';
        } else if (c >= 0x20 && c <= 0x7e && c != '"') {
            buf[out++] = (char)c;
        } else {
            buf[out++] = '\\';
            buf[out++] = 'x';
            buf[out++] = hex[c >> 4];
            buf[out++] = hex[c & 0xf];
        }
    }
    if (value && value[i]) {
        memcpy(buf + out, "...", 3);
        out += 3;
    }
    buf[out++] = '"';
    buf[out] = '\0';
    return buf;
}

static void collect_libxml_error(struct load_state *st, struct emg_errors *list, xmlErrorPtr err)
{
    xmlNodePtr node = err != NULL ? err->node : NULL;
    long line;
    char clean[512];
    size_t n = 0;

    if (err == NULL || err->level == XML_ERR_WARNING)
        return;
    /* libxml2 messages end in a newline and may echo input: keep them on
     * one line of printable text. */
    for (const char *m = err->message ? err->message : "error"; *m && n + 5 < sizeof(clean); m++) {
        unsigned char c = (unsigned char)*m;
        if (c == '\n' || c == '\r')
            clean[n++] = ' ';
        else if (c < 0x20 || c == 0x7f)
            n += (size_t)snprintf(clean + n, sizeof(clean) - n, "\\x%02x", c);
        else
            clean[n++] = (char)c;
    }
    while (n > 0 && clean[n - 1] == ' ')
        n--;
    clean[n] = '\0';
    /* A schema message names a node of our document, whose true line
     * line_of() knows; libxml2's own err->line stops at 65535 there. */
    line = node != NULL && node->type == XML_ELEMENT_NODE && node->_private != NULL ? line_of(node)
                                                                                    : err->line;
    add_error(st, list, line > 0 ? line : 0, "%s", clean);
}

static void on_parser_error(void *ctx, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = ctx;

    collect_libxml_error(ctxt->_private, &((struct load_state *)ctxt->_private)->code_errs, err);
}

static void on_schema_error(void *ctx, xmlErrorPtr err)
{
    struct load_state *st = ctx;

    collect_libxml_error(st, &st->schema_errs, err);
}

/* SAX: a DOCTYPE starts.  Stop before any declaration inside it is read. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct load_state *st = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    st->doctype_seen = 1;
    add_error(st, &st->code_errs, ctxt->input ? ctxt->input->line : 0,
              "DOCTYPE not allowed (no DTD, no entity declarations)");
    xmlStopParser(ctxt);
}

/* SAX: an element starts.  libxml2 numbers an element by the line where its
 * start tag ends; a user looks for the line where it begins, so count the
 * newlines back to its '<' (attribute values cannot hold a raw '<').  The
 * node's own `line` has 16 bits, so the true line goes into `_private`, the
 * member libxml2 leaves to applications, where line_of() reads it. */
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    xmlParserInputPtr in = ctxt->input;
    int newlines = 0;

    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    if (in == NULL || in->cur == NULL || in->base == NULL || ctxt->node == NULL)
        return;
    for (const xmlChar *p = in->cur; p > in->base; p--) {
        if (p[-1] == '<') {
            int line = in->line - newlines;
            if (line > 0) {
                ctxt->node->line = (unsigned short)(line > 65535 ? 65535 : line);
                ctxt->node->_private = (void *)(intptr_t)line;
            }
            return;
        }
        if (p[-1] == '\n')
            newlines++;
    }
}

/* ---- parsing and validation ---- */

/* The file must be UTF-8 without NUL octets.  Checking it here lets the
 * parser run with XML_PARSE_IGNORE_ENC: libxml2 then never converts
 * encodings, whose failures it would report through the process-wide error
 * handler rather than ours. */
static int check_utf8(struct load_state *st, const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    long line = 1;

    while (i < len) {
        unsigned c = s[i];
        size_t need;
        unsigned min, cp;

        if (c == '\n')
            line++;
        if (c != 0 && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            goto bad;
        }
        if (len - i <= need)
            goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            goto bad;
        i += need + 1;
    }
    return 0;
bad:
    add_error(st, &st->code_errs, line,
              "not UTF-8 text (octet 0x%02x at offset %zu); write the file in UTF-8", s[i], i);
    return -1;
}

static xmlDocPtr parse_document(struct load_state *st, const char *buf, size_t len)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;

    if (len == 0) {
        add_error(st, &st->code_errs, 0, "empty file");
        return NULL;
    }
    ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (ctxt == NULL) {
        add_error(st, &st->code_errs, 0, "out of memory");
        return NULL;
    }
    /* Options first: xmlCtxtUseOptions may touch the SAX table. */
    /* XML_PARSE_BIG_LINES: text nodes past line 65535 keep their true line
     * (in `psvi`, where xmlGetLineNo() reads it); elements keep theirs
     * through on_start_element(). */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES);
    ctxt->replaceEntities = 0; /* never expand entities */
    ctxt->loadsubset = 0;      /* never load a DTD */
    ctxt->validate = 0;
    ctxt->_private = st;
    ctxt->sax->serror = on_parser_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->sax->internalSubset = on_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->sax->startElementNs = on_start_element;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;

    xmlParseDocument(ctxt);
    doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (doc != NULL && (!ctxt->wellFormed || st->doctype_seen)) {
        if (st->code_errs.n == 0)
            add_error(st, &st->code_errs, 0, "not well-formed XML");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (doc == NULL && st->code_errs.n == 0)
        add_error(st, &st->code_errs, 0, "not well-formed XML");
    xmlFreeParserCtxt(ctxt);
    return doc;
}

static void validate_schema(struct load_state *st, xmlDocPtr doc)
{
    xmlRelaxNGParserCtxtPtr parser;
    xmlRelaxNGPtr schema = NULL;
    xmlRelaxNGValidCtxtPtr valid;
    struct emg_errors ignored = { NULL, 0 };
    struct load_state schema_st = *st;

    /* Errors in the compiled-in schema itself are our bug, not the user's. */
    schema_st.schema_errs = ignored;
    parser = xmlRelaxNGNewMemParserCtxt(emgdiag_rng, (int)strlen(emgdiag_rng));
    if (parser != NULL) {
        xmlRelaxNGSetParserStructuredErrors(parser, on_schema_error, &schema_st);
        schema = xmlRelaxNGParse(parser);
        xmlRelaxNGFreeParserCtxt(parser);
    }
    emg_errors_free(&schema_st.schema_errs);
    if (schema == NULL) {
        add_error(st, &st->schema_errs, 0, "internal error: the built-in schema does not load");
        return;
    }
    valid = xmlRelaxNGNewValidCtxt(schema);
    if (valid == NULL) {
        add_error(st, &st->schema_errs, 0, "out of memory");
    } else {
        xmlRelaxNGSetValidStructuredErrors(valid, on_schema_error, st);
        if (xmlRelaxNGValidateDoc(valid, doc) != 0 && st->schema_errs.n == 0)
            add_error(st, &st->schema_errs, 0, "does not match the schema");
        xmlRelaxNGFreeValidCtxt(valid);
    }
    xmlRelaxNGFree(schema);
}

/* ---- tree walk helpers ---- */

/* The line where `node` starts: for an element the one on_start_element()
 * kept, else libxml2's (the line where a text node ends). */
static int line_of(xmlNodePtr node)
{
    long line;

    if (node->type == XML_ELEMENT_NODE && node->_private != NULL)
        return (int)(intptr_t)node->_private;
    line = xmlGetLineNo(node);
    return line > 0 && line < 0x7fffffff ? (int)line : 0;
}

static const char *name_of(xmlNodePtr node)
{
    return (const char *)node->name;
}

static int is_named(xmlNodePtr node, const char *name)
{
    return node->ns == NULL && strcmp(name_of(node), name) == 0;
}

/* The value of attribute `name` (no namespace), or NULL when absent.  A
 * value libxml2 kept as several nodes (only possible with entities, which
 * we refuse) reads as absent-but-present: "" */
static const char *attr_value(xmlNodePtr node, const char *name)
{
    for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) {
        if (a->ns != NULL || strcmp((const char *)a->name, name) != 0)
            continue;
        if (a->children == NULL)
            return "";
        if (a->children->type == XML_TEXT_NODE && a->children->next == NULL &&
            a->children->content != NULL)
            return (const char *)a->children->content;
        return "";
    }
    return NULL;
}

/* Report every attribute not in the NULL-terminated `allowed`. */
static void check_attr_names(struct load_state *st, xmlNodePtr node, const char *const *allowed)
{
    char q[QUOTE_BUF];

    for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) {
        int known = 0;
        for (size_t i = 0; a->ns == NULL && allowed[i] != NULL; i++) {
            if (strcmp((const char *)a->name, allowed[i]) == 0)
                known = 1;
        }
        if (!known)
            add_error(st, &st->code_errs, line_of(node), "unknown attribute %s on <%s>",
                      quote((const char *)a->name, q, sizeof(q)), name_of(node));
    }
}

/* Text other than white space, and entity references, are errors; comments
 * and processing instructions are ignored.  Returns 1 for an element. */
static int is_element_child(struct load_state *st, xmlNodePtr parent, xmlNodePtr child)
{
    if (child->type == XML_ELEMENT_NODE)
        return 1;
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
        const char *t = (const char *)child->content;
        size_t lead = t != NULL ? strspn(t, " \t\r\n") : 0;
        if (t != NULL && t[lead] != '\0') {
            /* libxml2 numbers a text node by the line where it ends: go
             * back to the line of its first visible character. */
            int line = line_of(child), before = 0, total = 0;
            for (size_t k = 0; t[k]; k++) {
                if (t[k] == '\n') {
                    total++;
                    before += k < lead;
                }
            }
            line = line - total + before;
            add_error(st, &st->code_errs, line > 0 ? line : line_of(parent),
                      "unexpected text inside <%s>", name_of(parent));
        }
    } else if (child->type == XML_ENTITY_REF_NODE) {
        add_error(st, &st->code_errs, line_of(parent), "unexpected entity reference inside <%s>",
                  name_of(parent));
    }
    return 0;
}

static void unknown_element(struct load_state *st, xmlNodePtr parent, xmlNodePtr node,
                            const char *expected)
{
    char q[QUOTE_BUF];

    if (node->ns != NULL)
        add_error(st, &st->code_errs, line_of(node),
                  "unknown element <%s> in namespace %s inside <%s> (expected %s, no namespace)",
                  name_of(node), quote((const char *)node->ns->href, q, sizeof(q)), name_of(parent),
                  expected);
    else
        add_error(st, &st->code_errs, line_of(node),
                  "unknown element <%s> inside <%s> (expected %s)", name_of(node), name_of(parent),
                  expected);
}

/* An element that must have no element or text content. */
static void check_empty(struct load_state *st, xmlNodePtr node)
{
    for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
        if (is_element_child(st, node, c))
            unknown_element(st, node, c, "nothing");
    }
}

/* A required attribute: reports it missing or empty; returns NULL then. */
static const char *required_attr(struct load_state *st, xmlNodePtr node, const char *name)
{
    const char *v = attr_value(node, name);

    if (v == NULL) {
        add_error(st, &st->code_errs, line_of(node), "missing attribute \"%s\" on <%s>", name,
                  name_of(node));
        return NULL;
    }
    if (v[0] == '\0') {
        add_error(st, &st->code_errs, line_of(node), "empty attribute \"%s\" on <%s>", name,
                  name_of(node));
        return NULL;
    }
    return v;
}

/* An optional attribute from a fixed set of words; returns the index in
 * `words` (NULL-terminated), `dflt` when absent, -1 after an error. */
static int choice_attr(struct load_state *st, xmlNodePtr node, const char *name,
                       const char *const *words, int dflt)
{
    const char *v = attr_value(node, name);
    char q[QUOTE_BUF];
    char expected[128] = "";
    size_t i;

    if (v == NULL)
        return dflt;
    for (i = 0; words[i] != NULL; i++) {
        if (strcmp(v, words[i]) == 0)
            return (int)i;
    }
    for (i = 0; words[i] != NULL; i++) {
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof(expected) - used, "%s\"%s\"",
                 i == 0                 ? ""
                 : words[i + 1] == NULL ? " or "
                                        : ", ",
                 words[i]);
    }
    add_error(st, &st->code_errs, line_of(node), "%s %s on <%s>: expected %s", name,
              quote(v, q, sizeof(q)), name_of(node), expected);
    return -1;
}

/* An optional attribute holding a number of octets: plain decimal digits,
 * 0 or between lo and hi; returns it, `dflt` when absent, -1 after an
 * error. */
static long octets_attr(struct load_state *st, xmlNodePtr node, const char *name, long lo, long hi,
                        long dflt)
{
    const char *v = attr_value(node, name);
    char q[QUOTE_BUF];
    long n = 0;
    size_t i;

    if (v == NULL)
        return dflt;
    for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= hi; i++)
        n = n * 10 + (v[i] - '0');
    if (i == 0 || v[i] != '\0' || (n != 0 && (n < lo || n > hi))) {
        add_error(st, &st->code_errs, line_of(node),
                  "%s %s on <%s>: expected a number of octets, 0 (no limit) or %ld to %ld", name,
                  quote(v, q, sizeof(q)), name_of(node), lo, hi);
        return -1;
    }
    return n;
}

/* An optional size: decimal digits and an optional K, M or G (powers of
 * 1024), between lo and hi; returns it, 0 when absent or after an error. */
static unsigned long long size_attr(struct load_state *st, xmlNodePtr node, const char *name,
                                    unsigned long long lo, unsigned long long hi)
{
    const char *v = attr_value(node, name);
    char q[QUOTE_BUF];
    unsigned long long n = 0, unit = 1;
    size_t i;

    if (v == NULL)
        return 0;
    for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= hi; i++)
        n = n * 10 + (unsigned long long)(v[i] - '0');
    if (i > 0 && v[i] != '\0' && v[i + 1] == '\0') {
        switch (v[i]) {
        case 'K': unit = 1024ull; i++; break;
        case 'M': unit = 1024ull * 1024; i++; break;
        case 'G': unit = 1024ull * 1024 * 1024; i++; break;
        default: break;
        }
    }
    if (i == 0 || v[i] != '\0' || n > hi / unit || n * unit < lo || n * unit > hi) {
        add_error(st, &st->code_errs, line_of(node),
                  "%s %s on <%s>: expected a size, digits with an optional K, M or G, "
                  "from 16K to 1024G",
                  name, quote(v, q, sizeof(q)), name_of(node));
        return 0;
    }
    return n * unit;
}

/* An optional count between lo and hi: returns it, 0 when absent, -1
 * after an error. */
static long count_attr(struct load_state *st, xmlNodePtr node, const char *name, long lo, long hi)
{
    const char *v = attr_value(node, name);
    char q[QUOTE_BUF];
    long n = 0;
    size_t i;

    if (v == NULL)
        return 0;
    for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= hi; i++)
        n = n * 10 + (v[i] - '0');
    if (i == 0 || v[i] != '\0' || n < lo || n > hi) {
        add_error(st, &st->code_errs, line_of(node), "%s %s on <%s>: expected a number from %ld to %ld",
                  name, quote(v, q, sizeof(q)), name_of(node), lo, hi);
        return -1;
    }
    return n;
}

static int valid_connector_name(const char *s)
{
    return s[0] != '\0' &&
           s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] ==
               '\0';
}

/* A value Kannel takes from one line (of kannel.conf, of opensmppbox's
 * logins) cannot hold a line break, and a path that does would split the
 * lines that name it: report the first CR or LF and return -1. */
static int check_one_line(struct load_state *st, xmlNodePtr node, const char *name,
                          const char *value, const char *why)
{
    size_t at = strcspn(value, "\r\n");
    char q[QUOTE_BUF];

    if (value[at] == '\0')
        return 0;
    add_error(st, &st->code_errs, line_of(node), "%s %s on <%s>: holds a line break (\\x%02x); %s",
              name, quote(value, q, sizeof(q)), name_of(node), (unsigned char)value[at], why);
    return -1;
}

static char *dup_or_fail(struct load_state *st, xmlNodePtr node, const char *s)
{
    char *copy;

    if (s == NULL)
        return NULL;
    copy = emg_strdup(s);
    if (copy == NULL)
        add_error(st, &st->code_errs, line_of(node), "out of memory");
    return copy;
}

/* ---- the tree walk ---- */

static const char *const format_words[] = { "emg", "json", "both", NULL };

static void check_root(struct load_state *st, xmlNodePtr root)
{
    static const char *const no_attrs[] = { NULL };
    xmlNodePtr logs = NULL, users = NULL;

    if (root == NULL) {
        add_error(st, &st->code_errs, 0, "no root element");
        return;
    }
    if (!is_named(root, "emgdiag")) {
        add_error(st, &st->code_errs, line_of(root), "root element is <%s>, expected <emgdiag>%s",
                  name_of(root), root->ns ? " without a namespace" : "");
        return;
    }
    check_attr_names(st, root, no_attrs);
    for (xmlNodePtr c = root->children; c != NULL; c = c->next) {
        if (!is_element_child(st, root, c))
            continue;
        if (is_named(c, "logs")) {
            if (logs != NULL) {
                add_error(st, &st->code_errs, line_of(c), "second <logs> (first at line %d)",
                          line_of(logs));
                continue;
            }
            logs = c;
            check_logs(st, c);
        } else if (is_named(c, "connector")) {
            check_connector(st, c);
        } else if (is_named(c, "metrics")) {
            check_metrics(st, c);
        } else if (is_named(c, "database")) {
            check_database(st, c);
        } else if (is_named(c, "users")) {
            if (users != NULL) {
                add_error(st, &st->code_errs, line_of(c), "second <users> (first at line %d)",
                          line_of(users));
                continue;
            }
            users = c;
        } else {
            unknown_element(st, root, c, "<logs>, <connector>, <users>, <metrics> or <database>");
        }
    }
    if (logs == NULL)
        add_error(st, &st->code_errs, line_of(root), "missing <logs> (exactly one is required)");
    /* Users last: their <allow connector> may name a connector written below them. */
    if (users != NULL)
        check_users(st, users);
}

static void check_logs(struct load_state *st, xmlNodePtr node)
{
    static const char *const allowed[] = { "dir",         "timezone", "passwords",
                                           "format",      "pdu-skip", "pdu-value-max",
                                           "rotate-size", "keep",     "compress",      "message-log",
                                           NULL };
    static const char *const compress_words[] = { "none", "gzip", NULL };
    static const char *const tz_words[] = { "local", "utc", NULL };
    static const char *const pw_words[] = { "masked", "clear", NULL };
    static const char *const onoff_words[] = { "on", "off", NULL };
    struct emg_config *cfg = st->cfg;
    const char *dir, *skip;
    long max;
    int v;

    check_attr_names(st, node, allowed);
    check_empty(st, node);
    dir = required_attr(st, node, "dir");
    if (dir != NULL &&
        check_one_line(st, node, "dir", dir, "write the directory's path on one line") == 0) {
        char why[PATH_MAX + 128];
        char q[QUOTE_BUF];

        if (st->check_dir && logdir_check(dir, why, sizeof(why)) != 0)
            add_error(st, &st->code_errs, line_of(node), "log directory %s: %s",
                      quote(dir, q, sizeof(q)), why);
        cfg->log_dir = dup_or_fail(st, node, dir);
    }
    if ((v = choice_attr(st, node, "timezone", tz_words, 0)) >= 0)
        cfg->utc = v == 1;
    if ((v = choice_attr(st, node, "passwords", pw_words, 0)) >= 0)
        cfg->passwords_clear = v == 1;
    if ((v = choice_attr(st, node, "format", format_words, 0)) >= 0)
        cfg->format = EMG_FMT_EMG + v;
    if ((v = choice_attr(st, node, "message-log", onoff_words, 0)) >= 0)
        cfg->message_log = v == 0;
    skip = attr_value(node, "pdu-skip");
    if (skip != NULL)
        check_pdu_skip(st, node, skip);
    max = octets_attr(st, node, "pdu-value-max", EMG_PDU_VALUE_MIN, EMG_PDU_VALUE_MAX,
                      EMG_PDU_VALUE_DEFAULT);
    if (max >= 0)
        cfg->pdu_value_max = (size_t)max;
    cfg->rotate_size = size_attr(st, node, "rotate-size", EMG_ROTATE_SIZE_MIN, EMG_ROTATE_SIZE_MAX);
    cfg->keep = ROTATION_KEEP_DEFAULT;
    if ((max = count_attr(st, node, "keep", ROTATION_KEEP_MIN, ROTATION_KEEP_MAX)) > 0)
        cfg->keep = (unsigned)max;
    if ((v = choice_attr(st, node, "compress", compress_words, 0)) >= 0)
        cfg->compress = v == 1;
    if ((attr_value(node, "keep") != NULL || cfg->compress) && attr_value(node, "rotate-size") == NULL)
        add_error(st, &st->code_errs, line_of(node),
                  "%s on <logs> needs rotate-size (the module rotates only by size)",
                  attr_value(node, "keep") != NULL ? "keep" : "compress=\"gzip\"");
}

static void check_pdu_skip(struct load_state *st, xmlNodePtr node, const char *list)
{
    static const char ws[] = " \t\r\n";
    struct emg_config *cfg = st->cfg;
    char q[QUOTE_BUF];
    char word[64];
    const char *p = list;

    for (;;) {
        size_t n;
        uint32_t id;
        uint32_t *grown;

        p += strspn(p, ws);
        if (*p == '\0')
            break;
        n = strcspn(p, ws);
        if (n >= sizeof(word)) {
            snprintf(word, sizeof(word), "%.*s", (int)(sizeof(word) - 1), p);
            add_error(st, &st->code_errs, line_of(node), "pdu-skip: unknown command name %s",
                      quote(word, q, sizeof(q)));
            p += n;
            continue;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        p += n;
        if (lookup_command(word, &id) != 0) {
            add_error(st, &st->code_errs, line_of(node),
                      "pdu-skip: unknown command name %s (write SMPP names such as ENQUIRE_LINK)",
                      quote(word, q, sizeof(q)));
            continue;
        }
        grown = room_for_one(cfg->pdu_skip, cfg->n_pdu_skip, sizeof(*grown));
        if (grown == NULL) {
            add_error(st, &st->code_errs, line_of(node), "out of memory");
            return;
        }
        cfg->pdu_skip = grown;
        cfg->pdu_skip[cfg->n_pdu_skip++] = id;
    }
}

static void check_connector(struct load_state *st, xmlNodePtr node)
{
    static const char *const allowed[] = {
        "name", "type", "smsc-id", "opensmppbox-id", "format", "pdu-log", "login-failure-status",
        NULL
    };
    static const char *const type_words[] = { "outgoing", "incoming", NULL };
    static const char *const onoff_words[] = { "on", "off", NULL };
    static const char *const status_words[] = { "14", "13", NULL };
    struct emg_config *cfg = st->cfg;
    struct emg_connector *conn, *grown;
    const char *name, *smsc_id, *osb_id;
    xmlNodePtr access = NULL;
    char q[QUOTE_BUF], q2[QUOTE_BUF];
    int line = line_of(node), v;

    grown = room_for_one(cfg->connectors, cfg->n_connectors, sizeof(*grown));
    if (grown == NULL) {
        add_error(st, &st->code_errs, line, "out of memory");
        return;
    }
    cfg->connectors = grown;
    conn = &cfg->connectors[cfg->n_connectors];
    memset(conn, 0, sizeof(*conn));
    acl_list_init(&conn->access);
    conn->line = line;
    conn->pdu_log = 1;
    conn->login_failure_status = 14;

    check_attr_names(st, node, allowed);
    name = required_attr(st, node, "name");
    if (name != NULL && !valid_connector_name(name)) {
        add_error(st, &st->code_errs, line,
                  "connector name %s: only letters, digits, '.', '_' and '-' are allowed",
                  quote(name, q, sizeof(q)));
        name = NULL;
    } else if (name != NULL && strlen(name) > EMG_CONNECTOR_NAME_MAX) {
        add_error(st, &st->code_errs, line, "connector name %s: %zu octets, at most %d are allowed",
                  quote(name, q, sizeof(q)), strlen(name), EMG_CONNECTOR_NAME_MAX);
        name = NULL;
    }
    if (name != NULL) {
        const struct emg_connector *first = emg_config_connector(cfg, name);
        if (first != NULL)
            add_error(st, &st->code_errs, line, "duplicate connector name %s (first at line %d)",
                      quote(name, q, sizeof(q)), first->line);
    }
    if (attr_value(node, "type") == NULL)
        add_error(st, &st->code_errs, line,
                  "missing attribute \"type\" on <connector> (outgoing or incoming)");
    else if ((v = choice_attr(st, node, "type", type_words, 0)) >= 0)
        conn->type = v == 0 ? EMG_CONN_OUTGOING : EMG_CONN_INCOMING;
    if ((v = choice_attr(st, node, "format", format_words, -2)) >= 0)
        conn->format = EMG_FMT_EMG + v;
    if ((v = choice_attr(st, node, "pdu-log", onoff_words, 0)) >= 0)
        conn->pdu_log = v == 0;
    if ((v = choice_attr(st, node, "login-failure-status", status_words, 0)) >= 0)
        conn->login_failure_status = v == 0 ? 14 : 13;

    for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
        if (!is_element_child(st, node, c))
            continue;
        if (is_named(c, "access")) {
            if (access != NULL)
                add_error(st, &st->code_errs, line_of(c), "second <access> (first at line %d)",
                          line_of(access));
            else
                access = c;
        } else {
            unknown_element(st, node, c, "<access>");
        }
    }

    smsc_id = attr_value(node, "smsc-id");
    osb_id = attr_value(node, "opensmppbox-id");
    if (conn->type == EMG_CONN_OUTGOING) {
        if (smsc_id == NULL)
            add_error(st, &st->code_errs, line, "outgoing connector needs attribute \"smsc-id\"");
        else
            smsc_id = required_attr(st, node, "smsc-id");
        if (smsc_id != NULL &&
            check_one_line(st, node, "smsc-id", smsc_id,
                           "a kannel.conf value is one line, so no smsc group can have it") != 0)
            smsc_id = NULL;
        if (osb_id != NULL)
            add_error(st, &st->code_errs, line,
                      "attribute \"opensmppbox-id\" not allowed on an outgoing connector");
        if (attr_value(node, "login-failure-status") != NULL)
            add_error(st, &st->code_errs, line,
                      "attribute \"login-failure-status\" not allowed on an outgoing connector");
        if (access != NULL)
            add_error(st, &st->code_errs, line_of(access),
                      "<access> not allowed on an outgoing connector (access lists apply to "
                      "incoming connectors)");
        if (smsc_id != NULL) {
            const struct emg_connector *first = emg_config_outgoing(cfg, smsc_id);
            if (first != NULL)
                add_error(st, &st->code_errs, line,
                          "smsc-id %s already mapped to connector %s at line %d",
                          quote(smsc_id, q, sizeof(q)), quote(first->name, q2, sizeof(q2)),
                          first->line);
        }
    } else if (conn->type == EMG_CONN_INCOMING) {
        if (osb_id == NULL)
            add_error(st, &st->code_errs, line,
                      "incoming connector needs attribute \"opensmppbox-id\"");
        else
            osb_id = required_attr(st, node, "opensmppbox-id");
        if (osb_id != NULL &&
            check_one_line(st, node, "opensmppbox-id", osb_id,
                           "a kannel.conf value is one line, so no opensmppbox can have it") != 0)
            osb_id = NULL;
        if (smsc_id != NULL)
            add_error(st, &st->code_errs, line,
                      "attribute \"smsc-id\" not allowed on an incoming connector");
        if (osb_id != NULL) {
            const struct emg_connector *first = emg_config_incoming(cfg, osb_id);
            if (first != NULL)
                add_error(st, &st->code_errs, line,
                          "opensmppbox-id %s already mapped to connector %s at line %d",
                          quote(osb_id, q, sizeof(q)), quote(first->name, q2, sizeof(q2)),
                          first->line);
        }
        if (access != NULL)
            check_access(st, access, conn);
    }

    /* Keep only a connector the lookups can use; any error above already
     * makes the whole load fail. */
    if (name == NULL || conn->type == 0 ||
        (conn->type == EMG_CONN_OUTGOING ? smsc_id == NULL : osb_id == NULL)) {
        acl_list_free(&conn->access);
        return;
    }
    conn->name = dup_or_fail(st, node, name);
    if (conn->type == EMG_CONN_OUTGOING)
        conn->smsc_id = dup_or_fail(st, node, smsc_id);
    else
        conn->opensmppbox_id = dup_or_fail(st, node, osb_id);
    if (conn->name == NULL || (conn->smsc_id == NULL && conn->opensmppbox_id == NULL)) {
        emg_free(conn->name);
        emg_free(conn->smsc_id);
        emg_free(conn->opensmppbox_id);
        acl_list_free(&conn->access);
        return;
    }
    /* Kept even when an index cannot grow: the load fails then anyway, and
     * keys already indexed must stay valid until emg_config_free(). */
    if (name_index_add(&cfg->by_name, conn->name, cfg->n_connectors) != 0 ||
        (conn->smsc_id != NULL
             ? name_index_add(&cfg->by_smsc_id, conn->smsc_id, cfg->n_connectors)
             : name_index_add(&cfg->by_osb_id, conn->opensmppbox_id, cfg->n_connectors)) != 0)
        add_error(st, &st->code_errs, line, "out of memory");
    cfg->n_connectors++;
}

/* Parse one `address` into `rule`; 0 ok, -1 after reporting. */
static int parse_address(struct load_state *st, xmlNodePtr node, int action, struct acl_rule *rule)
{
    char q[QUOTE_BUF];
    char why[160];
    const char *text = required_attr(st, node, "address");

    if (text == NULL)
        return -1;
    if (acl_parse_rule(text, rule, why, sizeof(why)) != 0) {
        add_error(st, &st->code_errs, line_of(node), "address %s: %s", quote(text, q, sizeof(q)),
                  why);
        return -1;
    }
    rule->action = action;
    rule->file = st->file;
    rule->line = line_of(node);
    return 0;
}

/* What acl_list_add() does, with the list's arrays doubling as they grow
 * (room_for_one()), so that a long access list loads in linear time. */
static int access_append(struct acl_list *list, const struct acl_rule *rule)
{
    struct acl_rule **arr = rule->family == AF_INET ? &list->v4 : &list->v6;
    size_t *n = rule->family == AF_INET ? &list->n_v4 : &list->n_v6;
    struct acl_rule *grown = room_for_one(*arr, *n, sizeof(**arr));

    if (grown == NULL)
        return -1;
    *arr = grown;
    grown[(*n)++] = *rule;
    return 0;
}

static void check_access(struct load_state *st, xmlNodePtr node, struct emg_connector *conn)
{
    static const char *const no_attrs[] = { NULL };
    static const char *const rule_attrs[] = { "address", NULL };

    conn->has_access = 1;
    check_attr_names(st, node, no_attrs);
    for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
        struct acl_rule rule;
        int action;

        if (!is_element_child(st, node, c))
            continue;
        if (is_named(c, "allow")) {
            action = ACL_ALLOW;
        } else if (is_named(c, "deny")) {
            action = ACL_DENY;
        } else {
            unknown_element(st, node, c, "<allow> or <deny>");
            continue;
        }
        check_attr_names(st, c, rule_attrs);
        check_empty(st, c);
        if (parse_address(st, c, action, &rule) == 0 && access_append(&conn->access, &rule) != 0)
            add_error(st, &st->code_errs, line_of(c), "out of memory");
    }
}

static void check_users(struct load_state *st, xmlNodePtr node)
{
    static const char *const allowed[] = { "default", NULL };
    static const char *const default_words[] = { "allow", "deny", NULL };
    int v;

    st->cfg->users_line = line_of(node);
    check_attr_names(st, node, allowed);
    if ((v = choice_attr(st, node, "default", default_words, 0)) >= 0)
        st->cfg->users_default_deny = v == 1;
    for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
        if (!is_element_child(st, node, c))
            continue;
        if (is_named(c, "user"))
            check_user(st, c);
        else
            unknown_element(st, node, c, "<user>");
    }
}

static void check_user(struct load_state *st, xmlNodePtr node)
{
    static const char *const allowed[] = { "system-id", NULL };
    struct emg_config *cfg = st->cfg;
    struct emg_user *user, *grown;
    const struct emg_user *first;
    const char *system_id;
    char q[QUOTE_BUF];

    check_attr_names(st, node, allowed);
    system_id = required_attr(st, node, "system-id");
    if (system_id != NULL &&
        check_one_line(
            st, node, "system-id", system_id,
            "opensmppbox reads its logins one per line, so no client can bind with it") != 0)
        system_id = NULL;
    if (system_id != NULL && (strchr(" \t", system_id[0]) != NULL ||
                              strchr(" \t", system_id[strlen(system_id) - 1]) != NULL)) {
        add_error(
            st, &st->code_errs, line_of(node),
            "system-id %s on <user>: leading or trailing white space; Kannel compares the "
            "system_id a client sends as it is and trims nothing, so no client can bind with it",
            quote(system_id, q, sizeof(q)));
        system_id = NULL;
    }
    if (system_id != NULL && (first = emg_config_user(cfg, system_id)) != NULL) {
        add_error(st, &st->code_errs, line_of(node), "duplicate system-id %s (first at line %d)",
                  quote(system_id, q, sizeof(q)), first->line);
        system_id = NULL;
    }
    grown = room_for_one(cfg->users, cfg->n_users, sizeof(*grown));
    if (grown == NULL) {
        add_error(st, &st->code_errs, line_of(node), "out of memory");
        return;
    }
    cfg->users = grown;
    user = &cfg->users[cfg->n_users];
    memset(user, 0, sizeof(*user));
    user->line = line_of(node);
    for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
        if (!is_element_child(st, node, c))
            continue;
        if (is_named(c, "allow"))
            check_user_allow(st, c, user);
        else
            unknown_element(st, node, c, "<allow>");
    }
    user->system_id = dup_or_fail(st, node, system_id);
    if (user->system_id != NULL) {
        /* Kept even when the index cannot grow (the load fails then). */
        if (name_index_add(&cfg->by_system_id, user->system_id, cfg->n_users) != 0)
            add_error(st, &st->code_errs, line_of(node), "out of memory");
        cfg->n_users++;
        return;
    }
    for (size_t k = 0; k < user->n_allows; k++)
        emg_free(user->allows[k].connector);
    emg_free(user->allows);
}

static void check_user_allow(struct load_state *st, xmlNodePtr node, struct emg_user *user)
{
    static const char *const allowed[] = { "connector", "address", NULL };
    const struct emg_connector *conn = NULL;
    struct emg_user_allow *grown, *entry;
    struct acl_rule rule;
    const char *name;
    char q[QUOTE_BUF];
    int ok = 1;

    check_attr_names(st, node, allowed);
    check_empty(st, node);
    name = required_attr(st, node, "connector");
    if (name == NULL) {
        ok = 0;
    } else if (strcmp(name, "*") != 0) {
        conn = emg_config_connector(st->cfg, name);
        if (conn == NULL) {
            add_error(st, &st->code_errs, line_of(node), "connector %s is not defined",
                      quote(name, q, sizeof(q)));
            ok = 0;
        } else if (conn->type != EMG_CONN_INCOMING) {
            add_error(st, &st->code_errs, line_of(node),
                      "connector %s is outgoing (user access lists apply to incoming connectors)",
                      quote(name, q, sizeof(q)));
            ok = 0;
        }
    }
    if (parse_address(st, node, ACL_ALLOW, &rule) != 0 || !ok)
        return;
    grown = room_for_one(user->allows, user->n_allows, sizeof(*grown));
    if (grown == NULL) {
        add_error(st, &st->code_errs, line_of(node), "out of memory");
        return;
    }
    user->allows = grown;
    entry = &user->allows[user->n_allows];
    entry->rule = rule;
    entry->connector = NULL;
    if (conn != NULL) {
        entry->connector = dup_or_fail(st, node, conn->name);
        if (entry->connector == NULL)
            return;
    }
    user->n_allows++;
}

/* smpp_command_id() (module/smpp.c) returns 0 for a known name. */
static int lookup_command(const char *name, uint32_t *id)
{
    return smpp_command_id(name, id) == 0 ? 0 : -1;
}

/* ---- <metrics> (docs/metrics.md) ---- */

const struct emg_metrics *emg_config_metrics(const struct emg_config *c, int box,
                                             const char *box_id)
{
    const struct emg_metrics *any = NULL;

    for (size_t i = 0; c != NULL && i < c->n_metrics; i++) {
        const struct emg_metrics *m = &c->metrics[i];

        if (m->box != box)
            continue;
        if (m->opensmppbox_id == NULL)
            any = m;
        else if (box_id != NULL && strcmp(m->opensmppbox_id, box_id) == 0)
            return m;
    }
    return any;
}

int emg_metrics_parse_listen(const char *listen, char *addr, size_t addrlen, int *port, char *why,
                             size_t whylen)
{
    const char *colon, *host = listen;
    size_t hostlen;
    unsigned char bin[16];
    char buf[64];
    long p = 0;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');

        if (close == NULL || close[1] != ':') {
            snprintf(why, whylen, "expected [IPv6 address]:port");
            return -1;
        }
        host = listen + 1;
        hostlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL) {
            snprintf(why, whylen, "missing ':port' (write e.g. 127.0.0.1:9391)");
            return -1;
        }
        hostlen = (size_t)(colon - listen);
    }
    if (hostlen == 0 || hostlen >= sizeof(buf) || hostlen >= addrlen) {
        snprintf(why, whylen, "missing or overlong address before ':port'");
        return -1;
    }
    memcpy(buf, host, hostlen);
    buf[hostlen] = '\0';
    if (listen[0] == '[' ? inet_pton(AF_INET6, buf, bin) != 1 : inet_pton(AF_INET, buf, bin) != 1) {
        snprintf(why, whylen,
                 listen[0] == '[' ? "not a valid IPv6 address inside [...]"
                                  : "not an IPv4 address (host names are not allowed; write "
                                    "IPv6 as [::1]:port)");
        return -1;
    }
    colon++;
    if (colon[0] < '1' || colon[0] > '9' || colon[strspn(colon, "0123456789")] != '\0' ||
        strlen(colon) > 5 || (p = strtol(colon, NULL, 10)) > 65535) {
        snprintf(why, whylen, "port must be a number 1-65535 without a leading zero");
        return -1;
    }
    memcpy(addr, buf, hostlen + 1);
    *port = (int)p;
    return 0;
}

/* An optional attribute holding a decimal number in [lo, hi]; `dflt` when
 * absent, -1 after an error. */
static long number_attr(struct load_state *st, xmlNodePtr node, const char *name, long lo, long hi,
                        long dflt)
{
    const char *v = attr_value(node, name);
    char q[QUOTE_BUF];
    long n;

    if (v == NULL)
        return dflt;
    if (v[0] < '1' || v[0] > '9' || v[strspn(v, "0123456789")] != '\0' || strlen(v) > 9 ||
        (n = strtol(v, NULL, 10)) < lo || n > hi) {
        add_error(st, &st->code_errs, line_of(node), "%s %s on <%s>: expected a number %ld-%ld",
                  name, quote(v, q, sizeof(q)), name_of(node), lo, hi);
        return -1;
    }
    return n;
}

/*
 * <metrics box="bearerbox|opensmppbox" [opensmppbox-id] [listen] [textfile]
 * [interval] [session-info] [max-series]/>: one per box process.  The file
 * is often shared by both boxes, so each element names the process it is
 * for; two elements for the same process are an error.
 */
static void check_metrics(struct load_state *st, xmlNodePtr node)
{
    static const char *const allowed[] = { "box",      "opensmppbox-id", "listen",     "textfile",
                                           "interval", "session-info",   "max-series", NULL };
    static const char *const box_words[] = { "bearerbox", "opensmppbox", NULL };
    static const char *const onoff_words[] = { "on", "off", NULL };
    struct emg_config *cfg = st->cfg;
    struct emg_metrics m, *grown;
    const char *osb_id, *listen, *textfile;
    char q[QUOTE_BUF], why[160], addr[64];
    int line = line_of(node), v, port, ok = 1;
    long n;

    memset(&m, 0, sizeof(m));
    m.line = line;
    m.session_info = 1;
    check_attr_names(st, node, allowed);
    check_empty(st, node);
    if (attr_value(node, "box") == NULL) {
        add_error(st, &st->code_errs, line,
                  "missing attribute \"box\" on <metrics> (bearerbox or opensmppbox)");
        ok = 0;
    } else if ((v = choice_attr(st, node, "box", box_words, 0)) >= 0) {
        m.box = v == 0 ? EMG_METRICS_BEARERBOX : EMG_METRICS_OPENSMPPBOX;
    } else {
        ok = 0;
    }
    osb_id = attr_value(node, "opensmppbox-id");
    if (osb_id != NULL) {
        if (m.box == EMG_METRICS_BEARERBOX) {
            add_error(st, &st->code_errs, line,
                      "attribute \"opensmppbox-id\" not allowed on <metrics box=\"bearerbox\">");
            ok = 0;
        } else if ((osb_id = required_attr(st, node, "opensmppbox-id")) == NULL) {
            ok = 0;
        }
    }
    listen = attr_value(node, "listen");
    if (listen != NULL &&
        emg_metrics_parse_listen(listen, addr, sizeof(addr), &port, why, sizeof(why)) != 0) {
        add_error(st, &st->code_errs, line, "listen %s: %s", quote(listen, q, sizeof(q)), why);
        ok = 0;
    }
    textfile = attr_value(node, "textfile");
    if (textfile != NULL) {
        size_t tl = strlen(textfile);

        if (tl < 6 || strcmp(textfile + tl - 5, ".prom") != 0 || textfile[tl - 6] == '/') {
            add_error(st, &st->code_errs, line,
                      "textfile %s: the file name must end in \".prom\" (node-exporter's textfile "
                      "collector reads only those)",
                      quote(textfile, q, sizeof(q)));
            ok = 0;
        }
    }
    if ((n = number_attr(st, node, "interval", 1, 3600, EMG_METRICS_DEFAULT_INTERVAL)) < 0)
        ok = 0;
    m.interval = (int)n;
    if (attr_value(node, "interval") != NULL && textfile == NULL) {
        add_error(st, &st->code_errs, line,
                  "attribute \"interval\" needs \"textfile\" on <metrics>");
        ok = 0;
    }
    if (listen == NULL && textfile == NULL) {
        add_error(st, &st->code_errs, line,
                  "<metrics> needs \"listen\", \"textfile\" or both (or leave the element out)");
        ok = 0;
    }
    if ((n = number_attr(st, node, "max-series", 1, 1000000, EMG_METRICS_DEFAULT_MAX_SERIES)) < 0)
        ok = 0;
    m.max_series = (unsigned)n;
    if ((v = choice_attr(st, node, "session-info", onoff_words, 0)) >= 0)
        m.session_info = v == 0;
    else
        ok = 0;
    if (!ok)
        return;
    for (size_t i = 0; i < cfg->n_metrics; i++) {
        const struct emg_metrics *o = &cfg->metrics[i];

        if (o->box == m.box && (o->opensmppbox_id == NULL) == (osb_id == NULL) &&
            (osb_id == NULL || strcmp(o->opensmppbox_id, osb_id) == 0)) {
            add_error(st, &st->code_errs, line,
                      "second <metrics> for box \"%s\"%s%s (first at line %d; one element per "
                      "process)",
                      box_words[m.box - 1], osb_id != NULL ? " opensmppbox-id " : "",
                      osb_id != NULL ? quote(osb_id, q, sizeof(q)) : "", o->line);
            return;
        }
    }
    grown = emg_realloc(cfg->metrics, (cfg->n_metrics + 1) * sizeof(*grown));
    if (grown == NULL) {
        add_error(st, &st->code_errs, line, "out of memory");
        return;
    }
    cfg->metrics = grown;
    m.opensmppbox_id = dup_or_fail(st, node, osb_id);
    m.listen = dup_or_fail(st, node, listen);
    m.textfile = dup_or_fail(st, node, textfile);
    if ((osb_id != NULL && m.opensmppbox_id == NULL) || (listen != NULL && m.listen == NULL) ||
        (textfile != NULL && m.textfile == NULL)) {
        emg_free(m.opensmppbox_id);
        emg_free(m.listen);
        emg_free(m.textfile);
        return;
    }
    cfg->metrics[cfg->n_metrics++] = m;
}

/* ---- <database> (docs/database.md) ---- */

/* Appends s to *o with every octet but [A-Za-z0-9._~-] as %XX (a part of
 * a mysql:// URI). */
static void uri_part(char **o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '_' || *p == '~' || *p == '-') {
            *(*o)++ = (char)*p;
        } else {
            *(*o)++ = '%';
            *(*o)++ = hex[*p >> 4];
            *(*o)++ = hex[*p & 15];
        }
    }
}

/* <database type="mysql">'s attributes as the mysql:// URI the back-end
 * reads (db_mysql.h); NULL when out of memory. */
static char *mysql_uri(const char *host, long port, const char *user, const char *database,
                       const char *sock)
{
    size_t n = 32 + 3 * (strlen(database) + (host ? strlen(host) : 0) + (user ? strlen(user) : 0) +
                         (sock ? strlen(sock) : 0));
    char *uri = emg_malloc(n), *o = uri;

    if (uri == NULL)
        return NULL;
    o += sprintf(o, "mysql://");
    if (user != NULL) {
        uri_part(&o, user);
        *o++ = '@';
    }
    if (host != NULL)
        uri_part(&o, host);
    if (port > 0)
        o += sprintf(o, ":%ld", port);
    *o++ = '/';
    uri_part(&o, database);
    if (sock != NULL) {
        o += sprintf(o, "?socket=");
        uri_part(&o, sock);
    }
    *o = '\0';
    return uri;
}

/*
 * <database type="sqlite" file="…" | type="pgsql" conninfo="…"
 * [password-file="…"] | type="mysql" database="…" [host="…"] [port="…"]
 * [user="…"] [socket="…"] [password-file="…"], [node="…"]
 * [keep-days="N"]/>: at most one; every box process that reads the file
 * writes its rows there.  A back-end this build lacks is refused with one
 * line, like any value the module cannot use; so is a password in the XML.
 * MariaDB/MySQL's attributes become one mysql:// URI (`conninfo`).
 */
static void check_database(struct load_state *st, xmlNodePtr node)
{
    static const char *const allowed[] = { "type",     "file",     "conninfo", "password-file",
                                           "node",     "keep-days", "host",    "port",
                                           "user",     "database", "socket",   NULL };
    static const char *const mysql_only[] = { "host", "port", "user", "database", "socket", NULL };
    static const char *const type_words[] = { "sqlite", "pgsql", "mysql", NULL };
    static const char *const type_built[] = { "", "PostgreSQL", "MariaDB/MySQL" };
    static const char *const type_lib[] = { "", " (configure --without-pgsql, or without libpq)",
                                            " (configure --without-mysql, or without "
                                            "libmariadb)" };
    struct emg_config *cfg = st->cfg;
    struct emg_database *db;
    const char *file = NULL, *conninfo = NULL, *pwfile = NULL, *nodename;
    char *uri = NULL;
    char q[QUOTE_BUF];
    int line = line_of(node), v, ok = 1;
    long n;

    if (cfg->database != NULL) {
        add_error(st, &st->code_errs, line, "second <database> (first at line %d)",
                  cfg->database->line);
        return;
    }
    check_attr_names(st, node, allowed);
    check_empty(st, node);
    if (attr_value(node, "type") == NULL) {
        add_error(st, &st->code_errs, line,
                  "missing attribute \"type\" on <database> (sqlite, pgsql or mysql)");
        return;
    }
    if ((v = choice_attr(st, node, "type", type_words, 0)) < 0)
        return;
    if ((v == 1 && !db_type_built(DB_TYPE_PGSQL)) || (v == 2 && !db_type_built(DB_TYPE_MYSQL))) {
        add_error(st, &st->code_errs, line, "<database type=%s>: this build has no %s back-end%s",
                  quote(type_words[v], q, sizeof(q)), type_built[v], type_lib[v]);
        return;
    }
    if (v != 2) {
        for (const char *const *a = mysql_only; *a != NULL; a++) {
            if (attr_value(node, *a) != NULL) {
                add_error(st, &st->code_errs, line, "attribute \"%s\" is for type \"mysql\"",
                          *a);
                ok = 0;
            }
        }
    }
    if (v == 0) {
        if ((file = required_attr(st, node, "file")) == NULL)
            ok = 0;
        if (attr_value(node, "conninfo") != NULL || attr_value(node, "password-file") != NULL) {
            add_error(st, &st->code_errs, line,
                      "attributes \"conninfo\" and \"password-file\" are for type \"pgsql\"");
            ok = 0;
        }
    } else if (v == 1) {
        if ((conninfo = required_attr(st, node, "conninfo")) == NULL) {
            ok = 0;
        } else if (db_conninfo_has_password(conninfo)) {
            add_error(st, &st->code_errs, line,
                      "conninfo holds a password: passwords do not belong in the XML "
                      "(password-file, or PGPASSWORD)");
            ok = 0;
        }
    } else {
        const char *host = NULL, *user = NULL, *database, *sock = NULL;
        long port;

        if ((database = required_attr(st, node, "database")) == NULL)
            ok = 0;
        if (attr_value(node, "host") != NULL && (host = required_attr(st, node, "host")) == NULL)
            ok = 0;
        if (attr_value(node, "user") != NULL && (user = required_attr(st, node, "user")) == NULL)
            ok = 0;
        if (attr_value(node, "socket") != NULL &&
            (sock = required_attr(st, node, "socket")) == NULL)
            ok = 0;
        if ((port = number_attr(st, node, "port", 1, 65535, 0)) < 0)
            ok = 0;
        if (attr_value(node, "conninfo") != NULL) {
            add_error(st, &st->code_errs, line, "attribute \"conninfo\" is for type \"pgsql\"");
            ok = 0;
        }
        if (ok && (uri = mysql_uri(host, port, user, database, sock)) == NULL) {
            add_error(st, &st->code_errs, line, "out of memory");
            return;
        }
        conninfo = uri;
    }
    if (v != 0) {
        pwfile = attr_value(node, "password-file");
        if (pwfile != NULL && (pwfile = required_attr(st, node, "password-file")) == NULL)
            ok = 0;
        if (attr_value(node, "file") != NULL) {
            add_error(st, &st->code_errs, line, "attribute \"file\" is for type \"sqlite\"");
            ok = 0;
        }
    }
    nodename = attr_value(node, "node");
    if (nodename != NULL && (nodename = required_attr(st, node, "node")) == NULL)
        ok = 0;
    if ((n = number_attr(st, node, "keep-days", 0, 36500, EMG_DB_DEFAULT_KEEP_DAYS)) < 0)
        ok = 0;
    if (!ok) {
        emg_free(uri);
        return;
    }
    if ((db = emg_calloc(1, sizeof(*db))) == NULL) {
        emg_free(uri);
        add_error(st, &st->code_errs, line, "out of memory");
        return;
    }
    db->type = v == 0 ? EMG_DB_SQLITE : v == 1 ? EMG_DB_PGSQL : EMG_DB_MYSQL;
    db->keep_days = (int)n;
    db->line = line;
    db->file = file != NULL ? dup_or_fail(st, node, file) : NULL;
    db->conninfo = conninfo != NULL ? dup_or_fail(st, node, conninfo) : NULL;
    db->password_file = pwfile != NULL ? dup_or_fail(st, node, pwfile) : NULL;
    db->node = nodename != NULL ? dup_or_fail(st, node, nodename) : NULL;
    if ((file != NULL && db->file == NULL) || (conninfo != NULL && db->conninfo == NULL) ||
        (pwfile != NULL && db->password_file == NULL) || (nodename != NULL && db->node == NULL)) {
        emg_free(db->file);
        emg_free(db->conninfo);
        emg_free(db->password_file);
        emg_free(db->node);
        emg_free(db);
        emg_free(uri);
        return;
    }
    emg_free(uri);
    cfg->database = db;
}
