/*
 * FindCoordinator, OffsetCommit, OffsetFetch.
 *
 * This broker is every group's coordinator: FindCoordinator answers its own
 * node, host and port for key_type 0 (groups); transactional ids get
 * COORDINATOR_NOT_AVAILABLE (no transactions).
 *
 * OffsetCommit checks the group (kgroup_commit_check: a standalone commit
 * with generation -1 for a group without members, else the member and
 * generation must match), then each partition (the topic and partition must
 * exist: UNKNOWN_TOPIC_OR_PARTITION; metadata over KOFFSET_METADATA_MAX:
 * OFFSET_METADATA_TOO_LARGE), then appends every accepted one as one
 * record batch with koffset_commit and answers when it is durable. The
 * pending commit holds a request reference and one env->pending_appends
 * (as a Produce append), so the request outlives its connection and the
 * server waits for it at shutdown. retention_time_ms and commit_timestamp
 * are ignored (offsets are kept until overwritten).
 *
 * OffsetFetch answers what koffset holds: -1 / "" for nothing committed
 * (Kafka's answer), a null topic list (v2+) every position of the group.
 * require_stable does not exist below v7.
 */
#include "offset_handle.h"

#include <string.h>

#include "api/find_coordinator.h"
#include "api/offset_commit.h"
#include "api/offset_fetch.h"
#include "hub.h"
#include "group_handle.h"
#include "kafka_err.h"
#include "kafka_sasl.h"
#include "kgroup.h"
#include "koffset.h"
#include "log.h"

/* ---- FindCoordinator ---- */

trib_err_t kafka_find_coordinator_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_find_coordinator_req_t q;
	kafka_find_coordinator_resp_t r = {0};
	const kafka_env_t *env = req->env;
	trib_err_t err = kafka_find_coordinator_req_decode(body, req->hdr.api_version, &q);
	const char *why = NULL;

	if (err)
		return err;
	r.node_id = env->node_id;
	r.host = slice_from_cstr(env->advertised_host);
	r.port = env->port;
	if (req->reject) {
		r.error_code = req->reject;
	} else if (q.key_type != KAFKA_COORDINATOR_GROUP) {
		r.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
		why = "transactions are not supported";
	} else if (!env->offsets) {
		r.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
		why = "consumer groups are not enabled on this listener";
	} else if (q.key.len == 0 || q.key.len > KOFFSET_GROUP_MAX) {
		r.error_code = KAFKA_ERR_INVALID_GROUP_ID;
	}
	if (r.error_code) {
		r.node_id = -1;
		r.host = slice_from_cstr("");
		r.port = -1;
		r.error_message = slice_from_cstr(why ? why : kafka_err_name(r.error_code));
	}
	return kafka_req_respond(req, kafka_find_coordinator_resp_write, &r);
}

/* ---- OffsetCommit ---- */

typedef struct commit_state {
	kafka_wake_t wake; /* first: the mailbox hands this back */
	kafka_req_t *req;
	kafka_offset_commit_resp_t resp;
	int16_t **slots; /* error codes of the partitions in the batch */
	size_t n;
} commit_state_t;

static void commit_durable(void *arg, trib_err_t err)
{
	commit_state_t *st = arg;

	kafka_wake_post(&st->wake, err);
}

static void commit_answer(kafka_wake_t *w)
{
	commit_state_t *st = (commit_state_t *)w;
	kafka_req_t *req = st->req;

	req->env->pending_appends--;
	if (w->err) {
		int16_t code = w->err == TRIB_ERR_IO ? KAFKA_ERR_COORDINATOR_NOT_AVAILABLE
						     : kafka_err_from_trib(w->err, KAFKA_CTX_RECORDS);

		log_warn("kafka: offset commit failed: %s", trib_strerror(w->err));
		for (size_t i = 0; i < st->n; i++)
			*st->slots[i] = code;
	}
	(void)kafka_req_respond(req, kafka_offset_commit_resp_write, &st->resp);
	kafka_req_unref(req);
}

/* Kafka code for one partition before it is committed, 0 when it may go. */
static int16_t check_partition(kafka_req_t *req, hub_t *hub,
			       const kafka_offset_commit_partition_req_t *p)
{
	if (!hub || !hub_partition(hub, p->partition_index))
		return KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (p->committed_metadata.ptr && p->committed_metadata.len > KOFFSET_METADATA_MAX)
		return KAFKA_ERR_OFFSET_METADATA_TOO_LARGE;
	(void)req;
	return KAFKA_ERR_NONE;
}

static int16_t group_check(kafka_req_t *req, const kafka_offset_commit_req_t *q)
{
	kafka_env_t *env = req->env;

	if (req->reject)
		return req->reject;
	if (!env->offsets)
		return KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
	if (q->group_id.len == 0 || q->group_id.len > KOFFSET_GROUP_MAX)
		return KAFKA_ERR_INVALID_GROUP_ID;
	if (!env->groups)
		return KAFKA_ERR_NONE;
	return kafka_group_err(kgroup_commit_check(env->groups, q->group_id, q->generation_id,
					      q->member_id, q->group_instance_id, env->now_ms));
}

/* Fills the response skeleton and the commits to make; returns how many. */
static trib_err_t prepare_commit(commit_state_t *st, const kafka_offset_commit_req_t *q,
				 int16_t group_err, koffset_commit_t **out)
{
	kafka_req_t *req = st->req;
	kafka_arena_t *a = &req->arena;
	size_t total = 0;
	koffset_commit_t *c;

	for (int32_t i = 0; i < q->topic_count; i++)
		total += (size_t)q->topics[i].partition_count;
	st->resp.topic_count = q->topic_count;
	st->resp.topics = kafka_arena_calloc(a, (size_t)q->topic_count, sizeof(*st->resp.topics));
	c = kafka_arena_calloc(a, total, sizeof(*c));
	st->slots = kafka_arena_calloc(a, total, sizeof(*st->slots));
	if (!st->resp.topics || !c || !st->slots)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q->topic_count; i++) {
		const kafka_offset_commit_topic_req_t *t = &q->topics[i];
		kafka_offset_commit_topic_resp_t *rt = &st->resp.topics[i];
		bool denied = !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN);
		hub_t *hub = group_err || denied ? NULL : ns_hub_find(req->env->ns, t->name);

		rt->name = t->name;
		rt->partition_count = t->partition_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partition_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partition_count; j++) {
			const kafka_offset_commit_partition_req_t *p = &t->partitions[j];
			kafka_offset_commit_partition_resp_t *r = &rt->partitions[j];

			r->partition_index = p->partition_index;
			r->error_code = group_err ? group_err
				      : denied ? KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED
				      : check_partition(req, hub, p);
			if (r->error_code)
				continue;
			c[st->n] = (koffset_commit_t){q->group_id, t->name, p->partition_index,
						      p->committed_offset,
						      p->committed_leader_epoch,
						      p->committed_metadata};
			st->slots[st->n++] = &r->error_code;
		}
	}
	*out = c;
	return TRIB_OK;
}

trib_err_t kafka_offset_commit_handle(kafka_req_t *req, wire_rd_t *body)
{
	commit_state_t *st = kafka_arena_alloc(&req->arena, sizeof(*st));
	kafka_offset_commit_req_t q;
	koffset_commit_t *c = NULL;
	trib_err_t err;

	if (!st)
		return TRIB_ERR_NOMEM;
	err = kafka_offset_commit_req_decode(body, req->hdr.api_version, &req->arena, &q);
	if (err)
		return err;
	st->req = req;
	kafka_wake_init(&st->wake, &req->env->wq, commit_answer);
	err = prepare_commit(st, &q, group_check(req, &q), &c);
	if (err)
		return err;
	if (st->n == 0)
		return kafka_req_respond(req, kafka_offset_commit_resp_write, &st->resp);
	err = koffset_commit(req->env->offsets, c, st->n, commit_durable, st);
	if (err) {
		int16_t code = kafka_err_from_trib(err, KAFKA_CTX_RECORDS);

		for (size_t i = 0; i < st->n; i++)
			*st->slots[i] = code;
		return kafka_req_respond(req, kafka_offset_commit_resp_write, &st->resp);
	}
	req->env->pending_appends++;
	kafka_req_ref(req);
	return TRIB_OK;
}

/* ---- OffsetFetch ---- */

static trib_slice_t arena_copy(kafka_arena_t *a, trib_slice_t s, bool *ok)
{
	uint8_t *p;

	if (!s.ptr)
		return s;
	p = kafka_arena_alloc(a, s.len);
	if (!p) {
		*ok = false;
		return (trib_slice_t){NULL, 0};
	}
	memcpy(p, s.ptr, s.len);
	return (trib_slice_t){p, s.len};
}

static void fill_partition(kafka_req_t *req, trib_slice_t group, trib_slice_t topic,
			   kafka_offset_fetch_partition_resp_t *r, bool *ok)
{
	static uint8_t meta[KOFFSET_METADATA_MAX]; /* loop thread only */
	koffset_val_t v;

	r->committed_offset = -1;
	r->committed_leader_epoch = -1;
	r->metadata = slice_from_cstr("");
	if (!koffset_get(req->env->offsets, group, topic, r->partition_index, &v, meta))
		return;
	r->committed_offset = v.offset;
	r->committed_leader_epoch = v.leader_epoch;
	r->metadata = arena_copy(&req->arena, v.metadata, ok);
}

/* Every committed position of a group, grouped by topic. */
typedef struct all_pos {
	kafka_req_t *req;
	kafka_offset_fetch_resp_t *resp;
	int32_t cap;
	bool ok;
} all_pos_t;

static kafka_offset_fetch_topic_resp_t *topic_slot(all_pos_t *ap, trib_slice_t topic)
{
	kafka_offset_fetch_resp_t *r = ap->resp;
	kafka_arena_t *a = &ap->req->arena;

	for (int32_t i = 0; i < r->topic_count; i++) {
		if (slice_eq(r->topics[i].name, topic))
			return &r->topics[i];
	}
	if (r->topic_count == ap->cap) {
		int32_t cap = ap->cap ? ap->cap * 2 : 8;
		kafka_offset_fetch_topic_resp_t *t = kafka_arena_calloc(a, (size_t)cap, sizeof(*t));

		if (!t)
			return NULL;
		if (r->topic_count)
			memcpy(t, r->topics, (size_t)r->topic_count * sizeof(*t));
		r->topics = t;
		ap->cap = cap;
	}
	r->topics[r->topic_count].name = arena_copy(a, topic, &ap->ok);
	return &r->topics[r->topic_count++];
}

static bool add_position(void *arg, trib_slice_t topic, int32_t partition,
			 const koffset_val_t *v)
{
	all_pos_t *ap = arg;
	kafka_arena_t *a = &ap->req->arena;
	kafka_offset_fetch_topic_resp_t *t;
	kafka_offset_fetch_partition_resp_t *p;

	if (!kafka_sasl_req_allows(ap->req, topic, AUTH_LISTEN))
		return true; /* positions of topics the connection may not read stay unlisted */
	t = topic_slot(ap, topic);
	if (!t || !ap->ok)
		return ap->ok = false;
	/* partitions grow one by one: the arena keeps the old arrays until the answer */
	p = kafka_arena_calloc(a, (size_t)t->partition_count + 1, sizeof(*p));
	if (!p)
		return ap->ok = false;
	if (t->partition_count)
		memcpy(p, t->partitions, (size_t)t->partition_count * sizeof(*p));
	p[t->partition_count] = (kafka_offset_fetch_partition_resp_t){
		partition, v->offset, v->leader_epoch, arena_copy(a, v->metadata, &ap->ok), 0};
	t->partitions = p;
	t->partition_count++;
	return ap->ok;
}

static trib_err_t fetch_listed(kafka_req_t *req, const kafka_offset_fetch_req_t *q,
			       kafka_offset_fetch_resp_t *resp)
{
	kafka_arena_t *a = &req->arena;
	bool ok = true;

	resp->topic_count = q->topic_count;
	resp->topics = kafka_arena_calloc(a, (size_t)q->topic_count, sizeof(*resp->topics));
	if (!resp->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q->topic_count; i++) {
		const kafka_offset_fetch_topic_req_t *t = &q->topics[i];
		kafka_offset_fetch_topic_resp_t *rt = &resp->topics[i];
		bool denied = !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN);

		rt->name = t->name;
		rt->partition_count = t->partition_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partition_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partition_count; j++) {
			kafka_offset_fetch_partition_resp_t *r = &rt->partitions[j];

			r->partition_index = t->partition_indexes[j];
			if (resp->error_code || denied) {
				r->committed_offset = -1;
				r->committed_leader_epoch = -1;
				r->metadata = slice_from_cstr("");
				r->error_code = resp->error_code ? resp->error_code
						: KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;
			} else {
				fill_partition(req, q->group_id, t->name, r, &ok);
			}
		}
	}
	return ok ? TRIB_OK : TRIB_ERR_NOMEM;
}

trib_err_t kafka_offset_fetch_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_offset_fetch_req_t q;
	kafka_offset_fetch_resp_t resp = {0};
	trib_err_t err = kafka_offset_fetch_req_decode(body, req->hdr.api_version, &req->arena, &q);

	if (err)
		return err;
	if (req->reject)
		resp.error_code = req->reject;
	else if (!req->env->offsets)
		resp.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
	else if (q.group_id.len == 0 || q.group_id.len > KOFFSET_GROUP_MAX)
		resp.error_code = KAFKA_ERR_INVALID_GROUP_ID;
	if (q.all_topics && !resp.error_code) {
		all_pos_t ap = {req, &resp, 0, true};

		koffset_list(req->env->offsets, q.group_id, add_position, &ap);
		if (!ap.ok)
			return TRIB_ERR_NOMEM;
	} else {
		err = fetch_listed(req, &q, &resp);
		if (err)
			return err;
	}
	return kafka_req_respond(req, kafka_offset_fetch_resp_write, &resp);
}
