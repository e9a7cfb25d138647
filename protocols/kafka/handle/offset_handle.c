/*
 * FindCoordinator, OffsetCommit, OffsetFetch (generated codecs:
 * protocols/kafka/api/<name>.def).
 *
 * This broker is every group's coordinator: FindCoordinator answers its own
 * node, host and port for key_type 0 (groups), one key (v0-3) or each of a
 * batch (v4+, KIP-699); transactional ids get COORDINATOR_NOT_AVAILABLE (no
 * transactions), share groups (KIP-932) and unknown key types
 * INVALID_REQUEST, as Kafka without share groups.
 *
 * OffsetCommit checks the group (kgroup_commit_check: a standalone commit
 * with generation -1 for a group without members, else the member and
 * generation must match; from v9 a generation >= 0 for a group nobody knows,
 * neither kgroup nor koffset, is GROUP_ID_NOT_FOUND instead of
 * ILLEGAL_GENERATION, as Kafka's coordinator answers v9), then each topic
 * (Listen on it, else TOPIC_AUTHORIZATION_FAILED) and partition (the topic
 * and partition must exist: UNKNOWN_TOPIC_OR_PARTITION; metadata over
 * KOFFSET_METADATA_MAX: OFFSET_METADATA_TOO_LARGE), then appends every
 * accepted one as one record batch with koffset_commit and answers when it
 * is durable. The pending commit holds a request reference and one
 * env->pending_appends (as a Produce append), so the request outlives its
 * connection and the server waits for it at shutdown. retention_time_ms and
 * commit_timestamp are ignored (offsets are kept until overwritten). Only
 * classic groups exist here, so v9's member epochs (KIP-848) are generations.
 *
 * OffsetFetch answers what koffset holds, per group (one below v8, a batch
 * from v8): -1 / "" for nothing committed (Kafka's answer), a null topic
 * list (v2+) every position of the group the connection may Listen on, a
 * listed topic it may not TOPIC_AUTHORIZATION_FAILED. A group-level error
 * is repeated in every partition below v2, the top-level error_code with no
 * topics in v2-7, and the group's own error_code from v8 (Kafka's
 * getErrorResponse). require_stable (v7+) never waits: without
 * transactions no commit is pending. v9's member id and epoch matter only
 * for KIP-848 consumer groups and are ignored for classic ones, as Kafka
 * does.
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

/* FindCoordinator key types (FindCoordinatorRequest.json) */
#define COORDINATOR_GROUP 0
#define COORDINATOR_TRANSACTION 1

/* ---- FindCoordinator ---- */

/* The answer for one key: this node, or an error with Kafka's "no node" (-1, "", -1). */
static kafka_find_coordinator_result_t coordinator_for(const kafka_req_t *req, int8_t key_type,
						       trib_slice_t key)
{
	const kafka_env_t *env = req->env;
	kafka_find_coordinator_result_t r = {key, env->node_id, slice_from_cstr(env->advertised_host),
					     env->port, 0, TRIB_SLICE_NULL};
	const char *why = NULL;

	if (req->reject) {
		r.error_code = req->reject;
	} else if (key_type == COORDINATOR_TRANSACTION) {
		r.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
		why = "transactions are not supported";
	} else if (key_type != COORDINATOR_GROUP) {
		r.error_code = KAFKA_ERR_INVALID_REQUEST;
		why = "only consumer group coordinators are served (no share groups)";
	} else if (!env->offsets) {
		r.error_code = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
		why = "consumer groups are not enabled on this listener";
	} else if (key.len == 0 || key.len > KOFFSET_GROUP_MAX) {
		r.error_code = KAFKA_ERR_INVALID_GROUP_ID;
	}
	if (r.error_code) {
		r.node_id = -1;
		r.host = slice_from_cstr("");
		r.port = -1;
		r.error_message = slice_from_cstr(why ? why : kafka_err_name(r.error_code));
	}
	return r;
}

trib_err_t kafka_find_coordinator_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_find_coordinator_req_t q;
	kafka_find_coordinator_resp_t r = {0};
	kafka_find_coordinator_result_t one;
	trib_err_t err = kafka_find_coordinator_req_decode(body, req->hdr.api_version, &req->arena,
							   &q);

	if (err)
		return err;
	if (req->hdr.api_version < 4) {
		one = coordinator_for(req, q.key_type, q.key);
		r.error_code = one.error_code;
		r.error_message = one.error_message;
		r.node_id = one.node_id;
		r.host = one.host;
		r.port = one.port;
		return kafka_req_respond(req, kafka_find_coordinator_resp_write, &r);
	}
	r.coordinators = kafka_arena_calloc(&req->arena, (size_t)q.coordinator_keys_count,
					    sizeof(*r.coordinators));
	if (!r.coordinators)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q.coordinator_keys_count; i++)
		r.coordinators[i] = coordinator_for(req, q.key_type, q.coordinator_keys[i]);
	r.coordinators_count = q.coordinator_keys_count;
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

/* Whether kgroup has members or koffset has positions for @p group. */
static bool group_known(kafka_env_t *env, trib_slice_t group)
{
	kgroup_state_t state;
	int32_t generation;
	size_t members;

	return kgroup_describe(env->groups, group, &state, &generation, &members) ||
	       koffset_has_group(env->offsets, group);
}

static int16_t group_check(kafka_req_t *req, const kafka_offset_commit_req_t *q)
{
	kafka_env_t *env = req->env;
	int32_t generation = q->generation_id_or_member_epoch;
	kgroup_status_t st;

	if (req->reject)
		return req->reject;
	if (!env->offsets)
		return KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
	if (q->group_id.len == 0 || q->group_id.len > KOFFSET_GROUP_MAX)
		return KAFKA_ERR_INVALID_GROUP_ID;
	if (!env->groups)
		return KAFKA_ERR_NONE;
	st = kgroup_commit_check(env->groups, q->group_id, generation, q->member_id,
				 q->group_instance_id, env->now_ms);
	/* v9 tells a missing group apart from a stale generation (KIP-848's OffsetCommit) */
	if (st == KGROUP_ILLEGAL_GENERATION && req->hdr.api_version >= 9 && generation >= 0 &&
	    !group_known(env, q->group_id))
		return KAFKA_ERR_GROUP_ID_NOT_FOUND;
	return kafka_group_err(st);
}

/* Fills the response skeleton and the commits to make; returns how many. */
static trib_err_t prepare_commit(commit_state_t *st, const kafka_offset_commit_req_t *q,
				 int16_t group_err, koffset_commit_t **out)
{
	kafka_req_t *req = st->req;
	kafka_arena_t *a = &req->arena;
	size_t total = 0;
	koffset_commit_t *c;

	for (int32_t i = 0; i < q->topics_count; i++)
		total += (size_t)q->topics[i].partitions_count;
	st->resp.topics_count = q->topics_count;
	st->resp.topics = kafka_arena_calloc(a, (size_t)q->topics_count, sizeof(*st->resp.topics));
	c = kafka_arena_calloc(a, total, sizeof(*c));
	st->slots = kafka_arena_calloc(a, total, sizeof(*st->slots));
	if (!st->resp.topics || !c || !st->slots)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q->topics_count; i++) {
		const kafka_offset_commit_topic_req_t *t = &q->topics[i];
		kafka_offset_commit_topic_resp_t *rt = &st->resp.topics[i];
		bool denied = !kafka_sasl_req_allows(req, t->name, AUTH_LISTEN);
		hub_t *hub = group_err || denied ? NULL : ns_hub_find(req->env->ns, t->name);

		rt->name = t->name;
		rt->partitions_count = t->partitions_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partitions_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partitions_count; j++) {
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

/*
 * Positions are gathered in the v8+ shapes (one kafka_offset_fetch_group_resp_t
 * per group); below v8 the single group is copied into the older shapes,
 * which hold the same fields.
 */

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

/* The group-level code before positions are read, 0 when they may be. */
static int16_t fetch_group_check(const kafka_req_t *req, trib_slice_t group)
{
	if (req->reject)
		return req->reject;
	if (!req->env->offsets)
		return KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
	if (group.len == 0 || group.len > KOFFSET_GROUP_MAX)
		return KAFKA_ERR_INVALID_GROUP_ID;
	return KAFKA_ERR_NONE;
}

static void fill_partition(kafka_req_t *req, trib_slice_t group, trib_slice_t topic,
			   kafka_offset_fetch_group_partition_resp_t *r, bool *ok)
{
	static uint8_t meta[KOFFSET_METADATA_MAX]; /* loop thread only */
	koffset_val_t v;

	if (!koffset_get(req->env->offsets, group, topic, r->partition_index, &v, meta))
		return;
	r->committed_offset = v.offset;
	r->committed_leader_epoch = v.leader_epoch;
	r->metadata = arena_copy(&req->arena, v.metadata, ok);
}

/* Every committed position of a group, grouped by topic. */
typedef struct all_pos {
	kafka_req_t *req;
	kafka_offset_fetch_group_resp_t *g;
	int32_t cap;
	bool ok;
} all_pos_t;

static kafka_offset_fetch_group_topic_resp_t *topic_slot(all_pos_t *ap, trib_slice_t topic)
{
	kafka_offset_fetch_group_resp_t *g = ap->g;
	kafka_arena_t *a = &ap->req->arena;

	for (int32_t i = 0; i < g->topics_count; i++) {
		if (slice_eq(g->topics[i].name, topic))
			return &g->topics[i];
	}
	if (g->topics_count == ap->cap) {
		int32_t cap = ap->cap ? ap->cap * 2 : 8;
		kafka_offset_fetch_group_topic_resp_t *t = kafka_arena_calloc(a, (size_t)cap,
									      sizeof(*t));

		if (!t)
			return NULL;
		if (g->topics_count)
			memcpy(t, g->topics, (size_t)g->topics_count * sizeof(*t));
		g->topics = t;
		ap->cap = cap;
	}
	g->topics[g->topics_count].name = arena_copy(a, topic, &ap->ok);
	return &g->topics[g->topics_count++];
}

static bool add_position(void *arg, trib_slice_t topic, int32_t partition,
			 const koffset_val_t *v)
{
	all_pos_t *ap = arg;
	kafka_arena_t *a = &ap->req->arena;
	kafka_offset_fetch_group_topic_resp_t *t;
	kafka_offset_fetch_group_partition_resp_t *p;

	if (!kafka_sasl_req_allows(ap->req, topic, AUTH_LISTEN))
		return true; /* positions of topics the connection may not read stay unlisted */
	t = topic_slot(ap, topic);
	if (!t || !ap->ok)
		return ap->ok = false;
	/* partitions grow one by one: the arena keeps the old arrays until the answer */
	p = kafka_arena_calloc(a, (size_t)t->partitions_count + 1, sizeof(*p));
	if (!p)
		return ap->ok = false;
	if (t->partitions_count)
		memcpy(p, t->partitions, (size_t)t->partitions_count * sizeof(*p));
	p[t->partitions_count] = (kafka_offset_fetch_group_partition_resp_t){
		partition, v->offset, v->leader_epoch, arena_copy(a, v->metadata, &ap->ok), 0};
	t->partitions = p;
	t->partitions_count++;
	return ap->ok;
}

/*
 * The listed partitions of @p q's topics into @p g; @p code non-zero (a
 * group-level error below v2) is every partition's error.
 */
static trib_err_t fetch_listed(kafka_req_t *req, const kafka_offset_fetch_group_req_t *q,
			       int16_t code, kafka_offset_fetch_group_resp_t *g)
{
	kafka_arena_t *a = &req->arena;
	bool ok = true;

	g->topics_count = q->topics_count;
	g->topics = kafka_arena_calloc(a, (size_t)q->topics_count, sizeof(*g->topics));
	if (!g->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < q->topics_count; i++) {
		const kafka_offset_fetch_group_topic_req_t *t = &q->topics[i];
		kafka_offset_fetch_group_topic_resp_t *rt = &g->topics[i];
		int16_t tcode = code ? code
			      : kafka_sasl_req_allows(req, t->name, AUTH_LISTEN)
			      ? KAFKA_ERR_NONE : KAFKA_ERR_TOPIC_AUTHORIZATION_FAILED;

		rt->name = t->name;
		rt->partitions_count = t->partition_indexes_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partition_indexes_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partition_indexes_count; j++) {
			kafka_offset_fetch_group_partition_resp_t *r = &rt->partitions[j];

			*r = (kafka_offset_fetch_group_partition_resp_t){
				t->partition_indexes[j], -1, -1, slice_from_cstr(""), tcode};
			if (!tcode)
				fill_partition(req, q->group_id, t->name, r, &ok);
		}
	}
	return ok ? TRIB_OK : TRIB_ERR_NOMEM;
}

/* One group's answer into @p g (v8+ shapes). */
static trib_err_t fetch_group(kafka_req_t *req, const kafka_offset_fetch_group_req_t *q,
			      kafka_offset_fetch_group_resp_t *g)
{
	*g = (kafka_offset_fetch_group_resp_t){q->group_id, 0, NULL,
					       fetch_group_check(req, q->group_id)};
	if (g->error_code) {
		/* v0-1 have no group-level code: it goes into every partition */
		if (req->hdr.api_version < 2)
			return fetch_listed(req, q, g->error_code, g);
		return TRIB_OK;
	}
	if (q->topics_count < 0) {
		all_pos_t ap = {req, g, 0, true};

		koffset_list(req->env->offsets, q->group_id, add_position, &ap);
		return ap.ok ? TRIB_OK : TRIB_ERR_NOMEM;
	}
	return fetch_listed(req, q, KAFKA_ERR_NONE, g);
}

/* v0-7: the request's one group through fetch_group, copied into the older shapes. */
static trib_err_t fetch_single(kafka_req_t *req, const kafka_offset_fetch_req_t *q,
			       kafka_offset_fetch_resp_t *resp)
{
	kafka_arena_t *a = &req->arena;
	kafka_offset_fetch_group_req_t gq = {q->group_id, TRIB_SLICE_NULL, -1, q->topics_count, NULL};
	kafka_offset_fetch_group_resp_t g;
	trib_err_t err;

	if (q->topics_count > 0) {
		gq.topics = kafka_arena_calloc(a, (size_t)q->topics_count, sizeof(*gq.topics));
		if (!gq.topics)
			return TRIB_ERR_NOMEM;
		for (int32_t i = 0; i < q->topics_count; i++)
			gq.topics[i] = (kafka_offset_fetch_group_topic_req_t){
				q->topics[i].name, q->topics[i].partition_indexes_count,
				q->topics[i].partition_indexes};
	}
	err = fetch_group(req, &gq, &g);
	if (err)
		return err;
	resp->error_code = g.error_code;
	resp->topics_count = g.topics_count;
	resp->topics = kafka_arena_calloc(a, (size_t)g.topics_count, sizeof(*resp->topics));
	if (!resp->topics)
		return TRIB_ERR_NOMEM;
	for (int32_t i = 0; i < g.topics_count; i++) {
		const kafka_offset_fetch_group_topic_resp_t *t = &g.topics[i];
		kafka_offset_fetch_topic_resp_t *rt = &resp->topics[i];

		rt->name = t->name;
		rt->partitions_count = t->partitions_count;
		rt->partitions = kafka_arena_calloc(a, (size_t)t->partitions_count,
						    sizeof(*rt->partitions));
		if (!rt->partitions)
			return TRIB_ERR_NOMEM;
		for (int32_t j = 0; j < t->partitions_count; j++) {
			const kafka_offset_fetch_group_partition_resp_t *p = &t->partitions[j];

			rt->partitions[j] = (kafka_offset_fetch_partition_resp_t){
				p->partition_index, p->committed_offset, p->committed_leader_epoch,
				p->metadata, p->error_code};
		}
	}
	return TRIB_OK;
}

trib_err_t kafka_offset_fetch_handle(kafka_req_t *req, wire_rd_t *body)
{
	kafka_offset_fetch_req_t q;
	kafka_offset_fetch_resp_t resp = {0};
	trib_err_t err = kafka_offset_fetch_req_decode(body, req->hdr.api_version, &req->arena, &q);

	if (err)
		return err;
	if (req->hdr.api_version < 8) {
		err = fetch_single(req, &q, &resp);
	} else {
		resp.groups_count = q.groups_count;
		resp.groups = kafka_arena_calloc(&req->arena, (size_t)q.groups_count,
						 sizeof(*resp.groups));
		if (!resp.groups)
			return TRIB_ERR_NOMEM;
		for (int32_t i = 0; i < q.groups_count && !err; i++)
			err = fetch_group(req, &q.groups[i], &resp.groups[i]);
	}
	if (err)
		return err;
	return kafka_req_respond(req, kafka_offset_fetch_resp_write, &resp);
}
