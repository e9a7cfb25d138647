/**
 * Committed offsets of Kafka consumer groups (DESIGN.md §4: metadata kept as
 * an internal log). Every commit is appended as records to the internal hub
 * KOFFSET_HUB (one partition) through part_append, so an acknowledged commit
 * is durable; at start the log is replayed into a hash map
 * (group, topic, partition) -> {offset, leader epoch, metadata}.
 * Kafka consumer groups are namespace-wide and separate from the Event Hubs
 * consumer groups of a hub.
 *
 * Record format (our own, big-endian via wire_wr_t), by the key's first i16:
 *   1 (a position):
 *     key   = i16 1, str16 group, str16 topic, i32 partition
 *     value = i16 1, i64 offset, i32 leader epoch, i16-length metadata
 *             (-1 = null), i64 commit time (ms since the epoch)
 *     a null value is a tombstone: the position is deleted (OffsetDelete)
 *   2 (a whole group, DeleteGroups):
 *     key   = i16 2, str16 group;  value = null: every position of the group
 *             committed before it in the log is deleted
 * Replay applies records in log order, so a commit after a tombstone stays.
 */
#ifndef TRIB_KOFFSET_H
#define TRIB_KOFFSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns.h"
#include "part.h"
#include "slice.h"
#include "trib_err.h"

/** The internal hub holding commits; hidden from Kafka Metadata listings. */
#define KOFFSET_HUB "__consumer_offsets"
/** Longest commit metadata kept, bytes (Kafka's offset.metadata.max.bytes). */
#define KOFFSET_METADATA_MAX 4096
/** Longest group id, bytes. */
#define KOFFSET_GROUP_MAX 1024
/** Commits in one koffset_commit call (one record batch). */
#define KOFFSET_COMMIT_MAX 100000

typedef struct koffset koffset_t;

/** One committed position; slices borrowed for the call. */
typedef struct koffset_commit {
	trib_slice_t group;
	trib_slice_t topic;
	int32_t partition;
	int64_t offset;
	int32_t leader_epoch;  /**< -1 when unknown */
	trib_slice_t metadata; /**< ptr NULL = null metadata */
} koffset_commit_t;

/** A stored position as read back (koffset_get, koffset_list). */
typedef struct koffset_val {
	int64_t offset;
	int32_t leader_epoch;
	trib_slice_t metadata; /**< ptr NULL = null; borrowed, see the reading call */
	int64_t commit_time_ms;
} koffset_val_t;

/**
 * Opens the offset store over @p ns (borrowed, must outlive it): finds or
 * creates hub KOFFSET_HUB with one partition and replays its records.
 * Records it cannot read are skipped with a log line (a newer version).
 * *out is owned by the caller (koffset_close).
 * Errors: TRIB_ERR_NOMEM, storage errors from part_read, ns_hub_create's.
 * @thread main (start-up)  @locks none
 */
trib_err_t koffset_open(ns_t *ns, koffset_t **out) TRIB_MUST_CHECK;

/** Frees the map; no commit may be in flight. NULL accepted; sets *ko to NULL. */
void koffset_close(koffset_t **ko);

/**
 * Appends @p n commits (1..KOFFSET_COMMIT_MAX, borrowed for the call) as one
 * record batch. @p done(arg, err) runs once on the storage flusher thread
 * when the batch is durable (err TRIB_OK; the map is updated just before)
 * or failed; it follows part_done_fn's rules. When an error is returned
 * @p done never fires. Errors: TRIB_ERR_INVALID (n out of range, a group
 * over KOFFSET_GROUP_MAX, a topic over HUB_NAME_MAX, a negative partition),
 * TRIB_ERR_TOO_LARGE (metadata over KOFFSET_METADATA_MAX), TRIB_ERR_NOMEM,
 * part_append's errors.
 * @thread any  @locks the map mutex (briefly, in the completion), the log lock
 */
trib_err_t koffset_commit(koffset_t *ko, const koffset_commit_t *c, size_t n, part_done_fn done,
			  void *arg) TRIB_MUST_CHECK;

/**
 * Reads the committed position of (@p group, @p topic, @p partition).
 * Returns false when there is none. val->metadata points into @p meta_buf
 * (KOFFSET_METADATA_MAX bytes, owned by the caller).
 * @thread any  @locks the map mutex
 */
bool koffset_get(koffset_t *ko, trib_slice_t group, trib_slice_t topic, int32_t partition,
		 koffset_val_t *val, uint8_t *meta_buf);

/**
 * Calls @p fn for every committed position of @p group, under the map mutex:
 * @p fn must copy what it keeps (topic and metadata are borrowed for the
 * call) and must not call back into this module. Order is unspecified.
 * Returns false when @p fn returned false (stops the walk).
 * @thread any  @locks the map mutex
 */
bool koffset_list(koffset_t *ko, trib_slice_t group,
		  bool (*fn)(void *arg, trib_slice_t topic, int32_t partition,
			     const koffset_val_t *val),
		  void *arg);

/** One deletion: a position, or every position of a group; slices borrowed for the call. */
typedef struct koffset_del {
	trib_slice_t group;
	trib_slice_t topic; /**< ptr NULL = every position of the group */
	int32_t partition;  /**< ignored for a whole group */
} koffset_del_t;

/**
 * Appends @p n deletions (1..KOFFSET_COMMIT_MAX, borrowed for the call) as
 * tombstone records in one batch; like koffset_commit, the map changes only
 * when the batch is durable, just before @p done(arg, err) runs on the
 * flusher thread, and @p done never fires when an error is returned.
 * Deleting a position that does not exist is not an error (the tombstone is
 * written anyway). Errors: TRIB_ERR_INVALID (n out of range, a group over
 * KOFFSET_GROUP_MAX, a topic over HUB_NAME_MAX, a negative partition),
 * TRIB_ERR_NOMEM, part_append's errors.
 * @thread any  @locks the map mutex (briefly, in the completion), the log lock
 */
trib_err_t koffset_delete(koffset_t *ko, const koffset_del_t *d, size_t n, part_done_fn done,
			  void *arg) TRIB_MUST_CHECK;

/** Whether @p group has any committed position. @thread any @locks the map mutex */
bool koffset_has_group(koffset_t *ko, trib_slice_t group);

/**
 * Calls @p fn once for every group that has committed positions, in byte
 * order, under the map mutex (@p group borrowed for the call; @p fn must
 * not call back into this module). Returns false when @p fn returned false,
 * or when memory for the walk was short (then TRIB_ERR_NOMEM in *err).
 * @thread any  @locks the map mutex
 */
bool koffset_groups(koffset_t *ko, bool (*fn)(void *arg, trib_slice_t group), void *arg,
		    trib_err_t *err);

/** Number of stored positions (tests, metrics). @thread any @locks the map mutex */
size_t koffset_count(koffset_t *ko);

#endif
