/* JoinGroup codec: field gates as in the schema, nothing else. */
#include "join_group.h"

trib_err_t kafka_join_group_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				       kafka_join_group_req_t *out)
{
	int32_t n;

	*out = (kafka_join_group_req_t){0};
	if (version < 0 || version > 5) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_id = wire_rd_str16(rd);
	out->session_timeout_ms = wire_rd_i32(rd);
	out->rebalance_timeout_ms = version >= 1 ? wire_rd_i32(rd) : out->session_timeout_ms;
	out->member_id = wire_rd_str16(rd);
	if (version >= 5)
		out->group_instance_id = wire_rd_str16(rd);
	out->protocol_type = wire_rd_str16(rd);
	if (!out->group_id.ptr || !out->member_id.ptr || !out->protocol_type.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_GROUP_PROTOCOLS, 2 + 4, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->protocol_count = n;
	out->protocols = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->protocols));
	if (!out->protocols)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		out->protocols[i].name = wire_rd_str16(rd);
		out->protocols[i].metadata = wire_rd_bytes32(rd);
		if (!out->protocols[i].name.ptr || !out->protocols[i].metadata.ptr)
			wire_rd_fail(rd);
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_join_group_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_join_group_resp_t *r = body;

	if (version >= 2)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
	wire_wr_i32(wr, r->generation_id);
	wire_wr_str16(wr, r->protocol_name);
	wire_wr_str16(wr, r->leader);
	wire_wr_str16(wr, r->member_id);
	wire_wr_i32(wr, r->member_count);
	for (int32_t i = 0; i < r->member_count; i++) {
		wire_wr_str16(wr, r->members[i].member_id);
		if (version >= 5)
			wire_wr_str16(wr, r->members[i].group_instance_id);
		wire_wr_bytes32(wr, r->members[i].metadata);
	}
}
