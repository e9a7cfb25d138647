/**
 * The namespace: every event hub this gateway serves (a Kafka cluster's
 * topics), loaded from storage at start, seeded from the config file, and
 * grown by Kafka CreateTopics / Metadata auto-creation.
 */
#ifndef TRIB_NS_H
#define TRIB_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"
#include "slice.h"
#include "store.h"
#include "tcfg.h"
#include "trib_err.h"

typedef struct ns ns_t;

/** One hub as the config file declares it. */
typedef struct ns_hub_spec {
	const char *name;             /**< borrowed */
	int32_t partitions;           /**< 1..HUB_MAX_PARTITIONS */
	const char *const *consumer_groups; /**< borrowed, besides $Default */
	size_t consumer_group_count;
} ns_hub_spec_t;

typedef struct ns_opts {
	const char *name;             /**< namespace name, borrowed */
	bool auto_create;             /**< Kafka topic auto-creation allowed */
	int32_t default_partitions;   /**< partitions of an auto-created hub */
	tcfg_base_t topic_defaults;   /**< gateway settings behind topic config defaults
					   (storage.segment_bytes, the Kafka batch limit);
					   zero fields = built-in defaults */
} ns_opts_t;

/**
 * Opens the namespace over @p store (borrowed, must outlive the namespace):
 * loads every stored hub and opens its partitions (recovering them).
 * Errors: storage errors, TRIB_ERR_CORRUPT (unreadable hub metadata).
 * @thread main (start-up)  @locks none
 */
trib_err_t ns_open(store_t *store, const ns_opts_t *opts, ns_t **out) TRIB_MUST_CHECK;

/** Frees the namespace (not the store); NULL accepted; sets *n to NULL. */
void ns_close(ns_t **n);

/** Namespace options as opened (borrowed). @thread any */
const ns_opts_t *ns_options(const ns_t *n);

/**
 * The hub named @p name (exact match), borrowed for the namespace's life,
 * or NULL (also for internal hubs). @thread any  @locks namespace read lock
 */
hub_t *ns_hub_find(ns_t *n, trib_slice_t name);

/**
 * Looks a hub up by its Kafka topic id (@p id: HUB_TOPIC_ID_LEN bytes,
 * borrowed): borrowed for the namespace's life, or NULL (unknown, deleted,
 * internal, or the all-zero id). A linear scan: hubs are few.
 * Metadata v10+, Fetch v13+, DeleteTopics v6 (KIP-516).
 * @thread any  @locks namespace read lock
 */
hub_t *ns_hub_find_by_id(ns_t *n, const uint8_t *id);

/**
 * Creates a hub durably (Kafka CreateTopics, Metadata auto-creation) and
 * returns it in *out (borrowed for the namespace's life), with every topic
 * config default and a new topic id. An existing hub gives TRIB_ERR_EXISTS
 * with *out set to it. Errors: TRIB_ERR_INVALID (name empty, over
 * HUB_NAME_MAX, not [A-Za-z0-9._-], "." or "..", or starting with
 * NS_INTERNAL_PREFIX; partitions out of 1..HUB_MAX_PARTITIONS), storage
 * errors.
 * @thread any  @locks namespace write lock
 */
trib_err_t ns_hub_create(ns_t *n, const ns_hub_spec_t *spec, hub_t **out) TRIB_MUST_CHECK;

/**
 * ns_hub_create with the topic configs @p cfg (borrowed, copied, rebased
 * on the namespace's defaults; NULL = every default): Kafka CreateTopics
 * with configs. hub.json holds them before the hub is found or listed.
 * Errors as ns_hub_create, and TRIB_ERR_INVALID when @p cfg fails
 * tcfg_check (@p msg, @p msg_len bytes owned by the caller or NULL, gets
 * the reason).
 * @thread any  @locks namespace write lock
 */
trib_err_t ns_hub_create_with_config(ns_t *n, const ns_hub_spec_t *spec, const tcfg_t *cfg,
				     char *msg, size_t msg_len, hub_t **out) TRIB_MUST_CHECK;

/**
 * Start-up only, before any head runs: makes the hub match the config file
 * entry @p spec — created when missing; partitions grown (never shrunk:
 * stored data is kept, and a smaller count is logged) and consumer groups
 * replaced when it exists; its topic configs are kept as stored (changes
 * made with Kafka AlterConfigs survive a restart), defaults for a new hub.
 * Errors as ns_hub_create, never TRIB_ERR_EXISTS.
 * @thread main  @locks namespace write lock
 */
trib_err_t ns_hub_declare(ns_t *n, const ns_hub_spec_t *spec) TRIB_MUST_CHECK;

/**
 * Deletes the hub named @p name (Kafka DeleteTopics): its storage is
 * removed durably (a restart does not bring it back), then it is unlinked
 * from the namespace: not found, not listed, and the name may be created
 * again at once. The hub_t and its part_t stay valid (heads may hold them)
 * until ns_close; appends to them fail with TRIB_ERR_NOT_FOUND and reads
 * see what was stored. Errors: TRIB_ERR_NOT_FOUND (no such hub, or an
 * internal one), TRIB_ERR_NOMEM, TRIB_ERR_IO (nothing changed).
 * @thread any  @locks namespace write lock, then storage locks
 */
trib_err_t ns_hub_delete(ns_t *n, trib_slice_t name) TRIB_MUST_CHECK;

/**
 * Grows hub @p h (found in this namespace) to @p count partitions (Kafka
 * CreatePartitions): the new partitions are opened and hub.json saved
 * before the new count is published to readers (hub_partition_count).
 * Errors: TRIB_ERR_NOT_FOUND (@p h was deleted, or is internal),
 * TRIB_ERR_INVALID (@p count not above the current count, or over
 * HUB_MAX_PARTITIONS), storage errors (the count is unchanged then).
 * @thread any  @locks namespace write lock
 */
trib_err_t ns_hub_add_partitions(ns_t *n, hub_t *h, int32_t count) TRIB_MUST_CHECK;

/**
 * A config holding every topic config default of this namespace (its
 * ns_opts_t topic_defaults) into *out (owned by the caller): the start of a
 * CreateTopics config, and what Kafka AlterConfigs (which replaces every
 * override) edits. @thread any  @locks none
 */
void ns_hub_default_config(const ns_t *n, tcfg_t *out);

/**
 * Replaces the topic configs of hub @p h (found in this namespace) with
 * @p cfg (borrowed; rebased on the namespace's defaults, then checked):
 * hub.json is saved durably first, then readers (hub_config, the append
 * path) and the storage policy of every partition see the new values; with
 * @p validate_only nothing changes (Kafka validateOnly). A caller that
 * edits a hub_config snapshot (IncrementalAlterConfigs) must not race
 * another editor of the same hub: the Kafka head runs one loop thread.
 * Errors: TRIB_ERR_NOT_FOUND (@p h deleted, or internal),
 * TRIB_ERR_INVALID (@p cfg fails tcfg_check; @p msg, @p msg_len bytes
 * owned by the caller or NULL, gets the reason), storage errors (nothing
 * changed). Blocks for one hub.json write and fsync.
 * @thread any  @locks namespace write lock, then the hub's config lock
 */
trib_err_t ns_hub_set_config(ns_t *n, hub_t *h, const tcfg_t *cfg, bool validate_only, char *msg,
			     size_t msg_len) TRIB_MUST_CHECK;

/**
 * Internal hubs (the core's own logs, e.g. Kafka committed offsets) have
 * names starting with this prefix; no head can find, list, create or write
 * them — only the core module that owns one, through ns_internal_hub.
 */
#define NS_INTERNAL_PREFIX "__"

/**
 * Finds or durably creates the internal hub @p name (which must start with
 * NS_INTERNAL_PREFIX) with @p partitions partitions; *out is borrowed for
 * the namespace's life. Internal hubs keep their records forever
 * (retention.ms and retention.bytes -1, whatever hub.json says) and their
 * configs cannot be changed. Errors: TRIB_ERR_INVALID (not an internal name),
 * storage errors.
 * @thread main (start-up)  @locks namespace write lock
 */
trib_err_t ns_internal_hub(ns_t *n, const char *name, int32_t partitions, hub_t **out) TRIB_MUST_CHECK;

/**
 * True when @p name is a valid event hub name (see ns_hub_create); internal
 * names (NS_INTERNAL_PREFIX) are not.
 * @thread any  @locks none
 */
bool ns_hub_name_valid(trib_slice_t name);

/**
 * A snapshot of all hubs but the internal ones, sorted by name: *hubs is an array of *count
 * borrowed pointers, owned by the caller (mem_free). Errors: TRIB_ERR_NOMEM.
 * @thread any  @locks namespace read lock
 */
trib_err_t ns_hub_list(ns_t *n, hub_t ***hubs, size_t *count) TRIB_MUST_CHECK;

#endif
