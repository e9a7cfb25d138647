/**
 * The Event Hubs HTTP send head (Event Hubs REST "Send event", "Send batch
 * events", "Send partition event", "Send event with publisher id";
 * eventhubs-surface.md §2, §5; DESIGN.md §3, §4, §5).
 *
 * libmicrohttpd with one internal polling thread (the "http loop"). A POST
 * is answered 201 only once every record batch it produced is durable:
 * the connection is suspended while appends are pending and resumed from
 * the storage completion. With auth_required, every POST needs
 * `Authorization: SharedAccessSignature ...` granting Send on the hub, the
 * partition or the publisher it sends to (docs/auth.md); otherwise 401 with
 * the reason, before the body is read or the hub looked up.
 */
#ifndef TRIB_HTTP_SERVER_H
#define TRIB_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "ns.h"
#include "trib_err.h"

#define HTTP_SERVER_DEFAULT_PORT 8080
#define HTTP_SERVER_DEFAULT_MAX_BODY (1024u * 1024) /**< Event Hubs' 1 MB publication */

typedef struct http_server http_server_t;

typedef struct http_server_opts {
	const char *host; /**< bind address (borrowed, used only during start); NULL = any IPv4 */
	uint16_t port;    /**< 8080 default; 0 = an ephemeral port (see http_server_port) */
	uint32_t max_body_bytes; /**< 1048576 (0 means that): larger -> 413 */
	const auth_t *auth;      /**< SAS policies (borrowed, outlives the server); NULL = none */
	bool auth_required;      /**< requests need `Authorization: SharedAccessSignature ...` */
} http_server_opts_t;

/**
 * Starts serving @p ns (borrowed; must outlive the server) on the address
 * in @p opts (borrowed for the call). *out is owned by the caller and
 * released with http_server_stop.
 * Errors: TRIB_ERR_IO (address unusable, port taken, MHD would not start),
 * TRIB_ERR_NOMEM, TRIB_ERR_INVALID (opts NULL).
 * @thread main (start-up)  @locks none
 */
trib_err_t http_server_start(ns_t *ns, const http_server_opts_t *opts,
			     http_server_t **out) TRIB_MUST_CHECK;

/**
 * The TCP port the server listens on (useful after asking for port 0).
 * @thread any  @locks none
 */
uint16_t http_server_port(const http_server_t *s);

/**
 * Stops accepting, waits up to HTTP_SERVER_STOP_WAIT_MS for pending appends
 * to complete and their answers to be sent, abandons the rest safely
 * (their clients get 503 or a closed connection; late completions touch
 * nothing freed), stops MHD and frees the server. Sets *s to NULL; NULL and
 * *s == NULL are accepted. Call before the store is closed.
 * @thread main (shutdown), never the http loop  @locks server lock
 */
void http_server_stop(http_server_t **s);

#endif
