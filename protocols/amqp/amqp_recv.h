/**
 * Client receiver links (AMQP_LINK_OUT) on
 * `<hub>/ConsumerGroups/<cg>/Partitions/<n>`: the start position comes from
 * the selector filter (amqp_filter), records are read from the partition
 * and sent one message per event (amqp_msg_encode_record, format 0) while
 * the link has credit; when caught up a part_waiter_t is armed and the
 * pump resumes on its wake (DESIGN.md §5). Deliveries are pre-settled when
 * the client asked snd-settle-mode settled or mixed, else settled when the
 * client settles them.
 */
#ifndef TRIB_AMQP_RECV_H
#define TRIB_AMQP_RECV_H

#include <proton/delivery.h>

#include "amqp_addr.h"
#include "amqp_link.h"
#include "trib_err.h"

/** Stored bytes read per part_read, about. */
#define AMQP_RECV_READ_BYTES (256 * 1024)
/** Unsent bytes a connection's session may buffer before the pump waits for the socket. */
#define AMQP_RECV_MAX_BUFFERED (1024 * 1024)

/**
 * Resolves the start offset of the new OUT link @p l from the filter in
 * the client's source. On success answers the attach (source with its
 * filter and target echoed, settle modes) and starts delivering.
 * Errors (the caller refuses the attach): TRIB_ERR_INVALID (unreadable
 * filter), TRIB_ERR_OUT_OF_RANGE (a start past the end; @p why gets the
 * service's wording), TRIB_ERR_NOMEM.
 * @thread amqp proactor  @locks partition locks (reads watermarks)
 */
trib_err_t amqp_recv_open(amqp_link_t *l, char *why, size_t why_len) TRIB_MUST_CHECK;

/**
 * Sends what the link's credit allows, arming the waiter when caught up.
 * Call on credit (PN_LINK_FLOW), on the waiter's wake and when the
 * connection's output drained.
 * @thread amqp proactor  @locks partition locks (reads)
 */
void amqp_recv_pump(amqp_link_t *l);

/**
 * Settles deliveries the client settled (PN_DELIVERY on an OUT link).
 * @thread amqp proactor  @locks none
 */
void amqp_recv_delivery_updated(amqp_link_t *l, pn_delivery_t *d);

/**
 * Disarms the waiter and frees what an OUT link holds when it closes.
 * @thread amqp proactor  @locks the partition's waiter lock
 */
void amqp_recv_close(amqp_link_t *l);

#endif
