/**
 * Event Hubs entity addresses as clients write them in attach source /
 * target (reference/eventhubs-surface.md §1.2): `<hub>`,
 * `<hub>/Partitions/<n>`, `<hub>/Publishers/<name>`,
 * `<hub>/ConsumerGroups/<cg>/Partitions/<n>`, `$management`, `$cbs`; with or
 * without a leading slash (.NET), as a full `amqps://host/...` or
 * `sb://host/...` URL (Python), path words in any case, %XX escapes decoded.
 * Pure: no core calls.
 */
#ifndef TRIB_AMQP_ADDR_H
#define TRIB_AMQP_ADDR_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"

/** Longest address accepted, bytes (Event Hubs names are at most 256 + 50 + a few). */
#define AMQP_ADDR_MAX_BYTES 1024

typedef enum amqp_addr_kind {
	AMQP_ADDR_HUB,        /**< `<hub>`: the service picks the partition */
	AMQP_ADDR_PARTITION,  /**< `<hub>/Partitions/<n>` */
	AMQP_ADDR_PUBLISHER,  /**< `<hub>/Publishers/<name>` */
	AMQP_ADDR_CONSUMER,   /**< `<hub>/ConsumerGroups/<cg>/Partitions/<n>` */
	AMQP_ADDR_MANAGEMENT, /**< `$management` (or `<hub>/$management`) */
	AMQP_ADDR_CBS,        /**< `$cbs` */
} amqp_addr_kind_t;

/**
 * A parsed address. The slices point into path[], so the struct must not
 * be copied by value while they are used.
 */
typedef struct amqp_addr {
	amqp_addr_kind_t kind;
	trib_slice_t hub;            /**< hub name; null slice for $management / $cbs */
	trib_slice_t consumer_group; /**< AMQP_ADDR_CONSUMER only, else null */
	trib_slice_t publisher;      /**< AMQP_ADDR_PUBLISHER only, else null */
	int32_t partition;           /**< partition index, -1 when the address names none */
	char path[AMQP_ADDR_MAX_BYTES + 1]; /**< normalised path, NUL-terminated */
} amqp_addr_t;

/**
 * Parses @p address (bytes, borrowed for the call) into @p out.
 * The hub may itself contain '/' (hub names allow it): the structure words
 * are matched from the right. A partition is 1 to 9 decimal digits.
 * Errors: TRIB_ERR_INVALID (null, empty, over AMQP_ADDR_MAX_BYTES, a bad
 * %XX escape, an empty hub, consumer group or publisher name, a URL with
 * no path).
 * @thread any  @locks none
 */
trib_err_t amqp_addr_parse(trib_slice_t address, amqp_addr_t *out) TRIB_MUST_CHECK;

#endif
