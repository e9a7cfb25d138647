/**
 * Metadata (key 3) request and response codec, versions 0-8
 * (MetadataRequest.json / MetadataResponse.json; all non-flexible).
 * v0: an empty topic array means all topics; v1+: null means all, empty
 * means none. v4 adds allow_auto_topic_creation; v8 the authorized
 * operations fields.
 */
#ifndef TRIB_KAFKA_METADATA_H
#define TRIB_KAFKA_METADATA_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_metadata_req {
	bool all_topics;           /**< v0 empty array or v1+ null array */
	int32_t topic_count;
	trib_slice_t *topics;      /**< names (arena array, slices borrow the frame) */
	bool allow_auto_topic_creation;              /**< v4+, true before */
	bool include_cluster_authorized_operations;  /**< v8 */
	bool include_topic_authorized_operations;    /**< v8 */
} kafka_metadata_req_t;

typedef struct kafka_metadata_broker {
	int32_t node_id;
	trib_slice_t host;
	int32_t port;
	trib_slice_t rack; /**< v1+, nullable */
} kafka_metadata_broker_t;

typedef struct kafka_metadata_partition {
	int16_t error_code;
	int32_t partition_index;
	int32_t leader_id;
	int32_t leader_epoch; /**< v7+ */
	const int32_t *replica_nodes;
	int32_t replica_count;
	const int32_t *isr_nodes;
	int32_t isr_count;
	const int32_t *offline_replicas; /**< v5+ */
	int32_t offline_count;
} kafka_metadata_partition_t;

typedef struct kafka_metadata_topic {
	int16_t error_code;
	trib_slice_t name;
	bool is_internal; /**< v1+ */
	int32_t partition_count;
	const kafka_metadata_partition_t *partitions;
	int32_t topic_authorized_operations; /**< v8+ */
} kafka_metadata_topic_t;

typedef struct kafka_metadata_resp {
	int32_t throttle_time_ms; /**< v3+ */
	int32_t broker_count;
	const kafka_metadata_broker_t *brokers;
	trib_slice_t cluster_id;  /**< v2+, nullable */
	int32_t controller_id;    /**< v1+ */
	int32_t topic_count;
	const kafka_metadata_topic_t *topics;
	int32_t cluster_authorized_operations; /**< v8 */
} kafka_metadata_resp_t;

/**
 * Decodes a Metadata request body at @p version (0-8) into @p out; arrays
 * are allocated in @p arena, strings borrow @p rd's input. The input must be
 * consumed exactly. Topic count is limited by KAFKA_MAX_TOPICS.
 * Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_metadata_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				     kafka_metadata_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_metadata_resp_t at @p version (0-8) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_metadata_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
