/*
 * Field codec for the generated messages. Lengths that do not fit the bytes
 * left fail the reader before any slice is made (lib/wire.c's rule).
 */
#include "kafka_codec.h"

#include <string.h>

trib_slice_t kafka_codec_rd_str(wire_rd_t *rd, bool flex, bool nullable)
{
	trib_slice_t s = flex ? wire_rd_compact_bytes(rd) : wire_rd_str16(rd);

	if (!s.ptr && !nullable)
		wire_rd_fail(rd);
	return s;
}

trib_slice_t kafka_codec_rd_bytes(wire_rd_t *rd, bool flex, bool nullable)
{
	trib_slice_t s = flex ? wire_rd_compact_bytes(rd) : wire_rd_bytes32(rd);

	if (!s.ptr && !nullable)
		wire_rd_fail(rd);
	return s;
}

int32_t kafka_codec_rd_count(wire_rd_t *rd, bool flex, bool nullable, int32_t max,
			     size_t min_elem)
{
	bool is_null = false;
	int32_t n = flex ? wire_rd_compact_array_len(rd, max, min_elem, &is_null)
			 : wire_rd_array_len(rd, max, min_elem, &is_null);

	if (!wire_rd_ok(rd))
		return 0;
	if (is_null) {
		if (!nullable) {
			wire_rd_fail(rd);
			return 0;
		}
		return -1;
	}
	return n;
}

kafka_uuid_t kafka_codec_rd_uuid(wire_rd_t *rd)
{
	kafka_uuid_t u = {{0}};
	trib_slice_t s = wire_rd_raw(rd, sizeof(u.b));

	if (s.ptr)
		memcpy(u.b, s.ptr, sizeof(u.b));
	return u;
}

double kafka_codec_rd_f64(wire_rd_t *rd)
{
	uint64_t bits = wire_rd_u64(rd);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

bool kafka_codec_rd_sub(wire_rd_t *rd, uint64_t size, wire_rd_t *sub)
{
	trib_slice_t s;

	if (!wire_rd_ok(rd) || size > wire_rd_left(rd)) {
		wire_rd_fail(rd);
		wire_rd_init(sub, NULL, 0);
		return false;
	}
	s = wire_rd_raw(rd, (size_t)size);
	wire_rd_init(sub, s.ptr, s.len);
	return true;
}

void kafka_codec_wr_str(wire_wr_t *wr, bool flex, bool nullable, trib_slice_t s)
{
	if (!s.ptr && !nullable)
		s = KAFKA_CODEC_EMPTY;
	if (flex)
		wire_wr_compact_bytes(wr, s);
	else
		wire_wr_str16(wr, s);
}

void kafka_codec_wr_bytes(wire_wr_t *wr, bool flex, bool nullable, trib_slice_t s)
{
	if (!s.ptr && !nullable)
		s = KAFKA_CODEC_EMPTY;
	if (flex)
		wire_wr_compact_bytes(wr, s);
	else
		wire_wr_bytes32(wr, s);
}

void kafka_codec_wr_count(wire_wr_t *wr, bool flex, bool nullable, int32_t n)
{
	if (n < 0 && !nullable)
		n = 0;
	if (flex)
		wire_wr_uvarint(wr, n < 0 ? 0 : (uint64_t)n + 1);
	else
		wire_wr_i32(wr, n < 0 ? -1 : n);
}

void kafka_codec_wr_uuid(wire_wr_t *wr, const kafka_uuid_t *u)
{
	wire_wr_raw(wr, u->b, sizeof(u->b));
}

void kafka_codec_wr_f64(wire_wr_t *wr, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	wire_wr_u64(wr, bits);
}

void kafka_codec_wr_records(wire_wr_t *wr, bool flex, const kafka_records_t *r)
{
	if (flex)
		wire_wr_uvarint(wr, (uint64_t)r->len + 1);
	else
		wire_wr_i32(wr, (int32_t)r->len);
	if (r->ptr || !r->len) {
		wire_wr_raw(wr, r->ptr, r->len);
		return;
	}
	if (r->copy && wr->buf && wr->pos <= wr->cap && r->len <= wr->cap - wr->pos)
		r->copy(r, wr->buf + wr->pos);
	/* the bytes are placed by the callback; the writer only advances */
	wr->pos += r->len;
}

bool kafka_uuid_is_zero(const kafka_uuid_t *u)
{
	static const kafka_uuid_t zero;

	return memcmp(u->b, zero.b, sizeof(u->b)) == 0;
}
