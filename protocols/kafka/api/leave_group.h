/**
 * LeaveGroup (key 13) request and response codec, versions 0-3
 * (LeaveGroupRequest.json / LeaveGroupResponse.json; v4 is the first
 * flexible one). v0-2 name one member_id; v3 (KIP-345) a batch of members
 * (member_id, group_instance_id) and answers an error per member. v1 adds
 * throttle_time_ms to the answer.
 */
#ifndef TRIB_KAFKA_LEAVE_GROUP_H
#define TRIB_KAFKA_LEAVE_GROUP_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_leave_group_member {
	trib_slice_t member_id;
	trib_slice_t group_instance_id; /**< nullable */
	int16_t error_code;             /**< answer only */
} kafka_leave_group_member_t;

typedef struct kafka_leave_group_req {
	trib_slice_t group_id;
	int32_t member_count; /**< 1 below v3 (the member_id field) */
	kafka_leave_group_member_t *members; /**< arena */
} kafka_leave_group_req_t;

typedef struct kafka_leave_group_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int16_t error_code;
	int32_t member_count;     /**< v3+ */
	const kafka_leave_group_member_t *members;
} kafka_leave_group_resp_t;

/**
 * Decodes a LeaveGroup request body at @p version (0-3) into @p out (arrays
 * in @p arena, slices borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t kafka_leave_group_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					kafka_leave_group_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_leave_group_resp_t at @p version (0-3) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_leave_group_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
