/*
 * deadline: points in time for the module's bounded waits.
 *
 * A stop that must not hang the host (a writer stuck on a hung disk, a
 * thread that does not finish) waits until a deadline on CLOCK_REALTIME,
 * the clock pthread_cond_timedwait() and pthread_timedjoin_np() take.
 */
#ifndef EMGDIAG_DEADLINE_H
#define EMGDIAG_DEADLINE_H

#include <time.h>

/* Now plus ms milliseconds. */
static inline struct timespec emg_deadline_in(int ms)
{
    struct timespec t;

    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Milliseconds from now until `deadline`, at least 0. */
static inline int emg_ms_until(const struct timespec *deadline)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_REALTIME, &now);
    ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
         (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? (int)ms : 0;
}

#endif
