/**
 * DescribeGroups (key 15) request and response codec, versions 0-4
 * (DescribeGroupsRequest.json / DescribeGroupsResponse.json; v5 is the
 * first flexible one). v1 adds throttle_time_ms; v3 the request's
 * include_authorized_operations and the answer's authorized_operations;
 * v4 each member's group_instance_id (KIP-345).
 */
#ifndef TRIB_KAFKA_DESCRIBE_GROUPS_H
#define TRIB_KAFKA_DESCRIBE_GROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define KAFKA_MAX_GROUP_IDS 10000 /**< group ids in one DescribeGroups / DeleteGroups */

typedef struct kafka_describe_groups_req {
	int32_t group_count;
	trib_slice_t *groups;               /**< arena; each borrows the input */
	bool include_authorized_operations; /**< v3+ */
} kafka_describe_groups_req_t;

typedef struct kafka_described_member {
	trib_slice_t member_id;
	trib_slice_t group_instance_id; /**< v4+, nullable */
	trib_slice_t client_id;
	trib_slice_t client_host;
	trib_slice_t member_metadata;   /**< bytes */
	trib_slice_t member_assignment; /**< bytes */
} kafka_described_member_t;

typedef struct kafka_described_group {
	int16_t error_code;
	trib_slice_t group_id;
	trib_slice_t group_state;   /**< "Empty", "Stable", ..., "Dead" */
	trib_slice_t protocol_type;
	trib_slice_t protocol_data; /**< the chosen protocol's name */
	int32_t member_count;
	const kafka_described_member_t *members;
	int32_t authorized_operations; /**< v3+; INT32_MIN = not asked */
} kafka_described_group_t;

typedef struct kafka_describe_groups_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int32_t group_count;
	const kafka_described_group_t *groups;
} kafka_describe_groups_resp_t;

/**
 * Decodes a DescribeGroups request body at @p version (0-4) into @p out
 * (the id array in @p arena, at most KAFKA_MAX_GROUP_IDS; slices borrow
 * @p rd's input, which must be consumed exactly). Errors: TRIB_ERR_INVALID,
 * TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t kafka_describe_groups_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					    kafka_describe_groups_req_t *out) TRIB_MUST_CHECK;

/** Writes a kafka_describe_groups_resp_t at @p version (0-4) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_describe_groups_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

/**
 * Reads a non-null array of non-null strings (int32 count, at most @p max)
 * into @p arena: the []string request fields of DescribeGroups and
 * DeleteGroups.
 * Returns the count, or -1 with @p rd failed (or TRIB_ERR_NOMEM in *err).
 * @thread any  @locks none
 */
int32_t kafka_rd_str_array(wire_rd_t *rd, int32_t max, kafka_arena_t *arena, trib_slice_t **out,
			   trib_err_t *err);

#endif
