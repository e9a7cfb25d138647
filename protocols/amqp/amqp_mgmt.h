/**
 * The `$cbs` and `$management` nodes Event Hubs SDKs talk to before and
 * besides their data links (reference/eventhubs-surface.md §1.6-1.7,
 * clients.md §1.3-1.4): request messages arrive on a client sender link to
 * the node, responses go back on the client's receiver link from the same
 * node (the one named by reply-to, else the one on the same session),
 * with correlation-id = the request's message-id (its AMQP type kept) and
 * application properties status-code (int) and status-description.
 *
 * `$management` answers READ for com.microsoft:eventhub (name, created_at,
 * partition_count, partition_ids as an array of strings) and
 * com.microsoft:partition (begin/last sequence numbers, last offset and
 * enqueue time, is_partition_empty) from the core.
 *
 * `$cbs` put-token (§1.7): the amqp-value string body is a SAS token,
 * validated with auth_check_token; its grant is kept on the connection
 * (amqp_conn_grant_put) and authorises later attaches. Answers 202, or
 * 401 with the reason as status-description when authorisation is
 * required (when it is not, a bad token still gets 202 and no grant).
 * Without SAS policies (env->auth NULL) every token is accepted unchecked.
 *
 * Under auth_required a READ needs its `security_token` to allow Listen or
 * Manage on the hub (or, without one, the connection's grants): else 401,
 * checked before the 404 of an unknown hub.
 */
#ifndef TRIB_AMQP_MGMT_H
#define TRIB_AMQP_MGMT_H

#include <stddef.h>
#include <stdint.h>

#include "amqp_link.h"

/** Largest request accepted, bytes (requests are small maps). */
#define AMQP_MGMT_MAX_REQUEST 65536
/** Responses queued per response link while it has no credit. */
#define AMQP_MGMT_MAX_QUEUED 64

/** An encoded response waiting for credit. */
typedef struct amqp_mgmt_resp {
	struct amqp_mgmt_resp *next;
	size_t len;
	uint8_t bytes[];
} amqp_mgmt_resp_t;

/**
 * Answers the attach of a node link @p l (NODE_IN: credit; NODE_OUT: open).
 * @thread amqp proactor  @locks none
 */
void amqp_mgmt_open(amqp_link_t *l);

/**
 * Reads and answers the requests that arrived on NODE_IN link @p l.
 * @thread amqp proactor  @locks none
 */
void amqp_mgmt_requests(amqp_link_t *l);

/** Sends queued responses while NODE_OUT link @p l has credit. @thread amqp proactor @locks none */
void amqp_mgmt_pump(amqp_link_t *l);

/** Frees what a node link holds when it closes. @thread amqp proactor @locks none */
void amqp_mgmt_close(amqp_link_t *l);

#endif
