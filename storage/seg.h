/**
 * One segment of a partition log: <base offset>.log holding whole
 * RecordBatch v2 bytes back to back, and <base offset>.idx, a sparse index
 * of 16-byte big-endian entries {relative offset u32, position u32,
 * max timestamp i64}, one per index_interval bytes of log (docs/storage.md).
 *
 * The index is a hint: it is written without sync and checked at open
 * against the log, which is the truth. Private to storage/.
 */
#ifndef TRIB_SEG_H
#define TRIB_SEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trib_err.h"

#define SEG_INDEX_ENTRY_BYTES 16
#define SEG_MAX_BYTES (UINT32_MAX - 1u) /**< positions are 32-bit */

typedef struct seg_entry {
	uint32_t rel_offset; /**< batch base offset - segment base offset */
	uint32_t pos;        /**< batch position in the log file, bytes */
	int64_t max_ts;      /**< batch max timestamp, ms */
} seg_entry_t;

typedef struct seg {
	int64_t base_offset;  /**< first offset this segment may hold */
	int64_t next_offset;  /**< one past the last batch written */
	uint64_t size;        /**< log bytes written */
	int64_t last_ts;      /**< max timestamp of the last batch, -1 when empty */
	int fd;               /**< log file */
	int idx_fd;           /**< index file */
	uint32_t index_interval;
	uint64_t last_entry_pos; /**< position of the last index entry */
	seg_entry_t *index;
	size_t nindex;
	size_t cap;
} seg_t;

/**
 * Opens or creates segment @p base_offset in directory @p dir (borrowed),
 * recovering an existing one: index entries that do not point at a valid
 * batch are dropped, the log after the last good entry is scanned batch by
 * batch (length, CRC32C, contiguous offsets), and a torn or bad tail is
 * truncated (ftruncate + fsync) and logged with @p name (for messages).
 * *out is owned by the caller (seg_close). Errors: TRIB_ERR_IO, TRIB_ERR_NOMEM.
 * @thread any  @locks caller holds the log lock
 */
trib_err_t seg_open(const char *dir, const char *name, int64_t base_offset, uint32_t index_interval,
		    seg_t **out) TRIB_MUST_CHECK;

/**
 * Writes one checked batch (@p len bytes at @p batch, borrowed; its
 * baseOffset already set to next_offset) at the end of the log, holding
 * offsets up to @p last_offset, with max timestamp @p max_ts. On a failed
 * or short write the log is cut back and TRIB_ERR_IO returned.
 * @thread any  @locks caller holds the log lock
 */
trib_err_t seg_append(seg_t *s, const uint8_t *batch, size_t len, int64_t last_offset,
		      int64_t max_ts) TRIB_MUST_CHECK;

/**
 * Where to start looking for @p offset: the position of the last index
 * entry at or below it (0 for an empty index).
 * @thread any  @locks caller holds the log lock (the index grows under it)
 */
uint64_t seg_index_pos(const seg_t *s, int64_t offset);

/**
 * Where to start looking for the first batch with max timestamp >= @p ts_ms:
 * the position of the last index entry older than that.
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
