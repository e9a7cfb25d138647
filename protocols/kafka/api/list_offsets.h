/**
 * ListOffsets (key 2) request and response codec, versions 0-5
 * (ListOffsetsRequest.json / ListOffsetsResponse.json; all non-flexible).
 * v0 asks for max_num_offsets and answers an old_style_offsets array; v1+
 * answer one (timestamp, offset) pair; v2 adds isolation_level and
 * throttle_time_ms; v4 the leader epochs.
 */
#ifndef TRIB_KAFKA_LIST_OFFSETS_H
#define TRIB_KAFKA_LIST_OFFSETS_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define KAFKA_LIST_OFFSETS_LATEST (-1)   /**< timestamp meaning the high watermark */
#define KAFKA_LIST_OFFSETS_EARLIEST (-2) /**< timestamp meaning the log start */

typedef struct kafka_list_offsets_partition_req {
	int32_t partition_index;
	int32_t current_leader_epoch; /**< v4+, -1 before */
	int64_t timestamp;            /**< ms, or LATEST / EARLIEST */
	int32_t max_num_offsets;      /**< v0 only, 1 after */
} kafka_list_offsets_partition_req_t;

typedef struct kafka_list_offsets_topic_req {
	trib_slice_t name;
	int32_t partition_count;
	kafka_list_offsets_partition_req_t *partitions; /**< arena */
} kafka_list_offsets_topic_req_t;

typedef struct kafka_list_offsets_req {
	int32_t replica_id;
	int8_t isolation_level; /**< v2+ */
	int32_t topic_count;
	kafka_list_offsets_topic_req_t *topics; /**< arena */
} kafka_list_offsets_req_t;

typedef struct kafka_list_offsets_partition_resp {
	int32_t partition_index;
	int16_t error_code;
	const int64_t *old_style_offsets; /**< v0 */
	int32_t old_style_count;          /**< v0 */
	int64_t timestamp;                /**< v1+ */
	int64_t offset;                   /**< v1+ */
	int32_t leader_epoch;             /**< v4+ */
} kafka_list_offsets_partition_resp_t;

typedef struct kafka_list_offsets_topic_resp {
	trib_slice_t name;
	int32_t partition_count;
	kafka_list_offsets_partition_resp_t *partitions;
} kafka_list_offsets_topic_resp_t;

typedef struct kafka_list_offsets_resp {
	int32_t throttle_time_ms; /**< v2+ */
	int32_t topic_count;
	kafka_list_offsets_topic_resp_t *topics;
} kafka_list_offsets_resp_t;

/**
 * Decodes a ListOffsets request body at @p version (0-5) into @p out
 * (arrays in @p arena, slices borrow @p rd's input, which must be consumed
 * exactly). Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_list_offsets_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					 kafka_list_offsets_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_list_offsets_resp_t at @p version (0-5) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_list_offsets_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
