/**
 * The AMQP 1.0 head as Azure Event Hubs clients speak it (DESIGN.md §2,
 * reference/eventhubs-surface.md §1, clients.md §1): a Proton-C proactor
 * listener, SASL ANONYMOUS (or no SASL layer), sender links to `<hub>`,
 * `<hub>/Partitions/<n>` and `<hub>/Publishers/<name>` taking single
 * messages and batches (message-format 0x80013700), settled only once
 * durable; receiver links on `<hub>/ConsumerGroups/<cg>/Partitions/<n>`
 * honouring the selector filter and link credit.
 */
#ifndef TRIB_AMQP_SERVER_H
#define TRIB_AMQP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "ns.h"
#include "trib_err.h"

/** Proactor threads the head runs. */
#define AMQP_SERVER_THREADS 2
/** Period of the connection timer (heartbeats, idle time-outs), ms. */
#define AMQP_SERVER_TICK_MS 500

typedef struct amqp_server amqp_server_t;

typedef struct amqp_server_opts {
	const char *host;            /**< bind address (borrowed), NULL = "0.0.0.0" */
	uint16_t port;               /**< 0 picks a free port (see amqp_server_port) */
	uint32_t max_message_bytes;  /**< advertised max-message-size on sender links: 1048576 */
	uint32_t max_frame_bytes;    /**< 262144 */
	const char *container_id;    /**< "tributary" (borrowed; copied) */
	const auth_t *auth;          /**< SAS policies (borrowed, outlives the server); NULL = none */
	bool auth_required;          /**< links need SASL PLAIN or a $cbs token granting the right */
} amqp_server_opts_t;

/**
 * Listens on opts->host:opts->port and starts AMQP_SERVER_THREADS proactor
 * threads serving @p ns (borrowed; must outlive the server). Returns once
 * the listener is open. *out is owned by the caller (amqp_server_stop).
 * Errors: TRIB_ERR_IO (cannot listen), TRIB_ERR_NOMEM, TRIB_ERR_INVALID
 * (max_message_bytes or max_frame_bytes 0; max_frame_bytes below 512).
 * @thread any (start-up)  @locks none
 */
trib_err_t amqp_server_start(ns_t *ns, const amqp_server_opts_t *opts,
			     amqp_server_t **out) TRIB_MUST_CHECK;

/**
 * The port actually bound (useful with opts->port 0).
 * @thread any  @locks none
 */
uint16_t amqp_server_port(const amqp_server_t *s);

/**
 * Stops: closes the listener and every connection (amqp:connection:forced),
 * waits until pending appends completed or were abandoned safely (their
 * completions come from the store, which must still be open), joins the
 * threads and frees; *s = NULL; NULL accepted.
 * @thread any except a proactor thread (shutdown)  @locks server lock
 */
void amqp_server_stop(amqp_server_t **s);

#endif
