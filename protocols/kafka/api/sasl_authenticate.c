/* SaslAuthenticate codec: field gates as in the schema, nothing else. */
#include "sasl_authenticate.h"

trib_err_t kafka_sasl_authenticate_req_decode(wire_rd_t *rd, int16_t version,
					      kafka_sasl_authenticate_req_t *out)
{
	*out = (kafka_sasl_authenticate_req_t){0};
	if (version < 0 || version > 1) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->auth_bytes = wire_rd_bytes32(rd);
	if (!out->auth_bytes.ptr)
		wire_rd_fail(rd);
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_sasl_authenticate_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_sasl_authenticate_resp_t *r = body;
	trib_slice_t bytes = r->auth_bytes;

	if (!bytes.ptr)
		bytes = (trib_slice_t){(const uint8_t *)"", 0};
	wire_wr_i16(wr, r->error_code);
	wire_wr_str16(wr, r->error_message);
	wire_wr_bytes32(wr, bytes);
	if (version >= 1)
		wire_wr_i64(wr, r->session_lifetime_ms);
}
