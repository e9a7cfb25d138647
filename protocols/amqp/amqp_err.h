/**
 * The AMQP head's one mapping from trib_err_t to AMQP error conditions
 * (STYLE.md §3). Condition names are AMQP 1.0 §2.8.15 / §2.8.16 symbols or
 * the com.microsoft: ones Event Hubs clients understand
 * (reference/eventhubs-surface.md §1.4, clients.md §1.7).
 */
#ifndef TRIB_AMQP_ERR_H
#define TRIB_AMQP_ERR_H

#include "trib_err.h"

#define AMQP_ERR_NOT_FOUND "amqp:not-found"
#define AMQP_ERR_UNAUTHORIZED "amqp:unauthorized-access"
#define AMQP_ERR_DECODE "amqp:decode-error"
#define AMQP_ERR_INTERNAL "amqp:internal-error"
#define AMQP_ERR_NOT_IMPLEMENTED "amqp:not-implemented"
#define AMQP_ERR_NOT_ALLOWED "amqp:not-allowed"
#define AMQP_ERR_INVALID_FIELD "amqp:invalid-field"
#define AMQP_ERR_MESSAGE_SIZE "amqp:link:message-size-exceeded"
#define AMQP_ERR_DETACH_FORCED "amqp:link:detach-forced"
#define AMQP_ERR_CONNECTION_FORCED "amqp:connection:forced"
#define AMQP_ERR_SERVER_BUSY "com.microsoft:server-busy"
#define AMQP_ERR_OUT_OF_RANGE "com.microsoft:argument-out-of-range"
#define AMQP_ERR_ARGUMENT "com.microsoft:argument-error"

/**
 * The condition symbol for @p err (a static string, never NULL): NOT_FOUND
 * -> amqp:not-found, TOO_LARGE -> amqp:link:message-size-exceeded,
 * INVALID/CORRUPT -> amqp:decode-error, OUT_OF_RANGE ->
 * com.microsoft:argument-out-of-range, NOMEM -> com.microsoft:server-busy
 * (retried by SDKs), UNSUPPORTED -> amqp:not-implemented, CLOSED ->
 * amqp:link:detach-forced, UNAUTHORIZED -> amqp:unauthorized-access,
 * anything else -> amqp:internal-error.
 * TRIB_OK has no condition and gives amqp:internal-error too.
 * @thread any  @locks none
 */
const char *amqp_err_condition(trib_err_t err);

#endif
