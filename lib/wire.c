/*
 * Reader and writer. Invariants: a failed reader has p == end and err != 0,
 * so every later read returns zero without touching memory; a writer's pos
 * counts every byte asked for, stored or not.
 */
#include "wire.h"

#include <string.h>

#include "mem.h"

void wire_rd_init(wire_rd_t *rd, const void *p, size_t len)
{
	rd->p = p;
	rd->end = p ? rd->p + len : rd->p; /* NULL + 0 is undefined */
	rd->err = 0;
}

bool wire_rd_ok(const wire_rd_t *rd)
{
	return rd->err == 0;
}

size_t wire_rd_left(const wire_rd_t *rd)
{
	return (size_t)(rd->end - rd->p);
}

void wire_rd_fail(wire_rd_t *rd)
{
	rd->err = 1;
	rd->p = rd->end;
}

static const uint8_t *take(wire_rd_t *rd, size_t n)
{
	const uint8_t *at = rd->p;

	if (rd->err || wire_rd_left(rd) < n) {
		wire_rd_fail(rd);
		return NULL;
	}
	rd->p += n;
	return at;
}

uint16_t wire_load_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t wire_load_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t wire_load_u64(const uint8_t *p)
{
	return (uint64_t)wire_load_u32(p) << 32 | wire_load_u32(p + 4);
}

void wire_store_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void wire_store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void wire_store_u64(uint8_t *p, uint64_t v)
{
	wire_store_u32(p, (uint32_t)(v >> 32));
	wire_store_u32(p + 4, (uint32_t)v);
}

uint8_t wire_rd_u8(wire_rd_t *rd)
{
	const uint8_t *p = take(rd, 1);
	return p ? p[0] : 0;
}

uint16_t wire_rd_u16(wire_rd_t *rd)
{
	const uint8_t *p = take(rd, 2);
	return p ? wire_load_u16(p) : 0;
}

uint32_t wire_rd_u32(wire_rd_t *rd)
{
	const uint8_t *p = take(rd, 4);
	return p ? wire_load_u32(p) : 0;
}

uint64_t wire_rd_u64(wire_rd_t *rd)
{
	const uint8_t *p = take(rd, 8);
	return p ? wire_load_u64(p) : 0;
}

int8_t wire_rd_i8(wire_rd_t *rd)
{
	return (int8_t)wire_rd_u8(rd);
}

int16_t wire_rd_i16(wire_rd_t *rd)
{
	return (int16_t)wire_rd_u16(rd);
}

int32_t wire_rd_i32(wire_rd_t *rd)
{
	return (int32_t)wire_rd_u32(rd);
}

int64_t wire_rd_i64(wire_rd_t *rd)
{
	return (int64_t)wire_rd_u64(rd);
}

uint64_t wire_rd_uvarint(wire_rd_t *rd)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		const uint8_t *p = take(rd, 1);

		if (!p)
			return 0;
		if (shift == 63 && *p > 1)
			break; /* would overflow 64 bits */
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return v;
	}
	wire_rd_fail(rd);
	return 0;
}

int64_t wire_rd_varint(wire_rd_t *rd)
{
	uint64_t u = wire_rd_uvarint(rd);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

trib_slice_t wire_rd_raw(wire_rd_t *rd, size_t n)
{
	const uint8_t *p = take(rd, n);

	if (!p)
		return TRIB_SLICE_NULL;
	/* an empty slice still needs a non-NULL pointer to differ from null */
	return (trib_slice_t){p, n};
}

static trib_slice_t sized(wire_rd_t *rd, int64_t len)
{
	if (len == -1)
		return TRIB_SLICE_NULL;
	if (len < -1) {
		wire_rd_fail(rd);
		return TRIB_SLICE_NULL;
	}
	return wire_rd_raw(rd, (size_t)len);
}

trib_slice_t wire_rd_str16(wire_rd_t *rd)
{
	int16_t len = wire_rd_i16(rd);
	return rd->err ? TRIB_SLICE_NULL : sized(rd, len);
}

trib_slice_t wire_rd_bytes32(wire_rd_t *rd)
{
	int32_t len = wire_rd_i32(rd);
	return rd->err ? TRIB_SLICE_NULL : sized(rd, len);
}

trib_slice_t wire_rd_compact_bytes(wire_rd_t *rd)
{
	uint64_t n = wire_rd_uvarint(rd);

	if (rd->err)
		return TRIB_SLICE_NULL;
	if (n > wire_rd_left(rd) + 1) {
		wire_rd_fail(rd);
		return TRIB_SLICE_NULL;
	}
	return sized(rd, (int64_t)n - 1);
}

trib_slice_t wire_rd_varbytes(wire_rd_t *rd)
{
	int64_t len = wire_rd_varint(rd);
	return rd->err ? TRIB_SLICE_NULL : sized(rd, len);
}

static int32_t checked_count(wire_rd_t *rd, int64_t n, int32_t max, size_t min_elem, bool *is_null)
{
	if (is_null)
		*is_null = false;
	if (rd->err)
		return 0;
	if (n == -1) {
		if (is_null)
			*is_null = true;
		return 0;
	}
	if (n < -1 || n > max || (min_elem && (uint64_t)n > wire_rd_left(rd) / min_elem)) {
		wire_rd_fail(rd);
		return 0;
	}
	return (int32_t)n;
}

int32_t wire_rd_array_len(wire_rd_t *rd, int32_t max, size_t min_elem_size, bool *is_null)
{
	int32_t n = wire_rd_i32(rd);
	return checked_count(rd, n, max, min_elem_size, is_null);
}

int32_t wire_rd_compact_array_len(wire_rd_t *rd, int32_t max, size_t min_elem_size, bool *is_null)
{
	uint64_t n = wire_rd_uvarint(rd);

	if (n > (uint64_t)INT32_MAX) {
		wire_rd_fail(rd);
		return 0;
	}
	return checked_count(rd, (int64_t)n - 1, max, min_elem_size, is_null);
}

void wire_rd_skip_tags(wire_rd_t *rd)
{
	uint64_t count = wire_rd_uvarint(rd);

	if (count > wire_rd_left(rd)) {
		wire_rd_fail(rd);
		return;
	}
	for (uint64_t i = 0; i < count && !rd->err; i++) {
		(void)wire_rd_uvarint(rd);
		uint64_t size = wire_rd_uvarint(rd);
		if (size > wire_rd_left(rd))
			wire_rd_fail(rd);
		else
			(void)wire_rd_raw(rd, (size_t)size);
	}
}

void wire_wr_init(wire_wr_t *wr, void *buf, size_t cap)
{
	wr->buf = buf;
	wr->cap = buf ? cap : 0;
	wr->pos = 0;
}

bool wire_wr_fits(const wire_wr_t *wr)
{
	return wr->pos <= wr->cap;
}

trib_err_t wire_wr_grow_to(wire_wr_t *wr, size_t need)
{
	size_t cap = wr->cap ? wr->cap : 256;
	uint8_t *nb;

	if (need <= wr->cap)
		return TRIB_OK;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	nb = mem_realloc(MEM_CORE, wr->buf, cap);
	if (!nb)
		return TRIB_ERR_NOMEM;
	wr->buf = nb;
	wr->cap = cap;
	return TRIB_OK;
}

void wire_wr_raw(wire_wr_t *wr, const void *p, size_t n)
{
	if (n && wr->pos <= wr->cap && n <= wr->cap - wr->pos)
		memcpy(wr->buf + wr->pos, p, n);
	wr->pos += n;
}

void wire_wr_u8(wire_wr_t *wr, uint8_t v)
{
	wire_wr_raw(wr, &v, 1);
}

void wire_wr_u16(wire_wr_t *wr, uint16_t v)
{
	uint8_t b[2];
	wire_store_u16(b, v);
	wire_wr_raw(wr, b, 2);
}

void wire_wr_u32(wire_wr_t *wr, uint32_t v)
{
	uint8_t b[4];
	wire_store_u32(b, v);
	wire_wr_raw(wr, b, 4);
}

void wire_wr_u64(wire_wr_t *wr, uint64_t v)
{
	uint8_t b[8];
	wire_store_u64(b, v);
	wire_wr_raw(wr, b, 8);
}

void wire_wr_i8(wire_wr_t *wr, int8_t v)
{
	wire_wr_u8(wr, (uint8_t)v);
}

void wire_wr_i16(wire_wr_t *wr, int16_t v)
{
	wire_wr_u16(wr, (uint16_t)v);
}

void wire_wr_i32(wire_wr_t *wr, int32_t v)
{
	wire_wr_u32(wr, (uint32_t)v);
}

void wire_wr_i64(wire_wr_t *wr, int64_t v)
{
	wire_wr_u64(wr, (uint64_t)v);
}

void wire_wr_uvarint(wire_wr_t *wr, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	wire_wr_raw(wr, b, n);
}

void wire_wr_varint(wire_wr_t *wr, int64_t v)
{
	wire_wr_uvarint(wr, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void wire_wr_str16(wire_wr_t *wr, trib_slice_t s)
{
	wire_wr_i16(wr, s.ptr ? (int16_t)s.len : -1);
	if (s.ptr)
		wire_wr_raw(wr, s.ptr, s.len);
}

void wire_wr_bytes32(wire_wr_t *wr, trib_slice_t s)
{
	wire_wr_i32(wr, s.ptr ? (int32_t)s.len : -1);
	if (s.ptr)
		wire_wr_raw(wr, s.ptr, s.len);
}

void wire_wr_compact_bytes(wire_wr_t *wr, trib_slice_t s)
{
	wire_wr_uvarint(wr, s.ptr ? s.len + 1 : 0);
	if (s.ptr)
		wire_wr_raw(wr, s.ptr, s.len);
}

void wire_wr_varbytes(wire_wr_t *wr, trib_slice_t s)
{
	wire_wr_varint(wr, s.ptr ? (int64_t)s.len : -1);
	if (s.ptr)
		wire_wr_raw(wr, s.ptr, s.len);
}

void wire_wr_empty_tags(wire_wr_t *wr)
{
	wire_wr_u8(wr, 0);
}

size_t wire_uvarint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t wire_varint_size(int64_t v)
{
	return wire_uvarint_size(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
