/**
 * The Kafka protocol head's public interface: the gateway's main() starts
 * one server over the namespace and stops it at shutdown. The server runs
 * one thread with an epoll event loop serving every Kafka connection
 * (DESIGN.md §5); APIs and versions are listed in kafka_api.c.
 */
#ifndef TRIB_KAFKA_SERVER_H
#define TRIB_KAFKA_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "koffset.h"
#include "ns.h"
#include "pidm.h"
#include "trib_err.h"

typedef struct kafka_server kafka_server_t;

typedef struct kafka_server_opts {
	const char *host;            /**< bind address, e.g. "0.0.0.0" (borrowed; NULL = any) */
	uint16_t port;               /**< 9092 by default; 0 binds an ephemeral port (tests) */
	const char *advertised_host; /**< host given to clients in Metadata (borrowed, copied);
					  NULL = "127.0.0.1" */
	int32_t node_id;             /**< broker id, 0 */
	uint32_t max_request_bytes;  /**< frame size limit, bytes; a larger size prefix
					  closes the connection; 0 = KAFKA_FRAME_DEFAULT_MAX */
	uint32_t max_message_bytes;  /**< largest record batch a producer may send, bytes
					  (Kafka's message.max.bytes, log overhead included);
					  larger gets MESSAGE_TOO_LARGE; 0 = 1048588 */
	koffset_t *offsets;          /**< committed offsets (borrowed, outlives the server);
					  NULL: FindCoordinator, the group and offset APIs
					  answer COORDINATOR_NOT_AVAILABLE */
	const auth_t *auth;          /**< SAS policies for SASL PLAIN (borrowed, outlives
					  the server); NULL: SASL is refused */
	bool auth_required;          /**< only ApiVersions and SASL before a login, and
					  per-topic rights checked (kafka_sasl.h) */
	pidm_t *producer_ids;        /**< producer ids (borrowed, outlives the server); NULL:
					  InitProducerId answers COORDINATOR_NOT_AVAILABLE */
	int32_t group_initial_rebalance_delay_ms; /**< Kafka's group.initial.rebalance.delay.ms
						       (kgroup_set_initial_delay), ms; 0 = none */
} kafka_server_opts_t;

/**
 * Binds and listens on opts->host:opts->port, then starts the event-loop
 * thread. @p ns is borrowed and must outlive the server; @p opts is read
 * during the call only. *out is owned by the caller (kafka_server_stop).
 * Errors: TRIB_ERR_IO (resolve, bind, listen, epoll, thread),
 * TRIB_ERR_NOMEM, TRIB_ERR_INVALID (NULL arguments).
 * @thread any (start-up)  @locks none
 */
trib_err_t kafka_server_start(ns_t *ns, const kafka_server_opts_t *opts,
			      kafka_server_t **out) TRIB_MUST_CHECK;

/**
 * The TCP port the server listens on (the bound one when opts->port was 0);
 * Metadata advertises this port. @thread any  @locks none
 */
uint16_t kafka_server_port(const kafka_server_t *s);

/**
 * Stops accepting, writes what is already answered, cancels pending Fetch
 * long polls, closes every connection, waits until every append already
 * handed to the core has completed (their completions must not outlive the
 * server), joins the thread and frees the server. Sets *s to NULL; NULL and
 * *s == NULL are accepted. Call before the namespace and store are closed.
 * @thread any but the loop's  @locks none
 */
void kafka_server_stop(kafka_server_t **s);

#endif
