/*
 * sink_db.c: log lines as database rows, on a thread of their own (see
 * sink_db.h).
 *
 * The tap runs on the SMPP threads: it copies the two forms of a line into
 * one allocation and appends it to the queue under a lock held only for
 * that, or counts it as dropped.  Everything else happens on the
 * emgdiag-db thread: connecting (with back-off), creating or upgrading the
 * schema, parsing the twins, inserting, reporting drops, retention.
 */
#include "sink_db.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "db_sqlite.h"
#include "deadline.h"
#include "dispatch.h"
#include "sbuf.h"
#include "sink_file.h"

/* The most octets of row values kept from one batch for the next: a
 * batch of 2,000 pdu rows needs about 4 MiB. */
#define STORE_KEEP (16u << 20)

/* Seconds between two retention rounds (bearerbox only). */
#define EXPIRE_EVERY_S 60

/* A line waiting for the database: its forms follow the struct. */
struct item {
    struct item *next;
    int table;
    int instance;
    unsigned long session;
    size_t text_len, json_len;
    char *text, *json; /* into data[] */
    char data[];
};

struct db_sink {
    struct emg_sink base;
    struct db_target target; /* points at file, conninfo, password_file */
    char *file;
    char *conninfo;
    char *password_file;
    char *node;
    char *box;
    int keep_days;
    int expire; /* this process deletes old rows */
    char session_prefix[48]; /* "<started>.<pid>." of every session id */
    size_t session_prefix_len;
    void (*host_log)(const char *line);

    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    struct item *head, *tail;
    size_t queued;
    int stop;
    struct timespec stop_by; /* when stop: the deadline */
    int finished;            /* the thread has ended */
    int orphaned;            /* close gave up: the thread frees the sink */
    pthread_t thread;

    /* The thread's own. */
    struct db *db;
    long retry_ms;
    struct timespec next_try;
    unsigned long long reported; /* drops already in a general line */
    char reason[512];            /* why rows were last dropped */
    char *store;                 /* the values of a batch's rows (write_batch) */
    size_t store_cap;
    time_t last_expire;
};

static atomic_ullong rows_dropped;
static atomic_int configured;

int db_sink_configured(void)
{
    return atomic_load(&configured);
}

unsigned long long db_sink_dropped(void)
{
    return atomic_load_explicit(&rows_dropped, memory_order_relaxed);
}

static void count_drops(unsigned long long n)
{
    atomic_fetch_add_explicit(&rows_dropped, n, memory_order_relaxed);
}

/* ---- the tap: SMPP threads ---- */

static void on_line(void *ctx, const struct file_sink_line *l)
{
    struct db_sink *ds = ctx;
    struct item *it;

    int table = l->log == FILE_LOG_MESSAGE ? DB_MESSAGELOG : l->log;

    if (l->text == NULL || table < 0 || table >= DB_TABLES || l->log == FILE_LOG_GENERAL) {
        count_drops(1);
        return;
    }
    it = emg_malloc(sizeof(*it) + l->text_len + l->json_len + 2);
    if (it == NULL) {
        count_drops(1);
        return;
    }
    it->next = NULL;
    it->table = table;
    it->instance = l->instance;
    it->session = l->session;
    it->text = it->data;
    it->text_len = l->text_len;
    memcpy(it->text, l->text, l->text_len);
    it->text[l->text_len] = '\0';
    it->json = it->data + l->text_len + 1;
    it->json_len = l->json_len;
    memcpy(it->json, l->json, l->json_len);
    it->json[l->json_len] = '\0';
    pthread_mutex_lock(&ds->lock);
    if (ds->queued >= DB_QUEUE_MAX || ds->stop) {
        pthread_mutex_unlock(&ds->lock);
        emg_free(it);
        count_drops(1);
        return;
    }
    if (ds->tail != NULL)
        ds->tail->next = it;
    else
        ds->head = it;
    ds->tail = it;
    if (++ds->queued == DB_BATCH_MAX)
        pthread_cond_signal(&ds->wake);
    pthread_mutex_unlock(&ds->lock);
}

/* ---- the thread ---- */

/* A notice in `general` (dispatched like any event). */
static void notice(const char *level, const char *event, const char *k1, const char *v1,
                   const char *k2, const char *v2)
{
    struct emg_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = EMG_EV_GENERAL;
    ev.instance = -1;
    ev.u.general.level = level;
    ev.u.general.event = event;
    ev.u.general.keys[0] = k1;
    ev.u.general.values[0] = v1;
    ev.u.general.keys[1] = k2;
    ev.u.general.values[1] = v2;
    ev.u.general.n = k2 != NULL ? 2 : 1;
    dispatch_event(&ev, NULL);
}

static int past(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void free_items(struct item *it)
{
    while (it != NULL) {
        struct item *next = it->next;

        emg_free(it);
        it = next;
    }
}

static void lose(struct db_sink *ds, struct item *it, size_t n, const char *why)
{
    count_drops(n);
    if (why != ds->reason)
        snprintf(ds->reason, sizeof(ds->reason), "%s", why);
    free_items(it);
}

/* Opens the database and makes its schema current; 0 when usable. */
static int connect_db(struct db_sink *ds)
{
    char err[400];

    if (ds->db != NULL)
        return 0;
    if (!past(&ds->next_try))
        return -1;
    ds->db = db_open(&ds->target, 1, err, sizeof(err));
    if (ds->db != NULL && db_schema(ds->db, NULL, err, sizeof(err)) != 0) {
        db_close(ds->db);
        ds->db = NULL;
    }
    if (ds->db == NULL) {
        snprintf(ds->reason, sizeof(ds->reason), "%s", err);
        ds->next_try = emg_deadline_in((int)ds->retry_ms);
        ds->retry_ms = ds->retry_ms * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS : ds->retry_ms * 2;
        return -1;
    }
    ds->retry_ms = DB_RETRY_FIRST_MS;
    return 0;
}

/* Rows dropped since the last report, in one `general` line, once writing
 * works again. */
static void report_drops(struct db_sink *ds)
{
    unsigned long long total = db_sink_dropped();
    char count[32];

    if (total == ds->reported)
        return;
    snprintf(count, sizeof(count), "%llu", total - ds->reported);
    ds->reported = total;
    notice("WARN", "DATABASE ROWS DROPPED", "count", count, "reason",
           ds->reason[0] != '\0' ? ds->reason : "queue full");
    ds->reason[0] = '\0';
}

static void write_batch(struct db_sink *ds, struct item *items, size_t n)
{
    struct db_row *rows = emg_calloc(n, sizeof(*rows));
    const char **sessions = emg_calloc(n, sizeof(*sessions));
    char (*sess)[64] = emg_malloc(n * 64);
    char err[400], why[100], *store = NULL;
    size_t nr = 0, store_len = 0, used = 0;
    struct item *it;

    /* The rows' values go into one buffer, kept from batch to batch (not
     * an allocation a row: docs/performance.md). */
    for (it = items; it != NULL; it = it->next)
        store_len += DB_ROW_STORE(it->json_len, it->text_len);
    if (store_len > ds->store_cap) {
        emg_free(ds->store);
        ds->store_cap = store_len;
        if ((ds->store = emg_malloc(store_len)) == NULL)
            ds->store_cap = 0;
    }
    store = ds->store;
    if (rows == NULL || sessions == NULL || sess == NULL || store == NULL) {
        emg_free(rows);
        emg_free(sessions);
        emg_free(sess);
        lose(ds, items, n, "out of memory");
        return;
    }
    if (connect_db(ds) != 0) {
        lose(ds, items, n, ds->reason);
        goto out;
    }
    for (it = items; it != NULL; it = it->next) {
        char *at = store + used;

        used += DB_ROW_STORE(it->json_len, it->text_len);
        if (db_row_parse_into(it->table, it->json, it->json_len, it->text, it->text_len,
                              &rows[nr], at, why, sizeof(why)) != 0) {
            count_drops(1);
            snprintf(ds->reason, sizeof(ds->reason), "a line not understood: %s", why);
            continue;
        }
        if (it->session != 0) {
            /* "<started>.<pid>.<session>" (docs/database.md): the prefix
             * made once, the number without a printf; at most 60 octets,
             * so it stays in sess[nr] */
            struct sbuf id = SBUF_ON(sess[nr]);

            sbuf_putn(&id, ds->session_prefix, ds->session_prefix_len);
            sbuf_put_uint(&id, it->session);
            sessions[nr] = sess[nr];
        }
        nr++;
    }
    if (db_insert(ds->db, ds->node, ds->box, rows, sessions, nr, err, sizeof(err)) < 0) {
        count_drops(nr);
        snprintf(ds->reason, sizeof(ds->reason), "%s", err);
        db_close(ds->db);
        ds->db = NULL;
        ds->next_try = emg_deadline_in((int)ds->retry_ms);
    } else {
        report_drops(ds);
    }
    free_items(items);
out:
    if (ds->store_cap > STORE_KEEP) { /* a batch of unusually long lines */
        emg_free(ds->store);
        ds->store = NULL;
        ds->store_cap = 0;
    }
    emg_free(rows);
    emg_free(sessions);
    emg_free(sess);
}

/* Bearerbox's retention round: old rows of this node, a batch at a time. */
static void expire_rows(struct db_sink *ds)
{
    time_t now = time(NULL);
    char err[512];
    long n;
    int rounds = 0;

    if (!ds->expire || ds->keep_days <= 0 || ds->db == NULL ||
        now - ds->last_expire < EXPIRE_EVERY_S)
        return;
    ds->last_expire = now;
    do {
        n = db_expire(ds->db, ds->node, ((int64_t)now - (int64_t)ds->keep_days * 86400) *
                                                   1000000,
                             DB_EXPIRE_BATCH, err, sizeof(err));
    } while (n >= DB_EXPIRE_BATCH && ++rounds < 100);
}

static void db_sink_free(struct db_sink *ds)
{
    free_items(ds->head);
    db_close(ds->db);
    pthread_mutex_destroy(&ds->lock);
    pthread_cond_destroy(&ds->wake);
    pthread_cond_destroy(&ds->done);
    emg_free(ds->file);
    emg_free(ds->conninfo);
    emg_free(ds->password_file);
    emg_free(ds->node);
    emg_free(ds->box);
    emg_free(ds->store);
    emg_free(ds);
}

/* The thread yields the CPU to the SMPP threads: its nice value is
 * DB_NICE_STEP above the process's (at most 19), so on a machine that has
 * no CPU to spare the traffic goes first and the rows wait in the queue
 * (docs/database.md, "Writing").  Linux gives each thread its own nice
 * value; a failure leaves the thread as it was. */
static void lower_priority(void)
{
    id_t tid = (id_t)syscall(SYS_gettid);
    int now;

    errno = 0;
    now = getpriority(PRIO_PROCESS, tid);
    if (now == -1 && errno != 0)
        return;
    (void)setpriority(PRIO_PROCESS, tid, now + DB_NICE_STEP > 19 ? 19 : now + DB_NICE_STEP);
}

static void *db_thread(void *arg)
{
    struct db_sink *ds = arg;
    struct item *batch;
    size_t n;
    int stopping, orphaned;

    lower_priority();

    for (;;) {
        struct timespec flush_at = emg_deadline_in(DB_FLUSH_MS);

        pthread_mutex_lock(&ds->lock);
        while (!ds->stop && ds->queued < DB_BATCH_MAX &&
               pthread_cond_timedwait(&ds->wake, &ds->lock, &flush_at) == 0)
            ;
        stopping = ds->stop;
        if (stopping && past(&ds->stop_by)) {
            /* out of time: what is left is lost */
            n = ds->queued;
            batch = ds->head;
            ds->head = ds->tail = NULL;
            ds->queued = 0;
            pthread_mutex_unlock(&ds->lock);
            count_drops(n);
            free_items(batch);
            break;
        }
        batch = ds->head;
        {
            struct item *last = NULL;

            for (n = 0; n < DB_BATCH_MAX && ds->head != NULL; n++) {
                last = ds->head;
                ds->head = ds->head->next;
            }
            if (last != NULL)
                last->next = NULL;
        }
        if (ds->head == NULL)
            ds->tail = NULL;
        ds->queued -= n;
        pthread_mutex_unlock(&ds->lock);
        if (n > 0)
            write_batch(ds, batch, n);
        else if (!stopping)
            connect_db(ds); /* reconnect (and report) while idle too */
        if (n == 0 && !stopping && ds->db != NULL)
            report_drops(ds);
        expire_rows(ds);
        if (stopping && n == 0)
            break;
    }
    pthread_mutex_lock(&ds->lock);
    ds->finished = 1;
    orphaned = ds->orphaned;
    pthread_cond_broadcast(&ds->done);
    pthread_mutex_unlock(&ds->lock);
    if (orphaned)
        db_sink_free(ds);
    return NULL;
}

/* ---- the sink's operations ---- */

static void ds_on_event(struct emg_sink *s, const struct emg_event *ev, void **slot)
{
    (void)s;
    (void)ev;
    (void)slot;
}

static void ds_flush(struct emg_sink *s)
{
    struct db_sink *ds = (struct db_sink *)s;

    pthread_mutex_lock(&ds->lock);
    pthread_cond_signal(&ds->wake);
    pthread_mutex_unlock(&ds->lock);
}

static void ds_reopen(struct emg_sink *s)
{
    (void)s; /* nothing to reopen; async-signal-safe by doing nothing */
}

static void ds_close(struct emg_sink *s, int timeout_ms)
{
    struct db_sink *ds = (struct db_sink *)s;
    struct timespec deadline = emg_deadline_in(timeout_ms);
    unsigned long long lost;
    char line[640];
    int finished;

    pthread_mutex_lock(&ds->lock);
    ds->stop = 1;
    ds->stop_by = deadline;
    pthread_cond_signal(&ds->wake);
    while (!ds->finished && pthread_cond_timedwait(&ds->done, &ds->lock, &deadline) == 0)
        ;
    finished = ds->finished;
    if (!finished)
        ds->orphaned = 1;
    pthread_mutex_unlock(&ds->lock);
    lost = db_sink_dropped() - ds->reported;
    if (lost > 0 && ds->host_log != NULL) {
        snprintf(line, sizeof(line),
                 "emgdiag: %llu database rows dropped%s%s%s", lost,
                 finished ? "" : " (the database did not answer in time)",
                 ds->reason[0] != '\0' ? ": " : "", ds->reason);
        ds->host_log(line);
    }
    if (finished) {
        pthread_join(ds->thread, NULL);
        db_sink_free(ds);
    } else {
        pthread_detach(ds->thread); /* it frees ds when it ends */
    }
}

static const struct emg_sink_ops db_sink_ops = {
    .name = "database",
    .on_event = ds_on_event,
    .flush = ds_flush,
    .reopen = ds_reopen,
    .check = NULL,
    .reload = NULL,
    .close = ds_close,
};

int db_sink_add(const struct emg_config *cfg, struct emg_sink *files, const char *process,
                void (*host_log)(const char *line), char *err, size_t errlen)
{
    const struct emg_database *d = cfg->database;
    struct db_sink *ds;
    char host[256];
    sigset_t all, old;
    int rc;

    atomic_store(&rows_dropped, 0ull);
    atomic_store(&configured, d != NULL);
    if (d == NULL)
        return 0;
    if ((ds = emg_calloc(1, sizeof(*ds))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (d->node == NULL && (gethostname(host, sizeof(host)) != 0 || host[0] == '\0'))
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    ds->base.ops = &db_sink_ops;
    ds->target.type = d->type;
    ds->file = d->file != NULL ? emg_strdup(d->file) : NULL;
    ds->conninfo = d->conninfo != NULL ? emg_strdup(d->conninfo) : NULL;
    ds->password_file = d->password_file != NULL ? emg_strdup(d->password_file) : NULL;
    ds->target.file = ds->file;
    ds->target.conninfo = ds->conninfo;
    ds->target.password_file = ds->password_file;
    ds->node = emg_strdup(d->node != NULL ? d->node : host);
    ds->box = emg_strdup(process);
    ds->keep_days = d->keep_days;
    ds->expire = strcmp(process, "bearerbox") == 0;
    ds->session_prefix_len = (size_t)snprintf(ds->session_prefix, sizeof(ds->session_prefix),
                                              "%ld.%ld.", (long)time(NULL), (long)getpid());
    ds->host_log = host_log;
    ds->retry_ms = DB_RETRY_FIRST_MS;
    clock_gettime(CLOCK_REALTIME, &ds->next_try);
    pthread_mutex_init(&ds->lock, NULL);
    pthread_cond_init(&ds->wake, NULL);
    pthread_cond_init(&ds->done, NULL);
    if ((d->file != NULL && ds->file == NULL) || (d->conninfo != NULL && ds->conninfo == NULL) ||
        (d->password_file != NULL && ds->password_file == NULL) || ds->node == NULL ||
        ds->box == NULL) {
        db_sink_free(ds);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (d->type == DB_TYPE_SQLITE)
        db_sqlite_setup(); /* here, before the thread: see db_sqlite.h */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&ds->thread, NULL, db_thread, ds);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        db_sink_free(ds);
        snprintf(err, errlen, "cannot start the database thread: %s", strerror(rc));
        return -1;
    }
    pthread_setname_np(ds->thread, "emgdiag-db");
    if (dispatch_add_sink(&ds->base) != 0) {
        ds_close(&ds->base, 0);
        snprintf(err, errlen, "too many sinks");
        return -1;
    }
    file_sink_set_tap(files, on_line, ds);
    return 0;
}
