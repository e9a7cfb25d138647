/**
 * The storage engine's narrow interface (DESIGN.md §4, §8): partition logs
 * of Kafka RecordBatch v2 bytes with group-committed durability.
 *
 * Stability: UNSETTLED, interface version 2 (2 added per-log policies:
 * retention and segment rolling, store_append_stamp with CreateTime append
 * times, the append-time lookups). A second backend (the distributed mode
 * of DESIGN.md §8) will implement exactly these calls; do not add protocol
 * knowledge here.
 *
 * A store is a directory. Each event hub is a sub-directory holding its
 * metadata file (hub.json, written atomically) and one directory per
 * partition with segment files <base offset, 20 digits>.log, sparse
 * indexes <base offset>.idx and, for segments written with CreateTime,
 * append-time indexes <base offset>.tix (docs/storage.md).
 */
#ifndef TRIB_STORE_H
#define TRIB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trib_err.h"

#define STORE_INTERFACE_VERSION 2
#define STORE_MAX_BATCH_BYTES (64u * 1024 * 1024) /**< largest batch a segment accepts */

typedef struct store store_t;
typedef struct store_log store_log_t;

typedef enum store_sync_mode {
	STORE_SYNC_ALWAYS,  /**< ack after fdatasync (default) */
	STORE_SYNC_RELAXED, /**< ack after write(2); sync every sync_interval_ms */
} store_sync_mode_t;

/** Wall-clock seam (tests): milliseconds since the Unix epoch. */
typedef int64_t (*store_clock_fn)(void *arg);

typedef struct store_opts {
	const char *dir;              /**< borrowed; created when missing */
	store_sync_mode_t sync_mode;
	uint32_t sync_interval_ms;    /**< relaxed mode only */
	uint64_t segment_bytes;       /**< roll a segment past this size (a log's policy may
				           override it) */
	uint32_t index_interval_bytes; /**< one index entry per this many log bytes */
	uint32_t retention_check_ms;  /**< retention pass period, ms; 0 = 1000 */
	uint32_t retired_grace_ms;    /**< a removed segment's files stay open this long, ms;
				           0 = STORE_RETIRED_GRACE_MS */
	store_clock_fn clock;         /**< wall clock for append times, retention and segment age;
				           NULL = the system clock */
	void *clock_arg;              /**< passed to clock */
} store_opts_t;

/**
 * How long a store_range_t stays readable after the store_read that made
 * it, even when retention or store_set_start removes its segment meanwhile
 * (the files are unlinked at once but kept open this long), ms.
 */
#define STORE_RETIRED_GRACE_MS 60000

/**
 * A log's retention and segment policy (Kafka topic configs retention.ms,
 * retention.bytes, segment.bytes, segment.ms). The retention pass (the
 * store's retention thread, every retention_check_ms) removes WHOLE closed
 * segments, oldest first, never the active one nor one holding offsets at
 * or past the durable end, while the oldest one is expired by time or by
 * size; the log start offset moves to the next segment's base.
 */
typedef struct store_policy {
	int64_t retention_ms;    /**< a closed segment whose last batch was appended more than this
				      many ms ago is removed; -1 = forever */
	int64_t retention_bytes; /**< while the log's bytes minus the oldest closed segment's are at
				      least this, that segment is removed (Kafka); -1 = no limit */
	uint64_t segment_bytes;  /**< roll before a batch would pass this size, bytes; 0 = the
				      store's segment_bytes; capped at 4 GiB - 2 */
	int64_t segment_ms;      /**< roll at the next append once the active segment's first batch
				      was appended this many ms ago; <= 0 = never */
} store_policy_t;

/** The policy a log has until store_log_set_policy: keep everything, store segment size. */
#define STORE_POLICY_DEFAULT ((store_policy_t){-1, -1, 0, -1})

/** How store_append_stamp treats a batch's timestamps (DESIGN.md §3). */
typedef enum store_stamp {
	STORE_STAMP_KEEP,       /**< bytes as given; the batch's max timestamp is taken as its
				     append time (store_append) */
	STORE_STAMP_LOG_APPEND, /**< LogAppendTime: the append time is stamped as the max timestamp
				     with the timestamp-type bit and the CRC recomputed, under the
				     log lock, so append times never go backwards in offset order */
	STORE_STAMP_CREATE,     /**< CreateTime: bytes kept exactly as given (only baseOffset is
				     written, outside the CRC); the append time goes to the
				     segment's append-time index, synced with the batch */
} store_stamp_t;

/**
 * Called once per append when the batch is durable (or failed):
 * @p err is TRIB_OK or TRIB_ERR_IO / TRIB_ERR_CLOSED.
 * Runs on the flusher thread with no store lock held; it must only hand
 * the result to its own loop (eventfd, pn_connection_wake, MHD resume).
 */
typedef void (*store_done_fn)(void *arg, trib_err_t err);

/**
 * Called on the flusher thread, no store lock held, each time a log's
 * durable end moves; used by the core to wake waiting readers.
 */
typedef void (*store_durable_fn)(void *arg, int64_t durable_end);

/**
 * Where to find stored batches: bytes [pos, pos+len) of one segment. Use it
 * promptly: it stays valid for STORE_RETIRED_GRACE_MS after the store_read
 * that filled it, also when its segment is removed meanwhile.
 */
typedef struct store_range {
	void *seg;            /**< borrowed segment handle (see above) */
	uint64_t pos;         /**< file position, bytes */
	size_t len;           /**< bytes of whole batches; 0 when nothing to read */
	int64_t first_offset; /**< base offset of the first batch in the range */
	int fd;               /**< segment file, borrowed: for sendfile(2) */
} store_range_t;

/**
 * Opens (creating) the store at opts->dir and starts its flusher thread
 * (group commit) and its retention thread (store_policy_t; also closes the
 * files of removed segments after their grace period).
 * Errors: TRIB_ERR_IO (directory unusable), TRIB_ERR_NOMEM.
 * *out is owned by the caller; close with store_close.
 * @thread any (start-up)  @locks none
 */
trib_err_t store_open(const store_opts_t *opts, store_t **out) TRIB_MUST_CHECK;

/**
 * Flushes every log, stops the flusher, closes all logs and frees the store;
 * pending completions fire with TRIB_OK when their sync succeeded, else
 * TRIB_ERR_CLOSED. Sets *s to NULL; NULL is accepted.
 * @thread any (shutdown, after the heads stopped)  @locks takes every log lock
 */
void store_close(store_t **s);

/**
 * Calls @p fn once per stored event hub with its name (decoded) and the
 * metadata text saved by store_hub_save (both borrowed for the call).
 * Returns the first error of @p fn (non-zero stops the walk), or TRIB_ERR_IO.
 * @thread any (start-up)  @locks none
 */
trib_err_t store_hub_list(store_t *s, int (*fn)(void *arg, const char *name, const char *meta),
			  void *arg) TRIB_MUST_CHECK;

/**
 * Saves @p meta (a NUL-terminated text, borrowed) as the metadata of hub
 * @p name durably: written to a temporary file, fsync'd, renamed, directory
 * fsync'd. Errors: TRIB_ERR_IO, TRIB_ERR_INVALID (empty name).
 * @thread any  @locks none (callers serialise per hub)
 */
trib_err_t store_hub_save(store_t *s, const char *name, const char *meta) TRIB_MUST_CHECK;

/**
 * Saves @p text (NUL-terminated, borrowed) as the store's private file
 * @p name (1 to 64 of A-Z a-z 0-9 _ - ., not starting with '.'; never a hub):
 * written with mode 0600 to a temporary file, fsync'd, renamed, directory
 * fsync'd, like store_hub_save. For gateway state such as the generated SAS
 * root key. Errors: TRIB_ERR_INVALID (bad name), TRIB_ERR_IO.
 * @thread any (start-up)  @locks none (callers serialise per name)
 */
trib_err_t store_file_save(store_t *s, const char *name, const char *text) TRIB_MUST_CHECK;

#define STORE_FILE_MAX_BYTES 65536 /**< largest private file store_file_load reads */

/**
 * Reads the private file @p name saved by store_file_save. *text gets a
 * NUL-terminated copy owned by the caller (mem_free; MEM_STORAGE).
 * Errors: TRIB_ERR_NOT_FOUND (never saved), TRIB_ERR_INVALID (bad name),
 * TRIB_ERR_TOO_LARGE (over STORE_FILE_MAX_BYTES), TRIB_ERR_IO, TRIB_ERR_NOMEM.
 * @thread any (start-up)  @locks none
 */
trib_err_t store_file_load(store_t *s, const char *name, char **text) TRIB_MUST_CHECK;

/**
 * Deletes hub @p name durably: its directory is renamed to a tombstone
 * (from then on the hub is not listed at store_hub_list, also after a crash)
 * and removed; tombstones left by a crash are removed at store_open. Its open
 * logs stay valid for readers (unlinked files) until store_close and refuse
 * appends with TRIB_ERR_NOT_FOUND; a new hub of the same name may be opened
 * at once. Errors: TRIB_ERR_NOT_FOUND (no such directory), TRIB_ERR_INVALID
 * (empty name), TRIB_ERR_IO (rename failed: nothing changed).
 * @thread any  @locks store lock, then each log's lock (callers serialise per hub)
 */
trib_err_t store_hub_delete(store_t *s, const char *name) TRIB_MUST_CHECK;

/**
 * Opens partition @p partition of hub @p hub, recovering its segments: the
 * tail after the last good index entry is scanned; a torn or CRC-bad batch
 * and everything after it is truncated and logged. @p on_durable (may be
 * NULL) is called as described at store_durable_fn with @p arg.
 * *out belongs to the store (closed by store_close).
 * Errors: TRIB_ERR_IO, TRIB_ERR_NOMEM, TRIB_ERR_CORRUPT (unreadable index
 * and log both).
 * @thread any  @locks store lock
 */
trib_err_t store_log_open(store_t *s, const char *hub, int32_t partition,
			  store_durable_fn on_durable, void *arg, store_log_t **out) TRIB_MUST_CHECK;

/**
 * Sets the retention and segment policy of @p l (copied); takes effect at
 * the next append (rolling) and the next retention pass.
 * @thread any  @locks the log's lock
 */
void store_log_set_policy(store_log_t *l, const store_policy_t *pol);

/**
 * Appends one whole, checked RecordBatch v2 (@p batch, @p len bytes,
 * borrowed for the call: its bytes are copied to the segment) after writing
 * the next offset as its baseOffset in place. *base_offset receives that
 * offset. @p done fires later on the flusher thread — never inside this
 * call — once the batch is durable (STORE_SYNC_ALWAYS) or written
 * (STORE_SYNC_RELAXED). When this returns an error, @p done never fires.
 * Errors: TRIB_ERR_TOO_LARGE (over STORE_MAX_BATCH_BYTES), TRIB_ERR_IO
 * (write failed; nothing is kept: the segment is cut back), TRIB_ERR_CLOSED,
 * TRIB_ERR_NOMEM.
 * @thread any  @locks the log's lock (held during write(2))
 */
trib_err_t store_append(store_log_t *l, uint8_t *batch, size_t len, store_done_fn done, void *arg,
			int64_t *base_offset) TRIB_MUST_CHECK;

/**
 * store_append with a timestamp treatment: @p stamp says whether the batch
 * is stamped LogAppendTime (rewritten in place: attributes, max timestamp,
 * CRC), kept as the producer sent it with its append time indexed
 * (CreateTime), or kept (STORE_STAMP_KEEP = store_append). The append time
 * is the store clock's now, never before the log's previous append time
 * (KEEP: the batch's max timestamp); *append_ms (may be NULL) gets it.
 * A segment holds batches of one kind: a LogAppendTime batch after
 * CreateTime ones (or the reverse) starts a new segment.
 * Errors and completion: as store_append.
 * @thread any  @locks the log's lock (held during write(2) and the stamp's CRC)
 */
trib_err_t store_append_stamp(store_log_t *l, uint8_t *batch, size_t len, store_stamp_t stamp,
			      store_done_fn done, void *arg, int64_t *base_offset,
			      int64_t *append_ms) TRIB_MUST_CHECK;

/** The high watermark: one past the last durable offset. @thread any @locks none (atomic) */
int64_t store_durable_end(const store_log_t *l);

/** The log start offset: the first offset readers may ask for. @thread any @locks log lock */
int64_t store_start(store_log_t *l);

/**
 * Moves the log start offset up to @p offset (Kafka DeleteRecords; -1 = the
 * durable end), durably (a per-partition "log-start" file, written before
 * the new start is visible). Reads below it get TRIB_ERR_OUT_OF_RANGE;
 * segments wholly below it are removed (their ranges stay readable for
 * STORE_RETIRED_GRACE_MS). An offset at or below the current start changes
 * nothing. *start gets the log start after the call (also on errors).
 * Errors: TRIB_ERR_OUT_OF_RANGE (negative other than -1, or past the
 * durable end), TRIB_ERR_NOT_FOUND (hub deleted), TRIB_ERR_IO.
 * @thread any  @locks the log's start lock (held over the file's fsync, which
 * serialises it with the retention pass), then briefly the log's lock
 */
trib_err_t store_set_start(store_log_t *l, int64_t offset, int64_t *start) TRIB_MUST_CHECK;

/** Append time (ms) of the last durable batch, or -1 for an empty log. @thread any */
int64_t store_last_append_time(const store_log_t *l);

/**
 * The append time (ms) of the stored batch whose base offset is
 * @p base_offset, for a batch that is not LogAppendTime-stamped (a
 * LogAppendTime batch's max timestamp is its append time). Segments
 * removed less than STORE_RETIRED_GRACE_MS ago still answer.
 * Errors: TRIB_ERR_NOT_FOUND (the segment keeps no append-time index: it
 * was written with LogAppendTime or KEEP, and the batch's max timestamp is
 * its append time), TRIB_ERR_OUT_OF_RANGE (no such stored offset).
 * @thread any  @locks the log's lock
 */
trib_err_t store_batch_append_time(store_log_t *l, int64_t base_offset,
				   int64_t *append_ms) TRIB_MUST_CHECK;

/**
 * Finds the durable batches holding @p offset onward, up to about
 * @p max_bytes (at least one whole batch, never past one segment).
 * Returns TRIB_OK with range->len 0 when @p offset == durable end,
 * TRIB_ERR_OUT_OF_RANGE when it is below the start or past the end.
 * @thread any  @locks the log's lock
 */
trib_err_t store_read(store_log_t *l, int64_t offset, size_t max_bytes, store_range_t *range) TRIB_MUST_CHECK;

/**
 * Copies the bytes of @p range into @p dst (range->len bytes, owned by the
 * caller); the range must come from a store_read less than
 * STORE_RETIRED_GRACE_MS ago. Errors: TRIB_ERR_IO.
 * @thread any  @locks none (pread)
 */
trib_err_t store_read_copy(const store_range_t *range, uint8_t *dst) TRIB_MUST_CHECK;

/**
 * Keeps the segment of @p range (a range from store_read, less than
 * STORE_RETIRED_GRACE_MS old) open and valid past the grace period, until
 * the matching store_range_release: for a reader that keeps a range longer,
 * such as a sendfile(2) to a slow socket. A range with seg NULL (len 0) is
 * accepted and ignored. Every hold must be released before store_close.
 * @thread any  @locks none (atomic)
 */
void store_range_hold(const store_range_t *range);

/** Ends one store_range_hold of @p range. @thread any  @locks none (atomic) */
void store_range_release(const store_range_t *range);

/**
 * Kafka ListOffsets by timestamp: the base offset of the first batch whose
 * max timestamp is >= @p ts_ms (the append time under LogAppendTime, the
 * producer's under CreateTime, not necessarily monotonic: the sparse index
 * keeps the largest timestamp so far, as Kafka's time index does); the
 * durable end when there is none; never below the log start.
 * @thread any  @locks the log's lock (briefly; the walk reads without it)
 */
int64_t store_offset_for_time(store_log_t *l, int64_t ts_ms);

/**
 * The base offset of the first batch whose APPEND time is >= @p ts_ms
 * (the AMQP enqueued-time filter; append times never go backwards in
 * offset order); the durable end when there is none; never below the log
 * start. Same as store_offset_for_time for LogAppendTime segments.
 * @thread any  @locks the log's lock (briefly)
 */
int64_t store_offset_for_append_time(store_log_t *l, int64_t ts_ms);

#endif
