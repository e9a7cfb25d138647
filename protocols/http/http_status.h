/**
 * The HTTP head's one mapping from trib_err_t to HTTP status codes
 * (STYLE.md §3). Statuses follow the Event Hubs REST send API where it
 * documents them (201, 400, 401, 500; eventhubs-surface.md §2) and plain
 * HTTP meaning elsewhere (404, 413, 503).
 */
#ifndef TRIB_HTTP_STATUS_H
#define TRIB_HTTP_STATUS_H

#include "trib_err.h"

/**
 * The status for @p err: TRIB_OK -> 201 Created, TRIB_ERR_INVALID -> 400,
 * TRIB_ERR_NOT_FOUND -> 404, TRIB_ERR_TOO_LARGE -> 413, TRIB_ERR_CLOSED and
 * TRIB_ERR_NOMEM -> 503, and so on; unknown values -> 500.
 * @thread any  @locks none
 */
unsigned http_status_of(trib_err_t err);

/**
 * The status for an error returned by part_append or reported by its
 * completion. The batch was built by this head, so a batch the core finds
 * malformed is our fault (500), not the client's; TRIB_ERR_CLOSED -> 503,
 * TRIB_ERR_TOO_LARGE -> 413, TRIB_ERR_NOMEM -> 503.
 * @thread any  @locks none
 */
unsigned http_status_of_append(trib_err_t err);

#endif
