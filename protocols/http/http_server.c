/*
 * libmicrohttpd glue for the HTTP send head.
 *
 * Request life: the first handler call routes the request (404, 405, 401
 * when authorization is required and the SAS token is missing, bad or does
 * not grant Send on the entity, 413 on Content-Length, 503 while stopping)
 * and allocates a req_t; body bytes are
 * accumulated up to max_body (past it the rest is read and dropped, then
 * 413); the last call decodes the events, builds one record batch per
 * partition, appends them and suspends the connection. Each append's
 * completion (storage flusher thread) records its result; the last one
 * resumes the connection, and the next handler call answers 201 or the
 * first error.
 *
 * Invariants:
 *  - MHD_resume_connection is called exactly once per suspension, after the
 *    suspension (the handler holds one "pending" count until it has
 *    suspended), and always under srv->mu while !srv->daemon_gone, so it
 *    never races MHD_stop_daemon.
 *  - A req_t is freed when its last reference goes: one for MHD (dropped by
 *    the request-completed callback) and one per append not yet completed.
 *    So a client that disconnects while an append is pending cannot free
 *    memory a completion will touch.
 *  - The server struct is freed when its last reference goes: one for the
 *    owner (dropped by http_server_stop) and one per live req_t, so a
 *    completion that fires after http_server_stop still has a valid lock.
 *  - No connection is suspended when MHD_stop_daemon runs (MHD panics
 *    otherwise): stop resumes any left after its wait and marks them
 *    abandoned.
 */
#include "http_server.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "clock.h"
#include "http_arena.h"
#include "http_batch.h"
#include "http_event.h"
#include "http_route.h"
#include "http_status.h"
#include "hub.h"
#include "log.h"
#include "mem.h"
#include "part.h"

#define HTTP_SERVER_STOP_WAIT_MS 10000 /**< how long stop waits for pending appends */
#define HTTP_SERVER_DRAIN_MAX_BYTES                                                                \
	(16u << 20)                      /**< body bytes dropped past the limit before closing */
#define HTTP_SERVER_CONN_TIMEOUT_S 60    /**< idle connection timeout (REST default timeout=60) */
#define HTTP_SERVER_MAX_CONNECTIONS 1024 /**< concurrent connections */
#define HTTP_SERVER_MAX_HEADERS 4096     /**< request headers looked at for user properties */
#define HTTP_SERVER_TEXT_MAX 512         /**< bytes of an error body */

typedef enum req_state {
	REQ_RECEIVING, /* accumulating the body */
	REQ_DRAINING,  /* body refused (drain_err); reading and dropping the rest */
	REQ_APPENDING, /* appends issued; the next call answers */
	REQ_ANSWERED,
} req_state_t;

typedef struct req req_t;

struct http_server {
	ns_t *ns;
	const auth_t *auth;  /* borrowed; NULL refuses every request when auth_required */
	bool auth_required;
	struct MHD_Daemon *mhd;
	uint32_t max_body;
	uint16_t port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	int refs;
	bool stopping;    /* new requests get 503 */
	bool daemon_gone; /* MHD is being stopped: nobody may resume */
	size_t nbusy;     /* requests that appended and were not completed by MHD yet */
	req_t *suspended; /* list of suspended requests */
};

struct req {
	http_server_t *srv;
	struct MHD_Connection *conn;
	/* http loop only */
	req_state_t state;
	trib_err_t drain_err;
	hub_t *hub;
	part_t *fixed;
	trib_slice_t publisher; /* in the arena; null unless a publisher route */
	uint8_t *body;
	size_t len, cap;
	uint64_t drained;
	http_arena_t arena;
	/* under srv->mu */
	int refs;
	int pending;       /* appends not completed, +1 while the handler issues them */
	trib_err_t result; /* first append failure */
	bool suspended;
	bool abandoned; /* the server stopped first: do not resume, answer 503 */
	bool busy;
	req_t *prev, *next;
};

static const uint8_t empty_bytes[1];

static void srv_unref(http_server_t *srv)
{
	bool last;

	pthread_mutex_lock(&srv->mu);
	last = --srv->refs == 0;
	pthread_mutex_unlock(&srv->mu);
	if (!last)
		return;
	pthread_cond_destroy(&srv->cv);
	pthread_mutex_destroy(&srv->mu);
	mem_free(srv);
}

static void req_free(req_t *req)
{
	http_server_t *srv = req->srv;

	http_arena_free(&req->arena);
	mem_free(req->body);
	mem_free(req);
	srv_unref(srv);
}

/* Drops one reference; the caller must not hold srv->mu. */
static void req_unref(req_t *req)
{
	bool last;

	pthread_mutex_lock(&req->srv->mu);
	last = --req->refs == 0;
	pthread_mutex_unlock(&req->srv->mu);
	if (last)
		req_free(req);
}

static void unlink_suspended(http_server_t *srv, req_t *req)
{
	if (req->prev)
		req->prev->next = req->next;
	else
		srv->suspended = req->next;
	if (req->next)
		req->next->prev = req->prev;
	req->prev = req->next = NULL;
	req->suspended = false;
}

/* ---- responses ---- */

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, const char *ctype,
			     const char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST") != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_text(struct MHD_Connection *conn, unsigned status, const char *fmt,
				  ...) __attribute__((format(printf, 3, 4)));

/* An error answer: one short line of text/plain saying what was wrong. */
static enum MHD_Result queue_text(struct MHD_Connection *conn, unsigned status, const char *fmt,
				  ...)
{
	char text[HTTP_SERVER_TEXT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(text) - 2)
		n = (int)sizeof(text) - 2;
	text[n++] = '\n';
	text[n] = '\0';
	return queue(conn, status, "text/plain; charset=utf-8", text, (size_t)n);
}

/* REST "Send event": 201 Created, empty body, Content-Type application/xml. */
static enum MHD_Result queue_created(struct MHD_Connection *conn)
{
	return queue(conn, MHD_HTTP_CREATED, "application/xml; charset=utf-8", "", 0);
}

static enum MHD_Result answer_msg(req_t *req, trib_err_t err, const http_event_msg_t *msg)
{
	req->state = REQ_ANSWERED;
	return queue_text(req->conn, http_status_of(err), "%s",
			  msg->text[0] ? msg->text : trib_strerror(err));
}

/* The client is slow or odd enough that a name in an answer is cut to this many bytes. */
#define QUOTE_MAX 128

static int qlen(trib_slice_t s)
{
	return (int)(s.len > QUOTE_MAX ? QUOTE_MAX : s.len);
}

/* ---- first call: routing ---- */

/* Content-Length over the limit: refuse before reading a byte of the body. */
static bool length_over(struct MHD_Connection *conn, uint32_t max, uint64_t *len)
{
	const char *cl =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t v = 0;

	*len = 0;
	if (!cl)
		return false;
	for (; *cl >= '0' && *cl <= '9'; cl++) {
		if (v > (UINT64_MAX - 9) / 10)
			return true;
		v = v * 10 + (uint64_t)(*cl - '0');
	}
	*len = v;
	return v > max;
}

static enum MHD_Result new_req(http_server_t *srv, struct MHD_Connection *conn,
			       const http_route_t *r, hub_t *hub, part_t *fixed, uint64_t clen,
			       void **con_cls)
{
	req_t *req = mem_calloc(MEM_HTTP, 1, sizeof(*req));

	if (!req)
		return queue_text(conn, http_status_of(TRIB_ERR_NOMEM), "out of memory");
	req->srv = srv;
	req->conn = conn;
	req->state = REQ_RECEIVING;
	req->hub = hub;
	req->fixed = fixed;
	req->refs = 1;
	http_arena_init(&req->arena);
	if (r->kind == HTTP_ROUTE_PUBLISHER) {
		char *copy = http_arena_dup(&req->arena, r->arg.ptr, r->arg.len);

		if (!copy) {
			mem_free(req);
			return queue_text(conn, http_status_of(TRIB_ERR_NOMEM), "out of memory");
		}
		req->publisher = (trib_slice_t){(const uint8_t *)copy, r->arg.len};
	}
	if (clen > 0) {
		/* Content-Length is within max_body here: allocate once */
		req->body = mem_alloc(MEM_HTTP, (size_t)clen);
		req->cap = req->body ? (size_t)clen : 0;
	}
	pthread_mutex_lock(&srv->mu);
	srv->refs++;
	pthread_mutex_unlock(&srv->mu);
	*con_cls = req;
	return MHD_YES;
}

/*
 * The entity a route sends to, as tokens name it: "eh1", "eh1/partitions/0"
 * or "eh1/publishers/<name>" (a token for eh1 covers all three).
 */
static bool entity_path(const http_route_t *r, char *out, size_t cap)
{
	char raw[1024];
	const char *word = r->kind == HTTP_ROUTE_PARTITION   ? "/partitions/"
			   : r->kind == HTTP_ROUTE_PUBLISHER ? "/publishers/"
							     : "";
	int n = snprintf(raw, sizeof(raw), "%.*s%s%.*s", (int)r->hub.len, (const char *)r->hub.ptr,
			 word, word[0] ? (int)r->arg.len : 0,
			 word[0] ? (const char *)r->arg.ptr : "");

	if (n < 0 || (size_t)n >= sizeof(raw))
		return false;
	return auth_normalize_path((trib_slice_t){(const uint8_t *)raw, (size_t)n}, out, cap);
}

/* Authorization: SharedAccessSignature granting Send on the route's entity. */
static bool authorized(const http_server_t *srv, struct MHD_Connection *conn,
		       const http_route_t *r, const char **why)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	int64_t now = clock_wall_ms() / 1000;
	char path[sizeof(((auth_grant_t *)0)->path)];
	auth_grant_t g;

	if (!h) {
		*why = "an Authorization: SharedAccessSignature header is required";
		return false;
	}
	if (auth_check_token(srv->auth, slice_from_cstr(h), now, &g, why) != TRIB_OK) {
		if (!*why)
			*why = "the token is not valid";
		return false;
	}
	if (!entity_path(r, path, sizeof(path))) {
		*why = "the entity path is not valid";
		return false;
	}
	if (!auth_allows(&g, path, AUTH_SEND, now)) {
		*why = "the token does not grant Send on this entity";
		return false;
	}
	return true;
}

static enum MHD_Result first_call(http_server_t *srv, struct MHD_Connection *conn, const char *url,
				  const char *method, void **con_cls)
{
	http_route_t r;
	hub_t *hub;
	part_t *fixed = NULL;
	uint64_t clen;
	bool stopping;
	const char *why = NULL;

	pthread_mutex_lock(&srv->mu);
	stopping = srv->stopping;
	pthread_mutex_unlock(&srv->mu);
	if (stopping)
		return queue_text(conn, http_status_of(TRIB_ERR_CLOSED),
				  "the server is shutting down");
	http_route_parse(url, strlen(url), &r);
	if (r.kind == HTTP_ROUTE_NONE)
		return queue_text(conn, MHD_HTTP_NOT_FOUND, "no such resource '%.*s'", QUOTE_MAX,
				  url);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return queue_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method %.16s is not allowed; use POST", method);
	/* before the hub lookup: a caller without a grant learns nothing about entities */
	if (srv->auth_required && !authorized(srv, conn, &r, &why))
		return queue_text(conn, http_status_of(TRIB_ERR_UNAUTHORIZED), "unauthorized: %s", why);
	hub = ns_hub_find(srv->ns, r.hub);
	if (!hub)
		return queue_text(conn, http_status_of(TRIB_ERR_NOT_FOUND),
				  "event hub '%.*s' not found", qlen(r.hub),
				  (const char *)r.hub.ptr);
	if (r.kind == HTTP_ROUTE_PARTITION) {
		int32_t id;

		if (http_route_partition_id(r.arg, &id))
			fixed = hub_partition(hub, id);
		if (!fixed)
			return queue_text(conn, http_status_of(TRIB_ERR_NOT_FOUND),
					  "partition '%.*s' not found in event hub '%s'",
					  qlen(r.arg), (const char *)r.arg.ptr, hub_name(hub));
	}
	if (length_over(conn, srv->max_body, &clen))
		return queue_text(conn, http_status_of(TRIB_ERR_TOO_LARGE),
				  "request body of %llu bytes is over the limit of %u bytes",
				  (unsigned long long)clen, srv->max_body);
	return new_req(srv, conn, &r, hub, fixed, clen, con_cls);
}

/* ---- body ---- */

static void start_draining(req_t *req, trib_err_t why, size_t n)
{
	mem_free(req->body);
	req->body = NULL;
	req->len = req->cap = 0;
	req->state = REQ_DRAINING;
	req->drain_err = why;
	req->drained = n;
}

static enum MHD_Result receive(req_t *req, const char *data, size_t *size)
{
	size_t n = *size;
	uint32_t max = req->srv->max_body;

	*size = 0;
	if (n > max - req->len) {
		start_draining(req, TRIB_ERR_TOO_LARGE, n);
		return MHD_YES;
	}
	if (req->len + n > req->cap) {
		size_t cap = req->cap ? req->cap : 4096;
		uint8_t *p;

		while (cap < req->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		p = mem_realloc(MEM_HTTP, req->body, cap);
		if (!p) {
			start_draining(req, TRIB_ERR_NOMEM, n);
			return MHD_YES;
		}
		req->body = p;
		req->cap = cap;
	}
	memcpy(req->body + req->len, data, n);
	req->len += n;
	return MHD_YES;
}

static enum MHD_Result drain(req_t *req, size_t *size)
{
	req->drained += *size;
	*size = 0;
	/* a chunked body with no end in sight: stop reading, close the connection */
	return req->drained > HTTP_SERVER_DRAIN_MAX_BYTES ? MHD_NO : MHD_YES;
}

static enum MHD_Result drained(req_t *req)
{
	req->state = REQ_ANSWERED;
	if (req->drain_err == TRIB_ERR_TOO_LARGE)
		return queue_text(req->conn, http_status_of(TRIB_ERR_TOO_LARGE),
				  "request body is over the limit of %u bytes", req->srv->max_body);
	return queue_text(req->conn, http_status_of(req->drain_err), "out of memory");
}

/* ---- decoding ---- */

typedef struct hdr_list {
	http_event_header_t *h;
	size_t n, cap;
} hdr_list_t;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      size_t key_size, const char *value, size_t value_size)
{
	hdr_list_t *l = cls;

	if (l->n == l->cap)
		return MHD_NO;
	l->h[l->n].name = (trib_slice_t){(const uint8_t *)key, key_size};
	l->h[l->n].value = (trib_slice_t){value ? (const uint8_t *)value : empty_bytes,
					  value ? value_size : 0};
	l->n++;
	return MHD_YES;
}

static trib_err_t single_event(req_t *req, trib_slice_t body, http_event_t **evs, size_t *n,
			       http_event_msg_t *msg)
{
	hdr_list_t l = {0};
	int count = MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, NULL, NULL);

	if (count > HTTP_SERVER_MAX_HEADERS) {
		snprintf(msg->text, sizeof(msg->text), "more than %d request headers",
			 HTTP_SERVER_MAX_HEADERS);
		return TRIB_ERR_TOO_LARGE;
	}
	l.cap = count > 0 ? (size_t)count : 0;
	l.h = http_arena_alloc(&req->arena, l.cap * sizeof(*l.h));
	if (!l.h)
		return TRIB_ERR_NOMEM;
	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, collect_header, &l);
	*n = 1;
	return http_event_from_request(&req->arena, body, l.h, l.n, evs, msg);
}

static trib_err_t decode(req_t *req, http_event_t **evs, size_t *n, http_event_msg_t *msg)
{
	const char *ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	trib_slice_t body = {req->body ? req->body : empty_bytes, req->len};
	trib_err_t err;

	if (http_batch_content_type(ct))
		err = http_batch_parse(&req->arena, body.ptr, body.len, evs, n, msg);
	else
		err = single_event(req, body, evs, n, msg);
	if (err == TRIB_OK && req->publisher.ptr)
		err = http_event_set_publisher(*evs, *n, req->publisher, msg);
	return err;
}

/* A request without keys goes to one round-robin partition as a whole (DESIGN.md §3). */
static void assign_partitions(req_t *req, http_event_t *evs, size_t n)
{
	int32_t rr = -1;

	for (size_t i = 0; i < n; i++) {
		if (req->fixed) {
			evs[i].partition = part_id(req->fixed);
		} else if (evs[i].key.ptr) {
			evs[i].partition = hub_pick_partition(req->hub, evs[i].key);
		} else {
			if (rr < 0)
				rr = hub_pick_partition(req->hub, TRIB_SLICE_NULL);
			evs[i].partition = rr;
		}
	}
}

/* ---- appending ---- */

/* Storage flusher thread: record, and resume the connection after the last one. */
static void on_appended(void *arg, trib_err_t err)
{
	req_t *req = arg;
	http_server_t *srv = req->srv;
	bool last;

	pthread_mutex_lock(&srv->mu);
	if (err != TRIB_OK && req->result == TRIB_OK)
		req->result = err;
	if (--req->pending == 0 && req->suspended) {
		unlink_suspended(srv, req);
		if (!srv->daemon_gone)
			MHD_resume_connection(req->conn);
	}
	last = --req->refs == 0;
	pthread_mutex_unlock(&srv->mu);
	if (last)
		req_free(req);
}

static enum MHD_Result answer_appended(req_t *req)
{
	http_server_t *srv = req->srv;
	trib_err_t err;
	int pending;

	pthread_mutex_lock(&srv->mu);
	pending = req->pending;
	err = req->result;
	pthread_mutex_unlock(&srv->mu);
	req->state = REQ_ANSWERED;
	if (pending > 0)
		return queue_text(
			req->conn, http_status_of_append(TRIB_ERR_CLOSED),
			"the server is shutting down; the events were not confirmed durable");
	if (err == TRIB_OK)
		return queue_created(req->conn);
	return queue_text(req->conn, http_status_of_append(err), "storing the events failed: %s",
			  trib_strerror(err));
}

/* Issues one append per batch; stops at the first one refused outright. */
static void issue_appends(req_t *req, http_event_batch_t *b, size_t nb)
{
	http_server_t *srv = req->srv;

	for (size_t i = 0; i < nb; i++) {
		part_t *p = hub_partition(req->hub, b[i].partition);
		int64_t base;
		trib_err_t err = p ? TRIB_OK : TRIB_ERR_NOT_FOUND;

		pthread_mutex_lock(&srv->mu);
		req->pending++;
		req->refs++;
		pthread_mutex_unlock(&srv->mu);
		if (p)
			err = part_append(p, b[i].bytes, b[i].len, on_appended, req, &base);
		http_event_batch_release(&b[i]);
		if (err == TRIB_OK)
			continue;
		log_warn("http: append to %s/%d failed: %s", hub_name(req->hub),
			 (int)b[i].partition, trib_strerror(err));
		pthread_mutex_lock(&srv->mu);
		req->pending--;
		req->refs--; /* never the last: MHD still holds one */
		if (req->result == TRIB_OK)
			req->result = err;
		pthread_mutex_unlock(&srv->mu);
		break;
	}
}

static enum MHD_Result suspend_until_durable(req_t *req)
{
	http_server_t *srv = req->srv;
	bool done, resume_now = false;

	pthread_mutex_lock(&srv->mu);
	done = req->pending == 1; /* only our own hold: nothing in flight */
	if (done)
		req->pending = 0;
	pthread_mutex_unlock(&srv->mu);
	if (done)
		return answer_appended(req);
	req->state = REQ_APPENDING;
	MHD_suspend_connection(req->conn);
	pthread_mutex_lock(&srv->mu);
	if (--req->pending == 0 || srv->daemon_gone) {
		/* completions beat us, or the daemon is going: undo the suspension ourselves */
		req->abandoned = req->pending > 0;
		resume_now = true;
	} else {
		req->suspended = true;
		req->next = srv->suspended;
		if (req->next)
			req->next->prev = req;
		srv->suspended = req;
	}
	pthread_mutex_unlock(&srv->mu);
	if (resume_now)
		MHD_resume_connection(req->conn);
	return MHD_YES;
}

static enum MHD_Result append_all(req_t *req, http_event_batch_t *b, size_t nb)
{
	http_server_t *srv = req->srv;
	bool stopping;

	pthread_mutex_lock(&srv->mu);
	stopping = srv->stopping;
	if (!stopping) {
		req->pending = 1; /* our hold until the connection is suspended */
		req->busy = true;
		srv->nbusy++;
	}
	pthread_mutex_unlock(&srv->mu);
	if (stopping) {
		req->state = REQ_ANSWERED;
		return queue_text(req->conn, http_status_of_append(TRIB_ERR_CLOSED),
				  "the server is shutting down");
	}
	issue_appends(req, b, nb);
	return suspend_until_durable(req);
}

static enum MHD_Result process(req_t *req)
{
	http_event_msg_t msg = {{0}};
	http_event_t *evs;
	http_event_batch_t *b;
	size_t n = 0, nb = 0;
	uint32_t limit = hub_max_batch_bytes(req->hub);
	trib_err_t err;

	err = decode(req, &evs, &n, &msg);
	if (err)
		return answer_msg(req, err, &msg);
	assign_partitions(req, evs, n);
	err = http_event_build(&req->arena, evs, n, clock_wall_ms(), &b, &nb);
	if (err)
		return answer_msg(req, err, &msg);
	/* refuse before storing anything, so an oversized request stores nothing */
	for (size_t i = 0; i < nb; i++) {
		if (b[i].len > limit) {
			req->state = REQ_ANSWERED;
			return queue_text(
				req->conn, http_status_of(TRIB_ERR_TOO_LARGE),
				"%zu events for partition %d make a %zu-byte batch, over the "
				"event hub's limit of %u bytes",
				b[i].count, (int)b[i].partition, b[i].len, limit);
		}
	}
	mem_free(req->body); /* the batches hold copies now */
	req->body = NULL;
	req->len = req->cap = 0;
	return append_all(req, b, nb);
}

/* ---- MHD callbacks ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	http_server_t *srv = cls;
	req_t *req = *con_cls;

	if (!req)
		return first_call(srv, conn, url, method, con_cls);
	switch (req->state) {
	case REQ_RECEIVING:
		return *upload_size ? receive(req, upload, upload_size) : process(req);
	case REQ_DRAINING:
		return *upload_size ? drain(req, upload_size) : drained(req);
	case REQ_APPENDING:
		return answer_appended(req);
	case REQ_ANSWERED:
		break;
	}
	*upload_size = 0;
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	http_server_t *srv = cls;
	req_t *req = *con_cls;

	if (!req)
		return;
	*con_cls = NULL;
	pthread_mutex_lock(&srv->mu);
	if (req->suspended) {
		/* only at daemon shutdown; keep completions away from the connection */
		unlink_suspended(srv, req);
		req->abandoned = true;
	}
	if (req->busy) {
		req->busy = false;
		srv->nbusy--;
		pthread_cond_broadcast(&srv->cv);
	}
	pthread_mutex_unlock(&srv->mu);
	req_unref(req);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("http: %s", line);
}

/* ---- start / stop ---- */

static trib_err_t resolve(const char *host, uint16_t port, struct sockaddr_storage *sa, bool *v6)
{
	struct addrinfo hints = {0}, *res = NULL;
	char service[8];
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0 || !res) {
		log_error("http: cannot resolve bind address '%s': %s", host, gai_strerror(rc));
		return TRIB_ERR_IO;
	}
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return TRIB_OK;
}

static trib_err_t start_daemon(http_server_t *srv, const http_server_opts_t *opts)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct sockaddr_storage sa;
	bool v6 = false;
	const union MHD_DaemonInfo *info;

	if (opts->host && opts->host[0]) {
		if (resolve(opts->host, opts->port, &sa, &v6) != TRIB_OK)
			return TRIB_ERR_IO;
		if (v6)
			flags |= MHD_USE_IPv6;
	}
	srv->mhd = MHD_start_daemon(
		flags, opts->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
		(MHD_LogCallback)mhd_log, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_SERVER_CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_SERVER_MAX_CONNECTIONS,
		(opts->host && opts->host[0]) ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END,
		(struct sockaddr *)&sa, MHD_OPTION_END);
	if (!srv->mhd) {
		log_error("http: cannot listen on %s:%u", opts->host ? opts->host : "*",
			  (unsigned)opts->port);
		return TRIB_ERR_IO;
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : opts->port;
	return TRIB_OK;
}

trib_err_t http_server_start(ns_t *ns, const http_server_opts_t *opts, http_server_t **out)
{
	http_server_t *srv;
	trib_err_t err;

	if (!ns || !opts || !out)
		return TRIB_ERR_INVALID;
	srv = mem_calloc(MEM_HTTP, 1, sizeof(*srv));
	if (!srv)
		return TRIB_ERR_NOMEM;
	srv->ns = ns;
	srv->auth = opts->auth;
	srv->auth_required = opts->auth_required;
	srv->max_body = opts->max_body_bytes ? opts->max_body_bytes : HTTP_SERVER_DEFAULT_MAX_BODY;
	srv->refs = 1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	err = start_daemon(srv, opts);
	if (err) {
		srv_unref(srv);
		return err;
	}
	log_info("http: listening on %s:%u (max body %u bytes, %s)",
		 opts->host && opts->host[0] ? opts->host : "*", (unsigned)srv->port, srv->max_body,
		 srv->auth_required ? "SAS authorization required" : "no authorization");
	*out = srv;
	return TRIB_OK;
}

uint16_t http_server_port(const http_server_t *s)
{
	return s->port;
}

/* Waits for busy requests to be answered, then takes every connection out of suspension. */
static void settle(http_server_t *srv)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HTTP_SERVER_STOP_WAIT_MS / 1000;
	deadline.tv_nsec += (long)(HTTP_SERVER_STOP_WAIT_MS % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&srv->mu);
	while (srv->nbusy > 0) {
		if (pthread_cond_timedwait(&srv->cv, &srv->mu, &deadline) == ETIMEDOUT)
			break;
	}
	if (srv->nbusy > 0)
		log_warn("http: stopping with %zu requests unanswered", srv->nbusy);
	while (srv->suspended) {
		req_t *req = srv->suspended;

		unlink_suspended(srv, req);
		req->abandoned = true;
		MHD_resume_connection(req->conn);
	}
	srv->daemon_gone = true;
	pthread_mutex_unlock(&srv->mu);
}

void http_server_stop(http_server_t **s)
{
	http_server_t *srv = s ? *s : NULL;
	MHD_socket lfd;

	if (!srv)
		return;
	*s = NULL;
	pthread_mutex_lock(&srv->mu);
	srv->stopping = true;
	pthread_mutex_unlock(&srv->mu);
	lfd = MHD_quiesce_daemon(srv->mhd);
	settle(srv);
	MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	srv_unref(srv);
}
