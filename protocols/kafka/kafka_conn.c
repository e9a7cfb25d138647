/*
 * Connections. Invariants:
 *  - in[0, in_len) holds received bytes not yet taken as frames; a frame is
 *    taken only when all of it is present, and its size prefix is checked
 *    against env->max_request_bytes before the buffer grows for it;
 *  - the queue holds one slot per dispatched request in arrival order;
 *    only a ready head is written, so answers never overtake each other;
 *  - epoll interest is recomputed from (paused, want_out) by update_events,
 *    never set ad hoc;
 *  - after kafka_conn_close the struct stays valid (on env->closed) until
 *    kafka_conn_reap at the end of the loop turn, so events already fetched
 *    by epoll_wait for it are ignored rather than touching freed memory;
 *  - the SASL gate (kafka_sasl.h) decides every frame before it is
 *    dispatched, with the frame limit of the state the connection is in
 *    when the frame's prefix is read: the tight pre-authentication limit
 *    until a login succeeded;
 *  - a slot with file runs (kafka_conn_files_t, on c->files until the slot
 *    is retired) is written as memory bytes up to the next run, that run
 *    with sendfile(2), and so on; resp_sent stops at a run's position until
 *    the run is sent. Every run not yet sent holds an fd of ours, closed
 *    when sent or at kafka_conn_close.
 */
#include "kafka_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kafka_dispatch.h"
#include "log.h"
#include "mem.h"

#define WRITE_IOV 16
/* Largest sendfile(2) count Linux takes in one call. */
#define SENDFILE_MAX 0x7ffff000u

struct kafka_conn {
	kafka_env_t *env;
	int fd;
	char peer[64];
	uint8_t *in;      /* owned (MEM_KAFKA) */
	size_t in_len;
	size_t in_cap;
	kafka_req_t *qhead; /* response slots, oldest first */
	kafka_req_t *qtail;
	size_t inflight;  /* slots queued */
	size_t inflight_bytes; /* frame bytes of the queued slots */
	uint32_t events;  /* epoll interest currently registered */
	bool paused;      /* reading stopped by backpressure */
	bool want_out;    /* a write hit EAGAIN */
	bool closed;
	bool dirty;
	bool sendfile_ok; /* responses may carry file runs */
	kafka_conn_files_t *files; /* file runs of queued slots */
	kafka_sasl_t sasl;
	const kafka_req_t *close_after; /* close once this slot is written (compared, never used) */
	kafka_conn_t *dirty_next;
	kafka_conn_t *prev; /* env->conns or env->closed */
	kafka_conn_t *next;
};

static void list_push(kafka_conn_t **head, kafka_conn_t *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

static void list_unlink(kafka_conn_t **head, kafka_conn_t *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static int update_events(kafka_conn_t *c)
{
	uint32_t want = 0;
	struct epoll_event ev = {0};

	if (c->closed)
		return 0;
	if (!c->paused)
		want |= EPOLLIN;
	if (c->want_out)
		want |= EPOLLOUT;
	if (want == c->events)
		return 0;
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(c->env->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		return -1;
	c->events = want;
	return 0;
}

/* sendfile(2) cannot say MSG_NOSIGNAL: only use it where SIGPIPE cannot kill the process. */
static bool sigpipe_ignored(void)
{
	struct sigaction sa;

	return sigaction(SIGPIPE, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) &&
	       sa.sa_handler == SIG_IGN;
}

kafka_conn_t *kafka_conn_open(kafka_env_t *env, int fd, const char *peer)
{
	kafka_conn_t *c = mem_calloc(MEM_KAFKA, 1, sizeof(*c));
	struct epoll_event ev = {0};

	if (!c) {
		close(fd);
		return NULL;
	}
	c->env = env;
	c->fd = fd;
	snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "?");
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(env->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		log_warn("kafka: epoll_ctl for %s: %s", c->peer, strerror(errno));
		close(fd);
		mem_free(c);
		return NULL;
	}
	c->events = EPOLLIN;
	c->sendfile_ok = sigpipe_ignored();
	list_push(&env->conns, c);
	log_debug("kafka: connection from %s", c->peer);
	return c;
}

const char *kafka_conn_peer(const kafka_conn_t *c)
{
	return c->peer;
}

static void queue_push(kafka_conn_t *c, kafka_req_t *req)
{
	req->next = NULL;
	if (c->qtail)
		c->qtail->next = req;
	else
		c->qhead = req;
	c->qtail = req;
	c->inflight++;
	c->inflight_bytes += req->frame_len;
}

static kafka_req_t *queue_pop(kafka_conn_t *c)
{
	kafka_req_t *req = c->qhead;

	if (!req)
		return NULL;
	c->qhead = req->next;
	if (!c->qhead)
		c->qtail = NULL;
	req->next = NULL;
	c->inflight--;
	c->inflight_bytes -= req->frame_len;
	return req;
}

/* Grows the input buffer to hold at least @need bytes (need is bounded by the frame limit). */
static bool in_reserve(kafka_conn_t *c, size_t need)
{
	uint8_t *nb;

	if (c->in_cap >= need)
		return true;
	nb = mem_realloc(MEM_KAFKA, c->in, need);
	if (!nb)
		return false;
	c->in = nb;
	c->in_cap = need;
	return true;
}

kafka_sasl_t *kafka_conn_sasl(kafka_conn_t *c)
{
	return &c->sasl;
}

void kafka_conn_close_after(kafka_conn_t *c, const kafka_req_t *req)
{
	c->close_after = req;
}

bool kafka_conn_sendfile_ok(const kafka_conn_t *c)
{
	return c->sendfile_ok && !c->closed;
}

bool kafka_conn_send_files(kafka_conn_t *c, const kafka_req_t *req, kafka_conn_files_t *files)
{
	size_t i;

	if (!kafka_conn_sendfile_ok(c) || files->count == 0)
		return false;
	/* all or nothing: the caller copies the bytes itself when a dup fails */
	for (i = 0; i < files->count; i++) {
		int fd = fcntl(files->runs[i].fd, F_DUPFD_CLOEXEC, 0);

		if (fd < 0)
			break;
		files->runs[i].fd = fd;
	}
	if (i < files->count) {
		log_warn("kafka: %s: cannot duplicate a segment descriptor (%s); copying instead",
			 c->peer, strerror(errno));
		while (i > 0)
			close(files->runs[--i].fd);
		return false;
	}
	files->req = req;
	files->next = 0;
	files->sent = 0;
	files->link = c->files;
	c->files = files;
	return true;
}

/* The file runs of slot @p r, or NULL. */
static kafka_conn_files_t *files_of(const kafka_conn_t *c, const kafka_req_t *r)
{
	kafka_conn_files_t *f;

	for (f = c->files; f && f->req != r; f = f->link)
		;
	return f;
}

static void files_unlink(kafka_conn_t *c, const kafka_conn_files_t *files)
{
	for (kafka_conn_files_t **p = &c->files; *p; p = &(*p)->link) {
		if (*p == files) {
			*p = files->link;
			return;
		}
	}
}

/* Closes the fds of runs not sent yet. */
static void files_drop(kafka_conn_files_t *f)
{
	for (size_t i = f->next; i < f->count; i++)
		close(f->runs[i].fd);
	f->next = f->count;
}

/* Where writing memory bytes of slot @p r must stop: its next unsent run, else its end. */
static size_t mem_stop(const kafka_req_t *r, const kafka_conn_files_t *f)
{
	return f && f->next < f->count ? f->runs[f->next].at : r->resp_len;
}

/* The frame limit for the connection's next frame, bytes. */
static uint32_t frame_limit(const kafka_conn_t *c)
{
	return kafka_sasl_frame_limit(&c->sasl, c->env->auth_required, c->env->max_request_bytes);
}

/* Makes room for all of the partial frame at the front once its size is known and acceptable. */
static bool reserve_next(kafka_conn_t *c)
{
	uint32_t payload = 0;

	if (kafka_frame_peek(c->in, c->in_len, frame_limit(c), &payload) !=
		    KAFKA_FRAME_NEED_MORE ||
	    payload == 0)
		return true;
	return in_reserve(c, KAFKA_FRAME_PREFIX + (size_t)payload);
}

/*
 * A raw PLAIN token after SaslHandshake v0 (KIP-43): success is answered
 * with an empty frame (size prefix 0) in the response queue, failure closes
 * the connection. Returns false when the connection was closed.
 */
static bool take_raw_token(kafka_conn_t *c, kafka_req_t *req)
{
	const char *why = NULL;
	char msg[160];

	if (kafka_sasl_login(&c->sasl, c->env->auth,
			     (trib_slice_t){req->frame, req->frame_len}, &why) != TRIB_OK) {
		snprintf(msg, sizeof(msg), "SASL PLAIN (raw token) refused: %s", why);
		kafka_conn_close(c, msg);
		return false;
	}
	log_info("kafka: %s authenticated with policy %s (scope \"%s\")", c->peer,
		 c->sasl.grant.policy, c->sasl.grant.path);
	req->resp = mem_calloc(MEM_KAFKA, 1, KAFKA_FRAME_PREFIX);
	if (!req->resp) {
		kafka_conn_close(c, "out of memory for a response");
		return false;
	}
	req->resp_len = KAFKA_FRAME_PREFIX;
	req->ready = true;
	kafka_conn_mark_dirty(c);
	return true;
}

/*
 * Copies the complete frame payload at @p (@payload bytes) into a request
 * and dispatches it (or takes it as a raw SASL token). Returns false when
 * the connection was closed.
 */
static bool take_frame(kafka_conn_t *c, const uint8_t *p, uint32_t payload)
{
	uint8_t *frame;
	kafka_req_t *req;
	trib_err_t err;
	kafka_sasl_gate_t gate;
	int16_t key, ver;
	int32_t corr;

	kafka_frame_ids(p, payload, &key, &ver, &corr);
	gate = kafka_sasl_gate(&c->sasl, c->env->auth_required, key);
	if (gate == KAFKA_SASL_CLOSE) {
		char why[112];

		snprintf(why, sizeof(why), "api %d v%d before a SASL login (or after a failed one)",
			 key, ver);
		kafka_conn_close(c, why);
		return false;
	}
	frame = mem_alloc(MEM_KAFKA, payload);
	if (!frame) {
		kafka_conn_close(c, "out of memory for a request");
		return false;
	}
	memcpy(frame, p, payload);
	req = kafka_req_new(c->env, c, frame, payload);
	if (!req) {
		kafka_conn_close(c, "out of memory for a request");
		return false;
	}
	queue_push(c, req);
	if (gate == KAFKA_SASL_RAW)
		return take_raw_token(c, req);
	err = kafka_dispatch(req);
	if (err) {
		char why[128];

		snprintf(why, sizeof(why), "unreadable request (api %d v%d, correlation id %d): %s",
			 req->hdr.api_key, req->hdr.api_version, req->hdr.correlation_id,
			 trib_strerror(err));
		kafka_conn_close(c, why);
		return false;
	}
	return true;
}

/* Whether unanswered requests fill the connection's share (always room for one). */
static bool full(const kafka_conn_t *c)
{
	return c->inflight >= KAFKA_CONN_MAX_INFLIGHT ||
	       (c->inflight > 0 && c->inflight_bytes >= KAFKA_CONN_MAX_INFLIGHT_BYTES);
}

/*
 * Dispatches every complete buffered frame, up to the in-flight limits, then
 * moves what is left (the start of a frame) to the front once.
 */
static void parse_frames(kafka_conn_t *c)
{
	size_t off = 0;

	while (!c->closed && !full(c)) {
		uint32_t payload = 0;
		kafka_frame_status_t st;

		st = kafka_frame_peek(c->in + off, c->in_len - off, frame_limit(c), &payload);
		if (st == KAFKA_FRAME_BAD) {
			char why[96];

			snprintf(why, sizeof(why), "bad frame size prefix %d (limit %u)",
				 (int32_t)wire_load_u32(c->in + off), frame_limit(c));
			kafka_conn_close(c, why);
			return;
		}
		if (st == KAFKA_FRAME_NEED_MORE)
			break;
		if (!take_frame(c, c->in + off + KAFKA_FRAME_PREFIX, payload))
			return; /* closed: the buffer is gone */
		off += KAFKA_FRAME_PREFIX + (size_t)payload;
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (!reserve_next(c)) {
		kafka_conn_close(c, "out of memory for a frame");
		return;
	}
	c->paused = full(c);
	if (c->in_len == 0 && c->in_cap > KAFKA_CONN_READ_CHUNK) {
		mem_free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

static void on_readable(kafka_conn_t *c)
{
	ssize_t n;

	if (c->in_cap - c->in_len < 4096 && !in_reserve(c, c->in_len + KAFKA_CONN_READ_CHUNK)) {
		kafka_conn_close(c, "out of memory for input");
		return;
	}
	n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n == 0) {
		kafka_conn_close(c, NULL);
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		kafka_conn_close(c, strerror(errno));
		return;
	}
	c->in_len += (size_t)n;
	parse_frames(c);
}

/* writev without SIGPIPE: a peer that went away must not kill the process. */
static ssize_t send_iov(int fd, struct iovec *iov, int n, int flags)
{
	struct msghdr msg = {0};

	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	return sendmsg(fd, &msg, MSG_NOSIGNAL | flags);
}

typedef enum io_step { IO_DONE, IO_AGAIN, IO_CLOSED } io_step_t;

/* Sends the file run slot files @p f stopped at (the head slot's); closes its fd once sent. */
static io_step_t send_run(kafka_conn_t *c, kafka_conn_files_t *f)
{
	const kafka_conn_file_t *run = &f->runs[f->next];

	while (f->sent < run->len) {
		off_t off = (off_t)(run->pos + f->sent);
		size_t want = run->len - f->sent;
		ssize_t n;

		if (want > SENDFILE_MAX)
			want = SENDFILE_MAX;
		n = sendfile(c->fd, run->fd, &off, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->want_out = true;
			return IO_AGAIN;
		}
		if (n <= 0) {
			char why[112];

			/* part of the frame is out: the only way to tell the client is to close */
			snprintf(why, sizeof(why), "sendfile of stored records: %s",
				 n < 0 ? strerror(errno) : "the file ended before the range");
			kafka_conn_close(c, why);
			return IO_CLOSED;
		}
		f->sent += (size_t)n;
	}
	close(run->fd);
	f->next++;
	f->sent = 0;
	return IO_DONE;
}

/*
 * Retires the slots that @p w more written bytes complete (and empty acks=0
 * slots); stops at a slot whose next file run is due. Returns false when the
 * connection was closed.
 */
static bool retire(kafka_conn_t *c, size_t w)
{
	while (c->qhead && c->qhead->ready && !c->qhead->broken) {
		kafka_req_t *r = c->qhead;
		kafka_conn_files_t *f = c->files ? files_of(c, r) : NULL;
		size_t stop = r->resp ? mem_stop(r, f) : 0;
		size_t left = r->resp ? stop - r->resp_sent : 0;
		bool last;

		if (w < left) {
			r->resp_sent += w;
			return true;
		}
		w -= left;
		if (r->resp)
			r->resp_sent = stop;
		if (f && f->next < f->count)
			return true; /* its file run goes next */
		if (f)
			files_unlink(c, f);
		queue_pop(c);
		r->conn = NULL;
		last = r == c->close_after;
		kafka_req_unref(r);
		if (last) {
			kafka_conn_close(c, "SASL authentication refused (answer written)");
			return false;
		}
		if (w == 0 && c->qhead && c->qhead->ready && c->qhead->resp)
			return true;
	}
	return true;
}

/*
 * Gathers the memory bytes of ready slots from the head into @p iov, up to
 * the first file run; *more is set when one follows. Returns the count, or
 * -1 when the head slot is broken (the connection was closed).
 */
static int gather(kafka_conn_t *c, struct iovec *iov, bool *more)
{
	int n = 0;

	*more = false;
	for (kafka_req_t *r = c->qhead; r && r->ready && n < WRITE_IOV; r = r->next) {
		kafka_conn_files_t *f;
		size_t stop;

		if (r->broken) {
			if (r == c->qhead) {
				kafka_conn_close(c, "could not build a response");
				return -1;
			}
			break;
		}
		if (!r->resp)
			continue;
		f = c->files ? files_of(c, r) : NULL;
		stop = mem_stop(r, f);
		if (stop > r->resp_sent) {
			iov[n].iov_base = r->resp + r->resp_sent;
			iov[n].iov_len = stop - r->resp_sent;
			n++;
		}
		if (f && f->next < f->count) {
			*more = true;
			break;
		}
	}
	return n;
}

/* Writes ready slots from the head; returns false when the connection was closed. */
static bool write_ready(kafka_conn_t *c)
{
	while (c->qhead && c->qhead->ready && !c->closed) {
		kafka_req_t *h = c->qhead;
		kafka_conn_files_t *hf = c->files && !h->broken ? files_of(c, h) : NULL;
		struct iovec iov[WRITE_IOV];
		bool more;
		int n;
		ssize_t w;

		if (hf && hf->next < hf->count && h->resp_sent == hf->runs[hf->next].at) {
			io_step_t st = send_run(c, hf);

			if (st != IO_DONE)
				return st == IO_AGAIN;
			if (!retire(c, 0))
				return false;
			continue;
		}
		n = gather(c, iov, &more);
		if (n < 0)
			return false;
		/* MSG_MORE: the file run that follows fills the same segments */
		w = n ? send_iov(c->fd, iov, n, more ? MSG_MORE : 0) : 0;
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->want_out = true;
				return true;
			}
			if (errno == EINTR)
				continue;
			kafka_conn_close(c, strerror(errno));
			return false;
		}
		if (!retire(c, (size_t)w))
			return false;
	}
	c->want_out = false;
	return true;
}

/* Writes what is ready, resumes reading when the queue shrank, repeats while that helps. */
static void pump(kafka_conn_t *c)
{
	for (int round = 0; round < 4 && !c->closed; round++) {
		size_t before = c->inflight;

		if (!write_ready(c))
			return;
		if (c->paused && !full(c)) {
			c->paused = false;
			parse_frames(c);
		}
		if (c->closed || c->inflight == before || c->want_out)
			break;
	}
	if (!c->closed && update_events(c) != 0)
		kafka_conn_close(c, "epoll_ctl failed");
}

void kafka_conn_on_event(kafka_conn_t *c, uint32_t events)
{
	if (c->closed)
		return;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		if (!c->paused || (events & (EPOLLERR | EPOLLHUP)))
			on_readable(c);
	}
	if (!c->closed)
		pump(c);
}

void kafka_conn_mark_dirty(kafka_conn_t *c)
{
	if (c->dirty || c->closed)
		return;
	c->dirty = true;
	c->dirty_next = c->env->dirty;
	c->env->dirty = c;
}

void kafka_conn_flush_dirty(kafka_env_t *env)
{
	while (env->dirty) {
		kafka_conn_t *c = env->dirty;

		env->dirty = c->dirty_next;
		c->dirty_next = NULL;
		c->dirty = false;
		if (!c->closed)
			pump(c);
	}
}

void kafka_conn_flush(kafka_conn_t *c)
{
	if (!c->closed)
		(void)write_ready(c);
}

void kafka_conn_close(kafka_conn_t *c, const char *why)
{
	kafka_req_t *req;

	if (c->closed)
		return;
	c->closed = true;
	c->close_after = NULL;
	/* before the slots go: the runs live in their requests' arenas */
	for (kafka_conn_files_t *f = c->files; f; f = f->link)
		files_drop(f);
	c->files = NULL;
	if (why)
		log_warn("kafka: closing connection from %s: %s", c->peer, why);
	else
		log_debug("kafka: %s closed the connection", c->peer);
	(void)epoll_ctl(c->env->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	while ((req = queue_pop(c))) {
		req->conn = NULL;
		if (!req->ready && req->ops && req->ops->cancel)
			req->ops->cancel(req);
		kafka_req_timer_clear(req);
		kafka_req_unref(req);
	}
	mem_free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	list_unlink(&c->env->conns, c);
	list_push(&c->env->closed, c);
}

void kafka_conn_reap(kafka_env_t *env)
{
	kafka_conn_t *c;

	/* dirty entries of closed connections must go before the memory does */
	kafka_conn_flush_dirty(env);
	while ((c = env->closed)) {
		list_unlink(&env->closed, c);
		mem_free(c);
	}
}
