/*
 * naming.c: connector names from Kannel ids, and incoming instance numbers
 * (see naming.h).
 *
 * The two small process-wide tables (names already reported as cut; the
 * instance numbers in use per incoming connector) are lists under one
 * mutex: they change when a session starts or ends, never per PDU.
 */
#include "naming.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

/* Octets of the encoded id kept when it must be cut: with '-' and 8 hex
 * digits the name is exactly EMG_NAME_MAX octets. */
#define NAME_KEEP (EMG_NAME_MAX - 9)

struct reported {
    struct reported *next;
    char name[];
};

struct instances {
    struct instances *next;
    unsigned char used[EMG_MAX_INCOMING_INSTANCES];
    char name[];
};

static pthread_mutex_t naming_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reported *reported;
static struct instances *instances;

static int plain_octet(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int naming_from_kannel_id(const char *id, char out[EMG_NAME_MAX + 1])
{
    static const char hex_upper[] = "0123456789ABCDEF";
    static const char hex_lower[] = "0123456789abcdef";
    const unsigned char *p;
    uint32_t h = 2166136261u; /* FNV-1a of the whole id */
    size_t len = 0, keep = 0;
    int i;

    for (p = (const unsigned char *)id; *p != '\0'; p++) {
        h = (h ^ *p) * 16777619u;
        /* Past EMG_NAME_MAX the name is cut: only its length matters. */
        if (plain_octet(*p)) {
            if (len < EMG_NAME_MAX)
                out[len] = (char)*p;
            len++;
        } else {
            if (len + 3 <= EMG_NAME_MAX) {
                out[len] = '%';
                out[len + 1] = hex_upper[*p >> 4];
                out[len + 2] = hex_upper[*p & 15];
            }
            len += 3;
        }
        /* The longest prefix that ends on an octet's boundary. */
        if (len <= NAME_KEEP)
            keep = len;
    }
    if (len == 0) {
        memcpy(out, "%00", 4); /* an empty id still needs a file name */
        return 0;
    }
    if (len <= EMG_NAME_MAX) {
        out[len] = '\0';
        return 0;
    }
    out[keep] = '-';
    for (i = 0; i < 8; i++)
        out[keep + 1 + (size_t)i] = hex_lower[h >> (28 - 4 * i) & 15];
    out[keep + 9] = '\0';
    return 1;
}

int naming_first_report(const char *name)
{
    struct reported *r;
    size_t n = strlen(name);
    int first = 0;

    pthread_mutex_lock(&naming_lock);
    for (r = reported; r != NULL && strcmp(r->name, name) != 0; r = r->next)
        ;
    if (r == NULL && (r = emg_malloc(sizeof(*r) + n + 1)) != NULL) {
        memcpy(r->name, name, n + 1);
        r->next = reported;
        reported = r;
        first = 1;
    }
    pthread_mutex_unlock(&naming_lock);
    return first;
}

/* The table of connector `name`, created on first use; NULL when out of
 * memory.  Lock held. */
static struct instances *instances_of(const char *name, int create)
{
    struct instances *in;
    size_t n;

    for (in = instances; in != NULL && strcmp(in->name, name) != 0; in = in->next)
        ;
    if (in == NULL && create) {
        n = strlen(name);
        in = emg_calloc(1, sizeof(*in) + n + 1);
        if (in != NULL) {
            memcpy(in->name, name, n + 1);
            in->next = instances;
            instances = in;
        }
    }
    return in;
}

int naming_instance_take(const char *name)
{
    struct instances *in;
    int i, got = EMG_MAX_INCOMING_INSTANCES;

    pthread_mutex_lock(&naming_lock);
    in = instances_of(name, 1);
    for (i = 0; in != NULL && i < EMG_MAX_INCOMING_INSTANCES; i++) {
        if (!in->used[i]) {
            in->used[i] = 1;
            got = i;
            break;
        }
    }
    pthread_mutex_unlock(&naming_lock);
    return got;
}

void naming_instance_release(const char *name, int instance)
{
    struct instances *in;

    if (instance < 0 || instance >= EMG_MAX_INCOMING_INSTANCES)
        return;
    pthread_mutex_lock(&naming_lock);
    in = instances_of(name, 0);
    if (in != NULL)
        in->used[instance] = 0;
    pthread_mutex_unlock(&naming_lock);
}

void naming_reset(void)
{
    struct reported *r;
    struct instances *in;

    pthread_mutex_lock(&naming_lock);
    while ((r = reported) != NULL) {
        reported = r->next;
        emg_free(r);
    }
    while ((in = instances) != NULL) {
        instances = in->next;
        emg_free(in);
    }
    pthread_mutex_unlock(&naming_lock);
}
