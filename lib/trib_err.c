/* Error strings: one table, indexed by the negated error value. */
#include "trib_err.h"

static const char *const messages[] = {
	[0] = "ok",
	[-TRIB_ERR_NOMEM] = "out of memory",
	[-TRIB_ERR_IO] = "input/output error",
	[-TRIB_ERR_CORRUPT] = "corrupt data",
	[-TRIB_ERR_INVALID] = "invalid input",
	[-TRIB_ERR_NOT_FOUND] = "not found",
	[-TRIB_ERR_EXISTS] = "already exists",
	[-TRIB_ERR_TOO_LARGE] = "too large",
	[-TRIB_ERR_OUT_OF_RANGE] = "out of range",
	[-TRIB_ERR_UNSUPPORTED] = "unsupported",
	[-TRIB_ERR_CLOSED] = "closed",
	[-TRIB_ERR_CONFIG] = "invalid configuration",
	[-TRIB_ERR_UNAUTHORIZED] = "unauthorized",
	[-TRIB_ERR_SEQUENCE] = "out-of-order sequence number",
	[-TRIB_ERR_FENCED] = "stale producer epoch",
	[-TRIB_ERR_UNKNOWN_PRODUCER] = "unknown producer id",
	[-TRIB_ERR_AGAIN] = "try again",
};

const char *trib_strerror(trib_err_t err)
{
	unsigned idx = (unsigned)-(int)err;

	if (err > 0 || idx >= sizeof(messages) / sizeof(messages[0]) || !messages[idx])
		return "unknown error";
	return messages[idx];
}
