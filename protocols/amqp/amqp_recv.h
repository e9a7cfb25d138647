/**
 * Client receiver links (AMQP_LINK_OUT) on
 * `<hub>/ConsumerGroups/<cg>/Partitions/<n>`: the start position comes from
 * the selector filter (amqp_filter), records are read from the partition
 * and sent one message per event (amqp_msg_encode_record, format 0) while
 * the link has credit; when caught up a part_waiter_t is armed and the
 * pump resumes on its wake (DESIGN.md §5). Deliveries are pre-settled when
 * the client asked snd-settle-mode settled or mixed, else settled when the
 * client settles them.
 *
 * Ownership (reference/eventhubs-surface.md §1.8): every receiver is
 * registered in the server's reader registry (core/rdr.h) under its
 * partition and consumer group, with the link properties
 * `com.microsoft:epoch` (long) and `com.microsoft:receiver-name`. A refused
 * attach gets amqp:resource-limit-exceeded (a sixth reader without epoch)
 * or amqp:link:stolen (epoch rules); a reader displaced by a newer epoch is
 * flagged by the registry from the attaching thread and detached with
 * amqp:link:stolen from its own connection's context (amqp_recv_pump).
 */
#ifndef TRIB_AMQP_RECV_H
#define TRIB_AMQP_RECV_H

#include <proton/delivery.h>

#include "amqp_addr.h"
#include "amqp_link.h"
#include "slice.h"
#include "trib_err.h"

/** Stored bytes read per part_read, about. */
#define AMQP_RECV_READ_BYTES (256 * 1024)
/** Unsent bytes a connection's session may buffer before the pump waits for the socket. */
#define AMQP_RECV_MAX_BUFFERED (1024 * 1024)
/** Longest `com.microsoft:receiver-name` kept, bytes (longer names are cut). */
#define AMQP_RECV_NAME_MAX 256

#define AMQP_RECV_COND_STOLEN "amqp:link:stolen"
#define AMQP_RECV_COND_LIMIT "amqp:resource-limit-exceeded"

/**
 * Resolves the start offset of the new OUT link @p l from the filter in
 * the client's source and registers it as a reader of consumer group
 * @p cg (borrowed for the call) on l->part, displacing older readers when
 * it has a higher or equal epoch. On success answers the attach (source
 * with its filter and target echoed, settle modes) and starts delivering.
 * Errors (the caller refuses the attach with *cond when it is set, else
 * with amqp_err_condition(err); @p why gets the service's wording):
 * TRIB_ERR_INVALID (unreadable filter), TRIB_ERR_OUT_OF_RANGE (a start past
 * the end), TRIB_ERR_TOO_LARGE (*cond = AMQP_RECV_COND_LIMIT: already
 * RDR_MAX_NON_EPOCH readers without epoch), TRIB_ERR_EXISTS (*cond =
 * AMQP_RECV_COND_STOLEN: a higher epoch holds the partition, or any epoch
 * does and this reader has none), TRIB_ERR_NOMEM.
 * @thread amqp proactor  @locks partition locks (reads watermarks), the registry lock
 */
trib_err_t amqp_recv_open(amqp_link_t *l, trib_slice_t cg, const char **cond, char *why,
			  size_t why_len) TRIB_MUST_CHECK;

/**
 * Sends what the link's credit allows, arming the waiter when caught up.
 * Call on credit (PN_LINK_FLOW), on the waiter's wake and when the
 * connection's output drained. A link another reader stole is detached
 * here with amqp:link:stolen (the registry wakes the connection for it).
 * @thread amqp proactor  @locks partition locks (reads)
 */
void amqp_recv_pump(amqp_link_t *l);

/**
 * Settles deliveries the client settled (PN_DELIVERY on an OUT link).
 * @thread amqp proactor  @locks none
 */
void amqp_recv_delivery_updated(amqp_link_t *l, pn_delivery_t *d);

/**
 * Disarms the waiter, leaves the reader registry and frees what an OUT
 * link holds when it closes (every close path comes here).
 * @thread amqp proactor  @locks the partition's waiter lock, the registry lock
 */
void amqp_recv_close(amqp_link_t *l);

#endif
