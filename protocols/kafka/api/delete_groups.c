/* DeleteGroups codec: field gates as in the schema, nothing else. */
#include "delete_groups.h"

#include "describe_groups.h"

trib_err_t kafka_delete_groups_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					  kafka_delete_groups_req_t *out)
{
	trib_err_t err;

	*out = (kafka_delete_groups_req_t){0};
	if (version < 0 || version > 1) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_count = kafka_rd_str_array(rd, KAFKA_MAX_GROUP_IDS, arena, &out->groups, &err);
	if (err)
		return err;
	if (out->group_count < 0)
		return TRIB_ERR_INVALID;
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_delete_groups_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_delete_groups_resp_t *r = body;

	(void)version;
	wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->result_count);
	for (int32_t i = 0; i < r->result_count; i++) {
		wire_wr_str16(wr, r->results[i].group_id);
		wire_wr_i16(wr, r->results[i].error_code);
	}
}
