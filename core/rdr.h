/**
 * The registry of Event Hubs readers: who reads each (partition, consumer
 * group) and with which owner level (epoch), shared by every connection
 * (DESIGN.md §2; reference/eventhubs-surface.md §1.8).
 *
 * Rules, as the service applies them:
 *  - at most RDR_MAX_NON_EPOCH readers without an epoch per partition and
 *    consumer group; one more is refused (RDR_REFUSED_LIMIT);
 *  - a reader with an epoch >= every current epoch takes the partition:
 *    every current reader (epoch or not) is unregistered and its stolen()
 *    callback fires;
 *  - a reader with a lower epoch is refused (RDR_REFUSED_LOWER_EPOCH);
 *  - a reader without an epoch is refused while an epoch reader holds the
 *    partition (RDR_REFUSED_EPOCH_HELD).
 *
 * A reader is an rdr_reader_t owned by the head (embedded in its link
 * state, like part_waiter_t); the registry only links it. Unsettled API:
 * only the AMQP head uses it so far.
 */
#ifndef TRIB_RDR_H
#define TRIB_RDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "part.h"
#include "slice.h"
#include "trib_err.h"

/** Readers without an epoch per partition per consumer group (Event Hubs quota). */
#define RDR_MAX_NON_EPOCH 5
/** Longest consumer group name the registry keys on, bytes. */
#define RDR_CG_MAX 256
/** Size of the texts the registry writes (refusals, steal notices), bytes with the NUL. */
#define RDR_WHY_MAX 1024

typedef struct rdr rdr_t;

/** What rdr_add decided. */
typedef enum rdr_verdict {
	RDR_ADMITTED = 0,        /**< registered (readers it displaced were told) */
	RDR_REFUSED_LIMIT,       /**< RDR_MAX_NON_EPOCH readers without epoch already read */
	RDR_REFUSED_LOWER_EPOCH, /**< a reader with a higher epoch holds the partition */
	RDR_REFUSED_EPOCH_HELD,  /**< no epoch asked, but an epoch reader holds the partition */
} rdr_verdict_t;

/**
 * A registered reader. The head sets stolen, arg, has_epoch, epoch and name
 * before rdr_add and keeps the struct alive until rdr_remove returned (or
 * stolen() fired). The other fields are the registry's.
 */
typedef struct rdr_reader {
	/**
	 * A newer epoch reader took the partition: this reader is already
	 * unregistered and why[] holds the service's text. Runs on the thread
	 * that called rdr_add for the new reader, under the registry lock: it
	 * must only hand the work to the reader's own loop (set a flag, wake),
	 * never call back into the registry or close anything itself.
	 */
	void (*stolen)(void *arg);
	void *arg;
	bool has_epoch;        /**< the link asked for an owner level */
	int64_t epoch;         /**< the owner level when has_epoch */
	const char *name;      /**< receiver name (NUL-terminated, borrowed while registered), or NULL */
	char why[RDR_WHY_MAX]; /**< written by the registry before stolen() fires */
	/* registry-private */
	struct rdr_slot *slot;
	struct rdr_reader *prev, *next;
} rdr_reader_t;

/**
 * A new, empty registry, owned by the caller (rdr_free), or NULL when
 * memory is short.
 * @thread any  @locks none
 */
rdr_t *rdr_new(void);

/**
 * Frees the registry; no reader may still be registered. NULL accepted;
 * sets *r to NULL.
 * @thread any (shutdown)  @locks none
 */
void rdr_free(rdr_t **r);

/**
 * Registers @p rd as a reader of partition @p part (compared by identity)
 * in consumer group @p cg (compared ASCII case-insensitively, as hub
 * consumer groups are) following the rules above. On RDR_ADMITTED, every
 * reader it displaced was unregistered and had its stolen() called before
 * this returns. On a refusal nothing changes and @p why (@p why_len
 * bytes, NUL-terminated, truncated if short) gets the service's text.
 * *verdict is only meaningful when TRIB_OK is returned.
 * Errors: TRIB_ERR_INVALID (@p cg empty or longer than RDR_CG_MAX),
 * TRIB_ERR_NOMEM.
 * @thread any  @locks the registry lock (stolen() callbacks run under it)
 */
trib_err_t rdr_add(rdr_t *r, const part_t *part, trib_slice_t cg, rdr_reader_t *rd,
		   rdr_verdict_t *verdict, char *why, size_t why_len) TRIB_MUST_CHECK;

/**
 * Unregisters @p rd; a no-op when it is not registered (never added,
 * refused, already removed or stolen). After it returns, no stolen()
 * callback for @p rd is running or will run. Every close path of a
 * reader calls it.
 * @thread any  @locks the registry lock
 */
void rdr_remove(rdr_t *r, rdr_reader_t *rd);

/**
 * Readers registered on (@p part, @p cg): *non_epoch gets those without
 * an epoch, the return value all of them. For tests and metrics.
 * @thread any  @locks the registry lock
 */
size_t rdr_count(rdr_t *r, const part_t *part, trib_slice_t cg, size_t *non_epoch);

#endif
