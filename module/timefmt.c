/*
 * timefmt: EMG and ISO 8601 timestamps (see timefmt.h).
 *
 * localtime_r() is costly (it may consult the time zone); a log writes many
 * lines per second, so each thread keeps the text of the last second it
 * formatted, per flavour, and only redoes it when the second (or the
 * local/UTC choice) changes.  A time zone change is picked up at the next
 * new second.
 */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct ts_cache {
    int valid;
    int utc;
    time_t sec;
    char text[32]; /* seconds part, without the microseconds */
    size_t len;
};

static __thread struct ts_cache text_cache;
static __thread struct ts_cache iso_cache;
static __thread char iso_offset[8]; /* "+02:00", belongs to iso_cache */

static void put_micros(char *out, long usec)
{
    int i;

    if (usec < 0 || usec > 999999)
        usec = 0;
    for (i = 5; i >= 0; i--) {
        out[i] = (char)('0' + usec % 10);
        usec /= 10;
    }
}

static int broken_down(const struct timeval *tv, int utc, struct tm *tm)
{
    time_t t = tv->tv_sec;

    if (utc)
        return gmtime_r(&t, tm) != NULL;
    return localtime_r(&t, tm) != NULL;
}

static void fill_cache(struct ts_cache *c, const struct timeval *tv, int utc, int iso)
{
    struct tm tm;
    size_t n = 0;

    if (broken_down(tv, utc, &tm))
        n = iso ? strftime(c->text, sizeof(c->text), "%Y-%m-%dT%H:%M:%S", &tm)
                : strftime(c->text, sizeof(c->text), "%Y-%m-%d %H:%M:%S", &tm);
    if (n != 19) {
        /* A year outside 0000-9999 would not fit the fixed width: print the
           epoch rather than overrun or print garbage. */
        const char *zero = iso ? "1970-01-01T00:00:00" : "1970-01-01 00:00:00";
        n = strlen(zero);
        memcpy(c->text, zero, n + 1);
        memset(&tm, 0, sizeof(tm));
    }
    c->len = n;
    c->sec = tv->tv_sec;
    c->utc = utc;
    c->valid = 1;
    if (iso) {
        long off = utc ? 0 : tm.tm_gmtoff;
        char sign = off < 0 ? '-' : '+';

        if (off < 0)
            off = -off;
        snprintf(iso_offset, sizeof(iso_offset), "%c%02ld:%02ld", sign, (off / 3600) % 100,
                 (off / 60) % 60);
    }
}

void emg_ts_text(char out[32], const struct timeval *tv, int utc)
{
    struct ts_cache *c = &text_cache;

    if (!c->valid || c->sec != tv->tv_sec || c->utc != utc)
        fill_cache(c, tv, utc, 0);
    memcpy(out, c->text, c->len);
    out[c->len] = '.';
    put_micros(out + c->len + 1, (long)tv->tv_usec);
    out[c->len + 7] = '\0';
}

void emg_ts_iso(char out[40], const struct timeval *tv, int utc)
{
    struct ts_cache *c = &iso_cache;
    size_t olen;

    if (!c->valid || c->sec != tv->tv_sec || c->utc != utc)
        fill_cache(c, tv, utc, 1);
    memcpy(out, c->text, c->len);
    out[c->len] = '.';
    put_micros(out + c->len + 1, (long)tv->tv_usec);
    olen = strlen(iso_offset);
    memcpy(out + c->len + 7, iso_offset, olen + 1);
}
