/*
 * check_config: unit tests of module/config.c, the XML loader and the
 * access decisions built on it.
 *
 * Every test writes its XML into a fresh temporary directory, so the
 * expected "FILE:LINE:" prefix is known from the text written here (line
 * numbers counted by hand).  The error table also runs each document through
 * the compiled-in RELAX NG schema directly, to prove that the schema rejects
 * what it is meant to reject and accepts every valid example: the schema and
 * the code must not drift apart.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "config.h"
#include "policy.h"

static char tmpdir[64];

/* schema_accepts() reads the verdict, not libxml2's messages. */
static void quiet(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}
static char last_path[256];

/* ---- helpers ---- */

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_config.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    if (last_path[0])
        unlink(last_path);
    rmdir(tmpdir);
    last_path[0] = '\0';
}

static const char *write_xml(const char *name, const char *text)
{
    FILE *fp;

    if (last_path[0])
        unlink(last_path);
    snprintf(last_path, sizeof(last_path), "%s/%s", tmpdir, name);
    fp = fopen(last_path, "w");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fputs(text, fp) >= 0, 1);
    fclose(fp);
    return last_path;
}

static struct emg_config *load_ok(const char *text)
{
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg = emg_config_load(write_xml("ok.xml", text), &errs);

    ck_assert_msg(cfg != NULL, "valid config rejected: %s", errs.n ? errs.msgs[0] : "(no message)");
    ck_assert_uint_eq(errs.n, 0);
    return cfg;
}

/* The schema alone: 1 when it accepts `text`. */
static int schema_accepts(const char *text)
{
    xmlRelaxNGParserCtxtPtr p = xmlRelaxNGNewMemParserCtxt(emgdiag_rng, (int)strlen(emgdiag_rng));
    xmlRelaxNGPtr schema = xmlRelaxNGParse(p);
    xmlRelaxNGValidCtxtPtr v;
    xmlDocPtr doc;
    int ok;

    ck_assert_ptr_nonnull(schema);
    v = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(v, quiet, NULL);
    doc = xmlReadMemory(text, (int)strlen(text), "t.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    ck_assert_ptr_nonnull(doc);
    ok = xmlRelaxNGValidateDoc(v, doc) == 0;
    xmlFreeDoc(doc);
    xmlRelaxNGFreeValidCtxt(v);
    xmlRelaxNGFreeParserCtxt(p);
    xmlRelaxNGFree(schema);
    return ok;
}


/* ---- the documented example ---- */

static const char example[] =
    "<emgdiag>\n"                                                                  /* 1 */
    "  <logs dir=\"/var/log/kannel/emg\" timezone=\"utc\" passwords=\"clear\"\n"   /* 2 */
    "        format=\"both\" pdu-skip=\" ENQUIRE_LINK\tENQUIRE_LINK_RESP \"/>\n"   /* 3 */
    "  <connector name=\"smpp-out\" type=\"outgoing\" smsc-id=\"upstream\"\n"      /* 4 */
    "             format=\"json\" pdu-log=\"off\"/>\n"                             /* 5 */
    "  <connector name=\"smpp-in\" type=\"incoming\" opensmppbox-id=\"osb\"\n"     /* 6 */
    "             login-failure-status=\"13\">\n"                                  /* 7 */
    "    <access>\n"                                                               /* 8 */
    "      <deny address=\"192.0.2.66\"/>\n"                                       /* 9 */
    "      <allow address=\"192.0.2.0/24\"/>\n"                                    /* 10 */
    "      <allow address=\"2001:db8::/32\"/>\n"                                   /* 11 */
    "    </access>\n"                                                              /* 12 */
    "  </connector>\n"                                                             /* 13 */
    "  <connector name=\"open.in\" type=\"incoming\" opensmppbox-id=\"osb2\"/>\n"  /* 14 */
    "  <connector name=\"closed_in\" type=\"incoming\" opensmppbox-id=\"osb3\">\n" /* 15 */
    "    <access/>\n"                                                              /* 16 */
    "  </connector>\n"                                                             /* 17 */
    "  <users default=\"allow\">\n"                                                /* 18 */
    "    <user system-id=\"client1\">\n"                                           /* 19 */
    "      <allow connector=\"smpp-in\" address=\"198.51.100.0/24\"/>\n"           /* 20 */
    "      <allow connector=\"*\" address=\"203.0.113.5\"/>\n"                     /* 21 */
    "    </user>\n"                                                                /* 22 */
    "    <user system-id=\"nobody\"/>\n"                                           /* 23 */
    "  </users>\n"                                                                 /* 24 */
    "</emgdiag>\n";

START_TEST(test_example_fields)
{
    struct emg_config *cfg = load_ok(example);
    const struct emg_connector *out, *in;

    ck_assert_str_eq(cfg->file, last_path);
    ck_assert_str_eq(cfg->log_dir, "/var/log/kannel/emg");
    ck_assert_int_eq(cfg->utc, 1);
    ck_assert_int_eq(cfg->passwords_clear, 1);
    ck_assert_int_eq(cfg->format, EMG_FMT_BOTH);
    ck_assert_uint_eq(cfg->n_pdu_skip, 2);
    /* SMPP 3.4 section 5.1.2.1: enquire_link 0x00000015, its response 0x80000015 */
    ck_assert(emg_config_pdu_skipped(cfg, 0x00000015u));
    ck_assert(emg_config_pdu_skipped(cfg, 0x80000015u));
    ck_assert(!emg_config_pdu_skipped(cfg, 0x00000004u));
    ck_assert_uint_eq(cfg->n_connectors, 4);

    out = emg_config_outgoing(cfg, "upstream");
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out->name, "smpp-out");
    ck_assert_int_eq(out->type, EMG_CONN_OUTGOING);
    ck_assert_ptr_null(out->opensmppbox_id);
    ck_assert_int_eq(out->format, EMG_FMT_JSON);
    ck_assert_int_eq(out->pdu_log, 0);
    ck_assert_int_eq(out->has_access, 0);
    ck_assert_int_eq(out->line, 4);
    ck_assert_ptr_null(emg_config_outgoing(cfg, "osb"));

    in = emg_config_incoming(cfg, "osb");
    ck_assert_ptr_nonnull(in);
    ck_assert_str_eq(in->name, "smpp-in");
    ck_assert_int_eq(in->type, EMG_CONN_INCOMING);
    ck_assert_ptr_null(in->smsc_id);
    ck_assert_int_eq(in->format, EMG_FMT_INHERIT);
    ck_assert_int_eq(in->pdu_log, 1);
    ck_assert_int_eq(in->login_failure_status, 13);
    ck_assert_int_eq(in->has_access, 1);
    ck_assert_uint_eq(in->access.n_v4, 2);
    ck_assert_uint_eq(in->access.n_v6, 1);
    ck_assert_ptr_null(emg_config_incoming(cfg, "upstream"));

    in = emg_config_incoming(cfg, "osb2");
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(in->login_failure_status, 14);
    ck_assert_int_eq(in->has_access, 0);
    in = emg_config_incoming(cfg, "osb3");
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(in->has_access, 1);

    ck_assert_uint_eq(cfg->n_users, 2);
    ck_assert_int_eq(cfg->users_line, 18);
    ck_assert_int_eq(cfg->users_default_deny, 0);
    ck_assert_uint_eq(emg_config_user(cfg, "client1")->n_allows, 2);
    ck_assert_uint_eq(emg_config_user(cfg, "nobody")->n_allows, 0);
    ck_assert_ptr_null(emg_config_user(cfg, "client2"));
    ck_assert(schema_accepts(example));
    emg_config_free(cfg);
}
END_TEST

/* A connector name of 64 octets is the longest allowed (docs/configuration.md). */
START_TEST(test_name_64_octets)
{
    static const char text[] =
        "<emgdiag>\n  <logs dir=\"/x\"/>\n"
        "  <connector name=\"c123456789.123456789_123456789-123456789.123456789_123456789-123\"\n"
        "             type=\"incoming\" opensmppbox-id=\"osb\"/>\n"
        "  <users><user system-id=\"c\">\n"
        "    <allow "
        "connector=\"c123456789.123456789_123456789-123456789.123456789_123456789-123\"\n"
        "           address=\"192.0.2.1\"/>\n"
        "  </user></users>\n"
        "</emgdiag>\n";
    struct emg_config *cfg = load_ok(text);

    ck_assert_uint_eq(strlen(emg_config_incoming(cfg, "osb")->name), 64);
    ck_assert(schema_accepts(text));
    emg_config_free(cfg);
}
END_TEST

/* An encoding declaration is ignored: the file is read as UTF-8. */
START_TEST(test_utf8_and_declared_encoding)
{
    static const char text[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                               "<emgdiag><logs dir=\"/var/log/\xc3\xa9mg\"/></emgdiag>\n";
    struct emg_config *cfg = load_ok(text);

    ck_assert_str_eq(cfg->log_dir, "/var/log/\xc3\xa9mg");
    emg_config_free(cfg);
}
END_TEST

START_TEST(test_pdu_value_max)
{
    struct emg_config *cfg = load_ok("<emgdiag><logs dir=\"/x\" pdu-value-max=\"0\"/></emgdiag>\n");

    ck_assert_uint_eq(cfg->pdu_value_max, 0);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/x\" pdu-value-max=\"16\"/></emgdiag>\n");
    ck_assert_uint_eq(cfg->pdu_value_max, 16);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/x\" pdu-value-max=\"1048576\"/></emgdiag>\n");
    ck_assert_uint_eq(cfg->pdu_value_max, 1048576);
    emg_config_free(cfg);
}
END_TEST

START_TEST(test_rotation_attrs)
{
    struct emg_config *cfg = load_ok("<emgdiag><logs dir=\"/x\"/></emgdiag>\n");

    ck_assert_uint_eq(cfg->rotate_size, 0);
    ck_assert_int_eq(cfg->compress, 0);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/x\" rotate-size=\"256M\" keep=\"20\" "
                  "compress=\"gzip\"/></emgdiag>\n");
    ck_assert_uint_eq(cfg->rotate_size, 256ull * 1024 * 1024);
    ck_assert_uint_eq(cfg->keep, 20);
    ck_assert_int_eq(cfg->compress, 1);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/x\" rotate-size=\"16K\"/></emgdiag>\n");
    ck_assert_uint_eq(cfg->rotate_size, 16384);
    ck_assert_uint_eq(cfg->keep, 10); /* the default */
    ck_assert_int_eq(cfg->compress, 0);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/x\" rotate-size=\"16384\" compress=\"none\" "
                  "keep=\"1000\"/></emgdiag>\n");
    ck_assert_uint_eq(cfg->rotate_size, 16384);
    ck_assert_uint_eq(cfg->keep, 1000);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/x\" rotate-size=\"1024G\"/></emgdiag>\n");
    ck_assert_uint_eq(cfg->rotate_size, 1024ull * 1024 * 1024 * 1024);
    emg_config_free(cfg);
}
END_TEST

START_TEST(test_only_logs_defaults)
{
    static const char text[] = "<?xml version=\"1.0\"?>\n<emgdiag><logs dir=\"/x\"/></emgdiag>\n";
    struct emg_config *cfg = load_ok(text);
    char why[128];

    ck_assert_str_eq(cfg->log_dir, "/x");
    ck_assert_int_eq(cfg->utc, 0);
    ck_assert_int_eq(cfg->passwords_clear, 0);
    ck_assert_int_eq(cfg->format, EMG_FMT_EMG);
    ck_assert_uint_eq(cfg->n_pdu_skip, 0);
    ck_assert_uint_eq(cfg->pdu_value_max, 1024);
    ck_assert_uint_eq(cfg->n_connectors, 0);
    ck_assert_uint_eq(cfg->n_users, 0);
    ck_assert_int_eq(cfg->users_default_deny, 0);
    ck_assert_ptr_null(emg_config_incoming(cfg, "opensmppbox"));
    /* nothing restricts */
    ck_assert_int_eq(emg_access_connect(NULL, "192.0.2.1", why, sizeof(why)), 1);
    ck_assert_str_eq(why, "no access list");
    ck_assert_int_eq(emg_access_login(cfg, NULL, "anyone", "2001:db8::1", why, sizeof(why)), 1);
    ck_assert_str_eq(why, "user not listed");
    ck_assert(schema_accepts(text));
    emg_config_free(cfg);
}
END_TEST

/* ---- decisions ---- */

static void expect_connect(const struct emg_connector *c, const char *peer, int verdict,
                           const char *why_expected)
{
    char why[256];
    char expected[512];

    if (strcmp(why_expected, "no match") == 0 || strcmp(why_expected, "no access list") == 0 ||
        strcmp(why_expected, "bad address") == 0)
        snprintf(expected, sizeof(expected), "%s", why_expected);
    else
        snprintf(expected, sizeof(expected), "%s:%s", last_path, why_expected);
    ck_assert_msg(emg_access_connect(c, peer, why, sizeof(why)) == verdict, "connect from %s",
                  peer);
    ck_assert_str_eq(why, expected);
}

static void expect_login(const struct emg_config *cfg, const struct emg_connector *c,
                         const char *user, const char *peer, int verdict, const char *why_expected)
{
    char why[256];
    char expected[512];

    if (strchr(why_expected, ':') == NULL && strspn(why_expected, "0123456789") == 0)
        snprintf(expected, sizeof(expected), "%s", why_expected);
    else
        snprintf(expected, sizeof(expected), "%s:%s", last_path, why_expected);
    ck_assert_msg(emg_access_login(cfg, c, user, peer, why, sizeof(why)) == verdict,
                  "login %s from %s", user, peer);
    ck_assert_str_eq(why, expected);
}

START_TEST(test_connect_decisions)
{
    struct emg_config *cfg = load_ok(example);
    const struct emg_connector *in = emg_config_connector(cfg, "smpp-in");

    expect_connect(in, "192.0.2.66", 0, "9");
    expect_connect(in, "::ffff:192.0.2.66", 0, "9");
    expect_connect(in, "192.0.2.0", 1, "10");
    expect_connect(in, "192.0.2.255", 1, "10");
    expect_connect(in, "192.0.2.65", 1, "10");
    expect_connect(in, "::ffff:192.0.2.7", 1, "10");
    expect_connect(in, "192.0.3.0", 0, "no match");
    expect_connect(in, "2001:db8::1", 1, "11");
    expect_connect(in, "2001:db9::1", 0, "no match");
    expect_connect(in, "::1", 0, "no match");
    expect_connect(in, "not-an-ip", 0, "bad address");
    expect_connect(in, NULL, 0, "bad address");
    /* no <access>: everyone; empty <access/>: no one */
    expect_connect(emg_config_connector(cfg, "open.in"), "198.51.100.1", 1, "no access list");
    expect_connect(emg_config_connector(cfg, "closed_in"), "192.0.2.1", 0, "no match");
    expect_connect(emg_config_connector(cfg, "closed_in"), "::1", 0, "no match");
    emg_config_free(cfg);
}
END_TEST

START_TEST(test_login_decisions)
{
    struct emg_config *cfg = load_ok(example);
    const struct emg_connector *in = emg_config_connector(cfg, "smpp-in");
    const struct emg_connector *open_in = emg_config_connector(cfg, "open.in");

    expect_login(cfg, in, "client1", "198.51.100.0", 1, "20");
    expect_login(cfg, in, "client1", "198.51.100.255", 1, "20");
    expect_login(cfg, in, "client1", "::ffff:198.51.100.9", 1, "20");
    expect_login(cfg, in, "client1", "198.51.101.0", 0, "no match");
    expect_login(cfg, in, "client1", "203.0.113.5", 1, "21");
    /* the smpp-in entry does not apply on another connector; "*" does */
    expect_login(cfg, open_in, "client1", "198.51.100.1", 0, "no match");
    expect_login(cfg, open_in, "client1", "203.0.113.5", 1, "21");
    expect_login(cfg, NULL, "client1", "203.0.113.5", 1, "21");
    expect_login(cfg, NULL, "client1", "198.51.100.1", 0, "no match");
    /* listed without entries: may not bind from anywhere */
    expect_login(cfg, in, "nobody", "192.0.2.1", 0, "no match");
    /* not listed, default allow */
    expect_login(cfg, in, "someone", "192.0.2.1", 1, "user not listed");
    expect_login(cfg, in, NULL, "192.0.2.1", 1, "user not listed");
    expect_login(cfg, in, "client1", "198.51.100.1.", 0, "bad address");
    /* a NULL `why` is allowed */
    ck_assert_int_eq(emg_access_login(cfg, in, "client1", "203.0.113.5", NULL, 0), 1);
    ck_assert_int_eq(emg_access_connect(in, "192.0.2.66", NULL, 0), 0);
    emg_config_free(cfg);
}
END_TEST

START_TEST(test_users_default_deny)
{
    static const char text[] =
        "<emgdiag>\n"                                                                  /* 1 */
        "  <logs dir=\"/x\"/>\n"                                                       /* 2 */
        "  <connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\"/>\n"        /* 3 */
        "  <users default=\"deny\">\n"                                                 /* 4 */
        "    <user system-id=\"a\"><allow connector=\"in\" address=\"::1\"/></user>\n" /* 5 */
        "  </users>\n"                                                                 /* 6 */
        "</emgdiag>\n";
    struct emg_config *cfg = load_ok(text);
    const struct emg_connector *in = emg_config_connector(cfg, "in");

    ck_assert_int_eq(cfg->users_default_deny, 1);
    expect_login(cfg, in, "b", "::1", 0, "4");
    expect_login(cfg, in, "a", "::1", 1, "5");
    expect_login(cfg, in, "a", "127.0.0.1", 0, "no match");
    ck_assert(schema_accepts(text));
    emg_config_free(cfg);
}
END_TEST

/* ---- errors ---- */

#define HEAD "<emgdiag>\n  <logs dir=\"/x\"/>\n" /* lines 1 and 2 */
#define IN "  <connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\"/>\n"
#define OUT "  <connector name=\"out\" type=\"outgoing\" smsc-id=\"up\"/>\n"
/* 64 and 65 octets */
#define NAME64 "c123456789.123456789_123456789-123456789.123456789_123456789-123"
#define NAME65 NAME64 "4"

static const struct {
    const char *text;
    int line;            /* expected FILE:LINE of the first message */
    const char *message; /* expected text after "FILE:LINE: " (prefix of it) */
    int schema_rejects;  /* 1: the schema alone must reject it as well */
} bad_configs[] = {
    { HEAD "  <frob/>\n</emgdiag>\n", 3, "unknown element <frob> inside <emgdiag>", 1 },
    /* <database> (docs/configuration.md, docs/database.md) */
    { HEAD "  <database file=\"/x/db\"/>\n</emgdiag>\n", 3,
      "missing attribute \"type\" on <database> (sqlite, pgsql or mysql)", 1 },
    { HEAD "  <database type=\"oracle\" file=\"/x/db\"/>\n</emgdiag>\n", 3,
      "type \"oracle\" on <database>", 1 },
#ifdef HAVE_PGSQL
    { HEAD "  <database type=\"pgsql\" file=\"/x/db\"/>\n</emgdiag>\n", 3,
      "missing attribute \"conninfo\" on <database>", 0 },
    { HEAD "  <database type=\"pgsql\" conninfo=\"dbname=e password=x\"/>\n</emgdiag>\n", 3,
      "conninfo holds a password: passwords do not belong in the XML", 0 },
    { HEAD "  <database type=\"pgsql\" conninfo=\"postgresql://u:pw@h/e\"/>\n</emgdiag>\n", 3,
      "conninfo holds a password", 0 },
    { HEAD "  <database type=\"pgsql\" conninfo=\"dbname=e\" file=\"/x\"/>\n</emgdiag>\n", 3,
      "attribute \"file\" is for type \"sqlite\"", 0 },
#else
    { HEAD "  <database type=\"pgsql\" conninfo=\"dbname=e\"/>\n</emgdiag>\n", 3,
      "<database type=\"pgsql\">: this build has no PostgreSQL back-end", 0 },
#endif
    { HEAD "  <database type=\"sqlite\" file=\"/x\" conninfo=\"dbname=e\"/>\n</emgdiag>\n", 3,
      "attributes \"conninfo\" and \"password-file\" are for type \"pgsql\"", 0 },
#ifdef HAVE_MYSQL
    { HEAD "  <database type=\"mysql\"/>\n</emgdiag>\n", 3,
      "missing attribute \"database\" on <database>", 0 },
    { HEAD "  <database type=\"mysql\" database=\"e\" conninfo=\"dbname=e\"/>\n</emgdiag>\n", 3,
      "attribute \"conninfo\" is for type \"pgsql\"", 0 },
    { HEAD "  <database type=\"mysql\" database=\"e\" file=\"/x\"/>\n</emgdiag>\n", 3,
      "attribute \"file\" is for type \"sqlite\"", 0 },
    { HEAD "  <database type=\"mysql\" database=\"e\" port=\"65536\"/>\n</emgdiag>\n", 3,
      "port \"65536\" on <database>: expected a number 1-65535", 0 },
    { HEAD "  <database type=\"mysql\" database=\"e\" user=\"\"/>\n</emgdiag>\n", 3,
      "empty attribute \"user\" on <database>", 1 },
#else
    { HEAD "  <database type=\"mysql\" database=\"e\"/>\n</emgdiag>\n", 3,
      "<database type=\"mysql\">: this build has no MariaDB/MySQL back-end", 0 },
#endif
    { HEAD "  <database type=\"sqlite\" file=\"/x\" host=\"h\"/>\n</emgdiag>\n", 3,
      "attribute \"host\" is for type \"mysql\"", 0 },
#ifdef HAVE_PGSQL /* without it, type="pgsql" is refused before its attributes */
    { HEAD "  <database type=\"pgsql\" conninfo=\"dbname=e\" socket=\"/s\"/>\n</emgdiag>\n", 3,
      "attribute \"socket\" is for type \"mysql\"", 0 },
#endif
    { HEAD "  <database type=\"sqlite\"/>\n</emgdiag>\n", 3,
      "missing attribute \"file\" on <database>", 0 },
    { HEAD "  <database type=\"sqlite\" file=\"\"/>\n</emgdiag>\n", 3,
      "empty attribute \"file\" on <database>", 1 },
    { HEAD "  <database type=\"sqlite\" file=\"/x/db\" password=\"s\"/>\n</emgdiag>\n", 3,
      "unknown attribute \"password\" on <database>", 1 },
    { HEAD "  <database type=\"sqlite\" file=\"/x/db\" keep-days=\"40000\"/>\n</emgdiag>\n", 3,
      "keep-days \"40000\" on <database>: expected a number 0-36500", 0 },
    { HEAD "  <database type=\"sqlite\" file=\"/x/a\"/>\n"
           "  <database type=\"sqlite\" file=\"/x/b\"/>\n</emgdiag>\n",
      4, "second <database> (first at line 3)", 0 },
    { HEAD "  <connector name=\"a\" type=\"incoming\" opensmppbox-id=\"o\" "
           "colour=\"red\"/>\n</emgdiag>\n",
      3, "unknown attribute \"colour\" on <connector>", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" level=\"debug\"/>\n</emgdiag>\n", 2,
      "unknown attribute \"level\" on <logs>", 1 },
    { HEAD "  <connector name=\"smpp out\" type=\"outgoing\" smsc-id=\"up\"/>\n</emgdiag>\n", 3,
      "connector name \"smpp out\": only letters", 1 },
    { HEAD "  <connector name=\"a/b\" type=\"outgoing\" smsc-id=\"up\"/>\n</emgdiag>\n", 3,
      "connector name \"a/b\"", 1 },
    { HEAD "  <connector name=\"\" type=\"outgoing\" smsc-id=\"up\"/>\n</emgdiag>\n", 3,
      "empty attribute \"name\" on <connector>", 1 },
    { HEAD OUT "  <connector name=\"out\" type=\"outgoing\" smsc-id=\"up2\"/>\n</emgdiag>\n", 4,
      "duplicate connector name \"out\" (first at line 3)", 0 },
    { HEAD OUT "  <connector name=\"out2\" type=\"outgoing\" smsc-id=\"up\"/>\n</emgdiag>\n", 4,
      "smsc-id \"up\" already mapped to connector \"out\" at line 3", 0 },
    { HEAD IN "  <connector name=\"in2\" type=\"incoming\" opensmppbox-id=\"osb\"/>\n</emgdiag>\n",
      4, "opensmppbox-id \"osb\" already mapped to connector \"in\" at line 3", 0 },
    { HEAD "  <connector name=\"o\" type=\"outgoing\"/>\n</emgdiag>\n", 3,
      "outgoing connector needs attribute \"smsc-id\"", 1 },
    { HEAD "  <connector name=\"i\" type=\"incoming\"/>\n</emgdiag>\n", 3,
      "incoming connector needs attribute \"opensmppbox-id\"", 1 },
    { HEAD "  <connector name=\"i\" opensmppbox-id=\"x\"/>\n</emgdiag>\n", 3,
      "missing attribute \"type\" on <connector>", 1 },
    { HEAD "  <connector name=\"i\" type=\"both\" opensmppbox-id=\"x\"/>\n</emgdiag>\n", 3,
      "type \"both\" on <connector>: expected \"outgoing\" or \"incoming\"", 1 },
    { HEAD "  <connector name=\"o\" type=\"outgoing\" smsc-id=\"u\" "
           "opensmppbox-id=\"x\"/>\n</emgdiag>\n",
      3, "attribute \"opensmppbox-id\" not allowed on an outgoing connector", 1 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\" "
           "smsc-id=\"u\"/>\n</emgdiag>\n",
      3, "attribute \"smsc-id\" not allowed on an incoming connector", 1 },
    { HEAD "  <connector name=\"o\" type=\"outgoing\" smsc-id=\"u\" "
           "login-failure-status=\"13\"/>\n</emgdiag>\n",
      3, "attribute \"login-failure-status\" not allowed on an outgoing connector", 1 },
    { HEAD "  <connector name=\"o\" type=\"outgoing\" smsc-id=\"u\">\n    <access/>\n  "
           "</connector>\n</emgdiag>\n",
      4, "<access> not allowed on an outgoing connector", 0 }, /* see module/emgdiag.rng */
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\" "
           "login-failure-status=\"15\"/>\n</emgdiag>\n",
      3, "login-failure-status \"15\" on <connector>: expected \"14\" or \"13\"", 1 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\" "
           "pdu-log=\"yes\"/>\n</emgdiag>\n",
      3, "pdu-log \"yes\" on <connector>: expected \"on\" or \"off\"", 1 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\" "
           "format=\"xml\"/>\n</emgdiag>\n",
      3, "format \"xml\" on <connector>: expected \"emg\", \"json\" or \"both\"", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" timezone=\"gmt\"/>\n</emgdiag>\n", 2,
      "timezone \"gmt\" on <logs>: expected \"local\" or \"utc\"", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" passwords=\"hidden\"/>\n</emgdiag>\n", 2,
      "passwords \"hidden\" on <logs>", 1 },
    { "<emgdiag>\n  <logs/>\n</emgdiag>\n", 2, "missing attribute \"dir\" on <logs>", 1 },
    { "<emgdiag>\n  <logs dir=\"\"/>\n</emgdiag>\n", 2, "empty attribute \"dir\" on <logs>", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" pdu-skip=\"ENQUIRE_LINK SUBMIT_SM_RESPX\"/>\n</emgdiag>\n", 2,
      "pdu-skip: unknown command name \"SUBMIT_SM_RESPX\"", 0 },
    { "<emgdiag>\n  <connector name=\"o\" type=\"outgoing\" smsc-id=\"u\"/>\n</emgdiag>\n", 1,
      "missing <logs>", 1 },
    { HEAD "  <logs dir=\"/y\"/>\n</emgdiag>\n", 3, "second <logs> (first at line 2)", 1 },
    { HEAD "  <users/>\n  <users/>\n</emgdiag>\n", 4, "second <users> (first at line 3)", 1 },
    { HEAD "  hello\n</emgdiag>\n", 3, "unexpected text inside <emgdiag>", 1 },
    { "<config>\n  <logs dir=\"/x\"/>\n</config>\n", 1,
      "root element is <config>, expected <emgdiag>", 1 },
    { "<emgdiag xmlns=\"urn:x\">\n  <logs dir=\"/x\"/>\n</emgdiag>\n", 1,
      "root element is <emgdiag>, expected <emgdiag> without a namespace", 1 },
    { "<?xml version=\"1.0\"?>\n<!DOCTYPE emgdiag [\n<!ENTITY d \"/x\">\n]>\n<emgdiag><logs "
      "dir=\"&d;\"/></emgdiag>\n",
      2, "DOCTYPE not allowed", -1 },
    { "<?xml version=\"1.0\"?>\n<!DOCTYPE emgdiag SYSTEM "
      "\"http://example.invalid/e.dtd\">\n<emgdiag/>\n",
      2, "DOCTYPE not allowed", -1 },
    { "<emgdiag>\n  <logs dir=\"/x\">\n</emgdiag>\n", 3, "Opening and ending tag mismatch", -1 },
    { "<emgdiag>\n  <logs dir=\"&nope;\"/>\n</emgdiag>\n", 2, "Entity 'nope' not defined", -1 },
    { "\n", 2, "Start tag expected", -1 },
    { "", 0, "empty file", -1 },
    { HEAD "  <!-- caf\xe9 -->\n</emgdiag>\n", 3, "not UTF-8 text (octet 0xe9 at offset 39)", -1 },
    { "\xff\xfe<emgdiag/>\n", 1, "not UTF-8 text (octet 0xff at offset 0)", -1 },
    { HEAD "  <!-- \xed\xa0\x80 surrogate -->\n</emgdiag>\n", 3, "not UTF-8 text (octet 0xed", -1 },
    { HEAD "  <!-- \xc0\xaf overlong -->\n</emgdiag>\n", 3, "not UTF-8 text (octet 0xc0", -1 },
    /* access lists: every bad address form */
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"010.1.2.3\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "address \"010.1.2.3\": leading zero", 0 },
    { HEAD
      "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
      "      <allow address=\"192.0.2.0/24\"/>\n      <deny address=\"gateway.example.com\"/>\n"
      "    </access>\n  </connector>\n</emgdiag>\n",
      6, "address \"gateway.example.com\": host name", 0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"192.0.2.1/24\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "address \"192.0.2.1/24\": host bits set beyond /24 (the block is 192.0.2.0/24)", 0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"10.0.0.0/33\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "address \"10.0.0.0/33\": prefix length 33 out of range 0-32", 0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"2001:db8::/129\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "address \"2001:db8::/129\": prefix length 129 out of range 0-128", 0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"fe80::1%eth0\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "address \"fe80::1%eth0\": zone id", 0 },
    { HEAD
      "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
      "      <deny address=\"::ffff:192.0.2.1\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5,
      "address \"::ffff:192.0.2.1\": IPv4-mapped IPv6 address not allowed in a rule (write the "
      "IPv4 form",
      0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"1.2.3.4/08\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "address \"1.2.3.4/08\": leading zero in prefix", 0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <allow address=\"\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "empty attribute \"address\" on <allow>", 1 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
           "      <permit address=\"1.2.3.4\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "unknown element <permit> inside <access> (expected <allow> or <deny>)", 1 },
    { HEAD
      "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access>\n"
      "      <allow address=\"1.2.3.4\" port=\"1\"/>\n    </access>\n  </connector>\n</emgdiag>\n",
      5, "unknown attribute \"port\" on <allow>", 1 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"x\">\n    <access/>\n    "
           "<access/>\n"
           "  </connector>\n</emgdiag>\n",
      5, "second <access> (first at line 4)", 1 },
    /* users */
    { HEAD IN "  <users>\n    <user system-id=\"c\">\n      <allow connector=\"nope\" "
              "address=\"1.2.3.4\"/>\n"
              "    </user>\n  </users>\n</emgdiag>\n",
      6, "connector \"nope\" is not defined", 0 },
    { HEAD OUT "  <users>\n    <user system-id=\"c\">\n      <allow connector=\"out\" "
               "address=\"1.2.3.4\"/>\n"
               "    </user>\n  </users>\n</emgdiag>\n",
      6, "connector \"out\" is outgoing", 0 },
    { HEAD IN "  <users>\n    <user system-id=\"c\"/>\n    <user system-id=\"d\"/>\n    <user "
              "system-id=\"c\"/>\n"
              "  </users>\n</emgdiag>\n",
      7, "duplicate system-id \"c\" (first at line 5)", 0 },
    { HEAD IN "  <users>\n    <user system-id=\"c\">\n      <allow connector=\"in\" "
              "address=\"localhost\"/>\n"
              "    </user>\n  </users>\n</emgdiag>\n",
      6, "address \"localhost\": host name", 0 },
    { HEAD IN
      "  <users>\n    <user system-id=\"c\">\n      <deny connector=\"in\" address=\"1.2.3.4\"/>\n"
      "    </user>\n  </users>\n</emgdiag>\n",
      6, "unknown element <deny> inside <user> (expected <allow>)", 1 },
    { HEAD IN "  <users>\n    <user system-id=\"c\">\n      <allow address=\"1.2.3.4\"/>\n"
              "    </user>\n  </users>\n</emgdiag>\n",
      6, "missing attribute \"connector\" on <allow>", 1 },
    { HEAD IN "  <users>\n    <user>\n    </user>\n  </users>\n</emgdiag>\n", 5,
      "missing attribute \"system-id\" on <user>", 1 },
    { HEAD IN "  <users default=\"strict\"/>\n</emgdiag>\n", 4,
      "default \"strict\" on <users>: expected \"allow\" or \"deny\"", 1 },
    /* pdu-value-max: 0, or 16 to 1048576 octets, in plain digits */
    { "<emgdiag>\n  <logs dir=\"/x\" pdu-value-max=\"15\"/>\n</emgdiag>\n", 2,
      "pdu-value-max \"15\" on <logs>: expected a number of octets, 0 (no limit) or 16 to 1048576",
      0 },
    { "<emgdiag>\n  <logs dir=\"/x\" pdu-value-max=\"1048577\"/>\n</emgdiag>\n", 2,
      "pdu-value-max \"1048577\" on <logs>: expected a number of octets", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" pdu-value-max=\"1k\"/>\n</emgdiag>\n", 2,
      "pdu-value-max \"1k\" on <logs>: expected a number of octets", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" pdu-value-max=\"\"/>\n</emgdiag>\n", 2,
      "pdu-value-max \"\" on <logs>: expected a number of octets", 1 },
    /* rotate-size: digits and K, M or G, 16K to 1024G; keep 1-1000; compress none|gzip;
     * keep and compress only with rotate-size (docs/configuration.md) */
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"15K\"/>\n</emgdiag>\n", 2,
      "rotate-size \"15K\" on <logs>: expected a size, digits with an optional K, M or G, "
      "from 16K to 1024G", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"16383\"/>\n</emgdiag>\n", 2,
      "rotate-size \"16383\" on <logs>: expected a size", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"1025G\"/>\n</emgdiag>\n", 2,
      "rotate-size \"1025G\" on <logs>: expected a size", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"99999999999999999999999K\"/>\n</emgdiag>\n", 2,
      "rotate-size \"99999999999999999999999K\" on <logs>: expected a size", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"256m\"/>\n</emgdiag>\n", 2,
      "rotate-size \"256m\" on <logs>: expected a size", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"M\"/>\n</emgdiag>\n", 2,
      "rotate-size \"M\" on <logs>: expected a size", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"1M\" keep=\"0\"/>\n</emgdiag>\n", 2,
      "keep \"0\" on <logs>: expected a number from 1 to 1000", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"1M\" keep=\"1001\"/>\n</emgdiag>\n", 2,
      "keep \"1001\" on <logs>: expected a number from 1 to 1000", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" rotate-size=\"1M\" compress=\"xz\"/>\n</emgdiag>\n", 2,
      "compress \"xz\" on <logs>: expected \"none\" or \"gzip\"", 1 },
    { "<emgdiag>\n  <logs dir=\"/x\" keep=\"3\"/>\n</emgdiag>\n", 2,
      "keep on <logs> needs rotate-size (the module rotates only by size)", 0 },
    { "<emgdiag>\n  <logs dir=\"/x\" compress=\"gzip\"/>\n</emgdiag>\n", 2,
      "compress=\"gzip\" on <logs> needs rotate-size", 0 },
    /* connector names: at most 64 octets */
    { HEAD "  <connector name=\"" NAME65 "\" type=\"outgoing\" smsc-id=\"up\"/>\n</emgdiag>\n", 3,
      "connector name \"" NAME65 "\": 65 octets, at most 64 are allowed", 1 },
    { HEAD IN "  <users>\n    <user system-id=\"c\">\n      <allow connector=\"" NAME65
              "\" address=\"1.2.3.4\"/>\n"
              "    </user>\n  </users>\n</emgdiag>\n",
      6, "connector \"" NAME65 "\" is not defined", 1 },
    /* values no Kannel box could ever use (docs/configuration.md) */
    { "<emgdiag>\n  <logs dir=\"/tmp/a&#10;b\"/>\n</emgdiag>\n", 2,
      "dir \"/tmp/a\\x0ab\" on <logs>: holds a line break (\\x0a)", 0 },
    { HEAD "  <connector name=\"o\" type=\"outgoing\" smsc-id=\"a&#10;b\"/>\n</emgdiag>\n", 3,
      "smsc-id \"a\\x0ab\" on <connector>: holds a line break (\\x0a)", 0 },
    { HEAD "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"osb&#13;\"/>\n</emgdiag>\n",
      3, "opensmppbox-id \"osb\\x0d\" on <connector>: holds a line break (\\x0d)", 0 },
    { HEAD IN "  <users>\n    <user system-id=\"a&#10;b\"/>\n  </users>\n</emgdiag>\n", 5,
      "system-id \"a\\x0ab\" on <user>: holds a line break (\\x0a)", 0 },
    { HEAD IN "  <users>\n    <user system-id=\" c\"/>\n  </users>\n</emgdiag>\n", 5,
      "system-id \" c\" on <user>: leading or trailing white space", 0 },
    { HEAD IN "  <users>\n    <user system-id=\"c \"/>\n  </users>\n</emgdiag>\n", 5,
      "system-id \"c \" on <user>: leading or trailing white space", 0 },
    { HEAD IN "  <users>\n    <user system-id=\"   \"/>\n  </users>\n</emgdiag>\n", 5,
      "system-id \"   \" on <user>: leading or trailing white space", 0 },
    { HEAD IN "  <users>\n    <user system-id=\"&#9;c\"/>\n  </users>\n</emgdiag>\n", 5,
      "system-id \"\\x09c\" on <user>: leading or trailing white space", 0 },
    /* a quoted value is escaped */
    { HEAD "  <connector name=\"a&quot;b\\c&#10;\" type=\"outgoing\" smsc-id=\"u\"/>\n</emgdiag>\n",
      3, "connector name \"a\\x22b\\\\c\\x0a\"", 1 },
};

START_TEST(test_bad_config)
{
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg;
    const char *text = bad_configs[_i].text;
    const char *path = write_xml("bad.xml", text);
    char expected[512];

    cfg = emg_config_load(path, &errs);
    ck_assert_msg(cfg == NULL, "case %d accepted", _i);
    ck_assert_msg(errs.n >= 1, "case %d: no message", _i);
    snprintf(expected, sizeof(expected), "%s:%d: %s", path, bad_configs[_i].line,
             bad_configs[_i].message);
    ck_assert_msg(strncmp(errs.msgs[0], expected, strlen(expected)) == 0,
                  "case %d: got \"%s\", expected \"%s...\"", _i, errs.msgs[0], expected);
    for (size_t k = 0; k < errs.n; k++)
        ck_assert_msg(strncmp(errs.msgs[k], path, strlen(path)) == 0 &&
                          errs.msgs[k][strlen(path)] == ':',
                      "case %d: message %zu lacks FILE:LINE: \"%s\"", _i, k, errs.msgs[k]);
    if (bad_configs[_i].schema_rejects == 1)
        ck_assert_msg(!schema_accepts(text), "case %d: the schema accepts it", _i);
    else if (bad_configs[_i].schema_rejects == 0)
        ck_assert_msg(schema_accepts(text), "case %d: the schema should leave it to the code", _i);
    emg_errors_free(&errs);
    ck_assert_uint_eq(errs.n, 0);
}
END_TEST

/* ---- the log directory, as the box will find it ---- */

/* Loads `<logs dir="DIR"/>` from a file; returns the first message or NULL
 * when the file loads (the caller frees it). */
static char *load_dir(const char *dir)
{
    char text[1024];
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg;
    char *first = NULL;

    snprintf(text, sizeof(text), "<emgdiag>\n  <logs dir=\"%s\"/>\n</emgdiag>\n", dir);
    cfg = emg_config_load(write_xml("dir.xml", text), &errs);
    if (cfg == NULL) {
        ck_assert_uint_ge(errs.n, 1);
        first = strdup(errs.msgs[0]);
    }
    emg_config_free(cfg);
    emg_errors_free(&errs);
    return first;
}

static void expect_dir_refused(const char *dir, const char *message)
{
    char *got = load_dir(dir);
    char expected[1024];

    snprintf(expected, sizeof(expected), "%s:2: log directory \"%s\": %s", last_path, dir, message);
    ck_assert_msg(got != NULL, "dir \"%s\" accepted", dir);
    ck_assert_msg(strncmp(got, expected, strlen(expected)) == 0, "got \"%s\", expected \"%s...\"",
                  got, expected);
    free(got);
}

/* The box writes its logs into `dir` (creating it and its parents when
 * missing) and refuses to start when it cannot; the loader finds the same
 * cases without creating anything. */
START_TEST(test_log_dir_usable)
{
    char plain[128], below[160], missing[160], missing_top[128], got_dir[256];
    FILE *fp;
    struct stat sb;
    char *got;

    snprintf(plain, sizeof(plain), "%s/plain", tmpdir);
    fp = fopen(plain, "w");
    ck_assert_ptr_nonnull(fp);
    fclose(fp);
    snprintf(below, sizeof(below), "%s/logs/emg", plain);

    expect_dir_refused("/etc/passwd", "Not a directory");
    expect_dir_refused(plain, "Not a directory");
    snprintf(got_dir, sizeof(got_dir), "cannot be created: \"%s\": Not a directory", plain);
    expect_dir_refused(below, got_dir);
    expect_dir_refused("/proc/self", "cannot create files in it: ");
    expect_dir_refused("/proc", "cannot create files in it: ");
    expect_dir_refused("/proc/emgdiag-none/logs", "cannot be created in \"/proc\": ");
    expect_dir_refused("/sys/emgdiag-none", "cannot be created in \"/sys\": ");

    /* An existing directory, and a missing one the box will create: both
     * fine, and the check creates nothing. */
    got = load_dir(tmpdir);
    ck_assert_msg(got == NULL, "%s", got);
    snprintf(missing_top, sizeof(missing_top), "%s/new", tmpdir);
    snprintf(missing, sizeof(missing), "%s/a/b/", missing_top);
    got = load_dir(missing);
    ck_assert_msg(got == NULL, "%s", got);
    ck_assert_int_ne(stat(missing_top, &sb), 0);
    unlink(plain);
}
END_TEST

/* emg_config_load_buffer() checks the directory as emg_config_load() does
 * (emgdiag-check reads the file itself); EMG_CONFIG_NO_FILESYSTEM leaves it
 * out. */
START_TEST(test_log_dir_buffer)
{
    static const char text[] = "<emgdiag><logs dir=\"/etc/passwd\"/></emgdiag>";
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg = emg_config_load_buffer(text, strlen(text), "mem.xml", &errs);

    ck_assert_ptr_null(cfg);
    ck_assert_uint_eq(errs.n, 1);
    ck_assert_str_eq(errs.msgs[0], "mem.xml:1: log directory \"/etc/passwd\": Not a directory");
    emg_errors_free(&errs);
    cfg =
        emg_config_load_buffer_flags(text, strlen(text), "mem.xml", NULL, EMG_CONFIG_NO_FILESYSTEM);
    ck_assert_ptr_nonnull(cfg);
    emg_config_free(cfg);
}
END_TEST

START_TEST(test_all_errors_reported)
{
    static const char text[] =
        "<emgdiag>\n"                                                       /* 1 */
        "  <logs dir=\"/x\" timezone=\"gmt\"/>\n"                           /* 2 */
        "  <connector name=\"a b\" type=\"outgoing\" smsc-id=\"u\"/>\n"     /* 3 */
        "  <connector name=\"i\" type=\"incoming\" opensmppbox-id=\"o\">\n" /* 4 */
        "    <access><allow address=\"010.0.0.1\"/></access>\n"             /* 5 */
        "  </connector>\n"                                                  /* 6 */
        "</emgdiag>\n";
    struct emg_errors errs = { NULL, 0 };
    const char *path = write_xml("many.xml", text);
    char expected[3][256];

    ck_assert_ptr_null(emg_config_load(path, &errs));
    ck_assert_uint_eq(errs.n, 3);
    snprintf(expected[0], sizeof(expected[0]), "%s:2: timezone \"gmt\"", path);
    snprintf(expected[1], sizeof(expected[1]), "%s:3: connector name \"a b\"", path);
    snprintf(expected[2], sizeof(expected[2]), "%s:5: address \"010.0.0.1\"", path);
    for (int k = 0; k < 3; k++)
        ck_assert_msg(strncmp(errs.msgs[k], expected[k], strlen(expected[k])) == 0, "%s",
                      errs.msgs[k]);
    emg_errors_free(&errs);
}
END_TEST

START_TEST(test_error_cap)
{
    struct emg_errors errs = { NULL, 0 };
    char *text = malloc(64 * 1024);
    size_t used;

    ck_assert_ptr_nonnull(text);
    used = (size_t)snprintf(text, 64 * 1024, HEAD);
    for (int k = 0; k < 300; k++)
        used += (size_t)snprintf(text + used, 64 * 1024 - used, "  <x/>\n");
    snprintf(text + used, 64 * 1024 - used, "</emgdiag>\n");
    ck_assert_ptr_null(emg_config_load(write_xml("cap.xml", text), &errs));
    ck_assert_uint_eq(errs.n, EMG_CONFIG_MAX_ERRORS + 1);
    ck_assert_ptr_nonnull(strstr(errs.msgs[EMG_CONFIG_MAX_ERRORS], "too many errors"));
    emg_errors_free(&errs);
    free(text);
}
END_TEST

START_TEST(test_missing_file)
{
    struct emg_errors errs = { NULL, 0 };
    char path[128];

    snprintf(path, sizeof(path), "%s/none.xml", tmpdir);
    ck_assert_ptr_null(emg_config_load(path, &errs));
    ck_assert_uint_eq(errs.n, 1);
    ck_assert_ptr_nonnull(strstr(errs.msgs[0], ":0: cannot open: "));
    ck_assert_int_eq(strncmp(errs.msgs[0], path, strlen(path)), 0);
    emg_errors_free(&errs);
    /* without an error list */
    ck_assert_ptr_null(emg_config_load(path, NULL));
    ck_assert_ptr_null(emg_config_load(NULL, NULL));
}
END_TEST

START_TEST(test_buffer_load_same_rules)
{
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg = emg_config_load_buffer(example, strlen(example), "mem.xml", &errs);

    ck_assert_ptr_nonnull(cfg);
    ck_assert_str_eq(cfg->file, "mem.xml");
    emg_config_free(cfg);
    ck_assert_ptr_null(
        emg_config_load_buffer(HEAD "<x/></emgdiag>", strlen(HEAD) + 14, "mem.xml", &errs));
    ck_assert_uint_eq(errs.n, 1);
    ck_assert_str_eq(errs.msgs[0], "mem.xml:3: unknown element <x> inside <emgdiag> "
                                   "(expected <logs>, <connector>, <users>, <metrics> or <database>)");
    emg_errors_free(&errs);
}
END_TEST

/* ---- line numbers past 65535 ---- */

/* `head`, then empty lines up to line `first` - 1, then `tail`: the first
 * line of `tail` is line `first`.  Returns a malloc'd string. */
static char *text_at_line(const char *head, int first, const char *tail)
{
    int head_lines = 0;
    size_t hl = strlen(head), tl = strlen(tail), pad;
    char *text;

    for (const char *p = head; *p; p++)
        head_lines += *p == '\n';
    ck_assert_int_lt(head_lines, first);
    pad = (size_t)(first - 1 - head_lines);
    text = malloc(hl + pad + tl + 1);
    ck_assert_ptr_nonnull(text);
    memcpy(text, head, hl);
    memset(text + hl, '\n', pad);
    memcpy(text + hl + pad, tail, tl + 1);
    return text;
}

/* libxml2 keeps element lines in 16 bits: every FILE:LINE the loader
 * reports, and every rule's line, must still be the true line. */
START_TEST(test_big_line_errors)
{
    static const char tail[] = "  <frob/>\n"                               /* 70000 */
                               "  <connector\n"                            /* 70001 */
                               "      name=\"a b\"\n"                      /* 70002 */
                               "      type=\"outgoing\" smsc-id=\"u\"/>\n" /* 70003 */
                               "  hello\n"                                 /* 70004 */
                               "  <users>\n"                               /* 70005 */
                               "    <user system-id=\"c\"/>\n"             /* 70006 */
                               "    <user\n"                               /* 70007 */
                               "      system-id=\"c\"/>\n"                 /* 70008 */
                               "  </users>\n"                              /* 70009 */
                               "</emgdiag>\n";
    char *text = text_at_line(HEAD, 70000, tail);
    struct emg_errors errs = { NULL, 0 };
    const char *path = write_xml("big.xml", text);
    char expected[4][256];

    ck_assert_ptr_null(emg_config_load(path, &errs));
    ck_assert_uint_eq(errs.n, 4);
    snprintf(expected[0], sizeof(expected[0]), "%s:70000: unknown element <frob>", path);
    snprintf(expected[1], sizeof(expected[1]), "%s:70001: connector name \"a b\"", path);
    snprintf(expected[2], sizeof(expected[2]), "%s:70004: unexpected text inside <emgdiag>", path);
    snprintf(expected[3], sizeof(expected[3]),
             "%s:70007: duplicate system-id \"c\" (first at line 70006)", path);
    for (int k = 0; k < 4; k++)
        ck_assert_msg(strncmp(errs.msgs[k], expected[k], strlen(expected[k])) == 0,
                      "got \"%s\", expected \"%s...\"", errs.msgs[k], expected[k]);
    emg_errors_free(&errs);
    free(text);
}
END_TEST

/* A libxml2 well-formedness error past 65535 keeps its line too. */
START_TEST(test_big_line_parser_error)
{
    char *text = text_at_line("<emgdiag>\n", 70000, "  <logs dir=\"/x\">\n</emgdiag>\n");
    struct emg_errors errs = { NULL, 0 };
    const char *path = write_xml("big.xml", text);
    char expected[256];

    ck_assert_ptr_null(emg_config_load(path, &errs));
    ck_assert_uint_ge(errs.n, 1);
    snprintf(expected, sizeof(expected), "%s:70001: Opening and ending tag mismatch", path);
    ck_assert_msg(strncmp(errs.msgs[0], expected, strlen(expected)) == 0, "got \"%s\"",
                  errs.msgs[0]);
    emg_errors_free(&errs);
    free(text);
}
END_TEST

/* The lines a loaded configuration keeps, and the decisions that quote them. */
START_TEST(test_big_line_rules)
{
    static const char tail[] =
        "  <connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">\n" /* 65534 */
        "    <access>\n"                                                       /* 65535 */
        "      <deny\n"                                                        /* 65536 */
        "          address=\"192.0.2.66\"/>\n"                                 /* 65537 */
        "      <allow address=\"192.0.2.0/24\"/>\n"                            /* 65538 */
        "    </access>\n"                                                      /* 65539 */
        "  </connector>\n"                                                     /* 65540 */
        "  <users default=\"deny\">\n"                                         /* 65541 */
        "    <user system-id=\"c\">\n"                                         /* 65542 */
        "      <allow connector=\"in\" address=\"198.51.100.0/24\"/>\n"        /* 65543 */
        "    </user>\n"                                                        /* 65544 */
        "  </users>\n"                                                         /* 65545 */
        "</emgdiag>\n";
    char *text = text_at_line(HEAD, 65534, tail);
    struct emg_config *cfg = load_ok(text);
    const struct emg_connector *in = emg_config_connector(cfg, "in");

    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(in->line, 65534);
    ck_assert_int_eq(cfg->users_line, 65541);
    ck_assert_int_eq(emg_config_user(cfg, "c")->line, 65542);
    expect_connect(in, "192.0.2.66", 0, "65536");
    expect_connect(in, "192.0.2.1", 1, "65538");
    expect_login(cfg, in, "c", "198.51.100.1", 1, "65543");
    expect_login(cfg, in, "d", "198.51.100.1", 0, "65541");
    emg_config_free(cfg);
    free(text);
}
END_TEST

/* ---- growth: loading is linear in the file's size, lookups constant ---- */

static double cpu_seconds(void)
{
    struct timespec ts;

    ck_assert_int_eq(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A valid file with `connectors` incoming connectors (each with an access
 * list), as many outgoing ones, and `users` users, each allowed on one of
 * the incoming connectors when `allows`: every kind of element and every
 * duplicate check grows with the arguments.  Returns a malloc'd string. */
static char *scaled_config(int users, int connectors, int allows)
{
    size_t cap = (size_t)users * 120 + (size_t)connectors * 240 + 256, used = 0;
    char *text = malloc(cap);

    ck_assert_ptr_nonnull(text);
#define PUT(...) (used += (size_t)snprintf(text + used, cap - used, __VA_ARGS__))
    PUT("<emgdiag>\n  <logs dir=\"/x\"/>\n");
    for (int k = 0; k < connectors; k++) {
        PUT("  <connector name=\"in%d\" type=\"incoming\" opensmppbox-id=\"osb%d\">\n"
            "    <access><allow address=\"192.0.2.0/24\"/></access>\n  </connector>\n",
            k, k);
        PUT("  <connector name=\"out%d\" type=\"outgoing\" smsc-id=\"smsc%d\"/>\n", k, k);
    }
    PUT("  <users default=\"deny\">\n");
    for (int k = 0; k < users; k++) {
        if (allows)
            PUT("<user system-id=\"user%07d\"><allow connector=\"in%d\" "
                "address=\"198.51.100.0/24\"/></user>\n",
                k, k % connectors);
        else
            PUT("<user system-id=\"user%07d\"/>\n", k);
    }
    PUT("  </users>\n</emgdiag>\n");
#undef PUT
    ck_assert_uint_lt(used, cap);
    return text;
}

/* CPU seconds to load `text`, no more than `best` so far. */
static double load_seconds(const char *text, double best)
{
    struct emg_errors errs = { NULL, 0 };
    double t0 = cpu_seconds(), t;
    struct emg_config *cfg = emg_config_load_buffer_flags(text, strlen(text), "scale.xml", &errs,
                                                          EMG_CONFIG_NO_FILESYSTEM);

    t = cpu_seconds() - t0;
    ck_assert_msg(cfg != NULL, "%s", errs.n ? errs.msgs[0] : "(no message)");
    emg_config_free(cfg);
    return t < best ? t : best;
}

/* Ten times the users must cost about ten times the time (up to twenty
 * here, where the larger document outgrows the CPU caches): a loader with
 * a quadratic step (a duplicate check scanning every earlier entry, a
 * schema validator revisiting earlier content) costs a hundred times and
 * more (130 times before the loader was made linear). */
START_TEST(test_load_linear)
{
    char *small = scaled_config(3500, 350, 1), *large = scaled_config(35000, 3500, 1);
    double t_small = 1e9, t_large = 1e9;

    /* The best of five, taken in turns so that a busy moment of the
     * machine does not fall on one size only. */
    for (int r = 0; r < 5; r++) {
        t_small = load_seconds(small, t_small);
        t_large = load_seconds(large, t_large);
    }
    ck_assert_msg(t_large < 40 * t_small, "3,500 users: %.3f s, 35,000 users: %.3f s (x%.1f)",
                  t_small, t_large, t_large / t_small);
    free(small);
    free(large);
}
END_TEST

/* One incoming connector with `rules` rules in its access list, and one
 * user with as many <allow> entries.  Returns a malloc'd string. */
static char *long_lists_config(int rules)
{
    size_t cap = (size_t)rules * 100 + 512, used = 0;
    char *text = malloc(cap);

    ck_assert_ptr_nonnull(text);
#define PUT(...) (used += (size_t)snprintf(text + used, cap - used, __VA_ARGS__))
    PUT("<emgdiag>\n  <logs dir=\"/x\"/>\n");
    PUT("  <connector name=\"in\" type=\"incoming\" opensmppbox-id=\"osb\">\n    <access>\n");
    for (int k = 0; k < rules; k++)
        PUT("<%s address=\"10.%d.%d.0/24\"/>\n", k % 2 ? "deny" : "allow", k / 256 % 256, k % 256);
    PUT("    </access>\n  </connector>\n  <users>\n    <user system-id=\"u\">\n");
    for (int k = 0; k < rules; k++)
        PUT("<allow connector=\"in\" address=\"10.%d.%d.0/24\"/>\n", k / 256 % 256, k % 256);
    PUT("    </user>\n  </users>\n</emgdiag>\n");
#undef PUT
    ck_assert_uint_lt(used, cap);
    return text;
}

/* Long lists inside one element grow linearly too (libxml2 once validated
 * an access list in quadratic time: module/emgdiag.rng says why). */
START_TEST(test_long_lists_linear)
{
    char *small = long_lists_config(4000), *large = long_lists_config(40000);
    double t_small = 1e9, t_large = 1e9;

    for (int r = 0; r < 5; r++) {
        t_small = load_seconds(small, t_small);
        t_large = load_seconds(large, t_large);
    }
    ck_assert_msg(t_large < 40 * t_small, "4,000 rules: %.3f s, 40,000 rules: %.3f s (x%.1f)",
                  t_small, t_large, t_large / t_small);
    free(small);
    free(large);
}
END_TEST

/* CPU seconds for `lookups` lookups of users of `cfg` and as many of
 * absent system_ids. */
static double lookup_seconds(const struct emg_config *cfg, int lookups)
{
    char id[32];
    double t0 = cpu_seconds();
    long found = 0;

    for (int k = 0; k < lookups; k++) {
        snprintf(id, sizeof(id), "user%07d", (int)((unsigned)k * 7919u % (unsigned)cfg->n_users));
        found += emg_config_user(cfg, id) != NULL;
        snprintf(id, sizeof(id), "nobody%07d", k);
        found += emg_config_user(cfg, id) != NULL;
    }
    ck_assert_int_eq(found, lookups);
    return cpu_seconds() - t0;
}

/* emg_config_user() runs on every bind, emg_config_connector() on every
 * PDU: their cost must not grow with the number of entries. */
START_TEST(test_lookup_constant)
{
    char *small_text = scaled_config(1000, 10, 0), *large_text = scaled_config(100000, 1000, 0);
    struct emg_config *small = emg_config_load_buffer_flags(small_text, strlen(small_text), "s.xml",
                                                            NULL, EMG_CONFIG_NO_FILESYSTEM);
    struct emg_config *large = emg_config_load_buffer_flags(large_text, strlen(large_text), "l.xml",
                                                            NULL, EMG_CONFIG_NO_FILESYSTEM);
    double t_small, t_large;

    ck_assert_ptr_nonnull(small);
    ck_assert_ptr_nonnull(large);
    ck_assert_uint_eq(large->n_users, 100000);
    /* every entry is found where it is, by each of the lookups */
    for (size_t k = 0; k < large->n_users; k++)
        ck_assert_ptr_eq(emg_config_user(large, large->users[k].system_id), &large->users[k]);
    for (size_t k = 0; k < large->n_connectors; k++) {
        const struct emg_connector *c = &large->connectors[k];
        ck_assert_ptr_eq(emg_config_connector(large, c->name), c);
        if (c->type == EMG_CONN_OUTGOING)
            ck_assert_ptr_eq(emg_config_outgoing(large, c->smsc_id), c);
        else
            ck_assert_ptr_eq(emg_config_incoming(large, c->opensmppbox_id), c);
    }
    ck_assert_ptr_null(emg_config_outgoing(large, "osb1"));
    ck_assert_ptr_null(emg_config_incoming(large, "smsc1"));
    ck_assert_ptr_null(emg_config_connector(large, "in1000"));
    t_small = lookup_seconds(small, 100000);
    t_large = lookup_seconds(large, 100000);
    /* 100 times the users; a scan would cost about 100 times as much */
    ck_assert_msg(t_large < 25 * t_small, "1,000 users: %.3f s, 100,000 users: %.3f s (x%.1f)",
                  t_small, t_large, t_large / t_small);
    emg_config_free(small);
    emg_config_free(large);
    free(small_text);
    free(large_text);
}
END_TEST

/* Many threads reading one loaded configuration at once. */
static void *decide_many(void *arg)
{
    const struct emg_config *cfg = arg;
    const struct emg_connector *in = emg_config_connector(cfg, "smpp-in");
    char why[128];
    long bad = 0;

    for (int k = 0; k < 20000; k++) {
        bad += emg_access_connect(in, "192.0.2.66", why, sizeof(why)) != 0;
        bad += emg_access_connect(in, "192.0.2.67", why, sizeof(why)) != 1;
        bad += emg_access_login(cfg, in, "client1", "203.0.113.5", why, sizeof(why)) != 1;
    }
    return (void *)bad;
}

START_TEST(test_concurrent_readers)
{
    struct emg_config *cfg = load_ok(example);
    pthread_t threads[8];

    for (int k = 0; k < 8; k++)
        ck_assert_int_eq(pthread_create(&threads[k], NULL, decide_many, cfg), 0);
    for (int k = 0; k < 8; k++) {
        void *bad;
        pthread_join(threads[k], &bad);
        ck_assert_ptr_null(bad);
    }
    emg_config_free(cfg);
}
END_TEST

/* <database>: its values, and its defaults (docs/configuration.md). */
START_TEST(test_database)
{
    struct emg_config *cfg;

    cfg = load_ok("<emgdiag><logs dir=\"/tmp\"/></emgdiag>");
    ck_assert_ptr_null(cfg->database);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/tmp\"/>"
                  "<database type=\"sqlite\" file=\"/var/lib/e.db\"/></emgdiag>");
    ck_assert_ptr_nonnull(cfg->database);
    ck_assert_int_eq(cfg->database->type, EMG_DB_SQLITE);
    ck_assert_str_eq(cfg->database->file, "/var/lib/e.db");
    ck_assert_ptr_null(cfg->database->node);
    ck_assert_int_eq(cfg->database->keep_days, 0);
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><database type=\"sqlite\" file=\"e.db\" node=\"gw-7\" "
                  "keep-days=\"30\"/><logs dir=\"/tmp\"/></emgdiag>");
    ck_assert_str_eq(cfg->database->node, "gw-7");
    ck_assert_int_eq(cfg->database->keep_days, 30);
    emg_config_free(cfg);
#ifdef HAVE_PGSQL
    cfg = load_ok("<emgdiag><logs dir=\"/tmp\"/><database type=\"pgsql\" "
                  "conninfo=\"host=/run/pg dbname=emg user=e\" password-file=\"/etc/e.pw\"/>"
                  "</emgdiag>");
    ck_assert_int_eq(cfg->database->type, EMG_DB_PGSQL);
    ck_assert_str_eq(cfg->database->conninfo, "host=/run/pg dbname=emg user=e");
    ck_assert_str_eq(cfg->database->password_file, "/etc/e.pw");
    ck_assert_ptr_null(cfg->database->file);
    emg_config_free(cfg);
#endif
#ifdef HAVE_MYSQL
    /* the attributes become one mysql:// URI, every octet outside
     * [A-Za-z0-9._~-] %-escaped (db_mysql.h reads it back) */
    cfg = load_ok("<emgdiag><logs dir=\"/tmp\"/><database type=\"mysql\" host=\"db.example.net\" "
                  "port=\"3307\" user=\"e@x\" database=\"emg/1\" socket=\"/run/my sql.sock\" "
                  "password-file=\"/etc/e.pw\"/></emgdiag>");
    ck_assert_int_eq(cfg->database->type, EMG_DB_MYSQL);
    ck_assert_str_eq(cfg->database->conninfo,
                     "mysql://e%40x@db.example.net:3307/emg%2F1?socket=%2Frun%2Fmy%20sql.sock");
    ck_assert_str_eq(cfg->database->password_file, "/etc/e.pw");
    emg_config_free(cfg);
    cfg = load_ok("<emgdiag><logs dir=\"/tmp\"/><database type=\"mysql\" database=\"emg\"/>"
                  "</emgdiag>");
    ck_assert_str_eq(cfg->database->conninfo, "mysql:///emg");
    ck_assert_ptr_null(cfg->database->password_file);
    emg_config_free(cfg);
#endif
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *load = tcase_create("load");
    TCase *errors = tcase_create("errors");
    TCase *decide = tcase_create("decide");
    TCase *growth = tcase_create("growth");

    tcase_add_checked_fixture(load, make_tmpdir, remove_tmpdir);
    tcase_add_checked_fixture(errors, make_tmpdir, remove_tmpdir);
    tcase_add_checked_fixture(decide, make_tmpdir, remove_tmpdir);
    tcase_add_test(load, test_example_fields);
    tcase_add_test(load, test_only_logs_defaults);
    tcase_add_test(load, test_database);
    tcase_add_test(load, test_pdu_value_max);
    tcase_add_test(load, test_rotation_attrs);
    tcase_add_test(load, test_utf8_and_declared_encoding);
    tcase_add_test(load, test_name_64_octets);
    tcase_add_test(load, test_buffer_load_same_rules);
    tcase_add_loop_test(errors, test_bad_config, 0,
                        (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
    tcase_add_test(errors, test_all_errors_reported);
    tcase_add_test(errors, test_error_cap);
    tcase_add_test(errors, test_missing_file);
    tcase_add_test(errors, test_log_dir_usable);
    tcase_add_test(errors, test_log_dir_buffer);
    tcase_add_test(errors, test_big_line_errors);
    tcase_add_test(errors, test_big_line_parser_error);
    tcase_add_test(decide, test_big_line_rules);
    tcase_add_test(decide, test_connect_decisions);
    tcase_add_test(decide, test_login_decisions);
    tcase_add_test(decide, test_users_default_deny);
    tcase_add_test(decide, test_concurrent_readers);
    suite_add_tcase(s, load);
    suite_add_tcase(s, errors);
    /* The old quadratic loader needs minutes here: fail on the ratio, not
     * on Check's 4-second default. */
    tcase_set_timeout(growth, 300);
    tcase_add_test(growth, test_load_linear);
    tcase_add_test(growth, test_long_lists_linear);
    tcase_add_test(growth, test_lookup_constant);
    suite_add_tcase(s, decide);
    suite_add_tcase(s, growth);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
