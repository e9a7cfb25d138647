/**
 * A request in flight and the loop environment its handler sees.
 *
 * Life cycle (one per request frame): the connection copies the frame into
 * a kafka_req_t it owns (one reference), queues it as its response slot and
 * dispatches it (kafka_api_dispatch). The handler decodes the body into the
 * request's arena and either answers at once (kafka_req_respond) or leaves
 * the slot pending: a Produce until every append is durable, a Fetch until
 * its waiters or its deadline fire. The connection flushes its queue from
 * the head only while the head slot is ready, so pipelined requests are
 * answered in order.
 *
 * Asynchronous work holds extra references (one per outstanding append):
 * when the connection closes first, it drops its reference, sets conn to
 * NULL and calls ops->cancel (which must disarm waiters and timers); the
 * request is freed when the last completion has run.
 */
#ifndef TRIB_KAFKA_REQ_H
#define TRIB_KAFKA_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "kafka_arena.h"
#include "kafka_frame.h"
#include "kafka_wake.h"
#include "kgroup.h"
#include "koffset.h"
#include "ns.h"
#include "pidm.h"

typedef struct kafka_conn kafka_conn_t;
typedef struct kafka_req kafka_req_t;

/**
 * The loop's state shared by connections and handlers. Owned by the server;
 * every field is used on the loop thread only, except wq (see kafka_wake.h).
 */
typedef struct kafka_env {
	ns_t *ns;                    /**< borrowed, outlives the server */
	koffset_t *offsets;          /**< borrowed committed offsets; NULL: no groups */
	kgroup_t *groups;            /**< owned by the server: Kafka consumer groups */
	pidm_t *producer_ids;        /**< borrowed; NULL: InitProducerId is refused */
	const char *advertised_host; /**< owned copy: host given in Metadata */
	int32_t port;                /**< advertised port (the bound one) */
	int32_t node_id;             /**< broker id */
	uint32_t max_request_bytes;  /**< frame limit, bytes */
	uint32_t max_message_bytes;  /**< record batch limit (message.max.bytes), bytes */
	const auth_t *auth;          /**< borrowed SAS policies; NULL: SASL refused */
	bool auth_required;          /**< SASL login needed before other requests */
	int epfd;                    /**< epoll instance, owned by the server */
	kafka_wakeq_t wq;            /**< completions and waiter wake-ups */
	int64_t now_ms;              /**< monotonic clock, refreshed every loop turn */
	kafka_req_t *timers;         /**< requests with a deadline */
	kafka_conn_t *conns;         /**< open connections */
	kafka_conn_t *closed;        /**< closed connections, freed at the end of the turn */
	kafka_conn_t *dirty;         /**< connections with slots that became ready */
	size_t pending_appends;      /**< appends whose completion has not run yet */
} kafka_env_t;

/** What a pending request needs done when its connection or deadline goes. */
typedef struct kafka_req_ops {
	/** Connection closed while pending: disarm waiters, cancel queued wakes, clear timers. */
	void (*cancel)(kafka_req_t *req);
	/** The deadline set with kafka_req_timer_set passed. */
	void (*timeout)(kafka_req_t *req);
} kafka_req_ops_t;

struct kafka_req {
	kafka_req_t *next;          /**< connection's response queue */
	kafka_conn_t *conn;         /**< NULL once the connection has gone */
	kafka_env_t *env;           /**< borrowed */
	kafka_hdr_t hdr;            /**< decoded request header (client_id borrows frame) */
	bool flexible;              /**< the request version is a flexible one */
	int16_t reject;             /**< non-zero: answer every item with this Kafka code */
	uint8_t *frame;             /**< owned, writable: the frame payload (no size prefix) */
	size_t frame_len;           /**< bytes */
	kafka_arena_t arena;        /**< decoded request and response model */
	uint8_t *resp;              /**< owned: the whole response frame once ready */
	size_t resp_len;            /**< bytes */
	size_t resp_sent;           /**< bytes of resp already written */
	bool ready;                 /**< the slot may be flushed */
	bool broken;                /**< no response could be built: close the connection */
	int refs;                   /**< loop thread only */
	const kafka_req_ops_t *ops; /**< set by a handler that leaves the slot pending */
	void *state;                /**< handler state (in the arena) */
	int64_t deadline_ms;        /**< monotonic ms while timed */
	bool timed;                 /**< linked in env->timers */
	kafka_req_t *tprev;         /**< env->timers links */
	kafka_req_t *tnext;
};

/**
 * A request over @p frame (@p len bytes, ownership passes to the request,
 * allocated with mem_alloc), with one reference held by @p conn.
 * Returns NULL when memory is short (the frame is freed then).
 * @thread kafka loop  @locks none
 */
kafka_req_t *kafka_req_new(kafka_env_t *env, kafka_conn_t *conn, uint8_t *frame, size_t len);

/** Takes a reference. @thread kafka loop  @locks none */
void kafka_req_ref(kafka_req_t *req);

/**
 * Drops a reference; the last one frees the request (frame, arena, response).
 * @thread kafka loop  @locks none
 */
void kafka_req_unref(kafka_req_t *req);

/**
 * Builds the response frame (header version from the API key and
 * req->flexible, body by @p fn at the request's version from @p body) and
 * marks the slot ready. On failure the slot is marked broken (the
 * connection will be closed) and the error is returned. A request whose
 * connection has gone is only marked ready.
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_req_respond(kafka_req_t *req, kafka_body_fn fn, const void *body);

/**
 * As kafka_req_respond with an explicit body version and header version,
 * for answers in another shape than the request's (ApiVersions v0 errors).
 * @thread kafka loop  @locks none
 */
trib_err_t kafka_req_respond_as(kafka_req_t *req, int hdr_version, int16_t version,
				kafka_body_fn fn, const void *body);

/** Marks the slot ready with nothing to send (Produce acks=0). @thread kafka loop @locks none */
void kafka_req_respond_none(kafka_req_t *req);

/**
 * Arms (or moves) the request's deadline at @p deadline_ms (monotonic ms);
 * ops->timeout runs once it passes. @thread kafka loop  @locks none
 */
void kafka_req_timer_set(kafka_req_t *req, int64_t deadline_ms);

/** Disarms the deadline; safe when not armed. @thread kafka loop  @locks none */
void kafka_req_timer_clear(kafka_req_t *req);

/**
 * Milliseconds until the nearest deadline (0 when one already passed), or
 * -1 when none is armed: the epoll_wait timeout. @thread kafka loop  @locks none
 */
int kafka_env_timeout_ms(const kafka_env_t *env);

/**
 * Runs ops->timeout of every request whose deadline is <= env->now_ms.
 * @thread kafka loop  @locks none
 */
void kafka_env_run_timers(kafka_env_t *env);

/** Monotonic clock in ms. @thread any  @locks none */
int64_t kafka_env_clock_ms(void);

#endif
