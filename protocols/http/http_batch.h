/**
 * The JSON batch body of the Event Hubs HTTP send API (Event Hubs REST
 * "Send batch events"; eventhubs-surface.md §2, clients.md §5):
 *
 *   Content-Type: application/vnd.microsoft.servicebus.json
 *   [{"Body": "...", "UserProperties": {...}, "BrokerProperties": {...}}, ...]
 *
 * Body is stored as the UTF-8 bytes of the string; UserProperties keep
 * their JSON types (see http_event_encode_json); BrokerProperties as
 * http_event_apply_broker. Parsed with jansson; pure code.
 */
#ifndef TRIB_HTTP_BATCH_H
#define TRIB_HTTP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_arena.h"
#include "http_event.h"
#include "trib_err.h"

#define HTTP_BATCH_CONTENT_TYPE "application/vnd.microsoft.servicebus.json"
#define HTTP_BATCH_MAX_EVENTS 65536 /**< events in one batch request */

/**
 * True when the Content-Type header value @p ct (NUL-terminated, may be
 * NULL) names the batch format: the media type, ASCII case ignored, with
 * or without parameters ("; charset=utf-8").
 * @thread any  @locks none
 */
bool http_batch_content_type(const char *ct);

/**
 * Parses a batch body (@p body, @p len bytes, borrowed; it need not be
 * NUL-terminated) into *evs, an array of *n events allocated in @p a whose
 * strings borrow a JSON tree freed with the arena. Every event's partition
 * is -1. Errors, each with a short text in @p msg:
 * TRIB_ERR_INVALID — not JSON (jansson's line, column and reason), not an
 * array, an empty array, an item that is not an object, Body missing or not
 * a string, UserProperties or BrokerProperties not objects, a property
 * value null, object or array, a known BrokerProperties value not a string,
 * duplicate object keys; TRIB_ERR_TOO_LARGE — over HTTP_BATCH_MAX_EVENTS
 * events or HTTP_EVENT_MAX_PROPS properties in one event; TRIB_ERR_NOMEM.
 * @thread arena owner  @locks none
 */
trib_err_t http_batch_parse(http_arena_t *a, const uint8_t *body, size_t len, http_event_t **evs,
			    size_t *n, http_event_msg_t *msg) TRIB_MUST_CHECK;

#endif
