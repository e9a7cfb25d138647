/**
 * One client connection of the Kafka loop (STYLE.md §11): a non-blocking
 * socket, an input buffer with a resumable frame parser that takes only
 * complete frames, and a queue of response slots flushed in request order.
 * Writes are eager; EPOLLOUT is armed only while the socket is full. Reading
 * pauses while KAFKA_CONN_MAX_INFLIGHT requests, or
 * KAFKA_CONN_MAX_INFLIGHT_BYTES of them, are unanswered.
 *
 * A connection that cannot be read (bad frame size, malformed request,
 * unknown API) is closed on its own; others carry on.
 */
#ifndef TRIB_KAFKA_CONN_H
#define TRIB_KAFKA_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka_req.h"
#include "kafka_sasl.h"

/** Unanswered requests per connection before reading pauses (backpressure). */
#define KAFKA_CONN_MAX_INFLIGHT 128
/**
 * Request bytes held by unanswered requests of one connection before reading
 * pauses; one request is always taken, however large (up to the frame limit).
 */
#define KAFKA_CONN_MAX_INFLIGHT_BYTES (64u * 1024 * 1024)
/** Read size and the input buffer kept between frames, bytes. */
#define KAFKA_CONN_READ_CHUNK (64u * 1024)

/**
 * Adopts accepted socket @p fd (non-blocking; owned by the connection from
 * now on, closed on failure) and registers it with env->epfd for input,
 * with the connection as the event's data.ptr. @p peer is copied for logs.
 * Returns NULL when memory is short or epoll_ctl fails.
 * @thread kafka loop  @locks none
 */
kafka_conn_t *kafka_conn_open(kafka_env_t *env, int fd, const char *peer);

/**
 * The SASL state of @p c (kafka_sasl.h), owned by the connection and valid
 * until it is reaped; handlers read and move it while handling a request.
 * @thread kafka loop  @locks none
 */
kafka_sasl_t *kafka_conn_sasl(kafka_conn_t *c);

/**
 * Closes @p c once the response of @p req (one of its queued requests,
 * borrowed, only compared) has been written: Kafka closes a connection
 * after answering a refused SASL authentication.
 * @thread kafka loop  @locks none
 */
void kafka_conn_close_after(kafka_conn_t *c, const kafka_req_t *req);

/** The peer's "host:port" as given to kafka_conn_open (logs, DescribeGroups). @thread kafka loop */
const char *kafka_conn_peer(const kafka_conn_t *c);

/** Handles epoll @p events (EPOLLIN/OUT/ERR/HUP) for @p c. @thread kafka loop  @locks none */
void kafka_conn_on_event(kafka_conn_t *c, uint32_t events);

/**
 * Queues @p c for a flush at the end of this loop turn (a slot became
 * ready outside its own event). @thread kafka loop
 */
void kafka_conn_mark_dirty(kafka_conn_t *c);

/** Flushes every connection marked dirty. @thread kafka loop  @locks none */
void kafka_conn_flush_dirty(kafka_env_t *env);

/**
 * Closes @p c: logs @p why (NULL for an ordinary peer close), closes the
 * socket, detaches and cancels every queued request, and moves @p c to
 * env->closed to be freed by kafka_conn_reap. Idempotent.
 * @thread kafka loop  @locks none
 */
void kafka_conn_close(kafka_conn_t *c, const char *why);

/** Frees every connection on env->closed. @thread kafka loop  @locks none */
void kafka_conn_reap(kafka_env_t *env);

/** Best-effort final write of ready responses before shutdown. @thread kafka loop  @locks none */
void kafka_conn_flush(kafka_conn_t *c);

#endif
