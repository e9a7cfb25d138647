/**
 * Client sender links (AMQP_LINK_IN): deliveries become record batches
 * appended to a partition, settled only once durable (DESIGN.md §4).
 *
 * Per delivery: the transfer frames are reassembled (pn_link_recv until
 * the delivery is no longer partial), the message-format is taken from
 * the frame scanner, amqp_msg_add_delivery builds ONE record batch (a
 * batch delivery becomes one record per inner message), the partition is
 * the link's or hub_pick_partition(partition key), and part_append runs
 * with a completion. The disposition (accepted, or rejected with the
 * amqp_err condition) is sent from the connection's wake handler after
 * the completion. Over max-message-size: rejected with
 * amqp:link:message-size-exceeded, nothing stored.
 */
#ifndef TRIB_AMQP_SEND_H
#define TRIB_AMQP_SEND_H

#include <proton/delivery.h>
#include <stdatomic.h>

#include "amqp_link.h"
#include "trib_err.h"

/** Credit kept open on each sender link: deliveries a client may have in flight. */
#define AMQP_SEND_CREDIT 1000

typedef struct amqp_send_pend amqp_send_pend_t;

/**
 * The appends of one delivery waiting for durability (a delivery becomes
 * several record batches when it would pass the hub's batch limit); owned
 * by the completions until the last one queues it for the connection.
 */
struct amqp_send_pend {
	struct amqp_send_pend *next; /**< the connection's done queue */
	amqp_link_t *link;           /**< reference held */
	pn_delivery_t *d;            /**< valid only while link->pn is set */
	atomic_int remaining;        /**< appends not yet completed (+1 while submitting) */
	atomic_int err;              /**< the first failure (trib_err_t), 0 when none */
};

/**
 * Answers the attach of a new IN link @p l: advertises max-message-size
 * and opens AMQP_SEND_CREDIT credit.
 * @thread amqp proactor  @locks none
 */
void amqp_send_open(amqp_link_t *l);

/**
 * Takes the bytes that arrived for @p l's current deliveries and handles
 * each complete one (PN_DELIVERY on an IN link).
 * @thread amqp proactor  @locks none
 */
void amqp_send_deliveries(amqp_link_t *l);

/**
 * Settles the delivery of a completed append (from the connection's done
 * queue) and frees @p p, dropping its link reference.
 * @thread amqp proactor (the link's connection context)  @locks none
 */
void amqp_send_completed(amqp_send_pend_t *p);

/**
 * Reads the bytes that arrived for @p d (the link's current delivery) into
 * l->buf; past @p limit bytes in all (or when memory runs out) bytes are
 * only counted in l->seen and l->oversize (l->nomem) is set.
 * @thread amqp proactor  @locks none
 */
void amqp_send_take_bytes(amqp_link_t *l, pn_delivery_t *d, size_t limit);

/** Forgets the reassembled delivery (keeps a small buffer). @thread amqp proactor @locks none */
void amqp_send_reset(amqp_link_t *l);

/** Frees what an IN link holds when it closes. @thread amqp proactor @locks none */
void amqp_send_close(amqp_link_t *l);

/** Frees @p p without settling (its connection is gone). @thread any @locks none */
void amqp_send_pend_free(amqp_send_pend_t *p);

#endif
