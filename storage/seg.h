/**
 * One segment of a partition log: <base offset>.log holding whole
 * RecordBatch v2 bytes back to back; <base offset>.idx, a sparse index of
 * 16-byte big-endian entries {relative offset u32, position u32, largest
 * max timestamp so far i64}, one per index_interval bytes of log; and, for
 * a segment written with CreateTime, <base offset>.tix, one 16-byte entry
 * {relative offset u32, position u32, append time ms i64} per batch
 * (docs/storage.md).
 *
 * The .idx is a hint: written without sync and checked at open against the
 * log, which is the truth. The .tix is data: synced with the log before a
 * batch is acknowledged, checked at open, and rebuilt for a tail the crash
 * took (the log file's mtime, logged). A segment without a .tix has no
 * CreateTime batches: each batch's append time is its max timestamp.
 * Private to storage/.
 */
#ifndef TRIB_SEG_H
#define TRIB_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trib_err.h"

#define SEG_INDEX_ENTRY_BYTES 16
#define SEG_TIX_ENTRY_BYTES 16
#define SEG_MAX_BYTES (UINT32_MAX - 1u) /**< positions are 32-bit */

typedef struct seg_entry {
	uint32_t rel_offset; /**< batch base offset - segment base offset */
	uint32_t pos;        /**< batch position in the log file, bytes */
	int64_t max_ts;      /**< largest batch max timestamp up to this batch, ms (Kafka's
				  time index keeps the same, so CreateTime bisects) */
} seg_entry_t;

/** A step of the append times: batches from rel_offset on were appended at append_ms. */
typedef struct seg_step {
	uint32_t rel_offset;
	int64_t append_ms;
} seg_step_t;

typedef struct seg {
	int64_t base_offset;  /**< first offset this segment may hold */
	int64_t next_offset;  /**< one past the last batch written */
	uint64_t size;        /**< log bytes written */
	int64_t max_ts;       /**< largest batch max timestamp, -1 when empty */
	int64_t first_append; /**< append time of the first batch, ms, -1 when empty */
	int64_t last_append;  /**< append time of the last batch, ms, -1 when empty */
	int fd;               /**< log file */
	int idx_fd;           /**< index file */
	int tix_fd;           /**< append-time index, -1 when the segment has none */
	bool timed;           /**< has a .tix: append times come from steps[] */
	bool tix_dirty;       /**< .tix entries written since the last sync */
	uint32_t index_interval;
	uint64_t last_entry_pos; /**< position of the last index entry */
	seg_entry_t *index;
	size_t nindex;
	size_t cap;
	seg_step_t *steps;    /**< append times, one per change of time (sorted both ways) */
	size_t nsteps;
	size_t steps_cap;
	uint64_t tix_entries; /**< entries in the .tix file */
	int64_t retired_at;   /**< store's monotonic ms when removed from the log, else 0 */
	_Atomic uint32_t holds; /**< store_range_hold count: not freed while above 0 */
} seg_t;

/**
 * Opens or creates segment @p base_offset in directory @p dir (borrowed),
 * recovering an existing one: index entries that do not point at a valid
 * batch are dropped, the log after the last good entry is scanned batch by
 * batch (length, CRC32C, contiguous offsets), and a torn or bad tail is
 * truncated (ftruncate + fsync) and logged with @p name (for messages).
 * Then the .tix, when there is one, is checked against the log and its
 * missing tail rebuilt. A new segment gets a .tix when @p timed (the
 * directory is synced so the file survives a crash with the first batch).
 * *out is owned by the caller (seg_close). Errors: TRIB_ERR_IO, TRIB_ERR_NOMEM.
 * @thread any  @locks caller holds the log lock
 */
trib_err_t seg_open(const char *dir, const char *name, int64_t base_offset, uint32_t index_interval,
		    bool timed, seg_t **out) TRIB_MUST_CHECK;

/**
 * Gives an EMPTY segment an append-time index (@p timed) or removes it;
 * the directory is synced. Errors: TRIB_ERR_INVALID (not empty), TRIB_ERR_IO.
 * @thread any  @locks caller holds the log lock
 */
trib_err_t seg_set_timed(seg_t *s, const char *dir, bool timed) TRIB_MUST_CHECK;

/**
 * Writes one checked batch (@p len bytes at @p batch, borrowed; its
 * baseOffset already set to next_offset) at the end of the log, holding
 * offsets up to @p last_offset, with max timestamp @p max_ts, appended at
 * @p append_ms (recorded in the .tix of a timed segment, raised to the
 * previous batch's when older). On a failed or short write the log is cut
 * back and TRIB_ERR_IO returned.
 * @thread any  @locks caller holds the log lock
 */
trib_err_t seg_append(seg_t *s, const uint8_t *batch, size_t len, int64_t last_offset,
		      int64_t max_ts, int64_t append_ms) TRIB_MUST_CHECK;

/**
 * fdatasync of the log and, when @p tix, of the .tix. Errors: TRIB_ERR_IO.
 * @thread flusher or an appender  @locks none (the fds live as long as @p s)
 */
trib_err_t seg_sync(const seg_t *s, bool tix) TRIB_MUST_CHECK;

/**
 * The append time of the batch holding @p offset in a timed segment.
 * Errors: TRIB_ERR_NOT_FOUND (not timed: the max timestamp is the append
 * time), TRIB_ERR_OUT_OF_RANGE (not in this segment).
 * @thread any  @locks caller holds the log lock (steps grow under it)
 */
trib_err_t seg_append_time(const seg_t *s, int64_t offset, int64_t *append_ms) TRIB_MUST_CHECK;

/**
 * In a timed segment, the first offset appended at or after @p ts_ms, or
 * -1 when none (written batches, durable or not).
 * @thread any  @locks caller holds the log lock
 */
int64_t seg_offset_for_append_time(const seg_t *s, int64_t ts_ms);

/**
 * Removes the segment's files (.idx and .tix, then .log, so a crash never
 * leaves an index without its log); the open descriptors stay valid.
 * @thread any  @locks caller holds the log lock
 */
void seg_unlink(const seg_t *s, const char *dir);

/** Removes the files of segment @p base_offset in @p dir without opening it. */
void seg_unlink_base(const char *dir, int64_t base_offset);

/**
 * Where to start looking for @p offset: the position of the last index
 * entry at or below it (0 for an empty index).
 * @thread any  @locks caller holds the log lock (the index grows under it)
 */
uint64_t seg_index_pos(const seg_t *s, int64_t offset);

/**
 * Where to start looking for the first batch with max timestamp >= @p ts_ms:
 * the position of the last index entry whose largest timestamp so far is
 * older than that (every batch up to it is older).
 * @thread any  @locks caller holds the log lock
 */
uint64_t seg_index_pos_for_time(const seg_t *s, int64_t ts_ms);

/**
 * Walks batch headers from position @p from (a batch start) and finds the
 * batch holding @p offset below log position @p limit. *pos gets its
 * position, *batch_len its size. Reads only bytes below @p limit, which
 * never change once written, so no lock is needed.
 * Errors: TRIB_ERR_OUT_OF_RANGE (not below limit), TRIB_ERR_IO.
 * @thread any  @locks none
 */
trib_err_t seg_find(const seg_t *s, uint64_t from, int64_t offset, uint64_t limit, uint64_t *pos,
		    size_t *batch_len) TRIB_MUST_CHECK;

/**
 * Bytes of whole batches starting at @p pos, at least the first batch and
 * then more while the total stays within @p max_bytes and below @p limit.
 * @thread any  @locks none (immutable bytes below limit)
 */
size_t seg_span(const seg_t *s, uint64_t pos, size_t first_len, size_t max_bytes, uint64_t limit);

/**
 * Walking from position @p from, the first offset of a batch whose max
 * timestamp is >= @p ts_ms, or -1 when none below @p limit is.
 * @thread any  @locks none (immutable bytes below limit)
 */
int64_t seg_offset_for_time(const seg_t *s, uint64_t from, int64_t ts_ms, uint64_t limit);

/**
 * Reads @p len bytes at log position @p pos into @p buf (owned by the
 * caller). Errors: TRIB_ERR_IO (including a short file).
 * @thread any  @locks none (pread)
 */
trib_err_t seg_pread(const seg_t *s, uint64_t pos, void *buf, size_t len) TRIB_MUST_CHECK;

/** Closes the files and frees; *s set to NULL; NULL accepted. */
void seg_close(seg_t **s);

#endif
