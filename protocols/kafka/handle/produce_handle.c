/*
 * Produce. For each partition the records field is split into its record
 * batches, and every batch is checked (rb_check, rb_validate_records, the
 * hub's batch limit) before any is appended, so a bad batch leaves its
 * partition untouched. part_append rewrites each batch in place (base
 * offset, LogAppendTime, CRC): the batches live in the request's own
 * writable frame copy. The answer (acks 1 or -1) waits for every append's
 * completion, because an acknowledgement means on disk (DESIGN.md §4);
 * acks=0 frees the response slot at once and the appends finish on their
 * own.
 *
 * Invariants: st->pending counts appends whose completion has not run; each
 * holds one request reference and one env->pending_appends, so the request
 * outlives its connection until the last completion ran, and the server
 * does not go away under a completion. Completions run on the flusher
 * thread and only post their own node to the loop's mailbox.
 *
 * Idempotent producers: part_append checks a batch with a producer id
 * against the partition's producer state. An exact retry of a durable batch
 * (TRIB_ERR_EXISTS) is answered with its original base offset and error 0,
 * as Kafka does, with nothing appended and no completion to wait for; a
 * producer id InitProducerId never gave out gets UNKNOWN_PRODUCER_ID before
 * anything is appended. Other producer errors map through kafka_err.c
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID,
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND for a retry whose original is not yet
 * durable: retriable, the client sends it again).
 *
 * Produce v0-2 carry message sets (magic 0 and 1): msgset_to_batch
 * checks the whole set and up-converts it to one RecordBatch v2, which is
 * checked against the size limit and appended like any other batch (the
 * storage holds v2 only, DESIGN.md §3). A v0-2 request that already
 * carries magic 2 batches takes the v3 path, as Kafka accepts it.
 *
 * Codec generated from api/produce.def (v9+ flexible). current_leader and
 * node_endpoints (v10+, KIP-951) stay at their defaults and so are never
 * written: they only accompany NOT_LEADER_OR_FOLLOWER, and this broker
 * leads every partition. v11 only adds TRANSACTION_ABORTABLE, which needs
 * transactions.
 *
 * Not done: transactional producers (transactional and control batches are
 * refused with INVALID_RECORD); timeout_ms is ignored (Kafka only uses it
 * for replication, which does not exist here).
 */
#include "produce_handle.h"

#include <stddef.h>

#include "api/produce.h"
#include "hub.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"
#include "msgset.h"
#include "pidm.h"
#include "rb.h"
#include "rbz.h"

typedef struct prod_state prod_state_t;

/* One part_append in flight. */
typedef struct prod_append {
	kafka_wake_t wake; /* first: the mailbox hands this back */
	prod_state_t *st;
	kafka_produce_partition_resp_t *r;
} prod_append_t;

struct prod_state {
	kafka_req_t *req;
	kafka_produce_resp_t resp;
	int pending;    /* appends not completed */
	bool no_answer; /* acks=0 */
};

static void append_done(void *arg, trib_err_t err)
{
	prod_append_t *a = arg;

	kafka_wake_post(&a->wake, err);
}

static void answer(prod_state_t *st)
{
	if (!st->no_answer)
		(void)kafka_req_respond(st->req, kafka_produce_resp_write, &st->resp);
}

static void append_run(kafka_wake_t *w)
{
	prod_append_t *a = (prod_append_t *)w;
	prod_state_t *st = a->st;
	kafka_req_t *req = st->req;

	if (w->err) {
		log_warn("kafka: append failed after acceptance: %s", trib_strerror(w->err));
		if (!a->r->error_code)
			a->r->error_code = kafka_err_from_trib(w->err, KAFKA_CTX_RECORDS);
	}
	req->env->pending_appends--;
	if (--st->pending == 0)
		answer(st);
	kafka_req_unref(req);
}

/* Largest batch a producer may send to @hub, log overhead included (max.message.bytes). */
static uint32_t max_batch_bytes(const kafka_env_t *env, const hub_t *hub)
{
	int32_t hub_max = hub_max_message_bytes(hub);

	return hub_max >= 0 ? (uint32_t)hub_max : env->max_message_bytes;
}

/*
 * Checks every batch in @records (each at most the hub's max.message.bytes,
 * log overhead included, as Kafka compares, or, when the hub keeps the
 * default, the server's message.max.bytes); returns 0 and the batch count, or the
 * Kafka error for the partition. Compressed batches (gzip, snappy, lz4,
 * zstd) are decompressed by rb_validate_records only to be checked and are
 * stored as sent; codecs 5-7 give UNSUPPORTED_COMPRESSION_TYPE, and so does
 * zstd before Produce v7, as Kafka answers (KIP-110).
 */
static int16_t check_batches(const kafka_env_t *env, const hub_t *hub, int16_t version,
			     trib_slice_t records, int *count)
{
	uint32_t max_bytes = max_batch_bytes(env, hub);
	size_t pos = 0;

	*count = 0;
	if (!records.ptr || records.len == 0)
		return KAFKA_ERR_CORRUPT_MESSAGE;
	while (pos < records.len) {
		const uint8_t *b = records.ptr + pos;
		size_t left = records.len - pos;
		int32_t blen;
		size_t size;
		rb_header_t h;
		trib_err_t err;

		if (left < RB_LOG_OVERHEAD)
			return KAFKA_ERR_CORRUPT_MESSAGE;
		blen = (int32_t)wire_load_u32(b + 8);
		if (blen < 0 || (size_t)blen > left - RB_LOG_OVERHEAD)
			return KAFKA_ERR_CORRUPT_MESSAGE;
		size = RB_LOG_OVERHEAD + (size_t)blen;
		err = rb_check(b, size, &h);
		/* magic other than 2: Produce v3+ carries only 2 */
		if (err == TRIB_ERR_UNSUPPORTED)
			return KAFKA_ERR_CORRUPT_MESSAGE;
		/* no transactions here (no InitProducerId) */
		if (!err && (h.attributes & (RB_ATTR_TRANSACTIONAL | RB_ATTR_CONTROL)))
			return KAFKA_ERR_INVALID_RECORD;
		if (!err && (h.attributes & RB_ATTR_COMPRESSION_MASK) == RBZ_ZSTD && version < 7)
			return KAFKA_ERR_UNSUPPORTED_COMPRESSION_TYPE;
		if (!err)
			err = rb_validate_records(b, size, &h);
		if (err)
			return kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
		if (size > max_bytes)
			return KAFKA_ERR_MESSAGE_TOO_LARGE;
		if (h.producer_id >= 0 && env->producer_ids &&
		    !pidm_issued(env->producer_ids, h.producer_id))
			return KAFKA_ERR_UNKNOWN_PRODUCER_ID;
		pos += size;
		(*count)++;
	}
	return KAFKA_ERR_NONE;
}

/* Appends the checked batches of one partition, in order, stopping at the first failure. */
static void append_partition(prod_state_t *st, part_t *p, trib_slice_t records,
			     kafka_produce_partition_resp_t *r)
{
	kafka_req_t *req = st->req;
	/* the frame is the request's own writable copy; records points into it */
	uint8_t *b = (uint8_t *)records.ptr;
	uint8_t *end = b + records.len;

	while (b < end) {
		size_t size = RB_LOG_OVERHEAD + (size_t)(int32_t)wire_load_u32(b + 8);
		prod_append_t *a = kafka_arena_alloc(&req->arena, sizeof(*a));
		int64_t base = -1;
		trib_err_t err;

		if (!a) {
			r->error_code = KAFKA_ERR_UNKNOWN_SERVER_ERROR;
			return;
		}
		kafka_wake_init(&a->wake, &req->env->wq, append_run);
		a->st = st;
		a->r = r;
		err = part_append(p, b, size, append_done, a, &base);
		if (err && err != TRIB_ERR_EXISTS) {
			r->error_code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
			return;
		}
		/* EXISTS: a retried idempotent batch, already durable at base */
		if (!err) {
			st->pending++;
			req->env->pending_appends++;
			kafka_req_ref(req);
		}
		if (r->base_offset < 0) {
			r->base_offset = base;
			r->log_append_time_ms = (int64_t)wire_load_u64(b + 35);
		}
		b += size;
	}
}

/*
 * Produce v0-2: the message set @records becomes one RecordBatch v2
 * (owned here, freed once part_append has copied it) appended as v3+
 * batches are.
 */
static void append_msgset(prod_state_t *st, const hub_t *hub, part_t *p, trib_slice_t records,
			  kafka_produce_partition_resp_t *r)
{
	msgset_batch_t mb;
	trib_err_t err;

	if (!records.ptr || records.len == 0) {
		r->error_code = KAFKA_ERR_CORRUPT_MESSAGE;
		return;
	}
	err = msgset_to_batch(records.ptr, records.len, &mb);
	if (err) {
		r->error_code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
		return;
	}
	if (mb.len > max_batch_bytes(st->req->env, hub))
		r->error_code = KAFKA_ERR_MESSAGE_TOO_LARGE;
	else
		append_partition(st, p, (trib_slice_t){mb.batch, mb.len}, r);
	msgset_batch_free(&mb);
}

/* Magic 0 or 1 (a message set) at the magic byte both formats share (offset 16). */
static bool is_msgset(trib_slice_t records)
{
	return records.ptr && records.len > 16 && records.ptr[16] < 2;
}

static void produce_partition(prod_state_t *st, hub_t *hub,
			      const kafka_produce_partition_data_t *q,
			      kafka_produce_partition_resp_t *r)
{
	part_t *p = hub ? hub_partition(hub, q->index) : NULL;
	int batches = 0;

	r->index = q->index;
	r->base_offset = -1;
	r->log_append_time_ms = -1;
	r->log_start_offset = -1;
	r->current_leader = (kafka_produce_current_leader_t){-1, -1};
	if (st->req->reject) {
		r->error_code = st->req->reject;
		return;
	}
	if (!p) {
		r->error_code = KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		return;
	}
	if (st->req->hdr.api_version < 3 && is_msgset(q->records)) {
		append_msgset(st, hub, p, q->records, r);
	} else {
		r->error_code = check_batches(st->req->env, hub, st->req->hdr.api_version,
					      q->records, &batches);
		if (!r->error_code)
			append_partition(st, p, q->records, r);
	}
	/* as Kafka: no log append time for a CreateTime topic, the producer's timestamps stand */
	if (hub_timestamp_type(hub) == TCFG_TS_CREATE_TIME)
		r->log_append_time_ms = -1;
	r->log_start_offset = part_log_start(p);
	if (r->error_code)
		r->error_message = slice_from_cstr(kafka_err_name(r->error_code));
}

/* Every partition of a topic the connection may not send to: TOPIC_AUTHORIZATION_FAILED. */
static void deny_topic(const kafka_produce_topic_data_t *t, kafka_produce_topic_resp_t *rt)
{
	for (int32_t j = 0; j < t->partition_data_count; j++) {
		kafka_produce_partition_resp_t *r = &rt->partition_responses[j];

		r->index = t->partition_data[j].index;
		r->base_offset = r->log_append_time_ms = r->log_start_offset = -1;
		r->current_leader = (kafka_produce_current_leader_t){-1, -1};
		r->error_code = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
		r->error_message = slice_from_cstr(kafka_err_name(r->error_code));
	}
}

trib_err_t kafka_produce_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_produce_req_t q;
	prod_state_t *st;
	trib_err_t err;
	bool bad_acks;

	err = kafka_produce_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	st = kafka_arena_alloc(&req->arena, sizeof(*st));
	if (!st)
		return TRIB_ERR_NOMEM;
	st->req = req;
	req->state = st;
	bad_acks = q.acks != 0 && q.acks != 1 && q.acks != -1;
	if (bad_acks && !req->reject)
		req->reject = KAFKA_ERR_INVALID_REQUIRED_ACKS;
	st->no_answer = q.acks == 0;
	st->resp.responses_count = q.topic_data_count;
	st->resp.responses = kafka_arena_calloc(&req->arena, (size_t)q.topic_data_count,
						sizeof(*st->resp.responses));
	if (!st->resp.responses)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.topic_data_count; i++) {
		const kafka_produce_topic_data_t *t = &q.topic_data[i];
		kafka_produce_topic_resp_t *rt = &st->resp.responses[i];

		rt->name = t->name;
		rt->partition_responses_count = t->partition_data_count;
		rt->partition_responses = kafka_arena_calloc(&req->arena,
							     (size_t)t->partition_data_count,
							     sizeof(*rt->partition_responses));
		if (!rt->partition_responses) {
			/* appends may have started: answer with an error instead of closing */
			rt->partition_responses_count = 0;
			continue;
		}
		if (!req->reject && !kafka_sasl_req_allows(req, t->name, AUTH_SEND)) {
			deny_topic(t, rt);
			continue;
		}
		hub_t *hub = req->reject ? NULL : ns_hub_find(req->env->ns, t->name);

		for (int32_t j = 0; j < t->partition_data_count; j++)
			produce_partition(st, hub, &t->partition_data[j],
					  &rt->partition_responses[j]);
	}
	if (st->no_answer)
		kafka_req_respond_none(req);
	else if (st->pending == 0)
		answer(st);
	return TRIB_OK;
}
