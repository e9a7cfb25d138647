/*
 * Requests. Invariants: refs counts the connection's slot plus every
 * outstanding completion; a request is on env->timers exactly when timed is
 * true; a request is never freed while timed (cancel and timeout paths
 * clear the timer first).
 */
#include "kafka_req.h"

#include <time.h>

#include "kafka_conn.h"
#include "log.h"
#include "mem.h"

kafka_req_t *kafka_req_new(kafka_env_t *env, kafka_conn_t *conn, uint8_t *frame, size_t len)
{
	kafka_req_t *req = mem_calloc(MEM_KAFKA, 1, sizeof(*req));

	if (!req) {
		mem_free(frame);
		return NULL;
	}
	req->env = env;
	req->conn = conn;
	req->frame = frame;
	req->frame_len = len;
	req->refs = 1;
	kafka_arena_init(&req->arena);
	return req;
}

void kafka_req_ref(kafka_req_t *req)
{
	req->refs++;
}

void kafka_req_unref(kafka_req_t *req)
{
	if (--req->refs > 0)
		return;
	if (req->timed) {
		log_error("kafka: request %d freed while timed", req->hdr.correlation_id);
		kafka_req_timer_clear(req);
	}
	kafka_arena_free(&req->arena);
	mem_free(req->frame);
	mem_free(req->resp);
	mem_free(req);
}

static void mark_ready(kafka_req_t *req)
{
	req->ready = true;
	if (req->conn)
		kafka_conn_mark_dirty(req->conn);
}

trib_err_t kafka_req_respond_as(kafka_req_t *req, int hdr_version, int16_t version,
				kafka_body_fn fn, const void *body)
{
	trib_err_t err = TRIB_OK;

	if (req->conn) {
		err = kafka_frame_response(req->hdr.correlation_id, hdr_version, fn, version, body,
					   &req->resp, &req->resp_len);
		if (err)
			req->broken = true;
	}
	mark_ready(req);
	return err;
}

trib_err_t kafka_req_respond(kafka_req_t *req, kafka_body_fn fn, const void *body)
{
	int hv = kafka_frame_resp_hdr_version(req->hdr.api_key, req->flexible);

	return kafka_req_respond_as(req, hv, req->hdr.api_version, fn, body);
}

void kafka_req_respond_none(kafka_req_t *req)
{
	mark_ready(req);
}

void kafka_req_timer_set(kafka_req_t *req, int64_t deadline_ms)
{
	kafka_env_t *env = req->env;

	req->deadline_ms = deadline_ms;
	if (req->timed)
		return;
	req->timed = true;
	req->tprev = NULL;
	req->tnext = env->timers;
	if (env->timers)
		env->timers->tprev = req;
	env->timers = req;
}

void kafka_req_timer_clear(kafka_req_t *req)
{
	if (!req->timed)
		return;
	if (req->tprev)
		req->tprev->tnext = req->tnext;
	else
		req->env->timers = req->tnext;
	if (req->tnext)
		req->tnext->tprev = req->tprev;
	req->tprev = req->tnext = NULL;
	req->timed = false;
}

int kafka_env_timeout_ms(const kafka_env_t *env)
{
	int64_t best = -1;

	for (const kafka_req_t *r = env->timers; r; r = r->tnext) {
		int64_t left = r->deadline_ms - env->now_ms;

		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT32_MAX ? INT32_MAX : (int)best;
}

void kafka_env_run_timers(kafka_env_t *env)
{
	kafka_req_t *r = env->timers;

	/* restart after each expiry: a timeout callback may clear other timers */
	while (r) {
		if (r->deadline_ms > env->now_ms) {
			r = r->tnext;
			continue;
		}
		kafka_req_timer_clear(r);
		if (r->ops && r->ops->timeout)
			r->ops->timeout(r);
		r = env->timers;
	}
}

int64_t kafka_env_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
