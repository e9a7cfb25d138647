/**
 * Wire primitives shared by every layer (STYLE.md §4, §5): a bounds-checked
 * big-endian reader whose failure is sticky, and a writer that either
 * stores or only measures. Kafka's string/bytes/array shapes and the varints
 * of the Kafka protocol guide ("Protocol Primitive Types") live here; AMQP
 * heads use the fixed-width calls (OASIS AMQP 1.0 §1.6 is big-endian too).
 */
#ifndef TRIB_WIRE_H
#define TRIB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"

/** A reader over borrowed bytes [p, end). err != 0 once any read failed. */
typedef struct wire_rd {
	const uint8_t *p;
	const uint8_t *end;
	int err;
} wire_rd_t;

/**
 * A writer into buf[0, cap). Every write advances pos; bytes are stored only
 * while they fit, so a writer with buf NULL and cap 0 measures. The buffer
 * is owned by whoever set it (wire_wr_grow_to allocates under MEM_CORE).
 */
typedef struct wire_wr {
	uint8_t *buf;
	size_t cap;
	size_t pos;
} wire_wr_t;

/** Starts reading @p len bytes at @p p (borrowed for the reader's life). */
void wire_rd_init(wire_rd_t *rd, const void *p, size_t len);
/** True while no read has failed. */
bool wire_rd_ok(const wire_rd_t *rd);
/** Bytes left to read (0 once failed). */
size_t wire_rd_left(const wire_rd_t *rd);
/** Marks the reader failed (for semantic errors found by the caller). */
void wire_rd_fail(wire_rd_t *rd);

/** Fixed-width big-endian reads; on short input they fail the reader and return 0. */
uint8_t wire_rd_u8(wire_rd_t *rd);
uint16_t wire_rd_u16(wire_rd_t *rd);
uint32_t wire_rd_u32(wire_rd_t *rd);
uint64_t wire_rd_u64(wire_rd_t *rd);
int8_t wire_rd_i8(wire_rd_t *rd);
int16_t wire_rd_i16(wire_rd_t *rd);
int32_t wire_rd_i32(wire_rd_t *rd);
int64_t wire_rd_i64(wire_rd_t *rd);

/** Unsigned LEB128 varint, at most 10 bytes (Kafka "UNSIGNED_VARINT"/"VARLONG"). */
uint64_t wire_rd_uvarint(wire_rd_t *rd);
/** Zig-zag signed varint (Kafka "VARINT"/"VARLONG"). */
int64_t wire_rd_varint(wire_rd_t *rd);

/**
 * The next @p n bytes as a slice into the input (borrowed), or the null
 * slice with the reader failed when fewer are left.
 */
trib_slice_t wire_rd_raw(wire_rd_t *rd, size_t n);

/** Kafka STRING / NULLABLE_STRING: int16 length, -1 = null. */
trib_slice_t wire_rd_str16(wire_rd_t *rd);
/** Kafka BYTES / NULLABLE_BYTES / RECORDS: int32 length, -1 = null. */
trib_slice_t wire_rd_bytes32(wire_rd_t *rd);
/** Kafka COMPACT_STRING / COMPACT_BYTES (nullable): uvarint length+1, 0 = null. */
trib_slice_t wire_rd_compact_bytes(wire_rd_t *rd);
/** Record-field bytes: zig-zag varint length, -1 = null (Kafka "Record"). */
trib_slice_t wire_rd_varbytes(wire_rd_t *rd);

/**
 * Kafka ARRAY length (int32, -1 = null returned as 0 with *is_null set when
 * @p is_null is non-NULL). Fails the reader when the count is above @p max
 * or could not fit in the bytes left at @p min_elem_size bytes each, so the
 * caller may allocate count elements safely.
 */
int32_t wire_rd_array_len(wire_rd_t *rd, int32_t max, size_t min_elem_size, bool *is_null);
/** COMPACT_ARRAY length (uvarint n+1, 0 = null), with the same checks. */
int32_t wire_rd_compact_array_len(wire_rd_t *rd, int32_t max, size_t min_elem_size, bool *is_null);
/** Skips a TAG_BUFFER (KIP-482): count, then tag, size, bytes per field. */
void wire_rd_skip_tags(wire_rd_t *rd);

/** Starts a writer over @p buf (borrowed, may be NULL with cap 0 to measure). */
void wire_wr_init(wire_wr_t *wr, void *buf, size_t cap);
/** True when everything written so far was stored (pos <= cap). */
bool wire_wr_fits(const wire_wr_t *wr);
/**
 * Grows buf (allocated under MEM_CORE; any earlier buffer must come from
 * this function too) to at least @p need bytes, keeping the stored bytes.
 * Returns TRIB_ERR_NOMEM on failure, leaving the writer unchanged.
 */
trib_err_t wire_wr_grow_to(wire_wr_t *wr, size_t need) __attribute__((warn_unused_result));

void wire_wr_u8(wire_wr_t *wr, uint8_t v);
void wire_wr_u16(wire_wr_t *wr, uint16_t v);
void wire_wr_u32(wire_wr_t *wr, uint32_t v);
void wire_wr_u64(wire_wr_t *wr, uint64_t v);
void wire_wr_i8(wire_wr_t *wr, int8_t v);
void wire_wr_i16(wire_wr_t *wr, int16_t v);
void wire_wr_i32(wire_wr_t *wr, int32_t v);
void wire_wr_i64(wire_wr_t *wr, int64_t v);
void wire_wr_uvarint(wire_wr_t *wr, uint64_t v);
void wire_wr_varint(wire_wr_t *wr, int64_t v);
void wire_wr_raw(wire_wr_t *wr, const void *p, size_t n);
/** Kafka STRING / NULLABLE_STRING (null slice writes length -1). */
void wire_wr_str16(wire_wr_t *wr, trib_slice_t s);
/** Kafka BYTES / NULLABLE_BYTES. */
void wire_wr_bytes32(wire_wr_t *wr, trib_slice_t s);
/** Kafka COMPACT_STRING / COMPACT_BYTES (null slice writes 0). */
void wire_wr_compact_bytes(wire_wr_t *wr, trib_slice_t s);
/** Record-field bytes with a zig-zag varint length (null writes -1). */
void wire_wr_varbytes(wire_wr_t *wr, trib_slice_t s);
/** An empty TAG_BUFFER (one zero byte). */
void wire_wr_empty_tags(wire_wr_t *wr);

/** Bytes a uvarint / zig-zag varint takes on the wire. */
size_t wire_uvarint_size(uint64_t v);
size_t wire_varint_size(int64_t v);

/** Big-endian loads and stores on raw memory that the caller bounds-checked. */
uint16_t wire_load_u16(const uint8_t *p);
uint32_t wire_load_u32(const uint8_t *p);
uint64_t wire_load_u64(const uint8_t *p);
void wire_store_u16(uint8_t *p, uint16_t v);
void wire_store_u32(uint8_t *p, uint32_t v);
void wire_store_u64(uint8_t *p, uint64_t v);

#endif
