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
#include "tcfg.h"

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
#define HUB_TOPIC_ID_LEN 16 /**< bytes of a Kafka topic id (KIP-516 UUID) */

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
 * The hub's Kafka topic id (KIP-516): HUB_TOPIC_ID_LEN random bytes, never
 * all zero, made with getrandom(2) when the hub was created (or first
 * loaded without one) and kept in hub.json; it never changes, so a hub
 * deleted and created again under the same name gets a new one. Borrowed
 * for the namespace's life. Metadata v10+, Fetch v13+, DeleteTopics v6.
 * @thread any  @locks none
 */
const uint8_t *hub_topic_id(const hub_t *h);

/**
 * A snapshot of the hub's topic configs into *out (owned by the caller):
 * consistent (copied under the hub's config lock), so a DescribeConfigs or
 * an IncrementalAlterConfigs edit starts from one version.
 * @thread any  @locks the hub's config lock
 */
void hub_config(hub_t *h, tcfg_t *out);

/**
 * max.message.bytes when the hub overrides it, else -1: the largest record
 * batch a Kafka producer may send to this hub, bytes, log overhead included
 * (Kafka compares the whole batch); bigger gets MESSAGE_TOO_LARGE. With -1
 * the Kafka head applies its own message.max.bytes setting, the broker
 * default behind the topic config (the namespace's
 * topic_defaults.max_message_bytes should equal it, so DescribeConfigs
 * shows the limit applied). AMQP and HTTP keep their own 1 MiB publication
 * limits. @thread any  @locks none (atomic load)
 */
int32_t hub_max_message_bytes(const hub_t *h);

/** message.timestamp.type of the hub. @thread any  @locks none (atomic load) */
tcfg_ts_type_t hub_timestamp_type(const hub_t *h);

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
 * group names besides $Default (borrowed, copied). @p cfg (borrowed,
 * copied, valid: tcfg_check) is its topic configs, applied to every
 * partition before any append. @p topic_id (HUB_TOPIC_ID_LEN bytes,
 * borrowed) is its stored topic id; NULL makes a new one.
 * *out is owned by the namespace (hub_close).
 * Errors: storage errors, TRIB_ERR_NOMEM, TRIB_ERR_IO (getrandom failed).
 * @thread main or a head thread inside ns_hub_create  @locks namespace write lock
 */
trib_err_t hub_open(store_t *store, const char *name, int32_t partitions, int64_t created_at,
		    const char *const *cgs, size_t ncg, const tcfg_t *cfg,
		    const uint8_t *topic_id, hub_t **out) TRIB_MUST_CHECK;

/**
 * Core-internal: makes @p cfg (borrowed, copied, valid) the hub's topic
 * configs: readers see it at once, and every opened partition gets the new
 * storage policy. The caller saved hub.json with it first.
 * @thread any  @locks namespace write lock; takes the hub's config lock
 */
void hub_set_config(hub_t *h, const tcfg_t *cfg);

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
 * "consumer_groups": [...], "created_at": ms, "topic_id": 32 hex digits,
 * "config": {overridden topic config: its Kafka string form}}) with @p cfg
 * (borrowed; NULL = the hub's own) as its topic configs, owned by the
 * caller (free()), or NULL when memory is short.
 * @thread any  @locks namespace write lock; takes the hub's config lock
 */
char *hub_meta_json(hub_t *h, const tcfg_t *cfg);

/** Core-internal: frees the hub and its partitions; NULL accepted. */
void hub_close(hub_t **h);

#endif
