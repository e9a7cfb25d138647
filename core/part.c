/*
 * Partitions. The core checks every batch before storage sees it, so a
 * head's bug cannot put a malformed batch in the log. Storage takes each
 * append time under its log lock (store_append_stamp), so append times
 * never go backwards in offset order and time lookups can bisect; under
 * LogAppendTime it also stamps the batch there, under CreateTime it keeps
 * the batch as sent and indexes the append time. The policy (timestamp
 * type here, retention and segment sizes in storage) is set by the hub.
 * Waiters live on a list guarded by wlock; the storage flusher calls
 * on_durable, which fires and unlinks the waiters below the new end under
 * that same lock (STYLE.md §8).
 * Idempotent producers (core/pstate.h): a batch with a producer id is
 * checked and appended under plock, so two retries of one batch cannot
 * both pass the check; plock is taken before the storage log lock, never
 * after. The producer state is rebuilt at open from the stored headers.
 */
#include "part.h"

#include <pthread.h>
#include <stdatomic.h>

#include "log.h"
#include "mem.h"
#include "pstate.h"
#include "rb.h"

struct part {
	int32_t id;
	uint32_t max_batch_bytes;
	store_log_t *log;
	_Atomic int ts_type; /* part_ts_type_t */
	pthread_mutex_t wlock;
	part_waiter_t *waiters;
	pthread_mutex_t plock; /* producer state: check + append of idempotent batches */
	pstate_t *producers;
};

static store_stamp_t stamp_of(const part_t *p)
{
	return atomic_load(&p->ts_type) == PART_TS_CREATE ? STORE_STAMP_CREATE
							  : STORE_STAMP_LOG_APPEND;
}

static void on_durable(void *arg, int64_t end)
{
	part_t *p = arg;
	part_waiter_t *w, *next;

	pthread_mutex_lock(&p->wlock);
	for (w = p->waiters; w; w = next) {
		next = w->next;
		if (w->offset >= end)
			continue;
		if (w->prev)
			w->prev->next = w->next;
		else
			p->waiters = w->next;
		if (w->next)
			w->next->prev = w->prev;
		w->prev = w->next = NULL;
		w->armed = false;
		w->wake(w->arg);
	}
	pthread_mutex_unlock(&p->wlock);
}

/* Records the idempotent batches of one range found by store_read; *next gets the offset after. */
static trib_err_t replay_range(part_t *p, const store_range_t *r, int64_t *next)
{
	uint64_t pos = r->pos;
	size_t left = r->len;

	while (left > 0) {
		uint8_t b[RB_HEADER_SIZE];
		store_range_t one = *r;
		rb_header_t h;
		trib_err_t err;

		one.pos = pos;
		one.len = sizeof(b);
		if (left < sizeof(b))
			return TRIB_ERR_CORRUPT;
		err = store_read_copy(&one, b);
		if (!err)
			err = rb_header_parse(b, sizeof(b), &h);
		if (!err && rb_size(&h) > left)
			err = TRIB_ERR_CORRUPT;
		if (err)
			return err;
		if (h.producer_id >= 0 && !(h.attributes & RB_ATTR_CONTROL)) {
			err = pstate_reserve(p->producers, h.producer_id);
			if (err)
				return err;
			pstate_record(p->producers, &h, h.base_offset, h.max_timestamp);
		}
		*next = h.base_offset + h.last_offset_delta + 1;
		pos += rb_size(&h);
		left -= rb_size(&h);
	}
	return TRIB_OK;
}

/*
 * Rebuilds the producer state from every stored batch header (one 61-byte
 * read per batch). Kafka keeps snapshots to bound this; we scan the log.
 */
static trib_err_t replay_producers(part_t *p, const char *hub_name)
{
	int64_t offset = store_start(p->log);
	int64_t end = store_durable_end(p->log);

	while (offset < end) {
		store_range_t r;
		int64_t next = offset;
		trib_err_t err = store_read(p->log, offset, 1u << 20, &r);

		if (!err && r.len == 0)
			break;
		if (!err)
			err = replay_range(p, &r, &next);
		if (!err && next <= offset)
			err = TRIB_ERR_CORRUPT;
		if (err) {
			log_error("%s/%d: cannot rebuild the producer state at offset %lld: %s",
				  hub_name, p->id, (long long)offset, trib_strerror(err));
			return err;
		}
		offset = next;
	}
	return TRIB_OK;
}

trib_err_t part_open(store_t *store, const char *hub_name, int32_t id, uint32_t max_batch_bytes,
		     part_t **out)
{
	part_t *p = mem_calloc(MEM_CORE, 1, sizeof(*p));
	trib_err_t err;

	if (!p)
		return TRIB_ERR_NOMEM;
	p->id = id;
	p->max_batch_bytes = max_batch_bytes;
	pthread_mutex_init(&p->wlock, NULL);
	pthread_mutex_init(&p->plock, NULL);
	err = pstate_new(&p->producers);
	if (!err)
		err = store_log_open(store, hub_name, id, on_durable, p, &p->log);
	if (!err)
		err = replay_producers(p, hub_name);
	if (err) {
		pstate_free(&p->producers);
		pthread_mutex_destroy(&p->plock);
		pthread_mutex_destroy(&p->wlock);
		mem_free(p);
		return err;
	}
	atomic_store(&p->ts_type, PART_TS_LOG_APPEND);
	*out = p;
	return TRIB_OK;
}

void part_close(part_t **pp)
{
	part_t *p = pp ? *pp : NULL;

	if (!p)
		return;
	pstate_free(&p->producers);
	pthread_mutex_destroy(&p->plock);
	pthread_mutex_destroy(&p->wlock);
	mem_free(p);
	*pp = NULL;
}

/*
 * A retry of a stored batch gets its original offset; the request's copy is
 * rewritten to equal the stored bytes (base offset, append time, CRC), so
 * the head reads the same header back. A retry of a batch not yet durable
 * gets TRIB_ERR_AGAIN: answering it now would acknowledge data not on disk.
 */
static trib_err_t answer_duplicate(part_t *p, uint8_t *batch, size_t len,
				   const pstate_batch_t *dup, int64_t *base_offset)
{
	if (dup->base_offset + dup->last_offset_delta >= part_high_watermark(p))
		return TRIB_ERR_AGAIN;
	rb_set_base_offset(batch, dup->base_offset);
	/* CreateTime stored the retry's bytes as they are */
	if (stamp_of(p) == STORE_STAMP_LOG_APPEND)
		rb_stamp_append_time(batch, len, dup->append_time);
	*base_offset = dup->base_offset;
	return TRIB_ERR_EXISTS;
}

static trib_err_t append_idempotent(part_t *p, uint8_t *batch, size_t len, const rb_header_t *h,
				    part_done_fn done, void *arg, int64_t *base_offset)
{
	pstate_batch_t dup;
	int64_t ts;
	trib_err_t err;

	pthread_mutex_lock(&p->plock);
	err = pstate_check(p->producers, h, &dup);
	if (err == TRIB_ERR_EXISTS)
		err = answer_duplicate(p, batch, len, &dup, base_offset);
	else if (!err)
		err = pstate_reserve(p->producers, h->producer_id);
	if (!err) {
		err = store_append_stamp(p->log, batch, len, stamp_of(p), done, arg, base_offset,
					 &ts);
		if (!err)
			pstate_record(p->producers, h, *base_offset, ts);
	}
	pthread_mutex_unlock(&p->plock);
	return err;
}

trib_err_t part_append(part_t *p, uint8_t *batch, size_t len, part_done_fn done, void *arg,
		       int64_t *base_offset)
{
	rb_header_t h;
	trib_err_t err;

	if (len > p->max_batch_bytes)
		return TRIB_ERR_TOO_LARGE;
	err = rb_check(batch, len, &h);
	if (!err && (h.attributes & (RB_ATTR_TRANSACTIONAL | RB_ATTR_CONTROL)))
		err = TRIB_ERR_UNSUPPORTED;
	if (!err)
		err = rb_validate_records(batch, len, &h);
	if (err)
		return err;
	/* stamped as a Kafka leader stamps its epoch: readers see one epoch for every offset */
	rb_set_leader_epoch(batch, PART_LEADER_EPOCH);
	if (h.producer_id >= 0)
		return append_idempotent(p, batch, len, &h, done, arg, base_offset);
	return store_append_stamp(p->log, batch, len, stamp_of(p), done, arg, base_offset, NULL);
}

void part_set_policy(part_t *p, const part_policy_t *pol)
{
	store_policy_t sp = {
		.retention_ms = pol->retention_ms < 0 ? -1 : pol->retention_ms,
		.retention_bytes = pol->retention_bytes < 0 ? -1 : pol->retention_bytes,
		.segment_bytes = pol->segment_bytes > 0 ? (uint64_t)pol->segment_bytes : 0,
		.segment_ms = pol->segment_ms > 0 ? pol->segment_ms : -1,
	};

	atomic_store(&p->ts_type, pol->timestamp_type == PART_TS_CREATE ? PART_TS_CREATE
									: PART_TS_LOG_APPEND);
	store_log_set_policy(p->log, &sp);
}

size_t part_producers(part_t *p, pstate_producer_t *out, size_t cap)
{
	size_t n;

	pthread_mutex_lock(&p->plock);
	n = pstate_list(p->producers, out, cap);
	pthread_mutex_unlock(&p->plock);
	return n;
}

int32_t part_id(const part_t *p)
{
	return p->id;
}

int64_t part_high_watermark(const part_t *p)
{
	return store_durable_end(p->log);
}

int64_t part_log_start(part_t *p)
{
	return store_start(p->log);
}

trib_err_t part_delete_records(part_t *p, int64_t offset, int64_t *log_start)
{
	return store_set_start(p->log, offset, log_start);
}

int64_t part_last_append_time(const part_t *p)
{
	return store_last_append_time(p->log);
}

trib_err_t part_read(part_t *p, int64_t offset, size_t max_bytes, store_range_t *range)
{
	return store_read(p->log, offset, max_bytes, range);
}

trib_err_t part_read_copy(part_t *p, const store_range_t *range, uint8_t *dst)
{
	(void)p;
	return store_read_copy(range, dst);
}

void part_range_hold(part_t *p, const store_range_t *range)
{
	(void)p;
	store_range_hold(range);
}

void part_range_release(part_t *p, const store_range_t *range)
{
	(void)p;
	store_range_release(range);
}

int64_t part_offset_for_time(part_t *p, int64_t ts_ms)
{
	return store_offset_for_time(p->log, ts_ms);
}

int64_t part_offset_for_append_time(part_t *p, int64_t ts_ms)
{
	return store_offset_for_append_time(p->log, ts_ms);
}

int64_t part_batch_append_time(part_t *p, const rb_header_t *h)
{
	int64_t ms;

	if (h->attributes & RB_ATTR_LOG_APPEND_TIME)
		return h->max_timestamp;
	if (store_batch_append_time(p->log, h->base_offset, &ms) != TRIB_OK)
		return h->max_timestamp; /* untimed segment, or gone past its grace period */
	return ms;
}

bool part_wait(part_t *p, part_waiter_t *w)
{
	bool armed = false;

	pthread_mutex_lock(&p->wlock);
	if (!w->armed && part_high_watermark(p) <= w->offset) {
		w->prev = NULL;
		w->next = p->waiters;
		if (p->waiters)
			p->waiters->prev = w;
		p->waiters = w;
		w->armed = true;
	}
	armed = w->armed;
	pthread_mutex_unlock(&p->wlock);
	return armed;
}

void part_unwait(part_t *p, part_waiter_t *w)
{
	pthread_mutex_lock(&p->wlock);
	if (w->armed) {
		if (w->prev)
			w->prev->next = w->next;
		else
			p->waiters = w->next;
		if (w->next)
			w->next->prev = w->prev;
		w->prev = w->next = NULL;
		w->armed = false;
	}
	pthread_mutex_unlock(&p->wlock);
}
