/* ListGroups codec: field gates as in the schema, nothing else. */
#include "list_groups.h"

trib_err_t kafka_list_groups_req_decode(wire_rd_t *rd, int16_t version)
{
	if (version < 0 || version > 2) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_list_groups_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_list_groups_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
	wire_wr_i32(wr, r->group_count);
	for (int32_t i = 0; i < r->group_count; i++) {
		wire_wr_str16(wr, r->groups[i].group_id);
		wire_wr_str16(wr, r->groups[i].protocol_type);
	}
}
