/**
 * DeleteGroups (key 42) request and response codec, versions 0-1
 * (DeleteGroupsRequest.json / DeleteGroupsResponse.json; v2 is the first
 * flexible one; v1 has the same shape as v0).
 */
#ifndef TRIB_KAFKA_DELETE_GROUPS_H
#define TRIB_KAFKA_DELETE_GROUPS_H

#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_delete_groups_req {
	int32_t group_count;
	trib_slice_t *groups; /**< arena; each borrows the input */
} kafka_delete_groups_req_t;

typedef struct kafka_delete_groups_result {
	trib_slice_t group_id;
	int16_t error_code;
} kafka_delete_groups_result_t;

typedef struct kafka_delete_groups_resp {
	int32_t throttle_time_ms;
	int32_t result_count;
	const kafka_delete_groups_result_t *results;
} kafka_delete_groups_resp_t;

/**
 * Decodes a DeleteGroups request body at @p version (0-1) into @p out (the
 * id array in @p arena, at most KAFKA_MAX_GROUP_IDS; slices borrow @p rd's
 * input, which must be consumed exactly). Errors: TRIB_ERR_INVALID,
 * TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t kafka_delete_groups_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_delete_groups_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_delete_groups_resp_t at @p version (0-1) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_delete_groups_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
