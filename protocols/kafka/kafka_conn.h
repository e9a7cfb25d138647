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
 *
 * A response is bytes in memory, optionally with runs of file bytes between
 * them (nginx output chains, STYLE.md §11): a Fetch's records go from the
 * segment file to the socket with sendfile(2), no copy in user space
 * (DESIGN.md §3). That assumes a plain TCP socket: a TLS connection would
 * have to copy (kafka_conn_sendfile_ok would say no).
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
 * A run of file bytes inside a response: @p len bytes of file @p fd from
 * @p pos, sent just before byte @p at of req->resp (at == resp_len: after
 * its last byte). The file bytes must not change while the run is queued
 * (stored segment bytes below the durable end never do).
 */
typedef struct kafka_conn_file {
	size_t at;    /**< position in req->resp, bytes */
	int fd;       /**< see kafka_conn_send_files */
	uint64_t pos; /**< file offset, bytes */
	size_t len;   /**< bytes, > 0 */
} kafka_conn_file_t;

/**
 * The file runs of one response. The struct and @p runs are the caller's
 * (the request's arena: they live as long as the request); the connection
 * links it and keeps the fields marked private.
 */
typedef struct kafka_conn_files {
	const kafka_req_t *req;       /**< set by kafka_conn_send_files */
	kafka_conn_file_t *runs;      /**< ascending at, borrowed */
	size_t count;
	size_t next;                  /**< connection-private: run being sent */
	size_t sent;                  /**< connection-private: bytes of it sent */
	struct kafka_conn_files *link; /**< connection-private */
} kafka_conn_files_t;

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

/**
 * Whether responses on @p c may carry file runs: a plain TCP socket and a
 * process that ignores SIGPIPE (sendfile(2) has no MSG_NOSIGNAL; the gateway
 * ignores it, a test program may not). Checked when the connection opened.
 * @thread kafka loop  @locks none
 */
bool kafka_conn_sendfile_ok(const kafka_conn_t *c);

/**
 * Makes the response of @p req (one of @p c's queued requests, ready with
 * its memory bytes in req->resp, not yet written: call it on the turn that
 * built the response) carry @p files: files->runs[0..count) are sent with
 * sendfile(2) at their positions. Each run's fd is borrowed for the call:
 * the connection replaces it with its own duplicate, so the bytes stay
 * readable whatever the store later does with its descriptor, and closes
 * that once the run is sent or the connection closes. Returns false, with
 * nothing attached (the runs' fd fields are then meaningless), when sendfile cannot be used
 * (kafka_conn_sendfile_ok) or a descriptor cannot be duplicated (EMFILE):
 * the caller then puts the bytes in the response itself. A failed or short
 * sendfile later closes the connection (the frame is already started).
 * @thread kafka loop  @locks none
 */
bool kafka_conn_send_files(kafka_conn_t *c, const kafka_req_t *req,
			   kafka_conn_files_t *files) TRIB_MUST_CHECK;

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
