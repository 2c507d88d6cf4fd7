/*
 * timefmt: the timestamps of EMG logs and of their JSON twin.
 *
 * Every log line starts with one, so the formatted date and time of the
 * current second are cached per thread and only the microseconds are
 * written on the common path.
 */
#ifndef EMGDIAG_TIMEFMT_H
#define EMGDIAG_TIMEFMT_H

#include <sys/time.h>

/* "YYYY-MM-DD HH:MM:SS.uuuuuu" (26 chars + NUL), local time, or UTC when
   utc != 0. */
void emg_ts_text(char out[32], const struct timeval *tv, int utc);

/* ISO 8601 with microseconds and offset, "2015-04-28T21:25:42.104666+02:00"
   ("+00:00" for utc). */
void emg_ts_iso(char out[40], const struct timeval *tv, int utc);

#endif
