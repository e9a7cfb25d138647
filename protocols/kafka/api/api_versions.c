/*
 * ApiVersions codec. Field order and version gates follow the schema; the
 * only flexible version is 3, which changes every string and array to its
 * compact form and adds tag buffers (one per api_keys element and one at
 * the end).
 */
#include "api_versions.h"

trib_err_t kafka_api_versions_req_decode(wire_rd_t *rd, int16_t version,
					 kafka_api_versions_req_t *out)
{
	out->client_software_name = TRIB_SLICE_NULL;
	out->client_software_version = TRIB_SLICE_NULL;
	if (version < 0 || version > 3) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	if (version >= 3) {
		out->client_software_name = wire_rd_compact_bytes(rd);
		out->client_software_version = wire_rd_compact_bytes(rd);
		/* both are non-nullable strings in the schema */
		if (wire_rd_ok(rd) &&
		    (!out->client_software_name.ptr || !out->client_software_version.ptr))
			wire_rd_fail(rd);
		wire_rd_skip_tags(rd);
	}
	return wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;
}

void kafka_api_versions_resp_write(wire_wr_t *wr, int16_t version, const void *body)
{
	const kafka_api_versions_resp_t *r = body;
	bool flex = version >= 3;

	wire_wr_i16(wr, r->error_code);
	if (flex)
		wire_wr_uvarint(wr, (uint64_t)r->api_key_count + 1);
	else
		wire_wr_i32(wr, r->api_key_count);
	for (int32_t i = 0; i < r->api_key_count; i++) {
		wire_wr_i16(wr, r->api_keys[i].api_key);
		wire_wr_i16(wr, r->api_keys[i].min_version);
		wire_wr_i16(wr, r->api_keys[i].max_version);
		if (flex)
			wire_wr_empty_tags(wr);
	}
	if (version >= 1)
		wire_wr_i32(wr, r->throttle_time_ms);
	if (flex)
		wire_wr_empty_tags(wr);
}
