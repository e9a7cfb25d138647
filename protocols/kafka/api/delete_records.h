/**
 * DeleteRecords (key 21) request and response codec, versions 0-1
 * (DeleteRecordsRequest.json / DeleteRecordsResponse.json; v1 has the v0
 * shapes, v2 is flexible).
 */
#ifndef TRIB_KAFKA_DELETE_RECORDS_H
#define TRIB_KAFKA_DELETE_RECORDS_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_delete_records_part_req {
	int32_t partition_index;
	int64_t offset; /**< the new log start; -1 = the high watermark */
} kafka_delete_records_part_req_t;

typedef struct kafka_delete_records_topic_req {
	trib_slice_t name;
	int32_t partition_count;
	kafka_delete_records_part_req_t *partitions; /**< arena */
} kafka_delete_records_topic_req_t;

typedef struct kafka_delete_records_req {
	int32_t topic_count;
	kafka_delete_records_topic_req_t *topics; /**< arena */
	int32_t timeout_ms;
} kafka_delete_records_req_t;

typedef struct kafka_delete_records_part_resp {
	int32_t partition_index;
	int64_t low_watermark; /**< the log start offset, -1 on errors */
	int16_t error_code;
} kafka_delete_records_part_resp_t;

typedef struct kafka_delete_records_topic_resp {
	trib_slice_t name;
	int32_t partition_count;
	kafka_delete_records_part_resp_t *partitions;
} kafka_delete_records_topic_resp_t;

typedef struct kafka_delete_records_resp {
	int32_t throttle_time_ms;
	int32_t topic_count;
	kafka_delete_records_topic_resp_t *topics;
} kafka_delete_records_resp_t;

/**
 * Decodes a DeleteRecords request body at @p version (0-1) into @p out
 * (arrays in @p arena, slices borrow @p rd's input, which must be consumed
 * exactly). Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_delete_records_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					   kafka_delete_records_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_delete_records_resp_t at @p version (0-1) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_delete_records_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
