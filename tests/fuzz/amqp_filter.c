/*
 * Fuzz target: the receiver position filter (protocols/amqp/amqp_filter.c).
 * First byte: 0 = the input is an encoded filter-set (as pn_data_encode
 * writes pn_terminus_filter), 1 = the input is a selector expression.
 * Invariant: a parsed position resolves without crashing and a resolved
 * start is never below the log start nor above the high watermark.
 */
#include <stdint.h>
#include <stdlib.h>

#include "amqp_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	amqp_filter_t f;
	trib_err_t err;
	int64_t at;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		err = amqp_filter_parse_expr((trib_slice_t){data + 1, size - 1}, &f);
	else
		err = amqp_filter_parse(data + 1, size - 1, &f);
	if (err != TRIB_OK)
		return 0;
	if (f.kind != AMQP_FILTER_TIME && amqp_filter_start(&f, 5, 100, &at) == TRIB_OK &&
	    (at < 5 || at > 100))
		abort();
	return 0;
}
