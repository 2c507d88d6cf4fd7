/*
 * config: the emgdiag XML configuration, loaded, checked and queried.
 *
 * emg_config_load() parses the file with libxml2 (no network, no DTD, no
 * entity expansion, no XInclude; a DOCTYPE is refused), validates it against
 * the RELAX NG schema compiled into the module (module/emgdiag.rng), then
 * checks what the schema cannot: names, address syntax, duplicates, cross
 * references, values no Kannel box could use, the log directory.  Every problem becomes one "FILE:LINE: message" string; any
 * problem means no configuration at all (fail closed).  A loaded
 * configuration is never modified, so any number of threads may query it;
 * a reload builds a new one and the caller swaps pointers.
 */
#ifndef EMGDIAG_CONFIG_H
#define EMGDIAG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "name_index.h"

enum emg_conn_type { EMG_CONN_OUTGOING = 1, EMG_CONN_INCOMING = 2 };
enum emg_format { EMG_FMT_INHERIT = 0, EMG_FMT_EMG = 1, EMG_FMT_JSON = 2, EMG_FMT_BOTH = 3 };

struct emg_connector {
    char *name;
    int type;                 /* enum emg_conn_type */
    char *smsc_id;            /* outgoing only, else NULL */
    char *opensmppbox_id;     /* incoming only, else NULL */
    int format;               /* enum emg_format; EMG_FMT_INHERIT = the <logs> format */
    int pdu_log;              /* 1 on (default), 0 off */
    int login_failure_status; /* 14 (default) or 13; incoming only */
    int has_access;           /* an <access> element is present (even empty) */
    struct acl_list access;
    int line;
};

/* One <allow> of a <user>. */
struct emg_user_allow {
    char *connector;      /* connector name, or NULL for "*" */
    struct acl_rule rule; /* action is always ACL_ALLOW */
};

struct emg_user {
    char *system_id;
    struct emg_user_allow *allows;
    size_t n_allows;
    int line;
};

/* A <metrics> element (docs/metrics.md): the metrics of one box process. */
enum emg_metrics_box { EMG_METRICS_BEARERBOX = 1, EMG_METRICS_OPENSMPPBOX = 2 };

/* Most series of one metric family, unless `max-series` says otherwise. */
#define EMG_METRICS_DEFAULT_MAX_SERIES 10000u
/* Seconds between two writes of the textfile, unless `interval` says. */
#define EMG_METRICS_DEFAULT_INTERVAL 15

struct emg_metrics {
    int box;              /* enum emg_metrics_box */
    char *opensmppbox_id; /* opensmppbox only: the process it applies to; NULL: any */
    char *listen;         /* "IPv4:port" or "[IPv6]:port", checked; NULL: no endpoint */
    char *textfile;       /* path of the .prom file; NULL: none */
    int interval;         /* seconds between textfile writes, 1-3600 */
    int session_info;     /* 0: session-info="off" (no peer, no system_id labels) */
    unsigned max_series;  /* per family */
    int line;
};

/* The <database> element (docs/database.md): where every box process that
 * reads the file also writes its rows.  SQLite is always built, PostgreSQL
 * when configure found libpq, MariaDB/MySQL when it found MariaDB
 * Connector/C; the loader refuses a back-end this build lacks with one
 * line. */
enum emg_db_type { EMG_DB_SQLITE = 1, EMG_DB_PGSQL = 2, EMG_DB_MYSQL = 3 };

/* Days of rows kept, unless `keep-days` says (0: kept for ever). */
#define EMG_DB_DEFAULT_KEEP_DAYS 0

struct emg_database {
    int type;            /* enum emg_db_type */
    char *file;          /* sqlite: the database file */
    char *conninfo;      /* pgsql: libpq's conninfo or URI, without a password;
                            mysql: the mysql:// URI built from host, port, user,
                            database and socket (db_mysql.h) */
    char *password_file; /* pgsql, mysql: the password's file, or NULL (PGPASSWORD,
                            MYSQL_PWD) */
    char *node;          /* the rows' node: `node=`, else the host name */
    int keep_days;       /* 0: rows are never deleted */
    int line;
};

struct emg_config {
    char *file; /* the path as given; rules point into it */
    char *log_dir;
    int utc;              /* timezone="utc" */
    int passwords_clear;  /* passwords="clear" */
    int format;           /* EMG_FMT_EMG (default), _JSON or _BOTH */
    size_t pdu_value_max; /* octets of a value before it is cut; 0: never */
    int message_log;      /* 1 (default): message lines where the pdu log is on */
    unsigned long long rotate_size; /* <logs rotate-size> in octets; 0: no size rotation */
    unsigned keep;                  /* <logs keep>: rotated files kept per file */
    int compress;                   /* <logs compress="gzip"> */
    uint32_t *pdu_skip;   /* command ids not written to pdu logs */
    size_t n_pdu_skip;
    struct emg_connector *connectors;
    size_t n_connectors;
    struct emg_user *users;
    size_t n_users;
    int users_line;         /* line of <users>, 0 when absent */
    int users_default_deny; /* <users default="deny"> */
    /* Positions in `connectors` by name, by smsc-id (outgoing connectors),
     * by opensmppbox-id (incoming ones), and in `users` by system-id: the
     * lookups below read these, in constant time. */
    struct name_index by_name;
    struct name_index by_smsc_id;
    struct name_index by_osb_id;
    struct name_index by_system_id;
    struct emg_metrics *metrics; /* the <metrics> elements, one per box process */
    size_t n_metrics;
    struct emg_database *database; /* the <database>, or NULL */
};

struct emg_errors {
    char **msgs; /* each "FILE:LINE: message" */
    size_t n;
};

/* The RELAX NG schema, NUL-terminated (generated from module/emgdiag.rng). */
extern const char emgdiag_rng[];

/* <logs pdu-value-max>: the default, and the range of other values than 0. */
#define EMG_PDU_VALUE_DEFAULT 1024
#define EMG_PDU_VALUE_MIN 16
#define EMG_PDU_VALUE_MAX 1048576

/* <logs rotate-size>: the smallest size accepted (16K), the largest (1T). */
#define EMG_ROTATE_SIZE_MIN (16ull * 1024)
#define EMG_ROTATE_SIZE_MAX (1024ull * 1024 * 1024 * 1024)

/* Most problems one load reports; past it, one last line says so. */
#define EMG_CONFIG_MAX_ERRORS 100
/* Longest connector name, in octets (docs/configuration.md). */
#define EMG_CONNECTOR_NAME_MAX 64
/* Largest configuration file read. */
#define EMG_CONFIG_MAX_SIZE (4u * 1024u * 1024u)

/* Flags of emg_config_load_buffer_flags(). */
#define EMG_CONFIG_NO_FILESYSTEM 0x1u /* leave the log directory unchecked */

/* NULL when there is any error; `errs` (may be NULL) then lists them all.
 * `errs` must be zeroed or freed before the call; it is appended to.  The
 * log directory is checked as the box will use it (logdir.h), without
 * creating anything. */
struct emg_config *emg_config_load(const char *path, struct emg_errors *errs);
/* The same, from a buffer; `name` stands for the file in messages. */
struct emg_config *emg_config_load_buffer(const char *buf, size_t len, const char *name,
                                          struct emg_errors *errs);
/* emg_config_load_buffer() with `flags`: EMG_CONFIG_NO_FILESYSTEM for a
 * caller that must not look at the disk (a fuzz target, a benchmark). */
struct emg_config *emg_config_load_buffer_flags(const char *buf, size_t len, const char *name,
                                                struct emg_errors *errs, unsigned flags);
void emg_config_free(struct emg_config *c);
void emg_errors_free(struct emg_errors *e);

const struct emg_connector *emg_config_connector(const struct emg_config *c, const char *name);
const struct emg_connector *emg_config_outgoing(const struct emg_config *c, const char *smsc_id);
const struct emg_connector *emg_config_incoming(const struct emg_config *c, const char *osb_id);
const struct emg_user *emg_config_user(const struct emg_config *c, const char *system_id);
int emg_config_pdu_skipped(const struct emg_config *c, uint32_t command_id);
/* The <metrics> of a box process (`box`: enum emg_metrics_box; `box_id`: an
 * opensmppbox's opensmppbox-id, or NULL): the element naming that id, else
 * the one of that box without an id; NULL when metrics are off for it. */
const struct emg_metrics *emg_config_metrics(const struct emg_config *c, int box,
                                             const char *box_id);
/* Parses a `listen` value: an IPv4 address or a bracketed IPv6 address, ':'
 * and a port 1-65535.  0 with the address (text, no brackets) and the port
 * filled; -1 with the reason in why. */
int emg_metrics_parse_listen(const char *listen, char *addr, size_t addrlen, int *port, char *why,
                             size_t whylen);

#endif
