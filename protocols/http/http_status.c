/*
 * The table is the whole module: add a row here, never a mapping elsewhere.
 * Two columns: errors found in the client's request, and errors from
 * appending the batches this head built.
 */
#include "http_status.h"

#include <stddef.h>

static const struct {
	trib_err_t err;
	unsigned request; /* the error came from decoding or routing the request */
	unsigned append;  /* part_append or its completion failed */
} table[] = {
	{TRIB_OK, 201, 201},        /* Created: the events are durable */
	{TRIB_ERR_NOMEM, 503, 503}, /* memory ceiling: back-pressure, retry later */
	{TRIB_ERR_IO, 500, 500},
	{TRIB_ERR_CORRUPT, 400, 500}, /* a batch we built failing a check is our bug */
	{TRIB_ERR_INVALID, 400, 500},
	{TRIB_ERR_NOT_FOUND, 404, 404},
	{TRIB_ERR_EXISTS, 409, 500},
	{TRIB_ERR_TOO_LARGE, 413, 413},
	{TRIB_ERR_OUT_OF_RANGE, 400, 500},
	{TRIB_ERR_UNSUPPORTED, 501, 500},
	{TRIB_ERR_CLOSED, 503, 503}, /* shutting down: retry later */
	{TRIB_ERR_CONFIG, 500, 500},
	{TRIB_ERR_UNAUTHORIZED, 401, 401},
};

static size_t row(trib_err_t err)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].err == err)
			break;
	return i;
}

unsigned http_status_of(trib_err_t err)
{
	size_t i = row(err);

	return i < sizeof(table) / sizeof(table[0]) ? table[i].request : 500;
}

unsigned http_status_of_append(trib_err_t err)
{
	size_t i = row(err);

	return i < sizeof(table) / sizeof(table[0]) ? table[i].append : 500;
}
