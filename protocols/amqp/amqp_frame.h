/**
 * A scanner of the AMQP byte stream a client sends, run before the bytes
 * reach Proton, that remembers the message-format of every delivery a
 * client sends to us.
 *
 * Why: Proton-C 0.37 (Debian 12) decodes the transfer performative but
 * drops its message-format field (transport.c pn_do_transfer) and has no
 * pn_delivery_message_format(); Event Hubs batches are told apart only by
 * message-format 0x80013700 (reference/eventhubs-surface.md §1.5). The
 * scanner follows the framing of AMQP 1.0 §2.3 (protocol headers, SASL
 * and AMQP frames), decodes only the first bytes of attach, transfer,
 * detach and end performatives, and keeps, per client-sender link, a FIFO
 * of (message-format, delivery-tag) in delivery order: the order in which
 * Proton later hands the deliveries out on that link.
 *
 * It never rejects input: malformed framing only stops the scanner (Proton
 * reports the error to the client); unknown links give format 0.
 */
#ifndef TRIB_AMQP_FRAME_H
#define TRIB_AMQP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"

/** Performative bytes kept per frame; attach name/handle/role and transfer fields fit. */
#define AMQP_FRAME_PREFIX_MAX 1024
/** Client-sender links tracked per connection. */
#define AMQP_FRAME_MAX_LINKS 1024
/** Deliveries remembered per link before the oldest are dropped. */
#define AMQP_FRAME_MAX_QUEUED 8192
/** Longest delivery tag compared (AMQP 1.0 §2.8.7 allows 32 bytes). */
#define AMQP_FRAME_TAG_MAX 32

typedef struct amqp_frame_pending {
	uint32_t format;
	uint8_t tag_len;
	uint8_t tag[AMQP_FRAME_TAG_MAX];
} amqp_frame_pending_t;

typedef struct amqp_frame_link {
	char *name; /**< owned copy (MEM_AMQP) */
	size_t name_len;
	int32_t channel; /**< -1 once detached */
	uint32_t handle;
	bool more; /**< a multi-frame delivery is in progress */
	amqp_frame_pending_t *q; /**< ring buffer, owned */
	uint32_t head, len, cap;
} amqp_frame_link_t;

typedef struct amqp_frame_scan {
	int state;
	bool dead;
	uint8_t hdr[8];
	size_t hdr_len;
	uint16_t channel;
	size_t body_left;
	size_t skip;
	size_t want;
	size_t prefix_len;
	uint8_t prefix[AMQP_FRAME_PREFIX_MAX];
	amqp_frame_link_t *links; /**< owned array */
	size_t nlinks, cap;
} amqp_frame_scan_t;

/** Starts a scanner at the beginning of a connection's input. @thread owner @locks none */
void amqp_frame_init(amqp_frame_scan_t *s);

/** Frees what the scanner holds; the struct may be re-initialised. @thread owner @locks none */
void amqp_frame_free(amqp_frame_scan_t *s);

/**
 * Feeds the next @p n bytes the client sent (@p p borrowed for the call),
 * in order; any split of the stream is fine.
 * @thread the connection's owner  @locks none
 */
void amqp_frame_feed(amqp_frame_scan_t *s, const uint8_t *p, size_t n);

/**
 * The message-format of the next delivery on the client-sender link named
 * @p link_name whose tag is @p tag (bytes, borrowed), removing it (and any
 * older entries that do not match, which Proton never handed out). Returns 0
 * when the link or delivery is unknown.
 * @thread the connection's owner  @locks none
 */
uint32_t amqp_frame_take_format(amqp_frame_scan_t *s, trib_slice_t link_name, trib_slice_t tag);

/** Drops what is kept for link @p link_name (after it is closed). @thread owner @locks none */
void amqp_frame_forget(amqp_frame_scan_t *s, trib_slice_t link_name);

#endif
