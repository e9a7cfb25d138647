/**
 * Kafka RecordBatch v2 (magic 2): the unit of storage (DESIGN.md §3).
 * Layout from the Kafka protocol guide, "Record Batch" and "Record":
 *
 *   baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 |
 *   crc u32 | attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 |
 *   maxTimestamp i64 | producerId i64 | producerEpoch i16 |
 *   baseSequence i32 | recordsCount i32 | records...
 *
 * batchLength counts the bytes after itself; the CRC32C covers attributes to
 * the end, so the broker may set baseOffset and partitionLeaderEpoch
 * without recomputing it.
 */
#ifndef TRIB_RB_H
#define TRIB_RB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"
#include "trib_err.h"
#include "wire.h"

#define RB_HEADER_SIZE 61    /**< bytes up to the first record */
#define RB_LOG_OVERHEAD 12   /**< baseOffset + batchLength */
#define RB_CRC_START 21      /**< first byte covered by the CRC */
#define RB_MAX_RECORDS 1000000 /**< records per batch we accept */

#define RB_ATTR_COMPRESSION_MASK 0x07
#define RB_ATTR_LOG_APPEND_TIME 0x08
#define RB_ATTR_TRANSACTIONAL 0x10
#define RB_ATTR_CONTROL 0x20

typedef struct rb_header {
	int64_t base_offset;
	int32_t batch_length;
	int32_t partition_leader_epoch;
	int8_t magic;
	uint32_t crc;
	int16_t attributes;
	int32_t last_offset_delta;
	int64_t base_timestamp;
	int64_t max_timestamp;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	int32_t records_count;
} rb_header_t;

/** One decoded record; slices borrow the batch bytes. */
typedef struct rb_record {
	int64_t offset;     /**< base offset + offset delta */
	int64_t timestamp;  /**< ms; the batch max timestamp under LogAppendTime */
	trib_slice_t key;   /**< null slice for a null key */
	trib_slice_t value; /**< null slice for a null value */
	int32_t header_count;
	trib_slice_t headers; /**< raw header bytes; walk with rb_headers_next */
} rb_record_t;

/** A record header name/value pair for the builder (both borrowed). */
typedef struct rb_kv {
	trib_slice_t name;
	trib_slice_t value;
} rb_kv_t;

/**
 * Record iterator. For a compressed batch it owns the decompressed records
 * (MEM_CORE): the records' slices borrow that buffer until rb_iter_free.
 */
typedef struct rb_iter {
	wire_rd_t rd;
	rb_header_t h;
	int32_t left;
	uint8_t *owned; /**< decompressed records section, or NULL (uncompressed batch) */
} rb_iter_t;

typedef struct rb_builder {
	wire_wr_t wr; /**< buffer owned by the builder until rb_builder_finish */
	int32_t count;
	int64_t base_ts;
	int64_t max_ts;
	trib_err_t err;
} rb_builder_t;

/**
 * Decodes the fixed header from @p p (@p len bytes available, borrowed).
 * Returns TRIB_ERR_INVALID when len < RB_HEADER_SIZE or batchLength is below
 * the header's size, TRIB_ERR_UNSUPPORTED when magic is not 2.
 * @thread any  @locks none
 */
trib_err_t rb_header_parse(const uint8_t *p, size_t len, rb_header_t *h) TRIB_MUST_CHECK;

/** Whole batch size in bytes: RB_LOG_OVERHEAD + batchLength. */
size_t rb_size(const rb_header_t *h);

/**
 * Checks that @p p holds exactly one whole batch (@p len == its size) with a
 * good CRC, and decodes its header into @p h. Errors: TRIB_ERR_INVALID
 * (short or length mismatch), TRIB_ERR_UNSUPPORTED (magic), TRIB_ERR_CORRUPT
 * (CRC).
 * @thread any  @locks none
 */
trib_err_t rb_check(const uint8_t *p, size_t len, rb_header_t *h) TRIB_MUST_CHECK;

/**
 * Checks the records of a batch that passed rb_check: every record decodes,
 * uses all bytes, the count matches recordsCount and offset deltas run
 * 0..lastOffsetDelta. Compressed batches (gzip, snappy, lz4, zstd: lib/rbz.h)
 * are decompressed into a temporary buffer for the check and left as they
 * are. Errors: TRIB_ERR_CORRUPT (malformed records or compressed stream),
 * TRIB_ERR_UNSUPPORTED (codec 5-7), TRIB_ERR_TOO_LARGE (records over
 * RBZ_MAX_DECOMPRESSED once decompressed), TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t rb_validate_records(const uint8_t *p, size_t len, const rb_header_t *h) TRIB_MUST_CHECK;

/** Writes @p base_offset into the batch at @p p (no CRC change). */
void rb_set_base_offset(uint8_t *p, int64_t base_offset);

/**
 * Writes @p epoch as the batch's partitionLeaderEpoch (a broker-assigned
 * field outside the CRC, like baseOffset; Kafka protocol guide "Record Batch").
 */
void rb_set_leader_epoch(uint8_t *p, int32_t epoch);

/**
 * Marks the batch LogAppendTime with max timestamp @p ts_ms and recomputes
 * the CRC, as a Kafka broker does for message.timestamp.type=LogAppendTime.
 * @p len is the whole batch size.
 */
void rb_stamp_append_time(uint8_t *p, size_t len, int64_t ts_ms);

/**
 * Starts iterating the records of the whole batch at @p p (@p len bytes,
 * borrowed for the iterator's life). Does not check the CRC. A compressed
 * batch's records are decompressed here (rbz_decompress, at most
 * RBZ_MAX_DECOMPRESSED bytes, counted under MEM_CORE) into a buffer the
 * iterator owns: call rb_iter_free when done with the records (an
 * uncompressed batch allocates nothing, but calling it is always right).
 * Errors as rb_header_parse, plus TRIB_ERR_CORRUPT (negative count, bad
 * compressed stream), TRIB_ERR_UNSUPPORTED (codec 5-7),
 * TRIB_ERR_TOO_LARGE, TRIB_ERR_NOMEM; after an error nothing is owned.
 * @thread any  @locks none
 */
trib_err_t rb_iter_init(rb_iter_t *it, const uint8_t *p, size_t len) TRIB_MUST_CHECK;

/**
 * Frees the decompressed records an iterator owns; its records' slices die
 * with them. Safe on an iterator whose init failed, on a zeroed one, and twice.
 * @thread the iterator's  @locks none
 */
void rb_iter_free(rb_iter_t *it);

/**
 * Decodes the next record into @p r. Returns 1 for a record, 0 at the end,
 * TRIB_ERR_CORRUPT for a malformed record.
 */
int rb_iter_next(rb_iter_t *it, rb_record_t *r);

/**
 * Reads the next header from @p rd (initialised over rb_record_t.headers).
 * Returns false at the end or when malformed (then wire_rd_ok is false).
 */
bool rb_headers_next(wire_rd_t *rd, trib_slice_t *name, trib_slice_t *value);

/**
 * Starts an empty uncompressed batch whose base timestamp is @p base_ts_ms.
 * @thread any (one builder per thread)  @locks none
 */
void rb_builder_init(rb_builder_t *b, int64_t base_ts_ms);

/**
 * Appends one record (key/value null slices encode null; @p headers is an
 * array of @p nheaders pairs, all borrowed for the call). Errors:
 * TRIB_ERR_NOMEM, TRIB_ERR_TOO_LARGE over RB_MAX_RECORDS; after an error the
 * builder stays failed.
 */
trib_err_t rb_builder_add(rb_builder_t *b, int64_t ts_ms, trib_slice_t key, trib_slice_t value,
			  const rb_kv_t *headers, size_t nheaders) TRIB_MUST_CHECK;

/**
 * Completes the header and CRC (base offset 0, producer id -1) and hands the
 * bytes to the caller: *out is owned by the caller (mem_free), *len its size.
 * Errors: the builder's sticky error, TRIB_ERR_INVALID for an empty batch.
 */
trib_err_t rb_builder_finish(rb_builder_t *b, uint8_t **out, size_t *len) TRIB_MUST_CHECK;

/** Frees a builder that was not finished (safe after finish too). */
void rb_builder_free(rb_builder_t *b);

#endif
