/* LeaveGroup codec: field gates as in the schema, nothing else. */
#include "leave_group.h"

#include "sync_group.h"

trib_err_t kafka_leave_group_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					kafka_leave_group_req_t *out)
{
	int32_t n = 1;

	*out = (kafka_leave_group_req_t){0};
	if (version < 0 || version > 3) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_id = wire_rd_str16(rd);
	if (!out->group_id.ptr)
		wire_rd_fail(rd);
	if (version >= 3)
		n = wire_rd_array_len(rd, KAFKA_MAX_GROUP_MEMBERS, 2 + 2, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->member_count = n;
	out->members = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->members));
	if (!out->members)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		out->members[i].member_id = wire_rd_str16(rd);
		if (version >= 3)
			out->members[i].group_instance_id = wire_rd_str16(rd);
		if (!out->members[i].member_id.ptr)
			wire_rd_fail(rd);
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_leave_group_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_leave_group_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
	if (version < 3)
		return;
	wire_wr_i32(wr, r->member_count);
	for (int32_t i = 0; i < r->member_count; i++) {
		wire_wr_str16(wr, r->members[i].member_id);
		wire_wr_str16(wr, r->members[i].group_instance_id);
		wire_wr_i16(wr, r->members[i].error_code);
	}
}
