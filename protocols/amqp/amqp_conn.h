/**
 * One client connection of the AMQP head: a Proton raw connection (the
 * proactor does the socket I/O) driving a pn_connection_driver_t (the
 * AMQP engine), with the amqp_frame scanner in between so every incoming
 * byte is seen before Proton decodes it (Proton 0.37 drops the transfer
 * message-format, see amqp_frame.h).
 *
 * Cross-thread rule (DESIGN.md §5): append completions and waiter wakes
 * run on the storage flusher thread; they only queue work under c->mu and
 * call pn_raw_connection_wake(). The PN_RAW_CONNECTION_WAKE handler does
 * the work on the proactor. Once the raw connection is gone (open false)
 * nothing wakes it any more and late completions just free themselves.
 *
 * Lifetime: reference counted (atomic). The raw connection holds one
 * reference until PN_RAW_CONNECTION_DISCONNECTED; each link state holds
 * one (so each pending append does, through its link).
 */
#ifndef TRIB_AMQP_CONN_H
#define TRIB_AMQP_CONN_H

#include <proton/connection_driver.h>
#include <proton/raw_connection.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "amqp_frame.h"
#include "amqp_link.h"
#include "auth.h"
#include "ns.h"
#include "rdr.h"

/** Read buffers given to each raw connection, and their size in bytes. */
#define AMQP_CONN_READ_BUFS 2
#define AMQP_CONN_READ_BYTES 16384
/** Largest write buffer, bytes, and most write buffers outstanding per connection. */
#define AMQP_CONN_WRITE_BYTES 65536
#define AMQP_CONN_MAX_WRITES 16
/** Idle time-out we advertise, ms: clients send heartbeats at half of it. */
#define AMQP_CONN_IDLE_TIMEOUT_MS 120000
/** $cbs tokens kept per connection (one per audience; the .NET SDK puts one per link). */
#define AMQP_CONN_MAX_GRANTS 256

typedef struct amqp_send_pend amqp_send_pend_t;

/** What every connection needs from the server; owned by the server, outlives every connection. */
typedef struct amqp_conn_env {
	ns_t *ns;
	uint32_t max_message_bytes;
	uint32_t max_frame_bytes;
	const char *container_id;
	rdr_t *readers;              /**< reader registry (epochs, 5-reader limit); NULL = no rules */
	const auth_t *auth;          /**< SAS policies, NULL = none (tokens accepted unchecked) */
	bool auth_required;          /**< data links need a grant with the right on their path */
	/** DISCONNECTED handled: the server forgets @p c (called once, proactor context). */
	void (*gone)(void *arg, amqp_conn_t *c);
	/** The last reference went: the connection's memory is freed (any thread). */
	void (*freed)(void *arg);
	void *arg;
} amqp_conn_env_t;

typedef struct amqp_read_buf {
	char bytes[AMQP_CONN_READ_BYTES];
	size_t size, off; /**< bytes read, bytes already given to the driver */
	bool given;       /**< owned by the raw connection */
} amqp_read_buf_t;

struct amqp_conn {
	atomic_int refs;
	const amqp_conn_env_t *env;
	pn_raw_connection_t *raw;
	pn_connection_driver_t driver;
	amqp_frame_scan_t scan;
	amqp_link_t *links;          /**< open links (proactor context only) */

	pthread_mutex_t mu;          /**< guards open, done_head/tail, wake calls */
	bool open;                   /**< the raw connection can still be woken */
	amqp_send_pend_t *done_head; /**< completed appends, oldest first */
	amqp_send_pend_t *done_tail;
	atomic_bool stop;            /**< the server asks us to close */
	_Atomic int64_t deadline;    /**< next tick (ms, proactor clock), 0 = none */

	amqp_read_buf_t rbuf[AMQP_CONN_READ_BUFS];
	uint32_t in_order[AMQP_CONN_READ_BUFS]; /**< filled read buffers, in arrival order */
	uint32_t in_count;
	uint32_t writes;             /**< write buffers held by the raw connection */
	bool raw_closed;             /**< pn_raw_connection_close called */
	bool closing;                /**< stop handled */

	/* authorisation (proactor context only, except grant_due) */
	auth_grant_t *grants;        /**< validated $cbs tokens (MEM_AMQP); the SASL PLAIN
					  grant stays with the transport (amqp_sasl) */
	uint32_t ngrants, grants_cap;
	_Atomic int64_t grant_due;   /**< wall-clock s when a grant may lapse, 0 = none */

	struct amqp_conn *srv_prev, *srv_next; /**< the server's list (server lock) */
};

/**
 * Creates a connection for @p env (borrowed, must outlive it) with a new
 * raw connection to hand to pn_listener_raw_accept; the engine is set up
 * as a server with the amqp_sasl plugin (ANONYMOUS, PLAIN, MSSBCBS;
 * clients that skip SASL are accepted too), @p env's frame size and container id and
 * AMQP_CONN_IDLE_TIMEOUT_MS. Returns NULL when memory is short.
 * @thread amqp proactor  @locks none
 */
amqp_conn_t *amqp_conn_new(const amqp_conn_env_t *env);

/**
 * Handles one raw-connection event of @p c (the proactor serialises them
 * per connection): reads, writes, wakes, closes.
 * @thread amqp proactor (c's context)  @locks none
 */
void amqp_conn_raw_event(amqp_conn_t *c, pn_event_t *e);

/**
 * Queues a completed append @p p for @p c's proactor context and wakes it;
 * when the connection is already gone, frees @p p instead.
 * @thread any (storage flusher)  @locks c->mu
 */
void amqp_conn_post_done(amqp_conn_t *c, amqp_send_pend_t *p);

/** Wakes @p c's proactor context (no-op once gone). @thread any  @locks c->mu */
void amqp_conn_wake(amqp_conn_t *c);

/**
 * Asks @p c to close (amqp:connection:forced) from its own context.
 * @thread any  @locks c->mu
 */
void amqp_conn_stop(amqp_conn_t *c);

/** Adds a reference. @thread any @locks none (atomic) */
void amqp_conn_ref(amqp_conn_t *c);
/**
 * Drops a reference; the last frees @p c and calls env->freed. NULL accepted.
 * @thread any  @locks none (atomic); env->freed takes the server lock
 */
void amqp_conn_unref(amqp_conn_t *c);

/** The current time on the proactor clock, ms. @thread any @locks none */
int64_t amqp_conn_now(void);

/** Wall-clock time, Unix seconds (token expiry is in these). @thread any @locks none */
int64_t amqp_conn_wall_s(void);

/**
 * Keeps grant @p g (copied) on @p c: a $cbs token that validated. A grant
 * for the same path replaces the older one (a re-put); expired ones are
 * dropped first. Errors: TRIB_ERR_TOO_LARGE (AMQP_CONN_MAX_GRANTS other
 * paths held), TRIB_ERR_NOMEM.
 * @thread amqp proactor (c's context)  @locks none
 */
trib_err_t amqp_conn_grant_put(amqp_conn_t *c, const auth_grant_t *g) TRIB_MUST_CHECK;

/**
 * True when @p c may use @p right on entity @p path (normalised with
 * auth_normalize_path) now: always when env->auth_required is false, else
 * when the SASL PLAIN grant or a $cbs grant allows it (auth_allows).
 * @thread amqp proactor (c's context)  @locks none
 */
bool amqp_conn_allows(amqp_conn_t *c, const char *path, auth_right_t right);

/**
 * True when a grant of @p c may have lapsed at wall-clock @p now_s, so the
 * connection should be woken to detach the links it covered.
 * @thread any (the server timer)  @locks none (atomic)
 */
bool amqp_conn_grant_due(amqp_conn_t *c, int64_t now_s);

#endif
