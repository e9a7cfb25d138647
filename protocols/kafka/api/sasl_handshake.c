/* SaslHandshake codec: one string in, an error code and a string array out. */
#include "sasl_handshake.h"

trib_err_t kafka_sasl_handshake_req_decode(wire_rd_t *rd, int16_t version,
					   kafka_sasl_handshake_req_t *out)
{
	*out = (kafka_sasl_handshake_req_t){0};
	if (version < 0 || version > 1) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	out->mechanism = wire_rd_str16(rd);
	if (!out->mechanism.ptr)
		wire_rd_fail(rd);
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_sasl_handshake_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_sasl_handshake_resp_t *r = body;

	(void)version;
	wire_wr_i16(wr, r->error_code);
	wire_wr_i32(wr, r->mechanism_count);
	for (int32_t i = 0; i < r->mechanism_count; i++)
		wire_wr_str16(wr, r->mechanisms[i]);
}
