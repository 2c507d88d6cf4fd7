/*
 * msgid_cause: Kannel's id conversions replayed (see msgid_cause.h).
 */
#include "msgid_cause.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const cause_words[CAUSES] = {
    [CAUSE_HEX_VS_DECIMAL] = "hex-vs-decimal",
    [CAUSE_LEADING_ZEROS] = "leading-zeros",
    [CAUSE_LETTER_CASE] = "letter-case",
    [CAUSE_RECEIPT_BEFORE_RESP] = "receipt-before-resp",
    [CAUSE_OTHER_CONNECTOR] = "other-connector",
    [CAUSE_DUPLICATE] = "duplicate",
    [CAUSE_UNKNOWN] = "unknown",
};

const char *msgid_cause_word(enum msgid_cause cause)
{
    return cause < CAUSES ? cause_words[cause] : "unknown";
}

/* octstr_check_range(id, 0, len, gw_isdigit): every octet a digit (true
 * for the empty string). */
static int all_digits(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
    }
    return 1;
}

/* octstr_format("%llu", strtoll(s, NULL, base)) */
static void kannel_number(const char *s, int base, char *out, size_t outlen)
{
    snprintf(out, outlen, "%llu", (unsigned long long)strtoll(s, NULL, base));
}

static int reads_hex(int type, int bit, const char *raw)
{
    return (type & bit) || !all_digits(raw);
}

void msgid_stored(int type, const char *raw, char *out, size_t outlen)
{
    if (type == MSGID_TYPE_UNSET)
        snprintf(out, outlen, "%s", raw);
    else
        kannel_number(raw, reads_hex(type, 0x01, raw) ? 16 : 10, out, outlen);
}

void msgid_lookup(int type, const char *raw, char *out, size_t outlen)
{
    if (type == MSGID_TYPE_UNSET)
        snprintf(out, outlen, "%s", raw);
    else
        kannel_number(raw, reads_hex(type, 0x02, raw) ? 16 : 10, out, outlen);
}

int msgid_type_that_matches(const char *resp_raw, const char *dlr_raw)
{
    /* Fewest ids read as hex first: 0x00, then one side, then both. */
    static const int order[] = { 0x00, 0x01, 0x02, 0x03 };
    char a[MSGID_NUM_LEN], b[MSGID_NUM_LEN];
    size_t i;

    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        msgid_stored(order[i], resp_raw, a, sizeof(a));
        msgid_lookup(order[i], dlr_raw, b, sizeof(b));
        /* The setting to recommend names every side read as hex, also
         * one that Kannel reads as hex only because it holds a letter: the
         * SMSC's next id may be all digits. */
        if (strcmp(a, b) == 0 && strcmp(a, "0") != 0)
            return (reads_hex(order[i], 0x01, resp_raw) ? 0x01 : 0) |
                   (reads_hex(order[i], 0x02, dlr_raw) ? 0x02 : 0);
    }
    return -1;
}

enum msgid_cause msgid_cause_of(const char *resp_raw, const char *dlr_raw, int type)
{
    int resp_hex = reads_hex(type, 0x01, resp_raw), dlr_hex = reads_hex(type, 0x02, dlr_raw);

    if (type < 0)
        return CAUSE_UNKNOWN;
    if (strcmp(resp_raw, dlr_raw) != 0 && strcasecmp(resp_raw, dlr_raw) == 0)
        return CAUSE_LETTER_CASE;
    if (resp_hex != dlr_hex)
        return CAUSE_HEX_VS_DECIMAL;
    if (strcasecmp(resp_raw, dlr_raw) != 0)
        return CAUSE_LEADING_ZEROS;
    return CAUSE_UNKNOWN;
}
