/* One table, indexed by the negated error; holes fall back to amqp:internal-error. */
#include "amqp_err.h"

static const char *const conditions[] = {
	[-TRIB_ERR_NOMEM] = AMQP_ERR_SERVER_BUSY,
	[-TRIB_ERR_IO] = AMQP_ERR_INTERNAL,
	[-TRIB_ERR_CORRUPT] = AMQP_ERR_DECODE,
	[-TRIB_ERR_INVALID] = AMQP_ERR_DECODE,
	[-TRIB_ERR_NOT_FOUND] = AMQP_ERR_NOT_FOUND,
	[-TRIB_ERR_EXISTS] = AMQP_ERR_NOT_ALLOWED,
	[-TRIB_ERR_TOO_LARGE] = AMQP_ERR_MESSAGE_SIZE,
	[-TRIB_ERR_OUT_OF_RANGE] = AMQP_ERR_OUT_OF_RANGE,
	[-TRIB_ERR_UNSUPPORTED] = AMQP_ERR_NOT_IMPLEMENTED,
	[-TRIB_ERR_CLOSED] = AMQP_ERR_DETACH_FORCED,
	[-TRIB_ERR_CONFIG] = AMQP_ERR_INTERNAL,
	[-TRIB_ERR_UNAUTHORIZED] = AMQP_ERR_UNAUTHORIZED,
};

const char *amqp_err_condition(trib_err_t err)
{
	unsigned idx = (unsigned)-(int)err;

	if (err >= 0 || idx >= sizeof(conditions) / sizeof(conditions[0]) || !conditions[idx])
		return AMQP_ERR_INTERNAL;
	return conditions[idx];
}
