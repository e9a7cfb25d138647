/*
 * Framing and headers. Invariant: nothing here allocates from a length the
 * peer sent before that length was compared with the configured maximum;
 * response frames are sized by a measuring pass, never patched afterwards.
 */
#include "kafka_frame.h"

#include <stdint.h>

#include "mem.h"

kafka_frame_status_t kafka_frame_peek(const uint8_t *buf, size_t len, uint32_t max,
				      uint32_t *payload_len)
{
	int32_t n;

	if (len < KAFKA_FRAME_PREFIX)
		return KAFKA_FRAME_NEED_MORE;
	n = (int32_t)wire_load_u32(buf);
	if (n < KAFKA_FRAME_MIN || (uint32_t)n > max)
		return KAFKA_FRAME_BAD;
	*payload_len = (uint32_t)n;
	if (len - KAFKA_FRAME_PREFIX < (size_t)n)
		return KAFKA_FRAME_NEED_MORE;
	return KAFKA_FRAME_READY;
}

void kafka_frame_ids(const uint8_t *p, size_t len, int16_t *api_key, int16_t *api_version,
		     int32_t *correlation_id)
{
	if (len < KAFKA_FRAME_MIN) {
		*api_key = -1;
		*api_version = -1;
		*correlation_id = 0;
		return;
	}
	*api_key = (int16_t)wire_load_u16(p);
	*api_version = (int16_t)wire_load_u16(p + 2);
	*correlation_id = (int32_t)wire_load_u32(p + 4);
}

trib_err_t kafka_frame_hdr_decode(wire_rd_t *rd, int version, kafka_hdr_t *h)
{
	if (version != 1 && version != 2) {
		wire_rd_fail(rd);
		return TRIB_ERR_INVALID;
	}
	h->version = (int8_t)version;
	h->api_key = wire_rd_i16(rd);
	h->api_version = wire_rd_i16(rd);
	h->correlation_id = wire_rd_i32(rd);
	h->client_id = wire_rd_str16(rd);
	if (version == 2)
		wire_rd_skip_tags(rd);
	return wire_rd_ok(rd) ? TRIB_OK : TRIB_ERR_INVALID;
}

int kafka_frame_req_hdr_version(bool flexible)
{
	return flexible ? 2 : 1;
}

int kafka_frame_resp_hdr_version(int16_t api_key, bool flexible)
{
	if (api_key == KAFKA_API_VERSIONS_KEY)
		return 0;
	return flexible ? 1 : 0;
}

trib_err_t kafka_frame_response(int32_t correlation_id, int hdr_version, kafka_body_fn fn,
				int16_t version, const void *body, uint8_t **out, size_t *len)
{
	wire_wr_t wr;
	size_t hdr = 4 + (hdr_version >= 1 ? 1 : 0);
	size_t total;
	uint8_t *buf;

	wire_wr_init(&wr, NULL, 0);
	fn(&wr, version, body);
	if (wr.pos > (size_t)INT32_MAX - hdr)
		return TRIB_ERR_TOO_LARGE;
	total = KAFKA_FRAME_PREFIX + hdr + wr.pos;
	buf = mem_alloc(MEM_KAFKA, total);
	if (!buf)
		return TRIB_ERR_NOMEM;
	wire_wr_init(&wr, buf, total);
	wire_wr_i32(&wr, (int32_t)(total - KAFKA_FRAME_PREFIX));
	wire_wr_i32(&wr, correlation_id);
	if (hdr_version >= 1)
		wire_wr_empty_tags(&wr);
	fn(&wr, version, body);
	if (wr.pos != total) {
		/* a body function that writes differently twice is a bug: never send it */
		mem_free(buf);
		return TRIB_ERR_INVALID;
	}
	*out = buf;
	*len = total;
	return TRIB_OK;
}
