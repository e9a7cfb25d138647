/**
 * Produce (key 0) request and response codec, versions 0-8
 * (ProduceRequest.json / ProduceResponse.json; all non-flexible). v3 adds
 * transactional_id; responses gain throttle_time_ms (v1+, at the end),
 * log_append_time_ms (v2+), log_start_offset (v5+), record_errors and
 * error_message (v8+).
 */
#ifndef TRIB_KAFKA_PRODUCE_H
#define TRIB_KAFKA_PRODUCE_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_produce_partition_req {
	int32_t index;
	trib_slice_t records; /**< nullable; borrows the (writable) frame */
} kafka_produce_partition_req_t;

typedef struct kafka_produce_topic_req {
	trib_slice_t name;
	int32_t partition_count;
	kafka_produce_partition_req_t *partitions; /**< arena */
} kafka_produce_topic_req_t;

typedef struct kafka_produce_req {
	trib_slice_t transactional_id; /**< v3+, nullable */
	int16_t acks;
	int32_t timeout_ms;
	int32_t topic_count;
	kafka_produce_topic_req_t *topics; /**< arena */
} kafka_produce_req_t;

typedef struct kafka_produce_partition_resp {
	int32_t index;
	int16_t error_code;
	int64_t base_offset;
	int64_t log_append_time_ms; /**< v2+ */
	int64_t log_start_offset;   /**< v5+ */
	trib_slice_t error_message; /**< v8+, nullable; record_errors is always empty */
} kafka_produce_partition_resp_t;

typedef struct kafka_produce_topic_resp {
	trib_slice_t name;
	int32_t partition_count;
	kafka_produce_partition_resp_t *partitions;
} kafka_produce_topic_resp_t;

typedef struct kafka_produce_resp {
	int32_t topic_count;
	kafka_produce_topic_resp_t *topics;
	int32_t throttle_time_ms; /**< v1+ */
} kafka_produce_resp_t;

/**
 * Decodes a Produce request body at @p version (0-8) into @p out (arrays in
 * @p arena, slices borrow @p rd's input, which must be consumed exactly).
 * Counts are limited by KAFKA_MAX_TOPICS and KAFKA_MAX_PARTITIONS.
 * Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_produce_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				    kafka_produce_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_produce_resp_t at @p version (0-8) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_produce_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
