/* FindCoordinator codec: field gates as in the schema, nothing else. */
#include "find_coordinator.h"

trib_err_t kafka_find_coordinator_req_decode(wire_rd_t *rd, int16_t version,
					     kafka_find_coordinator_req_t *out)
{
	*out = (kafka_find_coordinator_req_t){0};
	if (version < 0 || version > 2) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->key = wire_rd_str16(rd);
	if (!out->key.ptr)
		wire_rd_fail(rd);
	out->key_type = version >= 1 ? wire_rd_i8(rd) : KAFKA_COORDINATOR_GROUP;
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_find_coordinator_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_find_coordinator_resp_t *r = body;

	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
	if (version >= 1)
		wire_wr_str16(wr, r->error_message);
	wire_wr_i32(wr, r->node_id);
	wire_wr_str16(wr, r->host);
	wire_wr_i32(wr, r->port);
}
