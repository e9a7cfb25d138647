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
 * or NULL. @thread any  @locks namespace read lock
 */
hub_t *ns_hub_find(ns_t *n, trib_slice_t name);

/**
 * Creates a hub durably and returns it in *out (borrowed). An existing hub
 * with the same name gives TRIB_ERR_EXISTS and *out set to it; a config
 * hub whose partition count or consumer groups changed is updated (partitions
 * only grow). Errors: TRIB_ERR_INVALID (name empty, over HUB_NAME_MAX, or not
 * [A-Za-z0-9._-/]; partitions out of range), storage errors.
 * @thread any  @locks namespace write lock
 */
trib_err_t ns_hub_create(ns_t *n, const ns_hub_spec_t *spec, hub_t **out) TRIB_MUST_CHECK;

/**
 * A snapshot of all hubs sorted by name: *hubs is an array of *count
 * borrowed pointers, owned by the caller (mem_free). Errors: TRIB_ERR_NOMEM.
 * @thread any  @locks namespace read lock
 */
trib_err_t ns_hub_list(ns_t *n, hub_t ***hubs, size_t *count) TRIB_MUST_CHECK;

#endif
