/* InitProducerId codec: v0 and v1 have the same fields. */
#include "init_producer_id.h"

trib_err_t kafka_init_producer_id_req_decode(wire_rd_t *rd, int16_t version,
					     kafka_init_producer_id_req_t *out)
{
	*out = (kafka_init_producer_id_req_t){0};
	if (version < 0 || version > 1) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->transactional_id = wire_rd_str16(rd);
	out->transaction_timeout_ms = wire_rd_i32(rd);
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_init_producer_id_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_init_producer_id_resp_t *r = body;

	(void)version;
	wire_wr_i32(wr, r->throttle_time_ms);
	wire_wr_i16(wr, r->error_code);
	wire_wr_i64(wr, r->producer_id);
	wire_wr_i16(wr, r->producer_epoch);
}
