/**
 * Field codec shared by the generated Kafka messages (STYLE.md §9): each
 * helper takes `flex` (the message version is a flexible one, KIP-482:
 * COMPACT_* lengths as uvarint n+1) and, where it matters, whether the
 * field is nullable at that version. The generated code calls only these
 * and lib/wire.h, so every length rule lives here once.
 *
 * Types follow the Kafka protocol guide ("Protocol Primitive Types").
 */
#ifndef TRIB_KAFKA_CODEC_H
#define TRIB_KAFKA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "wire.h"

/** A Kafka UUID (topic ids, KIP-516): 16 bytes in wire order; all zero = none. */
typedef struct kafka_uuid {
	uint8_t b[16];
} kafka_uuid_t;

typedef struct kafka_records kafka_records_t;

/**
 * Writes the @p r->len record bytes of @p r into @p dst (room for exactly
 * len bytes, inside the response buffer). Called only by the storing pass of
 * a response writer and only when len > 0. A read error must be noted in
 * the callback's own state (r->ctx): the bytes are then undefined and the
 * response must not be sent.
 */
typedef void (*kafka_records_copy_fn)(const kafka_records_t *r, uint8_t *dst);

/**
 * RECORDS in a response: bytes in memory (@p ptr), or @p len bytes a copy
 * callback places straight into the response buffer (one copy from
 * storage, DESIGN.md §3). Always written as non-null.
 */
struct kafka_records {
	const uint8_t *ptr;         /**< in-memory bytes (borrowed), or NULL to use copy */
	size_t len;                 /**< bytes */
	kafka_records_copy_fn copy; /**< when ptr is NULL and len > 0 */
	void *src;                  /**< opaque for copy (a storage range) */
	void *ctx;                  /**< opaque for copy (the handler's state) */
};

/** EMPTY: a non-null empty string, the default of non-nullable strings. */
#define KAFKA_CODEC_EMPTY ((trib_slice_t){(const uint8_t *)"", 0})

/**
 * STRING / NULLABLE_STRING (int16 length) or COMPACT_[NULLABLE_]STRING.
 * A null where @p nullable is false fails the reader. Returns a slice into
 * the input (borrowed) or TRIB_SLICE_NULL.
 */
trib_slice_t kafka_codec_rd_str(wire_rd_t *rd, bool flex, bool nullable);

/** BYTES / NULLABLE_BYTES / RECORDS (int32 length) or their COMPACT forms; as rd_str. */
trib_slice_t kafka_codec_rd_bytes(wire_rd_t *rd, bool flex, bool nullable);

/**
 * An array length: -1 for a null array (fails the reader when @p nullable
 * is false), else 0..@p max with count * @p min_elem bytes still left, so
 * the caller may allocate count elements. 0 once the reader has failed.
 */
int32_t kafka_codec_rd_count(wire_rd_t *rd, bool flex, bool nullable, int32_t max,
			     size_t min_elem);

/** UUID: 16 raw bytes. */
kafka_uuid_t kafka_codec_rd_uuid(wire_rd_t *rd);

/** FLOAT64: IEEE 754 binary64, big-endian. */
double kafka_codec_rd_f64(wire_rd_t *rd);

/**
 * Starts @p sub over the next @p size bytes of @p rd (a tagged field's
 * value) and skips them in @p rd; fails @p rd (and returns false) when
 * fewer are left.
 */
bool kafka_codec_rd_sub(wire_rd_t *rd, uint64_t size, wire_rd_t *sub);

/** Writes a string; a null slice is written as null only when @p nullable, else empty. */
void kafka_codec_wr_str(wire_wr_t *wr, bool flex, bool nullable, trib_slice_t s);

/** Writes bytes with the same null rule as kafka_codec_wr_str. */
void kafka_codec_wr_bytes(wire_wr_t *wr, bool flex, bool nullable, trib_slice_t s);

/** Writes an array length; @p n < 0 is null when @p nullable, else 0. */
void kafka_codec_wr_count(wire_wr_t *wr, bool flex, bool nullable, int32_t n);

/** Writes a UUID. */
void kafka_codec_wr_uuid(wire_wr_t *wr, const kafka_uuid_t *u);

/** Writes a FLOAT64. */
void kafka_codec_wr_f64(wire_wr_t *wr, double v);

/**
 * Writes RECORDS: the length, then the bytes (from ptr, or placed by
 * r->copy in the storing pass). @p r is borrowed.
 */
void kafka_codec_wr_records(wire_wr_t *wr, bool flex, const kafka_records_t *r);

/** True when every byte of @p u is zero (no topic id). */
bool kafka_uuid_is_zero(const kafka_uuid_t *u);

#endif
