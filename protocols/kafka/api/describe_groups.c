/* DescribeGroups codec: field gates as in the schema, nothing else. */
#include "describe_groups.h"

int32_t kafka_rd_str_array(wire_rd_t *rd, int32_t max, kafka_arena_t *arena, trib_slice_t **out,
			   trib_err_t *err)
{
	bool is_null = false;
	int32_t n = wire_rd_array_len(rd, max, 2, &is_null);

	*out = NULL;
	*err = TRIB_OK;
	if (is_null)
		wire_rd_fail(rd); /* not nullable in any version */
	if (!wire_rd_ok(rd))
		return -1;
	*out = kafka_arena_calloc(arena, (size_t)n, sizeof(**out));
	if (!*out) {
		*err = TRIB_ERR_NOMEM;
		return -1;
	}
	for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {
		(*out)[i] = wire_rd_str16(rd);
		if (!(*out)[i].ptr)
			wire_rd_fail(rd);
	}
	return wire_rd_ok(rd) ? n : -1;
}

trib_err_t kafka_describe_groups_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
					    kafka_describe_groups_req_t *out)
{
	trib_err_t err;

	*out = (kafka_describe_groups_req_t){0};
	if (version < 0 || version > 4) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->group_count = kafka_rd_str_array(rd, KAFKA_MAX_GROUP_IDS, arena, &out->groups, &err);
	if (err)
		return err;
	if (out->group_count < 0)
		return TRIB_ERR_INVALID;
	if (version >= 3)
		out->include_authorized_operations = wire_rd_i8(rd) != 0;
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

static void write_member(wire_wr_t *wr, int16_t version, const kafka_described_member_t *m)
{
	wire_wr_str16(wr, m->member_id);
	if (version >= 4)
		wire_wr_str16(wr, m->group_instance_id);
	wire_wr_str16(wr, m->client_id);
	wire_wr_str16(wr, m->client_host);
	wire_wr_bytes32(wr, m->member_metadata);
	wire_wr_bytes32(wr, m->member_assignment);
}

void kafka_describe_groups_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_describe_groups_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i32(wr, r->group_count);
	for (int32_t i = 0; i < r->group_count; i++) {
		const kafka_described_group_t *g = &r->groups[i];

		wire_wr_i16(wr, g->error_code);
		wire_wr_str16(wr, g->group_id);
		wire_wr_str16(wr, g->group_state);
		wire_wr_str16(wr, g->protocol_type);
		wire_wr_str16(wr, g->protocol_data);
		wire_wr_i32(wr, g->member_count);
		for (int32_t j = 0; j < g->member_count; j++)
			write_member(wr, version, &g->members[j]);
		if (version >= 3)
			wire_wr_i32(wr, g->authorized_operations);
	}
}
