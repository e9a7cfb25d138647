/**
 * Kafka producer ids (InitProducerId, KIP-98): a counter that never hands
 * out an id twice, across restarts. Ids are reserved durably in blocks of
 * PIDM_BLOCK: the store's private file PIDM_FILE holds the end of the
 * reserved block, written (fsync'd) before any id of a block is given out,
 * so a restart continues after the last block and never reuses an id. A
 * crash wastes at most the rest of one block.
 */
#ifndef TRIB_PIDM_H
#define TRIB_PIDM_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "trib_err.h"

#define PIDM_BLOCK 1000                   /**< ids reserved per durable write */
#define PIDM_FILE "kafka-producer-ids"    /**< store private file: the reserved end, decimal */

typedef struct pidm pidm_t;

/**
 * Loads the reserved end from @p store (borrowed, must outlive the pidm;
 * none saved: ids start at 0) and reserves the first block durably.
 * *out is owned by the caller (pidm_close).
 * Errors: TRIB_ERR_CORRUPT (the file is not a decimal id), TRIB_ERR_IO,
 * TRIB_ERR_NOMEM.
 * @thread any (start-up)  @locks none
 */
trib_err_t pidm_open(store_t *store, pidm_t **out) TRIB_MUST_CHECK;

/**
 * Gives out a new producer id (*producer_id >= 0) with epoch 0
 * (*producer_epoch): every call a new id, as Kafka does for a producer
 * without a transactional id. Every PIDM_BLOCK calls one durable write
 * (blocks for one fsync). Errors: TRIB_ERR_IO (the next block could not be
 * reserved; nothing given out), TRIB_ERR_TOO_LARGE (ids exhausted).
 * @thread any  @locks the pidm's mutex
 */
trib_err_t pidm_next(pidm_t *m, int64_t *producer_id, int16_t *producer_epoch) TRIB_MUST_CHECK;

/**
 * Whether @p producer_id may have been given out, in this run or an
 * earlier one (it is below the next id). A Produce with an id never given
 * out gets UNKNOWN_PRODUCER_ID.
 * @thread any  @locks the pidm's mutex
 */
bool pidm_issued(pidm_t *m, int64_t producer_id);

/** Frees @p *m and sets it to NULL; NULL accepted. @thread any (shutdown) @locks none */
void pidm_close(pidm_t **m);

#endif
