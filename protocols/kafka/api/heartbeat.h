/**
 * Heartbeat (key 12) request and response codec, versions 0-3
 * (HeartbeatRequest.json / HeartbeatResponse.json; v4 is the first flexible
 * one). v1 adds throttle_time_ms to the answer; v3 group_instance_id.
 */
#ifndef TRIB_KAFKA_HEARTBEAT_H
#define TRIB_KAFKA_HEARTBEAT_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_heartbeat_req {
	trib_slice_t group_id;
	int32_t generation_id;
	trib_slice_t member_id;
	trib_slice_t group_instance_id; /**< v3+, nullable; null before */
} kafka_heartbeat_req_t;

typedef struct kafka_heartbeat_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int16_t error_code;
} kafka_heartbeat_resp_t;

/**
 * Decodes a Heartbeat request body at @p version (0-3) into @p out (slices
 * borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID.  @thread any  @locks none
 */
trib_err_t kafka_heartbeat_req_decode(wire_rd_t *rd, int16_t version,
				      kafka_heartbeat_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_heartbeat_resp_t at @p version (0-3) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_heartbeat_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
