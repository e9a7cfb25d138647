/**
 * OffsetCommit (key 8) request and response codec, versions 0-7
 * (OffsetCommitRequest.json / OffsetCommitResponse.json; v8 is the first
 * flexible one). v1 adds generation_id, member_id and a per-partition
 * commit_timestamp (v1 only); v2-4 carry retention_time_ms; v3 adds
 * throttle_time_ms to the answer; v6 the committed leader epoch; v7
 * group_instance_id.
 */
#ifndef TRIB_KAFKA_OFFSET_COMMIT_H
#define TRIB_KAFKA_OFFSET_COMMIT_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_offset_commit_partition_req {
	int32_t partition_index;
	int64_t committed_offset;
	int32_t committed_leader_epoch; /**< v6+, -1 before */
	int64_t commit_timestamp;       /**< v1 only, -1 otherwise */
	trib_slice_t committed_metadata; /**< nullable */
} kafka_offset_commit_partition_req_t;

typedef struct kafka_offset_commit_topic_req {
	trib_slice_t name;
	int32_t partition_count;
	kafka_offset_commit_partition_req_t *partitions; /**< arena */
} kafka_offset_commit_topic_req_t;

typedef struct kafka_offset_commit_req {
	trib_slice_t group_id;
	int32_t generation_id;          /**< v1+, -1 before */
	trib_slice_t member_id;         /**< v1+, empty before */
	trib_slice_t group_instance_id; /**< v7+, nullable; null before */
	int64_t retention_time_ms;      /**< v2-4, -1 otherwise */
	int32_t topic_count;
	kafka_offset_commit_topic_req_t *topics; /**< arena */
} kafka_offset_commit_req_t;

typedef struct kafka_offset_commit_partition_resp {
	int32_t partition_index;
	int16_t error_code;
} kafka_offset_commit_partition_resp_t;

typedef struct kafka_offset_commit_topic_resp {
	trib_slice_t name;
	int32_t partition_count;
	kafka_offset_commit_partition_resp_t *partitions;
} kafka_offset_commit_topic_resp_t;

typedef struct kafka_offset_commit_resp {
	int32_t throttle_time_ms; /**< v3+ */
	int32_t topic_count;
	kafka_offset_commit_topic_resp_t *topics;
} kafka_offset_commit_resp_t;

/**
 * Decodes an OffsetCommit request body at @p version (0-7) into @p out
 * (arrays in @p arena, slices borrow @p rd's input, which must be consumed
 * exactly). Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_offset_commit_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_offset_commit_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_offset_commit_resp_t at @p version (0-7) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_offset_commit_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
