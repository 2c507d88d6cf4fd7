/*
 * naming: the connector names the logs use, and the instance numbers of
 * incoming connectors.
 *
 * A connector's name is the XML's <connector name>, or else the Kannel id
 * (smsc-id, opensmppbox-id) with every octet outside [A-Za-z0-9._-]
 * written %HH, so that any id makes a plain file name
 * (docs/connector-log.md#files).  Names are at most EMG_NAME_MAX octets:
 * the loader refuses a longer XML name, and a Kannel id whose name would be
 * longer is cut (naming_from_kannel_id says so).
 *
 * Incoming sessions of a connector take the lowest instance number that is
 * free (docs/connector-log.md#instances); this file keeps, per connector
 * name, which numbers are in use.  Outgoing numbers come from the host.
 */
#ifndef EMGDIAG_NAMING_H
#define EMGDIAG_NAMING_H

#include <stddef.h>

/* Longest connector name, in octets. */
#define EMG_NAME_MAX 64

/* Incoming instance numbers one connector hands out at once; a session
 * beyond them gets this number itself. */
#define EMG_MAX_INCOMING_INSTANCES 4096

/* The name for Kannel id `id` (any octets up to the NUL), written into
 * `out` (no allocation).  An encoded id longer than EMG_NAME_MAX octets
 * becomes its first 55 octets (never cutting a %HH apart), '-' and 8 hex
 * digits of a hash of the whole id, so two long ids stay two connectors;
 * returns 1 then, else 0. */
int naming_from_kannel_id(const char *id, char out[EMG_NAME_MAX + 1]);

/* 1 the first time `name` is passed in this process, 0 afterwards (and when
 * out of memory): so that a cut is reported once. */
int naming_first_report(const char *name);

/* The lowest free instance of incoming connector `name`, taken;
 * EMG_MAX_INCOMING_INSTANCES when all are in use or out of memory. */
int naming_instance_take(const char *name);
void naming_instance_release(const char *name, int instance);

/* Forgets everything (module shutdown). */
void naming_reset(void);

#endif
