/**
 * OffsetDelete (key 47) request and response codec, version 0
 * (OffsetDeleteRequest.json / OffsetDeleteResponse.json; KIP-496; no
 * flexible version). Note the answer's order: error_code, then
 * throttle_time_ms.
 */
#ifndef TRIB_KAFKA_OFFSET_DELETE_H
#define TRIB_KAFKA_OFFSET_DELETE_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_offset_delete_topic_req {
	trib_slice_t name;
	int32_t partition_count;
	int32_t *partition_indexes; /**< arena */
} kafka_offset_delete_topic_req_t;

typedef struct kafka_offset_delete_req {
	trib_slice_t group_id;
	int32_t topic_count;
	kafka_offset_delete_topic_req_t *topics; /**< arena */
} kafka_offset_delete_req_t;

typedef struct kafka_offset_delete_partition_resp {
	int32_t partition_index;
	int16_t error_code;
} kafka_offset_delete_partition_resp_t;

typedef struct kafka_offset_delete_topic_resp {
	trib_slice_t name;
	int32_t partition_count;
	kafka_offset_delete_partition_resp_t *partitions;
} kafka_offset_delete_topic_resp_t;

typedef struct kafka_offset_delete_resp {
	int16_t error_code;
	int32_t throttle_time_ms;
	int32_t topic_count;
	kafka_offset_delete_topic_resp_t *topics;
} kafka_offset_delete_resp_t;

/**
 * Decodes an OffsetDelete request body at @p version (0) into @p out
 * (arrays in @p arena, at most KAFKA_MAX_TOPICS topics of at most
 * KAFKA_MAX_PARTITIONS partitions; slices borrow @p rd's input, which must
 * be consumed exactly). Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_offset_delete_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_offset_delete_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_offset_delete_resp_t at @p version (0) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_offset_delete_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
