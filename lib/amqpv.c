/*
 * Fixed encodings: numbers always in full width, variable types pick 8 or 32-bit lengths.
 *
 * The reader checks a value completely before returning it: every nested
 * element is decoded once, sizes must match the bytes their elements use,
 * and recursion stops at AMQPV_MAX_DEPTH. Elements of fixed width inside
 * arrays are checked by arithmetic, so an array of a million nulls costs
 * nothing. Unknown format codes fail the reader: a value we cannot skip
 * cannot be stored safely.
 */
#include "amqpv.h"

#include <string.h>

void amqpv_wr_null(wire_wr_t *wr)
{
	wire_wr_u8(wr, AMQPV_NULL);
}

void amqpv_wr_bool(wire_wr_t *wr, bool v)
{
	wire_wr_u8(wr, v ? AMQPV_TRUE : AMQPV_FALSE);
}

void amqpv_wr_int(wire_wr_t *wr, int32_t v)
{
	wire_wr_u8(wr, AMQPV_INT);
	wire_wr_i32(wr, v);
}

void amqpv_wr_long(wire_wr_t *wr, int64_t v)
{
	wire_wr_u8(wr, AMQPV_LONG);
	wire_wr_i64(wr, v);
}

void amqpv_wr_uint(wire_wr_t *wr, uint32_t v)
{
	wire_wr_u8(wr, AMQPV_UINT);
	wire_wr_u32(wr, v);
}

void amqpv_wr_ulong(wire_wr_t *wr, uint64_t v)
{
	wire_wr_u8(wr, AMQPV_ULONG);
	wire_wr_u64(wr, v);
}

void amqpv_wr_double(wire_wr_t *wr, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	wire_wr_u8(wr, AMQPV_DOUBLE);
	wire_wr_u64(wr, bits);
}

void amqpv_wr_timestamp(wire_wr_t *wr, int64_t ms)
{
	wire_wr_u8(wr, AMQPV_TIMESTAMP);
	wire_wr_i64(wr, ms);
}

static void variable(wire_wr_t *wr, uint8_t code8, uint8_t code32, trib_slice_t s)
{
	if (s.len < 256) {
		wire_wr_u8(wr, code8);
		wire_wr_u8(wr, (uint8_t)s.len);
	} else {
		wire_wr_u8(wr, code32);
		wire_wr_u32(wr, (uint32_t)s.len);
	}
	if (s.len)
		wire_wr_raw(wr, s.ptr, s.len);
}

void amqpv_wr_string(wire_wr_t *wr, trib_slice_t s)
{
	variable(wr, AMQPV_STR8, AMQPV_STR32, s);
}

void amqpv_wr_symbol(wire_wr_t *wr, trib_slice_t s)
{
	variable(wr, AMQPV_SYM8, AMQPV_SYM32, s);
}

void amqpv_wr_binary(wire_wr_t *wr, trib_slice_t s)
{
	variable(wr, AMQPV_VBIN8, AMQPV_VBIN32, s);
}

/* Bytes of the value after a fixed-width constructor; -1 when not fixed-width or unknown. */
static int fixed_width(uint8_t code)
{
	switch (code) {
	case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45:
		return 0;
	case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56:
		return 1;
	case 0x60: case 0x61:
		return 2;
	case 0x70: case 0x71: case 0x72: case 0x73: case 0x74:
		return 4;
	case 0x80: case 0x81: case 0x82: case 0x83: case 0x84:
		return 8;
	case 0x94: case 0x98:
		return 16;
	default:
		return -1;
	}
}

static bool rd_value(wire_rd_t *rd, amqpv_t *v, int depth);
static bool rd_body(wire_rd_t *rd, uint8_t code, amqpv_t *v, int depth);

static bool fail(wire_rd_t *rd)
{
	wire_rd_fail(rd);
	return false;
}

static trib_slice_t span(const uint8_t *from, const uint8_t *to)
{
	return (trib_slice_t){from, (size_t)(to - from)};
}

/* Reads the size (and count) of a compound or array, leaving @p sub over its remaining bytes. */
static bool rd_sized(wire_rd_t *rd, bool wide, wire_rd_t *sub, uint32_t *count)
{
	uint32_t size = wide ? wire_rd_u32(rd) : wire_rd_u8(rd);
	trib_slice_t body;

	if (!wire_rd_ok(rd))
		return false;
	body = wire_rd_raw(rd, size);
	if (!wire_rd_ok(rd))
		return false;
	wire_rd_init(sub, body.ptr, body.len);
	*count = wide ? wire_rd_u32(sub) : wire_rd_u8(sub);
	if (!wire_rd_ok(sub) || *count > AMQPV_MAX_ELEMENTS)
		return fail(rd);
	return true;
}

static bool rd_compound(wire_rd_t *rd, amqpv_t *v, bool wide, bool map, int depth)
{
	wire_rd_t sub;
	amqpv_t e;

	if (!rd_sized(rd, wide, &sub, &v->count))
		return fail(rd);
	/* every element takes at least one byte */
	if (v->count > wire_rd_left(&sub) || (map && v->count % 2))
		return fail(rd);
	v->data = span(sub.p, sub.end);
	for (uint32_t i = 0; i < v->count; i++) {
		if (!rd_value(&sub, &e, depth + 1))
			return fail(rd);
	}
	if (wire_rd_left(&sub) != 0)
		return fail(rd);
	return true;
}

static bool rd_array(wire_rd_t *rd, amqpv_t *v, bool wide, int depth)
{
	wire_rd_t sub;
	amqpv_t e;
	uint8_t code;
	int w;

	if (!rd_sized(rd, wide, &sub, &v->count))
		return fail(rd);
	code = wire_rd_u8(&sub);
	/* a described element type: the descriptor is shared by every element */
	for (int d = depth; code == AMQPV_DESCRIBED && wire_rd_ok(&sub); d++) {
		if (d >= AMQPV_MAX_DEPTH || !rd_value(&sub, &e, d + 1))
			return fail(rd);
		code = wire_rd_u8(&sub);
	}
	if (!wire_rd_ok(&sub))
		return fail(rd);
	v->elem_code = code;
	v->data = span(sub.p, sub.end);
	w = fixed_width(code);
	if (w >= 0) {
		if ((uint64_t)v->count * (uint64_t)w != wire_rd_left(&sub))
			return fail(rd);
		return true;
	}
	for (uint32_t i = 0; i < v->count; i++) {
		if (!rd_body(&sub, code, &e, depth + 1))
			return fail(rd);
	}
	if (wire_rd_left(&sub) != 0)
		return fail(rd);
	return true;
}

static bool rd_body(wire_rd_t *rd, uint8_t code, amqpv_t *v, int depth)
{
	int w = fixed_width(code);

	v->code = code;
	v->count = 0;
	v->elem_code = 0;
	v->descriptor = TRIB_SLICE_NULL;
	v->data = TRIB_SLICE_NULL;
	if (depth > AMQPV_MAX_DEPTH)
		return fail(rd);
	if (w >= 0) {
		v->data = wire_rd_raw(rd, (size_t)w);
		return wire_rd_ok(rd);
	}
	switch (code) {
	case AMQPV_VBIN8: case AMQPV_STR8: case AMQPV_SYM8:
		v->data = wire_rd_raw(rd, wire_rd_u8(rd));
		return wire_rd_ok(rd);
	case AMQPV_VBIN32: case AMQPV_STR32: case AMQPV_SYM32:
		v->data = wire_rd_raw(rd, wire_rd_u32(rd));
		return wire_rd_ok(rd);
	case AMQPV_LIST8: case AMQPV_LIST32:
		return rd_compound(rd, v, code == AMQPV_LIST32, false, depth);
	case AMQPV_MAP8: case AMQPV_MAP32:
		return rd_compound(rd, v, code == AMQPV_MAP32, true, depth);
	case AMQPV_ARRAY8: case AMQPV_ARRAY32:
		return rd_array(rd, v, code == AMQPV_ARRAY32, depth);
	default:
		return fail(rd);
	}
}

static bool rd_value(wire_rd_t *rd, amqpv_t *v, int depth)
{
	const uint8_t *start = rd->p;
	uint8_t code;

	if (depth > AMQPV_MAX_DEPTH)
		return fail(rd);
	code = wire_rd_u8(rd);
	if (!wire_rd_ok(rd))
		return false;
	if (code == AMQPV_DESCRIBED) {
		const uint8_t *dstart = rd->p;
		trib_slice_t desc;
		amqpv_t d;

		if (!rd_value(rd, &d, depth + 1))
			return false;
		desc = span(dstart, rd->p);
		if (!rd_value(rd, v, depth + 1))
			return false;
		v->descriptor = desc;
	} else if (!rd_body(rd, code, v, depth)) {
		return false;
	}
	v->raw = span(start, rd->p);
	return true;
}

bool amqpv_rd(wire_rd_t *rd, amqpv_t *v)
{
	return amqpv_rd_at(rd, v, 0);
}

bool amqpv_rd_at(wire_rd_t *rd, amqpv_t *v, int depth)
{
	if (!wire_rd_ok(rd) || depth < 0)
		return false;
	return rd_value(rd, v, depth);
}

void amqpv_rd_skip(wire_rd_t *rd)
{
	amqpv_t v;

	(void)amqpv_rd(rd, &v);
}

bool amqpv_elements(const amqpv_t *v, wire_rd_t *rd)
{
	if (!amqpv_is_list(v) && !amqpv_is_map(v))
		return false;
	if (v->code == AMQPV_LIST0)
		wire_rd_init(rd, v->raw.ptr + v->raw.len, 0);
	else
		wire_rd_init(rd, v->data.ptr, v->data.len);
	return true;
}

bool amqpv_is_null(const amqpv_t *v)
{
	return v->code == AMQPV_NULL;
}

bool amqpv_is_list(const amqpv_t *v)
{
	return v->code == AMQPV_LIST0 || v->code == AMQPV_LIST8 || v->code == AMQPV_LIST32;
}

bool amqpv_is_map(const amqpv_t *v)
{
	return v->code == AMQPV_MAP8 || v->code == AMQPV_MAP32;
}

bool amqpv_is_string(const amqpv_t *v)
{
	return v->code == AMQPV_STR8 || v->code == AMQPV_STR32;
}

bool amqpv_is_symbol(const amqpv_t *v)
{
	return v->code == AMQPV_SYM8 || v->code == AMQPV_SYM32;
}

bool amqpv_is_binary(const amqpv_t *v)
{
	return v->code == AMQPV_VBIN8 || v->code == AMQPV_VBIN32;
}

bool amqpv_get_bytes(const amqpv_t *v, trib_slice_t *out)
{
	if (!amqpv_is_string(v) && !amqpv_is_symbol(v) && !amqpv_is_binary(v))
		return false;
	*out = v->data;
	return true;
}

bool amqpv_get_u64(const amqpv_t *v, uint64_t *out)
{
	const uint8_t *p = v->data.ptr;

	switch (v->code) {
	case AMQPV_UINT0: case AMQPV_ULONG0:
		*out = 0;
		return true;
	case AMQPV_UBYTE: case AMQPV_SMALLUINT: case AMQPV_SMALLULONG:
		*out = p[0];
		return true;
	case AMQPV_USHORT:
		*out = wire_load_u16(p);
		return true;
	case AMQPV_UINT:
		*out = wire_load_u32(p);
		return true;
	case AMQPV_ULONG:
		*out = wire_load_u64(p);
		return true;
	default:
		return false;
	}
}

bool amqpv_get_i64(const amqpv_t *v, int64_t *out)
{
	const uint8_t *p = v->data.ptr;

	switch (v->code) {
	case AMQPV_BYTE: case AMQPV_SMALLINT: case AMQPV_SMALLLONG:
		*out = (int8_t)p[0];
		return true;
	case AMQPV_SHORT:
		*out = (int16_t)wire_load_u16(p);
		return true;
	case AMQPV_INT:
		*out = (int32_t)wire_load_u32(p);
		return true;
	case AMQPV_LONG: case AMQPV_TIMESTAMP:
		*out = (int64_t)wire_load_u64(p);
		return true;
	default:
		return false;
	}
}

bool amqpv_get_bool(const amqpv_t *v, bool *out)
{
	switch (v->code) {
	case AMQPV_TRUE:
		*out = true;
		return true;
	case AMQPV_FALSE:
		*out = false;
		return true;
	case AMQPV_BOOL:
		*out = v->data.ptr[0] != 0;
		return true;
	default:
		return false;
	}
}

bool amqpv_descriptor_is(const amqpv_t *v, uint64_t code, const char *symbol)
{
	wire_rd_t rd;
	amqpv_t d;
	uint64_t u;
	trib_slice_t s;

	if (!v->descriptor.ptr)
		return false;
	wire_rd_init(&rd, v->descriptor.ptr, v->descriptor.len);
	if (!amqpv_rd(&rd, &d))
		return false;
	if (amqpv_get_u64(&d, &u))
		return u == code;
	if (symbol && amqpv_is_symbol(&d) && amqpv_get_bytes(&d, &s))
		return slice_eq_cstr(s, symbol, false);
	return false;
}

static void compound_header(wire_wr_t *wr, uint8_t code8, uint8_t code32, size_t body,
			    uint32_t count)
{
	if (body + 1 <= 255 && count <= 255) {
		wire_wr_u8(wr, code8);
		wire_wr_u8(wr, (uint8_t)(body + 1));
		wire_wr_u8(wr, (uint8_t)count);
	} else {
		wire_wr_u8(wr, code32);
		wire_wr_u32(wr, (uint32_t)(body + 4));
		wire_wr_u32(wr, count);
	}
}

void amqpv_wr_list_header(wire_wr_t *wr, size_t body_bytes, uint32_t count)
{
	if (count == 0 && body_bytes == 0)
		wire_wr_u8(wr, AMQPV_LIST0);
	else
		compound_header(wr, AMQPV_LIST8, AMQPV_LIST32, body_bytes, count);
}

void amqpv_wr_map_header(wire_wr_t *wr, size_t body_bytes, uint32_t count)
{
	compound_header(wr, AMQPV_MAP8, AMQPV_MAP32, body_bytes, count);
}

void amqpv_wr_descriptor(wire_wr_t *wr, uint64_t code)
{
	wire_wr_u8(wr, AMQPV_DESCRIBED);
	if (code <= 0xff) {
		wire_wr_u8(wr, AMQPV_SMALLULONG);
		wire_wr_u8(wr, (uint8_t)code);
	} else {
		wire_wr_u8(wr, AMQPV_ULONG);
		wire_wr_u64(wr, code);
	}
}

void amqpv_wr_uuid(wire_wr_t *wr, const uint8_t uuid[16])
{
	wire_wr_u8(wr, AMQPV_UUID);
	wire_wr_raw(wr, uuid, 16);
}
