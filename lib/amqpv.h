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

/*
 * Reading (OASIS AMQP 1.0 part 1, §1.2 "Type Encodings"). A value is a
 * constructor, optionally preceded by descriptors (0x00 descriptor
 * constructor), then the value bytes. amqpv_rd checks the whole value,
 * nested lists, maps, arrays and descriptors included, so a value it
 * returns can be walked again without further bounds surprises.
 */

/** Deepest nesting of compound values and descriptors accepted. */
#define AMQPV_MAX_DEPTH 32
/**
 * Most elements in one compound value or array. Bounds the work spent on
 * arrays of zero-width elements, whose count no byte length limits.
 */
#define AMQPV_MAX_ELEMENTS 1000000u

/** One decoded value; every slice borrows the input bytes. */
typedef struct amqpv {
	uint8_t code;            /**< format code of the value itself (after any descriptor) */
	trib_slice_t raw;        /**< the whole encoding, descriptors and constructor included */
	trib_slice_t descriptor; /**< raw encoding of the outermost descriptor; null if none */
	/**
	 * The value bytes: fixed-width types their bytes (empty for 0x40..0x45),
	 * variable-width types their content (without the size), lists and
	 * maps their elements (after size and count), arrays their elements
	 * (after the element constructor).
	 */
	trib_slice_t data;
	uint32_t count;    /**< elements of a list, map (keys + values) or array */
	uint8_t elem_code; /**< arrays: the element format code */
} amqpv_t;

/**
 * Reads one complete value from @p rd into @p v, checking every nested
 * value (at most AMQPV_MAX_DEPTH levels, AMQPV_MAX_ELEMENTS per compound).
 * On malformed or unknown encodings the reader fails (sticky) and false is
 * returned; @p v then holds nothing useful.
 * @thread any  @locks none
 */
bool amqpv_rd(wire_rd_t *rd, amqpv_t *v);

/**
 * As amqpv_rd for a value that will sit @p depth levels deep inside
 * another (a map entry of a section is at depth 2): the value may nest at
 * most AMQPV_MAX_DEPTH - @p depth levels itself, so that the enclosing
 * value still reads back with amqpv_rd.
 * @thread any  @locks none
 */
bool amqpv_rd_at(wire_rd_t *rd, amqpv_t *v, int depth);

/** Skips one complete value (checked as amqpv_rd does). @thread any @locks none */
void amqpv_rd_skip(wire_rd_t *rd);

/**
 * Starts @p rd over the elements of the list or map @p v (each then read
 * with amqpv_rd). Returns false for other types.
 * @thread any  @locks none
 */
bool amqpv_elements(const amqpv_t *v, wire_rd_t *rd);

/** True for null (0x40). */
bool amqpv_is_null(const amqpv_t *v);
/** True for a list (0x45, 0xc0, 0xd0). */
bool amqpv_is_list(const amqpv_t *v);
/** True for a map (0xc1, 0xd1). */
bool amqpv_is_map(const amqpv_t *v);
/** True for a string (0xa1, 0xb1). */
bool amqpv_is_string(const amqpv_t *v);
/** True for a symbol (0xa3, 0xb3). */
bool amqpv_is_symbol(const amqpv_t *v);
/** True for binary (0xa0, 0xb0). */
bool amqpv_is_binary(const amqpv_t *v);

/**
 * The bytes of a string, symbol or binary in *out (borrowed from the
 * input). Returns false for other types.
 */
bool amqpv_get_bytes(const amqpv_t *v, trib_slice_t *out);
/** Any unsigned integer type (ubyte, ushort, uint, ulong and their short forms). */
bool amqpv_get_u64(const amqpv_t *v, uint64_t *out);
/** Any signed integer type (byte, short, int, long and short forms) or a timestamp. */
bool amqpv_get_i64(const amqpv_t *v, int64_t *out);
/** A boolean (0x41, 0x42, 0x56). */
bool amqpv_get_bool(const amqpv_t *v, bool *out);

/**
 * True when @p v is described and its descriptor is the ulong @p code or
 * the symbol @p symbol (NULL to match by code only).
 * @thread any  @locks none
 */
bool amqpv_descriptor_is(const amqpv_t *v, uint64_t code, const char *symbol);

/**
 * Writes a list (0xc0/0xd0, or list0 when empty) or map (0xc1/0xd1)
 * header for @p count elements whose encodings take @p body_bytes bytes;
 * the caller writes the elements next (sized first, STYLE.md §5).
 * The 8-bit form is chosen when count and size fit in one byte.
 */
void amqpv_wr_list_header(wire_wr_t *wr, size_t body_bytes, uint32_t count);
/** As amqpv_wr_list_header for a map (@p count = keys + values). */
void amqpv_wr_map_header(wire_wr_t *wr, size_t body_bytes, uint32_t count);
/** Writes a descriptor constructor for ulong @p code: 0x00 0x53 code, or 0x00 0x80 + 8 bytes. */
void amqpv_wr_descriptor(wire_wr_t *wr, uint64_t code);
/** Writes an AMQP uuid (0x98 + 16 bytes). */
void amqpv_wr_uuid(wire_wr_t *wr, const uint8_t uuid[16]);

#endif
