/**
 * OffsetFetch (key 9) request and response codec, versions 0-5
 * (OffsetFetchRequest.json / OffsetFetchResponse.json; v6 is the first
 * flexible one). v2 allows a null topic list (every committed position of
 * the group) and adds a top-level error_code; v3 throttle_time_ms; v5 the
 * committed leader epoch.
 */
#ifndef TRIB_KAFKA_OFFSET_FETCH_H
#define TRIB_KAFKA_OFFSET_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_offset_fetch_topic_req {
	trib_slice_t name;
	int32_t partition_count;
	int32_t *partition_indexes; /**< arena */
} kafka_offset_fetch_topic_req_t;

typedef struct kafka_offset_fetch_req {
	trib_slice_t group_id;
	bool all_topics;          /**< v2+: topics was null */
	int32_t topic_count;
	kafka_offset_fetch_topic_req_t *topics; /**< arena */
} kafka_offset_fetch_req_t;

typedef struct kafka_offset_fetch_partition_resp {
	int32_t partition_index;
	int64_t committed_offset;       /**< -1: none */
	int32_t committed_leader_epoch; /**< v5+ */
	trib_slice_t metadata;          /**< nullable */
	int16_t error_code;
} kafka_offset_fetch_partition_resp_t;

typedef struct kafka_offset_fetch_topic_resp {
	trib_slice_t name;
	int32_t partition_count;
	kafka_offset_fetch_partition_resp_t *partitions;
} kafka_offset_fetch_topic_resp_t;

typedef struct kafka_offset_fetch_resp {
	int32_t throttle_time_ms; /**< v3+ */
	int32_t topic_count;
	kafka_offset_fetch_topic_resp_t *topics;
	int16_t error_code;       /**< v2+ */
} kafka_offset_fetch_resp_t;

/**
 * Decodes an OffsetFetch request body at @p version (0-5) into @p out
 * (arrays in @p arena, slices borrow @p rd's input, which must be consumed
 * exactly). A null topic array is refused below v2. Errors:
 * TRIB_ERR_INVALID, TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t kafka_offset_fetch_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					 kafka_offset_fetch_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_offset_fetch_resp_t at @p version (0-5) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_offset_fetch_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
