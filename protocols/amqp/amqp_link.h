/**
 * Link state of the AMQP head and attach routing (Event Hubs addresses,
 * reference/eventhubs-surface.md §1.2-1.4).
 *
 * Kinds: AMQP_LINK_IN, a client sender (`<hub>`, `<hub>/Partitions/<n>`,
 * `<hub>/Publishers/<name>`) whose deliveries we append (amqp_send);
 * AMQP_LINK_OUT, a client receiver
 * (`<hub>/ConsumerGroups/<cg>/Partitions/<n>`) we deliver to (amqp_recv);
 * AMQP_LINK_NODE_IN / NODE_OUT, the request and response links of the
 * `$cbs` and `$management` nodes (amqp_mgmt).
 *
 * Lifetime: an amqp_link_t is reference counted. The Proton link holds one
 * reference until the link is closed, each pending append holds one, so a
 * completion arriving after the link (or its connection) closed still finds
 * valid memory; it sees pn == NULL and only drops its reference. Each link
 * holds a reference on its connection. Everything except the reference
 * count is touched only on the connection's proactor context.
 */
#ifndef TRIB_AMQP_LINK_H
#define TRIB_AMQP_LINK_H

#include <proton/link.h>
#include <proton/session.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"
#include "part.h"
#include "rb.h"
#include "slice.h"
#include "trib_err.h"

typedef struct amqp_conn amqp_conn_t;

typedef enum amqp_link_kind {
	AMQP_LINK_IN,       /**< the client sends, we append */
	AMQP_LINK_OUT,      /**< we deliver, the client receives */
	AMQP_LINK_NODE_IN,  /**< requests to $cbs / $management (amqp_mgmt) */
	AMQP_LINK_NODE_OUT, /**< responses from $cbs / $management (amqp_mgmt) */
} amqp_link_kind_t;

struct amqp_mgmt_resp;

typedef struct amqp_link {
	atomic_int refs;
	amqp_link_kind_t kind;
	pn_link_t *pn;           /**< NULL once closed */
	amqp_conn_t *conn;       /**< reference held */
	struct amqp_link *next;  /**< the connection's list of open links */
	char *name;              /**< copy of the link name (MEM_AMQP) */
	hub_t *hub;              /**< borrowed for the namespace's life */
	part_t *part;            /**< fixed partition, or NULL (IN links to `<hub>`) */
	char *auth_path;         /**< IN/OUT under auth_required: the normalised entity path
				      checked at attach and on grant expiry (MEM_AMQP), else NULL */
	unsigned auth_right;     /**< the auth_right_t that path needs (Send or Listen) */

	/* AMQP_LINK_IN (amqp_send.c) */
	char *publisher;         /**< `<hub>/Publishers/<name>` name, or NULL (MEM_AMQP) */
	uint8_t *buf;            /**< the delivery being reassembled (MEM_AMQP) */
	size_t len, cap;
	bool oversize;           /**< the current delivery passed max-message-size */
	bool nomem;              /**< memory ran out while reassembling it */
	size_t seen;             /**< bytes of the current delivery, kept or not */
	uint32_t in_flight;      /**< appends waiting for durability */

	/* AMQP_LINK_NODE_IN / NODE_OUT (amqp_mgmt.c) */
	int node;                /**< AMQP_ADDR_MANAGEMENT or AMQP_ADDR_CBS */
	char *reply_addr;        /**< NODE_OUT: the client's target address, or NULL */
	struct amqp_mgmt_resp *resp_head, *resp_tail; /**< NODE_OUT: responses waiting for credit */

	/* AMQP_LINK_OUT (amqp_recv.c) */
	part_waiter_t waiter;    /**< armed while caught up; wake() runs on the flusher */
	atomic_bool woken;       /**< set by the waiter, taken on the proactor */
	bool waiting;            /**< the waiter is armed (caught up) */
	bool presettle;          /**< snd-settle-mode settled: deliveries go pre-settled */
	bool runtime_metric;     /**< com.microsoft:enable-receiver-runtime-metric desired:
				      each delivery carries the last-enqueued annotations */
	int64_t next_offset;     /**< next offset to deliver */
	int64_t min_ts;          /**< enqueued-time filter: skip older records; INT64_MIN = none */
	uint8_t *batch;          /**< stored bytes being delivered (MEM_AMQP) */
	size_t batch_len, batch_pos;
	rb_iter_t it;
	bool in_batch;           /**< it iterates batch at batch_pos */
	uint64_t tag;            /**< delivery tag counter */
	uint8_t *scratch;        /**< encode buffer (MEM_AMQP) */
	size_t scratch_cap;
	struct amqp_recv_reg *reg; /**< entry in the reader registry (amqp_recv.c), or NULL */
	atomic_bool stolen;      /**< a newer epoch reader took the partition (set by any thread) */
} amqp_link_t;

/**
 * Handles a client's attach (PN_LINK_REMOTE_OPEN on @p pl of connection
 * @p c): parses the address, finds hub, partition and consumer group,
 * creates the link state and answers the attach (echoing source and
 * target). When the server requires authorisation, a data link needs a
 * connection grant (amqp_conn_allows) with Send (client senders) or Listen
 * (client receivers) on its path, checked before the entity exists;
 * without it the attach is refused with amqp:unauthorized-access ($cbs and
 * $management links are always allowed). Unknown entities are refused: an
 * attach with null source and target, then a detach with amqp:not-found
 * and "The messaging entity '<address>' could not be found".
 * @thread amqp proactor (c's context)  @locks none
 */
void amqp_link_attach(amqp_conn_t *c, pn_link_t *pl);

/**
 * The client detached or closed @p pl: closes our end and releases the
 * link state (pending appends keep it alive but inert).
 * @thread amqp proactor (c's context)  @locks none
 */
void amqp_link_remote_closed(amqp_conn_t *c, pn_link_t *pl);

/**
 * Closes every link of @p ssn (an ended session, about to be freed) or,
 * with @p ssn NULL, of the connection, releasing their state; Proton
 * objects are left to the session / connection teardown (the session's
 * links are marked so no later event frees one).
 * @thread amqp proactor (c's context)  @locks none
 */
void amqp_link_close_all(amqp_conn_t *c, pn_session_t *ssn);

/**
 * Closes link @p l with the AMQP error for @p err (amqp_err table) and
 * @p description (copied), and releases its state.
 * @thread amqp proactor  @locks none
 */
void amqp_link_fail(amqp_link_t *l, trib_err_t err, const char *description);

/**
 * As amqp_link_fail with the AMQP condition symbol @p condition (static
 * string) instead of a mapped error: amqp:link:stolen and the like.
 * @thread amqp proactor  @locks none
 */
void amqp_link_fail_cond(amqp_link_t *l, const char *condition, const char *description);

/**
 * Answers with the client's source and target (filter included), never
 * null ones: pyamqp fails a link whose attach reply lacks either, and
 * Proton 0.37 reads a source or target without address as "none".
 * @thread amqp proactor  @locks none
 */
void amqp_link_echo_termini(pn_link_t *pl);

/**
 * The state of @p pl, or NULL when it has none (refused, closed).
 * @thread amqp proactor  @locks none
 */
amqp_link_t *amqp_link_of(pn_link_t *pl);

/** Adds a reference. @thread any  @locks none (atomic) */
void amqp_link_ref(amqp_link_t *l);

/**
 * Drops a reference; the last one frees the state and drops the link's
 * connection reference. NULL accepted.
 * @thread any  @locks none (atomic)
 */
void amqp_link_unref(amqp_link_t *l);

#endif
