/*
 * fuzz_config: libFuzzer target for the XML configuration loader.
 *
 * The input goes through emg_config_load_buffer(), the very function that
 * emg_config_load() hands a file's contents to, so parsing, schema
 * validation, the tree walk and the error messages all see hostile input.
 * A configuration that loads is then queried the way the hooks query it.
 * Every message must start with the file name and a line number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg;
    char why[256];

    cfg = emg_config_load_buffer((const char *)data, size, "fuzz.xml", &errs);
    if (cfg == NULL && errs.n == 0)
        abort(); /* a refusal always says why */
    for (size_t i = 0; i < errs.n; i++) {
        if (strncmp(errs.msgs[i], "fuzz.xml:", 9) != 0 || strchr(errs.msgs[i], '\n') != NULL)
            abort();
    }
    emg_errors_free(&errs);
    if (cfg == NULL)
        return 0;
    for (size_t i = 0; i < cfg->n_connectors; i++) {
        const struct emg_connector *c = &cfg->connectors[i];
        (void)emg_access_connect(c, "192.0.2.66", why, sizeof(why));
        (void)emg_access_connect(c, "::ffff:198.51.100.7", why, sizeof(why));
        (void)emg_access_connect(c, "2001:db8::1", why, sizeof(why));
        for (size_t u = 0; u < cfg->n_users; u++)
            (void)emg_access_login(cfg, c, cfg->users[u].system_id, "203.0.113.5", why, sizeof(why));
        if (c->type == EMG_CONN_OUTGOING && emg_config_outgoing(cfg, c->smsc_id) != c)
            abort();
        if (c->type == EMG_CONN_INCOMING && emg_config_incoming(cfg, c->opensmppbox_id) != c)
            abort();
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
        if (m->listen != NULL &&
            (emg_metrics_parse_listen(m->listen, addr, sizeof(addr), &port, why, sizeof(why)) != 0 ||
             port < 1 || port > 65535))
            abort();
    }
    emg_config_free(cfg);
    return 0;
}
