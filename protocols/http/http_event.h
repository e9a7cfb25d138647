/**
 * Events as the Event Hubs HTTP send API delivers them, and their record
 * form (Event Hubs REST "Send event" / "Send batch events"; DESIGN.md §3;
 * eventhubs-surface.md §2, §5).
 *
 * An event is a body, an optional partition key, typed user properties and
 * a few BrokerProperties. It becomes one Kafka record laid out as
 * lib/evhdr.h documents: one header per user property (value = the full
 * AMQP encoding of the typed value), then EVHDR_SRC = "http", then
 * EVHDR_PUBLISHER when sent as a publisher, then the AMQP properties-section
 * fields as UTF-8 text headers in AMQP 1.0 §3.2.4 order.
 *
 * Pure code: no core, no sockets; all memory comes from a request arena.
 */
#ifndef TRIB_HTTP_EVENT_H
#define TRIB_HTTP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http_arena.h"
#include "slice.h"
#include "trib_err.h"

#define HTTP_EVENT_MAX_PROPS 1024   /**< user properties per event */
#define HTTP_EVENT_MSG_MAX 240      /**< bytes of an error text, NUL included */
#define HTTP_EVENT_SRC_VALUE "http" /**< value of the EVHDR_SRC marker */

/** A short English text saying what was wrong with a request (always NUL-terminated). */
typedef struct http_event_msg {
	char text[HTTP_EVENT_MSG_MAX];
} http_event_msg_t;

/**
 * Formats the error text into @p msg (NULL accepted: nothing is written),
 * cut to HTTP_EVENT_MSG_MAX bytes.
 * @thread any  @locks none
 */
void http_event_msg_set(http_event_msg_t *msg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * The BrokerProperties kept as AMQP properties-section text headers, in
 * AMQP 1.0 §3.2.4 order (the record header order).
 */
typedef enum http_event_sys {
	HTTP_EVENT_SYS_MESSAGE_ID,     /**< MessageId -> "message-id" */
	HTTP_EVENT_SYS_TO,             /**< To -> "to" */
	HTTP_EVENT_SYS_SUBJECT,        /**< Label -> "subject" */
	HTTP_EVENT_SYS_REPLY_TO,       /**< ReplyTo -> "reply-to" */
	HTTP_EVENT_SYS_CORRELATION_ID, /**< CorrelationId -> "correlation-id" */
	HTTP_EVENT_SYS_CONTENT_TYPE,   /**< ContentType -> "content-type" */
	HTTP_EVENT_SYS_COUNT
} http_event_sys_t;

/** One user property: @c value is the AMQP encoding, constructor byte included. */
typedef struct http_event_prop {
	trib_slice_t name;  /**< UTF-8, borrowed (request header, JSON tree or arena) */
	trib_slice_t value; /**< AMQP-encoded, in the arena */
} http_event_prop_t;

/** One event. Every slice is borrowed from the request, its JSON trees or its arena. */
typedef struct http_event {
	trib_slice_t body;      /**< never the null slice (empty body = empty value) */
	trib_slice_t key;       /**< PartitionKey (UTF-8); null slice when none */
	trib_slice_t publisher; /**< publisher name; null slice unless sent as a publisher */
	trib_slice_t sys[HTTP_EVENT_SYS_COUNT]; /**< null slice = absent */
	http_event_prop_t *props;
	size_t nprops;
	int32_t partition; /**< chosen by the caller before http_event_build; -1 = unset */
} http_event_t;

/** A request header as the server saw it (both borrowed, not NUL-terminated). */
typedef struct http_event_header {
	trib_slice_t name;
	trib_slice_t value;
} http_event_header_t;

/** The type a user property value gets (what the service does, eventhubs-surface.md §5). */
typedef enum http_event_type {
	HTTP_EVENT_INT,    /**< AMQP int (0x71) */
	HTTP_EVENT_LONG,   /**< AMQP long (0x81) */
	HTTP_EVENT_DOUBLE, /**< AMQP double (0x82) */
	HTTP_EVENT_BOOL,   /**< AMQP true/false (0x41/0x42) */
	HTTP_EVENT_STRING, /**< AMQP string (0xa1/0xb1) */
} http_event_type_t;

/** A typed value; which member is meaningful depends on the type. */
typedef struct http_event_value {
	http_event_type_t type;
	int64_t i;      /**< INT and LONG */
	double d;       /**< DOUBLE */
	bool b;         /**< BOOL */
	trib_slice_t s; /**< STRING (borrowed from the input) */
} http_event_value_t;

/** One record batch for one partition, built by http_event_build. */
typedef struct http_event_batch {
	int32_t partition;
	uint8_t *bytes; /**< RecordBatch v2; freed by the arena unless released */
	size_t len;     /**< bytes */
	size_t count;   /**< records */
} http_event_batch_t;

/**
 * The record header name of @p sys ("message-id", "to", ...), static.
 * @thread any  @locks none
 */
const char *http_event_sys_header(http_event_sys_t sys);

/**
 * Types a header value as the service does: int32 when it is a decimal
 * integer ([+-]digits) in int32 range, else int64 when in int64 range,
 * else double when it is a whole finite decimal floating number
 * ([+-]digits[.digits][e[+-]digits], ".5" and "5." included), else bool
 * for true/false in any case, else string. @p text is borrowed; a STRING
 * result's @c s borrows it. Never fails.
 * @thread any  @locks none
 */
http_event_value_t http_event_type_text(trib_slice_t text);

/**
 * Encodes @p v as AMQP (amqpv_wr_int, _long, _double, _bool, _string)
 * into the arena; *out receives the bytes. Errors: TRIB_ERR_NOMEM,
 * TRIB_ERR_TOO_LARGE (a string over 4 GiB).
 * @thread arena owner  @locks none
 */
trib_err_t http_event_encode(http_arena_t *a, const http_event_value_t *v,
			     trib_slice_t *out) TRIB_MUST_CHECK;

/**
 * Types a JSON value as the batch format keeps it (integer -> int32 or
 * int64 by range, real -> double, true/false -> bool, string -> string)
 * and encodes it like http_event_encode. Errors: TRIB_ERR_INVALID for
 * null, objects and arrays (with a text in @p msg naming @p what),
 * TRIB_ERR_NOMEM.
 * @thread arena owner  @locks none
 */
trib_err_t http_event_encode_json(http_arena_t *a, const json_t *v, const char *what,
				  trib_slice_t *out, http_event_msg_t *msg) TRIB_MUST_CHECK;

/**
 * Applies a BrokerProperties JSON object to @p ev: PartitionKey -> key;
 * MessageId, CorrelationId, ContentType, Label, To, ReplyTo -> sys text.
 * Values must be strings (null = absent); unknown names are ignored.
 * @p obj must outlive @p ev (its strings are borrowed). @p what names the
 * object in error texts ("BrokerProperties header", "events[3].BrokerProperties").
 * Errors: TRIB_ERR_INVALID with @p msg set.
 * @thread any  @locks none
 */
trib_err_t http_event_apply_broker(http_event_t *ev, const json_t *obj, const char *what,
				   http_event_msg_t *msg) TRIB_MUST_CHECK;

/**
 * True for request headers that are transport or standard HTTP headers
 * and never user properties (Host, Content-Type, Authorization, Accept*,
 * x-ms-*, Proxy-*, X-Forwarded-*, BrokerProperties, ...); ASCII case ignored.
 * @thread any  @locks none
 */
bool http_event_header_reserved(trib_slice_t name);

/**
 * Builds the single event of a non-batch send: @p body as-is, the
 * `BrokerProperties` header (JSON object) applied, every other
 * non-reserved header a user property typed by http_event_type_text (the
 * first of repeated names wins, names compared without ASCII case).
 * @p body and @p hdrs (@p nhdrs entries) are borrowed and must outlive the
 * event. *out is allocated in @p a.
 * Errors: TRIB_ERR_INVALID (bad BrokerProperties JSON, header name or value
 * not UTF-8) and TRIB_ERR_TOO_LARGE (over HTTP_EVENT_MAX_PROPS), with
 * @p msg set; TRIB_ERR_NOMEM.
 * @thread arena owner  @locks none
 * Spec: Event Hubs REST "Send event"; eventhubs-surface.md §2.
 */
trib_err_t http_event_from_request(http_arena_t *a, trib_slice_t body,
				   const http_event_header_t *hdrs, size_t nhdrs,
				   http_event_t **out, http_event_msg_t *msg) TRIB_MUST_CHECK;

/**
 * Makes @p publisher (UTF-8, borrowed) the publisher and partition key of
 * each of the @p n events. Errors: TRIB_ERR_INVALID with @p msg set when an
 * event already carries a different PartitionKey or the name is not UTF-8.
 * @thread any  @locks none
 * Spec: Event Hubs REST "Send event with publisher id".
 */
trib_err_t http_event_set_publisher(http_event_t *evs, size_t n, trib_slice_t publisher,
				    http_event_msg_t *msg) TRIB_MUST_CHECK;

/**
 * Groups the @p n events by their @c partition (each >= 0, set by the
 * caller) and builds one uncompressed RecordBatch v2 per partition, records
 * in request order, every timestamp @p ts_ms. *out is an array of *nout
 * batches in ascending partition order, allocated in @p a; each batch's
 * bytes are freed with the arena unless http_event_batch_release took them.
 * Errors: TRIB_ERR_INVALID (n == 0 or a partition < 0), TRIB_ERR_TOO_LARGE
 * (over RB_MAX_RECORDS), TRIB_ERR_NOMEM.
 * @thread arena owner  @locks none
 */
trib_err_t http_event_build(http_arena_t *a, const http_event_t *evs, size_t n, int64_t ts_ms,
			    http_event_batch_t **out, size_t *nout) TRIB_MUST_CHECK;

/**
 * Frees @p b's bytes now (after they were appended) instead of with the
 * arena; b->bytes becomes NULL. Safe to call twice.
 * @thread arena owner  @locks none
 */
void http_event_batch_release(http_event_batch_t *b);

/**
 * True when the @p n bytes at @p p are well-formed UTF-8 (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF).
 * @thread any  @locks none
 */
bool http_event_utf8_valid(const uint8_t *p, size_t n);

#endif
