/* Fixed encodings: numbers always in full width, variable types pick 8 or 32-bit lengths. */
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
