/*
 * emgdiag-check: check an emgdiag XML configuration and explain access
 * decisions before the file is deployed.
 *
 *   emgdiag-check --config FILE
 *       exit 0 when the file loads; otherwise print every problem as
 *       FILE:LINE: message and exit 1.
 *   emgdiag-check --config FILE --connector NAME --address IP [--system-id ID]
 *       print "allow" or "deny" first, then what decided it, exactly as the
 *       module decides for a client arriving from IP on incoming connector
 *       NAME (and binding as ID); exit 0 allow, 1 deny.
 *
 * It calls the same loader and decision functions as the module, so what it
 * says is what the gateway will do.  Exit 2 means a usage error, or a file
 * that cannot be read (it cannot be opened, is a directory, or read(2)
 * fails part-way): the tool reads the file itself, so that such a file is
 * never reported as an invalid configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"

#include "tool_version.h"

#define EXIT_ALLOW_OR_VALID 0
#define EXIT_DENY_OR_INVALID 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fprintf(out,
            "usage: emgdiag-check --config FILE\n"
            "       emgdiag-check --config FILE --connector NAME --address IP [--system-id ID]\n"
            "\n"
            "Checks an emgdiag XML configuration (exit 0 valid, 1 invalid with every\n"
            "problem as FILE:LINE: message). With --connector and --address, prints\n"
            "\"allow\" or \"deny\" and the rule that decided (exit 0 allow, 1 deny) for a\n"
            "client arriving from IP on that incoming connector; --system-id also\n"
            "applies the login-time check for that account.\n"
            "\n"
            "  -c, --config FILE      the configuration file\n"
            "  -n, --connector NAME   an incoming connector of the file\n"
            "  -a, --address IP       client address (IPv4, IPv6, IPv4-mapped IPv6)\n"
            "  -s, --system-id ID     the system_id the client binds with\n"
            "  -h, --help             this text\n"
            "  -V, --version          the version\n"
            "Exit status 2: usage error, or FILE cannot be read.\n");
}

/* The whole file at path (at most EMG_CONFIG_MAX_SIZE + 1 octets: the
 * loader refuses more), or NULL after "emgdiag-check: PATH: strerror". */
static char *read_config(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;
    struct stat st;
    char *buf;
    ssize_t got;

    *len = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        e = errno;
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        e = EISDIR;
        goto fail;
    }
    buf = malloc(EMG_CONFIG_MAX_SIZE + 1);
    if (buf == NULL) {
        e = ENOMEM;
        goto fail;
    }
    while (*len < EMG_CONFIG_MAX_SIZE + 1 &&
           (got = read(fd, buf + *len, EMG_CONFIG_MAX_SIZE + 1 - *len)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            free(buf);
            goto fail;
        }
        *len += (size_t)got;
    }
    close(fd);
    return buf;

fail:
    if (fd >= 0)
        close(fd);
    fprintf(stderr, "emgdiag-check: %s: %s\n", path, strerror(e));
    return NULL;
}

static int explain(const struct emg_config *cfg, const char *connector_name, const char *address,
                   const char *system_id)
{
    const struct emg_connector *conn = emg_config_connector(cfg, connector_name);
    char connect_why[256], login_why[256];
    int connect_ok, login_ok;

    if (conn == NULL) {
        fprintf(stderr, "emgdiag-check: %s defines no connector \"%s\"\n", cfg->file,
                connector_name);
        return EXIT_USAGE;
    }
    if (conn->type != EMG_CONN_INCOMING) {
        fprintf(stderr,
                "emgdiag-check: connector \"%s\" is outgoing; access lists apply to incoming "
                "connectors\n",
                connector_name);
        return EXIT_USAGE;
    }
    connect_ok = emg_access_connect(conn, address, connect_why, sizeof(connect_why));
    if (system_id == NULL) {
        printf("%s %s\n", connect_ok ? "allow" : "deny", connect_why);
        return connect_ok ? EXIT_ALLOW_OR_VALID : EXIT_DENY_OR_INVALID;
    }
    login_ok = emg_access_login(cfg, conn, system_id, address, login_why, sizeof(login_why));
    if (!connect_ok)
        printf("deny connect: %s (login: %s %s)\n", connect_why, login_ok ? "allow" : "deny",
               login_why);
    else if (!login_ok)
        printf("deny login: %s (connect: allow %s)\n", login_why, connect_why);
    else
        printf("allow login: %s (connect: allow %s)\n", login_why, connect_why);
    return connect_ok && login_ok ? EXIT_ALLOW_OR_VALID : EXIT_DENY_OR_INVALID;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "config", required_argument, NULL, 'c' },
        { "connector", required_argument, NULL, 'n' },
        { "address", required_argument, NULL, 'a' },
        { "system-id", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *config = NULL, *connector = NULL, *address = NULL, *system_id = NULL;
    struct emg_errors errs = { NULL, 0 };
    struct emg_config *cfg;
    char *text;
    size_t len;
    int opt, rc;

    while ((opt = getopt_long(argc, argv, "c:n:a:s:hV", options, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'n': connector = optarg; break;
        case 'a': address = optarg; break;
        case 's': system_id = optarg; break;
        case 'h': usage(stdout); return EXIT_ALLOW_OR_VALID;
        case 'V': printf("emgdiag-check %s\n", EMGDIAG_VERSION); return EXIT_ALLOW_OR_VALID;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "emgdiag-check: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (config == NULL || (connector == NULL) != (address == NULL) ||
        (system_id != NULL && connector == NULL)) {
        fprintf(stderr, "emgdiag-check: %s\n",
                config == NULL ? "--config FILE is required"
                               : "--connector and --address go together (--system-id needs both)");
        usage(stderr);
        return EXIT_USAGE;
    }

    text = read_config(config, &len);
    if (text == NULL)
        return EXIT_USAGE;
    cfg = emg_config_load_buffer(text, len, config, &errs);
    free(text);
    if (cfg == NULL) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.msgs[i]);
        emg_errors_free(&errs);
        return EXIT_DENY_OR_INVALID;
    }
    emg_errors_free(&errs);
    if (connector == NULL) {
        printf("%s: OK\n", config);
        rc = EXIT_ALLOW_OR_VALID;
    } else {
        rc = explain(cfg, connector, address, system_id);
    }
    emg_config_free(cfg);
    return rc;
}
