/**
 * AMQP 1.0 messages (OASIS AMQP 1.0 part 3, §3.2 "Message Format") as the
 * Event Hubs head reads and writes them, and their mapping to stored
 * records (DESIGN.md §3, lib/evhdr.h).
 *
 * Incoming: a delivery is split into its sections without Proton (raw byte
 * slices of each), and turned into records: a plain message is one event,
 * a batch (message-format 0x80013700, reference/eventhubs-surface.md §1.5)
 * is one event per data section of the envelope, each section holding a
 * complete encoded message. Outgoing: a stored record is encoded as one
 * message (format 0) with the Event Hubs annotations.
 * Pure: no core or Proton calls.
 */
#ifndef TRIB_AMQP_MSG_H
#define TRIB_AMQP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amqpv.h"
#include "rb.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

/** Transfer message-format of an Event Hubs batch (Microsoft's 0x800137 + version 0). */
#define AMQP_MSG_FORMAT_BATCH 0x80013700u
/** Application properties accepted per event. */
#define AMQP_MSG_MAX_PROPERTIES 1024
/** Events accepted in one batch delivery. */
#define AMQP_MSG_MAX_BATCH_EVENTS 100000

/* Section descriptor codes (AMQP 1.0 §3.2). */
enum {
	AMQP_SEC_HEADER = 0x70,
	AMQP_SEC_DELIVERY_ANNOTATIONS = 0x71,
	AMQP_SEC_MESSAGE_ANNOTATIONS = 0x72,
	AMQP_SEC_PROPERTIES = 0x73,
	AMQP_SEC_APPLICATION_PROPERTIES = 0x74,
	AMQP_SEC_DATA = 0x75,
	AMQP_SEC_SEQUENCE = 0x76,
	AMQP_SEC_VALUE = 0x77,
	AMQP_SEC_FOOTER = 0x78,
};

typedef enum amqp_msg_body {
	AMQP_BODY_NONE,     /**< no body section */
	AMQP_BODY_DATA,     /**< one or more data sections */
	AMQP_BODY_SEQUENCE, /**< one or more amqp-sequence sections */
	AMQP_BODY_VALUE,    /**< one amqp-value section */
} amqp_msg_body_t;

/** A decoded message; every slice borrows the encoded bytes. */
typedef struct amqp_msg {
	/* raw sections, descriptor included; null slices when absent */
	trib_slice_t header;
	trib_slice_t delivery_annotations;
	trib_slice_t message_annotations;
	trib_slice_t properties;
	trib_slice_t application_properties;
	trib_slice_t body; /**< all body sections, contiguous */
	trib_slice_t footer;

	amqp_msg_body_t body_kind;
	uint32_t body_sections;    /**< number of data / amqp-sequence sections */
	trib_slice_t data;         /**< bytes of the first data section */
	amqpv_t value;             /**< AMQP_BODY_VALUE: the value */
	amqpv_t annotations; /**< message-annotations map (valid when the section is present) */
	amqpv_t props;             /**< properties list (valid when present) */
	amqpv_t app_props;         /**< application-properties map (valid when present) */
	trib_slice_t partition_key; /**< x-opt-partition-key string; null slice when none */
} amqp_msg_t;

/**
 * Splits the encoded message @p p (@p len bytes, borrowed while @p m is
 * used) into sections, checking every value, the section order of §3.2,
 * the section types, string or symbol application-property keys (at most
 * AMQP_MSG_MAX_PROPERTIES) and that all bytes are used.
 * Errors: TRIB_ERR_INVALID.
 * @thread any  @locks none
 */
trib_err_t amqp_msg_decode(const uint8_t *p, size_t len, amqp_msg_t *m) TRIB_MUST_CHECK;

/**
 * Record batches being built from one delivery. Events go into the last
 * batch until the next record would take it past max_bytes; then a new
 * batch starts (a record larger than max_bytes alone still gets its own
 * batch, which the core then refuses as too large).
 */
typedef struct amqp_msg_out {
	rb_builder_t *batches; /**< n builders (array owned, MEM_AMQP) */
	size_t n, cap;
	size_t max_bytes;      /**< batch size limit in bytes; 0 = none */
	int64_t ts_ms;         /**< record timestamps */
} amqp_msg_out_t;

/** Starts an empty set of batches. @thread any @locks none */
void amqp_msg_out_init(amqp_msg_out_t *o, size_t max_bytes, int64_t ts_ms);

/** Frees the builders (finished or not) and the array; @p o may be re-initialised. */
void amqp_msg_out_free(amqp_msg_out_t *o);

/**
 * Adds the events of one delivery (@p p, @p len bytes: the complete
 * transfer payload, borrowed for the call) to @p o as records laid out as
 * lib/evhdr.h documents (marker value "amqp"). @p format is the
 * transfer's message-format: AMQP_MSG_FORMAT_BATCH unpacks the envelope's
 * data sections; anything else is one event. @p publisher (null slice
 * unless the link targets `<hub>/Publishers/<name>`) is kept in an
 * EVHDR_PUBLISHER header. *first_key gets the partition key of the first
 * event (falling back to the envelope's), borrowed from @p p; *count the
 * events added. Nothing is added unless every event decodes.
 * Errors: TRIB_ERR_INVALID (any message malformed, a batch without data
 * sections or over AMQP_MSG_MAX_BATCH_EVENTS), TRIB_ERR_NOMEM, the
 * builders' errors (then @p o is unusable: free it).
 * @thread any  @locks none
 */
trib_err_t amqp_msg_add_delivery(amqp_msg_out_t *o, const uint8_t *p, size_t len, uint32_t format,
				 trib_slice_t publisher, trib_slice_t *first_key,
				 int32_t *count) TRIB_MUST_CHECK;

/**
 * Encodes record @p r (decoded from a stored batch; borrowed) as an AMQP
 * message for a receiver: message-annotations x-opt-sequence-number
 * (long), x-opt-offset (decimal string), x-opt-enqueued-time (timestamp =
 * the record timestamp), then for AMQP/HTTP-written records (EVHDR_SRC
 * present) x-opt-partition-key (the key), x-opt-publisher, the stored
 * extra annotations, the stored or rebuilt properties section, the
 * application properties from the raw header values before the marker and
 * the stored body (EVHDR_BODY) or one data section; for Kafka-written
 * records x-opt-kafka-key (binary) when the key is not null, every header
 * as an application property with a binary value, and the value as one
 * data section (amqp-value null for a null value). Everything from the
 * marker on is bookkeeping and is not emitted as a property.
 * Follows wire_wr_t rules: measure with a NULL writer first. Returns the
 * bytes written (wr->pos growth).
 * @thread any  @locks none
 */
size_t amqp_msg_encode_record(const rb_record_t *r, wire_wr_t *wr);

#endif
