/*
 * The Kafka event loop: one thread, one epoll instance, level-triggered.
 * Each turn: wait (timeout = nearest Fetch deadline or listener retry),
 * handle socket events and the mailbox (completions, waiter wake-ups), run
 * expired timers, flush connections whose slots became ready, then free
 * connections closed during the turn.
 *
 * Invariants: only this thread touches connections, requests and env; other
 * threads reach it only through env.wq (kafka_wake.h) and the stop flag.
 * The epoll data pointer is either one of the two sentinels below or a
 * kafka_conn_t. Shutdown happens on the loop thread: listener closed,
 * connections closed (pending Fetches cancelled), then the loop keeps
 * running the mailbox until env.pending_appends is zero, so no storage
 * completion can fire into freed memory.
 */
#include "kafka_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kafka_conn.h"
#include "kafka_frame.h"
#include "kafka_req.h"
#include "log.h"
#include "mem.h"
#include "rb.h"

#define MAX_EVENTS 64
#define LISTEN_BACKLOG 511
#define ACCEPT_RETRY_MS 100     /* listener pause after EMFILE / ENFILE */
#define DRAIN_LOG_MS 5000       /* shutdown: log while appends are still completing */

struct kafka_server {
	kafka_env_t env;
	int lfd;
	uint16_t port;
	bool listening;          /* lfd is in the epoll set */
	int64_t relisten_at;     /* monotonic ms, or -1 */
	pthread_t thread;
	atomic_bool stop;
	char tag_listen;         /* epoll sentinels: their addresses mark the two fds */
	char tag_wake;
};

static int bind_listener(const kafka_server_opts_t *opts, uint16_t *bound)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char port[8];
	int fd = -1, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)opts->port);
	rc = getaddrinfo(opts->host, port, &hints, &res);
	if (rc != 0) {
		log_error("kafka: cannot resolve %s: %s", opts->host ? opts->host : "*",
			  gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, LISTEN_BACKLOG) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		log_error("kafka: cannot listen on %s:%u: %s", opts->host ? opts->host : "*",
			  (unsigned)opts->port, strerror(errno));
		return -1;
	}
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			*bound = ntohs(ss.ss_family == AF_INET6
					       ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

static int epoll_add(int epfd, int fd, void *tag)
{
	struct epoll_event ev = {0};

	ev.events = EPOLLIN;
	ev.data.ptr = tag;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	}
	snprintf(out, n, "%s:%u", host, port);
}

static void pause_listener(kafka_server_t *s)
{
	if (!s->listening)
		return;
	(void)epoll_ctl(s->env.epfd, EPOLL_CTL_DEL, s->lfd, NULL);
	s->listening = false;
	s->relisten_at = s->env.now_ms + ACCEPT_RETRY_MS;
}

static void resume_listener(kafka_server_t *s)
{
	if (s->listening || s->relisten_at < 0 || s->env.now_ms < s->relisten_at)
		return;
	if (epoll_add(s->env.epfd, s->lfd, &s->tag_listen) == 0) {
		s->listening = true;
		s->relisten_at = -1;
	} else {
		s->relisten_at = s->env.now_ms + ACCEPT_RETRY_MS;
	}
}

static void accept_all(kafka_server_t *s)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char peer[64];
		int one = 1;
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* level-triggered: stop listening briefly rather than spin */
				log_warn("kafka: accept: %s; pausing the listener",
					 strerror(errno));
				pause_listener(s);
			}
			return;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		peer_name(&ss, peer, sizeof(peer));
		(void)kafka_conn_open(&s->env, fd, peer);
	}
}

static int loop_timeout(const kafka_server_t *s)
{
	int t = kafka_env_timeout_ms(&s->env);
	int64_t gd = s->env.groups ? kgroup_next_deadline(s->env.groups) : -1;

	if (gd >= 0) {
		int64_t left = gd - s->env.now_ms;
		int g = left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;

		if (t < 0 || g < t)
			t = g;
	}

	if (s->relisten_at >= 0) {
		int64_t left = s->relisten_at - s->env.now_ms;
		int r = left < 0 ? 0 : (int)left;

		if (t < 0 || r < t)
			t = r;
	}
	return t;
}

static void turn(kafka_server_t *s, int timeout)
{
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(s->env.epfd, evs, MAX_EVENTS, timeout);

	s->env.now_ms = kafka_env_clock_ms();
	if (n < 0 && errno != EINTR)
		log_error("kafka: epoll_wait: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		void *tag = evs[i].data.ptr;

		if (tag == &s->tag_listen)
			accept_all(s);
		else if (tag == &s->tag_wake)
			(void)kafka_wakeq_run(&s->env.wq);
		else
			kafka_conn_on_event(tag, evs[i].events);
	}
	kafka_env_run_timers(&s->env);
	if (s->env.groups)
		(void)kgroup_tick(s->env.groups, s->env.now_ms);
	resume_listener(s);
	kafka_conn_flush_dirty(&s->env);
	kafka_conn_reap(&s->env);
}

static void shut_down(kafka_server_t *s)
{
	int64_t next_log;

	if (s->listening)
		(void)epoll_ctl(s->env.epfd, EPOLL_CTL_DEL, s->lfd, NULL);
	s->listening = false;
	s->relisten_at = -1;
	close(s->lfd);
	s->lfd = -1;
	while (s->env.conns) {
		kafka_conn_flush(s->env.conns);
		kafka_conn_close(s->env.conns, NULL);
	}
	kafka_conn_reap(&s->env);
	next_log = kafka_env_clock_ms() + DRAIN_LOG_MS;
	while (s->env.pending_appends > 0) {
		/* completions are guaranteed by the store; they only need this loop to run */
		turn(s, DRAIN_LOG_MS);
		if (s->env.now_ms >= next_log && s->env.pending_appends > 0) {
			log_warn("kafka: stopping: %zu appends still completing",
				 s->env.pending_appends);
			next_log = s->env.now_ms + DRAIN_LOG_MS;
		}
	}
}

static void *loop_main(void *arg)
{
	kafka_server_t *s = arg;

	while (!atomic_load(&s->stop)) {
		s->env.now_ms = kafka_env_clock_ms();
		turn(s, loop_timeout(s));
	}
	shut_down(s);
	return NULL;
}

static void free_server(kafka_server_t *s)
{
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->env.epfd >= 0)
		close(s->env.epfd);
	if (s->env.wq.efd >= 0)
		kafka_wakeq_destroy(&s->env.wq);
	kgroup_close(&s->env.groups); /* every connection, so every waiter, is gone */
	mem_free((void *)s->env.advertised_host);
	mem_free(s);
}

static trib_err_t setup(kafka_server_t *s, ns_t *ns, const kafka_server_opts_t *opts)
{
	const char *adv = opts->advertised_host ? opts->advertised_host : "127.0.0.1";
	size_t len = strlen(adv);
	char *copy = mem_alloc(MEM_KAFKA, len + 1);

	if (!copy)
		return TRIB_ERR_NOMEM;
	memcpy(copy, adv, len + 1);
	s->env.advertised_host = copy;
	s->env.ns = ns;
	s->env.offsets = opts->offsets;
	s->env.auth = opts->auth;
	s->env.auth_required = opts->auth_required;
	s->env.producer_ids = opts->producer_ids;
	if (opts->offsets && kgroup_open(&s->env.groups) != TRIB_OK)
		return TRIB_ERR_NOMEM;
	if (s->env.groups)
		kgroup_set_initial_delay(s->env.groups, opts->group_initial_rebalance_delay_ms);
	s->env.node_id = opts->node_id;
	s->env.max_request_bytes = opts->max_request_bytes ? opts->max_request_bytes
							    : KAFKA_FRAME_DEFAULT_MAX;
	/* Kafka's default message.max.bytes: 1 MiB of records plus the 12-byte log overhead */
	s->env.max_message_bytes = opts->max_message_bytes ? opts->max_message_bytes
							    : 1048576 + RB_LOG_OVERHEAD;
	s->env.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->env.epfd < 0 || kafka_wakeq_init(&s->env.wq) != TRIB_OK)
		return TRIB_ERR_IO;
	s->lfd = bind_listener(opts, &s->port);
	if (s->lfd < 0)
		return TRIB_ERR_IO;
	s->env.port = s->port;
	if (epoll_add(s->env.epfd, s->lfd, &s->tag_listen) != 0 ||
	    epoll_add(s->env.epfd, s->env.wq.efd, &s->tag_wake) != 0)
		return TRIB_ERR_IO;
	s->listening = true;
	return TRIB_OK;
}

trib_err_t kafka_server_start(ns_t *ns, const kafka_server_opts_t *opts, kafka_server_t **out)
{
	kafka_server_t *s;
	trib_err_t err;

	if (!ns || !opts || !out)
		return TRIB_ERR_INVALID;
	s = mem_calloc(MEM_KAFKA, 1, sizeof(*s));
	if (!s)
		return TRIB_ERR_NOMEM;
	s->lfd = -1;
	s->env.epfd = -1;
	s->env.wq.efd = -1;
	s->relisten_at = -1;
	atomic_init(&s->stop, false);
	err = setup(s, ns, opts);
	if (!err && pthread_create(&s->thread, NULL, loop_main, s) != 0)
		err = TRIB_ERR_IO;
	if (err) {
		free_server(s);
		return err;
	}
	log_info("kafka: listening on %s:%u (advertised %s, node %d)",
		 opts->host ? opts->host : "*", (unsigned)s->port, s->env.advertised_host,
		 s->env.node_id);
	*out = s;
	return TRIB_OK;
}

uint16_t kafka_server_port(const kafka_server_t *s)
{
	return s->port;
}

void kafka_server_stop(kafka_server_t **sp)
{
	kafka_server_t *s;

	if (!sp || !*sp)
		return;
	s = *sp;
	*sp = NULL;
	atomic_store(&s->stop, true);
	kafka_wakeq_kick(&s->env.wq);
	pthread_join(s->thread, NULL);
	free_server(s);
	log_info("kafka: stopped");
}
