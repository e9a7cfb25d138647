/**
 * Fetch (key 1) request and response codec, versions 0-11
 * (FetchRequest.json / FetchResponse.json; all non-flexible). Requests gain
 * max_bytes (v3), isolation_level (v4), session fields and forgotten topics
 * (v7), current_leader_epoch (v9), rack_id (v11) and per-partition
 * log_start_offset (v5). Forgotten topics are checked and dropped: this
 * broker has no fetch sessions.
 *
 * The records of a response partition are either bytes in memory or a
 * length whose bytes a callback writes straight into the response buffer
 * (one copy from storage, DESIGN.md §3).
 */
#ifndef TRIB_KAFKA_FETCH_H
#define TRIB_KAFKA_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka_arena.h"
#include "slice.h"
#include "trib_err.h"
#include "wire.h"

typedef struct kafka_fetch_partition_req {
	int32_t partition;
	int32_t current_leader_epoch; /**< v9+, -1 before */
	int64_t fetch_offset;
	int64_t log_start_offset;     /**< v5+, -1 before */
	int32_t partition_max_bytes;
} kafka_fetch_partition_req_t;

typedef struct kafka_fetch_topic_req {
	trib_slice_t topic;
	int32_t partition_count;
	kafka_fetch_partition_req_t *partitions; /**< arena */
} kafka_fetch_topic_req_t;

typedef struct kafka_fetch_req {
	int32_t replica_id;
	int32_t max_wait_ms;
	int32_t min_bytes;
	int32_t max_bytes;       /**< v3+, INT32_MAX before */
	int8_t isolation_level;  /**< v4+, 0 before */
	int32_t session_id;      /**< v7+, 0 before */
	int32_t session_epoch;   /**< v7+, -1 before */
	int32_t topic_count;
	kafka_fetch_topic_req_t *topics; /**< arena */
	int32_t forgotten_topic_count;   /**< v7+, contents skipped */
	trib_slice_t rack_id;            /**< v11+ */
} kafka_fetch_req_t;

typedef struct kafka_fetch_partition_resp kafka_fetch_partition_resp_t;

/**
 * Writes the @p p->records_len record bytes of @p p into @p dst; called
 * only by the storing pass of kafka_fetch_resp_write, and only when
 * records_len > 0. Returns false on a read error (the response must then be
 * rebuilt without those bytes).
 */
typedef bool (*kafka_fetch_copy_fn)(void *ctx, const kafka_fetch_partition_resp_t *p,
				    uint8_t *dst);

struct kafka_fetch_partition_resp {
	int32_t partition_index;
	int16_t error_code;
	int64_t high_watermark;
	int64_t last_stable_offset;      /**< v4+ */
	int64_t log_start_offset;        /**< v5+ */
	int32_t preferred_read_replica;  /**< v11+ */
	const uint8_t *records;          /**< in-memory records, or NULL to use copy */
	size_t records_len;              /**< bytes; always sent as non-null records */
	void *src;                       /**< opaque source for copy (a storage range) */
};

typedef struct kafka_fetch_topic_resp {
	trib_slice_t topic;
	int32_t partition_count;
	kafka_fetch_partition_resp_t *partitions;
} kafka_fetch_topic_resp_t;

typedef struct kafka_fetch_resp {
	int32_t throttle_time_ms; /**< v1+ */
	int16_t error_code;       /**< v7+ */
	int32_t session_id;       /**< v7+ */
	int32_t topic_count;
	kafka_fetch_topic_resp_t *topics;
	kafka_fetch_copy_fn copy; /**< for partitions whose records is NULL */
	void *copy_ctx;
} kafka_fetch_resp_t;

/**
 * Decodes a Fetch request body at @p version (0-11) into @p out (arrays in
 * @p arena, slices borrow @p rd's input, which must be consumed exactly).
 * Errors: TRIB_ERR_INVALID, TRIB_ERR_NOMEM.
 * @thread any  @locks none
 */
trib_err_t kafka_fetch_req_decode(wire_rd_t *rd, int16_t version, kafka_arena_t *arena,
				  kafka_fetch_req_t *out) TRIB_MUST_CHECK;

/**
 * Writes a kafka_fetch_resp_t at @p version (0-11) (kafka_body_fn shape).
 * aborted_transactions (v4+) is always written empty.
 * @thread any  @locks none
 */
void kafka_fetch_resp_write(wire_wr_t *wr, int16_t version, const void *resp);

#endif
