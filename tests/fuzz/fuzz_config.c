/*
 * fuzz_config: libFuzzer target for the XML configuration loader.
 *
 * The input goes through emg_config_load_buffer_flags(), the very function
 * that emg_config_load() hands a file's contents to, without the look at
 * the log directory on disk (EMG_CONFIG_NO_FILESYSTEM: a fuzzer's paths
 * stay off the file system), so parsing, schema validation, the tree walk,
 * the name indexes and the error messages all see hostile input.  Every
 * message must start with the file name and a line number that exists in
 * the input.  A configuration that loads must keep the promises the loader
 * makes (unique names and ids found by their indexes, connector names of at
 * most 64 octets, no line breaks in ids, no white space around a
 * system-id), and is then queried the way the hooks query it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The line number of "fuzz.xml:LINE: ...", or -1 when the prefix is wrong. */
static long message_line(const char *msg)
{
    char *end;
    long line;

    if (strncmp(msg, "fuzz.xml:", 9) != 0 || msg[9] < '0' || msg[9] > '9')
        return -1;
    line = strtol(msg + 9, &end, 10);
    return strncmp(end, ": ", 2) == 0 ? line : -1;
}

static int one_line(const char *s)
{
    return s == NULL || strpbrk(s, "\r\n") == NULL;
}

static void check_loaded(const struct emg_config *cfg)
{
    for (size_t i = 0; i < cfg->n_connectors; i++) {
        const struct emg_connector *c = &cfg->connectors[i];
        if (emg_config_connector(cfg, c->name) != c || strlen(c->name) > EMG_CONNECTOR_NAME_MAX)
            abort();
        if (c->type == EMG_CONN_OUTGOING && (emg_config_outgoing(cfg, c->smsc_id) != c ||
                                             emg_config_incoming(cfg, c->smsc_id) != NULL))
            abort();
        if (c->type == EMG_CONN_INCOMING && emg_config_incoming(cfg, c->opensmppbox_id) != c)
            abort();
        if (!one_line(c->smsc_id) || !one_line(c->opensmppbox_id))
            abort();
    }
    for (size_t u = 0; u < cfg->n_users; u++) {
        const char *id = cfg->users[u].system_id;
        size_t n = strlen(id);
        if (emg_config_user(cfg, id) != &cfg->users[u] || n == 0 || !one_line(id) || id[0] == ' ' ||
            id[0] == '\t' || id[n - 1] == ' ' || id[n - 1] == '\t')
            abort();
    }
    if (cfg->log_dir == NULL || !one_line(cfg->log_dir))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg;
    char why[256];
    long lines = 1;

    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    cfg = emg_config_load_buffer_flags((const char *)data, size, "fuzz.xml", &errs,
                                       EMG_CONFIG_NO_FILESYSTEM);
    if (cfg == NULL && errs.n == 0)
        abort(); /* a refusal always says why */
    for (size_t i = 0; i < errs.n; i++) {
        long line = message_line(errs.msgs[i]);
        /* libxml2 may name the line after the last one at the end of input */
        if (line < 0 || line > lines + 1 || strchr(errs.msgs[i], '\n') != NULL)
            abort();
    }
    emg_errors_free(&errs);
    if (cfg == NULL)
        return 0;
    check_loaded(cfg);
    for (size_t i = 0; i < cfg->n_connectors; i++) {
        const struct emg_connector *c = &cfg->connectors[i];
        (void)emg_access_connect(c, "192.0.2.66", why, sizeof(why));
        (void)emg_access_connect(c, "::ffff:198.51.100.7", why, sizeof(why));
        (void)emg_access_connect(c, "2001:db8::1", why, sizeof(why));
        for (size_t u = 0; u < cfg->n_users; u++)
            (void)emg_access_login(cfg, c, cfg->users[u].system_id, "203.0.113.5", why,
                                   sizeof(why));
    }
    (void)emg_access_login(cfg, NULL, "nobody", "::1", why, sizeof(why));
    (void)emg_config_pdu_skipped(cfg, 0x15);
    /* A loaded <metrics> names one process each, and its listen parses
     * again (the endpoint binds what the loader accepted). */
    for (size_t i = 0; i < cfg->n_metrics; i++) {
        const struct emg_metrics *m = &cfg->metrics[i];
        char addr[64];
        int port;

        if (emg_config_metrics(cfg, m->box, m->opensmppbox_id) != m ||
            (m->listen == NULL && m->textfile == NULL))
            abort();
        if (m->listen != NULL && (emg_metrics_parse_listen(m->listen, addr, sizeof(addr), &port,
                                                           why, sizeof(why)) != 0 ||
                                  port < 1 || port > 65535))
            abort();
    }
    emg_config_free(cfg);
    return 0;
}
