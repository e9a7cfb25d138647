/**
 * The Kafka loop's cross-thread mailbox (DESIGN.md §5, STYLE.md §8): storage
 * completions (part_append's done) and partition waiters (part_waiter_t.wake)
 * run on the flusher thread; all they may do is post a node here. Posting
 * links the node into a mutex-protected list and writes an eventfd that the
 * loop polls; the loop then runs each node's callback on its own thread.
 *
 * Nodes are intrusive (embedded in the request state that owns them), so
 * posting never allocates. A node is in the list at most once: posting a
 * queued node only updates its error.
 */
#ifndef TRIB_KAFKA_WAKE_H
#define TRIB_KAFKA_WAKE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "trib_err.h"

typedef struct kafka_wake kafka_wake_t;
typedef struct kafka_wakeq kafka_wakeq_t;

/** Runs on the loop thread once @p w has been taken off the queue. */
typedef void (*kafka_wake_fn)(kafka_wake_t *w);

struct kafka_wake {
	kafka_wakeq_t *q;   /**< the queue to post to (set by the owner) */
	kafka_wake_fn run;  /**< set by the owner */
	trib_err_t err;     /**< the error of the last post */
	kafka_wake_t *prev; /**< queue-private */
	kafka_wake_t *next; /**< queue-private */
	bool queued;        /**< queue-private, under the queue mutex */
};

struct kafka_wakeq {
	pthread_mutex_t mu;
	kafka_wake_t *head; /**< under mu */
	kafka_wake_t *tail; /**< under mu */
	int efd;            /**< eventfd, owned */
};

/**
 * Creates the eventfd (non-blocking, close-on-exec) and an empty list.
 * Errors: TRIB_ERR_IO. @thread any  @locks none
 */
trib_err_t kafka_wakeq_init(kafka_wakeq_t *q) TRIB_MUST_CHECK;

/**
 * Closes the eventfd and frees the mutex; the list must be empty or its
 * nodes abandoned. @thread loop  @locks none
 */
void kafka_wakeq_destroy(kafka_wakeq_t *q);

/** Sets up node @p w to post to @p q and run @p fn. @thread loop  @locks none */
void kafka_wake_init(kafka_wake_t *w, kafka_wakeq_t *q, kafka_wake_fn fn);

/**
 * Queues @p w with @p err (unless already queued) and wakes the loop. The
 * only thing a flusher-thread callback may do.
 * @thread any  @locks takes the queue mutex (inside a partition's waiter lock is fine)
 */
void kafka_wake_post(kafka_wake_t *w, trib_err_t err);

/**
 * Takes @p w off the queue if it is there, so its memory may be freed once
 * nothing can post it again. Returns true when it was queued.
 * @thread loop  @locks takes the queue mutex
 */
bool kafka_wake_cancel(kafka_wake_t *w);

/** Wakes the loop without a node (used to stop it). @thread any @locks none */
void kafka_wakeq_kick(kafka_wakeq_t *q);

/**
 * Clears the eventfd, then takes nodes off the queue one at a time and runs
 * each (so a callback may cancel nodes still queued). Returns the number run.
 * @thread loop  @locks takes the queue mutex per node, not while running it
 */
size_t kafka_wakeq_run(kafka_wakeq_t *q);

#endif
