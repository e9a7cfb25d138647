/**
 * ListGroups (key 16) request and response codec, versions 0-2
 * (ListGroupsRequest.json / ListGroupsResponse.json; v3 is the first
 * flexible one, v4 adds the states filter). The request body is empty;
 * v1 adds throttle_time_ms to the answer.
 */
#ifndef TRIB_KAFKA_LIST_GROUPS_H
#define TRIB_KAFKA_LIST_GROUPS_H

#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_listed_group {
	trib_slice_t group_id;
	trib_slice_t protocol_type;
} kafka_listed_group_t;

typedef struct kafka_list_groups_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int16_t error_code;
	int32_t group_count;
	const kafka_listed_group_t *groups;
} kafka_list_groups_resp_t;

/**
 * Checks a ListGroups request body at @p version (0-2): it must be empty.
 * Errors: TRIB_ERR_INVALID.  @thread any  @locks none
 */
trib_err_t kafka_list_groups_req_decode(wire_rd_t *rd, int16_t version) TRIB_MUST_CHECK;

/** Writes a kafka_list_groups_resp_t at @p version (0-2) (kafka_body_fn shape).
 * @thread any  @locks none */
void kafka_list_groups_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
