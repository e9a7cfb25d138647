/**
 * An event hub (a Kafka topic): a fixed set of partitions and the Event
 * Hubs consumer groups that may read it (DESIGN.md §1).
 */
#ifndef TRIB_HUB_H
#define TRIB_HUB_H

#include <stdbool.h>
#include <stdint.h>

#include "part.h"
#include "slice.h"

typedef struct hub hub_t;

#define HUB_MAX_PARTITIONS 1024
#define HUB_MAX_CONSUMER_GROUPS 1000
#define HUB_NAME_MAX 256
/**
 * Largest record batch the core stores. Publication limits (Event Hubs' 1 MB
 * AMQP message or HTTP body, Kafka's message.max.bytes) are each head's to
 * enforce on the wire; a head-built batch carries bookkeeping headers
 * (docs/mapping.md), so a 1 MiB publication can store as more than 1 MiB.
 */
#define HUB_DEFAULT_MAX_BATCH_BYTES (8u * 1024 * 1024)

/** The hub's name, NUL-terminated, borrowed for the namespace's life. @thread any */
const char *hub_name(const hub_t *h);

/**
 * Number of partitions; it only grows (Kafka CreatePartitions), and
 * hub_partition(h, i) is valid for every i below a count once read.
 * @thread any  @locks none (acquire load)
 */
int32_t hub_partition_count(const hub_t *h);

/** Creation time, ms since the Unix epoch. @thread any */
int64_t hub_created_at(const hub_t *h);

/** Largest record batch stored, bytes (HUB_DEFAULT_MAX_BATCH_BYTES). @thread any */
uint32_t hub_max_batch_bytes(const hub_t *h);

/**
 * Partition @p id, borrowed for the namespace's life, or NULL when out of
 * range. @thread any  @locks none
 */
part_t *hub_partition(hub_t *h, int32_t id);

/**
 * True when @p name is one of this hub's Event Hubs consumer groups
 * (`$Default` always is; compared case-insensitively as the service does).
 * @thread any  @locks none
 */
bool hub_has_consumer_group(const hub_t *h, trib_slice_t name);

/**
 * The partition for an event: @p key hashed with pkey_partition when it is
 * not null, else the next partition round-robin.
 * @thread any  @locks none (atomic counter)
 */
int32_t hub_pick_partition(hub_t *h, trib_slice_t key);

/**
 * Core-internal: opens hub @p name (borrowed, copied) with @p partitions
 * partitions over @p store, recovering each. @p cgs lists @p ncg consumer
 * group names besides $Default (borrowed, copied). *out is owned by the
 * namespace (hub_close). Errors: storage errors, TRIB_ERR_NOMEM.
 * @thread main or a head thread inside ns_hub_create  @locks namespace write lock
 */
trib_err_t hub_open(store_t *store, const char *name, int32_t partitions, int64_t created_at,
		    const char *const *cgs, size_t ncg, hub_t **out) TRIB_MUST_CHECK;

/**
 * Core-internal, start-up only: grows the hub to @p partitions (never
 * shrinks) and replaces its consumer groups. Errors as hub_open.
 */
trib_err_t hub_update(hub_t *h, store_t *store, int32_t partitions, const char *const *cgs,
		      size_t ncg) TRIB_MUST_CHECK;

/**
 * Core-internal: opens partitions up to @p partitions (a no-op when that
 * many are open) without making them visible: hub_partition_count still
 * answers the published count. Errors: TRIB_ERR_INVALID (over
 * HUB_MAX_PARTITIONS), storage errors (the ones opened so far stay open).
 * @thread any  @locks namespace write lock
 */
trib_err_t hub_open_partitions(hub_t *h, store_t *store, int32_t partitions) TRIB_MUST_CHECK;

/**
 * Core-internal: makes every opened partition visible (a release store of
 * the count; the parts array is never reallocated, so readers need no lock).
 * @thread any  @locks namespace write lock
 */
void hub_publish_partitions(hub_t *h);

/**
 * Core-internal: the hub's metadata as JSON text ({"partitions": n opened,
 * "consumer_groups": [...], "created_at": ms}), owned by the caller
 * (free()), or NULL when memory is short.
 */
char *hub_meta_json(const hub_t *h);

/** Core-internal: frees the hub and its partitions; NULL accepted. */
void hub_close(hub_t **h);

#endif
