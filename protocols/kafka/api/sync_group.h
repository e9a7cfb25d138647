/**
 * SyncGroup (key 14) request and response codec, versions 0-3
 * (SyncGroupRequest.json / SyncGroupResponse.json; v4 is the first flexible
 * one). v1 adds throttle_time_ms to the answer; v3 group_instance_id.
 */
#ifndef TRIB_KAFKA_SYNC_GROUP_H
#define TRIB_KAFKA_SYNC_GROUP_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define KAFKA_MAX_GROUP_MEMBERS 10000 /**< assignments or leaving members in one request */

typedef struct kafka_sync_group_assignment {
	trib_slice_t member_id;
	trib_slice_t assignment;
} kafka_sync_group_assignment_t;

typedef struct kafka_sync_group_req {
	trib_slice_t group_id;
	int32_t generation_id;
	trib_slice_t member_id;
	trib_slice_t group_instance_id; /**< v3+, nullable; null before */
	int32_t assignment_count;
	kafka_sync_group_assignment_t *assignments; /**< arena */
} kafka_sync_group_req_t;

typedef struct kafka_sync_group_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int16_t error_code;
	trib_slice_t assignment;
} kafka_sync_group_resp_t;

/**
 * Decodes a SyncGroup request body at @p version (0-3) into @p out (arrays
 * in @p arena, slices borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t kafka_sync_group_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				       kafka_sync_group_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_sync_group_resp_t at @p version (0-3) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_sync_group_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
