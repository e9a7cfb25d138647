/*
 * Connections: raw socket I/O from the proactor, fed through the frame
 * scanner into a pn_connection_driver_t, engine events dispatched to the
 * link modules.
 *
 * Invariants:
 *  - Every byte read is scanned once, in order, when its buffer is taken
 *    back from the raw connection, and only then handed to the driver, so
 *    the scanner always knows a delivery's format before Proton emits it.
 *    Once the scanner refuses a frame (a second sasl-init), only the bytes
 *    before it reach the driver; then its input is closed with the reason
 *    and no read buffer is given again.
 *  - A read buffer is given back to the raw connection only when the
 *    driver took all of its bytes (back-pressure when the engine is full).
 *  - Output is copied out of the driver into write buffers we own; at most
 *    AMQP_CONN_MAX_WRITES are outstanding. When they drain, receivers that
 *    paused for output are pumped again.
 *  - c->open is cleared, under c->mu, on PN_RAW_CONNECTION_DISCONNECTED;
 *    after that no thread calls pn_raw_connection_wake and queued
 *    completions are freed without touching Proton.
 *  - Ended sessions and detached links are freed (amqp_link keeps any
 *    link from being freed twice), so link churn does not grow memory.
 *  - Authorisation: a data link attached under auth_required remembers its
 *    path and right (l->auth_path); whenever a grant may have lapsed
 *    (grant_due, polled by the server timer) the connection is woken and
 *    every such link no grant still covers is detached with
 *    amqp:unauthorized-access. Grants live and die with the connection.
 */
#include "amqp_conn.h"

#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/proactor.h>
#include <proton/sasl.h>
#include <proton/session.h>
#include <proton/transport.h>
#include <string.h>
#include <time.h>

#include "amqp_err.h"
#include "amqp_mgmt.h"
#include "amqp_recv.h"
#include "amqp_sasl.h"
#include "amqp_send.h"
#include "log.h"
#include "mem.h"

int64_t amqp_conn_now(void)
{
	return pn_proactor_now_64();
}

int64_t amqp_conn_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

amqp_conn_t *amqp_conn_new(const amqp_conn_env_t *env)
{
	amqp_conn_t *c = mem_calloc(MEM_AMQP, 1, sizeof(*c));
	pn_transport_t *t;
	pn_connection_t *pc;

	if (!c)
		return NULL;
	t = pn_transport();
	if (!t) {
		mem_free(c);
		return NULL;
	}
	/* server before SASL: pn_sasl picks its side from the transport */
	pn_transport_set_server(t);
	pn_transport_require_auth(t, false);
	if (amqp_sasl_install(t, env->auth, env->auth_required) != TRIB_OK) {
		pn_transport_free(t);
		mem_free(c);
		return NULL;
	}
	pc = pn_connection();
	c->raw = pn_raw_connection();
	if (!pc || !c->raw) {
		/* a raw connection cannot be freed before the proactor owns it: Proton allocates
		 * these with malloc and aborts on failure, so this path is theoretical */
		pn_transport_free(t);
		if (pc)
			pn_connection_free(pc);
		mem_free(c);
		return NULL;
	}
	pn_transport_set_max_frame(t, env->max_frame_bytes);
	pn_transport_set_idle_timeout(t, AMQP_CONN_IDLE_TIMEOUT_MS);
	pn_connection_set_container(pc, env->container_id);
	if (pn_connection_driver_init(&c->driver, pc, t) != 0) {
		pn_transport_free(t);
		pn_connection_free(pc);
		mem_free(c);
		return NULL;
	}
	atomic_init(&c->refs, 1);
	atomic_init(&c->stop, false);
	atomic_init(&c->deadline, 0);
	atomic_init(&c->grant_due, 0);
	pthread_mutex_init(&c->mu, NULL);
	c->env = env;
	c->open = true;
	amqp_frame_init(&c->scan);
	pn_raw_connection_set_context(c->raw, c);
	return c;
}

void amqp_conn_ref(amqp_conn_t *c)
{
	atomic_fetch_add(&c->refs, 1);
}

void amqp_conn_unref(amqp_conn_t *c)
{
	const amqp_conn_env_t *env;

	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	env = c->env;
	pthread_mutex_destroy(&c->mu);
	mem_free(c);
	env->freed(env->arg);
}

void amqp_conn_wake(amqp_conn_t *c)
{
	pthread_mutex_lock(&c->mu);
	if (c->open)
		pn_raw_connection_wake(c->raw);
	pthread_mutex_unlock(&c->mu);
}

void amqp_conn_post_done(amqp_conn_t *c, amqp_send_pend_t *p)
{
	bool queued = false;

	p->next = NULL;
	pthread_mutex_lock(&c->mu);
	if (c->open) {
		if (c->done_tail)
			c->done_tail->next = p;
		else
			c->done_head = p;
		c->done_tail = p;
		queued = true;
		pn_raw_connection_wake(c->raw);
	}
	pthread_mutex_unlock(&c->mu);
	if (!queued)
		amqp_send_pend_free(p);
}

void amqp_conn_stop(amqp_conn_t *c)
{
	atomic_store(&c->stop, true);
	amqp_conn_wake(c);
}

/* ---- authorisation ---- */

/* A grant has lapsed once auth_allows refuses it one of its own rights on its own path. */
static bool lapsed(const auth_grant_t *g, int64_t now_s)
{
	auth_right_t r = (g->rights & AUTH_SEND) ? AUTH_SEND
			 : (g->rights & AUTH_LISTEN) ? AUTH_LISTEN : AUTH_MANAGE;

	return !auth_allows(g, g->path, r, now_s);
}

/*
 * Drops lapsed grants and sets grant_due to the next moment one may lapse:
 * its expiry, or (auth_allows may tolerate clock skew) expiry + skew once
 * the expiry passed; never earlier than a second from now.
 */
static void prune_grants(amqp_conn_t *c, int64_t now_s)
{
	int64_t due = 0;
	uint32_t j = 0;

	for (uint32_t i = 0; i < c->ngrants; i++) {
		const auth_grant_t *g = &c->grants[i];
		int64_t at;

		if (lapsed(g, now_s))
			continue;
		if (j != i)
			c->grants[j] = *g;
		j++;
		if (g->expires_at == INT64_MAX)
			continue;
		if (g->expires_at > now_s)
			at = g->expires_at + 1;
		else
			at = g->expires_at + AUTH_CLOCK_SKEW_S + 1;
		if (at <= now_s)
			at = now_s + 1;
		if (!due || at < due)
			due = at;
	}
	c->ngrants = j;
	atomic_store(&c->grant_due, due);
}

trib_err_t amqp_conn_grant_put(amqp_conn_t *c, const auth_grant_t *g)
{
	uint32_t i;

	prune_grants(c, amqp_conn_wall_s());
	for (i = 0; i < c->ngrants && strcmp(c->grants[i].path, g->path) != 0; i++)
		;
	if (i == c->ngrants) {
		if (c->ngrants >= AMQP_CONN_MAX_GRANTS)
			return TRIB_ERR_TOO_LARGE;
		if (c->ngrants == c->grants_cap) {
			uint32_t cap = c->grants_cap ? c->grants_cap * 2 : 4;
			auth_grant_t *n;

			if (cap > AMQP_CONN_MAX_GRANTS)
				cap = AMQP_CONN_MAX_GRANTS;
			n = mem_realloc(MEM_AMQP, c->grants, (size_t)cap * sizeof(*n));
			if (!n)
				return TRIB_ERR_NOMEM;
			c->grants = n;
			c->grants_cap = cap;
		}
		c->ngrants++;
	}
	c->grants[i] = *g;
	prune_grants(c, amqp_conn_wall_s());
	return TRIB_OK;
}

bool amqp_conn_allows(amqp_conn_t *c, const char *path, auth_right_t right)
{
	int64_t now = amqp_conn_wall_s();
	auth_grant_t plain;

	if (!c->env->auth_required)
		return true;
	if (amqp_sasl_grant(c->driver.transport, &plain) && auth_allows(&plain, path, right, now))
		return true;
	for (uint32_t i = 0; i < c->ngrants; i++) {
		if (auth_allows(&c->grants[i], path, right, now))
			return true;
	}
	return false;
}

bool amqp_conn_grant_due(amqp_conn_t *c, int64_t now_s)
{
	int64_t due = atomic_load(&c->grant_due);

	return due && due <= now_s;
}

/* Detaches the links no grant covers any more (a token expired). */
static void check_grants(amqp_conn_t *c)
{
	int64_t now = amqp_conn_wall_s();
	amqp_link_t *l, *next;

	if (!amqp_conn_grant_due(c, now))
		return;
	prune_grants(c, now);
	for (l = c->links; l; l = next) {
		next = l->next;
		if (l->auth_path && !amqp_conn_allows(c, l->auth_path, (auth_right_t)l->auth_right))
			amqp_link_fail(l, TRIB_ERR_UNAUTHORIZED,
				       "The token has expired: put a new token on $cbs and attach "
				       "again.");
	}
}

/* ---- engine events ---- */

static void session_closed(amqp_conn_t *c, pn_session_t *ssn)
{
	amqp_link_close_all(c, ssn);
	if (!(pn_session_state(ssn) & PN_LOCAL_CLOSED))
		pn_session_close(ssn);
	pn_session_free(ssn);
}

static void on_delivery(pn_delivery_t *d)
{
	amqp_link_t *l = amqp_link_of(pn_delivery_link(d));

	if (!l)
		return;
	if (l->kind == AMQP_LINK_IN)
		amqp_send_deliveries(l);
	else if (l->kind == AMQP_LINK_NODE_IN)
		amqp_mgmt_requests(l);
	else
		amqp_recv_delivery_updated(l, d); /* OUT and NODE_OUT: the client settled */
}

static void on_transport_error(pn_transport_t *t)
{
	pn_condition_t *cond = pn_transport_condition(t);

	log_debug("amqp: connection error: %s: %s",
		  pn_condition_get_name(cond) ? pn_condition_get_name(cond) : "?",
		  pn_condition_get_description(cond) ? pn_condition_get_description(cond) : "");
}

static void on_engine_event(amqp_conn_t *c, pn_event_t *e)
{
	amqp_link_t *l;

	switch (pn_event_type(e)) {
	case PN_CONNECTION_REMOTE_OPEN:
		pn_connection_open(pn_event_connection(e));
		break;
	case PN_CONNECTION_REMOTE_CLOSE:
		pn_connection_close(pn_event_connection(e));
		break;
	case PN_SESSION_REMOTE_OPEN:
		pn_session_open(pn_event_session(e));
		break;
	case PN_SESSION_REMOTE_CLOSE:
		session_closed(c, pn_event_session(e));
		break;
	case PN_LINK_REMOTE_OPEN:
		amqp_link_attach(c, pn_event_link(e));
		break;
	case PN_LINK_REMOTE_CLOSE:
	case PN_LINK_REMOTE_DETACH:
		amqp_link_remote_closed(c, pn_event_link(e));
		break;
	case PN_LINK_FLOW:
		l = amqp_link_of(pn_event_link(e));
		if (l && l->kind == AMQP_LINK_OUT)
			amqp_recv_pump(l);
		else if (l && l->kind == AMQP_LINK_NODE_OUT)
			amqp_mgmt_pump(l);
		break;
	case PN_DELIVERY:
		on_delivery(pn_event_delivery(e));
		break;
	case PN_TRANSPORT_ERROR:
		on_transport_error(pn_event_transport(e));
		break;
	default:
		break;
	}
}

/* ---- raw I/O ---- */

static void give_read_buffers(amqp_conn_t *c)
{
	pn_raw_buffer_t b[AMQP_CONN_READ_BUFS];
	uint32_t idx[AMQP_CONN_READ_BUFS];
	size_t n = 0, given;

	if (c->raw_closed || pn_raw_connection_is_read_closed(c->raw) ||
	    amqp_frame_refusal(&c->scan))
		return;
	for (uint32_t i = 0; i < AMQP_CONN_READ_BUFS; i++) {
		amqp_read_buf_t *rb = &c->rbuf[i];

		if (rb->given || rb->size != 0)
			continue;
		b[n] = (pn_raw_buffer_t){.context = i, .bytes = rb->bytes,
					 .capacity = AMQP_CONN_READ_BYTES, .size = 0, .offset = 0};
		idx[n++] = i;
	}
	if (!n)
		return;
	given = pn_raw_connection_give_read_buffers(c->raw, b, n);
	for (size_t i = 0; i < given; i++)
		c->rbuf[idx[i]].given = true;
}

static bool feed(amqp_conn_t *c);
static bool dispatch(amqp_conn_t *c);
static void close_with(amqp_conn_t *c, const char *condition, const char *description);

/*
 * The scanner refused a frame: the bytes before it go to the engine, its
 * input ends, and the connection closes with amqp:not-allowed (the close
 * frame goes out if the AMQP layer is up; run() then closes the socket
 * after what the engine wrote).
 */
static void refuse_input(amqp_conn_t *c)
{
	const char *why = amqp_frame_refusal(&c->scan);

	log_info("amqp: closing a connection: %s", why);
	(void)feed(c);
	(void)dispatch(c);
	pn_connection_driver_read_close(&c->driver);
	close_with(c, AMQP_ERR_NOT_ALLOWED, why);
}

/* Takes filled read buffers back, scanning their bytes in arrival order. */
static void take_reads(amqp_conn_t *c)
{
	pn_raw_buffer_t b[AMQP_CONN_READ_BUFS];
	bool refused = amqp_frame_refusal(&c->scan) != NULL;
	size_t n;

	while ((n = pn_raw_connection_take_read_buffers(c->raw, b, AMQP_CONN_READ_BUFS)) > 0) {
		for (size_t i = 0; i < n; i++) {
			amqp_read_buf_t *rb = &c->rbuf[b[i].context];

			rb->given = false;
			rb->off = 0;
			rb->size = b[i].size;
			if (!rb->size)
				continue;
			/* after a refused frame nothing more reaches the engine */
			rb->size = amqp_frame_feed(&c->scan, (const uint8_t *)rb->bytes + b[i].offset,
						   rb->size);
			if (!rb->size)
				continue;
			if (b[i].offset)
				memmove(rb->bytes, rb->bytes + b[i].offset, rb->size);
			c->in_order[c->in_count++] = (uint32_t)b[i].context;
		}
	}
	if (!refused && amqp_frame_refusal(&c->scan))
		refuse_input(c);
}

/* Hands buffered input to the driver; true when any byte went in. */
static bool feed(amqp_conn_t *c)
{
	bool progress = false;

	while (c->in_count > 0) {
		amqp_read_buf_t *rb = &c->rbuf[c->in_order[0]];

		if (pn_connection_driver_read_closed(&c->driver))
			rb->off = rb->size; /* the engine stopped reading: drop the rest */
		while (rb->off < rb->size) {
			pn_rwbytes_t dst = pn_connection_driver_read_buffer(&c->driver);
			size_t n = rb->size - rb->off;

			if (!dst.size)
				break;
			if (n > dst.size)
				n = dst.size;
			memcpy(dst.start, rb->bytes + rb->off, n);
			pn_connection_driver_read_done(&c->driver, n);
			rb->off += n;
			progress = true;
		}
		if (rb->off < rb->size)
			break;
		rb->size = rb->off = 0;
		memmove(c->in_order, c->in_order + 1, --c->in_count * sizeof(c->in_order[0]));
	}
	give_read_buffers(c);
	return progress;
}

static void take_written(amqp_conn_t *c)
{
	pn_raw_buffer_t b[8];
	size_t n;

	while ((n = pn_raw_connection_take_written_buffers(c->raw, b, 8)) > 0) {
		for (size_t i = 0; i < n; i++) {
			mem_free(b[i].bytes);
			c->writes--;
		}
	}
}

static void flush(amqp_conn_t *c)
{
	if (c->raw_closed)
		return;
	if (pn_raw_connection_is_write_closed(c->raw)) {
		pn_connection_driver_write_close(&c->driver);
		return;
	}
	while (c->writes < AMQP_CONN_MAX_WRITES &&
	       pn_raw_connection_write_buffers_capacity(c->raw) > 0) {
		pn_bytes_t out = pn_connection_driver_write_buffer(&c->driver);
		size_t n = out.size < AMQP_CONN_WRITE_BYTES ? out.size : AMQP_CONN_WRITE_BYTES;
		pn_raw_buffer_t wb;
		char *buf;

		if (!n)
			break;
		buf = mem_alloc(MEM_AMQP, n);
		if (!buf)
			break;
		memcpy(buf, out.start, n);
		wb = (pn_raw_buffer_t){.context = 0, .bytes = buf, .capacity = (uint32_t)n,
				       .size = (uint32_t)n, .offset = 0};
		if (pn_raw_connection_write_buffers(c->raw, &wb, 1) != 1) {
			mem_free(buf);
			break;
		}
		pn_connection_driver_write_done(&c->driver, n);
		c->writes++;
	}
}

/* Closes the connection with @p condition; run() closes the socket after the engine's output. */
static void close_with(amqp_conn_t *c, const char *condition, const char *description)
{
	pn_connection_t *pc = c->driver.connection;
	pn_condition_t *cond = pn_connection_condition(pc);

	c->closing = true;
	pn_condition_set_name(cond, condition);
	pn_condition_set_description(cond, description);
	pn_connection_close(pc);
}

/* Closes the connection with amqp:connection:forced (server stopping). */
static void begin_close(amqp_conn_t *c)
{
	close_with(c, AMQP_ERR_CONNECTION_FORCED, "The gateway is shutting down.");
}

static bool dispatch(amqp_conn_t *c)
{
	pn_event_t *e;
	bool any = false;

	while ((e = pn_connection_driver_next_event(&c->driver))) {
		on_engine_event(c, e);
		any = true;
	}
	return any;
}

static void run(amqp_conn_t *c)
{
	for (int round = 0; round < 64; round++) {
		bool fed = feed(c);
		int64_t next = pn_transport_tick(c->driver.transport, amqp_conn_now());

		atomic_store(&c->deadline, next);
		if (!dispatch(c) && !fed)
			break;
	}
	flush(c);
	/* the last write can close the transport's head: its events would otherwise wait for
	 * an I/O event that never comes, and the driver would never be finished */
	for (int round = 0; round < 4 && dispatch(c); round++)
		flush(c);
	if (!c->raw_closed && (c->closing || pn_connection_driver_finished(&c->driver))) {
		/* flushes the write buffers already given, then closes the socket */
		pn_raw_connection_close(c->raw);
		c->raw_closed = true;
	}
}

static void pump_receivers(amqp_conn_t *c)
{
	amqp_link_t *l = c->links, *next;

	for (; l; l = next) {
		next = l->next;
		if (l->kind != AMQP_LINK_OUT)
			continue;
		if (atomic_exchange(&l->woken, false))
			l->waiting = false;
		amqp_recv_pump(l);
	}
}

static void on_wake(amqp_conn_t *c)
{
	amqp_send_pend_t *p, *next;

	pthread_mutex_lock(&c->mu);
	p = c->done_head;
	c->done_head = c->done_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	for (; p; p = next) {
		next = p->next;
		amqp_send_completed(p);
	}
	pump_receivers(c);
	check_grants(c);
	if (atomic_load(&c->stop) && !c->closing)
		begin_close(c);
}

static void disconnected(amqp_conn_t *c)
{
	amqp_send_pend_t *p, *next;
	pn_raw_buffer_t b[AMQP_CONN_READ_BUFS];

	while (pn_raw_connection_take_read_buffers(c->raw, b, AMQP_CONN_READ_BUFS) > 0)
		;
	take_written(c);
	pthread_mutex_lock(&c->mu);
	c->open = false;
	p = c->done_head;
	c->done_head = c->done_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	for (; p; p = next) {
		next = p->next;
		amqp_send_pend_free(p);
	}
	amqp_link_close_all(c, NULL);
	mem_free(c->grants);
	c->grants = NULL;
	c->ngrants = c->grants_cap = 0;
	atomic_store(&c->grant_due, 0);
	pn_connection_driver_destroy(&c->driver);
	amqp_frame_free(&c->scan);
	c->env->gone(c->env->arg, c);
	amqp_conn_unref(c);
}

void amqp_conn_raw_event(amqp_conn_t *c, pn_event_t *e)
{
	switch (pn_event_type(e)) {
	case PN_RAW_CONNECTION_CONNECTED:
		give_read_buffers(c);
		if (atomic_load(&c->stop))
			begin_close(c);
		break;
	case PN_RAW_CONNECTION_NEED_READ_BUFFERS:
		give_read_buffers(c);
		break;
	case PN_RAW_CONNECTION_READ:
		take_reads(c);
		break;
	case PN_RAW_CONNECTION_CLOSED_READ:
		/* the client's last bytes go to the engine before the end of input */
		take_reads(c);
		(void)feed(c);
		(void)dispatch(c);
		pn_connection_driver_read_close(&c->driver);
		break;
	case PN_RAW_CONNECTION_CLOSED_WRITE:
		pn_connection_driver_write_close(&c->driver);
		break;
	case PN_RAW_CONNECTION_WRITTEN:
		take_written(c);
		pump_receivers(c);
		break;
	case PN_RAW_CONNECTION_WAKE:
		on_wake(c);
		break;
	case PN_RAW_CONNECTION_DISCONNECTED:
		disconnected(c);
		return;
	default:
		break;
	}
	run(c);
}
