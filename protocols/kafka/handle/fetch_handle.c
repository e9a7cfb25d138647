/*
 * Fetch with long polling. evaluate() looks at every requested partition in
 * request order: part_read finds the durable batches from the fetch offset
 * (at most partition_max_bytes, and within what is left of max_bytes,
 * except that the first batch of the response is always whole, KIP-74). If
 * the total reaches min_bytes, max_wait_ms is 0, or a partition has an
 * error, the answer goes out now; otherwise a waiter is armed on every
 * readable partition (woken when its high watermark passes the one just
 * seen) and a timer at max_wait_ms. Whichever comes first re-evaluates.
 * The answer copies each range once from storage into the response buffer
 * (the kafka_records_t copy callback); a copy that fails is answered
 * KAFKA_STORAGE_ERROR.
 * In an answer whose ranges of KAFKA_FETCH_SENDFILE_MIN bytes or more add
 * up to KAFKA_FETCH_SENDFILE_ANSWER, those ranges are not copied when the
 * connection can sendfile (kafka_conn_sendfile_ok): the copy callback only
 * notes where the encoder left room for them (the hole), place_records cuts
 * the holes out of the response and hands the ranges to the connection as
 * file runs. A range that fails there is no longer answerable: the
 * connection closes. Why by answer size (bench/run-consume.sh, 3 librdkafka
 * consumers on the gateway's 2 CPUs, same stored bytes): with ~8 MB answers
 * the copy needs a fresh 8 MB buffer each time, whose page faults and
 * zeroing cost the gateway 2.5 times the CPU, and sendfile reads 29 % faster;
 * with ~2 MB answers (librdkafka's and Java's default 1 MiB per partition)
 * the buffer is reused, and the copy reads 34 % faster: a consumer on the
 * same host then copies out of skbs the gateway just wrote (in cache)
 * instead of out of page-cache pages (from memory), ~0.18 s less CPU per
 * GiB for the consumers. The big-answer rule also bounds the memory a
 * copied answer holds.
 *
 * Invariants: while pending, every armed waiter belongs to this request and
 * is disarmed (part_unwait) before the request can be answered, cancelled
 * or freed; after disarming, the request's mailbox node is cancelled too,
 * so no wake-up can reach freed memory. Waiters only post that one node.
 *
 * No fetch sessions: session_id 0 in answers, forgotten topics and rack id
 * ignored. aborted_transactions is empty and last_stable_offset is the high
 * watermark (no transactions); preferred_read_replica -1.
 *
 * Versions (codec generated from api/fetch.def, flexible from v12): v13+
 * name topics by id (KIP-516, ns_hub_find_by_id; an unknown id is answered
 * UNKNOWN_TOPIC_ID in every partition, the id echoed). Leader epochs: every
 * offset lies in one epoch, KAFKA_LEADER_EPOCH, from the log start to the
 * high watermark (as OffsetForLeaderEpoch answers), so current_leader_epoch
 * (v9+) is fenced as Kafka does (older: FENCED_LEADER_EPOCH, newer:
 * UNKNOWN_LEADER_EPOCH) and last_fetched_epoch (v12+) is checked as Kafka's
 * divergence detection: a fetch offset past the end of that epoch gets
 * diverging_epoch {epoch, end} and no records, an epoch newer than ours
 * OFFSET_OUT_OF_RANGE; both answer at once. The other tagged fields
 * (current_leader, snapshot_id, node_endpoints) stay unset: they only go
 * with errors this single leader never has. Followers' fields
 * (replica_state, replica_directory_id, cluster_id) are ignored.
 */
#include "fetch_handle.h"

#include <stddef.h>
#include <string.h>

#include "api/fetch.h"
#include "handle/offset_for_leader_epoch_handle.h"
#include "hub.h"
#include "kafka_conn.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "log.h"
#include "mem.h"

/* Largest answer, bytes: Kafka's broker default fetch.max.bytes (55 MiB). */
#define KAFKA_FETCH_MAX_BYTES (55u * 1024 * 1024)
/* Smallest range sent with sendfile; below it one copy costs less than the extra syscalls. */
#define KAFKA_FETCH_SENDFILE_MIN (64u * 1024)
/* Answers with fewer bytes in such ranges are copied whole (see the note at the top). */
#define KAFKA_FETCH_SENDFILE_ANSWER (4u * 1024 * 1024)

typedef struct fetch_state fetch_state_t;

typedef struct fetch_part {
	fetch_state_t *st;
	part_t *part; /* NULL: the partition has an error */
	const kafka_fetch_partition_t *q;
	kafka_fetch_partition_resp_t *r;
	store_range_t range;
	part_waiter_t waiter;
	bool armed;
	bool copy_failed;
	uint8_t *hole; /* where the response has room for the range, to send from the file */
} fetch_part_t;

struct fetch_state {
	kafka_wake_t wake; /* first: the mailbox hands this back */
	kafka_req_t *req;
	kafka_fetch_req_t q;
	kafka_fetch_resp_t resp;
	fetch_part_t *parts;
	int32_t part_count;
	bool copy_failed;
	bool sendfile;           /* large ranges become holes, sent as file runs */
	kafka_conn_files_t files; /* runs in the arena, linked by the connection */
};

static void disarm(fetch_state_t *st)
{
	for (int32_t i = 0; i < st->part_count; i++) {
		fetch_part_t *fp = &st->parts[i];

		if (fp->armed) {
			part_unwait(fp->part, &fp->waiter);
			fp->armed = false;
		}
	}
	/* no waiter can post any more: drop a post already queued */
	(void)kafka_wake_cancel(&st->wake);
}

/* Unset (never written) tagged fields of a partition answer. */
#define EPOCH_END_NONE ((kafka_fetch_epoch_end_offset_t){-1, -1})

/*
 * Kafka's divergence check for a fetch naming its last fetched epoch
 * (v12+): the end of that epoch is our high watermark for ours, the log
 * start for an older one (OffsetForLeaderEpoch's answers). True when the
 * partition is answered now without records: diverging_epoch set, or
 * OFFSET_OUT_OF_RANGE for an epoch we never had.
 */
static bool diverged(const fetch_part_t *fp, kafka_fetch_partition_resp_t *r)
{
	int32_t epoch = fp->q->last_fetched_epoch;
	int64_t end;

	if (epoch < 0)
		return false;
	if (epoch > KAFKA_LEADER_EPOCH) {
		r->error_code = KAFKA_ERR_OFFSET_OUT_OF_RANGE;
		return true;
	}
	end = epoch == KAFKA_LEADER_EPOCH ? r->high_watermark : r->log_start_offset;
	if (end >= fp->q->fetch_offset)
		return false;
	r->diverging_epoch = (kafka_fetch_epoch_end_offset_t){epoch, end};
	return true;
}

/* Looks at every partition; returns the record bytes the answer would carry, *error if any. */
static size_t evaluate(fetch_state_t *st, bool *error)
{
	size_t budget = st->q.max_bytes > 0 ? (size_t)st->q.max_bytes : 0;
	size_t total = 0;

	if (budget > KAFKA_FETCH_MAX_BYTES)
		budget = KAFKA_FETCH_MAX_BYTES;
	*error = false;
	for (int32_t i = 0; i < st->part_count; i++) {
		fetch_part_t *fp = &st->parts[i];
		kafka_fetch_partition_resp_t *r = fp->r;
		size_t limit;
		trib_err_t err;

		fp->range.len = 0;
		r->records.len = 0;
		r->diverging_epoch = EPOCH_END_NONE;
		if (!fp->part) {
			*error = true;
			continue;
		}
		r->error_code = KAFKA_ERR_NONE;
		r->high_watermark = part_high_watermark(fp->part);
		r->last_stable_offset = r->high_watermark;
		r->log_start_offset = part_log_start(fp->part);
		if (diverged(fp, r)) {
			*error = true; /* answered at once, as Kafka does */
			continue;
		}
		limit = fp->q->partition_max_bytes > 0 ? (size_t)fp->q->partition_max_bytes : 0;
		if (limit > budget)
			limit = budget;
		if (fp->q->partition_max_bytes <= 0 || (limit == 0 && total > 0))
			continue;
		err = part_read(fp->part, fp->q->fetch_offset, limit ? limit : 1, &fp->range);
		if (err) {
			fp->range.len = 0;
			r->error_code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);
			*error = true;
			continue;
		}
		if (fp->range.len > limit && total > 0) {
			/* only the first batch of an answer may pass the limits */
			fp->range.len = 0;
			continue;
		}
		r->records.len = fp->range.len;
		total += fp->range.len;
		budget -= fp->range.len < budget ? fp->range.len : budget;
	}
	return total;
}

/* kafka_records_copy_fn: a failure is noted in the partition and the request. */
static void copy_range(const kafka_records_t *rec, uint8_t *dst)
{
	fetch_part_t *fp = rec->src;
	trib_err_t err;

	if (fp->st->sendfile && fp->range.len >= KAFKA_FETCH_SENDFILE_MIN && fp->range.fd >= 0) {
		fp->hole = dst;
		return;
	}
	err = part_read_copy(fp->part, &fp->range, dst);
	if (err) {
		log_warn("kafka: fetch read failed: %s", trib_strerror(err));
		fp->copy_failed = true;
		fp->st->copy_failed = true;
	}
}

/* Copies the ranges left as holes into them (when they cannot go as file runs). */
static void fill_holes(fetch_state_t *st)
{
	st->sendfile = false; /* copy_range copies from now on */
	for (int32_t i = 0; i < st->part_count; i++) {
		fetch_part_t *fp = &st->parts[i];

		if (fp->hole)
			copy_range(&fp->r->records, fp->hole);
	}
}

/*
 * Moves the holes out of req->resp into file runs of the connection: the
 * response keeps only the bytes around them. Parts are in response order
 * (prepare), so the holes ascend. Falls back to fill_holes.
 */
static void place_records(fetch_state_t *st)
{
	kafka_req_t *req = st->req;
	kafka_conn_file_t *runs;
	uint8_t *out;
	size_t n = 0, holes = 0, from = 0, len = 0;

	for (int32_t i = 0; i < st->part_count; i++) {
		n += st->parts[i].hole != NULL;
		holes += st->parts[i].hole ? st->parts[i].range.len : 0;
	}
	if (n == 0)
		return;
	runs = kafka_arena_calloc(&req->arena, n, sizeof(*runs));
	out = runs ? mem_alloc(MEM_KAFKA, req->resp_len - holes) : NULL;
	n = 0;
	for (int32_t i = 0; out && i < st->part_count; i++) {
		fetch_part_t *fp = &st->parts[i];
		size_t at = fp->hole ? (size_t)(fp->hole - req->resp) : 0;

		if (!fp->hole)
			continue;
		memcpy(out + len, req->resp + from, at - from);
		len += at - from;
		runs[n++] = (kafka_conn_file_t){len, fp->range.fd, fp->range.pos, fp->range.len};
		from = at + fp->range.len;
	}
	st->files = (kafka_conn_files_t){.runs = runs, .count = n};
	if (!out || !kafka_conn_send_files(req->conn, req, &st->files)) {
		mem_free(out);
		fill_holes(st);
		return;
	}
	memcpy(out + len, req->resp + from, req->resp_len - from);
	mem_free(req->resp);
	req->resp = out;
	req->resp_len = len + req->resp_len - from;
}

/* Whether the answer's large ranges go as file runs: enough of them, and a connection that can. */
static bool use_sendfile(const fetch_state_t *st)
{
	size_t big = 0;

	for (int32_t i = 0; i < st->part_count; i++) {
		if (st->parts[i].range.len >= KAFKA_FETCH_SENDFILE_MIN)
			big += st->parts[i].range.len;
	}
	return big >= KAFKA_FETCH_SENDFILE_ANSWER && st->req->conn &&
	       kafka_conn_sendfile_ok(st->req->conn);
}

static void answer(fetch_state_t *st)
{
	kafka_req_t *req = st->req;

	disarm(st);
	kafka_req_timer_clear(req);
	req->ops = NULL;
	st->sendfile = use_sendfile(st);
	/* each failed copy is answered as an error in a rebuilt response */
	for (int32_t tries = 0; tries <= st->part_count; tries++) {
		st->copy_failed = false;
		for (int32_t i = 0; i < st->part_count; i++)
			st->parts[i].hole = NULL;
		if (kafka_req_respond(req, kafka_fetch_resp_write, &st->resp))
			return;
		if (!st->copy_failed)
			place_records(st);
		if (!st->copy_failed)
			return;
		mem_free(req->resp);
		req->resp = NULL;
		for (int32_t i = 0; i < st->part_count; i++) {
			fetch_part_t *fp = &st->parts[i];

			if (fp->copy_failed) {
				fp->copy_failed = false;
				fp->r->records.len = 0;
				fp->r->error_code = KAFKA_ERR_KAFKA_STORAGE_ERROR;
			}
		}
	}
}

static void waiter_wake(void *arg)
{
	fetch_part_t *fp = arg;

	kafka_wake_post(&fp->st->wake, TRIB_OK);
}

/* Arms a waiter per readable partition; a partition already past its mark posts at once. */
static void arm(fetch_state_t *st)
{
	for (int32_t i = 0; i < st->part_count; i++) {
		fetch_part_t *fp = &st->parts[i];

		if (!fp->part || fp->armed)
			continue;
		fp->waiter.wake = waiter_wake;
		fp->waiter.arg = fp;
		fp->waiter.offset = fp->r->high_watermark;
		if (part_wait(fp->part, &fp->waiter))
			fp->armed = true;
		else
			kafka_wake_post(&st->wake, TRIB_OK); /* moved meanwhile: look again */
	}
}

/* Answers when there is enough (or nothing to wait for), else waits. */
static void step(fetch_state_t *st, bool deadline_passed)
{
	bool error;
	size_t total = evaluate(st, &error);

	if (deadline_passed || error || st->q.max_wait_ms <= 0 ||
	    total >= (size_t)(st->q.min_bytes > 0 ? st->q.min_bytes : 0) || st->part_count == 0) {
		answer(st);
		return;
	}
	arm(st);
}

static void on_wake(kafka_wake_t *w)
{
	fetch_state_t *st = (fetch_state_t *)w;

	disarm(st);
	step(st, false);
}

static void on_timeout(kafka_req_t *req)
{
	fetch_state_t *st = req->state;

	disarm(st);
	step(st, true);
}

static void on_cancel(kafka_req_t *req)
{
	fetch_state_t *st = req->state;

	disarm(st);
	kafka_req_timer_clear(req);
}

static const kafka_req_ops_t fetch_ops = {on_cancel, on_timeout};

/*
 * The hub a requested topic names (by name before v13, by id from v13),
 * or NULL with the error every partition of it gets.
 */
static hub_t *resolve_topic(kafka_req_t *req, const kafka_fetch_topic_t *t, int16_t *error)
{
	bool by_id = req->hdr.api_version >= 13;
	hub_t *hub = NULL;

	*error = req->reject;
	if (*error)
		return NULL;
	if (by_id) {
		/* ids are not secret: an unknown one is said so before any grant is checked */
		hub = ns_hub_find_by_id(req->env->ns, t->topic_id.b);
		if (!hub)
			*error = KAFKA_ERR_UNKNOWN_TOPIC_ID;
		else if (!kafka_sasl_req_allows(req, slice_from_cstr(hub_name(hub)), AUTH_LISTEN))
			*error = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	} else if (!kafka_sasl_req_allows(req, t->topic, AUTH_LISTEN)) {
		*error = KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
	} else {
		hub = ns_hub_find(req->env->ns, t->topic);
	}
	return *error ? NULL : hub;
}

/* Kafka's leader epoch fencing of current_leader_epoch (v9+; -1 = not checked). */
static int16_t fence(int32_t current)
{
	if (current == -1 || current == KAFKA_LEADER_EPOCH)
		return KAFKA_ERR_NONE;
	return current < KAFKA_LEADER_EPOCH ? KAFKA_ERR_FENCED_LEADER_EPOCH
					    : KAFKA_ERR_UNKNOWN_LEADER_EPOCH;
}

/* One partition's answer skeleton; fp->part stays NULL when it is answered with an error. */
static void prepare_part(fetch_state_t *st, hub_t *hub, int16_t topic_error, fetch_part_t *fp,
			 kafka_fetch_partition_resp_t *r)
{
	fp->st = st;
	fp->r = r;
	fp->part = hub ? hub_partition(hub, fp->q->partition) : NULL;
	r->partition_index = fp->q->partition;
	r->high_watermark = r->last_stable_offset = r->log_start_offset = -1;
	r->preferred_read_replica = -1;
	r->diverging_epoch = EPOCH_END_NONE;
	r->current_leader = (kafka_fetch_current_leader_t){-1, -1};
	r->snapshot_id = (kafka_fetch_snapshot_id_t){-1, -1};
	r->records = (kafka_records_t){.copy = copy_range, .src = fp};
	r->error_code = topic_error ? topic_error
		      : fp->part ? fence(fp->q->current_leader_epoch)
				 : KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (r->error_code)
		fp->part = NULL;
}

/* Builds the response skeleton and resolves every partition. */
static trib_err_t prepare(fetch_state_t *st)
{
	kafka_req_t *req = st->req;
	kafka_arena_t *a = &req->arena;
	int32_t total = 0, k = 0;

	for (int32_t i = 0; i < st->q.topics_count; i++)
		total += st->q.topics[i].partitions_count;
	st->parts = kafka_arena_calloc(a, (size_t)total, sizeof(*st->parts));
	st->resp.responses =
		kafka_arena_calloc(a, (size_t)st->q.topics_count, sizeof(*st->resp.responses));
	if (!st->parts || !st->resp.responses)
		return TRIB_ERR_NOMEM;
	st->part_count = total;
	st->resp.responses_count = st->q.topics_count;
	for (int32_t i = 0; i < st->q.topics_count; i++) {
		const kafka_fetch_topic_t *t = &st->q.topics[i];
		kafka_fetch_topic_resp_t *rt = &st->resp.responses[i];
		int16_t error;
		hub_t *hub = resolve_topic(req, t, &error);

		rt->topic = t->topic;
		rt->topic_id = t->topic_id;
		rt->partitions_count = t->partitions_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partitions_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partitions_count; j++, k++) {
			st->parts[k].q = &t->partitions[j];
			prepare_part(st, hub, error, &st->parts[k], &rt->partitions[j]);
		}
	}
	return TRIB_OK;
}

trib_err_t kafka_fetch_handle(kafka_req_t *req, wire_rd_t *body)
{
	fetch_state_t *st = kafka_arena_alloc(&req->arena, sizeof(*st));
	trib_err_t err;

	if (!st)
		return TRIB_ERR_NOMEM;
	err = kafka_fetch_req_decode(body, req->hdr.api_version, &req->arena, &st->q);
	if (err)
		return err;
	st->req = req;
	kafka_wake_init(&st->wake, &req->env->wq, on_wake);
	err = prepare(st);
	if (err)
		return err;
	req->state = st;
	req->ops = &fetch_ops;
	if (st->q.max_wait_ms > 0)
		kafka_req_timer_set(req, req->env->now_ms + st->q.max_wait_ms);
	step(st, false);
	return TRIB_OK;
}
