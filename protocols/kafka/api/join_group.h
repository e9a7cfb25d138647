/**
 * JoinGroup (key 11) request and response codec, versions 0-5
 * (JoinGroupRequest.json / JoinGroupResponse.json; v6 is the first flexible
 * one). v1 adds rebalance_timeout_ms; v2 throttle_time_ms in the answer;
 * v4 is the first that expects MEMBER_ID_REQUIRED (KIP-394, no field
 * change); v5 adds group_instance_id (KIP-345) to the request and to each
 * member of the answer.
 */
#ifndef TRIB_KAFKA_JOIN_GROUP_H
#define TRIB_KAFKA_JOIN_GROUP_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define KAFKA_MAX_GROUP_PROTOCOLS 100 /**< protocols offered in one JoinGroup */

typedef struct kafka_join_group_protocol {
	trib_slice_t name;
	trib_slice_t metadata;
} kafka_join_group_protocol_t;

typedef struct kafka_join_group_req {
	trib_slice_t group_id;
	int32_t session_timeout_ms;
	int32_t rebalance_timeout_ms;   /**< v1+; the session timeout before */
	trib_slice_t member_id;
	trib_slice_t group_instance_id; /**< v5+, nullable; null before */
	trib_slice_t protocol_type;
	int32_t protocol_count;
	kafka_join_group_protocol_t *protocols; /**< arena */
} kafka_join_group_req_t;

typedef struct kafka_join_group_member {
	trib_slice_t member_id;
	trib_slice_t group_instance_id; /**< v5+, nullable */
	trib_slice_t metadata;
} kafka_join_group_member_t;

typedef struct kafka_join_group_resp {
	int32_t throttle_time_ms; /**< v2+ */
	int16_t error_code;
	int32_t generation_id;
	trib_slice_t protocol_name;
	trib_slice_t leader;
	trib_slice_t member_id;
	int32_t member_count;
	const kafka_join_group_member_t *members;
} kafka_join_group_resp_t;

/**
 * Decodes a JoinGroup request body at @p version (0-5) into @p out (arrays
 * in @p arena, slices borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t kafka_join_group_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				       kafka_join_group_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_join_group_resp_t at @p version (0-5) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_join_group_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
