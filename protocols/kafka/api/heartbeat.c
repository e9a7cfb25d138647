/* Heartbeat codec: field gates as in the schema, nothing else. */
#include "heartbeat.h"

trib_err_t kafka_heartbeat_req_decode(wire_rd_t *rd, int16_t version, kafka_heartbeat_req_t *out)
{
	*out = (kafka_heartbeat_req_t){0};
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
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_heartbeat_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_heartbeat_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
}
