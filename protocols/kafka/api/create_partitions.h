/**
 * CreatePartitions (key 37) request and response codec, versions 0-1
 * (CreatePartitionsRequest.json / CreatePartitionsResponse.json; v1 has the
 * v0 shapes, v2 is flexible). Assignments (nullable) are checked and
 * counted; their broker ids are not kept.
 */
#ifndef TRIB_KAFKA_CREATE_PARTITIONS_H
#define TRIB_KAFKA_CREATE_PARTITIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_create_partitions_topic_req {
	trib_slice_t name;
	int32_t count;            /**< the new partition count */
	bool assignments_null;    /**< no manual assignment */
	int32_t assignment_count; /**< manual assignments (contents checked, not kept) */
} kafka_create_partitions_topic_req_t;

typedef struct kafka_create_partitions_req {
	int32_t topic_count;
	kafka_create_partitions_topic_req_t *topics; /**< arena */
	int32_t timeout_ms;
	bool validate_only;
} kafka_create_partitions_req_t;

typedef struct kafka_create_partitions_topic_resp {
	trib_slice_t name;
	int16_t error_code;
	trib_slice_t error_message; /**< nullable */
} kafka_create_partitions_topic_resp_t;

typedef struct kafka_create_partitions_resp {
	int32_t throttle_time_ms;
	int32_t topic_count;
	kafka_create_partitions_topic_resp_t *topics;
} kafka_create_partitions_resp_t;

/**
 * Decodes a CreatePartitions request body at @p version (0-1) into @p out
 * (arrays in @p arena, slices borrow @p rd's input, which must be consumed
 * exactly). Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_create_partitions_req_decode(wire_rd_t *rd, int16_t version,
					      kafka_arena_t *arena,
					      kafka_create_partitions_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_create_partitions_resp_t at @p version (0-1) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_create_partitions_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
