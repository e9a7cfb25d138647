/* SyncGroup codec: field gates as in the schema, nothing else. */
#include "sync_group.h"

trib_err_t kafka_sync_group_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				       kafka_sync_group_req_t *out)
{
	int32_t n;

	*out = (kafka_sync_group_req_t){0};
	if (version < 0 || version > 3) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_id = wire_rd_str16(rd);
	out->generation_id = wire_rd_i32(rd);
	out->member_id = wire_rd_str16(rd);
	if (version >= 3)
		out->group_instance_id = wire_rd_str16(rd);
	if (!out->group_id.ptr || !out->member_id.ptr)
		wire_rd_fail(rd);
	n = wire_rd_array_len(rd, KAFKA_MAX_GROUP_MEMBERS, 2 + 4, NULL);
	if (!wire_rd_ok(rd))
		return TRIB_ERR_INVALID;
	out->assignment_count = n;
	out->assignments = kafka_arena_calloc(arena, (size_t)n, sizeof(*out->assignments));
	if (!out->assignments)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		out->assignments[i].member_id = wire_rd_str16(rd);
		out->assignments[i].assignment = wire_rd_bytes32(rd);
		if (!out->assignments[i].member_id.ptr || !out->assignments[i].assignment.ptr)
			wire_rd_fail(rd);
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_sync_group_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_sync_group_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
	/* never null on the wire: an empty assignment is zero bytes */
	wire_wr_bytes32(wr, r->assignment.ptr ? r->assignment
					      : (trib_slice_t){(const uint8_t *)"", 0});
}
