/**
 * Idempotent-producer state of one partition (Kafka KIP-98, "idempotent
 * producer"): per producer id, its epoch and the last PSTATE_BATCHES
 * appended batches {first sequence, last sequence, base offset, last offset
 * delta, append time}. part_append checks a batch carrying a producer id
 * against it and records the batch once stored; part_open rebuilds it by
 * replaying the batch headers of the log.
 *
 * The table is not locked: the owning partition serialises every call with
 * its producer lock, held across check and append (core/part.c).
 */
#ifndef TRIB_PSTATE_H
#define TRIB_PSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "rb.h"
#include "trib_err.h"

#define PSTATE_BATCHES 5 /**< batches remembered per producer (Kafka's NumBatchesToRetain) */
#define PSTATE_MAX_PRODUCERS (1u << 20) /**< producer ids one partition keeps state for */

typedef struct pstate pstate_t;

/** One remembered batch. */
typedef struct pstate_batch {
	int32_t first_seq;         /**< baseSequence */
	int32_t last_seq;          /**< baseSequence + lastOffsetDelta, wrapping past INT32_MAX */
	int64_t base_offset;       /**< offset the batch was stored at */
	int32_t last_offset_delta; /**< records - 1 */
	int64_t append_time;       /**< ms: the stamped max timestamp of the stored batch */
} pstate_batch_t;

/**
 * A new, empty table; *out is owned by the caller (pstate_free).
 * Errors: TRIB_ERR_NOMEM.  @thread any  @locks none
 */
trib_err_t pstate_new(pstate_t **out) TRIB_MUST_CHECK;

/** Frees the table and sets *ps to NULL; NULL accepted. @thread any @locks none */
void pstate_free(pstate_t **ps);

/** The last sequence of a batch starting at @p first_seq with @p last_offset_delta. */
int32_t pstate_last_seq(int32_t first_seq, int32_t last_offset_delta);

/**
 * Checks the idempotent batch whose header is @p h (producer_id >= 0)
 * against the producer's state, following Kafka's ProducerStateManager:
 *   - epoch below the stored one: TRIB_ERR_FENCED (INVALID_PRODUCER_EPOCH);
 *   - same epoch, same first and last sequence as one of the remembered
 *     batches: TRIB_ERR_EXISTS, *dup gets that batch (a retry: answer its
 *     offset, append nothing);
 *   - same epoch: first sequence must follow the last one, else
 *     TRIB_ERR_SEQUENCE (OUT_OF_ORDER_SEQUENCE_NUMBER);
 *   - newer epoch: first sequence must be 0, else TRIB_ERR_SEQUENCE;
 *   - no state for the producer: first sequence must be 0, else
 *     TRIB_ERR_UNKNOWN_PRODUCER (UNKNOWN_PRODUCER_ID, as Kafka before
 *     KIP-360 answers a producer it has no entry for);
 *   - a negative epoch or sequence: TRIB_ERR_INVALID.
 * TRIB_OK: the batch may be appended.
 * @thread any  @locks the partition's producer lock
 */
trib_err_t pstate_check(const pstate_t *ps, const rb_header_t *h, pstate_batch_t *dup)
	TRIB_MUST_CHECK;

/**
 * Makes sure producer @p producer_id has an entry, so that pstate_record
 * cannot fail after the batch is stored. Errors: TRIB_ERR_NOMEM,
 * TRIB_ERR_TOO_LARGE (PSTATE_MAX_PRODUCERS reached).
 * @thread any  @locks the partition's producer lock
 */
trib_err_t pstate_reserve(pstate_t *ps, int64_t producer_id) TRIB_MUST_CHECK;

/**
 * Records a stored batch (header @p h, stored at @p base_offset, stamped
 * @p append_time ms) for its producer, whose entry pstate_reserve made: a
 * newer epoch forgets the older epoch's batches; the oldest of more than
 * PSTATE_BATCHES is dropped. Used by appends and by the replay at open,
 * which records every batch without checking, as Kafka's log recovery does.
 * @thread any  @locks the partition's producer lock
 */
void pstate_record(pstate_t *ps, const rb_header_t *h, int64_t base_offset, int64_t append_time);

/** Producer ids with state. @thread any  @locks the partition's producer lock */
size_t pstate_count(const pstate_t *ps);

/** What Kafka DescribeProducers shows of one producer (KIP-664). */
typedef struct pstate_producer {
	int64_t producer_id;
	int16_t epoch;          /**< of its last batch */
	int32_t last_seq;       /**< last sequence of its last batch */
	int64_t last_timestamp; /**< ms: append time of its last batch */
	int64_t last_offset;    /**< offset of the last record of its last batch */
} pstate_producer_t;

/**
 * Copies the producers that have at least one batch recorded into @p out
 * (@p cap entries, owned by the caller; NULL with 0 to count), in no
 * particular order. Returns how many there are, which may exceed @p cap
 * (then only @p cap were copied).
 * @thread any  @locks the partition's producer lock
 */
size_t pstate_list(const pstate_t *ps, pstate_producer_t *out, size_t cap);

#endif
