/**
 * A partition of an event hub: the core's append/read/wait calls over one
 * storage log (DESIGN.md §2, §5). Every protocol head goes through these.
 */
#ifndef TRIB_PART_H
#define TRIB_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pstate.h"
#include "rb.h"
#include "store.h"
#include "trib_err.h"

typedef struct part part_t;

/** message.timestamp.type of a partition (DESIGN.md §3). */
typedef enum part_ts_type {
	PART_TS_LOG_APPEND, /**< LogAppendTime: each batch stamped with its append time (default) */
	PART_TS_CREATE,     /**< CreateTime: batches stored exactly as the producer sent them */
} part_ts_type_t;

/**
 * What a partition keeps and how it stores it: the storage side of a hub's
 * topic configs (Kafka retention.ms, retention.bytes, segment.bytes,
 * segment.ms, message.timestamp.type). A value; see store_policy_t for
 * exactly what retention removes.
 */
typedef struct part_policy {
	int64_t retention_ms;    /**< ms; -1 = forever */
	int64_t retention_bytes; /**< bytes of this partition; -1 = no limit */
	int64_t segment_bytes;   /**< segment roll size, bytes; <= 0 = storage.segment_bytes */
	int64_t segment_ms;      /**< roll once the active segment's first batch is this old,
				      ms; <= 0 = never */
	part_ts_type_t timestamp_type;
} part_policy_t;

/**
 * The leader epoch of every partition, forever (the gateway is its only
 * leader): part_append writes it into each batch's partitionLeaderEpoch, and
 * the Kafka head answers it in Metadata, Fetch and OffsetForLeaderEpoch.
 */
#define PART_LEADER_EPOCH 0

/** A partition's policy until part_set_policy: keep everything, LogAppendTime. */
#define PART_POLICY_DEFAULT ((part_policy_t){-1, -1, 0, -1, PART_TS_LOG_APPEND})

/**
 * Completion of part_append: @p err is TRIB_OK once the batch is durable.
 * Runs on the storage flusher thread with no lock held, never inside
 * part_append; it must only hand the result to the head's own loop.
 */
typedef void (*part_done_fn)(void *arg, trib_err_t err);

/**
 * A one-shot waiter for data past an offset. Owned by the head (usually
 * embedded in its request or link state); the core only links it.
 * wake(arg) runs on the flusher thread under the partition's waiter lock:
 * it must be quick and must not call back into this partition.
 */
typedef struct part_waiter {
	void (*wake)(void *arg);
	void *arg;
	int64_t offset;                /**< wake once the high watermark passes this */
	struct part_waiter *prev, *next; /**< core-private */
	bool armed;                    /**< core-private */
} part_waiter_t;

/**
 * Sets the partition's policy (@p pol copied): the timestamp type applies
 * to the next append, the segment sizes at the next append, retention at
 * the storage retention pass (about every second). Called by the hub when
 * it opens and whenever its topic configs change.
 * @thread any  @locks the storage log's lock
 */
void part_set_policy(part_t *p, const part_policy_t *pol);

/**
 * Checks, stamps and appends one RecordBatch v2 (@p batch, @p len bytes,
 * borrowed for the call; its header is rewritten in place: base offset,
 * and under LogAppendTime the max timestamp, the timestamp-type bit and the
 * CRC; under CreateTime only the base offset, so the batch keeps the
 * producer's timestamps and CRC and its append time is kept by storage).
 * *base_offset gets the first offset.
 * Errors: TRIB_ERR_INVALID / TRIB_ERR_CORRUPT / TRIB_ERR_UNSUPPORTED (the
 * batch fails rb_check or rb_validate_records; nothing stored),
 * TRIB_ERR_TOO_LARGE (over the hub's max batch bytes), storage errors.
 * A batch with a producer id >= 0 (idempotent producer, KIP-98) is checked
 * against the partition's producer state first (core/pstate.h), atomically
 * with its append: TRIB_ERR_EXISTS means an exact retry of a durable batch
 * (nothing appended; *base_offset and the batch header are set to the
 * stored ones), TRIB_ERR_AGAIN a retry of one not yet durable,
 * TRIB_ERR_SEQUENCE a gap, TRIB_ERR_FENCED an older epoch,
 * TRIB_ERR_UNKNOWN_PRODUCER a producer with no state whose first sequence
 * is not 0, TRIB_ERR_INVALID a negative epoch or sequence.
 * When an error is returned @p done never fires.
 * @thread any  @locks the partition's producer lock, then the storage log's lock
 */
trib_err_t part_append(part_t *p, uint8_t *batch, size_t len, part_done_fn done, void *arg,
		       int64_t *base_offset) TRIB_MUST_CHECK;

/** Partition index within its hub. @thread any */
int32_t part_id(const part_t *p);

/** High watermark: one past the last durable offset. @thread any @locks none */
int64_t part_high_watermark(const part_t *p);

/** Log start offset: the first offset that may be read. @thread any @locks log lock */
int64_t part_log_start(part_t *p);

/**
 * Kafka DeleteRecords: moves the log start offset up to @p offset (-1 = the
 * high watermark), durably before returning; reads below it get
 * TRIB_ERR_OUT_OF_RANGE and whole segments below it are removed. An offset
 * at or below the current start changes nothing. *log_start gets the log
 * start after the call. Errors: TRIB_ERR_OUT_OF_RANGE (beyond the high
 * watermark or negative other than -1), TRIB_ERR_NOT_FOUND (hub deleted),
 * TRIB_ERR_IO. Blocks for one fsync.
 * @thread any  @locks the storage log's lock
 */
trib_err_t part_delete_records(part_t *p, int64_t offset, int64_t *log_start) TRIB_MUST_CHECK;

/**
 * The partition's idempotent producers (Kafka DescribeProducers, KIP-664):
 * pstate_list over its producer state, under its producer lock, so every
 * entry is one consistent snapshot. @p out holds @p cap entries (owned by
 * the caller; NULL with 0 to count); returns how many producers there are,
 * which may exceed @p cap (then only @p cap were copied).
 * @thread any  @locks the partition's producer lock
 */
size_t part_producers(part_t *p, pstate_producer_t *out, size_t cap);

/** Append time (ms) of the last durable batch, or -1 when empty. @thread any */
int64_t part_last_append_time(const part_t *p);

/**
 * The append time (ms) of the stored batch whose header is @p h (borrowed;
 * read from a part_read range): x-opt-enqueued-time of each of its records.
 * A LogAppendTime batch answers its max timestamp without a lookup; a
 * CreateTime batch its append time from storage (the max timestamp if
 * storage cannot tell, which only a batch gone past its retention grace
 * period can cause).
 * @thread any  @locks the storage log's lock (CreateTime batches only)
 */
int64_t part_batch_append_time(part_t *p, const rb_header_t *h);

/**
 * Locates durable batches from @p offset for about @p max_bytes (see
 * store_read). Errors: TRIB_ERR_OUT_OF_RANGE.
 * @thread any  @locks log lock
 */
trib_err_t part_read(part_t *p, int64_t offset, size_t max_bytes, store_range_t *range) TRIB_MUST_CHECK;

/**
 * Copies a range found by part_read into @p dst (range->len bytes). The
 * range must be used within STORE_RETIRED_GRACE_MS (60 s) of the
 * part_read, or be held (part_range_hold): retention may remove its
 * segment meanwhile, which keeps it readable only that long.
 * Errors: TRIB_ERR_IO.
 */
trib_err_t part_read_copy(part_t *p, const store_range_t *range, uint8_t *dst) TRIB_MUST_CHECK;

/**
 * Keeps @p range (from a part_read just now) readable, its range->fd open,
 * until part_range_release, however long (sendfile to a slow socket).
 * Release every hold before the namespace closes. @thread any  @locks none
 */
void part_range_hold(part_t *p, const store_range_t *range);

/** Ends one part_range_hold of @p range. @thread any  @locks none */
void part_range_release(part_t *p, const store_range_t *range);

/**
 * Kafka ListOffsets by timestamp: the base offset of the first batch whose
 * max timestamp is >= @p ts_ms (the append time under LogAppendTime, the
 * producer's timestamps under CreateTime), else the high watermark.
 * @thread any  @locks the storage log's lock (briefly)
 */
int64_t part_offset_for_time(part_t *p, int64_t ts_ms);

/**
 * The base offset of the first batch APPENDED at or after @p ts_ms (the
 * AMQP enqueued-time filter), else the high watermark; equal to
 * part_offset_for_time under LogAppendTime.
 * @thread any  @locks the storage log's lock (briefly)
 */
int64_t part_offset_for_append_time(part_t *p, int64_t ts_ms);

/**
 * Arms @p w (wake, arg and offset set by the caller) to fire once the high
 * watermark is above w->offset. Returns false without arming when it
 * already is (read now instead). An armed waiter must be disarmed with
 * part_unwait before its memory goes away.
 * @thread any  @locks the partition's waiter lock
 */
bool part_wait(part_t *p, part_waiter_t *w);

/** Disarms @p w if armed; safe to call at any time. @thread any @locks waiter lock */
void part_unwait(part_t *p, part_waiter_t *w);

/**
 * Core-internal: opens partition @p id of hub @p hub_name over @p store
 * (borrowed), recovering its log. Batches over @p max_batch_bytes are
 * refused by part_append. *out is owned by the hub (part_close).
 * Errors: storage errors, TRIB_ERR_NOMEM.
 * @thread main (start-up) or the caller of ns_hub_create  @locks none
 */
trib_err_t part_open(store_t *store, const char *hub_name, int32_t id, uint32_t max_batch_bytes,
		     part_t **out) TRIB_MUST_CHECK;

/**
 * Core-internal: frees the partition (its log stays open in the store
 * until store_close). No waiter may still be armed. NULL accepted.
 */
void part_close(part_t **p);

#endif
