/**
 * AMQP 1.0 primitive value encoding (OASIS AMQP 1.0 part 1, §1.6 "Primitive
 * Type Definitions"): the constructor byte followed by the value, big-endian.
 * Kept in the leaf folder because both the AMQP head (deliveries) and the
 * HTTP head (user properties stored as AMQP-encoded record headers,
 * DESIGN.md §3) write these bytes.
 *
 * Writers follow wire_wr_t rules: they always advance pos and store only
 * what fits.
 */
#ifndef TRIB_AMQPV_H
#define TRIB_AMQPV_H

#include <stdbool.h>
#include <stdint.h>

#include "slice.h"
#include "wire.h"

/* Constructor codes used across the project (AMQP 1.0 §1.6). */
enum {
	AMQPV_DESCRIBED = 0x00,
	AMQPV_NULL = 0x40,
	AMQPV_TRUE = 0x41,
	AMQPV_FALSE = 0x42,
	AMQPV_BOOL = 0x56,
	AMQPV_UBYTE = 0x50,
	AMQPV_USHORT = 0x60,
	AMQPV_UINT = 0x70,
	AMQPV_SMALLUINT = 0x52,
	AMQPV_UINT0 = 0x43,
	AMQPV_ULONG = 0x80,
	AMQPV_SMALLULONG = 0x53,
	AMQPV_ULONG0 = 0x44,
	AMQPV_BYTE = 0x51,
	AMQPV_SHORT = 0x61,
	AMQPV_INT = 0x71,
	AMQPV_SMALLINT = 0x54,
	AMQPV_LONG = 0x81,
	AMQPV_SMALLLONG = 0x55,
	AMQPV_FLOAT = 0x72,
	AMQPV_DOUBLE = 0x82,
	AMQPV_CHAR = 0x73,
	AMQPV_TIMESTAMP = 0x83,
	AMQPV_UUID = 0x98,
	AMQPV_VBIN8 = 0xa0,
	AMQPV_VBIN32 = 0xb0,
	AMQPV_STR8 = 0xa1,
	AMQPV_STR32 = 0xb1,
	AMQPV_SYM8 = 0xa3,
	AMQPV_SYM32 = 0xb3,
	AMQPV_LIST0 = 0x45,
	AMQPV_LIST8 = 0xc0,
	AMQPV_LIST32 = 0xd0,
	AMQPV_MAP8 = 0xc1,
	AMQPV_MAP32 = 0xd1,
	AMQPV_ARRAY8 = 0xe0,
	AMQPV_ARRAY32 = 0xf0,
};

/** Writes null (0x40). @thread any @locks none */
void amqpv_wr_null(wire_wr_t *wr);
/** Writes a boolean as 0x41 / 0x42. */
void amqpv_wr_bool(wire_wr_t *wr, bool v);
/** Writes an int in its full form (0x71 + 4 bytes), as the service types numbers. */
void amqpv_wr_int(wire_wr_t *wr, int32_t v);
/** Writes a long in its full form (0x81 + 8 bytes). */
void amqpv_wr_long(wire_wr_t *wr, int64_t v);
/** Writes a uint in its full form (0x70 + 4 bytes). */
void amqpv_wr_uint(wire_wr_t *wr, uint32_t v);
/** Writes a ulong in its full form (0x80 + 8 bytes). */
void amqpv_wr_ulong(wire_wr_t *wr, uint64_t v);
/** Writes a double (0x82 + IEEE 754 binary64). */
void amqpv_wr_double(wire_wr_t *wr, double v);
/** Writes a timestamp (0x83 + ms since the Unix epoch). */
void amqpv_wr_timestamp(wire_wr_t *wr, int64_t ms);
/** Writes a string: str8 (0xa1) under 256 bytes, else str32 (0xb1). @p s is UTF-8, borrowed. */
void amqpv_wr_string(wire_wr_t *wr, trib_slice_t s);
/** Writes a symbol: sym8 (0xa3) / sym32 (0xb3). */
void amqpv_wr_symbol(wire_wr_t *wr, trib_slice_t s);
/** Writes binary: vbin8 (0xa0) / vbin32 (0xb0). */
void amqpv_wr_binary(wire_wr_t *wr, trib_slice_t s);

#endif
