/**
 * Request paths of the Event Hubs HTTP send API (Event Hubs REST "Send
 * event", "Send partition event", "Send event with publisher id";
 * eventhubs-surface.md §2):
 *
 *   /<hub>/messages
 *   /<hub>/partitions/<id>/messages
 *   /<hub>/publishers/<name>/messages   (also /publisher/, as a doc example spells it)
 *
 * The fixed words are matched without ASCII case; the hub name is kept as
 * written, and is everything before them (so "/a/b/messages" names hub
 * "a/b", which the namespace refuses as a name: 404). Query strings never
 * reach here (the server strips them). Pure code.
 */
#ifndef TRIB_HTTP_ROUTE_H
#define TRIB_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"

typedef enum http_route_kind {
	HTTP_ROUTE_NONE,      /**< not a send path */
	HTTP_ROUTE_HUB,       /**< /<hub>/messages: the gateway picks the partition */
	HTTP_ROUTE_PARTITION, /**< /<hub>/partitions/<id>/messages */
	HTTP_ROUTE_PUBLISHER, /**< /<hub>/publishers/<name>/messages */
} http_route_kind_t;

/** A parsed path; slices borrow the path. */
typedef struct http_route {
	http_route_kind_t kind;
	trib_slice_t hub; /**< hub name */
	trib_slice_t arg; /**< partition id text or publisher name; null for HUB */
} http_route_t;

/**
 * Parses @p path (@p len bytes, borrowed). A trailing '/' is ignored;
 * empty segments give HTTP_ROUTE_NONE.
 * @thread any  @locks none
 */
void http_route_parse(const char *path, size_t len, http_route_t *r);

/**
 * Parses a partition id: 1 to 10 decimal digits, no sign, at most
 * INT32_MAX. Returns false otherwise.
 * @thread any  @locks none
 */
bool http_route_partition_id(trib_slice_t s, int32_t *id);

#endif
