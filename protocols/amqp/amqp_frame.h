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
 * It also reads what Proton 0.37 drops or mishandles: the
 * desired-capabilities of every attach (field 12, any role; Proton has no
 * pn_link_remote_desired_capabilities), kept per link until the link
 * state takes them, and the SASL frames: a second sasl-init on one
 * connection is refused before Proton sees it (its pn_do_init leaks the
 * mechanism name copied for the previous one, AMQP 1.0 §5.3.2 allows one).
 *
 * Otherwise it never rejects input: malformed framing only stops the
 * scanner (Proton reports the error to the client); unknown links give
 * format 0 and no capabilities.
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
/**
 * Largest attach performative read whole, bytes (our max frame size): an
 * attach past AMQP_FRAME_PREFIX_MAX (a source with filters) is collected
 * in a buffer allocated for that frame only, so its field 12 is found.
 */
#define AMQP_FRAME_ATTACH_MAX (256 * 1024)

/** Capability bits (amqp_frame_take_caps). */
#define AMQP_FRAME_CAP_RUNTIME_METRIC 0x1u /**< com.microsoft:enable-receiver-runtime-metric */
/** The desired-capability symbol behind AMQP_FRAME_CAP_RUNTIME_METRIC (reference §1.3). */
#define AMQP_FRAME_SYM_RUNTIME_METRIC "com.microsoft:enable-receiver-runtime-metric"

typedef struct amqp_frame_pending {
	uint32_t format;
	uint8_t tag_len;
	uint8_t tag[AMQP_FRAME_TAG_MAX];
} amqp_frame_pending_t;

/**
 * A link the client attached: every client sender (its deliveries'
 * formats), and client receivers that asked for a capability we know
 * (until the link state takes them).
 */
typedef struct amqp_frame_link {
	char *name; /**< owned copy (MEM_AMQP) */
	size_t name_len;
	bool receiver;   /**< the client's role is receiver (attach role true) */
	uint32_t caps;   /**< AMQP_FRAME_CAP_* from its desired-capabilities */
	int32_t channel; /**< -1 once detached */
	uint32_t handle;
	bool more; /**< a multi-frame delivery is in progress */
	amqp_frame_pending_t *q; /**< ring buffer, owned */
	uint32_t head, len, cap;
} amqp_frame_link_t;

typedef struct amqp_frame_scan {
	int state;
	bool dead;          /**< framing lost: bytes pass unscanned */
	const char *refused; /**< static reason once a frame was refused, else NULL */
	uint32_t sasl_inits; /**< sasl-init frames seen */
	uint8_t hdr[8];
	size_t hdr_len;
	uint8_t type;       /**< the current frame's type (0 AMQP, 1 SASL) */
	uint16_t channel;
	size_t body_left;
	size_t skip;
	size_t perf_len;    /**< the current frame's bytes after its extended header */
	size_t want;
	size_t prefix_len;
	uint8_t *big;       /**< a large attach being collected (MEM_AMQP), else NULL */
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
 * in order; any split of the stream is fine. Returns how many of them may
 * go on to Proton: all @p n, unless a frame Proton must not read starts
 * or ends in them (a second sasl-init): then the bytes before the step
 * that found it, which never complete that frame, and 0 on every later
 * call. amqp_frame_refusal() then says why; the caller closes the
 * connection.
 * @thread the connection's owner  @locks none
 */
size_t amqp_frame_feed(amqp_frame_scan_t *s, const uint8_t *p, size_t n);

/**
 * NULL while the input is acceptable, else a static description of the
 * frame that was refused ("A second sasl-init on one connection.").
 * @thread the connection's owner  @locks none
 */
const char *amqp_frame_refusal(const amqp_frame_scan_t *s);

/**
 * The AMQP_FRAME_CAP_* bits the client asked for in the desired-capabilities
 * of its attach of link @p link_name (borrowed) with role @p receiver (true:
 * the client receives). A client receiver's entry is removed (call once,
 * when its attach is handled); a client sender's stays for its formats.
 * Returns 0 when the link is unknown or asked for nothing we know.
 * @thread the connection's owner  @locks none
 */
uint32_t amqp_frame_take_caps(amqp_frame_scan_t *s, trib_slice_t link_name, bool receiver);

/**
 * The message-format of the next delivery on the client-sender link named
 * @p link_name whose tag is @p tag (bytes, borrowed), removing it (and any
 * older entries that do not match, which Proton never handed out). Returns 0
 * when the link or delivery is unknown.
 * @thread the connection's owner  @locks none
 */
uint32_t amqp_frame_take_format(amqp_frame_scan_t *s, trib_slice_t link_name, trib_slice_t tag);

/**
 * Drops what is kept for the client-sender link @p link_name (after it is
 * closed). @thread owner @locks none
 */
void amqp_frame_forget(amqp_frame_scan_t *s, trib_slice_t link_name);

#endif
