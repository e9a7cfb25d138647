/*
 * The proactor, its threads, the listener and the connection timer.
 *
 * Connections are raw proactor connections (amqp_conn.c drives the AMQP
 * engine over them), so the server keeps its own list of them, under
 * s->mu, for the timer (pn_transport_tick deadlines) and for stopping.
 * A connection enters the list, under s->mu, in the same critical section
 * that hands it to pn_listener_raw_accept, and leaves it on
 * PN_RAW_CONNECTION_DISCONNECTED; so nobody wakes a raw connection the
 * proactor does not own yet or any more. Lock order: s->mu, then a
 * connection's mu.
 *
 * Stopping: the listener is closed, every connection asked to close, then
 * the threads are interrupted and joined once nothing is left; last, the
 * server waits for connection memory still held by pending appends (the
 * store completes them), so no completion can touch freed server memory.
 */
#include "amqp_server.h"

#include <errno.h>
#include <proton/condition.h>
#include <proton/event.h>
#include <proton/listener.h>
#include <proton/netaddr.h>
#include <proton/proactor.h>
#include <proton/raw_connection.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amqp_conn.h"
#include "log.h"
#include "mem.h"

enum { LISTEN_PENDING, LISTEN_OPEN, LISTEN_CLOSED };

struct amqp_server {
	amqp_conn_env_t env;
	char *container_id;
	pn_proactor_t *proactor;
	pn_listener_t *listener;
	pthread_t threads[AMQP_SERVER_THREADS];
	int nthreads;
	uint16_t port;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	int listen_state;
	bool stopping;
	bool done;          /* threads leave on their next interrupt */
	int running;        /* threads not yet leaving */
	amqp_conn_t *conns; /* accepted, not yet disconnected */
	size_t nconns;
	size_t live;        /* connection structs not yet freed */
};

static void conn_gone(void *arg, amqp_conn_t *c)
{
	amqp_server_t *s = arg;

	pthread_mutex_lock(&s->mu);
	if (c->srv_prev)
		c->srv_prev->srv_next = c->srv_next;
	else
		s->conns = c->srv_next;
	if (c->srv_next)
		c->srv_next->srv_prev = c->srv_prev;
	c->srv_prev = c->srv_next = NULL;
	s->nconns--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

static void conn_freed(void *arg)
{
	amqp_server_t *s = arg;

	pthread_mutex_lock(&s->mu);
	s->live--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

static void on_accept(amqp_server_t *s, pn_listener_t *l)
{
	amqp_conn_t *c = amqp_conn_new(&s->env);

	if (!c) {
		/* accept and drop: the raw connection has no context, its events are ignored */
		pn_raw_connection_t *raw = pn_raw_connection();

		log_warn("amqp: out of memory: connection refused");
		pn_listener_raw_accept(l, raw);
		pn_raw_connection_close(raw);
		return;
	}
	pthread_mutex_lock(&s->mu);
	c->srv_next = s->conns;
	if (s->conns)
		s->conns->srv_prev = c;
	s->conns = c;
	s->nconns++;
	s->live++;
	if (s->stopping)
		atomic_store(&c->stop, true);
	pn_listener_raw_accept(l, c->raw);
	pthread_mutex_unlock(&s->mu);
}

static void on_listener_open(amqp_server_t *s, pn_listener_t *l)
{
	char host[128], port[16];
	const pn_netaddr_t *na = pn_listener_addr(l);

	pthread_mutex_lock(&s->mu);
	if (na && pn_netaddr_host_port(na, host, sizeof(host), port, sizeof(port)) == 0)
		s->port = (uint16_t)atoi(port);
	s->listen_state = LISTEN_OPEN;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

static void on_listener_close(amqp_server_t *s, pn_listener_t *l)
{
	pn_condition_t *cond = pn_listener_condition(l);

	if (pn_condition_is_set(cond))
		log_error("amqp: listener: %s: %s", pn_condition_get_name(cond),
			  pn_condition_get_description(cond) ? pn_condition_get_description(cond)
							     : "");
	pthread_mutex_lock(&s->mu);
	s->listen_state = LISTEN_CLOSED;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

/*
 * Wakes the connections whose transport wants a tick (heartbeats, idle
 * time-outs) or whose authorisation grants may have lapsed.
 */
static void on_timer(amqp_server_t *s)
{
	int64_t now = amqp_conn_now();
	int64_t wall = amqp_conn_wall_s();
	bool again;

	pthread_mutex_lock(&s->mu);
	for (amqp_conn_t *c = s->conns; c; c = c->srv_next) {
		int64_t d = atomic_load(&c->deadline);

		if ((d && d <= now) || amqp_conn_grant_due(c, wall))
			amqp_conn_wake(c);
	}
	again = !s->stopping;
	pthread_mutex_unlock(&s->mu);
	if (again)
		pn_proactor_set_timeout(s->proactor, AMQP_SERVER_TICK_MS);
}

/* Handles one event; true when this thread should leave. */
static bool handle(amqp_server_t *s, pn_event_t *e)
{
	pn_raw_connection_t *raw = pn_event_raw_connection(e);
	bool quit;

	if (raw) {
		amqp_conn_t *c = pn_raw_connection_get_context(raw);

		if (c)
			amqp_conn_raw_event(c, e);
		return false;
	}
	switch (pn_event_type(e)) {
	case PN_LISTENER_OPEN:
		on_listener_open(s, pn_event_listener(e));
		break;
	case PN_LISTENER_ACCEPT:
		on_accept(s, pn_event_listener(e));
		break;
	case PN_LISTENER_CLOSE:
		on_listener_close(s, pn_event_listener(e));
		break;
	case PN_PROACTOR_TIMEOUT:
		on_timer(s);
		break;
	case PN_PROACTOR_INTERRUPT:
		/* interrupts coalesce: a leaving thread passes one on to the next */
		pthread_mutex_lock(&s->mu);
		quit = s->done;
		if (quit && --s->running > 0)
			pn_proactor_interrupt(s->proactor);
		pthread_mutex_unlock(&s->mu);
		return quit;
	default:
		break;
	}
	return false;
}

static void *thread_main(void *arg)
{
	amqp_server_t *s = arg;
	bool quit = false;

	while (!quit) {
		pn_event_batch_t *batch = pn_proactor_wait(s->proactor);
		pn_event_t *e;

		while ((e = pn_event_batch_next(batch)))
			quit |= handle(s, e);
		pn_proactor_done(s->proactor, batch);
	}
	return NULL;
}

static char *dup_cstr(const char *s)
{
	size_t n = strlen(s);
	char *out = mem_alloc(MEM_AMQP, n + 1);

	if (out)
		memcpy(out, s, n + 1);
	return out;
}

/* Interrupts and joins the threads; then waits for connection memory to go. */
static void join_all(amqp_server_t *s)
{
	struct timespec until;

	pthread_mutex_lock(&s->mu);
	s->done = true;
	s->running = s->nthreads;
	pthread_mutex_unlock(&s->mu);
	if (s->nthreads)
		pn_proactor_interrupt(s->proactor);
	for (int i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	s->nthreads = 0;
	pthread_mutex_lock(&s->mu);
	while (s->live > 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		if (pthread_cond_timedwait(&s->cond, &s->mu, &until) == ETIMEDOUT)
			log_warn("amqp: stopping: %zu connection(s) still wait for appends",
				 s->live);
	}
	pthread_mutex_unlock(&s->mu);
}

static void server_free(amqp_server_t *s)
{
	if (s->proactor)
		pn_proactor_free(s->proactor);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	/* every connection is gone, so every reader was removed */
	rdr_free(&s->env.readers);
	mem_free(s->container_id);
	mem_free(s);
}

static trib_err_t start_threads(amqp_server_t *s)
{
	for (int i = 0; i < AMQP_SERVER_THREADS; i++) {
		if (pthread_create(&s->threads[i], NULL, thread_main, s) != 0)
			return TRIB_ERR_NOMEM;
		s->nthreads++;
	}
	return TRIB_OK;
}

trib_err_t amqp_server_start(ns_t *ns, const amqp_server_opts_t *opts, amqp_server_t **out)
{
	amqp_server_t *s;
	char addr[256], port[8];
	trib_err_t err;
	int state;

	*out = NULL;
	if (!opts->max_message_bytes || opts->max_frame_bytes < 512)
		return TRIB_ERR_INVALID;
	s = mem_calloc(MEM_AMQP, 1, sizeof(*s));
	if (!s)
		return TRIB_ERR_NOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->container_id = dup_cstr(opts->container_id ? opts->container_id : "tributary");
	s->proactor = pn_proactor();
	s->listener = pn_listener();
	if (!s->container_id || !s->proactor || !s->listener) {
		if (s->listener)
			pn_listener_free(s->listener);
		server_free(s);
		return TRIB_ERR_NOMEM;
	}
	s->env = (amqp_conn_env_t){.ns = ns, .max_message_bytes = opts->max_message_bytes,
				   .max_frame_bytes = opts->max_frame_bytes,
				   .container_id = s->container_id, .gone = conn_gone,
				   .freed = conn_freed, .arg = s, .readers = rdr_new(),
				   .auth = opts->auth, .auth_required = opts->auth_required};
	if (!s->env.readers) {
		pn_listener_free(s->listener);
		server_free(s);
		return TRIB_ERR_NOMEM;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)opts->port);
	pn_proactor_addr(addr, sizeof(addr), opts->host ? opts->host : "0.0.0.0", port);
	pn_proactor_listen(s->proactor, s->listener, addr, 128);
	err = start_threads(s);
	pthread_mutex_lock(&s->mu);
	while (!err && s->listen_state == LISTEN_PENDING)
		pthread_cond_wait(&s->cond, &s->mu);
	state = s->listen_state;
	pthread_mutex_unlock(&s->mu);
	if (err || state != LISTEN_OPEN) {
		if (state == LISTEN_OPEN)
			pn_listener_close(s->listener);
		join_all(s);
		server_free(s);
		return err ? err : TRIB_ERR_IO;
	}
	pn_proactor_set_timeout(s->proactor, AMQP_SERVER_TICK_MS);
	log_info("amqp: listening on %s (port %u)", addr, (unsigned)s->port);
	*out = s;
	return TRIB_OK;
}

uint16_t amqp_server_port(const amqp_server_t *s)
{
	return s->port;
}

/* Asks every connection to close and waits until none is left and the listener closed. */
static void close_all(amqp_server_t *s)
{
	struct timespec until;

	pthread_mutex_lock(&s->mu);
	while (s->nconns > 0 || s->listen_state != LISTEN_CLOSED) {
		for (amqp_conn_t *c = s->conns; c; c = c->srv_next) {
			if (!atomic_load(&c->stop))
				amqp_conn_stop(c);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cond, &s->mu, &until);
	}
	pthread_mutex_unlock(&s->mu);
}

void amqp_server_stop(amqp_server_t **sp)
{
	amqp_server_t *s = sp ? *sp : NULL;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_mutex_unlock(&s->mu);
	pn_proactor_cancel_timeout(s->proactor);
	pn_listener_close(s->listener);
	close_all(s);
	join_all(s);
	server_free(s);
	*sp = NULL;
	log_info("amqp: stopped");
}
